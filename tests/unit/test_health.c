// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Health checks (userspace/lib/hc_check.c, health.c): the rise/fall state machine
 * (table-driven), and real probes through the real event loop code against
 * listeners on 127.0.0.1: a TCP listener, HTTP servers answering 200 and 503,
 * a closed port, a listener whose backlog is full (SYNs dropped: timeout) and
 * one that accepts but never answers (HTTP timeout); UDP and DNS probes
 * against an echo server, a silent socket, a closed port and DNS servers
 * answering NOERROR, SERVFAIL and with another query id; the DNS query and
 * answer codec on fixed bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "health.h"

/* ---- state machine ---- */

struct step {
	char r; /* 'o' ok, 'f' failure */
	bool up; /* after the step */
	bool changed;
};

struct sm_case {
	const char *name;
	bool initial;
	__u32 rise, fall;
	const char *seq; /* o/f per probe */
	const char *ups; /* expected state after each: U/D; lowercase = flipped here */
};

static const struct sm_case sm_cases[] = {
	{ "up stays up on success", true, 2, 3, "ooo", "UUU" },
	{ "fall 3", true, 2, 3, "fff", "UUd" },
	{ "fall interrupted", true, 2, 3, "ffoff", "UUUUU" },
	{ "rise 2 from down", false, 2, 3, "oo", "Du" },
	{ "rise interrupted", false, 2, 3, "ofoo", "DDDu" },
	{ "fall 1 rise 1", true, 1, 1, "fofo", "dudu" },
	{ "flapping never decides", true, 3, 3, "fofofofo", "UUUUUUUU" },
	{ "down, recovery, down", true, 2, 2, "ffooff", "UdDuUd" },
	{ "rise/fall 0 count as 1", true, 0, 0, "fo", "du" },
	{ "initial down stays on failures", false, 2, 3, "ffff", "DDDD" },
};

static void test_state_machine(void **state)
{
	size_t i, k;

	for (i = 0; i < sizeof(sm_cases) / sizeof(sm_cases[0]); i++) {
		const struct sm_case *c = &sm_cases[i];
		struct xlb_hc_state st;

		xlb_hc_state_init(&st, c->initial, 1000);
		for (k = 0; c->seq[k]; k++) {
			bool ch = xlb_hc_state_record(&st, c->rise, c->fall,
						      c->seq[k] == 'o' ? XLB_HC_R_OK
								       : XLB_HC_R_TIMEOUT,
						      0, 5, 2000 + k);
			char want = c->ups[k];
			bool want_up = want == 'U' || want == 'u';
			bool want_ch = want == 'u' || want == 'd';

			if (st.up != want_up || ch != want_ch)
				fail_msg("%s: probe %zu: up %d changed %d, want %c", c->name, k,
					 st.up, ch, want);
			if (ch)
				assert_int_equal(st.since_ms, 2000 + k);
			assert_true(st.successes == 0 || st.failures == 0);
		}
	}
}

static void test_state_details(void **state)
{
	struct xlb_hc_state st;
	char buf[32];

	xlb_hc_state_init(&st, true, 5);
	assert_int_equal(st.since_ms, 5);
	assert_int_equal(st.last, XLB_HC_R_NONE);
	xlb_hc_state_record(&st, 2, 1, XLB_HC_R_HTTP_STATUS, 503, 1234, 10);
	assert_false(st.up);
	assert_int_equal(st.last_status, 503);
	assert_int_equal(st.last_latency_us, 1234);
	assert_int_equal(st.transitions, 1);
	assert_string_equal(xlb_hc_result_str(st.last, st.last_status, buf, sizeof(buf)),
			    "http 503");
	assert_string_equal(xlb_hc_result_str(XLB_HC_R_OK, 200, buf, sizeof(buf)), "ok, http 200");
	assert_string_equal(xlb_hc_result_str(XLB_HC_R_REFUSED, 0, buf, sizeof(buf)), "refused");
	assert_string_equal(xlb_hc_result_str(XLB_HC_R_TIMEOUT, 0, buf, sizeof(buf)), "timeout");
}

