// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_xdp - cost of each path of the XDP data path (bpf/xlb.bpf.c) under
 * BPF_PROG_TEST_RUN, relative to a trivial XDP_DROP program
 * (tools/bpf/bench_drop.bpf.c) measured the same way in the same process.
 *
 * Output, one line per case:   case ns_per_packet ratio_to_xdp_drop
 * `bench_xdp --scaling`: the established and new-flow paths with 1..100,000
 * services and 10..1,000,000 flows (see scaling() below).
 * `bench_xdp --capture`: what the packet-capture hooks cost while capture is
 * off (see capture_cost() below).
 *
 * Method (docs/performance.md, "Microbenchmarks", has the results):
 *  - Private network namespace with a veth pair, addresses, forwarding and
 *    permanent neighbour entries, so bpf_fib_lookup does its real work.
 *  - xlb is loaded as lbd loads it (VIP prefilter knob on); one IPv4 and one
 *    IPv6 TCP service, 4 backends each, a 65537-slot Maglev table.
 *  - Rounds: in each round every case is measured right after its own
 *    baseline run; the reported ns is the median over rounds and the ratio
 *    the median of the per-round ratios (drift between rounds cancels).
 *  - "repeat" cases (nonvip_pass, established_*, icmp_ptb) run one packet
 *    with a large repeat count. The kernel does not restore the frame
 *    between repeats, but these paths are idempotent: dsr-l2 rewrites only
 *    the Ethernet addresses, which the program never reads, so every repeat
 *    takes the same path (checked: the action and the per-reason counter
 *    delta must equal the repeat count). icmp_ptb is an ICMP fragmentation-
 *    needed error quoting the reply of the established_v4 flow (forwarded
 *    to its backend, unchanged but for the MACs).
 *  - "new flow" cases need a connection-table miss on every packet, which a
 *    repeated frame cannot give. They run NFLOW distinct prepared packets
 *    (one client address, source ports 1024.. rotating) as repeat=1 calls,
 *    summing the kernel-measured per-run durations; the flow table is
 *    emptied (by key, outside the timing) before each such run, so every
 *    packet is a miss plus an insertion into a non-full LRU. The baseline
 *    for these cases is XDP_DROP measured with the same repeat=1 calls over
 *    the same packets. A repeat=1 run includes the timer's own
 *    ktime_get_ns() pair and colder caches for both programs, which lowers
 *    ratios somewhat: established_v4_r1 shows the same established path by
 *    this method for comparison.
 *  - syncookie_synack_*: Linux's SYN to a syn_cookies service, answered with
 *    a SYN-ACK (the frame is rewritten: repeat=1 over NFLOW packets).
 *    syncookie_ack_*: the client's ACK carrying a valid cookie, checked,
 *    scheduled and recorded as a new flow (compare with new_flow_*, which
 *    inserts its flow without the lookup an ACK needs first).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_drop.skel.h"
#include "bench_xlb_scale.skel.h"
#include "bench_xlb_nocap.skel.h"
#include "maglev.h"
#include "table.h"
#include "pkt.h"
#include "xlb.h"
#include "xlb.skel.h"
#include "xlb_hash.h"
#include "xlb_syncookie.h"

#define SC_K0 0x0123456789abcdefull /* the bench's SYN cookie secret */
#define SC_K1 0xfedcba9876543210ull

#define ROUNDS	  9
#define REPEAT	  200000 /* per repeat-mode call: ~10 ms */
#define NFLOW	  20000	 /* distinct packets per new-flow run */
#define NBACKEND  4
#define TBL_SIZE  XLB_DEFAULT_TABLE_SIZE
#define CLIENT4	  "10.9.0.50"
#define CLIENT6	  "fd00:9::50"
#define VIP4	  "10.9.0.100"
#define VIP6	  "fd00:9::100"
#define MAC_LB	  "02:00:00:00:00:01"

enum mode { M_REPEAT, M_ROTATE };

struct bcase {
	const char *name;
	enum mode mode;
	int action;	     /* expected XDP action */
	enum xlb_stat reason; /* expected counter */
	struct pkt *pkts;    /* 1 (repeat) or NFLOW (rotate) */
	int npkts;
	int prime;	     /* run the packet once before measuring (establish the flow) */
	double ns[ROUNDS], ratio[ROUNDS];
	int nat;	     /* fullnat new flows: the reverse NAT map is emptied too */
};

static struct {
	struct xlb *xlb;
	struct bench_drop *drop;
	int xlb_fd, drop_fd, ifindex;
} b;

/*
 * The connection table from user space. The shipped object keeps flows in
 * an LRU hash (XLB_FLOWS_MAP); the bench_xdp_ct_* ablation builds (Makefile
 * CT_VARIANTS) in the set-associative table of include/xlb_ct.h, changed here
 * one bucket at a time through the syscall interface (per CPU: every CPU's
 * copy), the layout the data path reads.
 */
#ifdef XLB_CT_SA
#include "xlb_ct.h"
#define BENCH_CT_MAP XLB_CT_MAP
#define BENCH_CT_WAYS XLB_CT_WAYS

/* Buckets of the loaded object's table (its XLB_MAX_FLOWS, not ours: --scaling). */
static __u32 ct_buckets;

/* Copies of each bucket: one per CPU for a per-CPU table. */
#ifdef XLB_CT_PERCPU
#define CT_COPIES libbpf_num_possible_cpus()
#else
#define CT_COPIES 1
#endif

/* Read flow k's bucket (every copy) into bk; its index, k's hash and tag out. */
static int ct_read(int fd, const struct xlb_flow_key *k, struct xlb_ct_bucket *bk, __u32 *idx,
		   __u64 *h, __u32 *tag)
{
	*h = xlb_key_hash64(k);
	*idx = (__u32)*h & (ct_buckets - 1);
	*tag = xlb_ct_tag(*h);
	return bpf_map_lookup_elem(fd, idx, bk) ? -errno : 0;
}

/* The way of bucket bu that holds flow k, XLB_CT_WAYS if none. */
static __u32 ct_way(const struct xlb_ct_bucket *bu, const struct xlb_flow_key *k, __u32 tag)
{
	__u32 w;

	for (w = 0; w < XLB_CT_WAYS; w++)
		if (bu->tag[w] == tag && !memcmp(&bu->ent[w].key, k, sizeof(*k)))
			break;
	return w;
}

