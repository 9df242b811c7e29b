#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Backend feedback (#21): an agent check (HAProxy's agent-check protocol)
# on port 9999 of each backend. be1 says "up 25%", be2 "up 100%": new
# flows split about 20/80 (25 / (25 + 100)). be1 then says "drain": no new
# flows. be2's agent dies: an agent error keeps its state (errors_down is
# off), so it keeps taking flows. A reply that is not the protocol is an
# error too, and ignored the same way.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
for b in be1 be2; do echo "up 100%" >"$XT_WORK/$b.agent"; done
agent() { xt_agent "$1" "$XT_WORK/$1.agent"; } # BE answers $XT_WORK/BE.agent on :9999
agent be1; a1=$XT_BG_PID
agent be2; a2=$XT_BG_PID
cat >"$XT_CONF" <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: none}
    agent_check: {port: 9999, interval_ms: 500, timeout_ms: 400}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
EOC
lbd_start
eff() { lbctl --json health web | jget "[b['effective_weight'] for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
share() { # share SECONDS -> be1's share of new connections
	in_ns cli "$XT_PY" "$XT_TOP/tests/integration/synrate.py" "$XT_VIP" 80 200 "$1" --timeout 3 |
		jget "round(d['counts'].get('be1', 0) / max(1, sum(d['counts'].values())), 3)"
}
echo "up 25%" >"$XT_WORK/be1.agent"
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"services\"][0][\"backends\"][0][\"effective_weight\"])')\" = 25 ]" ||
	fail "be1's effective weight did not follow its agent (25%)"
lbctl health web
s=$(share 4)
info "be1 share at 25% vs 100%: $s (expected 0.20)"
awk -v s="$s" 'BEGIN {exit !(s > 0.13 && s < 0.27)}' || fail "be1's share $s is not about 0.20"

echo "drain" >"$XT_WORK/be1.agent"
wait_for 5 sh -c "lbctl() { $XT_LBCTL -s $XT_SOCK \"\$@\"; }; [ \"\$(lbctl --json health web | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"services\"][0][\"backends\"][0][\"effective_weight\"])')\" = 0 ]" ||
	fail "be1 not drained by its agent"
s=$(share 2)
assert_eq "$s" 0.0 "be1's share while its agent says drain"
echo "ready" >"$XT_WORK/be1.agent"
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print(d[\"services\"][0][\"backends\"][0][\"effective_weight\"])')\" = 25 ]" ||
	fail "be1 not back to 25% after ready"

info "be2's agent dies; then answers garbage"
kill "$a2"
sleep 1.5
lbctl health web
assert_eq "$(eff 10.0.0.12)" 100 "be2's weight with its agent gone (errors ignored)"
echo "bonjour" >"$XT_WORK/be2.agent"
agent be2
sleep 1.5
assert_eq "$(eff 10.0.0.12)" 100 "be2's weight with its agent answering garbage"
lbctl --json health web | qgrep '"error": true' || fail "the agent error is not shown"
lbctl events | qgrep agent || fail "no agent event"
pass "agent weights move traffic shares; drain/ready follow the agent; agent errors change nothing"
