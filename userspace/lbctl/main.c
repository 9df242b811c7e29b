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
#include <math.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "addr.h"
#include "config.h"
#include "lbctl.h"
#include "history.h"
#include "num.h"
#include "plan.h"
#include "proto.h"
#include "version.h"

#define EXIT_USAGE 2

static const char *sock_path = XLB_DEFAULT_SOCKET;
static int timeout_ms; /* --timeout; 0: per command (call_timeout_ms) */
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

/*
 * How long to wait for lbd's answer: --timeout, else longer for the
 * commands that program a whole config (a large one takes lbd a while, and
 * giving up early would leave the caller guessing whether it was applied).
 */
static int call_timeout_ms(const char *cmd)
{
	if (timeout_ms)
		return timeout_ms;
	if (!strcmp(cmd, "reload") || !strcmp(cmd, "apply") || !strcmp(cmd, "rollback"))
		return XLB_PROTO_APPLY_TIMEOUT_MS;
	return XLB_PROTO_TIMEOUT_MS;
}

static int call(const char *cmd, json_t *args, json_t **result)
{
	char err[1024];
	int ret, t = call_timeout_ms(cmd);

	ret = xlb_proto_call(sock_path, cmd, args, result, err, sizeof(err), t);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "lbctl: %s: no answer from lbd within %d s; the %s may still be in "
			"progress (lbctl events and lbctl history show its outcome; --timeout "
			"waits longer)\n", err, t / 1000, cmd);
		return 1;
	}
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
	unsigned long long v;

	if (xlb_parse_uint(s, 0, XLB_MAX_WEIGHT, &v)) {
		fprintf(stderr, "lbctl: weight \"%s\": expected an integer 0..%d\n", s,
			XLB_MAX_WEIGHT);
		return -EINVAL;
	}
	*w = (long)v;
	return 0;
}

/* ---- commands ---- */

static double now_ms_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* cluster mode (lbd/cluster.c, docs/cluster.md): one line for status */
static void print_cluster_line(json_t *cl)
{
	if (!json_is_true(json_object_get(cl, "enabled")))
		return;
	printf("cluster:      node %s, revision %s applied, etcd %s%s%s\n", jstr(cl, "node"),
	       jnum(cl, "revision_applied"), json_is_true(json_object_get(cl, "etcd_up")) ? "up" :
	       "DOWN", *jstr(cl, "etcd_error") ? ": " : "", jstr(cl, "etcd_error"));
	if (json_object_get(cl, "rejected_revision"))
		printf("              revision %s refused: %s\n", jnum(cl, "rejected_revision"),
		       jstr(cl, "rejected"));
}

