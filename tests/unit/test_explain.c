// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The flow explainer (userspace/lib/explain.c) over fake maps: the order of
 * the data path's decisions (prefilter, flow cache, connection table,
 * service, ACLs, rate limit, scheduler) and the hashes it uses
 * (xlb_hash.h). tests/integration/test_explain.sh checks it against packets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/bpf.h>

#include <cmocka.h>

#include "explain.h"
#include "xlb_hash.h"

#define TSIZE 13 /* table slots */
#define NBE 4

/* The fake data path: one service, NBE backends, optional entries. */
static struct {
	struct xlb_vip_key vk;
	struct xlb_svc svc;
	struct xlb_backend be[NBE];
	__u32 table[TSIZE];
	bool have_flow;
	struct xlb_flow_key fk;
	struct xlb_flow flow;
	struct xlb_filter glob, svcf;
	bool deny_global, allow_listed;
	bool have_bucket;
	__u64 tat;
	__s64 conns[NBE];
	bool cached;
	struct xlb_fcache_ent ce;
	bool vfilt_clear;
} m;

static int f_vfilt(void *c, __u32 w, __u64 *bits)
{
	*bits = m.vfilt_clear ? 0 : ~0ull;
	return 0;
}

static int f_service(void *c, const struct xlb_vip_key *k, struct xlb_svc *o)
{
	if (memcmp(k, &m.vk, sizeof(*k)))
		return -ENOENT;
	*o = m.svc;
	return 0;
}

static int f_flow(void *c, const struct xlb_flow_key *k, struct xlb_flow *o)
{
	if (!m.have_flow || memcmp(k, &m.fk, sizeof(*k)))
		return -ENOENT;
	*o = m.flow;
	return 0;
}

static int f_backend(void *c, __u32 id, struct xlb_backend *o)
{
	if (id >= NBE)
		return -ENOENT;
	*o = m.be[id];
	return 0;
}

static int f_slot(void *c, __u32 svc, __u32 slot, __u32 *id)
{
	if (slot >= TSIZE)
		return -ENOENT;
	*id = m.table[slot];
	return 0;
}

static int f_filter(void *c, __u32 idx, struct xlb_filter *o)
{
	*o = idx == XLB_FILTER_GLOBAL ? m.glob : m.svcf;
	return 0;
}

static int f_acl(void *c, const struct xlb_flow_key *k, __u32 scope)
{
	if (scope == XLB_ACL_SCOPE(XLB_ACL_DENY, XLB_ACL_GLOBAL_ID))
		return m.deny_global;
	if (scope == XLB_ACL_SCOPE(XLB_ACL_ALLOW, 0))
		return m.allow_listed;
	return 0;
}

static int f_rate(void *c, const struct xlb_rate_key *k, __u64 *tat)
{
	if (!m.have_bucket)
		return -ENOENT;
	*tat = m.tat;
	return 0;
}

static int f_conns(void *c, __u32 id, __s64 *n)
{
	*n = m.conns[id];
	return 0;
}

static int f_rr(void *c, __u32 svc, __u32 *cur)
{
	*cur = 5;
	return 0;
}

static int f_fcache(void *c, __u32 slot, struct xlb_fcache_ent *e, __u16 *g, int *n)
{
	*n = 2;
	memset(e, 0, 2 * sizeof(*e));
	memset(g, 0, 2 * sizeof(*g));
	if (m.cached && slot == xlb_fcache_slot(&m.ce.key))
		e[1] = m.ce; /* on CPU 1 */
	return 0;
}

static int f_epoch(void *c, __u32 *e)
{
	*e = 7;
	return 0;
}

static const struct xlb_explain_io io = {
	.vfilt_word = f_vfilt, .service = f_service, .flow = f_flow, .backend = f_backend,
	.slot = f_slot, .filter = f_filter, .acl = f_acl, .rate = f_rate, .conns = f_conns,
	.rr_cursor = f_rr, .fcache = f_fcache, .epoch = f_epoch,
};

static struct xlb_flow_key key;
static struct xlb_explain_opts opts;
#define NOW 1000000000000ull

static int setup(void **state)
{
	int i;

	memset(&m, 0, sizeof(m));
	memset(&key, 0, sizeof(key));
	key.family = XLB_AF_INET;
	key.proto = IPPROTO_TCP;
	key.src.a[0] = htonl(0x0a000064);
	key.dst.a[0] = htonl(0x0a64000a);
	key.sport = htons(40000);
	key.dport = htons(80);
	m.vk.addr = key.dst;
	m.vk.port = key.dport;
	m.vk.proto = key.proto;
	m.vk.family = key.family;
	m.svc.id = 0;
	m.svc.table_size = TSIZE;
	m.svc.sched = XLB_SCHED_MAGLEV;
	for (i = 0; i < NBE; i++) {
		m.be[i].family = XLB_AF_INET;
		m.be[i].flags = XLB_BE_F_ACTIVE;
		m.be[i].weight = 100;
		m.be[i].addr.a[0] = htonl(0x0a00000b + i);
	}
	for (i = 0; i < TSIZE; i++)
		m.table[i] = i % 3; /* backend 3 is in no slot */
	m.glob.flags = XLB_FILTER_F_SVC_NONE;
	opts = (struct xlb_explain_opts){ .now_ns = NOW, .prefilter = true, .fcache = true };
	return 0;
}

