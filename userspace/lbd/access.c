// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Access control on the control socket (docs/access.md).
 *
 * Two gates:
 * 1. The socket file: owner root, group control.socket_group (default "xlb"
 *    if that group exists, else root), mode control.socket_mode (default
 *    0660). connect(2) needs write permission on it, so anyone else gets
 *    EACCES before lbd sees them.
 * 2. Roles: at accept, the peer's identity is taken from the socket itself:
 *    SO_PEERCRED (uid, gid, pid) and SO_PEERGROUPS (supplementary groups),
 *    both recorded by the kernel at connect(2) time. Unlike reading
 *    /proc/PID/status later, they cannot race with the peer exiting and its
 *    pid being reused, or with the peer changing its credentials after
 *    connecting; unlike getgrouplist(3) they give the groups the process
 *    really has (a process that dropped a group does not keep its rights).
 *    getgrouplist(3) of the user name is only a fallback for kernels
 *    without SO_PEERGROUPS (< 4.13). Every request then goes through
 *    lbd_dispatch() (cmd.c): one authorization check, lbd_authorize(), against the command table's
 *    role (authz.c) before the handler runs, and an audit record after it.
 *
 * Names (user, groups) are resolved once per connection through NSS; with a
 * slow directory service this stalls lbd's loop for that lookup.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "lbd.h"
#include "log.h"
#include "state.h" /* XLB_STATE_DIR */
#include "syncookie.h" /* xlb_sc_secret_redact */

#define DEFAULT_SOCKET_GROUP "xlb"
#define DEFAULT_SOCKET_MODE 0660

const char *lbd_audit_default_path;
/* Default home of the state file, audit log and history (--state-dir; main.c sets it). */
const char *lbd_state_dir = XLB_STATE_DIR;

/* A private copy of the access part of the config in force (reload swaps it). */
static struct xlb_access access_cfg;

static int nss_buf(char **buf, size_t *len)
{
	size_t n = *len ? *len * 2 : 16384;
	char *b;

	if (n > (1u << 20))
		return -ERANGE;
	b = realloc(*buf, n);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*len = n;
	return 0;
}

/* Name of gid into out (XLB_AUTHZ_NAME_MAX); -ENOENT if none or too long. */
static int group_name(gid_t gid, char *out, char **buf, size_t *len)
{
	struct group gr, *res = NULL;
	int r;

	while ((r = getgrgid_r(gid, &gr, *buf, *len, &res)) == ERANGE)
		if (nss_buf(buf, len))
			return -ERANGE;
	if (r || !res || strlen(res->gr_name) >= XLB_AUTHZ_NAME_MAX)
		return -ENOENT; /* a truncated name could match another group: skip it */
	strcpy(out, res->gr_name);
	return 0;
}

static int group_gid(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (nss_buf(&buf, &len))
		return -ENOMEM;
	while ((r = getgrnam_r(name, &gr, buf, len, &res)) == ERANGE)
		if (nss_buf(&buf, &len))
			break;
	if (!r && res)
		*gid = res->gr_gid;
	free(buf);
	return !r && res ? 0 : -ENOENT;
}

int lbd_peer_get(int fd, struct xlb_peer *p)
{
	struct passwd pw, *pwres = NULL;
	gid_t *gids = NULL;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	size_t blen = 0, i, j;
	char *buf = NULL;
	int n = 0, r, err = 0;

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) || len != sizeof(uc))
		return -errno ?: -EPROTO;
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->pid = uc.pid;
	if (nss_buf(&buf, &blen))
		return -ENOMEM;
	while ((r = getpwuid_r(uc.uid, &pw, buf, blen, &pwres)) == ERANGE)
		if (nss_buf(&buf, &blen))
			break;
	if (!r && pwres && strlen(pwres->pw_name) < XLB_AUTHZ_NAME_MAX)
		strcpy(p->user, pwres->pw_name);

	/* supplementary groups, as of connect(2) */
	len = 64 * sizeof(gid_t);
	for (;;) {
		gid_t *g = realloc(gids, len ? len : sizeof(gid_t));

		if (!g) {
			err = -ENOMEM;
			goto out;
		}
		gids = g;
		if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, gids, &len)) {
			n = len / sizeof(gid_t);
			break;
		}
		if (errno == ERANGE && len <= 65536 * sizeof(gid_t))
			continue; /* len is now the size needed */
		if (errno == ENOPROTOOPT && p->user[0]) {
			/* old kernel: the user's groups from the group database */
			n = 256;
			g = realloc(gids, n * sizeof(gid_t));
			if (!g) {
				err = -ENOMEM;
				goto out;
			}
			gids = g;
			if (getgrouplist(p->user, uc.gid, gids, &n) < 0)
				n = 256; /* truncated: the first 256 */
			break;
		}
		err = -errno;
		pr_warn("control: SO_PEERGROUPS of pid %d: %s", (int)uc.pid, strerror(errno));
		goto out;
	}
	/* names: the primary group first, then the others, without duplicates */
	if (!group_name(uc.gid, p->groups[0], &buf, &blen))
		p->n_groups = 1;
	for (i = 0; i < (size_t)n; i++) {
		char name[XLB_AUTHZ_NAME_MAX];

		if (gids[i] == uc.gid || group_name(gids[i], name, &buf, &blen))
			continue;
		for (j = 0; j < p->n_groups && strcmp(p->groups[j], name); j++)
			;
		if (j < p->n_groups)
			continue;
		if (p->n_groups == XLB_PEER_MAX_GROUPS) {
			pr_warn("control: uid %u is in more than %d groups; the others are ignored",
				p->uid, XLB_PEER_MAX_GROUPS);
			break;
		}
		strcpy(p->groups[p->n_groups++], name);
	}
