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
 * Checksums are updated incrementally (nat.h). No TTL decrement: as in the
 * other modes the balancer is not a router hop for the flow. IPv4 only so
 * far: an IPv6 nat/fullnat flow drops (drop_nat); ICMP errors about NAT
 * flows are left to the kernel (counted: nat_icmp_passed).
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

/* Some service uses nat/fullnat (lbd sets it): only then are replies looked for. */
static __always_inline int xlb_nat_on(void)
{
	__u32 zero = 0;
	/* Array lookup with a constant key: inlined by the verifier (no call). */
	struct xlb_nat_cfg *c = bpf_map_lookup_elem(&XLB_NATCFG_MAP, &zero);

	return c && (c->flags & XLB_NAT_F_ON);
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

/* rv translates replies of the client flow key (IPv4: a[0] only is set). */
static __always_inline int xlb_nat_owner(const struct xlb_nat_rev *rv, const struct xlb_flow_key *key)
{
	return rv->cport == key->sport && rv->vport == key->dport &&
	       rv->client.a[0] == key->src.a[0] && rv->vip.a[0] == key->dst.a[0];
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
 * per-CPU cache per backend id, the same reasons. IPv4 only.
 */
static __always_inline struct xlb_nexthop *
xlb_nat_nexthop(struct xdp_md *ctx, struct xlb_nat_scratch *scr, const struct xlb_flow_key *key,
		const struct xlb_backend *be, __u32 be_id, __u64 now, __u32 tot_len, __be32 src,
		__u8 tos, __u32 *mtu_out, __u32 *reason)
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
	fib->family = XLB_FIB_AF_INET;
	fib->ipv4_dst = be->addr.a[0];
	fib->ipv4_src = src;
	fib->tos = tos;
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

/*
 * Translate and send the packet of flow key (client -> VIP) to backend
 * be_id. info: the Ethernet header length | TCP flags << 8 | forwarding
 * mode << 16 | icmp << 24 (scalars only: a global function, see above).
 */
__attribute__((noinline)) int xlb_nat_fwd(struct xdp_md *ctx, const struct xlb_flow_key *key,
					  __u32 be_id, __u32 info)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, l2 = (info & 0xff) == 18 ? 18 : 14, reason = 0, mtu = 0;
	__u8 tcp_flags = info >> 8, fwd = info >> 16;
	const struct xlb_nat_cfg *cfg;
	const struct xlb_nat_be *nb;
	struct xlb_nat_rev *rv = NULL;
	struct xlb_backend *be;
	struct xlb_nexthop *nh;
	struct xlb_nat_scratch *scr;
	struct xlb_flow *flow;
	struct xlb_flow_key *rk;
	struct xlb_pkt pkt = {};
	struct iphdr *iph;
	__be32 saddr;
	__be16 bport, sport;
	__u64 now;

	if (!key)
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
	if (!be || !nb || !cfg || !scr || key->family != XLB_AF_INET || be->family != XLB_AF_INET)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);
	if (fwd == XLB_FWD_FULLNAT && nb->snat_family != XLB_AF_INET)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NAT);
	if (data + sizeof(struct ethhdr) > data_end)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	iph = data + l2;
	if ((void *)(iph + 1) > data_end)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	if (!xlb_nat4_l4(iph, data_end, key->proto))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);

	bport = nb->port ? nb->port : key->dport;
	now = xlb_now();
	rk = &scr->rk;
	__builtin_memset(rk, 0, sizeof(*rk)); /* map key: padding must be zero */
	rk->src = be->addr;
	rk->sport = bport;
	rk->proto = key->proto;
	rk->family = XLB_AF_INET;
	if (fwd == XLB_FWD_FULLNAT) {
		rk->dst = nb->snat;
		sport = 0;
		flow = bpf_map_lookup_elem(&XLB_FLOWS_MAP, key);
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
		saddr = nb->snat.a[0];
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
		saddr = key->src.a[0];
		sport = key->sport;
	}
	if (rv)
		xlb_nat_touch(rv, tcp_flags, now, 0);

	/* Only what xlb_nexthop and xlb_too_big read of an IPv4 packet. */
	pkt.eth = data;
	pkt.l2_len = l2;
	pkt.l3_len = bpf_ntohs(iph->tot_len);
	pkt.tos = iph->tos;
	pkt.df = !!(iph->frag_off & bpf_htons(XLB_IP_DF));
	nh = xlb_nat_nexthop(ctx, scr, key, be, be_id, now, pkt.l3_len, saddr, pkt.tos, &mtu,
			     &reason);
	if (!nh) {
		if (reason == XLB_STAT_DROP_TOO_BIG)
			return xlb_too_big(ctx, key, &pkt, mtu, 0, 0);
		return xlb_verdict(XDP_DROP, reason);
	}
	if (pkt.l3_len > nh->mtu)
		return xlb_too_big(ctx, key, &pkt, nh->mtu, 0, 0);
	if (xlb_nat4_rewrite(iph, data_end, key->proto, saddr, be->addr.a[0], sport, bport))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	return xlb_xmit(ctx, data, pkt.l3_len, nh, 0);
}

