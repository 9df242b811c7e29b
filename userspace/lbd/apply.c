// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * apply.c - whole new configs (lbctl apply, rollback) through desired.c's
 * commit, the applied generations (history.h) and the commands plan, apply,
 * history, diff and rollback (docs/control.md, docs/operations.md "Changing
 * the config safely").
 *
 * Model (docs/config.md, "Applying a config"): the config file stays the one
 * source of truth. `apply` validates the new content fully, programs it (all
 * or nothing, like a reload), and only then replaces the config file with it
 * atomically, so a later SIGHUP, `lbctl reload`, restart or reboot keeps what
 * was applied. Runtime overrides are dropped by apply and rollback (the plan
 * shows them going), except drains in progress, which are operations rather
 * than configuration. Each applied content -- at start, reload, apply and
 * rollback, when it differs from the newest -- becomes a generation in the
 * history directory; runtime changes (lbctl backend ..., service ...) are
 * not generations: they are in the audit log and the state file.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "history.h"
#include "lbd.h"
#include "log.h"
#include "plan.h"
#include "state.h"

#define CONFIG_MAX_BYTES (16u << 20) /* as config.c: a larger config is a mistake */
/* what fits in one protocol line once JSON-escaped, with room for the envelope */
#define REPLY_MAX_BYTES (XLB_PROTO_MAX_LINE - 4096)

static bool history_on(const struct lbd *l)
{
	return l->history_dir && *l->history_dir;
}

/* ---- generations ---- */

/* Does text equal the newest generation's content? */
static bool same_as_newest(struct lbd *l, const char *text, size_t len, __u64 *newest)
{
	char *cur = NULL;
	size_t clen;
	bool same;

	*newest = 0;
	if (xlb_history_newest(l->history_dir, newest) ||
	    xlb_history_get(l->history_dir, *newest, &cur, &clen, NULL))
		return false;
	same = clen == len && !memcmp(cur, text, len);
	free(cur);
	return same;
}

static __u64 record(struct lbd *l, const char *source, const char *text, size_t len,
		    const char *name, __u64 from, const char *summary)
{
	char tbuf[32], who[XLB_AUTHZ_NAME_MAX];
	const struct xlb_peer *p = l->peer;
	struct timespec ts;
	struct tm tm;
	json_t *meta;
	__u64 gen = 0;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	who[0] = 0;
	if (p && p->user[0]) {
		snprintf(who, sizeof(who), "%s", p->user);
	} else if (p) {
		struct passwd pw, *res = NULL;
		char buf[1024];

		if (!getpwuid_r(p->uid, &pw, buf, sizeof(buf), &res) && res)
			snprintf(who, sizeof(who), "%s", res->pw_name);
	}
	meta = json_pack("{s:s, s:I, s:s, s:s, s:s}", "time", tbuf, "unix", (json_int_t)ts.tv_sec,
			 "source", source, "config", l->config_path, "summary", summary);
	if (!meta)
		return 0;
	if (p) {
		json_object_set_new(meta, "uid", json_integer(p->uid));
		json_object_set_new(meta, "user", json_string(who));
		json_object_set_new(meta, "pid", json_integer(p->pid));
	}
	if (name)
		json_object_set_new(meta, "name", json_string(name));
	if (from)
		json_object_set_new(meta, "from", json_integer(from));
	err = xlb_history_add(l->history_dir, l->history_keep ? l->history_keep : XLB_HISTORY_KEEP,
			      text, len, meta, &gen);
	if (err)
		pr_warn("history %s: recording the %s: %s (the change is live)", l->history_dir,
			source, strerror(-err));
	else
		pr_info("history: generation %llu (%s): %s", (unsigned long long)gen, source, summary);
	json_decref(meta);
	return err ? 0 : gen;
}

void lbd_history_note(struct lbd *l, const char *source, const char *text, size_t len,
		      const char *summary)
{
	__u64 newest;

	if (!history_on(l) || same_as_newest(l, text, len, &newest))
		return;
	record(l, source, text, len, NULL, 0, summary);
}

void lbd_history_start(struct lbd *l)
{
	char *text;
	size_t len;
	int err;

	if (!history_on(l))
		return;
	err = xlb_read_file(l->config_path, CONFIG_MAX_BYTES, &text, &len);
	if (err) {
		pr_warn("history: reading %s: %s", l->config_path, strerror(-err));
		return;
	}
	lbd_history_note(l, "start", text, len, "config file at start");
	free(text);
}

/* ---- apply ---- */

struct write_ctx {
	const char *path; /* the config file (symlinks resolved) */
	const char *text;
	size_t len;
};

static int write_config(void *ctx, char *err, size_t errlen)
{
	struct write_ctx *w = ctx;
	int ret = xlb_write_atomic(w->path, w->text, w->len, 0644);

	if (ret)
		snprintf(err, errlen, "writing the config file %s: %s; nothing changed", w->path,
			 strerror(-ret));
	return ret;
}

/* Has the config file changed since lbd loaded it (not reloaded)? */
static bool config_drifted(struct lbd *l, __u64 *newest)
{
	char *disk;
	size_t len;
	bool drift;

	*newest = 0;
	if (!history_on(l) || xlb_read_file(l->config_path, CONFIG_MAX_BYTES, &disk, &len))
		return false;
	drift = !same_as_newest(l, disk, len, newest) && *newest;
	free(disk);
	return drift;
}

/* Keep a reply within one protocol line: drop the per-backend details. */
static void fit_plan(json_t *plan)
{
	char *s = json_dumps(plan, JSON_COMPACT);
	json_t *svc;
	size_t i;

	if (s && strlen(s) < REPLY_MAX_BYTES) {
		free(s);
		return;
	}
	free(s);
	json_array_foreach(json_object_get(plan, "services"), i, svc)
		json_object_del(svc, "backends");
	json_object_set_new(plan, "truncated", json_true());
	s = json_dumps(plan, JSON_COMPACT);
	if (!s || strlen(s) >= REPLY_MAX_BYTES) {
		json_object_set_new(plan, "services", json_array());
		json_object_set_new(plan, "settings", json_array());
	}
	free(s);
}

int lbd_apply_text(struct lbd *l, const char *text, size_t len, const char *name,
		   const struct lbd_apply_opts *o, json_t **result, char *err, size_t errlen)
{
	struct xlb_config nbase = {}, ncfg = {};
	struct write_ctx w = { .text = text, .len = len };
	struct xlb_dp_diff d = {};
	char real[PATH_MAX], summary[256], dir[PATH_MAX], *slash;
	json_t *plan = NULL;
	__u64 newest = 0, gen = 0;
	bool same;
	int ret;

	*result = NULL;
	ret = xlb_config_parse(text, len, name, &nbase, err, errlen);
	if (ret)
		return -EINVAL; /* err: name:line: field: problem */
	ret = lbd_desired_build(l, &nbase, LBD_KEEP_DRAINS, &ncfg, err, errlen);
	if (ret)
		goto out;
	plan = xlb_plan(&l->cfg, &ncfg);
	if (!plan) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	xlb_plan_summary(plan, summary, sizeof(summary));
	if (o->write_config) {
		if (!o->force && config_drifted(l, &newest)) {
			ret = -EBUSY;
			snprintf(err, errlen, "%s was changed since lbd loaded it (it is not generation "
				 "%llu any more): reload it first (lbctl reload), or use --force to "
				 "overwrite those edits; nothing changed", l->config_path,
				 (unsigned long long)newest);
			goto out;
		}
		if (!realpath(l->config_path, real))
			snprintf(real, sizeof(real), "%s", l->config_path);
		snprintf(dir, sizeof(dir), "%s", real);
		slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = 0;
		else
			snprintf(dir, sizeof(dir), ".");
		/* a read-only /etc (systemd ProtectSystem=) is found before any change */
		if (access(dir, W_OK)) {
			ret = -errno;
			snprintf(err, errlen, "cannot write the config file %s (%s): apply replaces it "
				 "so that a reload or restart keeps what was applied "
				 "(docs/operations.md); nothing changed", real, strerror(-ret));
			goto out;
		}
		w.path = real;
	}
	same = history_on(l) && same_as_newest(l, text, len, &newest);
	ret = lbd_desired_commit(l, &nbase, &ncfg, name, &d, o->write_config ? write_config : NULL,
				 &w, err, errlen);
	lbd_note_reload(l, o->source, ret, err);
	if (ret)
		goto out;
	if (history_on(l) && !same)
		gen = record(l, o->source, text, len, name,
			     o->from, summary);
	else
		gen = newest;
	pr_info("%s of %s: %s (%u added, %u removed, %u changed, %u unchanged services)%s",
		o->source, name, summary, d.added, d.removed, d.changed, d.unchanged,
		o->write_config ? "; config file replaced" : "");
	lbd_event(l, o->source, NULL, NULL, "%s: %s; generation %llu", name, summary,
		  (unsigned long long)gen);
	fit_plan(plan);
	json_object_set_new(plan, "generation", json_integer(gen));
	json_object_set_new(plan, "unchanged", json_boolean(same));
	json_object_set_new(plan, "config", json_string(l->config_path));
	json_object_set_new(plan, "services_total", json_integer(l->cfg.n_services));
	json_object_set_new(plan, "tables_built", json_integer(d.tables_built));
	json_object_set_new(plan, "summary_text", json_string(summary));
	*result = plan;
	plan = NULL;
out:
	json_decref(plan);
	xlb_config_free(&nbase);
	xlb_config_free(&ncfg);
	return ret;
}

/* ---- commands ---- */

static json_t *error_for(int ret, const char *err)
{
	return xlb_proto_error(ret == -EINVAL || ret == -EBUSY ? XLB_E_INVALID_ARGUMENT
							       : XLB_E_INTERNAL, "%s", err);
}

/* The audit log names what was applied, not the whole content (it is in the history). */
static void audit_args(json_t *args, size_t len, __u64 gen)
{
	json_object_del(args, "yaml");
	json_object_set_new(args, "bytes", json_integer(len));
	if (gen)
		json_object_set_new(args, "generation_recorded", json_integer(gen));
}

json_t *lbd_cmd_plan(struct lbd *l, json_t *args)
{
	const char *yaml = json_string_value(json_object_get(args, "yaml"));
	const char *name = json_string_value(json_object_get(args, "name"));
	struct xlb_config nbase = {}, ncfg = {};
	char err[1024];
	json_t *plan;
	__u64 newest = 0;
	int ret;

	if (!name)
		name = "FILE";
	ret = xlb_config_parse(yaml, strlen(yaml), name, &nbase, err, sizeof(err));
	if (ret)
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT, "%s", err);
	ret = lbd_desired_build(l, &nbase, LBD_KEEP_DRAINS, &ncfg, err, sizeof(err));
	xlb_config_free(&nbase);
	if (ret)
		return xlb_proto_error(XLB_E_INTERNAL, "%s", err);
	plan = xlb_plan(&l->cfg, &ncfg);
	xlb_config_free(&ncfg);
	if (!plan)
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	fit_plan(plan);
	json_object_set_new(plan, "name", json_string(name));
	json_object_set_new(plan, "config", json_string(l->config_path));
	json_object_set_new(plan, "config_changed", json_boolean(config_drifted(l, &newest)));
	if (history_on(l) && (newest || !xlb_history_newest(l->history_dir, &newest)))
		json_object_set_new(plan, "generation", json_integer(newest));
	return xlb_proto_ok(plan);
}

