/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* lbd internals shared by main.c (process, event loop, socket) and cmd.c (commands). */
#ifndef XLB_LBD_H
#define XLB_LBD_H

#include <stdbool.h>
#include <jansson.h>

#include "config.h"
#include "dp.h"
#include "proto.h"

struct lbd {
	const char *config_path;
	const char *iface;
	const char *pin_dir;
	const char *sock_path;
	struct xlb_config cfg; /* desired state: the config plus runtime changes */
	struct xlb_dp *dp;
	long long start_ms; /* CLOCK_MONOTONIC */
};

long long lbd_now_ms(void);

/*
 * Run one validated request; returns a complete response (never NULL unless
 * out of memory). A failed request changes nothing.
 */
json_t *lbd_handle(struct lbd *l, const struct xlb_cmd_spec *spec, json_t *args);

/*
 * Reload the config file: parse and validate it fully, then apply the diff.
 * On a bad file nothing changes and err says why (-EINVAL). On a data path
 * failure the previous state is re-applied (best effort) and -errno returned.
 */
int lbd_reload(struct lbd *l, struct xlb_dp_diff *diff, char *err, size_t errlen);

#endif
