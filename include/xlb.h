/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xlb.h - the only types and constants shared by the XDP data path (bpf/)
 * and user space (userspace/, tests/). Fixed-width types only; every struct
 * has explicit padding and a size assertion. Never keep a second copy of a
 * struct defined here.
 *
 * Byte order: fields typed __be* are in network order, everything else in
 * host order.
 *
 * Changing the layout of a struct stored in a pinned map means bumping the
 * version suffix of that map's name (its XLB_*_MAP alias below), so that an
 * upgraded lbd never adopts an incompatible pinned map.
 */
#ifndef XLB_H
#define XLB_H

#include <linux/types.h>

/* ---- capacities (compile-time; -D may override) ---- */
#ifndef XLB_MAX_SERVICES
#define XLB_MAX_SERVICES 256 /* services (VIP, port, proto) */
#endif
#ifndef XLB_MAX_BACKENDS
#define XLB_MAX_BACKENDS 4096 /* (service, backend) pairs, all services */
#endif
#ifndef XLB_MAX_FLOWS
#define XLB_MAX_FLOWS 262144 /* connection table entries (LRU) */
#endif
#define XLB_DEFAULT_TABLE_SIZE 65537 /* Maglev lookup table slots, prime */
#define XLB_MAX_TABLE_SIZE 1048573 /* largest prime below 2^20 */
#define XLB_MAX_TXPORTS 64 /* egress interfaces for devmap redirect */

/* Table slot / flow value meaning "no backend". */
#define XLB_BACKEND_NONE 0xffffffffu

/*
 * Lookup table slots as stored in the inner maps of XLB_MAP_TABLES: ARRAY
 * maps of 8-byte elements, each packing XLB_TABLE_PACK slots in host byte
 * order; slot s is ((xlb_slot_t *)&elem[s / XLB_TABLE_PACK])[s % XLB_TABLE_PACK]
 * and XLB_SLOT_NONE means "no backend". 16-bit slots while backend ids fit
 * (a 65537-slot table: 128 KiB instead of 512 KiB with one 4-byte slot per
 * 8-byte element). user space: userspace/lib/table.c.
 */
#if XLB_MAX_BACKENDS < 0xffff
typedef __u16 xlb_slot_t;
#define XLB_SLOT_NONE 0xffffu
#else
typedef __u32 xlb_slot_t;
#define XLB_SLOT_NONE 0xffffffffu
#endif
#define XLB_SLOT_BYTES sizeof(xlb_slot_t)
/* Backend ids a table slot can name: 0 .. XLB_BACKEND_ID_LIMIT - 1 (lbd --max-backends). */
#define XLB_BACKEND_ID_LIMIT ((__u32)XLB_SLOT_NONE)
#define XLB_TABLE_PACK (8 / sizeof(xlb_slot_t))
#define XLB_TABLE_ELEMS(size) (((size) + XLB_TABLE_PACK - 1) / XLB_TABLE_PACK)

/*
 * ---- map names ----
 * One alias per map names its current version: the BPF declaration
 * (bpf/maps.h), every use in BPF code and the skeleton's field
 * (skel->maps.XLB_FLOWS_MAP) all go through it, and XLB_MAP_* is its string
 * form for lookups by name and pin paths. Changing a map's layout means
 * bumping the _vN here, one line. At most 15 characters (the kernel's object
 * names); lbd adopts pinned maps by these names, so they never change
 * otherwise.
 */
#define XLB_MAP_NAME_(id) #id
#define XLB_MAP_NAME(id) XLB_MAP_NAME_(id) /* the string of an alias */

