// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * config_write.c - print a config as YAML that xlb_config_parse() accepts and
 * that parses back to the same struct xlb_config (lbctl config export, the
 * plan/apply history, the cluster document). The rules:
 *  - Every key of a service, its health check and its backends is written,
 *    defaults included, so the output does not depend on the defaults of the
 *    lbd that reads it later.
 *  - A top-level section that is off or empty when absent (metrics, events,
 *    bgp, cluster, acl, rate_limit, roles, audit, control) is written only when
 *    it says something, and then with every key it has.
 *  - A key added to the parser (config.c, cfg_*.c) must be added here too: the
 *    round-trip test in tests/unit/test_config.c compares every field and
 *    fails otherwise.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "config_write.h"
#include "filter.h"
#include "syncookie.h"

/* A double-quoted YAML string (escapes " and \ and control characters). */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* A plain non-negative decimal (scaling bounds) that reads back as d: 12, 0.5. */
static void put_decimal(FILE *f, double d)
{
	char buf[400];
	int p;

	for (p = 0; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*f", p, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	fputs(buf, f);
}

/* `INDENTkey: "value"` and a newline. */
static void put_kv(FILE *f, const char *indent, const char *key, const char *val)
{
	fprintf(f, "%s%s: ", indent, key);
	put_str(f, val);
	fputc('\n', f);
}

/* `INDENTkey: ["a", "b"]` (a flow sequence of quoted names). */
static void put_names(FILE *f, const char *indent, const char *key,
		      const char (*names)[XLB_AUTHZ_NAME_MAX], size_t n)
{
	size_t i;

	if (!n)
		return;
	fprintf(f, "%s%s: [", indent, key);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		put_str(f, names[i]);
	}
	fputs("]\n", f);
}

/* `INDENTkey: ["10.0.0.0/8", ...]`, in the list's order. */
static void put_cidrs(FILE *f, const char *indent, const char *key, const struct xlb_acl_list *l)
{
	char buf[XLB_CIDR_STRLEN];
	size_t i;

	if (!l->n)
		return;
	fprintf(f, "%s%s: [", indent, key);
	for (i = 0; i < l->n; i++) {
		if (i)
			fputs(", ", f);
		put_str(f, xlb_cidr_str(&l->v[i], buf, sizeof(buf)));
	}
	fputs("]\n", f);
}

static void put_rate_limit(FILE *f, const char *indent, const struct xlb_rate_limit *rl)
{
	if (!rl->set)
		return;
	fprintf(f, "%srate_limit:\n%s  new_flows_per_s: %u\n%s  burst: %u\n"
		   "%s  prefix_v4: %u\n%s  prefix_v6: %u\n",
		indent, indent, rl->rate, indent, rl->burst, indent, rl->prefix4, indent,
		rl->prefix6);
}

static void put_scaling(FILE *f, const struct xlb_scale_cfg *sc)
{
	if (sc->metric == XLB_SCALE_OFF)
		return;
	fprintf(f, "    scaling:\n      metric: %s\n", xlb_scale_metric_name(sc->metric));
	if (sc->has_above) {
		fputs("      above: ", f);
		put_decimal(f, sc->above);
		fputc('\n', f);
	}
	if (sc->has_below) {
		fputs("      below: ", f);
		put_decimal(f, sc->below);
		fputc('\n', f);
	}
	fprintf(f, "      for_s: %u\n      cooldown_s: %u\n", sc->for_s, sc->cooldown_s);
	put_kv(f, "      ", "command", sc->command);
}

/* Shortest decimal that reads back as d, without an exponent (config fractions). */
static void put_fraction(FILE *f, double d)
{
	char buf[64];
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*f", p, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	fputs(buf, f);
}

static void put_addr(FILE *f, const struct xlb_addr *a, __u8 family)
{
	char buf[XLB_ADDR_STRLEN];

	put_str(f, xlb_addr_str(a, family, buf, sizeof(buf)));
}

