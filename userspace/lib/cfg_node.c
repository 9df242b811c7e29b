// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cfg_node.c - the config's node-wide sections: node, scaling, metrics, events,
 * roles, control, audit, bgp, cluster; the addresses a VIP or backend may not have;
 * the walker and entry points are in config.c, shared internals in cfg_int.h.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "announce.h"
#include "config.h"
#include "cfg_int.h"

/* ---- addresses a VIP or backend may not have ------------------------------ */

struct local_addr {
	struct xlb_addr a;
	__u8 family;
};

static struct local_addr *local_addrs;
static size_t n_local_addrs;

int xlb_config_set_local_addrs(const struct xlb_addr *addrs, const __u8 *families, size_t n)
{
	struct local_addr *l = NULL;
	size_t i;

	if (n) {
		l = calloc(n, sizeof(*l));
		if (!l)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			l[i].a = addrs[i];
			l[i].family = families[i];
		}
	}
	free(local_addrs);
	local_addrs = l;
	n_local_addrs = n;
	return 0;
}

int xlb_config_read_local_addrs(void)
{
	struct xlb_addr *a = NULL;
	struct ifaddrs *ifa, *i;
	__u8 *f = NULL;
	size_t n = 0, cap = 0;
	int err;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct xlb_addr *na = realloc(a, nc * sizeof(*a));
			__u8 *nf;

			if (na)
				a = na;
			nf = na ? realloc(f, nc * sizeof(*f)) : NULL;
			if (!nf) {
				err = -ENOMEM;
				goto out;
			}
			f = nf;
			cap = nc;
		}
		memset(&a[n], 0, sizeof(a[n]));
		if (i->ifa_addr->sa_family == AF_INET) {
			a[n].a[0] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			f[n] = XLB_AF_INET;
		} else {
			memcpy(&a[n], &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			f[n] = XLB_AF_INET6;
		}
		n++;
	}
	err = xlb_config_set_local_addrs(a, f, n);
out:
	freeifaddrs(ifa);
	free(a);
	free(f);
	return err;
}

static bool same_addr(__u8 fa, const struct xlb_addr *a, __u8 fb, const struct xlb_addr *b)
{
	return !xlb_addr_cmp(fa, a, fb, b);
}

