/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * encap.h - forwarding modes `ipip` and `gue`: wrap the client's packet in
 * an outer IP header (ipip) or outer IP + UDP (gue) addressed to the backend.
 *
 *   ipip  IPv4 VIP: IPv4-in-IPv4 (protocol 4, RFC 2003);
 *         IPv6 VIP: IPv6-in-IPv6 (next header 41, RFC 2473).
 *   gue   outer IP + UDP to xlb_node.gue_port (default 6080), the inner IP
 *         packet right after the UDP header: GUE variant 1, "direct IP
 *         encapsulation" (draft-ietf-intarea-gue section 4), as Katran does.
 *         The receiver tells IPv4 from IPv6 by the first nibble.
 *
 * Outer source: this node's address of the family (XLB_NODE_MAP, from the
 * config's node.address_v4 / address_v6); destination: the backend. Outer
 * family = VIP family = backend family (config validation guarantees it).
 *
 * Outer headers:
 *   IPv4  TOS copied from the inner packet; DF copied from the inner packet
 *         (RFC 2003 3.1); id 0 when DF (RFC 6864), else random; TTL 64;
 *         header checksum computed.
 *   IPv6  traffic class copied; flow label = low 20 bits of the flow hash
 *         (RFC 6438: ECMP on the way spreads flows, each flow stays on one
 *         path); hop limit 64.
 *   UDP   source port 0xc000 | (flow hash & 0x3fff), i.e. in 49152..65535
 *         and stable per flow: backends spread GUE over their receive queues
 *         (RSS hashes the outer 4-tuple) and a flow keeps its queue. Checksum
 *         0 over IPv4 (RFC 768 allows it); computed over IPv6 (RFC 8200
 *         requires it), see xlb_gue6_csum.
 *
 * The inner packet is not modified (no TTL decrement: the balancer is not a
 * router hop for it, as with dsr-l2). A VLAN tag of the received frame is
 * not carried over: the encapsulated frame is a new, untagged Ethernet frame
 * to the FIB's next hop.
 *
 * Too big: when the encapsulated packet exceeds the egress MTU, an IPv4
 * packet with DF and every IPv6 packet gets an ICMP "fragmentation needed"
 * / ICMPv6 "packet too big" back to the client with the MTU minus the
 * encapsulation overhead (see icmp_gen.h), so path-MTU discovery converges;
 * IPv4 without DF is dropped (drop_too_big). docs/forwarding.md has the
 * operator's fixes.
 */
#ifndef XLB_BPF_ENCAP_H
#define XLB_BPF_ENCAP_H

#include "csum.h"
#include "fwd.h"
#include "icmp_gen.h"
#include "natfwd.h"

#define XLB_IPPROTO_IPIP 4  /* IPv4 in IP (not in every libc's linux/in.h view) */
#define XLB_IPPROTO_IPV6 41 /* IPv6 in IP */
#define XLB_ENCAP_TTL	 64
#define XLB_GUE_SPORT_BASE 0xc000u
#define XLB_GUE_SPORT_MASK 0x3fffu

/* Outer header bytes (without Ethernet) per family and mode. */
#define XLB_OLEN_IPIP4 ((__u32)sizeof(struct iphdr))
#define XLB_OLEN_GUE4  ((__u32)(sizeof(struct iphdr) + sizeof(struct udphdr)))
#define XLB_OLEN_IPIP6 ((__u32)sizeof(struct ipv6hdr))
#define XLB_OLEN_GUE6  ((__u32)(sizeof(struct ipv6hdr) + sizeof(struct udphdr)))

static __always_inline int xlb_addr_is_zero(const struct xlb_addr *a)
{
	return !(a->a[0] | a->a[1] | a->a[2] | a->a[3]);
}

/*
 * Grow the frame at its head so that eth + olen outer bytes fit in front of
 * the inner IP header (replacing the old Ethernet header and VLAN tag).
 * Returns the new start of the frame, bounds-checked for eth + olen + chk
 * bytes (chk: inner bytes the caller will read), or NULL.
 */
