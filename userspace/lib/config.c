// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The declarative config file: YAML (libyaml's document API) to struct
 * xlb_config, with validation. Schema and rules: docs/config.md.
 *
 * Every mapping is walked against a table of known keys (struct field), so a
 * new key at any level is one table row and one handler. The walker keeps the
 * field path ("services[0].backends[1].address") and each node keeps its
 * start mark, so every error reads
 *   file:LINE: field.path: what is wrong
 * Parsing stops at the first error.
 *
 * This file: the walker and its typed getters, the top-level
 * keys, whole-document checks and the entry points. The sections are in
 * cfg_service.c, cfg_filter.c and cfg_node.c; what they share is cfg_int.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config.h"
#include "syncookie.h"
#include "cfg_int.h"

#define CFG_MAX_FILE (16u << 20) /* a config larger than this is a mistake */

/* ---- walker state and errors ------------------------------------------- */

int cfg_line_of(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 1;
}

/* One line for people: control characters from the input become '?'. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Record "file:line: path: msg" and return -EINVAL. */
__attribute__((format(printf, 3, 4))) int cfg_fail(struct ctx *c, const yaml_node_t *n,
						   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->err && c->errlen) {
		if (c->plen)
			snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->file, cfg_line_of(n),
				 c->path, msg);
		else
			snprintf(c->err, c->errlen, "%s:%d: %s", c->file, cfg_line_of(n), msg);
		sanitize(c->err);
	}
	return -EINVAL;
}

/* Append ".key" (or "key" at the top) or "[i]" to the path; returns the old length. */
size_t cfg_path_key(struct ctx *c, const char *key)
{
	size_t old = c->plen;
	int r = snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", key);

	c->plen = r < 0 ? old : old + (size_t)r;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return old;
}

size_t cfg_path_index(struct ctx *c, size_t i)
{
	size_t old = c->plen;
	int r = snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);

	c->plen = r < 0 ? old : old + (size_t)r;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return old;
}

void cfg_path_pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

const char *cfg_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

const char *cfg_sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain empty, "~" or "null" scalar: YAML's null. */
bool cfg_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = cfg_sval(n);
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* Quote a user value for a message, cut to a readable length. */
const char *cfg_quote(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n > 40)
		snprintf(buf, len, "\"%.37s...\"", s);
	else
		snprintf(buf, len, "\"%s\"", s);
	return buf;
}

/* ---- typed scalar getters ---------------------------------------------- */

int cfg_get_string(struct ctx *c, yaml_node_t *n, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return cfg_fail(c, n, "expected a string, got %s", cfg_kind(n));
	if (cfg_is_null(n))
		return cfg_fail(c, n, "missing value");
	*out = cfg_sval(n);
	return 0;
}

/*
 * Unsigned decimal in [min, max]. Numbers must be plain scalars: a quoted
 * "80" is a string in YAML. No sign, no hex/octal, no leading zeros (YAML 1.1
 * reads 010 as octal), no trailing junk.
 */
int cfg_get_uint(struct ctx *c, yaml_node_t *n, __u32 min, __u32 max, __u32 *out)
{
	char q[64];
	const char *s, *p;
	__u64 v = 0;

	if (n->type != YAML_SCALAR_NODE)
		return cfg_fail(c, n, "expected a number, got %s", cfg_kind(n));
	if (cfg_is_null(n))
		return cfg_fail(c, n, "missing value");
	s = cfg_sval(n);
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cfg_fail(c, n, "expected a number, got the quoted string %s",
				cfg_quote(s, q, sizeof(q)));
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return cfg_fail(c, n, "%s is not a decimal number",
					cfg_quote(s, q, sizeof(q)));
		if (v <= 0xffffffffULL)
			v = v * 10 + (__u64)(*p - '0');
	}
	if (s[0] == '0' && s[1])
		return cfg_fail(c, n, "%s: leading zeros are not allowed (octal in YAML 1.1)",
				cfg_quote(s, q, sizeof(q)));
	if (v < min || v > max)
		return cfg_fail(c, n, "%s is out of range %u..%u", cfg_quote(s, q, sizeof(q)), min,
				max);
	*out = (__u32)v;
	return 0;
}

