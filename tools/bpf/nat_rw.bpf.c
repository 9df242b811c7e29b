// SPDX-License-Identifier: GPL-2.0-only
/*
 * nat_rw.bpf.c - a harness for bpf/nat.h, used by tests/bpf/test_nat.c: it
 * rewrites an untagged IPv4/IPv6 TCP/UDP packet's addresses and ports to the
 * values set in its globals and returns XDP_TX (XDP_ABORTED if it cannot
 * parse). Not part of the product; the data path is to use nat.h from xlb.bpf.c.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>

/* libbpf's headers need the kernel types above */
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "../../bpf/nat.h"

const volatile __be32 saddr4, daddr4;
const volatile __u32 saddr6[4], daddr6[4]; /* network order words */
const volatile __be16 sport, dport;

/* A whole TCP header for TCP, UDP header for UDP; other protocols refused. */
static __always_inline int l4_fits(void *l4, void *data_end, __u8 proto)
{
	/* the TCP bound covers UDP's 8 bytes too; one check keeps the verifier's view simple */
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0;
	return (void *)((struct tcphdr *)l4 + 1) <= data_end;
}

SEC("xdp")
int xlb_nat_rw(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end || iph->ihl != 5)
			return XDP_ABORTED;
		l4 = iph + 1;
		if (!l4_fits(l4, data_end, iph->protocol))
			return XDP_ABORTED;
		xlb_nat_rewrite4(iph, l4, saddr4, daddr4, sport, dport);
		return XDP_TX;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);
		struct in6_addr s, d;
		int i;

		for (i = 0; i < 4; i++) {
			s.in6_u.u6_addr32[i] = saddr6[i];
			d.in6_u.u6_addr32[i] = daddr6[i];
		}

		if ((void *)(ip6h + 1) > data_end)
			return XDP_ABORTED;
		l4 = ip6h + 1;
		if (!l4_fits(l4, data_end, ip6h->nexthdr))
			return XDP_ABORTED;
		xlb_nat_rewrite6(ip6h, l4, ip6h->nexthdr, &s, &d, sport, dport);
		return XDP_TX;
	}
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
