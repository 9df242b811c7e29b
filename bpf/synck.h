/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synck.h - the backend's half of xlb's SYN cookies, at tc ingress
 * (included by decap.bpf.c when built as synck.bpf.o).
 *
 * The balancer answered the client's SYN itself (bpf/syncookie.h), so this
 * host's kernel never saw it: the client's ACK finds the listener but no
 * request. For such an ACK whose cookie is valid (include/xlb_syncookie.h,
 * same secrets as the balancer: XLB_MAP_DECAP_SCKEYS, filled by
 * tools/decap-install) bpf_sk_assign_tcp_reqsk hands the kernel a request
 * built from the cookie: the MSS, window scale, SACK and timestamps the
 * client sent and the window scale the balancer announced; the kernel then
 * completes the connection as for one of its own cookies. Nothing here ever
 * drops: an ACK with a bad cookie is left to the kernel (its own cookies,
 * or a RST), and so is everything else.
 *
 * A TIME-WAIT socket of an earlier connection with the same addresses and
 * ports (this host closed first, the client reused its port) would swallow
 * the ACK: the kernel ends TIME-WAIT for a new SYN, but this host never sees
 * the SYN. For an ACK with a valid cookie (proof of a new handshake: an old
 * duplicate cannot carry one) the program ends that TIME-WAIT as the kernel
 * would for the SYN: a copy of the ACK is queued back to this interface's
 * ingress (bpf_clone_redirect, marked so it is tried once), and the packet
 * itself becomes an in-window RST without options, which the kernel's
 * TIME-WAIT handling takes as the end of the old connection (unless
 * net.ipv4.tcp_rfc1337 = 1). The copy then finds the listener.
 *
 * Cost on packets that are not handshakes: one socket lookup (skc) per TCP
 * ACK segment while a secret is loaded, and nothing otherwise.
 */
#ifndef XLB_BPF_SYNCK_H
#define XLB_BPF_SYNCK_H

#include <linux/tcp.h>

#include "tcpopt.h"
#include "xlb_syncookie.h"

/* The kernel's (not UAPI) argument of bpf_sk_assign_tcp_reqsk, 20 bytes. */
struct bpf_tcp_req_attrs {
	__u32 rcv_tsval;
	__u32 rcv_tsecr;
	__u16 mss;
	__u8 rcv_wscale;
	__u8 snd_wscale;
	__u8 ecn_ok;
	__u8 wscale_ok;
	__u8 sack_ok;
	__u8 tstamp_ok;
	__u8 usec_ts_ok;
	__u8 reserved[3];
};

/*
 * Only named for the kfunc's prototype: libbpf matches it against the
 * kernel's by kind (a struct, not a forward declaration) and name.
 */
struct sock {
	int _unused;
};
extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym;

/*
 * The one field of a TIME-WAIT socket read here, the next sequence number it
 * expects (tw_rcv_nxt); CO-RE takes its offset from the kernel's BTF.
 */
struct sock_common___xlb {
	__u32 skc_tw_rcv_nxt;
} __attribute__((preserve_access_index));
struct inet_timewait_sock___xlb {
	struct sock_common___xlb __tw_common;
} __attribute__((preserve_access_index));
struct tcp_timewait_sock___xlb {
	struct inet_timewait_sock___xlb tw_sk;
} __attribute__((preserve_access_index));

/* skb->mark of the ACK copy queued back to ingress after a TIME-WAIT ended. */
#define XLB_SC_TW_MARK 0x786c6231 /* "xlb1" */

/* SYN cookie secrets, key 0 (struct xlb_sc_keys); no flag set = off. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_sc_keys);
} XLB_DECAP_SCKEYS_MAP SEC(".maps");

#define XLB_TH_SYN 0x02
#define XLB_TH_RST 0x04
#define XLB_TH_ACK 0x10

/*
 * End the TIME-WAIT socket that holds the addresses and ports of a valid
 * cookie's ACK (the TCP header at thoff, the socket expecting rcv_nxt): queue
 * a copy of the ACK back to this interface's ingress, then turn the packet
 * into the RST that ends the TIME-WAIT (RST alone, sequence rcv_nxt, the
 * options made NOPs so no timestamp can be rejected by PAWS). The kernel
 * processes the RST first; the copy, marked, comes back here and meets the
 * listener.
 */
