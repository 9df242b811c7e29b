// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_fullnat.c - forwarding modes `nat` and `fullnat` of bpf/xlb.bpf.c
 * (bpf/natfwd.h) under BPF_PROG_TEST_RUN: the real program with its maps
 * filled as lbd fills them.
 *
 * Private network namespace, one arm:
 *
 *   xe0 02:00:00:00:00:01  10.9.0.1/24 (the SNAT address)
 *   client 10.9.0.50 (02:..:50), backends 10.9.0.11..13, all neighbours static
 *
 * Every translated frame must equal, byte for byte, the frame the packet
 * builder makes with the translated addresses and ports (tests/lib/pkt.c
 * computes full checksums), and its IPv4 and L4 checksums are verified
 * once more by this file's own RFC 1071 code. Needs root; skipped otherwise.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
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

#include "bpf_lab.h"
#include "natpool.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"

#define TBL_SIZE 7
#define MAC_XE0 "02:00:00:00:00:01"
#define MAC_CLI "02:00:00:00:00:50"
#define SNAT4 "10.9.0.1"
#define CLIENT4 "10.9.0.50"
#define VIP4 "10.9.0.100"
#define SNAT6 "fd00:9::1"
#define CLIENT6 "fd00:9::50"
#define VIP6 "fd00:9::100"
#define PORT_LO 20000
#define PORT_HI 20007 /* 8 ports: XLB_NATPOOL_PROBES candidates cover them all */

struct lab_be {
	__u32 id;
	const char *addr, *mac;
	__u16 port; /* target port, 0 = the VIP's */
};

static const struct lab_be backends[] = {
    {1, "10.9.0.11", "02:00:00:00:00:0b", 8080},
    {2, "10.9.0.12", "02:00:00:00:00:0c", 5353},
    {3, "10.9.0.13", "02:00:00:00:00:0d", 8081},
    {4, "10.9.0.14", "02:00:00:00:00:0e", 0},
    {5, "fd00:9::11", "02:00:00:00:01:0b", 8080},
    {6, "fd00:9::12", "02:00:00:00:01:0c", 5353},
};

struct lab_svc {
	__u32 id;
	__u16 port;
	__u8 proto, fwd;
	__u32 be;
};

static const struct lab_svc services[] = {
    {1, 80, IPPROTO_TCP, XLB_FWD_FULLNAT, 1},
    {2, 53, IPPROTO_UDP, XLB_FWD_FULLNAT, 2},
    {3, 81, IPPROTO_TCP, XLB_FWD_NAT, 3},
    {4, 82, IPPROTO_TCP, XLB_FWD_FULLNAT, 4},
    {5, 80, IPPROTO_TCP, XLB_FWD_FULLNAT, 5}, /* IPv6 */
    {6, 53, IPPROTO_UDP, XLB_FWD_FULLNAT, 6}, /* IPv6 */
};

static struct {
	int state;
	struct xlb *skel;
	int prog_fd, ifx, ncpus;
} lab;

#define xfd(alias) bpf_map__fd(lab.skel->maps.alias)

static int group_setup(void **state)
{
	char cmd[256];
	size_t i;

	if (geteuid() != 0)
		return 0;
	lab.state = -1;
	{
		static const char *const up[] = {
		    "ip link add xe0 address " MAC_XE0 " mtu 1500 type veth peer name xe1",
		    "ip link set xe0 up", "ip link set xe1 up", "ip addr add 10.9.0.1/24 dev xe0",
		    "ip -6 addr add fd00:9::1/64 dev xe0 nodad",
		    "sysctl -q -w net.ipv4.ip_forward=1",
		    "sysctl -q -w net.ipv6.conf.all.forwarding=1",
		    "ip neigh replace " CLIENT4 " lladdr " MAC_CLI " dev xe0 nud permanent",
		    "ip -6 neigh replace " CLIENT6 " lladdr " MAC_CLI " dev xe0 nud permanent"};

		if (bpf_lab_netns(up, sizeof(up) / sizeof(up[0])))
			return 0;
	}
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		snprintf(cmd, sizeof(cmd), "ip neigh replace %s lladdr %s dev xe0 nud permanent",
			 backends[i].addr, backends[i].mac);
		if (bpf_lab_sh("%s", cmd))
			return 0;
	}
	lab.ifx = if_nametoindex("xe0");
	lab.ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(bpf_lab_libbpf_quiet);
	lab.skel = xlb__open_and_load();
	if (!lab.skel || !lab.ifx || lab.ncpus <= 0) {
		fprintf(stderr, "lab: cannot load xlb.bpf.o\n");
		return 0;
	}
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.state = 1;
	return 0;
}

