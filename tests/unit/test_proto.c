// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Control protocol (userspace/lib/proto.c): request validation, error objects, line framing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "proto.h"

/* Parse line; expect failure with this error code and a message containing want. */
static void expect_reject(const char *line, const char *code, const char *want)
{
	const struct xlb_cmd_spec *spec;
	json_t *args, *err, *e;
	const char *msg;

	assert_int_equal(xlb_proto_parse_request(line, &spec, &args, &err), -EINVAL);
	assert_null(spec);
	assert_null(args);
	assert_non_null(err);
	assert_int_equal(json_integer_value(json_object_get(err, "v")), 1);
	assert_true(json_is_false(json_object_get(err, "ok")));
	e = json_object_get(err, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	msg = json_string_value(json_object_get(e, "message"));
	assert_non_null(msg);
	if (!strstr(msg, want))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", line, msg, want);
	json_decref(err);
}

static void test_reject(void **state)
{
	static const struct {
		const char *line, *code, *want;
	} cases[] = {
	    {"", "bad_request", "not JSON"},
	    {"{", "bad_request", "not JSON"},
	    {"[1,2]", "bad_request", "must be a JSON object"},
	    {"\"status\"", "bad_request", "must be a JSON object"},
	    {"{\"cmd\":\"status\"}", "bad_request", "\"v\""},
	    {"{\"v\":2,\"cmd\":\"status\"}", "unsupported_version", "version 2 is not supported"},
	    {"{\"v\":1,\"cmd\":\"status\",\"arg\":{}}", "bad_request", "unknown request field \"arg\""},
	    {"{\"v\":1,\"cmd\":\"reload\",\"args\":{\"reset\":1}}", "invalid_argument",
	     "must be true or false"},
	    {"{\"v\":\"1\",\"cmd\":\"status\"}", "bad_request", "\"v\""},
	    {"{\"v\":1}", "bad_request", "\"cmd\""},
	    {"{\"v\":1,\"cmd\":7}", "bad_request", "\"cmd\""},
	    {"{\"v\":1,\"cmd\":\"status\",\"cmd\":\"stats\"}", "bad_request", "not JSON"},
	    {"{\"v\":1,\"cmd\":\"frobnicate\"}", "unknown_command", "\"frobnicate\""},
	    {"{\"v\":1,\"cmd\":\"status\",\"args\":[]}", "bad_request", "\"args\" must be an object"},
	    {"{\"v\":1,\"cmd\":\"status\",\"args\":{\"x\":1}}", "invalid_argument",
	     "unknown argument \"x\""},
	    {"{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"service\":\"web\"}}", "invalid_argument",
	     "missing argument \"address\""},
	    {"{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"address\":\"10.0.0.1\"}}",
	     "invalid_argument", "missing argument \"service\""},
	    {"{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"service\":1,\"address\":\"10.0.0.1\"}}",
	     "invalid_argument", "\"service\" must be a string, not an integer"},
	    {"{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"service\":\"\",\"address\":\"10.0.0.1\"}}",
	     "invalid_argument", "\"service\" is empty"},
	    {"{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"service\":\"w\",\"address\":\"a\","
	     "\"weight\":65536}}",
	     "invalid_argument", "\"weight\" must be an integer 0..65535"},
	    {"{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"service\":\"w\",\"address\":\"a\","
	     "\"weight\":-1}}",
	     "invalid_argument", "\"weight\""},
	    {"{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"service\":\"w\",\"address\":\"a\","
	     "\"weight\":1.5}}",
	     "invalid_argument", "\"weight\""},
	    {"{\"v\":1,\"cmd\":\"backend.weight\",\"args\":{\"service\":\"w\",\"address\":\"a\","
	     "\"weight\":\"5\"}}",
	     "invalid_argument", "\"weight\""},
	    {"{\"v\":1,\"cmd\":\"backend.weight\",\"args\":{\"service\":\"w\",\"address\":\"a\"}}",
	     "invalid_argument", "missing argument \"weight\""},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_reject(cases[i].line, cases[i].code, cases[i].want);
}

static void test_accept(void **state)
{
	const struct xlb_cmd_spec *spec;
	json_t *args, *err;

	assert_int_equal(xlb_proto_parse_request("{\"v\":1,\"cmd\":\"status\"}", &spec, &args, &err),
			 0);
	assert_string_equal(spec->name, "status");
	assert_true(json_is_object(args));
	assert_int_equal(json_object_size(args), 0);
	assert_null(err);
	json_decref(args);

	assert_int_equal(xlb_proto_parse_request("{\"v\":1,\"cmd\":\"service.list\",\"args\":null}",
						 &spec, &args, &err),
			 0);
	json_decref(args);

	assert_int_equal(xlb_proto_parse_request(
			     "{\"v\":1,\"cmd\":\"backend.add\",\"args\":{\"service\":\"web\","
			     "\"address\":\"10.0.0.5\",\"weight\":65535}}",
			     &spec, &args, &err),
			 0);
	assert_string_equal(spec->name, "backend.add");
	assert_int_equal(json_integer_value(json_object_get(args, "weight")), 65535);
	assert_string_equal(json_string_value(json_object_get(args, "address")), "10.0.0.5");
	json_decref(args);

	/* every command in the table is accepted without args when it needs none */
	assert_non_null(xlb_proto_find_cmd("reload"));
	assert_non_null(xlb_proto_find_cmd("backend.list"));
	assert_null(xlb_proto_find_cmd("backend"));
}

static void test_messages(void **state)
{
	char code[32], msg[256], *s;
	json_t *m, *r;

	m = xlb_proto_error(XLB_E_NOT_FOUND, "service \"%s\": no backend %s", "web", "10.0.0.9");
	s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"error\":{\"code\":\"not_found\",\"message\":\"service \\\"web\\\": "
			       "no backend 10.0.0.9\"},\"ok\":false,\"v\":1}");
	assert_int_equal(xlb_proto_parse_response(s, &r, code, sizeof(code), msg, sizeof(msg)),
			 -EREMOTEIO);
	assert_null(r);
	assert_string_equal(code, "not_found");
	assert_string_equal(msg, "service \"web\": no backend 10.0.0.9");
	free(s);
	json_decref(m);

	m = xlb_proto_ok(json_pack("{s:i}", "services", 2));
	s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"ok\":true,\"result\":{\"services\":2},\"v\":1}");
	assert_int_equal(xlb_proto_parse_response(s, &r, code, sizeof(code), msg, sizeof(msg)), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "services")), 2);
	json_decref(r);
	free(s);
	json_decref(m);

	m = xlb_proto_request("backend.list", NULL);
	s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"args\":{},\"cmd\":\"backend.list\",\"v\":1}");
	free(s);
	json_decref(m);

	assert_int_equal(xlb_proto_parse_response("nope", &r, code, sizeof(code), msg, sizeof(msg)),
			 -EBADMSG);
	assert_int_equal(xlb_proto_parse_response("{\"v\":1}", &r, code, sizeof(code), msg,
						  sizeof(msg)),
			 -EBADMSG);
	assert_string_equal(xlb_err_code(XLB_E_INTERNAL), "internal");
	assert_string_equal(xlb_err_code(XLB_E_EXISTS), "exists");
	assert_string_equal(xlb_err_code(XLB_E_UNKNOWN_COMMAND), "unknown_command");
	assert_string_equal(xlb_err_code(XLB_E_BUSY), "busy");
}

