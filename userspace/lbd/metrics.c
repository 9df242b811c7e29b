// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * metrics.c - lbd's Prometheus endpoint (docs/metrics.md): GET /metrics in
 * text exposition format 0.0.4, served by libmicrohttpd from its own thread
 * (MHD_USE_INTERNAL_POLLING_THREAD: one thread, connections one after the
 * other), so a slow scraper never delays health probes or the control
 * socket.
 *
 * What the metrics thread reads:
 *  - lbd's in-memory state (services, backends, ids, health, effective
 *    weights, reload facts) ONLY through the snapshot that the main thread
 *    publishes with lbd_metrics_publish() under m->mu: at start, every second
 *    (obs tick), after every control command and after every reload. A
 *    published snapshot is never modified; the reader takes a reference.
 *  - the data path's counters and the flow table directly (map fds: reading
 *    maps is safe from any thread), so packet counters are fresh at scrape
 *    time. A backend id reused between a snapshot and a scrape could show the
 *    new backend's counters for at most one second; ids are reused only after
 *    a backend is removed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>

#include "addr.h"
#include "dp_nat.h"
#include "dashboard.h"
#include "flowstat.h"
#include "lbd.h"
#include "log.h"
#include "obs.h"

#ifndef XLB_VERSION
#define XLB_VERSION "0.1.0"
#endif

struct lbd_metrics {
	struct MHD_Daemon *d;
	struct xlb_addr addr;
	__u8 family;
	__u16 port;
	pthread_mutex_t mu;
	json_t *snap; /* guarded by mu; immutable once published */
	const struct xlb_dp *dp; /* counters only: thread-safe map reads */
	int flow_fd; /* own fd of the pinned flow table, -1 if unavailable */
};

static const char *const stat_names[XLB_STAT_MAX][2] = {
#define XLB_STAT_NAME(e, name, help) [XLB_STAT_##e] = { name, help },
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

/* ---- snapshot (main thread) ---------------------------------------------- */

static json_t *build_snapshot(struct lbd *l)
{
	struct lbd_obs *o = l->obs;
	json_t *h = lbd_health_json(l, NULL), *hs = json_object_get(h, "services");
	json_t *svcs = json_array(), *snap;
	size_t i, j, n_be = 0;

	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];
		json_t *hsvc = json_array_get(hs, i), *hbes = json_object_get(hsvc, "backends");
		json_t *s, *bes = json_array(), *sc;
		char a[XLB_ADDR_STRLEN];
		__u32 id;

		for (j = 0; j < cs->n_backends; j++) {
			const struct xlb_cfg_backend *cb = &cs->backends[j];
			json_t *hb = json_array_get(hbes, j), *b;

			b = json_pack("{s:s, s:I}", "address",
				      xlb_addr_str(&cb->addr, cb->family, a, sizeof(a)), "weight",
				      (json_int_t)cb->weight);
			if (!xlb_dp_backend_id(l->dp, &cs->key, &cb->addr, cb->family, &id))
				json_object_set_new(b, "id", json_integer(id));
			if (hb) {
				const char *st = json_string_value(json_object_get(hb, "state"));
				const char *last = json_string_value(json_object_get(hb, "last_result"));

				if (st)
					json_object_set_new(b, "up", json_boolean(!strcmp(st, "up")));
				if (last) /* the dashboard's "why" */
					json_object_set_new(b, "last_result", json_string(last));
				json_object_set(b, "effective_weight",
						json_object_get(hb, "effective_weight"));
				json_object_set(b, "usable", json_object_get(hb, "usable"));
				json_object_set(b, "transitions", json_object_get(hb, "transitions"));
				json_object_set(b, "feedback", json_object_get(hb, "feedback")); /* #21 */
				if (last && strcmp(last, "none"))
					json_object_set_new(
					    b, "latency_s",
					    json_real(json_number_value(json_object_get(
							  hb, "last_latency_ms")) / 1000.0));
			}
			json_object_set_new(b, "drain", json_boolean(cb->drain));
			json_object_set_new(b, "backup", json_boolean(cb->backup));
			json_array_append_new(bes, b);
			n_be++;
		}
		s = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "name", cs->name, "vip",
			      xlb_addr_str(&cs->key.addr, cs->key.family, a, sizeof(a)), "port",
			      ntohs(cs->key.port), "protocol", xlb_proto_name(cs->key.proto),
			      "scheduler", xlb_sched_name(cs->sched), "forwarding",
			      xlb_fwd_name(cs->fwd), "mode",
			      json_string_value(json_object_get(hsvc, "mode"))
				  ? json_string_value(json_object_get(hsvc, "mode"))
				  : "?",
			      "backends", bes);
		if (!xlb_dp_service_id(l->dp, &cs->key, &id))
			json_object_set_new(s, "id", json_integer(id));
		json_object_set_new(s, "syn_cookies", lbd_sc_json(cs));
		sc = lbd_scale_json(l, cs->name);
		if (sc)
			json_object_set_new(s, "scaling", sc);
		if (json_object_get(hsvc, "probe_duration"))
			json_object_set(s, "probe_duration", json_object_get(hsvc, "probe_duration"));
		json_array_append_new(svcs, s);
	}
	json_decref(h);
	snap = json_pack("{s:o, s:I, s:I, s:I, s:b, s:f, s:f, s:I, s:s, s:s, s:I}", "services",
			 svcs, "config_generation", (json_int_t)o->config_generation, "reloads_ok",
			 (json_int_t)o->reloads_ok, "reloads_failed", (json_int_t)o->reloads_failed,
			 "last_reload_ok", o->last_reload_ok, "last_reload_unix",
			 o->last_reload_unix, "start_unix", o->start_unix, "events_total",
			 (json_int_t)o->ev_by_kind_total, "iface", l->iface, "attach_mode",
			 xlb_dp_attach_mode(l->dp), "backends", (json_int_t)n_be);
	if (snap) {
		/* the dashboard's event log: the last 20 */
		json_t *ev = lbd_events_json(l, o->next_seq > 21 ? o->next_seq - 21 : 0, 20);

		json_object_set_new(snap, "control", lbd_control_json()); /* control.c */
		json_object_set_new(snap, "link", lbd_netwatch_json(l)); /* netwatch.c */
		json_object_set(snap, "events", json_object_get(ev, "events"));
		json_decref(ev);
	}
	if (snap && l->cluster) { /* cluster.c */
		bool on, up;
		long long rev;

		lbd_cluster_metrics(l, &on, &up, &rev);
		json_object_set_new(snap, "cluster", json_pack("{s:b, s:I}", "etcd_up", up,
							       "revision", (json_int_t)rev));
	}
	return snap;
}