static __always_inline void *xlb_encap_grow(struct xdp_md *ctx, __u32 l2_len, const __u32 olen,
					    const __u32 chk)
{
	void *data, *data_end;
	/* l2_len is 14 or 18: delta is small and may be negative only by 4 - olen < 0 (never). */
	int delta = (int)(sizeof(struct ethhdr) + olen) - (int)l2_len;

	if (bpf_xdp_adjust_head(ctx, -delta))
		return NULL;
	/* All packet pointers are invalid after adjust_head: re-derive and re-check. */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct ethhdr) + olen + chk > data_end)
		return NULL;
	return data;
}

/*
 * Outer IPv4 header into o (a stack copy: the checksum is computed over it,
 * then it is stored whole). tot_len: outer L3 length.
 */
static __always_inline void xlb_outer4(struct iphdr *o, const struct xlb_pkt *pkt,
				       __be32 saddr, __be32 daddr, __u8 proto, __u32 tot_len)
{
	o->version = 4;
	o->ihl = 5;
	o->tos = pkt->tos;
	o->tot_len = bpf_htons(tot_len);
	/*
	 * RFC 6864: the id only matters for fragmentation, which DF forbids.
	 * Without DF a router may fragment the outer packet; give it an id
	 * that does not repeat per flow.
	 */
	o->id = pkt->df ? 0 : (__u16)bpf_get_prandom_u32();
	o->frag_off = pkt->df ? bpf_htons(XLB_IP_DF) : 0;
	o->ttl = XLB_ENCAP_TTL;
	o->protocol = proto;
	o->check = 0;
	o->saddr = saddr;
	o->daddr = daddr;
	/* 10 words; see csum.h for why no byte swapping is needed. */
	o->check = ~xlb_csum_fold(xlb_csum_words(o, sizeof(*o) / 2));
}

/* Outer IPv6 header; payload_len: outer payload bytes. */
static __always_inline void xlb_outer6(struct ipv6hdr *o, const struct xlb_pkt *pkt,
				       const struct xlb_addr *saddr, const struct xlb_addr *daddr,
				       __u8 nexthdr, __u32 payload_len, __u32 hash)
{
	/*
	 * First word, in wire order: version 6 | traffic class (copied; it is
	 * bits 20..27 of pkt->flowinfo in host order) | flow label (hash).
	 */
	__u32 tc = (bpf_ntohl(pkt->flowinfo) >> 20) & 0xff;

	*(__be32 *)o = bpf_htonl((6u << 28) | (tc << 20) | (hash & 0xfffff));
	o->payload_len = bpf_htons(payload_len);
	o->nexthdr = nexthdr;
	o->hop_limit = XLB_ENCAP_TTL;
	__builtin_memcpy(&o->saddr, saddr, sizeof(o->saddr));
	__builtin_memcpy(&o->daddr, daddr, sizeof(o->daddr));
}

static __always_inline __be16 xlb_gue_sport(__u32 hash)
{
	return bpf_htons(XLB_GUE_SPORT_BASE | (hash & XLB_GUE_SPORT_MASK));
}

/*
 * UDP checksum of GUE over IPv6, from headers only. The UDP payload is the
 * inner IPv6 packet: its fixed header (read here) and an L4 segment (TCP,
 * UDP or ICMPv6 right after it: the parser accepts nothing else) whose own
 * checksum is valid, i.e. sum(inner pseudo header) + sum(segment) = -0, so
 * sum(segment) = -sum(inner pseudo header). Hence
 *   sum(UDP payload) = sum(inner header) - sum(inner pseudo header)
 * and no payload byte has to be read (and the payload may exceed what
 * bpf_csum_diff takes). This relies on the client's checksum being complete
 * (a packet with a broken L4 checksum gets a broken outer one, and the
 * backend drops it as it would have dropped the inner one).
 */
