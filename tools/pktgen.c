// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktgen - a traffic generator with a choice of engines (pktgen.h):
 *
 *   live    BPF_PROG_TEST_RUN live frames (pktgen_live.c): about 7 Mpps of
 *           64-byte frames from one core, where the host allows it
 *   afxdp   an AF_XDP socket through libxdp (pktgen_afxdp.c)
 *   packet  an AF_PACKET TX ring with qdisc bypass (pktgen_packet.c)
 *   auto    the first of these the host allows, in that order
 *
 * This file parses the options, builds the frame template (Ethernet,
 * IPv4/IPv6, UDP or TCP, lengths and checksums, with tests/lib/pkt.c),
 * picks the engine, and runs the one send loop every engine shares: its
 * --count, --duration and --rate, its per-second lines and its total line
 * are the same whichever engine sends.
 *
 * A --rate limit is coarse: bursts of 50 ms worth of packets at full speed,
 * then a pause.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pkt.h"
#include "pktgen.h"

#define PG_BATCH 64
#define PG_FIRST_CALL 65536 /* packets in the first call, to estimate the rate */
/* Exit status when the chosen engine is refused by the host (see --help). */
#define PG_EXIT_REFUSED 3

volatile sig_atomic_t pg_stop;

static void on_signal(int sig)
{
	pg_stop = 1;
}

static const struct {
	const char *name;
	enum pg_engine_id id;
	pg_engine_open_fn open;
} engines[] = {
	/* auto tries them in this order: the fastest first */
	{ "live", PG_ENGINE_LIVE, pg_live_open },
	{ "afxdp", PG_ENGINE_AFXDP, pg_afxdp_open },
	{ "packet", PG_ENGINE_PACKET, pg_packet_open },
};

static int parse_engine(const char *s, enum pg_engine_id *id)
{
	size_t i;

	if (!strcmp(s, "auto")) {
		*id = PG_ENGINE_AUTO;
		return 0;
	}
	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (!strcmp(s, engines[i].name)) {
			*id = engines[i].id;
			return 0;
		}
	}
	return -EINVAL;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktgen --iface IF --dst-mac MAC --dst IP[-IP] [options]\n"
