// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The active-set policy (userspace/lib/policy.c), table-driven: each case is
 * a service policy, a node zone and backends written as compact strings
 * "zone:weight:flags" (flags: u up, d down, b backup, x disabled, r draining),
 * with the expected mode and per-backend "weight/usable".
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

#include "policy.h"

#define MAXB 8

struct pcase {
	const char *name;
	bool cross_zone;
	double zmin, panic;
	__u8 pmode;
	const char *node_zone;
	const char *be[MAXB]; /* "zone:weight:flags", NULL-terminated */
	enum xlb_pol_mode mode;
	const char *want[MAXB]; /* "weight/u" usable or "weight/-" not */
};

static void parse_be(const char *s, struct xlb_pol_backend *b, char *zone)
{
	char flags[8] = "";
	unsigned int w;

	memset(b, 0, sizeof(*b));
	assert_int_equal(sscanf(s, "%15[^:]:%u:%7s", zone, &w, flags), 3);
	if (!strcmp(zone, "-"))
		zone[0] = 0;
	b->zone = zone;
	b->weight = w;
	b->up = strchr(flags, 'u') != NULL;
	b->backup = strchr(flags, 'b') != NULL;
	b->disabled = strchr(flags, 'x') != NULL;
	b->drain = strchr(flags, 'r') != NULL;
}

static void run_case(const struct pcase *c)
{
	struct xlb_pol_service svc = { .cross_zone = c->cross_zone, .zone_min_healthy = c->zmin,
				       .panic_threshold = c->panic, .panic_mode = c->pmode };
	struct xlb_pol_backend be[MAXB];
	struct xlb_pol_out out[MAXB];
	char zones[MAXB][16], got[32];
	enum xlb_pol_mode mode;
	size_t n, i;

	for (n = 0; n < MAXB && c->be[n]; n++)
		parse_be(c->be[n], &be[n], zones[n]);
	assert_int_equal(xlb_policy_compute(&svc, c->node_zone, be, n, out, &mode), 0);
	if (mode != c->mode)
		fail_msg("%s: mode %s, want %s", c->name, xlb_pol_mode_name(mode),
			 xlb_pol_mode_name(c->mode));
	for (i = 0; i < n; i++) {
		snprintf(got, sizeof(got), "%u/%c", out[i].weight, out[i].usable ? 'u' : '-');
		if (strcmp(got, c->want[i]))
			fail_msg("%s: backend %zu (%s): got %s, want %s", c->name, i, c->be[i], got,
				 c->want[i]);
	}
}

