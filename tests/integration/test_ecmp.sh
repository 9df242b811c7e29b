#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Several xlb nodes behind an ECMP router with BGP (tools/lab-ecmp, BIRD):
#  1. every node announces the VIP (lbd -> BIRD fragment -> BGP) and the
#     router installs one multipath route over all of them;
#  2. the nodes' lookup tables are byte-identical (same config -> same Maglev
#     tables, backends and services);
#  3. new connections spread over every node (per-node lbctl stats);
#  4. a node fails (lbd killed -9, its link cut): the router withdraws it
#     within the BGP hold time, new connections keep succeeding, and >= 99% of
#     50 long-lived keep-alive connections survive (a flow moved to another
#     node, without a connection-table entry there, reaches the same backend);
#  5. an lbd restart (SIGTERM, start) keeps the node announced throughout;
#  6. lbctl node drain withdraws the node with zero failed connections, and
#     lbctl node undrain announces it again;
#  7. IPv6: every node also serves the VIP fd00:100::10 (service web6, MP-BGP
#     over the same sessions): the router's IPv6 multipath route follows the
#     announcements, new IPv6 connections spread over every node and keep
#     succeeding after lb1's failure, and 20 long-lived IPv6 keep-alive
#     connections all survive it (checked within steps 1, 3 and 4);
#  8. a reload that removes the bgp: section withdraws the node's VIPs at once,
#     one that adds it back announces them again (no restart).
# Environment: ECMP_BFD=1 runs the lab with BFD (100 ms x 3) instead of the
# 3 s hold timer alone; ECMP_FAIL=bird kills the node's BIRD instead of cutting its link.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$TOP/tools/lab-ecmp
NAME=xe$$
RUN=/run/xlb-lab/$NAME
VIP=10.100.0.10
VIP6=fd00:100::10
T0=$(date +%s.%N)
WORK=
BG=()
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
info() { printf '[%6.2fs] %s\n' "$(since "$T0")" "$*"; }
fail() { info "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	set +e
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -d "$RUN" ]; then
		for p in "$RUN"/lb*/lbd.log; do
			[ -e "$p" ] && { echo "---- $p (last 15 lines)"; tail -n 15 "$p"; }
		done
		echo "---- router"; birdc -s "$RUN/rt/bird.ctl" show protocols 2>/dev/null
	fi
	"$LAB" down "$NAME" # every namespace, BIRD, lbd, server, pin, socket of the lab
	[ -n "$WORK" ] && rm -rf "$WORK"
	exit "$rc"
}

[ "$(id -u)" -eq 0 ] || skip "needs root"
[ -x "$TOP/build/lbd" ] && [ -x "$TOP/build/lbctl" ] || skip "build/lbd, build/lbctl not built"
command -v bird >/dev/null && command -v birdc >/dev/null || skip "bird2 missing (tools/deps.sh)"
command -v bpftool >/dev/null || skip "bpftool missing"
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	mount -t bpf bpf /sys/fs/bpf || skip "cannot mount bpffs"
fi
WORK=$(mktemp -d "/tmp/$NAME.XXXXXX")
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
mkdir -p /run/xlb /sys/fs/bpf/xlb

lbctl() { "$LAB" lbctl "$NAME" "$@"; }   # lbctl lbI ARGS
in_ns() { local h=$1; shift; nsenter --net="/run/netns/$NAME-$h" "$@"; }
route() { "$LAB" route "$NAME" "$@" | tr '\n' ' ' | sed 's/ $//'; } # route [-6]
new_flows() { lbctl "$1" --json stats | "$PY" -c 'import json,sys; print(sum(s["new_flows"] for s in json.load(sys.stdin)["services"] if s["name"] == sys.argv[1]))' "${2:-web}"; }
jfield() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

wait_route() { # wait_route "EXPECTED" SECONDS [-6]: poll every 20 ms; prints the seconds it took
	local want=$1 t=$2 start
	start=$(now)
	while [ "$(route ${3:-})" != "$want" ]; do
		awk -v a="$(since "$start")" -v b="$t" 'BEGIN {exit !(a > b)}' && return 1
		sleep 0.02
	done
	since "$start"
}

config() { # config lbI: the same services on every node, its own BIRD paths
	cat <<-EOF
		bgp:
		  bird_socket: $RUN/$1/bird.ctl
		  config_file: $RUN/$1/xlb-vips.conf
		services:
		  - name: web
		    vip: $VIP
		    port: 80
		    protocol: tcp
		    health_check:
		      type: tcp
		      interval_ms: 500
		      timeout_ms: 300
		      rise: 1
		      fall: 2
		    backends:
		      - address: 10.0.0.11
		      - address: 10.0.0.12
		      - address: 10.0.0.13
		  - name: web6
		    vip: $VIP6
		    port: 80
		    protocol: tcp
		    health_check:
		      type: tcp
		      interval_ms: 500
		      timeout_ms: 300
		      rise: 1
		      fall: 2
		    backends:
		      - address: "fd00::11"
		      - address: "fd00::12"
		      - address: "fd00::13"
	EOF
}

