/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * natpool - source-NAT port ranges for fullnat forwarding (issue #19).
 *
 * A fullnat flow leaves the balancer from a node address (the SNAT address)
 * and a source port taken from a configured range. The range must never
 * overlap the node's own ephemeral ports (ip_local_port_range), or a reply
 * to one of the node's own connections could be taken for a NAT flow and the
 * other way round. Ports are picked without a global lock: the range is cut
 * into one slice per CPU, and inside a slice a flow hash gives a start port
 * from which a few candidates are probed (the data path inserts the reverse
 * entry with BPF_NOEXIST, so a live flow's port is never taken twice).
 * Pure logic: no BPF, unit-tested in tests/unit/test_natpool.c.
 */
#ifndef XLB_NATPOOL_H
#define XLB_NATPOOL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

/* Default SNAT port range: below Linux's default ephemeral 32768-60999. */
#define XLB_NATPOOL_DEF_LO    10240
#define XLB_NATPOOL_DEF_HI    32767
#define XLB_NATPOOL_MIN_SLICE 16 /* ports a CPU's slice holds at least */
#define XLB_NATPOOL_PROBES    8	 /* candidates tried per new flow */

struct xlb_port_range {
	__u16 lo; /* inclusive, host order */
	__u16 hi; /* inclusive, host order, >= lo */
};

/* "lo-hi" or a single "port", 1..65535, plain decimal: 0, -EINVAL or -ERANGE. */
int xlb_natpool_parse_range(const char *s, struct xlb_port_range *out);
/* The content of /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999\n"). */
int xlb_natpool_parse_local(const char *s, struct xlb_port_range *out);
static inline __u32 xlb_port_range_len(const struct xlb_port_range *r)
{
	return (__u32)r->hi - r->lo + 1;
}
bool xlb_port_range_overlap(const struct xlb_port_range *a, const struct xlb_port_range *b);
/*
 * Refuse a SNAT range that overlaps the node's ephemeral range: 0, or
 * -EEXIST with a person's sentence in msg ("snat_ports 30000-40000 overlap
 * the node's ephemeral ports 32768-60999 (net.ipv4.ip_local_port_range)").
 */
int xlb_natpool_check_local(const struct xlb_port_range *snat, const struct xlb_port_range *local,
			    char *msg, size_t msglen);
/*
 * Cut r into ncpus slices, as equal as possible, each at least
 * XLB_NATPOOL_MIN_SLICE ports; slice i into out[i]. Fewer ports than that:
 * -ENOSPC. The slices are disjoint and cover r exactly.
 */
int xlb_natpool_slices(const struct xlb_port_range *r, __u32 ncpus, struct xlb_port_range *out);
/*
 * The k-th candidate port (0 <= k < XLB_NATPOOL_PROBES) for a flow with hash h
 * in slice s: the hash picks a start port, then consecutive ports (wrapping
 * inside s), so the candidates are distinct while k < len(s). The data path
 * is to compute the same sequence.
 */
__u16 xlb_natpool_candidate(const struct xlb_port_range *s, __u32 h, __u32 k);

#endif
