/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* dashboard.c: the live dashboard served next to /metrics (metrics.c). */
#ifndef XLB_LBD_DASHBOARD_H
#define XLB_LBD_DASHBOARD_H

#include <stddef.h>
#include <jansson.h>

#include "dp.h"

/* The page (GET /): static, embedded at build time. */
const char *lbd_dashboard_page(size_t *len);
/* GET /dashboard.json from a published snapshot and live counters: malloc'd, or NULL. */
char *lbd_dashboard_json(json_t *snap, const struct xlb_dp *dp, size_t *len);

#endif
