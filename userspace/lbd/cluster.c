// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cluster.c - cluster mode (docs/cluster.md): the desired state of every node
 * is one document in etcd, <prefix>desired; each node applies every revision
 * of it through the same path as a local reload, and publishes its own view
 * under <prefix>nodes/<node_name> with a lease.
 *
 * The etcd threads (watcher, publisher) are in cluster_sync.c; this file is
 * the loop's side: applying revisions, compare-and-swap writes of change
 * records (change.c), the node's status and the cluster view.
 *
 * Writes (lbctl backend/service changes) are made by the loop itself: a
 * range and a compare-and-swap txn, each with a 1.5 s timeout, refused at
 * once while etcd is known to be down. Only the control command waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "fileio.h"
#include "addr.h"
#include "cluster_doc.h"
#include "etcd.h"
#include "cluster.h"
#include "lbd.h"
#include "log.h"
#include "state.h"

static void lbd_cluster_event(struct lbd *l, bool tick);

/* ---- applying a revision (the loop) ---- */

static void save_cache(struct lbd_cluster *c)
{
	char *text = NULL;
	json_t *o;
	int err = -ENOMEM;

	if (!c->cache_path[0])
		return;
	o = json_pack("{s:I, s:s}", "revision", (json_int_t)c->applied_rev, "document",
		      c->applied_doc);
	if (o && (text = json_dumps(o, JSON_COMPACT)))
		err = xlb_write_atomic(c->cache_path, text, strlen(text), 0600);
	free(text);
	json_decref(o);
	if (err)
		pr_warn("cluster: writing %s failed: a restart without etcd would start from the "
			"local file", c->cache_path);
}

/*
 * Validate revision rev (document buf) fully, then apply it like a reload.
 * A refused revision changes nothing: the last good state stays.
 */
static int apply_revision(struct lbd *l, const char *buf, size_t len, long long rev, char *msg,
			  size_t msglen)
{
	struct lbd_cluster *c = l->cluster;
	struct xlb_config doc = {}, eff = {}, nbase = {};
	struct xlb_dp_diff d = {};
	char name[sizeof(c->key_desired) + 32];
	int ret;

	if (rev > c->latest_rev)
		c->latest_rev = rev;
	snprintf(name, sizeof(name), "etcd %s@%lld", c->key_desired, rev);
	ret = xlb_cluster_doc_decode(buf, len, name, &doc, msg, msglen);
	if (!ret) {
		ret = xlb_cluster_merge(&l->base, &doc, &eff, msg, msglen);
		if (ret == -EINVAL) {
			char m2[512];

			snprintf(m2, sizeof(m2), "%s", msg);
			snprintf(msg, msglen, "%s: %s", name, m2);
		}
	}
	/* the commit path of every whole desired state (apply.c); the local file stays l->base */
	if (!ret)
		ret = xlb_config_copy(&nbase, &l->base);
	if (!ret)
		ret = lbd_desired_commit(l, &nbase, &eff, name, &d, NULL, NULL, msg, msglen);
	xlb_config_free(&nbase);
	xlb_config_free(&eff);
	if (ret) {
		xlb_config_free(&doc);
		c->rejected_rev = rev;
		snprintf(c->rejected_msg, sizeof(c->rejected_msg), "%s", msg);
		pr_warn("cluster: revision %lld refused, keeping revision %lld: %s", rev,
			c->applied_rev, msg);
		lbd_event(l, "cluster", NULL, NULL, "revision %lld refused (keeping %lld): %s", rev,
			  c->applied_rev, msg);
		lbd_note_reload(l, "cluster", ret, msg);
		return ret;
	}
	xlb_config_free(&c->doc);
	c->doc = doc;
	free(c->applied_doc);
	c->applied_doc = strndup(buf, len);
	c->applied_rev = rev;
	c->applied_at_ms = lbd_realtime_ms();
	if (c->rejected_rev && c->rejected_rev < rev)
		c->rejected_rev = 0;
	pr_info("cluster: applied revision %lld: %zu services (%u added, %u removed, %u changed, "
		"%u unchanged)", rev, l->cfg.n_services, d.added, d.removed, d.changed, d.unchanged);
	lbd_event(l, "cluster", NULL, NULL, "applied revision %lld (%u added, %u removed, "
		  "%u changed)", rev, d.added, d.removed, d.changed);
	snprintf(msg, msglen, "revision %lld", rev);
	lbd_note_reload(l, "cluster", 0, msg);
	save_cache(c);
	return 0;
}