int xlb_cfg_check_addr(const struct xlb_config *cfg, const struct xlb_cfg_service *s, bool vip,
		       const struct xlb_addr *a, __u8 family, char *why, size_t len)
{
	const char *p = xlb_addr_unusable(a, family);
	size_t i, j;

	if (p) {
		snprintf(why, len, "%s", p);
		return -EINVAL;
	}
	for (i = 0; i < n_local_addrs; i++) {
		if (!same_addr(family, a, local_addrs[i].family, &local_addrs[i].a))
			continue;
		if (vip && s->allow_local_address)
			break;
		snprintf(why, len, "is an address of this node%s",
			 vip ? " (a VIP there takes the port from the node's own servers; "
			       "allow_local_address: true on the service if that is meant)"
			     : ": a backend cannot be the balancer itself");
		return -EINVAL;
	}
	if (!vip && same_addr(family, a, s->key.family, &s->key.addr)) {
		snprintf(why, len, "is the service's own VIP");
		return -EINVAL;
	}
	for (i = 0; cfg && i < cfg->n_services; i++) {
		const struct xlb_cfg_service *o = &cfg->services[i];

		if (o == s || !strcmp(o->name, s->name))
			continue;
		if (!vip && same_addr(family, a, o->key.family, &o->key.addr)) {
			snprintf(why, len, "is the VIP of service \"%s\"", o->name);
			return -EINVAL;
		}
		for (j = 0; vip && j < o->n_backends; j++) {
			if (same_addr(family, a, o->backends[j].family, &o->backends[j].addr)) {
				snprintf(why, len, "is a backend of service \"%s\"", o->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* ---- scaling, metrics, events (docs/config.md) ---------------------------- */

/* A plain non-negative decimal: 0, 12, 0.5, 1500.25 */
static int get_decimal(struct ctx *c, yaml_node_t *n, double *out)
{
	return cfg_get_plain_decimal(c, n, out, "a number", "a non-negative decimal number");
}

/* An absolute path of at most XLB_PATH_MAX - 1 printable characters. */
static int get_path(struct ctx *c, yaml_node_t *n, char *out, size_t outlen)
{
	const char *s = NULL;
	char q[64];
	size_t i, len;
	int err;

	err = cfg_get_string(c, n, &s);
	if (err)
		return err;
	len = strlen(s);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return cfg_fail(c, n, "%s contains a control character",
					cfg_quote(s, q, sizeof(q)));
	if (s[0] != '/')
		return cfg_fail(c, n, "%s is not an absolute path", cfg_quote(s, q, sizeof(q)));
	if (len >= outlen)
		return cfg_fail(c, n, "%s is too long (at most %zu characters)",
				cfg_quote(s, q, sizeof(q)), outlen - 1);
	memcpy(out, s, len + 1);
	return 0;
}

struct scale_tmp {
	struct xlb_scale_cfg *sc;
	yaml_node_t *above, *below;
};

static int sc_metric(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct scale_tmp *t = obj;
	const char *s = NULL;
	char q[64];
	int err = cfg_get_string(c, v, &s);

	if (err)
		return err;
	if (xlb_scale_metric_parse(s, &t->sc->metric))
		return cfg_fail(c, v,
				"%s: expected new_flows_per_backend_per_s or "
				"active_flows_per_backend",
				cfg_quote(s, q, sizeof(q)));
	return 0;
}

static int sc_above(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct scale_tmp *t = obj;

	t->above = v;
	t->sc->has_above = true;
	return get_decimal(c, v, &t->sc->above);
}

static int sc_below(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct scale_tmp *t = obj;

	t->below = v;
	t->sc->has_below = true;
	return get_decimal(c, v, &t->sc->below);
}

static int sc_for(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 1, 86400, &((struct scale_tmp *)obj)->sc->for_s);
}

static int sc_cooldown(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 0, 86400, &((struct scale_tmp *)obj)->sc->cooldown_s);
}

static int sc_command(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_scale_cfg *sc = ((struct scale_tmp *)obj)->sc;

	return get_path(c, v, sc->command, sizeof(sc->command));
}

static const struct field scaling_fields[] = {
    {"metric", true, sc_metric},
    {"above", false, sc_above},
    {"below", false, sc_below},
    {"for_s", false, sc_for},
    {"cooldown_s", false, sc_cooldown},
    {"command", true, sc_command},
};

int cfg_svc_scaling(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_scale_cfg *sc = &((struct svc_tmp *)obj)->s->scaling;
	struct scale_tmp t = {.sc = sc};
	size_t old;
	int err;

	if (cfg_is_null(v))
		return 0;
	sc->for_s = 30;
	sc->cooldown_s = 300;
	err = cfg_walk_map(c, v, scaling_fields, ARRAY_SIZE(scaling_fields), &t);
	if (err)
		return err;
	if (!sc->has_above && !sc->has_below)
		return cfg_fail(c, v, "needs above, below or both");
	if (sc->has_above && sc->has_below && !(sc->below < sc->above)) {
		old = cfg_path_key(c, "below");
		err = cfg_fail(c, t.below, "%g must be less than above (%g)", sc->below, sc->above);
		cfg_path_pop(c, old);
		return err;
	}
	return 0;
}

/* metrics.listen: "ADDRESS:PORT", IPv6 in brackets: "[::1]:9469". */
static int metrics_listen(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_config *cfg = c->cfg;
	char host[XLB_ADDR_STRLEN + 2], q[64];
	const char *s = NULL, *colon;
	size_t hl;
	int err = cfg_get_string(c, v, &s);
	__u32 port = 0;
	const char *p;

	if (err)
		return err;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return cfg_fail(c, v, "%s: expected ADDRESS:PORT or [IPv6]:PORT",
					cfg_quote(s, q, sizeof(q)));
		hl = rb - s - 1;
		colon = rb + 1;
		if (hl >= sizeof(host))
			return cfg_fail(c, v, "%s is not an IPv6 address",
					cfg_quote(s, q, sizeof(q)));
		memcpy(host, s + 1, hl);
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return cfg_fail(c, v,
					"%s: expected ADDRESS:PORT (IPv6 in brackets: "
					"[::1]:9469)",
					cfg_quote(s, q, sizeof(q)));
		hl = colon - s;
		if (hl >= sizeof(host))
			return cfg_fail(c, v, "%s is not an IPv4 address",
					cfg_quote(s, q, sizeof(q)));
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (xlb_addr_parse(host, &cfg->metrics_addr, &cfg->metrics_family) ||
	    (s[0] == '[') != (cfg->metrics_family == XLB_AF_INET6)) {
		cfg->metrics_family = 0;
		return cfg_fail(c, v, "%s: \"%s\" is not an %s address", cfg_quote(s, q, sizeof(q)),
				host, s[0] == '[' ? "IPv6" : "IPv4");
	}
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			break;
		port = port * 10 + (__u32)(*p - '0');
	}
	if (!colon[1] || *p || port < 1 || port > 65535 || colon[1] == '0') {
		cfg->metrics_family = 0;
		return cfg_fail(c, v, "%s: port must be 1..65535", cfg_quote(s, q, sizeof(q)));
	}
	cfg->metrics_port = (__u16)port;
	return 0;
}

static const struct field metrics_fields[] = {
    {"listen", true, metrics_listen},
};

int cfg_top_metrics(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (cfg_is_null(v))
		return 0;
	return cfg_walk_map(c, v, metrics_fields, ARRAY_SIZE(metrics_fields), NULL);
}

static int events_file(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_path(c, v, c->cfg->events_file, sizeof(c->cfg->events_file));
}

static const struct field events_fields[] = {
    {"file", false, events_file},
};

int cfg_top_events(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (cfg_is_null(v))
		return 0;
	return cfg_walk_map(c, v, events_fields, ARRAY_SIZE(events_fields), NULL);
}

static int node_zone(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_zone(c, v, c->cfg->node_zone);
}

/* node.address_v4 / address_v6: this node's address of that family (outer source of ipip/gue). */
static int node_address(struct ctx *c, yaml_node_t *v, __u8 want, struct xlb_addr *a, __u8 *fam)
{
	char buf[XLB_ADDR_STRLEN];
	int err = cfg_get_addr(c, v, a, fam);

	if (err)
		return err;
	if (*fam != want)
		return cfg_fail(c, v, "%s is not an %s address",
				xlb_addr_str(a, *fam, buf, sizeof(buf)),
				want == XLB_AF_INET ? "IPv4" : "IPv6");
	return 0;
}

static int node_address_v4(struct ctx *c, yaml_node_t *v, void *obj)
{
	return node_address(c, v, XLB_AF_INET, &c->cfg->node_addr4, &c->cfg->node_addr4_family);
}

static int node_address_v6(struct ctx *c, yaml_node_t *v, void *obj)
{
	return node_address(c, v, XLB_AF_INET6, &c->cfg->node_addr6, &c->cfg->node_addr6_family);
}

static int node_gue_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	__u32 port;
	int err = cfg_get_uint(c, v, 1, 65535, &port);

	if (!err)
		c->cfg->gue_port = (__u16)port;
	return err;
}

/* #19: node.snat_v4: the fullnat source address (default: toward each backend). */
static int node_snat_v4(struct ctx *c, yaml_node_t *v, void *obj)
{
	return node_address(c, v, XLB_AF_INET, &c->cfg->snat4, &c->cfg->snat4_family);
}

static int node_snat_v6(struct ctx *c, yaml_node_t *v, void *obj)
{
	return node_address(c, v, XLB_AF_INET6, &c->cfg->snat6, &c->cfg->snat6_family);
}

/* #19: node.snat_ports: "lo-hi" (natpool.c; checked against the node's ephemeral ports by lbd). */
static int node_snat_ports(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	int err;

	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	err = xlb_natpool_parse_range(s, &c->cfg->snat_ports);
	if (err)
		return cfg_fail(c, v, "\"%s\" is not a port range lo-hi within 1..65535", s);
	if (xlb_port_range_len(&c->cfg->snat_ports) < XLB_NATPOOL_MIN_SLICE)
		return cfg_fail(c, v, "%s: fewer than %u ports", s, XLB_NATPOOL_MIN_SLICE);
	c->cfg->snat_ports_set = true;
	return 0;
}

#define NAT_TMO_FIELD(fn, idx)                                                              \
	static int fn(struct ctx *c, yaml_node_t *v, void *obj)                             \
	{                                                                                   \
		return cfg_get_uint(c, v, 1, 7 * 86400, &c->cfg->nat_timeouts[idx]);        \
	}
NAT_TMO_FIELD(nat_tmo_handshake, XLB_NAT_TMO_TCP_HANDSHAKE)
NAT_TMO_FIELD(nat_tmo_established, XLB_NAT_TMO_TCP_ESTABLISHED)
NAT_TMO_FIELD(nat_tmo_closing, XLB_NAT_TMO_TCP_CLOSING)
NAT_TMO_FIELD(nat_tmo_reset, XLB_NAT_TMO_TCP_RESET)
NAT_TMO_FIELD(nat_tmo_udp, XLB_NAT_TMO_UDP)

/* Keys follow xlb_nat_tmo_names (names.c), which config_write and lbctl share. */
static const struct field nat_timeout_fields[] = {
    {"tcp_handshake", false, nat_tmo_handshake},
    {"tcp_established", false, nat_tmo_established},
    {"tcp_closing", false, nat_tmo_closing},
    {"tcp_reset", false, nat_tmo_reset},
    {"udp", false, nat_tmo_udp},
};

static int node_nat_timeouts(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (cfg_is_null(v))
		return 0;
	return cfg_walk_map(c, v, nat_timeout_fields, ARRAY_SIZE(nat_timeout_fields), NULL);
}

static const struct field node_fields[] = {
    {"zone", false, node_zone},
    {"address_v4", false, node_address_v4},
    {"address_v6", false, node_address_v6},
    {"gue_port", false, node_gue_port},
    {"snat_v4", false, node_snat_v4},
    {"snat_v6", false, node_snat_v6},
    {"snat_ports", false, node_snat_ports},
    {"nat_timeouts", false, node_nat_timeouts},
};

int cfg_top_node(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (cfg_is_null(v))
		return 0;
	return cfg_walk_map(c, v, node_fields, ARRAY_SIZE(node_fields), NULL);
}

/* ---- access control: roles, control, audit (docs/access.md) ------------- */

/* A user or group name: 1..63 of [A-Za-z0-9_.-], not starting with '-', optional final '$'. */
static bool valid_id_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n >= XLB_AUTHZ_NAME_MAX || s[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '$' && i == n - 1 && i)
			continue;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

/* A sequence of names into *out (calloc'd); what says which kind, for messages. */
static int get_names(struct ctx *c, yaml_node_t *v, bool service_names,
		     char (**out)[XLB_AUTHZ_NAME_MAX], size_t *n_out)
{
	yaml_node_item_t *it;
	size_t n, i, j, old;
	const char *s;
	char q[64];
	int err;

	if (cfg_is_null(v))
		return cfg_fail(c, v, "expected a sequence of names, got nothing");
	if (v->type != YAML_SEQUENCE_NODE)
		return cfg_fail(c, v, "expected a sequence of names, got %s", cfg_kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n)
		return cfg_fail(c, v, "empty list (leave the key out instead)");
	if (n > 4096)
		return cfg_fail(c, v, "too many names (%zu, at most 4096)", n);
	*out = calloc(n, XLB_AUTHZ_NAME_MAX);
	if (!*out)
		return -ENOMEM;
	*n_out = n;
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		old = cfg_path_index(c, i);
		if (!e)
			return cfg_fail(c, v, "malformed sequence");
		err = cfg_get_string(c, e, &s);
		if (err)
			return err;
		if (service_names ? !cfg_valid_name(s) : !valid_id_name(s))
			return cfg_fail(c, e,
					"%s is not a valid %s name "
					"([A-Za-z0-9_.-], 1..63 characters)",
					cfg_quote(s, q, sizeof(q)),
					service_names ? "service" : "user/group");
		for (j = 0; j < i; j++)
			if (!strcmp((*out)[j], s))
				return cfg_fail(c, e, "%s is listed twice",
						cfg_quote(s, q, sizeof(q)));
		strcpy((*out)[i], s);
		cfg_path_pop(c, old);
	}
	return 0;
}

