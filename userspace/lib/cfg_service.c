// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cfg_service.c - the config's services: their keys, backends, health_check,
 * outlier_detection, agent_check, slow start and SYN cookies;
 * the walker and entry points are in config.c, shared internals in cfg_int.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "slowstart.h"
#include "maglev.h"
#include "syncookie.h"
#include "cfg_int.h"

/* ---- backends ------------------------------------------------------------ */

struct be_tmp {
	struct xlb_cfg_backend *be;
	int addr_line;
	int port_line; /* 0: no port: key */
};

static int be_address(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	t->addr_line = cfg_line_of(v);
	return cfg_get_addr(c, v, &t->be->addr, &t->be->family);
}

static int be_weight(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	return cfg_get_uint(c, v, 0, XLB_MAX_WEIGHT, &t->be->weight);
}

static int be_zone(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	return cfg_get_zone(c, v, t->be->zone);
}

static int be_backup(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct be_tmp *t = obj;

	return cfg_get_bool(c, v, &t->be->backup);
}

/* #21: max_flows: open flows cap (bpf/sched.h) */
static int be_max_flows(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 0, 0x7fffffff, &((struct be_tmp *)obj)->be->max_flows);
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

	err = cfg_get_uint(c, v, 1, 65535, &port);
	if (err)
		return err;
	t->be->port = (__u16)port;
	t->port_line = cfg_line_of(v);
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

/* Line-only stand-in node, so that cfg_fail() can point at a remembered line. */
yaml_node_t cfg_at_line(int line)
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

	if (!seq || cfg_is_null(seq))
		return 0; /* "backends:" with nothing: an empty pool */
	if (seq->type != YAML_SEQUENCE_NODE)
		return cfg_fail(c, seq, "expected a sequence, got %s", cfg_kind(seq));
	n = seq->data.sequence.items.top - seq->data.sequence.items.start;
	if (!n)
		return 0;
	if (n > max_backends || c->total_backends + n > max_backends)
		return cfg_fail(c, seq, "too many backends (at most %u over all services)",
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

		old = cfg_path_index(c, i);
		b->weight = XLB_DEFAULT_WEIGHT;
		b->line = cfg_line_of(bn);
		s->n_backends = i + 1; /* so the caller frees what was filled */
		err = cfg_walk_map(c, bn, backend_fields, ARRAY_SIZE(backend_fields), &t);
		if (err)
			goto out;
		addr_line[i] = t.addr_line;
		if (t.port_line && !xlb_fwd_is_nat(s->fwd)) {
			yaml_node_t ln = cfg_at_line(t.port_line);

			cfg_path_key(c, "port");
			err = cfg_fail(c, &ln,
				       "forwarding %s delivers to the VIP's port; a backend "
				       "port needs address translation (forwarding: nat or "
				       "fullnat)",
				       xlb_fwd_name(s->fwd));
			goto out;
		}
		cfg_path_key(c, "address");
		if (b->family != s->key.family) {
			yaml_node_t ln = cfg_at_line(t.addr_line);

			err = cfg_fail(c, &ln, "%s is %s but the vip is %s",
				       xlb_addr_str(&b->addr, b->family, a1, sizeof(a1)),
				       b->family == XLB_AF_INET ? "IPv4" : "IPv6",
				       s->key.family == XLB_AF_INET ? "IPv4" : "IPv6");
			goto out;
		}
		if (xlb_cfg_check_addr(NULL, s, false, &b->addr, b->family, why, sizeof(why))) {
			yaml_node_t ln = cfg_at_line(t.addr_line);

			err = cfg_fail(c, &ln, "%s %s",
				       xlb_addr_str(&b->addr, b->family, a1, sizeof(a1)), why);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (!xlb_addr_cmp(b->family, &b->addr, s->backends[j].family,
					  &s->backends[j].addr)) {
				yaml_node_t ln = cfg_at_line(t.addr_line);

				err = cfg_fail(c, &ln,
					       "duplicate backend %s (also backends[%zu] at "
					       "line %d)",
					       xlb_addr_str(&b->addr, b->family, a1, sizeof(a1)), j,
					       addr_line[j]);
				goto out;
			}
		}
		cfg_path_pop(c, old);
	}
	c->total_backends += n;
