// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp.c - data path access layer: open, close, lock, load, pins, counters,
 * the fds read-only views use;
 * see dp.h for the model and dp_int.h for how the layer is split into files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fileio.h"
#include "addr.h"
#include "dp.h"
#include "idalloc.h"
#include "log.h"

#include "xlb_hash.h"
#include "xlb.skel.h"

#include "dp_int.h"

int xlb_attach_mode_parse(const char *s, enum xlb_attach_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = XLB_ATTACH_AUTO;
	else if (!strcmp(s, "native"))
		*mode = XLB_ATTACH_NATIVE;
	else if (!strcmp(s, "generic"))
		*mode = XLB_ATTACH_GENERIC;
	else
		return -EINVAL;
	return 0;
}

int xlb_dp_ifindex(const struct xlb_dp *dp)
{
	return dp->ifindex;
}

const char *xlb_dp_attach_mode(const struct xlb_dp *dp)
{
	return dp->mode;
}

bool xlb_dp_adopted(const struct xlb_dp *dp)
{
	return dp->adopted;
}

bool xlb_dp_flow_cache(const struct xlb_dp *dp)
{
	/* as loaded (frozen); the cache sits on the prefilter path */
	return dp->skel->rodata->xlb_cfg_fcache && dp->skel->rodata->xlb_cfg_prefilter;
}

/* ---- small helpers ---- */

const char *dp_fam_str(const struct xlb_addr *a, __u8 family, char *buf)
{
	return xlb_addr_str(a, family, buf, XLB_ADDR_STRLEN);
}

const char *dp_key_str(const struct xlb_vip_key *k, char *buf, size_t len)
{
	char a[XLB_ADDR_STRLEN];

	snprintf(buf, len, "%s%s%s:%u/%s", k->family == XLB_AF_INET6 ? "[" : "",
		 dp_fam_str(&k->addr, k->family, a), k->family == XLB_AF_INET6 ? "]" : "",
		 ntohs(k->port), xlb_proto_name(k->proto));
	return buf;
}

/*
 * One lock per pin directory, in /run/xlb (bpffs cannot hold regular files).
 * Keyed by the pin directory rather than the interface name: lbds in
 * different network namespaces may well each drive an "eth0", but two lbds
 * sharing one set of pinned maps would fight over them.
 */
static int lock_path(const char *pin_dir, char *buf, size_t len)
{
	char name[PATH_MAX], *p;

	snprintf(name, sizeof(name), "%s", pin_dir[0] == '/' ? pin_dir + 1 : pin_dir);
	for (p = name; *p; p++)
		if (*p == '/')
			*p = '_';
	if (snprintf(buf, len, "%s/%s.lock", XLB_LOCK_DIR, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int take_lock(const char *pin_dir, int *fdp)
{
	char path[PATH_MAX];
	int fd, err;

	err = lock_path(pin_dir, path, sizeof(path));
	if (err)
		return err;
	err = xlb_mkdir_p(XLB_LOCK_DIR, 0755);
	if (err) {
		pr_err("creating %s: %s", XLB_LOCK_DIR, strerror(-err));
		return err;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		pr_err("lock file %s: %s", path, strerror(-err));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		if (err == -EWOULDBLOCK) {
			char pid[32] = "";
			ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

			if (n > 0)
				pid[strcspn(pid, "\n")] = 0;
			pr_err("pin directory %s is in use by another lbd%s%s (lock %s held)", pin_dir,
				n > 0 ? " with pid " : "", n > 0 ? pid : "", path);
			err = -EBUSY;
		} else {
			pr_err("locking %s: %s", path, strerror(-err));
		}
		close(fd);
		return err;
	}
	if (!ftruncate(fd, 0))
		dprintf(fd, "%d\n", getpid());
	*fdp = fd;
	return 0;
}

static int percpu_sum(const struct xlb_dp *dp, int fd, __u32 key, __u64 *out, size_t nwords)
{
	size_t stride = nwords;
	__u64 *vals;
	int c, err = 0;
	size_t i;

	vals = calloc((size_t)dp->ncpus * stride, sizeof(__u64));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, nwords * sizeof(__u64));
	for (c = 0; c < dp->ncpus; c++)
		for (i = 0; i < nwords; i++)
			out[i] += vals[c * stride + i];
out:
	free(vals);
	return err;
}

int dp_percpu_zero(const struct xlb_dp *dp, int fd, __u32 key, size_t nwords)
{
	__u64 *vals = calloc((size_t)dp->ncpus * nwords, sizeof(__u64));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, vals, BPF_ANY))
		err = -errno;
	free(vals);
	return err;
}