"\n"
"Sends UDP or TCP frames out of IF at up to line rate. Needs root.\n"
"\n"
"Engines (--engine, or XLB_PKTGEN_ENGINE in the environment; default auto):\n"
"  live     BPF_PROG_TEST_RUN live frames: an XDP program returning XDP_TX on\n"
"           frames of a kernel page pool. The fastest (about 7 Mpps of 64-byte\n"
"           frames from one core), but some hosts refuse it (EPERM without\n"
"           CAP_SYS_RESOURCE). The peer of a veth IF needs an XDP program or\n"
"           GRO on, or the frames vanish silently.\n"
"  afxdp    an AF_XDP socket (libxdp), TX only, no XDP program loaded: a UMEM\n"
"           of frames built once and patched per flow; zero-copy where the\n"
"           driver has it, copy mode otherwise (veth: about 1 Mpps, each frame\n"
"           copied into an skb).\n"
"  packet   an AF_PACKET socket with a TX ring (TPACKET_V2) and qdisc bypass:\n"
"           works wherever raw sockets do; the slowest (about 0.6 Mpps).\n"
"  auto     the first of live, afxdp, packet that the host allows: live is\n"
"           probed with one run that sends nothing.\n"
"The engine in use and why it was chosen go to stderr in one line\n"
"(\"engine NAME (MODE): REASON\"). Every engine sends the same frames with\n"
"valid checksums, counts the same way and prints the same output.\n"
"\n"
"Where:\n"
"  -i, --iface IF          send out of IF (in the current network namespace)\n"
"  -n, --netns NAME        first enter network namespace NAME (/run/netns/NAME,\n"
"                          or a path such as /proc/PID/ns/net)\n"
"  -c, --cpu N             pin the generator to CPU N (default: not pinned)\n"
"  -e, --engine E          auto, live, afxdp or packet (above)\n"
"      --dry-run           set the engine up (auto: choose it), say which, and\n"
"                          exit without sending anything\n"
"\n"
"Frames:\n"
"      --src-mac MAC       source MAC (default: the address of IF)\n"
"      --dst-mac MAC       destination MAC (required)\n"
"  -s, --src IP[-IP]       source address or range (default 198.18.0.1, or\n"
"                          2001:db8::1 when --dst is IPv6)\n"
"  -d, --dst IP[-IP]       destination address or range (required); IPv4 or\n"
"                          IPv6. An IPv6 range may vary only its last 32 bits\n"
"      --sport P[-P]       source port or range (default 1024-65535)\n"
"      --dport P[-P]       destination port or range (default 9)\n"
"  -f, --flows N           distinct 5-tuples, cycled packet by packet\n"
"                          (default 1); varied source port first, then source\n"
"                          address, destination port, destination address\n"
"  -p, --proto udp|syn|ack UDP, TCP SYN or TCP ACK (default udp)\n"
"  -S, --size BYTES        frame size on the wire including the 4-byte FCS,\n"
"                          %d..%d (default: %d, the classic 64-byte packet,\n"
"                          or the headers + FCS when larger: 66 IPv6 UDP,\n"
"                          78 IPv6 TCP)\n"
"\n"
"How much:\n"
"  -N, --count N           stop after N packets\n"
"  -t, --duration S        stop after S seconds (decimals allowed)\n"
"                          (neither: run until SIGINT/SIGTERM)\n"
"  -r, --rate PPS          limit to about PPS packets per second; coarse:\n"
"                          50 ms bursts at full speed, then a pause\n"
"      --chunk-ms MS       live: length of one test-run call (default 500)\n"
"  -q, --quiet             print only the total line\n"
"  -h, --help              this text\n"
"\n"
"Output: one line per second (packets, pps, bits per second counted on\n"
"frames including FCS), then\n"
"  total: N packets in T s: P pps, B bps (S-byte frames)\n"
"Packets are counted when the kernel has taken them (live: as generated by\n"
"the XDP program; afxdp: completion ring; packet: TX ring slot released); a\n"
"frame the kernel takes but cannot deliver (a full veth ring) still counts.\n"
"\n"
"Exit status: 0 done, 1 error, 2 bad arguments, %d the engine asked for is\n"
"refused by the host (EPERM, EOPNOTSUPP, ...; the reason is on stderr).\n"
"\n"
"Example (64-byte UDP, 1024 flows, 10 s, from namespace gen):\n"
"  pktgen --netns gen -i veth0 --dst-mac 02:00:00:00:00:02 \\\n"
"         --src 10.1.0.1-10.1.0.4 --dst 10.100.0.10 --dport 5000 \\\n"
"         --flows 1024 --duration 10\n",
		PG_MIN_SIZE, PG_MAX_SIZE, PG_MIN_SIZE, PG_EXIT_REFUSED);
}

double pg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_u64(const char *s, __u64 min, __u64 max, __u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "P" or "P-P", 1..65535, lo <= hi. */
static int parse_ports(const char *s, __u16 *lo, __u16 *hi)
{
	char buf[32], *dash;
	__u64 a, b;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_u64(buf, 1, 65535, &a))
		return -EINVAL;
	b = a;
	if (dash && parse_u64(dash, 1, 65535, &b))
		return -EINVAL;
	if (b < a)
		return -EINVAL;
	*lo = a;
	*hi = b;
	return 0;
}

/* "IP" or "IP-IP" of one family; only the last 32 bits may differ. */
static int parse_range(const char *s, int *family, struct pg_range *r)
{
	char buf[2 * INET6_ADDRSTRLEN + 2], *dash;
	int fam = strchr(s, ':') ? 6 : 4, af = fam == 6 ? AF_INET6 : AF_INET;
	size_t alen = fam == 6 ? 16 : 4;
	__u32 lo, hi;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	memset(r, 0, sizeof(*r));
	if (inet_pton(af, buf, r->lo) != 1)
		return -EINVAL;
	if (dash) {
		if (inet_pton(af, dash, r->hi) != 1)
			return -EINVAL;
	} else {
		memcpy(r->hi, r->lo, alen);
	}
	if (memcmp(r->lo, r->hi, alen - 4))
		return -ERANGE;
	memcpy(&lo, r->lo + alen - 4, 4);
	memcpy(&hi, r->hi + alen - 4, 4);
	lo = ntohl(lo);
	hi = ntohl(hi);
	if (hi < lo || hi - lo == UINT32_MAX)
		return -ERANGE;
	r->n = hi - lo + 1;
	if (*family && *family != fam)
		return -EAFNOSUPPORT;
	*family = fam;
	return 0;
}

