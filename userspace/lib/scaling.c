// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include "scaling.h"

static const char *const metric_names[XLB_SCALE_METRIC_MAX] = {
	[XLB_SCALE_OFF] = "off",
	[XLB_SCALE_NEW_FLOWS_PER_BACKEND_PER_S] = "new_flows_per_backend_per_s",
	[XLB_SCALE_ACTIVE_FLOWS_PER_BACKEND] = "active_flows_per_backend",
};

const char *xlb_scale_metric_name(__u8 m)
{
	return m < XLB_SCALE_METRIC_MAX ? metric_names[m] : "?";
}

int xlb_scale_metric_parse(const char *s, __u8 *m)
{
	__u8 i;

	for (i = XLB_SCALE_OFF + 1; i < XLB_SCALE_METRIC_MAX; i++) {
		if (!strcmp(s, metric_names[i])) {
			*m = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xlb_scale_dir_name(__u8 d)
{
	return d == XLB_SCALE_UP ? "up" : d == XLB_SCALE_DOWN ? "down" : "none";
}

void xlb_scale_state_init(struct xlb_scale_state *st)
{
	memset(st, 0, sizeof(*st));
}

enum xlb_scale_dir xlb_scale_eval(const struct xlb_scale_cfg *c, struct xlb_scale_state *st,
				  double value, long long now_ms, double *threshold)
{
	enum xlb_scale_dir d = XLB_SCALE_NONE;
	long long for_ms = (long long)(c->for_s ? c->for_s : 1) * 1000;

	if (c->metric == XLB_SCALE_OFF)
		return XLB_SCALE_NONE;
	if (c->has_above && value > c->above)
		d = XLB_SCALE_UP;
	else if (c->has_below && value < c->below)
		d = XLB_SCALE_DOWN;
	if (d != st->dir) { /* a breach starts, ends or flips */
		st->dir = d;
		st->fired = false;
		st->since_ms = now_ms;
	}
	if (d == XLB_SCALE_NONE)
		return XLB_SCALE_NONE;
	if (st->fired) {
		/* Still the breach that fired: it re-arms once the cooldown is over. */
		if (now_ms < st->cooldown_until_ms)
			return XLB_SCALE_NONE;
		st->fired = false;
		st->since_ms = st->cooldown_until_ms;
	}
	/* Samples are a second apart: a breach seen first at t0 has lasted
	 * for_s seconds when the sample at t0 + for_s still breaches. */
	if (now_ms - st->since_ms < for_ms || now_ms < st->cooldown_until_ms)
		return XLB_SCALE_NONE;
	st->fired = true;
	st->cooldown_until_ms = now_ms + (long long)c->cooldown_s * 1000;
	if (d == XLB_SCALE_UP)
		st->fires_up++;
	else
		st->fires_down++;
	if (threshold)
		*threshold = d == XLB_SCALE_UP ? c->above : c->below;
	return d;
}
