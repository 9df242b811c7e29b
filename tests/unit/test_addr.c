// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Address parsing and formatting (userspace/lib/addr.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "addr.h"

static void test_round_trip(void **state)
{
	static const struct {
		const char *in, *out;
		__u8 family;
	} cases[] = {
	    {"10.0.0.11", "10.0.0.11", XLB_AF_INET},
	    {"0.0.0.0", "0.0.0.0", XLB_AF_INET},
	    {"255.255.255.255", "255.255.255.255", XLB_AF_INET},
	    {"2001:db8::1", "2001:db8::1", XLB_AF_INET6},
	    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", XLB_AF_INET6},
	    {"::", "::", XLB_AF_INET6},
	    {"::1", "::1", XLB_AF_INET6},
	    {"::ffff:10.0.0.1", "::ffff:10.0.0.1", XLB_AF_INET6},
	    {"FE80::ABCD", "fe80::abcd", XLB_AF_INET6},
	};
	char buf[XLB_ADDR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xlb_addr a, b;
		__u8 fam = 0, fam2 = 0;

		assert_int_equal(xlb_addr_parse(cases[i].in, &a, &fam), 0);
		assert_int_equal(fam, cases[i].family);
		assert_string_equal(xlb_addr_str(&a, fam, buf, sizeof(buf)), cases[i].out);
		assert_int_equal(xlb_addr_parse(buf, &b, &fam2), 0);
		assert_int_equal(fam2, fam);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(xlb_addr_cmp(fam, &a, fam2, &b), 0);
	}
}

static void test_v4_layout(void **state)
{
	struct xlb_addr a;
	__u8 fam;

	memset(&a, 0xaa, sizeof(a));
	assert_int_equal(xlb_addr_parse("10.1.2.3", &a, &fam), 0);
	assert_int_equal(a.a[0], htonl(0x0a010203));
	assert_int_equal(a.a[1], 0);
	assert_int_equal(a.a[2], 0);
	assert_int_equal(a.a[3], 0);
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
	    "10.0.0",	 "10.0.0.256",	 "1.2.3.4/24",	   "",		"::g",	      "10.0.0.1 ",
	    " 10.0.0.1", "[::1]",	 "2001:db8::1/64", "1.2.3.4.5", "0x0a000001", "::1%lo",
	    "abc",	 "2001:db8:::1", "1::2::3",
	};
	struct xlb_addr a;
	__u8 fam = 77;
	size_t i;

	memset(&a, 0x5a, sizeof(a));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xlb_addr_parse(bad[i], &a, &fam), -EINVAL);
		assert_int_equal(fam, 77); /* untouched */
		assert_int_equal(a.a[0], 0x5a5a5a5a);
	}
	assert_int_equal(xlb_addr_parse(NULL, &a, &fam), -EINVAL);
}

/* Addresses no VIP or backend can have, and some that are fine. */
static void test_unusable(void **state)
{
	static const struct {
		const char *s;
		const char *why; /* fragment; NULL = usable */
	} cases[] = {
	    {"0.0.0.0", "unspecified"},
	    {"0.1.2.3", "unspecified"},
	    {"255.255.255.255", "broadcast"},
	    {"224.0.0.1", "multicast"},
	    {"239.255.255.250", "multicast"},
	    {"127.0.0.1", "loopback"},
	    {"127.200.0.1", "loopback"},
	    {"169.254.1.1", "link-local"},
	    {"::", "unspecified"},
	    {"::1", "loopback"},
	    {"ff02::1", "multicast"},
	    {"fe80::1", "link-local"},
	    {"febf::1", "link-local"},
	    {"::ffff:10.0.0.1", "IPv4-mapped"},
	    {"10.0.0.1", NULL},
	    {"1.0.0.0", NULL},
	    {"223.255.255.254", NULL},
	    {"240.0.0.1", NULL},
	    {"169.253.1.1", NULL},
	    {"128.0.0.1", NULL},
	    {"fd00::1", NULL},
	    {"2001:db8::10", NULL},
	    {"fec0::1", NULL},
	    {"::2", NULL},
	    {"::10.0.0.1", NULL},
	};
	struct xlb_addr a;
	const char *why;
	size_t i;
	__u8 f;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(xlb_addr_parse(cases[i].s, &a, &f), 0);
		why = xlb_addr_unusable(&a, f);
		if (!cases[i].why && why)
			fail_msg("%s: refused (%s)", cases[i].s, why);
		if (cases[i].why && (!why || !strstr(why, cases[i].why)))
			fail_msg("%s: \"%s\", expected \"%s\"", cases[i].s, why ? why : "(usable)",
				 cases[i].why);
	}
	memset(&a, 0, sizeof(a));
	assert_non_null(xlb_addr_unusable(&a, 0));
}

static void test_cmp(void **state)
{
	struct xlb_addr a, b, c;
	__u8 fa, fb, fc;

	assert_int_equal(xlb_addr_parse("10.0.0.2", &a, &fa), 0);
	assert_int_equal(xlb_addr_parse("10.0.0.10", &b, &fb), 0);
	assert_int_equal(xlb_addr_parse("::1", &c, &fc), 0);
	assert_true(xlb_addr_cmp(fa, &a, fb, &b) < 0); /* numeric, not text, order */
	assert_true(xlb_addr_cmp(fb, &b, fa, &a) > 0);
	assert_true(xlb_addr_cmp(fa, &a, fc, &c) < 0); /* IPv4 before IPv6 */
	assert_true(xlb_addr_cmp(fc, &c, fa, &a) > 0);
}

static void test_format_bad_family(void **state)
{
	struct xlb_addr a;
	char buf[XLB_ADDR_STRLEN];

	memset(&a, 0, sizeof(a));
	assert_string_equal(xlb_addr_str(&a, 0, buf, sizeof(buf)), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),	      cmocka_unit_test(test_v4_layout),
	    cmocka_unit_test(test_rejects),	      cmocka_unit_test(test_cmp),
	    cmocka_unit_test(test_format_bad_family), cmocka_unit_test(test_unusable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