static __u32 range_lo32(const struct pg_range *r, int family)
{
	__u32 v;

	memcpy(&v, r->lo + (family == 6 ? 12 : 0), 4);
	return ntohl(v);
}

static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, err = 0;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("network namespace %s: %s", path, strerror(-err));
		return err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = -errno;
		pr_warn("entering network namespace %s: %s", path, strerror(-err));
	}
	close(fd);
	return err;
}

static int iface_mac(const char *iface, __u8 mac[ETH_ALEN])
{
	struct ifreq ifr = {};
	int sk, err = 0;

	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(sk, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(sk);
	return err;
}

static int parse_args(int argc, char **argv, struct pg_opts *o)
{
	enum { OPT_SMAC = 256, OPT_DMAC, OPT_SPORT, OPT_DPORT, OPT_CHUNK, OPT_DRY_RUN };
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "netns", required_argument, NULL, 'n' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "engine", required_argument, NULL, 'e' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "src-mac", required_argument, NULL, OPT_SMAC },
		{ "dst-mac", required_argument, NULL, OPT_DMAC },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "sport", required_argument, NULL, OPT_SPORT },
		{ "dport", required_argument, NULL, OPT_DPORT },
		{ "flows", required_argument, NULL, 'f' },
		{ "proto", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'N' },
		{ "duration", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "chunk-ms", required_argument, NULL, OPT_CHUNK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *src = NULL, *dst = NULL, *env = getenv("XLB_PKTGEN_ENGINE");
	__u64 v;
	char *end;
	int c, err;

	*o = (struct pg_opts){
		.sport_lo = 1024, .sport_hi = 65535, .dport_lo = 9, .dport_hi = 9,
		.flows = 1, .proto = IPPROTO_UDP, .cpu = -1,
		.chunk_ms = 500, .engine = PG_ENGINE_AUTO,
	};
	if (env && *env) {
		if (parse_engine(env, &o->engine)) {
			pr_warn("XLB_PKTGEN_ENGINE '%s': not auto, live, afxdp or packet", env);
			return -EINVAL;
		}
		o->engine_from = "XLB_PKTGEN_ENGINE";
	}
	while ((c = getopt_long(argc, argv, "i:n:c:e:s:d:f:p:S:N:t:r:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 'n':
			o->netns = optarg;
			break;
		case 'c':
			if (parse_u64(optarg, 0, CPU_SETSIZE - 1, &v))
				goto bad;
			o->cpu = v;
			break;
		case 'e':
			if (parse_engine(optarg, &o->engine))
				goto bad;
			o->engine_from = "--engine";
			break;
		case OPT_DRY_RUN:
			o->dry_run = true;
			break;
		case OPT_SMAC:
			if (pkt_parse_mac(optarg, o->smac))
				goto bad;
			o->have_smac = true;
			break;
		case OPT_DMAC:
			if (pkt_parse_mac(optarg, o->dmac))
				goto bad;
			o->have_dmac = true;
			break;
		case 's':
			src = optarg;
			break;
		case 'd':
			dst = optarg;
			break;
		case OPT_SPORT:
			if (parse_ports(optarg, &o->sport_lo, &o->sport_hi))
				goto bad;
			break;
		case OPT_DPORT:
			if (parse_ports(optarg, &o->dport_lo, &o->dport_hi))
				goto bad;
			break;
		case 'f':
			if (parse_u64(optarg, 1, UINT32_MAX, &v))
				goto bad;
			o->flows = v;
			break;
		case 'p':
			if (!strcmp(optarg, "udp")) {
				o->proto = IPPROTO_UDP;
			} else if (!strcmp(optarg, "syn")) {
				o->proto = IPPROTO_TCP;
				o->tcp_flags = 0x02;
			} else if (!strcmp(optarg, "ack")) {
				o->proto = IPPROTO_TCP;
				o->tcp_flags = 0x10;
			} else {
				goto bad;
			}
			break;
		case 'S':
			if (parse_u64(optarg, PG_MIN_SIZE, PG_MAX_SIZE, &v))
				goto bad;
			o->size = v;
			break;
		case 'N':
			if (parse_u64(optarg, 1, UINT64_MAX, &o->count))
				goto bad;
			break;
		case 't':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->duration > 0))
				goto bad;
			break;
		case 'r':
			if (parse_u64(optarg, 1, UINT64_MAX, &o->rate))
				goto bad;
			break;
		case OPT_CHUNK:
			if (parse_u64(optarg, 10, 10000, &v))
				goto bad;
			o->chunk_ms = v;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_warn("unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (!o->iface || !o->have_dmac || !dst) {
		pr_warn("--iface, --dst-mac and --dst are required (see --help)");
		return -EINVAL;
	}
	err = parse_range(dst, &o->family, &o->dst);
	if (err) {
		pr_warn("--dst '%s': %s", dst,
			err == -ERANGE ? "not a range lo-hi differing only in the last 32 bits"
				       : "not an IPv4/IPv6 address or range");
		return -EINVAL;
	}
	if (!src)
		src = o->family == 6 ? "2001:db8::1" : "198.18.0.1";
	err = parse_range(src, &o->family, &o->src);
	if (err) {
		pr_warn("--src '%s': %s", src,
			err == -EAFNOSUPPORT ? "not the address family of --dst"
			: err == -ERANGE     ? "not a range lo-hi differing only in the last 32 bits"
					     : "not an IPv4/IPv6 address or range");
		return -EINVAL;
	}
	return 0;
bad:
	for (err = 0; longopts[err].name && longopts[err].val != c; err++)
		;
	pr_warn("--%s '%s': invalid value (see --help)",
		longopts[err].name ? longopts[err].name : "?", optarg);
	return -EINVAL;
}

/* Build the flow-0 frame (lowest addresses and ports) and its flow layout into fr. */
static int build_frames(struct pg_opts *o, struct pg_frames *fr)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = o->family == 6 ? AF_INET6 : AF_INET;
	size_t l3 = o->family == 6 ? 40 : 20, l4 = o->proto == IPPROTO_TCP ? 20 : 8;
	size_t frame, hdr = ETH_HLEN + l3 + l4;
	struct pkt_spec spec = {
		.family = o->family,
		.proto = o->proto,
		.src = s,
		.dst = d,
		.sport = o->sport_lo,
		.dport = o->dport_lo,
		.tcp_flags = o->tcp_flags,
	};
	struct pkt *p;
	__u64 tuples;

	if (!o->size)
		o->size = hdr + PG_FCS_LEN > PG_MIN_SIZE ? hdr + PG_FCS_LEN : PG_MIN_SIZE;
	frame = o->size - PG_FCS_LEN;
	if (hdr > frame) {
		pr_warn("--size %u: too small for %s %s headers (at least %zu bytes with FCS)",
			o->size, o->family == 6 ? "IPv6" : "IPv4",
			o->proto == IPPROTO_TCP ? "TCP" : "UDP", hdr + PG_FCS_LEN);
		return -EINVAL;
	}
	inet_ntop(af, o->src.lo, s, sizeof(s));
	inet_ntop(af, o->dst.lo, d, sizeof(d));
	memcpy(spec.smac, o->smac, ETH_ALEN);
	memcpy(spec.dmac, o->dmac, ETH_ALEN);
	spec.payload_len = frame - hdr;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (pkt_build(&spec, p) || p->len != frame || p->len > sizeof(fr->buf)) {
		pr_warn("cannot build a %u-byte frame", o->size);
		free(p);
		return -EINVAL;
	}
	memcpy(fr->buf, p->buf, p->len);
	free(p);
	fr->len = frame;
	fr->hdr_len = hdr;
	fr->family = o->family;
	fr->proto = o->proto;
	fr->flows = o->flows;
	fr->nsrc = o->src.n;
	fr->ndst = o->dst.n;
	fr->nsport = o->sport_hi - o->sport_lo + 1;
	fr->ndport = o->dport_hi - o->dport_lo + 1;
	fr->src_lo = range_lo32(&o->src, o->family);
	fr->dst_lo = range_lo32(&o->dst, o->family);
	fr->sport_lo = o->sport_lo;
	fr->dport_lo = o->dport_lo;

	tuples = (__u64)fr->nsrc * fr->ndst * fr->nsport * fr->ndport;
	if (o->flows > tuples)
		pr_warn("--flows %u: the ranges give only %llu distinct 5-tuples; flows repeat",
			o->flows, (unsigned long long)tuples);
	return 0;
}

