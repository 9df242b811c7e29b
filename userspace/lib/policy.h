/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * policy - the active-set policy of a service: which backends get new flows
 * (and with which weight) and which may keep their established flows, given
 * health, zones, backup pools and panic settings. Pure code: no BPF, no I/O,
 * no clock; unit-tested in tests/unit/test_policy.c. docs/config.md has the
 * operator's view of the same rules.
 *
 * Decision, in this order (primaries = enabled, non-backup, non-draining):
 *  1. No healthy primary and at least one healthy backup -> BACKUP: the
 *     healthy backups by weight. Primaries coming back take over again
 *     (backups keep their established flows: weight 0, still usable).
 *  2. panic_threshold > 0 and the healthy fraction of primaries (by count,
 *     like Envoy) is below it -> PANIC (panic_mode spread: every primary,
 *     healthy or not, by weight, all usable) or FAIL_CLOSED (no new flows;
 *     established flows stay on healthy backends).
 *  3. No healthy primary -> DOWN: no new flows (the data path drops them).
 *  4. cross_zone, or no node zone -> NORMAL: every healthy primary by weight.
 *     Otherwise NORMAL over the healthy primaries of the node's zone while
 *     their healthy weight is >= zone_min_healthy of the zone's total weight
 *     (and > 0); else SPILL: every healthy primary by weight (also when the
 *     node's zone has no primaries at all).
 *
 * Usable (may keep established flows): healthy and enabled, whatever the
 * mode; in PANIC/spread every primary. A backend that is not usable has
 * XLB_BE_F_ACTIVE cleared in the data path, so its flows are rescheduled.
 * Draining backends (reserved for later) get weight 0 and stay usable while
 * healthy; disabled backends get weight 0 and are not usable.
 */
#ifndef XLB_POLICY_H
#define XLB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define XLB_ZONE_MAX 32 /* zone names: 1..31 characters */

/* What the operator chose; defaults in XLB_POLICY_DEFAULT. */
enum xlb_panic_mode {
	XLB_PANIC_SPREAD = 0, /* route to every primary, healthy or not */
	XLB_PANIC_FAIL_CLOSED, /* route new flows nowhere */
};

struct xlb_pol_service {
	bool cross_zone; /* default true */
	double zone_min_healthy; /* 0..1, default 0.5 */
	double panic_threshold; /* 0..1, default 0 (panic disabled) */
	__u8 panic_mode; /* enum xlb_panic_mode, default spread */
};

#define XLB_POLICY_DEFAULT                                                                   \
	((struct xlb_pol_service){ .cross_zone = true, .zone_min_healthy = 0.5,               \
				   .panic_threshold = 0.0, .panic_mode = XLB_PANIC_SPREAD })

struct xlb_pol_backend {
	__u32 weight; /* configured (the operator's) */
	const char *zone; /* NULL or "" = no zone */
	bool up; /* health */
	bool backup; /* in the backup pool */
	bool drain; /* draining: no new flows (reserved) */
	bool disabled; /* administratively out: no flows at all */
};

struct xlb_pol_out {
	__u32 weight; /* effective: weight in the lookup table; 0 = no new flows */
	bool usable; /* may keep established flows */
};

enum xlb_pol_mode {
	XLB_POL_NORMAL = 0,
	XLB_POL_SPILL, /* local zone below zone_min_healthy: all zones */
	XLB_POL_BACKUP, /* no primary healthy: backup pool */
	XLB_POL_PANIC, /* too few healthy: spread over all primaries */
	XLB_POL_FAIL_CLOSED, /* too few healthy: no new flows */
	XLB_POL_DOWN, /* nothing healthy, panic disabled: no new flows */
	XLB_POL_MODE_MAX,
};

/* "normal", "spill", "backup", "panic", "fail-closed", "down". */
const char *xlb_pol_mode_name(enum xlb_pol_mode m);
const char *xlb_panic_mode_name(__u8 m); /* "spread", "fail-closed" */
int xlb_panic_mode_parse(const char *s, __u8 *m); /* 0 or -EINVAL */

/*
 * Compute out[0..n-1] and *mode for backends be[0..n-1] of a service with
 * policy svc on a node in node_zone (NULL or "" = none). 0, or -EINVAL on a
 * NULL argument with n > 0 or a threshold outside 0..1.
 */
int xlb_policy_compute(const struct xlb_pol_service *svc, const char *node_zone,
		       const struct xlb_pol_backend *be, size_t n, struct xlb_pol_out *out,
		       enum xlb_pol_mode *mode);

#endif
