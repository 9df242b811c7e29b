// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * control.c - the control socket's connections (docs/control.md "Connections").
 *
 * lbd serves at most LBD_CTL_MAX connections from its one thread. Whoever
 * may connect (the socket group) could otherwise hold them all and lock
 * everybody out, root included. So:
 *  - a connection must deliver a complete request line within
 *    LBD_CTL_DEADLINE_MS of being accepted or of its last answer, else it
 *    is closed (slowloris: a byte a second does not keep it);
 *  - one uid holds at most LBD_CTL_PER_UID connections (root: no budget);
 *  - the last LBD_CTL_RESERVE slots are kept for root and node-wide admins;
 *  - a refused connection gets a `busy` error line, is counted by reason
 *    (status "control", xlb_lbd_control_refused_total) and logged, at most
 *    one line per LBD_CTL_LOG_MS with the number left unlogged.
 * The peer's identity is read once at accept (access.c, SO_PEERCRED).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "lbd.h"
#include "log.h"

#define CLIENT_SEND_TIMEOUT_MS 2000
#define REFUSE_SEND_TIMEOUT_MS 10 /* the peer has an empty socket buffer: never waits */

struct client {
	int fd;
	struct xlb_linebuf lb;
	struct xlb_peer *peer; /* access.c: who connected; NULL = unknown, no role */
	__u32 uid; /* (__u32)-1: unknown */
	bool reserved; /* root or admin: may use the reserved slots */
	long long since_ms; /* accepted, or last answered: a request is due by + deadline */
	struct lbd_src src; /* loop.c: data = this client */
};

static struct {
	struct client c[LBD_CTL_MAX];
	int lfd, tfd;
	struct lbd_src listen_src, sweep_src;
	lbd_request_fn handle; /* what a request becomes (main.c: lbd_dispatch) */
	unsigned int used;
	__u64 accepted, refused_busy, refused_peer, timed_out;
	__u64 unlogged; /* refusals and timeouts since the last log line */
	long long logged_ms;
} ctl = { .lfd = -1, .tfd = -1 };

static unsigned int uid_count(__u32 uid)
{
	unsigned int i, n = 0;

	for (i = 0; i < LBD_CTL_MAX; i++)
		n += ctl.c[i].fd >= 0 && ctl.c[i].uid == uid;
	return n;
}

/* One log line per LBD_CTL_LOG_MS: a flood of refusals must not flood the journal. */
static void note(const char *what, const struct xlb_peer *p, const char *why)
{
	long long now = lbd_now_ms();
	char who[96];

	if (ctl.logged_ms && now - ctl.logged_ms < LBD_CTL_LOG_MS) {
		ctl.unlogged++;
		return;
	}
	pr_warn("control: %s pid %d %s: %s (%llu more not logged; totals: %llu busy, %llu over "
		"the per-user budget, %llu timed out)",
		what, p ? (int)p->pid : 0,
		p ? xlb_peer_name(p, who, sizeof(who)) : "(unknown peer)", why,
		(unsigned long long)ctl.unlogged, (unsigned long long)ctl.refused_busy,
		(unsigned long long)ctl.refused_peer, (unsigned long long)ctl.timed_out);
	ctl.unlogged = 0;
	ctl.logged_ms = now;
}

static void client_close(struct lbd *l, struct client *c)
{
	lbd_loop_del(l, &c->src);
	close(c->fd);
	xlb_linebuf_free(&c->lb);
	free(c->peer);
	c->peer = NULL;
	c->fd = -1;
	ctl.used--;
}

/* Why p may not have another connection now, or NULL. */
static const char *refusal(const struct xlb_peer *p, bool reserved, __u64 **counter)
{
	static char why[160];

	*counter = &ctl.refused_busy;
	if (ctl.used >= LBD_CTL_MAX)
		return "all control connections are in use";
	if (!reserved && ctl.used >= LBD_CTL_MAX - LBD_CTL_RESERVE) {
		snprintf(why, sizeof(why),
			 "%d of %d control connections in use; the rest are kept for admins",
			 LBD_CTL_MAX - LBD_CTL_RESERVE, LBD_CTL_MAX);
		return why;
	}
	*counter = &ctl.refused_peer;
	if (!p)
		return uid_count((__u32)-1) >= LBD_CTL_PER_UID
			       ? "too many control connections from peers of unknown identity"
			       : NULL;
	if (p->uid != 0 && uid_count(p->uid) >= LBD_CTL_PER_UID) {
		snprintf(why, sizeof(why), "uid %u already holds %d control connections", p->uid,
			 LBD_CTL_PER_UID);
		return why;
	}
	return NULL;
}

static void client_read(struct lbd *l, struct client *c);

static void client_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	struct client *c = s->data;

	if (c->fd >= 0)
		client_read(l, c);
}

