// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * persist.c - lbd's runtime changes: the state file (state.h), services added
 * and removed at runtime, service.show and config.export.
 *
 * l->base is the config file as loaded, l->cfg what lbd programs. Every
 * successful change to l->cfg is followed by lbd_state_commit(), which writes
 * the difference (the operator's overrides) atomically; at start and on
 * reload the overrides are replayed on top of the file (docs/config.md,
 * "Runtime changes and the state file").
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "addr.h"
#include "config_write.h"
#include "lbd.h"
#include "log.h"
#include "maglev.h"
#include "state.h"

static void log_lines(const char *what, char *text)
{
	char *line, *save;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pr_warn("%s: %s", what, line);
}

int lbd_state_init(struct lbd *l, char *err, size_t errlen)
{
	char warn[4096];
	json_t *st = NULL;
	int ret;

	if (!l->state_path || !*l->state_path)
		return xlb_config_copy(&l->cfg, &l->base);
	ret = xlb_state_load(l->state_path, &st, err, errlen);
	if (ret)
		return ret;
	ret = xlb_state_apply(st, &l->base, &l->cfg, warn, sizeof(warn));
	if (ret == -EINVAL)
		snprintf(err, errlen, "%s: %s", l->state_path, warn);
	else if (ret)
		snprintf(err, errlen, "%s: %s", l->state_path, strerror(-ret));
	else if (xlb_state_count(st))
		pr_info("%s: %zu runtime changes applied on top of %s", l->state_path,
			xlb_state_count(st), l->config_path);
	if (!ret)
		log_lines(l->state_path, warn);
	json_decref(st);
	return ret;
}

void lbd_state_commit(struct lbd *l)
{
	json_t *st;
	int err;

	if (!l->state_path || !*l->state_path)
		return;
	st = xlb_state_diff(&l->base, &l->cfg);
	err = st ? xlb_state_save(l->state_path, st) : -ENOMEM;
	if (err)
		pr_warn("writing the state file %s: %s (the change is live but will not survive "
			"a restart)", l->state_path, strerror(-err));
	else
		pr_debug("%s: %zu runtime changes saved", l->state_path, xlb_state_count(st));
	json_decref(st);
}

static bool valid_name(const char *s)
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

json_t *lbd_cmd_service_add(struct lbd *l, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	const char *vip = json_string_value(json_object_get(args, "vip"));
	const char *proto = json_string_value(json_object_get(args, "protocol"));
	const char *sched = json_string_value(json_object_get(args, "scheduler"));
	const char *fwd = json_string_value(json_object_get(args, "forwarding"));
	json_t *port = json_object_get(args, "port"), *ts = json_object_get(args, "table_size");
	json_t *dt = json_object_get(args, "drain_timeout");
	struct xlb_cfg_service s = {}, *ns;
	char k[XLB_ADDR_STRLEN], why[160];
	size_t i;
	int err;

	if (!valid_name(name))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "service \"%s\": not a valid name "
				       "([A-Za-z0-9_.-], 1..%d characters)", name, XLB_NAME_MAX - 1);
	if (lbd_find_service(l, name))
		return xlb_proto_error(XLB_E_EXISTS, "service \"%s\" already exists", name);
	snprintf(s.name, sizeof(s.name), "%s", name);
	if (xlb_addr_parse(vip, &s.key.addr, &s.key.family))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "vip \"%s\": not an IPv4/IPv6 address",
				       vip);
	if (xlb_cfg_check_addr(&l->cfg, &s, true, &s.key.addr, s.key.family, why, sizeof(why)))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "vip \"%s\": %s", vip, why);
	if (!json_integer_value(port))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "port 0: expected 1..65535");
	s.key.port = htons((__u16)json_integer_value(port));
	s.key.proto = IPPROTO_TCP;
	if (proto && xlb_proto_parse(proto, &s.key.proto))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "protocol \"%s\": expected tcp or udp",
				       proto);
	s.sched = XLB_SCHED_MAGLEV;
	if (sched && xlb_sched_parse(sched, &s.sched))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "scheduler \"%s\": expected maglev, "
				       "sh, rr, wrr or lc", sched);
	s.fwd = XLB_FWD_DSR_L2;
	if (fwd && xlb_fwd_parse(fwd, &s.fwd))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "forwarding \"%s\": not a forwarding "
				       "mode of this lbd", fwd);
	s.table_size = ts ? json_integer_value(ts) : XLB_DEFAULT_TABLE_SIZE;
	if (s.table_size < 7 || !xlb_maglev_size_ok(s.table_size))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "table_size %u: not a prime in "
				       "7..%u (e.g. 251, 4093, 65537)", s.table_size,
				       XLB_MAX_TABLE_SIZE);
	s.drain_timeout_s = dt ? json_integer_value(dt) : XLB_DEFAULT_DRAIN_TIMEOUT_S;
	/* the config file's defaults: a TCP connect says nothing about a UDP service */
	xlb_hc_check_default(&s.hc);
	if (s.key.proto == IPPROTO_UDP)
		s.hc.type = XLB_HC_NONE;
	s.pol = XLB_POLICY_DEFAULT;
	s.outlier = XLB_OUTLIER_DEFAULT; /* #21 */
	for (i = 0; i < l->cfg.n_services; i++)
		if (!memcmp(&l->cfg.services[i].key, &s.key, sizeof(s.key)))
			return xlb_proto_error(XLB_E_EXISTS, "%s:%u/%s is already service \"%s\"",
					       xlb_addr_str(&s.key.addr, s.key.family, k, sizeof(k)),
					       ntohs(s.key.port), xlb_proto_name(s.key.proto),
					       l->cfg.services[i].name);
	if (l->cfg.n_services >= XLB_MAX_SERVICES)
		return xlb_proto_error(XLB_E_INTERNAL, "no room for another service (max %u)",
				       XLB_MAX_SERVICES);
	ns = realloc(l->cfg.services, (l->cfg.n_services + 1) * sizeof(*ns));
	if (!ns)
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	l->cfg.services = ns;
	err = lbd_apply_service(l, &s, NULL);
	if (err)
		return xlb_proto_error(XLB_E_INTERNAL, "service \"%s\": the data path refused it: %s",
				       name, err == -ENOSPC ? "out of ids" : strerror(-err));
	l->cfg.services[l->cfg.n_services++] = s;
	err = lbd_health_sync(l);
	if (err)
		pr_warn("service \"%s\": starting its health checks: %s", name, strerror(-err));
	pr_info("service \"%s\" added at runtime: %s:%u/%s", name,
		xlb_addr_str(&s.key.addr, s.key.family, k, sizeof(k)), ntohs(s.key.port),
		xlb_proto_name(s.key.proto));
	lbd_state_commit(l);
	return xlb_proto_ok(lbd_service_json(l, &l->cfg.services[l->cfg.n_services - 1]));
}

