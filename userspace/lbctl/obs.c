// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl events and lbctl top (docs/metrics.md): the event log, once or
 * followed, and a live terminal view of rates computed from two successive
 * "stats" and "health" answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lbctl.h"
#include "num.h"
#include "proto.h"
#include "xlb.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int rpc(const char *sock, const char *cmd, json_t *args, json_t **res)
{
	char err[1024];

	if (xlb_proto_call(sock, cmd, args, res, err, sizeof(err), XLB_PROTO_TIMEOUT_MS)) {
		fprintf(stderr, "lbctl: %s\n", err);
		return 1;
	}
	return 0;
}

static const char *s_or(json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : dflt;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep up to s seconds; false when interrupted by a signal meant to stop. */
static bool nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
	return !stop;
}

static int parse_num(const char *opt, const char *s, double lo, double hi, double *out)
{
	if (xlb_parse_decimal(s, lo, hi, out)) {
		fprintf(stderr, "lbctl: %s \"%s\": expected a number %g..%g\n", opt, s ? s : "", lo,
			hi);
		return -EINVAL;
	}
	return 0;
}

/* ---- events ---------------------------------------------------------------- */

static void print_event(json_t *e, bool json)
{
	if (json) {
		json_dumpf(e, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("\n");
	} else {
		printf("%6lld  %s  %-14s  %-12s  %-15s  %s\n",
		       (long long)json_integer_value(json_object_get(e, "seq")), s_or(e, "time", "-"),
		       s_or(e, "kind", "-"), s_or(e, "service", "-"), s_or(e, "backend", "-"),
		       s_or(e, "details", ""));
	}
	fflush(stdout);
}

int lbctl_events(const char *sock, bool json, char **argv, int argc)
{
	bool follow = false;
	double since = 0, limit = 0;
	json_t *r, *e;
	size_t i;
	int k;

	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--follow") || !strcmp(argv[k], "-f")) {
			follow = true;
		} else if (!strcmp(argv[k], "--since")) {
			if (parse_num("--since", k + 1 < argc ? argv[++k] : NULL, 0, 9e15, &since))
				return 2;
		} else if (!strcmp(argv[k], "--limit")) {
			if (parse_num("--limit", k + 1 < argc ? argv[++k] : NULL, 1, 1024, &limit))
				return 2;
		} else {
			fprintf(stderr, "lbctl: events: unexpected argument \"%s\"\n", argv[k]);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	do {
		json_t *args = json_pack("{s:I}", "since", (json_int_t)since);

		if (limit)
			json_object_set_new(args, "limit", json_integer((json_int_t)limit));
		if (rpc(sock, "events", args, &r))
			return 1;
		if (json && !follow) {
			json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			printf("\n");
			json_decref(r);
			return 0;
		}
		if (json_integer_value(json_object_get(r, "lost")))
			fprintf(stderr, "lbctl: %lld events rolled out of lbd's ring before they were read\n",
				(long long)json_integer_value(json_object_get(r, "lost")));
		json_array_foreach(json_object_get(r, "events"), i, e) {
			print_event(e, json);
			since = json_integer_value(json_object_get(e, "seq"));
		}
		json_decref(r);
	} while (follow && nap(0.5));
	return 0;
}

/* ---- top ------------------------------------------------------------------- */

struct sample {
	json_t *stats, *health;
	double t;
};

static int take(const char *sock, struct sample *s)
{
	s->t = now_s();
	if (rpc(sock, "stats", NULL, &s->stats))
		return 1;
	if (rpc(sock, "health", NULL, &s->health)) {
		json_decref(s->stats);
		return 1;
	}
	return 0;
}

static void drop(struct sample *s)
{
	json_decref(s->stats);
	json_decref(s->health);
	s->stats = s->health = NULL;
}

static json_t *find_named(json_t *arr, const char *key, const char *val)
{
	json_t *o;
	size_t i;

	json_array_foreach(arr, i, o) {
		const char *v = json_string_value(json_object_get(o, key));

		if (v && !strcmp(v, val))
			return o;
	}
	return NULL;
}

static double rate(json_t *now, json_t *prev, const char *k, double dt)
{
	double a = json_number_value(json_object_get(now, k));
	double b = prev ? json_number_value(json_object_get(prev, k)) : a;

	return a >= b && dt > 0 ? (a - b) / dt : 0; /* a reset counter shows 0 */
}

/* 1234567 -> "1.23M" */
static const char *human(double v, char *buf, size_t len)
{
	static const char *const units[] = { "", "k", "M", "G", "T" };
	int u = 0;

	while (fabs(v) >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.2f%s" : "%.0f%s", v, units[u]);
	return buf;
}

static void frame(FILE *f, const struct sample *prev, const struct sample *cur, double interval)
{
	json_t *svcs = json_object_get(cur->stats, "services");
	json_t *psvcs = json_object_get(prev->stats, "services");
	json_t *hsvcs = json_object_get(cur->health, "services");
	json_t *g = json_object_get(cur->stats, "global"), *pg = json_object_get(prev->stats, "global");
	double dt = cur->t - prev->t;
	char r1[16], r2[16], r3[16], tbuf[32];
	const char *key;
	json_t *s, *v;
	size_t i, j;
	time_t t = time(NULL);

	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&t));
	fprintf(f, "xlb top  %s  rates over %.1f s (refresh %.1f s)\n\n", tbuf, dt, interval);
	fprintf(f, "%-22s %-8s %-10s %9s %10s %9s\n", "SERVICE / BACKEND", "STATE", "WEIGHT",
		"PPS", "BITS/S", "NEW/S");
	json_array_foreach(svcs, i, s) {
		const char *name = s_or(s, "name", "?");
		json_t *ps = find_named(psvcs, "name", name), *hs = find_named(hsvcs, "name", name), *b;

		fprintf(f, "%-22s %-8s %-10s %9s %10s %9s\n", name, s_or(hs, "mode", "-"), "",
			human(rate(s, ps, "packets", dt), r1, sizeof(r1)),
			human(rate(s, ps, "bytes", dt) * 8, r2, sizeof(r2)),
			human(rate(s, ps, "new_flows", dt), r3, sizeof(r3)));
		json_array_foreach(json_object_get(s, "backend_list"), j, b) {
			const char *addr = s_or(b, "address", "?");
			json_t *pb = find_named(json_object_get(ps, "backend_list"), "address", addr);
			json_t *hb = find_named(json_object_get(hs, "backends"), "address", addr);
			char w[24];

			snprintf(w, sizeof(w), "%lld/%lld",
				 (long long)json_integer_value(json_object_get(b, "weight")),
				 (long long)json_integer_value(json_object_get(hb, "effective_weight")));
			fprintf(f, "  %-20s %-8s %-10s %9s %10s %9s\n", addr, s_or(hb, "state", "-"), w,
				human(rate(b, pb, "packets", dt), r1, sizeof(r1)),
				human(rate(b, pb, "bytes", dt) * 8, r2, sizeof(r2)),
				human(rate(b, pb, "new_flows", dt), r3, sizeof(r3)));
		}
	}
	fprintf(f, "\n%-22s %12s %14s\n", "DATA PATH (by reason)", "PER SECOND", "TOTAL");
	json_object_foreach(g, key, v) {
		double total = json_number_value(v);

		if (!total)
			continue;
		fprintf(f, "%-22s %12s %14.0f\n", key, human(rate(g, pg, key, dt), r1, sizeof(r1)), total);
	}
}

