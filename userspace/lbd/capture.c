// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture.c - packet capture sessions (lbctl capture; bpf/capture.h).
 *
 * lbctl never writes maps (DESIGN.md): lbd owns the capture. One session at
 * a time:
 *   capture.start  (operator; scoped to its service) validates the filters,
 *                  zeroes the per-CPU counters, writes XLB_CAPCFG_MAP with
 *                  `on` last, and returns a session number;
 *   capture.read   (the same user) moves the ring buffer's records into a
 *                  bounded queue and returns up to `max` of them (frame bytes
 *                  in base64, timestamps in CLOCK_REALTIME ns) with the
 *                  counters; lbctl writes the pcap file;
 *   capture.stop   (the same user) turns the capture off.
 * A session nobody reads for LBD_CAPTURE_IDLE_MS (lbctl killed) is stopped
 * by the 1 s tick, so capture never stays on by accident; a new program
 * (restart) starts with capture off (its capture maps are not pinned).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "etcd.h" /* xlb_b64_encode */
#include "inspect.h"
#include "log.h"

#define LBD_CAPTURE_IDLE_MS 5000
#define LBD_CAPTURE_QUEUE 8192 /* records held between two reads */
#define LBD_CAPTURE_READ_MAX 1024
#define LBD_CAPTURE_RATE_DEFAULT 1000 /* records per second per CPU */
#define LBD_CAPTURE_BURST_DEFAULT 100

static const char *const stat_names[XLB_STAT_MAX] = {
#define XLB_STAT_NAME(e, name, help) [XLB_STAT_##e] = name,
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

struct cap_rec {
	struct xlb_capture_hdr h;
	__u8 data[];
};

static struct {
	bool active;
	__u32 session, next_session;
	__u32 uid;
	long long last_read_ms;
	char service[XLB_NAME_MAX];
	struct ring_buffer *rb;
	int rb_fd; /* the ring the buffer was made for (a reload of the program changes it) */
	struct cap_rec **q;
	size_t qn, qhead;
	__u64 queue_dropped;
} cap = { .rb_fd = -1 };

static int on_record(void *ctx, void *data, size_t size)
{
	const struct xlb_capture_hdr *h = data;
	struct cap_rec *r;

	if (size < sizeof(*h) || h->caplen > size - sizeof(*h) || !cap.active ||
	    h->session != cap.session)
		return 0; /* another session's leftovers */
	if (cap.qn - cap.qhead >= LBD_CAPTURE_QUEUE) {
		cap.queue_dropped++;
		return 0;
	}
	if (cap.qhead && cap.qn == LBD_CAPTURE_QUEUE) { /* compact */
		memmove(cap.q, cap.q + cap.qhead, (cap.qn - cap.qhead) * sizeof(*cap.q));
		cap.qn -= cap.qhead;
		cap.qhead = 0;
	}
	r = malloc(sizeof(*r) + h->caplen);
	if (!r) {
		cap.queue_dropped++;
		return 0;
	}
	memcpy(r, data, sizeof(*h) + h->caplen);
	cap.q[cap.qn++] = r;
	return 0;
}

static void queue_clear(void)
{
	size_t i;

	for (i = cap.qhead; i < cap.qn; i++)
		free(cap.q[i]);
	cap.qn = cap.qhead = 0;
}

static int cfg_fd(struct lbd *l)
{
	return xlb_dp_map_fd_ro(l->dp, XLB_MAP_CAPCFG);
}

/*
 * The data path's switch, the global xlb_capture_on: the program's .bss map
 * holds nothing else (bpf/capture.h), so its whole value is that __u32.
 */
static int switch_set(struct lbd *l, __u32 on)
{
	int fd = xlb_dp_map_fd_ro(l->dp, ".bss");
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return -ENOENT;
	if (info.value_size != sizeof(on)) {
		pr_warn("capture: the program's .bss holds %u bytes, not just xlb_capture_on",
			info.value_size);
		return -EINVAL;
	}
	return bpf_map_update_elem(fd, &zero, &on, BPF_ANY) ? -errno : 0;
}

/* Sum of the per-CPU counters of this session. */
static json_t *counters_json(struct lbd *l)
{
	int n = xlb_dp_ncpus(l->dp), fd = xlb_dp_map_fd_ro(l->dp, XLB_MAP_CAPCPU), c;
	struct xlb_capture_cpu *v = calloc(n, sizeof(*v)), s = { 0 };
	__u32 zero = 0;

	if (v && fd >= 0 && !bpf_map_lookup_elem(fd, &zero, v))
		for (c = 0; c < n; c++) {
			s.matched += v[c].matched;
			s.captured += v[c].captured;
			s.bounded += v[c].bounded;
			s.lost += v[c].lost;
		}
	free(v);
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "matched", (json_int_t)s.matched, "captured",
			 (json_int_t)s.captured, "bounded", (json_int_t)s.bounded, "lost",
			 (json_int_t)s.lost, "queue_dropped", (json_int_t)cap.queue_dropped);
}

