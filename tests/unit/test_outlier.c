// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Passive outlier detection (userspace/lib/outlier.c): window, minimum
 * volume, threshold, ejection budget, growing ejection time and its decay,
 * return through an active probe.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "outlier.h"

static struct xlb_outlier_cfg cfg(void)
{
	struct xlb_outlier_cfg c = XLB_OUTLIER_DEFAULT;

	c.enabled = true;
	return c;
}

/* Feed `secs` seconds at 4 samples/s: flows_per_s new flows, retx_per_s of them retransmitted. */
static __u64 feed(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 t, __u64 *flows,
		  __u64 *retx, unsigned int secs, unsigned int flows_per_s, unsigned int retx_per_s)
{
	unsigned int i;

	for (i = 0; i < secs * 4; i++) {
		t += 250;
		*flows += flows_per_s / 4;
		*retx += retx_per_s / 4;
		xlb_outlier_observe(c, o, t, *flows, *retx);
	}
	return t;
}

static void test_threshold_and_volume(void **st)
{
	struct xlb_outlier_cfg c = cfg();
	struct xlb_outlier o = {0};
	__u64 t = 1000, f = 0, r = 0;

	(void)st;
	/* Healthy: 400 flows/s, 1% retransmitted: never. */
	t = feed(&c, &o, t, &f, &r, 10, 400, 4);
	assert_false(xlb_outlier_wants_eject(&c, &o));
	assert_true(o.win_flows >= 300 && o.win_flows <= 400);
	/* Half of them: yes (ratio 50 >= 50). */
	t = feed(&c, &o, t, &f, &r, 2, 400, 200);
	assert_true(xlb_outlier_wants_eject(&c, &o));

	/* Low volume: 8 flows/s, all retransmitted, min_flows 20: no verdict. */
	memset(&o, 0, sizeof(o));
	f = r = 0;
	t = feed(&c, &o, t, &f, &r, 5, 8, 8);
	assert_false(xlb_outlier_wants_eject(&c, &o));
	/* Disabled: never. */
	c.enabled = false;
	t = feed(&c, &o, t, &f, &r, 2, 400, 400);
	assert_false(xlb_outlier_wants_eject(&c, &o));
}

static void test_window_is_short(void **st)
{
	struct xlb_outlier_cfg c = cfg();
	struct xlb_outlier o = {0};
	__u64 t = 0, f = 0, r = 0;

	(void)st;
	/* A burst of retransmissions long ago does not count now. */
	t = feed(&c, &o, t, &f, &r, 1, 400, 400);
	assert_true(xlb_outlier_wants_eject(&c, &o));
	t = feed(&c, &o, t, &f, &r, 2, 400, 0);
	assert_false(xlb_outlier_wants_eject(&c, &o));
	assert_int_equal(o.win_retx, 0);
	/* Counters going backwards restart the window. */
	xlb_outlier_observe(&c, &o, t + 250, 5, 5);
	assert_int_equal(o.win_flows, 0);
	assert_false(xlb_outlier_wants_eject(&c, &o));
}

/* Feed ms milliseconds in steps of step_ms at flows_per_s, retx_per_s. */
static __u64 feed_ms(const struct xlb_outlier_cfg *c, struct xlb_outlier *o, __u64 t, __u64 *flows,
		     __u64 *retx, unsigned int ms, unsigned int step_ms, unsigned int flows_per_s,
		     unsigned int retx_per_s)
{
	unsigned int i;

	for (i = 0; i < ms / step_ms; i++) {
		t += step_ms;
		*flows += (__u64)flows_per_s * step_ms / 1000;
		*retx += (__u64)retx_per_s * step_ms / 1000;
		xlb_outlier_observe(c, o, t, *flows, *retx);
	}
	return t;
}

/*
 * Sampled every 100 ms (lbd's tick): a stopped backend's retransmissions
 * (120 flows/s, all of them retransmitted from some point on; threshold
 * 30%) are seen within 300-400 ms, not after a 250 ms sampling step more.
 * Samples are kept window/12 apart: a 60 s window sampled every 100 ms
 * still measures about 60 s, not the 3.2 s that 32 samples would span.
 */