/* ---- counters ---- */

int xlb_dp_stats(const struct xlb_dp *dp, __u64 out[XLB_STAT_MAX])
{
	__u32 i;
	int err;

	for (i = 0; i < XLB_STAT_MAX; i++) {
		err = percpu_sum(dp, dp->fd_stats, i, &out[i], 1);
		if (err)
			return err;
	}
	return 0;
}

int xlb_dp_fcache_stats(const struct xlb_dp *dp, struct xlb_dp_fcache_stats *out)
{
	__u64 w[sizeof(struct xlb_clock) / 8];
	int fd = DP_MAP_FD(dp, XLB_CLOCK_MAP), err;

	memset(out, 0, sizeof(*out));
	out->enabled = xlb_dp_flow_cache(dp);
	if (fd < 0)
		return fd;
	err = percpu_sum(dp, fd, 0, w, sizeof(w) / 8);
	if (err)
		return err;
	out->hits = w[offsetof(struct xlb_clock, fc_hits) / 8];
	out->misses = w[offsetof(struct xlb_clock, fc_misses) / 8];
	out->fills = w[offsetof(struct xlb_clock, fc_fills) / 8];
	out->invalidations = w[offsetof(struct xlb_clock, fc_kills) / 8];
	return 0;
}

int xlb_dp_service_counters(const struct xlb_dp *dp, __u32 svc_id, struct xlb_counters *c)
{
	return percpu_sum(dp, dp->fd_svcst, svc_id, (__u64 *)c, sizeof(*c) / sizeof(__u64));
}

int xlb_dp_backend_counters(const struct xlb_dp *dp, __u32 be_id, struct xlb_counters *c)
{
	return percpu_sum(dp, dp->fd_best, be_id, (__u64 *)c, sizeof(*c) / sizeof(__u64));
}

int xlb_dp_backend_cap(const struct xlb_dp *dp, __u32 be_id, struct xlb_cap *cap, __s64 *open)
{
	int fc = DP_MAP_FD(dp, XLB_CAPS_MAP);
	int fo = DP_MAP_FD(dp, XLB_CONNS_MAP);

	if (fc < 0 || fo < 0)
		return fc < 0 ? fc : fo;
	if (bpf_map_lookup_elem(fc, &be_id, cap) || bpf_map_lookup_elem(fo, &be_id, open))
		return -errno;
	return 0;
}

/* ---- open / close / detach ---- */

