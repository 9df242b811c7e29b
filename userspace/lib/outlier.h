/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * outlier - passive outlier detection (ejection policy) from the data path's
 * per-backend counters: new flows, and new flows that needed a retransmitted
 * SYN (bpf/sched.h counts each such flow once). Pure code: no BPF, no I/O;
 * the caller passes the time and the counters. Unit-tested in
 * tests/unit/test_outlier.c; docs/config.md ("outlier_detection") has the
 * operator's view.
 *
 * Rules (the shape of Envoy's outlier detection):
 *  - Window: the caller samples a backend's two monotonic counters (as
 *    often as it likes: lbd every 100 ms); the ratio is retransmitted / new
 *    flows between the oldest kept sample still inside window_ms and now.
 *    Samples are kept at least window_ms / 12 apart, so the ring spans more
 *    than two windows whatever the window and however often it is called.
 *  - UDP services (udp_pct): a client sends a flow's second packet only once
 *    the backend answered (bpf/sched.h counts those flows: udp_seen2). The
 *    "bad" flows are the new flows of the window before the last one that
 *    got no second packet in the last one: new flows of [now - 2w, now - w]
 *    minus second packets of [now - w, now] (a flow has about one window to
 *    send its second packet); the threshold is udp_pct.
 *  - Minimum volume: no verdict while the window holds fewer than min_flows
 *    new flows (a quiet backend is never judged on two connections).
 *  - Threshold: ratio >= ratio_pct / 100 wants the backend ejected.
 *  - Budget: at most xlb_outlier_budget() backends of a service are ejected
 *    at once (max_ejected_pct of them, rounded down, but at least one when the
 *    service has two or more; never the only one).
 *  - Ejection time: base_eject_ms * (1 + earlier ejections), capped at
 *    max_eject_ms. Each decay_ms spent not ejected forgets one earlier
 *    ejection, so a backend that fails again soon stays out longer.
 *  - Return: once the ejection time has passed, the backend returns on its
 *    next successful active probe (xlb_outlier_probe); a failed probe keeps
 *    it out (and active health takes it down by its own rules).
 */
#ifndef XLB_OUTLIER_H
#define XLB_OUTLIER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define XLB_OUTLIER_SAMPLES 32 /* ring of counter samples per backend */

struct xlb_outlier_cfg {
	__u8 enabled; /* bool; explicit padding: configs are compared with memcmp */
	__u8 _pad[3];
	__u32 window_ms;       /* default 1000 */
	__u32 min_flows;       /* default 20 */
	__u32 ratio_pct;       /* 1..100, default 50 */
	__u32 max_ejected_pct; /* 0..100, default 50 */
	__u32 base_eject_ms;   /* default 10000 */
	__u32 max_eject_ms;    /* default 300000 */
	__u32 decay_ms;	       /* default 60000 */
	__u32 udp_pct;	       /* 0 (off), 1..100: UDP services, xlb_outlier_observe_udp() */
};

#define XLB_OUTLIER_DEFAULT                                                                        \
	((struct xlb_outlier_cfg){.enabled = false,                                                \
				  .window_ms = 1000,                                               \
				  .min_flows = 20,                                                 \
				  .ratio_pct = 50,                                                 \
				  .max_ejected_pct = 50,                                           \
				  .base_eject_ms = 10000,                                          \
				  .max_eject_ms = 300000,                                          \
				  .decay_ms = 60000,                                               \
				  .udp_pct = 0})

struct xlb_outlier_sample {
	__u64 t_ms, flows, retx;
};

/* Per backend; zero-initialised is "never sampled, never ejected". */
struct xlb_outlier {
	struct xlb_outlier_sample s[XLB_OUTLIER_SAMPLES];
	__u32 head, count; /* ring: s[head] is the newest */
	bool ejected;
	__u64 ejected_ms, until_ms; /* when ejected; not back before until_ms */
	__u64 calm_since_ms;	    /* last un-ejection (for decay) */
	__u32 ejections;	    /* earlier ejections not yet forgotten */
	__u64 total_ejections;	    /* for metrics; never decays */
	__u64 win_flows, win_retx;  /* the last window's deltas (for lbctl); UDP: flows, unanswered */
	bool udp;		    /* fed by xlb_outlier_observe_udp: threshold udp_pct */
};

/* 0, or -EINVAL with *err naming the bad field. */
int xlb_outlier_cfg_check(const struct xlb_outlier_cfg *c, const char **err);

/*
 * Record a sample of the backend's counters at now_ms. Counters that go
 * backwards (a backend id reused, counters reset) restart the window.
 */
void xlb_outlier_observe(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 now_ms,
			 __u64 flows, __u64 retx);

/*
 * UDP (udp_pct): as xlb_outlier_observe(), with the backend's new flows and
 * flows that got a second packet (udp_seen2); the window then holds the
 * flows of the window before the last and how many of them got none.
 */
void xlb_outlier_observe_udp(const struct xlb_outlier_cfg *c, struct xlb_outlier *o,
			     __u64 now_ms, __u64 flows, __u64 seen2);

/* Does the window ask for an ejection (not already ejected)? */
bool xlb_outlier_wants_eject(const struct xlb_outlier_cfg *c, const struct xlb_outlier *o);

/* How many of n backends may be ejected at once. */
size_t xlb_outlier_budget(const struct xlb_outlier_cfg *c, size_t n);

/* Eject now; returns the ejection time in ms. */
__u32 xlb_outlier_eject(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 now_ms);

/*
 * An active probe's result for an ejected backend: returns true when this
 * brings it back (ok and the ejection time has passed).
 */
bool xlb_outlier_probe(struct xlb_outlier *o, __u64 now_ms, bool ok);

/* Forget the window (e.g. after a table change moved flows). */
void xlb_outlier_reset_window(struct xlb_outlier *o);

#endif
