// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Slow start (userspace/lib/slowstart.c): step length, the stepped ramp
 * stays within half a step of the linear ramp, bounded number of changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "slowstart.h"

static void test_step(void **st)
{
	(void)st;
	assert_int_equal(xlb_slowstart_step_ms(0), 0);
	assert_int_equal(xlb_slowstart_step_ms(500), 1000);
	assert_int_equal(xlb_slowstart_step_ms(5000), 1000);
	assert_int_equal(xlb_slowstart_step_ms(30000), 3000);
	assert_int_equal(xlb_slowstart_step_ms(600000), 60000);
}

static void test_no_ramp(void **st)
{
	(void)st;
	assert_int_equal(xlb_slowstart_weight(100, 0, 0), 100);
	assert_int_equal(xlb_slowstart_weight(0, 0, 30000), 0);
	assert_int_equal(xlb_slowstart_next_ms(0, 0), 0);
}

static void test_ramp_follows_line(void **st)
{
	const __u32 T[] = {500, 3000, 10000, 30000, 45500, 600000};
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(T) / sizeof(T[0]); i++) {
		__u32 step = xlb_slowstart_step_ms(T[i]), prev = 0, changes = 0;
		__u64 t;

		for (t = 0; t < (__u64)T[i] + 2 * step; t += 100) {
			__u32 w = xlb_slowstart_weight(1000, t, T[i]);
			double ideal = t >= T[i] ? 1000.0 : 1000.0 * (double)t / T[i];

			assert_true(w >= 1 && w <= 1000);
			assert_true(w >= prev); /* never goes down */
			if (w != prev)
				changes++;
			prev = w;
			/* Within one step's worth of the line (half a step on average). */
			assert_true(abs((int)w - (int)ideal) <= (int)(1000.0 * step / T[i]) + 1);
		}
		assert_int_equal(prev, 1000);
		assert_true(changes <= 11); /* bounded table rebuilds */
	}
}

static void test_midpoints_and_next(void **st)
{
	(void)st;
	/* 10 s: ten steps of 1 s, weights at 5%, 15%, ..., 95%, then 100%. */
	assert_int_equal(xlb_slowstart_weight(100, 0, 10000), 5);
	assert_int_equal(xlb_slowstart_weight(100, 999, 10000), 5);
	assert_int_equal(xlb_slowstart_weight(100, 1000, 10000), 15);
	assert_int_equal(xlb_slowstart_weight(100, 9999, 10000), 95);
	assert_int_equal(xlb_slowstart_weight(100, 10000, 10000), 100);
	/* Small weights never reach 0. */
	assert_int_equal(xlb_slowstart_weight(1, 0, 10000), 1);
	assert_int_equal(xlb_slowstart_next_ms(0, 10000), 1000);
	assert_int_equal(xlb_slowstart_next_ms(1500, 10000), 500);
	assert_int_equal(xlb_slowstart_next_ms(9500, 10000), 500);
	assert_int_equal(xlb_slowstart_next_ms(10000, 10000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_step),
	    cmocka_unit_test(test_no_ramp),
	    cmocka_unit_test(test_ramp_follows_line),
	    cmocka_unit_test(test_midpoints_and_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
