#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# SYN cookies (#24, docs/filtering.md) end to end, dsr-l2: the backends run
# synck.bpf.o at tc ingress (tools/decap-install --syn-cookie-secret, the
# balancer's syn_cookie_secret), so their kernels complete the handshakes the
# balancer answered with a cookie. A spoofed SYN flood (tools/pktgen, random
# sources) hits the VIP while a legitimate client loops over real HTTP,
# twice: syn_cookies: off (the baseline), then on (config reload). With on:
#  - the legitimate client's success rate is >= 99.9%;
#  - the connection table gains no entry from the flood (at most one per
#    legitimate request), and the backends see none of its SYNs (nft counters
#    in their namespaces);
#  - the flood is answered as tx_syncookie; the backends' tc program made
#    the legitimate connections (sc_assigned);
#  - syn_cookies: auto switches on under the flood and off after it (first,
#    while the connection table is nearly empty: its fill counts too);
#  - IPv6 (a second service, web6) gets cookies and completes handshakes;
#  - a client that uses a source port again while the backend holds the old
#    connection in TIME-WAIT gets through (the tc program ends the TIME-WAIT);
#  - a rotated secret (reload with a new syn_cookie_secret, decap-install with
#    the new one) keeps working.
source "$(dirname "$0")/lib.sh"

PG=$XT_TOP/build/tools/pktgen
DECAP=$XT_TOP/tools/decap-install
[ -x "$PG" ] || skip "build/tools/pktgen not built"
[ -f "$XT_TOP/build/bpf/synck.bpf.o" ] || skip "build/bpf/synck.bpf.o not built"
command -v jq >/dev/null || skip "jq missing (tools/decap-install)"
command -v nft >/dev/null || skip "nft missing"
bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -c "FUNC 'bpf_sk_assign_tcp_reqsk'" >/dev/null ||
	skip "kernel $(uname -r) lacks bpf_sk_assign_tcp_reqsk"
FLOOD_S=${FLOOD_S:-4} FLOOD_PPS=${FLOOD_PPS:-40000}
SECRET1=00112233445566778899aabbccddeeff
SECRET2=ffeeddccbbaa99887766554433221100
NBE=2

xt_setup --backends "$NBE"
conf() { # conf MODE SECRET
	{
		echo "syn_cookie_secret: \"$2\""
		echo "services:"
		echo "  - name: web"
		echo "    vip: $XT_VIP"
		echo "    port: 80"
		echo "    syn_cookies: $1"
		echo "    backends:"
		for i in $(seq "$NBE"); do echo "      - address: 10.0.0.$((10 + i))"; done
		echo "  - name: web6"
		echo "    vip: $XT_VIP6"
		echo "    port: 80"
		echo "    syn_cookies: $1"
		echo "    backends:"
		for i in $(seq "$NBE"); do echo "      - address: fd00::$((10 + i))"; done
	} >"$XT_CONF"
}
conf off "$SECRET1"
for i in $(seq "$NBE"); do
	info "be$i: $(in_ns "be$i" "$DECAP" "$XT_NAME-be$i" --syn-cookie-secret "$SECRET1" | tr '\n' ' ')"
	# SYNs from the flood's sources that reach this backend.
	in_ns "be$i" nft -f - <<-'NFT'
		table inet xsc {
			counter flood_syn {}
			chain pre {
				type filter hook prerouting priority -300;
				ip saddr 198.18.0.0/15 tcp flags & (syn | ack) == syn counter name flood_syn
			}
		}
	NFT
done
lbd_start
in_ns sw ethtool -K "$XT_NAME-clip" gro on >/dev/null
LB_MAC=$(in_ns lb ip -j link show dev "$XT_LB_IF" | jget "d[0]['address']")
# The flood's own source MAC: the SYN-ACKs to its spoofed sources go back to
# it (as they would go to a router), and the client's stack, which shares the
# lab's two cores with everything else, drops them at L2 instead of routing.
FLOOD_MAC=02:00:5e:00:53:01

