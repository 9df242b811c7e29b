// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl backend list|add|remove|weight|drain|undrain: a service's backends
 * (lbd/cmd.c, lbd/drain.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lbctl.h"
#include "proto.h"

void backend_table(json_t *arr, bool with_service)
{
	struct table t = { 10, 0, { "SERVICE", "ADDRESS", "WEIGHT", "ID", "STATE", "FLOWS",
				   "DRAIN_LEFT", "PACKETS", "BYTES", "NEW_FLOWS" },
			   { 0, 0, 1, 1, 0, 1, 1, 1, 1, 1 } };
	json_t *b;
	size_t i;

	json_array_foreach(arr, i, b) {
		char left[32] = "-";
		json_t *d = json_object_get(b, "drain_left_s");

		if (json_is_number(d))
			snprintf(left, sizeof(left), "%.0fs", json_number_value(d));
		table_add(&t, jstr(b, "service"), jstr(b, "address"), jnum(b, "weight"),
			  jnum(b, "id"), jstr(b, "state"), jnum(b, "flows"), left,
			  jnum(b, "packets"), jnum(b, "bytes"), jnum(b, "new_flows"));
	}
	table_print(&t);
}

static int do_backend_list(const struct command *c, char **argv, int argc)
{
	json_t *r, *args = json_object();

	if (argc > 0)
		json_object_set_new(args, "service", json_string(argv[0]));
	if (call("backend.list", args, &r))
		return 1;
	if (!r)
		return 0;
	backend_table(json_object_get(r, "backends"), true);
	json_decref(r);
	return 0;
}

static int do_backend_add(const struct command *c, char **argv, int argc)
{
	json_t *r, *args;
	long w = -1;
	unsigned long port = 0;
	int i, n = 0;
	char *pos[2];

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--weight") || !strcmp(argv[i], "-w")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lbctl: --weight needs a value\n");
				return EXIT_USAGE;
			}
			if (check_weight(argv[++i], &w))
				return EXIT_USAGE;
		} else if (!strncmp(argv[i], "--weight=", 9)) {
			if (check_weight(argv[i] + 9, &w))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--port") || !strncmp(argv[i], "--port=", 7)) {
			const char *v = argv[i][6] ? argv[i] + 7 : (i + 1 < argc ? argv[++i] : NULL);

			if (!v) {
				fprintf(stderr, "lbctl: --port needs a value\n");
				return EXIT_USAGE;
			}
			if (parse_uint_opt("--port", v, 1, 65535, &port))
				return EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "lbctl: backend add: unknown option \"%s\"\n", argv[i]);
			return EXIT_USAGE;
		} else if (n < 2) {
			pos[n++] = argv[i];
		} else {
			fprintf(stderr, "lbctl: backend add: unexpected argument \"%s\"\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (n < 2) {
		fprintf(stderr, "lbctl: backend add: missing %s\nUsage: lbctl backend add %s\n",
			n ? "ADDRESS" : "SERVICE", c->args);
		return EXIT_USAGE;
	}
	if (check_address(pos[1]))
		return EXIT_USAGE;
	args = json_pack("{s:s, s:s}", "service", pos[0], "address", pos[1]);
	if (w >= 0)
		json_object_set_new(args, "weight", json_integer(w));
	if (port)
		json_object_set_new(args, "port", json_integer((json_int_t)port));
	if (call("backend.add", args, &r))
		return 1;
	if (r)
		printf("service %s: added backend %s (weight %s, id %s)\n", jstr(r, "service"),
		       jstr(r, "address"), jnum(r, "weight"), jnum(r, "id"));
	json_decref(r);
	return 0;
}

static int do_backend_remove(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (check_address(argv[1]))
		return EXIT_USAGE;
	if (call("backend.remove", json_pack("{s:s, s:s}", "service", argv[0], "address", argv[1]),
		 &r))
		return 1;
	if (r)
		printf("service %s: removed backend %s\n", jstr(r, "service"), jstr(r, "address"));
	json_decref(r);
	return 0;
}

