// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted Maglev (userspace/lib/maglev.c): balance, disruption, determinism,
 * edge cases. Measured numbers are printed (informational).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "maglev.h"

#define M_DEFAULT 65537u
#define M_BIG	  1048573u

enum wmode { W_EQUAL, W_MIXED, W_RANDOM };

static __u64 rng_state;

static __u32 rng(void) /* xorshift64*, fixed seed per test: reproducible */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (__u32)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static void set_addr(struct xlb_maglev_backend *b, __u32 i, __u8 family)
{
	memset(&b->addr, 0, sizeof(b->addr));
	b->family = family;
	if (family == XLB_AF_INET) {
		b->addr.a[0] = htonl(0x0a000000u + i + 1); /* 10.0.0.1 + i */
	} else {
		b->addr.a[0] = htonl(0x20010db8u); /* 2001:db8::/96 + i */
		b->addr.a[3] = htonl(i + 1);
	}
}

static struct xlb_maglev_backend *make_backends(size_t n, enum wmode mode, __u8 family)
{
	struct xlb_maglev_backend *be = calloc(n ? n : 1, sizeof(*be));
	size_t i;

	assert_non_null(be);
	rng_state = 0x786c62u + n;
	for (i = 0; i < n; i++) {
		be[i].id = (__u32)i;
		set_addr(&be[i], (__u32)i, family);
		switch (mode) {
		case W_EQUAL:
			be[i].weight = 100;
			break;
		case W_MIXED:
			be[i].weight = (__u32)(i % 5) + 1; /* 1..5 */
			break;
		case W_RANDOM:
			/* 100..199: wide enough to be "mixed", and the lightest
			 * backend still has enough slots at N=1000 that a 1%
			 * relative check is meaningful (see check_balance). */
			be[i].weight = 100 + rng() % 100;
			break;
		}
	}
	return be;
}

static __u32 *build(const struct xlb_maglev_backend *be, size_t n, __u32 size)
{
	__u32 *t = malloc(size * sizeof(*t));

	assert_non_null(t);
	assert_int_equal(xlb_maglev_build(be, n, t, size), 0);
	return t;
}

static void count_slots(const __u32 *t, __u32 size, size_t n, __u32 *cnt)
{
	__u32 i;

	memset(cnt, 0, n * sizeof(*cnt));
	for (i = 0; i < size; i++) {
		assert_true(t[i] < n);
		cnt[t[i]]++;
	}
}

/*
 * Each backend's share of slots against its weight share. Relative check:
 * |share - wshare| <= 0.01 * wshare. With abs_slot set, one extra slot of
 * slack (1/M) is allowed on top: the credit scheme hands out whole slots, so a
 * backend is at most one slot away from its exact share, and at N=1000 and
 * M=65537 one slot (1/65537 = 0.0015%) is more than 1% of a ~65-slot share.
 * Returns the largest relative error seen.
 */
static double check_balance(const struct xlb_maglev_backend *be, size_t n, __u32 size, int abs_slot)
{
	__u32 *t = build(be, n, size), *cnt = calloc(n, sizeof(*cnt));
	double sumw = 0, max_rel = 0;
	size_t i;

	assert_non_null(cnt);
	count_slots(t, size, n, cnt);
	for (i = 0; i < n; i++)
		sumw += be[i].weight;
	for (i = 0; i < n; i++) {
		double share = (double)cnt[i] / size, wshare = be[i].weight / sumw;
		double dev = share > wshare ? share - wshare : wshare - share;
		double tol = 0.01 * wshare + (abs_slot ? 1.0 / size : 0);

		if (dev / wshare > max_rel)
			max_rel = dev / wshare;
		if (dev > tol)
			fail_msg("n=%zu M=%u backend %zu: %u slots, share %.6f, weight share %.6f",
				 n, size, i, cnt[i], share, wshare);
	}
	free(cnt);
	free(t);
	return max_rel;
}

static const char *mode_name(enum wmode m)
{
	return m == W_EQUAL ? "equal" : m == W_MIXED ? "1..5" : "rand";
}

static void balance_case(size_t n, enum wmode mode, __u8 family)
{
	struct xlb_maglev_backend *be = make_backends(n, mode, family);
	double r;

	if (n >= 1000) {
		r = check_balance(be, n, M_BIG, 0);
		printf("  balance  n=%-4zu %-5s v%u M=%-7u max relative error %.4f%%\n", n,
		       mode_name(mode), family, M_BIG, r * 100);
		r = check_balance(be, n, M_DEFAULT, 1);
		printf(
		    "  balance  n=%-4zu %-5s v%u M=%-7u max relative error %.4f%% (1-slot slack)\n",
		    n, mode_name(mode), family, M_DEFAULT, r * 100);
	} else {
		r = check_balance(be, n, M_DEFAULT, 0);
		printf("  balance  n=%-4zu %-5s v%u M=%-7u max relative error %.4f%%\n", n,
		       mode_name(mode), family, M_DEFAULT, r * 100);
	}
	free(be);
}

