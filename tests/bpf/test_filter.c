// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_filter.c - the filters of the XDP data path (bpf/filter.h) under
 * BPF_PROG_TEST_RUN: global and per-service ACLs (IPv4/IPv6 LPM tries),
 * the new-flow token bucket, the IPv6 extension header policy, and the rule
 * that nothing not addressed to a VIP is touched.
 *
 * Private network namespace as in test_xdp.c (one veth, permanent neighbours
 * for the backends, forwarding on, so bpf_fib_lookup answers). Every check
 * runs one packet and asserts the action, the output bytes and that exactly
 * one global reason counter moved. Run with the VIP prefilter knob off and on.
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

struct fsvc {
	__u32 id;
	const char *vip;
	__u16 port;
	__u8 proto;
	__u32 be;
};

/* Backend id i lives at bes[i]; one backend per service keeps expectations simple. */
static const char *const bes[] = {NULL, "10.9.0.11", "10.9.0.12", "fd00:9::11"};
static const struct fsvc svcs[] = {
    {1, "10.9.0.100", 80, IPPROTO_TCP, 1},
    {2, "10.9.0.101", 80, IPPROTO_TCP, 2},
    {3, "fd00:9::100", 443, IPPROTO_TCP, 3},
};

static struct {
	int state;
	struct xlb *skel;
	int prog_fd, ifx0, ncpus, prefilter;
} lab;

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "lab: `%s` failed (%d)\n", cmd, rc);
	return rc ? -1 : 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int lab_setup(int prefilter)
{
	static int net_state;

	if (geteuid() != 0)
		return 0;
	lab.state = -1;
	if (!net_state) {
		net_state = -1;
		if (unshare(CLONE_NEWNET))
			return 0;
		if (sh("ip link set lo up && ip link add xf0 address 02:00:00:00:00:01 type veth "
		       "peer name xf1 && ip link set xf0 up && ip link set xf1 up && "
		       "ip addr add 10.9.0.1/24 dev xf0 && ip -6 addr add fd00:9::1/64 dev xf0 nodad && "
		       "sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 && "
		       "ip neigh replace 10.9.0.11 lladdr 02:00:00:00:00:0b dev xf0 nud permanent && "
		       "ip neigh replace 10.9.0.12 lladdr 02:00:00:00:00:0c dev xf0 nud permanent && "
		       "ip neigh replace fd00:9::11 lladdr 02:00:00:00:00:1b dev xf0 nud permanent"))
			return 0;
		net_state = 1;
	}
	if (net_state != 1)
		return 0;
	lab.ifx0 = if_nametoindex("xf0");
	lab.ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(libbpf_quiet);
	lab.skel = xlb__open();
	if (lab.skel) {
		lab.skel->rodata->xlb_cfg_prefilter = prefilter;
		if (xlb__load(lab.skel)) {
			xlb__destroy(lab.skel);
			lab.skel = NULL;
		}
	}
	if (!lab.skel || !lab.ifx0 || lab.ncpus <= 0)
		return 0;
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.prefilter = prefilter;
	lab.state = 1;
	return 0;
}

static int setup_off(void **state)
{
	return lab_setup(0);
}

static int setup_on(void **state)
{
	return lab_setup(1);
}

static int teardown(void **state)
{
	xlb__destroy(lab.skel);
	lab.skel = NULL;
	return 0;
}

static int mfd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static void addr_of(const char *s, struct xlb_addr *a, __u8 *family)
{
	assert_int_equal(xlb_addr_parse(s, a, family), 0);
}

static void clear_map(int fd, size_t ksz)
{
	__u8 k[64];

	assert_true(ksz <= sizeof(k));
	while (bpf_map_get_next_key(fd, NULL, k) == 0)
		assert_int_equal(bpf_map_delete_elem(fd, k), 0);
}

