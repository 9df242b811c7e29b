/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* version - what `lbd --version` and `lbctl --version` print. */
#ifndef XLB_VERSION_H
#define XLB_VERSION_H

/*
 * `git describe --tags --always --dirty` of the tree it was built from
 * (the Makefile's XLB_VERSION), or "unknown" when built outside git.
 */
extern const char xlb_version[];

#endif