out:
	free(addr_line);
	return err;
}

/* ---- services ---------------------------------------------------------- */

bool cfg_valid_name(const char *s)
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
	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	if (!cfg_valid_name(s))
		return cfg_fail(c, v, "%s is not a valid name ([A-Za-z0-9_.-], 1..%d characters)",
				cfg_quote(s, q, sizeof(q)), XLB_NAME_MAX - 1);
	strcpy(t->s->name, s);
	return 0;
}

static int svc_vip(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	t->vip = v;
	return cfg_get_addr(c, v, &t->s->key.addr, &t->s->key.family);
}

static int svc_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;
	__u32 port;
	int err;

	err = cfg_get_uint(c, v, 1, 65535, &port);
	if (!err)
		t->s->key.port = htons((__u16)port);
	return err;
}

/* A string that must be one of names[0..n-1] (NULL entries skipped). */
int cfg_get_enum(struct ctx *c, yaml_node_t *v, const char *const *names, size_t n, __u8 *out)
{
	char q[64], list[128];
	size_t i, l = 0;
	const char *s = NULL;
	int err;

	err = cfg_get_string(c, v, &s);
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
	return cfg_fail(c, v, "%s is not one of: %s", cfg_quote(s, q, sizeof(q)), list);
}

static int svc_protocol(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"tcp", "udp"};
	static const __u8 protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	struct svc_tmp *t = obj;
	__u8 i;
	int err;

	err = cfg_get_enum(c, v, names, ARRAY_SIZE(names), &i);
	if (!err)
		t->s->key.proto = protos[i];
	return err;
}

static int svc_scheduler(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	return cfg_get_enum(c, v, xlb_sched_names, XLB_SCHED_MAX, &t->s->sched);
}

static int svc_forwarding(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;

	return cfg_get_enum(c, v, xlb_fwd_names, XLB_FWD_MAX, &t->s->fwd);
}

static int svc_table_size(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct svc_tmp *t = obj;
	__u32 n;
	int err;

	err = cfg_get_uint(c, v, 7, XLB_MAX_TABLE_SIZE, &n);
	if (err)
		return err;
	if (!xlb_maglev_size_ok(n))
		return cfg_fail(c, v, "%u is not a prime (e.g. 251, 4093, 65537, 1048573)", n);
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

	err = cfg_get_enum(c, v, names, ARRAY_SIZE(names), &i);
	if (!err)
		h->type = types[i];
	return err;
}

static int hc_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	__u32 port;
	int err;

	err = cfg_get_uint(c, v, 1, 65535, &port);
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

	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	if (s[0] != '/' || !http_token_ok(s) || strlen(s) >= sizeof(h->path))
		return cfg_fail(c, v,
				"%s is not an HTTP path (starts with /, no spaces or control "
				"characters, < %zu characters)",
				cfg_quote(s, q, sizeof(q)), sizeof(h->path));
	strcpy(h->path, s);
	return 0;
}

static int hc_host(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	const char *s = NULL;
	char q[64];
	int err;

	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	if (!*s || !http_token_ok(s) || strlen(s) >= sizeof(h->host))
		return cfg_fail(c, v,
				"%s is not a valid Host header value (no spaces or control "
				"characters, < %zu characters)",
				cfg_quote(s, q, sizeof(q)), sizeof(h->host));
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
		return cfg_fail(c, v, "expected a status range like \"200-399\", got %s",
				cfg_kind(v));
	if (cfg_is_null(v))
		return cfg_fail(c, v, "missing value");
	s = cfg_sval(v);
	n = sscanf(s, "%3u-%3u%c", &lo, &hi, &tail);
	if (n == 1 && strspn(s, "0123456789") == strlen(s))
		hi = lo;
	else if (n != 2 || strspn(s, "0123456789-") != strlen(s))
		return cfg_fail(c, v, "%s is not a status range like \"200-399\"",
				cfg_quote(s, q, sizeof(q)));
	if (lo < 100 || hi > 599 || lo > hi)
		return cfg_fail(c, v, "%s: statuses must be within 100..599, low <= high",
				cfg_quote(s, q, sizeof(q)));
	h->expect_lo = (__u16)lo;
	h->expect_hi = (__u16)hi;
	return 0;
}

