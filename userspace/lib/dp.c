// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp.c - data path access layer; see dp.h for the model.
 *
 * Ordering invariants (the XDP program reads these maps concurrently):
 *  - a backend entry is written (ACTIVE) before any lookup table names it;
 *  - a service's table is installed before its xlb_vips_v1 entry exists, so
 *    the data path never finds a service without a table;
 *  - a lookup table is replaced whole: a new inner array is created, filled
 *    and swapped into xlb_tables_v3[svc id] with one update. A packet sees the
 *    old table or the new one; the kernel frees the old one when no program
 *    holds it any more;
 *  - a removed backend leaves the table first, then its entry is zeroed
 *    (flags 0), so flows pinned to it are rescheduled by the data path;
 *  - likewise a backend that becomes unusable (health: down) leaves the table
 *    first, then loses XLB_BE_F_ACTIVE (its entry keeps address, family and
 *    service, so a restarted lbd adopts it as "down"); one that becomes usable
 *    gets XLB_BE_F_ACTIVE before a table names it;
 *  - a removed service leaves xlb_vips_v1 first, then everything else.
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
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fileio.h"
#include "addr.h"
#include "dp.h"
#include "dp_nat.h"
#include "idalloc.h"
#include "log.h"
#include "maglev.h"
#include "table.h"
#include "migrate.h"
#include "syncookie.h"

#include "xlb_hash.h"
#include "xlb.skel.h"

#define TXPORTS_MAP "xlb_txports"
#define LINK_PIN "link"

struct dp_backend {
	struct xlb_addr addr;
	__u8 family;
	__u8 active; /* XLB_BE_F_ACTIVE set: usable for established flows */
	__u16 weight; /* effective weight (the table's), not the configured one */
	__u32 id;
	__u32 max_flows; /* #21: cap (XLB_BE_F_CAPPED, xlb_caps_v1); 0 = none */
	__u16 port; /* #19: target port (host order, 0 = the VIP's), xlb_natbe_v1 */
	__u8 fwd; /* #19: its service's forwarding mode (the SNAT address is for fullnat) */
};

struct dp_service {
	struct xlb_vip_key key;
	struct xlb_svc svc;
	struct dp_backend *be;
	size_t n_be;
	bool table_ok; /* xlb_tables_v3[svc.id] holds the table for be[] */
};

/* A pin <pin_dir>/xlb_<base>_v<N> whose base names a map of ours with another version. */
struct dp_oldpin {
	char name[64]; /* the pin (= the old map's name) */
	struct bpf_map *map; /* ours: the new version */
	unsigned int from, to;
	const struct xlb_migration *mig; /* NULL: ours starts empty */
	__u64 copied; /* entries / counters copied (logged) */
};

/* What a backend id names, the key its id is remembered under (be_id_get). */
struct dp_be_key {
	struct xlb_vip_key svc;
	struct xlb_addr addr;
	__u8 family;
};
_Static_assert(sizeof(struct dp_be_key) <= XLB_IDALLOC_KEY_MAX,
	       "dp_be_key fits a remembered-id key");

struct xlb_dp {
	struct xlb *skel;
	struct bpf_object *obj;
	int lock_fd;
	int ifindex;
	char iface[IF_NAMESIZE];
	char pin_dir[PATH_MAX];
	const char *mode;
	bool adopted;
	bool had_link; /* a live link was pinned: the maps are in use */
	bool attached; /* xlb_dp_attach() done */
	enum xlb_attach_mode attach_mode;
	struct dp_oldpin *oldpins; /* pins of other versions of our maps (migrate.h) */
	size_t n_oldpins;
	int fd_vips, fd_vaddr, fd_tables, fd_bends, fd_stats, fd_svcst, fd_best, fd_txports;
	int fd_vfilt;
	int fd_epoch; /* XLB_MAP_EPOCH: bumped when a backend becomes usable (fcache.h) */
	bool no_flow_cache; /* load with xlb_cfg_fcache = 0 */
	/*
	 * Entries of xlb_flows_v2 at the end of the last full walk, and when
	 * (CLOCK_MONOTONIC ms; 0: never counted). A walk of a full table costs
	 * 100-200 ms: status reports this instead of walking (xlb_dp_fill).
	 */
	__u32 flows_seen;
	__u64 flows_seen_ms;
	__u32 max_flows; /* 0: as built */
	__u32 want_backends; /* 0: as built */
	__u64 vfilt[XLB_VFILTER_WORDS]; /* what xlb_vfilt_v1 holds */
	long long last_swap_ns; /* CLOCK_MONOTONIC when the last table swap was issued */
	__u32 inner_flags; /* map_flags every inner table must carry */
	__u32 max_services, max_backends;
	struct dp_service *svcs; /* max_services slots, n_svcs used */
	size_t n_svcs;
	/*
	 * A service (by key) or a backend (by service key and address) that
	 * leaves and comes back (apply, then rollback) gets its old id again if
	 * nothing else held that id meanwhile (idalloc.h, remembered ids): a
	 * rollback then restores the maps exactly, and flows still naming a
	 * backend id go to the same address.
	 */
	struct xlb_idalloc svc_ids, be_ids;
	int ncpus;
	int udp4, udp6; /* neighbour resolution kicks */
};

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

const char *xlb_dp_pin_dir(const struct xlb_dp *dp)
{
	return dp->pin_dir;
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

static const char *fam_str(const struct xlb_addr *a, __u8 family, char *buf)
{
	return xlb_addr_str(a, family, buf, XLB_ADDR_STRLEN);
}

static const char *key_str(const struct xlb_vip_key *k, char *buf, size_t len)
{
	char a[XLB_ADDR_STRLEN];

	snprintf(buf, len, "%s%s%s:%u/%s", k->family == XLB_AF_INET6 ? "[" : "",
		 fam_str(&k->addr, k->family, a), k->family == XLB_AF_INET6 ? "]" : "",
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

static int map_fd(struct xlb_dp *dp, const char *name, __u32 *max_entries)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->obj, name);

	if (!m) {
		pr_warn("the XDP object has no map %s", name);
		return -ENOENT;
	}
	if (max_entries)
		*max_entries = bpf_map__max_entries(m);
	return bpf_map__fd(m);
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

static int percpu_zero(const struct xlb_dp *dp, int fd, __u32 key, size_t nwords)
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
	int fd = map_fd((struct xlb_dp *)dp, XLB_MAP_CLOCK, NULL), err;

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
	int fc = map_fd((struct xlb_dp *)dp, XLB_MAP_CAPS, NULL);
	int fo = map_fd((struct xlb_dp *)dp, XLB_MAP_CONNS, NULL);

	if (fc < 0 || fo < 0)
		return fc < 0 ? fc : fo;
	if (bpf_map_lookup_elem(fc, &be_id, cap) || bpf_map_lookup_elem(fo, &be_id, open))
		return -errno;
	return 0;
}

/* ---- neighbours ---- */

/*
 * bpf_fib_lookup() only reads the neighbour table; nothing resolves an entry
 * for a next hop the kernel never routes a packet to. The simplest way to
 * make it do so is to route one: an empty UDP datagram to the discard port
 * (9) of the backend, sent from lbd's network namespace. The kernel resolves
 * the next hop (ARP/ND) on the way, and re-confirms a STALE entry each time,
 * for the right interface and gateway whatever the routing is -- which a
 * netlink RTM_NEWNEIGH/NTF_USE request would make us compute ourselves. The
 * datagram itself is harmless (a backend answers at most ICMP unreachable,
 * which an unconnected socket ignores).
 */
void xlb_dp_neigh_kick(struct xlb_dp *dp, const struct xlb_addr *addr, __u8 family)
{
	char buf[XLB_ADDR_STRLEN];
	int fd;

	if (family == XLB_AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };

		sin.sin_addr.s_addr = addr->a[0];
		fd = dp->udp4;
		if (fd >= 0 && sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			goto fail;
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };

		memcpy(&sin6.sin6_addr, addr->a, 16);
		fd = dp->udp6;
		if (fd >= 0 &&
		    sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&sin6, sizeof(sin6)) < 0)
			goto fail;
	}
	return;
