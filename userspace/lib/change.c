// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * change.c - the one mutation model of the desired state (change.h): a
 * control command becomes a change record, applied by one pure function to
 * a copy, through the same replay (state.c) as the state file's overrides.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "change.h"
#include "maglev.h"
#include "state.h"

static const struct {
	const char *cmd;
	enum xlb_change_op op;
} change_cmds[] = {
    {"backend.add", XLB_CH_BACKEND_ADD},	 {"backend.remove", XLB_CH_BACKEND_REMOVE},
    {"backend.weight", XLB_CH_BACKEND_WEIGHT},	 {"backend.drain", XLB_CH_BACKEND_DRAIN},
    {"backend.undrain", XLB_CH_BACKEND_UNDRAIN}, {"service.add", XLB_CH_SERVICE_ADD},
    {"service.remove", XLB_CH_SERVICE_REMOVE},	 {"acl.add", XLB_CH_ACL_ADD},
    {"acl.remove", XLB_CH_ACL_REMOVE},		 {"ratelimit.set", XLB_CH_RATE_SET},
    {"ratelimit.clear", XLB_CH_RATE_CLEAR},
};

/* acl.add|remove {service?, list, prefix}: the checks of lbd/acl.c that need no state. */
static int acl_from_cmd(const json_t *args, struct xlb_change *ch, char *err, size_t errlen)
{
	const char *svc = json_string_value(json_object_get(args, "service"));
	const char *list = json_string_value(json_object_get(args, "list"));
	const char *prefix = json_string_value(json_object_get(args, "prefix"));
	char why[128];

	if (!list || (strcmp(list, "allow") && strcmp(list, "deny"))) {
		snprintf(err, errlen, "list must be \"allow\" or \"deny\"");
		return -EINVAL;
	}
	if (!prefix || xlb_cidr_parse(prefix, &ch->prefix, why, sizeof(why))) {
		snprintf(err, errlen, "prefix \"%s\": %s", prefix ? prefix : "",
			 prefix ? why : "missing");
		return -EINVAL;
	}
	ch->allow = !strcmp(list, "allow");
	if (svc && strlen(svc) >= sizeof(ch->service)) {
		snprintf(err, errlen, "no service \"%s\"", svc);
		return -ENOENT;
	}
	if (!svc && ch->allow) {
		snprintf(err, errlen, "allow lists are per service: give --service");
		return -EINVAL;
	}
	snprintf(ch->service, sizeof(ch->service), "%s", svc ? svc : "");
	return 1;
}

int xlb_change_from_cmd(const char *cmd, const json_t *args, long long now_ms,
			struct xlb_change *ch, char *err, size_t errlen)
{
	const char *svc = json_string_value(json_object_get(args, "service"));
	const char *addr = json_string_value(json_object_get(args, "address"));
	json_t *w = json_object_get(args, "weight");
	size_t i;