#define XLB_VIPS_MAP xlb_vips_v1
#define XLB_VIPADDRS_MAP xlb_vaddr_v1
#define XLB_VIPFILTER_MAP xlb_vfilt_v1 /* bitmap prefilter, see xlb_hash.h */
#define XLB_TABLES_MAP xlb_tables_v3 /* v3: packed slots (xlb_slot_t) */
#define XLB_BACKENDS_MAP xlb_bends_v1
#define XLB_FLOWS_MAP xlb_flows_v3 /* v3: + the client's ISN */
#define XLB_CT_MAP xlb_ct_v1 /* set-associative connection table (include/xlb_ct.h; bench only) */
#define XLB_STATS_MAP xlb_stats_v6 /* v6: NAT reasons added */
#define XLB_SVC_STATS_MAP xlb_svcst_v2 /* v2: 40-byte xlb_counters (syn_retx, syn_cookies) */
#define XLB_BE_STATS_MAP xlb_best_v2 /* v2: 40-byte xlb_counters */
#define XLB_NHCACHE_MAP xlb_nhc_v1 /* per-CPU next-hop cache per backend id */
#define XLB_RRCURSOR_MAP xlb_rrcur_v1 /* per-CPU rr/wrr cursor per service id */
#define XLB_CONNS_MAP xlb_conns_v1 /* open flows per backend id (lc, capped backends) */
#define XLB_CAPS_MAP xlb_caps_v1 /* per backend id: max_flows and flows turned away */
#define XLB_CLOCK_MAP xlb_clock_v2 /* per CPU: coarse clock cache, flow cache counters */
#define XLB_FCACHE_MAP xlb_fcache_v1 /* per-CPU cache of established flows (bpf/fcache.h) */
#define XLB_EPOCH_MAP xlb_epoch_v1 /* one u32 that lbd bumps to invalidate every fcache entry */
#define XLB_FCGEN_MAP xlb_fcgen_v1 /* per-CPU generation per fcache slot (bpf/fcache.h) */
#define XLB_NODE_MAP xlb_node_v1 /* this node's encapsulation settings (one entry) */
#define XLB_DECAP_CFG_MAP xlb_dcfg_v1 /* decap.bpf.c: its settings (one entry) */
#define XLB_DECAP_STATS_MAP xlb_dstat_v1 /* decap.bpf.c: per-CPU counters */
#define XLB_DECAP_SCKEYS_MAP xlb_dsck_v1 /* synck.bpf.c: SYN cookie secrets (struct xlb_sc_keys) */
#define XLB_ACL4_MAP xlb_acl4_v1 /* LPM trie: (scope, IPv4 prefix) of ACL entries */
#define XLB_ACL6_MAP xlb_acl6_v1 /* LPM trie: (scope, IPv6 prefix) of ACL entries */
#define XLB_FILTER_MAP xlb_filt_v1 /* filter settings per service id + global */
#define XLB_RATE_MAP xlb_rate_v1 /* LRU: token bucket (GCRA) per masked source + scope */
#define XLB_CAPCFG_MAP xlb_capcfg_v1 /* packet capture: on/off and filters (one entry) */
#define XLB_CAPRING_MAP xlb_capring_v1 /* packet capture: ring buffer of records */
#define XLB_CAPCPU_MAP xlb_capcpu_v1 /* packet capture, per CPU: rate bound and counters */
#define XLB_CAPBUF_MAP xlb_capbuf_v1 /* packet capture, per CPU: the record being built */
#define XLB_CAPPROG_MAP xlb_capprog_v1 /* packet capture: the tail call taken while on */
#define XLB_SCKEYS_MAP xlb_sckey_v1 /* SYN cookie secrets: current + previous (one entry) */
#define XLB_SCSTATS_MAP xlb_scst_v1 /* per-CPU SYN cookie counters (enum xlb_sc_stat) */
#define XLB_SCSCRATCH_MAP xlb_scscr_v1 /* per-CPU scratch: TCP option parser state (bpf/syncookie.h) */
#define XLB_NATBE_MAP xlb_natbe_v1 /* per backend id: target port, SNAT address (struct xlb_nat_be) */
#define XLB_NATREV_MAP xlb_natrev_v1 /* LRU: reply 5-tuple of a NAT flow -> client, VIP, state */
#define XLB_NATCFG_MAP xlb_natcfg_v1 /* NAT settings (one entry): on, timeouts */
#define XLB_NATSLICE_MAP xlb_natsl_v1 /* per CPU: this CPU's slice of the SNAT port range */
#define XLB_NATSTATS_MAP xlb_natst_v1 /* per-CPU NAT event counters (enum xlb_nat_stat) */
#define XLB_NHREV_MAP xlb_nhrev_v1 /* per CPU: next hops toward clients of NAT replies (struct xlb_nexthop) */
#define XLB_NATSCRATCH_MAP xlb_natscr_v1 /* per-CPU scratch: a reverse key and entry (bpf/natfwd.h) */
#define XLB_TXPORTS_MAP xlb_txports /* not pinned, so not versioned */
#define XLB_PROBES_MAP xlb_probes_v1 /* LRU: health probe source port -> backend (bpf/probe.h) */

#define XLB_MAP_VIPS XLB_MAP_NAME(XLB_VIPS_MAP)
#define XLB_MAP_VIPADDRS XLB_MAP_NAME(XLB_VIPADDRS_MAP)
#define XLB_MAP_VIPFILTER XLB_MAP_NAME(XLB_VIPFILTER_MAP)
#define XLB_MAP_TABLES XLB_MAP_NAME(XLB_TABLES_MAP)
#define XLB_MAP_BACKENDS XLB_MAP_NAME(XLB_BACKENDS_MAP)
#define XLB_MAP_FLOWS XLB_MAP_NAME(XLB_FLOWS_MAP)
#define XLB_MAP_STATS XLB_MAP_NAME(XLB_STATS_MAP)
#define XLB_MAP_SVC_STATS XLB_MAP_NAME(XLB_SVC_STATS_MAP)
#define XLB_MAP_BE_STATS XLB_MAP_NAME(XLB_BE_STATS_MAP)
#define XLB_MAP_NHCACHE XLB_MAP_NAME(XLB_NHCACHE_MAP)
#define XLB_MAP_RRCURSOR XLB_MAP_NAME(XLB_RRCURSOR_MAP)
#define XLB_MAP_CONNS XLB_MAP_NAME(XLB_CONNS_MAP)
#define XLB_MAP_CAPS XLB_MAP_NAME(XLB_CAPS_MAP)
#define XLB_MAP_PROBES XLB_MAP_NAME(XLB_PROBES_MAP)
#define XLB_MAP_CLOCK XLB_MAP_NAME(XLB_CLOCK_MAP)
#define XLB_MAP_FCACHE XLB_MAP_NAME(XLB_FCACHE_MAP)
#define XLB_MAP_EPOCH XLB_MAP_NAME(XLB_EPOCH_MAP)
#define XLB_MAP_FCGEN XLB_MAP_NAME(XLB_FCGEN_MAP)
#define XLB_MAP_NODE XLB_MAP_NAME(XLB_NODE_MAP)
#define XLB_MAP_DECAP_CFG XLB_MAP_NAME(XLB_DECAP_CFG_MAP)
#define XLB_MAP_DECAP_STATS XLB_MAP_NAME(XLB_DECAP_STATS_MAP)
#define XLB_MAP_ACL4 XLB_MAP_NAME(XLB_ACL4_MAP)
#define XLB_MAP_ACL6 XLB_MAP_NAME(XLB_ACL6_MAP)
#define XLB_MAP_FILTER XLB_MAP_NAME(XLB_FILTER_MAP)
#define XLB_MAP_RATE XLB_MAP_NAME(XLB_RATE_MAP)
#define XLB_MAP_CAPCFG XLB_MAP_NAME(XLB_CAPCFG_MAP)
#define XLB_MAP_CAPRING XLB_MAP_NAME(XLB_CAPRING_MAP)
#define XLB_MAP_CAPCPU XLB_MAP_NAME(XLB_CAPCPU_MAP)
#define XLB_MAP_CAPBUF XLB_MAP_NAME(XLB_CAPBUF_MAP)
#define XLB_MAP_CAPPROG XLB_MAP_NAME(XLB_CAPPROG_MAP)
#define XLB_MAP_DECAP_SCKEYS XLB_MAP_NAME(XLB_DECAP_SCKEYS_MAP)
#define XLB_MAP_SCKEYS XLB_MAP_NAME(XLB_SCKEYS_MAP)
#define XLB_MAP_SCSTATS XLB_MAP_NAME(XLB_SCSTATS_MAP)
#define XLB_MAP_NATBE XLB_MAP_NAME(XLB_NATBE_MAP)
#define XLB_MAP_NATREV XLB_MAP_NAME(XLB_NATREV_MAP)
#define XLB_MAP_NATCFG XLB_MAP_NAME(XLB_NATCFG_MAP)
#define XLB_MAP_NATSLICE XLB_MAP_NAME(XLB_NATSLICE_MAP)
#define XLB_MAP_NATSTATS XLB_MAP_NAME(XLB_NATSTATS_MAP)
#define XLB_MAP_NATSCRATCH XLB_MAP_NAME(XLB_NATSCRATCH_MAP)
#define XLB_MAP_NHREV XLB_MAP_NAME(XLB_NHREV_MAP)
#define XLB_MAP_TXPORTS XLB_MAP_NAME(XLB_TXPORTS_MAP)
#define XLB_PROG_CAPTURED "xlb_xdp_captured" /* the program XLB_CAPPROG_MAP holds */

