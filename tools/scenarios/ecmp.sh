#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Reference topology 2 (docs/topologies.md): three xlb nodes behind an ECMP
# router; each announces the VIP over BGP through BIRD; flows spread by
# 5-tuple; a node failure and a drain are shown. tools/lab-ecmp builds it.
#   tools/scenarios/ecmp.sh [--keep]        (ECMP_BFD=1 for BFD)
SC_LAB=$(cd "$(dirname "$0")/.." && pwd)/lab-ecmp
. "$(dirname "$0")/common.sh"

say "lab: router (AS 65000) + 3 xlb nodes (AS 65001) + 3 backends"
opts=(--nodes 3 --backends 3); [ "${ECMP_BFD:-0}" = 1 ] && opts+=(--bfd)
"$SC_LAB" up "$SC_NAME" "${opts[@]}"
for i in 1 2 3; do
	ecmp_config "lb$i" >"$SC_WORK/lb$i.yaml" <<-Y
		services:
		  - name: web
		    vip: 10.100.0.10
		    port: 80
		    protocol: tcp
		    health_check: {type: tcp, interval_ms: 500, timeout_ms: 300, rise: 1, fall: 2}
		    backends:
		      - address: 10.0.0.11
		      - address: 10.0.0.12
		      - address: 10.0.0.13
	Y
	"$SC_LAB" lbd "$SC_NAME" "lb$i" "$SC_WORK/lb$i.yaml"
done
sleep 1
say "the router's route to the VIP (one next hop per node)"
"$SC_LAB" exec "$SC_NAME" rt ip route show 10.100.0.10
say "lbctl node status on lb1"
"$SC_LAB" lbctl "$SC_NAME" lb1 node status
say "300 new connections"
burst "$SC_NAME" cli 10.100.0.10 300
for i in 1 2 3; do
	printf '  lb%d new flows: %s\n' "$i" "$("$SC_LAB" lbctl "$SC_NAME" "lb$i" --json stats |
		"$SC_PY" -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["new_flows"])')"
done
say "lb1 fails (lbd killed, link cut); waiting for the router to withdraw it"
kill -9 "$(cat "/run/xlb-lab/$SC_NAME/lb1/lbd.pid")"
ip -n "$SC_NAME-sw" link set "$SC_NAME-lb1p" down
t0=$(date +%s.%N)
while "$SC_LAB" route "$SC_NAME" | grep -q 10.0.0.2; do sleep 0.05; done
echo "  withdrawn after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}') s"
burst "$SC_NAME" cli 10.100.0.10 100
say "lb2 drained for maintenance"
"$SC_LAB" lbctl "$SC_NAME" lb2 node drain
sleep 0.3
"$SC_LAB" exec "$SC_NAME" rt ip route show 10.100.0.10
burst "$SC_NAME" cli 10.100.0.10 100
"$SC_LAB" lbctl "$SC_NAME" lb2 node undrain >/dev/null
