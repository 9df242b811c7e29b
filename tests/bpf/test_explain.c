// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_explain.c - the flow explainer (userspace/lib/explain.c over the
 * program's maps, explain_fd.c) against the XDP data path itself under
 * BPF_PROG_TEST_RUN: for many flows of maglev, sh, lc and rr services the
 * backend explained before the SYN is the one the SYN is sent to (its
 * next-hop MAC), then the established flow is explained from the
 * connection table and from the flow cache, a deactivated backend as a
 * reschedule, and ACL and rate-limit drops as the drops they are.
 *
 * Private network namespace: xt0 10.9.0.1/24 with permanent neighbours for
 * the backends 10.9.0.11..14 (MACs 02:00:00:00:00:0b..0e). Pinned to CPU 0:
 * rr's cursor and the flow cache are per CPU (explain reads CPU 0's cursor).
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

#include "bpf_lab.h"
#include "explain.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"

#define TSIZE 13
#define NBE 4 /* backend ids 1..4 */
#define VIP "10.9.0.100"

static struct {
	int state;
	struct xlb *skel;
	int prog_fd, ifx0;
	struct xlb_explain_fds fds;
	struct xlb_explain_io io;
} lab;

static int mfd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

/*
 * Services: port -> (id, scheduler). Service n's backends have ids 10n+1..10n+4
 * (addresses 10.9.0.11..14); its table names them in an order of its own.
 */
static const struct {
	__u16 port;
	__u32 id;
	__u8 sched;
} svcs[] = {
	{ 80, 1, XLB_SCHED_MAGLEV },
	{ 81, 2, XLB_SCHED_SH },
	{ 82, 3, XLB_SCHED_LC },
	{ 83, 4, XLB_SCHED_RR },
};

static int add_service(__u16 port, __u32 id, __u8 sched)
{
	struct xlb_vip_key vk = { .port = htons(port), .proto = IPPROTO_TCP, .family = XLB_AF_INET };
	struct xlb_svc svc = { .id = id, .table_size = TSIZE, .sched = sched };
	__u32 b, w, one = 1;
	__u64 bits = 0;

	inet_pton(AF_INET, VIP, &vk.addr.a[0]);
	if (bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY))
		return -1;
	b = xlb_vfilter_bucket(&vk.addr, vk.port);
	w = b / 64;
	bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_VIPFILTER_MAP), &w, &bits);
	bits |= 1ull << (b % 64);
	vk.port = 0;
	vk.proto = 0;
	return bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPFILTER_MAP), &w, &bits, BPF_ANY) ||
	       bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPADDRS_MAP), &vk, &one, BPF_ANY);
}

/* Backend id id (1..NBE) of service svc_id: 10.9.0.(10+id) on every service. */
static int set_backend(__u32 id, __u32 svc_id, int active)
{
	struct xlb_backend be = { .svc_id = svc_id, .weight = 1, .family = XLB_AF_INET,
				  .flags = active ? XLB_BE_F_ACTIVE : 0 };
	__u32 bid = id + 10 * svc_id; /* ids per service: 11..14, 21..24, ... */
	char a[32];

	snprintf(a, sizeof(a), "10.9.0.%u", 10 + id);
	inet_pton(AF_INET, a, &be.addr.a[0]);
	return bpf_map_update_elem(mfd(lab.skel->maps.XLB_BACKENDS_MAP), &bid, &be, BPF_ANY);
}

