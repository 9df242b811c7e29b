/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flowstat - read-only counts over the pinned connection table
 * (XLB_MAP_FLOWS) for metrics and scaling: how many entries it holds and how
 * many flows are "active" per service id and per backend id.
 *
 * Active means: an entry whose last packet was seen within window_ns (the
 * data path stamps last_seen_ns with the coarse monotonic clock) and that is
 * not marked closed (XLB_FLOW_F_CLOSED, set on the client's FIN or RST).
 * This is an approximation, on purpose cheap: the LRU table keeps entries
 * after a connection ends, so a connection closed less than window_ns ago
 * still counts, and an idle connection older than that does not.
 *
 * The walk costs one batch syscall per 1024 entries: use it once a second,
 * not per packet. Safe from any thread (only map reads on its own fd).
 */
#ifndef XLB_FLOWSTAT_H
#define XLB_FLOWSTAT_H

#include <linux/types.h>
#include "xlb.h"

#define XLB_ACTIVE_FLOW_WINDOW_S 30

struct xlb_flowstat {
	__u64 entries; /* entries in the table */
	__u64 capacity; /* max_entries */
	__u64 active; /* active flows, all services */
	__u32 svc_active[XLB_MAX_SERVICES]; /* by service id */
	__u32 be_active[XLB_BACKEND_ID_LIMIT]; /* by backend id (any --max-backends) */
};

/* Open the flow table pinned under pin_dir: fd or -errno. */
int xlb_flowstat_open(const char *pin_dir);
/* Fill *fs (zeroed first). 0 or -errno. */
int xlb_flowstat_read(int fd, __u64 window_ns, struct xlb_flowstat *fs);
/* max_entries of a map fd (0 on error). */
__u64 xlb_map_capacity(int fd);

#endif
