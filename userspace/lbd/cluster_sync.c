// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cluster_sync.c - cluster mode's etcd threads (docs/cluster.md).
 *
 * Threads. etcd is reached over HTTP (libcurl, lib/etcd.c) from two threads
 * that never touch lbd's state:
 *  - the watcher ranges the document, then watches it from the next revision;
 *    every revision it sees goes to the event loop as a complete snapshot
 *    (latest wins) through an eventfd. On any failure it backs off (0.2 s
 *    doubling to 5 s), re-ranges (catch up) and re-watches.
 *  - the publisher keeps a lease (TTL 5 s, keepalive every second) and puts
 *    the node's status (built by the loop every second) under it.
 * Several members: every call goes to the member that answered last and
 * moves on to the next one when that member is down or has no leader
 * (etcd.c); a watch stream that a member ends (killed, or it lost its leader)
 * is followed by a re-range on the next member, not by "etcd down": only a
 * failed re-range (no member with a quorum) is. The lease lives in the
 * cluster, not in a member, so the keepalives simply go on elsewhere.
 * Why threads rather than curl's multi interface in the epoll loop: the
 * watch is a long-lived stream and the lease must be kept alive whatever the
 * loop is doing; plain blocking calls in a thread are simpler to get right,
 * and the hand-over is one mutex-protected slot plus an eventfd, so the loop
 * (health checks, the control socket) and the data path never wait on etcd.
 * Flags the loop sets for the threads (stop, restart_watch) are C11 atomics;
 * everything else they share is under mu.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "log.h"

/* ---- helpers ---- */

static void sleep_ms(struct lbd_cluster *c, long ms)
{
	struct timespec ts = { 0, 50 * 1000000L };

	for (; ms > 0 && !atomic_load(&c->stop); ms -= 50)
		nanosleep(&ts, NULL);
}

static void kick_loop(struct lbd_cluster *c)
{
	__u64 one = 1;

	/* fails only when the counter is already huge: the loop will wake anyway */
	(void)!write(c->efd, &one, sizeof(one));
}

static void set_up(struct lbd_cluster *c, bool watcher, bool up, const char *err)
{
	bool changed;

	pthread_mutex_lock(&c->mu);
	changed = (watcher ? c->watch_up : c->pub_up) != up;
	if (watcher) {
		c->watch_up = up;
		snprintf(c->watch_err, sizeof(c->watch_err), "%s", up ? "" : err);
	} else {
		c->pub_up = up;
		snprintf(c->pub_err, sizeof(c->pub_err), "%s", up ? "" : err);
	}
	pthread_mutex_unlock(&c->mu);
	if (changed)
		kick_loop(c);
	if (!up && !watcher)
		atomic_store(&c->restart_watch, 1); /* a silent watch (partition) is not trusted either */
}

static void hand_snapshot(struct lbd_cluster *c, const char *val, size_t len, long long rev)
{
	char *copy = val ? malloc(len + 1) : NULL;

	if (val && !copy)
		return;
	if (copy) {
		memcpy(copy, val, len);
		copy[len] = 0;
	}
	pthread_mutex_lock(&c->mu);
	free(c->snap);
	c->snap = copy;
	c->snap_len = len;
	c->snap_rev = rev;
	c->snap_missing = !val;
	c->snap_ready = true;
	pthread_mutex_unlock(&c->mu);
	kick_loop(c);
}

static void copy_urls(struct xlb_etcd *dst, const struct xlb_etcd *src)
{
	memcpy(dst->urls, src->urls, sizeof(dst->urls));
	dst->n_urls = src->n_urls;
	dst->cur = 0;
	dst->curl = NULL;
}

/* ---- watcher thread ---- */

struct watch_ctx {
	struct lbd_cluster *c;
	char *buf;
	size_t len;
	long long last_rev;
	char err[256];
};

