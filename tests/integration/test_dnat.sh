#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# forwarding: nat (#19): destination NAT only. The backends have no VIP and
# serve on 8080; their route to the client goes via the balancer (a host
# route here: the lab's client shares their segment), so the replies cross
# it and are translated back to VIP:80 in XDP. The backends see the
# client's own address.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2

info "backends: VIP removed from lo, a server on 8080, the client via the balancer"
for b in be1 be2; do
	in_ns "$b" ip addr del "$XT_VIP/32" dev lo
	in_ns "$b" ip route add 10.0.0.100/32 via 10.0.0.2
	xt_bg in_ns "$b" "$XT_PY" "$XT_TOP/tools/lab-httpd.py" "$b" 8080
done
for b in be1 be2; do
	wait_for 10 in_ns "$b" sh -c "ss -Hltn 'sport = :8080' | grep -q LISTEN" ||
		fail "$b: no server on 8080"
done

cat >"$XT_CONF" <<CONF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    forwarding: nat
    health_check:
      type: none
    backends:
      - address: 10.0.0.11
        port: 8080
      - address: 10.0.0.12
        port: 8080
CONF
lbd_start

info "30 requests, one connection each"
r=$(httpc burst "$XT_VIP" 30 --timeout 3)
info "burst: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests"
assert_ge "$(counts_of "$r" be1)" 1 "requests served by be1"
assert_ge "$(counts_of "$r" be2)" 1 "requests served by be2"

info "a keep-alive connection: the backend sees the client's address"
xt_bg httpc keepalive "$XT_VIP" 3 --interval 0.1 --timeout 2 \
	--first-file "$XT_WORK/first" >"$XT_WORK/ka.json"
ka_pid=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/first" || fail "keep-alive client got no answer"
peers=$(for b in be1 be2; do in_ns "$b" ss -Htn state established '( sport = :8080 )'; done |
	awk '{print $4}' | sed 's/:[0-9]*$//; s/^\[::ffff://; s/\]$//' | sort -u | tr '\n' ' ')
info "backends' peers: $peers"
[ "$peers" = "10.0.0.100 " ] || fail "backends saw peers '$peers', expected the client 10.0.0.100"
ka_done "$ka_pid" "$XT_WORK/ka.json" "keep-alive"

s=$(lbctl --json stats)
assert_ge "$(echo "$s" | jget "d['global']['fwd_nat_reply']")" 60 "lbctl stats: fwd_nat_reply"
assert_ge "$(echo "$s" | jget "d['nat']['entries']")" 31 "lbctl stats: nat entries"
pass "nat: backends on 8080 behind the balancer served every request, seeing the client"
