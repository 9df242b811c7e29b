#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Passive health (#21): a backend that silently drops packets (nftables in
# its namespace) is ejected by outlier detection from the clients' SYN
# retransmissions within 2 s, while the active check (every 5 s, fall 2)
# has not noticed yet; its new flows go to the others. Traffic: 150 new
# connections/s that never wait for each other (synrate.py). Linux clients
# retransmit a SYN after 1 s (initial RTO), so the signal exists from 1 s
# after the blackhole on; the test config's threshold (30%) and the 100 ms
# tick put the ejection at about 1.3-1.6 s.
source "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft missing"
xt_setup --backends 3
cat >"$XT_CONF" <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: tcp, interval_ms: 5000, timeout_ms: 1000, rise: 2, fall: 2}
    outlier_detection:
      window_ms: 1000
      min_flows: 10
      syn_retx_pct: 30
      base_ejection_ms: 30000
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
EOC
lbd_start
be_json() { lbctl --json health web | jget "[b for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
wait_for 10 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | grep -c '\"state\": \"up\"')\" = 3 ]" ||
	fail "backends not up"

out=$XT_WORK/syn.json
xt_bg in_ns cli "$XT_PY" "$XT_TOP/tests/integration/synrate.py" "$XT_VIP" 80 150 9 --timeout 3
gen=$XT_BG_PID
sleep 3
info "blackhole be1 (nftables drop in its namespace)"
in_ns be1 nft -f - <<'EON'
table inet xtblack {
	chain in { type filter hook input priority -10; policy accept; tcp dport 80 drop; }
}
EON
t_black=$(date +%s.%N)
wait_for 4 sh -c "grep -q 'outlier: service \"web\": backend 10.0.0.11 ejected' $XT_WORK/lbd.log" ||
	fail "be1 not ejected within 4 s"
t_ej=$(date +%s.%N)
dt=$(awk -v a="$t_black" -v b="$t_ej" 'BEGIN {printf "%.2f", b - a}')
info "ejected after ${dt}s: $(grep 'backend 10.0.0.11 ejected' "$XT_WORK/lbd.log" | tail -1 | sed 's/.*outlier: //')"
awk -v d="$dt" 'BEGIN {exit !(d < 2.0)}' || fail "ejection took ${dt}s (>= 2 s)"
lbctl health web
j=$(be_json 10.0.0.11)
assert_eq "$(echo "$j" | jget "d['state']")" up "active check has not noticed (interval 5 s)"
assert_eq "$(echo "$j" | jget "d['effective_weight']")" 0 "ejected be1's effective weight"
assert_eq "$(echo "$j" | jget "d['feedback']['ejected']")" True "feedback.ejected"
lbctl events | qgrep outlier || fail "no outlier event"
# No new flows to be1 after the ejection (its counter stands still).
nf() { lbctl --json stats | jget "[b['new_flows'] for s in d['services'] for b in s['backend_list'] if b['address']=='10.0.0.11'][0]"; }
a=$(nf); sleep 1; b=$(nf)
assert_eq "$b" "$a" "be1 new flows after the ejection"
wait "$gen" || true
pass "a blackholed backend is ejected ${dt}s after it stops answering, active check still up"