	memset(ch, 0, sizeof(*ch));
	for (i = 0; i < sizeof(change_cmds) / sizeof(change_cmds[0]); i++)
		if (!strcmp(change_cmds[i].cmd, cmd))
			break;
	if (i == sizeof(change_cmds) / sizeof(change_cmds[0]))
		return 0;
	ch->op = change_cmds[i].op;
	ch->now_ms = now_ms;
	if (ch->op == XLB_CH_ACL_ADD || ch->op == XLB_CH_ACL_REMOVE)
		return acl_from_cmd(args, ch, err, errlen);
	if (ch->op == XLB_CH_RATE_SET || ch->op == XLB_CH_RATE_CLEAR) {
		if (svc && strlen(svc) >= sizeof(ch->service)) {
			snprintf(err, errlen, "no service \"%s\"", svc);
			return -ENOENT;
		}
		snprintf(ch->service, sizeof(ch->service), "%s", svc ? svc : "");
		return xlb_rate_limit_from_args(args, ch->op == XLB_CH_RATE_SET, &ch->rate, err,
						errlen)
			   ? -EINVAL
			   : 1;
	}
	if (!svc) {
		snprintf(err, errlen, "%s: \"service\": missing", cmd);
		return -EINVAL;
	}
	if (strlen(svc) >= sizeof(ch->service)) {
		if (ch->op == XLB_CH_SERVICE_ADD) {
			snprintf(err, errlen,
				 "service \"%s\": not a valid name ([A-Za-z0-9_.-], "
				 "1..%d characters)",
				 svc, XLB_NAME_MAX - 1);
			return -EINVAL;
		}
		snprintf(err, errlen, "no service \"%s\"", svc);
		return -ENOENT;
	}
	snprintf(ch->service, sizeof(ch->service), "%s", svc);
	if (ch->op <= XLB_CH_BACKEND_UNDRAIN) {
		if (!addr || strlen(addr) >= sizeof(ch->address)) {
			snprintf(err, errlen, "backend \"%s\": not an IPv4/IPv6 address",
				 addr ? addr : "");
			return -EINVAL;
		}
		snprintf(ch->address, sizeof(ch->address), "%s", addr);
	}
	if (json_is_integer(w)) {
		ch->has_weight = true;
		ch->weight = json_integer_value(w);
	} else if (ch->op == XLB_CH_BACKEND_ADD) {
		ch->weight = XLB_DEFAULT_WEIGHT;
	}
	if (ch->op == XLB_CH_BACKEND_ADD && json_object_get(args, "port")) {
		json_int_t p = json_integer_value(json_object_get(args, "port"));

		if (p < 1 || p > 65535) {
			snprintf(err, errlen, "port %lld: expected 1..65535", (long long)p);
			return -EINVAL;
		}
		ch->port = (__u16)p;
	}
	if (ch->op == XLB_CH_SERVICE_ADD) {
		ch->def = json_deep_copy(args);
		if (!ch->def)
			return -ENOMEM;
		json_object_del(ch->def, "service");
	}
	return 1;
}

