#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbd --max-backends: the backend capacity at load time instead of a rebuild.
# A config with 5000 backends (over the build's 4096) is refused by the
# validator without the option, accepted with --max-backends 8192, and the
# maps indexed by backend id are that large; a restart without the option
# keeps the pinned capacity; a restart asking for another one is refused
# (exit 1, the running data path untouched) with a message naming the fix,
# `lbd --detach`, after which the new capacity is taken.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
big=$XT_WORK/big.yaml
"$XT_PY" - "$XT_VIP" >"$big" <<'PY'
import sys
vip = sys.argv[1]
print("services:")
print("  - name: web\n    vip: %s\n    port: 80\n    health_check: {type: none}\n    backends:" % vip)
for i in range(1, 4):
    print("      - address: 10.0.0.1%d" % i)
print("  - name: many\n    vip: %s\n    port: 81\n    health_check: {type: none}\n    backends:" % vip)
for i in range(4997):
    print("      - address: 10.%d.%d.%d" % (64 + i // 65536, i // 256 % 256, i % 256))
PY
out=$("$XT_LBD" --config "$big" --check-config 2>&1) && fail "5000 backends accepted at the build's 4096"
echo "$out" | qgrep "too many backends (at most 4096" || fail "unexpected refusal: $out"
"$XT_LBD" --config "$big" --check-config --max-backends 8192 >/dev/null || fail "5000 backends refused with --max-backends 8192"

cp "$big" "$XT_CONF"
lbd_start --max-backends 8192
be_max() { lbctl --json status | jget "d['maps']['backends']['max']"; }
map_max() { bpftool -j map show pinned "$XT_PIN_DIR/$1" | jget "d['max_entries']"; }
assert_eq "$(be_max)" 8192 "backend capacity in lbctl status"
for m in xlb_bends_v1 xlb_best_v2 xlb_conns_v1 xlb_nhc_v1; do
	assert_eq "$(map_max $m)" 8192 "max_entries of $m"
done
assert_eq "$(lbctl --json status | jget "d['maps']['backends']['used']")" 5000 "backends in use"
r=$(httpc burst "$XT_VIP" 30)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests to the small service"

info "restart without --max-backends: the pinned capacity stays"
lbd_stop TERM
lbd_start
assert_eq "$(be_max)" 8192 "backend capacity after a restart without the option"

info "restart asking for another capacity: refused, the data path keeps running"
lbd_stop TERM
rc=0
out=$(nsenter --net="/run/netns/$XT_NAME-lb" "$XT_LBD" --config "$XT_CONF" --iface "$XT_LB_IF" \
	--pin-dir "$XT_PIN_DIR" --socket "$XT_SOCK" --state "$XT_WORK/lbd.state" \
	--max-backends 16384 </dev/null 2>&1) || rc=$?
[ "$rc" -ne 0 ] || fail "a capacity change was accepted over pinned maps"
echo "$out" | qgrep -- "--detach" || fail "the refusal does not name the fix: $out"
assert_eq "$(map_max xlb_bends_v1)" 8192 "pinned backends map after the refusal"
r=$(httpc burst "$XT_VIP" 30)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests while no lbd runs (the data path goes on)"

info "lbd --detach, then the new capacity"
nsenter --net="/run/netns/$XT_NAME-lb" "$XT_LBD" --detach --iface "$XT_LB_IF" \
	--pin-dir "$XT_PIN_DIR" >/dev/null 2>&1 || fail "lbd --detach"
lbd_start --max-backends 16384
assert_eq "$(be_max)" 16384 "backend capacity after detach and start"
assert_eq "$(map_max xlb_best_v2)" 16384 "max_entries of xlb_best_v2 after detach and start"
r=$(httpc burst "$XT_VIP" 30)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests after the capacity change"
rc=0
"$XT_LBD" --iface lo --config "$XT_CONF" --max-backends 70000 >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "exit code of --max-backends 70000"
pass "--max-backends: 5000 backends at 8192 (refused at 4096), kept over a restart, a change refused until --detach, then 16384"
