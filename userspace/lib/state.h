/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * state - lbd's runtime overrides: what the operator changed with lbctl on top
 * of the config file, persisted so that a restart or a crash brings it back.
 * Pure code (jansson and files only), unit-tested in tests/unit/test_state.c.
 *
 * Model: two configs. `base` is the config file as loaded; `eff` is the
 * desired state lbd programs (base plus the operator's changes). The state
 * is their difference, keyed by service name and backend address:
 *
 *   {"xlb_state": 1,
 *    "services": {
 *      "api":  {"removed": true},                       service of the file, removed
 *      "tmp":  {"service": {"vip": "10.100.0.20", "port": 80, "protocol": "tcp",
 *                           "scheduler": "maglev", "forwarding": "dsr-l2",
 *                           "table_size": 65537, "drain_timeout": 300},
 *               "backends": {"10.0.0.21": {"weight": 100}}},   added (or redefined)
 *      "web":  {"backends": {
 *                 "10.0.0.11": {"removed": true},
 *                 "10.0.0.12": {"weight": 0},                   re-weighted
 *                 "10.0.0.13": {"drain_since_ms": 1700000000000},   draining
 *                 "10.0.0.14": {"weight": 50}}}},               added
 *    "acl": {"global": {"deny": ["192.0.2.0/24"]},          lbctl acl: whole lists of
 *            "services": {"web": {"allow": [...], "deny": [...]}}},  each changed scope
 *    "rate_limit": {"global": null,                          lbctl ratelimit: the whole
 *                   "services": {"web": {"new_flows_per_s": 50, "burst": 100,   limit of each
 *                                        "prefix_v4": 24, "prefix_v6": 64}}}}   changed scope
 *                                                            (null: cleared)
 *
 * xlb_state_apply() replays a state on any base (start, restart, reload):
 * an override wins over the file; it disappears when the file says the same
 * thing (xlb_state_diff() of the result no longer contains it), or when it
 * cannot apply (service gone, VIP:port taken by another service): dropped
 * with a warning. docs/config.md ("Runtime changes and the state file")
 * is the operator's view.
 */
#ifndef XLB_STATE_H
#define XLB_STATE_H

#include <jansson.h>
#include "config.h"

#define XLB_STATE_DIR "/var/lib/xlb"
#define XLB_STATE_VERSION 1

/* The state that turns base into eff (new reference; never NULL unless ENOMEM). */
json_t *xlb_state_diff(const struct xlb_config *base, const struct xlb_config *eff);

/*
 * eff = base with state applied (eff must be empty; free with
 * xlb_config_free). Overrides that do not apply are skipped and described,
 * one per line, in warn (may be NULL). 0, -EINVAL (state malformed: err says
 * why, eff empty) or -ENOMEM.
 */
int xlb_state_apply(const json_t *state, const struct xlb_config *base, struct xlb_config *eff,
		    char *warn, size_t warnlen);

/* Deep copy (backends included). 0 or -ENOMEM. */
int xlb_config_copy(struct xlb_config *dst, const struct xlb_config *src);

/*
 * Read a state file: 0 and *state (an empty state if the file does not
 * exist), or -errno with a message in err (unreadable, not JSON, wrong
 * version).
 */
int xlb_state_load(const char *path, json_t **state, char *err, size_t errlen);
/*
 * Write atomically: PATH.tmp, fsync, rename over PATH, fsync the directory
 * (created if missing). 0 or -errno; PATH is then either old or new, never torn.
 */
int xlb_state_save(const char *path, const json_t *state);

/* Number of overrides (services + backends) in a state, for logs. */
size_t xlb_state_count(const json_t *state);

#endif