#define XLB_MAP_NAME_FITS(m) _Static_assert(sizeof(XLB_MAP_##m) <= 16, "XLB_MAP_" #m ": over 15 characters")
XLB_MAP_NAME_FITS(VIPS); XLB_MAP_NAME_FITS(VIPADDRS); XLB_MAP_NAME_FITS(VIPFILTER);
XLB_MAP_NAME_FITS(TABLES); XLB_MAP_NAME_FITS(BACKENDS); XLB_MAP_NAME_FITS(FLOWS);
XLB_MAP_NAME_FITS(STATS); XLB_MAP_NAME_FITS(SVC_STATS); XLB_MAP_NAME_FITS(BE_STATS);
XLB_MAP_NAME_FITS(NHCACHE); XLB_MAP_NAME_FITS(RRCURSOR); XLB_MAP_NAME_FITS(CONNS); XLB_MAP_NAME_FITS(CAPS);
XLB_MAP_NAME_FITS(CLOCK); XLB_MAP_NAME_FITS(FCACHE); XLB_MAP_NAME_FITS(EPOCH);
XLB_MAP_NAME_FITS(FCGEN); XLB_MAP_NAME_FITS(NODE); XLB_MAP_NAME_FITS(DECAP_CFG);
XLB_MAP_NAME_FITS(DECAP_STATS); XLB_MAP_NAME_FITS(ACL4); XLB_MAP_NAME_FITS(ACL6);
XLB_MAP_NAME_FITS(FILTER); XLB_MAP_NAME_FITS(RATE); XLB_MAP_NAME_FITS(TXPORTS);
XLB_MAP_NAME_FITS(CAPCFG); XLB_MAP_NAME_FITS(CAPRING); XLB_MAP_NAME_FITS(CAPCPU);
XLB_MAP_NAME_FITS(CAPBUF); XLB_MAP_NAME_FITS(CAPPROG);
XLB_MAP_NAME_FITS(DECAP_SCKEYS); XLB_MAP_NAME_FITS(SCKEYS); XLB_MAP_NAME_FITS(SCSTATS);
XLB_MAP_NAME_FITS(NATBE); XLB_MAP_NAME_FITS(NATREV); XLB_MAP_NAME_FITS(NATCFG);
XLB_MAP_NAME_FITS(NATSLICE); XLB_MAP_NAME_FITS(NATSTATS); XLB_MAP_NAME_FITS(NATSCRATCH);
XLB_MAP_NAME_FITS(NHREV);

/* Address family as stored in keys (not AF_*: those differ between kernel
 * and libc headers only in theory, but 4/6 also reads well in dumps). */
enum xlb_family {
	XLB_AF_INET = 4,
	XLB_AF_INET6 = 6,
};

/* Scheduler for new flows of a service. */
enum xlb_sched {
	XLB_SCHED_MAGLEV = 0, /* weighted Maglev lookup table (default) */
	XLB_SCHED_SH = 1, /* source-address hash over the same table: sticky per client */
	XLB_SCHED_RR = 2, /* new flows in turn; lbd builds the table with equal weights */
	XLB_SCHED_WRR = 3, /* new flows in weighted turn: a per-CPU cursor walks the table */
	XLB_SCHED_LC = 4, /* least connections: power of two choices from the table */
	XLB_SCHED_MAX,
};

/* How a packet is handed to the chosen backend. */
enum xlb_fwd {
	XLB_FWD_DSR_L2 = 0, /* rewrite MACs only; backend owns the VIP on lo */
	XLB_FWD_IPIP = 1, /* IPv4-in-IPv4 / IPv6-in-IPv6 to the backend (RFC 2003 / RFC 2473) */
	XLB_FWD_GUE = 2, /* outer IP + UDP to xlb_node.gue_port, GUE variant 1 (direct IP) */
	XLB_FWD_NAT = 3, /* destination NAT; the balancer is the backends' gateway (bpf/natfwd.h) */
	XLB_FWD_FULLNAT = 4, /* destination + source NAT to a node address (bpf/natfwd.h) */
	XLB_FWD_MAX,
};

/*
 * An IPv4 or IPv6 address. IPv4 lives in a[0]; a[1..3] are zero so that
 * keys compare equal byte for byte.
 */
struct xlb_addr {
	__be32 a[4];
};
_Static_assert(sizeof(struct xlb_addr) == 16, "xlb_addr layout");

/* Key of XLB_MAP_VIPS: one service. */
struct xlb_vip_key {
	struct xlb_addr addr;
	__be16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family; /* enum xlb_family */
};
_Static_assert(sizeof(struct xlb_vip_key) == 20, "xlb_vip_key layout");

/*
 * XLB_MAP_VIPADDRS uses struct xlb_vip_key too, with port = 0 and proto = 0:
 * the set of VIP addresses (value: __u32 number of services on it). Only
 * consulted for packets that cannot be parsed to their ports (malformed,
 * fragments), to decide "drop, it was for a VIP" versus "pass, not ours".
 */

