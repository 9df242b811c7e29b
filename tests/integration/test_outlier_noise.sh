#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Passive health must not eject on noise (#21): 1% random SYN loss on a
# healthy backend (nftables numgen in its namespace) ejects nothing, with
# the same detection settings that eject a blackholed backend within 2 s
# (test_outlier.sh). 25 s instead of a minute: at 150 new flows/s a window
# holds ~50 flows of that backend and ~0.5 retransmitted SYNs on average;
# reaching 30% needs 15 of 50 in one window (binomial tail ~1e-20 per
# window), so 100 windows or 240 tell the same; the loss is shown to happen
# (syn_retx grows) so the test is not vacuous.
source "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || skip "nft missing"
xt_setup --backends 3
cat >"$XT_CONF" <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: tcp, interval_ms: 5000, timeout_ms: 1000}
    outlier_detection: {window_ms: 1000, min_flows: 10, syn_retx_pct: 30}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
EOC
lbd_start
in_ns be2 nft -f - <<'EON'
table inet xtloss {
	chain in { type filter hook input priority -10; policy accept;
		tcp dport 80 tcp flags & (syn | ack) == syn numgen random mod 100 < 1 drop; }
}
EON
xt_bg in_ns cli "$XT_PY" "$XT_TOP/tests/integration/synrate.py" "$XT_VIP" 80 150 25 --timeout 3 >"$XT_WORK/syn.json"
wait "$XT_BG_PID" || fail "synrate failed"
info "$(head -c 200 "$XT_WORK/syn.json")"
retx=$(lbctl --json stats | jget "[b['syn_retx'] for s in d['services'] for b in s['backend_list'] if b['address']=='10.0.0.12'][0]")
flows=$(lbctl --json stats | jget "[b['new_flows'] for s in d['services'] for b in s['backend_list'] if b['address']=='10.0.0.12'][0]")
info "be2: $retx of $flows new flows needed a retransmitted SYN"
assert_ge "$retx" 1 "be2's retransmitted SYNs (the loss happened)"
grep -q 'outlier: .* ejected' "$XT_WORK/lbd.log" && fail "an ejection on 1% SYN loss: $(grep 'ejected' "$XT_WORK/lbd.log" | head -1)"
pass "1% SYN loss on a healthy backend ejects nothing in 25 s ($retx/$flows flows retransmitted)"
