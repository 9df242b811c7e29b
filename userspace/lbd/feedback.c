// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * feedback.c - closed-loop health glue (#21); see feedback.h.
 *
 * Passive ejection: every tick, for each service with outlier_detection,
 * each backend's new_flows and syn_retx counters (bpf/sched.h) feed its
 * window (lib/outlier.c). A backend whose window passes the threshold is
 * ejected if the service's budget allows: weight 0 in the next table (its
 * established flows stay: they are the client's to end). After the
 * ejection time, its next successful active probe brings it back (a check
 * of type none: the time alone), and it rejoins through slow start.
 *
 * Slow start: a backend that joins (its policy weight goes from 0 to more,
 * it is added after lbd started, or it returns from an ejection) ramps over
 * slow_start_s (lib/slowstart.c); the tick re-applies the service when the
 * step changes, so a ramp costs at most about eleven table rebuilds.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "addr.h"
#include "agent.h"
#include "dp.h"
#include "feedback.h"
#include "log.h"
#include "outlier.h"
#include "slowstart.h"

#define FB_BUCKETS 4096

struct fb_be {
	char svc[XLB_NAME_MAX];
	struct xlb_addr addr;
	__u8 family;
	bool seen; /* the policy weight below is known */
	bool ramping;
	bool dirty; /* its service needs a re-apply */
	__u64 tick; /* the last tick that walked it (the sweep frees the others) */
	__u32 policy_w;	 /* the policy's weight, before feedback */
	__u32 applied_w; /* after feedback, as last computed */
	long long join_ms;
	__u64 ej_flows, ej_retx; /* the window that caused the last ejection */
	struct xlb_outlier od;
	/* agent check: one attempt at a time, stepped by the tick (no epoll) */
	bool ag_init;
	struct xlb_agent_state ag;
	int ag_fd; /* -1: none in flight */
	bool ag_connected;
	long long ag_start_ms, ag_next_ms;
	char ag_buf[XLB_AGENT_LINE_MAX + 1];
	size_t ag_len;
	__u64 ag_replies, ag_errors;
	struct fb_be *next;
};

static struct {
	struct fb_be *b[FB_BUCKETS];
	int tfd;
	bool started; /* the first tick ran: backends seen later join (slow start) */
	bool any_dirty;
	__u64 ticks;
} fb = {.tfd = -1};

#define FB_SWEEP_TICKS 100 /* every 10 s: free the state of backends no longer configured */

static __u32 fb_hash(const char *svc, const struct xlb_addr *a, __u8 family)
{
	__u32 h = 2166136261u;
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)svc; *p; p++)
		h = (h ^ *p) * 16777619u;
	p = (const unsigned char *)a;
	for (i = 0; i < sizeof(*a); i++)
		h = (h ^ p[i]) * 16777619u;
	return ((h ^ family) * 16777619u) % FB_BUCKETS;
}

static struct fb_be *fb_find(const char *svc, const struct xlb_addr *a, __u8 family, bool create)
{
	__u32 h = fb_hash(svc, a, family);
	struct fb_be *e;

	for (e = fb.b[h]; e; e = e->next)
		if (e->family == family && !memcmp(&e->addr, a, sizeof(*a)) && !strcmp(e->svc, svc))
			return e;
	if (!create)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->svc, sizeof(e->svc), "%s", svc);
	e->ag_fd = -1;
	e->tick = fb.ticks;
	xlb_agent_state_init(&e->ag);
	e->addr = *a;
	e->family = family;
	e->next = fb.b[h];
	fb.b[h] = e;
	return e;
}

static void join(const struct xlb_cfg_service *cs, struct fb_be *e, long long now)
{
	char a[XLB_ADDR_STRLEN];

	e->join_ms = now;
	e->ramping = true;
	if (cs->slow_start_s)
		pr_info("slow start: service \"%s\": backend %s joins, ramp over %u s", cs->name,
			xlb_addr_str(&e->addr, e->family, a, sizeof(a)), cs->slow_start_s);
}