/* Services, backends, tables, prefilter bits; no flows, no filters. */
static void base(void)
{
	struct xlb_filter zero = {0};
	size_t i;
	__u32 j, epoch;

	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
	for (i = 1; i < sizeof(bes) / sizeof(bes[0]); i++) {
		struct xlb_backend be = {.weight = 1, .flags = XLB_BE_F_ACTIVE};
		__u32 id = (__u32)i;

		addr_of(bes[i], &be.addr, &be.family);
		be.svc_id = id; /* backend i serves service i */
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_bends_v1), &id, &be, 0), 0);
	}
	for (i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		const struct fsvc *s = &svcs[i];
		struct xlb_vip_key vk = {.port = htons(s->port), .proto = s->proto};
		struct xlb_svc sv = {.id = s->id, .table_size = TBL};
		__u32 slots[TBL];
		__u32 b = XLB_VFILTER_WORDS, n = 1, w;
		__u64 bits;

		for (j = 0; j < TBL; j++)
			slots[j] = s->be;
		assert_int_equal(
		    bpf_lab_table_install(mfd(lab.skel->maps.xlb_tables_v3), s->id, slots, TBL), 0);
		addr_of(s->vip, &vk.addr, &vk.family);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_vips_v1), &vk, &sv, 0), 0);
		b = xlb_vfilter_bucket(&vk.addr, vk.port);
		w = b / 64;
		assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.xlb_vfilt_v1), &w, &bits), 0);
		bits |= 1ull << (b % 64);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_vfilt_v1), &w, &bits, 0), 0);
		vk.port = 0;
		vk.proto = 0;
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_vaddr_v1), &vk, &n, 0), 0);
	}
	clear_map(mfd(lab.skel->maps.xlb_flows_v3), sizeof(struct xlb_flow_key));
	clear_map(mfd(lab.skel->maps.xlb_acl4_v1), sizeof(struct xlb_acl4_key));
	clear_map(mfd(lab.skel->maps.xlb_acl6_v1), sizeof(struct xlb_acl6_key));
	clear_map(mfd(lab.skel->maps.xlb_rate_v1), sizeof(struct xlb_rate_key));
	for (j = 0; j <= XLB_FILTER_GLOBAL; j++)
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_filt_v1), &j, &zero, 0), 0);
	/* Flows are gone: so must be their per-CPU cached copies (as lbd bumps it). */
	j = 0;
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.xlb_epoch_v1), &j, &epoch), 0);
	epoch++;
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_epoch_v1), &j, &epoch, 0), 0);
}

/* Add an ACL entry, then set the scope's flag (the order lbd uses). */
static void acl(__u8 kind, __u32 id, const char *cidr)
{
	struct xlb_cidr c;
	struct xlb_filter f;
	__u32 one = 1, idx = id == XLB_ACL_GLOBAL_ID ? XLB_FILTER_GLOBAL : id;

	assert_int_equal(xlb_cidr_parse(cidr, &c, NULL, 0), 0);
	if (c.family == XLB_AF_INET) {
		struct xlb_acl4_key k;

		xlb_acl4_key_of(kind, id, &c, &k);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_acl4_v1), &k, &one, 0), 0);
	} else {
		struct xlb_acl6_key k;

		xlb_acl6_key_of(kind, id, &c, &k);
		assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_acl6_v1), &k, &one, 0), 0);
	}
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.xlb_filt_v1), &idx, &f), 0);
	f.flags |= kind == XLB_ACL_DENY ? XLB_FILTER_F_DENY : XLB_FILTER_F_ALLOW;
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_filt_v1), &idx, &f, 0), 0);
}

static void rate(__u32 idx, __u32 per_s, __u32 burst, __u8 p4, __u8 p6)
{
	struct xlb_rate_limit rl = {.set = true, .rate = per_s, .burst = burst, .prefix4 = p4,
				    .prefix6 = p6};
	struct xlb_filter f, n;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.xlb_filt_v1), &idx, &f), 0);
	xlb_filter_value(NULL, &rl, &n);
	f.flags |= n.flags;
	f.interval_ns = n.interval_ns;
	f.burst = n.burst;
	f.prefix4 = n.prefix4;
	f.prefix6 = n.prefix6;
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_filt_v1), &idx, &f, 0), 0);
}

static __u64 stat_sum(__u32 i)
{
	__u64 v[lab.ncpus], s = 0;
	int c;

	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.xlb_stats_v5), &i, v), 0);
	for (c = 0; c < lab.ncpus; c++)
		s += v[c];
	return s;
}

