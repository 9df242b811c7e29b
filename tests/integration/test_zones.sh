#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Zones: backends in zones a (be1, be2) and b (be3, be4), lbd in zone a,
# cross_zone false: traffic stays in a; it spills to b when a falls below
# zone_min_healthy, and comes back when a recovers.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 4
cat >"$XT_CONF" <<EOC
node:
  zone: a
services:
  - name: web
    vip: $XT_VIP
    port: 80
    cross_zone: false
    zone_min_healthy: 0.5
    health_check: {type: http, interval_ms: 200, timeout_ms: 100, rise: 2, fall: 2}
    backends:
      - {address: 10.0.0.11, zone: a}
      - {address: 10.0.0.12, zone: a}
      - {address: 10.0.0.13, zone: b}
      - {address: 10.0.0.14, zone: b}
EOC
lbd_start
srv_pid() { in_ns "$1" ss -Hltnp 'sport = :80' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
mode_is() { lbctl --json health web | qgrep "\"mode\": \"$1\""; }
burst() {
	local r
	r=$(httpc burst "$XT_VIP" 60)
	assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests ($r)"
	echo "$r"
}
wait_for 5 mode_is normal || fail "not in normal mode"
sleep 0.5
r=$(burst); info "zone a healthy: $r"
assert_eq $(($(counts_of "$r" be3) + $(counts_of "$r" be4))) 0 "connections left zone a while it is healthy"
assert_ge "$(counts_of "$r" be1)" 10 "be1's share"
assert_ge "$(counts_of "$r" be2)" 10 "be2's share"

info "be1 down: half of zone a is healthy (= zone_min_healthy): stays in a"
kill -USR1 "$(srv_pid be1)"
be1_down() { [ "$(lbctl --json health web | jget "[b['state'] for b in d['services'][0]['backends'] if b['address'] == '10.0.0.11'][0]")" = down ]; }
wait_for 5 be1_down ||
	fail "be1 not marked down"
r=$(burst); info "$r"
assert_eq "$(counts_of "$r" be2)" 60 "zone a's last healthy backend takes everything"
mode_is normal || fail "mode should stay normal"

info "be2 down too: zone a below 50%: spill to b"
kill -USR1 "$(srv_pid be2)"
wait_for 5 mode_is spill || fail "mode did not become spill"
grep -E 'mode normal -> spill' "$XT_WORK/lbd.log" | tail -1 | sed 's/.*health: /    /'
r=$(burst); info "$r"
assert_eq $(($(counts_of "$r" be1) + $(counts_of "$r" be2))) 0 "connections to zone a while it is down"
assert_ge "$(counts_of "$r" be3)" 10 "be3's share after spilling"
assert_ge "$(counts_of "$r" be4)" 10 "be4's share after spilling"

info "zone a recovers: traffic returns"
kill -USR2 "$(srv_pid be1)"; kill -USR2 "$(srv_pid be2)"
wait_for 5 mode_is normal || fail "mode did not return to normal"
sleep 0.6 # both a backends up (rise 2)
r=$(burst); info "$r"
assert_eq $(($(counts_of "$r" be3) + $(counts_of "$r" be4))) 0 "connections to zone b after a recovered"
lbctl health
pass "zone a preferred, spill to b below zone_min_healthy, back to a on recovery"
