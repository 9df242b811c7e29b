// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bgp.c - lbd announces its VIPs through BIRD (docs/multinode.md). xlb does
 * not speak BGP: lbd writes a BIRD config fragment (two static protocols with
 * a blackhole route per announced VIP, lib/announce.c renders it) that the
 * operator's bird.conf includes and exports to its BGP neighbours, and asks
 * BIRD to reconfigure over its control socket.
 *
 * Which VIPs: lib/announce.c decides from each service's active set (hc.c's
 * lbd_active_set: health, backup pool, panic) and the node's drain state.
 * Anything that may change them calls lbd_bgp_mark(); the event loop calls
 * lbd_bgp_flush() after each batch of events, so a burst of health changes
 * costs one recomputation, and the fragment is written (temp file + rename)
 * and BIRD reconfigured only when the set really changed. A failed write or
 * reconfigure is retried every second until it works.
 *
 * Lifetimes (hitless restarts are the point of the pinned data path):
 *  - lbd exits (SIGTERM, crash): the fragment and BIRD's routes stay; the
 *    data path keeps forwarding. A node that dies as a whole (box, link)
 *    loses its BGP sessions: the routers' hold timer or BFD withdraws it.
 *  - lbd starts: an existing fragment is left alone until the health checks
 *    of services with `initial: down` had time for a first decision, so a
 *    restart does not withdraw and re-announce.
 *  - lbctl node drain: withdraw everything, keep forwarding (established
 *    flows finish here or move to another node that picks the same backend).
 *    Recorded in the fragment itself, so a restarted lbd stays drained.
 *  - lbd --detach --config FILE: withdraw, then remove the data path.
 *
 * BIRD is talked to from a worker thread: writing the fragment (fsync) and
 * BIRD's `configure` (usually milliseconds, up to BIRD_TIMEOUT_MS when BIRD
 * is busy) never hold up the event loop, so health probes and lbctl go on
 * meanwhile. The loop renders the fragment, hands it over and collects the
 * result through an eventfd (bgp_worker_src); a change that arrives
 * while a job runs is synced right after it. Only `lbctl node drain` and
 * `undrain` wait for BIRD's answer, since they report it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "fileio.h"
#include "addr.h"
#include "announce.h"
#include "lbd.h"
#include "log.h"

#define BIRD_TIMEOUT_MS 2000
#define RETRY_MS 1000
#define FRAGMENT_MAX (1 << 20) /* reading back our own file */

/* The event loop's epoll set, kept for a bgp: section that a reload adds. */
static bool bgp_running; /* lbd_bgp_init ran: the event loop is there */

struct lbd_bgp {
	int tfd; /* one-shot: end of the start-up hold, or a retry */
	bool marked; /* the announced set may have changed */
	bool started; /* start-up hold over */
	bool drained; /* lbctl node drain */
	bool pending; /* fragment or BIRD not yet in sync with cur */
	bool have_cur;
	struct xlb_ann_vip *cur;
	size_t n_cur;
	char path[XLB_PATH_MAX]; /* fragment cur was last written to */
	char last_result[256]; /* BIRD's last answer, or the failure */
	bool last_ok;
	long long last_change_ms, last_sync_ms, hold_ms;
	__u64 changes, syncs, failures; /* failures: in all (lbctl node status) */
	__u64 failing; /* consecutive failed syncs: log throttling */
	/* the BIRD worker (see the top): mu guards job_*, busy and quit */
	pthread_t thr;
	bool thr_ok;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd; /* eventfd: the worker finished a job */
	bool busy; /* a job is with the worker (main thread's view) */
	bool resync; /* cur changed while the job ran */
	bool quit;
	bool job_ready, job_done;
	struct {
		char *text; /* the fragment (malloc'd; the worker frees it) */
		char path[XLB_PATH_MAX], sock[XLB_PATH_MAX];
		int err;
		char msg[256];
	} job;
};

static void arm(struct lbd_bgp *b, long long ms)
{
	struct itimerspec its = { .it_value = { ms / 1000, (ms % 1000) * 1000000L } };

	if (!ms)
		its.it_value.tv_nsec = 1;
	timerfd_settime(b->tfd, 0, &its, NULL);
}

