/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xlb_ct.h - layout of the set-associative connection table (bpf/ct.h,
 * built with -DXLB_CT_SA; today only in bench_xdp's ablation objects), shared
 * by the data path and user space, which reads and clears it through mmap.
 *
 * The table is an ARRAY map (BPF_F_MMAPABLE) of XLB_CT_BUCKETS buckets of
 * XLB_CT_WAYS entries. A flow lives in bucket xlb_key_hash64() &
 * (XLB_CT_BUCKETS - 1), in any way; the bucket's first cache line holds a
 * sequence number and one 32-bit tag per way (0: empty, else the hash's high
 * half with bit 0 set), so a lookup reads that line and then only the entry
 * whose tag matches. An insertion into a full bucket replaces the entry seen
 * least recently (last_seen_ns).
 *
 * Shared table (default): writers take the bucket by moving seq from even to
 * odd with a compare-and-swap and give it back with seq + 2; a writer that
 * loses the race does not record its flow (the packet is still forwarded:
 * its next packet schedules it again, to the same backend while the lookup
 * table is unchanged). Readers trust a match only if seq was even and
 * unchanged around the key compare. With XLB_CT_PERCPU each CPU has its own
 * table (PERCPU_ARRAY, no compare-and-swap): RSS keeps a flow on one CPU.
 */
#ifndef XLB_CT_H
#define XLB_CT_H

#include "xlb.h"

#ifndef XLB_CT_WAYS
#define XLB_CT_WAYS 4
#endif
#define XLB_CT_BUCKETS (XLB_MAX_FLOWS / XLB_CT_WAYS)
_Static_assert((XLB_CT_BUCKETS & (XLB_CT_BUCKETS - 1)) == 0, "XLB_CT_BUCKETS: a power of two");

struct xlb_ct_ent {
	struct xlb_flow_key key;
	struct xlb_flow val;
};
_Static_assert(sizeof(struct xlb_ct_ent) == 72, "xlb_ct_ent layout");

struct xlb_ct_bucket {
	__u32 seq; /* odd: a writer is changing the bucket */
	__u32 tag[XLB_CT_WAYS];
	__u8 _pad[64 - 4 - 4 * XLB_CT_WAYS]; /* entries start on the next cache line */
	struct xlb_ct_ent ent[XLB_CT_WAYS];
};
_Static_assert(sizeof(struct xlb_ct_bucket) == 64 + 72 * XLB_CT_WAYS, "xlb_ct_bucket layout");

/* The tag of a flow hash: never 0 (empty). */
static inline __u32 xlb_ct_tag(__u64 h)
{
	return (__u32)(h >> 32) | 1;
}

#endif /* XLB_CT_H */
