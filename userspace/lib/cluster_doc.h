/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cluster_doc - the shared desired state of a cluster of lbd nodes, as one
 * etcd value (docs/cluster.md), and the read-modify-write of it. Pure code
 * (jansson, the config parser, state.h), unit-tested in test_cluster_doc.c.
 *
 * The document is JSON:
 *
 *   {"xlb_desired": 1,
 *    "sections": ["services", "acl", "rate_limit", "roles"],
 *    "config": "<YAML of config_write.h: those sections>",
 *    "drains": {"web": {"10.0.0.13": 1700000000000}},      drain_since_ms (CLOCK_REALTIME)
 *    "written_by": "node1", "written_at_ms": 1700000000000}
 *
 * "config" goes through the same parser and validator as a config file
 * (except the checks against node:, done by xlb_cluster_merge() against each
 * node's own), so a document is accepted exactly when a config file with its
 * sections would be. The cluster-wide sections (XLB_SEC_SHARED: services
 * with everything in them, acl, rate_limit, roles) listed in "sections" come
 * from the document and win over the file's; the node-local ones (node:,
 * metrics:, events:, control: with root_is_admin, audit:, bgp:, cluster:)
 * always come from each node's own file: found in a document they are parsed
 * (they must be valid) and ignored. A document without "sections" (written by
 * an older lbd) carries services only.
 */
#ifndef XLB_CLUSTER_DOC_H
#define XLB_CLUSTER_DOC_H

#include <stdbool.h>
#include <jansson.h>
#include "config.h"
#include "filter.h"
#include "change.h"

#define XLB_CLUSTER_DOC_VERSION 1
#define XLB_CLUSTER_DESIRED_KEY "desired" /* <prefix>desired */
#define XLB_CLUSTER_NODES_DIR "nodes/" /* <prefix>nodes/<node_name> */

/*
 * cfg's cluster-wide sections and drains as a document (malloc'd): those of
 * cfg->doc_sections (a decoded document keeps what it carried), or all of
 * XLB_SEC_SHARED when 0 (a node's file: the seed). 0 or -errno.
 */
int xlb_cluster_doc_encode(const struct xlb_config *cfg, const char *writer, long long now_ms,
			   char **out);
/*
 * Parse and validate a document into *doc (free with xlb_config_free;
 * doc->doc_sections says what it carries). name is used in messages ("etcd /xlb/c/desired@42").
 * 0, or -EINVAL with one line in err (doc empty), or -ENOMEM.
 */
int xlb_cluster_doc_decode(const char *buf, size_t len, const char *name, struct xlb_config *doc,
			   char *err, size_t errlen);
/*
 * eff = local (the node's file) with doc's cluster-wide sections: its
 * services always, its acl, rate_limit and roles (not root_is_admin) when
 * doc->doc_sections has them. Refuses (-EINVAL, err) a service this node
 * cannot program (ipip/gue without node.address_vN).
 */
int xlb_cluster_merge(const struct xlb_config *local, const struct xlb_config *doc,
		      struct xlb_config *eff, char *err, size_t errlen);

/*
 * Disagreements between the nodes' published views (docs/cluster.md): an
 * array of {"kind": "revision", "revisions": {"node1": 12, "node2": 11}} and
 * {"kind": "health", "service", "backend", "up": [nodes], "down": [nodes]}.
 * nodes: array of node status objects ({"node", "revision", "health": {svc:
 * {addr: "up"|"down"}}}). New reference.
 */
json_t *xlb_cluster_disagreements(const json_t *nodes);

#endif