static const char *const stat_names[] = {
#define XLB_STAT_NAME(e, name, help) name,
    XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

/* Run p; expect action and exactly one reason; dropped/passed frames unchanged. */
static void expect_pkt(const struct pkt *p, int action, __u32 reason, const char *what)
{
	__u64 before[XLB_STAT_MAX], d;
	__u8 out[PKT_MAX];
	struct xdp_md ctx = {.data_end = (__u32)p->len, .ingress_ifindex = (__u32)lab.ifx0};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf, .data_size_in = (__u32)p->len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	__u32 i;

	for (i = 0; i < XLB_STAT_MAX; i++)
		before[i] = stat_sum(i);
	assert_int_equal(bpf_prog_test_run_opts(lab.prog_fd, &o), 0);
	if ((int)o.retval != action)
		fail_msg("%s: action %u, expected %d (prefilter %d)", what, o.retval, action,
			 lab.prefilter);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		d = stat_sum(i) - before[i];
		if (d != (i == reason))
			fail_msg("%s: %s moved by %llu, expected only %s", what, stat_names[i],
				 (unsigned long long)d, stat_names[reason]);
	}
	if (action != XDP_TX) {
		assert_int_equal(o.data_size_out, p->len);
		assert_memory_equal(out, p->buf, p->len);
	}
}

static void build(struct pkt *p, const char *src, const char *dst, __u16 sport, __u16 dport,
		  __u8 flags)
{
	struct pkt_spec s = {.family = strchr(dst, ':') ? 6 : 4,
			     .proto = IPPROTO_TCP,
			     .src = src,
			     .dst = dst,
			     .sport = sport,
			     .dport = dport,
			     .smac = {2, 0, 0, 0, 0, 0x50},
			     .dmac = {2, 0, 0, 0, 0, 1},
			     .payload_len = 8,
			     .tcp_flags = flags};

	assert_int_equal(pkt_build(&s, p), 0);
}

static void sendp(const char *src, const char *dst, __u16 sport, __u16 dport, int action,
		 __u32 reason)
{
	struct pkt p;
	char what[160];

	build(&p, src, dst, sport, dport, 0);
	snprintf(what, sizeof(what), "%s:%u -> %s:%u", src, sport, dst, dport);
	expect_pkt(&p, action, reason, what);
}

#define TX XDP_TX, XLB_STAT_FWD_TX

/* ---- ACLs -------------------------------------------------------------- */

static void test_global_deny(void **state)
{
	base();
	acl(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID, "192.0.2.0/24");
	acl(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID, "2001:db8:bad::/48");
	sendp("192.0.2.7", "10.9.0.100", 40000, 80, XDP_DROP, XLB_STAT_DROP_ACL_GLOBAL);
	sendp("192.0.2.7", "10.9.0.101", 40000, 80, XDP_DROP, XLB_STAT_DROP_ACL_GLOBAL);
	sendp("192.0.3.7", "10.9.0.100", 40000, 80, TX);
	sendp("2001:db8:bad:1::5", "fd00:9::100", 40000, 443, XDP_DROP, XLB_STAT_DROP_ACL_GLOBAL);
	sendp("2001:db8:bae::5", "fd00:9::100", 40000, 443, TX);
	/* Not VIP traffic: untouched, whatever the source. */
	sendp("192.0.2.7", "10.9.0.200", 40000, 80, XDP_PASS, XLB_STAT_PASS_NOT_VIP);
	sendp("192.0.2.7", "10.9.0.100", 40000, 8080, XDP_PASS, XLB_STAT_PASS_NOT_VIP);
	sendp("2001:db8:bad::5", "fd00:9::200", 40000, 443, XDP_PASS, XLB_STAT_PASS_NOT_VIP);
}

static void test_service_deny(void **state)
{
	base();
	acl(XLB_ACL_DENY, 1, "198.51.100.0/24");
	acl(XLB_ACL_DENY, 1, "203.0.113.9"); /* a host */
	sendp("198.51.100.1", "10.9.0.100", 40000, 80, XDP_DROP, XLB_STAT_DROP_ACL_SERVICE);
	sendp("203.0.113.9", "10.9.0.100", 40000, 80, XDP_DROP, XLB_STAT_DROP_ACL_SERVICE);
	sendp("203.0.113.10", "10.9.0.100", 40000, 80, TX);
	/* Service 2 has no list: the same sources pass there. */
	sendp("198.51.100.1", "10.9.0.101", 40000, 80, TX);
	/* The global list is checked first. */
	acl(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID, "198.51.100.0/25");
	sendp("198.51.100.1", "10.9.0.100", 40001, 80, XDP_DROP, XLB_STAT_DROP_ACL_GLOBAL);
}

