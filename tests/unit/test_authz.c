// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Access control (userspace/lib/authz.c): the role x command x scope matrix, config parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "authz.h"
#include "config.h"
#include "proto.h"

static const char *const ROLES_YAML =
	"services:\n"
	"  - {name: web, vip: 10.100.0.10, port: 80}\n"
	"  - {name: db, vip: 10.100.0.11, port: 5432}\n"
	"roles:\n"
	"  - {role: viewer, users: [vera]}\n"
	"  - {role: operator, users: [otto]}\n"
	"  - {role: admin, users: [ada]}\n"
	"  - {role: operator, users: [sam], services: [web]}\n"
	"  - {role: admin, groups: [netops]}\n"
	"  - {role: viewer, groups: [staff]}\n"
	"  - {role: admin, users: [wendy], services: [web]}\n"
	"  - {role: viewer, users: [wendy]}\n";

static struct xlb_config cfg;

static int setup(void **state)
{
	char err[256];
	int ret = xlb_config_parse(ROLES_YAML, strlen(ROLES_YAML), "t.yaml", &cfg, err, sizeof(err));

	if (ret)
		fail_msg("parse: %s", err);
	return 0;
}

static int teardown(void **state)
{
	xlb_config_free(&cfg);
	return 0;
}

static struct xlb_peer peer(__u32 uid, const char *user, const char *g1, const char *g2)
{
	struct xlb_peer p;

	memset(&p, 0, sizeof(p));
	p.uid = uid;
	p.gid = uid;
	p.pid = 4242;
	if (user)
		strcpy(p.user, user);
	if (g1)
		strcpy(p.groups[p.n_groups++], g1);
	if (g2)
		strcpy(p.groups[p.n_groups++], g2);
	return p;
}

static enum xlb_role need_of(const struct xlb_cmd_spec *c)
{
	return c->role ? c->role : XLB_ROLE_ADMIN;
}

/* Would p be allowed cmd c, with args {"service": svc} when c takes a service? */
static bool allowed(const struct xlb_access *a, const struct xlb_peer *p,
		    const struct xlb_cmd_spec *c, const char *svc)
{
	struct xlb_authz_decision d;
	json_t *args = json_object();
	bool ok;

	if (svc)
		json_object_set_new(args, "service", json_string(svc));
	ok = xlb_authz_request(a, p, c->name, c->role, c->flags, args, &d);
	assert_int_equal(ok, d.allow);
	assert_int_equal(d.need, need_of(c));
	json_decref(args);
	return ok;
}

static void test_parse(void **state)
{
	const struct xlb_grant *g = cfg.access.grants;

	assert_int_equal(cfg.access.n_grants, 8);
	assert_false(cfg.access.root_not_admin);
	assert_int_equal(g[0].role, XLB_ROLE_VIEWER);
	assert_int_equal(g[0].n_users, 1);
	assert_string_equal(g[0].users[0], "vera");
	assert_int_equal(g[3].n_services, 1);
	assert_string_equal(g[3].services[0], "web");
	assert_int_equal(g[4].role, XLB_ROLE_ADMIN);
	assert_int_equal(g[4].n_groups, 1);
	assert_string_equal(g[4].groups[0], "netops");
	assert_int_equal(g[4].line, 9);
}

