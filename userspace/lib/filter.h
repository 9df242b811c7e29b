/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * filter - ACL lists (CIDRs) and new-flow rate limits: the pure part shared by
 * config, dp (map entries), lbd and lbctl. docs/filtering.md is the operator's
 * view; bpf/filter.h the data path's.
 */
#ifndef XLB_FILTER_H
#define XLB_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include "xlb.h"

/* "2001:db8:1234:5678:9abc:def0:1234:5678/128" + NUL */
#define XLB_CIDR_STRLEN 50
#define XLB_ACL_LIST_MAX 4096 /* entries per list (config and lbctl) */

#define XLB_RATE_MAX 10000000u /* new_flows_per_s */
#define XLB_BURST_MAX 1000000u
#define XLB_RATE_DEFAULT_PREFIX4 32
#define XLB_RATE_DEFAULT_PREFIX6 64

struct xlb_cidr {
	struct xlb_addr addr; /* host bits zero */
	__u8 family; /* XLB_AF_INET / XLB_AF_INET6 */
	__u8 plen; /* 0..32 / 0..128 */
};

struct xlb_acl_list {
	struct xlb_cidr *v; /* malloc'd, no duplicates, in insertion order */
	size_t n;
};

/* A scope's lists: global (deny only) or one service. */
struct xlb_acl {
	struct xlb_acl_list allow, deny;
};

/* rate_limit: of a service or global; !set = none. */
struct xlb_rate_limit {
	bool set;
	__u32 rate; /* new flows per second per bucket, 1..XLB_RATE_MAX */
	__u32 burst; /* 1..XLB_BURST_MAX; default = rate */
	__u8 prefix4, prefix6; /* bucket size: one per source /prefix4, /prefix6 */
};

/*
 * The limit of a ratelimit.set request (json args rate, burst, prefix_v4,
 * prefix_v6; proto.h checked their types), or of ratelimit.clear (set
 * false: no limit, and no limit may be given). 0, or -EINVAL with err.
 * Shared by lbd (node-local change) and the cluster document change.
 */
struct json_t;
int xlb_rate_limit_from_args(const struct json_t *args, bool set, struct xlb_rate_limit *out,
			     char *err, size_t errlen);

/*
 * "10.0.0.0/8", "2001:db8::/32", or a bare address (= /32, /128). Host bits
 * must be zero. 0, or -EINVAL with a reason in why (may be NULL).
 */
int xlb_cidr_parse(const char *s, struct xlb_cidr *c, char *why, size_t whylen);
const char *xlb_cidr_str(const struct xlb_cidr *c, char *buf, size_t len);
bool xlb_cidr_eq(const struct xlb_cidr *a, const struct xlb_cidr *b);

/* List operations: 0, -EEXIST / -ENOENT, -ENOSPC (XLB_ACL_LIST_MAX), -ENOMEM. */
int xlb_acl_list_add(struct xlb_acl_list *l, const struct xlb_cidr *c);
int xlb_acl_list_remove(struct xlb_acl_list *l, const struct xlb_cidr *c);
bool xlb_acl_list_has(const struct xlb_acl_list *l, const struct xlb_cidr *c);
bool xlb_acl_list_eq(const struct xlb_acl_list *a, const struct xlb_acl_list *b);

int xlb_acl_copy(struct xlb_acl *dst, const struct xlb_acl *src); /* dst overwritten */
void xlb_acl_free(struct xlb_acl *acl);
bool xlb_acl_eq(const struct xlb_acl *a, const struct xlb_acl *b);

/* Same limit? (two unset limits are equal whatever their other fields) */
bool xlb_rate_limit_eq(const struct xlb_rate_limit *a, const struct xlb_rate_limit *b);

/* The XLB_MAP_FILTER value of a scope with these lists and this limit. */
void xlb_filter_value(const struct xlb_acl *acl, const struct xlb_rate_limit *rl,
		      struct xlb_filter *out);

/* LPM keys of an entry of list kind (XLB_ACL_DENY/ALLOW) of service id (or XLB_ACL_GLOBAL_ID). */
void xlb_acl4_key_of(__u8 kind, __u32 id, const struct xlb_cidr *c, struct xlb_acl4_key *k);
void xlb_acl6_key_of(__u8 kind, __u32 id, const struct xlb_cidr *c, struct xlb_acl6_key *k);

#endif
