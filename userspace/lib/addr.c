// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* IPv4/IPv6 address parsing and formatting over struct xlb_addr. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

int xlb_addr_parse(const char *s, struct xlb_addr *addr, __u8 *family)
{
	struct xlb_addr tmp;

	if (!s || !*s)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	/* inet_pton(AF_INET) accepts only the dotted quad: no "10.1", no octal. */
	if (inet_pton(AF_INET, s, &tmp.a[0]) == 1) {
		*addr = tmp;
		*family = XLB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &tmp) == 1) {
		*addr = tmp;
		*family = XLB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *xlb_addr_str(const struct xlb_addr *addr, __u8 family, char *buf, size_t len)
{
	const char *r = NULL;

	if (!buf || !len)
		return buf;
	if (family == XLB_AF_INET)
		r = inet_ntop(AF_INET, &addr->a[0], buf, len);
	else if (family == XLB_AF_INET6)
		r = inet_ntop(AF_INET6, addr, buf, len);
	if (!r)
		snprintf(buf, len, "?");
	return buf;
}

int xlb_addr_cmp(__u8 fa, const struct xlb_addr *a, __u8 fb, const struct xlb_addr *b)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	/* Byte order, i.e. network order: the same order as the text forms sort numerically. */
	return memcmp(a, b, sizeof(*a));
}

const char *xlb_addr_unusable(const struct xlb_addr *addr, __u8 family)
{
	const __u8 *b = (const __u8 *)addr;
	static const __u8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	size_t i;

	if (family == XLB_AF_INET) {
		__u32 a = ntohl(addr->a[0]);

		if (a >> 24 == 0)
			return "is an unspecified (\"this network\", 0.0.0.0/8) address";
		if (a == 0xffffffffu)
			return "is the broadcast address";
		if (a >> 28 == 0xe)
			return "is a multicast address (224.0.0.0/4)";
		if (a >> 24 == 127)
			return "is a loopback address (127.0.0.0/8)";
		if (a >> 16 == 0xa9fe)
			return "is a link-local address (169.254.0.0/16)";
		return NULL;
	}
	if (family != XLB_AF_INET6)
		return "is not an IPv4/IPv6 address";
	for (i = 0; i < 15 && !b[i]; i++)
		;
	if (i == 15 && b[15] == 0)
		return "is the unspecified address (::)";
	if (i == 15 && b[15] == 1)
		return "is the loopback address (::1)";
	if (b[0] == 0xff)
		return "is a multicast address (ff00::/8)";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "is a link-local address (fe80::/10)";
	if (!memcmp(b, mapped, sizeof(mapped)))
		return "is an IPv4-mapped IPv6 address (::ffff:0:0/96): use the IPv4 form";
	return NULL;
}
