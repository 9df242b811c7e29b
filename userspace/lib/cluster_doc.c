// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cluster_doc.c - the shared desired state document and changes to it (cluster_doc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cluster_doc.h"
#include "config_write.h"
#include "state.h"

int xlb_cluster_doc_encode(const struct xlb_config *cfg, const char *writer, long long now_ms,
			   char **out)
{
	json_t *doc, *drains, *names;
	char *yaml = NULL, a[XLB_ADDR_STRLEN];
	unsigned int sections, bit;
	size_t i, j;
	int err;

	*out = NULL;
	/* a decoded document keeps the sections it had (an old one: services only) */
	sections = cfg->doc_sections ? cfg->doc_sections & XLB_SEC_SHARED : XLB_SEC_SHARED;
	err = xlb_config_write_sections_str(cfg, sections, now_ms, &yaml);
	if (err) {
		free(yaml);
		return err;
	}
	names = json_array();
	for (bit = 1; names && (bit & XLB_SEC_ALL); bit <<= 1)
		if (sections & bit)
			json_array_append_new(names, json_string(xlb_cfg_section_name(bit)));
	drains = json_object();
	for (i = 0; drains && i < cfg->n_services; i++) {
		const struct xlb_cfg_service *s = &cfg->services[i];
		json_t *d = NULL;

		for (j = 0; j < s->n_backends; j++) {
			const struct xlb_cfg_backend *b = &s->backends[j];

			if (!b->drain)
				continue;
			if (!d)
				d = json_object();
			json_object_set_new(d, xlb_addr_str(&b->addr, b->family, a, sizeof(a)),
					    json_integer(b->drain_since_ms));
		}
		if (d)
			json_object_set_new(drains, s->name, d);
	}
	doc = json_pack("{s:i, s:o, s:s, s:o, s:s, s:I}", "xlb_desired", XLB_CLUSTER_DOC_VERSION,
			"sections", names, "config", yaml, "drains", drains, "written_by",
			writer ? writer : "", "written_at_ms", (json_int_t)now_ms);
	free(yaml);
	if (doc)
		*out = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return *out ? 0 : -ENOMEM;
}

static struct xlb_cfg_service *svc_find(const struct xlb_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

static struct xlb_cfg_backend *be_find(const struct xlb_cfg_service *s, const struct xlb_addr *a,
				       __u8 family)
{
	size_t i;

	for (i = 0; s && i < s->n_backends; i++)
		if (!xlb_addr_cmp(s->backends[i].family, &s->backends[i].addr, family, a))
			return &s->backends[i];
	return NULL;
}

/*
 * "sections": the cluster-wide sections the document carries; absent (a
 * document of an older lbd): services only, the nodes' files keep the rest.
 * A node-local name is refused: the nodes would never use it.
 */
static int doc_sections(const json_t *arr, const char *name, unsigned int *out, char *err,
			size_t errlen)
{
	const json_t *v;
	unsigned int bit;
	size_t i;

	*out = XLB_SEC_SERVICES;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		goto bad;
	*out = 0;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		for (bit = 1; s && (bit & XLB_SEC_ALL); bit <<= 1)
			if (!strcmp(s, xlb_cfg_section_name(bit)))
				break;
		if (!s || !(bit & XLB_SEC_ALL))
			goto bad;
		if (!(bit & XLB_SEC_SHARED)) {
			snprintf(err, errlen, "%s: sections: \"%s\" is node-local (each node's "
				 "file); a document carries only services, acl, rate_limit, roles",
				 name, s);
			return -EINVAL;
		}
		*out |= bit;
	}
	if (*out & XLB_SEC_SERVICES)
		return 0;
bad:
	snprintf(err, errlen, "%s: sections: expected an array of section names with \"services\" "
		 "(services, acl, rate_limit, roles)", name);
	return -EINVAL;
}

