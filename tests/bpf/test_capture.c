// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_capture.c - packet capture in the XDP data path (bpf/capture.h) under
 * BPF_PROG_TEST_RUN: off records nothing; on, the records hold the frame
 * exactly as received (and as sent, with XLB_CAP_F_TX), cut at snaplen; the
 * service, reason and backend filters select the right packets; and under a
 * flood (one test run with a large repeat) the per-CPU rate bound holds,
 * counts what it left out, and the data path's verdicts do not change.
 *
 * Private network namespace (it vanishes with the process): xt0
 * 10.9.0.1/24 with a permanent neighbour 10.9.0.11 (the backend), so
 * bpf_fib_lookup answers and the VIP's packets leave with XDP_TX.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
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
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"

#define VIP "10.9.0.100"
#define MAXREC 64

static struct {
	int state;
	struct xlb *skel;
	int prog_fd, ifx0, ncpus;
	struct ring_buffer *rb;
} lab;

static struct rec {
	struct xlb_capture_hdr h;
	__u8 data[XLB_CAP_SNAP_MAX];
} recs[MAXREC];
static int nrec, nrec_total;

static int on_rec(void *ctx, void *data, size_t size)
{
	nrec_total++;
	if (nrec < MAXREC && size >= sizeof(struct xlb_capture_hdr) && size <= sizeof(recs[0])) {
		memcpy(&recs[nrec], data, size);
		nrec++;
	}
	return 0;
}

static int mfd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static int setup(void **state)
{
	static const char *const cmds[] = {
	    "ip link add xt0 address 02:00:00:00:00:01 type veth peer name xt1",
	    "ip link set xt0 up && ip link set xt1 up",
	    "ip addr add 10.9.0.1/24 dev xt0",
	    "sysctl -q -w net.ipv4.ip_forward=1",
	    "ip neigh replace 10.9.0.11 lladdr 02:00:00:00:00:0b dev xt0 nud permanent",
	};
	struct xlb_vip_key vk = { .port = htons(80), .proto = IPPROTO_TCP, .family = XLB_AF_INET };
	struct xlb_svc svc = { .id = 1, .table_size = 7 };
	struct xlb_backend be = { .svc_id = 1, .weight = 1, .family = XLB_AF_INET,
				  .flags = XLB_BE_F_ACTIVE };
	__u32 slots[7] = { 1, 1, 1, 1, 1, 1, 1 }, one = 1, id = 1, b, w;
	__u64 bits;

	if (geteuid() != 0)
		return 0;
	lab.state = -1;
	if (bpf_lab_netns(cmds, sizeof(cmds) / sizeof(cmds[0])))
		return 0;
	libbpf_set_print(bpf_lab_libbpf_quiet);
	lab.skel = xlb__open();
	if (!lab.skel)
		return 0;
	lab.skel->rodata->xlb_cfg_prefilter = 1; /* as lbd loads it */
	if (xlb__load(lab.skel))
		return 0;
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.ifx0 = if_nametoindex("xt0");
	{ /* as lbd does when a capture starts: the tail call's target */
		int pfd = bpf_program__fd(lab.skel->progs.xlb_xdp_captured);
		__u32 k = 0;

		if (bpf_map_update_elem(mfd(lab.skel->maps.XLB_CAPPROG_MAP), &k, &pfd, BPF_ANY))
			return 0;
	}
	lab.ncpus = libbpf_num_possible_cpus();
	inet_pton(AF_INET, VIP, &vk.addr.a[0]);
	inet_pton(AF_INET, "10.9.0.11", &be.addr.a[0]);
	if (bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY) ||
	    bpf_map_update_elem(mfd(lab.skel->maps.XLB_BACKENDS_MAP), &id, &be, BPF_ANY) ||
	    bpf_lab_table_install(mfd(lab.skel->maps.XLB_TABLES_MAP), 1, slots, 7))
		return 0;
	b = xlb_vfilter_bucket(&vk.addr, vk.port);
	w = b / 64;
	bits = 1ull << (b % 64);
	if (bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPFILTER_MAP), &w, &bits, BPF_ANY))
		return 0;
	vk.port = 0;
	vk.proto = 0;
	if (bpf_map_update_elem(mfd(lab.skel->maps.XLB_VIPADDRS_MAP), &vk, &one, BPF_ANY))
		return 0;
	lab.rb = ring_buffer__new(mfd(lab.skel->maps.XLB_CAPRING_MAP), on_rec, NULL, NULL);
	if (!lab.rb)
		return 0;
	lab.state = 1;
	return 0;
}

static int teardown(void **state)
{
	ring_buffer__free(lab.rb);
	xlb__destroy(lab.skel);
	return 0;
}

