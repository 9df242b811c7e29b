#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A SYN flood from many sources against the VIP (tools/pktgen, valid checksums,
# 1024 source addresses in 4 /24s, other ones each run) while a legitimate client keeps making HTTP
# requests, twice: first with no rate limit, then with one set at run time
# (lbctl ratelimit set, per /24: R new flows/s, burst B; no reload). Reported
# for both: the legitimate client's success rate and the backends' new flows
# (the comparison shows the limit is what protects). With the limit:
#  - the legitimate client's success rate stays >= 99%;
#  - the backends see no more new flows than the limit allows:
#    legit requests + 4 buckets * (B + R * (T + 1 s)), T the time the flood ran
#    (without it they see more than that);
#  - the rest of the flood is counted as drop_rate_limit;
#  - lbctl acl add denies a source at run time (drop_acl_global), acl remove undoes it.
source "$(dirname "$0")/lib.sh"

PG=$XT_TOP/build/tools/pktgen
[ -x "$PG" ] || skip "build/tools/pktgen not built"
R=50 B=100 FLOOD_S=${FLOOD_S:-7} FLOOD_PPS=${FLOOD_PPS:-40000}

xt_setup --backends 2
xt_config "$XT_CONF" 100 100
lbd_start

# pktgen sends from the client's interface; its bridge port needs GRO (or an
# XDP program) for live frames to arrive (PLATFORM.md).
in_ns sw ethtool -K "$XT_NAME-clip" gro on >/dev/null
LB_MAC=$(in_ns lb ip -j link show dev "$XT_LB_IF" | jget "d[0]['address']")

info "warm-up: the client reaches the VIP"
r=$(httpc burst "$XT_VIP" 5)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "warm-up requests"

flood() { # flood TAG SRC_RANGE: sets sent, req, err, rate, new_flows, dropped, T, allowed
	local st0 st1 nf0 nf1 rl0 rl1 legit_pid t0 t1 pg legit
	st0=$(lbctl --json stats)
	nf0=$(echo "$st0" | jget "sum(b['new_flows'] for s in d['services'] for b in s['backend_list'])")
	rl0=$(echo "$st0" | jget "d['global']['drop_rate_limit']")
	info "$1: ${FLOOD_PPS} SYN/s for ${FLOOD_S}s from $2 while the client loops"
	httpc loop "$XT_VIP" $((FLOOD_S + 1)) --interval 0.05 >"$XT_WORK/legit.json" &
	legit_pid=$!
	XT_BG_PIDS+=("$legit_pid")
	t0=$(date +%s.%N)
	pg=$("$PG" --netns "/run/netns/$XT_NAME-cli" --iface "$XT_NAME-cli" --dst-mac "$LB_MAC" \
		--src "$2" --dst "$XT_VIP" --dport 80 --sport 1024-65535 --proto syn \
		--flows 1000000 --rate "$FLOOD_PPS" --duration "$FLOOD_S" -q)
	wait "$legit_pid"
	t1=$(date +%s.%N)
	info "$1: pktgen: $pg"
	sent=$(echo "$pg" | awk '/^total:/ {print $2}')
	legit=$(cat "$XT_WORK/legit.json")
	info "$1: legitimate client: $(echo "$legit" | jget "{k: d[k] for k in ('requests', 'errors', 'error_samples')}")"
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
	info "$1: sent $sent SYNs; backends got $new_flows new flows (the limit would allow $allowed over ${T}s); drop_rate_limit +$dropped"
	info "$1: legitimate success rate: $rate% ($((req - err))/$req)"
	assert_ge "$sent" $((FLOOD_PPS * FLOOD_S / 4)) "$1: SYNs sent by pktgen"
}

# Each run from its own 4 /24s: a SYN of a flow the first run left in the
# connection table is not a new flow and would not be limited.
flood "no limit" 198.18.0.0-198.18.3.255
off_rate=$rate off_flows=$new_flows off_sent=$sent off_req=$req off_err=$err
assert_eq "$dropped" 0 "no limit: drop_rate_limit"
assert_ge "$new_flows" $((allowed + 1)) "no limit: the flood reaches the backends (more new flows than the limit would allow)"

info "rate limit set at run time: $R new flows/s per /24, burst $B (no reload)"
lbctl ratelimit set --rate "$R" --burst "$B" --prefix-v4 24
lbctl ratelimit show
flood "limit on" 198.18.4.0-198.18.7.255
assert_ge "$req" 50 "legitimate requests during the flood"
assert_ge "$(((req - err) * 100))" $((req * 99)) "legitimate success rate >= 99%"
assert_ge "$allowed" "$new_flows" "new flows at the backends within the rate limit"
assert_ge "$new_flows" "$req" "every legitimate request was a new flow at a backend"
assert_ge "$dropped" $((sent / 2)) "most of the flood counted as drop_rate_limit"
info "comparison: no limit: legitimate $off_rate% ($((off_req - off_err))/$off_req), backends $off_flows new flows of $off_sent SYNs; limit on: legitimate $rate% ($((req - err))/$req), backends $new_flows new flows of $sent SYNs"

info "runtime ACL: deny the client's /24, then remove the entry"
lbctl acl add deny 10.0.0.0/24 >/dev/null
{ lbctl acl list || true; } | qgrep "10.0.0.0/24" || fail "acl list does not show the new entry"
a0=$(lbctl --json stats | jget "d['global']['drop_acl_global']")
r=$(in_ns cli curl -s -m 1 "http://$XT_VIP/" || true)
assert_eq "$r" "" "request from a denied source"
a1=$(lbctl --json stats | jget "d['global']['drop_acl_global']")
assert_ge "$a1" $((a0 + 1)) "drop_acl_global after the deny"
lbctl acl remove deny 10.0.0.0/24 >/dev/null
r=$(httpc burst "$XT_VIP" 5)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests after acl remove"
lbctl ratelimit clear >/dev/null
assert_eq "$(lbctl --json ratelimit show | jget "d['global']")" None "global rate limit after ratelimit clear"
pass "no limit: $off_flows new flows at the backends, legitimate $off_rate%; limit set at run time: $new_flows <= $allowed new flows, legitimate $rate%"