static __noinline int xlb_synck_tw(struct __sk_buff *skb, __u32 thoff, __u32 rcv_nxt)
{
	__be32 v32, n32;
	__be16 v16, n16;
	__u32 mark, olen, off, csum = thoff + offsetof(struct tcphdr, check);
	__u8 doff;
	int i;

	if (thoff > 14 + 40 || bpf_skb_load_bytes(skb, thoff + 12, &doff, 1))
		return -1;
	olen = ((doff >> 4) * 4 - sizeof(struct tcphdr)) & 63;
	if (olen > 40)
		return -1;
	mark = skb->mark;
	skb->mark = XLB_SC_TW_MARK;
	i = bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS);
	skb->mark = mark;
	if (i) {
		xlb_dcount(0, XLB_DECAP_SC_ERR);
		return -1;
	}
	/* seq = rcv_nxt, ack_seq = 0, flags = RST (the data offset kept). */
	n32 = bpf_htonl(rcv_nxt);
	if (bpf_skb_load_bytes(skb, thoff + 4, &v32, 4) ||
	    bpf_l4_csum_replace(skb, csum, v32, n32, 4) ||
	    bpf_skb_store_bytes(skb, thoff + 4, &n32, 4, 0))
		goto err;
	n32 = 0;
	if (bpf_skb_load_bytes(skb, thoff + 8, &v32, 4) ||
	    bpf_l4_csum_replace(skb, csum, v32, n32, 4) ||
	    bpf_skb_store_bytes(skb, thoff + 8, &n32, 4, 0))
		goto err;
	n16 = bpf_htons((__u16)doff << 8 | XLB_TH_RST);
	if (bpf_skb_load_bytes(skb, thoff + 12, &v16, 2) ||
	    bpf_l4_csum_replace(skb, csum, v16, n16, 2) ||
	    bpf_skb_store_bytes(skb, thoff + 12, &n16, 2, 0))
		goto err;
	n32 = 0x01010101; /* four NOPs */
	for (i = 0; i < 40; i += 4) {
		if (i >= olen)
			break;
		off = thoff + sizeof(struct tcphdr) + i;
		if (bpf_skb_load_bytes(skb, off, &v32, 4) ||
		    bpf_l4_csum_replace(skb, csum, v32, n32, 4) ||
		    bpf_skb_store_bytes(skb, off, &n32, 4, 0))
			goto err;
	}
	xlb_dcount(0, XLB_DECAP_SC_TIMEWAIT);
	return 0;
err:
	xlb_dcount(0, XLB_DECAP_SC_ERR);
	return -1;
}