static struct termios saved_tio;
static bool tio_saved;

static void term_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = false;
	/* cursor back, main screen */
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
}

int lbctl_top(const char *sock, char **argv, int argc)
{
	struct sample prev = {}, cur = {};
	double interval = 1.0;
	bool once = false, tty;
	int k, ret = 0;

	for (k = 0; k < argc; k++) {
		if (!strcmp(argv[k], "--once")) {
			once = true;
		} else if (!strcmp(argv[k], "--interval") || !strcmp(argv[k], "-i")) {
			if (parse_num("--interval", k + 1 < argc ? argv[++k] : NULL, 0.1, 3600,
				      &interval))
				return 2;
		} else {
			fprintf(stderr, "lbctl: top: unexpected argument \"%s\"\n", argv[k]);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (take(sock, &prev))
		return 1;
	if (once) {
		if (nap(interval) && !take(sock, &cur)) {
			frame(stdout, &prev, &cur, interval);
			drop(&cur);
		} else {
			ret = 1;
		}
		drop(&prev);
		return ret;
	}
	tty = isatty(STDOUT_FILENO);
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved_tio)) {
		struct termios raw = saved_tio;

		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tio_saved = !tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	if (tty)
		fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, no cursor */
	while (!stop) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		double until = now_s() + interval;
		char ch;

		/* wait for the interval, or q */
		while (!stop && now_s() < until) {
			int ms = (int)((until - now_s()) * 1000) + 1;

			if (tio_saved && poll(&p, 1, ms) > 0) {
				if (read(STDIN_FILENO, &ch, 1) == 1 && (ch == 'q' || ch == 'Q'))
					stop = 1;
			} else if (!tio_saved) {
				nap(until - now_s() > 0 ? until - now_s() : 0);
			}
		}
		if (stop)
			break;
		if (take(sock, &cur)) {
			ret = 1;
			break;
		}
		if (tty)
			fputs("\033[H\033[2J", stdout);
		frame(stdout, &prev, &cur, interval);
		if (tty)
			fputs("\n(q or Ctrl-C quits)", stdout);
		else
			fputs("\n", stdout);
		fflush(stdout);
		drop(&prev);
		prev = cur;
		cur = (struct sample){};
	}
	drop(&prev);
	if (tty || tio_saved)
		term_restore();
	return ret;
}
