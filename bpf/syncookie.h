/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * syncookie.h - stateless SYN cookies for services with XLB_SVC_F_SYNCOOKIE
 * (include/xlb_syncookie.h has the cookie itself, docs/filtering.md the why).
 *
 * A SYN to such a service is answered here, from the VIP, with a SYN-ACK
 * whose sequence number is the cookie (XDP_TX): nothing is recorded, nothing
 * scheduled. The client's ACK carries the cookie + 1; a valid one is then
 * scheduled and recorded like any new flow and reaches the backend, whose
 * tc program (bpf/decap.bpf.c) checks the cookie again and builds the
 * socket from it with bpf_sk_assign_tcp_reqsk (the backend never saw the
 * SYN). The SYN-ACK always carries 20 option bytes (doff 10), NOP-padded:
 *
 *   MSS | NOP WS(7) or 4 NOP | SACKOK TS or NOP NOP TS, or 12 NOP without TS
 */
#ifndef XLB_BPF_SYNCOOKIE_H
#define XLB_BPF_SYNCOOKIE_H

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>

#include "csum.h"
#include "maps.h"
#include "parse.h"
#include "sched.h"
#include "stats.h"
#include "tcpopt.h"
#include "xlb.h"
#include "xlb_syncookie.h"

#define XLB_SC_TTL 64

/* Count one SYN cookie event (enum xlb_sc_stat). */
static __always_inline void xlb_sc_count(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&xlb_scst_v1, &what);

	if (v)
		*v += 1;
}

/*
 * Copy len (<= 40) option bytes at packet offset off to the stack and parse
 * them. One helper call instead of a walk over packet pointers.
 */
static __always_inline void xlb_sc_opts(struct xdp_md *ctx, __u32 off, __u32 len,
					struct xlb_tcpopts *o)
{
	struct xlb_tcpopt_ctx c;

	__builtin_memset(&c, 0, sizeof(c));
	if (len > 40)
		len = 40;
	if (len && bpf_xdp_load_bytes(ctx, off, c.buf, len))
		len = 0;
	c.len = len;
	xlb_tcpopt_parse(&c);
	*o = c.o;
}

/*
 * The options of the SYN at th (header bounds checked by the caller; its
 * doff by parse.h against the IP payload). Linux's layout (MSS, SACKOK,
 * TS, NOP, WS: 20 bytes) is read in place; anything else is parsed.
 */
static __always_inline void xlb_sc_syn_opts(struct xdp_md *ctx, struct tcphdr *th, void *data_end,
					    __u32 off, struct xlb_tcpopts *o)
{
	__u32 doff = th->doff * 4;
	__u8 *p = (void *)(th + 1);

	if (doff == sizeof(*th) + 20 && (void *)(p + 20) <= data_end && p[0] == 2 && p[1] == 4 &&
	    p[4] == 4 && p[5] == 2 && p[6] == 8 && p[7] == 10 && p[16] == 1 && p[17] == 3 &&
	    p[18] == 3) {
		o->mss = (__u16)(p[2] << 8 | p[3]);
		o->sack = 1;
		o->ts = 1;
		o->tsval = bpf_ntohl(*(__be32 *)(p + 8));
		o->tsecr = bpf_ntohl(*(__be32 *)(p + 12));
		o->wscale = p[19] > 14 ? 14 : p[19];
		return;
	}
	xlb_sc_opts(ctx, off, doff - sizeof(*th), o);
}

/* MSS the SYN-ACK announces: a 1500-byte path less what forwarding adds. */
static __always_inline __u16 xlb_sc_adv_mss(__u8 family, __u8 fwd)
{
	__u16 mss = family == XLB_AF_INET6 ? 1440 : 1460;

	if (fwd == XLB_FWD_IPIP)
		mss -= family == XLB_AF_INET6 ? 40 : 20;
	else if (fwd == XLB_FWD_GUE)
		mss -= family == XLB_AF_INET6 ? 48 : 28;
	return mss;
}

