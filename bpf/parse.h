/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse.h - header parsing for the XDP data path.
 *
 * A cursor walks Ethernet, at most one VLAN tag, IPv4/IPv6 and TCP/UDP with
 * one bounds check per header (xdp-tools parsing_helpers.h style). The result
 * is the flow key in wire order plus what forwarding needs later.
 *
 * Outcomes (enum xlb_parse):
 *   OK         ports parsed, key complete
 *   NOT_IP     not IPv4/IPv6, or too short to hold a fixed IP header (its
 *              destination cannot even be read, so it cannot be for a VIP)
 *   NOT_L4     a valid IP header whose payload is not TCP/UDP/ICMP (e.g. GRE,
 *              SCTP, ESP, IPv6 No Next Header)
 *   MALFORMED  IP header readable but broken/truncated: key->dst and
 *              key->family are valid, the rest is not
 *   FRAGMENT   IPv4 MF/offset, or an IPv6 Fragment header: dst/family valid
 *   IPV6_EXT   an IPv6 extension header other than Fragment (hop-by-hop,
 *              routing, destination options, AH, mobility, HIP, shim6,
 *              experimental) right after the fixed header: not followed;
 *              dst/family valid (a VIP drops it: docs/filtering.md)
 *   ICMP       ICMP (IPv4) or ICMPv6 right after the fixed header, not a
 *              fragment: dst/family valid, pkt->l4 / l3_len / tos set
 */
#ifndef XLB_BPF_PARSE_H
#define XLB_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xlb.h"

/* Not all of these are in UAPI headers under these names. */
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define XLB_IP_DF	     0x4000
#define XLB_IP_MF	     0x2000
#define XLB_IP_OFFSET	     0x1fff
#define XLB_NEXTHDR_FRAGMENT 44

enum xlb_parse {
	XLB_PARSE_OK = 0,
	XLB_PARSE_NOT_IP,
	XLB_PARSE_NOT_L4,
	XLB_PARSE_MALFORMED,
	XLB_PARSE_FRAGMENT,
	XLB_PARSE_ICMP, /* unfragmented ICMP/ICMPv6: key->dst/family valid, pkt->l4 set */
	XLB_PARSE_IPV6_EXT, /* IPv6 extension header other than Fragment: dst/family valid */
};

/* IPv6 extension headers (RFC 8200 4, IANA "IPv6 Extension Header Types") except Fragment (44). */
static __always_inline int xlb_ipv6_is_ext(__u8 nexthdr)
{
	switch (nexthdr) {
	case 0: /* hop-by-hop options */
	case 43: /* routing */
	case 51: /* authentication header */
	case 60: /* destination options */
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
	case 253: /* experimental */
	case 254:
		return 1;
	}
	return 0;
}

/* What forwarding needs besides the flow key. */
struct xlb_pkt {
	struct ethhdr *eth;
	__u16 l3_len;	 /* IP total length incl. IP header, host order (fib tot_len) */
	__u8 tos;	 /* IPv4 TOS (fib tos) */
	__be32 flowinfo; /* IPv6 flow label + class (fib flowinfo) */
	__u8 tcp_flags;	 /* TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ...); 0 for UDP */
	__be32 tcp_seq;	 /* TCP sequence number (wire order); 0 for UDP */
	__u8 l2_len;	 /* Ethernet header (+ VLAN tag) bytes before the IP header: 14 or 18 */
	__u8 df;	 /* IPv4 DF bit set (IPv6: 1, routers never fragment it) */
	void *l4;	 /* XLB_PARSE_ICMP only: the ICMP header (not yet bounds-checked) */
};

struct xlb_vlan_hdr {
	__be16 tci;
	__be16 proto; /* encapsulated ethertype */
};

/*
 * Ports of TCP/UDP at l4, whose header must lie inside both the frame and the
 * IP payload (l4_room = IP payload length from the IP header's length field).
 */
static __always_inline int xlb_parse_l4(void *l4, void *data_end, __u32 l4_room, __u8 proto,
					struct xlb_flow_key *key, struct xlb_pkt *pkt)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return XLB_PARSE_MALFORMED;
		/* doff counts 32-bit words; the header (with options) must fit the IP payload. */
		if (th->doff < 5 || (__u32)th->doff * 4 > l4_room)
			return XLB_PARSE_MALFORMED;
		key->sport = th->source;
		key->dport = th->dest;
		pkt->tcp_flags = ((__u8 *)th)[13]; /* the byte after doff/reserved */
		pkt->tcp_seq = th->seq;
	} else {
		struct udphdr *uh = l4;
		__u32 ulen;

		if ((void *)(uh + 1) > data_end)
			return XLB_PARSE_MALFORMED;
		ulen = bpf_ntohs(uh->len);
		if (ulen < sizeof(*uh) || ulen > l4_room)
			return XLB_PARSE_MALFORMED;
		key->sport = uh->source;
		key->dport = uh->dest;
		pkt->tcp_flags = 0;
		pkt->tcp_seq = 0;
	}
	return XLB_PARSE_OK;
}

static __always_inline int xlb_parse_ipv4(struct iphdr *iph, void *data_end,
					  struct xlb_flow_key *key, struct xlb_pkt *pkt)
{
	__u32 hlen, tot_len;

