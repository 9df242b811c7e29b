/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One logging module for lbd, lbctl and tools; libbpf's messages go through it. */
#ifndef XLB_LOG_H
#define XLB_LOG_H

enum xlb_log_level {
	XLB_LOG_ERROR = 0, /* lbd cannot go on (or start): always shown */
	XLB_LOG_WARN = 1,
	XLB_LOG_INFO = 2,
	XLB_LOG_DEBUG = 3,
};

extern enum xlb_log_level xlb_log_level;

void xlb_log(enum xlb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse "error", "warn", "info" or "debug"; returns 0 or -EINVAL. */
int xlb_log_set_level(const char *name);
/* Route libbpf's print callback through xlb_log (warnings always, debug at debug). */
void xlb_log_libbpf(void);

#define pr_err(...) xlb_log(XLB_LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) xlb_log(XLB_LOG_WARN, __VA_ARGS__)
#define pr_info(...) xlb_log(XLB_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) xlb_log(XLB_LOG_DEBUG, __VA_ARGS__)

#endif
