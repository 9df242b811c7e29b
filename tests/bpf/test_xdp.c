// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_xdp.c - the XDP data path (bpf/xlb.bpf.c) under BPF_PROG_TEST_RUN.
 *
 * The process moves into a private network namespace (it vanishes with the
 * process) holding two veth pairs, addresses, forwarding and permanent
 * neighbour entries, so bpf_fib_lookup gives real answers:
 *
 *   xt0 02:00:00:00:00:01  10.9.0.1/24  fd00:9::1/64   (ingress; XDP_TX)
 *   xt2 02:00:00:00:01:01  10.9.1.1/24                 (redirect target)
 *
 * Table-driven cases {name, packet, setup, action, output, counter deltas};
 * each case starts from the same base map configuration with an empty
 * connection table. Needs root; skipped otherwise.
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
#include <unistd.h>

/* After setjmp.h, stdarg.h and stddef.h, which cmocka.h needs. */
#include <cmocka.h>

#include "bpf_lab.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"

/* ---- lab ---------------------------------------------------------------- */

#define MAC_XT0	 "02:00:00:00:00:01"
#define MAC_XT2	 "02:00:00:00:01:01"
#define TBL_SIZE 7 /* small prime: every slot is exercised */
#define NSVC	 7 /* service ids 1..6 are used */
#define NBE	 9 /* backend ids 1..8 are used */

struct lab_backend {
	__u32 id;
	__u32 svc_id;
	const char *addr;
	const char *mac; /* its MAC, as the next hop's dmac (NULL: unknown) */
	int neigh;	 /* install a permanent neighbour entry for it */
	const char *dev;
};

/* Backend ids; 0 is left unused so that "0" can mean "none" in cases. */
static const struct lab_backend backends[] = {
    {1, 1, "10.9.0.11", "02:00:00:00:00:0b", 1, "xt0"},
    {2, 1, "10.9.0.12", "02:00:00:00:00:0c", 1, "xt0"},
    {3, 1, "10.9.0.13", "02:00:00:00:00:0d", 1, "xt0"},
    {4, 2, "10.9.0.11", "02:00:00:00:00:0b", 0, "xt0"}, /* same host as 1, UDP service */
    {5, 3, "fd00:9::11", "02:00:00:00:00:1b", 1, "xt0"},
    {6, 5, "10.9.0.14", NULL, 0, "xt0"}, /* no neighbour entry */
    {7, 6, "10.9.1.11", "02:00:00:00:01:0b", 1, "xt2"},
    {8, 1, "10.9.0.15", "02:00:00:00:00:0f", 1, "xt0"}, /* spare of service 1 */
};

struct lab_service {
	__u32 id;
	const char *vip;
	__u16 port;
	__u8 proto;
	__u32 slots[TBL_SIZE]; /* backend id per table slot */
};

#define NONE XLB_BACKEND_NONE
static const struct lab_service services[] = {
    {1, "10.9.0.100", 80, IPPROTO_TCP, {1, 2, 3, 1, 2, 3, 1}},
    {2, "10.9.0.100", 53, IPPROTO_UDP, {4, 4, 4, 4, 4, 4, 4}},
    {3, "fd00:9::100", 443, IPPROTO_TCP, {5, 5, 5, 5, 5, 5, 5}},
    {4, "10.9.0.101", 80, IPPROTO_TCP, {NONE, NONE, NONE, NONE, NONE, NONE, NONE}},
    {5, "10.9.0.102", 80, IPPROTO_TCP, {6, 6, 6, 6, 6, 6, 6}},
    {6, "10.9.0.103", 80, IPPROTO_TCP, {7, 7, 7, 7, 7, 7, 7}},
};

static struct {
	int state; /* 0 not root (skip), 1 ready, -1 set-up failed */
	struct xlb *skel;
	int prog_fd;
	int ifx0, ifx2;
	int ncpus;
	int prefilter; /* the skeleton was loaded with xlb_cfg_prefilter = 1 */
	int fcache;    /* ... and with xlb_cfg_fcache = 1 (the default) */
} lab;

static int lab_net_up(void)
{
	static const char *const cmds[] = {
	    "ip link add xt0 address " MAC_XT0 " type veth peer name xt1",
	    "ip link add xt2 address " MAC_XT2 " type veth peer name xt3",
	    "ip link set xt0 up && ip link set xt1 up && ip link set xt2 up && ip link set xt3 up",
	    "ip addr add 10.9.0.1/24 dev xt0",
	    "ip -6 addr add fd00:9::1/64 dev xt0 nodad",
	    "ip addr add 10.9.1.1/24 dev xt2",
	    "sysctl -q -w net.ipv4.ip_forward=1",
	    "sysctl -q -w net.ipv6.conf.all.forwarding=1",
	};
	size_t i;

	if (bpf_lab_netns(cmds, sizeof(cmds) / sizeof(cmds[0])))
		return -1;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const struct lab_backend *b = &backends[i];

		if (b->neigh && bpf_lab_sh("ip neigh replace %s lladdr %s dev %s nud permanent", b->addr,
				   b->mac, b->dev))
			return -1;
	}
	return 0;
}

/* Namespace once per process; a fresh skeleton per group (prefilter and flow cache knobs). */
static int lab_setup(int prefilter, int fcache)
{
	static int net_state; /* 0 not tried, 1 up, -1 failed */

	if (geteuid() != 0)
		return 0; /* lab.state 0: every test skips */
	lab.state = -1;
	if (net_state == 0) {
		net_state = -1;
		if (lab_net_up())
			return 0;
		net_state = 1;
	}
	if (net_state != 1)
		return 0;
	lab.ifx0 = if_nametoindex("xt0");
	lab.ifx2 = if_nametoindex("xt2");
	lab.ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(bpf_lab_libbpf_quiet);
	lab.skel = xlb__open();
	if (lab.skel) {
		lab.skel->rodata->xlb_cfg_prefilter = prefilter;
		lab.skel->rodata->xlb_cfg_fcache = fcache;
		/* no expiry between the steps of a test on a slow machine (see fcache.h) */
		lab.skel->rodata->xlb_cfg_fcache_ttl_ns = 3600ull * 1000000000;
		if (xlb__load(lab.skel)) {
			xlb__destroy(lab.skel);
			lab.skel = NULL;
		}
	}
	if (!lab.skel || !lab.ifx0 || !lab.ifx2 || lab.ncpus <= 0) {
		fprintf(stderr, "lab: cannot load xlb.bpf.o\n");
		return 0;
	}
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.prefilter = prefilter;
	lab.fcache = fcache;
	lab.state = 1;
	return 0;
}

static int group_setup(void **state)
{
	return lab_setup(0, 1);
}

static int group_setup_prefilter(void **state)
{
	return lab_setup(1, 1);
}

static int group_setup_nocache(void **state)
{
	return lab_setup(1, 0);
}

static int group_teardown(void **state)
{
	xlb__destroy(lab.skel); /* the namespace goes with the process */
	lab.skel = NULL;
	return 0;
}

static void lab_require(void)
{
	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
}

/* ---- map helpers ------------------------------------------------------- */

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

/* Install a fresh lookup table (an inner map of `size` slots) for svc_id. */
static void install_table(__u32 svc_id, const __u32 *slots, __u32 size)
{
	assert_int_equal(
	    bpf_lab_table_install(mfd(lab.skel->maps.XLB_TABLES_MAP), svc_id, slots, size), 0);
}

static void set_backend_flags(__u32 id, __u8 flags)
{
	struct xlb_backend be;
	int fd = mfd(lab.skel->maps.XLB_BACKENDS_MAP);

	assert_int_equal(bpf_map_lookup_elem(fd, &id, &be), 0);
	be.flags = flags;
	assert_int_equal(bpf_map_update_elem(fd, &id, &be, BPF_ANY), 0);
}

static void clear_flows(void)
{
	int fd = mfd(lab.skel->maps.XLB_FLOWS_MAP);
	struct xlb_flow_key k;

	while (bpf_map_get_next_key(fd, NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
}

/* Mark (dst, dport) in the VIP prefilter, as lbd would before adding the service. */
static void vfilter_set(const struct xlb_addr *dst, __be16 dport)
{
	int fd = mfd(lab.skel->maps.XLB_VIPFILTER_MAP);
	__u32 b = xlb_vfilter_bucket(dst, dport), w = b / 64;
	__u64 bits;

	assert_int_equal(bpf_map_lookup_elem(fd, &w, &bits), 0);
	bits |= 1ull << (b % 64);
	assert_int_equal(bpf_map_update_elem(fd, &w, &bits, BPF_ANY), 0);
}

/* Invalidate every per-CPU flow cache entry (bpf/fcache.h), as lbd does. */
static __u32 epoch_bump(void)
{
	int fd = mfd(lab.skel->maps.XLB_EPOCH_MAP);
	__u32 zero = 0, e;

	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &e), 0);
	e++;
	assert_int_equal(bpf_map_update_elem(fd, &zero, &e, BPF_ANY), 0);
	return e;
}

/* Base configuration: all services, backends, tables, tx ports; no flows. */
static void base_config(void)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const struct lab_backend *b = &backends[i];
		struct xlb_backend be = {
		    .svc_id = b->svc_id, .weight = 1, .flags = XLB_BE_F_ACTIVE};

		addr_of(b->addr, &be.addr, &be.family);
		assert_int_equal(
		    bpf_map_update_elem(mfd(lab.skel->maps.XLB_BACKENDS_MAP), &b->id, &be, BPF_ANY), 0);
	}
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const struct lab_service *s = &services[i];
		struct xlb_vip_key vk = {.port = htons(s->port), .proto = s->proto};
		struct xlb_svc svc = {.id = s->id, .table_size = TBL_SIZE};
		__u32 n = 1;

		addr_of(s->vip, &vk.addr, &vk.family);
		assert_int_equal(
		    bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY), 0);
		vk.port = 0;
		vk.proto = 0;
		assert_int_equal(
		    bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPADDRS_MAP), &vk, &n, BPF_ANY), 0);
		install_table(s->id, s->slots, TBL_SIZE);
		vfilter_set(&vk.addr, htons(s->port));
	}
	assert_int_equal(
	    bpf_map_update_elem(mfd(lab.skel->maps.xlb_txports), &lab.ifx2, &lab.ifx2, BPF_ANY), 0);
	clear_flows();
	epoch_bump(); /* as lbd does after making backends usable: no stale cached flows */
}

