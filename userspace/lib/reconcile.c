// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* reconcile.c - desired state + health + drains -> active sets -> data path (reconcile.h). */
#include <errno.h>
#include <stdlib.h>

#include "reconcile.h"

bool xlb_drain_expired(const struct xlb_cfg_service *cs, const struct xlb_cfg_backend *b,
		       long long now_ms)
{
	return b->drain && now_ms >= b->drain_since_ms + (long long)cs->drain_timeout_s * 1000;
}

int xlb_reconcile_active(const struct xlb_cfg_service *cs, const char *node_zone,
			 const struct xlb_rc_view *v, struct xlb_dp_be_active *act,
			 enum xlb_pol_mode *mode)
{
	size_t i, n = cs->n_backends;
	struct xlb_pol_backend *pb;
	struct xlb_pol_out *out;
	int err;

	pb = calloc(n ? n : 1, sizeof(*pb));
	out = calloc(n ? n : 1, sizeof(*out));
	if (!pb || !out) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct xlb_cfg_backend *cb = &cs->backends[i];

		pb[i].weight = cb->weight;
		pb[i].zone = cb->zone;
		pb[i].backup = cb->backup;
		/* draining: no new flows; once drain_timeout passed, no flows at all */
		pb[i].drain = cb->drain;
		pb[i].disabled = xlb_drain_expired(cs, cb, v->now_ms);
		if (!v->health || !v->health(v->ctx, cs, i, &pb[i].up))
			pb[i].up = cs->hc.type == XLB_HC_NONE || cs->hc.initial_up;
	}
	err = xlb_policy_compute(&cs->pol, node_zone, pb, n, out, mode);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		act[i].max_flows = 0; /* the configured cap, unless the view says otherwise */
		if (v->adjust) /* #21: agent, ejection, ramp, the agent's maxconn */
			v->adjust(v->ctx, cs, i, &out[i].weight, &out[i].usable, &act[i].max_flows);
		act[i].weight = out[i].weight;
		act[i].usable = out[i].usable;
	}
out:
	free(pb);
	free(out);
	return err;
}

int xlb_reconcile_service(const struct xlb_rc_dp *dp, const struct xlb_cfg_service *cs,
			  const char *node_zone, const struct xlb_rc_view *v,
			  struct xlb_dp_be_active *act, enum xlb_pol_mode *mode,
			  struct xlb_dp_diff *diff)
{
	struct xlb_dp_be_active *a = act;
	enum xlb_pol_mode m;
	int err;

	if (!a && !(a = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*a))))
		return -ENOMEM;
	err = xlb_reconcile_active(cs, node_zone, v, a, mode ? mode : &m);
	if (!err)
		err = dp->apply_service(dp->dp, cs, a, diff);
	if (a != act)
		free(a);
	return err;
}

int xlb_reconcile_config(const struct xlb_rc_dp *dp, const struct xlb_config *cfg,
			 const struct xlb_rc_view *v, struct xlb_dp_diff *diff)
{
	struct xlb_dp_be_active **act = calloc(cfg->n_services + 1, sizeof(*act));
	enum xlb_pol_mode mode;
	size_t i;
	int err = 0;

	if (!act)
		return -ENOMEM;
	for (i = 0; i < cfg->n_services && !err; i++) {
		const struct xlb_cfg_service *cs = &cfg->services[i];

		act[i] = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(**act));
		/* the node zone of the config being applied */
		err = act[i] ? xlb_reconcile_active(cs, cfg->node_zone, v, act[i], &mode) : -ENOMEM;
	}
	if (!err)
		err = dp->apply_config(dp->dp, cfg, (const struct xlb_dp_be_active *const *)act,
				       diff);
	for (i = 0; i < cfg->n_services; i++)
		free(act[i]);
	free(act);
	return err;
}