/* Every command of the protocol table, for every unscoped role: allowed iff role >= need. */
static void test_matrix_unscoped(void **state)
{
	struct {
		struct xlb_peer p;
		enum xlb_role role;
	} who[] = {
		{ peer(1000, "nobody1", "users", NULL), XLB_ROLE_NONE },
		{ peer(1001, "vera", NULL, NULL), XLB_ROLE_VIEWER },
		{ peer(1002, "otto", NULL, NULL), XLB_ROLE_OPERATOR },
		{ peer(1003, "ada", NULL, NULL), XLB_ROLE_ADMIN },
		{ peer(1004, "nina", "users", "netops"), XLB_ROLE_ADMIN }, /* by group */
		{ peer(1005, "stan", "staff", NULL), XLB_ROLE_VIEWER },
		{ peer(0, "root", "root", NULL), XLB_ROLE_ADMIN },
		{ peer(1006, "", "staff", NULL), XLB_ROLE_VIEWER }, /* no user name: groups still count */
	};
	const struct xlb_cmd_spec *c;
	size_t i, n = 0;

	for (c = xlb_proto_cmds; c->name; c++, n++) {
		for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
			bool want = who[i].role >= need_of(c);

			if (allowed(&cfg.access, &who[i].p, c, "web") != want ||
			    allowed(&cfg.access, &who[i].p, c, NULL) != want)
				fail_msg("%s by uid %u (%s, role %s): want %s", c->name, who[i].p.uid,
					 who[i].p.user, xlb_role_name(who[i].role),
					 want ? "allow" : "deny");
		}
	}
	assert_true(n >= 10);
}

/* The roles in the table are the documented ones (docs/access.md). */
static void test_table_roles(void **state)
{
	static const struct {
		const char *cmd;
		enum xlb_role need;
		bool readonly, scoped;
	} want[] = {
		{ "status", XLB_ROLE_VIEWER, true, false },
		{ "service.list", XLB_ROLE_VIEWER, true, false },
		{ "backend.list", XLB_ROLE_VIEWER, true, true },
		{ "stats", XLB_ROLE_VIEWER, true, false },
		{ "health", XLB_ROLE_VIEWER, true, true },
		{ "audit", XLB_ROLE_VIEWER, true, false },
		{ "backend.weight", XLB_ROLE_OPERATOR, false, true },
		{ "backend.add", XLB_ROLE_ADMIN, false, true },
		{ "backend.remove", XLB_ROLE_ADMIN, false, true },
		{ "reload", XLB_ROLE_ADMIN, false, false },
	};
	const struct xlb_cmd_spec *c;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		c = xlb_proto_find_cmd(want[i].cmd);
		if (!c)
			fail_msg("no command %s", want[i].cmd);
		assert_int_equal(need_of(c), want[i].need);
		assert_int_equal(!!(c->flags & XLB_CMD_READONLY), want[i].readonly);
		assert_int_equal(!!(c->flags & XLB_CMD_SCOPED), want[i].scoped);
	}
	/* every change is audited: a command that needs more than viewer is never read-only */
	for (c = xlb_proto_cmds; c->name; c++)
		if (need_of(c) > XLB_ROLE_VIEWER && (c->flags & XLB_CMD_READONLY))
			fail_msg("%s needs %s but is marked read-only (not audited)", c->name,
				 xlb_role_name(need_of(c)));
}

/* A command row that says nothing (added later, not listed) is admin-only. */
static void test_unlisted_is_admin(void **state)
{
	static const struct xlb_arg_spec no_args[] = { { NULL } };
	const struct xlb_cmd_spec fresh = { "frobnicate.all", no_args };
	struct xlb_peer otto = peer(1002, "otto", NULL, NULL), ada = peer(1003, "ada", NULL, NULL);
	struct xlb_peer sam = peer(1010, "sam", NULL, NULL);

	assert_false(allowed(&cfg.access, &otto, &fresh, NULL));
	assert_true(allowed(&cfg.access, &ada, &fresh, NULL));
	/* not scoped: a service argument does not let a scoped grant in */
	assert_false(allowed(&cfg.access, &sam, &fresh, "web"));
	/* out-of-range roles are treated as admin */
	{
		struct xlb_authz_decision d;

		assert_false(xlb_authz_check(&cfg.access, &otto, (enum xlb_role)77, NULL, &d));
		assert_int_equal(d.need, XLB_ROLE_ADMIN);
	}
}

