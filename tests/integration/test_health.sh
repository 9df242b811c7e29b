#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Health checks drive the active set: a backend whose HTTP server stops, one
# answering HTTP 500 and one blackholed (probe timeout) leave the active set
# within interval x fall + 100 ms (measured from the fault to lbd's log line),
# get no new connections while connections to the others are unaffected, and
# return after `rise` successes; with every primary down the backup takes over
# and hands back when they recover.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 4
# A blackhole is detected by the fall-th timeout after the last good probe:
# at worst (fall - 1) x interval + timeout + jitter after the fault, so with
# the jitter below this timeout keeps the worst case (640 ms + apply) under
# the limit the issue sets, interval x fall + 100 ms.
INTERVAL=200 TIMEOUT=50 RISE=2 FALL=3
LIMIT=$((INTERVAL * FALL + 100))
cat >"$XT_CONF" <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: http, path: /, expect: "200-399", interval_ms: $INTERVAL, timeout_ms: $TIMEOUT, rise: $RISE, fall: $FALL, jitter_ms: 20}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
      - address: 10.0.0.14
        backup: true
EOC
lbd_start

now_ms() { echo $(($(date +%s%N) / 1000000)); }
log_lines() { wc -l <"$XT_WORK/lbd.log"; }
# wait_log FROM_LINE REGEX SECONDS: poll lbd's log (every 10 ms) for REGEX after line FROM_LINE
wait_log() {
	local from=$1 re=$2 t=$3 i
	for ((i = 0; i < t * 100; i++)); do
		{ tail -n +"$((from + 1))" "$XT_WORK/lbd.log" || true; } | qgrep -E "$re" && return 0
		sleep 0.01
	done
	return 1
}
blackhole() { # drop TCP to :80 in HOST's namespace (SYNs vanish: probes time out)
	in_ns "$1" nft add table inet xtblackhole
	in_ns "$1" nft add chain inet xtblackhole input '{ type filter hook input priority 0 ; }'
	in_ns "$1" nft add rule inet xtblackhole input tcp dport 80 drop
}
srv_pid() { in_ns "$1" ss -Hltnp 'sport = :80' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
be_state() { lbctl --json health web | jget "[b['state'] for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
mode() { lbctl --json health web | jget "d['services'][0]['mode']"; }
# fault NAME ADDR REASON CMD..: run CMD, measure until "backend ADDR DOWN (REASON"
fault() {
	local name=$1 addr=$2 reason=$3 from t0 dt eff; shift 3
	from=$(log_lines)
	"$@"
	t0=$(now_ms) # the fault is in place
	wait_log "$from" "backend $addr DOWN \($reason" 5 || fail "$name: $addr not marked down ($reason)"
	dt=$(($(now_ms) - t0))
	info "$name: $addr left the active set after $dt ms (limit $LIMIT ms): $(grep "backend $addr DOWN" "$XT_WORK/lbd.log" | tail -1 | sed 's/.*health: //')"
	[ "$dt" -le "$LIMIT" ] || fail "$name: detection took $dt ms > $LIMIT ms"
	# the new table is in effect right after the deciding probe result: a
	# few ms on a quiet host (the ms are logged); 100 ms is the bound that
	# a loaded 2-core host still meets (15 ms seen) and a stall would not
	eff=$(grep "backend $addr DOWN" "$XT_WORK/lbd.log" | tail -1 | sed -n 's/.*in effect \([0-9.]*\) ms after the probe result.*/\1/p')
	[ -n "$eff" ] || fail "$name: no 'in effect' time in lbd's log line"
	awk -v e="$eff" 'BEGIN { exit !(e <= 100) }' || fail "$name: in effect $eff ms after the probe result (> 100 ms)"
}
recover() {
	local name=$1 addr=$2 from t0; shift 2
	from=$(log_lines); t0=$(now_ms)
	"$@"
	wait_log "$from" "backend $addr UP .*$RISE consecutive successes" 5 || fail "$name: $addr did not come back"
	info "$name: $addr back after $(($(now_ms) - t0)) ms ($RISE successes at $INTERVAL ms)"
}
no_new_flows_to() { # no_new_flows_to BE.. : a burst reaches only the others, no errors
	local r b
	r=$(httpc burst "$XT_VIP" 60)
	assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests through the VIP ($r)"
	for b in "$@"; do
		assert_eq "$(counts_of "$r" "$b")" 0 "new connections to $b while it is down ($r)"
	done
	echo "$r"
}

wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | $XT_PY -c 'import json,sys; d=json.load(sys.stdin); print(sum(b[\"successes\"]>0 for b in d[\"services\"][0][\"backends\"]))')\" = 4 ]" ||
	fail "probes did not succeed on all backends"
lbctl health
assert_eq "$(mode)" normal "initial mode"
r=$(httpc burst "$XT_VIP" 60)
assert_eq "$(counts_of "$r" be4)" 0 "the backup gets no connection while primaries are up"

# long-lived connections that must survive faults of other backends
for i in 1 2 3 4 5 6; do
	xt_bg httpc keepalive "$XT_VIP" 30 --interval 0.1 --first-file "$XT_WORK/ka$i.first" --stop-file "$XT_WORK/ka.stop" >"$XT_WORK/ka$i.json"
done
for i in 1 2 3 4 5 6; do
	wait_for 15 test -s "$XT_WORK/ka$i.first" || fail "keep-alive client $i did not start: $(cat "$XT_WORK/ka$i.json" 2>/dev/null)"
done

info "1. stop the HTTP server of be1"
fault "server stopped" 10.0.0.11 refused kill "$(srv_pid be1)"
assert_eq "$(be_state 10.0.0.11)" down "lbctl health state of be1"
info "burst: $(no_new_flows_to be1)"
recover "server restarted" 10.0.0.11 xt_bg in_ns be1 "$XT_PY" "$XT_TOP/tools/lab-httpd.py" be1 80
assert_eq "$(be_state 10.0.0.11)" up "be1 after restart"

info "2. be2 answers HTTP 500"
fault "http 500" 10.0.0.12 "http 500" kill -USR1 "$(srv_pid be2)"
info "burst: $(no_new_flows_to be2)"
recover "http 200 again" 10.0.0.12 kill -USR2 "$(srv_pid be2)"

info "established connections to be3 during the faults of be1 and be2"
touch "$XT_WORK/ka.stop"
for i in 1 2 3 4 5 6; do
	first=$(cat "$XT_WORK/ka$i.first" 2>/dev/null || echo none)
	wait_for 5 test -s "$XT_WORK/ka$i.json" || fail "keep-alive client $i did not finish"
	res=$(cat "$XT_WORK/ka$i.json")
	info "  keep-alive client $i on $first: $(echo "$res" | jget "{k: d[k] for k in ('requests', 'errors', 'counts')}")"
	if [ "$first" = be3 ]; then # untouched by the faults so far: no error allowed
		assert_eq "$(echo "$res" | jget "d['errors']")" 0 "keep-alive connection to be3 broken by other backends' faults"
		assert_eq "$(echo "$res" | jget "d['reconnects']")" 0 "keep-alive connection to be3 reconnected"
	fi
done

info "3. be3 blackholed (nftables drop in its namespace)"
fault "blackhole" 10.0.0.13 timeout blackhole be3
info "burst: $(no_new_flows_to be3)"
recover "blackhole removed" 10.0.0.13 in_ns be3 nft delete table inet xtblackhole

info "4. every primary down: the backup takes over"
kill "$(srv_pid be1)"; kill -USR1 "$(srv_pid be2)"
blackhole be3
wait_for 5 sh -c "$XT_LBCTL -s $XT_SOCK --json health web | grep -q '\"mode\": \"backup\"'" || fail "mode did not become backup"
grep -E 'mode .* -> backup' "$XT_WORK/lbd.log" | tail -1 | sed 's/^/    /'
r=$(httpc burst "$XT_VIP" 40)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests in backup mode ($r)"
assert_eq "$(counts_of "$r" be4)" 40 "backup be4 serves every new connection ($r)"
info "backup mode: $r"
info "primaries recover: the backup hands back"
xt_bg in_ns be1 "$XT_PY" "$XT_TOP/tools/lab-httpd.py" be1 80
kill -USR2 "$(srv_pid be2)"; in_ns be3 nft delete table inet xtblackhole
wait_for 5 sh -c "$XT_LBCTL -s $XT_SOCK --json health web | grep -q '\"mode\": \"normal\"'" || fail "mode did not return to normal"
wait_for 5 sh -c "[ \"\$($XT_LBCTL -s $XT_SOCK --json health web | grep -c '\"state\": \"up\"')\" = 4 ]" || fail "not all backends up again"
r=$(httpc burst "$XT_VIP" 60)
assert_eq "$(counts_of "$r" be4)" 0 "the backup gets no new connection after hand-back ($r)"
info "after hand-back: $r"

lbctl health
info "$(grep -c 'health: .* applied' "$XT_WORK/lbd.log") active-set changes; probe result -> data path (ms): $(grep -o 'applied [0-9.]* ms' "$XT_WORK/lbd.log" | awk '{print $2}' | sort -n | tr '\n' ' ')"
pass "health checks: down within $LIMIT ms (stop, http 500, blackhole), back after rise, backup takeover and hand-back"
