/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * table.h - Maglev lookup tables as the data path reads them: inner ARRAY
 * maps of XLB_MAP_TABLES whose 8-byte elements each pack 8 / slot_bytes
 * slots (include/xlb.h, xlb_slot_t). slot_bytes is sizeof(xlb_slot_t) of the
 * program's build: XLB_SLOT_BYTES for the shipped object.
 */
#ifndef XLB_TABLE_H
#define XLB_TABLE_H

#include <linux/types.h>

/* Array elements of a table of size slots. */
__u32 xlb_table_elems(__u32 size, unsigned int slot_bytes);

/*
 * A new inner map (map_flags must equal the template's, BPF_F_MMAPABLE for the
 * fast fill) holding slots[0..size-1]: backend ids, XLB_BACKEND_NONE for none.
 * Returns its fd or -errno.
 */
int xlb_table_create(const __u32 *slots, __u32 size, __u32 map_flags, unsigned int slot_bytes);

/* Read the size slots of table fd back into slots[] (none as XLB_BACKEND_NONE). */
int xlb_table_read(int fd, __u32 *slots, __u32 size, unsigned int slot_bytes);

#endif /* XLB_TABLE_H */