static void require(void)
{
	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
}

static void drain_ring(void)
{
	nrec = nrec_total = 0;
	ring_buffer__consume(lab.rb);
}

/* Turn capture on with these settings (off with on = 0), counters zeroed. */
static void cap_set(__u32 on, __u32 flags, __u32 snaplen, __u64 rate, __u64 burst, __u32 be_id,
		    __u32 reason)
{
	static __u32 session;
	struct xlb_capture_cfg c = { .flags = flags, .snaplen = snaplen, .be_id = be_id,
				     .reason = reason, .session = ++session,
				     .interval_ns = rate ? 1000000000ull / rate : 1, .burst = burst };
	struct xlb_capture_cpu *z = calloc(lab.ncpus, sizeof(*z));
	__u32 zero = 0;

	c.svc.family = XLB_AF_INET;
	c.svc.port = htons(80);
	c.svc.proto = IPPROTO_TCP;
	inet_pton(AF_INET, VIP, &c.svc.addr.a[0]);
	assert_non_null(z);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_CAPCPU_MAP), &zero, z, BPF_ANY), 0);
	free(z);
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_CAPCFG_MAP), &zero, &c, BPF_ANY), 0);
	c.on = on;
	assert_int_equal(bpf_map_update_elem(mfd(lab.skel->maps.XLB_CAPCFG_MAP), &zero, &c, BPF_ANY), 0);
	lab.skel->bss->xlb_capture_on = on; /* the switch, last */
	drain_ring();
}

static struct xlb_capture_cpu cap_counters(void)
{
	struct xlb_capture_cpu *v = calloc(lab.ncpus, sizeof(*v)), sum = { 0 };
	__u32 zero = 0;
	int c;

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_CAPCPU_MAP), &zero, v), 0);
	for (c = 0; c < lab.ncpus; c++) {
		sum.matched += v[c].matched;
		sum.captured += v[c].captured;
		sum.bounded += v[c].bounded;
		sum.lost += v[c].lost;
	}
	free(v);
	return sum;
}

static int run(const struct pkt_spec *s, struct pkt *in, __u8 *out, __u32 *out_len)
{
	int action;

	assert_int_equal(pkt_build(s, in), 0);
	assert_int_equal(bpf_lab_run_xdp(lab.prog_fd, in->buf, in->len, lab.ifx0, out, out_len,
					 &action),
			 0);
	return action;
}

static const struct pkt_spec to_vip = { .family = 4, .proto = IPPROTO_TCP, .src = "10.9.0.50",
					.dst = VIP, .sport = 40000, .dport = 80,
					.payload_len = 100 };
static const struct pkt_spec to_other = { .family = 4, .proto = IPPROTO_TCP, .src = "10.9.0.50",
					  .dst = "10.9.0.200", .sport = 40000, .dport = 80 };

