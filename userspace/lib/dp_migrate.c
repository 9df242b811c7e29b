// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp_migrate.c - pins of other versions of our maps (an upgrade that changed
 * a layout) and of another size (a resized connection table): found at open,
 * copied around the program switch, then removed. The pure converters are in
 * migrate.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "log.h"
#include "migrate.h"

#include "dp_int.h"

static __u32 pinned_map_id(const char *path, __u32 *max_entries);

__u32 xlb_dp_pinned_max_backends(const char *pin_dir)
{
	char path[PATH_MAX];
	__u32 n = 0;

	if (snprintf(path, sizeof(path), "%s/%s", pin_dir, XLB_MAP_BACKENDS) >= (int)sizeof(path))
		return 0;
	return pinned_map_id(path, &n) ? n : 0;
}

/* One more (zeroed) entry of dp->oldpins, or NULL. */
static struct dp_oldpin *oldpin_add(struct xlb_dp *dp)
{
	struct dp_oldpin *op = realloc(dp->oldpins, (dp->n_oldpins + 1) * sizeof(*op));

	if (!op)
		return NULL;
	dp->oldpins = op;
	op = &dp->oldpins[dp->n_oldpins++];
	memset(op, 0, sizeof(*op));
	return op;
}

/* The id of the map pinned at path (0: none), its size in *max_entries. */
static __u32 pinned_map_id(const char *path, __u32 *max_entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	if (max_entries)
		*max_entries = info.max_entries;
	return info.id;
}

/* Does the program behind the pinned link (the one running now) use map id? */
static bool running_uses(const struct xlb_dp *dp, __u32 id)
{
	struct bpf_link_info li = {};
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(li), ids[64], i;
	char path[PATH_MAX];
	int fd, pfd;
	bool used = false;

	if (snprintf(path, sizeof(path), "%s/" LINK_PIN, dp->pin_dir) >= (int)sizeof(path))
		return false;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &li, &len) &&
	    (pfd = bpf_prog_get_fd_by_id(li.prog_id)) >= 0) {
		len = sizeof(pi);
		pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
		pi.map_ids = (__u64)(unsigned long)ids;
		if (!bpf_obj_get_info_by_fd(pfd, &pi, &len))
			for (i = 0; i < pi.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
				used |= ids[i] == id;
		close(pfd);
	}
	close(fd);
	return used;
}

/*
 * The connection table's size: --max-flows, else the pinned table's, else as
 * built. A pinned map of another size cannot be reused (libbpf refuses the
 * load): its pin moves to NAME_resize (bpffs names take no dots), libbpf
 * creates and pins the map anew, and the entries are copied around the
 * program switch by the upgrade path (oldpins_migrate: before the switch,
 * and again after it for entries the old program created meanwhile), after
 * which the NAME_resize pin goes. After a start that failed before its
 * switch, both pins exist: whichever the running program uses is the one to
 * keep and copy from; the other is an unused leftover.
 */
