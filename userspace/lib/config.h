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
#include "authz.h"
#include "policy.h"
#include "outlier.h"
#include "agent.h"
#include "scaling.h"
#include "filter.h"
#include "names.h" /* the scheduler, forwarding and protocol names */
#include "natpool.h"

#define XLB_NAME_MAX 64 /* service names: [A-Za-z0-9_.-], 1..63 chars */
#define XLB_DEFAULT_WEIGHT 100
#define XLB_MAX_WEIGHT 65535
#define XLB_PATH_MAX 256 /* file paths in the config */
#define XLB_DEFAULT_DRAIN_TIMEOUT_S 300
#define XLB_MAX_DRAIN_TIMEOUT_S 86400
#define XLB_CLUSTER_MAX_ETCD 8 /* cluster.etcd endpoints */
#define XLB_CLUSTER_URL_MAX 128
#define XLB_CLUSTER_PREFIX_MAX 128

struct xlb_cfg_backend {
	struct xlb_addr addr;
	__u8 family; /* XLB_AF_INET / XLB_AF_INET6; same as its service's VIP */
	__u32 weight; /* 0..XLB_MAX_WEIGHT; 0 = in the config but takes no new flows */
	char zone[XLB_ZONE_MAX]; /* "" = none */
	bool backup; /* backup pool: serves only when no primary is healthy */
	__u32 max_flows; /* max_flows: open flows cap (XLB_BE_F_CAPPED); 0 = none (#21) */
	__u16 port; /* port: target port, host order (nat/fullnat only); 0 = the VIP's (#19) */
	int line; /* where it was defined, for later messages */
	/* runtime only (lbctl backend drain, persisted in the state file; never in YAML) */
	bool drain; /* draining: no new flows; established flows until drain_timeout */
	long long drain_since_ms; /* CLOCK_REALTIME ms when the drain started */
};

struct xlb_cfg_service {
	char name[XLB_NAME_MAX]; /* unique */
	struct xlb_vip_key key; /* VIP, port (network order), proto, family; unique */
	__u8 sched; /* enum xlb_sched */
	__u8 fwd; /* enum xlb_fwd */
	__u32 table_size; /* prime, default XLB_DEFAULT_TABLE_SIZE */
	struct xlb_hc_check hc; /* health_check (defaults: xlb_hc_check_default) */
	struct xlb_pol_service pol; /* cross_zone, zone_min_healthy, panic_* */
	struct xlb_scale_cfg scaling; /* scaling: hook (metric XLB_SCALE_OFF = none) */
	__u32 drain_timeout_s; /* deregistration delay of a drained backend, default 300 */
	bool allow_local_address; /* allow_local_address: the VIP may be an address of this node */
	struct xlb_acl acl; /* acl: allow/deny source prefixes of the VIP's family (owned) */
	struct xlb_rate_limit rate_limit; /* rate_limit: new flows per source bucket; !set = global */
	__u8 syn_cookies; /* syn_cookies: enum xlb_syn_cookies (syncookie.h); TCP only */
	struct xlb_cfg_backend *backends; /* no duplicate addresses */
	size_t n_backends;
	int line;
	/* #21: passive health and slow start (userspace/lib/outlier.h, slowstart.h) */
	struct xlb_outlier_cfg outlier; /* outlier_detection: */
	__u32 slow_start_s; /* slow_start_s: weight ramp of joining backends; 0 = none */
	struct xlb_agent_cfg agent; /* agent_check: backend feedback; port 0 = none */
};

struct xlb_config {
	char node_zone[XLB_ZONE_MAX]; /* node.zone; "" = none */
	/* node.address_v4 / address_v6: outer source of ipip/gue; family 0 = not set */
	struct xlb_addr node_addr4, node_addr6;
	__u8 node_addr4_family, node_addr6_family;
	__u16 gue_port; /* node.gue_port, host order; XLB_GUE_PORT_DEFAULT if not set */
	/*
	 * #19, fullnat: node.snat_v4 / snat_v6 (family 0 = the address of the interface
	 * toward each backend), node.snat_ports (!snat_ports_set = the
	 * default range), node.nat_timeouts in seconds (0 = the default).
	 */
	struct xlb_addr snat4, snat6; /* node.snat_v4 / snat_v6 */
	__u8 snat4_family, snat6_family;
	bool snat_ports_set;
	struct xlb_port_range snat_ports;
	__u32 nat_timeouts[XLB_NAT_TMO_MAX]; /* enum xlb_nat_tmo */
	struct xlb_cfg_service *services;
	size_t n_services;
	/* filters (docs/filtering.md): acl.deny (allow unused at the top) and rate_limit */
	struct xlb_acl acl;
	struct xlb_rate_limit rate_limit;
	/* syn_cookie_secret: 128 bits shared by every node and backend (syncookie.h) */
	__u8 sc_secret[16];
	bool sc_secret_set;
	/* access control (docs/access.md): roles:, control:, audit: */
	struct xlb_access access; /* roles: and control.root_is_admin */
	char socket_group[XLB_AUTHZ_NAME_MAX]; /* control.socket_group; "" = default */
	__u32 socket_mode; /* control.socket_mode, if socket_mode_set (default 0660) */
	bool socket_mode_set;
	char audit_file[XLB_PATH_MAX]; /* audit.file; "" = default (lbd --help) */
	/* metrics.listen: where lbd serves Prometheus /metrics; family 0 = off */
	struct xlb_addr metrics_addr;
	__u8 metrics_family;
	__u16 metrics_port; /* host order */
	char events_file[XLB_PATH_MAX]; /* events.file; "" = ring only */
	/* bgp: announce the VIPs through BIRD (docs/multinode.md); !bgp_enabled = off */
	bool bgp_enabled;
	char bgp_bird_socket[108]; /* bgp.bird_socket: BIRD's control socket (sun_path size) */
	char bgp_config_file[XLB_PATH_MAX]; /* bgp.config_file: the fragment lbd writes */
	char bgp_protocol[32]; /* bgp.protocol: static protocols PROTO4 / PROTO6 */
	/* cluster: desired state shared through etcd (docs/cluster.md); !cluster_enabled = off */
	bool cluster_enabled;
	char cluster_etcd[XLB_CLUSTER_MAX_ETCD][XLB_CLUSTER_URL_MAX]; /* cluster.etcd */
	size_t cluster_n_etcd;
	char cluster_prefix[XLB_CLUSTER_PREFIX_MAX]; /* cluster.prefix, ends with '/' */
	char cluster_node_name[XLB_NAME_MAX]; /* cluster.node_name */
	/*
	 * Not in YAML: the XLB_SEC_* sections a cluster document declares it
	 * carries (cluster_doc.c); 0 in a config read from a file.
	 */
	unsigned int doc_sections;
};

