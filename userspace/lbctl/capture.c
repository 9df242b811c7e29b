// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl capture [--service S] [--backend B] [--reason R] [--count N]
 *               [--duration S] [--snaplen L] [--rate PPS] [--burst N] [--tx]
 *               -w FILE|-
 *
 * Packets as the XDP program saw them (and, with --tx, as it sent them),
 * written as a pcap file with libpcap. lbd runs the capture (lbd/capture.c:
 * lbctl never writes maps); lbctl starts a session, polls its records and
 * stops it on --count, --duration, Ctrl-C, SIGTERM or a closed pipe
 * (`-w - | tcpdump -r -`).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "etcd.h" /* xlb_b64_decode (b64.c) */
#include "lbctl.h"
#include "proto.h"
#include "xlb.h"

#define POLL_MS 50

static int parse_ul(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		    unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s ? s : "", &end, 10);
	if (!s || !*s || *end || errno || *out < lo || *out > hi) {
		fprintf(stderr, "lbctl: capture: %s \"%s\": expected %lu..%lu\n", opt, s ? s : "",
			lo, hi);
		return -EINVAL;
	}
	return 0;
}

static long long jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Write the records of one read; returns how many, or -1 when the output failed. */
static long write_records(pcap_dumper_t *d, json_t *recs, unsigned long limit)
{
	json_t *r;
	size_t i;
	long n = 0;

	json_array_foreach(recs, i, r) {
		struct pcap_pkthdr h;
		long long ts = jint(r, "ts_ns");
		char *data = NULL;
		size_t len = 0;

		if (limit && (unsigned long)n >= limit)
			break;
		if (xlb_b64_decode(json_string_value(json_object_get(r, "data")) ?: "", &data,
				   &len)) {
			fprintf(stderr, "lbctl: capture: a record lbd sent is not base64\n");
			continue;
		}
		h.ts.tv_sec = ts / 1000000000LL;
		h.ts.tv_usec = ts % 1000000000LL; /* nanoseconds: the dumper's precision */
		h.caplen = len;
		h.len = jint(r, "len");
		pcap_dump((u_char *)d, &h, (const u_char *)data);
		free(data);
		n++;
	}
	return pcap_dump_flush(d) ? -1 : n;
}

static int lbctl_capture(const char *sock, bool json, char **argv, int argc)
{
	const char *out = NULL;
	unsigned long count = 0, v;
	double duration = 0, deadline = 0;
	json_t *args = json_object(), *r = NULL, *ctr = NULL;
	pcap_dumper_t *d = NULL;
	unsigned long written = 0;
	json_int_t session;
	const char *svc;
	pcap_t *p = NULL;
	int i, rc = 1;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--tx")) {
			json_object_set_new(args, "tx", json_true());
			continue;
		}
		if (!strcmp(o, "--service") || !strcmp(o, "--backend") || !strcmp(o, "--reason")) {
			if (!val || !*val) {
				fprintf(stderr, "lbctl: capture: %s needs a value\n", o);
				goto usage;
			}
			json_object_set_new(args, o + 2, json_string(val));
		} else if (!strcmp(o, "-w")) {
			if (!val) {
				fprintf(stderr, "lbctl: capture: -w needs FILE (or - for stdout)\n");
				goto usage;
			}
			out = val;
		} else if (!strcmp(o, "--duration")) {
			char *end;

			duration = strtod(val ? val : "", &end);
			if (!val || !*val || *end || !(duration > 0 && duration <= 86400 * 365)) {
				fprintf(stderr, "lbctl: capture: --duration \"%s\": seconds > 0\n",
					val ? val : "");
				goto usage;
			}
		} else if (!strcmp(o, "--count")) {
			if (parse_ul(o, val, 1, 1UL << 40, &count))
				goto usage;
		} else if (!strcmp(o, "--snaplen") || !strcmp(o, "--rate") || !strcmp(o, "--burst")) {
			if (parse_ul(o, val, 1, !strcmp(o, "--snaplen") ? XLB_CAP_SNAP_MAX : 1000000,
				     &v))
				goto usage;
			json_object_set_new(args, o + 2, json_integer(v));
		} else {
			fprintf(stderr, "lbctl: capture: unexpected argument \"%s\"\n", o);
			goto usage;
		}
		i++;
	}
	if (!out) {
		fprintf(stderr, "lbctl: capture: -w FILE (or -w - for stdout) is required\n");
		goto usage;
	}
	if (json_object_get(args, "backend") && !json_object_get(args, "service")) {
		fprintf(stderr, "lbctl: capture: --backend needs --service\n");
		goto usage;
	}
	if (!strcmp(out, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "lbctl: capture: not writing pcap to a terminal (pipe it, e.g. "
				"| tcpdump -r -)\n");
		goto usage;
	}
	svc = json_string_value(json_object_get(args, "service"));
	svc = svc ? strdup(svc) : NULL; /* args goes with the request */
	if (rpc(sock, "capture", "capture.start", args, &r))
		return 1;
	session = jint(r, "session");
	p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)jint(r, "snaplen"),
						 PCAP_TSTAMP_PRECISION_NANO);
	d = p ? pcap_dump_open(p, out) : NULL;
	if (!d) {
		fprintf(stderr, "lbctl: capture: %s: %s\n", out, p ? pcap_geterr(p) : "libpcap");
		goto stop;
	}
	stop_on_signals();
	signal(SIGPIPE, SIG_IGN); /* a closed pipe shows as a write error */
	fprintf(stderr, "lbctl: capturing on %s (session %lld, snaplen %lld, at most %lld/s per CPU "
			"after a burst of %lld)%s; Ctrl-C stops\n",
		json_string_value(json_object_get(r, "interface")) ?: "?", (long long)session,
		jint(r, "snaplen"), jint(r, "rate"), jint(r, "burst"),
		json_is_true(json_object_get(r, "tx")) ? ", frames as sent too" : "");
	json_decref(r);
	r = NULL;
	deadline = duration ? now_s() + duration : 0;
	while (!stop_requested && (!count || written < count) && (!deadline || now_s() < deadline)) {
		json_t *res;
		long n;

		if (rpc(sock, "capture", "capture.read",
			json_pack("{s:I, s:i, s:s?}", "session", session, "max", 1024, "service", svc),
			&res))
			goto stop;
		n = write_records(d, json_object_get(res, "records"), count ? count - written : 0);
		json_decref(ctr);
		ctr = json_incref(json_object_get(res, "counters"));
		if (n < 0) {
			fprintf(stderr, "lbctl: capture: writing %s: %s\n", out, strerror(errno));
			json_decref(res);
			goto stop;
		}
		written += n;
		if (!json_is_true(json_object_get(res, "more")))
			usleep(POLL_MS * 1000);
		json_decref(res);
	}
	rc = 0;
