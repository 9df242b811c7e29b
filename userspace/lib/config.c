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
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "announce.h"
#include "config.h"
#include "slowstart.h"
#include "maglev.h"
#include "syncookie.h"

#define CFG_MAX_FILE (16u << 20) /* a config larger than this is a mistake */

/* ---- walker state and errors ------------------------------------------- */

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

static int line_of(const yaml_node_t *n)
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
__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const yaml_node_t *n,
						      const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->err && c->errlen) {
		if (c->plen)
			snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->file, line_of(n), c->path,
				 msg);
		else
			snprintf(c->err, c->errlen, "%s:%d: %s", c->file, line_of(n), msg);
		sanitize(c->err);
	}
	return -EINVAL;
}

/* Append ".key" (or "key" at the top) or "[i]" to the path; returns the old length. */
static size_t path_key(struct ctx *c, const char *key)
{
	size_t old = c->plen;
	int r = snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old ? "." : "", key);

	c->plen = r < 0 ? old : old + (size_t)r;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return old;
}

static size_t path_index(struct ctx *c, size_t i)
{
	size_t old = c->plen;
	int r = snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", i);

	c->plen = r < 0 ? old : old + (size_t)r;
	if (c->plen >= sizeof(c->path))
		c->plen = sizeof(c->path) - 1;
	return old;
}

static void path_pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static const char *kind(const yaml_node_t *n)
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

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain empty, "~" or "null" scalar: YAML's null. */
static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = sval(n);
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* Quote a user value for a message, cut to a readable length. */
static const char *quote(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n > 40)
		snprintf(buf, len, "\"%.37s...\"", s);
	else
		snprintf(buf, len, "\"%s\"", s);
	return buf;
}

/* ---- typed scalar getters ---------------------------------------------- */

static int get_string(struct ctx *c, yaml_node_t *n, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail(c, n, "expected a string, got %s", kind(n));
	if (is_null(n))
		return fail(c, n, "missing value");
	*out = sval(n);
	return 0;
}

/*
 * Unsigned decimal in [min, max]. Numbers must be plain scalars: a quoted
 * "80" is a string in YAML. No sign, no hex/octal, no leading zeros (YAML 1.1
 * reads 010 as octal), no trailing junk.
 */
static int get_uint(struct ctx *c, yaml_node_t *n, __u32 min, __u32 max, __u32 *out)
{
	char q[64];
	const char *s, *p;
	__u64 v = 0;

	if (n->type != YAML_SCALAR_NODE)
		return fail(c, n, "expected a number, got %s", kind(n));
	if (is_null(n))
		return fail(c, n, "missing value");
	s = sval(n);
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail(c, n, "expected a number, got the quoted string %s",
			    quote(s, q, sizeof(q)));
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(c, n, "%s is not a decimal number", quote(s, q, sizeof(q)));
		if (v <= 0xffffffffULL)
			v = v * 10 + (__u64)(*p - '0');
	}
	if (s[0] == '0' && s[1])
		return fail(c, n, "%s: leading zeros are not allowed (octal in YAML 1.1)",
			    quote(s, q, sizeof(q)));
	if (v < min || v > max)
		return fail(c, n, "%s is out of range %u..%u", quote(s, q, sizeof(q)), min, max);
	*out = (__u32)v;
	return 0;
}

static int get_addr(struct ctx *c, yaml_node_t *n, struct xlb_addr *addr, __u8 *family)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = get_string(c, n, &s);
	if (err)
		return err;
	if (xlb_addr_parse(s, addr, family))
		return fail(c, n, "%s is not an IPv4/IPv6 address", quote(s, q, sizeof(q)));
	return 0;
}

/* true / false (plain scalars only). */
static int get_bool(struct ctx *c, yaml_node_t *n, bool *out)
{
	char q[64];
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return fail(c, n, "expected true or false, got %s", kind(n));
	if (is_null(n))
		return fail(c, n, "missing value");
	s = sval(n);
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "true"))
		*out = true;
	else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "false"))
		*out = false;
	else
		return fail(c, n, "%s is not true or false", quote(s, q, sizeof(q)));
	return 0;
}

/*
 * A plain non-negative decimal: 0, 12, 0.5, .25, 1500.25 (no sign, exponent
 * or quotes). `expect` and `what` name the kind in messages ("a number",
 * "a non-negative decimal number").
 */
static int get_plain_decimal(struct ctx *c, yaml_node_t *n, double *out, const char *expect,
			     const char *what)
{
	char q[64];
	const char *s, *p;
	int digits = 0, dots = 0;

	if (n->type != YAML_SCALAR_NODE)
		return fail(c, n, "expected %s, got %s", expect, kind(n));
	if (is_null(n))
		return fail(c, n, "missing value");
	s = sval(n);
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail(c, n, "expected %s, got the quoted string %s", expect,
			    quote(s, q, sizeof(q)));
	for (p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dots)
			dots++;
		else
			return fail(c, n, "%s is not %s", quote(s, q, sizeof(q)), what);
	}
	if (!digits || strlen(s) > 20)
		return fail(c, n, "%s is not %s", quote(s, q, sizeof(q)), what);
	*out = strtod(s, NULL);
	return 0;
}

/* A plain decimal fraction in [0, 1]: 0, 1, 0.5, .25, 1.0 */
static int get_fraction(struct ctx *c, yaml_node_t *n, double *out)
{
	char q[64];
	int err = get_plain_decimal(c, n, out, "a number in 0..1", "a decimal number in 0..1");

	if (err)
		return err;
	if (!(*out >= 0.0 && *out <= 1.0))
		return fail(c, n, "%s is out of range 0..1", quote(sval(n), q, sizeof(q)));
	return 0;
}

/* A zone name: 1..XLB_ZONE_MAX-1 of [A-Za-z0-9_.-]. */
static int get_zone(struct ctx *c, yaml_node_t *n, char *out)
{
	const char *s = NULL;
	char q[64];
	size_t i, len;
	int err;

	err = get_string(c, n, &s);
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
		return fail(c, n, "%s is not a valid zone ([A-Za-z0-9_.-], 1..%d characters)",
			    quote(s, q, sizeof(q)), XLB_ZONE_MAX - 1);
	memcpy(out, s, len + 1);
	return 0;
}

/* ---- generic mapping walker -------------------------------------------- */

/*
 * One known key of a mapping. parse() is called with the path already
 * extended by the key and gets the value node and the object being filled.
 */
struct field {
	const char *key;
	bool required;
	int (*parse)(struct ctx *c, yaml_node_t *val, void *obj);
};

