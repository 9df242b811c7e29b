/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fcache.h - per-CPU cache of established flows, checked without a kernel call.
 *
 * Looking a flow up in the connection table (an LRU hash) costs a kernel
 * hash, a bucket walk and a memcmp, each a call that pays the return-thunk
 * mitigation on CPUs that have it; it was the largest single item of the
 * established path (docs/performance.md). This cache is a direct-mapped
 * per-CPU array indexed by a hash computed here, so a hit costs one inlined
 * array lookup and five 8-byte compares.
 *
 * It never decides anything the connection table would not: an entry is a
 * copy of a table entry (backend, service, forwarding mode) made on this CPU
 * by a packet that found the flow in the table, and it is trusted only
 *  - for packets without FIN, RST or SYN (those go to the table, which keeps
 *    the lc state of the flow);
 *  - while expires_ns is ahead (XLB_FCACHE_TTL_NS): the table entry is then
 *    looked up again at least that often, which refreshes its last_seen_ns
 *    (1 s grain) and its LRU reference bit, so a cached flow is neither
 *    counted idle by lbd nor evicted as cold;
 *  - while its backend is still usable for its service (checked on every
 *    hit, as the table path does): a backend that went down or was removed
 *    sends the flow to the table, which reschedules it and refills the slot;
 *  - while its epoch equals xlb_epoch_v1[0]: lbd bumps the epoch whenever a
 *    backend becomes usable again, so a flow rescheduled away from it on
 *    another CPU is not sent back by a stale copy here.
 * A flow's packets normally arrive on one CPU (RSS hashes the 5-tuple), so a
 * copy on another CPU is rare and lives at most one TTL.
 *
 * New flows do not fill the cache (that would add a cache-line write to the
 * new-flow path); the first packet that finds the flow in the table does.
 */
#ifndef XLB_BPF_FCACHE_H
#define XLB_BPF_FCACHE_H

#include "maps.h"
#include "sched.h"

#define XLB_FCACHE_TTL_NS (250ull * 1000 * 1000)

/* Packets that may use the cache: no TCP state change to record. */
static __always_inline int xlb_fcache_eligible(__u8 tcp_flags)
{
	return !(tcp_flags & (XLB_TCP_FIN | XLB_TCP_RST | XLB_TCP_SYN));
}

static __always_inline __u32 xlb_epoch(void)
{
	__u32 zero = 0, *e = bpf_map_lookup_elem(&xlb_epoch_v1, &zero);

	return e ? *e : 0;
}

/* The slot of key on this CPU (multiplicative hash of the folded 5-tuple). */
static __always_inline struct xlb_fcache_ent *xlb_fcache_slot(const struct xlb_flow_key *key)
{
	const __u64 *w = (const __u64 *)key;
	__u64 h = w[0] ^ w[1] ^ w[2] ^ w[3];
	__u32 slot;

	h = (h ^ (h >> 29) ^ w[4]) * 0x9e3779b97f4a7c15ull;
	slot = h >> (64 - XLB_FCACHE_BITS);
	return bpf_map_lookup_elem(&xlb_fcache_v1, &slot);
}

static __always_inline int xlb_fcache_match(const struct xlb_fcache_ent *e,
					    const struct xlb_flow_key *key, __u64 now)
{
	const __u64 *a = (const __u64 *)&e->key, *b = (const __u64 *)key;

	if (((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) ||
	    now >= e->expires_ns)
		return 0;
	return e->epoch == xlb_epoch();
}

/*
 * A cached flow's backend, if the entry in e is this flow's, fresh, and its
 * backend still usable; its id, service and forwarding mode in the out
 * parameters. NULL: use the connection table.
 */
static __always_inline struct xlb_backend *xlb_fcache_get(struct xlb_fcache_ent *e,
							  const struct xlb_flow_key *key, __u64 now,
							  __u32 *be_id, __u32 *svc_id, __u8 *fwd)
{
	struct xlb_backend *be;
	__u32 id;

	if (!xlb_fcache_match(e, key, now))
		return NULL;
	id = e->backend_id;
	be = bpf_map_lookup_elem(&xlb_bends_v1, &id);
	if (!be || !xlb_backend_usable(be, e->svc_id))
		return NULL;
	*be_id = id;
	*svc_id = e->svc_id;
	*fwd = e->fwd;
	return be;
}

/* Copy a connection-table entry that was just found and used into slot e. */
static __always_inline void xlb_fcache_put(struct xlb_fcache_ent *e, const struct xlb_flow_key *key,
					   const struct xlb_flow *flow, __u32 be_id, __u64 now)
{
	__builtin_memcpy(&e->key, key, sizeof(*key));
	e->backend_id = be_id;
	e->svc_id = flow->svc_id;
	e->fwd = flow->fwd;
	e->epoch = xlb_epoch();
	e->expires_ns = now + XLB_FCACHE_TTL_NS;
}

#endif /* XLB_BPF_FCACHE_H */
