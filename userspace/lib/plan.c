// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* plan.c - the difference between two desired states, for people (plan.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "plan.h"
#include "policy.h"

/* ---- field diffs ---- */

static void field_s(json_t *arr, const char *name, const char *o, const char *n)
{
	if (strcmp(o, n))
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "field", name, "old", o,
						     "new", n));
}

static void field_u(json_t *arr, const char *name, unsigned long long o, unsigned long long n)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "%llu", o);
	snprintf(b, sizeof(b), "%llu", n);
	field_s(arr, name, a, b);
}

static void field_f(json_t *arr, const char *name, double o, double n)
{
	char a[32], b[32];

	snprintf(a, sizeof(a), "%g", o);
	snprintf(b, sizeof(b), "%g", n);
	field_s(arr, name, a, b);
}

static void field_b(json_t *arr, const char *name, bool o, bool n)
{
	field_s(arr, name, o ? "true" : "false", n ? "true" : "false");
}

static const char *str_or(const char *s, const char *none)
{
	return s && *s ? s : none;
}

static const char *addr_str(const struct xlb_addr *a, __u8 family, char *buf, size_t len)
{
	return family ? xlb_addr_str(a, family, buf, len) : "none";
}

static void field_addr(json_t *arr, const char *name, const struct xlb_addr *oa, __u8 of,
		       const struct xlb_addr *na, __u8 nf)
{
	char a[XLB_ADDR_STRLEN], b[XLB_ADDR_STRLEN];

	field_s(arr, name, addr_str(oa, of, a, sizeof(a)), addr_str(na, nf, b, sizeof(b)));
}

static void expect_str(const struct xlb_hc_check *h, char *buf, size_t len)
{
	if (h->expect_lo == h->expect_hi)
		snprintf(buf, len, "%u", h->expect_lo);
	else
		snprintf(buf, len, "%u-%u", h->expect_lo, h->expect_hi);
}

static void service_fields(json_t *f, const struct xlb_cfg_service *o,
			   const struct xlb_cfg_service *n)
{
	const struct xlb_hc_check *oh = &o->hc, *nh = &n->hc;
	const struct xlb_scale_cfg *os = &o->scaling, *ns = &n->scaling;
	char a[32], b[32];

	field_s(f, "name", o->name, n->name);
	field_addr(f, "vip", &o->key.addr, o->key.family, &n->key.addr, n->key.family);
	field_u(f, "port", ntohs(o->key.port), ntohs(n->key.port));
	field_s(f, "protocol", xlb_proto_name(o->key.proto), xlb_proto_name(n->key.proto));
	field_s(f, "scheduler", xlb_sched_name(o->sched), xlb_sched_name(n->sched));
	field_s(f, "forwarding", xlb_fwd_name(o->fwd), xlb_fwd_name(n->fwd));
	field_u(f, "table_size", o->table_size, n->table_size);
	field_u(f, "drain_timeout", o->drain_timeout_s, n->drain_timeout_s);
	field_s(f, "health_check.type", xlb_hc_type_name(oh->type), xlb_hc_type_name(nh->type));
	field_u(f, "health_check.port", oh->port, nh->port);
	field_s(f, "health_check.path", str_or(oh->path, "/"), str_or(nh->path, "/"));
	field_s(f, "health_check.host", str_or(oh->host, "(backend address)"),
		str_or(nh->host, "(backend address)"));
	expect_str(oh, a, sizeof(a));
	expect_str(nh, b, sizeof(b));
	field_s(f, "health_check.expect", a, b);
	field_u(f, "health_check.interval_ms", oh->interval_ms, nh->interval_ms);
	field_u(f, "health_check.timeout_ms", oh->timeout_ms, nh->timeout_ms);
	field_u(f, "health_check.rise", oh->rise, nh->rise);
	field_u(f, "health_check.fall", oh->fall, nh->fall);
	field_u(f, "health_check.jitter_ms", oh->jitter_ms, nh->jitter_ms);
	field_s(f, "health_check.payload", oh->payload, nh->payload);
	field_s(f, "health_check.expect_reply", oh->expect_reply ? "true" : "false",
		nh->expect_reply ? "true" : "false");
	field_s(f, "health_check.query", oh->query, nh->query);
	field_s(f, "health_check.send", oh->send, nh->send);
	field_s(f, "health_check.expect_string", oh->expect_str, nh->expect_str);
	field_s(f, "health_check.initial", oh->initial_up ? "up" : "down",
		nh->initial_up ? "up" : "down");
	field_b(f, "cross_zone", o->pol.cross_zone, n->pol.cross_zone);
	field_f(f, "zone_min_healthy", o->pol.zone_min_healthy, n->pol.zone_min_healthy);
	field_f(f, "panic_threshold", o->pol.panic_threshold, n->pol.panic_threshold);
	field_s(f, "panic_mode", xlb_panic_mode_name(o->pol.panic_mode),
		xlb_panic_mode_name(n->pol.panic_mode));
	field_s(f, "scaling.metric", os->metric == XLB_SCALE_OFF ? "none" :
		xlb_scale_metric_name(os->metric), ns->metric == XLB_SCALE_OFF ? "none" :
		xlb_scale_metric_name(ns->metric));
	if (os->metric == XLB_SCALE_OFF || ns->metric == XLB_SCALE_OFF)
		return;
	field_s(f, "scaling.above", os->has_above ? (snprintf(a, sizeof(a), "%g", os->above), a)
		: "none", ns->has_above ? (snprintf(b, sizeof(b), "%g", ns->above), b) : "none");
	field_s(f, "scaling.below", os->has_below ? (snprintf(a, sizeof(a), "%g", os->below), a)
		: "none", ns->has_below ? (snprintf(b, sizeof(b), "%g", ns->below), b) : "none");
	field_u(f, "scaling.for_s", os->for_s, ns->for_s);
	field_u(f, "scaling.cooldown_s", os->cooldown_s, ns->cooldown_s);
	field_s(f, "scaling.command", os->command, ns->command);
}

