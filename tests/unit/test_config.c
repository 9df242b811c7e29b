// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Config parsing (userspace/lib/config.c): the examples and good corpus parse
 * to what they say, defaults apply, and every malformed input is refused with
 * -EINVAL and a message naming the right line and field. Run from the repo
 * root (tests/configs/, examples/ are relative paths).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* cmocka.h needs the headers above (setjmp.h, stdarg.h, stddef.h). */
#include <cmocka.h>

#include "config.h"
#include "config_write.h"
#include "cfg_cmp.h"

#define ERRLEN 512

struct bad_case {
	const char *name;
	const char *yaml;
	const char *expect; /* must appear in the message; line numbers are the yaml's */
};

/*
 * The same inputs live in tests/configs/bad/NN-<name>.yaml with two header
 * lines (the "# expect:" line and the SPDX line), so their line numbers are
 * two higher there.
 */
static const struct bad_case bad_cases[] = {
    {"port-junk",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80x\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"80x\" is not a decimal number"},
    {"port-zero",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 0\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"0\" is out of range 1..65535"},
    {"port-too-big",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 65536\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"65536\" is out of range 1..65535"},
    {"port-huge",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 99999999999999999999\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"99999999999999999999\" is out of range"},
    {"port-negative",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: -1\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"-1\" is not a decimal number"},
    {"port-hex",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 0x50\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"0x50\" is not a decimal number"},
    {"port-float",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80.0\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"80.0\" is not a decimal number"},
    {"port-leading-zero",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 080\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: \"080\": leading zeros"},
    {"port-quoted",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: \"80\"\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: expected a number, got the quoted string \"80\""},
    {"port-mapping",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: {a: 1}\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: expected a number, got a mapping"},
    {"port-sequence",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: [80]\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: expected a number, got a sequence"},
    {"port-null",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: \n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":4: services[0].port: missing value"},
    {"port-missing",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":2: services[0].port: missing required field"},
    {"port-duplicate-key",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    port: 81\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].port: duplicate key"},
    {"vip-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.x\n"
     "    port: 80\n",
     ":3: services[0].vip: \"10.100.0.x\" is not an IPv4/IPv6 address"},
    {"vip-prefix",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10/32\n"
     "    port: 80\n",
     ":3: services[0].vip: \"10.100.0.10/32\" is not an IPv4/IPv6 address"},
    {"vip-missing",
     "services:\n"
     "  - name: web\n"
     "    port: 80\n",
     ":2: services[0].vip: missing required field"},
    {"vip-null",
     "services:\n"
     "  - name: web\n"
     "    vip: ~\n"
     "    port: 80\n",
     ":3: services[0].vip: missing value"},
    {"vip-mapping",
     "services:\n"
     "  - name: web\n"
     "    vip:\n"
     "      a: 1\n"
     "    port: 80\n",
     ":4: services[0].vip: expected a string, got a mapping"},
    {"name-missing",
     "services:\n"
     "  - vip: 10.100.0.10\n"
     "    port: 80\n",
     ":2: services[0].name: missing required field"},
    {"name-invalid",
     "services:\n"
     "  - name: web site\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n",
     ":2: services[0].name: \"web site\" is not a valid name"},
    {"name-empty",
     "services:\n"
     "  - name: \"\"\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n",
     ":2: services[0].name: \"\" is not a valid name"},
    {"name-too-long",
     "services:\n"
     "  - name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n",
     ":2: services[0].name: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is not a valid name"},
    {"unknown-key-top",
     "services: []\n"
     "servics: []\n",
     ":2: servics: unknown key"},
    {"unknown-key-service",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    prot: tcp\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].prot: unknown key"},
    {"unknown-key-backend",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - adress: 10.0.0.11\n",
     ":6: services[0].backends[0].adress: unknown key"},
    {"protocol-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    protocol: sctp\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].protocol: \"sctp\" is not one of: tcp, udp"},
    {"protocol-uppercase",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    protocol: TCP\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].protocol: \"TCP\" is not one of: tcp, udp"},
    {"scheduler-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    scheduler: RR\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].scheduler: \"RR\" is not one of: maglev, sh, rr, wrr, lc"},
    {"forwarding-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    forwarding: vxlan\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].forwarding: \"vxlan\" is not one of: dsr-l2, ipip, gue"},
    {"table-size-not-prime",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    table_size: 65536\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].table_size: 65536 is not a prime"},
    {"table-size-small",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    table_size: 5\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].table_size: \"5\" is out of range 7..1048573"},
    {"table-size-big",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    table_size: 2000003\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n",
     ":5: services[0].table_size: \"2000003\" is out of range 7..1048573"},
    {"weight-too-big",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "        weight: 70000\n",
     ":7: services[0].backends[0].weight: \"70000\" is out of range 0..65535"},
    {"weight-negative",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "        weight: -5\n",
     ":7: services[0].backends[0].weight: \"-5\" is not a decimal number"},
    {"weight-quoted",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "        weight: '100'\n",
     ":7: services[0].backends[0].weight: expected a number"},
    {"backend-bad-address",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "      - address: 10.0.0.x\n",
     ":7: services[0].backends[1].address: \"10.0.0.x\" is not an IPv4/IPv6 address"},
    {"backend-address-missing",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - weight: 5\n",
     ":6: services[0].backends[0].address: missing required field"},
    {"backend-family",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "      - address: 2001:db8::1\n",
     ":7: services[0].backends[1].address: 2001:db8::1 is IPv6 but the vip is IPv4"},
    {"backend-family-late-vip",
     "services:\n"
     "  - name: web\n"
     "    backends:\n"
     "      - weight: 5\n"
     "        address: 2001:db8::1\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n",
     ":5: services[0].backends[0].address: 2001:db8::1 is IPv6 but the vip is IPv4"},
    {"backend-duplicate",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "      - address: 10.0.0.12\n"
     "      - address: 10.0.0.11\n",
     ":8: services[0].backends[2].address: duplicate backend 10.0.0.11 (also backends[0] at line "
     "6)"},
    {"backend-port-dsr",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    forwarding: ipip\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "        port: 8080\n",
     ":8: services[0].backends[0].port: forwarding ipip delivers to the VIP's port; a backend "
     "port needs address translation (forwarding: nat or fullnat)"},
    {"backend-port-range",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "        port: 65536\n",
     ":7: services[0].backends[0].port:"},
    {"backend-duplicate-v6",
     "services:\n"
     "  - name: web\n"
     "    vip: 2001:db8::10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 2001:db8::1\n"
     "      - address: 2001:DB8:0::1\n",
     ":7: services[0].backends[1].address: duplicate backend 2001:db8::1"},
    {"backends-scalar",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends: 10.0.0.11\n",
     ":5: services[0].backends: expected a sequence, got a scalar"},
    {"backend-scalar",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - 10.0.0.11\n",
     ":6: services[0].backends[0]: expected a mapping, got a scalar"},
    {"service-duplicate-name",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "  - name: web\n"
     "    vip: 10.100.0.11\n"
     "    port: 80\n",
     ":7: services[1].name: duplicate service name \"web\" (also services[0] at line 2)"},
    {"service-duplicate-key",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "  - name: web2\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    protocol: tcp\n",
     ":8: services[1]: duplicate service 10.100.0.10:80/tcp (also services[0] \"web\" at line 2)"},
    {"service-scalar",
     "services:\n"
     "  - web\n",
     ":2: services[0]: expected a mapping, got a scalar"},
    {"services-mapping",
     "services:\n"
     "  name: web\n",
     ":2: services: expected a sequence, got a mapping"},
    {"top-sequence",
     "- name: web\n"
     "- name: db\n",
     ":1: top level must be a mapping"},
    {"top-scalar", "hello\n", ":1: top level must be a mapping"},
    {"key-not-scalar",
     "? [a]\n"
     ": b\n",
     ":1: keys must be scalars, got a sequence"},
    {"two-documents",
     "services: []\n"
     "---\n"
     "services: []\n",
     ":3: only one YAML document is allowed"},
    {"yaml-unclosed-quote",
     "services:\n"
     "  - name: web\n"
     "    vip: \"10.100.0.10\n"
     "    port: 80\n",
     ":5: YAML syntax error: found unexpected end of stream while scanning a quoted scalar "
     "(started at line 3)"},
    {"yaml-bad-indent",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "   port: 80\n",
     ":4: YAML syntax error: did not find expected"},
    {"yaml-unclosed-flow",
     "services:\n"
     "  - name: web\n"
     "    port: [80\n",
     ":4: YAML syntax error: did not find expected ',' or ']'"},
    {"yaml-tab",
     "services:\n"
     "\t- name: web\n",
     ":2: YAML syntax error: found character that cannot start any token"},
    {"hc-type-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check: {type: icmp}\n",
     ":5: services[0].health_check.type: \"icmp\" is not one of: tcp, http, none"},
    {"hc-timeout-ge-interval",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check:\n"
     "      interval_ms: 500\n"
     "      timeout_ms: 500\n",
     ":7: services[0].health_check.timeout_ms: 500 must be less than interval_ms (500)"},
    {"hc-rise-zero",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check:\n"
     "      rise: 0\n",
     ":6: services[0].health_check.rise: \"0\" is out of range 1..100"},
    {"hc-expect-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check:\n"
     "      expect: \"399-200\"\n",
     ":6: services[0].health_check.expect: \"399-200\": statuses must be within 100..599, low <= high"},
    {"hc-path-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check:\n"
     "      path: health\n",
     ":6: services[0].health_check.path: \"health\" is not an HTTP path"},
    {"outlier-udp-on-tcp",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    outlier_detection: {udp_unanswered_pct: 50}\n",
     ":2: services[0]: outlier_detection.udp_unanswered_pct: only for protocol udp"},
    {"hc-via-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check: {via: backend}\n"
     "    backends: [{address: 10.0.0.11}]\n",
     ":5: services[0].health_check.via: \"backend\" is not one of: direct, vip"},
    {"hc-unknown-key",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check:\n"
     "      retries: 3\n",
     ":6: services[0].health_check.retries: unknown key"},
    {"hc-initial-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check:\n"
     "      initial: maybe\n",
     ":6: services[0].health_check.initial: \"maybe\" is not one of: down, up"},
    {"hc-jitter-ge-interval",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    health_check:\n"
     "      interval_ms: 200\n"
     "      timeout_ms: 100\n"
     "      jitter_ms: 200\n",
     ":8: services[0].health_check.jitter_ms: 200 must be less than interval_ms (200)"},
    {"cross-zone-not-bool",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    cross_zone: yes\n",
     ":5: services[0].cross_zone: \"yes\" is not true or false"},
    {"zone-min-healthy-range",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    zone_min_healthy: 1.5\n",
     ":5: services[0].zone_min_healthy: \"1.5\" is out of range 0..1"},
    {"panic-threshold-junk",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    panic_threshold: 50%\n",
     ":5: services[0].panic_threshold: \"50%\" is not a decimal number in 0..1"},
    {"panic-mode-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    panic_mode: open\n",
     ":5: services[0].panic_mode: \"open\" is not one of: spread, fail-closed"},
    {"backend-zone-bad",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "        zone: \"a b\"\n",
     ":7: services[0].backends[0].zone: \"a b\" is not a valid zone"},
    {"backend-backup-not-bool",
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n"
     "    backends:\n"
     "      - address: 10.0.0.11\n"
     "        backup: 1\n",
     ":7: services[0].backends[0].backup: \"1\" is not true or false"},
    {"node-zone-missing",
     "node:\n"
     "  zone:\n"
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n",
     ":2: node.zone: missing value"},
    {"node-unknown-key",
     "node:\n"
     "  name: lb1\n"
     "services:\n"
     "  - name: web\n"
     "    vip: 10.100.0.10\n"
     "    port: 80\n",
     ":2: node.name: unknown key (expected one of: zone, address_v4, address_v6, gue_port, snat_v4, snat_v6, snat_ports, nat_timeouts)"},
};