/*
 * How long an existing announcement is kept as it is after a start: until
 * every service whose backends start down had time for a first decision.
 */
static long long startup_hold_ms(const struct xlb_config *cfg)
{
	long long hold = 0, t;
	size_t i;

	for (i = 0; i < cfg->n_services; i++) {
		const struct xlb_hc_check *c = &cfg->services[i].hc;

		if (c->type == XLB_HC_NONE || c->initial_up)
			continue;
		t = (long long)c->interval_ms * (c->rise ? c->rise : 1) + c->timeout_ms;
		if (t > hold)
			hold = t;
	}
	return hold;
}

/* The set to announce now: *out malloc'd (may be NULL when *n is 0). */
static int compute(struct lbd *l, struct xlb_ann_vip **out, size_t *n)
{
	const struct xlb_config *cfg = &l->cfg;
	struct xlb_ann_service *s = calloc(cfg->n_services + 1, sizeof(*s));
	struct xlb_ann_vip *v = calloc(cfg->n_services + 1, sizeof(*v));
	struct xlb_dp_be_active *act = NULL;
	size_t i, j;
	int err = 0;

	if (!s || !v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->n_services && !err; i++) {
		const struct xlb_cfg_service *cs = &cfg->services[i];

		free(act);
		act = calloc(cs->n_backends + 1, sizeof(*act));
		if (!act) {
			err = -ENOMEM;
			break;
		}
		s[i].vip = cs->key.addr;
		s[i].family = cs->key.family;
		err = lbd_active_set(l, cs, act, &s[i].mode);
		for (j = 0; j < cs->n_backends; j++)
			s[i].n_weighted += act[j].weight > 0;
	}
	if (!err)
		err = xlb_announce_compute(l->bgp->drained, s, cfg->n_services, v, n);
out:
	free(act);
	free(s);
	if (err) {
		free(v);
		v = NULL;
	}
	*out = v;
	return err;
}


/*
 * Ask BIRD at sock to reconfigure: 0 when its final answer is a 0xxx code,
 * -EREMOTEIO when BIRD refused (e.g. a syntax error), -errno when it could
 * not be reached; msg gets BIRD's last line or the reason.
 */
static int bird_configure(const char *sock, char *msg, size_t msglen)
{
	struct xlb_linebuf lb = {};
	const char *cmd = "configure\n";
	int fd, err, code = -1, fin, phase;
	char *line = NULL;

	fd = xlb_proto_connect(sock);
	if (fd < 0) {
		snprintf(msg, msglen, "connecting to BIRD at %s: %s", sock, strerror(-fd));
		return fd;
	}
	/* phase 0: the greeting ("0001 BIRD 2.0.12 ready."); 1: configure's reply */
	for (phase = 0; phase < 2; phase++) {
		if (phase == 1 && write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
			err = -errno;
			snprintf(msg, msglen, "writing to BIRD at %s: %s", sock, strerror(-err));
			goto out;
		}
		do {
			free(line);
			line = NULL;
			err = xlb_proto_recv(fd, &lb, &line, BIRD_TIMEOUT_MS);
			if (err) {
				snprintf(msg, msglen, "reading BIRD's answer on %s: %s", sock,
					 strerror(-err));
				goto out;
			}
			fin = xlb_bird_reply_line(line, &code);
			if (fin < 0) {
				snprintf(msg, msglen, "BIRD at %s: unexpected answer \"%.80s\"", sock,
					 line);
				err = -EBADMSG;
				goto out;
			}
			if (phase == 1 && fin == 0)
				pr_debug("bgp: BIRD: %s", line);
		} while (!fin);
	}
	snprintf(msg, msglen, "%s", line);
	err = xlb_bird_code_ok(code) ? 0 : -EREMOTEIO;
out:
	free(line);
	xlb_linebuf_free(&lb);
	close(fd);
	return err;
}

