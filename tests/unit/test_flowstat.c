// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The one definition of an open flow (userspace/lib/flowstat.c): the walk
 * behind lbctl backend list and the drain replies (xlb_dp_flow_counts ->
 * xlb_flow_count_open) and the walk behind /metrics and scaling
 * (xlb_flowstat_read -> xlb_flowstat_add) count the same entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "flowstat.h"

#define S 1000000000ull
#define NOW (1000 * S)
#define N_IDS 8

/* A fake connection table: every age around the window, closed or not, ids in and out of range. */
static const struct xlb_flow flows[] = {
	{ .backend_id = 0, .svc_id = 0, .last_seen_ns = NOW },
	{ .backend_id = 0, .svc_id = 0, .last_seen_ns = NOW - 1 * S },
	{ .backend_id = 0, .svc_id = 0, .last_seen_ns = NOW - 1 * S, .flags = XLB_FLOW_F_CLOSED },
	{ .backend_id = 1, .svc_id = 0, .last_seen_ns = NOW - XLB_FLOW_OPEN_NS },
	{ .backend_id = 1, .svc_id = 0, .last_seen_ns = NOW - XLB_FLOW_OPEN_NS - 1 },
	{ .backend_id = 1, .svc_id = 0, .last_seen_ns = NOW - 31 * S }, /* the old metrics window */
	{ .backend_id = 2, .svc_id = 1, .last_seen_ns = NOW + 5 }, /* stamped after now was read */
	{ .backend_id = 2, .svc_id = 1, .last_seen_ns = NOW - 121 * S },
	{ .backend_id = 3, .svc_id = 1, .last_seen_ns = 0 },
	{ .backend_id = 3, .svc_id = 1, .last_seen_ns = NOW - 59 * S,
	  .flags = XLB_FLOW_F_COUNTED },
	{ .backend_id = 3, .svc_id = 1, .last_seen_ns = NOW - 59 * S,
	  .flags = XLB_FLOW_F_COUNTED | XLB_FLOW_F_CLOSED },
	{ .backend_id = N_IDS + 1, .svc_id = 2, .last_seen_ns = NOW }, /* beyond n_ids */
};
#define N_FLOWS (sizeof(flows) / sizeof(flows[0]))

static void test_definition(void **state)
{
	struct xlb_flow f = { .last_seen_ns = NOW - XLB_FLOW_OPEN_NS };

	assert_true(xlb_flow_is_open(&f, NOW, XLB_FLOW_OPEN_NS));
	f.last_seen_ns--;
	assert_false(xlb_flow_is_open(&f, NOW, XLB_FLOW_OPEN_NS));
	assert_true(xlb_flow_is_open(&f, NOW, 0)); /* no window: any age */
	f.flags = XLB_FLOW_F_CLOSED;
	assert_false(xlb_flow_is_open(&f, NOW, 0)); /* closed: never */
}

/* backend list (xlb_dp_flow_counts' counting) and metrics (flowstat) agree, id by id. */
static void test_views_agree(void **state)
{
	static const __u32 want[N_IDS] = { 2, 2, 1, 1 };
	struct xlb_flowstat *fs = calloc(1, sizeof(*fs));
	__u32 counts[N_IDS] = { 0 }, sum = 0, id;
	size_t half = N_FLOWS / 2;

	assert_non_null(fs);
	/* in two batches, as the walks read the table */
	xlb_flow_count_open(flows, half, NOW, XLB_FLOW_OPEN_NS, counts, N_IDS);
	xlb_flow_count_open(flows + half, N_FLOWS - half, NOW, XLB_FLOW_OPEN_NS, counts, N_IDS);
	xlb_flowstat_add(fs, flows, N_FLOWS, NOW, XLB_FLOW_OPEN_NS);
	for (id = 0; id < N_IDS; id++) {
		assert_int_equal(counts[id], want[id]);
		assert_int_equal(fs->be_active[id], counts[id]);
		sum += counts[id];
	}
	assert_int_equal(fs->be_active[N_IDS + 1], 1);
	assert_int_equal(fs->active, sum + 1);
	assert_int_equal(fs->entries, N_FLOWS);
	assert_int_equal(fs->svc_active[0], 4);
	assert_int_equal(fs->svc_active[1], 2);
	free(fs);
}

/* The lc recount's own window (--lc-idle) uses the same test. */
static void test_lc_window(void **state)
{
	__u32 counts[N_IDS] = { 0 };

	xlb_flow_count_open(flows, N_FLOWS, NOW, 120 * S, counts, N_IDS);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 3);
	assert_int_equal(counts[2], 1);
	assert_int_equal(counts[3], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_definition),
	    cmocka_unit_test(test_views_agree),
	    cmocka_unit_test(test_lc_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