/* Value of XLB_MAP_VIPS. */
struct xlb_svc {
	__u32 id; /* index into XLB_MAP_TABLES and XLB_MAP_SVC_STATS */
	__u32 table_size; /* slots in this service's lookup table (prime) */
	__u8 sched; /* enum xlb_sched */
	__u8 fwd; /* enum xlb_fwd */
	__u16 flags; /* XLB_SVC_F_* */
	__u32 _pad;
};
_Static_assert(sizeof(struct xlb_svc) == 16, "xlb_svc layout");

/*
 * XLB_SVC_F_SYNCOOKIE (TCP services): answer every SYN with a SYN cookie
 * (bpf/syncookie.h) and admit a flow only on an ACK that carries a valid one.
 * lbd sets it for `syn_cookies: on`, and for `auto` while the service is
 * under pressure.
 */
#define XLB_SVC_F_SYNCOOKIE (1u << 0)

/* Value of XLB_MAP_BACKENDS, indexed by backend id. */
struct xlb_backend {
	struct xlb_addr addr;
	__u32 svc_id; /* owning service; a flow is only kept on a backend of its service */
	__u16 weight;
	__u8 family; /* enum xlb_family; 0 = slot unused */
	__u8 flags; /* XLB_BE_F_* */
};
_Static_assert(sizeof(struct xlb_backend) == 24, "xlb_backend layout");

#define XLB_BE_F_ACTIVE (1u << 0) /* in use; flows to an inactive id are rescheduled */
/*
 * The backend has a flow cap (XLB_MAP_CAPS[id].max_flows): every flow
 * scheduled to it, whatever the scheduler, holds a unit of XLB_MAP_CONNS[id]
 * (XLB_FLOW_F_COUNTED), and a new flow that would exceed the cap goes to
 * another backend (bpf/sched.h). lbd writes the cap before setting the flag.
 */
#define XLB_BE_F_CAPPED (1u << 1)

/*
 * Value of XLB_MAP_CAPS (array, indexed by backend id; shared, atomic):
 * the cap lbd sets, and the new flows the data path turned away from the
 * backend because it was at its cap (lbctl health, metrics).
 */
struct xlb_cap {
	__u32 max_flows; /* 0: no cap */
	__u32 _pad;
	__u64 turned_away;
};
_Static_assert(sizeof(struct xlb_cap) == 16, "xlb_cap layout");

/*
 * Probes through the data path (health_check via: vip, #21; bpf/probe.h):
 * lbd's probe of one backend leaves from its source port sport on the
 * probe interface, addressed to the VIP; XLB_MAP_PROBES[(sport, proto,
 * family)] names the backend the probe program sends it to, with the
 * service's forwarding mode. Only the probe program reads it.
 */
struct xlb_probe_key {
	__be16 sport;
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP */
	__u8 family; /* enum xlb_family */
};
_Static_assert(sizeof(struct xlb_probe_key) == 4, "xlb_probe_key layout");

struct xlb_probe {
	__u32 be_id;
	__u8 fwd; /* enum xlb_fwd of the backend's service */
	__u8 _pad[3];
};
_Static_assert(sizeof(struct xlb_probe) == 8, "xlb_probe layout");

#ifndef XLB_MAX_PROBES
#define XLB_MAX_PROBES 32768 /* probe sockets remembered (LRU: a port's entry lives on after its probe) */
#endif

/* Key of XLB_MAP_FLOWS: a flow as seen on the balancer (client -> VIP). */
struct xlb_flow_key {
	struct xlb_addr src;
	struct xlb_addr dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u16 _pad;
};
_Static_assert(sizeof(struct xlb_flow_key) == 40, "xlb_flow_key layout");

/* Value of XLB_MAP_FLOWS. */
struct xlb_flow {
	__u32 backend_id;
	__u32 svc_id;
	__u64 last_seen_ns; /* bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC_COARSE) of the last packet */
	__u32 flags; /* XLB_FLOW_F_*; set with atomic fetch-or (several CPUs may see the flow) */
	__u8 fwd; /* enum xlb_fwd of the service when the flow was scheduled */
	__u8 _pad[3];
	__be32 isn; /* TCP: the client's SYN sequence number (XLB_FLOW_F_ISN) */
	/*
	 * fullnat: the SNAT source port of the flow (its XLB_NATREV_MAP entry);
	 * 0 = none yet. Padding before #19, zero in every older entry, hence
	 * no version bump.
	 */
	__be16 nat_port;
	__u16 _pad2;
};
_Static_assert(sizeof(struct xlb_flow) == 32, "xlb_flow layout");

/*
 * XLB_FLOW_F_COUNTED: the flow holds one unit of XLB_MAP_CONNS[backend_id]
 * (scheduled by lc). XLB_FLOW_F_CLOSED: the client sent a TCP FIN or RST
 * (any scheduler; in DSR the balancer sees only client -> server), so the
 * flow no longer counts as open, and a counted flow's unit was given back;
 * the CPU whose fetch-or set the bit does the decrement, so it happens once
 * per flow. XLB_FLOW_F_ISN: the entry was created by a TCP SYN and isn holds
 * its sequence number: a SYN with that number on an open entry is a
 * retransmission (same backend); any other SYN is a new connection on a
 * re-used 5-tuple, scheduled afresh (bpf/sched.h).
 */
#define XLB_FLOW_F_COUNTED (1u << 0)
#define XLB_FLOW_F_CLOSED (1u << 1)
#define XLB_FLOW_F_ISN (1u << 2)
/*
 * XLB_FLOW_F_RETX: the flow's SYN was retransmitted (counted once per flow in
 * xlb_counters.syn_retx of its service and backend: passive health, lbd's
 * outlier detection, userspace/lib/outlier.h).
 */
#define XLB_FLOW_F_RETX (1u << 3)
/*
 * XLB_FLOW_F_SEEN2: a UDP flow's client sent a second packet (counted once
 * per flow in its backend's xlb_counters.udp_seen2: the passive health
 * signal of UDP services, whose clients send again only when answered).
 */
#define XLB_FLOW_F_SEEN2 (1u << 4)

/*
 * Value of XLB_MAP_NHCACHE (per CPU, indexed by backend id): the result of
 * the last successful bpf_fib_lookup for that backend, reused until
 * expires_ns (coarse monotonic clock) if the backend still has this address.
 * Data-path private; user space never needs to write it.
 */
