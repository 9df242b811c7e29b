// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp_svc.c - services, backends (and their flow caps), lookup tables, the
 * VIP prefilter, the node's settings and SYN cookie secret, and adoption of
 * what the maps hold at a restart; see dp.h for the model.
 *
 * Ordering invariants (the XDP program reads these maps concurrently):
 *  - a backend entry is written (ACTIVE) before any lookup table names it;
 *  - a service's table is installed before its XLB_MAP_VIPS entry exists, so
 *    the data path never finds a service without a table;
 *  - a lookup table is replaced whole: a new inner array is created, filled
 *    and swapped into XLB_MAP_TABLES[svc id] with one update. A packet sees the
 *    old table or the new one; the kernel frees the old one when no program
 *    holds it any more;
 *  - a removed backend leaves the table first, then its entry is zeroed
 *    (flags 0), so flows pinned to it are rescheduled by the data path;
 *  - likewise a backend that becomes unusable (health: down) leaves the table
 *    first, then loses XLB_BE_F_ACTIVE (its entry keeps address, family and
 *    service, so a restarted lbd adopts it as "down"); one that becomes usable
 *    gets XLB_BE_F_ACTIVE before a table names it;
 *  - a removed service leaves XLB_MAP_VIPS first, then everything else.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "dp.h"
#include "dp_nat.h"
#include "idalloc.h"
#include "log.h"
#include "maglev.h"
#include "table.h"
#include "syncookie.h"

#include "xlb_hash.h"

#include "dp_int.h"

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
static void neigh_kick(struct xlb_dp *dp, const struct xlb_addr *addr, __u8 family)
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
	pr_debug("neighbour kick to backend %s: %s", dp_fam_str(addr, family, buf), strerror(errno));
}

void xlb_dp_neigh_refresh(struct xlb_dp *dp)
{
	size_t i, j;

	for (i = 0; i < dp->n_svcs; i++)
		for (j = 0; j < dp->svcs[i].n_be; j++)
			neigh_kick(dp, &dp->svcs[i].be[j].addr, dp->svcs[i].be[j].family);
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
			dp_key_str(&s->key, ks, sizeof(ks)), size, strerror(-err));
		return err;
	}
	/* Packed and filled through a shared mapping: well under a millisecond. */
	fd = xlb_table_create(table, size, dp->inner_flags, XLB_SLOT_BYTES);
	if (fd < 0) {
		err = fd;
		pr_warn("service %s: creating a lookup table map of %u slots: %s",
			dp_key_str(&s->key, ks, sizeof(ks)), size, strerror(-err));
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
			dp_key_str(&s->key, ks, sizeof(ks)), strerror(-err));
	else
		pr_debug("service %s: lookup table swapped (%zu backends, %u slots)",
			 dp_key_str(&s->key, ks, sizeof(ks)), n, size);
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
	int fd = DP_MAP_FD(dp, XLB_CAPS_MAP);
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
		pr_warn("backend %s (id %u): writing %s: %s", dp_fam_str(&b->addr, b->family, buf), b->id,
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
 * Make XLB_MAP_VIPFILTER hold exactly the buckets of the installed services plus
 * `extra` (a service about to be written to XLB_MAP_VIPS, or NULL). Bits are
 * set before a service becomes visible and cleared only after it is gone, so
 * the prefilter never hides a VIP from the data path. Writes changed words only.
 */
int dp_vfilter_sync(struct xlb_dp *dp, const struct xlb_vip_key *extra)
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

	if (is_new && (err = dp_vfilter_sync(dp, &cs->key)))
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

	dp_key_str(&cs->key, ks, sizeof(ks));
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
		dp_percpu_zero(dp, dp->fd_svcst, s->svc.id, sizeof(struct xlb_counters) / 8);
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
		nb[i].max_flows = act && act[i].max_flows ? act[i].max_flows : cb->max_flows;
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
			dp_percpu_zero(dp, dp->fd_best, nb[i].id, sizeof(struct xlb_counters) / 8);
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
			dp_percpu_zero(dp, dp->fd_best, nb[i].id, sizeof(struct xlb_counters) / 8);
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
			neigh_kick(dp, &s->be[i].addr, s->be[i].family);
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

void dp_drop_service(struct xlb_dp *dp, struct dp_service *s)
{
	size_t i;

	/* Its id may be reused before the next filter sync: no filters under it meanwhile. */
	dp_filter_clear_id(dp, s->svc.id);
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
		pr_warn("service %s: deleting from %s: %s", dp_key_str(key, ks, sizeof(ks)), XLB_MAP_VIPS,
			strerror(errno));
	vaddr_ref(dp, key, -1);
	bpf_map_delete_elem(dp->fd_tables, &id);
	for (i = 0; i < s->n_be; i++) {
		write_backend(dp, &s->be[i], 0, false);
		be_id_put(dp, key, &s->be[i]);
	}
	xlb_idalloc_put_key(&dp->svc_ids, id, key, sizeof(*key));
	pr_info("service %s (id %u): removed", dp_key_str(key, ks, sizeof(ks)), id);
	dp_drop_service(dp, s);
	dp_vfilter_sync(dp, NULL);
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
	struct bpf_map *m = DP_MAP(dp, XLB_NODE_MAP);
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
	struct bpf_map *m = DP_MAP(dp, XLB_SCKEYS_MAP);
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
int dp_adopt(struct xlb_dp *dp)
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
				dp_key_str(&key, ks, sizeof(ks)), s->svc.id);
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
			int cfd = DP_MAP_FD(dp, XLB_CAPS_MAP);

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
			dp_key_str(&s->key, ks, sizeof(ks)), s->svc.id, s->n_be,
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

long long xlb_dp_last_swap_ns(const struct xlb_dp *dp)
{
	return dp->last_swap_ns;
}