static __always_inline __u16 xlb_gue6_csum(const struct ipv6hdr *outer, const struct udphdr *uh,
					   const struct ipv6hdr *inner)
{
	__u32 ipseudo, sum;

	ipseudo = xlb_csum_words(&inner->saddr, 16) + inner->payload_len +
		  bpf_htons((__u16)inner->nexthdr);
	sum = xlb_csum_words(&outer->saddr, 16) + uh->len + bpf_htons(IPPROTO_UDP);
	sum += uh->source + uh->dest + uh->len; /* uh->check is 0 */
	sum += xlb_csum_words(inner, sizeof(*inner) / 2);
	sum += xlb_csum_neg(xlb_csum_fold(ipseudo));
	sum = (__u16)~xlb_csum_fold(sum);
	return sum ? sum : 0xffff; /* 0 would mean "no checksum", not allowed over IPv6 */
}

/* The outer family's node address, or NULL if not configured. */
static __always_inline const struct xlb_addr *xlb_node_src(const struct xlb_node *node, __u8 family)
{
	const struct xlb_addr *a = family == XLB_AF_INET ? &node->addr4 : &node->addr6;

	return xlb_addr_is_zero(a) ? NULL : a;
}

/*
 * Encapsulate and send the packet of flow key (parsed into pkt) to be.
 * fwd: XLB_FWD_IPIP or XLB_FWD_GUE; icmp as for xlb_fwd_dsr_l2.
 */
static __always_inline int xlb_fwd_encap(struct xdp_md *ctx, const struct xlb_flow_key *key,
					 const struct xlb_pkt *pkt, const struct xlb_backend *be,
					 __u32 be_id, __u64 now, __u8 fwd, int icmp)
{
	const struct xlb_addr *src;
	struct xlb_nexthop *nh;
	struct xlb_node *node;
	__u32 zero = 0, olen, reason, mtu = 0, hash;
	__u32 l3_len = pkt->l3_len, l2_len = pkt->l2_len;
	__be16 gue_port;
	struct ethhdr *eth;
	void *data;

	node = bpf_map_lookup_elem(&XLB_NODE_MAP, &zero);
	if (!node)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NO_NODE_ADDR);
	/*
	 * From here on branches test key->family (set by the parser), not
	 * be->family: the verifier then knows which pkt fields are initialised.
	 */
	src = xlb_node_src(node, key->family);
	if (!src || be->family != key->family)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NO_NODE_ADDR);
	gue_port = node->gue_port ? node->gue_port : bpf_htons(XLB_GUE_PORT_DEFAULT);

	if (key->family == XLB_AF_INET)
		olen = fwd == XLB_FWD_GUE ? XLB_OLEN_GUE4 : XLB_OLEN_IPIP4;
	else
		olen = fwd == XLB_FWD_GUE ? XLB_OLEN_GUE6 : XLB_OLEN_IPIP6;

	nh = xlb_nexthop(ctx, key, pkt, be, be_id, now, l3_len + olen, src, &mtu, &reason);
	if (!nh) {
		if (reason == XLB_STAT_DROP_TOO_BIG)
			return xlb_too_big(ctx, key, pkt, mtu, olen, icmp);
		return xlb_verdict(XDP_DROP, reason);
	}
	/* A fresh cache entry was checked by the FIB; a cached one is checked here. */
	if (l3_len + olen > nh->mtu)
		return xlb_too_big(ctx, key, pkt, nh->mtu, olen, icmp);

	/* Only for the GUE source port / IPv6 flow label (ipip over IPv4 needs none). */
	hash = fwd == XLB_FWD_GUE || key->family == XLB_AF_INET6 ? xlb_flow_hash(key) : 0;

	/*
	 * One branch per (family, mode) so that every header size is a
	 * constant: the verifier checks each write against one bounds check.
	 */
	if (key->family == XLB_AF_INET) {
		struct iphdr o;
		__u8 proto = fwd == XLB_FWD_GUE ? IPPROTO_UDP : XLB_IPPROTO_IPIP;

		xlb_outer4(&o, pkt, src->a[0], be->addr.a[0], proto, l3_len + olen);
		if (fwd == XLB_FWD_GUE) {
			struct udphdr *uh;

			data = xlb_encap_grow(ctx, l2_len, XLB_OLEN_GUE4, 0);
			if (!data)
				return xlb_verdict(XDP_DROP, XLB_STAT_DROP_ENCAP);
			__builtin_memcpy(data + sizeof(struct ethhdr), &o, sizeof(o));
			uh = data + sizeof(struct ethhdr) + sizeof(o);
			uh->source = xlb_gue_sport(hash);
			uh->dest = gue_port;
			uh->len = bpf_htons(l3_len + sizeof(*uh));
			uh->check = 0; /* IPv4: "no checksum" (RFC 768) */
		} else {
			data = xlb_encap_grow(ctx, l2_len, XLB_OLEN_IPIP4, 0);
			if (!data)
				return xlb_verdict(XDP_DROP, XLB_STAT_DROP_ENCAP);
			__builtin_memcpy(data + sizeof(struct ethhdr), &o, sizeof(o));
		}
		eth = data;
		eth->h_proto = bpf_htons(ETH_P_IP);
	} else if (fwd == XLB_FWD_GUE) {
		struct ipv6hdr *o;
		struct udphdr *uh;

		/* + the inner fixed header, read for the UDP checksum. */
		data = xlb_encap_grow(ctx, l2_len, XLB_OLEN_GUE6, sizeof(struct ipv6hdr));
		if (!data)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_ENCAP);
		o = data + sizeof(struct ethhdr);
		xlb_outer6(o, pkt, src, &be->addr, IPPROTO_UDP, l3_len + sizeof(*uh), hash);
		uh = (void *)(o + 1);
		uh->source = xlb_gue_sport(hash);
		uh->dest = gue_port;
		uh->len = bpf_htons(l3_len + sizeof(*uh));
		uh->check = 0;
		uh->check = xlb_gue6_csum(o, uh, (void *)(uh + 1));
		eth = data;
		eth->h_proto = bpf_htons(ETH_P_IPV6);
	} else {
		struct ipv6hdr *o;

		data = xlb_encap_grow(ctx, l2_len, XLB_OLEN_IPIP6, 0);
		if (!data)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_ENCAP);
		o = data + sizeof(struct ethhdr);
		xlb_outer6(o, pkt, src, &be->addr, XLB_IPPROTO_IPV6, l3_len, hash);
		eth = data;
		eth->h_proto = bpf_htons(ETH_P_IPV6);
	}
	return xlb_xmit(ctx, eth, l3_len + olen, nh, icmp);
}

