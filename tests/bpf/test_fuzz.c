// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_fuzz.c - random and mutated packets through the XDP program
 * (BPF_PROG_TEST_RUN), checking two invariants on every single packet:
 *
 *  1. Not ours, not touched. The oracle, computed in user space exactly as the
 *     data path locates it: after Ethernet (and at most one 802.1Q/802.1ad
 *     tag), an IPv4 ethertype with >= 20 bytes of IP header, or an IPv6
 *     ethertype with >= 40 bytes, has a destination address field (IPv4
 *     bytes 16..19, IPv6 bytes 24..39, whatever the version nibble says). If
 *     there is no such field, or it is not a VIP address, the packet must
 *     leave with XDP_PASS and byte-identical.
 *  2. Counted once. Exactly one global reason counter moves by exactly one
 *     per packet, and it agrees with the action (drop_* with XDP_DROP, pass_*
 *     with XDP_PASS, fwd_tx / tx_too_big with XDP_TX, fwd_redirect with
 *     XDP_REDIRECT, fwd_icmp with either).
 *
 * Inputs (deterministic: xorshift seeded with XLB_FUZZ_SEED, default 1):
 * valid packets to the VIPs (IPv4/IPv6, TCP/UDP, VLAN tagged, ICMP errors
 * quoting VIP flows, a filtered service with ACLs and a rate limit) and to
 * other addresses, mutated 1-4 times (bit flips, byte writes, truncation,
 * extension, IPv4 IHL / total length / fragment fields, IPv6 payload length
 * / next header (extension headers), random protocol, ports, addresses,
 * adding or removing a VLAN tag), and fully random frames.
 * XLB_FUZZ_PACKETS (default 1,000,000) packets, one BPF_PROG_TEST_RUN each,
 * counters read with one batched lookup per packet.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "filter.h"
#include "bpf_lab.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"

#define TBL 7

static struct {
	int state;
	struct xlb *skel;
	int prog_fd, ifx0, ncpus, stats_fd;
} lab;

static const char *const stat_names[] = {
#define XLB_STAT_NAME(e, name, help) name,
    XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

/* VIP addresses (the oracle's set) and services on them. */
static const char *const vips4[] = {"10.9.0.100", "10.9.0.101"};
static const char *const vips6[] = {"fd00:9::100"};
static __u8 vip4_bin[2][4], vip6_bin[1][16];

struct fsvc {
	__u32 id;
	const char *vip;
	__u16 port;
	__u8 proto;
	__u32 be;
};
static const struct fsvc svcs[] = {
    {1, "10.9.0.100", 80, IPPROTO_TCP, 1},
    {2, "10.9.0.100", 53, IPPROTO_UDP, 2},
    {3, "fd00:9::100", 443, IPPROTO_TCP, 3},
    {4, "10.9.0.101", 80, IPPROTO_TCP, 4}, /* ACLs and a rate limit */
    {5, "10.9.0.101", 81, IPPROTO_TCP, 5}, /* backend on the other interface: redirect */
};
static const char *const bes[] = {NULL, "10.9.0.11", "10.9.0.12", "fd00:9::11", "10.9.0.13",
				  "10.9.1.11"};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int group_setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	lab.state = -1;
	if (unshare(CLONE_NEWNET))
		return 0;
	if (system("ip link set lo up && "
		   "ip link add xz0 address 02:00:00:00:00:01 type veth peer name xz1 && "
		   "ip link add xz2 address 02:00:00:00:01:01 type veth peer name xz3 && "
		   "for i in xz0 xz1 xz2 xz3; do ip link set $i up; done && "
		   "ip addr add 10.9.0.1/24 dev xz0 && ip -6 addr add fd00:9::1/64 dev xz0 nodad && "
		   "ip addr add 10.9.1.1/24 dev xz2 && ip link set xz0 mtu 1500 && "
		   "sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 && "
		   "ip neigh replace 10.9.0.11 lladdr 02:00:00:00:00:0b dev xz0 nud permanent && "
		   "ip neigh replace 10.9.0.12 lladdr 02:00:00:00:00:0c dev xz0 nud permanent && "
		   "ip neigh replace 10.9.0.13 lladdr 02:00:00:00:00:0d dev xz0 nud permanent && "
		   "ip neigh replace 10.9.1.11 lladdr 02:00:00:00:01:0b dev xz2 nud permanent && "
		   "ip neigh replace fd00:9::11 lladdr 02:00:00:00:00:1b dev xz0 nud permanent"))
		return 0;
	lab.ifx0 = if_nametoindex("xz0");
	lab.ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(libbpf_quiet);
	lab.skel = xlb__open();
	if (!lab.skel)
		return 0;
	lab.skel->rodata->xlb_cfg_prefilter = 1;
	if (xlb__load(lab.skel)) {
		xlb__destroy(lab.skel);
		lab.skel = NULL;
		return 0;
	}
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.stats_fd = bpf_map__fd(lab.skel->maps.xlb_stats_v5);
	lab.state = 1;
	return 0;
}