/* ---- compare-and-swap writes (the loop) ---- */

/* Read the document: *rev (0: missing) and *doc (missing: this node's services). */
static int read_desired(struct lbd *l, struct xlb_etcd *e, long long *rev, struct xlb_config *doc,
			char *err, size_t errlen)
{
	struct lbd_cluster *c = l->cluster;
	struct xlb_etcd_kv *kvs = NULL;
	char *resp = NULL;
	long long hrev;
	size_t n = 0;
	int ret;

	ret = lbd_cluster_call(e, "/v3/kv/range", xlb_etcd_range_req(c->key_desired), &resp, err, errlen);
	if (!ret)
		ret = xlb_etcd_parse_range(resp, &hrev, &kvs, &n, err, errlen);
	free(resp);
	if (ret)
		return ret == -EINVAL ? -EPROTO : ret;
	*rev = n ? kvs[0].mod_revision : 0;
	if (n)
		ret = xlb_cluster_doc_decode(kvs[0].value, kvs[0].value_len, c->key_desired, doc, err,
					     errlen);
	else
		ret = xlb_config_copy(doc, &l->cfg);
	xlb_etcd_kvs_free(kvs, n);
	return ret;
}

/* CAS text at rev: 0 (*new_rev), 1 (lost: *fresh_rev and *fresh hold the current one), -errno. */
static int cas(struct lbd *l, struct xlb_etcd *e, const char *text, long long rev,
	       long long *new_rev, long long *fresh_rev, struct xlb_config *fresh, char *err,
	       size_t errlen)
{
	struct lbd_cluster *c = l->cluster;
	struct xlb_etcd_kv kv;
	char *resp = NULL;
	bool ok = false;
	int ret;

	ret = lbd_cluster_call(e, "/v3/kv/txn", xlb_etcd_cas_req(c->key_desired, text, strlen(text), rev),
		   &resp, err, errlen);
	if (!ret)
		ret = xlb_etcd_parse_txn(resp, &ok, new_rev, &kv, err, errlen);
	free(resp);
	if (ret)
		return ret == -EINVAL ? -EPROTO : ret;
	if (ok)
		return 0;
	*fresh_rev = kv.mod_revision;
	if (kv.mod_revision)
		ret = xlb_cluster_doc_decode(kv.value, kv.value_len, c->key_desired, fresh, err,
					     errlen);
	else
		ret = xlb_config_copy(fresh, &l->cfg);
	xlb_etcd_kv_free(&kv);
	return ret ? ret : 1;
}

static json_t *change_result(struct lbd *l, const struct xlb_change *ch, long long rev,
			     bool merged, bool noop)
{
	struct xlb_cfg_service *s = lbd_find_service(l, ch->service);
	json_t *o = NULL;
	struct xlb_addr a;
	__u8 f;

	if (ch->op == XLB_CH_ACL_ADD || ch->op == XLB_CH_ACL_REMOVE) {
		char p[XLB_CIDR_STRLEN];

		o = json_pack("{s:s, s:s, s:s}", "scope", ch->service[0] ? ch->service : "global",
			      "list", ch->allow ? "allow" : "deny", "prefix",
			      xlb_cidr_str(&ch->prefix, p, sizeof(p)));
	} else if (ch->op == XLB_CH_RATE_SET || ch->op == XLB_CH_RATE_CLEAR) {
		/* as lbd/ratelimit.c answers: the scope and its limit now */
		o = json_pack("{s:s, s:o}", "scope", ch->service[0] ? ch->service : "global",
			      "rate_limit", lbd_rate_limit_json(&ch->rate));
	} else if (s && ch->op <= XLB_CH_BACKEND_UNDRAIN &&
		   !xlb_addr_parse(ch->address, &a, &f)) {
		const struct xlb_cfg_backend *b = xlb_cfg_backend_find(s, &a, f);

		if (b)
			o = lbd_backend_json(l, s, b);
	} else if (s) {
		o = lbd_service_json(l, s);
	}
	if (!o)
		o = json_pack("{s:s}", "service", ch->service);
	json_object_set_new(o, "cluster_revision", json_integer(rev));
	json_object_set_new(o, "merged", json_boolean(merged));
	if (noop)
		json_object_set_new(o, "unchanged", json_true());
	return xlb_proto_ok(o);
}