static void assert_empty(const struct xlb_config *cfg)
{
	assert_null(cfg->services);
	assert_int_equal(cfg->n_services, 0);
}

static void roundtrip(const char *what, const struct xlb_config *cfg);

/* #21: outlier_detection, slow_start_s, max_flows: values, defaults, round trip, bad values. */
static void test_closed_loop_keys(void **state)
{
	static const char *const good = "services:\n"
					"  - name: web\n"
					"    vip: 10.0.0.1\n"
					"    port: 80\n"
					"    slow_start_s: 30\n"
					"    agent_check: {port: 9999, interval_ms: 3000}\n"
					"    outlier_detection:\n"
					"      window_ms: 2000\n"
					"      syn_retx_pct: 40\n"
					"      base_ejection_ms: 5000\n"
					"    backends:\n"
					"      - address: 10.0.1.1\n"
					"        max_flows: 100\n"
					"      - address: 10.0.1.2\n";
	static const char *const bad[] = {
	    "services:\n  - name: a\n    vip: 10.0.0.1\n    port: 80\n    slow_start_s: 3601\n",
	    "services:\n  - name: a\n    vip: 10.0.0.1\n    port: 80\n"
	    "    outlier_detection:\n      syn_retx_pct: 0\n",
	    "services:\n  - name: a\n    vip: 10.0.0.1\n    port: 80\n"
	    "    outlier_detection:\n      base_ejection_ms: 9000\n      max_ejection_ms: 8000\n",
	    "services:\n  - name: a\n    vip: 10.0.0.1\n    port: 80\n"
	    "    outlier_detection:\n      bogus: 1\n",
	    "services:\n  - name: a\n    vip: 10.0.0.1\n    port: 80\n    backends:\n"
	    "      - address: 10.0.1.1\n        max_flows: -1\n",
	    "services:\n  - name: a\n    vip: 10.0.0.1\n    port: 80\n"
	    "    agent_check: {port: 0}\n",
	    "services:\n  - name: a\n    vip: 10.0.0.1\n    port: 80\n"
	    "    agent_check: {port: 99, interval_ms: 1000, timeout_ms: 1000}\n",
	};
	struct xlb_config cfg;
	char err[ERRLEN];
	size_t i;

	(void)state;
	assert_int_equal(xlb_config_parse(good, strlen(good), "t.yaml", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.services[0].slow_start_s, 30);
	assert_true(cfg.services[0].outlier.enabled);
	assert_int_equal(cfg.services[0].outlier.window_ms, 2000);
	assert_int_equal(cfg.services[0].outlier.ratio_pct, 40);
	assert_int_equal(cfg.services[0].outlier.base_eject_ms, 5000);
	assert_int_equal(cfg.services[0].outlier.min_flows, 20); /* default */
	assert_int_equal(cfg.services[0].backends[0].max_flows, 100);
	assert_int_equal(cfg.services[0].agent.port, 9999);
	assert_int_equal(cfg.services[0].agent.interval_ms, 3000);
	assert_int_equal(cfg.services[0].agent.timeout_ms, 1000); /* default */
	assert_int_equal(cfg.services[0].backends[1].max_flows, 0);
	roundtrip("closed-loop keys", &cfg);
	xlb_config_free(&cfg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xlb_config_parse(bad[i], strlen(bad[i]), "t.yaml", &cfg, err, sizeof(err)) !=
		    -EINVAL)
			fail_msg("bad case %zu accepted", i);
}

static void test_bad_inline(void **state)
{
	size_t i;

	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 30);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		size_t len = strlen(bc->yaml);
		char *buf =
		    malloc(len ? len : 1); /* exact size: no NUL for the parser to lean on */
		struct xlb_config cfg;
		char err[ERRLEN];
		int ret;

		assert_non_null(buf);
		memcpy(buf, bc->yaml, len);
		ret = xlb_config_parse(buf, len, "t.yaml", &cfg, err, sizeof(err));
		if (ret != -EINVAL || strncmp(err, "t.yaml:", 7) || !strstr(err, bc->expect))
			fail_msg("case %s: ret %d, message \"%s\", expected -EINVAL and \"%s\"",
				 bc->name, ret, err, bc->expect);
		assert_empty(&cfg);
		free(buf);
	}
}