static void run(struct xlb_explain *x)
{
	assert_int_equal(xlb_explain_flow(&io, &key, &opts, x), 0);
}

static void test_schedule_maglev(void **state)
{
	struct xlb_explain x;
	__u32 slot = xlb_flow_hash(&key) % TSIZE;

	opts.syn = true;
	run(&x);
	assert_int_equal(x.via, XLB_VIA_SCHEDULE);
	assert_true(x.syn_insert);
	assert_int_equal(x.slot, slot);
	assert_int_equal(x.be_id, slot % 3);
	assert_int_equal(x.action, XDP_TX);
	assert_true(x.new_flow);
	assert_string_equal(x.fc_event, "invalidate");
	/* sh: the source hash picks the slot */
	m.svc.sched = XLB_SCHED_SH;
	run(&x);
	assert_int_equal(x.slot, xlb_src_hash(&key) % TSIZE);
	/* rr: the cursor (CPU 0's) */
	m.svc.sched = XLB_SCHED_RR;
	run(&x);
	assert_false(x.syn_insert);
	assert_int_equal(x.slot, 5);
}

static void test_prefilter_and_not_vip(void **state)
{
	struct xlb_explain x;

	m.vfilt_clear = true;
	run(&x);
	assert_int_equal(x.action, XDP_PASS);
	assert_int_equal(x.reason, XLB_STAT_PASS_NOT_VIP);
	assert_false(x.prefilter_hit);
	m.vfilt_clear = false;
	key.dport = htons(81);
	run(&x);
	assert_int_equal(x.reason, XLB_STAT_PASS_NOT_VIP);
	assert_true(x.prefilter_hit);
	assert_false(x.have_svc);
}

static void test_table_and_reschedule(void **state)
{
	struct xlb_explain x;

	m.have_flow = true;
	m.fk = key;
	m.flow.backend_id = 3; /* in no slot: only the entry can name it */
	m.flow.svc_id = 0;
	run(&x);
	assert_int_equal(x.via, XLB_VIA_TABLE);
	assert_int_equal(x.be_id, 3);
	assert_string_equal(x.fc_event, "miss");
	assert_string_equal(x.fc_event2, "fill");
	assert_false(x.new_flow);
	/* its backend deactivated: rescheduled, no rate limit for it */
	m.be[3].flags = 0;
	m.glob.flags |= XLB_FILTER_F_RATE;
	m.glob.burst = 1;
	m.glob.interval_ns = 1000000000;
	m.have_bucket = true;
	m.tat = NOW + 5000000000ull; /* far over the limit */
	run(&x);
	assert_int_equal(x.via, XLB_VIA_RESCHEDULE);
	assert_false(x.rate_checked);
	assert_int_not_equal(x.be_id, 3);
	assert_true(x.new_flow);
}

/* xlb_flows_v3: a SYN on an entry is its retransmission only with the recorded ISN, entry open. */
static void test_syn_reused_tuple(void **state)
{
	struct xlb_explain x;

	m.have_flow = true;
	m.fk = key;
	m.flow.backend_id = 3; /* in no slot: only the entry can name it */
	m.flow.svc_id = 0;
	m.flow.flags = XLB_FLOW_F_ISN;
	m.flow.isn = htonl(1000);
	opts.syn = true;
	opts.syn_seq_set = true;
	opts.syn_seq = htonl(1000); /* the retransmission: keeps its backend */
	run(&x);
	assert_false(x.renew);
	assert_int_equal(x.via, XLB_VIA_TABLE);
	assert_int_equal(x.be_id, 3);
	opts.syn_seq = htonl(2000); /* another ISN: a new connection */
	run(&x);
	assert_true(x.renew);
	assert_true(x.rate_checked);
	assert_int_equal(x.via, XLB_VIA_SCHEDULE);
	assert_int_not_equal(x.be_id, 3);
	assert_true(x.new_flow);
	opts.syn_seq = htonl(1000); /* the same ISN on a closed entry */
	m.flow.flags |= XLB_FLOW_F_CLOSED;
	run(&x);
	assert_true(x.renew);
	assert_int_not_equal(x.be_id, 3);
	m.flow.flags = XLB_FLOW_F_ISN;
	opts.syn_seq_set = false; /* unknown ISN: taken as a new connection */
	run(&x);
	assert_true(x.renew);
	opts.syn = false; /* a plain segment keeps a closed entry's backend */
	m.flow.flags |= XLB_FLOW_F_CLOSED;
	run(&x);
	assert_false(x.renew);
	assert_int_equal(x.via, XLB_VIA_TABLE);
	assert_int_equal(x.be_id, 3);
}

