// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_encap.c - forwarding modes `ipip` and `gue` of bpf/xlb.bpf.c, the
 * too-big answers, and bpf/decap.bpf.c, under BPF_PROG_TEST_RUN.
 *
 * Private network namespace (as in test_xdp.c):
 *
 *   xe0 02:00:00:00:00:01  10.9.0.1/24  fd00:9::1/64   mtu 1500
 *
 * The node addresses (outer sources) are 10.9.0.1 and fd00:9::1. Every
 * expected outer header is built here field by field from the RFCs, its
 * checksums computed by this file's own code; the encapsulated frames are
 * then fed to the decap program (tc, skb) which must give back the exact
 * original packet. Needs root; skipped otherwise.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "decap.skel.h"
#include "bpf_lab.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"

#define TBL_SIZE 7
#define MAC_XE0	 "02:00:00:00:00:01"
#define NODE4	 "10.9.0.1"
#define NODE6	 "fd00:9::1"
#define CLIENT4	 "10.9.0.50"
#define CLIENT6	 "fd00:9::50"
#define MTU	 1500

struct lab_be {
	__u32 id, svc_id;
	const char *addr, *mac;
};

static const struct lab_be backends[] = {
    {1, 1, "10.9.0.11", "02:00:00:00:00:0b"},  {2, 2, "10.9.0.12", "02:00:00:00:00:0c"},
    {3, 3, "fd00:9::11", "02:00:00:00:00:1b"}, {4, 4, "fd00:9::12", "02:00:00:00:00:1c"},
};

struct lab_svc {
	__u32 id;
	const char *vip;
	__u16 port;
	__u8 fwd;
	__u32 be;
};

static const struct lab_svc services[] = {
    {1, "10.9.0.100", 80, XLB_FWD_IPIP, 1},
    {2, "10.9.0.100", 81, XLB_FWD_GUE, 2},
    {3, "fd00:9::100", 80, XLB_FWD_IPIP, 3},
    {4, "fd00:9::100", 81, XLB_FWD_GUE, 4},
};

static struct {
	int state;
	struct xlb *skel;
	struct decap *dskel;
	int prog_fd, decap_fd, ifx, ncpus;
} lab;

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "lab: `%s` failed (%d)\n", cmd, rc);
	return rc == 0 ? 0 : -1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int lab_net_up(void)
{
	char cmd[256];
	size_t i;

	if (sh("ip link set lo up && ip link add xe0 address " MAC_XE0
	       " mtu 1500 type veth peer name xe1 && ip link set xe0 up && ip link set xe1 up &&"
	       " ip addr add 10.9.0.1/24 dev xe0 && ip -6 addr add fd00:9::1/64 dev xe0 nodad &&"
	       " sysctl -q -w net.ipv4.ip_forward=1 && sysctl -q -w net.ipv6.conf.all.forwarding=1"))
		return -1;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		snprintf(cmd, sizeof(cmd), "ip neigh replace %s lladdr %s dev xe0 nud permanent",
			 backends[i].addr, backends[i].mac);
		if (sh(cmd))
			return -1;
	}
	return 0;
}

static int group_setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	lab.state = -1;
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "lab: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 0;
	}
	if (lab_net_up())
		return 0;
	lab.ifx = if_nametoindex("xe0");
	lab.ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(libbpf_quiet);
	lab.skel = xlb__open_and_load();
	lab.dskel = decap__open_and_load();
	if (!lab.skel || !lab.dskel || !lab.ifx || lab.ncpus <= 0) {
		fprintf(stderr, "lab: cannot load xlb.bpf.o / decap.bpf.o\n");
		return 0;
	}
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.decap_fd = bpf_program__fd(lab.dskel->progs.xlb_tc_decap);
	lab.state = 1;
	return 0;
}

static int group_teardown(void **state)
{
	xlb__destroy(lab.skel);
	decap__destroy(lab.dskel);
	return 0;
}

static void lab_require(void)
{
	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
}

/* A map of the XDP program through the skeleton, by its alias (include/xlb.h). */
#define xfd(alias) bpf_map__fd(lab.skel->maps.alias)

static int mfd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static void addr_of(const char *s, struct xlb_addr *a, __u8 *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = XLB_AF_INET;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	*family = XLB_AF_INET6;
}

