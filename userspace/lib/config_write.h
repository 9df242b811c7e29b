/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * config_write - a config as YAML (lbctl config export, plan/apply history, the
 * cluster document); xlb_config_parse() of the output gives back the same
 * struct xlb_config, every field (tests/unit/test_config.c checks it over the
 * good corpus), except what is not YAML: line numbers, drains, doc_sections.
 */
#ifndef XLB_CONFIG_WRITE_H
#define XLB_CONFIG_WRITE_H

#include <errno.h>
#include <stdio.h>
#include "config.h"

/*
 * Write the XLB_SEC_* sections of cfg in `sections` as a config file (all:
 * XLB_SEC_ALL; the cluster document: XLB_SEC_SHARED). Draining backends
 * (runtime state) get a comment; now_ms (CLOCK_REALTIME) dates it. 0 or -EIO.
 */
int xlb_config_write_sections(FILE *f, const struct xlb_config *cfg, unsigned int sections,
			      long long now_ms);
/* The same into a malloc'd string *out (_str: every section). 0 or -errno. */
int xlb_config_write_str(const struct xlb_config *cfg, long long now_ms, char **out);
int xlb_config_write_sections_str(const struct xlb_config *cfg, unsigned int sections,
				  long long now_ms, char **out);

#endif