/* Dispatch on the forwarding mode (svc->fwd for new flows, flow->fwd after). */
static __always_inline int xlb_forward(struct xdp_md *ctx, const struct xlb_flow_key *key,
				       const struct xlb_pkt *pkt, const struct xlb_backend *be,
				       __u32 be_id, __u64 now, __u8 fwd, int icmp)
{
	if (fwd == XLB_FWD_IPIP || fwd == XLB_FWD_GUE)
		return xlb_fwd_encap(ctx, key, pkt, be, be_id, now, fwd, icmp);
	if (fwd == XLB_FWD_NAT || fwd == XLB_FWD_FULLNAT) {
		__u32 info = pkt->l2_len | (__u32)pkt->tcp_flags << 8 | (__u32)fwd << 16 |
			     (__u32)!!icmp << 24;

		int r;

		if (icmp && key->family == XLB_AF_INET)
			return xlb_nat_icmp4(ctx, key, be_id, info);
		r = xlb_nat_prep(ctx, key, be_id, info);
		if (!(r & XLB_NAT_PREP_OK))
			return r;
		return key->family == XLB_AF_INET
			   ? xlb_nat_send4(ctx, key, be_id, info, r & 0xffff)
			   : xlb_nat_send6(ctx, key, be_id, info, r & 0xffff);
	}
	return xlb_fwd_dsr_l2(ctx, key, pkt, be, be_id, now, icmp);
}

#endif /* XLB_BPF_ENCAP_H */
