// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cluster_doc.c - the shared desired state document and changes to it (cluster_doc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cluster_doc.h"
#include "config_write.h"
#include "state.h"

int xlb_cluster_doc_encode(const struct xlb_config *cfg, const char *writer, long long now_ms,
			   char **out)
{
	json_t *doc, *drains, *names;
	char *yaml = NULL, a[XLB_ADDR_STRLEN];
	unsigned int sections, bit;
	size_t i, j;
	int err;

	*out = NULL;
	/* a decoded document keeps the sections it had (an old one: services only) */
	sections = cfg->doc_sections ? cfg->doc_sections & XLB_SEC_SHARED : XLB_SEC_SHARED;
	err = xlb_config_write_sections_str(cfg, sections, now_ms, &yaml);
	if (err) {
		free(yaml);
		return err;
	}
	names = json_array();
	for (bit = 1; names && (bit & XLB_SEC_ALL); bit <<= 1)
		if (sections & bit)
			json_array_append_new(names, json_string(xlb_cfg_section_name(bit)));
	drains = json_object();
	for (i = 0; drains && i < cfg->n_services; i++) {
		const struct xlb_cfg_service *s = &cfg->services[i];
		json_t *d = NULL;

		for (j = 0; j < s->n_backends; j++) {
			const struct xlb_cfg_backend *b = &s->backends[j];

			if (!b->drain)
				continue;
			if (!d)
				d = json_object();
			json_object_set_new(d, xlb_addr_str(&b->addr, b->family, a, sizeof(a)),
					    json_integer(b->drain_since_ms));
		}
		if (d)
			json_object_set_new(drains, s->name, d);
	}
	doc = json_pack("{s:i, s:o, s:s, s:o, s:s, s:I}", "xlb_desired", XLB_CLUSTER_DOC_VERSION,
			"sections", names, "config", yaml, "drains", drains, "written_by",
			writer ? writer : "", "written_at_ms", (json_int_t)now_ms);
	free(yaml);
	if (doc)
		*out = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	return *out ? 0 : -ENOMEM;
}

/*
 * "sections": the cluster-wide sections the document carries; absent (a
 * document of an older lbd): services only, the nodes' files keep the rest.
 * A node-local name is refused: the nodes would never use it.
 */
static int doc_sections(const json_t *arr, const char *name, unsigned int *out, char *err,
			size_t errlen)
{
	const json_t *v;
	unsigned int bit;
	size_t i;

	*out = XLB_SEC_SERVICES;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		goto bad;
	*out = 0;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		for (bit = 1; s && (bit & XLB_SEC_ALL); bit <<= 1)
			if (!strcmp(s, xlb_cfg_section_name(bit)))
				break;
		if (!s || !(bit & XLB_SEC_ALL))
			goto bad;
		if (!(bit & XLB_SEC_SHARED)) {
			snprintf(err, errlen, "%s: sections: \"%s\" is node-local (each node's "
				 "file); a document carries only services, acl, rate_limit, roles",
				 name, s);
			return -EINVAL;
		}
		*out |= bit;
	}
	if (*out & XLB_SEC_SERVICES)
		return 0;
bad:
	snprintf(err, errlen, "%s: sections: expected an array of section names with \"services\" "
		 "(services, acl, rate_limit, roles)", name);
	return -EINVAL;
}

int xlb_cluster_doc_decode(const char *buf, size_t len, const char *name, struct xlb_config *doc,
			   char *err, size_t errlen)
{
	json_t *j, *v, *drains, *bes, *since;
	const char *yaml, *sname, *addr;
	unsigned int sections = 0;
	json_error_t jerr;
	int ret;

	memset(doc, 0, sizeof(*doc));
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		snprintf(err, errlen, "%s: not JSON: %s (line %d)", name, jerr.text, jerr.line);
		return -EINVAL;
	}
	v = json_object_get(j, "xlb_desired");
	yaml = json_string_value(json_object_get(j, "config"));
	drains = json_object_get(j, "drains");
	if (!json_is_object(j) || !json_is_integer(v) ||
	    json_integer_value(v) != XLB_CLUSTER_DOC_VERSION || !yaml ||
	    (drains && !json_is_object(drains))) {
		snprintf(err, errlen, "%s: not an xlb desired-state document of version %d "
			 "(needs \"xlb_desired\", \"config\" and optional \"drains\")", name,
			 XLB_CLUSTER_DOC_VERSION);
		json_decref(j);
		return -EINVAL;
	}
	ret = doc_sections(json_object_get(j, "sections"), name, &sections, err, errlen);
	if (ret)
		goto out;
	/* node: (the encap check) is each node's: xlb_cluster_merge() checks against it */
	ret = xlb_config_parse_flags(yaml, strlen(yaml), name, XLB_PARSE_NO_NODE_CHECKS, doc, err,
				     errlen);
	if (ret)
		goto out;
	doc->doc_sections = sections;
	json_object_foreach(drains, sname, bes) {
		struct xlb_cfg_service *s = xlb_cfg_service_find(doc, sname);

		if (!s || !json_is_object(bes)) {
			snprintf(err, errlen, "%s: drains.%s: %s", name, sname,
				 s ? "expected an object" : "no such service");
			ret = -EINVAL;
			goto out;
		}
		json_object_foreach(bes, addr, since) {
			struct xlb_cfg_backend *b;
			struct xlb_addr a;
			__u8 f;

			b = xlb_addr_parse(addr, &a, &f) ? NULL : xlb_cfg_backend_find(s, &a, f);
			if (!b || !json_is_integer(since) || json_integer_value(since) < 0) {
				snprintf(err, errlen, "%s: drains.%s.%s: %s", name, sname, addr,
					 b ? "expected drain_since_ms (an integer)"
					   : "no such backend");
				ret = -EINVAL;
				goto out;
			}
			b->drain = true;
			b->drain_since_ms = json_integer_value(since);
		}
	}
