#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A nasty config does not stall lbd (docs/config.md "Limits"): files nested
# thousands of levels deep (libyaml's work grows with the square of the
# nesting) and a plan that makes lbd build the largest lookup tables go
# through `lbctl plan` (viewer role) again and again, while lbctl status
# must keep answering within a second and the health probes keep their
# schedule. The nested file is refused with file:line, and `lbctl reload`
# of a big valid file reports its outcome.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2

cat >"$XT_CONF" <<EOF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check:
      type: tcp
      interval_ms: 200
      timeout_ms: 100
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
EOF
lbd_start

NEST=$XT_WORK/nested.yaml   # 62 KB: [[[[...]]]] after a valid first line
BIG=$XT_WORK/tables.yaml    # within 64 KiB: services with the largest table size
"$XT_PY" - "$NEST" "$BIG" "$XT_VIP" <<'EOF'
import sys
nest, big, vip = sys.argv[1:4]
d = 31000
open(nest, "w").write("# a nested file\nservices: " + "[" * d + "]" * d + "\n")
s = ["services:"]
for i in range(200):
    s += ["  - name: s%d" % i, "    vip: %s" % vip, "    port: %d" % (1000 + i),
          "    table_size: 1048573", "    backends:", "      - address: 10.0.0.11",
          "      - address: 10.0.0.12"]
open(big, "w").write("\n".join(s) + "\n")
EOF
info "files: $(stat -c '%n %s bytes' "$NEST" "$BIG" | tr '\n' ' ')"

info "the nested file is refused at its line, quickly"
t=$(date +%s.%N)
out=$(lbctl plan "$NEST" 2>&1) && fail "plan of the nested file succeeded: $out"
took=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
info "lbctl plan: $out ($took s)"
echo "$out" | qgrep "nested.yaml:2: nested deeper than 32 levels" ||
	fail "no file:line and limit in: $out"
assert_ge 1 "$(awk -v t="$took" 'BEGIN {print (t < 1) ? 1 : 2}')" "plan of the nested file took < 1 s"

probes_before=$(lbctl --json health | jget "d['probes']")

hammer() { # hammer FILE: lbctl plan FILE, again and again, until the stop file
	while [ ! -e "$XT_WORK/stop" ]; do lbctl plan "$1" >/dev/null 2>&1 || true; done
}
for f in "$NEST" "$BIG"; do
	info "lbctl plan $(basename "$f"), over and over: status answers within 1 s"
	rm -f "$XT_WORK/stop"
	xt_bg hammer "$f"
	hp=$XT_BG_PID
	worst=0
	for _ in $(seq 15); do
		t=$(date +%s.%N)
		timeout 5 "$XT_LBCTL" -s "$XT_SOCK" status >/dev/null || fail "status failed under plan load"
		took=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
		worst=$(awk -v a="$worst" -v b="$took" 'BEGIN {print (b > a) ? b : a}')
		sleep 0.2
	done
	touch "$XT_WORK/stop"
	wait "$hp" || true
	info "slowest lbctl status while planning $(basename "$f"): $worst s"
	awk -v w="$worst" 'BEGIN {exit !(w < 1)}' || fail "lbctl status took $worst s under plan load"
done

info "probes kept their schedule"
h=$(lbctl --json health)
late=$(echo "$h" | jget "d['lateness_max_ms']")
probes=$(echo "$h" | jget "d['probes']")
info "probes: $probes_before -> $probes, latest start $late ms behind schedule"
assert_ge "$probes" $((probes_before + 20)) "probes ran meanwhile"
awk -v l="$late" 'BEGIN {exit !(l < 1000)}' || fail "a probe started $late ms late"

info "a reload of a big valid file reports its outcome"
cp "$BIG" "$XT_CONF"
t=$(date +%s.%N)
out=$(lbctl reload 2>&1) || fail "lbctl reload: $out"
took=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
info "lbctl reload ($took s): $out"
assert_eq "$(lbctl --json status | jget "d['services']")" 200 "services after the reload"
lbd_alive || fail "lbd died"
pass "nested and heavy configs are refused or served without stalling lbd"