/*
 * The shape limits stop the parse early: a file nested far deeper than the
 * limit is refused at the line where it crosses it, in far less time than
 * libyaml takes to build its document (quadratic in the nesting); too many
 * nodes are refused at the node past the budget.
 */
static void test_shape_limits(void **state)
{
	size_t depth = 200000, n = 0, i, max;
	char err[ERRLEN], *buf;
	struct xlb_config cfg;
	struct timespec t0, t1;
	double ms;
	int ret;

	buf = malloc(2 * depth + 64);
	assert_non_null(buf);
	n += sprintf(buf, "# deep\nservices: ");
	memset(buf + n, '[', depth);
	memset(buf + n + depth, ']', depth);
	n += 2 * depth;
	buf[n++] = '\n';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = xlb_config_parse(buf, n, "deep.yaml", &cfg, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(err, "deep.yaml:2: nested deeper than 32 levels");
	assert_empty(&cfg);
	if (ms > 200)
		fail_msg("refusing 400 KB nested 200000 deep took %.0f ms", ms);
	free(buf);

	/* 32 levels are fine for the parser (the walker then says what is wrong) */
	n = 0;
	buf = malloc(256);
	n += sprintf(buf, "services: ");
	for (i = 0; i < 31; i++)
		buf[n++] = '[';
	for (i = 0; i < 31; i++)
		buf[n++] = ']';
	buf[n++] = '\n';
	ret = xlb_config_parse(buf, n, "t.yaml", &cfg, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, "services[0]: expected a mapping"));
	free(buf);

	/* the node budget follows the backend capacity */
	xlb_config_set_max_backends(16);
	max = xlb_config_max_nodes();
	buf = malloc(3 * max + 64);
	assert_non_null(buf);
	n = sprintf(buf, "services:\n  - [");
	for (i = 0; i < max; i++)
		n += sprintf(buf + n, "%s1", i ? "," : "");
	n += sprintf(buf + n, "]\n");
	ret = xlb_config_parse(buf, n, "wide.yaml", &cfg, err, sizeof(err));
	xlb_config_set_max_backends(0);
	assert_int_equal(ret, -EINVAL);
	snprintf(buf, 128, "wide.yaml:2: more than %zu YAML nodes", max);
	if (strncmp(err, buf, strlen(buf)))
		fail_msg("got \"%s\", expected \"%s...\"", err, buf);
	assert_empty(&cfg);
	free(buf);
}