void lbd_metrics_publish(struct lbd *l)
{
	struct lbd_metrics *m = l->obs ? l->obs->m : NULL;
	json_t *snap, *old;

	if (!m)
		return;
	snap = build_snapshot(l);
	if (!snap)
		return;
	pthread_mutex_lock(&m->mu);
	old = m->snap;
	m->snap = snap;
	pthread_mutex_unlock(&m->mu);
	json_decref(old);
}

/* ---- exposition (metrics thread) ------------------------------------------ */

static void put_escaped(FILE *f, const char *s, bool label)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && label)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help, false);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

/* name{k1="v1",k2="v2"} value -- labels as NULL-terminated key, value pairs */
static void sample(FILE *f, const char *name, double v, bool integer, ...)
{
	const char *k, *val;
	bool first = true;
	va_list ap;

	fputs(name, f);
	va_start(ap, integer);
	while ((k = va_arg(ap, const char *))) {
		val = va_arg(ap, const char *);
		fprintf(f, "%s%s=\"", first ? "{" : ",", k);
		put_escaped(f, val ? val : "", true);
		fputc('"', f);
		first = false;
	}
	va_end(ap);
	if (!first)
		fputc('}', f);
	if (integer)
		fprintf(f, " %.0f\n", v);
	else
		fprintf(f, " %.9g\n", v);
}

static const char *sname(json_t *s)
{
	return json_string_value(json_object_get(s, "name"));
}

static const char *baddr(json_t *b)
{
	return json_string_value(json_object_get(b, "address"));
}

static bool get_id(json_t *o, __u32 *id)
{
	json_t *v = json_object_get(o, "id");

	if (!json_is_integer(v))
		return false;
	*id = (__u32)json_integer_value(v);
	return true;
}