static int group_teardown(void **state)
{
	xlb__destroy(lab.skel);
	return 0;
}

static void lab_require(void)
{
	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
}

static void addr4(const char *s, struct xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(strchr(s, ':') ? AF_INET6 : AF_INET, s, a), 1);
}

static __u8 fam_of(const char *s)
{
	return strchr(s, ':') ? XLB_AF_INET6 : XLB_AF_INET;
}

static __u64 coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void set_slice(__u16 lo, __u16 hi)
{
	struct xlb_nat_slice v[lab.ncpus];
	__u32 zero = 0;
	int c;

	/* Every CPU the same slice: the test does not know which CPU runs it. */
	for (c = 0; c < lab.ncpus; c++)
		v[c] = (struct xlb_nat_slice){.lo = lo, .hi = hi};
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATSLICE_MAP), &zero, v, BPF_ANY), 0);
}

static const __u32 tmo_default[XLB_NAT_TMO_MAX] = {60, 900, 120, 10, 300};

/* Fresh maps for every case: services, backends, NAT settings; no flows. */
static void base_config(void)
{
	/* nat services exist (services[2]): every non-VIP packet is checked */
	struct xlb_nat_cfg nc = {.flags = XLB_NAT_F_ON | XLB_NAT_F_DNAT, .port_lo = PORT_LO,
				 .port_hi = PORT_HI};
	struct xlb_flow_key k;
	__u32 zero = 0, j;
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		__u8 f = fam_of(backends[i].addr);
		struct xlb_backend be = {.svc_id = backends[i].id, .weight = 1, .family = f,
					 .flags = XLB_BE_F_ACTIVE};
		struct xlb_nat_be nb = {.port = htons(backends[i].port), .snat_family = f};

		addr4(backends[i].addr, &be.addr);
		addr4(f == XLB_AF_INET ? SNAT4 : SNAT6, &nb.snat);
		assert_int_equal(bpf_map_update_elem(xfd(XLB_NATBE_MAP), &backends[i].id, &nb,
						     BPF_ANY), 0);
		assert_int_equal(bpf_map_update_elem(xfd(XLB_BACKENDS_MAP), &backends[i].id, &be,
						     BPF_ANY), 0);
	}
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const struct lab_svc *s = &services[i];
		const char *vip = fam_of(backends[s->be - 1].addr) == XLB_AF_INET ? VIP4 : VIP6;
		struct xlb_vip_key vk = {.port = htons(s->port), .proto = s->proto,
					 .family = fam_of(vip)};
		struct xlb_svc svc = {.id = s->id, .table_size = TBL_SIZE, .fwd = s->fwd};
		__u32 slots[TBL_SIZE];

		for (j = 0; j < TBL_SIZE; j++)
			slots[j] = s->be;
		assert_int_equal(bpf_lab_table_install(xfd(XLB_TABLES_MAP), s->id, slots,
						       TBL_SIZE), 0);
		addr4(vip, &vk.addr);
		assert_int_equal(bpf_map_update_elem(xfd(XLB_VIPS_MAP), &vk, &svc, BPF_ANY), 0);
	}
	memcpy(nc.tmo_s, tmo_default, sizeof(nc.tmo_s));
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATCFG_MAP), &zero, &nc, BPF_ANY), 0);
	set_slice(PORT_LO, PORT_HI);
	while (bpf_map_get_next_key(xfd(XLB_FLOWS_MAP), NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(xfd(XLB_FLOWS_MAP), &k), 0);
	while (bpf_map_get_next_key(xfd(XLB_NATREV_MAP), NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(xfd(XLB_NATREV_MAP), &k), 0);
	{
		struct xlb_nexthop z[lab.ncpus];

		memset(z, 0, sizeof(z));
		for (j = 1; j <= 6; j++)
			assert_int_equal(bpf_map_update_elem(xfd(XLB_NHCACHE_MAP), &j, z, BPF_ANY),
					 0);
	}
}

static __u64 percpu_sum(int fd, __u32 k)
{
	__u64 v[lab.ncpus], sum = 0;
	int c;

	assert_int_equal(bpf_map_lookup_elem(fd, &k, v), 0);
	for (c = 0; c < lab.ncpus; c++)
		sum += v[c];
	return sum;
}

static __u64 stat_of(__u32 r)
{
	return percpu_sum(xfd(XLB_STATS_MAP), r);
}

static __u64 natstat_of(__u32 r)
{
	return percpu_sum(xfd(XLB_NATSTATS_MAP), r);
}

/* Run the program; exactly `reason` must move (by one). */
static int run_xdp(const struct pkt *in, __u8 *out, __u32 *out_len, __u32 reason)
{
	struct xdp_md ctx = {.data_end = (__u32)in->len, .ingress_ifindex = lab.ifx};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->buf, .data_size_in = (__u32)in->len,
		    .data_out = out, .data_size_out = PKT_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	__u64 before[XLB_STAT_MAX];
	__u32 r;

	for (r = 0; r < XLB_STAT_MAX; r++)
		before[r] = stat_of(r);
	assert_int_equal(bpf_prog_test_run_opts(lab.prog_fd, &opts), 0);
	for (r = 0; r < XLB_STAT_MAX; r++)
		if (stat_of(r) != before[r] + (r == reason))
			fail_msg("counter %u moved by %lld (expected reason %u)", r,
				 (long long)(stat_of(r) - before[r]), reason);
	*out_len = opts.data_size_out;
	return (int)opts.retval;
}

/* ---- independent checksums (RFC 1071, big-endian words) ---- */

static __u32 sum_be(__u32 s, const __u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (__u32)b[len - 1] << 8;
	return s;
}

static __u16 fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* The IPv4 header and the TCP/UDP checksum of an untagged frame verify (sum = 0xffff). */
static void assert_csums(const __u8 *f, __u32 len, int udp_zero_ok)
{
	const __u8 *ip = f + 14, *l4;
	__u32 ihl = (ip[0] & 15) * 4u, tot = (__u32)ip[2] << 8 | ip[3], l4len, s;

	assert_true(14 + tot <= len);
	if (fold(sum_be(0, ip, ihl)) != 0xffff)
		fail_msg("IPv4 header checksum does not verify");
	l4 = ip + ihl;
	l4len = tot - ihl;
	if (ip[9] == IPPROTO_UDP && l4[6] == 0 && l4[7] == 0) {
		assert_true(udp_zero_ok);
		return;
	}
	s = sum_be(0, ip + 12, 8) + ip[9] + l4len;
	s = sum_be(s, l4, l4len);
	if (fold(s) != 0xffff)
		fail_msg("L4 checksum does not verify");
}

static void assert_bytes(const __u8 *got, const __u8 *want, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("%s: byte %zu is 0x%02x, expected 0x%02x", what, i, got[i],
				 want[i]);
}

/* IPv6: the TCP/UDP checksum over the pseudo header verifies; UDP's is never 0. */
static void assert_csums6(const __u8 *f, __u32 len)
{
	const __u8 *ip = f + 14, *l4 = ip + 40;
	__u32 plen = (__u32)ip[4] << 8 | ip[5], s;

	assert_true(14 + 40 + plen <= len);
	if (ip[6] == IPPROTO_UDP)
		assert_false(l4[6] == 0 && l4[7] == 0);
	s = sum_be(0, ip + 8, 32) + ip[6] + plen;
	s = sum_be(s, l4, plen);
	if (fold(s) != 0xffff)
		fail_msg("IPv6 L4 checksum does not verify");
}

/* Build s, optionally with a zero UDP checksum. */
static void build(const struct pkt_spec *s, struct pkt *p, int udp_zero)
{
	assert_int_equal(pkt_build(s, p), 0);
	if (udp_zero)
		memset(p->buf + p->l4_off + 6, 0, 2);
}

static struct pkt_spec client_spec(const struct lab_svc *svc, __u16 cport, __u8 flags)
{
	struct pkt_spec s = {.family = 4, .proto = svc->proto, .src = CLIENT4, .dst = VIP4,
			     .sport = cport, .dport = svc->port, .payload_len = 32,
			     .tcp_flags = flags};

	pkt_parse_mac(MAC_CLI, s.smac);
	pkt_parse_mac(MAC_XE0, s.dmac);
	return s;
}

/* The SNAT port the data path must pick first for this client flow (natpool.c). */
static __u16 first_port(const struct pkt_spec *s)
{
	struct xlb_port_range r = {PORT_LO, PORT_HI};
	struct xlb_flow_key k;

	pkt_flow_key(s, &k);
	return xlb_natpool_candidate(&r, xlb_flow_hash(&k), 0);
}

static void rev_key(struct xlb_flow_key *k, __u8 proto, const char *src, __u16 sport,
		    const char *dst, __u16 dport)
{
	memset(k, 0, sizeof(*k));
	addr4(src, &k->src);
	addr4(dst, &k->dst);
	k->sport = htons(sport);
	k->dport = htons(dport);
	k->proto = proto;
	k->family = XLB_AF_INET;
}

/*
 * Client -> VIP through fullnat and the backend's answer back: forward frame
 * SNAT:port -> backend:8080, reply frame VIP:80 -> client, both byte-exact
 * with verified checksums; the reverse entry and the flow's port agree; the
 * established packet reuses the port; the reply marks the entry established.
 */
static void fullnat_roundtrip(const struct lab_svc *svc, int udp_zero)
{
	const struct lab_be *be = &backends[svc->be - 1];
	struct pkt_spec c = client_spec(svc, 40000, svc->proto == IPPROTO_TCP ? 0x02 : 0), b, w;
	struct pkt in, want;
	struct xlb_flow_key rk, fk;
	struct xlb_nat_rev rv;
	struct xlb_flow fl;
	__u8 out[PKT_MAX];
	__u32 out_len;
	__u16 port = first_port(&c);
	__u64 new0 = natstat_of(XLB_NAT_STAT_NEW);

	build(&c, &in, udp_zero);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	w = c;
	w.src = SNAT4;
	w.dst = be->addr;
	w.sport = port;
	w.dport = be->port;
	pkt_parse_mac(MAC_XE0, w.smac);
	pkt_parse_mac(be->mac, w.dmac);
	build(&w, &want, udp_zero);
	assert_int_equal(out_len, want.len);
	assert_bytes(out, want.buf, want.len, "fullnat forward");
	assert_csums(out, out_len, udp_zero);
	assert_int_equal(natstat_of(XLB_NAT_STAT_NEW), new0 + 1);

	rev_key(&rk, svc->proto, be->addr, be->port, SNAT4, port);
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	assert_int_equal(rv.cport, htons(40000));
	assert_int_equal(rv.vport, htons(svc->port));
	assert_int_equal(rv.fwd, XLB_FWD_FULLNAT);
	assert_int_equal(rv.be_id, be->id);
	assert_int_equal(rv.state, 0);
	pkt_flow_key(&c, &fk);
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_FLOWS_MAP), &fk, &fl), 0);
	assert_int_equal(fl.nat_port, htons(port));

	/* The backend answers SNAT:port. */
	b = (struct pkt_spec){.family = 4, .proto = svc->proto, .src = be->addr, .dst = SNAT4,
			      .sport = be->port, .dport = port, .payload_len = 48,
			      .tcp_flags = svc->proto == IPPROTO_TCP ? 0x12 : 0};
	pkt_parse_mac(be->mac, b.smac);
	pkt_parse_mac(MAC_XE0, b.dmac);
	build(&b, &in, udp_zero);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_NAT_REPLY), XDP_TX);
	w = b;
	w.src = VIP4;
	w.dst = CLIENT4;
	w.sport = svc->port;
	w.dport = 40000;
	pkt_parse_mac(MAC_XE0, w.smac);
	pkt_parse_mac(MAC_CLI, w.dmac);
	build(&w, &want, udp_zero);
	assert_int_equal(out_len, want.len);
	assert_bytes(out, want.buf, want.len, "fullnat reply");
	assert_csums(out, out_len, udp_zero);
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	assert_int_equal(rv.state, svc->proto == IPPROTO_TCP ? XLB_NAT_S_EST : 0);

	/* The client's next packet: the same port, no new translation. */
	c.tcp_flags = svc->proto == IPPROTO_TCP ? 0x10 : 0;
	build(&c, &in, udp_zero);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	assert_int_equal(out[14 + 20] << 8 | out[14 + 21], port);
	assert_csums(out, out_len, udp_zero);
	assert_int_equal(natstat_of(XLB_NAT_STAT_NEW), new0 + 1);
}

