// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "log.h"

enum xlb_log_level xlb_log_level = XLB_LOG_INFO;

static void vlog(enum xlb_log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "error", "warn", "info", "debug" };
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (level > xlb_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s: ", when, ts.tv_nsec / 1000000, tag[level]);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

void xlb_log(enum xlb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

int xlb_log_set_level(const char *name)
{
	if (!strcmp(name, "error"))
		xlb_log_level = XLB_LOG_ERROR;
	else if (!strcmp(name, "warn"))
		xlb_log_level = XLB_LOG_WARN;
	else if (!strcmp(name, "info"))
		xlb_log_level = XLB_LOG_INFO;
	else if (!strcmp(name, "debug"))
		xlb_log_level = XLB_LOG_DEBUG;
	else
		return -EINVAL;
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum xlb_log_level l = level == LIBBPF_WARN ? XLB_LOG_WARN : XLB_LOG_DEBUG;

	vlog(l, fmt, ap);
	return 0;
}

void xlb_log_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