void lbd_feedback_adjust(struct lbd *l, const struct xlb_cfg_service *cs,
			 const struct xlb_cfg_backend *cb, __u32 *weight, bool *usable,
			 __u32 *max_flows)
{
	long long now = lbd_now_ms();
	struct fb_be *e;
	__u32 w = *weight;

	(void)l;
	if (!cs->outlier.enabled && !cs->slow_start_s && !cs->agent.port)
		return;
	e = fb_find(cs->name, &cb->addr, cb->family, true);
	if (!e)
		return;
	if (cs->agent.port) { /* the agent's word, bounded by the policy's weight */
		bool u;

		w = xlb_agent_weight(&e->ag, w, &u);
		if (!u)
			*usable = false;
		*max_flows = xlb_agent_max_flows(&e->ag, cb->max_flows);
	}
	if (!e->seen) {
		e->seen = true;
		/* at start every backend is already serving: no ramp; added later: ramp */
		if (fb.started && w > 0)
			join(cs, e, now);
	} else if (e->policy_w == 0 && w > 0) {
		join(cs, e, now); /* healthy again, undrained, enabled */
	}
	e->policy_w = w;
	if (e->od.ejected) {
		w = 0;
	} else if (e->ramping && cs->slow_start_s && w > 0) {
		__u64 el = (__u64)(now - e->join_ms);

		if (!xlb_slowstart_next_ms(el, cs->slow_start_s * 1000u))
			e->ramping = false;
		else
			w = xlb_slowstart_weight(w, el, cs->slow_start_s * 1000u);
	} else {
		e->ramping = false;
	}
	e->applied_w = w;
	*weight = w;
}

void lbd_feedback_probe(const char *service, const struct xlb_addr *addr, __u8 family, bool ok)
{
	struct fb_be *e = fb_find(service, addr, family, false);
	long long now = lbd_now_ms();

	if (!e || !e->od.ejected)
		return;
	if (xlb_outlier_probe(&e->od, (__u64)now, ok)) {
		e->join_ms = now;
		e->ramping = true;
		e->dirty = fb.any_dirty = true;
	}
}

/* What the window counted as bad, for logs and lbctl. */
static const char *od_reason(const struct xlb_cfg_service *cs)
{
	return cs->outlier.udp_pct ? "got no second packet" : "needed a retransmitted SYN";
}

static void eject(struct lbd *l, const struct xlb_cfg_service *cs, struct fb_be *e, long long now)
{
	char a[XLB_ADDR_STRLEN];
	__u64 flows = e->od.win_flows, retx = e->od.win_retx;
	__u32 t = xlb_outlier_eject(&cs->outlier, &e->od, (__u64)now);

	e->ej_flows = flows;
	e->ej_retx = retx;
	xlb_addr_str(&e->addr, e->family, a, sizeof(a));
	pr_warn("outlier: service \"%s\": backend %s ejected for %.1f s: %llu of %llu new flows "
		"%s in %u ms (threshold %u%%)",
		cs->name, a, t / 1000.0, (unsigned long long)retx, (unsigned long long)flows,
		od_reason(cs), cs->outlier.window_ms,
		cs->outlier.udp_pct ? cs->outlier.udp_pct : cs->outlier.ratio_pct);
	lbd_event(l, "outlier", cs->name, a,
		  "ejected for %.1f s: %llu/%llu new flows %s (ejection %llu)", t / 1000.0,
		  (unsigned long long)retx, (unsigned long long)flows, od_reason(cs),
		  (unsigned long long)e->od.total_ejections);
	e->dirty = true;
}

/* ---- agent check (lib/agent.h protocol) ---- */

static void agent_close(struct fb_be *e)
{
	if (e->ag_fd >= 0)
		close(e->ag_fd);
	e->ag_fd = -1;
	e->ag_connected = false;
	e->ag_len = 0;
}