/* IPv6 fullnat: the same round trip, SNAT fd00:9::1. */
static void fullnat_roundtrip6(const struct lab_svc *svc)
{
	const struct lab_be *be = &backends[svc->be - 1];
	struct pkt_spec c = {.family = 6, .proto = svc->proto, .src = CLIENT6, .dst = VIP6,
			     .sport = 40000, .dport = svc->port, .payload_len = 32,
			     .tcp_flags = svc->proto == IPPROTO_TCP ? 0x02 : 0};
	struct pkt_spec b, w;
	struct pkt in, want;
	struct xlb_flow_key rk;
	struct xlb_nat_rev rv;
	__u8 out[PKT_MAX];
	__u32 out_len;
	__u16 port;

	pkt_parse_mac(MAC_CLI, c.smac);
	pkt_parse_mac(MAC_XE0, c.dmac);
	port = first_port(&c);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	w = c;
	w.src = SNAT6;
	w.dst = be->addr;
	w.sport = port;
	w.dport = be->port;
	pkt_parse_mac(MAC_XE0, w.smac);
	pkt_parse_mac(be->mac, w.dmac);
	build(&w, &want, 0);
	assert_int_equal(out_len, want.len);
	assert_bytes(out, want.buf, want.len, "fullnat6 forward");
	assert_csums6(out, out_len);
	memset(&rk, 0, sizeof(rk));
	addr4(be->addr, &rk.src);
	addr4(SNAT6, &rk.dst);
	rk.sport = htons(be->port);
	rk.dport = htons(port);
	rk.proto = svc->proto;
	rk.family = XLB_AF_INET6;
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	assert_int_equal(rv.family, XLB_AF_INET6);

	b = (struct pkt_spec){.family = 6, .proto = svc->proto, .src = be->addr, .dst = SNAT6,
			      .sport = be->port, .dport = port, .payload_len = 48,
			      .tcp_flags = svc->proto == IPPROTO_TCP ? 0x12 : 0};
	pkt_parse_mac(be->mac, b.smac);
	pkt_parse_mac(MAC_XE0, b.dmac);
	build(&b, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_NAT_REPLY), XDP_TX);
	w = b;
	w.src = VIP6;
	w.dst = CLIENT6;
	w.sport = svc->port;
	w.dport = 40000;
	pkt_parse_mac(MAC_XE0, w.smac);
	pkt_parse_mac(MAC_CLI, w.dmac);
	build(&w, &want, 0);
	assert_int_equal(out_len, want.len);
	assert_bytes(out, want.buf, want.len, "fullnat6 reply");
	assert_csums6(out, out_len);
}

