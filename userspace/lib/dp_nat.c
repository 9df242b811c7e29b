// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dp_nat.c - the NAT maps of the data path (dp_nat.h, issue #19). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp_nat.h"
#include "log.h"
#include "natpool.h"
#include "xlb.h"

const char *const xlb_nat_stat_names[XLB_NAT_STAT_MAX][2] = {
#define XLB_NAT_NAME(e, name, help) [XLB_NAT_STAT_##e] = {name, help},
    XLB_NAT_STATS(XLB_NAT_NAME)
#undef XLB_NAT_NAME
};

/* node.snat_v4 of the config last synced: read by xlb_dp_nat_backend(). */
static struct {
	struct xlb_addr snat4, snat6;
	__u8 snat4_family, snat6_family;
} nat_node;

/* The fd of one of dp's maps (xlb_dp_map_fd_ro gives the map's own fd). */
static int nat_fd(const struct xlb_dp *dp, const char *name)
{
	int fd = xlb_dp_map_fd_ro(dp, name);

	if (fd < 0)
		pr_warn("the XDP object has no map %s", name);
	return fd;
}

static int read_local_range(struct xlb_port_range *r)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xlb_natpool_parse_local(buf, r);
}

static int write_slices(const struct xlb_dp *dp, const struct xlb_port_range *r)
{
	int ncpus = xlb_dp_ncpus(dp), fd = nat_fd(dp, XLB_MAP_NATSLICE), err, c;
	struct xlb_port_range *sl;
	struct xlb_nat_slice *v;
	__u32 zero = 0;

	if (fd < 0)
		return fd;
	sl = calloc((size_t)ncpus, sizeof(*sl));
	v = calloc((size_t)ncpus, sizeof(*v));
	if (!sl || !v) {
		err = -ENOMEM;
		goto out;
	}
	err = xlb_natpool_slices(r, (__u32)ncpus, sl);
	if (err) {
		pr_warn("node.snat_ports %u-%u: fewer than %u ports for each of %d CPUs", r->lo,
			r->hi, XLB_NATPOOL_MIN_SLICE, ncpus);
		goto out;
	}
	for (c = 0; c < ncpus; c++)
		v[c] = (struct xlb_nat_slice){.lo = sl[c].lo, .hi = sl[c].hi};
	if (bpf_map_update_elem(fd, &zero, v, BPF_ANY)) {
		err = -errno;
		pr_warn("writing %s: %s", XLB_MAP_NATSLICE, strerror(-err));
	}
out:
	free(sl);
	free(v);
	return err;
}

int xlb_dp_nat_sync(struct xlb_dp *dp, const struct xlb_config *cfg)
{
	struct xlb_port_range r = {XLB_NATPOOL_DEF_LO, XLB_NATPOOL_DEF_HI}, local;
	struct xlb_nat_cfg nc = {};
	int fd = nat_fd(dp, XLB_MAP_NATCFG), err;
	bool nat = false, fullnat = false, dnat = false;
	__u32 zero = 0;
	size_t i;
	char msg[160];

	if (fd < 0)
		return fd;
	for (i = 0; i < cfg->n_services; i++) {
		nat |= xlb_fwd_is_nat(cfg->services[i].fwd);
		fullnat |= cfg->services[i].fwd == XLB_FWD_FULLNAT;
		dnat |= cfg->services[i].fwd == XLB_FWD_NAT;
	}
	if (cfg->snat_ports_set)
		r = cfg->snat_ports;
	if (fullnat && read_local_range(&local) == 0 &&
	    xlb_natpool_check_local(&r, &local, msg, sizeof(msg))) {
		pr_warn("node.%s: fullnat would take the node's own ports", msg);
		return -EEXIST;
	}
	nat_node.snat4 = cfg->snat4;
	nat_node.snat4_family = cfg->snat4_family;
	nat_node.snat6 = cfg->snat6;
	nat_node.snat6_family = cfg->snat6_family;
	err = write_slices(dp, &r);
	if (err && fullnat)
		return err;
	/* Keep the switches on once set: flows of a removed service may still have replies. */
	if (bpf_map_lookup_elem(fd, &zero, &nc) == 0) {
		nat |= !!(nc.flags & XLB_NAT_F_ON);
		dnat |= !!(nc.flags & XLB_NAT_F_DNAT);
	}
	memset(&nc, 0, sizeof(nc));
	nc.flags = (nat ? XLB_NAT_F_ON : 0) | (dnat ? XLB_NAT_F_DNAT : 0);
	nc.port_lo = r.lo;
	nc.port_hi = r.hi;
	for (i = 0; i < XLB_NAT_TMO_MAX; i++)
		nc.tmo_s[i] = cfg->nat_timeouts[i] ? cfg->nat_timeouts[i] : xlb_nat_tmo_defaults[i];
	if (bpf_map_update_elem(fd, &zero, &nc, BPF_ANY)) {
		err = -errno;
		pr_warn("writing %s: %s", XLB_MAP_NATCFG, strerror(-err));
		return err;
	}
	return 0;
}

