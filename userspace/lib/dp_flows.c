// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp_flows.c - views of the connection table (draining, status, least-conn
 * recount).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "log.h"

#include "dp_int.h"
#include "flowstat.h"

/* ---- connection table views (draining, status) ---- */

static __u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

int xlb_dp_flow_counts(struct xlb_dp *dp, __u32 *counts, __u32 n_ids, __u64 active_ns,
		       __u32 *total)
{
	__u32 seen = 0;
	enum { BATCH = 4096 };
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct xlb_flow_key *keys = NULL;
	struct xlb_flow *vals = NULL;
	__u64 in = 0, out = 0, now = 0;
	bool first = true, done = false;
	struct timespec ts;
	int fd, err = 0;
	__u32 n;

	fd = DP_MAP_FD(dp, XLB_FLOWS_MAP);
	if (fd < 0)
		return fd;
	if (counts)
		memset(counts, 0, n_ids * sizeof(*counts));
	if (total)
		*total = 0;
	/* the data path stamps flows with bpf_ktime_get_coarse_ns() */
	if (active_ns && !clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		now = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	keys = malloc(BATCH * sizeof(*keys));
	vals = malloc(BATCH * sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	/*
	 * One batch walk of the whole table. Entries inserted or evicted
	 * meanwhile may be missed or seen twice: a snapshot is good enough.
	 */
	while (!done) {
		n = BATCH;
		if (bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &n, &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				goto out;
			}
			done = true; /* the last (possibly partial) batch */
		}
		first = false;
		in = out;
		seen += n;
		if (counts) /* the one definition of an open flow (flowstat.h) */
			xlb_flow_count_open(vals, n, now, active_ns, counts, n_ids);
	}
	if (total)
		*total = seen;
	/* every complete walk refreshes the count that status reports */
	dp->flows_seen = seen;
	dp->flows_seen_ms = mono_ms();
out:
	free(keys);
	free(vals);
	return err;
}

int xlb_dp_flows_refresh(struct xlb_dp *dp, __u64 max_age_ms)
{
	if (dp->flows_seen_ms && mono_ms() - dp->flows_seen_ms < max_age_ms)
		return 0;
	return xlb_dp_flow_counts(dp, NULL, 0, 0, NULL);
}

int xlb_dp_fill(const struct xlb_dp *dp, struct xlb_dp_fill *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->flows_max = bpf_map__max_entries(DP_MAP(dp, XLB_FLOWS_MAP));
	f->services = dp->n_svcs;
	f->services_max = dp->max_services;
	f->backends_max = dp->max_backends;
	for (i = 0; i < dp->n_svcs; i++)
		f->backends += dp->svcs[i].n_be;
	/* no walk here: the count of the last one (xlb_dp_flows_refresh) */
	f->flows = dp->flows_seen;
	f->flows_age_ms = dp->flows_seen_ms ? (__s64)(mono_ms() - dp->flows_seen_ms) : -1;
	return 0;
}

int xlb_dp_lc_recount(struct xlb_dp *dp, __u64 idle_ns)
{
	__u32 *counts, id;
	size_t i, j;
	bool any = false;
	int fd, err;

	for (i = 0; i < dp->n_svcs && !any; i++) {
		any = dp->svcs[i].svc.sched == XLB_SCHED_LC;
		for (j = 0; j < dp->svcs[i].n_be && !any; j++) /* #21: capped backends count too */
			any = dp->svcs[i].be[j].max_flows != 0;
	}
	if (!any)
		return 0;
	fd = DP_MAP_FD(dp, XLB_CONNS_MAP);
	if (fd < 0)
		return fd;
	counts = calloc(dp->max_backends, sizeof(*counts));
	if (!counts)
		return -ENOMEM;
	err = xlb_dp_flow_counts(dp, counts, dp->max_backends, idle_ns, NULL);
	for (i = 0; !err && i < dp->n_svcs; i++) {
		for (j = 0; j < dp->svcs[i].n_be; j++) {
			__s64 v;

			if (dp->svcs[i].svc.sched != XLB_SCHED_LC && !dp->svcs[i].be[j].max_flows)
				continue;
			id = dp->svcs[i].be[j].id;
			if (id >= dp->max_backends)
				continue;
			v = counts[id];
			if (bpf_map_update_elem(fd, &id, &v, BPF_ANY)) {
				err = -errno;
				pr_warn("writing %s[%u]: %s", XLB_MAP_CONNS, id, strerror(-err));
				break;
			}
		}
	}
	free(counts);
	return err;
}