static void test_service_allow(void **state)
{
	base();
	acl(XLB_ACL_ALLOW, 1, "10.20.0.0/16");
	acl(XLB_ACL_ALLOW, 1, "10.30.1.1/32");
	sendp("10.20.5.5", "10.9.0.100", 40000, 80, TX);
	sendp("10.30.1.1", "10.9.0.100", 40000, 80, TX);
	sendp("10.30.1.2", "10.9.0.100", 40000, 80, XDP_DROP, XLB_STAT_DROP_ACL_ALLOW);
	sendp("10.21.0.1", "10.9.0.100", 40000, 80, XDP_DROP, XLB_STAT_DROP_ACL_ALLOW);
	/* Other services are open; entries of service 1 do not leak into service 2. */
	sendp("10.21.0.1", "10.9.0.101", 40000, 80, TX);
	acl(XLB_ACL_ALLOW, 2, "10.99.0.0/16");
	sendp("10.20.5.5", "10.9.0.101", 40001, 80, XDP_DROP, XLB_STAT_DROP_ACL_ALLOW);
	/* A deny inside the allow list wins. */
	acl(XLB_ACL_DENY, 1, "10.20.5.0/24");
	sendp("10.20.5.5", "10.9.0.100", 40002, 80, XDP_DROP, XLB_STAT_DROP_ACL_SERVICE);
	sendp("10.20.6.5", "10.9.0.100", 40002, 80, TX);
	/* /0 allows everyone. */
	acl(XLB_ACL_ALLOW, 1, "0.0.0.0/0");
	sendp("10.21.0.1", "10.9.0.100", 40003, 80, TX);
}

static void test_v6_lists(void **state)
{
	base();
	acl(XLB_ACL_ALLOW, 3, "2001:db8:1::/64");
	acl(XLB_ACL_DENY, 3, "2001:db8:1::66/128");
	sendp("2001:db8:1::5", "fd00:9::100", 40000, 443, TX);
	sendp("2001:db8:1::66", "fd00:9::100", 40000, 443, XDP_DROP, XLB_STAT_DROP_ACL_SERVICE);
	sendp("2001:db8:1:1::5", "fd00:9::100", 40000, 443, XDP_DROP, XLB_STAT_DROP_ACL_ALLOW);
	/* An IPv4 entry says nothing about IPv6 and the other way round. */
	acl(XLB_ACL_DENY, 1, "0.0.0.0/0");
	sendp("2001:db8:1::5", "fd00:9::100", 40001, 443, TX);
	sendp("10.0.0.1", "10.9.0.100", 40001, 80, XDP_DROP, XLB_STAT_DROP_ACL_SERVICE);
}

/* A deny added while a flow is open cuts that flow (ACLs apply to every packet). */
/* An ACK of 10.40.0.1:40000 -> 10.9.0.100:80. */
static void send_ack(int action, __u32 reason)
{
	struct pkt p;

	build(&p, "10.40.0.1", "10.9.0.100", 40000, 80, 0x10);
	expect_pkt(&p, action, reason, "ACK 10.40.0.1:40000 -> 10.9.0.100:80");
}

/*
 * A deny entry added while a flow is established cuts it: also when its
 * packets are answered from the per-CPU flow cache (bpf/fcache.h, prefilter
 * group): the ACKs below are the new flow, the table hit that fills the
 * cache and a cache hit, on one CPU.
 */
static void test_deny_cuts_established(void **state)
{
	cpu_set_t old, one;

	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	base();
	send_ack(TX);
	send_ack(TX);
	send_ack(TX);
	acl(XLB_ACL_DENY, 1, "10.40.0.0/16");
	send_ack(XDP_DROP, XLB_STAT_DROP_ACL_SERVICE);
	base();
	send_ack(TX);
	send_ack(TX);
	send_ack(TX);
	acl(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID, "10.40.0.1");
	send_ack(XDP_DROP, XLB_STAT_DROP_ACL_GLOBAL);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

/* Entries without the scope flag are not consulted (the flag is the switch). */
static void test_flag_gates_lookup(void **state)
{
	struct xlb_filter zero = {0};
	__u32 idx = 1;

	base();
	acl(XLB_ACL_ALLOW, 1, "10.50.0.0/16");
	sendp("10.60.0.1", "10.9.0.100", 40000, 80, XDP_DROP, XLB_STAT_DROP_ACL_ALLOW);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.xlb_filt_v1), &idx, &zero, 0), 0);
	sendp("10.60.0.1", "10.9.0.100", 40000, 80, TX);
}