stop:
	if (!rpc(sock, "capture", "capture.stop", json_pack("{s:I, s:s?}", "session", session, "service", svc),
		 &r)) {
		json_decref(ctr);
		ctr = json_incref(json_object_get(r, "counters"));
	}
	if (d)
		pcap_dump_close(d);
	if (p)
		pcap_close(p);
	if (json && ctr) {
		json_t *o = json_pack("{s:I, s:O}", "written", (json_int_t)written, "counters", ctr);

		json_dumpf(o, stderr, JSON_COMPACT);
		fprintf(stderr, "\n");
		json_decref(o);
	} else if (ctr) {
		fprintf(stderr, "lbctl: capture: %lu packets written; %lld matched, %lld captured, "
				"%lld not captured (rate bound), %lld lost (ring full), %lld dropped "
				"by lbd\n",
			written, jint(ctr, "matched"), jint(ctr, "captured"), jint(ctr, "bounded"),
			jint(ctr, "lost"), jint(ctr, "queue_dropped"));
	}
	json_decref(ctr);
	json_decref(r);
	free((char *)svc);
	return rc;
usage:
	json_decref(args);
	return 2;
}

static int do_capture(const struct command *c, char **argv, int argc)
{
	return lbctl_capture(sock_path, json_out, argv, argc);
}

static const struct command cmds[] = {
	{ "capture", "[--service S] [--backend B] [--reason R] [--count N] [--duration S] "
		     "[--snaplen L] [--rate PPS] [--burst N] [--tx] -w FILE|-", 2, 21,
	  "Capture packets as the XDP program saw them (--tx: and as it sent them) into a\n"
	  "pcap file (-w - writes to stdout: lbctl capture -w - | tcpdump -nr -). Filters:\n"
	  "--service (its VIP:port/proto), --backend (forwarded to it; needs --service),\n"
	  "--reason (a counter of lbctl stats, e.g. drop_acl_global). lbd runs the\n"
	  "capture; it stops after N records (--tx: a forwarded packet is two), after\n"
	  "--duration seconds, on Ctrl-C, or when the output closes. At most PPS records per second per CPU\n"
	  "(default 1000) after a burst of N (default 100): the data path is never\n"
	  "slowed by a capture; what the bound leaves out is counted and shown at the\n"
	  "end. --snaplen: bytes per packet (default and max 2048). Role: operator.",
	  do_capture },
};

const struct cmd_table capture_cmds = CMD_TABLE(cmds);
