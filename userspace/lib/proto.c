// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "proto.h"

static const char *const err_codes[XLB_E_MAX] = {
	[XLB_E_BAD_REQUEST] = "bad_request",
	[XLB_E_UNKNOWN_COMMAND] = "unknown_command",
	[XLB_E_NOT_FOUND] = "not_found",
	[XLB_E_EXISTS] = "exists",
	[XLB_E_INVALID_ARGUMENT] = "invalid_argument",
	[XLB_E_INTERNAL] = "internal",
	[XLB_E_PERMISSION_DENIED] = "permission_denied",
	[XLB_E_UNSUPPORTED_VERSION] = "unsupported_version",
	[XLB_E_CONFLICT] = "conflict",
	[XLB_E_BUSY] = "busy",
};

const char *xlb_err_code(enum xlb_err e)
{
	return (unsigned)e < XLB_E_MAX ? err_codes[e] : "internal";
}

/* ---- command table ---- */

static const struct xlb_arg_spec no_args[] = { { NULL } };
static const struct xlb_arg_spec backend_list_args[] = {
	{ "service", XLB_ARG_STRING, false, 0 },
	{ NULL },
};
static const struct xlb_arg_spec backend_add_args[] = {
	{ "service", XLB_ARG_STRING, true, 0 },
	{ "address", XLB_ARG_STRING, true, 0 },
	{ "weight", XLB_ARG_UINT, false, XLB_MAX_WEIGHT },
	{ "port", XLB_ARG_UINT, false, 65535 }, /* #19: target port, nat/fullnat only */
	{ NULL },
};
static const struct xlb_arg_spec backend_remove_args[] = {
	{ "service", XLB_ARG_STRING, true, 0 },
	{ "address", XLB_ARG_STRING, true, 0 },
	{ NULL },
};
static const struct xlb_arg_spec backend_weight_args[] = {
	{ "service", XLB_ARG_STRING, true, 0 },
	{ "address", XLB_ARG_STRING, true, 0 },
	{ "weight", XLB_ARG_UINT, true, XLB_MAX_WEIGHT },
	{ NULL },
};

static const struct xlb_arg_spec backend_addr_args[] = { /* drain, undrain */
	{ "service", XLB_ARG_STRING, true, 0 },
	{ "address", XLB_ARG_STRING, true, 0 },
	{ NULL },
};
static const struct xlb_arg_spec service_name_args[] = { /* remove, show */
	{ "service", XLB_ARG_STRING, true, 0 },
	{ NULL },
};
static const struct xlb_arg_spec service_add_args[] = {
	{ "service", XLB_ARG_STRING, true, 0 },
	{ "vip", XLB_ARG_STRING, true, 0 },
	{ "port", XLB_ARG_UINT, true, 65535 },
	{ "protocol", XLB_ARG_STRING, false, 0 },
	{ "scheduler", XLB_ARG_STRING, false, 0 },
	{ "forwarding", XLB_ARG_STRING, false, 0 },
	{ "table_size", XLB_ARG_UINT, false, XLB_MAX_TABLE_SIZE },
	{ "drain_timeout", XLB_ARG_UINT, false, XLB_MAX_DRAIN_TIMEOUT_S },
	{ NULL },
};
static const struct xlb_arg_spec reload_args[] = {
	{ "reset", XLB_ARG_BOOL, false, 0 }, /* drop the runtime overrides */
	{ NULL },
};

static const struct xlb_arg_spec events_args[] = {
	{ "since", XLB_ARG_UINT, false, 1UL << 53 }, /* sequence number: events after it */
	{ "limit", XLB_ARG_UINT, false, 1024 },
	{ NULL },
};

static const struct xlb_arg_spec audit_args[] = {
	{ "limit", XLB_ARG_UINT, false, 10000 },
	{ "since", XLB_ARG_UINT, false, 1UL << 40 }, /* unix seconds */
	{ NULL },
};

static const struct xlb_arg_spec plan_args[] = { /* the file's content */
	{ "yaml", XLB_ARG_STRING, true, 0 },
	{ "name", XLB_ARG_STRING, false, 0 }, /* the file name, for file:line messages */
	{ NULL },
};