/* The 20 option bytes of the SYN-ACK (see the top of this file). */
static __always_inline void xlb_sc_write_opts(__u8 *p, __u16 mss, const struct xlb_tcpopts *o,
					      __u32 tsval)
{
	__u32 i;

	p[0] = 2;
	p[1] = 4;
	p[2] = mss >> 8;
	p[3] = mss & 0xff;
	for (i = 4; i < 20; i++)
		p[i] = 1; /* NOP */
	if (!o->ts)
		return;
	if (o->wscale != XLB_SC_WS_NONE) {
		p[5] = 3;
		p[6] = 3;
		p[7] = XLB_SC_WSCALE;
	}
	if (o->sack) {
		p[8] = 4;
		p[9] = 2;
	}
	p[10] = 8;
	p[11] = 10;
	*(__be32 *)(p + 12) = bpf_htonl(tsval);
	*(__be32 *)(p + 16) = bpf_htonl(o->tsval); /* echo the client's */
}

/*
 * Answer a bare SYN of key (syn_cookies service svc_id, forwarding with fwd) with
 * a SYN cookie: the frame becomes the SYN-ACK and leaves with XDP_TX
 * (counted). -1 when no cookie can be made (no secret loaded, IPv4 options,
 * no room to resize): the caller treats the SYN as if cookies were off.
 */
static __always_inline int xlb_syncookie_synack(struct xdp_md *ctx, const struct xlb_flow_key *key,
						const struct xlb_pkt *pkt, __u32 svc_id, __u8 fwd)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, l2 = pkt->l2_len == 18 ? 18 : 14, l3h, opts, idx, cookie, t, tsval = 0;
	__u32 sum, isn = bpf_ntohl(pkt->tcp_seq);
	const struct xlb_sc_keys *ks;
	struct xlb_tcpopts o;
	struct tcphdr *th;
	struct ethhdr *eth;
	__u8 mac[ETH_ALEN];
	__u64 tai;
	int delta;

	ks = bpf_map_lookup_elem(&xlb_sckey_v1, &zero);
	if (!ks || !(ks->flags & XLB_SC_F_CUR))
		return -1;
	if (key->family == XLB_AF_INET) {
		struct iphdr *iph = data + l2;

		if ((void *)(iph + 1) > data_end || iph->ihl != 5)
			return -1;
		l3h = sizeof(*iph);
	} else {
		l3h = sizeof(struct ipv6hdr);
	}
	th = data + l2 + l3h;
	if ((void *)(th + 1) > data_end)
		return -1;
	xlb_sc_syn_opts(ctx, th, data_end, l2 + l3h + sizeof(*th), &o);
	idx = xlb_sc_mss_idx(o.mss ? o.mss : xlb_sc_mss(0, key->family), key->family);
	opts = o.ts ? o.wscale | (o.sack ? XLB_SC_SACK : 0) : XLB_SC_WS_NONE;
	tai = bpf_ktime_get_tai_ns();
	t = tai >> XLB_SC_PERIOD_SHIFT;
	cookie = xlb_sc_make(ks->cur, key, pkt->tcp_seq, t, idx, opts);
	if (o.ts)
		tsval = ((__u32)(tai >> XLB_SC_TS_SHIFT) & ~(__u32)XLB_SC_OPT_MASK) | opts;

	/* Exactly L2 + L3 + 40 bytes of TCP; whatever followed the SYN's header goes. */
	delta = (int)(l2 + l3h + sizeof(*th) + 20) - (int)(data_end - data);
	/*
	 * The verifier forgets the caller's packet pointers at this call, failed
	 * or not: no way back to the ordinary path. No tailroom to grow (rare: a
	 * SYN with < 20 option bytes on a driver without it) is counted as
	 * drop_encap, the same failure; the client retransmits.
	 */
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_ENCAP);
	/*
	 * From here on the caller's packet pointers are stale: never return -1
	 * (the checks below cannot fail: the frame was just sized for them).
	 */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	if (key->family == XLB_AF_INET) {
		struct iphdr *iph = data + l2;

		th = (void *)(iph + 1);
		if ((void *)(th + 1) + 20 > data_end)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
		*(__u16 *)iph = bpf_htons(0x4500); /* version 4, ihl 5, tos 0 */
		iph->tot_len = bpf_htons(sizeof(*iph) + sizeof(*th) + 20);
		iph->id = 0;
		iph->frag_off = bpf_htons(XLB_IP_DF);
		iph->ttl = XLB_SC_TTL;
		iph->protocol = IPPROTO_TCP;
		iph->check = 0;
		iph->saddr = key->dst.a[0];
		iph->daddr = key->src.a[0];
		iph->check = ~xlb_csum_fold(xlb_csum_words(iph, 10));
		sum = xlb_csum_words(&iph->saddr, 4);
	} else {
		struct ipv6hdr *ip6h = data + l2;

		th = (void *)(ip6h + 1);
		if ((void *)(th + 1) + 20 > data_end)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
		*(__be32 *)ip6h = bpf_htonl(0x60000000);
		ip6h->payload_len = bpf_htons(sizeof(*th) + 20);
		ip6h->nexthdr = IPPROTO_TCP;
		ip6h->hop_limit = XLB_SC_TTL;
		__builtin_memcpy(&ip6h->saddr, &key->dst, 16);
		__builtin_memcpy(&ip6h->daddr, &key->src, 16);
		sum = xlb_csum_words(&ip6h->saddr, 16);
	}
	th->source = key->dport;
	th->dest = key->sport;
	th->seq = bpf_htonl(cookie);
	th->ack_seq = bpf_htonl(isn + 1);
	*((__u16 *)th + 6) = bpf_htons(0xa012); /* doff 10, flags SYN|ACK */
	th->window = bpf_htons(XLB_SC_WINDOW);
	th->check = 0;
	th->urg_ptr = 0;
	xlb_sc_write_opts((__u8 *)(th + 1), xlb_sc_adv_mss(key->family, fwd), &o, tsval);
	{
		/* Per service: lbd's `auto` mode reads the SYN rate from it. */
		struct xlb_counters *c = bpf_map_lookup_elem(&xlb_svcst_v1, &svc_id);

		if (c)
			c->syn_cookies += 1;
	}
	sum += bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(*th) + 20);
	th->check = ~xlb_csum_fold(sum + xlb_csum_words(th, 20));
	return xlb_verdict(XDP_TX, XLB_STAT_TX_SYNCOOKIE);
}

