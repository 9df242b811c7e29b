/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Access control for the control socket (docs/access.md): who may run which
 * command. Pure code: no sockets, no NSS; lbd fills struct xlb_peer from
 * SO_PEERCRED/SO_PEERGROUPS and the user/group databases, the config parser
 * fills struct xlb_access, and xlb_authz_check() decides. Unit-tested in
 * tests/unit/test_authz.c.
 *
 * Roles are ordered: admin > operator > viewer > none; a higher role may run
 * everything a lower one may. A grant gives one role to users and/or groups,
 * for every service or (services: [...]) only for commands that act on one
 * of the listed services.
 */
#ifndef XLB_AUTHZ_H
#define XLB_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <linux/types.h>

#define XLB_AUTHZ_NAME_MAX 64 /* user, group and service names: 1..63 characters */
#define XLB_PEER_MAX_GROUPS 256 /* group names kept per peer; more are ignored (fail closed) */

enum xlb_role {
	XLB_ROLE_NONE = 0, /* a peer with no grant; in a command table row: "not listed" = admin */
	XLB_ROLE_VIEWER,
	XLB_ROLE_OPERATOR,
	XLB_ROLE_ADMIN,
	XLB_ROLE_MAX,
};

const char *xlb_role_name(enum xlb_role r); /* "none", "viewer", "operator", "admin" */
int xlb_role_parse(const char *s, enum xlb_role *r); /* viewer/operator/admin: 0 or -EINVAL */

/* One `roles:` entry of the config. */
struct xlb_grant {
	enum xlb_role role; /* viewer, operator or admin */
	char (*users)[XLB_AUTHZ_NAME_MAX];
	size_t n_users;
	char (*groups)[XLB_AUTHZ_NAME_MAX];
	size_t n_groups;
	char (*services)[XLB_AUTHZ_NAME_MAX]; /* scope; n_services == 0: every service */
	size_t n_services;
	int line; /* in the config, for messages */
};

struct xlb_access {
	struct xlb_grant *grants;
	size_t n_grants;
	bool root_not_admin; /* control.root_is_admin: false (zero value = root is admin) */
};

void xlb_access_free(struct xlb_access *a);
/* Deep copy (dst is overwritten, not freed). 0 or -ENOMEM (dst left empty). */
int xlb_access_copy(struct xlb_access *dst, const struct xlb_access *src);

/* The other end of a control connection, as of connect() time. */
struct xlb_peer {
	__u32 uid;
	__u32 gid;
	__s32 pid;
	char user[XLB_AUTHZ_NAME_MAX]; /* "" when the uid has no (usable) name */
	size_t n_groups;
	char groups[XLB_PEER_MAX_GROUPS][XLB_AUTHZ_NAME_MAX]; /* primary and supplementary */
};

/*
 * Command attributes, kept next to each command in the protocol table
 * (proto.c). Zero values are the safe ones: a row that says nothing needs
 * admin, is audited and ignores service-scoped grants.
 */
#define XLB_CMD_READONLY 0x1 /* changes nothing: not written to the audit log */
#define XLB_CMD_SCOPED 0x2 /* acts only on the service named by its "service" argument */

struct xlb_authz_decision {
	bool allow;
	enum xlb_role need; /* the least role the command needs */
	enum xlb_role have; /* the peer's best role for this target */
	const char *service; /* the target service (scoped commands), NULL: node-wide */
	bool has_scoped; /* the peer holds grants limited to other services */
};

/*
 * The peer's best role for service (NULL: node-wide, where only grants for
 * every service count). *has_scoped (optional) is set when a scoped grant
 * matched the peer but not the target.
 */
enum xlb_role xlb_authz_role(const struct xlb_access *a, const struct xlb_peer *p,
			     const char *service, bool *has_scoped);

/* Decide: need (XLB_ROLE_NONE means admin) on service (NULL: node-wide). Returns d->allow. */
bool xlb_authz_check(const struct xlb_access *a, const struct xlb_peer *p, enum xlb_role need,
		     const char *service, struct xlb_authz_decision *d);

/*
 * Decide for one validated request: need = the command's role (unset:
 * admin); the target is args.service for XLB_CMD_SCOPED commands, else
 * node-wide. Returns d->allow.
 */
bool xlb_authz_request(const struct xlb_access *a, const struct xlb_peer *p,
		       const char *cmd, __u8 role, __u8 flags, json_t *args,
		       struct xlb_authz_decision *d);

/*
 * A denial for people, e.g.
 *   permission denied: backend.weight needs role operator (or admin) for
 *   service "web"; uid 1001 (bob) has viewer
 */
void xlb_authz_message(const struct xlb_authz_decision *d, const char *cmd,
		       const struct xlb_peer *p, char *buf, size_t len);

/* "bob" or "uid 1001" */
const char *xlb_peer_name(const struct xlb_peer *p, char *buf, size_t len);

#endif