/* The attempt ended: ok with the bytes read, or an error. true if the weight or state changed. */
static bool agent_done(struct lbd *l, const struct xlb_cfg_service *cs, struct fb_be *e, bool ok,
		       const char *why)
{
	struct xlb_agent_state old = e->ag;
	struct xlb_agent_reply r;
	char a[XLB_ADDR_STRLEN];
	bool uo, un;
	__u32 wo, wn;

	xlb_addr_str(&e->addr, e->family, a, sizeof(a));
	if (ok && xlb_agent_parse(e->ag_buf, e->ag_len, &r) == 0) {
		xlb_agent_apply(&e->ag, &r);
		e->ag_replies++;
	} else {
		if (ok)
			why = "bad reply";
		xlb_agent_error(&e->ag, cs->agent.errors_down);
		e->ag_errors++;
		if (!old.error)
			pr_info("agent: service \"%s\": backend %s: %s%s", cs->name, a, why,
				cs->agent.errors_down ? " (errors_down: counts as down)"
						      : " (ignored: state kept)");
	}
	e->ag_init = true;
	agent_close(e);
	wo = xlb_agent_weight(&old, 10000, &uo);
	wn = xlb_agent_weight(&e->ag, 10000, &un);
	if (wo == wn && uo == un && old.maxconn == e->ag.maxconn)
		return false;
	pr_info("agent: service \"%s\": backend %s: %s, %s, %u%%, maxconn %u%s%s", cs->name, a,
		xlb_agent_op_name(e->ag.op), xlb_agent_admin_name(e->ag.admin), e->ag.pct,
		e->ag.maxconn, e->ag.reason[0] ? " # " : "", e->ag.reason);
	lbd_event(l, "agent", cs->name, a, "%s, %s, %u%%, maxconn %u%s%s",
		  xlb_agent_op_name(e->ag.op), xlb_agent_admin_name(e->ag.admin), e->ag.pct,
		  e->ag.maxconn, e->ag.reason[0] ? " # " : "", e->ag.reason);
	return true;
}

