// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl plan, apply, history, diff, rollback (generations, lbd/apply.c),
 * reload and config export: the desired state as a whole.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "lbctl.h"
#include "plan.h"
#include "proto.h"

static int do_config_export(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("config.export", NULL, &r))
		return 1;
	if (r)
		fputs(jstr(r, "yaml"), stdout);
	json_decref(r);
	return 0;
}

/*
 * FILE's content as request arguments. lbctl reads FILE with the caller's
 * own permissions and sends the text: lbd never opens a path for a client.
 */
static int file_args(const char *path, json_t **args)
{
	char *text, *line, why[128], name[512];
	json_t *j;
	size_t len, i;
	int err;

	err = xlb_read_file(path, 16u << 20, &text, &len);
	if (err) {
		fprintf(stderr, "lbctl: %s: %s\n", path,
			xlb_read_file_why(path, err, 16u << 20, why, sizeof(why)));
		return EXIT_USAGE;
	}
	if (memchr(text, 0, len)) {
		fprintf(stderr, "lbctl: %s: not a text file (contains NUL bytes)\n", path);
		free(text);
		return EXIT_USAGE;
	}
	/* the name only labels the plan: a path that is not UTF-8 goes with '?' for its bytes */
	snprintf(name, sizeof(name), "%s", path);
	j = json_string(name);
	for (i = 0; !j && name[i]; i++)
		if ((unsigned char)name[i] >= 0x80)
			name[i] = '?';
	json_decref(j);
	/* an empty file is a config without services; the protocol refuses "" */
	*args = json_pack("{s:s, s:s}", "yaml", len ? text : "\n", "name", name);
	free(text);
	if (!*args) {
		fprintf(stderr, "lbctl: %s: not a text file (not valid UTF-8)\n", path);
		return EXIT_USAGE;
	}
	line = json_dumps(*args, JSON_COMPACT);
	len = line ? strlen(line) : 0;
	free(line);
	if (len + 256 > XLB_PROTO_MAX_LINE) {
		fprintf(stderr, "lbctl: %s: too large to send (%zu bytes as JSON; a request carries "
			"at most %d): split it, or install it as lbd's config file and run lbctl "
			"reload\n", path, len, XLB_PROTO_MAX_LINE - 256);
		json_decref(*args);
		return EXIT_USAGE;
	}
	return 0;
}

static int do_plan(const struct command *c, char **argv, int argc)
{
	json_t *r, *args;
	int ret;

	if ((ret = file_args(argv[0], &args)))
		return ret;
	if (call("plan", args, &r))
		return 1;
	if (!r)
		return 0;
	if (json_is_true(json_object_get(r, "config_changed")))
		printf("note: %s was edited since lbd loaded it; apply would overwrite it "
		       "(--force)\n", jstr(r, "config"));
	if (json_object_get(r, "generation"))
		printf("plan: %s against the live desired state (generation %s)\n", argv[0],
		       jnum(r, "generation"));
	else
		printf("plan: %s against the live desired state\n", argv[0]);
	xlb_plan_print(stdout, r);
	if (json_is_true(json_object_get(r, "truncated")))
		printf("(per-backend details left out: the plan is too large; --json has the rest)\n");
	json_decref(r);
	return 0;
}

