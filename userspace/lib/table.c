// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * table.c - write and read packed Maglev lookup tables (see table.h).
 *
 * Array elements have an 8-byte stride in the kernel (round_up(value_size,
 * 8)), so a table of one 4-byte slot per element wasted half its memory and
 * a 65537-slot table took 512 KiB. Packed, it takes 128 KiB (u16 slots) or
 * 256 KiB (u32 slots): a new flow's random slot read misses the CPU caches
 * and TLB less often (measured in docs/performance.md).
 *
 * The mmap of a BPF_F_MMAPABLE array is its elements back to back, i.e. an
 * array of slots in host byte order, which is how the program indexes them.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "table.h"
#include "xlb.h"

#define ELEM_BYTES 8

__u32 xlb_table_elems(__u32 size, unsigned int slot_bytes)
{
	__u32 per = ELEM_BYTES / slot_bytes;

	return (size + per - 1) / per;
}

static size_t map_len(__u32 elems)
{
	long page = sysconf(_SC_PAGESIZE);

	return ((size_t)elems * ELEM_BYTES + page - 1) / page * page;
}

/* slots[] -> packed bytes (elems * 8), the tail of the last element "none". */
static void pack(void *dst, const __u32 *slots, __u32 size, __u32 elems, unsigned int slot_bytes)
{
	__u32 i, n = elems * (ELEM_BYTES / slot_bytes);

	for (i = 0; i < n; i++) {
		__u32 v = i < size ? slots[i] : XLB_BACKEND_NONE;

		if (slot_bytes == 2)
			((__u16 *)dst)[i] = v == XLB_BACKEND_NONE ? 0xffff : (__u16)v;
		else
			((__u32 *)dst)[i] = v;
	}
}

static void unpack(__u32 *slots, const void *src, __u32 size, unsigned int slot_bytes)
{
	__u32 i;

	for (i = 0; i < size; i++) {
		if (slot_bytes == 2) {
			__u16 v = ((const __u16 *)src)[i];

			slots[i] = v == 0xffff ? XLB_BACKEND_NONE : v;
		} else {
			slots[i] = ((const __u32 *)src)[i];
		}
	}
}

int xlb_table_create(const __u32 *slots, __u32 size, __u32 map_flags, unsigned int slot_bytes)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = map_flags);
	__u32 elems, i;
	size_t len;
	void *m;
	int fd, err = 0;

	if ((slot_bytes != 2 && slot_bytes != 4) || !size)
		return -EINVAL;
	elems = xlb_table_elems(size, slot_bytes);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_table", sizeof(__u32), ELEM_BYTES, elems, &opts);
	if (fd < 0)
		return -errno;
	len = map_len(elems);
	m = (map_flags & BPF_F_MMAPABLE) ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
					 : MAP_FAILED;
	if (m != MAP_FAILED) {
		pack(m, slots, size, elems, slot_bytes);
		munmap(m, len);
		return fd;
	}
	/* Not mappable: element by element (a 65537-slot table is 16,385 of them). */
	m = malloc((size_t)elems * ELEM_BYTES);
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	pack(m, slots, size, elems, slot_bytes);
	for (i = 0; i < elems && !err; i++)
		if (bpf_map_update_elem(fd, &i, (char *)m + (size_t)i * ELEM_BYTES, BPF_ANY))
			err = -errno;
	free(m);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int xlb_table_read(int fd, __u32 *slots, __u32 size, unsigned int slot_bytes)
{
	__u32 elems, i;
	size_t len;
	void *m;
	int err = 0;

	if (slot_bytes != 2 && slot_bytes != 4)
		return -EINVAL;
	elems = xlb_table_elems(size, slot_bytes);
	len = map_len(elems);
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED) {
		unpack(slots, m, size, slot_bytes);
		munmap(m, len);
		return 0;
	}
	m = malloc((size_t)elems * ELEM_BYTES);
	if (!m)
		return -ENOMEM;
	for (i = 0; i < elems && !err; i++)
		if (bpf_map_lookup_elem(fd, &i, (char *)m + (size_t)i * ELEM_BYTES))
			err = -errno;
	if (!err)
		unpack(slots, m, size, slot_bytes);
	free(m);
	return err;
}
