// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl stats, health, audit, events and top (docs/metrics.md): counters,
 * once or watched; health checks; the audit log; the event log, once or
 * followed; and a live terminal view of rates computed from two successive
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

static const char *s_or(json_t *o, const char *k, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : dflt;
}

/* Sleep up to s seconds; false when interrupted by a signal meant to stop. */
static bool nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (!stop_requested && nanosleep(&ts, &ts) && errno == EINTR)
		;
	return !stop_requested;
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

static int lbctl_events(const char *sock, bool json, char **argv, int argc)
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
	stop_on_signals();
	do {
		json_t *args = json_pack("{s:I}", "since", (json_int_t)since);

		if (limit)
			json_object_set_new(args, "limit", json_integer((json_int_t)limit));
		if (rpc(sock, NULL, "events", args, &r))
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
	if (rpc(sock, NULL, "stats", NULL, &s->stats))
		return 1;
	if (rpc(sock, NULL, "health", NULL, &s->health)) {
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

static int lbctl_top(const char *sock, char **argv, int argc)
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
	stop_on_signals();
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
	while (!stop_requested) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		double until = now_s() + interval;
		char ch;

		/* wait for the interval, or q */
		while (!stop_requested && now_s() < until) {
			int ms = (int)((until - now_s()) * 1000) + 1;

			if (tio_saved && poll(&p, 1, ms) > 0) {
				if (read(STDIN_FILENO, &ch, 1) == 1 && (ch == 'q' || ch == 'Q'))
					stop_requested = 1;
			} else if (!tio_saved) {
				nap(until - now_s() > 0 ? until - now_s() : 0);
			}
		}
		if (stop_requested)
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

static const char *const stat_names[XLB_STAT_MAX][2] = {
#define XLB_STAT_NAME(e, name, help) [XLB_STAT_##e] = { name, help },
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

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

static int do_stats_watch(double secs, long count)
{
	char err[1024];
	json_t *r, *prev = NULL;
	int round = 0, ret = 0;

	stop_on_signals();
	while (!stop_requested) {
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

static int do_stats(const struct command *c, char **argv, int argc)
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
		return do_stats_watch(secs ? secs : 2, count);
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
	s = json_object_get(r, "nat"); /* #19 */
	if (json_is_true(json_object_get(s, "on")))
		printf("nat: %s reverse entries, %s SNAT ports; new %s, reused %s, replies to "
		       "expired entries %s, ICMP errors passed %s\n",
		       jnum(s, "entries"), jnum(s, "ports"), jnum(s, "nat_new"),
		       jnum(s, "nat_reused"), jnum(s, "nat_reply_expired"),
		       jnum(s, "nat_icmp_passed"));
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

static int do_health(const struct command *c, char **argv, int argc)
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
		if (!strcmp(jstr(chk, "via"), "vip"))
			printf(" via the VIP");
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
		/* #21: why a backend's effective weight is what it is (feedback.c) */
		json_array_foreach(json_object_get(s, "backends"), j, b) {
			json_t *fb = json_object_get(b, "feedback");

			if (!fb)
				continue;
			if (json_is_true(json_object_get(fb, "ejected")))
				printf("  %s: ejected (%s: %s of %s new flows in the window), back after "
				       "%ss and a good probe; %s ejections\n",
				       jstr(b, "address"), jstr(fb, "reason"),
				       jnum(fb, "ejected_syn_retx"), jnum(fb, "ejected_flows"),
				       fmt_num(fb, "back_after_s", "%.1f"), jnum(fb, "ejections_total"));
			if (json_object_get(fb, "slow_start_weight"))
				printf("  %s: slow start, weight %s of %s, %ss to go\n", jstr(b, "address"),
				       jnum(fb, "slow_start_weight"), jnum(b, "weight"),
				       fmt_num(fb, "slow_start_s_left", "%.1f"));
			if (json_object_get(fb, "agent")) {
				json_t *ag = json_object_get(fb, "agent");

				printf("  %s: agent says %s, %s, %s%%%s%s%s\n", jstr(b, "address"),
				       jstr(ag, "state"), jstr(ag, "admin"), jnum(ag, "pct"),
				       json_object_get(ag, "reason") ? " # " : "",
				       json_object_get(ag, "reason") ? jstr(ag, "reason") : "",
				       json_is_true(json_object_get(ag, "error"))
					   ? " (last attempt failed)"
					   : "");
			}
			if (json_object_get(fb, "max_flows"))
				printf("  %s: %s of max %s open flows, %s turned away\n",
				       jstr(b, "address"), jnum(fb, "open_flows"), jnum(fb, "max_flows"),
				       jnum(fb, "turned_away"));
		}
	}
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

static int do_audit(const struct command *c, char **argv, int argc)
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

static int do_events(const struct command *c, char **argv, int argc)
{
	return lbctl_events(sock_path, json_out, argv, argc);
}

static int do_top(const struct command *c, char **argv, int argc)
{
	return lbctl_top(sock_path, argv, argc);
}

static const struct command cmds[] = {
	{ "stats", "[--watch [SECONDS]] [--count N]", 0, 4,
	  "Show the global packet counters by reason, then per service and per backend.\n"
	  "--watch: refresh every SECONDS (default 2) with totals and rates (packets,\n"
	  "bits and new flows per second) until Ctrl-C, or N rounds with --count; with\n"
	  "--json one JSON object per round.",
	  do_stats },
	{ "health", "[SERVICE]", 0, 1,
	  "Show health checks (of SERVICE, or all): each service's mode (normal, spill,\n"
	  "backup, panic, fail-closed, down) and per backend its state (up/down), time\n"
	  "since the last change, last probe result and latency, consecutive successes\n"
	  "and failures, zone, backup flag, configured and effective weight, and whether\n"
	  "it may keep established flows (usable).",
	  do_health },
	{ "audit", "[--limit N] [--since T]", 0, 4,
	  "Show the audit log, oldest first: every change and every denied request\n"
	  "with its time, user, uid, pid, command, arguments and result. --limit N\n"
	  "(1..10000, default 100) shows the last N records; --since T only those at\n"
	  "or after T (unix seconds, or an age: 90s, 30m, 12h, 7d). Needs the viewer\n"
	  "role for all services (docs/access.md).",
	  do_audit },
	{ "events", "[--since SEQ] [--limit N] [--follow]", 0, 5,
	  "Show lbd's event log, oldest first: health changes, drains, reloads, backend\n"
	  "add/remove/weight, scaling hooks; one line each with its sequence number,\n"
	  "time, kind, service, backend and details. --since SEQ shows only later\n"
	  "events; --follow keeps printing new ones until Ctrl-C (--json: one object\n"
	  "per line). lbd keeps the last 1024 (events: file: in the config keeps all).",
	  do_events },
	{ "top", "[--interval S] [--once]", 0, 3,
	  "Live view of rates per service and backend: packets/s, bits/s, new flows/s,\n"
	  "health state and configured/effective weight, and the data path's passes and\n"
	  "drops by reason. Refreshes every S seconds (default 1); q or Ctrl-C quits.\n"
	  "--once prints a single frame measured over S seconds and exits.",
	  do_top },
};

const struct cmd_table obs_cmds = CMD_TABLE(cmds);
