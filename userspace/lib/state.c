// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* state.c - runtime overrides over the config file; see state.h for the model. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "fileio.h"
#include "addr.h"
#include "maglev.h"
#include "state.h"

/* ---- config helpers ---- */

int xlb_config_copy(struct xlb_config *dst, const struct xlb_config *src)
{
	size_t i;

	*dst = *src; /* every top-level setting; the services are copied below */
	dst->services = NULL;
	dst->n_services = 0;
	/* roles: (authz.h) own their arrays: a deep copy, freed by xlb_config_free */
	if (xlb_access_copy(&dst->access, &src->access))
		return -ENOMEM;
	/* acl: lists are owned too (filter.h) */
	if (xlb_acl_copy(&dst->acl, &src->acl)) {
		xlb_access_free(&dst->access);
		return -ENOMEM;
	}
	if (!src->n_services)
		return 0;
	dst->services = calloc(src->n_services, sizeof(*dst->services));
	if (!dst->services)
		return -ENOMEM;
	for (i = 0; i < src->n_services; i++) {
		const struct xlb_cfg_service *s = &src->services[i];
		struct xlb_cfg_service *d = &dst->services[i];

		*d = *s;
		d->backends = NULL;
		if (xlb_acl_copy(&d->acl, &s->acl)) {
			xlb_config_free(dst);
			return -ENOMEM;
		}
		dst->n_services = i + 1;
		if (!s->n_backends)
			continue;
		d->backends = malloc(s->n_backends * sizeof(*d->backends));
		if (!d->backends) {
			xlb_config_free(dst);
			return -ENOMEM;
		}
		memcpy(d->backends, s->backends, s->n_backends * sizeof(*d->backends));
	}
	return 0;
}

/* Same service apart from its backends? */
static bool svc_attrs_equal(const struct xlb_cfg_service *a, const struct xlb_cfg_service *b)
{
	return !memcmp(&a->key, &b->key, sizeof(a->key)) && a->sched == b->sched &&
	       a->fwd == b->fwd && a->table_size == b->table_size &&
	       a->drain_timeout_s == b->drain_timeout_s && xlb_hc_check_equal(&a->hc, &b->hc) &&
	       a->pol.cross_zone == b->pol.cross_zone &&
	       a->pol.zone_min_healthy == b->pol.zone_min_healthy &&
	       a->pol.panic_threshold == b->pol.panic_threshold &&
	       a->pol.panic_mode == b->pol.panic_mode;
}

/* ---- diff ---- */

static json_t *service_def(const struct xlb_cfg_service *s)
{
	char vip[XLB_ADDR_STRLEN];

	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:I, s:I}", "vip",
			 xlb_addr_str(&s->key.addr, s->key.family, vip, sizeof(vip)), "port",
			 ntohs(s->key.port), "protocol", xlb_proto_name(s->key.proto), "scheduler",
			 xlb_sched_name(s->sched), "forwarding", xlb_fwd_name(s->fwd), "table_size",
			 (json_int_t)s->table_size, "drain_timeout", (json_int_t)s->drain_timeout_s);
}

/*
 * ACLs changed with lbctl acl (docs/filtering.md): "acl": {"global": {"deny":
 * [...]}, "services": {"web": {"allow": [...], "deny": [...]}}}, the whole
 * effective lists of each scope that differs from the file.
 */
static json_t *cidr_array(const struct xlb_acl_list *l)
{
	char a[XLB_CIDR_STRLEN];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(arr, json_string(xlb_cidr_str(&l->v[i], a, sizeof(a))));
	return arr;
}

static void acl_diff(json_t *st, const struct xlb_config *base, const struct xlb_config *eff)
{
	static const struct xlb_acl none;
	json_t *acl = json_object(), *svcs = json_object();
	size_t i;

	if (!xlb_acl_list_eq(&base->acl.deny, &eff->acl.deny))
		json_object_set_new(acl, "global",
				    json_pack("{s:o}", "deny", cidr_array(&eff->acl.deny)));
	for (i = 0; i < eff->n_services; i++) {
		const struct xlb_cfg_service *e = &eff->services[i];
		const struct xlb_cfg_service *b = xlb_cfg_service_find(base, e->name);

		if (xlb_acl_eq(b ? &b->acl : &none, &e->acl))
			continue;
		json_object_set_new(svcs, e->name,
				    json_pack("{s:o, s:o}", "allow", cidr_array(&e->acl.allow),
					      "deny", cidr_array(&e->acl.deny)));
	}
	if (json_object_size(svcs))
		json_object_set(acl, "services", svcs);
	json_decref(svcs);
	if (json_object_size(acl))
		json_object_set(st, "acl", acl);
	json_decref(acl);
}

