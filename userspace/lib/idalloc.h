/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Id allocator for service and backend ids (indexes into array maps).
 *
 * Ids are handed out from a cursor: the lowest free id at or after the one
 * following the last allocation, wrapping around. A freed id is therefore
 * not reused right away, so a flow the data path still remembers under an
 * old id is unlikely to land on a brand-new backend that took the same id.
 * Pure logic: no BPF, unit-tested in tests/unit/test_idalloc.c.
 */
#ifndef XLB_IDALLOC_H
#define XLB_IDALLOC_H

#include <stdbool.h>
#include <linux/types.h>

struct xlb_idalloc {
	__u64 *bits; /* bit set = id in use */
	__u32 size; /* ids are 0..size-1 */
	__u32 cursor; /* next search starts here */
	__u32 used; /* ids in use */
};

int xlb_idalloc_init(struct xlb_idalloc *a, __u32 size); /* 0 or -EINVAL/-ENOMEM */
void xlb_idalloc_destroy(struct xlb_idalloc *a);
/* Allocate an id into *id: 0 or -ENOSPC. */
int xlb_idalloc_get(struct xlb_idalloc *a, __u32 *id);
/*
 * Mark a given id used (adopting pinned state): 0, -ERANGE or -EEXIST. Moves
 * the cursor past it so later allocations come after the adopted ids.
 */
int xlb_idalloc_reserve(struct xlb_idalloc *a, __u32 id);
/* Free an id; freeing a free or out-of-range id does nothing. */
void xlb_idalloc_put(struct xlb_idalloc *a, __u32 id);
bool xlb_idalloc_used(const struct xlb_idalloc *a, __u32 id);

#endif
