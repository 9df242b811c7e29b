// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * reconcile.c: desired state + a health view + drains -> the active sets the
 * data path would be given, with a recording fake in place of the maps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "reconcile.h"

static const char yaml[] = "node:\n"
			   "  zone: a\n"
			   "services:\n"
			   "  - name: web\n"
			   "    vip: 10.100.0.10\n"
			   "    port: 80\n"
			   "    drain_timeout: 10\n"
			   "    backends:\n"
			   "      - address: 10.0.0.11\n"
			   "        zone: a\n"
			   "      - address: 10.0.0.12\n"
			   "        zone: a\n"
			   "        weight: 50\n"
			   "      - address: 10.0.0.13\n"
			   "        zone: b\n"
			   "      - address: 10.0.0.14\n"
			   "        backup: true\n"
			   "  - name: dns\n"
			   "    vip: 10.100.0.11\n"
			   "    port: 53\n"
			   "    protocol: udp\n"
			   "    backends:\n"
			   "      - address: 10.0.0.21\n";

/* The fake health view: per backend index of "web", -1 unknown, 0 down, 1 up. */
static int web_health[4];

static bool fake_health(void *ctx, const struct xlb_cfg_service *cs, size_t i, bool *up)
{
	if (strcmp(cs->name, "web") || web_health[i] < 0)
		return false;
	*up = web_health[i];
	return true;
}

/* The fake data path: what it was given, per service. */
struct rec {
	int calls;
	char name[8][XLB_NAME_MAX];
	struct xlb_dp_be_active act[8][8];
	size_t n;
	int fail; /* return this */
};

static int fake_service(void *dp, const struct xlb_cfg_service *cs,
			const struct xlb_dp_be_active *act, struct xlb_dp_diff *diff)
{
	struct rec *r = dp;

	r->calls++;
	snprintf(r->name[0], sizeof(r->name[0]), "%s", cs->name);
	memcpy(r->act[0], act, cs->n_backends * sizeof(*act));
	r->n = 1;
	return r->fail;
}

static int fake_config(void *dp, const struct xlb_config *cfg,
		       const struct xlb_dp_be_active *const *act, struct xlb_dp_diff *diff)
{
	struct rec *r = dp;
	size_t i;

	r->calls++;
	for (i = 0; i < cfg->n_services && i < 8; i++) {
		snprintf(r->name[i], sizeof(r->name[i]), "%s", cfg->services[i].name);
		memcpy(r->act[i], act[i], cfg->services[i].n_backends * sizeof(**act));
	}
	r->n = i;
	return r->fail;
}

static void load(struct xlb_config *c)
{
	char err[256];

	assert_int_equal(xlb_config_parse(yaml, strlen(yaml), "t.yaml", c, err, sizeof(err)), 0);
}

static void test_all_up(void **st)
{
	struct xlb_rc_view v = { .health = fake_health, .now_ms = 1000000 };
	struct rec r = {};
	struct xlb_rc_dp dp = { fake_service, fake_config, &r };
	struct xlb_config c = {};

	load(&c);
	memset(web_health, 0xff, sizeof(web_health)); /* unknown: initial state (up) */
	web_health[0] = web_health[1] = web_health[2] = web_health[3] = 1;
	assert_int_equal(xlb_reconcile_config(&dp, &c, &v, NULL), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.name[0], "web");
	/* own zone healthy: only zone a takes new flows (with its weights), the backup none */
	assert_int_equal(r.act[0][0].weight, 100);
	assert_int_equal(r.act[0][1].weight, 50);
	assert_true(r.act[0][0].usable);
	assert_string_equal(r.name[1], "dns");
	assert_int_equal(r.act[1][0].weight, 100); /* udp: no check, always up */
	xlb_config_free(&c);
}