/*
 * The top-level sections, as bits: what config_write writes, and what the
 * cluster document carries (docs/cluster.md): the cluster-wide sections
 * (XLB_SEC_SHARED) come from the document, the others from each node's file.
 */
enum xlb_cfg_section {
	XLB_SEC_SERVICES = 1u << 0,
	XLB_SEC_ACL = 1u << 1, /* the global acl: (service acl: is part of the service) */
	XLB_SEC_RATE_LIMIT = 1u << 2, /* the global rate_limit: */
	XLB_SEC_ROLES = 1u << 3,
	XLB_SEC_NODE = 1u << 4,
	XLB_SEC_CONTROL = 1u << 5, /* includes control.root_is_admin */
	XLB_SEC_AUDIT = 1u << 6,
	XLB_SEC_METRICS = 1u << 7,
	XLB_SEC_EVENTS = 1u << 8,
	XLB_SEC_BGP = 1u << 9,
	XLB_SEC_CLUSTER = 1u << 10,
};
#define XLB_SEC_SHARED (XLB_SEC_SERVICES | XLB_SEC_ACL | XLB_SEC_RATE_LIMIT | XLB_SEC_ROLES)
#define XLB_SEC_ALL ((1u << 11) - 1)
/* "services", "acl", ... for one bit; NULL for anything else. */
const char *xlb_cfg_section_name(unsigned int sec);

/* xlb_config_parse_flags() flags */
#define XLB_PARSE_NO_NODE_CHECKS 0x1 /* skip checks against node: (ipip/gue need node.address_vN) */

/*
 * Parse and validate. On success returns 0 and fills *cfg (free it with
 * xlb_config_free). On failure returns -EINVAL (or -ENOENT/-EACCES/-ENOMEM
 * for the file), leaves *cfg empty and writes one human-readable line to err.
 * `name` is the file name used in messages.
 */
int xlb_config_parse(const char *buf, size_t len, const char *name, struct xlb_config *cfg,
		     char *err, size_t errlen);
/* The same with XLB_PARSE_* flags (the cluster document: XLB_PARSE_NO_NODE_CHECKS). */
int xlb_config_parse_flags(const char *buf, size_t len, const char *name, unsigned int flags,
			   struct xlb_config *cfg, char *err, size_t errlen);
int xlb_config_load(const char *path, struct xlb_config *cfg, char *err, size_t errlen);

/*
 * The backend capacity the validator checks against (all services
 * together): XLB_MAX_BACKENDS unless lbd runs with --max-backends (or found
 * pinned maps of another size). Process-wide; set before parsing.
 */
void xlb_config_set_max_backends(__u32 n);
/*
 * Limits checked while parsing, before a document is built: nesting depth
 * and YAML nodes (the latter from the backend capacity above).
 */
#define XLB_CFG_MAX_DEPTH 32
size_t xlb_config_max_nodes(void);
__u32 xlb_config_max_backends(void);
void xlb_config_free(struct xlb_config *cfg);

/*
 * The node's own addresses, which no backend and (unless the service says
 * allow_local_address: true) no VIP may have: a VIP there takes the port
 * away from the node's own servers, a backend there is the balancer itself.
 * Addresses of loopback interfaces are not the node's in this sense: a VIP
 * held on lo is the usual way to own it. Process-wide, like the backend
 * capacity: lbd reads them (xlb_config_read_local_addrs(): getifaddrs() of
 * its network namespace) before each parse and runtime change; with none
 * set (lbctl, tests) nothing is checked against them. set: a copy is kept;
 * 0 or -ENOMEM.
 */
int xlb_config_set_local_addrs(const struct xlb_addr *addrs, const __u8 *families, size_t n);
int xlb_config_read_local_addrs(void);

/*
 * The one check of a VIP (vip true) or backend address of service s, for
 * the config file, the cluster document and the runtime commands alike:
 * xlb_addr_unusable(), the node's own addresses (above), and against cfg
 * (may be NULL): a backend may not be its service's VIP nor another
 * service's VIP, a VIP may not be another service's backend. Returns 0, or
 * -EINVAL with a phrase in why ("is a loopback address (127.0.0.0/8)") that
 * the caller prefixes with the field or argument.
 */
int xlb_cfg_check_addr(const struct xlb_config *cfg, const struct xlb_cfg_service *s, bool vip,
		       const struct xlb_addr *a, __u8 family, char *why, size_t len);

#endif