int cfg_get_addr(struct ctx *c, yaml_node_t *n, struct xlb_addr *addr, __u8 *family)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = cfg_get_string(c, n, &s);
	if (err)
		return err;
	if (xlb_addr_parse(s, addr, family))
		return cfg_fail(c, n, "%s is not an IPv4/IPv6 address", cfg_quote(s, q, sizeof(q)));
	return 0;
}

/* true / false (plain scalars only). */
int cfg_get_bool(struct ctx *c, yaml_node_t *n, bool *out)
{
	char q[64];
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return cfg_fail(c, n, "expected true or false, got %s", cfg_kind(n));
	if (cfg_is_null(n))
		return cfg_fail(c, n, "missing value");
	s = cfg_sval(n);
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "true"))
		*out = true;
	else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "false"))
		*out = false;
	else
		return cfg_fail(c, n, "%s is not true or false", cfg_quote(s, q, sizeof(q)));
	return 0;
}

/*
 * A plain non-negative decimal: 0, 12, 0.5, .25, 1500.25 (no sign, exponent
 * or quotes). `expect` and `what` name the kind in messages ("a number",
 * "a non-negative decimal number").
 */
int cfg_get_plain_decimal(struct ctx *c, yaml_node_t *n, double *out, const char *expect,
			  const char *what)
{
	char q[64];
	const char *s, *p;
	int digits = 0, dots = 0;

	if (n->type != YAML_SCALAR_NODE)
		return cfg_fail(c, n, "expected %s, got %s", expect, cfg_kind(n));
	if (cfg_is_null(n))
		return cfg_fail(c, n, "missing value");
	s = cfg_sval(n);
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cfg_fail(c, n, "expected %s, got the quoted string %s", expect,
				cfg_quote(s, q, sizeof(q)));
	for (p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dots)
			dots++;
		else
			return cfg_fail(c, n, "%s is not %s", cfg_quote(s, q, sizeof(q)), what);
	}
	if (!digits || strlen(s) > 20)
		return cfg_fail(c, n, "%s is not %s", cfg_quote(s, q, sizeof(q)), what);
	*out = strtod(s, NULL);
	return 0;
}

/* A plain decimal fraction in [0, 1]: 0, 1, 0.5, .25, 1.0 */
int cfg_get_fraction(struct ctx *c, yaml_node_t *n, double *out)
{
	char q[64];
	int err = cfg_get_plain_decimal(c, n, out, "a number in 0..1", "a decimal number in 0..1");

	if (err)
		return err;
	if (!(*out >= 0.0 && *out <= 1.0))
		return cfg_fail(c, n, "%s is out of range 0..1",
				cfg_quote(cfg_sval(n), q, sizeof(q)));
	return 0;
}

/* A zone name: 1..XLB_ZONE_MAX-1 of [A-Za-z0-9_.-]. */
int cfg_get_zone(struct ctx *c, yaml_node_t *n, char *out)
{
	const char *s = NULL;
	char q[64];
	size_t i, len;
	int err;

	err = cfg_get_string(c, n, &s);
	if (err)
		return err;
	len = strlen(s);
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			break;
	}
	if (!len || len >= XLB_ZONE_MAX || i < len)
		return cfg_fail(c, n, "%s is not a valid zone ([A-Za-z0-9_.-], 1..%d characters)",
				cfg_quote(s, q, sizeof(q)), XLB_ZONE_MAX - 1);
	memcpy(out, s, len + 1);
	return 0;
}

/* ---- generic mapping walker -------------------------------------------- */