declare -A CPID
clients() { # clients TAG [VIP [HOLD]]: HOLD (50) held connections + 10 new/s until $WORK/TAG.stop
	local hold=${3:-50}
	rm -f "$WORK/$1.stop" "$WORK/$1.ready"
	in_ns cli "$PY" "$TOP/tests/integration/ecmpc.py" "${2:-$VIP}" --hold "$hold" --interval 0.2 \
		--new-rate 10 --timeout 10 --stop-file "$WORK/$1.stop" --ready-file "$WORK/$1.ready" \
		>"$WORK/$1.json" 2>"$WORK/$1.err" &
	BG+=($!)
	CLIENTS_PID=$!
	CPID[$1]=$!
	for _ in $(seq 150); do
		[ -e "$WORK/$1.ready" ] && return 0
		kill -0 "$CLIENTS_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/$1.err"
	fail "$1: the $hold keep-alive connections did not all answer"
}

clients_stop() { # clients_stop TAG: waits for the JSON result
	local pid=${CPID[$1]}
	touch "$WORK/$1.stop"
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	wait "$pid" 2>/dev/null || true
	[ -s "$WORK/$1.json" ] || { cat "$WORK/$1.err"; fail "$1: no result from the client"; }
	info "$1: $(jfield "$WORK/$1.json" '"%d/%d held connections survived (%d moved to another backend), %d requests, longest stall %.2f s; new connections: %d, %d failed, slowest %.2f s" % (d["survived"], d["held"], d["moved"], d["requests"], d["max_stall_s"], d["new"], d["new_errors"], d["new_max_s"])')"
	jfield "$WORK/$1.json" '"\n".join("  failed: %s" % f for f in d["failed"][:5] + d["new_samples"][:3])' | grep . || true
}

# ---- 1. lab, lbd on every node, announcements ---------------------------
labopts=(--nodes 3 --backends 3)
[ "${ECMP_BFD:-0}" = 1 ] && labopts+=(--bfd)
info "lab $NAME: ${labopts[*]}"
"$LAB" up "$NAME" "${labopts[@]}" >"$WORK/lab.log" 2>&1 || { cat "$WORK/lab.log"; fail "lab up"; }
for i in 1 2 3; do
	config "lb$i" >"$WORK/lb$i.yaml"
	"$LAB" lbd "$NAME" "lb$i" "$WORK/lb$i.yaml" --log-level debug || fail "lbd on lb$i"
done
t=$(wait_route "10.0.0.2 10.0.0.3 10.0.0.4" 10) || fail "the router has no 3-way route to $VIP: '$(route)'"
info "1. all 3 nodes announce $VIP; the router's multipath route is complete ${t} s after the last lbd started"
t=$(wait_route "fd00::2 fd00::3 fd00::4" 10 -6) || fail "the router has no 3-way IPv6 route to $VIP6: '$(route -6)'"
info "   and $VIP6 (MP-BGP): the router's IPv6 multipath route is complete (${t} s later)"
for i in 1 2 3; do
	lbctl "lb$i" --json node status | "$PY" -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not (d["in_sync"] and d["announced"] == ["10.100.0.10/32", "fd00:100::10/128"]))' ||
		fail "lb$i: node status: $(lbctl "lb$i" node status)"
done