/* ---- counters ---------------------------------------------------------- */

struct snap {
	__u64 stat[XLB_STAT_MAX];
	struct xlb_counters svc[NSVC], be[NBE];
};

static void sum_counters(int fd, __u32 id, struct xlb_counters *out)
{
	struct xlb_counters v[lab.ncpus];
	int c;

	memset(out, 0, sizeof(*out));
	assert_int_equal(bpf_map_lookup_elem(fd, &id, v), 0);
	for (c = 0; c < lab.ncpus; c++) {
		out->packets += v[c].packets;
		out->bytes += v[c].bytes;
		out->new_flows += v[c].new_flows;
		out->syn_retx += v[c].syn_retx;
		out->syn_cookies += v[c].syn_cookies; /* backends: udp_seen2 */
	}
}

static void take_snap(struct snap *s)
{
	__u64 v[lab.ncpus];
	__u32 i;
	int c;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < XLB_STAT_MAX; i++) {
		assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_STATS_MAP), &i, v), 0);
		for (c = 0; c < lab.ncpus; c++)
			s->stat[i] += v[c];
	}
	for (i = 0; i < NSVC; i++)
		sum_counters(mfd(lab.skel->maps.XLB_SVC_STATS_MAP), i, &s->svc[i]);
	for (i = 0; i < NBE; i++)
		sum_counters(mfd(lab.skel->maps.XLB_BE_STATS_MAP), i, &s->be[i]);
}

static const char *const stat_names[] = {
#define XLB_STAT_NAME(e, name, help) name,
    XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

/* ---- running packets --------------------------------------------------- */

static int run_pkt(const struct pkt *p, __u8 *out, __u32 *out_len, int ifindex)
{
	int action;

	assert_int_equal(bpf_lab_run_xdp(lab.prog_fd, p->buf, p->len, ifindex, out, out_len, &action),
			 0);
	return action;
}

static int run_spec(const struct pkt_spec *s, __u8 *out, __u32 *out_len)
{
	struct pkt p;

	assert_int_equal(pkt_build(s, &p), 0);
	return run_pkt(&p, out, out_len, lab.ifx0);
}

static const struct lab_backend *backend(__u32 id)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i].id == id)
			return &backends[i];
	fail_msg("no backend %u", id);
	return NULL;
}

/* Which backend should a new flow of s get from `slots` (user-space hash)? */
static __u32 predict(const struct pkt_spec *s, const __u32 *slots, __u32 size)
{
	struct xlb_flow_key k;

	pkt_flow_key(s, &k);
	return slots[xlb_flow_hash(&k) % size];
}

/* ---- cases ------------------------------------------------------------- */

#define BE_PREDICT 0xfffffffe /* expected backend: the base table slot of the flow's hash */
#define BE_DYN	   0xfffffffd /* expected backend: chosen by the case's setup (g_dyn_be) */

struct xdp_case {
	const char *name;
	struct pkt_spec spec;
	void (*mutate)(struct pkt *p);		 /* malformed variants */
	void (*setup)(const struct xdp_case *c); /* after base_config, before the snapshot */
	int action;
	enum xlb_stat reason;
	__u32 svc;	 /* service whose counters move (0: none) */
	__u32 be;	 /* backend whose counters move, 0: none; BE_PREDICT, BE_DYN */
	__u64 new_flows; /* expected new_flows delta of svc and be */
};

static __u32 g_dyn_be;

static const __u32 *base_slots(__u32 svc_id)
{
	return services[svc_id - 1].slots;
}

/* The packet has been seen once already: the case's packet is the second. */
static void setup_prime(const struct xdp_case *c)
{
	__u8 out[PKT_MAX];
	__u32 len;

	assert_int_equal(run_spec(&c->spec, out, &len), XDP_TX);
	g_dyn_be = predict(&c->spec, base_slots(c->svc), TBL_SIZE);
}

/* Established flow, then the table changes so its slot names another backend. */
static void setup_table_replaced(const struct xdp_case *c)
{
	__u32 slots[TBL_SIZE], i;

	setup_prime(c);
	for (i = 0; i < TBL_SIZE; i++)
		slots[i] = g_dyn_be == 8 ? 1 : 8; /* everything to another live backend */
	install_table(c->svc, slots, TBL_SIZE);
}

/* Established flow, then its backend is deactivated and the table rebuilt without it. */
static void setup_backend_inactive(const struct xdp_case *c)
{
	__u32 slots[TBL_SIZE], i, old;

	setup_prime(c);
	old = g_dyn_be;
	set_backend_flags(old, 0);
	for (i = 0; i < TBL_SIZE; i++)
		slots[i] = old == 8 ? 1 : 8;
	install_table(c->svc, slots, TBL_SIZE);
	g_dyn_be = slots[0];
}

/* Established flow, backend deactivated, table still names it: nothing usable. */
static void setup_backend_inactive_only(const struct xdp_case *c)
{
	setup_prime(c);
	set_backend_flags(g_dyn_be, 0);
}

/* Inner table smaller than svc->table_size claims: the lookup must fail safely. */
static void setup_short_table(const struct xdp_case *c)
{
	static const __u32 one[1] = {1};
	struct xlb_vip_key vk = {.port = htons(c->spec.dport), .proto = c->spec.proto};
	struct xlb_svc svc = {.id = c->svc, .table_size = 1048573};

	addr_of(c->spec.dst, &vk.addr, &vk.family);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY),
			 0);
	install_table(c->svc, one, 1);
	/* Slot 0 is the only in-range one; make sure this flow does not hash there. */
	{
		struct xlb_flow_key k;

		pkt_flow_key(&c->spec, &k);
		assert_int_not_equal(xlb_flow_hash(&k) % 1048573, 0);
	}
}

/* The redirect target is not a tx port. */
static void setup_no_txport(const struct xdp_case *c)
{
	assert_int_equal(bpf_map_delete_elem(mfd(lab.skel->maps.xlb_txports), &lab.ifx2), 0);
}

/* Backend 6 moves to an address with no route (the lab has no default route). */
static void setup_unroutable(const struct xdp_case *c)
{
	struct xlb_backend be;
	__u32 id = 6;
	int fd = mfd(lab.skel->maps.XLB_BACKENDS_MAP);

	assert_int_equal(bpf_map_lookup_elem(fd, &id, &be), 0);
	addr_of("192.0.2.1", &be.addr, &be.family);
	assert_int_equal(bpf_map_update_elem(fd, &id, &be, BPF_ANY), 0);
}

static void mut_trunc_tcp(struct pkt *p)
{
	/* IP header consistent with a 10-byte L4 part: only the TCP header is short. */
	pkt_truncate(p, p->l4_off + 10);
	pkt_ipv4_set_tot_len(p, (__u16)(p->l4_off + 10 - p->l3_off));
}

static void mut_trunc_frame(struct pkt *p)
{
	pkt_truncate(p, p->l4_off + 10); /* frame cut, tot_len still claims the full packet */
}

static void mut_trunc_ip(struct pkt *p)
{
	pkt_truncate(p, p->l3_off + 12); /* not even the IPv4 destination is present */
}

static void mut_ihl4(struct pkt *p)
{
	pkt_ipv4_set_ihl(p, 4);
}

static void mut_frag_mf(struct pkt *p)
{
	pkt_ipv4_set_frag(p, 1, 0);
}

static void mut_frag_off(struct pkt *p)
{
	pkt_ipv4_set_frag(p, 0, 185);
}

static void mut_tot_len_big(struct pkt *p)
{
	pkt_ipv4_set_tot_len(p, (__u16)(p->len - p->l3_off + 100));
}

static void mut_v6_plen_big(struct pkt *p)
{
	pkt_ipv6_set_payload_len(p, (__u16)(p->len - p->l4_off + 100));
}

static void mut_arp(struct pkt *p)
{
	p->buf[12] = 0x08; /* ETH_P_ARP; the rest is just bytes to the program */
	p->buf[13] = 0x06;
}

static void mut_v6_frag(struct pkt *p)
{
	p->buf[p->l3_off + 6] = 44; /* next header: Fragment */
}

#define CLIENT4 "10.9.0.50"
#define CLIENT6 "fd00:9::50"
#define CMAC                                                                                       \
	{                                                                                          \
		0x02, 0, 0, 0, 0, 0x50                                                             \
	}
#define LBMAC                                                                                      \
	{                                                                                          \
		0x02, 0, 0, 0, 0, 0x01                                                             \
	}
#define TCP4(d, dp)                                                                                \
	{                                                                                          \
		.family = 4, .proto = IPPROTO_TCP, .src = CLIENT4, .dst = d, .sport = 40000,       \
		.dport = dp, .smac = CMAC, .dmac = LBMAC, .payload_len = 32                        \
	}