/* The worker: one job at a time, fragment then BIRD (see the top). */
static void *bird_worker(void *arg)
{
	struct lbd_bgp *b = arg;
	__u64 one = 1;
	int err;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->job_ready && !b->quit)
			pthread_cond_wait(&b->cv, &b->mu);
		if (b->quit)
			break;
		b->job_ready = false;
		pthread_mutex_unlock(&b->mu);
		err = xlb_write_atomic(b->job.path, b->job.text, strlen(b->job.text), 0644);
		if (err)
			snprintf(b->job.msg, sizeof(b->job.msg), "writing %.160s: %s", b->job.path,
				 strerror(-err));
		else
			err = bird_configure(b->job.sock, b->job.msg, sizeof(b->job.msg));
		free(b->job.text);
		pthread_mutex_lock(&b->mu);
		b->job.text = NULL;
		b->job.err = err;
		b->job_done = true;
		pthread_cond_broadcast(&b->cv);
		/* cannot fail: the counter never nears its limit with one job in flight */
		(void)!write(b->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* A job finished: take its result (main thread). Schedules a retry on failure. */
static void sync_done(struct lbd *l)
{
	struct lbd_bgp *b = l->bgp;
	const struct xlb_config *cfg = &l->cfg;
	int err;

	pthread_mutex_lock(&b->mu);
	if (!b->job_done) {
		pthread_mutex_unlock(&b->mu);
		return;
	}
	b->job_done = false;
	err = b->job.err;
	snprintf(b->last_result, sizeof(b->last_result), "%s", b->job.msg);
	pthread_mutex_unlock(&b->mu);
	b->busy = false;
	b->last_sync_ms = lbd_now_ms();
	b->last_ok = !err;
	if (err) {
		if (b->failing++ % 30 == 0) /* once, then every ~30 s */
			pr_warn("bgp: %s; %s written, retrying every %d ms", b->last_result,
				cfg->bgp_config_file, RETRY_MS);
		b->failures++;
		b->pending = true;
		b->resync = false; /* the retry writes the latest set */
		arm(b, RETRY_MS);
		return;
	}
	if (b->failing)
		pr_info("bgp: BIRD reconfigured (%s)", b->last_result);
	else
		pr_debug("bgp: BIRD: %s", b->last_result);
	b->failing = 0;
	b->pending = b->resync; /* a newer set is waiting: the next flush syncs it */
	b->resync = false;
}

/* Hand cur to the worker: render the fragment, then write and reconfigure off the loop. */
static void sync_bird(struct lbd *l)
{
	struct lbd_bgp *b = l->bgp;
	const struct xlb_config *cfg = &l->cfg;
	char *text = NULL;
	int err;

	if (b->busy) {
		b->resync = true;
		return;
	}
	b->syncs++;
	err = xlb_bird_fragment(cfg->bgp_protocol, b->drained, b->cur, b->n_cur, &text);
	if (err || !b->thr_ok) {
		snprintf(b->last_result, sizeof(b->last_result), "%s: %s",
			 err ? "rendering the fragment" : "the BIRD worker is not running",
			 strerror(err ? -err : ECHILD));
		free(text);
		if (b->failing++ % 30 == 0)
			pr_warn("bgp: %s; retrying every %d ms", b->last_result, RETRY_MS);
		b->failures++;
		b->pending = true;
		arm(b, RETRY_MS);
		return;
	}
	snprintf(b->path, sizeof(b->path), "%s", cfg->bgp_config_file);
	pthread_mutex_lock(&b->mu);
	b->job.text = text;
	snprintf(b->job.path, sizeof(b->job.path), "%s", cfg->bgp_config_file);
	snprintf(b->job.sock, sizeof(b->job.sock), "%s", cfg->bgp_bird_socket);
	b->job_ready = true;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	b->busy = true;
	b->pending = true; /* until BIRD confirms */
}

/* Block until the worker is idle and take its result (lbctl node drain/undrain). */
static void sync_wait(struct lbd *l)
{
	struct lbd_bgp *b = l->bgp;
	__u64 v;

	if (!b->busy)
		return;
	pthread_mutex_lock(&b->mu);
	while (!b->job_done)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
	/* EAGAIN when the loop read it already: job_done decides */
	(void)!read(b->efd, &v, sizeof(v));
	sync_done(l);
}

static void vip_list(const struct xlb_ann_vip *v, size_t n, const struct xlb_ann_vip *not,
		     size_t n_not, char *buf, size_t len)
{
	char a[XLB_ADDR_STRLEN];
	size_t i, j, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		for (j = 0; j < n_not; j++)
			if (!xlb_addr_cmp(v[i].family, &v[i].addr, not[j].family, &not[j].addr))
				break;
		if (j < n_not)
			continue;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s", off ? " " : "",
				xlb_addr_str(&v[i].addr, v[i].family, a, sizeof(a)));
	}
	if (off >= len && len > 4)
		strcpy(buf + len - 4, "...");
}

