/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fwd.h - hand a packet to its backend.
 *
 * dsr-l2: the backend holds the VIP on its loopback, so the client's packet
 * goes out unchanged from the IP header on (no TTL decrement, no checksum
 * update); only the Ethernet addresses are rewritten to reach the backend's
 * next hop. bpf_fib_lookup gives the egress interface and both MACs; its
 * result is cached per CPU and backend for xlb_cfg_nh_ttl_ns.
 */
#ifndef XLB_BPF_FWD_H
#define XLB_BPF_FWD_H

#include "maps.h"
#include "parse.h"
#include "stats.h"

/* AF_* for bpf_fib_lookup (no libc headers in BPF). */
#define XLB_FIB_AF_INET	 2
#define XLB_FIB_AF_INET6 10

/*
 * Loader knob: how long a next-hop cache entry (XLB_NHCACHE_MAP) is trusted, in
 * ns; 0 disables the cache (a FIB lookup for every packet). A neighbour or
 * route change reaches the data path within this time; failed lookups are
 * never cached, so a missing neighbour recovers on the first packet after
 * lbd (or the kernel) installs it.
 */
const volatile __u64 xlb_cfg_nh_ttl_ns = 100000000ull; /* 100 ms */

/*
 * Resolve the next hop towards be: from the per-CPU cache while fresh,
 * else bpf_fib_lookup (which costs 100-200 ns here, more than the rest of
 * the fast path). Returns the cache entry or NULL with *reason set.
 *
 * tot_len: the L3 length of the packet as it will leave (outer length when
 * encapsulating), checked by the FIB against the route MTU; on
 * XLB_STAT_DROP_TOO_BIG *mtu holds the MTU the FIB reported. src: the
 * packet's outer source when it differs from the client (encapsulation:
 * the node address), for policy routing; NULL for dsr-l2.
 */
static __always_inline struct xlb_nexthop *
xlb_nexthop(struct xdp_md *ctx, const struct xlb_flow_key *key, const struct xlb_pkt *pkt,
	    const struct xlb_backend *be, __u32 be_id, __u64 now, __u32 tot_len,
	    const struct xlb_addr *src, __u32 *mtu_out, __u32 *reason)
{
	struct bpf_fib_lookup fib = {};
	struct xlb_nexthop *nh;
	__u32 mtu = 0;
	int rc;

	nh = bpf_map_lookup_elem(&XLB_NHCACHE_MAP, &be_id);
	if (!nh) { /* be_id out of range: cannot happen for ids from XLB_BACKENDS_MAP */
		*reason = XLB_STAT_DROP_FIB;
		return NULL;
	}
	/* The address check catches a backend id re-used for another backend. */
	if (now < nh->expires_ns && nh->family == be->family && nh->addr.a[0] == be->addr.a[0] &&
	    nh->addr.a[1] == be->addr.a[1] && nh->addr.a[2] == be->addr.a[2] &&
	    nh->addr.a[3] == be->addr.a[3])
		return nh;

	/*
	 * The lookup is for the backend's family. The packet's own source is
	 * only meaningful (policy routing, multipath hash) when it matches.
	 */
	if (be->family == XLB_AF_INET) {
		fib.family = XLB_FIB_AF_INET;
		fib.ipv4_dst = be->addr.a[0];
		/*
		 * Fields of pkt are only read for the family the parser filled
		 * (the verifier refuses reading the other's uninitialised stack).
		 */
		if (src && key->family == XLB_AF_INET) {
			fib.ipv4_src = src->a[0];
			fib.tos = pkt->tos;
		} else if (key->family == XLB_AF_INET) {
			fib.ipv4_src = key->src.a[0];
			fib.tos = pkt->tos;
		}
	} else {
		fib.family = XLB_FIB_AF_INET6;
		__builtin_memcpy(fib.ipv6_dst, &be->addr, sizeof(fib.ipv6_dst));
		if (src && key->family == XLB_AF_INET6) {
			__builtin_memcpy(fib.ipv6_src, src, sizeof(fib.ipv6_src));
			fib.flowinfo = pkt->flowinfo;
		} else if (key->family == XLB_AF_INET6) {
			__builtin_memcpy(fib.ipv6_src, &key->src, sizeof(fib.ipv6_src));
			fib.flowinfo = pkt->flowinfo;
		}
	}
	fib.l4_protocol = key->proto;
	fib.sport = key->sport;
	fib.dport = key->dport;
	fib.tot_len = tot_len; /* host order: compared with the route MTU */
	fib.ifindex = ctx->ingress_ifindex;

	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		/* FRAG_NEEDED: tot_len and mtu_result share a union, now the MTU. */
		*mtu_out = rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ? fib.mtu_result : 0;
		*reason = rc == BPF_FIB_LKUP_RET_NO_NEIGH   ? XLB_STAT_DROP_NO_NEIGH
			  : rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ? XLB_STAT_DROP_TOO_BIG
							       : XLB_STAT_DROP_FIB;
		return NULL;
	}
	/* The egress device's MTU (mtu 0 asks about the frame's own size; we only want the MTU). */
	bpf_check_mtu(ctx, fib.ifindex, &mtu, 0, 0);
	/*
	 * One CPU owns its per-CPU entry while the program runs: filling it
	 * field by field is safe. Multipath routes: the entry pins this CPU's
	 * choice for one backend until it expires, which ECMP allows.
	 */
	nh->addr = be->addr;
	nh->family = be->family;
	nh->ifindex = fib.ifindex;
	nh->mtu = mtu > 0xffff ? 0xffff : mtu;
	__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
	__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
	nh->expires_ns = xlb_cfg_nh_ttl_ns ? now + xlb_cfg_nh_ttl_ns : 0;
	return nh;
}

