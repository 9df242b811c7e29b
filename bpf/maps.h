/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.h - every map of the XDP data path, declared in one place.
 *
 * Each map is declared under its alias from include/xlb.h (XLB_FLOWS_MAP ->
 * XLB_FLOWS_MAP): the kernel map name, the skeleton's field and the XLB_MAP_*
 * string user space pins it by all follow that one line. No map carries a `pinning` attribute: lbd chooses
 * pin paths with bpf_map__set_pin_path(), tests pin nothing.
 */
#ifndef XLB_BPF_MAPS_H
#define XLB_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb.h"
#include "xlb_hash.h"
#include "xlb_ct.h"

/* Services: (VIP, port, proto, family) -> service id, table size, mode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_svc);
} XLB_VIPS_MAP SEC(".maps");

/* VIP addresses (port 0, proto 0) -> number of services: drop-or-pass for unparsable packets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, struct xlb_vip_key);
	__type(value, __u32);
} XLB_VIPADDRS_MAP SEC(".maps");

/*
 * Inner map template of XLB_TABLES_MAP: lookup table slots -> backend ids,
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
} XLB_TABLES_MAP SEC(".maps");

/* Backend id -> address, owning service, flags. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
} XLB_BACKENDS_MAP SEC(".maps");

#ifndef XLB_CT_SA
/* Connection table: client flow 5-tuple -> backend id, service id, last seen (only through ct.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_FLOWS);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
} XLB_FLOWS_MAP SEC(".maps");
#else
/* bench_xdp's ablation objects: the set-associative connection table (include/xlb_ct.h, ct.h). */
struct {
#ifdef XLB_CT_PERCPU
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
#else
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* user space walks and clears it through mmap */
#endif
	__uint(max_entries, XLB_CT_BUCKETS);
	__type(key, __u32);
	__type(value, struct xlb_ct_bucket);
} XLB_CT_MAP SEC(".maps");
#endif

/* Global per-CPU packet counters, indexed by enum xlb_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} XLB_STATS_MAP SEC(".maps");

/* Per-CPU counters per service id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct xlb_counters);
} XLB_SVC_STATS_MAP SEC(".maps");

/* Per-CPU counters per backend id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_counters);
} XLB_BE_STATS_MAP SEC(".maps");

/* rr/wrr: per-CPU cursor (next table slot) per service id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
} XLB_RRCURSOR_MAP SEC(".maps");

/* lc and capped backends: open (scheduled, not yet FIN/RST) flows per backend id; shared, atomic. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, __s64);
} XLB_CONNS_MAP SEC(".maps");

/* Backend id -> flow cap and flows turned away at it (XLB_BE_F_CAPPED); shared, atomic. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_cap);
} XLB_CAPS_MAP SEC(".maps");

/* Per-CPU next-hop cache: backend id -> last bpf_fib_lookup result (see fwd.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_nexthop);
} XLB_NHCACHE_MAP SEC(".maps");

/* Per-CPU cache of the coarse clock, refreshed when jiffies moves (see clock.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_clock);
} XLB_CLOCK_MAP SEC(".maps");

/* Per-CPU direct-mapped cache of established flows (see fcache.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_FCACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xlb_fcache_ent);
} XLB_FCACHE_MAP SEC(".maps");

/*
 * Per-CPU generation of each XLB_FCACHE_MAP slot, four 16-bit counters per
 * element (16 KiB per CPU, stays in cache): SYN, FIN and RST bump their
 * slot's, which invalidates the slot without touching its cache line.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_FCACHE_SLOTS / 4);
	__type(key, __u32);
	__type(value, __u64);
} XLB_FCGEN_MAP SEC(".maps");

/* Key 0: the flow cache epoch; lbd bumps it to invalidate every cached flow. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} XLB_EPOCH_MAP SEC(".maps");

/*
 * VIP prefilter: bit b of word b/64 set = some service's (VIP, port) has
 * xlb_vfilter_bucket() == b. Only read when the loader sets the
 * xlb_cfg_prefilter knob; user space must set a service's bit before adding
 * it to XLB_VIPS_MAP and clear bits only after removal (recomputed from the
 * full service set).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_VFILTER_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} XLB_VIPFILTER_MAP SEC(".maps");

/* This node's encapsulation settings (key 0): outer source addresses, GUE port. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_node);
} XLB_NODE_MAP SEC(".maps");

/* ACL entries, IPv4: (scope = list kind | service id, source prefix) -> 1 (see filter.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_MAX_ACL_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* required for LPM tries */
	__type(key, struct xlb_acl4_key);
	__type(value, __u32);
} XLB_ACL4_MAP SEC(".maps");

