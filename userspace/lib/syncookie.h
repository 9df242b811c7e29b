/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * syncookie.h - user space of xlb's SYN cookies (docs/filtering.md): the
 * per-service mode, the shared secret and its rotation, the kernel check,
 * and the `auto` mode's decision (pure: xlb_sc_auto_step).
 */
#ifndef XLB_SYNCOOKIE_USER_H
#define XLB_SYNCOOKIE_USER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "xlb.h"

/* syn_cookies: of a service. */
enum xlb_syn_cookies {
	XLB_SYN_COOKIES_OFF = 0,
	XLB_SYN_COOKIES_ON = 1,
	XLB_SYN_COOKIES_AUTO = 2,
	XLB_SYN_COOKIES_MAX,
};

#define XLB_SC_SECRET_LEN 16 /* bytes: 128 bits, 32 hex digits in the config */

const char *xlb_syn_cookies_name(__u8 mode);
int xlb_syn_cookies_parse(const char *s, __u8 *mode);

/* 32 hex digits -> 16 bytes; 0 or -EINVAL. */
int xlb_sc_secret_parse(const char *hex, __u8 out[XLB_SC_SECRET_LEN]);
/* 16 bytes -> 32 hex digits + NUL. */
void xlb_sc_secret_format(const __u8 in[XLB_SC_SECRET_LEN], char out[2 * XLB_SC_SECRET_LEN + 1]);
/*
 * Hide the secret in YAML text (a config export, a history generation) for
 * a reader below the admin role: the hex digits after every
 * "syn_cookie_secret:" become '*', in place (the length kept). Applied
 * again, such a text fails on that line instead of changing the secret.
 * The number of secrets hidden.
 */
int xlb_sc_secret_redact(char *yaml);

/*
 * Does the running kernel have bpf_sk_assign_tcp_reqsk (vmlinux BTF), which
 * the backends' half needs? 1 yes, 0 no (why: names the kernel release),
 * remembered after the first call.
 */
int xlb_sc_kernel_ok(char *why, size_t len);

/*
 * The secrets in a XLB_MAP_SCKEYS / XLB_MAP_DECAP_SCKEYS map (fd): make
 * `secret` current; a different current one becomes the previous (accepted
 * for ACKs until the next rotation: handshakes in flight survive).
 * secret NULL: keep the map's current secret, or generate a random one if it
 * has none (*generated = true: this node's cookies then fail on other nodes).
 * 0 or -errno.
 */
int xlb_sc_keys_sync(int map_fd, const __u8 *secret, bool *generated);

/*
 * `auto`: on while the service's new-SYN rate (per second) or the connection
 * table's fill (0..1) passes its threshold; off again only after both stayed
 * below half of their thresholds for XLB_SC_AUTO_HOLD samples in a row
 * (hysteresis in level and time: a flood the interface cannot carry whole
 * shows a lower rate while cookies are on, and must not make them flap).
 * *quiet counts those samples (the caller keeps it per service, 0 at
 * first). Called once a second; returns the new state.
 */
#define XLB_SC_AUTO_SYN_RATE   20000.0 /* SYNs per second of one service */
#define XLB_SC_AUTO_TABLE_FILL 0.8     /* fraction of XLB_MAX_FLOWS entries */
#define XLB_SC_AUTO_HOLD       5       /* quiet samples (seconds) before off */
bool xlb_sc_auto_step(bool on, unsigned int *quiet, double syn_rate, double table_fill);

/* Runtime state of `auto` services (lbd sets it; dp_svc.c reads it when writing a service). */
void xlb_sc_auto_set(const struct xlb_vip_key *key, bool on);
bool xlb_sc_auto_get(const struct xlb_vip_key *key);

/* XLB_SVC_F_SYNCOOKIE or 0, for a service of `mode` (auto: its runtime state). */
__u16 xlb_sc_svc_flags(__u8 mode, const struct xlb_vip_key *key);

#endif