fail:
	pr_debug("neighbour kick to backend %s: %s", fam_str(addr, family, buf), strerror(errno));
}

void xlb_dp_neigh_refresh(struct xlb_dp *dp)
{
	size_t i, j;

	for (i = 0; i < dp->n_svcs; i++)
		for (j = 0; j < dp->svcs[i].n_be; j++)
			xlb_dp_neigh_kick(dp, &dp->svcs[i].be[j].addr, dp->svcs[i].be[j].family);
}

/* ---- backend ids ---- */

/* A new backend's id: its old one if it is back and the id was not reused, else the next free. */
static void be_key(struct dp_be_key *k, const struct xlb_vip_key *key, const struct xlb_addr *a,
		   __u8 family)
{
	memset(k, 0, sizeof(*k)); /* compared bytewise: no stray padding */
	k->svc = *key;
	k->addr = *a;
	k->family = family;
}

static int be_id_get(struct xlb_dp *dp, const struct xlb_vip_key *key, const struct xlb_addr *a,
		     __u8 family, __u32 *id)
{
	struct dp_be_key k;

	be_key(&k, key, a, family);
	return xlb_idalloc_get_key(&dp->be_ids, &k, sizeof(k), id);
}

static void be_id_put(struct xlb_dp *dp, const struct xlb_vip_key *key, const struct dp_backend *b)
{
	struct dp_be_key k;

	be_key(&k, key, &b->addr, b->family);
	xlb_idalloc_put_key(&dp->be_ids, b->id, &k, sizeof(k));
}

/* ---- lookup tables ---- */

/* equal: every backend of non-zero weight gets weight 1 (scheduler rr). */
static int build_table(const struct dp_backend *be, size_t n, __u32 size, bool equal,
		       __u32 **tablep)
{
	struct xlb_maglev_backend *mb;
	__u32 *table;
	size_t i;
	int err;

	table = malloc((size_t)size * sizeof(*table));
	mb = calloc(n ? n : 1, sizeof(*mb));
	if (!table || !mb) {
		err = -ENOMEM;
		goto err;
	}
	for (i = 0; i < n; i++) {
		mb[i].id = be[i].id;
		mb[i].weight = equal && be[i].weight ? 1 : be[i].weight;
		mb[i].addr = be[i].addr;
		mb[i].family = be[i].family;
	}
	err = xlb_maglev_build(mb, n, table, size);
	if (err)
		goto err;
	free(mb);
	*tablep = table;
	return 0;
err:
	free(mb);
	free(table);
	return err;
}

/*
 * Wait until every XDP program run that started before now has finished.
 * Updating an ARRAY_OF_MAPS entry from user space returns only after an RCU
 * grace period (the kernel's promise that no program still uses the old
 * inner map), so putting a service's current table back in its own slot is
 * such a wait, with no other effect. Best effort: nothing to wait for
 * without a table.
 */
static void wait_for_readers(struct xlb_dp *dp, __u32 svc_id)
{
	__u32 inner_id;
	int fd;

	if (bpf_map_lookup_elem(dp->fd_tables, &svc_id, &inner_id))
		return;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return;
	if (bpf_map_update_elem(dp->fd_tables, &svc_id, &fd, BPF_ANY))
		pr_debug("service id %u: waiting for readers of its table: %s", svc_id,
			 strerror(errno));
	close(fd);
}

/* Build svc's table from be[] and swap it in atomically. */
static int install_table(struct xlb_dp *dp, const struct dp_service *s, const struct dp_backend *be,
			 size_t n)
{
	__u32 *table = NULL, size = s->svc.table_size, id = s->svc.id;
	char ks[96];
	int fd, err;

	err = build_table(be, n, size, s->svc.sched == XLB_SCHED_RR, &table);
	if (err) {
		pr_warn("service %s: building its Maglev table (%u slots): %s",
			key_str(&s->key, ks, sizeof(ks)), size, strerror(-err));
		return err;
	}
	/* Packed and filled through a shared mapping: well under a millisecond. */
	fd = xlb_table_create(table, size, dp->inner_flags, XLB_SLOT_BYTES);
	if (fd < 0) {
		err = fd;
		pr_warn("service %s: creating a lookup table map of %u slots: %s",
			key_str(&s->key, ks, sizeof(ks)), size, strerror(-err));
		goto out;
	}
	/*
	 * The data path sees the new table as soon as this update has swapped
	 * the pointer; the syscall then waits for an RCU grace period (the
	 * kernel's promise that no packet still reads the old table when it
	 * returns), 10-20 ms here. Record when the swap was asked for.
	 */
	if (!err) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		dp->last_swap_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
		if (bpf_map_update_elem(dp->fd_tables, &id, &fd, BPF_ANY))
			err = -errno;
	}
	if (err)
		pr_warn("service %s: installing its lookup table: %s",
			key_str(&s->key, ks, sizeof(ks)), strerror(-err));
	else
		pr_debug("service %s: lookup table swapped (%zu backends, %u slots)",
			 key_str(&s->key, ks, sizeof(ks)), n, size);
	close(fd); /* the outer map holds its own reference now */
out:
	free(table);
	return err;
}

/* Does the installed table of s equal what Maglev builds from s->be? */
static bool table_matches(struct xlb_dp *dp, const struct dp_service *s)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), inner_id, *want = NULL, *have = NULL, id = s->svc.id;
	bool ok = false;
	int fd;

	if (bpf_map_lookup_elem(dp->fd_tables, &id, &inner_id))
		return false;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return false;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size != 8 ||
	    info.max_entries != XLB_TABLE_ELEMS(s->svc.table_size))
		goto out;
	have = malloc((size_t)s->svc.table_size * sizeof(*have));
	if (!have || xlb_table_read(fd, have, s->svc.table_size, XLB_SLOT_BYTES))
		goto out;
	if (build_table(s->be, s->n_be, s->svc.table_size, s->svc.sched == XLB_SCHED_RR, &want))
		goto out;
	ok = !memcmp(want, have, (size_t)s->svc.table_size * sizeof(*have));
out:
	free(want);
	free(have);
	close(fd);
	return ok;
}

/* ---- map writes ---- */

/*
 * Invalidate every per-CPU flow cache entry: they record the epoch they were
 * filled under. lbd is the only writer. Failure only delays invalidation to
 * the cache's TTL (a quarter second), so it is logged, not returned.
 */
static void epoch_bump(struct xlb_dp *dp)
{
	__u32 zero = 0, e = 0;

	if (bpf_map_lookup_elem(dp->fd_epoch, &zero, &e))
		e = 0;
	e++;
	if (bpf_map_update_elem(dp->fd_epoch, &zero, &e, BPF_ANY))
		pr_warn("bumping %s: %s", XLB_MAP_EPOCH, strerror(errno));
}

