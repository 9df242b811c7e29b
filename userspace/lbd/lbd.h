/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* lbd internals shared by main.c (process, event loop, socket) and cmd.c (commands). */
#ifndef XLB_LBD_H
#define XLB_LBD_H

#include <stdbool.h>
#include <jansson.h>

#include "config.h"
#include "health.h"
#include "dp.h"
#include "proto.h"

struct lbd {
	const char *config_path;
	const char *iface;
	const char *pin_dir;
	const char *sock_path;
	struct xlb_config cfg; /* desired state: the config plus runtime changes */
	struct xlb_dp *dp;
	struct lbd_health *health; /* hc.c; NULL until the event loop runs */
	long long start_ms; /* CLOCK_MONOTONIC */
};

long long lbd_now_ms(void);

/*
 * Run one validated request; returns a complete response (never NULL unless
 * out of memory). A failed request changes nothing.
 */
json_t *lbd_handle(struct lbd *l, const struct xlb_cmd_spec *spec, json_t *args);

/*
 * Reload the config file: parse and validate it fully, then apply the diff.
 * On a bad file nothing changes and err says why (-EINVAL). On a data path
 * failure the previous state is re-applied (best effort) and -errno returned.
 */
int lbd_reload(struct lbd *l, struct xlb_dp_diff *diff, char *err, size_t errlen);

/* ---- hc.c: health checks and active sets ---- */

/*
 * Compute the active set of cs from the current health states (backends not
 * probed yet: the configured initial state): act[i] for cs->backends[i].
 */
int lbd_active_set(struct lbd *l, const struct xlb_cfg_service *cs, struct xlb_dp_be_active *act,
		   enum xlb_pol_mode *mode);
/* Program cs / a whole config into the data path with its active sets. 0 or -errno. */
int lbd_apply_service(struct lbd *l, const struct xlb_cfg_service *cs, struct xlb_dp_diff *diff);
int lbd_apply_config(struct lbd *l, const struct xlb_config *cfg, struct xlb_dp_diff *diff);
/* Start the checker in epoll set epfd and probe l->cfg's backends. */
int lbd_health_init(struct lbd *l, int epfd);
/* After l->cfg changed: start/stop probes; kept backends keep their state. */
int lbd_health_sync(struct lbd *l);
void lbd_health_free(struct lbd *l);
/* An epoll event with XLB_HC_EV_TAG set. */
void lbd_health_event(struct lbd *l, __u64 data, __u32 events);
/* The "health" command's result (service NULL: all). */
json_t *lbd_health_json(struct lbd *l, const char *service);

#endif