static int run_cluster_status(const struct command *c, char **argv, int argc)
{
	struct table t = { 6, 0, { "NODE", "REVISION", "UP", "DOWN", "ANNOUNCED", "UPDATED" },
			   { 0, 1, 1, 1, 0, 1 } };
	json_t *r, *n, *d, *v, *svc, *st;
	const char *k, *a;
	size_t i, j;

	if (call("cluster.status", NULL, &r))
		return 1;
	if (!r)
		return 0;
	print_cluster_line(r);
	printf("desired:      %s (newest revision seen %s)\n", jstr(r, "key"),
	       jnum(r, "revision_latest"));
	printf("nodes:        from %s\n\n", jstr(r, "nodes_source"));
	json_array_foreach(json_object_get(r, "nodes"), i, n) {
		char up[16], down[16], ann[256] = "", upd[32] = "-";
		int nu = 0, nd = 0;
		size_t al = 0;

		json_object_foreach(json_object_get(n, "health"), k, svc)
			json_object_foreach(svc, a, st) {
				nu += !strcmp(json_string_value(st) ?: "", "up");
				nd += !strcmp(json_string_value(st) ?: "", "down");
			}
		snprintf(up, sizeof(up), "%d", nu);
		snprintf(down, sizeof(down), "%d", nd);
		json_array_foreach(json_object_get(n, "announced"), j, v)
			al += snprintf(ann + al, al < sizeof(ann) ? sizeof(ann) - al : 0, "%s%s",
				       j ? "," : "", json_string_value(v) ?: "?");
		if (!json_is_true(json_object_get(n, "bgp")))
			snprintf(ann, sizeof(ann), "(no bgp)");
		else if (!al)
			snprintf(ann, sizeof(ann), "(none)");
		if (json_is_integer(json_object_get(n, "updated_ms")))
			snprintf(upd, sizeof(upd), "%.1fs ago",
				 (now_ms_real() -
				  (double)json_integer_value(json_object_get(n, "updated_ms"))) / 1000);
		table_add(&t, jstr(n, "node"), jnum(n, "revision"), up, down, ann, upd);
	}
	table_print(&t);
	printf("\n");
	if (!json_array_size(json_object_get(r, "disagreements")))
		printf("disagreements: none\n");
	json_array_foreach(json_object_get(r, "disagreements"), i, d) {
		if (!strcmp(jstr(d, "kind"), "revision")) {
			printf("disagreement: nodes at different revisions:");
			json_object_foreach(json_object_get(d, "revisions"), k, v)
				printf(" %s@%lld", k, (long long)json_integer_value(v));
			printf("\n");
			continue;
		}
		printf("disagreement: backend %s of %s: up on", jstr(d, "backend"), jstr(d, "service"));
		json_array_foreach(json_object_get(d, "up"), j, v)
			printf(" %s", json_string_value(v));
		printf(", down on");
		json_array_foreach(json_object_get(d, "down"), j, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
	json_decref(r);
	return 0;
}

static int run_status(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("status", NULL, &r))
		return 1;
	if (!r)
		return 0;
	printf("interface:    %s (ifindex %s)\n", jstr(r, "iface"), jnum(r, "ifindex"));
	if (json_is_false(json_object_get(json_object_get(r, "link"), "attached"))) {
		json_t *lk = json_object_get(r, "link");

		printf("link:         NOT ATTACHED: %s is gone since %ss%s%s; lbd attaches again when "
		       "it returns\n", jstr(r, "iface"), jnum(lk, "since_s"),
		       json_object_get(lk, "error") ? "; attaching failed: " : "",
		       json_object_get(lk, "error") ? jstr(lk, "error") : "");
	}
	printf("attach mode:  %s%s\n", jstr(r, "attach_mode"),
	       json_is_true(json_object_get(r, "adopted")) ? " (took over a running data path)" : "");
	printf("flow cache:   %s\n",
	       json_is_false(json_object_get(r, "flow_cache")) ? "off (--no-flow-cache)" : "on");
	printf("pin dir:      %s\n", jstr(r, "pin_dir"));
	printf("config:       %s\n", jstr(r, "config"));
	printf("socket:       %s\n", jstr(r, "socket"));
	printf("state file:   %s\n", *jstr(r, "state") ? jstr(r, "state") : "(none)");
	printf("services:     %s\n", jnum(r, "services"));
	printf("uptime:       %ss (pid %s)\n", jnum(r, "uptime_s"), jnum(r, "pid"));
	print_cluster_line(json_object_get(r, "cluster"));
	if (json_object_get(r, "control")) {
		json_t *ctl = json_object_get(r, "control"), *rf = json_object_get(ctl, "refused");

		printf("control:      %s / %s connections; refused %s (busy) + %s (per-user "
		       "budget); %s timed out\n", jnum(ctl, "connections"), jnum(ctl, "max"),
		       jnum(rf, "busy"), jnum(rf, "per_user"), jnum(ctl, "timed_out"));
	}
	{
		static const char *const maps[] = { "flows", "services", "backends" };
		json_t *m = json_object_get(r, "maps");
		size_t k;

		for (k = 0; k < 3; k++) {
			json_t *o = json_object_get(m, maps[k]);
			double u = json_integer_value(json_object_get(o, "used"));
			double mx = json_integer_value(json_object_get(o, "max"));

			printf("%-13s %s / %s (%.1f%%)", k == 0 ? "map flows:" : k == 1 ?
			       "map services:" : "map backends:", jnum(o, "used"), jnum(o, "max"),
			       mx > 0 ? 100.0 * u / mx : 0.0);
			/* flows: lbd's periodic count, not a walk per status */
			if (json_is_integer(json_object_get(o, "counted_ms_ago"))) {
				json_int_t age = json_integer_value(json_object_get(o, "counted_ms_ago"));

				if (age < 0)
					printf(", not counted yet");
				else
					printf(", counted %.1f s ago", age / 1000.0);
			}
			printf("\n");
		}
	}
	json_decref(r);
	return 0;
}

static int run_service_list(const struct command *c, char **argv, int argc)
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

static void backend_table(json_t *arr, bool with_service)
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


/* ---- draining, services, export, watch (drain.c, persist.c in lbd) ---- */

static int run_backend_drain(const struct command *c, char **argv, int argc)
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

/* A decimal integer in lo..hi (digits only: no sign, no whitespace). */
static int parse_uint_opt(const char *name, const char *s, unsigned long lo, unsigned long hi,
			  unsigned long *out)
{
	unsigned long long v;

	if (xlb_parse_uint(s, lo, hi, &v)) {
		fprintf(stderr, "lbctl: %s \"%s\": expected an integer %lu..%lu\n", name, s, lo,
			hi);
		return -EINVAL;
	}
	*out = (unsigned long)v;
	return 0;
}

static int run_service_add(const struct command *c, char **argv, int argc)
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

static int run_service_remove(const struct command *c, char **argv, int argc)
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

static int run_service_show(const struct command *c, char **argv, int argc)
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

static int run_config_export(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("config.export", NULL, &r))
		return 1;
	if (r)
		fputs(jstr(r, "yaml"), stdout);
	json_decref(r);
	return 0;
}

