/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * health - active health checks of backends: TCP connect and HTTP GET probes,
 * non-blocking, driven by the caller's epoll loop with ONE timerfd and a
 * min-heap of deadlines (next probe or probe timeout per target), so
 * thousands of targets cost neither threads nor busy loops. Probes leave from
 * the host's own stack (which also keeps its neighbour entries fresh).
 *
 * Two layers:
 *  - the state machine (xlb_hc_state_*), with the settings and how probe
 *    answers are judged (hc_check.c): pure, consecutive successes and
 *    failures against rise/fall, unit-tested without sockets;
 *  - the checker (xlb_hc_*, health.c): sockets, timers and the epoll
 *    integration.
 *
 * Epoll: the checker registers its timerfd and its probe sockets in the
 * caller's epoll set with data.u64 values that have XLB_HC_EV_TAG set; the
 * caller passes every event with that bit to xlb_hc_event().
 */
#ifndef XLB_HEALTH_H
#define XLB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "xlb.h"

enum xlb_hc_type {
	XLB_HC_TCP = 0, /* connect() succeeds (then send sent, expect_str received, if set) */
	XLB_HC_HTTP,	/* GET path answers with a status in [expect_lo, expect_hi] */
	XLB_HC_NONE,	/* no probing: always up */
	XLB_HC_UDP, /* a datagram (payload) gets a reply; or, expect_reply false, no ICMP error */
	XLB_HC_DNS, /* a DNS query for `query` gets an answer with RCODE NOERROR or NXDOMAIN */
	XLB_HC_TYPE_MAX,
};

/*
 * Which way a probe goes (config health_check.via, #21): straight to the
 * backend's address, or through the data path: addressed to the VIP, sent
 * out of the probe interface and steered to the backend by the XDP probe
 * program (bpf/probe.h), so it is encapsulated or MAC-rewritten as clients'
 * packets are and a backend that would drop those drops it too.
 */
enum xlb_hc_via {
	XLB_HC_VIA_DIRECT = 0,
	XLB_HC_VIA_VIP,
};

#define XLB_HC_PATH_MAX 256
#define XLB_HC_HOST_MAX 256
#define XLB_HC_PAYLOAD_MAX 256
#define XLB_HC_QUERY_MAX 254 /* a DNS name in text, without the final dot: 253 */

/* Per-service check settings (config: health_check). */
struct xlb_hc_check {
	__u8 type; /* enum xlb_hc_type */
	__u16 port; /* host order; 0 = the service's port */
	__u16 expect_lo, expect_hi; /* HTTP status range, default 200..399 */
	__u32 interval_ms, timeout_ms; /* timeout < interval */
	__u32 rise, fall; /* consecutive successes to go up / failures to go down */
	__u32 jitter_ms; /* each round +- this much (uniform); < interval */
	bool initial_up; /* state before the first decision */
	char path[XLB_HC_PATH_MAX]; /* HTTP: "/" default */
	char host[XLB_HC_HOST_MAX]; /* HTTP Host header; "" = the backend address */
	char payload[XLB_HC_PAYLOAD_MAX]; /* UDP: the datagram sent (text; "" = empty) */
	bool expect_reply; /* UDP: a reply is required (default); false: no ICMP error is enough */
	char query[XLB_HC_QUERY_MAX]; /* DNS: the name asked for (type A), "." = the root */
	/*
	 * TCP: sent once connected ("" = nothing), then expect_str ("" = no
	 * answer needed) must appear within the first XLB_HC_EXPECT_WINDOW
	 * bytes received before the timeout. A connect alone proves only the
	 * kernel: it completes handshakes for a hung (stopped) server too.
	 */
	char send[XLB_HC_PAYLOAD_MAX];
	char expect_str[XLB_HC_PAYLOAD_MAX];
	__u8 via; /* enum xlb_hc_via */
	/* via vip: the address probes are sent to (the service's VIP; lbd sets it, not the config) */
	__u8 via_family;
	/*
	 * via vip: the service's forwarding mode (enum xlb_fwd; opaque here):
	 * probes that take different paths to a backend are different checks,
	 * never shared.
	 */
	__u8 via_fwd;
	struct xlb_addr via_addr;
};