static void test_settings(void **state)
{
	struct xlb_hc_check a, b;
	__u8 t;

	xlb_hc_check_default(&a);
	assert_int_equal(a.type, XLB_HC_TCP);
	assert_int_equal(a.interval_ms, 1000);
	assert_int_equal(a.timeout_ms, 500);
	assert_int_equal(a.rise, 2);
	assert_int_equal(a.fall, 3);
	assert_true(a.initial_up);
	assert_string_equal(a.path, "/");
	assert_int_equal(a.expect_lo, 200);
	assert_int_equal(a.expect_hi, 399);
	b = a;
	assert_true(xlb_hc_check_equal(&a, &b));
	b.fall = 4;
	assert_false(xlb_hc_check_equal(&a, &b));
	assert_int_equal(xlb_hc_type_parse("http", &t), 0);
	assert_int_equal(t, XLB_HC_HTTP);
	assert_int_equal(xlb_hc_type_parse("udp", &t), 0);
	assert_int_equal(t, XLB_HC_UDP);
	assert_int_equal(xlb_hc_type_parse("dns", &t), 0);
	assert_int_equal(t, XLB_HC_DNS);
	assert_int_equal(xlb_hc_type_parse("icmp", &t), -EINVAL);
	assert_true(a.expect_reply);
	assert_string_equal(a.query, ".");
	assert_string_equal(a.payload, "");
	b = a;
	strcpy(b.query, "example.com");
	assert_false(xlb_hc_check_equal(&a, &b)); /* another question: other state */
	b = a;
	b.expect_reply = false;
	assert_false(xlb_hc_check_equal(&a, &b));
	assert_string_equal(a.send, "");
	assert_string_equal(a.expect_str, "");
	b = a;
	strcpy(b.send, "PING\r\n");
	assert_false(xlb_hc_check_equal(&a, &b));
	b = a;
	strcpy(b.expect_str, "+PONG");
	assert_false(xlb_hc_check_equal(&a, &b));
}

/* ---- real probes ---- */

