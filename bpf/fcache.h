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
 *  - for packets without FIN, RST or SYN: those go to the table, which keeps
 *    the lc state of the flow, and they invalidate the slot of their flow on
 *    the way (a SYN may create a new table entry for a re-used 5-tuple, a FIN
 *    or RST ends the flow) by bumping the slot's generation in XLB_FCGEN_MAP,
 *    a small per-CPU array that stays in the CPU cache: the slot's own cache
 *    line is not touched (a store to it cost a new flow 10-40 ns, measured);
 *  - while expires_ns is ahead (XLB_FCACHE_TTL_NS): the table entry is then
 *    looked up again at least that often, which refreshes its last_seen_ns
 *    (1 s grain) and its LRU reference bit, so a cached flow is neither
 *    counted idle by lbd nor evicted as cold;
 *  - while its backend is still usable for its service (checked on every
 *    hit, as the table path does): a backend that went down or was removed
 *    sends the flow to the table, which reschedules it and refills the slot;
 *  - while its epoch equals XLB_EPOCH_MAP[0]: lbd bumps the epoch whenever a
 *    backend becomes usable again, so a flow rescheduled away from it on
 *    another CPU is not sent back by a stale copy here.
 * A flow's packets normally arrive on one CPU (RSS hashes the 5-tuple), so a
 * copy on another CPU is rare and lives at most one TTL. The same bound holds
 * for a 5-tuple re-used by a new connection (sched.h): its SYN invalidates
 * the slot on the CPU it arrives on; a copy of the old entry elsewhere may
 * send the new connection's packets to the old backend for up to one TTL,
 * if that backend is still usable.
 *
 * New flows do not fill the cache (that would add a cache-line write to the
 * new-flow path); the first packet that finds the flow in the table does.
 */
#ifndef XLB_BPF_FCACHE_H
#define XLB_BPF_FCACHE_H

#include "maps.h"
#include "sched.h"

#define XLB_FCACHE_TTL_NS (250ull * 1000 * 1000)

/*
 * Loader knob: how long an entry is trusted. lbd keeps the default; the BPF
 * tests load with a long one so that a slow machine cannot expire an entry
 * between two steps of a test (they test expiry by writing expires_ns).
 * A constant for the verifier: no cost.
 */
const volatile __u64 xlb_cfg_fcache_ttl_ns = XLB_FCACHE_TTL_NS;

/*
 * The 40-byte key is compared as five 8-byte words (xlb_u64a, xlb_hash.h): the
 * stack copy is declared 8-aligned (xlb.bpf.c).
 */

enum xlb_fc_event { XLB_FC_HIT, XLB_FC_MISS, XLB_FC_FILL, XLB_FC_KILL };

/*
 * Count a flow cache event in this CPU's clock entry (a line every packet
 * has just read), looked up again here (inlined) rather than carried from
 * xlb_now() across the program. Call it with a constant event: the switch
 * then folds away (a computed event cost the hit path a branch chain).
 * Measured, interleaved: the hit path pays about 2.5 ns for its counter.
 */
static __always_inline void xlb_fcache_count(enum xlb_fc_event ev)
{
	__u32 zero = 0;
	struct xlb_clock *c = bpf_map_lookup_elem(&XLB_CLOCK_MAP, &zero);

	if (!c)
		return;
	switch (ev) {
	case XLB_FC_HIT:
		c->fc_hits++;
		break;
	case XLB_FC_MISS:
		c->fc_misses++;
		break;
	case XLB_FC_FILL:
		c->fc_fills++;
		break;
	default:
		c->fc_kills++;
		break;
	}
}

/* Packets that may use the cache: no TCP state change to record. */
static __always_inline int xlb_fcache_eligible(__u8 tcp_flags)
{
	return !(tcp_flags & (XLB_TCP_FIN | XLB_TCP_RST | XLB_TCP_SYN));
}

static __always_inline __u32 xlb_epoch(void)
{
	__u32 zero = 0, *e = bpf_map_lookup_elem(&XLB_EPOCH_MAP, &zero);

	return e ? *e : 0;
}

/* A flow's slot on this CPU: its entry and its generation counter. */
struct xlb_fcache_ref {
	struct xlb_fcache_ent *e;
	__u16 *gen;
};

/*
 * The slot of key on this CPU, in *r (xlb_fcache_slot(), xlb_hash.h: user
 * space computes the same slot); 0 if the maps say otherwise (cannot happen).
 */
static __always_inline int xlb_fcache_ref(const struct xlb_flow_key *key, struct xlb_fcache_ref *r)
{
	__u32 slot = xlb_fcache_slot(key), gi = slot / 4;
	__u64 *g;

	/* Per-CPU arrays with a known map: inlined by the verifier (no call). */
	r->e = bpf_map_lookup_elem(&XLB_FCACHE_MAP, &slot);
	g = bpf_map_lookup_elem(&XLB_FCGEN_MAP, &gi);
	if (!r->e || !g)
		return 0;
	r->gen = (__u16 *)g + slot % 4;
	return 1;
}

/* Invalidate whatever the slot holds (see the SYN/FIN/RST rule above). */
static __always_inline void xlb_fcache_kill(const struct xlb_fcache_ref *r)
{
	*r->gen += 1;
}

static __always_inline int xlb_fcache_match(const struct xlb_fcache_ref *r,
					    const struct xlb_flow_key *key, __u64 now)
{
	const struct xlb_fcache_ent *e = r->e;
	const xlb_u64a *a = (const xlb_u64a *)&e->key, *b = (const xlb_u64a *)key;

	if (((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) ||
	    now >= e->expires_ns || e->gen != *r->gen)
		return 0;
	return e->epoch == xlb_epoch();
}

/*
 * A cached flow's backend, if the entry in e is this flow's, fresh, and its
 * backend still usable; its id, service and forwarding mode in the out
 * parameters. NULL: use the connection table.
 */
static __always_inline struct xlb_backend *xlb_fcache_get(const struct xlb_fcache_ref *r,
							  const struct xlb_flow_key *key, __u64 now,
							  __u32 *be_id, __u32 *svc_id, __u8 *fwd)
{
	const struct xlb_fcache_ent *e = r->e;
	struct xlb_backend *be;
	__u32 id;

	if (!xlb_fcache_match(r, key, now))
		return NULL;
	id = e->backend_id;
	be = bpf_map_lookup_elem(&XLB_BACKENDS_MAP, &id);
	if (!be || !xlb_backend_usable(be, e->svc_id))
		return NULL;
	*be_id = id;
	*svc_id = e->svc_id;
	*fwd = e->fwd;
	return be;
}

/*
 * Copy a connection-table entry that was just found and used into slot e.
 * expires_ns goes to 0 first and gets its value last, so that a reader
 * interleaved on this CPU (possible only where XDP can be preempted, e.g.
 * PREEMPT_RT) never pairs the new key with the old backend.
 */
static __always_inline void xlb_fcache_put(const struct xlb_fcache_ref *r,
					   const struct xlb_flow_key *key, const struct xlb_flow *flow,
					   __u32 be_id, __u64 now)
{
	struct xlb_fcache_ent *e = r->e;

	e->expires_ns = 0;
	asm volatile("" ::: "memory");
	__builtin_memcpy(&e->key, key, sizeof(*key));
	e->backend_id = be_id;
	e->svc_id = flow->svc_id;
	e->fwd = flow->fwd;
	e->epoch = xlb_epoch();
	e->gen = *r->gen;
	asm volatile("" ::: "memory");
	e->expires_ns = now + xlb_cfg_fcache_ttl_ns;
}

#endif /* XLB_BPF_FCACHE_H */
