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

static struct xlb_cfg_service *find_service(struct lbd *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->cfg.n_services; i++)
		if (!strcmp(l->cfg.services[i].name, name))
			return &l->cfg.services[i];
	return NULL;
}

static struct xlb_cfg_backend *find_backend(struct xlb_cfg_service *s, const struct xlb_addr *a,
					    __u8 family)
{
	size_t i;

	for (i = 0; i < s->n_backends; i++)
		if (!xlb_addr_cmp(s->backends[i].family, &s->backends[i].addr, family, a))
			return &s->backends[i];
	return NULL;
}

static json_t *counters_json(json_t *o, const struct xlb_counters *c)
{
	json_object_set_new(o, "packets", json_integer(c->packets));
	json_object_set_new(o, "bytes", json_integer(c->bytes));
	json_object_set_new(o, "new_flows", json_integer(c->new_flows));
	json_object_set_new(o, "syn_retx", json_integer(c->syn_retx)); /* #21 */
	return o;
}

static json_t *service_json(struct lbd *l, const struct xlb_cfg_service *s)
{
	char vip[XLB_ADDR_STRLEN];
	struct xlb_counters c = {};
	json_t *o;
	__u32 id;

	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:i}", "name", s->name, "vip",
		      xlb_addr_str(&s->key.addr, s->key.family, vip, sizeof(vip)), "port",
		      ntohs(s->key.port), "proto", xlb_proto_name(s->key.proto), "sched",
		      xlb_sched_name(s->sched), "fwd", xlb_fwd_name(s->fwd), "table_size",
		      (json_int_t)s->table_size, "backends", (json_int_t)s->n_backends);
	if (!o)
		return NULL;
	json_object_set_new(o, "syn_cookies", lbd_sc_json(s));
	if (!xlb_dp_service_id(l->dp, &s->key, &id)) {
		json_object_set_new(o, "id", json_integer(id));
		xlb_dp_service_counters(l->dp, id, &c);
	}
	o = counters_json(o, &c);
	if (o)
		json_object_set_new(o, "syn_cookies_sent", json_integer(c.syn_cookies));
	return o;
}

static json_t *backend_json(struct lbd *l, const struct xlb_cfg_service *s,
			    const struct xlb_cfg_backend *b)
{
	char a[XLB_ADDR_STRLEN];
	struct xlb_counters c = {};
	json_t *o;
	__u32 id;

	o = json_pack("{s:s, s:s, s:i, s:s}", "service", s->name, "address",
		      xlb_addr_str(&b->addr, b->family, a, sizeof(a)), "weight",
		      (json_int_t)b->weight, "state", b->weight ? "active" : "idle");
	if (!o)
		return NULL;
	if (!xlb_dp_backend_id(l->dp, &s->key, &b->addr, b->family, &id)) {
		json_object_set_new(o, "id", json_integer(id));
		xlb_dp_backend_counters(l->dp, id, &c);
		lbd_drain_backend_json(l, s, b, o, id, true);
	} else {
		lbd_drain_backend_json(l, s, b, o, 0, false);
	}
	return counters_json(o, &c);
}

/* For drain.c and persist.c. */
struct xlb_cfg_service *lbd_find_service(struct lbd *l, const char *name)
{
	return find_service(l, name);
}

json_t *lbd_service_json(struct lbd *l, const struct xlb_cfg_service *s)
{
	return service_json(l, s);
}

json_t *lbd_backend_json(struct lbd *l, const struct xlb_cfg_service *s,
			 const struct xlb_cfg_backend *b)
{
	return backend_json(l, s, b);
}

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
		json_array_append_new(arr, service_json(l, &l->cfg.services[i]));
	return json_pack("{s:o}", "services", arr);
}

/* Look up the "service" argument; on failure *resp is the error. */
static struct xlb_cfg_service *arg_service(struct lbd *l, json_t *args, json_t **resp)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	struct xlb_cfg_service *s = find_service(l, name);

	if (!s)
		*resp = xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", name);
	return s;
}

/* Parse the "address" argument for service s; on failure *resp is the error. */
static int arg_address(struct xlb_cfg_service *s, json_t *args, struct xlb_addr *a, __u8 *family,
		       json_t **resp)
{
	const char *str = json_string_value(json_object_get(args, "address"));

	if (xlb_addr_parse(str, a, family)) {
		*resp = xlb_proto_error(XLB_E_INVALID_ARGUMENT,
					"backend \"%s\": not an IPv4/IPv6 address", str);
		return -EINVAL;
	}
	if (*family != s->key.family) {
		*resp = xlb_proto_error(XLB_E_INVALID_ARGUMENT,
					"backend \"%s\": service \"%s\" has an IPv%u VIP", str,
					s->name, s->key.family);
		return -EINVAL;
	}
	return 0;
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
			json_array_append_new(arr, backend_json(l, s, &s->backends[j]));
	}
	lbd_flow_counts_done(l);
	return json_pack("{s:o}", "backends", arr);
}

