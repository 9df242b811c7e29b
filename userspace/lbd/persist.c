// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * persist.c - lbd's runtime changes on disk: the state file (state.h), and
 * the views that compare with the file (service.show's origin, config.export).
 *
 * l->base is the config file as loaded, l->cfg what lbd programs. Every
 * committed change (desired.c) is followed by lbd_state_commit(), which
 * writes the difference (the operator's overrides) atomically; at start and
 * on reload the overrides are replayed on top of the file (docs/config.md,
 * "Runtime changes and the state file") by the replay lib/change.c applies
 * change records with.
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
	lbd_redact_for_peer(l, yaml);
	r = json_pack("{s:s, s:s}", "config", l->config_path, "yaml", yaml);
	free(yaml);
	return xlb_proto_ok(r);
}
