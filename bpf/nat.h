/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nat.h - address and port translation of one packet (issue #19, nat/fullnat).
 *
 * Checksums are updated incrementally (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')),
 * never recomputed: the IPv4 header checksum covers the addresses; the TCP and
 * UDP checksums cover them through the pseudo header (IPv4 and IPv6) and the
 * ports directly. Byte order as in csum.h: words are added as they lie in
 * memory. A UDP checksum of 0 over IPv4 means "none" and stays 0; a computed 0
 * is sent as 0xffff (RFC 768).
 */
#ifndef XLB_BPF_NAT_H
#define XLB_BPF_NAT_H

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/types.h>
#include <linux/udp.h>

#include "csum.h"

/* Replace n16 words old by new in a folded (stored, complemented) checksum. */
static __always_inline __u16 xlb_nat_csum_replace(__u16 check, const __u16 *old, const __u16 *new,
						  const int n16)
{
	__u32 sum = (__u16)~check;
	int i;

#pragma unroll
	for (i = 0; i < n16; i++)
		sum += (__u16)~old[i] + new[i];
	return (__u16)~xlb_csum_fold(sum);
}

/*
 * The L4 checksum field of a TCP or UDP header at l4 (already bounds-checked
 * for its full header by the caller), or NULL for other protocols. udp_zero:
 * the UDP checksum is absent (0, IPv4 only) and must be left alone.
 */
static __always_inline __u16 *xlb_nat_l4_check(void *l4, __u8 proto, int ipv4, int *udp_zero)
{
	*udp_zero = 0;
	if (proto == IPPROTO_TCP)
		return &((struct tcphdr *)l4)->check;
	if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		*udp_zero = ipv4 && uh->check == 0;
		return &uh->check;
	}
	return 0;
}

static __always_inline void xlb_nat_l4_store(__u16 *check, __u16 v, __u8 proto)
{
	if (proto == IPPROTO_UDP && v == 0)
		v = 0xffff;
	*check = v;
}

/*
 * Rewrite an IPv4 packet's addresses and ports (network order; port 0 in
 * l4 ports when proto has none) with checksums fixed. ports points at the
 * source and destination port words of the L4 header (sport, dport).
 */
static __always_inline void xlb_nat_rewrite4(struct iphdr *iph, void *l4, __be32 saddr,
					     __be32 daddr, __be16 sport, __be16 dport)
{
	__u16 old[6], new[6];
	__be16 *ports = l4;
	__u16 *check;
	int udp_zero;

	__builtin_memcpy(&old[0], &iph->saddr, 4);
	__builtin_memcpy(&old[2], &iph->daddr, 4);
	__builtin_memcpy(&new[0], &saddr, 4);
	__builtin_memcpy(&new[2], &daddr, 4);
	iph->check = xlb_nat_csum_replace(iph->check, old, new, 4);
	check = xlb_nat_l4_check(l4, iph->protocol, 1, &udp_zero);
	if (check && !udp_zero) {
		old[4] = ports[0];
		old[5] = ports[1];
		new[4] = sport;
		new[5] = dport;
		xlb_nat_l4_store(check, xlb_nat_csum_replace(*check, old, new, 6), iph->protocol);
	}
	iph->saddr = saddr;
	iph->daddr = daddr;
	if (check) {
		ports[0] = sport;
		ports[1] = dport;
	}
}

/* The same for IPv6 (no header checksum; the L4 checksum is mandatory). */
static __always_inline void xlb_nat_rewrite6(struct ipv6hdr *ip6h, void *l4, __u8 proto,
					     const struct in6_addr *saddr,
					     const struct in6_addr *daddr, __be16 sport,
					     __be16 dport)
{
	__u16 old[18], new[18];
	__be16 *ports = l4;
	__u16 *check;
	int udp_zero;

	check = xlb_nat_l4_check(l4, proto, 0, &udp_zero);
	if (check) {
		__builtin_memcpy(&old[0], &ip6h->saddr, 16);
		__builtin_memcpy(&old[8], &ip6h->daddr, 16);
		__builtin_memcpy(&new[0], saddr, 16);
		__builtin_memcpy(&new[8], daddr, 16);
		old[16] = ports[0];
		old[17] = ports[1];
		new[16] = sport;
		new[17] = dport;
		xlb_nat_l4_store(check, xlb_nat_csum_replace(*check, old, new, 18), proto);
		ports[0] = sport;
		ports[1] = dport;
	}
	ip6h->saddr = *saddr;
	ip6h->daddr = *daddr;
}

#endif /* XLB_BPF_NAT_H */