static int open_fds(struct xlb_dp *dp)
{
	__u32 max_tx = 0;

	dp->fd_vips = DP_MAP_FD(dp, XLB_VIPS_MAP);
	dp->max_services = bpf_map__max_entries(DP_MAP(dp, XLB_VIPS_MAP));
	dp->fd_vaddr = DP_MAP_FD(dp, XLB_VIPADDRS_MAP);
	dp->fd_tables = DP_MAP_FD(dp, XLB_TABLES_MAP);
	dp->fd_bends = DP_MAP_FD(dp, XLB_BACKENDS_MAP);
	dp->max_backends = bpf_map__max_entries(DP_MAP(dp, XLB_BACKENDS_MAP));
	dp->fd_stats = DP_MAP_FD(dp, XLB_STATS_MAP);
	dp->fd_svcst = DP_MAP_FD(dp, XLB_SVC_STATS_MAP);
	dp->fd_best = DP_MAP_FD(dp, XLB_BE_STATS_MAP);
	dp->fd_txports = DP_MAP_FD(dp, XLB_TXPORTS_MAP);
	max_tx = bpf_map__max_entries(DP_MAP(dp, XLB_TXPORTS_MAP));
	dp->fd_vfilt = DP_MAP_FD(dp, XLB_VIPFILTER_MAP);
	dp->fd_epoch = DP_MAP_FD(dp, XLB_EPOCH_MAP);
	if (dp->fd_vips < 0 || dp->fd_vaddr < 0 || dp->fd_tables < 0 || dp->fd_bends < 0 ||
	    dp->fd_stats < 0 || dp->fd_svcst < 0 || dp->fd_best < 0 || dp->fd_txports < 0 ||
	    dp->fd_vfilt < 0 || dp->fd_epoch < 0)
		return -ENOENT;
	for (__u32 w = 0; w < XLB_VFILTER_WORDS; w++)
		if (bpf_map_lookup_elem(dp->fd_vfilt, &w, &dp->vfilt[w]))
			dp->vfilt[w] = 0;
	return dp_fill_txports(dp, max_tx);
}

