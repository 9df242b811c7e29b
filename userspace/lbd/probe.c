// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * probe.c - health probes through the data path (#21); see probe.h and
 * bpf/probe.h. The probe program is attached with a BPF link that is not
 * pinned: it goes with this lbd (probes are lbd's, nothing else sends on
 * that interface), and the next lbd attaches its own.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"

static int link_fd = -1;

int lbd_probe_init(struct lbd *l)
{
	int prog, ifindex, err;

	if (!l->probe_iface)
		return -EOPNOTSUPP;
	ifindex = (int)if_nametoindex(l->probe_iface);
	if (!ifindex) {
		err = -errno;
		pr_err("--probe-iface %s: %s", l->probe_iface, strerror(-err));
		return err;
	}
	prog = xlb_dp_prog_fd_ro(l->dp, "xlb_xdp_probe");
	if (prog < 0) {
		pr_err("the XDP object has no probe program: %s", strerror(-prog));
		return prog;
	}
	link_fd = bpf_link_create(prog, ifindex, BPF_XDP, NULL);
	if (link_fd < 0) {
		err = -errno;
		pr_err("attaching the probe program to %s: %s", l->probe_iface, strerror(-err));
		return err;
	}
	pr_info("health probes through the data path: program on %s, sockets marked 0x%x",
		l->probe_iface, l->probe_mark);
	return 0;
}

void lbd_probe_check(struct lbd *l, const struct xlb_cfg_service *cs)
{
	if (cs->hc.via == XLB_HC_VIA_VIP && cs->hc.type != XLB_HC_NONE && link_fd < 0)
		pr_warn("health: service \"%s\": via vip needs lbd --probe-iface%s; its probes "
			"fail as \"error\"", cs->name, l->probe_iface ? " (not attached)" : "");
}

void lbd_probe_free(void)
{
	if (link_fd >= 0)
		close(link_fd);
	link_fd = -1;
}

int lbd_probe_steer(struct lbd *l, const struct xlb_cfg_service *cs,
		    const struct xlb_cfg_backend *cb, __u8 proto, __u16 sport)
{
	struct xlb_probe_key k = {.sport = htons(sport), .proto = proto, .family = cs->key.family};
	struct xlb_probe v = {.fwd = cs->fwd}; /* the check's: shared probes have the same (hc.c) */
	int fd = xlb_dp_map_fd_ro(l->dp, XLB_MAP_PROBES), err;

	if (fd < 0)
		return fd;
	/* the id as it is now: a backend re-added since the last probe may have another */
	err = xlb_dp_backend_id(l->dp, &cs->key, &cb->addr, cb->family, &v.be_id);
	if (err)
		return err;
	/* never deleted: the LRU map forgets it; the port's next probe overwrites it */
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}
