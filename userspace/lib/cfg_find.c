// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cfg_find.c - lookups in a parsed config (config.h): a service by name, a backend by address. */
#include <string.h>

#include "addr.h"
#include "config.h"

struct xlb_cfg_service *xlb_cfg_service_find(const struct xlb_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

struct xlb_cfg_backend *xlb_cfg_backend_find(const struct xlb_cfg_service *s,
					     const struct xlb_addr *a, __u8 family)
{
	size_t i;

	for (i = 0; s && i < s->n_backends; i++)
		if (!xlb_addr_cmp(s->backends[i].family, &s->backends[i].addr, family, a))
			return &s->backends[i];
	return NULL;
}