/* ACL entries, IPv6: (scope, source prefix) -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_MAX_ACL_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlb_acl6_key);
	__type(value, __u32);
} XLB_ACL6_MAP SEC(".maps");

/* Filter settings per service id; index XLB_FILTER_GLOBAL = the global ones. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_SERVICES + 1);
	__type(key, __u32);
	__type(value, struct xlb_filter);
} XLB_FILTER_MAP SEC(".maps");

/* New-flow token buckets: (masked source, scope) -> GCRA theoretical arrival time (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_RATE_BUCKETS);
	__type(key, struct xlb_rate_key);
	__type(value, __u64);
} XLB_RATE_MAP SEC(".maps");

/* Egress ifindex -> ifindex for bpf_redirect_map (never pinned: libbpf 1.1.2 cannot reuse it). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XLB_MAX_TXPORTS);
	__type(key, __u32);
	__type(value, __u32);
} XLB_TXPORTS_MAP SEC(".maps");

/* Health probes through the data path (probe.h): probe source port -> backend; written by lbd. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_PROBES);
	__type(key, struct xlb_probe_key);
	__type(value, struct xlb_probe);
} XLB_PROBES_MAP SEC(".maps");

/* Packet capture (capture.h): key 0 = struct xlb_capture_cfg, written by lbd. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_capture_cfg);
} XLB_CAPCFG_MAP SEC(".maps");

/* Packet capture: records (struct xlb_capture_hdr + frame bytes) for lbd. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XLB_CAP_RING_BYTES);
} XLB_CAPRING_MAP SEC(".maps");

/* Packet capture, per CPU: the rate bound (GCRA) and its counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_capture_cpu);
} XLB_CAPCPU_MAP SEC(".maps");

/* Packet capture, per CPU: the record being built (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_capture_rec);
} XLB_CAPBUF_MAP SEC(".maps");

/* Packet capture: key 0 = xlb_xdp_captured, the tail call taken while capture is on. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} XLB_CAPPROG_MAP SEC(".maps");

/* SYN cookie secrets, key 0: current and previous (include/xlb_syncookie.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_sc_keys);
} XLB_SCKEYS_MAP SEC(".maps");

/* Per-CPU SYN cookie counters by enum xlb_sc_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_SC_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} XLB_SCSTATS_MAP SEC(".maps");

/* nat/fullnat, per backend id: target port and SNAT address (written by lbd). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_nat_be);
} XLB_NATBE_MAP SEC(".maps");

/* nat/fullnat reverse entries: reply 5-tuple -> client, VIP, TCP state, last seen. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_NAT_FLOWS);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_nat_rev);
} XLB_NATREV_MAP SEC(".maps");

/* NAT settings, key 0: on/off, timeouts. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_nat_cfg);
} XLB_NATCFG_MAP SEC(".maps");

/* Per CPU, key 0: this CPU's slice of the SNAT port range (no lock between CPUs). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_nat_slice);
} XLB_NATSLICE_MAP SEC(".maps");

/* Per CPU: next hops of NAT replies, slot = hash of the client address (natfwd.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1u << XLB_NHREV_BITS);
	__type(key, __u32);
	__type(value, struct xlb_nexthop);
} XLB_NHREV_MAP SEC(".maps");

/* Per-CPU NAT event counters by enum xlb_nat_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_NAT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} XLB_NATSTATS_MAP SEC(".maps");

/*
 * Value of XLB_NATSCRATCH_MAP (per CPU, key 0): a reverse key and entry and
 * the FIB query of a NAT packet being built, off the stack (the ingress path
 * and the NAT functions share 512 bytes). Data-path private.
 */
struct xlb_nat_scratch {
	struct xlb_flow_key rk;
	struct xlb_nat_rev v;
	struct bpf_fib_lookup fib;
	__u32 mtu, reason; /* xlb_nat_nexthop's answers */
};

/* Per CPU, key 0: a NAT reverse key and entry under construction (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_nat_scratch);
} XLB_NATSCRATCH_MAP SEC(".maps");

#endif /* XLB_BPF_MAPS_H */