/*
 * Apply a new backend list to service s: the data path first, and the
 * desired state only when that worked. Takes ownership of nb.
 */
static int commit_backends(struct lbd *l, struct xlb_cfg_service *s, struct xlb_cfg_backend *nb,
			   size_t n, json_t **resp)
{
	struct xlb_cfg_service tmp = *s;
	int err;

	tmp.backends = nb;
	tmp.n_backends = n;
	err = lbd_apply_service(l, &tmp, NULL);
	if (err) {
		free(nb);
		*resp = xlb_proto_error(XLB_E_INTERNAL, "service \"%s\": the data path refused the "
					"change: %s", s->name,
					err == -ENOSPC ? "out of backend ids" : strerror(-err));
		return err;
	}
	free(s->backends);
	s->backends = nb;
	s->n_backends = n;
	err = lbd_health_sync(l);
	if (err)
		pr_warn("service \"%s\": updating its health checks: %s", s->name, strerror(-err));
	lbd_state_commit(l);
	lbd_drain_arm(l);
	return 0;
}

static json_t *cmd_backend_add(struct lbd *l, json_t *args)
{
	json_t *w = json_object_get(args, "weight"), *resp = NULL;
	struct xlb_cfg_service *s;
	struct xlb_cfg_backend *nb;
	char a[XLB_ADDR_STRLEN], why[160];
	struct xlb_addr addr;
	__u8 family;

	if (!(s = arg_service(l, args, &resp)) || arg_address(s, args, &addr, &family, &resp))
		return resp;
	xlb_addr_str(&addr, family, a, sizeof(a));
	if (find_backend(s, &addr, family))
		return xlb_proto_error(XLB_E_EXISTS, "service \"%s\" already has backend %s",
				       s->name, a);
	if (xlb_cfg_check_addr(&l->cfg, s, false, &addr, family, why, sizeof(why)))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "address \"%s\": %s", a, why);
	nb = malloc((s->n_backends + 1) * sizeof(*nb));
	if (!nb)
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	memcpy(nb, s->backends, s->n_backends * sizeof(*nb));
	memset(&nb[s->n_backends], 0, sizeof(*nb));
	nb[s->n_backends].addr = addr;
	nb[s->n_backends].family = family;
	nb[s->n_backends].weight = w ? json_integer_value(w) : XLB_DEFAULT_WEIGHT;
	if (commit_backends(l, s, nb, s->n_backends + 1, &resp))
		return resp;
	pr_info("service \"%s\": backend %s added (weight %u)", s->name, a,
		s->backends[s->n_backends - 1].weight);
	lbd_event(l, "backend.add", s->name, a, "added with weight %u",
		  s->backends[s->n_backends - 1].weight);
	return xlb_proto_ok(backend_json(l, s, &s->backends[s->n_backends - 1]));
}

/*
 * The existing backend named by args {service, address}: NULL with *resp set
 * (bad request or not_found) otherwise. *sp gets its service, a (at least
 * XLB_ADDR_STRLEN bytes) its address as text.
 */
static struct xlb_cfg_backend *arg_backend(struct lbd *l, json_t *args, struct xlb_cfg_service **sp,
					   char *a, json_t **resp)
{
	struct xlb_cfg_backend *b;
	struct xlb_addr addr;
	__u8 family;

	if (!(*sp = arg_service(l, args, resp)) || arg_address(*sp, args, &addr, &family, resp))
		return NULL;
	xlb_addr_str(&addr, family, a, XLB_ADDR_STRLEN);
	b = find_backend(*sp, &addr, family);
	if (!b)
		*resp = xlb_proto_error(XLB_E_NOT_FOUND, "service \"%s\": no backend %s",
					(*sp)->name, a);
	return b;
}

static json_t *cmd_backend_remove(struct lbd *l, json_t *args)
{
	struct xlb_cfg_service *s;
	struct xlb_cfg_backend *b, *nb;
	char a[XLB_ADDR_STRLEN];
	json_t *resp = NULL, *res;
	size_t idx;

	if (!(b = arg_backend(l, args, &s, a, &resp)))
		return resp;
	res = backend_json(l, s, b);
	idx = b - s->backends;
	nb = malloc((s->n_backends ? s->n_backends : 1) * sizeof(*nb));
	if (!nb) {
		json_decref(res);
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	}
	memcpy(nb, s->backends, idx * sizeof(*nb));
	memcpy(nb + idx, s->backends + idx + 1, (s->n_backends - idx - 1) * sizeof(*nb));
	if (commit_backends(l, s, nb, s->n_backends - 1, &resp)) {
		json_decref(res);
		return resp;
	}
	pr_info("service \"%s\": backend %s removed", s->name, a);
	lbd_event(l, "backend.remove", s->name, a, "removed");
	return xlb_proto_ok(res);
}

