// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * hc.c - lbd's health checking and active sets: one probe target per
 * (service, backend), probe results feed the state machine (lib/health.c);
 * a state change recomputes that service's active set (lib/policy.c) and
 * applies it to the data path at once, from the same event loop iteration.
 *
 * Runtime state lives here, keyed by service name and backend address, so
 * that it survives reloads and lbctl changes: a backend that stays, with the
 * same check settings, keeps its state and its probe schedule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "addr.h"
#include "feedback.h" /* #21 */
#include "lbd.h"
#include "log.h"
#include "probe.h"

struct hbe {
	struct xlb_addr addr;
	__u8 family;
	struct hsvc *svc;
	struct xlb_hc_target *t; /* NULL for type none */
	struct xlb_hc_state none_st; /* state when t is NULL: always up */
	struct xlb_pol_out out; /* last computed */
};

/* Upper bounds (seconds) of the probe duration histogram per service; one more bucket: +Inf. */
static const double lat_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				     0.05,   0.1,   0.25,   0.5,   1,    2.5 };
#define N_LAT (sizeof(lat_bounds) / sizeof(lat_bounds[0]) + 1)

struct hsvc {
	char name[XLB_NAME_MAX];
	struct xlb_hc_check chk;
	__u16 port; /* probe port */
	struct hbe **be; /* sorted by (family, addr) */
	size_t n;
	enum xlb_pol_mode mode;
	bool computed;
	__u64 recomputes, apply_errors;
	long long last_apply_us;
	__u64 lat[N_LAT]; /* finished probes by duration (not cumulative) */
	double lat_sum_s;
};

struct lbd_health {
	struct xlb_hc *hc;
	struct hsvc *svcs;
	size_t n;
	__u64 changes; /* backend state changes applied */
	long long apply_max_us; /* slowest result -> data path */
};

static int cmp_be(const void *x, const void *y)
{
	const struct hbe *a = *(struct hbe *const *)x, *b = *(struct hbe *const *)y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static struct hsvc *find_hsvc(struct lbd_health *h, const char *name)
{
	size_t i;

	for (i = 0; h && i < h->n; i++)
		if (!strcmp(h->svcs[i].name, name))
			return &h->svcs[i];
	return NULL;
}

static struct hbe *find_hbe(struct hsvc *s, const struct xlb_addr *a, __u8 family)
{
	struct hbe key = { .addr = *a, .family = family }, *kp = &key, **r;

	if (!s || !s->n)
		return NULL;
	r = bsearch(&kp, s->be, s->n, sizeof(*s->be), cmp_be);
	return r ? *r : NULL;
}

static const struct xlb_hc_state *hbe_state(const struct hbe *b)
{
	return b->t ? xlb_hc_target_state(b->t) : &b->none_st;
}

static __u16 probe_port(const struct xlb_cfg_service *cs)
{
	return cs->hc.port ? cs->hc.port : ntohs(cs->key.port);
}

/* cs's check as probed: via vip (#21), the probes go to the service's VIP. */
static struct xlb_hc_check svc_check(const struct xlb_cfg_service *cs)
{
	struct xlb_hc_check c = cs->hc;

	if (c.via == XLB_HC_VIA_VIP) {
		c.via_addr = cs->key.addr;
		c.via_family = cs->key.family;
		c.via_fwd = cs->fwd; /* an ipip probe is not a dsr-l2 one */
	}
	return c;
}

static int active_set(struct lbd *l, const char *node_zone, const struct xlb_cfg_service *cs,
		      struct xlb_dp_be_active *act, enum xlb_pol_mode *mode)
{
	struct hsvc *hs = find_hsvc(l->health, cs->name);
	struct xlb_pol_backend *pb;
	struct xlb_pol_out *out;
	struct xlb_hc_check chk = svc_check(cs);
	bool same_check = hs && xlb_hc_check_equal(&hs->chk, &chk) && hs->port == probe_port(cs);
	size_t i, n = cs->n_backends;
	int err;

	pb = calloc(n ? n : 1, sizeof(*pb));
	out = calloc(n ? n : 1, sizeof(*out));
	if (!pb || !out) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct xlb_cfg_backend *cb = &cs->backends[i];
		struct hbe *b = same_check ? find_hbe(hs, &cb->addr, cb->family) : NULL;

		pb[i].weight = cb->weight;
		pb[i].zone = cb->zone;
		pb[i].backup = cb->backup;
		/* draining: no new flows; once drain_timeout passed, no flows at all (drain.c) */
		pb[i].drain = cb->drain;
		pb[i].disabled = cb->drain && lbd_drain_expired(cs, cb, lbd_realtime_ms());
		/* not probed yet: as saved by the last run (hsave.c), else the initial state */
		if (b)
			pb[i].up = hbe_state(b)->up;
		else if (!lbd_hsave_seed(l, cs, cb, &pb[i].up))
			pb[i].up = cs->hc.type == XLB_HC_NONE || cs->hc.initial_up;
	}
	err = xlb_policy_compute(&cs->pol, node_zone, pb, n, out, mode);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		/* #21: agent, ejection, ramp */
		lbd_feedback_adjust(l, cs, &cs->backends[i], &out[i].weight, &out[i].usable,
				    &act[i].max_flows);
		act[i].weight = out[i].weight;
		act[i].usable = out[i].usable;
	}