/*
 * Rate limits changed with lbctl ratelimit (docs/filtering.md): "rate_limit":
 * {"global": LIMIT, "services": {"web": LIMIT}}, LIMIT the whole effective
 * limit of each scope that differs from the file, or null (cleared).
 */
static json_t *rl_json(const struct xlb_rate_limit *rl)
{
	if (!rl->set)
		return json_null();
	return json_pack("{s:I, s:I, s:i, s:i}", "new_flows_per_s", (json_int_t)rl->rate, "burst",
			 (json_int_t)rl->burst, "prefix_v4", rl->prefix4, "prefix_v6", rl->prefix6);
}

static void rl_diff(json_t *st, const struct xlb_config *base, const struct xlb_config *eff)
{
	static const struct xlb_rate_limit none;
	json_t *rl = json_object(), *svcs = json_object();
	size_t i;

	if (!xlb_rate_limit_eq(&base->rate_limit, &eff->rate_limit))
		json_object_set_new(rl, "global", rl_json(&eff->rate_limit));
	for (i = 0; i < eff->n_services; i++) {
		const struct xlb_cfg_service *e = &eff->services[i];
		const struct xlb_cfg_service *b = xlb_cfg_service_find(base, e->name);

		if (!xlb_rate_limit_eq(b ? &b->rate_limit : &none, &e->rate_limit))
			json_object_set_new(svcs, e->name, rl_json(&e->rate_limit));
	}
	if (json_object_size(svcs))
		json_object_set(rl, "services", svcs);
	json_decref(svcs);
	if (json_object_size(rl))
		json_object_set(st, "rate_limit", rl);
	json_decref(rl);
}

json_t *xlb_state_diff(const struct xlb_config *base, const struct xlb_config *eff)
{
	json_t *st = json_pack("{s:i, s:{}}", "xlb_state", XLB_STATE_VERSION, "services");
	json_t *svcs = json_object_get(st, "services");
	char a[XLB_ADDR_STRLEN];
	size_t i, j;

	if (!st)
		return NULL;
	for (i = 0; i < eff->n_services; i++) {
		const struct xlb_cfg_service *e = &eff->services[i];
		const struct xlb_cfg_service *b = xlb_cfg_service_find(base, e->name);
		json_t *o = json_object(), *bes = json_object();

		if (b && !svc_attrs_equal(b, e))
			b = NULL; /* redefined: every backend is an addition */
		if (!b)
			json_object_set_new(o, "service", service_def(e));
		for (j = 0; j < e->n_backends; j++) {
			const struct xlb_cfg_backend *eb = &e->backends[j];
			const struct xlb_cfg_backend *bb = xlb_cfg_backend_find(b, &eb->addr, eb->family);
			json_t *bo = json_object();

			if (!bb || bb->weight != eb->weight)
				json_object_set_new(bo, "weight", json_integer(eb->weight));
			if (eb->port && (!bb || bb->port != eb->port)) /* #19 */
				json_object_set_new(bo, "port", json_integer(eb->port));
			if (eb->drain)
				json_object_set_new(bo, "drain_since_ms",
						    json_integer(eb->drain_since_ms));
			if (json_object_size(bo))
				json_object_set_new(
					bes, xlb_addr_str(&eb->addr, eb->family, a, sizeof(a)), bo);
			else
				json_decref(bo);
		}
		for (j = 0; b && j < b->n_backends; j++) {
			const struct xlb_cfg_backend *bb = &b->backends[j];

			if (!xlb_cfg_backend_find(e, &bb->addr, bb->family))
				json_object_set_new(bes,
						    xlb_addr_str(&bb->addr, bb->family, a, sizeof(a)),
						    json_pack("{s:b}", "removed", 1));
		}
		if (json_object_size(bes))
			json_object_set(o, "backends", bes);
		json_decref(bes);
		if (json_object_size(o))
			json_object_set(svcs, e->name, o);
		json_decref(o);
	}
	for (i = 0; i < base->n_services; i++)
		if (!xlb_cfg_service_find(eff, base->services[i].name))
			json_object_set_new(svcs, base->services[i].name,
					    json_pack("{s:b}", "removed", 1));
	acl_diff(st, base, eff);
	rl_diff(st, base, eff);
	return st;
}