static void capture_off(struct lbd *l, const char *why)
{
	struct xlb_capture_cfg c = { 0 };
	__u32 zero = 0;
	int fd = cfg_fd(l);

	if (switch_set(l, 0))
		pr_warn("capture: turning it off: %s", strerror(errno));
	if (fd >= 0)
		bpf_map_update_elem(fd, &zero, &c, BPF_ANY); /* lbd's copy of the switch */
	if (!cap.active)
		return;
	cap.active = false;
	queue_clear();
	lbd_event(l, "capture", *cap.service ? cap.service : NULL, NULL,
		  "session %u stopped: %s", cap.session, why);
	pr_info("capture: session %u stopped: %s", cap.session, why);
}

void lbd_capture_tick(struct lbd *l)
{
	if (cap.active && lbd_now_ms() - cap.last_read_ms > LBD_CAPTURE_IDLE_MS)
		capture_off(l, "no reader for 5 s");
}

void lbd_capture_free(struct lbd *l)
{
	if (cap.active)
		capture_off(l, "lbd exits");
	ring_buffer__free(cap.rb);
	cap.rb = NULL;
	free(cap.q);
	cap.q = NULL;
}

static __u32 peer_uid(struct lbd *l)
{
	return l->peer ? l->peer->uid : 0;
}

static json_t *session_error(struct lbd *l, json_t *args)
{
	json_int_t s = json_integer_value(json_object_get(args, "session"));
	const char *svc = json_string_value(json_object_get(args, "service"));

	if (!cap.active || s != cap.session)
		return xlb_proto_error(XLB_E_NOT_FOUND, "no capture session %lld (it ended, or "
				       "went unread for 5 s)", (long long)s);
	if (peer_uid(l) != cap.uid)
		return xlb_proto_error(XLB_E_PERMISSION_DENIED,
				       "capture session %u belongs to uid %u", cap.session, cap.uid);
	/* The authorization was for the service named here: it must be the session's. */
	if (strcmp(svc ? svc : "", cap.service))
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT,
				       "capture session %u is of service \"%s\", not \"%s\"",
				       cap.session, cap.service, svc ? svc : "");
	return NULL;
}

