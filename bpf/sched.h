/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sched.h - connection table and scheduling of new flows.
 *
 * An established flow keeps its backend as long as that backend is usable
 * for the flow's service; otherwise (new flow, backend gone, deactivated or
 * re-assigned to another service) the flow is scheduled afresh and the
 * connection table entry is overwritten.
 *
 * A TCP SYN whose 5-tuple has an entry is a new connection unless it is the
 * retransmission of the SYN that created the entry (its sequence number,
 * XLB_FLOW_F_ISN, on an entry not closed): clients re-use source ports (Linux
 * does soon after the server closed first), and such a connection must be
 * scheduled by the current table (drain, weight 0 and health apply) and
 * counted as a new flow, not glued to the old connection's backend. The
 * client's FIN or RST marks an entry closed (XLB_FLOW_F_CLOSED), for every
 * scheduler, so that lbd counts only open flows (drain replies, metrics).
 *
 * Every scheduler picks from the service's weighted lookup table (built by
 * lbd; an atomic swap replaces it whole), so weights, draining (weight 0 /
 * not in the table) and the active set apply to all of them alike:
 *   maglev  slot = flow hash % size: consistent, spreads flows by weight.
 *   sh      slot = source-address hash % size: every connection of a client
 *           goes to one backend while the table does not change.
 *   rr/wrr  slot = a per-CPU cursor per service, advanced by one per new
 *           flow. Any table_size consecutive new flows of a service on one
 *           CPU hit every slot exactly once, i.e. each backend gets exactly
 *           its share of slots (its weight share); shorter runs are close to
 *           weighted because Maglev fills slots by turns. CPUs advance
 *           independently, so the global order is interleaved, not strict.
 *           rr differs only in that lbd builds the table with equal weights.
 *   lc      power of two choices: the backends of two slots (flow hash and a
 *           re-mixed flow hash); the one with fewer active flows per unit of
 *           weight wins (ties: the first). Active flows are counted in
 *           XLB_CONNS_MAP: +1 when lc schedules a flow (XLB_FLOW_F_COUNTED),
 *           -1 once per flow on its first TCP FIN or RST (XLB_FLOW_F_CLOSED)
 *           or when it is rescheduled away (also by a new SYN on its
 *           5-tuple, which then counts +1 where it is scheduled). Flows that end silently (UDP,
 *           idle timeout, LRU eviction) are not decremented here: lbd must
 *           recount them from the connection table (see docs/config.md).
 *
 * Flow caps (XLB_BE_F_CAPPED, any scheduler): a capped backend's open flows
 * are counted in xlb_conns_v1 as lc's are (lc and caps share the unit: a
 * flow holds at most one). A new flow takes a unit with an atomic
 * fetch-and-add and gives it back at once if the old value had reached the
 * cap, so concurrent CPUs never admit more than the cap between two lbd
 * recounts. A backend at its cap is skipped like an unusable one: the flow
 * tries XLB_CAP_TRIES other slots of the table (re-mixed hashes seeded by
 * the flow and the clock, so a retransmitted SYN gets fresh choices), and
 * is dropped as drop_no_backend if every one is capped or unusable. Each
 * skip counts in xlb_caps_v1[id].turned_away. The count is honest on FIN/RST
 * and rescheduling (as for lc); flows that end silently (UDP, idle, LRU
 * eviction) are given back by lbd's recount from the connection table, so
 * until that recount a backend may look fuller than it is (never emptier,
 * but for flows admitted while the recount walks the table).
 *
 * Retransmitted SYNs: a SYN that repeats its open entry's ISN is the
 * client's retransmission: the backend did not answer the first one in
 * time. The first such SYN of a flow sets XLB_FLOW_F_RETX and counts one
 * syn_retx for the flow's service and backend (xlb_flow_mark_retx), the
 * passive health signal lbd's outlier detection reads.
 */
#ifndef XLB_BPF_SCHED_H
#define XLB_BPF_SCHED_H

#include "maps.h"
#include "ct.h"
#include "parse.h"
#include "xlb_hash.h"

/* Other slots a new flow tries when its backend is at its cap. */
#define XLB_CAP_TRIES 16

