// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * netwatch.c - lbd's interface, watched through rtnetlink (RTMGRP_LINK).
 *
 * When the interface lbd attached to is deleted (or moved to another network
 * namespace), the kernel removes its XDP program with it; the pinned link
 * stays, defunct. lbd keeps running: the maps keep every service, backend
 * and flow, and changes still go into them. It says so (log, event "link",
 * status "link", metrics xlb_lbd_interface_attached and
 * xlb_lbd_interface_lost_total), and when an interface of the same name
 * appears, attaches the program to it again (dp.c xlb_dp_reattach). A failed
 * re-attach is retried on the interface's next change, and every
 * LBD_NET_RETRY_MS.
 *
 * A netlink overflow (ENOBUFS: messages lost) is answered by looking the
 * name up again, so a lost message cannot leave lbd believing the wrong thing.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "lbd.h"
#include "log.h"

static void lbd_netwatch_event(struct lbd *l);

#define LBD_NET_RETRY_MS 2000

static struct {
	int fd;
	bool gone; /* the program is not attached: the interface went away */
	int err; /* the last re-attach's error, 0: none */
	long long since_ms; /* of the current state */
	long long tried_ms; /* last re-attach attempt */
	__u64 lost, reattached;
} nw = { .fd = -1 };

static void went_away(struct lbd *l, const char *how)
{
	if (nw.gone)
		return;
	nw.gone = true;
	nw.err = 0;
	nw.lost++;
	nw.since_ms = lbd_now_ms();
	pr_warn("interface %s (ifindex %d) %s: the XDP program went with it; services and "
		"changes are kept in the maps and lbd attaches again when %s returns",
		l->iface, xlb_dp_ifindex(l->dp), how, l->iface);
	lbd_event(l, "link", NULL, NULL, "%s (ifindex %d) %s: not attached", l->iface,
		  xlb_dp_ifindex(l->dp), how);
	lbd_obs_changed(l);
}

static void try_reattach(struct lbd *l, int ifindex)
{
	int err;

	nw.tried_ms = lbd_now_ms();
	err = xlb_dp_reattach(l->dp, ifindex);
	if (err) {
		if (err != nw.err)
			lbd_event(l, "link", NULL, NULL, "%s is back (ifindex %d); attaching failed: %s",
				  l->iface, ifindex, strerror(-err));
		nw.err = err;
		return;
	}
	nw.gone = false;
	nw.err = 0;
	nw.reattached++;
	nw.since_ms = lbd_now_ms();
	lbd_event(l, "link", NULL, NULL, "%s is back (ifindex %d): attached in %s mode", l->iface,
		  ifindex, xlb_dp_attach_mode(l->dp));
	lbd_obs_changed(l);
}

/* Look the name up: what a lost netlink message would have told. */
static void resync(struct lbd *l)
{
	int ifindex = (int)if_nametoindex(l->iface);

	if (!nw.gone && ifindex != xlb_dp_ifindex(l->dp))
		went_away(l, ifindex ? "was replaced" : "is gone");
	if (nw.gone && ifindex)
		try_reattach(l, ifindex);
}

static void on_link(struct lbd *l, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *a;
	char name[IF_NAMESIZE] = "";
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME) {
			size_t n = RTA_PAYLOAD(a);

			if (n > sizeof(name) - 1)
				n = sizeof(name) - 1;
			memcpy(name, RTA_DATA(a), n);
			name[n] = '\0';
		}
	if (h->nlmsg_type == RTM_DELLINK) {
		if (!nw.gone && ifi->ifi_index == xlb_dp_ifindex(l->dp))
			went_away(l, "is gone");
		return;
	}
	/* RTM_NEWLINK: a new interface, or a change of one */
	if (!nw.gone && ifi->ifi_index == xlb_dp_ifindex(l->dp) && name[0] &&
	    strcmp(name, l->iface)) {
		pr_warn("interface %s (ifindex %d) is now called %s; the program stays on it",
			l->iface, ifi->ifi_index, name);
		return;
	}
	if (nw.gone && !strcmp(name, l->iface))
		try_reattach(l, ifi->ifi_index);
}

static struct lbd_src nw_src = { .fd = -1 };

static void nw_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	lbd_netwatch_event(l);
}

int lbd_netwatch_init(struct lbd *l)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int err = 0;

	nw.since_ms = lbd_now_ms();
	nw.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nw.fd < 0 || bind(nw.fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (err = lbd_loop_add(l, &nw_src, nw.fd, EPOLLIN, nw_ready, NULL))) {
		err = nw.fd < 0 ? -errno : err ? err : -errno;
		pr_warn("watching %s through rtnetlink: %s", l->iface, strerror(-err));
		return err;
	}
	resync(l); /* it may have gone between the attach and now */
	return 0;
}

static void lbd_netwatch_event(struct lbd *l)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *h;
	ssize_t n;
	int len;

	for (;;) {
		n = recv(nw.fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS) { /* overflow: messages lost */
				pr_info("rtnetlink: messages lost; looking %s up again", l->iface);
				resync(l);
				continue;
			}
			break; /* EAGAIN: all read */
		}
		len = (int)n;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK)
				on_link(l, h);
	}
}

void lbd_netwatch_tick(struct lbd *l)
{
	if (nw.gone && nw.err && lbd_now_ms() - nw.tried_ms >= LBD_NET_RETRY_MS)
		resync(l);
}

void lbd_netwatch_free(void)
{
	if (nw.fd >= 0)
		close(nw.fd);
	nw.fd = -1;
}

bool lbd_netwatch_attached(void)
{
	return !nw.gone;
}

json_t *lbd_netwatch_json(struct lbd *l)
{
	json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I}", "state",
			      !nw.gone ? "attached" : nw.err ? "attach_failed" : "gone", "attached",
			      !nw.gone, "since_s", (json_int_t)((lbd_now_ms() - nw.since_ms) / 1000),
			      "lost", (json_int_t)nw.lost, "reattached", (json_int_t)nw.reattached);

	if (o && nw.err)
		json_object_set_new(o, "error", json_string(strerror(-nw.err)));
	return o;
}