static int group_teardown(void **state)
{
	xlb__destroy(lab.skel);
	return 0;
}

static int mfd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static void config(void)
{
	struct xlb_acl acl = {0};
	struct xlb_rate_limit rl = {.set = true, .rate = 50, .burst = 20, .prefix4 = 24,
				    .prefix6 = 64};
	struct xlb_filter f;
	struct xlb_cidr c;
	__u32 one = 1, i, j, idx = 4, txif;
	__u8 fam;

	for (i = 1; i < sizeof(bes) / sizeof(bes[0]); i++) {
		struct xlb_backend be = {.weight = 1, .flags = XLB_BE_F_ACTIVE, .svc_id = i};

		assert_int_equal(xlb_addr_parse(bes[i], &be.addr, &be.family), 0);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_bends_v1), &i, &be, 0), 0);
	}
	for (i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		const struct fsvc *s = &svcs[i];
		struct xlb_vip_key vk = {.port = htons(s->port), .proto = s->proto};
		struct xlb_svc sv = {.id = s->id, .table_size = TBL};
		__u32 slots[TBL];
		__u32 b, w;
		__u64 bits;

		for (j = 0; j < TBL; j++)
			slots[j] = s->be;
		assert_int_equal(
		    bpf_lab_table_install(mfd(lab.skel->maps.xlb_tables_v3), s->id, slots, TBL), 0);
		assert_int_equal(xlb_addr_parse(s->vip, &vk.addr, &vk.family), 0);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_vips_v1), &vk, &sv, 0), 0);
		b = xlb_vfilter_bucket(&vk.addr, vk.port);
		w = b / 64;
		assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.xlb_vfilt_v1), &w, &bits), 0);
		bits |= 1ull << (b % 64);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_vfilt_v1), &w, &bits, 0), 0);
		vk.port = 0;
		vk.proto = 0;
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_vaddr_v1), &vk, &one, 0), 0);
	}
	txif = if_nametoindex("xz2");
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_txports), &txif, &txif, 0), 0);
	/* Service 4: allow 10.0.0.0/8 except 10.66.0.0/16, rate limit; global deny 10.77.0.0/16. */
	assert_int_equal(xlb_cidr_parse("10.0.0.0/8", &c, NULL, 0), 0);
	xlb_acl_list_add(&acl.allow, &c);
	assert_int_equal(xlb_cidr_parse("10.66.0.0/16", &c, NULL, 0), 0);
	xlb_acl_list_add(&acl.deny, &c);
	for (i = 0; i < acl.allow.n; i++) {
		struct xlb_acl4_key k;

		xlb_acl4_key_of(XLB_ACL_ALLOW, 4, &acl.allow.v[i], &k);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_acl4_v1), &k, &one, 0), 0);
	}
	for (i = 0; i < acl.deny.n; i++) {
		struct xlb_acl4_key k;

		xlb_acl4_key_of(XLB_ACL_DENY, 4, &acl.deny.v[i], &k);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_acl4_v1), &k, &one, 0), 0);
	}
	xlb_filter_value(&acl, &rl, &f);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_filt_v1), &idx, &f, 0), 0);
	xlb_acl_free(&acl);
	{
		struct xlb_acl4_key k;
		struct xlb_acl g = {0};

		assert_int_equal(xlb_cidr_parse("10.77.0.0/16", &c, NULL, 0), 0);
		xlb_acl4_key_of(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID, &c, &k);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_acl4_v1), &k, &one, 0), 0);
		xlb_acl_list_add(&g.deny, &c);
		xlb_filter_value(&g, NULL, &f);
		idx = XLB_FILTER_GLOBAL;
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_filt_v1), &idx, &f, 0), 0);
		xlb_acl_free(&g);
	}
	/* Node addresses unset: fine, all services are dsr-l2. */
	for (i = 0; i < 2; i++) {
		struct xlb_addr a;

		assert_int_equal(xlb_addr_parse(vips4[i], &a, &fam), 0);
		memcpy(vip4_bin[i], &a.a[0], 4);
	}
	{
		struct xlb_addr a;

		assert_int_equal(xlb_addr_parse(vips6[0], &a, &fam), 0);
		memcpy(vip6_bin[0], &a, 16);
	}
}

