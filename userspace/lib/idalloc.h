/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Id allocator for service and backend ids (indexes into array maps).
 *
 * Ids are handed out from a cursor: the lowest free id at or after the one
 * following the last allocation, wrapping around. A freed id is therefore
 * not reused right away, so a flow the data path still remembers under an
 * old id is unlikely to land on a brand-new backend that took the same id.
 *
 * Remembered ids: xlb_idalloc_put_key() frees an id and remembers it under a
 * key (what the id named: a service's key, a backend's service and address).
 * xlb_idalloc_get_key() with the same key gives that id back if nothing else
 * was allocated (get, get_key or reserve) under it meanwhile; otherwise, or
 * when the key was never seen or has been forgotten (the newest
 * XLB_IDALLOC_RECALL frees are kept), it allocates like xlb_idalloc_get().
 * So a thing that leaves and comes back (apply, then rollback) gets its old
 * id, and ids stay unique: an id is never handed out twice while used.
 * Pure logic: no BPF, unit-tested in tests/unit/test_idalloc.c.
 */
#ifndef XLB_IDALLOC_H
#define XLB_IDALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define XLB_IDALLOC_RECALL 1024 /* freed ids remembered by key */
#define XLB_IDALLOC_KEY_MAX 64 /* bytes of a key */

/* One remembered id: what it named and gen[id] when it was freed. */
struct xlb_idalloc_recall {
	__u8 key[XLB_IDALLOC_KEY_MAX];
	__u32 len; /* 0: empty slot */
	__u32 id;
	__u32 gen;
};

struct xlb_idalloc {
	__u64 *bits; /* bit set = id in use */
	__u32 *gen; /* gen[id]: how often id was taken (get, get_key, reserve) */
	struct xlb_idalloc_recall *recall; /* ring, newest at recall_next - 1 */
	__u32 recall_next;
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
/*
 * Allocate the id last freed under key (len bytes, 1..XLB_IDALLOC_KEY_MAX;
 * compared bytewise, so zero any padding) if still free and not taken since,
 * else the next free one: 0 or -ENOSPC / -EINVAL (bad len). The memory of key
 * is consumed either way.
 */
int xlb_idalloc_get_key(struct xlb_idalloc *a, const void *key, size_t len, __u32 *id);
/* Free an id (as xlb_idalloc_put) and remember it under key (len as above). */
void xlb_idalloc_put_key(struct xlb_idalloc *a, __u32 id, const void *key, size_t len);
bool xlb_idalloc_used(const struct xlb_idalloc *a, __u32 id);

#endif