/* [--force] and one optional positional argument. */
static int parse_force(const char *cmd, char **argv, int argc, bool *force, char **pos)
{
	int i;

	*pos = NULL;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f")) {
			*force = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "lbctl: %s: unknown option \"%s\"\n", cmd, argv[i]);
			return -EINVAL;
		} else if (!*pos) {
			*pos = argv[i];
		} else {
			fprintf(stderr, "lbctl: %s: unexpected argument \"%s\"\n", cmd, argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static void print_applied(json_t *r, const char *what)
{
	xlb_plan_print(stdout, r);
	if (json_is_true(json_object_get(r, "unchanged")))
		printf("%s: same content as generation %s; nothing recorded\n", what,
		       jnum(r, "generation"));
	else if (json_integer_value(json_object_get(r, "generation")))
		printf("%s: generation %s is live (%s services); %s replaced\n", what,
		       jnum(r, "generation"), jnum(r, "services_total"), jstr(r, "config"));
	else
		printf("%s: live (%s services; no history kept); %s replaced\n", what,
		       jnum(r, "services_total"), jstr(r, "config"));
}

static int do_apply(const struct command *c, char **argv, int argc)
{
	bool force = false;
	json_t *r, *args;
	char *file;
	int ret;

	if (parse_force("apply", argv, argc, &force, &file))
		return EXIT_USAGE;
	if (!file) {
		fprintf(stderr, "lbctl: apply: missing FILE\n");
		return EXIT_USAGE;
	}
	if ((ret = file_args(file, &args)))
		return ret;
	if (force)
		json_object_set_new(args, "force", json_true());
	if (call("apply", args, &r))
		return 1;
	if (r)
		print_applied(r, "applied");
	json_decref(r);
	return 0;
}

static int parse_gen(const char *what, const char *s, json_int_t *g)
{
	unsigned long v;

	if (parse_uint_opt(what, s, 1, 1UL << 53, &v)) /* generations start at 1 */
		return -EINVAL;
	*g = v;
	return 0;
}

static int do_rollback(const struct command *c, char **argv, int argc)
{
	json_t *r, *args = json_object();
	bool force = false;
	json_int_t g;
	char *pos;

	if (parse_force("rollback", argv, argc, &force, &pos) ||
	    (pos && parse_gen("GENERATION", pos, &g))) {
		json_decref(args);
		return EXIT_USAGE;
	}
	if (pos)
		json_object_set_new(args, "generation", json_integer(g));
	if (force)
		json_object_set_new(args, "force", json_true());
	if (call("rollback", args, &r))
		return 1;
	if (r) {
		printf("rollback: generation %s -> generation %s\n", jnum(r, "previous"),
		       jnum(r, "rolled_back_to"));
		print_applied(r, "rolled back");
	}
	json_decref(r);
	return 0;
}

static int do_history(const struct command *c, char **argv, int argc)
{
	struct table t = { 6, 0, { "GEN", "TIME", "SOURCE", "USER", "FROM", "SUMMARY" },
			   { 1, 0, 0, 0, 1, 0 } };
	json_t *r, *m, *args = json_object();
	json_int_t g;
	size_t i;

	if (argc && parse_gen("GENERATION", argv[0], &g)) {
		json_decref(args);
		return EXIT_USAGE;
	}
	if (argc)
		json_object_set_new(args, "generation", json_integer(g));
	if (call("history", args, &r))
		return 1;
	if (!r)
		return 0;
	if (argc) {
		printf("# generation %s: %s by %s (%s) at %s: %s\n", jnum(r, "generation"),
		       jstr(r, "source"), *jstr(r, "user") ? jstr(r, "user") : jnum(r, "uid"),
		       jstr(r, "name"), jstr(r, "time"), jstr(r, "summary"));
		fputs(jstr(r, "yaml"), stdout);
		json_decref(r);
		return 0;
	}
	json_array_foreach(json_object_get(r, "generations"), i, m) {
		char gen[40], user[96];

		snprintf(gen, sizeof(gen), "%s%s",
			 json_integer_value(json_object_get(m, "generation")) ==
					 json_integer_value(json_object_get(r, "current"))
				 ? "*"
				 : "",
			 jnum(m, "generation"));
		if (json_object_get(m, "uid"))
			snprintf(user, sizeof(user), "%s", *jstr(m, "user") && strcmp(jstr(m, "user"), "-")
				 ? jstr(m, "user") : jnum(m, "uid"));
		else
			snprintf(user, sizeof(user), "-");
		table_add(&t, gen, jstr(m, "time"), jstr(m, "source"), user, jnum(m, "from"),
			  jstr(m, "summary"));
	}
	table_print(&t);
	printf("(%s; the newest %s kept; * = live)\n", jstr(r, "dir"), jnum(r, "keep"));
	json_decref(r);
	return 0;
}

static int do_diff(const struct command *c, char **argv, int argc)
{
	json_t *r, *args = json_object();
	json_int_t a, b;

	if (parse_gen("A", argv[0], &a) || (argc > 1 && parse_gen("B", argv[1], &b))) {
		json_decref(args);
		return EXIT_USAGE;
	}
	json_object_set_new(args, "from", json_integer(a));
	if (argc > 1)
		json_object_set_new(args, "to", json_integer(b));
	if (call("diff", args, &r))
		return 1;
	if (!r)
		return 0;
	printf("diff: generation %s -> generation %s\n", jnum(r, "from"), jnum(r, "to"));
	xlb_plan_print(stdout, r);
	json_decref(r);
	return 0;
}

static int do_reload(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (argc && strcmp(argv[0], "--reset")) {
		fprintf(stderr, "lbctl: reload: unexpected argument \"%s\"\n", argv[0]);
		return EXIT_USAGE;
	}
	if (call("reload", argc ? json_pack("{s:b}", "reset", 1) : NULL, &r))
		return 1;
	if (r)
		printf("reloaded %s: %s services (%s added, %s removed, %s changed, %s unchanged)\n",
		       jstr(r, "config"), jnum(r, "services"), jnum(r, "added"), jnum(r, "removed"),
		       jnum(r, "changed"), jnum(r, "unchanged"));
	json_decref(r);
	return 0;
}

static const struct command cmds[] = {
	{ "config export", "", 0, 0,
	  "Print the live desired state (the config file plus runtime changes) as a\n"
	  "config file that lbd --check-config accepts. Draining is runtime state and\n"
	  "appears only as a comment.",
	  do_config_export },
	{ "reload", "[--reset]", 0, 1,
	  "Reload lbd's config file (like SIGHUP): all or nothing. Runtime changes made\n"
	  "with lbctl (the state file) stay on top of the new file; --reset drops them\n"
	  "and takes the file as it is.",
	  do_reload },
	{ "plan", "FILE", 1, 1,
	  "Show what applying config FILE would change against the live desired state:\n"
	  "services and backends added, removed and changed (field by field, including\n"
	  "runtime overrides apply would drop), other settings, and per changed service\n"
	  "the share of new flows that would go to another backend (from the lookup\n"
	  "tables, every backend assumed healthy). lbctl reads FILE and sends it; errors\n"
	  "name FILE:line: field. Changes nothing.",
	  do_plan },
	{ "apply", "FILE [--force]", 1, 2,
	  "Apply config FILE like a reload, all or nothing: validated fully first, then\n"
	  "programmed; runtime overrides are dropped (drains in progress stay). lbd then\n"
	  "replaces its config file with FILE (atomically), so a reload or restart keeps\n"
	  "it, and records a new generation (lbctl history). Refused if the config file\n"
	  "was edited since lbd loaded it, unless --force.",
	  do_apply },
	{ "history", "[GENERATION]", 0, 1,
	  "List the applied generations of the config (at start, reload, apply and\n"
	  "rollback, when the content changed), newest last, * the live one: time,\n"
	  "source, user, summary. With GENERATION: print its config file.",
	  do_history },
	{ "diff", "A [B]", 1, 2,
	  "Show the changes from generation A to generation B (default: the live one),\n"
	  "as lbctl plan shows them.",
	  do_diff },
	{ "rollback", "[GENERATION] [--force]", 0, 2,
	  "Return to GENERATION (default: the one before the live one) in one step: an\n"
	  "apply of its content, recorded as a new generation.",
	  do_rollback },
};

const struct cmd_table config_cmds = CMD_TABLE(cmds);