/* ---- PRNG -------------------------------------------------------------- */

static __u64 rng_s;

static __u64 rnd(void)
{
	rng_s ^= rng_s << 13;
	rng_s ^= rng_s >> 7;
	rng_s ^= rng_s << 17;
	return rng_s;
}

static __u32 rn(__u32 n)
{
	return n ? (__u32)(rnd() % n) : 0;
}

/* ---- oracle ------------------------------------------------------------ */

/* 1: the frame has a destination address field and it is a VIP address. */
static int to_vip(const __u8 *b, size_t len)
{
	size_t l3 = 14;
	__u16 et;
	size_t i;

	if (len < 14)
		return 0;
	et = (__u16)(b[12] << 8 | b[13]);
	if (et == 0x8100 || et == 0x88a8) {
		if (len < 18)
			return 0;
		et = (__u16)(b[16] << 8 | b[17]);
		l3 = 18;
	}
	if (et == 0x0800) {
		if (len < l3 + 20)
			return 0;
		for (i = 0; i < 2; i++)
			if (!memcmp(b + l3 + 16, vip4_bin[i], 4))
				return 1;
		return 0;
	}
	if (et == 0x86dd) {
		if (len < l3 + 40)
			return 0;
		return !memcmp(b + l3 + 24, vip6_bin[0], 16);
	}
	return 0;
}

static int reason_fits(__u32 r, int action)
{
	const char *n = stat_names[r];

	if (!strncmp(n, "drop_", 5))
		return action == XDP_DROP;
	if (!strncmp(n, "pass_", 5))
		return action == XDP_PASS;
	if (!strcmp(n, "fwd_tx") || !strcmp(n, "tx_too_big"))
		return action == XDP_TX;
	if (!strcmp(n, "fwd_redirect"))
		return action == XDP_REDIRECT;
	if (!strcmp(n, "fwd_icmp"))
		return action == XDP_TX || action == XDP_REDIRECT;
	return 0;
}

/* ---- seeds and mutations ---------------------------------------------- */

#define NSEEDS 64
static struct pkt seeds[NSEEDS];
static size_t nseeds;

static void add_seed(const struct pkt_spec *s)
{
	assert_true(nseeds < NSEEDS);
	assert_int_equal(pkt_build(s, &seeds[nseeds]), 0);
	nseeds++;
}

