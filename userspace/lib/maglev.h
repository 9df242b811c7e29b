/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016), built in
 * user space and loaded into a service's lookup table map.
 *
 * Determinism: the table depends only on the set of (identity, weight) pairs
 * and the table size, not on the order of the input array nor on the ids, so
 * every lbd node given the same backends builds the same table.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stddef.h>
#include "xlb.h"

struct xlb_maglev_backend {
	__u32 id; /* value written into the table slots */
	__u32 weight; /* 0 = takes no slots */
	struct xlb_addr addr; /* identity: hashed to this backend's permutation */
	__u8 family;
};

/* Is n a prime usable as a table size (>= 7 and <= XLB_MAX_TABLE_SIZE)? */
int xlb_maglev_size_ok(__u32 n);

/*
 * Fill table[0..size-1] with backend ids. Each backend with weight w gets
 * about size * w / sum(w) slots. With no backend of non-zero weight every slot
 * is XLB_BACKEND_NONE. Returns 0, -EINVAL (bad size, duplicate identity) or
 * -ENOMEM.
 */
int xlb_maglev_build(const struct xlb_maglev_backend *be, size_t n, __u32 *table, __u32 size);

#endif
