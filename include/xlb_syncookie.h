/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xlb_syncookie.h - the SYN cookie, shared by the balancer's XDP program
 * (bpf/syncookie.h), the backend's tc program (bpf/decap.bpf.c) and user
 * space (tests, tools), so that every side makes and checks the same cookie.
 *
 * A cookie is the sequence number of the SYN-ACK the balancer sends for the
 * VIP; the client's ACK returns it plus one. Its 32 bits:
 *
 *   31..30  the low two bits of the time counter t when it was made
 *   29..27  MSS index: the largest XLB_SC_MSS* value <= the client's MSS
 *   26..0   MAC: 27 bits of SipHash-1-3, keyed with a 128-bit secret, over
 *           (client address, VIP, ports, client ISN, t, MSS index, option bits)
 *
 * t is CLOCK_TAI >> XLB_SC_PERIOD_SHIFT (68.7 s steps): a clock every node
 * and backend shares when they run NTP/PTP, unlike CLOCK_MONOTONIC. A cookie
 * is accepted for t, t+1 and t+2 (the checker finds t from its two bits), so
 * for 137 to 206 s, as Linux's own cookies (2 to 3 minutes).
 *
 * Option bits (6): the client's window scale (4 bits, XLB_SC_WS_NONE = none)
 * and SACK-permitted (bit 4). They travel in the low 6 bits of the SYN-ACK's
 * timestamp value and come back in the ACK's TSecr, as Linux does; a client
 * that sends no timestamps gets neither window scaling nor SACK (the MAC
 * then covers XLB_SC_WS_NONE). The MAC covers them, so a client cannot
 * claim options it did not send on a cookie it did not get.
 *
 * Why SipHash-1-3 rather than -2-4: the MAC is truncated to 27 bits and the
 * secret rotates; an attacker's best forgery is a guess (2^-27 per try, two
 * secrets: 2^-26), and -1-3 halves the data path's cost (docs/filtering.md).
 *
 * No libc, fixed-width types only: this header compiles for --target=bpf.
 */
#ifndef XLB_SYNCOOKIE_H
#define XLB_SYNCOOKIE_H

#include "xlb.h"
#include <linux/types.h>

#define XLB_SC_PERIOD_SHIFT 36 /* one time counter step: 2^36 ns = 68.7 s of CLOCK_TAI */
#define XLB_SC_MAX_AGE	    2  /* steps after its own that a cookie stays valid */
#define XLB_SC_MAC_MASK	    0x07ffffffu
#define XLB_SC_WS_NONE	    0xf	 /* option bits: no window scale option */
#define XLB_SC_SACK	    0x10 /* option bits: SACK permitted */
#define XLB_SC_OPT_MASK	    0x3f
#define XLB_SC_WSCALE	    7	  /* window scale the SYN-ACK announces (rcv_wscale) */
#define XLB_SC_WINDOW	    65535 /* window of the SYN-ACK (never scaled) */
#define XLB_SC_TS_SHIFT	    20	  /* timestamp clock: CLOCK_TAI >> 20 (1.05 ms ticks) */

/* MSS values a cookie can encode, ascending (3 bits). */
static inline __attribute__((always_inline)) __u16 xlb_sc_mss(__u32 idx, __u8 family)
{
	/* IPv6: the IPv4 value less the 20 bytes of larger header. */
	__u16 sub = family == XLB_AF_INET6 ? 20 : 0;

	switch (idx & 7) {
	case 0:
		return family == XLB_AF_INET6 ? 1220 : 536; /* each family's minimum */
	case 1:
		return 1220 - sub;
	case 2:
		return 1300 - sub;
	case 3:
		return 1380 - sub;
	case 4:
		return 1400 - sub;
	case 5:
		return 1440 - sub;
	case 6:
		return 1452 - sub;
	default:
		return 1460 - sub;
	}
}

/* Index of the largest encodable MSS <= mss (0 when mss is below them all). */
static inline __attribute__((always_inline)) __u32 xlb_sc_mss_idx(__u16 mss, __u8 family)
{
	__u32 i;

	for (i = 7; i > 0; i--)
		if (xlb_sc_mss(i, family) <= mss)
			return i;
	return 0;
}

