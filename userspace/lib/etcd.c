// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* etcd.c - etcd v3 JSON gateway: request builders, response parsers, libcurl calls (etcd.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>

#include "etcd.h"

/* ---- requests ---- */

static char *dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

/* A b64 JSON string of buf (new reference). */
static json_t *b64_json(const void *buf, size_t len)
{
	char *s = xlb_b64_encode(buf, len);
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j;
}

static json_t *int64_json(long long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", v);
	return json_string(b);
}

char *xlb_etcd_range_req(const char *key)
{
	return dump(json_pack("{s:o}", "key", b64_json(key, strlen(key))));
}

char *xlb_etcd_range_prefix_req(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = strdup(prefix);
	json_t *o;

	if (!end || !n) {
		free(end);
		return NULL;
	}
	end[n - 1]++; /* the first key after every key that starts with prefix */
	o = json_pack("{s:o, s:o}", "key", b64_json(prefix, n), "range_end", b64_json(end, n));
	free(end);
	return dump(o);
}

char *xlb_etcd_put_req(const char *key, const void *val, size_t len, long long lease)
{
	json_t *o = json_pack("{s:o, s:o}", "key", b64_json(key, strlen(key)), "value",
			      b64_json(val, len));

	if (o && lease)
		json_object_set_new(o, "lease", int64_json(lease));
	return dump(o);
}

char *xlb_etcd_cas_req(const char *key, const void *val, size_t len, long long mod_rev)
{
	size_t kl = strlen(key);

	return dump(json_pack("{s:[{s:o, s:s, s:s, s:o}], s:[{s:{s:o, s:o}}], s:[{s:{s:o}}]}",
			      "compare", "key", b64_json(key, kl), "result", "EQUAL", "target",
			      "MOD", "mod_revision", int64_json(mod_rev), "success", "request_put",
			      "key", b64_json(key, kl), "value", b64_json(val, len), "failure",
			      "request_range", "key", b64_json(key, kl)));
}

char *xlb_etcd_watch_req(const char *key, long long start_rev)
{
	json_t *c = json_pack("{s:o}", "key", b64_json(key, strlen(key)));

	if (c && start_rev > 0)
		json_object_set_new(c, "start_revision", int64_json(start_rev));
	return dump(json_pack("{s:o}", "create_request", c));
}

char *xlb_etcd_lease_grant_req(long long ttl_s)
{
	return dump(json_pack("{s:o}", "TTL", int64_json(ttl_s)));
}

char *xlb_etcd_lease_keepalive_req(long long id)
{
	return dump(json_pack("{s:o}", "ID", int64_json(id)));
}

/* ---- responses ---- */

/* A 64-bit integer that the gateway writes as a string (absent: 0). */
static int get_i64(json_t *o, const char *k, long long *v)
{
	json_t *j = json_object_get(o, k);
	char *end;

	*v = 0;
	if (!j)
		return 0;
	if (json_is_integer(j)) {
		*v = json_integer_value(j);
		return 0;
	}
	if (!json_is_string(j))
		return -EINVAL;
	errno = 0;
	*v = strtoll(json_string_value(j), &end, 10);
	return errno || *end || end == json_string_value(j) ? -EINVAL : 0;
}

static void error_msg(json_t *r, char *err, size_t errlen)
{
	json_t *e = json_object_get(r, "error");
	const char *m = json_string_value(json_object_get(e ? e : r, "message"));

	if (!m)
		m = json_string_value(json_object_get(r, "error"));
	if (err && errlen)
		snprintf(err, errlen, "%s", m ? m : "unexpected answer from etcd");
}

