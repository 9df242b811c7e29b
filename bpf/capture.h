/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * capture.h - packet capture for lbctl capture (docs/operations.md).
 *
 * Off by default: the program then pays one load of a global and one
 * predictable branch per packet (xlb.bpf.c reads xlb_capture_on and, when
 * set, tail-calls xlb_xdp_captured: the data path between two halves). On, each packet runs
 * two BPF subprograms around the unchanged data path:
 *
 *   before: the service filter (the parsed VIP, port, proto against the
 *           configured service), the "before" values of the counters the
 *           reason and backend filters watch, and a copy of up to snaplen
 *           bytes of the frame as received into this CPU's record buffer
 *           (the data path may rewrite the frame); no copy when the rate
 *           bound has no token left.
 *   after:  the reason filter (this CPU's counter of that reason moved) and
 *           the backend filter (the backend's packet counter moved), then
 *           the rate bound: a per-CPU GCRA token bucket, burst records back
 *           to back and one per interval after that; a packet over it is
 *           counted in `bounded`, never queued. The record goes to the ring
 *           buffer (a full ring counts `lost`); with XLB_CAP_F_TX a
 *           forwarded frame is recorded a second time as it leaves.
 *
 * The counter-delta filters rely on the program owning this CPU's per-CPU
 * counters while it runs (XDP runs with preemption off), so a delta is this
 * packet's doing. No helper of this file is ever called with capture off.
 */
#ifndef XLB_BPF_CAPTURE_H
#define XLB_BPF_CAPTURE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb.h"
#include "maps.h"
#include "parse.h"

/*
 * The on/off switch: a global (the program's .bss map, written by lbd), so
 * the check is one 64-bit address load, one load and one branch: no key on
 * the stack, no NULL check. Nothing else may live in .bss (lbd writes the
 * whole value; it refuses a .bss of another size).
 */
__u32 xlb_capture_on = 0;

/* The capture settings (filters, bound, session). */
static __always_inline struct xlb_capture_cfg *xlb_capture_cfg(void)
{
	__u32 zero = 0;

	/* Array with a constant key: inlined by the verifier (no call). */
	return bpf_map_lookup_elem(&XLB_CAPCFG_MAP, &zero);
}

static __always_inline __u64 xlb_cap_percpu_get(void *map, __u32 key, __u32 off)
{
	__u8 *v = bpf_map_lookup_elem(map, &key);

	return v ? *(__u64 *)(v + off) : 0;
}

/* GCRA on this CPU's bucket: may a record go out now? take: spend the token. */
static __always_inline int xlb_cap_token(const struct xlb_capture_cfg *cc,
					 struct xlb_capture_cpu *cpu, __u64 now, int take)
{
	__u64 base = cpu->tat > now ? cpu->tat : now, next = base + cc->interval_ns;

	if (next - now > cc->burst * cc->interval_ns)
		return 0;
	if (take)
		cpu->tat = next;
	return 1;
}

/* Copy up to snaplen bytes of the frame as it is now into rec. 0 or -1. */
static __always_inline int xlb_cap_copy(struct xdp_md *ctx, const struct xlb_capture_cfg *cc,
					struct xlb_capture_rec *rec)
{
	__u32 len = ctx->data_end - ctx->data, caplen = len;

	if (caplen > cc->snaplen)
		caplen = cc->snaplen;
	if (caplen > XLB_CAP_SNAP_MAX)
		caplen = XLB_CAP_SNAP_MAX;
	/* Verifier: the length must be a known range of at least 1 byte. */
	asm volatile("" : "+r"(caplen));
	if (caplen < 1 || caplen > XLB_CAP_SNAP_MAX)
		return -1;
	if (bpf_xdp_load_bytes(ctx, 0, rec->data, caplen))
		return -1;
	rec->h.len = len;
	rec->h.caplen = caplen;
	return 0;
}

static __noinline int xlb_capture_before(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct xlb_flow_key key __attribute__((aligned(8)));
	struct xlb_capture_cfg *cc = xlb_capture_cfg();
	struct xlb_capture_rec *rec;
	struct xlb_capture_cpu *cpu;
	struct xlb_pkt pkt;
	__u32 zero = 0;
	int rc;

	rec = bpf_map_lookup_elem(&XLB_CAPBUF_MAP, &zero);
	cpu = bpf_map_lookup_elem(&XLB_CAPCPU_MAP, &zero);
	if (!cc || !rec || !cpu)
		return 0;
	rec->state = 0;
	if (cc->flags & XLB_CAP_F_SERVICE) {
		__builtin_memset(&key, 0, sizeof(key));
		rc = xlb_parse(data, data_end, &key, &pkt);
		if ((rc != XLB_PARSE_OK && rc != XLB_PARSE_FRAGMENT && rc != XLB_PARSE_MALFORMED) ||
		    key.family != cc->svc.family || key.dst.a[0] != cc->svc.addr.a[0] ||
		    key.dst.a[1] != cc->svc.addr.a[1] || key.dst.a[2] != cc->svc.addr.a[2] ||
		    key.dst.a[3] != cc->svc.addr.a[3])
			return 0;
		/* Fragments and malformed packets have no ports: the address decides. */
		if (rc == XLB_PARSE_OK && (key.dport != cc->svc.port || key.proto != cc->svc.proto))
			return 0;
	}
	if (cc->flags & XLB_CAP_F_REASON)
		rec->pre_reason = xlb_cap_percpu_get(&XLB_STATS_MAP, cc->reason, 0);
	if (cc->flags & XLB_CAP_F_BACKEND)
		rec->pre_backend = xlb_cap_percpu_get(&XLB_BE_STATS_MAP, cc->be_id, 0);
	if (cpu->session != cc->session) { /* a new session: lbd zeroed the counters */
		cpu->session = cc->session;
		cpu->tat = 0;
	}
	rec->h.ts_ns = bpf_ktime_get_ns();
	rec->h.session = cc->session;
	if (!xlb_cap_token(cc, cpu, rec->h.ts_ns, 0) || xlb_cap_copy(ctx, cc, rec)) {
		rec->state = 2;
		return 0;
	}
	rec->h.ifindex = ctx->ingress_ifindex;
	rec->state = 1;
	return 0;
}

static __always_inline void xlb_cap_emit(struct xlb_capture_rec *rec, struct xlb_capture_cpu *cpu)
{
	__u32 caplen = rec->h.caplen;

	if (caplen > XLB_CAP_SNAP_MAX) /* for the verifier: it was checked when copied */
		return;
	if (bpf_ringbuf_output(&XLB_CAPRING_MAP, &rec->h, sizeof(rec->h) + caplen, 0))
		cpu->lost++;
	else
		cpu->captured++;
}

static __noinline int xlb_capture_after(struct xdp_md *ctx, int action)
{
	struct xlb_capture_cfg *cc = xlb_capture_cfg();
	struct xlb_capture_rec *rec;
	struct xlb_capture_cpu *cpu;
	__u32 zero = 0, st;

	rec = bpf_map_lookup_elem(&XLB_CAPBUF_MAP, &zero);
	cpu = bpf_map_lookup_elem(&XLB_CAPCPU_MAP, &zero);
	if (!cc || !rec || !cpu || !rec->state)
		return 0;
	/* Used once: a stale state must never be emitted twice. */
	st = rec->state;
	rec->state = 0;
	if (rec->h.session != cc->session)
		return 0;
	if ((cc->flags & XLB_CAP_F_REASON) &&
	    xlb_cap_percpu_get(&XLB_STATS_MAP, cc->reason, 0) == rec->pre_reason)
		return 0;
	if ((cc->flags & XLB_CAP_F_BACKEND) &&
	    xlb_cap_percpu_get(&XLB_BE_STATS_MAP, cc->be_id, 0) == rec->pre_backend)
		return 0;
	cpu->matched++;
	if (st != 1 || !xlb_cap_token(cc, cpu, rec->h.ts_ns, 1)) {
		cpu->bounded++;
		return 0;
	}
	rec->h.dir = XLB_CAP_DIR_RX;
	rec->h.action = action;
	xlb_cap_emit(rec, cpu);
	if ((cc->flags & XLB_CAP_F_TX) && (action == XDP_TX || action == XDP_REDIRECT) &&
	    !xlb_cap_copy(ctx, cc, rec)) {
		rec->h.dir = XLB_CAP_DIR_TX;
		xlb_cap_emit(rec, cpu);
	}
	return 0;
}

#endif /* XLB_BPF_CAPTURE_H */
