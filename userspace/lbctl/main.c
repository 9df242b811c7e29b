// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl - the xlb command line: talks to lbd over its control socket
 * (docs/control.md). Arguments are checked here first, so a mistake is
 * reported (exit 2) without contacting lbd; lbd's own refusals exit 1.
 *
 * This file: global options, dispatch through the table of nouns below, and
 * the helpers every command uses (lbctl.h). The commands live in one file
 * per noun.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "lbctl.h"
#include "num.h"
#include "proto.h"
#include "version.h"

const char *sock_path = XLB_DEFAULT_SOCKET;
static int timeout_ms; /* --timeout; 0: per command (call_timeout_ms) */
int json_out;

/* ---- output ---- */

void table_add(struct table *t, ...)
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

void table_print(struct table *t)
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

const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

/* Integer field as text in buf (one of a few rotating buffers). */
const char *jnum(json_t *o, const char *k)
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

volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void stop_on_signals(void)
{
	/* No SA_RESTART: a sleep or a wait for lbd's answer ends at once. */
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int rpc(const char *sock, const char *what, const char *cmd, json_t *args, json_t **res)
{
	char err[1024];

	if (xlb_proto_call(sock, cmd, args, res, err, sizeof(err), XLB_PROTO_TIMEOUT_MS)) {
		fprintf(stderr, "lbctl: %s%s%s\n", what ? what : "", what ? ": " : "", err);
		return 1;
	}
	return 0;
}

int call(const char *cmd, json_t *args, json_t **result)
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

int check_address(const char *s)
{
	struct xlb_addr a;
	__u8 f;

	if (xlb_addr_parse(s, &a, &f)) {
		fprintf(stderr, "lbctl: ADDRESS \"%s\": not an IPv4/IPv6 address\n", s);
		return -EINVAL;
	}
	return 0;
}

int check_weight(const char *s, long *w)
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

/* A decimal integer in lo..hi (digits only: no sign, no whitespace). */
int parse_uint_opt(const char *name, const char *s, unsigned long lo, unsigned long hi,
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


/*
 * The first word of each command, in the order lbctl --help lists them, and
 * the file whose table has its commands. A new noun is one line here.
 */
static const struct noun {
	const char *word;
	const struct cmd_table *cmds;
} nouns[] = {
	{ "status", &node_cmds },
	{ "service", &service_cmds },
	{ "backend", &backend_cmds },
	{ "stats", &obs_cmds },
	{ "config", &config_cmds },
	{ "health", &obs_cmds },
	{ "reload", &config_cmds },
	{ "audit", &obs_cmds },
	{ "acl", &filter_cmds },
	{ "ratelimit", &filter_cmds },
	{ "node", &node_cmds },
	{ "events", &obs_cmds },
	{ "plan", &config_cmds },
	{ "apply", &config_cmds },
	{ "history", &config_cmds },
	{ "diff", &config_cmds },
	{ "rollback", &config_cmds },
	{ "cluster", &node_cmds },
	{ "top", &obs_cmds },
	{ "flow", &flow_cmds },
	{ "capture", &capture_cmds },
};

#define N_NOUNS (sizeof(nouns) / sizeof(nouns[0]))

/* Is word the first word of c? */
static bool of_noun(const struct command *c, const char *word)
{
	size_t l = strlen(word);

	return !strncmp(c->words, word, l) && (c->words[l] == ' ' || !c->words[l]);
}

static void usage(FILE *f)
{
	const struct command *c;
	size_t i, j;

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
	for (i = 0; i < N_NOUNS; i++)
		for (j = 0; j < nouns[i].cmds->n; j++) {
			c = &nouns[i].cmds->cmds[j];
			if (of_noun(c, nouns[i].word))
				fprintf(f, "  %s%s%s\n", c->words, *c->args ? " " : "", c->args);
		}
	fprintf(f, "\nExit status: 0 done, 1 lbd refused or could not be reached, 2 bad usage.\n");
}

void command_usage(FILE *f, const struct command *c)
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
	const struct noun *noun = NULL;
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
	for (j = 0; j < (int)N_NOUNS && !noun; j++)
		if (!strcmp(nouns[j].word, argv[i]))
			noun = &nouns[j];
	if (!noun) {
		fprintf(stderr, "lbctl: unknown command \"%s\" (lbctl --help lists them)\n", argv[i]);
		return EXIT_USAGE;
	}
	for (j = 0; j < (int)noun->cmds->n && !c; j++)
		if ((n = match(&noun->cmds->cmds[j], argv + i, argc - i)))
			c = &noun->cmds->cmds[j];
	if (!c) {
		fprintf(stderr, "lbctl: %s: missing or unknown subcommand \"%s\"\n", argv[i],
			i + 1 < argc ? argv[i + 1] : "");
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