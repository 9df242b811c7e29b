// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cluster_doc.c: the shared document, changes to it, the conflict decision, disagreements. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "cluster_doc.h"
#include "cfg_cmp.h"

static const char yaml[] = "services:\n"
			   "  - name: web\n"
			   "    vip: 10.100.0.10\n"
			   "    port: 80\n"
			   "    backends:\n"
			   "      - address: 10.0.0.11\n"
			   "      - address: 10.0.0.12\n"
			   "        weight: 50\n"
			   "cluster:\n"
			   "  etcd: [\"http://10.0.1.1:2379\"]\n"
			   "  prefix: /xlb/t/\n"
			   "  node_name: n1\n";

static void load(struct xlb_config *c)
{
	char err[256];

	assert_int_equal(xlb_config_parse(yaml, strlen(yaml), "t.yaml", c, err, sizeof(err)), 0);
}

static const struct xlb_cfg_backend *be(const struct xlb_config *c, const char *svc, int i)
{
	size_t k;

	for (k = 0; k < c->n_services; k++)
		if (!strcmp(c->services[k].name, svc))
			return i < (int)c->services[k].n_backends ? &c->services[k].backends[i] : NULL;
	return NULL;
}

static void change(const char *cmd, const char *args, struct xlb_change *ch)
{
	json_t *a = json_loads(args, 0, NULL);
	char err[256];

	assert_int_equal(xlb_change_from_cmd(cmd, a, 1000, ch, err, sizeof(err)), 1);
	json_decref(a);
}

static void test_encode_decode(void **st)
{
	struct xlb_config c, d;
	char *doc, err[256];

	load(&c);
	assert_true(c.cluster_enabled);
	assert_string_equal(c.cluster_prefix, "/xlb/t/");
	c.services[0].backends[1].drain = true;
	c.services[0].backends[1].drain_since_ms = 12345;
	assert_int_equal(xlb_cluster_doc_encode(&c, "n1", 1, &doc), 0);
	assert_int_equal(xlb_cluster_doc_decode(doc, strlen(doc), "doc", &d, err, sizeof(err)), 0);
	assert_int_equal(d.n_services, 1);
	assert_int_equal(be(&d, "web", 1)->weight, 50);
	assert_true(be(&d, "web", 1)->drain);
	assert_int_equal(be(&d, "web", 1)->drain_since_ms, 12345);
	assert_false(be(&d, "web", 0)->drain);
	free(doc);
	xlb_config_free(&d);
	xlb_config_free(&c);

	/* refused: not JSON, wrong version, invalid config, drain of an unknown backend */
	assert_int_equal(xlb_cluster_doc_decode("x", 1, "doc", &d, err, sizeof(err)), -EINVAL);
	doc = "{\"xlb_desired\": 2, \"config\": \"services: []\"}";
	assert_int_equal(xlb_cluster_doc_decode(doc, strlen(doc), "doc", &d, err, sizeof(err)),
			 -EINVAL);
	doc = "{\"xlb_desired\": 1, \"config\": \"services:\\n  - name: w\\n    vip: 10.1.1.1\\n"
	      "    port: 99999\\n\"}";
	assert_int_equal(xlb_cluster_doc_decode(doc, strlen(doc), "doc", &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "port"));
	doc = "{\"xlb_desired\": 1, \"config\": \"services: []\", \"drains\": {\"web\": {}}}";
	assert_int_equal(xlb_cluster_doc_decode(doc, strlen(doc), "doc", &d, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "no such service"));
}

static void test_merge(void **st)
{
	struct xlb_config local = {}, doc, eff;
	char err[256];

	load(&doc);
	snprintf(local.node_zone, sizeof(local.node_zone), "z1");
	assert_int_equal(xlb_cluster_merge(&local, &doc, &eff, err, sizeof(err)), 0);
	assert_string_equal(eff.node_zone, "z1"); /* node settings: local */
	assert_int_equal(eff.n_services, 1); /* services: the document */
	assert_false(eff.cluster_enabled);
	xlb_config_free(&eff);
	doc.services[0].fwd = XLB_FWD_IPIP; /* this node has no node.address_v4 */
	assert_int_equal(xlb_cluster_merge(&local, &doc, &eff, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "address_v4"));
	xlb_config_free(&doc);
}