static void set_node(const char *a4, const char *a6, __u16 gue_port)
{
	struct xlb_node n = {.gue_port = htons(gue_port)};
	__u32 zero = 0;
	__u8 f;

	if (a4)
		addr_of(a4, &n.addr4, &f);
	if (a6)
		addr_of(a6, &n.addr6, &f);
	assert_int_equal(bpf_map_update_elem(xfd(XLB_NODE_MAP), &zero, &n, BPF_ANY),
			 0);
}

/* A lookup table for svc_id (packed with the template's map_flags, as lbd does). */
static void install_table(__u32 svc_id, const __u32 *slots)
{
	assert_int_equal(bpf_lab_table_install(xfd(XLB_TABLES_MAP), svc_id, slots, TBL_SIZE), 0);
}

static void base_config(void)
{
	struct xlb_flow_key k;
	size_t i;
	__u32 j;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct xlb_backend be = {
		    .svc_id = backends[i].svc_id, .weight = 1, .flags = XLB_BE_F_ACTIVE};

		addr_of(backends[i].addr, &be.addr, &be.family);
		assert_int_equal(bpf_map_update_elem(xfd(XLB_BACKENDS_MAP),
						     &backends[i].id, &be, BPF_ANY),
				 0);
	}
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const struct lab_svc *s = &services[i];
		struct xlb_vip_key vk = {.port = htons(s->port), .proto = IPPROTO_TCP};
		struct xlb_svc svc = {.id = s->id, .table_size = TBL_SIZE, .fwd = s->fwd};
		__u32 slots[TBL_SIZE];

		for (j = 0; j < TBL_SIZE; j++)
			slots[j] = s->be;
		install_table(s->id, slots);
		addr_of(s->vip, &vk.addr, &vk.family);
		assert_int_equal(
		    bpf_map_update_elem(xfd(XLB_VIPS_MAP), &vk, &svc, BPF_ANY), 0);
	}
	set_node(NODE4, NODE6, 0); /* gue_port 0: the default, 6080 */
	while (bpf_map_get_next_key(xfd(XLB_FLOWS_MAP), NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(xfd(XLB_FLOWS_MAP), &k), 0);
	/* Empty next-hop cache: each case starts with a FIB lookup. */
	{
		struct xlb_nexthop z[lab.ncpus];

		memset(z, 0, sizeof(z));
		for (j = 1; j <= 4; j++)
			assert_int_equal(
			    bpf_map_update_elem(xfd(XLB_NHCACHE_MAP), &j, z, BPF_ANY), 0);
	}
}

static __u64 stat_of(enum xlb_stat r)
{
	__u64 v[lab.ncpus], sum = 0;
	__u32 k = r;
	int c;

	assert_int_equal(bpf_map_lookup_elem(xfd(XLB_STATS_MAP), &k, v), 0);
	for (c = 0; c < lab.ncpus; c++)
		sum += v[c];
	return sum;
}

static __u64 dstat_of(enum xlb_decap_stat r)
{
	__u64 v[lab.ncpus], sum = 0;
	__u32 k = r;
	int c;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.dskel->maps.XLB_DECAP_STATS_MAP), &k, v), 0);
	for (c = 0; c < lab.ncpus; c++)
		sum += v[c];
	return sum;
}

/* Run the XDP program; checks that exactly `reason` moved (by one). */
static int run_xdp(const __u8 *in, size_t len, __u8 *out, __u32 *out_len, enum xlb_stat reason)
{
	struct xdp_md ctx = {.data_end = (__u32)len, .ingress_ifindex = lab.ifx};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = PKT_MAX + 256, .ctx_in = &ctx,
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

/* Run the tc decap program on a frame. */
static int run_decap(const __u8 *in, size_t len, __u8 *out, __u32 *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = PKT_MAX + 256, .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(lab.decap_fd, &opts), 0);
	*out_len = opts.data_size_out;
	return (int)opts.retval;
}

/* ---- independent checksums (RFC 1071, big-endian words) ------------------ */

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

/* Checksum field value for data whose checksum field is zero. */
static __u16 csum_of(__u32 s)
{
	return (__u16)~fold(s);
}

/* ---- expected frames ---------------------------------------------------- */

static __u32 flow_hash_of(const struct pkt_spec *s)
{
	struct xlb_flow_key k;

	pkt_flow_key(s, &k);
	return xlb_flow_hash(&k);
}

static const struct lab_be *be_of(__u32 id)
{
	return &backends[id - 1];
}

