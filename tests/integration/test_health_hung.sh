#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A hung backend: its server is SIGSTOPped, and the kernel still completes
# TCP handshakes from the listen backlog. The default `tcp` check (connect)
# keeps it up; a `tcp` check with send/expect_string needs the application's
# answer and takes it down, then up again once the server continues. Two
# services on the same backends, one per check (both probe port 80).
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
T="interval_ms: 200, timeout_ms: 150, rise: 2, fall: 2"
cat >"$XT_CONF" <<EOC
services:
  - name: plain
    vip: $XT_VIP
    port: 80
    health_check: {type: tcp, $T}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
  - name: deep
    vip: $XT_VIP
    port: 8080
    health_check: {type: tcp, port: 80, send: "GET / HTTP/1.0\r\n\r\n", expect_string: "HTTP/1.", $T}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
EOC
lbd_start

srv_pid() { in_ns "$1" ss -Hltnp 'sport = :80' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
be_state() { # be_state SERVICE ADDRESS
	lbctl --json health "$1" | jget "[b['state'] for b in d['services'][0]['backends'] if b['address']=='$2'][0]"
}
both_up() { [ "$(be_state "$1" 10.0.0.11)" = up ] && [ "$(be_state "$1" 10.0.0.12)" = up ]; }

wait_for 5 both_up plain || fail "plain: backends not up"
wait_for 5 both_up deep || fail "deep: backends not up (send/expect against a live server)"
lbctl health

pid=$(srv_pid be1)
[ -n "$pid" ] || fail "no server pid on be1"
info "SIGSTOP be1's server (pid $pid)"
kill -STOP "$pid"
trap 'rc=$?; kill -CONT "$pid" 2>/dev/null; (exit $rc); xt_cleanup' EXIT
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health deep | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print([b[\"state\"] for b in d[\"services\"][0][\"backends\"] if b[\"address\"]==\"10.0.0.11\"][0])')\" = down ]" ||
	fail "deep: the hung be1 was not marked down"
info "deep: be1 down: $(grep "backend 10.0.0.11 DOWN" "$XT_WORK/lbd.log" | tail -1 | sed 's/.*health: //')"
sleep 1 # a few more rounds of the plain check
lbctl health
assert_eq "$(be_state plain 10.0.0.11)" up "plain tcp check of the hung be1 (the kernel still accepts)"
assert_eq "$(be_state deep 10.0.0.12)" up "deep check of the healthy be2"
grep -q 'service "plain": backend 10.0.0.11 DOWN' "$XT_WORK/lbd.log" &&
	fail "plain: be1 went down at some point"

info "SIGCONT: be1 answers again"
kill -CONT "$pid"
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health deep | grep -c '\"state\": \"up\"')\" = 2 ]" ||
	fail "deep: be1 did not come back up"
r=$(httpc burst "$XT_VIP" 20)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed connections through the plain VIP after SIGCONT"
pass "a SIGSTOPped server: plain tcp stays up, tcp with send/expect_string goes down and comes back"
