/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * history - the applied generations of a config (lbctl history, diff,
 * rollback). A directory (default /var/lib/xlb/IF.history) holds, per
 * generation N (1, 2, ...):
 *
 *   NNNNNN.yaml   the config file's exact content as applied
 *   NNNNNN.json   its metadata: {"generation": N, "time": "2024-..Z", "unix": S,
 *                 "source": "start"|"reload"|"apply"|"rollback", "uid", "user",
 *                 "pid", "from" (rollback: the generation returned to),
 *                 "name" (the file lbctl sent), "summary", "bytes"} plus
 *                 whatever the caller adds
 *
 * Both are written atomically (temporary file, fsync, rename, fsync of the
 * directory); the .json is written last and is the commit mark: a .yaml
 * without its .json is an interrupted write and ignored (and removed by the
 * next add). Only the newest `keep` generations are kept. Pure code (files
 * and jansson), unit-tested in tests/unit/test_history.c.
 */
#ifndef XLB_HISTORY_H
#define XLB_HISTORY_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>
#include <linux/types.h>

#define XLB_HISTORY_KEEP 50 /* default number of generations kept */
#define XLB_HISTORY_KEEP_MAX 100000

/*
 * Record a new generation (newest + 1, or 1) with content text[0..len) and
 * metadata meta (an object; "generation" and "bytes" are set here). Prunes
 * to the newest keep (>= 1). 0 and *gen, or -errno (the directory is created
 * if missing).
 */
int xlb_history_add(const char *dir, unsigned int keep, const char *text, size_t len,
		    json_t *meta, __u64 *gen);
/* Metadata of every complete generation, oldest first (new reference). 0 or -errno. */
int xlb_history_list(const char *dir, json_t **list);
/* The newest generation: 0 and *gen, -ENOENT if there is none, or -errno. */
int xlb_history_newest(const char *dir, __u64 *gen);
/*
 * Content (malloc'd, NUL-terminated, length *len) and metadata (new
 * reference; meta may be NULL) of generation gen. -ENOENT if not kept.
 */
int xlb_history_get(const char *dir, __u64 gen, char **text, size_t *len, json_t **meta);


#endif
