// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Scaling hook decisions (userspace/lib/scaling.c): a sample per second,
 * written as a string of values; the test replays it and records at which
 * seconds the hook fires, in which direction.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scaling.h"

static struct xlb_scale_cfg cfg(bool above, double a, bool below, double b, __u32 for_s,
				__u32 cooldown_s)
{
	struct xlb_scale_cfg c = { .metric = XLB_SCALE_NEW_FLOWS_PER_BACKEND_PER_S,
				   .has_above = above, .above = a, .has_below = below, .below = b,
				   .for_s = for_s, .cooldown_s = cooldown_s };

	snprintf(c.command, sizeof(c.command), "/bin/true");
	return c;
}

/*
 * Feed vals[i] at second i (t0 = 1000 s); out gets "i+" / "i-" for each
 * fire, e.g. "5+ 40-". Returns the number of fires.
 */
static int replay(const struct xlb_scale_cfg *c, const double *vals, size_t n, char *out,
		  size_t outlen)
{
	struct xlb_scale_state st;
	size_t i, len = 0;
	int fires = 0;

	xlb_scale_state_init(&st);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		double thr = -1;
		enum xlb_scale_dir d = xlb_scale_eval(c, &st, vals[i], 1000000 + (long long)i * 1000,
						      &thr);

		if (d == XLB_SCALE_NONE)
			continue;
		assert_true(d == XLB_SCALE_UP ? thr == c->above : thr == c->below);
		len += snprintf(out + len, outlen - len, "%s%zu%c", fires ? " " : "", i,
				d == XLB_SCALE_UP ? '+' : '-');
		fires++;
	}
	assert_int_equal(st.fires_up + st.fires_down, fires);
	return fires;
}

static void fill(double *v, size_t from, size_t to, double x)
{
	for (; from < to; from++)
		v[from] = x;
}

/* A breach held for for_s seconds fires once, at the first sample for_s after its start. */
static void test_sustained_fires_once(void **state)
{
	struct xlb_scale_cfg c = cfg(true, 100, false, 0, 5, 600);
	double v[60];
	char out[128];

	fill(v, 0, 60, 50);
	fill(v, 10, 50, 150); /* 40 s above */
	assert_int_equal(replay(&c, v, 60, out, sizeof(out)), 1);
	assert_string_equal(out, "15+");
}

/* Blips shorter than for_s never fire, however often they come. */
static void test_blip_does_not_fire(void **state)
{
	struct xlb_scale_cfg c = cfg(true, 100, true, 10, 5, 0);
	double v[100];
	char out[128];
	size_t i;

	fill(v, 0, 100, 50);
	for (i = 0; i + 5 < 100; i += 7) {
		fill(v, i, i + 4, 500); /* 4 s above, then back inside */
		v[i + 5] = 1; /* and a 1 s dip below */
	}
	assert_int_equal(replay(&c, v, 100, out, sizeof(out)), 0);
	/* exactly at the bound is not beyond it */
	fill(v, 0, 100, 100);
	assert_int_equal(replay(&c, v, 100, out, sizeof(out)), 0);
	fill(v, 0, 100, 10);
	assert_int_equal(replay(&c, v, 100, out, sizeof(out)), 0);
}

/* One sample back inside the bounds restarts the clock. */
static void test_interrupted_breach_restarts(void **state)
{
	struct xlb_scale_cfg c = cfg(true, 100, false, 0, 5, 0);
	double v[30];
	char out[128];

	fill(v, 0, 30, 150);
	v[3] = 99;
	assert_int_equal(replay(&c, v, 9, out, sizeof(out)), 0); /* 4..8: 4 s only */
	assert_int_equal(replay(&c, v, 10, out, sizeof(out)), 1);
	assert_string_equal(out, "9+");
}

/* Both directions, each once per breach; a new breach after the cooldown fires again. */
static void test_both_directions(void **state)
{
	struct xlb_scale_cfg c = cfg(true, 100, true, 10, 3, 20);
	double v[120];
	char out[128];

	fill(v, 0, 120, 50);
	fill(v, 5, 15, 200); /* up at 8 */
	fill(v, 40, 55, 2); /* down at 43 */
	fill(v, 70, 80, 300); /* up again at 73 */
	assert_int_equal(replay(&c, v, 120, out, sizeof(out)), 3);
	assert_string_equal(out, "8+ 43- 73+");
}

/* Nothing fires during the cooldown, in either direction. */
static void test_cooldown(void **state)
{
	struct xlb_scale_cfg c = cfg(true, 100, true, 10, 3, 30);
	double v[80];
	char out[128];

	fill(v, 0, 80, 50);
	fill(v, 0, 5, 200); /* up at 3, cooldown until 33 */
	fill(v, 8, 12, 1); /* a sustained dip inside the cooldown: no */
	fill(v, 14, 20, 300); /* another breach inside the cooldown: no */
	fill(v, 25, 45, 0); /* a dip lasting past the cooldown: fires at 33 */
	assert_int_equal(replay(&c, v, 80, out, sizeof(out)), 2);
	assert_string_equal(out, "3+ 33-");
}

/*
 * A breach that outlasts the cooldown (the hook was not enough) counts as a
 * new breach from the end of the cooldown: fires again for_s later.
 */
static void test_breach_outlasting_cooldown(void **state)
{
	struct xlb_scale_cfg c = cfg(true, 100, false, 0, 5, 20);
	double v[60];
	char out[128];

	fill(v, 0, 60, 500);
	assert_int_equal(replay(&c, v, 50, out, sizeof(out)), 2);
	assert_string_equal(out, "5+ 30+"); /* cooldown ends at 25, +5 s */
	assert_int_equal(replay(&c, v, 60, out, sizeof(out)), 3);
	assert_string_equal(out, "5+ 30+ 55+"); /* and so on while it lasts */
}

static void test_off_and_names(void **state)
{
	struct xlb_scale_cfg c = cfg(true, 1, true, 0.5, 1, 0);
	double v[10];
	char out[64];
	__u8 m = 0;

	c.metric = XLB_SCALE_OFF;
	fill(v, 0, 10, 1000);
	assert_int_equal(replay(&c, v, 10, out, sizeof(out)), 0);
	assert_int_equal(xlb_scale_metric_parse("active_flows_per_backend", &m), 0);
	assert_int_equal(m, XLB_SCALE_ACTIVE_FLOWS_PER_BACKEND);
	assert_string_equal(xlb_scale_metric_name(XLB_SCALE_NEW_FLOWS_PER_BACKEND_PER_S),
			    "new_flows_per_backend_per_s");
	assert_int_equal(xlb_scale_metric_parse("off", &m), -EINVAL);
	assert_int_equal(xlb_scale_metric_parse("flows", &m), -EINVAL);
	assert_string_equal(xlb_scale_dir_name(XLB_SCALE_DOWN), "down");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sustained_fires_once),
		cmocka_unit_test(test_blip_does_not_fire),
		cmocka_unit_test(test_interrupted_breach_restarts),
		cmocka_unit_test(test_both_directions),
		cmocka_unit_test(test_cooldown),
		cmocka_unit_test(test_breach_outlasting_cooldown),
		cmocka_unit_test(test_off_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