static int walk_map(struct ctx *c, yaml_node_t *map, const struct field *fields, size_t nfields,
		    void *obj)
{
	__u32 seen = 0; /* bit i: fields[i] seen; nfields <= 32 */
	yaml_node_pair_t *pair;
	size_t i, old;
	int err;

	if (map->type != YAML_MAPPING_NODE)
		return fail(c, map, "expected a mapping, got %s", kind(map));
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pair->value);
		char known[256];
		size_t kl = 0;

		if (!k || !v)
			return fail(c, map, "malformed mapping");
		if (k->type != YAML_SCALAR_NODE)
			return fail(c, k, "keys must be scalars, got %s", kind(k));
		for (i = 0; i < nfields; i++)
			if (!strcmp(sval(k), fields[i].key))
				break;
		if (i == nfields) {
			known[0] = '\0';
			for (i = 0; i < nfields; i++)
				kl += snprintf(known + kl,
					       kl < sizeof(known) ? sizeof(known) - kl : 0, "%s%s",
					       i ? ", " : "", fields[i].key);
			path_key(c, sval(k));
			return fail(c, k, "unknown key (expected one of: %s)", known);
		}
		old = path_key(c, fields[i].key);
		if (seen & (1u << i)) {
			err = fail(c, k, "duplicate key");
		} else {
			seen |= 1u << i;
			err = fields[i].parse(c, v, obj);
		}
		if (err)
			return err;
		path_pop(c, old);
	}
	for (i = 0; i < nfields; i++) {
		if (fields[i].required && !(seen & (1u << i))) {
			path_key(c, fields[i].key);
			return fail(c, map, "missing required field");
		}
	}
	return 0;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- backends ------------------------------------------------------------ */

struct be_tmp {
	struct xlb_cfg_backend *be;
	int addr_line;
	int port_line; /* 0: no port: key */
};

static int be_address(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	t->addr_line = line_of(v);
	return get_addr(c, v, &t->be->addr, &t->be->family);
}

static int be_weight(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	return get_uint(c, v, 0, XLB_MAX_WEIGHT, &t->be->weight);
}

static int be_zone(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	return get_zone(c, v, t->be->zone);
}

static int be_backup(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	return get_bool(c, v, &t->be->backup);
}

/* #21: max_flows: open flows cap (bpf/sched.h) */
static int be_max_flows(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 0, 0x7fffffff, &((struct be_tmp *)obj)->be->max_flows);
}

/*
 * A backend's target port (issue #19) is for the NAT forwarding modes, which
 * rewrite the destination; the DSR modes deliver to the VIP's port, so
 * parse_backends refuses it there, with the reason.
 */
static int be_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;
	__u32 port;
	int err;

	err = get_uint(c, v, 1, 65535, &port);
	if (err)
		return err;
	t->be->port = (__u16)port;
	t->port_line = line_of(v);
	return 0;
}

static const struct field backend_fields[] = {
    {"address", true, be_address},
    {"port", false, be_port},
    {"weight", false, be_weight},
    {"zone", false, be_zone},
    {"backup", false, be_backup},
    {"max_flows", false, be_max_flows},
};

/* Line-only stand-in node, so that fail() can point at a remembered line. */
static yaml_node_t at_line(int line)
{
	yaml_node_t n;

	memset(&n, 0, sizeof(n));
	n.start_mark.line = line > 0 ? (size_t)line - 1 : 0;
	return n;
}

/* lbd --max-backends: the capacity of its data path (config.h). */
static __u32 max_backends = XLB_MAX_BACKENDS;

void xlb_config_set_max_backends(__u32 n)
{
	max_backends = n ? n : XLB_MAX_BACKENDS;
}

__u32 xlb_config_max_backends(void)
{
	return max_backends;
}

static int parse_backends(struct ctx *c, yaml_node_t *seq, struct xlb_cfg_service *s)
{
	yaml_node_item_t *it;
	int *addr_line = NULL;
	size_t n, i, j, old;
	int err = 0;

	if (!seq || is_null(seq))
		return 0; /* "backends:" with nothing: an empty pool */
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(c, seq, "expected a sequence, got %s", kind(seq));
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (!n)
		return 0;
	if (n > max_backends || c->total_backends + n > max_backends)
		return fail(c, seq, "too many backends (at most %u over all services)",
			    max_backends);
	s->backends = calloc(n, sizeof(*s->backends));
	addr_line = calloc(n, sizeof(*addr_line));
	if (!s->backends || !addr_line) {
		free(addr_line);
		return -ENOMEM;
	}
	for (i = 0, it = seq->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *bn = yaml_document_get_node(c->doc, *it);
		struct xlb_cfg_backend *b = &s->backends[i];
		struct be_tmp t = {.be = b};
		char a1[XLB_ADDR_STRLEN], why[160];

		old = path_index(c, i);
		b->weight = XLB_DEFAULT_WEIGHT;
		b->line = line_of(bn);
		s->n_backends = i + 1; /* so the caller frees what was filled */
		err = walk_map(c, bn, backend_fields, ARRAY_SIZE(backend_fields), &t);
		if (err)
			goto out;
		addr_line[i] = t.addr_line;
		if (t.port_line && !xlb_fwd_is_nat(s->fwd)) {
			yaml_node_t ln = at_line(t.port_line);

			path_key(c, "port");
			err = fail(c, &ln,
				   "forwarding %s delivers to the VIP's port; a backend port needs "
				   "address translation (forwarding: nat or fullnat)",
				   xlb_fwd_name(s->fwd));
			goto out;
		}
		path_key(c, "address");
		if (b->family != s->key.family) {
			yaml_node_t ln = at_line(t.addr_line);

			err = fail(c, &ln, "%s is %s but the vip is %s",
				   xlb_addr_str(&b->addr, b->family, a1, sizeof(a1)),
				   b->family == XLB_AF_INET ? "IPv4" : "IPv6",
				   s->key.family == XLB_AF_INET ? "IPv4" : "IPv6");
			goto out;
		}
		if (xlb_cfg_check_addr(NULL, s, false, &b->addr, b->family, why, sizeof(why))) {
			yaml_node_t ln = at_line(t.addr_line);

			err = fail(c, &ln, "%s %s",
				   xlb_addr_str(&b->addr, b->family, a1, sizeof(a1)), why);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (!xlb_addr_cmp(b->family, &b->addr, s->backends[j].family,
					  &s->backends[j].addr)) {
				yaml_node_t ln = at_line(t.addr_line);

				err = fail(c, &ln,
					   "duplicate backend %s (also backends[%zu] at line %d)",
					   xlb_addr_str(&b->addr, b->family, a1, sizeof(a1)), j,
					   addr_line[j]);
				goto out;
			}
		}
		path_pop(c, old);
	}
	c->total_backends += n;
out:
	free(addr_line);
	return err;
}

/* ---- services ---------------------------------------------------------- */

struct svc_tmp {
	struct xlb_cfg_service *s;
	yaml_node_t *name;
	yaml_node_t *vip;
	yaml_node_t *backends; /* parsed after the walk: needs the vip's family */
	yaml_node_t *acl; /* acl: parsed after the walk too (entries must match the VIP's family) */
	bool hc_given; /* health_check: present (with at least a null value) */
};

