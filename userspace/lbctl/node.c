// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl status, node status|drain|undrain (BGP announcements, lbd/bgp.c) and
 * cluster status (lbd/cluster.c, docs/cluster.md).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lbctl.h"
#include "proto.h"

static double now_ms_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* cluster mode (lbd/cluster.c, docs/cluster.md): one line for status */
static void print_cluster_line(json_t *cl)
{
	if (!json_is_true(json_object_get(cl, "enabled")))
		return;
	printf("cluster:      node %s, revision %s applied, etcd %s%s%s\n", jstr(cl, "node"),
	       jnum(cl, "revision_applied"), json_is_true(json_object_get(cl, "etcd_up")) ? "up" :
	       "DOWN", *jstr(cl, "etcd_error") ? ": " : "", jstr(cl, "etcd_error"));
	if (json_object_get(cl, "rejected_revision"))
		printf("              revision %s refused: %s\n", jnum(cl, "rejected_revision"),
		       jstr(cl, "rejected"));
}

static int do_cluster_status(const struct command *c, char **argv, int argc)
{
	struct table t = { 6, 0, { "NODE", "REVISION", "UP", "DOWN", "ANNOUNCED", "UPDATED" },
			   { 0, 1, 1, 1, 0, 1 } };
	json_t *r, *n, *d, *v, *svc, *st;
	const char *k, *a;
	size_t i, j;

	if (call("cluster.status", NULL, &r))
		return 1;
	if (!r)
		return 0;
	print_cluster_line(r);
	printf("desired:      %s (newest revision seen %s)\n", jstr(r, "key"),
	       jnum(r, "revision_latest"));
	printf("nodes:        from %s\n\n", jstr(r, "nodes_source"));
	json_array_foreach(json_object_get(r, "nodes"), i, n) {
		char up[16], down[16], ann[256] = "", upd[32] = "-";
		int nu = 0, nd = 0;
		size_t al = 0;

		json_object_foreach(json_object_get(n, "health"), k, svc)
			json_object_foreach(svc, a, st) {
				nu += !strcmp(json_string_value(st) ?: "", "up");
				nd += !strcmp(json_string_value(st) ?: "", "down");
			}
		snprintf(up, sizeof(up), "%d", nu);
		snprintf(down, sizeof(down), "%d", nd);
		json_array_foreach(json_object_get(n, "announced"), j, v)
			al += snprintf(ann + al, al < sizeof(ann) ? sizeof(ann) - al : 0, "%s%s",
				       j ? "," : "", json_string_value(v) ?: "?");
		if (!json_is_true(json_object_get(n, "bgp")))
			snprintf(ann, sizeof(ann), "(no bgp)");
		else if (!al)
			snprintf(ann, sizeof(ann), "(none)");
		if (json_is_integer(json_object_get(n, "updated_ms")))
			snprintf(upd, sizeof(upd), "%.1fs ago",
				 (now_ms_real() -
				  (double)json_integer_value(json_object_get(n, "updated_ms"))) / 1000);
		table_add(&t, jstr(n, "node"), jnum(n, "revision"), up, down, ann, upd);
	}
	table_print(&t);
	printf("\n");
	if (!json_array_size(json_object_get(r, "disagreements")))
		printf("disagreements: none\n");
	json_array_foreach(json_object_get(r, "disagreements"), i, d) {
		if (!strcmp(jstr(d, "kind"), "revision")) {
			printf("disagreement: nodes at different revisions:");
			json_object_foreach(json_object_get(d, "revisions"), k, v)
				printf(" %s@%lld", k, (long long)json_integer_value(v));
			printf("\n");
			continue;
		}
		printf("disagreement: backend %s of %s: up on", jstr(d, "backend"), jstr(d, "service"));
		json_array_foreach(json_object_get(d, "up"), j, v)
			printf(" %s", json_string_value(v));
		printf(", down on");
		json_array_foreach(json_object_get(d, "down"), j, v)
			printf(" %s", json_string_value(v));
		printf("\n");
	}
	json_decref(r);
	return 0;
}