json_t *lbd_cmd_apply(struct lbd *l, json_t *args)
{
	const char *yaml = json_string_value(json_object_get(args, "yaml"));
	const char *name = json_string_value(json_object_get(args, "name"));
	struct lbd_apply_opts o = { .source = "apply", .write_config = true,
				    .force = json_is_true(json_object_get(args, "force")) };
	size_t len = strlen(yaml);
	json_t *r;
	char err[1024];
	int ret;

	ret = lbd_apply_text(l, yaml, len, name ? name : "FILE", &o, &r, err, sizeof(err));
	audit_args(args, len, ret ? 0 : json_integer_value(json_object_get(r, "generation")));
	return ret ? error_for(ret, err) : xlb_proto_ok(r);
}

static int need_history(struct lbd *l, json_t **resp)
{
	if (history_on(l))
		return 0;
	*resp = xlb_proto_error(XLB_E_NOT_FOUND, "lbd keeps no history (started with --history "
				"\"\" or --state \"\")");
	return -ENOENT;
}

/* Generation g's content, parsed, for diff; on failure *resp is the error. */
static int load_gen(struct lbd *l, __u64 g, struct xlb_config *cfg, json_t **resp)
{
	char name[64], err[1024], *text;
	size_t len;
	int ret;

	ret = xlb_history_get(l->history_dir, g, &text, &len, NULL);
	if (ret) {
		*resp = xlb_proto_error(ret == -ENOENT ? XLB_E_NOT_FOUND : XLB_E_INTERNAL,
					"generation %llu: %s", (unsigned long long)g,
					ret == -ENOENT ? "not in the history (lbctl history lists "
							 "the generations kept)"
						       : strerror(-ret));
		return ret;
	}
	snprintf(name, sizeof(name), "generation %llu", (unsigned long long)g);
	ret = xlb_config_parse(text, len, name, cfg, err, sizeof(err));
	free(text);
	if (ret)
		*resp = xlb_proto_error(XLB_E_INVALID_ARGUMENT, "%s", err);
	return ret;
}

