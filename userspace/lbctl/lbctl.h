/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lbctl, one file per noun as bpftool does: service.c, backend.c, config.c
 * (plan, apply, history, diff, rollback, reload, config export), filter.c
 * (acl, ratelimit), node.c (status, node, cluster), obs.c (stats, health,
 * audit, events, top), flow.c (flow explain) and capture.c (capture).
 * Each file has a table of its commands (do_* functions) that main.c's table of nouns points to; main.c also holds the
 * global options and what every command shares: calling lbd, argument
 * checks, table and JSON output.
 */
#ifndef XLB_LBCTL_H
#define XLB_LBCTL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#define EXIT_USAGE 2

struct command {
	const char *words; /* "backend add" */
	const char *args; /* for usage */
	int min_args, max_args; /* positional, after the words */
	const char *help;
	/* returns the exit status */
	int (*run)(const struct command *c, char **argv, int argc);
};

struct cmd_table {
	const struct command *cmds;
	size_t n;
};
#define CMD_TABLE(a) { (a), sizeof(a) / sizeof((a)[0]) }

extern const struct cmd_table service_cmds, backend_cmds, config_cmds, filter_cmds, node_cmds,
	obs_cmds, flow_cmds, capture_cmds;

/* ---- main.c ---- */

extern const char *sock_path; /* -s, $XLB_SOCKET */
extern int json_out; /* --json */

/*
 * Send cmd to lbd. 1 (after printing why) when lbd refused or could not be
 * reached; with --json, the answer is printed and *result is NULL.
 */
int call(const char *cmd, json_t *args, json_t **result);

/*
 * For commands that follow lbd over time (events --follow, top, capture):
 * one lbd call that prints "lbctl: WHAT: error" itself (what may be NULL)
 * and returns 1, without call()'s --json handling; a monotonic clock; and
 * stop_requested, set by SIGINT/SIGTERM once stop_on_signals() ran.
 */
int rpc(const char *sock, const char *what, const char *cmd, json_t *args, json_t **res);
double now_s(void);
extern volatile sig_atomic_t stop_requested;
void stop_on_signals(void);

/* argument checks: print what is wrong, return -EINVAL */
int check_address(const char *s);
int check_weight(const char *s, long *w);
int parse_uint_opt(const char *name, const char *s, unsigned long lo, unsigned long hi,
		   unsigned long *out); /* lo..hi */

void command_usage(FILE *f, const struct command *c);

/* tables for people: columns sized to fit, numbers aligned right */
#define MAX_COLS 12

struct table {
	int ncols, nrows;
	const char *head[MAX_COLS];
	bool right[MAX_COLS]; /* numbers align right */
	char **cells; /* nrows * ncols, malloc'd strings */
};

void table_add(struct table *t, ...); /* ncols strings, copied */
void table_print(struct table *t); /* and empties t */

const char *jstr(json_t *o, const char *k); /* a string field, or "-" */
const char *jnum(json_t *o, const char *k); /* an integer field as text, or "-" */

/* ---- backend.c ---- */

/* The backends table of backend list, service show and stats. */
void backend_table(json_t *arr, bool with_service);

#endif
