/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * natfwd.h - forwarding modes `nat` and `fullnat` (issue #19).
 *
 *   nat      destination NAT: client -> VIP:vport becomes client ->
 *            backend:port. The balancer is the backends' gateway, so their
 *            replies (backend:port -> client) cross it and are translated
 *            back to VIP:vport -> client.
 *   fullnat  destination and source NAT: client -> VIP:vport becomes
 *            SNAT:sport -> backend:port, SNAT being a node address (the one
 *            toward the backend unless configured) and sport a port of this
 *            CPU's slice of the SNAT range. Replies (backend:port ->
 *            SNAT:sport) are addressed to the node and translated back to
 *            VIP:vport -> client:cport. One interface is enough.
 *
 * The forward entry (XLB_FLOWS_MAP) chooses the backend as for every mode
 * and, for fullnat, remembers the SNAT port; the reverse entry
 * (XLB_NATREV_MAP, keyed by the reply's 5-tuple) holds what a reply is
 * translated back to and the TCP state that picks its idle timeout. Both
 * directions refresh it. A SNAT port is taken with BPF_NOEXIST, never from
 * a live flow; an entry idle past its timeout may be taken over. A packet
 * to a SNAT address that matches no entry is the kernel's (XDP_PASS).
 *
 * Checksums are updated incrementally (nat.h, and bpf_csum_diff for IPv6
 * addresses). No TTL decrement: as in the other modes the balancer is not a
 * router hop for the flow. IPv4 and IPv6, one family per flow (no mixed
 * families yet: drop_nat). IPv4 ICMP errors about a flow's replies go to
 * its backend translated (xlb_nat_icmp4); other ICMP errors about NAT flows
 * are left to the kernel (nat_icmp_passed); an IPv6 packet too big for the
 * backend's path drops (drop_too_big) instead of a packet-too-big answer.
 *
 * Verifier: the per-packet work lives in global (noinline) functions,
 * verified once on their own, like the SYN cookie path (syncookie.h).
 */
#ifndef XLB_BPF_NATFWD_H
#define XLB_BPF_NATFWD_H

#include "clock.h"
#include "fwd.h"
#include "icmp_gen.h"
#include "nat.h"
#include "sched.h"

/* SNAT ports tried per new flow: XLB_NATPOOL_PROBES of userspace/lib/natpool.h. */
#define XLB_NAT_PROBES 8

static __always_inline void xlb_nat_count(__u32 ev)
{
	__u64 *v = bpf_map_lookup_elem(&XLB_NATSTATS_MAP, &ev);

	if (v)
		*v += 1;
}

/*
 * Could this packet (not for a VIP) be a reply to a NAT flow? Only where a
 * service uses nat/fullnat (lbd sets the switch); with fullnat alone, only
 * when it goes to a port of the SNAT range, which spares the node's own
 * traffic the reverse-map lookup.
 */
static __always_inline int xlb_nat_maybe_reply(const struct xlb_flow_key *key)
{
	__u32 zero = 0;
	/* Array lookup with a constant key: inlined by the verifier (no call). */
	struct xlb_nat_cfg *c = bpf_map_lookup_elem(&XLB_NATCFG_MAP, &zero);
	__u16 port;

	if (!c || !(c->flags & XLB_NAT_F_ON))
		return 0;
	if (c->flags & XLB_NAT_F_DNAT)
		return 1;
	port = bpf_ntohs(key->dport);
	return port >= c->port_lo && port <= c->port_hi;
}

/* The idle timeout of a reverse entry in its state, in ns. */
static __always_inline __u64 xlb_nat_tmo_ns(const struct xlb_nat_cfg *cfg, __u8 proto, __u32 state)
{
	__u32 s;

	if (proto != IPPROTO_TCP)
		s = cfg->tmo_s[XLB_NAT_TMO_UDP];
	else if (state & XLB_NAT_S_RST)
		s = cfg->tmo_s[XLB_NAT_TMO_TCP_RESET];
	else if (state & XLB_NAT_S_FIN)
		s = cfg->tmo_s[XLB_NAT_TMO_TCP_CLOSING];
	else if (state & XLB_NAT_S_EST)
		s = cfg->tmo_s[XLB_NAT_TMO_TCP_ESTABLISHED];
	else
		s = cfg->tmo_s[XLB_NAT_TMO_TCP_HANDSHAKE];
	return (__u64)s * 1000000000ull;
}

/* Signed: another CPU's coarse clock may be a tick ahead of ours. */
static __always_inline int xlb_nat_expired(const struct xlb_nat_cfg *cfg, __u8 proto,
					   const struct xlb_nat_rev *rv, __u64 now)
{
	return (__s64)(now - rv->last_seen_ns) > (__s64)xlb_nat_tmo_ns(cfg, proto, rv->state);
}

/*
 * A packet of the flow went through: TCP state (reply: from the backend)
 * and last seen. Written only when something changed; racy across CPUs,
 * which any recent value survives.
 */
static __always_inline void xlb_nat_touch(struct xlb_nat_rev *rv, __u8 tcp_flags, __u64 now,
					  int reply)
{
	__u32 st = rv->state, ns = st;

	if (!reply && (tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN)
		ns = 0; /* the client (re)starts a handshake on this entry */
	if (tcp_flags & XLB_TCP_FIN)
		ns |= XLB_NAT_S_FIN;
	if (tcp_flags & XLB_TCP_RST)
		ns |= XLB_NAT_S_RST;
	if (reply && (tcp_flags & (XLB_TCP_ACK | XLB_TCP_RST)) == XLB_TCP_ACK)
		ns |= XLB_NAT_S_EST;
	if (ns != st)
		rv->state = ns;
	if ((__s64)(now - rv->last_seen_ns) > (__s64)XLB_FLOW_TOUCH_NS || ns != st)
		rv->last_seen_ns = now;
}

static __always_inline int xlb_nat_addr_eq(const struct xlb_addr *a, const struct xlb_addr *b)
{
	return !((a->a[0] ^ b->a[0]) | (a->a[1] ^ b->a[1]) | (a->a[2] ^ b->a[2]) |
		 (a->a[3] ^ b->a[3]));
}

/* rv translates replies of the client flow key (IPv4 addresses have a[1..3] zero). */
static __always_inline int xlb_nat_owner(const struct xlb_nat_rev *rv, const struct xlb_flow_key *key)
{
	return rv->cport == key->sport && rv->vport == key->dport &&
	       xlb_nat_addr_eq(&rv->client, &key->src) && xlb_nat_addr_eq(&rv->vip, &key->dst);
}

/*
 * Rewrite an IPv4 packet's addresses and the ports at `ports` with the IP
 * checksum and the L4 checksum at `check` updated (nat.h). udp: a zero
 * checksum means "none" and stays zero. One call per protocol, so that the
 * verifier sees each with its own bounds check.
 */
/* Add ~old + new of a 32-bit word (two 16-bit words in memory order) to sum. */
static __always_inline __u32 xlb_nat_csum32(__u32 sum, __u32 old, __u32 new)
{
	return sum + (__u16)~old + (__u16)~(old >> 16) + (__u16)new + (new >> 16);
}

static __always_inline __u32 xlb_nat_csum16(__u32 sum, __u16 old, __u16 new)
{
	return sum + (__u16)~old + new;
}

static __always_inline __u16 xlb_nat_fold(__u32 sum)
{
	return (__u16)~xlb_csum_fold(sum);
}

static __always_inline void xlb_nat4_apply(struct iphdr *iph, __u16 *check, __be16 *ports, int udp,
					   __be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	/* Scalars, not word arrays: the stack is shared with the ingress path. */
	__u32 sum = xlb_nat_csum32(xlb_nat_csum32(0, iph->saddr, saddr), iph->daddr, daddr);

	iph->check = xlb_nat_fold((__u16)~iph->check + sum);
	if (!udp || *check) {
		sum = xlb_nat_csum16(xlb_nat_csum16(sum, ports[0], sport), ports[1], dport);
		xlb_nat_l4_store(check, xlb_nat_fold((__u16)~*check + sum),
				 udp ? IPPROTO_UDP : IPPROTO_TCP);
	}
	iph->saddr = saddr;
	iph->daddr = daddr;
	ports[0] = sport;
	ports[1] = dport;
}

/*
 * The L4 header of the IPv4 packet at iph, bounds-checked for proto's
 * header, or NULL (IP options are allowed: ihl says where it starts).
 */
static __always_inline void *xlb_nat4_l4(struct iphdr *iph, void *data_end, __u8 proto)
{
	__u32 l3h = (iph->ihl * 4) & 60; /* verifier: parse.h checked 20..60 */
	void *l4 = (void *)iph + l3h;

	if (l3h < sizeof(*iph))
		return NULL;
	if (proto == IPPROTO_TCP)
		return l4 + sizeof(struct tcphdr) > data_end ? NULL : l4;
	return l4 + sizeof(struct udphdr) > data_end ? NULL : l4;
}

/*
 * The rewrite proper; the header is checked again for its protocol's size,
 * in the branch that writes it (the verifier does not relate two tests of
 * proto). 0, or -1 when it does not fit (callers checked it before).
 */
static __always_inline int xlb_nat4_rewrite(struct iphdr *iph, void *data_end, __u8 proto,
					    __be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	__u32 l3h = (iph->ihl * 4) & 60;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)iph + l3h;

		if ((void *)(th + 1) > data_end)
			return -1;
		xlb_nat4_apply(iph, &th->check, (__be16 *)th, 0, saddr, daddr, sport, dport);
	} else {
		struct udphdr *uh = (void *)iph + l3h;

		if ((void *)(uh + 1) > data_end)
			return -1;
		xlb_nat4_apply(iph, &uh->check, (__be16 *)uh, 1, saddr, daddr, sport, dport);
	}
	return 0;
}

