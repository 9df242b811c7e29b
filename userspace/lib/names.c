// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Names <-> enums of the data path's settings (names.h). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "names.h"
#include "xlb.h"

const char *const xlb_sched_names[XLB_SCHED_MAX] = {
    [XLB_SCHED_MAGLEV] = "maglev",
    [XLB_SCHED_SH] = "sh",
    [XLB_SCHED_RR] = "rr",
    [XLB_SCHED_WRR] = "wrr",
    [XLB_SCHED_LC] = "lc",
};

const char *const xlb_fwd_names[XLB_FWD_MAX] = {
    [XLB_FWD_DSR_L2] = "dsr-l2",
    [XLB_FWD_IPIP] = "ipip",
    [XLB_FWD_GUE] = "gue",
    [XLB_FWD_NAT] = "nat",
    [XLB_FWD_FULLNAT] = "fullnat",
};

const char *const xlb_nat_tmo_names[XLB_NAT_TMO_MAX] = {
    [XLB_NAT_TMO_TCP_HANDSHAKE] = "tcp_handshake",
    [XLB_NAT_TMO_TCP_ESTABLISHED] = "tcp_established",
    [XLB_NAT_TMO_TCP_CLOSING] = "tcp_closing",
    [XLB_NAT_TMO_TCP_RESET] = "tcp_reset",
    [XLB_NAT_TMO_UDP] = "udp",
};

const __u32 xlb_nat_tmo_defaults[XLB_NAT_TMO_MAX] = {
    [XLB_NAT_TMO_TCP_HANDSHAKE] = 30,
    [XLB_NAT_TMO_TCP_ESTABLISHED] = 900,
    [XLB_NAT_TMO_TCP_CLOSING] = 120,
    [XLB_NAT_TMO_TCP_RESET] = 10,
    [XLB_NAT_TMO_UDP] = 300,
};

const char *xlb_sched_name(__u8 sched)
{
	return sched < XLB_SCHED_MAX && xlb_sched_names[sched] ? xlb_sched_names[sched] : "?";
}

int xlb_sched_parse(const char *s, __u8 *sched)
{
	__u8 i;

	for (i = 0; s && i < XLB_SCHED_MAX; i++) {
		if (xlb_sched_names[i] && !strcmp(s, xlb_sched_names[i])) {
			*sched = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xlb_fwd_name(__u8 fwd)
{
	return fwd < XLB_FWD_MAX && xlb_fwd_names[fwd] ? xlb_fwd_names[fwd] : "?";
}

int xlb_fwd_parse(const char *s, __u8 *fwd)
{
	__u8 i;

	for (i = 0; s && i < XLB_FWD_MAX; i++) {
		if (xlb_fwd_names[i] && !strcmp(s, xlb_fwd_names[i])) {
			*fwd = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xlb_proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return "?";
	}
}

int xlb_proto_parse(const char *s, __u8 *proto)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else
		return -EINVAL;
	return 0;
}