void xlb_change_free(struct xlb_change *ch)
{
	json_decref(ch->def);
	ch->def = NULL;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n >= XLB_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static bool is_acl_op(enum xlb_change_op op)
{
	return op == XLB_CH_ACL_ADD || op == XLB_CH_ACL_REMOVE;
}

/*
 * An acl change: the global deny list is the document's "acl" section, a
 * service's lists are part of the service (always in the document).
 */
static enum xlb_change_res acl_apply(const struct xlb_change *ch, const struct xlb_config *doc,
				     struct xlb_config *out, char *err, size_t errlen)
{
	const char *list = ch->allow ? "allow" : "deny";
	const struct xlb_cfg_service *s = NULL;
	struct xlb_cfg_service *os;
	struct xlb_acl_list *lp;
	char a[XLB_CIDR_STRLEN];
	int ret;

	xlb_cidr_str(&ch->prefix, a, sizeof(a));
	if (ch->service[0]) {
		s = xlb_cfg_service_find(doc, ch->service);
		if (!s) {
			snprintf(err, errlen, "no service \"%s\"", ch->service);
			return XLB_CH_NOT_FOUND;
		}
		if (ch->prefix.family != s->key.family) {
			snprintf(err, errlen,
				 "%s is not of the family of service \"%s\"'s VIP (it "
				 "would never match)",
				 a, s->name);
			return XLB_CH_INVALID;
		}
	} else if (doc->doc_sections && !(doc->doc_sections & XLB_SEC_ACL)) {
		/* an older lbd's document: the nodes keep their files' global lists */
		snprintf(err, errlen,
			 "the desired state carries no \"acl\" section (its "
			 "\"sections\" lack \"acl\"): the global deny list is each node's file's; "
			 "add \"acl\" to the document's \"sections\" to change it cluster-wide");
		return XLB_CH_INVALID;
	}
	if (xlb_config_copy(out, doc))
		return XLB_CH_NOMEM;
	os = s ? xlb_cfg_service_find(out, s->name) : NULL;
	lp = os ? (ch->allow ? &os->acl.allow : &os->acl.deny) : &out->acl.deny;
	ret = ch->op == XLB_CH_ACL_ADD ? xlb_acl_list_add(lp, &ch->prefix)
				       : xlb_acl_list_remove(lp, &ch->prefix);
	if (!ret)
		return XLB_CH_OK;
	xlb_config_free(out);
	switch (ret) {
	case -EEXIST:
		snprintf(err, errlen, "%s is already in the %s list", a, list);
		return XLB_CH_EXISTS;
	case -ENOENT:
		snprintf(err, errlen, "%s is not in the %s list", a, list);
		return XLB_CH_NOT_FOUND;
	case -ENOSPC:
		snprintf(err, errlen, "the %s list is full (%u)", list, XLB_ACL_LIST_MAX);
		return XLB_CH_INVALID;
	default:
		return XLB_CH_NOMEM;
	}
}

static bool is_rate_op(enum xlb_change_op op)
{
	return op == XLB_CH_RATE_SET || op == XLB_CH_RATE_CLEAR;
}

static bool rate_eq(const struct xlb_rate_limit *a, const struct xlb_rate_limit *b)
{
	if (!a->set || !b->set)
		return a->set == b->set;
	return a->rate == b->rate && a->burst == b->burst && a->prefix4 == b->prefix4 &&
	       a->prefix6 == b->prefix6;
}

/*
 * A rate limit change: the global limit is the document's "rate_limit"
 * section, a service's is part of the service.
 */
static enum xlb_change_res rate_apply(const struct xlb_change *ch, const struct xlb_config *doc,
				      struct xlb_config *out, char *err, size_t errlen)
{
	const struct xlb_cfg_service *s = NULL;
	struct xlb_cfg_service *os;

	if (ch->service[0]) {
		s = xlb_cfg_service_find(doc, ch->service);
		if (!s) {
			snprintf(err, errlen, "no service \"%s\"", ch->service);
			return XLB_CH_NOT_FOUND;
		}
	} else if (doc->doc_sections && !(doc->doc_sections & XLB_SEC_RATE_LIMIT)) {
		snprintf(
		    err, errlen,
		    "the desired state carries no \"rate_limit\" section (its "
		    "\"sections\" lack \"rate_limit\"): the global limit is each node's file's; "
		    "add \"rate_limit\" to the document's \"sections\" to change it "
		    "cluster-wide");
		return XLB_CH_INVALID;
	}
	if (rate_eq(s ? &s->rate_limit : &doc->rate_limit, &ch->rate))
		return XLB_CH_NOOP;
	if (xlb_config_copy(out, doc))
		return XLB_CH_NOMEM;
	os = s ? xlb_cfg_service_find(out, s->name) : NULL;
	*(os ? &os->rate_limit : &out->rate_limit) = ch->rate;
	return XLB_CH_OK;
}

/*
 * The definition of a service.add, checked field by field so that the
 * operator reads which one is wrong (the replay would only say "not a valid
 * service definition"), then against doc: its VIP may not be an address this
 * node or another service's backend has, its VIP:port:protocol not another
 * service's, and there must be room for it.
 */
static enum xlb_change_res def_check(const struct xlb_change *ch, const struct xlb_config *doc,
				     char *err, size_t errlen)
{
	const char *vip = json_string_value(json_object_get(ch->def, "vip"));
	const char *proto = json_string_value(json_object_get(ch->def, "protocol"));
	const char *sched = json_string_value(json_object_get(ch->def, "scheduler"));
	const char *fwd = json_string_value(json_object_get(ch->def, "forwarding"));
	json_t *port = json_object_get(ch->def, "port"),
	       *ts = json_object_get(ch->def, "table_size");
	struct xlb_cfg_service s = {};
	char k[XLB_ADDR_STRLEN], why[160];
	__u8 sc, fw;
	__u32 size;
	size_t i;

	snprintf(s.name, sizeof(s.name), "%s", ch->service);
	if (!vip || xlb_addr_parse(vip, &s.key.addr, &s.key.family)) {
		snprintf(err, errlen, "vip \"%s\": not an IPv4/IPv6 address", vip ? vip : "");
		return XLB_CH_INVALID;
	}
	if (xlb_cfg_check_addr(doc, &s, true, &s.key.addr, s.key.family, why, sizeof(why))) {
		snprintf(err, errlen, "vip \"%s\": %s", vip, why);
		return XLB_CH_INVALID;
	}
	if (!json_integer_value(port)) {
		snprintf(err, errlen, "port 0: expected 1..65535");
		return XLB_CH_INVALID;
	}
	s.key.port = htons((__u16)json_integer_value(port));
	s.key.proto = IPPROTO_TCP;
	if (proto && xlb_proto_parse(proto, &s.key.proto)) {
		snprintf(err, errlen, "protocol \"%s\": expected tcp or udp", proto);
		return XLB_CH_INVALID;
	}
	if (sched && xlb_sched_parse(sched, &sc)) {
		snprintf(err, errlen, "scheduler \"%s\": expected maglev, sh, rr, wrr or lc",
			 sched);
		return XLB_CH_INVALID;
	}
	if (fwd && xlb_fwd_parse(fwd, &fw)) {
		snprintf(err, errlen, "forwarding \"%s\": not a forwarding mode of this lbd", fwd);
		return XLB_CH_INVALID;
	}
	size = ts ? json_integer_value(ts) : XLB_DEFAULT_TABLE_SIZE;
	if (size < 7 || !xlb_maglev_size_ok(size)) {
		snprintf(err, errlen, "table_size %u: not a prime in 7..%u (e.g. 251, 4093, 65537)",
			 size, XLB_MAX_TABLE_SIZE);
		return XLB_CH_INVALID;
	}
	for (i = 0; i < doc->n_services; i++)
		if (!memcmp(&doc->services[i].key, &s.key, sizeof(s.key))) {
			snprintf(err, errlen, "%s:%u/%s is already service \"%s\"",
				 xlb_addr_str(&s.key.addr, s.key.family, k, sizeof(k)),
				 ntohs(s.key.port), xlb_proto_name(s.key.proto),
				 doc->services[i].name);
			return XLB_CH_EXISTS;
		}
	if (doc->n_services >= XLB_MAX_SERVICES) {
		snprintf(err, errlen, "no room for another service (max %u)", XLB_MAX_SERVICES);
		return XLB_CH_FULL;
	}
	return XLB_CH_OK;
}

enum xlb_err xlb_change_err(enum xlb_change_res r)
{
	switch (r) {
	case XLB_CH_NOT_FOUND:
		return XLB_E_NOT_FOUND;
	case XLB_CH_EXISTS:
		return XLB_E_EXISTS;
	case XLB_CH_INVALID:
		return XLB_E_INVALID_ARGUMENT;
	default:
		return XLB_E_INTERNAL;
	}
}

enum xlb_change_res xlb_change_apply(const struct xlb_change *ch, const struct xlb_config *doc,
				     struct xlb_config *out, char *err, size_t errlen)
{
	const struct xlb_cfg_service *s = xlb_cfg_service_find(doc, ch->service);
	const struct xlb_cfg_backend *b = NULL;
	json_t *st, *so, *bo = NULL;
	char warn[1024], why[160], astr[XLB_ADDR_STRLEN] = "";
	struct xlb_addr a;
	__u8 family = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (is_acl_op(ch->op))
		return acl_apply(ch, doc, out, err, errlen);
	if (is_rate_op(ch->op))
		return rate_apply(ch, doc, out, err, errlen);
	if (ch->op == XLB_CH_SERVICE_ADD) {
		if (!name_ok(ch->service)) {
			snprintf(err, errlen,
				 "service \"%s\": not a valid name ([A-Za-z0-9_.-], "
				 "1..%d characters)",
				 ch->service, XLB_NAME_MAX - 1);
			return XLB_CH_INVALID;
		}
		if (s) {
			snprintf(err, errlen, "service \"%s\" already exists", ch->service);
			return XLB_CH_EXISTS;
		}
		ret = def_check(ch, doc, err, errlen);
		if (ret != XLB_CH_OK)
			return ret;
	} else if (!s) {
		snprintf(err, errlen, "no service \"%s\"", ch->service);
		return XLB_CH_NOT_FOUND;
	}
	if (ch->op <= XLB_CH_BACKEND_UNDRAIN) {
		if (xlb_addr_parse(ch->address, &a, &family)) {
			snprintf(err, errlen, "backend \"%s\": not an IPv4/IPv6 address",
				 ch->address);
			return XLB_CH_INVALID;
		}
		if (family != s->key.family) {
			snprintf(err, errlen, "backend \"%s\": service \"%s\" has an IPv%u VIP",
				 ch->address, s->name, s->key.family);
			return XLB_CH_INVALID;
		}
		xlb_addr_str(&a, family, astr, sizeof(astr)); /* the canonical spelling */
		b = xlb_cfg_backend_find(s, &a, family);
		if (ch->op == XLB_CH_BACKEND_ADD && b) {
			snprintf(err, errlen, "service \"%s\" already has backend %s", s->name,
				 astr);
			return XLB_CH_EXISTS;
		}
		if (ch->op == XLB_CH_BACKEND_ADD && ch->port && !xlb_fwd_is_nat(s->fwd)) {
			snprintf(err, errlen,
				 "service \"%s\": forwarding %s delivers to the VIP's port; a "
				 "backend port needs address translation (forwarding: nat or fullnat)",
				 s->name, xlb_fwd_name(s->fwd));
			return XLB_CH_INVALID;
		}
		if (ch->op == XLB_CH_BACKEND_ADD &&
		    xlb_cfg_check_addr(doc, s, false, &a, family, why, sizeof(why))) {
			snprintf(err, errlen, "address \"%s\": %s", astr, why);
			return XLB_CH_INVALID;
		}
		if (ch->op != XLB_CH_BACKEND_ADD && !b) {
			snprintf(err, errlen, "service \"%s\": no backend %s", s->name, astr);
			return XLB_CH_NOT_FOUND;
		}
	}
	/* the change as a state.h override, replayed by the code that replays state files */
	st = json_pack("{s:i, s:{s:{}}}", "xlb_state", XLB_STATE_VERSION, "services", ch->service);
	if (!st)
		return XLB_CH_NOMEM;
	so = json_object_get(json_object_get(st, "services"), ch->service);
	switch (ch->op) {
	case XLB_CH_SERVICE_ADD:
		json_object_set(so, "service", ch->def);
		break;
	case XLB_CH_SERVICE_REMOVE:
		json_object_set_new(so, "removed", json_true());
		break;
	case XLB_CH_BACKEND_ADD:
		bo = json_pack("{s:i}", "weight", (json_int_t)ch->weight);
		if (bo && ch->port)
			json_object_set_new(bo, "port", json_integer(ch->port));
		break;
	case XLB_CH_BACKEND_REMOVE:
		bo = json_pack("{s:b}", "removed", 1);
		break;
	case XLB_CH_BACKEND_WEIGHT:
		if (b->weight == ch->weight)
			goto noop;
		bo = json_pack("{s:i}", "weight", (json_int_t)ch->weight);
		if (b->drain) /* an override without drain_since_ms ends a drain */
			json_object_set_new(bo, "drain_since_ms", json_integer(b->drain_since_ms));
		break;
	case XLB_CH_BACKEND_DRAIN:
		if (b->drain)
			goto noop; /* draining again keeps the first countdown */
		bo = json_pack("{s:i, s:I}", "weight", (json_int_t)b->weight, "drain_since_ms",
			       (json_int_t)ch->now_ms);
		break;
	case XLB_CH_BACKEND_UNDRAIN:
		if (!b->drain)
			goto noop;
		bo = json_pack("{s:i}", "weight", (json_int_t)b->weight);
		break;
	case XLB_CH_ACL_ADD:
	case XLB_CH_ACL_REMOVE: /* acl_apply() */
	case XLB_CH_RATE_SET:
	case XLB_CH_RATE_CLEAR: /* rate_apply() */
		break;
	}
	if (bo)
		json_object_set_new(so, "backends", json_pack("{s:o}", astr, bo));
	ret = xlb_state_apply(st, doc, out, warn, sizeof(warn));
	json_decref(st);
	if (ret == -ENOMEM)
		return XLB_CH_NOMEM;
	if (ret) {
		snprintf(err, errlen, "%s", warn);
		return XLB_CH_INVALID;
	}
	if (warn[0]) { /* e.g. the VIP:port of a new service belongs to another service */
		snprintf(err, errlen, "%s", warn);
		xlb_config_free(out);
		return XLB_CH_EXISTS;
	}
	return XLB_CH_OK;
noop:
	json_decref(st);
	return XLB_CH_NOOP;
}

static bool be_equal(const struct xlb_cfg_backend *x, const struct xlb_cfg_backend *y)
{
	if (!x || !y)
		return x == y;
	return x->weight == y->weight && x->drain == y->drain &&
	       x->drain_since_ms == y->drain_since_ms && x->backup == y->backup &&
	       !strcmp(x->zone, y->zone);
}

static bool svc_equal(const struct xlb_cfg_service *x, const struct xlb_cfg_service *y)
{
	size_t i;

	if (!x || !y)
		return x == y;
	if (memcmp(&x->key, &y->key, sizeof(x->key)) || x->sched != y->sched || x->fwd != y->fwd ||
	    x->table_size != y->table_size || x->drain_timeout_s != y->drain_timeout_s ||
	    !xlb_hc_check_equal(&x->hc, &y->hc) || x->pol.cross_zone != y->pol.cross_zone ||
	    x->pol.zone_min_healthy != y->pol.zone_min_healthy ||
	    x->pol.panic_threshold != y->pol.panic_threshold ||
	    x->pol.panic_mode != y->pol.panic_mode || x->n_backends != y->n_backends ||
	    x->allow_local_address != y->allow_local_address || !xlb_acl_eq(&x->acl, &y->acl) ||
	    x->syn_cookies != y->syn_cookies)
		return false;
	for (i = 0; i < x->n_backends; i++)
		if (!be_equal(&x->backends[i],
			      xlb_cfg_backend_find(y, &x->backends[i].addr, x->backends[i].family)))
			return false;
	return true;
}

bool xlb_change_clean(const struct xlb_change *ch, const struct xlb_config *read,
		      const struct xlb_config *fresh, char *what, size_t whatlen)
{
	const struct xlb_cfg_service *rs = xlb_cfg_service_find(read, ch->service);
	const struct xlb_cfg_service *fs = xlb_cfg_service_find(fresh, ch->service);
	struct xlb_addr a;
	__u8 f;

	if (is_acl_op(ch->op) && !ch->service[0]) {
		/* the global deny list (and whether the document carries it) */
		if (!(read->doc_sections & XLB_SEC_ACL) == !(fresh->doc_sections & XLB_SEC_ACL) &&
		    xlb_acl_list_eq(&read->acl.deny, &fresh->acl.deny))
			return true;
		snprintf(what, whatlen, "the global acl was changed by another writer");
		return false;
	}
	if (is_rate_op(ch->op) && !ch->service[0]) {
		if (!(read->doc_sections & XLB_SEC_RATE_LIMIT) ==
			!(fresh->doc_sections & XLB_SEC_RATE_LIMIT) &&
		    rate_eq(&read->rate_limit, &fresh->rate_limit))
			return true;
		snprintf(what, whatlen, "the global rate limit was changed by another writer");
		return false;
	}
	if (is_rate_op(ch->op)) {
		if (rs && fs && !memcmp(&rs->key, &fs->key, sizeof(rs->key)) &&
		    rate_eq(&rs->rate_limit, &fs->rate_limit))
			return true;
		snprintf(what, whatlen,
			 "the rate limit of service \"%s\" was changed by another "
			 "writer",
			 ch->service);
		return false;
	}
	if (is_acl_op(ch->op)) {
		/* the service's lists; the rest of the service may have changed */
		if (rs && fs && !memcmp(&rs->key, &fs->key, sizeof(rs->key)) &&
		    xlb_acl_eq(&rs->acl, &fs->acl))
			return true;
		snprintf(what, whatlen, "the acl of service \"%s\" was changed by another writer",
			 ch->service);
		return false;
	}
	if (ch->op == XLB_CH_SERVICE_ADD || ch->op == XLB_CH_SERVICE_REMOVE) {
		if (svc_equal(rs, fs))
			return true;
		snprintf(what, whatlen, "service \"%s\" was changed by another writer",
			 ch->service);
		return false;
	}
	if (!rs || !fs || memcmp(&rs->key, &fs->key, sizeof(rs->key))) {
		snprintf(what, whatlen, "service \"%s\" was %s by another writer", ch->service,
			 fs ? "redefined" : "removed");
		return false;
	}
	if (xlb_addr_parse(ch->address, &a, &f) ||
	    !be_equal(xlb_cfg_backend_find(rs, &a, f), xlb_cfg_backend_find(fs, &a, f))) {
		snprintf(what, whatlen,
			 "backend %s of service \"%s\" was changed by another writer", ch->address,
			 ch->service);
		return false;
	}
	return true;
}
