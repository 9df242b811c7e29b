// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktgen_packet.c - the "packet" engine of tools/pktgen: an AF_PACKET socket
 * with a TX ring (PACKET_TX_RING, TPACKET_V2) and PACKET_QDISC_BYPASS.
 *
 * Every ring slot holds a full copy of the flow-0 frame from the start and
 * is patched to the flow it carries next only when that differs (as in the
 * afxdp engine). Slots are filled in ring order and marked
 * TP_STATUS_SEND_REQUEST; one sendto(MSG_DONTWAIT) per batch has the kernel
 * send them all; a slot is done when the kernel sets it back to
 * TP_STATUS_AVAILABLE (its skb freed). The socket is bound to protocol 0, so
 * it receives nothing; each sendto() names the interface and the EtherType.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "pktgen.h"

#define PGP_FRAME_SIZE 2048 /* >= TPACKET2_HDRLEN + PG_MAX_SIZE */
#define PGP_BLOCK_SIZE (1 << 16)
#define PGP_BLOCKS 8
#define PGP_FRAMES (PGP_BLOCKS * (PGP_BLOCK_SIZE / PGP_FRAME_SIZE)) /* 256 */
#define PGP_BATCH 64
#define PGP_STALL_S 1.0
/* Where the kernel reads a slot's data without PACKET_TX_HAS_OFF: a
 * virtio_net_hdr (PACKET_VNET_HDR), then the frame. */
#define PGP_VNET_OFF (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
#define PGP_DATA_OFF (PGP_VNET_OFF + sizeof(struct virtio_net_hdr))

struct pg_packet {
	const struct pg_frames *fr;
	int fd;
	__u8 *ring;
	size_t ring_len;
	struct sockaddr_ll to;
	__u32 fill, reap; /* next slot to fill, oldest slot in flight */
	__u32 in_flight;
	__u32 next_flow;
	__u32 flow_of[PGP_FRAMES];
};

static struct tpacket2_hdr *slot(struct pg_packet *p, __u32 i)
{
	return (struct tpacket2_hdr *)(p->ring + (size_t)i * PGP_FRAME_SIZE);
}

/* Slots the kernel has sent (or dropped): counted as done. */
static int reap(struct pg_engine *e, struct pg_packet *p)
{
	__u32 n = 0;

	while (p->in_flight) {
		__u32 st = __atomic_load_n(&slot(p, p->reap)->tp_status, __ATOMIC_ACQUIRE);

		if (st == TP_STATUS_WRONG_FORMAT) {
			pr_warn("AF_PACKET: the kernel refused frame slot %u as malformed",
				p->reap);
			return -EINVAL;
		}
		if (st != TP_STATUS_AVAILABLE)
			break;
		p->reap = (p->reap + 1) % PGP_FRAMES;
		p->in_flight--;
		n++;
	}
	e->done += n;
	return n;
}

static int kick(struct pg_packet *p)
{
	if (sendto(p->fd, NULL, 0, MSG_DONTWAIT, (struct sockaddr *)&p->to, sizeof(p->to)) >= 0)
		return 0;
	/*
	 * ENOBUFS: the device dropped a frame (its slot is released, and
	 * counted, as a NIC's would be); EAGAIN: nothing to send right now.
	 */
	if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
		return 0;
	return -errno;
}