static void test_health_drain_backup(void **st)
{
	struct xlb_rc_view v = { .health = fake_health, .now_ms = 1000000 };
	struct rec r = {};
	struct xlb_rc_dp dp = { fake_service, fake_config, &r };
	struct xlb_dp_be_active act[4];
	struct xlb_config c = {};
	enum xlb_pol_mode mode;
	struct xlb_cfg_service *web;

	load(&c);
	web = &c.services[0];
	/* one down: no new flows and no old ones (the data path reschedules them) */
	web_health[0] = 0;
	web_health[1] = web_health[2] = web_health[3] = 1;
	assert_int_equal(xlb_reconcile_service(&dp, web, c.node_zone, &v, act, &mode, NULL), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.act[0][0].weight, 0);
	assert_false(r.act[0][0].usable);
	assert_int_equal(act[0].weight, 0); /* the caller gets the set it programmed */
	/* draining: no new flows, established ones stay ... */
	web_health[0] = 1;
	web->backends[1].drain = true;
	web->backends[1].drain_since_ms = 1000000 - 5000;
	assert_int_equal(xlb_reconcile_active(web, c.node_zone, &v, act, &mode), 0);
	assert_int_equal(act[1].weight, 0);
	assert_true(act[1].usable);
	/* ... until drain_timeout (10 s) has passed: released */
	v.now_ms = 1000000 + 5000;
	assert_true(xlb_drain_expired(web, &web->backends[1], v.now_ms));
	assert_int_equal(xlb_reconcile_active(web, c.node_zone, &v, act, &mode), 0);
	assert_false(act[1].usable);
	/* no primary healthy: the backup pool */
	web->backends[1].drain = false;
	web_health[0] = web_health[1] = web_health[2] = 0;
	assert_int_equal(xlb_reconcile_active(web, c.node_zone, &v, act, &mode), 0);
	assert_int_equal(mode, XLB_POL_BACKUP);
	assert_true(act[3].weight > 0);
	xlb_config_free(&c);
}

static void test_unknown_health_initial_state(void **st)
{
	struct xlb_rc_view v = { .health = fake_health, .now_ms = 0 };
	struct xlb_dp_be_active act[4];
	struct xlb_config c = {};
	enum xlb_pol_mode mode;

	load(&c);
	memset(web_health, 0xff, sizeof(web_health));
	c.services[0].hc.initial_up = false;
	assert_int_equal(xlb_reconcile_active(&c.services[0], c.node_zone, &v, act, &mode), 0);
	assert_int_equal(act[0].weight, 0);
	c.services[0].hc.initial_up = true;
	assert_int_equal(xlb_reconcile_active(&c.services[0], c.node_zone, &v, act, &mode), 0);
	assert_int_equal(act[0].weight, 100);
	xlb_config_free(&c);
}

static void test_dp_failure_is_returned(void **st)
{
	struct xlb_rc_view v = { .health = fake_health };
	struct rec r = { .fail = -ENOSPC };
	struct xlb_rc_dp dp = { fake_service, fake_config, &r };
	struct xlb_config c = {};

	load(&c);
	assert_int_equal(xlb_reconcile_config(&dp, &c, &v, NULL), -ENOSPC);
	assert_int_equal(xlb_reconcile_service(&dp, &c.services[0], c.node_zone, &v, NULL, NULL,
					       NULL),
			 -ENOSPC);
	xlb_config_free(&c);
}

/* The view's adjust hook (lbd: feedback.c, #21) has the last word on weights. */
static void fake_adjust(void *ctx, const struct xlb_cfg_service *cs, size_t i, __u32 *weight,
			bool *usable, __u32 *max_flows)
{
	int *calls = ctx;

	(*calls)++;
	if (i == 2) /* the agent's maxconn */
		*max_flows = 7;
	if (i == 0) /* the agent says 25% */
		*weight = *weight / 4;
	if (i == 1) /* ejected, and told down */
		*usable = false;
}

static void test_adjust_shapes_active_set(void **st)
{
	int calls = 0;
	struct xlb_rc_view v = { .health = fake_health, .adjust = fake_adjust, .ctx = &calls,
				 .now_ms = 1000000 };
	struct xlb_dp_be_active act[4];

	memset(act, 0xff, sizeof(act)); /* whatever the caller had there */
	struct xlb_config c = {};
	enum xlb_pol_mode mode;

	load(&c);
	web_health[0] = web_health[1] = web_health[2] = web_health[3] = 1;
	assert_int_equal(xlb_reconcile_active(&c.services[0], c.node_zone, &v, act, &mode), 0);
	assert_int_equal(calls, 4);
	assert_int_equal(act[0].weight, 25);
	assert_false(act[1].usable);
	assert_int_equal(act[2].max_flows, 7);
	assert_int_equal(act[3].max_flows, 0); /* not set by the view: the configured cap */
	xlb_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_up),
		cmocka_unit_test(test_health_drain_backup),
		cmocka_unit_test(test_unknown_health_initial_state),
		cmocka_unit_test(test_dp_failure_is_returned),
		cmocka_unit_test(test_adjust_shapes_active_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
