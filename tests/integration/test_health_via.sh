#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Health probes through the data path (#21, health_check via: vip). be2 has
# lost the VIP from its loopback: clients' packets (MAC-rewritten, still
# addressed to the VIP) die there, yet a probe to its own address answers.
# Two services on the same two backends: "direct" probes the backends'
# addresses (both up), "vip" probes through the data path, addressed to the
# VIP and steered to each backend by the probe program on a veth pair in the
# balancer's namespace (both halves set up as docs/config.md says): be1 up,
# be2 down; the same over IPv6 (service vip6). Service ipip encapsulates:
# be1 runs xlb's decap program, be2 none, so its probes (IPIP, like its
# clients' packets) die there: down, whatever its VIPs. Giving be2 its VIPs
# back brings it up with via: vip for the MAC-rewriting services.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
P0=xtprobe0 P1=xtprobe1 MARK=30828
in_ns lb ip link add "$P0" type veth peer name "$P1"
in_ns lb ip link set "$P0" arp off up
in_ns lb ip link set "$P1" up
in_ns lb ethtool -K "$P0" tx off >/dev/null # checksums filled in before XDP forwards the frame
in_ns lb ip rule add fwmark "$MARK" lookup 100
in_ns lb ip route add default dev "$P0" table 100 src 10.0.0.2
in_ns lb ip -6 rule add fwmark "$MARK" lookup 100
in_ns lb ip -6 route add default dev "$P0" table 100 src fd00::2
[ -f "$XT_TOP/build/bpf/decap.bpf.o" ] || skip "build/bpf/decap.bpf.o not built"
info "be1: $(in_ns be1 "$XT_TOP/tools/decap-install" "$XT_NAME-be1" | tr '\n' ' ')" # be2: no decap
in_ns be2 ip addr del "$XT_VIP/32" dev lo
in_ns be2 ip -6 addr del "$XT_VIP6/128" dev lo
cat >"$XT_CONF" <<EOC
node: {address_v4: 10.0.0.2}
services:
  - name: direct
    vip: $XT_VIP
    port: 80
    health_check: {type: http, interval_ms: 300, timeout_ms: 200, rise: 2, fall: 2}
    backends: [{address: 10.0.0.11}, {address: 10.0.0.12}]
  - name: vip
    vip: $XT_VIP
    port: 8080
    health_check: {type: http, port: 80, via: vip, interval_ms: 300, timeout_ms: 200, rise: 2, fall: 2}
    backends: [{address: 10.0.0.11}, {address: 10.0.0.12}]
  - name: ipip
    vip: $XT_VIP
    port: 8081
    forwarding: ipip
    health_check: {type: http, port: 80, via: vip, interval_ms: 300, timeout_ms: 200, rise: 2, fall: 2}
    backends: [{address: 10.0.0.11}, {address: 10.0.0.12}]
  - name: vip6
    vip: $XT_VIP6
    port: 8080
    health_check: {type: http, port: 80, via: vip, interval_ms: 300, timeout_ms: 200, rise: 2, fall: 2}
    backends: [{address: "fd00::11"}, {address: "fd00::12"}]
EOC
lbd_start --probe-iface "$P1" --probe-mark "$MARK"
states() { # states SERVICE -> "up down" (be1 be2)
	lbctl --json health "$1" | jget "' '.join(b['state'] for b in d['services'][0]['backends'])"
}
states_are() { [ "$(states "$1")" = "$2" ]; }
wait_for 10 states_are vip "up down" ||
	fail "be1 not up or be2 not down through the data path: $(lbctl health vip)"
wait_for 10 states_are vip6 "up down" ||
	fail "IPv6: be1 not up or be2 not down through the data path: $(lbctl health vip6)"
wait_for 10 states_are ipip "up down" ||
	fail "ipip: be1 (decap) not up or be2 (none) not down: $(lbctl health ipip)"
sleep 1.5 # more rounds: the states hold
lbctl health
assert_eq "$(states direct)" "up up" "direct probes (be2 answers on its own address)"
assert_eq "$(states vip)" "up down" "probes through the data path (be2 has no VIP on lo)"
in_ns be2 ip addr add "$XT_VIP/32" dev lo
in_ns be2 ip -6 addr add "$XT_VIP6/128" dev lo nodad
wait_for 10 states_are vip "up up" ||
	fail "be2 not up through the data path once its VIP is back: $(lbctl health vip)"
wait_for 10 states_are vip6 "up up" ||
	fail "IPv6: be2 not up through the data path once its VIP is back: $(lbctl health vip6)"
assert_eq "$(states direct)" "up up" "direct probes after the fix"
assert_eq "$(states ipip)" "up down" "ipip probes: be2 still cannot decapsulate"
pass "a backend without the VIP on lo is down with via: vip and up without it"