/* Per service and per backend packets/bytes/new flows (counters) and active flows. */
static void render_traffic(FILE *f, struct lbd_metrics *m, json_t *svcs,
			   const struct xlb_flowstat *fs)
{
	static const struct {
		const char *suffix, *help;
		size_t off;
	} ctr[] = {
		{ "packets_total", "packets forwarded to", offsetof(struct xlb_counters, packets) },
		{ "bytes_total", "bytes (L2 frames as received) forwarded to",
		  offsetof(struct xlb_counters, bytes) },
		{ "new_flows_total", "new flows (connection table entries created) scheduled to",
		  offsetof(struct xlb_counters, new_flows) },
		/* #21: passive health */
		{ "syn_retransmitted_flows_total",
		  "new TCP flows whose SYN the client retransmitted (once per flow), sent to",
		  offsetof(struct xlb_counters, syn_retx) },
	};
	size_t nsvc = json_array_size(svcs), i, j, k;
	struct xlb_counters *sc = calloc(nsvc + 1, sizeof(*sc));
	char name[96], help[160];
	json_t *s, *b;

	if (!sc)
		return;
	json_array_foreach(svcs, i, s) {
		__u32 id;

		if (get_id(s, &id))
			xlb_dp_service_counters(m->dp, id, &sc[i]);
	}
	for (k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
		snprintf(name, sizeof(name), "xlb_service_%s", ctr[k].suffix);
		snprintf(help, sizeof(help), "Data path: %s the service's backends.", ctr[k].help);
		family(f, name, "counter", help);
		json_array_foreach(svcs, i, s)
			sample(f, name, *(__u64 *)((char *)&sc[i] + ctr[k].off), true, "service",
			       sname(s), NULL);
	}
	for (k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
		snprintf(name, sizeof(name), "xlb_backend_%s", ctr[k].suffix);
		snprintf(help, sizeof(help), "Data path: %s the backend.", ctr[k].help);
		family(f, name, "counter", help);
		json_array_foreach(svcs, i, s) {
			json_array_foreach(json_object_get(s, "backends"), j, b) {
				struct xlb_counters c = {};
				__u32 id;

				if (get_id(b, &id))
					xlb_dp_backend_counters(m->dp, id, &c);
				sample(f, name, *(__u64 *)((char *)&c + ctr[k].off), true,
				       "service", sname(s), "backend", baddr(b), NULL);
			}
		}
	}
	free(sc);
	if (!fs)
		return;
	family(f, "xlb_service_active_flows", "gauge",
	       "Connection table entries of the service whose last packet is at most 30 s old "
	       "(not closed by FIN/RST under lc): an approximation of open connections.");
	json_array_foreach(svcs, i, s) {
		__u32 id;

		sample(f, "xlb_service_active_flows",
		       get_id(s, &id) && id < XLB_MAX_SERVICES ? fs->svc_active[id] : 0, true,
		       "service", sname(s), NULL);
	}
	family(f, "xlb_backend_active_flows", "gauge",
	       "Connection table entries on the backend whose last packet is at most 30 s old "
	       "(not closed by FIN/RST under lc): an approximation of open connections.");
	json_array_foreach(svcs, i, s) {
		json_array_foreach(json_object_get(s, "backends"), j, b) {
			__u32 id;

			sample(f, "xlb_backend_active_flows",
			       get_id(b, &id) && id < XLB_BACKEND_ID_LIMIT ? fs->be_active[id] : 0, true,
			       "service", sname(s), "backend", baddr(b), NULL);
		}
	}
}

