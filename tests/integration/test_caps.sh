#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Connection caps (#21): be1 has max_flows 5. 60 connections held open reach
# the three backends; be1 never holds more than 5 of them (its new-flow
# counter, the data path's open-flow count), the others take the rest and
# the turned-away flows are counted. Closing them (FIN) gives the units
# back: be1 takes new flows again, up to its cap.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
cat >"$XT_CONF" <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: none}
    backends:
      - {address: 10.0.0.11, max_flows: 5}
      - {address: 10.0.0.12}
      - {address: 10.0.0.13}
EOC
lbd_start
fbk() { lbctl --json health web | jget "[b['feedback']['$2'] for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }

stop=$XT_WORK/stop
xt_bg xt_hold 60 30 "$stop" >"$XT_WORK/hold1"
h1=$XT_BG_PID
wait_for 10 sh -c "[ -s $XT_WORK/hold1 ]" || fail "connections not open"
lbctl health web
assert_eq "$(xt_new_flows 10.0.0.11)" 5 "be1's new flows with 60 open (cap 5)"
assert_eq "$(( $(xt_new_flows 10.0.0.12) + $(xt_new_flows 10.0.0.13) ))" 55 "the others' new flows"
assert_eq "$(fbk 10.0.0.11 open_flows)" 5 "be1's open flows in the data path"
assert_ge "$(fbk 10.0.0.11 turned_away)" 1 "be1's turned-away flows"
info "be1: open $(fbk 10.0.0.11 open_flows)/5, turned away $(fbk 10.0.0.11 turned_away)"
touch "$stop"
wait "$h1" || fail "holder failed"
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"services\"][0][\"backends\"][0][\"feedback\"][\"open_flows\"])')\" = 0 ]" ||
	fail "be1's open flows not given back after FIN"
rm -f "$stop"
before=$(xt_new_flows 10.0.0.11)
xt_bg xt_hold 60 30 "$stop" >"$XT_WORK/hold2"
h2=$XT_BG_PID
wait_for 10 sh -c "[ -s $XT_WORK/hold2 ]" || fail "connections not open (2)"
assert_eq "$(( $(xt_new_flows 10.0.0.11) - before ))" 5 "be1 takes flows again up to its cap"
assert_eq "$(fbk 10.0.0.11 open_flows)" 5 "be1's open flows (2)"
# The caps map is pinned like the others: a restart keeps the open-flow
# units and the turned-away count (the XDP program runs on meanwhile).
ta=$(fbk 10.0.0.11 turned_away)
[ -e "$XT_PIN_DIR/xlb_caps_v1" ] || fail "xlb_caps_v1 not pinned in $XT_PIN_DIR"
lbd_stop TERM
lbd_start
assert_eq "$(fbk 10.0.0.11 open_flows)" 5 "be1's open flows after an lbd restart"
assert_ge "$(fbk 10.0.0.11 turned_away)" "$ta" "be1's turned-away count after an lbd restart"
touch "$stop"
wait "$h2" || true
pass "a capped backend never holds more than max_flows open flows; FIN gives room back"