static int grant_role(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"viewer", "operator", "admin"};
	struct xlb_grant *g = obj;
	__u8 i;
	int err;

	err = cfg_get_enum(c, v, names, ARRAY_SIZE(names), &i);
	if (!err)
		g->role = XLB_ROLE_VIEWER + i;
	return err;
}

static int grant_users(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_grant *g = obj;

	return get_names(c, v, false, &g->users, &g->n_users);
}

static int grant_groups(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_grant *g = obj;

	return get_names(c, v, false, &g->groups, &g->n_groups);
}

static int grant_services(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_grant *g = obj;

	return get_names(c, v, true, &g->services, &g->n_services);
}

static const struct field grant_fields[] = {
    {"role", true, grant_role},
    {"users", false, grant_users},
    {"groups", false, grant_groups},
    {"services", false, grant_services},
};

int cfg_top_roles(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_access *a = &c->cfg->access;
	yaml_node_item_t *it;
	size_t n, i, old;
	int err;

	if (cfg_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return cfg_fail(c, v, "expected a sequence, got %s", cfg_kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n)
		return 0;
	if (n > 1024)
		return cfg_fail(c, v, "too many roles entries (%zu, at most 1024)", n);
	a->grants = calloc(n, sizeof(*a->grants));
	if (!a->grants)
		return -ENOMEM;
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *gn = yaml_document_get_node(c->doc, *it);
		struct xlb_grant *g = &a->grants[i];

		old = cfg_path_index(c, i);
		a->n_grants = i + 1; /* so xlb_config_free sees what was filled */
		if (!gn)
			return cfg_fail(c, v, "malformed sequence");
		g->line = cfg_line_of(gn);
		err = cfg_walk_map(c, gn, grant_fields, ARRAY_SIZE(grant_fields), g);
		if (err)
			return err;
		if (!g->n_users && !g->n_groups)
			return cfg_fail(c, gn, "grants nobody: give users:, groups: or both");
		cfg_path_pop(c, old);
	}
	return 0;
}