static void put_check(FILE *f, const struct xlb_hc_check *h)
{
	fprintf(f, "    health_check:\n      type: %s\n", xlb_hc_type_name(h->type));
	if (h->port)
		fprintf(f, "      port: %u\n", h->port);
	fprintf(f, "      path: ");
	put_str(f, h->path[0] ? h->path : "/");
	fprintf(f, "\n");
	if (h->host[0]) {
		fprintf(f, "      host: ");
		put_str(f, h->host);
		fprintf(f, "\n");
	}
	if (h->expect_lo == h->expect_hi)
		fprintf(f, "      expect: \"%u\"\n", h->expect_lo);
	else
		fprintf(f, "      expect: \"%u-%u\"\n", h->expect_lo, h->expect_hi);
	fprintf(f,
		"      interval_ms: %u\n      timeout_ms: %u\n      rise: %u\n      fall: %u\n"
		"      jitter_ms: %u\n      initial: %s\n",
		h->interval_ms, h->timeout_ms, h->rise, h->fall, h->jitter_ms,
		h->initial_up ? "up" : "down");
	if (h->via == XLB_HC_VIA_VIP) /* #21 */
		fprintf(f, "      via: vip\n");
	if (h->type == XLB_HC_UDP) {
		fprintf(f, "      payload: ");
		put_str(f, h->payload);
		fprintf(f, "\n      expect_reply: %s\n", h->expect_reply ? "true" : "false");
	}
	if (h->type == XLB_HC_DNS) {
		fprintf(f, "      query: ");
		put_str(f, h->query);
		fprintf(f, "\n");
	}
	if (h->type == XLB_HC_TCP && h->send[0]) {
		fprintf(f, "      send: ");
		put_str(f, h->send);
		fprintf(f, "\n");
	}
	if (h->type == XLB_HC_TCP && h->expect_str[0]) {
		fprintf(f, "      expect_string: ");
		put_str(f, h->expect_str);
		fprintf(f, "\n");
	}
}

/* #19: the NAT keys of node:, those set only. */
static bool node_nat_set(const struct xlb_config *cfg)
{
	size_t i;

	for (i = 0; i < XLB_NAT_TMO_MAX; i++)
		if (cfg->nat_timeouts[i])
			return true;
	return cfg->snat4_family || cfg->snat6_family || cfg->snat_ports_set;
}

static void put_node_nat(FILE *f, const struct xlb_config *cfg)
{
	bool tmo = false;
	size_t i;

	if (cfg->snat4_family) {
		fprintf(f, "  snat_v4: ");
		put_addr(f, &cfg->snat4, cfg->snat4_family);
		fprintf(f, "\n");
	}
	if (cfg->snat6_family) {
		fprintf(f, "  snat_v6: ");
		put_addr(f, &cfg->snat6, cfg->snat6_family);
		fprintf(f, "\n");
	}
	if (cfg->snat_ports_set)
		fprintf(f, "  snat_ports: \"%u-%u\"\n", cfg->snat_ports.lo, cfg->snat_ports.hi);
	for (i = 0; i < XLB_NAT_TMO_MAX; i++) {
		if (!cfg->nat_timeouts[i])
			continue;
		if (!tmo)
			fprintf(f, "  nat_timeouts:\n");
		tmo = true;
		fprintf(f, "    %s: %u\n", xlb_nat_tmo_names[i], cfg->nat_timeouts[i]);
	}
}

static void put_node(FILE *f, const struct xlb_config *cfg)
{
	if (!cfg->node_zone[0] && !cfg->node_addr4_family && !cfg->node_addr6_family &&
	    (!cfg->gue_port || cfg->gue_port == XLB_GUE_PORT_DEFAULT) && !node_nat_set(cfg))
		return;
	fprintf(f, "node:\n");
	if (cfg->node_zone[0])
		put_kv(f, "  ", "zone", cfg->node_zone);
	if (cfg->node_addr4_family) {
		fprintf(f, "  address_v4: ");
		put_addr(f, &cfg->node_addr4, cfg->node_addr4_family);
		fprintf(f, "\n");
	}
	if (cfg->node_addr6_family) {
		fprintf(f, "  address_v6: ");
		put_addr(f, &cfg->node_addr6, cfg->node_addr6_family);
		fprintf(f, "\n");
	}
	if (cfg->gue_port && cfg->gue_port != XLB_GUE_PORT_DEFAULT)
		fprintf(f, "  gue_port: %u\n", cfg->gue_port);
	put_node_nat(f, cfg);
}

static void put_metrics(FILE *f, const struct xlb_config *cfg)
{
	char a[XLB_ADDR_STRLEN], buf[XLB_ADDR_STRLEN + 16];
	bool v6 = cfg->metrics_family == XLB_AF_INET6;

	if (!cfg->metrics_family)
		return;
	snprintf(buf, sizeof(buf), "%s%s%s:%u", v6 ? "[" : "",
		 xlb_addr_str(&cfg->metrics_addr, cfg->metrics_family, a, sizeof(a)),
		 v6 ? "]" : "", cfg->metrics_port);
	fprintf(f, "metrics:\n");
	put_kv(f, "  ", "listen", buf);
}