/* #21: xlb_caps_v1[id].max_flows = max_flows, keeping its turned_away count. */
static int write_cap(struct xlb_dp *dp, __u32 id, __u32 max_flows)
{
	int fd = map_fd(dp, XLB_MAP_CAPS, NULL);
	struct xlb_cap c = {};

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &id, &c) == 0 && c.max_flows == max_flows)
		return 0;
	c.max_flows = max_flows;
	if (bpf_map_update_elem(fd, &id, &c, BPF_ANY)) {
		pr_warn("writing %s[%u]: %s", XLB_MAP_CAPS, id, strerror(errno));
		return -errno;
	}
	return 0;
}

/* present: write b (ACTIVE when b->active); else zero the entry (removed). */
static int write_backend(struct xlb_dp *dp, const struct dp_backend *b, __u32 svc_id, bool present)
{
	struct xlb_backend v = {};
	char buf[XLB_ADDR_STRLEN];
	int err;

	if (present) {
		v.addr = b->addr;
		v.family = b->family;
		v.weight = b->weight;
		v.svc_id = svc_id;
		v.flags = b->active ? XLB_BE_F_ACTIVE : 0;
		/* #21: the cap is written before the flag that makes the data path read it */
		if (write_cap(dp, b->id, b->max_flows) == 0 && b->max_flows)
			v.flags |= XLB_BE_F_CAPPED;
	}
	/*
	 * A backend that may have been unusable becomes usable: flows that
	 * were rescheduled away from it meanwhile must not be sent back by a
	 * per-CPU cached copy of their old entry (bpf/fcache.h). The bump
	 * comes first: until the write below, the backend is unusable, so no
	 * copy naming it can be made under the new epoch. Entries for unusable
	 * backends need nothing: every cache hit checks usability.
	 */
	if (present && b->active)
		epoch_bump(dp);
	/* #19: the NAT entry (target port, SNAT address) before the backend names it */
	if (present) {
		err = xlb_dp_nat_backend(dp, b->id, &b->addr, b->family, b->port, b->fwd);
		if (err)
			return err;
	}
	if (bpf_map_update_elem(dp->fd_bends, &b->id, &v, BPF_ANY)) {
		err = -errno;
		pr_warn("backend %s (id %u): writing %s: %s", fam_str(&b->addr, b->family, buf), b->id,
			XLB_MAP_BACKENDS, strerror(-err));
		return err;
	}
	return 0;
}

static struct xlb_vip_key vaddr_key(const struct xlb_vip_key *k)
{
	struct xlb_vip_key v = { .addr = k->addr, .family = k->family };

	return v;
}

/* Add delta to the number of services on k's address. */
static int vaddr_ref(struct xlb_dp *dp, const struct xlb_vip_key *k, int delta)
{
	struct xlb_vip_key v = vaddr_key(k);
	__u32 n = 0;

	bpf_map_lookup_elem(dp->fd_vaddr, &v, &n);
	if (delta < 0 && n <= (__u32)-delta) {
		if (bpf_map_delete_elem(dp->fd_vaddr, &v) && errno != ENOENT)
			return -errno;
		return 0;
	}
	n += delta;
	if (bpf_map_update_elem(dp->fd_vaddr, &v, &n, BPF_ANY))
		return -errno;
	return 0;
}

/* ---- mirror ---- */

static struct dp_service *find_service(const struct xlb_dp *dp, const struct xlb_vip_key *key)
{
	size_t i;

	for (i = 0; i < dp->n_svcs; i++)
		if (!memcmp(&dp->svcs[i].key, key, sizeof(*key)))
			return &dp->svcs[i];
	return NULL;
}

static struct dp_service *find_service_id(const struct xlb_dp *dp, __u32 id)
{
	size_t i;

	for (i = 0; i < dp->n_svcs; i++)
		if (dp->svcs[i].svc.id == id)
			return &dp->svcs[i];
	return NULL;
}

static const struct dp_backend *find_backend(const struct dp_service *s, const struct xlb_addr *a,
					     __u8 family)
{
	size_t i;

	for (i = 0; i < s->n_be; i++)
		if (s->be[i].family == family && !memcmp(&s->be[i].addr, a, sizeof(*a)))
			return &s->be[i];
	return NULL;
}

int xlb_dp_service_id(const struct xlb_dp *dp, const struct xlb_vip_key *key, __u32 *id)
{
	const struct dp_service *s = find_service(dp, key);

	if (!s)
		return -ENOENT;
	*id = s->svc.id;
	return 0;
}

int xlb_dp_backend_id(const struct xlb_dp *dp, const struct xlb_vip_key *key,
		      const struct xlb_addr *addr, __u8 family, __u32 *id)
{
	const struct dp_service *s = find_service(dp, key);
	const struct dp_backend *b = s ? find_backend(s, addr, family) : NULL;

	if (!b)
		return -ENOENT;
	*id = b->id;
	return 0;
}

