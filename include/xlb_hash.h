/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xlb_hash.h - the flow hash, shared by the XDP data path and user space
 * (lbd, tools, tests), so both sides agree on which table slot a flow maps to.
 *
 * Algorithm: MurmurHash3 x86_32 (Austin Appleby's public-domain design),
 * written here from its description: each 32-bit block is multiplied by c1,
 * rotated left 15, multiplied by c2 and folded into the state, which is then
 * rotated left 13 and stepped with h = h * 5 + 0xe6546b64; the length is
 * mixed in and the "fmix32" avalanche finishes. Every input bit affects every
 * output bit, so flows differing only in the low bits of the source port
 * (Linux connect() picks even ports) still spread over all slots.
 *
 * Deterministic: fixed seed, no per-boot randomness, so every xlb node picks
 * the same slot for the same flow. The blocks are the key's fields read as
 * host-order 32-bit words, i.e. exactly the key's memory image on the
 * little-endian hosts xlb runs on; nodes must share endianness (they do).
 *
 * No libc, fixed-width types only: this header compiles for --target=bpf.
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#include "xlb.h"
#include <linux/types.h>

#define XLB_HASH_SEED 0x786c6221u /* "xlb!": any fixed value; never randomise */

static inline __u32 xlb_rotl32(__u32 x, unsigned int r)
{
	return (x << r) | (x >> (32 - r));
}

/* One Murmur3 body step: scramble block k and fold it into state h. */
static inline __u32 xlb_murmur3_step(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = xlb_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = xlb_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

/* Murmur3 finaliser (fmix32): full avalanche of the state. */
static inline __u32 xlb_murmur3_fmix(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * Hash the 40-byte flow key as ten 32-bit blocks. Fields are read one by one
 * (no type punning of the struct), which the BPF backend compiles to plain
 * 32/16/8-bit loads from the stack copy of the key.
 */
/*
 * always_inline: left to itself clang makes this a BPF subprogram, and each
 * call/return costs a return thunk on CPUs with that mitigation.
 */
static inline __attribute__((always_inline)) __u32 xlb_flow_hash(const struct xlb_flow_key *k)
{
	__u32 h = XLB_HASH_SEED;
	int i;

	/* Constant bound: fully unrolled by clang for BPF. */
	for (i = 0; i < 4; i++)
		h = xlb_murmur3_step(h, k->src.a[i]);
	for (i = 0; i < 4; i++)
		h = xlb_murmur3_step(h, k->dst.a[i]);
	/* Little-endian memory image of the bytes at offset 32 and 36. */
	h = xlb_murmur3_step(h, (__u32)k->sport | ((__u32)k->dport << 16));
	h = xlb_murmur3_step(h, (__u32)k->proto | ((__u32)k->family << 8) | ((__u32)k->_pad << 16));
	h ^= (__u32)sizeof(*k);
	return xlb_murmur3_fmix(h);
}

/*
 * Source-address hash (scheduler `sh`): the client address and family only,
 * so every connection of one client maps to the same table slot.
 */
static inline __u32 xlb_src_hash(const struct xlb_flow_key *k)
{
	__u32 h = XLB_HASH_SEED;
	int i;

	for (i = 0; i < 4; i++)
		h = xlb_murmur3_step(h, k->src.a[i]);
	h = xlb_murmur3_step(h, k->family);
	h ^= 20u;
	return xlb_murmur3_fmix(h);
}

/*
 * Second, independent choice for `lc` (power of two choices): the flow hash
 * re-mixed with a different constant, so the two candidate slots are
 * uncorrelated yet deterministic (tests and other nodes can predict them).
 */
static inline __u32 xlb_flow_hash2(__u32 flow_hash)
{
	return xlb_murmur3_fmix(flow_hash ^ 0x5bd1e995u);
}

/*
 * VIP prefilter (opt-in, see bpf/maps.h xlb_vfilt_v1): a 65536-bit set of
 * "some service may hash here" buckets that lets the data path answer "not
 * a VIP" with one inlined array read instead of a hash-map lookup. A clear
 * bit is definite; a set bit falls through to the exact lookup.
 *
 * The bucket is a multiplicative (Fibonacci) hash of the destination address
 * words (wire order) and destination port: cheap on purpose, it runs on every
 * packet; quality only affects the false-positive rate.
 */
#define XLB_VFILTER_BITS  65536u
#define XLB_VFILTER_WORDS (XLB_VFILTER_BITS / 64) /* __u64 words: the map's max_entries */

static inline __u32 xlb_vfilter_bucket(const struct xlb_addr *dst, __be16 dport)
{
	__u32 x = dst->a[0] ^ dst->a[1] ^ dst->a[2] ^ dst->a[3];

	x ^= (__u32)dport << 7;
	return (x * 0x9e3779b1u) >> 16; /* top 16 bits: 0..XLB_VFILTER_BITS-1 */
}

/*
 * Slot of a flow in the per-CPU flow cache (bpf/fcache.h; lbd's flow
 * explain reads the same slot). Each key word is rotated by its own amount
 * before they are combined (a plain XOR lets equal patterns of source and
 * destination cancel, e.g. IPv6 addresses numbered alike), then a 64-bit
 * finalizer (MurmurHash3's fmix64 constants) spreads every input bit over
 * the top bits the slot is taken from. The 40-byte key is read as five
 * 8-byte words: the caller's key must be 8-aligned.
 */
typedef __u64 __attribute__((may_alias)) xlb_u64a;

static inline __u64 xlb_rotl64(__u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline __attribute__((always_inline)) __u64 xlb_key_hash64(const struct xlb_flow_key *key)
{
	const xlb_u64a *w = (const xlb_u64a *)key;
	__u64 h = w[0] ^ xlb_rotl64(w[1], 13) ^ xlb_rotl64(w[2], 29) ^ xlb_rotl64(w[3], 43) ^
		  xlb_rotl64(w[4], 53);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline __attribute__((always_inline)) __u32 xlb_fcache_slot(const struct xlb_flow_key *key)
{
	return xlb_key_hash64(key) >> (64 - XLB_FCACHE_BITS);
}

#endif /* XLB_HASH_H */