/* Files tests/configs/bad/NN-name.yaml: each names its expected fragment on line 1. */
static void test_bad_corpus(void **state)
{
	const char *dir = "tests/configs/bad";
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		fail_msg("%s: %s (run from the repo root)", dir, strerror(errno));
	while ((de = readdir(d))) {
		char path[512], line[512], err[ERRLEN], *expect, *nl;
		size_t l = strlen(de->d_name);
		struct xlb_config cfg;
		FILE *f;
		int ret;

		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		if (!fgets(line, sizeof(line), f) || strncmp(line, "# expect: ", 10))
			fail_msg("%s: first line must be \"# expect: <fragment>\"", path);
		fclose(f);
		expect = line + 10;
		nl = strchr(expect, '\n');
		if (nl)
			*nl = '\0';
		ret = xlb_config_load(path, &cfg, err, sizeof(err));
		if (ret != -EINVAL || strncmp(err, path, strlen(path)) || !strstr(err, expect))
			fail_msg("%s: ret %d, message \"%s\", expected -EINVAL and \"%s\"", path,
				 ret, err, expect);
		assert_empty(&cfg);
		n++;
	}
	closedir(d);
	assert_true(n >= 30);
}

static void test_good_corpus(void **state)
{
	const char *dir = "tests/configs/good";
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		fail_msg("%s: %s (run from the repo root)", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char path[512], err[ERRLEN];
		struct xlb_config cfg;
		int ret;

		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ret = xlb_config_load(path, &cfg, err, sizeof(err));
		if (ret)
			fail_msg("%s: ret %d: %s", path, ret, err);
		xlb_config_free(&cfg);
		n++;
	}
	closedir(d);
	assert_true(n >= 3);
}

