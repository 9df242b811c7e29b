// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* state.c: runtime overrides (diff/apply), the state file, config export round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <cmocka.h>

#include "config_write.h"
#include "state.h"
#include "cfg_cmp.h"

static const char base_yaml[] = "services:\n"
				"  - name: web\n"
				"    vip: 10.100.0.10\n"
				"    port: 80\n"
				"    backends:\n"
				"      - address: 10.0.0.11\n"
				"      - address: 10.0.0.12\n"
				"        zone: a\n"
				"      - address: 10.0.0.13\n"
				"  - name: api\n"
				"    vip: 10.100.0.10\n"
				"    port: 81\n"
				"    drain_timeout: 7\n";

static void parse(const char *y, struct xlb_config *c)
{
	char err[512];

	assert_int_equal(xlb_config_parse(y, strlen(y), "t.yaml", c, err, sizeof(err)), 0);
}

static struct xlb_cfg_service *svc(struct xlb_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

/* Canonical text of a config (export), to compare two configs. */
static char *text(const struct xlb_config *c)
{
	char *s = NULL;

	assert_int_equal(xlb_config_write_str(c, 0, &s), 0);
	return s;
}

static void test_diff_apply_roundtrip(void **st)
{
	struct xlb_config base = {}, eff = {}, back = {};
	struct xlb_cfg_service *w;
	char warn[512], *a, *b;
	json_t *s;

	parse(base_yaml, &base);
	assert_int_equal(xlb_config_copy(&eff, &base), 0);
	assert_int_equal(svc(&base, "api")->drain_timeout_s, 7);
	w = svc(&eff, "web");
	w->backends[0].weight = 7; /* re-weighted */
	w->backends[1].drain = true; /* draining */
	w->backends[1].drain_since_ms = 1234;
	w->n_backends = 2; /* 10.0.0.13 removed */
	/* api removed, tmp added */
	*svc(&eff, "api") = *svc(&eff, "web");
	strcpy(eff.services[1].name, "tmp");
	eff.services[1].key.port = htons(90);
	eff.services[1].backends = calloc(1, sizeof(struct xlb_cfg_backend));
	eff.services[1].backends[0] = w->backends[0];
	eff.services[1].n_backends = 1;

	s = xlb_state_diff(&base, &eff);
	assert_non_null(s);
	assert_int_equal(xlb_state_count(s), 6);
	assert_true(json_is_true(json_object_get(json_object_get(json_object_get(s, "services"), "api"), "removed")));
	assert_int_equal(xlb_state_apply(s, &base, &back, warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	a = text(&eff);
	b = text(&back);
	assert_string_equal(a, b);
	assert_true(svc(&back, "web")->backends[1].drain);
	assert_int_equal(svc(&back, "web")->backends[1].drain_since_ms, 1234);
	assert_string_equal(svc(&back, "web")->backends[1].zone, "a"); /* from the file */
	free(a);
	free(b);
	json_decref(s);
	xlb_config_free(&back);
	xlb_config_free(&eff);
	xlb_config_free(&base);
}

/* Overrides disappear when the file catches up, and are dropped when they cannot apply. */
static void test_prune_and_conflicts(void **st)
{
	struct xlb_config base = {}, nbase = {}, eff = {};
	char warn[1024];
	json_t *s;

	parse(base_yaml, &base);
	s = json_loads("{\"xlb_state\":1,\"services\":{"
		       "\"web\":{\"backends\":{\"10.0.0.11\":{\"weight\":50},\"10.0.0.99\":{\"removed\":true}}},"
		       "\"gone\":{\"backends\":{\"10.0.0.1\":{\"weight\":1}}},"
		       "\"tmp\":{\"service\":{\"vip\":\"10.100.0.10\",\"port\":81}}}}", 0, NULL);
	assert_non_null(s);
	assert_int_equal(xlb_state_apply(s, &base, &eff, warn, sizeof(warn)), 0);
	assert_non_null(strstr(warn, "10.0.0.99"));
	assert_non_null(strstr(warn, "\"gone\""));
	assert_non_null(strstr(warn, "\"api\"")); /* tmp's VIP:port is api's */
	assert_null(svc(&eff, "tmp"));
	assert_int_equal(svc(&eff, "web")->backends[0].weight, 50);
	xlb_config_free(&eff);
	json_decref(s);

	/* runtime additions no VIP or backend may have (made by an older lbd): dropped, said */
	s = json_loads("{\"xlb_state\":1,\"services\":{"
		       "\"web\":{\"backends\":{\"127.0.0.1\":{\"weight\":5},\"10.0.0.14\":{}}},"
		       "\"bad\":{\"service\":{\"vip\":\"0.0.0.0\",\"port\":82}}}}",
		       0, NULL);
	assert_non_null(s);
	assert_int_equal(xlb_state_apply(s, &base, &eff, warn, sizeof(warn)), 0);
	assert_non_null(strstr(warn, "backend 127.0.0.1 is a loopback address"));
	assert_non_null(strstr(warn, "service \"bad\" (added at runtime): vip is an unspecified"));
	assert_null(svc(&eff, "bad"));
	assert_int_equal(svc(&eff, "web")->n_backends, 4); /* 10.0.0.14 added, 127.0.0.1 not */
	xlb_config_free(&eff);
	json_decref(s);

	/* the file now says weight 50 too: the override is gone from the diff */
	parse("services:\n  - name: web\n    vip: 10.100.0.10\n    port: 80\n    backends:\n"
	      "      - {address: 10.0.0.11, weight: 50}\n", &nbase);
	s = json_loads("{\"xlb_state\":1,\"services\":{\"web\":{\"backends\":{\"10.0.0.11\":{\"weight\":50}}}}}",
		       0, NULL);
	assert_int_equal(xlb_state_apply(s, &nbase, &eff, warn, sizeof(warn)), 0);
	json_decref(s);
	s = xlb_state_diff(&nbase, &eff);
	assert_int_equal(xlb_state_count(s), 0);
	json_decref(s);
	xlb_config_free(&eff);
	xlb_config_free(&nbase);
	xlb_config_free(&base);
}

static void test_malformed(void **st)
{
	static const char *const bad[] = {
		"[]",
		"{\"xlb_state\":1,\"services\":[]}",
		"{\"xlb_state\":1,\"services\":{\"web\":1}}",
		"{\"xlb_state\":1,\"services\":{\"web\":{\"removed\":true,\"backends\":{}}}}",
		"{\"xlb_state\":1,\"services\":{\"web\":{\"backends\":{\"10.0.0.x\":{}}}}}",
		"{\"xlb_state\":1,\"services\":{\"web\":{\"backends\":{\"10.0.0.11\":{\"weight\":70000}}}}}",
		"{\"xlb_state\":1,\"services\":{\"web\":{\"backends\":{\"10.0.0.11\":{\"wait\":1}}}}}",
		"{\"xlb_state\":1,\"services\":{\"x\":{\"service\":{\"vip\":\"10.1.1.1\",\"port\":80,\"table_size\":100}}}}",
		"{\"xlb_state\":1,\"services\":{\"x\":{\"service\":{\"vip\":\"10.1.1.1\"}}}}",
		"{\"xlb_state\":1,\"rate_limit\":{\"global\":{\"new_flows_per_s\":0,\"burst\":1,"
		"\"prefix_v4\":24,\"prefix_v6\":64}}}",
		"{\"xlb_state\":1,\"rate_limit\":{\"services\":{\"web\":{\"new_flows_per_s\":5}}}}",
		"{\"xlb_state\":1,\"rate_limit\":{\"services\":{\"web\":{\"new_flows_per_s\":5,"
		"\"burst\":5,\"prefix_v4\":33,\"prefix_v6\":64}}}}",
	};
	struct xlb_config base = {}, eff = {};
	char warn[512];
	size_t i;

	parse(base_yaml, &base);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *s = json_loads(bad[i], 0, NULL);

		assert_non_null(s);
		assert_int_equal(xlb_state_apply(s, &base, &eff, warn, sizeof(warn)), -EINVAL);
		assert_int_equal(eff.n_services, 0);
		json_decref(s);
	}
	xlb_config_free(&base);
}

/* lbctl ratelimit: set, cleared (null) and per-service limits round-trip through the state. */
static void test_rate_limit(void **st)
{
	static const char yaml[] = "rate_limit:\n"
				   "  new_flows_per_s: 100\n"
				   "services:\n"
				   "  - name: web\n"
				   "    vip: 10.100.0.10\n"
				   "    port: 80\n"
				   "  - name: api\n"
				   "    vip: 10.100.0.10\n"
				   "    port: 81\n"
				   "    rate_limit: {new_flows_per_s: 7}\n";
	struct xlb_config base = {}, eff = {}, back = {};
	char warn[512];
	json_t *s, *none;

	parse(yaml, &base);
	assert_int_equal(xlb_config_copy(&eff, &base), 0);
	/* nothing changed: no override */
	s = xlb_state_diff(&base, &eff);
	assert_null(json_object_get(s, "rate_limit"));
	json_decref(s);
	/* global cleared, web given its own, api's left alone */
	memset(&eff.rate_limit, 0, sizeof(eff.rate_limit));
	svc(&eff, "web")->rate_limit = (struct xlb_rate_limit){ .set = true, .rate = 50, .burst = 100,
								 .prefix4 = 24, .prefix6 = 48 };
	s = xlb_state_diff(&base, &eff);
	assert_true(json_is_null(json_object_get(json_object_get(s, "rate_limit"), "global")));
	assert_int_equal(json_object_size(json_object_get(json_object_get(s, "rate_limit"),
							  "services")), 1);
	assert_int_equal(xlb_state_count(s), 2);
	assert_int_equal(xlb_state_apply(s, &base, &back, warn, sizeof(warn)), 0);
	assert_false(back.rate_limit.set);
	assert_true(xlb_rate_limit_eq(&svc(&back, "web")->rate_limit, &svc(&eff, "web")->rate_limit));
	assert_int_equal(svc(&back, "web")->rate_limit.prefix6, 48);
	assert_int_equal(svc(&back, "api")->rate_limit.rate, 7);
	xlb_config_free(&back);
	/* the service is gone from the file: its override dropped with a warning */
	xlb_config_free(&base);
	parse("services:\n  - name: api\n    vip: 10.100.0.10\n    port: 81\n", &base);
	assert_int_equal(xlb_state_apply(s, &base, &back, warn, sizeof(warn)), 0);
	assert_non_null(strstr(warn, "rate limit override dropped"));
	assert_false(svc(&back, "api")->rate_limit.set);
	json_decref(s);
	/* an explicit null for a service of the file clears its limit */
	none = json_loads("{\"xlb_state\":1,\"rate_limit\":{\"services\":{\"api\":null}}}", 0,
			  NULL);
	xlb_config_free(&back);
	xlb_config_free(&base);
	parse(yaml, &base);
	assert_int_equal(xlb_state_apply(none, &base, &back, warn, sizeof(warn)), 0);
	assert_false(svc(&back, "api")->rate_limit.set);
	assert_true(back.rate_limit.set);
	json_decref(none);
	xlb_config_free(&back);
	xlb_config_free(&eff);
	xlb_config_free(&base);
}

static void test_file(void **st)
{
	char dir[] = "/tmp/xlb-state-XXXXXX", path[128], err[256];
	json_t *s, *r;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/x.state", dir);
	assert_int_equal(xlb_state_load(path, &r, err, sizeof(err)), 0); /* missing: empty */
	assert_int_equal(xlb_state_count(r), 0);
	json_decref(r);
	s = json_loads("{\"xlb_state\":1,\"services\":{\"api\":{\"removed\":true}}}", 0, NULL);
	assert_int_equal(xlb_state_save(path, s), 0);
	assert_int_equal(xlb_state_load(path, &r, err, sizeof(err)), 0);
	assert_true(json_equal(s, r));
	json_decref(r);
	json_decref(s);
	f = fopen(path, "w");
	fputs("{\"xlb_state\":2}", f);
	fclose(f);
	assert_int_equal(xlb_state_load(path, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));
	f = fopen(path, "w");
	fputs("{\"xlb_state\":1,", f);
	fclose(f);
	assert_int_equal(xlb_state_load(path, &r, err, sizeof(err)), -EINVAL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

/* export -> parse gives the same config (defaults and non-defaults). */
static void test_export_roundtrip(void **st)
{
	static const char y[] = "node: {zone: a}\n"
				"services:\n"
				"  - name: s1\n"
				"    vip: 2001:db8::10\n"
				"    port: 443\n"
				"    protocol: udp\n"
				"    scheduler: wrr\n"
				"    table_size: 251\n"
				"    drain_timeout: 0\n"
				"    cross_zone: false\n"
				"    zone_min_healthy: 0.3\n"
				"    panic_threshold: 0.25\n"
				"    panic_mode: fail-closed\n"
				"    health_check: {type: http, port: 8080, path: \"/h?x=\\\"1\\\"\", host: h.example,\n"
				"                   expect: \"204\", interval_ms: 300, timeout_ms: 100, rise: 1,\n"
				"                   fall: 5, jitter_ms: 20, initial: down}\n"
				"    backends:\n"
				"      - {address: 2001:db8::11, weight: 0, zone: b, backup: true}\n"
				"  - name: \"null\"\n"
				"    vip: 10.0.0.1\n"
				"    port: 1\n";
	struct xlb_config a = {}, b = {};
	char *t1, *t2, err[512];

	parse(y, &a);
	t1 = text(&a);
	assert_int_equal(xlb_config_parse(t1, strlen(t1), "export", &b, err, sizeof(err)), 0);
	t2 = text(&b);
	assert_string_equal(t1, t2);
	assert_true(xlb_hc_check_equal(&a.services[0].hc, &b.services[0].hc));
	assert_true(a.services[0].pol.zone_min_healthy == b.services[0].pol.zone_min_healthy);
	assert_string_equal(b.services[1].name, "null");
	free(t1);
	free(t2);
	xlb_config_free(&a);
	xlb_config_free(&b);
}

/*
 * A service added at runtime runs with the config file's defaults (a UDP one
 * is not TCP-probed), and the export shows exactly what runs: parsed back,
 * it is the live config, field by field.
 */
static void test_runtime_service_export(void **st)
{
	json_t *state = json_loads("{\"xlb_state\": 1, \"services\": {"
				   "\"dns\": {\"service\": {\"vip\": \"10.100.0.53\", \"port\": 53, "
				   "\"protocol\": \"udp\"}, \"backends\": {\"10.0.0.53\": {\"weight\": 5}}},"
				   "\"tcp\": {\"service\": {\"vip\": \"10.100.0.54\", \"port\": 1}}}}",
				   0, NULL);
	struct xlb_config base = {}, eff = {}, back = {};
	char *t, err[512], why[256];

	assert_non_null(state);
	parse(base_yaml, &base);
	assert_int_equal(xlb_state_apply(state, &base, &eff, err, sizeof(err)), 0);
	assert_int_equal(svc(&eff, "dns")->hc.type, XLB_HC_NONE);
	assert_int_equal(svc(&eff, "tcp")->hc.type, XLB_HC_TCP);
	assert_true(svc(&eff, "dns")->pol.cross_zone);
	t = text(&eff);
	assert_int_equal(xlb_config_parse(t, strlen(t), "export", &back, err, sizeof(err)), 0);
	if (!xlb_test_cfg_equal(&eff, &back, why, sizeof(why)))
		fail_msg("export of the live state changes %s:\n%s", why, t);
	free(t);
	xlb_config_free(&back);
	xlb_config_free(&eff);
	xlb_config_free(&base);
	json_decref(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_apply_roundtrip),
		cmocka_unit_test(test_prune_and_conflicts),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_export_roundtrip),
		cmocka_unit_test(test_runtime_service_export),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
