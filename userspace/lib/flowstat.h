/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flowstat - read-only counts over the pinned connection table
 * (XLB_MAP_FLOWS) for metrics and scaling: how many entries it holds and how
 * many flows are open ("active") per service id and per backend id.
 *
 * An open flow -- the one definition behind every view of open or active
 * flows: lbctl backend list and the drain commands' `flows`, /metrics'
 * *_active_flows, scaling's active_flows_per_backend -- is a connection-table
 * entry that is not marked closed (XLB_FLOW_F_CLOSED, set on the client's FIN
 * or RST) and whose last packet is at most XLB_FLOW_OPEN_NS old (the data path
 * stamps last_seen_ns with the coarse monotonic clock). This is an
 * approximation, on purpose cheap: the LRU table keeps entries after a
 * connection ends, so a connection closed less than the window ago still
 * counts, and an idle connection older than that does not.
 *
 * Another purpose applies the same test with its own window, named where it
 * is defined: the lc scheduler's recount of its per-backend counters
 * (XLB_LC_IDLE_NS in dp.h, lbd --lc-idle). Status reports how full the table
 * is (entries of any age), which is not a count of open flows.
 *
 * The walk costs one batch syscall per 1024 entries: use it once a second,
 * not per packet. Safe from any thread (only map reads on its own fd).
 */
#ifndef XLB_FLOWSTAT_H
#define XLB_FLOWSTAT_H

#include <linux/types.h>
#include "xlb.h"

#include <stdbool.h>
#include <stddef.h>

/* The open-flow window of every view (see above). */
#define XLB_FLOW_OPEN_S 60
#define XLB_FLOW_OPEN_NS (XLB_FLOW_OPEN_S * 1000000000ull)

struct xlb_flowstat {
	__u64 entries; /* entries in the table */
	__u64 capacity; /* max_entries */
	__u64 active; /* active flows, all services */
	__u32 svc_active[XLB_MAX_SERVICES]; /* by service id */
	__u32 be_active[XLB_BACKEND_ID_LIMIT]; /* by backend id (any --max-backends) */
};

/* Is f open at now_ns: not closed and seen within window_ns (0: any age)? */
bool xlb_flow_is_open(const struct xlb_flow *f, __u64 now_ns, __u64 window_ns);
/* Add the open flows among vals[0..n) to counts[backend id] (ids >= n_ids: ignored). */
void xlb_flow_count_open(const struct xlb_flow *vals, size_t n, __u64 now_ns, __u64 window_ns,
			 __u32 *counts, __u32 n_ids);
/* Add vals[0..n) to *fs: the entries, and the open flows by service and backend id. */
void xlb_flowstat_add(struct xlb_flowstat *fs, const struct xlb_flow *vals, size_t n,
		      __u64 now_ns, __u64 window_ns);

/* Open the flow table pinned under pin_dir: fd or -errno. */
int xlb_flowstat_open(const char *pin_dir);
/* Fill *fs (zeroed first) with a walk of the table at fd. 0 or -errno. */
int xlb_flowstat_read(int fd, __u64 window_ns, struct xlb_flowstat *fs);

#endif
