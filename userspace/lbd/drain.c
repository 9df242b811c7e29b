// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * drain.c - the drain timer and what a drain looks like (lbctl backend drain and
 * undrain are changes of the desired state: change.c, lib/change.c).
 *
 * A drained backend keeps its place in the desired state with drain = true
 * and the wall-clock time the drain started (persisted in the state file, so
 * a restarted lbd continues the same countdown). The active set (hc.c,
 * policy.h) gives it effective weight 0 -- no new flows, at once -- while it
 * stays usable (XLB_BE_F_ACTIVE) for its established flows. When the
 * service's drain_timeout has passed, the active set marks it disabled: it
 * loses XLB_BE_F_ACTIVE and the data path reschedules whatever flows are
 * still pinned to it onto the service's active backends on their next
 * packet (for TCP the new backend answers with a RST: the connection ends).
 *
 * One timerfd fires at the earliest pending drain timeout; the expiry pass
 * re-applies the services concerned (the dp diff makes that cheap).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "addr.h"
#include "flowstat.h"
#include "lbd.h"
#include "log.h"
#include "reconcile.h"

static void lbd_drain_event(struct lbd *l);

static long long drain_deadline(const struct xlb_cfg_service *cs, const struct xlb_cfg_backend *b)
{
	return b->drain_since_ms + (long long)cs->drain_timeout_s * 1000;
}

bool lbd_drain_expired(const struct xlb_cfg_service *cs, const struct xlb_cfg_backend *b,
		       long long now_ms)
{
	return xlb_drain_expired(cs, b, now_ms); /* the reconciler's rule */
}

static struct lbd_src drain_src = { .fd = -1 };

static void drain_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	lbd_drain_event(l);
}

int lbd_drain_init(struct lbd *l)
{
	int err;

	l->drain_tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->drain_tfd < 0 ||
	    (err = lbd_loop_add(l, &drain_src, l->drain_tfd, EPOLLIN, drain_ready, NULL))) {
		err = l->drain_tfd < 0 ? -errno : err;
		pr_warn("drain timer: %s", strerror(-err));
		if (l->drain_tfd >= 0)
			close(l->drain_tfd);
		l->drain_tfd = -1;
		return err;
	}
	l->drain_checked_ms = 0;
	lbd_drain_arm(l);
	return 0;
}

void lbd_drain_free(struct lbd *l)
{
	lbd_loop_del(l, &drain_src);
	if (l->drain_tfd > 0)
		close(l->drain_tfd);
	l->drain_tfd = -1;
}

void lbd_drain_arm(struct lbd *l)
{
	struct itimerspec its = {};
	long long now = lbd_realtime_ms(), next = 0;
	size_t i, j;

	if (l->drain_tfd <= 0)
		return;
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *s = &l->cfg.services[i];

		for (j = 0; j < s->n_backends; j++) {
			long long d = drain_deadline(s, &s->backends[j]);

			if (!s->backends[j].drain || d <= now)
				continue;
			if (!next || d < next)
				next = d;
		}
	}
	if (next) { /* absolute wall-clock time: timerfd with TFD_TIMER_ABSTIME */
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	timerfd_settime(l->drain_tfd, next ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

static void lbd_drain_event(struct lbd *l)
{
	long long now = lbd_realtime_ms();
	char a[XLB_ADDR_STRLEN];
	__u64 ticks;
	size_t i, j;
	int err;

	if (read(l->drain_tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		pr_debug("drain timer: %s", strerror(errno));
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *s = &l->cfg.services[i];
		bool apply = false;

		for (j = 0; j < s->n_backends; j++) {
			const struct xlb_cfg_backend *b = &s->backends[j];
			long long d = drain_deadline(s, b);

			if (!b->drain || d > now || d <= l->drain_checked_ms)
				continue;
			apply = true;
			pr_info("service \"%s\": backend %s drained (drain_timeout %u s passed): "
				"released, its remaining flows are rescheduled",
				s->name, xlb_addr_str(&b->addr, b->family, a, sizeof(a)),
				s->drain_timeout_s);
			lbd_event(l, "drain", s->name, a, "drain timeout passed: released");
		}
		if (!apply)
			continue;
		err = lbd_reconcile_service(l, s, NULL, NULL);
		if (err)
			pr_warn("service \"%s\": releasing drained backends: %s", s->name,
				strerror(-err));
	}
	l->drain_checked_ms = now;
	lbd_health_sync(l); /* refreshes the health view (usable) */
	lbd_drain_arm(l);
}

/* ---- flows per backend, for one request ---- */

void lbd_flow_counts_load(struct lbd *l)
{
	__u32 n = xlb_config_max_backends(), *c = calloc(n, sizeof(*c));

	l->flow_counts = NULL;
	l->n_flow_counts = 0;
	if (!c)
		return;
	if (xlb_dp_flow_counts(l->dp, c, n, XLB_FLOW_OPEN_NS,
			       NULL)) {
		free(c);
		return;
	}
	l->flow_counts = c;
	l->n_flow_counts = n;
}

void lbd_flow_counts_done(struct lbd *l)
{
	free((void *)l->flow_counts);
	l->flow_counts = NULL;
	l->n_flow_counts = 0;
}

void lbd_drain_backend_json(struct lbd *l, const struct xlb_cfg_service *s,
			    const struct xlb_cfg_backend *b, json_t *o, __u32 id, bool have_id)
{
	long long now = lbd_realtime_ms();

	if (have_id && l->flow_counts && id < l->n_flow_counts)
		json_object_set_new(o, "flows", json_integer(l->flow_counts[id]));
	json_object_set_new(o, "draining", json_boolean(b->drain));
	if (!b->drain)
		return;
	if (lbd_drain_expired(s, b, now)) {
		json_object_set_new(o, "state", json_string("drained"));
		json_object_set_new(o, "drain_left_s", json_real(0));
	} else {
		json_object_set_new(o, "state", json_string("draining"));
		json_object_set_new(o, "drain_left_s",
				    json_real((drain_deadline(s, b) - now) / 1000.0));
	}
	json_object_set_new(o, "drain_since_s", json_real((now - b->drain_since_ms) / 1000.0));
	json_object_set_new(o, "drain_timeout_s", json_integer(s->drain_timeout_s));
}