static void test_delay(void)
{
	const char *s = getenv("XLB_CLUSTER_TEST_CAS_DELAY_MS"); /* tests only: widen the race */
	struct timespec ts;
	long ms = s ? atol(s) : 0;

	if (ms <= 0 || ms > 10000)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

json_t *lbd_cluster_change(struct lbd *l, const char *cmd, const struct xlb_change *chp)
{
	struct lbd_cluster *c = l->cluster;
	struct xlb_config read = {}, fresh = {}, next = {}, check = {}, eff = {};
	const struct xlb_change ch = *chp;
	char err[1024], what[256], *text = NULL;
	long long rev = 0, fresh_rev = 0, new_rev = 0;
	enum xlb_change_res res;
	json_t *resp = NULL;
	bool merged = false;
	int ret, attempt;

	if (!c->up) {
		const char *why = c->watch_err[0] ? c->watch_err : c->pub_err;

		return xlb_proto_error(XLB_E_INTERNAL, "etcd is %s (%s): the change was not made; "
				       "this node keeps serving revision %lld and is read-only until "
				       "etcd has a quorum again",
				       strstr(why, "no leader") ? "without quorum" : "unreachable",
				       why, c->applied_rev);
	}
	ret = read_desired(l, &c->urls, &rev, &read, err, sizeof(err));
	if (ret) {
		resp = xlb_proto_error(XLB_E_INTERNAL, "reading %s: %s", c->key_desired, err);
		goto out;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		const struct xlb_config *base = attempt ? &fresh : &read;

		if (attempt) {
			/* lost the race: replay only if the other writer touched something else */
			if (!xlb_change_clean(&ch, &read, &fresh, what, sizeof(what))) {
				c->cas_conflicts++;
				resp = xlb_proto_error(XLB_E_CONFLICT, "conflict: %s %s at revision "
						       "%lld (read at %lld); nothing written: look "
						       "at it and retry", c->key_desired, what,
						       fresh_rev, rev);
				goto out;
			}
			c->cas_retries++;
			merged = true;
			rev = fresh_rev;
		}
		res = xlb_change_apply(&ch, base, &next, err, sizeof(err));
		if (res == XLB_CH_NOOP) {
			resp = change_result(l, &ch, rev, merged, true);
			goto out;
		}
		if (res != XLB_CH_OK) {
			resp = xlb_proto_error(xlb_change_err(res), "%s", err);
			goto out;
		}
		/* the whole new document must pass the validator every node runs */
		ret = xlb_cluster_doc_encode(&next, c->node_name, lbd_realtime_ms(), &text);
		xlb_config_free(&next);
		if (!ret)
			ret = xlb_cluster_doc_decode(text, strlen(text), c->key_desired, &check, err,
						     sizeof(err));
		if (!ret)
			ret = xlb_cluster_merge(&l->base, &check, &eff, err, sizeof(err));
		xlb_config_free(&check);
		xlb_config_free(&eff);
		if (ret) {
			resp = xlb_proto_error(XLB_E_INVALID_ARGUMENT, "the new desired state would "
					       "be refused: %s", err);
			goto out;
		}
		if (!attempt)
			test_delay();
		xlb_config_free(&fresh);
		ret = cas(l, &c->urls, text, rev, &new_rev, &fresh_rev, &fresh, err, sizeof(err));
		if (ret == 0) {
			c->cas_ok++;
			pr_info("cluster: %s written as revision %lld%s", cmd, new_rev,
				merged ? " (replayed on a newer revision)" : "");
			/* read your writes: apply now; the watch then sees a known revision */
			if (new_rev > c->applied_rev &&
			    apply_revision(l, text, strlen(text), new_rev, err, sizeof(err)))
				resp = xlb_proto_error(XLB_E_INTERNAL, "written as revision %lld but "
						       "refused here: %s", new_rev, err);
			else
				resp = change_result(l, &ch, new_rev, merged, false);
			goto out;
		}
		if (ret < 0) {
			resp = xlb_proto_error(XLB_E_INTERNAL, "writing %s: %s", c->key_desired, err);
			goto out;
		}
		free(text);
		text = NULL;
	}
	c->cas_conflicts++;
	resp = xlb_proto_error(XLB_E_CONFLICT, "conflict: %s changed again (now revision %lld) "
			       "while this change was retried; nothing written: retry",
			       c->key_desired, fresh_rev);
out:
	free(text);
	xlb_config_free(&read);
	xlb_config_free(&fresh);
	return resp;
}

/* The key is missing and this node has never applied a revision: seed it from the file. */
static void seed(struct lbd *l)
{
	struct lbd_cluster *c = l->cluster;
	struct xlb_config fresh = {};
	long long new_rev = 0, fresh_rev = 0;
	char *text = NULL, err[512];
	int ret;

	if (c->applied_rev || !l->base.n_services)
		return;
	if (xlb_cluster_doc_encode(&l->base, c->node_name, lbd_realtime_ms(), &text))
		return;
	ret = cas(l, &c->urls, text, 0, &new_rev, &fresh_rev, &fresh, err, sizeof(err));
	if (ret == 0) {
		pr_info("cluster: %s was empty: seeded it with the %zu services of %s (revision "
			"%lld)", c->key_desired, l->base.n_services, l->config_path, new_rev);
		apply_revision(l, text, strlen(text), new_rev, err, sizeof(err));
	}
	xlb_config_free(&fresh);
	free(text);
}

/* ---- the node's status (published) and the cluster view ---- */

static json_t *health_view(struct lbd *l)
{
	json_t *h = lbd_health_json(l, NULL), *out = json_object(), *s, *b;
	size_t i, j;

	json_array_foreach(json_object_get(h, "services"), i, s) {
		json_t *o = json_object();

		json_array_foreach(json_object_get(s, "backends"), j, b)
			json_object_set(o, json_string_value(json_object_get(b, "address")) ?: "?",
					json_object_get(b, "state"));
		json_object_set_new(out, json_string_value(json_object_get(s, "name")) ?: "?", o);
	}
	json_decref(h);
	return out;
}

static json_t *node_status(struct lbd *l)
{
	struct lbd_cluster *c = l->cluster;
	json_t *bgp = lbd_bgp_node_json(l), *o;

	o = json_pack("{s:s, s:I, s:I, s:o, s:b, s:O?}", "node", c->node_name, "revision",
		      (json_int_t)c->applied_rev, "applied_at_ms", (json_int_t)c->applied_at_ms,
		      "health", health_view(l), "bgp", json_is_true(json_object_get(bgp, "bgp")),
		      "announced", json_object_get(bgp, "announced"));
	json_decref(bgp);
	if (o && c->rejected_rev) {
		json_object_set_new(o, "rejected_revision", json_integer(c->rejected_rev));
		json_object_set_new(o, "rejected", json_string(c->rejected_msg));
	}
	return o;
}

/* Every second (and after changes): hand the status to the publisher if it changed. */
static void publish(struct lbd *l)
{
	struct lbd_cluster *c = l->cluster;
	json_t *o = node_status(l);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL, *full;

	if (!s || (c->last_status && !strcmp(s, c->last_status))) {
		free(s);
		json_decref(o);
		return;
	}
	free(c->last_status);
	c->last_status = s;
	json_object_set_new(o, "updated_ms", json_integer(lbd_realtime_ms()));
	full = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!full)
		return;
	pthread_mutex_lock(&c->mu);
	free(c->status);
	c->status = full;
	c->status_new = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

json_t *lbd_cluster_status_json(struct lbd *l)
{
	struct lbd_cluster *c = l->cluster;
	json_t *o;

	if (!c)
		return json_pack("{s:b}", "enabled", 0);
	pthread_mutex_lock(&c->mu);
	o = json_pack("{s:b, s:s, s:s, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "enabled", 1,
		      "node", c->node_name, "key", c->key_desired, "etcd_up", c->up, "etcd_error",
		      c->up ? "" : (c->watch_err[0] ? c->watch_err : c->pub_err),
		      "revision_applied", (json_int_t)c->applied_rev, "revision_latest",
		      (json_int_t)c->latest_rev, "applied_at_ms", (json_int_t)c->applied_at_ms,
		      "down_since_ms", (json_int_t)(c->up ? 0 : c->down_since_ms), "writes",
		      (json_int_t)c->cas_ok, "conflicts", (json_int_t)c->cas_conflicts,
		      "reconnects", (json_int_t)c->reconnects);
	if (o)
		json_object_set_new(o, "etcd_endpoint", json_string(c->watch_url));
	pthread_mutex_unlock(&c->mu);
	if (o && c->rejected_rev) {
		json_object_set_new(o, "rejected_revision", json_integer(c->rejected_rev));
		json_object_set_new(o, "rejected", json_string(c->rejected_msg));
	}
	return o;
}

json_t *lbd_cluster_cmd_status(struct lbd *l, json_t *args)
{
	struct lbd_cluster *c = l->cluster;
	struct xlb_etcd_kv *kvs = NULL;
	json_t *o, *nodes, *v;
	char err[256] = "", *resp = NULL;
	long long hrev = 0;
	size_t n = 0, i;
	int ret;

	if (!c)
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "not in cluster mode (no cluster: "
				       "section in %s)", l->config_path);
	o = lbd_cluster_status_json(l);
	nodes = json_array();
	ret = c->up ? lbd_cluster_call(&c->urls, "/v3/kv/range", xlb_etcd_range_prefix_req(c->key_nodes),
			   &resp, err, sizeof(err))
		    : -EHOSTUNREACH;
	if (!ret)
		ret = xlb_etcd_parse_range(resp, &hrev, &kvs, &n, err, sizeof(err));
	free(resp);
	if (ret) {
		/* etcd down: only this node's own view */
		json_array_append_new(nodes, node_status(l));
		json_object_set_new(o, "nodes_source", json_string("local only (etcd unreachable)"));
	} else {
		for (i = 0; i < n; i++) {
			v = json_loadb(kvs[i].value, kvs[i].value_len, 0, NULL);
			if (json_is_object(v)) {
				json_object_set_new(v, "lease", json_integer(kvs[i].lease));
				json_array_append_new(nodes, v);
			} else {
				json_decref(v);
			}
		}
		json_object_set_new(o, "nodes_source", json_string("etcd"));
	}
	xlb_etcd_kvs_free(kvs, n);
	json_object_set_new(o, "disagreements", xlb_cluster_disagreements(nodes));
	json_object_set_new(o, "nodes", nodes);
	return xlb_proto_ok(o);
}