struct xlb_nexthop {
	struct xlb_addr addr; /* backend address the entry was resolved for */
	__u64 expires_ns; /* 0: empty */
	__u32 ifindex; /* egress interface */
	__u16 mtu; /* egress device MTU (L3 bytes) */
	__u8 family; /* enum xlb_family of addr */
	__u8 _pad;
	__u8 dmac[6]; /* next hop */
	__u8 smac[6]; /* egress interface */
	__u32 _pad2;
};
_Static_assert(sizeof(struct xlb_nexthop) == 48, "xlb_nexthop layout");

/*
 * Value of XLB_MAP_CLOCK (per CPU, one entry), the per-CPU state every packet
 * already reads: the coarse monotonic clock as last read on this CPU and the
 * jiffies value it was read at (bpf/clock.h), and the flow cache's counters
 * (bpf/fcache.h), kept here so that counting a hit costs no extra lookup.
 * lbd sums the counters over the CPUs (lbctl stats, metrics).
 */
struct xlb_clock {
	__u64 jiffies;
	__u64 ns;
	__u64 fc_hits; /* packets answered from the flow cache */
	__u64 fc_misses; /* packets that could have been, but read the connection table */
	__u64 fc_fills; /* ... and found their flow there: copied into the cache */
	__u64 fc_kills; /* slots invalidated by SYN, FIN or RST */
};
_Static_assert(sizeof(struct xlb_clock) == 48, "xlb_clock layout");

/*
 * Per-CPU flow cache (XLB_MAP_FCACHE, bpf/fcache.h): a direct-mapped copy of
 * recently used connection-table entries that the data path checks without
 * a kernel call. An entry is only trusted while expires_ns is ahead, its
 * epoch equals XLB_MAP_EPOCH[0] and its backend is still usable; otherwise
 * the packet takes the connection table. Data-path private; user space only
 * bumps the epoch (after making a backend usable again).
 */
#ifndef XLB_FCACHE_BITS
#define XLB_FCACHE_BITS 13 /* 8192 slots x 64 bytes = 512 KiB per CPU */
#endif
#define XLB_FCACHE_SLOTS (1u << XLB_FCACHE_BITS)

struct xlb_fcache_ent {
	struct xlb_flow_key key;
	__u64 expires_ns; /* coarse clock; 0 = empty */
	__u32 backend_id;
	__u32 svc_id;
	__u32 epoch;
	__u16 gen; /* XLB_MAP_FCGEN of this slot when filled */
	__u8 fwd;
	__u8 _pad;
};
_Static_assert(sizeof(struct xlb_fcache_ent) == 64, "xlb_fcache_ent layout: one cache line");

/* Default UDP destination port of `gue` (Katran's choice too). */
#define XLB_GUE_PORT_DEFAULT 6080

/*
 * Value of XLB_MAP_NODE (an array of one entry, key 0), written by lbd from
 * the config's node: section: the outer source address of encapsulated
 * packets per family (zero = not configured: encapsulating services of that
 * family drop, counted as drop_no_node_addr) and the GUE destination port.
 * A map rather than a load-time knob: a config reload changes it without
 * replacing the program.
 */
struct xlb_node {
	struct xlb_addr addr4; /* a[0]: IPv4 outer source; 0 = none */
	struct xlb_addr addr6; /* IPv6 outer source; all zero = none */
	__be16 gue_port; /* UDP destination port of gue; 0 = XLB_GUE_PORT_DEFAULT */
	__u16 _pad;
	__u32 _pad2;
};
_Static_assert(sizeof(struct xlb_node) == 40, "xlb_node layout");

/*
 * decap.bpf.c (backends): value of XLB_MAP_DECAP_CFG (array of one entry):
 * the UDP port that carries GUE; 0 = XLB_GUE_PORT_DEFAULT.
 */
struct xlb_decap_cfg {
	__be16 gue_port;
	__u16 _pad;
};
_Static_assert(sizeof(struct xlb_decap_cfg) == 4, "xlb_decap_cfg layout");

/* decap.bpf.c counters (XLB_MAP_DECAP_STATS, per CPU); every packet once. */
#define XLB_DECAP_STATS(X)                                                                  \
	X(IPIP, "decap_ipip", "IPv4-in-IPv4 decapsulated")                                  \
	X(IP6IP6, "decap_ip6ip6", "IPv6-in-IPv6 decapsulated")                              \
	X(GUE4, "decap_gue4", "GUE over IPv4 decapsulated")                                 \
	X(GUE6, "decap_gue6", "GUE over IPv6 decapsulated")                                 \
	X(PASS, "pass", "not encapsulated for us (or an outer fragment): passed")           \
	X(ERR_INNER, "err_inner", "encapsulated but the inner packet is not IP of the outer family: dropped") \
	X(ERR_ADJUST, "err_adjust", "bpf_skb_adjust_room failed: dropped")              \
	/* synck.bpf.c only; events, in addition to the packet's reason above: */          \
	X(SC_ASSIGNED, "sc_assigned", "ACK with a valid SYN cookie to a listener: connection made (bpf_sk_assign_tcp_reqsk)") \
	X(SC_BAD, "sc_bad", "ACK to a listener without a request, cookie not ours: left to the kernel") \
	X(SC_ERR, "sc_err", "valid SYN cookie but bpf_sk_assign_tcp_reqsk failed: left to the kernel") \
	X(SC_TIMEWAIT, "sc_timewait", "valid SYN cookie met an old connection in TIME-WAIT: ended by an RST, the ACK handled again")

enum xlb_decap_stat {
#define XLB_DECAP_ENUM(e, name, help) XLB_DECAP_##e,
	XLB_DECAP_STATS(XLB_DECAP_ENUM)
#undef XLB_DECAP_ENUM
	XLB_DECAP_MAX,
};

/* ---- filters (bpf/filter.h, docs/filtering.md) ---- */