/* Advance the agent check of e by one tick. true if its weight or state changed. */
static bool agent_step(struct lbd *l, const struct xlb_cfg_service *cs, struct fb_be *e,
		       long long now)
{
	struct sockaddr_storage ss = {};
	struct pollfd p;
	socklen_t sl;
	ssize_t n;
	int err = 0;

	if (e->ag_fd < 0) {
		if (now < e->ag_next_ms)
			return false;
		e->ag_next_ms = now + cs->agent.interval_ms;
		e->ag_start_ms = now;
		if (e->family == XLB_AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(cs->agent.port);
			memcpy(&s4->sin_addr, &e->addr.a[0], 4);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(cs->agent.port);
			memcpy(&s6->sin6_addr, e->addr.a, 16);
			sl = sizeof(*s6);
		}
		e->ag_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (e->ag_fd < 0)
			return agent_done(l, cs, e, false, strerror(errno));
		if (connect(e->ag_fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
			return agent_done(l, cs, e, false, strerror(errno));
		return false;
	}
	p.fd = e->ag_fd;
	p.events = e->ag_connected ? POLLIN : POLLOUT;
	p.revents = 0;
	if (poll(&p, 1, 0) > 0) {
		if (!e->ag_connected) {
			sl = sizeof(err);
			if (getsockopt(e->ag_fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err)
				return agent_done(l, cs, e, false, strerror(err ? err : errno));
			e->ag_connected = true;
			return false;
		}
		n = read(e->ag_fd, e->ag_buf + e->ag_len, XLB_AGENT_LINE_MAX - e->ag_len);
		if (n < 0 && errno != EAGAIN)
			return agent_done(l, cs, e, false, strerror(errno));
		if (n > 0)
			e->ag_len += (size_t)n;
		if (n == 0 || memchr(e->ag_buf, '\n', e->ag_len) || e->ag_len == XLB_AGENT_LINE_MAX)
			return agent_done(l, cs, e, true, NULL);
	}
	if (now - e->ag_start_ms >= cs->agent.timeout_ms)
		return agent_done(l, cs, e, false,
				  e->ag_connected ? "no reply" : "connect timeout");
	return false;
}

/* One service: sample, eject within the budget, expire, ramp. true if it needs a re-apply. */
static bool tick_service(struct lbd *l, const struct xlb_cfg_service *cs, long long now)
{
	const struct xlb_outlier_cfg *oc = &cs->outlier;
	struct fb_be **es = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*es));
	size_t i, n_ejected = 0, budget = xlb_outlier_budget(oc, cs->n_backends);
	bool dirty = false;

	if (!es)
		return false;
	for (i = 0; i < cs->n_backends; i++) {
		const struct xlb_cfg_backend *cb = &cs->backends[i];
		struct xlb_counters c;
		__u32 id;

		es[i] = fb_find(cs->name, &cb->addr, cb->family, true);
		if (!es[i])
			continue;
		es[i]->tick = fb.ticks;
		if (es[i]->od.ejected)
			n_ejected++;
		if (oc->enabled &&
		    !xlb_dp_backend_id(l->dp, &cs->key, &cb->addr, cb->family, &id) &&
		    !xlb_dp_backend_counters(l->dp, id, &c)) {
			if (oc->udp_pct) /* UDP: flows whose client never sent again */
				xlb_outlier_observe_udp(oc, &es[i]->od, (__u64)now, c.new_flows,
							c.udp_seen2);
			else
				xlb_outlier_observe(oc, &es[i]->od, (__u64)now, c.new_flows,
						    c.syn_retx);
		}
	}
	for (i = 0; i < cs->n_backends; i++) {
		struct fb_be *e = es[i];

		if (!e)
			continue;
		if (!oc->enabled && e->od.ejected) { /* turned off: back at once */
			e->od.ejected = false;
			e->dirty = true;
		}
		if (oc->enabled && n_ejected < budget && xlb_outlier_wants_eject(oc, &e->od)) {
			eject(l, cs, e, now);
			n_ejected++;
		}
		/* a check that never probes: the time alone ends the ejection */
		if (e->od.ejected && cs->hc.type == XLB_HC_NONE)
			lbd_feedback_probe(cs->name, &e->addr, e->family, true);
		if (e->ramping && cs->slow_start_s) {
			__u64 el = (__u64)(now - e->join_ms);
			__u32 w = e->policy_w;

			if (xlb_slowstart_next_ms(el, cs->slow_start_s * 1000u))
				w = xlb_slowstart_weight(w, el, cs->slow_start_s * 1000u);
			if (w != e->applied_w)
				e->dirty = true;
		}
		if (cs->agent.port && agent_step(l, cs, e, now))
			e->dirty = true;
		if (e->dirty) {
			dirty = true;
			e->dirty = false;
		}
	}
	free(es);
	return dirty;
}

/*
 * Free the state of backends whose service no longer has them (or no longer
 * uses any feedback feature): the last tick walked every configured one.
 */
static void sweep(void)
{
	struct fb_be **pp, *e;
	size_t i;

	for (i = 0; i < FB_BUCKETS; i++)
		for (pp = &fb.b[i]; (e = *pp);) {
			if (e->tick == fb.ticks) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			agent_close(e);
			free(e);
		}
}

void lbd_feedback_event(struct lbd *l)
{
	long long now = lbd_now_ms();
	__u64 ticks;
	size_t i;
	int err;

	if (read(fb.tfd, &ticks, sizeof(ticks)) < 0)
		return;
	fb.any_dirty = false;
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];

		if (!cs->outlier.enabled && !cs->slow_start_s && !cs->agent.port)
			continue;
		if (!tick_service(l, cs, now))
			continue;
		err = lbd_apply_service(l, cs, NULL);
		if (err)
			pr_warn("feedback: service \"%s\": applying weights: %s", cs->name,
				strerror(-err));
	}
	fb.started = true;
	if (fb.ticks % FB_SWEEP_TICKS == FB_SWEEP_TICKS - 1)
		sweep(); /* after the walk above stamped every configured backend */
	fb.ticks++;
}

int lbd_feedback_init(struct lbd *l, int epfd)
{
	struct itimerspec its = {.it_interval = {0, LBD_FEEDBACK_TICK_MS * 1000000L},
				 .it_value = {0, LBD_FEEDBACK_TICK_MS * 1000000L}};
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LBD_FEEDBACK_EV_TAG};
	int err;

	(void)l;
	fb.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fb.tfd < 0 || timerfd_settime(fb.tfd, 0, &its, NULL) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, fb.tfd, &ev)) {
		err = -errno;
		pr_err("feedback: timer: %s", strerror(-err));
		if (fb.tfd >= 0)
			close(fb.tfd);
		fb.tfd = -1;
		return err;
	}
	return 0;
}

