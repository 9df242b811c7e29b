// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlb.bpf.c - the XDP Layer-4 load balancer.
 *
 * parse -> service lookup -> connection table / schedule -> FIB -> TX/redirect.
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

/*
 * Loader knob (set through the skeleton's rodata before load): consult the
 * xlb_vfilt_v1 prefilter before the exact service lookup. Off by default so
 * that a loader unaware of the prefilter never loses VIP traffic; when off,
 * the verifier removes the dead branch.
 */
const volatile __u8 xlb_cfg_prefilter = 0;

/* Prefilter: 0 when the (dst, dport) bucket is definitely not a service. */
static __always_inline int xlb_maybe_vip(const struct xlb_flow_key *key)
{
	__u32 b = xlb_vfilter_bucket(&key->dst, key->dport);
	__u32 w = b / 64;
	/* Array lookup with a constant map: inlined by the verifier (no call). */
	__u64 *bits = bpf_map_lookup_elem(&xlb_vfilt_v1, &w);

	return bits && (*bits >> (b % 64)) & 1;
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
	if (!bpf_map_lookup_elem(&xlb_vaddr_v1, &vk))
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_VIP);
	return xlb_verdict(XDP_DROP, drop_reason);
}

SEC("xdp")
int xlb_xdp_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_flow_key key;
	struct xlb_vip_key vk;
	struct xlb_pkt pkt;
	struct xlb_svc *svc;
	struct xlb_backend *be;
	__u32 be_id, new_flow, svc_id;
	__u64 len;

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
	default:
		return xlb_unparsable(&key, XLB_STAT_DROP_MALFORMED);
	}

	/* Fast path: one hash lookup (or one bit of the prefilter) decides "not ours". */
	if (xlb_cfg_prefilter && !xlb_maybe_vip(&key))
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_VIP);
	vk.addr = key.dst;
	vk.port = key.dport;
	vk.proto = key.proto;
	vk.family = key.family;
	svc = bpf_map_lookup_elem(&xlb_vips_v1, &vk);
	if (!svc)
		return xlb_verdict(XDP_PASS, XLB_STAT_PASS_NOT_VIP);

	/*
	 * Frame length for byte counters. Packet-pointer subtraction needs
	 * allow_ptr_leaks (CAP_PERFMON); lbd and the tests run as root.
	 */
	len = data_end - data;
	svc_id = svc->id;
	be = xlb_schedule(&key, svc, &be_id, &new_flow);
	if (!be) {
		xlb_counters_add(&xlb_svcst_v1, svc_id, len, 0);
		return xlb_verdict(XDP_DROP, XLB_STAT_DROP_NO_BACKEND);
	}
	/*
	 * Service and backend counters count what was scheduled; a later FIB,
	 * neighbour or redirect failure shows in the global reason counters.
	 */
	xlb_counters_add(&xlb_svcst_v1, svc_id, len, new_flow);
	xlb_counters_add(&xlb_best_v1, be_id, len, new_flow);

	/* XLB_FWD_DSR_L2 is the only mode so far (svc->fwd is validated by lbd). */
	return xlb_fwd_dsr_l2(ctx, &key, &pkt, be);
}

char LICENSE[] SEC("license") = "GPL";