static void test_linebuf(void **state)
{
	struct xlb_linebuf lb = {0};
	char *line, *big;

	assert_int_equal(xlb_linebuf_next(&lb, &line), 0);
	assert_int_equal(xlb_linebuf_feed(&lb, "ab", 2), 0);
	assert_int_equal(xlb_linebuf_next(&lb, &line), 0);
	assert_int_equal(xlb_linebuf_feed(&lb, "c\r\nd\ne", 6), 0);
	assert_int_equal(xlb_linebuf_next(&lb, &line), 1);
	assert_string_equal(line, "abc");
	free(line);
	assert_int_equal(xlb_linebuf_next(&lb, &line), 1);
	assert_string_equal(line, "d");
	free(line);
	assert_int_equal(xlb_linebuf_next(&lb, &line), 0);
	assert_int_equal(lb.len, 1);
	xlb_linebuf_free(&lb);

	/* a line of exactly the limit (newline included) passes, one more byte does not */
	big = malloc(XLB_PROTO_MAX_LINE + 1);
	memset(big, 'x', XLB_PROTO_MAX_LINE + 1);
	big[XLB_PROTO_MAX_LINE - 1] = '\n';
	assert_int_equal(xlb_linebuf_feed(&lb, big, XLB_PROTO_MAX_LINE), 0);
	assert_int_equal(xlb_linebuf_next(&lb, &line), 1);
	assert_int_equal(strlen(line), XLB_PROTO_MAX_LINE - 1);
	free(line);
	xlb_linebuf_free(&lb);
	big[XLB_PROTO_MAX_LINE - 1] = 'x';
	big[XLB_PROTO_MAX_LINE] = '\n';
	assert_int_equal(xlb_linebuf_feed(&lb, big, XLB_PROTO_MAX_LINE + 1), 0);
	assert_int_equal(xlb_linebuf_next(&lb, &line), -EMSGSIZE);
	xlb_linebuf_free(&lb);
	/* no newline at all: refused once the limit is reached */
	memset(big, 'x', XLB_PROTO_MAX_LINE);
	assert_int_equal(xlb_linebuf_feed(&lb, big, XLB_PROTO_MAX_LINE), 0);
	assert_int_equal(xlb_linebuf_next(&lb, &line), -EMSGSIZE);
	xlb_linebuf_free(&lb);
	free(big);

	/* an answer buffer (lbctl) takes lines far over the request limit */
	lb.max = XLB_PROTO_MAX_RESPONSE;
	big = malloc(4 * XLB_PROTO_MAX_LINE);
	memset(big, 'y', 4 * XLB_PROTO_MAX_LINE);
	big[4 * XLB_PROTO_MAX_LINE - 1] = '\n';
	assert_int_equal(xlb_linebuf_feed(&lb, big, 4 * XLB_PROTO_MAX_LINE), 0);
	assert_int_equal(xlb_linebuf_next(&lb, &line), 1);
	assert_int_equal(strlen(line), 4 * XLB_PROTO_MAX_LINE - 1);
	free(line);
	xlb_linebuf_free(&lb);
	free(big);
}

static void test_socket_round_trip(void **state)
{
	struct xlb_linebuf lb = {0};
	int sv[2];
	char *line;
	json_t *m;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	m = xlb_proto_request("status", NULL);
	assert_int_equal(xlb_proto_send(sv[0], m, 1000), 0);
	assert_int_equal(xlb_proto_send(sv[0], m, 1000), 0);
	json_decref(m);
	assert_int_equal(xlb_proto_recv(sv[1], &lb, &line, 1000), 0);
	assert_string_equal(line, "{\"v\":1,\"cmd\":\"status\",\"args\":{}}");
	free(line);
	assert_int_equal(xlb_proto_recv(sv[1], &lb, &line, 1000), 0);
	free(line);
	/* nothing more: times out */
	assert_int_equal(xlb_proto_recv(sv[1], &lb, &line, 50), -ETIMEDOUT);
	close(sv[0]);
	assert_int_equal(xlb_proto_recv(sv[1], &lb, &line, 1000), -ECONNRESET);
	close(sv[1]);
	xlb_linebuf_free(&lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reject),
	    cmocka_unit_test(test_accept),
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_linebuf),
	    cmocka_unit_test(test_socket_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