/*
 * A packet addressed to no VIP: if it is a backend's reply to a nat/fullnat
 * flow (its 5-tuple has a live reverse entry), translate it back and send
 * it to the client; counted fwd_nat_reply. -1: not ours, the caller passes
 * it to the kernel untouched. info: the Ethernet header length | TCP flags << 8.
 */
__attribute__((noinline)) int xlb_nat_reply(struct xdp_md *ctx, const struct xlb_flow_key *key,
					    __u32 info)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, l2 = (info & 0xff) == 18 ? 18 : 14, l3_len;
	__u8 tcp_flags = info >> 8;
	struct xlb_nat_scratch *scr;
	struct bpf_fib_lookup *fib;
	const struct xlb_nat_cfg *cfg;
	struct xlb_nat_rev *rv;
	struct xlb_nexthop *nh;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 slot, mtu = 0;
	__be32 daddr;
	__be16 dport;
	__u64 now;
	int rc, action;

	if (!key || key->family != XLB_AF_INET)
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
	iph = data + l2;
	if ((void *)(iph + 1) > data_end)
		return -1;
	if (!xlb_nat4_l4(iph, data_end, key->proto))
		return -1;
	xlb_nat_touch(rv, tcp_flags, now, 1);
	daddr = rv->fwd == XLB_FWD_FULLNAT ? rv->client.a[0] : key->dst.a[0];
	dport = rv->fwd == XLB_FWD_FULLNAT ? rv->cport : key->dport;
	l3_len = bpf_ntohs(iph->tot_len);

	/*
	 * The next hop toward the client: from this CPU's reply cache while
	 * fresh (xlb_nhrev_v1, one slot per client address hash), else the FIB,
	 * whose answer then fills the slot (as fwd.h does per backend).
	 */
	slot = (bpf_ntohl(daddr) * 2654435761u) >> (32 - XLB_NHREV_BITS);
	nh = bpf_map_lookup_elem(&XLB_NHREV_MAP, &slot);
	if (!nh)
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_FIB);
	if (!(now < nh->expires_ns && nh->family == XLB_AF_INET && nh->addr.a[0] == daddr)) {
		__builtin_memset(fib, 0, sizeof(*fib));
		fib->family = XLB_FIB_AF_INET;
		fib->ipv4_src = rv->vip.a[0];
		fib->ipv4_dst = daddr;
		fib->tos = iph->tos;
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
		__builtin_memset(&nh->addr, 0, sizeof(nh->addr));
		nh->addr.a[0] = daddr;
		nh->family = XLB_AF_INET;
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
	if (xlb_nat4_rewrite(iph, data_end, key->proto, rv->vip.a[0], daddr, rv->vport, dport))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	return xlb_verdict(action, XLB_STAT_FWD_NAT_REPLY);
}

#endif /* XLB_BPF_NATFWD_H */
