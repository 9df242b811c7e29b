#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/pktgen end to end: two namespaces joined by a veth pair. The generator
# sends into the receiver, whose XDP sink (tools/bpf/pktsink.bpf.c) counts every
# frame and records distinct 5-tuples; then the receiver's kernel stack checks
# the checksums (UDP "no port" and TCP RSTs count only valid packets; csum
# error counters must stay 0) for IPv4/IPv6 UDP, SYN and ACK.
# All of it once per engine (live, afxdp, packet; PKTGEN_ENGINES to choose):
# an engine the host refuses (pktgen --dry-run exits 3) is skipped with the
# refusal in the log; any other failure fails. At least one engine must run.
# Then auto under build/tests/lib/refuse_live.so (LD_PRELOAD: live frames
# refused with EPERM): it must name its fallback and the refusal, and send
# exactly what it counts; --engine live under it must exit 3 (refused).
. "$(dirname "$0")/lib.sh"

PG=$XT_TOP/build/tools/pktgen
SINK=$XT_TOP/tools/pktsink.sh
GEN=xtpg$$-gen
RX=xtpg$$-rx
ERRF=$(mktemp)

[ "$(id -u)" -eq 0 ] || skip "needs root"
[ -x "$PG" ] || skip "build/tools/pktgen not built"
[ -f "$XT_TOP/build/bpf/pktsink.bpf.o" ] || skip "build/bpf/pktsink.bpf.o not built"
command -v bpftool >/dev/null || skip "bpftool missing"
command -v nstat >/dev/null || skip "nstat missing"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	ip netns del "$GEN" 2>/dev/null
	ip netns del "$RX" 2>/dev/null
	rm -f "$ERRF"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

rx() { nsenter --net="/run/netns/$RX" "$@"; }

info "namespaces $GEN, $RX"
ip netns add "$GEN"
ip netns add "$RX"
ip -n "$GEN" link add name pg0 type veth peer name pg1 netns "$RX"
ip -n "$GEN" link set pg0 up
rx ip link set lo up
rx sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
rx ip addr add 10.9.0.1/24 dev pg1
rx ip addr add fd09::1/64 dev pg1 nodad
rx ip link set pg1 up
MAC=$(rx ip -j link show dev pg1 | "$XT_PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')

pktgen() { "$PG" --netns "$GEN" --iface pg0 --dst-mac "$MAC" --engine "$ENGINE" -q "$@"; }

# ---- 1: count and flows, at full speed, into an XDP sink -----------------
count_and_flows() {
	local out before after got flows N=300000 FLOWS=1000
	"$SINK" attach "$RX" pg1
	"$SINK" track "$RX" pg1
	read -r before _ < <("$SINK" count "$RX" pg1)
	out=$(pktgen --src 10.9.0.100-10.9.0.199 --dst 10.9.0.1-10.9.0.2 --sport 1000-1009 \
		--dport 5000 --flows $FLOWS --count $N) || fail "$ENGINE: pktgen failed"
	info "$ENGINE: pktgen: $out"
	assert_eq "$(echo "$out" | awk '/^total:/ {print $2}')" "$N" "$ENGINE: pktgen's own count"
	read -r after _ < <("$SINK" count "$RX" pg1)
	got=$((after - before))
	info "$ENGINE: sink received $got of $N"
	# An idle veth path loses nothing; allow 0.1% for stray frames either way.
	assert_ge "$got" $((N - N / 1000)) "$ENGINE: packets received"
	assert_ge $((N + N / 1000)) "$got" "$ENGINE: packets received (upper bound)"
	flows=$("$SINK" flows "$RX" pg1)
	info "$ENGINE: distinct 5-tuples seen: $flows"
	assert_eq "$flows" "$FLOWS" "$ENGINE: distinct flows"
	"$SINK" detach "$RX" pg1
}

# ---- 2: checksums, through the receiver's kernel stack -------------------
M=2000
check() { # check COUNTER WANT pktgen-args..: COUNTER rises by M, no csum errors
	local counter=$1 want=$2 got before errs; shift 2
	# Absolute values (-a): nstat's delta history is per user, not per test.
	before=$(rx nstat -az "$counter" | awk -v c="$counter" '$1 == c {print $2}')
	pktgen --flows 200 --count $M --rate 50000 "$@" >/dev/null || fail "$ENGINE: pktgen $* failed"
	got=$(rx nstat -az "$counter" | awk -v c="$counter" -v b="$before" '$1 == c {print $2 - b}')
	errs=$(rx nstat -az | awk '/CsumErrors/ {s += $2} END {print s + 0}')
	info "$ENGINE: $*: $counter +$got, checksum errors $errs"
	assert_eq "$errs" 0 "$ENGINE: checksum errors ($*)"
	assert_ge "$got" "$want" "$ENGINE: $counter ($*)"
	assert_ge "$want" "$got" "$ENGINE: $counter ($*, upper bound)"
}
checksums() {
	# Without an XDP program the veth needs GRO to take live frames.
	rx ethtool -K pg1 gro on >/dev/null
	check UdpNoPorts $M --src 10.9.0.100-10.9.0.150 --dst 10.9.0.1 --sport 2000-2100
	check Udp6NoPorts $M --src fd09::100-fd09::150 --dst fd09::1 --sport 2000-2100
	check TcpOutRsts $M --proto syn --src 10.9.0.100-10.9.0.150 --dst 10.9.0.1 --dport 80-81
	check TcpOutRsts $M --proto ack --src fd09::100-fd09::150 --dst fd09::1 --size 300
	check UdpNoPorts $M --src 10.9.0.100 --dst 10.9.0.1 --size 1518 --sport 1-65535 --dport 1-65535
}

ran=() refused=()
for ENGINE in ${PKTGEN_ENGINES:-live afxdp packet}; do
	rc=0
	why=$("$PG" --netns "$GEN" --iface pg0 --dst-mac "$MAC" --dst 10.9.0.1 --engine "$ENGINE" \
		--dry-run 2>&1) || rc=$?
	case $rc in
	0) info "$ENGINE: $why" ;;
	3)
		info "$ENGINE: SKIPPED, refused by this host: $why"
		refused+=("$ENGINE")
		continue
		;;
	*) fail "$ENGINE: pktgen --dry-run failed (exit $rc): $why" ;;
	esac
	count_and_flows
	checksums
	ran+=("$ENGINE")
