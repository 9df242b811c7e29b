/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The declarative config file (YAML; schema in docs/config.md). Parsing and
 * validation only: nothing here touches BPF, so it is unit-tested directly.
 *
 * Every error names the file, the line and the field, e.g.
 *   xlb.yaml:14: services[0].backends[1].address: "10.0.0.x" is not an IPv4/IPv6 address
 */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "xlb.h"
#include "addr.h"
#include "health.h"
#include "policy.h"

#define XLB_NAME_MAX 64 /* service names: [A-Za-z0-9_.-], 1..63 chars */
#define XLB_DEFAULT_WEIGHT 100
#define XLB_MAX_WEIGHT 65535

struct xlb_cfg_backend {
	struct xlb_addr addr;
	__u8 family; /* XLB_AF_INET / XLB_AF_INET6; same as its service's VIP */
	__u32 weight; /* 0..XLB_MAX_WEIGHT; 0 = in the config but takes no new flows */
	char zone[XLB_ZONE_MAX]; /* "" = none */
	bool backup; /* backup pool: serves only when no primary is healthy */
	int line; /* where it was defined, for later messages */
};

struct xlb_cfg_service {
	char name[XLB_NAME_MAX]; /* unique */
	struct xlb_vip_key key; /* VIP, port (network order), proto, family; unique */
	__u8 sched; /* enum xlb_sched */
	__u8 fwd; /* enum xlb_fwd */
	__u32 table_size; /* prime, default XLB_DEFAULT_TABLE_SIZE */
	struct xlb_hc_check hc; /* health_check (defaults: xlb_hc_check_default) */
	struct xlb_pol_service pol; /* cross_zone, zone_min_healthy, panic_* */
	struct xlb_cfg_backend *backends; /* no duplicate addresses */
	size_t n_backends;
	int line;
};

struct xlb_config {
	char node_zone[XLB_ZONE_MAX]; /* node.zone; "" = none */
	struct xlb_cfg_service *services;
	size_t n_services;
};

/*
 * Parse and validate. On success returns 0 and fills *cfg (free it with
 * xlb_config_free). On failure returns -EINVAL (or -ENOENT/-EACCES/-ENOMEM
 * for the file), leaves *cfg empty and writes one human-readable line to err.
 * `name` is the file name used in messages.
 */
int xlb_config_parse(const char *buf, size_t len, const char *name, struct xlb_config *cfg,
		     char *err, size_t errlen);
int xlb_config_load(const char *path, struct xlb_config *cfg, char *err, size_t errlen);
void xlb_config_free(struct xlb_config *cfg);

/* Names <-> enums, shared by config, lbd and lbctl. parse: 0 or -EINVAL. */
const char *xlb_sched_name(__u8 sched);
int xlb_sched_parse(const char *s, __u8 *sched);
const char *xlb_fwd_name(__u8 fwd);
int xlb_fwd_parse(const char *s, __u8 *fwd);
const char *xlb_proto_name(__u8 proto); /* "tcp", "udp" */
int xlb_proto_parse(const char *s, __u8 *proto);

#endif
