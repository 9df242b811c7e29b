// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* lbd control commands (docs/control.md). Arguments arrive validated by type. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <unistd.h>

#include "fileio.h"
#include "addr.h"
#include "dp_nat.h"
#include "history.h"
#include "inspect.h"
#include "lbd.h"
#include "log.h"
#include "plan.h"
#include "state.h"

static const char *const stat_names[XLB_STAT_MAX] = {
#define XLB_STAT_NAME(e, name, help) [XLB_STAT_##e] = name,
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

static json_t *cmd_status(struct lbd *l, json_t *args)
{
	struct xlb_dp_fill f;
	json_t *o;

	if (xlb_dp_fill(l->dp, &f))
		return NULL;
	o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:I, s:i, s:b}", "iface", l->iface,
			 "ifindex", xlb_dp_ifindex(l->dp), "attach_mode",
			 xlb_dp_attach_mode(l->dp), "pin_dir", l->pin_dir, "socket", l->sock_path,
			 "config", l->config_path, "uptime_s",
			 (json_int_t)((lbd_now_ms() - l->start_ms) / 1000), "services",
			 (int)l->cfg.n_services, "adopted", xlb_dp_adopted(l->dp));
	if (!o)
		return NULL;
	json_object_set_new(o, "state", json_string(l->state_path));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "flow_cache", json_boolean(xlb_dp_flow_cache(l->dp)));
	json_object_set_new(o, "cluster", lbd_cluster_status_json(l)); /* cluster.c */
	json_object_set_new(o, "control", lbd_control_json()); /* control.c */
	json_object_set_new(o, "link", lbd_netwatch_json(l)); /* netwatch.c */
	/* flows: counted by the periodic walk (main.c timer), never here: a full table takes 100+ ms */
	json_object_set_new(o, "maps", json_pack("{s:{s:i, s:i, s:I}, s:{s:i, s:i}, s:{s:i, s:i}}",
						"flows", "used", (json_int_t)f.flows, "max",
						(json_int_t)f.flows_max, "counted_ms_ago",
						(json_int_t)f.flows_age_ms, "services", "used",
						(json_int_t)f.services, "max",
						(json_int_t)f.services_max, "backends", "used",
						(json_int_t)f.backends, "max",
						(json_int_t)f.backends_max));
	return o;
}

static json_t *cmd_service_list(struct lbd *l, json_t *args)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->cfg.n_services; i++)
		json_array_append_new(arr, lbd_service_json(l, &l->cfg.services[i]));
	return json_pack("{s:o}", "services", arr);
}

/* Look up the "service" argument; on failure *resp is the error. */
static struct xlb_cfg_service *arg_service(struct lbd *l, json_t *args, json_t **resp)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	struct xlb_cfg_service *s = lbd_find_service(l, name);

	if (!s)
		*resp = xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", name);
	return s;
}

static json_t *cmd_backend_list(struct lbd *l, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	json_t *arr, *resp = NULL;
	size_t i, j;

	if (name && !arg_service(l, args, &resp))
		return resp;
	arr = json_array();
	lbd_flow_counts_load(l); /* one walk of the connection table */
	for (i = 0; i < l->cfg.n_services; i++) {
		struct xlb_cfg_service *s = &l->cfg.services[i];

		if (name && strcmp(name, s->name))
			continue;
		for (j = 0; j < s->n_backends; j++)
			json_array_append_new(arr, lbd_backend_json(l, s, &s->backends[j]));
	}
	lbd_flow_counts_done(l);
	return json_pack("{s:o}", "backends", arr);
}

static json_t *cmd_stats(struct lbd *l, json_t *args)
{
	__u64 g[XLB_STAT_MAX] = {};
	json_t *glob, *svcs, *res;
	size_t i, j;
	int err;

	struct xlb_dp_fcache_stats fc;

	err = xlb_dp_stats(l->dp, g);
	if (!err)
		err = xlb_dp_fcache_stats(l->dp, &fc);
	if (err)
		return NULL;
	glob = json_object();
	for (i = 0; i < XLB_STAT_MAX; i++)
		json_object_set_new(glob, stat_names[i], json_integer(g[i]));
	svcs = json_array();
	for (i = 0; i < l->cfg.n_services; i++) {
		struct xlb_cfg_service *s = &l->cfg.services[i];
		json_t *o = lbd_service_json(l, s), *bes = json_array();

		for (j = 0; j < s->n_backends; j++)
			json_array_append_new(bes, lbd_backend_json(l, s, &s->backends[j]));
		json_object_set_new(o, "backend_list", bes);
		json_array_append_new(svcs, o);
	}
	res = json_pack("{s:o, s:o, s:{s:b, s:I, s:I, s:I, s:I}}", "global", glob, "services", svcs,
			"flow_cache", "enabled", fc.enabled, "hits", (json_int_t)fc.hits, "misses",
			(json_int_t)fc.misses, "fills", (json_int_t)fc.fills, "invalidations",
			(json_int_t)fc.invalidations);
	{
		/* #19: NAT events, reverse entries and SNAT ports (dp_nat.h) */
		struct xlb_dp_nat_stats ns;

		if (res && xlb_dp_nat_stats(l->dp, &ns) == 0) {
			json_t *o = json_pack("{s:b, s:I, s:I}", "on", ns.on, "entries",
					      (json_int_t)ns.entries, "ports", (json_int_t)ns.ports);

			for (i = 0; o && i < XLB_NAT_STAT_MAX; i++)
				json_object_set_new(o, xlb_nat_stat_names[i][0],
						    json_integer((json_int_t)ns.ev[i]));
			json_object_set_new(res, "nat", o);
		}
	}
	return res;
}