json_t *lbd_cmd_history(struct lbd *l, json_t *args)
{
	json_t *g = json_object_get(args, "generation"), *list, *resp = NULL, *meta;
	char *text;
	size_t len;
	__u64 newest = 0;
	int ret;

	if (need_history(l, &resp))
		return resp;
	if (g) {
		ret = xlb_history_get(l->history_dir, json_integer_value(g), &text, &len, &meta);
		if (ret)
			return xlb_proto_error(ret == -ENOENT ? XLB_E_NOT_FOUND : XLB_E_INTERNAL,
					       "generation %lld: %s", json_integer_value(g),
					       ret == -ENOENT ? "not in the history" : strerror(-ret));
		if (len > REPLY_MAX_BYTES / 2) {
			free(text);
			json_decref(meta);
			return xlb_proto_error(XLB_E_INTERNAL, "generation %lld is %zu bytes, more "
					       "than the control protocol carries: read %s/%06lld.yaml",
					       json_integer_value(g), len, l->history_dir,
					       json_integer_value(g));
		}
		lbd_redact_for_peer(l, text);
		json_object_set_new(meta, "yaml", json_stringn(text, len));
		free(text);
		return xlb_proto_ok(meta);
	}
	ret = xlb_history_list(l->history_dir, &list);
	if (ret)
		return xlb_proto_error(XLB_E_INTERNAL, "history %s: %s", l->history_dir,
				       strerror(-ret));
	xlb_history_newest(l->history_dir, &newest);
	return xlb_proto_ok(json_pack("{s:s, s:i, s:I, s:o}", "dir", l->history_dir, "keep",
				      (int)(l->history_keep ? l->history_keep : XLB_HISTORY_KEEP),
				      "current", (json_int_t)newest, "generations", list));
}