static bool valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n >= XLB_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

static int svc_name(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;
	const char *s = NULL;
	char q[64];
	int err;

	t->name = v;
	err = get_string(c, v, &s);
	if (err)
		return err;
	if (!valid_name(s))
		return fail(c, v, "%s is not a valid name ([A-Za-z0-9_.-], 1..%d characters)",
			    quote(s, q, sizeof(q)), XLB_NAME_MAX - 1);
	strcpy(t->s->name, s);
	return 0;
}

static int svc_vip(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	t->vip = v;
	return get_addr(c, v, &t->s->key.addr, &t->s->key.family);
}

static int svc_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;
	__u32 port;
	int err;

	err = get_uint(c, v, 1, 65535, &port);
	if (!err)
		t->s->key.port = htons((__u16)port);
	return err;
}

/* A string that must be one of names[0..n-1] (NULL entries skipped). */
static int get_enum(struct ctx *c, yaml_node_t *v, const char *const *names, size_t n, __u8 *out)
{
	char q[64], list[128];
	size_t i, l = 0;
	const char *s = NULL;
	int err;

	err = get_string(c, v, &s);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(s, names[i])) {
			*out = (__u8)i;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; i < n; i++)
		if (names[i])
			l += snprintf(list + l, l < sizeof(list) ? sizeof(list) - l : 0, "%s%s",
				      l ? ", " : "", names[i]);
	return fail(c, v, "%s is not one of: %s", quote(s, q, sizeof(q)), list);
}

static int svc_protocol(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"tcp", "udp"};
	static const __u8 protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	struct svc_tmp *t = obj;
	__u8 i;
	int err;

	err = get_enum(c, v, names, ARRAY_SIZE(names), &i);
	if (!err)
		t->s->key.proto = protos[i];
	return err;
}

static int svc_scheduler(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	return get_enum(c, v, xlb_sched_names, XLB_SCHED_MAX, &t->s->sched);
}

static int svc_forwarding(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	return get_enum(c, v, xlb_fwd_names, XLB_FWD_MAX, &t->s->fwd);
}

static int svc_table_size(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;
	__u32 n;
	int err;

	err = get_uint(c, v, 7, XLB_MAX_TABLE_SIZE, &n);
	if (err)
		return err;
	if (!xlb_maglev_size_ok(n))
		return fail(c, v, "%u is not a prime (e.g. 251, 4093, 65537, 1048573)", n);
	t->s->table_size = n;
	return 0;
}

static int svc_backends(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	t->backends = v;
	return 0;
}

/* ---- health_check -------------------------------------------------------- */

static int hc_type(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	static const char *const names[] = {"tcp", "http", "none", "udp", "dns"};
	static const __u8 types[] = {XLB_HC_TCP, XLB_HC_HTTP, XLB_HC_NONE, XLB_HC_UDP, XLB_HC_DNS};
	__u8 i;
	int err;

	err = get_enum(c, v, names, ARRAY_SIZE(names), &i);
	if (!err)
		h->type = types[i];
	return err;
}

static int hc_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	__u32 port;
	int err;

	err = get_uint(c, v, 1, 65535, &port);
	if (!err)
		h->port = (__u16)port;
	return err;
}

/* Printable ASCII without spaces: safe inside an HTTP request line/header. */
static bool http_token_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int hc_path(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	const char *s = NULL;
	char q[64];
	int err;

	err = get_string(c, v, &s);
	if (err)
		return err;
	if (s[0] != '/' || !http_token_ok(s) || strlen(s) >= sizeof(h->path))
		return fail(c, v, "%s is not an HTTP path (starts with /, no spaces or control "
			    "characters, < %zu characters)", quote(s, q, sizeof(q)), sizeof(h->path));
	strcpy(h->path, s);
	return 0;
}

static int hc_host(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	const char *s = NULL;
	char q[64];
	int err;

	err = get_string(c, v, &s);
	if (err)
		return err;
	if (!*s || !http_token_ok(s) || strlen(s) >= sizeof(h->host))
		return fail(c, v, "%s is not a valid Host header value (no spaces or control "
			    "characters, < %zu characters)", quote(s, q, sizeof(q)), sizeof(h->host));
	strcpy(h->host, s);
	return 0;
}

/* "200-399", or one status "200" (quoted or not). */
static int hc_expect(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	unsigned int lo, hi;
	const char *s;
	char q[64], tail;
	int n;

	if (v->type != YAML_SCALAR_NODE)
		return fail(c, v, "expected a status range like \"200-399\", got %s", kind(v));
	if (is_null(v))
		return fail(c, v, "missing value");
	s = sval(v);
	n = sscanf(s, "%3u-%3u%c", &lo, &hi, &tail);
	if (n == 1 && strspn(s, "0123456789") == strlen(s))
		hi = lo;
	else if (n != 2 || strspn(s, "0123456789-") != strlen(s))
		return fail(c, v, "%s is not a status range like \"200-399\"", quote(s, q, sizeof(q)));
	if (lo < 100 || hi > 599 || lo > hi)
		return fail(c, v, "%s: statuses must be within 100..599, low <= high",
			    quote(s, q, sizeof(q)));
	h->expect_lo = (__u16)lo;
	h->expect_hi = (__u16)hi;
	return 0;
}

/* Probe text (YAML escapes such as "\r\n" work; no NUL) of at most len - 1 bytes into out. */
static int get_probe_text(struct ctx *c, yaml_node_t *v, char *out, size_t len, bool nonempty)
{
	const char *s = NULL;
	int err;

	err = get_string(c, v, &s);
	if (err)
		return err;
	if (strlen(s) != v->data.scalar.length)
		return fail(c, v, "a NUL byte cannot be used (the value is text)");
	if (strlen(s) >= len)
		return fail(c, v, "%zu bytes: at most %zu", strlen(s), len - 1);
	if (nonempty && !*s)
		return fail(c, v, "empty (leave the key out to need no answer)");
	strcpy(out, s);
	return 0;
}

/* UDP: the datagram sent, as text. */
static int hc_payload(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;

	return get_probe_text(c, v, h->payload, sizeof(h->payload), false);
}

/* TCP: sent once connected. */
static int hc_send(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;

	return get_probe_text(c, v, h->send, sizeof(h->send), false);
}

/* TCP: must appear in the first XLB_HC_EXPECT_WINDOW bytes of the answer. */
static int hc_expect_string(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;

	return get_probe_text(c, v, h->expect_str, sizeof(h->expect_str), true);
}

static int hc_expect_reply(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_bool(c, v, &((struct xlb_hc_check *)obj)->expect_reply);
}

/* DNS: the name asked for; "." is the root. */
static int hc_query(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	const char *s = NULL;
	char q[64];
	int err;

	err = get_string(c, v, &s);
	if (err)
		return err;
	if (!xlb_dns_name_ok(s) || strlen(s) >= sizeof(h->query))
		return fail(c, v, "%s is not a DNS name (\".\" or labels of 1..63 letters, digits, - "
			    "or _, at most 253 characters)", quote(s, q, sizeof(q)));
	strcpy(h->query, s);
	return 0;
}