int xlb_dp_nat_enable(struct xlb_dp *dp, __u8 fwd)
{
	int fd = nat_fd(dp, XLB_MAP_NATCFG);
	struct xlb_nat_cfg nc;
	__u32 zero = 0;
	size_t i;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, &nc))
		return -errno;
	if ((nc.flags & XLB_NAT_F_ON) && (fwd != XLB_FWD_NAT || (nc.flags & XLB_NAT_F_DNAT)))
		return 0;
	for (i = 0; i < XLB_NAT_TMO_MAX; i++) /* never synced (cannot happen in lbd) */
		if (!nc.tmo_s[i])
			nc.tmo_s[i] = xlb_nat_tmo_defaults[i];
	if (!nc.port_hi) {
		nc.port_lo = XLB_NATPOOL_DEF_LO;
		nc.port_hi = XLB_NATPOOL_DEF_HI;
	}
	nc.flags |= XLB_NAT_F_ON | (fwd == XLB_FWD_NAT ? XLB_NAT_F_DNAT : 0);
	if (bpf_map_update_elem(fd, &zero, &nc, BPF_ANY))
		return -errno;
	return 0;
}

/* The source address the kernel would use toward dst (a connected UDP socket sends nothing). */
static int route_src(const struct xlb_addr *dst, __u8 family, struct xlb_addr *src)
{
	struct sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);
	int fd, err = 0;

	if (family == XLB_AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons(9);
		sa->sin_addr.s_addr = dst->a[0];
		len = sizeof(*sa);
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;

		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(9);
		memcpy(&sa->sin6_addr, dst, 16);
		len = sizeof(*sa);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		goto out;
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		err = -errno;
out:
	close(fd);
	if (err)
		return err;
	memset(src, 0, sizeof(*src));
	if (family == XLB_AF_INET)
		src->a[0] = ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
	else
		memcpy(src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	return src->a[0] | src->a[1] | src->a[2] | src->a[3] ? 0 : -EADDRNOTAVAIL;
}

int xlb_dp_nat_backend(struct xlb_dp *dp, __u32 id, const struct xlb_addr *addr, __u8 family,
		       __u16 port, __u8 fwd)
{
	int fd = nat_fd(dp, XLB_MAP_NATBE), err;
	struct xlb_nat_be v = {.port = htons(port)};
	char a[INET6_ADDRSTRLEN] = "?";

	if (fd < 0)
		return fd;
	if (fwd == XLB_FWD_FULLNAT) {
		bool v4 = family == XLB_AF_INET;

		if (v4 ? nat_node.snat4_family : nat_node.snat6_family) {
			v.snat = v4 ? nat_node.snat4 : nat_node.snat6;
			v.snat_family = family;
		} else if ((err = route_src(addr, family, &v.snat)) == 0) {
			v.snat_family = family;
		} else {
			inet_ntop(v4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
			pr_warn("backend %s: no source address toward it (%s): its fullnat flows "
				"drop (drop_nat) until node.snat_v%c is set or a route appears",
				a, strerror(-err), v4 ? '4' : '6');
		}
	}
	if (bpf_map_update_elem(fd, &id, &v, BPF_ANY)) {
		err = -errno;
		pr_warn("backend id %u: writing %s: %s", id, XLB_MAP_NATBE, strerror(-err));
		return err;
	}
	return 0;
}

int xlb_dp_nat_stats(const struct xlb_dp *dp, struct xlb_dp_nat_stats *out)
{
	int ncpus = xlb_dp_ncpus(dp), sfd = nat_fd(dp, XLB_MAP_NATSTATS),
	    rfd = nat_fd(dp, XLB_MAP_NATREV), cfd = nat_fd(dp, XLB_MAP_NATCFG),
	    lfd = nat_fd(dp, XLB_MAP_NATSLICE), c;
	struct xlb_flow_key k, *prev = NULL;
	struct xlb_nat_slice *sl;
	struct xlb_nat_cfg nc;
	__u64 *v;
	__u32 i, zero = 0;

	memset(out, 0, sizeof(*out));
	if (sfd < 0 || rfd < 0 || cfd < 0 || lfd < 0)
		return -ENOENT;
	v = calloc((size_t)ncpus, sizeof(*v));
	sl = calloc((size_t)ncpus, sizeof(*sl));
	if (!v || !sl) {
		free(v);
		free(sl);
		return -ENOMEM;
	}
	for (i = 0; i < XLB_NAT_STAT_MAX; i++)
		if (bpf_map_lookup_elem(sfd, &i, v) == 0)
			for (c = 0; c < ncpus; c++)
				out->ev[i] += v[c];
	if (bpf_map_lookup_elem(lfd, &zero, sl) == 0)
		for (c = 0; c < ncpus; c++)
			if (sl[c].hi >= sl[c].lo && sl[c].hi)
				out->ports += (__u32)sl[c].hi - sl[c].lo + 1;
	free(v);
	free(sl);
	/* Counting by walking keys: the LRU map has no element count before kernel 6.6's iterator. */
	while (bpf_map_get_next_key(rfd, prev, &k) == 0) {
		out->entries++;
		prev = &k;
	}
	out->on = bpf_map_lookup_elem(cfd, &zero, &nc) == 0 && (nc.flags & XLB_NAT_F_ON);
	return 0;
}