int xlb_cluster_doc_decode(const char *buf, size_t len, const char *name, struct xlb_config *doc,
			   char *err, size_t errlen)
{
	json_t *j, *v, *drains, *bes, *since;
	const char *yaml, *sname, *addr;
	unsigned int sections = 0;
	json_error_t jerr;
	int ret;

	memset(doc, 0, sizeof(*doc));
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(err, errlen, "%s: not JSON: %s (line %d)", name, jerr.text, jerr.line);
		return -EINVAL;
	}
	v = json_object_get(j, "xlb_desired");
	yaml = json_string_value(json_object_get(j, "config"));
	drains = json_object_get(j, "drains");
	if (!json_is_object(j) || !json_is_integer(v) ||
	    json_integer_value(v) != XLB_CLUSTER_DOC_VERSION || !yaml ||
	    (drains && !json_is_object(drains))) {
		snprintf(err, errlen, "%s: not an xlb desired-state document of version %d "
			 "(needs \"xlb_desired\", \"config\" and optional \"drains\")", name,
			 XLB_CLUSTER_DOC_VERSION);
		json_decref(j);
		return -EINVAL;
	}
	ret = doc_sections(json_object_get(j, "sections"), name, &sections, err, errlen);
	if (ret)
		goto out;
	/* node: (the encap check) is each node's: xlb_cluster_merge() checks against it */
	ret = xlb_config_parse_flags(yaml, strlen(yaml), name, XLB_PARSE_NO_NODE_CHECKS, doc, err,
				     errlen);
	if (ret)
		goto out;
	doc->doc_sections = sections;
	json_object_foreach(drains, sname, bes) {
		struct xlb_cfg_service *s = svc_find(doc, sname);

		if (!s || !json_is_object(bes)) {
			snprintf(err, errlen, "%s: drains.%s: %s", name, sname,
				 s ? "expected an object" : "no such service");
			ret = -EINVAL;
			goto out;
		}
		json_object_foreach(bes, addr, since) {
			struct xlb_cfg_backend *b;
			struct xlb_addr a;
			__u8 f;

			b = xlb_addr_parse(addr, &a, &f) ? NULL : be_find(s, &a, f);
			if (!b || !json_is_integer(since) || json_integer_value(since) < 0) {
				snprintf(err, errlen, "%s: drains.%s.%s: %s", name, sname, addr,
					 b ? "expected drain_since_ms (an integer)"
					   : "no such backend");
				ret = -EINVAL;
				goto out;
			}
			b->drain = true;
			b->drain_since_ms = json_integer_value(since);
		}
	}
out:
	if (ret)
		xlb_config_free(doc);
	json_decref(j);
	return ret;
}

static void free_services(struct xlb_config *c)
{
	size_t i;

	for (i = 0; i < c->n_services; i++)
		free(c->services[i].backends);
	free(c->services);
	c->services = NULL;
	c->n_services = 0;
}

int xlb_cluster_merge(const struct xlb_config *local, const struct xlb_config *doc,
		      struct xlb_config *eff, char *err, size_t errlen)
{
	struct xlb_config tmp;
	size_t i;
	int ret;

	ret = xlb_config_copy(eff, local);
	if (ret)
		return ret;
	free_services(eff);
	ret = xlb_config_copy(&tmp, doc);
	if (ret) {
		xlb_config_free(eff);
		return ret;
	}
	eff->services = tmp.services; /* moved */
	eff->n_services = tmp.n_services;
	tmp.services = NULL;
	tmp.n_services = 0;
	/*
	 * The other cluster-wide sections the document carries win over the
	 * file's, even when empty; everything else (node, metrics, events,
	 * control with root_is_admin, audit, bgp, cluster) stays the file's.
	 */
	if (doc->doc_sections & XLB_SEC_ACL) {
		xlb_acl_free(&eff->acl);
		eff->acl = tmp.acl; /* moved */
		memset(&tmp.acl, 0, sizeof(tmp.acl));
	}
	if (doc->doc_sections & XLB_SEC_RATE_LIMIT)
		eff->rate_limit = tmp.rate_limit;
	if (tmp.sc_secret_set) { /* written with the services: every node the same */
		memcpy(eff->sc_secret, tmp.sc_secret, sizeof(eff->sc_secret));
		eff->sc_secret_set = true;
	}
	if (doc->doc_sections & XLB_SEC_ROLES) {
		bool root_not_admin = eff->access.root_not_admin;

		xlb_access_free(&eff->access);
		eff->access = tmp.access; /* moved */
		eff->access.root_not_admin = root_not_admin;
		memset(&tmp.access, 0, sizeof(tmp.access));
	}
	eff->doc_sections = 0;
	xlb_config_free(&tmp);
	for (i = 0; i < eff->n_services; i++) {
		const struct xlb_cfg_service *s = &eff->services[i];
		bool v4 = s->key.family == XLB_AF_INET;

		if (s->fwd != XLB_FWD_IPIP && s->fwd != XLB_FWD_GUE)
			continue;
		if (v4 ? eff->node_addr4_family : eff->node_addr6_family)
			continue;
		snprintf(err, errlen, "service \"%s\": forwarding %s needs node.%s in this node's "
			 "config", s->name, xlb_fwd_name(s->fwd), v4 ? "address_v4" : "address_v6");
		xlb_config_free(eff);
		return -EINVAL;
	}
	return 0;
}

