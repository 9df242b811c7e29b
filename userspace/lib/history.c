// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* history.c - applied generations in a directory (history.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "history.h"

static int fsync_dir(const char *dir)
{
	int fd, err = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

static void dir_of(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = 0;
	else if (slash)
		*slash = 0;
	else
		snprintf(dir, len, ".");
}

int xlb_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	size_t off = 0;
	bool exists;
	ssize_t n;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.xlb-tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	dir_of(path, dir, sizeof(dir));
	exists = !stat(path, &st);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, exists ? st.st_mode & 07777 : mode);
	if (fd < 0)
		return -errno;
	if (exists) { /* keep the file's owner and mode (umask may have cut the mode) */
		if (fchown(fd, st.st_uid, st.st_gid)) {
			/* not fatal: without CAP_CHOWN the file becomes ours */
		}
		if (fchmod(fd, st.st_mode & 07777)) {
			/* not fatal either */
		}
	}
	while (off < len) {
		n = write(fd, (const char *)buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += n;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return fsync_dir(dir);
}

int xlb_read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	ssize_t n;
	int fd, err = 0;

	*bufp = NULL;
	*lenp = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			free(buf);
			goto out;
		}
		if (n == 0)
			break; /* shrank meanwhile */
		got += n;
	}
	buf[got] = 0;
	*bufp = buf;
	*lenp = got;
out:
	close(fd);
	return err;
}

static int mkdir_p(const char *dir)
{
	char p[PATH_MAX], *s;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0750) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

/* "000042.json" -> 42 (and ext "json"); 0 if not a generation file. */
static __u64 gen_of(const char *name, const char **ext)
{
	char *end;
	unsigned long long g;

	if (name[0] < '0' || name[0] > '9')
		return 0;
	errno = 0;
	g = strtoull(name, &end, 10);
	if (errno || *end != '.' || (strcmp(end, ".json") && strcmp(end, ".yaml")))
		return 0;
	*ext = end + 1;
	return g;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorted generations that have a .json (complete), and the highest number seen in any file. */
static int scan(const char *dir, __u64 **gens, size_t *n, __u64 *max_any)
{
	struct dirent *de;
	size_t cap = 0;
	__u64 *v = NULL, *nv, g;
	const char *ext;
	DIR *d;

	*gens = NULL;
	*n = 0;
	if (max_any)
		*max_any = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		g = gen_of(de->d_name, &ext);
		if (!g)
			continue;
		if (max_any && g > *max_any)
			*max_any = g;
		if (strcmp(ext, "json"))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = g;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_u64);
	*gens = v;
	return 0;
}

static void gen_path(char *buf, size_t len, const char *dir, __u64 gen, const char *ext)
{
	snprintf(buf, len, "%s/%06llu.%s", dir, (unsigned long long)gen, ext);
}

int xlb_history_newest(const char *dir, __u64 *gen)
{
	__u64 *v;
	size_t n;
	int err;

	err = scan(dir, &v, &n, NULL);
	if (err)
		return err;
	if (!n) {
		free(v);
		return -ENOENT;
	}
	*gen = v[n - 1];
	free(v);
	return 0;
}

int xlb_history_add(const char *dir, unsigned int keep, const char *text, size_t len,
		    json_t *meta, __u64 *genp)
{
	char path[PATH_MAX];
	__u64 *v, max_any, gen;
	size_t n, i;
	char *js;
	int err;

	if (keep < 1)
		keep = 1;
	err = mkdir_p(dir);
	if (err)
		return err;
	err = scan(dir, &v, &n, &max_any);
	if (err)
		return err;
	/* past any leftover .yaml too, so a number is never reused for other content */
	gen = max_any + 1;
	json_object_set_new(meta, "generation", json_integer(gen));
	json_object_set_new(meta, "bytes", json_integer(len));
	gen_path(path, sizeof(path), dir, gen, "yaml");
	err = xlb_write_atomic(path, text, len, 0640);
	if (err)
		goto out;
	js = json_dumps(meta, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!js) {
		err = -ENOMEM;
		unlink(path);
		goto out;
	}
	gen_path(path, sizeof(path), dir, gen, "json");
	err = xlb_write_atomic(path, js, strlen(js), 0640);
	free(js);
	if (err) {
		gen_path(path, sizeof(path), dir, gen, "yaml");
		unlink(path);
		goto out;
	}
	*genp = gen;
	/* prune: complete generations beyond keep (the new one counts), then orphans */
	for (i = 0; n + 1 > keep && i < n + 1 - keep; i++) {
		gen_path(path, sizeof(path), dir, v[i], "json");
		unlink(path); /* the commit mark first: never a .json without its .yaml */
		gen_path(path, sizeof(path), dir, v[i], "yaml");
		unlink(path);
	}
	{
		DIR *d = opendir(dir);
		struct dirent *de;
		const char *ext;
		struct stat st;
		__u64 g;

		while (d && (de = readdir(d))) {
			g = gen_of(de->d_name, &ext);
			if (!g || strcmp(ext, "yaml") || g == gen)
				continue;
			gen_path(path, sizeof(path), dir, g, "json");
			if (stat(path, &st) && errno == ENOENT) {
				gen_path(path, sizeof(path), dir, g, "yaml");
				unlink(path);
			}
		}
		if (d)
			closedir(d);
	}
	fsync_dir(dir);
out:
	free(v);
	return err;
}

int xlb_history_list(const char *dir, json_t **list)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *arr, *m;
	__u64 *v;
	size_t n, i;
	int err;

	*list = NULL;
	err = scan(dir, &v, &n, NULL);
	if (err)
		return err;
	arr = json_array();
	if (!arr) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		gen_path(path, sizeof(path), dir, v[i], "json");
		m = json_load_file(path, 0, &jerr);
		if (!json_is_object(m)) { /* unreadable: still list it */
			json_decref(m);
			m = json_pack("{s:s}", "summary", "(metadata unreadable)");
		}
		json_object_set_new(m, "generation", json_integer(v[i]));
		json_array_append_new(arr, m);
	}
	free(v);
	*list = arr;
	return 0;
}

int xlb_history_get(const char *dir, __u64 gen, char **text, size_t *len, json_t **meta)
{
	char path[PATH_MAX];
	json_error_t jerr;
	struct stat st;
	int err;

	*text = NULL;
	*len = 0;
	if (meta)
		*meta = NULL;
	gen_path(path, sizeof(path), dir, gen, "json");
	if (stat(path, &st))
		return -errno;
	if (meta) {
		*meta = json_load_file(path, 0, &jerr);
		if (!*meta)
			*meta = json_object();
	}
	gen_path(path, sizeof(path), dir, gen, "yaml");
	err = xlb_read_file(path, 64u << 20, text, len);
	if (err && meta) {
		json_decref(*meta);
		*meta = NULL;
	}
	return err;
}