static int hc_interval(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 10, 3600000, &((struct xlb_hc_check *)obj)->interval_ms);
}

static int hc_timeout(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 1, 3600000, &((struct xlb_hc_check *)obj)->timeout_ms);
}

static int hc_rise(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 1, 100, &((struct xlb_hc_check *)obj)->rise);
}

static int hc_fall(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 1, 100, &((struct xlb_hc_check *)obj)->fall);
}

static int hc_jitter(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 0, 3600000, &((struct xlb_hc_check *)obj)->jitter_ms);
}

static int hc_initial(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"down", "up"};
	__u8 i;
	int err;

	err = get_enum(c, v, names, ARRAY_SIZE(names), &i);
	if (!err)
		((struct xlb_hc_check *)obj)->initial_up = i;
	return err;
}

static const struct field hc_fields[] = {
    {"type", false, hc_type},
    {"port", false, hc_port},
    {"path", false, hc_path},
    {"host", false, hc_host},
    {"expect", false, hc_expect},
    {"interval_ms", false, hc_interval},
    {"timeout_ms", false, hc_timeout},
    {"rise", false, hc_rise},
    {"fall", false, hc_fall},
    {"jitter_ms", false, hc_jitter},
    {"initial", false, hc_initial},
    {"payload", false, hc_payload},
    {"expect_reply", false, hc_expect_reply},
    {"query", false, hc_query},
    {"send", false, hc_send},
    {"expect_string", false, hc_expect_string},
};

/* The value of key in mapping map (for messages), or map itself. */
static yaml_node_t *map_value(struct ctx *c, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp(sval(k), key))
			return yaml_document_get_node(c->doc, pair->value);
	}
	return map;
}

static int svc_health_check(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;
	struct xlb_hc_check *h = &t->s->hc;
	size_t old;
	int err;

	t->hc_given = true;
	if (is_null(v))
		return 0;
	err = walk_map(c, v, hc_fields, ARRAY_SIZE(hc_fields), h);
	if (err)
		return err;
	{
		/* settings of one probe type only: a mistake elsewhere, not a no-op */
		static const struct {
			const char *key;
			__u8 type;
		} only[] = {{"payload", XLB_HC_UDP},
			    {"expect_reply", XLB_HC_UDP},
			    {"query", XLB_HC_DNS},
			    {"send", XLB_HC_TCP},
			    {"expect_string", XLB_HC_TCP}};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(only); i++) {
			yaml_node_t *k = map_value(c, v, only[i].key);

			if (k == v || h->type == only[i].type)
				continue;
			old = path_key(c, only[i].key);
			err = fail(c, k, "only for type: %s (this check is %s)",
				   xlb_hc_type_name(only[i].type), xlb_hc_type_name(h->type));
			path_pop(c, old);
			return err;
		}
	}
	if (h->timeout_ms >= h->interval_ms) {
		old = path_key(c, "timeout_ms");
		err = fail(c, map_value(c, v, "timeout_ms"), "%u must be less than interval_ms (%u)", h->timeout_ms,
			   h->interval_ms);
		path_pop(c, old);
		return err;
	}
	if (h->jitter_ms >= h->interval_ms) {
		old = path_key(c, "jitter_ms");
		err = fail(c, map_value(c, v, "jitter_ms"), "%u must be less than interval_ms (%u)", h->jitter_ms,
			   h->interval_ms);
		path_pop(c, old);
		return err;
	}
	return 0;
}

static int svc_cross_zone(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_bool(c, v, &((struct svc_tmp *)obj)->s->pol.cross_zone);
}

static int svc_zone_min_healthy(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_fraction(c, v, &((struct svc_tmp *)obj)->s->pol.zone_min_healthy);
}

static int svc_panic_threshold(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_fraction(c, v, &((struct svc_tmp *)obj)->s->pol.panic_threshold);
}

static int svc_panic_mode(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"spread", "fail-closed"};

	return get_enum(c, v, names, ARRAY_SIZE(names), &((struct svc_tmp *)obj)->s->pol.panic_mode);
}

static int svc_drain_timeout(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 0, XLB_MAX_DRAIN_TIMEOUT_S,
			&((struct svc_tmp *)obj)->s->drain_timeout_s);
}

static int svc_allow_local(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_bool(c, v, &((struct svc_tmp *)obj)->s->allow_local_address);
}

static int svc_syn_cookies(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"off", "on", "auto"};
	struct xlb_cfg_service *s = ((struct svc_tmp *)obj)->s;
	char why[200];
	int err;

	err = get_enum(c, v, names, ARRAY_SIZE(names), &s->syn_cookies);
	if (!err && s->syn_cookies != XLB_SYN_COOKIES_OFF && !xlb_sc_kernel_ok(why, sizeof(why)))
		return fail(c, v, "syn_cookies: %s", why);
	return err;
}

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
	return get_plain_decimal(c, n, out, "a number", "a non-negative decimal number");
}

/* An absolute path of at most XLB_PATH_MAX - 1 printable characters. */
static int get_path(struct ctx *c, yaml_node_t *n, char *out, size_t outlen)
{
	const char *s = NULL;
	char q[64];
	size_t i, len;
	int err;

	err = get_string(c, n, &s);
	if (err)
		return err;
	len = strlen(s);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(c, n, "%s contains a control character", quote(s, q, sizeof(q)));
	if (s[0] != '/')
		return fail(c, n, "%s is not an absolute path", quote(s, q, sizeof(q)));
	if (len >= outlen)
		return fail(c, n, "%s is too long (at most %zu characters)", quote(s, q, sizeof(q)),
			    outlen - 1);
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
	int err = get_string(c, v, &s);

	if (err)
		return err;
	if (xlb_scale_metric_parse(s, &t->sc->metric))
		return fail(c, v, "%s: expected new_flows_per_backend_per_s or "
			    "active_flows_per_backend", quote(s, q, sizeof(q)));
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
	return get_uint(c, v, 1, 86400, &((struct scale_tmp *)obj)->sc->for_s);
}

static int sc_cooldown(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 0, 86400, &((struct scale_tmp *)obj)->sc->cooldown_s);
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