	if ((void *)(iph + 1) > data_end)
		return XLB_PARSE_NOT_IP;
	key->family = XLB_AF_INET;
	key->dst.a[0] = iph->daddr;
	if (iph->version != 4 || iph->ihl < 5)
		return XLB_PARSE_MALFORMED;
	hlen = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	pkt->df = !!(iph->frag_off & bpf_htons(XLB_IP_DF));
	/*
	 * tot_len may be shorter than the frame (Ethernet padding) but never
	 * longer. Pointer + bounded scalar (<= 0xffff, the verifier's
	 * MAX_PACKET_OFF) compared with data_end: no pointer subtraction.
	 */
	if (tot_len < hlen || (void *)iph + tot_len > data_end)
		return XLB_PARSE_MALFORMED;
	if (iph->protocol == IPPROTO_ICMP) {
		/* A fragment of ICMP carries no usable quote: treat as any other non-L4. */
		if (iph->frag_off & bpf_htons(XLB_IP_MF | XLB_IP_OFFSET))
			return XLB_PARSE_NOT_L4;
		pkt->l3_len = tot_len;
		pkt->tos = iph->tos;
		pkt->l4 = (void *)iph + hlen;
		return XLB_PARSE_ICMP;
	}
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return XLB_PARSE_NOT_L4;
	if (iph->frag_off & bpf_htons(XLB_IP_MF | XLB_IP_OFFSET))
		return XLB_PARSE_FRAGMENT;
	key->src.a[0] = iph->saddr;
	key->proto = iph->protocol;
	pkt->l3_len = tot_len;
	pkt->tos = iph->tos;
	/* hlen <= 60 keeps the variable offset small; the L4 bounds check covers the options. */
	return xlb_parse_l4((void *)iph + hlen, data_end, tot_len - hlen, iph->protocol, key, pkt);
}

static __always_inline int xlb_parse_ipv6(struct ipv6hdr *ip6h, void *data_end,
					  struct xlb_flow_key *key, struct xlb_pkt *pkt)
{
	__u32 plen;

	if ((void *)(ip6h + 1) > data_end)
		return XLB_PARSE_NOT_IP;
	key->family = XLB_AF_INET6;
	__builtin_memcpy(&key->dst, &ip6h->daddr, sizeof(key->dst));
	plen = bpf_ntohs(ip6h->payload_len);
	pkt->df = 1;
	/* payload_len 0 would be a jumbogram (hop-by-hop option): not supported. */
	if (ip6h->version != 6 || plen == 0 || (void *)(ip6h + 1) + plen > data_end)
		return XLB_PARSE_MALFORMED;
	if (ip6h->nexthdr == XLB_NEXTHDR_FRAGMENT)
		return XLB_PARSE_FRAGMENT;
	if (xlb_ipv6_is_ext(ip6h->nexthdr))
		return XLB_PARSE_IPV6_EXT;
	if (ip6h->nexthdr == IPPROTO_ICMPV6) {
		pkt->l3_len = plen + sizeof(*ip6h);
		pkt->flowinfo = *(__be32 *)ip6h & bpf_htonl(0x0fffffff);
		pkt->l4 = ip6h + 1;
		return XLB_PARSE_ICMP;
	}
	if (ip6h->nexthdr != IPPROTO_TCP && ip6h->nexthdr != IPPROTO_UDP)
		return XLB_PARSE_NOT_L4;
	__builtin_memcpy(&key->src, &ip6h->saddr, sizeof(key->src));
	key->proto = ip6h->nexthdr;
	pkt->l3_len = plen + sizeof(*ip6h);
	/* First 32 bits minus the version nibble: traffic class and flow label. */
	pkt->flowinfo = *(__be32 *)ip6h & bpf_htonl(0x0fffffff);
	return xlb_parse_l4(ip6h + 1, data_end, plen, ip6h->nexthdr, key, pkt);
}

/* key must be zeroed by the caller (it is a map key: padding included). */
static __always_inline int xlb_parse(void *data, void *data_end, struct xlb_flow_key *key,
				     struct xlb_pkt *pkt)
{
	struct ethhdr *eth = data;
	void *l3;
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return XLB_PARSE_NOT_IP;
	pkt->eth = eth;
	pkt->l2_len = sizeof(*eth);
	/*
	 * Each family's parser sets only its own field; zero both, so that no
	 * path reads uninitialised stack (clang may then reuse any register
	 * for it, and the verifier refuses such a spill).
	 */
	pkt->tos = 0;
	pkt->flowinfo = 0;
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct xlb_vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return XLB_PARSE_NOT_IP;
		proto = vh->proto;
		l3 = vh + 1;
		pkt->l2_len += sizeof(*vh);
	}
	if (proto == bpf_htons(ETH_P_IP))
		return xlb_parse_ipv4(l3, data_end, key, pkt);
	if (proto == bpf_htons(ETH_P_IPV6))
		return xlb_parse_ipv6(l3, data_end, key, pkt);
	return XLB_PARSE_NOT_IP;
}

#endif /* XLB_BPF_PARSE_H */