static int packet_send(struct pg_engine *e, __u64 n)
{
	struct pg_packet *p = e->priv;
	const struct pg_frames *fr = p->fr;
	double stalled = 0;
	__u64 sent = 0;
	int err;

	while (sent < n && !pg_stop) {
		__u32 k = 0;

		err = reap(e, p);
		if (err < 0)
			return err;
		while (k < PGP_BATCH && sent + k < n && p->in_flight < PGP_FRAMES) {
			struct tpacket2_hdr *h = slot(p, p->fill);

			if (p->flow_of[p->fill] != p->next_flow) {
				pg_frame_set_flow(fr, (__u8 *)h + PGP_DATA_OFF, p->next_flow);
				p->flow_of[p->fill] = p->next_flow;
			}
			h->tp_len = sizeof(struct virtio_net_hdr) + fr->len;
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
			p->fill = (p->fill + 1) % PGP_FRAMES;
			p->in_flight++;
			if (++p->next_flow == fr->flows)
				p->next_flow = 0;
			k++;
		}
		if (k) {
			e->queued += k;
			sent += k;
			stalled = 0;
		} else if (!stalled) {
			stalled = pg_now();
		} else if (pg_now() - stalled > PGP_STALL_S) {
			pr_warn("AF_PACKET: the kernel released no ring slot for %.0f s",
				PGP_STALL_S);
			return -ETIMEDOUT;
		}
		err = kick(p);
		if (err) {
			pr_warn("AF_PACKET: sendto: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

static int packet_flush(struct pg_engine *e)
{
	struct pg_packet *p = e->priv;
	double t0 = pg_now();
	int err;

	while (p->in_flight) {
		err = kick(p);
		if (err) {
			pr_warn("AF_PACKET: sendto: %s", strerror(-err));
			return err;
		}
		err = reap(e, p);
		if (err < 0)
			return err;
		if (err)
			continue;
		if (pg_now() - t0 > PGP_STALL_S) {
			pr_warn("AF_PACKET: %u frames not sent after %.0f s: not counted",
				p->in_flight, PGP_STALL_S);
			break;
		}
		usleep(100);
	}
	return 0;
}

static void packet_close(struct pg_engine *e)
{
	struct pg_packet *p = e->priv;

	if (!p)
		return;
	if (p->ring && p->ring != MAP_FAILED)
		munmap(p->ring, p->ring_len);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	e->priv = NULL;
}

int pg_packet_open(const struct pg_opts *o, const struct pg_frames *fr, int ifindex,
		   struct pg_engine *e)
{
	struct tpacket_req req = {
		.tp_block_size = PGP_BLOCK_SIZE,
		.tp_block_nr = PGP_BLOCKS,
		.tp_frame_size = PGP_FRAME_SIZE,
		.tp_frame_nr = PGP_FRAMES,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	int ver = TPACKET_V2, one = 1, err;
	struct pg_packet *p;
	const char *what;
	__u32 i;

	e->name = "packet";
	e->send = packet_send;
	e->flush = packet_flush;
	e->close = packet_close;
	e->max_call = PGP_FRAMES;
	if (PGP_DATA_OFF + fr->len > PGP_FRAME_SIZE) {
		snprintf(e->why, sizeof(e->why), "%u-byte frames do not fit %d-byte ring slots",
			 fr->len, PGP_FRAME_SIZE);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	e->priv = p;
	p->fr = fr;
	p->ring = MAP_FAILED;
	/* Protocol 0: a sender only, no receive hook. */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		err = -errno;
		what = "socket(AF_PACKET)";
		goto err;
	}
	what = "PACKET_VERSION TPACKET_V2";
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)))
		goto err_errno;
	what = "PACKET_QDISC_BYPASS";
	if (setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		goto err_errno;
	what = "PACKET_VNET_HDR";
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		goto err_errno;
	what = "PACKET_TX_RING";
	if (setsockopt(p->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)))
		goto err_errno;
	p->ring_len = (size_t)PGP_BLOCK_SIZE * PGP_BLOCKS;
	what = "mapping the TX ring";
	p->ring = mmap(NULL, p->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->ring == MAP_FAILED)
		goto err_errno;
	what = "bind";
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto err_errno;
	for (i = 0; i < PGP_FRAMES; i++) {
		struct virtio_net_hdr *vh = (void *)((__u8 *)slot(p, i) + PGP_VNET_OFF);

		/* hdr_len = the whole frame: the kernel copies it into the skb's
		 * linear part instead of attaching the ring page as a fragment,
		 * which a veth would have to copy into a new page anyway. */
		*vh = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_NONE, .hdr_len = fr->len };
		memcpy((__u8 *)slot(p, i) + PGP_DATA_OFF, fr->buf, fr->len);
	}
	p->to = (struct sockaddr_ll){
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
		.sll_protocol = htons(fr->family == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP),
	};
	snprintf(e->mode, sizeof(e->mode), "TPACKET_V2 TX ring of %d frames, qdisc bypass, linear skbs",
		 PGP_FRAMES);
	return 0;
err_errno:
	err = -errno;
err:
	snprintf(e->why, sizeof(e->why), "AF_PACKET %s on %s: %s", what, o->iface,
		 strerror(-err));
	packet_close(e);
	return err;
}