static int setup(void **state)
{
	static const char *const cmds[] = {
	    "ip link add xt0 address 02:00:00:00:00:01 type veth peer name xt1",
	    "ip link set xt0 up && ip link set xt1 up",
	    "ip addr add 10.9.0.1/24 dev xt0",
	    "sysctl -q -w net.ipv4.ip_forward=1",
	    "ip neigh replace 10.9.0.11 lladdr 02:00:00:00:00:0b dev xt0 nud permanent",
	    "ip neigh replace 10.9.0.12 lladdr 02:00:00:00:00:0c dev xt0 nud permanent",
	    "ip neigh replace 10.9.0.13 lladdr 02:00:00:00:00:0d dev xt0 nud permanent",
	    "ip neigh replace 10.9.0.14 lladdr 02:00:00:00:00:0e dev xt0 nud permanent",
	};
	struct xlb_filter nofilt = { .flags = XLB_FILTER_F_SVC_NONE };
	__u32 glob = XLB_FILTER_GLOBAL, i, j, zero = 0, ep = 1;
	cpu_set_t cpus;

	if (geteuid() != 0)
		return 0;
	lab.state = -1;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) ||
	    bpf_lab_netns(cmds, sizeof(cmds) / sizeof(cmds[0])))
		return 0;
	libbpf_set_print(bpf_lab_libbpf_quiet);
	lab.skel = xlb__open();
	if (!lab.skel)
		return 0;
	lab.skel->rodata->xlb_cfg_prefilter = 1; /* as lbd loads it */
	lab.skel->rodata->xlb_cfg_fcache_ttl_ns = 3600ull * 1000000000; /* no expiry mid-test */
	if (xlb__load(lab.skel))
		return 0;
	for (i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		__u32 slots[TSIZE];

		if (add_service(svcs[i].port, svcs[i].id, svcs[i].sched))
			return 0;
		for (j = 0; j < TSIZE; j++)
			slots[j] = 10 * svcs[i].id + 1 + (j * 7 + svcs[i].id) % NBE;
		if (bpf_lab_table_install(mfd(lab.skel->maps.XLB_TABLES_MAP), svcs[i].id, slots,
					  TSIZE))
			return 0;
		for (j = 1; j <= NBE; j++)
			if (set_backend(j, svcs[i].id, 1))
				return 0;
	}
	if (bpf_map_update_elem(mfd(lab.skel->maps.XLB_FILTER_MAP), &glob, &nofilt, BPF_ANY) ||
	    bpf_map_update_elem(mfd(lab.skel->maps.XLB_EPOCH_MAP), &zero, &ep, BPF_ANY))
		return 0;
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.ifx0 = if_nametoindex("xt0");
	lab.fds = (struct xlb_explain_fds){
	    .ncpus = libbpf_num_possible_cpus(),
	    .vfilt = mfd(lab.skel->maps.XLB_VIPFILTER_MAP),
	    .vips = mfd(lab.skel->maps.XLB_VIPS_MAP),
	    .flows = mfd(lab.skel->maps.XLB_FLOWS_MAP),
	    .bends = mfd(lab.skel->maps.XLB_BACKENDS_MAP),
	    .tables = mfd(lab.skel->maps.XLB_TABLES_MAP),
	    .filt = mfd(lab.skel->maps.XLB_FILTER_MAP),
	    .acl4 = mfd(lab.skel->maps.XLB_ACL4_MAP),
	    .acl6 = mfd(lab.skel->maps.XLB_ACL6_MAP),
	    .rate = mfd(lab.skel->maps.XLB_RATE_MAP),
	    .conns = mfd(lab.skel->maps.XLB_CONNS_MAP),
	    .rrcur = mfd(lab.skel->maps.XLB_RRCURSOR_MAP),
	    .fcache = mfd(lab.skel->maps.XLB_FCACHE_MAP),
	    .fcgen = mfd(lab.skel->maps.XLB_FCGEN_MAP),
	    .epoch = mfd(lab.skel->maps.XLB_EPOCH_MAP),
	    .nhc = mfd(lab.skel->maps.XLB_NHCACHE_MAP),
	};
	xlb_explain_io_fds(&lab.fds, &lab.io);
	lab.state = 1;
	return 0;
}

static int teardown(void **state)
{
	xlb__destroy(lab.skel);
	return 0;
}

static void require(void)
{
	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
}

static __u64 coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct xlb_explain explain(const struct pkt_spec *s, int syn)
{
	struct xlb_explain_opts o = { .now_ns = coarse_now(), .syn = syn, .prefilter = true,
				      .fcache = true };
	struct xlb_flow_key k __attribute__((aligned(8)));
	struct xlb_explain x;

	pkt_flow_key(s, &k);
	assert_int_equal(xlb_explain_flow(&lab.io, &k, &o, &x), 0);
	return x;
}

