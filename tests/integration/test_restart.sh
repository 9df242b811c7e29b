#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbd stopped with SIGTERM, then killed with SIGKILL, and restarted each time
# while a client makes HTTP requests back to back: not one request fails (the
# attached program and pinned maps keep forwarding), the new lbd adopts the
# data path, and the counters continue instead of starting again at zero.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
xt_config "$XT_CONF" 100 100 100
lbd_start

flows() { lbctl --json stats | jget "sum(s['new_flows'] for s in d['services'])"; }

info "client loop: new connection per request, until told to stop (at most 40 s)"
httpc loop "$XT_VIP" 40 --interval 0.01 --stop-file "$XT_WORK/stop" >"$XT_WORK/loop.json" &
loop=$!
XT_BG_PIDS+=("$loop")
sleep 1.5
c0=$(flows)
info "new flows so far: $c0"
assert_ge "$c0" 10 "flows counted before the restarts"

assert_eq "$(lbctl --json status | jget "d.get('flow_cache')")" True "flow cache of the first lbd"
# The second restart loads the program without the per-CPU flow cache (and
# the switch to that other code must not fail a request either).
for sig in TERM KILL; do
	info "SIG$sig to lbd; the data path runs on its own for 1 s"
	lbd_stop "$sig"
	sleep 1
	if [ "$sig" = KILL ]; then
		info "restart lbd --no-flow-cache"
		lbd_start --no-flow-cache
		want_cache=False
	else
		info "restart lbd"
		lbd_start
		want_cache=True
	fi
	adopted=$(lbctl --json status | jget "d.get('adopted')")
	info "  status: adopted=$adopted"
	assert_eq "$adopted" True "the restarted lbd adopted the pinned data path"
	assert_eq "$(lbctl --json status | jget "d.get('flow_cache')")" "$want_cache" "flow cache after restart"
	c1=$(flows)
	info "  new flows: $c1"
	assert_ge "$c1" "$c0" "counters after restart (SIG$sig) continue"
	c0=$c1
	sleep 1
done

touch "$XT_WORK/stop"
wait "$loop" || fail "client loop failed"
r=$(cat "$XT_WORK/loop.json")
info "client loop: $r"
assert_ge "$(echo "$r" | jget "d['requests']")" 100 "requests made during the restarts"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests during the restarts"
for b in be1 be2 be3; do
	assert_ge "$(counts_of "$r" "$b")" 1 "requests served by $b"
done
c2=$(flows)
assert_ge "$c2" $((c0 + 1)) "counters keep counting after the last restart"
info "backends: $(lbctl backend list web | tail -n +2 | awk '{print $2, $NF}' | tr '\n' ' ')"
{ lbctl status || true; } | qgrep "^flow cache: *off" || fail "lbctl status does not show the flow cache off"
pass "two restarts (SIGTERM, SIGKILL, then without the flow cache) under load: zero failed requests, counters continued"
