// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* policy.c - the active-set policy; the rules are in policy.h. */
#include <errno.h>
#include <string.h>

#include "policy.h"

static const char *const mode_names[XLB_POL_MODE_MAX] = {
	[XLB_POL_NORMAL] = "normal",   [XLB_POL_SPILL] = "spill",
	[XLB_POL_BACKUP] = "backup",   [XLB_POL_PANIC] = "panic",
	[XLB_POL_FAIL_CLOSED] = "fail-closed", [XLB_POL_DOWN] = "down",
};

const char *xlb_pol_mode_name(enum xlb_pol_mode m)
{
	return (unsigned int)m < XLB_POL_MODE_MAX ? mode_names[m] : "?";
}

const char *xlb_panic_mode_name(__u8 m)
{
	return m == XLB_PANIC_SPREAD ? "spread" : m == XLB_PANIC_FAIL_CLOSED ? "fail-closed" : "?";
}

int xlb_panic_mode_parse(const char *s, __u8 *m)
{
	if (s && !strcmp(s, "spread"))
		*m = XLB_PANIC_SPREAD;
	else if (s && !strcmp(s, "fail-closed"))
		*m = XLB_PANIC_FAIL_CLOSED;
	else
		return -EINVAL;
	return 0;
}

static bool is_primary(const struct xlb_pol_backend *b)
{
	return !b->disabled && !b->drain && !b->backup;
}

static bool in_zone(const struct xlb_pol_backend *b, const char *zone)
{
	return b->zone && !strcmp(b->zone, zone);
}

int xlb_policy_compute(const struct xlb_pol_service *svc, const char *node_zone,
		       const struct xlb_pol_backend *be, size_t n, struct xlb_pol_out *out,
		       enum xlb_pol_mode *mode)
{
	size_t i, n_prim = 0, up_prim = 0, up_backup = 0;
	__u64 zone_total = 0, zone_up = 0;
	bool zonal;

	if (!svc || !mode || (n && (!be || !out)))
		return -EINVAL;
	if (!(svc->panic_threshold >= 0.0 && svc->panic_threshold <= 1.0) ||
	    !(svc->zone_min_healthy >= 0.0 && svc->zone_min_healthy <= 1.0))
		return -EINVAL;
	zonal = !svc->cross_zone && node_zone && *node_zone;

	for (i = 0; i < n; i++) {
		const struct xlb_pol_backend *b = &be[i];

		/* default: no new flows; established flows stay on healthy ones */
		out[i].weight = 0;
		out[i].usable = b->up && !b->disabled;
		if (b->disabled || b->drain)
			continue;
		if (b->backup) {
			up_backup += b->up;
			continue;
		}
		n_prim++;
		up_prim += b->up;
		if (zonal && in_zone(b, node_zone)) {
			zone_total += b->weight;
			if (b->up)
				zone_up += b->weight;
		}
	}

	if (!up_prim && up_backup) {
		for (i = 0; i < n; i++)
			if (!be[i].disabled && !be[i].drain && be[i].backup && be[i].up)
				out[i].weight = be[i].weight;
		*mode = XLB_POL_BACKUP;
		return 0;
	}
	if (n_prim && svc->panic_threshold > 0.0 &&
	    (double)up_prim < svc->panic_threshold * (double)n_prim) {
		if (svc->panic_mode == XLB_PANIC_FAIL_CLOSED) {
			*mode = XLB_POL_FAIL_CLOSED;
			return 0;
		}
		for (i = 0; i < n; i++) {
			if (!is_primary(&be[i]))
				continue;
			out[i].weight = be[i].weight;
			out[i].usable = true;
		}
		*mode = XLB_POL_PANIC;
		return 0;
	}
	if (!up_prim) {
		*mode = XLB_POL_DOWN;
		return 0;
	}
	if (zonal && zone_up > 0 &&
	    (double)zone_up >= svc->zone_min_healthy * (double)zone_total) {
		for (i = 0; i < n; i++)
			if (is_primary(&be[i]) && be[i].up && in_zone(&be[i], node_zone))
				out[i].weight = be[i].weight;
		*mode = XLB_POL_NORMAL;
		return 0;
	}
	for (i = 0; i < n; i++)
		if (is_primary(&be[i]) && be[i].up)
			out[i].weight = be[i].weight;
	*mode = zonal ? XLB_POL_SPILL : XLB_POL_NORMAL;
	return 0;
}
