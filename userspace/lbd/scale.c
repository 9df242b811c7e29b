// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * scale.c - metrics-driven scaling hooks (config: services[].scaling). Once a
 * second (obs tick) each service with a scaling section gets one sample of
 * its metric, per backend taking new flows (effective weight > 0; at least
 * 1 as divisor):
 *   new_flows_per_backend_per_s: increase of the service's new-flow counter
 *                                over the last tick, per second;
 *   active_flows_per_backend:    active flows of the service (flowstat.h).
 * lib/scaling.c decides; when it says so, the command runs once through
 * /bin/sh -c, without waiting (posix_spawn), with the facts in its
 * environment. lbd reaps it on later ticks (and kills it after
 * LBD_HOOK_TIMEOUT_S) and records "scaling" events for start and exit.
 *
 * State is kept by service name across reloads; a changed scaling section
 * starts over.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/wait.h>

#include "addr.h"
#include "flowstat.h"
#include "lbd.h"
#include "log.h"
#include "obs.h"

#define LBD_HOOK_TIMEOUT_S 120

extern char **environ;

struct lbd_scale_svc {
	char name[XLB_NAME_MAX];
	struct xlb_scale_cfg cfg;
	struct xlb_scale_state st;
	bool seen; /* still configured (this tick) */
	bool have_prev;
	__u64 prev_new_flows;
	long long prev_ms;
	bool have_value;
	double value;
	pid_t pid; /* running hook, 0 none */
	long long pid_start_ms;
};

static struct lbd_scale_svc *find(struct lbd_obs *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->n_scale; i++)
		if (!strcmp(o->scale[i].name, name))
			return &o->scale[i];
	return NULL;
}

