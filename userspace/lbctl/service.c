// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* lbctl service list|add|remove|show: services at runtime (lbd/persist.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lbctl.h"
#include "names.h"
#include "proto.h"

static int do_service_list(const struct command *c, char **argv, int argc)
{
	struct table t = { 12, 0, { "NAME", "VIP", "PORT", "PROTO", "SCHED", "FWD", "TABLE",
				   "BACKENDS", "PACKETS", "BYTES", "NEW_FLOWS", "SYN_COOKIES" },
			   { 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0 } };
	json_t *r, *s;
	size_t i;

	if (call("service.list", NULL, &r))
		return 1;
	if (!r)
		return 0;
	json_array_foreach(json_object_get(r, "services"), i, s)
		table_add(&t, jstr(s, "name"), jstr(s, "vip"), jnum(s, "port"), jstr(s, "proto"),
			  jstr(s, "sched"), jstr(s, "fwd"), jnum(s, "table_size"),
			  jnum(s, "backends"), jnum(s, "packets"), jnum(s, "bytes"),
			  jnum(s, "new_flows"), jstr(s, "syn_cookies"));
	table_print(&t);
	json_decref(r);
	return 0;
}

static int do_service_add(const struct command *c, char **argv, int argc)
{
	static const char *const opts[] = { "--proto", "--scheduler", "--forwarding",
					    "--table-size", "--drain-timeout" };
	static const char *const keys[] = { "protocol", "scheduler", "forwarding", "table_size",
					    "drain_timeout" };
	json_t *r, *args = json_object();
	char *pos[3];
	int i, n = 0;
	size_t k;

	for (i = 0; i < argc; i++) {
		const char *val = NULL;

		for (k = 0; k < 5; k++) {
			size_t l = strlen(opts[k]);

			if (!strcmp(argv[i], opts[k])) {
				if (i + 1 >= argc) {
					fprintf(stderr, "lbctl: %s needs a value\n", opts[k]);
					goto usage;
				}
				val = argv[++i];
				break;
			}
			if (!strncmp(argv[i], opts[k], l) && argv[i][l] == '=') {
				val = argv[i] + l + 1;
				break;
			}
		}
		if (k < 5) {
			unsigned long u;

			if (k >= 3) {
				if (parse_uint_opt(opts[k], val, 0, k == 3 ? XLB_MAX_TABLE_SIZE
									 : XLB_MAX_DRAIN_TIMEOUT_S, &u))
					goto usage;
				json_object_set_new(args, keys[k], json_integer(u));
			} else {
				__u8 x;

				if ((k == 0 && xlb_proto_parse(val, &x)) ||
				    (k == 1 && xlb_sched_parse(val, &x)) ||
				    (k == 2 && xlb_fwd_parse(val, &x))) {
					fprintf(stderr, "lbctl: %s \"%s\": not a valid value\n", opts[k],
						val);
					goto usage;
				}
				json_object_set_new(args, keys[k], json_string(val));
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "lbctl: service add: unknown option \"%s\"\n", argv[i]);
			goto usage;
		} else if (n < 3) {
			pos[n++] = argv[i];
		} else {
			fprintf(stderr, "lbctl: service add: unexpected argument \"%s\"\n", argv[i]);
			goto usage;
		}
	}
	if (n < 3) {
		fprintf(stderr, "lbctl: service add: missing %s\nUsage: lbctl service add %s\n",
			n == 0 ? "NAME" : n == 1 ? "VIP" : "PORT", c->args);
		goto usage;
	}
	{
		unsigned long port;

		if (check_address(pos[1]) || parse_uint_opt("PORT", pos[2], 1, 65535, &port))
			goto usage;
		json_object_set_new(args, "service", json_string(pos[0]));
		json_object_set_new(args, "vip", json_string(pos[1]));
		json_object_set_new(args, "port", json_integer(port));
	}
	if (call("service.add", args, &r))
		return 1;
	if (r)
		printf("service %s added: %s:%s/%s (%s, %s, table %s, id %s)\n", jstr(r, "name"),
		       jstr(r, "vip"), jnum(r, "port"), jstr(r, "proto"), jstr(r, "sched"),
		       jstr(r, "fwd"), jnum(r, "table_size"), jnum(r, "id"));
	json_decref(r);
	return 0;
usage:
	json_decref(args);
	return EXIT_USAGE;
}

static int do_service_remove(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("service.remove", json_pack("{s:s}", "service", argv[0]), &r))
		return 1;
	if (r)
		printf("service %s removed (%s:%s/%s)\n", jstr(r, "name"), jstr(r, "vip"),
		       jnum(r, "port"), jstr(r, "proto"));
	json_decref(r);
	return 0;
}

static int do_service_show(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("service.show", json_pack("{s:s}", "service", argv[0]), &r))
		return 1;
	if (!r)
		return 0;
	printf("service:        %s (id %s, from %s)\n", jstr(r, "name"), jnum(r, "id"),
	       jstr(r, "origin"));
	printf("vip:            %s:%s/%s\n", jstr(r, "vip"), jnum(r, "port"), jstr(r, "proto"));
	printf("scheduler:      %s (table %s)\n", jstr(r, "sched"), jnum(r, "table_size"));
	printf("forwarding:     %s\n", jstr(r, "fwd"));
	printf("syn cookies:    %s\n", jstr(r, "syn_cookies"));
	printf("health check:   %s; mode %s\n", jstr(r, "health_check"), jstr(r, "mode"));
	printf("drain timeout:  %ss\n", jnum(r, "drain_timeout"));
	printf("counters:       %s packets, %s bytes, %s new flows\n\n", jnum(r, "packets"),
	       jnum(r, "bytes"), jnum(r, "new_flows"));
	backend_table(json_object_get(r, "backend_list"), true);
	json_decref(r);
	return 0;
}

static const struct command cmds[] = {
	{ "service list", "", 0, 0,
	  "List services: VIP, port, protocol, scheduler, forwarding mode, table size,\n"
	  "number of backends and counters.",
	  do_service_list },
	{ "service add", "NAME VIP PORT [--proto tcp|udp] [--scheduler S] [--forwarding F] "
	  "[--table-size N] [--drain-timeout SECONDS]", 3, 13,
	  "Add a service at runtime: VIP (IPv4 or IPv6), PORT (1..65535), protocol\n"
	  "(default tcp), scheduler (maglev, sh, rr, wrr, lc; default maglev),\n"
	  "forwarding (default dsr-l2), lookup table size (a prime, default 65537) and\n"
	  "drain timeout (default 300 s). No backends yet: add them with backend add.\n"
	  "Everything else takes the config file's defaults: health check tcp (none for\n"
	  "udp), cross_zone true, no panic, no scaling, ACL or rate limit; there are no\n"
	  "options for them: put the service in a config file and lbctl apply it. Kept\n"
	  "across restarts (the state file); lbctl config export shows it as config,\n"
	  "with the settings it really runs with.",
	  do_service_add },
	{ "service remove", "SERVICE", 1, 1,
	  "Remove service NAME and its backends at once (its VIP stops being balanced).\n"
	  "Kept across restarts and reloads until lbctl reload --reset.",
	  do_service_remove },
	{ "service show", "SERVICE", 1, 1,
	  "Show one service: VIP, scheduler, forwarding, health check, active-set mode,\n"
	  "drain timeout, where it comes from (config, runtime, config+runtime), counters\n"
	  "and its backends with their flows and drain state.",
	  do_service_show },
};

const struct cmd_table service_cmds = CMD_TABLE(cmds);