/* A new reverse entry for the client flow key, in v (scratch space). */
static __always_inline void xlb_nat_rev_init(struct xlb_nat_rev *v, const struct xlb_flow_key *key,
					     __u8 fwd, __u32 be_id, __u8 tcp_flags, __u64 now)
{
	v->client = key->src;
	v->vip = key->dst;
	v->cport = key->sport;
	v->vport = key->dport;
	v->family = key->family;
	v->fwd = fwd;
	v->_pad = 0;
	v->be_id = be_id;
	v->last_seen_ns = now;
	/* A flow scheduled on anything but a SYN (UDP aside) is already established. */
	v->state = key->proto == IPPROTO_TCP &&
			   (tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) != XLB_TCP_SYN
		       ? XLB_NAT_S_EST
		       : 0;
}

/*
 * IPv6: no header checksum; the L4 checksum (mandatory, also for UDP) covers
 * the addresses through the pseudo header. Scalars, as for IPv4.
 */
static __always_inline void xlb_nat6_apply(struct ipv6hdr *ip6h, __u16 *check, __be16 *ports,
					   int udp, const struct xlb_addr *saddr,
					   const struct xlb_addr *daddr, __be16 sport, __be16 dport)
{
	/*
	 * Verifier: bpf_csum_diff for the 32 address bytes, not an unrolled
	 * sum, which spilled enough registers to pass the shared stack limit.
	 * Its result is a 32-bit one's complement partial sum (to - from).
	 */
	__s64 d = bpf_csum_diff((__be32 *)&ip6h->saddr, 16, (__be32 *)saddr, 16, 0);
	__u32 sum;

	d = bpf_csum_diff((__be32 *)&ip6h->daddr, 16, (__be32 *)daddr, 16, (__u32)d);
	sum = xlb_csum_fold((__u32)d);
	sum = xlb_nat_csum16(xlb_nat_csum16(sum, ports[0], sport), ports[1], dport);
	xlb_nat_l4_store(check, xlb_nat_fold((__u16)~*check + sum), udp ? IPPROTO_UDP : IPPROTO_TCP);
	__builtin_memcpy(&ip6h->saddr, saddr, 16);
	__builtin_memcpy(&ip6h->daddr, daddr, 16);
	ports[0] = sport;
	ports[1] = dport;
}

