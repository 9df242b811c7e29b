/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dp_nat - the NAT half of the data path's maps (issue #19): settings and
 * timeouts (xlb_natcfg_v1), each CPU's slice of the SNAT ports
 * (xlb_natsl_v1, cut by natpool.c), each backend's target port and SNAT
 * address (xlb_natbe_v1), and the NAT counters (xlb_natst_v1, xlb_natrev_v1).
 * dp.c calls it at the points named below; nothing else writes these maps.
 */
#ifndef XLB_DP_NAT_H
#define XLB_DP_NAT_H

#include <linux/types.h>

#include "config.h"
#include "dp.h"

/*
 * With the node: section (before any service is written): timeouts, SNAT
 * address, SNAT port slices, and the on switch when a service uses nat or
 * fullnat. A SNAT range that overlaps the node's ephemeral ports
 * (net.ipv4.ip_local_port_range) is refused while a fullnat service exists:
 * -EEXIST with the reason logged. 0 or -errno.
 */
int xlb_dp_nat_sync(struct xlb_dp *dp, const struct xlb_config *cfg);
/* A nat/fullnat service (fwd) is being written (also at runtime): replies are looked for. */
int xlb_dp_nat_enable(struct xlb_dp *dp, __u8 fwd);
/*
 * Backend id's entry, written before the backend entry: its target port
 * (host order, 0 = the VIP's) and, for fullnat, the SNAT address: node.snat_v4,
 * else the source address the kernel picks toward the backend. 0 or -errno.
 */
int xlb_dp_nat_backend(struct xlb_dp *dp, __u32 id, const struct xlb_addr *addr, __u8 family,
		       __u16 port, __u8 fwd);

struct xlb_dp_nat_stats {
	__u64 ev[XLB_NAT_STAT_MAX]; /* enum xlb_nat_stat, summed over CPUs */
	__u64 entries; /* reverse entries (xlb_natrev_v1), expired ones included */
	__u32 ports; /* SNAT ports of the range (all CPUs) */
	bool on;
};
int xlb_dp_nat_stats(const struct xlb_dp *dp, struct xlb_dp_nat_stats *out);

/* Counter names of xlb_natst_v1, indexed by enum xlb_nat_stat: {name, help}. */
extern const char *const xlb_nat_stat_names[XLB_NAT_STAT_MAX][2];

#endif
