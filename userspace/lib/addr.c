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
