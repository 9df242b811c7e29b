// SPDX-License-Identifier: GPL-2.0-only
/*
 * pktsink.bpf.c - a receiver that counts and drops: the backends of
 * tools/bench-e2e.sh and the receiver of tests/integration/test_pktgen.sh.
 *
 * Counts every frame (packets, bytes; per CPU) and drops it. With bit 0 of
 * sink_cfg[0] set (tools/pktsink.sh track), it also records each distinct
 * IPv4/IPv6 TCP/UDP 5-tuple in sink_flows, so a test can check that a
 * generator varies its flows. The knob is a map, not rodata, so that
 * `ip link set ... xdp obj` can load the object as it is.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define SINK_TRACK_FLOWS 1u

struct sink_flow {
	__u32 src[4], dst[4]; /* IPv4 in [0], rest zero */
	__u16 sport, dport;   /* network order */
	__u8 proto, pad[3];
};
_Static_assert(sizeof(struct sink_flow) == 40, "sink_flow layout");

/* [0]: packets, [1]: bytes; summed over CPUs by tools/pktsink.sh. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

/* [0]: SINK_* flags, written from user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sink_cfg SEC(".maps");

/* Distinct 5-tuples seen while tracking -> packets (approximate, racy). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct sink_flow);
	__type(value, __u64);
} sink_flows SEC(".maps");

static __always_inline void record_flow(void *data, void *data_end)
{
	struct sink_flow fl = {};
	struct ethhdr *eth = data;
	__u16 *ports;
	__u64 one = 1, *v;

	if ((void *)(eth + 1) > data_end)
		return;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		__u8 *ip = (void *)(eth + 1);

		if ((void *)(ip + 20) > data_end || (ip[0] & 0xf) != 5)
			return;
		fl.proto = ip[9];
		__builtin_memcpy(&fl.src[0], ip + 12, 4);
		__builtin_memcpy(&fl.dst[0], ip + 16, 4);
		ports = (void *)(ip + 20);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		__u8 *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 40) > data_end)
			return;
		fl.proto = ip6[6];
		__builtin_memcpy(fl.src, ip6 + 8, 16);
		__builtin_memcpy(fl.dst, ip6 + 24, 16);
		ports = (void *)(ip6 + 40);
	} else {
		return;
	}
	if (fl.proto != IPPROTO_TCP && fl.proto != IPPROTO_UDP)
		return;
	if ((void *)(ports + 2) > data_end)
		return;
	fl.sport = ports[0];
	fl.dport = ports[1];
	v = bpf_map_lookup_elem(&sink_flows, &fl);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&sink_flows, &fl, &one, BPF_NOEXIST);
}

SEC("xdp")
int xlb_pktsink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 k = 0, *cfg;
	__u64 *c;

	c = bpf_map_lookup_elem(&sink_count, &k);
	if (c)
		*c += 1;
	k = 1;
	c = bpf_map_lookup_elem(&sink_count, &k);
	if (c)
		*c += data_end - data;
	k = 0;
	cfg = bpf_map_lookup_elem(&sink_cfg, &k);
	if (cfg && (*cfg & SINK_TRACK_FLOWS))
		record_flow(data, data_end);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