static const struct xlb_arg_spec apply_args[] = {
	{ "yaml", XLB_ARG_STRING, true, 0 },
	{ "name", XLB_ARG_STRING, false, 0 },
	{ "force", XLB_ARG_BOOL, false, 0 }, /* overwrite a config file edited meanwhile */
	{ NULL },
};

static const struct xlb_arg_spec history_args[] = {
	{ "generation", XLB_ARG_UINT, false, 1UL << 53 }, /* show one, with its content */
	{ NULL },
};

static const struct xlb_arg_spec diff_args[] = {
	{ "from", XLB_ARG_UINT, true, 1UL << 53 },
	{ "to", XLB_ARG_UINT, false, 1UL << 53 }, /* default: the newest */
	{ NULL },
};

static const struct xlb_arg_spec rollback_args[] = {
	{ "generation", XLB_ARG_UINT, false, 1UL << 53 }, /* default: the one before the newest */
	{ "force", XLB_ARG_BOOL, false, 0 },
	{ NULL },
};

/*
 * Columns 3 and 4: access control (docs/access.md). The least role that may
 * run the command, and XLB_CMD_READONLY (not audited) / XLB_CMD_SCOPED (grants
 * scoped to the service in its "service" argument count). A row without them
 * is admin-only, audited and node-wide: list a new command here deliberately.
 */
#define RO XLB_CMD_READONLY
#define SCOPED XLB_CMD_SCOPED
static const struct xlb_arg_spec acl_list_args[] = {
	{ "service", XLB_ARG_STRING, false, 0 }, /* default: the global list and every service */
	{ NULL },
};

static const struct xlb_arg_spec acl_change_args[] = {
	{ "service", XLB_ARG_STRING, false, 0 }, /* absent: the global deny list */
	{ "list", XLB_ARG_STRING, true, 0 }, /* "allow" or "deny" */
	{ "prefix", XLB_ARG_STRING, true, 0 }, /* CIDR or address */
	{ NULL },
};

static const struct xlb_arg_spec ratelimit_set_args[] = {
	{ "service", XLB_ARG_STRING, false, 0 }, /* absent: the global limit */
	{ "rate", XLB_ARG_UINT, true, XLB_RATE_MAX }, /* new flows per second per bucket */
	{ "burst", XLB_ARG_UINT, false, XLB_BURST_MAX }, /* default: rate */
	{ "prefix_v4", XLB_ARG_UINT, false, 32 }, /* bucket: one per source /N; default 32 */
	{ "prefix_v6", XLB_ARG_UINT, false, 128 }, /* default 64 */
	{ NULL },
};

static const struct xlb_arg_spec flow_explain_args[] = {
	{ "src", XLB_ARG_STRING, true, 0 }, /* client address */
	{ "sport", XLB_ARG_UINT, false, 65535 }, /* default 0 */
	{ "vip", XLB_ARG_STRING, true, 0 },
	{ "port", XLB_ARG_UINT, true, 65535 },
	{ "protocol", XLB_ARG_STRING, false, 0 }, /* default tcp */
	{ "syn", XLB_ARG_BOOL, false, 0 }, /* explain a bare SYN (default: a segment of the flow) */
	{ NULL },
};

static const struct xlb_arg_spec capture_start_args[] = {
	{ "service", XLB_ARG_STRING, false, 0 }, /* packets to this service's VIP:port/proto */
	{ "backend", XLB_ARG_STRING, false, 0 }, /* ... forwarded to this backend (needs service) */
	{ "reason", XLB_ARG_STRING, false, 0 }, /* ... counted under this stats reason */
	{ "snaplen", XLB_ARG_UINT, false, XLB_CAP_SNAP_MAX },
	{ "rate", XLB_ARG_UINT, false, 1000000 }, /* records per second per CPU */
	{ "burst", XLB_ARG_UINT, false, 1000000 },
	{ "tx", XLB_ARG_BOOL, false, 0 }, /* also the frames as sent */
	{ NULL },
};
static const struct xlb_arg_spec capture_session_args[] = {
	{ "session", XLB_ARG_UINT, true, 0xffffffffUL },
	{ "service", XLB_ARG_STRING, false, 0 }, /* the session's, for scoped grants */
	{ "max", XLB_ARG_UINT, false, 1024 }, /* read: records per answer */
	{ NULL },
};

