// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* bpf_lab.c - shared lab set-up of the BPF tests (see bpf_lab.h). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf_lab.h"
#include "table.h"
#include "xlb.h"
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

int bpf_lab_table_create(const __u32 *slots, __u32 size)
{
	/*
	 * The template carries BPF_F_INNER_MAP, and the kernel compares
	 * map_flags of template and inner map (bpf_map_meta_equal): the inner
	 * instances need the flag too. Packed and filled as lbd does.
	 */
	return xlb_table_create(slots, size, BPF_F_INNER_MAP | BPF_F_MMAPABLE, XLB_SLOT_BYTES);
}

int bpf_lab_table_install(int tables_fd, __u32 svc_id, const __u32 *slots, __u32 size)
{
	int fd = bpf_lab_table_create(slots, size), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(tables_fd, &svc_id, &fd, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
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

int bpf_lab_addr(const char *s, struct xlb_addr *a, __u8 *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = XLB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = XLB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}
