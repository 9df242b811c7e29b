/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * filter.h - what the data path refuses before scheduling (docs/filtering.md).
 *
 * Only packets to a service (VIP, port, proto) get here: everything else has
 * already left with XDP_PASS, untouched.
 *
 *   1. global deny list          -> drop_acl_global
 *   2. the service's deny list   -> drop_acl_service
 *   3. the service's allow list, when it has one (a security group: only
 *      listed sources pass)      -> drop_acl_allow
 *   4. new flows only: the source's token bucket (per service, or the global
 *      limit for services without their own) -> drop_rate_limit
 *
 * 1-3 apply to every packet, established flows included, so a deny added at
 * run time also cuts the flows already open; 4 never touches a packet of an
 * established flow.
 *
 * Rate limit accuracy: one GCRA state word (theoretical arrival time) per
 * (masked source, scope) in a shared LRU hash, updated with compare-and-swap,
 * so concurrent CPUs never admit more than the bucket allows (a lost race is
 * retried once, then the flow is refused: contention only happens within one
 * bucket, i.e. a flood). Over-admission is possible only when two CPUs create
 * the same bucket at once (one extra flow each), or after the LRU evicted a
 * bucket (it restarts full). Time is the coarse clock as cached per CPU
 * (xlb_now(), clock.h): refill happens in steps of one tick (1-4 ms) and a
 * CPU's view may lag up to two ticks, so over any window W at most
 * burst + (W + 2 ticks) * rate new flows pass per bucket.
 */
#ifndef XLB_BPF_FILTER_H
#define XLB_BPF_FILTER_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xlb.h"
#include "maps.h"

/* Does key's source match an entry of scope? */
static __always_inline int xlb_acl_match(const struct xlb_flow_key *key, __u32 scope)
{
	if (key->family == XLB_AF_INET) {
		struct xlb_acl4_key k = {
		    .prefixlen = 64, .scope = scope, .addr = key->src.a[0]};

		return bpf_map_lookup_elem(&XLB_ACL4_MAP, &k) != NULL;
	} else {
		struct xlb_acl6_key k = {.prefixlen = 160, .scope = scope};

		__builtin_memcpy(k.addr, &key->src, sizeof(k.addr));
		return bpf_map_lookup_elem(&XLB_ACL6_MAP, &k) != NULL;
	}
}

/*
 * The filter settings that apply to a packet of one service: the global
 * entry and the service's own, read once per packet. svc is NULL when the
 * global entry says no service has settings (XLB_FILTER_F_SVC_NONE).
 */
struct xlb_filters {
	struct xlb_filter *glob;
	struct xlb_filter *svc;
};

static __always_inline void xlb_filters_get(__u32 svc_id, struct xlb_filters *fs)
{
	__u32 idx = XLB_FILTER_GLOBAL;

	/* Array lookups with a constant map: inlined by the verifier (no call). */
	fs->glob = bpf_map_lookup_elem(&XLB_FILTER_MAP, &idx);
	fs->svc = NULL;
	if (!fs->glob || !(fs->glob->flags & XLB_FILTER_F_SVC_NONE))
		fs->svc = bpf_map_lookup_elem(&XLB_FILTER_MAP, &svc_id);
}

/* ACL verdict for a packet of service svc_id: 0 = pass, else its XLB_STAT_* drop reason. */
static __always_inline __u32 xlb_filter_acl(const struct xlb_flow_key *key, __u32 svc_id,
					    const struct xlb_filters *fs)
{
	struct xlb_filter *f = fs->glob;

	if (f && (f->flags & XLB_FILTER_F_DENY) &&
	    xlb_acl_match(key, XLB_ACL_SCOPE(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID)))
		return XLB_STAT_DROP_ACL_GLOBAL;
	f = fs->svc;
	if (!f)
		return 0;
	if ((f->flags & XLB_FILTER_F_DENY) && xlb_acl_match(key, XLB_ACL_SCOPE(XLB_ACL_DENY, svc_id)))
		return XLB_STAT_DROP_ACL_SERVICE;
	if ((f->flags & XLB_FILTER_F_ALLOW) &&
	    !xlb_acl_match(key, XLB_ACL_SCOPE(XLB_ACL_ALLOW, svc_id)))
		return XLB_STAT_DROP_ACL_ALLOW;
	return 0;
}

/* Does a rate limit apply to new flows of this service (its own or the global one)? */
static __always_inline int xlb_rate_limited(const struct xlb_filters *fs)
{
	return (fs->svc && (fs->svc->flags & XLB_FILTER_F_RATE)) ||
	       (fs->glob && (fs->glob->flags & XLB_FILTER_F_RATE));
}

/* Network-order mask of the first plen bits of a 32-bit word (plen clamped to 0..32). */
static __always_inline __be32 xlb_mask32(int plen)
{
	if (plen <= 0)
		return 0;
	if (plen >= 32)
		return 0xffffffff;
	return bpf_htonl(~0u << (32 - plen));
}

/*
 * May a new flow of service svc_id from key's source start now? 1 yes, 0 it
 * is over the limit. GCRA: the bucket admits a flow if its theoretical
 * arrival time (tat), advanced by one interval, stays within burst intervals
 * of now.
 */
static __always_inline int xlb_rate_ok(const struct xlb_flow_key *key, __u32 svc_id, __u64 now,
				       const struct xlb_filters *fs)
{
	struct xlb_rate_key rk;
	struct xlb_filter *f = fs->svc;
	__u32 scope = svc_id;
	__u64 interval, limit, *tat, old, base, next;
	int plen, i;

	if (!f || !(f->flags & XLB_FILTER_F_RATE)) {
		scope = XLB_ACL_GLOBAL_ID;
		f = fs->glob;
		if (!f || !(f->flags & XLB_FILTER_F_RATE))
			return 1;
	}
	interval = f->interval_ns;
	if (!interval)
		return 1;
	limit = (__u64)f->burst * interval;

	__builtin_memset(&rk, 0, sizeof(rk)); /* map key: padding included */
	rk.scope = scope;
	rk.family = key->family;
	plen = key->family == XLB_AF_INET ? f->prefix4 : f->prefix6;
	rk.plen = plen;
#pragma unroll
	for (i = 0; i < 4; i++)
		rk.src.a[i] = key->src.a[i] & xlb_mask32(plen - 32 * i);

	tat = bpf_map_lookup_elem(&XLB_RATE_MAP, &rk);
	if (!tat) {
		next = now + interval; /* a new bucket starts full and gives one token now */
		/* A concurrent creator wins: one extra flow at most (documented above). */
		bpf_map_update_elem(&XLB_RATE_MAP, &rk, &next, BPF_NOEXIST);
		return 1;
	}
#pragma unroll
	for (i = 0; i < 2; i++) {
		old = *tat;
		base = old > now ? old : now;
		next = base + interval;
		if (next - now > limit)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, next) == old)
			return 1;
	}
	return 0; /* lost twice to other CPUs on this very bucket: refuse */
}

#endif /* XLB_BPF_FILTER_H */