static void put_control(FILE *f, const struct xlb_config *cfg)
{
	if (!cfg->socket_group[0] && !cfg->socket_mode_set && !cfg->access.root_not_admin)
		return;
	fprintf(f, "control:\n");
	if (cfg->socket_group[0])
		put_kv(f, "  ", "socket_group", cfg->socket_group);
	if (cfg->socket_mode_set)
		fprintf(f, "  socket_mode: \"0%03o\"\n", cfg->socket_mode & 0777);
	fprintf(f, "  root_is_admin: %s\n", cfg->access.root_not_admin ? "false" : "true");
}

static void put_roles(FILE *f, const struct xlb_access *a)
{
	size_t i;

	if (!a->n_grants)
		return;
	fprintf(f, "roles:\n");
	for (i = 0; i < a->n_grants; i++) {
		const struct xlb_grant *g = &a->grants[i];

		fprintf(f, "  - role: %s\n", xlb_role_name(g->role));
		put_names(f, "    ", "users", (const char(*)[XLB_AUTHZ_NAME_MAX])g->users,
			  g->n_users);
		put_names(f, "    ", "groups", (const char(*)[XLB_AUTHZ_NAME_MAX])g->groups,
			  g->n_groups);
		put_names(f, "    ", "services", (const char(*)[XLB_AUTHZ_NAME_MAX])g->services,
			  g->n_services);
	}
}

static void put_bgp(FILE *f, const struct xlb_config *cfg)
{
	if (!cfg->bgp_enabled)
		return;
	fprintf(f, "bgp:\n");
	put_kv(f, "  ", "config_file", cfg->bgp_config_file);
	put_kv(f, "  ", "bird_socket", cfg->bgp_bird_socket);
	put_kv(f, "  ", "protocol", cfg->bgp_protocol);
}

static void put_cluster(FILE *f, const struct xlb_config *cfg)
{
	size_t i;

	if (!cfg->cluster_enabled)
		return;
	fprintf(f, "cluster:\n  etcd: [");
	for (i = 0; i < cfg->cluster_n_etcd; i++) {
		if (i)
			fputs(", ", f);
		put_str(f, cfg->cluster_etcd[i]);
	}
	fprintf(f, "]\n");
	put_kv(f, "  ", "prefix", cfg->cluster_prefix);
	put_kv(f, "  ", "node_name", cfg->cluster_node_name);
}

static void put_service(FILE *f, const struct xlb_cfg_service *s, long long now_ms)
{
	size_t j;

	fprintf(f, "  - name: ");
	put_str(f, s->name);
	fprintf(f, "\n    vip: ");
	put_addr(f, &s->key.addr, s->key.family);
	fprintf(f, "\n    port: %u\n    protocol: %s\n    scheduler: %s\n"
		   "    forwarding: %s\n    table_size: %u\n    drain_timeout: %u\n",
		ntohs(s->key.port), xlb_proto_name(s->key.proto), xlb_sched_name(s->sched),
		xlb_fwd_name(s->fwd), s->table_size, s->drain_timeout_s);
	if (s->allow_local_address)
		fprintf(f, "    allow_local_address: true\n");
	if (s->syn_cookies)
		fprintf(f, "    syn_cookies: %s\n", xlb_syn_cookies_name(s->syn_cookies));
	put_check(f, &s->hc);
	fprintf(f, "    cross_zone: %s\n    zone_min_healthy: ",
		s->pol.cross_zone ? "true" : "false");
	put_fraction(f, s->pol.zone_min_healthy);
	fprintf(f, "\n    panic_threshold: ");
	put_fraction(f, s->pol.panic_threshold);
	fprintf(f, "\n    panic_mode: %s\n", xlb_panic_mode_name(s->pol.panic_mode));
	put_scaling(f, &s->scaling);
	if (s->acl.allow.n || s->acl.deny.n) {
		fprintf(f, "    acl:\n");
		put_cidrs(f, "      ", "allow", &s->acl.allow);
		put_cidrs(f, "      ", "deny", &s->acl.deny);
	}
	put_rate_limit(f, "    ", &s->rate_limit);
	if (s->slow_start_s) /* #21 */
		fprintf(f, "    slow_start_s: %u\n", s->slow_start_s);
	if (s->agent.port) /* #21 */
		fprintf(f,
			"    agent_check: {port: %u, interval_ms: %u, timeout_ms: %u, "
			"errors_down: %s}\n",
			s->agent.port, s->agent.interval_ms, s->agent.timeout_ms,
			s->agent.errors_down ? "true" : "false");
	if (s->outlier.enabled) /* #21 */
		fprintf(f,
			"    outlier_detection:\n      window_ms: %u\n      min_flows: %u\n"
			"      syn_retx_pct: %u\n      max_ejected_pct: %u\n"
			"      base_ejection_ms: %u\n      max_ejection_ms: %u\n      decay_ms: %u\n",
			s->outlier.window_ms, s->outlier.min_flows, s->outlier.ratio_pct,
			s->outlier.max_ejected_pct, s->outlier.base_eject_ms, s->outlier.max_eject_ms,
			s->outlier.decay_ms);
	if (s->outlier.enabled && s->outlier.udp_pct)
		fprintf(f, "      udp_unanswered_pct: %u\n", s->outlier.udp_pct);
	fprintf(f, "    backends:%s\n", s->n_backends ? "" : " []");
	for (j = 0; j < s->n_backends; j++) {
		const struct xlb_cfg_backend *b = &s->backends[j];

		fprintf(f, "      - address: ");
		put_addr(f, &b->addr, b->family);
		fprintf(f, "\n        weight: %u\n", b->weight);
		if (b->zone[0])
			put_kv(f, "        ", "zone", b->zone);
		fprintf(f, "        backup: %s\n", b->backup ? "true" : "false");
		if (b->max_flows) /* #21 */
			fprintf(f, "        max_flows: %u\n", b->max_flows);
		if (b->port) /* #19 */
			fprintf(f, "        port: %u\n", b->port);
		if (b->drain) /* runtime state: not expressible in the file */
			fprintf(f, "        # draining since %.1f s ago (lbctl backend drain)\n",
				(now_ms - b->drain_since_ms) / 1000.0);
	}
}