static const struct xdp_case cases[] = {
    {"arp_pass", TCP4("10.9.0.100", 80), mut_arp, NULL, XDP_PASS, XLB_STAT_PASS_NOT_IP},
    {"v4_tcp_not_vip_pass", TCP4("10.9.0.200", 80), NULL, NULL, XDP_PASS, XLB_STAT_PASS_NOT_VIP},
    {"v4_tcp_vip_other_port_pass", TCP4("10.9.0.100", 8080), NULL, NULL, XDP_PASS,
     XLB_STAT_PASS_NOT_VIP},
    {"v4_tcp_vip_tx", TCP4("10.9.0.100", 80), NULL, NULL, XDP_TX, XLB_STAT_FWD_TX, 1, BE_PREDICT,
     1},
    {"v4_udp_vip_tx",
     {.family = 4,
      .proto = IPPROTO_UDP,
      .src = CLIENT4,
      .dst = "10.9.0.100",
      .sport = 5353,
      .dport = 53,
      .smac = CMAC,
      .dmac = LBMAC,
      .payload_len = 40},
     NULL,
     NULL,
     XDP_TX,
     XLB_STAT_FWD_TX,
     2,
     4,
     1},
    {"v6_tcp_vip_tx",
     {.family = 6,
      .proto = IPPROTO_TCP,
      .src = CLIENT6,
      .dst = "fd00:9::100",
      .sport = 40002,
      .dport = 443,
      .smac = CMAC,
      .dmac = LBMAC,
      .payload_len = 16},
     NULL,
     NULL,
     XDP_TX,
     XLB_STAT_FWD_TX,
     3,
     5,
     1},
    {"v6_tcp_not_vip_pass",
     {.family = 6,
      .proto = IPPROTO_TCP,
      .src = CLIENT6,
      .dst = "fd00:9::200",
      .sport = 40002,
      .dport = 443,
      .smac = CMAC,
      .dmac = LBMAC},
     NULL,
     NULL,
     XDP_PASS,
     XLB_STAT_PASS_NOT_VIP},
    {"vlan_v4_tcp_vip_tx",
     {.family = 4,
      .proto = IPPROTO_TCP,
      .src = CLIENT4,
      .dst = "10.9.0.100",
      .sport = 40010,
      .dport = 80,
      .vlan = 42,
      .smac = CMAC,
      .dmac = LBMAC,
      .payload_len = 8},
     NULL,
     NULL,
     XDP_TX,
     XLB_STAT_FWD_TX,
     1,
     BE_PREDICT,
     1},
    {"second_packet_same_backend", TCP4("10.9.0.100", 80), NULL, setup_prime, XDP_TX,
     XLB_STAT_FWD_TX, 1, BE_DYN, 0},
    {"flow_sticks_after_table_swap", TCP4("10.9.0.100", 80), NULL, setup_table_replaced, XDP_TX,
     XLB_STAT_FWD_TX, 1, BE_DYN, 0},
    {"inactive_backend_rescheduled", TCP4("10.9.0.100", 80), NULL, setup_backend_inactive, XDP_TX,
     XLB_STAT_FWD_TX, 1, BE_DYN, 1},
    {"inactive_backend_no_alternative", TCP4("10.9.0.100", 80), NULL, setup_backend_inactive_only,
     XDP_DROP, XLB_STAT_DROP_NO_BACKEND, 1},
    {"empty_table_drop_no_backend", TCP4("10.9.0.101", 80), NULL, NULL, XDP_DROP,
     XLB_STAT_DROP_NO_BACKEND, 4},
    {"short_inner_table_drop_no_backend", TCP4("10.9.0.101", 80), NULL, setup_short_table, XDP_DROP,
     XLB_STAT_DROP_NO_BACKEND, 4},
    {"backend_without_neigh_drop", TCP4("10.9.0.102", 80), NULL, NULL, XDP_DROP,
     XLB_STAT_DROP_NO_NEIGH, 5, 6, 1},
    {"other_interface_redirect", TCP4("10.9.0.103", 80), NULL, NULL, XDP_REDIRECT,
     XLB_STAT_FWD_REDIRECT, 6, 7, 1},
    {"redirect_port_missing_drop", TCP4("10.9.0.103", 80), NULL, setup_no_txport, XDP_DROP,
     XLB_STAT_DROP_REDIRECT, 6, 7, 1},
    {"unroutable_backend_drop_fib", TCP4("10.9.0.102", 80), NULL, setup_unroutable, XDP_DROP,
     XLB_STAT_DROP_FIB, 5, 6, 1},
    {"trunc_tcp_to_vip_drop", TCP4("10.9.0.100", 80), mut_trunc_tcp, NULL, XDP_DROP,
     XLB_STAT_DROP_MALFORMED},
    {"trunc_tcp_to_non_vip_pass", TCP4("10.9.0.200", 80), mut_trunc_tcp, NULL, XDP_PASS,
     XLB_STAT_PASS_NOT_VIP},
    {"trunc_frame_to_vip_drop", TCP4("10.9.0.100", 80), mut_trunc_frame, NULL, XDP_DROP,
     XLB_STAT_DROP_MALFORMED},
    {"trunc_ip_header_pass", TCP4("10.9.0.100", 80), mut_trunc_ip, NULL, XDP_PASS,
     XLB_STAT_PASS_NOT_IP},
    {"ihl4_to_vip_drop", TCP4("10.9.0.100", 80), mut_ihl4, NULL, XDP_DROP, XLB_STAT_DROP_MALFORMED},
    {"ihl4_to_non_vip_pass", TCP4("10.9.0.200", 80), mut_ihl4, NULL, XDP_PASS,
     XLB_STAT_PASS_NOT_VIP},
    {"frag_mf_to_vip_drop", TCP4("10.9.0.100", 80), mut_frag_mf, NULL, XDP_DROP,
     XLB_STAT_DROP_FRAGMENT},
    {"frag_offset_to_vip_drop", TCP4("10.9.0.100", 80), mut_frag_off, NULL, XDP_DROP,
     XLB_STAT_DROP_FRAGMENT},
    {"frag_to_non_vip_pass", TCP4("10.9.0.200", 80), mut_frag_mf, NULL, XDP_PASS,
     XLB_STAT_PASS_NOT_VIP},
    {"tot_len_beyond_frame_to_vip_drop", TCP4("10.9.0.100", 80), mut_tot_len_big, NULL, XDP_DROP,
     XLB_STAT_DROP_MALFORMED},
    {"v6_plen_beyond_frame_to_vip_drop",
     {.family = 6,
      .proto = IPPROTO_TCP,
      .src = CLIENT6,
      .dst = "fd00:9::100",
      .sport = 40002,
      .dport = 443,
      .smac = CMAC,
      .dmac = LBMAC},
     mut_v6_plen_big,
     NULL,
     XDP_DROP,
     XLB_STAT_DROP_MALFORMED},
    {"v6_frag_to_vip_drop",
     {.family = 6,
      .proto = IPPROTO_UDP,
      .src = CLIENT6,
      .dst = "fd00:9::100",
      .sport = 40002,
      .dport = 443,
      .smac = CMAC,
      .dmac = LBMAC},
     mut_v6_frag,
     NULL,
     XDP_DROP,
     XLB_STAT_DROP_FRAGMENT},
    {"icmp_to_vip_pass_not_l4",
     {.family = 4,
      .proto = IPPROTO_ICMP,
      .src = CLIENT4,
      .dst = "10.9.0.100",
      .smac = CMAC,
      .dmac = LBMAC,
      .payload_len = 56},
     NULL,
     NULL,
     XDP_PASS,
     XLB_STAT_PASS_NOT_L4},
    {"icmpv6_to_vip_pass_not_l4",
     {.family = 6,
      .proto = IPPROTO_ICMPV6,
      .src = CLIENT6,
      .dst = "fd00:9::100",
      .smac = CMAC,
      .dmac = LBMAC,
      .payload_len = 56},
     NULL,
     NULL,
     XDP_PASS,
     XLB_STAT_PASS_NOT_L4},
};

static void run_case(void **state)
{
	const struct xdp_case *c = *state;
	__u8 out[PKT_MAX], expect[PKT_MAX];
	struct snap before, after;
	__u32 out_len, be = c->be, i;
	struct pkt p;
	int action;

	lab_require();
	base_config();
	if (c->setup)
		c->setup(c);
	if (be == BE_PREDICT)
		be = predict(&c->spec, base_slots(c->svc), TBL_SIZE);
	else if (be == BE_DYN)
		be = g_dyn_be;

	assert_int_equal(pkt_build(&c->spec, &p), 0);
	if (c->mutate)
		c->mutate(&p);
	take_snap(&before);
	action = run_pkt(&p, out, &out_len, lab.ifx0);
	take_snap(&after);

	assert_int_equal(action, c->action);

	/* Output: forwarded frames get next-hop MACs, all else is byte-identical. */
	memcpy(expect, p.buf, p.len);
	if (c->action == XDP_TX || c->action == XDP_REDIRECT) {
		const struct lab_backend *b = backend(be);

		assert_int_equal(pkt_parse_mac(b->mac, expect), 0);
		assert_int_equal(
		    pkt_parse_mac(strcmp(b->dev, "xt2") ? MAC_XT0 : MAC_XT2, expect + 6), 0);
	}
	assert_int_equal(out_len, p.len);
	assert_memory_equal(out, expect, p.len);

	/* Counters: exactly one global reason, and only the expected svc/backend. */
	for (i = 0; i < XLB_STAT_MAX; i++) {
		__u64 d = after.stat[i] - before.stat[i];

		if (d != (i == c->reason ? 1u : 0u))
			fail_msg("stat %s moved by %llu (expected %s)", stat_names[i],
				 (unsigned long long)d, stat_names[c->reason]);
	}
	for (i = 0; i < NSVC; i++) {
		int hit = i == c->svc && c->svc;

		assert_int_equal(after.svc[i].packets - before.svc[i].packets, hit);
		assert_int_equal(after.svc[i].bytes - before.svc[i].bytes, hit ? p.len : 0);
		assert_int_equal(after.svc[i].new_flows - before.svc[i].new_flows,
				 hit ? c->new_flows : 0);
	}
	for (i = 0; i < NBE; i++) {
		int hit = i == be && be;

		assert_int_equal(after.be[i].packets - before.be[i].packets, hit);
		assert_int_equal(after.be[i].bytes - before.be[i].bytes, hit ? p.len : 0);
		assert_int_equal(after.be[i].new_flows - before.be[i].new_flows,
				 hit ? c->new_flows : 0);
	}
}

