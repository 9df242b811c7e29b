// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agent - the agent-check reply parser and state; the protocol is in agent.h.
 */
#include <errno.h>
#include <string.h>

#include "agent.h"

void xlb_agent_state_init(struct xlb_agent_state *s)
{
	memset(s, 0, sizeof(*s));
	s->pct = 100;
	s->admin = XLB_AGENT_READY;
	s->op = XLB_AGENT_UP;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !strncmp(w, lit, n);
}

static int parse_pct(const char *w, size_t n, __u32 *pct)
{
	__u32 v = 0;
	size_t i;

	/* digits then '%': "0%" .. "100%"; up to 4 digits (clamped to 100). */
	if (n < 2 || n > 5 || w[n - 1] != '%')
		return -EINVAL;
	for (i = 0; i < n - 1; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -EINVAL;
		v = v * 10 + (__u32)(w[i] - '0');
	}
	*pct = v > 100 ? 100 : v;
	return 0;
}

static int parse_word(const char *w, size_t n, struct xlb_agent_reply *r)
{
	size_t i;

	if (w[n - 1] == '%') {
		if (parse_pct(w, n, &r->pct))
			return -EINVAL;
		r->has_pct = true;
	} else if (word_is(w, n, "up")) {
		r->op = XLB_AGENT_UP;
		r->reason[0] = 0;
	} else if (word_is(w, n, "down") || word_is(w, n, "failed") || word_is(w, n, "stopped")) {
		r->op = XLB_AGENT_DOWN;
	} else if (word_is(w, n, "ready")) {
		r->admin = XLB_AGENT_READY;
	} else if (word_is(w, n, "drain")) {
		r->admin = XLB_AGENT_DRAIN;
	} else if (word_is(w, n, "maint")) {
		r->admin = XLB_AGENT_MAINT;
	} else if (n > 8 && !strncmp(w, "maxconn:", 8)) {
		__u64 v = 0;

		for (i = 8; i < n; i++) {
			if (w[i] < '0' || w[i] > '9')
				return -EINVAL;
			v = v * 10 + (__u64)(w[i] - '0');
			if (v > XLB_AGENT_MAXCONN_MAX)
				return -EINVAL; /* more than a cap can say: an error, not a clamp */
		}
		r->maxconn = (__u32)v;
		r->has_maxconn = true;
	} else {
		return -EINVAL;
	}
	return 0;
}

int xlb_agent_parse(const char *buf, size_t len, struct xlb_agent_reply *r)
{
	size_t end = 0, i = 0, start, n;
	bool any = false;

	memset(r, 0, sizeof(*r));
	if (!buf)
		return -EINVAL;
	while (end < len && buf[end] != '\n')
		end++;
	if (end > 0 && buf[end - 1] == '\r')
		end--;
	if (end == 0 || end > XLB_AGENT_LINE_MAX)
		return -EINVAL;
	for (i = 0; i < end; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return -EINVAL; /* control characters (NUL included) */
		else if ((unsigned char)buf[i] >= 0x7f)
			return -EINVAL;
	i = 0;
	while (i < end) {
		while (i < end && is_sep(buf[i]))
			i++;
		if (i == end)
			break;
		if (buf[i] == '#') { /* a reason: the rest of the line */
			if (r->op != XLB_AGENT_DOWN)
				return -EINVAL;
			i++;
			while (i < end && buf[i] == ' ')
				i++;
			n = end - i;
			if (n >= XLB_AGENT_REASON_MAX)
				n = XLB_AGENT_REASON_MAX - 1;
			memcpy(r->reason, buf + i, n);
			r->reason[n] = 0;
			break;
		}
		start = i;
		while (i < end && !is_sep(buf[i]) && buf[i] != '#')
			i++;
		if (parse_word(buf + start, i - start, r))
			return -EINVAL;
		any = true;
	}
	return any ? 0 : -EINVAL;
}

void xlb_agent_apply(struct xlb_agent_state *s, const struct xlb_agent_reply *r)
{
	if (r->has_pct)
		s->pct = r->pct;
	if (r->has_maxconn)
		s->maxconn = r->maxconn;
	if (r->admin != XLB_AGENT_ADMIN_NONE)
		s->admin = r->admin;
	if (r->op != XLB_AGENT_OP_NONE) {
		s->op = r->op;
		memcpy(s->reason, r->reason, sizeof(s->reason));
	}
	s->error = false;
	s->err_down = false;
}

void xlb_agent_error(struct xlb_agent_state *s, bool errors_down)
{
	s->error = true;
	s->err_down = errors_down;
}

__u32 xlb_agent_weight(const struct xlb_agent_state *s, __u32 cfg_weight, bool *usable)
{
	__u64 w;

	*usable = s->op != XLB_AGENT_DOWN && !s->err_down && s->admin != XLB_AGENT_MAINT;
	if (!*usable || s->admin == XLB_AGENT_DRAIN || !cfg_weight || !s->pct)
		return 0;
	w = ((__u64)cfg_weight * s->pct + 50) / 100;
	return w ? (__u32)w : 1;
}

const char *xlb_agent_admin_name(__u8 a)
{
	switch (a) {
	case XLB_AGENT_READY:
		return "ready";
	case XLB_AGENT_DRAIN:
		return "drain";
	case XLB_AGENT_MAINT:
		return "maint";
	default:
		return "-";
	}
}

const char *xlb_agent_op_name(__u8 o)
{
	switch (o) {
	case XLB_AGENT_UP:
		return "up";
	case XLB_AGENT_DOWN:
		return "down";
	default:
		return "-";
	}
}

__u32 xlb_agent_max_flows(const struct xlb_agent_state *s, __u32 cfg_max)
{
	if (!s->maxconn)
		return cfg_max;
	return cfg_max && cfg_max < s->maxconn ? cfg_max : s->maxconn;
}
