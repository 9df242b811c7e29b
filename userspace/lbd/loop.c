// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * loop.c - lbd's event loop: each source registers its file descriptor with
 * its own callback and data (struct lbd_src, owned by the source); the loop
 * hands each ready descriptor to its callback. The epoll data is the
 * pointer to the source, never a tag, so no two sources can be confused
 * (the health checker keeps its probe sockets in its own epoll set, hc.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lbd.h"
#include "log.h"

int lbd_loop_init(struct lbd *l)
{
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

void lbd_loop_free(struct lbd *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int lbd_loop_add(struct lbd *l, struct lbd_src *s, int fd, __u32 events, lbd_src_fn fn, void *data)
{
	struct epoll_event ev = {.events = events, .data.ptr = s};

	s->fd = fd;
	s->fn = fn;
	s->data = data;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		s->fd = -1;
		return -errno;
	}
	return 0;
}

void lbd_loop_del(struct lbd *l, struct lbd_src *s)
{
	if (s->fd >= 0 && l->epfd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	s->fd = -1;
}

int lbd_loop_run(struct lbd *l, volatile bool *stop, void (*after)(struct lbd *l))
{
	struct epoll_event evs[16];
	int i, n;

	while (!*stop) {
		n = epoll_wait(l->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			struct lbd_src *s = evs[i].data.ptr;

			s->fn(l, s, evs[i].events);
		}
		if (after)
			after(l); /* end of an iteration: work batched over its events */
	}
	return 0;
}