void lbd_bgp_mark(struct lbd *l)
{
	if (l->bgp)
		l->bgp->marked = true;
}

void lbd_bgp_flush(struct lbd *l)
{
	struct lbd_bgp *b = l->bgp;
	struct xlb_ann_vip *v = NULL;
	char add[512], del[512];
	size_t n = 0;
	int err;

	if (!b || !b->started || !l->cfg.bgp_enabled || (!b->marked && !b->pending))
		return;
	b->marked = false;
	err = compute(l, &v, &n);
	if (err) {
		pr_warn("bgp: computing the announced VIPs: %s", strerror(-err));
		b->marked = true;
		arm(b, RETRY_MS);
		return;
	}
	if (strcmp(b->path, l->cfg.bgp_config_file))
		b->pending = true; /* first time, or the reload named another file */
	if (b->have_cur && xlb_announce_equal(v, n, b->cur, b->n_cur)) {
		free(v);
		if (b->pending && !b->busy)
			sync_bird(l);
		return;
	}
	vip_list(v, n, b->cur, b->n_cur, add, sizeof(add));
	vip_list(b->cur, b->n_cur, v, n, del, sizeof(del));
	if (b->have_cur || *add || *del) {
		pr_info("bgp: %s%s%s%s%s; %zu VIPs announced%s", *add ? "announcing " : "", add,
			*add && *del ? ", " : "", *del ? "withdrawing " : "", del, n,
			b->drained ? " (node drained)" : "");
		lbd_event(l, "bgp", NULL, NULL, "%s%s%s%s%s; %zu VIPs announced%s",
			  *add ? "announce " : "", add, *add && *del ? ", " : "",
			  *del ? "withdraw " : "", del, n, b->drained ? " (node drained)" : "");
	}
	free(b->cur);
	b->cur = v;
	b->n_cur = n;
	b->have_cur = true;
	b->changes++;
	b->last_change_ms = lbd_now_ms();
	sync_bird(l);
}

/* Static, not in struct lbd_bgp: an event of this batch may come after a reload freed it. */
static struct lbd_src bgp_timer_src = { .fd = -1 }, bgp_worker_src = { .fd = -1 };

static void bgp_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	struct lbd_bgp *b = l->bgp;
	__u64 ticks;

	if (!b)
		return;
	if (s == &bgp_worker_src) { /* the worker finished a job */
		if (read(b->efd, &ticks, sizeof(ticks)) > 0)
			sync_done(l);
		return;
	}
	if (read(b->tfd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	if (!b->started) {
		b->started = true;
		pr_info("bgp: start-up hold over: announcing from the current health state");
	}
	b->marked = true;
}

static bool fragment_says_drained(const char *path)
{
	char *buf;
	bool drained = false;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	buf = malloc(FRAGMENT_MAX + 1);
	if (buf) {
		n = read(fd, buf, FRAGMENT_MAX);
		if (n >= 0) {
			buf[n] = '\0';
			drained = xlb_bird_fragment_drained(buf);
		}
		free(buf);
	}
	close(fd);
	return drained;
}

/*
 * at_start: lbd is starting, so an existing fragment is kept through the
 * start-up hold; after a reload the health checks already run and the set is
 * computed at once.
 */
static int bgp_start(struct lbd *l, bool at_start)
{
	const struct xlb_config *cfg = &l->cfg;
	struct lbd_bgp *b;
	struct stat st;
	bool exists;
	int err = 0;

	if (!cfg->bgp_enabled)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->tfd < 0 || b->efd < 0 ||
	    (err = lbd_loop_add(l, &bgp_timer_src, b->tfd, EPOLLIN, bgp_ready, NULL)) ||
	    (err = lbd_loop_add(l, &bgp_worker_src, b->efd, EPOLLIN, bgp_ready, NULL))) {
		err = err ? err : -errno;
		lbd_loop_del(l, &bgp_timer_src);
		pr_warn("bgp: setting up its timer and worker: %s", strerror(-err));
		if (b->tfd >= 0)
			close(b->tfd);
		if (b->efd >= 0)
			close(b->efd);
		free(b);
		return err;
	}
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	err = pthread_create(&b->thr, NULL, bird_worker, b);
	b->thr_ok = !err;
	if (err) /* sync_bird reports it and retries: no announcements without it */
		pr_warn("bgp: starting the BIRD worker thread: %s", strerror(err));
	exists = !stat(cfg->bgp_config_file, &st);
	b->drained = exists && fragment_says_drained(cfg->bgp_config_file);
	b->hold_ms = exists && at_start ? startup_hold_ms(cfg) : 0;
	b->marked = true;
	l->bgp = b;
	if (b->hold_ms) {
		pr_info("bgp: keeping the current announcement of %s for %lld ms (first health "
			"decisions)", cfg->bgp_config_file, b->hold_ms);
		arm(b, b->hold_ms);
	} else {
		b->started = true;
	}
	pr_info("bgp: announcing through BIRD at %s, fragment %s (protocols %s4, %s6)%s",
		cfg->bgp_bird_socket, cfg->bgp_config_file, cfg->bgp_protocol, cfg->bgp_protocol,
		b->drained ? "; the node is drained (lbctl node undrain to announce)" : "");
	return 0;
}

