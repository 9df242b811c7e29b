// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * health.c - the non-blocking probe engine of the health checks. What a check
 * is, how an answer is judged and the rise/fall state machine are in
 * hc_check.c (pure, no sockets).
 *
 * Every target sits in one min-heap keyed by its next deadline: the start of
 * its next probe while idle, the probe's timeout while one is in flight. One
 * timerfd is armed at the heap's minimum. Probe sockets are non-blocking and
 * live in the caller's epoll set; the epoll data names the target by slot
 * index plus a generation number bumped at every probe start and removal, so
 * a stale event (from a socket closed earlier in the same epoll batch, or a
 * target removed meanwhile) is recognised and ignored.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "addr.h"
#include "health.h"

#define TIMER_IDX 0xffffffffu
#define GEN_MASK 0x3fffffffu /* 30 bits between the index and the tag */
#define RESP_MAX  256	      /* enough for a status line, and the TCP expect window */
_Static_assert(RESP_MAX > XLB_HC_EXPECT_WINDOW, "resp holds the TCP expect window");

/* ---- checker ----------------------------------------------------------------- */

enum phase { PH_IDLE, PH_CONNECTING, PH_READING };

struct xlb_hc_target {
	struct xlb_hc_check chk;
	struct xlb_addr addr;
	__u8 family;
	__u16 port;
	void *user;
	struct xlb_hc_state st;
	__u32 idx, gen; /* slot and generation (epoll data) */
	size_t heap; /* position in the heap, or (size_t)-1 */
	enum phase ph;
	int fd;
	long long due_ns; /* heap key */
	long long sched_ns; /* when the current/next probe is meant to start */
	long long start_ns, result_ns;
	size_t rlen;
	char resp[RESP_MAX];
	__u16 dns_id; /* DNS: the id of the query in flight */
	/*
	 * Shared probes (xlb_hc_share): targets with the same check, address
	 * and port form a group; its leader probes, and every result is
	 * recorded in each follower's own state machine too. Followers are
	 * never in the heap and never open a socket.
	 */
	struct xlb_hc_target *leader; /* follower: its group's leader; NULL: probes itself */
	struct xlb_hc_target *followers; /* leader: first follower */
	struct xlb_hc_target *fnext; /* follower: next one of the same leader */
	struct xlb_hc_target *hnext; /* leader: next in its xlb_hc.groups bucket */
};

#define XLB_HC_GROUP_BUCKETS 4096

struct xlb_hc {
	int epfd, tfd;
	xlb_hc_cb cb;
	void *ctx;
	struct xlb_hc_target **heap;
	size_t n_heap, cap_heap;
	struct xlb_hc_target **slots;
	size_t n_slots;
	__u32 *free_idx; /* stack of free slot indexes */
	size_t n_free;
	long long armed_ns; /* what the timerfd is set to, 0 = disarmed */
	__u64 rng;
	struct xlb_hc_stats stats;
	bool share; /* xlb_hc_share(): identical targets share one probe */
	xlb_hc_steer_cb steer; /* xlb_hc_set_via() */
	__u32 via_mark;
	struct xlb_hc_target **groups; /* XLB_HC_GROUP_BUCKETS chains of leaders */
};

