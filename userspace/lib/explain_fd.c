// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * explain_fd.c - struct xlb_explain_io over map fds (explain.h): the live
 * maps for lbd, a test's skeleton maps for tests/bpf/test_explain.c. Reads only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "explain.h"

static int lookup(int fd, const void *k, void *v)
{
	if (fd < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(fd, k, v) ? -errno : 0;
}

static int io_vfilt(void *c, __u32 w, __u64 *bits)
{
	return lookup(((struct xlb_explain_fds *)c)->vfilt, &w, bits);
}

static int io_service(void *c, const struct xlb_vip_key *k, struct xlb_svc *o)
{
	return lookup(((struct xlb_explain_fds *)c)->vips, k, o);
}

static int io_flow(void *c, const struct xlb_flow_key *k, struct xlb_flow *o)
{
	return lookup(((struct xlb_explain_fds *)c)->flows, k, o);
}

static int io_backend(void *c, __u32 id, struct xlb_backend *o)
{
	return lookup(((struct xlb_explain_fds *)c)->bends, &id, o);
}

static int io_slot(void *c, __u32 svc_id, __u32 slot, __u32 *be_id)
{
	struct xlb_explain_fds *x = c;
	__u32 inner_id, elem = slot / XLB_TABLE_PACK;
	__u64 v;
	xlb_slot_t s;
	int fd, rc;

	rc = lookup(x->tables, &svc_id, &inner_id);
	if (rc)
		return rc;
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return -errno;
	rc = lookup(fd, &elem, &v);
	close(fd);
	if (rc)
		return rc;
	s = ((xlb_slot_t *)&v)[slot % XLB_TABLE_PACK];
	*be_id = s == XLB_SLOT_NONE ? XLB_BACKEND_NONE : s;
	return 0;
}

static int io_filter(void *c, __u32 idx, struct xlb_filter *o)
{
	return lookup(((struct xlb_explain_fds *)c)->filt, &idx, o);
}

static int io_acl(void *c, const struct xlb_flow_key *k, __u32 scope)
{
	struct xlb_explain_fds *x = c;
	__u32 v;
	int rc;

	if (k->family == XLB_AF_INET) {
		struct xlb_acl4_key a = { .prefixlen = 64, .scope = scope, .addr = k->src.a[0] };

		rc = lookup(x->acl4, &a, &v);
	} else {
		struct xlb_acl6_key a = { .prefixlen = 160, .scope = scope };

		memcpy(a.addr, &k->src, sizeof(a.addr));
		rc = lookup(x->acl6, &a, &v);
	}
	return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

static int io_rate(void *c, const struct xlb_rate_key *k, __u64 *tat)
{
	return lookup(((struct xlb_explain_fds *)c)->rate, k, tat);
}

static int io_conns(void *c, __u32 id, __s64 *n)
{
	return lookup(((struct xlb_explain_fds *)c)->conns, &id, n);
}

/* A per-CPU map's values: one slot of round_up(size, 8) bytes per possible CPU. */
static void *percpu_get(struct xlb_explain_fds *x, int fd, __u32 key, size_t size,
			size_t *stride, int *rc)
{
	void *v;

	*stride = (size + 7) & ~(size_t)7;
	v = calloc(x->ncpus, *stride);
	if (!v) {
		*rc = -ENOMEM;
		return NULL;
	}
	*rc = lookup(fd, &key, v);
	if (*rc) {
		free(v);
		return NULL;
	}
	return v;
}

static int io_rr(void *c, __u32 svc_id, __u32 *cur)
{
	struct xlb_explain_fds *x = c;
	size_t st;
	int rc;
	__u8 *v = percpu_get(x, x->rrcur, svc_id, sizeof(__u32), &st, &rc);

	if (!v)
		return rc;
	memcpy(cur, v, sizeof(*cur)); /* CPU 0 */
	free(v);
	return 0;
}

static int io_fcache(void *c, __u32 slot, struct xlb_fcache_ent *ents, __u16 *gens, int *n)
{
	struct xlb_explain_fds *x = c;
	size_t st, st2;
	__u8 *e, *g;
	int rc, i;

	e = percpu_get(x, x->fcache, slot, sizeof(*ents), &st, &rc);
	if (!e)
		return rc;
	g = percpu_get(x, x->fcgen, slot / 4, sizeof(__u64), &st2, &rc);
	if (!g) {
		free(e);
		return rc;
	}
	*n = x->ncpus < XLB_EXPLAIN_MAX_CPUS ? x->ncpus : XLB_EXPLAIN_MAX_CPUS;
	for (i = 0; i < *n; i++) {
		memcpy(&ents[i], e + i * st, sizeof(*ents));
		memcpy(&gens[i], g + i * st2 + (slot % 4) * sizeof(__u16), sizeof(__u16));
	}
	free(e);
	free(g);
	return 0;
}

static int io_epoch(void *c, __u32 *ep)
{
	__u32 zero = 0;

	return lookup(((struct xlb_explain_fds *)c)->epoch, &zero, ep);
}

void xlb_explain_io_fds(struct xlb_explain_fds *f, struct xlb_explain_io *io)
{
	*io = (struct xlb_explain_io){
		.ctx = f, .vfilt_word = io_vfilt, .service = io_service, .flow = io_flow,
		.backend = io_backend, .slot = io_slot, .filter = io_filter, .acl = io_acl,
		.rate = io_rate, .conns = io_conns, .rr_cursor = io_rr, .fcache = io_fcache,
		.epoch = io_epoch,
	};
}

void *xlb_explain_percpu(const struct xlb_explain_fds *f, int fd, __u32 key, size_t size,
			 size_t *stride)
{
	int rc;

	return percpu_get((struct xlb_explain_fds *)f, fd, key, size, stride, &rc);
}
