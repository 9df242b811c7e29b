#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# An established TCP connection keeps its backend when a different backend is
# removed; new connections stop reaching the removed one.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
xt_config "$XT_CONF" 100 100 100
lbd_start

info "one long-lived keep-alive connection, a request every 100 ms for 6 s"
httpc keepalive "$XT_VIP" 6 --interval 0.1 --first-file "$XT_WORK/first" >"$XT_WORK/ka.json" &
ka=$!
XT_BG_PIDS+=("$ka")
wait_for 5 test -s "$XT_WORK/first" || fail "the keep-alive connection got no answer"
first=$(cat "$XT_WORK/first")
case "$first" in be[123]) ;; *) fail "unexpected answer '$first'" ;; esac
victim=be1
[ "$first" = be1 ] && victim=be2
victim_addr=10.0.0.$((10 + ${victim#be}))
info "the connection is served by $first; removing $victim ($victim_addr)"
sleep 1
lbctl backend remove web "$victim_addr"
left=$(lbctl --json backend list web | jget "sorted(b['address'] for b in d['backends'])")
info "backends now: $left"
case "$left" in *"$victim_addr"*) fail "$victim_addr still listed after removal" ;; esac

info "new connections while the old one goes on"
r=$(httpc burst "$XT_VIP" 150)
info "result: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed new connections after the removal"
assert_eq "$(counts_of "$r" "$victim")" 0 "new connections reaching removed $victim"

ka_done "$ka" "$XT_WORK/ka.json" "established connection" "$first"
assert_ge "$(echo "$KA_R" | jget "d['requests']")" 30 "requests on the established connection"
pass "established connection stayed on $first with zero errors; $victim got no new connection"