/* The IPv6 rewrite, bounds checked per protocol (parse.h let no extension header through). */
static __always_inline int xlb_nat6_rewrite(struct ipv6hdr *ip6h, void *data_end, __u8 proto,
					    const struct xlb_addr *saddr,
					    const struct xlb_addr *daddr, __be16 sport, __be16 dport)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(ip6h + 1);

		if ((void *)(th + 1) > data_end)
			return -1;
		xlb_nat6_apply(ip6h, &th->check, (__be16 *)th, 0, saddr, daddr, sport, dport);
	} else {
		struct udphdr *uh = (void *)(ip6h + 1);

		if ((void *)(uh + 1) > data_end)
			return -1;
		xlb_nat6_apply(ip6h, &uh->check, (__be16 *)uh, 1, saddr, daddr, sport, dport);
	}
	return 0;
}

/*
 * The packet's L3 header at data + l2 with its L4 header of proto, bounds-
 * checked for family, or NULL.
 */
static __always_inline void *xlb_nat_l3(void *data, __u32 l2, void *data_end, __u8 family,
					__u8 proto)
{
	void *l3 = data + l2;

	if (family == XLB_AF_INET) {
		if (l3 + sizeof(struct iphdr) > data_end ||
		    !xlb_nat4_l4(l3, data_end, proto))
			return NULL;
		return l3;
	}
	if (l3 + sizeof(struct ipv6hdr) > data_end)
		return NULL;
	if (proto == IPPROTO_TCP)
		return l3 + sizeof(struct ipv6hdr) + sizeof(struct tcphdr) > data_end ? NULL : l3;
	return l3 + sizeof(struct ipv6hdr) + sizeof(struct udphdr) > data_end ? NULL : l3;
}

/* Rewrite the packet at l3 (xlb_nat_l3) of family: 0, or -1 if it does not fit. */
static __always_inline int xlb_nat_rewrite(void *l3, void *data_end, __u8 family, __u8 proto,
					   const struct xlb_addr *saddr,
					   const struct xlb_addr *daddr, __be16 sport, __be16 dport)
{
	if (family == XLB_AF_INET) {
		if (l3 + sizeof(struct iphdr) > data_end)
			return -1;
		return xlb_nat4_rewrite(l3, data_end, proto, saddr->a[0], daddr->a[0], sport,
					dport);
	}
	if (l3 + sizeof(struct ipv6hdr) > data_end)
		return -1;
	return xlb_nat6_rewrite(l3, data_end, proto, saddr, daddr, sport, dport);
}