/*
 * The connection table entry: written for a new flow with backend, service
 * and time; last_seen_ns refreshed only once it is older than about 1 s.
 */
static void test_flow_entry(void **state)
{
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	int fd;
	struct xlb_flow_key k;
	struct xlb_flow f;
	__u8 out[PKT_MAX];
	__u32 len;
	__u64 t;

	lab_require();
	base_config();
	fd = mfd(lab.skel->maps.XLB_FLOWS_MAP);
	pkt_flow_key(&s, &k);
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
	assert_int_equal(f.backend_id, predict(&s, base_slots(1), TBL_SIZE));
	assert_int_equal(f.svc_id, 1);
	assert_true(f.last_seen_ns > 0);

	/* Recent: the packet does not write the entry. */
	t = f.last_seen_ns;
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
	assert_true(f.last_seen_ns == t);

	/* Old: refreshed to now. */
	f.last_seen_ns = 1;
	assert_int_equal(bpf_map_update_elem(fd, &k, &f, BPF_EXIST), 0);
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
	assert_true(f.last_seen_ns >= t);
}

/*
 * BPF_PROG_TEST_RUN executes on the calling CPU, and per-CPU state (flow
 * cache, rr cursors) is per CPU: pin the process to the CPU it runs on;
 * its old affinity in *old.
 */
static int pin_cpu(cpu_set_t *old)
{
	cpu_set_t one;
	int cpu;

	assert_int_equal(sched_getaffinity(0, sizeof(*old), old), 0);
	cpu = sched_getcpu();
	assert_true(cpu >= 0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	return cpu;
}

/* Which backend of service 1 a forwarded frame went to (by its destination MAC). */
static __u32 out_backend(const __u8 *out)
{
	static const __u32 ids[] = {1, 2, 3, 8};
	__u8 mac[6];
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		assert_int_equal(pkt_parse_mac(backend(ids[i])->mac, mac), 0);
		if (!memcmp(out, mac, 6))
			return ids[i];
	}
	fail_msg("frame sent to no backend of service 1");
	return 0;
}

/* Send s; it must be forwarded: to which backend of service 1. */
static __u32 send_to(const struct pkt_spec *s)
{
	__u8 out[PKT_MAX];
	__u32 len;

	assert_int_equal(run_spec(s, out, &len), XDP_TX);
	return out_backend(out);
}

/* Point the connection-table entry of s at backend be (as another CPU's reschedule would). */
static void flow_set_backend(const struct pkt_spec *s, __u32 be)
{
	int fd = mfd(lab.skel->maps.XLB_FLOWS_MAP);
	struct xlb_flow_key k;
	struct xlb_flow f;

	pkt_flow_key(s, &k);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
	f.backend_id = be;
	assert_int_equal(bpf_map_update_elem(fd, &k, &f, BPF_EXIST), 0);
}

/* This CPU's cache entry for s (asserts it is there), in *e; its slot in *slot. */
static void fcache_entry(const struct pkt_spec *s, int cpu, struct xlb_fcache_ent *e, __u32 *slot)
{
	int fd = mfd(lab.skel->maps.XLB_FCACHE_MAP);
	struct xlb_fcache_ent v[lab.ncpus];
	struct xlb_flow_key k;
	__u32 i;

	pkt_flow_key(s, &k);
	for (i = 0; i < XLB_FCACHE_SLOTS; i++) {
		assert_int_equal(bpf_map_lookup_elem(fd, &i, v), 0);
		if (v[cpu].expires_ns && !memcmp(&v[cpu].key, &k, sizeof(k))) {
			*e = v[cpu];
			*slot = i;
			return;
		}
	}
	fail_msg("flow not in the cache of CPU %d", cpu);
}

/* This CPU's clock entry, which holds its flow cache counters. */
static struct xlb_clock cpu_state(int cpu)
{
	struct xlb_clock v[lab.ncpus];
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_CLOCK_MAP), &zero, v), 0);
	return v[cpu];
}

/* The flow cache counters moved by exactly (hits, misses, fills, kills) since *before. */
static void fc_moved(int cpu, struct xlb_clock *before, __u64 hits, __u64 misses, __u64 fills,
		     __u64 kills)
{
	struct xlb_clock now = cpu_state(cpu);

	assert_int_equal(now.fc_hits - before->fc_hits, hits);
	assert_int_equal(now.fc_misses - before->fc_misses, misses);
	assert_int_equal(now.fc_fills - before->fc_fills, fills);
	assert_int_equal(now.fc_kills - before->fc_kills, kills);
	*before = now;
}

/* Make every CPU's copy of slot look expired. */
static void fcache_expire(__u32 slot)
{
	int fd = mfd(lab.skel->maps.XLB_FCACHE_MAP);
	struct xlb_fcache_ent v[lab.ncpus];
	int c;

	assert_int_equal(bpf_map_lookup_elem(fd, &slot, v), 0);
	for (c = 0; c < lab.ncpus; c++)
		if (v[c].expires_ns)
			v[c].expires_ns = 1;
	assert_int_equal(bpf_map_update_elem(fd, &slot, v, BPF_ANY), 0);
}

/*
 * The per-CPU flow cache (bpf/fcache.h, prefilter on). The connection-table
 * entry is changed behind the cache's back, as a reschedule on another CPU
 * would, to see which of the two decides:
 *  - the second packet of a flow fills this CPU's slot (backend, service,
 *    current epoch); later ACKs follow the cached copy;
 *  - FIN, RST and SYN never use it (the table keeps the lc state) and
 *    kill the slot of their flow;
 *  - an epoch bump (lbd: a backend became usable), an expired entry, or a
 *    cached backend that is no longer usable send the packet to the table,
 *    and the slot is refilled from it;
 *  - the table's last_seen_ns is refreshed after the cache expires.
 * Without the prefilter knob, or with the flow cache knob off (lbd
 * --no-flow-cache), the cache is never used: the table decides.
 */
