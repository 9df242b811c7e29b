// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlb.bpf.c - the XDP Layer-4 load balancer.
 *
 * parse -> service lookup -> filters (ACLs; rate limit for new flows) ->
 * connection table / schedule -> FIB -> TX/redirect.
 * Anything not addressed to a VIP leaves with XDP_PASS, untouched. Every
 * packet is counted exactly once under one XLB_STAT_* reason.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb.h"
#include "maps.h"
#include "parse.h"
#include "stats.h"
#include "sched.h"
#include "fwd.h"
#include "encap.h"
#include "icmp.h"
#include "filter.h"
#include "clock.h"
#include "fcache.h"
#include "capture.h"
#include "syncookie.h"
#include "probe.h"

/*
 * Loader knob (set through the skeleton's rodata before load): consult the
 * XLB_VIPFILTER_MAP prefilter before the exact service lookup. Off by default so
 * that a loader unaware of the prefilter never loses VIP traffic; when off,
 * the verifier removes the dead branch.
 */
const volatile __u8 xlb_cfg_prefilter = 0;

/*
 * Loader knob: use the per-CPU flow cache (fcache.h; only on the prefilter
 * path). On by default; lbd --no-flow-cache clears it for traffic made of
 * so many short flows that the cache rarely hits (each miss costs a read).
 */
const volatile __u8 xlb_cfg_fcache = 1;

/* Prefilter: 0 when the (dst, dport) bucket is definitely not a service. */
static __always_inline int xlb_maybe_vip(const struct xlb_flow_key *key)
{
	__u32 b = xlb_vfilter_bucket(&key->dst, key->dport);
	__u32 w = b / 64;
	/* Array lookup with a constant map: inlined by the verifier (no call). */
	__u64 *bits = bpf_map_lookup_elem(&XLB_VIPFILTER_MAP, &w);

	return bits && (*bits >> (b % 64)) & 1;
}

/*
 * Not addressed to a VIP: the kernel's, unless it is a backend's reply to a
 * nat/fullnat flow (natfwd.h), which only a live reverse entry says.
 */
static __always_inline int xlb_not_vip(struct xdp_md *ctx, const struct xlb_flow_key *key,
				       const struct xlb_pkt *pkt)
{
	if (xlb_nat_maybe_reply(key)) {
		__u32 info = pkt->l2_len | (__u32)pkt->tcp_flags << 8;
		int act = key->family == XLB_AF_INET ? xlb_nat_reply4(ctx, key, info)
						     : xlb_nat_reply6(ctx, key, info);

		if (act >= 0)
			return act;
	}
	return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_VIP);
}

/*
 * A packet we could not parse to its ports: drop it only if it was meant for
 * a VIP address (we cannot balance it and the node itself must not answer),
 * otherwise it is none of our business.
 */
static __always_inline int xlb_unparsable(const struct xlb_flow_key *key, __u32 drop_reason)
{
	struct xlb_vip_key vk;

	__builtin_memset(&vk, 0, sizeof(vk)); /* map key: every byte defined */
	vk.addr = key->dst;
	vk.family = key->family;
	if (!bpf_map_lookup_elem(&XLB_VIPADDRS_MAP, &vk))
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_VIP);
	return xlb_verdict(XDP_DROP, drop_reason);
}

/*
 * An ICMP/ICMPv6 packet: errors quoting a VIP flow go to the flow's backend
 * (see icmp.h); everything else ICMP is the kernel's (XDP_PASS).
 */
static __always_inline int xlb_icmp(struct xdp_md *ctx, struct xlb_flow_key *key,
				    struct xlb_pkt *pkt, void *data_end)
{
	struct xlb_backend *be;
	struct xlb_flow *flow;
	struct xlb_addr outer_dst = key->dst;
	__u32 be_id;
	__u64 now;