static int load(struct xlb_dp *dp)
{
	struct bpf_map *m, *tables, *inner;
	char path[PATH_MAX];
	int err;

	dp->skel = xlb__open();
	if (!dp->skel) {
		err = -errno;
		pr_err("opening the XDP object: %s", strerror(-err));
		return err;
	}
	dp->obj = dp->skel->obj;
	/* lbd keeps XLB_MAP_VIPFILTER right (dp_vfilter_sync), so the data path may
	 * answer "not a VIP" from it without the hash lookup. */
	dp->skel->rodata->xlb_cfg_prefilter = 1;
	dp->skel->rodata->xlb_cfg_fcache = !dp->no_flow_cache;
	/* Without the cache its maps are never read: one entry instead of 528 KiB per CPU. */
	if (dp->no_flow_cache && (bpf_map__set_max_entries(DP_MAP(dp, XLB_FCACHE_MAP), 1) ||
				  bpf_map__set_max_entries(DP_MAP(dp, XLB_FCGEN_MAP), 1)))
		pr_warn("shrinking the flow cache maps: %s", strerror(errno));
	/*
	 * Every inner table must carry the template's map_flags (the kernel
	 * compares them on each swap). libbpf frees the template at load, so
	 * read them now.
	 */
	tables = DP_MAP(dp, XLB_TABLES_MAP);
	inner = bpf_map__inner_map(tables);
	if (!inner) {
		pr_err("the XDP object has no inner map template for %s", XLB_MAP_TABLES);
		return -ENOENT;
	}
	dp->inner_flags = bpf_map__map_flags(inner);
	/*
	 * Testing knob: XLB_DP_PREFILTER=0 loads a program without the
	 * prefilter (the verifier prunes it: different code, same maps), so
	 * tests/integration/test_restart_many.sh can "upgrade" to other code.
	 */
	if (getenv("XLB_DP_PREFILTER") && !strcmp(getenv("XLB_DP_PREFILTER"), "0"))
		dp->skel->rodata->xlb_cfg_prefilter = 0;
	bpf_object__for_each_map(m, dp->obj) {
		enum bpf_map_type t = bpf_map__type(m);

		/* Not pinned: .rodata/.bss (per load), devmaps (libbpf
		 * 1.1.2 cannot reuse a pinned devmap) and the flow cache
		 * (private to one program, entries live 250 ms; its size
		 * depends on --no-flow-cache), nor the packet capture's maps
		 * (a capture belongs to one lbd's session: a new program
		 * starts with capture off). */
		if (bpf_map__is_internal(m) || t == BPF_MAP_TYPE_DEVMAP ||
		    t == BPF_MAP_TYPE_DEVMAP_HASH || m == DP_MAP(dp, XLB_TXPORTS_MAP) ||
		    m == DP_MAP(dp, XLB_FCACHE_MAP) || m == DP_MAP(dp, XLB_FCGEN_MAP) ||
		    m == DP_MAP(dp, XLB_CAPCFG_MAP) || m == DP_MAP(dp, XLB_CAPRING_MAP) ||
		    m == DP_MAP(dp, XLB_CAPCPU_MAP) || m == DP_MAP(dp, XLB_CAPBUF_MAP) ||
		    m == DP_MAP(dp, XLB_CAPPROG_MAP))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, bpf_map__name(m)) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		err = bpf_map__set_pin_path(m, path);
		if (err) {
			pr_err("setting the pin path of %s: %s", bpf_map__name(m), strerror(-err));
			return err;
		}
	}
	/* Backend capacity (--max-backends): every map indexed by backend id. */
	if (dp->want_backends) {
		struct bpf_map *by_id[] = { DP_MAP(dp, XLB_BACKENDS_MAP), DP_MAP(dp, XLB_BE_STATS_MAP),
					    DP_MAP(dp, XLB_CONNS_MAP), DP_MAP(dp, XLB_NHCACHE_MAP),
					    DP_MAP(dp, XLB_CAPS_MAP) /* #21 */,
					    DP_MAP(dp, XLB_NATBE_MAP) /* #19 */ };
		__u32 have = xlb_dp_pinned_max_backends(dp->pin_dir);
		size_t k;

		if (have && have != dp->want_backends) {
			pr_err("the pinned maps under %s hold %u backends, --max-backends asks for "
				"%u: changing the backend capacity needs `lbd --detach --iface %s` "
				"first (the data path stops balancing until lbd starts again)",
				dp->pin_dir, have, dp->want_backends, dp->iface);
			return -EEXIST;
		}
		for (k = 0; k < sizeof(by_id) / sizeof(by_id[0]); k++) {
			if (bpf_map__set_max_entries(by_id[k], dp->want_backends)) {
				pr_err("sizing %s to %u entries: %s", bpf_map__name(by_id[k]),
				       dp->want_backends, strerror(errno));
				return -EINVAL;
			}
		}
	}
	/* The connection table's size (--max-flows, else as built); a pinned one may differ. */
	{
		struct bpf_map *flows = DP_MAP(dp, XLB_FLOWS_MAP);

		err = dp->max_flows ? bpf_map__set_max_entries(flows, dp->max_flows) : 0;
		if (!err)
			err = dp_resize_prepare(dp, flows);
		if (err) {
			pr_err("sizing %s to %u entries: %s", XLB_MAP_FLOWS,
				flows ? bpf_map__max_entries(flows) : 0, strerror(-err));
			return err;
		}
	}
	err = xlb__load(dp->skel);
	if (err) {
		pr_err("loading the XDP program: %s (a pinned map under %s from an incompatible "
			"build? lbd --detach --iface %s removes them)",
			strerror(-err), dp->pin_dir, dp->iface);
		return err;
	}
	return 0;
}

static void unload(struct xlb_dp *dp)
{
	xlb__destroy(dp->skel);
}