#ifndef XLB_MAX_ACL_ENTRIES
#define XLB_MAX_ACL_ENTRIES 16384 /* per family, all scopes */
#endif
#ifndef XLB_MAX_RATE_BUCKETS
#define XLB_MAX_RATE_BUCKETS 131072 /* token buckets (LRU: the least recent are evicted) */
#endif

/*
 * An ACL entry's scope: list kind in the top 8 bits, service id (or
 * XLB_ACL_GLOBAL_ID) in the low 24. Host order; LPM tries match the scope
 * as the leading 32 bits of the key, which every entry's prefixlen covers
 * (prefixlen = 32 + CIDR prefix length), so it acts as an exact match.
 */
#define XLB_ACL_DENY 1
#define XLB_ACL_ALLOW 2
#define XLB_ACL_GLOBAL_ID 0xffffffu
#define XLB_ACL_SCOPE(kind, id) (((__u32)(kind) << 24) | ((id) & 0xffffffu))

/* Keys of XLB_MAP_ACL4 / XLB_MAP_ACL6 (value: __u32, unused, 1). */
struct xlb_acl4_key {
	__u32 prefixlen; /* 32 + CIDR prefix length */
	__u32 scope; /* XLB_ACL_SCOPE() */
	__be32 addr;
};
_Static_assert(sizeof(struct xlb_acl4_key) == 12, "xlb_acl4_key layout");

struct xlb_acl6_key {
	__u32 prefixlen; /* 32 + CIDR prefix length */
	__u32 scope;
	__be32 addr[4];
};
_Static_assert(sizeof(struct xlb_acl6_key) == 24, "xlb_acl6_key layout");

/*
 * Value of XLB_MAP_FILTER (array): index = service id, or XLB_FILTER_GLOBAL
 * for the global settings. The flags tell the data path which lookups to do
 * (an empty list costs nothing); user space inserts entries before setting
 * a flag and clears the flag before deleting the last entry.
 */
struct xlb_filter {
	__u32 flags; /* XLB_FILTER_F_* */
	__u32 burst; /* token bucket depth: new flows accepted back to back */
	__u64 interval_ns; /* 1e9 / new_flows_per_s: one token per interval */
	__u8 prefix4; /* bucket per source /prefix4 (IPv4) */
	__u8 prefix6; /* bucket per source /prefix6 (IPv6) */
	__u8 _pad[6];
};
_Static_assert(sizeof(struct xlb_filter) == 24, "xlb_filter layout");

#define XLB_FILTER_GLOBAL XLB_MAX_SERVICES
#define XLB_FILTER_F_DENY (1u << 0) /* scope has deny entries */
#define XLB_FILTER_F_ALLOW (1u << 1) /* scope has an allow list: only its sources pass */
#define XLB_FILTER_F_RATE (1u << 2) /* new flows are rate limited (global: services without their own) */
/*
 * Global entry only: no service entry has any flag, so the data path skips
 * reading them (one array lookup less per packet). User space sets it only
 * after clearing the last service's flags, and clears it before setting any
 * service's flags; an entry without it (old or foreign writers) just means
 * "look at the service entry too".
 */
#define XLB_FILTER_F_SVC_NONE (1u << 3)

/*
 * Key of XLB_MAP_RATE: the source masked to the bucket prefix, and the
 * scope (service id, or XLB_ACL_GLOBAL_ID for the global limit). Value:
 * __u64 theoretical arrival time (GCRA) in bpf_ktime_get_coarse_ns() time.
 */
struct xlb_rate_key {
	struct xlb_addr src;
	__u32 scope;
	__u8 family;
	__u8 plen;
	__u16 _pad;
};
_Static_assert(sizeof(struct xlb_rate_key) == 24, "xlb_rate_key layout");

/* ---- packet capture (bpf/capture.h, lbd/capture.c, lbctl capture) ---- */

#define XLB_CAP_SNAP_MAX 2048 /* bytes of a frame a record can hold */
#define XLB_CAP_RING_BYTES (4u << 20) /* ring buffer size (a power of 2 pages) */

/*
 * Value of XLB_MAP_CAPCFG (array of one entry), written by lbd only. The
 * switch itself is the program's global xlb_capture_on (bpf/capture.h):
 * lbd writes these settings first and sets the switch last, so the data
 * path never runs a half-written filter.
 */
struct xlb_capture_cfg {
	__u32 on; /* lbd's copy of the switch, for readers of the map */
	__u32 flags; /* XLB_CAP_F_* */
	struct xlb_vip_key svc; /* XLB_CAP_F_SERVICE: packets to this VIP, port, proto */
	__u32 be_id; /* XLB_CAP_F_BACKEND: packets forwarded to this backend id */
	__u32 reason; /* XLB_CAP_F_REASON: packets counted under this XLB_STAT_* */
	__u32 snaplen; /* 1..XLB_CAP_SNAP_MAX */
	__u32 session; /* copied into every record */
	__u64 interval_ns; /* rate bound per CPU: one record per interval ... */
	__u64 burst; /* ... and this many back to back */
};
_Static_assert(sizeof(struct xlb_capture_cfg) == 64, "xlb_capture_cfg layout");

#define XLB_CAP_F_SERVICE (1u << 0)
#define XLB_CAP_F_BACKEND (1u << 1)
#define XLB_CAP_F_REASON (1u << 2)
#define XLB_CAP_F_TX (1u << 3) /* also record forwarded frames as they leave */

/* Value of XLB_MAP_CAPCPU (per CPU): the rate bound's state and what it did. */
struct xlb_capture_cpu {
	__u64 tat; /* GCRA theoretical arrival time (bpf_ktime_get_ns) */
	__u64 matched; /* packets that passed every filter */
	__u64 captured; /* records written to the ring */
	__u64 bounded; /* matched packets not captured: over the rate bound */
	__u64 lost; /* records the full ring refused */
	__u64 session; /* the session these counters belong to (lbd zeroes them) */
};
_Static_assert(sizeof(struct xlb_capture_cpu) == 48, "xlb_capture_cpu layout");

#define XLB_CAP_DIR_RX 0 /* the frame as the XDP program received it */
#define XLB_CAP_DIR_TX 1 /* the frame as it left (XDP_TX / redirect) */

