/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ct.h - the connection table behind one small API, so that no caller
 * touches its map: the layout can change (issue #20) without the data path's
 * logic noticing.
 *
 *   xlb_ct_lookup(key)             the flow's entry, or NULL
 *   xlb_ct_insert(key, val, flag)  record a flow: BPF_ANY (insert or
 *                                  replace) or BPF_NOEXIST (-EEXIST if the
 *                                  flow has an entry); 0 or -errno
 *
 * The entry returned by a lookup is the table's own: callers update
 * last_seen_ns and flags in place (sched.h).
 *
 * Two implementations:
 *  - default: a BPF LRU hash (XLB_FLOWS_MAP); a full table evicts the least
 *    recently used flow. What lbd, the tests and the migrations use.
 *  - XLB_CT_SA: a set-associative table in an array map (include/xlb_ct.h:
 *    layout, locking, replacement), XLB_CT_WAYS ways, shared or per CPU
 *    (XLB_CT_PERCPU). Built only into bench_xdp's ablation objects for now:
 *    lbd's readers, the recount and the migrations do not know it yet.
 *    Known gaps before it can serve lbd: a lookup that meets a writer in
 *    the bucket answers "miss" (maglev and sh then pick the same backend
 *    again, rr/wrr/lc may not: it should retry), and an entry returned to
 *    a caller can be replaced by another CPU while the caller still updates
 *    it (as a BPF LRU element can be reused).
 */
#ifndef XLB_BPF_CT_H
#define XLB_BPF_CT_H

#include <linux/errno.h>

#include "maps.h"
#include "xlb_hash.h"

#ifndef XLB_CT_SA

static __always_inline struct xlb_flow *xlb_ct_lookup(const struct xlb_flow_key *key)
{
	return bpf_map_lookup_elem(&XLB_FLOWS_MAP, key);
}

static __always_inline int xlb_ct_insert(const struct xlb_flow_key *key,
					 const struct xlb_flow *val, __u64 flags)
{
	return bpf_map_update_elem(&XLB_FLOWS_MAP, key, val, flags);
}

#else /* XLB_CT_SA */

#define XLB_CT_READ(x) (*(volatile typeof(x) *)&(x))

/* The 40-byte keys as five 8-byte words: both 8-aligned (xlb_ct_ent, the caller's stack copy). */
static __always_inline int xlb_ct_key_eq(const struct xlb_flow_key *x, const struct xlb_flow_key *y)
{
	const xlb_u64a *a = (const xlb_u64a *)x, *b = (const xlb_u64a *)y;

	return !((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]));
}

static __always_inline struct xlb_ct_bucket *xlb_ct_bucket(__u32 idx)
{
	/* An array (per-CPU or not) with a known map: inlined by the verifier. */
	return bpf_map_lookup_elem(&XLB_CT_MAP, &idx);
}

/*
 * Verifier: the table's work is in global (not inlined) functions, verified
 * once on their own: inlined at every call site, their loops took the data
 * path over the 1M-instruction limit. Hence scalars out: xlb_ct_find()
 * returns where the flow is (bucket * XLB_CT_WAYS + way), -1 if nowhere.
 */
__attribute__((noinline)) int xlb_ct_find(const struct xlb_flow_key *key)
{
	__u64 h;
	struct xlb_ct_bucket *b;
	__u32 tag, idx, w;

	if (!key)
		return -1;
	h = xlb_key_hash64(key);
	idx = (__u32)h & (XLB_CT_BUCKETS - 1);
	tag = xlb_ct_tag(h);
	b = xlb_ct_bucket(idx);
	if (!b)
		return -1;
#ifndef XLB_CT_PERCPU
	__u32 seq = XLB_CT_READ(b->seq);

	if (seq & 1)
		return -1; /* a writer holds the bucket: treated as a miss */
#endif
	for (w = 0; w < XLB_CT_WAYS; w++) {
		if (b->tag[w] != tag || !xlb_ct_key_eq(&b->ent[w].key, key))
			continue;
#ifndef XLB_CT_PERCPU
		asm volatile("" ::: "memory");
		if (XLB_CT_READ(b->seq) != seq)
			return -1; /* replaced while we compared: never trust a torn entry */
#endif
		return idx * XLB_CT_WAYS + w;
	}
	return -1;
}

static __always_inline struct xlb_flow *xlb_ct_lookup(const struct xlb_flow_key *key)
{
	int at = xlb_ct_find(key);
	struct xlb_ct_bucket *b;

	if (at < 0)
		return NULL;
	b = xlb_ct_bucket((__u32)at / XLB_CT_WAYS);
	return b ? &b->ent[(__u32)at % XLB_CT_WAYS].val : NULL;
}

/* Global for the same reason as xlb_ct_find(). */
__attribute__((noinline)) int xlb_ct_put(const struct xlb_flow_key *key,
					 const struct xlb_flow *val, __u64 flags)
{
	__u64 h, oldest = ~0ull;
	struct xlb_ct_bucket *b;
	__u32 tag, w, victim = XLB_CT_WAYS, empty = XLB_CT_WAYS, t;
	int err = 0;

	if (!key || !val)
		return -EINVAL;
	h = xlb_key_hash64(key);
	tag = xlb_ct_tag(h);
	b = xlb_ct_bucket((__u32)h & (XLB_CT_BUCKETS - 1));
	if (!b)
		return -ENOENT;
#ifndef XLB_CT_PERCPU
	__u32 seq = XLB_CT_READ(b->seq);

	/* Take the bucket: seq even -> odd; a concurrent writer wins, we do not record. */
	if ((seq & 1) || __sync_val_compare_and_swap(&b->seq, seq, seq + 1) != seq)
		return -EBUSY;
#endif
	for (w = 0; w < XLB_CT_WAYS; w++) {
		t = b->tag[w];
		if (t == tag && xlb_ct_key_eq(&b->ent[w].key, key)) {
			victim = w;
			break;
		}
		if (!t && empty == XLB_CT_WAYS)
			empty = w;
	}
	if (victim < XLB_CT_WAYS && flags == BPF_NOEXIST) {
		err = -EEXIST;
		goto out;
	}
	if (victim == XLB_CT_WAYS)
		victim = empty;
	if (victim == XLB_CT_WAYS) {
		/* Full bucket: replace the flow seen least recently. */
		victim = 0;
		for (w = 0; w < XLB_CT_WAYS; w++) {
			if (b->ent[w].val.last_seen_ns < oldest) {
				oldest = b->ent[w].val.last_seen_ns;
				victim = w;
			}
		}
	}
	if (victim >= XLB_CT_WAYS) /* verifier: a bound it can see */
		goto out;
	__builtin_memcpy(&b->ent[victim].key, key, sizeof(*key));
	__builtin_memcpy(&b->ent[victim].val, val, sizeof(*val));
	b->tag[victim] = tag;
out:
#ifndef XLB_CT_PERCPU
	__sync_fetch_and_add(&b->seq, 1); /* odd -> even; a full barrier before it */
#endif
	return err;
}

static __always_inline int xlb_ct_insert(const struct xlb_flow_key *key,
					 const struct xlb_flow *val, __u64 flags)
{
	return xlb_ct_put(key, val, flags);
}

#endif /* XLB_CT_SA */

#endif /* XLB_BPF_CT_H */
