// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dashboard.c - lbd's live dashboard on the metrics listener (metrics.c
 * routes to it): GET / is a self-contained page (dashboard.html, embedded at
 * build time; no external assets, works offline) that fetches
 * GET /dashboard.json every second and draws rates from successive answers.
 * Read only, like /metrics: runs in the metrics thread, reads the snapshot
 * the main thread published (services, health, drains, recent events) and the
 * data path's counters through map fds. Counters are cumulative; the page
 * computes packets/s, new flows/s and drops/s itself.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dashboard.h"
#include "dashboard_html.h" /* generated: userspace_lbd_dashboard_html[] */

static const char *const stat_names[XLB_STAT_MAX] = {
#define XLB_STAT_NAME(e, name, help) [XLB_STAT_##e] = name,
	XLB_STATS(XLB_STAT_NAME)
#undef XLB_STAT_NAME
};

const char *lbd_dashboard_page(size_t *len)
{
	*len = userspace_lbd_dashboard_html_len;
	return (const char *)userspace_lbd_dashboard_html;
}

static void counters(json_t *o, const struct xlb_counters *c)
{
	json_object_set_new(o, "packets", json_integer(c->packets));
	json_object_set_new(o, "bytes", json_integer(c->bytes));
	json_object_set_new(o, "new_flows", json_integer(c->new_flows));
}

char *lbd_dashboard_json(json_t *snap, const struct xlb_dp *dp, size_t *len)
{
	json_t *d, *svcs = json_array(), *s, *b, *stats = json_object();
	__u64 g[XLB_STAT_MAX] = {};
	struct timespec ts;
	size_t i, j;
	char *out;

	clock_gettime(CLOCK_REALTIME, &ts);
	json_array_foreach(json_object_get(snap, "services"), i, s) {
		json_t *so = json_deep_copy(s), *bes = json_array();
		struct xlb_counters c = {};
		json_t *id = json_object_get(s, "id");

		if (json_is_integer(id))
			xlb_dp_service_counters(dp, json_integer_value(id), &c);
		counters(so, &c);
		json_object_del(so, "probe_duration");
		json_array_foreach(json_object_get(s, "backends"), j, b) {
			json_t *bo = json_deep_copy(b), *bid = json_object_get(b, "id");
			struct xlb_counters bc = {};

			if (json_is_integer(bid))
				xlb_dp_backend_counters(dp, json_integer_value(bid), &bc);
			counters(bo, &bc);
			json_array_append_new(bes, bo);
		}
		json_object_set_new(so, "backends", bes);
		json_array_append_new(svcs, so);
	}
	if (!xlb_dp_stats(dp, g))
		for (i = 0; i < XLB_STAT_MAX; i++)
			json_object_set_new(stats, stat_names[i], json_integer(g[i]));
	d = json_pack("{s:f, s:O?, s:O?, s:O?, s:f, s:o, s:o, s:O?}", "time",
		      ts.tv_sec + ts.tv_nsec / 1e9, "iface", json_object_get(snap, "iface"),
		      "attach_mode", json_object_get(snap, "attach_mode"), "config_generation",
		      json_object_get(snap, "config_generation"), "uptime_s",
		      ts.tv_sec + ts.tv_nsec / 1e9 -
			  json_real_value(json_object_get(snap, "start_unix")),
		      "services", svcs, "stats", stats, "events", json_object_get(snap, "events"));
	if (!d)
		return NULL;
	if (!json_object_get(d, "events"))
		json_object_set_new(d, "events", json_array());
	out = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(d);
	if (out)
		*len = strlen(out);
	return out;
}
