// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Which VIPs a node announces (userspace/lib/announce.c), the BIRD fragment
 * that announces them and BIRD's reply lines. Table-driven: each case lists
 * services as "VIP mode n_weighted" and the announced VIPs it expects.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"
#include "announce.h"

#define MAXS 8

struct acase {
	const char *name;
	bool drained;
	const char *svc[MAXS]; /* "ADDR MODE N", NULL-terminated; MODE as xlb_pol_mode_name */
	const char *want[MAXS]; /* announced, in order */
};

static const struct acase cases[] = {
	{ "nothing configured", false, { NULL }, { NULL } },
	{ "one healthy service", false, { "10.0.0.10 normal 3" }, { "10.0.0.10" } },
	{ "down withdraws", false, { "10.0.0.10 down 0" }, { NULL } },
	{ "fail-closed withdraws", false, { "10.0.0.10 fail-closed 0" }, { NULL } },
	{ "normal but every weight 0", false, { "10.0.0.10 normal 0" }, { NULL } },
	{ "spill, backup and panic announce", false,
	  { "10.0.0.3 spill 1", "10.0.0.2 backup 1", "10.0.0.1 panic 4" },
	  { "10.0.0.1", "10.0.0.2", "10.0.0.3" } },
	{ "drained announces nothing", true, { "10.0.0.10 normal 3", "fd00::1 normal 1" }, { NULL } },
	{ "two ports, one serving: the address stays", false,
	  { "10.0.0.10 down 0", "10.0.0.10 normal 2" }, { "10.0.0.10" } },
	{ "two ports, both serving: once", false,
	  { "10.0.0.10 normal 1", "10.0.0.10 spill 2" }, { "10.0.0.10" } },
	{ "IPv4 first, sorted, IPv6 after", false,
	  { "fd00:100::10 normal 1", "10.100.0.20 normal 1", "10.100.0.10 normal 1",
	    "fd00:100::9 down 0" },
	  { "10.100.0.10", "10.100.0.20", "fd00:100::10" } },
};

static enum xlb_pol_mode mode_parse(const char *s)
{
	int m;

	for (m = 0; m < XLB_POL_MODE_MAX; m++)
		if (!strcmp(xlb_pol_mode_name(m), s))
			return m;
	fail_msg("unknown mode %s", s);
	return XLB_POL_DOWN;
}

static void test_compute(void **state)
{
	size_t c, i, n, nout;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct acase *tc = &cases[c];
		struct xlb_ann_service s[MAXS] = {};
		struct xlb_ann_vip out[MAXS];
		char addr[64], mode[32], buf[XLB_ADDR_STRLEN];
		unsigned int nw;

		for (n = 0; tc->svc[n]; n++) {
			assert_int_equal(sscanf(tc->svc[n], "%63s %31s %u", addr, mode, &nw), 3);
			assert_int_equal(xlb_addr_parse(addr, &s[n].vip, &s[n].family), 0);
			s[n].mode = mode_parse(mode);
			s[n].n_weighted = nw;
		}
		assert_int_equal(xlb_announce_compute(tc->drained, s, n, out, &nout), 0);
		for (i = 0; tc->want[i]; i++) {
			if (i >= nout)
				fail_msg("%s: %zu announced, want more (%s)", tc->name, nout,
					 tc->want[i]);
			xlb_addr_str(&out[i].addr, out[i].family, buf, sizeof(buf));
			if (strcmp(buf, tc->want[i]))
				fail_msg("%s: [%zu] = %s, want %s", tc->name, i, buf, tc->want[i]);
		}
		if (i != nout)
			fail_msg("%s: %zu announced, want %zu", tc->name, nout, i);
		assert_true(xlb_announce_equal(out, nout, out, nout));
	}
}