/*
 * fullnat: take a SNAT port of this CPU's slice for the flow key (reverse
 * key rk, its dport is filled in) and create its reverse entry. The
 * candidates are userspace/lib/natpool.c's xlb_natpool_candidate(): from a
 * flow hash on, consecutive ports of the slice. The port in wire order, or
 * 0 when the slice has none free (or is empty).
 */
static __always_inline __be16 xlb_nat_alloc(struct xlb_flow_key *rk, struct xlb_nat_rev *v,
					    const struct xlb_flow_key *key, __u32 be_id,
					    __u8 tcp_flags, const struct xlb_nat_cfg *cfg, __u64 now)
{
	struct xlb_nat_slice *sl;
	struct xlb_nat_rev *old;
	__u32 zero = 0, len, h, k;

	sl = bpf_map_lookup_elem(&XLB_NATSLICE_MAP, &zero);
	if (!sl || sl->hi < sl->lo)
		return 0;
	len = (__u32)sl->hi - sl->lo + 1;
	xlb_nat_rev_init(v, key, XLB_FWD_FULLNAT, be_id, tcp_flags, now);
	h = xlb_flow_hash(key);
	for (k = 0; k < XLB_NAT_PROBES; k++) {
		rk->dport = bpf_htons((__u16)(sl->lo + (h + k) % len));
		if (!bpf_map_update_elem(&XLB_NATREV_MAP, rk, v, BPF_NOEXIST)) {
			xlb_nat_count(XLB_NAT_STAT_NEW);
			return rk->dport;
		}
		old = bpf_map_lookup_elem(&XLB_NATREV_MAP, rk);
		if (old && xlb_nat_expired(cfg, rk->proto, old, now) &&
		    !bpf_map_update_elem(&XLB_NATREV_MAP, rk, v, BPF_ANY)) {
			xlb_nat_count(XLB_NAT_STAT_REUSED);
			return rk->dport;
		}
	}
	return 0;
}

/*
 * xlb_nexthop() (fwd.h) with the FIB query in the scratch space: the same
 * per-CPU cache per backend id, the same reasons. src: the packet's source
 * as it will leave; tos_fi: IPv4 TOS, or the IPv6 flow info word.
 */
static __always_inline struct xlb_nexthop *
xlb_nat_nexthop(struct xdp_md *ctx, struct xlb_nat_scratch *scr, const struct xlb_flow_key *key,
		const __u8 family, const struct xlb_backend *be, __u32 be_id, __u64 now, __u32 tot_len,
		const struct xlb_addr *src, __u32 tos_fi, __u32 *mtu_out, __u32 *reason)
{
	struct bpf_fib_lookup *fib = &scr->fib;
	struct xlb_nexthop *nh;
	__u32 mtu = 0;
	int rc;

	nh = bpf_map_lookup_elem(&XLB_NHCACHE_MAP, &be_id);
	if (!nh) {
		*reason = XLB_STAT_DROP_FIB;
		return NULL;
	}
	if (now < nh->expires_ns && nh->family == be->family && nh->addr.a[0] == be->addr.a[0] &&
	    nh->addr.a[1] == be->addr.a[1] && nh->addr.a[2] == be->addr.a[2] &&
	    nh->addr.a[3] == be->addr.a[3])
		return nh;
	__builtin_memset(fib, 0, sizeof(*fib));
	if (family == XLB_AF_INET) {
		fib->family = XLB_FIB_AF_INET;
		fib->ipv4_dst = be->addr.a[0];
		fib->ipv4_src = src->a[0];
		fib->tos = tos_fi;
	} else {
		fib->family = XLB_FIB_AF_INET6;
		__builtin_memcpy(fib->ipv6_dst, &be->addr, 16);
		__builtin_memcpy(fib->ipv6_src, src, 16);
		fib->flowinfo = tos_fi;
	}
	fib->l4_protocol = key->proto;
	fib->sport = key->sport;
	fib->dport = key->dport;
	fib->tot_len = tot_len;
	fib->ifindex = ctx->ingress_ifindex;
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		*mtu_out = rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ? fib->mtu_result : 0;
		*reason = rc == BPF_FIB_LKUP_RET_NO_NEIGH   ? XLB_STAT_DROP_NO_NEIGH
			  : rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ? XLB_STAT_DROP_TOO_BIG
							       : XLB_STAT_DROP_FIB;
		return NULL;
	}
	bpf_check_mtu(ctx, fib->ifindex, &mtu, 0, 0);
	nh->addr = be->addr;
	nh->family = be->family;
	nh->ifindex = fib->ifindex;
	nh->mtu = mtu > 0xffff ? 0xffff : mtu;
	__builtin_memcpy(nh->dmac, fib->dmac, ETH_ALEN);
	__builtin_memcpy(nh->smac, fib->smac, ETH_ALEN);
	nh->expires_ns = xlb_cfg_nh_ttl_ns ? now + xlb_cfg_nh_ttl_ns : 0;
	return nh;
}

