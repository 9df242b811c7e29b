// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * config_write.c - print a config as YAML that xlb_config_parse() accepts and
 * that parses back to the same services (lbctl config export). Every
 * setting is written explicitly, defaults included, so the output does not
 * depend on the defaults of the lbd that reads it later. Sections this file
 * does not know (added to config.c later) must be added here too;
 * tests/integration/test_persist.sh checks the round trip.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_write.h"

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
}

int xlb_config_write(FILE *f, const struct xlb_config *cfg, long long now_ms)
{
	size_t i, j;

	fprintf(f, "# xlb config exported by lbctl config export (the live desired state)\n");
	if (cfg->node_zone[0] || cfg->node_addr4_family || cfg->node_addr6_family ||
	    (cfg->gue_port && cfg->gue_port != XLB_GUE_PORT_DEFAULT)) {
		fprintf(f, "node:\n");
		if (cfg->node_zone[0]) {
			fprintf(f, "  zone: ");
			put_str(f, cfg->node_zone);
			fprintf(f, "\n");
		}
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
	}
	fprintf(f, "services:%s\n", cfg->n_services ? "" : " []");
	for (i = 0; i < cfg->n_services; i++) {
		const struct xlb_cfg_service *s = &cfg->services[i];

		fprintf(f, "  - name: ");
		put_str(f, s->name);
		fprintf(f, "\n    vip: ");
		put_addr(f, &s->key.addr, s->key.family);
		fprintf(f, "\n    port: %u\n    protocol: %s\n    scheduler: %s\n"
			   "    forwarding: %s\n    table_size: %u\n    drain_timeout: %u\n",
			ntohs(s->key.port), xlb_proto_name(s->key.proto), xlb_sched_name(s->sched),
			xlb_fwd_name(s->fwd), s->table_size, s->drain_timeout_s);
		put_check(f, &s->hc);
		fprintf(f, "    cross_zone: %s\n    zone_min_healthy: ",
			s->pol.cross_zone ? "true" : "false");
		put_fraction(f, s->pol.zone_min_healthy);
		fprintf(f, "\n    panic_threshold: ");
		put_fraction(f, s->pol.panic_threshold);
		fprintf(f, "\n    panic_mode: %s\n", xlb_panic_mode_name(s->pol.panic_mode));
		fprintf(f, "    backends:%s\n", s->n_backends ? "" : " []");
		for (j = 0; j < s->n_backends; j++) {
			const struct xlb_cfg_backend *b = &s->backends[j];

			fprintf(f, "      - address: ");
			put_addr(f, &b->addr, b->family);
			fprintf(f, "\n        weight: %u\n", b->weight);
			if (b->zone[0]) {
				fprintf(f, "        zone: ");
				put_str(f, b->zone);
				fprintf(f, "\n");
			}
			if (b->backup)
				fprintf(f, "        backup: true\n");
			if (b->drain) /* runtime state: not expressible in the file */
				fprintf(f, "        # draining since %.1f s ago (lbctl backend drain)\n",
					(now_ms - b->drain_since_ms) / 1000.0);
		}
	}
	return ferror(f) ? -EIO : 0;
}

int xlb_config_write_str(const struct xlb_config *cfg, long long now_ms, char **out)
{
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	int err;

	if (!f)
		return -ENOMEM;
	err = xlb_config_write(f, cfg, now_ms);
	if (fclose(f) && !err)
		err = -ENOMEM;
	return err;
}