out:
	free(pb);
	free(out);
	return err;
}

/* {"le": [bounds..., null], "count": [per bucket, cumulative], "sum_s": S}: Prometheus' shape */
static json_t *lat_json(const struct hsvc *s)
{
	json_t *le = json_array(), *cnt = json_array();
	__u64 c = 0;
	size_t k;

	for (k = 0; k < N_LAT; k++) {
		c += s->lat[k];
		json_array_append_new(le, k < N_LAT - 1 ? json_real(lat_bounds[k]) : json_null());
		json_array_append_new(cnt, json_integer((json_int_t)c));
	}
	return json_pack("{s:o, s:o, s:f}", "le", le, "count", cnt, "sum_s", s->lat_sum_s);
}

int lbd_active_set(struct lbd *l, const struct xlb_cfg_service *cs, struct xlb_dp_be_active *act,
		   enum xlb_pol_mode *mode)
{
	return active_set(l, l->cfg.node_zone, cs, act, mode);
}

static int apply_one(struct lbd *l, const struct xlb_cfg_service *cs, struct xlb_dp_diff *diff,
		     enum xlb_pol_mode *mode)
{
	struct xlb_dp_be_active *act = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*act));
	int err;

	if (!act)
		return -ENOMEM;
	err = lbd_active_set(l, cs, act, mode);
	if (!err)
		err = xlb_dp_apply_service_active(l->dp, cs, act, diff);
	free(act);
	lbd_bgp_mark(l); /* the announced VIPs follow the active sets */
	return err;
}

int lbd_apply_service(struct lbd *l, const struct xlb_cfg_service *cs, struct xlb_dp_diff *diff)
{
	enum xlb_pol_mode mode;

	return apply_one(l, cs, diff, &mode);
}

int lbd_apply_config(struct lbd *l, const struct xlb_config *cfg, struct xlb_dp_diff *diff)
{
	struct xlb_dp_be_active **act = calloc(cfg->n_services + 1, sizeof(*act));
	enum xlb_pol_mode mode;
	size_t i;
	int err = 0;

	if (!act)
		return -ENOMEM;
	for (i = 0; i < cfg->n_services && !err; i++) {
		const struct xlb_cfg_service *cs = &cfg->services[i];

		act[i] = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(**act));
		/* the node zone of the config being applied */
		err = act[i] ? active_set(l, cfg->node_zone, cs, act[i], &mode) : -ENOMEM;
	}
	if (!err)
		err = xlb_dp_apply_active(l->dp, cfg, (const struct xlb_dp_be_active *const *)act,
					  diff);
	for (i = 0; i < cfg->n_services; i++)
		free(act[i]);
	free(act);
	lbd_bgp_mark(l);
	return err;
}

static const struct xlb_cfg_service *cfg_service(struct lbd *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->cfg.n_services; i++)
		if (!strcmp(l->cfg.services[i].name, name))
			return &l->cfg.services[i];
	return NULL;
}