static inline __attribute__((always_inline)) __u64 xlb_sc_rotl(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define XLB_SIPROUND(v0, v1, v2, v3)                                                               \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = xlb_sc_rotl(v1, 13);                                                          \
		v1 ^= v0;                                                                          \
		v0 = xlb_sc_rotl(v0, 32);                                                          \
		v2 += v3;                                                                          \
		v3 = xlb_sc_rotl(v3, 16);                                                          \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = xlb_sc_rotl(v3, 21);                                                          \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = xlb_sc_rotl(v1, 17);                                                          \
		v1 ^= v2;                                                                          \
		v2 = xlb_sc_rotl(v2, 32);                                                          \
	} while (0)

/*
 * The 27-bit MAC. IPv4 hashes three 8-byte words, IPv6 six; the message
 * length (SipHash's last byte) tells them apart. Words are the fields' memory
 * images (wire order) read as little-endian, as in xlb_hash.h.
 */
static inline __attribute__((always_inline)) __u32
xlb_sc_mac(const __u64 k[2], const struct xlb_flow_key *key, __be32 isn, __u32 t, __u32 bits)
{
	__u64 v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
	__u64 v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
	__u64 m[6], b, h;
	int i, n;

	if (key->family == XLB_AF_INET6) {
		m[0] = key->src.a[0] | (__u64)key->src.a[1] << 32;
		m[1] = key->src.a[2] | (__u64)key->src.a[3] << 32;
		m[2] = key->dst.a[0] | (__u64)key->dst.a[1] << 32;
		m[3] = key->dst.a[2] | (__u64)key->dst.a[3] << 32;
		m[4] = key->sport | (__u32)key->dport << 16 | (__u64)isn << 32;
		m[5] = t | (__u64)bits << 32;
		n = 6;
	} else {
		m[0] = key->src.a[0] | (__u64)key->dst.a[0] << 32;
		m[1] = key->sport | (__u32)key->dport << 16 | (__u64)isn << 32;
		m[2] = t | (__u64)bits << 32;
		m[3] = m[4] = m[5] = 0;
		n = 3;
	}
	for (i = 0; i < 6; i++) {
		if (i >= n)
			break;
		v3 ^= m[i];
		XLB_SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	b = (__u64)(n * 8) << 56;
	v3 ^= b;
	XLB_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	XLB_SIPROUND(v0, v1, v2, v3);
	XLB_SIPROUND(v0, v1, v2, v3);
	XLB_SIPROUND(v0, v1, v2, v3);
	h = v0 ^ v1 ^ v2 ^ v3;
	return (__u32)(h ^ (h >> 32)) & XLB_SC_MAC_MASK;
}

/* The cookie (host order) for a SYN; isn the client's sequence number (wire order). */
static inline __attribute__((always_inline)) __u32 xlb_sc_make(const __u64 k[2],
							       const struct xlb_flow_key *key,
							       __be32 isn, __u32 t, __u32 mss_idx,
							       __u32 opts)
{
	__u32 bits = (mss_idx & 7) | (opts & XLB_SC_OPT_MASK) << 3;

	return (t & 3) << 30 | (mss_idx & 7) << 27 | xlb_sc_mac(k, key, isn, t, bits);
}

/*
 * Check cookie (host order: the ACK's ack_seq - 1) for the flow key, the
 * client ISN (the ACK's seq - 1, wire order), the current time counter now
 * and the option bits the ACK echoes (TSecr & XLB_SC_OPT_MASK, or
 * XLB_SC_WS_NONE without timestamps). The MSS index (0..7), or -1 when
 * expired or made with neither secret.
 */
static inline __attribute__((always_inline)) int xlb_sc_check(const struct xlb_sc_keys *ks,
							      const struct xlb_flow_key *key,
							      __be32 isn, __u32 cookie, __u32 now,
							      __u32 opts)
{
	__u32 age = (now - (cookie >> 30)) & 3, t = now - age;
	__u32 idx = (cookie >> 27) & 7, mac = cookie & XLB_SC_MAC_MASK;
	__u32 bits = idx | (opts & XLB_SC_OPT_MASK) << 3;

	if (age > XLB_SC_MAX_AGE)
		return -1;
	if ((ks->flags & XLB_SC_F_CUR) && xlb_sc_mac(ks->cur, key, isn, t, bits) == mac)
		return (int)idx;
	if ((ks->flags & XLB_SC_F_PREV) && xlb_sc_mac(ks->prev, key, isn, t, bits) == mac)
		return (int)idx;
	return -1;
}

#endif /* XLB_SYNCOOKIE_H */
