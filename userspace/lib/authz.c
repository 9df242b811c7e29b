// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Access control decisions (docs/access.md). Pure: the peer's identity and
 * the grants come in, allow/deny and the role needed come out.
 *
 * Invariants:
 * - a command row without a role needs admin (fail closed for new commands);
 * - a grant scoped to services counts only for XLB_CMD_SCOPED commands whose
 *   "service" argument names one of them; node-wide commands (and scoped
 *   commands called without a service) need a grant for every service;
 * - uid 0 is admin unless control.root_is_admin is false; then root is an
 *   ordinary user matched by its name and groups like anyone else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"

static const char *const role_names[XLB_ROLE_MAX] = {
	[XLB_ROLE_NONE] = "none",
	[XLB_ROLE_VIEWER] = "viewer",
	[XLB_ROLE_OPERATOR] = "operator",
	[XLB_ROLE_ADMIN] = "admin",
};

const char *xlb_role_name(enum xlb_role r)
{
	return (unsigned)r < XLB_ROLE_MAX ? role_names[r] : "?";
}

int xlb_role_parse(const char *s, enum xlb_role *r)
{
	int i;

	for (i = XLB_ROLE_VIEWER; s && i < XLB_ROLE_MAX; i++) {
		if (!strcmp(s, role_names[i])) {
			*r = i;
			return 0;
		}
	}
	return -EINVAL;
}

void xlb_access_free(struct xlb_access *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_grants; i++) {
		free(a->grants[i].users);
		free(a->grants[i].groups);
		free(a->grants[i].services);
	}
	free(a->grants);
	a->grants = NULL;
	a->n_grants = 0;
}

static bool in_list(const char (*list)[XLB_AUTHZ_NAME_MAX], size_t n, const char *name)
{
	size_t i;

	if (!name || !*name)
		return false;
	for (i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

static bool grant_matches_peer(const struct xlb_grant *g, const struct xlb_peer *p)
{
	size_t i;

	if (in_list((const char(*)[XLB_AUTHZ_NAME_MAX])g->users, g->n_users, p->user))
		return true;
	for (i = 0; i < p->n_groups && i < XLB_PEER_MAX_GROUPS; i++)
		if (in_list((const char(*)[XLB_AUTHZ_NAME_MAX])g->groups, g->n_groups, p->groups[i]))
			return true;
	return false;
}

enum xlb_role xlb_authz_role(const struct xlb_access *a, const struct xlb_peer *p,
			     const char *service, bool *has_scoped)
{
	enum xlb_role best = XLB_ROLE_NONE;
	size_t i;

	if (has_scoped)
		*has_scoped = false;
	if (!p)
		return XLB_ROLE_NONE;
	if (p->uid == 0 && (!a || !a->root_not_admin))
		return XLB_ROLE_ADMIN;
	for (i = 0; a && i < a->n_grants; i++) {
		const struct xlb_grant *g = &a->grants[i];

		if (g->role <= best || g->role >= XLB_ROLE_MAX || !grant_matches_peer(g, p))
			continue;
		if (g->n_services &&
		    !in_list((const char(*)[XLB_AUTHZ_NAME_MAX])g->services, g->n_services, service)) {
			if (has_scoped)
				*has_scoped = true;
			continue;
		}
		best = g->role;
	}
	return best;
}

bool xlb_authz_check(const struct xlb_access *a, const struct xlb_peer *p, enum xlb_role need,
		     const char *service, struct xlb_authz_decision *d)
{
	if (need <= XLB_ROLE_NONE || need >= XLB_ROLE_MAX)
		need = XLB_ROLE_ADMIN;
	d->need = need;
	d->service = service;
	d->have = xlb_authz_role(a, p, service, &d->has_scoped);
	d->allow = d->have >= need;
	return d->allow;
}

bool xlb_authz_request(const struct xlb_access *a, const struct xlb_peer *p, const char *cmd,
		       __u8 role, __u8 flags, json_t *args, struct xlb_authz_decision *d)
{
	const char *service = NULL;

	if (flags & XLB_CMD_SCOPED) {
		service = json_string_value(json_object_get(args, "service"));
		if (service && !*service)
			service = NULL;
	}
	return xlb_authz_check(a, p, role, service, d);
}

const char *xlb_peer_name(const struct xlb_peer *p, char *buf, size_t len)
{
	if (p->user[0])
		snprintf(buf, len, "uid %u (%s)", p->uid, p->user);
	else
		snprintf(buf, len, "uid %u", p->uid);
	return buf;
}

void xlb_authz_message(const struct xlb_authz_decision *d, const char *cmd,
		       const struct xlb_peer *p, char *buf, size_t len)
{
	char who[96], scope[128], have[128];

	if (d->service)
		snprintf(scope, sizeof(scope), " for service \"%s\"", d->service);
	else
		snprintf(scope, sizeof(scope), " for all services");
	if (d->have > XLB_ROLE_NONE)
		snprintf(have, sizeof(have), "only %s%s%s", xlb_role_name(d->have),
			 d->service ? " there" : "",
			 d->has_scoped ? " (plus grants for other services)" : "");
	else if (d->has_scoped)
		snprintf(have, sizeof(have), "roles only for %s",
			 d->service ? "other services" : "some services");
	else
		snprintf(have, sizeof(have), "no role (see roles: in the config, docs/access.md)");
	snprintf(buf, len, "permission denied: %s needs role %s%s%s; %s has %s", cmd,
		 xlb_role_name(d->need), d->need < XLB_ROLE_ADMIN ? " or higher" : "", scope,
		 xlb_peer_name(p, who, sizeof(who)), have);
}

int xlb_access_copy(struct xlb_access *dst, const struct xlb_access *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->root_not_admin = src->root_not_admin;
	if (!src->n_grants)
		return 0;
	dst->grants = calloc(src->n_grants, sizeof(*dst->grants));
	if (!dst->grants)
		return -ENOMEM;
	for (i = 0; i < src->n_grants; i++) {
		const struct xlb_grant *s = &src->grants[i];
		struct xlb_grant *d = &dst->grants[i];

		dst->n_grants = i + 1;
		*d = *s;
		d->users = d->groups = d->services = NULL;
		if ((s->n_users && !(d->users = calloc(s->n_users, XLB_AUTHZ_NAME_MAX))) ||
		    (s->n_groups && !(d->groups = calloc(s->n_groups, XLB_AUTHZ_NAME_MAX))) ||
		    (s->n_services && !(d->services = calloc(s->n_services, XLB_AUTHZ_NAME_MAX)))) {
			xlb_access_free(dst);
			return -ENOMEM;
		}
		if (s->n_users)
			memcpy(d->users, s->users, s->n_users * XLB_AUTHZ_NAME_MAX);
		if (s->n_groups)
			memcpy(d->groups, s->groups, s->n_groups * XLB_AUTHZ_NAME_MAX);
		if (s->n_services)
			memcpy(d->services, s->services, s->n_services * XLB_AUTHZ_NAME_MAX);
	}
	return 0;
}