static int svc_scaling(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_scale_cfg *sc = &((struct svc_tmp *)obj)->s->scaling;
	struct scale_tmp t = {.sc = sc};
	size_t old;
	int err;

	if (is_null(v))
		return 0;
	sc->for_s = 30;
	sc->cooldown_s = 300;
	err = walk_map(c, v, scaling_fields, ARRAY_SIZE(scaling_fields), &t);
	if (err)
		return err;
	if (!sc->has_above && !sc->has_below)
		return fail(c, v, "needs above, below or both");
	if (sc->has_above && sc->has_below && !(sc->below < sc->above)) {
		old = path_key(c, "below");
		err = fail(c, t.below, "%g must be less than above (%g)", sc->below, sc->above);
		path_pop(c, old);
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
	int err = get_string(c, v, &s);
	__u32 port = 0;
	const char *p;

	if (err)
		return err;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return fail(c, v, "%s: expected ADDRESS:PORT or [IPv6]:PORT",
				    quote(s, q, sizeof(q)));
		hl = rb - s - 1;
		colon = rb + 1;
		if (hl >= sizeof(host))
			return fail(c, v, "%s is not an IPv6 address", quote(s, q, sizeof(q)));
		memcpy(host, s + 1, hl);
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return fail(c, v, "%s: expected ADDRESS:PORT (IPv6 in brackets: "
				    "[::1]:9469)", quote(s, q, sizeof(q)));
		hl = colon - s;
		if (hl >= sizeof(host))
			return fail(c, v, "%s is not an IPv4 address", quote(s, q, sizeof(q)));
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (xlb_addr_parse(host, &cfg->metrics_addr, &cfg->metrics_family) ||
	    (s[0] == '[') != (cfg->metrics_family == XLB_AF_INET6)) {
		cfg->metrics_family = 0;
		return fail(c, v, "%s: \"%s\" is not an %s address", quote(s, q, sizeof(q)), host,
			    s[0] == '[' ? "IPv6" : "IPv4");
	}
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			break;
		port = port * 10 + (__u32)(*p - '0');
	}
	if (!colon[1] || *p || port < 1 || port > 65535 || colon[1] == '0') {
		cfg->metrics_family = 0;
		return fail(c, v, "%s: port must be 1..65535", quote(s, q, sizeof(q)));
	}
	cfg->metrics_port = (__u16)port;
	return 0;
}

static const struct field metrics_fields[] = {
    {"listen", true, metrics_listen},
};

static int top_metrics(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (is_null(v))
		return 0;
	return walk_map(c, v, metrics_fields, ARRAY_SIZE(metrics_fields), NULL);
}

static int events_file(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_path(c, v, c->cfg->events_file, sizeof(c->cfg->events_file));
}

static const struct field events_fields[] = {
    {"file", false, events_file},
};

static int top_events(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (is_null(v))
		return 0;
	return walk_map(c, v, events_fields, ARRAY_SIZE(events_fields), NULL);
}

/* ---- filters: acl, rate_limit (docs/filtering.md) ------------------------ */

/* A sequence of CIDRs into l; family (0 = any) that every entry must have. */
static int get_cidrs(struct ctx *c, yaml_node_t *v, __u8 family, struct xlb_acl_list *l)
{
	yaml_node_item_t *it;
	char why[128], q[64], a[XLB_CIDR_STRLEN];
	size_t n, i, old;
	struct xlb_cidr cidr;
	const char *s;
	int err;

	if (is_null(v))
		return fail(c, v, "expected a sequence of prefixes, got nothing");
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, "expected a sequence of prefixes, got %s", kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n)
		return fail(c, v, "empty list (leave the key out instead)");
	if (n > XLB_ACL_LIST_MAX)
		return fail(c, v, "too many prefixes (%zu, at most %u)", n, XLB_ACL_LIST_MAX);
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		old = path_index(c, i);
		if (!e)
			return fail(c, v, "malformed sequence");
		err = get_string(c, e, &s);
		if (err)
			return err;
		if (xlb_cidr_parse(s, &cidr, why, sizeof(why)))
			return fail(c, e, "%s: %s", quote(s, q, sizeof(q)), why);
		if (family && cidr.family != family)
			return fail(c, e, "%s is an %s prefix, the service's VIP is %s (it would never match)",
				    quote(s, q, sizeof(q)), cidr.family == XLB_AF_INET ? "IPv4" : "IPv6",
				    family == XLB_AF_INET ? "IPv4" : "IPv6");
		err = xlb_acl_list_add(l, &cidr);
		if (err == -EEXIST)
			return fail(c, e, "%s is listed twice", xlb_cidr_str(&cidr, a, sizeof(a)));
		if (err)
			return err;
		path_pop(c, old);
	}
	return 0;
}

struct acl_tmp {
	struct xlb_acl *acl;
	__u8 family; /* 0: any */
};

static int acl_allow(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct acl_tmp *t = obj;

	return get_cidrs(c, v, t->family, &t->acl->allow);
}

static int acl_deny(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct acl_tmp *t = obj;

	return get_cidrs(c, v, t->family, &t->acl->deny);
}

static const struct field svc_acl_fields[] = {
    {"allow", false, acl_allow},
    {"deny", false, acl_deny},
};

/* The top-level acl: has only a deny list (an allow list is per service). */
static const struct field top_acl_fields[] = {
    {"deny", false, acl_deny},
};

static int svc_acl(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	t->acl = v; /* after the walk: needs the VIP's family */
	return 0;
}

static int top_acl(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct acl_tmp t = {.acl = &c->cfg->acl};

	if (is_null(v))
		return 0;
	return walk_map(c, v, top_acl_fields, ARRAY_SIZE(top_acl_fields), &t);
}

static int rl_rate(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 1, XLB_RATE_MAX, &((struct xlb_rate_limit *)obj)->rate);
}

static int rl_burst(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 1, XLB_BURST_MAX, &((struct xlb_rate_limit *)obj)->burst);
}

static int rl_prefix_v4(struct ctx *c, yaml_node_t *v, void *obj)
{
	__u32 x;
	int err = get_uint(c, v, 0, 32, &x);

	((struct xlb_rate_limit *)obj)->prefix4 = (__u8)x;
	return err;
}

static int rl_prefix_v6(struct ctx *c, yaml_node_t *v, void *obj)
{
	__u32 x;
	int err = get_uint(c, v, 0, 128, &x);

	((struct xlb_rate_limit *)obj)->prefix6 = (__u8)x;
	return err;
}

static const struct field rate_limit_fields[] = {
    {"new_flows_per_s", true, rl_rate},
    {"burst", false, rl_burst},
    {"prefix_v4", false, rl_prefix_v4},
    {"prefix_v6", false, rl_prefix_v6},
};

static int get_rate_limit(struct ctx *c, yaml_node_t *v, struct xlb_rate_limit *rl)
{
	int err;

	memset(rl, 0, sizeof(*rl));
	if (is_null(v))
		return 0;
	rl->prefix4 = XLB_RATE_DEFAULT_PREFIX4;
	rl->prefix6 = XLB_RATE_DEFAULT_PREFIX6;
	err = walk_map(c, v, rate_limit_fields, ARRAY_SIZE(rate_limit_fields), rl);
	if (err)
		return err;
	if (!rl->burst)
		rl->burst = rl->rate;
	rl->set = true;
	return 0;
}

static int svc_rate_limit(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_rate_limit(c, v, &((struct svc_tmp *)obj)->s->rate_limit);
}