out:
	free(gids);
	free(buf);
	return err;
}

/* Owner root, group and mode from cfg. strict: an unknown configured group is an error. */
static int socket_perms(const char *path, const struct xlb_config *cfg)
{
	const char *gname = cfg->socket_group[0] ? cfg->socket_group : DEFAULT_SOCKET_GROUP;
	mode_t mode = cfg->socket_mode_set ? cfg->socket_mode : DEFAULT_SOCKET_MODE;
	gid_t gid = 0;
	int err;

	if (group_gid(gname, &gid)) {
		if (cfg->socket_group[0]) {
			pr_warn("control.socket_group: no group \"%s\"", gname);
			return -ENOENT;
		}
		gname = "root";
		gid = 0;
	}
	/* lbd in xlb@.service needs CAP_CHOWN for this (the unit grants it). */
	if (chown(path, 0, gid) || chmod(path, mode)) {
		err = -errno;
		pr_warn("control socket %s: setting owner root:%s mode %04o: %s", path, gname,
			(unsigned)mode, strerror(-err));
		chmod(path, 0600); /* fail closed: root only */
		return err;
	}
	pr_info("control socket %s: owner root, group %s, mode %04o", path, gname, (unsigned)mode);
	if (mode & 0002)
		pr_warn("control socket %s: mode %04o lets every local user connect; roles still "
			"apply", path, (unsigned)mode);
	return 0;
}

static const char *audit_file(struct lbd *l, const struct xlb_config *cfg, char *buf, size_t len)
{
	if (cfg->audit_file[0])
		return cfg->audit_file;
	if (lbd_audit_default_path && *lbd_audit_default_path)
		return lbd_audit_default_path;
	snprintf(buf, len, "%s/%s.audit.log", lbd_state_dir, l->iface ? l->iface : "lbd");
	return buf;
}

int lbd_access_apply(struct lbd *l, const struct xlb_config *cfg, bool at_start)
{
	struct xlb_access na;
	char path[XLB_PATH_MAX];
	int err;

	err = xlb_access_copy(&na, &cfg->access);
	if (err)
		return err;
	err = lbd_audit_open(audit_file(l, cfg, path, sizeof(path)), l->iface);
	if (err && at_start) {
		xlb_access_free(&na);
		return err;
	}
	if (err)
		pr_warn("reload: keeping the audit log %s", lbd_audit_path());
	err = socket_perms(l->sock_path, cfg);
	if (err && at_start) {
		xlb_access_free(&na);
		return err;
	}
	xlb_access_free(&access_cfg);
	access_cfg = na;
	pr_info("access: %zu role grants; root is %s", access_cfg.n_grants,
		access_cfg.root_not_admin ? "not admin (control.root_is_admin: false)" : "admin");
	return 0;
}

void lbd_access_free(void)
{
	xlb_access_free(&access_cfg);
	lbd_audit_close();
}

bool lbd_peer_reserved(const struct xlb_peer *p)
{
	bool scoped;

	return p->uid == 0 || xlb_authz_role(&access_cfg, p, NULL, &scoped) == XLB_ROLE_ADMIN;
}

void lbd_redact_for_peer(const struct lbd *l, char *yaml)
{
	if (yaml && l->peer && !lbd_peer_reserved(l->peer))
		xlb_sc_secret_redact(yaml);
}

json_t *lbd_authorize(const struct xlb_peer *p, const struct xlb_cmd_spec *spec, json_t *args)
{
	struct xlb_authz_decision d;
	char msg[512], who[96];
	json_t *resp;

	if (xlb_authz_request(&access_cfg, p, spec->name, spec->role, spec->flags, args, &d))
		return NULL;
	xlb_authz_message(&d, spec->name, p, msg, sizeof(msg));
	pr_info("control: pid %d %s: %s denied (needs %s)", (int)p->pid,
		xlb_peer_name(p, who, sizeof(who)), spec->name, xlb_role_name(d.need));
	resp = xlb_proto_error(XLB_E_PERMISSION_DENIED, "%s", msg);
	lbd_audit(p, "socket", spec->name, args, resp);
	return resp;
}

void lbd_audit_signal(__u32 uid, __s32 pid, const char *cmd, int ret, const char *msg)
{
	struct xlb_peer p = { .uid = uid, .gid = (__u32)-1, .pid = pid };
	struct passwd pw, *res = NULL;
	char buf[16384];
	json_t *resp;

	if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res &&
	    strlen(res->pw_name) < XLB_AUTHZ_NAME_MAX)
		strcpy(p.user, res->pw_name);
	resp = ret ? xlb_proto_error(ret == -EINVAL ? XLB_E_INVALID_ARGUMENT : XLB_E_INTERNAL, "%s",
				     msg)
		   : xlb_proto_ok(NULL);
	lbd_audit(&p, "signal", cmd, NULL, resp);
	json_decref(resp);
}
