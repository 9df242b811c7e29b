// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cfg_filter.c - the config's filters: acl and rate_limit, global and per service;
 * the walker and entry points are in config.c, shared internals in cfg_int.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "cfg_int.h"

/* ---- filters: acl, rate_limit (docs/filtering.md) ------------------------ */

/* A sequence of CIDRs into l; family (0 = any) that every entry must have. */
static int get_cidrs(struct ctx *c, yaml_node_t *v, __u8 family, struct xlb_acl_list *l)
{
	yaml_node_item_t *it;
	char why[128], q[64], a[XLB_CIDR_STRLEN];
	size_t n, i, old;
	struct xlb_cidr cidr;
	const char *s;
	int err;

	if (cfg_is_null(v))
		return cfg_fail(c, v, "expected a sequence of prefixes, got nothing");
	if (v->type != YAML_SEQUENCE_NODE)
		return cfg_fail(c, v, "expected a sequence of prefixes, got %s", cfg_kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n)
		return cfg_fail(c, v, "empty list (leave the key out instead)");
	if (n > XLB_ACL_LIST_MAX)
		return cfg_fail(c, v, "too many prefixes (%zu, at most %u)", n, XLB_ACL_LIST_MAX);
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		old = cfg_path_index(c, i);
		if (!e)
			return cfg_fail(c, v, "malformed sequence");
		err = cfg_get_string(c, e, &s);
		if (err)
			return err;
		if (xlb_cidr_parse(s, &cidr, why, sizeof(why)))
			return cfg_fail(c, e, "%s: %s", cfg_quote(s, q, sizeof(q)), why);
		if (family && cidr.family != family)
			return cfg_fail(c, e,
					"%s is an %s prefix, the service's VIP is %s "
					"(it would never match)",
					cfg_quote(s, q, sizeof(q)),
					cidr.family == XLB_AF_INET ? "IPv4" : "IPv6",
					family == XLB_AF_INET ? "IPv4" : "IPv6");
		err = xlb_acl_list_add(l, &cidr);
		if (err == -EEXIST)
			return cfg_fail(c, e, "%s is listed twice",
					xlb_cidr_str(&cidr, a, sizeof(a)));
		if (err)
			return err;
		cfg_path_pop(c, old);
	}
	return 0;
}

struct acl_tmp {
	struct xlb_acl *acl;
	__u8 family; /* 0: any */
};

static int acl_allow(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct acl_tmp *t = obj;

	return get_cidrs(c, v, t->family, &t->acl->allow);
}

static int acl_deny(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct acl_tmp *t = obj;

	return get_cidrs(c, v, t->family, &t->acl->deny);
}

static const struct field svc_acl_fields[] = {
    {"allow", false, acl_allow},
    {"deny", false, acl_deny},
};

/* A service's acl: (after its walk: entries must match the VIP's family). */
int cfg_svc_acl_walk(struct ctx *c, yaml_node_t *n, struct xlb_acl *acl, __u8 family)
{
	struct acl_tmp at = {.acl = acl, .family = family};

	return cfg_walk_map(c, n, svc_acl_fields, ARRAY_SIZE(svc_acl_fields), &at);
}

/* The top-level acl: has only a deny list (an allow list is per service). */
static const struct field top_acl_fields[] = {
    {"deny", false, acl_deny},
};

int cfg_svc_acl(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	t->acl = v; /* after the walk: needs the VIP's family */
	return 0;
}

int cfg_top_acl(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct acl_tmp t = {.acl = &c->cfg->acl};

	if (cfg_is_null(v))
		return 0;
	return cfg_walk_map(c, v, top_acl_fields, ARRAY_SIZE(top_acl_fields), &t);
}

static int rl_rate(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 1, XLB_RATE_MAX, &((struct xlb_rate_limit *)obj)->rate);
}

static int rl_burst(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 1, XLB_BURST_MAX, &((struct xlb_rate_limit *)obj)->burst);
}

static int rl_prefix_v4(struct ctx *c, yaml_node_t *v, void *obj)
{
	__u32 x;
	int err = cfg_get_uint(c, v, 0, 32, &x);

	((struct xlb_rate_limit *)obj)->prefix4 = (__u8)x;
	return err;
}

static int rl_prefix_v6(struct ctx *c, yaml_node_t *v, void *obj)
{
	__u32 x;
	int err = cfg_get_uint(c, v, 0, 128, &x);

	((struct xlb_rate_limit *)obj)->prefix6 = (__u8)x;
	return err;
}

static const struct field rate_limit_fields[] = {
    {"new_flows_per_s", true, rl_rate},
    {"burst", false, rl_burst},
    {"prefix_v4", false, rl_prefix_v4},
    {"prefix_v6", false, rl_prefix_v6},
};

static int get_rate_limit(struct ctx *c, yaml_node_t *v, struct xlb_rate_limit *rl)
{
	int err;

	memset(rl, 0, sizeof(*rl));
	if (cfg_is_null(v))
		return 0;
	rl->prefix4 = XLB_RATE_DEFAULT_PREFIX4;
	rl->prefix6 = XLB_RATE_DEFAULT_PREFIX6;
	err = cfg_walk_map(c, v, rate_limit_fields, ARRAY_SIZE(rate_limit_fields), rl);
	if (err)
		return err;
	if (!rl->burst)
		rl->burst = rl->rate;
	rl->set = true;
	return 0;
}

int cfg_svc_rate_limit(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_rate_limit(c, v, &((struct svc_tmp *)obj)->s->rate_limit);
}

int cfg_top_rate_limit(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_rate_limit(c, v, &c->cfg->rate_limit);
}
