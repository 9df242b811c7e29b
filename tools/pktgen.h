/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pktgen.h - what tools/pktgen.c (options, frames, the send loop, output)
 * shares with its engines: pktgen_live.c (BPF_PROG_TEST_RUN live frames),
 * pktgen_afxdp.c (an AF_XDP socket through libxdp) and pktgen_packet.c
 * (an AF_PACKET TX ring).
 */
#ifndef XLB_PKTGEN_H
#define XLB_PKTGEN_H

#include <signal.h>
#include <stdbool.h>
#include <linux/if_ether.h>
#include <linux/types.h>

#define PG_FCS_LEN 4
#define PG_MIN_SIZE 64	 /* ETH_ZLEN + FCS */
#define PG_MAX_SIZE 1518 /* 1500-byte MTU + Ethernet header + FCS */
#define PG_TMPL_MAX 80	 /* must match bpf/pktgen.bpf.c */

enum pg_engine_id {
	PG_ENGINE_AUTO,
	PG_ENGINE_LIVE,
	PG_ENGINE_AFXDP,
	PG_ENGINE_PACKET,
};

struct pg_range {
	__u8 lo[16], hi[16]; /* network order; IPv4 in the first 4 bytes */
	__u32 n;	     /* addresses in the range */
};

struct pg_opts {
	const char *iface, *netns;
	__u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	bool have_smac, have_dmac;
	int family; /* 4 or 6, from the addresses */
	struct pg_range src, dst;
	__u16 sport_lo, sport_hi, dport_lo, dport_hi;
	__u32 flows;
	__u8 proto, tcp_flags;
	__u32 size;
	__u64 count;	 /* 0: no limit */
	double duration; /* 0: no limit */
	__u64 rate;	 /* 0: no limit */
	int cpu;	 /* -1: do not pin */
	__u32 chunk_ms;
	enum pg_engine_id engine;
	const char *engine_from; /* "--engine", "XLB_PKTGEN_ENGINE" or NULL (auto by default) */
	bool quiet, dry_run;
};

/*
 * The frames to send. buf holds flow 0 (the lowest addresses and ports) with
 * its payload; flow f differs only in the 5-tuple and the checksums, which
 * pg_frame_set_flow() patches (the live engine's BPF program does the same).
 * Flow index f is spread over the ranges in mixed radix: source port fastest,
 * then source address, destination port, destination address.
 */
struct pg_frames {
	__u8 buf[2048];
	__u32 len;     /* bytes on the wire without the FCS */
	__u32 hdr_len; /* Ethernet + IP + L4 header bytes, even, <= PG_TMPL_MAX */
	int family;    /* 4 or 6 */
	__u8 proto;    /* IPPROTO_UDP or IPPROTO_TCP */
	__u32 flows;
	__u32 nsrc, ndst, nsport, ndport;   /* size of each range, >= 1 */
	__u32 src_lo, dst_lo;		    /* low 32 bits of the first address, host order */
	__u16 sport_lo, dport_lo;	    /* host order */
};

/*
 * One way of putting frames on the wire. open() fills it in or returns
 * -errno with the reason in why[]. send() hands up to n more packets to the
 * kernel (fewer when stopped); flush() waits until the kernel has taken all
 * of them. queued counts packets handed over, done those the kernel has
 * taken (its completion): the count pktgen reports. A frame the kernel takes
 * but cannot deliver (e.g. a full veth ring) still counts, as with a NIC.
 */
struct pg_engine {
	const char *name;
	char mode[64];	/* how it runs, for the log line */
	char why[256];	/* why open() failed */
	__u64 max_call; /* cap on n per send(); 0: sized by --chunk-ms only */
	__u64 queued, done;
	void *priv;
	int (*send)(struct pg_engine *e, __u64 n);
	int (*flush)(struct pg_engine *e);
	void (*close)(struct pg_engine *e);
};

typedef int (*pg_engine_open_fn)(const struct pg_opts *o, const struct pg_frames *fr,
				 int ifindex, struct pg_engine *e);

int pg_live_open(const struct pg_opts *o, const struct pg_frames *fr, int ifindex,
		 struct pg_engine *e);
int pg_afxdp_open(const struct pg_opts *o, const struct pg_frames *fr, int ifindex,
		  struct pg_engine *e);
int pg_packet_open(const struct pg_opts *o, const struct pg_frames *fr, int ifindex,
		   struct pg_engine *e);

/* Rewrite the headers of frame (a copy of fr->buf) to carry flow f < fr->flows. */
void pg_frame_set_flow(const struct pg_frames *fr, __u8 *frame, __u32 f);

/* Set by SIGINT/SIGTERM: engines return early from send() and flush(). */
extern volatile sig_atomic_t pg_stop;

double pg_now(void);

#endif