out:
	if (ret)
		xlb_config_free(doc);
	json_decref(j);
	return ret;
}

static void free_services(struct xlb_config *c)
{
	size_t i;

	for (i = 0; i < c->n_services; i++)
		free(c->services[i].backends);
	free(c->services);
	c->services = NULL;
	c->n_services = 0;
}

int xlb_cluster_merge(const struct xlb_config *local, const struct xlb_config *doc,
		      struct xlb_config *eff, char *err, size_t errlen)
{
	struct xlb_config tmp;
	size_t i;
	int ret;

	ret = xlb_config_copy(eff, local);
	if (ret)
		return ret;
	free_services(eff);
	ret = xlb_config_copy(&tmp, doc);
	if (ret) {
		xlb_config_free(eff);
		return ret;
	}
	eff->services = tmp.services; /* moved */
	eff->n_services = tmp.n_services;
	tmp.services = NULL;
	tmp.n_services = 0;
	/*
	 * The other cluster-wide sections the document carries win over the
	 * file's, even when empty; everything else (node, metrics, events,
	 * control with root_is_admin, audit, bgp, cluster) stays the file's.
	 */
	if (doc->doc_sections & XLB_SEC_ACL) {
		xlb_acl_free(&eff->acl);
		eff->acl = tmp.acl; /* moved */
		memset(&tmp.acl, 0, sizeof(tmp.acl));
	}
	if (doc->doc_sections & XLB_SEC_RATE_LIMIT)
		eff->rate_limit = tmp.rate_limit;
	if (tmp.sc_secret_set) { /* written with the services: every node the same */
		memcpy(eff->sc_secret, tmp.sc_secret, sizeof(eff->sc_secret));
		eff->sc_secret_set = true;
	}
	if (doc->doc_sections & XLB_SEC_ROLES) {
		bool root_not_admin = eff->access.root_not_admin;

		xlb_access_free(&eff->access);
		eff->access = tmp.access; /* moved */
		eff->access.root_not_admin = root_not_admin;
		memset(&tmp.access, 0, sizeof(tmp.access));
	}
	eff->doc_sections = 0;
	xlb_config_free(&tmp);
	for (i = 0; i < eff->n_services; i++) {
		const struct xlb_cfg_service *s = &eff->services[i];
		bool v4 = s->key.family == XLB_AF_INET;

		if (s->fwd != XLB_FWD_IPIP && s->fwd != XLB_FWD_GUE)
			continue;
		if (v4 ? eff->node_addr4_family : eff->node_addr6_family)
			continue;
		snprintf(err, errlen, "service \"%s\": forwarding %s needs node.%s in this node's "
			 "config", s->name, xlb_fwd_name(s->fwd), v4 ? "address_v4" : "address_v6");
		xlb_config_free(eff);
		return -EINVAL;
	}
	return 0;
}

json_t *xlb_cluster_disagreements(const json_t *nodes)
{
	json_t *out = json_array(), *revs = json_object(), *seen = json_object(), *n, *svc, *st;
	const char *sname, *addr;
	long long first = -1;
	bool differ = false;
	size_t i;

	json_array_foreach(nodes, i, n) {
		const char *name = json_string_value(json_object_get(n, "node")) ?: "?";
		long long r = json_integer_value(json_object_get(n, "revision"));

		json_object_set_new(revs, name, json_integer(r));
		if (first >= 0 && r != first)
			differ = true;
		first = r;
		/* seen[svc/addr] = {"up": [...], "down": [...]} */
		json_object_foreach(json_object_get(n, "health"), sname, svc) {
			json_object_foreach(svc, addr, st) {
				char k[XLB_NAME_MAX + XLB_ADDR_STRLEN + 2];
				const char *s = json_string_value(st);
				json_t *e;

				if (!s || (strcmp(s, "up") && strcmp(s, "down")))
					continue;
				snprintf(k, sizeof(k), "%s/%s", sname, addr);
				e = json_object_get(seen, k);
				if (!e) {
					e = json_pack("{s:s, s:s, s:[], s:[]}", "service", sname,
						      "backend", addr, "up", "down");
					json_object_set_new(seen, k, e);
				}
				json_array_append_new(json_object_get(e, s), json_string(name));
			}
		}
	}
	if (differ)
		json_array_append_new(out, json_pack("{s:s, s:O}", "kind", "revision", "revisions",
						     revs));
	json_object_foreach(seen, sname, st) {
		if (!json_array_size(json_object_get(st, "up")) ||
		    !json_array_size(json_object_get(st, "down")))
			continue;
		json_object_set_new(st, "kind", json_string("health"));
		json_array_append(out, st);
	}
	json_decref(revs);
	json_decref(seen);
	return out;
}