/* Refresh hs->mode and each backend's out from the current state. */
static void recompute_view(struct lbd *l, struct hsvc *hs, const struct xlb_cfg_service *cs)
{
	struct xlb_dp_be_active *act = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*act));
	size_t i;

	if (!act)
		return;
	if (!lbd_active_set(l, cs, act, &hs->mode)) {
		for (i = 0; i < cs->n_backends; i++) {
			struct hbe *b = find_hbe(hs, &cs->backends[i].addr, cs->backends[i].family);

			if (b) {
				b->out.weight = act[i].weight;
				b->out.usable = act[i].usable;
			}
		}
		hs->computed = true;
	}
	free(act);
}

static void on_probe(void *ctx, struct xlb_hc_target *t, bool changed)
{
	struct lbd *l = ctx;
	struct lbd_health *h = l->health;
	struct hbe *b = xlb_hc_target_user(t);
	struct hsvc *hs = b->svc;
	const struct xlb_hc_state *st = xlb_hc_target_state(t);
	const struct xlb_cfg_service *cs;
	enum xlb_pol_mode old_mode = hs->mode;
	char a[XLB_ADDR_STRLEN], res[48];
	long long t0, us, total_us, swap_ns;
	size_t i, n_new = 0;
	int err;

	xlb_addr_str(&b->addr, b->family, a, sizeof(a));
	xlb_hc_result_str(st->last, st->last_status, res, sizeof(res));
	lbd_feedback_probe(hs->name, &b->addr, b->family, st->last == XLB_HC_R_OK); /* #21 */
	{
		double d = st->last_latency_us / 1e6;
		size_t k = 0;

		while (k < N_LAT - 1 && d > lat_bounds[k])
			k++;
		hs->lat[k]++;
		hs->lat_sum_s += d;
	}
	if (!changed) {
		if (st->last != XLB_HC_R_OK)
			pr_debug("health: service \"%s\": backend %s: probe failed (%s), %u/%u",
				 hs->name, a, res, st->failures, hs->chk.fall);
		return;
	}
	cs = cfg_service(l, hs->name);
	if (!cs)
		return;
	lbd_hsave_dirty(l);
	t0 = xlb_hc_target_result_ns(t);
	err = apply_one(l, cs, NULL, &hs->mode);
	total_us = (xlb_hc_now_ns() - t0) / 1000;
	/*
	 * In effect for new packets from the table swap on (when the apply
	 * swapped a table); the swap syscall then blocks for an RCU grace
	 * period that does not delay the data path.
	 */
	swap_ns = xlb_dp_last_swap_ns(l->dp);
	us = swap_ns >= t0 ? (swap_ns - t0) / 1000 : total_us;
	hs->recomputes++;
	hs->last_apply_us = us;
	h->changes++;
	if (us > h->apply_max_us)
		h->apply_max_us = us;
	if (err) {
		hs->apply_errors++;
		pr_warn("health: service \"%s\": backend %s is %s (%s) but applying the active set "
			"failed: %s", hs->name, a, st->up ? "UP" : "DOWN", res, strerror(-err));
		return;
	}
	recompute_view(l, hs, cs);
	for (i = 0; i < hs->n; i++)
		n_new += hs->be[i]->out.weight > 0;
	pr_info("health: service \"%s\": backend %s %s (%s, %u consecutive %s); mode %s, "
		"%zu/%zu backends take new flows; in effect %.3f ms after the probe result "
		"(apply returned after %.3f ms)",
		hs->name, a, st->up ? "UP" : "DOWN", res, st->up ? st->successes : st->failures,
		st->up ? "successes" : "failures", xlb_pol_mode_name(hs->mode), n_new, hs->n,
		us / 1000.0, total_us / 1000.0);
	lbd_event(l, "health", hs->name, a, "%s (%s); mode %s, %zu/%zu backends take new flows",
		  st->up ? "up" : "down", res, xlb_pol_mode_name(hs->mode), n_new, hs->n);
	if (old_mode != hs->mode)
		pr_info("health: service \"%s\": mode %s -> %s", hs->name,
			xlb_pol_mode_name(old_mode), xlb_pol_mode_name(hs->mode));
}

static void free_hsvc(struct lbd_health *h, struct hsvc *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->be[i]->t)
			xlb_hc_del(h->hc, s->be[i]->t);
		free(s->be[i]);
	}
	free(s->be);
	s->be = NULL;
	s->n = 0;
}

