// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dp_attach.c - the XDP program on the interface: through a pinned bpf_link
 * (bpf_link_create, replaced in place with bpf_link_update), and the redirect
 * targets (devmap). libbpf only: libxdp is not used.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp.h"
#include "log.h"

#include "dp_int.h"

/* ---- attach ---- */

static struct bpf_program *xdp_program(struct bpf_object *obj)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "xlb_xdp_ingress");

	if (p) /* the entry point; xlb_xdp_captured is only tail-called (capture.h) */
		return p;
	bpf_object__for_each_program(p, obj)
		if (bpf_program__type(p) == BPF_PROG_TYPE_XDP)
			return p;
	return NULL;
}

static const char *xdp_mode_name(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return "unknown";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

static int attach_new(struct xlb_dp *dp, int prog_fd, enum xlb_attach_mode mode, const char *path)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	int fd, err;

	lo.flags = mode == XLB_ATTACH_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	fd = bpf_link_create(prog_fd, dp->ifindex, BPF_XDP, &lo);
	if (fd < 0 && mode == XLB_ATTACH_AUTO && errno != EBUSY && errno != EEXIST) {
		pr_warn("native XDP on %s failed (%s): attaching in generic mode (slower)", dp->iface,
			strerror(errno));
		lo.flags = XDP_FLAGS_SKB_MODE;
		fd = bpf_link_create(prog_fd, dp->ifindex, BPF_XDP, &lo);
	}
	if (fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			pr_err("%s already has an XDP program, not attached through %s (an lbd "
				"with another --pin-dir? detach that one, or: ip link set dev %s "
				"xdp off)", dp->iface, dp->pin_dir, dp->iface);
		else
			pr_err("attaching XDP to %s: %s", dp->iface, strerror(-err));
		return err;
	}
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_err("pinning the XDP link at %s: %s", path, strerror(-err));
		close(fd); /* last reference: detaches */
		return err;
	}
	close(fd);
	dp->mode = lo.flags == XDP_FLAGS_SKB_MODE ? "generic" : "native";
	return 0;
}

static int attach(struct xlb_dp *dp, int prog_fd, enum xlb_attach_mode mode)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, LINK_PIN) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno != ENOENT) {
			err = -errno;
			pr_err("opening the pinned link %s: %s", path, strerror(-err));
			return err;
		}
		return attach_new(dp, prog_fd, mode, path);
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP) {
		pr_err("%s is not an XDP link", path);
		close(fd);
		return -EINVAL;
	}
	if (!info.xdp.ifindex) {
		/* The interface went away (and maybe came back): the link is defunct. */
		pr_info("pinned link %s is defunct (interface gone): attaching anew", path);
		close(fd);
		unlink(path);
		return attach_new(dp, prog_fd, mode, path);
	}
	dp->had_link = true;
	if ((int)info.xdp.ifindex != dp->ifindex) {
		char other[IF_NAMESIZE] = "?";

		if_indextoname(info.xdp.ifindex, other);
		pr_err("the link pinned at %s is attached to %s (ifindex %u), not %s: wrong --pin-dir?",
			path, other, info.xdp.ifindex, dp->iface);
		close(fd);
		return -EEXIST;
	}
	/* Atomic replace: the interface never runs without a program. */
	if (bpf_link_update(fd, prog_fd, NULL)) {
		err = -errno;
		pr_err("replacing the program behind %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	close(fd);
	dp->adopted = true;
	dp->mode = xdp_mode_name(dp->ifindex);
	if ((mode == XLB_ATTACH_NATIVE && strcmp(dp->mode, "native")) ||
	    (mode == XLB_ATTACH_GENERIC && strcmp(dp->mode, "generic")))
		pr_warn("%s stays attached in %s mode (replaced in place); to change the mode: "
			"lbd --detach, then start again", dp->iface, dp->mode);
	return 0;
}

/* Every up, non-loopback interface of this namespace, attached one first. */
int dp_fill_txports(struct xlb_dp *dp, __u32 max)
{
	struct if_nameindex *ifs, *i;
	__u32 n = 0, idx = dp->ifindex;
	int sk, err = 0;

	if (bpf_map_update_elem(dp->fd_txports, &idx, &idx, BPF_ANY)) {
		err = -errno;
		pr_err("adding %s to %s: %s", dp->iface, XLB_MAP_TXPORTS, strerror(-err));
		return err;
	}
	n++;
	ifs = if_nameindex();
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = ifs; i && i->if_index && sk >= 0 && n < max; i++) {
		struct ifreq ifr = {};

		if ((int)i->if_index == dp->ifindex)
			continue;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(sk, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP) ||
		    (ifr.ifr_flags & IFF_LOOPBACK))
			continue;
		idx = i->if_index;
		/* Some devices cannot be redirect targets: skip them quietly. */
		if (!bpf_map_update_elem(dp->fd_txports, &idx, &idx, BPF_ANY))
			n++;
		else
			pr_debug("%s cannot be a redirect target: %s", i->if_name, strerror(errno));
	}
	if (sk >= 0)
		close(sk);
	if (ifs)
		if_freenameindex(ifs);
	return 0;
}

int xlb_dp_attach(struct xlb_dp *dp)
{
	struct bpf_program *prog;
	int err;

	if (dp->attached)
		return 0;
	prog = xdp_program(dp->obj);
	if (!prog) {
		pr_err("the XDP object has no XDP program");
		return -ENOENT;
	}
	dp_oldpins_migrate(dp, 1);
	err = attach(dp, bpf_program__fd(prog), dp->attach_mode);
	if (err) {
		/* Nothing runs on these maps: do not leave pins behind. */
		if (!dp->had_link) {
			bpf_object__unpin_maps(dp->obj, NULL);
			rmdir(dp->pin_dir);
		}
		return err;
	}
	dp->attached = true;
	dp_oldpins_migrate(dp, 2);
	dp_oldpins_remove(dp);
	pr_info("XDP program %s on %s (ifindex %d) in %s mode, pins in %s",
		dp->adopted ? "replaced" : "attached", dp->iface, dp->ifindex, dp->mode, dp->pin_dir);
	return 0;
}

int xlb_dp_reattach(struct xlb_dp *dp, int ifindex)
{
	struct bpf_program *prog = xdp_program(dp->obj);
	__u32 idx = (__u32)ifindex;
	int err;

	if (!prog)
		return -ENOENT;
	/* the kernel dropped the old device's devmap entry when it went away */
	dp->ifindex = ifindex;
	dp->attached = false;
	/* the pinned link is defunct (its device is gone): attach() replaces it */
	err = attach(dp, bpf_program__fd(prog), dp->attach_mode);
	if (err)
		return err;
	dp->attached = true;
	if (bpf_map_update_elem(dp->fd_txports, &idx, &idx, BPF_ANY))
		pr_warn("adding %s (ifindex %d) to %s: %s", dp->iface, ifindex, XLB_MAP_TXPORTS,
			strerror(errno));
	pr_info("XDP program attached again on %s (ifindex %d) in %s mode", dp->iface,
		dp->ifindex, dp->mode);
	return 0;
}