static void make_seeds(void)
{
	static const char *const srcs4[] = {"10.1.2.3", "10.66.1.1", "10.77.0.9", "192.0.2.1"};
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < 4; i++) {
		memset(&s, 0, sizeof(s));
		s = (struct pkt_spec){.family = 4, .proto = IPPROTO_TCP, .src = srcs4[i],
				      .dst = "10.9.0.100", .sport = (__u16)(40000 + i), .dport = 80,
				      .smac = {2, 0, 0, 0, 0, 0x50}, .dmac = {2, 0, 0, 0, 0, 1},
				      .payload_len = (__u16)(i * 20)};
		add_seed(&s);
		s.dst = "10.9.0.101";
		add_seed(&s);
		s.dport = 81;
		add_seed(&s);
		s.dport = 80;
		s.vlan = 42;
		add_seed(&s);
		s.vlan = 0;
		s.dst = "10.9.0.200"; /* not a VIP */
		add_seed(&s);
		s.proto = IPPROTO_UDP;
		s.dst = "10.9.0.100";
		s.dport = 53;
		add_seed(&s);
		s.tcp_flags = 0x10; /* ACK */
		s.proto = IPPROTO_TCP;
		s.dport = 80;
		add_seed(&s);
	}
	s = (struct pkt_spec){.family = 6, .proto = IPPROTO_TCP, .src = "fd00:9::50",
			      .dst = "fd00:9::100", .sport = 40002, .dport = 443,
			      .smac = {2, 0, 0, 0, 0, 0x50}, .dmac = {2, 0, 0, 0, 0, 1},
			      .payload_len = 16};
	add_seed(&s);
	s.vlan = 7;
	add_seed(&s);
	s.vlan = 0;
	s.dst = "fd00:9::200";
	add_seed(&s);
	s.proto = IPPROTO_UDP;
	s.dst = "fd00:9::100";
	add_seed(&s);
	s.proto = IPPROTO_ICMPV6;
	add_seed(&s);
	s = (struct pkt_spec){.family = 4, .proto = IPPROTO_ICMP, .src = "10.1.2.3",
			      .dst = "10.9.0.100", .smac = {2, 0, 0, 0, 0, 0x50},
			      .dmac = {2, 0, 0, 0, 0, 1}, .payload_len = 56};
	add_seed(&s);
	/* ICMP errors quoting a VIP reply (the flow 10.1.2.3:40000 -> VIP:80 exists). */
	{
		struct pkt_spec r4 = {.family = 4, .proto = IPPROTO_TCP, .src = "10.9.0.100",
				      .dst = "10.1.2.3", .sport = 80, .dport = 40000,
				      .smac = {2, 0, 0, 0, 0, 0x50}, .dmac = {2, 0, 0, 0, 0, 1},
				      .payload_len = 100, .tcp_flags = 0x10};
		struct pkt_spec r6 = {.family = 6, .proto = IPPROTO_TCP, .src = "fd00:9::100",
				      .dst = "fd00:9::50", .sport = 443, .dport = 40002,
				      .smac = {2, 0, 0, 0, 0, 0x50}, .dmac = {2, 0, 0, 0, 0, 1},
				      .payload_len = 100, .tcp_flags = 0x10};

		assert_int_equal(
		    pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 3, 4, 1400, &seeds[nseeds++]),
		    0);
		assert_int_equal(
		    pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.150", 3, 4, 1400, &seeds[nseeds++]),
		    0);
		assert_int_equal(pkt_build_icmp_error(&r6, "fd00:9::fe", "fd00:9::100", 2, 0, 1280,
						      &seeds[nseeds++]),
				 0);
	}
}

static size_t l3_of(const struct pkt *p)
{
	return p->l3_off;
}

static void put16(__u8 *b, __u16 v)
{
	b[0] = (__u8)(v >> 8);
	b[1] = (__u8)v;
}

static void random_addr(__u8 *b, size_t n)
{
	size_t i;

	switch (rn(4)) {
	case 0: /* a VIP */
		if (n == 4)
			memcpy(b, vip4_bin[rn(2)], 4);
		else
			memcpy(b, vip6_bin[0], 16);
		break;
	case 1: /* near a VIP: one bit off */
		if (n == 4)
			memcpy(b, vip4_bin[rn(2)], 4);
		else
			memcpy(b, vip6_bin[0], 16);
		b[rn((__u32)n)] ^= (__u8)(1u << rn(8));
		break;
	default:
		for (i = 0; i < n; i++)
			b[i] = (__u8)rnd();
	}
}

