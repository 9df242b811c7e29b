// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synck.c - lbd's side of SYN cookies (docs/filtering.md): how a service's
 * syn_cookies mode is shown, and the `auto` mode's sampling.
 */
#include <jansson.h>
#include <string.h>

#include "dp.h"
#include "lbd.h"
#include "log.h"
#include "syncookie.h"

json_t *lbd_sc_json(const struct xlb_cfg_service *s)
{
	if (s->syn_cookies != XLB_SYN_COOKIES_AUTO)
		return json_string(xlb_syn_cookies_name(s->syn_cookies));
	return json_string(xlb_sc_auto_get(&s->key) ? "auto (on)" : "auto (off)");
}

/*
 * `syn_cookies: auto`: once a second (the observers' tick), per auto service,
 * the rate of SYNs that reached it (new flows while cookies are off, SYNs
 * answered with a cookie while on) and the connection table's fill (the last
 * walk's count) go through xlb_sc_auto_step; a change re-applies the service
 * (XLB_SVC_F_SYNCOOKIE) and is an event. The first tick only takes a sample.
 */
struct sc_auto {
	struct xlb_vip_key key;
	__u64 count;
	long long at_ms;
	unsigned int quiet; /* xlb_sc_auto_step's quiet samples */
};

static struct sc_auto samples[XLB_MAX_SERVICES];
static size_t n_samples;

static struct sc_auto *sample_of(const struct xlb_vip_key *key, bool *fresh)
{
	size_t i;

	*fresh = false;
	for (i = 0; i < n_samples; i++)
		if (!memcmp(&samples[i].key, key, sizeof(*key)))
			return &samples[i];
	if (n_samples == XLB_MAX_SERVICES)
		return NULL;
	*fresh = true;
	memset(&samples[n_samples], 0, sizeof(samples[0]));
	samples[n_samples].key = *key;
	return &samples[n_samples++];
}

void lbd_sc_tick(struct lbd *l)
{
	struct xlb_dp_fill f;
	double fill = 0, rate;
	long long now = lbd_now_ms();
	size_t i;

	if (!xlb_dp_fill(l->dp, &f) && f.flows_max && f.flows_age_ms >= 0)
		fill = (double)f.flows / f.flows_max;
	for (i = 0; i < l->cfg.n_services; i++) {
		const struct xlb_cfg_service *cs = &l->cfg.services[i];
		struct xlb_counters c = {};
		struct sc_auto *s;
		bool fresh, on, next;
		__u32 id;

		if (cs->syn_cookies != XLB_SYN_COOKIES_AUTO ||
		    xlb_dp_service_id(l->dp, &cs->key, &id))
			continue;
		s = sample_of(&cs->key, &fresh);
		if (!s || xlb_dp_service_counters(l->dp, id, &c))
			continue;
		rate = fresh || now <= s->at_ms || c.new_flows + c.syn_cookies < s->count
			   ? 0
			   : (double)(c.new_flows + c.syn_cookies - s->count) * 1000.0 /
				 (double)(now - s->at_ms);
		s->count = c.new_flows + c.syn_cookies;
		s->at_ms = now;
		if (fresh)
			continue;
		on = xlb_sc_auto_get(&cs->key);
		next = xlb_sc_auto_step(on, &s->quiet, rate, fill);
		if (next == on)
			continue;
		xlb_sc_auto_set(&cs->key, next);
		if (lbd_reconcile_service(l, cs, NULL, NULL)) {
			xlb_sc_auto_set(&cs->key, on);
			pr_warn("service %s: syn_cookies auto: could not switch %s", cs->name,
				next ? "on" : "off");
			continue;
		}
		lbd_event(l, "syn_cookies", cs->name, NULL,
			  "syn_cookies auto: %s (SYN rate %.0f/s, connection table %.0f%% full)",
			  next ? "on" : "off", rate, fill * 100);
	}
}
