// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * hsave.c - health states saved across lbd restarts.
 *
 * The data path keeps forwarding while lbd restarts, but a new lbd used to
 * start every backend at its check's `initial` state: a backend that was
 * down came back into the tables (new connections to it failed until `fall`
 * probes had failed again), or with `initial: down` every healthy backend
 * left them until `rise` probes passed. Now lbd writes each probed
 * backend's up/down state to a small file next to the state file (IF.state
 * -> IF.health) and a starting lbd takes the state from there for backends
 * of the same service with the same check settings, if the file is recent
 * (LBD_HSAVE_MAX_AGE_MS). The first apply then computes the same active sets
 * the old lbd had, so the restart changes nothing in the data path; probes
 * go on from there. Backends added later start at `initial`, as before.
 *
 * The file is written atomically (write, fsync, rename), at most once a
 * second (from obs's 1 s tick) and at exit; it is best effort: a missing,
 * old, unreadable or malformed file only means `initial` states (logged).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "fileio.h"
#include "lbd.h"
#include "log.h"

#define LBD_HSAVE_VERSION 1
#define LBD_HSAVE_MAX_AGE_MS (10 * 60 * 1000LL) /* older: the backends may have changed */
#define LBD_HSAVE_MAX_BYTES (16u << 20)

/* The check settings a saved state is valid for (xlb_hc_check_equal + the probe port). */
static void check_fp(const struct xlb_hc_check *c, __u16 port, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%s port %u expect %u-%u interval %u timeout %u rise %u fall %u "
		 "jitter %u initial %s path %s host %s payload %s reply %d query %s "
		 "send %s expect %s",
		 xlb_hc_type_name(c->type), port, c->expect_lo, c->expect_hi, c->interval_ms,
		 c->timeout_ms, c->rise, c->fall, c->jitter_ms, c->initial_up ? "up" : "down",
		 c->path, c->host, c->payload, c->expect_reply, c->query, c->send, c->expect_str);
}

static __u16 probe_port(const struct xlb_cfg_service *cs)
{
	return cs->hc.port ? cs->hc.port : ntohs(cs->key.port);
}

int lbd_hsave_load(struct lbd *l)
{
	json_error_t je;
	json_t *root, *v;
	long long age;
	char *buf = NULL;
	size_t len;
	int err;

	if (!l->health_path || !*l->health_path)
		return 0;
	err = xlb_read_file(l->health_path, LBD_HSAVE_MAX_BYTES, &buf, &len);
	if (err) {
		if (err != -ENOENT)
			pr_warn("health: saved states %s: %s; starting from the configured initial "
				"states", l->health_path, strerror(-err));
		return 0;
	}
	root = json_loadb(buf, len, 0, &je);
	free(buf);
	if (!root || !json_is_object(root) ||
	    json_integer_value(json_object_get(root, "version")) != LBD_HSAVE_VERSION ||
	    !json_is_integer(v = json_object_get(root, "written_ms")) ||
	    !json_is_object(json_object_get(root, "services"))) {
		pr_warn("health: saved states %s: not a health state file (%s); starting from the "
			"configured initial states", l->health_path, root ? "bad layout" : je.text);
		json_decref(root);
		return 0;
	}
	age = json_integer_value(v) < 0 ? -1 : lbd_realtime_ms() - json_integer_value(v);
	if (age < 0 || age > LBD_HSAVE_MAX_AGE_MS) {
		pr_info("health: saved states %s are %llds old; starting from the configured "
			"initial states", l->health_path, age / 1000);
		json_decref(root);
		return 0;
	}
	l->hseed = root;
	l->hseed_age_ms = age;
	return 0;
}

bool lbd_hsave_seed(struct lbd *l, const struct xlb_cfg_service *cs,
		    const struct xlb_cfg_backend *cb, bool *up)
{
	json_t *s, *st;
	char fp[2048], a[XLB_ADDR_STRLEN];

	if (!l->hseed || cs->hc.type == XLB_HC_NONE)
		return false;
	s = json_object_get(json_object_get(l->hseed, "services"), cs->name);
	check_fp(&cs->hc, probe_port(cs), fp, sizeof(fp));
	if (!json_is_object(s) || !json_is_string(json_object_get(s, "check")) ||
	    strcmp(json_string_value(json_object_get(s, "check")), fp))
		return false;
	xlb_addr_str(&cb->addr, cb->family, a, sizeof(a));
	st = json_object_get(json_object_get(s, "backends"), a);
	if (!json_is_boolean(st))
		return false;
	*up = json_is_true(st);
	return true;
}

void lbd_hsave_done(struct lbd *l)
{
	if (l->hseed)
		pr_info("health: took backend states saved %llds ago from %s", l->hseed_age_ms / 1000,
			l->health_path);
	json_decref(l->hseed);
	l->hseed = NULL;
}

void lbd_hsave_dirty(struct lbd *l)
{
	l->hsave_dirty = true;
}

void lbd_hsave_flush(struct lbd *l, bool force)
{
	json_t *root, *svcs;
	long long now = lbd_now_ms();
	char *txt;
	size_t i;
	int err;

	/* not before the checker runs with every backend: a half-started lbd keeps the old file */
	if (!l->health_path || !*l->health_path || !l->hsave_dirty || !l->hsave_ready)
		return;
	if (!force && now - l->hsave_last_ms < 1000)
		return;
	svcs = json_object();
	root = json_pack("{s:i, s:I, s:o}", "version", LBD_HSAVE_VERSION, "written_ms",
			 (json_int_t)lbd_realtime_ms(), "services", svcs);
	if (!root)
		return;
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];
		json_t *bes = json_object();
		char fp[2048];
		size_t j;

		if (cs->hc.type == XLB_HC_NONE)
			continue;
		for (j = 0; j < cs->n_backends; j++) {
			const struct xlb_cfg_backend *cb = &cs->backends[j];
			char a[XLB_ADDR_STRLEN];
			bool up;

			if (!lbd_health_state(l, cs, cb, &up))
				continue;
			xlb_addr_str(&cb->addr, cb->family, a, sizeof(a));
			json_object_set_new(bes, a, json_boolean(up));
		}
		check_fp(&cs->hc, probe_port(cs), fp, sizeof(fp));
		json_object_set_new(svcs, cs->name, json_pack("{s:s, s:o}", "check", fp, "backends",
							       bes));
	}
	txt = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	if (!txt)
		return;
	err = xlb_write_atomic(l->health_path, txt, strlen(txt), 0600);
	free(txt);
	l->hsave_last_ms = now; /* a failure is retried a second later, logged once */
	if (err) {
		if (!l->hsave_failing)
			pr_warn("health: saving states to %s: %s (retrying every second)",
				l->health_path, strerror(-err));
		l->hsave_failing = true;
		return;
	}
	if (l->hsave_failing)
		pr_info("health: states saved to %s again", l->health_path);
	l->hsave_failing = false;
	l->hsave_dirty = false;
}
