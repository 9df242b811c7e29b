// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * events.c - lbd's event log: a sink every module writes to, calling no one.
 *
 * An event is one structured line: sequence number, time, kind, service,
 * backend, details. Kinds in use: start, reload, health, drain,
 * backend.add, backend.remove, backend.weight, scaling (docs/metrics.md).
 * Events live in a ring of LBD_EVENTS_RING (lbctl events [--follow] reads
 * it by sequence number) and, with events: { file: PATH }, are appended to
 * PATH as JSON lines.
 *
 * The lifecycle (ring, file, metrics endpoint, the 1 s tick) is obs.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "lbd.h"
#include "log.h"
#include "obs.h"

double lbd_obs_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "2025-01-31T12:00:00.123Z" */
static const char *iso_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(ts->tv_nsec / 1000000) % 1000);
	return buf;
}

static json_t *ev_json(const struct lbd_ev *e)
{
	char t[96];

	return json_pack("{s:I, s:s, s:f, s:s, s:s?, s:s?, s:s}", "seq", (json_int_t)e->seq,
			 "time", iso_time(&e->ts, t, sizeof(t)), "unix",
			 e->ts.tv_sec + e->ts.tv_nsec / 1e9, "kind", e->kind, "service",
			 *e->service ? e->service : NULL, "backend",
			 *e->backend ? e->backend : NULL, "details", e->details);
}

int lbd_events_open_file(struct lbd_obs *o, const char *path)
{
	int fd;

	if (!strcmp(o->ev_path, path) && (o->ev_fd >= 0 || !*path))
		return 0;
	lbd_events_close(o);
	if (!*path)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		int err = -errno;

		pr_warn("events: cannot open %s: %s (events stay in memory only)", path,
			strerror(-err));
		return err;
	}
	o->ev_fd = fd;
	snprintf(o->ev_path, sizeof(o->ev_path), "%s", path);
	return 0;
}

void lbd_events_close(struct lbd_obs *o)
{
	if (o->ev_fd >= 0)
		close(o->ev_fd);
	o->ev_fd = -1;
	o->ev_path[0] = '\0';
}

void lbd_event(struct lbd *l, const char *kind, const char *service, const char *backend,
	       const char *fmt, ...)
{
	struct lbd_obs *o = l->obs;
	struct lbd_ev *e;
	va_list ap;

	if (!o)
		return;
	e = &o->ring[o->next_seq % LBD_EVENTS_RING];
	memset(e, 0, sizeof(*e));
	e->seq = o->next_seq++;
	clock_gettime(CLOCK_REALTIME, &e->ts);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	snprintf(e->service, sizeof(e->service), "%s", service ? service : "");
	snprintf(e->backend, sizeof(e->backend), "%s", backend ? backend : "");
	va_start(ap, fmt);
	vsnprintf(e->details, sizeof(e->details), fmt, ap);
	va_end(ap);
	o->ev_by_kind_total++;
	pr_debug("event %llu: %s %s %s: %s", (unsigned long long)e->seq, e->kind,
		 *e->service ? e->service : "-", *e->backend ? e->backend : "-", e->details);
	if (o->ev_fd >= 0) {
		json_t *j = ev_json(e);
		char *line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		if (line) {
			size_t n = strlen(line);

			line[n] = '\n'; /* replaces the NUL: one write, one line (O_APPEND) */
			if (write(o->ev_fd, line, n + 1) != (ssize_t)(n + 1))
				pr_warn("events: writing %s: %s", o->ev_path, strerror(errno));
			line[n] = '\0';
		}
		free(line);
		json_decref(j);
	}
}

json_t *lbd_events_json(struct lbd *l, __u64 since, __u64 limit)
{
	struct lbd_obs *o = l->obs;
	__u64 first, last, s;
	json_t *arr = json_array();

	if (!o)
		return json_pack("{s:o, s:i, s:i, s:i}", "events", arr, "first_seq", 0, "last_seq",
				 0, "lost", 0);
	last = o->next_seq - 1; /* seqs start at 1; 0 = none yet */
	first = o->next_seq > LBD_EVENTS_RING + 1 ? o->next_seq - LBD_EVENTS_RING : 1;
	if (!limit || limit > LBD_EVENTS_RING)
		limit = LBD_EVENTS_RING;
	s = since + 1 > first ? since + 1 : first;
	/* the newest `limit` when more are waiting: a follower catches up on the rest */
	for (; s <= last && json_array_size(arr) < limit; s++)
		json_array_append_new(arr, ev_json(&o->ring[s % LBD_EVENTS_RING]));
	return json_pack("{s:o, s:I, s:I, s:I}", "events", arr, "first_seq",
			 (json_int_t)(last ? first : 0), "last_seq", (json_int_t)last, "lost",
			 (json_int_t)(since + 1 < first ? first - since - 1 : 0));
}

json_t *lbd_cmd_events(struct lbd *l, json_t *args)
{
	return lbd_events_json(l, json_integer_value(json_object_get(args, "since")),
			       json_integer_value(json_object_get(args, "limit")));
}
