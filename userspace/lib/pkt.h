/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pkt.h - a small packet builder for the BPF tests and tools/bench_xdp:
 * Ethernet (+ one 802.1Q tag), IPv4/IPv6, TCP/UDP/ICMP with correct lengths
 * and checksums, payload; plus
 * mutators that craft malformed variants (they keep the IPv4 header checksum
 * valid, so only the intended defect is present).
 */
#ifndef XLB_TEST_PKT_H
#define XLB_TEST_PKT_H

#include "xlb.h"
#include <linux/types.h>
#include <stddef.h>

#define PKT_MAX 2048

struct pkt_spec {
	int family;	       /* 4 or 6 */
	__u8 proto;	       /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP / IPPROTO_ICMPV6 */
	const char *src, *dst; /* text addresses of the family */
	__u16 sport, dport;    /* host order */
	__u16 vlan;	       /* 0: untagged; else 802.1Q VLAN id */
	__u8 smac[6], dmac[6];
	__u16 payload_len; /* bytes of L4 payload (pattern filled) */
	__u8 tcp_flags;	   /* default (0) means SYN */
	__u32 seq;	   /* TCP sequence number; default (0) means 1000 */
	__u32 ack_seq;	   /* TCP acknowledgment number (host order) */
	const __u8 *tcp_opts; /* TCP options (tcp_opts_len bytes, a multiple of 4) */
	__u8 tcp_opts_len;
};

struct pkt {
	__u8 buf[PKT_MAX];
	size_t len;
	size_t l3_off; /* offset of the IP header */
	size_t l4_off; /* offset of the TCP/UDP/ICMP header */
};

/* Build s into p. Returns 0, or -1 on a bad spec (unparsable address, too long). */
int pkt_build(const struct pkt_spec *s, struct pkt *p);

/*
 * An ICMP error (IPv4: type/code; IPv6: ICMPv6 type/code) from `from` to `to`
 * (of quoted's family) quoting the packet `quoted` (its IP header and up to
 * 128 bytes), `rest` the header's second word (e.g. the MTU). Ethernet
 * addresses from quoted. Returns 0 or -1.
 */
int pkt_build_icmp_error(const struct pkt_spec *quoted, const char *from, const char *to,
			 __u8 type, __u8 code, __u32 rest, struct pkt *p);

/* Flow key of a built spec, as the XDP program sees it. */
void pkt_flow_key(const struct pkt_spec *s, struct xlb_flow_key *key);

/* Mutators for malformed variants (IPv4 ones refresh the header checksum). */
void pkt_truncate(struct pkt *p, size_t len);
void pkt_ipv4_set_ihl(struct pkt *p, __u8 ihl);
void pkt_ipv4_set_frag(struct pkt *p, int mf, __u16 offset8);
void pkt_ipv4_set_tot_len(struct pkt *p, __u16 tot_len);
void pkt_ipv6_set_payload_len(struct pkt *p, __u16 plen);

/* Parse "02:00:00:00:00:0b" into mac; returns 0 or -1. */
int pkt_parse_mac(const char *s, __u8 mac[6]);

#endif
