#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Passive health of a UDP service (#21, outlier_detection.udp_unanswered_pct):
# clients (udpflows.py) send a flow's second datagram only when the backend
# answered the first, as QUIC and most handshakes do; the data path counts
# per backend the UDP flows that got a second packet. be1's server is
# SIGSTOPped: its flows get no second packet, and outlier detection ejects
# it within about two windows (1 s each), while the active check (type none)
# sees nothing. Before the stop nothing is ejected.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
for b in be1 be2 be3; do
	xt_bg in_ns "$b" "$XT_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 5353))  # the VIP: answers come from it (direct server return)
while True:
    d, peer = s.recvfrom(2048)
    if d == b"first":
        s.sendto(sys.argv[1].encode(), peer)
' "$b" "$XT_VIP"
	[ "$b" = be1 ] && srv1=$XT_BG_PID
done
cat >"$XT_CONF" <<EOC
services:
  - name: udp
    vip: $XT_VIP
    port: 5353
    protocol: udp
    health_check: {type: none}
    outlier_detection: {window_ms: 1000, min_flows: 10, udp_unanswered_pct: 50, base_ejection_ms: 30000}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
EOC
lbd_start
trap 'rc=$?; kill -CONT "$srv1" 2>/dev/null; (exit $rc); xt_cleanup' EXIT
xt_bg in_ns cli "$XT_PY" "$XT_TOP/tests/integration/udpflows.py" "$XT_VIP" 5353 150 9 --wait 0.5 >"$XT_WORK/udp.json"
cli=$XT_BG_PID
sleep 4
grep -q 'outlier: service "udp"' "$XT_WORK/lbd.log" && fail "ejected while every backend answers: $(grep outlier: "$XT_WORK/lbd.log")"
info "SIGSTOP be1's UDP server (pid $srv1)"
kill -STOP "$srv1"
t_stop=$(date +%s.%N)
wait_for 5 grep -q 'outlier: service "udp": backend 10.0.0.11 ejected' "$XT_WORK/lbd.log" ||
	fail "be1 not ejected within 5 s: $(lbctl --json health udp)"
dt=$(awk -v a="$t_stop" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
info "ejected ${dt}s after SIGSTOP: $(grep 'backend 10.0.0.11 ejected' "$XT_WORK/lbd.log" | tail -1 | sed 's/.*outlier: //')"
lbctl health udp
lbctl --json health udp | qgrep '"reason": "unanswered UDP flows"' || fail "no reason shown"
grep -q 'outlier: service "udp": backend 10.0.0.1[23] ejected' "$XT_WORK/lbd.log" && fail "a healthy backend was ejected"
kill -CONT "$srv1"
wait "$cli" || true
info "clients: $(cat "$XT_WORK/udp.json")"
pass "a UDP backend whose flows get no second packet is ejected ${dt}s after it stops answering"