static void test_off(void **state)
{
	struct pkt in;
	__u8 out[PKT_MAX];
	__u32 len;
	int i;

	require();
	cap_set(0, XLB_CAP_F_TX, XLB_CAP_SNAP_MAX, 1000000, 1000, 0, 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(run(&to_vip, &in, out, &len), XDP_TX);
	drain_ring();
	assert_int_equal(nrec_total, 0);
	assert_int_equal(cap_counters().matched, 0);
}

static void test_bytes_rx_tx(void **state)
{
	struct pkt in, in2;
	__u8 out[PKT_MAX], out2[PKT_MAX];
	__u32 len, len2;

	require();
	cap_set(1, XLB_CAP_F_SERVICE | XLB_CAP_F_TX, XLB_CAP_SNAP_MAX, 1000000, 1000, 0, 0);
	assert_int_equal(run(&to_vip, &in, out, &len), XDP_TX);
	assert_int_equal(run(&to_other, &in2, out2, &len2), XDP_PASS);
	drain_ring();
	assert_int_equal(nrec_total, 2); /* the VIP packet, as received and as sent */
	assert_int_equal(recs[0].h.dir, XLB_CAP_DIR_RX);
	assert_int_equal(recs[0].h.action, XDP_TX);
	assert_int_equal(recs[0].h.len, in.len);
	assert_int_equal(recs[0].h.caplen, in.len);
	assert_int_equal(recs[0].h.ifindex, lab.ifx0);
	assert_memory_equal(recs[0].data, in.buf, in.len);
	assert_int_equal(recs[1].h.dir, XLB_CAP_DIR_TX);
	assert_int_equal(recs[1].h.caplen, len);
	assert_memory_equal(recs[1].data, out, len);
	assert_memory_not_equal(recs[1].data, in.buf, 12); /* MACs rewritten */
	assert_true(recs[1].h.ts_ns >= recs[0].h.ts_ns);
	assert_int_equal(cap_counters().captured, 2);

	/* snaplen cuts the copy, not the length */
	cap_set(1, 0, 40, 1000000, 1000, 0, 0);
	run(&to_vip, &in, out, &len);
	drain_ring();
	assert_int_equal(nrec_total, 1);
	assert_int_equal(recs[0].h.caplen, 40);
	assert_int_equal(recs[0].h.len, in.len);
	assert_memory_equal(recs[0].data, in.buf, 40);
}

static void test_filters(void **state)
{
	struct pkt in;
	__u8 out[PKT_MAX];
	__u32 len;

	require();
	/* reason: only what was counted as pass_not_vip */
	cap_set(1, XLB_CAP_F_REASON, XLB_CAP_SNAP_MAX, 1000000, 1000, 0, XLB_STAT_PASS_NOT_VIP);
	run(&to_vip, &in, out, &len);
	run(&to_other, &in, out, &len);
	drain_ring();
	assert_int_equal(nrec_total, 1);
	assert_int_equal(recs[0].h.action, XDP_PASS);
	assert_memory_equal(recs[0].data, in.buf, in.len);
	/* backend: forwarded to backend 1, not to 2 */
	cap_set(1, XLB_CAP_F_BACKEND, XLB_CAP_SNAP_MAX, 1000000, 1000, 1, 0);
	run(&to_vip, &in, out, &len);
	run(&to_other, &in, out, &len);
	drain_ring();
	assert_int_equal(nrec_total, 1);
	assert_int_equal(recs[0].h.action, XDP_TX);
	cap_set(1, XLB_CAP_F_BACKEND, XLB_CAP_SNAP_MAX, 1000000, 1000, 2, 0);
	run(&to_vip, &in, out, &len);
	drain_ring();
	assert_int_equal(nrec_total, 0);
	/* everything: both */
	cap_set(1, 0, XLB_CAP_SNAP_MAX, 1000000, 1000, 0, 0);
	run(&to_vip, &in, out, &len);
	run(&to_other, &in, out, &len);
	drain_ring();
	assert_int_equal(nrec_total, 2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A flood in one test run: the bound holds and the data path is unchanged. */
static void test_rate_bound(void **state)
{
	const __u32 repeat = 300000, rate = 1000, burst = 20;
	__u64 fwd_before, fwd_after;
	struct pkt in;
	__u8 out[PKT_MAX];
	struct xdp_md ctx;
	struct xlb_capture_cpu c;
	double t0, dt;
	__u64 *v;
	__u32 key = XLB_STAT_FWD_TX;
	int i;

	require();
	cap_set(1, XLB_CAP_F_SERVICE, XLB_CAP_SNAP_MAX, rate, burst, 0, 0);
	assert_int_equal(pkt_build(&to_vip, &in), 0);
	v = calloc(lab.ncpus, sizeof(*v));
	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_STATS_MAP), &key, v), 0);
	for (fwd_before = 0, i = 0; i < lab.ncpus; i++)
		fwd_before += v[i];
	ctx = (struct xdp_md){ .data_end = in.len, .ingress_ifindex = lab.ifx0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.buf, .data_size_in = in.len,
		    .data_out = out, .data_size_out = PKT_MAX, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);
	t0 = now_s();
	assert_int_equal(bpf_prog_test_run_opts(lab.prog_fd, &opts), 0);
	dt = now_s() - t0;
	assert_int_equal(opts.retval, XDP_TX);
	assert_int_equal(bpf_map_lookup_elem(mfd(lab.skel->maps.XLB_STATS_MAP), &key, v), 0);
	for (fwd_after = 0, i = 0; i < lab.ncpus; i++)
		fwd_after += v[i];
	free(v);
	c = cap_counters();
	drain_ring();
	print_message("flood: %u packets in %.3f s (%.0f ns each), %llu captured, %llu bounded, "
		      "%llu lost; bound %u + %u/s per CPU\n",
		      repeat, dt, dt * 1e9 / repeat, (unsigned long long)c.captured,
		      (unsigned long long)c.bounded, (unsigned long long)c.lost, burst, rate);
	assert_int_equal(fwd_after - fwd_before, repeat); /* every packet still forwarded */
	assert_int_equal(c.matched, repeat);
	assert_int_equal(c.captured + c.bounded + c.lost, repeat);
	assert_true(c.captured >= 1);
	/* per CPU: burst + rate * elapsed (+1 for the partial interval) */
	assert_true(c.captured + c.lost <= (__u64)(lab.ncpus * (burst + rate * dt + 1)));
	assert_int_equal(nrec_total, c.captured);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_bytes_rx_tx),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_rate_bound),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
