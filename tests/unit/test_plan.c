// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* plan.c: service/backend diffs, settings, moved-flow estimates, summary and text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan.h"

static const char base_yaml[] = "services:\n"
				"  - name: web\n"
				"    vip: 10.100.0.10\n"
				"    port: 80\n"
				"    table_size: 4093\n"
				"    backends:\n"
				"      - address: 10.0.0.11\n"
				"      - address: 10.0.0.12\n"
				"      - address: 10.0.0.13\n"
				"      - address: 10.0.0.14\n"
				"  - name: api\n"
				"    vip: 10.100.0.10\n"
				"    port: 81\n"
				"    backends:\n"
				"      - address: 10.0.0.21\n";

static void parse(const char *y, struct xlb_config *c)
{
	char err[512];

	assert_int_equal(xlb_config_parse(y, strlen(y), "t.yaml", c, err, sizeof(err)), 0);
}

static json_t *svc(json_t *plan, const char *name)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(plan, "services"), i, s)
		if (!strcmp(json_string_value(json_object_get(s, "name")), name))
			return s;
	return NULL;
}

static json_int_t sum(json_t *plan, const char *k)
{
	return json_integer_value(json_object_get(json_object_get(plan, "summary"), k));
}

static void test_same(void **st)
{
	struct xlb_config a = {}, b = {};
	char buf[64];
	json_t *p;

	parse(base_yaml, &a);
	parse(base_yaml, &b);
	p = xlb_plan(&a, &b);
	assert_non_null(p);
	assert_int_equal(json_array_size(json_object_get(p, "services")), 0);
	assert_int_equal(json_array_size(json_object_get(p, "settings")), 0);
	assert_int_equal(sum(p, "services_unchanged"), 2);
	assert_int_equal(xlb_plan_changes(p), 0);
	xlb_plan_summary(p, buf, sizeof(buf));
	assert_string_equal(buf, "no changes");
	json_decref(p);
	xlb_config_free(&a);
	xlb_config_free(&b);
}

static void test_remove_one_of_four(void **st)
{
	struct xlb_config a = {}, b = {};
	json_t *p, *w, *be;
	double moved;

	parse(base_yaml, &a);
	parse(base_yaml, &b);
	b.services[0].n_backends = 3; /* 10.0.0.14 leaves */
	p = xlb_plan(&a, &b);
	w = svc(p, "web");
	assert_non_null(w);
	assert_null(svc(p, "api"));
	assert_string_equal(json_string_value(json_object_get(w, "change")), "changed");
	be = json_array_get(json_object_get(w, "backends"), 0);
	assert_string_equal(json_string_value(json_object_get(be, "address")), "10.0.0.14");
	assert_string_equal(json_string_value(json_object_get(be, "change")), "removed");
	moved = json_real_value(json_object_get(w, "moved"));
	assert_true(moved > 0.22 && moved < 0.28); /* its quarter of the slots, about */
	assert_int_equal(json_integer_value(json_object_get(w, "table_size")), 4093);
	assert_int_equal(sum(p, "backends_removed"), 1);
	assert_int_equal(sum(p, "services_changed"), 1);
	json_decref(p);
	xlb_config_free(&a);
	xlb_config_free(&b);
}

static void test_fields_and_services(void **st)
{
	static const char new_yaml[] = "node:\n"
				       "  zone: z1\n"
				       "services:\n"
				       "  - name: web\n"
				       "    vip: 10.100.0.10\n"
				       "    port: 80\n"
				       "    table_size: 4093\n"
				       "    scheduler: sh\n"
				       "    health_check:\n"
				       "      type: http\n"
				       "      path: /healthz\n"
				       "    backends:\n"
				       "      - address: 10.0.0.11\n"
				       "        weight: 50\n"
				       "      - address: 10.0.0.12\n"
				       "        zone: a\n"
				       "      - address: 10.0.0.13\n"
				       "        backup: true\n"
				       "      - address: 10.0.0.14\n"
				       "      - address: 10.0.0.15\n"
				       "  - name: new\n"
				       "    vip: 10.100.0.11\n"
				       "    port: 80\n"
				       "    backends:\n"
				       "      - address: 10.0.0.31\n";
	struct xlb_config a = {}, b = {};
	char *text = NULL, buf[256];
	size_t len = 0;
	json_t *p, *w, *f;
	FILE *mf;

	parse(base_yaml, &a);
	parse(new_yaml, &b);
	p = xlb_plan(&a, &b);
	w = svc(p, "web");
	f = json_object_get(w, "fields");
	assert_int_equal(json_array_size(f), 3); /* scheduler, health_check.type, .path */
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "field")),
			    "scheduler");
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "new")), "sh");
	/* 3 changed (weight, zone, backup), 1 added */
	assert_int_equal(json_array_size(json_object_get(w, "backends")), 4);
	assert_non_null(json_object_get(w, "moved_note")); /* maglev -> sh: another hash */
	assert_string_equal(json_string_value(json_object_get(svc(p, "new"), "change")), "added");
	assert_string_equal(json_string_value(json_object_get(svc(p, "api"), "change")), "removed");
	assert_int_equal(sum(p, "services_added"), 1);
	assert_int_equal(sum(p, "services_removed"), 1);
	assert_int_equal(sum(p, "backends_added"), 2); /* 10.0.0.15 and new's */
	assert_int_equal(sum(p, "backends_removed"), 1); /* api's */
	assert_int_equal(sum(p, "backends_changed"), 3);
	assert_int_equal(sum(p, "settings_changed"), 1); /* node.zone */
	xlb_plan_summary(p, buf, sizeof(buf));
	assert_string_equal(buf, "1 service added, 1 removed, 1 changed; 2 backends added, "
				 "1 removed, 3 changed; 1 other setting changed");
	mf = open_memstream(&text, &len);
	assert_int_equal(xlb_plan_print(mf, p), 0);
	fclose(mf);
	assert_non_null(strstr(text, "~ service web (10.100.0.10:80/tcp): changed\n"));
	assert_non_null(strstr(text, "    health_check.path: / -> /healthz\n"));
	assert_non_null(strstr(text, "    ~ backend 10.0.0.11\n        weight: 100 -> 50\n"));
	assert_non_null(strstr(text, "    + backend 10.0.0.15 (weight 100)\n"));
	assert_non_null(strstr(text, "- service api (10.100.0.10:81/tcp): removed"));
	assert_non_null(strstr(text, "    node.zone: none -> z1\n"));
	free(text);
	json_decref(p);
	xlb_config_free(&a);
	xlb_config_free(&b);
}