static volatile sig_atomic_t watch_stop;

static void on_sigint(int sig)
{
	watch_stop = 1;
}

static double jd(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void watch_print(json_t *r, json_t *prev, double dt, int round)
{
	struct table t = { 7, 0, { "SERVICE", "PACKETS", "BYTES", "NEW_FLOWS", "PPS", "BPS",
				   "FLOWS/S" },
			   { 0, 1, 1, 1, 1, 1, 1 } };
	json_t *glob = json_object_get(r, "global"), *pg = json_object_get(prev, "global");
	json_t *s;
	double tot = 0, ptot = 0;
	size_t i;

	for (i = 0; i < XLB_STAT_MAX; i++) {
		tot += jd(glob, stat_names[i][0]);
		ptot += jd(pg, stat_names[i][0]);
	}
	if (isatty(STDOUT_FILENO))
		printf("\033[H\033[2J");
	printf("lbctl stats --watch: round %d, every %.0f s (Ctrl-C ends)\n", round, dt);
	printf("all packets seen: %.0f (%.0f/s); forwarded %.0f/s, dropped %.0f/s\n\n", tot,
	       prev ? (tot - ptot) / dt : 0.0,
	       prev ? (jd(glob, "fwd_tx") + jd(glob, "fwd_redirect") - jd(pg, "fwd_tx") -
		       jd(pg, "fwd_redirect")) / dt : 0.0,
	       prev ? ((tot - ptot) - (jd(glob, "fwd_tx") + jd(glob, "fwd_redirect") -
				      jd(pg, "fwd_tx") - jd(pg, "fwd_redirect")) -
		       (jd(glob, "pass_not_ip") + jd(glob, "pass_not_vip") + jd(glob, "pass_not_l4") -
			jd(pg, "pass_not_ip") - jd(pg, "pass_not_vip") - jd(pg, "pass_not_l4"))) / dt
		    : 0.0);
	json_array_foreach(json_object_get(r, "services"), i, s) {
		json_t *p = NULL, *q;
		size_t j;
		char pps[32] = "-", bps[32] = "-", fps[32] = "-";

		json_array_foreach(json_object_get(prev, "services"), j, q)
			if (!strcmp(jstr(q, "name"), jstr(s, "name")))
				p = q;
		if (p) {
			snprintf(pps, sizeof(pps), "%.1f", (jd(s, "packets") - jd(p, "packets")) / dt);
			snprintf(bps, sizeof(bps), "%.0f", 8 * (jd(s, "bytes") - jd(p, "bytes")) / dt);
			snprintf(fps, sizeof(fps), "%.1f",
				 (jd(s, "new_flows") - jd(p, "new_flows")) / dt);
		}
		table_add(&t, jstr(s, "name"), jnum(s, "packets"), jnum(s, "bytes"),
			  jnum(s, "new_flows"), pps, bps, fps);
	}
	table_print(&t);
	fflush(stdout);
}

static int run_stats_watch(double secs, long count)
{
	char err[1024];
	json_t *r, *prev = NULL;
	int round = 0, ret = 0;

	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	while (!watch_stop) {
		if (xlb_proto_call(sock_path, "stats", NULL, &r, err, sizeof(err),
				   XLB_PROTO_TIMEOUT_MS)) {
			fprintf(stderr, "lbctl: %s\n", err);
			ret = 1;
			break;
		}
		round++;
		if (json_out) {
			json_object_set_new(r, "round", json_integer(round));
			json_object_set_new(r, "interval_s", json_real(secs));
			json_dumpf(r, stdout, JSON_COMPACT);
			printf("\n");
			fflush(stdout);
		} else {
			watch_print(r, prev, secs, round);
		}
		json_decref(prev);
		prev = r;
		if (count && round >= count)
			break;
		usleep((useconds_t)(secs * 1e6));
	}
	json_decref(prev);
	return ret;
}

static int run_stats(const struct command *c, char **argv, int argc)
{
	struct table g = { 3, 0, { "COUNTER", "PACKETS", "MEANING" }, { 0, 1, 0 } };
	json_t *r, *glob, *s, *arr;
	size_t i;
	unsigned long secs = 0, count = 0;
	bool watch = false;
	int k;

	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--watch") || !strcmp(argv[k], "-w")) {
			watch = true;
			secs = 2;
			if (k + 1 < argc && argv[k + 1][0] != '-' &&
			    parse_uint_opt("SECONDS", argv[++k], 0, 3600, &secs))
				return EXIT_USAGE;
		} else if (!strcmp(argv[k], "--count")) {
			if (k + 1 >= argc || parse_uint_opt("--count", argv[++k], 0, 1000000, &count))
				return EXIT_USAGE;
		} else {
			fprintf(stderr, "lbctl: stats: unexpected argument \"%s\"\n", argv[k]);
			return EXIT_USAGE;
		}
	}
	if (watch || count)
		return run_stats_watch(secs ? secs : 2, count);
	if (call("stats", NULL, &r))
		return 1;
	if (!r)
		return 0;
	glob = json_object_get(r, "global");
	for (i = 0; i < XLB_STAT_MAX; i++)
		table_add(&g, stat_names[i][0], jnum(glob, stat_names[i][0]), stat_names[i][1]);
	table_print(&g);
	s = json_object_get(r, "flow_cache");
	if (json_is_object(s)) {
		double h = json_number_value(json_object_get(s, "hits")),
		       m = json_number_value(json_object_get(s, "misses"));

		printf("\nflow cache: %s; hits %s (%.1f%% of cacheable packets), misses %s, fills %s, "
		       "invalidations %s\n",
		       json_is_true(json_object_get(s, "enabled")) ? "on" : "off (--no-flow-cache)",
		       jnum(s, "hits"), h + m > 0 ? 100.0 * h / (h + m) : 0.0, jnum(s, "misses"),
		       jnum(s, "fills"), jnum(s, "invalidations"));
	}
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