void xlb_etcd_kv_free(struct xlb_etcd_kv *kv)
{
	if (!kv)
		return;
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void xlb_etcd_kvs_free(struct xlb_etcd_kv *kvs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		xlb_etcd_kv_free(&kvs[i]);
	free(kvs);
}

static int parse_kv(json_t *j, struct xlb_etcd_kv *kv)
{
	const char *k = json_string_value(json_object_get(j, "key"));
	const char *v = json_string_value(json_object_get(j, "value"));
	size_t kl;
	int err;

	memset(kv, 0, sizeof(*kv));
	if (!json_is_object(j) || !k)
		return -EINVAL;
	err = xlb_b64_decode(k, &kv->key, &kl);
	if (!err)
		err = xlb_b64_decode(v ? v : "", &kv->value, &kv->value_len);
	if (!err)
		err = get_i64(j, "create_revision", &kv->create_revision) ?:
		      get_i64(j, "mod_revision", &kv->mod_revision) ?:
		      get_i64(j, "version", &kv->version) ?: get_i64(j, "lease", &kv->lease);
	if (err)
		xlb_etcd_kv_free(kv);
	return err;
}

static int parse_kvs(json_t *arr, struct xlb_etcd_kv **kvs, size_t *n)
{
	size_t i, cnt = json_array_size(arr);
	int err;

	*kvs = NULL;
	*n = 0;
	if (arr && !json_is_array(arr))
		return -EINVAL;
	if (!cnt)
		return 0;
	*kvs = calloc(cnt, sizeof(**kvs));
	if (!*kvs)
		return -ENOMEM;
	for (i = 0; i < cnt; i++) {
		err = parse_kv(json_array_get(arr, i), &(*kvs)[i]);
		if (err) {
			xlb_etcd_kvs_free(*kvs, i);
			*kvs = NULL;
			return err;
		}
	}
	*n = cnt;
	return 0;
}

static json_t *load(const char *body)
{
	json_t *r = body ? json_loads(body, 0, NULL) : NULL;

	if (r && !json_is_object(r)) {
		json_decref(r);
		return NULL;
	}
	return r;
}

int xlb_etcd_parse_range(const char *body, long long *header_rev, struct xlb_etcd_kv **kvs,
			 size_t *n, char *err, size_t errlen)
{
	json_t *r = load(body), *h;
	int ret = -EINVAL;

	*kvs = NULL;
	*n = 0;
	h = json_object_get(r, "header");
	if (!h) {
		error_msg(r, err, errlen);
		goto out;
	}
	ret = get_i64(h, "revision", header_rev);
	if (!ret)
		ret = parse_kvs(json_object_get(r, "kvs"), kvs, n);
out:
	json_decref(r);
	return ret;
}

int xlb_etcd_parse_txn(const char *body, bool *succeeded, long long *header_rev,
		       struct xlb_etcd_kv *fresh, char *err, size_t errlen)
{
	json_t *r = load(body), *h, *rr;
	struct xlb_etcd_kv *kvs = NULL;
	size_t n = 0;
	int ret = -EINVAL;

	memset(fresh, 0, sizeof(*fresh));
	h = json_object_get(r, "header");
	if (!h) {
		error_msg(r, err, errlen);
		goto out;
	}
	ret = get_i64(h, "revision", header_rev);
	if (ret)
		goto out;
	*succeeded = json_is_true(json_object_get(r, "succeeded"));
	if (*succeeded)
		goto out;
	rr = json_object_get(json_array_get(json_object_get(r, "responses"), 0), "response_range");
	ret = parse_kvs(json_object_get(rr, "kvs"), &kvs, &n);
	if (!ret && n) {
		*fresh = kvs[0]; /* moved */
		memset(&kvs[0], 0, sizeof(kvs[0]));
	}
	xlb_etcd_kvs_free(kvs, n);
out:
	json_decref(r);
	return ret;
}

int xlb_etcd_parse_lease_grant(const char *body, long long *id, long long *ttl)
{
	json_t *r = load(body);
	int ret = -EINVAL;

	if (r && !json_object_get(r, "error"))
		ret = get_i64(r, "ID", id) ?: get_i64(r, "TTL", ttl);
	if (!ret && (*id == 0 || *ttl <= 0))
		ret = -EINVAL;
	json_decref(r);
	return ret;
}

int xlb_etcd_parse_keepalive(const char *body, long long *ttl)
{
	json_t *r = load(body), *res;
	int ret = -EINVAL;

	*ttl = 0;
	res = json_object_get(r, "result");
	if (res)
		ret = get_i64(res, "TTL", ttl);
	json_decref(r);
	return ret;
}

void xlb_etcd_watch_msg_free(struct xlb_etcd_watch_msg *m)
{
	size_t i;

	for (i = 0; i < m->n_events; i++)
		xlb_etcd_kv_free(&m->events[i].kv);
	free(m->events);
	memset(m, 0, sizeof(*m));
}

long xlb_etcd_watch_next(const char *buf, size_t len, struct xlb_etcd_watch_msg *m, char *err,
			 size_t errlen)
{
	json_error_t jerr;
	json_t *r, *res, *evs, *h;
	size_t skip = 0, i;
	long used;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	while (skip < len && (buf[skip] == '\n' || buf[skip] == '\r' || buf[skip] == ' '))
		skip++;
	if (skip == len || !memchr(buf + skip, '}', len - skip))
		return 0;
	r = json_loadb(buf + skip, len - skip, JSON_DISABLE_EOF_CHECK, &jerr);
	if (!r) {
		/* an incomplete object: wait for more (a premature end is reported as such) */
		if (jerr.position >= (int)(len - skip))
			return 0;
		if (err && errlen)
			snprintf(err, errlen, "watch stream: %s", jerr.text);
		return -EINVAL;
	}
	used = (long)(skip + jerr.position);
	res = json_object_get(r, "result");
	if (!res) {
		error_msg(r, err, errlen);
		json_decref(r);
		return -EINVAL;
	}
	h = json_object_get(res, "header");
	m->created = json_is_true(json_object_get(res, "created"));
	m->canceled = json_is_true(json_object_get(res, "canceled"));
	snprintf(m->cancel_reason, sizeof(m->cancel_reason), "%s",
		 json_string_value(json_object_get(res, "cancel_reason")) ?: "");
	ret = get_i64(h, "revision", &m->header_rev) ?:
	      get_i64(res, "compact_revision", &m->compact_revision);
	evs = json_object_get(res, "events");
	if (!ret && json_array_size(evs)) {
		m->events = calloc(json_array_size(evs), sizeof(*m->events));
		if (!m->events)
			ret = -ENOMEM;
		for (i = 0; !ret && i < json_array_size(evs); i++) {
			json_t *e = json_array_get(evs, i);
			const char *t = json_string_value(json_object_get(e, "type"));

			m->events[i].type = t && !strcmp(t, "DELETE") ? XLB_ETCD_DELETE : XLB_ETCD_PUT;
			ret = parse_kv(json_object_get(e, "kv"), &m->events[i].kv);
			if (!ret)
				m->n_events = i + 1;
		}
	}
	json_decref(r);
	if (ret) {
		xlb_etcd_watch_msg_free(m);
		if (err && errlen)
			snprintf(err, errlen, "watch stream: malformed message");
		return ret;
	}
	return used;
}

/* ---- libcurl ---- */

struct membuf {
	char *p;
	size_t len;
};

static size_t mem_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct membuf *m = ud;
	size_t n = size * nmemb;
	char *np = realloc(m->p, m->len + n + 1);

	if (!np)
		return 0;
	memcpy(np + m->len, ptr, n);
	m->p = np;
	m->len += n;
	m->p[m->len] = 0;
	return n;
}