int lbd_health_sync(struct lbd *l)
{
	struct lbd_health *h = l->health;
	struct hsvc *ns;
	size_t i, j, k;
	int err = 0;

	if (!h)
		return 0;
	ns = calloc(l->cfg.n_services + 1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];
		struct hsvc *old = find_hsvc(h, cs->name), *s = &ns[i];
		struct xlb_hc_check chk = svc_check(cs);
		bool keep = old && xlb_hc_check_equal(&old->chk, &chk) &&
			    old->port == probe_port(cs);

		snprintf(s->name, sizeof(s->name), "%s", cs->name);
		s->chk = chk;
		if (!keep)
			lbd_probe_check(l, cs); /* #21 */
		s->port = probe_port(cs);
		s->be = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*s->be));
		if (!s->be) {
			err = -ENOMEM;
			break;
		}
		if (old) {
			s->mode = old->mode;
			s->recomputes = old->recomputes;
			s->apply_errors = old->apply_errors;
			memcpy(s->lat, old->lat, sizeof(s->lat));
			s->lat_sum_s = old->lat_sum_s;
		}
		for (j = 0; j < cs->n_backends; j++) {
			const struct xlb_cfg_backend *cb = &cs->backends[j];
			struct hbe *b = keep ? find_hbe(old, &cb->addr, cb->family) : NULL;

			if (!b) { /* else: moved over, state and schedule survive */
				b = calloc(1, sizeof(*b));
				if (!b) {
					err = -ENOMEM;
					break;
				}
				b->addr = cb->addr;
				b->family = cb->family;
				xlb_hc_state_init(&b->none_st, true, lbd_now_ms());
				if (cs->hc.type != XLB_HC_NONE) {
					bool up;

					err = xlb_hc_add(h->hc, &chk, &cb->addr, cb->family,
							 s->port, b, &b->t);
					if (!err && lbd_hsave_seed(l, cs, cb, &up))
						xlb_hc_target_seed(b->t, up);
					if (err) {
						char a[XLB_ADDR_STRLEN];

						pr_warn("health: service \"%s\": backend %s: starting "
							"its health check: %s", cs->name,
							xlb_addr_str(&cb->addr, cb->family, a,
								     sizeof(a)),
							strerror(-err));
						free(b);
						break;
					}
				}
			}
			b->svc = s;
			s->be[s->n++] = b;
		}
		if (err)
			break;
		qsort(s->be, s->n, sizeof(*s->be), cmp_be);
	}
	/* entries still pointing at their old service are gone */
	for (i = 0; i < h->n; i++) {
		struct hsvc *old = &h->svcs[i];

		for (k = 0; k < old->n; k++) {
			if (old->be[k]->svc != old)
				continue;
			if (old->be[k]->t)
				xlb_hc_del(h->hc, old->be[k]->t);
			free(old->be[k]);
		}
		free(old->be);
	}
	free(h->svcs);
	h->svcs = ns;
	h->n = l->cfg.n_services;
	if (err) /* a partial service i: the rest are empty */
		h->n = i + 1 <= l->cfg.n_services ? i + 1 : l->cfg.n_services;
	for (i = 0; i < h->n; i++) {
		for (j = 0; j < ns[i].n; j++)
			ns[i].be[j]->svc = &ns[i];
		recompute_view(l, &ns[i], &l->cfg.services[i]);
	}
	lbd_hsave_dirty(l);
	return err;
}

bool lbd_health_state(struct lbd *l, const struct xlb_cfg_service *cs,
		      const struct xlb_cfg_backend *cb, bool *up)
{
	struct hbe *b = find_hbe(find_hsvc(l->health, cs->name), &cb->addr, cb->family);

	if (!b || !b->t)
		return false;
	*up = hbe_state(b)->up;
	return true;
}

