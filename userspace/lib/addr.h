/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* IPv4/IPv6 address parsing and formatting over struct xlb_addr (include/xlb.h). */
#ifndef XLB_ADDR_H
#define XLB_ADDR_H

#include <stddef.h>
#include "xlb.h"

/* Long enough for any IPv6 text form. */
#define XLB_ADDR_STRLEN 46

/*
 * Parse an IPv4 or IPv6 address (no brackets, no prefix). On success fills
 * *addr (IPv4 in a[0], rest zero) and *family (XLB_AF_INET/XLB_AF_INET6) and
 * returns 0; otherwise -EINVAL and leaves both untouched.
 */
int xlb_addr_parse(const char *s, struct xlb_addr *addr, __u8 *family);
/* Format into buf (>= XLB_ADDR_STRLEN bytes); returns buf. */
const char *xlb_addr_str(const struct xlb_addr *addr, __u8 family, char *buf, size_t len);
/*
 * Why no VIP or backend can have this address: a phrase for people ("is a
 * loopback address"), or NULL if it is a plausible unicast address. Refused:
 * unspecified (0.0.0.0/8, ::), limited broadcast (255.255.255.255),
 * multicast (224.0.0.0/4, ff00::/8), loopback (127.0.0.0/8, ::1), link-local
 * (169.254.0.0/16, fe80::/10) and IPv4-mapped IPv6 (::ffff:0:0/96). What
 * depends on the rest of the config (a backend that is a VIP) or on the node
 * (its own addresses) is xlb_cfg_check_addr() (config.h).
 */
const char *xlb_addr_unusable(const struct xlb_addr *addr, __u8 family);
/* Compare two addresses of possibly different families: family first, then bytes. */
int xlb_addr_cmp(__u8 fa, const struct xlb_addr *a, __u8 fb, const struct xlb_addr *b);

#endif
