// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synck.c - lbd's view of SYN cookies (docs/filtering.md): how a service's
 * syn_cookies mode is shown by lbctl and the metrics.
 */
#include <jansson.h>

#include "lbd.h"
#include "syncookie.h"

json_t *lbd_sc_json(const struct xlb_cfg_service *s)
{
	if (s->syn_cookies != XLB_SYN_COOKIES_AUTO)
		return json_string(xlb_syn_cookies_name(s->syn_cookies));
	return json_string(xlb_sc_auto_get(&s->key) ? "auto (on)" : "auto (off)");
}
