/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Names <-> enums of the data path's settings (scheduler, forwarding mode,
 * L4 protocol), shared by config, lbd and lbctl. A module of its own so that
 * lbctl can use them without linking the config parser (libyaml).
 */
#ifndef XLB_NAMES_H
#define XLB_NAMES_H

#include <linux/types.h>
#include "xlb.h"

/* indexed by XLB_SCHED_* and XLB_FWD_*; NULL for a gap */
extern const char *const xlb_sched_names[XLB_SCHED_MAX];
extern const char *const xlb_fwd_names[XLB_FWD_MAX];

/* name: "?" for an unknown value; parse: 0 or -EINVAL */
const char *xlb_sched_name(__u8 sched);
int xlb_sched_parse(const char *s, __u8 *sched);
const char *xlb_fwd_name(__u8 fwd);
int xlb_fwd_parse(const char *s, __u8 *fwd);
/* nat and fullnat: the modes that translate addresses and accept a backend port (#19) */
static inline int xlb_fwd_is_nat(__u8 fwd)
{
	return fwd == XLB_FWD_NAT || fwd == XLB_FWD_FULLNAT;
}
/* node.nat_timeouts keys, indexed by enum xlb_nat_tmo */
extern const char *const xlb_nat_tmo_names[XLB_NAT_TMO_MAX];
/* their defaults in seconds (IPVS's, but a shorter SYN timeout) */
extern const __u32 xlb_nat_tmo_defaults[XLB_NAT_TMO_MAX];
const char *xlb_proto_name(__u8 proto); /* "tcp", "udp" */
int xlb_proto_parse(const char *s, __u8 *proto);

#endif