static void test_sampling_often(void **st)
{
	struct xlb_outlier_cfg c = cfg();
	struct xlb_outlier o = {0};
	__u64 t = 0, f = 0, r = 0;
	unsigned int ms = 0;

	(void)st;
	c.min_flows = 10;
	c.ratio_pct = 30;
	t = feed_ms(&c, &o, t, &f, &r, 3000, 100, 120, 0);
	assert_false(xlb_outlier_wants_eject(&c, &o));
	assert_true(o.win_flows >= 100 && o.win_flows <= 120);
	while (!xlb_outlier_wants_eject(&c, &o) && ms < 2000) {
		t = feed_ms(&c, &o, t, &f, &r, 100, 100, 120, 120);
		ms += 100;
	}
	assert_true(ms >= 300 && ms <= 400);

	memset(&o, 0, sizeof(o));
	c.window_ms = 60000;
	f = r = 0;
	t = feed_ms(&c, &o, t, &f, &r, 90000, 100, 100, 10);
	assert_true(o.win_flows >= 5400 && o.win_flows <= 6000); /* 60 s less one spacing (5 s) */
	assert_true(o.win_retx >= 540 && o.win_retx <= 600);
	/* calls closer together than the spacing keep the history */
	t = feed_ms(&c, &o, t, &f, &r, 1000, 10, 100, 0);
	assert_true(o.win_flows >= 5400 && o.win_flows <= 6000); /* 60 s less one spacing (5 s) */
}

/*
 * UDP (udp_pct): flows of the window before the last that got no second
 * packet in the last one. Healthy: every flow's client sends again; a
 * backend that stops answering gets no second packets from then on and is
 * ejected within about two windows; a quiet backend is never judged; one
 * not yet observed for two windows neither.
 */
static void test_udp(void **st)
{
	struct xlb_outlier_cfg c = cfg();
	struct xlb_outlier o = {0};
	__u64 t = 0, f = 0, s2 = 0;
	unsigned int i, ms = 0;

	(void)st;
	c.udp_pct = 50;
	for (i = 0; i < 18; i++) { /* 1.8 s: less than two windows, no verdict */
		t += 100;
		f += 10;
		s2 += 10;
		xlb_outlier_observe_udp(&c, &o, t, f, s2);
		assert_int_equal(o.win_flows, 0);
	}
	for (i = 0; i < 50; i++) { /* healthy: 100 flows/s, each answered */
		t += 100;
		f += 10;
		s2 += 10;
		xlb_outlier_observe_udp(&c, &o, t, f, s2);
		assert_false(xlb_outlier_wants_eject(&c, &o));
	}
	assert_true(o.win_flows >= 90 && o.win_flows <= 110);
	assert_int_equal(o.win_retx, 0);
	while (!xlb_outlier_wants_eject(&c, &o) && ms < 5000) { /* it stops answering */
		t += 100;
		f += 10;
		xlb_outlier_observe_udp(&c, &o, t, f, s2);
		ms += 100;
	}
	assert_true(ms >= 500 && ms <= 1100);
	/* without udp_pct, no verdict */
	c.udp_pct = 0;
	assert_false(xlb_outlier_wants_eject(&c, &o));
	/* a plain observe (TCP) judges by syn_retx_pct again */
	c.udp_pct = 50;
	xlb_outlier_observe(&c, &o, t + 100, f + 10, s2);
	assert_false(o.udp);
	/* quiet: 5 flows/s, none answered: under min_flows (20) */
	memset(&o, 0, sizeof(o));
	f = s2 = 0;
	for (i = 0; i < 60; i++) {
		t += 100;
		f += i % 2;
		xlb_outlier_observe_udp(&c, &o, t, f, s2);
		assert_false(xlb_outlier_wants_eject(&c, &o));
	}
}

