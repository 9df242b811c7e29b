// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_httpd - the backend of tools/bench-conn.sh: a minimal HTTP/1.1
 * server, one thread, epoll, listen backlog 4096, that answers every request
 * with a fixed 200 naming the backend. Keeps the connection open unless the
 * request says "Connection: close" (then the server closes first, as nginx
 * does). Small and predictable, so the balancer under test, not the server,
 * makes the difference (tools/lab-httpd.py is Python: too slow for this).
 *
 *   bench_httpd [--port 8080] [--name be1]
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BACKLOG 4096
#define MAXEV	256

struct conn {
	int fd;
	int crlf;  /* bytes of "\r\n\r\n" matched so far */
	int close; /* this request asked for Connection: close */
	char line[32]; /* tail of the current header line, lower case */
	int llen;
};

static char resp_ka[256], resp_close[256];
static int len_ka, len_close;

/* Feed request bytes; returns the number of complete requests seen. */
static int feed(struct conn *c, const char *buf, ssize_t n)
{
	static const char end[] = "\r\n\r\n";
	int done = 0;
	ssize_t i;

	for (i = 0; i < n; i++) {
		char ch = buf[i];

		c->crlf = ch == end[c->crlf] ? c->crlf + 1 : (ch == '\r' ? 1 : 0);
		if (ch == '\n') {
			c->line[c->llen] = 0;
			if (!strncmp(c->line, "connection: close", 17))
				c->close = 1;
			c->llen = 0;
		} else if (ch != '\r' && c->llen < (int)sizeof(c->line) - 1) {
			c->line[c->llen++] = (char)tolower((unsigned char)ch);
		}
		if (c->crlf == 4) {
			c->crlf = 0;
			done++;
		}
	}
	return done;
}

int main(int argc, char **argv)
{
	const char *name = "backend";
	struct epoll_event ev, evs[MAXEV];
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int port = 8080, one = 1, lfd, ep, i, n;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else {
			fprintf(stderr, "usage: bench_httpd [--port N] [--name NAME]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	len_ka = snprintf(resp_ka, sizeof(resp_ka),
			  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\n",
			  strlen(name) + 1, name);
	len_close = snprintf(resp_close, sizeof(resp_close),
			     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			     "Connection: close\r\n\r\n%s\n", strlen(name) + 1, name);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sa.sin_port = htons(port);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, BACKLOG)) {
		perror("bench_httpd: listen");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL; /* NULL: the listener */
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("bench_httpd: epoll");
		return 1;
	}
	for (;;) {
		n = epoll_wait(ep, evs, MAXEV, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("bench_httpd: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			char buf[4096];
			ssize_t r;
			int fd, k, bye = 0;

			if (!c) {
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					c = calloc(1, sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
						close(fd);
						free(c);
					}
				}
				continue;
			}
			r = read(c->fd, buf, sizeof(buf));
			if (r <= 0) {
				bye = r == 0 || (errno != EAGAIN && errno != EINTR);
			} else {
				k = feed(c, buf, r);
				/* Responses are small: a full socket buffer only ends the connection. */
				while (k-- > 0 && !bye) {
					if (c->close)
						bye = 1;
					if (write(c->fd, bye ? resp_close : resp_ka, bye ? len_close : len_ka) < 0)
						bye = 1;
				}
			}
			if (bye) {
				close(c->fd); /* also leaves the epoll set */
				free(c);
			}
		}
	}
}