/* One record in XLB_MAP_CAPRING: this header, then caplen bytes of the frame. */
struct xlb_capture_hdr {
	__u64 ts_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 len; /* frame length */
	__u32 caplen; /* bytes that follow */
	__u32 ifindex; /* ingress interface */
	__u32 session;
	__u8 dir; /* XLB_CAP_DIR_* */
	__u8 action; /* XDP_* the program returned */
	__u8 _pad[6];
};
_Static_assert(sizeof(struct xlb_capture_hdr) == 32, "xlb_capture_hdr layout");

/* Value of XLB_MAP_CAPBUF (per CPU): a record under construction, and the filters' "before". */
struct xlb_capture_rec {
	__u32 state; /* 0 not matched, 1 copied, 2 matched but over the bound (not copied) */
	__u32 _pad;
	__u64 pre_reason; /* this CPU's XLB_STAT_[reason] before the packet */
	__u64 pre_backend; /* this CPU's backend packets before the packet */
	struct xlb_capture_hdr h; /* the record: h and data are written out as one */
	__u8 data[XLB_CAP_SNAP_MAX];
};

/*
 * Value of XLB_MAP_SCKEYS (array of one entry) and of the backend program's
 * copy: the 128-bit SYN cookie secrets (include/xlb_syncookie.h). New SYN
 * cookies are made with cur; ACKs are accepted with cur or, while
 * XLB_SC_F_PREV is set, prev (a rotation keeps handshakes in flight).
 * Every node and every backend must hold the same pair. Without
 * XLB_SC_F_CUR no cookie is made: SYNs take the ordinary path.
 */
struct xlb_sc_keys {
	__u64 cur[2];
	__u64 prev[2];
	__u32 flags; /* XLB_SC_F_* */
	__u32 _pad;
};
_Static_assert(sizeof(struct xlb_sc_keys) == 40, "xlb_sc_keys layout");

#define XLB_SC_F_CUR (1u << 0)
#define XLB_SC_F_PREV (1u << 1)

/*
 * XLB_MAP_SCSTATS (per CPU): SYN cookie events that are not a packet's one
 * global reason (a valid cookie's ACK is counted as forwarded there).
 */
enum xlb_sc_stat {
	XLB_SC_STAT_OK = 0, /* ACKs with a valid cookie: scheduled as new flows */
	XLB_SC_STAT_MAX,
};

/* ---- NAT forwarding (bpf/natfwd.h, docs/forwarding.md "nat and fullnat") ---- */

#ifndef XLB_MAX_NAT_FLOWS
#define XLB_MAX_NAT_FLOWS XLB_MAX_FLOWS /* reverse entries (LRU) */
#endif

/*
 * Value of XLB_MAP_NATBE (array, indexed by backend id), written by lbd
 * before the backend entry: the target port and, for fullnat, the node
 * address the flows to this backend leave from (the SNAT address: the
 * configured one, else the address of the interface toward the backend).
 */
struct xlb_nat_be {
	struct xlb_addr snat; /* fullnat: source address toward the backend */
	__be16 port; /* target port; 0 = the VIP's port */
	__u8 snat_family; /* enum xlb_family of snat; 0 = none (fullnat flows drop: drop_nat) */
	__u8 _pad;
	__u32 _pad2;
};
_Static_assert(sizeof(struct xlb_nat_be) == 24, "xlb_nat_be layout");

/* Timeouts of XLB_MAP_NATCFG, by the state of the flow's reverse entry. */
enum xlb_nat_tmo {
	XLB_NAT_TMO_TCP_HANDSHAKE = 0, /* TCP: SYN seen, no answer from the backend yet */
	XLB_NAT_TMO_TCP_ESTABLISHED, /* TCP: the backend answered */
	XLB_NAT_TMO_TCP_CLOSING, /* TCP: a FIN from either side */
	XLB_NAT_TMO_TCP_RESET, /* TCP: an RST from either side */
	XLB_NAT_TMO_UDP,
	XLB_NAT_TMO_MAX,
};

/* Value of XLB_MAP_NATCFG (array of one entry, key 0), written by lbd. */
struct xlb_nat_cfg {
	__u32 flags; /* XLB_NAT_F_* */
	__u32 tmo_s[XLB_NAT_TMO_MAX]; /* idle timeouts in seconds (enum xlb_nat_tmo) */
	__u16 port_lo, port_hi; /* the whole SNAT range (host order): fullnat replies go to it */
	__u32 _pad;
};
_Static_assert(sizeof(struct xlb_nat_cfg) == 32, "xlb_nat_cfg layout");

/* Slots of XLB_NHREV_MAP (per CPU, direct-mapped by a hash of the client address). */
#define XLB_NHREV_BITS 10

/* Some service uses nat/fullnat: packets that are not for a VIP are checked for replies. */
#define XLB_NAT_F_ON (1u << 0)
/*
 * Some service uses nat (not fullnat): its replies go to client ports, so
 * every packet that is no VIP's is looked up; without it only those to a
 * port of the SNAT range are.
 */
#define XLB_NAT_F_DNAT (1u << 1)

/* Value of XLB_MAP_NATSLICE (per CPU, key 0): this CPU's ports (host order, inclusive). */
struct xlb_nat_slice {
	__u16 lo, hi; /* hi < lo: no ports (fullnat flows drop: drop_nat_ports) */
	__u32 _pad;
};
_Static_assert(sizeof(struct xlb_nat_slice) == 8, "xlb_nat_slice layout");

/*
 * XLB_MAP_NATREV: key = a struct xlb_flow_key as a backend's reply arrives
 * (src = backend:target port; dst = SNAT address:port for fullnat, the
 * client for nat); value: what the reply is translated back to, and the
 * state that chooses its timeout. Both directions refresh it; a fullnat
 * port is taken with BPF_NOEXIST, so a live flow's port is never reused,
 * and an entry idle past its timeout may be taken over.
 */
