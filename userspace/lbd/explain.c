// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * explain.c - the "flow.explain" command (lbctl flow explain): what the data
 * path would do with the next packet of one flow. The decisions come from
 * lib/explain.c over the live maps (read only); this file adds what only lbd
 * knows: service and backend names, the control plane's reasons (health,
 * drain, backup, panic), the next hop as the kernel would resolve it
 * (RTM_GETROUTE, RTM_GETNEIGH: the data path asks bpf_fib_lookup, which reads
 * the same FIB and neighbour table) and the counters the packet would bump.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>

#include "addr.h"
#include "explain.h"
#include "lbd.h"
#include "log.h"
#include "policy.h"

static const char *const stat_names[XLB_STAT_MAX] = {
#define XLB_STAT_NAME(e, name, help) [XLB_STAT_##e] = name,
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

/* ---- next hop: the kernel's route and neighbour entry for the backend ---- */

static void nl_attr(struct nlmsghdr *n, size_t max, int type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	if (NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len) > max)
		return;
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_SPACE(len);
}

/* Send req, read the answer into buf: the message or -errno (NLMSG_ERROR). */
static int nl_talk(struct nlmsghdr *req, char *buf, size_t len, struct nlmsghdr **out)
{
	struct timeval tv = { 1, 0 };
	struct nlmsghdr *n;
	ssize_t got;
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, req->nlmsg_len, 0) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	got = recv(fd, buf, len, 0);
	err = got < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	n = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(n, (size_t)got))
		return -EBADMSG;
	if (n->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(n);

		return e->error ? e->error : -ENOENT;
	}
	*out = n;
	return 0;
}

struct nexthop {
	int route_err; /* 0: a route */
	int oif;
	__u8 gw_family;
	struct xlb_addr gw; /* the backend itself when on-link */
	int neigh_err; /* 0: an entry */
	__u16 state; /* NUD_* */
	__u8 mac[6];
	bool have_mac;
};

static void nexthop_resolve(const struct xlb_backend *be, struct nexthop *nh)
{
	struct {
		struct nlmsghdr n;
		union {
			struct rtmsg r;
			struct ndmsg nd;
		};
		char attrs[64];
	} req;
	char buf[8192];
	struct nlmsghdr *ans;
	struct rtattr *a;
	int alen, af = be->family == XLB_AF_INET ? AF_INET : AF_INET6;
	size_t blen = be->family == XLB_AF_INET ? 4 : 16;

	memset(nh, 0, sizeof(nh[0]));
	nh->gw = be->addr;
	nh->gw_family = be->family;
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.n.nlmsg_type = RTM_GETROUTE;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.r.rtm_family = af;
	req.r.rtm_dst_len = blen * 8;
	nl_attr(&req.n, sizeof(req), RTA_DST, &be->addr, blen);
	nh->route_err = nl_talk(&req.n, buf, sizeof(buf), &ans);
	if (nh->route_err)
		return;
	if (ans->nlmsg_type != RTM_NEWROUTE) {
		nh->route_err = -EBADMSG;
		return;
	}
	{
		struct rtmsg *r = NLMSG_DATA(ans);

		alen = RTM_PAYLOAD(ans);
		if (r->rtm_type != RTN_UNICAST && r->rtm_type != RTN_LOCAL) {
			nh->route_err = -ENETUNREACH;
			return;
		}
		for (a = RTM_RTA(r); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
			if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= 4)
				memcpy(&nh->oif, RTA_DATA(a), 4);
			else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == blen) {
				memset(&nh->gw, 0, sizeof(nh->gw));
				memcpy(&nh->gw, RTA_DATA(a), blen);
			}
		}
	}
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.n.nlmsg_type = RTM_GETNEIGH;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.nd.ndm_family = af;
	req.nd.ndm_ifindex = nh->oif;
	nl_attr(&req.n, sizeof(req), NDA_DST, &nh->gw, blen);
	nh->neigh_err = nl_talk(&req.n, buf, sizeof(buf), &ans);
	if (nh->neigh_err)
		return;
	if (ans->nlmsg_type != RTM_NEWNEIGH) {
		nh->neigh_err = -EBADMSG;
		return;
	}
	{
		struct ndmsg *nd = NLMSG_DATA(ans);

		nh->state = nd->ndm_state;
		alen = ans->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
		for (a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))); RTA_OK(a, alen);
		     a = RTA_NEXT(a, alen))
			if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
				memcpy(nh->mac, RTA_DATA(a), 6);
				nh->have_mac = true;
			}
	}
}