static void backend_fields(json_t *f, const struct xlb_cfg_backend *o,
			   const struct xlb_cfg_backend *n)
{
	field_u(f, "weight", o->weight, n->weight);
	field_s(f, "zone", str_or(o->zone, "none"), str_or(n->zone, "none"));
	field_b(f, "backup", o->backup, n->backup);
	/* runtime state: a plan that drops a drain says so */
	field_s(f, "drain", o->drain ? "draining" : "no", n->drain ? "draining" : "no");
}

static bool names_equal(char (*a)[XLB_AUTHZ_NAME_MAX], size_t na, char (*b)[XLB_AUTHZ_NAME_MAX],
			size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool access_equal(const struct xlb_access *a, const struct xlb_access *b)
{
	size_t i;

	if (a->n_grants != b->n_grants || a->root_not_admin != b->root_not_admin)
		return false;
	for (i = 0; i < a->n_grants; i++) {
		const struct xlb_grant *x = &a->grants[i], *y = &b->grants[i];

		if (x->role != y->role || !names_equal(x->users, x->n_users, y->users, y->n_users) ||
		    !names_equal(x->groups, x->n_groups, y->groups, y->n_groups) ||
		    !names_equal(x->services, x->n_services, y->services, y->n_services))
			return false;
	}
	return true;
}

static void settings_fields(json_t *f, const struct xlb_config *o, const struct xlb_config *n)
{
	char a[64], b[64];

	field_s(f, "node.zone", str_or(o->node_zone, "none"), str_or(n->node_zone, "none"));
	field_addr(f, "node.address_v4", &o->node_addr4, o->node_addr4_family, &n->node_addr4,
		   n->node_addr4_family);
	field_addr(f, "node.address_v6", &o->node_addr6, o->node_addr6_family, &n->node_addr6,
		   n->node_addr6_family);
	field_u(f, "node.gue_port", o->gue_port, n->gue_port);
	if (!access_equal(&o->access, &n->access)) {
		snprintf(a, sizeof(a), "%zu grants", o->access.n_grants);
		snprintf(b, sizeof(b), "%zu grants%s", n->access.n_grants,
			 o->access.n_grants == n->access.n_grants ? " (changed)" : "");
		field_s(f, "roles", a, b);
	}
	field_s(f, "control.socket_group", str_or(o->socket_group, "default"),
		str_or(n->socket_group, "default"));
	snprintf(a, sizeof(a), o->socket_mode_set ? "%04o" : "default", o->socket_mode);
	snprintf(b, sizeof(b), n->socket_mode_set ? "%04o" : "default", n->socket_mode);
	field_s(f, "control.socket_mode", a, b);
	field_s(f, "audit.file", str_or(o->audit_file, "default"), str_or(n->audit_file, "default"));
	{
		char x[XLB_ADDR_STRLEN + 16], y[XLB_ADDR_STRLEN + 16], t[XLB_ADDR_STRLEN];

		snprintf(x, sizeof(x), "off");
		snprintf(y, sizeof(y), "off");
		if (o->metrics_family)
			snprintf(x, sizeof(x), "%s:%u",
				 xlb_addr_str(&o->metrics_addr, o->metrics_family, t, sizeof(t)),
				 o->metrics_port);
		if (n->metrics_family)
			snprintf(y, sizeof(y), "%s:%u",
				 xlb_addr_str(&n->metrics_addr, n->metrics_family, t, sizeof(t)),
				 n->metrics_port);
		field_s(f, "metrics.listen", x, y);
	}
	field_s(f, "events.file", str_or(o->events_file, "none"), str_or(n->events_file, "none"));
	field_b(f, "bgp", o->bgp_enabled, n->bgp_enabled);
	if (o->bgp_enabled && n->bgp_enabled) {
		field_s(f, "bgp.bird_socket", o->bgp_bird_socket, n->bgp_bird_socket);
		field_s(f, "bgp.config_file", o->bgp_config_file, n->bgp_config_file);
		field_s(f, "bgp.protocol", o->bgp_protocol, n->bgp_protocol);
	}
}

/* ---- moved flows ---- */

static const struct xlb_cfg_backend *find_be(const struct xlb_cfg_service *s,
					     const struct xlb_cfg_backend *b, size_t *idx)
{
	size_t i;

	for (i = 0; s && i < s->n_backends; i++)
		if (!xlb_addr_cmp(s->backends[i].family, &s->backends[i].addr, b->family, &b->addr)) {
			if (idx)
				*idx = i;
			return &s->backends[i];
		}
	return NULL;
}

/*
 * The table s would get with every backend healthy. Ids: a backend's index in
 * os, else os->n_backends + its index in ns, so one address has one id in
 * both tables.
 */
static int build(const struct xlb_cfg_service *s, const char *zone,
		 const struct xlb_cfg_service *os, const struct xlb_cfg_service *ns, __u32 **tablep)
{
	size_t i, n = s->n_backends, k;
	struct xlb_maglev_backend *mb;
	struct xlb_pol_backend *pb;
	struct xlb_pol_out *out;
	enum xlb_pol_mode mode;
	__u32 *table;
	int err = -ENOMEM;

	table = malloc((size_t)s->table_size * sizeof(*table));
	mb = calloc(n ? n : 1, sizeof(*mb));
	pb = calloc(n ? n : 1, sizeof(*pb));
	out = calloc(n ? n : 1, sizeof(*out));
	if (!table || !mb || !pb || !out)
		goto out;
	for (i = 0; i < n; i++) {
		const struct xlb_cfg_backend *b = &s->backends[i];

		pb[i].weight = b->weight;
		pb[i].zone = b->zone;
		pb[i].up = true;
		pb[i].backup = b->backup;
		pb[i].drain = b->drain;
	}
	err = xlb_policy_compute(&s->pol, zone, pb, n, out, &mode);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		const struct xlb_cfg_backend *b = &s->backends[i];

		if (find_be(os, b, &k))
			mb[i].id = k;
		else if (find_be(ns, b, &k))
			mb[i].id = os->n_backends + k;
		mb[i].weight = s->sched == XLB_SCHED_RR && out[i].weight ? 1 : out[i].weight;
		mb[i].addr = b->addr;
		mb[i].family = b->family;
	}
	err = xlb_maglev_build(mb, n, table, s->table_size);
out:
	free(mb);
	free(pb);
	free(out);
	if (err)
		free(table);
	else
		*tablep = table;
	return err;
}

