/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp_gen.h - answer a packet that is too big to encapsulate with an ICMP
 * "fragmentation needed" (IPv4 type 3 code 4) or ICMPv6 "packet too big"
 * (type 2), sent back out of the ingress interface (XDP_TX) to the client,
 * as a router on the path would (and as Katran does).
 *
 * The reported MTU is the egress MTU minus the encapsulation overhead, so
 * the client's path-MTU discovery settles on packets that fit once
 * encapsulated (IPv6: never below the minimum MTU 1280).
 *
 * The frame is rebuilt in place: bpf_xdp_adjust_head grows room for
 * Ethernet + IP + ICMP header in front of the original IP header, which
 * becomes the quote; bpf_xdp_adjust_tail cuts the quote to XLB_ICMP_QUOTE
 * bytes (the original IP header plus the start of L4: more than the 8 bytes
 * RFC 792 asks for, and the whole TCP/UDP ports). Source: the VIP (the
 * address the client sent to); destination: the client; MACs swapped.
 *
 * Only for IPv4 packets with DF set and for IPv6 packets, untagged; never
 * in answer to an ICMP error (RFC 1122 3.2.2, RFC 4443 2.4(e)). The others
 * are dropped and counted as drop_too_big.
 */
#ifndef XLB_BPF_ICMP_GEN_H
#define XLB_BPF_ICMP_GEN_H

#include "csum.h"
#include "icmp.h"
#include "stats.h"

#define XLB_ICMP_QUOTE	     64 /* bytes of the original packet from its IP header */
#define XLB_ICMP_FRAG_NEEDED 4	/* code of type 3 */
#define XLB_IPV6_MIN_MTU     1280
#define XLB_ICMP_TTL	     64

/*
 * Reply to the packet of key (its frame as received, l2_len bytes of
 * Ethernet header, df: IPv4 DF set or IPv6) with an ICMP too-big error;
 * mtu: the egress MTU, olen: the encapsulation overhead. Scalars rather
 * than a struct xlb_pkt, so that the NAT functions (natfwd.h) need none on
 * their share of the stack.
 */
static __always_inline int xlb_too_big_l2(struct xdp_md *ctx, const struct xlb_flow_key *key,
					  __u32 l2_len, __u8 df, __u32 mtu, __u32 olen, int icmp)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth0 = data;
	__u32 inner_mtu, sum;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	struct xlb_icmphdr *ih;
	__s64 flen;
	struct ethhdr *eth;
	int v6 = key->family == XLB_AF_INET6, hlen, delta;

	/*
	 * Not for ICMP errors, not for IPv4 without DF (we cannot fragment),
	 * and not for VLAN-tagged frames (the reply would leave untagged).
	 */
	if (!df || icmp || l2_len != sizeof(struct ethhdr))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
	if ((void *)(eth0 + 1) > data_end)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
	/* Reply to where the frame came from: swap the MACs. */
	__builtin_memcpy(dmac, eth0->h_source, ETH_ALEN);
	__builtin_memcpy(smac, eth0->h_dest, ETH_ALEN);

	inner_mtu = mtu > olen ? mtu - olen : 0;
	hlen = v6 ? (int)sizeof(struct ipv6hdr) : (int)sizeof(struct iphdr);
	delta = (int)sizeof(struct ethhdr) + hlen + (int)sizeof(struct xlb_icmphdr) - (int)l2_len;
	if (bpf_xdp_adjust_head(ctx, -delta))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	/*
	 * New frame length: headers + quote; the packet is bigger than that (it
	 * was too big). The frame length is a 64-bit packet-pointer difference
	 * (allowed for root); the barrier keeps clang from folding it into
	 * 32-bit arithmetic on the pointers, which the verifier refuses.
	 */
	flen = (__s64)(data_end - data);
	asm volatile("" : "+r"(flen));
	if (bpf_xdp_adjust_tail(ctx, (__s64)(sizeof(struct ethhdr) + sizeof(struct xlb_icmphdr) +
					     XLB_ICMP_QUOTE) + hlen - flen))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	eth = data;
	if (v6) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		ih = (void *)(ip6h + 1);
		/* One bounds check for everything written and summed below. */
		if ((void *)(ih + 1) + XLB_ICMP_QUOTE > data_end)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
		*(__be32 *)ip6h = bpf_htonl(6u << 28);
		ip6h->payload_len = bpf_htons(sizeof(*ih) + XLB_ICMP_QUOTE);
		ip6h->nexthdr = IPPROTO_ICMPV6;
		ip6h->hop_limit = XLB_ICMP_TTL;
		__builtin_memcpy(&ip6h->saddr, &key->dst, sizeof(ip6h->saddr));
		__builtin_memcpy(&ip6h->daddr, &key->src, sizeof(ip6h->daddr));
		ih->type = XLB_ICMPV6_PKT_TOOBIG;
		ih->code = 0;
		ih->checksum = 0;
		ih->rest = bpf_htonl(inner_mtu < XLB_IPV6_MIN_MTU ? XLB_IPV6_MIN_MTU : inner_mtu);
		/* ICMPv6 has a pseudo header (RFC 4443 2.3). */
		sum = xlb_csum_words(&ip6h->saddr, 16) + ip6h->payload_len +
		      bpf_htons(IPPROTO_ICMPV6);
		eth->h_proto = bpf_htons(ETH_P_IPV6);
	} else {
		struct iphdr *iph = (void *)(eth + 1);

		ih = (void *)(iph + 1);
		if ((void *)(ih + 1) + XLB_ICMP_QUOTE > data_end)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
		iph->version = 4;
		iph->ihl = 5;
		iph->tos = 0;
		iph->tot_len = bpf_htons(sizeof(*iph) + sizeof(*ih) + XLB_ICMP_QUOTE);
		iph->id = 0;
		iph->frag_off = 0;
		iph->ttl = XLB_ICMP_TTL;
		iph->protocol = IPPROTO_ICMP;
		iph->check = 0;
		iph->saddr = key->dst.a[0];
		iph->daddr = key->src.a[0];
		iph->check = ~xlb_csum_fold(xlb_csum_words(iph, sizeof(*iph) / 2));
		ih->type = XLB_ICMP_DEST_UNREACH;
		ih->code = XLB_ICMP_FRAG_NEEDED;
		ih->checksum = 0;
		/* Unused 16 bits, then the next-hop MTU (RFC 1191). */
		ih->rest = bpf_htonl(inner_mtu & 0xffff);
		sum = 0; /* ICMPv4: no pseudo header */
		eth->h_proto = bpf_htons(ETH_P_IP);
	}
	/* Header and quote: constant size, unrolled, all inside the checked range. */
	sum += xlb_csum_words(ih, (sizeof(*ih) + XLB_ICMP_QUOTE) / 2);
	ih->checksum = ~xlb_csum_fold(sum);
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	return xlb_verdict(XDP_TX, XLB_STAT_TX_TOO_BIG);
}

/* The same for a packet the parser described (pkt->eth is the frame's start). */
static __always_inline int xlb_too_big(struct xdp_md *ctx, const struct xlb_flow_key *key,
				       const struct xlb_pkt *pkt, __u32 mtu, __u32 olen, int icmp)
{
	return xlb_too_big_l2(ctx, key, pkt->l2_len, pkt->df, mtu, olen, icmp);
}

#endif /* XLB_BPF_ICMP_GEN_H */