int lbd_bgp_init(struct lbd *l)
{
	bgp_running = true;
	return bgp_start(l, true);
}

static bool bgp_cfg_equal(const struct xlb_config *a, const struct xlb_config *b)
{
	return a->bgp_enabled == b->bgp_enabled &&
	       !strcmp(a->bgp_bird_socket, b->bgp_bird_socket) &&
	       !strcmp(a->bgp_config_file, b->bgp_config_file) &&
	       !strcmp(a->bgp_protocol, b->bgp_protocol);
}

void lbd_bgp_reconfigure(struct lbd *l, const struct xlb_config *old)
{
	const struct xlb_config *cfg = &l->cfg;
	int err;

	if (bgp_cfg_equal(old, cfg))
		return;
	if (l->bgp && (!cfg->bgp_enabled || strcmp(old->bgp_config_file, cfg->bgp_config_file))) {
		/*
		 * removed, or moved to another fragment: the old one announces
		 * nothing. The worker may be writing that very file: let it
		 * finish first, so that the empty fragment is the last word.
		 */
		sync_wait(l);
		pr_info("bgp: %s: withdrawing the VIPs announced through %s",
			cfg->bgp_enabled ? "fragment moved" : "bgp: section removed",
			old->bgp_config_file);
		lbd_bgp_withdraw_all(old);
		lbd_event(l, "bgp", NULL, NULL, "%s: withdrew every VIP of %s",
			  cfg->bgp_enabled ? "fragment moved" : "bgp: removed by a reload",
			  old->bgp_config_file);
	}
	if (!cfg->bgp_enabled) {
		lbd_bgp_free(l);
		return;
	}
	if (!l->bgp) {
		if (!bgp_running)
			return; /* not started yet: lbd_bgp_init will */
		err = bgp_start(l, false);
		if (err)
			pr_warn("bgp: starting after the reload: %s", strerror(-err));
		else
			lbd_event(l, "bgp", NULL, NULL, "bgp: added by a reload: announcing through %s",
				  cfg->bgp_config_file);
		return;
	}
	/* socket, fragment or protocol name changed: rewrite and reconfigure */
	l->bgp->pending = true;
	l->bgp->marked = true;
}

void lbd_bgp_free(struct lbd *l)
{
	struct lbd_bgp *b = l->bgp;

	if (!b)
		return;
	sync_wait(l); /* a job in flight finishes (bounded by BIRD_TIMEOUT_MS) */
	if (b->pending)
		pr_warn("bgp: exiting with %s not confirmed by BIRD (%s)", b->path[0] ? b->path :
			l->cfg.bgp_config_file, b->last_result);
	if (b->thr_ok) {
		pthread_mutex_lock(&b->mu);
		b->quit = true;
		pthread_cond_signal(&b->cv);
		pthread_mutex_unlock(&b->mu);
		pthread_join(b->thr, NULL);
	}
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	lbd_loop_del(l, &bgp_timer_src);
	lbd_loop_del(l, &bgp_worker_src);
	close(b->tfd);
	close(b->efd);
	free(b->cur);
	free(b);
	l->bgp = NULL;
}

