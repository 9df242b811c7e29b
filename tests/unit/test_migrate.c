// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Map migrations (userspace/lib/migrate.c): names, the table, flows v1/v2 -> v3, stats by name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "migrate.h"
#include "xlb.h"

static const char *const cur_names[] = {
#define XLB_STAT_NAME(e, name, help) name,
    XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

static void test_name_parse(void **state)
{
	char base[32];
	unsigned int v;

	(void)state;
	assert_int_equal(xlb_map_name_parse("xlb_flows_v2", base, sizeof(base), &v), 0);
	assert_string_equal(base, "flows");
	assert_int_equal(v, 2);
	assert_int_equal(xlb_map_name_parse("xlb_stats_v14", base, sizeof(base), &v), 0);
	assert_int_equal(v, 14);
	assert_int_equal(xlb_map_name_parse("xlb_a_b_v1", base, sizeof(base), &v), 0);
	assert_string_equal(base, "a_b");
	assert_int_equal(xlb_map_name_parse("link", base, sizeof(base), &v), -EINVAL);
	assert_int_equal(xlb_map_name_parse("xlb_txports", base, sizeof(base), &v), -EINVAL);
	assert_int_equal(xlb_map_name_parse("xlb_flows_v", base, sizeof(base), &v), -EINVAL);
	assert_int_equal(xlb_map_name_parse("xlb_flows_v1a", base, sizeof(base), &v), -EINVAL);
	assert_int_equal(xlb_map_name_parse("xlb__v1", base, sizeof(base), &v), -EINVAL);
	assert_int_equal(xlb_map_name_parse("xlb_flows_v2", base, 5, &v), -EINVAL); /* too long */
	assert_int_equal(xlb_map_name_parse(XLB_MAP_FLOWS, base, sizeof(base), &v), 0);
	assert_int_equal(xlb_map_name_parse(XLB_MAP_STATS, base, sizeof(base), &v), 0);
}

static void test_table(void **state)
{
	char base[32];
	unsigned int cur;
	const struct xlb_migration *m;

	(void)state;
	/* flows v1 and v2 -> the current version (v3) */
	assert_int_equal(xlb_map_name_parse(XLB_MAP_FLOWS, base, sizeof(base), &cur), 0);
	m = xlb_migration_find("flows", 1, cur);
	assert_non_null(m);
	assert_int_equal(m->kind, XLB_MIGRATE_ENTRIES);
	assert_int_equal(m->key_size, sizeof(struct xlb_flow_key));
	assert_int_equal(m->value_size, 16);
	assert_null(xlb_migration_find("flows", 1, cur + 1)); /* written for one target */
	assert_null(xlb_migration_find("flows", 0, cur));
	assert_int_equal(cur, 3);
	m = xlb_migration_find("flows", 2, cur);
	assert_non_null(m);
	assert_int_equal(m->kind, XLB_MIGRATE_ENTRIES);
	assert_int_equal(m->key_size, sizeof(struct xlb_flow_key));
	assert_int_equal(m->value_size, 24);
	assert_ptr_equal(m->convert, xlb_migrate_flow_v2);
	/* stats: v2, v3 and v4 go by name to any later version */
	assert_int_equal(xlb_map_name_parse(XLB_MAP_STATS, base, sizeof(base), &cur), 0);
	for (unsigned int v = 2; v < cur; v++) {
		m = xlb_migration_find("stats", v, cur);
		assert_non_null(m);
		assert_int_equal(m->kind, XLB_MIGRATE_COUNTERS);
		assert_int_equal(m->value_size, sizeof(__u64));
	}
	assert_null(xlb_migration_find("stats", 3, 3));
	assert_null(xlb_migration_find("stats", 5, 4)); /* no downgrades */
	assert_null(xlb_migration_find("stats", 1, cur));
	assert_null(xlb_migration_find("svcst", 1, 2));
	/* the list of the current stats version is the current XLB_STATS */
	m = xlb_migration_find("stats", cur, cur + 1);
	assert_non_null(m);
	assert_int_equal(m->n_names, XLB_STAT_MAX);
	for (size_t i = 0; i < m->n_names; i++)
		assert_string_equal(m->names[i], cur_names[i]);
}

static void test_flow_v1(void **state)
{
	/* v1: backend_id 7, svc_id 3, last_seen_ns 0x0102030405060708 (host order) */
	__u8 old[16], out[sizeof(struct xlb_flow)];
	__u32 be = 7, svc = 3;
	__u64 ts = 0x0102030405060708ull;
	struct xlb_flow f;

	(void)state;
	memcpy(old, &be, 4);
	memcpy(old + 4, &svc, 4);
	memcpy(old + 8, &ts, 8);
	memset(out, 0xaa, sizeof(out));
	xlb_migrate_flow_v1(old, out);
	memcpy(&f, out, sizeof(f));
	assert_int_equal(f.backend_id, 7);
	assert_int_equal(f.svc_id, 3);
	assert_true(f.last_seen_ns == ts);
	assert_int_equal(f.flags, 0);
	assert_int_equal(f.fwd, XLB_FWD_DSR_L2);
	assert_int_equal(f._pad[0] | f._pad[1] | f._pad[2], 0);
	/* the same bytes as the converter's table entry promises */
	assert_memory_equal(out, old, 16);
	assert_int_equal(out[16] | out[17] | out[18] | out[19] | out[20], 0);
	assert_int_equal(f.isn | f._pad2, 0);
}

/*
 * v2 (24 bytes) -> v3: everything kept but no ISN, so that the next SYN on
 * the 5-tuple is taken for a new connection, never for a retransmission.
 */
static void test_flow_v2(void **state)
{
	__u8 old[24], out[sizeof(struct xlb_flow)];
	__u32 be = 9, svc = 4, flags = XLB_FLOW_F_COUNTED | XLB_FLOW_F_CLOSED;
	__u64 ts = 0x1112131415161718ull;
	struct xlb_flow f;

	(void)state;
	memset(old, 0, sizeof(old));
	memcpy(old, &be, 4);
	memcpy(old + 4, &svc, 4);
	memcpy(old + 8, &ts, 8);
	memcpy(old + 16, &flags, 4);
	old[20] = XLB_FWD_GUE;
	memset(out, 0xaa, sizeof(out));
	xlb_migrate_flow_v2(old, out);
	memcpy(&f, out, sizeof(f));
	assert_int_equal(f.backend_id, 9);
	assert_int_equal(f.svc_id, 4);
	assert_true(f.last_seen_ns == ts);
	assert_int_equal(f.flags, XLB_FLOW_F_COUNTED | XLB_FLOW_F_CLOSED);
	assert_int_equal(f.fwd, XLB_FWD_GUE);
	assert_int_equal(f.isn | f._pad2, 0);
	assert_memory_equal(out, old, 24);
}

/* Resizing (lbd --max-flows): flows are copied as they are; nothing else resizes. */
static void test_resize(void **state)
{
	const struct xlb_migration *m = xlb_migration_resize("flows");
	struct xlb_flow a = {.backend_id = 7, .svc_id = 3, .last_seen_ns = 123456789, .flags = 2,
			     .fwd = XLB_FWD_GUE};
	struct xlb_flow b;

	assert_non_null(m);
	assert_int_equal(m->kind, XLB_MIGRATE_ENTRIES);
	assert_int_equal(m->key_size, sizeof(struct xlb_flow_key));
	assert_int_equal(m->value_size, sizeof(struct xlb_flow));
	memset(&b, 0xee, sizeof(b));
	m->convert(&a, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_null(xlb_migration_resize("stats"));
	assert_null(xlb_migration_resize("tables"));
}

static void test_stats_by_name(void **state)
{
	const struct xlb_migration *m = xlb_migration_find("stats", 3, 4);
	__u64 old[32], cur[XLB_STAT_MAX];
	size_t i, lost;

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->n_names, 17);
	for (i = 0; i < m->n_names; i++)
		old[i] = 1000 + i;
	memset(cur, 0, sizeof(cur));
	lost = xlb_migrate_counters(m->names, m->n_names, old, cur_names, XLB_STAT_MAX, cur);
	assert_int_equal(lost, 0);
	/* by name: every v3 reason lands on the same name in the current list */
	for (i = 0; i < m->n_names; i++) {
		size_t j;

		for (j = 0; j < XLB_STAT_MAX; j++)
			if (!strcmp(cur_names[j], m->names[i]))
				break;
		assert_true(j < XLB_STAT_MAX);
		assert_true(cur[j] == 1000 + i);
	}
	assert_true(cur[XLB_STAT_DROP_RATE_LIMIT] == 0); /* v4 only: starts at 0 */
	assert_true(cur[XLB_STAT_TX_TOO_BIG] == 1016);

	/* a reordered, renamed list: names decide, not indices; unknown ones are counted */
	{
		static const char *const o2[] = {"drop_fib", "gone_reason", "pass_not_ip"};
		__u64 v2[] = {5, 6, 9};

		memset(cur, 0, sizeof(cur));
		cur[XLB_STAT_PASS_NOT_IP] = 20; /* already larger: kept (repeat is harmless) */
		lost = xlb_migrate_counters(o2, 3, v2, cur_names, XLB_STAT_MAX, cur);
		assert_int_equal(lost, 1);
		assert_true(cur[XLB_STAT_DROP_FIB] == 5);
		assert_true(cur[XLB_STAT_PASS_NOT_IP] == 20);
		assert_true(cur[0] == 20 && cur[1] == 0);
		/* a second identical copy changes nothing */
		lost = xlb_migrate_counters(o2, 3, v2, cur_names, XLB_STAT_MAX, cur);
		assert_true(cur[XLB_STAT_DROP_FIB] == 5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_parse),	  cmocka_unit_test(test_table),
	    cmocka_unit_test(test_flow_v1),	  cmocka_unit_test(test_flow_v2),
	    cmocka_unit_test(test_stats_by_name), cmocka_unit_test(test_resize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
