#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# forwarding: fullnat (#19), IPv4 and IPv6, with plain backends: no VIP on their loopback,
# no decapsulation, a server on another port (8080) than the VIP's (80).
# The balancer rewrites client -> VIP:80 to 10.0.0.2:sport -> backend:8080
# in XDP and the backends' replies, addressed to the balancer, back to
# VIP:80 -> client. Requests must all succeed, the backends must see only
# the balancer's address as the source, and the reverse NAT map must hold
# the flows. One arm: everything crosses the balancer's one interface.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3

info "backends: VIPs removed from lo, an HTTP server on 8080"
for b in be1 be2 be3; do
	in_ns "$b" ip addr del "$XT_VIP/32" dev lo
	in_ns "$b" ip -6 addr del "$XT_VIP6/128" dev lo
done
# be3, added at runtime below, serves on another port
for b in be1:8080 be2:8080 be3:8081; do
	xt_bg in_ns "${b%:*}" "$XT_PY" "$XT_TOP/tools/lab-httpd.py" "${b%:*}" "${b#*:}"
done
for b in be1:8080 be2:8080 be3:8081; do
	wait_for 10 in_ns "${b%:*}" sh -c "ss -Hltn 'sport = :${b#*:}' | grep -q LISTEN" ||
		fail "${b%:*}: no server on ${b#*:}"
done

cat >"$XT_CONF" <<CONF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    forwarding: fullnat
    health_check:
      type: none
    backends:
      - address: 10.0.0.11
        port: 8080
      - address: 10.0.0.12
        port: 8080
  - name: web6
    vip: $XT_VIP6
    port: 80
    forwarding: fullnat
    health_check:
      type: none
    backends:
      - address: fd00::11
        port: 8080
      - address: fd00::12
        port: 8080
  - name: dsr
    vip: $XT_VIP
    port: 81
    health_check:
      type: none
    backends:
      - address: 10.0.0.11
CONF
lbd_start

info "40 requests, one connection each"
r=$(httpc burst "$XT_VIP" 40 --timeout 3)
info "burst: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests"
assert_eq "$(echo "$r" | jget "d['requests']")" 40 "requests"
assert_ge "$(counts_of "$r" be1)" 1 "requests served by be1"
assert_ge "$(counts_of "$r" be2)" 1 "requests served by be2"

info "IPv6: 20 requests to $XT_VIP6"
r6=$(httpc burst "$XT_VIP6" 20 --timeout 3)
info "burst6: $r6"
assert_eq "$(echo "$r6" | jget "d['errors']")" 0 "failed IPv6 requests"
assert_eq "$(echo "$r6" | jget "d['requests']")" 20 "IPv6 requests"

info "a keep-alive connection: the backend sees the balancer as its peer"
xt_bg httpc keepalive "$XT_VIP" 4 --interval 0.1 --timeout 2 \
	--first-file "$XT_WORK/first" >"$XT_WORK/ka.json"
ka_pid=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/first" || fail "keep-alive client got no answer"
peers=$(for b in be1 be2; do in_ns "$b" ss -Htn state established '( sport = :8080 )'; done |
	awk '{print $4}' | sed 's/:[0-9]*$//; s/^\[::ffff://; s/\]$//' | sort -u | tr '\n' ' ')
info "backends' peers: $peers"
[ "$peers" = "10.0.0.2 " ] || fail "backends saw peers '$peers', expected only the balancer 10.0.0.2"
ka_done "$ka_pid" "$XT_WORK/ka.json" "keep-alive"
assert_ge "$(echo "$KA_R" | jget "d['requests']")" 10 "keep-alive requests"

info "reverse entries and counters"
n=$(bpftool -j map dump pinned "$XT_PIN_DIR/xlb_natrev_v1" | jget "len(d)")
assert_ge "$n" 61 "entries in xlb_natrev_v1 (60 short flows + the keep-alive one)"
n6=$(bpftool -j map dump pinned "$XT_PIN_DIR/xlb_natrev_v1" | jget "len([e for e in d if int(e['key'][37], 16) == 6])")
assert_ge "$n6" 20 "IPv6 entries in xlb_natrev_v1"
s=$(lbctl --json stats)
assert_ge "$(echo "$s" | jget "d['nat']['entries']")" 61 "lbctl stats: nat entries"
assert_ge "$(echo "$s" | jget "d['nat']['nat_new']")" 61 "lbctl stats: nat_new"
assert_ge "$(echo "$s" | jget "d['global']['fwd_nat_reply']")" 100 "lbctl stats: fwd_nat_reply"
assert_eq "$(echo "$s" | jget "d['global']['drop_nat'] + d['global']['drop_nat_ports']")" 0 \
	"NAT drops"
info "lbctl backend add --port: be3 on 8081 at runtime; refused for a DSR service"
lbctl backend add web 10.0.0.13 --port 8081
bl=$(lbctl --json backend list web)
assert_eq "$(echo "$bl" | jget "[b['port'] for b in d['backends'] if b['address'] == '10.0.0.13'][0]")" 8081 \
	"backend list: be3's target port"
assert_eq "$(echo "$bl" | jget "[b['port'] for b in d['backends'] if b['address'] == '10.0.0.11'][0]")" 8080 \
	"backend list: be1's target port"
r=$(httpc burst "$XT_VIP" 30 --timeout 3)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests with be3 added"
assert_ge "$(counts_of "$r" be3)" 1 "requests served by be3 on 8081"
out=$(lbctl backend add dsr 10.0.0.12 --port 8080 2>&1) && fail "a target port on a dsr-l2 service was accepted"
case "$out" in *"forwarding dsr-l2 delivers to the VIP's port"*) ;; *) fail "dsr refusal: $out" ;; esac
out=$(lbctl backend add web 10.0.0.14 --port 0 2>&1) && fail "--port 0 was accepted"
info "  refused: $out"

lbctl stats | grep -q "^nat: " || fail "lbctl stats: no nat line"
assert_ge "$(echo "$s" | jget "d['nat']['ports']")" 16 "SNAT ports"

info "lbd restarted under a keep-alive connection: no request fails, the flow keeps its port"
xt_bg httpc keepalive "$XT_VIP" 6 --interval 0.1 --timeout 2 \
	--first-file "$XT_WORK/first2" >"$XT_WORK/ka2.json"
ka_pid=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/first2" || fail "keep-alive client got no answer"
lbd_stop
sleep 0.5
lbd_start
ka_done "$ka_pid" "$XT_WORK/ka2.json" "keep-alive across the restart"
assert_eq "$(lbctl --json backend list web | jget "[b['port'] for b in d['backends'] if b['address'] == '10.0.0.13'][0]")" \
	8081 "be3's target port after the restart (state file)"
assert_ge "$(echo "$KA_R" | jget "d['requests']")" 30 "keep-alive requests across the restart"

info "a packet to the SNAT address that is no flow's is the kernel's: connection refused"
got=$(in_ns be1 "$XT_PY" -c '
import socket
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("10.0.0.2", 20000)); print("connected")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print(type(e).__name__)')
assert_eq "$got" refused "TCP to 10.0.0.2:20000 (in the SNAT range, no flow)"

pass "fullnat: plain backends on 8080 served every request through the balancer"
