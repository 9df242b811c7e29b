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
	/* persist.c: runtime changes (state.h) */
	const char *state_path; /* --state; "" = no persistence */
	__u64 lc_idle_ns; /* --lc-idle: lc counts flows seen within this */
	const char *probe_iface; /* --probe-iface: health probes via the VIP (probe.c, #21) */
	__u32 probe_mark;	 /* --probe-mark: their sockets' SO_MARK */
	struct xlb_config base; /* the config file as loaded; cfg = base + state */
	/* drain.c */
	int drain_tfd; /* timerfd: the next drain timeout */
	long long drain_checked_ms; /* CLOCK_REALTIME of the last expiry pass */
	const __u32 *flow_counts; /* during one request: active flows per backend id */
	__u32 n_flow_counts;
	struct lbd_obs *obs; /* events.c, metrics.c, scale.c; NULL until the event loop runs */
	struct lbd_bgp *bgp; /* bgp.c; NULL when the config has no bgp: section */
	/* apply.c: applied generations (history.h) */
	const char *history_dir; /* --history; "" = none */
	unsigned int history_keep; /* --history-keep; 0 = XLB_HISTORY_KEEP */
	const struct xlb_peer *peer; /* during one request or signal: who asked; else NULL */
	struct lbd_cluster *cluster; /* cluster.c; NULL unless the config has a cluster: section */
	/* hsave.c: health states across restarts */
	const char *health_path; /* IF.state -> IF.health; "" = none */
	json_t *hseed; /* the saved states, from start until the checker runs */
	long long hseed_age_ms;
	bool hsave_dirty, hsave_failing;
	bool hsave_ready; /* the checker started with every backend: states may be saved */
	long long hsave_last_ms;
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
/* reset: drop the runtime changes (state file) and take the file as it is. */
int lbd_reload_ex(struct lbd *l, bool reset, struct xlb_dp_diff *diff, char *err, size_t errlen);
/*
 * Re-read this node's addresses (config.h: no VIP or backend may have them);
 * before every parse and runtime change. A failure is logged; the previous
 * list stays.
 */
void lbd_local_addrs_refresh(void);

/* ---- events.c, metrics.c, scale.c: events, /metrics, scaling hooks (obs.h) ---- */

#define LBD_OBS_EV_TAG (1ull << 61) /* epoll data of obs's 1 s tick: pass to lbd_obs_event() */

/* After lbd_health_init: event ring and file, metrics endpoint, 1 s tick. 0 or -errno. */
int lbd_obs_init(struct lbd *l, int epfd);
void lbd_obs_event(struct lbd *l, __u64 data);
/* After a control command: publish lbd's state to the metrics endpoint now. */
void lbd_obs_changed(struct lbd *l);
void lbd_obs_free(struct lbd *l);
/* After lbd_reload() (by: "signal", "lbctl", ...): event, counters, reconfigure. */
void lbd_note_reload(struct lbd *l, const char *by, int ret, const char *msg);
/*
 * Record an event (lbctl events, events.file): kind ("health", "drain",
 * "backend.add", ...), service and backend (NULL: none), details. One line
 * at the place where the action happens; never fails the caller.
 */
