/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * feedback.h - lbd's closed-loop health (#21): passive outlier ejection from
 * the data path's retransmitted-SYN counters, slow start of joining
 * backends, backend feedback through an agent check (HAProxy's protocol,
 * lib/agent.h), and the view of max_flows caps. The policies are pure modules
 * (userspace/lib/outlier.c, slowstart.c); this is their glue: a 100 ms
 * tick reads counters and re-applies services whose weights changed, and
 * hc.c calls two small hooks (marked #21): lbd_feedback_adjust() in its
 * active-set computation and lbd_feedback_probe() on every probe result.
 *
 * State is kept per (service name, backend address) in this file, so it
 * survives reloads like hc.c's; one lbd per process.
 */
#ifndef LBD_FEEDBACK_H
#define LBD_FEEDBACK_H

#include <jansson.h>
#include <stdbool.h>

#include "lbd.h"

#define LBD_FEEDBACK_EV_TAG  (1ull << 55) /* epoll data of the feedback tick's timerfd */
#define LBD_FEEDBACK_TICK_MS 100

/* Register the tick in epfd. 0 or -errno. */
int lbd_feedback_init(struct lbd *l, int epfd);
void lbd_feedback_free(void);
/* The tick's timerfd fired. */
void lbd_feedback_event(struct lbd *l);

/*
 * Adjust the policy's weight of backend cb of cs (hc.c's active set): the
 * agent's word (percentage, drain, maint/down also clear *usable), ejected
 * backends take no new flows, joining ones ramp up. *max_flows: the
 * backend's open-flow cap (the agent's maxconn bounded by the configured
 * max_flows; 0: the configured one).
 */
void lbd_feedback_adjust(struct lbd *l, const struct xlb_cfg_service *cs,
			 const struct xlb_cfg_backend *cb, __u32 *weight, bool *usable,
			 __u32 *max_flows);

/* An active probe's result for (service, backend): may end an ejection. */
void lbd_feedback_probe(const char *service, const struct xlb_addr *addr, __u8 family, bool ok);

/* lbctl health / metrics: the backend's "feedback" object, or NULL if nothing to say. */
json_t *lbd_feedback_json(struct lbd *l, const struct xlb_cfg_service *cs,
			  const struct xlb_cfg_backend *cb);

#endif