# ---- 2. identical tables --------------------------------------------------
dump_tables() { # dump_tables lbI: services, backends and every lookup table, as text
	local pin=/sys/fs/bpf/xlb/$NAME-$1 id
	# a hash map: its dump order depends on the map's random hash seed, so sort it
	bpftool -j map dump pinned "$pin/xlb_vips_v1" | "$PY" -c 'import json,sys
for e in sorted(json.load(sys.stdin), key=lambda e: json.dumps(e.get("key"))): print(json.dumps(e, sort_keys=True))'
	bpftool map dump pinned "$pin/xlb_bends_v1"
	for id in $(bpftool -j map dump pinned "$pin/xlb_tables_v3" | "$PY" -c 'import json,sys
for e in json.load(sys.stdin): print(int.from_bytes(bytes(int(x, 16) for x in e["value"]), "little"))'); do
		echo "table (inner map id differs per node)"
		bpftool map dump id "$id"
	done
}
for i in 1 2 3; do dump_tables "lb$i" >"$WORK/tables.lb$i"; done
lines=$(grep -c '^key' "$WORK/tables.lb1" || true)
# 65537 slots, 4 to an 8-byte element (include/xlb.h xlb_slot_t)
[ "$lines" -ge 16385 ] || fail "table dump of lb1 too short ($lines entries)"
cmp -s "$WORK/tables.lb1" "$WORK/tables.lb2" && cmp -s "$WORK/tables.lb1" "$WORK/tables.lb3" ||
	fail "lookup tables differ between nodes: $(diff "$WORK/tables.lb1" "$WORK/tables.lb2" | head -20; diff "$WORK/tables.lb1" "$WORK/tables.lb3" | head -20)"
info "2. services, backends and lookup tables byte-identical on the 3 nodes ($lines map entries, sha1 $(sha1sum <"$WORK/tables.lb1" | cut -c1-12))"

# ---- 3. spread ------------------------------------------------------------
for i in 1 2 3; do nf0[i]=$(new_flows "lb$i"); done
in_ns cli "$PY" "$TOP/tests/integration/httpc.py" burst "$VIP" 90 >"$WORK/burst.json"
errs=$(jfield "$WORK/burst.json" 'd["errors"]')
[ "$errs" -eq 0 ] || fail "burst: $errs of 90 failed: $(cat "$WORK/burst.json")"
spread=""
for i in 1 2 3; do
	d=$(($(new_flows "lb$i") - nf0[i]))
	[ "$d" -gt 0 ] || fail "node lb$i got no new flows of 90"
	spread+=" lb$i=$d"
done
info "3. 90 new connections spread over the nodes:$spread; backends $(jfield "$WORK/burst.json" 'd["counts"]')"
burst6() { # burst6 N NODES: N new IPv6 connections to VIP6; prints the spread over NODES (live ones)
	local i d s="" nodes=$2
	for i in $nodes; do nf6[i]=$(new_flows "lb$i" web6); done
	in_ns cli "$PY" "$TOP/tests/integration/httpc.py" burst "$VIP6" "$1" >"$WORK/burst6.json"
	errs=$(jfield "$WORK/burst6.json" 'd["errors"]')
	[ "$errs" -eq 0 ] || fail "IPv6 burst: $errs of $1 failed: $(cat "$WORK/burst6.json")"
	for i in $nodes; do d=$(($(new_flows "lb$i" web6) - nf6[i])); s+=" lb$i=$d"; done
	echo "$s"
}
s=$(burst6 60 "1 2 3")
for i in 1 2 3; do
	echo "$s" | grep -q " lb$i=0" && fail "IPv6: node lb$i got no new flows of 60:$s"
done
info "   60 new IPv6 connections to $VIP6 spread over the nodes:$s; backends $(jfield "$WORK/burst6.json" 'd["counts"]')"

# ---- 4. node failure ------------------------------------------------------
for i in 1 2 3; do nf0[i]=$(new_flows "lb$i"); nf6[i]=$(new_flows "lb$i" web6); done
clients fail
clients fail6 "$VIP6" 20
via="" via6=""
for i in 1 2 3; do via+=" lb$i=$(($(new_flows "lb$i") - nf0[i]))"; via6+=" lb$i=$(($(new_flows "lb$i" web6) - nf6[i]))"; done
how="its link cut"
[ "${ECMP_FAIL:-link}" = bird ] && how="its BIRD killed"
info "4. 50 keep-alive connections open (through$via); failing lb1: lbd killed, $how"
info "   and 20 IPv6 keep-alive connections to $VIP6 (new IPv6 flows so far:$via6)"
kill -9 "$(cat "$RUN/lb1/lbd.pid")"
if [ "${ECMP_FAIL:-link}" = bird ]; then
	kill -9 "$(cat "$RUN/lb1/bird.pid")"
else
	ip -n "$NAME-sw" link set "$NAME-lb1p" down
fi
t=$(wait_route "10.0.0.3 10.0.0.4" 10) || fail "lb1 still in the router's route 10 s after its failure: '$(route)'"
info "   the router withdrew lb1 $t s after the failure (BGP hold time 3 s$([ "${ECMP_BFD:-0}" = 1 ] && echo ', BFD 0.3 s'))"
echo "$t" >"$WORK/failover_s"
sleep 3 # flows that were on lb1 retransmit through lb2/lb3
clients_stop fail
clients_stop fail6
surv=$(jfield "$WORK/fail.json" 'd["survived"]')
[ "$surv" -ge 50 ] || [ "$((surv * 100))" -ge "$((50 * 99))" ] ||
	fail "only $surv of 50 long-lived connections survived the failure of lb1 (want >= 99%)"
[ "$(jfield "$WORK/fail.json" 'd["moved"]')" -eq 0 ] || fail "a connection reached another backend after the failover"
ne=$(jfield "$WORK/fail.json" 'd["new_errors"]')
[ "$ne" -eq 0 ] || fail "$ne new connections failed during the failover"
t=$(wait_route "fd00::3 fd00::4" 5 -6) || fail "lb1 still in the router's IPv6 route: '$(route -6)'"
[ "$(jfield "$WORK/fail6.json" 'd["survived"]')" -eq 20 ] ||
	fail "IPv6: only $(jfield "$WORK/fail6.json" 'd["survived"]') of 20 long-lived connections survived the failure of lb1"
[ "$(jfield "$WORK/fail6.json" 'd["moved"]')" -eq 0 ] || fail "IPv6: a connection reached another backend after the failover"
[ "$(jfield "$WORK/fail6.json" 'd["new_errors"]')" -eq 0 ] || fail "IPv6: new connections failed during the failover"
s=$(burst6 40 "2 3")
info "   IPv6: lb1 withdrawn from the route to $VIP6 too (within the same hold time); 40 new IPv6 connections all succeeded over$s"

# ---- 5. hitless lbd restart ------------------------------------------------
route >"$WORK/route.before"
(while :; do r=$(route); [ "$r" = "10.0.0.3 10.0.0.4" ] || echo "$(date +%T.%N) $r"; sleep 0.02; done) \
	>"$WORK/route.flaps" 2>/dev/null &
BG+=($!); watcher=$!
kill -TERM "$(cat "$RUN/lb3/lbd.pid")"
for _ in $(seq 50); do kill -0 "$(cat "$RUN/lb3/lbd.pid")" 2>/dev/null || break; sleep 0.1; done
sleep 1
"$LAB" lbd "$NAME" lb3 "$WORK/lb3.yaml" --log-level debug || fail "lbd restart on lb3"
sleep 1
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null || true
[ ! -s "$WORK/route.flaps" ] || fail "lbd restart on lb3 changed the router's route: $(head -3 "$WORK/route.flaps")"
info "5. lbd on lb3 stopped (SIGTERM) for 1 s and restarted: the route never changed"

# ---- 6. graceful drain ----------------------------------------------------
clients drain
td=$(now)
lbctl lb2 node drain >"$WORK/drain.out" || fail "lbctl node drain: $(cat "$WORK/drain.out")"
t=$(wait_route "10.0.0.4" 5) || fail "lb2 still announced 5 s after lbctl node drain: '$(route)'"
info "6. lbctl node drain on lb2: withdrawn from the router $t s after the command"
grep -q 'state: *drained' "$WORK/drain.out" || fail "node drain output: $(cat "$WORK/drain.out")"
sleep 2
clients_stop drain
[ "$(jfield "$WORK/drain.json" 'd["survived"]')" -eq 50 ] || fail "connections failed during the drain"
[ "$(jfield "$WORK/drain.json" 'd["new_errors"]')" -eq 0 ] || fail "new connections failed during the drain"
grep -q 'xlb-node: drained' "$RUN/lb2/xlb-vips.conf" || fail "the fragment does not record the drain"
lbctl lb2 node undrain >/dev/null || fail "lbctl node undrain"
t=$(wait_route "10.0.0.3 10.0.0.4" 5) || fail "lb2 not announced again after undrain: '$(route)'"
info "   lbctl node undrain: announced again after $t s"
# ---- 8. bgp: removed and added back by a reload -----------------------------
grep -v -e '^bgp:' -e 'bird_socket:' -e 'config_file:' "$WORK/lb3.yaml" >"$WORK/lb3.nobgp.yaml"
cp "$WORK/lb3.yaml" "$WORK/lb3.bgp.yaml"
cp "$WORK/lb3.nobgp.yaml" "$WORK/lb3.yaml"
lbctl lb3 reload >/dev/null || fail "reload of lb3 without bgp:"
t=$(wait_route "10.0.0.3" 5) || fail "lb3 still announced after a reload removed bgp:: '$(route)'"
wait_route "fd00::3" 5 -6 >/dev/null || fail "lb3 still in the IPv6 route after a reload removed bgp:: '$(route -6)'"
lbctl lb3 --json node status | "$PY" -c 'import json,sys; sys.exit(json.load(sys.stdin)["bgp"])' ||
	fail "lb3: node status still reports bgp after the reload"
info "8. a reload removing bgp: on lb3 withdrew its VIPs in $t s (no restart)"
cp "$WORK/lb3.bgp.yaml" "$WORK/lb3.yaml"
lbctl lb3 reload >/dev/null || fail "reload of lb3 with bgp:"
t=$(wait_route "10.0.0.3 10.0.0.4" 5) || fail "lb3 not announced after a reload added bgp:: '$(route)'"
wait_route "fd00::3 fd00::4" 5 -6 >/dev/null || fail "lb3 not in the IPv6 route after a reload added bgp:: '$(route -6)'"
info "   a reload adding it back announced them again in $t s"
info "PASS: failover withdrew the failed node in $(cat "$WORK/failover_s") s; $(jfield "$WORK/fail.json" 'd["survived"]')/50 long-lived connections survived it; drain lost no connection"