int dp_resize_prepare(struct xlb_dp *dp, struct bpf_map *m)
{
	char path[PATH_MAX], rpath[PATH_MAX];
	__u32 id, rid, have = 0, rhave = 0;
	struct dp_oldpin *op;

	if (snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, bpf_map__name(m)) >=
		    (int)sizeof(path) ||
	    snprintf(rpath, sizeof(rpath), "%s/%s_resize", dp->pin_dir, bpf_map__name(m)) >=
		    (int)sizeof(rpath))
		return -ENAMETOOLONG;
	id = pinned_map_id(path, &have);
	rid = pinned_map_id(rpath, &rhave);
	if (id && rid) {
		if (running_uses(dp, rid) && !running_uses(dp, id)) {
			pr_info("map %s: the running program uses %s_resize (an earlier resize did not "
				"finish): dropping the unused %s", bpf_map__name(m),
				bpf_map__name(m), bpf_map__name(m));
			if (unlink(path))
				return -errno;
			id = 0;
		} else {
			if (unlink(rpath) && errno != ENOENT)
				pr_warn("removing %s: %s", rpath, strerror(errno));
			rid = 0;
		}
	}
	if (!dp->max_flows && (id || rid)) {
		/* no size asked for: keep the pinned one (a restart changes nothing) */
		if (bpf_map__set_max_entries(m, id ? have : rhave))
			return -EINVAL;
	}
	if (id && have != bpf_map__max_entries(m)) {
		if (rename(path, rpath)) {
			int err = -errno;

			pr_err("map %s: moving its pin aside to resize it (%u -> %u entries): %s",
				bpf_map__name(m), have, bpf_map__max_entries(m), strerror(-err));
			return err;
		}
		rid = id;
	}
	if (!rid)
		return 0;
	pr_info("map %s: resizing from %u to %u entries; its entries are copied at the program "
		"switch", bpf_map__name(m), id ? have : rhave, bpf_map__max_entries(m));
	op = oldpin_add(dp);
	if (!op)
		return -ENOMEM;
	snprintf(op->name, sizeof(op->name), "%s_resize", bpf_map__name(m));
	op->map = m;
	op->mig = xlb_migration_resize("flows");
	return 0;
}

/* ---- upgrades: pins of other versions of our maps (migrate.h) ---- */

/*
 * An upgrade that changes a map's layout renames it (xlb_flows_v2 ->
 * xlb_flows_v3): libbpf then creates the new map empty and the old pin stays.
 * Order, around the program switch (xlb_dp_attach):
 *  1. at open, find the pins of other versions and decide (log) what is
 *     migrated and what starts empty;
 *  2. just before the switch, while the old program still runs on the old
 *     maps: copy (flows: entries missing in the new map; counters: by name);
 *  3. switch (bpf_link_update);
 *  4. copy the flows again: entries the old program created between 2 and 3
 *     (the new program's own entries are kept);
 *  5. unpin the old versions; the kernel frees them with the old program.
 * What is lost: a flow created by the old program between 2 and 3 whose next
 * packet reaches the new program before 4 is rescheduled (with an unchanged
 * table, to the same backend); counter increments of the old program between
 * 2 and 3. Both windows are a few syscalls long.
 */