const struct xlb_cmd_spec xlb_proto_cmds[] = {
	{ "status", no_args, XLB_ROLE_VIEWER, RO },
	{ "service.list", no_args, XLB_ROLE_VIEWER, RO },
	{ "backend.list", backend_list_args, XLB_ROLE_VIEWER, RO | SCOPED },
	{ "backend.add", backend_add_args, XLB_ROLE_ADMIN, SCOPED },
	{ "backend.remove", backend_remove_args, XLB_ROLE_ADMIN, SCOPED },
	{ "backend.weight", backend_weight_args, XLB_ROLE_OPERATOR, SCOPED },
	{ "stats", no_args, XLB_ROLE_VIEWER, RO },
	{ "reload", reload_args, XLB_ROLE_ADMIN, 0 },
	{ "health", backend_list_args, XLB_ROLE_VIEWER, RO | SCOPED }, /* optional "service" */
	{ "audit", audit_args, XLB_ROLE_VIEWER, RO },
	{ "backend.drain", backend_addr_args, XLB_ROLE_OPERATOR, SCOPED },
	{ "backend.undrain", backend_addr_args, XLB_ROLE_OPERATOR, SCOPED },
	{ "service.add", service_add_args, XLB_ROLE_ADMIN, 0 },
	{ "service.remove", service_name_args, XLB_ROLE_ADMIN, SCOPED },
	{ "service.show", service_name_args, XLB_ROLE_VIEWER, RO | SCOPED },
	{ "config.export", no_args, XLB_ROLE_VIEWER, RO },
	{ "node.status", no_args, XLB_ROLE_VIEWER, RO }, /* BGP announcements (lbd/bgp.c) */
	{ "node.drain", no_args, XLB_ROLE_OPERATOR, 0 }, /* withdraw every VIP, keep forwarding */
	{ "node.undrain", no_args, XLB_ROLE_OPERATOR, 0 },
	{ "events", events_args, XLB_ROLE_VIEWER, RO }, /* lbd/events.c */
	{ "cluster.status", no_args, XLB_ROLE_VIEWER, RO }, /* lbd/cluster.c */
	/* lbd/apply.c: the content travels in the request, lbd reads no path for a client */
	{ "plan", plan_args, XLB_ROLE_VIEWER, RO },
	{ "apply", apply_args, XLB_ROLE_ADMIN, 0 },
	{ "history", history_args, XLB_ROLE_VIEWER, RO },
	{ "diff", diff_args, XLB_ROLE_VIEWER, RO },
	{ "rollback", rollback_args, XLB_ROLE_ADMIN, 0 },
	/* lbd/acl.c: ACLs change what reaches every service: admin, node-wide */
	{ "acl.list", acl_list_args, XLB_ROLE_VIEWER, RO },
	{ "acl.add", acl_change_args, XLB_ROLE_ADMIN, 0 },
	{ "acl.remove", acl_change_args, XLB_ROLE_ADMIN, 0 },
	/* lbd/ratelimit.c: like ACLs, node-wide */
	{ "ratelimit.show", acl_list_args, XLB_ROLE_VIEWER, RO },
	{ "ratelimit.set", ratelimit_set_args, XLB_ROLE_ADMIN, 0 },
	{ "ratelimit.clear", acl_list_args, XLB_ROLE_ADMIN, 0 },
	/* lbd/explain.c: reads the maps, changes nothing */
	{ "flow.explain", flow_explain_args, XLB_ROLE_VIEWER, RO },
	/*
	 * lbd/capture.c: packets show clients' addresses and payloads: operator,
	 * scoped to the captured service (node-wide grants for a capture of all);
	 * read and stop only by the user who started the session (lbd checks).
	 * The start is audited (who captured what); reads and the stop are not.
	 */
	{ "capture.start", capture_start_args, XLB_ROLE_OPERATOR, SCOPED },
	{ "capture.read", capture_session_args, XLB_ROLE_VIEWER, RO | SCOPED },
	{ "capture.stop", capture_session_args, XLB_ROLE_VIEWER, RO | SCOPED },
	{ NULL, NULL },
};
#undef RO
#undef SCOPED

