// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ratelimit.c - lbctl ratelimit show: the new-flow rate limits (the global
 * one and each service's, docs/filtering.md), and a limit as JSON. set and
 * clear are changes of the desired state (change.c, lib/change.c).
 */
#include <errno.h>
#include <string.h>

#include "dp.h"
#include "filter.h"
#include "lbd.h"
#include "log.h"
#include "proto.h"

json_t *lbd_cmd_ratelimit_show(struct lbd *l, json_t *args)
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
		const struct xlb_rate_limit *eff = s->rate_limit.set ? &s->rate_limit
								      : &l->cfg.rate_limit;

		if (name && strcmp(name, s->name))
			continue;
		/* effective: the service's own limit, else the global one ("from") */
		json_array_append_new(svcs, json_pack("{s:s, s:o, s:o, s:s}", "name", s->name,
						      "rate_limit", lbd_rate_limit_json(&s->rate_limit),
						      "effective", lbd_rate_limit_json(eff), "from",
						      s->rate_limit.set ? "service"
						      : eff->set	? "global"
									: "none"));
	}
	return xlb_proto_ok(json_pack("{s:o, s:o}", "global", lbd_rate_limit_json(&l->cfg.rate_limit),
				      "services", svcs));
}