static const char *const stat_names[] = {
#define XLB_STAT_NAME(e, name, help) name,
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

/*
 * Old pins are found by name, and that is the point: a pin of another version
 * (xlb_flows_v2 beside our XLB_FLOWS_MAP) or of another size (NAME_resize) is
 * not a map of the loaded skeleton, so there is no typed accessor to use. The
 * map of ours it belongs to is matched by its name's base (migrate.h).
 */
int dp_oldpins_scan(struct xlb_dp *dp)
{
	char base[32], obase[32];
	unsigned int ver, over;
	struct dirent *de;
	struct bpf_map *m;
	DIR *d;

	d = opendir(dp->pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct dp_oldpin *op;

		if (strlen(de->d_name) >= sizeof(op->name) ||
		    xlb_map_name_parse(de->d_name, obase, sizeof(obase), &over))
			continue;
		bpf_object__for_each_map(m, dp->obj) {
			if (bpf_map__is_internal(m) || !bpf_map__pin_path(m) ||
			    xlb_map_name_parse(bpf_map__name(m), base, sizeof(base), &ver) ||
			    strcmp(base, obase) || ver == over)
				continue;
			op = oldpin_add(dp);
			if (!op) {
				closedir(d);
				return -ENOMEM;
			}
			snprintf(op->name, sizeof(op->name), "%s", de->d_name);
			op->map = m;
			op->from = over;
			op->to = ver;
			op->mig = xlb_migration_find(base, over, ver);
			if (op->mig)
				pr_info("map %s: migrating to %s at the program switch", op->name,
					bpf_map__name(m));
			else
				pr_warn("map %s v%u: no migration to v%u, %s starts empty (the old "
					"pin is removed after the switch)",
					op->name, over, ver, bpf_map__name(m));
			break;
		}
	}
	closedir(d);
	return 0;
}

/* Check the old map is what the migration was written for. */
static int oldpin_open(const struct xlb_dp *dp, const struct dp_oldpin *op)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	enum bpf_map_type want = op->mig->kind == XLB_MIGRATE_COUNTERS ? BPF_MAP_TYPE_PERCPU_ARRAY
								       : BPF_MAP_TYPE_UNSPEC;
	char path[PATH_MAX + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, op->name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size != op->mig->key_size ||
	    info.value_size != op->mig->value_size || (want && info.type != want) ||
	    (!want && info.type != BPF_MAP_TYPE_HASH && info.type != BPF_MAP_TYPE_LRU_HASH)) {
		pr_warn("map %s: type %u, key %u, value %u bytes: not the layout its migration "
			"expects (key %u, value %u): %s starts empty",
			op->name, info.type, info.key_size, info.value_size, op->mig->key_size,
			op->mig->value_size, bpf_map__name(op->map));
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/*
 * Copy the entries of the old map missing in the new one: an entry already
 * there (the new program's, or from an earlier pass) is kept. Into an empty
 * new map (pass 1 of a normal upgrade) with batch updates; otherwise entry by
 * entry with BPF_NOEXIST (batch updates of hash maps take no such flag).
 */
static int migrate_entries(struct xlb_dp *dp, struct dp_oldpin *op, int ofd)
{
	enum { BATCH = 1024 };
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 ksz = op->mig->key_size, ovsz = op->mig->value_size;
	__u32 nvsz = bpf_map__value_size(op->map), n, i, cnt;
	int nfd = bpf_map__fd(op->map), err = 0;
	__u8 *keys, *ovals, *nvals;
	bool first = true, done = false, empty;
	__u8 in[64], out[64]; /* batch cursors (hash maps: a bucket number) */

	(void)dp;
	if (ksz > sizeof(in) || bpf_map__key_size(op->map) != ksz)
		return -EINVAL;
	keys = malloc((size_t)BATCH * ksz);
	ovals = malloc((size_t)BATCH * ovsz);
	nvals = calloc(BATCH, nvsz);
	if (!keys || !ovals || !nvals) {
		err = -ENOMEM;
		goto out;
	}
	empty = bpf_map_get_next_key(nfd, NULL, keys) && errno == ENOENT;
	while (!done) {
		n = BATCH;
		if (bpf_map_lookup_batch(ofd, first ? NULL : in, out, keys, ovals, &n, &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				goto out;
			}
			done = true;
		}
		first = false;
		memcpy(in, out, sizeof(in));
		memset(nvals, 0, (size_t)n * nvsz);
		for (i = 0; i < n; i++)
			op->mig->convert(ovals + (size_t)i * ovsz, nvals + (size_t)i * nvsz);
		cnt = n;
		if (empty && n && !bpf_map_update_batch(nfd, keys, nvals, &cnt, &opts) && cnt == n) {
			op->copied += n;
			continue;
		}
		for (i = 0; i < n; i++) {
			if (!bpf_map_update_elem(nfd, keys + (size_t)i * ksz, nvals + (size_t)i * nvsz,
						 BPF_NOEXIST))
				op->copied++;
			else if (errno != EEXIST) {
				err = -errno;
				goto out;
			}
		}
	}
out:
	free(keys);
	free(ovals);
	free(nvals);
	return err;
}

/* Per-CPU counters by name: new = max(new, old) per CPU (migrate.h). */
static int migrate_counters(struct xlb_dp *dp, struct dp_oldpin *op, int ofd)
{
	size_t no = op->mig->n_names, nn = sizeof(stat_names) / sizeof(stat_names[0]);
	int nfd = bpf_map__fd(op->map), err = 0;
	__u64 *o = NULL, *n = NULL, *buf = NULL;
	__u32 omax, k, c;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	/* only the reason counters have names here (XLB_MAP_STATS, any version) */
	if (op->map != DP_MAP(dp, XLB_STATS_MAP) ||
	    bpf_map__max_entries(op->map) < nn || bpf_obj_get_info_by_fd(ofd, &info, &len))
		return -EINVAL;
	omax = info.max_entries < no ? info.max_entries : no;
	o = calloc((size_t)dp->ncpus * no, sizeof(*o)); /* [cpu][reason] */
	n = calloc((size_t)dp->ncpus * nn, sizeof(*n));
	buf = calloc(dp->ncpus, sizeof(*buf));
	if (!o || !n || !buf) {
		err = -ENOMEM;
		goto out;
	}
	for (k = 0; k < omax; k++) {
		if (bpf_map_lookup_elem(ofd, &k, buf)) {
			err = -errno;
			goto out;
		}
		for (c = 0; c < (__u32)dp->ncpus; c++)
			o[c * no + k] = buf[c];
	}
	for (k = 0; k < nn; k++) {
		if (bpf_map_lookup_elem(nfd, &k, buf)) {
			err = -errno;
			goto out;
		}
		for (c = 0; c < (__u32)dp->ncpus; c++)
			n[c * nn + k] = buf[c];
	}
	for (c = 0; c < (__u32)dp->ncpus; c++)
		xlb_migrate_counters(op->mig->names, omax, &o[c * no], stat_names, nn, &n[c * nn]);
	for (k = 0; k < nn; k++) {
		for (c = 0; c < (__u32)dp->ncpus; c++)
			buf[c] = n[c * nn + k];
		if (bpf_map_update_elem(nfd, &k, buf, BPF_ANY)) {
			err = -errno;
			goto out;
		}
	}
	op->copied = omax;
out:
	free(o);
	free(n);
	free(buf);
	return err;
}

/* Pass 1 (before the switch) or 2 (after it: flows only). Best effort, logged. */
void dp_oldpins_migrate(struct xlb_dp *dp, int pass)
{
	struct dp_oldpin *op;
	__u64 before;
	size_t i;
	int fd, err;

	for (i = 0; i < dp->n_oldpins; i++) {
		op = &dp->oldpins[i];
		if (!op->mig || (pass == 2 && op->mig->kind != XLB_MIGRATE_ENTRIES))
			continue;
		fd = oldpin_open(dp, op);
		if (fd < 0) {
			op->mig = NULL; /* no second pass */
			continue;
		}
		before = op->copied;
		err = op->mig->kind == XLB_MIGRATE_ENTRIES ? migrate_entries(dp, op, fd)
							    : migrate_counters(dp, op, fd);
		close(fd);
		if (err)
			pr_warn("map %s: migrating to %s: %s (%llu copied)", op->name,
				bpf_map__name(op->map), strerror(-err),
				(unsigned long long)(op->copied - before));
		else if (op->mig->kind == XLB_MIGRATE_COUNTERS)
			pr_info("map %s: %llu counters copied by name to %s", op->name,
				(unsigned long long)op->copied, bpf_map__name(op->map));
		else
			pr_info("map %s: %llu entries copied to %s%s", op->name,
				(unsigned long long)(op->copied - before), bpf_map__name(op->map),
				pass == 2 ? " (created by the old program during the switch)" : "");
	}
}

/* After the switch: no program uses the old versions any more. */
void dp_oldpins_remove(struct xlb_dp *dp)
{
	char path[PATH_MAX + 64];
	size_t i;

	for (i = 0; i < dp->n_oldpins; i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, dp->oldpins[i].name);
		if (unlink(path) && errno != ENOENT)
			pr_warn("removing the old pin %s: %s", path, strerror(errno));
		else
			pr_info("removed the pin of %s (replaced by %s)", dp->oldpins[i].name,
				bpf_map__name(dp->oldpins[i].map));
	}
	free(dp->oldpins);
	dp->oldpins = NULL;
	dp->n_oldpins = 0;
}