static void test_balance(void **state)
{
	static const size_t ns[] = {3, 10, 100, 1000};
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		balance_case(ns[i], W_EQUAL, XLB_AF_INET);
		balance_case(ns[i], W_MIXED, XLB_AF_INET);
		balance_case(ns[i], W_RANDOM, XLB_AF_INET);
	}
}

static void test_ipv6(void **state)
{
	balance_case(10, W_MIXED, XLB_AF_INET6);
	balance_case(100, W_EQUAL, XLB_AF_INET6);
}

/*
 * Remove one of N backends: at most 1/N (its own share) plus 1% of the table
 * may change owner. Adding it back restores the identical table.
 */
static void disruption_case(size_t n, enum wmode mode)
{
	struct xlb_maglev_backend *be = make_backends(n, mode, XLB_AF_INET);
	size_t victim = n / 2, i;
	__u32 *t0, *t1, *t2, moved = 0, size = M_DEFAULT;
	double sumw = 0, allowed;

	for (i = 0; i < n; i++)
		sumw += be[i].weight;
	t0 = build(be, n, size);
	/* Removal = the victim swapped to the end and the array shortened. */
	{
		struct xlb_maglev_backend tmp = be[victim];

		be[victim] = be[n - 1];
		be[n - 1] = tmp;
	}
	t1 = build(be, n - 1, size);
	for (i = 0; i < size; i++)
		moved += t0[i] != t1[i];
	allowed = (mode == W_EQUAL ? 1.0 / n : be[n - 1].weight / sumw) + 0.01;
	printf("  disrupt  n=%-4zu %-5s remove one: moved %.4f%% of slots (own share %.4f%%, "
	       "limit %.4f%%)\n",
	       n, mode_name(mode), 100.0 * moved / size, 100.0 * be[n - 1].weight / sumw,
	       allowed * 100);
	assert_true((double)moved / size <= allowed);
	t2 = build(be, n, size);
	assert_memory_equal(t0, t2, size * sizeof(*t0));
	free(t0);
	free(t1);
	free(t2);
	free(be);
}

static void test_disruption(void **state)
{
	static const size_t ns[] = {3, 10, 100, 1000};
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		disruption_case(ns[i], W_EQUAL);
		disruption_case(ns[i], W_MIXED);
	}
}

/* Shuffled input with ids renamed gives the same table up to the renaming. */
static void test_order_and_ids_irrelevant(void **state)
{
	static const size_t ns[] = {3, 10, 100, 1000};
	size_t k, i;

	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		size_t n = ns[k];
		struct xlb_maglev_backend *be = make_backends(n, W_RANDOM, XLB_AF_INET);
		__u32 *t0 = build(be, n, M_DEFAULT), *t1;

		rng_state = 42;
		for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = rng() % (i + 1);
			struct xlb_maglev_backend tmp = be[i];

			be[i] = be[j];
			be[j] = tmp;
		}
		for (i = 0; i < n; i++)
			be[i].id = be[i].id * 7 + 1000; /* a different, consistent id space */
		t1 = build(be, n, M_DEFAULT);
		for (i = 0; i < M_DEFAULT; i++)
			assert_int_equal(t1[i], t0[i] * 7 + 1000);
		free(t0);
		free(t1);
		free(be);
	}
}

static void test_weight_zero(void **state)
{
	size_t n = 20, i;
	struct xlb_maglev_backend *be = make_backends(n, W_MIXED, XLB_AF_INET);
	struct xlb_maglev_backend nz[20];
	__u32 *t0, *t1, cnt[20];
	size_t m;

	/* Backends 0, 5, 10, 15 weigh nothing. */
	for (i = 0; i < n; i += 5)
		be[i].weight = 0;
	t0 = build(be, n, M_DEFAULT);
	count_slots(t0, M_DEFAULT, n, cnt);
	for (i = 0; i < n; i++) {
		if (i % 5 == 0)
			assert_int_equal(cnt[i], 0);
		else
			assert_true(cnt[i] > 0);
	}
	/* And a zero-weight backend is exactly as if it were absent. */
	for (i = 0, m = 0; i < n; i++)
		if (be[i].weight)
			nz[m++] = be[i];
	t1 = build(nz, m, M_DEFAULT);
	assert_memory_equal(t0, t1, M_DEFAULT * sizeof(*t0));
	free(t0);
	free(t1);
	free(be);
}