/* #21: a via-vip probe of target t is about to leave from sport (probe.c steers it). */
static int steer_probe(void *ctx, struct xlb_hc_target *t, __u8 proto, __u16 sport)
{
	struct lbd *l = ctx;
	const struct hbe *b = xlb_hc_target_user(t);
	const struct xlb_cfg_service *cs = cfg_service(l, b->svc->name);
	size_t i;

	for (i = 0; cs && i < cs->n_backends; i++)
		if (cs->backends[i].family == b->family &&
		    !memcmp(&cs->backends[i].addr, &b->addr, sizeof(b->addr)))
			return lbd_probe_steer(l, cs, &cs->backends[i], proto, sport);
	return -ENOENT;
}

int lbd_health_init(struct lbd *l, int epfd)
{
	struct lbd_health *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	err = xlb_hc_new(epfd, on_probe, l, &h->hc);
	if (err) {
		pr_warn("health: creating the checker: %s", strerror(-err));
		free(h);
		return err;
	}
	xlb_hc_share(h->hc, true); /* #21: identical checks of a backend share one probe */
	if (!lbd_probe_init(l)) /* #21: via vip */
		xlb_hc_set_via(h->hc, l->probe_mark, steer_probe);
	l->health = h;
	err = lbd_health_sync(l);
	if (err)
		pr_warn("health: starting the health checks: %s", strerror(-err));
	return err;
}

void lbd_health_free(struct lbd *l)
{
	struct lbd_health *h = l->health;
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++)
		free_hsvc(h, &h->svcs[i]);
	free(h->svcs);
	xlb_hc_free(h->hc);
	lbd_probe_free();
	free(h);
	l->health = NULL;
}

void lbd_health_event(struct lbd *l, __u64 data, __u32 events)
{
	if (l->health)
		xlb_hc_event(l->health->hc, data, events);
}

static json_t *hbe_json(struct lbd *l, const struct xlb_cfg_service *cs,
			const struct xlb_cfg_backend *cb, struct hbe *b)
{
	const struct xlb_hc_state *st = b ? hbe_state(b) : NULL;
	char a[XLB_ADDR_STRLEN], res[48];
	json_t *o;

	o = json_pack("{s:s, s:s, s:b, s:i}", "address",
		      xlb_addr_str(&cb->addr, cb->family, a, sizeof(a)), "zone", cb->zone,
		      "backup", cb->backup, "weight", (json_int_t)cb->weight);
	if (o) { /* #21: ejection, slow start, cap */
		json_t *fbj = lbd_feedback_json(l, cs, cb);

		if (fbj)
			json_object_set_new(o, "feedback", fbj);
	}
	if (!o || !st)
		return o;
	json_object_set_new(o, "state", json_string(st->up ? "up" : "down"));
	json_object_set_new(o, "since_s", json_real((lbd_now_ms() - st->since_ms) / 1000.0));
	json_object_set_new(o, "last_result",
			    json_string(st->last_ms ? xlb_hc_result_str(st->last, st->last_status,
									res, sizeof(res))
						    : "none"));
	json_object_set_new(o, "last_latency_ms", json_real(st->last_latency_us / 1000.0));
	json_object_set_new(o, "last_probe_s_ago",
			    st->last_ms ? json_real((lbd_now_ms() - st->last_ms) / 1000.0)
					: json_null());
	json_object_set_new(o, "successes", json_integer(st->successes));
	json_object_set_new(o, "failures", json_integer(st->failures));
	json_object_set_new(o, "transitions", json_integer(st->transitions));
	json_object_set_new(o, "effective_weight", json_integer(b->out.weight));
	json_object_set_new(o, "usable", json_boolean(b->out.usable));
	/* #21: the weight last applied after ejection and slow start (feedback.c) */
	if (json_object_get(json_object_get(o, "feedback"), "effective_weight"))
		json_object_set(o, "effective_weight",
				json_object_get(json_object_get(o, "feedback"), "effective_weight"));
	return o;
}

