// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * acl.c - lbctl acl list: the global deny list and each service's allow/deny
 * lists (docs/filtering.md). acl add/remove are changes of the desired state
 * (change.c, lib/change.c); the reconciler's xlb_dp_filters_sync() makes the
 * tries match, and the state file keeps them (state.c, "acl").
 */
#include <errno.h>
#include <string.h>

#include "dp.h"
#include "filter.h"
#include "lbd.h"
#include "log.h"
#include "proto.h"

static json_t *list_json(const struct xlb_acl_list *l)
{
	char a[XLB_CIDR_STRLEN];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(arr, json_string(xlb_cidr_str(&l->v[i], a, sizeof(a))));
	return arr;
}

json_t *lbd_cmd_acl_list(struct lbd *l, json_t *args)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	json_t *svcs = json_array();
	size_t i;

	if (name && !lbd_find_service(l, name)) {
		json_decref(svcs);
		return xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", name);
	}
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *s = &l->cfg.services[i];

		if (name && strcmp(name, s->name))
			continue;
		json_array_append_new(svcs, json_pack("{s:s, s:o, s:o, s:o}", "name", s->name,
						      "allow", list_json(&s->acl.allow), "deny",
						      list_json(&s->acl.deny), "rate_limit",
						      lbd_rate_limit_json(&s->rate_limit)));
	}
	return xlb_proto_ok(json_pack("{s:{s:o, s:o}, s:o}", "global", "deny",
				      list_json(&l->cfg.acl.deny), "rate_limit",
				      lbd_rate_limit_json(&l->cfg.rate_limit), "services", svcs));
}