/* events and top live in obs.c */
static int run_events(const struct command *c, char **argv, int argc)
{
	return lbctl_events(sock_path, json_out, argv, argc);
}

static int run_top(const struct command *c, char **argv, int argc)
{
	return lbctl_top(sock_path, argv, argc);
}

/* ---- plan, apply, history, diff, rollback (lbd/apply.c) ---- */

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

static int run_plan(const struct command *c, char **argv, int argc)
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

static int run_apply(const struct command *c, char **argv, int argc)
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

static int run_rollback(const struct command *c, char **argv, int argc)
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

static int run_history(const struct command *c, char **argv, int argc)
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

static int run_diff(const struct command *c, char **argv, int argc)
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

static int run_reload(const struct command *c, char **argv, int argc)
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

static void print_node(json_t *r)
{
	json_t *v;
	size_t i;

	if (!json_is_true(json_object_get(r, "bgp"))) {
		printf("bgp:          off (no bgp: section in the config)\n");
		return;
	}
	printf("state:        %s\n", jstr(r, "state"));
	printf("announced:   ");
	json_array_foreach(json_object_get(r, "announced"), i, v)
		printf(" %s", json_string_value(v));
	printf("%s\n", json_array_size(json_object_get(r, "announced")) ? "" : " (nothing)");
	printf("in sync:      %s (BIRD: %s)\n",
	       json_is_true(json_object_get(r, "in_sync")) ? "yes" : "no", jstr(r, "last_result"));
	printf("fragment:     %s (protocols %s4, %s6)\n", jstr(r, "config_file"),
	       jstr(r, "protocol"), jstr(r, "protocol"));
	printf("bird socket:  %s\n", jstr(r, "bird_socket"));
	printf("changes:      %s (%s syncs, %s failed)\n", jnum(r, "changes"), jnum(r, "syncs"),
	       jnum(r, "failures"));
}

static int run_node(const struct command *c, char **argv, int argc)
{
	const char *cmd = !strcmp(c->words, "node drain")     ? "node.drain"
			  : !strcmp(c->words, "node undrain") ? "node.undrain"
							      : "node.status";
	json_t *r;

	if (call(cmd, NULL, &r))
		return 1;
	if (r)
		print_node(r);
	json_decref(r);
	return 0;
}