/*
 * The frame xlb must send for spec s of service svc: Ethernet to the
 * backend's MAC from xe0's, the outer headers as the RFCs and encap.h say,
 * then the original L3 packet byte for byte.
 */
static size_t expected_encap(const struct pkt_spec *s, const struct pkt *p,
			     const struct lab_svc *svc, __u8 *e)
{
	const struct lab_be *be = be_of(svc->be);
	size_t l3 = p->len - p->l3_off, off = 14, olen;
	__u32 h = flow_hash_of(s);
	int gue = svc->fwd == XLB_FWD_GUE;
	__u8 src[16], dst[16];

	assert_int_equal(pkt_parse_mac(be->mac, e), 0);
	assert_int_equal(pkt_parse_mac(MAC_XE0, e + 6), 0);
	if (s->family == 4) {
		__u8 *ip = e + off;

		olen = 20 + (gue ? 8 : 0);
		e[12] = 0x08, e[13] = 0x00;
		inet_pton(AF_INET, NODE4, src);
		inet_pton(AF_INET, be->addr, dst);
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[1] = p->buf[p->l3_off + 1]; /* TOS copied */
		ip[2] = (__u8)((l3 + olen) >> 8), ip[3] = (__u8)(l3 + olen);
		ip[6] = 0x40; /* DF copied from the inner packet (pkt_build sets DF) */
		ip[8] = 64;
		ip[9] = gue ? IPPROTO_UDP : 4;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		{
			__u16 c = csum_of(sum_be(0, ip, 20));

			ip[10] = (__u8)(c >> 8), ip[11] = (__u8)c;
		}
		off += 20;
	} else {
		__u8 *ip = e + off;
		__u32 w = (6u << 28) | (h & 0xfffff); /* tc 0 (pkt_build), flow label from hash */

		olen = 40 + (gue ? 8 : 0);
		e[12] = 0x86, e[13] = 0xdd;
		inet_pton(AF_INET6, NODE6, src);
		inet_pton(AF_INET6, be->addr, dst);
		ip[0] = (__u8)(w >> 24), ip[1] = (__u8)(w >> 16), ip[2] = (__u8)(w >> 8),
		ip[3] = (__u8)w;
		ip[4] = (__u8)((l3 + olen - 40) >> 8), ip[5] = (__u8)(l3 + olen - 40);
		ip[6] = gue ? IPPROTO_UDP : 41;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		off += 40;
	}
	if (gue) {
		__u8 *u = e + off;
		__u16 sport = 0xc000 | (h & 0x3fff), ulen = (__u16)(l3 + 8);

		u[0] = (__u8)(sport >> 8), u[1] = (__u8)sport;
		u[2] = 6080 >> 8, u[3] = 6080 & 0xff;
		u[4] = (__u8)(ulen >> 8), u[5] = (__u8)ulen;
		u[6] = u[7] = 0;
		off += 8;
	}
	memcpy(e + off, p->buf + p->l3_off, l3);
	if (gue && s->family == 6) {
		/* Mandatory over IPv6: pseudo header + whole UDP datagram, computed here in full. */
		__u8 *u = e + off - 8;
		__u32 sum = sum_be(0, src, 16);
		__u16 c;

		sum = sum_be(sum, dst, 16);
		sum += (__u32)(l3 + 8) + IPPROTO_UDP;
		sum = sum_be(sum, u, l3 + 8);
		c = csum_of(sum);
		if (!c)
			c = 0xffff;
		u[6] = (__u8)(c >> 8), u[7] = (__u8)c;
	}
	return off + l3;
}

static void assert_bytes(const __u8 *got, const __u8 *want, size_t len, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("%s: byte %zu is 0x%02x, expected 0x%02x", what, i, got[i],
				 want[i]);
}

#define CMAC {0x02, 0, 0, 0, 0, 0x50}
#define LBMAC {0x02, 0, 0, 0, 0, 0x01}

static struct pkt_spec spec_for(const struct lab_svc *svc, __u16 sport, __u16 payload)
{
	struct pkt_spec s = {
	    .proto = IPPROTO_TCP, .sport = sport, .dport = svc->port, .smac = CMAC,
	    .dmac = LBMAC, .payload_len = payload};

	s.family = strchr(svc->vip, ':') ? 6 : 4;
	s.src = s.family == 6 ? CLIENT6 : CLIENT4;
	s.dst = svc->vip;
	return s;
}