/* ---- rate limit -------------------------------------------------------- */

static void test_rate_burst(void **state)
{
	__u16 p;

	base();
	rate(1, 1, 3, 24, 64); /* 1 new flow/s, burst 3, per /24 */
	for (p = 0; p < 3; p++)
		sendp("10.70.0.1", "10.9.0.100", (__u16)(41000 + p), 80, TX);
	sendp("10.70.0.1", "10.9.0.100", 41003, 80, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	/* Same /24: same bucket. */
	sendp("10.70.0.200", "10.9.0.100", 41000, 80, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	/* Another /24: its own bucket. */
	sendp("10.70.1.1", "10.9.0.100", 41000, 80, TX);
	/* Established flows are never limited. */
	for (p = 0; p < 20; p++)
		sendp("10.70.0.1", "10.9.0.100", 41001, 80, TX);
	/* Other services have no limit. */
	for (p = 0; p < 10; p++)
		sendp("10.70.0.1", "10.9.0.101", (__u16)(42000 + p), 80, TX);
}

static void test_rate_refill(void **state)
{
	struct timespec ts = {0, 30 * 1000 * 1000};

	base();
	rate(1, 100, 1, 32, 128); /* one token per 10 ms, burst 1 */
	sendp("10.71.0.1", "10.9.0.100", 41000, 80, TX);
	sendp("10.71.0.1", "10.9.0.100", 41001, 80, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	/* /32 buckets: the neighbour is not affected. */
	sendp("10.71.0.2", "10.9.0.100", 41001, 80, TX);
	nanosleep(&ts, NULL);
	sendp("10.71.0.1", "10.9.0.100", 41002, 80, TX);
}

static void test_rate_global_and_override(void **state)
{
	__u16 p;

	base();
	rate(XLB_FILTER_GLOBAL, 1, 2, 16, 48);
	/* The global limit: every service without its own, one bucket per scope. */
	for (p = 0; p < 2; p++)
		sendp("10.72.0.1", "10.9.0.101", (__u16)(41000 + p), 80, TX);
	sendp("10.72.9.9", "10.9.0.101", 41002, 80, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	/* Global bucket is shared across services without their own limit. */
	sendp("10.72.0.1", "10.9.0.100", 41003, 80, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	/* Service 1 gets its own limit: it replaces the global one there. */
	rate(1, 1, 5, 32, 128);
	for (p = 0; p < 5; p++)
		sendp("10.72.0.1", "10.9.0.100", (__u16)(43000 + p), 80, TX);
	sendp("10.72.0.1", "10.9.0.100", 43005, 80, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	/* IPv6 under the global limit, /48 buckets. */
	sendp("2001:db8:7:1::1", "fd00:9::100", 41000, 443, TX);
	sendp("2001:db8:7:2::1", "fd00:9::100", 41000, 443, TX);
	sendp("2001:db8:7:3::1", "fd00:9::100", 41000, 443, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
	sendp("2001:db8:8::1", "fd00:9::100", 41000, 443, TX);
}

/* Bucket keys are the masked source: check one in the map. */
static void test_rate_bucket_key(void **state)
{
	struct xlb_rate_key k = {.scope = 3, .family = XLB_AF_INET6, .plen = 64};
	__u64 tat;
	__u8 fam;

	base();
	rate(3, 10, 10, 24, 64);
	sendp("2001:db8:9:9:aaaa::1", "fd00:9::100", 41000, 443, TX);
	addr_of("2001:db8:9:9::", &k.src, &fam);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.xlb_rate_v1), &k, &tat), 0);
	assert_true(tat > 0);
}

/* ---- parsing policy ---------------------------------------------------- */

static void test_ipv6_ext_header(void **state)
{
	static const __u8 exts[] = {0, 43, 60, 51, 135};
	struct pkt p;
	size_t i;

	base();
	for (i = 0; i < sizeof(exts); i++) {
		build(&p, "2001:db8:1::5", "fd00:9::100", 40000, 443, 0);
		p.buf[p.l3_off + 6] = exts[i];
		expect_pkt(&p, XDP_DROP, XLB_STAT_DROP_IPV6_EXT, "ext header to VIP");
		build(&p, "2001:db8:1::5", "fd00:9::200", 40000, 443, 0);
		p.buf[p.l3_off + 6] = exts[i];
		expect_pkt(&p, XDP_PASS, XLB_STAT_PASS_NOT_VIP, "ext header not to a VIP");
	}
	/* No Next Header (59) is an upper layer, not an extension: passed like GRE. */
	build(&p, "2001:db8:1::5", "fd00:9::100", 40000, 443, 0);
	p.buf[p.l3_off + 6] = 59;
	expect_pkt(&p, XDP_PASS, XLB_STAT_PASS_NOT_L4, "no next header to VIP");
}

/* An ICMP error not addressed to the VIP is not ours, whatever flow it quotes. */
static void test_icmp_error_not_to_vip(void **state)
{
	struct pkt_spec r4 = {.family = 4, .proto = IPPROTO_TCP, .src = "10.9.0.100",
			      .dst = "10.80.0.1", .sport = 80, .dport = 40000,
			      .smac = {2, 0, 0, 0, 0, 0x50}, .dmac = {2, 0, 0, 0, 0, 1},
			      .payload_len = 100, .tcp_flags = 0x10};
	struct pkt p;

	base();
	sendp("10.80.0.1", "10.9.0.100", 40000, 80, TX); /* the flow exists */
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.100", 3, 4, 1400, &p), 0);
	expect_pkt(&p, XDP_TX, XLB_STAT_FWD_ICMP, "icmp error to the VIP");
	assert_int_equal(pkt_build_icmp_error(&r4, "10.9.0.254", "10.9.0.77", 3, 4, 1400, &p), 0);
	expect_pkt(&p, XDP_PASS, XLB_STAT_PASS_ICMP_NO_FLOW, "icmp error to another address");
}

/* ---- user-space helpers ------------------------------------------------ */

static void test_cidr_parse(void **state)
{
	struct xlb_cidr c;
	char why[128], buf[XLB_CIDR_STRLEN];

	assert_int_equal(xlb_cidr_parse("10.0.0.0/8", &c, why, sizeof(why)), 0);
	assert_int_equal(c.plen, 8);
	assert_string_equal(xlb_cidr_str(&c, buf, sizeof(buf)), "10.0.0.0/8");
	assert_int_equal(xlb_cidr_parse("2001:db8::1", &c, why, sizeof(why)), 0);
	assert_int_equal(c.plen, 128);
	assert_int_equal(xlb_cidr_parse("0.0.0.0/0", &c, why, sizeof(why)), 0);
	assert_int_equal(xlb_cidr_parse("10.0.0.1/8", &c, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "10.0.0.0/8"));
	assert_int_equal(xlb_cidr_parse("10.0.0.0/33", &c, why, sizeof(why)), -EINVAL);
	assert_int_equal(xlb_cidr_parse("10.0.0.0/", &c, why, sizeof(why)), -EINVAL);
	assert_int_equal(xlb_cidr_parse("10.0.0.0/08", &c, why, sizeof(why)), -EINVAL);
	assert_int_equal(xlb_cidr_parse("10.0.0.0/8x", &c, why, sizeof(why)), -EINVAL);
	assert_int_equal(xlb_cidr_parse("fd00::/129", &c, why, sizeof(why)), -EINVAL);
	assert_int_equal(xlb_cidr_parse("host/8", &c, why, sizeof(why)), -EINVAL);
	assert_int_equal(xlb_cidr_parse("", &c, why, sizeof(why)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_global_deny),
	    cmocka_unit_test(test_service_deny),
	    cmocka_unit_test(test_service_allow),
	    cmocka_unit_test(test_v6_lists),
	    cmocka_unit_test(test_deny_cuts_established),
	    cmocka_unit_test(test_flag_gates_lookup),
	    cmocka_unit_test(test_rate_burst),
	    cmocka_unit_test(test_rate_refill),
	    cmocka_unit_test(test_rate_global_and_override),
	    cmocka_unit_test(test_rate_bucket_key),
	    cmocka_unit_test(test_ipv6_ext_header),
	    cmocka_unit_test(test_icmp_error_not_to_vip),
	    cmocka_unit_test(test_cidr_parse),
	};
	int fails;

	fails = cmocka_run_group_tests_name("filter", tests, setup_off, teardown);
	fails += cmocka_run_group_tests_name("filter_prefilter", tests, setup_on, teardown);
	return fails;
}