const struct xlb_cmd_spec *xlb_proto_find_cmd(const char *name)
{
	const struct xlb_cmd_spec *c;

	for (c = xlb_proto_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* ---- messages ---- */

json_t *xlb_proto_request(const char *cmd, json_t *args)
{
	return json_pack("{s:i, s:s, s:o}", "v", XLB_PROTO_VERSION, "cmd", cmd, "args",
			 args ? args : json_object());
}

json_t *xlb_proto_ok(json_t *result)
{
	return json_pack("{s:i, s:b, s:o}", "v", XLB_PROTO_VERSION, "ok", 1, "result",
			 result ? result : json_object());
}

json_t *xlb_proto_error(enum xlb_err code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:i, s:b, s:{s:s, s:s}}", "v", XLB_PROTO_VERSION, "ok", 0, "error", "code",
			 xlb_err_code(code), "message", msg);
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int check_args(const struct xlb_cmd_spec *spec, json_t *args, json_t **err)
{
	const struct xlb_arg_spec *a;
	const char *key;
	json_t *val;

	json_object_foreach(args, key, val) {
		for (a = spec->args; a->name; a++)
			if (!strcmp(a->name, key))
				break;
		if (!a->name) {
			*err = xlb_proto_error(XLB_E_INVALID_ARGUMENT, "%s: unknown argument \"%s\"",
					       spec->name, key);
			return -EINVAL;
		}
		switch (a->type) {
		case XLB_ARG_STRING:
			if (!json_is_string(val)) {
				*err = xlb_proto_error(XLB_E_INVALID_ARGUMENT,
						       "%s: argument \"%s\" must be a string, not %s",
						       spec->name, key, json_type_name(val));
				return -EINVAL;
			}
			if (!*json_string_value(val)) {
				*err = xlb_proto_error(XLB_E_INVALID_ARGUMENT,
						       "%s: argument \"%s\" is empty", spec->name, key);
				return -EINVAL;
			}
			break;
		case XLB_ARG_BOOL:
			if (!json_is_boolean(val)) {
				*err = xlb_proto_error(XLB_E_INVALID_ARGUMENT,
						       "%s: argument \"%s\" must be true or false, not %s",
						       spec->name, key, json_type_name(val));
				return -EINVAL;
			}
			break;
		case XLB_ARG_UINT:
			if (!json_is_integer(val) || json_integer_value(val) < 0 ||
			    (unsigned long long)json_integer_value(val) > a->max) {
				*err = xlb_proto_error(XLB_E_INVALID_ARGUMENT,
						       "%s: argument \"%s\" must be an integer 0..%lu",
						       spec->name, key, a->max);
				return -EINVAL;
			}
			break;
		}
	}
	for (a = spec->args; a->name; a++) {
		if (a->required && !json_object_get(args, a->name)) {
			*err = xlb_proto_error(XLB_E_INVALID_ARGUMENT, "%s: missing argument \"%s\"",
					       spec->name, a->name);
			return -EINVAL;
		}
	}
	return 0;
}

int xlb_proto_parse_request(const char *line, const struct xlb_cmd_spec **spec, json_t **args,
			    json_t **err)
{
	const struct xlb_cmd_spec *c;
	json_t *req, *v, *cmd, *a;
	json_error_t jerr;
	int ret = -EINVAL;

	*spec = NULL;
	*args = NULL;
	*err = NULL;
	req = json_loads(line, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!req) {
		*err = xlb_proto_error(XLB_E_BAD_REQUEST, "not JSON: %s (column %d)", jerr.text,
				       jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(req)) {
		*err = xlb_proto_error(XLB_E_BAD_REQUEST, "request must be a JSON object, not %s",
				       json_type_name(req));
		goto out;
	}
	v = json_object_get(req, "v");
	if (!v || !json_is_integer(v)) {
		*err = xlb_proto_error(XLB_E_BAD_REQUEST, "request needs \"v\": %d (the protocol "
				       "version) as an integer", XLB_PROTO_VERSION);
		goto out;
	}
	if (json_integer_value(v) != XLB_PROTO_VERSION) {
		*err = xlb_proto_error(XLB_E_UNSUPPORTED_VERSION, "protocol version %lld is not "
				       "supported: this lbd speaks version %d",
				       (long long)json_integer_value(v), XLB_PROTO_VERSION);
		goto out;
	}
	cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd)) {
		*err = xlb_proto_error(XLB_E_BAD_REQUEST, "request needs \"cmd\" as a string");
		goto out;
	}
	{
		const char *k;
		json_t *val;

		/* a misspelt "args" must not be silently ignored */
		json_object_foreach(req, k, val) {
			if (strcmp(k, "v") && strcmp(k, "cmd") && strcmp(k, "args")) {
				*err = xlb_proto_error(XLB_E_BAD_REQUEST, "unknown request field "
						       "\"%s\" (expected v, cmd, args)", k);
				goto out;
			}
		}
	}
	c = xlb_proto_find_cmd(json_string_value(cmd));
	if (!c) {
		*err = xlb_proto_error(XLB_E_UNKNOWN_COMMAND, "unknown command \"%s\"",
				       json_string_value(cmd));
		goto out;
	}
	a = json_object_get(req, "args");
	if (a && json_is_null(a))
		a = NULL;
	if (a && !json_is_object(a)) {
		*err = xlb_proto_error(XLB_E_BAD_REQUEST, "%s: \"args\" must be an object, not %s",
				       c->name, json_type_name(a));
		goto out;
	}
	a = a ? json_incref(a) : json_object();
	if (check_args(c, a, err)) {
		json_decref(a);
		goto out;
	}
	*spec = c;
	*args = a;
	ret = 0;
out:
	json_decref(req);
	return ret;
}