/* ---- changes ---- */

static const struct {
	const char *cmd;
	enum xlb_cluster_op op;
} change_cmds[] = {
	{ "backend.add", XLB_CL_BACKEND_ADD },
	{ "backend.remove", XLB_CL_BACKEND_REMOVE },
	{ "backend.weight", XLB_CL_BACKEND_WEIGHT },
	{ "backend.drain", XLB_CL_BACKEND_DRAIN },
	{ "backend.undrain", XLB_CL_BACKEND_UNDRAIN },
	{ "service.add", XLB_CL_SERVICE_ADD },
	{ "service.remove", XLB_CL_SERVICE_REMOVE },
	{ "acl.add", XLB_CL_ACL_ADD },
	{ "acl.remove", XLB_CL_ACL_REMOVE },
	{ "ratelimit.set", XLB_CL_RATE_SET },
	{ "ratelimit.clear", XLB_CL_RATE_CLEAR },
};

/* acl.add|remove {service?, list, prefix}: the checks of lbd/acl.c that need no state. */
static int acl_from_cmd(const json_t *args, struct xlb_cluster_change *ch, char *err,
			size_t errlen)
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
		snprintf(err, errlen, "service \"%s\": name too long", svc);
		return -EINVAL;
	}
	if (!svc && ch->allow) {
		snprintf(err, errlen, "allow lists are per service: give --service");
		return -EINVAL;
	}
	snprintf(ch->service, sizeof(ch->service), "%s", svc ? svc : "");
	return 1;
}

int xlb_cluster_change_from_cmd(const char *cmd, const json_t *args, long long now_ms,
				struct xlb_cluster_change *ch, char *err, size_t errlen)
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
	if (ch->op == XLB_CL_ACL_ADD || ch->op == XLB_CL_ACL_REMOVE)
		return acl_from_cmd(args, ch, err, errlen);
	if (ch->op == XLB_CL_RATE_SET || ch->op == XLB_CL_RATE_CLEAR) {
		if (svc && strlen(svc) >= sizeof(ch->service)) {
			snprintf(err, errlen, "service \"%s\": name too long", svc);
			return -EINVAL;
		}
		snprintf(ch->service, sizeof(ch->service), "%s", svc ? svc : "");
		return xlb_rate_limit_from_args(args, ch->op == XLB_CL_RATE_SET, &ch->rate, err,
						errlen) ? -EINVAL : 1;
	}
	if (!svc || strlen(svc) >= sizeof(ch->service)) {
		snprintf(err, errlen, "%s: \"service\": missing or too long", cmd);
		return -EINVAL;
	}
	snprintf(ch->service, sizeof(ch->service), "%s", svc);
	if (ch->op <= XLB_CL_BACKEND_UNDRAIN) {
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
	} else if (ch->op == XLB_CL_BACKEND_ADD) {
		ch->weight = XLB_DEFAULT_WEIGHT;
	}
	if (ch->op == XLB_CL_SERVICE_ADD) {
		ch->def = json_deep_copy(args);
		if (!ch->def)
			return -ENOMEM;
		json_object_del(ch->def, "service");
	}
	return 1;
}

void xlb_cluster_change_free(struct xlb_cluster_change *ch)
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

static bool is_acl_op(enum xlb_cluster_op op)
{
	return op == XLB_CL_ACL_ADD || op == XLB_CL_ACL_REMOVE;
}

/*
 * An acl change: the global deny list is the document's "acl" section, a
 * service's lists are part of the service (always in the document).
 */
