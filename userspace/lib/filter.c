// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* filter - ACL lists and rate limits (see filter.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "addr.h"
#include "filter.h"

static void why_set(char *why, size_t len, const char *msg)
{
	if (why && len)
		snprintf(why, len, "%s", msg);
}

/* Zero the bits of a (network order) beyond plen; returns whether any was set. */
static bool mask_addr(struct xlb_addr *a, unsigned int plen)
{
	bool dirty = false;
	int i;

	for (i = 0; i < 4; i++) {
		int bits = (int)plen - 32 * i;
		__u32 m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu : ~0u << (32 - bits);
		__u32 h = ntohl(a->a[i]);

		if (h & ~m)
			dirty = true;
		a->a[i] = htonl(h & m);
	}
	return dirty;
}

int xlb_cidr_parse(const char *s, struct xlb_cidr *c, char *why, size_t whylen)
{
	char buf[XLB_CIDR_STRLEN + 8];
	const char *slash;
	struct xlb_cidr r;
	unsigned long plen;
	unsigned int max;
	char *end;

	if (!s || !*s) {
		why_set(why, whylen, "empty prefix");
		return -EINVAL;
	}
	slash = strchr(s, '/');
	if (strlen(s) >= sizeof(buf) || (slash && (size_t)(slash - s) >= sizeof(buf))) {
		why_set(why, whylen, "not an IPv4/IPv6 prefix (too long)");
		return -EINVAL;
	}
	memset(&r, 0, sizeof(r));
	snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
	if (xlb_addr_parse(buf, &r.addr, &r.family)) {
		why_set(why, whylen, "not an IPv4/IPv6 address or prefix (ADDR or ADDR/LEN)");
		return -EINVAL;
	}
	max = r.family == XLB_AF_INET ? 32 : 128;
	plen = max;
	if (slash) {
		const char *p = slash + 1;

		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]) || strlen(p) > 3) {
			why_set(why, whylen, "prefix length is not a decimal number");
			return -EINVAL;
		}
		plen = strtoul(p, &end, 10);
		if (*end) {
			why_set(why, whylen, "prefix length is not a decimal number");
			return -EINVAL;
		}
		if (plen > max) {
			why_set(why, whylen, r.family == XLB_AF_INET ? "prefix length must be 0..32"
								     : "prefix length must be 0..128");
			return -EINVAL;
		}
	}
	r.plen = (__u8)plen;
	if (mask_addr(&r.addr, r.plen)) {
		char a[XLB_CIDR_STRLEN], msg[128];

		snprintf(msg, sizeof(msg), "host bits set (the network is %s)",
			 xlb_cidr_str(&r, a, sizeof(a)));
		why_set(why, whylen, msg);
		return -EINVAL;
	}
	*c = r;
	return 0;
}

const char *xlb_cidr_str(const struct xlb_cidr *c, char *buf, size_t len)
{
	char a[XLB_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", xlb_addr_str(&c->addr, c->family, a, sizeof(a)), c->plen);
	return buf;
}

bool xlb_cidr_eq(const struct xlb_cidr *a, const struct xlb_cidr *b)
{
	return a->family == b->family && a->plen == b->plen &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

bool xlb_acl_list_has(const struct xlb_acl_list *l, const struct xlb_cidr *c)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (xlb_cidr_eq(&l->v[i], c))
			return true;
	return false;
}

int xlb_acl_list_add(struct xlb_acl_list *l, const struct xlb_cidr *c)
{
	struct xlb_cidr *v;

	if (xlb_acl_list_has(l, c))
		return -EEXIST;
	if (l->n >= XLB_ACL_LIST_MAX)
		return -ENOSPC;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[l->n++] = *c;
	l->v = v;
	return 0;
}

int xlb_acl_list_remove(struct xlb_acl_list *l, const struct xlb_cidr *c)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (xlb_cidr_eq(&l->v[i], c)) {
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
			l->n--;
			if (!l->n) {
				free(l->v);
				l->v = NULL;
			}
			return 0;
		}
	}
	return -ENOENT;
}

/* Same set (order does not matter). */
bool xlb_acl_list_eq(const struct xlb_acl_list *a, const struct xlb_acl_list *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!xlb_acl_list_has(b, &a->v[i]))
			return false;
	return true;
}

static int list_copy(struct xlb_acl_list *d, const struct xlb_acl_list *s)
{
	d->v = NULL;
	d->n = 0;
	if (!s->n)
		return 0;
	d->v = malloc(s->n * sizeof(*d->v));
	if (!d->v)
		return -ENOMEM;
	memcpy(d->v, s->v, s->n * sizeof(*d->v));
	d->n = s->n;
	return 0;
}