/* --since: unix seconds, or an age: 90s, 30m, 12h, 7d. */
static int parse_since(const char *s, long long *out)
{
	char num[32];
	size_t n = strlen(s);
	unsigned long long u;
	long long v;
	char unit = 0;

	/* digits only, then at most one unit letter */
	if (n && (s[n - 1] < '0' || s[n - 1] > '9'))
		unit = s[--n];
	if (n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = 0;
	if (xlb_parse_uint(num, 0, 1ULL << 40, &u))
		return -EINVAL;
	v = (long long)u;
	if (!unit) {
		*out = v;
		return 0;
	}
	switch (unit) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -EINVAL;
	}
	*out = (long long)time(NULL) - v;
	if (*out < 0)
		*out = 0;
	return 0;
}

static int run_audit(const struct command *c, char **argv, int argc)
{
	struct table t = { 7, 0, { "TIME", "USER", "UID", "PID", "COMMAND", "RESULT", "ARGS" },
			   { 0, 0, 1, 1, 0, 0, 0 } };
	json_t *r, *rec, *args = json_object();
	long long since;
	const char *v;
	size_t i;

	for (i = 0; i < (size_t)argc; i++) {
		bool lim = !strcmp(argv[i], "--limit") || !strcmp(argv[i], "-n");

		if (lim || !strcmp(argv[i], "--since")) {
			if (i + 1 >= (size_t)argc) {
				fprintf(stderr, "lbctl: audit: %s needs a value\n", argv[i]);
				return EXIT_USAGE;
			}
			v = argv[++i];
		} else if (!strncmp(argv[i], "--limit=", 8)) {
			lim = true;
			v = argv[i] + 8;
		} else if (!strncmp(argv[i], "--since=", 8)) {
			v = argv[i] + 8;
		} else {
			fprintf(stderr, "lbctl: audit: unexpected argument \"%s\"\n", argv[i]);
			return EXIT_USAGE;
		}
		if (lim) {
			unsigned long long u;

			if (xlb_parse_uint(v, 1, 10000, &u)) {
				fprintf(stderr, "lbctl: audit: --limit \"%s\": expected 1..10000\n", v);
				return EXIT_USAGE;
			}
			json_object_set_new(args, "limit", json_integer(u));
		} else {
			if (parse_since(v, &since)) {
				fprintf(stderr, "lbctl: audit: --since \"%s\": expected unix seconds "
						"or an age like 30m, 12h, 7d\n", v);
				return EXIT_USAGE;
			}
			json_object_set_new(args, "since", json_integer(since));
		}
	}
	if (call("audit", args, &r))
		return 1;
	if (!r)
		return 0;
	json_array_foreach(json_object_get(r, "records"), i, rec) {
		char *a = json_dumps(json_object_get(rec, "args"), JSON_COMPACT | JSON_PRESERVE_ORDER);

		table_add(&t, jstr(rec, "time"), *jstr(rec, "user") ? jstr(rec, "user") : "-",
			  jnum(rec, "uid"), jnum(rec, "pid"), jstr(rec, "cmd"), jstr(rec, "result"),
			  a ? a : "-");
		free(a);
	}
	table_print(&t);
	json_decref(r);
	return 0;
}

static void command_usage(FILE *f, const struct command *c);

/* lbctl acl list|add|remove [--service S] [allow|deny CIDR] */
static void print_acl_list(const char *scope, const char *list, json_t *arr)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		printf("%-24s %-6s %s\n", scope, list, json_string_value(v));
}

static int run_acl(const struct command *c, char **argv, int argc)
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

static int run_ratelimit(const struct command *c, char **argv, int argc)
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