/* sam is operator of web only; wendy is admin of web and viewer everywhere. */
static void test_scoped(void **state)
{
	struct xlb_peer sam = peer(1010, "sam", NULL, NULL), wendy = peer(1011, "wendy", NULL, NULL);
	const struct xlb_cmd_spec *c;

	for (c = xlb_proto_cmds; c->name; c++) {
		bool scoped = c->flags & XLB_CMD_SCOPED;
		enum xlb_role need = need_of(c);

		/* sam: operator rights on web, nothing elsewhere, nothing node-wide */
		if (allowed(&cfg.access, &sam, c, "web") != (scoped && need <= XLB_ROLE_OPERATOR))
			fail_msg("sam %s web", c->name);
		if (allowed(&cfg.access, &sam, c, "db"))
			fail_msg("sam %s db allowed", c->name);
		if (allowed(&cfg.access, &sam, c, NULL))
			fail_msg("sam %s (node-wide) allowed", c->name);
		/* wendy: admin on web, viewer elsewhere */
		if (allowed(&cfg.access, &wendy, c, "web") !=
		    (scoped ? true : need <= XLB_ROLE_VIEWER))
			fail_msg("wendy %s web", c->name);
		if (allowed(&cfg.access, &wendy, c, "db") != (need <= XLB_ROLE_VIEWER))
			fail_msg("wendy %s db", c->name);
	}
	/* a scoped grant never matches a missing or empty service */
	assert_int_equal(xlb_authz_role(&cfg.access, &sam, NULL, NULL), XLB_ROLE_NONE);
	assert_int_equal(xlb_authz_role(&cfg.access, &sam, "", NULL), XLB_ROLE_NONE);
	assert_int_equal(xlb_authz_role(&cfg.access, &sam, "web", NULL), XLB_ROLE_OPERATOR);
	assert_int_equal(xlb_authz_role(&cfg.access, &sam, "WEB", NULL), XLB_ROLE_NONE);
}

static void test_root(void **state)
{
	struct xlb_peer root = peer(0, "root", "root", NULL);
	struct xlb_access a;

	assert_int_equal(xlb_authz_role(&cfg.access, &root, NULL, NULL), XLB_ROLE_ADMIN);
	assert_int_equal(xlb_authz_role(NULL, &root, NULL, NULL), XLB_ROLE_ADMIN);
	assert_int_equal(xlb_access_copy(&a, &cfg.access), 0);
	a.root_not_admin = true;
	assert_int_equal(xlb_authz_role(&a, &root, NULL, NULL), XLB_ROLE_NONE);
	/* ... then root is an ordinary user: its groups count */
	strcpy(root.groups[1], "staff");
	root.n_groups = 2;
	assert_int_equal(xlb_authz_role(&a, &root, NULL, NULL), XLB_ROLE_VIEWER);
	xlb_access_free(&a);
	/* no peer, no grants */
	assert_int_equal(xlb_authz_role(&cfg.access, NULL, NULL, NULL), XLB_ROLE_NONE);
}

/* Names match exactly: no prefix, no case folding, an empty name matches nothing. */
static void test_names(void **state)
{
	struct xlb_peer p;

	p = peer(2000, "ad", NULL, NULL);
	assert_int_equal(xlb_authz_role(&cfg.access, &p, NULL, NULL), XLB_ROLE_NONE);
	p = peer(2000, "ADA", NULL, NULL);
	assert_int_equal(xlb_authz_role(&cfg.access, &p, NULL, NULL), XLB_ROLE_NONE);
	p = peer(2000, "netops", NULL, NULL); /* a user named like a group is not in it */
	assert_int_equal(xlb_authz_role(&cfg.access, &p, NULL, NULL), XLB_ROLE_NONE);
	p = peer(2000, "", "", NULL);
	assert_int_equal(xlb_authz_role(&cfg.access, &p, NULL, NULL), XLB_ROLE_NONE);
	p = peer(2000, "x", "ada", NULL); /* a group named like a user is not that user */
	assert_int_equal(xlb_authz_role(&cfg.access, &p, NULL, NULL), XLB_ROLE_NONE);
}

