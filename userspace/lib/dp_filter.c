// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp_filter.c - ACL tries and filter settings (bpf/filter.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "addr.h"
#include "dp.h"
#include "log.h"

#include "dp_int.h"

/* ---- filters: ACL tries and filter settings (bpf/filter.h) ---- */

/*
 * Order, so that a packet never sees a flag without its entries: insert every
 * wanted entry, then write each scope's settings (flags), then delete the
 * entries nobody wants any more. A scope losing its allow list has its flag
 * cleared before its entries go.
 */

void dp_filter_clear_id(struct xlb_dp *dp, __u32 id)
{
	struct xlb_filter zero = {0};
	int fd = DP_MAP_FD(dp, XLB_FILTER_MAP);

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
	int fd4 = DP_MAP_FD(dp, XLB_ACL4_MAP), fd6 = DP_MAP_FD(dp, XLB_ACL6_MAP);
	int fdf = DP_MAP_FD(dp, XLB_FILTER_MAP);
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