static void test_compute_args(void **state)
{
	struct xlb_ann_vip out[1];
	size_t n = 99;

	assert_int_equal(xlb_announce_compute(false, NULL, 0, NULL, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(xlb_announce_compute(false, NULL, 1, out, &n), -EINVAL);
	assert_int_equal(xlb_announce_compute(false, NULL, 0, out, NULL), -EINVAL);
}

static void vip(struct xlb_ann_vip *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	assert_int_equal(xlb_addr_parse(s, &v->addr, &v->family), 0);
}

static void test_equal(void **state)
{
	struct xlb_ann_vip a[2], b[2];

	vip(&a[0], "10.0.0.1");
	vip(&a[1], "fd00::1");
	vip(&b[0], "10.0.0.1");
	vip(&b[1], "fd00::2");
	assert_true(xlb_announce_equal(a, 2, a, 2));
	assert_false(xlb_announce_equal(a, 2, b, 2));
	assert_false(xlb_announce_equal(a, 2, a, 1));
	assert_true(xlb_announce_equal(NULL, 0, NULL, 0));
}

static void test_fragment(void **state)
{
	struct xlb_ann_vip v[3];
	char *f = NULL;

	vip(&v[0], "10.100.0.10");
	vip(&v[1], "10.100.0.20");
	vip(&v[2], "fd00:100::10");
	assert_int_equal(xlb_bird_fragment("xlb_vips", false, v, 3, &f), 0);
	assert_non_null(strstr(f, "protocol static xlb_vips4 {\n\tipv4;\n"
				  "\troute 10.100.0.10/32 blackhole;\n"
				  "\troute 10.100.0.20/32 blackhole;\n}\n"));
	assert_non_null(strstr(f, "protocol static xlb_vips6 {\n\tipv6;\n"
				  "\troute fd00:100::10/128 blackhole;\n}\n"));
	assert_false(xlb_bird_fragment_drained(f));
	free(f);

	/* drained: both protocols still there (bird.conf names them), empty, tagged */
	assert_int_equal(xlb_bird_fragment("lb_v", true, NULL, 0, &f), 0);
	assert_non_null(strstr(f, "protocol static lb_v4 {\n\tipv4;\n}\n"));
	assert_non_null(strstr(f, "protocol static lb_v6 {\n\tipv6;\n}\n"));
	assert_null(strstr(f, "route "));
	assert_true(xlb_bird_fragment_drained(f));
	free(f);

	assert_int_equal(xlb_bird_fragment("bad name", false, NULL, 0, &f), -EINVAL);
	assert_int_equal(xlb_bird_fragment("9x", false, NULL, 0, &f), -EINVAL);
	assert_int_equal(xlb_bird_fragment("x\"; }", false, NULL, 0, &f), -EINVAL);
	assert_false(xlb_bird_fragment_drained("# xlb-node: drainedX\n"));
	assert_false(xlb_bird_fragment_drained(" # xlb-node: drained\n"));
	assert_true(xlb_bird_fragment_drained("# a\n# xlb-node: drained\n"));
}

static void test_proto_valid(void **state)
{
	assert_true(xlb_bird_proto_valid("xlb_vips"));
	assert_true(xlb_bird_proto_valid("_x1"));
	assert_false(xlb_bird_proto_valid(""));
	assert_false(xlb_bird_proto_valid(NULL));
	assert_false(xlb_bird_proto_valid("a-b"));
	assert_false(xlb_bird_proto_valid("1abc"));
	assert_false(xlb_bird_proto_valid("abcdefghijklmnopqrstuvwxyzabcdef"));
}

static void test_reply(void **state)
{
	int code = 0;

	assert_int_equal(xlb_bird_reply_line("0001 BIRD 2.0.12 ready.", &code), 1);
	assert_int_equal(code, 1);
	assert_int_equal(xlb_bird_reply_line("0002-Reading configuration from bird.conf", &code), 0);
	assert_int_equal(code, 2);
	assert_int_equal(xlb_bird_reply_line("0003 Reconfigured", &code), 1);
	assert_int_equal(code, 3);
	assert_true(xlb_bird_code_ok(code));
	assert_int_equal(xlb_bird_reply_line("8002 /etc/bird/x.conf:8:1 syntax error", &code), 1);
	assert_int_equal(code, 8002);
	assert_false(xlb_bird_code_ok(code));
	assert_int_equal(xlb_bird_reply_line(" continued", &code), 0);
	assert_int_equal(code, -1);
	assert_int_equal(xlb_bird_reply_line("0019", &code), 1);
	assert_int_equal(xlb_bird_reply_line("12x4 no", &code), -EINVAL);
	assert_int_equal(xlb_bird_reply_line("0003xReconfigured", &code), -EINVAL);
	assert_int_equal(xlb_bird_reply_line("", &code), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compute),    cmocka_unit_test(test_compute_args),
		cmocka_unit_test(test_equal),      cmocka_unit_test(test_fragment),
		cmocka_unit_test(test_proto_valid), cmocka_unit_test(test_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
