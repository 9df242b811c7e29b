/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats.h - counters of the XDP data path. Per-CPU maps, plain increments
 * (no atomics needed: one CPU owns its slot while the program runs).
 */
#ifndef XLB_BPF_STATS_H
#define XLB_BPF_STATS_H

#include "maps.h"

/* Count one packet under one global reason (enum xlb_stat). */
static __always_inline void xlb_count(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&xlb_stats_v5, &reason);

	if (v)
		*v += 1;
}

/* Count action under reason and hand it back: `return xlb_verdict(XDP_PASS, ...)`. */
static __always_inline int xlb_verdict(int action, __u32 reason)
{
	xlb_count(reason);
	return action;
}

/* Add one packet of len bytes (and new_flow new flows) to a per-CPU counter set. */
static __always_inline void xlb_counters_add(void *map, __u32 id, __u64 len, __u64 new_flow)
{
	struct xlb_counters *c = bpf_map_lookup_elem(map, &id);

	if (c) {
		c->packets += 1;
		c->bytes += len;
		c->new_flows += new_flow;
	}
}

#endif /* XLB_BPF_STATS_H */