/* One mutation of p (headers favoured). */
static void mutate(struct pkt *p)
{
	size_t l3 = l3_of(p), n;
	__u8 *b = p->buf;
	int v6 = p->len > 14 && b[l3 - 2] == 0x86;

	switch (rn(16)) {
	case 0:
	case 1: /* bit flip in the first 80 bytes */
		if (p->len)
			b[rn((__u32)(p->len < 80 ? p->len : 80))] ^= (__u8)(1u << rn(8));
		break;
	case 2: /* bit flip anywhere */
		if (p->len)
			b[rn((__u32)p->len)] ^= (__u8)(1u << rn(8));
		break;
	case 3: /* random byte */
		if (p->len)
			b[rn((__u32)(p->len < 80 ? p->len : 80))] = (__u8)rnd();
		break;
	case 4: /* truncate */
		p->len = rn((__u32)p->len + 1);
		break;
	case 5: /* extend with random bytes */
		n = rn(64);
		if (p->len + n <= 512) {
			size_t i;

			for (i = 0; i < n; i++)
				b[p->len + i] = (__u8)rnd();
			p->len += n;
		}
		break;
	case 6: /* IPv4 IHL / IPv6 version nibble */
		if (p->len > l3)
			b[l3] = (__u8)((b[l3] & 0xf0) | rn(16));
		break;
	case 7: /* IPv4 total length / IPv6 payload length */
		if (p->len > l3 + 6)
			put16(b + l3 + (v6 ? 4 : 2),
			      (__u16)(rn(2) ? rnd() : (p->len - l3) + rn(9) - 4));
		break;
	case 8: /* IPv4 fragment field / IPv6 next header (extension headers) */
		if (v6 && p->len > l3 + 6) {
			static const __u8 nh[] = {0, 43, 44, 50, 51, 59, 60, 135, 6, 17, 58, 253};

			b[l3 + 6] = nh[rn(sizeof(nh))];
		} else if (p->len > l3 + 8) {
			put16(b + l3 + 6, (__u16)(rn(2) ? rnd() : (rn(2) ? 0x2000 : 0x4000)));
		}
		break;
	case 9: /* protocol */
		if (p->len > l3 + 9)
			b[l3 + (v6 ? 6 : 9)] = rn(2) ? (__u8)rnd() : (__u8)(rn(2) ? 6 : 17);
		break;
	case 10: /* ports */
		if (p->len > p->l4_off + 4) {
			put16(b + p->l4_off, (__u16)rnd());
			put16(b + p->l4_off + 2, rn(2) ? (__u16)rnd() : (__u16)(rn(2) ? 80 : 443));
		}
		break;
	case 11: /* destination */
		if (v6 && p->len >= l3 + 40)
			random_addr(b + l3 + 24, 16);
		else if (!v6 && p->len >= l3 + 20)
			random_addr(b + l3 + 16, 4);
		break;
	case 12: /* source */
		if (v6 && p->len >= l3 + 40)
			random_addr(b + l3 + 8, 16);
		else if (!v6 && p->len >= l3 + 20)
			random_addr(b + l3 + 12, 4);
		break;
	case 13: /* add or remove a VLAN tag */
		if (p->len >= 18 && (b[12] == 0x81 || b[12] == 0x88) && b[13] == (b[12] == 0x81 ? 0 : 0xa8)) {
			memmove(b + 12, b + 16, p->len - 16);
			p->len -= 4;
			p->l3_off -= 4;
			p->l4_off -= 4;
		} else if (p->len >= 14 && p->len + 4 <= 512) {
			memmove(b + 16, b + 12, p->len - 12);
			b[12] = rn(2) ? 0x81 : 0x88;
			b[13] = b[12] == 0x81 ? 0 : 0xa8;
			put16(b + 14, (__u16)rn(4096));
			p->len += 4;
			p->l3_off += 4;
			p->l4_off += 4;
		}
		break;
	case 14: /* TCP data offset / flags */
		if (p->len > p->l4_off + 13)
			b[p->l4_off + (rn(2) ? 12 : 13)] = (__u8)rnd();
		break;
	default: /* ethertype */
		if (p->len >= 14)
			put16(b + 12, rn(2) ? (__u16)rnd() : (rn(2) ? 0x0800 : 0x86dd));
		break;
	}
}

static void gen(struct pkt *p)
{
	__u32 k = rn(20), i, m;

	if (k == 0) { /* fully random frame */
		p->len = rn(200);
		for (i = 0; i < p->len; i++)
			p->buf[i] = (__u8)rnd();
		if (p->len >= 14 && rn(2))
			put16(p->buf + 12, rn(2) ? 0x0800 : 0x86dd);
		p->l3_off = 14;
		p->l4_off = 34;
		return;
	}
	*p = seeds[rn((__u32)nseeds)];
	if (k == 1)
		return; /* unmutated */
	m = 1 + rn(4);
	for (i = 0; i < m; i++)
		mutate(p);
}

/* ---- run --------------------------------------------------------------- */

static void read_stats(__u64 *sum)
{
	__u32 keys[XLB_STAT_MAX], count = XLB_STAT_MAX, out_batch;
	static __u64 *vals;
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 i;
	int c, err;

	if (!vals)
		vals = calloc((size_t)XLB_STAT_MAX * lab.ncpus, sizeof(*vals));
	assert_non_null(vals);
	err = bpf_map_lookup_batch(lab.stats_fd, NULL, &out_batch, keys, vals, &count, &o);
	if (err && errno != ENOENT)
		fail_msg("stats batch lookup: %s", strerror(errno));
	assert_int_equal(count, XLB_STAT_MAX);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		sum[keys[i]] = 0;
		for (c = 0; c < lab.ncpus; c++)
			sum[keys[i]] += vals[(size_t)i * lab.ncpus + c];
	}
}

