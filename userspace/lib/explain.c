// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * explain.c - the data path's decisions for one flow, from its maps (explain.h).
 *
 * Each step names the BPF code it mirrors; keep them in step when that code
 * changes (tests/unit/test_explain.c pins the order of the decisions, the
 * integration test test_explain.sh checks them against real packets).
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>

#include "explain.h"
#include "xlb_hash.h"

const char *xlb_explain_via_name(enum xlb_explain_via v)
{
	switch (v) {
	case XLB_VIA_CACHE: return "cache";
	case XLB_VIA_TABLE: return "table";
	case XLB_VIA_SCHEDULE: return "schedule";
	case XLB_VIA_RESCHEDULE: return "reschedule";
	default: return "none";
	}
}

/* Map read result: found (1), missing (0), or a real error (< 0). */
static int found(int rc)
{
	return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

/* sched.h xlb_backend_usable() */
static bool usable(const struct xlb_backend *be, __u32 svc_id)
{
	return be->family != 0 && (be->flags & XLB_BE_F_ACTIVE) && be->svc_id == svc_id;
}

/* Backend id and entry if usable for svc_id: 1, 0 not usable, < 0 error. */
static int backend_usable(const struct xlb_explain_io *io, __u32 id, __u32 svc_id,
			  struct xlb_backend *be)
{
	int rc;

	if (id == XLB_BACKEND_NONE)
		return 0;
	rc = found(io->backend(io->ctx, id, be));
	if (rc <= 0)
		return rc;
	return usable(be, svc_id);
}

/* filter.h xlb_filters_get(): global and service settings (present flags). */
struct filters {
	bool have_glob, have_svc;
	struct xlb_filter glob, svc;
};

static int filters_get(const struct xlb_explain_io *io, __u32 svc_id, struct filters *fs)
{
	int rc;

	memset(fs, 0, sizeof(*fs));
	rc = found(io->filter(io->ctx, XLB_FILTER_GLOBAL, &fs->glob));
	if (rc < 0)
		return rc;
	fs->have_glob = rc;
	if (!fs->have_glob || !(fs->glob.flags & XLB_FILTER_F_SVC_NONE)) {
		rc = found(io->filter(io->ctx, svc_id, &fs->svc));
		if (rc < 0)
			return rc;
		fs->have_svc = rc;
	}
	return 0;
}

/* filter.h xlb_filter_acl() */
static int filter_acl(const struct xlb_explain_io *io, const struct xlb_flow_key *key,
		      __u32 svc_id, const struct filters *fs, __u32 *reason)
{
	int m;

	*reason = 0;
	if (fs->have_glob && (fs->glob.flags & XLB_FILTER_F_DENY)) {
		m = io->acl(io->ctx, key, XLB_ACL_SCOPE(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID));
		if (m < 0)
			return m;
		if (m) {
			*reason = XLB_STAT_DROP_ACL_GLOBAL;
			return 0;
		}
	}
	if (!fs->have_svc)
		return 0;
	if (fs->svc.flags & XLB_FILTER_F_DENY) {
		m = io->acl(io->ctx, key, XLB_ACL_SCOPE(XLB_ACL_DENY, svc_id));
		if (m < 0)
			return m;
		if (m) {
			*reason = XLB_STAT_DROP_ACL_SERVICE;
			return 0;
		}
	}
	if (fs->svc.flags & XLB_FILTER_F_ALLOW) {
		m = io->acl(io->ctx, key, XLB_ACL_SCOPE(XLB_ACL_ALLOW, svc_id));
		if (m < 0)
			return m;
		if (!m)
			*reason = XLB_STAT_DROP_ACL_ALLOW;
	}
	return 0;
}

/* filter.h xlb_rate_limited() */
static bool rate_limited(const struct filters *fs)
{
	return (fs->have_svc && (fs->svc.flags & XLB_FILTER_F_RATE)) ||
	       (fs->have_glob && (fs->glob.flags & XLB_FILTER_F_RATE));
}

static __be32 mask32(int plen)
{
	if (plen <= 0)
		return 0;
	if (plen >= 32)
		return 0xffffffff;
	return htonl(~0u << (32 - plen));
}

/* filter.h xlb_rate_ok(), without spending the token: fills the rate_* fields. */
static int rate_ok(const struct xlb_explain_io *io, const struct xlb_flow_key *key, __u32 svc_id,
		   __u64 now, const struct filters *fs, struct xlb_explain *x)
{
	const struct xlb_filter *f = fs->have_svc ? &fs->svc : NULL;
	__u64 interval, limit, base, next;
	__u32 scope = svc_id;
	int plen, i, rc;

	x->rate_checked = true;
	x->rate_ok = true;
	if (!f || !(f->flags & XLB_FILTER_F_RATE)) {
		scope = XLB_ACL_GLOBAL_ID;
		f = fs->have_glob ? &fs->glob : NULL;
		if (!f || !(f->flags & XLB_FILTER_F_RATE))
			return 0;
	}
	x->rate_filter = *f;
	x->rate_scope = scope;
	interval = f->interval_ns;
	if (!interval)
		return 0;
	limit = (__u64)f->burst * interval;
	memset(&x->rate_key, 0, sizeof(x->rate_key));
	x->rate_key.scope = scope;
	x->rate_key.family = key->family;
	plen = key->family == XLB_AF_INET ? f->prefix4 : f->prefix6;
	x->rate_key.plen = plen;
	for (i = 0; i < 4; i++)
		x->rate_key.src.a[i] = key->src.a[i] & mask32(plen - 32 * i);
	rc = found(io->rate(io->ctx, &x->rate_key, &x->rate_tat));
	if (rc < 0)
		return rc;
	x->rate_bucket = rc;
	if (!rc) { /* a new bucket starts full */
		x->rate_tokens = f->burst;
		return 0;
	}
	base = x->rate_tat > now ? x->rate_tat : now;
	next = base + interval;
	x->rate_ok = next - now <= limit;
	x->rate_tokens = base - now >= limit ? 0 : (limit - (base - now)) / interval;
	return 0;
}

/* sched.h xlb_flow_syn_retrans(): the explained SYN retransmits the entry's own. */
static bool syn_retrans(const struct xlb_flow *f, const struct xlb_explain_opts *o)
{
	return o->syn_seq_set &&
	       (f->flags & (XLB_FLOW_F_ISN | XLB_FLOW_F_CLOSED)) == XLB_FLOW_F_ISN &&
	       f->isn == o->syn_seq;
}

/* sched.h xlb_schedule_new() / xlb_schedule_syn(): which slot and backend, without writing. */
static int schedule(const struct xlb_explain_io *io, const struct xlb_flow_key *key,
		    const struct xlb_svc *svc, bool syn_path, struct xlb_explain *x)
{
	__u32 size = svc->table_size, id = XLB_BACKEND_NONE, id2 = XLB_BACKEND_NONE, cur;
	struct xlb_backend be, be2;
	int ok1 = 0, ok2 = 0, rc;

	x->scheduled = true;
	x->slot_be = x->slot2_be = XLB_BACKEND_NONE;
	if (size == 0)
		return 0;
	switch (syn_path ? (svc->sched == XLB_SCHED_SH ? XLB_SCHED_SH : XLB_SCHED_MAGLEV)
			 : svc->sched) {
	case XLB_SCHED_SH:
		x->slot = xlb_src_hash(key) % size;
		break;
	case XLB_SCHED_RR:
	case XLB_SCHED_WRR:
		rc = found(io->rr_cursor(io->ctx, svc->id, &cur));
		if (rc < 0)
			return rc;
		x->slot = rc && cur < size ? cur : 0;
		break;
	case XLB_SCHED_LC:
		x->slot = x->flow_hash % size;
		x->slot2 = xlb_flow_hash2(x->flow_hash) % size;
		break;
	default:
		x->slot = x->flow_hash % size;
		break;
	}
	rc = found(io->slot(io->ctx, svc->id, x->slot, &id));
	if (rc < 0)
		return rc;
	if (rc) {
		x->slot_be = id;
		ok1 = backend_usable(io, id, svc->id, &be);
		if (ok1 < 0)
			return ok1;
	}
	if (!syn_path && svc->sched == XLB_SCHED_LC) {
		rc = found(io->slot(io->ctx, svc->id, x->slot2, &id2));
		if (rc < 0)
			return rc;
		if (rc) {
			x->slot2_be = id2;
			ok2 = backend_usable(io, id2, svc->id, &be2);
			if (ok2 < 0)
				return ok2;
		}
		if (ok1 && io->conns(io->ctx, id, &x->conns1))
			x->conns1 = 0;
		if (ok2 && io->conns(io->ctx, id2, &x->conns2))
			x->conns2 = 0;
		if (!ok1 && ok2) {
			ok1 = 1;
			be = be2;
			id = id2;
		} else if (ok1 && ok2 && id2 != id &&
			   x->conns2 * (__s64)(be.weight ? be.weight : 1) <
				   x->conns1 * (__s64)(be2.weight ? be2.weight : 1)) {
			be = be2;
			id = id2;
		}
	}
	if (ok1) {
		x->have_be = true;
		x->be_id = id;
		x->be = be;
	}
	return 0;
}

static void verdict(struct xlb_explain *x, int action, __u32 reason)
{
	x->action = action;
	x->reason = reason;
}

static void forward(struct xlb_explain *x, enum xlb_explain_via via, __u8 fwd)
{
	x->via = via;
	x->fwd = fwd;
	x->action = XDP_TX; /* the next hop decides tx / redirect / drop */
	x->reason = 0;
}

/* The flow cache on every CPU (fcache.h xlb_fcache_get): 0, or < 0 on error. */
static int fcache_look(const struct xlb_explain_io *io, const struct xlb_flow_key *key, __u64 now,
		       struct xlb_explain *x, struct xlb_fcache_ent *hit)
{
	static struct xlb_fcache_ent ents[XLB_EXPLAIN_MAX_CPUS];
	static __u16 gens[XLB_EXPLAIN_MAX_CPUS];
	struct xlb_backend be;
	__u32 epoch = 0;
	int n = 0, c, rc;

	x->fc_cpu = -1;
	rc = io->fcache(io->ctx, x->fc_slot, ents, gens, &n);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (io->epoch(io->ctx, &epoch))
		epoch = 0;
	for (c = 0; c < n && c < XLB_EXPLAIN_MAX_CPUS; c++) {
		const struct xlb_fcache_ent *e = &ents[c];

		if (memcmp(&e->key, key, sizeof(*key)) || now >= e->expires_ns || e->gen != gens[c] ||
		    e->epoch != epoch)
			continue;
		rc = backend_usable(io, e->backend_id, e->svc_id, &be);
		if (rc < 0)
			return rc;
		if (!rc)
			continue;
		if (x->fc_cpu < 0) {
			x->fc_cpu = c;
			*hit = *e;
			x->be = be;
		}
		x->fc_cpus++;
	}
	return 0;
}

int xlb_explain_flow(const struct xlb_explain_io *io, const struct xlb_flow_key *key,
		     const struct xlb_explain_opts *o, struct xlb_explain *x)
{
	struct xlb_flow_key k __attribute__((aligned(8)));
	struct xlb_fcache_ent ce = { 0 };
	struct filters fs;
	__u64 now = o->now_ns, bits = 0;
	bool flow_lookup_done = false, cached = false;
	__u32 b, svc_id;
	int rc;

	memset(x, 0, sizeof(*x));
	memcpy(&k, key, sizeof(k));
	k._pad = 0;
	key = &k;
	x->flow_hash = xlb_flow_hash(key);
	x->fc_slot = xlb_fcache_slot(key);
	x->fc_cpu = -1;
	x->be_id = XLB_BACKEND_NONE;
	x->prefilter_hit = true;

	/* xlb.bpf.c: prefilter, then flow cache and table before the service. */
	if (o->prefilter) {
		b = xlb_vfilter_bucket(&key->dst, key->dport);
		rc = found(io->vfilt_word(io->ctx, b / 64, &bits));
		if (rc < 0)
			return rc;
		x->prefilter_hit = rc && ((bits >> (b % 64)) & 1);
		if (!x->prefilter_hit) {
			verdict(x, XDP_PASS, XLB_STAT_PASS_NOT_VIP);
			return 0;
		}
		x->fc_eligible = !o->syn; /* the explained packet: SYN or a plain segment */
		if (o->fcache) {
			if (x->fc_eligible) {
				cached = true;
				rc = fcache_look(io, key, now, x, &ce);
				if (rc)
					return rc;
				if (x->fc_cpu >= 0) {
					x->fc_event = "hit";
					x->have_be = true;
					x->be_id = ce.backend_id;
					x->svc_id = ce.svc_id;
					rc = filters_get(io, ce.svc_id, &fs);
					if (!rc)
						rc = filter_acl(io, key, ce.svc_id, &fs, &x->acl_reason);
					if (rc)
						return rc;
					if (x->acl_reason) {
						x->have_be = false;
						verdict(x, XDP_DROP, x->acl_reason);
						return 0;
					}
					forward(x, XLB_VIA_CACHE, ce.fwd);
					return 0;
				}
				x->fc_event = "miss";
			} else {
				x->fc_event = "invalidate";
			}
		}
		if (!o->syn) {
			rc = found(io->flow(io->ctx, key, &x->flow));
			if (rc < 0)
				return rc;
			x->have_flow = rc;
			flow_lookup_done = true;
		}
		if (x->have_flow) {
			rc = backend_usable(io, x->flow.backend_id, x->flow.svc_id, &x->be);
			if (rc < 0)
				return rc;
			x->flow_usable = rc;
			if (rc) {
				if (cached)
					x->fc_event2 = "fill";
				x->svc_id = x->flow.svc_id;
				rc = filters_get(io, x->svc_id, &fs);
				if (!rc)
					rc = filter_acl(io, key, x->svc_id, &fs, &x->acl_reason);
				if (rc)
					return rc;
				if (x->acl_reason) {
					verdict(x, XDP_DROP, x->acl_reason);
					return 0;
				}
				x->have_be = true;
				x->be_id = x->flow.backend_id;
				forward(x, XLB_VIA_TABLE, x->flow.fwd);
				return 0;
			}
		}
	}

	/* The service lookup and its filters. */
	memset(&x->vk, 0, sizeof(x->vk));
	x->vk.addr = key->dst;
	x->vk.port = key->dport;
	x->vk.proto = key->proto;
	x->vk.family = key->family;
	rc = found(io->service(io->ctx, &x->vk, &x->svc));
	if (rc < 0)
		return rc;
	x->have_svc = rc;
	if (!rc) {
		verdict(x, XDP_PASS, XLB_STAT_PASS_NOT_VIP);
		return 0;
	}
	svc_id = x->svc_id = x->svc.id;
	rc = filters_get(io, svc_id, &fs);
	if (!rc)
		rc = filter_acl(io, key, svc_id, &fs, &x->acl_reason);
	if (rc)
		return rc;
	if (x->acl_reason) {
		verdict(x, XDP_DROP, x->acl_reason);
		return 0;
	}
	x->rate_limited = rate_limited(&fs);

	/* The SYN fast path: insert first (fails if the entry exists). */
	if (o->syn && (x->svc.sched == XLB_SCHED_MAGLEV || x->svc.sched == XLB_SCHED_SH) &&
	    !x->rate_limited) {
		struct xlb_flow f;

		x->syn_insert = true;
		rc = found(io->flow(io->ctx, key, &f));
		if (rc < 0)
			return rc;
		if (!rc) {
			rc = schedule(io, key, &x->svc, true, x);
			if (rc)
				return rc;
			if (x->have_be) {
				x->new_flow = true;
				forward(x, XLB_VIA_SCHEDULE, x->svc.fwd);
				return 0;
			}
		}
		x->scheduled = false;
	}
	if (!o->prefilter || o->syn || !flow_lookup_done) {
		rc = found(io->flow(io->ctx, key, &x->flow));
		if (rc < 0)
			return rc;
		x->have_flow = rc;
		x->flow_usable = false;
		/* xlb.bpf.c: a SYN other than the retransmission of the entry's own is renewed. */
		if (rc && x->flow.svc_id == svc_id && o->syn && !syn_retrans(&x->flow, o))
			x->renew = true;
		else if (rc && x->flow.svc_id == svc_id) {
			rc = backend_usable(io, x->flow.backend_id, svc_id, &x->be);
			if (rc < 0)
				return rc;
			x->flow_usable = rc;
			if (rc) {
				x->have_be = true;
				x->be_id = x->flow.backend_id;
				forward(x, XLB_VIA_TABLE, x->flow.fwd);
				return 0;
			}
		}
	}
	/* New flow, or its backend is no longer usable: (re)schedule. */
	if (x->have_flow && x->flow.svc_id != svc_id)
		x->have_flow = false; /* another service's entry */
	if (!x->have_flow || x->renew) {
		rc = rate_ok(io, key, svc_id, now, &fs, x);
		if (rc)
			return rc;
		if (!x->rate_ok) {
			verdict(x, XDP_DROP, XLB_STAT_DROP_RATE_LIMIT);
			return 0;
		}
	}
	rc = schedule(io, key, &x->svc, false, x);
	if (rc)
		return rc;
	if (!x->have_be) {
		verdict(x, XDP_DROP, XLB_STAT_DROP_NO_BACKEND);
		return 0;
	}
	x->new_flow = true;
	forward(x, x->have_flow && !x->renew ? XLB_VIA_RESCHEDULE : XLB_VIA_SCHEDULE, x->svc.fwd);
	return 0;
}