/* xlb_nat_prep() succeeded: the low 16 bits hold the flow's source port (host order). */
#define XLB_NAT_PREP_OK (1 << 16)

/*
 * First half of translating the packet of flow key (client -> VIP) for
 * backend be_id: the reverse entry (created, or found and refreshed; a SNAT
 * port taken for fullnat). Returns XLB_NAT_PREP_OK | the source port the
 * packet is to leave with, or an XDP action (counted). Reads no packet
 * byte. info: the Ethernet header length | TCP flags << 8 | forwarding
 * mode << 16 | icmp << 24 (scalars only: a global function, see above).
 *
 * Verifier: two global functions called one after the other (this, then
 * xlb_nat_send4/6) rather than one, so that each has its own share of the
 * 512-byte stack beside the ingress path.
 */
__attribute__((noinline)) int xlb_nat_prep(struct xdp_md *ctx, const struct xlb_flow_key *key,
					   __u32 be_id, __u32 info)
{
	__u32 zero = 0;
	__u8 tcp_flags = info >> 8, fwd = info >> 16;
	const struct xlb_nat_cfg *cfg;
	const struct xlb_nat_be *nb;
	struct xlb_nat_rev *rv = NULL;
	struct xlb_backend *be;
	struct xlb_nat_scratch *scr;
	struct xlb_flow *flow;
	struct xlb_flow_key *rk;
	__be16 sport;
	__u64 now;

	if (!key || !ctx)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);
	if (info >> 24) {
		/* An ICMP error quoting the flow: not translated yet. */
		xlb_nat_count(XLB_NAT_STAT_ICMP_PASSED);
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW);
	}
	be = bpf_map_lookup_elem(&XLB_BACKENDS_MAP, &be_id);
	nb = bpf_map_lookup_elem(&XLB_NATBE_MAP, &be_id);
	cfg = bpf_map_lookup_elem(&XLB_NATCFG_MAP, &zero);
	/* Verifier: the scratch space keeps the reverse key and entry off the stack. */
	scr = bpf_map_lookup_elem(&XLB_NATSCRATCH_MAP, &zero);
	/* Mixed families are not translated (yet): the config refuses them. */
	if (!be || !nb || !cfg || !scr || be->family != key->family)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);
	if (fwd == XLB_FWD_FULLNAT && nb->snat_family != key->family)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);

	now = xlb_now();
	rk = &scr->rk;
	__builtin_memset(rk, 0, sizeof(*rk)); /* map key: padding must be zero */
	rk->src = be->addr;
	rk->sport = nb->port ? nb->port : key->dport;
	rk->proto = key->proto;
	rk->family = key->family;
	if (fwd == XLB_FWD_FULLNAT) {
		rk->dst = nb->snat;
		sport = 0;
		flow = xlb_ct_lookup(key);
		if (flow && flow->nat_port) {
			rk->dport = flow->nat_port;
			rv = bpf_map_lookup_elem(&XLB_NATREV_MAP, rk);
			if (rv && xlb_nat_owner(rv, key))
				sport = rk->dport;
			else
				rv = NULL; /* evicted, or taken over after its timeout */
		}
		if (!sport) {
			sport = xlb_nat_alloc(rk, &scr->v, key, be_id, tcp_flags, cfg, now);
			if (!sport)
				return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT_PORTS);
			if (flow)
				flow->nat_port = sport;
		}
	} else {
		rk->dst = key->src;
		rk->dport = key->sport;
		rv = bpf_map_lookup_elem(&XLB_NATREV_MAP, rk);
		if (!rv || !xlb_nat_owner(rv, key)) {
			xlb_nat_rev_init(&scr->v, key, XLB_FWD_NAT, be_id, tcp_flags, now);
			if (bpf_map_update_elem(&XLB_NATREV_MAP, rk, &scr->v, BPF_ANY))
				return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);
			xlb_nat_count(XLB_NAT_STAT_NEW);
			rv = NULL;
		}
		sport = key->sport;
	}
	if (rv)
		xlb_nat_touch(rv, tcp_flags, now, 0);
	return XLB_NAT_PREP_OK | bpf_ntohs(sport);
}

/*
 * Second half, for one family: rewrite the packet to leave from the SNAT
 * address (fullnat; the client for nat) and sport (host order) to the
 * backend's address and target port, and send it to the backend's next hop.
 */