static void test_cache(void **state)
{
	struct xlb_explain x;

	m.cached = true;
	m.ce.key = key;
	m.ce.expires_ns = NOW + 1;
	m.ce.backend_id = 3;
	m.ce.epoch = 7;
	m.ce.fwd = XLB_FWD_IPIP;
	run(&x);
	assert_int_equal(x.via, XLB_VIA_CACHE);
	assert_int_equal(x.fc_cpu, 1);
	assert_int_equal(x.be_id, 3);
	assert_int_equal(x.fwd, XLB_FWD_IPIP);
	assert_string_equal(x.fc_event, "hit");
	/* expired, other epoch, a SYN, or the cache off: not from the cache */
	m.ce.expires_ns = NOW;
	run(&x);
	assert_int_not_equal(x.via, XLB_VIA_CACHE);
	m.ce.expires_ns = NOW + 1;
	m.ce.epoch = 6;
	run(&x);
	assert_int_not_equal(x.via, XLB_VIA_CACHE);
	m.ce.epoch = 7;
	opts.syn = true;
	run(&x);
	assert_int_not_equal(x.via, XLB_VIA_CACHE);
	opts.syn = false;
	opts.fcache = false;
	run(&x);
	assert_int_not_equal(x.via, XLB_VIA_CACHE);
	assert_null(x.fc_event);
	/* an ACL still applies to cached flows */
	opts.fcache = true;
	m.glob.flags |= XLB_FILTER_F_DENY;
	m.deny_global = true;
	run(&x);
	assert_int_equal(x.action, XDP_DROP);
	assert_int_equal(x.reason, XLB_STAT_DROP_ACL_GLOBAL);
}

static void test_acl(void **state)
{
	struct xlb_explain x;

	m.glob.flags = 0; /* service entries are read */
	m.svcf.flags = XLB_FILTER_F_ALLOW;
	run(&x);
	assert_int_equal(x.reason, XLB_STAT_DROP_ACL_ALLOW);
	m.allow_listed = true;
	run(&x);
	assert_int_equal(x.action, XDP_TX);
	m.glob.flags = XLB_FILTER_F_DENY;
	m.deny_global = true;
	run(&x);
	assert_int_equal(x.reason, XLB_STAT_DROP_ACL_GLOBAL);
}

static void test_rate_limit(void **state)
{
	struct xlb_explain x;

	m.svcf.flags = XLB_FILTER_F_RATE;
	m.svcf.burst = 3;
	m.svcf.interval_ns = 100;
	m.svcf.prefix4 = 24;
	m.glob.flags = 0;
	opts.syn = true;
	run(&x); /* no bucket: a new one starts full */
	assert_true(x.rate_checked);
	assert_false(x.syn_insert); /* a limit turns the SYN fast path off */
	assert_int_equal(x.rate_tokens, 3);
	assert_int_equal(x.rate_key.src.a[0], htonl(0x0a000000));
	assert_int_equal(x.rate_key.scope, 0);
	assert_int_equal(x.action, XDP_TX);
	m.have_bucket = true;
	m.tat = NOW + 200; /* two intervals ahead: one token left */
	run(&x);
	assert_true(x.rate_ok);
	assert_int_equal(x.rate_tokens, 1);
	m.tat = NOW + 300;
	run(&x);
	assert_false(x.rate_ok);
	assert_int_equal(x.rate_tokens, 0);
	assert_int_equal(x.reason, XLB_STAT_DROP_RATE_LIMIT);
}

static void test_lc_and_no_backend(void **state)
{
	struct xlb_explain x;
	__u32 h = xlb_flow_hash(&key), s1 = h % TSIZE, s2 = xlb_flow_hash2(h) % TSIZE;
	int i;

	m.svc.sched = XLB_SCHED_LC;
	for (i = 0; i < TSIZE; i++)
		m.table[i] = i == (int)s1 ? 1 : 2;
	m.conns[1] = 10;
	m.conns[2] = 3;
	run(&x);
	assert_int_equal(x.slot, s1);
	assert_int_equal(x.slot2, s2);
	assert_int_equal(x.be_id, s1 == s2 ? 1 : 2); /* fewer active flows wins */
	for (i = 0; i < TSIZE; i++)
		m.table[i] = XLB_BACKEND_NONE;
	run(&x);
	assert_int_equal(x.action, XDP_DROP);
	assert_int_equal(x.reason, XLB_STAT_DROP_NO_BACKEND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_schedule_maglev, setup),
		cmocka_unit_test_setup(test_prefilter_and_not_vip, setup),
		cmocka_unit_test_setup(test_table_and_reschedule, setup),
		cmocka_unit_test_setup(test_syn_reused_tuple, setup),
		cmocka_unit_test_setup(test_cache, setup),
		cmocka_unit_test_setup(test_acl, setup),
		cmocka_unit_test_setup(test_rate_limit, setup),
		cmocka_unit_test_setup(test_lc_and_no_backend, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
