// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_atomic.c - per-service lookup table updates are atomic: while a
 * writer thread replaces a service's table over and over, every new flow
 * scheduled by bpf/xlb.bpf.c (BPF_PROG_TEST_RUN in the main thread) is sent
 * to the backend that the whole old table or the whole new table names for
 * that flow's slot, and no packet is dropped.
 *
 * Two table versions with disjoint backends, so that the backend a packet
 * got says which version (and which slot) it read:
 *
 *   A: slot s -> backend 1 + s % 2      B: slot s -> backend 3 + s % 2
 *
 * The slot is computed in user space (xlb_flow_hash(key) % size) and each
 * backend has its own neighbour MAC, which the data path writes as the
 * frame's destination, so every packet is checked on its own.
 *
 * Why the whole-table swap (XLB_TABLES_MAP[svc] = a new inner map) and not
 * an in-place rewrite: rewriting ONE inner map slot by slot from A to B
 * (bpf_map_update_elem per slot, or a memcpy into its mmap) leaves the map
 * half A, half B for the whole rewrite. Packets arriving then are scheduled
 * on a table that is neither version: flows of slots not yet rewritten go
 * to A's backends after user space has decided on B (and if B dropped a
 * backend, dp_svc.c's later step that deactivates it turns those packets into
 * drop_no_backend), the load split follows no weight set, and lc, which
 * reads two slots per packet, can even compare a backend of A against one
 * of B within one packet. A size change cannot be done in place at all (an
 * array's size is fixed). The swap publishes one pointer: a packet looks up
 * the inner map once (bpf_map_lookup_elem on the outer map, under RCU) and
 * reads all its slots from that one map, and the update syscall waits for a
 * grace period before it returns, so the old map is not reused or freed
 * while a packet still reads it.
 *
 * Cases:
 *   prebuilt  two inner maps, A and B, created once; the writer flips
 *             XLB_TABLES_MAP[svc] between them as fast as it can.
 *   mmap      every swap creates a new inner map, fills it through mmap
 *             (as userspace/lib/dp_svc.c install_table does), swaps, closes it.
 *   resize    as mmap, with A of 251 slots and B of 65537: the service
 *             entry's table_size changes too, in dp_svc.c's order (growing:
 *             table first, then the size; shrinking: the size first, then
 *             the table). In between, the data path reads table B with the
 *             smaller size (valid, every index < 251 exists), so a packet
 *             may also get B's backend of slot hash % 251. A wrong order
 *             (A's 251 slots indexed with 65537) would drop nearly every
 *             packet as drop_no_backend.
 *
 * Each swap waits for an RCU grace period (10-20 ms here), so one writer
 * manages some 60 swaps a second. To reach MIN_SWAPS quickly, NSVC services
 * are swapped at once, each by its own writer thread (their grace periods
 * overlap), and packets go to the services in turn; every property above is
 * per service. A service's backends are ids 4 * (svc - 1) + role, role
 * 1..4 on addresses (and neighbour MACs) of their own, shared by services:
 * the destination MAC of a packet says the role, its service says the rest.
 *
 * Needs root; skipped otherwise. Private network namespace as test_xdp.c.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* After setjmp.h, stdarg.h and stddef.h, which cmocka.h needs. */
#include <cmocka.h>

#include "bpf_lab.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"

#define NSVC	  8 /* services (ids 1..NSVC, VIP ports 80..), one writer each */
#define VIP	  "10.9.0.100"
#define VIP_PORT  80
#define NBE	  4 /* backend roles 1..4 of each service */
#define SMALL	  251
#define BIG	  XLB_DEFAULT_TABLE_SIZE /* 65537 */
#define MIN_PKTS  100000
#define MIN_SWAPS 1000
#define CASE_SECS 9 /* give up a case after this long (three cases: < 30 s) */

static const char *const be_addr[NBE + 1] = {NULL, "10.9.0.21", "10.9.0.22", "10.9.0.23",
					      "10.9.0.24"};
static const char *const be_mac[NBE + 1] = {NULL, "02:00:00:00:00:21", "02:00:00:00:00:22",
					     "02:00:00:00:00:23", "02:00:00:00:00:24"};

static struct {
	int state; /* 0 not root (skip), 1 ready, -1 set-up failed */
	struct xlb *skel;
	int prog_fd, ifx0, ncpus;
	int fd_vips, fd_tables;
	__u32 *slots_a_big, *slots_b_big; /* backend roles per slot */
	__u8 mac[NBE + 1][6];
} lab;

/* slot s -> backend base + s % 2 */
static __u32 *make_slots(__u32 size, __u32 base)
{
	__u32 *v = malloc(size * sizeof(*v)), s;

	if (v)
		for (s = 0; s < size; s++)
			v[s] = base + s % 2;
	return v;
}

static int lab_net_up(void)
{
	static const char *const cmds[] = {
	    "ip link add xa0 address 02:00:00:00:00:01 type veth peer name xa1",
	    "ip link set xa0 up && ip link set xa1 up",
	    "ip addr add 10.9.0.1/24 dev xa0",
	    "sysctl -q -w net.ipv4.ip_forward=1",
	};
	int i;

	if (bpf_lab_netns(cmds, sizeof(cmds) / sizeof(cmds[0])))
		return -1;
	for (i = 1; i <= NBE; i++)
		if (bpf_lab_sh("ip neigh replace %s lladdr %s dev xa0 nud permanent", be_addr[i],
			       be_mac[i]))
			return -1;
	return 0;
}

static int group_setup(void **state)
{
	int i;

	if (geteuid() != 0)
		return 0; /* lab.state 0: every test skips */
	lab.state = -1;
	if (lab_net_up())
		return 0;
	lab.ifx0 = if_nametoindex("xa0");
	lab.ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(bpf_lab_libbpf_quiet);
	lab.skel = xlb__open_and_load();
	if (!lab.skel || !lab.ifx0 || lab.ncpus <= 0) {
		fprintf(stderr, "lab: cannot load xlb.bpf.o\n");
		return 0;
	}
	lab.prog_fd = bpf_program__fd(lab.skel->progs.xlb_xdp_ingress);
	lab.fd_vips = bpf_map__fd(lab.skel->maps.XLB_VIPS_MAP);
	lab.fd_tables = bpf_map__fd(lab.skel->maps.XLB_TABLES_MAP);
	lab.slots_a_big = make_slots(BIG, 1);
	lab.slots_b_big = make_slots(BIG, 3);
	if (!lab.slots_a_big || !lab.slots_b_big)
		return 0;
	for (i = 0; i < NSVC * NBE; i++) {
		struct xlb_backend be = {.svc_id = 1 + i / NBE, .weight = 1,
					 .flags = XLB_BE_F_ACTIVE, .family = XLB_AF_INET};
		__u32 id = i + 1, role = 1 + i % NBE;

		if (inet_pton(AF_INET, be_addr[role], &be.addr) != 1 ||
		    pkt_parse_mac(be_mac[role], lab.mac[role]) ||
		    bpf_map_update_elem(bpf_map__fd(lab.skel->maps.XLB_BACKENDS_MAP), &id, &be, BPF_ANY))
			return 0;
	}
	lab.state = 1;
	return 0;
}

static int group_teardown(void **state)
{
	xlb__destroy(lab.skel); /* the namespace goes with the process */
	free(lab.slots_a_big);
	free(lab.slots_b_big);
	memset(&lab, 0, sizeof(lab));
	return 0;
}

static void lab_require(void)
{
	if (lab.state == 0)
		skip();
	assert_int_equal(lab.state, 1);
}

/* ---- the writer -------------------------------------------------------- */

enum swap_mode {
	SWAP_PREBUILT, /* flip between two inner maps created once */
	SWAP_MMAP,     /* a new inner map per swap, filled through mmap */
	SWAP_RESIZE,   /* as SWAP_MMAP, A 251 slots, B 65537, table_size follows */
};

struct writer {
	enum swap_mode mode;
	__u32 svc_id;
	pthread_t th;
	int fd_a, fd_b;	     /* SWAP_PREBUILT */
	int stop;	     /* set by the main thread (atomic) */
	unsigned long swaps; /* completed swaps (atomic) */
	__u32 *buf;	     /* BIG slots of scratch */
	int err;	     /* first error, -errno */
	const char *what;    /* what failed */
};

/* Write service svc_id's entry (VIP:VIP_PORT + svc_id - 1) with this table size. */
static int set_size(__u32 svc_id, __u32 size)
{
	struct xlb_vip_key vk = {.port = htons(VIP_PORT + svc_id - 1), .proto = IPPROTO_TCP,
				 .family = XLB_AF_INET};
	struct xlb_svc svc = {.id = svc_id, .table_size = size, .sched = XLB_SCHED_MAGLEV,
			      .fwd = XLB_FWD_DSR_L2};

	inet_pton(AF_INET, VIP, &vk.addr);
	return bpf_map_update_elem(lab.fd_vips, &vk, &svc, BPF_ANY) ? -errno : 0;
}

/* Point XLB_TABLES_MAP[svc_id] at fd (the outer map keeps its own reference). */
static int swap_to(__u32 svc_id, int fd)
{
	return bpf_map_update_elem(lab.fd_tables, &svc_id, &fd, BPF_ANY) ? -errno : 0;
}

/*
 * Slots of service svc_id's table: A (to_b 0) or B, `size` slots; returned
 * in buf, which holds BIG values. Backend ids: 4 * (svc_id - 1) + role.
 */
static const __u32 *version(__u32 svc_id, int to_b, __u32 size, __u32 *buf)
{
	const __u32 *roles = to_b ? lab.slots_b_big : lab.slots_a_big;
	__u32 s;

	for (s = 0; s < size; s++)
		buf[s] = NBE * (svc_id - 1) + roles[s];
	return buf;
}

/* Version to_b of the table in a fresh inner map, filled as dp_svc.c fills it. */
static int fresh_table(struct writer *w, int to_b)
{
	__u32 size = !to_b && w->mode == SWAP_RESIZE ? SMALL : BIG;

	return bpf_lab_table_create(version(w->svc_id, to_b, size, w->buf), size);
}

/* One swap to version B (to_b) or back to A, in dp_svc.c's order for sizes. */
static int swap_once(struct writer *w, int to_b)
{
	int fd, err;

	if (w->mode == SWAP_PREBUILT)
		return swap_to(w->svc_id, to_b ? w->fd_b : w->fd_a);
	fd = fresh_table(w, to_b);
	if (fd < 0) {
		w->what = "creating and filling a table";
		return fd;
	}
	if (w->mode == SWAP_RESIZE && !to_b) {
		/* Shrinking to A: the smaller size first (valid for B too)... */
		err = set_size(w->svc_id, SMALL);
		if (!err)
			err = swap_to(w->svc_id, fd); /* ...then the table. */
	} else {
		err = swap_to(w->svc_id, fd); /* Growing (or same size): the table first... */
		if (!err && w->mode == SWAP_RESIZE)
			err = set_size(w->svc_id, BIG); /* ...then the larger size. */
	}
	if (err)
		w->what = "swapping the table or writing the service";
	close(fd);
	return err;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	int to_b = 1, err;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		err = swap_once(w, to_b);
		if (err) {
			w->err = err;
			break;
		}
		to_b = !to_b;
		__atomic_add_fetch(&w->swaps, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* ---- the packets ------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stats_sum(__u64 *out)
{
	__u64 v[lab.ncpus];
	__u32 i;
	int c;

	for (i = 0; i < XLB_STAT_MAX; i++) {
		assert_int_equal(
		    bpf_map_lookup_elem(bpf_map__fd(lab.skel->maps.XLB_STATS_MAP), &i, v), 0);
		out[i] = 0;
		for (c = 0; c < lab.ncpus; c++)
			out[i] += v[c];
	}
}

static const char *const stat_names[] = {
#define XLB_STAT_NAME(e, name, help) name,
    XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

static __u32 out_backend(const __u8 *out)
{
	__u32 id;

	for (id = 1; id <= NBE; id++)
		if (!memcmp(out, lab.mac[id], 6))
			return id;
	return 0;
}

/*
 * Run new flows (a distinct source address and port each, tagged with the
 * case so cases never share a tuple: no connection table clean-up is
 * needed, the LRU evicts old entries), service by service in turn, while
 * the writers swap, until both MIN_PKTS packets and MIN_SWAPS swaps (all
 * writers) are done; check every packet.
 */
static void run_case(enum swap_mode mode, const char *name)
{
	const __u32 size_a = mode == SWAP_RESIZE ? SMALL : BIG, size_b = BIG;
	struct pkt_spec s = {.family = 4, .proto = IPPROTO_TCP, .dst = VIP,
			     .smac = {0x02, 0, 0, 0, 0x09, 0x01},
			     .dmac = {0x02, 0, 0, 0, 0, 0x01}};
	static struct writer w[NSVC];
	unsigned long n = 0, seen_a = 0, seen_b = 0, seen_b_small = 0, swaps = 0;
	__u64 before[XLB_STAT_MAX], after[XLB_STAT_MAX];
	__u8 out[PKT_MAX];
	char src[INET_ADDRSTRLEN];
	struct xlb_flow_key k;
	struct pkt p;
	double t0;
	__u32 i, j, len, h = 0, role = 0, want_a = 0, want_b = 0, want_bs;
	int action = -1, bad = 0, started = 0, err = 0;
	const char *what = NULL;

	lab_require();
	memset(w, 0, sizeof(w));
	for (j = 0; j < NSVC; j++) {
		w[j] = (struct writer){.mode = mode, .svc_id = j + 1, .fd_a = -1, .fd_b = -1};
		w[j].buf = malloc(BIG * sizeof(*w[j].buf));
		assert_non_null(w[j].buf);
		/* Start on A, as a running service would be. */
		w[j].fd_a = fresh_table(&w[j], 0);
		assert_true(w[j].fd_a >= 0);
		assert_int_equal(swap_to(j + 1, w[j].fd_a), 0);
		assert_int_equal(set_size(j + 1, size_a), 0);
		if (mode == SWAP_PREBUILT) {
			w[j].fd_b = fresh_table(&w[j], 1);
			assert_true(w[j].fd_b >= 0);
		}
	}
	stats_sum(before);

	t0 = now_s();
	for (j = 0; j < NSVC; j++, started++)
		if (pthread_create(&w[j].th, NULL, writer_main, &w[j]))
			break;
	for (i = 0; started == NSVC; i++) {
		for (swaps = 0, j = 0; j < NSVC; j++) {
			swaps += __atomic_load_n(&w[j].swaps, __ATOMIC_ACQUIRE);
			err = err ? err : w[j].err;
		}
		if ((i >= MIN_PKTS && swaps >= MIN_SWAPS) || err || now_s() - t0 > CASE_SECS)
			break;
		j = i % NSVC; /* service j + 1 */
		snprintf(src, sizeof(src), "10.%u.%u.%u", 20 + (unsigned)mode, (i >> 8) & 0xff,
			 i & 0xff);
		s.src = src;
		s.sport = (__u16)(1024 + (i >> 16));
		s.dport = (__u16)(VIP_PORT + j);
		if (pkt_build(&s, &p)) {
			bad = 1;
			break;
		}
		pkt_flow_key(&s, &k);
		h = xlb_flow_hash(&k);
		role = 0;
		if (bpf_lab_run_xdp(lab.prog_fd, p.buf, p.len, lab.ifx0, out, &len, &action) ||
		    action != XDP_TX) {
			bad = 1;
			break;
		}
		role = out_backend(out);
		want_a = 1 + h % size_a % 2;
		want_b = 3 + h % size_b % 2;
		/* resize only: table B indexed with A's (smaller) size, see above */
		want_bs = mode == SWAP_RESIZE ? 3 + h % size_a % 2 : want_b;
		if (role == want_a) {
			seen_a++;
		} else if (role == want_b) {
			seen_b++;
		} else if (role == want_bs) {
			seen_b_small++;
		} else {
			bad = 1;
			break;
		}
		n++;
	}
	for (j = 0; j < NSVC; j++)
		__atomic_store_n(&w[j].stop, 1, __ATOMIC_RELEASE);
	for (swaps = 0, j = 0; j < (__u32)started; j++) {
		assert_int_equal(pthread_join(w[j].th, NULL), 0);
		swaps += w[j].swaps;
		if (w[j].err && !what) {
			err = w[j].err;
			what = w[j].what;
		}
	}
	printf("# %s: %lu packets, %lu swaps (%d services) in %.2f s; by table A %lu, "
	       "B %lu, B at the smaller size %lu\n",
	       name, n, swaps, NSVC, now_s() - t0, seen_a, seen_b, seen_b_small);
	for (j = 0; j < NSVC; j++) {
		if (w[j].fd_a >= 0)
			close(w[j].fd_a);
		if (w[j].fd_b >= 0)
			close(w[j].fd_b);
		free(w[j].buf);
	}
	assert_int_equal(started, NSVC);
	if (err)
		fail_msg("%s: writer: %s: %s", name, what, strerror(-err));
	if (bad)
		fail_msg("%s: packet %u (service %u, hash %#x, slot A %u, slot B %u): action %d, "
			 "backend role %u (want %u from A or %u from B)",
			 name, i, i % NSVC + 1, h, h % size_a, h % size_b, action, role, want_a,
			 want_b);
	if (n < MIN_PKTS || swaps < MIN_SWAPS)
		fail_msg("%s: only %lu packets and %lu swaps in %d s", name, n, swaps, CASE_SECS);
	/* Both versions really served packets while being swapped. */
	assert_true(seen_a > 0);
	assert_true(seen_b > 0);

	stats_sum(after);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		__u64 d = after[i] - before[i], want = i == XLB_STAT_FWD_TX ? n : 0;

		if (d != want)
			fail_msg("%s: counter %s moved by %llu, want %llu", name, stat_names[i],
				 (unsigned long long)d, (unsigned long long)want);
	}
}

static void test_swap_prebuilt(void **state)
{
	run_case(SWAP_PREBUILT, "prebuilt");
}

static void test_swap_mmap(void **state)
{
	run_case(SWAP_MMAP, "mmap");
}

static void test_swap_resize(void **state)
{
	run_case(SWAP_RESIZE, "resize");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_swap_prebuilt),
	    cmocka_unit_test(test_swap_mmap),
	    cmocka_unit_test(test_swap_resize),
	};

	return cmocka_run_group_tests_name("atomic", tests, group_setup, group_teardown);
}
