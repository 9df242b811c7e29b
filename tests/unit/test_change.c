// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * change.c: the one mutation model of the desired state. Each kind of change
 * is applied to a copy (the original never changes, whatever the outcome),
 * refusals say why in the words of the config parser's checks, and repeats
 * that change nothing are told apart (NOOP).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "addr.h"
#include "cfg_cmp.h"
#include "change.h"
#include "state.h"

static const char yaml[] = "services:\n"
			   "  - name: web\n"
			   "    vip: 10.100.0.10\n"
			   "    port: 80\n"
			   "    backends:\n"
			   "      - address: 10.0.0.11\n"
			   "      - address: 10.0.0.12\n"
			   "        weight: 50\n"
			   "  - name: dns\n"
			   "    vip: 10.100.0.11\n"
			   "    port: 53\n"
			   "    protocol: udp\n"
			   "    backends:\n"
			   "      - address: 10.0.0.21\n"
			   "  - name: nat\n"
			   "    vip: 10.100.0.12\n"
			   "    port: 80\n"
			   "    forwarding: fullnat\n"
			   "    backends:\n"
			   "      - address: 10.0.0.41\n"
			   "        port: 8080\n";

struct fixture {
	struct xlb_config cfg;	    /* the desired state changes are applied to */
	struct xlb_config pristine; /* a copy: cfg must always equal it */
};

static int setup(void **st)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	assert_int_equal(xlb_config_parse(yaml, strlen(yaml), "t.yaml", &f->cfg, err, sizeof(err)),
			 0);
	assert_int_equal(xlb_config_copy(&f->pristine, &f->cfg), 0);
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fixture *f = *st;

	xlb_config_free(&f->cfg);
	xlb_config_free(&f->pristine);
	free(f);
	return 0;
}

static void untouched(const struct fixture *f)
{
	char why[256];
	size_t i, j;

	assert_true(xlb_test_cfg_equal(&f->cfg, &f->pristine, why, sizeof(why)));
	/* cfg_cmp ignores drains: they are state, and a change may set them */
	for (i = 0; i < f->cfg.n_services; i++)
		for (j = 0; j < f->cfg.services[i].n_backends; j++) {
			assert_int_equal(f->cfg.services[i].backends[j].drain,
					 f->pristine.services[i].backends[j].drain);
			assert_int_equal(f->cfg.services[i].backends[j].drain_since_ms,
					 f->pristine.services[i].backends[j].drain_since_ms);
		}
}

/* cmd with args (JSON) applied to f->cfg: the result; *out filled on XLB_CH_OK. */
static enum xlb_change_res apply(struct fixture *f, const char *cmd, const char *args,
				 struct xlb_config *out, char *err, size_t errlen)
{
	json_t *a = json_loads(args, 0, NULL);
	struct xlb_change ch;
	enum xlb_change_res r;

	assert_non_null(a);
	assert_int_equal(xlb_change_from_cmd(cmd, a, 1700000000000LL, &ch, err, errlen), 1);
	json_decref(a);
	err[0] = 0;
	r = xlb_change_apply(&ch, &f->cfg, out, err, errlen);
	xlb_change_free(&ch);
	untouched(f);
	if (r != XLB_CH_OK)
		assert_int_equal(out->n_services, 0); /* nothing half-built is left */
	return r;
}

