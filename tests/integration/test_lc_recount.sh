#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Least connections stays honest for flows that end silently: UDP flows are
# counted up by the data path and never counted down by it; lbd's periodic
# recount (--lc-idle) brings xlb_conns_v1 back to the flows really active.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
cat >"$XT_CONF" <<EOF
services:
  - name: dns
    vip: $XT_VIP
    port: 53
    protocol: udp
    scheduler: lc
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
EOF
lbd_start --lc-idle 2

# Sum of xlb_conns_v1 over the service's backends (ids from lbctl).
conns_sum() {
	local ids
	ids=$(lbctl --json backend list dns |
		jget "' '.join(str(b['id']) for b in (d['backends'] if isinstance(d, dict) else d))")
	bpftool -j map dump pinned "$XT_PIN_DIR/xlb_conns_v1" | "$XT_PY" -c '
import json, sys
ids = set(int(i) for i in sys.argv[1].split())
tot = 0
for e in json.load(sys.stdin):
    k, v = e.get("key"), e.get("value")
    if isinstance(k, list): k = int.from_bytes(bytes(int(x, 16) for x in k), "little")
    if isinstance(v, list): v = int.from_bytes(bytes(int(x, 16) for x in v), "little", signed=True)
    if int(k) in ids: tot += int(v)
print(tot)' "$ids"
}
conns_zero() { [ "$(conns_sum)" = 0 ]; }

N=200
info "$N UDP flows to $XT_VIP:53 (one datagram each, distinct source ports)"
in_ns cli "$XT_PY" -c '
import socket, sys
vip, n = sys.argv[1], int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.0.0.100", 0))
    s.sendto(b"q", (vip, 53))
    socks.append(s)
' "$XT_VIP" "$N"
c=$(conns_sum)
info "active flows counted by the data path: $c"
assert_eq "$c" "$N" "xlb_conns_v1 after $N new UDP flows"

info "waiting for lbd's recount (idle 2 s, every 5 s)"
wait_for 15 conns_zero || fail "xlb_conns_v1 still $(conns_sum) after the flows went idle"
info "after the recount: $(conns_sum)"

info "a flow that keeps sending stays counted across a recount"
xt_bg in_ns cli "$XT_PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.100", 40053))
end = time.time() + 9
while time.time() < end:
    s.sendto(b"q", (sys.argv[1], 53))
    time.sleep(0.2)
' "$XT_VIP"
sleep 7
assert_eq "$(conns_sum)" 1 "xlb_conns_v1 with one active flow"
pass "lc counts: $N silent UDP flows released by the recount, an active flow kept"
