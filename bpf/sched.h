/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sched.h - connection table and scheduling of new flows.
 *
 * An established flow keeps its backend as long as that backend is usable
 * for the flow's service; otherwise (new flow, backend gone, deactivated or
 * re-assigned to another service) the flow is scheduled afresh from the
 * service's lookup table and the connection table entry is overwritten.
 */
#ifndef XLB_BPF_SCHED_H
#define XLB_BPF_SCHED_H

#include "maps.h"
#include "xlb_hash.h"

/* Refresh a flow's last_seen_ns at most this often: saves a write per packet. */
#define XLB_FLOW_TOUCH_NS 1000000000ull

/* May a flow of service svc_id be sent to be? */
static __always_inline int xlb_backend_usable(const struct xlb_backend *be, __u32 svc_id)
{
	return be->family != 0 && (be->flags & XLB_BE_F_ACTIVE) && be->svc_id == svc_id;
}

/*
 * Pick the backend of the flow `key` for service svc. Returns the backend
 * (and its id in *be_id, whether it is a new flow in *new_flow) or NULL if
 * the service has no usable backend for this flow.
 */
static __always_inline struct xlb_backend *xlb_schedule(const struct xlb_flow_key *key,
							const struct xlb_svc *svc, __u32 *be_id,
							__u32 *new_flow)
{
	struct xlb_flow *flow, nf;
	struct xlb_backend *be;
	__u32 svc_id = svc->id;
	__u32 size = svc->table_size;
	__u64 now = bpf_ktime_get_ns();
	__u32 slot, *slotv;
	void *table;

	flow = bpf_map_lookup_elem(&xlb_flows_v1, key);
	if (flow && flow->svc_id == svc_id) {
		__u32 id = flow->backend_id;

		be = bpf_map_lookup_elem(&xlb_bends_v1, &id);
		if (be && xlb_backend_usable(be, svc_id)) {
			/* Racy read-modify-write across CPUs is fine: any recent time will do. */
			if (now - flow->last_seen_ns > XLB_FLOW_TOUCH_NS)
				flow->last_seen_ns = now;
			*be_id = id;
			*new_flow = 0;
			return be;
		}
	}

	/* New flow, or its backend is no longer usable: reschedule. */
	table = bpf_map_lookup_elem(&xlb_tables_v1, &svc_id);
	if (!table || size == 0)
		return NULL;
	slot = xlb_flow_hash(key) % size;
	/*
	 * The inner map's real size is unknown to the verifier (BPF_F_INNER_MAP):
	 * the lookup itself is the bounds check, NULL if table_size overstates it.
	 */
	slotv = bpf_map_lookup_elem(table, &slot);
	if (!slotv)
		return NULL;
	nf.backend_id = *slotv;
	if (nf.backend_id == XLB_BACKEND_NONE)
		return NULL;
	be = bpf_map_lookup_elem(&xlb_bends_v1, &nf.backend_id);
	if (!be || !xlb_backend_usable(be, svc_id))
		return NULL;
	nf.svc_id = svc_id;
	nf.last_seen_ns = now;
	/* A full LRU evicts the oldest flow; failure here only costs stickiness. */
	bpf_map_update_elem(&xlb_flows_v1, key, &nf, BPF_ANY);
	*be_id = nf.backend_id;
	*new_flow = 1;
	return be;
}

#endif /* XLB_BPF_SCHED_H */