static int listener(int backlog, __u16 *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A child answering every connection with "HTTP/1.0 <status>". */
static pid_t http_server(int lfd, int status)
{
	pid_t pid = fork();
	char buf[1024], resp[128];
	int c, n;

	assert_true(pid >= 0);
	if (pid)
		return pid;
	/* A failed assertion longjmps past the kill below: die with the test. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	n = snprintf(resp, sizeof(resp), "HTTP/1.0 %d X\r\nContent-Length: 0\r\n\r\n", status);
	for (;;) {
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		if (recv(c, buf, sizeof(buf), 0) > 0 && write(c, resp, n) < 0)
			_exit(1);
		close(c);
	}
}

struct probe_case {
	const char *name;
	__u8 type;
	__u16 port;
	enum xlb_hc_result want;
	int want_status;
	bool want_up;
	struct xlb_hc_target *t;
	int probes;
};

static void count_cb(void *ctx, struct xlb_hc_target *t, bool changed)
{
	struct probe_case *pc = xlb_hc_target_user(t);

	pc->probes++;
}

/* Run the checker until every case had 3 probes (or 6 s passed). */
static void run_probes(struct xlb_hc *hc, int epfd, struct probe_case *pcs, size_t np)
{
	long long deadline = xlb_hc_now_ns() + 6000000000LL;
	size_t j;
	int k, n;

	while (xlb_hc_now_ns() < deadline) {
		struct epoll_event evs[16];
		bool done = true;

		for (j = 0; j < np; j++)
			done &= pcs[j].probes >= 3;
		if (done)
			break;
		n = epoll_wait(epfd, evs, 16, 100);
		for (k = 0; k < n; k++) {
			assert_true(evs[k].data.u64 & XLB_HC_EV_TAG);
			xlb_hc_event(hc, evs[k].data.u64, evs[k].events);
		}
	}
}

/* Each case's last result, status and state are the expected ones (printed). */
static void check_probes(const struct probe_case *pcs, size_t np)
{
	size_t j;

	for (j = 0; j < np; j++) {
		const struct xlb_hc_state *st = xlb_hc_target_state(pcs[j].t);
		char res[48];

		print_message("%-30s %d probes, last %s, %s, %lld us\n", pcs[j].name, pcs[j].probes,
			      xlb_hc_result_str(st->last, st->last_status, res, sizeof(res)),
			      st->up ? "up" : "down", st->last_latency_us);
		if (pcs[j].probes < 3)
			fail_msg("%s: only %d probes in 6 s", pcs[j].name, pcs[j].probes);
		if (st->last != pcs[j].want || st->last_status != pcs[j].want_status ||
		    st->up != pcs[j].want_up)
			fail_msg("%s: last %s/%d up %d, want %s/%d up %d", pcs[j].name,
				 xlb_hc_result_name(st->last), st->last_status, st->up,
				 xlb_hc_result_name(pcs[j].want), pcs[j].want_status,
				 pcs[j].want_up);
	}
}

static void test_real_probes(void **state)
{
	__u16 p_tcp, p_200, p_503, p_full, p_silent, p_closed;
	int l_tcp = listener(16, &p_tcp), l_200 = listener(16, &p_200), l_503 = listener(16, &p_503);
	int l_full = listener(0, &p_full), l_silent = listener(16, &p_silent);
	int l_closed = listener(1, &p_closed), fill[4], epfd, i;
	pid_t s200 = (close(l_closed), http_server(l_200, 200)), s503 = http_server(l_503, 503);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				   .sin_port = htons(p_full) };
	struct xlb_addr lo = { .a = { htonl(INADDR_LOOPBACK) } };
	struct xlb_hc_stats stats;
	struct xlb_hc_check chk;
	struct xlb_hc *hc;
	struct probe_case pcs[] = {
		{ "tcp listener", XLB_HC_TCP, p_tcp, XLB_HC_R_OK, 0, true },
		{ "http 200", XLB_HC_HTTP, p_200, XLB_HC_R_OK, 200, true },
		{ "http 503", XLB_HC_HTTP, p_503, XLB_HC_R_HTTP_STATUS, 503, false },
		{ "closed port", XLB_HC_TCP, p_closed, XLB_HC_R_REFUSED, 0, false },
		{ "full backlog", XLB_HC_TCP, p_full, XLB_HC_R_TIMEOUT, 0, false },
		{ "silent http", XLB_HC_HTTP, p_silent, XLB_HC_R_TIMEOUT, 0, false },
		{ "http to a plain tcp listener", XLB_HC_HTTP, p_tcp, XLB_HC_R_TIMEOUT, 0, false },
	};
	size_t np = sizeof(pcs) / sizeof(pcs[0]), j;

	/* l_closed was closed before the servers forked: nothing listens there */
	/* fill the accept queue of l_full (backlog 0 holds one); later SYNs are dropped */
	for (i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50000);

	epfd = epoll_create1(0);
	assert_int_equal(xlb_hc_new(epfd, count_cb, NULL, &hc), 0);
	xlb_hc_check_default(&chk);
	/* Generous timings: a refused connect on loopback must not be mistaken
	 * for a timeout when the machine is loaded. */
	chk.interval_ms = 400;
	chk.timeout_ms = 250;
	chk.rise = 1;
	chk.fall = 2;
	chk.jitter_ms = 20;
	for (j = 0; j < np; j++) {
		chk.type = pcs[j].type;
		assert_int_equal(xlb_hc_add(hc, &chk, &lo, XLB_AF_INET, pcs[j].port, &pcs[j],
					    &pcs[j].t),
				 0);
	}
	run_probes(hc, epfd, pcs, np);
	/* Stop the servers before any assertion can longjmp past it. */
	kill(s200, SIGKILL);
	kill(s503, SIGKILL);
	waitpid(s200, NULL, 0);
	waitpid(s503, NULL, 0);
	check_probes(pcs, np);
	for (j = 0; j < np; j++) {
		const struct xlb_hc_state *st = xlb_hc_target_state(pcs[j].t);

		if (pcs[j].want == XLB_HC_R_TIMEOUT)
			assert_true(st->last_latency_us >= 245000 && st->last_latency_us < 1250000);
	}
	xlb_hc_get_stats(hc, &stats);
	assert_int_equal(stats.targets, np);
	assert_true(stats.probes >= 3 * np);
	/* removing a target with a probe in flight closes it cleanly */
	for (j = 0; j < np; j++)
		xlb_hc_del(hc, pcs[j].t);
	xlb_hc_get_stats(hc, &stats);
	assert_int_equal(stats.targets, 0);
	assert_int_equal(stats.in_flight, 0);
	xlb_hc_free(hc);
	close(epfd);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(l_tcp);
	close(l_200);
	close(l_503);
	close(l_full);
	close(l_silent);
}

/* ---- TCP send / expect ---- */

/* Where the expected bytes may be found, and when the search is over. */
static void test_expect_check(void **state)
{
	char big[XLB_HC_EXPECT_WINDOW + 20];

	(void)state;
	assert_int_equal(xlb_hc_expect_check("+PONG", "+PONG\r\n", 7, false), XLB_HC_R_OK);
	assert_int_equal(xlb_hc_expect_check("+PONG", "+PO", 3, false), XLB_HC_R_NONE);
	assert_int_equal(xlb_hc_expect_check("+PONG", "+PO", 3, true), XLB_HC_R_BAD_RESPONSE);
	assert_int_equal(xlb_hc_expect_check("+PONG", "", 0, false), XLB_HC_R_NONE);
	assert_int_equal(xlb_hc_expect_check("+PONG", "", 0, true), XLB_HC_R_BAD_RESPONSE);
	/* a substring anywhere in the window, NUL bytes before it included */
	assert_int_equal(xlb_hc_expect_check("OK", "220 mail\0 OK", 12, false), XLB_HC_R_OK);
	assert_int_equal(xlb_hc_expect_check("+PONG", "-ERR wrong\r\n", 12, false), XLB_HC_R_NONE);
	/* a full window without it: no more waiting; beyond the window is not searched */
	memset(big, 'x', sizeof(big));
	assert_int_equal(xlb_hc_expect_check("+PONG", big, XLB_HC_EXPECT_WINDOW, false),
			 XLB_HC_R_BAD_RESPONSE);
	memcpy(big + XLB_HC_EXPECT_WINDOW - 5, "+PONG", 5);
	assert_int_equal(xlb_hc_expect_check("+PONG", big, XLB_HC_EXPECT_WINDOW, false),
			 XLB_HC_R_OK);
	memset(big, 'x', sizeof(big));
	memcpy(big + XLB_HC_EXPECT_WINDOW - 2, "+PONG", 5);
	assert_int_equal(xlb_hc_expect_check("+PONG", big, sizeof(big), false),
			 XLB_HC_R_BAD_RESPONSE);
}

/* A child that reads what a connection sends, answers resp (if it got want) and closes. */
static pid_t text_server(int lfd, const char *want, const char *resp, const char *other)
{
	struct timeval tv = {.tv_usec = 20000};
	pid_t pid = fork();
	const char *r;
	char buf[256];
	ssize_t n;
	int c;

	assert_true(pid >= 0);
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		/* a client that sends nothing gets `other` after 20 ms, not a hang */
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recv(c, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = 0;
		r = strstr(buf, want) ? resp : other;
		if (write(c, r, strlen(r)) < 0)
			_exit(1);
		close(c);
	}
}

/*
 * A hung server (here: a listener nobody accepts from; a SIGSTOPped server
 * looks the same, the kernel completes the handshake from the backlog):
 * plain tcp stays up, tcp with send/expect goes down. A server that answers
 * right is up, one that answers otherwise or closes is a bad response.
 */
static void test_tcp_send_expect(void **state)
{
	__u16 p_hung, p_pong;
	int l_hung = listener(64, &p_hung), l_pong = listener(16, &p_pong), epfd;
	pid_t srv = text_server(l_pong, "PING\r\n", "+PONG\r\n", "-ERR unknown\r\n");
	struct xlb_addr lo = {.a = {htonl(INADDR_LOOPBACK)}};
	struct xlb_hc_check chk;
	struct xlb_hc *hc;
	struct {
		struct probe_case pc;
		const char *send, *expect;
	} cs[] = {
	    {{"hung: plain tcp", XLB_HC_TCP, p_hung, XLB_HC_R_OK, 0, true}, "", ""},
	    {{"hung: send only", XLB_HC_TCP, p_hung, XLB_HC_R_OK, 0, true}, "PING\r\n", ""},
	    {{"hung: send/expect", XLB_HC_TCP, p_hung, XLB_HC_R_TIMEOUT, 0, false},
	     "PING\r\n",
	     "+PONG"},
	    {{"pong: send/expect", XLB_HC_TCP, p_pong, XLB_HC_R_OK, 0, true}, "PING\r\n", "+PONG"},
	    {{"pong: wrong question", XLB_HC_TCP, p_pong, XLB_HC_R_BAD_RESPONSE, 0, false},
	     "HELLO\r\n",
	     "+PONG"},
	    {{"pong: expect only", XLB_HC_TCP, p_pong, XLB_HC_R_OK, 0, true}, "", "-ERR"},
	};
	struct probe_case pcs[sizeof(cs) / sizeof(cs[0])];
	size_t np = sizeof(cs) / sizeof(cs[0]), j;

	(void)state;
	epfd = epoll_create1(0);
	assert_int_equal(xlb_hc_new(epfd, count_cb, NULL, &hc), 0);
	xlb_hc_check_default(&chk);
	chk.interval_ms = 400;
	chk.timeout_ms = 250;
	chk.rise = 1;
	chk.fall = 2;
	for (j = 0; j < np; j++) {
		pcs[j] = cs[j].pc;
		strcpy(chk.send, cs[j].send);
		strcpy(chk.expect_str, cs[j].expect);
		assert_int_equal(
		    xlb_hc_add(hc, &chk, &lo, XLB_AF_INET, pcs[j].port, &pcs[j], &pcs[j].t), 0);
	}
	run_probes(hc, epfd, pcs, np);
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	check_probes(pcs, np);
	for (j = 0; j < np; j++)
		xlb_hc_del(hc, pcs[j].t);
	xlb_hc_free(hc);
	close(epfd);
	close(l_hung);
	close(l_pong);
}

/* ---- UDP and DNS ---- */

/* A bound UDP socket on 127.0.0.1 (port in *port). */
static int udp_socket(__u16 *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/*
 * A child answering every datagram on fd: mode 'e' echoes it, 'd' answers
 * it as a DNS query with RCODE rcode (QR set, same id), 'w' the same with
 * the id changed (an answer to some other query).
 */
static pid_t udp_server(int fd, char mode, int rcode)
{
	pid_t pid = fork();
	struct sockaddr_storage from;
	socklen_t fl;
	__u8 buf[600];
	ssize_t n;

	assert_true(pid >= 0);
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (mode != 'e' && n >= 12) {
			buf[2] |= 0x80; /* QR: a response */
			buf[3] = (buf[3] & 0xf0) | rcode;
			if (mode == 'w')
				buf[1] ^= 0x5a;
		}
		sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl);
	}
}

