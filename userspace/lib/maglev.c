// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI 2016, section 3.4), written from the
 * paper's description.
 *
 * Each backend has a permutation of the slots: offset = h1(id) % M,
 * skip = h2(id) % (M - 1) + 1, p[j] = (offset + j * skip) % M. Since M is
 * prime every skip is coprime with M, so p visits every slot. Backends take
 * turns; on its turn a backend walks its permutation to the first empty slot
 * and claims it.
 *
 * Weights use integer credit: per round a backend gains w credit and takes one
 * turn for each max_w credit it holds. Round by round that equals "backend i
 * takes its k-th turn (k = 1, 2, ...) in round ceil(k * max_w / w_i)", ties in a
 * round broken by identity order. Instead of scanning all N backends every
 * round (O(M * N) with skewed weights) the turns are drawn from a binary heap
 * keyed by (round, rank): O(M log N) plus the probe walks.
 *
 * Determinism: backends are sorted by identity (family, address) first, so
 * neither input order nor ids change which identity gets which slot, and the
 * hash reads the identity bytes in a fixed order (no host-endian words), so
 * every node computes the same table.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "maglev.h"

/*
 * The hash: XXH64 (Yann Collet, xxHash spec) restricted to its short-input
 * path (< 32 bytes), which is all a 17-byte identity needs. Two seeds give two
 * independent hash functions h1 and h2.
 */
#define P64_1 0x9E3779B185EBCA87ULL
#define P64_2 0xC2B2AE3D27D4EB4FULL
#define P64_3 0x165667B19E3779F9ULL
#define P64_4 0x85EBCA77C2B2AE63ULL
#define P64_5 0x27D4EB2F165667C5ULL

#define MAGLEV_SEED_OFFSET 0x786c622d6f666673ULL /* "xlb-offs" */
#define MAGLEV_SEED_SKIP   0x786c622d736b6970ULL /* "xlb-skip" */

#define IDENT_LEN 17 /* family byte + 16 address bytes */