int xlb_proto_parse_response(const char *line, json_t **result, char *code, size_t codelen,
			     char *msg, size_t msglen)
{
	json_t *resp, *ok, *e;
	json_error_t jerr;
	int ret = -EBADMSG;

	*result = NULL;
	if (code && codelen)
		*code = 0;
	if (msg && msglen)
		*msg = 0;
	resp = json_loads(line, 0, &jerr);
	if (!resp) {
		snprintf(msg, msglen, "malformed response from lbd: %s", jerr.text);
		return -EBADMSG;
	}
	ok = json_object_get(resp, "ok");
	if (!json_is_object(resp) || !json_is_boolean(ok)) {
		snprintf(msg, msglen, "malformed response from lbd: no \"ok\"");
		goto out;
	}
	if (json_is_true(ok)) {
		*result = json_object_get(resp, "result");
		*result = *result ? json_incref(*result) : json_object();
		ret = 0;
		goto out;
	}
	e = json_object_get(resp, "error");
	snprintf(code, codelen, "%s", json_string_value(json_object_get(e, "code")) ?: "internal");
	snprintf(msg, msglen, "%s",
		 json_string_value(json_object_get(e, "message")) ?: "lbd reported an error");
	ret = -EREMOTEIO;
out:
	json_decref(resp);
	return ret;
}

/* ---- line framing ---- */

static size_t linebuf_max(const struct xlb_linebuf *lb)
{
	return lb->max ? lb->max : XLB_PROTO_MAX_LINE;
}

int xlb_linebuf_feed(struct xlb_linebuf *lb, const void *data, size_t n)
{
	size_t need = lb->len + n;
	char *p;

	if (!n)
		return 0; /* nothing to add; lb->buf may still be NULL (memcpy to NULL is UB) */
	if (need > lb->cap) {
		/* A complete line may still be waiting; only the unfinished
		 * tail counts against the limit, checked in _next(). Cap the
		 * buffer at two lines so a peer cannot make us grow forever. */
		if (need > 2 * linebuf_max(lb))
			return -EMSGSIZE;
		p = realloc(lb->buf, need);
		if (!p)
			return -ENOMEM;
		lb->buf = p;
		lb->cap = need;
	}
	memcpy(lb->buf + lb->len, data, n);
	lb->len += n;
	return 0;
}