#define X false /* cross_zone false */
static const struct pcase cases[] = {
    /* cross-zone (default): all healthy by weight */
    {"all up", true, 0.5, 0, 0, NULL, {"-:100:u", "-:50:u", "-:100:u"}, XLB_POL_NORMAL,
     {"100/u", "50/u", "100/u"}},
    {"one down", true, 0.5, 0, 0, NULL, {"-:100:u", "-:100:d", "-:100:u"}, XLB_POL_NORMAL,
     {"100/u", "0/-", "100/u"}},
    {"weight 0 healthy keeps flows", true, 0.5, 0, 0, NULL, {"-:0:u", "-:100:u"},
     XLB_POL_NORMAL, {"0/u", "100/u"}},
    {"all down, panic off", true, 0.5, 0, 0, NULL, {"-:100:d", "-:100:d"}, XLB_POL_DOWN,
     {"0/-", "0/-"}},
    {"no backends", true, 0.5, 0, 0, NULL, {NULL}, XLB_POL_DOWN, {NULL}},
    {"cross-zone ignores zones", true, 0.5, 0, 0, "a", {"a:100:u", "b:100:u"},
     XLB_POL_NORMAL, {"100/u", "100/u"}},
    /* zones */
    {"zone: local only", X, 0.5, 0, 0, "a", {"a:100:u", "a:100:u", "b:100:u"},
     XLB_POL_NORMAL, {"100/u", "100/u", "0/u"}},
    {"zone: half healthy = threshold stays", X, 0.5, 0, 0, "a",
     {"a:100:u", "a:100:d", "b:100:u"}, XLB_POL_NORMAL, {"100/u", "0/-", "0/u"}},
    {"zone: below threshold spills", X, 0.6, 0, 0, "a", {"a:100:u", "a:100:d", "b:100:u"},
     XLB_POL_SPILL, {"100/u", "0/-", "100/u"}},
    {"zone: capacity is by weight", X, 0.5, 0, 0, "a", {"a:10:u", "a:90:d", "b:100:u"},
     XLB_POL_SPILL, {"10/u", "0/-", "100/u"}},
    {"zone: all local down spills", X, 0.5, 0, 0, "a", {"a:100:d", "b:100:u", "c:50:u"},
     XLB_POL_SPILL, {"0/-", "100/u", "50/u"}},
    {"zone: no local backends spills", X, 0.5, 0, 0, "z", {"a:100:u", "b:100:u"},
     XLB_POL_SPILL, {"100/u", "100/u"}},
    {"zone: no node zone = cross-zone", X, 0.5, 0, 0, "", {"a:100:u", "b:100:u"},
     XLB_POL_NORMAL, {"100/u", "100/u"}},
    {"zone: min 0 keeps one healthy local", X, 0.0, 0, 0, "a", {"a:100:u", "a:100:d", "a:100:d", "b:1:u"},
     XLB_POL_NORMAL, {"100/u", "0/-", "0/-", "0/u"}},
    {"zone: min 1 spills on any loss", X, 1.0, 0, 0, "a", {"a:100:u", "a:100:d", "b:100:u"},
     XLB_POL_SPILL, {"100/u", "0/-", "100/u"}},
    {"zone: local healthy but weight 0 spills", X, 0.5, 0, 0, "a", {"a:0:u", "b:100:u"},
     XLB_POL_SPILL, {"0/u", "100/u"}},
    /* backup pool */
    {"backup idle while a primary is up", true, 0.5, 0, 0, NULL, {"-:100:u", "-:100:d", "-:100:ub"},
     XLB_POL_NORMAL, {"100/u", "0/-", "0/u"}},
    {"backup takes over", true, 0.5, 0, 0, NULL, {"-:100:d", "-:100:d", "-:70:ub", "-:30:ub"},
     XLB_POL_BACKUP, {"0/-", "0/-", "70/u", "30/u"}},
    {"backup down too", true, 0.5, 0, 0, NULL, {"-:100:d", "-:100:db"}, XLB_POL_DOWN,
     {"0/-", "0/-"}},
    {"only backups configured", true, 0.5, 0, 0, NULL, {"-:100:ub"}, XLB_POL_BACKUP,
     {"100/u"}},
    {"backup beats panic when no primary is up", true, 0.5, 0.5, XLB_PANIC_SPREAD, NULL,
     {"-:100:d", "-:100:d", "-:100:ub"}, XLB_POL_BACKUP, {"0/-", "0/-", "100/u"}},
    {"backup ignores zones", X, 0.5, 0, 0, "a", {"a:100:d", "b:100:ub", "a:100:db"},
     XLB_POL_BACKUP, {"0/-", "100/u", "0/-"}},
    /* panic */
    {"panic spread", true, 0.5, 0.5, XLB_PANIC_SPREAD, NULL,
     {"-:100:u", "-:100:d", "-:100:d", "-:100:ub"}, XLB_POL_PANIC,
     {"100/u", "100/u", "100/u", "0/u"}},
    {"panic at threshold is not panic", true, 0.5, 0.5, XLB_PANIC_SPREAD, NULL,
     {"-:100:u", "-:100:d"}, XLB_POL_NORMAL, {"100/u", "0/-"}},
    {"panic fail-closed", true, 0.5, 0.5, XLB_PANIC_FAIL_CLOSED, NULL,
     {"-:100:u", "-:100:d", "-:100:d"}, XLB_POL_FAIL_CLOSED, {"0/u", "0/-", "0/-"}},
    {"panic: all down, spread (fail open)", true, 0.5, 0.1, XLB_PANIC_SPREAD, NULL,
     {"-:100:d", "-:50:d"}, XLB_POL_PANIC, {"100/u", "50/u"}},
    {"panic: all down, fail-closed", true, 0.5, 0.1, XLB_PANIC_FAIL_CLOSED, NULL,
     {"-:100:d", "-:50:d"}, XLB_POL_FAIL_CLOSED, {"0/-", "0/-"}},
    {"panic before zones", X, 0.5, 0.7, XLB_PANIC_SPREAD, "a",
     {"a:100:u", "a:100:d", "b:100:d"}, XLB_POL_PANIC, {"100/u", "100/u", "100/u"}},
    {"panic excludes disabled and draining", true, 0.5, 0.9, XLB_PANIC_SPREAD, NULL,
     {"-:100:u", "-:100:d", "-:100:ux", "-:100:ur"}, XLB_POL_PANIC,
     {"100/u", "100/u", "0/-", "0/u"}},
    /* admin state and draining */
    {"disabled: no flows at all", true, 0.5, 0, 0, NULL, {"-:100:ux", "-:100:u"},
     XLB_POL_NORMAL, {"0/-", "100/u"}},
    {"draining: established only", true, 0.5, 0, 0, NULL, {"-:100:ur", "-:100:u"},
     XLB_POL_NORMAL, {"0/u", "100/u"}},
    {"draining down: nothing", true, 0.5, 0, 0, NULL, {"-:100:dr", "-:100:u"},
     XLB_POL_NORMAL, {"0/-", "100/u"}},
    {"only draining left", true, 0.5, 0, 0, NULL, {"-:100:ur"}, XLB_POL_DOWN, {"0/u"}},
};

