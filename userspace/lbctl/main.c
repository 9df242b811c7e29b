// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl - the xlb command line: talks to lbd over its control socket
 * (docs/control.md). Arguments are checked here first, so a mistake is
 * reported (exit 2) without contacting lbd; lbd's own refusals exit 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "proto.h"

#define EXIT_USAGE 2

static const char *sock_path = XLB_DEFAULT_SOCKET;
static int json_out;

static const char *const stat_names[XLB_STAT_MAX][2] = {
#define XLB_STAT_NAME(e, name, help) [XLB_STAT_##e] = { name, help },
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

struct command {
	const char *words; /* "backend add" */
	const char *args; /* for usage */
	int min_args, max_args; /* positional, after the words */
	const char *help;
	int (*run)(const struct command *c, char **argv, int argc);
};

/* ---- output ---- */

#define MAX_COLS 12

struct table {
	int ncols, nrows;
	const char *head[MAX_COLS];
	bool right[MAX_COLS]; /* numbers align right */
	char **cells; /* nrows * ncols, malloc'd strings */
};

static void table_add(struct table *t, ...)
{
	va_list ap;
	int i;

	t->cells = realloc(t->cells, (size_t)(t->nrows + 1) * t->ncols * sizeof(char *));
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = strdup(va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

static void table_print(struct table *t)
{
	int w[MAX_COLS], r, c;

	for (c = 0; c < t->ncols; c++)
		w[c] = strlen(t->head[c]);
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((int)strlen(t->cells[r * t->ncols + c]) > w[c])
				w[c] = strlen(t->cells[r * t->ncols + c]);
	for (r = -1; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = r < 0 ? t->head[c] : t->cells[r * t->ncols + c];
			const char *sep = c + 1 < t->ncols ? "  " : "";

			if (c + 1 == t->ncols && !t->right[c])
				printf("%s", s);
			else
				printf(t->right[c] ? "%*s%s" : "%-*s%s", w[c], s, sep);
		}
		printf("\n");
	}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

/* Integer field as text in buf (one of a few rotating buffers). */
static const char *jnum(json_t *o, const char *k)
{
	static char bufs[16][32];
	static int next;
	char *b = bufs[next++ % 16];
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		snprintf(b, 32, "%lld", (long long)json_integer_value(v));
	else
		snprintf(b, 32, "-");
	return b;
}

static void print_json(json_t *r)
{
	json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("\n");
}

/* ---- calling lbd ---- */

static int call(const char *cmd, json_t *args, json_t **result)
{
	char err[1024];
	int ret;

	ret = xlb_proto_call(sock_path, cmd, args, result, err, sizeof(err), XLB_PROTO_TIMEOUT_MS);
	if (ret) {
		fprintf(stderr, "lbctl: %s\n", err);
		return 1;
	}
	if (json_out) {
		print_json(*result);
		json_decref(*result);
		*result = NULL;
	}
	return 0;
}

/* ---- argument checks (exit 2) ---- */

static int check_address(const char *s)
{
	struct xlb_addr a;
	__u8 f;

	if (xlb_addr_parse(s, &a, &f)) {
		fprintf(stderr, "lbctl: ADDRESS \"%s\": not an IPv4/IPv6 address\n", s);
		return -EINVAL;
	}
	return 0;
}

static int check_weight(const char *s, long *w)
{
	char *end;

	errno = 0;
	*w = strtol(s, &end, 10);
	if (!*s || *end || errno || *w < 0 || *w > XLB_MAX_WEIGHT) {
		fprintf(stderr, "lbctl: weight \"%s\": expected an integer 0..%d\n", s,
			XLB_MAX_WEIGHT);
		return -EINVAL;
	}
	return 0;
}

/* ---- commands ---- */

static int run_status(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("status", NULL, &r))
		return 1;
	if (!r)
		return 0;
	printf("interface:    %s (ifindex %s)\n", jstr(r, "iface"), jnum(r, "ifindex"));
	printf("attach mode:  %s%s\n", jstr(r, "attach_mode"),
	       json_is_true(json_object_get(r, "adopted")) ? " (took over a running data path)" : "");
	printf("pin dir:      %s\n", jstr(r, "pin_dir"));
	printf("config:       %s\n", jstr(r, "config"));
	printf("socket:       %s\n", jstr(r, "socket"));
	printf("services:     %s\n", jnum(r, "services"));
	printf("uptime:       %ss\n", jnum(r, "uptime_s"));
	json_decref(r);
	return 0;
}

static int run_service_list(const struct command *c, char **argv, int argc)
{
	struct table t = { 11, 0, { "NAME", "VIP", "PORT", "PROTO", "SCHED", "FWD", "TABLE",
				   "BACKENDS", "PACKETS", "BYTES", "NEW_FLOWS" },
			   { 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1 } };
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
			  jnum(s, "new_flows"));
	table_print(&t);
	json_decref(r);
	return 0;
}

static void backend_table(json_t *arr, bool with_service)
{
	struct table t = { 8, 0, { "SERVICE", "ADDRESS", "WEIGHT", "ID", "STATE", "PACKETS",
				  "BYTES", "NEW_FLOWS" },
			   { 0, 0, 1, 1, 0, 1, 1, 1 } };
	json_t *b;
	size_t i;

	json_array_foreach(arr, i, b)
		table_add(&t, jstr(b, "service"), jstr(b, "address"), jnum(b, "weight"),
			  jnum(b, "id"), jstr(b, "state"), jnum(b, "packets"), jnum(b, "bytes"),
			  jnum(b, "new_flows"));
	table_print(&t);
}

static int run_backend_list(const struct command *c, char **argv, int argc)
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

static int run_backend_add(const struct command *c, char **argv, int argc)
{
	json_t *r, *args;
	long w = -1;
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
	if (call("backend.add", args, &r))
		return 1;
	if (r)
		printf("service %s: added backend %s (weight %s, id %s)\n", jstr(r, "service"),
		       jstr(r, "address"), jnum(r, "weight"), jnum(r, "id"));
	json_decref(r);
	return 0;
}

static int run_backend_remove(const struct command *c, char **argv, int argc)
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

static int run_backend_weight(const struct command *c, char **argv, int argc)
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

static int run_stats(const struct command *c, char **argv, int argc)
{
	struct table g = { 3, 0, { "COUNTER", "PACKETS", "MEANING" }, { 0, 1, 0 } };
	json_t *r, *glob, *s, *arr;
	size_t i;

	if (call("stats", NULL, &r))
		return 1;
	if (!r)
		return 0;
	glob = json_object_get(r, "global");
	for (i = 0; i < XLB_STAT_MAX; i++)
		table_add(&g, stat_names[i][0], jnum(glob, stat_names[i][0]), stat_names[i][1]);
	table_print(&g);
	arr = json_object_get(r, "services");
	if (json_array_size(arr)) {
		struct table t = { 5, 0, { "SERVICE", "ID", "PACKETS", "BYTES", "NEW_FLOWS" },
				   { 0, 1, 1, 1, 1 } };
		json_t *bes = json_array();

		json_array_foreach(arr, i, s) {
			table_add(&t, jstr(s, "name"), jnum(s, "id"), jnum(s, "packets"),
				  jnum(s, "bytes"), jnum(s, "new_flows"));
			json_array_extend(bes, json_object_get(s, "backend_list"));
		}
		printf("\n");
		table_print(&t);
		if (json_array_size(bes)) {
			printf("\n");
			backend_table(bes, true);
		}
		json_decref(bes);
	}
	json_decref(r);
	return 0;
}

static const char *fmt_num(json_t *o, const char *k, const char *fmt)
{
	static char bufs[8][32];
	static int next;
	char *b = bufs[next++ % 8];
	json_t *v = json_object_get(o, k);

	if (!json_is_number(v))
		return "-";
	snprintf(b, 32, fmt, json_number_value(v));
	return b;
}

static int run_health(const struct command *c, char **argv, int argc)
{
	json_t *r, *s, *b, *args = json_object();
	size_t i, j;

	if (argc > 0)
		json_object_set_new(args, "service", json_string(argv[0]));
	if (call("health", args, &r))
		return 1;
	if (!r)
		return 0;
	json_array_foreach(json_object_get(r, "services"), i, s) {
		struct table t = { 12, 0, { "ADDRESS", "ZONE", "BACKUP", "STATE", "SINCE", "LAST",
					    "LATENCY", "OK", "FAIL", "WEIGHT", "EFFECTIVE",
					    "USABLE" },
				   { 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0 } };
		json_t *chk = json_object_get(s, "check");

		printf("%sservice %s: mode %s; check %s port %s", i ? "\n" : "", jstr(s, "name"),
		       jstr(s, "mode"), jstr(chk, "type"), jnum(chk, "port"));
		if (!strcmp(jstr(chk, "type"), "http"))
			printf(" GET %s expect %s", jstr(chk, "path"), jstr(chk, "expect"));
		printf(", every %s ms (timeout %s, rise %s, fall %s)\n", jnum(chk, "interval_ms"),
		       jnum(chk, "timeout_ms"), jnum(chk, "rise"), jnum(chk, "fall"));
		json_array_foreach(json_object_get(s, "backends"), j, b) {
			char since[32];

			snprintf(since, sizeof(since), "%ss", fmt_num(b, "since_s", "%.1f"));
			table_add(&t, jstr(b, "address"), *jstr(b, "zone") ? jstr(b, "zone") : "-",
				  json_is_true(json_object_get(b, "backup")) ? "yes" : "no",
				  jstr(b, "state"), since, jstr(b, "last_result"),
				  fmt_num(b, "last_latency_ms", "%.2fms"), jnum(b, "successes"),
				  jnum(b, "failures"), jnum(b, "weight"),
				  jnum(b, "effective_weight"),
				  json_is_true(json_object_get(b, "usable")) ? "yes" : "no");
		}
		table_print(&t);
	}
	json_decref(r);
	return 0;
}

static int run_reload(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("reload", NULL, &r))
		return 1;
	if (r)
		printf("reloaded %s: %s services (%s added, %s removed, %s changed, %s unchanged)\n",
		       jstr(r, "config"), jnum(r, "services"), jnum(r, "added"), jnum(r, "removed"),
		       jnum(r, "changed"), jnum(r, "unchanged"));
	json_decref(r);
	return 0;
}

