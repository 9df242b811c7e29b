/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * inspect.h - seeing what the data path does (docs/operations.md,
 * "Troubleshooting"): flow explain (explain.c), packet capture (capture.c).
 */
#ifndef XLB_LBD_INSPECT_H
#define XLB_LBD_INSPECT_H

#include "lbd.h"

/* "flow.explain": {src, sport, vip, port, protocol, syn} -> the decisions for that flow. */
json_t *lbd_cmd_flow_explain(struct lbd *l, json_t *args);

#endif
