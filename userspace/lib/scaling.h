/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * scaling - metrics-driven scaling hooks of a service (config: scaling:).
 * Pure evaluation: one sample per call, no clock, no I/O; lbd feeds it once
 * a second and runs the operator's command when it says so (lbd/scale.c).
 * Unit-tested in tests/unit/test_scaling.c.
 *
 * Rules:
 *  - A breach is the metric strictly above `above` (direction up) or strictly
 *    below `below` (direction down). A bound that is not configured never
 *    breaches.
 *  - The hook fires when every sample of the last for_s seconds was in the
 *    same breach (the first breaching sample starts the clock; one sample back
 *    inside the bounds resets it): a blip shorter than for_s never fires.
 *  - Once per breach: after firing, the same breach does not fire again
 *    while it lasts, except that when the cooldown has passed and the metric
 *    is still beyond the bound it counts as a new breach (the first hook was
 *    not enough) and fires again after another full for_s.
 *  - Cooldown: for cooldown_s seconds after a fire nothing fires, in either
 *    direction.
 */
#ifndef XLB_SCALING_H
#define XLB_SCALING_H

#include <stdbool.h>
#include <linux/types.h>

#define XLB_SCALE_CMD_MAX 256

enum xlb_scale_metric {
	XLB_SCALE_OFF = 0, /* no scaling: section absent */
	XLB_SCALE_NEW_FLOWS_PER_BACKEND_PER_S, /* new flows/s of the service / backends taking new flows */
	XLB_SCALE_ACTIVE_FLOWS_PER_BACKEND, /* active flows of the service / backends taking new flows */
	XLB_SCALE_METRIC_MAX,
};

enum xlb_scale_dir {
	XLB_SCALE_NONE = 0,
	XLB_SCALE_UP, /* above the `above` bound: add capacity */
	XLB_SCALE_DOWN, /* below the `below` bound: remove capacity */
};

struct xlb_scale_cfg {
	__u8 metric; /* enum xlb_scale_metric */
	bool has_above, has_below;
	double above, below; /* below < above when both are set */
	__u32 for_s; /* >= 1 */
	__u32 cooldown_s;
	char command[XLB_SCALE_CMD_MAX]; /* absolute path (run through /bin/sh -c) */
};

struct xlb_scale_state {
	__u8 dir; /* breach in progress: enum xlb_scale_dir */
	bool fired; /* this breach already fired */
	long long since_ms; /* start of the current breach (or of its re-arm) */
	long long cooldown_until_ms; /* no fire before this */
	__u64 fires_up, fires_down;
};

const char *xlb_scale_metric_name(__u8 m); /* "new_flows_per_backend_per_s", ... */
int xlb_scale_metric_parse(const char *s, __u8 *m); /* 0 or -EINVAL */
const char *xlb_scale_dir_name(__u8 d); /* "none", "up", "down" */

void xlb_scale_state_init(struct xlb_scale_state *st);
/*
 * Feed one sample taken at now_ms (monotonic, non-decreasing). Returns
 * XLB_SCALE_UP or XLB_SCALE_DOWN when the hook must run now, else
 * XLB_SCALE_NONE. The bound crossed is *threshold when not NULL.
 */
enum xlb_scale_dir xlb_scale_eval(const struct xlb_scale_cfg *c, struct xlb_scale_state *st,
				  double value, long long now_ms, double *threshold);

#endif
