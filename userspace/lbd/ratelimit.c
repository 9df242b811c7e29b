// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ratelimit.c - lbctl ratelimit show|set|clear: the new-flow rate limits (the
 * global one and each service's) changed at run time without a reload
 * (docs/filtering.md).
 *
 * As acl.c: the change goes into the desired state (l->cfg), then
 * xlb_dp_filters_sync() rewrites the xlb_filt_v1 entries that differ; on
 * failure the old limit is put back. Persisted in the state file (state.c,
 * "rate_limit"), so it survives restarts and reloads until reload --reset.
 */
#include <errno.h>
#include <string.h>

#include "dp.h"
#include "filter.h"
#include "lbd.h"
#include "log.h"
#include "proto.h"

json_t *lbd_rate_limit_json(const struct xlb_rate_limit *rl)
{
	if (!rl->set)
		return json_null();
	return json_pack("{s:I, s:I, s:i, s:i}", "new_flows_per_s", (json_int_t)rl->rate, "burst",
			 (json_int_t)rl->burst, "prefix_v4", rl->prefix4, "prefix_v6", rl->prefix6);
}

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

static json_t *rl_change(struct lbd *l, json_t *args, bool set)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	struct xlb_rate_limit nrl, saved, *cur;
	struct xlb_cfg_service *s = NULL;
	char why[128];
	int err;

	/* cluster mode: cluster.c writes the change into the document instead */
	if (name) {
		s = lbd_find_service(l, name);
		if (!s)
			return xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", name);
	}
	cur = s ? &s->rate_limit : &l->cfg.rate_limit;
	if (xlb_rate_limit_from_args(args, set, &nrl, why, sizeof(why)))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "%s", why);
	saved = *cur;
	*cur = nrl;
	err = xlb_dp_filters_sync(l->dp, &l->cfg);
	if (err) {
		*cur = saved;
		xlb_dp_filters_sync(l->dp, &l->cfg); /* best effort back to the old limit */
		return xlb_proto_error(XLB_E_INTERNAL, "the data path refused the change: %s",
				       strerror(-err));
	}
	if (set)
		pr_info("rate limit %s%s%s: %u new flows/s, burst %u, per /%u (IPv4) /%u (IPv6)",
			name ? "of service \"" : "global", name ? name : "", name ? "\"" : "",
			nrl.rate, nrl.burst, nrl.prefix4, nrl.prefix6);
	else
		pr_info("rate limit %s%s%s cleared", name ? "of service \"" : "global",
			name ? name : "", name ? "\"" : "");
	lbd_event(l, set ? "ratelimit.set" : "ratelimit.clear", name, NULL, "%s%u/s burst %u",
		  set ? "" : "cleared; was ", set ? nrl.rate : saved.rate,
		  set ? nrl.burst : saved.burst);
	lbd_state_commit(l);
	return xlb_proto_ok(json_pack("{s:s, s:o, s:o}", "scope", name ? name : "global",
				      "rate_limit", lbd_rate_limit_json(cur), "previous", lbd_rate_limit_json(&saved)));
}

json_t *lbd_cmd_ratelimit_set(struct lbd *l, json_t *args)
{
	return rl_change(l, args, true);
}

json_t *lbd_cmd_ratelimit_clear(struct lbd *l, json_t *args)
{
	return rl_change(l, args, false);
}