static int control_socket_group(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	if (!valid_id_name(s))
		return cfg_fail(c, v,
				"%s is not a valid group name ([A-Za-z0-9_.-], 1..63 characters)",
				cfg_quote(s, q, sizeof(q)));
	strcpy(c->cfg->socket_group, s);
	return 0;
}

/* An octal permission string: "0660", "0600" (quoted or plain; plain 660 is decimal in YAML). */
static int control_socket_mode(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	if (s[0] != '0' || strlen(s) < 2 || strlen(s) > 4 || strspn(s, "01234567") != strlen(s))
		return cfg_fail(c, v, "%s is not an octal mode like \"0660\" (0000..0777)",
				cfg_quote(s, q, sizeof(q)));
	c->cfg->socket_mode = (__u32)strtoul(s, NULL, 8);
	c->cfg->socket_mode_set = true;
	return 0;
}

static int control_root_is_admin(struct ctx *c, yaml_node_t *v, void *obj)
{
	bool b;
	int err;

	err = cfg_get_bool(c, v, &b);
	if (!err)
		c->cfg->access.root_not_admin = !b;
	return err;
}

static const struct field control_fields[] = {
    {"socket_group", false, control_socket_group},
    {"socket_mode", false, control_socket_mode},
    {"root_is_admin", false, control_root_is_admin},
};

