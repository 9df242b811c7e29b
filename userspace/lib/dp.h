/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dp - the data path access layer: the only code that touches BPF maps.
 *
 * Lifecycle: xlb_dp_open() takes a lock for the pin directory, loads the XDP
 * program reusing (or creating) the pinned maps under <pin_dir>, attaches it
 * with a BPF link pinned at <pin_dir>/link -- or, when that link exists,
 * atomically replaces the program behind it (a restart drops no packet) --
 * and reads back the services and backends the pinned maps already hold.
 * With opts.defer_attach the switch waits for xlb_dp_attach(), so the caller
 * can program the maps first. Pins of other versions of our maps (an upgrade
 * that changed a layout) are migrated around the switch, then removed
 * (migrate.h, dp_migrate.c).
 * xlb_dp_close() leaves everything attached and pinned; xlb_dp_detach()
 * removes the program and the pins.
 *
 * Desired state goes in through xlb_dp_apply_active() (a whole config: services
 * not in it are removed) or xlb_dp_apply_service_active() (one service). Both diff
 * against what the maps hold: an unchanged service keeps its id, an unchanged
 * backend its id (so established flows keep their backend), and an unchanged
 * lookup table is not rebuilt. Services are matched by their key (VIP, port,
 * proto); backends by address within their service. A service or backend
 * that was removed and comes back (a rollback) gets its old id again unless
 * another took it meanwhile (idalloc.h); its counters start at 0 either way.
 */
#ifndef XLB_DP_H
#define XLB_DP_H

#include <stdbool.h>
#include <stddef.h>
#include "xlb.h"
#include "config.h"

#define XLB_LOCK_DIR "/run/xlb"
#define XLB_PIN_ROOT "/sys/fs/bpf/xlb"
#define XLB_NEIGH_REFRESH_S 5

enum xlb_attach_mode {
	XLB_ATTACH_AUTO = 0, /* native, falling back to generic */
	XLB_ATTACH_NATIVE,
	XLB_ATTACH_GENERIC,
};

struct xlb_dp_opts {
	const char *iface;
	const char *pin_dir;
	enum xlb_attach_mode mode;
	/*
	 * Stop before the program switch: the caller programs the new maps
	 * (xlb_dp_apply*), then calls xlb_dp_attach(). Needed whenever a map
	 * may have been renamed by an upgrade: the new program must not run on
	 * service maps that are still empty.
	 */
	bool defer_attach;
	/* Load the program without the per-CPU flow cache (bpf/fcache.h). */
	bool no_flow_cache;
	/*
	 * Connection-table capacity (entries); 0: the build's XLB_MAX_FLOWS. A
	 * pinned table of another size is replaced by one of this size and its
	 * entries copied over around the program switch (like an upgrade's).
	 */
	__u32 max_flows;
	/*
	 * Backend capacity (the backends map and the per-backend counters,
	 * connection counts and next-hop cache); 0: XLB_MAX_BACKENDS. Pinned
	 * maps of another size are refused: changing it is a detach and start.
	 */
	__u32 max_backends;
};

#define XLB_MAX_FLOWS_MIN 1024u
#define XLB_MAX_FLOWS_MAX (1u << 26)

/*
 * The backend capacity of pinned maps under pin_dir (the size of its
 * backends map), 0 when there are none: what a restart keeps.
 */
__u32 xlb_dp_pinned_max_backends(const char *pin_dir);

struct xlb_dp;

/* Parse "auto" / "native" / "generic": 0 or -EINVAL. */
int xlb_attach_mode_parse(const char *s, enum xlb_attach_mode *mode);

/*
 * Open: lock, load, attach, adopt. 0 or -errno; every failure is logged with
 * the thing that failed. -EBUSY: another lbd holds this pin directory.
 */
int xlb_dp_open(const struct xlb_dp_opts *opts, struct xlb_dp **dpp);
/*
 * The switch (after xlb_dp_open() with defer_attach): migrate pinned maps of
 * older versions (migrate.h) into the new maps, attach the program or replace
 * the one behind the pinned link, copy the flows the old program created
 * meanwhile, remove the old-version pins. 0 (also when already attached) or -errno.
 */
