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

/*
 * Packet capture sessions (capture.c): "capture.start" {service, backend,
 * reason, snaplen, rate, burst, tx}, "capture.read" {session, max},
 * "capture.stop" {session}.
 */
json_t *lbd_cmd_capture_start(struct lbd *l, json_t *args);
json_t *lbd_cmd_capture_read(struct lbd *l, json_t *args);
json_t *lbd_cmd_capture_stop(struct lbd *l, json_t *args);
/* 1 s tick: stop a session nobody read for a while. */
void lbd_capture_tick(struct lbd *l);
/* At exit: capture off (the program stays attached), ring buffer freed. */
void lbd_capture_free(struct lbd *l);

#endif
