// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Id allocator (userspace/lib/idalloc.c): cursor order, wrap, no immediate reuse, adoption. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cursor),
	    cmocka_unit_test(test_no_immediate_reuse),
	    cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