static int do_status(const struct command *c, char **argv, int argc)
{
	json_t *r;

	if (call("status", NULL, &r))
		return 1;
	if (!r)
		return 0;
	printf("interface:    %s (ifindex %s)\n", jstr(r, "iface"), jnum(r, "ifindex"));
	if (json_is_false(json_object_get(json_object_get(r, "link"), "attached"))) {
		json_t *lk = json_object_get(r, "link");

		printf("link:         NOT ATTACHED: %s is gone since %ss%s%s; lbd attaches again when "
		       "it returns\n", jstr(r, "iface"), jnum(lk, "since_s"),
		       json_object_get(lk, "error") ? "; attaching failed: " : "",
		       json_object_get(lk, "error") ? jstr(lk, "error") : "");
	}
	printf("attach mode:  %s%s\n", jstr(r, "attach_mode"),
	       json_is_true(json_object_get(r, "adopted")) ? " (took over a running data path)" : "");
	printf("flow cache:   %s\n",
	       json_is_false(json_object_get(r, "flow_cache")) ? "off (--no-flow-cache)" : "on");
	printf("pin dir:      %s\n", jstr(r, "pin_dir"));
	printf("config:       %s\n", jstr(r, "config"));
	printf("socket:       %s\n", jstr(r, "socket"));
	printf("state file:   %s\n", *jstr(r, "state") ? jstr(r, "state") : "(none)");
	printf("services:     %s\n", jnum(r, "services"));
	printf("uptime:       %ss (pid %s)\n", jnum(r, "uptime_s"), jnum(r, "pid"));
	print_cluster_line(json_object_get(r, "cluster"));
	if (json_object_get(r, "control")) {
		json_t *ctl = json_object_get(r, "control"), *rf = json_object_get(ctl, "refused");

		printf("control:      %s / %s connections; refused %s (busy) + %s (per-user "
		       "budget); %s timed out\n", jnum(ctl, "connections"), jnum(ctl, "max"),
		       jnum(rf, "busy"), jnum(rf, "per_user"), jnum(ctl, "timed_out"));
	}
	{
		static const char *const maps[] = { "flows", "services", "backends" };
		json_t *m = json_object_get(r, "maps");
		size_t k;

		for (k = 0; k < 3; k++) {
			json_t *o = json_object_get(m, maps[k]);
			double u = json_integer_value(json_object_get(o, "used"));
			double mx = json_integer_value(json_object_get(o, "max"));

			printf("%-13s %s / %s (%.1f%%)", k == 0 ? "map flows:" : k == 1 ?
			       "map services:" : "map backends:", jnum(o, "used"), jnum(o, "max"),
			       mx > 0 ? 100.0 * u / mx : 0.0);
			/* flows: lbd's periodic count, not a walk per status */
			if (json_is_integer(json_object_get(o, "counted_ms_ago"))) {
				json_int_t age = json_integer_value(json_object_get(o, "counted_ms_ago"));

				if (age < 0)
					printf(", not counted yet");
				else
					printf(", counted %.1f s ago", age / 1000.0);
			}
			printf("\n");
		}
	}
	json_decref(r);
	return 0;
}

static void print_node(json_t *r)
{
	json_t *v;
	size_t i;

	if (!json_is_true(json_object_get(r, "bgp"))) {
		printf("bgp:          off (no bgp: section in the config)\n");
		return;
	}
	printf("state:        %s\n", jstr(r, "state"));
	printf("announced:   ");
	json_array_foreach(json_object_get(r, "announced"), i, v)
		printf(" %s", json_string_value(v));
	printf("%s\n", json_array_size(json_object_get(r, "announced")) ? "" : " (nothing)");
	printf("in sync:      %s (BIRD: %s)\n",
	       json_is_true(json_object_get(r, "in_sync")) ? "yes" : "no", jstr(r, "last_result"));
	printf("fragment:     %s (protocols %s4, %s6)\n", jstr(r, "config_file"),
	       jstr(r, "protocol"), jstr(r, "protocol"));
	printf("bird socket:  %s\n", jstr(r, "bird_socket"));
	printf("changes:      %s (%s syncs, %s failed)\n", jnum(r, "changes"), jnum(r, "syncs"),
	       jnum(r, "failures"));
}

static int do_node(const struct command *c, char **argv, int argc)
{
	const char *cmd = !strcmp(c->words, "node drain")     ? "node.drain"
			  : !strcmp(c->words, "node undrain") ? "node.undrain"
							      : "node.status";
	json_t *r;

	if (call(cmd, NULL, &r))
		return 1;
	if (r)
		print_node(r);
	json_decref(r);
	return 0;
}

static const struct command cmds[] = {
	{ "status", "", 0, 0,
	  "Show the interface, attach mode, pin directory, uptime and config of lbd, and\n"
	  "the map fill levels (connection table entries as lbd counted them last, every 5 s).",
	  do_status },
	{ "node status", "", 0, 0,
	  "Show this node's BGP announcements (config bgp:): the VIPs announced through\n"
	  "BIRD, whether the node is drained, and BIRD's last answer.",
	  do_node },
	{ "node drain", "", 0, 0,
	  "Maintenance: withdraw every VIP from BGP (routers send new connections to the\n"
	  "other nodes) and keep forwarding the flows that still arrive. Survives an lbd\n"
	  "restart. Waits for BIRD to take the new config.",
	  do_node },
	{ "node undrain", "", 0, 0,
	  "End a node drain: announce the VIPs that have usable backends again.",
	  do_node },
	{ "cluster status", "", 0, 0,
	  "Cluster mode (config cluster:): every node that holds a lease in etcd, with the\n"
	  "revision of the desired state it applied, its own health view (backends up\n"
	  "and down), its announced VIPs and when it last published; then the\n"
	  "disagreements: nodes at different revisions, backends up on some nodes and\n"
	  "down on others. With etcd unreachable, this node's view only.",
	  do_cluster_status },
};

const struct cmd_table node_cmds = CMD_TABLE(cmds);
