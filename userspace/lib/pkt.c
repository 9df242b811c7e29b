// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* pkt.c - packet builder for BPF tests and benchmarks (see pkt.h). */
#include "pkt.h"
#include <arpa/inet.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* RFC 1071 one's-complement sum, folded later. */
static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const __u8 *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static void ipv4_fix_csum(struct pkt *p)
{
	struct iphdr *iph = (struct iphdr *)(p->buf + p->l3_off);
	size_t hlen = iph->ihl * 4;

	if (hlen < sizeof(*iph))
		hlen = sizeof(*iph); /* malformed IHL: checksum the fixed part */
	iph->check = 0;
	iph->check = htons(csum_fold(csum_add(0, iph, hlen)));
}

int pkt_parse_mac(const char *s, __u8 mac[6])
{
	unsigned int m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (__u8)m[i];
	return 0;
}

static size_t l4_hdr_len(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	default:
		return 8; /* ICMP / ICMPv6 echo header */
	}
}

int pkt_build(const struct pkt_spec *s, struct pkt *p)
{
	size_t l3_hlen = s->family == 6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	size_t l4h = l4_hdr_len(s->proto) + (s->proto == IPPROTO_TCP ? s->tcp_opts_len : 0);
	size_t l4_len = l4h + s->payload_len;
	struct ethhdr *eth = (struct ethhdr *)p->buf;
	__u8 *l4, saddr[16], daddr[16];
	int af = s->family == 6 ? AF_INET6 : AF_INET;
	size_t alen = s->family == 6 ? 16 : 4, off, i;
	__u32 sum;

	memset(p, 0, sizeof(*p));
	if (inet_pton(af, s->src, saddr) != 1 || inet_pton(af, s->dst, daddr) != 1)
		return -1;
	if (sizeof(*eth) + 4 + l3_hlen + l4_len > PKT_MAX || s->tcp_opts_len % 4 ||
	    s->tcp_opts_len > 40)
		return -1;

	memcpy(eth->h_dest, s->dmac, ETH_ALEN);
	memcpy(eth->h_source, s->smac, ETH_ALEN);
	off = sizeof(*eth);
	if (s->vlan) {
		eth->h_proto = htons(ETH_P_8021Q);
		*(__be16 *)(p->buf + off) = htons(s->vlan & 0x0fff);
		off += 2;
		*(__be16 *)(p->buf + off) = htons(af == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);
		off += 2;
	} else {
		eth->h_proto = htons(af == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);
	}
	p->l3_off = off;
	p->l4_off = off + l3_hlen;
	p->len = p->l4_off + l4_len;
	l4 = p->buf + p->l4_off;

	/* Payload: a recognisable pattern. */
	for (i = 0; i < s->payload_len; i++)
		l4[l4h + i] = (__u8)(i * 7 + 1);

	if (s->family == 6) {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)(p->buf + off);

		ip6h->version = 6;
		ip6h->payload_len = htons((__u16)l4_len);
		ip6h->nexthdr = s->proto;
		ip6h->hop_limit = 64;
		memcpy(&ip6h->saddr, saddr, 16);
		memcpy(&ip6h->daddr, daddr, 16);
	} else {
		struct iphdr *iph = (struct iphdr *)(p->buf + off);

		iph->version = 4;
		iph->ihl = 5;
		iph->tot_len = htons((__u16)(l3_hlen + l4_len));
		iph->id = htons(0x1234);
		iph->frag_off = htons(0x4000); /* DF */
		iph->ttl = 64;
		iph->protocol = s->proto;
		memcpy(&iph->saddr, saddr, 4);
		memcpy(&iph->daddr, daddr, 4);
		ipv4_fix_csum(p);
	}

	/* Pseudo header: addresses, upper-layer length, protocol. */
	sum = csum_add(0, saddr, alen);
	sum = csum_add(sum, daddr, alen);
	sum += (__u32)l4_len + s->proto;
	switch (s->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = (struct tcphdr *)l4;

		th->source = htons(s->sport);
		th->dest = htons(s->dport);
		th->seq = htonl(s->seq ? s->seq : 1000);
		th->ack_seq = htonl(s->ack_seq);
		th->doff = (__u16)(5 + s->tcp_opts_len / 4);
		if (s->tcp_opts_len)
			memcpy(th + 1, s->tcp_opts, s->tcp_opts_len);
		((__u8 *)th)[13] = s->tcp_flags ? s->tcp_flags : 0x02; /* SYN */
		th->window = htons(65535);
		th->check = htons(csum_fold(csum_add(sum, l4, l4_len)));
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = (struct udphdr *)l4;
		__u16 c;

		uh->source = htons(s->sport);
		uh->dest = htons(s->dport);
		uh->len = htons((__u16)l4_len);
		c = csum_fold(csum_add(sum, l4, l4_len));
		uh->check = htons(c ? c : 0xffff); /* 0 means "no checksum" */
		break;
	}
	default:
		/* ICMP echo request (type 8) or ICMPv6 echo request (128). */
		l4[0] = s->family == 6 ? 128 : 8;
		/* ICMPv4 has no pseudo header; ICMPv6 does. */
		*(__be16 *)(l4 + 2) =
		    htons(csum_fold(csum_add(s->family == 6 ? sum : 0, l4, l4_len)));
		break;
	}
	return 0;
}

