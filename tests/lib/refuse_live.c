// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * refuse_live.c - LD_PRELOAD shim: act as a host that refuses XDP live frames.
 *
 * Some hosts refuse BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (EPERM);
 * on a host that allows them, pktgen's fallback from live to the next engine
 * would go untested. libbpf makes every bpf() call through syscall(__NR_bpf,
 * cmd, attr, size): this wraps syscall(), fails that one request with EPERM
 * and passes everything else to libc's syscall() unchanged.
 *
 *   LD_PRELOAD=build/tests/lib/refuse_live.so build/tools/pktgen ...
 *
 * Built on its own (-shared -fPIC -ldl), never linked into a program.
 */
#include <dlfcn.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

long syscall(long number, ...)
{
	static long (*next)(long, ...);
	long a[6];
	va_list ap;
	int i;

	/* Every syscall() caller passes longs (or pointers, the same size). */
	va_start(ap, number);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	if (number == __NR_bpf && a[0] == BPF_PROG_TEST_RUN && a[1]) {
		const union bpf_attr *attr = (const union bpf_attr *)a[1];

		if (attr->test.flags & BPF_F_TEST_XDP_LIVE_FRAMES) {
			errno = EPERM;
			return -1;
		}
	}
	if (!next)
		next = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return next(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