/* Health, weights and scaling: from the snapshot. */
static void render_state(FILE *f, json_t *svcs)
{
	static const char *const modes[] = { "normal", "spill", "backup", "panic", "fail-closed",
					     "down" };
	json_t *s, *b, *sc;
	size_t i, j, k;
	char port[8];

	family(f, "xlb_service_info", "gauge",
	       "Always 1: a configured service and its settings as labels.");
	json_array_foreach(svcs, i, s) {
		snprintf(port, sizeof(port), "%d", (int)json_integer_value(json_object_get(s, "port")));
		sample(f, "xlb_service_info", 1, true, "service", sname(s), "vip",
		       json_string_value(json_object_get(s, "vip")), "port", port, "protocol",
		       json_string_value(json_object_get(s, "protocol")), "scheduler",
		       json_string_value(json_object_get(s, "scheduler")), "forwarding",
		       json_string_value(json_object_get(s, "forwarding")), NULL);
	}
	family(f, "xlb_service_syn_cookies", "gauge",
	       "1 while the service answers SYNs with SYN cookies (syn_cookies: on, or auto "
	       "while under pressure), else 0; setting: off, on, auto.");
	json_array_foreach(svcs, i, s) {
		const char *sck = json_string_value(json_object_get(s, "syn_cookies"));

		if (!sck)
			continue;
		sample(f, "xlb_service_syn_cookies",
		       !strcmp(sck, "on") || !strcmp(sck, "auto (on)"), true, "service", sname(s),
		       "setting", strncmp(sck, "auto", 4) ? sck : "auto", NULL);
	}
	family(f, "xlb_service_mode", "gauge",
	       "1 for the service's current active-set mode (normal, spill, backup, panic, "
	       "fail-closed, down), 0 for the others.");
	json_array_foreach(svcs, i, s) {
		const char *cur = json_string_value(json_object_get(s, "mode"));

		for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++)
			sample(f, "xlb_service_mode", cur && !strcmp(cur, modes[k]), true,
			       "service", sname(s), "mode", modes[k], NULL);
	}
	family(f, "xlb_backend_up", "gauge",
	       "Health of the backend: 1 up, 0 down (health checks; type none is always up).");
	json_array_foreach(svcs, i, s)
		json_array_foreach(json_object_get(s, "backends"), j, b)
			if (json_is_boolean(json_object_get(b, "up")))
				sample(f, "xlb_backend_up", json_is_true(json_object_get(b, "up")),
				       true, "service", sname(s), "backend", baddr(b), NULL);
	family(f, "xlb_backend_probe_latency_seconds", "gauge",
	       "Duration of the backend's last finished health probe (failed probes too).");
	json_array_foreach(svcs, i, s)
		json_array_foreach(json_object_get(s, "backends"), j, b)
			if (json_is_number(json_object_get(b, "latency_s")))
				sample(f, "xlb_backend_probe_latency_seconds",
				       json_number_value(json_object_get(b, "latency_s")), false,
				       "service", sname(s), "backend", baddr(b), NULL);
	family(f, "xlb_service_probe_duration_seconds", "histogram",
	       "Duration of the service's finished health probes (all backends; failed probes "
	       "too, a timeout at about timeout_ms).");
	json_array_foreach(svcs, i, s) {
		json_t *pd = json_object_get(s, "probe_duration"), *le, *cnt;
		char bound[32];

		if (!pd)
			continue;
		le = json_object_get(pd, "le");
		cnt = json_object_get(pd, "count");
		for (k = 0; k < json_array_size(le); k++) {
			json_t *bv = json_array_get(le, k);

			if (json_is_number(bv))
				snprintf(bound, sizeof(bound), "%g", json_number_value(bv));
			else
				snprintf(bound, sizeof(bound), "+Inf");
			sample(f, "xlb_service_probe_duration_seconds_bucket",
			       json_integer_value(json_array_get(cnt, k)), true, "service", sname(s),
			       "le", bound, NULL);
		}
		sample(f, "xlb_service_probe_duration_seconds_sum",
		       json_number_value(json_object_get(pd, "sum_s")), false, "service", sname(s),
		       NULL);
		sample(f, "xlb_service_probe_duration_seconds_count",
		       json_integer_value(json_array_get(cnt, json_array_size(cnt) - 1)), true,
		       "service", sname(s), NULL);
	}
	family(f, "xlb_backend_health_transitions_total", "counter",
	       "Up/down changes of the backend since its health check started.");
	json_array_foreach(svcs, i, s)
		json_array_foreach(json_object_get(s, "backends"), j, b)
			if (json_is_integer(json_object_get(b, "transitions")))
				sample(f, "xlb_backend_health_transitions_total",
				       json_integer_value(json_object_get(b, "transitions")), true,
				       "service", sname(s), "backend", baddr(b), NULL);
	family(f, "xlb_backend_weight", "gauge", "Configured weight of the backend (0..65535).");
	json_array_foreach(svcs, i, s)
		json_array_foreach(json_object_get(s, "backends"), j, b)
			sample(f, "xlb_backend_weight",
			       json_integer_value(json_object_get(b, "weight")), true, "service",
			       sname(s), "backend", baddr(b), NULL);
	family(f, "xlb_backend_effective_weight", "gauge",
	       "Weight of the backend in the lookup table after health, zones, backup, panic and "
	       "drain (0: no new flows).");
	json_array_foreach(svcs, i, s)
		json_array_foreach(json_object_get(s, "backends"), j, b)
			if (json_is_integer(json_object_get(b, "effective_weight")))
				sample(f, "xlb_backend_effective_weight",
				       json_integer_value(json_object_get(b, "effective_weight")),
				       true, "service", sname(s), "backend", baddr(b), NULL);
	family(f, "xlb_backend_usable", "gauge",
	       "1 if the backend may keep its established flows, 0 if they are rescheduled.");
	json_array_foreach(svcs, i, s)
		json_array_foreach(json_object_get(s, "backends"), j, b)
			if (json_is_boolean(json_object_get(b, "usable")))
				sample(f, "xlb_backend_usable",
				       json_is_true(json_object_get(b, "usable")), true, "service",
				       sname(s), "backend", baddr(b), NULL);
	/* #21: passive health, slow start, caps (feedback.c's "feedback" object per backend) */
	{
		static const struct {
			const char *name, *type, *key, *help;
		} fb[] = {
			{ "xlb_backend_outlier_ejected", "gauge", "ejected",
			  "1 while outlier detection keeps the backend out of new flows." },
			{ "xlb_backend_outlier_ejections_total", "counter", "ejections_total",
			  "Ejections of the backend by outlier detection (retransmitted SYNs)." },
			{ "xlb_backend_slow_start_weight", "gauge", "slow_start_weight",
			  "Weight of the backend while it ramps up after joining (slow_start_s)." },
			{ "xlb_backend_max_flows", "gauge", "max_flows",
			  "Cap on the backend's open flows (0: none)." },
			{ "xlb_backend_open_flows", "gauge", "open_flows",
			  "Open flows the data path counts for a capped backend." },
			{ "xlb_backend_turned_away_total", "counter", "turned_away",
			  "New flows sent elsewhere because the backend was at its max_flows cap." },
		};
		json_t *fo, *v;
		size_t q;

		for (q = 0; q < sizeof(fb) / sizeof(fb[0]); q++) {
			family(f, fb[q].name, fb[q].type, fb[q].help);
			json_array_foreach(svcs, i, s)
				json_array_foreach(json_object_get(s, "backends"), j, b)
					if ((fo = json_object_get(b, "feedback")) &&
					    (v = json_object_get(fo, fb[q].key)))
						sample(f, fb[q].name,
						       json_is_boolean(v) ? json_is_true(v)
									  : json_number_value(v),
						       true, "service", sname(s), "backend",
						       baddr(b), NULL);
		}
	}
	family(f, "xlb_scaling_metric_value", "gauge",
	       "Last value of the service's scaling metric (per backend taking new flows).");
	json_array_foreach(svcs, i, s)
		if ((sc = json_object_get(s, "scaling")) && json_is_number(json_object_get(sc, "value")))
			sample(f, "xlb_scaling_metric_value",
			       json_number_value(json_object_get(sc, "value")), false, "service",
			       sname(s), "metric", json_string_value(json_object_get(sc, "metric")),
			       NULL);
	family(f, "xlb_scaling_hook_runs_total", "counter",
	       "Scaling hook commands started, by direction (up: above the bound, down: below).");
	json_array_foreach(svcs, i, s) {
		if (!(sc = json_object_get(s, "scaling")))
			continue;
		sample(f, "xlb_scaling_hook_runs_total",
		       json_integer_value(json_object_get(sc, "runs_up")), true, "service", sname(s),
		       "direction", "up", NULL);
		sample(f, "xlb_scaling_hook_runs_total",
		       json_integer_value(json_object_get(sc, "runs_down")), true, "service",
		       sname(s), "direction", "down", NULL);
	}
}

