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

/* ---- changes (lbctl through lbd) ---- */

enum xlb_cluster_op {
	XLB_CL_BACKEND_ADD,
	XLB_CL_BACKEND_REMOVE,
	XLB_CL_BACKEND_WEIGHT,
	XLB_CL_BACKEND_DRAIN,
	XLB_CL_BACKEND_UNDRAIN,
	XLB_CL_SERVICE_ADD,
	XLB_CL_SERVICE_REMOVE,
	XLB_CL_ACL_ADD, /* acl ops: one prefix of the global deny list (service "") */
	XLB_CL_ACL_REMOVE, /* or of a service's allow or deny list */
	XLB_CL_RATE_SET, /* rate ops: the global new-flow rate limit (service "") */
	XLB_CL_RATE_CLEAR, /* or a service's */
};

struct xlb_cluster_change {
	enum xlb_cluster_op op;
	char service[XLB_NAME_MAX];
	char address[XLB_ADDR_STRLEN]; /* backend ops */
	__u32 weight; /* add (default 100), weight */
	bool has_weight;
	json_t *def; /* service.add: a state.h service definition (owned) */
	bool allow; /* acl ops: the allow list (services only), else deny */
	struct xlb_cidr prefix; /* acl ops */
	struct xlb_rate_limit rate; /* rate ops: the new limit (clear: not set) */
	long long now_ms; /* CLOCK_REALTIME: a drain's start */
};

/*
 * A control command (proto.h name and validated args) as a change. 1: it is
 * one (*ch filled; free with xlb_cluster_change_free), 0: the command is not
 * a change of the desired state, -EINVAL: bad arguments (err).
 */
int xlb_cluster_change_from_cmd(const char *cmd, const json_t *args, long long now_ms,
				struct xlb_cluster_change *ch, char *err, size_t errlen);
void xlb_cluster_change_free(struct xlb_cluster_change *ch);

/* Outcome of applying a change to a document. */
enum xlb_cluster_res {
	XLB_CL_OK = 0, /* *out is the new document */
	XLB_CL_NOOP, /* nothing to write (drain of a draining backend, same weight) */
	XLB_CL_NOT_FOUND, /* no such service / backend */
	XLB_CL_EXISTS, /* service / backend already there, VIP:port taken */
	XLB_CL_INVALID, /* the result would not validate */
	XLB_CL_NOMEM,
};

/* Apply ch to doc into *out (on XLB_CL_OK; else *out empty). err says why not. */
enum xlb_cluster_res xlb_cluster_change_apply(const struct xlb_cluster_change *ch,
					      const struct xlb_config *doc, struct xlb_config *out,
					      char *err, size_t errlen);

/*
 * The conflict decision after a failed compare-and-swap: the document was
 * `read` when the change was computed and is `fresh` now. The change may be
 * replayed on fresh only if what it touches (the backend; for service ops the
 * service with all its backends; for acl ops the scope's lists) is the same
 * in both: then the other writer
 * changed something else and nothing of theirs is overwritten. Otherwise it
 * is a conflict for the operator to look at; what says what differs.
 */
bool xlb_cluster_change_clean(const struct xlb_cluster_change *ch, const struct xlb_config *read,
			      const struct xlb_config *fresh, char *what, size_t whatlen);

/*
 * Disagreements between the nodes' published views (docs/cluster.md): an
 * array of {"kind": "revision", "revisions": {"node1": 12, "node2": 11}} and
 * {"kind": "health", "service", "backend", "up": [nodes], "down": [nodes]}.
 * nodes: array of node status objects ({"node", "revision", "health": {svc:
 * {addr: "up"|"down"}}}). New reference.
 */
json_t *xlb_cluster_disagreements(const json_t *nodes);

#endif
