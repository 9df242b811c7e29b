// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * desired.c - the desired state's one commit. Whatever produced a new
 * desired state (a change record applied to a copy, change.c; a reload, an
 * apply or a rollback, apply.c and cmd.c; a cluster revision, cluster.c)
 * hands the copy to lbd_desired_commit(): the reconciler programs it into the
 * data path first (all or nothing: a failure re-applies the old state and
 * nothing else happens), then it replaces l->cfg and every registered
 * observer (state file, roles, drain timer, health targets, BGP) hears about
 * it, in the order main.c registered them. Nothing else writes l->cfg.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "lbd.h"
#include "log.h"
#include "state.h"

int lbd_desired_observe(struct lbd *l, lbd_committed_fn fn)
{
	if (l->n_observers >= LBD_OBSERVERS_MAX)
		return -ENOSPC;
	l->observers[l->n_observers++].fn = fn;
	return 0;
}

/* Carry the drains of l->cfg over to the same backends of ncfg. */
static void keep_drains(struct lbd *l, struct xlb_config *ncfg)
{
	size_t i, j, k;

	for (i = 0; i < ncfg->n_services; i++) {
		struct xlb_cfg_service *ns = &ncfg->services[i];
		const struct xlb_cfg_service *os = lbd_find_service(l, ns->name);

		for (j = 0; os && j < ns->n_backends; j++) {
			struct xlb_cfg_backend *nb = &ns->backends[j];

			for (k = 0; k < os->n_backends; k++) {
				const struct xlb_cfg_backend *ob = &os->backends[k];

				if (ob->drain &&
				    !xlb_addr_cmp(ob->family, &ob->addr, nb->family, &nb->addr)) {
					nb->drain = true;
					nb->drain_since_ms = ob->drain_since_ms;
				}
			}
		}
	}
}

int lbd_desired_build(struct lbd *l, const struct xlb_config *nbase, enum lbd_keep keep,
		      struct xlb_config *ncfg, char *err, size_t errlen)
{
	char warn[2048], *line, *save;
	json_t *st;
	int ret;

	memset(ncfg, 0, sizeof(*ncfg));
	if (l->rebase) /* cluster mode: services come from etcd, nbase gives the node settings */
		return l->rebase(l, nbase, ncfg, err, errlen);
	if (keep != LBD_KEEP_OVERRIDES) {
		ret = xlb_config_copy(ncfg, nbase);
		if (ret) {
			snprintf(err, errlen, "out of memory");
			return ret;
		}
		if (keep == LBD_KEEP_DRAINS)
			keep_drains(l, ncfg);
		return 0;
	}
	/* the operator's runtime changes stay on top of the new file (state.h) */
	st = xlb_state_diff(&l->base, &l->cfg);
	ret = st ? xlb_state_apply(st, nbase, ncfg, warn, sizeof(warn)) : -ENOMEM;
	json_decref(st);
	if (ret) {
		snprintf(err, errlen, "applying the runtime changes to %s: %s", l->config_path,
			 ret == -EINVAL ? warn : strerror(-ret));
		return ret == -EINVAL ? -EIO : ret;
	}
	for (line = strtok_r(warn, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pr_warn("reload: %s", line);
	return 0;
}

static int commit(struct lbd *l, struct xlb_config *nbase, struct xlb_config *ncfg,
		  const char *what, struct xlb_dp_diff *diff,
		  int (*before_commit)(void *ctx, char *err, size_t errlen), void *ctx, char *err,
		  size_t errlen)
{
	struct xlb_dp_diff local = {};
	struct lbd_commit c;
	struct xlb_config old;
	size_t i;
	int ret;

	if (!diff)
		diff = &local;
	ret = lbd_apply_config(l, ncfg, diff);
	if (ret) {
		snprintf(err, errlen,
			 "applying %s to the data path failed (%s); previous state "
			 "restored",
			 what, strerror(-ret));
		lbd_apply_config(l, &l->cfg, NULL);
		return ret;
	}
	if (before_commit) {
		ret = before_commit(ctx, err, errlen);
		if (ret) {
			lbd_apply_config(l, &l->cfg, NULL);
			return ret;
		}
	}
	old = l->cfg; /* freed below, once the observers have compared */
	l->cfg = *ncfg;
	memset(ncfg, 0, sizeof(*ncfg));
	if (nbase) {
		xlb_config_free(&l->base);
		l->base = *nbase;
		memset(nbase, 0, sizeof(*nbase));
	}
	c.old = &old;
	c.what = what;
	c.whole = nbase != NULL;
	for (i = 0; i < l->n_observers; i++)
		l->observers[i].fn(l, &c);
	xlb_config_free(&old);
	return 0;
}

int lbd_desired_commit(struct lbd *l, struct xlb_config *nbase, struct xlb_config *ncfg,
		       const char *what, struct xlb_dp_diff *diff,
		       int (*before_commit)(void *ctx, char *err, size_t errlen), void *ctx,
		       char *err, size_t errlen)
{
	return commit(l, nbase, ncfg, what, diff, before_commit, ctx, err, errlen);
}

int lbd_desired_commit_change(struct lbd *l, struct xlb_config *ncfg, const char *what)
{
	char err[256];

	return commit(l, NULL, ncfg, what, NULL, NULL, NULL, err, sizeof(err));
}

void lbd_local_addrs_refresh(void)
{
	int err = xlb_config_read_local_addrs();

	if (err)
		pr_warn("cannot read this node's addresses (%s): VIPs and backends are not "
			"checked against them",
			strerror(-err));
}