static void test_fullnat6(void **state)
{
	lab_require();
	base_config();
	fullnat_roundtrip6(&services[4]);
	fullnat_roundtrip6(&services[5]);
}

static void test_fullnat_tcp(void **state)
{
	lab_require();
	base_config();
	fullnat_roundtrip(&services[0], 0);
}

static void test_fullnat_udp(void **state)
{
	lab_require();
	base_config();
	fullnat_roundtrip(&services[1], 0);
	base_config();
	fullnat_roundtrip(&services[1], 1); /* IPv4 "no checksum" stays 0 both ways */
}

/* No target port: the VIP's port is kept. */
static void test_fullnat_default_port(void **state)
{
	const struct lab_svc *svc = &services[3];
	struct pkt_spec c;
	struct pkt in;
	__u8 out[PKT_MAX];
	__u32 out_len;

	lab_require();
	base_config();
	c = client_spec(svc, 40001, 0x02);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	assert_int_equal(out[14 + 22] << 8 | out[14 + 23], 82);
	assert_csums(out, out_len, 0);
}

/* nat: only the destination changes; the reply's source becomes the VIP again. */
static void test_nat_dnat(void **state)
{
	const struct lab_svc *svc = &services[2];
	const struct lab_be *be = &backends[2];
	struct pkt_spec c, b, w;
	struct pkt in, want;
	struct xlb_flow_key rk;
	struct xlb_nat_rev rv;
	__u8 out[PKT_MAX];
	__u32 out_len;

	lab_require();
	base_config();
	c = client_spec(svc, 41000, 0x02);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	w = c;
	w.dst = be->addr;
	w.dport = be->port;
	pkt_parse_mac(MAC_XE0, w.smac);
	pkt_parse_mac(be->mac, w.dmac);
	build(&w, &want, 0);
	assert_int_equal(out_len, want.len);
	assert_bytes(out, want.buf, want.len, "nat forward");
	assert_csums(out, out_len, 0);
	rev_key(&rk, IPPROTO_TCP, be->addr, be->port, CLIENT4, 41000);
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	assert_int_equal(rv.fwd, XLB_FWD_NAT);

	b = (struct pkt_spec){.family = 4, .proto = IPPROTO_TCP, .src = be->addr, .dst = CLIENT4,
			      .sport = be->port, .dport = 41000, .payload_len = 10,
			      .tcp_flags = 0x12};
	pkt_parse_mac(be->mac, b.smac);
	pkt_parse_mac(MAC_XE0, b.dmac);
	build(&b, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_NAT_REPLY), XDP_TX);
	w = b;
	w.src = VIP4;
	w.sport = svc->port;
	pkt_parse_mac(MAC_XE0, w.smac);
	pkt_parse_mac(MAC_CLI, w.dmac);
	build(&w, &want, 0);
	assert_int_equal(out_len, want.len);
	assert_bytes(out, want.buf, want.len, "nat reply");
	assert_csums(out, out_len, 0);
}