static int top_rate_limit(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_rate_limit(c, v, &c->cfg->rate_limit);
}

/* ---- #21: outlier_detection, slow_start_s (userspace/lib/outlier.h, slowstart.h) ---- */

#define OD_U32(fn, field, lo, hi)                                                          \
	static int fn(struct ctx *c, yaml_node_t *v, void *obj)                            \
	{                                                                                  \
		return get_uint(c, v, lo, hi, &((struct xlb_outlier_cfg *)obj)->field);    \
	}
OD_U32(od_window, window_ms, 100, 60000)
OD_U32(od_min_flows, min_flows, 1, 1000000)
OD_U32(od_ratio, ratio_pct, 1, 100)
OD_U32(od_max_ejected, max_ejected_pct, 0, 100)
OD_U32(od_base, base_eject_ms, 100, 3600000)
OD_U32(od_max, max_eject_ms, 100, 86400000)
OD_U32(od_decay, decay_ms, 1000, 86400000)
#undef OD_U32

static int od_enabled(struct ctx *c, yaml_node_t *v, void *obj)
{
	bool b;
	int err = get_bool(c, v, &b);

	((struct xlb_outlier_cfg *)obj)->enabled = b;
	return err;
}

static const struct field outlier_fields[] = {
    {"enabled", false, od_enabled},
    {"window_ms", false, od_window},
    {"min_flows", false, od_min_flows},
    {"syn_retx_pct", false, od_ratio},
    {"max_ejected_pct", false, od_max_ejected},
    {"base_ejection_ms", false, od_base},
    {"max_ejection_ms", false, od_max},
    {"decay_ms", false, od_decay},
};

static int svc_outlier(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_outlier_cfg *o = &((struct svc_tmp *)obj)->s->outlier;
	const char *why;
	int err;

	if (is_null(v))
		return 0;
	o->enabled = true; /* the section's presence turns it on */
	err = walk_map(c, v, outlier_fields, ARRAY_SIZE(outlier_fields), o);
	if (err)
		return err;
	if (xlb_outlier_cfg_check(o, &why))
		return fail(c, v, "%s", why);
	return 0;
}

static int ag_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	__u32 p;
	int err = get_uint(c, v, 1, 65535, &p);

	((struct xlb_agent_cfg *)obj)->port = (__u16)p;
	return err;
}

static int ag_interval(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 500, 3600000, &((struct xlb_agent_cfg *)obj)->interval_ms);
}

static int ag_timeout(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 100, 3600000, &((struct xlb_agent_cfg *)obj)->timeout_ms);
}

static int ag_errors_down(struct ctx *c, yaml_node_t *v, void *obj)
{
	bool b;
	int err = get_bool(c, v, &b);

	((struct xlb_agent_cfg *)obj)->errors_down = b;
	return err;
}

static const struct field agent_fields[] = {
    {"port", true, ag_port},
    {"interval_ms", false, ag_interval},
    {"timeout_ms", false, ag_timeout},
    {"errors_down", false, ag_errors_down},
};

static int svc_agent(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_agent_cfg *a = &((struct svc_tmp *)obj)->s->agent;
	int err;

	if (is_null(v))
		return 0;
	a->interval_ms = 2000;
	a->timeout_ms = 1000;
	err = walk_map(c, v, agent_fields, ARRAY_SIZE(agent_fields), a);
	if (err)
		return err;
	if (a->timeout_ms >= a->interval_ms)
		return fail(c, v, "timeout_ms (%u) must be less than interval_ms (%u)", a->timeout_ms,
			    a->interval_ms);
	return 0;
}

static int svc_slow_start(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_uint(c, v, 0, XLB_SLOWSTART_MAX_MS / 1000,
			&((struct svc_tmp *)obj)->s->slow_start_s);
}

static const struct field service_fields[] = {
    {"name", true, svc_name},
    {"vip", true, svc_vip},
    {"port", true, svc_port},
    {"protocol", false, svc_protocol},
    {"scheduler", false, svc_scheduler},
    {"forwarding", false, svc_forwarding},
    {"table_size", false, svc_table_size},
    {"backends", false, svc_backends},
    {"health_check", false, svc_health_check},
    {"cross_zone", false, svc_cross_zone},
    {"zone_min_healthy", false, svc_zone_min_healthy},
    {"panic_threshold", false, svc_panic_threshold},
    {"panic_mode", false, svc_panic_mode},
    {"scaling", false, svc_scaling},
    {"drain_timeout", false, svc_drain_timeout},
    {"allow_local_address", false, svc_allow_local},
    {"acl", false, svc_acl},
    {"rate_limit", false, svc_rate_limit},
    {"outlier_detection", false, svc_outlier},
    {"slow_start_s", false, svc_slow_start},
    {"agent_check", false, svc_agent},
    {"syn_cookies", false, svc_syn_cookies},
};

static int parse_service(struct ctx *c, yaml_node_t *n, size_t idx)
{
	struct xlb_cfg_service *s = &c->cfg->services[idx];
	struct svc_tmp t = {.s = s};
	char a[XLB_ADDR_STRLEN], why[160];
	size_t i, old;
	int err;

	memset(s, 0, sizeof(*s));
	s->key.proto = IPPROTO_TCP;
	s->sched = XLB_SCHED_MAGLEV;
	s->fwd = XLB_FWD_DSR_L2;
	s->table_size = XLB_DEFAULT_TABLE_SIZE;
	xlb_hc_check_default(&s->hc);
	s->pol = XLB_POLICY_DEFAULT;
	s->drain_timeout_s = XLB_DEFAULT_DRAIN_TIMEOUT_S;
	s->outlier = XLB_OUTLIER_DEFAULT; /* #21 */
	s->line = line_of(n);

	err = walk_map(c, n, service_fields, ARRAY_SIZE(service_fields), &t);
	if (err)
		return err;
	if (s->syn_cookies != XLB_SYN_COOKIES_OFF && s->key.proto != IPPROTO_TCP)
		return fail(c, n, "syn_cookies: only for protocol tcp");
	/* After the walk: allow_local_address may come after vip. */
	if (xlb_cfg_check_addr(NULL, s, true, &s->key.addr, s->key.family, why, sizeof(why))) {
		old = path_key(c, "vip");
		err = fail(c, t.vip, "%s %s",
			   xlb_addr_str(&s->key.addr, s->key.family, a, sizeof(a)), why);
		path_pop(c, old);
		return err;
	}
	/* A TCP connect says nothing about a UDP service: no probe unless asked. */
	if (!t.hc_given && s->key.proto == IPPROTO_UDP)
		s->hc.type = XLB_HC_NONE;

	for (i = 0; i < idx; i++) {
		const struct xlb_cfg_service *o = &c->cfg->services[i];

		if (!strcmp(o->name, s->name)) {
			old = path_key(c, "name");
			err = fail(c, t.name,
				   "duplicate service name \"%s\" (also services[%zu] at line %d)",
				   s->name, i, o->line);
			path_pop(c, old);
			return err;
		}
		if (!memcmp(&o->key, &s->key, sizeof(s->key)))
			return fail(
			    c, t.vip,
			    "duplicate service %s%s%s:%u/%s (also services[%zu] \"%s\" at line %d)",
			    s->key.family == XLB_AF_INET6 ? "[" : "",
			    xlb_addr_str(&s->key.addr, s->key.family, a, sizeof(a)),
			    s->key.family == XLB_AF_INET6 ? "]" : "", ntohs(s->key.port),
			    xlb_proto_name(s->key.proto), i, o->name, o->line);
	}

	old = path_key(c, "backends");
	err = parse_backends(c, t.backends, s);
	if (err)
		return err;
	path_pop(c, old);
	if (t.acl && !is_null(t.acl)) {
		struct acl_tmp at = {.acl = &s->acl, .family = s->key.family};

		old = path_key(c, "acl");
		err = walk_map(c, t.acl, svc_acl_fields, ARRAY_SIZE(svc_acl_fields), &at);
		if (err)
			return err;
		path_pop(c, old);
	}
	return 0;
}