int xlb_plan_moved(const struct xlb_cfg_service *os, const char *oz,
		   const struct xlb_cfg_service *ns, const char *nz, double *moved, __u32 *slots)
{
	__u32 *ot = NULL, *nt = NULL, i, diff = 0;
	__u64 x = 0x9e3779b97f4a7c15ull;
	int err;

	*moved = 0;
	*slots = 0;
	err = build(os, oz, os, ns, &ot);
	if (!err)
		err = build(ns, nz, os, ns, &nt);
	if (err)
		goto out;
	if (os->table_size == ns->table_size) {
		for (i = 0; i < os->table_size; i++)
			diff += ot[i] != nt[i];
		*slots = diff;
		*moved = (double)diff / os->table_size;
	} else {
		/* the data path takes slot hash % size: sample the hash space */
		for (i = 0; i < XLB_PLAN_SAMPLES; i++) {
			__u32 h;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			h = (__u32)(x >> 16);
			diff += ot[h % os->table_size] != nt[h % ns->table_size];
		}
		*moved = (double)diff / XLB_PLAN_SAMPLES;
	}
out:
	free(ot);
	free(nt);
	return err;
}

/* ---- the plan ---- */

static json_t *service_head(const struct xlb_cfg_service *s, const char *change)
{
	char a[XLB_ADDR_STRLEN];

	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i}", "name", s->name, "change", change, "vip",
			 xlb_addr_str(&s->key.addr, s->key.family, a, sizeof(a)), "port",
			 ntohs(s->key.port), "protocol", xlb_proto_name(s->key.proto),
			 "backends_total", (json_int_t)s->n_backends);
}