static int do_backend_weight(const struct command *c, char **argv, int argc)
{
	json_t *r;
	long w;

	if (check_address(argv[1]) || check_weight(argv[2], &w))
		return EXIT_USAGE;
	if (call("backend.weight",
		 json_pack("{s:s, s:s, s:I}", "service", argv[0], "address", argv[1], "weight",
			   (json_int_t)w),
		 &r))
		return 1;
	if (r)
		printf("service %s: backend %s weight %s -> %s\n", jstr(r, "service"),
		       jstr(r, "address"), jnum(r, "old_weight"), jnum(r, "weight"));
	json_decref(r);
	return 0;
}

static int do_backend_drain(const struct command *c, char **argv, int argc)
{
	bool drain = !strcmp(c->words, "backend drain");
	json_t *r;

	if (check_address(argv[1]))
		return EXIT_USAGE;
	if (call(drain ? "backend.drain" : "backend.undrain",
		 json_pack("{s:s, s:s}", "service", argv[0], "address", argv[1]), &r))
		return 1;
	if (r) {
		if (drain)
			printf("service %s: backend %s %s: no new flows; %s established flows, "
			       "released in %.0f s%s\n",
			       jstr(r, "service"), jstr(r, "address"), jstr(r, "state"),
			       jnum(r, "flows"),
			       json_number_value(json_object_get(r, "drain_left_s")),
			       json_is_true(json_object_get(r, "changed")) ? "" : " (already draining)");
		else
			printf("service %s: backend %s %s\n", jstr(r, "service"), jstr(r, "address"),
			       json_is_true(json_object_get(r, "changed")) ? "undrained: takes new flows"
									   : "was not draining");
	}
	json_decref(r);
	return 0;
}

static const struct command cmds[] = {
	{ "backend list", "[SERVICE]", 0, 1,
	  "List backends (of SERVICE, or of all services): address, weight, id, state\n"
	  "(active; idle when the weight is 0; draining; drained), open flows (entries of\n"
	  "the connection table that saw a packet in the last 60 s), time left of a\n"
	  "drain and counters.",
	  do_backend_list },
	{ "backend add", "SERVICE ADDRESS [--weight N] [--port P]", 2, 6,
	  "Add backend ADDRESS (IPv4 or IPv6, same family as the VIP) to SERVICE with\n"
	  "weight N (0..65535, default 100). --port P: the backend's target port\n"
	  "(forwarding nat and fullnat only; default the VIP's port). Takes effect at once.",
	  do_backend_add },
	{ "backend remove", "SERVICE ADDRESS", 2, 2,
	  "Remove backend ADDRESS from SERVICE. Its established flows are moved to\n"
	  "the remaining backends.",
	  do_backend_remove },
	{ "backend weight", "SERVICE ADDRESS N", 3, 3,
	  "Set the weight of backend ADDRESS of SERVICE to N (0..65535). Weight 0 takes\n"
	  "no new flows; established flows stay.",
	  do_backend_weight },
	{ "backend drain", "SERVICE ADDRESS", 2, 2,
	  "Drain backend ADDRESS of SERVICE: no new flows from now on; its established\n"
	  "flows continue until they end or the service's drain_timeout (default 300 s)\n"
	  "passes. Then the backend is released: it keeps its place in the service but\n"
	  "takes no flows, and flows still pinned to it are rescheduled to the other\n"
	  "backends (a TCP connection there is reset). Survives lbd restarts. Draining\n"
	  "again keeps the first countdown.",
	  do_backend_drain },
	{ "backend undrain", "SERVICE ADDRESS", 2, 2,
	  "End the drain of backend ADDRESS of SERVICE (also after its release): it takes\n"
	  "new flows again.",
	  do_backend_drain },
};

const struct cmd_table backend_cmds = CMD_TABLE(cmds);