static void test_message(void **state)
{
	struct xlb_peer vera = peer(1001, "vera", NULL, NULL), sam = peer(1010, "sam", NULL, NULL);
	struct xlb_peer anon = peer(3000, "", NULL, NULL);
	struct xlb_authz_decision d;
	char m[512];

	assert_false(xlb_authz_check(&cfg.access, &vera, XLB_ROLE_OPERATOR, "web", &d));
	xlb_authz_message(&d, "backend.weight", &vera, m, sizeof(m));
	assert_non_null(strstr(m, "permission denied: backend.weight needs role operator"));
	assert_non_null(strstr(m, "for service \"web\""));
	assert_non_null(strstr(m, "uid 1001 (vera)"));
	assert_non_null(strstr(m, "only viewer"));

	assert_false(xlb_authz_check(&cfg.access, &sam, XLB_ROLE_OPERATOR, "db", &d));
	xlb_authz_message(&d, "backend.weight", &sam, m, sizeof(m));
	assert_non_null(strstr(m, "for service \"db\""));
	assert_non_null(strstr(m, "roles only for other services"));

	assert_false(xlb_authz_check(&cfg.access, &anon, XLB_ROLE_VIEWER, NULL, &d));
	xlb_authz_message(&d, "status", &anon, m, sizeof(m));
	assert_non_null(strstr(m, "status needs role viewer or higher for all services"));
	assert_non_null(strstr(m, "uid 3000 has no role"));

	assert_false(xlb_authz_check(&cfg.access, &vera, XLB_ROLE_ADMIN, NULL, &d));
	xlb_authz_message(&d, "reload", &vera, m, sizeof(m));
	assert_non_null(strstr(m, "reload needs role admin for all services"));
}

static void test_role_names(void **state)
{
	enum xlb_role r;

	assert_int_equal(xlb_role_parse("viewer", &r), 0);
	assert_int_equal(r, XLB_ROLE_VIEWER);
	assert_int_equal(xlb_role_parse("admin", &r), 0);
	assert_int_equal(r, XLB_ROLE_ADMIN);
	assert_int_equal(xlb_role_parse("none", &r), -EINVAL);
	assert_int_equal(xlb_role_parse("Admin", &r), -EINVAL);
	assert_int_equal(xlb_role_parse(NULL, &r), -EINVAL);
	assert_string_equal(xlb_role_name(XLB_ROLE_OPERATOR), "operator");
	assert_string_equal(xlb_role_name(XLB_ROLE_NONE), "none");
}

/* control: and audit: sections, and a deep copy of the config keeps the roles. */
static void test_config_sections(void **state)
{
	static const char *y = "control: {socket_group: xlbops, socket_mode: \"0640\", root_is_admin: false}\n"
			       "audit: {file: /var/log/xlb/audit.log}\n"
			       "roles:\n"
			       "  - role: operator\n"
			       "    groups: [oncall, sre]\n";
	struct xlb_config c2;
	char err[256];

	if (xlb_config_parse(y, strlen(y), "t.yaml", &c2, err, sizeof(err)))
		fail_msg("parse: %s", err);
	assert_string_equal(c2.socket_group, "xlbops");
	assert_true(c2.socket_mode_set);
	assert_int_equal(c2.socket_mode, 0640);
	assert_true(c2.access.root_not_admin);
	assert_string_equal(c2.audit_file, "/var/log/xlb/audit.log");
	assert_int_equal(c2.access.n_grants, 1);
	assert_int_equal(c2.access.grants[0].n_groups, 2);
	assert_string_equal(c2.access.grants[0].groups[1], "sre");
	xlb_config_free(&c2);
	assert_null(c2.access.grants);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_matrix_unscoped),
		cmocka_unit_test(test_table_roles),
		cmocka_unit_test(test_unlisted_is_admin),
		cmocka_unit_test(test_scoped),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_config_sections),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
