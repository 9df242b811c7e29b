// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* lbctl acl and ratelimit: the source filters (lbd/acl.c, lbd/ratelimit.c, docs/filtering.md). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lbctl.h"
#include "proto.h"

/* lbctl acl list|add|remove [--service S] [allow|deny CIDR] */
static void print_acl_list(const char *scope, const char *list, json_t *arr)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		printf("%-24s %-6s %s\n", scope, list, json_string_value(v));
}

static int do_acl(const struct command *c, char **argv, int argc)
{
	const char *service = NULL, *pos[2];
	bool list = !strcmp(c->words, "acl list");
	json_t *args = json_object(), *r, *v;
	int i, n = 0;
	size_t k;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--service")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lbctl: --service needs a value\n");
				goto usage;
			}
			service = argv[++i];
		} else if (!strncmp(argv[i], "--service=", 10)) {
			service = argv[i] + 10;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "lbctl: %s: unknown option \"%s\"\n", c->words, argv[i]);
			goto usage;
		} else if (!list && n < 2) {
			pos[n++] = argv[i];
		} else {
			fprintf(stderr, "lbctl: %s: unexpected argument \"%s\"\n", c->words, argv[i]);
			goto usage;
		}
	}
	if (service)
		json_object_set_new(args, "service", json_string(service));
	if (list) {
		if (call("acl.list", args, &r))
			return 1;
		if (!r)
			return 0;
		printf("%-24s %-6s %s\n", "SCOPE", "LIST", "PREFIX");
		if (!service)
			print_acl_list("(global)", "deny",
				       json_object_get(json_object_get(r, "global"), "deny"));
		json_array_foreach(json_object_get(r, "services"), k, v) {
			print_acl_list(jstr(v, "name"), "allow", json_object_get(v, "allow"));
			print_acl_list(jstr(v, "name"), "deny", json_object_get(v, "deny"));
		}
		json_decref(r);
		return 0;
	}
	if (n < 2) {
		fprintf(stderr, "lbctl: %s: missing %s\n", c->words, n ? "CIDR" : "allow|deny");
		goto usage;
	}
	if (strcmp(pos[0], "allow") && strcmp(pos[0], "deny")) {
		fprintf(stderr, "lbctl: %s: \"%s\": expected allow or deny\n", c->words, pos[0]);
		goto usage;
	}
	json_object_set_new(args, "list", json_string(pos[0]));
	json_object_set_new(args, "prefix", json_string(pos[1]));
	if (call(!strcmp(c->words, "acl add") ? "acl.add" : "acl.remove", args, &r))
		return 1;
	if (r)
		printf("%s %s: %s %s\n", jstr(r, "scope"), jstr(r, "list"), jstr(r, "prefix"),
		       !strcmp(c->words, "acl add") ? "added" : "removed");
	json_decref(r);
	return 0;
usage:
	json_decref(args);
	command_usage(stderr, c);
	return EXIT_USAGE;
}

/* lbctl ratelimit show|set|clear [--service S] [--rate N --burst N --prefix-v4 N --prefix-v6 N] */
static void print_rl(const char *scope, json_t *rl, const char *from)
{
	if (!json_is_object(rl)) {
		printf("%-24s %-10s %-8s %-8s %-6s %s\n", scope, "-", "-", "-", "-", from);
		return;
	}
	printf("%-24s %-10s %-8s /%-7s /%-5s %s\n", scope, jnum(rl, "new_flows_per_s"),
	       jnum(rl, "burst"), jnum(rl, "prefix_v4"), jnum(rl, "prefix_v6"), from);
}

