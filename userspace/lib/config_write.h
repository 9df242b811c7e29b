/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* config_write - a config as YAML (lbctl config export); parses back to the same config. */
#ifndef XLB_CONFIG_WRITE_H
#define XLB_CONFIG_WRITE_H

#include <errno.h>
#include <stdio.h>
#include "config.h"

/*
 * Write cfg as a config file. Draining backends (runtime state) get a comment;
 * now_ms (CLOCK_REALTIME) dates it. 0 or -EIO.
 */
int xlb_config_write(FILE *f, const struct xlb_config *cfg, long long now_ms);
/* The same into a malloc'd string *out. 0 or -errno. */
int xlb_config_write_str(const struct xlb_config *cfg, long long now_ms, char **out);

#endif