static const struct xlb_cfg_service *svc(const struct xlb_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

static const struct xlb_cfg_backend *be(const struct xlb_config *c, const char *s, const char *a)
{
	const struct xlb_cfg_service *cs = svc(c, s);
	struct xlb_addr addr;
	__u8 fam;
	size_t i;

	assert_int_equal(xlb_addr_parse(a, &addr, &fam), 0);
	for (i = 0; cs && i < cs->n_backends; i++)
		if (!xlb_addr_cmp(cs->backends[i].family, &cs->backends[i].addr, fam, &addr))
			return &cs->backends[i];
	return NULL;
}

static void test_not_a_change(void **st)
{
	json_t *a = json_object();
	struct xlb_change ch;
	char err[64];

	(void)st;
	assert_int_equal(xlb_change_from_cmd("status", a, 0, &ch, err, sizeof(err)), 0);
	assert_int_equal(xlb_change_from_cmd("backend.list", a, 0, &ch, err, sizeof(err)), 0);
	json_decref(a);
}

static void test_each_kind(void **st)
{
	struct fixture *f = *st;
	struct xlb_config out;
	char err[512];

	assert_int_equal(apply(f, "backend.add", "{\"service\":\"web\",\"address\":\"10.0.0.13\"}",
			       &out, err, sizeof(err)),
			 XLB_CH_OK);
	assert_non_null(be(&out, "web", "10.0.0.13"));
	assert_int_equal(be(&out, "web", "10.0.0.13")->weight, XLB_DEFAULT_WEIGHT);
	xlb_config_free(&out);

	assert_int_equal(apply(f, "backend.remove",
			       "{\"service\":\"web\",\"address\":\"10.0.0.11\"}", &out, err,
			       sizeof(err)),
			 XLB_CH_OK);
	assert_null(be(&out, "web", "10.0.0.11"));
	assert_int_equal(svc(&out, "web")->n_backends, 1);
	xlb_config_free(&out);

	assert_int_equal(apply(f, "backend.weight",
			       "{\"service\":\"web\",\"address\":\"10.0.0.12\",\"weight\":7}", &out,
			       err, sizeof(err)),
			 XLB_CH_OK);
	assert_int_equal(be(&out, "web", "10.0.0.12")->weight, 7);
	xlb_config_free(&out);

	assert_int_equal(apply(f, "backend.drain",
			       "{\"service\":\"web\",\"address\":\"10.0.0.12\"}", &out, err,
			       sizeof(err)),
			 XLB_CH_OK);
	assert_true(be(&out, "web", "10.0.0.12")->drain);
	assert_int_equal(be(&out, "web", "10.0.0.12")->drain_since_ms, 1700000000000LL);
	assert_int_equal(be(&out, "web", "10.0.0.12")->weight, 50); /* weight is kept */
	xlb_config_free(&out);

	assert_int_equal(apply(f, "service.add",
			       "{\"service\":\"api\",\"vip\":\"10.100.0.20\",\"port\":443,"
			       "\"scheduler\":\"sh\",\"table_size\":251}",
			       &out, err, sizeof(err)),
			 XLB_CH_OK);
	assert_non_null(svc(&out, "api"));
	assert_int_equal(svc(&out, "api")->key.port, htons(443));
	assert_int_equal(svc(&out, "api")->sched, XLB_SCHED_SH);
	assert_int_equal(svc(&out, "api")->table_size, 251);
	assert_int_equal(out.n_services, 4);
	xlb_config_free(&out);

	assert_int_equal(
	    apply(f, "service.remove", "{\"service\":\"dns\"}", &out, err, sizeof(err)), XLB_CH_OK);
	assert_null(svc(&out, "dns"));
	assert_int_equal(out.n_services, 2);
	xlb_config_free(&out);

	assert_int_equal(apply(f, "acl.add", "{\"list\":\"deny\",\"prefix\":\"192.0.2.0/24\"}",
			       &out, err, sizeof(err)),
			 XLB_CH_OK);
	assert_int_equal(out.acl.deny.n, 1);
	xlb_config_free(&out);

	assert_int_equal(
	    apply(f, "acl.add",
		  "{\"service\":\"web\",\"list\":\"allow\",\"prefix\":\"198.51.100.0/24\"}", &out,
		  err, sizeof(err)),
	    XLB_CH_OK);
	assert_int_equal(svc(&out, "web")->acl.allow.n, 1);
	xlb_config_free(&out);

	assert_int_equal(apply(f, "ratelimit.set",
			       "{\"service\":\"web\",\"rate\":50,\"burst\":100}", &out, err,
			       sizeof(err)),
			 XLB_CH_OK);
	assert_true(svc(&out, "web")->rate_limit.set);
	assert_int_equal(svc(&out, "web")->rate_limit.rate, 50);
	assert_false(out.rate_limit.set);
	xlb_config_free(&out);
}

/* A change on top of a change: the result of one is the input of the next (the state file replays
 * so). */
static void test_chain(void **st)
{
	struct fixture *f = *st;
	struct xlb_config mid, out;
	char err[512];

	assert_int_equal(apply(f, "backend.drain",
			       "{\"service\":\"web\",\"address\":\"10.0.0.11\"}", &mid, err,
			       sizeof(err)),
			 XLB_CH_OK);
	/* on the drained copy: a second drain keeps the first countdown */
	xlb_config_free(&f->cfg);
	xlb_config_free(&f->pristine);
	f->cfg = mid;
	assert_int_equal(xlb_config_copy(&f->pristine, &f->cfg), 0);
	assert_int_equal(apply(f, "backend.drain",
			       "{\"service\":\"web\",\"address\":\"10.0.0.11\"}", &out, err,
			       sizeof(err)),
			 XLB_CH_NOOP);
	/* a weight change of a draining backend keeps draining */
	assert_int_equal(apply(f, "backend.weight",
			       "{\"service\":\"web\",\"address\":\"10.0.0.11\",\"weight\":5}", &out,
			       err, sizeof(err)),
			 XLB_CH_OK);
	assert_true(be(&out, "web", "10.0.0.11")->drain);
	assert_int_equal(be(&out, "web", "10.0.0.11")->weight, 5);
	xlb_config_free(&out);
	assert_int_equal(apply(f, "backend.undrain",
			       "{\"service\":\"web\",\"address\":\"10.0.0.11\"}", &out, err,
			       sizeof(err)),
			 XLB_CH_OK);
	assert_false(be(&out, "web", "10.0.0.11")->drain);
	xlb_config_free(&out);
}

static void test_noop(void **st)
{
	struct fixture *f = *st;
	struct xlb_config out;
	char err[512];

	assert_int_equal(apply(f, "backend.weight",
			       "{\"service\":\"web\",\"address\":\"10.0.0.12\",\"weight\":50}",
			       &out, err, sizeof(err)),
			 XLB_CH_NOOP);
	assert_int_equal(apply(f, "backend.undrain",
			       "{\"service\":\"web\",\"address\":\"10.0.0.12\"}", &out, err,
			       sizeof(err)),
			 XLB_CH_NOOP);
	assert_int_equal(apply(f, "ratelimit.clear", "{}", &out, err, sizeof(err)), XLB_CH_NOOP);
}

/* Refused changes: the result, the words, and nothing changed (apply() checks). */
static void test_refused(void **st)
{
	static const struct {
		const char *cmd, *args;
		enum xlb_change_res res;
		const char *err;
	} cases[] = {
	    {"backend.add", "{\"service\":\"nope\",\"address\":\"10.0.0.1\"}", XLB_CH_NOT_FOUND,
	     "no service \"nope\""},
	    {"backend.add", "{\"service\":\"web\",\"address\":\"10.0.0.011\"}", XLB_CH_INVALID,
	     "backend \"10.0.0.011\": not an IPv4/IPv6 address"},
	    {"backend.add", "{\"service\":\"web\",\"address\":\"2001:db8::1\"}", XLB_CH_INVALID,
	     "backend \"2001:db8::1\": service \"web\" has an IPv4 VIP"},
	    {"backend.add", "{\"service\":\"web\",\"address\":\"10.0.0.11\"}", XLB_CH_EXISTS,
	     "service \"web\" already has backend 10.0.0.11"},
	    {"backend.add", "{\"service\":\"web\",\"address\":\"10.100.0.10\"}", XLB_CH_INVALID,
	     "address \"10.100.0.10\": is the service's own VIP"},
	    {"backend.add", "{\"service\":\"web\",\"address\":\"10.0.0.13\",\"port\":8080}",
	     XLB_CH_INVALID,
	     "service \"web\": forwarding dsr-l2 delivers to the VIP's port; a backend port needs "
	     "address translation (forwarding: nat or fullnat)"},
	    {"backend.remove", "{\"service\":\"web\",\"address\":\"10.0.0.99\"}", XLB_CH_NOT_FOUND,
	     "service \"web\": no backend 10.0.0.99"},
	    {"backend.drain", "{\"service\":\"web\",\"address\":\"10.0.0.99\"}", XLB_CH_NOT_FOUND,
	     "service \"web\": no backend 10.0.0.99"},
	    {"service.add", "{\"service\":\"web\",\"vip\":\"10.100.0.30\",\"port\":80}",
	     XLB_CH_EXISTS, "service \"web\" already exists"},
	    {"service.add", "{\"service\":\"b a d\",\"vip\":\"10.100.0.30\",\"port\":80}",
	     XLB_CH_INVALID,
	     "service \"b a d\": not a valid name ([A-Za-z0-9_.-], 1..63 characters)"},
	    {"service.add", "{\"service\":\"api\",\"vip\":\"10.100.0.10\",\"port\":80}",
	     XLB_CH_EXISTS, "10.100.0.10:80/tcp is already service \"web\""},
	    {"service.add",
	     "{\"service\":\"api\",\"vip\":\"10.100.0.30\",\"port\":80,"
	     "\"table_size\":100}",
	     XLB_CH_INVALID, "table_size 100: not a prime in 7..1048573 (e.g. 251, 4093, 65537)"},
	    {"service.add",
	     "{\"service\":\"api\",\"vip\":\"10.100.0.30\",\"port\":80,"
	     "\"scheduler\":\"fast\"}",
	     XLB_CH_INVALID, "scheduler \"fast\": expected maglev, sh, rr, wrr or lc"},
	    {"service.remove", "{\"service\":\"nope\"}", XLB_CH_NOT_FOUND, "no service \"nope\""},
	    {"acl.add", "{\"service\":\"web\",\"list\":\"deny\",\"prefix\":\"2001:db8::/32\"}",
	     XLB_CH_INVALID,
	     "2001:db8::/32 is not of the family of service \"web\"'s VIP (it "
	     "would never match)"},
	    {"acl.remove", "{\"list\":\"deny\",\"prefix\":\"192.0.2.0/24\"}", XLB_CH_NOT_FOUND,
	     "192.0.2.0/24 is not in the deny list"},
	    {"ratelimit.set", "{\"service\":\"nope\",\"rate\":5}", XLB_CH_NOT_FOUND,
	     "no service \"nope\""},
	};
	struct fixture *f = *st;
	struct xlb_config out;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum xlb_change_res r =
		    apply(f, cases[i].cmd, cases[i].args, &out, err, sizeof(err));

		if (r != cases[i].res || strcmp(err, cases[i].err))
			fail_msg("%s %s: %d \"%s\", expected %d \"%s\"", cases[i].cmd,
				 cases[i].args, r, err, cases[i].res, cases[i].err);
	}
}