static inline __u64 rotl64(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline __u64 read_le64(const __u8 *p)
{
	__u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline __u32 read_le32(const __u8 *p)
{
	return (__u32)p[0] | (__u32)p[1] << 8 | (__u32)p[2] << 16 | (__u32)p[3] << 24;
}

static __u64 xxh64_short(const __u8 *p, size_t len, __u64 seed)
{
	__u64 h = seed + P64_5 + len;

	while (len >= 8) {
		__u64 k = read_le64(p) * P64_2;

		k = rotl64(k, 31) * P64_1;
		h ^= k;
		h = rotl64(h, 27) * P64_1 + P64_4;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		h ^= (__u64)read_le32(p) * P64_1;
		h = rotl64(h, 23) * P64_2 + P64_3;
		p += 4;
		len -= 4;
	}
	while (len--) {
		h ^= *p++ * P64_5;
		h = rotl64(h, 11) * P64_1;
	}
	h ^= h >> 33;
	h *= P64_2;
	h ^= h >> 29;
	h *= P64_3;
	h ^= h >> 32;
	return h;
}

static void identity(const struct xlb_maglev_backend *b, __u8 out[IDENT_LEN])
{
	out[0] = b->family;
	memcpy(out + 1, &b->addr, 16); /* network byte order, as stored */
}

int xlb_maglev_size_ok(__u32 n)
{
	__u32 d;

	if (n < 7 || n > XLB_MAX_TABLE_SIZE || !(n & 1))
		return 0;
	for (d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return 0;
	return 1;
}

static int cmp_identity(const void *x, const void *y)
{
	const struct xlb_maglev_backend *a = x, *b = y;

	return xlb_addr_cmp(a->family, &a->addr, b->family, &b->addr);
}

/* Per active backend state, in identity order (index = rank). */
struct mstate {
	__u64 next_round; /* round of its next turn: ceil(turns * max_w / w) */
	__u64 turns;	  /* turns taken so far, counting the pending one */
	__u32 pos;	  /* next slot of its permutation to try */
	__u32 skip;
	__u32 weight;
	__u32 id;
};

/* Heap order: earlier round first, then lower rank (identity order). */
static inline int before(const struct mstate *st, __u32 a, __u32 b)
{
	if (st[a].next_round != st[b].next_round)
		return st[a].next_round < st[b].next_round;
	return a < b;
}

static void sift_down(const struct mstate *st, __u32 *heap, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		__u32 t;

		if (l < n && before(st, heap[l], heap[m]))
			m = l;
		if (r < n && before(st, heap[r], heap[m]))
			m = r;
		if (m == i)
			return;
		t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

static inline __u64 turn_round(__u64 k, __u64 max_w, __u64 w)
{
	return (k * max_w + w - 1) / w;
}

int xlb_maglev_build(const struct xlb_maglev_backend *be, size_t n, __u32 *table, __u32 size)
{
	struct xlb_maglev_backend *sorted = NULL;
	struct mstate *st = NULL;
	__u32 *heap = NULL;
	__u8 ident[IDENT_LEN];
	size_t i, n_active = 0;
	__u32 max_w = 0, filled;
	int err = 0;

	if (!table || !xlb_maglev_size_ok(size) || (n && !be) || n > SIZE_MAX / sizeof(*be))
		return -EINVAL;

	if (!n)
		goto out_empty;

	/* A sorted copy (not an index array) keeps qsort's comparator free of
	 * global state, so concurrent builds are safe. */
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, be, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_identity);
	for (i = 0; i < n; i++) {
		const struct xlb_maglev_backend *b = &sorted[i];

		if (i && !cmp_identity(&sorted[i - 1], b)) {
			err = -EINVAL; /* duplicate identity: which one wins would be arbitrary */
			goto out;
		}
		if (!b->weight)
			continue;
		if (b->id == XLB_BACKEND_NONE) {
			err = -EINVAL; /* would read as an empty slot */
			goto out;
		}
		if (b->weight > max_w)
			max_w = b->weight;
		n_active++;
	}
	if (!n_active)
		goto out_empty;

	st = calloc(n_active, sizeof(*st));
	heap = calloc(n_active, sizeof(*heap));
	if (!st || !heap) {
		err = -ENOMEM;
		goto out;
	}
	n_active = 0;
	for (i = 0; i < n; i++) {
		const struct xlb_maglev_backend *b = &sorted[i];
		struct mstate *s;

		if (!b->weight)
			continue;
		s = &st[n_active];
		identity(b, ident);
		s->pos = xxh64_short(ident, IDENT_LEN, MAGLEV_SEED_OFFSET) % size;
		s->skip = xxh64_short(ident, IDENT_LEN, MAGLEV_SEED_SKIP) % (size - 1) + 1;
		s->weight = b->weight;
		s->id = b->id;
		s->turns = 1;
		s->next_round = turn_round(1, max_w, b->weight);
		heap[n_active] = n_active;
		n_active++;
	}
	for (i = n_active / 2; i-- > 0;)
		sift_down(st, heap, n_active, i);

	/* Nothing can fail from here on: the table is only touched on success. */
	for (i = 0; i < size; i++)
		table[i] = XLB_BACKEND_NONE;
	for (filled = 0; filled < size; filled++) {
		struct mstate *s = &st[heap[0]];

		/* Walk this backend's permutation to its first free slot. There
		 * is one (filled < size) and the walk visits every slot. */
		while (table[s->pos] != XLB_BACKEND_NONE) {
			s->pos += s->skip;
			if (s->pos >= size)
				s->pos -= size;
		}
		table[s->pos] = s->id;
		s->turns++;
		s->next_round = turn_round(s->turns, max_w, s->weight);
		sift_down(st, heap, n_active, 0);
	}
out:
	free(heap);
	free(st);
	free(sorted);
	return err;
out_empty:
	for (i = 0; i < size; i++)
		table[i] = XLB_BACKEND_NONE;
	goto out;
}