json_t *lbd_cmd_service_remove(struct lbd *l, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	struct xlb_cfg_service *s = lbd_find_service(l, name);
	json_t *res;
	size_t i;
	int err;

	if (!s)
		return xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", name);
	res = lbd_service_json(l, s);
	err = xlb_dp_remove_service(l->dp, &s->key);
	if (err && err != -ENOENT) {
		json_decref(res);
		return xlb_proto_error(XLB_E_INTERNAL, "service \"%s\": the data path refused the "
				       "removal: %s", name, strerror(-err));
	}
	i = s - l->cfg.services;
	free(s->backends);
	memmove(s, s + 1, (l->cfg.n_services - i - 1) * sizeof(*s));
	l->cfg.n_services--;
	err = lbd_health_sync(l);
	if (err)
		pr_warn("service \"%s\": stopping its health checks: %s", name, strerror(-err));
	pr_info("service \"%s\" removed at runtime", name);
	lbd_state_commit(l);
	lbd_drain_arm(l);
	return xlb_proto_ok(res);
}

/* Is s (of l->cfg) exactly as in the config file? */
static const char *origin(struct lbd *l, const struct xlb_cfg_service *s)
{
	json_t *st = xlb_state_diff(&l->base, &l->cfg);
	json_t *o = json_object_get(json_object_get(st, "services"), s->name);
	const char *r = !o ? "config" : json_object_get(o, "service") ? "runtime" : "config+runtime";

	json_decref(st);
	return r;
}

json_t *lbd_cmd_service_show(struct lbd *l, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	struct xlb_cfg_service *s = lbd_find_service(l, name);
	json_t *o, *bes;
	enum xlb_pol_mode mode = XLB_POL_NORMAL;
	struct xlb_dp_be_active *act;
	size_t j;

	if (!s)
		return xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", name);
	o = lbd_service_json(l, s);
	act = calloc(s->n_backends ? s->n_backends : 1, sizeof(*act));
	if (act && !lbd_active_set(l, s, act, &mode))
		json_object_set_new(o, "mode", json_string(xlb_pol_mode_name(mode)));
	json_object_set_new(o, "drain_timeout", json_integer(s->drain_timeout_s));
	json_object_set_new(o, "health_check", json_string(xlb_hc_type_name(s->hc.type)));
	json_object_set_new(o, "origin", json_string(origin(l, s)));
	bes = json_array();
	lbd_flow_counts_load(l);
	for (j = 0; j < s->n_backends; j++) {
		json_t *b = lbd_backend_json(l, s, &s->backends[j]);

		if (act) {
			json_object_set_new(b, "effective_weight", json_integer(act[j].weight));
			json_object_set_new(b, "usable", json_boolean(act[j].usable));
		}
		json_array_append_new(bes, b);
	}
	lbd_flow_counts_done(l);
	free(act);
	json_object_set_new(o, "backend_list", bes);
	return xlb_proto_ok(o);
}

json_t *lbd_cmd_config_export(struct lbd *l, json_t *args)
{
	char *yaml = NULL;
	json_t *r;

	if (xlb_config_write_str(&l->cfg, lbd_realtime_ms(), &yaml)) {
		free(yaml);
		return xlb_proto_error(XLB_E_INTERNAL, "config export: out of memory");
	}
	r = json_pack("{s:s, s:s}", "config", l->config_path, "yaml", yaml);
	free(yaml);
	return xlb_proto_ok(r);
}