/* Send s (flags); returns the XDP action, *be = backend id (per service) it went to. */
static int send_pkt(const struct pkt_spec *s, __u8 flags, __u32 svc_id, __u32 *be)
{
	struct pkt_spec t = *s;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len;
	int action;

	t.tcp_flags = flags;
	assert_int_equal(pkt_build(&t, &p), 0);
	assert_int_equal(bpf_lab_run_xdp(lab.prog_fd, p.buf, p.len, lab.ifx0, out, &len, &action),
			 0);
	*be = action == XDP_TX ? 10 * svc_id + (out[5] - 0x0a) : XLB_BACKEND_NONE;
	return action;
}

static struct pkt_spec flow(__u16 dport, int i)
{
	static char src[16][32];
	struct pkt_spec s = { .family = 4, .proto = IPPROTO_TCP, .dst = VIP, .dport = dport };

	snprintf(src[i % 16], sizeof(src[0]), "10.9.0.%d", 50 + i % 40);
	s.src = src[i % 16];
	s.sport = 20000 + i * 7919 % 40000;
	return s;
}

/* For every scheduler: predicted before the SYN, then table, then cache. */
static void test_schedule_table_cache(void **state)
{
	unsigned int k, i, n = 0;
	__u32 be;
	__s64 c[NBE + 1] = { 0, 5, 1, 9, 0 };

	require();
	for (i = 1; i <= NBE; i++) { /* lc: active flows per backend of service 3 */
		__u32 id = 30 + i;

		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_CONNS_MAP), &id, &c[i],
						     BPF_ANY),
				 0);
	}
	for (k = 0; k < sizeof(svcs) / sizeof(svcs[0]); k++) {
		for (i = 0; i < 40; i++) {
			struct pkt_spec s = flow(svcs[k].port, i + 100 * k);
			struct xlb_explain x = explain(&s, 1);

			assert_int_equal(x.action, XDP_TX);
			assert_int_equal(x.via, XLB_VIA_SCHEDULE);
			assert_int_equal(send_pkt(&s, 0x02, svcs[k].id, &be), XDP_TX);
			if (be != x.be_id)
				fail_msg("service %u (sched %u) flow %u: explained backend %u, the SYN "
					 "went to %u",
					 svcs[k].id, svcs[k].sched, i, x.be_id, be);
			x = explain(&s, 0);
			assert_int_equal(x.via, XLB_VIA_TABLE);
			assert_int_equal(x.be_id, be);
			assert_string_equal(x.fc_event2, "fill");
			assert_int_equal(send_pkt(&s, 0x10, svcs[k].id, &be), XDP_TX); /* fills */
			assert_int_equal(be, x.be_id);
			x = explain(&s, 0);
			assert_int_equal(x.via, XLB_VIA_CACHE);
			assert_int_equal(x.fc_cpu, 0);
			assert_int_equal(send_pkt(&s, 0x10, svcs[k].id, &be), XDP_TX);
			assert_int_equal(be, x.be_id);
			n++;
		}
	}
	print_message("%u flows of 4 schedulers: schedule, table and cache explained right\n", n);
}