/* A node's file: node-local sections plus cluster-wide ones the document overrides. */
static const char node_yaml[] = "node: {zone: z1, address_v4: 192.0.2.1}\n"
				"metrics: {listen: \"127.0.0.1:9469\"}\n"
				"control: {socket_mode: \"0600\", root_is_admin: false}\n"
				"audit: {file: /var/lib/xlb/n1.audit}\n"
				"roles:\n  - {role: admin, users: [filecat]}\n"
				"acl: {deny: [203.0.113.0/24]}\n"
				"rate_limit: {new_flows_per_s: 5}\n"
				"cluster: {etcd: [\"http://10.0.1.1:2379\"], prefix: /xlb/t/, "
				"node_name: n1}\n"
				"services:\n  - {name: fileonly, vip: 10.9.9.9, port: 1}\n";

/*
 * The document (written by another node, whose file has other node-local
 * settings): cluster-wide sections win, node-local ones are ignored.
 */
static const char doc_yaml[] = "node: {zone: other, address_v4: 192.0.2.99}\n"
			       "metrics: {listen: \"127.0.0.1:1\"}\n"
			       "bgp: {config_file: /etc/bird/x.conf}\n"
			       "roles:\n  - {role: operator, groups: [oncall], services: [web]}\n"
			       "acl: {deny: [192.0.2.0/24, 198.51.100.0/24]}\n"
			       "rate_limit: {new_flows_per_s: 100, burst: 300}\n"
			       "services:\n  - name: web\n    vip: 10.100.0.10\n    port: 80\n"
			       "    forwarding: ipip\n"
			       "    acl: {allow: [10.0.0.0/8]}\n"
			       "    health_check: {type: http, path: /hz}\n"
			       "    cross_zone: false\n"
			       "    backends:\n      - {address: 10.0.0.11, zone: z1}\n"
			       "      - {address: 10.0.0.12, backup: true}\n";

static void parse(const char *y, struct xlb_config *c)
{
	char err[256];

	assert_int_equal(xlb_config_parse(y, strlen(y), "t.yaml", c, err, sizeof(err)), 0);
}

/* The document as JSON with a given "sections" member (NULL: none, an older lbd's). */
static char *doc_json(const char *yaml_text, const char *sections)
{
	json_t *j = json_pack("{s:i, s:s}", "xlb_desired", 1, "config", yaml_text);
	char *out;

	if (sections)
		json_object_set_new(j, "sections", json_loads(sections, JSON_DECODE_ANY, NULL));
	out = json_dumps(j, 0);
	json_decref(j);
	return out;
}