static json_t *cmd_health(struct lbd *l, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	json_t *resp = NULL;

	if (name && !arg_service(l, args, &resp))
		return resp;
	return xlb_proto_ok(lbd_health_json(l, name));
}

static json_t *cmd_reload(struct lbd *l, json_t *args)
{
	struct xlb_dp_diff d = {};
	char err[512];
	int ret;

	ret = lbd_reload_ex(l, json_is_true(json_object_get(args, "reset")), &d, err,
			    sizeof(err));
	lbd_note_reload(l, "lbctl", ret, err);
	if (ret)
		return xlb_proto_error(ret == -EINVAL ? XLB_E_INVALID_ARGUMENT : XLB_E_INTERNAL, "%s",
				       err);
	return xlb_proto_ok(json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "config",
				      l->config_path, "services", (int)l->cfg.n_services, "added",
				      d.added, "removed", d.removed, "changed", d.changed,
				      "unchanged", d.unchanged, "tables_built", d.tables_built));
}

/* node.*: the node's BGP announcements (bgp.c) */
static json_t *cmd_node_status(struct lbd *l, json_t *args)
{
	return lbd_bgp_node_json(l);
}

static json_t *cmd_node_drain(struct lbd *l, json_t *args)
{
	return lbd_bgp_set_drained(l, true);
}

static json_t *cmd_node_undrain(struct lbd *l, json_t *args)
{
	return lbd_bgp_set_drained(l, false);
}

/* Commands returning a bare result (wrapped here) vs. a full response. */
static const struct {
	const char *name;
	json_t *(*fn)(struct lbd *l, json_t *args);
	bool full;
} handlers[] = {
	{ "status", cmd_status, false },
	{ "service.list", cmd_service_list, false },
	{ "backend.list", cmd_backend_list, true },
	{ "stats", cmd_stats, false },
	{ "reload", cmd_reload, true },
	{ "health", cmd_health, true },
	{ "audit", lbd_cmd_audit, true }, /* audit.c */
	{ "service.show", lbd_cmd_service_show, true },
	{ "config.export", lbd_cmd_config_export, true },
	{ "acl.list", lbd_cmd_acl_list, true }, /* acl.c */
	{ "ratelimit.show", lbd_cmd_ratelimit_show, true }, /* ratelimit.c */
	{ "node.status", cmd_node_status, false },
	{ "node.drain", cmd_node_drain, true },
	{ "node.undrain", cmd_node_undrain, true },
	{ "events", lbd_cmd_events, false },
	{ "plan", lbd_cmd_plan, true }, /* apply.c */
	{ "apply", lbd_cmd_apply, true },
	{ "history", lbd_cmd_history, true },
	{ "diff", lbd_cmd_diff, true },
	{ "rollback", lbd_cmd_rollback, true },
	{ "cluster.status", lbd_cluster_cmd_status, true }, /* cluster.c */
	{ "flow.explain", lbd_cmd_flow_explain, true }, /* explain.c */
	{ "capture.start", lbd_cmd_capture_start, true }, /* capture.c */
	{ "capture.read", lbd_cmd_capture_read, true },
	{ "capture.stop", lbd_cmd_capture_stop, true },
};

json_t *lbd_handle(struct lbd *l, const struct xlb_cmd_spec *spec, json_t *args)
{
	json_t *r;
	size_t i;

	/* what a VIP or backend may not be: this node's addresses, as they are now */
	lbd_local_addrs_refresh();
	/* every change of the desired state: change.c (locally, or through etcd) */
	r = lbd_change_handle(l, spec->name, args);
	if (r)
		return r;
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(handlers[i].name, spec->name))
			continue;
		r = handlers[i].fn(l, args);
		if (!r)
			return xlb_proto_error(XLB_E_INTERNAL, "%s: failed to read the data path",
					       spec->name);
		/* "full" handlers return a response, or a bare result on success */
		if (handlers[i].full && json_object_get(r, "ok"))
			return r;
		return xlb_proto_ok(r);
	}
	return xlb_proto_error(XLB_E_UNKNOWN_COMMAND, "unknown command \"%s\"", spec->name);
}

json_t *lbd_dispatch(struct lbd *l, const struct xlb_peer *p, const struct xlb_cmd_spec *spec,
		     json_t *args)
{
	static const struct xlb_peer nobody = { .uid = (__u32)-1, .gid = (__u32)-1 };
	json_t *resp;

	if (!p)
		p = &nobody; /* no credentials: no role */
	resp = lbd_authorize(p, spec, args); /* access.c: one check for every command */
	if (resp)
		return resp;
	l->peer = p; /* who asked: recorded with an applied generation (apply.c) */
	resp = lbd_handle(l, spec, args);
	l->peer = NULL;
	if (!(spec->flags & XLB_CMD_READONLY))
		lbd_audit(p, "socket", spec->name, args, resp);
	return resp;
}