/* ---- lifecycle ---- */

int lbd_cluster_prepare(struct lbd *l, char *err, size_t errlen)
{
	struct lbd_cluster *c;
	struct xlb_config doc = {};
	const struct xlb_config *b = &l->base;
	json_t *cache;
	size_t i;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->efd = c->tfd = -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	snprintf(c->node_name, sizeof(c->node_name), "%s", b->cluster_node_name);
	snprintf(c->key_desired, sizeof(c->key_desired), "%s%s", b->cluster_prefix,
		 XLB_CLUSTER_DESIRED_KEY);
	snprintf(c->key_nodes, sizeof(c->key_nodes), "%s%s", b->cluster_prefix,
		 XLB_CLUSTER_NODES_DIR);
	snprintf(c->key_node, sizeof(c->key_node), "%s%s", c->key_nodes, c->node_name);
	for (i = 0; i < b->cluster_n_etcd; i++)
		snprintf(c->urls.urls[i], XLB_ETCD_URL_MAX, "%s", b->cluster_etcd[i]);
	c->urls.n_urls = b->cluster_n_etcd;
	if (l->state_path && *l->state_path)
		snprintf(c->cache_path, sizeof(c->cache_path), "%s.cluster", l->state_path);
	l->state_path = ""; /* etcd holds the runtime changes now, not the state file */
	l->cluster = c;
	l->rebase = lbd_cluster_rebase; /* desired.c builds from the document */
	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */

	/* start from the last revision applied (a restart while etcd is down) */
	ret = xlb_config_copy(&l->cfg, &l->base);
	if (ret)
		return ret;
	cache = c->cache_path[0] ? json_load_file(c->cache_path, 0, NULL) : NULL;
	if (cache) {
		const char *text = json_string_value(json_object_get(cache, "document"));
		long long rev = json_integer_value(json_object_get(cache, "revision"));
		struct xlb_config eff;

		if (text && !xlb_cluster_doc_decode(text, strlen(text), c->cache_path, &doc, err,
						     errlen) &&
		    !xlb_cluster_merge(&l->base, &doc, &eff, err, errlen)) {
			xlb_config_free(&l->cfg);
			l->cfg = eff;
			lbd_access_apply(l, &l->cfg, false); /* the document's roles */
			c->doc = doc;
			c->applied_doc = strdup(text);
			c->applied_rev = c->latest_rev = rev;
			pr_info("cluster: starting from revision %lld (%s) until etcd answers", rev,
				c->cache_path);
		} else {
			xlb_config_free(&doc);
			pr_warn("cluster: ignoring %s: %s", c->cache_path,
				text ? err : "not a cache file");
		}
		json_decref(cache);
	}
	err[0] = 0;
	pr_info("cluster mode: node %s, desired state %s on %zu etcd endpoint(s)", c->node_name,
		c->key_desired, b->cluster_n_etcd);
	return 0;
}

