// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * syncookie.c - user space of xlb's SYN cookies: see syncookie.h.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>

#include "syncookie.h"

static const char *const mode_names[] = {"off", "on", "auto"};

const char *xlb_syn_cookies_name(__u8 mode)
{
	return mode < XLB_SYN_COOKIES_MAX ? mode_names[mode] : "?";
}

int xlb_syn_cookies_parse(const char *s, __u8 *mode)
{
	__u8 i;

	for (i = 0; i < XLB_SYN_COOKIES_MAX; i++)
		if (!strcmp(s, mode_names[i])) {
			*mode = i;
			return 0;
		}
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xlb_sc_secret_parse(const char *hex, __u8 out[XLB_SC_SECRET_LEN])
{
	size_t i;

	if (strlen(hex) != 2 * XLB_SC_SECRET_LEN)
		return -EINVAL;
	for (i = 0; i < XLB_SC_SECRET_LEN; i++) {
		int h = hexval(hex[2 * i]), l = hexval(hex[2 * i + 1]);

		if (h < 0 || l < 0)
			return -EINVAL;
		out[i] = (__u8)(h << 4 | l);
	}
	return 0;
}

void xlb_sc_secret_format(const __u8 in[XLB_SC_SECRET_LEN], char out[2 * XLB_SC_SECRET_LEN + 1])
{
	size_t i;

	for (i = 0; i < XLB_SC_SECRET_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

int xlb_sc_secret_redact(char *yaml)
{
	static const char key[] = "syn_cookie_secret";
	char *p = yaml;
	int n = 0;

	while (p && (p = strstr(p, key))) {
		p += sizeof(key) - 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
			p++;
		if (hexval(*p) < 0)
			continue;
		for (; hexval(*p) >= 0; p++)
			*p = '*';
		n++;
	}
	return n;
}

int xlb_sc_kernel_ok(char *why, size_t len)
{
	static int known = -1;
	struct btf *btf;
	struct utsname u;

	if (known < 0) {
		btf = btf__load_vmlinux_btf();
		known = btf &&
			btf__find_by_name_kind(btf, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC) > 0;
		btf__free(btf);
	}
	if (!known && why) {
		if (uname(&u))
			snprintf(u.release, sizeof(u.release), "?");
		snprintf(
		    why, len,
		    "this kernel (Linux %s) lacks bpf_sk_assign_tcp_reqsk, which backends need "
		    "to complete SYN-cookie handshakes (Linux 6.9 or later)",
		    u.release);
	}
	return known;
}

int xlb_sc_keys_sync(int map_fd, const __u8 *secret, bool *generated)
{
	struct xlb_sc_keys cur = {}, next = {};
	__u8 gen[XLB_SC_SECRET_LEN];
	__u32 zero = 0;

	if (generated)
		*generated = false;
	if (bpf_map_lookup_elem(map_fd, &zero, &cur))
		return -errno;
	if (!secret) {
		if (cur.flags & XLB_SC_F_CUR)
			return 0;
		if (getrandom(gen, sizeof(gen), 0) != (ssize_t)sizeof(gen))
			return -EIO;
		secret = gen;
		if (generated)
			*generated = true;
	}
	memcpy(next.cur, secret, sizeof(next.cur));
	next.flags = XLB_SC_F_CUR;
	if ((cur.flags & XLB_SC_F_CUR) && !memcmp(cur.cur, next.cur, sizeof(cur.cur)))
		return 0; /* unchanged: keep whatever previous secret is still accepted */
	if (cur.flags & XLB_SC_F_CUR) {
		memcpy(next.prev, cur.cur, sizeof(next.prev));
		next.flags |= XLB_SC_F_PREV;
	}
	/*
	 * One array entry, rewritten whole: a packet reading it meanwhile may
	 * see a torn key and fail one cookie (the client retransmits).
	 */
	if (bpf_map_update_elem(map_fd, &zero, &next, BPF_ANY))
		return -errno;
	return 0;
}

bool xlb_sc_auto_step(bool on, unsigned int *quiet, double syn_rate, double table_fill)
{
	bool high = syn_rate >= XLB_SC_AUTO_SYN_RATE || table_fill >= XLB_SC_AUTO_TABLE_FILL;
	bool warm = syn_rate >= XLB_SC_AUTO_SYN_RATE / 2 || table_fill >= XLB_SC_AUTO_TABLE_FILL / 2;

	if (!on || warm) {
		*quiet = 0;
		return high || (on && warm);
	}
	if (++*quiet < XLB_SC_AUTO_HOLD)
		return true;
	*quiet = 0;
	return false;
}

#define AUTO_MAX XLB_MAX_SERVICES
static struct xlb_vip_key auto_on[AUTO_MAX];
static size_t n_auto_on;

void xlb_sc_auto_set(const struct xlb_vip_key *key, bool on)
{
	size_t i;

	for (i = 0; i < n_auto_on; i++)
		if (!memcmp(&auto_on[i], key, sizeof(*key)))
			break;
	if (on && i == n_auto_on && n_auto_on < AUTO_MAX)
		auto_on[n_auto_on++] = *key;
	else if (!on && i < n_auto_on)
		auto_on[i] = auto_on[--n_auto_on];
}

bool xlb_sc_auto_get(const struct xlb_vip_key *key)
{
	size_t i;

	for (i = 0; i < n_auto_on; i++)
		if (!memcmp(&auto_on[i], key, sizeof(*key)))
			return true;
	return false;
}

__u16 xlb_sc_svc_flags(__u8 mode, const struct xlb_vip_key *key)
{
	if (mode == XLB_SYN_COOKIES_ON || (mode == XLB_SYN_COOKIES_AUTO && xlb_sc_auto_get(key)))
		return XLB_SVC_F_SYNCOOKIE;
	return 0;
}
