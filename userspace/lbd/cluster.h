/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cluster.h - what cluster.c (the loop's side) and cluster_sync.c (the etcd threads) share. */
#ifndef XLB_LBD_CLUSTER_H
#define XLB_LBD_CLUSTER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "cluster_doc.h"
#include "etcd.h"
#include "lbd.h"

#define LEASE_TTL_S	5
#define CALL_TIMEOUT_MS 1500
#define BACKOFF_MIN_MS	200
#define BACKOFF_MAX_MS	5000

struct lbd_cluster {
	char key_desired[XLB_CLUSTER_PREFIX_MAX + 16];
	char key_node[XLB_CLUSTER_PREFIX_MAX + XLB_NAME_MAX + 16];
	char key_nodes[XLB_CLUSTER_PREFIX_MAX + 16];
	char node_name[XLB_NAME_MAX];
	char cache_path[600];
	struct xlb_etcd urls; /* endpoints; the loop's own handle (writes, status) */
	int efd, tfd;
	pthread_t watch_thr, pub_thr;
	bool threads;
	atomic_int stop;	  /* loop -> both threads: exit */
	atomic_int restart_watch; /* loop or watcher -> etcd.c's stream: the watcher's abort flag */

	pthread_mutex_t mu;
	pthread_cond_t cv; /* wakes the publisher */
	/* under mu: watcher -> loop */
	char *snap; /* latest document seen (NULL: key missing) */
	size_t snap_len;
	long long snap_rev; /* its mod_revision */
	bool snap_ready, snap_missing;
	bool watch_up, pub_up;		  /* last call of each thread succeeded */
	char watch_url[XLB_ETCD_URL_MAX]; /* the member the watch stream is on */
	char watch_err[256], pub_err[256];
	long long reconnects;
	/* under mu: loop -> publisher */
	char *status; /* the node's status document */
	bool status_new;

	/* loop only */
	bool up; /* as last seen by the loop */
	bool up_known;
	long long down_since_ms; /* CLOCK_REALTIME */
	long long applied_rev, applied_at_ms;
	char *applied_doc;     /* the document of applied_rev */
	struct xlb_config doc; /* applied_doc decoded (services only) */
	long long latest_rev;  /* newest revision seen (applied or refused) */
	long long rejected_rev;
	char rejected_msg[512];
	char *last_status; /* without the time, to publish only changes */
	long long cas_ok, cas_conflicts, cas_retries;
};

/* cluster_sync.c: the threads (started by lbd_cluster_init) and the loop's blocking calls */
void *lbd_cluster_watch_main(void *arg);
void *lbd_cluster_pub_main(void *arg);
/* One etcd call with the loop's timeout: 0 and *resp, or -errno with err. Takes body. */
int lbd_cluster_call(struct xlb_etcd *e, const char *path, char *body, char **resp, char *err,
		     size_t errlen);

#endif