/* Is the ordered backend list the same (ids, addresses, weights)? */
static bool same_backends(const struct dp_backend *a, size_t na, const struct dp_backend *b,
			  size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

static int cmp_backend(const void *x, const void *y)
{
	const struct dp_backend *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

/*
 * Make xlb_vfilt_v1 hold exactly the buckets of the installed services plus
 * `extra` (a service about to be written to xlb_vips_v1, or NULL). Bits are
 * set before a service becomes visible and cleared only after it is gone, so
 * the prefilter never hides a VIP from the data path. Writes changed words only.
 */
static int vfilter_sync(struct xlb_dp *dp, const struct xlb_vip_key *extra)
{
	__u64 want[XLB_VFILTER_WORDS] = {};
	__u32 b, w;
	size_t i;

	for (i = 0; i <= dp->n_svcs; i++) {
		const struct xlb_vip_key *k = i < dp->n_svcs ? &dp->svcs[i].key : extra;

		if (!k)
			continue;
		b = xlb_vfilter_bucket(&k->addr, k->port);
		want[b / 64] |= 1ull << (b % 64);
	}
	for (w = 0; w < XLB_VFILTER_WORDS; w++) {
		if (want[w] == dp->vfilt[w])
			continue;
		if (bpf_map_update_elem(dp->fd_vfilt, &w, &want[w], BPF_ANY)) {
			int err = -errno;

			pr_warn("writing %s[%u]: %s", XLB_MAP_VIPFILTER, w, strerror(-err));
			return err;
		}
		dp->vfilt[w] = want[w];
	}
	return 0;
}

static int write_service(struct xlb_dp *dp, const struct xlb_cfg_service *cs,
			 const struct xlb_svc *sv, bool is_new, const char *ks)
{
	int err;

	if (is_new && (err = vfilter_sync(dp, &cs->key)))
		return err;
	if (bpf_map_update_elem(dp->fd_vips, &cs->key, sv, BPF_ANY)) {
		err = -errno;
		pr_warn("service %s (%s): writing %s: %s", cs->name, ks, XLB_MAP_VIPS,
			strerror(-err));
		return err;
	}
	if (is_new && (err = vaddr_ref(dp, &cs->key, +1)))
		pr_warn("service %s (%s): counting its address in %s: %s", cs->name, ks,
			XLB_MAP_VIPADDRS, strerror(-err));
	return 0;
}

int xlb_dp_apply_service(struct xlb_dp *dp, const struct xlb_cfg_service *cs,
			 struct xlb_dp_diff *diff)
{
	return xlb_dp_apply_service_active(dp, cs, NULL, diff);
}

int xlb_dp_apply_service_active(struct xlb_dp *dp, const struct xlb_cfg_service *cs,
				const struct xlb_dp_be_active *act, struct xlb_dp_diff *diff)
{
	struct dp_service *s = find_service(dp, &cs->key);
	struct dp_backend *nb = NULL;
	bool is_new = !s, *fresh = NULL, rebuild, svc_changed, svc_written = false;
	struct xlb_svc sv = {};
	char ks[96];
	size_t i, n = cs->n_backends;
	int err = 0;

	key_str(&cs->key, ks, sizeof(ks));
	if (is_new && dp->n_svcs >= dp->max_services) {
		pr_warn("service %s (%s): no room for another service (max %u)", cs->name, ks,
			dp->max_services);
		return -ENOSPC;
	}
	nb = calloc(n ? n : 1, sizeof(*nb));
	fresh = calloc(n ? n : 1, sizeof(*fresh));
	if (!nb || !fresh) {
		err = -ENOMEM;
		goto out;
	}
	if (is_new) {
		s = &dp->svcs[dp->n_svcs];
		memset(s, 0, sizeof(*s));
		s->key = cs->key;
		/* its old id if it is back (a rollback); counters start at 0 either way */
		err = xlb_idalloc_get_key(&dp->svc_ids, &cs->key, sizeof(cs->key), &s->svc.id);
		if (err) {
			pr_warn("service %s (%s): out of service ids", cs->name, ks);
			goto out;
		}
		percpu_zero(dp, dp->fd_svcst, s->svc.id, sizeof(struct xlb_counters) / 8);
	}
	sv.id = s->svc.id;
	sv.table_size = cs->table_size;
	sv.sched = cs->sched;
	sv.fwd = cs->fwd;
	if (xlb_fwd_is_nat(cs->fwd)) { /* #19: replies are looked for from now on */
		err = xlb_dp_nat_enable(dp, cs->fwd);
		if (err)
			goto out;
	}
	sv.flags = xlb_sc_svc_flags(cs->syn_cookies, &cs->key);

	/* Desired backends: existing ones keep their ids. */
	for (i = 0; i < n; i++) {
		const struct xlb_cfg_backend *cb = &cs->backends[i];
		const struct dp_backend *old = find_backend(s, &cb->addr, cb->family);

		nb[i].addr = cb->addr;
		nb[i].family = cb->family;
		nb[i].weight = act ? act[i].weight : cb->weight;
		nb[i].active = act ? act[i].usable : 1;
		nb[i].max_flows = cb->max_flows;
		nb[i].port = cb->port;
		nb[i].fwd = cs->fwd;
		if (old) {
			nb[i].id = old->id;
			continue;
		}
		err = be_id_get(dp, &cs->key, &cb->addr, cb->family, &nb[i].id);
		if (err) {
			pr_warn("service %s (%s): out of backend ids (max %u)", cs->name, ks,
				dp->max_backends);
			goto undo_ids;
		}
		fresh[i] = true;
	}
	qsort(nb, n, sizeof(*nb), cmp_backend);
	for (i = 0; i < n; i++) /* fresh[] followed the unsorted order: recompute */
		fresh[i] = !find_backend(s, &nb[i].addr, nb[i].family);

	/* 1. new, re-weighted and re-activated backends, before any table names them */
	for (i = 0; i < n; i++) {
		const struct dp_backend *old = find_backend(s, &nb[i].addr, nb[i].family);

		if (!nb[i].active) /* not in the table: written in step 4 */
			continue;
		if (old && old->weight == nb[i].weight && old->active && !is_new &&
		    old->max_flows == nb[i].max_flows && old->port == nb[i].port &&
		    old->fwd == nb[i].fwd)
			continue;
		if (fresh[i])
			percpu_zero(dp, dp->fd_best, nb[i].id, sizeof(struct xlb_counters) / 8);
		err = write_backend(dp, &nb[i], sv.id, true);
		if (err)
			goto undo_backends;
	}

	/*
	 * 2. the table, and 3. the service entry. The data path indexes the
	 * table with svc.table_size: when a table shrinks, the smaller size
	 * must be published first (it is valid for the old, larger table);
	 * otherwise the table goes first.
	 */
	svc_changed = is_new || memcmp(&s->svc, &sv, sizeof(sv));
	if (!is_new && svc_changed && sv.table_size < s->svc.table_size) {
		err = write_service(dp, cs, &sv, false, ks);
		if (err)
			goto undo_backends;
		svc_written = true;
		/*
		 * A packet that read the old, larger size just before must not
		 * index the smaller table: wait until no program still runs on
		 * the old size before the swap below.
		 */
		wait_for_readers(dp, sv.id);
	}
	rebuild = is_new || !s->table_ok || s->svc.table_size != sv.table_size ||
		  !same_backends(s->be, s->n_be, nb, n);
	if (rebuild) {
		struct dp_service tmp = *s;

		tmp.svc = sv;
		err = install_table(dp, &tmp, nb, n);
		if (err)
			goto undo_backends;
		s->table_ok = true;
		if (diff)
			diff->tables_built++;
	}

	if (svc_changed && !svc_written) {
		err = write_service(dp, cs, &sv, is_new, ks);
		if (err) {
			if (is_new)
				bpf_map_delete_elem(dp->fd_tables, &sv.id);
			goto undo_backends;
		}
	}

	/* 4. unusable backends lose ACTIVE, after the table no longer names them */
	for (i = 0; i < n; i++) {
		const struct dp_backend *old = find_backend(s, &nb[i].addr, nb[i].family);

		if (nb[i].active || (old && !old->active && old->weight == nb[i].weight && !is_new &&
				     old->max_flows == nb[i].max_flows))
			continue;
		if (fresh[i])
			percpu_zero(dp, dp->fd_best, nb[i].id, sizeof(struct xlb_counters) / 8);
		write_backend(dp, &nb[i], sv.id, true);
	}

	/* 5. backends that left: after the table no longer names them */
	for (i = 0; i < s->n_be; i++) {
		const struct dp_backend *b = &s->be[i];
		size_t j;

		for (j = 0; j < n; j++)
			if (nb[j].id == b->id)
				break;
		if (j < n)
			continue;
		write_backend(dp, b, 0, false);
		be_id_put(dp, &s->key, b);
	}

	if (diff) {
		if (is_new)
			diff->added++;
		else if (rebuild || svc_changed)
			diff->changed++;
		else
			diff->unchanged++;
	}
	if (is_new)
		dp->n_svcs++;
	s->svc = sv;
	free(s->be);
	s->be = nb;
	s->n_be = n;
	nb = NULL;
	for (i = 0; i < n; i++)
		if (fresh[i])
			xlb_dp_neigh_kick(dp, &s->be[i].addr, s->be[i].family);
	if (is_new || rebuild)
		pr_info("service %s (%s): %s, id %u, %zu backends%s", cs->name, ks,
			is_new ? "installed" : "updated", sv.id, n,
			rebuild ? ", table rebuilt" : "");
	goto out;

undo_backends:
	for (i = 0; i < n; i++) {
		const struct dp_backend *old = find_backend(s, &nb[i].addr, nb[i].family);

		if (fresh[i])
			write_backend(dp, &nb[i], 0, false);
		else if (old && (old->weight != nb[i].weight || old->active != nb[i].active))
			write_backend(dp, old, sv.id, true);
	}
undo_ids: /* remembered again: a later try gets the same ids */
	for (i = 0; i < n; i++)
		if (fresh[i])
			be_id_put(dp, &cs->key, &nb[i]);
	if (is_new)
		xlb_idalloc_put_key(&dp->svc_ids, s->svc.id, &cs->key, sizeof(cs->key));
out:
	free(fresh);
	free(nb);
	return err;
}

static void filter_clear_id(struct xlb_dp *dp, __u32 id);

static void drop_service(struct xlb_dp *dp, struct dp_service *s)
{
	size_t i;

	/* Its id may be reused before the next filter sync: no filters under it meanwhile. */
	filter_clear_id(dp, s->svc.id);
	free(s->be);
	i = s - dp->svcs;
	memmove(s, s + 1, (dp->n_svcs - i - 1) * sizeof(*s));
	dp->n_svcs--;
}

int xlb_dp_remove_service(struct xlb_dp *dp, const struct xlb_vip_key *key)
{
	struct dp_service *s = find_service(dp, key);
	__u32 id;
	char ks[96];
	size_t i;

	if (!s)
		return -ENOENT;
	id = s->svc.id;
	if (bpf_map_delete_elem(dp->fd_vips, key) && errno != ENOENT)
		pr_warn("service %s: deleting from %s: %s", key_str(key, ks, sizeof(ks)), XLB_MAP_VIPS,
			strerror(errno));
	vaddr_ref(dp, key, -1);
	bpf_map_delete_elem(dp->fd_tables, &id);
	for (i = 0; i < s->n_be; i++) {
		write_backend(dp, &s->be[i], 0, false);
		be_id_put(dp, key, &s->be[i]);
	}
	xlb_idalloc_put_key(&dp->svc_ids, id, key, sizeof(*key));
	pr_info("service %s (id %u): removed", key_str(key, ks, sizeof(ks)), id);
	drop_service(dp, s);
	vfilter_sync(dp, NULL);
	return 0;
}

/*
 * The node's encapsulation settings (config node: address_v4, address_v6,
 * gue_port) into XLB_MAP_NODE, before any service that needs them. One
 * array entry, rewritten whole: a reader sees old or new addresses (the
 * 40-byte copy is not atomic, but both halves are valid settings).
 */
static int node_sync(struct xlb_dp *dp, const struct xlb_config *cfg)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->obj, XLB_MAP_NODE);
	struct xlb_node n = {};
	__u32 zero = 0;
	int err;

	if (!m)
		return -ENOENT;
	if (cfg->node_addr4_family == XLB_AF_INET)
		n.addr4 = cfg->node_addr4;
	if (cfg->node_addr6_family == XLB_AF_INET6)
		n.addr6 = cfg->node_addr6;
	n.gue_port = htons(cfg->gue_port ? cfg->gue_port : XLB_GUE_PORT_DEFAULT);
	if (bpf_map_update_elem(bpf_map__fd(m), &zero, &n, BPF_ANY)) {
		err = -errno;
		pr_warn("writing %s: %s", XLB_MAP_NODE, strerror(-err));
		return err;
	}
	return 0;
}