/* Probe text (YAML escapes such as "\r\n" work; no NUL) of at most len - 1 bytes into out. */
static int get_probe_text(struct ctx *c, yaml_node_t *v, char *out, size_t len, bool nonempty)
{
	const char *s = NULL;
	int err;

	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	if (strlen(s) != v->data.scalar.length)
		return cfg_fail(c, v, "a NUL byte cannot be used (the value is text)");
	if (strlen(s) >= len)
		return cfg_fail(c, v, "%zu bytes: at most %zu", strlen(s), len - 1);
	if (nonempty && !*s)
		return cfg_fail(c, v, "empty (leave the key out to need no answer)");
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
	return cfg_get_bool(c, v, &((struct xlb_hc_check *)obj)->expect_reply);
}

/* DNS: the name asked for; "." is the root. */
static int hc_query(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_hc_check *h = obj;
	const char *s = NULL;
	char q[64];
	int err;

	err = cfg_get_string(c, v, &s);
	if (err)
		return err;
	if (!xlb_dns_name_ok(s) || strlen(s) >= sizeof(h->query))
		return cfg_fail(c, v,
				"%s is not a DNS name (\".\" or labels of 1..63 letters, digits, - "
				"or _, at most 253 characters)",
				cfg_quote(s, q, sizeof(q)));
	strcpy(h->query, s);
	return 0;
}

static int hc_interval(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 10, 3600000, &((struct xlb_hc_check *)obj)->interval_ms);
}

static int hc_timeout(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 1, 3600000, &((struct xlb_hc_check *)obj)->timeout_ms);
}

static int hc_rise(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 1, 100, &((struct xlb_hc_check *)obj)->rise);
}

static int hc_fall(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 1, 100, &((struct xlb_hc_check *)obj)->fall);
}

static int hc_jitter(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 0, 3600000, &((struct xlb_hc_check *)obj)->jitter_ms);
}

static int hc_initial(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"down", "up"};
	__u8 i;
	int err;

	err = cfg_get_enum(c, v, names, ARRAY_SIZE(names), &i);
	if (!err)
		((struct xlb_hc_check *)obj)->initial_up = i;
	return err;
}

/* #21: direct (to the backend) or vip (through the data path, bpf/probe.h) */
static int hc_via(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"direct", "vip"};

	return cfg_get_enum(c, v, names, ARRAY_SIZE(names), &((struct xlb_hc_check *)obj)->via);
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
    {"via", false, hc_via},
};

/* The value of key in mapping map (for messages), or map itself. */
static yaml_node_t *map_value(struct ctx *c, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp(cfg_sval(k), key))
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
	if (cfg_is_null(v))
		return 0;
	err = cfg_walk_map(c, v, hc_fields, ARRAY_SIZE(hc_fields), h);
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
			old = cfg_path_key(c, only[i].key);
			err = cfg_fail(c, k, "only for type: %s (this check is %s)",
				       xlb_hc_type_name(only[i].type), xlb_hc_type_name(h->type));
			cfg_path_pop(c, old);
			return err;
		}
	}
	if (h->timeout_ms >= h->interval_ms) {
		old = cfg_path_key(c, "timeout_ms");
		err = cfg_fail(c, map_value(c, v, "timeout_ms"),
			       "%u must be less than interval_ms (%u)", h->timeout_ms,
			       h->interval_ms);
		cfg_path_pop(c, old);
		return err;
	}
	if (h->jitter_ms >= h->interval_ms) {
		old = cfg_path_key(c, "jitter_ms");
		err =
		    cfg_fail(c, map_value(c, v, "jitter_ms"),
			     "%u must be less than interval_ms (%u)", h->jitter_ms, h->interval_ms);
		cfg_path_pop(c, old);
		return err;
	}
	return 0;
}

static int svc_cross_zone(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_bool(c, v, &((struct svc_tmp *)obj)->s->pol.cross_zone);
}