/* A packet to the SNAT address that belongs to no flow is the kernel's, untouched. */
static void test_not_a_flow(void **state)
{
	struct pkt_spec b = {.family = 4, .proto = IPPROTO_TCP, .src = "10.9.0.11", .dst = SNAT4,
			     .sport = 8080, .dport = PORT_LO, .payload_len = 8, .tcp_flags = 0x12};
	struct pkt in;
	__u8 out[PKT_MAX];
	__u32 out_len;

	lab_require();
	base_config();
	pkt_parse_mac("02:00:00:00:00:0b", b.smac);
	pkt_parse_mac(MAC_XE0, b.dmac);
	build(&b, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_PASS_NOT_VIP), XDP_PASS);
	assert_int_equal(out_len, in.len);
	assert_bytes(out, in.buf, in.len, "untouched");
}

/*
 * Exhaustion: the 8 ports of the slice go to 8 flows, the 9th drops
 * (drop_nat_ports); once an entry is idle past its timeout its port is
 * taken over (nat_reused).
 */
static void test_exhaustion_and_reuse(void **state)
{
	const struct lab_svc *svc = &services[0];
	struct xlb_flow_key rk;
	struct xlb_nat_rev rv;
	struct pkt_spec c;
	struct pkt in;
	__u8 out[PKT_MAX];
	__u32 out_len, n = 0;
	__u16 cport;
	int i;

	lab_require();
	base_config();
	for (i = 0; i < 8; i++) {
		c = client_spec(svc, (__u16)(42000 + i), 0x02);
		build(&c, &in, 0);
		assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	}
	while (bpf_map_get_next_key(xfd(XLB_NATREV_MAP), n ? &rk : NULL, &rk) == 0)
		n++;
	assert_int_equal(n, 8);
	c = client_spec(svc, 42100, 0x02);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_DROP_NAT_PORTS), XDP_DROP);

	/* Age one entry past the handshake timeout. */
	assert_int_equal(bpf_map_get_next_key(xfd(XLB_NATREV_MAP), NULL, &rk), 0);
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	cport = ntohs(rv.cport);
	rv.last_seen_ns = coarse_ns() - (tmo_default[XLB_NAT_TMO_TCP_HANDSHAKE] + 5) * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATREV_MAP), &rk, &rv, BPF_EXIST), 0);
	{
		__u64 r0 = natstat_of(XLB_NAT_STAT_REUSED);

		assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
		assert_int_equal(natstat_of(XLB_NAT_STAT_REUSED), r0 + 1);
		assert_int_equal(out[14 + 20] << 8 | out[14 + 21], ntohs(rk.dport));
	}
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	assert_int_equal(ntohs(rv.cport), 42100);
	/* The old flow's next packet takes a new port (none free: dropped), never the new flow's. */
	c = client_spec(svc, cport, 0x10);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_DROP_NAT_PORTS), XDP_DROP);
}