static json_t *backend_obj(const struct xlb_cfg_backend *b, const char *change)
{
	char a[XLB_ADDR_STRLEN];

	return json_pack("{s:s, s:s, s:i}", "address",
			 xlb_addr_str(&b->addr, b->family, a, sizeof(a)), "change", change,
			 "weight", (json_int_t)b->weight);
}

struct counts {
	json_int_t sa, sr, sc, su, ba, br, bc;
};

/* Compare two versions of one service; NULL when nothing differs. */
static json_t *service_change(const struct xlb_cfg_service *o, const char *oz,
			      const struct xlb_cfg_service *n, const char *nz, struct counts *c)
{
	json_t *fields = json_array(), *bes = json_array(), *svc;
	const struct xlb_cfg_backend *x;
	bool key_changed = memcmp(&o->key, &n->key, sizeof(o->key)) != 0;
	size_t i;

	service_fields(fields, o, n);
	for (i = 0; i < n->n_backends; i++) {
		x = find_be(o, &n->backends[i], NULL);
		if (!x) {
			json_array_append_new(bes, backend_obj(&n->backends[i], "added"));
			c->ba++;
		} else {
			json_t *bf = json_array();

			backend_fields(bf, x, &n->backends[i]);
			if (json_array_size(bf)) {
				json_t *b = backend_obj(&n->backends[i], "changed");

				json_object_set_new(b, "fields", bf);
				json_array_append_new(bes, b);
				c->bc++;
			} else {
				json_decref(bf);
			}
		}
	}
	for (i = 0; i < o->n_backends; i++) {
		if (!find_be(n, &o->backends[i], NULL)) {
			json_array_append_new(bes, backend_obj(&o->backends[i], "removed"));
			c->br++;
		}
	}
	if (!json_array_size(fields) && !json_array_size(bes) &&
	    !strcmp(str_or(oz, ""), str_or(nz, ""))) {
		json_decref(fields);
		json_decref(bes);
		return NULL;
	}
	svc = service_head(n, "changed");
	json_object_set_new(svc, "fields", fields);
	json_object_set_new(svc, "backends", bes);
	if (key_changed) {
		json_object_set_new(svc, "moved_note", json_string("new VIP:port/protocol: a new "
								   "service in the data path; flows "
								   "of the old one end"));
	} else if (o->sched != n->sched &&
		   (o->sched == XLB_SCHED_SH || n->sched == XLB_SCHED_SH)) {
		json_object_set_new(svc, "moved_note", json_string("scheduler changes its hash "
								   "(sh hashes the source address "
								   "only): most new flows move"));
	} else {
		double moved;
		__u32 slots;

		if (!xlb_plan_moved(o, oz, n, nz, &moved, &slots)) {
			json_object_set_new(svc, "moved", json_real(moved));
			json_object_set_new(svc, "table_size", json_integer(n->table_size));
			if (o->table_size == n->table_size)
				json_object_set_new(svc, "moved_slots", json_integer(slots));
		}
	}
	/* a service whose only change is the node zone of its config is not "changed" */
	if (!json_array_size(fields) && !json_array_size(bes) &&
	    json_real_value(json_object_get(svc, "moved")) == 0.0 &&
	    json_object_get(svc, "moved")) {
		json_decref(svc);
		return NULL;
	}
	return svc;
}