static const char *nud_name(__u16 s)
{
	if (s & NUD_PERMANENT) return "permanent";
	if (s & NUD_REACHABLE) return "reachable";
	if (s & NUD_STALE) return "stale";
	if (s & NUD_DELAY) return "delay";
	if (s & NUD_PROBE) return "probe";
	if (s & NUD_INCOMPLETE) return "incomplete";
	if (s & NUD_FAILED) return "failed";
	if (s & NUD_NOARP) return "noarp";
	return "none";
}

/* The data path's per-CPU next-hop cache (fwd.h): CPUs with a fresh entry for be. */
static json_t *nhc_json(struct xlb_explain_fds *x, __u32 be_id, const struct xlb_backend *be, __u64 now,
			int *fresh_ifindex)
{
	json_t *arr = json_array();
	size_t st;
	int c;
	__u8 *v = xlb_explain_percpu(x, x->nhc, be_id, sizeof(struct xlb_nexthop), &st);

	*fresh_ifindex = 0;
	if (!v)
		return arr;
	for (c = 0; c < x->ncpus; c++) {
		struct xlb_nexthop n;
		char mac[18], ifn[IF_NAMESIZE] = "?";

		memcpy(&n, v + c * st, sizeof(n));
		if (now >= n.expires_ns || n.family != be->family ||
		    memcmp(&n.addr, &be->addr, sizeof(n.addr)))
			continue;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n.dmac[0], n.dmac[1],
			 n.dmac[2], n.dmac[3], n.dmac[4], n.dmac[5]);
		if_indextoname(n.ifindex, ifn);
		json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:i, s:I}", "cpu", c, "dmac",
						     mac, "interface", ifn, "mtu", (int)n.mtu,
						     "expires_in_ms",
						     (json_int_t)((n.expires_ns - now) / 1000000)));
		if (!*fresh_ifindex)
			*fresh_ifindex = n.ifindex;
	}
	free(v);
	return arr;
}

/* ---- control plane: names and reasons ---- */

static struct xlb_cfg_service *svc_by_id(struct lbd *l, __u32 id)
{
	size_t i;
	__u32 sid;

	for (i = 0; i < l->cfg.n_services; i++)
		if (!xlb_dp_service_id(l->dp, &l->cfg.services[i].key, &sid) && sid == id)
			return &l->cfg.services[i];
	return NULL;
}

static void why(json_t *arr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(json_t *arr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(arr, json_string(buf));
}

static __u64 coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int parse_endpoint(const char *what, const char *s, struct xlb_addr *a, __u8 *family,
			  json_t **resp)
{
	if (xlb_addr_parse(s, a, family)) {
		*resp = xlb_proto_error(XLB_E_INVALID_ARGUMENT, "%s \"%s\": not an IPv4/IPv6 address",
					what, s);
		return -EINVAL;
	}
	return 0;
}

static void counter(json_t *arr, const char *map, const char *key, const char *field)
{
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "map", map, "key", key, "field",
					     field));
}