int xlb_linebuf_next(struct xlb_linebuf *lb, char **line)
{
	char *nl = lb->len ? memchr(lb->buf, '\n', lb->len) : NULL;
	size_t n;

	*line = NULL;
	if (!nl)
		return lb->len >= linebuf_max(lb) ? -EMSGSIZE : 0;
	n = nl - lb->buf;
	if (n + 1 > linebuf_max(lb))
		return -EMSGSIZE;
	*line = malloc(n + 1);
	if (!*line)
		return -ENOMEM;
	memcpy(*line, lb->buf, n);
	(*line)[n] = 0;
	if (n && (*line)[n - 1] == '\r')
		(*line)[n - 1] = 0;
	memmove(lb->buf, nl + 1, lb->len - n - 1);
	lb->len -= n + 1;
	return 1;
}

void xlb_linebuf_free(struct xlb_linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}

/* ---- socket I/O ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int xlb_proto_send(int fd, const json_t *msg, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	size_t len, off = 0;
	char *s;
	ssize_t n;
	int err = 0;

	s = json_dumps(msg, JSON_COMPACT);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	/* the receiver enforces its own limit: lbd's on requests is much lower */
	if (len + 1 > XLB_PROTO_MAX_RESPONSE) {
		free(s);
		return -EMSGSIZE;
	}
	s[len++] = '\n'; /* replaces the terminating NUL */
	while (off < len) {
		n = send(fd, s + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0) {
			off += n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			err = -errno;
			break;
		}
		err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			break;
	}
	free(s);
	return err;
}

int xlb_proto_recv(int fd, struct xlb_linebuf *lb, char **line, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[4096];
	ssize_t n;
	int err;

	for (;;) {
		err = xlb_linebuf_next(lb, line);
		if (err)
			return err < 0 ? err : 0;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			err = xlb_linebuf_feed(lb, buf, n);
			if (err)
				return err;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		err = wait_fd(fd, POLLIN, deadline);
		if (err)
			return err;
	}
}

int xlb_proto_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* connect(2) said EACCES: say who the socket admits (docs/access.md). */
static void eacces_hint(const char *path, char *err, size_t errlen)
{
	char gbuf[4096], gname[64];
	struct group gr, *res = NULL;
	struct stat st;
	size_t n = strlen(err);

	if (stat(path, &st))
		return;
	if (!getgrgid_r(st.st_gid, &gr, gbuf, sizeof(gbuf), &res) && res)
		snprintf(gname, sizeof(gname), "%s", res->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)st.st_gid);
	snprintf(err + n, errlen > n ? errlen - n : 0,
		 " (the control socket admits root and members of group \"%s\", mode %04o; "
		 "ask an admin to add you to that group, see docs/access.md)", gname,
		 (unsigned)(st.st_mode & 07777));
}

int xlb_proto_call(const char *path, const char *cmd, json_t *args, json_t **result, char *err,
		   size_t errlen, int timeout_ms)
{
	struct xlb_linebuf lb = { .max = XLB_PROTO_MAX_RESPONSE };
	char code[64], *line = NULL;
	json_t *req;
	int fd, ret;

	*result = NULL;
	req = xlb_proto_request(cmd, args);
	if (!req) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	fd = xlb_proto_connect(path);
	if (fd < 0) {
		ret = fd;
		snprintf(err, errlen, "cannot connect to lbd at %s: %s%s", path, strerror(-ret),
			 ret == -ENOENT || ret == -ECONNREFUSED ? " (is lbd running?)" : "");
		if (ret == -EACCES)
			eacces_hint(path, err, errlen);
		goto out;
	}
	ret = xlb_proto_send(fd, req, timeout_ms);
	if (ret) {
		snprintf(err, errlen, "sending to lbd at %s: %s", path, strerror(-ret));
		goto out_close;
	}
	ret = xlb_proto_recv(fd, &lb, &line, timeout_ms);
	if (ret) {
		snprintf(err, errlen, "reading lbd's answer on %s: %s", path,
			 ret == -ECONNRESET ? "connection closed" : strerror(-ret));
		goto out_close;
	}
	ret = xlb_proto_parse_response(line, result, code, sizeof(code), err, errlen);
out_close:
	close(fd);
out:
	free(line);
	xlb_linebuf_free(&lb);
	json_decref(req);
	return ret;
}