static const struct command commands[] = {
	{ "status", "", 0, 0,
	  "Show the interface, attach mode, pin directory, uptime and config of lbd, and\n"
	  "the map fill levels (connection table entries as lbd counted them last, every 5 s).",
	  run_status },
	{ "service list", "", 0, 0,
	  "List services: VIP, port, protocol, scheduler, forwarding mode, table size,\n"
	  "number of backends and counters.",
	  run_service_list },
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
	  run_service_add },
	{ "service remove", "SERVICE", 1, 1,
	  "Remove service NAME and its backends at once (its VIP stops being balanced).\n"
	  "Kept across restarts and reloads until lbctl reload --reset.",
	  run_service_remove },
	{ "service show", "SERVICE", 1, 1,
	  "Show one service: VIP, scheduler, forwarding, health check, active-set mode,\n"
	  "drain timeout, where it comes from (config, runtime, config+runtime), counters\n"
	  "and its backends with their flows and drain state.",
	  run_service_show },
	{ "backend list", "[SERVICE]", 0, 1,
	  "List backends (of SERVICE, or of all services): address, weight, id, state\n"
	  "(active; idle when the weight is 0; draining; drained), open flows (entries of\n"
	  "the connection table that saw a packet in the last 60 s), time left of a\n"
	  "drain and counters.",
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
	{ "backend drain", "SERVICE ADDRESS", 2, 2,
	  "Drain backend ADDRESS of SERVICE: no new flows from now on; its established\n"
	  "flows continue until they end or the service's drain_timeout (default 300 s)\n"
	  "passes. Then the backend is released: it keeps its place in the service but\n"
	  "takes no flows, and flows still pinned to it are rescheduled to the other\n"
	  "backends (a TCP connection there is reset). Survives lbd restarts. Draining\n"
	  "again keeps the first countdown.",
	  run_backend_drain },
	{ "backend undrain", "SERVICE ADDRESS", 2, 2,
	  "End the drain of backend ADDRESS of SERVICE (also after its release): it takes\n"
	  "new flows again.",
	  run_backend_drain },
	{ "stats", "[--watch [SECONDS]] [--count N]", 0, 4,
	  "Show the global packet counters by reason, then per service and per backend.\n"
	  "--watch: refresh every SECONDS (default 2) with totals and rates (packets,\n"
	  "bits and new flows per second) until Ctrl-C, or N rounds with --count; with\n"
	  "--json one JSON object per round.",
	  run_stats },
	{ "config export", "", 0, 0,
	  "Print the live desired state (the config file plus runtime changes) as a\n"
	  "config file that lbd --check-config accepts. Draining is runtime state and\n"
	  "appears only as a comment.",
	  run_config_export },
	{ "health", "[SERVICE]", 0, 1,
	  "Show health checks (of SERVICE, or all): each service's mode (normal, spill,\n"
	  "backup, panic, fail-closed, down) and per backend its state (up/down), time\n"
	  "since the last change, last probe result and latency, consecutive successes\n"
	  "and failures, zone, backup flag, configured and effective weight, and whether\n"
	  "it may keep established flows (usable).",
	  run_health },
	{ "reload", "[--reset]", 0, 1,
	  "Reload lbd's config file (like SIGHUP): all or nothing. Runtime changes made\n"
	  "with lbctl (the state file) stay on top of the new file; --reset drops them\n"
	  "and takes the file as it is.",
	  run_reload },
	{ "audit", "[--limit N] [--since T]", 0, 4,
	  "Show the audit log, oldest first: every change and every denied request\n"
	  "with its time, user, uid, pid, command, arguments and result. --limit N\n"
	  "(1..10000, default 100) shows the last N records; --since T only those at\n"
	  "or after T (unix seconds, or an age: 90s, 30m, 12h, 7d). Needs the viewer\n"
	  "role for all services (docs/access.md).",
	  run_audit },
	{ "acl list", "[--service SERVICE]", 0, 2,
	  "List the ACLs: the global deny list and each service's allow and deny lists\n"
	  "(docs/filtering.md). --service shows one service's lists only.",
	  run_acl },
	{ "acl add", "[--service SERVICE] allow|deny CIDR", 2, 4,
	  "Add a source prefix (10.0.0.0/8, 2001:db8::/32 or one address) to the global\n"
	  "deny list, or with --service to that service's allow or deny list. Applied at\n"
	  "once, without a reload; established flows from a denied source are cut. A\n"
	  "service with an allow list accepts only the sources in it. Kept across\n"
	  "restarts (the state file). Admin only.",
	  run_acl },
	{ "acl remove", "[--service SERVICE] allow|deny CIDR", 2, 4,
	  "Remove a prefix from the global deny list or a service's allow or deny list.\n"
	  "Removing a service's last allow entry opens the service to every source.",
	  run_acl },
	{ "ratelimit show", "[--service SERVICE]", 0, 2,
	  "Show the new-flow rate limits: the global one and, per service, the limit in\n"
	  "force (its own, else the global one; FROM says which) (docs/filtering.md).",
	  run_ratelimit },
	{ "ratelimit set", "[--service SERVICE] --rate N [--burst N] [--prefix-v4 N] "
	  "[--prefix-v6 N]", 2, 10,
	  "Set the global rate limit, or with --service that service's: N new flows per\n"
	  "second per source bucket (1..10000000), bursts up to --burst (1..1000000,\n"
	  "default the rate), one bucket per source /--prefix-v4 (0..32, default 32) and\n"
	  "/--prefix-v6 (0..128, default 64). Replaces the whole limit of that scope.\n"
	  "Applied at once, without a reload; established flows are never limited. Kept\n"
	  "across restarts and reloads (the state file) until lbctl reload --reset.\n"
	  "Admin only.",
	  run_ratelimit },
	{ "ratelimit clear", "[--service SERVICE]", 0, 2,
	  "Remove the global rate limit, or with --service that service's own limit (the\n"
	  "service then falls back to the global one). Kept like ratelimit set.",
	  run_ratelimit },
	{ "node status", "", 0, 0,
	  "Show this node's BGP announcements (config bgp:): the VIPs announced through\n"
	  "BIRD, whether the node is drained, and BIRD's last answer.",
	  run_node },
	{ "node drain", "", 0, 0,
	  "Maintenance: withdraw every VIP from BGP (routers send new connections to the\n"
	  "other nodes) and keep forwarding the flows that still arrive. Survives an lbd\n"
	  "restart. Waits for BIRD to take the new config.",
	  run_node },
	{ "node undrain", "", 0, 0,
	  "End a node drain: announce the VIPs that have usable backends again.",
	  run_node },
	{ "events", "[--since SEQ] [--limit N] [--follow]", 0, 5,
	  "Show lbd's event log, oldest first: health changes, drains, reloads, backend\n"
	  "add/remove/weight, scaling hooks; one line each with its sequence number,\n"
	  "time, kind, service, backend and details. --since SEQ shows only later\n"
	  "events; --follow keeps printing new ones until Ctrl-C (--json: one object\n"
	  "per line). lbd keeps the last 1024 (events: file: in the config keeps all).",
	  run_events },
	{ "plan", "FILE", 1, 1,
	  "Show what applying config FILE would change against the live desired state:\n"
	  "services and backends added, removed and changed (field by field, including\n"
	  "runtime overrides apply would drop), other settings, and per changed service\n"
	  "the share of new flows that would go to another backend (from the lookup\n"
	  "tables, every backend assumed healthy). lbctl reads FILE and sends it; errors\n"
	  "name FILE:line: field. Changes nothing.",
	  run_plan },
	{ "apply", "FILE [--force]", 1, 2,
	  "Apply config FILE like a reload, all or nothing: validated fully first, then\n"
	  "programmed; runtime overrides are dropped (drains in progress stay). lbd then\n"
	  "replaces its config file with FILE (atomically), so a reload or restart keeps\n"
	  "it, and records a new generation (lbctl history). Refused if the config file\n"
	  "was edited since lbd loaded it, unless --force.",
	  run_apply },
	{ "history", "[GENERATION]", 0, 1,
	  "List the applied generations of the config (at start, reload, apply and\n"
	  "rollback, when the content changed), newest last, * the live one: time,\n"
	  "source, user, summary. With GENERATION: print its config file.",
	  run_history },
	{ "diff", "A [B]", 1, 2,
	  "Show the changes from generation A to generation B (default: the live one),\n"
	  "as lbctl plan shows them.",
	  run_diff },
	{ "rollback", "[GENERATION] [--force]", 0, 2,
	  "Return to GENERATION (default: the one before the live one) in one step: an\n"
	  "apply of its content, recorded as a new generation.",
	  run_rollback },
	{ "cluster status", "", 0, 0,
	  "Cluster mode (config cluster:): every node that holds a lease in etcd, with the\n"
	  "revision of the desired state it applied, its own health view (backends up\n"
	  "and down), its announced VIPs and when it last published; then the\n"
	  "disagreements: nodes at different revisions, backends up on some nodes and\n"
	  "down on others. With etcd unreachable, this node's view only.",
	  run_cluster_status },
	{ "top", "[--interval S] [--once]", 0, 3,
	  "Live view of rates per service and backend: packets/s, bits/s, new flows/s,\n"
	  "health state and configured/effective weight, and the data path's passes and\n"
	  "drops by reason. Refreshes every S seconds (default 1); q or Ctrl-C quits.\n"
	  "--once prints a single frame measured over S seconds and exits.",
	  run_top },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: lbctl [-s|--socket PATH] [--json] [--timeout S] COMMAND [ARGS]\n"
		   "\n"
		   "Control a running lbd (the xlb load balancer agent).\n"
		   "\n"
		   "Options:\n"
		   "  -s, --socket PATH  lbd's control socket (default $XLB_SOCKET, else\n"
		   "                     " XLB_DEFAULT_SOCKET ")\n"
		   "      --json         print lbd's answer as JSON instead of a table\n"
		   "      --timeout S    wait S seconds for lbd's answer (default 10; reload,\n"
		   "                     apply and rollback: 300)\n"
		   "  -h, --help         this text; COMMAND --help describes COMMAND\n"
		   "  -V, --version      print lbctl's version and exit\n"
		   "\n"
		   "Commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s%s%s\n", commands[i].words, *commands[i].args ? " " : "",
			commands[i].args);
	fprintf(f, "\nExit status: 0 done, 1 lbd refused or could not be reached, 2 bad usage.\n");
}