int cfg_walk_map(struct ctx *c, yaml_node_t *map, const struct field *fields, size_t nfields,
		 void *obj)
{
	__u32 seen = 0; /* bit i: fields[i] seen; nfields <= 32 */
	yaml_node_pair_t *pair;
	size_t i, old;
	int err;

	if (map->type != YAML_MAPPING_NODE)
		return cfg_fail(c, map, "expected a mapping, got %s", cfg_kind(map));
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pair->value);
		char known[256];
		size_t kl = 0;

		if (!k || !v)
			return cfg_fail(c, map, "malformed mapping");
		if (k->type != YAML_SCALAR_NODE)
			return cfg_fail(c, k, "keys must be scalars, got %s", cfg_kind(k));
		for (i = 0; i < nfields; i++)
			if (!strcmp(cfg_sval(k), fields[i].key))
				break;
		if (i == nfields) {
			known[0] = '\0';
			for (i = 0; i < nfields; i++)
				kl += snprintf(known + kl,
					       kl < sizeof(known) ? sizeof(known) - kl : 0, "%s%s",
					       i ? ", " : "", fields[i].key);
			cfg_path_key(c, cfg_sval(k));
			return cfg_fail(c, k, "unknown key (expected one of: %s)", known);
		}
		old = cfg_path_key(c, fields[i].key);
		if (seen & (1u << i)) {
			err = cfg_fail(c, k, "duplicate key");
		} else {
			seen |= 1u << i;
			err = fields[i].parse(c, v, obj);
		}
		if (err)
			return err;
		cfg_path_pop(c, old);
	}
	for (i = 0; i < nfields; i++) {
		if (fields[i].required && !(seen & (1u << i))) {
			cfg_path_key(c, fields[i].key);
			return cfg_fail(c, map, "missing required field");
		}
	}
	return 0;
}

static int top_syn_cookie_secret(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *hex = NULL;
	int err;

	err = cfg_get_string(c, v, &hex);
	if (err)
		return err;
	if (xlb_sc_secret_parse(hex, c->cfg->sc_secret))
		return cfg_fail(c, v, "syn_cookie_secret: expected 32 hex digits (128 bits)");
	c->cfg->sc_secret_set = true;
	return 0;
}

/* Top-level keys. Add acl:, roles: ... here. */
static const struct field top_fields[] = {
    {"services", false, cfg_top_services},
    {"node", false, cfg_top_node},
    {"roles", false, cfg_top_roles},
    {"control", false, cfg_top_control},
    {"audit", false, cfg_top_audit},
    {"metrics", false, cfg_top_metrics},
    {"events", false, cfg_top_events},
    {"bgp", false, cfg_top_bgp},
    {"cluster", false, cfg_top_cluster},
    {"acl", false, cfg_top_acl},
    {"rate_limit", false, cfg_top_rate_limit},
    {"syn_cookie_secret", false, top_syn_cookie_secret},
};

/*
 * After the whole document (node: may come after services:): a service
 * forwarding with ipip/gue needs the node address of its family, the outer
 * source of its packets.
 */
static int check_encap(struct ctx *c)
{
	struct xlb_config *cfg = c->cfg;
	size_t i;

	for (i = 0; i < cfg->n_services; i++) {
		const struct xlb_cfg_service *s = &cfg->services[i];
		int v4 = s->key.family == XLB_AF_INET;
		yaml_node_t ln = cfg_at_line(s->line);

		if (s->fwd != XLB_FWD_IPIP && s->fwd != XLB_FWD_GUE)
			continue;
		if (v4 ? cfg->node_addr4_family : cfg->node_addr6_family)
			continue;
		return cfg_fail(c, &ln,
				"services[%zu] \"%s\": forwarding %s needs node.%s (the outer "
				"source address of encapsulated packets)",
				i, s->name, xlb_fwd_name(s->fwd), v4 ? "address_v4" : "address_v6");
	}
	return 0;
}

/*
 * After all services: no backend is another service's VIP (checked from the
 * backend's side, at its line; each service checked its own VIP already).
 */