/* One's-complement sums on 16-bit words in network order (RFC 1624 eqn. 3). */
static __u32 csum_add32(__u32 sum, __u32 be_old, __u32 be_new)
{
	sum += (~be_old & 0xffff) + (~be_old >> 16);
	sum += (be_new & 0xffff) + (be_new >> 16);
	return sum;
}

static __u16 csum_apply(__u16 be_check, __u32 sum)
{
	sum += (__u16)~be_check;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * The userspace twin of tools/bpf/pktgen.bpf.c: restore the headers from flow 0,
 * then set flow f's addresses and ports and patch the checksums. Frames in
 * the engines' rings sit at any alignment: memcpy for every field.
 */
void pg_frame_set_flow(const struct pg_frames *fr, __u8 *frame, __u32 f)
{
	size_t sa_off, da_off, l4_off, check_off;
	__u32 sp, dp, sa, da, sum, old_sa, old_da, new_sa, new_da, old_ports, new_ports;
	__u16 ports[2], check;

	memcpy(frame, fr->buf, fr->hdr_len);
	if (f == 0)
		return; /* the template is flow 0 */
	sp = f % fr->nsport;
	f /= fr->nsport;
	sa = f % fr->nsrc;
	f /= fr->nsrc;
	dp = f % fr->ndport;
	f /= fr->ndport;
	da = f % fr->ndst;

	if (fr->family == 4) {
		sa_off = ETH_HLEN + 12;
		da_off = ETH_HLEN + 16;
		l4_off = ETH_HLEN + 20;
	} else {
		sa_off = ETH_HLEN + 8 + 12; /* last word of the source address */
		da_off = ETH_HLEN + 24 + 12;
		l4_off = ETH_HLEN + 40;
	}
	check_off = l4_off + (fr->proto == IPPROTO_TCP ? 16 : 6);

	memcpy(&old_sa, frame + sa_off, 4);
	memcpy(&old_da, frame + da_off, 4);
	new_sa = htonl(fr->src_lo + sa);
	new_da = htonl(fr->dst_lo + da);
	memcpy(frame + sa_off, &new_sa, 4);
	memcpy(frame + da_off, &new_da, 4);
	sum = csum_add32(0, old_sa, new_sa);
	sum = csum_add32(sum, old_da, new_da);
	if (fr->family == 4) {
		memcpy(&check, frame + ETH_HLEN + 10, 2);
		check = csum_apply(check, sum);
		memcpy(frame + ETH_HLEN + 10, &check, 2);
	}

	memcpy(&old_ports, frame + l4_off, 4);
	ports[0] = htons(fr->sport_lo + sp);
	ports[1] = htons(fr->dport_lo + dp);
	memcpy(&new_ports, ports, 4);
	memcpy(frame + l4_off, ports, 4);
	sum = csum_add32(sum, old_ports, new_ports);
	memcpy(&check, frame + check_off, 2);
	check = csum_apply(check, sum);
	/* UDP: a computed 0 is sent as 0xffff (0 means "no checksum"). */
	if (fr->proto == IPPROTO_UDP && check == 0)
		check = 0xffff;
	memcpy(frame + check_off, &check, 2);
}

static void print_rate(const char *what, __u64 pkts, double secs, __u32 size)
{
	double pps = secs > 0 ? pkts / secs : 0;

	printf("%s%llu packets in %.3f s: %.0f pps, %.0f bps (%u-byte frames)\n", what,
	       (unsigned long long)pkts, secs, pps, pps * size * 8, size);
	fflush(stdout);
}

/*
 * The send loop of every engine: calls of n packets, n sized to last about
 * --chunk-ms at the measured speed (and capped by the engine), the count,
 * the duration and the rate; a line per second and the total.
 */
static int run(struct pg_engine *e, const struct pg_opts *o)
{
	double t0, t_last, t_call, t, pps_est = 0;
	__u64 last_done = 0, q0;
	int err = 0;

	t0 = t_last = pg_now();
	while (!pg_stop) {
		double left = o->duration ? o->duration - (pg_now() - t0) : 0;
		__u64 n;

		if (o->duration && left <= 0)
			break;
		if (o->count && e->queued >= o->count)
			break;
		n = pps_est ? (__u64)(pps_est * o->chunk_ms / 1000) : PG_FIRST_CALL;
		if (o->duration && pps_est && n > pps_est * left)
			n = pps_est * left;
		if (o->rate && n > o->rate / 20)
			n = o->rate / 20;
		if (o->count && n > o->count - e->queued)
			n = o->count - e->queued;
		if (e->max_call && n > e->max_call)
			n = e->max_call;
		if (n < 1)
			n = 1;

		q0 = e->queued;
		t_call = pg_now();
		err = e->send(e, n);
		t = pg_now();
		if (err)
			goto out;
		if (t > t_call && e->queued - q0 >= PG_BATCH)
			pps_est = (e->queued - q0) / (t - t_call);

		if (o->rate) {
			double due = t0 + (double)e->queued / o->rate;

			while (!pg_stop && (t = pg_now()) < due) {
				struct timespec ts = { 0, (long)((due - t) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
		t = pg_now();
		if (!o->quiet && t - t_last >= 1.0) {
			char what[32];

			snprintf(what, sizeof(what), "%7.1f s: ", t - t0);
			print_rate(what, e->done - last_done, t - t_last, o->size);
			t_last = t;
			last_done = e->done;
		}
	}
	err = e->flush(e);
	if (err)
		goto out;
	print_rate("total: ", e->done, pg_now() - t0, o->size);
out:
	return err;
}

/* Errors that mean "this host does not allow it", not "something broke". */
static bool refusal(int err)
{
	return err == -EPERM || err == -EACCES || err == -EOPNOTSUPP || err == -EAFNOSUPPORT ||
	       err == -EPROTONOSUPPORT || err == -ENOSYS;
}

/*
 * Open the engine o->engine, or under auto the first that opens; say once,
 * on stderr, which one and why.
 */
static int open_engine(const struct pg_opts *o, const struct pg_frames *fr, int ifindex,
		       struct pg_engine *e)
{
	char tried[768] = "";
	size_t i, len = 0;
	int err = -ENOENT;

	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (o->engine != PG_ENGINE_AUTO && o->engine != engines[i].id)
			continue;
		memset(e, 0, sizeof(*e));
		err = engines[i].open(o, fr, ifindex, e);
		if (!err)
			break;
		if (o->engine != PG_ENGINE_AUTO) {
			pr_warn("engine %s (%s): %s%s", engines[i].name, o->engine_from,
				e->why[0] ? e->why : strerror(-err),
				refusal(err) ? ": refused by this host" : "");
			return err;
		}
		if (len < sizeof(tried))
			len += snprintf(tried + len, sizeof(tried) - len, "%s%s refused (%s)",
					len ? "; " : "", engines[i].name,
					e->why[0] ? e->why : strerror(-err));
	}
	if (err) {
		pr_warn("no engine works here: %s", tried);
		return err;
	}
	if (o->engine != PG_ENGINE_AUTO)
		pr_info("pktgen: engine %s (%s): chosen by %s", e->name, e->mode, o->engine_from);
	else if (!len)
		pr_info("pktgen: engine %s (%s): auto, live frames allowed here", e->name, e->mode);
	else
		pr_info("pktgen: engine %s (%s): auto, %s", e->name, e->mode, tried);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct pg_frames *fr = NULL;
	struct pg_engine e = {};
	struct pg_opts o;
	int ifindex, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	xlb_log_libbpf();
	if (parse_args(argc, argv, &o))
		return 2;

	if (o.netns && enter_netns(o.netns))
		return 1;
	ifindex = if_nametoindex(o.iface);
	if (!ifindex) {
		pr_warn("interface %s%s%s: %s", o.iface, o.netns ? " in netns " : "",
			o.netns ? o.netns : "", strerror(errno));
		return 1;
	}
	if (!o.have_smac && iface_mac(o.iface, o.smac)) {
		pr_warn("reading the MAC address of %s: %s", o.iface, strerror(errno));
		return 1;
	}
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			pr_warn("pinning to CPU %d: %s", o.cpu, strerror(errno));
			return 1;
		}
	}

	fr = calloc(1, sizeof(*fr));
	if (!fr)
		return 1;
	err = build_frames(&o, fr);
	if (err)
		goto out;
	err = open_engine(&o, fr, ifindex, &e);
	if (err) {
		free(fr);
		return o.engine != PG_ENGINE_AUTO && refusal(err) ? PG_EXIT_REFUSED : 1;
	}
	if (!o.dry_run) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		err = run(&e, &o);
	}
	e.close(&e);
out:
	free(fr);
	return err ? 1 : 0;
}