/* Record flow k (v != NULL) or forget it (v == NULL). */
static int ct_set(int fd, const struct xlb_flow_key *k, const struct xlb_flow *v)
{
	int ncpu = CT_COPIES, c, err;
	struct xlb_ct_bucket bk[ncpu];
	__u32 idx, tag, w, way;
	__u64 h;

	err = ct_read(fd, k, bk, &idx, &h, &tag);
	if (err)
		return err;
	for (c = 0; c < ncpu; c++) {
		struct xlb_ct_bucket *bu = &bk[c];

		way = ct_way(bu, k, tag);
		if (!v) {
			if (way < XLB_CT_WAYS)
				bu->tag[way] = 0;
			continue;
		}
		for (w = 0; w < XLB_CT_WAYS && way == XLB_CT_WAYS; w++)
			if (!bu->tag[w])
				way = w;
		if (way == XLB_CT_WAYS)
			way = (h >> 40) % XLB_CT_WAYS; /* full: any one goes */
		bu->ent[way].key = *k;
		bu->ent[way].val = *v;
		bu->tag[way] = tag;
	}
	return bpf_map_update_elem(fd, &idx, bk, BPF_ANY) ? -errno : 0;
}

static void ct_delete(int fd, const struct xlb_flow_key *k)
{
	ct_set(fd, k, NULL);
}

/* Flow k's entry in *v (the first CPU's copy that has it); -ENOENT if none. */
static int ct_lookup(int fd, const struct xlb_flow_key *k, struct xlb_flow *v)
{
	int ncpu = CT_COPIES, c, err;
	struct xlb_ct_bucket bk[ncpu];
	__u32 idx, tag, w;
	__u64 h;

	err = ct_read(fd, k, bk, &idx, &h, &tag);
	if (err)
		return err;
	for (c = 0; c < ncpu; c++) {
		w = ct_way(&bk[c], k, tag);
		if (w < XLB_CT_WAYS) {
			*v = bk[c].ent[w].val;
			return 0;
		}
	}
	return -ENOENT;
}

static int ct_insert_batch(int fd, const struct xlb_flow_key *k, const struct xlb_flow *v, __u32 n)
{
	__u32 i;
	int err = 0;

	for (i = 0; i < n && !err; i++)
		err = ct_set(fd, &k[i], &v[i]);
	return err;
}
#else
#define BENCH_CT_MAP XLB_FLOWS_MAP
#define BENCH_CT_WAYS 1
static __u32 ct_buckets;

static void ct_delete(int fd, const struct xlb_flow_key *k)
{
	bpf_map_delete_elem(fd, k); /* ENOENT (never there, evicted): fine */
}

static int ct_lookup(int fd, const struct xlb_flow_key *k, struct xlb_flow *v)
{
	return bpf_map_lookup_elem(fd, k, v) ? -errno : 0;
}

static int ct_insert_batch(int fd, const struct xlb_flow_key *k, const struct xlb_flow *v, __u32 n)
{
	__u32 count = n;

	return bpf_map_update_batch(fd, k, v, &count, NULL) ? -errno : 0;
}
#endif

/* Flows the table of the loaded object holds (buckets x ways). */
static __u32 ct_capacity(struct bpf_map *map)
{
	ct_buckets = bpf_map__max_entries(map);
	return ct_buckets * BENCH_CT_WAYS;
}

/* Kernel memory of a map (fdinfo's memlock), 0 if unknown. */
static unsigned long long fd_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long memlock = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &memlock) == 1)
			break;
	fclose(f);
	return memlock;
}

/* A map's memory per entry it can hold. */
static double map_bytes_per_entry(struct bpf_map *map)
{
	return (double)fd_memlock(bpf_map__fd(map)) / bpf_map__max_entries(map);
}

/* Kernel memory of the connection table per flow it can hold. */
static void ct_print_bytes(struct bpf_map *map)
{
	unsigned long long memlock = fd_memlock(bpf_map__fd(map));
	__u32 cap = ct_capacity(map);

	printf("# connection table %s: %u flows, %llu bytes, %.1f bytes per flow\n",
	       bpf_map__name(map), cap, memlock, (double)memlock / cap);
}

/* Bytes of one lookup table of TBL_SIZE slots (add_service() measures it). */
static unsigned long long table_bytes;

/*
 * Kernel memory per service as the bench configures them: its share of every
 * map indexed by service id or VIP (their memory over their capacity), its
 * lookup table, and NBACKEND backends' share of the maps indexed by backend id.
 */
static void svc_print_bytes(void)
{
	double svc = map_bytes_per_entry(b.xlb->maps.XLB_VIPS_MAP) +
		     map_bytes_per_entry(b.xlb->maps.XLB_VIPADDRS_MAP) +
		     map_bytes_per_entry(b.xlb->maps.XLB_TABLES_MAP) +
		     map_bytes_per_entry(b.xlb->maps.XLB_SVC_STATS_MAP) +
		     map_bytes_per_entry(b.xlb->maps.XLB_RRCURSOR_MAP) +
		     map_bytes_per_entry(b.xlb->maps.XLB_FILTER_MAP);
	double be = map_bytes_per_entry(b.xlb->maps.XLB_BACKENDS_MAP) +
		    map_bytes_per_entry(b.xlb->maps.XLB_BE_STATS_MAP) +
		    map_bytes_per_entry(b.xlb->maps.XLB_CONNS_MAP) +
		    map_bytes_per_entry(b.xlb->maps.XLB_CAPS_MAP) +
		    map_bytes_per_entry(b.xlb->maps.XLB_NHCACHE_MAP);

	printf("# per service: %.0f bytes = %.0f service maps + %llu lookup table (%u slots)"
	       " + %d backends x %.0f\n", svc + table_bytes + NBACKEND * be, svc, table_bytes,
	       TBL_SIZE, NBACKEND, be);
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_xdp: `%s` failed\n", cmd);
		return -1;
	}
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static const char *be4[NBACKEND] = {"10.9.0.11", "10.9.0.12", "10.9.0.13", "10.9.0.14"};
static const char *be6[NBACKEND] = {"fd00:9::11", "fd00:9::12", "fd00:9::13", "fd00:9::14"};

static int net_up(void)
{
	int i;

	if (unshare(CLONE_NEWNET)) {
		perror("bench_xdp: unshare(CLONE_NEWNET)");
		return -1;
	}
	if (sh("ip link set lo up && ip link add xb0 address " MAC_LB " type veth peer name xb1 && "
	       "ip link set xb0 up && ip link set xb1 up && ip addr add 10.9.0.1/24 dev xb0 && "
	       "ip -6 addr add fd00:9::1/64 dev xb0 nodad && "
	       "sysctl -q -w net.ipv4.ip_forward=1 && sysctl -q -w net.ipv6.conf.all.forwarding=1"))
		return -1;
	for (i = 0; i < NBACKEND; i++)
		if (sh("ip neigh replace %s lladdr 02:00:00:00:00:%02x dev xb0 nud permanent && "
		       "ip neigh replace %s lladdr 02:00:00:00:01:%02x dev xb0 nud permanent",
		       be4[i], 0x11 + i, be6[i], 0x11 + i))
			return -1;
	b.ifindex = if_nametoindex("xb0");
	return b.ifindex ? 0 : -1;
}

