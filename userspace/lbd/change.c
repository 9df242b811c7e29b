// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * change.c - every command that changes the desired state (backend
 * add/remove/weight/drain/undrain, service add/remove, acl add/remove,
 * ratelimit set/clear) travels one road:
 *
 *   command -> xlb_change_from_cmd() -> change record (lib/change.h)
 *     local:   xlb_change_apply() on a copy of l->cfg -> lbd_desired_commit_change()
 *              (reconciler -> data path, then the observers: state file, drain
 *              timer, health targets, BGP)
 *     cluster: the same xlb_change_apply() on the etcd document, compare-and-swap,
 *              and the revision comes back through lbd_desired_commit() (cluster.c)
 *
 * Local and cluster mode differ only in where the committed state comes
 * from. This file adds what an operator sees: the log line, the event and
 * the reply of each command (docs/control.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "change.h"
#include "filter.h"
#include "lbd.h"
#include "log.h"

/* The backend of a backend op in l->cfg (the change was applied: it exists, or was added). */
static struct xlb_cfg_backend *change_backend(struct xlb_cfg_service *s,
					      const struct xlb_change *ch)
{
	struct xlb_addr a;
	__u8 family;

	if (!s || xlb_addr_parse(ch->address, &a, &family))
		return NULL;
	return xlb_cfg_backend_find(s, &a, family);
}

/* The reply of a change the data path refused (nothing changed). */
static json_t *refused(const struct xlb_change *ch, int err)
{
	switch (ch->op) {
	case XLB_CH_SERVICE_ADD:
		return xlb_proto_error(XLB_E_INTERNAL,
				       "service \"%s\": the data path refused it: %s", ch->service,
				       err == -ENOSPC ? "out of ids" : strerror(-err));
	case XLB_CH_SERVICE_REMOVE:
		return xlb_proto_error(XLB_E_INTERNAL,
				       "service \"%s\": the data path refused the "
				       "removal: %s",
				       ch->service, strerror(-err));
	case XLB_CH_ACL_ADD:
	case XLB_CH_ACL_REMOVE:
	case XLB_CH_RATE_SET:
	case XLB_CH_RATE_CLEAR:
		return xlb_proto_error(XLB_E_INTERNAL, "the data path refused the change: %s",
				       strerror(-err));
	default:
		return xlb_proto_error(XLB_E_INTERNAL,
				       "service \"%s\": the data path refused the "
				       "change: %s",
				       ch->service,
				       err == -ENOSPC ? "out of backend ids" : strerror(-err));
	}
}

/* One backend's object; with its active flows when counted (drain replies). */
static json_t *backend_reply(struct lbd *l, const struct xlb_change *ch, bool flows)
{
	struct xlb_cfg_service *s = lbd_find_service(l, ch->service);
	struct xlb_cfg_backend *b = change_backend(s, ch);
	json_t *o;

	if (!b)
		return json_object();
	if (flows)
		lbd_flow_counts_load(l);
	o = lbd_backend_json(l, s, b);
	if (flows)
		lbd_flow_counts_done(l);
	return o;
}

static json_t *acl_done(struct lbd *l, const struct xlb_change *ch)
{
	const char *name = ch->service[0] ? ch->service : NULL,
		   *list = ch->allow ? "allow" : "deny";
	bool add = ch->op == XLB_CH_ACL_ADD;
	char a[XLB_CIDR_STRLEN];

	xlb_cidr_str(&ch->prefix, a, sizeof(a));
	pr_info("acl %s%s%s: %s %s %s", name ? "service \"" : "global", name ? name : "",
		name ? "\"" : "", list, add ? "added" : "removed", a);
	lbd_event(l, add ? "acl.add" : "acl.remove", name, NULL, "%s %s %s", list,
		  add ? "added" : "removed", a);
	return xlb_proto_ok(json_pack("{s:s, s:s, s:s}", "scope", name ? name : "global", "list",
				      list, "prefix", a));
}

static json_t *rate_done(struct lbd *l, const struct xlb_change *ch,
			 const struct xlb_rate_limit *saved)
{
	const char *name = ch->service[0] ? ch->service : NULL;
	const struct xlb_rate_limit *nrl = &ch->rate;
	bool set = ch->op == XLB_CH_RATE_SET;

	if (set)
		pr_info("rate limit %s%s%s: %u new flows/s, burst %u, per /%u (IPv4) /%u (IPv6)",
			name ? "of service \"" : "global", name ? name : "", name ? "\"" : "",
			nrl->rate, nrl->burst, nrl->prefix4, nrl->prefix6);
	else
		pr_info("rate limit %s%s%s cleared", name ? "of service \"" : "global",
			name ? name : "", name ? "\"" : "");
	lbd_event(l, set ? "ratelimit.set" : "ratelimit.clear", name, NULL, "%s%u/s burst %u",
		  set ? "" : "cleared; was ", set ? nrl->rate : saved->rate,
		  set ? nrl->burst : saved->burst);
	return xlb_proto_ok(json_pack("{s:s, s:o, s:o}", "scope", name ? name : "global",
				      "rate_limit", lbd_rate_limit_json(nrl), "previous",
				      lbd_rate_limit_json(saved)));
}

/* A change in local mode: apply to a copy, commit once, then say what happened. */
static json_t *local_change(struct lbd *l, const struct xlb_change *ch)
{
	struct xlb_cfg_service *s = lbd_find_service(l, ch->service);
	struct xlb_cfg_backend *b = change_backend(s, ch), oldb = {};
	struct xlb_rate_limit saved = {};
	struct xlb_config next;
	enum xlb_change_res res;
	char err[1024], what[XLB_NAME_MAX + 16], a[XLB_ADDR_STRLEN] = "", k[XLB_ADDR_STRLEN];
	json_t *before = NULL, *o;
	int ret;

	res = xlb_change_apply(ch, &l->cfg, &next, err, sizeof(err));
	if (res == XLB_CH_NOMEM)
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	if (res != XLB_CH_OK && res != XLB_CH_NOOP)
		return xlb_proto_error(xlb_change_err(res), "%s", err);
	/* what the reply and the log say of the state before */
	if (b) {
		oldb = *b;
		xlb_addr_str(&b->addr, b->family, a, sizeof(a));
	}
	if (ch->op == XLB_CH_RATE_SET || ch->op == XLB_CH_RATE_CLEAR)
		saved = s ? s->rate_limit : l->cfg.rate_limit;
	if (ch->op == XLB_CH_BACKEND_REMOVE)
		before = lbd_backend_json(l, s, b);
	else if (ch->op == XLB_CH_SERVICE_REMOVE)
		before = lbd_service_json(l, s);
	if (res == XLB_CH_OK) {
		snprintf(what, sizeof(what), "service \"%s\"", ch->service);
		ret =
		    lbd_desired_commit_change(l, &next, ch->service[0] ? what : "global settings");
		xlb_config_free(&next);
		if (ret) {
			json_decref(before);
			return refused(ch, ret);
		}
	}
	s = lbd_find_service(l, ch->service); /* in the committed state */
	switch (ch->op) {
	case XLB_CH_BACKEND_ADD:
		b = change_backend(s, ch);
		xlb_addr_str(&b->addr, b->family, a, sizeof(a));
		pr_info("service \"%s\": backend %s added (weight %u)", s->name, a, b->weight);
		lbd_event(l, "backend.add", s->name, a, "added with weight %u", b->weight);
		return xlb_proto_ok(lbd_backend_json(l, s, b));
	case XLB_CH_BACKEND_REMOVE:
		pr_info("service \"%s\": backend %s removed", ch->service, a);
		lbd_event(l, "backend.remove", ch->service, a, "removed");
		return xlb_proto_ok(before);
	case XLB_CH_BACKEND_WEIGHT:
		if (oldb.weight != ch->weight)
			pr_info("service \"%s\": backend %s weight %u -> %u", s->name, a,
				oldb.weight, ch->weight);
		lbd_event(l, "backend.weight", s->name, a, "weight %u -> %u", oldb.weight,
			  ch->weight);
		o = backend_reply(l, ch, false);
		json_object_set_new(o, "old_weight", json_integer(oldb.weight));
		return xlb_proto_ok(o);
	case XLB_CH_BACKEND_DRAIN:
	case XLB_CH_BACKEND_UNDRAIN:
		if (res == XLB_CH_NOOP) { /* idempotent: a second drain keeps the first countdown */
			o = backend_reply(l, ch, true);
			json_object_set_new(o, "changed", json_false());
			return xlb_proto_ok(o);
		}
		lbd_event(l, "drain", s->name, a,
			  ch->op == XLB_CH_BACKEND_DRAIN ? "draining: no new flows, timeout %u s"
							 : "undrained",
			  s->drain_timeout_s);
		if (ch->op == XLB_CH_BACKEND_DRAIN)
			pr_info("service \"%s\": backend %s draining: no new flows; established "
				"flows until they end or %u s pass",
				s->name, a, s->drain_timeout_s);
		else
			pr_info("service \"%s\": backend %s undrained%s", s->name, a,
				lbd_drain_expired(s, &oldb, lbd_realtime_ms()) ? " (was released)"
									       : "");
		o = backend_reply(l, ch, true);
		json_object_set_new(o, "changed", json_true());
		return xlb_proto_ok(o);
	case XLB_CH_SERVICE_ADD:
		pr_info("service \"%s\" added at runtime: %s:%u/%s", s->name,
			xlb_addr_str(&s->key.addr, s->key.family, k, sizeof(k)), ntohs(s->key.port),
			xlb_proto_name(s->key.proto));
		return xlb_proto_ok(lbd_service_json(l, s));
	case XLB_CH_SERVICE_REMOVE:
		pr_info("service \"%s\" removed at runtime", ch->service);
		return xlb_proto_ok(before);
	case XLB_CH_ACL_ADD:
	case XLB_CH_ACL_REMOVE:
		return acl_done(l, ch);
	case XLB_CH_RATE_SET:
	case XLB_CH_RATE_CLEAR:
		return rate_done(l, ch, &saved);
	}
	return xlb_proto_error(XLB_E_INTERNAL, "unknown change");
}

json_t *lbd_change_handle(struct lbd *l, const char *cmd, json_t *args)
{
	struct xlb_change ch;
	char err[1024];
	json_t *r;
	int ret;

	ret = xlb_change_from_cmd(cmd, args, lbd_realtime_ms(), &ch, err, sizeof(err));
	if (ret == 0)
		return NULL; /* not a change of the desired state */
	if (ret == -ENOMEM)
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	if (ret < 0)
		return xlb_proto_error(ret == -ENOENT ? XLB_E_NOT_FOUND : XLB_E_INVALID_ARGUMENT,
				       "%s", err);
	/* cluster mode: the change is written to etcd and comes back as a revision */
	r = l->cluster ? lbd_cluster_change(l, cmd, &ch) : local_change(l, &ch);
	xlb_change_free(&ch);
	return r;
}