int xlb_dp_open(const struct xlb_dp_opts *opts, struct xlb_dp **dpp)
{
	struct xlb_dp *dp;
	int err;

	*dpp = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->lock_fd = dp->udp4 = dp->udp6 = -1;
	snprintf(dp->iface, sizeof(dp->iface), "%s", opts->iface);
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", opts->pin_dir);
	dp->mode = "none";
	dp->attach_mode = opts->mode;
	dp->no_flow_cache = opts->no_flow_cache;
	dp->max_flows = opts->max_flows;
	dp->want_backends = opts->max_backends;
	dp->ifindex = if_nametoindex(opts->iface);
	if (!dp->ifindex) {
		err = -errno;
		pr_err("interface %s: %s", opts->iface, strerror(-err));
		goto err_free;
	}
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		goto err_free;
	}
	err = take_lock(opts->pin_dir, &dp->lock_fd);
	if (err)
		goto err_free;
	err = xlb_mkdir_p(opts->pin_dir, 0700);
	if (err) {
		pr_err("creating pin directory %s: %s", opts->pin_dir, strerror(-err));
		goto err_unlock;
	}
	err = load(dp);
	if (err)
		goto err_unload;
	err = open_fds(dp);
	if (!err) /* other versions of our maps: before anything is adopted */
		err = dp_oldpins_scan(dp);
	if (err)
		goto err_unload;
	if (xlb_idalloc_init(&dp->svc_ids, dp->max_services) ||
	    xlb_idalloc_init(&dp->be_ids, dp->max_backends) ||
	    !(dp->svcs = calloc(dp->max_services, sizeof(*dp->svcs)))) {
		err = -ENOMEM;
		goto err_unload;
	}
	err = dp_adopt(dp);
	if (!err) /* before the new program runs: its prefilter must know every service */
		err = dp_vfilter_sync(dp, NULL);
	if (err)
		goto err_unload;
	if (!opts->defer_attach) {
		err = xlb_dp_attach(dp);
		if (err)
			goto err_unload;
	}
	dp->udp4 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	dp->udp6 = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	*dpp = dp;
	return 0;

err_unload:
	xlb_idalloc_destroy(&dp->svc_ids);
	xlb_idalloc_destroy(&dp->be_ids);
	if (dp->svcs)
		while (dp->n_svcs)
			dp_drop_service(dp, &dp->svcs[dp->n_svcs - 1]);
	free(dp->svcs);
	free(dp->oldpins);
	unload(dp);
err_unlock:
	close(dp->lock_fd);
err_free:
	free(dp);
	return err;
}

void xlb_dp_close(struct xlb_dp *dp)
{
	if (!dp)
		return;
	while (dp->n_svcs)
		dp_drop_service(dp, &dp->svcs[dp->n_svcs - 1]);
	free(dp->svcs);
	xlb_idalloc_destroy(&dp->svc_ids);
	xlb_idalloc_destroy(&dp->be_ids);
	if (dp->udp4 >= 0)
		close(dp->udp4);
	if (dp->udp6 >= 0)
		close(dp->udp6);
	free(dp->oldpins); /* not attached: the old pins stay (the old program may run) */
	unload(dp);
	close(dp->lock_fd); /* releases the flock */
	free(dp);
}

int xlb_dp_detach(const char *iface, const char *pin_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int lock_fd, fd, err;
	DIR *d;

	err = take_lock(pin_dir, &lock_fd);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", pin_dir, LINK_PIN);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* Detach explicitly: someone may hold another reference. */
		if (bpf_link_detach(fd))
			pr_warn("detaching the XDP link %s: %s", path, strerror(errno));
		close(fd);
		pr_info("XDP program detached from %s", iface);
	} else if (errno == ENOENT) {
		pr_info("no XDP link pinned at %s", path);
	}
	d = opendir(pin_dir);
	if (!d) {
		err = errno == ENOENT ? 0 : -errno;
		if (err)
			pr_warn("opening %s: %s", pin_dir, strerror(-err));
		goto out;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		if (unlink(path)) {
			err = -errno;
			pr_warn("unpinning %s: %s", path, strerror(-err));
		}
	}
	closedir(d);
	if (rmdir(pin_dir) && !err) {
		err = -errno;
		pr_warn("removing %s: %s", pin_dir, strerror(-err));
	}
	if (!err)
		pr_info("removed the pins in %s", pin_dir);
	/* Nothing is left to protect: remove the lock file while still holding it. */
	if (!err && !lock_path(pin_dir, path, sizeof(path)))
		unlink(path);
out:
	close(lock_fd);
	return err;
}

/* ---- read-only access for views (lbd flow explain, capture) ---- */

int xlb_dp_map_fd_ro(const struct xlb_dp *dp, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int xlb_dp_prog_fd_ro(const struct xlb_dp *dp, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(dp->obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

int xlb_dp_ncpus(const struct xlb_dp *dp)
{
	return dp->ncpus;
}
