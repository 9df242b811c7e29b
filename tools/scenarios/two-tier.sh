#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Reference topology 3 (docs/topologies.md): two tiers behind the same xlb
# nodes. Clients call the external VIP 10.100.0.10 (web tier: be1, be2); the
# web servers call the internal VIP 10.100.0.20 (app tier: be3, be4) through
# the same router and nodes. Both VIPs are announced over BGP; replies of each
# tier go straight to their caller (DSR).
#   tools/scenarios/two-tier.sh [--keep]
SC_LAB=$(cd "$(dirname "$0")/.." && pwd)/lab-ecmp
. "$(dirname "$0")/common.sh"

say "lab: router + 2 xlb nodes + web tier (be1, be2) + app tier (be3, be4)"
"$SC_LAB" up "$SC_NAME" --nodes 2 --backends 4
for b in be3 be4; do "$SC_LAB" exec "$SC_NAME" "$b" ip addr add 10.100.0.20/32 dev lo; done
for i in 1 2; do
	ecmp_config "lb$i" >"$SC_WORK/lb$i.yaml" <<-Y
		services:
		  - name: web          # external
		    vip: 10.100.0.10
		    port: 80
		    protocol: tcp
		    backends: [{address: 10.0.0.11}, {address: 10.0.0.12}]
		  - name: app          # internal: called by the web tier
		    vip: 10.100.0.20
		    port: 80
		    protocol: tcp
		    backends: [{address: 10.0.0.13}, {address: 10.0.0.14}]
	Y
	"$SC_LAB" lbd "$SC_NAME" "lb$i" "$SC_WORK/lb$i.yaml"
done
sleep 1
say "the router's routes: both VIPs over both nodes"
"$SC_LAB" exec "$SC_NAME" rt ip route show proto bird
say "client -> external VIP 10.100.0.10 (web tier)"
burst "$SC_NAME" cli 10.100.0.10 100
say "web server be1 -> internal VIP 10.100.0.20 (app tier)"
burst "$SC_NAME" be1 10.100.0.20 100
say "web server be2 -> internal VIP 10.100.0.20 (app tier)"
burst "$SC_NAME" be2 10.100.0.20 100
say "per-service counters on lb1"
"$SC_LAB" lbctl "$SC_NAME" lb1 service list