static void client_accept(struct lbd *l)
{
	struct xlb_peer *peer;
	const char *why;
	__u64 *counter;
	bool reserved;
	int fd, i;

	while ((fd = accept4(ctl.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		/* credentials as of connect(2); without them the client has no role */
		peer = malloc(sizeof(*peer));
		if (peer && lbd_peer_get(fd, peer)) {
			free(peer);
			peer = NULL;
		}
		reserved = peer && lbd_peer_reserved(peer);
		why = refusal(peer, reserved, &counter);
		if (why) {
			json_t *e = xlb_proto_error(XLB_E_BUSY, "too many control connections: %s; "
						    "try again later", why);

			(*counter)++;
			note("refused a connection from", peer, why);
			xlb_proto_send(fd, e, REFUSE_SEND_TIMEOUT_MS);
			json_decref(e);
			free(peer);
			close(fd);
			continue;
		}
		for (i = 0; ctl.c[i].fd >= 0; i++) /* refusal() made sure there is one */
			;
		ctl.c[i] = (struct client){ .fd = fd, .peer = peer,
					    .uid = peer ? peer->uid : (__u32)-1,
					    .reserved = reserved, .since_ms = lbd_now_ms() };
		ctl.used++;
		ctl.accepted++;
		if (lbd_loop_add(l, &ctl.c[i].src, fd, EPOLLIN, client_ready, &ctl.c[i]))
			client_close(l, &ctl.c[i]);
	}
}

static void client_read(struct lbd *l, struct client *c)
{
	const struct xlb_cmd_spec *spec;
	char buf[4096], *line;
	json_t *args, *resp;
	ssize_t n;
	int err;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_close(l, c);
			return;
		}
		if (n < 0)
			break;
		err = xlb_linebuf_feed(&c->lb, buf, n);
		if (err)
			goto too_long;
	}
	while ((err = xlb_linebuf_next(&c->lb, &line)) > 0) {
		if (xlb_proto_parse_request(line, &spec, &args, &resp)) {
			pr_debug("control: rejected request: %s", line);
		} else {
			pr_debug("control: %s", line);
			resp = ctl.handle(l, c->peer, spec, args); /* main.c: authorize, run, audit */
			json_decref(args);
			lbd_obs_changed(l);
		}
		free(line);
		if (!resp || xlb_proto_send(c->fd, resp, CLIENT_SEND_TIMEOUT_MS)) {
			json_decref(resp);
			client_close(l, c);
			return;
		}
		json_decref(resp);
		c->since_ms = lbd_now_ms(); /* the next request is due from now */
	}
	if (!err)
		return;
too_long:
	resp = xlb_proto_error(XLB_E_BAD_REQUEST, "request line longer than %d bytes",
			       XLB_PROTO_MAX_LINE);
	xlb_proto_send(c->fd, resp, CLIENT_SEND_TIMEOUT_MS);
	json_decref(resp);
	client_close(l, c);
}

/* Close every connection whose next request is overdue. */
static void sweep(struct lbd *l)
{
	long long now = lbd_now_ms();
	char why[96];
	int i;

	for (i = 0; i < LBD_CTL_MAX; i++) {
		struct client *c = &ctl.c[i];
		json_t *e;

		if (c->fd < 0 || now - c->since_ms < LBD_CTL_DEADLINE_MS)
			continue;
		snprintf(why, sizeof(why), "no complete request within %d s%s",
			 LBD_CTL_DEADLINE_MS / 1000, c->lb.len ? " (a partial one)" : "");
		ctl.timed_out++;
		note("closed the connection of", c->peer, why);
		e = xlb_proto_error(XLB_E_BAD_REQUEST, "%s: closing the connection", why);
		xlb_proto_send(c->fd, e, REFUSE_SEND_TIMEOUT_MS);
		json_decref(e);
		client_close(l, c);
	}
}

static void accept_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	client_accept(l);
}

static void sweep_ready(struct lbd *l, struct lbd_src *s, __u32 events)
{
	__u64 ticks;

	if (read(ctl.tfd, &ticks, sizeof(ticks)) > 0)
		sweep(l);
}

int lbd_control_init(struct lbd *l, int lfd, lbd_request_fn handle)
{
	struct itimerspec its = { .it_interval = { 0, LBD_CTL_SWEEP_MS * 1000000L },
				  .it_value = { 0, LBD_CTL_SWEEP_MS * 1000000L } };
	int i, err;

	for (i = 0; i < LBD_CTL_MAX; i++)
		ctl.c[i].fd = -1;
	ctl.lfd = lfd;
	ctl.handle = handle;
	ctl.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ctl.tfd < 0 || timerfd_settime(ctl.tfd, 0, &its, NULL))
		return -errno;
	err = lbd_loop_add(l, &ctl.sweep_src, ctl.tfd, EPOLLIN, sweep_ready, NULL);
	if (!err)
		err = lbd_loop_add(l, &ctl.listen_src, lfd, EPOLLIN, accept_ready, NULL);
	return err;
}

void lbd_control_free(struct lbd *l)
{
	int i;

	for (i = 0; i < LBD_CTL_MAX; i++)
		if (ctl.c[i].fd >= 0)
			client_close(l, &ctl.c[i]);
	if (ctl.tfd >= 0)
		close(ctl.tfd);
	ctl.tfd = -1;
}

json_t *lbd_control_json(void)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:I, s:{s:I, s:I}, s:I}", "connections",
			 (int)ctl.used, "max", LBD_CTL_MAX, "reserved_for_admins",
			 LBD_CTL_RESERVE, "per_user", LBD_CTL_PER_UID, "accepted",
			 (json_int_t)ctl.accepted, "refused", "busy",
			 (json_int_t)ctl.refused_busy, "per_user",
			 (json_int_t)ctl.refused_peer, "timed_out", (json_int_t)ctl.timed_out);
}