be_syns() { # flood SYNs seen by all backends
	local i n=0 c
	for i in $(seq "$NBE"); do
		c=$(in_ns "be$i" nft -j list counter inet xsc flood_syn | jget "[x['counter']['packets'] for x in d['nftables'] if 'counter' in x][0]")
		n=$((n + c))
	done
	echo "$n"
}
be_stat() { # be_stat NAME: a counter of the backends' tc program, summed
	local i n=0 c
	for i in $(seq "$NBE"); do
		c=$(in_ns "be$i" "$DECAP" "$XT_NAME-be$i" --stats | awk -v k="$1" '$1 == k {print $2}')
		n=$((n + ${c:-0}))
	done
	echo "$n"
}
flows() { "$XT_PY" "$XT_TOP/tests/integration/mapcount.py" "$XT_PIN_DIR/xlb_flows_v3" 40; }
gstat() { lbctl --json stats | jget "d['global']['$1']"; }

info "warm-up: the client reaches the VIP (cookies off)"
r=$(httpc burst "$XT_VIP" 5)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "warm-up requests"

flood() { # flood TAG SRC_RANGE: sets sent req err rate dflows bsyn sent_ck bad assigned
	local pid pg legit f0 b0 s0 a0
	f0=$(flows) b0=$(be_syns) s0=$(gstat tx_syncookie) a0=$(be_stat sc_assigned)
	info "$1: ${FLOOD_PPS} spoofed SYN/s for ${FLOOD_S}s from $2 while the client loops"
	httpc loop "$XT_VIP" $((FLOOD_S + 1)) --interval 0.02 --timeout 5 >"$XT_WORK/legit.json" &
	pid=$!
	XT_BG_PIDS+=("$pid")
	pg=$("$PG" --netns "/run/netns/$XT_NAME-cli" --iface "$XT_NAME-cli" --dst-mac "$LB_MAC" \
		--src-mac "$FLOOD_MAC" --src "$2" --dst "$XT_VIP" --dport 80 --sport 1024-65535 --proto syn \
		--flows 1000000 --rate "$FLOOD_PPS" --duration "$FLOOD_S" -q 2>"$XT_WORK/pg.err")
	cat "$XT_WORK/pg.err" >&2
	pg_engine=$(sed -n 's/.*pktgen: engine \([a-z]*\).*/\1/p' "$XT_WORK/pg.err" | head -n 1)
	wait "$pid"
	sent=$(echo "$pg" | awk '/^total:/ {print $2}')
	legit=$(cat "$XT_WORK/legit.json")
	req=$(echo "$legit" | jget "d['requests']")
	err=$(echo "$legit" | jget "d['errors']")
	rate=$(awk -v r="$req" -v e="$err" 'BEGIN {printf "%.2f", r ? 100 * (r - e) / r : 0}')
	dflows=$(($(flows) - f0))
	bsyn=$(($(be_syns) - b0))
	sent_ck=$(($(gstat tx_syncookie) - s0))
	assigned=$(($(be_stat sc_assigned) - a0))
	info "$1: pktgen sent $sent; legitimate $rate% ($((req - err))/$req, samples: $(echo "$legit" | jget "d['error_samples']"))"
	info "$1: connection table +$dflows entries; flood SYNs at the backends: $bsyn; tx_syncookie +$sent_ck; handshakes made by the backends' tc program: $assigned"
	assert_ge "$sent" $((FLOOD_PPS * FLOOD_S / 4)) "$1: SYNs sent by pktgen"
}

info "syn_cookies: auto (reload): off while quiet, on under the flood, off again after it"
conf auto "$SECRET1"
lbctl reload >/dev/null
sleep 2
lbctl service show web | grep -q "syn cookies: *auto (off)" || fail "auto: not off while quiet"
s0=$(gstat tx_syncookie)
"$PG" --netns "/run/netns/$XT_NAME-cli" --iface "$XT_NAME-cli" --dst-mac "$LB_MAC" \
	--src-mac "$FLOOD_MAC" --src 198.18.8.0-198.18.11.255 --dst "$XT_VIP" --dport 80 --sport 1024-65535 --proto syn \
	--flows 1000000 --rate "$FLOOD_PPS" --duration 8 -q >/dev/null &
pgpid=$!
XT_BG_PIDS+=("$pgpid")
wait_for 8 sh -c "'$XT_LBCTL' -s '$XT_SOCK' service show web | grep -q 'syn cookies: *auto (on)'" ||
	fail "auto: not on under a $FLOOD_PPS SYN/s flood"
