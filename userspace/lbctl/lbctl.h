/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* lbctl commands that live outside main.c; each returns the exit status. */
#ifndef XLB_LBCTL_H
#define XLB_LBCTL_H

#include <stdbool.h>

/* lbctl events [--since SEQ] [--limit N] [--follow] (obs.c) */
int lbctl_events(const char *sock, bool json, char **argv, int argc);
/* lbctl top [--interval S] [--once] (obs.c) */
int lbctl_top(const char *sock, char **argv, int argc);

/* lbctl flow explain SRC[:PORT] VIP:PORT[/PROTO] [--syn] (flow.c) */
int lbctl_flow_explain(const char *sock, bool json, char **argv, int argc);
/* lbctl capture [--service S] [--backend B] [--reason R] [--count N] ... -w FILE|- (capture.c) */
int lbctl_capture(const char *sock, bool json, char **argv, int argc);

#endif