static int parse_addr(const char *s, struct xlb_addr *a, __u8 *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = XLB_AF_INET;
		return 0;
	}
	*family = XLB_AF_INET6;
	return inet_pton(AF_INET6, s, a) == 1 ? 0 : -1;
}

/* One service with NBACKEND backends (ids first_id..) and a Maglev table. */
static int add_service(__u32 svc_id, const char *vip, __u16 port, const char **addrs,
		       __u32 first_id, __u16 flags)
{
	static __u32 table[TBL_SIZE];
	struct xlb_maglev_backend mb[NBACKEND];
	struct xlb_vip_key vk = {.port = htons(port), .proto = IPPROTO_TCP};
	struct xlb_svc svc = {.id = svc_id, .table_size = TBL_SIZE, .flags = flags};
	__u32 i, one = 1, w, bit;
	__u64 bits;
	int fd, err = 0;

	for (i = 0; i < NBACKEND; i++) {
		struct xlb_backend be = {.svc_id = svc_id, .weight = 1, .flags = XLB_BE_F_ACTIVE};
		__u32 id = first_id + i;

		if (parse_addr(addrs[i], &be.addr, &be.family))
			return -EINVAL;
		mb[i] = (struct xlb_maglev_backend){
		    .id = id, .weight = 1, .addr = be.addr, .family = be.family};
		if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_BACKENDS_MAP), &id, &be, BPF_ANY))
			return -errno;
	}
	if (xlb_maglev_build(mb, NBACKEND, table, TBL_SIZE))
		return -EINVAL;
	fd = xlb_table_create(table, TBL_SIZE, BPF_F_INNER_MAP | BPF_F_MMAPABLE, XLB_SLOT_BYTES);
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_TABLES_MAP), &svc_id, &fd, 0))
		err = -errno;
	table_bytes = fd_memlock(fd);
	close(fd);
	if (err || parse_addr(vip, &vk.addr, &vk.family))
		return err ? err : -EINVAL;
	/* Prefilter bit first, as lbd does. */
	bit = xlb_vfilter_bucket(&vk.addr, vk.port);
	w = bit / 64;
	if (bpf_map_lookup_elem(bpf_map__fd(b.xlb->maps.XLB_VIPFILTER_MAP), &w, &bits))
		return -errno;
	bits |= 1ull << (bit % 64);
	if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_VIPFILTER_MAP), &w, &bits, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY))
		return -errno;
	vk.port = 0;
	vk.proto = 0;
	if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_VIPADDRS_MAP), &vk, &one, BPF_ANY))
		return -errno;
	return 0;
}

/*
 * fullnat (#19): service 5, VIP4:82, the IPv4 backends on port 8080 from the
 * SNAT address 10.9.0.1; every CPU gets the range 1024-65535 (the bench runs
 * on one), wide enough that NFLOW new flows rarely probe far.
 */
#define FULLNAT_PORT 82
static int nat_setup(void)
{
	struct xlb_nat_cfg nc = {.flags = XLB_NAT_F_ON, .tmo_s = {30, 900, 120, 10, 300},
				 .port_lo = 1024, .port_hi = 65535};
	int ncpu = libbpf_num_possible_cpus(), c, err;
	struct xlb_nat_slice sl[ncpu];
	__u32 zero = 0, i;

	err = add_service(5, VIP4, FULLNAT_PORT, be4, 1 + 4 * NBACKEND, 0);
	if (err)
		return err;
	/* Replies go back to the client: its neighbour entry, as for the backends. */
	if (sh("ip neigh replace " CLIENT4 " lladdr 02:00:00:00:00:50 dev xb0 nud permanent"))
		return -1;
	for (i = 0; i < NBACKEND; i++) {
		struct xlb_nat_be nb = {.port = htons(8080), .snat_family = XLB_AF_INET};
		__u32 id = 1 + 4 * NBACKEND + i;

		inet_pton(AF_INET, "10.9.0.1", &nb.snat);
		if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_NATBE_MAP), &id, &nb, BPF_ANY))
			return -errno;
	}
	{
		/* the service's fwd: add_service writes dsr-l2 */
		struct xlb_vip_key vk = {.port = htons(FULLNAT_PORT), .proto = IPPROTO_TCP,
					 .family = XLB_AF_INET};
		struct xlb_svc svc;

		inet_pton(AF_INET, VIP4, &vk.addr);
		if (bpf_map_lookup_elem(bpf_map__fd(b.xlb->maps.XLB_VIPS_MAP), &vk, &svc))
			return -errno;
		svc.fwd = XLB_FWD_FULLNAT;
		if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_VIPS_MAP), &vk, &svc, BPF_ANY))
			return -errno;
	}
	for (c = 0; c < ncpu; c++)
		sl[c] = (struct xlb_nat_slice){.lo = 1024, .hi = 65535};
	if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_NATSLICE_MAP), &zero, sl, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_NATCFG_MAP), &zero, &nc, BPF_ANY))
		return -errno;
	return 0;
}

/* NAT replies are looked for only on nodes with a nat/fullnat service: on for the *nat* cases. */
static void nat_switch(const struct bcase *c)
{
	struct xlb_nat_cfg nc;
	__u32 zero = 0, on = strstr(c->name, "nat") != NULL;
	int fd = bpf_map__fd(b.xlb->maps.XLB_NATCFG_MAP);

	if (bpf_map_lookup_elem(fd, &zero, &nc) || !!(nc.flags & XLB_NAT_F_ON) == on)
		return;
	nc.flags = on ? XLB_NAT_F_ON : 0;
	bpf_map_update_elem(fd, &zero, &nc, BPF_ANY);
}

static void clear_natrev(void)
{
	int fd = bpf_map__fd(b.xlb->maps.XLB_NATREV_MAP);
	struct xlb_flow_key k;

	while (bpf_map_get_next_key(fd, NULL, &k) == 0)
		bpf_map_delete_elem(fd, &k);
}

static int load(void)
{
	struct xlb_filter nofilt = {.flags = XLB_FILTER_F_SVC_NONE};
	__u32 glob = XLB_FILTER_GLOBAL;
	int err;

	libbpf_set_print(libbpf_quiet);
	b.xlb = xlb__open();
	if (!b.xlb)
		return -errno;
	b.xlb->rodata->xlb_cfg_prefilter = 1; /* as lbd loads it */
	err = xlb__load(b.xlb);
	if (err)
		return err;
	b.drop = bench_drop__open_and_load();
	if (!b.drop)
		return -errno;
	b.xlb_fd = bpf_program__fd(b.xlb->progs.xlb_xdp_ingress);
	ct_capacity(b.xlb->maps.BENCH_CT_MAP);
	b.drop_fd = bpf_program__fd(b.drop->progs.xlb_bench_drop);
	/* No ACL or rate limit anywhere, as lbd writes it (xlb_dp_filters_sync). */
	if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_FILTER_MAP), &glob, &nofilt, BPF_ANY))
		return -errno;
	err = add_service(1, VIP4, 80, be4, 1, 0);
	if (!err)
		err = add_service(2, VIP6, 443, be6, 1 + NBACKEND, 0);
	/* The same with syn_cookies on, and a secret. */
	if (!err)
		err = add_service(3, VIP4, 81, be4, 1 + 2 * NBACKEND, XLB_SVC_F_SYNCOOKIE);
	if (!err)
		err = add_service(4, VIP6, 444, be6, 1 + 3 * NBACKEND, XLB_SVC_F_SYNCOOKIE);
	if (!err) {
		struct xlb_sc_keys ks = {.cur = {SC_K0, SC_K1}, .flags = XLB_SC_F_CUR};
		__u32 zero = 0;

		if (bpf_map_update_elem(bpf_map__fd(b.xlb->maps.XLB_SCKEYS_MAP), &zero, &ks, BPF_ANY))
			err = -errno;
	}
	return err;
}