/* ---- apply ---- */

/* A JSON array of CIDR strings into a fresh list (of family, 0 = any). */
static int cidr_list_parse(json_t *arr, __u8 family, struct xlb_acl_list *l, const char *what,
			   char *err, size_t errlen)
{
	struct xlb_cidr c;
	char why[128];
	json_t *v;
	size_t i;
	int ret;

	memset(l, 0, sizeof(*l));
	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "%s: not an array", what);
		return -EINVAL;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || xlb_cidr_parse(json_string_value(v), &c, why, sizeof(why)) ||
		    (family && c.family != family)) {
			snprintf(err, errlen, "%s[%zu]: not a prefix of the right family", what, i);
			ret = -EINVAL;
			goto fail;
		}
		ret = xlb_acl_list_add(l, &c);
		if (ret && ret != -EEXIST)
			goto fail;
	}
	return 0;
fail:
	free(l->v);
	memset(l, 0, sizeof(*l));
	return ret;
}

static void warnf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int acl_apply(json_t *acl, struct xlb_config *eff, char *err, size_t errlen, char *warn,
		     size_t warnlen)
{
	json_t *g, *svcs, *o;
	const char *name;
	int ret;

	if (!acl)
		return 0;
	g = json_object_get(acl, "global");
	svcs = json_object_get(acl, "services");
	if (!json_is_object(acl) || (g && !json_is_object(g)) || (svcs && !json_is_object(svcs))) {
		snprintf(err, errlen, "acl: not a valid ACL override");
		return -EINVAL;
	}
	if (g) {
		struct xlb_acl_list l;

		ret = cidr_list_parse(json_object_get(g, "deny"), 0, &l, "acl.global.deny", err,
				      errlen);
		if (ret)
			return ret;
		free(eff->acl.deny.v);
		eff->acl.deny = l;
	}
	json_object_foreach(svcs, name, o) {
		struct xlb_cfg_service *s = xlb_cfg_service_find(eff, name);
		struct xlb_acl a = {0};

		if (!s) {
			warnf(warn, warnlen, "service \"%s\" is no longer in the config; its ACL "
			      "override dropped", name);
			continue;
		}
		if (!json_is_object(o)) {
			snprintf(err, errlen, "acl.services.%s: not an object", name);
			return -EINVAL;
		}
		ret = cidr_list_parse(json_object_get(o, "allow"), s->key.family, &a.allow,
				      "acl allow", err, errlen);
		if (!ret)
			ret = cidr_list_parse(json_object_get(o, "deny"), s->key.family, &a.deny,
					      "acl deny", err, errlen);
		if (ret) {
			xlb_acl_free(&a);
			return ret;
		}
		xlb_acl_free(&s->acl);
		s->acl = a;
	}
	return 0;
}