int cfg_top_control(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (cfg_is_null(v))
		return 0;
	return cfg_walk_map(c, v, control_fields, ARRAY_SIZE(control_fields), NULL);
}

static int audit_file(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_path(c, v, c->cfg->audit_file, sizeof(c->cfg->audit_file));
}

static const struct field audit_fields[] = {
    {"file", false, audit_file},
};

int cfg_top_audit(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (cfg_is_null(v))
		return 0;
	return cfg_walk_map(c, v, audit_fields, ARRAY_SIZE(audit_fields), NULL);
}

/* ---- bgp: announcing the VIPs through BIRD (lbd/bgp.c) ------------------ */

static int bgp_bird_socket(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_path(c, v, c->cfg->bgp_bird_socket, sizeof(c->cfg->bgp_bird_socket));
}

static int bgp_config_file(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_path(c, v, c->cfg->bgp_config_file, sizeof(c->cfg->bgp_config_file));
}

static int bgp_protocol(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	int err = cfg_get_string(c, v, &s);

	if (err)
		return err;
	if (!xlb_bird_proto_valid(s))
		return cfg_fail(c, v,
				"%s is not a BIRD protocol name prefix ([A-Za-z_][A-Za-z0-9_], "
				"1..%d characters)",
				cfg_quote(s, q, sizeof(q)), XLB_BIRD_PROTO_MAX - 4);
	snprintf(c->cfg->bgp_protocol, sizeof(c->cfg->bgp_protocol), "%s", s);
	return 0;
}

