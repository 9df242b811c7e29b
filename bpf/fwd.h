/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fwd.h - hand a packet to its backend.
 *
 * dsr-l2: the backend holds the VIP on its loopback, so the client's packet
 * goes out unchanged from the IP header on (no TTL decrement, no checksum
 * update); only the Ethernet addresses are rewritten to reach the backend's
 * next hop. bpf_fib_lookup gives the egress interface and both MACs.
 */
#ifndef XLB_BPF_FWD_H
#define XLB_BPF_FWD_H

#include "maps.h"
#include "parse.h"
#include "stats.h"

/* AF_* for bpf_fib_lookup (no libc headers in BPF). */
#define XLB_FIB_AF_INET	 2
#define XLB_FIB_AF_INET6 10

static __always_inline int xlb_fwd_dsr_l2(struct xdp_md *ctx, const struct xlb_flow_key *key,
					  const struct xlb_pkt *pkt, const struct xlb_backend *be)
{
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = pkt->eth;
	__u32 reason;
	int rc, action;

	/*
	 * The lookup is for the backend's family. The packet's own source is
	 * only meaningful (policy routing, multipath hash) when it matches.
	 */
	if (be->family == XLB_AF_INET) {
		fib.family = XLB_FIB_AF_INET;
		fib.ipv4_dst = be->addr.a[0];
		if (key->family == XLB_AF_INET) {
			fib.ipv4_src = key->src.a[0];
			fib.tos = pkt->tos;
		}
	} else {
		fib.family = XLB_FIB_AF_INET6;
		__builtin_memcpy(fib.ipv6_dst, &be->addr, sizeof(fib.ipv6_dst));
		if (key->family == XLB_AF_INET6) {
			__builtin_memcpy(fib.ipv6_src, &key->src, sizeof(fib.ipv6_src));
			fib.flowinfo = pkt->flowinfo;
		}
	}
	fib.l4_protocol = key->proto;
	fib.sport = key->sport;
	fib.dport = key->dport;
	fib.tot_len = pkt->l3_len; /* host order: compared with the route MTU */
	fib.ifindex = ctx->ingress_ifindex;

	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NO_NEIGH);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_FIB);

	if (fib.ifindex == ctx->ingress_ifindex) {
		action = XDP_TX;
		reason = XLB_STAT_FWD_TX;
	} else {
		/*
		 * Only records the target; the frame leaves after we return, so
		 * the MACs can still be written below. flags 0: a port missing
		 * from xlb_txports yields XDP_ABORTED (0), and we drop untouched.
		 */
		if (bpf_redirect_map(&xlb_txports, fib.ifindex, 0) != XDP_REDIRECT)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_REDIRECT);
		action = XDP_REDIRECT;
		reason = XLB_STAT_FWD_REDIRECT;
	}
	/* pkt->eth was bounds-checked by the parser and no adjust_* happened since. */
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return xlb_verdict(action, reason);
}

#endif /* XLB_BPF_FWD_H */
