/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * change - the one mutation model of lbd's desired state. Every runtime
 * change (lbctl backend/service/acl/ratelimit commands, locally or in
 * cluster mode) becomes a change record; xlb_change_apply() applies it to a
 * copy of a desired state, never touching the original, and the result is
 * validated by the same replay that reads state files (state.c), whose
 * per-service definitions follow the config parser's rules. The caller
 * commits the copy once (lbd: desired.c; cluster: a compare-and-swap of the
 * document). Pure code, unit-tested in tests/unit/test_change.c.
 */
#ifndef XLB_CHANGE_H
#define XLB_CHANGE_H

#include "config.h"
#include "filter.h"
#include "proto.h"
#include <jansson.h>
#include <stdbool.h>

enum xlb_change_op {
	XLB_CH_BACKEND_ADD,
	XLB_CH_BACKEND_REMOVE,
	XLB_CH_BACKEND_WEIGHT,
	XLB_CH_BACKEND_DRAIN,
	XLB_CH_BACKEND_UNDRAIN,
	XLB_CH_SERVICE_ADD,
	XLB_CH_SERVICE_REMOVE,
	XLB_CH_ACL_ADD,	   /* acl ops: one prefix of the global deny list (service "") */
	XLB_CH_ACL_REMOVE, /* or of a service's allow or deny list */
	XLB_CH_RATE_SET,   /* rate ops: the global new-flow rate limit (service "") */
	XLB_CH_RATE_CLEAR, /* or a service's */
};

struct xlb_change {
	enum xlb_change_op op;
	char service[XLB_NAME_MAX];
	char address[XLB_ADDR_STRLEN]; /* backend ops */
	__u32 weight;		       /* add (default 100), weight */
	bool has_weight;
	__u16 port;		       /* add: target port (#19: nat/fullnat only), 0: the VIP's */
	json_t *def;		    /* service.add: a state.h service definition (owned) */
	bool allow;		    /* acl ops: the allow list (services only), else deny */
	struct xlb_cidr prefix;	    /* acl ops */
	struct xlb_rate_limit rate; /* rate ops: the new limit (clear: not set) */
	long long now_ms;	    /* CLOCK_REALTIME: a drain's start */
};

/*
 * A control command (proto.h name and validated args) as a change. 1: it is
 * one (*ch filled; free with xlb_change_free), 0: the command is not
 * a change of the desired state, -EINVAL: bad arguments (err), -ENOENT: a
 * service name no service can have (err: no service "...").
 */
int xlb_change_from_cmd(const char *cmd, const json_t *args, long long now_ms,
			struct xlb_change *ch, char *err, size_t errlen);
void xlb_change_free(struct xlb_change *ch);

/* Outcome of applying a change to a desired state. */
enum xlb_change_res {
	XLB_CH_OK = 0,	  /* *out is the new document */
	XLB_CH_NOOP,	  /* nothing to write (drain of a draining backend, same weight) */
	XLB_CH_NOT_FOUND, /* no such service / backend */
	XLB_CH_EXISTS,	  /* service / backend already there, VIP:port taken */
	XLB_CH_INVALID,	  /* the result would not validate */
	XLB_CH_NOMEM,
	XLB_CH_FULL, /* no room for another service */
};

/*
 * Apply ch to doc into *out (on XLB_CH_OK; else *out empty): doc is never
 * modified. err says why not, in the words the local commands always used.
 */
enum xlb_change_res xlb_change_apply(const struct xlb_change *ch, const struct xlb_config *doc,
				     struct xlb_config *out, char *err, size_t errlen);
/* The control protocol's error code for a refused change (local or cluster mode alike). */
enum xlb_err xlb_change_err(enum xlb_change_res r);

/*
 * The conflict decision after a failed compare-and-swap: the document was
 * `read` when the change was computed and is `fresh` now. The change may be
 * replayed on fresh only if what it touches (the backend; for service ops the
 * service with all its backends; for acl ops the scope's lists) is the same
 * in both: then the other writer
 * changed something else and nothing of theirs is overwritten. Otherwise it
 * is a conflict for the operator to look at; what says what differs.
 */
bool xlb_change_clean(const struct xlb_change *ch, const struct xlb_config *read,
		      const struct xlb_config *fresh, char *what, size_t whatlen);

#endif
