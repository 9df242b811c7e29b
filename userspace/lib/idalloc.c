// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "idalloc.h"

int xlb_idalloc_init(struct xlb_idalloc *a, __u32 size)
{
	memset(a, 0, sizeof(*a));
	if (!size)
		return -EINVAL;
	a->bits = calloc((size + 63) / 64, sizeof(*a->bits));
	if (!a->bits)
		return -ENOMEM;
	a->size = size;
	return 0;
}

void xlb_idalloc_destroy(struct xlb_idalloc *a)
{
	free(a->bits);
	memset(a, 0, sizeof(*a));
}

bool xlb_idalloc_used(const struct xlb_idalloc *a, __u32 id)
{
	return id < a->size && (a->bits[id / 64] >> (id % 64)) & 1;
}

static void set_bit(struct xlb_idalloc *a, __u32 id)
{
	a->bits[id / 64] |= 1ull << (id % 64);
	a->used++;
}

int xlb_idalloc_get(struct xlb_idalloc *a, __u32 *id)
{
	__u32 i, n;

	if (a->used >= a->size)
		return -ENOSPC;
	for (n = 0, i = a->cursor % a->size; n < a->size; n++, i = (i + 1) % a->size) {
		if (!xlb_idalloc_used(a, i)) {
			set_bit(a, i);
			a->cursor = (i + 1) % a->size;
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

int xlb_idalloc_reserve(struct xlb_idalloc *a, __u32 id)
{
	if (id >= a->size)
		return -ERANGE;
	if (xlb_idalloc_used(a, id))
		return -EEXIST;
	set_bit(a, id);
	if (id >= a->cursor)
		a->cursor = (id + 1) % a->size;
	return 0;
}

void xlb_idalloc_put(struct xlb_idalloc *a, __u32 id)
{
	if (!xlb_idalloc_used(a, id))
		return;
	a->bits[id / 64] &= ~(1ull << (id % 64));
	a->used--;
}
