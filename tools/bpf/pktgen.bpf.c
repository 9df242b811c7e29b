// SPDX-License-Identifier: GPL-2.0-only
/*
 * pktgen.bpf.c - the frame source of tools/pktgen.
 *
 * tools/pktgen runs this program with BPF_PROG_TEST_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES: every run turns one page-pool frame into a real
 * frame that leaves the interface (XDP_TX, which the kernel turns into a
 * redirect to ctx_in.ingress_ifindex).
 *
 * The kernel recycles the generator's pages, and they come back carrying
 * whatever the receiver wrote into them (MACs, TTL, addresses, checksums). So
 * every run first restores the L2-L4 headers from the template, then varies
 * the 5-tuple by a per-CPU packet counter and patches the IPv4 header and L4
 * checksums incrementally (RFC 1624). The payload is never written by any
 * receiver we feed, so it stays as BPF_PROG_TEST_RUN initialised it.
 *
 * Flow index f = counter % pg_flows is spread over the ranges in mixed radix:
 * source port fastest, then source address, destination port, destination
 * address. Only the low 32 bits of an address vary (IPv6 ranges share the
 * first 96 bits; tools/pktgen checks that).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define PG_TMPL_MAX 80 /* IPv6 + TCP is 74 bytes of headers */

/* Loader knobs (skeleton rodata, set before load). Addresses and ports in host order. */
const volatile __u8 pg_tmpl[PG_TMPL_MAX] __attribute__((aligned(8)));
const volatile __u32 pg_hdr_len;     /* bytes of pg_tmpl to restore, even */
const volatile __u32 pg_family;	     /* 4 or 6 */
const volatile __u32 pg_proto;	     /* IPPROTO_UDP or IPPROTO_TCP */
const volatile __u32 pg_flows = 1;   /* distinct 5-tuples, >= 1 */
const volatile __u32 pg_nsrc = 1;    /* size of each range, >= 1 */
const volatile __u32 pg_ndst = 1;
const volatile __u32 pg_nsport = 1;
const volatile __u32 pg_ndport = 1;
const volatile __u32 pg_src_lo;	     /* low 32 bits of the first address */
const volatile __u32 pg_dst_lo;
const volatile __u32 pg_sport_lo;
const volatile __u32 pg_dport_lo;

/* Set by tools/pktgen for its one probe run (are live frames allowed here?):
 * the frame is dropped before it is counted, so nothing is sent. */
volatile __u32 pg_probe;

/* Packets generated on each CPU; also the flow counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pg_count SEC(".maps");

/* One's-complement helpers on 16-bit words in network order. */
static __always_inline __u32 csum_add32(__u32 sum, __u32 be_old, __u32 be_new)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), summed per 16-bit word. */
	sum += (~be_old & 0xffff) + (~be_old >> 16);
	sum += (be_new & 0xffff) + (be_new >> 16);
	return sum;
}

static __always_inline __u16 csum_apply(__u16 be_check, __u32 sum)
{
	sum += (__u16)~be_check;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Restore pg_hdr_len bytes of header from the template. */
static __always_inline int restore_headers(void *data, void *data_end)
{
	int i;

	/* Constant bounds: the verifier sees fixed offsets after unrolling. */
#pragma unroll
	for (i = 0; i < PG_TMPL_MAX / 8; i++) {
		if ((__u32)(i + 1) * 8 > pg_hdr_len)
			break;
		if (data + (i + 1) * 8 > data_end)
			return -1;
		((__u64 *)data)[i] = ((const volatile __u64 *)pg_tmpl)[i];
	}
	/* The tail below 8 bytes, 2 at a time (header lengths are even). */
#pragma unroll
	for (i = 0; i < 3; i++) {
		__u32 off = (pg_hdr_len & ~7u) + i * 2;

		if (off + 2 > pg_hdr_len || off + 2 > PG_TMPL_MAX)
			break;
		if (data + off + 2 > data_end)
			return -1;
		*(__u16 *)(data + off) = *(const volatile __u16 *)&pg_tmpl[off];
	}
	return 0;
}

SEC("xdp")
int xlb_pktgen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 key = 0, f, sp, dp, sa, da, l4_off, *saddr, *daddr, sum;
	__be32 old_sa, old_da, new_sa, new_da;
	__be16 *ports, *l4_check;
	__u64 *cnt;

	if (pg_probe)
		return XDP_DROP;
	cnt = bpf_map_lookup_elem(&pg_count, &key);
	if (!cnt)
		return XDP_ABORTED;
	f = *cnt % pg_flows;
	*cnt += 1;

	if (restore_headers(data, data_end))
		return XDP_ABORTED;
	if (f == 0)
		return XDP_TX; /* the template is flow 0 */

	sp = f % pg_nsport;
	f /= pg_nsport;
	sa = f % pg_nsrc;
	f /= pg_nsrc;
	dp = f % pg_ndport;
	f /= pg_ndport;
	da = f % pg_ndst;

	/* Offsets are constant per family: no VLAN tag in generated frames. */
	if (pg_family == 4) {
		struct iphdr_min {
			__u8 ver_ihl, tos;
			__be16 tot_len, id, frag_off;
			__u8 ttl, proto;
			__be16 check;
			__be32 saddr, daddr;
		} *iph = data + ETH_HLEN;

		if ((void *)(iph + 1) > data_end)
			return XDP_ABORTED;
		saddr = &iph->saddr;
		daddr = &iph->daddr;
		l4_off = ETH_HLEN + sizeof(*iph);
	} else {
		__u32 *ip6 = data + ETH_HLEN;

		if ((void *)(ip6 + 10) > data_end) /* 40-byte header */
			return XDP_ABORTED;
		saddr = &ip6[5]; /* last word of the source address */
		daddr = &ip6[9];
		l4_off = ETH_HLEN + 40;
	}
	ports = data + l4_off;
	if (pg_proto == IPPROTO_TCP) {
		if ((void *)(ports + 10) > data_end) /* 20-byte TCP header */
			return XDP_ABORTED;
		l4_check = &ports[8];
	} else {
		if ((void *)(ports + 4) > data_end) /* 8-byte UDP header */
			return XDP_ABORTED;
		l4_check = &ports[3];
	}

	old_sa = *saddr;
	old_da = *daddr;
	new_sa = bpf_htonl(pg_src_lo + sa);
	new_da = bpf_htonl(pg_dst_lo + da);
	*saddr = new_sa;
	*daddr = new_da;
	sum = csum_add32(0, old_sa, new_sa);
	sum = csum_add32(sum, old_da, new_da);

	if (pg_family == 4) {
		__be16 *ip_check = data + ETH_HLEN + 10;

		if ((void *)(ip_check + 1) > data_end)
			return XDP_ABORTED;
		*ip_check = csum_apply(*ip_check, sum);
	}

	sum = csum_add32(sum, ((__u32)ports[1] << 16) | ports[0],
			 ((__u32)bpf_htons(pg_dport_lo + dp) << 16) | bpf_htons(pg_sport_lo + sp));
	ports[0] = bpf_htons(pg_sport_lo + sp);
	ports[1] = bpf_htons(pg_dport_lo + dp);
	*l4_check = csum_apply(*l4_check, sum);
	/* UDP: a computed 0 is sent as 0xffff (0 means "no checksum"). */
	if (pg_proto == IPPROTO_UDP && *l4_check == 0)
		*l4_check = 0xffff;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