void xlb_etcd_close(struct xlb_etcd *e)
{
	if (e->curl)
		curl_easy_cleanup(e->curl);
	e->curl = NULL;
}

static CURL *handle(struct xlb_etcd *e)
{
	static int global_done;

	if (!global_done) { /* curl_global_init is not thread-safe: lbd calls it first */
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = 1;
	}
	if (!e->curl)
		e->curl = curl_easy_init();
	return e->curl;
}

/*
 * "hasleader" metadata (the gateway forwards Grpc-Metadata-* headers as gRPC
 * metadata): a member without a leader (no quorum, or cut off from the
 * majority) answers at once with 503 "etcdserver: no leader" instead of
 * waiting its request timeout (~6 s), and cancels our watch streams after 3
 * election timeouts without a leader, instead of keeping them open silently.
 */
static struct curl_slist *headers(void)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json"), *h2;

	h2 = h ? curl_slist_append(h, "Grpc-Metadata-hasleader: true") : NULL;
	if (!h2)
		curl_slist_free_all(h);
	return h2;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void setup(CURL *c, const char *url, const char *body, struct curl_slist *hdr)
{
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 500L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	/* a member that vanishes without a FIN/RST (a partition) is noticed in ~10 s */
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 1L);
}

/* etcd's "no leader" / "request timed out" (HTTP 503): this member cannot serve now */
static bool unavailable(long code)
{
	return code >= 500 && code <= 599;
}