static struct lbd_src cl_event_src = { .fd = -1 }, cl_timer_src = { .fd = -1 };

static void cluster_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	lbd_cluster_event(l, s == &cl_timer_src);
}

int lbd_cluster_init(struct lbd *l)
{
	struct lbd_cluster *c = l->cluster;
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	int err;

	if (!c)
		return 0;
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->efd < 0 || c->tfd < 0 || timerfd_settime(c->tfd, 0, &its, NULL))
		return -errno;
	err = lbd_loop_add(l, &cl_event_src, c->efd, EPOLLIN, cluster_ready, NULL);
	if (!err)
		err = lbd_loop_add(l, &cl_timer_src, c->tfd, EPOLLIN, cluster_ready, NULL);
	if (err)
		return err;
	c->up = false;
	c->down_since_ms = lbd_realtime_ms();
	snprintf(c->watch_err, sizeof(c->watch_err), "not connected yet");
	publish(l);
	err = pthread_create(&c->watch_thr, NULL, lbd_cluster_watch_main, c);
	if (!err) {
		err = pthread_create(&c->pub_thr, NULL, lbd_cluster_pub_main, c);
		if (err) {
			atomic_store(&c->stop, 1);
			atomic_store(&c->restart_watch, 1);
			pthread_join(c->watch_thr, NULL);
		}
	}
	if (err) {
		pr_warn("cluster: starting the etcd threads: %s", strerror(err));
		return -err;
	}
	c->threads = true;
	return 0;
}