static int svc_zone_min_healthy(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_fraction(c, v, &((struct svc_tmp *)obj)->s->pol.zone_min_healthy);
}

static int svc_panic_threshold(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_fraction(c, v, &((struct svc_tmp *)obj)->s->pol.panic_threshold);
}

static int svc_panic_mode(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"spread", "fail-closed"};

	return cfg_get_enum(c, v, names, ARRAY_SIZE(names),
			    &((struct svc_tmp *)obj)->s->pol.panic_mode);
}

static int svc_drain_timeout(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 0, XLB_MAX_DRAIN_TIMEOUT_S,
			    &((struct svc_tmp *)obj)->s->drain_timeout_s);
}

static int svc_allow_local(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_bool(c, v, &((struct svc_tmp *)obj)->s->allow_local_address);
}

static int svc_syn_cookies(struct ctx *c, yaml_node_t *v, void *obj)
{
	static const char *const names[] = {"off", "on", "auto"};
	struct xlb_cfg_service *s = ((struct svc_tmp *)obj)->s;
	char why[200];
	int err;

	err = cfg_get_enum(c, v, names, ARRAY_SIZE(names), &s->syn_cookies);
	if (!err && s->syn_cookies != XLB_SYN_COOKIES_OFF && !xlb_sc_kernel_ok(why, sizeof(why)))
		return cfg_fail(c, v, "syn_cookies: %s", why);
	return err;
}

/* ---- #21: outlier_detection, slow_start_s (userspace/lib/outlier.h, slowstart.h) ---- */

#define OD_U32(fn, field, lo, hi)                                                                  \
	static int fn(struct ctx *c, yaml_node_t *v, void *obj)                                    \
	{                                                                                          \
		return cfg_get_uint(c, v, lo, hi, &((struct xlb_outlier_cfg *)obj)->field);        \
	}
OD_U32(od_window, window_ms, 100, 60000)
OD_U32(od_min_flows, min_flows, 1, 1000000)
OD_U32(od_ratio, ratio_pct, 1, 100)
OD_U32(od_max_ejected, max_ejected_pct, 0, 100)
OD_U32(od_base, base_eject_ms, 100, 3600000)
OD_U32(od_max, max_eject_ms, 100, 86400000)
OD_U32(od_decay, decay_ms, 1000, 86400000)
OD_U32(od_udp, udp_pct, 1, 100)
#undef OD_U32

static int od_enabled(struct ctx *c, yaml_node_t *v, void *obj)
{
	bool b;
	int err = cfg_get_bool(c, v, &b);

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
    {"udp_unanswered_pct", false, od_udp},
};

static int svc_outlier(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_outlier_cfg *o = &((struct svc_tmp *)obj)->s->outlier;
	const char *why;
	int err;

	if (cfg_is_null(v))
		return 0;
	o->enabled = true; /* the section's presence turns it on */
	err = cfg_walk_map(c, v, outlier_fields, ARRAY_SIZE(outlier_fields), o);
	if (err)
		return err;
	if (xlb_outlier_cfg_check(o, &why))
		return cfg_fail(c, v, "%s", why);
	return 0;
}

static int ag_port(struct ctx *c, yaml_node_t *v, void *obj)
{
	__u32 p;
	int err = cfg_get_uint(c, v, 1, 65535, &p);

	((struct xlb_agent_cfg *)obj)->port = (__u16)p;
	return err;
}

static int ag_interval(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 500, 3600000, &((struct xlb_agent_cfg *)obj)->interval_ms);
}

static int ag_timeout(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 100, 3600000, &((struct xlb_agent_cfg *)obj)->timeout_ms);
}

static int ag_errors_down(struct ctx *c, yaml_node_t *v, void *obj)
{
	bool b;
	int err = cfg_get_bool(c, v, &b);

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

	if (cfg_is_null(v))
		return 0;
	a->interval_ms = 2000;
	a->timeout_ms = 1000;
	err = cfg_walk_map(c, v, agent_fields, ARRAY_SIZE(agent_fields), a);
	if (err)
		return err;
	if (a->timeout_ms >= a->interval_ms)
		return cfg_fail(c, v, "timeout_ms (%u) must be less than interval_ms (%u)",
				a->timeout_ms, a->interval_ms);
	return 0;
}