/*
 * Every mode x family: XDP_TX, byte-exact frame, the IPv4 header checksum
 * and the IPv6 UDP checksum verified on the output itself; then the decap
 * program returns the original packet exactly. Two packets per flow: the
 * first fills the next-hop cache (FIB path), the second uses it.
 */
static void test_encap_modes(void **state)
{
	size_t i;

	lab_require();
	base_config();
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const struct lab_svc *svc = &services[i];
		int rep;

		for (rep = 0; rep < 2; rep++) {
			struct pkt_spec s = spec_for(svc, (__u16)(40000 + 2 * rep), 100);
			__u8 out[PKT_MAX + 256], want[PKT_MAX + 256], dout[PKT_MAX + 256];
			__u32 out_len, dlen;
			size_t want_len, l3;
			struct pkt p;
			__u64 d0;
			enum xlb_decap_stat dr;

			print_message("  %s %s, packet %d\n",
				      svc->fwd == XLB_FWD_GUE ? "gue" : "ipip",
				      s.family == 6 ? "IPv6" : "IPv4", rep + 1);
			assert_int_equal(pkt_build(&s, &p), 0);
			assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_FWD_TX),
					 XDP_TX);
			want_len = expected_encap(&s, &p, svc, want);
			assert_int_equal(out_len, want_len);
			assert_bytes(out, want, want_len, "encapsulated frame");
			/* Independent verification of the checksums on the output. */
			if (s.family == 4)
				assert_int_equal(fold(sum_be(0, out + 14, 20)), 0xffff);
			if (s.family == 6 && svc->fwd == XLB_FWD_GUE) {
				__u32 sum = sum_be(0, out + 14 + 8, 32); /* saddr, daddr */

				sum += (__u32)(out_len - 14 - 40) + IPPROTO_UDP;
				sum = sum_be(sum, out + 14 + 40, out_len - 14 - 40);
				assert_int_equal(fold(sum), 0xffff);
				assert_int_not_equal(out[14 + 40 + 6] | out[14 + 40 + 7], 0);
			}

			/* Decapsulation gives back the original packet. */
			dr = s.family == 4 ? (svc->fwd == XLB_FWD_GUE ? XLB_DECAP_GUE4 : XLB_DECAP_IPIP)
					   : (svc->fwd == XLB_FWD_GUE ? XLB_DECAP_GUE6
								      : XLB_DECAP_IP6IP6);
			d0 = dstat_of(dr);
			assert_int_equal(run_decap(out, out_len, dout, &dlen), TC_ACT_OK);
			assert_int_equal(dstat_of(dr), d0 + 1);
			l3 = p.len - p.l3_off;
			assert_int_equal(dlen, 14 + l3);
			assert_bytes(dout, out, 14, "decapsulated Ethernet header");
			assert_bytes(dout + 14, p.buf + p.l3_off, l3, "decapsulated inner packet");
		}
	}
}

/* The decap program passes what is not encapsulated for it, untouched. */
static void test_decap_pass(void **state)
{
	const struct lab_svc *svc = &services[1]; /* gue v4 */
	struct pkt_spec s = spec_for(&services[0], 40000, 100);
	__u8 out[PKT_MAX + 256], dout[PKT_MAX + 256];
	__u32 out_len, dlen;
	struct pkt p;
	__u64 d0;

	lab_require();
	base_config();
	/* A plain TCP packet. */
	assert_int_equal(pkt_build(&s, &p), 0);
	d0 = dstat_of(XLB_DECAP_PASS);
	assert_int_equal(run_decap(p.buf, p.len, dout, &dlen), TC_ACT_OK);
	assert_int_equal(dstat_of(XLB_DECAP_PASS), d0 + 1);
	assert_int_equal(dlen, p.len);
	assert_bytes(dout, p.buf, p.len, "passed frame");

	/* GUE on another port than the configured one: passed, then decapsulated once configured. */
	set_node(NODE4, NODE6, 7000);
	s = spec_for(svc, 40000, 100);
	assert_int_equal(pkt_build(&s, &p), 0);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	assert_int_equal(out[14 + 20 + 2] << 8 | out[14 + 20 + 3], 7000);
	d0 = dstat_of(XLB_DECAP_PASS);
	assert_int_equal(run_decap(out, out_len, dout, &dlen), TC_ACT_OK);
	assert_int_equal(dstat_of(XLB_DECAP_PASS), d0 + 1);
	assert_int_equal(dlen, out_len);
	{
		struct xlb_decap_cfg dc = {.gue_port = htons(7000)};
		__u32 zero = 0;

		assert_int_equal(bpf_map_update_elem(mfd(lab.dskel->maps.XLB_DECAP_CFG_MAP), &zero, &dc,
						     BPF_ANY),
				 0);
		assert_int_equal(run_decap(out, out_len, dout, &dlen), TC_ACT_OK);
		assert_int_equal(dlen, 14 + p.len - p.l3_off);
		assert_bytes(dout + 14, p.buf + p.l3_off, p.len - p.l3_off, "inner packet");
		dc.gue_port = 0;
		assert_int_equal(bpf_map_update_elem(mfd(lab.dskel->maps.XLB_DECAP_CFG_MAP), &zero, &dc,
						     BPF_ANY),
				 0);
	}
	/* GUE port, but the payload is not IP: dropped, counted. */
	out[14 + 28] = 0x00;
	{
		__u8 g[PKT_MAX + 256];

		memcpy(g, out, out_len);
		g[14 + 20 + 2] = 6080 >> 8, g[14 + 20 + 3] = 6080 & 0xff;
		d0 = dstat_of(XLB_DECAP_ERR_INNER);
		assert_int_equal(run_decap(g, out_len, dout, &dlen), TC_ACT_SHOT);
		assert_int_equal(dstat_of(XLB_DECAP_ERR_INNER), d0 + 1);
	}
}