/* parse -> config_write -> parse gives the same config, every field (config_write.h). */
static void roundtrip(const char *what, const struct xlb_config *cfg)
{
	struct xlb_config back, again;
	char err[ERRLEN], why[256];
	char *yaml = NULL, *yaml2 = NULL;
	int ret;

	assert_int_equal(xlb_config_write_str(cfg, 0, &yaml), 0);
	ret = xlb_config_parse(yaml, strlen(yaml), what, &back, err, sizeof(err));
	if (ret)
		fail_msg("%s: the export does not parse: %s\n%s", what, err, yaml);
	if (!xlb_test_cfg_equal(cfg, &back, why, sizeof(why)))
		fail_msg("%s: export changes %s:\n%s", what, why, yaml);
	/* and the export of the export is the same text (a fixed point) */
	assert_int_equal(xlb_config_write_str(&back, 0, &yaml2), 0);
	assert_string_equal(yaml, yaml2);
	/* every section but services: still a valid config */
	free(yaml2);
	assert_int_equal(xlb_config_write_sections_str(&back, XLB_SEC_ALL & ~XLB_SEC_SERVICES, 0,
						       &yaml2), 0);
	if (xlb_config_parse(yaml2, strlen(yaml2), what, &again, err, sizeof(err)))
		fail_msg("%s: the export without services does not parse: %s", what, err);
	assert_int_equal(again.n_services, 0);
	xlb_config_free(&again);
	free(yaml);
	free(yaml2);
	xlb_config_free(&back);
}

static void test_roundtrip_good_corpus(void **state)
{
	static const char *const extra[] = {"examples/xlb.yaml", "examples/ipv6.yaml"};
	const char *dir = "tests/configs/good";
	bool everything = false;
	struct dirent *de;
	struct xlb_config cfg;
	char path[512], err[ERRLEN];
	size_t n = 0, i;
	DIR *d;

	d = opendir(dir);
	if (!d)
		fail_msg("%s: %s (run from the repo root)", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (xlb_config_load(path, &cfg, err, sizeof(err)))
			fail_msg("%s: %s", path, err);
		roundtrip(path, &cfg);
		everything |= !strcmp(de->d_name, "everything.yaml");
		xlb_config_free(&cfg);
		n++;
	}
	closedir(d);
	assert_true(everything);
	assert_true(n >= 9);
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		assert_int_equal(xlb_config_load(extra[i], &cfg, err, sizeof(err)), 0);
		roundtrip(extra[i], &cfg);
		xlb_config_free(&cfg);
	}
}

/*
 * everything.yaml sets every key to a non-default value: a writer that
 * forgets a key loses it, so its default config would compare equal to the
 * file's. The empty config must differ from it in every section.
 */
static void test_roundtrip_everything(void **state)
{
	struct xlb_config cfg, empty, cut;
	char err[ERRLEN], why[256], *yaml = NULL;
	unsigned int sec;

	assert_int_equal(xlb_config_load("tests/configs/good/everything.yaml", &cfg, err,
					 sizeof(err)), 0);
	assert_int_equal(xlb_config_parse("", 0, "empty", &empty, err, sizeof(err)), 0);
	assert_false(xlb_test_cfg_equal(&cfg, &empty, why, sizeof(why)));
	/* every section: written alone, it is the only thing that survives */
	for (sec = 1; sec & XLB_SEC_ALL; sec <<= 1) {
		assert_non_null(xlb_cfg_section_name(sec));
		assert_int_equal(xlb_config_write_sections_str(&cfg, sec, 0, &yaml), 0);
		if (xlb_config_parse_flags(yaml, strlen(yaml), xlb_cfg_section_name(sec),
					   XLB_PARSE_NO_NODE_CHECKS, &cut, err, sizeof(err)))
			fail_msg("section %s: %s\n%s", xlb_cfg_section_name(sec), err, yaml);
		if (xlb_test_cfg_equal(&cut, &empty, why, sizeof(why)))
			fail_msg("section %s: written alone, nothing of it is left:\n%s",
				 xlb_cfg_section_name(sec), yaml);
		xlb_config_free(&cut);
		free(yaml);
		yaml = NULL;
	}
	assert_null(xlb_cfg_section_name(XLB_SEC_ALL + 1));
	/* spot checks of values only everything.yaml has */
	assert_int_equal(cfg.gue_port, 7777);
	assert_true(cfg.access.root_not_admin);
	assert_int_equal(cfg.socket_mode, 0640);
	assert_int_equal(cfg.access.n_grants, 3);
	assert_int_equal(cfg.services[0].scaling.metric, XLB_SCALE_ACTIVE_FLOWS_PER_BACKEND);
	assert_true(cfg.services[0].scaling.above == 1500.25);
	assert_int_equal(cfg.services[0].rate_limit.prefix4, 28);
	assert_int_equal(cfg.services[0].acl.allow.n, 2);
	assert_true(cfg.services[0].backends[2].backup);
	assert_string_equal(cfg.services[0].backends[1].zone, "zone-b");
	assert_int_equal(cfg.services[1].hc.type, XLB_HC_TCP); /* udp, but asked for tcp */
	assert_int_equal(cfg.services[2].hc.type, XLB_HC_DNS);
	assert_string_equal(cfg.services[2].hc.query, "health.example.com");
	assert_int_equal(cfg.services[2].hc.via, XLB_HC_VIA_VIP);
	assert_int_equal(cfg.services[1].hc.via, XLB_HC_VIA_DIRECT);
	assert_int_equal(cfg.services[3].hc.type, XLB_HC_UDP);
	assert_string_equal(cfg.services[3].hc.payload, "<14>xlb health probe\n");
	assert_false(cfg.services[3].hc.expect_reply);
	assert_int_equal(cfg.services[3].outlier.udp_pct, 40);
	assert_true(cfg.services[0].allow_local_address);
	assert_string_equal(cfg.services[1].hc.send, "PING\r\n");
	assert_string_equal(cfg.services[1].hc.expect_str, "+PONG");
	xlb_config_free(&empty);
	xlb_config_free(&cfg);
}

