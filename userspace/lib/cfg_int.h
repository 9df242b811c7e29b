/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cfg_int.h - internals of the config parser (config.h), shared by its files
 * and by nothing else:
 *   config.c       the walker and its typed getters, the top-level keys,
 *                  whole-document checks, entry points
 *   cfg_service.c  services, backends, health_check, outlier_detection,
 *                  agent_check, slow_start_s, syn_cookies
 *   cfg_filter.c   acl, rate_limit
 *   cfg_node.c     node, scaling, metrics, events, roles, control, audit, bgp,
 *                  cluster; local addresses
 */
#ifndef XLB_CFG_INT_H
#define XLB_CFG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "config.h"

struct ctx {
	const char *file;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	char path[256]; /* current field path; truncated paths still read fine */
	size_t plen;
	struct xlb_config *cfg;
	size_t total_backends;
};

/*
 * One known key of a mapping. parse() is called with the path already
 * extended by the key and gets the value node and the object being filled.
 */
struct field {
	const char *key;
	bool required;
	int (*parse)(struct ctx *c, yaml_node_t *val, void *obj);
};

struct svc_tmp {
	struct xlb_cfg_service *s;
	yaml_node_t *name;
	yaml_node_t *vip;
	yaml_node_t *backends; /* parsed after the walk: needs the vip's family */
	yaml_node_t *acl; /* acl: parsed after the walk too (entries must match the VIP's family) */
	bool hc_given;	  /* health_check: present (with at least a null value) */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* config.c */
__attribute__((format(printf, 3, 4))) int cfg_fail(struct ctx *c, const yaml_node_t *n,
						   const char *fmt, ...);
int cfg_get_addr(struct ctx *c, yaml_node_t *n, struct xlb_addr *addr, __u8 *family);
int cfg_get_bool(struct ctx *c, yaml_node_t *n, bool *out);
int cfg_get_fraction(struct ctx *c, yaml_node_t *n, double *out);
int cfg_get_plain_decimal(struct ctx *c, yaml_node_t *n, double *out, const char *expect,
			  const char *what);
int cfg_get_string(struct ctx *c, yaml_node_t *n, const char **out);
int cfg_get_uint(struct ctx *c, yaml_node_t *n, __u32 min, __u32 max, __u32 *out);
int cfg_get_zone(struct ctx *c, yaml_node_t *n, char *out);
bool cfg_is_null(const yaml_node_t *n);
const char *cfg_kind(const yaml_node_t *n);
int cfg_line_of(const yaml_node_t *n);
size_t cfg_path_index(struct ctx *c, size_t i);
size_t cfg_path_key(struct ctx *c, const char *key);
void cfg_path_pop(struct ctx *c, size_t old);
const char *cfg_quote(const char *s, char *buf, size_t len);
const char *cfg_sval(const yaml_node_t *n);
int cfg_walk_map(struct ctx *c, yaml_node_t *map, const struct field *fields, size_t nfields,
		 void *obj);

/* cfg_service.c */
yaml_node_t cfg_at_line(int line);
int cfg_get_enum(struct ctx *c, yaml_node_t *v, const char *const *names, size_t n, __u8 *out);
int cfg_top_services(struct ctx *c, yaml_node_t *v, void *obj);
bool cfg_valid_name(const char *s);

/* cfg_filter.c */
int cfg_svc_acl(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_svc_rate_limit(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_acl(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_rate_limit(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_svc_acl_walk(struct ctx *c, yaml_node_t *n, struct xlb_acl *acl, __u8 family);

/* cfg_node.c */
int cfg_svc_scaling(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_audit(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_bgp(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_cluster(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_control(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_events(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_metrics(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_node(struct ctx *c, yaml_node_t *v, void *obj);
int cfg_top_roles(struct ctx *c, yaml_node_t *v, void *obj);

#endif
