#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Atomic table updates in the lab: a client opens new HTTP connections back
# to back through the VIP while a backend's weight is flipped 100 times
# (each flip rebuilds the service's Maglev table and swaps it in). No
# connection may fail and the data path may never find the VIP without a
# usable backend (drop_no_backend == 0). The per-packet property is proved
# by tests/bpf/test_atomic.c; this is the end-to-end counterpart.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
xt_config "$XT_CONF" 100 100 100
lbd_start

info "client loop of new connections"
xt_bg httpc loop "$XT_VIP" 120 --stop-file "$XT_WORK/stop" >"$XT_WORK/loop.json"
loop=$XT_BG_PID
sleep 1 # connections before the first flip too

info "flipping be2's weight 100 times"
for ((i = 0; i < 100; i++)); do
	w=$((i % 2 ? 100 : 1))
	lbctl backend weight web 10.0.0.12 "$w" >/dev/null || fail "lbctl backend weight (flip $i)"
done
sleep 0.5
touch "$XT_WORK/stop"
wait "$loop" || fail "the client loop failed"
res=$(cat "$XT_WORK/loop.json")
info "client: $(echo "$res" | jget "[d['requests'], d['errors'], d['counts']]")"
assert_ge "$(echo "$res" | jget "d['requests']")" 50 "connections during the flips"
assert_eq "$(echo "$res" | jget "d['errors']")" 0 "failed connections"
assert_eq "$(lbctl --json stats | jget "d['global']['drop_no_backend']")" 0 "drop_no_backend"
pass "100 weight flips under new connections: no failure, no drop_no_backend"