json_t *lbd_cmd_capture_start(struct lbd *l, json_t *args)
{
	const char *svc = json_string_value(json_object_get(args, "service"));
	const char *be = json_string_value(json_object_get(args, "backend"));
	const char *reason = json_string_value(json_object_get(args, "reason"));
	json_t *snap = json_object_get(args, "snaplen"), *rate = json_object_get(args, "rate");
	json_t *burst = json_object_get(args, "burst");
	struct xlb_capture_cfg c = { 0 };
	struct xlb_cfg_service *cs = NULL;
	int n = xlb_dp_ncpus(l->dp), fd = cfg_fd(l), rfd, i;
	struct xlb_capture_cpu *z;
	__u32 zero = 0, pps;
	json_t *r;

	if (cap.active)
		return xlb_proto_error(XLB_E_CONFLICT,
				       "a capture is running (session %u, uid %u); it ends when its "
				       "lbctl stops, or 5 s after its last read",
				       cap.session, cap.uid);
	if (fd < 0)
		return xlb_proto_error(XLB_E_INTERNAL, "the running program has no capture support");
	if (svc) {
		cs = lbd_find_service(l, svc);
		if (!cs)
			return xlb_proto_error(XLB_E_NOT_FOUND, "no service \"%s\"", svc);
		c.flags |= XLB_CAP_F_SERVICE;
		c.svc = cs->key;
	}
	if (be) {
		struct xlb_addr a;
		__u8 fam;

		if (!cs)
			return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "backend needs a service");
		if (xlb_addr_parse(be, &a, &fam))
			return xlb_proto_error(XLB_E_INVALID_ARGUMENT,
					       "backend \"%s\": not an IPv4/IPv6 address", be);
		if (xlb_dp_backend_id(l->dp, &cs->key, &a, fam, &c.be_id))
			return xlb_proto_error(XLB_E_NOT_FOUND, "service \"%s\" has no backend %s",
					       svc, be);
		c.flags |= XLB_CAP_F_BACKEND;
	}
	if (reason) {
		for (i = 0; i < XLB_STAT_MAX && strcmp(stat_names[i], reason); i++)
			;
		if (i == XLB_STAT_MAX)
			return xlb_proto_error(XLB_E_INVALID_ARGUMENT,
					       "reason \"%s\": not a counter of lbctl stats", reason);
		c.flags |= XLB_CAP_F_REASON;
		c.reason = i;
	}
	if (json_is_true(json_object_get(args, "tx")))
		c.flags |= XLB_CAP_F_TX;
	c.snaplen = snap ? json_integer_value(snap) : XLB_CAP_SNAP_MAX;
	if (c.snaplen < 1)
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "snaplen: 1..%d", XLB_CAP_SNAP_MAX);
	pps = rate ? json_integer_value(rate) : LBD_CAPTURE_RATE_DEFAULT;
	if (pps < 1)
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "rate: at least 1 per second");
	c.interval_ns = 1000000000ull / pps;
	c.burst = burst ? json_integer_value(burst) : LBD_CAPTURE_BURST_DEFAULT;
	if (c.burst < 1)
		c.burst = 1;
	/* The ring of the running program (lbd keeps one program; cheap to check). */
	rfd = xlb_dp_map_fd_ro(l->dp, XLB_MAP_CAPRING);
	if (!cap.rb || cap.rb_fd != rfd) {
		ring_buffer__free(cap.rb);
		cap.rb = ring_buffer__new(rfd, on_record, NULL, NULL);
		cap.rb_fd = rfd;
		if (!cap.rb)
			return xlb_proto_error(XLB_E_INTERNAL, "capture ring buffer: %s",
					       strerror(errno));
	}
	if (!cap.q) {
		cap.q = calloc(LBD_CAPTURE_QUEUE, sizeof(*cap.q));
		if (!cap.q)
			return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	}
	ring_buffer__consume(cap.rb); /* leftovers of an earlier session: on_record drops them */
	z = calloc(n, sizeof(*z));
	if (!z || bpf_map_update_elem(xlb_dp_map_fd_ro(l->dp, XLB_MAP_CAPCPU), &zero, z, BPF_ANY)) {
		free(z);
		return xlb_proto_error(XLB_E_INTERNAL, "capture counters: %s", strerror(errno));
	}
	free(z);
	cap.session = ++cap.next_session;
	c.session = cap.session;
	/* The tail call's target (the program of this load: its fd is ours). */
	{
		int pfd = xlb_dp_prog_fd_ro(l->dp, XLB_PROG_CAPTURED);

		if (pfd < 0 || bpf_map_update_elem(xlb_dp_map_fd_ro(l->dp, XLB_MAP_CAPPROG), &zero,
						   &pfd, BPF_ANY))
			return xlb_proto_error(XLB_E_INTERNAL, "capture program: %s",
					       pfd < 0 ? "not in the object" : strerror(errno));
	}
	/* Settings first, the switch last: the data path never runs a half-written filter. */
	c.on = 1;
	if (bpf_map_update_elem(fd, &zero, &c, BPF_ANY))
		return xlb_proto_error(XLB_E_INTERNAL, "capture settings: %s", strerror(errno));
	cap.active = true;
	cap.uid = peer_uid(l);
	cap.last_read_ms = lbd_now_ms();
	cap.queue_dropped = 0;
	snprintf(cap.service, sizeof(cap.service), "%s", svc ? svc : "");
	rfd = switch_set(l, 1);
	if (rfd) {
		capture_off(l, "the data path refused it");
		return xlb_proto_error(XLB_E_INTERNAL, "capture on: %s", strerror(-rfd));
	}
	r = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:b}", "session", (json_int_t)cap.session,
		      "interface", l->iface, "ifindex", (json_int_t)xlb_dp_ifindex(l->dp), "snaplen",
		      (json_int_t)c.snaplen, "rate", (json_int_t)pps, "burst", (json_int_t)c.burst,
		      "tx", (c.flags & XLB_CAP_F_TX) != 0);
	lbd_event(l, "capture", svc, be, "session %u started by uid %u: snaplen %u, %u/s per CPU%s%s",
		  cap.session, cap.uid, c.snaplen, pps, reason ? ", reason " : "",
		  reason ? reason : "");
	return r;
}

json_t *lbd_cmd_capture_read(struct lbd *l, json_t *args)
{
	json_int_t max = json_integer_value(json_object_get(args, "max"));
	struct timespec rt, mono;
	json_t *err = session_error(l, args), *recs, *r;
	long long off;
	size_t n = 0;

	if (err)
		return err;
	if (max <= 0 || max > LBD_CAPTURE_READ_MAX)
		max = LBD_CAPTURE_READ_MAX;
	cap.last_read_ms = lbd_now_ms();
	ring_buffer__consume(cap.rb);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	off = (rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
	recs = json_array();
	while (cap.qhead < cap.qn && (json_int_t)n < max) {
		struct cap_rec *c = cap.q[cap.qhead++];
		char *b64 = xlb_b64_encode(c->data, c->h.caplen);

		json_array_append_new(
		    recs, json_pack("{s:I, s:I, s:s, s:i, s:I, s:s}", "ts_ns",
				    (json_int_t)(c->h.ts_ns + off), "len", (json_int_t)c->h.len, "dir",
				    c->h.dir == XLB_CAP_DIR_TX ? "tx" : "rx", "action", c->h.action,
				    "ifindex", (json_int_t)c->h.ifindex, "data", b64 ? b64 : ""));
		free(b64);
		free(c);
		n++;
	}
	if (cap.qhead == cap.qn)
		cap.qn = cap.qhead = 0;
	r = json_pack("{s:o, s:b, s:o}", "records", recs, "more", cap.qhead < cap.qn, "counters",
		      counters_json(l));
	return r;
}

json_t *lbd_cmd_capture_stop(struct lbd *l, json_t *args)
{
	json_t *err = session_error(l, args), *c;

	if (err)
		return err;
	c = counters_json(l);
	capture_off(l, "stopped by its reader");
	return json_pack("{s:I, s:o}", "session", (json_int_t)cap.session, "counters", c);
}
