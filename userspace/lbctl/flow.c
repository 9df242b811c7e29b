// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl flow explain SRC[:PORT] VIP:PORT[/PROTO] [--syn]: what the data path
 * would do with the next packet of a flow (lbd/explain.c, docs/operations.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "lbctl.h"
#include "proto.h"

/*
 * "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" (a bare IPv6 address has no port);
 * with want_proto also "/tcp" or "/udp" at the end. 0 or -EINVAL.
 */
static int parse_ep(const char *s, bool need_port, bool want_proto, char *addr, size_t alen,
		    long *port, char *proto, size_t plen)
{
	char buf[128], *p, *slash, *colon, *end;
	struct xlb_addr a;
	__u8 fam;

	snprintf(buf, sizeof(buf), "%s", s);
	*port = -1;
	if (want_proto) {
		snprintf(proto, plen, "tcp");
		slash = strrchr(buf, '/');
		if (slash) {
			*slash = '\0';
			if (strcmp(slash + 1, "tcp") && strcmp(slash + 1, "udp"))
				return -EINVAL;
			snprintf(proto, plen, "%s", slash + 1);
		}
	}
	p = buf;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			return -EINVAL;
		*end = '\0';
		snprintf(addr, alen, "%s", p + 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -EINVAL;
	} else {
		colon = strchr(p, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		if (colon)
			*colon = '\0';
		snprintf(addr, alen, "%s", p);
	}
	if (colon) {
		errno = 0;
		*port = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || errno || *port < 0 || *port > 65535)
			return -EINVAL;
	}
	if (need_port && *port < 0)
		return -EINVAL;
	return xlb_addr_parse(addr, &a, &fam) ? -EINVAL : 0;
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static long long ji(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void print_explain(json_t *r)
{
	json_t *f = json_object_get(r, "flow"), *s = json_object_get(r, "service");
	json_t *fc = json_object_get(r, "flow_cache"), *c = json_object_get(r, "connection");
	json_t *fi = json_object_get(r, "filters"), *rl = json_object_get(fi, "rate_limit");
	json_t *b = json_object_get(r, "backend"), *sc = json_object_get(r, "schedule");
	json_t *nh = json_object_get(r, "nexthop"), *v;
	size_t i;

	printf("flow      %s:%lld -> %s:%lld/%s%s  (hash %s)\n", js(f, "src"), ji(f, "sport"),
	       js(f, "vip"), ji(f, "port"), js(f, "protocol"),
	       json_is_true(json_object_get(f, "syn")) ? " SYN" : "", js(f, "hash"));
	if (json_is_object(s))
		printf("service   %s (id %lld, %s, %s, table %lld)\n", js(s, "name"), ji(s, "id"),
		       js(s, "scheduler"), js(s, "forwarding"), ji(s, "table_size"));
	else
		printf("service   none%s\n",
		       json_is_false(json_object_get(r, "prefilter")) ? " (prefilter bit clear)" : "");
	if (json_is_true(json_object_get(fc, "enabled")))
		printf("cache     slot %lld: %s\n", ji(fc, "slot"),
		       ji(fc, "cpu") >= 0 ? "holds this flow" : "not this flow");
	if (ji(fc, "cpu") >= 0)
		printf("          on CPU %lld (%lld CPU(s))\n", ji(fc, "cpu"), ji(fc, "cpus"));
	if (json_is_object(c))
		printf("table     entry: backend id %lld, %s, idle %lld ms%s%s\n",
		       ji(c, "backend_id"), js(c, "forwarding"), ji(c, "idle_ms"),
		       json_is_true(json_object_get(c, "usable")) ? "" : ", backend NOT usable",
		       json_is_true(json_object_get(c, "closed")) ? ", closed" : "");
	else if (!strcmp(js(r, "via"), "cache"))
		printf("table     not read (flow cache hit)\n");
	else
		printf("table     no entry\n");
	printf("filters   acl %s; rate limit ", js(fi, "acl"));
	if (json_is_object(rl))
		printf("%s bucket %s: %lld of %lld tokens (%.6g/s)%s -> %s\n", js(rl, "scope"),
		       js(rl, "bucket"), ji(rl, "tokens"), ji(rl, "burst"),
		       json_number_value(json_object_get(rl, "rate")),
		       json_is_true(json_object_get(rl, "exists")) ? "" : ", new bucket",
		       json_is_true(json_object_get(rl, "admit")) ? "admit" : "REFUSE");
	else
		printf("%s\n", json_is_string(rl) ? json_string_value(rl) : "-");
	if (json_is_object(sc)) {
		printf("schedule  slot %lld -> backend id %lld", ji(sc, "slot"),
		       ji(sc, "slot_backend_id"));
		if (json_object_get(sc, "slot2"))
			printf("; slot2 %lld -> backend id %lld (active flows %lld / %lld)",
			       ji(sc, "slot2"), ji(sc, "slot2_backend_id"),
			       (long long)json_integer_value(
				   json_array_get(json_object_get(sc, "active_flows"), 0)),
			       (long long)json_integer_value(
				   json_array_get(json_object_get(sc, "active_flows"), 1)));
		printf("\n");
	}
	printf("decision  via %s", js(r, "via"));
	if (json_is_object(b)) {
		printf(" -> backend %s (id %lld", js(b, "address"), ji(b, "id"));
		if (json_object_get(b, "weight"))
			printf(", weight %lld", ji(b, "weight"));
		if (json_object_get(b, "health"))
			printf(", %s", js(b, "health"));
		if (json_is_true(json_object_get(b, "draining")))
			printf(", draining");
		if (json_is_true(json_object_get(b, "backup")))
			printf(", backup");
		printf(")");
	}
	printf("\n");
	json_array_foreach(json_object_get(r, "why"), i, v)
		printf("%s%s\n", i ? "          " : "why       ", json_string_value(v));
	if (json_is_object(nh)) {
		printf("forward   %s", js(r, "forwarding"));
		if (json_object_get(nh, "interface"))
			printf(" out of %s, next hop %s (neighbour %s %s)", js(nh, "interface"),
			       js(nh, "gateway"), js(nh, "neighbour"), js(nh, "mac"));
		else
			printf(", route: %s", js(nh, "route"));
		printf("\n");
		json_array_foreach(json_object_get(nh, "cached"), i, v)
			printf("          CPU %lld cached next hop %s via %s (%lld ms left)\n",
			       ji(v, "cpu"), js(v, "dmac"), js(v, "interface"),
			       ji(v, "expires_in_ms"));
	}
	printf("verdict   %s (%s)\n", js(r, "action"), js(r, "reason"));
	printf("counters ");
	json_array_foreach(json_object_get(r, "counters"), i, v)
		printf(" %s[%s].%s%s", js(v, "map"), js(v, "key"), js(v, "field"),
		       i + 1 < json_array_size(json_object_get(r, "counters")) ? ";" : "");
	printf("\n");
	if (json_object_get(r, "creates"))
		printf("creates   %s\n", js(r, "creates"));
}

static int lbctl_flow_explain(const char *sock, bool json, char **argv, int argc)
{
	char src[128], vip[128], proto[8], err[1024];
	long sport, port;
	bool syn = false;
	json_t *args, *r;
	int i, n = 0;
	char *pos[2];

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--syn"))
			syn = true;
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "lbctl: flow explain: unknown option \"%s\"\n", argv[i]);
			return 2;
		} else if (n < 2)
			pos[n++] = argv[i];
		else {
			fprintf(stderr, "lbctl: flow explain: unexpected argument \"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (n < 2) {
		fprintf(stderr, "lbctl: flow explain: needs SRC[:PORT] VIP:PORT[/PROTO]\n");
		return 2;
	}
	if (parse_ep(pos[0], false, false, src, sizeof(src), &sport, NULL, 0)) {
		fprintf(stderr, "lbctl: flow explain: source \"%s\": expected ADDR, ADDR:PORT or "
				"[IPv6]:PORT\n", pos[0]);
		return 2;
	}
	if (parse_ep(pos[1], true, true, vip, sizeof(vip), &port, proto, sizeof(proto))) {
		fprintf(stderr, "lbctl: flow explain: \"%s\": expected VIP:PORT[/tcp|/udp] or "
				"[IPv6]:PORT[/PROTO]\n", pos[1]);
		return 2;
	}
	args = json_pack("{s:s, s:I, s:s, s:I, s:s, s:b}", "src", src, "sport",
			 (json_int_t)(sport < 0 ? 0 : sport), "vip", vip, "port", (json_int_t)port,
			 "protocol", proto, "syn", syn);
	if (xlb_proto_call(sock, "flow.explain", args, &r, err, sizeof(err),
			   XLB_PROTO_TIMEOUT_MS)) {
		fprintf(stderr, "lbctl: %s\n", err);
		return 1;
	}
	if (json) {
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n");
	} else {
		if (sport < 0)
			printf("(no source port given: port 0 assumed; the flow hash depends on it)\n");
		print_explain(r);
	}
	json_decref(r);
	return 0;
}

static int do_flow_explain(const struct command *c, char **argv, int argc)
{
	return lbctl_flow_explain(sock_path, json_out, argv, argc);
}

static const struct command cmds[] = {
	{ "flow explain", "SRC[:PORT] VIP:PORT[/PROTO] [--syn]", 2, 3,
	  "Walk the data path's decisions for the next packet of a flow, from the live\n"
	  "maps and with the data path's hashes: service, ACLs, rate-limit bucket, flow\n"
	  "cache, connection-table entry or the scheduling decision (table slot,\n"
	  "backend, and why: cache, table, drain, panic, backup), forwarding mode, next\n"
	  "hop (route and neighbour) and the counters the packet would bump. --syn\n"
	  "explains a connection attempt (a bare SYN) instead of a segment of the flow.\n"
	  "Reads only: no token spent, no entry created. PROTO: tcp (default) or udp.",
	  do_flow_explain },
};

const struct cmd_table flow_cmds = CMD_TABLE(cmds);
