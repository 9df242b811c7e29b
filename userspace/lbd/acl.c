// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * acl.c - lbctl acl list|add|remove: the global deny list and each service's
 * allow/deny lists, changed at run time without a reload (docs/filtering.md).
 *
 * The change goes into the desired state (l->cfg), then xlb_dp_filters_sync()
 * makes the tries match it; on failure the old lists are put back. ACLs are
 * persisted in the state file like other runtime changes (state.c, "acl").
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

static json_t *acl_change(struct lbd *l, json_t *args, bool add)
{
	const char *name = json_string_value(json_object_get(args, "service"));
	const char *list = json_string_value(json_object_get(args, "list"));
	const char *prefix = json_string_value(json_object_get(args, "prefix"));
	struct xlb_cfg_service *s = NULL;
	struct xlb_acl_list *lp;
	struct xlb_acl saved;
	struct xlb_cidr c;
	char why[128], a[XLB_CIDR_STRLEN];
	int err;

	if (!list || (strcmp(list, "allow") && strcmp(list, "deny")))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "list must be \"allow\" or \"deny\"");
	if (!prefix || xlb_cidr_parse(prefix, &c, why, sizeof(why)))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "prefix \"%s\": %s",
				       prefix ? prefix : "", prefix ? why : "missing");
	xlb_cidr_str(&c, a, sizeof(a));
	if (name) {
		s = lbd_find_service(l, name);
		if (!s)
			return xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", name);
		if (c.family != s->key.family)
			return xlb_proto_error(XLB_E_INVALID_ARGUMENT,
					       "%s is not of the family of service \"%s\"'s VIP "
					       "(it would never match)", a, name);
		lp = strcmp(list, "allow") ? &s->acl.deny : &s->acl.allow;
	} else {
		if (!strcmp(list, "allow"))
			return xlb_proto_error(XLB_E_INVALID_ARGUMENT,
					       "allow lists are per service: give --service");
		lp = &l->cfg.acl.deny;
	}
	if (xlb_acl_copy(&saved, name ? &s->acl : &l->cfg.acl))
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	err = add ? xlb_acl_list_add(lp, &c) : xlb_acl_list_remove(lp, &c);
	if (err) {
		xlb_acl_free(&saved);
		if (err == -EEXIST)
			return xlb_proto_error(XLB_E_EXISTS, "%s is already in the %s list", a, list);
		if (err == -ENOENT)
			return xlb_proto_error(XLB_E_NOT_FOUND, "%s is not in the %s list", a, list);
		if (err == -ENOSPC)
			return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "the %s list is full (%u)",
					       list, XLB_ACL_LIST_MAX);
		return xlb_proto_error(XLB_E_INTERNAL, "%s", strerror(-err));
	}
	err = xlb_dp_filters_sync(l->dp, &l->cfg);
	if (err) {
		struct xlb_acl *cur = name ? &s->acl : &l->cfg.acl;

		xlb_acl_free(cur);
		*cur = saved;
		xlb_dp_filters_sync(l->dp, &l->cfg); /* best effort back to the old lists */
		return xlb_proto_error(XLB_E_INTERNAL, "the data path refused the change: %s",
				       strerror(-err));
	}
	xlb_acl_free(&saved);
	pr_info("acl %s%s%s: %s %s %s", name ? "service \"" : "global", name ? name : "",
		name ? "\"" : "", list, add ? "added" : "removed", a);
	lbd_event(l, add ? "acl.add" : "acl.remove", name, NULL, "%s %s %s", list,
		  add ? "added" : "removed", a);
	lbd_state_commit(l);
	return xlb_proto_ok(json_pack("{s:s, s:s, s:s}", "scope", name ? name : "global", "list",
				      list, "prefix", a));
}

json_t *lbd_cmd_acl_add(struct lbd *l, json_t *args)
{
	return acl_change(l, args, true);
}

json_t *lbd_cmd_acl_remove(struct lbd *l, json_t *args)
{
	return acl_change(l, args, false);
}
