#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Agent check maxconn (#21): "maxconn:N" in an agent's reply (HAProxy's
# agent-check protocol) caps the backend's open flows like max_flows does,
# bounded by the configured max_flows. be1 has no cap configured and its
# agent says maxconn:4; be2 has max_flows 3 and its agent says maxconn:10
# (the configured 3 wins); be3 has neither. With 40 connections held open
# be1 gets 4 and be2 3; then be1's agent says maxconn:0 (its cap withdrawn)
# and be1 takes more than 4.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
echo "up maxconn:4" >"$XT_WORK/be1.agent"
echo "up maxconn:10" >"$XT_WORK/be2.agent"
xt_agent be1 "$XT_WORK/be1.agent"
xt_agent be2 "$XT_WORK/be2.agent"
cat >"$XT_CONF" <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: none}
    agent_check: {port: 9999, interval_ms: 500, timeout_ms: 400}
    backends:
      - {address: 10.0.0.11}
      - {address: 10.0.0.12, max_flows: 3}
      - {address: 10.0.0.13}
EOC
lbd_start
fbk() { lbctl --json health web | jget "[b.get('feedback', {}).get('$2') for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"services\"][0][\"backends\"][0][\"feedback\"].get(\"max_flows\"))')\" = 4 ]" ||
	fail "be1's cap did not follow its agent (maxconn:4): $(lbctl --json health web)"
assert_eq "$(fbk 10.0.0.12 max_flows)" 3 "be2's cap (configured 3, agent 10)"
assert_eq "$(fbk 10.0.0.11 agent | jget "d['maxconn']")" 4 "be1's agent maxconn shown"

stop=$XT_WORK/stop
xt_bg xt_hold 40 30 "$stop" >"$XT_WORK/hold1"
h1=$XT_BG_PID
wait_for 10 sh -c "[ -s $XT_WORK/hold1 ]" || fail "connections not open"
lbctl health web
assert_eq "$(xt_new_flows 10.0.0.11)" 4 "be1's new flows with 40 open (agent maxconn:4)"
assert_eq "$(xt_new_flows 10.0.0.12)" 3 "be2's new flows with 40 open (max_flows 3 bounds maxconn:10)"
assert_eq "$(xt_new_flows 10.0.0.13)" 33 "be3's new flows"
assert_ge "$(fbk 10.0.0.11 turned_away)" 1 "be1's turned-away flows"
touch "$stop"
wait "$h1" || fail "holder failed"

info "be1's agent withdraws its cap (maxconn:0)"
echo "up maxconn:0" >"$XT_WORK/be1.agent"
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"services\"][0][\"backends\"][0].get(\"feedback\", {}).get(\"max_flows\"))')\" = None ]" ||
	fail "be1's cap not withdrawn: $(lbctl --json health web)"
rm -f "$stop"
before=$(xt_new_flows 10.0.0.11)
xt_bg xt_hold 40 30 "$stop" >"$XT_WORK/hold2"
h2=$XT_BG_PID
wait_for 10 sh -c "[ -s $XT_WORK/hold2 ]" || fail "connections not open (2)"
n1=$(( $(xt_new_flows 10.0.0.11) - before ))
info "be1 took $n1 of 40 without a cap"
assert_ge "$n1" 5 "be1's new flows once its agent withdrew the cap"
touch "$stop"
wait "$h2" || true
pass "an agent's maxconn caps its backend's open flows, bounded by max_flows; maxconn:0 withdraws it"