/*
 * The SYN cookie secret (syn_cookie_secret:) into XLB_MAP_SCKEYS; a new one
 * keeps the old as previous (syncookie.c). Without the key a random secret
 * is made once (the pinned map keeps it across restarts), which is right
 * only for a single node: warned when a service uses syn_cookies.
 */
static void sc_sync(struct xlb_dp *dp, const struct xlb_config *cfg)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->obj, XLB_MAP_SCKEYS);
	bool generated = false, used = false;
	size_t i;
	int err;

	if (!m)
		return;
	err = xlb_sc_keys_sync(bpf_map__fd(m), cfg->sc_secret_set ? cfg->sc_secret : NULL,
			       &generated);
	if (err)
		pr_warn("writing %s: %s", XLB_MAP_SCKEYS, strerror(-err));
	for (i = 0; i < cfg->n_services; i++)
		used |= cfg->services[i].syn_cookies != XLB_SYN_COOKIES_OFF;
	if (generated && used)
		pr_warn("no syn_cookie_secret in the config: generated one for this node only; "
			"other nodes and the backends cannot check its cookies");
}

int xlb_dp_apply(struct xlb_dp *dp, const struct xlb_config *cfg, struct xlb_dp_diff *diff)
{
	return xlb_dp_apply_active(dp, cfg, NULL, diff);
}

