// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * hc_check.c - what a health check is and how its answers are judged: the
 * settings' defaults, names and equality, DNS probe queries and answers
 * (RFC 1035), the expect match of TCP and HTTP bodies, result names, and the
 * rise/fall state machine. Pure functions, no sockets or clocks: the probe
 * engine that sends the probes and feeds the results in is health.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

/* ---- settings -------------------------------------------------------------- */

void xlb_hc_check_default(struct xlb_hc_check *c)
{
	memset(c, 0, sizeof(*c));
	c->type = XLB_HC_TCP;
	c->expect_lo = 200;
	c->expect_hi = 399;
	c->interval_ms = XLB_HC_DEFAULT_INTERVAL_MS;
	c->timeout_ms = XLB_HC_DEFAULT_TIMEOUT_MS;
	c->rise = XLB_HC_DEFAULT_RISE;
	c->fall = XLB_HC_DEFAULT_FALL;
	c->initial_up = true;
	strcpy(c->path, "/");
	c->expect_reply = true;
	strcpy(c->query, ".");
}

/* ---- DNS probes (RFC 1035 4.1) ---------------------------------------------- */

bool xlb_dns_name_ok(const char *name)
{
	size_t n = strlen(name), lab = 0, i;

	if (!strcmp(name, "."))
		return true;
	if (n && name[n - 1] == '.')
		n--; /* one final dot: the same name, fully qualified */
	if (!n || n > 253 || name[0] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = name[i];

		if (ch == '.') {
			if (!lab || i + 1 == n)
				return false; /* an empty label */
			lab = 0;
			continue;
		}
		if (!isalnum(ch) && ch != '-' && ch != '_')
			return false;
		if (++lab > 63)
			return false;
	}
	return true;
}

int xlb_dns_query(__u16 id, const char *name, __u8 *buf, size_t len)
{
	size_t off = 12, n;
	const char *p = name, *dot;

	if (!xlb_dns_name_ok(name) || len < 12 + 255 + 5)
		return -EINVAL;
	memset(buf, 0, 12);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = 0x01; /* RD */
	buf[5] = 1; /* QDCOUNT */
	while (strcmp(p, ".") && *p) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		buf[off++] = (__u8)n;
		memcpy(buf + off, p, n);
		off += n;
		if (!dot)
			break;
		p = dot + 1;
	}
	buf[off++] = 0; /* the root */
	buf[off++] = 0;
	buf[off++] = 1; /* QTYPE A */
	buf[off++] = 0;
	buf[off++] = 1; /* QCLASS IN */
	return (int)off;
}

enum xlb_hc_result xlb_dns_check(__u16 id, const __u8 *buf, size_t len, int *rcode)
{
	*rcode = 0;
	if (len < 12 || ((buf[0] << 8) | buf[1]) != id || !(buf[2] & 0x80))
		return XLB_HC_R_BAD_RESPONSE;
	*rcode = buf[3] & 0x0f;
	return *rcode == 0 || *rcode == 3 ? XLB_HC_R_OK : XLB_HC_R_DNS_RCODE;
}

static const char *const type_names[XLB_HC_TYPE_MAX] = {
	[XLB_HC_TCP] = "tcp", [XLB_HC_HTTP] = "http", [XLB_HC_NONE] = "none",
	[XLB_HC_UDP] = "udp", [XLB_HC_DNS] = "dns",
};

const char *xlb_hc_type_name(__u8 type)
{
	return type < XLB_HC_TYPE_MAX ? type_names[type] : "?";
}