/* One BPF_PROG_TEST_RUN; returns the kernel's mean ns per run, -1 on error. */
static double run(int prog_fd, const struct pkt *p, __u32 repeat, int *action)
{
	static __u8 out[PKT_MAX];
	struct xdp_md ctx = {.data_end = p->len, .ingress_ifindex = b.ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf, .data_size_in = p->len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	*action = opts.retval;
	return opts.duration;
}

static __u64 stat_sum(enum xlb_stat reason)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 v[ncpu], s = 0;
	__u32 k = reason;

	if (bpf_map_lookup_elem(bpf_map__fd(b.xlb->maps.XLB_STATS_MAP), &k, v))
		return 0;
	for (c = 0; c < ncpu; c++)
		s += v[c];
	return s;
}

static void clear_flows(const struct bcase *c)
{
	struct xlb_flow_key k;
	int i, fd = bpf_map__fd(b.xlb->maps.BENCH_CT_MAP);

	for (i = 0; i < c->npkts; i++) {
		/* The builder's spec is gone; re-derive the key from the frame. */
		const struct pkt *p = &c->pkts[i];

		memset(&k, 0, sizeof(k));
		if (p->buf[12] == 0x86 && p->buf[13] == 0xdd) {
			memcpy(&k.src, p->buf + p->l3_off + 8, 16);
			memcpy(&k.dst, p->buf + p->l3_off + 24, 16);
			k.proto = p->buf[p->l3_off + 6];
			k.family = XLB_AF_INET6;
		} else {
			memcpy(&k.src, p->buf + p->l3_off + 12, 4);
			memcpy(&k.dst, p->buf + p->l3_off + 16, 4);
			k.proto = p->buf[p->l3_off + 9];
			k.family = XLB_AF_INET;
		}
		memcpy(&k.sport, p->buf + p->l4_off, 2);
		memcpy(&k.dport, p->buf + p->l4_off + 2, 2);
		ct_delete(fd, &k);
	}
}

/* Mean ns per packet of prog over case c, -1 on error or unexpected path. */
static double measure(const struct bcase *c, int prog_fd, int is_xlb)
{
	__u64 before = is_xlb ? stat_sum(c->reason) : 0, expect;
	double total = 0, ns = -1;
	int i, action = -1;

	if (is_xlb)
		nat_switch(c);
	if (c->mode == M_REPEAT) {
		ns = run(prog_fd, &c->pkts[0], REPEAT, &action);
		total = ns;
		expect = REPEAT;
	} else {
		if (is_xlb && !c->prime)
			clear_flows(c); /* every packet a miss */
		if (is_xlb && c->nat)
			clear_natrev(); /* and every SNAT port free */
		for (i = 0; i < c->npkts; i++) {
			ns = run(prog_fd, &c->pkts[i], 1, &action);
			if (ns < 0 || action != (is_xlb ? c->action : XDP_DROP))
				break;
			total += ns;
		}
		total /= c->npkts;
		expect = c->npkts;
	}
	if (ns < 0 || action != (is_xlb ? c->action : XDP_DROP)) {
		fprintf(stderr, "bench_xdp: %s: action %d, expected %d\n", c->name, action,
			is_xlb ? c->action : XDP_DROP);
		return -1;
	}
	if (is_xlb && stat_sum(c->reason) - before != expect) {
		fprintf(stderr, "bench_xdp: %s: took another path\n", c->name);
		return -1;
	}
	return total;
}

static struct pkt *build(const struct pkt_spec *s, int n)
{
	struct pkt *p = calloc(n, sizeof(*p));
	struct pkt_spec t = *s;
	int i;

