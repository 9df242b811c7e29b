// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktgen_live.c - the "live" engine of tools/pktgen: BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs tools/bpf/pktgen.bpf.c on frames from a page pool
 * and sends each one it returns XDP_TX for out of ctx_in.ingress_ifindex:
 * about 7 Mpps of 64-byte frames from one core (../shared/PLATFORM.md).
 *
 * Each test-run call costs milliseconds of set-up, so calls are sized to last
 * about --chunk-ms. Packets are counted by the program (pg_count), so queued
 * and done are the same number. Some hosts refuse live frames (EPERM without
 * CAP_SYS_RESOURCE): open() finds out with one probe run in which the program
 * drops its frame, so nothing is sent or counted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "pktgen.h"
#include "pktgen.skel.h"

#define PG_BATCH 64

struct pg_live {
	struct pktgen *skel;
	int prog_fd, map_fd, ncpu, ifindex;
	__u64 base, *vals;
	struct xdp_md ctx;
	const struct pg_frames *fr;
};

static void configure(struct pktgen *skel, const struct pg_frames *fr)
{
	memcpy((void *)skel->rodata->pg_tmpl, fr->buf, fr->hdr_len);
	skel->rodata->pg_hdr_len = fr->hdr_len;
	skel->rodata->pg_family = fr->family;
	skel->rodata->pg_proto = fr->proto;
	skel->rodata->pg_flows = fr->flows;
	skel->rodata->pg_nsrc = fr->nsrc;
	skel->rodata->pg_ndst = fr->ndst;
	skel->rodata->pg_nsport = fr->nsport;
	skel->rodata->pg_ndport = fr->ndport;
	skel->rodata->pg_src_lo = fr->src_lo;
	skel->rodata->pg_dst_lo = fr->dst_lo;
	skel->rodata->pg_sport_lo = fr->sport_lo;
	skel->rodata->pg_dport_lo = fr->dport_lo;
}

/* Packets generated so far: pg_count summed over CPUs. */
static int read_count(struct pg_live *l, __u64 *total)
{
	__u32 key = 0;
	int i;

	if (bpf_map_lookup_elem(l->map_fd, &key, l->vals))
		return -errno;
	*total = 0;
	for (i = 0; i < l->ncpu; i++)
		*total += l->vals[i];
	return 0;
}

/* One test-run call of `repeat` runs; the caller checks the result. */
static int test_run(struct pg_live *l, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = l->fr->buf, .data_size_in = l->fr->len,
		    .ctx_in = &l->ctx, .ctx_size_in = sizeof(l->ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = PG_BATCH, .repeat = repeat);

	if (bpf_prog_test_run_opts(l->prog_fd, &topts))
		return -errno;
	return 0;
}

static int live_send(struct pg_engine *e, __u64 n)
{
	struct pg_live *l = e->priv;
	__u64 cur;
	int err;

	err = test_run(l, n > UINT32_MAX ? UINT32_MAX : n);
	if (err && !(err == -EINTR && pg_stop)) {
		pr_warn("BPF_PROG_TEST_RUN on ifindex %d: %s", l->ifindex, strerror(-err));
		return err;
	}
	err = read_count(l, &cur);
	if (err)
		return err;
	e->queued = e->done = cur - l->base;
	return 0;
}

static int live_flush(struct pg_engine *e)
{
	return 0; /* every call has finished sending when it returns */
}

static void live_close(struct pg_engine *e)
{
	struct pg_live *l = e->priv;

	if (!l)
		return;
	pktgen__destroy(l->skel);
	free(l->vals);
	free(l);
	e->priv = NULL;
}

int pg_live_open(const struct pg_opts *o, const struct pg_frames *fr, int ifindex,
		 struct pg_engine *e)
{
	struct pg_live *l;
	int err;

	e->name = "live";
	e->send = live_send;
	e->flush = live_flush;
	e->close = live_close;
	e->max_call = 0;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	e->priv = l;
	l->fr = fr;
	l->ifindex = ifindex;
	l->ctx = (struct xdp_md){ .data_end = fr->len, .ingress_ifindex = ifindex };
	if (fr->hdr_len > PG_TMPL_MAX) {
		err = -EINVAL;
		snprintf(e->why, sizeof(e->why), "headers longer than %d bytes", PG_TMPL_MAX);
		goto err;
	}
	l->ncpu = libbpf_num_possible_cpus();
	if (l->ncpu <= 0) {
		err = l->ncpu ? l->ncpu : -EINVAL;
		snprintf(e->why, sizeof(e->why), "counting CPUs: %s", strerror(-err));
		goto err;
	}
	l->vals = calloc(l->ncpu, sizeof(*l->vals));
	if (!l->vals) {
		err = -ENOMEM;
		goto err;
	}
	l->skel = pktgen__open();
	if (!l->skel) {
		err = -errno;
		snprintf(e->why, sizeof(e->why), "opening the pktgen BPF object: %s",
			 strerror(-err));
		goto err;
	}
	configure(l->skel, fr);
	err = pktgen__load(l->skel);
	if (err) {
		snprintf(e->why, sizeof(e->why), "loading the pktgen BPF program: %s",
			 strerror(-err));
		goto err;
	}
	l->prog_fd = bpf_program__fd(l->skel->progs.xlb_pktgen);
	l->map_fd = bpf_map__fd(l->skel->maps.pg_count);

	/* The probe: one live run whose frame the program drops uncounted. */
	l->skel->bss->pg_probe = 1;
	err = test_run(l, 1);
	l->skel->bss->pg_probe = 0;
	if (err) {
		snprintf(e->why, sizeof(e->why),
			 "BPF_PROG_TEST_RUN with live frames on ifindex %d: %s", ifindex,
			 strerror(-err));
		goto err;
	}
	err = read_count(l, &l->base);
	if (err) {
		snprintf(e->why, sizeof(e->why), "reading pg_count: %s", strerror(-err));
		goto err;
	}
	snprintf(e->mode, sizeof(e->mode), "BPF_PROG_TEST_RUN live frames, batch %d", PG_BATCH);
	return 0;
err:
	live_close(e);
	return err;
}