int xlb_dp_attach(struct xlb_dp *dp);
/* Release memory, fds and the lock; the program stays attached, maps pinned. */
void xlb_dp_close(struct xlb_dp *dp);
/*
 * Remove the program from iface and every pin in pin_dir (then the directory).
 * Takes the same lock as xlb_dp_open(): -EBUSY while an lbd runs there.
 */
int xlb_dp_detach(const char *iface, const char *pin_dir);

int xlb_dp_ifindex(const struct xlb_dp *dp);
/*
 * The interface came back (as ifindex) after it went away and took the
 * program with it: attach the loaded program there, through a new pinned
 * link, and make it a redirect target. The maps kept everything meanwhile.
 * 0 or -errno (logged).
 */
int xlb_dp_reattach(struct xlb_dp *dp, int ifindex);
const char *xlb_dp_attach_mode(const struct xlb_dp *dp); /* "native" / "generic" */
/* Did xlb_dp_open() replace the program of an existing link (a restart)? */
bool xlb_dp_adopted(const struct xlb_dp *dp);
/* Was the running program loaded with its per-CPU flow cache (bpf/fcache.h)? */
bool xlb_dp_flow_cache(const struct xlb_dp *dp);

/* What an apply did, for logs and the reload answer. */
struct xlb_dp_diff {
	unsigned int added, removed, changed, unchanged; /* services */
	unsigned int tables_built;
};

/*
 * The active set (see policy.h) of one backend: its effective weight in the
 * lookup table (0: no new flows) and whether it may keep established flows
 * (false: XLB_BE_F_ACTIVE cleared, the data path reschedules its flows). The
 * configured weight in the config stays the operator's.
 */
struct xlb_dp_be_active {
	__u32 weight;
	bool usable;
	__u32 max_flows; /* open-flow cap (#21: agent maxconn); 0: the configured max_flows */
};

/*
 * Install or update one service (matched by cs->key) with act[i] for
 * cs->backends[i] (NULL: configured weights, all usable). Order as for every
 * change (dp_svc.c): usable entries before the table, then the table, then entries
 * that became unusable. 0 or -errno (-ENOSPC: out of ids).
 */
int xlb_dp_apply_service_active(struct xlb_dp *dp, const struct xlb_cfg_service *cs,
				const struct xlb_dp_be_active *act, struct xlb_dp_diff *diff);
/*
 * Make the maps hold exactly cfg's services (those not in it are removed),
 * with act[i] for cfg->services[i] (act or act[i] NULL: configured). Stops at
 * the first failure (logged) and returns its -errno; what was applied before
 * stays applied.
 */
int xlb_dp_apply_active(struct xlb_dp *dp, const struct xlb_config *cfg,
			const struct xlb_dp_be_active *const *act, struct xlb_dp_diff *diff);
/*
 * Make the ACL tries and filter settings (bpf/filter.h) hold exactly cfg's
 * global acl/rate_limit and those of its installed services (matched by key).
 * Called by xlb_dp_apply_active() of a whole config, and after ACL changes. 0 or -errno.
 */
int xlb_dp_filters_sync(struct xlb_dp *dp, const struct xlb_config *cfg);
/* Remove one service: 0 or -ENOENT. */
int xlb_dp_remove_service(struct xlb_dp *dp, const struct xlb_vip_key *key);

/* Ids of an installed service / backend: 0 or -ENOENT. */
int xlb_dp_service_id(const struct xlb_dp *dp, const struct xlb_vip_key *key, __u32 *id);
int xlb_dp_backend_id(const struct xlb_dp *dp, const struct xlb_vip_key *key,
		      const struct xlb_addr *addr, __u8 family, __u32 *id);

/* Counters summed over all possible CPUs. */
int xlb_dp_stats(const struct xlb_dp *dp, __u64 out[XLB_STAT_MAX]);

