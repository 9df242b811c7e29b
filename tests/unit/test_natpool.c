// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Source-NAT port ranges (userspace/lib/natpool.c): parsing, refusal of an
 * overlap with the node's ephemeral ports, per-CPU slices, probe candidates.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "natpool.h"

static void test_parse_range(void **state)
{
	struct xlb_port_range r;

	assert_int_equal(xlb_natpool_parse_range("10240-32767", &r), 0);
	assert_int_equal(r.lo, 10240);
	assert_int_equal(r.hi, 32767);
	assert_int_equal(xlb_port_range_len(&r), 22528);
	assert_int_equal(xlb_natpool_parse_range("80", &r), 0);
	assert_int_equal(r.lo, 80);
	assert_int_equal(r.hi, 80);
	assert_int_equal(xlb_natpool_parse_range("1-65535", &r), 0);
	assert_int_equal(xlb_port_range_len(&r), 65535);
	assert_int_equal(xlb_natpool_parse_range("0-10", &r), -ERANGE);
	assert_int_equal(xlb_natpool_parse_range("10-65536", &r), -ERANGE);
	assert_int_equal(xlb_natpool_parse_range("20-10", &r), -ERANGE);
	assert_int_equal(xlb_natpool_parse_range("-10", &r), -EINVAL);
	assert_int_equal(xlb_natpool_parse_range("10-", &r), -EINVAL);
	assert_int_equal(xlb_natpool_parse_range(" 10-20", &r), -EINVAL);
	assert_int_equal(xlb_natpool_parse_range("10-20-30", &r), -EINVAL);
	assert_int_equal(xlb_natpool_parse_range("", &r), -EINVAL);
	assert_int_equal(xlb_natpool_parse_range(NULL, &r), -EINVAL);
}

static void test_parse_local(void **state)
{
	struct xlb_port_range r;

	assert_int_equal(xlb_natpool_parse_local("32768\t60999\n", &r), 0);
	assert_int_equal(r.lo, 32768);
	assert_int_equal(r.hi, 60999);
	assert_int_equal(xlb_natpool_parse_local("32768", &r), -EINVAL);
	assert_int_equal(xlb_natpool_parse_local("32768 60999 x", &r), -EINVAL);
	assert_int_equal(xlb_natpool_parse_local("60999 32768", &r), -ERANGE);
}

static void test_check_local(void **state)
{
	struct xlb_port_range local = {32768, 60999}, snat;
	char msg[160];

	snat = (struct xlb_port_range){XLB_NATPOOL_DEF_LO, XLB_NATPOOL_DEF_HI};
	assert_int_equal(xlb_natpool_check_local(&snat, &local, msg, sizeof(msg)), 0);
	snat = (struct xlb_port_range){30000, 40000};
	assert_int_equal(xlb_natpool_check_local(&snat, &local, msg, sizeof(msg)), -EEXIST);
	assert_string_equal(msg, "snat_ports 30000-40000 overlap the node's ephemeral ports "
				 "32768-60999 (net.ipv4.ip_local_port_range)");
	/* touching at one port is an overlap; one apart is not */
	snat = (struct xlb_port_range){60999, 61000};
	assert_int_equal(xlb_natpool_check_local(&snat, &local, NULL, 0), -EEXIST);
	snat = (struct xlb_port_range){61000, 65535};
	assert_int_equal(xlb_natpool_check_local(&snat, &local, NULL, 0), 0);
}

static void test_slices(void **state)
{
	struct xlb_port_range r = {1000, 1100}, s[8];
	__u32 i, total = 0;

	assert_int_equal(xlb_natpool_slices(&r, 0, s), -EINVAL);
	/* 101 ports in 3 slices: 34, 34, 33, disjoint and covering r */
	assert_int_equal(xlb_natpool_slices(&r, 3, s), 0);
	assert_int_equal(s[0].lo, 1000);
	assert_int_equal(s[0].hi, 1033);
	assert_int_equal(s[1].lo, 1034);
	assert_int_equal(s[1].hi, 1067);
	assert_int_equal(s[2].lo, 1068);
	assert_int_equal(s[2].hi, 1100);
	for (i = 0; i < 3; i++)
		total += xlb_port_range_len(&s[i]);
	assert_int_equal(total, 101);
	/* 101 ports in 8 slices is under XLB_NATPOOL_MIN_SLICE each */
	assert_int_equal(xlb_natpool_slices(&r, 8, s), -ENOSPC);
	/* the top of the port space does not overflow */
	r = (struct xlb_port_range){65504, 65535};
	assert_int_equal(xlb_natpool_slices(&r, 2, s), 0);
	assert_int_equal(s[1].hi, 65535);
	assert_int_equal(s[1].lo, 65520);
}

static void test_candidates(void **state)
{
	struct xlb_port_range s = {2000, 2009};
	__u8 seen[10];
	__u32 k, h;

	for (h = 0; h < 50; h += 7) {
		memset(seen, 0, sizeof(seen));
		for (k = 0; k < XLB_NATPOOL_PROBES; k++) {
			__u16 p = xlb_natpool_candidate(&s, h, k);

			assert_true(p >= s.lo && p <= s.hi);
			assert_false(seen[p - s.lo]);
			seen[p - s.lo] = 1;
		}
	}
	/* a one-port slice always gives its port */
	s = (struct xlb_port_range){65535, 65535};
	assert_int_equal(xlb_natpool_candidate(&s, 0xffffffff, 3), 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_range), cmocka_unit_test(test_parse_local),
	    cmocka_unit_test(test_check_local), cmocka_unit_test(test_slices),
	    cmocka_unit_test(test_candidates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
