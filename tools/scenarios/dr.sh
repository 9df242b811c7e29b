#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Reference topology 4 (docs/topologies.md): a disaster-recovery pair. The
# primary site's backends (be1, be2) serve; the second site's backend (be3,
# backup: true) takes over only when no primary is healthy, and gives back
# when they return. The VIP stays announced while either site can serve, and
# is withdrawn when neither can. (In the lab both sites share one L2 segment;
# across sites use ipip/gue forwarding, docs/forwarding.md.)
#   tools/scenarios/dr.sh [--keep]
SC_LAB=$(cd "$(dirname "$0")/.." && pwd)/lab-ecmp
. "$(dirname "$0")/common.sh"

mode() { "$SC_LAB" lbctl "$SC_NAME" lb1 --json health web | "$SC_PY" -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["mode"])'; }
wait_mode() { for _ in $(seq 100); do [ "$(mode)" = "$1" ] && return 0; sleep 0.1; done; echo "mode stayed $(mode)" >&2; return 1; }
server() { # server beN start|stop
	local pidf=/run/xlb-lab/$SC_NAME/$1.pid
	if [ "$2" = stop ]; then kill "$(cat "$pidf")"; return; fi
	"$SC_LAB" exec "$SC_NAME" "$1" "$SC_PY" "$SC_TOP/tools/lab-httpd.py" "$1" 80 </dev/null >/dev/null 2>&1 &
	echo $! >"$pidf"
}

say "lab: router + 2 xlb nodes; site A: be1, be2; site B (backup): be3"
"$SC_LAB" up "$SC_NAME" --nodes 2 --backends 3
for i in 1 2; do
	ecmp_config "lb$i" >"$SC_WORK/lb$i.yaml" <<-Y
		services:
		  - name: web
		    vip: 10.100.0.10
		    port: 80
		    protocol: tcp
		    health_check: {type: tcp, interval_ms: 300, timeout_ms: 200, rise: 2, fall: 2}
		    backends:
		      - {address: 10.0.0.11, zone: site-a}
		      - {address: 10.0.0.12, zone: site-a}
		      - {address: 10.0.0.13, zone: site-b, backup: true}
	Y
	"$SC_LAB" lbd "$SC_NAME" "lb$i" "$SC_WORK/lb$i.yaml"
done
sleep 1
say "normal: site A serves (mode $(mode))"
burst "$SC_NAME" cli 10.100.0.10 100
say "site A goes down (be1, be2 stop)"
server be1 stop; server be2 stop
wait_mode backup
echo "  mode: $(mode); route: $("$SC_LAB" route "$SC_NAME" | tr '\n' ' ')"
burst "$SC_NAME" cli 10.100.0.10 100
say "site B goes down too: nothing can serve, every node withdraws the VIP"
server be3 stop
wait_mode down
sleep 0.3
echo "  mode: $(mode); route: '$("$SC_LAB" route "$SC_NAME" | tr '\n' ' ')'"
say "site A comes back: announced again, primaries serve"
server be1 start; server be2 start; server be3 start
wait_mode normal
sleep 0.3
echo "  mode: $(mode); route: $("$SC_LAB" route "$SC_NAME" | tr '\n' ' ')"
burst "$SC_NAME" cli 10.100.0.10 100