static int check_backend_vips(struct ctx *c)
{
	const struct xlb_config *cfg = c->cfg;
	char why[160], a[XLB_ADDR_STRLEN];
	size_t i, j;

	for (i = 0; i < cfg->n_services; i++) {
		const struct xlb_cfg_service *s = &cfg->services[i];

		for (j = 0; j < s->n_backends; j++) {
			const struct xlb_cfg_backend *b = &s->backends[j];

			if (!xlb_cfg_check_addr(cfg, s, false, &b->addr, b->family, why,
						sizeof(why)))
				continue;
			snprintf(c->err, c->errlen,
				 "%s:%d: services[%zu].backends[%zu].address: %s %s", c->file,
				 b->line, i, j, xlb_addr_str(&b->addr, b->family, a, sizeof(a)),
				 why);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- entry points ------------------------------------------------------ */

void xlb_config_free(struct xlb_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_services; i++) {
		free(cfg->services[i].backends);
		xlb_acl_free(&cfg->services[i].acl);
	}
	xlb_acl_free(&cfg->acl);
	free(cfg->services);
	cfg->services = NULL;
	cfg->n_services = 0;
	xlb_access_free(&cfg->access);
}

/* libyaml's reader errors carry a byte offset, not a mark: count the lines. */
static int line_at(const char *buf, size_t len, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off && i < len; i++)
		line += buf[i] == '\n';
	return line;
}

static int yaml_error(struct ctx *c, yaml_parser_t *p, const char *buf, size_t len)
{
	int line;

	if (p->error == YAML_MEMORY_ERROR) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->file);
		return -ENOMEM;
	}
	if (p->error == YAML_READER_ERROR)
		line = line_at(buf, len, p->problem_offset);
	else
		line = (int)p->problem_mark.line + 1;
	if (p->context && p->context_mark.line != p->problem_mark.line)
		snprintf(c->err, c->errlen, "%s:%d: YAML syntax error: %s %s (started at line %d)",
			 c->file, line, p->problem ? p->problem : "unknown error", p->context,
			 (int)p->context_mark.line + 1);
	else
		snprintf(c->err, c->errlen, "%s:%d: YAML syntax error: %s%s%s", c->file, line,
			 p->problem ? p->problem : "unknown error", p->context ? " " : "",
			 p->context ? p->context : "");
	return -EINVAL;
}

/*
 * The shape check, before libyaml builds a document: one pass over the
 * parser's events that stops at the first node nested deeper than
 * XLB_CFG_MAX_DEPTH or beyond the node budget. libyaml's scanner does work
 * per token in proportion to the open flow collections (its simple-key
 * stack), so a file of "[[[[..." costs time quadratic in its nesting: 60 KB
 * of it took seconds. A config needs 6 levels; stopping at the limit bounds
 * that work by the file's size times the limit, and the node budget bounds
 * the document libyaml allocates and the walk after it.
 */
size_t xlb_config_max_nodes(void)
{
	/* every backend as a mapping of its 4 keys, both full ACLs, every service at length */
	return 16 * (size_t)xlb_config_max_backends() + 4 * (size_t)XLB_MAX_ACL_ENTRIES +
	       256 * (size_t)XLB_MAX_SERVICES + 4096;
}

static int check_shape(struct ctx *c, const char *buf, size_t len)
{
	size_t max_nodes = xlb_config_max_nodes(), nodes = 0;
	unsigned int depth = 0;
	yaml_parser_t p;
	yaml_event_t ev;
	int ret = 0;

	if (!yaml_parser_initialize(&p)) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->file);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)(buf ? buf : ""), len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			ret = yaml_error(c, &p, buf, len);
			break;
		}
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (++depth > XLB_CFG_MAX_DEPTH) {
				snprintf(c->err, c->errlen,
					 "%s:%d: nested deeper than %d levels",
					 c->file, (int)ev.start_mark.line + 1, XLB_CFG_MAX_DEPTH);
				ret = -EINVAL;
			}
			/* fall through */
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			if (!ret && ++nodes > max_nodes) {
				snprintf(c->err, c->errlen,
					 "%s:%d: more than %zu YAML nodes (scalars, mappings, "
					 "sequences); more than the largest valid config has",
					 c->file, (int)ev.start_mark.line + 1, max_nodes);
				ret = -EINVAL;
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT || ret) {
			yaml_event_delete(&ev);
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (ret)
		sanitize(c->err);
	return ret;
}