void lbd_event(struct lbd *l, const char *kind, const char *service, const char *backend,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The "events" command's result: events with seq > since, at most limit. */
json_t *lbd_events_json(struct lbd *l, __u64 since, __u64 limit);
json_t *lbd_cmd_events(struct lbd *l, json_t *args); /* {since, limit} */

/* ---- drain.c: draining backends ---- */

#define LBD_DRAIN_EV_TAG (1ull << 59) /* epoll data of the drain timerfd (60: bgp, 61: obs) */

long long lbd_realtime_ms(void); /* CLOCK_REALTIME: drain times survive restarts */
/* Has b's drain (if any) lasted drain_timeout of cs at now_ms? */
bool lbd_drain_expired(const struct xlb_cfg_service *cs, const struct xlb_cfg_backend *b,
		       long long now_ms);
int lbd_drain_init(struct lbd *l, int epfd);
void lbd_drain_free(struct lbd *l);
/* Re-arm the timer for the earliest pending drain timeout of l->cfg. */
void lbd_drain_arm(struct lbd *l);
void lbd_drain_event(struct lbd *l);
/* Add state/drain/flows fields to a backend object (cmd.c backend_json). */
void lbd_drain_backend_json(struct lbd *l, const struct xlb_cfg_service *s,
			    const struct xlb_cfg_backend *b, json_t *o, __u32 id, bool have_id);
/* Fill l->flow_counts for the current request (freed by lbd_flow_counts_done). */
void lbd_flow_counts_load(struct lbd *l);
void lbd_flow_counts_done(struct lbd *l);
json_t *lbd_cmd_backend_drain(struct lbd *l, json_t *args);
json_t *lbd_cmd_backend_undrain(struct lbd *l, json_t *args);

/* ---- persist.c: state file, runtime services, export ---- */

/* At start: load the state file and apply it on top of l->base into l->cfg. */
int lbd_state_init(struct lbd *l, char *err, size_t errlen);
/* After a successful runtime change: write the state file (diff of base and cfg). */
void lbd_state_commit(struct lbd *l);
json_t *lbd_cmd_service_add(struct lbd *l, json_t *args);
json_t *lbd_cmd_service_remove(struct lbd *l, json_t *args);
json_t *lbd_cmd_service_show(struct lbd *l, json_t *args);
json_t *lbd_cmd_config_export(struct lbd *l, json_t *args);
/* acl.c: lbctl acl list|add|remove */
json_t *lbd_cmd_acl_list(struct lbd *l, json_t *args);
json_t *lbd_cmd_acl_add(struct lbd *l, json_t *args);
json_t *lbd_cmd_acl_remove(struct lbd *l, json_t *args);
/* ratelimit.c: lbctl ratelimit show|set|clear; a limit as JSON (null: none) */
json_t *lbd_rate_limit_json(const struct xlb_rate_limit *rl);
json_t *lbd_cmd_ratelimit_show(struct lbd *l, json_t *args);
json_t *lbd_cmd_ratelimit_set(struct lbd *l, json_t *args);
json_t *lbd_cmd_ratelimit_clear(struct lbd *l, json_t *args);
/* cmd.c helpers used by the files above */
struct xlb_cfg_service *lbd_find_service(struct lbd *l, const char *name);
json_t *lbd_service_json(struct lbd *l, const struct xlb_cfg_service *s);
/* synck.c: a service's syn_cookies mode as shown (off, on, "auto (on)", "auto (off)"). */
json_t *lbd_sc_json(const struct xlb_cfg_service *s);
/* synck.c: syn_cookies auto, once a second (events.c's tick). */
void lbd_sc_tick(struct lbd *l);
json_t *lbd_backend_json(struct lbd *l, const struct xlb_cfg_service *s,
			 const struct xlb_cfg_backend *b);

/* ---- apply.c: whole desired states, generations (plan, apply, history, diff, rollback) ---- */

/* What of the running desired state survives a new base config. */
enum lbd_keep {
	LBD_KEEP_OVERRIDES, /* reload: every runtime override (state.h) */
	LBD_KEEP_DRAINS, /* apply, rollback: drains in progress only */
	LBD_KEEP_NOTHING, /* reload --reset */
};

/* ncfg (empty) = nbase plus what keep keeps of l->cfg. 0 or -errno with err. */
int lbd_desired_build(struct lbd *l, const struct xlb_config *nbase, enum lbd_keep keep,
		      struct xlb_config *ncfg, char *err, size_t errlen);
/*
 * The one commit path of a whole desired state (reload, apply, rollback, and
 * any other source of a complete config): program ncfg into the data path;
 * on failure re-apply l->cfg and return -errno (err names `what`). Then
 * before_commit (may be NULL; its failure reverts the data path too). Then
 * l->base/l->cfg take nbase/ncfg over (both left empty), and the state
 * file, roles, drain timer and health checks follow. On failure the caller
 * still owns and frees nbase and ncfg.
 */
int lbd_desired_commit(struct lbd *l, struct xlb_config *nbase, struct xlb_config *ncfg,
		       const char *what, struct xlb_dp_diff *diff,
		       int (*before_commit)(void *ctx, char *err, size_t errlen), void *ctx,
		       char *err, size_t errlen);

struct lbd_apply_opts {
	const char *source; /* recorded in the history and events: "apply", "rollback", ... */
	__u64 from; /* rollback: the generation returned to; 0 = none */
	bool write_config; /* replace the config file with the content (apply, rollback) */
	bool force; /* ... even when it was edited since lbd loaded it */
};
/*
 * Apply a complete config given as text (name: for messages, file:line):
 * parse and validate fully, keep drains, commit (above), optionally replace
 * the config file atomically, record a generation. 0 and *result (the plan
 * that was applied, with "generation"); -EINVAL (invalid: err is
 * name:line: field: problem), -EBUSY (config file edited meanwhile) or -errno;
 * on failure nothing changed.
 */
int lbd_apply_text(struct lbd *l, const char *text, size_t len, const char *name,
		   const struct lbd_apply_opts *o, json_t **result, char *err, size_t errlen);
/* Record text as a generation (source "start", "reload") unless it equals the newest. */
void lbd_history_note(struct lbd *l, const char *source, const char *text, size_t len,
		      const char *summary);
/* At start, once the data path is programmed: the config file as a generation. */
void lbd_history_start(struct lbd *l);
json_t *lbd_cmd_plan(struct lbd *l, json_t *args);
json_t *lbd_cmd_apply(struct lbd *l, json_t *args);
json_t *lbd_cmd_history(struct lbd *l, json_t *args);
json_t *lbd_cmd_diff(struct lbd *l, json_t *args);
json_t *lbd_cmd_rollback(struct lbd *l, json_t *args);

/* ---- cluster.c: desired state shared through etcd (docs/cluster.md) ---- */

#define LBD_CLUSTER_EV_TAG (1ull << 58) /* | 1: eventfd from the etcd threads, | 2: 1 s timer */

/* At start, instead of lbd_state_init(): l->cfg = the last applied revision (or the file). */
int lbd_cluster_prepare(struct lbd *l, char *err, size_t errlen);
/* In the event loop: start the watcher and publisher threads. 0 or -errno. */
int lbd_cluster_init(struct lbd *l, int epfd);
void lbd_cluster_event(struct lbd *l, __u64 data);
void lbd_cluster_free(struct lbd *l);
/* A change command in cluster mode: read-modify-CAS in etcd. NULL: not a change. */
json_t *lbd_cluster_handle(struct lbd *l, const char *cmd, json_t *args);
json_t *lbd_cluster_cmd_status(struct lbd *l, json_t *args); /* "cluster.status" */
json_t *lbd_cluster_status_json(struct lbd *l); /* for "status" */
/* lbd_desired_build() in cluster mode: ncfg = nbase's node settings + the applied document. */
int lbd_cluster_rebase(struct lbd *l, const struct xlb_config *nbase, struct xlb_config *ncfg,
		       char *err, size_t errlen);
void lbd_cluster_metrics(struct lbd *l, bool *enabled, bool *up, long long *rev);

/* ---- bgp.c: announcing the VIPs through BIRD (docs/multinode.md) ---- */

/* epoll data of bgp's timer (TAG) and of its BIRD worker's eventfd (TAG | 1): lbd_bgp_event() */
#define LBD_BGP_EV_TAG (1ull << 60)

/* Start announcing (reads back the drain state of an existing fragment). 0 or -errno. */
int lbd_bgp_init(struct lbd *l, int epfd);
/* Something that decides the announced set may have changed: recompute at the next flush. */
void lbd_bgp_mark(struct lbd *l);
/* End of an event-loop iteration: if marked, recompute; write and reconfigure on a change. */
void lbd_bgp_flush(struct lbd *l);
void lbd_bgp_event(struct lbd *l, __u64 data);
void lbd_bgp_free(struct lbd *l);
/*
 * After a reload committed l->cfg (old: the config before it): a bgp: section
 * added starts announcing at once, one removed withdraws every VIP (an empty
 * fragment, BIRD reconfigured) and stops; a changed fragment path withdraws
 * from the old one.
 */
void lbd_bgp_reconfigure(struct lbd *l, const struct xlb_config *old);
/* The "node.*" commands (cmd.c wraps them). */
json_t *lbd_bgp_node_json(struct lbd *l);
json_t *lbd_bgp_set_drained(struct lbd *l, bool drained);
/* lbd --detach --config FILE: withdraw every VIP of FILE's bgp: section. 0 or -errno. */
int lbd_bgp_withdraw_all(const struct xlb_config *cfg);

/* ---- access.c, audit.c: roles and the audit log (docs/access.md) ---- */

extern const char *lbd_state_dir; /* --state-dir: default home of state, audit log, history */
extern const char *lbd_audit_default_path; /* --audit-log: used when the config has no audit.file */

/* The peer of an accepted control connection (SO_PEERCRED, SO_PEERGROUPS, NSS names). */
int lbd_peer_get(int fd, struct xlb_peer *p);
/*
 * Take the access settings of cfg: roles, socket owner/group/mode, audit log.
 * at_start: any failure is an error (lbd must not run unaudited or with the
 * wrong socket permissions); on reload failures are logged and the rest applied.
 */
int lbd_access_apply(struct lbd *l, const struct xlb_config *cfg, bool at_start);
void lbd_access_free(void);
/* Root, or admin node-wide: may use the control connections kept for admins (control.c). */
bool lbd_peer_reserved(const struct xlb_peer *p);
/* Authorize (one check for every command), run lbd_handle, audit. p NULL: no role. */
json_t *lbd_dispatch(struct lbd *l, const struct xlb_peer *p, const struct xlb_cmd_spec *spec,
		     json_t *args);
int lbd_audit_open(const char *path, const char *iface);
const char *lbd_audit_path(void);
void lbd_audit_close(void);
/* Append one record (via: "socket", "signal"); resp is the answer (ok or error). */
void lbd_audit(const struct xlb_peer *p, const char *via, const char *cmd, json_t *args,
	       json_t *resp);
json_t *lbd_cmd_audit(struct lbd *l, json_t *args);
/* A change requested by a signal (SIGHUP: "reload"), from its sender's uid and pid. */
void lbd_audit_signal(__u32 uid, __s32 pid, const char *cmd, int ret, const char *msg);

/* ---- control.c: the control socket's connections (docs/control.md "Connections") ---- */

#define LBD_CTL_EV_TAG (1ull << 57) /* | 0: the listening socket, | 1: sweep timer, | 2+i: client i */
#define LBD_CTL_MAX 64 /* connections at once */
#define LBD_CTL_RESERVE 8 /* ... of which the last ones only for root and admins */
#define LBD_CTL_PER_UID 8 /* ... and at most this many per uid (root: no budget) */
#define LBD_CTL_DEADLINE_MS 5000 /* a complete request is due this soon after accept/answer */
#define LBD_CTL_SWEEP_MS 500 /* how often overdue connections are looked for */
#define LBD_CTL_LOG_MS 10000 /* at most one refusal log line this often */

/* Serve the listening socket lfd in epfd. 0 or -errno. */
int lbd_control_init(struct lbd *l, int epfd, int lfd);
/* An epoll event whose data has LBD_CTL_EV_TAG. */
void lbd_control_event(struct lbd *l, int epfd, __u64 data);
void lbd_control_free(int epfd);
/* Connections in use, limits, refusals by reason (status "control", metrics). */
json_t *lbd_control_json(void);

/* ---- netwatch.c: the interface going away and coming back (rtnetlink) ---- */

#define LBD_NET_EV_TAG (1ull << 56) /* epoll data of the rtnetlink socket */

int lbd_netwatch_init(struct lbd *l, int epfd);
void lbd_netwatch_event(struct lbd *l);
void lbd_netwatch_tick(struct lbd *l); /* 1 s: retry a failed re-attach */
void lbd_netwatch_free(void);
bool lbd_netwatch_attached(void);
/* status "link": state (attached, gone, attach_failed), since_s, lost, reattached */
json_t *lbd_netwatch_json(struct lbd *l);

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
/* The current up/down state of cb in cs; false if cb has no probe (type none, not started). */
bool lbd_health_state(struct lbd *l, const struct xlb_cfg_service *cs,
		      const struct xlb_cfg_backend *cb, bool *up);

/* ---- hsave.c: health states saved across restarts ---- */

/* Before the first apply: read l->health_path (never fails the start). */
int lbd_hsave_load(struct lbd *l);
/* The saved state of cb for cs's current check settings, if any. */
bool lbd_hsave_seed(struct lbd *l, const struct xlb_cfg_service *cs,
		    const struct xlb_cfg_backend *cb, bool *up);
/* Once the checker has taken the saved states: forget them. */
void lbd_hsave_done(struct lbd *l);
/* A state changed: save it (at most once a second, lbd_hsave_flush). */
void lbd_hsave_dirty(struct lbd *l);
/* Write the file if something changed and a second has passed (or force: at exit). */
void lbd_hsave_flush(struct lbd *l, bool force);

#endif