static int top_services(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_config *cfg = c->cfg;
	yaml_node_item_t *it;
	size_t n, i, old;
	int err;

	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, "expected a sequence, got %s", kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n)
		return 0;
	if (n > XLB_MAX_SERVICES)
		return fail(c, v, "too many services (%zu, at most %u)", n, XLB_MAX_SERVICES);
	cfg->services = calloc(n, sizeof(*cfg->services));
	if (!cfg->services)
		return -ENOMEM;
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		old = path_index(c, i);
		cfg->n_services = i + 1; /* so xlb_config_free sees what was filled */
		err = parse_service(c, yaml_document_get_node(c->doc, *it), i);
		if (err)
			return err;
		path_pop(c, old);
	}
	return 0;
}

static int node_zone(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_zone(c, v, c->cfg->node_zone);
}

/* node.address_v4 / address_v6: this node's address of that family (outer source of ipip/gue). */
static int node_address(struct ctx *c, yaml_node_t *v, __u8 want, struct xlb_addr *a, __u8 *fam)
{
	char buf[XLB_ADDR_STRLEN];
	int err = get_addr(c, v, a, fam);

	if (err)
		return err;
	if (*fam != want)
		return fail(c, v, "%s is not an %s address", xlb_addr_str(a, *fam, buf, sizeof(buf)),
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
	int err = get_uint(c, v, 1, 65535, &port);

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

	err = get_string(c, v, &s);
	if (err)
		return err;
	err = xlb_natpool_parse_range(s, &c->cfg->snat_ports);
	if (err)
		return fail(c, v, "\"%s\" is not a port range lo-hi within 1..65535", s);
	if (xlb_port_range_len(&c->cfg->snat_ports) < XLB_NATPOOL_MIN_SLICE)
		return fail(c, v, "%s: fewer than %u ports", s, XLB_NATPOOL_MIN_SLICE);
	c->cfg->snat_ports_set = true;
	return 0;
}

#define NAT_TMO_FIELD(fn, idx)                                                              \
	static int fn(struct ctx *c, yaml_node_t *v, void *obj)                             \
	{                                                                                   \
		return get_uint(c, v, 1, 7 * 86400, &c->cfg->nat_timeouts[idx]);            \
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
	if (is_null(v))
		return 0;
	return walk_map(c, v, nat_timeout_fields, ARRAY_SIZE(nat_timeout_fields), NULL);
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

static int top_node(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (is_null(v))
		return 0;
	return walk_map(c, v, node_fields, ARRAY_SIZE(node_fields), NULL);
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

	if (is_null(v))
		return fail(c, v, "expected a sequence of names, got nothing");
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, "expected a sequence of names, got %s", kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n)
		return fail(c, v, "empty list (leave the key out instead)");
	if (n > 4096)
		return fail(c, v, "too many names (%zu, at most 4096)", n);
	*out = calloc(n, XLB_AUTHZ_NAME_MAX);
	if (!*out)
		return -ENOMEM;
	*n_out = n;
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		old = path_index(c, i);
		if (!e)
			return fail(c, v, "malformed sequence");
		err = get_string(c, e, &s);
		if (err)
			return err;
		if (service_names ? !valid_name(s) : !valid_id_name(s))
			return fail(c, e, "%s is not a valid %s name ([A-Za-z0-9_.-], 1..63 characters)",
				    quote(s, q, sizeof(q)), service_names ? "service" : "user/group");
		for (j = 0; j < i; j++)
			if (!strcmp((*out)[j], s))
				return fail(c, e, "%s is listed twice", quote(s, q, sizeof(q)));
		strcpy((*out)[i], s);
		path_pop(c, old);
	}
	return 0;
}

static int grant_role(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"viewer", "operator", "admin"};
	struct xlb_grant *g = obj;
	__u8 i;
	int err;

	err = get_enum(c, v, names, ARRAY_SIZE(names), &i);
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

static int top_roles(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_access *a = &c->cfg->access;
	yaml_node_item_t *it;
	size_t n, i, old;
	int err;

	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, "expected a sequence, got %s", kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n)
		return 0;
	if (n > 1024)
		return fail(c, v, "too many roles entries (%zu, at most 1024)", n);
	a->grants = calloc(n, sizeof(*a->grants));
	if (!a->grants)
		return -ENOMEM;
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *gn = yaml_document_get_node(c->doc, *it);
		struct xlb_grant *g = &a->grants[i];

		old = path_index(c, i);
		a->n_grants = i + 1; /* so xlb_config_free sees what was filled */
		if (!gn)
			return fail(c, v, "malformed sequence");
		g->line = line_of(gn);
		err = walk_map(c, gn, grant_fields, ARRAY_SIZE(grant_fields), g);
		if (err)
			return err;
		if (!g->n_users && !g->n_groups)
			return fail(c, gn, "grants nobody: give users:, groups: or both");
		path_pop(c, old);
	}
	return 0;
}

static int control_socket_group(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = get_string(c, v, &s);
	if (err)
		return err;
	if (!valid_id_name(s))
		return fail(c, v, "%s is not a valid group name ([A-Za-z0-9_.-], 1..63 characters)",
			    quote(s, q, sizeof(q)));
	strcpy(c->cfg->socket_group, s);
	return 0;
}

/* An octal permission string: "0660", "0600" (quoted or plain; plain 660 is decimal in YAML). */
static int control_socket_mode(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = get_string(c, v, &s);
	if (err)
		return err;
	if (s[0] != '0' || strlen(s) < 2 || strlen(s) > 4 || strspn(s, "01234567") != strlen(s))
		return fail(c, v, "%s is not an octal mode like \"0660\" (0000..0777)",
			    quote(s, q, sizeof(q)));
	c->cfg->socket_mode = (__u32)strtoul(s, NULL, 8);
	c->cfg->socket_mode_set = true;
	return 0;
}