static void render_datapath(FILE *f, struct lbd_metrics *m)
{
	__u64 g[XLB_STAT_MAX] = {};
	char help[4096], action[32];
	size_t hl, i;

	if (xlb_dp_stats(m->dp, g))
		return;
	hl = snprintf(help, sizeof(help),
		      "Packets seen by the XDP program, each counted once under its outcome "
		      "(action: pass, fwd, drop, tx). reason:");
	for (i = 0; i < XLB_STAT_MAX && hl < sizeof(help); i++)
		hl += snprintf(help + hl, sizeof(help) - hl, " %s = %s;", stat_names[i][0],
			       stat_names[i][1]);
	family(f, "xlb_packets_total", "counter", help);
	for (i = 0; i < XLB_STAT_MAX; i++) {
		snprintf(action, sizeof(action), "%s", stat_names[i][0]);
		action[strcspn(action, "_")] = '\0';
		sample(f, "xlb_packets_total", g[i], true, "reason", stat_names[i][0], "action",
		       action, NULL);
	}
	{
		struct xlb_dp_fcache_stats fc;

		if (xlb_dp_fcache_stats(m->dp, &fc))
			return;
		family(f, "xlb_flow_cache_events_total", "counter",
		       "Per-CPU flow cache of established flows (lbd --no-flow-cache: all 0). event: "
		       "hit = packet answered from the cache; miss = a packet without SYN/FIN/RST "
		       "that read the connection table; fill = such a packet found its flow and "
		       "copied it into the cache; invalidate = a SYN, FIN or RST cleared its slot.");
		sample(f, "xlb_flow_cache_events_total", fc.hits, true, "event", "hit", NULL);
		sample(f, "xlb_flow_cache_events_total", fc.misses, true, "event", "miss", NULL);
		sample(f, "xlb_flow_cache_events_total", fc.fills, true, "event", "fill", NULL);
		sample(f, "xlb_flow_cache_events_total", fc.invalidations, true, "event",
		       "invalidate", NULL);
	}
	{
		/* #19: NAT events and reverse entries (dp_nat.h) */
		struct xlb_dp_nat_stats ns;
		char help[1024];
		size_t hl = 0;

		if (xlb_dp_nat_stats(m->dp, &ns))
			return;
		hl += snprintf(help, sizeof(help), "NAT events (nat/fullnat services). event:");
		for (i = 0; i < XLB_NAT_STAT_MAX && hl < sizeof(help); i++)
			hl += snprintf(help + hl, sizeof(help) - hl, " %s = %s;",
				       xlb_nat_stat_names[i][0], xlb_nat_stat_names[i][1]);
		family(f, "xlb_nat_events_total", "counter", help);
		for (i = 0; i < XLB_NAT_STAT_MAX; i++)
			sample(f, "xlb_nat_events_total", ns.ev[i], true, "event",
			       xlb_nat_stat_names[i][0], NULL);
		family(f, "xlb_nat_entries", "gauge",
		       "Reverse NAT entries (xlb_natrev_v1; LRU: includes idle ones until evicted).");
		sample(f, "xlb_nat_entries", ns.entries, false, NULL);
		family(f, "xlb_nat_ports", "gauge", "SNAT ports of node.snat_ports over all CPUs.");
		sample(f, "xlb_nat_ports", ns.ports, false, NULL);
	}
}