static const struct xlb_cfg_service *find_svc_key(const struct xlb_config *c,
						  const struct xlb_vip_key *k)
{
	size_t i;

	for (i = 0; i < c->n_services; i++)
		if (!memcmp(&c->services[i].key, k, sizeof(*k)))
			return &c->services[i];
	return NULL;
}

/* The service of o that n[i] is a version of (by name, else by key if that one is unmatched). */
static const struct xlb_cfg_service *match(const struct xlb_config *o, const struct xlb_config *n,
					   const struct xlb_cfg_service *ns)
{
	const struct xlb_cfg_service *os = xlb_cfg_service_find(o, ns->name);

	if (os)
		return os;
	os = find_svc_key(o, &ns->key);
	if (os && !xlb_cfg_service_find(n, os->name))
		return os; /* renamed */
	return NULL;
}

json_t *xlb_plan(const struct xlb_config *old, const struct xlb_config *new)
{
	json_t *svcs = json_array(), *settings = json_array(), *plan, *s;
	struct counts c = {};
	size_t i, j;
	bool seen;

	if (!svcs || !settings)
		goto nomem;
	for (i = 0; i < new->n_services; i++) {
		const struct xlb_cfg_service *ns = &new->services[i], *os = match(old, new, ns);

		if (!os) {
			s = service_head(ns, "added");
			json_array_append_new(svcs, s);
			c.sa++;
			c.ba += ns->n_backends;
			continue;
		}
		s = service_change(os, old->node_zone, ns, new->node_zone, &c);
		if (s) {
			json_array_append_new(svcs, s);
			c.sc++;
		} else {
			c.su++;
		}
	}
	for (i = 0; i < old->n_services; i++) {
		const struct xlb_cfg_service *os = &old->services[i];

		seen = false;
		for (j = 0; j < new->n_services && !seen; j++)
			seen = match(old, new, &new->services[j]) == os;
		if (seen)
			continue;
		json_array_append_new(svcs, service_head(os, "removed"));
		c.sr++;
		c.br += os->n_backends;
	}
	settings_fields(settings, old, new);
	plan = json_pack("{s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "services", svcs,
			 "settings", settings, "summary", "services_added", c.sa,
			 "services_removed", c.sr, "services_changed", c.sc, "services_unchanged",
			 c.su, "backends_added", c.ba, "backends_removed", c.br, "backends_changed",
			 c.bc, "settings_changed", (json_int_t)json_array_size(settings));
	return plan;
nomem:
	json_decref(svcs);
	json_decref(settings);
	return NULL;
}

static json_int_t sum(const json_t *plan, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(plan, "summary"), k));
}

size_t xlb_plan_changes(const json_t *plan)
{
	static const char *const keys[] = { "services_added", "services_removed",
					    "services_changed", "backends_added",
					    "backends_removed", "backends_changed",
					    "settings_changed" };
	size_t i, n = 0;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		n += sum(plan, keys[i]);
	return n;
}

/* Append ", N what" to buf when N > 0. */
static void part(char *buf, size_t len, bool *first, json_int_t n, const char *what)
{
	size_t l = strlen(buf);

	if (!n || l >= len)
		return;
	snprintf(buf + l, len - l, "%s%lld %s", *first ? "" : ", ", (long long)n, what);
	*first = false;
}