static void test_flow_cache(void **state)
{
	struct pkt_spec ack = TCP4("10.9.0.100", 80), fin = TCP4("10.9.0.100", 80);
	struct pkt_spec rst = TCP4("10.9.0.100", 80);
	int fd_flows, cpu;
	struct xlb_fcache_ent e;
	struct xlb_clock cs;
	struct xlb_flow_key k;
	struct xlb_flow f;
	__u32 a, b, slot, epoch, slots[TBL_SIZE], i;
	cpu_set_t old;

	lab_require();
	/* BPF_PROG_TEST_RUN runs on the calling CPU: stay on one. */
	cpu = pin_cpu(&old);

	base_config();
	fd_flows = mfd(lab.skel->maps.XLB_FLOWS_MAP);
	ack.tcp_flags = 0x10;
	fin.tcp_flags = 0x11;
	rst.tcp_flags = 0x04;
	pkt_flow_key(&ack, &k);
	cs = cpu_state(cpu);
	a = send_to(&ack); /* new flow */
	assert_int_equal(a, predict(&ack, base_slots(1), TBL_SIZE));
	b = a == 1 ? 2 : 1; /* another live backend of service 1 */
	assert_int_equal(send_to(&ack), a); /* found in the table: fills the cache */
	if (!lab.prefilter || !lab.fcache) {
		flow_set_backend(&ack, b);
		assert_int_equal(send_to(&ack), b);
		fc_moved(cpu, &cs, 0, 0, 0, 0); /* never consulted, never counted */
		goto out;
	}
	fc_moved(cpu, &cs, 0, 2, 1, 0); /* new flow: a miss; found in the table: a miss + fill */
	epoch = epoch_bump();
	assert_int_equal(send_to(&ack), a); /* refilled under the new epoch */
	fcache_entry(&ack, cpu, &e, &slot);
	assert_int_equal(e.backend_id, a);
	assert_int_equal(e.svc_id, 1);
	assert_int_equal(e.epoch, epoch);
	assert_int_equal(e.fwd, XLB_FWD_DSR_L2);

	/* The cached copy decides for ACKs (counted in this CPU's clock entry). */
	flow_set_backend(&ack, b);
	cs = cpu_state(cpu);
	assert_int_equal(send_to(&ack), a);
	fc_moved(cpu, &cs, 1, 0, 0, 0);
	/* FIN and RST read the table and kill the slot: the next ACK reads it too. */
	assert_int_equal(send_to(&fin), b);
	fc_moved(cpu, &cs, 0, 0, 0, 1);
	assert_int_equal(send_to(&ack), b);
	fc_moved(cpu, &cs, 0, 1, 1, 0);
	assert_int_equal(send_to(&ack), b); /* refilled: cached b */
	fc_moved(cpu, &cs, 1, 0, 0, 0);
	flow_set_backend(&ack, a);
	assert_int_equal(send_to(&ack), b);
	assert_int_equal(send_to(&rst), a);
	assert_int_equal(send_to(&ack), a);

	/* A new epoch: back to the table, slot refilled with its backend. */
	flow_set_backend(&ack, b);
	assert_int_equal(send_to(&ack), a); /* cached a */
	epoch_bump();
	assert_int_equal(send_to(&ack), b);
	fcache_entry(&ack, cpu, &e, &slot);
	assert_int_equal(e.backend_id, b);
	assert_int_equal(send_to(&ack), b);

	/* Expired: the table again, and its last_seen_ns is refreshed. */
	flow_set_backend(&ack, a);
	assert_int_equal(bpf_map_lookup_elem(fd_flows, &k, &f), 0);
	f.last_seen_ns = 1;
	assert_int_equal(bpf_map_update_elem(fd_flows, &k, &f, BPF_EXIST), 0);
	assert_int_equal(send_to(&ack), b); /* still cached: the table is not even read */
	assert_int_equal(bpf_map_lookup_elem(fd_flows, &k, &f), 0);
	assert_true(f.last_seen_ns == 1);
	fcache_expire(slot);
	assert_int_equal(send_to(&ack), a);
	assert_int_equal(bpf_map_lookup_elem(fd_flows, &k, &f), 0);
	assert_true(f.last_seen_ns > 1);

	/* The cached backend goes down (table rebuilt without it): rescheduled at once. */
	set_backend_flags(a, 0);
	for (i = 0; i < TBL_SIZE; i++)
		slots[i] = b;
	install_table(1, slots, TBL_SIZE);
	assert_int_equal(send_to(&ack), b);
	assert_int_equal(bpf_map_lookup_elem(fd_flows, &k, &f), 0);
	assert_int_equal(f.backend_id, b);
	assert_int_equal(send_to(&ack), b); /* refilled from the rescheduled entry */
	fcache_entry(&ack, cpu, &e, &slot);
	assert_int_equal(e.backend_id, b);
	set_backend_flags(a, XLB_BE_F_ACTIVE);
	install_table(1, base_slots(1), TBL_SIZE);
out:
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

/*
 * Send s three times (new flow, found in the table, cached), delete its
 * table entry behind the cache's back, send it again: with the cache the
 * packet is forwarded from the cached copy (no table entry re-created, no
 * new flow counted); without it, it is a new flow again.
 */
static void cache_proof(const struct pkt_spec *s, __u32 svc, __u32 be, int cpu)
{
	int fd = mfd(lab.skel->maps.XLB_FLOWS_MAP), cached = lab.prefilter && lab.fcache;
	struct snap before, after;
	struct xlb_fcache_ent e;
	struct xlb_flow_key k;
	struct xlb_flow f;
	__u8 out[PKT_MAX];
	__u32 len, slot, i;
	struct pkt p;

	pkt_flow_key(s, &k);
	assert_int_equal(pkt_build(s, &p), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(run_pkt(&p, out, &len, lab.ifx0), XDP_TX);
	if (cached) {
		fcache_entry(s, cpu, &e, &slot);
		assert_int_equal(e.backend_id, be);
		assert_int_equal(e.svc_id, svc);
	}
	assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	take_snap(&before);
	assert_int_equal(run_pkt(&p, out, &len, lab.ifx0), XDP_TX);
	take_snap(&after);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), cached ? -ENOENT : 0);
	/* Counted like any established (or, without the cache, new) packet. */
	for (i = 0; i < XLB_STAT_MAX; i++)
		assert_int_equal(after.stat[i] - before.stat[i], i == XLB_STAT_FWD_TX);
	for (i = 0; i < NSVC; i++) {
		assert_int_equal(after.svc[i].packets - before.svc[i].packets, i == svc);
		assert_int_equal(after.svc[i].bytes - before.svc[i].bytes, i == svc ? p.len : 0);
		assert_int_equal(after.svc[i].new_flows - before.svc[i].new_flows,
				 i == svc && !cached);
	}
	for (i = 0; i < NBE; i++) {
		assert_int_equal(after.be[i].packets - before.be[i].packets, i == be);
		assert_int_equal(after.be[i].new_flows - before.be[i].new_flows, i == be && !cached);
	}
}

/*
 * More flow cache rules (bpf/fcache.h): IPv6 and UDP flows are cached too,
 * and a hit counts exactly as the table path does; a bare SYN kills the
 * slot of its flow, so a 5-tuple re-used after its table entry went (LRU
 * eviction) follows the new entry, not the old copy. Without the prefilter
 * or with the cache knob off, the same packets take the table.
 */
static void test_flow_cache_rules(void **state)
{
	struct pkt_spec v6 = TCP4("fd00:9::100", 443), udp = TCP4("10.9.0.100", 53);
	struct pkt_spec ack = TCP4("10.9.0.100", 80), syn = TCP4("10.9.0.100", 80);
	int fd_flows, cpu;
	struct xlb_flow_key k;
	struct xlb_flow f;
	__u32 a, b, i, slots[TBL_SIZE];
	cpu_set_t old;

	lab_require();
	cpu = pin_cpu(&old);
	base_config();
	fd_flows = mfd(lab.skel->maps.XLB_FLOWS_MAP);
	v6.family = 6;
	v6.src = CLIENT6;
	v6.tcp_flags = 0x10;
	udp.proto = IPPROTO_UDP;
	cache_proof(&v6, 3, 5, cpu);
	cache_proof(&udp, 2, 4, cpu);

	/* Re-used 5-tuple: the cached copy names a, the new connection gets b. */
	ack.tcp_flags = 0x10;
	syn.tcp_flags = 0x02;
	pkt_flow_key(&ack, &k);
	a = send_to(&ack);
	assert_int_equal(send_to(&ack), a);
	assert_int_equal(send_to(&ack), a);
	b = a == 1 ? 2 : 1;
	for (i = 0; i < TBL_SIZE; i++) /* a drained: still usable, out of the table */
		slots[i] = b;
	install_table(1, slots, TBL_SIZE);
	assert_int_equal(send_to(&ack), a); /* the established flow stays */
	assert_int_equal(bpf_map_delete_elem(fd_flows, &k), 0); /* evicted */
	assert_int_equal(send_to(&syn), b);
	assert_int_equal(bpf_map_lookup_elem(fd_flows, &k, &f), 0);
	assert_int_equal(f.backend_id, b);
	assert_int_equal(send_to(&ack), b);
	assert_int_equal(send_to(&ack), b);
	install_table(1, base_slots(1), TBL_SIZE);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

/*
 * The knob decides whether the prefilter is read: with it on, a service whose
 * bucket bit is missing is invisible (so lbd must set bits first); with it
 * off, the filter's content does not matter.
 */
static void test_prefilter_knob(void **state)
{
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	__u64 zero = 0;
	__u8 out[PKT_MAX];
	__u32 len, w;

	lab_require();
	base_config();
	for (w = 0; w < XLB_VFILTER_WORDS; w++)
		assert_int_equal(
		    bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPFILTER_MAP), &w, &zero, BPF_ANY), 0);
	assert_int_equal(run_spec(&s, out, &len), lab.prefilter ? XDP_PASS : XDP_TX);
}

/* ---- distribution ------------------------------------------------------ */

/*
 * 3000 flows from one client, even source ports only (as Linux connect()
 * picks them), over a 65537-slot table with slot i -> backend i % 3 + 1:
 * every backend gets 25%..42%, and each choice equals the user-space hash.
 */
static void test_distribution(void **state)
{
	enum { NFLOWS = 3000, SIZE = XLB_DEFAULT_TABLE_SIZE };
	static __u32 slots[SIZE];
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	struct xlb_vip_key vk = {.port = htons(80), .proto = IPPROTO_TCP};
	struct xlb_svc svc = {.id = 1, .table_size = SIZE};
	unsigned int count[4] = {0};
	__u8 out[PKT_MAX], mac[6];
	__u32 i, len, be;

	lab_require();
	base_config();
	for (i = 0; i < SIZE; i++)
		slots[i] = i % 3 + 1;
	install_table(1, slots, SIZE);
	addr_of("10.9.0.100", &vk.addr, &vk.family);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY),
			 0);

	s.payload_len = 0;
	for (i = 0; i < NFLOWS; i++) {
		s.sport = (__u16)(32768 + 2 * i);
		assert_int_equal(run_spec(&s, out, &len), XDP_TX);
		be = predict(&s, slots, SIZE);
		assert_int_equal(pkt_parse_mac(backend(be)->mac, mac), 0);
		assert_memory_equal(out, mac, 6);
		count[be]++;
	}
	for (i = 1; i <= 3; i++) {
		if (count[i] < NFLOWS * 25 / 100 || count[i] > NFLOWS * 42 / 100)
			fail_msg("backend %u got %u of %u flows", i, count[i], NFLOWS);
	}
	clear_flows();
}

/* ---- schedulers -------------------------------------------------------- */

/* Service 1 (10.9.0.100:80/tcp) with scheduler sched over `slots`. */
static void set_sched(__u8 sched, const __u32 *slots, __u32 size)
{
	struct xlb_vip_key vk = {.port = htons(80), .proto = IPPROTO_TCP};
	struct xlb_svc svc = {.id = 1, .table_size = size, .sched = sched};

	install_table(1, slots, size);
	addr_of("10.9.0.100", &vk.addr, &vk.family);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY),
			 0);
}

/* Per-CPU values of id in a per-CPU __u32 map: all zero. */
static void zero_rr_cursor(__u32 id)
{
	__u32 v[lab.ncpus];

	memset(v, 0, sizeof(v));
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_RRCURSOR_MAP), &id, v, BPF_ANY), 0);
}

static void set_conns(__u32 id, __s64 n)
{
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_CONNS_MAP), &id, &n, BPF_ANY), 0);
}

static __s64 get_conns(__u32 id)
{
	__s64 n;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_CONNS_MAP), &id, &n), 0);
	return n;
}


/*
 * sh: every connection of a client (any source port) goes to the backend of
 * slot src_hash % size; different clients spread over all backends.
 */
