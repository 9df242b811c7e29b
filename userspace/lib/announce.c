// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Which VIPs to announce, and the BIRD side of it (announce.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "announce.h"

/* Can a service in this state take new flows? */
static bool announce_serving(enum xlb_pol_mode mode, __u32 n_weighted)
{
	switch (mode) {
	case XLB_POL_NORMAL:
	case XLB_POL_SPILL:
	case XLB_POL_BACKUP:
	case XLB_POL_PANIC:
		return n_weighted > 0;
	default: /* down, fail-closed: no new flows here */
		return false;
	}
}

static int cmp_vip(const void *x, const void *y)
{
	const struct xlb_ann_vip *a = x, *b = y;

	return xlb_addr_cmp(a->family, &a->addr, b->family, &b->addr);
}

int xlb_announce_compute(bool drained, const struct xlb_ann_service *svc, size_t n,
			 struct xlb_ann_vip *out, size_t *n_out)
{
	size_t i, k = 0, j;

	if (!n_out || (n && (!svc || !out)))
		return -EINVAL;
	*n_out = 0;
	if (drained)
		return 0;
	for (i = 0; i < n; i++) {
		if (!announce_serving(svc[i].mode, svc[i].n_weighted))
			continue;
		memset(&out[k], 0, sizeof(out[k]));
		out[k].family = svc[i].family;
		out[k].addr = svc[i].vip;
		k++;
	}
	if (k) /* qsort(NULL, 0, ...) is undefined (UBSan) */
		qsort(out, k, sizeof(*out), cmp_vip);
	for (i = 0, j = 0; i < k; i++)
		if (!j || cmp_vip(&out[j - 1], &out[i]))
			out[j++] = out[i];
	*n_out = j;
	return 0;
}

bool xlb_announce_equal(const struct xlb_ann_vip *a, size_t na, const struct xlb_ann_vip *b,
			size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (cmp_vip(&a[i], &b[i]))
			return false;
	return true;
}

bool xlb_bird_proto_valid(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) > XLB_BIRD_PROTO_MAX - 4)
		return false;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (i = 1; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* A growing string; on allocation failure err sticks. */
struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	size_t ncap;
	va_list ap;
	char *np;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += n;
			return;
		}
		ncap = (b->cap ? b->cap * 2 : 1024) + n;
		np = realloc(b->p, ncap);

		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

int xlb_bird_fragment(const char *proto, bool drained, const struct xlb_ann_vip *v, size_t n,
		      char **out)
{
	struct sbuf b = {};
	char a[XLB_ADDR_STRLEN];
	size_t i, n4 = 0;
	int fam;

	if (!out || !xlb_bird_proto_valid(proto) || (n && !v))
		return -EINVAL;
	*out = NULL;
	for (i = 0; i < n; i++)
		n4 += v[i].family == XLB_AF_INET;
	sb_printf(&b,
		  "# Written by lbd (xlb): the VIPs this node announces. Do not edit: lbd\n"
		  "# rewrites it (atomically) whenever the set changes, then asks BIRD to\n"
		  "# reconfigure. Include it from bird.conf and export these protocols'\n"
		  "# routes to the BGP neighbours, e.g. `export where proto = \"%s4\";`.\n",
		  proto);
	if (drained)
		sb_printf(&b, "%s (lbctl node undrain announces again)\n", XLB_BIRD_DRAINED_TAG);
	sb_printf(&b, "# announced: %zu IPv4, %zu IPv6\n", n4, n - n4);
	for (fam = XLB_AF_INET; fam <= XLB_AF_INET6; fam += 2) {
		sb_printf(&b, "\nprotocol static %s%d {\n\t%s;\n", proto, fam,
			  fam == XLB_AF_INET ? "ipv4" : "ipv6");
		for (i = 0; i < n; i++)
			if (v[i].family == fam)
				sb_printf(&b, "\troute %s/%d blackhole;\n",
					  xlb_addr_str(&v[i].addr, v[i].family, a, sizeof(a)),
					  fam == XLB_AF_INET ? 32 : 128);
		sb_printf(&b, "}\n");
	}
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*out = b.p;
	return 0;
}

bool xlb_bird_fragment_drained(const char *text)
{
	size_t tl = strlen(XLB_BIRD_DRAINED_TAG);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, XLB_BIRD_DRAINED_TAG, tl) &&
		    (p[tl] == '\0' || p[tl] == '\n' || p[tl] == ' '))
			return true;
	return false;
}

int xlb_bird_reply_line(const char *line, int *code)
{
	int i, c = 0;

	if (!line || !code)
		return -EINVAL;
	if (line[0] == ' ') {
		*code = -1;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)line[i]))
			return -EINVAL;
		c = c * 10 + (line[i] - '0');
	}
	*code = c;
	if (line[4] == '-')
		return 0;
	if (line[4] == ' ' || line[4] == '\0')
		return 1;
	return -EINVAL;
}