static __always_inline void xlb_synck(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct bpf_tcp_req_attrs attrs = {};
	struct bpf_sock_tuple tup = {};
	struct xlb_flow_key key = {};
	const struct xlb_sc_keys *ks;
	struct xlb_tcpopts o;
	struct bpf_sock *sk;
	struct tcphdr *th;
	struct xlb_tcpopt_ctx c;
	__u32 zero = 0, tlen, off, len, opts, state, rcv_nxt = 0;
	int idx, again;

	ks = bpf_map_lookup_elem(&XLB_DECAP_SCKEYS_MAP, &zero);
	if (!ks || !(ks->flags & (XLB_SC_F_CUR | XLB_SC_F_PREV)))
		return;
	if ((void *)(eth + 1) > data_end)
		return;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end || iph->protocol != IPPROTO_TCP || iph->ihl != 5 ||
		    iph->frag_off & bpf_htons(XLB_IP_MF | XLB_IP_OFFSET))
			return;
		th = (void *)(iph + 1);
		key.family = XLB_AF_INET;
		key.src.a[0] = tup.ipv4.saddr = iph->saddr;
		key.dst.a[0] = tup.ipv4.daddr = iph->daddr;
		tlen = sizeof(tup.ipv4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > data_end || ip6h->nexthdr != IPPROTO_TCP)
			return;
		th = (void *)(ip6h + 1);
		key.family = XLB_AF_INET6;
		__builtin_memcpy(&key.src, &ip6h->saddr, 16);
		__builtin_memcpy(&key.dst, &ip6h->daddr, 16);
		__builtin_memcpy(tup.ipv6.saddr, &ip6h->saddr, 16);
		__builtin_memcpy(tup.ipv6.daddr, &ip6h->daddr, 16);
		tlen = sizeof(tup.ipv6);
	} else {
		return;
	}
	if ((void *)(th + 1) > data_end)
		return;
	if ((((__u8 *)th)[13] & (XLB_TH_SYN | XLB_TH_RST | XLB_TH_ACK)) != XLB_TH_ACK)
		return;
	key.sport = th->source;
	key.dport = th->dest;
	key.proto = IPPROTO_TCP;
	if (key.family == XLB_AF_INET) {
		tup.ipv4.sport = th->source;
		tup.ipv4.dport = th->dest;
	} else {
		tup.ipv6.sport = th->source;
		tup.ipv6.dport = th->dest;
	}
	/* Our copy back from xlb_synck_tw: tried once. */
	again = skb->mark == XLB_SC_TW_MARK;
	if (again)
		skb->mark = 0;
	/*
	 * Established (or a request of the kernel's own): none of our business.
	 * TIME-WAIT: ours if the cookie is valid (below).
	 */
	sk = bpf_skc_lookup_tcp(skb, &tup, tlen, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return;
	state = sk->state;
	if (state == BPF_TCP_TIME_WAIT) {
		struct tcp_timewait_sock___xlb *tw = (void *)bpf_skc_to_tcp_timewait_sock(sk);

		if (tw)
			rcv_nxt = tw->tw_sk.__tw_common.skc_tw_rcv_nxt;
		else
			state = BPF_TCP_CLOSE;
	}
	bpf_sk_release(sk);
	if (state != BPF_TCP_LISTEN && (state != BPF_TCP_TIME_WAIT || again))
		return;

	len = th->doff * 4;
	if (len == sizeof(*th) + 12 && (void *)(th + 1) + 12 <= data_end &&
	    *(__be32 *)(th + 1) == bpf_htonl(0x0101080a)) {
		/* What Linux sends on an ACK: NOP NOP TS, read in place. */
		xlb_tcpopt_none(&c.o);
		c.o.ts = 1;
		c.o.tsval = bpf_ntohl(*((__be32 *)(th + 1) + 1));
		c.o.tsecr = bpf_ntohl(*((__be32 *)(th + 1) + 2));
	} else {
		off = (__u32)((void *)(th + 1) - data);
		len = len > sizeof(*th) ? len - sizeof(*th) : 0;
		if (len > 40)
			len = 40;
		__builtin_memset(&c, 0, sizeof(c));
		if (len && bpf_skb_load_bytes(skb, off, c.buf, len))
			len = 0;
		c.len = len;
		xlb_tcpopt_parse(&c);
	}
	o = c.o;
	opts = o.ts ? o.tsecr & XLB_SC_OPT_MASK : XLB_SC_WS_NONE;
	idx = xlb_sc_check(ks, &key, bpf_htonl(bpf_ntohl(th->seq) - 1), bpf_ntohl(th->ack_seq) - 1,
			   bpf_ktime_get_tai_ns() >> XLB_SC_PERIOD_SHIFT, opts);
	if (idx < 0) {
		xlb_dcount(0, XLB_DECAP_SC_BAD);
		return;
	}
	if (state == BPF_TCP_TIME_WAIT) {
		xlb_synck_tw(skb, (__u32)((void *)th - data), rcv_nxt);
		return;
	}
	attrs.mss = xlb_sc_mss((__u32)idx, key.family);
	if (o.ts) {
		attrs.tstamp_ok = 1;
		attrs.rcv_tsval = o.tsval;
		attrs.rcv_tsecr = o.tsecr;
		attrs.sack_ok = !!(opts & XLB_SC_SACK);
		if ((opts & 0xf) != XLB_SC_WS_NONE) {
			attrs.wscale_ok = 1;
			attrs.snd_wscale = opts & 0xf;
			attrs.rcv_wscale = XLB_SC_WSCALE;
		}
	}
	sk = bpf_sk_lookup_tcp(skb, &tup, tlen, BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		xlb_dcount(0, XLB_DECAP_SC_ERR);
		return;
	}
	if (bpf_sk_assign_tcp_reqsk(skb, (struct sock *)sk, &attrs, sizeof(attrs)))
		xlb_dcount(0, XLB_DECAP_SC_ERR);
	else
		xlb_dcount(0, XLB_DECAP_SC_ASSIGNED);
	bpf_sk_release(sk);
}

#endif /* XLB_BPF_SYNCK_H */
