/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * reconcile - from a desired state and what is known of its backends
 * (health, drains) to the active set of each service (policy.h: zones,
 * backup pool, panic) and on to the data path. Pure: the health view and
 * the data path are interfaces, so tests/unit/test_reconcile.c runs it
 * without root or BPF; lbd/reconcile.c wires the real ones.
 */
#ifndef XLB_RECONCILE_H
#define XLB_RECONCILE_H

#include "config.h"
#include "dp.h"
#include "policy.h"
#include <stdbool.h>

/* What is known of the backends when the active sets are computed. */
struct xlb_rc_view {
	/*
	 * The health of cs->backends[i]: true and *up when known (probed, or
	 * saved by the last run); false: not known, the check's initial state
	 * applies (type none: up).
	 */
	bool (*health)(void *ctx, const struct xlb_cfg_service *cs, size_t i, bool *up);
	/*
	 * Optional: after the policy, adjust cs->backends[i]'s weight and
	 * usability, and set its open-flow cap *max_flows (0: the configured
	 * one) (lbd: passive health, agent, slow start; feedback.c, #21).
	 */
	void (*adjust)(void *ctx, const struct xlb_cfg_service *cs, size_t i, __u32 *weight,
		       bool *usable, __u32 *max_flows);
	void *ctx;
	long long now_ms; /* CLOCK_REALTIME: drains past their timeout are released */
};

/* Where active sets go: the data path (dp.h), or a test's recorder. */
struct xlb_rc_dp {
	int (*apply_service)(void *dp, const struct xlb_cfg_service *cs,
			     const struct xlb_dp_be_active *act, struct xlb_dp_diff *diff);
	int (*apply_config)(void *dp, const struct xlb_config *cfg,
			    const struct xlb_dp_be_active *const *act, struct xlb_dp_diff *diff);
	void *dp;
};

/* Has b's drain (if any) lasted cs's drain_timeout at now_ms? */
bool xlb_drain_expired(const struct xlb_cfg_service *cs, const struct xlb_cfg_backend *b,
		       long long now_ms);

/* The active set of cs (act[i] for cs->backends[i]) and its mode. 0 or -errno. */
int xlb_reconcile_active(const struct xlb_cfg_service *cs, const char *node_zone,
			 const struct xlb_rc_view *v, struct xlb_dp_be_active *act,
			 enum xlb_pol_mode *mode);
/*
 * Compute cs's active set and program it (act, mode: may be NULL; else they
 * receive the set, for the caller's view). 0 or -errno (the data path's).
 */
int xlb_reconcile_service(const struct xlb_rc_dp *dp, const struct xlb_cfg_service *cs,
			  const char *node_zone, const struct xlb_rc_view *v,
			  struct xlb_dp_be_active *act, enum xlb_pol_mode *mode,
			  struct xlb_dp_diff *diff);
/* Every service of cfg at once, cfg's node zone: the data path then holds exactly cfg. */
int xlb_reconcile_config(const struct xlb_rc_dp *dp, const struct xlb_config *cfg,
			 const struct xlb_rc_view *v, struct xlb_dp_diff *diff);

#endif