json_t *lbd_bgp_node_json(struct lbd *l)
{
	struct lbd_bgp *b = l->bgp;
	const struct xlb_config *cfg = &l->cfg;
	char a[XLB_ADDR_STRLEN + 8];
	json_t *o, *arr;
	size_t i;

	o = json_pack("{s:b}", "bgp", b != NULL);
	if (!o || !b)
		return o;
	arr = json_array();
	for (i = 0; i < b->n_cur; i++) {
		xlb_addr_str(&b->cur[i].addr, b->cur[i].family, a, XLB_ADDR_STRLEN);
		strcat(a, b->cur[i].family == XLB_AF_INET ? "/32" : "/128");
		json_array_append_new(arr, json_string(a));
	}
	json_object_set_new(o, "state", json_string(b->drained	   ? "drained"
						     : !b->started ? "starting"
						     : b->n_cur    ? "announcing"
								   : "idle"));
	json_object_set_new(o, "drained", json_boolean(b->drained));
	json_object_set_new(o, "announced", arr);
	json_object_set_new(o, "in_sync", json_boolean(b->have_cur && !b->pending));
	json_object_set_new(o, "config_file", json_string(cfg->bgp_config_file));
	json_object_set_new(o, "bird_socket", json_string(cfg->bgp_bird_socket));
	json_object_set_new(o, "protocol", json_string(cfg->bgp_protocol));
	json_object_set_new(o, "last_result", json_string(b->last_result));
	json_object_set_new(o, "changes", json_integer(b->changes));
	json_object_set_new(o, "syncs", json_integer(b->syncs));
	json_object_set_new(o, "failures", json_integer(b->failures));
	json_object_set_new(o, "last_change_s_ago",
			    b->last_change_ms ? json_real((lbd_now_ms() - b->last_change_ms) / 1000.0)
					      : json_null());
	return o;
}

json_t *lbd_bgp_set_drained(struct lbd *l, bool drained)
{
	struct lbd_bgp *b = l->bgp;
	json_t *o;

	if (!b)
		return xlb_proto_error(XLB_E_INVALID_ARGUMENT,
				       "this node announces nothing: the config has no bgp: section");
	if (b->drained != drained) {
		pr_info("bgp: node %s", drained ? "drained: withdrawing every VIP, forwarding "
						  "established flows"
						: "undrained: announcing again");
		lbd_event(l, "bgp", NULL, NULL, "node %s", drained ? "drained" : "undrained");
	}
	b->drained = drained;
	b->started = true; /* the operator's word ends a start-up hold */
	b->marked = true;
	/* Now, not at the end of the loop iteration: the answer says whether BIRD took it. */
	sync_wait(l); /* a job already in flight goes first */
	b->pending = true;
	lbd_bgp_flush(l);
	sync_wait(l);
	o = lbd_bgp_node_json(l);
	if (b->pending) {
		json_decref(o);
		return xlb_proto_error(XLB_E_INTERNAL, "node %s, but BIRD did not confirm (%s); "
				       "lbd retries every %d ms", drained ? "drained" : "undrained",
				       b->last_result, RETRY_MS);
	}
	return xlb_proto_ok(o);
}

int lbd_bgp_withdraw_all(const struct xlb_config *cfg)
{
	char *text = NULL, msg[256];
	int err;

	if (!cfg->bgp_enabled)
		return 0;
	err = xlb_bird_fragment(cfg->bgp_protocol, false, NULL, 0, &text);
	if (!err)
		err = xlb_write_atomic(cfg->bgp_config_file, text, strlen(text), 0644);
	free(text);
	if (err) {
		pr_warn("bgp: writing %s: %s", cfg->bgp_config_file, strerror(-err));
		return err;
	}
	err = bird_configure(cfg->bgp_bird_socket, msg, sizeof(msg));
	if (err)
		pr_warn("bgp: withdrawing: %s", msg);
	else
		pr_info("bgp: withdrew every VIP (%s)", msg);
	return err;
}