#define XLB_HC_EXPECT_WINDOW 255 /* bytes of a TCP answer searched for expect_str */

#define XLB_HC_DEFAULT_INTERVAL_MS 1000
#define XLB_HC_DEFAULT_TIMEOUT_MS 500
#define XLB_HC_DEFAULT_RISE 2
#define XLB_HC_DEFAULT_FALL 3

/* Defaults: tcp, interval 1000, timeout 500, rise 2, fall 3, jitter 0, up, "/", 200-399. */
void xlb_hc_check_default(struct xlb_hc_check *c);
const char *xlb_hc_type_name(__u8 type); /* "tcp", "http", "none", "udp", "dns" */
int xlb_hc_type_parse(const char *s, __u8 *type);
/* Same settings (a reload that keeps them keeps the state)? */
bool xlb_hc_check_equal(const struct xlb_hc_check *a, const struct xlb_hc_check *b);

/* Outcome of one probe. */
enum xlb_hc_result {
	XLB_HC_R_NONE = 0, /* no probe finished yet */
	XLB_HC_R_OK,
	XLB_HC_R_TIMEOUT, /* no connection or no answer within timeout_ms */
	XLB_HC_R_REFUSED, /* RST to the SYN */
	XLB_HC_R_RESET, /* connection reset after it was up */
	XLB_HC_R_UNREACHABLE, /* host/network unreachable (ICMP, no route, no neighbour) */
	XLB_HC_R_HTTP_STATUS, /* answered with a status outside the expected range */
	XLB_HC_R_BAD_RESPONSE, /* closed early or not an HTTP status line */
	XLB_HC_R_ERROR, /* any other local error (socket(), ...) */
	XLB_HC_R_DNS_RCODE, /* a DNS answer with an RCODE other than NOERROR and NXDOMAIN */
	XLB_HC_R_MAX,
};

/*
 * DNS probes (pure, unit-tested): a standard query (id, RD, one question of
 * type A class IN for name, "." for the root) into buf; its length, or
 * -EINVAL for a bad name or a short buffer.
 */
int xlb_dns_query(__u16 id, const char *name, __u8 *buf, size_t len);
/* Is name a DNS name lbd can ask for ("." or labels of 1..63 of [A-Za-z0-9-_], <= 253)? */
bool xlb_dns_name_ok(const char *name);
/*
 * Check an answer to query id: XLB_HC_R_OK (RCODE NOERROR or NXDOMAIN: the
 * server answers), XLB_HC_R_DNS_RCODE with the RCODE in *rcode, or
 * XLB_HC_R_BAD_RESPONSE (short, not a response, another id, truncated
 * header).
 */
enum xlb_hc_result xlb_dns_check(__u16 id, const __u8 *buf, size_t len, int *rcode);

/*
 * TCP send/expect (pure, unit-tested): what the first len bytes received
 * (buf) say about expect: XLB_HC_R_OK once it appears in them,
 * XLB_HC_R_BAD_RESPONSE when it cannot any more (closed: the peer ended the
 * stream; or XLB_HC_EXPECT_WINDOW bytes came without it), XLB_HC_R_NONE
 * while more bytes may bring it.
 */
enum xlb_hc_result xlb_hc_expect_check(const char *expect, const char *buf, size_t len,
				       bool closed);

/* "ok", "timeout", "refused", "reset", "unreachable", "http", "bad-response", "error", "dns". */
const char *xlb_hc_result_name(enum xlb_hc_result r);
/* "ok", "timeout", "http 503", "refused", ... (for logs and lbctl). */
const char *xlb_hc_result_str(enum xlb_hc_result r, int http_status, char *buf, size_t len);

/* ---- the state machine (pure) ---- */

struct xlb_hc_state {
	bool up;
	__u32 successes, failures; /* consecutive; one of them is 0 */
	long long since_ms; /* when `up` last changed (or init) */
	enum xlb_hc_result last; /* last probe's result */
	int last_status; /* HTTP status of the last probe, 0 if none */
	long long last_latency_us; /* last probe's duration */
	long long last_ms; /* when the last probe finished, 0 = never */
	__u64 transitions; /* up<->down changes */
};

void xlb_hc_state_init(struct xlb_hc_state *st, bool up, long long now_ms);
/*
 * Record a probe result. Returns true when the state flipped: down -> up after
 * `rise` consecutive successes, up -> down after `fall` consecutive failures
 * (rise/fall of 0 count as 1).
 */