static void render_lbd(FILE *f, json_t *snap, const struct xlb_flowstat *fs)
{
	double now = lbd_obs_realtime();

	if (fs) {
		family(f, "xlb_flow_table_entries", "gauge",
		       "Entries in the connection table (LRU: includes ended flows until evicted).");
		sample(f, "xlb_flow_table_entries", fs->entries, true, NULL);
		family(f, "xlb_flow_table_capacity", "gauge",
		       "Capacity of the connection table (max entries).");
		sample(f, "xlb_flow_table_capacity", fs->capacity, true, NULL);
	}
	family(f, "xlb_services", "gauge", "Services configured (desired state).");
	sample(f, "xlb_services", json_array_size(json_object_get(snap, "services")), true, NULL);
	family(f, "xlb_services_capacity", "gauge", "Services the data path can hold.");
	sample(f, "xlb_services_capacity", XLB_MAX_SERVICES, true, NULL);
	family(f, "xlb_backends", "gauge", "Backends configured, all services.");
	sample(f, "xlb_backends", json_integer_value(json_object_get(snap, "backends")), true,
	       NULL);
	family(f, "xlb_backends_capacity", "gauge",
	       "(service, backend) pairs the data path can hold.");
	sample(f, "xlb_backends_capacity", xlb_config_max_backends(), true, NULL);

	family(f, "xlb_lbd_build_info", "gauge", "Always 1: lbd's version and data path as labels.");
	sample(f, "xlb_lbd_build_info", 1, true, "version", XLB_VERSION, "iface",
	       json_string_value(json_object_get(snap, "iface")), "attach_mode",
	       json_string_value(json_object_get(snap, "attach_mode")), NULL);
	family(f, "xlb_lbd_start_time_seconds", "gauge", "When lbd started (Unix time).");
	sample(f, "xlb_lbd_start_time_seconds",
	       json_real_value(json_object_get(snap, "start_unix")), false, NULL);
	family(f, "xlb_lbd_uptime_seconds", "gauge", "Seconds since lbd started.");
	sample(f, "xlb_lbd_uptime_seconds",
	       now - json_real_value(json_object_get(snap, "start_unix")), false, NULL);
	family(f, "xlb_lbd_config_generation", "gauge",
	       "Config generation: 1 at start, +1 for each applied reload.");
	sample(f, "xlb_lbd_config_generation",
	       json_integer_value(json_object_get(snap, "config_generation")), true, NULL);
	family(f, "xlb_lbd_reloads_total", "counter", "Config reloads (SIGHUP, lbctl reload) by result.");
	sample(f, "xlb_lbd_reloads_total", json_integer_value(json_object_get(snap, "reloads_ok")),
	       true, "result", "success", NULL);
	sample(f, "xlb_lbd_reloads_total",
	       json_integer_value(json_object_get(snap, "reloads_failed")), true, "result",
	       "failure", NULL);
	family(f, "xlb_lbd_last_reload_success", "gauge",
	       "1 if the last reload was applied (or none happened yet), 0 if it was refused.");
	sample(f, "xlb_lbd_last_reload_success",
	       json_real_value(json_object_get(snap, "last_reload_unix")) == 0 ||
		   json_is_true(json_object_get(snap, "last_reload_ok")),
	       true, NULL);
	family(f, "xlb_lbd_last_reload_timestamp_seconds", "gauge",
	       "When the last reload was attempted (Unix time; 0: never).");
	sample(f, "xlb_lbd_last_reload_timestamp_seconds",
	       json_real_value(json_object_get(snap, "last_reload_unix")), false, NULL);
	family(f, "xlb_lbd_events_total", "counter", "Events recorded (lbctl events).");
	sample(f, "xlb_lbd_events_total", json_integer_value(json_object_get(snap, "events_total")),
	       true, NULL);
	{
		json_t *lk = json_object_get(snap, "link");

		family(f, "xlb_lbd_interface_attached", "gauge",
		       "1 if the XDP program is attached to lbd's interface, 0 while the interface "
		       "is gone (or attaching to it again failed).");
		sample(f, "xlb_lbd_interface_attached", json_is_true(json_object_get(lk, "attached")),
		       true, NULL);
		family(f, "xlb_lbd_interface_lost_total", "counter",
		       "Times lbd's interface went away (deleted or moved) and took the program "
		       "with it.");
		sample(f, "xlb_lbd_interface_lost_total",
		       json_integer_value(json_object_get(lk, "lost")), true, NULL);
	}
	{
		json_t *ctl = json_object_get(snap, "control"), *rf;

		rf = json_object_get(ctl, "refused");
		family(f, "xlb_lbd_control_connections", "gauge",
		       "Control socket connections open now.");
		sample(f, "xlb_lbd_control_connections",
		       json_integer_value(json_object_get(ctl, "connections")), true, NULL);
		family(f, "xlb_lbd_control_refused_total", "counter",
		       "Control connections refused (busy: no free slot for this peer; per_user: "
		       "the uid's budget is used) or closed for not sending a complete request "
		       "in time (timed_out).");
		sample(f, "xlb_lbd_control_refused_total",
		       json_integer_value(json_object_get(rf, "busy")), true, "reason", "busy",
		       NULL);
		sample(f, "xlb_lbd_control_refused_total",
		       json_integer_value(json_object_get(rf, "per_user")), true, "reason",
		       "per_user", NULL);
		sample(f, "xlb_lbd_control_refused_total",
		       json_integer_value(json_object_get(ctl, "timed_out")), true, "reason",
		       "timed_out", NULL);
	}
	if (json_object_get(snap, "cluster")) { /* cluster mode (docs/cluster.md) */
		json_t *cl = json_object_get(snap, "cluster");

		family(f, "xlb_cluster_etcd_up", "gauge",
		       "1 if this node reaches etcd (watch and lease), 0 if not.");
		sample(f, "xlb_cluster_etcd_up", json_is_true(json_object_get(cl, "etcd_up")), true,
		       NULL);
		family(f, "xlb_cluster_revision_applied", "gauge",
		       "etcd mod_revision of the desired state this node has applied (0: none).");
		sample(f, "xlb_cluster_revision_applied",
		       json_integer_value(json_object_get(cl, "revision")), true, NULL);
	}
}