/* Refresh a flow's last_seen_ns at most this often: saves a write per packet. */
#define XLB_FLOW_TOUCH_NS 1000000000ull

#define XLB_TCP_FIN 0x01
#define XLB_TCP_SYN 0x02
#define XLB_TCP_RST 0x04
#define XLB_TCP_ACK 0x10

/* May a flow of service svc_id be sent to be? */
static __always_inline int xlb_backend_usable(const struct xlb_backend *be, __u32 svc_id)
{
	return be->family != 0 && (be->flags & XLB_BE_F_ACTIVE) && be->svc_id == svc_id;
}

static __always_inline void xlb_conns_add(__u32 be_id, __s64 delta)
{
	__s64 *c = bpf_map_lookup_elem(&XLB_CONNS_MAP, &be_id);

	if (c)
		__sync_fetch_and_add(c, delta);
}

/*
 * A new flow for capped backend be_id: take one unit of its open-flow count,
 * or (at its cap) count it as turned away and return 0.
 */
static __always_inline int xlb_cap_take(__u32 be_id)
{
	struct xlb_cap *cap = bpf_map_lookup_elem(&XLB_CAPS_MAP, &be_id);
	__s64 *c = bpf_map_lookup_elem(&XLB_CONNS_MAP, &be_id);
	__s64 old;

	if (!c)
		return 1; /* cannot count: do not refuse */
	old = __sync_fetch_and_add(c, 1);
	if (!cap || !cap->max_flows || old < (__s64)cap->max_flows)
		return 1;
	__sync_fetch_and_add(c, -1);
	__sync_fetch_and_add(&cap->turned_away, 1);
	return 0;
}

/*
 * The flow's first retransmitted SYN: count it once for the flow (the
 * CPU whose fetch-or sets XLB_FLOW_F_RETX). 1 if this one counts.
 */
static __always_inline int xlb_flow_mark_retx(struct xlb_flow *flow)
{
	if (flow->flags & XLB_FLOW_F_RETX)
		return 0;
	return !(__sync_fetch_and_or(&flow->flags, XLB_FLOW_F_RETX) & XLB_FLOW_F_RETX);
}

/*
 * A UDP flow's second packet (the caller saw XLB_FLOW_F_SEEN2 clear): the
 * client heard from the backend (its protocol answers before the client
 * sends again), so count the flow once in the backend's udp_seen2, the CPU
 * whose fetch-or sets the flag. Flows that never get a second packet are
 * lbd's signal (outlier detection of UDP services). A global function, so
 * that the clients' program pays only a flag test on established packets
 * that miss the flow cache, and the call only on a flow's second packet.
 */
__attribute__((noinline)) int xlb_udp_seen2(const struct xlb_flow_key *key, __u32 be_id)
{
	struct xlb_counters *c;
	struct xlb_flow *flow;

	if (!key)
		return 0;
	flow = xlb_ct_lookup(key);
	if (!flow || (__sync_fetch_and_or(&flow->flags, XLB_FLOW_F_SEEN2) & XLB_FLOW_F_SEEN2))
		return 0;
	c = bpf_map_lookup_elem(&XLB_BE_STATS_MAP, &be_id);
	if (c)
		c->udp_seen2 += 1;
	return 1;
}

/*
 * Mark the flow closed, once: only the CPU whose fetch-or sets CLOSED gives
 * back the flow's lc unit, if it holds one.
 */
static __always_inline void xlb_flow_close(struct xlb_flow *flow)
{
	__u32 old;

	if (flow->flags & XLB_FLOW_F_CLOSED)
		return;
	old = __sync_fetch_and_or(&flow->flags, XLB_FLOW_F_CLOSED);
	if ((old & (XLB_FLOW_F_COUNTED | XLB_FLOW_F_CLOSED)) == XLB_FLOW_F_COUNTED)
		xlb_conns_add(flow->backend_id, -1);
}

/*
 * Is a bare SYN with sequence number seq the retransmission of the SYN that
 * created this (open) entry? Otherwise it starts a new connection.
 */
