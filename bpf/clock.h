/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * clock.h - the data path's notion of "now": CLOCK_MONOTONIC_COARSE in ns,
 * the clock user space compares flow ages with (last_seen_ns).
 *
 * bpf_ktime_get_coarse_ns() is a real helper call (three nested kernel
 * calls, each paying the return-thunk mitigation on this CPU: about 4 ns per
 * packet, measured). bpf_jiffies64() is inlined by the verifier into one
 * load, and the coarse clock only moves when the tick does, so the coarse
 * time is read once per tick per CPU and cached in XLB_CLOCK_MAP (which also
 * holds this CPU's flow cache counters, fcache.h).
 *
 * Precision: the cached value lags the coarse clock by at most one tick
 * (plus the moment between the tick's jiffies increment and its timekeeping
 * update, i.e. at most two ticks, 8 ms at HZ=250). Every consumer works at
 * far coarser grain: flow touch (1 s), next-hop cache (100 ms), idle
 * timeouts (seconds), rate-limit refill (already tick-stepped; GCRA handles
 * a now that lags).
 */
#ifndef XLB_BPF_CLOCK_H
#define XLB_BPF_CLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.h"

static __always_inline __u64 xlb_now(void)
{
	__u32 zero = 0;
	__u64 j = bpf_jiffies64();
	/* Per-CPU array with a constant key: inlined by the verifier (no call). */
	struct xlb_clock *c = bpf_map_lookup_elem(&XLB_CLOCK_MAP, &zero);

	if (!c)
		return bpf_ktime_get_coarse_ns(); /* cannot happen: key 0 exists */
	if (c->jiffies != j || !c->ns) {
		/* One CPU owns its entry while the program runs. */
		c->ns = bpf_ktime_get_coarse_ns();
		c->jiffies = j;
	}
	return c->ns;
}

#endif /* XLB_BPF_CLOCK_H */