/* No node address of the VIP's family: dropped under drop_no_node_addr. */
static void test_no_node_addr(void **state)
{
	__u8 out[PKT_MAX + 256];
	__u32 out_len;
	struct pkt p;
	struct pkt_spec s4 = spec_for(&services[0], 40000, 10), s6 = spec_for(&services[3], 40000, 10);

	lab_require();
	base_config();
	set_node(NULL, NODE6, 0);
	assert_int_equal(pkt_build(&s4, &p), 0);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_DROP_NO_NODE_ADDR),
			 XDP_DROP);
	set_node(NODE4, NULL, 0);
	assert_int_equal(pkt_build(&s6, &p), 0);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_DROP_NO_NODE_ADDR),
			 XDP_DROP);
	/* The other family still works. */
	assert_int_equal(pkt_build(&s4, &p), 0);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
}

/*
 * Too big once encapsulated: ICMP fragmentation-needed / packet-too-big back
 * to the client (XDP_TX), MTU = 1500 - overhead, quote = the first 64 bytes
 * of the original packet; IPv4 without DF: dropped. Both with an empty
 * next-hop cache (the FIB reports FRAG_NEEDED) and with a filled one.
 */
static void check_too_big(const struct lab_svc *svc, int cached)
{
	int v6 = strchr(svc->vip, ':') != NULL, gue = svc->fwd == XLB_FWD_GUE;
	__u32 olen = (v6 ? 40 : 20) + (gue ? 8 : 0), out_len, mtu;
	/* L3 length exactly MTU - olen + 1. */
	__u16 payload = (__u16)(MTU - olen + 1 - (v6 ? 40 : 20) - 20);
	struct pkt_spec s = spec_for(svc, 41000, payload);
	__u8 out[PKT_MAX + 256], want[256], cmac[6] = CMAC, lbmac[6] = LBMAC;
	struct pkt p, ok;
	size_t hl = v6 ? 40 : 20;
	__u32 sum;

	print_message("  %s %s, %s next hop\n", gue ? "gue" : "ipip", v6 ? "IPv6" : "IPv4",
		      cached ? "cached" : "uncached");
	base_config();
	if (cached) { /* a small packet of another flow fills the cache for the backend */
		struct pkt_spec small = spec_for(svc, 41002, 10);

		assert_int_equal(pkt_build(&small, &ok), 0);
		assert_int_equal(run_xdp(ok.buf, ok.len, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	}
	/* One byte less fits exactly. */
	s.payload_len = payload - 1;
	assert_int_equal(pkt_build(&s, &p), 0);
	assert_int_equal(p.len - p.l3_off + olen, MTU);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);

	s.payload_len = payload;
	s.sport = 41004;
	assert_int_equal(pkt_build(&s, &p), 0);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_TX_TOO_BIG), XDP_TX);
	assert_int_equal(out_len, 14 + hl + 8 + 64);
	memcpy(want, cmac, 6);
	memcpy(want + 6, lbmac, 6);
	assert_bytes(out, want, 12, "ICMP reply MACs (swapped)");
	mtu = MTU - olen;
	if (v6) {
		__u8 *ip = out + 14, *ic = out + 14 + 40, vip[16], cli[16];

		inet_pton(AF_INET6, svc->vip, vip);
		inet_pton(AF_INET6, CLIENT6, cli);
		assert_int_equal(out[12] << 8 | out[13], ETH_P_IPV6);
		assert_int_equal(ip[0] >> 4, 6);
		assert_int_equal(ip[4] << 8 | ip[5], 8 + 64);
		assert_int_equal(ip[6], IPPROTO_ICMPV6);
		assert_bytes(ip + 8, vip, 16, "ICMPv6 source = VIP");
		assert_bytes(ip + 24, cli, 16, "ICMPv6 destination = client");
		assert_int_equal(ic[0], 2);
		assert_int_equal(ic[1], 0);
		assert_int_equal((__u32)ic[4] << 24 | ic[5] << 16 | ic[6] << 8 | ic[7], mtu);
		sum = sum_be(sum_be(0, vip, 16), cli, 16) + 8 + 64 + IPPROTO_ICMPV6;
		assert_int_equal(fold(sum_be(sum, ic, 8 + 64)), 0xffff);
		assert_bytes(ic + 8, p.buf + p.l3_off, 64, "quoted packet");
	} else {
		__u8 *ip = out + 14, *ic = out + 14 + 20, vip[4], cli[4];

		inet_pton(AF_INET, svc->vip, vip);
		inet_pton(AF_INET, CLIENT4, cli);
		assert_int_equal(out[12] << 8 | out[13], ETH_P_IP);
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[2] << 8 | ip[3], 20 + 8 + 64);
		assert_int_equal(ip[9], 1);
		assert_bytes(ip + 12, vip, 4, "ICMP source = VIP");
		assert_bytes(ip + 16, cli, 4, "ICMP destination = client");
		assert_int_equal(fold(sum_be(0, ip, 20)), 0xffff);
		assert_int_equal(ic[0], 3);
		assert_int_equal(ic[1], 4);
		assert_int_equal(ic[4] << 8 | ic[5], 0);
		assert_int_equal(ic[6] << 8 | ic[7], mtu);
		assert_int_equal(fold(sum_be(0, ic, 8 + 64)), 0xffff);
		assert_bytes(ic + 8, p.buf + p.l3_off, 64, "quoted packet");

		/* Without DF: dropped. */
		pkt_ipv4_set_frag(&p, 0, 0);
		assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_DROP_TOO_BIG),
				 XDP_DROP);
	}
}