static __always_inline int xlb_nat_send_fam(struct xdp_md *ctx, const struct xlb_flow_key *key,
					    __u32 be_id, __u32 info, __u32 sport_h,
					    const __u8 family)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, l2 = (info & 0xff) == 18 ? 18 : 14, tos_fi, l3_len;
	__u8 fwd = info >> 16, df = 1;
	const struct xlb_addr *saddr;
	const struct xlb_nat_be *nb;
	struct xlb_nat_scratch *scr;
	struct xlb_backend *be;
	struct xlb_nexthop *nh;
	void *l3;
	__u64 now;

	if (!key || key->family != family)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);
	be = bpf_map_lookup_elem(&XLB_BACKENDS_MAP, &be_id);
	nb = bpf_map_lookup_elem(&XLB_NATBE_MAP, &be_id);
	scr = bpf_map_lookup_elem(&XLB_NATSCRATCH_MAP, &zero);
	if (!be || !nb || !scr || be->family != family)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);
	if (data + sizeof(struct ethhdr) > data_end)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	l3 = xlb_nat_l3(data, l2, data_end, family, key->proto);
	if (!l3)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	saddr = fwd == XLB_FWD_FULLNAT ? &nb->snat : &key->src;
	if (family == XLB_AF_INET) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > data_end)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
		l3_len = bpf_ntohs(iph->tot_len);
		tos_fi = iph->tos;
		df = !!(iph->frag_off & bpf_htons(XLB_IP_DF));
	} else {
		struct ipv6hdr *ip6h = l3;

		if ((void *)(ip6h + 1) > data_end)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
		l3_len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
		tos_fi = *(__be32 *)ip6h & bpf_htonl(0x0fffffff);
	}
	now = xlb_now();
	/* Verifier: its answers land in the scratch space, not on the stack. */
	scr->mtu = 0;
	scr->reason = 0;
	nh = xlb_nat_nexthop(ctx, scr, key, family, be, be_id, now, l3_len, saddr, tos_fi,
			     &scr->mtu, &scr->reason);
	/*
	 * Too big: ICMP frag-needed to the client for IPv4 (the packet is
	 * still the client's). IPv6 drops (drop_too_big) for now.
	 */
	if (!nh) {
		if (scr->reason == XLB_STAT_DROP_TOO_BIG && family == XLB_AF_INET)
			return xlb_too_big_l2(ctx, key, l2, df, scr->mtu, 0, 0);
		return xlb_verdict(XDP_DROP, scr->reason);
	}
	if (l3_len > nh->mtu) {
		if (family == XLB_AF_INET)
			return xlb_too_big_l2(ctx, key, l2, df, nh->mtu, 0, 0);
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
	}
	if (xlb_nat_rewrite(l3, data_end, family, key->proto, saddr, &be->addr,
			    bpf_htons((__u16)sport_h), nb->port ? nb->port : key->dport))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	return xlb_xmit(ctx, data, l3_len, nh, 0);
}

__attribute__((noinline)) int xlb_nat_send4(struct xdp_md *ctx, const struct xlb_flow_key *key,
					    __u32 be_id, __u32 info, __u32 sport_h)
{
	return xlb_nat_send_fam(ctx, key, be_id, info, sport_h, XLB_AF_INET);
}

__attribute__((noinline)) int xlb_nat_send6(struct xdp_md *ctx, const struct xlb_flow_key *key,
					    __u32 be_id, __u32 info, __u32 sport_h)
{
	return xlb_nat_send_fam(ctx, key, be_id, info, sport_h, XLB_AF_INET6);
}

/*
 * An ICMP error about a reply of an IPv4 nat/fullnat flow, sent to the VIP by
 * a router on the client's side (the quote: VIP:vport -> client:cport, key
 * the client flow): it goes to the flow's backend about the packet the
 * backend sent, so path-MTU discovery works through the NAT. The outer
 * destination becomes the backend; the quote becomes backend:port ->
 * SNAT:sport (fullnat) or -> client:cport (nat), with its IP header
 * checksum, its TCP/UDP checksum when quoted, and the ICMP checksum updated
 * incrementally. Counted fwd_icmp; anything unusual is left to the kernel
 * (nat_icmp_passed). info as for xlb_nat_prep.
 */
