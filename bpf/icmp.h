/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * icmp.h - ICMP errors about VIP flows.
 *
 * With dsr-l2 the backends answer clients directly, from the VIP. A router
 * on the way back that cannot forward such a reply (fragmentation needed,
 * ICMPv6 packet too big, destination unreachable) sends its error to the
 * reply's source, the VIP, i.e. to us. The error quotes the reply as sent:
 * src = VIP, dst = client, sport = service port, dport = client port. Its
 * flow, seen from our side, is the quote reversed (client -> VIP), and
 * only the backend that owns that flow can act on the error (lower its path
 * MTU for the client). So we forward the ICMP packet unchanged, with dsr-l2,
 * to that backend; the backend holds the VIP, so it accepts it.
 *
 * (Errors about client -> VIP packets are generated towards the client and
 * never reach us.)
 *
 * Handled: ICMPv4 type 3 (destination unreachable, all codes, including
 * code 4, fragmentation needed), ICMPv6 types 1 (destination unreachable)
 * and 2 (packet too big), quoting TCP or UDP of the same family. The quote
 * must hold the IP header and the first 4 bytes of L4 (the ports; RFC 792
 * guarantees 8). Anything else ICMP is left to the kernel (XDP_PASS).
 */
#ifndef XLB_BPF_ICMP_H
#define XLB_BPF_ICMP_H

#include "parse.h"

/*
 * linux/icmp.h and linux/icmpv6.h pull in libc headers that do not build
 * for --target=bpf: the 8-byte header and the types we need, by hand.
 */
struct xlb_icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest; /* unused / next-hop MTU (v4) / MTU (v6 packet too big) */
};
#define XLB_ICMP_DEST_UNREACH	3
#define XLB_ICMPV6_DEST_UNREACH 1
#define XLB_ICMPV6_PKT_TOOBIG	2

#define XLB_ICMP_NOT_ERROR 0 /* not an error we handle: caller passes it */
#define XLB_ICMP_QUOTE_OK  1 /* key is the client -> VIP flow of the quote */
#define XLB_ICMP_QUOTE_BAD 2 /* an error, but the quote is unusable */

struct xlb_l4_ports {
	__be16 source;
	__be16 dest;
};

/*
 * Read the quote of the ICMP error at pkt->l4 into key (zeroed by the
 * caller, dst/family of the outer packet already set; overwritten here).
 */
static __always_inline int xlb_icmp_quote(const struct xlb_pkt *pkt, void *data_end,
					  struct xlb_flow_key *key)
{
	struct xlb_l4_ports *ports;
	__u8 family = key->family;

	if (family == XLB_AF_INET) {
		struct xlb_icmphdr *ih = pkt->l4;
		struct iphdr *q;

		if ((void *)(ih + 1) > data_end)
			return XLB_ICMP_NOT_ERROR; /* too short to be anything we handle */
		if (ih->type != XLB_ICMP_DEST_UNREACH)
			return XLB_ICMP_NOT_ERROR;
		q = (void *)(ih + 1);
		if ((void *)(q + 1) > data_end)
			return XLB_ICMP_QUOTE_BAD;
		if (q->version != 4 || q->ihl < 5 ||
		    (q->protocol != IPPROTO_TCP && q->protocol != IPPROTO_UDP))
			return XLB_ICMP_QUOTE_BAD;
		/* ihl * 4 <= 60: a small bounded offset; the ports check covers it. */
		ports = (void *)q + q->ihl * 4;
		if ((void *)(ports + 1) > data_end)
			return XLB_ICMP_QUOTE_BAD;
		/* Reversed: the quote's destination is our client. */
		__builtin_memset(key, 0, sizeof(*key));
		key->src.a[0] = q->daddr;
		key->dst.a[0] = q->saddr;
		key->proto = q->protocol;
	} else {
		struct xlb_icmphdr *ih = pkt->l4;
		struct ipv6hdr *q;

		if ((void *)(ih + 1) > data_end)
			return XLB_ICMP_NOT_ERROR;
		if (ih->type != XLB_ICMPV6_DEST_UNREACH && ih->type != XLB_ICMPV6_PKT_TOOBIG)
			return XLB_ICMP_NOT_ERROR;
		q = (void *)(ih + 1);
		if ((void *)(q + 1) > data_end)
			return XLB_ICMP_QUOTE_BAD;
		/* Extension headers in the quote are not followed (documented policy). */
		if (q->nexthdr != IPPROTO_TCP && q->nexthdr != IPPROTO_UDP)
			return XLB_ICMP_QUOTE_BAD;
		ports = (void *)(q + 1);
		if ((void *)(ports + 1) > data_end)
			return XLB_ICMP_QUOTE_BAD;
		__builtin_memset(key, 0, sizeof(*key));
		__builtin_memcpy(&key->src, &q->daddr, sizeof(key->src));
		__builtin_memcpy(&key->dst, &q->saddr, sizeof(key->dst));
		key->proto = q->nexthdr;
	}
	key->family = family;
	key->sport = ports->dest;
	key->dport = ports->source;
	return XLB_ICMP_QUOTE_OK;
}

#endif /* XLB_BPF_ICMP_H */