static int watch_chunk(const char *chunk, size_t len, void *ud)
{
	struct watch_ctx *w = ud;
	struct lbd_cluster *c = w->c;
	struct xlb_etcd_watch_msg m;
	char *nb = realloc(w->buf, w->len + len);
	long used;
	size_t i;

	if (!nb)
		return 1;
	w->buf = nb;
	memcpy(w->buf + w->len, chunk, len);
	w->len += len;
	while ((used = xlb_etcd_watch_next(w->buf, w->len, &m, w->err, sizeof(w->err))) > 0) {
		memmove(w->buf, w->buf + used, w->len - used);
		w->len -= used;
		if (m.canceled) {
			snprintf(w->err, sizeof(w->err), "watch canceled%s%s (compact revision %lld)",
				 m.cancel_reason[0] ? ": " : "", m.cancel_reason, m.compact_revision);
			xlb_etcd_watch_msg_free(&m);
			return 1; /* re-range, re-watch */
		}
		for (i = 0; i < m.n_events; i++) {
			const struct xlb_etcd_event *e = &m.events[i];

			if (strcmp(e->kv.key, c->key_desired))
				continue;
			w->last_rev = e->kv.mod_revision;
			if (e->type == XLB_ETCD_DELETE)
				hand_snapshot(c, NULL, 0, e->kv.mod_revision);
			else
				hand_snapshot(c, e->kv.value, e->kv.value_len, e->kv.mod_revision);
		}
		xlb_etcd_watch_msg_free(&m);
	}
	return used < 0 ? 1 : atomic_load(&c->stop);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void *lbd_cluster_watch_main(void *arg)
{
	struct lbd_cluster *c = arg;
	struct xlb_etcd e;
	long backoff = BACKOFF_MIN_MS;
	char err[256], on[XLB_ETCD_URL_MAX];
	long long since;

	copy_urls(&e, &c->urls);
	while (!atomic_load(&c->stop)) {
		struct xlb_etcd_kv *kvs = NULL;
		struct watch_ctx w = { .c = c };
		char *body = xlb_etcd_range_req(c->key_desired), *resp = NULL;
		long long hrev = 0;
		size_t n = 0;
		int ret;

		ret = body ? xlb_etcd_post(&e, "/v3/kv/range", body, CALL_TIMEOUT_MS, &resp, err,
					   sizeof(err))
			   : -ENOMEM;
		free(body);
		if (!ret)
			ret = xlb_etcd_parse_range(resp, &hrev, &kvs, &n, err, sizeof(err));
		free(resp);
		if (ret) {
			set_up(c, true, false, err);
			sleep_ms(c, backoff);
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		backoff = BACKOFF_MIN_MS;
		pthread_mutex_lock(&c->mu);
		snprintf(c->watch_url, sizeof(c->watch_url), "%s", e.urls[e.cur]);
		pthread_mutex_unlock(&c->mu);
		set_up(c, true, true, NULL);
		/* catch up: the revision as it is now, then every change after it */
		if (n)
			hand_snapshot(c, kvs[0].value, kvs[0].value_len, kvs[0].mod_revision);
		else
			hand_snapshot(c, NULL, 0, 0);
		xlb_etcd_kvs_free(kvs, n);
		body = xlb_etcd_watch_req(c->key_desired, hrev + 1);
		atomic_store(&c->restart_watch, 0);
		since = mono_ms();
		snprintf(on, sizeof(on), "%s", e.urls[e.cur]);
		ret = body ? xlb_etcd_stream(&e, "/v3/watch", body, watch_chunk, &w, &c->restart_watch,
					     err, sizeof(err))
			   : -ENOMEM;
		free(body);
		free(w.buf);
		if (atomic_load(&c->stop))
			break;
		pthread_mutex_lock(&c->mu);
		c->reconnects++;
		pthread_mutex_unlock(&c->mu);
		pr_info("cluster: watch on %s ended (%s); re-reading %s", on,
			ret == 0 ? w.err : ret == -ECANCELED ? "restart" : ret == -ECONNRESET ?
			"the member closed it" : err, c->key_desired);
		/*
		 * Not "etcd down" yet: the member may be (killed, no leader), the
		 * cluster may not. The re-range, on the next member, decides.
		 */
		if (mono_ms() - since < 1000)
			sleep_ms(c, BACKOFF_MIN_MS); /* a stream that ends at once: no busy loop */
	}
	xlb_etcd_close(&e);
	return NULL;
}

/* ---- publisher thread ---- */

int lbd_cluster_call(struct xlb_etcd *e, const char *path, char *body, char **resp, char *err,
		size_t errlen)
{
	int ret;

	if (!body)
		return -ENOMEM;
	ret = xlb_etcd_post(e, path, body, CALL_TIMEOUT_MS, resp, err, errlen);
	free(body);
	return ret;
}

void *lbd_cluster_pub_main(void *arg)
{
	struct lbd_cluster *c = arg;
	long long lease = 0, ttl;
	struct xlb_etcd e;
	char err[256], *resp, *st;
	struct timespec ts;
	bool put_needed = true;
	int ret;

	copy_urls(&e, &c->urls);
	while (!atomic_load(&c->stop)) {
		resp = NULL;
		if (!lease) {
			ret = lbd_cluster_call(&e, "/v3/lease/grant", xlb_etcd_lease_grant_req(LEASE_TTL_S), &resp,
				   err, sizeof(err));
			if (!ret && xlb_etcd_parse_lease_grant(resp, &lease, &ttl)) {
				snprintf(err, sizeof(err), "lease grant: unexpected answer");
				ret = -EINVAL;
			}
			put_needed = true;
		} else {
			ret = lbd_cluster_call(&e, "/v3/lease/keepalive", xlb_etcd_lease_keepalive_req(lease),
				   &resp, err, sizeof(err));
			if (!ret && (xlb_etcd_parse_keepalive(resp, &ttl) || ttl <= 0)) {
				pr_info("cluster: lease %llx expired; taking a new one", lease);
				lease = 0;
				free(resp);
				continue;
			}
		}
		free(resp);
		resp = NULL;
		if (ret) {
			lease = ret == -EHOSTUNREACH ? lease : 0;
			set_up(c, false, false, err);
			goto wait;
		}
		pthread_mutex_lock(&c->mu);
		st = c->status && (put_needed || c->status_new) ? strdup(c->status) : NULL;
		c->status_new = false;
		pthread_mutex_unlock(&c->mu);
		if (st) {
			ret = lbd_cluster_call(&e, "/v3/kv/put", xlb_etcd_put_req(c->key_node, st, strlen(st), lease),
				   &resp, err, sizeof(err));
			free(resp);
			if (ret) {
				pthread_mutex_lock(&c->mu);
				c->status_new = true; /* again next time */
				pthread_mutex_unlock(&c->mu);
				set_up(c, false, false, err);
				free(st);
				goto wait;
			}
			put_needed = false;
			free(st);
		}
		set_up(c, false, true, NULL);
wait:
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_mutex_lock(&c->mu);
		if (!atomic_load(&c->stop) && !c->status_new)
			pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		pthread_mutex_unlock(&c->mu);
	}
	if (lease) { /* a clean exit: the node leaves the cluster view at once */
		char b[64];

		snprintf(b, sizeof(b), "{\"ID\":\"%lld\"}", lease);
		resp = NULL;
		xlb_etcd_post(&e, "/v3/lease/revoke", b, 500, &resp, err, sizeof(err));
		free(resp);
	}
	xlb_etcd_close(&e);
	return NULL;
}

