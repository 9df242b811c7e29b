/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * probe.h - lbd's side of health probes through the data path
 * (health_check via: vip, #21; bpf/probe.h has the data path's): the probe
 * program on --probe-iface, and the steering of each probe's source port to
 * its backend. hc.c calls these two hooks (marked #21).
 */
#ifndef LBD_PROBE_H
#define LBD_PROBE_H

#include "lbd.h"

#define LBD_PROBE_MARK_DEFAULT 0x786c /* "xl": SO_MARK of via-vip probes (--probe-mark) */

/*
 * Attach the probe program to l->probe_iface (nothing without one). 0 when
 * via-vip probes can be steered, else -errno (they fail as "error").
 */
int lbd_probe_init(struct lbd *l);
void lbd_probe_free(void);

/* A service whose check goes via vip while lbd has no --probe-iface: say so (its probes fail). */
void lbd_probe_check(struct lbd *l, const struct xlb_cfg_service *cs);

/* Steer sport (host order) of proto to backend cb of cs. 0 or -errno. */
int lbd_probe_steer(struct lbd *l, const struct xlb_cfg_service *cs,
		    const struct xlb_cfg_backend *cb, __u8 proto, __u16 sport);

#endif