bool xlb_hc_state_record(struct xlb_hc_state *st, __u32 rise, __u32 fall, enum xlb_hc_result r,
			 int http_status, long long latency_us, long long now_ms);

/* ---- the checker ---- */

#define XLB_HC_EV_TAG (1ull << 62)

struct xlb_hc;
struct xlb_hc_target;

/*
 * Called after every finished probe of t (changed: the state flipped). The
 * callback may read the target but must not add or remove targets.
 */
typedef void (*xlb_hc_cb)(void *ctx, struct xlb_hc_target *t, bool changed);

/* A checker using the caller's epoll set epfd. 0 or -errno. */
int xlb_hc_new(int epfd, xlb_hc_cb cb, void *ctx, struct xlb_hc **hcp);
void xlb_hc_free(struct xlb_hc *hc); /* closes every probe socket and the timerfd */

/*
 * Start checking addr (port = chk->port) with chk (copied). The first probe
 * fires at a uniformly random point within one interval. user is the
 * caller's. For XLB_HC_NONE the target never probes and is always up.
 */
int xlb_hc_add(struct xlb_hc *hc, const struct xlb_hc_check *chk, const struct xlb_addr *addr,
	       __u8 family, __u16 port, void *user, struct xlb_hc_target **tp);
/* Stop checking t (closes an in-flight probe) and free it. */
void xlb_hc_del(struct xlb_hc *hc, struct xlb_hc_target *t);

/*
 * Shared probes (#21): when on, a target added with the same check settings
 * (xlb_hc_check_equal), address, family and port as an existing one is not
 * probed itself: the existing target's probe results are recorded in its
 * state machine too (each target keeps its own state and gets its own
 * callback). 1,000 services on the same 50 backends with the same check
 * send 50 probes per interval. Removing a group's prober hands the group to
 * another member. Off by default; affects targets added afterwards. 0 or
 * -ENOMEM.
 */
int xlb_hc_share(struct xlb_hc *hc, bool on);

/*
 * Probes through the data path (checks with via vip): steer is called for
 * each such probe after its socket is bound to its source port (sport, host
 * order; proto IPPROTO_TCP or IPPROTO_UDP) and before it is sent, with the
 * target that probes (its user names the backend); it makes the data path
 * send that port's packets to the backend: 0, or -errno and the probe fails
 * (XLB_HC_R_ERROR). The sockets carry SO_MARK mark, which policy routing
 * sends out of the probe interface. Without a steer (NULL), every probe of
 * such a check fails (XLB_HC_R_ERROR): it cannot prove the path.
 */
typedef int (*xlb_hc_steer_cb)(void *ctx, struct xlb_hc_target *t, __u8 proto, __u16 sport);
void xlb_hc_set_via(struct xlb_hc *hc, __u32 mark, xlb_hc_steer_cb steer);

/* Handle one epoll event whose data.u64 had XLB_HC_EV_TAG set. */
void xlb_hc_event(struct xlb_hc *hc, __u64 data, __u32 events);

/* Start target t in state up (a state saved by an earlier run) instead of its initial one. */
void xlb_hc_target_seed(struct xlb_hc_target *t, bool up);
const struct xlb_hc_state *xlb_hc_target_state(const struct xlb_hc_target *t);
void *xlb_hc_target_user(const struct xlb_hc_target *t);
/* CLOCK_MONOTONIC ns when the probe that just finished returned its result. */
long long xlb_hc_target_result_ns(const struct xlb_hc_target *t);

struct xlb_hc_stats {
	__u64 probes; /* finished */
	__u64 started;
	__u64 transitions;
	__u64 lateness_max_us; /* probe start versus its schedule */
	__u64 lateness_hist[8]; /* <1ms, <10ms, <50ms, <100ms, <500ms, <1s, <5s, more */
	size_t targets, in_flight;
	size_t shared; /* targets whose results come from another target's probe (xlb_hc_share) */
};
void xlb_hc_get_stats(const struct xlb_hc *hc, struct xlb_hc_stats *s);

long long xlb_hc_now_ns(void); /* CLOCK_MONOTONIC */

#endif