static void test_shared_sections(void **st)
{
	struct xlb_config local, src, doc, eff, again;
	char *text, err[256], why[256];

	parse(node_yaml, &local);
	parse(doc_yaml, &src);

	/* encode: only the cluster-wide sections, and it says which */
	assert_int_equal(xlb_cluster_doc_encode(&src, "n2", 1, &text), 0);
	assert_non_null(strstr(text, "\"services\""));
	assert_non_null(strstr(text, "\"roles\""));
	assert_null(strstr(text, "metrics:"));
	assert_null(strstr(text, "node:"));
	assert_null(strstr(text, "bgp:"));
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 0);
	free(text);
	assert_int_equal(doc.doc_sections, XLB_SEC_SHARED);
	/* everything of the services survives the document (health check, zones, ACLs...) */
	assert_int_equal(doc.n_services, 1);
	assert_int_equal(doc.services[0].hc.type, XLB_HC_HTTP);
	assert_string_equal(doc.services[0].hc.path, "/hz");
	assert_false(doc.services[0].pol.cross_zone);
	assert_int_equal(doc.services[0].acl.allow.n, 1);
	assert_true(doc.services[0].backends[1].backup);
	assert_string_equal(doc.services[0].backends[0].zone, "z1");

	/* merge: cluster-wide from the document, node-local from the file */
	assert_int_equal(xlb_cluster_merge(&local, &doc, &eff, err, sizeof(err)), 0);
	assert_int_equal(eff.n_services, 1);
	assert_string_equal(eff.services[0].name, "web");
	assert_int_equal(eff.access.n_grants, 1); /* the document's roles win */
	assert_int_equal(eff.access.grants[0].role, XLB_ROLE_OPERATOR);
	assert_string_equal(eff.access.grants[0].groups[0], "oncall");
	assert_true(eff.access.root_not_admin); /* control: the file's */
	assert_int_equal(eff.acl.deny.n, 2); /* the document's ACL wins */
	assert_int_equal(eff.rate_limit.rate, 100);
	assert_int_equal(eff.rate_limit.burst, 300);
	assert_string_equal(eff.node_zone, "z1"); /* node-local: the file's, not "other" */
	assert_int_equal(eff.metrics_port, 9469);
	assert_false(eff.bgp_enabled);
	assert_true(eff.socket_mode_set);
	assert_int_equal(eff.socket_mode, 0600);
	assert_string_equal(eff.audit_file, "/var/lib/xlb/n1.audit");
	assert_true(eff.cluster_enabled);
	assert_int_equal(eff.doc_sections, 0);
	/* a change keeps the sections; encoding eff again gives the same document */
	assert_int_equal(xlb_cluster_doc_encode(&doc, "n1", 2, &text), 0);
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &again, err,
						sizeof(err)), 0);
	free(text);
	if (!xlb_test_cfg_equal(&doc, &again, why, sizeof(why)))
		fail_msg("document changed by a re-encode: %s", why);
	xlb_config_free(&again);
	xlb_config_free(&eff);
	xlb_config_free(&doc);

	/* the encap check is the node's: the document alone needs no node: */
	text = doc_json("services:\n  - {name: w, vip: 10.1.1.1, port: 1, forwarding: gue}\n",
			"[\"services\"]");
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 0);
	free(text);
	assert_int_equal(xlb_cluster_merge(&local, &doc, &eff, err, sizeof(err)), 0);
	xlb_config_free(&eff);
	xlb_config_free(&doc);

	/* an older lbd's document (no "sections"): services only, the file keeps the rest */
	text = doc_json(doc_yaml, NULL);
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 0);
	free(text);
	assert_int_equal(doc.doc_sections, XLB_SEC_SERVICES);
	assert_int_equal(xlb_cluster_merge(&local, &doc, &eff, err, sizeof(err)), 0);
	assert_string_equal(eff.services[0].name, "web");
	assert_string_equal(eff.access.grants[0].users[0], "filecat");
	assert_int_equal(eff.acl.deny.n, 1);
	assert_int_equal(eff.rate_limit.rate, 5);
	xlb_config_free(&eff);
	/* ... and a change to it stays services-only (no silent wipe of the files' roles) */
	assert_int_equal(xlb_cluster_doc_encode(&doc, "n1", 2, &text), 0);
	assert_null(strstr(text, "roles:"));
	xlb_config_free(&doc);
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 0);
	assert_int_equal(doc.doc_sections, XLB_SEC_SERVICES);
	free(text);
	xlb_config_free(&doc);

	/* declared but empty: the document's (empty) roles and ACL win */
	text = doc_json("services: []\n", "[\"services\", \"acl\", \"roles\"]");
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 0);
	free(text);
	assert_int_equal(xlb_cluster_merge(&local, &doc, &eff, err, sizeof(err)), 0);
	assert_int_equal(eff.access.n_grants, 0);
	assert_int_equal(eff.acl.deny.n, 0);
	assert_int_equal(eff.rate_limit.rate, 5); /* not declared: the file's */
	xlb_config_free(&eff);
	xlb_config_free(&doc);

	/* refused: a node-local or unknown section name, no services, not an array */
	text = doc_json("services: []\n", "[\"services\", \"bgp\"]");
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "node-local"));
	free(text);
	text = doc_json("services: []\n", "[\"services\", \"acls\"]");
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 -EINVAL);
	free(text);
	text = doc_json("services: []\n", "[\"roles\"]");
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 -EINVAL);
	free(text);
	text = doc_json("services: []\n", "\"services\"");
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 -EINVAL);
	free(text);
	/* node-local sections of a document must still be valid (one parser for all) */
	text = doc_json("metrics: {listen: nowhere}\nservices: []\n", NULL);
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &doc, err, sizeof(err)),
			 -EINVAL);
	free(text);

	xlb_config_free(&src);
	xlb_config_free(&local);
}

