// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The audit log (docs/access.md): one JSON object per line for every change
 * requested on the control socket and every denied request, whoever sent it:
 *
 *   {"time":"2024-05-01T12:00:00.123Z","ts":1714564800,"iface":"eth0","uid":1001,
 *    "user":"bob","gid":1001,"pid":4242,"cmd":"backend.weight",
 *    "args":{"service":"web","address":"10.0.0.12","weight":0},"result":"ok"}
 *
 * Durability: the file is opened O_APPEND and each record is one write(2)
 * followed by fdatasync(2), before lbd answers the request. So a client
 * that saw the answer knows the record is on disk, and records of several
 * lbd instances sharing one file never interleave within a line. Changes
 * come at human (or script) rate and lbd serves one request at a time, so a
 * group commit would buy nothing; an fdatasync per record costs about a
 * millisecond on a local SSD.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fileio.h"
#include "lbd.h"
#include "log.h"

#define AUDIT_READ_MAX (64u << 20) /* "audit" reads at most this much of the file's tail */
#define AUDIT_CHUNK 65536
#define AUDIT_DEFAULT_LIMIT 100

static int audit_fd = -1;
static char audit_path[XLB_PATH_MAX];
static char audit_iface[32];

const char *lbd_audit_path(void)
{
	return audit_path;
}

/* mkdir -p the parent of path with mode (existing directories are kept as they are). */
static int fsync_parent(const char *path)
{
	char dir[XLB_PATH_MAX], *p;
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p)
		return 0;
	*(p == dir ? p + 1 : p) = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int lbd_audit_open(const char *path, const char *iface)
{
	struct stat st;
	bool created;
	int fd, err;

	if (audit_fd >= 0 && !strcmp(path, audit_path))
		return 0;
	err = xlb_mkdir_parent(path, 0750);
	if (err) {
		pr_warn("audit log %s: creating its directory: %s", path, strerror(-err));
		return err;
	}
	created = lstat(path, &st) != 0;
	/* O_NOFOLLOW: a symlink planted in a shared directory must not redirect our writes. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		err = -errno;
		pr_warn("audit log %s: %s", path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pr_warn("audit log %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (created)
		fsync_parent(path); /* the new file's name is durable too */
	if (audit_fd >= 0) {
		pr_info("audit log: %s -> %s", audit_path, path);
		close(audit_fd);
	}
	audit_fd = fd;
	snprintf(audit_path, sizeof(audit_path), "%s", path);
	snprintf(audit_iface, sizeof(audit_iface), "%s", iface ? iface : "");
	return 0;
}

void lbd_audit_close(void)
{
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
}