static void test_too_big(void **state)
{
	size_t i;

	lab_require();
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		check_too_big(&services[i], 0);
		check_too_big(&services[i], 1);
	}
}

/* An ICMP error quoting an ipip flow reaches the flow's backend encapsulated. */
static void test_icmp_error_encap(void **state)
{
	const struct lab_svc *svc = &services[0];
	struct pkt_spec s = spec_for(svc, 42000, 10), r;
	__u8 out[PKT_MAX + 256], dout[PKT_MAX + 256];
	__u32 out_len, dlen;
	struct pkt p;

	lab_require();
	base_config();
	assert_int_equal(pkt_build(&s, &p), 0);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_FWD_TX), XDP_TX);
	/* The backend's reply VIP:80 -> client:42000, quoted by a router's frag-needed. */
	r = s;
	r.src = svc->vip;
	r.dst = CLIENT4;
	r.sport = 80;
	r.dport = 42000;
	assert_int_equal(pkt_build_icmp_error(&r, "10.9.0.254", svc->vip, 3, 4, 1400, &p), 0);
	assert_int_equal(run_xdp(p.buf, p.len, out, &out_len, XLB_STAT_FWD_ICMP), XDP_TX);
	assert_int_equal(out_len, p.len - p.l3_off + 14 + 20);
	assert_int_equal(out[14 + 9], 4); /* IPv4-in-IPv4 */
	assert_int_equal(run_decap(out, out_len, dout, &dlen), TC_ACT_OK);
	assert_bytes(dout + 14, p.buf + p.l3_off, p.len - p.l3_off, "decapsulated ICMP error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encap_modes), cmocka_unit_test(test_decap_pass),
	    cmocka_unit_test(test_no_node_addr), cmocka_unit_test(test_too_big),
	    cmocka_unit_test(test_icmp_error_encap),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