static json_t *cmd_backend_weight(struct lbd *l, json_t *args)
{
	__u32 w = json_integer_value(json_object_get(args, "weight")), old;
	struct xlb_cfg_service *s;
	struct xlb_cfg_backend *b, *nb;
	char a[XLB_ADDR_STRLEN];
	json_t *resp = NULL, *res;
	size_t idx;

	if (!(b = arg_backend(l, args, &s, a, &resp)))
		return resp;
	old = b->weight;
	idx = b - s->backends;
	nb = malloc(s->n_backends * sizeof(*nb));
	if (!nb)
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	memcpy(nb, s->backends, s->n_backends * sizeof(*nb));
	nb[idx].weight = w;
	if (commit_backends(l, s, nb, s->n_backends, &resp))
		return resp;
	if (old != w)
		pr_info("service \"%s\": backend %s weight %u -> %u", s->name, a, old, w);
	lbd_event(l, "backend.weight", s->name, a, "weight %u -> %u", old, w);
	res = backend_json(l, s, &s->backends[idx]);
	json_object_set_new(res, "old_weight", json_integer(old));
	return xlb_proto_ok(res);
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
		json_t *o = service_json(l, s), *bes = json_array();

		for (j = 0; j < s->n_backends; j++)
			json_array_append_new(bes, backend_json(l, s, &s->backends[j]));
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
	{ "backend.add", cmd_backend_add, true },
	{ "backend.remove", cmd_backend_remove, true },
	{ "backend.weight", cmd_backend_weight, true },
	{ "stats", cmd_stats, false },
	{ "reload", cmd_reload, true },
	{ "health", cmd_health, true },
	{ "audit", lbd_cmd_audit, true }, /* audit.c */
	{ "backend.drain", lbd_cmd_backend_drain, true },
	{ "backend.undrain", lbd_cmd_backend_undrain, true },
	{ "service.add", lbd_cmd_service_add, true },
	{ "service.remove", lbd_cmd_service_remove, true },
	{ "service.show", lbd_cmd_service_show, true },
	{ "config.export", lbd_cmd_config_export, true },
	{ "acl.list", lbd_cmd_acl_list, true }, /* acl.c */
	{ "acl.add", lbd_cmd_acl_add, true },
	{ "acl.remove", lbd_cmd_acl_remove, true },
	{ "ratelimit.show", lbd_cmd_ratelimit_show, true }, /* ratelimit.c */
	{ "ratelimit.set", lbd_cmd_ratelimit_set, true },
	{ "ratelimit.clear", lbd_cmd_ratelimit_clear, true },
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
	/* cluster mode: changes of the desired state are written to etcd (cluster.c) */
	if (l->cluster && (r = lbd_cluster_handle(l, spec->name, args)))
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

void lbd_local_addrs_refresh(void)
{
	int err = xlb_config_read_local_addrs();

	if (err)
		pr_warn("cannot read this node's addresses (%s): VIPs and backends are not "
			"checked against them",
			strerror(-err));
}

int lbd_reload(struct lbd *l, struct xlb_dp_diff *diff, char *err, size_t errlen)
{
	return lbd_reload_ex(l, false, diff, err, errlen);
}

int lbd_reload_ex(struct lbd *l, bool reset, struct xlb_dp_diff *diff, char *err, size_t errlen)
{
	struct xlb_config ncfg = {}, nbase = {};
	char summary[256], *text = NULL;
	json_t *plan;
	size_t len;
	int ret;

	lbd_local_addrs_refresh();
	/* the text too: it becomes a generation of the history (apply.c) */
	ret = xlb_read_file(l->config_path, 16u << 20, &text, &len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", l->config_path,
			 ret == -EFBIG ? "not a regular file of at most 16 MiB" : strerror(-ret));
		return -EINVAL;
	}
	ret = xlb_config_parse(text, len, l->config_path, &nbase, err, errlen);
	if (ret) {
		free(text);
		return -EINVAL; /* err has file:line: field: problem */
	}
	/* the operator's runtime changes stay on top of the new file (state.h) */
	ret = lbd_desired_build(l, &nbase, reset ? LBD_KEEP_NOTHING : LBD_KEEP_OVERRIDES, &ncfg,
				err, errlen);
	if (ret)
		goto out;
	if (reset)
		pr_info("reload --reset: runtime changes dropped");
	plan = xlb_plan(&l->base, &nbase);
	if (plan)
		xlb_plan_summary(plan, summary, sizeof(summary));
	else
		snprintf(summary, sizeof(summary), "reloaded");
	json_decref(plan);
	ret = lbd_desired_commit(l, &nbase, &ncfg, l->config_path, diff, NULL, NULL, err, errlen);
	if (ret)
		goto out;
	lbd_history_note(l, "reload", text, len, summary);
	pr_info("reloaded %s: %zu services (%u added, %u removed, %u changed, %u unchanged)",
		l->config_path, l->cfg.n_services, diff->added, diff->removed, diff->changed,
		diff->unchanged);
out:
	free(text);
	xlb_config_free(&ncfg);
	xlb_config_free(&nbase);
	return ret;
}
