// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * obs.c - the lifecycle of lbd's observability parts: the event ring and
 * file (events.c), the metrics endpoint (metrics.c), the scaling hooks
 * (scale.c) and the 1 s tick that drives them. The modules they describe
 * never call in here: they say "changed" or "reloaded" through the hooks
 * lbd_obs_init() sets (lbd_obs_changed(), lbd_note_reload() in lbd.h), so
 * metrics.c may read every module without a call circle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "lbd.h"
#include "log.h"
#include "inspect.h"
#include "obs.h"

static void lbd_obs_event(struct lbd *l, __u64 data);

static void obs_changed(struct lbd *l);

static void note_reload(struct lbd *l, const char *by, int ret, const char *msg)
{
	struct lbd_obs *o = l->obs;

	if (!o)
		return;
	o->last_reload_unix = lbd_obs_realtime();
	o->last_reload_ok = !ret;
	if (ret) {
		o->reloads_failed++;
		lbd_event(l, "reload", NULL, NULL, "by %s: failed, running state kept: %s", by,
			  msg);
	} else {
		o->reloads_ok++;
		o->config_generation++;
		lbd_event(l, "reload", NULL, NULL,
			  "by %s: applied %s: generation %llu, %zu services", by, l->config_path,
			  (unsigned long long)o->config_generation, l->cfg.n_services);
		lbd_events_open_file(o, l->cfg.events_file);
		lbd_metrics_configure(l);
	}
	lbd_metrics_publish(l);
}

static struct lbd_src obs_src = {.fd = -1};

/* The 1 s tick: scaling hooks and /metrics here, then main.c's periodic work (on_tick). */
static void obs_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	lbd_obs_event(l, 0);
	if (l->on_tick)
		l->on_tick(l);
}

int lbd_obs_init(struct lbd *l)
{
	struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
	struct lbd_obs *o = calloc(1, sizeof(*o));
	int err = 0;

	if (!o)
		return -ENOMEM;
	o->ring = calloc(LBD_EVENTS_RING, sizeof(*o->ring));
	o->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	o->ev_fd = -1;
	o->flow_fd = -1;
	o->next_seq = 1;
	o->config_generation = 1;
	o->start_unix = lbd_obs_realtime() - (lbd_now_ms() - l->start_ms) / 1000.0;
	if (!o->ring || o->tfd < 0 || timerfd_settime(o->tfd, 0, &its, NULL) ||
	    (err = lbd_loop_add(l, &obs_src, o->tfd, EPOLLIN, obs_ready, NULL))) {
		err = !o->ring ? -ENOMEM : err ? err : -errno;
		pr_warn("observability: setting up the tick: %s", strerror(-err));
		if (o->tfd >= 0)
			close(o->tfd);
		free(o->ring);
		free(o);
		return err;
	}
	l->obs = o;
	/* the modules below say "changed" and "reloaded" through these (lbd.h) */
	l->on_changed = obs_changed;
	l->on_reloaded = note_reload;
	lbd_events_open_file(o, l->cfg.events_file);
	lbd_event(l, "start", NULL, NULL, "lbd started on %s (%s mode%s), %s: %zu services",
		  l->iface, xlb_dp_attach_mode(l->dp),
		  xlb_dp_adopted(l->dp) ? ", took over a running data path" : "", l->config_path,
		  l->cfg.n_services);
	lbd_metrics_publish(l);
	err = lbd_metrics_configure(l);
	if (err) {
		lbd_obs_free(l);
		return err;
	}
	return 0;
}

static void lbd_obs_event(struct lbd *l, __u64 data)
{
	__u64 ticks;

	if (!l->obs || read(l->obs->tfd, &ticks, sizeof(ticks)) <= 0)
		return;
	lbd_scale_tick(l);
	lbd_capture_tick(l); /* capture.c: end sessions nobody reads */
	lbd_sc_tick(l);	     /* synck.c: syn_cookies auto */
	lbd_metrics_publish(l);
}

static void obs_changed(struct lbd *l)
{
	if (l->obs)
		lbd_metrics_publish(l);
}

void lbd_obs_free(struct lbd *l)
{
	struct lbd_obs *o = l->obs;

	if (!o)
		return;
	lbd_capture_free(l); /* capture.c: never leave the attached program capturing */
	lbd_metrics_stop(l);
	lbd_scale_free(l);
	lbd_events_close(o);
	close(o->tfd);
	free(o->ring);
	free(o);
	l->obs = NULL;
	l->on_changed = NULL;
	l->on_reloaded = NULL;
}
