/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.h - every map of the XDP data path, declared in one place.
 *
 * The C variable name is the kernel map name and must equal the XLB_MAP_*
 * string in include/xlb.h. No map carries a `pinning` attribute: lbd chooses
 * pin paths with bpf_map__set_pin_path(), tests pin nothing.
 */
#ifndef XLB_BPF_MAPS_H
#define XLB_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb.h"
#include "xlb_hash.h"

/* Services: (VIP, port, proto, family) -> service id, table size, mode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_svc);
} xlb_vips_v1 SEC(".maps");

/* VIP addresses (port 0, proto 0) -> number of services: drop-or-pass for unparsable packets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, struct xlb_vip_key);
	__type(value, __u32);
} xlb_vaddr_v1 SEC(".maps");

/*
 * Inner map template of xlb_tables_v3: lookup table slots -> backend ids,
 * XLB_TABLE_PACK slots per 8-byte element (include/xlb.h, xlb_slot_t).
 * BPF_F_INNER_MAP lets user space install inner arrays of any (prime) size;
 * the kernel then requires the same map_flags on every inner map, and the
 * program cannot rely on max_entries, so it uses svc->table_size instead.
 */
struct xlb_table_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_TABLE_ELEMS(XLB_DEFAULT_TABLE_SIZE));
	/* MMAPABLE: lbd fills a new table with stores (userspace/lib/table.c). */
	__uint(map_flags, BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
};

/* Service id -> its lookup table (swapped whole for atomic updates). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, __u32);
	__array(values, struct xlb_table_inner);
} xlb_tables_v3 SEC(".maps");

/* Backend id -> address, owning service, flags. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
} xlb_bends_v1 SEC(".maps");

/* Connection table: client flow 5-tuple -> backend id, service id, last seen. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_FLOWS);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
} xlb_flows_v3 SEC(".maps");

/* Global per-CPU packet counters, indexed by enum xlb_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xlb_stats_v5 SEC(".maps");

/* Per-CPU counters per service id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct xlb_counters);
} xlb_svcst_v1 SEC(".maps");

/* Per-CPU counters per backend id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_counters);
} xlb_best_v1 SEC(".maps");

/* rr/wrr: per-CPU cursor (next table slot) per service id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
} xlb_rrcur_v1 SEC(".maps");

/* lc: active (scheduled, not yet FIN/RST) flows per backend id; shared, atomic. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, __s64);
} xlb_conns_v1 SEC(".maps");

/* Per-CPU next-hop cache: backend id -> last bpf_fib_lookup result (see fwd.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_nexthop);
} xlb_nhc_v1 SEC(".maps");

/* Per-CPU cache of the coarse clock, refreshed when jiffies moves (see clock.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_clock);
} xlb_clock_v2 SEC(".maps");

/* Per-CPU direct-mapped cache of established flows (see fcache.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_FCACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xlb_fcache_ent);
} xlb_fcache_v1 SEC(".maps");

/*
 * Per-CPU generation of each xlb_fcache_v1 slot, four 16-bit counters per
 * element (16 KiB per CPU, stays in cache): SYN, FIN and RST bump their
 * slot's, which invalidates the slot without touching its cache line.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_FCACHE_SLOTS / 4);
	__type(key, __u32);
	__type(value, __u64);
} xlb_fcgen_v1 SEC(".maps");

/* Key 0: the flow cache epoch; lbd bumps it to invalidate every cached flow. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xlb_epoch_v1 SEC(".maps");

/*
 * VIP prefilter: bit b of word b/64 set = some service's (VIP, port) has
 * xlb_vfilter_bucket() == b. Only read when the loader sets the
 * xlb_cfg_prefilter knob; user space must set a service's bit before adding
 * it to xlb_vips_v1 and clear bits only after removal (recomputed from the
 * full service set).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_VFILTER_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} xlb_vfilt_v1 SEC(".maps");

/* This node's encapsulation settings (key 0): outer source addresses, GUE port. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_node);
} xlb_node_v1 SEC(".maps");

/* ACL entries, IPv4: (scope = list kind | service id, source prefix) -> 1 (see filter.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_MAX_ACL_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required for LPM tries */
	__type(key, struct xlb_acl4_key);
	__type(value, __u32);
} xlb_acl4_v1 SEC(".maps");

/* ACL entries, IPv6: (scope, source prefix) -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_MAX_ACL_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlb_acl6_key);
	__type(value, __u32);
} xlb_acl6_v1 SEC(".maps");

/* Filter settings per service id; index XLB_FILTER_GLOBAL = the global ones. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_SERVICES + 1);
	__type(key, __u32);
	__type(value, struct xlb_filter);
} xlb_filt_v1 SEC(".maps");

/* New-flow token buckets: (masked source, scope) -> GCRA theoretical arrival time (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_RATE_BUCKETS);
	__type(key, struct xlb_rate_key);
	__type(value, __u64);
} xlb_rate_v1 SEC(".maps");

/* Egress ifindex -> ifindex for bpf_redirect_map (never pinned: libbpf 1.1.2 cannot reuse it). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XLB_MAX_TXPORTS);
	__type(key, __u32);
	__type(value, __u32);
} xlb_txports SEC(".maps");

/* SYN cookie secrets, key 0: current and previous (include/xlb_syncookie.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_sc_keys);
} xlb_sckey_v1 SEC(".maps");

/* Per-CPU SYN cookie counters by enum xlb_sc_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_SC_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xlb_scst_v1 SEC(".maps");

#endif /* XLB_BPF_MAPS_H */