/* A backend deactivated: its flows are explained as rescheduled, where they go. */
static void test_reschedule(void **state)
{
	__u32 be, moved = 0, i, epoch = 2, zero = 0;

	__u32 slots[TSIZE], j;

	require();
	/* as lbd does: a table without backend 12 of service 1, then 12 inactive */
	for (j = 0; j < TSIZE; j++) {
		slots[j] = 10 + 1 + (j * 7 + 1) % NBE;
		if (slots[j] == 12)
			slots[j] = 13;
	}
	assert_int_equal(bpf_lab_table_install(mfd(lab.skel->maps.XLB_TABLES_MAP), 1, slots, TSIZE),
			 0);
	assert_int_equal(set_backend(2, 1, 0), 0);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_EPOCH_MAP), &zero, &epoch,
					     BPF_ANY),
			 0);
	for (i = 0; i < 40; i++) {
		struct pkt_spec s = flow(80, i);
		struct xlb_flow_key k;
		struct xlb_flow f;
		struct xlb_explain x;
		int had;

		pkt_flow_key(&s, &k);
		had = !bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_FLOWS_MAP), &k, &f) &&
		      f.backend_id == 12;
		x = explain(&s, 0);
		if (had) {
			assert_int_equal(x.via, XLB_VIA_RESCHEDULE);
			moved++;
		}
		assert_int_equal(send_pkt(&s, 0x10, 1, &be), XDP_TX);
		assert_int_equal(be, x.be_id);
		assert_int_not_equal(be, 12);
	}
	assert_true(moved > 0);
	assert_int_equal(set_backend(2, 1, 1), 0);
	print_message("%u flows of a deactivated backend explained as rescheduled\n", moved);
}

static __u64 stat(__u32 reason)
{
	int n = libbpf_num_possible_cpus(), c;
	__u64 v[n], s = 0;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_STATS_MAP), &reason, v), 0);
	for (c = 0; c < n; c++)
		s += v[c];
	return s;
}

static void test_acl_and_rate(void **state)
{
	struct xlb_filter f = { .flags = XLB_FILTER_F_DENY };
	struct xlb_acl4_key ak = { .prefixlen = 32 + 32,
				   .scope = XLB_ACL_SCOPE(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID) };
	struct pkt_spec s = flow(80, 500);
	struct xlb_explain x;
	__u32 glob = XLB_FILTER_GLOBAL, one = 1, be, i;
	__u64 before;

	require();
	inet_pton(AF_INET, s.src, &ak.addr);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_ACL4_MAP), &ak, &one, BPF_ANY), 0);
	f.flags |= XLB_FILTER_F_SVC_NONE;
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_FILTER_MAP), &glob, &f, BPF_ANY), 0);
	x = explain(&s, 1);
	assert_int_equal(x.action, XDP_DROP);
	assert_int_equal(x.reason, XLB_STAT_DROP_ACL_GLOBAL);
	before = stat(XLB_STAT_DROP_ACL_GLOBAL);
	assert_int_equal(send_pkt(&s, 0x02, 1, &be), XDP_DROP);
	assert_int_equal(stat(XLB_STAT_DROP_ACL_GLOBAL), before + 1);
	assert_int_equal(bpf_map_delete_elem(mfd(lab.skel->maps.XLB_ACL4_MAP), &ak), 0);

	/* global rate limit: burst 2, one token per 100 s, per source /32 */
	f = (struct xlb_filter){ .flags = XLB_FILTER_F_RATE | XLB_FILTER_F_SVC_NONE, .burst = 2,
				 .interval_ns = 100ull * 1000000000, .prefix4 = 32 };
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_FILTER_MAP), &glob, &f, BPF_ANY), 0);
	for (i = 0; i < 4; i++) {
		struct pkt_spec t = flow(80, 600 + i * 40); /* one source, new ports */

		x = explain(&t, 1);
		assert_true(x.rate_checked);
		before = stat(XLB_STAT_DROP_RATE_LIMIT);
		if (i < 2) {
			assert_int_equal(x.action, XDP_TX);
			assert_int_equal(x.rate_tokens, 2 - i);
			assert_int_equal(send_pkt(&t, 0x02, 1, &be), XDP_TX);
			assert_int_equal(be, x.be_id);
		} else {
			assert_int_equal(x.reason, XLB_STAT_DROP_RATE_LIMIT);
			assert_int_equal(x.rate_tokens, 0);
			assert_int_equal(send_pkt(&t, 0x02, 1, &be), XDP_DROP);
			assert_int_equal(stat(XLB_STAT_DROP_RATE_LIMIT), before + 1);
		}
	}
	f = (struct xlb_filter){ .flags = XLB_FILTER_F_SVC_NONE };
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_FILTER_MAP), &glob, &f, BPF_ANY), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_table_cache),
		cmocka_unit_test(test_reschedule),
		cmocka_unit_test(test_acl_and_rate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
