/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * migrate - what an upgraded lbd carries over from a pinned map whose name
 * carries another version (xlb_<base>_v<N>, include/xlb.h) than the map of
 * the program it loads. Pure: the table of known (base, old version -> new
 * version) pairs and the converters on bytes. dp_migrate.c finds the pins, walks the
 * maps and calls these; docs/operations.md ("Upgrading") says what is kept.
 *
 * Adding a migration when a layout changes (say xlb_svcst_v1 -> v2):
 *  - an entry per map: copy entries with a value converter (hash maps, keyed
 *    by something that survives the change), or per-CPU counters by name;
 *  - for counters by name, the old version's name list (from git history);
 *  - a case in tests/unit/test_migrate.c.
 * A pin without an entry here is logged and dropped: its map starts empty.
 */
#ifndef XLB_MIGRATE_H
#define XLB_MIGRATE_H

#include <linux/types.h>
#include <stddef.h>

/* How dp_migrate.c copies one map. */
enum xlb_migrate_kind {
	/*
	 * Hash or LRU hash: every entry, key unchanged, value through convert().
	 * Copied before the program switch and again after it (entries missing
	 * in the new map only: the new program's own entries win).
	 */
	XLB_MIGRATE_ENTRIES,
	/*
	 * Per-CPU array of __u64 counters indexed by reason: each old counter
	 * goes to the new counter of the same name (names[] of the old version,
	 * the new version's names from dp_migrate.c); reasons that disappeared are lost.
	 */
	XLB_MIGRATE_COUNTERS,
};

struct xlb_migration {
	const char *base;      /* map name between "xlb_" and "_v<N>": "flows" */
	unsigned int from, to; /* versions; to = 0: any version above from */
	enum xlb_migrate_kind kind;
	__u32 key_size, value_size; /* of the old map: checked before copying */
	/* ENTRIES: new_val (value of version `to`, zeroed by the caller) from old_val */
	void (*convert)(const void *old_val, void *new_val);
	/* COUNTERS: counter names of version `from`, by index */
	const char *const *names;
	size_t n_names;
};

/*
 * "xlb_<base>_v<N>" -> base (at most len - 1 characters) and N: 0, or
 * -EINVAL for any other name ("link", "xlb_txports", "xlb_x_v", "xlb_x_v1a").
 */
int xlb_map_name_parse(const char *name, char *base, size_t len, unsigned int *ver);

/*
 * The copy of base's entries into a map of the same version but another
 * size (lbd --max-flows), or NULL if base cannot be resized that way.
 */
const struct xlb_migration *xlb_migration_resize(const char *base);

/* The migration of base from -> to, or NULL: the new map starts empty. */
const struct xlb_migration *xlb_migration_find(const char *base, unsigned int from,
					       unsigned int to);

/*
 * xlb_flows_v1 -> current (v3) value: + flags 0, fwd XLB_FWD_DSR_L2 (v1 had
 * no encapsulation), no ISN.
 */
void xlb_migrate_flow_v1(const void *old_val, void *new_val);
/*
 * xlb_flows_v2 -> current (v3) value: everything kept, no ISN (XLB_FLOW_F_ISN
 * clear: the next SYN on the 5-tuple counts as a new connection).
 */
void xlb_migrate_flow_v2(const void *old_val, void *new_val);

/*
 * One CPU's counters by name: for each old counter whose name is in
 * new_names, new_vals[j] = max(new_vals[j], old_vals[i]). The maximum makes a
 * repeated copy harmless (an upgrade interrupted after the switch, before the
 * old pin was removed: the new counter already holds old + its own counts).
 * Returns the number of old counters that found no new name.
 */
size_t xlb_migrate_counters(const char *const *old_names, size_t n_old, const __u64 *old_vals,
			    const char *const *new_names, size_t n_new, __u64 *new_vals);

#endif