static void assert_addr(const struct xlb_addr *a, __u8 family, const char *want)
{
	char buf[XLB_ADDR_STRLEN];

	assert_string_equal(xlb_addr_str(a, family, buf, sizeof(buf)), want);
}

static void test_example(void **state)
{
	static const char *const be[] = {"10.0.0.11", "10.0.0.12", "10.0.0.13"};
	const struct xlb_cfg_service *s;
	struct xlb_config cfg;
	char err[ERRLEN];
	size_t i;

	assert_int_equal(xlb_config_load("examples/xlb.yaml", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_services, 1);
	s = &cfg.services[0];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->key.family, XLB_AF_INET);
	assert_addr(&s->key.addr, s->key.family, "10.100.0.10");
	assert_int_equal(s->key.addr.a[0], htonl(0x0a64000a));
	assert_int_equal(s->key.addr.a[1] | s->key.addr.a[2] | s->key.addr.a[3], 0);
	assert_int_equal(s->key.port, htons(80));
	assert_int_equal(s->key.proto, IPPROTO_TCP);
	assert_int_equal(s->sched, XLB_SCHED_MAGLEV);
	assert_int_equal(s->fwd, XLB_FWD_DSR_L2);
	assert_int_equal(s->table_size, 65537);
	assert_int_equal(s->line, 4);
	assert_int_equal(s->n_backends, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(s->backends[i].family, XLB_AF_INET);
		assert_addr(&s->backends[i].addr, XLB_AF_INET, be[i]);
		assert_int_equal(s->backends[i].weight, 100);
		assert_int_equal(s->backends[i].line, 12 + 2 * (int)i);
	}
	xlb_config_free(&cfg);
	assert_empty(&cfg);
	xlb_config_free(&cfg); /* idempotent */
}