static enum xlb_cluster_res acl_apply(const struct xlb_cluster_change *ch,
				      const struct xlb_config *doc, struct xlb_config *out,
				      char *err, size_t errlen)
{
	const char *list = ch->allow ? "allow" : "deny";
	const struct xlb_cfg_service *s = NULL;
	struct xlb_cfg_service *os;
	struct xlb_acl_list *lp;
	char a[XLB_CIDR_STRLEN];
	int ret;

	xlb_cidr_str(&ch->prefix, a, sizeof(a));
	if (ch->service[0]) {
		s = svc_find(doc, ch->service);
		if (!s) {
			snprintf(err, errlen, "no service \"%s\"", ch->service);
			return XLB_CL_NOT_FOUND;
		}
		if (ch->prefix.family != s->key.family) {
			snprintf(err, errlen, "%s is not of the family of service \"%s\"'s VIP (it "
				 "would never match)", a, s->name);
			return XLB_CL_INVALID;
		}
	} else if (doc->doc_sections && !(doc->doc_sections & XLB_SEC_ACL)) {
		/* an older lbd's document: the nodes keep their files' global lists */
		snprintf(err, errlen, "the desired state carries no \"acl\" section (its "
			 "\"sections\" lack \"acl\"): the global deny list is each node's file's; "
			 "add \"acl\" to the document's \"sections\" to change it cluster-wide");
		return XLB_CL_INVALID;
	}
	if (xlb_config_copy(out, doc))
		return XLB_CL_NOMEM;
	os = s ? svc_find(out, s->name) : NULL;
	lp = os ? (ch->allow ? &os->acl.allow : &os->acl.deny) : &out->acl.deny;
	ret = ch->op == XLB_CL_ACL_ADD ? xlb_acl_list_add(lp, &ch->prefix)
				       : xlb_acl_list_remove(lp, &ch->prefix);
	if (!ret)
		return XLB_CL_OK;
	xlb_config_free(out);
	switch (ret) {
	case -EEXIST:
		snprintf(err, errlen, "%s is already in the %s list", a, list);
		return XLB_CL_EXISTS;
	case -ENOENT:
		snprintf(err, errlen, "%s is not in the %s list", a, list);
		return XLB_CL_NOT_FOUND;
	case -ENOSPC:
		snprintf(err, errlen, "the %s list is full (%u)", list, XLB_ACL_LIST_MAX);
		return XLB_CL_INVALID;
	default:
		return XLB_CL_NOMEM;
	}
}