int xlb_config_write_sections(FILE *f, const struct xlb_config *cfg, unsigned int sections,
			      long long now_ms)
{
	size_t i;

	if (sections == XLB_SEC_ALL)
		fprintf(f, "# xlb config exported by lbctl config export (the live desired state)\n");
	if (sections & XLB_SEC_NODE)
		put_node(f, cfg);
	if ((sections & XLB_SEC_METRICS))
		put_metrics(f, cfg);
	if ((sections & XLB_SEC_EVENTS) && cfg->events_file[0]) {
		fprintf(f, "events:\n");
		put_kv(f, "  ", "file", cfg->events_file);
	}
	if (sections & XLB_SEC_CONTROL)
		put_control(f, cfg);
	if ((sections & XLB_SEC_AUDIT) && cfg->audit_file[0]) {
		fprintf(f, "audit:\n");
		put_kv(f, "  ", "file", cfg->audit_file);
	}
	if (sections & XLB_SEC_BGP)
		put_bgp(f, cfg);
	if (sections & XLB_SEC_CLUSTER)
		put_cluster(f, cfg);
	if (sections & XLB_SEC_ROLES)
		put_roles(f, &cfg->access);
	if ((sections & XLB_SEC_ACL) && cfg->acl.deny.n) {
		fprintf(f, "acl:\n");
		put_cidrs(f, "  ", "deny", &cfg->acl.deny);
	}
	if (sections & XLB_SEC_RATE_LIMIT)
		put_rate_limit(f, "", &cfg->rate_limit);
	if ((sections & XLB_SEC_SERVICES) && cfg->sc_secret_set) {
		char hex[2 * XLB_SC_SECRET_LEN + 1];

		xlb_sc_secret_format(cfg->sc_secret, hex);
		fprintf(f, "syn_cookie_secret: \"%s\"\n", hex);
	}
	if (sections & XLB_SEC_SERVICES) {
		fprintf(f, "services:%s\n", cfg->n_services ? "" : " []");
		for (i = 0; i < cfg->n_services; i++)
			put_service(f, &cfg->services[i], now_ms);
	}
	return ferror(f) ? -EIO : 0;
}

int xlb_config_write_sections_str(const struct xlb_config *cfg, unsigned int sections,
				  long long now_ms, char **out)
{
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	int err;

	if (!f)
		return -ENOMEM;
	err = xlb_config_write_sections(f, cfg, sections, now_ms);
	if (fclose(f) && !err)
		err = -ENOMEM;
	return err;
}

int xlb_config_write_str(const struct xlb_config *cfg, long long now_ms, char **out)
{
	return xlb_config_write_sections_str(cfg, XLB_SEC_ALL, now_ms, out);
}
