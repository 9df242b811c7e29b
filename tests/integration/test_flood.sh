#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A SYN flood from many sources against the VIP (tools/pktgen, valid checksums,
# 1024 source addresses in 4 /24s) while a legitimate client keeps making HTTP
# requests. With rate_limit on (per /24: R new flows/s, burst B):
#  - the legitimate client's success rate stays >= 99%;
#  - the backends see no more new flows than the limit allows:
#    legit requests + 4 buckets * (B + R * (T + 1 s)), T the time the flood ran;
#  - the rest of the flood is counted as drop_rate_limit;
#  - lbctl acl add denies a source at run time (drop_acl_global), acl remove undoes it.
source "$(dirname "$0")/lib.sh"

PG=$XT_TOP/build/tools/pktgen
[ -x "$PG" ] || skip "build/tools/pktgen not built"
R=50 B=100 FLOOD_S=8 FLOOD_PPS=${FLOOD_PPS:-40000}

xt_setup --backends 2
xt_config "$XT_CONF" 100 100
cat >>"$XT_CONF" <<EOF
    rate_limit:
      new_flows_per_s: $R
      burst: $B
      prefix_v4: 24
EOF
lbd_start

# pktgen sends from the client's interface; its bridge port needs GRO (or an
# XDP program) for live frames to arrive (PLATFORM.md).
in_ns sw ethtool -K "$XT_NAME-clip" gro on >/dev/null
LB_MAC=$(in_ns lb ip -j link show dev "$XT_LB_IF" | jget "d[0]['address']")

info "warm-up: the client reaches the VIP"
r=$(httpc burst "$XT_VIP" 5)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "warm-up requests"

st0=$(lbctl --json stats)
nf0=$(echo "$st0" | jget "sum(b['new_flows'] for s in d['services'] for b in s['backend_list'])")
rl0=$(echo "$st0" | jget "d['global']['drop_rate_limit']")

info "flood: ${FLOOD_PPS} SYN/s for ${FLOOD_S}s from 198.18.0.0-198.18.3.255 while the client loops"
httpc loop "$XT_VIP" $((FLOOD_S + 1)) --interval 0.05 >"$XT_WORK/legit.json" &
legit_pid=$!
XT_BG_PIDS+=("$legit_pid")
t0=$(date +%s.%N)
pg=$("$PG" --netns "/run/netns/$XT_NAME-cli" --iface "$XT_NAME-cli" --dst-mac "$LB_MAC" \
	--src 198.18.0.0-198.18.3.255 --dst "$XT_VIP" --dport 80 --sport 1024-65535 --proto syn \
	--flows 1000000 --rate "$FLOOD_PPS" --duration "$FLOOD_S" -q)
wait "$legit_pid"
t1=$(date +%s.%N)
info "pktgen: $pg"
sent=$(echo "$pg" | awk '/^total:/ {print $2}')
legit=$(cat "$XT_WORK/legit.json")
info "legitimate client: $(echo "$legit" | jget "{k: d[k] for k in ('requests', 'errors', 'error_samples')}")"

st1=$(lbctl --json stats)
nf1=$(echo "$st1" | jget "sum(b['new_flows'] for s in d['services'] for b in s['backend_list'])")
rl1=$(echo "$st1" | jget "d['global']['drop_rate_limit']")
req=$(echo "$legit" | jget "d['requests']")
err=$(echo "$legit" | jget "d['errors']")
T=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%d", b - a + 1}')
allowed=$((req + 4 * (B + R * (T + 1))))
new_flows=$((nf1 - nf0))
dropped=$((rl1 - rl0))
rate=$(awk -v r="$req" -v e="$err" 'BEGIN {printf "%.2f", r ? 100 * (r - e) / r : 0}')
info "sent $sent SYNs; backends got $new_flows new flows (limit $allowed over ${T}s); drop_rate_limit +$dropped"
info "legitimate success rate: $rate% ($((req - err))/$req)"
assert_ge "$sent" $((FLOOD_PPS * FLOOD_S / 4)) "SYNs sent by pktgen"
assert_ge "$req" 50 "legitimate requests during the flood"
assert_ge "$(((req - err) * 100))" $((req * 99)) "legitimate success rate >= 99%"
assert_ge "$allowed" "$new_flows" "new flows at the backends within the rate limit"
assert_ge "$new_flows" "$req" "every legitimate request was a new flow at a backend"
assert_ge "$dropped" $((sent / 2)) "most of the flood counted as drop_rate_limit"

info "runtime ACL: deny the client's /24, then remove the entry"
lbctl acl add deny 10.0.0.0/24 >/dev/null
lbctl acl list | grep -q "10.0.0.0/24" || fail "acl list does not show the new entry"
a0=$(lbctl --json stats | jget "d['global']['drop_acl_global']")
r=$(in_ns cli curl -s -m 1 "http://$XT_VIP/" || true)
assert_eq "$r" "" "request from a denied source"
a1=$(lbctl --json stats | jget "d['global']['drop_acl_global']")
assert_ge "$a1" $((a0 + 1)) "drop_acl_global after the deny"
lbctl acl remove deny 10.0.0.0/24 >/dev/null
r=$(httpc burst "$XT_VIP" 5)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests after acl remove"
pass "flood held to the limit ($new_flows <= $allowed new flows), legitimate success $rate%"
