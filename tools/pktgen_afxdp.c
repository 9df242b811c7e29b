// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktgen_afxdp.c - the "afxdp" engine of tools/pktgen: an AF_XDP socket
 * through libxdp's xsk API, TX only.
 *
 * The UMEM holds PGX_FRAMES frames, each a full copy of the flow-0 frame
 * (payload included) made once at start. A frame is patched to the flow it
 * carries next only when that differs from the flow it already carries, so
 * with --flows dividing PGX_FRAMES (1024, say) the headers are written in
 * the first pass and never again. Frames cycle through a FIFO: taken to fill
 * TX descriptors, given back from the completion ring.
 *
 * No XDP program is loaded (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD): a sender
 * needs none, and libxdp's dispatcher is refused on some hosts. The socket
 * has no RX ring, and the fill ring stays empty. The kernel binds in
 * zero-copy mode where the driver supports it and falls back to copy mode
 * otherwise (veth: each frame is copied into an skb). In copy mode the
 * kernel transmits only inside sendto(), at most 32 frames per call, so
 * every batch is kicked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#include "log.h"
#include "pktgen.h"

#define PGX_FRAME_SIZE 2048 /* >= PG_MAX_SIZE; a power of 2 (aligned UMEM) */
#define PGX_FRAMES 256
#define PGX_TX_SIZE 256
#define PGX_COMP_SIZE 256 /* >= PGX_FRAMES: every frame in flight fits */
#define PGX_FILL_SIZE 64   /* unused (no RX), but the UMEM needs one */
#define PGX_BATCH 32	   /* the kernel's default copy-mode TX budget per sendto() */
#define PGX_BIG_BATCH 256  /* ... raised with XDP_MAX_TX_SKB_BUDGET where it exists */
#define PGX_STALL_S 1.0	   /* no progress for this long: give up */
#define PGX_BUSY_S 2.0	   /* how long to wait for a queue another socket just left */

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9 /* Linux 6.17 */
#endif

struct pg_afxdp {
	const struct pg_frames *fr;
	void *area;
	size_t area_len;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq;
	int fd;
	bool zerocopy;
	__u32 batch; /* frames per sendto() */
	__u32 next_flow;
	__u32 free_head, free_n;   /* FIFO of free frame addresses */
	__u64 free_addr[PGX_FRAMES];
	__u32 flow_of[PGX_FRAMES]; /* the flow each frame carries now */
};

static void free_push(struct pg_afxdp *x, __u64 addr)
{
	x->free_addr[(x->free_head + x->free_n) % PGX_FRAMES] = addr;
	x->free_n++;
}

static __u64 free_pop(struct pg_afxdp *x)
{
	__u64 addr = x->free_addr[x->free_head];

	x->free_head = (x->free_head + 1) % PGX_FRAMES;
	x->free_n--;
	return addr;
}

/* Frames the kernel has finished with: back to the FIFO, counted as done. */
static __u32 reap(struct pg_engine *e, struct pg_afxdp *x)
{
	__u32 idx, n, i;

	n = xsk_ring_cons__peek(&x->cq, PGX_COMP_SIZE, &idx);
	for (i = 0; i < n; i++)
		free_push(x, *xsk_ring_cons__comp_addr(&x->cq, idx + i));
	if (n) {
		xsk_ring_cons__release(&x->cq, n);
		e->done += n;
	}
	return n;
}

/* Have the kernel transmit what the TX ring holds. */
static int kick(struct pg_afxdp *x)
{
	if (x->zerocopy && !xsk_ring_prod__needs_wakeup(&x->tx))
		return 0;
	if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	/* Busy, or the TX budget used up: transient, the next kick goes on. */
	if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS || errno == EINTR)
		return 0;
	return -errno;
}