/*
 * Timeouts by state: a reply to an entry idle past its timeout is left to
 * the kernel (nat_reply_expired); an established entry idle for 30 s still
 * translates, a reset one (10 s) does not.
 */
static void test_timeouts(void **state)
{
	const struct lab_svc *svc = &services[0];
	const struct lab_be *be = &backends[0];
	struct xlb_flow_key rk;
	struct xlb_nat_rev rv;
	struct pkt_spec c, b;
	struct pkt in;
	__u8 out[PKT_MAX];
	__u32 out_len;
	__u16 port;
	__u64 e0;

	lab_require();
	base_config();
	c = client_spec(svc, 43000, 0x02);
	port = first_port(&c);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	rev_key(&rk, IPPROTO_TCP, be->addr, be->port, SNAT4, port);
	b = (struct pkt_spec){.family = 4, .proto = IPPROTO_TCP, .src = be->addr, .dst = SNAT4,
			      .sport = be->port, .dport = port, .payload_len = 8, .tcp_flags = 0x10};
	pkt_parse_mac(be->mac, b.smac);
	pkt_parse_mac(MAC_XE0, b.dmac);
	build(&b, &in, 0);

	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	rv.state = XLB_NAT_S_EST;
	rv.last_seen_ns = coarse_ns() - 30 * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATREV_MAP), &rk, &rv, BPF_EXIST), 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_NAT_REPLY), XDP_TX);

	build(&b, &in, 0);
	rv.state = XLB_NAT_S_EST | XLB_NAT_S_RST;
	rv.last_seen_ns = coarse_ns() - 30 * 1000000000ull;
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATREV_MAP), &rk, &rv, BPF_EXIST), 0);
	e0 = natstat_of(XLB_NAT_STAT_REPLY_EXPIRED);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_PASS_NOT_VIP), XDP_PASS);
	assert_int_equal(natstat_of(XLB_NAT_STAT_REPLY_EXPIRED), e0 + 1);
	assert_bytes(out, in.buf, in.len, "expired reply untouched");

	/* A FIN from the backend moves the entry to closing. */
	rv.state = XLB_NAT_S_EST;
	rv.last_seen_ns = coarse_ns();
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATREV_MAP), &rk, &rv, BPF_EXIST), 0);
	b.tcp_flags = 0x11;
	build(&b, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_NAT_REPLY), XDP_TX);
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATREV_MAP), &rk, &rv), 0);
	assert_int_equal(rv.state, XLB_NAT_S_EST | XLB_NAT_S_FIN);
}