static void test_budget(void **st)
{
	struct xlb_outlier_cfg c = cfg();

	(void)st;
	assert_int_equal(xlb_outlier_budget(&c, 0), 0);
	assert_int_equal(xlb_outlier_budget(&c, 1), 0); /* never the only one */
	assert_int_equal(xlb_outlier_budget(&c, 2), 1);
	assert_int_equal(xlb_outlier_budget(&c, 3), 1);
	assert_int_equal(xlb_outlier_budget(&c, 10), 5);
	c.max_ejected_pct = 10;
	assert_int_equal(xlb_outlier_budget(&c, 3), 1); /* at least one */
	assert_int_equal(xlb_outlier_budget(&c, 50), 5);
	c.max_ejected_pct = 100;
	assert_int_equal(xlb_outlier_budget(&c, 4), 3); /* never all */
	c.max_ejected_pct = 0;
	assert_int_equal(xlb_outlier_budget(&c, 4), 0);
}

static void test_eject_time_grows_and_decays(void **st)
{
	struct xlb_outlier_cfg c = cfg();
	struct xlb_outlier o = {0};
	__u64 t = 5000;

	(void)st;
	assert_int_equal(xlb_outlier_eject(&c, &o, t), 10000);
	assert_true(o.ejected);
	assert_false(xlb_outlier_wants_eject(&c, &o)); /* already out */
	/* Not back before its time, not on a failed probe. */
	assert_false(xlb_outlier_probe(&o, t + 9999, true));
	assert_false(xlb_outlier_probe(&o, t + 10000, false));
	assert_true(o.ejected);
	assert_true(xlb_outlier_probe(&o, t + 10000, true));
	assert_false(o.ejected);
	/* Not ejected: probes change nothing. */
	assert_false(xlb_outlier_probe(&o, t + 10001, true));

	/* Again soon: twice as long, then three times, capped. */
	t += 11000;
	assert_int_equal(xlb_outlier_eject(&c, &o, t), 20000);
	assert_true(xlb_outlier_probe(&o, t + 20000, true));
	t += 21000;
	assert_int_equal(xlb_outlier_eject(&c, &o, t), 30000);
	assert_true(xlb_outlier_probe(&o, t + 30000, true));
	t += 30000;
	c.max_eject_ms = 35000;
	assert_int_equal(xlb_outlier_eject(&c, &o, t), 35000);
	assert_int_equal(o.ejections, 4);
	assert_int_equal(o.total_ejections, 4);
	assert_true(xlb_outlier_probe(&o, t + 35000, true));
	t += 35000;

	/* Two decay periods calm: two earlier ejections forgotten. */
	xlb_outlier_observe(&c, &o, t + 2 * 60000, 0, 0);
	assert_int_equal(o.ejections, 2);
	assert_int_equal(xlb_outlier_eject(&c, &o, t + 2 * 60000), 30000);
	assert_int_equal(o.total_ejections, 5);
}

static void test_cfg_check(void **st)
{
	struct xlb_outlier_cfg c = cfg();
	const char *err = NULL;

	(void)st;
	assert_int_equal(xlb_outlier_cfg_check(&c, &err), 0);
	assert_null(err);
	c.ratio_pct = 0;
	assert_int_equal(xlb_outlier_cfg_check(&c, &err), -EINVAL);
	assert_non_null(err);
	c = cfg();
	c.max_eject_ms = c.base_eject_ms - 1;
	assert_int_equal(xlb_outlier_cfg_check(&c, &err), -EINVAL);
	c = cfg();
	c.window_ms = 10;
	assert_int_equal(xlb_outlier_cfg_check(&c, &err), -EINVAL);
	c = cfg();
	c.max_ejected_pct = 101;
	assert_int_equal(xlb_outlier_cfg_check(&c, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threshold_and_volume),
	    cmocka_unit_test(test_window_is_short),
	    cmocka_unit_test(test_sampling_often),
	    cmocka_unit_test(test_udp),
	    cmocka_unit_test(test_budget),
	    cmocka_unit_test(test_eject_time_grows_and_decays),
	    cmocka_unit_test(test_cfg_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
