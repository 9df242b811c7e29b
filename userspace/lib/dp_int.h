/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dp_int.h - internals of the data path access layer (dp.h), shared by its
 * files and by nothing else:
 *   dp.c         open, close, lock, load, pins, counters, read-only fds
 *   dp_attach.c  the bpf_link on the interface, redirect targets
 *   dp_svc.c     services, backends and their caps, lookup tables, prefilter,
 *                node settings, SYN cookie secret, adoption
 *   dp_filter.c  ACL tries and filter settings
 *   dp_flows.c   the connection table walk and its views
 *   dp_migrate.c other versions and sizes of pinned maps (upgrades, resize)
 */
#ifndef XLB_DP_INT_H
#define XLB_DP_INT_H

#include <net/if.h>
#include <limits.h>
#include <stdbool.h>

#include "dp.h"
#include "idalloc.h"
#include "xlb_hash.h" /* XLB_VFILTER_WORDS */
#include "xlb.skel.h"

#define LINK_PIN "link"

struct dp_backend {
	struct xlb_addr addr;
	__u8 family;
	__u8 active; /* XLB_BE_F_ACTIVE set: usable for established flows */
	__u16 weight; /* effective weight (the table's), not the configured one */
	__u32 id;
	__u32 max_flows; /* #21: cap (XLB_BE_F_CAPPED, xlb_caps_v1); 0 = none */
	__u16 port; /* #19: target port (host order, 0 = the VIP's), xlb_natbe_v1 */
	__u8 fwd; /* #19: its service's forwarding mode (the SNAT address is for fullnat) */
};

struct dp_service {
	struct xlb_vip_key key;
	struct xlb_svc svc;
	struct dp_backend *be;
	size_t n_be;
	bool table_ok; /* XLB_MAP_TABLES[svc.id] holds the table for be[] */
};

/* A pin <pin_dir>/xlb_<base>_v<N> whose base names a map of ours with another version. */
struct dp_oldpin {
	char name[64]; /* the pin (= the old map's name) */
	struct bpf_map *map; /* ours: the new version */
	unsigned int from, to;
	const struct xlb_migration *mig; /* NULL: ours starts empty */
	__u64 copied; /* entries / counters copied (logged) */
};

/* What a backend id names, the key its id is remembered under (be_id_get). */
struct dp_be_key {
	struct xlb_vip_key svc;
	struct xlb_addr addr;
	__u8 family;
};
_Static_assert(sizeof(struct dp_be_key) <= XLB_IDALLOC_KEY_MAX,
	       "dp_be_key fits a remembered-id key");

struct xlb_dp {
	struct xlb *skel;
	struct bpf_object *obj;
	int lock_fd;
	int ifindex;
	char iface[IF_NAMESIZE];
	char pin_dir[PATH_MAX];
	const char *mode;
	bool adopted;
	bool had_link; /* a live link was pinned: the maps are in use */
	bool attached; /* xlb_dp_attach() done */
	enum xlb_attach_mode attach_mode;
	struct dp_oldpin *oldpins; /* pins of other versions of our maps (migrate.h) */
	size_t n_oldpins;
	int fd_vips, fd_vaddr, fd_tables, fd_bends, fd_stats, fd_svcst, fd_best, fd_txports;
	int fd_vfilt;
	int fd_epoch; /* XLB_MAP_EPOCH: bumped when a backend becomes usable (fcache.h) */
	bool no_flow_cache; /* load with xlb_cfg_fcache = 0 */
	/*
	 * Entries of the connection table at the end of the last full walk, and when
	 * (CLOCK_MONOTONIC ms; 0: never counted). A walk of a full table costs
	 * 100-200 ms: status reports this instead of walking (xlb_dp_fill).
	 */
	__u32 flows_seen;
	__u64 flows_seen_ms;
	__u32 max_flows; /* 0: as built */
	__u32 want_backends; /* 0: as built */
	__u64 vfilt[XLB_VFILTER_WORDS]; /* what XLB_MAP_VIPFILTER holds */
	long long last_swap_ns; /* CLOCK_MONOTONIC when the last table swap was issued */
	__u32 inner_flags; /* map_flags every inner table must carry */
	__u32 max_services, max_backends;
	struct dp_service *svcs; /* max_services slots, n_svcs used */
	size_t n_svcs;
	/*
	 * A service (by key) or a backend (by service key and address) that
	 * leaves and comes back (apply, then rollback) gets its old id again if
	 * nothing else held that id meanwhile (idalloc.h, remembered ids): a
	 * rollback then restores the maps exactly, and flows still naming a
	 * backend id go to the same address.
	 */
	struct xlb_idalloc svc_ids, be_ids;
	int ncpus;
	int udp4, udp6; /* neighbour resolution kicks */
};

/* dp.c */
const char *dp_fam_str(const struct xlb_addr *a, __u8 family, char *buf);
const char *dp_key_str(const struct xlb_vip_key *k, char *buf, size_t len);
int dp_percpu_zero(const struct xlb_dp *dp, int fd, __u32 key, size_t nwords);
/* dp_attach.c */
int dp_fill_txports(struct xlb_dp *dp, __u32 max);
/* dp_svc.c */
int dp_adopt(struct xlb_dp *dp);
void dp_drop_service(struct xlb_dp *dp, struct dp_service *s);
int dp_vfilter_sync(struct xlb_dp *dp, const struct xlb_vip_key *extra);
/* dp_filter.c */
void dp_filter_clear_id(struct xlb_dp *dp, __u32 id);
/* dp_migrate.c */
void dp_oldpins_migrate(struct xlb_dp *dp, int pass);
void dp_oldpins_remove(struct xlb_dp *dp);
int dp_oldpins_scan(struct xlb_dp *dp);
int dp_resize_prepare(struct xlb_dp *dp, struct bpf_map *m);

/*
 * Typed accessors: the skeleton's map of an alias in xlb.h (XLB_FLOWS_MAP), and
 * its fd. The dp files never look a map of the loaded object up by name; only
 * pins of other versions (dp_migrate.c: their names are what is to be found)
 * and the read-only views' xlb_dp_map_fd_ro() (callers name the map) are.
 */
#define DP_MAP(dp, ID) ((dp)->skel->maps.ID)
#define DP_MAP_FD(dp, ID) bpf_map__fd(DP_MAP(dp, ID))

#endif
