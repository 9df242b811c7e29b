/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * csum.h - Internet checksums (RFC 1071) over headers the program builds.
 *
 * Byte order: the one's-complement sum is invariant under byte swapping
 * (RFC 1071 section 2(B)), so we add 16-bit words exactly as they lie in
 * memory (network order read as host words) and store the folded result the
 * same way; no byte swaps. Values that are not in memory (lengths, the
 * protocol of a pseudo header) must be added in wire order: bpf_htons(x).
 */
#ifndef XLB_BPF_CSUM_H
#define XLB_BPF_CSUM_H

#include <linux/types.h>

/* Sum of n16 16-bit words at p; n16 a compile-time constant (unrolled). */
static __always_inline __u32 xlb_csum_words(const void *p, const int n16)
{
	const __u16 *w = p;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < n16; i++)
		sum += w[i];
	return sum;
}

/* Fold a 32-bit partial sum to 16 bits (not complemented). Two folds suffice below 2^32. */
static __always_inline __u16 xlb_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* One's-complement negation of a folded sum, as a 32-bit addend. */
static __always_inline __u32 xlb_csum_neg(__u16 folded)
{
	return (__u16)~folded;
}

#endif /* XLB_BPF_CSUM_H */