	switch (xlb_icmp_quote(pkt, data_end, key)) {
	case XLB_ICMP_QUOTE_OK:
		/*
		 * The error is about a reply the backend sent from the VIP, so it
		 * is addressed to the VIP (the quote's source). Anything else is
		 * not ours, whatever it quotes: it must leave untouched.
		 */
		if ((outer_dst.a[0] ^ key->dst.a[0]) | (outer_dst.a[1] ^ key->dst.a[1]) |
		    (outer_dst.a[2] ^ key->dst.a[2]) | (outer_dst.a[3] ^ key->dst.a[3]))
			return xlb_verdict(XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW);
		break;
	case XLB_ICMP_NOT_ERROR:
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_L4);
	default:
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW);
	}
	flow = xlb_ct_lookup(key);
	if (!flow)
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW);
	now = xlb_now();
	be = xlb_flow_backend(flow, now, &be_id);
	if (!be)
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW);
	/*
	 * Never schedules, never touches lc counts; not in service/backend
	 * counters. Sent the way the flow's packets go (encapsulated or not).
	 */
	return xlb_forward(ctx, key, pkt, be, be_id, now, flow->fwd, 1);
}

/* The data path (inlined once into xlb_xdp_ingress: its returns end it). */
static __always_inline int xlb_process(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* 8-aligned: fcache.h compares it as five 8-byte words. */
	struct xlb_flow_key key __attribute__((aligned(8)));
	struct xlb_vip_key vk;
	struct xlb_pkt pkt;
	struct xlb_svc *svc;
	struct xlb_flow *flow = NULL;
	struct xlb_backend *be = NULL;
	struct xlb_filters fs;
	struct xlb_fcache_ref fc;
	int cached = 0; /* fc names this flow's slot and the packet may use it */
	__u32 be_id = 0, new_flow = 0, svc_id, reason, syn, renew = 0;
	__u8 fwd;
	__u64 len, now;

	__builtin_memset(&key, 0, sizeof(key)); /* map key: padding must be zero */
	switch (xlb_parse(data, data_end, &key, &pkt)) {
	case XLB_PARSE_OK:
		break;
	case XLB_PARSE_NOT_IP:
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_IP);
	case XLB_PARSE_NOT_L4:
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_L4);
	case XLB_PARSE_FRAGMENT:
		return xlb_unparsable(&key, XLB_STAT_DROP_FRAGMENT);
	case XLB_PARSE_ICMP:
		return xlb_icmp(ctx, &key, &pkt, data_end);
	case XLB_PARSE_IPV6_EXT:
		return xlb_unparsable(&key, XLB_STAT_DROP_IPV6_EXT);
	default:
		return xlb_unparsable(&key, XLB_STAT_DROP_MALFORMED);
	}

	/*
	 * Coarse clock (tick resolution, no TSC read, cached per CPU and tick:
	 * clock.h): good enough for flow idle times and cache expiry.
	 * Frame length for byte counters: packet-pointer subtraction needs
	 * allow_ptr_leaks (CAP_PERFMON); lbd and the tests run as root.
	 */
	len = data_end - data;

	/*
	 * A bare TCP SYN is almost always a new connection: it skips the
	 * connection-table lookup and tries an insertion first (see
	 * xlb_schedule_syn), falling back to the lookup when that fails.
	 * UDP has tcp_flags 0.
	 */
	syn = (pkt.tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;

	if (xlb_cfg_prefilter) {
		/* Fast path: one bit of the prefilter decides "not ours". */
		if (!xlb_maybe_vip(&key))
			return xlb_not_vip(ctx, &key, &pkt);
		/*
		 * Established flows skip the service lookup: the entry exists
		 * only for VIP traffic and names its service; a removed service
		 * deactivates its backends (lbd), which sends its flows down the
		 * slow path below, where the missing service passes them.
		 */
		now = xlb_now();
		/*
		 * First the per-CPU flow cache: no kernel call on a hit
		 * (fcache.h). Its counters live in this CPU's clock entry,
		 * a line every packet reads already.
		 */
		if (xlb_cfg_fcache && xlb_fcache_ref(&key, &fc)) {
			if (xlb_fcache_eligible(pkt.tcp_flags)) {
				cached = 1;
			} else {
				xlb_fcache_kill(&fc); /* SYN, FIN, RST: the table decides */
				xlb_fcache_count(XLB_FC_KILL);
			}
			if (cached) {
				be = xlb_fcache_get(&fc, &key, now, &be_id, &svc_id, &fwd);
				if (!be)
					xlb_fcache_count(XLB_FC_MISS);
				if (be) {
					xlb_fcache_count(XLB_FC_HIT);
					xlb_filters_get(svc_id, &fs);
					reason = xlb_filter_acl(&key, svc_id, &fs);
					if (reason)
						return xlb_verdict(XDP_DROP, reason);
					goto forward;
				}
			}
		}
		if (!syn)
			flow = xlb_ct_lookup(&key);
		if (flow) {
			be = xlb_flow_backend(flow, now, &be_id);
			if (be) {
				if (cached) {
					xlb_fcache_put(&fc, &key, flow, be_id, now);
					xlb_fcache_count(XLB_FC_FILL);
				}
				svc_id = flow->svc_id;
				xlb_filters_get(svc_id, &fs);
				reason = xlb_filter_acl(&key, svc_id, &fs);
				if (reason)
					return xlb_verdict(XDP_DROP, reason);
				goto established;
			}
		}
	}

	vk.addr = key.dst;
	vk.port = key.dport;
	vk.proto = key.proto;
	vk.family = key.family;
	svc = bpf_map_lookup_elem(&XLB_VIPS_MAP, &vk);
	if (!svc)
		return xlb_not_vip(ctx, &key, &pkt);
	svc_id = svc->id;
	xlb_filters_get(svc_id, &fs);
	reason = xlb_filter_acl(&key, svc_id, &fs);
	if (reason)
		return xlb_verdict(XDP_DROP, reason);
	if (!xlb_cfg_prefilter)
		now = xlb_now();
	/* syn_cookies: the SYN is answered here, statelessly (syncookie.h). */
	if (syn && (svc->flags & XLB_SVC_F_SYNCOOKIE) && key.proto == IPPROTO_TCP) {
		int act = xlb_syncookie_synack(ctx, &key, pkt.l2_len | (__u32)svc->fwd << 8,
					       pkt.tcp_seq, svc_id);

		if (act >= 0)
			return act;
		/*
		 * Verifier: the callee may resize the frame (bpf_xdp_adjust_tail),
		 * so every packet pointer is invalid after the call, although it
		 * left the frame alone when it returns < 0: derive them again.
		 */
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		pkt.eth = data;
		pkt.l4 = NULL;
		if ((void *)(pkt.eth + 1) > data_end)
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	}
	/*
	 * Only where scheduling has no side effects and no rate limit would
	 * spend a token on a SYN whose flow may turn out to exist.
	 */
	if (syn && (svc->sched == XLB_SCHED_MAGLEV || svc->sched == XLB_SCHED_SH) &&
	    !xlb_rate_limited(&fs)) {
		be = xlb_schedule_syn(&key, svc, &be_id, now, pkt.tcp_seq);
		if (be) {
			new_flow = 1;
			fwd = svc->fwd;
			goto forward;
		}
	}
	if (!xlb_cfg_prefilter || syn) {
		flow = xlb_ct_lookup(&key);
		/*
		 * A SYN other than the retransmission of the entry's own is a new
		 * connection on a re-used 5-tuple (sched.h): schedule it afresh.
		 */
		if (flow && flow->svc_id == svc_id && syn &&
		    !xlb_flow_syn_retrans(flow, pkt.tcp_seq))
			renew = 1;
		else if (flow && flow->svc_id == svc_id)
			be = xlb_flow_backend(flow, now, &be_id);
	}
	if (be) {
		/* The SYN of an open entry, not renewed: a retransmission (sched.h). */
		if (syn && xlb_flow_mark_retx(flow)) {
			xlb_counters_retx(&XLB_SVC_STATS_MAP, svc_id);
			xlb_counters_retx(&XLB_BE_STATS_MAP, be_id);
		}
		goto established;
	}
	/* New flow, or its backend is no longer usable: (re)schedule. */
	if (flow && flow->svc_id != svc_id)
		flow = NULL; /* another service's entry: nothing of ours to release */
	/*
	 * syn_cookies: a flow starts only on an ACK with a valid cookie, which
	 * is then recorded like the SYN it stands for (its ISN included).
	 */
	if (!flow && (svc->flags & XLB_SVC_F_SYNCOOKIE) && key.proto == IPPROTO_TCP) {
		__be32 seq = pkt.tcp_seq; /* not &pkt.tcp_seq: keep pkt's stack slots intact */

		if (xlb_syncookie_ack(ctx, &key, pkt.l2_len | (__u32)pkt.tcp_flags << 8, &seq))
			return xlb_verdict(XDP_DROP, XLB_STAT_DROP_SYNCOOKIE_BAD);
		pkt.tcp_seq = seq;
		syn = 1;
	}
	/*
	 * Only a new connection is limited (no entry, or a new SYN on a re-used
	 * 5-tuple); rescheduling an existing flow away from its backend is not.
	 */
	if ((!flow || renew) && !xlb_rate_ok(&key, svc_id, now, &fs))
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	/*
	 * Verifier: without the barrier clang 14 folds "flow != NULL" into
	 * flags computed for the branches above, and the verifier, which cannot
	 * relate them, sees a NULL dereference in xlb_flow_close(old).
	 */
	asm volatile("" : "+r"(flow));
	be = xlb_schedule_new(&key, svc, flow, &be_id, now, syn, pkt.tcp_seq);
	if (!be) {
		xlb_counters_add(&XLB_SVC_STATS_MAP, svc_id, len, 0);
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NO_BACKEND);
	}
	new_flow = 1;
	fwd = svc->fwd; /* also recorded in the new flow entry */
	goto forward;