json_t *lbd_cmd_flow_explain(struct lbd *l, json_t *args)
{
	const char *src = json_string_value(json_object_get(args, "src"));
	const char *vip = json_string_value(json_object_get(args, "vip"));
	const char *proto = json_string_value(json_object_get(args, "protocol"));
	bool syn = json_is_true(json_object_get(args, "syn"));
	struct xlb_flow_key key __attribute__((aligned(8)));
	struct xlb_explain_opts o = { 0 };
	struct xlb_explain_fds x = { .ncpus = xlb_dp_ncpus(l->dp) };
	struct xlb_explain_io io;
	struct xlb_explain e;
	struct xlb_cfg_service *cs = NULL;
	struct xlb_cfg_backend *cb = NULL;
	char a[XLB_ADDR_STRLEN], b[XLB_ADDR_STRLEN];
	json_t *resp = NULL, *r, *w, *ctr, *fl;
	__u8 fam2, p = IPPROTO_TCP;
	const char *reason;
	int rc;

	memset(&key, 0, sizeof(key));
	if (parse_endpoint("source", src, &key.src, &key.family, &resp) ||
	    parse_endpoint("VIP", vip, &key.dst, &fam2, &resp))
		return resp;
	if (fam2 != key.family)
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT,
				       "source %s and VIP %s are of different families", src, vip);
	if (proto && xlb_proto_parse(proto, &p))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "protocol \"%s\": tcp or udp", proto);
	if (p != IPPROTO_TCP && syn)
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "syn: only for tcp");
	key.proto = p;
	key.sport = htons(json_integer_value(json_object_get(args, "sport")));
	key.dport = htons(json_integer_value(json_object_get(args, "port")));
	x.vfilt = xlb_dp_map_fd_ro(l->dp, XLB_MAP_VIPFILTER);
	x.vips = xlb_dp_map_fd_ro(l->dp, XLB_MAP_VIPS);
	x.flows = xlb_dp_map_fd_ro(l->dp, XLB_MAP_FLOWS);
	x.bends = xlb_dp_map_fd_ro(l->dp, XLB_MAP_BACKENDS);
	x.tables = xlb_dp_map_fd_ro(l->dp, XLB_MAP_TABLES);
	x.filt = xlb_dp_map_fd_ro(l->dp, XLB_MAP_FILTER);
	x.acl4 = xlb_dp_map_fd_ro(l->dp, XLB_MAP_ACL4);
	x.acl6 = xlb_dp_map_fd_ro(l->dp, XLB_MAP_ACL6);
	x.rate = xlb_dp_map_fd_ro(l->dp, XLB_MAP_RATE);
	x.conns = xlb_dp_map_fd_ro(l->dp, XLB_MAP_CONNS);
	x.rrcur = xlb_dp_map_fd_ro(l->dp, XLB_MAP_RRCURSOR);
	x.fcache = xlb_dp_map_fd_ro(l->dp, XLB_MAP_FCACHE);
	x.fcgen = xlb_dp_map_fd_ro(l->dp, XLB_MAP_FCGEN);
	x.epoch = xlb_dp_map_fd_ro(l->dp, XLB_MAP_EPOCH);
	x.nhc = xlb_dp_map_fd_ro(l->dp, XLB_MAP_NHCACHE);
	xlb_explain_io_fds(&x, &io);
	o.now_ns = coarse_now();
	o.syn = syn;
	o.prefilter = !(getenv("XLB_DP_PREFILTER") && !strcmp(getenv("XLB_DP_PREFILTER"), "0"));
	o.fcache = xlb_dp_flow_cache(l->dp);
	rc = xlb_explain_flow(&io, &key, &o, &e);
	if (rc)
		return xlb_proto_error(XLB_E_INTERNAL, "reading the data path's maps: %s",
				       strerror(-rc));

	w = json_array();
	ctr = json_array();
	fl = json_pack("{s:s, s:i, s:s, s:i, s:s, s:b, s:s}", "src",
		       xlb_addr_str(&key.src, key.family, a, sizeof(a)), "sport", ntohs(key.sport),
		       "vip", xlb_addr_str(&key.dst, key.family, b, sizeof(b)), "port",
		       ntohs(key.dport), "protocol", xlb_proto_name(p), "syn", syn, "hash", "");
	snprintf(a, sizeof(a), "0x%08x", e.flow_hash);
	json_object_set_new(fl, "hash", json_string(a));
	r = json_pack("{s:o}", "flow", fl);
	json_object_set_new(r, "prefilter", json_boolean(e.prefilter_hit));
	if (e.svc_id || e.have_svc || e.via == XLB_VIA_CACHE || e.via == XLB_VIA_TABLE ||
	    e.acl_reason)
		cs = svc_by_id(l, e.svc_id);
	if (cs || e.have_svc) {
		json_t *s = json_pack("{s:I}", "id", (json_int_t)e.svc_id);

		if (cs) {
			json_object_set_new(s, "name", json_string(cs->name));
			json_object_set_new(s, "scheduler", json_string(xlb_sched_name(cs->sched)));
			json_object_set_new(s, "forwarding", json_string(xlb_fwd_name(cs->fwd)));
			json_object_set_new(s, "table_size", json_integer(cs->table_size));
		}
		json_object_set_new(r, "service", s);
	} else {
		json_object_set_new(r, "service", json_null());
	}
	/* flow cache and connection table */
	json_object_set_new(r, "flow_cache",
			    json_pack("{s:b, s:I, s:i, s:i}", "enabled", o.fcache, "slot",
				      (json_int_t)e.fc_slot, "cpu", e.fc_cpu, "cpus", e.fc_cpus));
	if (e.have_flow) {
		json_t *t = json_pack("{s:I, s:I, s:b, s:s, s:I}", "backend_id",
				      (json_int_t)e.flow.backend_id, "service_id",
				      (json_int_t)e.flow.svc_id, "usable", e.flow_usable, "forwarding",
				      xlb_fwd_name(e.flow.fwd), "idle_ms",
				      (json_int_t)(o.now_ns > e.flow.last_seen_ns
							   ? (o.now_ns - e.flow.last_seen_ns) / 1000000
							   : 0));
		json_object_set_new(t, "closed", json_boolean(e.flow.flags & XLB_FLOW_F_CLOSED));
		json_object_set_new(t, "renewed", json_boolean(e.renew));
		json_object_set_new(r, "connection", t);
	} else {
		json_object_set_new(r, "connection", json_null());
	}
	/* filters */
	{
		json_t *f = json_pack("{s:s}", "acl",
				      e.acl_reason ? stat_names[e.acl_reason] : "pass");

		if (e.rate_checked && e.rate_filter.flags & XLB_FILTER_F_RATE) {
			char pfx[XLB_ADDR_STRLEN], bucket[XLB_ADDR_STRLEN + 8];

			xlb_addr_str(&e.rate_key.src, key.family, pfx, sizeof(pfx));
			snprintf(bucket, sizeof(bucket), "%s/%u", pfx, e.rate_key.plen);
			json_object_set_new(
			    f, "rate_limit",
			    json_pack("{s:s, s:s, s:b, s:I, s:I, s:f, s:b}", "scope",
				      e.rate_scope == XLB_ACL_GLOBAL_ID ? "global" : "service",
				      "bucket", bucket, "exists", e.rate_bucket, "tokens",
				      (json_int_t)e.rate_tokens, "burst",
				      (json_int_t)e.rate_filter.burst, "rate",
				      e.rate_filter.interval_ns ? 1e9 / e.rate_filter.interval_ns : 0,
				      "admit", e.rate_ok));
		} else {
			json_object_set_new(f, "rate_limit",
					    json_string(e.rate_limited ? "not a new flow" : "none"));
		}
		json_object_set_new(r, "filters", f);
	}
	/* the decision */
	json_object_set_new(r, "via", json_string(xlb_explain_via_name(e.via)));
	if (e.scheduled) {
		json_t *sc = json_pack("{s:I, s:I}", "slot", (json_int_t)e.slot, "slot_backend_id",
				       e.slot_be == XLB_BACKEND_NONE ? -1 : (json_int_t)e.slot_be);

		if (e.svc.sched == XLB_SCHED_LC) {
			json_object_set_new(sc, "slot2", json_integer(e.slot2));
			json_object_set_new(sc, "slot2_backend_id",
					    json_integer(e.slot2_be == XLB_BACKEND_NONE
							     ? -1
							     : (json_int_t)e.slot2_be));
			json_object_set_new(sc, "active_flows",
					    json_pack("[I, I]", (json_int_t)e.conns1,
						      (json_int_t)e.conns2));
		}
		json_object_set_new(r, "schedule", sc);
	}
	cb = e.have_be ? xlb_cfg_backend_find(cs, &e.be.addr, e.be.family) : NULL;
	if (e.have_be) {
		json_t *bo = json_pack("{s:I, s:s}", "id", (json_int_t)e.be_id, "address",
				       xlb_addr_str(&e.be.addr, e.be.family, a, sizeof(a)));
		bool up;

		if (cb) {
			json_object_set_new(bo, "weight", json_integer(cb->weight));
			json_object_set_new(bo, "backup", json_boolean(cb->backup));
			json_object_set_new(bo, "draining", json_boolean(cb->drain));
			if (cs && lbd_health_state(l, cs, cb, &up))
				json_object_set_new(bo, "health", json_string(up ? "up" : "down"));
		}
		json_object_set_new(r, "backend", bo);
	} else {
		json_object_set_new(r, "backend", json_null());
	}
	/* why, in words */
	switch (e.via) {
	case XLB_VIA_CACHE:
		why(w, "cache: CPU %d holds a copy of the flow's connection-table entry "
		       "(%d CPU(s) in all); a packet on another CPU reads the table",
		    e.fc_cpu, e.fc_cpus);
		break;
	case XLB_VIA_TABLE:
		why(w, "table: established flow, its connection-table entry names backend id %u",
		    e.be_id);
		break;
	case XLB_VIA_RESCHEDULE:
		why(w, "reschedule: the flow's entry names backend id %u, no longer usable "
		       "(down, removed or drain expired)",
		    e.flow.backend_id);
		/* fall through */
	case XLB_VIA_SCHEDULE:
		why(w, "schedule: new flow, %s slot %u of %u%s", xlb_sched_name(e.svc.sched), e.slot,
		    e.svc.table_size, e.syn_insert ? " (SYN fast path: entry inserted first)" : "");
		break;
	default:
		break;
	}
	if (cb && cb->drain && (e.via == XLB_VIA_CACHE || e.via == XLB_VIA_TABLE))
		why(w, "drain: the backend is draining; its established flows stay until the "
		       "drain timeout");
	if (cb && cs && (e.via == XLB_VIA_SCHEDULE || e.via == XLB_VIA_RESCHEDULE)) {
		struct xlb_dp_be_active *act = calloc(cs->n_backends ? cs->n_backends : 1,
						      sizeof(*act));
		enum xlb_pol_mode mode = XLB_POL_NORMAL;

		if (act && !lbd_active_set(l, cs, act, &mode)) {
			if (mode == XLB_POL_PANIC)
				why(w, "panic: too few backends are healthy; the table spreads over "
				       "every primary backend");
			else if (mode == XLB_POL_BACKUP)
				why(w, "backup: no primary backend is healthy; the backup pool serves");
			else if (mode == XLB_POL_SPILL)
				why(w, "spill: too few healthy in this node's zone; other zones serve");
		}
		free(act);
	}
	if (e.renew)
		why(w, "a new SYN on a re-used 5-tuple is a new connection: scheduled afresh");
	else if (e.have_flow && !e.flow_usable && e.via == XLB_VIA_SCHEDULE)
		why(w, "the connection table has an entry of another service for this 5-tuple");
	if (e.acl_reason)
		why(w, "acl: %s", stat_names[e.acl_reason]);
	if (e.action == XDP_DROP && e.reason == XLB_STAT_DROP_RATE_LIMIT)
		why(w, "rate limit: the source's bucket has no token for a new flow");
	if (e.action == XDP_DROP && e.reason == XLB_STAT_DROP_NO_BACKEND)
		why(w, "no backend: the table slot names no usable backend");
	if (e.action == XDP_PASS)
		why(w, "not a VIP service (%s): the kernel gets the packet",
		    e.prefilter_hit ? "no such service" : "prefilter bit clear");

	/* forwarding and next hop */
	reason = e.action == XDP_TX ? NULL : stat_names[e.reason];
	if (e.action == XDP_TX) {
		struct nexthop nh;
		char ifn[IF_NAMESIZE] = "?", mac[18] = "";
		int fresh_if;
		json_t *n = json_object();

		json_object_set_new(r, "forwarding", json_string(xlb_fwd_name(e.fwd)));
		json_object_set_new(n, "cached", nhc_json(&x, e.be_id, &e.be, o.now_ns, &fresh_if));
		nexthop_resolve(&e.be, &nh);
		if (nh.route_err) {
			json_object_set_new(n, "route", json_string(strerror(-nh.route_err)));
		} else {
			if_indextoname(nh.oif, ifn);
			json_object_set_new(n, "interface", json_string(ifn));
			json_object_set_new(n, "gateway",
					    json_string(xlb_addr_str(&nh.gw, nh.gw_family, a,
								     sizeof(a))));
			if (nh.neigh_err) {
				json_object_set_new(n, "neighbour", json_string("none"));
			} else {
				if (nh.have_mac)
					snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
						 nh.mac[0], nh.mac[1], nh.mac[2], nh.mac[3],
						 nh.mac[4], nh.mac[5]);
				json_object_set_new(n, "neighbour", json_string(nud_name(nh.state)));
				json_object_set_new(n, "mac", json_string(mac));
			}
		}
		json_object_set_new(r, "nexthop", n);
		if (fresh_if) {
			reason = fresh_if == xlb_dp_ifindex(l->dp) ? "fwd_tx" : "fwd_redirect";
		} else if (nh.route_err) {
			reason = "drop_fib";
		} else if (nh.neigh_err || !nh.have_mac ||
			   (nh.state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NONE))) {
			reason = "drop_no_neigh";
			why(w, "next hop: no neighbour entry for %s: dropped until the kernel "
			       "resolves it (lbd refreshes backends' entries every %d s)",
			    xlb_addr_str(&nh.gw, nh.gw_family, a, sizeof(a)), XLB_NEIGH_REFRESH_S);
		} else {
			reason = nh.oif == xlb_dp_ifindex(l->dp) ? "fwd_tx" : "fwd_redirect";
		}
		json_object_set_new(r, "action",
				    json_string(!strncmp(reason, "drop", 4) ? "drop"
						: !strcmp(reason, "fwd_tx") ? "tx"
									     : "redirect"));
	} else {
		json_object_set_new(r, "action",
				    json_string(e.action == XDP_PASS ? "pass" : "drop"));
		json_object_set_new(r, "forwarding", json_null());
		json_object_set_new(r, "nexthop", json_null());
	}
	json_object_set_new(r, "reason", json_string(reason));
	json_object_set_new(r, "why", w);

	/* counters */
	counter(ctr, XLB_MAP_STATS, reason, "packets");
	if (e.fc_event)
		counter(ctr, XLB_MAP_CLOCK, "flow cache", e.fc_event);
	if (e.fc_event2)
		counter(ctr, XLB_MAP_CLOCK, "flow cache", e.fc_event2);
	if (e.action == XDP_TX || (e.action == XDP_DROP && e.reason == XLB_STAT_DROP_NO_BACKEND)) {
		const char *sn = cs ? cs->name : "?";

		counter(ctr, XLB_MAP_SVC_STATS, sn, "packets, bytes");
		if (e.new_flow)
			counter(ctr, XLB_MAP_SVC_STATS, sn, "new_flows");
	}
	if (e.action == XDP_TX) {
		xlb_addr_str(&e.be.addr, e.be.family, a, sizeof(a));
		counter(ctr, XLB_MAP_BE_STATS, a, "packets, bytes");
		if (e.new_flow)
			counter(ctr, XLB_MAP_BE_STATS, a, "new_flows");
	}
	json_object_set_new(r, "counters", ctr);
	if (e.new_flow && e.action == XDP_TX)
		json_object_set_new(r, "creates", json_string("connection-table entry"));
	return r;
}