/*
 * fullnat services only (no XLB_NAT_F_DNAT): replies are looked for only on
 * ports of the SNAT range, and still translated there.
 */
static void test_fullnat_only_range(void **state)
{
	struct xlb_nat_cfg nc;
	__u32 zero = 0;

	lab_require();
	base_config();
	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_NATCFG_MAP), &zero, &nc), 0);
	nc.flags = XLB_NAT_F_ON;
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATCFG_MAP), &zero, &nc, BPF_ANY), 0);
	fullnat_roundtrip(&services[0], 0);
}

/*
 * A router on the client's side says "fragmentation needed" about a reply
 * (VIP:80 -> client): the error goes to the backend, about the packet the
 * backend sent (backend:8080 -> SNAT:port), every checksum consistent.
 */
static void test_icmp_frag_needed(void **state)
{
	const struct lab_svc *svc = &services[0];
	const struct lab_be *be = &backends[0];
	struct pkt_spec c, qin, qout;
	struct pkt in, want;
	__u8 out[PKT_MAX];
	__u32 out_len, tot;
	__u16 port;

	lab_require();
	base_config();
	c = client_spec(svc, 40500, 0x02);
	port = first_port(&c);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);

	qin = (struct pkt_spec){.family = 4, .proto = IPPROTO_TCP, .src = VIP4, .dst = CLIENT4,
				.sport = svc->port, .dport = 40500, .payload_len = 1400,
				.tcp_flags = 0x10};
	pkt_parse_mac(MAC_CLI, qin.smac);
	pkt_parse_mac(MAC_XE0, qin.dmac);
	assert_int_equal(pkt_build_icmp_error(&qin, "10.9.0.254", VIP4, 3, 4, 1400, &in), 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_ICMP), XDP_TX);

	qout = qin;
	qout.src = be->addr;
	qout.dst = SNAT4;
	qout.sport = be->port;
	qout.dport = port;
	pkt_parse_mac(MAC_XE0, qout.smac);
	pkt_parse_mac(be->mac, qout.dmac);
	assert_int_equal(pkt_build_icmp_error(&qout, "10.9.0.254", be->addr, 3, 4, 1400, &want), 0);
	assert_int_equal(out_len, want.len);
	assert_bytes(out, want.buf, want.len, "translated frag-needed");
	/* Independently: outer header, ICMP message and quoted header checksums. */
	tot = (__u32)out[16] << 8 | out[17];
	if (fold(sum_be(0, out + 14, 20)) != 0xffff)
		fail_msg("outer IPv4 checksum");
	if (fold(sum_be(0, out + 34, tot - 20)) != 0xffff)
		fail_msg("ICMP checksum");
	if (fold(sum_be(0, out + 42, 20)) != 0xffff)
		fail_msg("quoted IPv4 header checksum");
}