static void test_rename_and_drain(void **st)
{
	struct xlb_config a = {}, b = {};
	json_t *p, *w, *be;

	parse(base_yaml, &a);
	parse(base_yaml, &b);
	snprintf(b.services[1].name, sizeof(b.services[1].name), "api2"); /* same VIP:port */
	a.services[0].backends[1].drain = true; /* a drain the new state drops */
	p = xlb_plan(&a, &b);
	w = svc(p, "api2");
	assert_non_null(w);
	assert_string_equal(json_string_value(json_object_get(w, "change")), "changed");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(w, "fields"), 0), "field")),
			    "name");
	w = svc(p, "web");
	be = json_array_get(json_object_get(w, "backends"), 0);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(be, "fields"), 0), "field")),
			    "drain");
	/* the drained backend had no slots; it gets its quarter back */
	assert_true(json_real_value(json_object_get(w, "moved")) > 0.2);
	assert_int_equal(sum(p, "services_removed"), 0);
	json_decref(p);
	xlb_config_free(&a);
	xlb_config_free(&b);
}

static void test_moved_table_size(void **st)
{
	struct xlb_config a = {}, b = {};
	double moved;
	__u32 slots;

	parse(base_yaml, &a);
	parse(base_yaml, &b);
	assert_int_equal(xlb_plan_moved(&a.services[0], "", &b.services[0], "", &moved, &slots), 0);
	assert_true(moved == 0.0 && slots == 0);
	b.services[0].table_size = 251; /* another size: sampled, most flows move */
	assert_int_equal(xlb_plan_moved(&a.services[0], "", &b.services[0], "", &moved, &slots), 0);
	assert_true(moved > 0.5 && moved < 0.9);
	assert_int_equal(slots, 0);
	xlb_config_free(&a);
	xlb_config_free(&b);
}

/* UDP/DNS probe settings are part of the plan: a changed query is a changed service. */
static void test_udp_probe_fields(void **state)
{
	static const char *a_yaml = "services:\n"
				    "  - name: dns\n"
				    "    vip: 10.100.0.10\n"
				    "    port: 53\n"
				    "    protocol: udp\n"
				    "    health_check: {type: dns, query: a.example}\n"
				    "    backends:\n"
				    "      - address: 10.0.0.11\n";
	static const char *b_yaml = "services:\n"
				    "  - name: dns\n"
				    "    vip: 10.100.0.10\n"
				    "    port: 53\n"
				    "    protocol: udp\n"
				    "    health_check: {type: dns, query: b.example}\n"
				    "    backends:\n"
				    "      - address: 10.0.0.11\n";
	struct xlb_config a = {}, b = {};
	json_t *p, *f;

	parse(a_yaml, &a);
	parse(b_yaml, &b);
	p = xlb_plan(&a, &b);
	f = json_object_get(svc(p, "dns"), "fields");
	assert_int_equal(json_array_size(f), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "field")),
			    "health_check.query");
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 0), "new")),
			    "b.example");
	json_decref(p);
	xlb_config_free(&a);
	xlb_config_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_remove_one_of_four),
		cmocka_unit_test(test_fields_and_services),
		cmocka_unit_test(test_rename_and_drain),
		cmocka_unit_test(test_moved_table_size),
		cmocka_unit_test(test_udp_probe_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
