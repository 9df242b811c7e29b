#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbctl capture: a known sequence of frames, sent from the client with an
# AF_PACKET socket, reads back from the pcap file with tcpdump byte for byte;
# -w - pipes into tcpdump -r -, with --tx the frames as sent (new MACs); under
# a flood the per-CPU rate bound holds, counts what it left out, and the data
# path forwards every packet; a session nobody reads ends by itself.
source "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || skip "tcpdump not installed (tools/deps.sh)"
xt_setup --backends 2
cat >"$XT_CONF" <<CONF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
  - name: sink
    vip: $XT_VIP
    port: 9
    protocol: udp
    backends:
      - address: 10.0.0.11
CONF
lbd_start
CLI_IF=$XT_NAME-cli
LB_MAC=$(in_ns lb ip -o link show dev "$XT_LB_IF" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
[ -n "$LB_MAC" ] || fail "no MAC of $XT_LB_IF"
rawsend() { in_ns cli "$XT_PY" "$XT_TOP/tests/integration/rawsend.py" "$CLI_IF" "$LB_MAC" 10.0.0.100 "$XT_VIP" "$@"; }
started() { grep -q "capturing on" "$1"; }
hexdump_of() { tcpdump -nn -t -xx -r "$1" 2>/dev/null; }

info "usage errors"
lbctl capture --service web >/dev/null 2>&1 && fail "capture without -w accepted"
lbctl capture --backend 10.0.0.11 -w /dev/null >/dev/null 2>&1 && fail "--backend without --service accepted"
lbctl capture --snaplen 0 -w /dev/null >/dev/null 2>&1 && fail "snaplen 0 accepted"
out=$(lbctl capture --service nope -w "$XT_WORK/x.pcap" 2>&1) && fail "unknown service accepted"
echo "$out" | qgrep 'no service' || fail "unknown service: $out"
out=$(lbctl capture --reason drop_everything -w "$XT_WORK/x.pcap" 2>&1) && fail "unknown reason accepted"

info "a known sequence: 6 frames, with payloads, read back with tcpdump"
"$XT_LBCTL" -s "$XT_SOCK" capture --service web --count 6 -w "$XT_WORK/cap.pcap" 2>"$XT_WORK/cap.err" &
CPID=$!
XT_BG_PIDS+=("$CPID")
wait_for 5 started "$XT_WORK/cap.err" || fail "capture did not start: $(cat "$XT_WORK/cap.err")"
rawsend 80 --count 6 --payload 100 --ref "$XT_WORK/ref.pcap" >/dev/null
for _ in $(seq 50); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$CPID" 2>/dev/null && fail "capture did not end after 6 packets"
wait "$CPID" || fail "lbctl capture failed: $(cat "$XT_WORK/cap.err")"
cat "$XT_WORK/cap.err"
hexdump_of "$XT_WORK/ref.pcap" >"$XT_WORK/ref.txt"
hexdump_of "$XT_WORK/cap.pcap" >"$XT_WORK/cap.txt"
[ "$(grep -c '^IP' "$XT_WORK/cap.txt")" -eq 6 ] || fail "tcpdump read $(grep -c '^IP' "$XT_WORK/cap.txt") packets, want 6"
diff "$XT_WORK/ref.txt" "$XT_WORK/cap.txt" || fail "captured frames differ from the frames sent"
cmp <(tail -c +25 "$XT_WORK/ref.pcap" | wc -c) <(tail -c +25 "$XT_WORK/cap.pcap" | wc -c) >/dev/null ||
	info "(record headers differ in size only by design: nanosecond file)"
info "6 frames identical byte for byte ($(wc -l <"$XT_WORK/cap.txt") dump lines)"

info "-w - into tcpdump -r -, with --tx: each frame as received and as sent"
lbctl capture --service web --tx --count 4 -w - 2>"$XT_WORK/pipe.err" |
	tcpdump -nn -e -r - >"$XT_WORK/pipe.txt" 2>/dev/null &
PPID2=$!
wait_for 5 started "$XT_WORK/pipe.err" || fail "piped capture did not start"
rawsend 80 --count 2 --sport0 43000 >/dev/null
for _ in $(seq 50); do kill -0 "$PPID2" 2>/dev/null || break; sleep 0.1; done
wait "$PPID2" || fail "lbctl capture | tcpdump failed: $(cat "$XT_WORK/pipe.err")"
cat "$XT_WORK/pipe.txt"
assert_eq "$(wc -l <"$XT_WORK/pipe.txt")" 4 "records through the pipe"
assert_eq "$(grep -c "> $LB_MAC" "$XT_WORK/pipe.txt")" 2 "frames as received (to the balancer's MAC)"
assert_eq "$(grep -c "$LB_MAC > 02:00:00:00:00:0[bc]" "$XT_WORK/pipe.txt")" 2 "frames as sent (to a backend's MAC)"

info "flood: 40000 UDP frames, capture bound 200/s per CPU after a burst of 20"
before=$(lbctl --json stats | jget "[s for s in d['services'] if s['name']=='sink'][0]['packets']")
t0=$(date +%s.%N)
"$XT_LBCTL" -s "$XT_SOCK" --json capture --service sink --rate 200 --burst 20 -w "$XT_WORK/flood.pcap" 2>"$XT_WORK/flood.err" &
CPID=$!
XT_BG_PIDS+=("$CPID")
wait_for 5 started "$XT_WORK/flood.err" || fail "flood capture did not start"
sent=$(rawsend 9 --proto udp --count 64 --payload 18 --total 40000)
sleep 0.3
kill -INT "$CPID"
wait "$CPID" || fail "flood capture failed: $(cat "$XT_WORK/flood.err")"
t1=$(date +%s.%N)
after=$(lbctl --json stats | jget "[s for s in d['services'] if s['name']=='sink'][0]['packets']")
res=$(tail -n 1 "$XT_WORK/flood.err")
info "sent $sent; capture: $res"
fwd=$((after - before))
matched=$(echo "$res" | jget "d['counters']['matched']")
captured=$(echo "$res" | jget "d['counters']['captured']")
bounded=$(echo "$res" | jget "d['counters']['bounded']")
written=$(echo "$res" | jget "d['written']")
ncpu=$(nproc)
limit=$("$XT_PY" -c "print(int($ncpu * (20 + 200 * ($t1 - $t0)) + $ncpu))")
info "forwarded $fwd, matched $matched, captured $captured (bound $limit over $("$XT_PY" -c "print(round($t1 - $t0, 2))") s), not captured $bounded, written $written"
assert_eq "$matched" "$fwd" "every forwarded packet went through the capture's filter"
assert_ge "$fwd" $((sent * 9 / 10)) "packets of the flood forwarded (AF_PACKET/veth may drop a few)"
assert_ge "$limit" "$captured" "records within the rate bound"
assert_ge "$bounded" $((fwd - limit)) "packets over the bound counted"
assert_eq "$((captured + bounded))" "$matched" "captured + not captured = matched"
assert_eq "$written" "$captured" "records in the file"
[ "$(tcpdump -nn -r "$XT_WORK/flood.pcap" 2>/dev/null | wc -l)" -eq "$written" ] || fail "tcpdump count of the flood file"

info "a session nobody reads ends by itself"
"$XT_LBCTL" -s "$XT_SOCK" capture --service web -w "$XT_WORK/k.pcap" 2>"$XT_WORK/k.err" &
KPID=$!
wait_for 5 started "$XT_WORK/k.err" || fail "capture did not start"
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null || true
out=$(lbctl capture --service web -w "$XT_WORK/k2.pcap" 2>&1) && fail "second capture started while one runs"
echo "$out" | qgrep 'a capture is running' || fail "second capture: $out"
expired() { lbctl events | qgrep 'no reader for 5 s'; }
wait_for 10 expired || fail "abandoned capture did not end"
lbctl events | grep capture
pass "capture: bytes identical, pipe into tcpdump, rate bound under flood, abandoned session ended"