static char *render(struct lbd_metrics *m, size_t *len)
{
	struct xlb_flowstat *fs = NULL;
	json_t *snap, *svcs;
	char *buf = NULL;
	FILE *f;

	pthread_mutex_lock(&m->mu);
	snap = json_incref(m->snap);
	pthread_mutex_unlock(&m->mu);
	if (!snap)
		return NULL;
	f = open_memstream(&buf, len);
	if (!f) {
		json_decref(snap);
		return NULL;
	}
	if (m->flow_fd >= 0) {
		fs = malloc(sizeof(*fs));
		if (fs && xlb_flowstat_read(m->flow_fd, XLB_FLOW_OPEN_NS, fs)) {
			free(fs);
			fs = NULL;
		}
	}
	svcs = json_object_get(snap, "services");
	render_traffic(f, m, svcs, fs);
	render_state(f, svcs);
	render_datapath(f, m);
	render_lbd(f, snap, fs);
	free(fs);
	json_decref(snap);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned int status, const char *type,
			      char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result dashboard(struct MHD_Connection *conn, struct lbd_metrics *m, const char *url)
{
	static char failed[] = "could not render the dashboard\n";
	size_t len;
	json_t *snap;
	char *body;

	if (!strcmp(url, "/")) {
		const char *page = lbd_dashboard_page(&len);

		return answer(conn, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)page, len,
			      MHD_RESPMEM_PERSISTENT);
	}
	pthread_mutex_lock(&m->mu);
	snap = json_incref(m->snap);
	pthread_mutex_unlock(&m->mu);
	body = snap ? lbd_dashboard_json(snap, m->dp, &len) : NULL;
	json_decref(snap);
	if (!body)
		return answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed,
			      strlen(failed), MHD_RESPMEM_PERSISTENT);
	return answer(conn, MHD_HTTP_OK, "application/json", body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	static char not_found[] = "not found: try /metrics or / (the dashboard)\n";
	static char not_allowed[] = "method not allowed\n";
	static char failed[] = "could not render the metrics\n";
	static int first_call;
	struct lbd_metrics *m = cls;
	size_t len = 0;
	char *body;

	if (*con_cls != &first_call) { /* headers only: answer on the next call */
		*con_cls = &first_call;
		return MHD_YES;
	}
	if (*upload_size)
		*upload_size = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			      strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/") || !strcmp(url, "/dashboard.json")) /* dashboard.c */
		return dashboard(conn, m, url);
	if (strcmp(url, "/metrics"))
		return answer(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found),
			      MHD_RESPMEM_PERSISTENT);
	body = render(m, &len);
	if (!body)
		return answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed,
			      strlen(failed), MHD_RESPMEM_PERSISTENT);
	return answer(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len,
		      MHD_RESPMEM_MUST_FREE);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	pr_warn("metrics: %s", msg);
}