static void test_sched_sh(void **state)
{
	enum { SIZE = XLB_DEFAULT_TABLE_SIZE, NCLIENTS = 600 };
	static __u32 slots[SIZE];
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	unsigned int count[4] = {0};
	char src[32];
	__u8 out[PKT_MAX];
	__u32 i, len, be, first;
	struct xlb_flow_key k;

	lab_require();
	base_config();
	for (i = 0; i < SIZE; i++)
		slots[i] = i % 3 + 1;
	set_sched(XLB_SCHED_SH, slots, SIZE);
	s.payload_len = 0;
	/* One client, many connections: one backend, the predicted one. */
	pkt_flow_key(&s, &k);
	first = slots[xlb_src_hash(&k) % SIZE];
	for (i = 0; i < 100; i++) {
		s.sport = (__u16)(32768 + 2 * i);
		assert_int_equal(run_spec(&s, out, &len), XDP_TX);
		assert_int_equal(out_backend(out), first);
	}
	/* Many clients: spread. */
	for (i = 0; i < NCLIENTS; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", 20 + i / 60000, (i / 250) % 240, i % 250 + 1);
		s.src = src;
		assert_int_equal(run_spec(&s, out, &len), XDP_TX);
		be = out_backend(out);
		pkt_flow_key(&s, &k);
		assert_int_equal(be, slots[xlb_src_hash(&k) % SIZE]);
		count[be]++;
	}
	for (i = 1; i <= 3; i++)
		if (count[i] < NCLIENTS * 22 / 100 || count[i] > NCLIENTS * 45 / 100)
			fail_msg("sh: backend %u got %u of %u clients", i, count[i], NCLIENTS);
	clear_flows();
}

/*
 * wrr: new flows on one CPU walk the table slot by slot from the cursor, so
 * flow i gets slots[i % size] and 10 laps give each backend exactly 10x its
 * slots (weights 3:2:2 here); established flows keep their backend.
 */
static void test_sched_wrr(void **state)
{
	static const __u32 slots[TBL_SIZE] = {1, 2, 3, 1, 2, 3, 1};
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	unsigned int count[4] = {0};
	__u8 out[PKT_MAX];
	__u32 i, len, be;
	cpu_set_t old;

	lab_require();
	base_config();
	pin_cpu(&old); /* one per-CPU cursor */
	set_sched(XLB_SCHED_WRR, slots, TBL_SIZE);
	zero_rr_cursor(1);
	for (i = 0; i < 10 * TBL_SIZE; i++) {
		s.sport = (__u16)(20000 + 2 * i);
		assert_int_equal(run_spec(&s, out, &len), XDP_TX);
		be = out_backend(out);
		assert_int_equal(be, slots[i % TBL_SIZE]);
		count[be]++;
	}
	assert_int_equal(count[1], 30);
	assert_int_equal(count[2], 20);
	assert_int_equal(count[3], 20);
	/* Established: the first flow (slot 0, backend 1) sticks although the cursor moved on. */
	s.sport = 20000;
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(out_backend(out), slots[0]);
	/* rr uses the same walk (lbd gives it an equal-weight table). */
	set_sched(XLB_SCHED_RR, slots, TBL_SIZE);
	s.sport = 30000;
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(out_backend(out), slots[(10 * TBL_SIZE) % TBL_SIZE]);
	clear_flows();
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

/*
 * lc: power of two choices over XLB_CONNS_MAP, predicted exactly in user
 * space; a loaded backend gets (almost) nothing; FIN/RST give a flow's unit
 * back once; a new SYN re-using a closed entry is scheduled and counted afresh.
 */
static void test_sched_lc(void **state)
{
	enum { N = 120 };
	static const __u32 slots[TBL_SIZE] = {1, 2, 3, 1, 2, 3, 8};
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	__s64 sim[NBE] = {0};
	unsigned int count[NBE] = {0};
	__u8 out[PKT_MAX];
	__u32 i, len, be, id;
	struct xlb_flow_key k;
	struct xlb_flow f;

	lab_require();
	base_config();
	set_sched(XLB_SCHED_LC, slots, TBL_SIZE);
	for (id = 0; id < NBE; id++)
		set_conns(id, 0);
	set_conns(1, 1000); /* backend 1 is busy */
	sim[1] = 1000;
	for (i = 0; i < N; i++) {
		__u32 h, a, b;

		s.sport = (__u16)(40000 + 2 * i);
		pkt_flow_key(&s, &k);
		h = xlb_flow_hash(&k);
		a = slots[h % TBL_SIZE];
		b = slots[xlb_flow_hash2(h) % TBL_SIZE];
		if (b != a && sim[b] < sim[a]) /* equal weights */
			a = b;
		sim[a]++;
		assert_int_equal(run_spec(&s, out, &len), XDP_TX);
		be = out_backend(out);
		assert_int_equal(be, a);
		count[be]++;
	}
	for (id = 0; id < NBE; id++)
		assert_int_equal(get_conns(id), sim[id]);
	/* Backend 1 only gets flows whose two choices are both backend 1 (~3/7 * 3/7). */
	assert_true(count[1] < N * 30 / 100);
	assert_true(count[2] + count[3] + count[8] > N * 70 / 100);

	/* Close the first flow: FIN gives its unit back, once; RST after FIN does nothing. */
	s.sport = 40000;
	pkt_flow_key(&s, &k);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_FLOWS_MAP), &k, &f), 0);
	assert_int_equal(f.flags, XLB_FLOW_F_COUNTED | XLB_FLOW_F_ISN);
	be = f.backend_id;
	s.tcp_flags = 0x11; /* FIN|ACK */
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(get_conns(be), sim[be] - 1);
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	s.tcp_flags = 0x04; /* RST */
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(get_conns(be), sim[be] - 1);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_FLOWS_MAP), &k, &f), 0);
	assert_int_equal(f.flags, XLB_FLOW_F_COUNTED | XLB_FLOW_F_CLOSED | XLB_FLOW_F_ISN);
	/*
	 * The 5-tuple re-used by a new connection (a new ISN): scheduled by lc
	 * afresh, where it takes a unit; the closed entry's unit stays given back.
	 */
	sim[be]--;
	{
		__u32 h, a2, b2;

		h = xlb_flow_hash(&k);
		a2 = slots[h % TBL_SIZE];
		b2 = slots[xlb_flow_hash2(h) % TBL_SIZE];
		if (b2 != a2 && sim[b2] < sim[a2])
			a2 = b2;
		be = a2;
	}
	sim[be]++;
	s.tcp_flags = 0x02;
	s.seq = 5555;
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(out_backend(out), be);
	for (id = 0; id < NBE; id++)
		assert_int_equal(get_conns(id), sim[id]);
	/* Its retransmission takes nothing more. */
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_equal(get_conns(be), sim[be]);
	/* Rescheduled away (backend deactivated): the old backend's unit is given back. */
	set_backend_flags(be, 0);
	{
		__u32 other[TBL_SIZE];

		for (i = 0; i < TBL_SIZE; i++)
			other[i] = slots[i] == be ? (be == 2 ? 3 : 2) : slots[i];
		set_sched(XLB_SCHED_LC, other, TBL_SIZE);
	}
	s.tcp_flags = 0x10;
	assert_int_equal(run_spec(&s, out, &len), XDP_TX);
	assert_int_not_equal(out_backend(out), be);
	assert_int_equal(get_conns(be), sim[be] - 1);
	clear_flows();
}

/*
 * A SYN on a recorded 5-tuple (Linux re-uses a source port soon after the
 * server closed first): the retransmission of the recorded SYN (same ISN,
 * flow open) keeps its backend; any other SYN is a new connection, scheduled
 * by the current table, so a drained backend (out of the table, still
 * active for its open flows; weight 0 looks the same here) gets none, and
 * counted in new_flows. The client's FIN marks the entry closed, so that
 * lbd's counts of open flows leave it out.
 */
static void test_syn_reuse(void **state)
{
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	__u32 slots[TBL_SIZE], i, be, nbe;
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct snap a, b;
	int fd;

	lab_require();
	base_config();
	fd = mfd(lab.skel->maps.XLB_FLOWS_MAP);
	pkt_flow_key(&s, &k);
	s.payload_len = 0;
	s.seq = 1000;
	take_snap(&a);
	be = send_to(&s);
	assert_int_equal(be, predict(&s, base_slots(1), TBL_SIZE));
	/* Drain be: out of the table, still active for its flows. */
	for (i = 0; i < TBL_SIZE; i++)
		slots[i] = base_slots(1)[i] == be ? (be == 2 ? 3 : 2) : base_slots(1)[i];
	install_table(1, slots, TBL_SIZE);
	/* The SYN retransmitted: same backend, not another new flow. */
	assert_int_equal(send_to(&s), be);
	take_snap(&b);
	assert_int_equal(b.svc[1].new_flows - a.svc[1].new_flows, 1);
	assert_int_equal(b.be[be].new_flows - a.be[be].new_flows, 1);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
	assert_false(f.flags & XLB_FLOW_F_CLOSED);
	s.tcp_flags = 0x10; /* ACK */
	assert_int_equal(send_to(&s), be);
	/* The client closes: the entry is marked closed, lc or not. */
	s.tcp_flags = 0x11; /* FIN|ACK */
	assert_int_equal(send_to(&s), be);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
	assert_true(f.flags & XLB_FLOW_F_CLOSED);
	s.tcp_flags = 0x10; /* the last ACK still reaches the old backend */
	assert_int_equal(send_to(&s), be);

	/* The port re-used by a new connection (another ISN): the current table decides. */
	s.tcp_flags = 0x02;
	s.seq = 777777;
	take_snap(&a);
	nbe = send_to(&s);
	assert_int_not_equal(nbe, be);
	assert_int_equal(nbe, predict(&s, slots, TBL_SIZE));
	take_snap(&b);
	assert_int_equal(b.svc[1].new_flows - a.svc[1].new_flows, 1);
	assert_int_equal(b.be[nbe].new_flows - a.be[nbe].new_flows, 1);
	assert_int_equal(b.be[be].new_flows - a.be[be].new_flows, 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &f), 0);
	assert_int_equal(f.backend_id, nbe);
	assert_false(f.flags & XLB_FLOW_F_CLOSED);
	/* Its own retransmission and its packets stay there. */
	assert_int_equal(send_to(&s), nbe);
	s.tcp_flags = 0x10;
	assert_int_equal(send_to(&s), nbe);

	/* A new SYN on an entry still open (its FIN never seen, e.g. lost) is new as well. */
	flow_set_backend(&s, be);
	s.tcp_flags = 0x02;
	s.seq = 888888;
	take_snap(&a);
	assert_int_equal(send_to(&s), nbe);
	take_snap(&b);
	assert_int_equal(b.svc[1].new_flows - a.svc[1].new_flows, 1);
	clear_flows();
}

