/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The lbd control protocol (docs/control.md): JSON over a Unix stream socket,
 * one object per line in each direction.
 *
 *   request:  {"v":1,"cmd":"backend.add","args":{"service":"web","address":"10.0.0.5"}}
 *   response: {"v":1,"ok":true,"result":{...}}
 *             {"v":1,"ok":false,"error":{"code":"not_found","message":"..."}}
 *
 * The command table below is the single list of commands and their
 * arguments: lbd validates every request against it before running a
 * handler, lbctl uses it for nothing but the names. Pure code (jansson and
 * sockets only), unit-tested in tests/unit/test_proto.c.
 */
#ifndef XLB_PROTO_H
#define XLB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "authz.h"

#define XLB_PROTO_VERSION 1
#define XLB_PROTO_MAX_LINE 65536 /* bytes per request line, newline included */
/* An answer may be much longer (views of thousands of backends); lbctl trusts lbd. */
#define XLB_PROTO_MAX_RESPONSE (64u << 20)
#define XLB_DEFAULT_SOCKET "/run/xlb/lbd.sock"
#define XLB_PROTO_TIMEOUT_MS 10000
#define XLB_PROTO_APPLY_TIMEOUT_MS 300000 /* lbctl reload, apply, rollback */

enum xlb_err {
	XLB_E_BAD_REQUEST, /* not JSON, not an object, wrong "v", line too long */
	XLB_E_UNKNOWN_COMMAND,
	XLB_E_NOT_FOUND, /* no such service / backend */
	XLB_E_EXISTS, /* already there */
	XLB_E_INVALID_ARGUMENT, /* missing, unknown or ill-typed argument, bad value */
	XLB_E_INTERNAL, /* the data path refused a change */
	XLB_E_PERMISSION_DENIED, /* the peer's roles do not allow the command (docs/access.md) */
	XLB_E_UNSUPPORTED_VERSION, /* "v" is an integer but not XLB_PROTO_VERSION */
	XLB_E_CONFLICT, /* cluster mode: the desired state changed under the request */
	XLB_E_BUSY, /* lbd refuses the connection for now: too many, or this peer has too many */
	XLB_E_MAX,
};

const char *xlb_err_code(enum xlb_err e);

enum xlb_arg_type {
	XLB_ARG_STRING,
	XLB_ARG_UINT, /* JSON integer in [0, max] */
	XLB_ARG_BOOL, /* JSON true or false */
};

struct xlb_arg_spec {
	const char *name;
	enum xlb_arg_type type;
	bool required;
	unsigned long max; /* XLB_ARG_UINT only */
};

struct xlb_cmd_spec {
	const char *name;
	const struct xlb_arg_spec *args; /* terminated by name == NULL */
	/*
	 * Access control (docs/access.md, authz.h): the least role that may run
	 * the command (XLB_ROLE_*; left out = admin) and XLB_CMD_* flags (left
	 * out = audited, node-wide). A new command is admin-only until listed.
	 */
	__u8 role;
	__u8 flags;
};

const struct xlb_cmd_spec *xlb_proto_find_cmd(const char *name);
/* All commands, terminated by name == NULL. */
extern const struct xlb_cmd_spec xlb_proto_cmds[];

/* ---- messages ---- */

/* {"v":1,"cmd":cmd,"args":args}; steals args (NULL = {}). */
json_t *xlb_proto_request(const char *cmd, json_t *args);
/* {"v":1,"ok":true,"result":result}; steals result (NULL = {}). */
json_t *xlb_proto_ok(json_t *result);
/* {"v":1,"ok":false,"error":{"code":..,"message":..}} */
json_t *xlb_proto_error(enum xlb_err code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Parse and validate one request line (without its newline) against the
 * command table. On success returns 0, *spec = the command and *args = a new
 * reference to the args object (always an object; decref it). On failure
 * returns -EINVAL and *err = a complete error response (decref it).
 */
int xlb_proto_parse_request(const char *line, const struct xlb_cmd_spec **spec, json_t **args,
			    json_t **err);

/*
 * Parse one response line. 0: ok, *result = new reference. -EREMOTEIO: lbd
 * answered with an error; its code and message are copied to code/msg.
 * -EBADMSG: not a valid response (msg says why).
 */
int xlb_proto_parse_response(const char *line, json_t **result, char *code, size_t codelen,
			     char *msg, size_t msglen);

/* ---- line framing ---- */

struct xlb_linebuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max; /* longest line accepted; 0 = XLB_PROTO_MAX_LINE */
};

/* Append n bytes. -EMSGSIZE if a line grows past lb->max (XLB_PROTO_MAX_LINE). */
int xlb_linebuf_feed(struct xlb_linebuf *lb, const void *data, size_t n);
/* 1 and *line (malloc'd, no newline) when a full line is buffered, else 0. */
int xlb_linebuf_next(struct xlb_linebuf *lb, char **line);
void xlb_linebuf_free(struct xlb_linebuf *lb);

/* ---- socket I/O (timeouts in ms; deadline over the whole call) ---- */

/* Write msg as one compact line. 0, -ETIMEDOUT, -EMSGSIZE or -errno. */
int xlb_proto_send(int fd, const json_t *msg, int timeout_ms);
/* Read one line into *line (malloc'd). 0, -ETIMEDOUT, -EMSGSIZE, -ECONNRESET (EOF) or -errno. */
int xlb_proto_recv(int fd, struct xlb_linebuf *lb, char **line, int timeout_ms);
/* Connect to a Unix stream socket: fd or -errno. */
int xlb_proto_connect(const char *path);

/*
 * One round trip: connect, send {cmd, args (stolen)}, read the response.
 * Returns 0 with *result, -EREMOTEIO with lbd's message in err, or -errno
 * (connection, timeout, malformed answer) with a description in err.
 */
int xlb_proto_call(const char *path, const char *cmd, json_t *args, json_t **result, char *err,
		   size_t errlen, int timeout_ms);

#endif
