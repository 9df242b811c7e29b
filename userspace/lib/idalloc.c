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
	a->gen = calloc(size, sizeof(*a->gen));
	a->recall = calloc(XLB_IDALLOC_RECALL, sizeof(*a->recall));
	if (!a->bits || !a->gen || !a->recall) {
		xlb_idalloc_destroy(a);
		return -ENOMEM;
	}
	a->size = size;
	return 0;
}

void xlb_idalloc_destroy(struct xlb_idalloc *a)
{
	free(a->bits);
	free(a->gen);
	free(a->recall);
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
	a->gen[id]++;
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

int xlb_idalloc_get_key(struct xlb_idalloc *a, const void *key, size_t len, __u32 *id)
{
	struct xlb_idalloc_recall *r;
	__u32 n;

	if (!len || len > XLB_IDALLOC_KEY_MAX)
		return -EINVAL;
	for (n = 0; n < XLB_IDALLOC_RECALL; n++) { /* newest first */
		r = &a->recall[(a->recall_next - 1 - n) % XLB_IDALLOC_RECALL];
		if (r->len != len || memcmp(r->key, key, len))
			continue;
		r->len = 0;
		/*
		 * Not the cursor's business: a returning id is no fresh
		 * allocation, so it leaves the cursor where it is.
		 */
		if (r->id < a->size && r->gen == a->gen[r->id] && !xlb_idalloc_used(a, r->id)) {
			set_bit(a, r->id);
			*id = r->id;
			return 0;
		}
		break;
	}
	return xlb_idalloc_get(a, id);
}

void xlb_idalloc_put_key(struct xlb_idalloc *a, __u32 id, const void *key, size_t len)
{
	struct xlb_idalloc_recall *r;

	if (!xlb_idalloc_used(a, id))
		return;
	xlb_idalloc_put(a, id);
	if (!len || len > XLB_IDALLOC_KEY_MAX)
		return;
	r = &a->recall[a->recall_next++ % XLB_IDALLOC_RECALL];
	memcpy(r->key, key, len);
	r->len = len;
	r->id = id;
	r->gen = a->gen[id];
}