int xlb_etcd_post(struct xlb_etcd *e, const char *path, const char *body, long timeout_ms,
		  char **resp, char *err, size_t errlen)
{
	long long start = mono_ms(), now;
	bool no_leader = false;
	struct curl_slist *hdr;
	CURL *c = handle(e);
	char url[XLB_ETCD_URL_MAX + 64];
	int i, ret = -EHOSTUNREACH;

	*resp = NULL;
	if (!c || !e->n_urls)
		return c ? -EHOSTUNREACH : -ENOMEM;
	hdr = headers();
	if (!hdr)
		return -ENOMEM;
	/*
	 * Every endpoint in turn, from the one that answered last; each
	 * attempt gets timeout_ms, all of them together 2 * timeout_ms. When
	 * the members that answer have no leader (an election after the
	 * leader died), rounds are repeated every 250 ms for up to timeout_ms.
	 */
	for (i = 0;; i++) {
		int k = (e->cur + i) % e->n_urls;
		struct membuf m = {};
		long code = 0, left;
		CURLcode rc;

		now = mono_ms();
		if (i && i % e->n_urls == 0) { /* a round without an answer */
			if (!no_leader || now - start + 250 >= timeout_ms)
				break;
			nanosleep(&(struct timespec){ 0, 250 * 1000000L }, NULL);
			now = mono_ms();
		}
		left = 2 * timeout_ms - (now - start);
		if (left < 100)
			break;
		snprintf(url, sizeof(url), "%s%s", e->urls[k], path);
		setup(c, url, body, hdr);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left < timeout_ms ? left : timeout_ms);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mem_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
		rc = curl_easy_perform(c);
		if (rc != CURLE_OK) {
			free(m.p);
			/* a member without a leader explains more than one that is down */
			if (err && errlen && !no_leader)
				snprintf(err, errlen, "%s: %s", e->urls[k], curl_easy_strerror(rc));
			continue;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (unavailable(code)) {
			/* try another member: it may be on the majority's side */
			char *msg = NULL;
			json_t *r = load(m.p);

			if (r) {
				error_msg(r, err, errlen);
				msg = err && errlen ? strdup(err) : NULL;
				json_decref(r);
			}
			if (err && errlen)
				snprintf(err, errlen, "%s: HTTP %ld: %.200s", e->urls[k], code,
					 msg ? msg : m.p ? m.p : "");
			free(msg);
			free(m.p);
			no_leader = true;
			ret = -EAGAIN;
			continue;
		}
		e->cur = k;
		*resp = m.p ? m.p : strdup("");
		ret = code == 200 ? 0 : -EPROTO;
		if (ret && err && errlen)
			snprintf(err, errlen, "%s: HTTP %ld: %.200s", e->urls[k], code, *resp ?: "");
		break;
	}
	curl_slist_free_all(hdr);
	return ret;
}

struct stream_ctx {
	int (*cb)(const char *chunk, size_t len, void *ctx);
	void *ctx;
	int stopped;
	atomic_int *abort_flag;
	int aborted;
};

static size_t stream_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct stream_ctx *s = ud;

	if (s->cb(ptr, size * nmemb, s->ctx)) {
		s->stopped = 1;
		return 0;
	}
	return size * nmemb;
}

static int stream_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct stream_ctx *s = ud;

	if (s->abort_flag && atomic_load(s->abort_flag)) {
		s->aborted = 1;
		return 1;
	}
	return 0;
}

int xlb_etcd_stream(struct xlb_etcd *e, const char *path, const char *body,
		    int (*cb)(const char *chunk, size_t len, void *ctx), void *ctx,
		    atomic_int *abort_flag, char *err, size_t errlen)
{
	struct stream_ctx s = { cb, ctx, 0, abort_flag, 0 };
	struct curl_slist *hdr;
	CURL *c = handle(e);
	char url[XLB_ETCD_URL_MAX + 64];
	CURLcode rc;

	if (!c || !e->n_urls)
		return c ? -EHOSTUNREACH : -ENOMEM;
	hdr = headers();
	if (!hdr)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%s", e->urls[e->cur], path);
	setup(c, url, body, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stream_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
	rc = curl_easy_perform(c);
	curl_slist_free_all(hdr);
	if (s.stopped)
		return 0;
	if (s.aborted)
		return -ECANCELED;
	if (rc == CURLE_OK) {
		/* the member ended the stream (shutting down): start with the next one */
		e->cur = (e->cur + 1) % e->n_urls;
		return -ECONNRESET;
	}
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", e->urls[e->cur], curl_easy_strerror(rc));
	e->cur = (e->cur + 1) % e->n_urls; /* try the next endpoint next time */
	return -EHOSTUNREACH;
}