	for (i = 0; p && i < n; i++) {
		t.sport = (__u16)(s->sport + i);
		if (pkt_build(&t, &p[i])) {
			free(p);
			return NULL;
		}
	}
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

#define SPEC(fam, s, d, dp)                                                                    \
	{                                                                                          \
		.family = fam, .proto = IPPROTO_TCP, .src = s, .dst = d, .sport = 1024,            \
		.dport = dp, .smac = {2, 0, 0, 0, 0, 0x50}, .dmac = {2, 0, 0, 0, 0, 1},            \
		.payload_len = 0, .tcp_flags = 0x10                                                \
	}

/*
 * --scaling: per-packet cost of established_v4 and new_flow_v4 as the number
 * of services (1, 10, 1,000, 100,000) and of established flows (10, 1,000,
 * 1,000,000) grows, each point as a ratio to XDP_DROP measured over the same
 * packets in the same round. Capacities of the shipped object (256 services,
 * 262,144 flows) are too small, so the sweep loads bench_xlb_scale.bpf.o: the
 * same bpf/xlb.bpf.c built with BENCH_SCALE_CAPS (Makefile) for every point.
 *
 *  - Service s: VIP 10.128.0.0 + s, TCP port 80, 4 backends of its own (ids
 *    1 + 4s ..; the data path keeps a flow only on a backend of its service),
 *    at the 4 addresses of the main bench (same neighbours, same FIB).
 *    Lookup tables are SCALE_TBL slots (not 65,537: 100,000 tables of 256 KB
 *    would not fit in memory); a table is one array lookup whatever its size.
 *  - Flow f: client 172.16.0.0 + f / 50,000, port 1024 + f % 50,000, to
 *    service f % S, on backend f % 4; written into the LRU connection table
 *    from user space (as the data path writes it).
 *  - established_v4: SCALE_NPK ACKs of flows spread over all F flows (stride
 *    through the table: cache misses as under real traffic), repeat=1 calls.
 *    established_v4_hot: one of them with a large repeat (hot caches: the
 *    algorithmic cost alone).
 *  - new_flow_v4: SCALE_NPK SYNs from other clients to services spread over
 *    all S, connection table holding the F flows; their keys are deleted
 *    before each run, so each packet is a miss, a schedule and an insertion.
 */
#define SCALE_TBL    251
/* BENCH_SCALE_CAPS has more backends than a 16-bit slot can name: u32 slots (include/xlb.h). */
#define SCALE_SLOT_BYTES 4
#define SCALE_NPK    20000
#define SCALE_ROUNDS 3
#define SCALE_PORTS  50000

static struct bench_xlb_scale *sk;

struct sfd {
	int vips, vaddr, vfilt, tables, bends, flows, stats, prog;
};

static struct sfd sf;

static void ip4_str(char *buf, __u32 host_order)
{
	struct in_addr a = {.s_addr = htonl(host_order)};

	inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static __u32 ip4_base(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

/*
 * Lookup tables of services [from, to), installed in chunks with one
 * BPF_MAP_UPDATE_BATCH each: every update of a map-in-map waits for an RCU
 * grace period (milliseconds), a batch waits once.
 */
static int scale_add_tables(__u32 from, __u32 to)
{
	enum { CHUNK = 512 };
	__u32 keys[CHUNK], s, i, n = 0, count, tbl[SCALE_TBL];
	int fds[CHUNK], err = 0;

	for (s = from; s < to && !err; s++) {
		__u32 id0 = 1 + 4 * s;
		int fd;

		for (i = 0; i < SCALE_TBL; i++)
			tbl[i] = id0 + i % NBACKEND; /* contents do not change the cost */
		fd = xlb_table_create(tbl, SCALE_TBL, BPF_F_INNER_MAP | BPF_F_MMAPABLE,
				      SCALE_SLOT_BYTES);
		if (fd < 0) {
			err = -1;
			break;
		}
		keys[n] = s + 1;
		fds[n++] = fd;
		if (n == CHUNK || s + 1 == to) {
			count = n;
			if (bpf_map_update_batch(sf.tables, keys, fds, &count, NULL))
				for (i = 0; i < n && !err; i++) /* no batch support: one by one */
					err = bpf_map_update_elem(sf.tables, &keys[i], &fds[i], 0);
			for (i = 0; i < n; i++)
				close(fds[i]);
			n = 0;
		}
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return err ? -1 : 0;
}

/* Services [from, to): VIP 10.128.0.0 + s, port 80, 4 backends each. */
static int scale_add_services(__u32 from, __u32 to)
{
	__u32 s, i, one = 1, w, bit, vip0 = ip4_base("10.128.0.0");
	__u64 bits;

	if (scale_add_tables(from, to))
		return -1;
	for (s = from; s < to; s++) {
		struct xlb_vip_key vk = {.port = htons(80), .proto = IPPROTO_TCP,
					 .family = XLB_AF_INET};
		struct xlb_svc svc = {.id = s + 1, .table_size = SCALE_TBL};
		__u32 id0 = 1 + 4 * s, vip = htonl(vip0 + s);

		for (i = 0; i < NBACKEND; i++) {
			struct xlb_backend be = {.svc_id = s + 1, .weight = 1,
						 .flags = XLB_BE_F_ACTIVE};
			__u32 id = id0 + i;

			if (parse_addr(be4[i], &be.addr, &be.family) ||
			    bpf_map_update_elem(sf.bends, &id, &be, BPF_ANY))
				return -1;
		}
		memcpy(&vk.addr, &vip, 4);
		bit = xlb_vfilter_bucket(&vk.addr, vk.port);
		w = bit / 64;
		if (bpf_map_lookup_elem(sf.vfilt, &w, &bits))
			return -1;
		bits |= 1ull << (bit % 64);
		if (bpf_map_update_elem(sf.vfilt, &w, &bits, BPF_ANY) ||
		    bpf_map_update_elem(sf.vips, &vk, &svc, BPF_ANY))
			return -1;
		vk.port = 0;
		vk.proto = 0;
		if (bpf_map_update_elem(sf.vaddr, &vk, &one, BPF_ANY))
			return -1;
	}
	return 0;
}

static void scale_flow_key(__u32 f, __u32 nsvc, __u32 client0, struct xlb_flow_key *k)
{
	__u32 src = htonl(client0 + f / SCALE_PORTS), dst = htonl(ip4_base("10.128.0.0") + f % nsvc);

	memset(k, 0, sizeof(*k));
	memcpy(&k->src, &src, 4);
	memcpy(&k->dst, &dst, 4);
	k->sport = htons(1024 + f % SCALE_PORTS);
	k->dport = htons(80);
	k->proto = IPPROTO_TCP;
	k->family = XLB_AF_INET;
}

/* Replace the connection table's contents by flows 0..nflow-1 over nsvc services. */
static int scale_fill_flows(__u32 nflow, __u32 nsvc, __u32 *filled, __u32 *filled_svc)
{
	enum { BATCH = 8192 };
	static struct xlb_flow_key keys[BATCH];
	static struct xlb_flow vals[BATCH];
	struct timespec now;
	__u32 f, n, count;
	__u64 ns;

	/* Delete the previous point's flows by key (an LRU map has no clear). */
	for (f = 0; f < *filled; f++) {
		scale_flow_key(f, *filled_svc, ip4_base("172.16.0.0"), &keys[0]);
		ct_delete(sf.flows, &keys[0]);
	}
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	ns = now.tv_sec * 1000000000ull + now.tv_nsec;
	for (f = 0; f < nflow; f += n) {
		n = nflow - f < BATCH ? nflow - f : BATCH;
		for (count = 0; count < n; count++) {
			__u32 s = (f + count) % nsvc;

			scale_flow_key(f + count, nsvc, ip4_base("172.16.0.0"), &keys[count]);
			vals[count] = (struct xlb_flow){.backend_id = 1 + 4 * s + (f + count) % NBACKEND,
							.svc_id = s + 1, .last_seen_ns = ns,
							.fwd = XLB_FWD_DSR_L2};
		}
		if (ct_insert_batch(sf.flows, keys, vals, n)) {
			fprintf(stderr, "bench_xdp: flow fill: %s\n", strerror(errno));
			return -1;
		}
	}
	*filled = nflow;
	*filled_svc = nsvc;
	return 0;
}

static __u64 scale_stat(enum xlb_stat reason)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	__u64 v[ncpu], s = 0;
	__u32 k = reason;

	if (bpf_map_lookup_elem(sf.stats, &k, v))
		return 0;
	for (c = 0; c < ncpu; c++)
		s += v[c];
	return s;
}

/* Mean ns per packet over pkts (repeat=1 each), or of pkts[0] x repeat; -1 on a wrong path. */
static double scale_measure(int prog, struct pkt *pkts, int n, __u32 repeat, int is_xlb,
			    const struct xlb_flow_key *clear)
{
	__u64 before = is_xlb ? scale_stat(XLB_STAT_FWD_TX) : 0;
	int want = is_xlb ? XDP_TX : XDP_DROP, action = -1, i;
	double total = 0, ns = 0;

	if (clear)
		for (i = 0; i < n; i++)
			ct_delete(sf.flows, &clear[i]);
	if (repeat > 1) {
		ns = run(prog, &pkts[0], repeat, &action);
		total = ns * n;
	} else {
		for (i = 0; i < n && ns >= 0; i++) {
			ns = run(prog, &pkts[i], 1, &action);
			if (action != want)
				break;
			total += ns;
		}
	}
	if (ns < 0 || action != want ||
	    (is_xlb && scale_stat(XLB_STAT_FWD_TX) - before != (repeat > 1 ? repeat : (__u64)n))) {
		fprintf(stderr, "bench_xdp: scaling: action %d, expected %d (or another path)\n",
			action, want);
		for (i = 0; i < XLB_STAT_MAX; i++)
			if (is_xlb && scale_stat(i))
				fprintf(stderr, "bench_xdp:   counter %d: %llu\n", i,
					(unsigned long long)scale_stat(i));
		return -1;
	}
	return total / n;
}

static int scaling(void)
{
	static const __u32 nsvcs[] = {1, 10, 1000, 100000}, nflows[] = {10, 1000, 1000000};
	static struct pkt est[SCALE_NPK], syn[SCALE_NPK];
	static struct xlb_flow_key syn_keys[SCALE_NPK];
	const char *names[] = {"established_v4", "established_v4_hot", "new_flow_v4"};
	__u32 si, fi, k, have_svc = 0, filled = 0, filled_svc = 1;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	struct timespec t0, t1;
	int err, c, r;

	libbpf_set_print(libbpf_quiet);
	sk = bench_xlb_scale__open();
	if (!sk)
		return -1;
	sk->rodata->xlb_cfg_prefilter = 1;
	err = bench_xlb_scale__load(sk);
	b.drop = bench_drop__open_and_load();
	if (err || !b.drop) {
		fprintf(stderr, "bench_xdp: cannot load bench_xlb_scale / bench_drop\n");
		return -1;
	}
	b.drop_fd = bpf_program__fd(b.drop->progs.xlb_bench_drop);
	/* Through the skeleton, by the maps' aliases: version bumps need no edit here. */
	sf = (struct sfd){
	    .vips = bpf_map__fd(sk->maps.XLB_VIPS_MAP),
	    .vaddr = bpf_map__fd(sk->maps.XLB_VIPADDRS_MAP),
	    .vfilt = bpf_map__fd(sk->maps.XLB_VIPFILTER_MAP),
	    .tables = bpf_map__fd(sk->maps.XLB_TABLES_MAP),
	    .bends = bpf_map__fd(sk->maps.XLB_BACKENDS_MAP),
	    .flows = bpf_map__fd(sk->maps.BENCH_CT_MAP),
	    .stats = bpf_map__fd(sk->maps.XLB_STATS_MAP),
	    .prog = bpf_program__fd(sk->progs.xlb_xdp_ingress)};
	if (sf.vips < 0 || sf.vaddr < 0 || sf.vfilt < 0 || sf.tables < 0 || sf.bends < 0 ||
	    sf.flows < 0 || sf.stats < 0) {
		fprintf(stderr, "bench_xdp: bench_xlb_scale: a map is missing\n");
		return -1;
	}
	printf("# scaling: bench_xlb_scale.bpf.o capacities: %u services, %u backends, %u flows\n",
	       bpf_map__max_entries(sk->maps.XLB_VIPS_MAP),
	       bpf_map__max_entries(sk->maps.XLB_BACKENDS_MAP),
	       ct_capacity(sk->maps.BENCH_CT_MAP));
	ct_print_bytes(sk->maps.BENCH_CT_MAP);

	printf("# scaling: case services flows ns_per_packet ratio_to_xdp_drop xdp_drop_ns"
	       "  (%d rounds, medians; %d packets per run)\n", SCALE_ROUNDS, SCALE_NPK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (si = 0; si < sizeof(nsvcs) / sizeof(nsvcs[0]); si++) {
		__u32 S = nsvcs[si];

		if (scale_add_services(have_svc, S)) {
			fprintf(stderr, "bench_xdp: cannot add services up to %u: %s\n", S,
				strerror(errno));
			return -1;
		}
		have_svc = S;
		for (fi = 0; fi < sizeof(nflows) / sizeof(nflows[0]); fi++) {
			__u32 F = nflows[fi];
			double ns[3][SCALE_ROUNDS], ratio[3][SCALE_ROUNDS], base[3][SCALE_ROUNDS];

			if (scale_fill_flows(F, S, &filled, &filled_svc))
				return -1;
			for (k = 0; k < SCALE_NPK; k++) {
				/* Stride through the flows (a prime step): spread, no pattern. */
				__u32 f = (__u32)(((__u64)k * 7919) % F);
				struct pkt_spec s = SPEC(4, src, dst, 80);

				ip4_str(src, ip4_base("172.16.0.0") + f / SCALE_PORTS);
				ip4_str(dst, ip4_base("10.128.0.0") + f % S);
				s.sport = 1024 + f % SCALE_PORTS;
				if (pkt_build(&s, &est[k]))
					return -1;
				/* New flows: other clients, services in stride. */
				ip4_str(src, ip4_base("192.168.0.0") + k / SCALE_PORTS);
				ip4_str(dst, ip4_base("10.128.0.0") + (__u32)(((__u64)k * 104729) % S));
				s.sport = 1024 + k % SCALE_PORTS;
				s.tcp_flags = 0x02;
				if (pkt_build(&s, &syn[k]))
					return -1;
				pkt_flow_key(&s, &syn_keys[k]);
			}
			for (r = 0; r < SCALE_ROUNDS; r++) {
				for (c = 0; c < 3; c++) {
					struct pkt *p = c == 2 ? syn : est;
					__u32 rep = c == 1 ? REPEAT : 1;
					int n = c == 1 ? 1 : SCALE_NPK;
					double bns = scale_measure(b.drop_fd, p, n, rep, 0, NULL);
					double xns = scale_measure(sf.prog, p, n, rep, 1,
								   c == 2 ? syn_keys : NULL);

					if (bns <= 0 || xns < 0)
						return -1;
					ns[c][r] = xns;
					base[c][r] = bns;
					ratio[c][r] = xns / bns;
				}
			}
			for (c = 0; c < 3; c++)
				printf("%s %u %u %.1f %.2f %.1f\n", names[c], S, F,
				       median(ns[c], SCALE_ROUNDS), median(ratio[c], SCALE_ROUNDS),
				       median(base[c], SCALE_ROUNDS));
			fflush(stdout);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# scaling done in %.1f s\n",
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	bench_xlb_scale__destroy(sk);
	bench_drop__destroy(b.drop);
	return 0;
}

/*
 * The capture hooks with capture off (bpf/capture.h): xlb as lbd loads it
 * against the same program built with -DXLB_NO_CAPTURE (bench_xlb_nocap),
 * which shares every map of the first (bpf_map__reuse_fd), so both see the
 * same services and flows. Interleaved per round (order alternating) on the
 * repeat-mode paths every packet takes (not a VIP; established); the kernel
 * reports whole ns per run, so the cost is the mean of the per-round
 * differences over many rounds.
 */
#define CAP_ROUNDS 101

static double mean(const double *v, int n)
{
	double s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s / n;
}

static int capture_cost(struct bcase *cases, int ncases)
{
	static const char *const names[] = { "nonvip_pass", "established_v4", "established_v6" };
	struct bench_xlb_nocap *nc = bench_xlb_nocap__open();
	double d[CAP_ROUNDS], with[CAP_ROUNDS], without[CAP_ROUNDS];
	struct bpf_map *m;
	int nfd, r, i, k, err;

	if (!nc)
		return -1;
	nc->rodata->xlb_cfg_prefilter = 1;
	bpf_object__for_each_map(m, nc->obj) {
		struct bpf_map *src = bpf_object__find_map_by_name(b.xlb->obj, bpf_map__name(m));

		if (bpf_map__is_internal(m) || !src ||
		    bpf_map__type(m) == BPF_MAP_TYPE_DEVMAP_HASH)
			continue;
		err = bpf_map__reuse_fd(m, bpf_map__fd(src));
		if (err) {
			fprintf(stderr, "bench_xdp: reusing %s: %s\n", bpf_map__name(m), strerror(-err));
			return -1;
		}
	}
	if (bench_xlb_nocap__load(nc)) {
		fprintf(stderr, "bench_xdp: cannot load bench_xlb_nocap.bpf.o\n");
		return -1;
	}
	nfd = bpf_program__fd(nc->progs.xlb_xdp_ingress);
	printf("# capture off: case ns_with_hooks ns_without delta_ns  (%d rounds, means: the "
	       "kernel reports whole ns per run)\n", CAP_ROUNDS);
	for (k = 0; k < (int)(sizeof(names) / sizeof(names[0])); k++) {
		struct bcase *c = NULL;

		for (i = 0; i < ncases; i++)
			if (!strcmp(cases[i].name, names[k]))
				c = &cases[i];
		if (!c)
			continue;
		for (r = 0; r < CAP_ROUNDS; r++) {
			/* alternate the order: neither program always runs with warmer caches */
			double a = r % 2 ? measure(c, nfd, 1) : 0, x = measure(c, b.xlb_fd, 1);

			if (!(r % 2))
				a = measure(c, nfd, 1);
			if (a < 0 || x < 0)
				return -1;
			with[r] = x;
			without[r] = a;
			d[r] = x - a;
		}
		printf("capture_off_%s %.2f %.2f %+.2f\n", names[k], mean(with, CAP_ROUNDS),
		       mean(without, CAP_ROUNDS), mean(d, CAP_ROUNDS));
	}
	bench_xlb_nocap__destroy(nc);
	return 0;
}

int main(int argc, char **argv)
{
	const struct pkt_spec s_nonvip = SPEC(4, CLIENT4, "10.9.0.200", 80);
	const struct pkt_spec s_est4 = SPEC(4, CLIENT4, VIP4, 80);
	const struct pkt_spec s_est6 = SPEC(6, CLIENT6, VIP6, 443);
	struct pkt_spec s_new4 = SPEC(4, CLIENT4, VIP4, 80), s_new6 = SPEC(6, CLIENT6, VIP6, 443);
	struct bcase cases[] = {
	    {"nonvip_pass", M_REPEAT, XDP_PASS, XLB_STAT_PASS_NOT_VIP, build(&s_nonvip, 1), 1},
	    {"established_v4", M_REPEAT, XDP_TX, XLB_STAT_FWD_TX, build(&s_est4, 1), 1, 1},
	    {"new_flow_v4", M_ROTATE, XDP_TX, XLB_STAT_FWD_TX, NULL, NFLOW},
	    {"established_v6", M_REPEAT, XDP_TX, XLB_STAT_FWD_TX, build(&s_est6, 1), 1, 1},
	    {"new_flow_v6", M_ROTATE, XDP_TX, XLB_STAT_FWD_TX, NULL, NFLOW},
	    {"established_v4_r1", M_ROTATE, XDP_TX, XLB_STAT_FWD_TX, NULL, NFLOW, 1},
	    {"icmp_ptb", M_REPEAT, XDP_TX, XLB_STAT_FWD_ICMP, NULL, 1},
	    {"syncookie_synack_v4", M_ROTATE, XDP_TX, XLB_STAT_TX_SYNCOOKIE, NULL, NFLOW},
	    {"syncookie_synack_v6", M_ROTATE, XDP_TX, XLB_STAT_TX_SYNCOOKIE, NULL, NFLOW},
	    {"syncookie_ack_v4", M_ROTATE, XDP_TX, XLB_STAT_FWD_TX, NULL, NFLOW},
	    {"syncookie_ack_v6", M_ROTATE, XDP_TX, XLB_STAT_FWD_TX, NULL, NFLOW},
	    /* fullnat (#19): rewriting paths, so repeat=1 over NFLOW packets (compare with *_r1) */
	    {"fullnat_new_flow_v4", M_ROTATE, XDP_TX, XLB_STAT_FWD_TX, NULL, NFLOW, 0, {0}, {0}, 1},
	    {"fullnat_established_v4", M_ROTATE, XDP_TX, XLB_STAT_FWD_TX, NULL, NFLOW, 1},
	    {"fullnat_reply_v4", M_ROTATE, XDP_TX, XLB_STAT_FWD_NAT_REPLY, NULL, NFLOW},
	    /* nonvip_pass on a node with a NAT service: + the reverse-map miss */
	    {"nonvip_pass_nat", M_REPEAT, XDP_PASS, XLB_STAT_PASS_NOT_VIP, build(&s_nonvip, 1), 1},
	};
	const struct pkt_spec s_fn4 = SPEC(4, CLIENT4, VIP4, FULLNAT_PORT);
	struct pkt_spec s_fnsyn4 = s_fn4;
	/* Fragmentation needed about the reply of the established_v4 flow (VIP:80 -> client:1024). */
	struct pkt_spec s_reply4 = SPEC(4, VIP4, CLIENT4, 1024);
	enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
	struct timespec t0, t1;
	cpu_set_t cpus;
	const char *only = argc > 1 ? argv[1] : NULL; /* one case only (for perf) */
	int r, i, j, rc = 0;
	double ns;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_xdp: needs root (netns, BPF)\n");
		return 77;
	}
	if (only && !strcmp(only, "--scaling")) {
		CPU_ZERO(&cpus);
		CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
		if (net_up()) {
			fprintf(stderr, "bench_xdp: set-up failed\n");
			return 1;
		}
		return scaling() ? 1 : 0;
	}
	/* SYNs for new flows (a real first packet). */
	s_new4.tcp_flags = 0x02;
	s_new6.tcp_flags = 0x02;
	cases[2].pkts = build(&s_new4, NFLOW);
	cases[4].pkts = build(&s_new6, NFLOW);
	/* The established path by the new-flow method: NFLOW copies of one ACK. */
	cases[5].pkts = calloc(NFLOW, sizeof(struct pkt));
	for (i = 0; cases[5].pkts && i < NFLOW; i++)
		pkt_build(&s_est4, &cases[5].pkts[i]);
	s_reply4.sport = 80;
	s_reply4.payload_len = 1400;
	cases[6].pkts = calloc(1, sizeof(struct pkt));
	if (cases[6].pkts &&
	    pkt_build_icmp_error(&s_reply4, "10.9.0.254", VIP4, 3, 4, 1400, cases[6].pkts))
		cases[6].pkts = NULL;
	/*
	 * SYN cookies: Linux's SYN (MSS, SACKOK, TS, NOP, WS) to the syn_cookies
	 * services, answered with a SYN-ACK; and the ACKs of such SYN-ACKs (NOP
	 * NOP TS), each a valid cookie and a new flow (the table is emptied
	 * before each run, as for new_flow_*).
	 */
	for (j = 0; j < 2; j++) {
		static const __u8 syn_opts[20] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
						  0, 0, 0, 0, 1, 3, 3, 7};
		static __u8 ack_opts[12] = {1, 1, 8, 10, 0, 0, 0, 2};
		struct pkt_spec sy = SPEC(j ? 6 : 4, j ? CLIENT6 : CLIENT4, j ? VIP6 : VIP4,
					  j ? 444 : 81);
		struct pkt_spec ak = sy;
		const __u64 key[2] = {SC_K0, SC_K1};
		struct timespec ts;
		__u32 t, opts = 7 | XLB_SC_SACK, tsecr = 0x12345600 | opts;
		struct xlb_flow_key fk;

		sy.tcp_flags = 0x02;
		sy.tcp_opts = syn_opts;
		sy.tcp_opts_len = sizeof(syn_opts);
		cases[7 + j].pkts = build(&sy, NFLOW);
		cases[9 + j].pkts = calloc(NFLOW, sizeof(struct pkt));
		clock_gettime(CLOCK_TAI, &ts);
		t = (__u32)(((__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec) >>
			    XLB_SC_PERIOD_SHIFT);
		ack_opts[8] = tsecr >> 24;
		ack_opts[9] = tsecr >> 16;
		ack_opts[10] = tsecr >> 8;
		ack_opts[11] = tsecr;
		ak.tcp_opts = ack_opts;
		ak.tcp_opts_len = sizeof(ack_opts);
		ak.seq = 1001;
		for (i = 0; cases[9 + j].pkts && i < NFLOW; i++) {
			ak.sport = (__u16)(1024 + i);
			pkt_flow_key(&ak, &fk);
			ak.ack_seq = xlb_sc_make(key, &fk, htonl(1000), t, 7, opts) + 1;
			if (pkt_build(&ak, &cases[9 + j].pkts[i])) {
				cases[9 + j].pkts = NULL;
				break;
			}
		}
	}
	/* fullnat: SYNs of new flows; NFLOW copies of one established ACK (primed). */
	s_fnsyn4.tcp_flags = 0x02;
	s_fnsyn4.sport = 2000;
	cases[11].pkts = build(&s_fnsyn4, NFLOW);
	cases[12].pkts = calloc(NFLOW, sizeof(struct pkt));
	for (i = 0; cases[12].pkts && i < NFLOW; i++)
		pkt_build(&s_fn4, &cases[12].pkts[i]);
	/* cases[13] (replies) are built once the established flow has its SNAT port, below. */
	cases[13].pkts = calloc(NFLOW, sizeof(struct pkt));
	for (i = 0; i < NCASES; i++)
		if (!cases[i].pkts) {
			fprintf(stderr, "bench_xdp: cannot build packets\n");
			return 1;
		}

	/* One CPU: both programs see the same caches and frequency. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	if (net_up() || load() || nat_setup()) {
		fprintf(stderr, "bench_xdp: set-up failed\n");
		return 1;
	}
	for (i = 0; i < NCASES; i++) {
		int action;

		if (cases[i].prime && run(b.xlb_fd, &cases[i].pkts[0], 1, &action) < 0)
			return 1;
	}
	{
		/* The backend's reply to the established fullnat flow: to its SNAT port. */
		struct xlb_flow_key fk;
		struct xlb_flow fl;
		char be[INET_ADDRSTRLEN];
		struct pkt_spec rp = SPEC(4, "10.9.0.11", "10.9.0.1", 0);
		struct xlb_backend bv;

		pkt_flow_key(&s_fn4, &fk);
		if (ct_lookup(bpf_map__fd(b.xlb->maps.BENCH_CT_MAP), &fk, &fl) ||
		    bpf_map_lookup_elem(bpf_map__fd(b.xlb->maps.XLB_BACKENDS_MAP), &fl.backend_id,
					&bv) || !fl.nat_port) {
			fprintf(stderr, "bench_xdp: fullnat flow not established\n");
			return 1;
		}
		inet_ntop(AF_INET, &bv.addr, be, sizeof(be));
		rp.src = be;
		rp.sport = 8080;
		rp.dport = ntohs(fl.nat_port);
		for (i = 0; i < NFLOW; i++)
			if (pkt_build(&rp, &cases[13].pkts[i]))
				return 1;
	}
	if (only && !strcmp(only, "--capture"))
		return capture_cost(cases, NCASES) ? 1 : 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NCASES; i++) {
			struct bcase *c = &cases[i];
			double base;

			if (only && strcmp(only, c->name))
				continue;
			base = measure(c, b.drop_fd, 0);
			ns = measure(c, b.xlb_fd, 1);
			if (base <= 0 || ns < 0)
				return 1;
			c->ns[r] = ns;
			c->ratio[r] = ns / base;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	ct_print_bytes(b.xlb->maps.BENCH_CT_MAP);
	svc_print_bytes();
	printf("# case ns_per_packet ratio_to_xdp_drop  (%d rounds, medians, %.1f s)\n", ROUNDS,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < NCASES; i++)
		if (!only || !strcmp(only, cases[i].name))
			printf("%s %.1f %.2f\n", cases[i].name, median(cases[i].ns, ROUNDS),
		       median(cases[i].ratio, ROUNDS));
	/* Baselines for reference: XDP_DROP by both methods. */
	for (j = 0; j < 2; j++) {
		double v[ROUNDS];
		struct bcase *c = &cases[j == 0 ? 1 : 5];

		for (r = 0; r < ROUNDS; r++)
			v[r] = c->ns[r] / c->ratio[r];
		printf("# xdp_drop %s: %.1f ns\n", j == 0 ? "repeat" : "repeat=1", median(v, ROUNDS));
	}
	xlb__destroy(b.xlb);
	bench_drop__destroy(b.drop);
	return rc;
}
