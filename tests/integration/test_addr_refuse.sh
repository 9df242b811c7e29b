#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Addresses no VIP or backend can have are refused with an error that names
# the argument or the file:line: field -- by lbctl service add / backend add
# and by a reload: unspecified, broadcast, multicast, loopback, link-local,
# a backend that is a VIP, and the balancer's own address (10.0.0.2 here,
# on its lab interface), which a service may only take with
# allow_local_address: true. Nothing changes on a refusal; traffic goes on.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
xt_config "$XT_CONF" 100 100
cp "$XT_CONF" "$XT_WORK/good.yaml"
lbd_start
LB=10.0.0.2 # the lab's balancer address (tools/lab)
in_ns lb ip -4 addr show | qgrep "inet $LB/" || fail "the balancer does not have $LB"

state() { lbctl --json service list | jget "sorted((s['name'], s['vip']) for s in d['services'])"; }
s0=$(state)
b0=$(lbctl --json backend list web | jget "sorted(b['address'] for b in d['backends'])")
refused() { # refused WANT ARGS..: lbctl ARGS fails, its error contains WANT
	local want=$1 rc out; shift
	set +e
	out=$(lbctl "$@" 2>&1); rc=$?
	set -e
	info "  lbctl $*: exit $rc: $out"
	[ "$rc" -ne 0 ] || fail "lbctl $* succeeded"
	case "$out" in *"$want"*) ;; *) fail "lbctl $*: error does not say '$want'" ;; esac
}

info "service add with nonsense VIPs"
refused 'vip "0.0.0.0": is an unspecified' service add bad 0.0.0.0 80
refused 'vip "255.255.255.255": is the broadcast address' service add bad 255.255.255.255 80
refused 'vip "224.0.0.5": is a multicast address' service add bad 224.0.0.5 80
refused 'vip "127.0.0.1": is a loopback address' service add bad 127.0.0.1 80
refused 'vip "::": is the unspecified address' service add bad :: 80
refused 'vip "::1": is the loopback address' service add bad ::1 80
refused 'vip "fe80::1": is a link-local address' service add bad fe80::1 80
refused 'vip "169.254.0.1": is a link-local address' service add bad 169.254.0.1 80
refused "vip \"$LB\": is an address of this node" service add bad "$LB" 22
refused 'vip "10.0.0.11": is a backend of service "web"' service add bad 10.0.0.11 81

info "backend add with nonsense addresses"
refused 'address "0.0.0.0": is an unspecified' backend add web 0.0.0.0
refused 'address "127.0.0.1": is a loopback address' backend add web 127.0.0.1
refused 'address "239.1.1.1": is a multicast address' backend add web 239.1.1.1
refused "address \"$XT_VIP\": is the service's own VIP" backend add web "$XT_VIP"
refused "address \"$LB\": is an address of this node" backend add web "$LB"
assert_eq "$(state)" "$s0" "services after the refusals"
assert_eq "$(lbctl --json backend list web | jget "sorted(b['address'] for b in d['backends'])")" "$b0" \
	"backends after the refusals"

info "sane ones still work"
lbctl service add api 10.100.0.20 8080 >/dev/null || fail "service add of a sane VIP refused"
lbctl backend add api 10.0.0.11 >/dev/null || fail "backend add of a sane address refused"
lbctl service remove api >/dev/null

info "reload with the balancer's own address as VIP: refused with file:line: field"
cat >"$XT_CONF" <<CONF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
  - name: own
    vip: $LB
    port: 8080
    backends:
      - address: 10.0.0.11
CONF
set +e
out=$(lbctl reload 2>&1); rc=$?
set -e
info "  reload: exit $rc: $out"
[ "$rc" -ne 0 ] || fail "reload with a VIP on the balancer's own address accepted"
case "$out" in *"xlb.yaml:9: services[1].vip: $LB is an address of this node"*) ;;
*) fail "reload error does not name file:line: field" ;; esac
assert_eq "$(state)" "$s0" "services after the refused reload"

info "... accepted with allow_local_address: true"
echo "    allow_local_address: true" >>"$XT_CONF"
lbctl reload >/dev/null || fail "reload with allow_local_address: true refused"
assert_eq "$(lbctl --json service list | jget "[s['vip'] for s in d['services'] if s['name']=='own'][0]")" \
	"$LB" "VIP of the service on the node's own address"
lbctl --json config export | jget "d['yaml']" | qgrep "allow_local_address: true" ||
	fail "config export lost allow_local_address"

r=$(httpc burst "$XT_VIP" 20)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed connections through the VIP"
pass "nonsense VIPs and backends refused by lbctl and reload, naming the argument or file:line: field"
