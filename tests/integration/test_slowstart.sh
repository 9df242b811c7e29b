#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Slow start (#21): a backend added by a reload ramps from a small weight to
# its full weight over slow_start_s (10 s, steps of 1 s). New connections at
# 200/s; the measured share of the new backend per 2-second bucket must be
# within 0.10 of the share its ramp predicts (weight(t) / (100 + weight(t)),
# weight(t) = 100 * (2k+1) / 20 during step k, averaged over the bucket);
# the expected statistical noise of a bucket is about 0.03.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
conf() { # conf N: be1..N
	{
		cat <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: none}
    slow_start_s: 10
    backends:
EOC
		for i in $(seq 1 "$1"); do echo "      - address: 10.0.0.1$i"; done
	} >"$XT_CONF"
}
conf 1
lbd_start
sleep 1
out=$XT_WORK/syn.json
xt_bg in_ns cli "$XT_PY" "$XT_TOP/tests/integration/synrate.py" "$XT_VIP" 80 200 16 --timeout 3 >"$out"
gen=$XT_BG_PID
sleep 2
conf 2
info "reload: be2 joins"
kill -HUP "$XT_LBD_PID"
wait_for 3 grep -q 'slow start: service "web": backend 10.0.0.12 joins' "$XT_WORK/lbd.log" ||
	fail "be2 did not join through slow start"
sleep 3
lbctl health web
lbctl health web | qgrep "10.0.0.12: slow start, weight" || fail "lbctl health shows no ramp"
wait "$gen" || fail "synrate failed"
tj=$(grep 'slow start: service "web": backend 10.0.0.12 joins' "$XT_WORK/lbd.log" | tail -1 | cut -d' ' -f1)
"$XT_PY" - "$out" "$tj" <<'EOP' || fail "shares do not follow the ramp"
import json, sys, datetime
r = json.load(open(sys.argv[1]))
tj = datetime.datetime.strptime(sys.argv[2], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
    tzinfo=datetime.timezone.utc).timestamp() - r["t0"]
def w2(t):  # be2's weight t s after the start of the generator
    if t < tj: return 0.0
    k = int(t - tj)
    return 100.0 if k >= 10 else 100.0 * (2 * k + 1) / 20
per = r["per_s"]
bad = 0
print("join at %.2f s after the generator started" % tj)
for a in range(0, len(per) - 1, 2):
    n = sum(sum(per[s].values()) for s in (a, a + 1))
    got = sum(per[s].get("be2", 0) for s in (a, a + 1)) / n if n else 0
    xs = [a + i / 100 for i in range(200)]
    want = sum(w2(x) / (100 + w2(x)) for x in xs) / len(xs)
    ok = abs(got - want) <= 0.10
    bad += not ok
    print("%2d-%2d s: %4d flows, be2 share %.3f, ramp %.3f %s" % (a, a + 2, n, got, want, "" if ok else "<-- off"))
sys.exit(1 if bad else 0)
EOP
pass "a joining backend's share follows the slow-start ramp within 0.10"
