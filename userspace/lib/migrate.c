// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* migrate.c - converters for pinned maps of older versions; see migrate.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "xlb.h"

int xlb_map_name_parse(const char *name, char *base, size_t len, unsigned int *ver)
{
	const char *v, *p;
	unsigned long n;
	char *end;

	if (strncmp(name, "xlb_", 4))
		return -EINVAL;
	v = strrchr(name, '_');
	if (!v || v < name + 5 || v[1] != 'v' || v[2] < '0' || v[2] > '9')
		return -EINVAL;
	for (p = v + 2; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	n = strtoul(v + 2, &end, 10);
	if (*end || n > 1000000 || (size_t)(v - (name + 4)) >= len)
		return -EINVAL;
	memcpy(base, name + 4, v - (name + 4));
	base[v - (name + 4)] = 0;
	*ver = n;
	return 0;
}

/* ---- xlb_flows: v1 (16-byte value, before encapsulation), v2 (24 bytes, before the ISN) -> v3
 * ---- */

struct flow_v1 {
	__u32 backend_id;
	__u32 svc_id;
	__u64 last_seen_ns; /* bpf_ktime_get_ns(): the same clock as v2's coarse one */
};
_Static_assert(sizeof(struct flow_v1) == 16, "xlb_flows_v1 value layout");

struct flow_v2 {
	__u32 backend_id;
	__u32 svc_id;
	__u64 last_seen_ns;
	__u32 flags; /* COUNTED, CLOSED (CLOSED only ever set on lc flows) */
	__u8 fwd;
	__u8 _pad[3];
};
_Static_assert(sizeof(struct flow_v2) == 24, "xlb_flows_v2 value layout");

void xlb_migrate_flow_v1(const void *old_val, void *new_val)
{
	struct flow_v1 o;
	struct xlb_flow n;

	memcpy(&o, old_val, sizeof(o));
	memset(&n, 0, sizeof(n));
	n.backend_id = o.backend_id;
	n.svc_id = o.svc_id;
	n.last_seen_ns = o.last_seen_ns;
	n.flags = 0; /* not counted by lc: lbd's recount takes it into account */
	n.fwd = XLB_FWD_DSR_L2;
	memcpy(new_val, &n, sizeof(n));
}

void xlb_migrate_flow_v2(const void *old_val, void *new_val)
{
	struct flow_v2 o;
	struct xlb_flow n;

	memcpy(&o, old_val, sizeof(o));
	memset(&n, 0, sizeof(n));
	n.backend_id = o.backend_id;
	n.svc_id = o.svc_id;
	n.last_seen_ns = o.last_seen_ns;
	n.flags = o.flags & (XLB_FLOW_F_COUNTED | XLB_FLOW_F_CLOSED);
	n.fwd = o.fwd;
	memcpy(new_val, &n, sizeof(n));
}

/* ---- xlb_stats: reason names by version (git log -p include/xlb.h) ---- */

/* v2 (data path schedulers, ICMP, next-hop cache) */
static const char *const stats_v2[] = {
    "pass_not_ip",   "pass_not_vip",	  "pass_not_l4",   "fwd_tx",
    "fwd_redirect",  "drop_malformed",	  "drop_fragment", "drop_no_backend",
    "drop_no_neigh", "drop_fib",	  "drop_redirect", "drop_too_big",
    "fwd_icmp",	     "pass_icmp_no_flow",
};

/* v3: v2 + encapsulation */
static const char *const stats_v3[] = {
    "pass_not_ip",   "pass_not_vip",	  "pass_not_l4",       "fwd_tx",
    "fwd_redirect",  "drop_malformed",	  "drop_fragment",     "drop_no_backend",
    "drop_no_neigh", "drop_fib",	  "drop_redirect",     "drop_too_big",
    "fwd_icmp",	     "pass_icmp_no_flow", "drop_no_node_addr", "drop_encap",
    "tx_too_big",
};

/* v4: v3 + filters. dp_migrate.c passes the current XLB_STATS as the new names. */
static const char *const stats_v4[] = {
    "pass_not_ip",    "pass_not_vip",	   "pass_not_l4",	"fwd_tx",
    "fwd_redirect",   "drop_malformed",	   "drop_fragment",	"drop_no_backend",
    "drop_no_neigh",  "drop_fib",	   "drop_redirect",	"drop_too_big",
    "fwd_icmp",	      "pass_icmp_no_flow", "drop_no_node_addr", "drop_encap",
    "tx_too_big",     "drop_ipv6_ext",	   "drop_acl_global",	"drop_acl_service",
    "drop_acl_allow", "drop_rate_limit",
};

/* v5: v4 + SYN cookies. */
static const char *const stats_v5[] = {
    "pass_not_ip",	"pass_not_vip",	      "pass_not_l4",	   "fwd_tx",
    "fwd_redirect",	"drop_malformed",     "drop_fragment",	   "drop_no_backend",
    "drop_no_neigh",	"drop_fib",	      "drop_redirect",	   "drop_too_big",
    "fwd_icmp",		"pass_icmp_no_flow",  "drop_no_node_addr", "drop_encap",
    "tx_too_big",	"drop_ipv6_ext",      "drop_acl_global",   "drop_acl_service",
    "drop_acl_allow",	"drop_rate_limit",    "tx_syncookie",	   "drop_syncookie_bad",
};

/* v6: v5 + NAT (#19). dp_migrate.c passes the current XLB_STATS as the new names. */
static const char *const stats_v6[] = {
    "pass_not_ip",	"pass_not_vip",	      "pass_not_l4",	   "fwd_tx",
    "fwd_redirect",	"drop_malformed",     "drop_fragment",	   "drop_no_backend",
    "drop_no_neigh",	"drop_fib",	      "drop_redirect",	   "drop_too_big",
    "fwd_icmp",		"pass_icmp_no_flow",  "drop_no_node_addr", "drop_encap",
    "tx_too_big",	"drop_ipv6_ext",      "drop_acl_global",   "drop_acl_service",
    "drop_acl_allow",	"drop_rate_limit",    "tx_syncookie",	   "drop_syncookie_bad",
    "fwd_nat_reply",	"drop_nat_ports",     "drop_nat",
};

#define N(a)	      (sizeof(a) / sizeof((a)[0]))
#define FLOW_KEY_SIZE ((__u32)sizeof(struct xlb_flow_key))

/*
 * to = 0: any newer version (counters go by name to whatever the new build
 * calls them, so a stats bump needs only the old version's list here).
 */
static const struct xlb_migration migrations[] = {
    {"flows", 1, 3, XLB_MIGRATE_ENTRIES, FLOW_KEY_SIZE, sizeof(struct flow_v1), xlb_migrate_flow_v1,
     NULL, 0},
    {"flows", 2, 3, XLB_MIGRATE_ENTRIES, FLOW_KEY_SIZE, sizeof(struct flow_v2), xlb_migrate_flow_v2,
     NULL, 0},
    {"stats", 2, 0, XLB_MIGRATE_COUNTERS, sizeof(__u32), sizeof(__u64), NULL, stats_v2,
     N(stats_v2)},
    {"stats", 3, 0, XLB_MIGRATE_COUNTERS, sizeof(__u32), sizeof(__u64), NULL, stats_v3,
     N(stats_v3)},
    {"stats", 4, 0, XLB_MIGRATE_COUNTERS, sizeof(__u32), sizeof(__u64), NULL, stats_v4,
     N(stats_v4)},
    {"stats", 5, 0, XLB_MIGRATE_COUNTERS, sizeof(__u32), sizeof(__u64), NULL, stats_v5,
     N(stats_v5)},
    {"stats", 6, 0, XLB_MIGRATE_COUNTERS, sizeof(__u32), sizeof(__u64), NULL, stats_v6,
     N(stats_v6)},
};

static void copy_flow(const void *old_val, void *new_val)
{
	memcpy(new_val, old_val, sizeof(struct xlb_flow));
}

/* Same version, another size (lbd --max-flows): entries copied as they are. */
static const struct xlb_migration resizes[] = {
    {"flows", 0, 0, XLB_MIGRATE_ENTRIES, FLOW_KEY_SIZE, sizeof(struct xlb_flow), copy_flow, NULL,
     0},
};

const struct xlb_migration *xlb_migration_resize(const char *base)
{
	size_t i;

	for (i = 0; i < N(resizes); i++)
		if (!strcmp(resizes[i].base, base))
			return &resizes[i];
	return NULL;
}

const struct xlb_migration *xlb_migration_find(const char *base, unsigned int from, unsigned int to)
{
	size_t i;

	for (i = 0; i < N(migrations); i++)
		if (!strcmp(migrations[i].base, base) && migrations[i].from == from &&
		    (migrations[i].to == to || (!migrations[i].to && from < to)))
			return &migrations[i];
	return NULL;
}

size_t xlb_migrate_counters(const char *const *old_names, size_t n_old, const __u64 *old_vals,
			    const char *const *new_names, size_t n_new, __u64 *new_vals)
{
	size_t i, j, lost = 0;

	for (i = 0; i < n_old; i++) {
		for (j = 0; j < n_new; j++)
			if (!strcmp(old_names[i], new_names[j]))
				break;
		if (j == n_new) {
			lost++;
			continue;
		}
		if (old_vals[i] > new_vals[j])
			new_vals[j] = old_vals[i];
	}
	return lost;
}