json_t *lbd_cmd_diff(struct lbd *l, json_t *args)
{
	__u64 a = json_integer_value(json_object_get(args, "from")), b = 0;
	struct xlb_config ca = {}, cb = {};
	json_t *resp = NULL, *plan;

	if (need_history(l, &resp))
		return resp;
	if (json_object_get(args, "to"))
		b = json_integer_value(json_object_get(args, "to"));
	else if (xlb_history_newest(l->history_dir, &b))
		return xlb_proto_error(XLB_E_NOT_FOUND, "the history is empty");
	if (load_gen(l, a, &ca, &resp))
		return resp;
	if (load_gen(l, b, &cb, &resp)) {
		xlb_config_free(&ca);
		return resp;
	}
	plan = xlb_plan(&ca, &cb);
	xlb_config_free(&ca);
	xlb_config_free(&cb);
	if (!plan)
		return xlb_proto_error(XLB_E_INTERNAL, "out of memory");
	fit_plan(plan);
	json_object_set_new(plan, "from", json_integer(a));
	json_object_set_new(plan, "to", json_integer(b));
	return xlb_proto_ok(plan);
}

json_t *lbd_cmd_rollback(struct lbd *l, json_t *args)
{
	json_t *g = json_object_get(args, "generation"), *list = NULL, *resp = NULL, *r, *m;
	struct lbd_apply_opts o = { .source = "rollback", .write_config = true,
				    .force = json_is_true(json_object_get(args, "force")) };
	char name[64], err[1024], *text;
	__u64 target = 0, newest = 0;
	size_t len, n;
	int ret;

	if (need_history(l, &resp))
		return resp;
	if (g) {
		target = json_integer_value(g);
	} else {
		/* the generation before the newest (the live one) */
		if (xlb_history_list(l->history_dir, &list))
			return xlb_proto_error(XLB_E_INTERNAL, "reading the history failed");
		n = json_array_size(list);
		m = n >= 2 ? json_array_get(list, n - 2) : NULL;
		target = m ? json_integer_value(json_object_get(m, "generation")) : 0;
		json_decref(list);
		if (!target)
			return xlb_proto_error(XLB_E_NOT_FOUND, "no earlier generation to roll back "
					       "to (lbctl history)");
	}
	xlb_history_newest(l->history_dir, &newest);
	ret = xlb_history_get(l->history_dir, target, &text, &len, NULL);
	if (ret)
		return xlb_proto_error(ret == -ENOENT ? XLB_E_NOT_FOUND : XLB_E_INTERNAL,
				       "generation %llu: %s", (unsigned long long)target,
				       ret == -ENOENT ? "not in the history (lbctl history lists "
							"the generations kept)"
						      : strerror(-ret));
	snprintf(name, sizeof(name), "generation %llu", (unsigned long long)target);
	o.from = target;
	ret = lbd_apply_text(l, text, len, name, &o, &r, err, sizeof(err));
	free(text);
	if (ret)
		return error_for(ret, err);
	json_object_set_new(r, "rolled_back_to", json_integer(target));
	json_object_set_new(r, "previous", json_integer(newest));
	return xlb_proto_ok(r);
}