void lbd_feedback_free(void)
{
	struct fb_be *e, *n;
	size_t i;

	for (i = 0; i < FB_BUCKETS; i++) {
		for (e = fb.b[i]; e; e = n) {
			n = e->next;
			agent_close(e);
			free(e);
		}
		fb.b[i] = NULL;
	}
	if (fb.tfd >= 0)
		close(fb.tfd);
	fb.tfd = -1;
}

static __u32 cap_now(const struct xlb_cfg_service *cs, const struct xlb_cfg_backend *cb,
		     const struct fb_be *e)
{
	return cs->agent.port && e ? xlb_agent_max_flows(&e->ag, cb->max_flows) : cb->max_flows;
}

json_t *lbd_feedback_json(struct lbd *l, const struct xlb_cfg_service *cs,
			  const struct xlb_cfg_backend *cb)
{
	struct fb_be *e = fb_find(cs->name, &cb->addr, cb->family, false);
	long long now = lbd_now_ms();
	json_t *o = json_object();
	struct xlb_cap cap;
	__s64 open;
	__u32 id;

	if (!o)
		return NULL;
	if (e && e->seen)
		json_object_set_new(o, "effective_weight", json_integer(e->applied_w));
	if (e && cs->outlier.enabled) {
		json_object_set_new(o, "ejected", json_boolean(e->od.ejected));
		json_object_set_new(o, "ejections_total",
				    json_integer((json_int_t)e->od.total_ejections));
		json_object_set_new(o, "window_flows", json_integer((json_int_t)e->od.win_flows));
		json_object_set_new(o, "window_syn_retx", json_integer((json_int_t)e->od.win_retx));
		if (e->od.ejected) {
			json_object_set_new(
			    o, "ejected_s_ago",
			    json_real((now - (long long)e->od.ejected_ms) / 1000.0));
			json_object_set_new(
			    o, "back_after_s",
			    json_real((long long)e->od.until_ms > now
					  ? ((long long)e->od.until_ms - now) / 1000.0
					  : 0.0));
			json_object_set_new(o, "reason",
					    json_string(cs->outlier.udp_pct ? "unanswered UDP flows"
									    : "retransmitted SYNs"));
			json_object_set_new(o, "ejected_flows",
					    json_integer((json_int_t)e->ej_flows));
			json_object_set_new(o, "ejected_syn_retx",
					    json_integer((json_int_t)e->ej_retx));
		}
	}
	if (e && e->ramping && cs->slow_start_s) {
		json_object_set_new(o, "slow_start_weight", json_integer(e->applied_w));
		json_object_set_new(o, "slow_start_s_left",
				    json_real(cs->slow_start_s - (now - e->join_ms) / 1000.0));
	}
	if (e && cs->agent.port) {
		json_t *ag = json_pack(
		    "{s:s, s:s, s:i, s:I, s:b, s:I, s:I}", "state", xlb_agent_op_name(e->ag.op),
		    "admin", xlb_agent_admin_name(e->ag.admin), "pct", (int)e->ag.pct, "maxconn",
		    (json_int_t)e->ag.maxconn, "error", e->ag.error, "replies",
		    (json_int_t)e->ag_replies, "errors", (json_int_t)e->ag_errors);

		if (ag && e->ag.reason[0])
			json_object_set_new(ag, "reason", json_string(e->ag.reason));
		if (ag)
			json_object_set_new(o, "agent", ag);
	}
	/* the cap in force: configured, or the agent's maxconn (bounded by it) */
	if (cap_now(cs, cb, e) && !xlb_dp_backend_id(l->dp, &cs->key, &cb->addr, cb->family, &id) &&
	    !xlb_dp_backend_cap(l->dp, id, &cap, &open)) {
		json_object_set_new(o, "max_flows", json_integer(cap.max_flows));
		json_object_set_new(o, "open_flows", json_integer(open));
		json_object_set_new(o, "turned_away", json_integer((json_int_t)cap.turned_away));
	}
	if (!json_object_size(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}