__attribute__((noinline)) int xlb_nat_icmp4(struct xdp_md *ctx, const struct xlb_flow_key *key,
					    __u32 be_id, __u32 info)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, l2 = (info & 0xff) == 18 ? 18 : 14, sum, qsum, l3_len;
	__u8 fwd = info >> 16;
	const struct xlb_nat_be *nb;
	struct xlb_nat_scratch *scr;
	struct xlb_backend *be;
	struct xlb_nexthop *nh;
	struct xlb_flow *flow;
	struct iphdr *iph, *q;
	struct xlb_icmphdr *ih;
	__be16 *ports, bport, nport;
	__be32 ndst;
	__u16 oqcheck;

	if (!key || key->family != XLB_AF_INET)
		goto pass;
	be = bpf_map_lookup_elem(&XLB_BACKENDS_MAP, &be_id);
	nb = bpf_map_lookup_elem(&XLB_NATBE_MAP, &be_id);
	scr = bpf_map_lookup_elem(&XLB_NATSCRATCH_MAP, &zero);
	if (!be || !nb || !scr || be->family != XLB_AF_INET)
		goto pass;
	bport = nb->port ? nb->port : key->dport;
	if (fwd == XLB_FWD_FULLNAT) {
		if (nb->snat_family != XLB_AF_INET)
			goto pass;
		flow = xlb_ct_lookup(key);
		if (!flow || !flow->nat_port)
			goto pass;
		ndst = nb->snat.a[0];
		nport = flow->nat_port;
	} else {
		ndst = key->src.a[0];
		nport = key->sport;
	}
	/* Plain headers only: outer and quoted IPv4 without options. */
	iph = data + l2;
	if ((void *)(iph + 1) > data_end || iph->ihl != 5)
		goto pass;
	ih = (void *)(iph + 1);
	q = (void *)(ih + 1);
	if ((void *)(q + 1) > data_end || q->ihl != 5)
		goto pass;
	ports = (void *)(q + 1);
	if ((void *)(ports + 2) > data_end)
		goto pass;
	if (data + sizeof(struct ethhdr) > data_end)
		goto pass;

	/* The quote's IP header: VIP -> client becomes backend -> ndst. */
	sum = xlb_nat_csum32(xlb_nat_csum32(0, q->saddr, be->addr.a[0]), q->daddr, ndst);
	oqcheck = q->check;
	q->check = xlb_nat_fold((__u16)~q->check + sum);
	/* The ICMP checksum sees those words and the quote's checksum change. */
	qsum = xlb_nat_csum16(sum, oqcheck, q->check);
	/* Its ports, and its L4 checksum when quoted (pseudo header + ports). */
	sum = xlb_nat_csum16(xlb_nat_csum16(sum, ports[0], bport), ports[1], nport);
	qsum = xlb_nat_csum16(xlb_nat_csum16(qsum, ports[0], bport), ports[1], nport);
	if (q->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)ports;

		if ((void *)(th + 1) <= data_end) {
			__u16 o = th->check;

			th->check = xlb_nat_fold((__u16)~th->check + sum);
			qsum = xlb_nat_csum16(qsum, o, th->check);
		}
	} else {
		struct udphdr *uh = (void *)ports;

		if ((void *)(uh + 1) <= data_end && uh->check) {
			__u16 o = uh->check;

			xlb_nat_l4_store(&uh->check, xlb_nat_fold((__u16)~uh->check + sum),
					 IPPROTO_UDP);
			qsum = xlb_nat_csum16(qsum, o, uh->check);
		}
	}
	q->saddr = be->addr.a[0];
	q->daddr = ndst;
	ports[0] = bport;
	ports[1] = nport;
	ih->checksum = xlb_nat_fold((__u16)~ih->checksum + qsum);
	/* The outer destination: the VIP becomes the backend. */
	iph->check = xlb_nat_fold((__u16)~iph->check + xlb_nat_csum32(0, iph->daddr, be->addr.a[0]));
	iph->daddr = be->addr.a[0];

	l3_len = bpf_ntohs(iph->tot_len);
	scr->mtu = 0;
	scr->reason = 0;
	nh = xlb_nat_nexthop(ctx, scr, key, XLB_AF_INET, be, be_id, xlb_now(), l3_len, &key->dst,
			     iph->tos, &scr->mtu, &scr->reason);
	if (!nh)
		return xlb_verdict(XDP_DROP, scr->reason);
	return xlb_xmit(ctx, data, l3_len, nh, 1);
pass:
	xlb_nat_count(XLB_NAT_STAT_ICMP_PASSED);
	return xlb_verdict(XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW);
}

/*
 * A packet addressed to no VIP: if it is a backend's reply to a nat/fullnat
 * flow (its 5-tuple has a live reverse entry), translate it back and send
 * it to the client; counted fwd_nat_reply. -1: not ours, the caller passes
 * it to the kernel untouched. info: the Ethernet header length | TCP flags << 8.
 */