/* ---- reload: the config file again, with the runtime changes on top ---- */

int lbd_reload(struct lbd *l, struct xlb_dp_diff *diff, char *err, size_t errlen)
{
	return lbd_reload_ex(l, false, diff, err, errlen);
}

int lbd_reload_ex(struct lbd *l, bool reset, struct xlb_dp_diff *diff, char *err, size_t errlen)
{
	struct xlb_config ncfg = {}, nbase = {};
	char summary[256], *text = NULL;
	json_t *plan;
	size_t len;
	int ret;

	lbd_local_addrs_refresh();
	/* the text too: it becomes a generation of the history (apply.c) */
	ret = xlb_read_file(l->config_path, 16u << 20, &text, &len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", l->config_path,
			 ret == -EFBIG ? "not a regular file of at most 16 MiB" : strerror(-ret));
		return -EINVAL;
	}
	ret = xlb_config_parse(text, len, l->config_path, &nbase, err, errlen);
	if (ret) {
		free(text);
		return -EINVAL; /* err has file:line: field: problem */
	}
	/* the operator's runtime changes stay on top of the new file (state.h) */
	ret = lbd_desired_build(l, &nbase, reset ? LBD_KEEP_NOTHING : LBD_KEEP_OVERRIDES, &ncfg,
				err, errlen);
	if (ret)
		goto out;
	if (reset)
		pr_info("reload --reset: runtime changes dropped");
	plan = xlb_plan(&l->base, &nbase);
	if (plan)
		xlb_plan_summary(plan, summary, sizeof(summary));
	else
		snprintf(summary, sizeof(summary), "reloaded");
	json_decref(plan);
	ret = lbd_desired_commit(l, &nbase, &ncfg, l->config_path, diff, NULL, NULL, err, errlen);
	if (ret)
		goto out;
	lbd_history_note(l, "reload", text, len, summary);
	pr_info("reloaded %s: %zu services (%u added, %u removed, %u changed, %u unchanged)",
		l->config_path, l->cfg.n_services, diff->added, diff->removed, diff->changed,
		diff->unchanged);
out:
	free(text);
	xlb_config_free(&ncfg);
	xlb_config_free(&nbase);
	return ret;
}
