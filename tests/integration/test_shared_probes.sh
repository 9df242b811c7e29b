#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared probes (#21): 40 services on the same 3 backends, all with the same
# check (tcp to port 80 every 500 ms), send 3 probes per interval, not 120:
# every (service, backend) still has its own state, fed by the shared result.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
{
	echo "services:"
	for i in $(seq 1 40); do
		cat <<EOC
  - name: s$i
    vip: $XT_VIP
    port: $((1000 + i))
    health_check: {type: tcp, port: 80, interval_ms: 500, timeout_ms: 300, rise: 1, fall: 1}
    backends: [{address: 10.0.0.11}, {address: 10.0.0.12}, {address: 10.0.0.13}]
EOC
	done
} >"$XT_CONF"
lbd_start
p0=$(lbctl --json health | jget "d['probes']")
sleep 3
h=$(lbctl --json health)
p1=$(echo "$h" | jget "d['probes']")
n=$((p1 - p0))
info "targets $(echo "$h" | jget "d['targets']"), shared $(echo "$h" | jget "d['shared_targets']"), $n probes in 3 s"
assert_eq "$(echo "$h" | jget "d['shared_targets']")" 117 "targets fed by another's probe"
awk -v n="$n" 'BEGIN {exit !(n >= 12 && n <= 24)}' || fail "$n probes in 3 s (3 backends every 500 ms: about 18)"
assert_eq "$(echo "$h" | jget "sum(1 for s in d['services'] for b in s['backends'] if b['state']=='up' and b['last_result']=='ok')")" 120 "every (service, backend) has its own state, up"
pass "40 services x 3 backends: $n probes in 3 s (shared), each target up"