static const char *listen_str(const struct xlb_addr *a, __u8 family, __u16 port, char *buf,
			      size_t len)
{
	char s[XLB_ADDR_STRLEN];

	xlb_addr_str(a, family, s, sizeof(s));
	snprintf(buf, len, family == XLB_AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
	return buf;
}

void lbd_metrics_stop(struct lbd *l)
{
	struct lbd_metrics *m = l->obs ? l->obs->m : NULL;

	if (!m)
		return;
	if (m->d)
		MHD_stop_daemon(m->d); /* joins the thread */
	if (m->flow_fd >= 0)
		close(m->flow_fd);
	pthread_mutex_destroy(&m->mu);
	json_decref(m->snap);
	free(m);
	l->obs->m = NULL;
}

int lbd_metrics_configure(struct lbd *l)
{
	const struct xlb_config *cfg = &l->cfg;
	struct lbd_metrics *m = l->obs->m, *nm;
	struct sockaddr_storage ss = {};
	char where[80];
	int fd;

	if (m && m->family == cfg->metrics_family && m->port == cfg->metrics_port &&
	    !memcmp(&m->addr, &cfg->metrics_addr, sizeof(m->addr)))
		return 0; /* unchanged (or still off) */
	if (!cfg->metrics_family) {
		if (m)
			pr_info("metrics: endpoint stopped (no metrics: in the config)");
		lbd_metrics_stop(l);
		return 0;
	}
	listen_str(&cfg->metrics_addr, cfg->metrics_family, cfg->metrics_port, where,
		   sizeof(where));
	nm = calloc(1, sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	nm->addr = cfg->metrics_addr;
	nm->family = cfg->metrics_family;
	nm->port = cfg->metrics_port;
	nm->dp = l->dp;
	pthread_mutex_init(&nm->mu, NULL);
	fd = xlb_flowstat_open(l->pin_dir);
	nm->flow_fd = fd >= 0 ? fd : -1;
	if (fd < 0)
		pr_warn("metrics: flow table under %s: %s (no active-flow metrics)", l->pin_dir,
			strerror(-fd));
	if (nm->family == XLB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, nm->addr.a, 16);
		s6->sin6_port = htons(nm->port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = nm->addr.a[0];
		s4->sin_port = htons(nm->port);
	}
	/* The old endpoint must release a port the new one may reuse. */
	lbd_metrics_stop(l);
	l->obs->m = nm;
	lbd_metrics_publish(l); /* a snapshot before the first request */
	nm->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
					 (nm->family == XLB_AF_INET6 ? MHD_USE_IPv6 : 0),
				 nm->port, NULL, NULL, handle, nm, MHD_OPTION_EXTERNAL_LOGGER,
				 mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				 MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				 MHD_OPTION_END);
	if (!nm->d) {
		pr_warn("metrics: cannot serve http://%s/metrics (address in use or not local?)",
			where);
		lbd_metrics_stop(l);
		return -EADDRNOTAVAIL;
	}
	pr_info("metrics: serving http://%s/metrics", where);
	return 0;
}