int xlb_dp_apply_active(struct xlb_dp *dp, const struct xlb_config *cfg,
			const struct xlb_dp_be_active *const *act, struct xlb_dp_diff *diff)
{
	struct xlb_vip_key *gone;
	size_t i, j, n_gone = 0;
	int err;

	if (diff)
		memset(diff, 0, sizeof(*diff));
	err = node_sync(dp, cfg);
	if (!err)
		err = xlb_dp_nat_sync(dp, cfg); /* #19, before the services that use it */
	if (err)
		return err;
	sc_sync(dp, cfg);
	for (i = 0; i < cfg->n_services; i++) {
		err = xlb_dp_apply_service_active(dp, &cfg->services[i], act ? act[i] : NULL, diff);
		if (err)
			return err;
	}
	gone = calloc(dp->n_svcs + 1, sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	for (i = 0; i < dp->n_svcs; i++) {
		for (j = 0; j < cfg->n_services; j++)
			if (!memcmp(&cfg->services[j].key, &dp->svcs[i].key, sizeof(gone[0])))
				break;
		if (j == cfg->n_services)
			gone[n_gone++] = dp->svcs[i].key;
	}
	for (i = 0; i < n_gone; i++) {
		xlb_dp_remove_service(dp, &gone[i]);
		if (diff)
			diff->removed++;
	}
	free(gone);
	return xlb_dp_filters_sync(dp, cfg);
}

/* ---- adoption ---- */

/* Read back what the pinned maps hold into the mirror. */
static int adopt(struct xlb_dp *dp)
{
	struct xlb_vip_key key, next, *prev = NULL;
	struct xlb_backend be;
	struct dp_service *s;
	char ks[96];
	__u32 id;
	size_t i;

	while (!bpf_map_get_next_key(dp->fd_vips, prev, &next)) {
		key = next;
		prev = &key;
		if (dp->n_svcs >= dp->max_services)
			break;
		s = &dp->svcs[dp->n_svcs];
		memset(s, 0, sizeof(*s));
		s->key = key;
		if (bpf_map_lookup_elem(dp->fd_vips, &key, &s->svc))
			continue;
		if (xlb_idalloc_reserve(&dp->svc_ids, s->svc.id)) {
			pr_warn("pinned service %s has a bad or duplicate id %u: removing it",
				key_str(&key, ks, sizeof(ks)), s->svc.id);
			bpf_map_delete_elem(dp->fd_vips, &key);
			prev = NULL; /* restart the walk: we deleted under it */
			continue;
		}
		dp->n_svcs++;
	}
	for (id = 0; id < dp->max_backends; id++) {
		struct dp_backend *nbe;

		if (bpf_map_lookup_elem(dp->fd_bends, &id, &be))
			continue;
		if (!be.family) /* unused; family set but not ACTIVE: a "down" backend */
			continue;
		s = find_service_id(dp, be.svc_id);
		if (!s) {
			struct dp_backend b = { .id = id };

			write_backend(dp, &b, 0, false); /* orphan */
			continue;
		}
		nbe = realloc(s->be, (s->n_be + 1) * sizeof(*nbe));
		if (!nbe)
			return -ENOMEM;
		s->be = nbe;
		nbe = &s->be[s->n_be++];
		memset(nbe, 0, sizeof(*nbe));
		nbe->id = id;
		nbe->addr = be.addr;
		nbe->family = be.family;
		nbe->weight = be.weight;
		nbe->active = !!(be.flags & XLB_BE_F_ACTIVE);
		if (be.flags & XLB_BE_F_CAPPED) { /* #21 */
			struct xlb_cap cap = {};
			int cfd = map_fd(dp, XLB_MAP_CAPS, NULL);

			if (cfd >= 0 && !bpf_map_lookup_elem(cfd, &id, &cap))
				nbe->max_flows = cap.max_flows;
		}
		xlb_idalloc_reserve(&dp->be_ids, id);
	}
	for (i = 0; i < dp->n_svcs; i++) {
		s = &dp->svcs[i];
		qsort(s->be, s->n_be, sizeof(*s->be), cmp_backend);
		s->table_ok = table_matches(dp, s);
		pr_info("adopted service %s: id %u, %zu backends, table %s",
			key_str(&s->key, ks, sizeof(ks)), s->svc.id, s->n_be,
			s->table_ok ? "intact" : "to rebuild");
	}

	/* Recount VIP addresses from the services; drop stale ones. */
	prev = NULL;
	while (!bpf_map_get_next_key(dp->fd_vaddr, prev, &next)) {
		__u32 n = 0;

		key = next;
		prev = &key;
		for (i = 0; i < dp->n_svcs; i++)
			if (!memcmp(&dp->svcs[i].key.addr, &key.addr, sizeof(key.addr)) &&
			    dp->svcs[i].key.family == key.family)
				n++;
		if (!n) {
			bpf_map_delete_elem(dp->fd_vaddr, &key);
			prev = NULL;
		} else {
			bpf_map_update_elem(dp->fd_vaddr, &key, &n, BPF_ANY);
		}
	}
	for (i = 0; i < dp->n_svcs; i++) {
		struct xlb_vip_key v = vaddr_key(&dp->svcs[i].key);
		__u32 n;

		if (bpf_map_lookup_elem(dp->fd_vaddr, &v, &n))
			vaddr_ref(dp, &dp->svcs[i].key, +1);
	}
	return 0;
}

/* ---- attach ---- */

static const char *xdp_mode_name(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return "unknown";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

static int attach_new(struct xlb_dp *dp, int prog_fd, enum xlb_attach_mode mode, const char *path)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int fd, err;

	lo.flags = mode == XLB_ATTACH_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(prog_fd, dp->ifindex, BPF_XDP, &lo);
	if (fd < 0 && mode == XLB_ATTACH_AUTO && errno != EBUSY && errno != EEXIST) {
		pr_warn("native XDP on %s failed (%s): attaching in generic mode (slower)", dp->iface,
			strerror(errno));
		lo.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, dp->ifindex, BPF_XDP, &lo);
	}
	if (fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			pr_err("%s already has an XDP program, not attached through %s (an lbd "
				"with another --pin-dir? detach that one, or: ip link set dev %s "
				"xdp off)", dp->iface, dp->pin_dir, dp->iface);
		else
			pr_err("attaching XDP to %s: %s", dp->iface, strerror(-err));
		return err;
	}
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_err("pinning the XDP link at %s: %s", path, strerror(-err));
		close(fd); /* last reference: detaches */
		return err;
	}
	close(fd);
	dp->mode = lo.flags == XDP_FLAGS_SKB_MODE ? "generic" : "native";
	return 0;
}

static int attach(struct xlb_dp *dp, int prog_fd, enum xlb_attach_mode mode)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, LINK_PIN) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno != ENOENT) {
			err = -errno;
			pr_err("opening the pinned link %s: %s", path, strerror(-err));
			return err;
		}
		return attach_new(dp, prog_fd, mode, path);
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP) {
		pr_err("%s is not an XDP link", path);
		close(fd);
		return -EINVAL;
	}
	if (!info.xdp.ifindex) {
		/* The interface went away (and maybe came back): the link is defunct. */
		pr_info("pinned link %s is defunct (interface gone): attaching anew", path);
		close(fd);
		unlink(path);
		return attach_new(dp, prog_fd, mode, path);
	}
	dp->had_link = true;
	if ((int)info.xdp.ifindex != dp->ifindex) {
		char other[IF_NAMESIZE] = "?";

		if_indextoname(info.xdp.ifindex, other);
		pr_err("the link pinned at %s is attached to %s (ifindex %u), not %s: wrong --pin-dir?",
			path, other, info.xdp.ifindex, dp->iface);
		close(fd);
		return -EEXIST;
	}
	/* Atomic replace: the interface never runs without a program. */
	if (bpf_link_update(fd, prog_fd, NULL)) {
		err = -errno;
		pr_err("replacing the program behind %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	close(fd);
	dp->adopted = true;
	dp->mode = xdp_mode_name(dp->ifindex);
	if ((mode == XLB_ATTACH_NATIVE && strcmp(dp->mode, "native")) ||
	    (mode == XLB_ATTACH_GENERIC && strcmp(dp->mode, "generic")))
		pr_warn("%s stays attached in %s mode (replaced in place); to change the mode: "
			"lbd --detach, then start again", dp->iface, dp->mode);
	return 0;
}

/* Every up, non-loopback interface of this namespace, attached one first. */
static int fill_txports(struct xlb_dp *dp, __u32 max)
{
	struct if_nameindex *ifs, *i;
	__u32 n = 0, idx = dp->ifindex;
	int sk, err = 0;

	if (bpf_map_update_elem(dp->fd_txports, &idx, &idx, BPF_ANY)) {
		err = -errno;
		pr_err("adding %s to %s: %s", dp->iface, TXPORTS_MAP, strerror(-err));
		return err;
	}
	n++;
	ifs = if_nameindex();
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = ifs; i && i->if_index && sk >= 0 && n < max; i++) {
		struct ifreq ifr = {};

		if ((int)i->if_index == dp->ifindex)
			continue;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(sk, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP) ||
		    (ifr.ifr_flags & IFF_LOOPBACK))
			continue;
		idx = i->if_index;
		/* Some devices cannot be redirect targets: skip them quietly. */
		if (!bpf_map_update_elem(dp->fd_txports, &idx, &idx, BPF_ANY))
			n++;
		else
			pr_debug("%s cannot be a redirect target: %s", i->if_name, strerror(errno));
	}
	if (sk >= 0)
		close(sk);
	if (ifs)
		if_freenameindex(ifs);
	return 0;
}

/* ---- open / close / detach ---- */

