#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbctl flow explain agrees with where real packets go: for flows scheduled
# through the lookup table (predicted before the SYN is sent), an established
# flow answered from the flow cache, a flow on a draining backend (and new
# flows avoiding it), a source in the global deny list and a source over its
# rate limit. Each prediction is checked against the backend that answered
# (or the drop counter that moved).
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
xt_config "$XT_CONF" 100 100 100
lbd_start
CLI=10.0.0.100

flowc() { in_ns cli "$XT_PY" "$XT_TOP/tests/integration/flowc.py" "$@"; }
explain() { lbctl --json flow explain "$@"; }
addr_of() { echo "10.0.0.$((10 + ${1#be}))"; } # be2 -> 10.0.0.12
stat_of() { lbctl --json stats | jget "d['global']['$1']"; }

info "human output and usage errors"
lbctl flow explain "$CLI:40999" "$XT_VIP:80/tcp" --syn
lbctl flow explain 10.0.0.x "$XT_VIP:80" >/dev/null 2>&1 && fail "bad source accepted"
[ $? -eq 2 ] || true
lbctl flow explain "$CLI" "$XT_VIP" >/dev/null 2>&1 && fail "VIP without a port accepted"
lbctl --json flow explain "$CLI" 10.9.9.9:80 | jget "d['action']" | qgrep -x pass ||
	fail "a non-VIP destination is not explained as pass"

info "table-scheduled flows: prediction before the SYN, then the real connection"
for sport in 41001 41002 41003 41004 41005 41006; do
	e=$(explain "$CLI:$sport" "$XT_VIP:80" --syn)
	via=$(echo "$e" | jget "d['via']")
	want=$(echo "$e" | jget "d['backend']['address']")
	assert_eq "$via" schedule "sport $sport: via"
	assert_eq "$(echo "$e" | jget "d['reason']")" fwd_tx "sport $sport: reason"
	got=$(flowc get "$XT_VIP" "$sport") || fail "sport $sport: request failed: $got"
	assert_eq "$(addr_of "$got")" "$want" "sport $sport: backend predicted (slot $(echo "$e" | jget "d['schedule']['slot']"))"
	e=$(explain "$CLI:$sport" "$XT_VIP:80")
	assert_eq "$(echo "$e" | jget "d['backend']['address']")" "$want" "sport $sport: explained again after the flow"
	case $(echo "$e" | jget "d['via']") in cache | table) ;; *) fail "sport $sport: not from the table after the flow" ;; esac
done
info "6 of 6 predictions right"

info "cached flow: a keep-alive connection sending every 50 ms"
xt_bg flowc keep "$XT_VIP" 41010 20 --first-file "$XT_WORK/k.first" --stop-file "$XT_WORK/k.stop"
KPID=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/k.first" || fail "keep-alive got no answer"
KB=$(cat "$XT_WORK/k.first")
KA=$(addr_of "$KB")
via=
for _ in $(seq 40); do
	e=$(explain "$CLI:41010" "$XT_VIP:80")
	via=$(echo "$e" | jget "d['via']")
	[ "$via" = cache ] && break
	sleep 0.05
done
assert_eq "$via" cache "keep-alive flow explained from the flow cache"
assert_eq "$(echo "$e" | jget "d['backend']['address']")" "$KA" "cached flow's backend"
lbctl flow explain "$CLI:41010" "$XT_VIP:80"

info "drain $KA: the established flow stays, new flows avoid it"
lbctl backend drain web "$KA"
sleep 0.3
e=$(explain "$CLI:41010" "$XT_VIP:80")
assert_eq "$(echo "$e" | jget "d['backend']['address']")" "$KA" "drained backend keeps the established flow"
echo "$e" | jget "d['why']" | qgrep 'drain:' || fail "no drain reason in: $(echo "$e" | jget "d['why']")"
assert_eq "$(echo "$e" | jget "d['backend']['draining']")" True "backend shown as draining"
for sport in 41011 41012 41013 41014; do
	e=$(explain "$CLI:$sport" "$XT_VIP:80" --syn)
	want=$(echo "$e" | jget "d['backend']['address']")
	[ "$want" != "$KA" ] || fail "new flow $sport explained onto the draining backend"
	got=$(flowc get "$XT_VIP" "$sport") || fail "sport $sport: request failed"
	assert_eq "$(addr_of "$got")" "$want" "sport $sport during the drain"
done
touch "$XT_WORK/k.stop"
wait "$KPID" || fail "keep-alive client failed"
lbctl backend undrain web "$KA"

info "ACL: the client in the global deny list"
lbctl acl add deny "$CLI/32"
e=$(explain "$CLI:41020" "$XT_VIP:80" --syn)
assert_eq "$(echo "$e" | jget "d['action']")/$(echo "$e" | jget "d['reason']")" drop/drop_acl_global "explained verdict"
before=$(stat_of drop_acl_global)
flowc get "$XT_VIP" 41020 --timeout 0.5 >/dev/null && fail "denied client got through"
after=$(stat_of drop_acl_global)
assert_ge "$after" $((before + 1)) "drop_acl_global after the denied SYN"
lbctl acl remove deny "$CLI/32"

info "rate limit: 1 new flow/s, burst 1"
lbctl ratelimit set --rate 1 --burst 1
ok=
for try in 1 2 3; do
	sleep 1.1 # a full bucket
	p1=$((41030 + 2 * try)) p2=$((41031 + 2 * try))
	e=$(explain "$CLI:$p1" "$XT_VIP:80" --syn)
	assert_eq "$(echo "$e" | jget "d['filters']['rate_limit']['admit']")" True "first new flow admitted"
	want=$(echo "$e" | jget "d['backend']['address']")
	before=$(stat_of drop_rate_limit)
	# the token is spent now: explain and send the next flow within the second
	t0=$(date +%s.%N)
	got=$(flowc get "$XT_VIP" "$p1") || fail "first flow under the limit failed"
	e=$(explain "$CLI:$p2" "$XT_VIP:80" --syn)
	r=0
	flowc get "$XT_VIP" "$p2" --timeout 0.4 >/dev/null || r=$?
	t1=$(date +%s.%N)
	after=$(stat_of drop_rate_limit)
	# a host too loaded to do this within the bucket's second: try again
	"$XT_PY" -c "import sys; sys.exit(0 if $t1 - $t0 < 0.9 else 1)" || { info "took too long, again"; continue; }
	[ "$r" -ne 0 ] || fail "second flow got through the limit"
	assert_eq "$(addr_of "$got")" "$want" "first flow under the limit"
	assert_eq "$(echo "$e" | jget "d['reason']")" drop_rate_limit "second new flow explained"
	assert_eq "$(echo "$e" | jget "d['filters']['rate_limit']['tokens']")" 0 "tokens left"
	assert_ge "$after" $((before + 1)) "drop_rate_limit after the refused SYN"
	ok=1
	break
done
[ -n "$ok" ] || skip "host too loaded to send two flows within a second"
lbctl flow explain "$CLI:$p2" "$XT_VIP:80" --syn
lbctl ratelimit clear

pass "explain matched 16 real flows: table, cache, drain, ACL and rate limit"
