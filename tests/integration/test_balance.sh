#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Real HTTP through the VIP reaches every backend evenly; per-backend counters
# move (IPv4 and IPv6 VIPs); traffic that is not for a VIP still passes (XDP_PASS).
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
xt_config "$XT_CONF" 100 100 100
cat >>"$XT_CONF" <<EOF6
  - name: web6
    vip: $XT_VIP6
    port: 80
    protocol: tcp
    backends:
      - address: fd00::11
      - address: fd00::12
      - address: fd00::13
EOF6
lbd_start

N=300
info "$N HTTP requests to $XT_VIP:80, a new TCP connection each"
r=$(httpc burst "$XT_VIP" "$N")
info "result: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests through the VIP"
for b in be1 be2 be3; do
	assert_ge "$(counts_of "$r" "$b")" $((N * 15 / 100)) "$b's share of $N connections (>= 15%)"
done

info "per-backend counters (lbctl --json stats)"
st=$(lbctl --json stats)
for a in 10.0.0.11 10.0.0.12 10.0.0.13; do
	row=$(echo "$st" | jget "[b for s in d['services'] for b in s['backend_list'] if b['address'] == '$a']")
	info "  $a: $row"
	assert_ge "$(echo "$row" | jget "d[0]['packets']")" 1 "packets counted for backend $a"
	assert_ge "$(echo "$row" | jget "d[0]['new_flows']")" 1 "new flows counted for backend $a"
done
total=$(echo "$st" | jget "sum(b['new_flows'] for s in d['services'] for b in s['backend_list'])")
assert_ge "$total" "$N" "new flows counted over all backends"

info "IPv6: 90 requests to [$XT_VIP6]:80"
r6=$(httpc burst "$XT_VIP6" 90)
info "result: $r6"
assert_eq "$(echo "$r6" | jget "d['errors']")" 0 "failed requests through the IPv6 VIP"
for b in be1 be2 be3; do
	assert_ge "$(counts_of "$r6" "$b")" 9 "$b's share of 90 IPv6 connections (>= 10%)"
done

info "traffic not for a VIP passes"
# Directly to a backend's own address (does not cross the balancer).
assert_eq "$(in_ns cli curl -s -m 2 http://10.0.0.11/)" be1 "client -> backend's own address"
# To the balancer itself: crosses its XDP program, which must pass it.
before=$(lbctl --json stats | jget "d['global']['pass_not_vip']")
in_ns lb "$XT_PY" "$XT_TOP/tools/lab-httpd.py" lb 8080 >/dev/null 2>&1 &
XT_BG_PIDS+=($!)
wait_for 5 in_ns cli curl -s -m 1 http://10.0.0.2:8080/ || fail "client -> balancer's own address (XDP_PASS)"
assert_eq "$(in_ns cli curl -s -m 2 http://10.0.0.2:8080/)" lb "client -> balancer's own address"
after=$(lbctl --json stats | jget "d['global']['pass_not_vip']")
assert_ge "$after" $((before + 1)) "pass_not_vip counter after non-VIP traffic to the balancer"
pass "balanced $N connections over 3 backends; counters and XDP_PASS fine"
