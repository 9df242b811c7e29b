/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tcpopt.h - the TCP options SYN cookies need (MSS, window scale,
 * SACK-permitted, timestamps), read from a copy of the option bytes on the
 * stack: a constant-bounded walk with masked indices, which the verifier
 * takes without tracking packet offsets. Shared by bpf/syncookie.h (XDP)
 * and bpf/decap.bpf.c (tc).
 */
#ifndef XLB_BPF_TCPOPT_H
#define XLB_BPF_TCPOPT_H

#include <bpf/bpf_helpers.h>
#include <linux/types.h>

#define XLB_TCPOPT_BUF 64 /* >= the 40 option bytes, a power of two for the index mask */

struct xlb_tcpopts {
	__u16 mss;   /* 0: no MSS option */
	__u8 wscale; /* XLB_SC_WS_NONE (0xf): no window scale option; else 0..14 */
	__u8 sack;   /* SACK-permitted seen */
	__u8 ts;     /* timestamps seen: tsval/tsecr valid */
	__u8 _pad[3];
	__u32 tsval; /* host order */
	__u32 tsecr;
};

static __always_inline __u32 xlb_tcpopt_be32(const __u8 *b, __u32 i)
{
	return (__u32)b[i & 63] << 24 | (__u32)b[(i + 1) & 63] << 16 | (__u32)b[(i + 2) & 63] << 8 |
	       b[(i + 3) & 63];
}

/* Parser state for bpf_loop: the option bytes, the cursor, the result. */
struct xlb_tcpopt_ctx {
	__u8 buf[XLB_TCPOPT_BUF]; /* the option bytes; the rest zero */
	__u32 i;
	__u32 len; /* option bytes in buf (<= 40) */
	struct xlb_tcpopts o;
};

/*
 * One option per call (bpf_loop callback): the verifier checks this body
 * once instead of every path through 40 unrolled or bounded iterations,
 * whose states it cannot prune (the cursor differs on each).
 */
static long xlb_tcpopt_step(__u32 n, void *arg)
{
	struct xlb_tcpopt_ctx *c = arg;
	__u32 i = c->i, kind, olen;

	if (i >= c->len || i >= 40)
		return 1;
	kind = c->buf[i & 63];
	if (kind == 0) /* end of options */
		return 1;
	if (kind == 1) { /* NOP */
		c->i = i + 1;
		return 0;
	}
	if (i + 1 >= c->len)
		return 1;
	olen = c->buf[(i + 1) & 63];
	if (olen < 2 || i + olen > c->len)
		return 1;
	if (kind == 2 && olen == 4) {
		c->o.mss = (__u16)(c->buf[(i + 2) & 63] << 8 | c->buf[(i + 3) & 63]);
	} else if (kind == 3 && olen == 3) {
		__u8 ws = c->buf[(i + 2) & 63];

		c->o.wscale = ws > 14 ? 14 : ws;
	} else if (kind == 4 && olen == 2) {
		c->o.sack = 1;
	} else if (kind == 8 && olen == 10) {
		c->o.ts = 1;
		c->o.tsval = xlb_tcpopt_be32(c->buf, i + 2);
		c->o.tsecr = xlb_tcpopt_be32(c->buf, i + 6);
	}
	c->i = i + olen;
	return 0;
}

static __always_inline void xlb_tcpopt_none(struct xlb_tcpopts *o)
{
	o->mss = 0;
	o->wscale = 0xf;
	o->sack = 0;
	o->ts = 0;
	o->tsval = 0;
	o->tsecr = 0;
}

/* Parse c->len (<= 40) option bytes in c->buf into c->o. */
static __always_inline void xlb_tcpopt_parse(struct xlb_tcpopt_ctx *c)
{
	xlb_tcpopt_none(&c->o);
	c->i = 0;
	/* At most 40 options (all NOPs); each step consumes at least one byte. */
	bpf_loop(40, xlb_tcpopt_step, c, 0);
}

#endif /* XLB_BPF_TCPOPT_H */
