// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* version.c - the build's version string (version.h); only this file gets -DXLB_VERSION. */
#include "version.h"

#ifndef XLB_VERSION
#define XLB_VERSION "unknown"
#endif

const char xlb_version[] = XLB_VERSION;