static void lbd_cluster_event(struct lbd *l, bool tick)
{
	struct lbd_cluster *c = l->cluster;
	char *snap = NULL, msg[1024], errs[256];
	bool ready, missing, up;
	long long rev;
	size_t len;
	__u64 v;

	if (!c)
		return;
	if (tick) {
		if (read(c->tfd, &v, sizeof(v)) > 0)
			publish(l);
		return;
	}
	(void)!read(c->efd, &v, sizeof(v)); /* EAGAIN: a spurious wake-up */
	pthread_mutex_lock(&c->mu);
	ready = c->snap_ready;
	missing = c->snap_missing;
	rev = c->snap_rev;
	len = c->snap_len;
	snap = c->snap;
	c->snap = NULL;
	c->snap_ready = false;
	up = c->watch_up && (c->pub_up || !c->pub_err[0]); /* publisher: no error yet is fine */
	snprintf(errs, sizeof(errs), "%s", c->watch_err[0] ? c->watch_err : c->pub_err);
	pthread_mutex_unlock(&c->mu);
	if (up != c->up || !c->up_known) {
		if (up) {
			pr_info("cluster: etcd reachable; node %s at revision %lld", c->node_name,
				c->applied_rev);
			lbd_event(l, "cluster", NULL, NULL, "etcd reachable");
		} else if (c->up || errs[0]) {
			c->down_since_ms = lbd_realtime_ms();
			pr_warn("cluster: etcd unreachable (%s); serving revision %lld, reconnecting",
				errs, c->applied_rev);
			lbd_event(l, "cluster", NULL, NULL, "etcd unreachable (%s); serving revision "
				  "%lld", errs, c->applied_rev);
		}
		c->up = up;
		c->up_known = up || c->up_known;
	}
	if (ready && missing) {
		if (c->applied_rev)
			pr_warn("cluster: %s is missing in etcd; keeping revision %lld",
				c->key_desired, c->applied_rev);
		else
			seed(l);
	} else if (ready && rev != c->applied_rev && rev != c->rejected_rev) {
		apply_revision(l, snap, len, rev, msg, sizeof(msg));
	}
	free(snap);
	publish(l);
}

