// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Agent check protocol (userspace/lib/agent.c): replies, merging into the
 * state, effective weight, and bad input (every bad reply is rejected whole).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"

static int parse(const char *s, struct xlb_agent_reply *r)
{
	return xlb_agent_parse(s, strlen(s), r);
}

static void test_good_replies(void **st)
{
	struct xlb_agent_reply r;

	(void)st;
	assert_int_equal(parse("75%\n", &r), 0);
	assert_true(r.has_pct);
	assert_int_equal(r.pct, 75);
	assert_int_equal(r.op, XLB_AGENT_OP_NONE);
	assert_int_equal(r.admin, XLB_AGENT_ADMIN_NONE);

	assert_int_equal(parse("up 50%\r\n", &r), 0);
	assert_int_equal(r.op, XLB_AGENT_UP);
	assert_int_equal(r.pct, 50);

	assert_int_equal(parse("drain,up", &r), 0); /* no newline: the agent closed */
	assert_int_equal(r.admin, XLB_AGENT_DRAIN);
	assert_int_equal(r.op, XLB_AGENT_UP);
	assert_false(r.has_pct);

	assert_int_equal(parse("  maint\t,, 0% \n", &r), 0);
	assert_int_equal(r.admin, XLB_AGENT_MAINT);
	assert_int_equal(r.pct, 0);

	assert_int_equal(parse("ready up 250%\n", &r), 0);
	assert_int_equal(r.pct, 100); /* bounded by the configured weight */
	assert_int_equal(r.admin, XLB_AGENT_READY);

	assert_int_equal(parse("down#disk full\n", &r), 0);
	assert_int_equal(r.op, XLB_AGENT_DOWN);
	assert_string_equal(r.reason, "disk full");
	assert_int_equal(parse("failed # out of memory\n", &r), 0);
	assert_int_equal(r.op, XLB_AGENT_DOWN);
	assert_string_equal(r.reason, "out of memory");
	assert_int_equal(parse("stopped\n", &r), 0);
	assert_int_equal(r.op, XLB_AGENT_DOWN);

	/* maxconn sets a cap; later words win. */
	assert_int_equal(parse("maxconn:30 up 10% 20%\n", &r), 0);
	assert_int_equal(r.pct, 20);
	assert_true(r.has_maxconn);
	assert_int_equal(r.maxconn, 30);
	assert_int_equal(parse("maxconn:0\n", &r), 0);
	assert_true(r.has_maxconn);
	assert_int_equal(r.maxconn, 0);
	assert_int_equal(parse("maxconn:2147483647\n", &r), 0);
	assert_int_equal(r.maxconn, 2147483647u);
	/* Only the first line counts. */
	assert_int_equal(parse("up\ngarbage\n", &r), 0);
	assert_int_equal(r.op, XLB_AGENT_UP);
}

static void test_bad_replies(void **st)
{
	const char *bad[] = {
	    "",
	    "\n",
	    "\r\n",
	    "   \n",
	    ", ,\n",
	    "upp\n",
	    "UP\n",
	    "75\n",
	    "%\n",
	    "-5%\n",
	    "7.5%\n",
	    "12345%\n",
	    "75%%\n",
	    "half%\n",
	    "up\x01\n",
	    "up \x7f\n",
	    "maxconn:\n",
	    "maxconn:x\n",
	    "maxconn:2147483648\n",
	    "maxconn:99999999999999999999999\n",
	    "maxconn:-1\n",
	    "maxconn: 5\n",
	    "#just a comment\n",
	    "up #reason\n",
	    "ready\0up",
	};
	struct xlb_agent_reply r;
	char longline[XLB_AGENT_LINE_MAX + 8];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i]);

		if (i == sizeof(bad) / sizeof(bad[0]) - 1)
			len = 8; /* "ready\0up": an embedded NUL */
		if (xlb_agent_parse(bad[i], len, &r) != -EINVAL)
			fail_msg("reply %zu \"%s\" accepted", i, bad[i]);
	}
	memset(longline, ' ', sizeof(longline));
	memcpy(longline, "up", 2);
	assert_int_equal(xlb_agent_parse(longline, sizeof(longline), &r), -EINVAL);
	assert_int_equal(xlb_agent_parse(NULL, 0, &r), -EINVAL);
	/* An 8-bit byte anywhere in the line. */
	assert_int_equal(parse("up \xc3\xa9\n", &r), -EINVAL);
}

