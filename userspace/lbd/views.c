// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * views.c - how the desired state and its counters look in replies: a
 * service, a backend (with its drain and flows, drain.c), a rate limit.
 * Read-only; used by the command handlers, change.c and cluster.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "lbd.h"

struct xlb_cfg_service *lbd_find_service(struct lbd *l, const char *name)
{
	return xlb_cfg_service_find(&l->cfg, name);
}

static json_t *counters_json(json_t *o, const struct xlb_counters *c)
{
	json_object_set_new(o, "packets", json_integer(c->packets));
	json_object_set_new(o, "bytes", json_integer(c->bytes));
	json_object_set_new(o, "new_flows", json_integer(c->new_flows));
	json_object_set_new(o, "syn_retx", json_integer(c->syn_retx)); /* #21 */
	return o;
}

json_t *lbd_service_json(struct lbd *l, const struct xlb_cfg_service *s)
{
	char vip[XLB_ADDR_STRLEN];
	struct xlb_counters c = {};
	json_t *o;
	__u32 id;

	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:i, s:i}", "name", s->name, "vip",
		      xlb_addr_str(&s->key.addr, s->key.family, vip, sizeof(vip)), "port",
		      ntohs(s->key.port), "proto", xlb_proto_name(s->key.proto), "sched",
		      xlb_sched_name(s->sched), "fwd", xlb_fwd_name(s->fwd), "table_size",
		      (json_int_t)s->table_size, "backends", (json_int_t)s->n_backends);
	if (!o)
		return NULL;
	json_object_set_new(o, "syn_cookies", lbd_sc_json(s));
	if (!xlb_dp_service_id(l->dp, &s->key, &id)) {
		json_object_set_new(o, "id", json_integer(id));
		xlb_dp_service_counters(l->dp, id, &c);
	}
	o = counters_json(o, &c);
	if (o)
		json_object_set_new(o, "syn_cookies_sent", json_integer(c.syn_cookies));
	return o;
}

json_t *lbd_backend_json(struct lbd *l, const struct xlb_cfg_service *s,
			 const struct xlb_cfg_backend *b)
{
	char a[XLB_ADDR_STRLEN];
	struct xlb_counters c = {};
	json_t *o;
	__u32 id;

	o = json_pack("{s:s, s:s, s:i, s:s}", "service", s->name, "address",
		      xlb_addr_str(&b->addr, b->family, a, sizeof(a)), "weight",
		      (json_int_t)b->weight, "state", b->weight ? "active" : "idle");
	if (!o)
		return NULL;
	if (xlb_fwd_is_nat(s->fwd)) /* #19: where the balancer sends its flows */
		json_object_set_new(o, "port", json_integer(b->port ? b->port : ntohs(s->key.port)));
	if (!xlb_dp_backend_id(l->dp, &s->key, &b->addr, b->family, &id)) {
		json_object_set_new(o, "id", json_integer(id));
		xlb_dp_backend_counters(l->dp, id, &c);
		lbd_drain_backend_json(l, s, b, o, id, true);
	} else {
		lbd_drain_backend_json(l, s, b, o, 0, false);
	}
	return counters_json(o, &c);
}

json_t *lbd_rate_limit_json(const struct xlb_rate_limit *rl)
{
	if (!rl->set)
		return json_null();
	return json_pack("{s:I, s:I, s:i, s:i}", "new_flows_per_s", (json_int_t)rl->rate, "burst",
			 (json_int_t)rl->burst, "prefix_v4", rl->prefix4, "prefix_v6", rl->prefix6);
}