const char *xlb_cfg_section_name(unsigned int sec)
{
	static const char *const names[] = {"services", "acl", "rate_limit", "roles",
					    "node", "control", "audit", "metrics",
					    "events", "bgp", "cluster"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (sec == 1u << i)
			return names[i];
	return NULL;
}

int xlb_config_parse(const char *buf, size_t len, const char *name, struct xlb_config *cfg,
		     char *err, size_t errlen)
{
	return xlb_config_parse_flags(buf, len, name, 0, cfg, err, errlen);
}

int xlb_config_parse_flags(const char *buf, size_t len, const char *name, unsigned int flags,
			   struct xlb_config *cfg, char *err, size_t errlen)
{
	char dummy[1];
	struct ctx c = {
	    .file = name ? name : "<config>",
	    .err = err && errlen ? err : dummy,
	    .errlen = err && errlen ? errlen : sizeof(dummy),
	    .cfg = cfg,
	};
	yaml_document_t doc, extra;
	yaml_parser_t parser;
	yaml_node_t *root;
	int ret = 0;

	c.err[0] = '\0';
	if (!cfg)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	if (!buf && len)
		return -EINVAL;
	ret = check_shape(&c, buf, len);
	if (ret)
		return ret;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(c.err, c.errlen, "%s: out of memory", c.file);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)(buf ? buf : ""), len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = yaml_error(&c, &parser, buf, len);
		goto out_parser;
	}
	c.doc = &doc;

	root = yaml_document_get_root_node(&doc);
	if (root) {
		/* A second document would be silently ignored: refuse it. */
		if (!yaml_parser_load(&parser, &extra)) {
			ret = yaml_error(&c, &parser, buf, len);
			goto out_doc;
		}
		if (yaml_document_get_root_node(&extra)) {
			int line = (int)yaml_document_get_root_node(&extra)->start_mark.line + 1;
			yaml_node_t ln = cfg_at_line(line);

			ret = cfg_fail(&c, &ln, "only one YAML document is allowed");
		}
		yaml_document_delete(&extra);
		if (ret)
			goto out_doc;
	}
	if (!root || cfg_is_null(root))
		goto out_doc; /* empty file: no services */
	if (root->type != YAML_MAPPING_NODE) {
		ret = cfg_fail(&c, root, "top level must be a mapping (services: ...), got %s",
			       cfg_kind(root));
		goto out_doc;
	}
	ret = cfg_walk_map(&c, root, top_fields, ARRAY_SIZE(top_fields), NULL);
	if (!ret)
		ret = check_backend_vips(&c);
	if (!ret && !(flags & XLB_PARSE_NO_NODE_CHECKS))
		ret = check_encap(&c);
out_doc:
	if (!ret && !cfg->gue_port) /* every parsed config says it, empty or not */
		cfg->gue_port = XLB_GUE_PORT_DEFAULT;
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	if (ret)
		xlb_config_free(cfg);
	return ret;
}

int xlb_config_load(const char *path, struct xlb_config *cfg, char *err, size_t errlen)
{
	char dummy[1];
	char *e = err && errlen ? err : dummy;
	size_t elen = err && errlen ? errlen : sizeof(dummy);
	struct stat st;
	size_t got = 0;
	char *buf;
	FILE *f;
	int ret;

	if (!cfg)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(e, elen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fileno(f), &st)) {
		ret = -errno;
		snprintf(e, elen, "%s: %s", path, strerror(-ret));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > CFG_MAX_FILE) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -EFBIG;
		snprintf(e, elen, "%s: %s", path,
			 ret == -EISDIR ? "is a directory"
					: "not a regular file of at most 16 MiB");
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(e, elen, "%s: out of memory", path);
		goto out_close;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		ret = -EIO;
		snprintf(e, elen, "%s: read error", path);
		goto out_free;
	}
	ret = xlb_config_parse(buf, got, path, cfg, err, errlen);
out_free:
	free(buf);
out_close:
	fclose(f);
	return ret;
}
