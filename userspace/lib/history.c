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

#include "fileio.h"
#include "history.h"

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
	err = xlb_mkdir_p(dir, 0750);
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
	xlb_fsync_dir(dir);
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
