// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cfg_cmp.c - field-by-field comparison of two configs (cfg_cmp.h). */
#include <stdio.h>
#include <string.h>

#include "cfg_cmp.h"

/*
 * The structs this file knows. A new field changes a size: look at the
 * comparison below (a flat field needs nothing, a pointer needs handling),
 * then update the size.
 */
_Static_assert(sizeof(struct xlb_config) == 2480, "struct xlb_config changed: see cfg_cmp.c");
_Static_assert(sizeof(struct xlb_cfg_service) == 2136,
	       "struct xlb_cfg_service changed: see cfg_cmp.c");
_Static_assert(sizeof(struct xlb_cfg_backend) == 88, "struct xlb_cfg_backend changed: see cfg_cmp.c");
_Static_assert(sizeof(struct xlb_grant) == 64, "struct xlb_grant changed: see cfg_cmp.c");
_Static_assert(sizeof(struct xlb_pol_service) == 32, "struct xlb_pol_service changed: see cfg_cmp.c");

static bool differ(char *why, size_t len, const char *fmt, const char *path, size_t i)
{
	snprintf(why, len, fmt, path, i);
	return false;
}

static bool list_eq(const struct xlb_acl_list *a, const struct xlb_acl_list *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!xlb_cidr_eq(&a->v[i], &b->v[i]))
			return false;
	return true;
}

static bool acl_eq(const struct xlb_acl *a, const struct xlb_acl *b)
{
	return list_eq(&a->allow, &b->allow) && list_eq(&a->deny, &b->deny);
}

/* policy: explicit (its padding may hold anything after a struct assignment) */
static bool pol_eq(const struct xlb_pol_service *a, const struct xlb_pol_service *b)
{
	return a->cross_zone == b->cross_zone && a->zone_min_healthy == b->zone_min_healthy &&
	       a->panic_threshold == b->panic_threshold && a->panic_mode == b->panic_mode;
}

static bool names_eq(const char (*a)[XLB_AUTHZ_NAME_MAX], size_t na,
		     const char (*b)[XLB_AUTHZ_NAME_MAX], size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool backend_eq(const struct xlb_cfg_backend *a, const struct xlb_cfg_backend *b)
{
	struct xlb_cfg_backend x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	x.line = y.line = 0;
	x.drain = y.drain = false; /* runtime only */
	x.drain_since_ms = y.drain_since_ms = 0;
	return !memcmp(&x, &y, sizeof(x));
}

static bool service_eq(const struct xlb_cfg_service *a, const struct xlb_cfg_service *b,
		       size_t si, char *why, size_t len)
{
	struct xlb_cfg_service x, y;
	char path[64];
	size_t j;

	snprintf(path, sizeof(path), "services[%zu]", si);
	if (!pol_eq(&a->pol, &b->pol))
		return differ(why, len, "%s: zone policy (cross_zone, zone_min_healthy, panic_*)",
			      path, 0);
	if (!acl_eq(&a->acl, &b->acl))
		return differ(why, len, "%s.acl", path, 0);
	if (a->n_backends != b->n_backends)
		return differ(why, len, "%s: number of backends", path, 0);
	for (j = 0; j < a->n_backends; j++)
		if (!backend_eq(&a->backends[j], &b->backends[j]))
			return differ(why, len, "%s.backends[%zu]", path, j);
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	x.line = y.line = 0;
	memset(&x.pol, 0, sizeof(x.pol));
	memset(&y.pol, 0, sizeof(y.pol));
	memset(&x.acl, 0, sizeof(x.acl));
	memset(&y.acl, 0, sizeof(y.acl));
	x.backends = y.backends = NULL;
	if (memcmp(&x.hc, &y.hc, sizeof(x.hc)))
		return differ(why, len, "%s.health_check", path, 0);
	if (memcmp(&x.scaling, &y.scaling, sizeof(x.scaling)))
		return differ(why, len, "%s.scaling", path, 0);
	if (memcmp(&x.outlier, &y.outlier, sizeof(x.outlier)) || x.slow_start_s != y.slow_start_s ||
	    memcmp(&x.agent, &y.agent, sizeof(x.agent)))
		return differ(why, len, "%s.outlier_detection, slow_start_s or agent_check", path, 0);
	if (memcmp(&x.rate_limit, &y.rate_limit, sizeof(x.rate_limit)))
		return differ(why, len, "%s.rate_limit", path, 0);
	if (memcmp(&x, &y, sizeof(x)))
		return differ(why, len, "%s (name, vip, port, protocol, scheduler, forwarding, "
			      "table_size or drain_timeout)", path, 0);
	return true;
}

bool xlb_test_cfg_equal(const struct xlb_config *a, const struct xlb_config *b, char *why,
			size_t len)
{
	struct xlb_config x, y;
	size_t i;

	snprintf(why, len, "equal");
	if (a->n_services != b->n_services)
		return differ(why, len, "%s: number of services", "services", 0);
	for (i = 0; i < a->n_services; i++)
		if (!service_eq(&a->services[i], &b->services[i], i, why, len))
			return false;
	if (!acl_eq(&a->acl, &b->acl))
		return differ(why, len, "%s", "acl", 0);
	if (a->access.n_grants != b->access.n_grants)
		return differ(why, len, "%s: number of grants", "roles", 0);
	for (i = 0; i < a->access.n_grants; i++) {
		const struct xlb_grant *g = &a->access.grants[i], *h = &b->access.grants[i];
		struct xlb_grant gx = *g, hx = *h;

		gx.users = hx.users = NULL;
		gx.groups = hx.groups = NULL;
		gx.services = hx.services = NULL;
		gx.line = hx.line = 0;
		if (gx.role != hx.role || gx.n_users != hx.n_users || gx.n_groups != hx.n_groups ||
		    gx.n_services != hx.n_services ||
		    !names_eq((const char(*)[XLB_AUTHZ_NAME_MAX])g->users, g->n_users,
			      (const char(*)[XLB_AUTHZ_NAME_MAX])h->users, h->n_users) ||
		    !names_eq((const char(*)[XLB_AUTHZ_NAME_MAX])g->groups, g->n_groups,
			      (const char(*)[XLB_AUTHZ_NAME_MAX])h->groups, h->n_groups) ||
		    !names_eq((const char(*)[XLB_AUTHZ_NAME_MAX])g->services, g->n_services,
			      (const char(*)[XLB_AUTHZ_NAME_MAX])h->services, h->n_services))
			return differ(why, len, "%s[%zu]", "roles", i);
	}
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	x.services = y.services = NULL;
	memset(&x.acl, 0, sizeof(x.acl));
	memset(&y.acl, 0, sizeof(y.acl));
	x.access.grants = y.access.grants = NULL;
	x.doc_sections = y.doc_sections = 0;
	if (x.access.root_not_admin != y.access.root_not_admin)
		return differ(why, len, "%s", "control.root_is_admin", 0);
	if (memcmp(&x.rate_limit, &y.rate_limit, sizeof(x.rate_limit)))
		return differ(why, len, "%s", "rate_limit", 0);
	if (memcmp(&x, &y, sizeof(x)))
		return differ(why, len, "%s", "a top-level setting (node, metrics, events, control, "
			      "audit, bgp or cluster)", 0);
	return true;
}
