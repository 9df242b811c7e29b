// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Id allocator (userspace/lib/idalloc.c): cursor order, wrap, no immediate reuse, adoption,
 * remembered ids (a key that comes back gets its id unless it was taken meanwhile).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "idalloc.h"

static void test_cursor(void **state)
{
	struct xlb_idalloc a;
	__u32 id, i;

	assert_int_equal(xlb_idalloc_init(&a, 0), -EINVAL);
	assert_int_equal(xlb_idalloc_init(&a, 4), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(xlb_idalloc_get(&a, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(xlb_idalloc_get(&a, &id), -ENOSPC);
	/* free 1: it is the only free id, so it comes back (after wrapping) */
	xlb_idalloc_put(&a, 1);
	assert_false(xlb_idalloc_used(&a, 1));
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_equal(id, 1);
	/* free 0 and 2: the cursor is past 1, so 2 comes before 0 */
	xlb_idalloc_put(&a, 0);
	xlb_idalloc_put(&a, 2);
	xlb_idalloc_put(&a, 2); /* double free: harmless */
	xlb_idalloc_put(&a, 99); /* out of range: harmless */
	assert_int_equal(a.used, 2);
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_equal(id, 0);
	xlb_idalloc_destroy(&a);
}

static void test_no_immediate_reuse(void **state)
{
	struct xlb_idalloc a;
	__u32 id, first;

	assert_int_equal(xlb_idalloc_init(&a, 100), 0);
	assert_int_equal(xlb_idalloc_get(&a, &first), 0);
	xlb_idalloc_put(&a, first);
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_not_equal(id, first);
	xlb_idalloc_destroy(&a);
}

static void test_reserve(void **state)
{
	struct xlb_idalloc a;
	__u32 id;

	assert_int_equal(xlb_idalloc_init(&a, 130), 0);
	assert_int_equal(xlb_idalloc_reserve(&a, 3), 0);
	assert_int_equal(xlb_idalloc_reserve(&a, 70), 0);
	assert_int_equal(xlb_idalloc_reserve(&a, 70), -EEXIST);
	assert_int_equal(xlb_idalloc_reserve(&a, 130), -ERANGE);
	assert_true(xlb_idalloc_used(&a, 70));
	assert_false(xlb_idalloc_used(&a, 69));
	/* new ids come after the highest adopted one */
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_equal(id, 71);
	assert_int_equal(xlb_idalloc_reserve(&a, 129), 0);
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_equal(id, 0); /* wrapped */
	xlb_idalloc_destroy(&a);
}

/* A service and its backends leave and come back (apply, rollback): same ids. */
static void test_key_returns(void **state)
{
	struct xlb_idalloc a;
	__u32 id, web, api, other;

	assert_int_equal(xlb_idalloc_init(&a, 8), 0);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &web), 0);
	assert_int_equal(xlb_idalloc_get_key(&a, "api", 3, &api), 0);
	assert_int_equal(web, 0); /* unknown keys: cursor order */
	assert_int_equal(api, 1);
	xlb_idalloc_put_key(&a, web, "web", 3);
	assert_false(xlb_idalloc_used(&a, web));
	/* meanwhile: fresh allocations go on past the freed id */
	assert_int_equal(xlb_idalloc_get_key(&a, "new", 3, &other), 0);
	assert_int_equal(other, 2);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &id), 0);
	assert_int_equal(id, web);
	assert_true(xlb_idalloc_used(&a, web));
	/* the cursor did not move: the next fresh id follows "new" */
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_equal(id, 3);
	/* the memory is consumed: freed with a plain put, web is not remembered */
	xlb_idalloc_put(&a, web);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &id), 0);
	assert_int_equal(id, 4);
	/* keys are whole byte strings: a prefix or another length is another key */
	xlb_idalloc_put_key(&a, api, "api", 3);
	assert_int_equal(xlb_idalloc_get_key(&a, "ap", 2, &id), 0);
	assert_int_not_equal(id, api);
	assert_int_equal(xlb_idalloc_get_key(&a, "api", 3, &id), 0);
	assert_int_equal(id, api);
	/* bad key lengths */
	assert_int_equal(xlb_idalloc_get_key(&a, "x", 0, &id), -EINVAL);
	assert_int_equal(xlb_idalloc_get_key(&a, "x", XLB_IDALLOC_KEY_MAX + 1, &id), -EINVAL);
	xlb_idalloc_destroy(&a);
}

/*
 * An id another key took meanwhile is not given back, even after that one
 * freed it again: ids stay unique, and a new service never looks like the
 * returning one (nor the other way round) to flows or counters.
 */
static void test_key_taken_meanwhile(void **state)
{
	struct xlb_idalloc a;
	__u32 id, web, b, i;

	assert_int_equal(xlb_idalloc_init(&a, 2), 0);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &web), 0);
	assert_int_equal(xlb_idalloc_get(&a, &b), 0);
	xlb_idalloc_put_key(&a, web, "web", 3);
	assert_int_equal(xlb_idalloc_get_key(&a, "db", 2, &id), 0);
	assert_int_equal(id, web); /* the only free id */
	/* taken while it was in use: get_key must not hand it out twice */
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &id), -ENOSPC);
	/* freed again by db: still not web's (it was reused in between) */
	xlb_idalloc_put(&a, web);
	xlb_idalloc_put(&a, b);
	assert_int_equal(xlb_idalloc_get(&a, &id), 0);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &id), 0);
	assert_int_equal(a.used, 2);
	xlb_idalloc_destroy(&a);

	/* reserve (adoption) counts as taken too */
	assert_int_equal(xlb_idalloc_init(&a, 4), 0);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &web), 0);
	xlb_idalloc_put_key(&a, web, "web", 3);
	assert_int_equal(xlb_idalloc_reserve(&a, web), 0);
	xlb_idalloc_put(&a, web);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &id), 0);
	assert_int_not_equal(id, web);
	xlb_idalloc_destroy(&a);

	/* the newest free of a key wins; only the newest XLB_IDALLOC_RECALL are kept */
	assert_int_equal(xlb_idalloc_init(&a, XLB_IDALLOC_RECALL + 8), 0);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &web), 0);
	xlb_idalloc_put_key(&a, web, "web", 3);
	for (i = 0; i < XLB_IDALLOC_RECALL; i++) {
		assert_int_equal(xlb_idalloc_get(&a, &id), 0);
		xlb_idalloc_put_key(&a, id, "x", 1);
	}
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &id), 0);
	assert_int_not_equal(id, web); /* forgotten */
	xlb_idalloc_put_key(&a, id, "web", 3);
	assert_int_equal(xlb_idalloc_get_key(&a, "web", 3, &b), 0);
	assert_int_equal(b, id);
	/* put_key of a free id remembers nothing */
	xlb_idalloc_put_key(&a, 5, "five", 4);
	assert_int_equal(xlb_idalloc_get_key(&a, "five", 4, &id), 0);
	assert_int_not_equal(id, 5);
	xlb_idalloc_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cursor),
	    cmocka_unit_test(test_no_immediate_reuse),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_key_returns),
	    cmocka_unit_test(test_key_taken_meanwhile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
