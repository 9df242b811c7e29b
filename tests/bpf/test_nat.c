// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * NAT rewrite helpers (bpf/nat.h) through their harness tools/bpf/nat_rw.bpf.c:
 * a packet translated in BPF must equal, byte for byte, the packet the builder
 * makes with the new addresses and ports (so the incremental checksums equal
 * full ones). IPv4 and IPv6, TCP and UDP, forward (DNAT + SNAT) and reply.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "nat_rw.skel.h"
#include "pkt.h"

/*
 * Run the harness rewriting `in` to to's addresses and ports; compare with `to`.
 * no_udp_csum: both packets carry UDP checksum 0 (IPv4 "no checksum"), which
 * must stay 0.
 */
static void check_rewrite(const struct pkt_spec *in, const struct pkt_spec *to, int no_udp_csum)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct pkt a, b;
	__u8 out[PKT_MAX];
	struct nat_rw *skel;

	assert_int_equal(pkt_build(in, &a), 0);
	assert_int_equal(pkt_build(to, &b), 0);
	if (no_udp_csum) {
		memset(a.buf + a.l4_off + 6, 0, 2);
		memset(b.buf + b.l4_off + 6, 0, 2);
	}
	skel = nat_rw__open();
	assert_non_null(skel);
	if (to->family == 4) {
		assert_int_equal(inet_pton(AF_INET, to->src, (void *)&skel->rodata->saddr4), 1);
		assert_int_equal(inet_pton(AF_INET, to->dst, (void *)&skel->rodata->daddr4), 1);
	} else {
		assert_int_equal(inet_pton(AF_INET6, to->src, (void *)&skel->rodata->saddr6), 1);
		assert_int_equal(inet_pton(AF_INET6, to->dst, (void *)&skel->rodata->daddr6), 1);
	}
	skel->rodata->sport = htons(to->sport);
	skel->rodata->dport = htons(to->dport);
	assert_int_equal(nat_rw__load(skel), 0);
	opts.data_in = a.buf;
	opts.data_size_in = (__u32)a.len;
	opts.data_out = out;
	opts.data_size_out = sizeof(out);
	opts.repeat = 1;
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xlb_nat_rw), &opts), 0);
	assert_int_equal(opts.retval, XDP_TX);
	assert_int_equal(opts.data_size_out, b.len);
	assert_memory_equal(out, b.buf, b.len);
	nat_rw__destroy(skel);
}

static const struct {
	const char *name;
	struct pkt_spec in, to;
} cases[] = {
    /* client -> VIP:80 becomes SNAT:sport -> backend:8080 */
    {"v4-tcp-fullnat",
     {4, IPPROTO_TCP, "198.51.100.7", "10.100.0.10", 40000, 80, .payload_len = 20},
     {4, IPPROTO_TCP, "10.0.0.1", "10.0.0.11", 10240, 8080, .payload_len = 20}},
    /* backend:8080 -> SNAT:sport becomes VIP:80 -> client */
    {"v4-tcp-reply",
     {4, IPPROTO_TCP, "10.0.0.11", "10.0.0.1", 8080, 10240, .payload_len = 5, .tcp_flags = 0x12},
     {4, IPPROTO_TCP, "10.100.0.10", "198.51.100.7", 80, 40000, .payload_len = 5,
      .tcp_flags = 0x12}},
    /* DNAT only (forwarding nat): the client's address stays */
    {"v4-udp-dnat",
     {4, IPPROTO_UDP, "198.51.100.7", "10.100.0.10", 5353, 53, .payload_len = 33},
     {4, IPPROTO_UDP, "198.51.100.7", "10.0.0.12", 5353, 5300, .payload_len = 33}},
    {"v4-udp-carry",
     {4, IPPROTO_UDP, "255.255.255.254", "10.100.0.10", 65535, 53, .payload_len = 12},
     {4, IPPROTO_UDP, "0.0.0.1", "10.0.0.12", 1, 65534, .payload_len = 12}},
    {"v6-tcp-fullnat",
     {6, IPPROTO_TCP, "2001:db8:c::7", "2001:db8::10", 40000, 443, .payload_len = 40},
     {6, IPPROTO_TCP, "2001:db8:1::1", "2001:db8:1::11", 32767, 8443, .payload_len = 40}},
    {"v6-udp-reply",
     {6, IPPROTO_UDP, "2001:db8:1::11", "2001:db8:1::1", 5300, 20000, .payload_len = 16},
     {6, IPPROTO_UDP, "2001:db8::10", "2001:db8:c::7", 53, 5353, .payload_len = 16}},
};

static void test_rewrite(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("  %s\n", cases[i].name);
		check_rewrite(&cases[i].in, &cases[i].to, 0);
	}
}

static void test_udp_no_checksum(void **state)
{
	struct pkt_spec in = {4,    IPPROTO_UDP, "198.51.100.7",   "10.100.0.10",
			      5353, 53,		 .payload_len = 20};
	struct pkt_spec to = {4,     IPPROTO_UDP, "10.0.0.1",	    "10.0.0.12",
			      20000, 5300,	  .payload_len = 20};

	check_rewrite(&in, &to, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rewrite),
	    cmocka_unit_test(test_udp_no_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