static __always_inline int xlb_nat_reply_fam(struct xdp_md *ctx, const struct xlb_flow_key *key,
					     __u32 info, const __u8 family)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, l2 = (info & 0xff) == 18 ? 18 : 14, l3_len, tos_fi, slot, mtu = 0;
	__u8 tcp_flags = info >> 8;
	struct xlb_nat_scratch *scr;
	struct bpf_fib_lookup *fib;
	const struct xlb_nat_cfg *cfg;
	const struct xlb_addr *daddr;
	struct xlb_nat_rev *rv;
	struct xlb_nexthop *nh;
	struct ethhdr *eth = data;
	__be16 dport;
	__u64 now;
	void *l3;
	int rc, action;

	if (!key || key->family != family)
		return -1;
	rv = bpf_map_lookup_elem(&XLB_NATREV_MAP, key);
	if (!rv)
		return -1;
	cfg = bpf_map_lookup_elem(&XLB_NATCFG_MAP, &zero);
	scr = bpf_map_lookup_elem(&XLB_NATSCRATCH_MAP, &zero);
	if (!cfg || !scr)
		return -1;
	fib = &scr->fib;
	now = xlb_now();
	if (xlb_nat_expired(cfg, key->proto, rv, now)) {
		xlb_nat_count(XLB_NAT_STAT_REPLY_EXPIRED);
		return -1;
	}
	if ((void *)(eth + 1) > data_end)
		return -1;
	l3 = xlb_nat_l3(data, l2, data_end, family, key->proto);
	if (!l3)
		return -1;
	if (family == XLB_AF_INET) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > data_end)
			return -1;
		l3_len = bpf_ntohs(iph->tot_len);
		tos_fi = iph->tos;
	} else {
		struct ipv6hdr *ip6h = l3;

		if ((void *)(ip6h + 1) > data_end)
			return -1;
		l3_len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
		tos_fi = *(__be32 *)ip6h & bpf_htonl(0x0fffffff);
	}
	xlb_nat_touch(rv, tcp_flags, now, 1);
	daddr = rv->fwd == XLB_FWD_FULLNAT ? &rv->client : &key->dst;
	dport = rv->fwd == XLB_FWD_FULLNAT ? rv->cport : key->dport;

	/*
	 * The next hop toward the client: from this CPU's reply cache while
	 * fresh (xlb_nhrev_v1, one slot per client address hash), else the FIB,
	 * whose answer then fills the slot (as fwd.h does per backend).
	 */
	slot = (bpf_ntohl(daddr->a[0] ^ daddr->a[1] ^ daddr->a[2] ^ daddr->a[3]) * 2654435761u) >>
	       (32 - XLB_NHREV_BITS);
	nh = bpf_map_lookup_elem(&XLB_NHREV_MAP, &slot);
	if (!nh)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_FIB);
	if (!(now < nh->expires_ns && nh->family == family && xlb_nat_addr_eq(&nh->addr, daddr))) {
		__builtin_memset(fib, 0, sizeof(*fib));
		if (family == XLB_AF_INET) {
			fib->family = XLB_FIB_AF_INET;
			fib->ipv4_src = rv->vip.a[0];
			fib->ipv4_dst = daddr->a[0];
			fib->tos = tos_fi;
		} else {
			fib->family = XLB_FIB_AF_INET6;
			__builtin_memcpy(fib->ipv6_src, &rv->vip, 16);
			__builtin_memcpy(fib->ipv6_dst, daddr, 16);
			fib->flowinfo = tos_fi;
		}
		fib->l4_protocol = key->proto;
		fib->sport = rv->vport;
		fib->dport = dport;
		fib->tot_len = l3_len;
		fib->ifindex = ctx->ingress_ifindex;
		rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
		if (rc != BPF_FIB_LKUP_RET_SUCCESS)
			return xlb_verdict(XDP_DROP,
					   rc == BPF_FIB_LKUP_RET_NO_NEIGH	? XLB_STAT_DROP_NO_NEIGH
					   : rc == BPF_FIB_LKUP_RET_FRAG_NEEDED ? XLB_STAT_DROP_TOO_BIG
										: XLB_STAT_DROP_FIB);
		bpf_check_mtu(ctx, fib->ifindex, &mtu, 0, 0);
		nh->addr = *daddr;
		nh->family = family;
		nh->ifindex = fib->ifindex;
		nh->mtu = mtu > 0xffff ? 0xffff : mtu;
		__builtin_memcpy(nh->dmac, fib->dmac, ETH_ALEN);
		__builtin_memcpy(nh->smac, fib->smac, ETH_ALEN);
		nh->expires_ns = xlb_cfg_nh_ttl_ns ? now + xlb_cfg_nh_ttl_ns : 0;
	}
	if (l3_len > nh->mtu)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_TOO_BIG);
	if (nh->ifindex == ctx->ingress_ifindex) {
		action = XDP_TX;
	} else {
		if (bpf_redirect_map(&XLB_TXPORTS_MAP, nh->ifindex, 0) != XDP_REDIRECT)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_REDIRECT);
		action = XDP_REDIRECT;
	}
	if (xlb_nat_rewrite(l3, data_end, family, key->proto, &rv->vip, daddr, rv->vport, dport))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	return xlb_verdict(action, XLB_STAT_FWD_NAT_REPLY);
}

__attribute__((noinline)) int xlb_nat_reply4(struct xdp_md *ctx, const struct xlb_flow_key *key,
					     __u32 info)
{
	return xlb_nat_reply_fam(ctx, key, info, XLB_AF_INET);
}

__attribute__((noinline)) int xlb_nat_reply6(struct xdp_md *ctx, const struct xlb_flow_key *key,
					     __u32 info)
{
	return xlb_nat_reply_fam(ctx, key, info, XLB_AF_INET6);
}

#endif /* XLB_BPF_NATFWD_H */
