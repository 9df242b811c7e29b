/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * etcd - a small client of etcd's v3 JSON gateway (etcd 3.4: /v3/kv/range,
 * /v3/kv/txn, /v3/kv/put, /v3/watch, /v3/lease/grant, /v3/lease/keepalive).
 * Keys and values travel base64-encoded; 64-bit integers come back as JSON
 * strings ("mod_revision": "42").
 *
 * Two halves: request builders and response parsers (pure, unit-tested in
 * tests/unit/test_etcd.c) and blocking calls over libcurl's easy interface
 * (one CURL handle per thread; lbd/cluster.c runs them off the event loop).
 */
#ifndef XLB_ETCD_H
#define XLB_ETCD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define XLB_ETCD_MAX_ENDPOINTS 8
#define XLB_ETCD_URL_MAX 128

/* ---- base64 (RFC 4648, padded) ---- */

/* malloc'd NUL-terminated encoding of buf, or NULL (ENOMEM). */
char *xlb_b64_encode(const void *buf, size_t len);
/* Decode s into a malloc'd buffer (NUL-terminated for convenience). 0, -EINVAL or -ENOMEM. */
int xlb_b64_decode(const char *s, char **out, size_t *outlen);

/* ---- request bodies (malloc'd JSON text; NULL on ENOMEM) ---- */

char *xlb_etcd_range_req(const char *key);
/* Every key that starts with prefix. */
char *xlb_etcd_range_prefix_req(const char *prefix);
/* Put with an optional lease (0: none). */
char *xlb_etcd_put_req(const char *key, const void *val, size_t len, long long lease);
/*
 * Compare-and-swap: put key=val if the key's mod_revision is still mod_rev
 * (0: the key must not exist); otherwise read it back (the failure branch is
 * a range of key, so the caller learns the fresh revision in one round trip).
 */
char *xlb_etcd_cas_req(const char *key, const void *val, size_t len, long long mod_rev);
/* Watch one key from start_rev (0: from now). */
char *xlb_etcd_watch_req(const char *key, long long start_rev);
char *xlb_etcd_lease_grant_req(long long ttl_s);
char *xlb_etcd_lease_keepalive_req(long long id);

/* ---- responses ---- */

struct xlb_etcd_kv {
	char *key; /* decoded, malloc'd */
	char *value; /* decoded, malloc'd, NUL-terminated; value_len bytes */
	size_t value_len;
	long long create_revision, mod_revision, version, lease;
};

void xlb_etcd_kv_free(struct xlb_etcd_kv *kv);
void xlb_etcd_kvs_free(struct xlb_etcd_kv *kvs, size_t n);

/*
 * A range answer: the store revision (header) and the kvs (malloc'd array).
 * 0, -EINVAL (not a range answer: an error object, garbage) or -ENOMEM;
 * on -EINVAL err (may be NULL) gets etcd's message when there is one.
 */
int xlb_etcd_parse_range(const char *body, long long *header_rev, struct xlb_etcd_kv **kvs,
			 size_t *n, char *err, size_t errlen);
/*
 * A txn answer of xlb_etcd_cas_req(): *succeeded, the store revision and, on
 * failure, the key as it is now (fresh->mod_revision 0 and no value: the key
 * does not exist). 0, -EINVAL or -ENOMEM.
 */
int xlb_etcd_parse_txn(const char *body, bool *succeeded, long long *header_rev,
		       struct xlb_etcd_kv *fresh, char *err, size_t errlen);
int xlb_etcd_parse_lease_grant(const char *body, long long *id, long long *ttl);
/* *ttl <= 0: the lease is gone (expired or revoked). */
int xlb_etcd_parse_keepalive(const char *body, long long *ttl);

/* One message of a watch stream. */
enum xlb_etcd_ev_type { XLB_ETCD_PUT = 0, XLB_ETCD_DELETE = 1 };

struct xlb_etcd_event {
	enum xlb_etcd_ev_type type;
	struct xlb_etcd_kv kv;
};

struct xlb_etcd_watch_msg {
	bool created, canceled;
	long long header_rev, compact_revision;
	char cancel_reason[128];
	struct xlb_etcd_event *events;
	size_t n_events;
};

void xlb_etcd_watch_msg_free(struct xlb_etcd_watch_msg *m);

/*
 * Take the next complete message from the start of a stream buffer:
 * returns the number of bytes it used (> 0, *m filled), 0 when the buffer
 * holds no complete message yet, or -EINVAL (not a watch message; an error
 * object's message goes to err).
 */
long xlb_etcd_watch_next(const char *buf, size_t len, struct xlb_etcd_watch_msg *m, char *err,
			 size_t errlen);

/* ---- blocking calls (libcurl) ---- */

struct xlb_etcd {
	char urls[XLB_ETCD_MAX_ENDPOINTS][XLB_ETCD_URL_MAX]; /* "http://10.0.1.1:2379" */
	int n_urls;
	int cur; /* the endpoint that answered last */
	void *curl; /* CURL *, created on first use; one thread at a time */
};

/* Free the handle (not the struct). */
void xlb_etcd_close(struct xlb_etcd *e);

/*
 * POST body to path (e.g. "/v3/kv/range") of the current endpoint, trying the
 * others when it cannot be reached (connection refused, timeout) or cannot
 * serve (HTTP 5xx: "etcdserver: no leader"); the one that answers becomes
 * the current one. Each attempt gets timeout_ms, the call at most twice that
 * (while members answer "no leader", an election may be under way: rounds are
 * retried for up to timeout_ms). *resp: malloc'd answer. 0 (HTTP 200),
 * -EPROTO (another HTTP status; *resp holds the answer), -EAGAIN (members
 * answered but none has a leader: no quorum; err has etcd's message),
 * -EHOSTUNREACH (no endpoint answered; err says why) or -ENOMEM.
 */
int xlb_etcd_post(struct xlb_etcd *e, const char *path, const char *body, long timeout_ms,
		  char **resp, char *err, size_t errlen);

/*
 * A streaming POST (the watch): cb gets every chunk as it arrives and
 * returns 0 to go on, nonzero to stop. Returns when the stream ends or
 * cb stops it: 0 (stopped by cb), -ECONNRESET (the server ended it) or
 * -EHOSTUNREACH; after either the next endpoint becomes the current one.
 * A member that loses its leader ends the stream with an error message
 * (etcd's "hasleader" check, etcd.c). abort_flag (may be NULL) is polled about 10 times a second:
 * when it becomes nonzero the call returns -ECANCELED.
 */
int xlb_etcd_stream(struct xlb_etcd *e, const char *path, const char *body,
		    int (*cb)(const char *chunk, size_t len, void *ctx), void *ctx,
		    atomic_int *abort_flag, char *err, size_t errlen);

#endif