void pkt_flow_key(const struct pkt_spec *s, struct xlb_flow_key *key)
{
	int af = s->family == 6 ? AF_INET6 : AF_INET;

	memset(key, 0, sizeof(*key));
	inet_pton(af, s->src, &key->src);
	inet_pton(af, s->dst, &key->dst);
	key->sport = htons(s->sport);
	key->dport = htons(s->dport);
	key->proto = s->proto;
	key->family = s->family == 6 ? XLB_AF_INET6 : XLB_AF_INET;
}

void pkt_truncate(struct pkt *p, size_t len)
{
	if (len < p->len)
		p->len = len;
}

void pkt_ipv4_set_ihl(struct pkt *p, __u8 ihl)
{
	((struct iphdr *)(p->buf + p->l3_off))->ihl = ihl & 0xf;
	ipv4_fix_csum(p);
}

void pkt_ipv4_set_frag(struct pkt *p, int mf, __u16 offset8)
{
	struct iphdr *iph = (struct iphdr *)(p->buf + p->l3_off);

	iph->frag_off = htons((mf ? 0x2000 : 0) | (offset8 & 0x1fff));
	ipv4_fix_csum(p);
}

void pkt_ipv4_set_tot_len(struct pkt *p, __u16 tot_len)
{
	((struct iphdr *)(p->buf + p->l3_off))->tot_len = htons(tot_len);
	ipv4_fix_csum(p);
}

void pkt_ipv6_set_payload_len(struct pkt *p, __u16 plen)
{
	((struct ipv6hdr *)(p->buf + p->l3_off))->payload_len = htons(plen);
}

int pkt_build_icmp_error(const struct pkt_spec *quoted, const char *from, const char *to,
			 __u8 type, __u8 code, __u32 rest, struct pkt *p)
{
	int v6 = quoted->family == 6, af = v6 ? AF_INET6 : AF_INET;
	size_t l3_hlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr), qlen, l4_len;
	struct ethhdr *eth = (struct ethhdr *)p->buf;
	__u8 saddr[16], daddr[16], *l4;
	struct pkt q;
	__u32 sum;

	if (pkt_build(quoted, &q))
		return -1;
	qlen = q.len - q.l3_off;
	if (qlen > 128)
		qlen = 128; /* as much of the offending packet as fits, like routers do */
	memset(p, 0, sizeof(*p));
	if (inet_pton(af, from, saddr) != 1 || inet_pton(af, to, daddr) != 1)
		return -1;
	memcpy(eth->h_dest, quoted->dmac, ETH_ALEN);
	memcpy(eth->h_source, quoted->smac, ETH_ALEN);
	eth->h_proto = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	p->l3_off = sizeof(*eth);
	p->l4_off = p->l3_off + l3_hlen;
	l4_len = 8 + qlen;
	p->len = p->l4_off + l4_len;
	l4 = p->buf + p->l4_off;
	l4[0] = type;
	l4[1] = code;
	*(__be32 *)(l4 + 4) = htonl(rest);
	memcpy(l4 + 8, q.buf + q.l3_off, qlen);
	if (v6) {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)(p->buf + p->l3_off);

		ip6h->version = 6;
		ip6h->payload_len = htons((__u16)l4_len);
		ip6h->nexthdr = IPPROTO_ICMPV6;
		ip6h->hop_limit = 64;
		memcpy(&ip6h->saddr, saddr, 16);
		memcpy(&ip6h->daddr, daddr, 16);
		sum = csum_add(0, saddr, 16);
		sum = csum_add(sum, daddr, 16);
		sum += (__u32)l4_len + IPPROTO_ICMPV6;
	} else {
		struct iphdr *iph = (struct iphdr *)(p->buf + p->l3_off);

		iph->version = 4;
		iph->ihl = 5;
		iph->tot_len = htons((__u16)(l3_hlen + l4_len));
		iph->ttl = 64;
		iph->protocol = IPPROTO_ICMP;
		memcpy(&iph->saddr, saddr, 4);
		memcpy(&iph->daddr, daddr, 4);
		ipv4_fix_csum(p);
		sum = 0; /* ICMPv4: no pseudo header */
	}
	*(__be16 *)(l4 + 2) = htons(csum_fold(csum_add(sum, l4, l4_len)));
	return 0;
}