static const struct field bgp_fields[] = {
    {"bird_socket", false, bgp_bird_socket},
    {"config_file", true, bgp_config_file},
    {"protocol", false, bgp_protocol},
};

int cfg_top_bgp(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_config *cfg = c->cfg;
	int err;

	if (cfg_is_null(v))
		return 0;
	snprintf(cfg->bgp_bird_socket, sizeof(cfg->bgp_bird_socket), "%s", XLB_BIRD_DEFAULT_SOCKET);
	snprintf(cfg->bgp_protocol, sizeof(cfg->bgp_protocol), "%s", XLB_BIRD_DEFAULT_PROTO);
	err = cfg_walk_map(c, v, bgp_fields, ARRAY_SIZE(bgp_fields), NULL);
	cfg->bgp_enabled = !err;
	return err;
}

/* ---- cluster: desired state shared through etcd (lbd/cluster.c) -------- */

static int cluster_etcd(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_config *cfg = c->cfg;
	yaml_node_item_t *it;
	const char *s;
	char q[64];
	size_t n, i;
	int err;

	if (v->type != YAML_SEQUENCE_NODE)
		return cfg_fail(c, v, "expected a sequence of URLs, got %s", cfg_kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n || n > XLB_CLUSTER_MAX_ETCD)
		return cfg_fail(c, v, "expected 1..%d etcd endpoints, got %zu",
				XLB_CLUSTER_MAX_ETCD, n);
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		if (!e)
			return cfg_fail(c, v, "malformed sequence");
		err = cfg_get_string(c, e, &s);
		if (err)
			return err;
		if (strncmp(s, "http://", 7) || !s[7] || strlen(s) >= XLB_CLUSTER_URL_MAX ||
		    strpbrk(s, " \t\"\\") || s[strlen(s) - 1] == '/')
			return cfg_fail(c, e,
					"%s is not an etcd endpoint like \"http://10.0.1.1:2379\"",
					cfg_quote(s, q, sizeof(q)));
		snprintf(cfg->cluster_etcd[i], XLB_CLUSTER_URL_MAX, "%s", s);
	}
	cfg->cluster_n_etcd = n;
	return 0;
}

static int cluster_prefix(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	size_t i, n;
	int err = cfg_get_string(c, v, &s);

	if (err)
		return err;
	n = strlen(s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			break;
	if (s[0] != '/' || n < 2 || s[n - 1] != '/' || i < n || n >= XLB_CLUSTER_PREFIX_MAX)
		return cfg_fail(c, v,
				"%s is not a key prefix like \"/xlb/prod/\" (starts and ends "
				"with '/', no spaces, at most %d characters)",
				cfg_quote(s, q, sizeof(q)), XLB_CLUSTER_PREFIX_MAX - 1);
	memcpy(c->cfg->cluster_prefix, s, n + 1);
	return 0;
}

static int cluster_node_name(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	int err = cfg_get_string(c, v, &s);

	if (err)
		return err;
	if (!cfg_valid_name(s))
		return cfg_fail(c, v,
				"%s is not a valid node name ([A-Za-z0-9_.-], 1..63 characters)",
				cfg_quote(s, q, sizeof(q)));
	snprintf(c->cfg->cluster_node_name, sizeof(c->cfg->cluster_node_name), "%s", s);
	return 0;
}

static const struct field cluster_fields[] = {
    {"etcd", true, cluster_etcd},
    {"prefix", true, cluster_prefix},
    {"node_name", true, cluster_node_name},
};

int cfg_top_cluster(struct ctx *c, yaml_node_t *v, void *obj)
{
	int err;

	if (cfg_is_null(v))
		return 0;
	err = cfg_walk_map(c, v, cluster_fields, ARRAY_SIZE(cluster_fields), NULL);
	c->cfg->cluster_enabled = !err;
	return err;
}