static void test_cases(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* A sequence of health vectors over time: the output follows the input. */
static void run_seq(const struct xlb_pol_service *svc, const char *zone, const char *const *zs,
		    size_t n, const char *steps[][2], size_t nsteps)
{
	struct xlb_pol_backend be[MAXB] = {};
	struct xlb_pol_out out[MAXB];
	enum xlb_pol_mode mode;
	char got[64];
	size_t s, i, l;

	for (s = 0; s < nsteps; s++) {
		for (i = 0; i < n; i++) {
			be[i].weight = 100;
			be[i].zone = zs[i];
			be[i].up = steps[s][0][i] == 'u' || steps[s][0][i] == 'U';
			be[i].backup = steps[s][0][i] == 'U' || steps[s][0][i] == 'D';
		}
		assert_int_equal(xlb_policy_compute(svc, zone, be, n, out, &mode), 0);
		l = snprintf(got, sizeof(got), "%s", xlb_pol_mode_name(mode));
		for (i = 0; i < n; i++)
			l += snprintf(got + l, sizeof(got) - l, " %c%c", out[i].weight ? 'W' : '.',
				      out[i].usable ? 'u' : '-');
		if (strcmp(got, steps[s][1]))
			fail_msg("step %zu (%s): got \"%s\", want \"%s\"", s, steps[s][0], got,
				 steps[s][1]);
	}
}

static void test_flapping_and_recovery(void **state)
{
	struct xlb_pol_service svc = XLB_POLICY_DEFAULT;
	const char *zs[] = { "a", "a", "b", "b" };
	/* u/d primary up/down, U/D backup up/down */
	const char *steps[][2] = {
		{ "uuuU", "normal Wu Wu Wu .u" },
		{ "duuU", "normal .- Wu Wu .u" }, /* one goes */
		{ "uuuU", "normal Wu Wu Wu .u" }, /* and comes back */
		{ "duuU", "normal .- Wu Wu .u" }, /* flap */
		{ "uuuU", "normal Wu Wu Wu .u" },
		{ "dddU", "backup .- .- .- Wu" }, /* all primaries down: backup */
		{ "dddD", "down .- .- .- .-" }, /* everything down */
		{ "dddU", "backup .- .- .- Wu" },
		{ "uddU", "normal Wu .- .- .u" }, /* hand back, backup keeps its flows */
		{ "uuuU", "normal Wu Wu Wu .u" }, /* full recovery */
	};

	run_seq(&svc, "a", zs, 4, steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_zone_flapping(void **state)
{
	struct xlb_pol_service svc = XLB_POLICY_DEFAULT;
	const char *zs[] = { "a", "a", "b", "b" };
	const char *steps[][2] = {
		{ "uuuu", "normal Wu Wu .u .u" },
		{ "duuu", "normal .- Wu .u .u" }, /* 50% of a: stays */
		{ "dduu", "spill .- .- Wu Wu" }, /* a gone: spill */
		{ "uduu", "normal Wu .- .u .u" }, /* back in a */
		{ "dduu", "spill .- .- Wu Wu" },
		{ "dddd", "down .- .- .- .-" },
		{ "uuuu", "normal Wu Wu .u .u" },
	};

	svc.cross_zone = false;
	run_seq(&svc, "a", zs, 4, steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_panic_sequence(void **state)
{
	struct xlb_pol_service svc = XLB_POLICY_DEFAULT;
	const char *zs[] = { NULL, NULL, NULL, NULL };
	const char *steps[][2] = {
		{ "uuuu", "normal Wu Wu Wu Wu" },
		{ "uudd", "normal Wu Wu .- .-" }, /* 50%: not below */
		{ "uddd", "panic Wu Wu Wu Wu" }, /* 25% < 50% */
		{ "dddd", "panic Wu Wu Wu Wu" },
		{ "uudd", "normal Wu Wu .- .-" },
	};

	svc.panic_threshold = 0.5;
	run_seq(&svc, NULL, zs, 4, steps, sizeof(steps) / sizeof(steps[0]));
	svc.panic_mode = XLB_PANIC_FAIL_CLOSED;
	steps[2][1] = "fail-closed .u .- .- .-";
	steps[3][1] = "fail-closed .- .- .- .-";
	run_seq(&svc, NULL, zs, 4, steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_invalid(void **state)
{
	struct xlb_pol_service svc = XLB_POLICY_DEFAULT;
	struct xlb_pol_backend be = { .weight = 1, .up = true };
	struct xlb_pol_out out;
	enum xlb_pol_mode mode;
	__u8 m;

	assert_int_equal(xlb_policy_compute(NULL, NULL, &be, 1, &out, &mode), -EINVAL);
	assert_int_equal(xlb_policy_compute(&svc, NULL, NULL, 1, &out, &mode), -EINVAL);
	assert_int_equal(xlb_policy_compute(&svc, NULL, NULL, 0, NULL, &mode), 0);
	assert_int_equal(mode, XLB_POL_DOWN);
	svc.panic_threshold = 1.5;
	assert_int_equal(xlb_policy_compute(&svc, NULL, &be, 1, &out, &mode), -EINVAL);
	svc.panic_threshold = 0;
	svc.zone_min_healthy = -0.1;
	assert_int_equal(xlb_policy_compute(&svc, NULL, &be, 1, &out, &mode), -EINVAL);
	assert_int_equal(xlb_panic_mode_parse("spread", &m), 0);
	assert_int_equal(m, XLB_PANIC_SPREAD);
	assert_int_equal(xlb_panic_mode_parse("fail-closed", &m), 0);
	assert_int_equal(m, XLB_PANIC_FAIL_CLOSED);
	assert_int_equal(xlb_panic_mode_parse("open", &m), -EINVAL);
	assert_string_equal(xlb_pol_mode_name(XLB_POL_SPILL), "spill");
	assert_string_equal(xlb_pol_mode_name(XLB_POL_MODE_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_flapping_and_recovery),
		cmocka_unit_test(test_zone_flapping),
		cmocka_unit_test(test_panic_sequence),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
