/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * explain - what the XDP data path (bpf/xlb.bpf.c) would do with the next
 * packet of a flow, decided from the same maps in the same order:
 *
 *   prefilter bit -> flow cache (per CPU) -> connection table -> service ->
 *   ACLs -> rate limit (new flows) -> scheduler (table slot) -> backend
 *
 * with the same hashes (xlb_hash.h). Pure: the maps are read through the
 * callbacks of struct xlb_explain_io (lbd reads the live maps, the unit tests
 * fake them), nothing is written, so explaining changes no state (no token
 * spent, no entry created, no cursor advanced). Next hop and forwarding are
 * left to the caller (they need the kernel's FIB, not a map).
 *
 * Differences from the packet it explains, by necessity: the data path's
 * clock is the per-CPU cached coarse clock (up to two ticks behind the
 * caller's CLOCK_MONOTONIC_COARSE `now`), rr/wrr cursors and flow cache
 * entries are per CPU (the result names CPU 0's cursor and every CPU whose
 * cache holds the flow), and a flow's state may change between the
 * explanation and the packet.
 */
#ifndef XLB_EXPLAIN_H
#define XLB_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "xlb.h"

#define XLB_EXPLAIN_MAX_CPUS 512

/* Map reads. Each returns 0 (found), -ENOENT (no such entry) or -errno. */
struct xlb_explain_io {
	void *ctx;
	int (*vfilt_word)(void *ctx, __u32 word, __u64 *bits);
	int (*service)(void *ctx, const struct xlb_vip_key *k, struct xlb_svc *out);
	int (*flow)(void *ctx, const struct xlb_flow_key *k, struct xlb_flow *out);
	int (*backend)(void *ctx, __u32 id, struct xlb_backend *out);
	/* Slot of svc_id's lookup table: *be_id (XLB_SLOT_NONE as XLB_BACKEND_NONE). */
	int (*slot)(void *ctx, __u32 svc_id, __u32 slot, __u32 *be_id);
	int (*filter)(void *ctx, __u32 idx, struct xlb_filter *out);
	/* Does k's source match an entry of scope (LPM)? 1 yes, 0 no, -errno. */
	int (*acl)(void *ctx, const struct xlb_flow_key *k, __u32 scope);
	int (*rate)(void *ctx, const struct xlb_rate_key *k, __u64 *tat);
	int (*conns)(void *ctx, __u32 be_id, __s64 *n);
	int (*rr_cursor)(void *ctx, __u32 svc_id, __u32 *cur); /* CPU 0's */
	/* Flow cache slot on every CPU (ents[ncpus], gens[ncpus]) and the epoch. */
	int (*fcache)(void *ctx, __u32 slot, struct xlb_fcache_ent *ents, __u16 *gens, int *ncpus);
	int (*epoch)(void *ctx, __u32 *epoch);
};

struct xlb_explain_opts {
	__u64 now_ns; /* CLOCK_MONOTONIC_COARSE */
	bool syn; /* the packet is a bare TCP SYN (a connection attempt) */
	/*
	 * ... its sequence number, if known (syn_seq_set). A SYN is the
	 * retransmission of an entry's own only with the entry's recorded ISN
	 * on an entry not closed (bpf/sched.h xlb_flow_syn_retrans()); any other
	 * SYN, and one whose number is not known, starts a new connection on a
	 * re-used 5-tuple and is scheduled afresh.
	 */
	bool syn_seq_set;
	__be32 syn_seq;
	bool prefilter; /* the program was loaded with xlb_cfg_prefilter (lbd: yes) */
	bool fcache; /* ... and with its flow cache */
};

enum xlb_explain_via {
	XLB_VIA_NONE, /* not forwarded: see action and reason */
	XLB_VIA_CACHE, /* per-CPU flow cache hit */
	XLB_VIA_TABLE, /* connection-table entry */
	XLB_VIA_SCHEDULE, /* scheduled as a new flow */
	XLB_VIA_RESCHEDULE, /* had an entry whose backend is no longer usable: scheduled again */
};

struct xlb_explain {
	__u32 flow_hash; /* xlb_flow_hash() */
	bool prefilter_hit; /* the prefilter bit is set (or the prefilter is off) */
	/* flow cache */
	__u32 fc_slot;
	bool fc_eligible; /* a packet without SYN/FIN/RST may use the cache */
	int fc_cpus; /* CPUs whose slot holds this flow, valid */
	int fc_cpu; /* the first of them (-1: none) */
	/* connection table */
	bool have_flow;
	struct xlb_flow flow;
	bool flow_usable; /* its backend is usable for its service */
	bool renew; /* a new SYN on this service's entry: a new connection, rescheduled */
	/* service */
	bool have_svc;
	struct xlb_vip_key vk;
	struct xlb_svc svc;
	__u32 svc_id; /* of the service, or of the cached/table entry */
	/* filters */
	__u32 acl_reason; /* 0 or XLB_STAT_DROP_ACL_* */
	bool rate_checked; /* the limit applied to this packet (a new flow) */
	bool rate_limited; /* some limit is configured for the service */
	__u32 rate_scope; /* service id or XLB_ACL_GLOBAL_ID */
	struct xlb_rate_key rate_key;
	bool rate_bucket; /* the bucket exists */
	__u64 rate_tat;
	bool rate_ok;
	__u64 rate_tokens; /* new flows the bucket would admit back to back now */
	struct xlb_filter rate_filter;
	/* scheduling */
	bool scheduled;
	__u32 slot, slot2; /* slot2: lc's second choice */
	__u32 slot_be, slot2_be; /* backend ids in the slots (XLB_BACKEND_NONE: none) */
	__s64 conns1, conns2; /* lc: active flows of the two candidates */
	bool syn_insert; /* the SYN fast path (maglev/sh, no limit) applies */
	/* outcome */
	enum xlb_explain_via via;
	bool have_be;
	__u32 be_id;
	struct xlb_backend be;
	__u8 fwd; /* enum xlb_fwd the packet leaves with */
	bool new_flow;
	int action; /* XDP_PASS / XDP_DROP, or XDP_TX for "forwarded, next hop decides" */
	__u32 reason; /* XLB_STAT_* when action is pass/drop */
	/* flow cache counter it bumps: "hit", "miss", "fill", "invalidate" or NULL */
	const char *fc_event;
	const char *fc_event2;
};

/*
 * Walk the data path's decisions for the next packet of key. 0 and *out
 * filled (the outcome may be "pass"/"drop"), or -errno when a map read
 * failed for another reason than a missing entry.
 */
int xlb_explain_flow(const struct xlb_explain_io *io, const struct xlb_flow_key *key,
		     const struct xlb_explain_opts *o, struct xlb_explain *out);

const char *xlb_explain_via_name(enum xlb_explain_via v);

/* ---- explain_fd.c: the callbacks over map fds (-1: the map is absent) ---- */

struct xlb_explain_fds {
	int ncpus; /* possible CPUs: values of a per-CPU lookup */
	int vfilt, vips, flows, bends, tables, filt, acl4, acl6, rate, conns, rrcur, fcache,
	    fcgen, epoch, nhc;
};

void xlb_explain_io_fds(struct xlb_explain_fds *f, struct xlb_explain_io *io);
/* A per-CPU map's values at key (malloc'd, *stride bytes per CPU) or NULL. */
void *xlb_explain_percpu(const struct xlb_explain_fds *f, int fd, __u32 key, size_t size,
			 size_t *stride);

#endif
