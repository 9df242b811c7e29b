// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* etcd.c: base64, the JSON gateway request builders and response parsers (no etcd needed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#include <jansson.h>

#include "etcd.h"

static void test_b64(void **st)
{
	static const char *const v[][2] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
					    { "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
					    { "/xlb/c/desired", "L3hsYi9jL2Rlc2lyZWQ=" } };
	char *e, *d;
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		e = xlb_b64_encode(v[i][0], strlen(v[i][0]));
		assert_string_equal(e, v[i][1]);
		assert_int_equal(xlb_b64_decode(e, &d, &n), 0);
		assert_int_equal(n, strlen(v[i][0]));
		assert_memory_equal(d, v[i][0], n);
		free(e);
		free(d);
	}
	assert_int_equal(xlb_b64_decode("Zm9", &d, &n), -EINVAL);
	assert_int_equal(xlb_b64_decode("Zm9*", &d, &n), -EINVAL);
	assert_int_equal(xlb_b64_decode("Z===", &d, &n), -EINVAL);
}

static void test_requests(void **st)
{
	char *r = xlb_etcd_cas_req("/k", "v", 1, 42);
	json_t *j = json_loads(r, 0, NULL), *c;

	/* compare MOD == "42" on key "/k" (b64 "L2s="), put on success, range on failure */
	c = json_array_get(json_object_get(j, "compare"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "key")), "L2s=");
	assert_string_equal(json_string_value(json_object_get(c, "target")), "MOD");
	assert_string_equal(json_string_value(json_object_get(c, "result")), "EQUAL");
	assert_string_equal(json_string_value(json_object_get(c, "mod_revision")), "42");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(
				    json_object_get(j, "success"), 0), "request_put"), "value")),
			    "dg==");
	assert_non_null(json_object_get(json_array_get(json_object_get(j, "failure"), 0),
					"request_range"));
	json_decref(j);
	free(r);

	r = xlb_etcd_range_prefix_req("/a/");
	assert_string_equal(r, "{\"key\":\"L2Ev\",\"range_end\":\"L2Ew\"}"); /* "/a/" .. "/a0" */
	free(r);
	r = xlb_etcd_watch_req("/k", 7);
	assert_string_equal(r, "{\"create_request\":{\"key\":\"L2s=\",\"start_revision\":\"7\"}}");
	free(r);
	r = xlb_etcd_put_req("/k", "v", 1, 99);
	assert_string_equal(r, "{\"key\":\"L2s=\",\"value\":\"dg==\",\"lease\":\"99\"}");
	free(r);
}

static void test_responses(void **st)
{
	struct xlb_etcd_kv *kvs, kv;
	struct xlb_etcd_watch_msg m;
	long long rev, id, ttl;
	char err[128], buf[1024];
	bool ok;
	size_t n;
	long used;

	assert_int_equal(xlb_etcd_parse_range("{\"header\":{\"revision\":\"12\"},\"kvs\":[{\"key\":"
					      "\"L2s=\",\"value\":\"dg==\",\"mod_revision\":\"11\","
					      "\"create_revision\":\"3\",\"version\":\"4\"}],"
					      "\"count\":\"1\"}",
					      &rev, &kvs, &n, err, sizeof(err)),
			 0);
	assert_int_equal(rev, 12);
	assert_int_equal(n, 1);
	assert_string_equal(kvs[0].key, "/k");
	assert_string_equal(kvs[0].value, "v");
	assert_int_equal(kvs[0].mod_revision, 11);
	xlb_etcd_kvs_free(kvs, n);
	assert_int_equal(xlb_etcd_parse_range("{\"header\":{\"revision\":\"5\"}}", &rev, &kvs, &n,
					      err, sizeof(err)),
			 0);
	assert_int_equal(n, 0);
	assert_int_equal(xlb_etcd_parse_range("{\"error\":\"etcdserver: no leader\",\"code\":14}",
					      &rev, &kvs, &n, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "etcdserver: no leader");

	/* CAS lost: succeeded absent, the failure branch's range gives the fresh value */
	assert_int_equal(xlb_etcd_parse_txn("{\"header\":{\"revision\":\"20\"},\"responses\":[{"
					    "\"response_range\":{\"header\":{},\"kvs\":[{\"key\":"
					    "\"L2s=\",\"value\":\"dw==\",\"mod_revision\":\"19\"}]}}]}",
					    &ok, &rev, &kv, err, sizeof(err)),
			 0);
	assert_false(ok);
	assert_int_equal(kv.mod_revision, 19);
	assert_string_equal(kv.value, "w");
	xlb_etcd_kv_free(&kv);
	assert_int_equal(xlb_etcd_parse_txn("{\"header\":{\"revision\":\"21\"},\"succeeded\":true}",
					    &ok, &rev, &kv, err, sizeof(err)),
			 0);
	assert_true(ok);
	assert_int_equal(rev, 21);

	assert_int_equal(xlb_etcd_parse_lease_grant("{\"header\":{},\"ID\":\"7587\",\"TTL\":\"5\"}",
						    &id, &ttl),
			 0);
	assert_int_equal(id, 7587);
	assert_int_equal(ttl, 5);
	assert_int_equal(xlb_etcd_parse_keepalive("{\"result\":{\"header\":{},\"ID\":\"7587\"}}",
						  &ttl),
			 0);
	assert_int_equal(ttl, 0); /* expired */

	/* a watch stream: two messages, the second split in the middle */
	snprintf(buf, sizeof(buf), "%s\n%s",
		 "{\"result\":{\"header\":{\"revision\":\"5\"},\"created\":true}}",
		 "{\"result\":{\"header\":{\"revision\":\"6\"},\"events\":[{\"kv\":{\"key\":\"L2s=\","
		 "\"value\":\"dg==\",\"mod_revision\":\"6\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":"
		 "\"L2s=\",\"mod_revision\":\"6\"}}]}}");
	used = xlb_etcd_watch_next(buf, strlen(buf), &m, err, sizeof(err));
	assert_true(used > 0);
	assert_true(m.created);
	xlb_etcd_watch_msg_free(&m);
	assert_int_equal(xlb_etcd_watch_next(buf + used, 40, &m, err, sizeof(err)), 0);
	assert_true(xlb_etcd_watch_next(buf + used, strlen(buf) - used, &m, err, sizeof(err)) > 0);
	assert_int_equal(m.n_events, 2);
	assert_int_equal(m.events[0].type, XLB_ETCD_PUT);
	assert_string_equal(m.events[0].kv.value, "v");
	assert_int_equal(m.events[1].type, XLB_ETCD_DELETE);
	xlb_etcd_watch_msg_free(&m);
	assert_int_equal(xlb_etcd_watch_next("{\"error\":{\"message\":\"x\"}}", 25, &m, err,
					     sizeof(err)),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