static void test_dns_codec(void **state)
{
	static const __u8 want[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 7,
				     'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1,
				     0, 1 };
	static const __u8 root[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1 };
	__u8 buf[600], ans[12] = { 0x12, 0x34, 0x81, 0x80 };
	int rcode, k;

	assert_int_equal(xlb_dns_query(0x1234, "a.example.com", buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(xlb_dns_query(0x1234, "a.example.com.", buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(xlb_dns_query(1, ".", buf, sizeof(buf)), sizeof(root));
	assert_memory_equal(buf, root, sizeof(root));
	assert_int_equal(xlb_dns_query(1, "a..b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(xlb_dns_query(1, "x", buf, 100), -EINVAL); /* buffer too short */
	assert_true(xlb_dns_name_ok("health.example.com"));
	assert_true(xlb_dns_name_ok("_dns._udp.example"));
	assert_false(xlb_dns_name_ok(""));
	assert_false(xlb_dns_name_ok(".example"));
	assert_false(xlb_dns_name_ok("a.."));
	assert_false(xlb_dns_name_ok("a..b"));
	assert_true(xlb_dns_name_ok("a."));
	assert_false(xlb_dns_name_ok("sp ace.example"));
	memset(buf, 'a', 64);
	buf[64] = 0;
	assert_false(xlb_dns_name_ok((char *)buf)); /* a 64-byte label */
	buf[63] = 0;
	assert_true(xlb_dns_name_ok((char *)buf));
	/* 253 characters are the limit; one final dot does not count */
	memset(buf, 0, sizeof(buf));
	for (k = 0; k < 253; k++)
		buf[k] = k % 50 == 49 ? '.' : 'b';
	assert_true(xlb_dns_name_ok((char *)buf));
	buf[253] = '.';
	assert_true(xlb_dns_name_ok((char *)buf));
	assert_int_equal(xlb_dns_query(7, (char *)buf, buf + 300, 300), 12 + 255 + 4);
	buf[253] = 'b';
	assert_false(xlb_dns_name_ok((char *)buf));
	assert_int_equal(xlb_dns_check(0x1234, ans, 12, &rcode), XLB_HC_R_OK); /* NOERROR */
	ans[3] = 0x83; /* NXDOMAIN: the server answers */
	assert_int_equal(xlb_dns_check(0x1234, ans, 12, &rcode), XLB_HC_R_OK);
	assert_int_equal(rcode, 3);
	ans[3] = 0x85; /* REFUSED */
	assert_int_equal(xlb_dns_check(0x1234, ans, 12, &rcode), XLB_HC_R_DNS_RCODE);
	assert_int_equal(rcode, 5);
	assert_int_equal(xlb_dns_check(0x1235, ans, 12, &rcode), XLB_HC_R_BAD_RESPONSE);
	assert_int_equal(xlb_dns_check(0x1234, ans, 11, &rcode), XLB_HC_R_BAD_RESPONSE);
	ans[2] = 0x01; /* a query, not a response */
	assert_int_equal(xlb_dns_check(0x1234, ans, 12, &rcode), XLB_HC_R_BAD_RESPONSE);
}

static void test_udp_dns_probes(void **state)
{
	__u16 p_echo, p_silent, p_closed, p_ok, p_fail, p_wrong;
	int f_echo = udp_socket(&p_echo), f_silent = udp_socket(&p_silent);
	int f_closed = udp_socket(&p_closed), f_ok = udp_socket(&p_ok);
	int f_fail = udp_socket(&p_fail), f_wrong = udp_socket(&p_wrong), epfd, k;
	pid_t kids[4];
	struct xlb_addr lo = { .a = { htonl(INADDR_LOOPBACK) } };
	struct xlb_hc_check chk;
	struct xlb_hc *hc;
	struct probe_case pcs[] = {
		{ "udp echo", XLB_HC_UDP, p_echo, XLB_HC_R_OK, 0, true },
		{ "udp silent, reply expected", XLB_HC_UDP, p_silent, XLB_HC_R_TIMEOUT, 0, false },
		{ "udp silent, no reply needed", XLB_HC_UDP, p_silent, XLB_HC_R_OK, 0, true },
		{ "udp closed port", XLB_HC_UDP, p_closed, XLB_HC_R_REFUSED, 0, false },
		{ "udp closed, no reply needed", XLB_HC_UDP, p_closed, XLB_HC_R_REFUSED, 0, false },
		{ "dns noerror", XLB_HC_DNS, p_ok, XLB_HC_R_OK, 0, true },
		{ "dns servfail", XLB_HC_DNS, p_fail, XLB_HC_R_DNS_RCODE, 2, false },
		{ "dns answer to another id", XLB_HC_DNS, p_wrong, XLB_HC_R_TIMEOUT, 0, false },
		{ "dns closed port", XLB_HC_DNS, p_closed, XLB_HC_R_REFUSED, 0, false },
	};
	size_t np = sizeof(pcs) / sizeof(pcs[0]), j;

	close(f_closed); /* nothing listens there: ICMP port unreachable */
	kids[0] = udp_server(f_echo, 'e', 0);
	kids[1] = udp_server(f_ok, 'd', 0);
	kids[2] = udp_server(f_fail, 'd', 2);
	kids[3] = udp_server(f_wrong, 'w', 0);
	epfd = epoll_create1(0);
	assert_int_equal(xlb_hc_new(epfd, count_cb, NULL, &hc), 0);
	xlb_hc_check_default(&chk);
	chk.interval_ms = 400;
	chk.timeout_ms = 250;
	chk.rise = 1;
	chk.fall = 2;
	strcpy(chk.payload, "ping\n");
	strcpy(chk.query, "health.example.com");
	for (j = 0; j < np; j++) {
		chk.type = pcs[j].type;
		chk.expect_reply = !strstr(pcs[j].name, "no reply needed");
		assert_int_equal(xlb_hc_add(hc, &chk, &lo, XLB_AF_INET, pcs[j].port, &pcs[j],
					    &pcs[j].t),
				 0);
	}
	run_probes(hc, epfd, pcs, np);
	for (k = 0; k < 4; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	check_probes(pcs, np);
	for (j = 0; j < np; j++)
		xlb_hc_del(hc, pcs[j].t);
	xlb_hc_free(hc);
	close(epfd);
	close(f_echo);
	close(f_silent);
	close(f_ok);
	close(f_fail);
	close(f_wrong);
}

/* IPv6: probes to [::1] report ok for an HTTP 200 server and refused for a closed port. */
static int listener6(int backlog, __u16 *port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sin6);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
	*port = ntohs(sin6.sin6_port);
	return fd;
}

static void test_real_probes_v6(void **state)
{
	__u16 p_200, p_closed;
	int l_200 = listener6(16, &p_200), l_closed = listener6(1, &p_closed), epfd, k, n;
	pid_t s200 = (close(l_closed), http_server(l_200, 200));
	struct xlb_addr lo6 = {};
	struct probe_case pcs[] = {
		{ "http 200 [::1]", XLB_HC_HTTP, p_200, XLB_HC_R_OK, 200, true },
		{ "closed port [::1]", XLB_HC_TCP, p_closed, XLB_HC_R_REFUSED, 0, false },
	};
	struct xlb_hc_check chk;
	struct xlb_hc *hc;
	long long deadline;
	size_t j;

	lo6.a[3] = htonl(1); /* ::1 */
	epfd = epoll_create1(0);
	assert_int_equal(xlb_hc_new(epfd, count_cb, NULL, &hc), 0);
	xlb_hc_check_default(&chk);
	chk.interval_ms = 200;
	chk.timeout_ms = 150;
	chk.rise = 1;
	chk.fall = 1;
	for (j = 0; j < 2; j++) {
		chk.type = pcs[j].type;
		assert_int_equal(xlb_hc_add(hc, &chk, &lo6, XLB_AF_INET6, pcs[j].port, &pcs[j],
					    &pcs[j].t),
				 0);
	}
	deadline = xlb_hc_now_ns() + 5000000000LL;
	while (xlb_hc_now_ns() < deadline && (pcs[0].probes < 2 || pcs[1].probes < 2)) {
		struct epoll_event evs[16];

		n = epoll_wait(epfd, evs, 16, 100);
		for (k = 0; k < n; k++)
			xlb_hc_event(hc, evs[k].data.u64, evs[k].events);
	}
	kill(s200, SIGKILL);
	waitpid(s200, NULL, 0);
	for (j = 0; j < 2; j++) {
		const struct xlb_hc_state *st = xlb_hc_target_state(pcs[j].t);

		if (pcs[j].probes < 2 || st->last != pcs[j].want || st->up != pcs[j].want_up)
			fail_msg("%s: %d probes, last %s, up %d", pcs[j].name, pcs[j].probes,
				 xlb_hc_result_name(st->last), st->up);
	}
	xlb_hc_free(hc);
	close(epfd);
	close(l_200);
}

/* Many targets: first probes spread over the interval, none fire in lockstep. */
static void test_spread(void **state)
{
	struct xlb_addr lo = { .a = { htonl(INADDR_LOOPBACK) } };
	struct probe_case pc = {};
	struct xlb_hc_check chk;
	struct xlb_hc_stats st;
	struct xlb_hc *hc;
	int epfd = epoll_create1(0), n, k;
	long long end;
	__u16 port;
	int l = listener(1024, &port);

	assert_int_equal(fcntl(l, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(xlb_hc_new(epfd, count_cb, NULL, &hc), 0);
	xlb_hc_check_default(&chk);
	chk.interval_ms = 200;
	chk.timeout_ms = 100;
	for (k = 0; k < 200; k++)
		assert_int_equal(xlb_hc_add(hc, &chk, &lo, XLB_AF_INET, port, &pc, NULL), 0);
	end = xlb_hc_now_ns() + 100000000LL; /* half an interval */
	while (xlb_hc_now_ns() < end) {
		struct epoll_event evs[64];

		n = epoll_wait(epfd, evs, 64, 10);
		for (k = 0; k < n; k++)
			xlb_hc_event(hc, evs[k].data.u64, evs[k].events);
		/* accept and drop what the probes opened */
		for (;;) {
			int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);

			if (c < 0)
				break;
			close(c);
		}
	}
	xlb_hc_get_stats(hc, &st);
	print_message("after half an interval: %llu of 200 probed\n", (unsigned long long)st.probes);
	assert_true(st.probes > 40 && st.probes < 160);
	xlb_hc_free(hc);
	close(epfd);
	close(l);
}

/*
 * Shared probes (#21): 50 targets with the same check, address and port are
 * probed once per interval and every one of them gets each result; a
 * different check is its own group; removing the prober hands the group on.
 */
static void sp_cb(void *ctx, struct xlb_hc_target *t, bool changed)
{
	int *n = xlb_hc_target_user(t);

	(void)ctx;
	(void)changed;
	(*n)++;
}

static void sp_run(struct xlb_hc *hc, int epfd, int l, long long ms)
{
	long long end = xlb_hc_now_ns() + ms * 1000000LL;
	int n, k;

	while (xlb_hc_now_ns() < end) {
		struct epoll_event evs[64];

		n = epoll_wait(epfd, evs, 64, 10);
		for (k = 0; k < n; k++)
			xlb_hc_event(hc, evs[k].data.u64, evs[k].events);
		for (;;) {
			int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);

			if (c < 0)
				break;
			close(c);
		}
	}
}

static void test_shared_probes(void **state)
{
	enum { N = 50 };
	struct xlb_addr lo = { .a = { htonl(INADDR_LOOPBACK) } };
	struct xlb_hc_target *t[N + 1];
	struct xlb_hc_check chk, other;
	struct xlb_hc_stats st;
	struct xlb_hc *hc;
	int epfd = epoll_create1(0), cnt[N + 1] = { 0 }, k;
	__u16 port;
	int l = listener(1024, &port);

	(void)state;
	assert_int_equal(fcntl(l, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(xlb_hc_new(epfd, sp_cb, NULL, &hc), 0);
	assert_int_equal(xlb_hc_share(hc, true), 0);
	xlb_hc_check_default(&chk);
	chk.interval_ms = 100;
	chk.timeout_ms = 50;
	other = chk;
	other.interval_ms = 120;
	for (k = 0; k < N; k++)
		assert_int_equal(xlb_hc_add(hc, &chk, &lo, XLB_AF_INET, port, &cnt[k], &t[k]), 0);
	assert_int_equal(xlb_hc_add(hc, &other, &lo, XLB_AF_INET, port, &cnt[N], &t[N]), 0);
	xlb_hc_get_stats(hc, &st);
	assert_int_equal(st.targets, N + 1);
	assert_int_equal(st.shared, N - 1);
	sp_run(hc, epfd, l, 550);
	xlb_hc_get_stats(hc, &st);
	print_message("550 ms, interval 100/120 ms: %llu probes for %d targets\n",
		      (unsigned long long)st.probes, N + 1);
	assert_true(st.probes >= 4 && st.probes <= 14); /* two probers, not 51 */
	for (k = 0; k <= N; k++) {
		if (cnt[k] < 3)
			fail_msg("target %d got %d results", k, cnt[k]);
		assert_true(xlb_hc_target_state(t[k])->up);
		assert_int_equal(xlb_hc_target_state(t[k])->last, XLB_HC_R_OK);
	}
	/* The prober leaves (the first target added): another one takes over. */
	xlb_hc_del(hc, t[0]);
	xlb_hc_get_stats(hc, &st);
	assert_int_equal(st.shared, N - 2);
	memset(cnt, 0, sizeof(cnt));
	sp_run(hc, epfd, l, 350);
	for (k = 1; k <= N; k++)
		if (cnt[k] < 2)
			fail_msg("after the handover, target %d got %d results", k, cnt[k]);
	/* A follower leaves: the others go on. */
	xlb_hc_del(hc, t[7]);
	xlb_hc_get_stats(hc, &st);
	assert_int_equal(st.shared, N - 3);
	xlb_hc_free(hc);
	close(epfd);
	close(l);
}

/* via vip (#21): what the steer hook saw, and what it answers. */
static struct {
	int calls, ret;
	__u8 proto;
	__u16 sport;
	void *user;
} via;

static int via_steer(void *ctx, struct xlb_hc_target *t, __u8 proto, __u16 sport)
{
	(void)ctx;
	via.calls++;
	via.proto = proto;
	via.sport = sport;
	via.user = xlb_hc_target_user(t);
	return via.ret;
}

/*
 * Checks with via vip probe their VIP (here 127.0.0.1), not the backend's
 * address (a black hole): each probe's socket is bound first and its
 * source port handed to the steer hook before it is sent. Without a hook,
 * or when the hook fails, the probe fails as "error". Different VIPs make
 * different checks (never shared).
 */
static void test_via_vip(void **state)
{
	struct xlb_addr be = {.a = {htonl(0x0affff01)}}; /* 10.255.255.1: never answers */
	struct xlb_hc_check chk, other;
	struct xlb_hc_target *t;
	struct xlb_hc *hc;
	int epfd = epoll_create1(0), cnt = 0;
	__u16 port;
	int l = listener(64, &port);

	(void)state;
	assert_int_equal(fcntl(l, F_SETFL, O_NONBLOCK), 0);
	xlb_hc_check_default(&chk);
	chk.interval_ms = 100;
	chk.timeout_ms = 50;
	chk.rise = chk.fall = 1;
	chk.via = XLB_HC_VIA_VIP;
	chk.via_family = XLB_AF_INET;
	chk.via_addr.a[0] = htonl(INADDR_LOOPBACK);
	other = chk;
	other.via_addr.a[0] = htonl(INADDR_LOOPBACK + 1);
	assert_false(xlb_hc_check_equal(&chk, &other));
	other = chk;
	other.via = XLB_HC_VIA_DIRECT;
	assert_false(xlb_hc_check_equal(&chk, &other));
	other = chk;
	other.via_fwd = 1; /* another forwarding mode: another path */
	assert_false(xlb_hc_check_equal(&chk, &other));

	/* no steer hook: nothing can prove the path */
	assert_int_equal(xlb_hc_new(epfd, sp_cb, NULL, &hc), 0);
	assert_int_equal(xlb_hc_add(hc, &chk, &be, XLB_AF_INET, port, &cnt, &t), 0);
	sp_run(hc, epfd, l, 250);
	assert_true(cnt >= 1);
	assert_int_equal(xlb_hc_target_state(t)->last, XLB_HC_R_ERROR);
	assert_false(xlb_hc_target_state(t)->up);
	xlb_hc_free(hc);
	if (geteuid() != 0) { /* SO_MARK needs CAP_NET_ADMIN */
		close(epfd);
		close(l);
		skip();
	}
	/* with a hook: the VIP answers, the hook saw the bound port first */
	assert_int_equal(xlb_hc_new(epfd, sp_cb, NULL, &hc), 0);
	xlb_hc_set_via(hc, 30828, via_steer);
	cnt = 0;
	assert_int_equal(xlb_hc_add(hc, &chk, &be, XLB_AF_INET, port, &cnt, &t), 0);
	sp_run(hc, epfd, l, 350);
	assert_true(cnt >= 2);
	/* every probe was steered first; the last may still be in flight (no result yet) */
	assert_true(via.calls == cnt || via.calls == cnt + 1);
	assert_int_equal(via.proto, IPPROTO_TCP);
	assert_true(via.sport != 0 && via.sport != port);
	assert_ptr_equal(via.user, &cnt);
	assert_int_equal(xlb_hc_target_state(t)->last, XLB_HC_R_OK);
	assert_true(xlb_hc_target_state(t)->up);
	/* the hook cannot steer (the backend is gone from the data path): error */
	via.ret = -ENOENT;
	sp_run(hc, epfd, l, 250);
	assert_int_equal(xlb_hc_target_state(t)->last, XLB_HC_R_ERROR);
	assert_false(xlb_hc_target_state(t)->up);
	xlb_hc_free(hc);
	close(epfd);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_machine),  cmocka_unit_test(test_state_details),
	    cmocka_unit_test(test_settings),	   cmocka_unit_test(test_real_probes),
	    cmocka_unit_test(test_real_probes_v6), cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_shared_probes),  cmocka_unit_test(test_via_vip),
	    cmocka_unit_test(test_dns_codec),	   cmocka_unit_test(test_udp_dns_probes),
	    cmocka_unit_test(test_expect_check),   cmocka_unit_test(test_tcp_send_expect),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
