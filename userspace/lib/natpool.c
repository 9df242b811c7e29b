// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Source-NAT port ranges: parse, check against the node's, slice, probe. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "natpool.h"
#include "num.h"

int xlb_natpool_parse_range(const char *s, struct xlb_port_range *out)
{
	unsigned long long lo, hi;
	char buf[16];
	const char *dash;
	size_t n;
	int err;

	if (!s)
		return -EINVAL;
	dash = strchr(s, '-');
	if (!dash) {
		err = xlb_parse_uint(s, 1, 65535, &lo);
		if (err)
			return err;
		out->lo = out->hi = (__u16)lo;
		return 0;
	}
	n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	err = xlb_parse_uint(buf, 1, 65535, &lo);
	if (err)
		return err;
	err = xlb_parse_uint(dash + 1, 1, 65535, &hi);
	if (err)
		return err;
	if (hi < lo)
		return -ERANGE;
	out->lo = (__u16)lo;
	out->hi = (__u16)hi;
	return 0;
}

int xlb_natpool_parse_local(const char *s, struct xlb_port_range *out)
{
	unsigned int lo, hi;
	char extra;

	if (!s || sscanf(s, "%u %u %c", &lo, &hi, &extra) != 2)
		return -EINVAL;
	if (lo < 1 || hi > 65535 || hi < lo)
		return -ERANGE;
	out->lo = (__u16)lo;
	out->hi = (__u16)hi;
	return 0;
}

bool xlb_port_range_overlap(const struct xlb_port_range *a, const struct xlb_port_range *b)
{
	return a->lo <= b->hi && b->lo <= a->hi;
}

int xlb_natpool_check_local(const struct xlb_port_range *snat, const struct xlb_port_range *local,
			    char *msg, size_t msglen)
{
	if (!xlb_port_range_overlap(snat, local))
		return 0;
	if (msg && msglen)
		snprintf(msg, msglen,
			 "snat_ports %u-%u overlap the node's ephemeral ports %u-%u "
			 "(net.ipv4.ip_local_port_range)",
			 snat->lo, snat->hi, local->lo, local->hi);
	return -EEXIST;
}

int xlb_natpool_slices(const struct xlb_port_range *r, __u32 ncpus, struct xlb_port_range *out)
{
	__u32 len = xlb_port_range_len(r), base, extra, i, at = r->lo;

	if (ncpus == 0)
		return -EINVAL;
	if (len / ncpus < XLB_NATPOOL_MIN_SLICE)
		return -ENOSPC;
	base = len / ncpus;
	extra = len % ncpus; /* the first `extra` slices get one more port */
	for (i = 0; i < ncpus; i++) {
		__u32 n = base + (i < extra);

		out[i].lo = (__u16)at;
		out[i].hi = (__u16)(at + n - 1);
		at += n;
	}
	return 0;
}

__u16 xlb_natpool_candidate(const struct xlb_port_range *s, __u32 h, __u32 k)
{
	__u32 len = xlb_port_range_len(s);

	/* start from the hash, then step by 1: k < len gives distinct ports */
	return (__u16)(s->lo + (h + k) % len);
}