static int open_fds(struct xlb_dp *dp)
{
	__u32 max_tx = 0;

	dp->fd_vips = map_fd(dp, XLB_MAP_VIPS, &dp->max_services);
	dp->fd_vaddr = map_fd(dp, XLB_MAP_VIPADDRS, NULL);
	dp->fd_tables = map_fd(dp, XLB_MAP_TABLES, NULL);
	dp->fd_bends = map_fd(dp, XLB_MAP_BACKENDS, &dp->max_backends);
	dp->fd_stats = map_fd(dp, XLB_MAP_STATS, NULL);
	dp->fd_svcst = map_fd(dp, XLB_MAP_SVC_STATS, NULL);
	dp->fd_best = map_fd(dp, XLB_MAP_BE_STATS, NULL);
	dp->fd_txports = map_fd(dp, TXPORTS_MAP, &max_tx);
	dp->fd_vfilt = map_fd(dp, XLB_MAP_VIPFILTER, NULL);
	dp->fd_epoch = map_fd(dp, XLB_MAP_EPOCH, NULL);
	if (dp->fd_vips < 0 || dp->fd_vaddr < 0 || dp->fd_tables < 0 || dp->fd_bends < 0 ||
	    dp->fd_stats < 0 || dp->fd_svcst < 0 || dp->fd_best < 0 || dp->fd_txports < 0 ||
	    dp->fd_vfilt < 0 || dp->fd_epoch < 0)
		return -ENOENT;
	for (__u32 w = 0; w < XLB_VFILTER_WORDS; w++)
		if (bpf_map_lookup_elem(dp->fd_vfilt, &w, &dp->vfilt[w]))
			dp->vfilt[w] = 0;
	return fill_txports(dp, max_tx);
}