static void command_usage(FILE *f, const struct command *c)
{
	fprintf(f, "Usage: lbctl [-s PATH] [--json] %s %s\n\n%s\n", c->words, c->args, c->help);
}

/*
 * An argument that is not valid UTF-8 cannot travel in a JSON request
 * (json_pack() would fail and the argument would silently go missing): say
 * which one it is. Its name: the option it follows, else the positional
 * name from c->args. FILE arguments are paths, which may be any bytes.
 */
/* Does option opt take a value, by c->args ("[--weight N]" yes, "[--force]" no)? */
static bool opt_takes_value(const struct command *c, const char *opt)
{
	char buf[128], *w, *save;
	size_t l = strlen(opt);

	snprintf(buf, sizeof(buf), "%s", c->args);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		w += *w == '[';
		if (!strncmp(w, opt, l) && (!w[l] || w[l] == ']'))
			return !w[l];
	}
	return true; /* an option lbctl does not list: the command refuses it anyway */
}

static int check_utf8_args(const struct command *c, char **argv, int argc)
{
	char buf[128], name[64] = "argument", *w, *save;
	json_t *j;
	int i, k = 0, pos;

	for (i = 0; i < argc; i++) {
		const char *eq = argv[i][0] == '-' ? strchr(argv[i], '=') : NULL;
		const char *val = eq ? eq + 1 : argv[i];

		pos = argv[i][0] != '-' &&
		      !(i > 0 && argv[i - 1][0] == '-' && !strchr(argv[i - 1], '=') &&
			opt_takes_value(c, argv[i - 1]));
		j = json_string(val);
		if (j) {
			json_decref(j);
			k += pos;
			continue;
		}
		if (eq) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[i]), argv[i]);
		} else if (!pos && i > 0) {
			snprintf(name, sizeof(name), "%s", argv[i - 1]);
		} else {
			bool value = false; /* w is an option's value ("--weight N]") */
			int n = 0;

			snprintf(buf, sizeof(buf), "%s", c->args);
			for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
				bool opt = !strncmp(w, "-", 1) || !strncmp(w, "[-", 2);

				if (value || opt) {
					/* an option whose bracket stays open takes a value */
					value = opt && w[strlen(w) - 1] != ']';
					continue;
				}
				w += *w == '[';
				w[strcspn(w, "]")] = 0;
				if (n++ == k)
					break;
			}
			if (w && !strcmp(w, "FILE"))
				continue; /* a path: sent as lbctl reads it (file_args) */
			if (w)
				snprintf(name, sizeof(name), "%s", w);
		}
		fprintf(stderr, "lbctl: %s: %s \"", c->words, name);
		for (val = eq ? eq + 1 : argv[i]; *val; val++)
			if ((unsigned char)*val >= 0x20 && (unsigned char)*val < 0x7f)
				fputc(*val, stderr);
			else
				fprintf(stderr, "\\x%02x", (unsigned char)*val);
		fprintf(stderr, "\": not valid UTF-8\n");
		return -EINVAL;
	}
	return 0;
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

	if (getenv("XLB_SOCKET") && *getenv("XLB_SOCKET"))
		sock_path = getenv("XLB_SOCKET");

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
		} else if (!strcmp(argv[i], "--timeout") || !strncmp(argv[i], "--timeout=", 10)) {
			const char *v = argv[i][9] == '=' ? argv[i] + 10 : argv[i + 1];
			char *end;
			long t;

			if (argv[i][9] != '=' && ++i >= argc) {
				fprintf(stderr, "lbctl: --timeout needs SECONDS\n");
				return EXIT_USAGE;
			}
			errno = 0;
			t = strtol(v, &end, 10);
			if (errno || end == v || *end || t < 1 || t > 86400) {
				fprintf(stderr, "lbctl: --timeout \"%s\": expected seconds, 1..86400\n", v);
				return EXIT_USAGE;
			}
			timeout_ms = (int)t * 1000;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("lbctl %s\n", xlb_version);
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
	if (check_utf8_args(c, argv, argc))
		return EXIT_USAGE;
	return c->run(c, argv, argc);
}