static void test_changes(void **st)
{
	struct xlb_change ch;
	struct xlb_config doc, out, out2;
	char err[256];
	json_t *a;

	load(&doc);
	a = json_pack("{s:s}", "service", "web");
	assert_int_equal(xlb_change_from_cmd("status", a, 0, &ch, err, sizeof(err)), 0);
	json_decref(a);

	change("backend.drain", "{\"service\":\"web\",\"address\":\"10.0.0.12\"}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)), XLB_CH_OK);
	assert_true(be(&out, "web", 1)->drain);
	assert_int_equal(be(&out, "web", 1)->drain_since_ms, 1000);
	assert_int_equal(be(&out, "web", 1)->weight, 50);
	/* draining again: nothing to write; a weight change keeps the drain */
	assert_int_equal(xlb_change_apply(&ch, &out, &out2, err, sizeof(err)), XLB_CH_NOOP);
	xlb_change_free(&ch);
	change("backend.weight", "{\"service\":\"web\",\"address\":\"10.0.0.12\",\"weight\":7}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &out, &out2, err, sizeof(err)), XLB_CH_OK);
	assert_int_equal(be(&out2, "web", 1)->weight, 7);
	assert_true(be(&out2, "web", 1)->drain);
	xlb_config_free(&out2);
	xlb_config_free(&out);
	xlb_change_free(&ch);

	change("backend.add", "{\"service\":\"web\",\"address\":\"10.0.0.11\"}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)), XLB_CH_EXISTS);
	xlb_change_free(&ch);
	change("backend.remove", "{\"service\":\"web\",\"address\":\"10.0.0.99\"}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)),
			 XLB_CH_NOT_FOUND);
	xlb_change_free(&ch);
	change("service.add", "{\"service\":\"api\",\"vip\":\"10.100.0.10\",\"port\":80}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)), XLB_CH_EXISTS);
	xlb_change_free(&ch);
	/* addresses no backend or VIP can have: refused as invalid, naming them */
	change("backend.add", "{\"service\":\"web\",\"address\":\"127.0.0.1\"}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)),
			 XLB_CH_INVALID);
	/* one wording for the local and the cluster road (lbd backend add said "address") */
	assert_string_equal(err, "address \"127.0.0.1\": is a loopback address (127.0.0.0/8)");
	xlb_change_free(&ch);
	change("backend.add", "{\"service\":\"web\",\"address\":\"10.100.0.10\"}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)),
			 XLB_CH_INVALID);
	assert_string_equal(err, "address \"10.100.0.10\": is the service's own VIP");
	xlb_change_free(&ch);
	change("service.add", "{\"service\":\"api\",\"vip\":\"224.1.2.3\",\"port\":81}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)),
			 XLB_CH_INVALID);
	assert_string_equal(err, "vip \"224.1.2.3\": is a multicast address (224.0.0.0/4)");
	xlb_change_free(&ch);
	change("service.add", "{\"service\":\"api\",\"vip\":\"10.100.0.10\",\"port\":81,"
	       "\"table_size\":251}", &ch);
	assert_int_equal(xlb_change_apply(&ch, &doc, &out, err, sizeof(err)), XLB_CH_OK);
	assert_int_equal(out.n_services, 2);
	assert_int_equal(out.services[1].table_size, 251);
	xlb_config_free(&out);
	xlb_change_free(&ch);
	xlb_config_free(&doc);
}

static void test_conflict_decision(void **st)
{
	struct xlb_change ch;
	struct xlb_config read, fresh;
	char what[256];

	load(&read);
	load(&fresh);
	change("backend.weight", "{\"service\":\"web\",\"address\":\"10.0.0.12\",\"weight\":7}", &ch);
	/* another writer changed another backend: clean, replay on fresh */
	fresh.services[0].backends[0].weight = 3;
	assert_true(xlb_change_clean(&ch, &read, &fresh, what, sizeof(what)));
	/* ... the same backend: conflict */
	fresh.services[0].backends[1].drain = true;
	assert_false(xlb_change_clean(&ch, &read, &fresh, what, sizeof(what)));
	assert_non_null(strstr(what, "10.0.0.12"));
	xlb_change_free(&ch);
	/* a service-wide change conflicts with any change to that service */
	change("service.remove", "{\"service\":\"web\"}", &ch);
	assert_false(xlb_change_clean(&ch, &read, &fresh, what, sizeof(what)));
	assert_true(xlb_change_clean(&ch, &read, &read, what, sizeof(what)));
	xlb_change_free(&ch);
	xlb_config_free(&read);
	xlb_config_free(&fresh);
}

/* A document as every node decodes it (doc_sections from "sections"). */
static void doc_of(const char *y, const char *sections, struct xlb_config *doc)
{
	char *text = doc_json(y, sections), err[256];

	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", doc, err, sizeof(err)),
			 0);
	free(text);
}

static enum xlb_change_res acl_try(const char *cmd, const char *args,
				    const struct xlb_config *doc, struct xlb_config *out,
				    char *err, size_t errlen)
{
	struct xlb_change ch;
	enum xlb_change_res r;

	change(cmd, args, &ch);
	r = xlb_change_apply(&ch, doc, out, err, errlen);
	xlb_change_free(&ch);
	return r;
}

static void test_acl_changes(void **st)
{
	struct xlb_config local, doc, out, out2, dec, eff;
	struct xlb_change ch;
	char *text, err[256], c[XLB_CIDR_STRLEN];
	json_t *a;

	parse(node_yaml, &local);
	doc_of(doc_yaml, "[\"services\", \"acl\", \"rate_limit\", \"roles\"]", &doc);

	/* bad arguments are refused before the document is read */
	a = json_pack("{s:s, s:s}", "list", "allow", "prefix", "10.1.0.0/16");
	assert_int_equal(xlb_change_from_cmd("acl.add", a, 0, &ch, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "per service"));
	json_decref(a);
	a = json_pack("{s:s, s:s}", "list", "deny", "prefix", "10.1.0.1/16");
	assert_int_equal(xlb_change_from_cmd("acl.remove", a, 0, &ch, err, sizeof(err)),
			 -EINVAL);
	json_decref(a);
	a = json_pack("{s:s, s:s}", "list", "both", "prefix", "10.1.0.0/16");
	assert_int_equal(xlb_change_from_cmd("acl.add", a, 0, &ch, err, sizeof(err)),
			 -EINVAL);
	json_decref(a);

	/* global deny: a change of the document's acl section, kept through encode/decode */
	assert_int_equal(acl_try("acl.add", "{\"list\":\"deny\",\"prefix\":\"203.0.113.0/24\"}",
				 &doc, &out, err, sizeof(err)), XLB_CH_OK);
	assert_int_equal(out.acl.deny.n, 3);
	assert_int_equal(doc.acl.deny.n, 2); /* the read document is untouched */
	assert_int_equal(xlb_cluster_doc_encode(&out, "n1", 2, &text), 0);
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &dec, err, sizeof(err)),
			 0);
	free(text);
	assert_int_equal(dec.acl.deny.n, 3);
	assert_string_equal(xlb_cidr_str(&dec.acl.deny.v[2], c, sizeof(c)), "203.0.113.0/24");
	assert_int_equal(xlb_cluster_merge(&local, &dec, &eff, err, sizeof(err)), 0);
	assert_int_equal(eff.acl.deny.n, 3); /* every node: the document's list, not its file's */
	xlb_config_free(&eff);
	xlb_config_free(&dec);
	assert_int_equal(acl_try("acl.add", "{\"list\":\"deny\",\"prefix\":\"203.0.113.0/24\"}",
				 &out, &out2, err, sizeof(err)), XLB_CH_EXISTS);
	assert_non_null(strstr(err, "already"));
	assert_int_equal(acl_try("acl.remove", "{\"list\":\"deny\",\"prefix\":\"192.0.2.0/24\"}",
				 &out, &out2, err, sizeof(err)), XLB_CH_OK);
	assert_int_equal(out2.acl.deny.n, 2);
	assert_false(xlb_acl_list_has(&out2.acl.deny, &doc.acl.deny.v[0]));
	xlb_config_free(&out2);
	assert_int_equal(acl_try("acl.remove", "{\"list\":\"deny\",\"prefix\":\"10.9.0.0/16\"}",
				 &out, &out2, err, sizeof(err)), XLB_CH_NOT_FOUND);
	xlb_config_free(&out);

	/* a service's lists: part of the service */
	assert_int_equal(acl_try("acl.add", "{\"service\":\"web\",\"list\":\"allow\","
				 "\"prefix\":\"192.168.0.0/16\"}", &doc, &out, err, sizeof(err)),
			 XLB_CH_OK);
	assert_int_equal(out.services[0].acl.allow.n, 2);
	assert_int_equal(out.acl.deny.n, 2);
	xlb_config_free(&out);
	assert_int_equal(acl_try("acl.add", "{\"service\":\"web\",\"list\":\"deny\","
				 "\"prefix\":\"2001:db8::/32\"}", &doc, &out, err, sizeof(err)),
			 XLB_CH_INVALID);
	assert_non_null(strstr(err, "family"));
	assert_int_equal(acl_try("acl.add", "{\"service\":\"nope\",\"list\":\"deny\","
				 "\"prefix\":\"10.0.0.0/8\"}", &doc, &out, err, sizeof(err)),
			 XLB_CH_NOT_FOUND);
	xlb_config_free(&doc);

	/* an older lbd's document (services only): the global list is the files'; refused */
	doc_of(doc_yaml, NULL, &doc);
	assert_int_equal(acl_try("acl.add", "{\"list\":\"deny\",\"prefix\":\"203.0.113.0/24\"}",
				 &doc, &out, err, sizeof(err)), XLB_CH_INVALID);
	assert_non_null(strstr(err, "sections"));
	assert_int_equal(acl_try("acl.add", "{\"service\":\"web\",\"list\":\"deny\","
				 "\"prefix\":\"10.1.2.0/24\"}", &doc, &out, err, sizeof(err)),
			 XLB_CH_OK);
	xlb_config_free(&out);
	xlb_config_free(&doc);
	xlb_config_free(&local);
}

static void test_acl_conflict_decision(void **st)
{
	struct xlb_change g, sv;
	struct xlb_config read, fresh;
	struct xlb_cidr x;
	char what[256];

	doc_of(doc_yaml, "[\"services\", \"acl\"]", &read);
	doc_of(doc_yaml, "[\"services\", \"acl\"]", &fresh);
	change("acl.add", "{\"list\":\"deny\",\"prefix\":\"203.0.113.0/24\"}", &g);
	change("acl.add", "{\"service\":\"web\",\"list\":\"deny\",\"prefix\":\"10.1.2.0/24\"}",
	       &sv);
	/* another writer drained a backend: both acl changes replay cleanly */
	fresh.services[0].backends[0].drain = true;
	assert_true(xlb_change_clean(&g, &read, &fresh, what, sizeof(what)));
	assert_true(xlb_change_clean(&sv, &read, &fresh, what, sizeof(what)));
	/* ... changed the global list: a conflict for the global change only */
	assert_int_equal(xlb_cidr_parse("198.18.0.0/15", &x, NULL, 0), 0);
	assert_int_equal(xlb_acl_list_add(&fresh.acl.deny, &x), 0);
	assert_false(xlb_change_clean(&g, &read, &fresh, what, sizeof(what)));
	assert_non_null(strstr(what, "global acl"));
	assert_true(xlb_change_clean(&sv, &read, &fresh, what, sizeof(what)));
	/* ... changed the service's lists: a conflict for the service change */
	assert_int_equal(xlb_acl_list_add(&fresh.services[0].acl.deny, &x), 0);
	assert_false(xlb_change_clean(&sv, &read, &fresh, what, sizeof(what)));
	assert_non_null(strstr(what, "web"));
	/* a service removal racing an acl change of that service: a conflict too */
	xlb_change_free(&sv);
	change("service.remove", "{\"service\":\"web\"}", &sv);
	fresh.services[0].backends[0].drain = false;
	assert_false(xlb_change_clean(&sv, &read, &fresh, what, sizeof(what)));
	xlb_change_free(&sv);
	xlb_change_free(&g);
	xlb_config_free(&read);
	xlb_config_free(&fresh);
}

/* lbctl ratelimit set|clear in cluster mode: a change of the document, as acl changes are. */
static void test_rate_changes(void **st)
{
	struct xlb_config local, doc, out, out2, dec, eff, fresh;
	struct xlb_change ch, g, sv;
	char *text, err[256], what[256];
	json_t *a;

	parse(node_yaml, &local);
	doc_of(doc_yaml, "[\"services\", \"acl\", \"rate_limit\", \"roles\"]", &doc);
	/* bad limits are refused before the document is read (lib/filter.c's checks) */
	a = json_pack("{s:i}", "rate", 0);
	assert_int_equal(xlb_change_from_cmd("ratelimit.set", a, 0, &ch, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "rate 0"));
	json_decref(a);
	a = json_pack("{s:i}", "rate", 5);
	assert_int_equal(xlb_change_from_cmd("ratelimit.clear", a, 0, &ch, err,
						     sizeof(err)),
			 -EINVAL);
	json_decref(a);

	/* global: the document's rate_limit section, kept through encode/decode and merge */
	assert_int_equal(acl_try("ratelimit.set", "{\"rate\":500,\"burst\":50,\"prefix_v4\":24}",
				 &doc, &out, err, sizeof(err)), XLB_CH_OK);
	assert_true(out.rate_limit.set);
	assert_int_equal(out.rate_limit.rate, 500);
	assert_int_equal(out.rate_limit.burst, 50);
	assert_int_equal(out.rate_limit.prefix4, 24);
	assert_int_equal(out.rate_limit.prefix6, XLB_RATE_DEFAULT_PREFIX6);
	assert_int_equal(xlb_cluster_doc_encode(&out, "n1", 2, &text), 0);
	assert_int_equal(xlb_cluster_doc_decode(text, strlen(text), "doc", &dec, err, sizeof(err)),
			 0);
	free(text);
	assert_int_equal(xlb_cluster_merge(&local, &dec, &eff, err, sizeof(err)), 0);
	assert_int_equal(eff.rate_limit.rate, 500); /* every node: the document's limit */
	xlb_config_free(&eff);
	xlb_config_free(&dec);
	/* the same limit again: nothing to write */
	assert_int_equal(acl_try("ratelimit.set", "{\"rate\":500,\"burst\":50,\"prefix_v4\":24}",
				 &out, &out2, err, sizeof(err)), XLB_CH_NOOP);
	assert_int_equal(acl_try("ratelimit.clear", "{}", &out, &out2, err, sizeof(err)),
			 XLB_CH_OK);
	assert_false(out2.rate_limit.set);
	xlb_config_free(&out2);
	xlb_config_free(&out);

	/* a service's limit: part of the service */
	assert_int_equal(acl_try("ratelimit.set", "{\"service\":\"web\",\"rate\":100}", &doc,
				 &out, err, sizeof(err)), XLB_CH_OK);
	assert_int_equal(out.services[0].rate_limit.rate, 100);
	assert_int_equal(out.services[0].rate_limit.burst, 100); /* burst = rate by default */
	xlb_config_free(&out);
	assert_int_equal(acl_try("ratelimit.set", "{\"service\":\"nope\",\"rate\":100}", &doc,
				 &out, err, sizeof(err)), XLB_CH_NOT_FOUND);

	/* conflicts: only a change of the same limit by another writer */
	doc_of(doc_yaml, "[\"services\", \"acl\", \"rate_limit\", \"roles\"]", &fresh);
	change("ratelimit.set", "{\"rate\":7}", &g);
	change("ratelimit.set", "{\"service\":\"web\",\"rate\":9}", &sv);
	fresh.services[0].backends[0].drain = true;
	assert_true(xlb_change_clean(&g, &doc, &fresh, what, sizeof(what)));
	assert_true(xlb_change_clean(&sv, &doc, &fresh, what, sizeof(what)));
	fresh.rate_limit.set = true;
	fresh.rate_limit.rate = fresh.rate_limit.burst = 3;
	assert_false(xlb_change_clean(&g, &doc, &fresh, what, sizeof(what)));
	assert_non_null(strstr(what, "global rate limit"));
	assert_true(xlb_change_clean(&sv, &doc, &fresh, what, sizeof(what)));
	fresh.services[0].rate_limit = fresh.rate_limit;
	assert_false(xlb_change_clean(&sv, &doc, &fresh, what, sizeof(what)));
	xlb_change_free(&g);
	xlb_change_free(&sv);
	xlb_config_free(&fresh);
	xlb_config_free(&doc);

	/* an older lbd's document without the section: the global limit is the files' */
	doc_of(doc_yaml, NULL, &doc);
	assert_int_equal(acl_try("ratelimit.set", "{\"rate\":5}", &doc, &out, err, sizeof(err)),
			 XLB_CH_INVALID);
	assert_non_null(strstr(err, "sections"));
	xlb_config_free(&doc);
	xlb_config_free(&local);
}

static void test_disagreements(void **st)
{
	json_t *nodes = json_loads("[{\"node\":\"n1\",\"revision\":5,\"health\":{\"web\":"
				   "{\"10.0.0.11\":\"up\",\"10.0.0.12\":\"up\"}}},"
				   "{\"node\":\"n2\",\"revision\":5,\"health\":{\"web\":"
				   "{\"10.0.0.11\":\"down\",\"10.0.0.12\":\"up\"}}}]", 0, NULL);
	json_t *d = xlb_cluster_disagreements(nodes), *e;

	assert_int_equal(json_array_size(d), 1);
	e = json_array_get(d, 0);
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "health");
	assert_string_equal(json_string_value(json_object_get(e, "backend")), "10.0.0.11");
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "down"), 0)), "n2");
	json_decref(d);
	json_object_set_new(json_array_get(nodes, 1), "revision", json_integer(6));
	d = xlb_cluster_disagreements(nodes);
	assert_int_equal(json_array_size(d), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "kind")),
			    "revision");
	json_decref(d);
	json_decref(nodes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_shared_sections),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_conflict_decision),
		cmocka_unit_test(test_acl_changes),
		cmocka_unit_test(test_acl_conflict_decision),
		cmocka_unit_test(test_rate_changes),
		cmocka_unit_test(test_disagreements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
