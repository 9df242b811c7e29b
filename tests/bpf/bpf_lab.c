// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* bpf_lab.c - shared lab set-up of the BPF tests (see bpf_lab.h). */
#include <bpf/bpf.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf_lab.h"
#include "pkt.h"

int bpf_lab_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "lab: `%s` failed (%d)\n", cmd, rc);
	return rc == 0 ? 0 : -1;
}

int bpf_lab_libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int bpf_lab_netns(const char *const *cmds, size_t n)
{
	size_t i;

	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "lab: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (bpf_lab_sh("ip link set lo up >/dev/null 2>&1"))
		return -1;
	for (i = 0; i < n; i++)
		if (bpf_lab_sh("%s >/dev/null 2>&1", cmds[i]))
			return -1;
	return 0;
}

/*
 * The kernel lays array elements out with an 8-byte stride
 * (round_up(value_size, 8)): slot i is at byte offset 8 * i (as dp.c).
 */
#define ARRAY_STRIDE 8

int bpf_lab_table_fill_mmap(int fd, const __u32 *slots, __u32 size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = ((size_t)size * ARRAY_STRIDE + page - 1) / page * page;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	__u32 i;

	if (m == MAP_FAILED)
		return -errno;
	for (i = 0; i < size; i++)
		memcpy(m + (size_t)i * ARRAY_STRIDE, &slots[i], sizeof(*slots));
	munmap(m, len);
	return 0;
}

int bpf_lab_table_create(const __u32 *slots, __u32 size, int use_mmap)
{
	/*
	 * The template carries BPF_F_INNER_MAP, and the kernel compares
	 * map_flags of template and inner map (bpf_map_meta_equal): the inner
	 * instances need the flag too.
	 */
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP | BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_tbl", 4, 4, size, &opts);
	int err = 0;
	__u32 i;

	if (fd < 0)
		return -errno;
	if (use_mmap) {
		err = bpf_lab_table_fill_mmap(fd, slots, size);
	} else {
		for (i = 0; i < size && !err; i++)
			if (bpf_map_update_elem(fd, &i, &slots[i], BPF_ANY))
				err = -errno;
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int bpf_lab_run_xdp(int prog_fd, const void *pkt, __u32 len, int ifindex, void *out,
		    __u32 *out_len, int *action)
{
	struct xdp_md ctx = {.data_end = len, .ingress_ifindex = ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .data_out = out,
		    .data_size_out = PKT_MAX, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*out_len = opts.data_size_out;
	*action = opts.retval;
	return 0;
}
