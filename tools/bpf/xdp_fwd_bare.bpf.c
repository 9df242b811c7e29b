// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_fwd_bare.bpf.c - the "bare XDP forwarder" of tools/bench-e2e.sh: what
 * any XDP router does (the kernel's samples/bpf/xdp_fwd), without balancing.
 * It is the ceiling xlb is compared with on the same topology.
 *
 * IPv4/IPv6: bpf_fib_lookup on the destination (with the L4 ports, so an
 * ECMP route spreads flows like the kernel does), TTL/hop limit decrement,
 * MAC rewrite, then XDP_TX or bpf_redirect to the egress interface. Anything
 * the FIB does not resolve to a neighbour goes to the kernel (XDP_PASS).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET	 2
#define AF_INET6 10

/* TTL - 1 with the header checksum patched (RFC 1624), as ip_decrease_ttl(). */
static __always_inline void ipv4_dec_ttl(struct iphdr *iph)
{
	__u32 check = iph->check;

	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xffff));
	iph->ttl--;
}

SEC("xdp")
int xlb_fwd_bare(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct bpf_fib_lookup fib = {};
	struct ethhdr *eth = data;
	struct iphdr *iph = NULL;
	struct ipv6hdr *ip6h = NULL;
	__u16 *ports;
	int rc;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		iph = (void *)(eth + 1);
		if ((void *)(iph + 1) > data_end || iph->ihl != 5 || iph->ttl <= 1)
			return XDP_PASS;
		fib.family = AF_INET;
		fib.tos = iph->tos;
		fib.l4_protocol = iph->protocol;
		fib.tot_len = bpf_ntohs(iph->tot_len);
		fib.ipv4_src = iph->saddr;
		fib.ipv4_dst = iph->daddr;
		ports = (void *)(iph + 1);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ip6h = (void *)(eth + 1);
		if ((void *)(ip6h + 1) > data_end || ip6h->hop_limit <= 1)
			return XDP_PASS;
		fib.family = AF_INET6;
		fib.l4_protocol = ip6h->nexthdr;
		fib.tot_len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
		__builtin_memcpy(fib.ipv6_src, &ip6h->saddr, sizeof(fib.ipv6_src));
		__builtin_memcpy(fib.ipv6_dst, &ip6h->daddr, sizeof(fib.ipv6_dst));
		ports = (void *)(ip6h + 1);
	} else {
		return XDP_PASS;
	}
	if ((fib.l4_protocol == IPPROTO_TCP || fib.l4_protocol == IPPROTO_UDP) &&
	    (void *)(ports + 2) <= data_end) {
		fib.sport = ports[0];
		fib.dport = ports[1];
	}
	fib.ifindex = ctx->ingress_ifindex;

	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS; /* let the kernel resolve or reject it */

	/* Re-derive the header: the verifier does not track which of iph/ip6h is set. */
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		iph = (void *)(eth + 1);
		if ((void *)(iph + 1) > data_end)
			return XDP_PASS;
		ipv4_dec_ttl(iph);
	} else {
		ip6h = (void *)(eth + 1);
		if ((void *)(ip6h + 1) > data_end)
			return XDP_PASS;
		ip6h->hop_limit--;
	}
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	if (fib.ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
