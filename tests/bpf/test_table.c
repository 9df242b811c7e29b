// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_table.c - packed lookup tables (userspace/lib/table.c) as the kernel
 * stores them: what xlb_table_create() writes through the mapping must be
 * what the data path reads element by element (slot s in element s / pack,
 * host byte order, the tail of the last element "none"), and
 * xlb_table_read() must give back every slot, for 16- and 32-bit slots, for
 * sizes that do and do not fill the last element, and without BPF_F_MMAPABLE
 * (the element-by-element fallback). Needs root (creates maps); skipped
 * otherwise.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "table.h"
#include "xlb.h"

static void require_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* Slot values: ids, some "none", deterministic. */
static void fill(__u32 *slots, __u32 size, __u32 max_id)
{
	__u32 i;

	for (i = 0; i < size; i++)
		slots[i] = i % 7 == 3 ? XLB_BACKEND_NONE : (i * 2654435761u) % max_id;
}

static void check_layout(int fd, const __u32 *slots, __u32 size, unsigned int w)
{
	__u32 per = 8 / w, elems = xlb_table_elems(size, w), e, j;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	assert_int_equal(info.value_size, 8);
	assert_int_equal(info.max_entries, elems);
	for (e = 0; e < elems; e++) {
		__u8 v[8];

		assert_int_equal(bpf_map_lookup_elem(fd, &e, v), 0);
		for (j = 0; j < per; j++) {
			__u32 s = e * per + j, got, want;

			if (w == 2) {
				__u16 x;

				memcpy(&x, v + 2 * j, 2);
				got = x == 0xffff ? XLB_BACKEND_NONE : x;
			} else {
				memcpy(&got, v + 4 * j, 4);
			}
			want = s < size ? slots[s] : XLB_BACKEND_NONE;
			if (got != want)
				fail_msg("width %u size %u: slot %u holds %u, expected %u", w, size, s, got,
					 want);
		}
	}
}

static void round_trip(__u32 size, unsigned int w, __u32 flags)
{
	__u32 *slots = malloc(size * sizeof(*slots)), *back = malloc(size * sizeof(*back));
	int fd;

	assert_non_null(slots);
	assert_non_null(back);
	fill(slots, size, w == 2 ? 0xfffe : 0x7fffffff);
	fd = xlb_table_create(slots, size, flags, w);
	assert_true(fd >= 0);
	check_layout(fd, slots, size, w);
	memset(back, 0, size * sizeof(*back));
	assert_int_equal(xlb_table_read(fd, back, size, w), 0);
	assert_memory_equal(back, slots, size * sizeof(*slots));
	close(fd);
	free(slots);
	free(back);
}

static void test_packed_u16(void **state)
{
	static const __u32 sizes[] = {1, 7, 251, 65537, 65539};
	size_t i;

	require_root();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(sizes[i], 2, BPF_F_MMAPABLE);
}

static void test_packed_u32(void **state)
{
	static const __u32 sizes[] = {1, 7, 251, 65537};
	size_t i;

	require_root();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(sizes[i], 4, BPF_F_MMAPABLE);
}

static void test_not_mappable(void **state)
{
	require_root();
	round_trip(251, 2, 0);
	round_trip(251, 4, 0);
}

static void test_bad_arguments(void **state)
{
	__u32 s = 1;

	assert_int_equal(xlb_table_create(&s, 1, 0, 3), -EINVAL);
	assert_int_equal(xlb_table_create(&s, 0, 0, 2), -EINVAL);
	assert_int_equal(xlb_table_elems(65537, 2), 16385);
	assert_int_equal(xlb_table_elems(65537, 4), 32769);
	assert_int_equal(xlb_table_elems(65536, 2), 16384);
	/* The shipped build's slot width and the data path's element count agree. */
	assert_int_equal(xlb_table_elems(XLB_DEFAULT_TABLE_SIZE, XLB_SLOT_BYTES),
			 XLB_TABLE_ELEMS(XLB_DEFAULT_TABLE_SIZE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_packed_u16),
	    cmocka_unit_test(test_packed_u32),
	    cmocka_unit_test(test_not_mappable),
	    cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
