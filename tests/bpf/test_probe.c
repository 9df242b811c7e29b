// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_probe.c - health probes through the data path (bpf/probe.h,
 * xlb_xdp_probe) under BPF_PROG_TEST_RUN.
 *
 * A service whose Maglev table sends every flow to backend 1; backends 2
 * and 3 are in no slot (3 is even inactive: a probe is how a down backend
 * comes back). A probe-marked SYN (its source port has an XLB_MAP_PROBES
 * entry) to the VIP leaves for the backend the entry names, MAC-rewritten
 * or IPIP-encapsulated as the entry's forwarding mode says, whatever the
 * table says; the same SYN through the clients' program goes where Maglev
 * sends it. A packet without an entry is the kernel's; an entry naming a
 * released backend id drops the probe. No flow entry, no service or backend
 * counter. Needs root; skipped otherwise.
 *
 *   xt0 02:00:00:00:00:01  10.9.0.1/24  (ingress; XDP_TX)
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf_lab.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"

#define MAC_XT0	 "02:00:00:00:00:01"
#define TBL_SIZE 7
#define VIP	 "10.9.0.100"
#define PROBE_SPORT 40001

static const struct {
	__u32 id;
	const char *addr, *mac;
	__u8 flags;
} backends[] = {
    {1, "10.9.0.11", "02:00:00:00:00:0b", XLB_BE_F_ACTIVE},
    {2, "10.9.0.12", "02:00:00:00:00:0c", XLB_BE_F_ACTIVE},
    {3, "10.9.0.13", "02:00:00:00:00:0d", 0},
};

static struct {
	int state; /* 0 not root (skip), 1 ready, -1 set-up failed */
	struct xlb *skel;
	int ifx0;
} lab;

static int mfd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static int setup(void **st)
{
	static const char *const cmds[] = {
	    "ip link add xt0 address " MAC_XT0 " type veth peer name xt1",
	    "ip link set xt0 up && ip link set xt1 up",
	    "ip addr add 10.9.0.1/24 dev xt0",
	    "sysctl -q -w net.ipv4.ip_forward=1",
	};
	struct xlb_vip_key vk = {.port = htons(80), .proto = IPPROTO_TCP};
	struct xlb_svc svc = {.id = 1, .table_size = TBL_SIZE, .sched = XLB_SCHED_MAGLEV};
	__u32 slots[TBL_SIZE], i, one = 1;
	struct xlb_node node = {};

	(void)st;
	if (geteuid() != 0)
		return 0;
	lab.state = -1;
	if (bpf_lab_netns(cmds, sizeof(cmds) / sizeof(cmds[0])))
		return 0;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (bpf_lab_sh("ip neigh replace %s lladdr %s dev xt0 nud permanent",
			       backends[i].addr, backends[i].mac))
			return 0;
	lab.ifx0 = if_nametoindex("xt0");
	libbpf_set_print(bpf_lab_libbpf_quiet);
	lab.skel = xlb__open_and_load();
	if (!lab.skel || !lab.ifx0)
		return 0;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct xlb_backend be = {.svc_id = 1, .weight = 1, .flags = backends[i].flags};

		if (bpf_lab_addr(backends[i].addr, &be.addr, &be.family) ||
		    bpf_map_update_elem(mfd(lab.skel->maps.XLB_BACKENDS_MAP), &backends[i].id, &be,
					BPF_ANY))
			return 0;
	}
	for (i = 0; i < TBL_SIZE; i++)
		slots[i] = 1; /* Maglev: every flow to backend 1 */
	if (bpf_lab_addr(VIP, &vk.addr, &vk.family) ||
	    bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY) ||
	    bpf_lab_table_install(mfd(lab.skel->maps.XLB_TABLES_MAP), 1, slots, TBL_SIZE))
		return 0;
	vk.port = 0;
	vk.proto = 0;
	if (bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPADDRS_MAP), &vk, &one, BPF_ANY))
		return 0;
	/* IPIP's outer source */
	i = 0;
	if (bpf_lab_addr("10.9.0.1", &node.addr4, &vk.family) ||
	    bpf_map_update_elem(mfd(lab.skel->maps.XLB_NODE_MAP), &i, &node, BPF_ANY))
		return 0;
	lab.state = 1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	xlb__destroy(lab.skel);
	return 0;
}

static void require(void)
{
	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
}

/* A client's SYN to the VIP from sport. */
static void syn(__u16 sport, struct pkt *p)
{
	struct pkt_spec s = {.family = 4,
			     .proto = IPPROTO_TCP,
			     .src = "10.9.0.2",
			     .dst = VIP,
			     .sport = sport,
			     .dport = 80};

	pkt_parse_mac("02:00:00:00:00:99", s.smac);
	pkt_parse_mac(MAC_XT0, s.dmac);
	assert_int_equal(pkt_build(&s, p), 0);
}

