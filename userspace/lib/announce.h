/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * announce - which VIPs this node announces over BGP, the BIRD config
 * fragment that announces them, and BIRD's control-socket replies. Pure code
 * (no I/O, no clock): unit-tested in tests/unit/test_announce.c; lbd/bgp.c
 * does the file and socket work. docs/multinode.md has the operator's view.
 *
 * A VIP address is announced while
 *  - the node is not drained (lbctl node drain), and
 *  - at least one service on that address can take new flows: its policy
 *    mode is normal, spill, backup or panic (the operator chose to route
 *    anyway) and at least one backend has an effective weight > 0.
 * Services on one address share its route, so one serving service is enough
 * (withdrawing would cut the healthy ports too). Modes down and fail-closed
 * withdraw the address: another node may still see healthy backends.
 */
#ifndef XLB_ANNOUNCE_H
#define XLB_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include "xlb.h"
#include "policy.h"

struct xlb_ann_service {
	struct xlb_addr vip;
	__u8 family; /* XLB_AF_INET / XLB_AF_INET6 */
	enum xlb_pol_mode mode; /* from the active-set policy */
	__u32 n_weighted; /* backends with effective weight > 0 */
};

struct xlb_ann_vip {
	struct xlb_addr addr;
	__u8 family;
};

/*
 * The VIPs to announce: out[0..*n_out-1], sorted (IPv4 first, then by
 * address) and unique; out needs room for n entries. Nothing when drained.
 * 0, or -EINVAL on NULL arguments with n > 0.
 */
int xlb_announce_compute(bool drained, const struct xlb_ann_service *svc, size_t n,
			 struct xlb_ann_vip *out, size_t *n_out);

/* Same sets? (both sorted as xlb_announce_compute returns them) */
bool xlb_announce_equal(const struct xlb_ann_vip *a, size_t na, const struct xlb_ann_vip *b,
			size_t nb);

#define XLB_BIRD_PROTO_MAX 32 /* BIRD protocol name prefix: [A-Za-z_][A-Za-z0-9_]{0,28} */
#define XLB_BIRD_DEFAULT_PROTO "xlb_vips"
#define XLB_BIRD_DEFAULT_SOCKET "/run/bird/bird.ctl" /* Debian bird2 */
#define XLB_BIRD_DRAINED_TAG "# xlb-node: drained"

/* A valid BIRD protocol name prefix (the fragment appends "4" and "6"). */
bool xlb_bird_proto_valid(const char *s);

/*
 * Render the BIRD fragment: two static protocols PROTO4 (ipv4) and PROTO6
 * (ipv6), each with a blackhole /32 or /128 route per announced VIP, that the
 * operator's BGP export filter selects (`export where proto = "xlb_vips4"`).
 * Both protocols are always present (possibly empty), so bird.conf can name
 * them whatever lbd announces. A drained node's fragment carries
 * XLB_BIRD_DRAINED_TAG so that a restarted lbd stays drained. *out is
 * malloc'd and NUL-terminated. 0, -EINVAL or -ENOMEM.
 */
int xlb_bird_fragment(const char *proto, bool drained, const struct xlb_ann_vip *v, size_t n,
		      char **out);

/* Does a fragment (as read back from disk) say the node is drained? */
bool xlb_bird_fragment_drained(const char *text);

/*
 * One line of a BIRD control-socket reply: "DDDD-text" (more follows),
 * "DDDD text" (the reply's last line) or " text" (continues the previous
 * code). Returns 1 and *code for the last line, 0 for any other line (*code
 * = its code, or -1 for a " text" continuation), -EINVAL for a malformed
 * line. Codes: 0xxx done, 1xxx/2xxx table rows, 8xxx run-time error, 9xxx
 * syntax error.
 */
int xlb_bird_reply_line(const char *line, int *code);
/* A final code that means the command worked (0xxx). */
static inline bool xlb_bird_code_ok(int code)
{
	return code >= 0 && code < 1000;
}

#endif