done
[ ${#ran[@]} -gt 0 ] || fail "no pktgen engine works on this host (refused: ${refused[*]})"
why=$("$PG" --netns "$GEN" --iface pg0 --dst-mac "$MAC" --dst 10.9.0.1 --engine auto --dry-run 2>&1) ||
	fail "pktgen --engine auto --dry-run: $why"
echo "$why" | qgrep -E "engine (live|afxdp|packet) .*auto" || fail "auto does not say which engine: $why"
info "auto: $why"

# ---- 3: auto falls back when live frames are refused --------------------
# This host may allow live frames; the shim (tests/lib/refuse_live.c) makes
# BPF_PROG_TEST_RUN with live frames fail with EPERM, as some hosts do, so
# auto must say so and send everything through the next engine.
SHIM=$XT_TOP/build/tests/lib/refuse_live.so
[ -f "$SHIM" ] || fail "build/tests/lib/refuse_live.so not built (make tests)"
N=20000
"$SINK" attach "$RX" pg1
read -r before _ < <("$SINK" count "$RX" pg1)
out=$(LD_PRELOAD=$SHIM "$PG" --engine auto --netns "$GEN" --iface pg0 --dst-mac "$MAC" -q --src 10.9.0.100-10.9.0.199 \
	--dst 10.9.0.1 --flows 100 --count $N 2>"$ERRF") ||
	fail "auto under refuse_live.so failed: $(cat "$ERRF")"
read -r after _ < <("$SINK" count "$RX" pg1)
"$SINK" detach "$RX" pg1
why=$(cat "$ERRF")
info "auto without live frames: $why; sink received $((after - before)) of $N"
echo "$why" | qgrep -E "engine (afxdp|packet) .*auto, .*live refused \(.*Operation not permitted" ||
	fail "auto does not name its fallback and the live refusal: $why"
assert_eq "$(echo "$out" | awk '/^total:/ {print $2}')" "$N" "fallback: pktgen's own count"
assert_eq "$((after - before))" "$N" "fallback: packets received"
rc=0
why=$(LD_PRELOAD=$SHIM "$PG" --netns "$GEN" --iface pg0 --dst-mac "$MAC" --dst 10.9.0.1 --engine live \
	--count 10 2>&1 >/dev/null) || rc=$?
info "live under refuse_live.so: exit $rc: $why"
assert_eq "$rc" 3 "exit status of --engine live refused"

# ---- 4: bad arguments are refused with a clear error ---------------------
if "$PG" --iface pg0 --dst-mac "$MAC" --dst 10.9.0.1 --src fd09::1 2>/dev/null; then
	fail "mixed address families accepted"
fi
if "$PG" --netns "$GEN" --iface pg0 --dst-mac "$MAC" --dst fd09::1 --size 70 --proto syn 2>/dev/null; then
	fail "a frame too small for its headers accepted"
fi
rc=0
"$PG" --netns "$GEN" --iface pg0 --dst-mac "$MAC" --dst 10.9.0.1 --engine nope 2>/dev/null || rc=$?
assert_eq "$rc" 2 "exit status of an unknown --engine"
rc=0
XLB_PKTGEN_ENGINE=nope "$PG" --netns "$GEN" --iface pg0 --dst-mac "$MAC" --dst 10.9.0.1 2>/dev/null || rc=$?
assert_eq "$rc" 2 "exit status of an unknown XLB_PKTGEN_ENGINE"
pass "pktgen engines ${ran[*]}: counts exact, 1000 flows, valid checksums (IPv4/IPv6, UDP/SYN/ACK); auto falls back when live is refused${refused[*]:+; refused by this host: ${refused[*]}}"