/*
 * Send the frame (already in its final form from `eth` on, l3_len bytes of
 * IP) to nh: XDP_TX out of the ingress interface, else a devmap redirect.
 */
static __always_inline int xlb_xmit(struct xdp_md *ctx, struct ethhdr *eth, __u32 l3_len,
				    const struct xlb_nexthop *nh, int icmp)
{
	__u32 reason;
	int action;

	/* The fib check covered the packet that filled the entry; later ones are checked here. */
	if (l3_len > nh->mtu)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
	if (nh->ifindex == ctx->ingress_ifindex) {
		action = XDP_TX;
		reason = XLB_STAT_FWD_TX;
	} else {
		/*
		 * Only records the target; the frame leaves after we return, so
		 * the MACs can still be written below. flags 0: a port missing
		 * from XLB_TXPORTS_MAP yields XDP_ABORTED (0), and we drop untouched.
		 */
		if (bpf_redirect_map(&XLB_TXPORTS_MAP, nh->ifindex, 0) != XDP_REDIRECT)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_REDIRECT);
		action = XDP_REDIRECT;
		reason = XLB_STAT_FWD_REDIRECT;
	}
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	return xlb_verdict(action, icmp ? XLB_STAT_FWD_ICMP : reason);
}

/* icmp: the frame is an ICMP error for the flow key (counted as XLB_STAT_FWD_ICMP). */
static __always_inline int xlb_fwd_dsr_l2(struct xdp_md *ctx, const struct xlb_flow_key *key,
					  const struct xlb_pkt *pkt, const struct xlb_backend *be,
					  __u32 be_id, __u64 now, int icmp)
{
	struct xlb_nexthop *nh;
	__u32 reason, mtu;

	nh = xlb_nexthop(ctx, key, pkt, be, be_id, now, pkt->l3_len, NULL, &mtu, &reason);
	if (!nh)
		return xlb_verdict(XDP_DROP, reason);
	/* pkt->eth was bounds-checked by the parser and no adjust_* happened since. */
	return xlb_xmit(ctx, pkt->eth, pkt->l3_len, nh, icmp);
}

#endif /* XLB_BPF_FWD_H */
