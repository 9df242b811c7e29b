/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ct.h - the connection table behind one small API, so that no caller
 * touches its map: the layout can change (issue #20) without the data path's
 * logic noticing.
 *
 *   xlb_ct_lookup(key)             the flow's entry, or NULL
 *   xlb_ct_insert(key, val, flag)  record a flow: BPF_ANY (insert or
 *                                  replace) or BPF_NOEXIST (-EEXIST if the
 *                                  flow has an entry); 0 or -errno
 *
 * The entry returned by a lookup is the table's own: callers update
 * last_seen_ns and flags in place (sched.h).
 *
 * Today a BPF LRU hash (XLB_FLOWS_MAP): a full table evicts the least
 * recently used flow.
 */
#ifndef XLB_BPF_CT_H
#define XLB_BPF_CT_H

#include <linux/errno.h>

#include "maps.h"
#include "xlb_hash.h"

static __always_inline struct xlb_flow *xlb_ct_lookup(const struct xlb_flow_key *key)
{
	return bpf_map_lookup_elem(&XLB_FLOWS_MAP, key);
}

static __always_inline int xlb_ct_insert(const struct xlb_flow_key *key,
					 const struct xlb_flow *val, __u64 flags)
{
	return bpf_map_update_elem(&XLB_FLOWS_MAP, key, val, flags);
}

#endif /* XLB_BPF_CT_H */