established:
	fwd = flow->fwd; /* the mode the flow started with, even if the service changed since */
	if (pkt.tcp_flags & (XLB_TCP_FIN | XLB_TCP_RST))
		xlb_flow_close(flow); /* the client ends it: no longer counted as open */
	else if (key.proto == IPPROTO_UDP && !(flow->flags & XLB_FLOW_F_SEEN2))
		xlb_udp_seen2(&key, be_id); /* its second packet: passive health of UDP (sched.h) */
forward:
	/*
	 * Service and backend counters count what was scheduled; a later FIB,
	 * neighbour or redirect failure shows in the global reason counters.
	 */
	xlb_counters_add(&XLB_SVC_STATS_MAP, svc_id, len, new_flow);
	xlb_counters_add(&XLB_BE_STATS_MAP, be_id, len, new_flow);

	return xlb_forward(ctx, &key, &pkt, be, be_id, now, fwd, 0);
}

#ifndef XLB_NO_CAPTURE
/*
 * Capture on (capture.h): the data path between the capture's two halves,
 * reached by a tail call from xlb_xdp_ingress through XLB_CAPPROG_MAP (lbd
 * puts this program there when a capture starts). A separate program, so
 * the fast path keeps nothing alive for the capture: holding the flag or
 * ctx across the data path cost the IPv6 path register spills (+3 ns).
 */
SEC("xdp")
int xlb_xdp_captured(struct xdp_md *ctx)
{
	int action;

	xlb_capture_before(ctx);
	action = xlb_process(ctx);
	xlb_capture_after(ctx, action);
	return action;
}
#endif

SEC("xdp")
int xlb_xdp_ingress(struct xdp_md *ctx)
{
#ifndef XLB_NO_CAPTURE /* bench_xdp --capture: the same program without the check */
	/* Capture off: one load of a global and one predictable branch. */
	if (xlb_capture_on)
		bpf_tail_call(ctx, &XLB_CAPPROG_MAP, 0); /* returns only if the slot is empty */
#endif
	return xlb_process(ctx);
}

/*
 * Health probes through the data path (probe.h): attached by lbd to the
 * probe interface (--probe-iface), never to the clients' one.
 */
SEC("xdp")
int xlb_xdp_probe(struct xdp_md *ctx)
{
	return xlb_probe(ctx);
}

char LICENSE[] SEC("license") = "GPL";