static void test_state_and_weight(void **st)
{
	struct xlb_agent_state s;
	struct xlb_agent_reply r;
	bool usable;

	(void)st;
	xlb_agent_state_init(&s);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 200);
	assert_true(usable);

	assert_int_equal(parse("75%\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 150);
	assert_int_equal(xlb_agent_weight(&s, 1, &usable), 1); /* at least 1 */

	/* drain: weight 0, still usable; the percentage is kept for later. */
	assert_int_equal(parse("drain\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 0);
	assert_true(usable);
	assert_int_equal(parse("ready\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 150);

	/* maint and down: not usable. */
	assert_int_equal(parse("maint\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 0);
	assert_false(usable);
	assert_int_equal(parse("ready down#db\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 0);
	assert_false(usable);
	assert_string_equal(s.reason, "db");
	assert_int_equal(parse("up\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 150);
	assert_string_equal(s.reason, "");

	/* 0%: no new flows, usable. */
	assert_int_equal(parse("0%\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_weight(&s, 200, &usable), 0);
	assert_true(usable);
}

static void test_errors(void **st)
{
	struct xlb_agent_state s;
	struct xlb_agent_reply r;
	bool usable;

	(void)st;
	xlb_agent_state_init(&s);
	assert_int_equal(parse("40%\n", &r), 0);
	xlb_agent_apply(&s, &r);
	/* By default an error changes nothing but the flag. */
	xlb_agent_error(&s, false);
	assert_true(s.error);
	assert_int_equal(xlb_agent_weight(&s, 100, &usable), 40);
	assert_true(usable);
	/* errors_down: down until a good reply, whatever it says. */
	xlb_agent_error(&s, true);
	assert_int_equal(xlb_agent_weight(&s, 100, &usable), 0);
	assert_false(usable);
	assert_int_equal(parse("60%\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_false(s.error);
	assert_int_equal(xlb_agent_weight(&s, 100, &usable), 60);
	assert_true(usable);
	assert_string_equal(xlb_agent_admin_name(XLB_AGENT_DRAIN), "drain");
	assert_string_equal(xlb_agent_op_name(XLB_AGENT_DOWN), "down");
}

/* maxconn:N caps the backend's open flows, bounded by the configured max_flows. */
static void test_maxconn(void **st)
{
	struct xlb_agent_state s;
	struct xlb_agent_reply r;

	(void)st;
	xlb_agent_state_init(&s);
	/* Nothing said: the configured cap (or none). */
	assert_int_equal(xlb_agent_max_flows(&s, 0), 0);
	assert_int_equal(xlb_agent_max_flows(&s, 50), 50);
	assert_int_equal(parse("up maxconn:20\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_max_flows(&s, 0), 20);
	assert_int_equal(xlb_agent_max_flows(&s, 50), 20);
	/* The configured cap bounds the agent's. */
	assert_int_equal(xlb_agent_max_flows(&s, 10), 10);
	/* A reply that does not mention it keeps it; an error keeps it too. */
	assert_int_equal(parse("75%\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_max_flows(&s, 0), 20);
	xlb_agent_error(&s, false);
	assert_int_equal(xlb_agent_max_flows(&s, 0), 20);
	/* A bad reply changes nothing, maxconn included. */
	assert_int_equal(parse("maxconn:7 bogus\n", &r), -EINVAL);
	assert_int_equal(xlb_agent_max_flows(&s, 0), 20);
	/* maxconn:0 withdraws it. */
	assert_int_equal(parse("maxconn:0\n", &r), 0);
	xlb_agent_apply(&s, &r);
	assert_int_equal(xlb_agent_max_flows(&s, 0), 0);
	assert_int_equal(xlb_agent_max_flows(&s, 50), 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_replies),
	    cmocka_unit_test(test_bad_replies),
	    cmocka_unit_test(test_state_and_weight),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_maxconn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