static __always_inline int xlb_flow_syn_retrans(const struct xlb_flow *flow, __be32 seq)
{
	return (flow->flags & (XLB_FLOW_F_ISN | XLB_FLOW_F_CLOSED)) == XLB_FLOW_F_ISN &&
	       flow->isn == seq;
}

/*
 * Established flow: its backend if still usable for the flow's service (and
 * its id in *be_id), else NULL. Refreshes last_seen_ns at most once a second.
 */
static __always_inline struct xlb_backend *xlb_flow_backend(struct xlb_flow *flow, __u64 now,
							    __u32 *be_id)
{
	__u32 id = flow->backend_id;
	struct xlb_backend *be = bpf_map_lookup_elem(&XLB_BACKENDS_MAP, &id);

	if (!be || !xlb_backend_usable(be, flow->svc_id))
		return NULL;
	/* Racy read-modify-write across CPUs is fine: any recent time will do. */
	if (now - flow->last_seen_ns > XLB_FLOW_TOUCH_NS)
		flow->last_seen_ns = now;
	*be_id = id;
	return be;
}

/* Backend named by slot of table, if usable for svc_id (id in *be_id). */
static __always_inline struct xlb_backend *xlb_slot_backend(void *table, __u32 slot, __u32 svc_id,
							    __u32 *be_id)
{
	struct xlb_backend *be;
	__u32 elem = slot / XLB_TABLE_PACK;
	xlb_slot_t v;
	__u64 *e;

	/*
	 * The inner map's real size is unknown to the verifier (BPF_F_INNER_MAP):
	 * the lookup itself is the bounds check, NULL if table_size overstates it.
	 */
	e = bpf_map_lookup_elem(table, &elem);
	if (!e)
		return NULL;
	v = ((xlb_slot_t *)e)[slot % XLB_TABLE_PACK];
	if (v == XLB_SLOT_NONE)
		return NULL;
	*be_id = v;
	be = bpf_map_lookup_elem(&XLB_BACKENDS_MAP, be_id);
	if (!be || !xlb_backend_usable(be, svc_id))
		return NULL;
	return be;
}

/*
 * Schedule a new flow (or reschedule `old`, its stale entry, may be NULL)
 * with svc's scheduler and record it; syn_seq_valid: the packet is a bare
 * TCP SYN with sequence number syn_seq, recorded as the entry's ISN.
 * Returns the backend (id in *be_id) or NULL if the service has no usable
 * backend for this flow.
 */
