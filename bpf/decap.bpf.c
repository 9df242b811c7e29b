// SPDX-License-Identifier: GPL-2.0-only
/*
 * decap.bpf.c - decapsulation for backends behind an xlb in `ipip` or `gue`
 * mode, for hosts without the kernel's ipip/ip6_tunnel/fou modules. Attach
 * at tc ingress of the interface facing the balancer (tools/decap-install):
 *
 *   IPv4 proto 4  (IPv4-in-IPv4)          -> inner IPv4
 *   IPv6 nh 41    (IPv6-in-IPv6)          -> inner IPv6
 *   IPv4/IPv6 UDP to the GUE port (6080)  -> inner IP (GUE variant 1: the
 *                                            UDP payload is the IP packet)
 *
 * The outer IP (+ UDP) header is removed with bpf_skb_adjust_room in
 * BPF_ADJ_ROOM_MAC mode: the bytes right after the Ethernet header go, the
 * Ethernet header stays, and the stack receives the inner packet as if it
 * had arrived on this interface (addressed to the VIP, which the backend
 * holds on lo). The inner family must equal the outer one (what xlb sends);
 * anything else encapsulated is dropped and counted. Everything that is not
 * encapsulated for us passes untouched, and so do outer fragments (the stack
 * reassembles them; they are then not decapsulated: keep the path MTU
 * large enough, see docs/forwarding.md).
 *
 * Built a second time as synck.bpf.o (bpf/synck.bpf.c, bpf/synck.h): the
 * same program that also completes the handshakes of the balancer's SYN
 * cookies; tools/decap-install --syn-cookie-secret installs that one.
 *
 * Like the kernel's own tunnels without a configured remote, this accepts
 * encapsulated packets from any source: put it only on interfaces that
 * untrusted hosts cannot send such packets to, or filter the outer source.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xlb.h"

#define XLB_IPPROTO_IPIP 4
#define XLB_IPPROTO_IPV6 41
#define XLB_IP_MF	 0x2000
#define XLB_IP_OFFSET	 0x1fff
/* Ethernet + IPv4 with options (60) + UDP + the inner version byte. */
#define XLB_DECAP_PULL	 (14 + 60 + 8 + 1)

/* Settings, key 0 (XLB_MAP_DECAP_CFG): the GUE port; all-zero = defaults. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_decap_cfg);
} xlb_dcfg_v1 SEC(".maps");

/* Per-CPU counters by enum xlb_decap_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_DECAP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xlb_dstat_v1 SEC(".maps");

static __always_inline int xlb_dcount(int action, __u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&xlb_dstat_v1, &reason);

	if (v)
		*v += 1;
	return action;
}

/*
 * Strip olen bytes after the Ethernet header if an inner IP packet of
 * family `proto` (ETH_P_IP / ETH_P_IPV6) follows them.
 */
static __always_inline int xlb_strip(struct __sk_buff *skb, void *inner, void *data_end,
				     __u32 olen, __be16 proto, __u32 reason)
{
	__u8 *v = inner;

	if ((void *)(v + 1) > data_end)
		return xlb_dcount(TC_ACT_SHOT, XLB_DECAP_ERR_INNER);
	if ((*v >> 4) != (proto == bpf_htons(ETH_P_IP) ? 4 : 6))
		return xlb_dcount(TC_ACT_SHOT, XLB_DECAP_ERR_INNER);
	/*
	 * Same L3 family inside and out: no BPF_F_ADJ_ROOM_DECAP_L3_* flag
	 * (skb->protocol and the Ethernet type stay right). FIXED_GSO: a GRO
	 * aggregate keeps its gso_size (the MSS of the inner TCP is unchanged).
	 */
	if (bpf_skb_adjust_room(skb, -(__s32)olen, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_FIXED_GSO))
		return xlb_dcount(TC_ACT_SHOT, XLB_DECAP_ERR_ADJUST);
	return xlb_dcount(TC_ACT_OK, reason);
}

static __always_inline int xlb_decap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct xlb_decap_cfg *cfg;
	__be16 gue_port = bpf_htons(XLB_GUE_PORT_DEFAULT);
	__u32 zero = 0;

	/*
	 * The headers we read must be in the linear part of the skb: pull up
	 * to the largest outer header + the inner version byte when they are
	 * not (rare: drivers and GRO keep headers linear), then re-derive.
	 */
	if (data + XLB_DECAP_PULL > data_end && skb->len > XLB_DECAP_PULL) {
		if (bpf_skb_pull_data(skb, XLB_DECAP_PULL))
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		eth = data;
	}
	if ((void *)(eth + 1) > data_end)
		return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
	cfg = bpf_map_lookup_elem(&xlb_dcfg_v1, &zero);
	if (cfg && cfg->gue_port)
		gue_port = cfg->gue_port;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);
		struct udphdr *uh;
		__u32 hlen;

		if ((void *)(iph + 1) > data_end || iph->ihl < 5)
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		if (iph->frag_off & bpf_htons(XLB_IP_MF | XLB_IP_OFFSET))
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		hlen = iph->ihl * 4; /* 20..60: options are stripped with the header */
		if (iph->protocol == XLB_IPPROTO_IPIP)
			return xlb_strip(skb, (void *)iph + hlen, data_end, hlen, bpf_htons(ETH_P_IP),
					 XLB_DECAP_IPIP);
		if (iph->protocol != IPPROTO_UDP)
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		uh = (void *)iph + hlen;
		if ((void *)(uh + 1) > data_end || uh->dest != gue_port)
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		return xlb_strip(skb, uh + 1, data_end, hlen + sizeof(*uh), bpf_htons(ETH_P_IP),
				 XLB_DECAP_GUE4);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);
		struct udphdr *uh;

		/* Extension headers (fragments included) are not followed: passed. */
		if ((void *)(ip6h + 1) > data_end)
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		if (ip6h->nexthdr == XLB_IPPROTO_IPV6)
			return xlb_strip(skb, ip6h + 1, data_end, sizeof(*ip6h),
					 bpf_htons(ETH_P_IPV6), XLB_DECAP_IP6IP6);
		if (ip6h->nexthdr != IPPROTO_UDP)
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		uh = (void *)(ip6h + 1);
		if ((void *)(uh + 1) > data_end || uh->dest != gue_port)
			return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
		return xlb_strip(skb, uh + 1, data_end, sizeof(*ip6h) + sizeof(*uh),
				 bpf_htons(ETH_P_IPV6), XLB_DECAP_GUE6);
	}
	return xlb_dcount(TC_ACT_OK, XLB_DECAP_PASS);
}

#ifdef XLB_DECAP_SYNCOOKIE
#include "synck.h"
#endif

SEC("tc")
int xlb_tc_decap(struct __sk_buff *skb)
{
	int act = xlb_decap(skb);

#ifdef XLB_DECAP_SYNCOOKIE
	/* The (decapsulated) packet may be the ACK of a balancer's SYN cookie. */
	if (act == TC_ACT_OK)
		xlb_synck(skb);
#endif
	return act;
}

char LICENSE[] SEC("license") = "GPL";
