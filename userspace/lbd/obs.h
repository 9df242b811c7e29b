/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * obs.h - lbd's observability, private to events.c, metrics.c and scale.c:
 * the event ring (events.c), the Prometheus endpoint (metrics.c: libmicrohttpd
 * in its own thread) and the scaling hooks (scale.c). The rest of lbd sees
 * only the few calls declared in lbd.h.
 *
 * Threads: everything here runs on lbd's main thread except the metrics
 * handler, which reads only (a) the snapshot the main thread publishes under
 * snap_mu (a jansson object, never modified once published; jansson's
 * reference counts are atomic) and (b) BPF maps through their fds.
 */
#ifndef XLB_LBD_OBS_H
#define XLB_LBD_OBS_H

#include <pthread.h>
#include <time.h>

#include "lbd.h"
#include "scaling.h"

#define LBD_EVENTS_RING 1024
#define LBD_EVENT_DETAILS_MAX 256

struct lbd_ev {
	__u64 seq; /* 1, 2, ... */
	struct timespec ts; /* CLOCK_REALTIME */
	char kind[24];
	char service[XLB_NAME_MAX];
	char backend[48];
	char details[LBD_EVENT_DETAILS_MAX];
};

struct lbd_scale_svc; /* scale.c */
struct lbd_metrics; /* metrics.c */

struct lbd_obs {
	int tfd; /* 1 s tick */
	/* events.c */
	struct lbd_ev *ring; /* LBD_EVENTS_RING slots, seq % size */
	__u64 next_seq;
	int ev_fd; /* events.file, -1 none */
	char ev_path[XLB_PATH_MAX];
	__u64 ev_by_kind_total;
	/* lbd's own health */
	__u64 config_generation; /* 1 at start, +1 per applied reload */
	__u64 reloads_ok, reloads_failed;
	bool last_reload_ok;
	double last_reload_unix; /* 0: never reloaded */
	double start_unix;
	/* scale.c */
	struct lbd_scale_svc *scale;
	size_t n_scale;
	int flow_fd; /* pinned flow table, opened when a service scales on active flows */
	/* metrics.c */
	struct lbd_metrics *m;
};

double lbd_obs_realtime(void);

/* events.c */
int lbd_events_open_file(struct lbd_obs *o, const char *path);
void lbd_events_close(struct lbd_obs *o);

/* metrics.c: start/stop the endpoint for l->cfg's metrics.listen (restart if changed). */
int lbd_metrics_configure(struct lbd *l);
void lbd_metrics_stop(struct lbd *l);
/* Publish a fresh snapshot of lbd's state for the metrics thread. */
void lbd_metrics_publish(struct lbd *l);

/* scale.c */
void lbd_scale_tick(struct lbd *l);
void lbd_scale_free(struct lbd *l);
/* The scaling part of a service's snapshot (NULL if it has none). */
json_t *lbd_scale_json(struct lbd *l, const char *service);

#endif