/* A refusal answers with the same protocol code in local and cluster mode. */
static void test_refusal_codes(void **st)
{
	(void)st;
	assert_int_equal(xlb_change_err(XLB_CH_NOT_FOUND), XLB_E_NOT_FOUND);
	assert_int_equal(xlb_change_err(XLB_CH_EXISTS), XLB_E_EXISTS);
	assert_int_equal(xlb_change_err(XLB_CH_INVALID), XLB_E_INVALID_ARGUMENT);
	assert_int_equal(xlb_change_err(XLB_CH_NOMEM), XLB_E_INTERNAL);
	assert_int_equal(xlb_change_err(XLB_CH_FULL), XLB_E_INTERNAL);
}

/*
 * The rules are the config file's: an address the parser refuses in a file
 * is refused as a change, for the same reason (xlb_cfg_check_addr's words).
 */
static void test_same_rules_as_parser(void **st)
{
	static const char bad[] = "services:\n"
				  "  - name: web\n"
				  "    vip: 10.100.0.10\n"
				  "    port: 80\n"
				  "    backends:\n"
				  "      - address: 127.0.0.1\n";
	struct fixture *f = *st;
	struct xlb_config c = {}, out;
	char perr[512], err[512];
	const char *why = "is a loopback address";

	assert_int_equal(xlb_config_parse(bad, strlen(bad), "b.yaml", &c, perr, sizeof(perr)),
			 -EINVAL);
	assert_non_null(strstr(perr, why));
	assert_int_equal(apply(f, "backend.add", "{\"service\":\"web\",\"address\":\"127.0.0.1\"}",
			       &out, err, sizeof(err)),
			 XLB_CH_INVALID);
	assert_non_null(strstr(err, why));
	assert_int_equal(apply(f, "service.add",
			       "{\"service\":\"api\",\"vip\":\"127.0.0.1\",\"port\":80}", &out, err,
			       sizeof(err)),
			 XLB_CH_INVALID);
	assert_non_null(strstr(err, why));
}