static bool is_rate_op(enum xlb_cluster_op op)
{
	return op == XLB_CL_RATE_SET || op == XLB_CL_RATE_CLEAR;
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
static enum xlb_cluster_res rate_apply(const struct xlb_cluster_change *ch,
				       const struct xlb_config *doc, struct xlb_config *out,
				       char *err, size_t errlen)
{
	const struct xlb_cfg_service *s = NULL;
	struct xlb_cfg_service *os;

	if (ch->service[0]) {
		s = svc_find(doc, ch->service);
		if (!s) {
			snprintf(err, errlen, "no service \"%s\"", ch->service);
			return XLB_CL_NOT_FOUND;
		}
	} else if (doc->doc_sections && !(doc->doc_sections & XLB_SEC_RATE_LIMIT)) {
		snprintf(err, errlen, "the desired state carries no \"rate_limit\" section (its "
			 "\"sections\" lack \"rate_limit\"): the global limit is each node's file's; "
			 "add \"rate_limit\" to the document's \"sections\" to change it "
			 "cluster-wide");
		return XLB_CL_INVALID;
	}
	if (rate_eq(s ? &s->rate_limit : &doc->rate_limit, &ch->rate))
		return XLB_CL_NOOP;
	if (xlb_config_copy(out, doc))
		return XLB_CL_NOMEM;
	os = s ? svc_find(out, s->name) : NULL;
	*(os ? &os->rate_limit : &out->rate_limit) = ch->rate;
	return XLB_CL_OK;
}

enum xlb_cluster_res xlb_cluster_change_apply(const struct xlb_cluster_change *ch,
					      const struct xlb_config *doc, struct xlb_config *out,
					      char *err, size_t errlen)
{
	const struct xlb_cfg_service *s = svc_find(doc, ch->service);
	const struct xlb_cfg_backend *b = NULL;
	json_t *st, *so, *bo = NULL;
	char warn[1024], why[160];
	const char *vip;
	struct xlb_addr a;
	__u8 family = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (is_acl_op(ch->op))
		return acl_apply(ch, doc, out, err, errlen);
	if (is_rate_op(ch->op))
		return rate_apply(ch, doc, out, err, errlen);
	if (ch->op == XLB_CL_SERVICE_ADD) {
		if (!name_ok(ch->service)) {
			snprintf(err, errlen, "service \"%s\": not a valid name ([A-Za-z0-9_.-], "
				 "1..%d characters)", ch->service, XLB_NAME_MAX - 1);
			return XLB_CL_INVALID;
		}
		if (s) {
			snprintf(err, errlen, "service \"%s\" already exists", ch->service);
			return XLB_CL_EXISTS;
		}
		vip = json_string_value(json_object_get(ch->def, "vip"));
		if (vip && !xlb_addr_parse(vip, &a, &family)) {
			struct xlb_cfg_service ns = {.key = {.addr = a, .family = family}};

			snprintf(ns.name, sizeof(ns.name), "%s", ch->service);
			if (xlb_cfg_check_addr(doc, &ns, true, &a, family, why, sizeof(why))) {
				snprintf(err, errlen, "vip \"%s\": %s", vip, why);
				return XLB_CL_INVALID;
			}
		}
	} else if (!s) {
		snprintf(err, errlen, "no service \"%s\"", ch->service);
		return XLB_CL_NOT_FOUND;
	}
	if (ch->op <= XLB_CL_BACKEND_UNDRAIN) {
		if (xlb_addr_parse(ch->address, &a, &family)) {
			snprintf(err, errlen, "backend \"%s\": not an IPv4/IPv6 address", ch->address);
			return XLB_CL_INVALID;
		}
		if (family != s->key.family) {
			snprintf(err, errlen, "backend \"%s\": service \"%s\" has an IPv%u VIP",
				 ch->address, s->name, s->key.family);
			return XLB_CL_INVALID;
		}
		b = be_find(s, &a, family);
		if (ch->op == XLB_CL_BACKEND_ADD && b) {
			snprintf(err, errlen, "service \"%s\" already has backend %s", s->name,
				 ch->address);
			return XLB_CL_EXISTS;
		}
		if (ch->op == XLB_CL_BACKEND_ADD &&
		    xlb_cfg_check_addr(doc, s, false, &a, family, why, sizeof(why))) {
			snprintf(err, errlen, "backend \"%s\": %s", ch->address, why);
			return XLB_CL_INVALID;
		}
		if (ch->op != XLB_CL_BACKEND_ADD && !b) {
			snprintf(err, errlen, "service \"%s\" has no backend %s", s->name, ch->address);
			return XLB_CL_NOT_FOUND;
		}
	}
	/* the change as a state.h override, replayed by the code that replays state files */
	st = json_pack("{s:i, s:{s:{}}}", "xlb_state", XLB_STATE_VERSION, "services", ch->service);
	if (!st)
		return XLB_CL_NOMEM;
	so = json_object_get(json_object_get(st, "services"), ch->service);
	switch (ch->op) {
	case XLB_CL_SERVICE_ADD:
		json_object_set(so, "service", ch->def);
		break;
	case XLB_CL_SERVICE_REMOVE:
		json_object_set_new(so, "removed", json_true());
		break;
	case XLB_CL_BACKEND_ADD:
		bo = json_pack("{s:i}", "weight", (json_int_t)ch->weight);
		break;
	case XLB_CL_BACKEND_REMOVE:
		bo = json_pack("{s:b}", "removed", 1);
		break;
	case XLB_CL_BACKEND_WEIGHT:
		if (b->weight == ch->weight)
			goto noop;
		bo = json_pack("{s:i}", "weight", (json_int_t)ch->weight);
		if (b->drain) /* an override without drain_since_ms ends a drain */
			json_object_set_new(bo, "drain_since_ms", json_integer(b->drain_since_ms));
		break;
	case XLB_CL_BACKEND_DRAIN:
		if (b->drain)
			goto noop; /* draining again keeps the first countdown */
		bo = json_pack("{s:i, s:I}", "weight", (json_int_t)b->weight, "drain_since_ms",
			       (json_int_t)ch->now_ms);
		break;
	case XLB_CL_BACKEND_UNDRAIN:
		if (!b->drain)
			goto noop;
		bo = json_pack("{s:i}", "weight", (json_int_t)b->weight);
		break;
	case XLB_CL_ACL_ADD:
	case XLB_CL_ACL_REMOVE: /* acl_apply() */
	case XLB_CL_RATE_SET:
	case XLB_CL_RATE_CLEAR: /* rate_apply() */
		break;
	}
	if (bo)
		json_object_set_new(so, "backends", json_pack("{s:o}", ch->address, bo));
	ret = xlb_state_apply(st, doc, out, warn, sizeof(warn));
	json_decref(st);
	if (ret == -ENOMEM)
		return XLB_CL_NOMEM;
	if (ret) {
		snprintf(err, errlen, "%s", warn);
		return XLB_CL_INVALID;
	}
	if (warn[0]) { /* e.g. the VIP:port of a new service belongs to another service */
		snprintf(err, errlen, "%s", warn);
		xlb_config_free(out);
		return XLB_CL_EXISTS;
	}
	return XLB_CL_OK;
noop:
	json_decref(st);
	return XLB_CL_NOOP;
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
			      be_find(y, &x->backends[i].addr, x->backends[i].family)))
			return false;
	return true;
}