__attribute__((format(printf, 3, 4))) static void warnf(char *buf, size_t len, const char *fmt,
							 ...)
{
	size_t l;
	va_list ap;

	if (!buf || !len)
		return;
	l = strlen(buf);
	if (l + 1 >= len)
		return;
	if (l)
		buf[l++] = '\n', buf[l] = 0;
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

static int json_uint(json_t *v, json_int_t max, json_int_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return -EINVAL;
	*out = json_integer_value(v);
	return 0;
}

/* A LIMIT of the "rate_limit" override (see rl_diff) into rl. 0 or -EINVAL. */
static int rl_parse(json_t *o, struct xlb_rate_limit *rl)
{
	json_int_t r, b, p4, p6;

	memset(rl, 0, sizeof(*rl));
	if (json_is_null(o))
		return 0;
	if (!json_is_object(o) || json_object_size(o) != 4 ||
	    json_uint(json_object_get(o, "new_flows_per_s"), XLB_RATE_MAX, &r) || !r ||
	    json_uint(json_object_get(o, "burst"), XLB_BURST_MAX, &b) || !b ||
	    json_uint(json_object_get(o, "prefix_v4"), 32, &p4) ||
	    json_uint(json_object_get(o, "prefix_v6"), 128, &p6))
		return -EINVAL;
	rl->set = true;
	rl->rate = r;
	rl->burst = b;
	rl->prefix4 = p4;
	rl->prefix6 = p6;
	return 0;
}

static int rl_apply(json_t *o, struct xlb_config *eff, char *err, size_t errlen, char *warn,
		    size_t warnlen)
{
	json_t *g, *svcs, *v;
	const char *name;

	if (!o)
		return 0;
	g = json_object_get(o, "global");
	svcs = json_object_get(o, "services");
	if (!json_is_object(o) || (svcs && !json_is_object(svcs)) ||
	    (g && rl_parse(g, &eff->rate_limit))) {
		snprintf(err, errlen, "rate_limit: not a valid rate limit override");
		return -EINVAL;
	}
	json_object_foreach(svcs, name, v) {
		struct xlb_cfg_service *s = xlb_cfg_service_find(eff, name);
		struct xlb_rate_limit rl;

		if (rl_parse(v, &rl)) {
			snprintf(err, errlen, "rate_limit.services.%s: not a valid rate limit", name);
			return -EINVAL;
		}
		if (!s) {
			warnf(warn, warnlen, "service \"%s\" is no longer in the config; its rate "
			      "limit override dropped", name);
			continue;
		}
		s->rate_limit = rl;
	}
	return 0;
}

/* A runtime service definition (state "service" object) -> s, with defaults. */
static int parse_def(const char *name, json_t *d, struct xlb_cfg_service *s, char *err,
		     size_t errlen)
{
	const char *k;
	json_t *v;
	json_int_t n;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->key.proto = IPPROTO_TCP;
	s->sched = XLB_SCHED_MAGLEV;
	s->fwd = XLB_FWD_DSR_L2;
	s->table_size = XLB_DEFAULT_TABLE_SIZE;
	s->drain_timeout_s = XLB_DEFAULT_DRAIN_TIMEOUT_S;
	xlb_hc_check_default(&s->hc);
	s->pol = XLB_POLICY_DEFAULT;
	s->outlier = XLB_OUTLIER_DEFAULT; /* #21 */
	if (!json_is_object(d))
		goto bad;
	if (!json_is_string(json_object_get(d, "vip")) || !json_object_get(d, "port"))
		goto bad;
	json_object_foreach(d, k, v) {
		if (!strcmp(k, "vip")) {
			if (xlb_addr_parse(json_string_value(v), &s->key.addr, &s->key.family))
				goto bad;
		} else if (!strcmp(k, "port")) {
			if (json_uint(v, 65535, &n) || !n)
				goto bad;
			s->key.port = htons((__u16)n);
		} else if (!strcmp(k, "protocol")) {
			if (!json_is_string(v) || xlb_proto_parse(json_string_value(v), &s->key.proto))
				goto bad;
		} else if (!strcmp(k, "scheduler")) {
			if (!json_is_string(v) || xlb_sched_parse(json_string_value(v), &s->sched))
				goto bad;
		} else if (!strcmp(k, "forwarding")) {
			if (!json_is_string(v) || xlb_fwd_parse(json_string_value(v), &s->fwd))
				goto bad;
		} else if (!strcmp(k, "table_size")) {
			if (json_uint(v, XLB_MAX_TABLE_SIZE, &n) || n < 7 || !xlb_maglev_size_ok(n))
				goto bad;
			s->table_size = n;
		} else if (!strcmp(k, "drain_timeout")) {
			if (json_uint(v, XLB_MAX_DRAIN_TIMEOUT_S, &n))
				goto bad;
			s->drain_timeout_s = n;
		} else {
			goto bad;
		}
	}
	if (s->key.proto == IPPROTO_UDP) /* as in a config file (and service.add) */
		s->hc.type = XLB_HC_NONE;
	return 0;
bad:
	snprintf(err, errlen, "services.%s.service: not a valid service definition", name);
	return -EINVAL;
}

static int add_service(struct xlb_config *c, const struct xlb_cfg_service *s)
{
	struct xlb_cfg_service *n = realloc(c->services, (c->n_services + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->services = n;
	c->services[c->n_services++] = *s;
	return 0;
}

static void del_service(struct xlb_config *c, struct xlb_cfg_service *s)
{
	size_t i = s - c->services;

	free(s->backends);
	xlb_acl_free(&s->acl);
	memmove(s, s + 1, (c->n_services - i - 1) * sizeof(*s));
	c->n_services--;
}

static int apply_backends(const struct xlb_config *eff, const char *name, json_t *bes,
			  struct xlb_cfg_service *s, char *err, size_t errlen, char *warn,
			  size_t warnlen)
{
	char why[160];

	const char *k;
	json_t *bo;

	json_object_foreach(bes, k, bo) {
		struct xlb_cfg_backend *b, *nb;
		struct xlb_addr addr;
		json_t *w, *d, *r, *p;
		json_int_t n = XLB_DEFAULT_WEIGHT, port = 0;
		__u8 family;

		w = json_object_get(bo, "weight");
		d = json_object_get(bo, "drain_since_ms");
		r = json_object_get(bo, "removed");
		p = json_object_get(bo, "port");
		if (!json_is_object(bo) || xlb_addr_parse(k, &addr, &family) ||
		    (w && json_uint(w, XLB_MAX_WEIGHT, &n)) || (d && !json_is_integer(d)) ||
		    (r && !json_is_boolean(r)) || (p && (json_uint(p, 65535, &port) || !port)) ||
		    json_object_size(bo) != (size_t)!!w + !!d + !!r + !!p) {
			snprintf(err, errlen, "services.%s.backends.%s: not a valid backend override",
				 name, k);
			return -EINVAL;
		}
		if (family != s->key.family) {
			warnf(warn, warnlen, "service \"%s\": backend %s: not of the VIP's family; "
			      "override dropped", name, k);
			continue;
		}
		b = xlb_cfg_backend_find(s, &addr, family);
		if (json_is_true(r)) {
			if (!b) {
				warnf(warn, warnlen, "service \"%s\": backend %s was removed at runtime "
				      "and is no longer in the config; override dropped", name, k);
				continue;
			}
			memmove(b, b + 1, (s->n_backends - (b - s->backends) - 1) * sizeof(*b));
			s->n_backends--;
			continue;
		}
		if (!b && xlb_cfg_check_addr(eff, s, false, &addr, family, why, sizeof(why))) {
			warnf(warn, warnlen, "service \"%s\": backend %s %s; override dropped",
			      name, k, why);
			continue;
		}
		if (!b) {
			nb = realloc(s->backends, (s->n_backends + 1) * sizeof(*nb));
			if (!nb)
				return -ENOMEM;
			s->backends = nb;
			b = &nb[s->n_backends++];
			memset(b, 0, sizeof(*b));
			b->addr = addr;
			b->family = family;
			b->weight = XLB_DEFAULT_WEIGHT;
		}
		if (w)
			b->weight = n;
		if (p && !xlb_fwd_is_nat(s->fwd)) /* the service changed mode since */
			warnf(warn, warnlen, "service \"%s\": backend %s: forwarding %s has no "
			      "target port; port %lld dropped", name, k, xlb_fwd_name(s->fwd),
			      (long long)port);
		else if (p)
			b->port = (__u16)port;
		b->drain = d != NULL;
		b->drain_since_ms = d ? json_integer_value(d) : 0;
	}
	return 0;
}

int xlb_state_apply(const json_t *state, const struct xlb_config *base, struct xlb_config *eff,
		    char *warn, size_t warnlen)
{
	char err[256] = "", why[160];
	json_t *svcs, *o;
	const char *name;
	int ret;

	if (warn && warnlen)
		warn[0] = 0;
	ret = xlb_config_copy(eff, base);
	if (ret)
		return ret;
	svcs = json_object_get(state, "services");
	if (!json_is_object(state) || (svcs && !json_is_object(svcs))) {
		snprintf(err, sizeof(err), "not a state object");
		ret = -EINVAL;
		goto fail;
	}
	json_object_foreach(svcs, name, o) {
		json_t *def = json_object_get(o, "service"), *bes = json_object_get(o, "backends");
		json_t *rem = json_object_get(o, "removed");
		struct xlb_cfg_service *s = xlb_cfg_service_find(eff, name), ns;
		size_t i;

		if (!json_is_object(o) || (bes && !json_is_object(bes)) ||
		    (rem && !json_is_boolean(rem)) ||
		    json_object_size(o) != (size_t)!!def + !!bes + !!rem || (rem && (def || bes))) {
			snprintf(err, sizeof(err), "services.%s: not a valid service override", name);
			ret = -EINVAL;
			goto fail;
		}
		if (json_is_true(rem)) {
			if (s)
				del_service(eff, s);
			else
				warnf(warn, warnlen, "service \"%s\" was removed at runtime and is no "
				      "longer in the config; override dropped", name);
			continue;
		}
		if (def) {
			ret = parse_def(name, def, &ns, err, sizeof(err));
			if (ret)
				goto fail;
			for (i = 0; i < eff->n_services; i++)
				if (&eff->services[i] != s &&
				    !memcmp(&eff->services[i].key, &ns.key, sizeof(ns.key)))
					break;
			if (i < eff->n_services) {
				warnf(warn, warnlen, "service \"%s\" (added at runtime): its VIP, port "
				      "and protocol now belong to service \"%s\" of the config; "
				      "override dropped", name, eff->services[i].name);
				continue;
			}
			if (s) /* a runtime definition cannot say it: the file's word stays */
				ns.allow_local_address = s->allow_local_address;
			if (xlb_cfg_check_addr(eff, &ns, true, &ns.key.addr, ns.key.family, why,
					       sizeof(why))) {
				warnf(warn, warnlen,
				      "service \"%s\" (added at runtime): vip %s; "
				      "override dropped",
				      name, why);
				continue;
			}
			if (s) { /* redefined at runtime: replaces the file's */
				ns.line = s->line;
				free(s->backends);
				/* filters are not part of a runtime definition: the file's stay */
				ns.acl = s->acl;
				ns.rate_limit = s->rate_limit;
				*s = ns;
			} else {
				ret = add_service(eff, &ns);
				if (ret)
					goto fail;
				s = &eff->services[eff->n_services - 1];
			}
		}
		if (!bes)
			continue;
		if (!s) {
			warnf(warn, warnlen, "service \"%s\" is no longer in the config; its backend "
			      "overrides dropped", name);
			continue;
		}
		ret = apply_backends(eff, name, bes, s, err, sizeof(err), warn, warnlen);
		if (ret)
			goto fail;
	}
	ret = acl_apply(json_object_get(state, "acl"), eff, err, sizeof(err), warn, warnlen);
	if (ret)
		goto fail;
	ret = rl_apply(json_object_get(state, "rate_limit"), eff, err, sizeof(err), warn, warnlen);
	if (ret)
		goto fail;
	return 0;
fail:
	xlb_config_free(eff);
	if (ret == -EINVAL && warn && warnlen)
		snprintf(warn, warnlen, "%s", err);
	return ret;
}

size_t xlb_state_count(const json_t *state)
{
	json_t *o, *svcs = json_object_get(state, "services");
	const char *k;
	size_t n = 0;

	json_object_foreach(svcs, k, o) {
		json_t *bes = json_object_get(o, "backends");

		n += (json_object_get(o, "removed") || json_object_get(o, "service")) +
		     json_object_size(bes);
	}
	n += !!json_object_get(json_object_get(state, "acl"), "global") +
	     json_object_size(json_object_get(json_object_get(state, "acl"), "services"));
	n += !!json_object_get(json_object_get(state, "rate_limit"), "global") +
	     json_object_size(json_object_get(json_object_get(state, "rate_limit"), "services"));
	return n;
}

/* ---- files ---- */

int xlb_state_load(const char *path, json_t **state, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *st, *v;

	*state = NULL;
	if (access(path, F_OK) && errno == ENOENT) {
		*state = json_pack("{s:i, s:{}}", "xlb_state", XLB_STATE_VERSION, "services");
		return *state ? 0 : -ENOMEM;
	}
	st = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!st) {
		snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		return -EINVAL;
	}
	v = json_object_get(st, "xlb_state");
	if (!json_is_object(st) || !json_is_integer(v) ||
	    json_integer_value(v) != XLB_STATE_VERSION) {
		snprintf(err, errlen, "%s: not an xlb state file of version %d", path,
			 XLB_STATE_VERSION);
		json_decref(st);
		return -EINVAL;
	}
	*state = st;
	return 0;
}

int xlb_state_save(const char *path, const json_t *state)
{
	char *s, *slash;
	size_t len;
	int err;

	err = xlb_mkdir_parent(path, 0755);
	if (err)
		return err;
	s = json_dumps(state, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	/* json_dumps leaves no room: end the file with a newline this way */
	slash = realloc(s, len + 2);
	if (!slash) {
		free(s);
		return -ENOMEM;
	}
	s = slash;
	s[len++] = '\n';
	s[len] = 0;
	err = xlb_write_atomic(path, s, len, 0600);
	free(s);
	return err;
}
