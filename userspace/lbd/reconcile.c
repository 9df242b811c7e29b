// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * reconcile.c - lbd's reconciler: desired state (l->cfg or a config being
 * committed) + the health view (hc.c, or the states saved by the last run,
 * hc.c) + drain deadlines + zones/backup/panic -> active sets -> the data
 * path. The computation is lib/reconcile.c (pure, unit-tested); this file
 * wires it to lbd's health view and to the maps, and tells whoever main.c
 * registered (BGP) that the active sets may have changed.
 *
 * Called by desired.c (every commit), by the health checker's report (hc.c,
 * through lbd_health_ops) and by the drain timer (drain.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "feedback.h" /* #21 */
#include "lbd.h"
#include "reconcile.h"

/* One reconcile's view: the health service of the last cs asked about. */
struct view_ctx {
	struct lbd *l;
	const struct xlb_cfg_service *cs;
	const struct hsvc *hs;
};

static bool view_health(void *ctx, const struct xlb_cfg_service *cs, size_t i, bool *up)
{
	struct view_ctx *v = ctx;

	if (v->cs != cs) {
		v->cs = cs;
		v->hs = lbd_health_svc(v->l, cs);
	}
	if (lbd_health_svc_up(v->hs, &cs->backends[i], up))
		return true;
	/* not probed yet: as saved by the last run (hc.c), else the initial state */
	return lbd_hsave_seed(v->l, cs, &cs->backends[i], up);
}

/* #21: the agent's word, outlier ejection and slow start shape the policy's weights */
static void view_adjust(void *ctx, const struct xlb_cfg_service *cs, size_t i, __u32 *weight,
			bool *usable, __u32 *max_flows)
{
	struct view_ctx *v = ctx;

	lbd_feedback_adjust(v->l, cs, &cs->backends[i], weight, usable, max_flows);
}

static int dp_service(void *dp, const struct xlb_cfg_service *cs,
		      const struct xlb_dp_be_active *act, struct xlb_dp_diff *diff)
{
	return xlb_dp_apply_service_active(dp, cs, act, diff);
}

static int dp_config(void *dp, const struct xlb_config *cfg,
		     const struct xlb_dp_be_active *const *act, struct xlb_dp_diff *diff)
{
	return xlb_dp_apply_active(dp, cfg, act, diff);
}

static void reconciled(struct lbd *l)
{
	if (l->on_reconciled)
		l->on_reconciled(l); /* the announced VIPs follow the active sets */
}

#define VIEW(l)                                                                                    \
	(struct xlb_rc_view)                                                                       \
	{                                                                                          \
		.health = view_health, .adjust = view_adjust, .ctx = &(struct view_ctx){.l = (l)},                        \
		.now_ms = lbd_realtime_ms()                                                        \
	}
#define DP(l)                                                                                      \
	((struct xlb_rc_dp){.apply_service = dp_service, .apply_config = dp_config, .dp = (l)->dp})

int lbd_active_set(struct lbd *l, const struct xlb_cfg_service *cs, struct xlb_dp_be_active *act,
		   enum xlb_pol_mode *mode)
{
	struct xlb_rc_view v = VIEW(l);

	return xlb_reconcile_active(cs, l->cfg.node_zone, &v, act, mode);
}

int lbd_reconcile_service(struct lbd *l, const struct xlb_cfg_service *cs,
			  struct xlb_dp_be_active *act, enum xlb_pol_mode *mode)
{
	struct xlb_rc_view v = VIEW(l);
	struct xlb_rc_dp dp = DP(l);
	int err;

	err = xlb_reconcile_service(&dp, cs, l->cfg.node_zone, &v, act, mode, NULL);
	reconciled(l);
	return err;
}

int lbd_apply_config(struct lbd *l, const struct xlb_config *cfg, struct xlb_dp_diff *diff)
{
	struct xlb_rc_view v = VIEW(l);
	struct xlb_rc_dp dp = DP(l);
	int err;

	err = xlb_reconcile_config(&dp, cfg, &v, diff);
	reconciled(l);
	return err;
}

/* The health checker's report: a backend of cs changed state. */
static int health_changed(struct lbd *l, const struct xlb_cfg_service *cs,
			  struct xlb_dp_be_active *act, enum xlb_pol_mode *mode)
{
	return lbd_reconcile_service(l, cs, act, mode);
}

const struct lbd_health_ops lbd_reconcile_health_ops = {
    .changed = health_changed,
    .view = lbd_active_set,
};