json_t *lbd_health_json(struct lbd *l, const char *service)
{
	struct lbd_health *h = l->health;
	json_t *arr = json_array(), *glob, *hist;
	struct xlb_hc_stats hs = {};
	size_t i, j;

	if (h)
		xlb_hc_get_stats(h->hc, &hs);
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];
		struct hsvc *s = find_hsvc(h, cs->name);
		json_t *o, *bes = json_array();

		if (service && strcmp(service, cs->name))
			continue;
		for (j = 0; j < cs->n_backends; j++)
			json_array_append_new(
			    bes, hbe_json(l, cs, &cs->backends[j],
					  find_hbe(s, &cs->backends[j].addr, cs->backends[j].family)));
		o = json_pack("{s:s, s:s, s:{s:s, s:i, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s}, "
			      "s:b, s:f, s:f, s:s, s:o}",
			      "name", cs->name, "mode", s ? xlb_pol_mode_name(s->mode) : "?",
			      "check", "type", xlb_hc_type_name(cs->hc.type), "port",
			      (int)probe_port(cs), "path", cs->hc.path, "host", cs->hc.host,
			      "expect", "", "interval_ms", (int)cs->hc.interval_ms, "timeout_ms",
			      (int)cs->hc.timeout_ms, "rise", (int)cs->hc.rise, "fall",
			      (int)cs->hc.fall, "jitter_ms", (int)cs->hc.jitter_ms, "initial",
			      cs->hc.initial_up ? "up" : "down", "cross_zone", cs->pol.cross_zone,
			      "zone_min_healthy", cs->pol.zone_min_healthy, "panic_threshold",
			      cs->pol.panic_threshold, "panic_mode",
			      xlb_panic_mode_name(cs->pol.panic_mode), "backends", bes);
		if (o) {
			char ex[16];

			snprintf(ex, sizeof(ex), "%u-%u", cs->hc.expect_lo, cs->hc.expect_hi);
			json_object_set_new(json_object_get(o, "check"), "expect", json_string(ex));
			json_object_set_new(json_object_get(o, "check"), "via", /* #21 */
					    json_string(cs->hc.via == XLB_HC_VIA_VIP ? "vip"
										: "direct"));
			if (cs->hc.type == XLB_HC_UDP) {
				json_object_set_new(json_object_get(o, "check"), "payload",
						    json_string(cs->hc.payload));
				json_object_set_new(json_object_get(o, "check"), "expect_reply",
						    json_boolean(cs->hc.expect_reply));
			} else if (cs->hc.type == XLB_HC_DNS) {
				json_object_set_new(json_object_get(o, "check"), "query",
						    json_string(cs->hc.query));
			} else if (cs->hc.type == XLB_HC_TCP && cs->hc.send[0]) {
				json_object_set_new(json_object_get(o, "check"), "send",
						    json_string(cs->hc.send));
			}
			if (cs->hc.type == XLB_HC_TCP && cs->hc.expect_str[0])
				json_object_set_new(json_object_get(o, "check"), "expect_string",
						    json_string(cs->hc.expect_str));
			if (s) {
				json_object_set_new(o, "recomputes", json_integer(s->recomputes));
				json_object_set_new(o, "probe_duration", lat_json(s));
				json_object_set_new(o, "apply_errors", json_integer(s->apply_errors));
				json_object_set_new(o, "last_apply_ms",
						    json_real(s->last_apply_us / 1000.0));
			}
		}
		json_array_append_new(arr, o);
	}
	glob = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:f}", "node_zone", l->cfg.node_zone,
			 "targets", (json_int_t)hs.targets, "probes", (json_int_t)hs.probes,
			 "in_flight", (json_int_t)hs.in_flight, "changes",
			 (json_int_t)(h ? h->changes : 0), "apply_max_ms",
			 h ? h->apply_max_us / 1000.0 : 0.0, "lateness_max_ms",
			 hs.lateness_max_us / 1000.0);
	/* how late probes started against their schedule (health.h buckets) */
	hist = json_array();
	for (i = 0; i < sizeof(hs.lateness_hist) / sizeof(hs.lateness_hist[0]); i++)
		json_array_append_new(hist, json_integer((json_int_t)hs.lateness_hist[i]));
	json_object_set_new(glob, "lateness_hist", hist);
	json_object_set_new(glob, "shared_targets", json_integer((json_int_t)hs.shared)); /* #21 */
	json_object_set_new(glob, "lateness_buckets",
			    json_pack("[s,s,s,s,s,s,s,s]", "<1ms", "<10ms", "<50ms", "<100ms",
				      "<500ms", "<1s", "<5s", ">=5s"));
	json_object_set_new(glob, "services", arr);
	return glob;
}