static int control_root_is_admin(struct ctx *c, yaml_node_t *v, void *obj)
{
	bool b;
	int err;

	err = get_bool(c, v, &b);
	if (!err)
		c->cfg->access.root_not_admin = !b;
	return err;
}

static const struct field control_fields[] = {
    {"socket_group", false, control_socket_group},
    {"socket_mode", false, control_socket_mode},
    {"root_is_admin", false, control_root_is_admin},
};

static int top_control(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (is_null(v))
		return 0;
	return walk_map(c, v, control_fields, ARRAY_SIZE(control_fields), NULL);
}

static int audit_file(struct ctx *c, yaml_node_t *v, void *obj)
{
	return get_path(c, v, c->cfg->audit_file, sizeof(c->cfg->audit_file));
}

static const struct field audit_fields[] = {
    {"file", false, audit_file},
};

static int top_audit(struct ctx *c, yaml_node_t *v, void *obj)
{
	if (is_null(v))
		return 0;
	return walk_map(c, v, audit_fields, ARRAY_SIZE(audit_fields), NULL);
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
	int err = get_string(c, v, &s);

	if (err)
		return err;
	if (!xlb_bird_proto_valid(s))
		return fail(c, v, "%s is not a BIRD protocol name prefix ([A-Za-z_][A-Za-z0-9_], "
			    "1..%d characters)", quote(s, q, sizeof(q)), XLB_BIRD_PROTO_MAX - 4);
	snprintf(c->cfg->bgp_protocol, sizeof(c->cfg->bgp_protocol), "%s", s);
	return 0;
}

static const struct field bgp_fields[] = {
    {"bird_socket", false, bgp_bird_socket},
    {"config_file", true, bgp_config_file},
    {"protocol", false, bgp_protocol},
};

static int top_bgp(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_config *cfg = c->cfg;
	int err;

	if (is_null(v))
		return 0;
	snprintf(cfg->bgp_bird_socket, sizeof(cfg->bgp_bird_socket), "%s", XLB_BIRD_DEFAULT_SOCKET);
	snprintf(cfg->bgp_protocol, sizeof(cfg->bgp_protocol), "%s", XLB_BIRD_DEFAULT_PROTO);
	err = walk_map(c, v, bgp_fields, ARRAY_SIZE(bgp_fields), NULL);
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
		return fail(c, v, "expected a sequence of URLs, got %s", kind(v));
	n = v->data.sequence.items.top - v->data.sequence.items.start;
	if (!n || n > XLB_CLUSTER_MAX_ETCD)
		return fail(c, v, "expected 1..%d etcd endpoints, got %zu", XLB_CLUSTER_MAX_ETCD, n);
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		if (!e)
			return fail(c, v, "malformed sequence");
		err = get_string(c, e, &s);
		if (err)
			return err;
		if (strncmp(s, "http://", 7) || !s[7] || strlen(s) >= XLB_CLUSTER_URL_MAX ||
		    strpbrk(s, " \t\"\\") || s[strlen(s) - 1] == '/')
			return fail(c, e, "%s is not an etcd endpoint like \"http://10.0.1.1:2379\"",
				    quote(s, q, sizeof(q)));
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
	int err = get_string(c, v, &s);

	if (err)
		return err;
	n = strlen(s);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			break;
	if (s[0] != '/' || n < 2 || s[n - 1] != '/' || i < n || n >= XLB_CLUSTER_PREFIX_MAX)
		return fail(c, v, "%s is not a key prefix like \"/xlb/prod/\" (starts and ends "
			    "with '/', no spaces, at most %d characters)", quote(s, q, sizeof(q)),
			    XLB_CLUSTER_PREFIX_MAX - 1);
	memcpy(c->cfg->cluster_prefix, s, n + 1);
	return 0;
}

static int cluster_node_name(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *s = NULL;
	char q[64];
	int err = get_string(c, v, &s);

	if (err)
		return err;
	if (!valid_name(s))
		return fail(c, v, "%s is not a valid node name ([A-Za-z0-9_.-], 1..63 characters)",
			    quote(s, q, sizeof(q)));
	snprintf(c->cfg->cluster_node_name, sizeof(c->cfg->cluster_node_name), "%s", s);
	return 0;
}

static const struct field cluster_fields[] = {
    {"etcd", true, cluster_etcd},
    {"prefix", true, cluster_prefix},
    {"node_name", true, cluster_node_name},
};

static int top_cluster(struct ctx *c, yaml_node_t *v, void *obj)
{
	int err;

	if (is_null(v))
		return 0;
	err = walk_map(c, v, cluster_fields, ARRAY_SIZE(cluster_fields), NULL);
	c->cfg->cluster_enabled = !err;
	return err;
}

static int top_syn_cookie_secret(struct ctx *c, yaml_node_t *v, void *obj)
{
	const char *hex = NULL;
	int err;

	err = get_string(c, v, &hex);
	if (err)
		return err;
	if (xlb_sc_secret_parse(hex, c->cfg->sc_secret))
		return fail(c, v, "syn_cookie_secret: expected 32 hex digits (128 bits)");
	c->cfg->sc_secret_set = true;
	return 0;
}

/* Top-level keys. Add acl:, roles: ... here. */
static const struct field top_fields[] = {
    {"services", false, top_services},
    {"node", false, top_node},
    {"roles", false, top_roles},
    {"control", false, top_control},
    {"audit", false, top_audit},
    {"metrics", false, top_metrics},
    {"events", false, top_events},
    {"bgp", false, top_bgp},
    {"cluster", false, top_cluster},
    {"acl", false, top_acl},
    {"rate_limit", false, top_rate_limit},
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
		yaml_node_t ln = at_line(s->line);

		if (s->fwd != XLB_FWD_IPIP && s->fwd != XLB_FWD_GUE)
			continue;
		if (v4 ? cfg->node_addr4_family : cfg->node_addr6_family)
			continue;
		return fail(c, &ln,
			    "services[%zu] \"%s\": forwarding %s needs node.%s (the outer source "
			    "address of encapsulated packets)",
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
	return 16 * (size_t)max_backends + 4 * (size_t)XLB_MAX_ACL_ENTRIES +
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
			yaml_node_t ln =
			    at_line((int)yaml_document_get_root_node(&extra)->start_mark.line + 1);

			ret = fail(&c, &ln, "only one YAML document is allowed");
		}
		yaml_document_delete(&extra);
		if (ret)
			goto out_doc;
	}
	if (!root || is_null(root))
		goto out_doc; /* empty file: no services */
	if (root->type != YAML_MAPPING_NODE) {
		ret = fail(&c, root, "top level must be a mapping (services: ...), got %s",
			   kind(root));
		goto out_doc;
	}
	ret = walk_map(&c, root, top_fields, ARRAY_SIZE(top_fields), NULL);
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
