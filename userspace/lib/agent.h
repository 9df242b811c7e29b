/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * agent - backend feedback through an agent check, HAProxy's agent-check
 * protocol: lbd connects to a TCP port of the backend and reads one line of
 * ASCII words separated by spaces, tabs or commas:
 *   "75%"           effective weight: 75% of the configured weight (0..100;
 *                   more is clamped to 100: the configured weight bounds it)
 *   "up"            operational state up ("down", "failed", "stopped": down;
 *                   "down#text" / "down #text": the text after '#' is the reason)
 *   "ready"         administrative state ready (undrained, out of maintenance)
 *   "drain"         no new flows, established ones stay (weight 0, usable)
 *   "maint"         no flows at all (not usable)
 *   "maxconn:N"     the backend's open-flow cap: N flows at most (bounded by
 *                   the configured max_flows, xlb_agent_max_flows); "maxconn:0"
 *                   withdraws the agent's cap (the configured one applies)
 * e.g. "up 75%", "drain,up", "down#disk full". The words of one reply apply
 * in order; a reply leaves what it does not mention as it was. Anything else
 * (an unknown word, a bad percentage, control characters, an empty or overlong
 * line) is an agent error: the whole reply is ignored. Pure code,
 * unit-tested in tests/unit/test_agent.c.
 */
#ifndef XLB_AGENT_H
#define XLB_AGENT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define XLB_AGENT_LINE_MAX   512 /* bytes read before the end of line */
#define XLB_AGENT_REASON_MAX 64
#define XLB_AGENT_MAXCONN_MAX 0x7fffffffu /* as config max_flows */

enum xlb_agent_admin {
	XLB_AGENT_ADMIN_NONE = 0, /* not mentioned */
	XLB_AGENT_READY,
	XLB_AGENT_DRAIN,
	XLB_AGENT_MAINT,
};

enum xlb_agent_op {
	XLB_AGENT_OP_NONE = 0,
	XLB_AGENT_UP,
	XLB_AGENT_DOWN,
};

/* One parsed reply: what it mentions. */
struct xlb_agent_reply {
	bool has_pct;
	__u32 pct;			   /* 0..100 */
	bool has_maxconn;
	__u32 maxconn;			   /* 0..XLB_AGENT_MAXCONN_MAX; 0 = no cap of the agent's */
	__u8 admin;			   /* enum xlb_agent_admin */
	__u8 op;			   /* enum xlb_agent_op */
	char reason[XLB_AGENT_REASON_MAX]; /* after '#' of down; "" */
};

/* What the agent has said so far about a backend (start: xlb_agent_state_init). */
struct xlb_agent_state {
	__u32 pct;     /* 100 */
	__u32 maxconn; /* 0: the agent sets no cap */
	__u8 admin;    /* READY */
	__u8 op;       /* UP */
	bool error;    /* the last attempt failed (connect, timeout, parse) */
	bool err_down; /* ... and errors_down is set: counts as down until a good reply */
	char reason[XLB_AGENT_REASON_MAX];
};

/* Per-service settings (config agent_check:); port 0 = no agent check. */
struct xlb_agent_cfg {
	__u16 port;
	__u8 errors_down; /* bool: an agent error counts as down */
	__u8 _pad;
	__u32 interval_ms; /* default 2000 */
	__u32 timeout_ms;  /* default 1000; < interval_ms */
};

void xlb_agent_state_init(struct xlb_agent_state *s);

/*
 * Parse the bytes buf[0..len-1] received from an agent: one line, ended by
 * "\n", "\r\n" or the end of the data (the agent closed). 0, or -EINVAL.
 */
int xlb_agent_parse(const char *buf, size_t len, struct xlb_agent_reply *r);

/* Merge a parsed reply into the state (clears error). */
void xlb_agent_apply(struct xlb_agent_state *s, const struct xlb_agent_reply *r);

/*
 * An agent error (no connection, timeout, bad reply). By default nothing
 * changes but the error flag: an agent's failure never takes a healthy
 * backend down; errors_down (config agent_check.errors_down) makes it
 * count as "down".
 */
void xlb_agent_error(struct xlb_agent_state *s, bool errors_down);

/*
 * The backend's effective weight under the agent: configured weight *
 * pct / 100 rounded (at least 1 if both are > 0), 0 while draining, in
 * maintenance or down. *usable: may it keep established flows (false in
 * maintenance or down).
 */
__u32 xlb_agent_weight(const struct xlb_agent_state *s, __u32 cfg_weight, bool *usable);

/*
 * The backend's effective open-flow cap (0 = none): the agent's maxconn,
 * bounded by the configured max_flows cfg_max when that is set; cfg_max
 * alone when the agent said no maxconn (or maxconn:0).
 */
__u32 xlb_agent_max_flows(const struct xlb_agent_state *s, __u32 cfg_max);

/* "ready", "drain", "maint"; "up", "down". */
const char *xlb_agent_admin_name(__u8 a);
const char *xlb_agent_op_name(__u8 o);

#endif