/* SIGHUP / lbctl reload in cluster mode: the new local file with the applied document. */
int lbd_cluster_rebase(struct lbd *l, const struct xlb_config *nbase, struct xlb_config *ncfg,
		       char *err, size_t errlen)
{
	struct lbd_cluster *c = l->cluster;

	if (!nbase->cluster_enabled || strcmp(nbase->cluster_prefix, l->base.cluster_prefix) ||
	    strcmp(nbase->cluster_node_name, l->base.cluster_node_name))
		pr_warn("reload: cluster: settings changed; they take effect at the next start");
	if (!c->applied_rev) /* nothing from etcd yet: the file's services */
		return xlb_config_copy(ncfg, nbase);
	return xlb_cluster_merge(nbase, &c->doc, ncfg, err, errlen);
}

void lbd_cluster_metrics(struct lbd *l, bool *enabled, bool *up, long long *rev)
{
	struct lbd_cluster *c = l->cluster;

	*enabled = c != NULL;
	*up = c && c->up;
	*rev = c ? c->applied_rev : 0;
}

void lbd_cluster_free(struct lbd *l)
{
	struct lbd_cluster *c = l->cluster;

	if (!c)
		return;
	if (c->threads) {
		pthread_mutex_lock(&c->mu);
		atomic_store(&c->stop, 1);
		atomic_store(&c->restart_watch, 1);
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->pub_thr, NULL);
		pthread_join(c->watch_thr, NULL);
	}
	if (c->efd >= 0)
		close(c->efd);
	if (c->tfd >= 0)
		close(c->tfd);
	xlb_etcd_close(&c->urls);
	xlb_config_free(&c->doc);
	free(c->applied_doc);
	free(c->snap);
	free(c->status);
	free(c->last_status);
	free(c);
	l->cluster = NULL;
	l->rebase = NULL;
}