int xlb_acl_copy(struct xlb_acl *dst, const struct xlb_acl *src)
{
	memset(dst, 0, sizeof(*dst));
	if (list_copy(&dst->allow, &src->allow) || list_copy(&dst->deny, &src->deny)) {
		xlb_acl_free(dst);
		return -ENOMEM;
	}
	return 0;
}

void xlb_acl_free(struct xlb_acl *acl)
{
	if (!acl)
		return;
	free(acl->allow.v);
	free(acl->deny.v);
	memset(acl, 0, sizeof(*acl));
}

bool xlb_acl_eq(const struct xlb_acl *a, const struct xlb_acl *b)
{
	return xlb_acl_list_eq(&a->allow, &b->allow) && xlb_acl_list_eq(&a->deny, &b->deny);
}

bool xlb_rate_limit_eq(const struct xlb_rate_limit *a, const struct xlb_rate_limit *b)
{
	if (!a->set || !b->set)
		return a->set == b->set;
	return a->rate == b->rate && a->burst == b->burst && a->prefix4 == b->prefix4 &&
	       a->prefix6 == b->prefix6;
}

void xlb_filter_value(const struct xlb_acl *acl, const struct xlb_rate_limit *rl,
		      struct xlb_filter *out)
{
	memset(out, 0, sizeof(*out));
	if (acl && acl->deny.n)
		out->flags |= XLB_FILTER_F_DENY;
	if (acl && acl->allow.n)
		out->flags |= XLB_FILTER_F_ALLOW;
	if (rl && rl->set && rl->rate) {
		out->flags |= XLB_FILTER_F_RATE;
		out->interval_ns = 1000000000ull / rl->rate;
		if (!out->interval_ns)
			out->interval_ns = 1;
		out->burst = rl->burst ? rl->burst : rl->rate;
		out->prefix4 = rl->prefix4;
		out->prefix6 = rl->prefix6;
	}
}

void xlb_acl4_key_of(__u8 kind, __u32 id, const struct xlb_cidr *c, struct xlb_acl4_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + c->plen;
	k->scope = XLB_ACL_SCOPE(kind, id);
	k->addr = c->addr.a[0];
}

void xlb_acl6_key_of(__u8 kind, __u32 id, const struct xlb_cidr *c, struct xlb_acl6_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + c->plen;
	k->scope = XLB_ACL_SCOPE(kind, id);
	memcpy(k->addr, &c->addr, sizeof(k->addr));
}

int xlb_rate_limit_from_args(const json_t *args, bool set, struct xlb_rate_limit *out, char *err,
			     size_t errlen)
{
	json_t *rate = json_object_get(args, "rate"), *burst = json_object_get(args, "burst");
	json_t *p4 = json_object_get(args, "prefix_v4"), *p6 = json_object_get(args, "prefix_v6");
	json_int_t r, b, q4, q6;

	memset(out, 0, sizeof(*out));
	if (!set) {
		if (rate || burst || p4 || p6) {
			snprintf(err, errlen, "clear takes no limit");
			return -EINVAL;
		}
		return 0;
	}
	if (!rate) {
		snprintf(err, errlen, "rate: missing");
		return -EINVAL;
	}
	r = json_integer_value(rate);
	b = burst ? json_integer_value(burst) : r;
	q4 = p4 ? json_integer_value(p4) : XLB_RATE_DEFAULT_PREFIX4;
	q6 = p6 ? json_integer_value(p6) : XLB_RATE_DEFAULT_PREFIX6;
	if (r < 1 || r > XLB_RATE_MAX) {
		snprintf(err, errlen, "rate %lld: expected 1..%u", (long long)r, XLB_RATE_MAX);
		return -EINVAL;
	}
	if (b < 1 || b > XLB_BURST_MAX) {
		snprintf(err, errlen, "burst %lld: expected 1..%u", (long long)b, XLB_BURST_MAX);
		return -EINVAL;
	}
	if (q4 < 0 || q4 > 32 || q6 < 0 || q6 > 128) {
		snprintf(err, errlen, "prefix_v4 0..32, prefix_v6 0..128");
		return -EINVAL;
	}
	out->set = true;
	out->rate = (__u32)r;
	out->burst = (__u32)b;
	out->prefix4 = (__u8)q4;
	out->prefix6 = (__u8)q6;
	return 0;
}