/* NAT off (no nat/fullnat service): replies are not even looked for. */
static void test_nat_off(void **state)
{
	const struct lab_svc *svc = &services[0];
	const struct lab_be *be = &backends[0];
	struct xlb_nat_cfg nc = {0};
	struct pkt_spec c, b;
	struct pkt in;
	__u8 out[PKT_MAX];
	__u32 out_len, zero = 0;
	__u16 port;

	lab_require();
	base_config();
	c = client_spec(svc, 44000, 0x02);
	port = first_port(&c);
	build(&c, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NATCFG_MAP), &zero, &nc, BPF_ANY), 0);
	b = (struct pkt_spec){.family = 4, .proto = IPPROTO_TCP, .src = be->addr, .dst = SNAT4,
			      .sport = be->port, .dport = port, .payload_len = 8, .tcp_flags = 0x12};
	pkt_parse_mac(be->mac, b.smac);
	pkt_parse_mac(MAC_XE0, b.dmac);
	build(&b, &in, 0);
	assert_int_equal(run_xdp(&in, out, &out_len, XLB_STAT_PASS_NOT_VIP), XDP_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fullnat_tcp),	   cmocka_unit_test(test_fullnat_udp),
	    cmocka_unit_test(test_fullnat_default_port), cmocka_unit_test(test_nat_dnat),
	    cmocka_unit_test(test_not_a_flow),	   cmocka_unit_test(test_exhaustion_and_reuse),
	    cmocka_unit_test(test_timeouts),	   cmocka_unit_test(test_nat_off),
	    cmocka_unit_test(test_fullnat6),	   cmocka_unit_test(test_fullnat_only_range),
	    cmocka_unit_test(test_icmp_frag_needed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