static int afxdp_send(struct pg_engine *e, __u64 n)
{
	struct pg_afxdp *x = e->priv;
	const struct pg_frames *fr = x->fr;
	double stalled = 0;
	__u64 sent = 0;
	int err;

	while (sent < n && !pg_stop) {
		__u32 want, got = 0, idx, i;

		reap(e, x);
		want = n - sent < x->batch ? n - sent : x->batch;
		if (want > x->free_n)
			want = x->free_n;
		if (want)
			got = xsk_ring_prod__reserve(&x->tx, want, &idx);
		for (i = 0; i < got; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx + i);
			__u64 addr = free_pop(x);
			__u32 slot = addr / PGX_FRAME_SIZE;

			if (x->flow_of[slot] != x->next_flow) {
				pg_frame_set_flow(fr, xsk_umem__get_data(x->area, addr),
						  x->next_flow);
				x->flow_of[slot] = x->next_flow;
			}
			d->addr = addr;
			d->len = fr->len;
			if (++x->next_flow == fr->flows)
				x->next_flow = 0;
		}
		if (got) {
			xsk_ring_prod__submit(&x->tx, got);
			e->queued += got;
			sent += got;
			stalled = 0;
		} else if (!stalled) {
			stalled = pg_now();
		} else if (pg_now() - stalled > PGX_STALL_S) {
			pr_warn("AF_XDP: the kernel took no frame for %.0f s (%llu in flight)",
				PGX_STALL_S, (unsigned long long)(e->queued - e->done));
			return -ETIMEDOUT;
		}
		err = kick(x);
		if (err) {
			pr_warn("AF_XDP: sendto: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

static int afxdp_flush(struct pg_engine *e)
{
	struct pg_afxdp *x = e->priv;
	double t0 = pg_now();
	int err;

	while (e->done < e->queued) {
		err = kick(x);
		if (err) {
			pr_warn("AF_XDP: sendto: %s", strerror(-err));
			return err;
		}
		if (reap(e, x))
			continue;
		if (pg_now() - t0 > PGX_STALL_S) {
			pr_warn("AF_XDP: %llu frames not completed after %.0f s: not counted",
				(unsigned long long)(e->queued - e->done), PGX_STALL_S);
			break;
		}
		usleep(100);
	}
	return 0;
}

static void afxdp_close(struct pg_engine *e)
{
	struct pg_afxdp *x = e->priv;

	if (!x)
		return;
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area && x->area != MAP_FAILED)
		munmap(x->area, x->area_len);
	free(x);
	e->priv = NULL;
}

int pg_afxdp_open(const struct pg_opts *o, const struct pg_frames *fr, int ifindex,
		  struct pg_engine *e)
{
	struct xsk_umem_config ucfg = {
		.fill_size = PGX_FILL_SIZE,
		.comp_size = PGX_COMP_SIZE,
		.frame_size = PGX_FRAME_SIZE,
		.frame_headroom = 0,
	};
	struct xsk_socket_config scfg = {
		.tx_size = PGX_TX_SIZE,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP, /* neither COPY nor ZEROCOPY: the kernel picks */
	};
	struct xdp_options opts = {};
	socklen_t optlen = sizeof(opts);
	int budget = PGX_BIG_BATCH;
	struct pg_afxdp *x;
	double t0;
	__u32 i;
	int err;

	e->name = "afxdp";
	e->send = afxdp_send;
	e->flush = afxdp_flush;
	e->close = afxdp_close;
	e->max_call = PGX_FRAMES;
	if (fr->len > PGX_FRAME_SIZE) {
		snprintf(e->why, sizeof(e->why), "%u-byte frames do not fit %d-byte UMEM frames",
			 fr->len, PGX_FRAME_SIZE);
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	e->priv = x;
	x->fr = fr;
	x->area_len = (size_t)PGX_FRAMES * PGX_FRAME_SIZE;
	x->area = mmap(NULL, x->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (x->area == MAP_FAILED) {
		err = -errno;
		snprintf(e->why, sizeof(e->why), "UMEM of %zu bytes: %s", x->area_len,
			 strerror(-err));
		goto err;
	}
	for (i = 0; i < PGX_FRAMES; i++) {
		memcpy((__u8 *)x->area + (size_t)i * PGX_FRAME_SIZE, fr->buf, fr->len);
		free_push(x, (__u64)i * PGX_FRAME_SIZE);
	}

	t0 = pg_now();
	for (;;) {
		err = xsk_umem__create(&x->umem, x->area, x->area_len, &x->fq, &x->cq, &ucfg);
		if (err) {
			x->umem = NULL;
			snprintf(e->why, sizeof(e->why), "AF_XDP UMEM (xsk_umem__create): %s",
				 strerror(-err));
			goto err;
		}
		err = xsk_socket__create(&x->xsk, o->iface, 0, x->umem, NULL, &x->tx, &scfg);
		if (!err)
			break;
		x->xsk = NULL;
		/*
		 * EBUSY: the queue still has the pool of a socket closed a moment
		 * ago (the kernel releases it from a work queue), e.g. the previous
		 * pktgen run. Start again with a new UMEM: the old one's rings are
		 * set up already and cannot be set up twice.
		 */
		if (err != -EBUSY || pg_now() - t0 > PGX_BUSY_S) {
			snprintf(e->why, sizeof(e->why), "AF_XDP socket on %s queue 0: %s",
				 o->iface, strerror(-err));
			goto err;
		}
		xsk_umem__delete(x->umem);
		x->umem = NULL;
		usleep(20000);
	}
	x->fd = xsk_socket__fd(x->xsk);
	if (getsockopt(x->fd, SOL_XDP, XDP_OPTIONS, &opts, &optlen) == 0)
		x->zerocopy = opts.flags & XDP_OPTIONS_ZEROCOPY;
	/* Fewer, larger sendto() calls in copy mode; older kernels refuse it. */
	x->batch = PGX_BATCH;
	if (!x->zerocopy &&
	    !setsockopt(x->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof(budget)))
		x->batch = PGX_BIG_BATCH;
	snprintf(e->mode, sizeof(e->mode), "%s mode, queue 0, %d frames, %u per sendto",
		 x->zerocopy ? "zero-copy" : "copy", PGX_FRAMES, x->batch);
	return 0;
err:
	afxdp_close(e);
	return err;
}