/* ---- ICMP errors -------------------------------------------------------- */

/* Run p; expect action, exactly one global counter (reason) to move, and the frame. */
static void icmp_expect(const struct pkt *p, int action, enum xlb_stat reason, __u32 be)
{
	struct snap before, after;
	__u8 out[PKT_MAX], expect[PKT_MAX];
	__u32 len, i;

	take_snap(&before);
	assert_int_equal(run_pkt(p, out, &len, lab.ifx0), action);
	take_snap(&after);
	for (i = 0; i < XLB_STAT_MAX; i++)
		if (after.stat[i] - before.stat[i] != (i == reason ? 1u : 0u))
			fail_msg("stat %s moved by %llu (expected %s)", stat_names[i],
				 (unsigned long long)(after.stat[i] - before.stat[i]),
				 stat_names[reason]);
	/* ICMP never moves service/backend counters. */
	for (i = 0; i < NBE; i++)
		assert_int_equal(after.be[i].packets, before.be[i].packets);
	memcpy(expect, p->buf, p->len);
	if (be) {
		assert_int_equal(pkt_parse_mac(backend(be)->mac, expect), 0);
		assert_int_equal(pkt_parse_mac(MAC_XT0, expect + 6), 0);
	}
	assert_int_equal(len, p->len);
	assert_memory_equal(out, expect, p->len);
}

/*
 * A router complains to the VIP about a backend's reply (src VIP:port ->
 * client): the error goes, unchanged but for the MACs, to the backend that
 * owns the client's flow. No flow, a truncated quote: passed and counted;
 * other ICMP types: passed as before.
 */
static void test_icmp_errors(void **state)
{
	struct pkt_spec c4 = TCP4("10.9.0.100", 80);
	struct pkt_spec r4 = {.family = 4, .proto = IPPROTO_TCP, .src = "10.9.0.100",
			      .dst = CLIENT4, .sport = 80, .dport = 40000, .smac = CMAC,
			      .dmac = LBMAC, .payload_len = 200, .tcp_flags = 0x10};
	struct pkt_spec c6 = {.family = 6, .proto = IPPROTO_TCP, .src = CLIENT6,
			      .dst = "fd00:9::100", .sport = 40002, .dport = 443, .smac = CMAC,
			      .dmac = LBMAC};
	struct pkt_spec r6 = {.family = 6, .proto = IPPROTO_TCP, .src = "fd00:9::100",
			      .dst = CLIENT6, .sport = 443, .dport = 40002, .smac = CMAC,
			      .dmac = LBMAC, .payload_len = 1300, .tcp_flags = 0x10};
	__u8 out[PKT_MAX];
	__u32 len, be4;
	struct pkt p;

	lab_require();
	base_config();
	/* The client flows exist. */
	assert_int_equal(run_spec(&c4, out, &len), XDP_TX);
	be4 = predict(&c4, base_slots(1), TBL_SIZE);
	assert_int_equal(run_spec(&c6, out, &len), XDP_TX);

	/* IPv4 fragmentation needed (type 3 code 4, next-hop MTU 1400). */
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 3, 4, 1400, &p), 0);
	icmp_expect(&p, XDP_TX, XLB_STAT_FWD_ICMP, be4);
	/* Port unreachable (type 3 code 3) is a destination-unreachable too. */
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 3, 3, 0, &p), 0);
	icmp_expect(&p, XDP_TX, XLB_STAT_FWD_ICMP, be4);
	/* ICMPv6 packet too big (type 2, MTU 1280) and destination unreachable (1). */
	assert_int_equal(pkt_build_icmp_error(&r6, "fd00:9::fe", "fd00:9::100", 2, 0, 1280, &p), 0);
	icmp_expect(&p, XDP_TX, XLB_STAT_FWD_ICMP, 5);
	assert_int_equal(pkt_build_icmp_error(&r6, "fd00:9::fe", "fd00:9::100", 1, 4, 0, &p), 0);
	icmp_expect(&p, XDP_TX, XLB_STAT_FWD_ICMP, 5);

	/* No such flow (another client port). */
	r4.dport = 40100;
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 3, 4, 1400, &p), 0);
	icmp_expect(&p, XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW, 0);
	r4.dport = 40000;
	/* Quote cut inside the quoted IP header. */
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 3, 4, 1400, &p), 0);
	pkt_truncate(&p, p.l4_off + 8 + 12);
	pkt_ipv4_set_tot_len(&p, (__u16)(p.len - p.l3_off));
	icmp_expect(&p, XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW, 0);
	/* Time exceeded (type 11) and ICMPv6 echo (128) are not ours. */
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 11, 0, 0, &p), 0);
	icmp_expect(&p, XDP_PASS, XLB_STAT_PASS_NOT_L4, 0);
	assert_int_equal(pkt_build_icmp_error(&r6, "fd00:9::fe", "fd00:9::100", 128, 0, 0, &p), 0);
	icmp_expect(&p, XDP_PASS, XLB_STAT_PASS_NOT_L4, 0);
	/* The flow's backend is gone and nothing replaced it: passed, not rescheduled. */
	set_backend_flags(be4, 0);
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 3, 4, 1400, &p), 0);
	icmp_expect(&p, XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW, 0);
	clear_flows();
}

/* The hash is a pure function of the key: same key, same value; any field matters. */
static void test_hash_properties(void **state)
{
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	struct xlb_flow_key a, b;

	pkt_flow_key(&s, &a);
	b = a;
	assert_int_equal(xlb_flow_hash(&a), xlb_flow_hash(&b));
	b.sport ^= htons(2);
	assert_int_not_equal(xlb_flow_hash(&a), xlb_flow_hash(&b));
	b = a;
	b.proto = IPPROTO_UDP;
	assert_int_not_equal(xlb_flow_hash(&a), xlb_flow_hash(&b));
	b = a;
	b.dst.a[3] = 1;
	assert_int_not_equal(xlb_flow_hash(&a), xlb_flow_hash(&b));
}

/*
 * Mixing quality, independent of any table layout (an arithmetic table such
 * as slot i -> i % 3 hides a hash that is linear in the port): over even
 * source ports the low bits and the top bit are balanced, and flipping one
 * key bit flips about half of the output bits (avalanche).
 */
static void test_hash_mixing(void **state)
{
	enum { N = 4096 };
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	unsigned int low2[4] = {0}, top = 0, i, bit;
	unsigned long flips = 0, trials = 0;
	struct xlb_flow_key k, f;

	pkt_flow_key(&s, &k);
	for (i = 0; i < N; i++) {
		__u32 h;

		k.sport = htons((__u16)(32768 + 2 * i));
		h = xlb_flow_hash(&k);
		low2[h & 3]++;
		top += h >> 31;
		/* Flip each bit of the source port and of the source address's last byte. */
		for (bit = 0; bit < 16; bit++) {
			f = k;
			f.sport ^= htons((__u16)(1u << bit));
			flips += __builtin_popcount(h ^ xlb_flow_hash(&f));
			f = k;
			f.src.a[0] ^= htonl(1u << (bit & 7));
			flips += __builtin_popcount(h ^ xlb_flow_hash(&f));
			trials += 2;
		}
	}
	for (i = 0; i < 4; i++)
		if (low2[i] < N / 4 * 85 / 100 || low2[i] > N / 4 * 115 / 100)
			fail_msg("hash & 3 == %u for %u of %u even ports", i, low2[i], N);
	if (top < N * 45 / 100 || top > N * 55 / 100)
		fail_msg("top bit set for %u of %u even ports", top, N);
	/* Ideal is 16.0 of 32 bits; a weak mix sits far below. */
	if (flips * 100 / trials < 1500 || flips * 100 / trials > 1700)
		fail_msg("avalanche: %lu.%02lu bits flip on average", flips / trials,
			 flips * 100 / trials % 100);
}

/* ---- passive health: retransmitted SYNs; flow caps ---------------------- */

/*
 * A SYN that repeats its open entry's ISN is the client's retransmission:
 * counted once per flow in syn_retx of the service and the backend
 * (XLB_FLOW_F_RETX); a new connection on the 5-tuple (another ISN) and
 * other packets are not.
 */