static int do_ratelimit(const struct command *c, char **argv, int argc)
{
	static const struct {
		const char *opt, *key;
		unsigned long max;
	} opts[] = {
		{ "--rate", "rate", XLB_RATE_MAX },
		{ "--burst", "burst", XLB_BURST_MAX },
		{ "--prefix-v4", "prefix_v4", 32 },
		{ "--prefix-v6", "prefix_v6", 128 },
	};
	const char *cmd = !strcmp(c->words, "ratelimit show")  ? "ratelimit.show"
			  : !strcmp(c->words, "ratelimit set") ? "ratelimit.set"
							       : "ratelimit.clear";
	bool set = !strcmp(cmd, "ratelimit.set");
	json_t *args = json_object(), *r, *v;
	unsigned long x;
	size_t k, j;
	int i;

	for (i = 0; i < argc; i++) {
		const char *val = NULL;

		if (!strcmp(argv[i], "--service")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lbctl: --service needs a value\n");
				goto usage;
			}
			json_object_set_new(args, "service", json_string(argv[++i]));
			continue;
		}
		for (k = 0; set && k < sizeof(opts) / sizeof(opts[0]); k++)
			if (!strcmp(argv[i], opts[k].opt))
				break;
		if (!set || k == sizeof(opts) / sizeof(opts[0])) {
			fprintf(stderr, "lbctl: %s: unknown option or argument \"%s\"\n", c->words,
				argv[i]);
			goto usage;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "lbctl: %s needs a value\n", opts[k].opt);
			goto usage;
		}
		val = argv[++i];
		if (parse_uint_opt(opts[k].opt, val, 0, opts[k].max, &x))
			goto usage;
		json_object_set_new(args, opts[k].key, json_integer(x));
	}
	if (set && !json_object_get(args, "rate")) {
		fprintf(stderr, "lbctl: ratelimit set: missing --rate\n");
		goto usage;
	}
	if (call(cmd, args, &r))
		return 1;
	if (!r)
		return 0;
	if (set || !strcmp(cmd, "ratelimit.clear")) {
		printf("%s: ", jstr(r, "scope"));
		v = json_object_get(r, "rate_limit");
		if (json_is_object(v))
			printf("%s new flows/s, burst %s, per /%s (IPv4), /%s (IPv6)\n",
			       jnum(v, "new_flows_per_s"), jnum(v, "burst"), jnum(v, "prefix_v4"),
			       jnum(v, "prefix_v6"));
		else
			printf("no rate limit\n");
		json_decref(r);
		return 0;
	}
	printf("%-24s %-10s %-8s %-8s %-6s %s\n", "SCOPE", "RATE/S", "BURST", "PER_V4", "PER_V6",
	       "FROM");
	if (!json_object_get(args, "service"))
		print_rl("(global)", json_object_get(r, "global"),
			 json_is_object(json_object_get(r, "global")) ? "global" : "none");
	json_array_foreach(json_object_get(r, "services"), j, v)
		print_rl(jstr(v, "name"), json_object_get(v, "effective"), jstr(v, "from"));
	json_decref(r);
	return 0;
usage:
	json_decref(args);
	command_usage(stderr, c);
	return EXIT_USAGE;
}

static const struct command cmds[] = {
	{ "acl list", "[--service SERVICE]", 0, 2,
	  "List the ACLs: the global deny list and each service's allow and deny lists\n"
	  "(docs/filtering.md). --service shows one service's lists only.",
	  do_acl },
	{ "acl add", "[--service SERVICE] allow|deny CIDR", 2, 4,
	  "Add a source prefix (10.0.0.0/8, 2001:db8::/32 or one address) to the global\n"
	  "deny list, or with --service to that service's allow or deny list. Applied at\n"
	  "once, without a reload; established flows from a denied source are cut. A\n"
	  "service with an allow list accepts only the sources in it. Kept across\n"
	  "restarts (the state file). Admin only.",
	  do_acl },
	{ "acl remove", "[--service SERVICE] allow|deny CIDR", 2, 4,
	  "Remove a prefix from the global deny list or a service's allow or deny list.\n"
	  "Removing a service's last allow entry opens the service to every source.",
	  do_acl },
	{ "ratelimit show", "[--service SERVICE]", 0, 2,
	  "Show the new-flow rate limits: the global one and, per service, the limit in\n"
	  "force (its own, else the global one; FROM says which) (docs/filtering.md).",
	  do_ratelimit },
	{ "ratelimit set", "[--service SERVICE] --rate N [--burst N] [--prefix-v4 N] "
	  "[--prefix-v6 N]", 2, 10,
	  "Set the global rate limit, or with --service that service's: N new flows per\n"
	  "second per source bucket (1..10000000), bursts up to --burst (1..1000000,\n"
	  "default the rate), one bucket per source /--prefix-v4 (0..32, default 32) and\n"
	  "/--prefix-v6 (0..128, default 64). Replaces the whole limit of that scope.\n"
	  "Applied at once, without a reload; established flows are never limited. Kept\n"
	  "across restarts and reloads (the state file) until lbctl reload --reset.\n"
	  "Admin only.",
	  do_ratelimit },
	{ "ratelimit clear", "[--service SERVICE]", 0, 2,
	  "Remove the global rate limit, or with --service that service's own limit (the\n"
	  "service then falls back to the global one). Kept like ratelimit set.",
	  do_ratelimit },
};

const struct cmd_table filter_cmds = CMD_TABLE(cmds);
