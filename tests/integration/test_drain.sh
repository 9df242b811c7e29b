#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Draining (lbctl backend drain): an open keep-alive connection to the drained
# backend keeps working, new connections go to the other backends at once,
# backend list shows the drain with its flows and time left, and after the
# service's drain_timeout (10 s here: time enough for the checks on a
# loaded host) the backend is released: it takes no
# flows, and a connection still pinned to it is rescheduled (the other backend
# resets it; the client reconnects there). undrain brings it back.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
cat >"$XT_CONF" <<CONF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    drain_timeout: 10
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
CONF
lbd_start

ka_start() { # ka_start NAME SECONDS: keep-alive client in the background; KA_PID, KA_FIRST
	rm -f "$XT_WORK/$1.first" "$XT_WORK/$1.stop"
	xt_bg httpc keepalive "$XT_VIP" "$2" --interval 0.1 --timeout 1 \
		--first-file "$XT_WORK/$1.first" --stop-file "$XT_WORK/$1.stop" >"$XT_WORK/$1.json"
	KA_PID=$XT_BG_PID
	wait_for 5 test -s "$XT_WORK/$1.first" || fail "keep-alive $1 got no answer"
	KA_FIRST=$(cat "$XT_WORK/$1.first")
}

info "keep-alive connection k1 (request every 100 ms)"
ka_start k1 20
k1=$KA_PID
B=$KA_FIRST
case "$B" in be1 | be2) ;; *) fail "unexpected answer '$B'" ;; esac
O=be1; [ "$B" = be1 ] && O=be2
BA=10.0.0.$((10 + ${B#be}))
info "k1 is served by $B ($BA)"
# a second long-lived connection on the same backend, kept past the timeout
k2=
for try in $(seq 12); do
	ka_start k2 30
	if [ "$KA_FIRST" = "$B" ]; then k2=$KA_PID; break; fi
	touch "$XT_WORK/k2.stop"; wait "$KA_PID" || true
done
[ -n "$k2" ] || fail "no keep-alive connection landed on $B in 12 tries"
info "k2 is served by $B too"
sleep 0.5

info "drain $BA (drain_timeout 10 s)"
t0=$(date +%s.%N)
lbctl backend drain web "$BA"
bl=$(lbctl --json backend list web)
st=$(echo "$bl" | jget "[b['state'] for b in d['backends'] if b['address']=='$BA'][0]")
fl=$(echo "$bl" | jget "[b['flows'] for b in d['backends'] if b['address']=='$BA'][0]")
left=$(echo "$bl" | jget "int([b['drain_left_s'] for b in d['backends'] if b['address']=='$BA'][0])")
info "backend list: state $st, flows $fl, ${left}s left"
assert_eq "$st" draining "state of the drained backend"
assert_ge "$fl" 2 "open flows shown for the draining backend (k1, k2)"
assert_ge "$left" 2 "time left of the drain"
lbctl backend list web

info "new connections during the drain"
r=$(httpc burst "$XT_VIP" 40)
info "burst: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed new connections during the drain"
assert_eq "$(counts_of "$r" "$B")" 0 "new connections reaching draining $B"

# stop k1 before the timeout: it must have worked all along
now=$(date +%s.%N)
el=$(awk -v a="$t0" -v b="$now" 'BEGIN {printf "%.1f", b - a}')
awk -v e="$el" 'BEGIN {exit !(e < 8)}' || fail "the checks during the drain took ${el}s: too slow a host to stop k1 before the 10 s timeout"
python3 -c "import time,sys; time.sleep(max(0, 2.2 - ($now - $t0)))"
touch "$XT_WORK/k1.stop"
ka_done "$k1" "$XT_WORK/k1.json" "k1 (ended before the drain timeout)" "$B"

info "wait for the release (10 s after the drain)"
wait_for 14 sh -c "$XT_LBCTL -s $XT_SOCK --json backend list web | grep -q '\"drained\"'" ||
	fail "backend not released after drain_timeout"
dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
info "released after ${dt}s"
show=$(lbctl --json service show web)
assert_eq "$(echo "$show" | jget "[b['usable'] for b in d['backend_list'] if b['address']=='$BA'][0]")" False \
	"released backend usable for established flows"
lbctl backend list web
sleep 1.5
touch "$XT_WORK/k2.stop"
wait "$k2" || fail "k2 failed"
k2r=$(cat "$XT_WORK/k2.json")
info "k2 (ran past the timeout): $k2r"
assert_ge "$(counts_of "$k2r" "$B")" 10 "k2 requests served by $B before the release"
assert_ge "$(counts_of "$k2r" "$O")" 1 "k2 requests served by $O after its flow was rescheduled"

r=$(httpc burst "$XT_VIP" 20)
assert_eq "$(counts_of "$r" "$B")" 0 "new connections reaching released $B"

# The per-CPU flow cache epoch (bpf/fcache.h): lbd bumps it when a backend
# becomes usable again, so no CPU keeps a stale copy of a rescheduled flow.
epoch() {
	bpftool -j map dump pinned "$XT_PIN_DIR/xlb_epoch_v1" | "$XT_PY" -c '
import json, sys
v = json.load(sys.stdin)[0]["value"]
if isinstance(v, list): v = int.from_bytes(bytes(int(x, 16) for x in v), "little")
print(int(v))'
}
e0=$(epoch)
info "undrain $BA"
lbctl backend undrain web "$BA"
e1=$(epoch)
info "flow cache epoch: $e0 -> $e1"
[ "$e1" -gt "$e0" ] || fail "flow cache epoch not bumped when $BA became usable ($e0 -> $e1)"
assert_eq "$(lbctl --json backend list web | jget "[b['state'] for b in d['backends'] if b['address']=='$BA'][0]")" active \
	"state after undrain"
r=$(httpc burst "$XT_VIP" 40)
info "burst: $r"
assert_ge "$(counts_of "$r" "$B")" 1 "new connections reaching $B after undrain"
pass "drain: k1 kept working on $B, new flows went to $O, release after ${dt}s rescheduled k2, undrain restored"