wait "$pgpid"
assert_ge "$(($(gstat tx_syncookie) - s0))" 1 "auto: SYNs answered with cookies during the flood"
wait_for 12 sh -c "'$XT_LBCTL' -s '$XT_SOCK' service show web | grep -q 'syn cookies: *auto (off)'" ||
	fail "auto: not off again after the flood"
lbctl --json events | grep -q "syn_cookies auto: on" || fail "auto: no event for the switch"
info "auto: $(($(gstat tx_syncookie) - s0)) SYNs answered with cookies; switched on and off again (events)"
conf off "$SECRET1"
lbctl reload >/dev/null

flood "cookies off" 198.18.0.0-198.18.3.255
off_rate=$rate off_flows=$dflows off_bsyn=$bsyn off_req=$req off_err=$err
assert_eq "$sent_ck" 0 "cookies off: tx_syncookie"

info "syn_cookies: on (reload)"
conf on "$SECRET1"
lbctl reload >/dev/null
lbctl service show web | grep -q "syn cookies: *on" || fail "lbctl service show does not say syn cookies on"
r=$(httpc burst "$XT_VIP" 5)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests with cookies on, no flood"

# The server closes first, so the backend keeps each connection in TIME-WAIT;
# a client (Linux does) may use the same source port again at once. The
# backend never sees the new SYN that would end the TIME-WAIT: its tc
# program must, or the handshake's ACK is swallowed and the client hangs.
s0=$(gstat tx_syncookie) a0=$(be_stat sc_assigned)
r=$(httpc burst "$XT_VIP6" 5)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "IPv6 requests with cookies on"
assert_ge "$(($(gstat tx_syncookie) - s0))" 5 "IPv6: SYNs answered with cookies"
assert_ge "$(($(be_stat sc_assigned) - a0))" 5 "IPv6: handshakes completed by the backends' tc program"

info "cookies on: one source port used 3 times in a row (the backend's TIME-WAIT)"
tw0=$(be_stat sc_timewait)
r=$(http_get_from "$XT_VIP" 22000 22000 22000)
case "$r" in *error* | "") fail "cookies on, a source port used again: '$r'" ;; esac
assert_eq "$(echo "$r" | wc -w)" 3 "connections from source port 22000 ($r)"
assert_ge "$(($(be_stat sc_timewait) - tw0))" 2 "TIME-WAIT ended by the backends' tc program (sc_timewait)"

flood "cookies on" 198.18.4.0-198.18.7.255
assert_ge "$req" 50 "legitimate requests during the flood"
assert_ge "$(((req - err) * 1000))" $((req * 999)) "legitimate success rate >= 99.9%"
assert_ge "$req" "$dflows" "connection table: at most one entry per legitimate request"
assert_eq "$bsyn" 0 "flood SYNs at the backends"
# Live frames reach the balancer at the full rate. The socket engines (a
# host that refuses live frames) share the 2 cores with the SYN-ACKs coming
# back, and most of their frames never reach the balancer: there, at least
# a tenth (what did arrive was answered: the table and the backends above
# saw none of it).
if [ "$pg_engine" = live ]; then
	assert_ge "$sent_ck" $((sent / 2)) "most of the flood answered with cookies (tx_syncookie)"
else
	info "pktgen engine $pg_engine: $sent_ck of $sent flood SYNs reached the balancer and were answered"
	assert_ge "$sent_ck" $((sent / 10)) "flood SYNs answered with cookies (tx_syncookie, engine $pg_engine)"
fi
assert_ge "$assigned" $((req - err)) "legitimate handshakes completed by the backends' tc program"

info "rotation: a new secret on the balancer (reload) and on the backends"
for i in $(seq "$NBE"); do
	in_ns "be$i" "$DECAP" "$XT_NAME-be$i" --syn-cookie-secret "$SECRET2" >/dev/null
done
conf on "$SECRET2"
lbctl reload >/dev/null
r=$(httpc burst "$XT_VIP" 10)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests right after the rotation"

info "comparison: off: legitimate $off_rate% ($((off_req - off_err))/$off_req), table +$off_flows, flood SYNs at backends $off_bsyn; on: legitimate $rate% ($((req - err))/$req), table +$dflows, flood SYNs at backends $bsyn"
pass "syn cookies: legitimate $rate% under a $FLOOD_PPS SYN/s flood (off: $off_rate%), table +$dflows (off: +$off_flows), backend flood SYNs $bsyn (off: $off_bsyn)"