int xlb_hc_type_parse(const char *s, __u8 *type)
{
	__u8 i;

	for (i = 0; s && i < XLB_HC_TYPE_MAX; i++) {
		if (!strcmp(s, type_names[i])) {
			*type = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool xlb_hc_check_equal(const struct xlb_hc_check *a, const struct xlb_hc_check *b)
{
	return a->type == b->type && a->port == b->port && a->expect_lo == b->expect_lo &&
	       a->expect_hi == b->expect_hi && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->rise == b->rise && a->fall == b->fall &&
	       a->jitter_ms == b->jitter_ms && a->initial_up == b->initial_up &&
	       !strcmp(a->path, b->path) && !strcmp(a->host, b->host) &&
	       !strcmp(a->payload, b->payload) && a->expect_reply == b->expect_reply &&
	       !strcmp(a->send, b->send) && !strcmp(a->expect_str, b->expect_str) &&
	       !strcmp(a->query, b->query) && a->via == b->via && a->via_family == b->via_family &&
	       a->via_fwd == b->via_fwd &&
	       !memcmp(&a->via_addr, &b->via_addr, sizeof(a->via_addr));
}

enum xlb_hc_result xlb_hc_expect_check(const char *expect, const char *buf, size_t len, bool closed)
{
	size_t n = strlen(expect);

	if (len > XLB_HC_EXPECT_WINDOW)
		len = XLB_HC_EXPECT_WINDOW;
	if (n <= len && memmem(buf, len, expect, n))
		return XLB_HC_R_OK;
	if (closed || len == XLB_HC_EXPECT_WINDOW)
		return XLB_HC_R_BAD_RESPONSE;
	return XLB_HC_R_NONE;
}

static const char *const result_names[XLB_HC_R_MAX] = {
	[XLB_HC_R_NONE] = "none",
	[XLB_HC_R_OK] = "ok",
	[XLB_HC_R_TIMEOUT] = "timeout",
	[XLB_HC_R_REFUSED] = "refused",
	[XLB_HC_R_RESET] = "reset",
	[XLB_HC_R_UNREACHABLE] = "unreachable",
	[XLB_HC_R_HTTP_STATUS] = "http",
	[XLB_HC_R_BAD_RESPONSE] = "bad-response",
	[XLB_HC_R_ERROR] = "error",
	[XLB_HC_R_DNS_RCODE] = "dns",
};

const char *xlb_hc_result_name(enum xlb_hc_result r)
{
	return (unsigned int)r < XLB_HC_R_MAX ? result_names[r] : "?";
}

const char *xlb_hc_result_str(enum xlb_hc_result r, int http_status, char *buf, size_t len)
{
	if (r == XLB_HC_R_DNS_RCODE)
		snprintf(buf, len, "dns rcode %d", http_status);
	else if (http_status && (r == XLB_HC_R_HTTP_STATUS || r == XLB_HC_R_OK))
		snprintf(buf, len, "%s%shttp %d", r == XLB_HC_R_OK ? "ok" : "",
			 r == XLB_HC_R_OK ? ", " : "", http_status);
	else
		snprintf(buf, len, "%s", xlb_hc_result_name(r));
	return buf;
}

/* ---- state machine ---------------------------------------------------------- */

void xlb_hc_state_init(struct xlb_hc_state *st, bool up, long long now_ms)
{
	memset(st, 0, sizeof(*st));
	st->up = up;
	st->since_ms = now_ms;
}

bool xlb_hc_state_record(struct xlb_hc_state *st, __u32 rise, __u32 fall, enum xlb_hc_result r,
			 int http_status, long long latency_us, long long now_ms)
{
	bool ok = r == XLB_HC_R_OK, changed = false;

	st->last = r;
	st->last_status = http_status;
	st->last_latency_us = latency_us;
	st->last_ms = now_ms;
	if (ok) {
		st->failures = 0;
		if (st->successes < 0xffffffffu)
			st->successes++;
		if (!st->up && st->successes >= (rise ? rise : 1))
			changed = true;
	} else {
		st->successes = 0;
		if (st->failures < 0xffffffffu)
			st->failures++;
		if (st->up && st->failures >= (fall ? fall : 1))
			changed = true;
	}
	if (changed) {
		st->up = !st->up;
		st->since_ms = now_ms;
		st->transitions++;
	}
	return changed;
}