static struct bpf_program *xdp_program(struct bpf_object *obj)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "xlb_xdp_ingress");

	if (p) /* the entry point; xlb_xdp_captured is only tail-called (capture.h) */
		return p;
	bpf_object__for_each_program(p, obj)
		if (bpf_program__type(p) == BPF_PROG_TYPE_XDP)
			return p;
	return NULL;
}

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
static int resize_prepare(struct xlb_dp *dp, struct bpf_map *m)
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
	/* lbd keeps xlb_vfilt_v1 right (vfilter_sync), so the data path may
	 * answer "not a VIP" from it without the hash lookup. */
	dp->skel->rodata->xlb_cfg_prefilter = 1;
	dp->skel->rodata->xlb_cfg_fcache = !dp->no_flow_cache;
	/* Without the cache its maps are never read: one entry instead of 528 KiB per CPU. */
	if (dp->no_flow_cache && (bpf_map__set_max_entries(dp->skel->maps.xlb_fcache_v1, 1) ||
				  bpf_map__set_max_entries(dp->skel->maps.xlb_fcgen_v1, 1)))
		pr_warn("shrinking the flow cache maps: %s", strerror(errno));
	/*
	 * Every inner table must carry the template's map_flags (the kernel
	 * compares them on each swap). libbpf frees the template at load, so
	 * read them now.
	 */
	tables = bpf_object__find_map_by_name(dp->obj, XLB_MAP_TABLES);
	inner = tables ? bpf_map__inner_map(tables) : NULL;
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
		    t == BPF_MAP_TYPE_DEVMAP_HASH || !strcmp(bpf_map__name(m), TXPORTS_MAP) ||
		    !strcmp(bpf_map__name(m), XLB_MAP_FCACHE) ||
		    !strcmp(bpf_map__name(m), XLB_MAP_FCGEN) ||
		    !strncmp(bpf_map__name(m), "xlb_cap", 7))
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
		static const char *const by_id[] = { XLB_MAP_BACKENDS, XLB_MAP_BE_STATS,
						     XLB_MAP_CONNS, XLB_MAP_NHCACHE,
						     XLB_MAP_CAPS /* #21 */ };
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
			struct bpf_map *bm = bpf_object__find_map_by_name(dp->obj, by_id[k]);

			if (!bm || bpf_map__set_max_entries(bm, dp->want_backends)) {
				pr_err("sizing %s to %u entries: %s", by_id[k], dp->want_backends,
					bm ? strerror(errno) : "no such map");
				return -EINVAL;
			}
		}
	}
	/* The connection table's size (--max-flows, else as built); a pinned one may differ. */
	{
		struct bpf_map *flows = bpf_object__find_map_by_name(dp->obj, XLB_MAP_FLOWS);

		err = !flows ? -ENOENT
		      : dp->max_flows ? bpf_map__set_max_entries(flows, dp->max_flows) : 0;
		if (!err)
			err = resize_prepare(dp, flows);
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

static int oldpins_scan(struct xlb_dp *dp)
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

	/* only the reason counters have names here (xlb_stats_v*) */
	if (strcmp(bpf_map__name(op->map), XLB_MAP_STATS) ||
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
static void oldpins_migrate(struct xlb_dp *dp, int pass)
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
static void oldpins_remove(struct xlb_dp *dp)
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

int xlb_dp_attach(struct xlb_dp *dp)
{
	struct bpf_program *prog;
	int err;

	if (dp->attached)
		return 0;
	prog = xdp_program(dp->obj);
	if (!prog) {
		pr_err("the XDP object has no XDP program");
		return -ENOENT;
	}
	oldpins_migrate(dp, 1);
	err = attach(dp, bpf_program__fd(prog), dp->attach_mode);
	if (err) {
		/* Nothing runs on these maps: do not leave pins behind. */
		if (!dp->had_link) {
			bpf_object__unpin_maps(dp->obj, NULL);
			rmdir(dp->pin_dir);
		}
		return err;
	}
	dp->attached = true;
	oldpins_migrate(dp, 2);
	oldpins_remove(dp);
	pr_info("XDP program %s on %s (ifindex %d) in %s mode, pins in %s",
		dp->adopted ? "replaced" : "attached", dp->iface, dp->ifindex, dp->mode, dp->pin_dir);
	return 0;
}

int xlb_dp_reattach(struct xlb_dp *dp, int ifindex)
{
	struct bpf_program *prog = xdp_program(dp->obj);
	__u32 idx = (__u32)ifindex;
	int err;

	if (!prog)
		return -ENOENT;
	/* the kernel dropped the old device's devmap entry when it went away */
	dp->ifindex = ifindex;
	dp->attached = false;
	/* the pinned link is defunct (its device is gone): attach() replaces it */
	err = attach(dp, bpf_program__fd(prog), dp->attach_mode);
	if (err)
		return err;
	dp->attached = true;
	if (bpf_map_update_elem(dp->fd_txports, &idx, &idx, BPF_ANY))
		pr_warn("adding %s (ifindex %d) to %s: %s", dp->iface, ifindex, TXPORTS_MAP,
			strerror(errno));
	pr_info("XDP program attached again on %s (ifindex %d) in %s mode", dp->iface,
		dp->ifindex, dp->mode);
	return 0;
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
		err = oldpins_scan(dp);
	if (err)
		goto err_unload;
	if (xlb_idalloc_init(&dp->svc_ids, dp->max_services) ||
	    xlb_idalloc_init(&dp->be_ids, dp->max_backends) ||
	    !(dp->svcs = calloc(dp->max_services, sizeof(*dp->svcs)))) {
		err = -ENOMEM;
		goto err_unload;
	}
	err = adopt(dp);
	if (!err) /* before the new program runs: its prefilter must know every service */
		err = vfilter_sync(dp, NULL);
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
			drop_service(dp, &dp->svcs[dp->n_svcs - 1]);
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
		drop_service(dp, &dp->svcs[dp->n_svcs - 1]);
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
	__u32 n, i;

	fd = map_fd(dp, XLB_MAP_FLOWS, NULL);
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
		for (i = 0; i < n; i++) {
			seen++;
			if (!counts || vals[i].backend_id >= n_ids ||
			    (vals[i].flags & XLB_FLOW_F_CLOSED))
				continue;
			if (active_ns && now > vals[i].last_seen_ns &&
			    now - vals[i].last_seen_ns > active_ns)
				continue;
			counts[vals[i].backend_id]++;
		}
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
	struct bpf_map *m = bpf_object__find_map_by_name(dp->obj, XLB_MAP_FLOWS);
	size_t i;

	memset(f, 0, sizeof(*f));
	f->flows_max = m ? bpf_map__max_entries(m) : 0;
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
	fd = map_fd(dp, XLB_MAP_CONNS, NULL);
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

/* ---- filters: ACL tries and filter settings (bpf/filter.h) ---- */

/*
 * Order, so that a packet never sees a flag without its entries: insert every
 * wanted entry, then write each scope's settings (flags), then delete the
 * entries nobody wants any more. A scope losing its allow list has its flag
 * cleared before its entries go.
 */

static void filter_clear_id(struct xlb_dp *dp, __u32 id)
{
	struct xlb_filter zero = {0};
	int fd = map_fd(dp, XLB_MAP_FILTER, NULL);

	if (fd >= 0 && bpf_map_update_elem(fd, &id, &zero, BPF_ANY))
		pr_warn("%s[%u]: clear: %s", XLB_MAP_FILTER, id, strerror(errno));
}

struct acl_keys {
	__u8 *k; /* n keys of ksz bytes */
	size_t n, cap, ksz;
};

static int keys_push(struct acl_keys *ks, const void *k)
{
	if (ks->n == ks->cap) {
		size_t nc = ks->cap ? ks->cap * 2 : 64;
		__u8 *nk = realloc(ks->k, nc * ks->ksz);

		if (!nk)
			return -ENOMEM;
		ks->k = nk;
		ks->cap = nc;
	}
	memcpy(ks->k + ks->n++ * ks->ksz, k, ks->ksz);
	return 0;
}

static bool keys_has(const struct acl_keys *ks, const void *k)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!memcmp(ks->k + i * ks->ksz, k, ks->ksz))
			return true;
	return false;
}

/* Insert the entries of one list into the tries and remember their keys. */
static int acl_insert(int fd4, int fd6, __u8 kind, __u32 id, const struct xlb_acl_list *l,
		      struct acl_keys *w4, struct acl_keys *w6)
{
	char a[XLB_CIDR_STRLEN];
	__u32 one = 1;
	size_t i;
	int err;

	for (i = 0; i < l->n; i++) {
		struct xlb_acl4_key k4;
		struct xlb_acl6_key k6;

		if (l->v[i].family == XLB_AF_INET) {
			xlb_acl4_key_of(kind, id, &l->v[i], &k4);
			err = bpf_map_update_elem(fd4, &k4, &one, BPF_ANY) ? -errno : keys_push(w4, &k4);
		} else {
			xlb_acl6_key_of(kind, id, &l->v[i], &k6);
			err = bpf_map_update_elem(fd6, &k6, &one, BPF_ANY) ? -errno : keys_push(w6, &k6);
		}
		if (err) {
			pr_warn("ACL entry %s: %s", xlb_cidr_str(&l->v[i], a, sizeof(a)),
				strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Delete the entries of one trie that are not wanted. */
static int acl_sweep(int fd, const struct acl_keys *want)
{
	struct acl_keys gone = {.ksz = want->ksz};
	__u8 k[sizeof(struct xlb_acl6_key)], prev[sizeof(struct xlb_acl6_key)];
	bool first = true;
	size_t i;
	int err = 0;

	while (!bpf_map_get_next_key(fd, first ? NULL : prev, k)) {
		first = false;
		memcpy(prev, k, want->ksz);
		if (!keys_has(want, k) && keys_push(&gone, k)) {
			free(gone.k);
			return -ENOMEM;
		}
	}
	for (i = 0; i < gone.n; i++)
		if (bpf_map_delete_elem(fd, gone.k + i * gone.ksz) && errno != ENOENT)
			err = -errno;
	free(gone.k);
	return err;
}

int xlb_dp_filters_sync(struct xlb_dp *dp, const struct xlb_config *cfg)
{
	int fd4 = map_fd(dp, XLB_MAP_ACL4, NULL), fd6 = map_fd(dp, XLB_MAP_ACL6, NULL);
	int fdf = map_fd(dp, XLB_MAP_FILTER, NULL);
	struct acl_keys w4 = {.ksz = sizeof(struct xlb_acl4_key)};
	struct acl_keys w6 = {.ksz = sizeof(struct xlb_acl6_key)};
	struct xlb_acl global = {.deny = cfg->acl.deny};
	__u32 id, n, nvals = dp->max_services + 1;
	struct xlb_filter *vals;
	bool svc_none;
	size_t i;
	int err;

	if (fd4 < 0 || fd6 < 0 || fdf < 0)
		return -ENOENT;
	vals = calloc(nvals, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	/* 1. entries (global deny list, then each installed service's lists) */
	err = acl_insert(fd4, fd6, XLB_ACL_DENY, XLB_ACL_GLOBAL_ID, &cfg->acl.deny, &w4, &w6);
	xlb_filter_value(&global, &cfg->rate_limit, &vals[nvals - 1]); /* XLB_FILTER_GLOBAL */
	for (i = 0; !err && i < cfg->n_services; i++) {
		const struct xlb_cfg_service *cs = &cfg->services[i];

		if (xlb_dp_service_id(dp, &cs->key, &id) || id >= nvals - 1)
			continue; /* not installed (its apply failed): nothing to filter */
		err = acl_insert(fd4, fd6, XLB_ACL_DENY, id, &cs->acl.deny, &w4, &w6);
		if (!err)
			err = acl_insert(fd4, fd6, XLB_ACL_ALLOW, id, &cs->acl.allow, &w4, &w6);
		xlb_filter_value(&cs->acl, &cs->rate_limit, &vals[id]);
	}
	if (err)
		goto out;
	/*
	 * 2. settings, where they changed (ids of no service: all zero). The
	 * global entry tells the data path whether any service has settings
	 * (XLB_FILTER_F_SVC_NONE): it goes first when some service has them
	 * and last when none has, so a service's flags are never skipped.
	 */
	svc_none = true;
	for (id = 0; id < nvals - 1; id++)
		if (vals[id].flags)
			svc_none = false;
	if (svc_none)
		vals[nvals - 1].flags |= XLB_FILTER_F_SVC_NONE;
	for (n = 0; n < nvals; n++) {
		struct xlb_filter cur;

		id = svc_none ? n : (n + nvals - 1) % nvals; /* the global entry is nvals - 1 */
		if (!bpf_map_lookup_elem(fdf, &id, &cur) && !memcmp(&cur, &vals[id], sizeof(cur)))
			continue;
		if (bpf_map_update_elem(fdf, &id, &vals[id], BPF_ANY)) {
			err = -errno;
			pr_warn("%s[%u]: %s", XLB_MAP_FILTER, id, strerror(-err));
			goto out;
		}
	}
	/* 3. entries nobody wants */
	err = acl_sweep(fd4, &w4);
	if (!err)
		err = acl_sweep(fd6, &w6);
	if (err)
		pr_warn("ACL tries: removing old entries: %s", strerror(-err));
out:
	free(w4.k);
	free(w6.k);
	free(vals);
	return err;
}

long long xlb_dp_last_swap_ns(const struct xlb_dp *dp)
{
	return dp->last_swap_ns;
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