static int svc_slow_start(struct ctx *c, yaml_node_t *v, void *obj)
{
	return cfg_get_uint(c, v, 0, XLB_SLOWSTART_MAX_MS / 1000,
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
    {"scaling", false, cfg_svc_scaling},
    {"drain_timeout", false, svc_drain_timeout},
    {"allow_local_address", false, svc_allow_local},
    {"acl", false, cfg_svc_acl},
    {"rate_limit", false, cfg_svc_rate_limit},
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
	s->line = cfg_line_of(n);

	err = cfg_walk_map(c, n, service_fields, ARRAY_SIZE(service_fields), &t);
	if (err)
		return err;
	if (s->syn_cookies != XLB_SYN_COOKIES_OFF && s->key.proto != IPPROTO_TCP)
		return cfg_fail(c, n, "syn_cookies: only for protocol tcp");
	if (s->outlier.udp_pct && s->key.proto != IPPROTO_UDP) /* #21 */
		return cfg_fail(c, n, "outlier_detection.udp_unanswered_pct: only for protocol udp");
	/* After the walk: allow_local_address may come after vip. */
	if (xlb_cfg_check_addr(NULL, s, true, &s->key.addr, s->key.family, why, sizeof(why))) {
		old = cfg_path_key(c, "vip");
		err = cfg_fail(c, t.vip, "%s %s",
			       xlb_addr_str(&s->key.addr, s->key.family, a, sizeof(a)), why);
		cfg_path_pop(c, old);
		return err;
	}
	/* A TCP connect says nothing about a UDP service: no probe unless asked. */
	if (!t.hc_given && s->key.proto == IPPROTO_UDP)
		s->hc.type = XLB_HC_NONE;

	for (i = 0; i < idx; i++) {
		const struct xlb_cfg_service *o = &c->cfg->services[i];

		if (!strcmp(o->name, s->name)) {
			old = cfg_path_key(c, "name");
			err = cfg_fail(c, t.name,
				       "duplicate service name \"%s\" (also services[%zu] "
				       "at line %d)",
				       s->name, i, o->line);
			cfg_path_pop(c, old);
			return err;
		}
		if (!memcmp(&o->key, &s->key, sizeof(s->key)))
			return cfg_fail(c, t.vip,
					"duplicate service %s%s%s:%u/%s (also services[%zu] "
					"\"%s\" at line %d)",
					s->key.family == XLB_AF_INET6 ? "[" : "",
					xlb_addr_str(&s->key.addr, s->key.family, a, sizeof(a)),
					s->key.family == XLB_AF_INET6 ? "]" : "",
					ntohs(s->key.port), xlb_proto_name(s->key.proto), i,
					o->name, o->line);
	}

	old = cfg_path_key(c, "backends");
	err = parse_backends(c, t.backends, s);
	if (err)
		return err;
	cfg_path_pop(c, old);
	if (t.acl && !cfg_is_null(t.acl)) {
		old = cfg_path_key(c, "acl");
		err = cfg_svc_acl_walk(c, t.acl, &s->acl, s->key.family);
		if (err)
			return err;
		cfg_path_pop(c, old);
	}
	return 0;
}

int cfg_top_services(struct ctx *c, yaml_node_t *v, void *obj)
{
	struct xlb_config *cfg = c->cfg;
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
	if (n > XLB_MAX_SERVICES)
		return cfg_fail(c, v, "too many services (%zu, at most %u)", n, XLB_MAX_SERVICES);
	cfg->services = calloc(n, sizeof(*cfg->services));
	if (!cfg->services)
		return -ENOMEM;
	for (i = 0, it = v->data.sequence.items.start; i < n; i++, it++) {
		old = cfg_path_index(c, i);
		cfg->n_services = i + 1; /* so xlb_config_free sees what was filled */
		err = parse_service(c, yaml_document_get_node(c->doc, *it), i);
		if (err)
			return err;
		cfg_path_pop(c, old);
	}
	return 0;
}
