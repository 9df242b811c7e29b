/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cfg_cmp - compare two struct xlb_config field by field (unit-test helper).
 * Flat parts are compared with memcmp after the pointers and what is not
 * YAML (line numbers, drains, doc_sections) are cleared, so a field added to
 * config.h is compared without touching this file; a pointer added to a
 * struct makes every comparison fail until it is handled here.
 */
#ifndef XLB_TEST_CFG_CMP_H
#define XLB_TEST_CFG_CMP_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"

/* Equal? If not, why names the first difference ("services[0].backends[1]"). */
bool xlb_test_cfg_equal(const struct xlb_config *a, const struct xlb_config *b, char *why,
			size_t whylen);

#endif
