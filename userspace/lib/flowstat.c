// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "flowstat.h"

#define BATCH 1024

int xlb_flowstat_open(const char *pin_dir)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, XLB_MAP_FLOWS) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

/* max_entries of a map fd (0 on error). */
static __u64 map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

bool xlb_flow_is_open(const struct xlb_flow *f, __u64 now_ns, __u64 window_ns)
{
	if (f->flags & XLB_FLOW_F_CLOSED)
		return false;
	/* stamped after now was read: as fresh as it gets */
	return !window_ns || now_ns <= f->last_seen_ns || now_ns - f->last_seen_ns <= window_ns;
}

void xlb_flow_count_open(const struct xlb_flow *vals, size_t n, __u64 now_ns, __u64 window_ns,
			 __u32 *counts, __u32 n_ids)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (vals[i].backend_id < n_ids && xlb_flow_is_open(&vals[i], now_ns, window_ns))
			counts[vals[i].backend_id]++;
}

void xlb_flowstat_add(struct xlb_flowstat *fs, const struct xlb_flow *vals, size_t n,
		      __u64 now_ns, __u64 window_ns)
{
	size_t i;

	fs->entries += n;
	for (i = 0; i < n; i++) {
		const struct xlb_flow *f = &vals[i];

		if (!xlb_flow_is_open(f, now_ns, window_ns))
			continue;
		fs->active++;
		if (f->svc_id < XLB_MAX_SERVICES)
			fs->svc_active[f->svc_id]++;
		if (f->backend_id < XLB_BACKEND_ID_LIMIT)
			fs->be_active[f->backend_id]++;
	}
}

/* Fallback for kernels without batch ops on this map type. */
static int read_keys(int fd, __u64 now, __u64 window, struct xlb_flowstat *fs)
{
	struct xlb_flow_key k, next;
	struct xlb_flow f;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &f))
			xlb_flowstat_add(fs, &f, 1, now, window);
		k = next;
		prev = &k;
	}
	return errno == ENOENT ? 0 : -errno;
}

int xlb_flowstat_read(int fd, __u64 window_ns, struct xlb_flowstat *fs)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct xlb_flow_key *keys;
	struct xlb_flow *vals;
	struct timespec ts;
	__u32 batch, count;
	bool first = true;
	__u64 now;
	int err = 0;

	memset(fs, 0, sizeof(*fs));
	fs->capacity = map_capacity(fd);
	/* bpf_ktime_get_coarse_ns() is CLOCK_MONOTONIC_COARSE */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	keys = calloc(BATCH, sizeof(*keys));
	vals = calloc(BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals, &count,
					   &opts);
		if (err)
			err = -errno;
		xlb_flowstat_add(fs, vals, count, now, window_ns);
		if (err == -ENOENT) { /* the last batch */
			err = 0;
			break;
		}
		if (err) {
			if (first && (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP)) {
				memset(fs->svc_active, 0, sizeof(fs->svc_active));
				memset(fs->be_active, 0, sizeof(fs->be_active));
				fs->entries = fs->active = 0;
				err = read_keys(fd, now, window_ns, fs);
			}
			break;
		}
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}