static const struct command commands[] = {
	{ "status", "", 0, 0, "Show the interface, attach mode, pin directory, uptime and config of lbd.",
	  run_status },
	{ "service list", "", 0, 0,
	  "List services: VIP, port, protocol, scheduler, forwarding mode, table size,\n"
	  "number of backends and counters.",
	  run_service_list },
	{ "backend list", "[SERVICE]", 0, 1,
	  "List backends (of SERVICE, or of all services): address, weight, id, state\n"
	  "(active, or idle when the weight is 0) and counters.",
	  run_backend_list },
	{ "backend add", "SERVICE ADDRESS [--weight N]", 2, 4,
	  "Add backend ADDRESS (IPv4 or IPv6, same family as the VIP) to SERVICE with\n"
	  "weight N (0..65535, default 100). Takes effect at once.",
	  run_backend_add },
	{ "backend remove", "SERVICE ADDRESS", 2, 2,
	  "Remove backend ADDRESS from SERVICE. Its established flows are moved to\n"
	  "the remaining backends.",
	  run_backend_remove },
	{ "backend weight", "SERVICE ADDRESS N", 3, 3,
	  "Set the weight of backend ADDRESS of SERVICE to N (0..65535). Weight 0 takes\n"
	  "no new flows; established flows stay.",
	  run_backend_weight },
	{ "stats", "", 0, 0,
	  "Show the global packet counters by reason, then per service and per backend.",
	  run_stats },
	{ "health", "[SERVICE]", 0, 1,
	  "Show health checks (of SERVICE, or all): each service's mode (normal, spill,\n"
	  "backup, panic, fail-closed, down) and per backend its state (up/down), time\n"
	  "since the last change, last probe result and latency, consecutive successes\n"
	  "and failures, zone, backup flag, configured and effective weight, and whether\n"
	  "it may keep established flows (usable).",
	  run_health },
	{ "reload", "", 0, 0,
	  "Reload lbd's config file (like SIGHUP): all or nothing. Runtime changes made\n"
	  "with lbctl are replaced by the file's content.",
	  run_reload },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: lbctl [-s|--socket PATH] [--json] COMMAND [ARGS]\n"
		   "\n"
		   "Control a running lbd (the xlb load balancer agent).\n"
		   "\n"
		   "Options:\n"
		   "  -s, --socket PATH  lbd's control socket (default " XLB_DEFAULT_SOCKET ")\n"
		   "      --json         print lbd's answer as JSON instead of a table\n"
		   "  -h, --help         this text; COMMAND --help describes COMMAND\n"
		   "\n"
		   "Commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s %s\n", commands[i].words, commands[i].args);
	fprintf(f, "\nExit status: 0 done, 1 lbd refused or could not be reached, 2 bad usage.\n");
}

