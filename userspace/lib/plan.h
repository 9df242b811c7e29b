/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * plan - what changes between two desired states (lbctl plan, lbctl diff):
 * services and backends added, removed and changed, field by field, other
 * settings that differ, and per changed service an estimate of the new flows
 * that would go to another backend. Pure code (jansson, Maglev, policy):
 * unit-tested in tests/unit/test_plan.c.
 *
 * Matching: services by name (the state file's key), then a service of old
 * left unmatched with a service of new that has its VIP:port/protocol (a
 * rename); backends by address within their service.
 *
 * Moved flows: the lookup tables of old and new are built with the weights
 * of the active set each config gives when every backend is healthy (zones,
 * backup pool and draining applied, like lbd does) and compared: the share
 * of the hash space whose backend changes is the share of NEW flows that land
 * elsewhere. Established flows keep their backend through the connection
 * table unless their backend leaves. Same table size: slot by slot (exact);
 * a new table size: XLB_PLAN_SAMPLES hashes through both tables.
 *
 * The result (docs/control.md, "plan"):
 *   {"services": [{"name", "change": "added"|"removed"|"changed", "vip", "port",
 *                  "protocol", "backends_total", "fields": [{"field","old","new"}],
 *                  "backends": [{"address", "change", "weight", "fields": [...]}],
 *                  "moved": 0.25, "moved_slots": N, "table_size": N, "moved_note": ".."}],
 *    "settings": [{"field", "old", "new"}],
 *    "summary": {"services_added", "services_removed", "services_changed",
 *                "services_unchanged", "backends_added", "backends_removed",
 *                "backends_changed", "settings_changed"}}
 * Only services that change are listed. Values in "fields" are strings.
 */
#ifndef XLB_PLAN_H
#define XLB_PLAN_H

#include <stdio.h>
#include <jansson.h>
#include "config.h"

#define XLB_PLAN_SAMPLES 262144 /* hashes sampled when the table size changes */

/* The plan from old to new (new reference; NULL only when out of memory). */
json_t *xlb_plan(const struct xlb_config *old, const struct xlb_config *new);

/*
 * Share of new flows of service `os` (in a config with node zone oz) that map
 * to another backend under `ns` (node zone nz): *moved in 0..1; *slots the
 * number of changed slots when the table size is the same (else 0).
 * 0, -EINVAL (bad table size) or -ENOMEM.
 */
int xlb_plan_moved(const struct xlb_cfg_service *os, const char *oz,
		   const struct xlb_cfg_service *ns, const char *nz, double *moved, __u32 *slots);

/* Anything to do? (the sum of the summary's counters other than unchanged) */
size_t xlb_plan_changes(const json_t *plan);

/* "1 service added, 2 changed; 3 backends added, 1 removed" (or "no changes"). */
void xlb_plan_summary(const json_t *plan, char *buf, size_t len);

/* The plan for people, one change per line (lbctl plan, diff, apply). 0 or -EIO. */
int xlb_plan_print(FILE *f, const json_t *plan);

#endif