static void test_syn_retx(void **state)
{
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct snap a, b;
	__u32 be;

	lab_require();
	base_config();
	s.payload_len = 0;
	s.seq = 4242;
	pkt_flow_key(&s, &k);
	take_snap(&a);
	be = send_to(&s);
	take_snap(&b);
	assert_int_equal(b.be[be].syn_retx - a.be[be].syn_retx, 0);
	/* Retransmitted twice: one flow that needed a retransmission. */
	assert_int_equal(send_to(&s), be);
	assert_int_equal(send_to(&s), be);
	take_snap(&b);
	assert_int_equal(b.be[be].syn_retx - a.be[be].syn_retx, 1);
	assert_int_equal(b.svc[1].syn_retx - a.svc[1].syn_retx, 1);
	assert_int_equal(b.be[be].new_flows - a.be[be].new_flows, 1);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_FLOWS_MAP), &k, &f), 0);
	assert_true(f.flags & XLB_FLOW_F_RETX);
	/* ACKs and a new connection on the 5-tuple are no retransmissions. */
	s.tcp_flags = 0x10;
	assert_int_equal(send_to(&s), be);
	s.tcp_flags = 0x02;
	s.seq = 99;
	take_snap(&a);
	send_to(&s);
	take_snap(&b);
	assert_int_equal(b.svc[1].syn_retx - a.svc[1].syn_retx, 0);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_FLOWS_MAP), &k, &f), 0);
	assert_false(f.flags & XLB_FLOW_F_RETX);
	clear_flows();
}

/*
 * UDP flows: the second packet of a flow (and only it) counts the flow once
 * in its backend's udp_seen2 and sets XLB_FLOW_F_SEEN2; the first packet
 * and later ones do not; TCP flows never do.
 */
static void test_udp_seen2(void **state)
{
	struct pkt_spec u = TCP4("10.9.0.100", 53), t = TCP4("10.9.0.100", 80);
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct snap a, b;
	__u32 be;

	lab_require();
	base_config();
	u.proto = IPPROTO_UDP;
	pkt_flow_key(&u, &k);
	take_snap(&a);
	send_to(&u);
	be = 4; /* the UDP service's only backend (its host is backend 1's: same MAC) */
	take_snap(&b);
	assert_int_equal(b.be[be].udp_seen2 - a.be[be].udp_seen2, 0);
	assert_int_equal(b.be[be].new_flows - a.be[be].new_flows, 1);
	send_to(&u);
	send_to(&u);
	send_to(&u);
	take_snap(&b);
	assert_int_equal(b.be[be].udp_seen2 - a.be[be].udp_seen2, 1);
	assert_int_equal(b.svc[2].syn_cookies - a.svc[2].syn_cookies, 0); /* services: not this */
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_FLOWS_MAP), &k, &f), 0);
	assert_true(f.flags & XLB_FLOW_F_SEEN2);
	/* a second flow, one packet only: nothing */
	u.sport++;
	send_to(&u);
	take_snap(&a);
	assert_int_equal(a.be[be].udp_seen2 - b.be[be].udp_seen2, 0);
	/* TCP: never */
	t.tcp_flags = 0x10;
	be = send_to(&t);
	assert_int_equal(send_to(&t), be);
	assert_int_equal(send_to(&t), be);
	take_snap(&b);
	assert_int_equal(b.be[be].udp_seen2 - a.be[be].udp_seen2, 0);
	clear_flows();
}

static void set_cap(__u32 id, __u32 max_flows)
{
	struct xlb_cap c = {.max_flows = max_flows};

	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_CAPS_MAP), &id, &c, BPF_ANY), 0);
	set_backend_flags(id, XLB_BE_F_ACTIVE | (max_flows ? XLB_BE_F_CAPPED : 0));
}

static __u64 turned_away(__u32 id)
{
	struct xlb_cap c;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_CAPS_MAP), &id, &c), 0);
	return c.turned_away;
}

/*
 * max_flows: a capped backend never holds more open flows than its cap,
 * whatever the scheduler; the flows it turns away go to other backends and
 * are counted; a FIN gives a unit back; when every choice is at its cap the
 * flow is dropped as drop_no_backend.
 */
static void test_caps(void **state)
{
	enum { N = 80 };
	static const __u8 scheds[] = {XLB_SCHED_MAGLEV, XLB_SCHED_WRR, XLB_SCHED_LC};
	struct pkt_spec s = TCP4("10.9.0.100", 80);
	unsigned int count[NBE], q;
	struct xlb_flow_key k;
	struct xlb_flow f;
	struct snap a, b;
	__u8 out[PKT_MAX];
	__u32 i, id, be, len, closed = 0;
	cpu_set_t old;

	lab_require();
	/* wrr and lc keep per-CPU cursors: stay on one CPU (pin_cpu) */
	pin_cpu(&old);
	for (q = 0; q < sizeof(scheds); q++) {
		base_config();
		set_sched(scheds[q], base_slots(1), TBL_SIZE);
		zero_rr_cursor(1);
		for (id = 0; id < NBE; id++) {
			set_conns(id, 0);
			set_cap(id, 0);
		}
		set_cap(1, 3);
		memset(count, 0, sizeof(count));
		s.payload_len = 0;
		for (i = 0; i < N; i++) {
			s.sport = (__u16)(30000 + 2 * i);
			s.seq = 1000 + i;
			count[send_to(&s)]++;
		}
		assert_int_equal(count[1], 3);
		assert_int_equal(count[1] + count[2] + count[3], N);
		assert_int_equal(get_conns(1), 3);
		assert_true(turned_away(1) > 0);
		/* Its flows hold a unit; the uncapped backends' flows (maglev, wrr) do not. */
		for (i = 0; i < N; i++) {
			s.sport = (__u16)(30000 + 2 * i);
			pkt_flow_key(&s, &k);
			assert_int_equal(
			    bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_FLOWS_MAP), &k, &f), 0);
			if (f.backend_id == 1 && !closed) {
				assert_true(f.flags & XLB_FLOW_F_COUNTED);
				/* The client closes one: room for one more. */
				s.tcp_flags = 0x11;
				assert_int_equal(send_to(&s), 1);
				s.tcp_flags = 0x02;
				closed = 1;
			} else if (f.backend_id != 1 && scheds[q] != XLB_SCHED_LC) {
				assert_false(f.flags & XLB_FLOW_F_COUNTED);
			}
		}
		closed = 0;
		assert_int_equal(get_conns(1), 2);
		for (i = N; i < 2 * N && count[1] < 4; i++) {
			s.sport = (__u16)(30000 + 2 * i);
			s.seq = 1000 + i;
			count[send_to(&s)]++;
		}
		assert_int_equal(count[1], 4);
		assert_int_equal(get_conns(1), 3);
		/* Every backend at its cap: new flows are dropped (no usable backend). */
		set_cap(2, 1);
		set_conns(2, 1);
		set_cap(3, 1);
		set_conns(3, 1);
		take_snap(&a);
		s.sport = 20000;
		assert_int_equal(run_spec(&s, out, &len), XDP_DROP);
		take_snap(&b);
		assert_int_equal(b.stat[XLB_STAT_DROP_NO_BACKEND] - a.stat[XLB_STAT_DROP_NO_BACKEND],
				 1);
		for (id = 1; id <= 3; id++)
			assert_int_equal(get_conns(id), id == 1 ? 3 : 1);
		/* Existing flows are never refused by a cap. */
		s.sport = 30000;
		s.tcp_flags = 0x10;
		be = send_to(&s);
		assert_true(be >= 1 && be <= 3);
		s.tcp_flags = 0x02;
		for (id = 0; id < NBE; id++)
			set_cap(id, 0);
		clear_flows();
	}
	set_sched(XLB_SCHED_MAGLEV, base_slots(1), TBL_SIZE);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

int main(void)
{
	enum { NCASES = sizeof(cases) / sizeof(cases[0]), NTESTS = NCASES + 15 };
	struct CMUnitTest tests[NTESTS];
	size_t i;
	int fails;

	for (i = 0; i < NCASES; i++) {
		tests[i] = (struct CMUnitTest){.name = cases[i].name,
					       .test_func = run_case,
					       .initial_state = (void *)&cases[i]};
	}
	tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(test_distribution);
	tests[NCASES + 1] = (struct CMUnitTest)cmocka_unit_test(test_flow_entry);
	tests[NCASES + 2] = (struct CMUnitTest)cmocka_unit_test(test_prefilter_knob);
	tests[NCASES + 3] = (struct CMUnitTest)cmocka_unit_test(test_sched_sh);
	tests[NCASES + 4] = (struct CMUnitTest)cmocka_unit_test(test_sched_wrr);
	tests[NCASES + 5] = (struct CMUnitTest)cmocka_unit_test(test_sched_lc);
	tests[NCASES + 6] = (struct CMUnitTest)cmocka_unit_test(test_syn_reuse);
	tests[NCASES + 7] = (struct CMUnitTest)cmocka_unit_test(test_icmp_errors);
	tests[NCASES + 8] = (struct CMUnitTest)cmocka_unit_test(test_flow_cache);
	tests[NCASES + 9] = (struct CMUnitTest)cmocka_unit_test(test_flow_cache_rules);
	tests[NCASES + 10] = (struct CMUnitTest)cmocka_unit_test(test_syn_retx);
	tests[NCASES + 11] = (struct CMUnitTest)cmocka_unit_test(test_caps);
	tests[NCASES + 12] = (struct CMUnitTest)cmocka_unit_test(test_udp_seen2);
	tests[NCASES + 13] = (struct CMUnitTest)cmocka_unit_test(test_hash_properties);
	tests[NCASES + 14] = (struct CMUnitTest)cmocka_unit_test(test_hash_mixing);
	fails = _cmocka_run_group_tests("xdp", tests, NTESTS, group_setup, group_teardown);
	/* Same cases with the VIP prefilter on (the pure hash tests need no rerun). */
	fails += _cmocka_run_group_tests("xdp_prefilter", tests, NCASES + 13, group_setup_prefilter,
					 group_teardown);
	/* And the flow cache knob off. */
	fails += _cmocka_run_group_tests("xdp_prefilter_nocache", &tests[NCASES + 8], 2,
					 group_setup_nocache, group_teardown);
	return fails;
}