static void steer(__u16 sport, __u32 be_id, __u8 fwd)
{
	struct xlb_probe_key k = {.sport = htons(sport), .proto = IPPROTO_TCP, .family = XLB_AF_INET};
	struct xlb_probe v = {.be_id = be_id, .fwd = fwd};

	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_PROBES_MAP), &k, &v, BPF_ANY),
			 0);
}

static int run(const char *prog, const struct pkt *p, __u8 *out, __u32 *out_len)
{
	struct bpf_program *pr = bpf_object__find_program_by_name(lab.skel->obj, prog);
	int action;

	assert_non_null(pr);
	assert_int_equal(bpf_lab_run_xdp(bpf_program__fd(pr), p->buf, p->len, lab.ifx0, out, out_len,
					 &action),
			 0);
	return action;
}

/* The MAC of backend id (its next hop's dmac). */
static void be_mac(__u32 id, __u8 mac[6])
{
	assert_int_equal(pkt_parse_mac(backends[id - 1].mac, mac), 0);
}

static __u64 be_packets(__u32 id)
{
	int n = libbpf_num_possible_cpus(), c;
	struct xlb_counters v[n];
	__u64 sum = 0;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_BE_STATS_MAP), &id, v), 0);
	for (c = 0; c < n; c++)
		sum += v[c].packets;
	return sum;
}

static size_t flows(void)
{
	struct xlb_flow_key k, *prev = NULL;
	size_t n = 0;

	while (bpf_map_get_next_key(mfd(lab.skel->maps.XLB_FLOWS_MAP), prev, &k) == 0) {
		n++;
		prev = &k;
	}
	return n;
}

/* dsr-l2: the probe leaves for the named backend, Maglev's choice is another. */
static void test_probe_goes_to_named_backend(void **st)
{
	__u8 out[PKT_MAX], mac[6];
	__u32 len, id;
	struct pkt p;

	(void)st;
	require();
	syn(PROBE_SPORT, &p);
	/* the clients' program: Maglev says backend 1 */
	assert_int_equal(run("xlb_xdp_ingress", &p, out, &len), XDP_TX);
	be_mac(1, mac);
	assert_memory_equal(out, mac, 6);
	assert_int_equal(flows(), 1);
	for (id = 2; id <= 3; id++) { /* 3 is inactive: probed all the same */
		__u64 before = be_packets(id);

		steer(PROBE_SPORT, id, XLB_FWD_DSR_L2);
		assert_int_equal(run("xlb_xdp_probe", &p, out, &len), XDP_TX);
		assert_int_equal(len, p.len);
		be_mac(id, mac);
		assert_memory_equal(out, mac, 6);
		/* from the IP header on, the frame is the probe as sent (dsr-l2) */
		assert_memory_equal(out + p.l3_off, p.buf + p.l3_off, p.len - p.l3_off);
		assert_int_equal(be_packets(id), before); /* outlier detection sees no probe */
	}
	assert_int_equal(flows(), 1); /* probes record no flow */
}

/* ipip: the probe is encapsulated to the named backend, as a client's packet would be. */
static void test_probe_encapsulated(void **st)
{
	__u8 out[PKT_MAX], mac[6];
	__u32 len, dst;
	struct pkt p;

	(void)st;
	require();
	syn(PROBE_SPORT + 1, &p);
	steer(PROBE_SPORT + 1, 2, XLB_FWD_IPIP);
	assert_int_equal(run("xlb_xdp_probe", &p, out, &len), XDP_TX);
	assert_int_equal(len, p.len + 20);
	be_mac(2, mac);
	assert_memory_equal(out, mac, 6);
	assert_int_equal(out[14 + 9], IPPROTO_IPIP); /* outer protocol */
	memcpy(&dst, out + 14 + 16, 4);
	assert_int_equal(dst, inet_addr("10.9.0.12"));
	assert_memory_equal(out + 14 + 20, p.buf + p.l3_off, p.len - p.l3_off); /* the inner packet */
}

/* No entry: the kernel's; an entry naming a released id: dropped. */
static void test_not_a_probe(void **st)
{
	struct xlb_backend zero = {};
	__u8 out[PKT_MAX];
	__u32 len, id = 5;
	struct pkt p;

	(void)st;
	require();
	syn(PROBE_SPORT + 2, &p);
	assert_int_equal(run("xlb_xdp_probe", &p, out, &len), XDP_PASS);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_BACKENDS_MAP), &id, &zero, BPF_ANY),
			 0);
	steer(PROBE_SPORT + 2, id, XLB_FWD_DSR_L2);
	assert_int_equal(run("xlb_xdp_probe", &p, out, &len), XDP_DROP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_goes_to_named_backend),
	    cmocka_unit_test(test_probe_encapsulated),
	    cmocka_unit_test(test_not_a_probe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
