// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_syncookie_cfg.c - the user-space side of SYN cookies
 * (userspace/lib/syncookie.c): syn_cookies: and syn_cookie_secret: in the
 * config (parse, errors, write round trip), the secret's hex form, the
 * `auto` decision's hysteresis, and the cookie function's own properties.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "config_write.h"
#include "syncookie.h"
#include "xlb_syncookie.h"

static const char *const good = "syn_cookie_secret: 00112233445566778899aabbccddeeff\n"
				"services:\n"
				"  - name: web\n"
				"    vip: 10.0.0.1\n"
				"    port: 80\n"
				"    syn_cookies: on\n"
				"    backends: [{address: 10.0.1.1}]\n"
				"  - name: api\n"
				"    vip: 10.0.0.1\n"
				"    port: 443\n"
				"    syn_cookies: auto\n"
				"    backends: [{address: 10.0.1.2}]\n"
				"  - name: plain\n"
				"    vip: 10.0.0.1\n"
				"    port: 8080\n"
				"    backends: [{address: 10.0.1.3}]\n";

static int parse(const char *y, struct xlb_config *cfg, char *err, size_t errlen)
{
	return xlb_config_parse(y, strlen(y), "t.yaml", cfg, err, errlen);
}

static void test_parse_write(void **state)
{
	struct xlb_config cfg = {}, again = {};
	char err[256], *out = NULL;
	static const __u8 want[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

	(void)state;
	if (!xlb_sc_kernel_ok(NULL, 0))
		skip();
	assert_int_equal(parse(good, &cfg, err, sizeof(err)), 0);
	assert_true(cfg.sc_secret_set);
	assert_memory_equal(cfg.sc_secret, want, 16);
	assert_int_equal(cfg.services[0].syn_cookies, XLB_SYN_COOKIES_ON);
	assert_int_equal(cfg.services[1].syn_cookies, XLB_SYN_COOKIES_AUTO);
	assert_int_equal(cfg.services[2].syn_cookies, XLB_SYN_COOKIES_OFF);
	assert_int_equal(xlb_config_write_str(&cfg, 0, &out), 0);
	assert_non_null(strstr(out, "syn_cookie_secret: \"00112233445566778899aabbccddeeff\""));
	assert_non_null(strstr(out, "syn_cookies: auto"));
	assert_int_equal(parse(out, &again, err, sizeof(err)), 0);
	assert_memory_equal(again.sc_secret, want, 16);
	assert_int_equal(again.services[0].syn_cookies, XLB_SYN_COOKIES_ON);
	assert_int_equal(again.services[1].syn_cookies, XLB_SYN_COOKIES_AUTO);
	free(out);
	xlb_config_free(&cfg);
	xlb_config_free(&again);
}

static void test_errors(void **state)
{
	struct xlb_config cfg = {};
	char err[256];

	(void)state;
	assert_int_not_equal(
	    parse("syn_cookie_secret: 0011\nservices: []\n", &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "32 hex digits"));
	xlb_config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_not_equal(parse("services:\n  - name: d\n    vip: 10.0.0.1\n    port: 53\n"
				   "    protocol: udp\n    syn_cookies: on\n",
				   &cfg, err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "syn_cookies"));
	xlb_config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_not_equal(parse("services:\n  - name: d\n    vip: 10.0.0.1\n    port: 80\n"
				   "    syn_cookies: maybe\n",
				   &cfg, err, sizeof(err)),
			     0);
	xlb_config_free(&cfg);
}

static void test_secret_hex(void **state)
{
	__u8 b[16];
	char hex[33];

	(void)state;
	assert_int_equal(xlb_sc_secret_parse("00112233445566778899AABBCCDDEEFF", b), 0);
	xlb_sc_secret_format(b, hex);
	assert_string_equal(hex, "00112233445566778899aabbccddeeff");
	assert_int_not_equal(xlb_sc_secret_parse("00112233445566778899aabbccddeefg", b), 0);
	assert_int_not_equal(xlb_sc_secret_parse("00112233445566778899aabbccddeeff0", b), 0);
}

static void test_auto_hysteresis(void **state)
{
	unsigned int q = 0, i;

	(void)state;
	assert_false(xlb_sc_auto_step(false, &q, 100, 0.1));
	assert_false(xlb_sc_auto_step(false, &q, XLB_SC_AUTO_SYN_RATE * 0.6, 0.1)); /* not yet */
	assert_true(xlb_sc_auto_step(false, &q, XLB_SC_AUTO_SYN_RATE, 0.1));
	assert_true(xlb_sc_auto_step(false, &q, 0, XLB_SC_AUTO_TABLE_FILL));
	/* on: stays on while either is above half of its threshold */
	assert_true(xlb_sc_auto_step(true, &q, XLB_SC_AUTO_SYN_RATE * 0.6, 0.1));
	assert_true(xlb_sc_auto_step(true, &q, 0, XLB_SC_AUTO_TABLE_FILL * 0.6));
	/* and below both, off only after XLB_SC_AUTO_HOLD quiet samples in a row */
	for (i = 1; i < XLB_SC_AUTO_HOLD; i++)
		assert_true(xlb_sc_auto_step(true, &q, XLB_SC_AUTO_SYN_RATE * 0.3, 0.1));
	assert_true(xlb_sc_auto_step(true, &q, XLB_SC_AUTO_SYN_RATE * 0.6, 0.1)); /* resets */
	for (i = 1; i < XLB_SC_AUTO_HOLD; i++)
		assert_true(xlb_sc_auto_step(true, &q, XLB_SC_AUTO_SYN_RATE * 0.4,
					     XLB_SC_AUTO_TABLE_FILL * 0.4));
	assert_false(
	    xlb_sc_auto_step(true, &q, XLB_SC_AUTO_SYN_RATE * 0.4, XLB_SC_AUTO_TABLE_FILL * 0.4));
	assert_int_equal(q, 0);
	/* the runtime state dp_svc.c reads */
	{
		struct xlb_vip_key k = {.port = htons(443), .proto = 6, .family = 4};

		assert_int_equal(xlb_sc_svc_flags(XLB_SYN_COOKIES_AUTO, &k), 0);
		xlb_sc_auto_set(&k, true);
		assert_int_equal(xlb_sc_svc_flags(XLB_SYN_COOKIES_AUTO, &k), XLB_SVC_F_SYNCOOKIE);
		assert_int_equal(xlb_sc_svc_flags(XLB_SYN_COOKIES_OFF, &k), 0);
		xlb_sc_auto_set(&k, false);
		assert_int_equal(xlb_sc_svc_flags(XLB_SYN_COOKIES_AUTO, &k), 0);
		assert_int_equal(xlb_sc_svc_flags(XLB_SYN_COOKIES_ON, &k), XLB_SVC_F_SYNCOOKIE);
	}
}

/* The MAC depends on every input; cookies carry their time and MSS bits. */
static void test_cookie(void **state)
{
	static const __u64 k[2] = {1, 2}, k2[2] = {1, 3};
	struct xlb_flow_key f = {
	    .sport = htons(40000), .dport = htons(80), .proto = 6, .family = 4};
	struct xlb_sc_keys ks = {.cur = {1, 2}, .flags = XLB_SC_F_CUR};
	__u32 c, t = 1000;

	(void)state;
	f.src.a[0] = htonl(0xc0000207);
	f.dst.a[0] = htonl(0x0a000001);
	c = xlb_sc_make(k, &f, htonl(7), t, 5, 0x17);
	assert_int_equal(c >> 30, t & 3);
	assert_int_equal((c >> 27) & 7, 5);
	assert_int_equal(xlb_sc_check(&ks, &f, htonl(7), c, t, 0x17), 5);
	assert_int_equal(xlb_sc_check(&ks, &f, htonl(7), c, t + 2, 0x17), 5);
	assert_int_equal(xlb_sc_check(&ks, &f, htonl(7), c, t + 3, 0x17), -1);
	assert_int_equal(xlb_sc_check(&ks, &f, htonl(8), c, t, 0x17), -1);
	assert_int_equal(xlb_sc_check(&ks, &f, htonl(7), c, t, 0x16), -1);
	assert_int_equal(xlb_sc_check(&ks, &f, htonl(7), c ^ (1u << 27), t, 0x17), -1);
	assert_int_not_equal(c, xlb_sc_make(k2, &f, htonl(7), t, 5, 0x17));
	f.family = 6;
	assert_int_not_equal(c, xlb_sc_make(k, &f, htonl(7), t, 5, 0x17));
}

/* Below the admin role the secret is hidden; what remains fails to load. */
static void test_secret_redact(void **state)
{
	char y[] = "# x\nsyn_cookie_secret: \"00112233445566778899aabbccddeeff\"\nservices: []\n"
		   "other: {syn_cookie_secret :'AABBCCDDEEFF00112233445566778899'}\n"
		   "syn_cookie_secret_not: 1\nsyn_cookie_secret:\n";
	char want[] = "# x\nsyn_cookie_secret: \"********************************\"\nservices: []\n"
		      "other: {syn_cookie_secret :'********************************'}\n"
		      "syn_cookie_secret_not: 1\nsyn_cookie_secret:\n";
	__u8 out[XLB_SC_SECRET_LEN];

	assert_int_equal(xlb_sc_secret_redact(y), 2);
	assert_string_equal(y, want);
	assert_int_equal(xlb_sc_secret_redact(y), 0);
	assert_int_equal(xlb_sc_secret_parse("********************************", out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_write), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_secret_hex),	cmocka_unit_test(test_auto_hysteresis),
	    cmocka_unit_test(test_cookie),	cmocka_unit_test(test_secret_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
