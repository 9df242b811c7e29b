/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpf_lab.h - shared set-up for the BPF tests that need a private network
 * namespace (so that bpf_fib_lookup gives real answers) and lookup tables.
 * Linked into every tests/bpf binary; functions return 0 or -errno and never
 * assert, so they may be called from any thread.
 */
#ifndef XLB_TEST_BPF_LAB_H
#define XLB_TEST_BPF_LAB_H

#include <bpf/libbpf.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stddef.h>

#include "xlb.h"

/* Run a shell command (printf format); 0, or -1 after printing it. */
int bpf_lab_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libbpf print callback: warnings only. */
int bpf_lab_libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap);

/*
 * Move the process into a new network namespace (it vanishes with the
 * process), bring lo up and run cmds[0..n-1] (output discarded). 0 or -1.
 */
int bpf_lab_netns(const char *const *cmds, size_t n);

/*
 * A new lookup table (inner map of XLB_TABLES_MAP) of `size` slots holding
 * slots[0..size-1] (backend ids, XLB_BACKEND_NONE), packed and filled through
 * a shared mapping as lbd does (userspace/lib/table.c); its fd or -errno.
 */
int bpf_lab_table_create(const __u32 *slots, __u32 size);

/*
 * Create such a table and make it svc_id's in the outer map tables_fd (the
 * outer map keeps its own reference). 0 or -errno.
 */
int bpf_lab_table_install(int tables_fd, __u32 svc_id, const __u32 *slots, __u32 size);

/*
 * One BPF_PROG_TEST_RUN of an XDP program on pkt[0..len-1] arriving on
 * ifindex; the output frame goes to out (PKT_MAX bytes), its length to
 * *out_len, the XDP action to *action. 0 or -errno.
 */
int bpf_lab_run_xdp(int prog_fd, const void *pkt, __u32 len, int ifindex, void *out,
		    __u32 *out_len, int *action);

/* Text address -> struct xlb_addr and XLB_AF_*: 0, or -EINVAL. */
int bpf_lab_addr(const char *s, struct xlb_addr *a, __u8 *family);

#endif