static void command_usage(FILE *f, const struct command *c)
{
	fprintf(f, "Usage: lbctl [-s PATH] [--json] %s %s\n\n%s\n", c->words, c->args, c->help);
}

/* Does argv start with the words of c? Returns how many argv entries matched. */
static int match(const struct command *c, char **argv, int argc)
{
	char buf[64], *w, *save;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", c->words);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save), n++)
		if (n >= argc || strcmp(argv[n], w))
			return 0;
	return n;
}

int main(int argc, char **argv)
{
	const struct command *c = NULL;
	int i, n = 0, j;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--socket")) {
			if (++i >= argc) {
				fprintf(stderr, "lbctl: %s needs a PATH\n", argv[i - 1]);
				return EXIT_USAGE;
			}
			sock_path = argv[i];
		} else if (!strncmp(argv[i], "--socket=", 9)) {
			sock_path = argv[i] + 9;
		} else if (!strcmp(argv[i], "--json")) {
			json_out = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "lbctl: unknown option \"%s\"\n", argv[i]);
			return EXIT_USAGE;
		} else {
			break;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (j = 0; j < (int)N_COMMANDS && !c; j++)
		if ((n = match(&commands[j], argv + i, argc - i)))
			c = &commands[j];
	if (!c) {
		for (j = 0; j < (int)N_COMMANDS; j++)
			if (!strncmp(commands[j].words, argv[i], strlen(argv[i])) &&
			    commands[j].words[strlen(argv[i])] == ' ') {
				fprintf(stderr, "lbctl: %s: missing or unknown subcommand \"%s\"\n",
					argv[i], i + 1 < argc ? argv[i + 1] : "");
				return EXIT_USAGE;
			}
		fprintf(stderr, "lbctl: unknown command \"%s\" (lbctl --help lists them)\n", argv[i]);
		return EXIT_USAGE;
	}
	argv += i + n;
	argc -= i + n;
	for (j = 0; j < argc; j++) {
		if (!strcmp(argv[j], "-h") || !strcmp(argv[j], "--help")) {
			command_usage(stdout, c);
			return 0;
		}
		if (!strcmp(argv[j], "--json")) { /* also accepted after the command */
			json_out = 1;
			memmove(argv + j, argv + j + 1, (argc - j - 1) * sizeof(*argv));
			argc--;
			j--;
		}
	}
	if (argc < c->min_args) {
		char buf[64], *w, *save;
		int k = 0;

		/* name the first missing positional argument */
		snprintf(buf, sizeof(buf), "%s", c->args);
		for (w = strtok_r(buf, " ", &save); w && k < argc; w = strtok_r(NULL, " ", &save))
			if (*w != '[')
				k++;
		fprintf(stderr, "lbctl: %s: missing %s\n", c->words, w ? w : "arguments");
		command_usage(stderr, c);
		return EXIT_USAGE;
	}
	if (argc > c->max_args) {
		fprintf(stderr, "lbctl: %s: unexpected argument \"%s\"\n", c->words,
			argv[c->max_args]);
		command_usage(stderr, c);
		return EXIT_USAGE;
	}
	return c->run(c, argv, argc);
}