/* The per-CPU flow cache's counters (bpf/fcache.h), summed over the CPUs. */
struct xlb_dp_fcache_stats {
	bool enabled; /* the running program has the cache (xlb_dp_flow_cache) */
	__u64 hits, misses, fills, invalidations;
};
int xlb_dp_fcache_stats(const struct xlb_dp *dp, struct xlb_dp_fcache_stats *out);
int xlb_dp_service_counters(const struct xlb_dp *dp, __u32 svc_id, struct xlb_counters *c);
int xlb_dp_backend_counters(const struct xlb_dp *dp, __u32 be_id, struct xlb_counters *c);
/* #21: a backend's cap entry (max_flows, turned_away) and open-flow count (xlb_conns_v1). */
int xlb_dp_backend_cap(const struct xlb_dp *dp, __u32 be_id, struct xlb_cap *cap, __s64 *open);

/*
 * Open flows per backend id, in one batch walk of the connection table:
 * counts[id] (n_ids entries, zeroed first; NULL: only count) gets every entry
 * naming id that is open (xlb_flow_is_open(), flowstat.h: not closed and, if
 * active_ns is not 0, seen within active_ns; the views pass XLB_FLOW_OPEN_NS,
 * the lc recount its idle window). *total (if not NULL):
 * all entries. The table is LRU without expiry: entries of finished flows stay
 * until evicted, hence the age filter. 0 or -errno.
 */
int xlb_dp_flow_counts(struct xlb_dp *dp, __u32 *counts, __u32 n_ids, __u64 active_ns,
		       __u32 *total);

/*
 * Least connections: the data path counts a flow up when lc schedules it and
 * down on its first FIN/RST, but never sees a flow end silently (UDP, idle
 * TCP, LRU eviction). Rewrite XLB_MAP_CONNS of every lc service's backends
 * with the number of connection-table entries that are not closed and saw a
 * packet within idle_ns. Racing new flows may be missed by one recount and
 * are corrected by the next: the counts stay within the new flows of one
 * walk of the real value. 0 (nothing to do without lc services) or -errno.
 * Backends with a max_flows cap (#21) are recounted the same way, whatever
 * their service's scheduler.
 */
#define XLB_LC_IDLE_NS (120ull * 1000000000ull)
int xlb_dp_lc_recount(struct xlb_dp *dp, __u64 idle_ns);

/*
 * CLOCK_MONOTONIC ns at which the last lookup table swap was issued: from
 * then on new packets use the new table (the swap syscall itself returns
 * only after an RCU grace period, when no packet reads the old one).
 */
long long xlb_dp_last_swap_ns(const struct xlb_dp *dp);

/* Fill levels of the maps, for status. */
struct xlb_dp_fill {
	__u32 flows, flows_max; /* connection table entries (any age) at the last walk / capacity */
	__s64 flows_age_ms; /* how old that count is (-1: never counted) */
	__u32 services, services_max;
	__u32 backends, backends_max; /* backend ids in use */
};
/* Fill levels; never walks the connection table (flows: the last walk's count). */
int xlb_dp_fill(const struct xlb_dp *dp, struct xlb_dp_fill *f);
/*
 * Count the connection table's entries (one batch walk) unless the last
 * complete walk (any xlb_dp_flow_counts(), e.g. the lc recount) is younger
 * than max_age_ms. 0 or -errno.
 */
int xlb_dp_flows_refresh(struct xlb_dp *dp, __u64 max_age_ms);

/*
 * Make the kernel resolve the neighbour entry of every backend, so
 * bpf_fib_lookup() in the data path finds a next-hop MAC. Best effort.
 */
void xlb_dp_neigh_refresh(struct xlb_dp *dp);

/*
 * The fd of one of the program's maps by name (XLB_MAP_*), for read-only
 * views that walk the maps the way the data path does (lbd flow explain):
 * fd (owned by dp, do not close) or -ENOENT. Writers use the calls above,
 * but for lbd's probe.c, the only writer of XLB_MAP_PROBES.
 */
int xlb_dp_map_fd_ro(const struct xlb_dp *dp, const char *name);
/* The fd of another program of the object by name (capture's tail call), or -ENOENT. */
int xlb_dp_prog_fd_ro(const struct xlb_dp *dp, const char *name);
/* Possible CPUs: the number of values a per-CPU map lookup returns. */
int xlb_dp_ncpus(const struct xlb_dp *dp);

#endif