static void test_example_ipv6(void **state)
{
	const struct xlb_cfg_service *s;
	struct xlb_config cfg;
	char err[ERRLEN];

	assert_int_equal(xlb_config_load("examples/ipv6.yaml", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_services, 2);
	s = &cfg.services[0];
	assert_string_equal(s->name, "web6");
	assert_int_equal(s->key.family, XLB_AF_INET6);
	assert_addr(&s->key.addr, s->key.family, "2001:db8:100::10");
	assert_int_equal(s->key.port, htons(443));
	assert_int_equal(s->key.proto, IPPROTO_TCP);
	assert_int_equal(s->table_size, XLB_DEFAULT_TABLE_SIZE);
	assert_int_equal(s->n_backends, 3);
	assert_addr(&s->backends[2].addr, XLB_AF_INET6, "2001:db8::13");
	assert_int_equal(s->backends[0].weight, XLB_DEFAULT_WEIGHT);
	assert_int_equal(s->backends[2].weight, 50);
	s = &cfg.services[1];
	assert_string_equal(s->name, "dns6");
	assert_int_equal(s->key.port, htons(53));
	assert_int_equal(s->key.proto, IPPROTO_UDP);
	assert_int_equal(s->table_size, 4093);
	assert_int_equal(s->n_backends, 2);
	assert_int_equal(s->backends[1].family, XLB_AF_INET6);
	xlb_config_free(&cfg);
}

static void test_defaults_and_mixed(void **state)
{
	const struct xlb_cfg_service *s;
	struct xlb_config cfg;
	char err[ERRLEN];

	assert_int_equal(xlb_config_load("tests/configs/good/minimal.yaml", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_services, 1);
	s = &cfg.services[0];
	assert_int_equal(s->key.proto, IPPROTO_TCP);
	assert_int_equal(s->sched, XLB_SCHED_MAGLEV);
	assert_int_equal(s->fwd, XLB_FWD_DSR_L2);
	assert_int_equal(s->table_size, XLB_DEFAULT_TABLE_SIZE);
	assert_int_equal(s->n_backends, 0);
	assert_int_equal(s->hc.type, XLB_HC_TCP);
	xlb_config_free(&cfg);

	assert_int_equal(xlb_config_load("tests/configs/good/mixed.yaml", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_services, 5);
	s = &cfg.services[0];
	assert_int_equal(s->n_backends, 3);
	assert_int_equal(s->backends[0].weight, 0);
	assert_int_equal(s->backends[1].weight, 65535);
	assert_int_equal(s->backends[2].weight, 100);
	assert_int_equal(s->backends[1].line, 13);
	s = &cfg.services[1]; /* same VIP and port, other protocol; aliased pool */
	assert_int_equal(s->key.proto, IPPROTO_UDP);
	assert_int_equal(s->hc.type, XLB_HC_NONE); /* no TCP probe for UDP by default */
	assert_int_equal(s->n_backends, 3);
	s = &cfg.services[2];
	assert_string_equal(s->name, "web.alt_8080");
	assert_int_equal(s->table_size, 7);
	assert_int_equal(s->n_backends, 0);
	s = &cfg.services[3];
	assert_int_equal(s->key.family, XLB_AF_INET6);
	assert_int_equal(s->key.port, htons(65535));
	assert_int_equal(s->table_size, 1048573);
	assert_int_equal(s->n_backends, 0);
	s = &cfg.services[4];
	assert_string_equal(s->name, "dns");
	assert_int_equal(s->n_backends, 1);
	assert_int_equal(s->line, 30);
	xlb_config_free(&cfg);
}

static void test_empty_inputs(void **state)
{
	static const char *const empty[] = {
	    "",	   "# nothing\n", "---\n", "~\n", "services:\n", "services: []\n", "services: ~\n",
	    "{}\n"};
	struct xlb_config cfg;
	char err[ERRLEN];
	size_t i;

	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		if (xlb_config_parse(empty[i], strlen(empty[i]), "e.yaml", &cfg, err, sizeof(err)))
			fail_msg("\"%s\": %s", empty[i], err);
		assert_empty(&cfg);
	}
	assert_int_equal(xlb_config_parse(NULL, 0, NULL, &cfg, NULL, 0), 0);
	assert_empty(&cfg);
}

static void test_load_errors(void **state)
{
	struct xlb_config cfg;
	char err[ERRLEN];

	assert_int_equal(
	    xlb_config_load("tests/configs/does-not-exist.yaml", &cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "does-not-exist.yaml"));
	assert_empty(&cfg);
	assert_true(xlb_config_load("tests/configs", &cfg, err, sizeof(err)) < 0);
	assert_empty(&cfg);
}

static void test_names(void **state)
{
	__u8 v = 0;

	assert_string_equal(xlb_sched_name(XLB_SCHED_MAGLEV), "maglev");
	assert_int_equal(xlb_sched_parse("maglev", &v), 0);
	assert_int_equal(v, XLB_SCHED_MAGLEV);
	assert_int_equal(xlb_sched_parse("rr", &v), 0);
	assert_int_equal(v, XLB_SCHED_RR);
	assert_int_equal(xlb_sched_parse("lc", &v), 0);
	assert_int_equal(v, XLB_SCHED_LC);
	assert_string_equal(xlb_sched_name(XLB_SCHED_SH), "sh");
	assert_string_equal(xlb_sched_name(XLB_SCHED_WRR), "wrr");
	assert_int_equal(xlb_sched_parse("RR", &v), -EINVAL);
	assert_string_equal(xlb_fwd_name(XLB_FWD_DSR_L2), "dsr-l2");
	assert_int_equal(xlb_fwd_parse("dsr-l2", &v), 0);
	assert_int_equal(v, XLB_FWD_DSR_L2);
	assert_int_equal(xlb_fwd_parse("DSR-L2", &v), -EINVAL);
	assert_string_equal(xlb_proto_name(IPPROTO_TCP), "tcp");
	assert_string_equal(xlb_proto_name(IPPROTO_UDP), "udp");
	assert_string_equal(xlb_proto_name(IPPROTO_ICMP), "?");
	assert_string_equal(xlb_sched_name(200), "?");
	assert_string_equal(xlb_fwd_name(200), "?");
	assert_int_equal(xlb_proto_parse("udp", &v), 0);
	assert_int_equal(v, IPPROTO_UDP);
	assert_int_equal(xlb_proto_parse("tcp", &v), 0);
	assert_int_equal(v, IPPROTO_TCP);
	assert_int_equal(xlb_proto_parse("sctp", &v), -EINVAL);
	assert_int_equal(xlb_proto_parse(NULL, &v), -EINVAL);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Parse buf[0..len) from an exactly sized copy: 0, or -EINVAL with a message. */
static void parse_robust(const char *buf, size_t len, const char *what, size_t at)
{
	char *copy = malloc(len ? len : 1), err[ERRLEN];
	struct xlb_config cfg;
	int ret;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	err[0] = '\0';
	ret = xlb_config_parse(copy, len, "f.yaml", &cfg, err, sizeof(err));
	if (ret == 0)
		xlb_config_free(&cfg);
	else if (ret != -EINVAL || !err[0] || strncmp(err, "f.yaml:", 7))
		fail_msg("%s at %zu: ret %d, message \"%s\"", what, at, ret, err);
	else
		assert_empty(&cfg);
	free(copy);
}

/* Every prefix of valid configs, and single-byte corruptions of them. */
static void test_truncation_and_corruption(void **state)
{
	static const char *const files[] = {"examples/xlb.yaml", "examples/ipv6.yaml",
					    "tests/configs/good/mixed.yaml"};
	static const char subst[] = {':', '-', ' ', '\n', '[', '"', '\0', '\t', '&', '*', '9'};
	size_t f, i, k;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len;
		char *buf = read_all(files[f], &len);

		for (i = 0; i <= len; i++)
			parse_robust(buf, i, "prefix", i);
		for (i = 0; i < len; i++) {
			char orig = buf[i];

			for (k = 0; k < sizeof(subst); k++) {
				buf[i] = subst[k];
				parse_robust(buf, len, "corruption", i);
			}
			buf[i] = orig;
		}
		free(buf);
	}
}

/*
 * The node's own addresses (lbd sets them; here by hand): refused as VIP
 * unless the service says allow_local_address: true, refused as a backend
 * always; the same check answers for runtime changes (xlb_cfg_check_addr).
 */
static void test_local_addresses(void **state)
{
	static const char *const yaml_vip = "services:\n"
					    "  - name: web\n"
					    "    vip: 192.0.2.1\n"
					    "    port: 443\n"
					    "    backends:\n"
					    "      - address: 10.0.0.11\n";
	static const char *const yaml_be = "services:\n"
					   "  - name: web\n"
					   "    vip: 10.100.0.10\n"
					   "    port: 80\n"
					   "    backends:\n"
					   "      - address: 10.0.0.99\n";
	struct xlb_addr local[2], a;
	__u8 fam[2], f;
	struct xlb_config cfg;
	char err[ERRLEN], why[256], *yaml, *out = NULL;

	(void)state;
	assert_int_equal(xlb_addr_parse("192.0.2.1", &local[0], &fam[0]), 0);
	assert_int_equal(xlb_addr_parse("10.0.0.99", &local[1], &fam[1]), 0);
	/* none set: nothing checked against them */
	assert_int_equal(
	    xlb_config_parse(yaml_vip, strlen(yaml_vip), "t.yaml", &cfg, err, sizeof(err)), 0);
	xlb_config_free(&cfg);
	assert_int_equal(xlb_config_set_local_addrs(local, fam, 2), 0);
	assert_int_equal(
	    xlb_config_parse(yaml_vip, strlen(yaml_vip), "t.yaml", &cfg, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "t.yaml:3: services[0].vip: 192.0.2.1 is an address of this "
				    "node"));
	assert_non_null(strstr(err, "allow_local_address: true"));
	/* the override (after the vip: checked once the service is read) */
	yaml = malloc(strlen(yaml_vip) + 64);
	assert_non_null(yaml);
	sprintf(yaml, "%s    allow_local_address: true\n", yaml_vip);
	assert_int_equal(xlb_config_parse(yaml, strlen(yaml), "t.yaml", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.services[0].allow_local_address);
	/* written out and read back with it */
	assert_int_equal(xlb_config_write_str(&cfg, 0, &out), 0);
	assert_non_null(strstr(out, "allow_local_address: true"));
	xlb_config_free(&cfg);
	assert_int_equal(xlb_config_parse(out, strlen(out), "w.yaml", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.services[0].allow_local_address);
	/* runtime: a VIP of another service on the same address needs its own override */
	assert_int_equal(
	    xlb_cfg_check_addr(&cfg, &cfg.services[0], true, &local[0], fam[0], why, sizeof(why)),
	    0);
	{
		struct xlb_cfg_service ns = {.name = "other", .key = {.family = XLB_AF_INET}};

		ns.key.addr = local[0];
		assert_int_equal(
		    xlb_cfg_check_addr(&cfg, &ns, true, &local[0], fam[0], why, sizeof(why)),
		    -EINVAL);
		assert_non_null(strstr(why, "is an address of this node"));
		/* a VIP that is a backend of another service */
		assert_int_equal(xlb_addr_parse("10.0.0.12", &a, &f), 0);
		ns.key.addr = a;
		assert_int_equal(xlb_config_set_local_addrs(NULL, NULL, 0), 0);
		cfg.services[0].backends[0].addr = a;
		assert_int_equal(xlb_cfg_check_addr(&cfg, &ns, true, &a, f, why, sizeof(why)),
				 -EINVAL);
		assert_string_equal(why, "is a backend of service \"web\"");
		/* a backend that is the VIP of another service, or its own */
		assert_int_equal(
		    xlb_cfg_check_addr(&cfg, &ns, false, &local[0], fam[0], why, sizeof(why)),
		    -EINVAL);
		assert_string_equal(why, "is the VIP of service \"web\"");
		assert_int_equal(xlb_cfg_check_addr(&cfg, &ns, false, &a, f, why, sizeof(why)),
				 -EINVAL);
		assert_string_equal(why, "is the service's own VIP");
		assert_int_equal(xlb_addr_parse("0.0.0.0", &a, &f), 0);
		assert_int_equal(xlb_cfg_check_addr(&cfg, &ns, false, &a, f, why, sizeof(why)),
				 -EINVAL);
		assert_non_null(strstr(why, "unspecified"));
	}
	xlb_config_free(&cfg);
	free(out);
	free(yaml);
	/* a backend on the node: no override */
	assert_int_equal(xlb_config_set_local_addrs(local, fam, 2), 0);
	assert_int_equal(
	    xlb_config_parse(yaml_be, strlen(yaml_be), "t.yaml", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:6: services[0].backends[0].address: 10.0.0.99 is an "
				    "address of this node"));
	assert_int_equal(xlb_config_set_local_addrs(NULL, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example),
	    cmocka_unit_test(test_example_ipv6),
	    cmocka_unit_test(test_defaults_and_mixed),
	    cmocka_unit_test(test_empty_inputs),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_bad_inline),
	    cmocka_unit_test(test_bad_corpus),
	    cmocka_unit_test(test_shape_limits),
	    cmocka_unit_test(test_good_corpus),
	    cmocka_unit_test(test_roundtrip_good_corpus),
	    cmocka_unit_test(test_roundtrip_everything),
	    cmocka_unit_test(test_truncation_and_corruption),
	    cmocka_unit_test(test_local_addresses),
	    cmocka_unit_test(test_closed_loop_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