static __always_inline struct xlb_backend *
xlb_schedule_new(const struct xlb_flow_key *key, const struct xlb_svc *svc, struct xlb_flow *old,
		 __u32 *be_id, __u64 now, int syn_seq_valid, __be32 syn_seq)
{
	struct xlb_backend *be, *be2;
	struct xlb_flow nf = {};
	__u32 svc_id = svc->id, size = svc->table_size, slot, slot2 = 0, id2, h, *cur, i;
	__s64 *c1, *c2;
	void *table;

	table = bpf_map_lookup_elem(&XLB_TABLES_MAP, &svc_id);
	if (!table || size == 0)
		return NULL;
	switch (svc->sched) {
	case XLB_SCHED_SH:
		slot = xlb_src_hash(key) % size;
		break;
	case XLB_SCHED_RR:
	case XLB_SCHED_WRR:
		cur = bpf_map_lookup_elem(&XLB_RRCURSOR_MAP, &svc_id);
		if (!cur)
			return NULL;
		/* Per-CPU value: no other CPU writes it while we run. */
		slot = *cur < size ? *cur : 0; /* the table may have shrunk */
		*cur = slot + 1 < size ? slot + 1 : 0;
		break;
	case XLB_SCHED_LC:
		h = xlb_flow_hash(key);
		slot = h % size;
		slot2 = xlb_flow_hash2(h) % size;
		break;
	default: /* XLB_SCHED_MAGLEV */
		slot = xlb_flow_hash(key) % size;
		break;
	}
	be = xlb_slot_backend(table, slot, svc_id, be_id);
	if (svc->sched == XLB_SCHED_LC) {
		be2 = xlb_slot_backend(table, slot2, svc_id, &id2);
		if (!be) { /* first choice unusable: the second, if any, wins */
			be = be2;
			*be_id = id2;
		} else if (be2 && id2 != *be_id) {
			c1 = bpf_map_lookup_elem(&XLB_CONNS_MAP, be_id);
			c2 = bpf_map_lookup_elem(&XLB_CONNS_MAP, &id2);
			/* Fewer active flows per weight: c2/w2 < c1/w1, cross-multiplied (no division). */
			if (c1 && c2 &&
			    *c2 * (__s64)(be->weight ? be->weight : 1) <
				*c1 * (__s64)(be2->weight ? be2->weight : 1)) {
				be = be2;
				*be_id = id2;
			}
		}
	}
	if (be && (be->flags & XLB_BE_F_CAPPED)) {
		if (xlb_cap_take(*be_id)) {
			nf.flags = XLB_FLOW_F_COUNTED;
		} else {
			/* At its cap: other slots, as if the backend were unusable. */
			be = NULL;
			h = xlb_flow_hash(key) ^ (__u32)(now >> 20);
			for (i = 0; i < XLB_CAP_TRIES; i++) {
				h = xlb_flow_hash2(h);
				be = xlb_slot_backend(table, h % size, svc_id, be_id);
				if (!be)
					continue;
				if (!(be->flags & XLB_BE_F_CAPPED))
					break;
				if (xlb_cap_take(*be_id)) {
					nf.flags = XLB_FLOW_F_COUNTED;
					break;
				}
				be = NULL;
			}
		}
	}
	if (!be)
		return NULL;
	if (svc->sched == XLB_SCHED_LC && !nf.flags) {
		xlb_conns_add(*be_id, 1);
		nf.flags = XLB_FLOW_F_COUNTED;
	}
	if (old)
		xlb_flow_close(old); /* rescheduled away: its lc unit goes back */
	nf.backend_id = *be_id;
	nf.svc_id = svc_id;
	nf.last_seen_ns = now;
	nf.fwd = svc->fwd;
	if (syn_seq_valid) {
		nf.flags |= XLB_FLOW_F_ISN;
		nf.isn = syn_seq;
	}
	/* A full table replaces an old flow; failure here only costs stickiness. */
	xlb_ct_insert(key, &nf, BPF_ANY);
	return be;
}

/*
 * A TCP SYN (without ACK, sequence number seq) of a service whose scheduler
 * has no side effects (maglev, sh) and no rate limit: almost always a new
 * connection, so insert its entry first with BPF_NOEXIST, one
 * connection-table operation instead of a lookup (a miss) plus an insertion.
 * NULL when there is no usable backend in the table or the entry already
 * exists (a retransmitted SYN, a re-used 5-tuple): the caller then takes the
 * regular path (lookup; keep a retransmission, reschedule anything else),
 * and nothing was changed here.
 */
static __always_inline struct xlb_backend *xlb_schedule_syn(const struct xlb_flow_key *key,
							    const struct xlb_svc *svc, __u32 *be_id,
							    __u64 now, __be32 seq)
{
	struct xlb_backend *be;
	struct xlb_flow nf = {};
	__u32 svc_id = svc->id, size = svc->table_size, slot;
	void *table;

	table = bpf_map_lookup_elem(&XLB_TABLES_MAP, &svc_id);
	if (!table || size == 0)
		return NULL;
	slot = (svc->sched == XLB_SCHED_SH ? xlb_src_hash(key) : xlb_flow_hash(key)) % size;
	be = xlb_slot_backend(table, slot, svc_id, be_id);
	/* A capped backend: the regular path counts its flows. */
	if (!be || (be->flags & XLB_BE_F_CAPPED))
		return NULL;
	nf.backend_id = *be_id;
	nf.svc_id = svc_id;
	nf.last_seen_ns = now;
	nf.fwd = svc->fwd;
	nf.flags = XLB_FLOW_F_ISN;
	nf.isn = seq;
	if (xlb_ct_insert(key, &nf, BPF_NOEXIST))
		return NULL;
	return be;
}

#endif /* XLB_BPF_SCHED_H */
