// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_drop.bpf.c - the baseline of tools/bench_xdp: the cheapest possible
 * XDP program. Every benchmark case is reported as a ratio to it, measured
 * the same way in the same process.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xlb_bench_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