static void reap(struct lbd *l, struct lbd_scale_svc *s, long long now)
{
	int status;
	pid_t r;

	if (!s->pid)
		return;
	r = waitpid(s->pid, &status, WNOHANG);
	if (r == 0) {
		if (now - s->pid_start_ms > LBD_HOOK_TIMEOUT_S * 1000LL) {
			kill(s->pid, SIGKILL);
			lbd_event(l, "scaling", s->name, NULL, "hook pid %d still running after %d s: killed",
				  (int)s->pid, LBD_HOOK_TIMEOUT_S);
		}
		return;
	}
	if (r < 0)
		lbd_event(l, "scaling", s->name, NULL, "hook pid %d: %s", (int)s->pid, strerror(errno));
	else if (WIFEXITED(status))
		lbd_event(l, "scaling", s->name, NULL, "hook pid %d exited with status %d after %.1f s",
			  (int)s->pid, WEXITSTATUS(status), (now - s->pid_start_ms) / 1000.0);
	else
		lbd_event(l, "scaling", s->name, NULL, "hook pid %d killed by signal %d", (int)s->pid,
			  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	s->pid = 0;
}

static void run_hook(struct lbd *l, struct lbd_scale_svc *s, const struct xlb_cfg_service *cs,
		     enum xlb_scale_dir dir, double threshold, unsigned int n_backends)
{
	char ev[9][XLB_SCALE_CMD_MAX + 32], list[4096], a[XLB_ADDR_STRLEN];
	char *argv[] = { "/bin/sh", "-c", s->cfg.command, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	size_t n_env = 0, i, ll = 0;
	char **envp;
	pid_t pid;
	int err;

	if (s->pid) {
		lbd_event(l, "scaling", s->name, NULL,
			  "%s: %s %.3f beyond %.3f, but the previous hook (pid %d) is still running: "
			  "not started", xlb_scale_dir_name(dir), xlb_scale_metric_name(s->cfg.metric),
			  s->value, threshold, (int)s->pid);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < cs->n_backends && ll < sizeof(list); i++)
		ll += snprintf(list + ll, sizeof(list) - ll, "%s%s", i ? " " : "",
			       xlb_addr_str(&cs->backends[i].addr, cs->backends[i].family, a,
					    sizeof(a)));
	snprintf(ev[0], sizeof(ev[0]), "XLB_SERVICE=%s", cs->name);
	snprintf(ev[1], sizeof(ev[1]), "XLB_METRIC=%s", xlb_scale_metric_name(s->cfg.metric));
	snprintf(ev[2], sizeof(ev[2]), "XLB_VALUE=%.3f", s->value);
	snprintf(ev[3], sizeof(ev[3]), "XLB_THRESHOLD=%g", threshold);
	snprintf(ev[4], sizeof(ev[4]), "XLB_DIRECTION=%s", xlb_scale_dir_name(dir));
	snprintf(ev[5], sizeof(ev[5]), "XLB_BACKENDS=%u", n_backends);
	snprintf(ev[6], sizeof(ev[6]), "XLB_SOCKET=%s", l->sock_path);
	snprintf(ev[7], sizeof(ev[7]), "XLB_VIP=%s",
		 xlb_addr_str(&cs->key.addr, cs->key.family, a, sizeof(a)));
	snprintf(ev[8], sizeof(ev[8]), "XLB_PORT=%u", ntohs(cs->key.port));
	for (n_env = 0; environ[n_env]; n_env++)
		;
	envp = calloc(n_env + 11, sizeof(*envp));
	if (!envp)
		return;
	for (i = 0, n_env = 0; environ[i]; i++)
		if (strncmp(environ[i], "XLB_", 4))
			envp[n_env++] = environ[i];
	for (i = 0; i < 9; i++)
		envp[n_env++] = ev[i];
	/* the backend list may be long: its own buffer */
	{
		size_t len = strlen(list) + sizeof("XLB_BACKEND_LIST=");
		char *bl = malloc(len);

		if (bl) {
			snprintf(bl, len, "XLB_BACKEND_LIST=%s", list);
			envp[n_env++] = bl;
		}
	}
	/* lbd blocks INT/TERM/HUP (signalfd) and ignores PIPE: the hook must not inherit that */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	err = posix_spawn(&pid, argv[0], &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (n_env && !strncmp(envp[n_env - 1], "XLB_BACKEND_LIST=", 17))
		free(envp[n_env - 1]);
	free(envp);
	if (err) {
		lbd_event(l, "scaling", s->name, NULL, "%s: cannot start %s: %s",
			  xlb_scale_dir_name(dir), s->cfg.command, strerror(err));
		return;
	}
	s->pid = pid;
	s->pid_start_ms = lbd_now_ms();
	lbd_event(l, "scaling", s->name, NULL,
		  "%s: %s %.3f %s %g for %u s with %u backends: started %s (pid %d)",
		  xlb_scale_dir_name(dir), xlb_scale_metric_name(s->cfg.metric), s->value,
		  dir == XLB_SCALE_UP ? ">" : "<", threshold, s->cfg.for_s, n_backends,
		  s->cfg.command, (int)pid);
}

/* Backends of cs taking new flows (effective weight > 0). */
static unsigned int taking_new_flows(struct lbd *l, const struct xlb_cfg_service *cs)
{
	struct xlb_dp_be_active *act = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*act));
	enum xlb_pol_mode mode;
	unsigned int n = 0;
	size_t i;

	if (!act)
		return 0;
	if (!lbd_active_set(l, cs, act, &mode))
		for (i = 0; i < cs->n_backends; i++)
			n += act[i].weight > 0;
	free(act);
	return n;
}

void lbd_scale_tick(struct lbd *l)
{
	struct lbd_obs *o = l->obs;
	struct xlb_flowstat *fs = NULL;
	long long now = lbd_now_ms();
	size_t i, j;
	bool need_flows = false;

	for (i = 0; i < o->n_scale; i++)
		o->scale[i].seen = false;
	/* match the configured services (new ones appended) */
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];
		struct lbd_scale_svc *s;

		if (cs->scaling.metric == XLB_SCALE_OFF)
			continue;
		s = find(o, cs->name);
		if (!s) {
			struct lbd_scale_svc *ns = realloc(o->scale, (o->n_scale + 1) * sizeof(*ns));

			if (!ns)
				return;
			o->scale = ns;
			s = &o->scale[o->n_scale++];
			memset(s, 0, sizeof(*s));
			snprintf(s->name, sizeof(s->name), "%s", cs->name);
			s->cfg = cs->scaling;
			xlb_scale_state_init(&s->st);
		} else if (memcmp(&s->cfg, &cs->scaling, sizeof(s->cfg))) {
			s->cfg = cs->scaling;
			xlb_scale_state_init(&s->st);
			s->have_value = false;
		}
		s->seen = true;
		need_flows |= cs->scaling.metric == XLB_SCALE_ACTIVE_FLOWS_PER_BACKEND;
	}
	/* forget services that lost their section, once their hook is reaped */
	for (i = 0, j = 0; i < o->n_scale; i++) {
		reap(l, &o->scale[i], now);
		if (o->scale[i].seen || o->scale[i].pid)
			o->scale[j++] = o->scale[i];
	}
	o->n_scale = j;
	if (need_flows) {
		if (o->flow_fd < 0)
			o->flow_fd = xlb_flowstat_open(l->pin_dir);
		fs = o->flow_fd >= 0 ? malloc(sizeof(*fs)) : NULL;
		if (fs && xlb_flowstat_read(o->flow_fd, XLB_FLOW_OPEN_NS, fs)) {
			free(fs);
			fs = NULL;
		}
	}
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];
		struct lbd_scale_svc *s = cs->scaling.metric ? find(o, cs->name) : NULL;
		struct xlb_counters c = {};
		enum xlb_scale_dir dir;
		unsigned int n;
		double thr = 0, total;
		__u32 id;

		if (!s || xlb_dp_service_id(l->dp, &cs->key, &id))
			continue;
		n = taking_new_flows(l, cs);
		if (s->cfg.metric == XLB_SCALE_NEW_FLOWS_PER_BACKEND_PER_S) {
			if (xlb_dp_service_counters(l->dp, id, &c))
				continue;
			if (!s->have_prev || c.new_flows < s->prev_new_flows || now <= s->prev_ms) {
				/* first sample, or the counter was reset (service re-created) */
				s->have_prev = true;
				s->prev_new_flows = c.new_flows;
				s->prev_ms = now;
				continue;
			}
			total = (c.new_flows - s->prev_new_flows) * 1000.0 / (now - s->prev_ms);
			s->prev_new_flows = c.new_flows;
			s->prev_ms = now;
		} else {
			if (!fs || id >= XLB_MAX_SERVICES)
				continue;
			total = fs->svc_active[id];
		}
		s->value = total / (n ? n : 1);
		s->have_value = true;
		dir = xlb_scale_eval(&s->cfg, &s->st, s->value, now, &thr);
		if (dir != XLB_SCALE_NONE)
			run_hook(l, s, cs, dir, thr, n);
	}
	free(fs);
}

json_t *lbd_scale_json(struct lbd *l, const char *service)
{
	struct lbd_scale_svc *s = l->obs ? find(l->obs, service) : NULL;
	json_t *o;

	if (!s || !s->seen)
		return NULL;
	o = json_pack("{s:s, s:s, s:I, s:I, s:b}", "metric", xlb_scale_metric_name(s->cfg.metric),
		      "breach", xlb_scale_dir_name(s->st.dir), "runs_up", (json_int_t)s->st.fires_up,
		      "runs_down", (json_int_t)s->st.fires_down, "hook_running", s->pid != 0);
	if (o && s->have_value)
		json_object_set_new(o, "value", json_real(s->value));
	return o;
}

void lbd_scale_free(struct lbd *l)
{
	struct lbd_obs *o = l->obs;

	/* running hooks are left alone: they finish on their own (init reaps them) */
	free(o->scale);
	o->scale = NULL;
	o->n_scale = 0;
	if (o->flow_fd >= 0)
		close(o->flow_fd);
	o->flow_fd = -1;
}