long long xlb_hc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static __u64 rnd(struct xlb_hc *hc)
{
	__u64 x = hc->rng; /* xorshift64* */

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	hc->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* uniform in [0, n) */
static long long rnd_below(struct xlb_hc *hc, long long n)
{
	return n > 0 ? (long long)(rnd(hc) % (__u64)n) : 0;
}

/* ---- heap ---- */

static void heap_swap(struct xlb_hc *hc, size_t a, size_t b)
{
	struct xlb_hc_target *t = hc->heap[a];

	hc->heap[a] = hc->heap[b];
	hc->heap[b] = t;
	hc->heap[a]->heap = a;
	hc->heap[b]->heap = b;
}

static void heap_up(struct xlb_hc *hc, size_t i)
{
	while (i && hc->heap[(i - 1) / 2]->due_ns > hc->heap[i]->due_ns) {
		heap_swap(hc, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct xlb_hc *hc, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < hc->n_heap && hc->heap[l]->due_ns < hc->heap[m]->due_ns)
			m = l;
		if (r < hc->n_heap && hc->heap[r]->due_ns < hc->heap[m]->due_ns)
			m = r;
		if (m == i)
			return;
		heap_swap(hc, i, m);
		i = m;
	}
}

static int heap_push(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	if (hc->n_heap == hc->cap_heap) {
		size_t cap = hc->cap_heap ? hc->cap_heap * 2 : 64;
		struct xlb_hc_target **h = realloc(hc->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		hc->heap = h;
		hc->cap_heap = cap;
	}
	t->heap = hc->n_heap;
	hc->heap[hc->n_heap++] = t;
	heap_up(hc, t->heap);
	return 0;
}

static void heap_remove(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	size_t i = t->heap;

	if (i == (size_t)-1)
		return;
	hc->n_heap--;
	if (i != hc->n_heap) {
		hc->heap[i] = hc->heap[hc->n_heap];
		hc->heap[i]->heap = i;
		heap_down(hc, i);
		heap_up(hc, i);
	}
	t->heap = (size_t)-1;
}

static void set_due(struct xlb_hc *hc, struct xlb_hc_target *t, long long due)
{
	long long old = t->due_ns;

	t->due_ns = due;
	if (t->heap == (size_t)-1)
		return;
	if (due < old)
		heap_up(hc, t->heap);
	else
		heap_down(hc, t->heap);
}

/* Arm the timerfd at the earliest deadline (absolute CLOCK_MONOTONIC). */
static void rearm(struct xlb_hc *hc)
{
	struct itimerspec its = {};
	long long due = hc->n_heap ? hc->heap[0]->due_ns : 0;

	if (due == hc->armed_ns)
		return;
	if (due) {
		if (due <= 0)
			due = 1;
		its.it_value.tv_sec = due / 1000000000LL;
		its.it_value.tv_nsec = due % 1000000000LL;
	}
	if (!timerfd_settime(hc->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		hc->armed_ns = due;
}

static __u64 ev_data(const struct xlb_hc_target *t)
{
	return XLB_HC_EV_TAG | ((__u64)(t->gen & GEN_MASK) << 32) | t->idx;
}

/* ---- probes ---- */

static enum xlb_hc_result classify(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return XLB_HC_R_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return XLB_HC_R_RESET;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		return XLB_HC_R_UNREACHABLE;
	case ETIMEDOUT:
		return XLB_HC_R_TIMEOUT;
	default:
		return XLB_HC_R_ERROR;
	}
}

static void close_probe(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	if (t->fd >= 0) {
		epoll_ctl(hc->epfd, EPOLL_CTL_DEL, t->fd, NULL);
		close(t->fd);
		t->fd = -1;
		hc->stats.in_flight--;
	}
	t->ph = PH_IDLE;
	t->gen++; /* any event still queued for this probe is stale now */
}

/* A probe ended: record, schedule the next one, tell the caller. */
static void finish(struct xlb_hc *hc, struct xlb_hc_target *t, enum xlb_hc_result r, int status)
{
	long long now = xlb_hc_now_ns(), next, j = t->chk.jitter_ms * 1000000LL;
	bool changed;

	close_probe(hc, t);
	t->result_ns = now;
	changed = xlb_hc_state_record(&t->st, t->chk.rise, t->chk.fall, r, status,
				      (now - t->start_ns) / 1000, now / 1000000);
	hc->stats.probes++;
	if (changed)
		hc->stats.transitions++;
	next = t->sched_ns + t->chk.interval_ms * 1000000LL;
	if (j)
		next += rnd_below(hc, 2 * j + 1) - j;
	if (next <= now)
		next = now + 1000000; /* late: next probe in 1 ms, never a tight loop */
	t->sched_ns = next;
	set_due(hc, t, next);
	if (hc->cb)
		hc->cb(hc->ctx, t, changed);
	/* shared probe: the same result for every follower, each with its own state */
	for (struct xlb_hc_target *f = t->followers; f; f = f->fnext) {
		bool fc = xlb_hc_state_record(&f->st, f->chk.rise, f->chk.fall, r, status,
					      (now - t->start_ns) / 1000, now / 1000000);

		f->start_ns = t->start_ns;
		f->result_ns = now;
		if (fc)
			hc->stats.transitions++;
		if (hc->cb)
			hc->cb(hc->ctx, f, fc);
	}
}

static void http_send(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	char req[XLB_HC_PATH_MAX + XLB_HC_HOST_MAX + 128], host[XLB_ADDR_STRLEN + 2],
	    a[XLB_ADDR_STRLEN];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	int n;

	/* Host: the configured one, else the backend's address */
	xlb_addr_str(&t->addr, t->family, a, sizeof(a));
	snprintf(host, sizeof(host), t->family == XLB_AF_INET6 ? "[%s]" : "%s", a);
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: xlb-health\r\n"
		     "Connection: close\r\nAccept: */*\r\n\r\n",
		     t->chk.path, t->chk.host[0] ? t->chk.host : host);
	errno = 0;
	if (send(t->fd, req, n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		finish(hc, t, errno && errno != EAGAIN ? classify(errno) : XLB_HC_R_ERROR, 0);
		return;
	}
	t->ph = PH_READING;
	t->rlen = 0;
	ev.data.u64 = ev_data(t);
	if (epoll_ctl(hc->epfd, EPOLL_CTL_MOD, t->fd, &ev))
		finish(hc, t, XLB_HC_R_ERROR, 0);
}

/* TCP with send/expect: send, then wait for the expected bytes (or succeed now). */
static void tcp_send(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};
	ssize_t n = (ssize_t)strlen(t->chk.send);

	errno = 0;
	if (n && send(t->fd, t->chk.send, n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
		finish(hc, t, errno && errno != EAGAIN ? classify(errno) : XLB_HC_R_ERROR, 0);
		return;
	}
	if (!t->chk.expect_str[0]) {
		finish(hc, t, XLB_HC_R_OK, 0);
		return;
	}
	t->ph = PH_READING;
	t->rlen = 0;
	ev.data.u64 = ev_data(t);
	if (epoll_ctl(hc->epfd, EPOLL_CTL_MOD, t->fd, &ev))
		finish(hc, t, XLB_HC_R_ERROR, 0);
}

/* TCP: the answer so far, searched for expect_str (xlb_hc_expect_check). */
static void tcp_read(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	enum xlb_hc_result r;
	ssize_t n;

	for (;;) {
		n = recv(t->fd, t->resp + t->rlen, XLB_HC_EXPECT_WINDOW - t->rlen, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			finish(hc, t, classify(errno), 0);
			return;
		}
		t->rlen += n;
		r = xlb_hc_expect_check(t->chk.expect_str, t->resp, t->rlen, n == 0);
		if (r != XLB_HC_R_NONE) {
			finish(hc, t, r, 0);
			return;
		}
	}
}

/* UDP and DNS: send the datagram, then wait for the answer (or an ICMP error). */
static void dgram_send(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	struct epoll_event ev = { .events = EPOLLIN };
	__u8 q[512];
	const void *msg = t->chk.payload;
	ssize_t n = (ssize_t)strlen(t->chk.payload);

	if (t->chk.type == XLB_HC_DNS) {
		t->dns_id = (__u16)rnd(hc);
		n = xlb_dns_query(t->dns_id, t->chk.query, q, sizeof(q));
		if (n < 0) {
			finish(hc, t, XLB_HC_R_ERROR, 0);
			return;
		}
		msg = q;
	}
	errno = 0;
	if (send(t->fd, msg, n, MSG_DONTWAIT) != n) {
		finish(hc, t, errno && errno != EAGAIN ? classify(errno) : XLB_HC_R_ERROR, 0);
		return;
	}
	t->ph = PH_READING;
	ev.data.u64 = ev_data(t);
	if (epoll_ctl(hc->epfd, EPOLL_CTL_MOD, t->fd, &ev))
		finish(hc, t, XLB_HC_R_ERROR, 0);
}

/* UDP and DNS: an answer, or the ICMP error that arrived as a socket error. */
static void dgram_read(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	__u8 buf[512];
	ssize_t n;
	int rcode;
	enum xlb_hc_result r;

	n = recv(t->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			finish(hc, t, classify(errno), 0);
		return;
	}
	if (t->chk.type != XLB_HC_DNS) {
		finish(hc, t, XLB_HC_R_OK, 0);
		return;
	}
	r = xlb_dns_check(t->dns_id, buf, (size_t)n, &rcode);
	if (r == XLB_HC_R_BAD_RESPONSE && n >= 2 && ((buf[0] << 8) | buf[1]) != t->dns_id)
		return; /* a late answer to an earlier probe: keep waiting */
	/* the status field is shown as "http N" for successes: an RCODE only on failure */
	finish(hc, t, r, r == XLB_HC_R_DNS_RCODE ? rcode : 0);
}

static void connected(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	if (t->chk.type == XLB_HC_HTTP)
		http_send(hc, t);
	else if (t->chk.type == XLB_HC_UDP || t->chk.type == XLB_HC_DNS)
		dgram_send(hc, t);
	else if (t->chk.type == XLB_HC_TCP && (t->chk.send[0] || t->chk.expect_str[0]))
		tcp_send(hc, t);
	else
		finish(hc, t, XLB_HC_R_OK, 0);
}

/* "HTTP/1.x NNN ..." -> NNN, or -1. */
static int parse_status(const char *s, size_t len)
{
	int st;

	if (len < 12 || strncmp(s, "HTTP/", 5))
		return -1;
	s = memchr(s, ' ', len);
	if (!s || s[1] < '1' || s[1] > '5' || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9')
		return -1;
	st = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	return st;
}

static void http_read(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	ssize_t n;
	int st;

	for (;;) {
		n = recv(t->fd, t->resp + t->rlen, sizeof(t->resp) - 1 - t->rlen, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			finish(hc, t, classify(errno), 0);
			return;
		}
		t->rlen += n;
		t->resp[t->rlen] = 0;
		if (n == 0 || memchr(t->resp, '\n', t->rlen) || t->rlen == sizeof(t->resp) - 1)
			break;
	}
	st = parse_status(t->resp, t->rlen);
	if (st < 0)
		finish(hc, t, XLB_HC_R_BAD_RESPONSE, 0);
	else if (st < t->chk.expect_lo || st > t->chk.expect_hi)
		finish(hc, t, XLB_HC_R_HTTP_STATUS, st);
	else
		finish(hc, t, XLB_HC_R_OK, st);
}

void xlb_hc_set_via(struct xlb_hc *hc, __u32 mark, xlb_hc_steer_cb steer)
{
	hc->via_mark = mark;
	hc->steer = steer;
}

/*
 * via vip: mark the socket for the probe interface's route, bind it to a
 * source port of its own and have the data path steer that port to the
 * backend before anything is sent. 0 or -errno.
 */
static int via_prepare(struct xlb_hc *hc, struct xlb_hc_target *t, __u8 family, bool dgram)
{
	struct sockaddr_storage ss = {};
	socklen_t len = family == XLB_AF_INET6 ? sizeof(struct sockaddr_in6)
					       : sizeof(struct sockaddr_in);
	__u16 port;

	if (!hc->steer)
		return -EOPNOTSUPP;
	if (!t->chk.via_family)
		return -EDESTADDRREQ; /* the caller did not say which VIP */
	ss.ss_family = family == XLB_AF_INET6 ? AF_INET6 : AF_INET;
	if (setsockopt(t->fd, SOL_SOCKET, SO_MARK, &hc->via_mark, sizeof(hc->via_mark)) ||
	    bind(t->fd, (struct sockaddr *)&ss, len) ||
	    getsockname(t->fd, (struct sockaddr *)&ss, &len))
		return -errno;
	port = ntohs(family == XLB_AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					    : ((struct sockaddr_in *)&ss)->sin_port);
	return hc->steer(hc->ctx, t, dgram ? IPPROTO_UDP : IPPROTO_TCP, port);
}

static void start_probe(struct xlb_hc *hc, struct xlb_hc_target *t, long long now)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_storage ss = {};
	socklen_t slen;
	long long late = now - t->sched_ns;
	static const long long bounds[] = { 1, 10, 50, 100, 500, 1000, 5000 };
	size_t b;
	const struct xlb_addr *dst;
	int one = 1;
	bool dgram, via;
	__u8 family;

	if (late < 0)
		late = 0;
	if ((__u64)late / 1000 > hc->stats.lateness_max_us)
		hc->stats.lateness_max_us = late / 1000;
	for (b = 0; b < 7 && late >= bounds[b] * 1000000LL; b++)
		;
	hc->stats.lateness_hist[b]++;
	hc->stats.started++;

	t->start_ns = now;
	t->gen++;
	dgram = t->chk.type == XLB_HC_UDP || t->chk.type == XLB_HC_DNS;
	/* via vip: to the VIP (its family), steered to the backend by the data path */
	via = t->chk.via == XLB_HC_VIA_VIP;
	family = via ? t->chk.via_family : t->family;
	dst = via ? &t->chk.via_addr : &t->addr;
	t->fd = socket(family == XLB_AF_INET6 ? AF_INET6 : AF_INET,
		       (dgram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		finish(hc, t, XLB_HC_R_ERROR, 0);
		return;
	}
	hc->stats.in_flight++;
	t->ph = PH_CONNECTING;
	if (!dgram) {
		/* Close with RST: thousands of probes a second leave no TIME_WAIT behind. */
		setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (family == XLB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->port);
		memcpy(&s6->sin6_addr, dst->a, 16);
		slen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->port);
		s4->sin_addr.s_addr = dst->a[0];
		slen = sizeof(*s4);
	}
	set_due(hc, t, now + t->chk.timeout_ms * 1000000LL);
	if (via && via_prepare(hc, t, family, dgram)) {
		finish(hc, t, XLB_HC_R_ERROR, 0);
		return;
	}
	if (!connect(t->fd, (struct sockaddr *)&ss, slen)) {
		ev.data.u64 = ev_data(t);
		if (epoll_ctl(hc->epfd, EPOLL_CTL_ADD, t->fd, &ev)) {
			finish(hc, t, XLB_HC_R_ERROR, 0);
			return;
		}
		connected(hc, t);
		return;
	}
	if (errno != EINPROGRESS) {
		finish(hc, t, classify(errno), 0);
		return;
	}
	ev.data.u64 = ev_data(t);
	if (epoll_ctl(hc->epfd, EPOLL_CTL_ADD, t->fd, &ev))
		finish(hc, t, XLB_HC_R_ERROR, 0);
}

static void on_timer(struct xlb_hc *hc)
{
	long long now = xlb_hc_now_ns();
	__u64 ticks;

	if (read(hc->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	hc->armed_ns = 0;
	while (hc->n_heap && hc->heap[0]->due_ns <= now) {
		struct xlb_hc_target *t = hc->heap[0];

		if (t->ph == PH_IDLE)
			start_probe(hc, t, now);
		else if (t->chk.type == XLB_HC_UDP && !t->chk.expect_reply && t->ph == PH_READING)
			finish(hc, t, XLB_HC_R_OK, 0); /* sent, and no ICMP error came back */
		else
			finish(hc, t, XLB_HC_R_TIMEOUT, 0);
		now = xlb_hc_now_ns();
	}
}

static void on_socket(struct xlb_hc *hc, struct xlb_hc_target *t, __u32 events)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (t->ph == PH_CONNECTING) {
		if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err)
			finish(hc, t, classify(err), 0);
		else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connected(hc, t);
	} else if (t->ph == PH_READING) {
		if (t->chk.type == XLB_HC_HTTP)
			http_read(hc, t);
		else if (t->chk.type == XLB_HC_TCP)
			tcp_read(hc, t);
		else
			dgram_read(hc, t);
	}
}

void xlb_hc_event(struct xlb_hc *hc, __u64 data, __u32 events)
{
	__u32 idx = (__u32)data, gen = (data >> 32) & GEN_MASK;
	struct xlb_hc_target *t;

	if (idx == TIMER_IDX) {
		on_timer(hc);
	} else if (idx < hc->n_slots && (t = hc->slots[idx]) && (t->gen & GEN_MASK) == gen &&
		   t->fd >= 0) {
		on_socket(hc, t, events);
	}
	rearm(hc);
}

int xlb_hc_new(int epfd, xlb_hc_cb cb, void *ctx, struct xlb_hc **hcp)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = XLB_HC_EV_TAG | TIMER_IDX };
	struct xlb_hc *hc = calloc(1, sizeof(*hc));
	int err;

	if (!hc)
		return -ENOMEM;
	hc->epfd = epfd;
	hc->cb = cb;
	hc->ctx = ctx;
	hc->rng = (__u64)xlb_hc_now_ns() ^ ((__u64)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	hc->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (hc->tfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, hc->tfd, &ev)) {
		err = -errno;
		if (hc->tfd >= 0)
			close(hc->tfd);
		free(hc);
		return err;
	}
	*hcp = hc;
	return 0;
}

void xlb_hc_free(struct xlb_hc *hc)
{
	size_t i;

	if (!hc)
		return;
	for (i = 0; i < hc->n_slots; i++) {
		if (!hc->slots[i])
			continue;
		close_probe(hc, hc->slots[i]);
		free(hc->slots[i]);
	}
	epoll_ctl(hc->epfd, EPOLL_CTL_DEL, hc->tfd, NULL);
	close(hc->tfd);
	free(hc->slots);
	free(hc->free_idx);
	free(hc->heap);
	free(hc->groups);
	free(hc);
}

/* ---- shared probes ---- */

static __u32 group_hash(const struct xlb_hc_check *c, const struct xlb_addr *a, __u8 family,
			__u16 port)
{
	__u32 h = 2166136261u, v[8] = { c->type, port, family, c->interval_ms, c->timeout_ms };
	const unsigned char *p = (const unsigned char *)v;
	size_t i;

	memcpy(&v[5], &a->a[0], 4);
	v[6] = a->a[3];
	v[7] = a->a[1] ^ a->a[2];
	for (i = 0; i < sizeof(v); i++)
		h = (h ^ p[i]) * 16777619u;
	return h % XLB_HC_GROUP_BUCKETS;
}

int xlb_hc_share(struct xlb_hc *hc, bool on)
{
	if (on && !hc->groups) {
		hc->groups = calloc(XLB_HC_GROUP_BUCKETS, sizeof(*hc->groups));
		if (!hc->groups)
			return -ENOMEM;
	}
	hc->share = on; /* targets added from now on */
	return 0;
}

static struct xlb_hc_target *group_find(struct xlb_hc *hc, const struct xlb_hc_check *chk,
					const struct xlb_addr *addr, __u8 family, __u16 port)
{
	struct xlb_hc_target *l;

	if (!hc->groups)
		return NULL;
	for (l = hc->groups[group_hash(chk, addr, family, port)]; l; l = l->hnext)
		if (l->family == family && l->port == port &&
		    !memcmp(&l->addr, addr, sizeof(*addr)) && xlb_hc_check_equal(&l->chk, chk))
			return l;
	return NULL;
}

static void group_unlink(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	struct xlb_hc_target **pp;

	if (!hc->groups)
		return;
	for (pp = &hc->groups[group_hash(&t->chk, &t->addr, t->family, t->port)]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == t) {
			*pp = t->hnext;
			t->hnext = NULL;
			return;
		}
}

/* t (a leader) goes away: its first follower leads the group from t's schedule on. */
static void group_handover(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	struct xlb_hc_target *n = t->followers, *f;
	long long now = xlb_hc_now_ns();
	__u32 b;

	group_unlink(hc, t);
	if (!n)
		return;
	n->leader = NULL;
	n->followers = n->fnext;
	n->fnext = NULL;
	for (f = n->followers; f; f = f->fnext)
		f->leader = n;
	t->followers = NULL;
	hc->stats.shared--;
	b = group_hash(&n->chk, &n->addr, n->family, n->port);
	n->hnext = hc->groups[b];
	hc->groups[b] = n;
	n->sched_ns = t->sched_ns > now ? t->sched_ns : now + 1000000;
	n->due_ns = n->sched_ns;
	if (heap_push(hc, n) == 0)
		rearm(hc);
}

void xlb_hc_target_seed(struct xlb_hc_target *t, bool up)
{
	xlb_hc_state_init(&t->st, up, xlb_hc_now_ns() / 1000000);
}

int xlb_hc_add(struct xlb_hc *hc, const struct xlb_hc_check *chk, const struct xlb_addr *addr,
	       __u8 family, __u16 port, void *user, struct xlb_hc_target **tp)
{
	struct xlb_hc_target *t;
	long long now = xlb_hc_now_ns();
	int err;

	if (chk->type >= XLB_HC_TYPE_MAX || !chk->interval_ms || !port)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->chk = *chk;
	t->addr = *addr;
	t->family = family;
	t->port = port;
	t->user = user;
	t->fd = -1;
	t->heap = (size_t)-1;
	xlb_hc_state_init(&t->st, chk->type == XLB_HC_NONE ? true : chk->initial_up,
			  now / 1000000);
	if (hc->n_free) {
		t->idx = hc->free_idx[--hc->n_free];
	} else {
		struct xlb_hc_target **s = realloc(hc->slots, (hc->n_slots + 1) * sizeof(*s));
		__u32 *f;

		if (!s)
			goto nomem;
		hc->slots = s;
		f = realloc(hc->free_idx, (hc->n_slots + 1) * sizeof(*f));
		if (!f)
			goto nomem;
		hc->free_idx = f;
		t->idx = hc->n_slots++;
	}
	hc->slots[t->idx] = t;
	if (chk->type != XLB_HC_NONE && hc->share) {
		struct xlb_hc_target *l = group_find(hc, chk, addr, family, port);

		if (l) { /* probed by l: never in the heap */
			t->leader = l;
			t->fnext = l->followers;
			l->followers = t;
			hc->stats.targets++;
			hc->stats.shared++;
			if (tp)
				*tp = t;
			return 0;
		}
	}
	if (chk->type != XLB_HC_NONE) {
		/* first probe: uniformly within one interval, so targets do not fire together */
		t->sched_ns = now + rnd_below(hc, chk->interval_ms * 1000000LL);
		t->due_ns = t->sched_ns;
		err = heap_push(hc, t);
		if (err) {
			hc->slots[t->idx] = NULL;
			hc->free_idx[hc->n_free++] = t->idx;
			free(t);
			return err;
		}
		rearm(hc);
		if (hc->share) { /* the leader of a new group */
			__u32 b = group_hash(chk, addr, family, port);

			t->hnext = hc->groups[b];
			hc->groups[b] = t;
		}
	}
	hc->stats.targets++;
	if (tp)
		*tp = t;
	return 0;
nomem:
	free(t);
	return -ENOMEM;
}

void xlb_hc_del(struct xlb_hc *hc, struct xlb_hc_target *t)
{
	if (!t)
		return;
	if (t->leader) { /* a follower: out of its group */
		struct xlb_hc_target **pp;

		for (pp = &t->leader->followers; *pp; pp = &(*pp)->fnext)
			if (*pp == t) {
				*pp = t->fnext;
				break;
			}
		hc->stats.shared--;
	} else {
		group_handover(hc, t);
	}
	close_probe(hc, t);
	heap_remove(hc, t);
	hc->slots[t->idx] = NULL;
	hc->free_idx[hc->n_free++] = t->idx;
	hc->stats.targets--;
	free(t);
	rearm(hc);
}

const struct xlb_hc_state *xlb_hc_target_state(const struct xlb_hc_target *t)
{
	return &t->st;
}

void *xlb_hc_target_user(const struct xlb_hc_target *t)
{
	return t->user;
}

long long xlb_hc_target_result_ns(const struct xlb_hc_target *t)
{
	return t->result_ns;
}

void xlb_hc_get_stats(const struct xlb_hc *hc, struct xlb_hc_stats *s)
{
	*s = hc->stats;
	s->targets = hc->stats.targets;
}