bool xlb_cluster_change_clean(const struct xlb_cluster_change *ch, const struct xlb_config *read,
			      const struct xlb_config *fresh, char *what, size_t whatlen)
{
	const struct xlb_cfg_service *rs = svc_find(read, ch->service);
	const struct xlb_cfg_service *fs = svc_find(fresh, ch->service);
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
		snprintf(what, whatlen, "the rate limit of service \"%s\" was changed by another "
			 "writer", ch->service);
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
	if (ch->op == XLB_CL_SERVICE_ADD || ch->op == XLB_CL_SERVICE_REMOVE) {
		if (svc_equal(rs, fs))
			return true;
		snprintf(what, whatlen, "service \"%s\" was changed by another writer", ch->service);
		return false;
	}
	if (!rs || !fs || memcmp(&rs->key, &fs->key, sizeof(rs->key))) {
		snprintf(what, whatlen, "service \"%s\" was %s by another writer", ch->service,
			 fs ? "redefined" : "removed");
		return false;
	}
	if (xlb_addr_parse(ch->address, &a, &f) ||
	    !be_equal(be_find(rs, &a, f), be_find(fs, &a, f))) {
		snprintf(what, whatlen, "backend %s of service \"%s\" was changed by another writer",
			 ch->address, ch->service);
		return false;
	}
	return true;
}

json_t *xlb_cluster_disagreements(const json_t *nodes)
{
	json_t *out = json_array(), *revs = json_object(), *seen = json_object(), *n, *svc, *st;
	const char *sname, *addr;
	long long first = -1;
	bool differ = false;
	size_t i;

	json_array_foreach(nodes, i, n) {
		const char *name = json_string_value(json_object_get(n, "node")) ?: "?";
		long long r = json_integer_value(json_object_get(n, "revision"));

		json_object_set_new(revs, name, json_integer(r));
		if (first >= 0 && r != first)
			differ = true;
		first = r;
		/* seen[svc/addr] = {"up": [...], "down": [...]} */
		json_object_foreach(json_object_get(n, "health"), sname, svc) {
			json_object_foreach(svc, addr, st) {
				char k[XLB_NAME_MAX + XLB_ADDR_STRLEN + 2];
				const char *s = json_string_value(st);
				json_t *e;

				if (!s || (strcmp(s, "up") && strcmp(s, "down")))
					continue;
				snprintf(k, sizeof(k), "%s/%s", sname, addr);
				e = json_object_get(seen, k);
				if (!e) {
					e = json_pack("{s:s, s:s, s:[], s:[]}", "service", sname,
						      "backend", addr, "up", "down");
					json_object_set_new(seen, k, e);
				}
				json_array_append_new(json_object_get(e, s), json_string(name));
			}
		}
	}
	if (differ)
		json_array_append_new(out, json_pack("{s:s, s:O}", "kind", "revision", "revisions",
						     revs));
	json_object_foreach(seen, sname, st) {
		if (!json_array_size(json_object_get(st, "up")) ||
		    !json_array_size(json_object_get(st, "down")))
			continue;
		json_object_set_new(st, "kind", json_string("health"));
		json_array_append(out, st);
	}
	json_decref(revs);
	json_decref(seen);
	return out;
}