/*
 * A TCP packet of a syn_cookies service that has no flow entry: 0 if it is
 * the handshake's ACK with a valid cookie (*isn = the client's SYN sequence
 * number, wire order; counted as syncookie ok), -1 for anything else.
 */
static __always_inline int xlb_syncookie_ack(struct xdp_md *ctx, const struct xlb_flow_key *key,
					     const struct xlb_pkt *pkt, __be32 *isn)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, l2 = pkt->l2_len == 18 ? 18 : 14, l3h, doff, opts, cookie, now;
	const struct xlb_sc_keys *ks;
	struct xlb_tcpopts o;
	struct tcphdr *th;

	if ((pkt->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK | XLB_TCP_RST)) != XLB_TCP_ACK)
		return -1;
	ks = bpf_map_lookup_elem(&xlb_sckey_v1, &zero);
	if (!ks)
		return -1;
	if (key->family == XLB_AF_INET) {
		struct iphdr *iph = data + l2;

		if ((void *)(iph + 1) > data_end)
			return -1;
		l3h = iph->ihl * 4;
	} else {
		l3h = sizeof(struct ipv6hdr);
	}
	l3h &= 63; /* verifier: parse.h checked 20..60 */
	th = data + l2 + l3h;
	if ((void *)(th + 1) > data_end)
		return -1;
	doff = th->doff * 4;
	o.ts = 0;
	o.tsecr = 0;
	if (doff == sizeof(*th) + 12) {
		/* What Linux sends on an ACK: NOP NOP TS, read in place. */
		__be32 *w = (void *)(th + 1);

		if ((void *)(w + 3) > data_end)
			return -1;
		if (w[0] == bpf_htonl(0x0101080a)) {
			o.ts = 1;
			o.tsecr = bpf_ntohl(w[2]);
		} else {
			xlb_sc_opts(ctx, l2 + l3h + sizeof(*th), doff - sizeof(*th), &o);
		}
	} else if (doff > sizeof(*th)) {
		xlb_sc_opts(ctx, l2 + l3h + sizeof(*th), doff - sizeof(*th), &o);
	}
	opts = o.ts ? o.tsecr & XLB_SC_OPT_MASK : XLB_SC_WS_NONE;
	*isn = bpf_htonl(bpf_ntohl(pkt->tcp_seq) - 1);
	cookie = bpf_ntohl(th->ack_seq) - 1;
	now = bpf_ktime_get_tai_ns() >> XLB_SC_PERIOD_SHIFT;
	if (xlb_sc_check(ks, key, *isn, cookie, now, opts) < 0)
		return -1;
	xlb_sc_count(XLB_SC_STAT_OK);
	return 0;
}

#endif /* XLB_BPF_SYNCOOKIE_H */