struct xlb_nat_rev {
	struct xlb_addr client;
	struct xlb_addr vip;
	__be16 cport;
	__be16 vport;
	__u8 family; /* of client and vip */
	__u8 fwd; /* XLB_FWD_NAT or XLB_FWD_FULLNAT */
	__u16 _pad;
	__u32 state; /* XLB_NAT_S_* */
	__u32 be_id;
	__u64 last_seen_ns; /* coarse clock */
};
_Static_assert(sizeof(struct xlb_nat_rev) == 56, "xlb_nat_rev layout");

#define XLB_NAT_S_EST (1u << 0) /* TCP: the backend answered (ACK) */
#define XLB_NAT_S_FIN (1u << 1) /* TCP: a FIN seen */
#define XLB_NAT_S_RST (1u << 2) /* TCP: an RST seen */

/* XLB_MAP_NATSTATS (per CPU): NAT events besides the packets' reasons. */
#define XLB_NAT_STATS(X)                                                                  \
	X(NEW, "nat_new", "translations created (fullnat: SNAT port taken)")                \
	X(REUSED, "nat_reused", "fullnat: SNAT port taken over from an entry idle past its timeout") \
	X(REPLY_EXPIRED, "nat_reply_expired", "reply to an entry idle past its timeout: left to the kernel") \
	X(ICMP_PASSED, "nat_icmp_passed", "ICMP error about a nat/fullnat flow not translated (IPv6, unusual headers): left to the kernel")

enum xlb_nat_stat {
#define XLB_NAT_ENUM(e, name, help) XLB_NAT_STAT_##e,
	XLB_NAT_STATS(XLB_NAT_ENUM)
#undef XLB_NAT_ENUM
	XLB_NAT_STAT_MAX,
};

/* Value of XLB_MAP_SVC_STATS and XLB_MAP_BE_STATS (per CPU). */
struct xlb_counters {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	/*
	 * New TCP flows whose SYN the client had to retransmit (once per flow):
	 * the backend did not answer the first SYN in time (services and
	 * backends). v2 of both maps: 40 bytes, with syn_cookies.
	 */
	__u64 syn_retx;
	union {
		__u64 syn_cookies; /* services: SYNs answered with a SYN cookie (not counted above) */
		__u64 udp_seen2;   /* backends: UDP flows whose client sent a second packet */
	};
};
_Static_assert(sizeof(struct xlb_counters) == 40, "xlb_counters layout");

/*
 * Global per-CPU counters, one per outcome or reason (XLB_MAP_STATS).
 * X(enum suffix, name shown by lbctl and metrics, one-line meaning).
 * Every packet the program sees is counted exactly once under one of these.
 */
#define XLB_STATS(X)                                                              \
	X(PASS_NOT_IP, "pass_not_ip", "not IPv4/IPv6 (ARP, LLDP, ...): passed")          \
	X(PASS_NOT_VIP, "pass_not_vip", "IP traffic not addressed to a VIP: passed")     \
	X(PASS_NOT_L4, "pass_not_l4", "not TCP/UDP: passed")                             \
	X(FWD_TX, "fwd_tx", "forwarded out of the ingress interface (XDP_TX)")           \
	X(FWD_REDIRECT, "fwd_redirect", "forwarded out of another interface (redirect)") \
	X(DROP_MALFORMED, "drop_malformed", "truncated or malformed headers to a VIP: dropped") \
	X(DROP_FRAGMENT, "drop_fragment", "IP fragment to a VIP address: dropped")       \
	X(DROP_NO_BACKEND, "drop_no_backend", "VIP has no usable backend: dropped")      \
	X(DROP_NO_NEIGH, "drop_no_neigh", "no neighbour entry for the next hop: dropped") \
	X(DROP_FIB, "drop_fib", "no route or other FIB failure: dropped")                \
	X(DROP_REDIRECT, "drop_redirect", "egress interface not in the tx port map: dropped") \
	X(DROP_TOO_BIG, "drop_too_big", "packet (after encapsulation) larger than the egress MTU: dropped") \
	X(FWD_ICMP, "fwd_icmp", "ICMP error quoting a VIP flow: sent to that flow's backend") \
	X(PASS_ICMP_NO_FLOW, "pass_icmp_no_flow", "ICMP error quoting no known VIP flow (or unreadable): passed") \
	X(DROP_NO_NODE_ADDR, "drop_no_node_addr", "ipip/gue service but no node address of its family: dropped") \
	X(DROP_ENCAP, "drop_encap", "no room to encapsulate (bpf_xdp_adjust_head failed): dropped") \
	X(TX_TOO_BIG, "tx_too_big", "too big after encapsulation: ICMP frag-needed / packet-too-big sent to the client") \
	X(DROP_IPV6_EXT, "drop_ipv6_ext", "IPv6 extension header (other than Fragment) to a VIP address: dropped") \
	X(DROP_ACL_GLOBAL, "drop_acl_global", "source in the global deny list: dropped")  \
	X(DROP_ACL_SERVICE, "drop_acl_service", "source in the service's deny list: dropped") \
	X(DROP_ACL_ALLOW, "drop_acl_allow", "source not in the service's allow list: dropped") \
	X(DROP_RATE_LIMIT, "drop_rate_limit", "new flow over its source's token bucket: dropped") \
	X(TX_SYNCOOKIE, "tx_syncookie", "SYN to a syn_cookies service: answered with a SYN cookie SYN-ACK (XDP_TX)") \
	X(DROP_SYNCOOKIE_BAD, "drop_syncookie_bad", "no flow and no valid SYN cookie (forged, expired) on a syn_cookies service: dropped") \
	X(FWD_NAT_REPLY, "fwd_nat_reply", "backend's reply to a nat/fullnat flow: translated back and sent to the client") \
	X(DROP_NAT_PORTS, "drop_nat_ports", "fullnat: no free SNAT port in this CPU's slice of the range: dropped") \
	X(DROP_NAT, "drop_nat", "nat/fullnat flow without a usable SNAT address or header (IPv6, unknown backend): dropped")

enum xlb_stat {
#define XLB_STAT_ENUM(e, name, help) XLB_STAT_##e,
	XLB_STATS(XLB_STAT_ENUM)
#undef XLB_STAT_ENUM
	XLB_STAT_MAX,
};

#endif /* XLB_H */