static void dump(const struct pkt *p)
{
	size_t i;

	for (i = 0; i < p->len; i++)
		fprintf(stderr, "%02x%s", p->buf[i], i % 16 == 15 ? "\n" : " ");
	fprintf(stderr, "\n");
}

static void test_fuzz_packets(void **state)
{
	unsigned long total = 1000000, n;
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX], per[XLB_STAT_MAX] = {0};
	unsigned long to_vip_n = 0, act[5] = {0};
	struct timespec t0, t1;
	static __u8 out[PKT_MAX + 256];
	struct pkt p;
	double dt;
	__u32 i;

	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
	if (getenv("XLB_FUZZ_PACKETS"))
		total = strtoul(getenv("XLB_FUZZ_PACKETS"), NULL, 10);
	rng_s = getenv("XLB_FUZZ_SEED") ? strtoull(getenv("XLB_FUZZ_SEED"), NULL, 0) : 1;
	if (!rng_s)
		rng_s = 1;
	config();
	make_seeds();
	read_stats(before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (n = 0; n < total; n++) {
		struct xdp_md ctx = {.ingress_ifindex = (__u32)lab.ifx0};
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out, .data_size_out = sizeof(out),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
		int vip, moved = -1;

		gen(&p);
		if (p.len < 14) { /* the kernel refuses frames shorter than an Ethernet header */
			n--;
			continue;
		}
		ctx.data_end = (__u32)p.len;
		o.data_in = p.buf;
		o.data_size_in = (__u32)p.len;
		vip = to_vip(p.buf, p.len);
		if (bpf_prog_test_run_opts(lab.prog_fd, &o)) {
			dump(&p);
			fail_msg("packet %lu: test run: %s", n, strerror(errno));
		}
		read_stats(after);
		for (i = 0; i < XLB_STAT_MAX; i++) {
			__u64 d = after[i] - before[i];

			if (!d)
				continue;
			if (d != 1 || moved >= 0) {
				dump(&p);
				fail_msg("packet %lu: %s moved by %llu%s%s", n, stat_names[i],
					 (unsigned long long)d, moved >= 0 ? " and also " : "",
					 moved >= 0 ? stat_names[moved] : "");
			}
			moved = (int)i;
		}
		if (moved < 0) {
			dump(&p);
			fail_msg("packet %lu: no reason counted (action %u)", n, o.retval);
		}
		if (!reason_fits((__u32)moved, (int)o.retval)) {
			dump(&p);
			fail_msg("packet %lu: action %u counted as %s", n, o.retval, stat_names[moved]);
		}
		if (!vip && (o.retval != XDP_PASS || o.data_size_out != p.len ||
			     memcmp(out, p.buf, p.len))) {
			dump(&p);
			fail_msg("packet %lu: not to a VIP, but action %u (%s), %u bytes out of %zu%s", n,
				 o.retval, stat_names[moved], o.data_size_out, p.len,
				 o.data_size_out == p.len && memcmp(out, p.buf, p.len) ? ", modified" : "");
		}
		to_vip_n += vip;
		if (o.retval < 5)
			act[o.retval]++;
		per[moved]++;
		memcpy(before, after, sizeof(before));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("fuzz: %lu packets in %.1f s (%.0f packets/s, seed %s), %lu to a VIP address\n",
	       total, dt, (double)total / dt,
	       getenv("XLB_FUZZ_SEED") ? getenv("XLB_FUZZ_SEED") : "1", to_vip_n);
	printf("fuzz: actions: drop %lu, pass %lu, tx %lu, redirect %lu\n", act[XDP_DROP],
	       act[XDP_PASS], act[XDP_TX], act[XDP_REDIRECT]);
	for (i = 0; i < XLB_STAT_MAX; i++)
		if (per[i])
			printf("fuzz:   %-20s %llu\n", stat_names[i], (unsigned long long)per[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fuzz_packets),
	};

	return cmocka_run_group_tests_name("fuzz", tests, group_setup, group_teardown);
}