static void test_empty(void **state)
{
	struct xlb_maglev_backend *be = make_backends(3, W_EQUAL, XLB_AF_INET);
	__u32 t[251], i;

	memset(t, 0, sizeof(t));
	assert_int_equal(xlb_maglev_build(NULL, 0, t, 251), 0);
	for (i = 0; i < 251; i++)
		assert_int_equal(t[i], XLB_BACKEND_NONE);
	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++)
		be[i].weight = 0;
	assert_int_equal(xlb_maglev_build(be, 3, t, 251), 0);
	for (i = 0; i < 251; i++)
		assert_int_equal(t[i], XLB_BACKEND_NONE);
	free(be);
}

static void test_single(void **state)
{
	struct xlb_maglev_backend *be = make_backends(1, W_EQUAL, XLB_AF_INET);
	__u32 t[7], i;

	be[0].id = 9;
	assert_int_equal(xlb_maglev_build(be, 1, t, 7), 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(t[i], 9);
	free(be);
}

static void test_sizes(void **state)
{
	static const __u32 bad[] = {0,		1,	 2,	  3,
				    4,		5,	 9,	  65535,
				    65536,	1048575, 1048576, 1048583 /* prime, too large */,
				    0xffffffffu};
	static const __u32 good[] = {7, 11, 251, 4093, 65537, 1048573};
	struct xlb_maglev_backend *be = make_backends(3, W_EQUAL, XLB_AF_INET);
	__u32 *t = malloc(M_BIG * sizeof(*t));
	size_t i;

	assert_non_null(t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(xlb_maglev_size_ok(bad[i]));
		/* Only build with sizes the buffer holds; larger ones must fail before use. */
		assert_int_equal(xlb_maglev_build(be, 3, t, bad[i]), -EINVAL);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(xlb_maglev_size_ok(good[i]));
		assert_int_equal(xlb_maglev_build(be, 3, t, good[i]), 0);
	}
	assert_int_equal(xlb_maglev_build(be, 3, NULL, 7), -EINVAL);
	free(t);
	free(be);
}

static void test_duplicate(void **state)
{
	struct xlb_maglev_backend *be = make_backends(10, W_EQUAL, XLB_AF_INET);
	__u32 t[251];

	be[7].addr = be[2].addr;
	be[7].id = 77;
	memset(t, 0x11, sizeof(t));
	assert_int_equal(xlb_maglev_build(be, 10, t, 251), -EINVAL);
	assert_int_equal(t[0], 0x11111111); /* a failed build leaves the table alone */
	be[7].weight = 0;		    /* still a duplicate identity */
	assert_int_equal(xlb_maglev_build(be, 10, t, 251), -EINVAL);
	/* Same bytes, other family: a different identity. */
	be[7].family = XLB_AF_INET6;
	be[7].weight = 100;
	assert_int_equal(xlb_maglev_build(be, 10, t, 251), 0);
	free(be);
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e3 + (b.tv_nsec - a->tv_nsec) / 1e6;
}

static void test_timing(void **state)
{
	struct xlb_maglev_backend *be = make_backends(1000, W_RANDOM, XLB_AF_INET);
	__u32 *t = malloc(M_BIG * sizeof(*t));
	struct timespec ts;

	assert_non_null(t);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_int_equal(xlb_maglev_build(be, 1000, t, M_DEFAULT), 0);
	printf("  time     n=1000 M=%u: %.2f ms\n", M_DEFAULT, ms_since(&ts));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_int_equal(xlb_maglev_build(be, 1000, t, M_BIG), 0);
	printf("  time     n=1000 M=%u: %.2f ms\n", M_BIG, ms_since(&ts));
	/* Very skewed weights: the case a per-round scan of all backends is slow in. */
	be[0].weight = 65535;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_int_equal(xlb_maglev_build(be, 1000, t, M_BIG), 0);
	printf("  time     n=1000 M=%u one heavy backend: %.2f ms\n", M_BIG, ms_since(&ts));
	free(t);
	free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_single),
	    cmocka_unit_test(test_duplicate),
	    cmocka_unit_test(test_weight_zero),
	    cmocka_unit_test(test_balance),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_disruption),
	    cmocka_unit_test(test_order_and_ids_irrelevant),
	    cmocka_unit_test(test_timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