/*
 * A run of changes, then a restart: the state file (xlb_state_diff of the
 * file and the result) replayed on the file gives back the same desired
 * state, drains included. Changes and the state file are one model.
 */
static void test_state_file_round_trip(void **st)
{
	static const struct {
		const char *cmd, *args;
	} run[] = {
		{ "backend.add", "{\"service\":\"web\",\"address\":\"10.0.0.13\",\"weight\":30}" },
		{ "backend.remove", "{\"service\":\"web\",\"address\":\"10.0.0.11\"}" },
		{ "backend.drain", "{\"service\":\"web\",\"address\":\"10.0.0.12\"}" },
		{ "service.add", "{\"service\":\"api\",\"vip\":\"10.100.0.20\",\"port\":443}" },
		{ "backend.add", "{\"service\":\"api\",\"address\":\"10.0.0.31\"}" },
		{ "service.remove", "{\"service\":\"dns\"}" },
		{ "acl.add", "{\"list\":\"deny\",\"prefix\":\"192.0.2.0/24\"}" },
		{ "ratelimit.set", "{\"service\":\"web\",\"rate\":50,\"burst\":100}" },
		{ "backend.add", "{\"service\":\"nat\",\"address\":\"10.0.0.42\",\"port\":8081}" },
	};
	struct fixture *f = *st;
	struct xlb_config base, next, replayed;
	char err[512], warn[512], why[256];
	json_t *state;
	size_t i;

	assert_int_equal(xlb_config_copy(&base, &f->cfg), 0);
	for (i = 0; i < sizeof(run) / sizeof(run[0]); i++) {
		if (apply(f, run[i].cmd, run[i].args, &next, err, sizeof(err)) != XLB_CH_OK)
			fail_msg("%s %s: %s", run[i].cmd, run[i].args, err);
		xlb_config_free(&f->cfg);
		xlb_config_free(&f->pristine);
		f->cfg = next;
		assert_int_equal(xlb_config_copy(&f->pristine, &f->cfg), 0);
	}
	state = xlb_state_diff(&base, &f->cfg);
	assert_non_null(state);
	assert_int_equal(xlb_state_apply(state, &base, &replayed, warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	if (!xlb_test_cfg_equal(&replayed, &f->cfg, why, sizeof(why)))
		fail_msg("replayed state differs: %s", why);
	assert_true(be(&replayed, "web", "10.0.0.12")->drain);
	assert_int_equal(be(&replayed, "web", "10.0.0.12")->drain_since_ms, 1700000000000LL);
	assert_int_equal(be(&replayed, "nat", "10.0.0.42")->port, 8081); /* #19 */
	assert_int_equal(be(&replayed, "nat", "10.0.0.41")->port, 8080);
	json_decref(state);
	xlb_config_free(&replayed);
	xlb_config_free(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_a_change),
	    cmocka_unit_test_setup_teardown(test_each_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_noop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test(test_refusal_codes),
	    cmocka_unit_test_setup_teardown(test_same_rules_as_parser, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state_file_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