static void iso_time(char *buf, size_t len, struct timespec *ts)
{
	struct tm tm;
	char s[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", s, ts->tv_nsec / 1000000);
}

void lbd_audit(const struct xlb_peer *p, const char *via, const char *cmd, json_t *args,
	       json_t *resp)
{
	json_t *rec, *err = json_object_get(resp, "error");
	struct timespec now;
	char t[64], *line;
	size_t len, off = 0;
	ssize_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	iso_time(t, sizeof(t), &now);
	rec = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:I, s:i, s:s, s:O, s:s}", "time", t, "ts",
			(json_int_t)now.tv_sec, "iface", audit_iface, "via", via, "uid",
			(json_int_t)p->uid, "user", p->user, "gid", (json_int_t)p->gid, "pid",
			(int)p->pid, "cmd", cmd, "args", args ? args : json_null(), "result",
			json_is_true(json_object_get(resp, "ok"))
				? "ok"
				: (json_string_value(json_object_get(err, "code")) ?: "internal"));
	if (!rec) {
		pr_warn("audit: out of memory: %s by uid %u not recorded", cmd, p->uid);
		return;
	}
	if (json_string_value(json_object_get(err, "message")))
		json_object_set(rec, "message", json_object_get(err, "message"));
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (!line)
		return;
	len = strlen(line);
	line[len++] = '\n'; /* replaces the NUL; one write() per record */
	while (audit_fd >= 0 && off < len) {
		n = write(audit_fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	if (audit_fd < 0 || off < len || fdatasync(audit_fd)) {
		/* Never lose a record silently: the journal gets it. */
		line[len - 1] = 0;
		pr_warn("audit: writing %s failed (%s); record: %s", audit_path,
			audit_fd < 0 ? "not open" : strerror(errno), line);
	}
	free(line);
}

/*
 * Walk the file backwards in chunks and call fn on each complete line, newest
 * first, until fn returns non-zero, the start of the file or AUDIT_READ_MAX.
 */
static int audit_tail(const char *path, int (*fn)(const char *line, void *ctx), void *ctx)
{
	size_t have = 0, got_total = 0, e, i;
	char *buf = NULL;
	struct stat st;
	off_t off;
	int fd, err = 0, stop = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	off = st.st_size;
	while (off > 0 && !stop && got_total < AUDIT_READ_MAX) {
		size_t chunk = off > AUDIT_CHUNK ? AUDIT_CHUNK : (size_t)off;
		char *nb = malloc(chunk + have + 1);
		ssize_t n;

		if (!nb) {
			err = -ENOMEM;
			goto out;
		}
		off -= chunk;
		n = pread(fd, nb, chunk, off);
		if (n != (ssize_t)chunk) {
			free(nb);
			err = n < 0 ? -errno : -EIO;
			goto out;
		}
		memcpy(nb + chunk, buf, have);
		free(buf);
		buf = nb;
		have += chunk;
		got_total += chunk;
		buf[have] = 0;
		/* lines that are complete: after a '\n' inside buf (or from offset 0) */
		e = have;
		for (i = have; i > 0 && !stop; i--) {
			if (buf[i - 1] != '\n')
				continue;
			buf[i - 1] = 0;
			if (i < e && buf[i])
				stop = fn(buf + i, ctx);
			e = i - 1;
		}
		if (!stop && off == 0 && e > 0) {
			buf[e] = 0;
			stop = fn(buf, ctx);
		}
		have = e; /* the unfinished first line waits for the previous chunk */
	}
out:
	free(buf);
	close(fd);
	return err;
}

struct tail_ctx {
	json_t *recs; /* newest first */
	size_t limit;
	json_int_t since;
	size_t skipped; /* unparsable lines */
};

static int tail_one(const char *line, void *vctx)
{
	struct tail_ctx *t = vctx;
	json_t *rec = json_loads(line, 0, NULL);
	json_t *ts = json_object_get(rec, "ts");

	if (!json_is_object(rec) || !json_is_integer(ts)) {
		t->skipped++;
		json_decref(rec);
		return 0;
	}
	if (json_integer_value(ts) < t->since) {
		json_decref(rec);
		return 1; /* records are in time order: nothing older can match */
	}
	json_array_append_new(t->recs, rec);
	return json_array_size(t->recs) >= t->limit;
}

json_t *lbd_cmd_audit(struct lbd *l, json_t *args)
{
	json_t *lim = json_object_get(args, "limit"), *since = json_object_get(args, "since");
	struct tail_ctx t = {
		.recs = json_array(),
		.limit = lim ? (size_t)json_integer_value(lim) : AUDIT_DEFAULT_LIMIT,
		.since = since ? json_integer_value(since) : 0,
	};
	json_t *out;
	size_t i, n;
	int err;

	if (!t.limit) {
		err = 0;
	} else {
		err = audit_tail(audit_path, tail_one, &t);
	}
	if (err) {
		json_decref(t.recs);
		return xlb_proto_error(XLB_E_INTERNAL, "reading the audit log %s: %s", audit_path,
				       strerror(-err));
	}
	/* oldest first, like the file */
	out = json_array();
	n = json_array_size(t.recs);
	for (i = n; i > 0; i--)
		json_array_append(out, json_array_get(t.recs, i - 1));
	json_decref(t.recs);
	if (t.skipped)
		pr_warn("audit log %s: %zu unreadable lines skipped", audit_path, t.skipped);
	return xlb_proto_ok(json_pack("{s:s, s:o}", "file", audit_path, "records", out));
}
