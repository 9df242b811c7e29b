#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Ten lbd restarts while a client opens a new HTTP connection through the VIP
# every 10 ms: SIGTERM, SIGKILL and "upgrades" (a copy of the binary started
# from another path, loading a program whose code differs: the prefilter knob
# XLB_DP_PREFILTER=0 makes the verifier prune a whole branch). Every restart
# adopts the pinned maps and replaces the program behind the pinned link;
# not one connection fails and the counters keep counting.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
xt_config "$XT_CONF" 100 100 100
lbd_start

flows() { lbctl --json stats | jget "sum(s['new_flows'] for s in d['services'])"; }
prog_id() { in_ns lb ip -d link show "$XT_LB_IF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1; }

upgrade=$XT_WORK/lbd-upgrade
cp "$XT_LBD" "$upgrade"
lbd_orig=$XT_LBD

info "client loop: a new connection every 10 ms (at most 80 s)"
httpc loop "$XT_VIP" 80 --interval 0.01 --stop-file "$XT_WORK/stop" >"$XT_WORK/loop.json" &
loop=$!
XT_BG_PIDS+=("$loop")
sleep 1
c0=$(flows)
p0=$(prog_id)
info "new flows so far: $c0, program id $p0"
assert_ge "$c0" 10 "flows counted before the restarts"

n=0
for how in TERM KILL upgrade KILL TERM upgrade-back KILL TERM upgrade KILL; do
	n=$((n + 1))
	case "$how" in
	upgrade)
		lbd_stop TERM
		XT_LBD=$upgrade
		export XLB_DP_PREFILTER=0
		;;
	upgrade-back)
		lbd_stop TERM
		XT_LBD=$lbd_orig
		unset XLB_DP_PREFILTER
		;;
	*) lbd_stop "$how" ;;
	esac
	sleep 0.3
	lbd_start
	adopted=$(lbctl --json status | jget "d.get('adopted')")
	c1=$(flows)
	p1=$(prog_id)
	info "restart $n ($how, binary $(basename "$XT_LBD"), prefilter ${XLB_DP_PREFILTER:-1}): adopted=$adopted, new flows $c1, program id $p1"
	assert_eq "$adopted" True "restart $n adopted the pinned data path"
	assert_ge "$c1" "$c0" "counters after restart $n continue"
	[ -n "$p1" ] && [ "$p1" != "$p0" ] || fail "restart $n: program not replaced (id $p0 -> $p1)"
	c0=$c1
	p0=$p1
	sleep 0.4
done

touch "$XT_WORK/stop"
wait "$loop" || fail "client loop failed"
r=$(cat "$XT_WORK/loop.json")
info "client loop: $r"
assert_ge "$(echo "$r" | jget "d['requests']")" 200 "requests made during the restarts"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests during the restarts"
for b in be1 be2 be3; do
	assert_ge "$(counts_of "$r" "$b")" 1 "requests served by $b"
done
c2=$(flows)
assert_ge "$c2" $((c0 + 1)) "counters keep counting after the last restart"
pass "10 restarts (TERM, KILL, upgrades to other code) under load: zero failed connections, counters continued"