void xlb_plan_summary(const json_t *plan, char *buf, size_t len)
{
	json_int_t sa = sum(plan, "services_added"), sr = sum(plan, "services_removed");
	json_int_t sc = sum(plan, "services_changed"), ba = sum(plan, "backends_added");
	json_int_t br = sum(plan, "backends_removed"), bc = sum(plan, "backends_changed");
	json_int_t st = sum(plan, "settings_changed");
	bool first = true;
	size_t l;

	if (!len)
		return;
	*buf = 0;
	if (!xlb_plan_changes(plan)) {
		snprintf(buf, len, "no changes");
		return;
	}
	if (sa + sr + sc) {
		part(buf, len, &first, sa, sa == 1 ? "service added" : "services added");
		part(buf, len, &first, sr, first ? (sr == 1 ? "service removed" : "services removed")
						  : "removed");
		part(buf, len, &first, sc, first ? (sc == 1 ? "service changed" : "services changed")
						  : "changed");
	}
	if (ba + br + bc) {
		l = strlen(buf);
		if (l && l < len)
			snprintf(buf + l, len - l, "; ");
		first = true;
		part(buf, len, &first, ba, ba == 1 ? "backend added" : "backends added");
		part(buf, len, &first, br, first ? (br == 1 ? "backend removed" : "backends removed")
						  : "removed");
		part(buf, len, &first, bc, first ? (bc == 1 ? "backend changed" : "backends changed")
						  : "changed");
	}
	if (st) {
		l = strlen(buf);
		if (l && l < len)
			snprintf(buf + l, len - l, "; ");
		first = true;
		part(buf, len, &first, st, st == 1 ? "other setting changed"
						   : "other settings changed");
	}
}

static void print_fields(FILE *f, const json_t *fields, const char *indent)
{
	const json_t *x;
	size_t i;

	json_array_foreach(fields, i, x)
		fprintf(f, "%s%s: %s -> %s\n", indent,
			json_string_value(json_object_get(x, "field")),
			json_string_value(json_object_get(x, "old")),
			json_string_value(json_object_get(x, "new")));
}

int xlb_plan_print(FILE *f, const json_t *plan)
{
	const json_t *s, *b, *settings = json_object_get(plan, "settings");
	char summary[256];
	size_t i, j;

	json_array_foreach(json_object_get(plan, "services"), i, s) {
		const char *change = json_string_value(json_object_get(s, "change"));
		const json_t *moved = json_object_get(s, "moved");

		fprintf(f, "%s service %s (%s:%lld/%s)", !strcmp(change, "added")     ? "+"
							 : !strcmp(change, "removed") ? "-"
										      : "~",
			json_string_value(json_object_get(s, "name")),
			json_string_value(json_object_get(s, "vip")),
			(long long)json_integer_value(json_object_get(s, "port")),
			json_string_value(json_object_get(s, "protocol")));
		if (!strcmp(change, "added"))
			fprintf(f, ": added with %lld backends\n",
				(long long)json_integer_value(json_object_get(s, "backends_total")));
		else if (!strcmp(change, "removed"))
			fprintf(f, ": removed with its %lld backends; its flows end\n",
				(long long)json_integer_value(json_object_get(s, "backends_total")));
		else
			fprintf(f, ": changed\n");
		print_fields(f, json_object_get(s, "fields"), "    ");
		json_array_foreach(json_object_get(s, "backends"), j, b) {
			const char *bc = json_string_value(json_object_get(b, "change"));

			fprintf(f, "    %s backend %s", !strcmp(bc, "added")     ? "+"
						   : !strcmp(bc, "removed") ? "-"
									    : "~",
				json_string_value(json_object_get(b, "address")));
			if (!strcmp(bc, "changed")) {
				fprintf(f, "\n");
				print_fields(f, json_object_get(b, "fields"), "        ");
			} else {
				fprintf(f, " (weight %lld)\n",
					(long long)json_integer_value(json_object_get(b, "weight")));
			}
		}
		if (json_is_number(moved)) {
			fprintf(f, "    new flows moved: %.1f%%", 100.0 * json_number_value(moved));
			if (json_object_get(s, "moved_slots"))
				fprintf(f, " (%lld of %lld table slots)",
					(long long)json_integer_value(json_object_get(s, "moved_slots")),
					(long long)json_integer_value(json_object_get(s, "table_size")));
			fprintf(f, "; established flows stay on their backend unless it leaves\n");
		} else if (json_object_get(s, "moved_note")) {
			fprintf(f, "    new flows moved: %s\n",
				json_string_value(json_object_get(s, "moved_note")));
		}
	}
	if (json_array_size(settings)) {
		fprintf(f, "~ settings\n");
		print_fields(f, settings, "    ");
	}
	xlb_plan_summary(plan, summary, sizeof(summary));
	fprintf(f, "%s\n", summary);
	return ferror(f) ? -EIO : 0;
}
