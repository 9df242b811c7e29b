// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * outlier - passive outlier detection; the rules are in outlier.h.
 */
#include <errno.h>
#include <string.h>

#include "outlier.h"

int xlb_outlier_cfg_check(const struct xlb_outlier_cfg *c, const char **err)
{
	const char *e = NULL;

	if (c->window_ms < 100 || c->window_ms > 60000)
		e = "window_ms: 100..60000";
	else if (c->min_flows < 1)
		e = "min_flows: at least 1";
	else if (c->ratio_pct < 1 || c->ratio_pct > 100)
		e = "ratio_pct: 1..100";
	else if (c->max_ejected_pct > 100)
		e = "max_ejected_pct: 0..100";
	else if (c->base_eject_ms < 100)
		e = "base_eject_ms: at least 100";
	else if (c->max_eject_ms < c->base_eject_ms)
		e = "max_eject_ms: at least base_eject_ms";
	else if (c->decay_ms < 1000)
		e = "decay_ms: at least 1000";
	else if (c->udp_pct > 100)
		e = "udp_pct: 0..100";
	if (err)
		*err = e;
	return e ? -EINVAL : 0;
}

static const struct xlb_outlier_sample *sample_at(const struct xlb_outlier *o, __u32 age)
{
	return &o->s[(o->head + XLB_OUTLIER_SAMPLES - age) % XLB_OUTLIER_SAMPLES];
}

void xlb_outlier_reset_window(struct xlb_outlier *o)
{
	o->count = 0;
	o->win_flows = o->win_retx = 0;
}

static void decay(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 now_ms)
{
	while (!o->ejected && o->ejections > 0 && now_ms - o->calm_since_ms >= c->decay_ms) {
		o->ejections--;
		o->calm_since_ms += c->decay_ms;
	}
}

/* Keep a sample of the counters at now_ms (spaced out); false if the counters went backwards. */
static bool store(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 now_ms,
		  __u64 flows, __u64 retx, bool *stored)
{
	__u64 spacing = c->window_ms / 12;
	bool ok = true;

	decay(c, o, now_ms);
	*stored = true;
	if (o->count) {
		const struct xlb_outlier_sample *newest = sample_at(o, 0);

		if (flows < newest->flows || retx < newest->retx || now_ms < newest->t_ms) {
			xlb_outlier_reset_window(o);
			ok = false;
		} else { /* often called: keep samples spaced so that the ring spans two windows */
			*stored = now_ms - newest->t_ms >= spacing;
		}
	}
	if (*stored) {
		o->head = o->count ? (o->head + 1) % XLB_OUTLIER_SAMPLES : 0;
		o->s[o->head] =
		    (struct xlb_outlier_sample){.t_ms = now_ms, .flows = flows, .retx = retx};
		if (o->count < XLB_OUTLIER_SAMPLES)
			o->count++;
	}
	return ok;
}

/* The oldest kept sample at most age_ms old (not this call's own), or NULL. */
static const struct xlb_outlier_sample *oldest_within(const struct xlb_outlier *o, __u64 now_ms,
						      __u64 age_ms, bool stored)
{
	const struct xlb_outlier_sample *old = NULL;
	__u32 age;

	for (age = stored ? 1 : 0; age < o->count; age++) {
		const struct xlb_outlier_sample *s = sample_at(o, age);

		if (now_ms - s->t_ms > age_ms)
			break;
		old = s;
	}
	return old && old->t_ms != now_ms ? old : NULL;
}

void xlb_outlier_observe(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 now_ms,
			 __u64 flows, __u64 retx)
{
	const struct xlb_outlier_sample *old;
	bool stored;

	o->udp = false;
	store(c, o, now_ms, flows, retx, &stored);
	old = oldest_within(o, now_ms, c->window_ms, stored);
	o->win_flows = old ? flows - old->flows : 0;
	o->win_retx = old ? retx - old->retx : 0;
}

void xlb_outlier_observe_udp(const struct xlb_outlier_cfg *c, struct xlb_outlier *o,
			     __u64 now_ms, __u64 flows, __u64 seen2)
{
	const struct xlb_outlier_sample *w1, *w2;
	bool stored;
	__u64 f, s;

	o->udp = true;
	o->win_flows = o->win_retx = 0;
	store(c, o, now_ms, flows, seen2, &stored);
	w1 = oldest_within(o, now_ms, c->window_ms, stored);     /* about now - w */
	w2 = oldest_within(o, now_ms, 2 * c->window_ms, stored); /* about now - 2w */
	/* two full windows of history, or no verdict */
	if (!w1 || !w2 || w2 == w1 || now_ms - w2->t_ms < 2 * c->window_ms - c->window_ms / 6)
		return;
	f = w1->flows - w2->flows;
	s = seen2 - w1->retx;
	o->win_flows = f;
	o->win_retx = f > s ? f - s : 0;
}

bool xlb_outlier_wants_eject(const struct xlb_outlier_cfg *c, const struct xlb_outlier *o)
{
	if (!c->enabled || o->ejected || o->win_flows < c->min_flows || o->win_flows == 0 ||
	    (o->udp && !c->udp_pct))
		return false;
	/* retx / flows >= ratio_pct / 100, in integers (UDP: unanswered flows, udp_pct). */
	return o->win_retx * 100 >= (__u64)(o->udp ? c->udp_pct : c->ratio_pct) * o->win_flows;
}

size_t xlb_outlier_budget(const struct xlb_outlier_cfg *c, size_t n)
{
	size_t b;

	if (n < 2 || c->max_ejected_pct == 0)
		return 0;
	b = n * c->max_ejected_pct / 100;
	if (b < 1)
		b = 1;
	if (b > n - 1)
		b = n - 1; /* never every backend: someone must take the flows */
	return b;
}

__u32 xlb_outlier_eject(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 now_ms)
{
	__u64 t = (__u64)c->base_eject_ms * (1 + o->ejections);

	if (t > c->max_eject_ms)
		t = c->max_eject_ms;
	o->ejected = true;
	o->ejected_ms = now_ms;
	o->until_ms = now_ms + t;
	o->ejections++;
	o->total_ejections++;
	xlb_outlier_reset_window(o);
	return (__u32)t;
}

bool xlb_outlier_probe(struct xlb_outlier *o, __u64 now_ms, bool ok)
{
	if (!o->ejected || !ok || now_ms < o->until_ms)
		return false;
	o->ejected = false;
	o->calm_since_ms = now_ms;
	xlb_outlier_reset_window(o);
	return true;
}
