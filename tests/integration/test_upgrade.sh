#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# An upgrade that renamed maps (docs/operations.md, "Upgrading"): pins of an
# "older build" are made by hand next to the running data path -- an
# xlb_flows_v1 (LRU hash, 16-byte values) naming backends of the running
# service, an xlb_stats_v3 (per-CPU counters of the v3 reason list) and a pin
# no migration knows (xlb_svcst_v0) -- then lbd is restarted. The new lbd
# copies the flows into xlb_flows_v3 (converted: + flags 0, fwd dsr-l2), the
# counters by name into the current xlb_stats, logs what it did and what
# starts empty, and removes the old pins after the switch; a keep-alive
# connection through the VIP survives the restart, and lbd --detach leaves no
# pin behind, stale versions included. The running program's flows are moved
# into the v1 pin and xlb_flows_v3 unpinned, so the new lbd starts from an
# empty xlb_flows_v3 as after a real upgrade.
source "$(dirname "$0")/lib.sh"
command -v bpftool >/dev/null || skip "bpftool missing"
xt_setup --backends 3
xt_config "$XT_CONF" 100 100 100
lbd_start

# bytes as bpftool arguments: hexargs PYTHON-EXPR-OF-BYTES
hexargs() { "$XT_PY" -c 'import ipaddress, struct, sys; print(" ".join("0x%02x" % b for b in eval(sys.argv[1])))' "$1"; }
flowkey() { # flowkey SRC SPORT: IPv4 TCP client -> VIP:80, struct xlb_flow_key
	hexargs "ipaddress.ip_address('$1').packed + bytes(12) + ipaddress.ip_address('$XT_VIP').packed + bytes(12) + struct.pack('!HH', $2, 80) + bytes([6, 4, 0, 0])"
}
stat_of() { lbctl --json stats | jget "d['global']['$1']"; }
S=$(awk '$1 == "#define" && $2 == "XLB_STATS_MAP" { print $3 }' "$XT_TOP/include/xlb.h")

info "keep-alive connection through the VIP (request every 100 ms)"
rm -f "$XT_WORK/ka.first"
xt_bg httpc keepalive "$XT_VIP" 40 --interval 0.1 --timeout 1 \
	--first-file "$XT_WORK/ka.first" --stop-file "$XT_WORK/ka.stop" >"$XT_WORK/ka.json"
ka=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/ka.first" || fail "keep-alive got no answer"
info "keep-alive served by $(cat "$XT_WORK/ka.first")"

# ids of the running service and its backends, as the maps hold them
dump=$("$XT_PY" "$XT_TOP/tests/integration/mapdump.py" "$XT_PIN_DIR")
svc=$(echo "$dump" | jget "list(d['vips'].values())[0]['svc_id']")
bes=$(echo "$dump" | jget "' '.join(sorted(d['bends'].keys(), key=int))")
read -r be1 be2 _ <<<"$bes"
info "service id $svc, backend ids $bes"

info "\"older build\" pins: xlb_flows_v1, xlb_stats_v3, xlb_svcst_v0"
P=$XT_PIN_DIR
bpftool map create "$P/xlb_flows_v1" type lru_hash key 40 value 16 entries 4096 name xlb_flows_v1
now=$(awk '{printf "%d", $1 * 1e9}' /proc/uptime)
for i in 1 2 3 4 5; do
	be=$be1; [ $((i % 2)) -eq 0 ] && be=$be2
	# shellcheck disable=SC2046
	bpftool map update pinned "$P/xlb_flows_v1" key $(flowkey "10.9.9.$i" $((40000 + i))) \
		value $(hexargs "struct.pack('<IIQ', $be, $svc, $now)")
done
# The running program's own flows (the keep-alive's among them) go into the
# v1 pin too, 16-byte values, and xlb_flows_v3 is unpinned: as after a real
# upgrade, the new lbd creates an empty xlb_flows_v3 and only the migration
# can tell it where established flows go.
bpftool -j map dump pinned "$P/xlb_flows_v3" >"$XT_WORK/live.json"
"$XT_PY" - "$XT_WORK/live.json" >"$XT_WORK/live.batch" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1])):
    k = " ".join(e["key"])
    v = " ".join(e["value"][:16])
    print(f"map update pinned PIN key {k} value {v}")
PY
live=$(wc -l <"$XT_WORK/live.batch")
sed -i "s|PIN|$P/xlb_flows_v1|" "$XT_WORK/live.batch"
[ "$live" -eq 0 ] || bpftool batch file "$XT_WORK/live.batch" >/dev/null
assert_ge "$live" 1 "live flows copied into the v1 pin (keep-alive)"
rm "$P/xlb_flows_v3"
want=$((5 + live))
assert_eq "$(bpftool -j map dump pinned "$P/xlb_flows_v1" | jget 'len(d)')" "$want" "v1 flow entries made"
bpftool map create "$P/xlb_stats_v3" type percpu_array key 4 value 8 entries 17 name xlb_stats_v3
# v3 index 9 = drop_fib, 16 = tx_too_big: 1000000 and 2000000 on every CPU
# shellcheck disable=SC2046
bpftool map update pinned "$P/xlb_stats_v3" key 9 0 0 0 value $(hexargs "struct.pack('<Q', 1000000)")
# shellcheck disable=SC2046
bpftool map update pinned "$P/xlb_stats_v3" key 16 0 0 0 value $(hexargs "struct.pack('<Q', 2000000)")
bpftool map create "$P/xlb_svcst_v0" type percpu_array key 4 value 32 entries 4 name xlb_svcst_v0
ncpu=$(bpftool -j map lookup pinned "$P/xlb_stats_v3" key 9 0 0 0 | jget 'len(d["values"])')

info "restart lbd (TERM): the new lbd finds the old versions"
lbd_stop TERM
lbd_start
assert_eq "$(lbctl --json status | jget "d.get('adopted')")" True "the restarted lbd adopted the data path"

log=$XT_WORK/lbd.log
run_log=$(sed -n '/==== lbd start/h;/==== lbd start/!H;${x;p}' "$log")
grep -q "map xlb_flows_v1: migrating to xlb_flows_v3" <<<"$run_log" || fail "no flows migration logged"
grep -q "map xlb_flows_v1: $want entries copied to xlb_flows_v3" <<<"$run_log" || fail "flows copy not logged"
grep -q "map xlb_stats_v3: 17 counters copied by name to $S" <<<"$run_log" || fail "stats copy not logged"
grep -q "map xlb_svcst_v0 v0: no migration to v2, xlb_svcst_v2 starts empty" <<<"$run_log" ||
	fail "no 'starts empty' for xlb_svcst_v0"
grep -q "removed the pin of xlb_flows_v1" <<<"$run_log" || fail "old pin removal not logged"
info "lbd log: $(grep -c 'map xlb_\|removed the pin' <<<"$run_log") migration lines"

for p in xlb_flows_v1 xlb_stats_v3 xlb_svcst_v0; do
	[ ! -e "$P/$p" ] || fail "old pin $p still there"
done

# the converted entries in xlb_flows_v3: 32-byte values, ids kept, flags 0, fwd 0 (dsr-l2), no ISN
bpftool -j map dump pinned "$P/xlb_flows_v3" >"$XT_WORK/flows.json"
got=$("$XT_PY" - "$XT_WORK/flows.json" "$svc" "$be1" "$be2" <<'PY'
import json, struct, sys
d = json.load(open(sys.argv[1]))
svc, be1, be2 = map(int, sys.argv[2:5])
n = 0
for e in d:
    k = bytes(int(x, 16) for x in e["key"])
    v = bytes(int(x, 16) for x in e["value"])
    if k[:3] != bytes([10, 9, 9]):
        continue
    i = k[3]
    assert len(v) == 32, len(v)
    be, s, ts, flags, fwd = struct.unpack("<IIQIB", v[:21])
    assert struct.unpack("!H", k[32:34])[0] == 40000 + i, k.hex()
    assert be == (be2 if i % 2 == 0 else be1) and s == svc, (i, be, s)
    assert flags == 0 and fwd == 0 and v[21:] == bytes(11), v.hex()
    n += 1
print(n)
PY
)
assert_eq "$got" 5 "converted v1 flows in xlb_flows_v3"
# the running program's flows came back too (their keys are in the new map)
"$XT_PY" - "$XT_WORK/live.json" "$XT_WORK/flows.json" <<'PY' || fail "live flows missing in the new xlb_flows_v3"
import json, sys
old = {tuple(e["key"]): e["value"][:4] for e in json.load(open(sys.argv[1]))}
new = {tuple(e["key"]): e["value"][:4] for e in json.load(open(sys.argv[2]))}
miss = [k for k, v in old.items() if new.get(k) != v]
sys.exit(1 if miss else 0)
PY

# counters continue by name (max of old and new per CPU: at least the old values)
fib=$(stat_of drop_fib)
info "drop_fib after the upgrade: $fib (old pin: $ncpu CPUs x 1000000)"
assert_ge "$fib" $((ncpu * 1000000)) "drop_fib carried over from xlb_stats_v3"
assert_ge "$(stat_of tx_too_big)" $((ncpu * 2000000)) "tx_too_big carried over from xlb_stats_v3"

info "a real restart (SIGKILL) with the keep-alive connection open"
lbd_stop KILL
sleep 0.5
lbd_start
sleep 1
touch "$XT_WORK/ka.stop"
ka_done "$ka" "$XT_WORK/ka.json" "keep-alive across the restarts"

info "lbd --detach removes every pin, stale versions included"
bpftool map create "$P/xlb_flows_v0" type hash key 4 value 4 entries 4 name xlb_flows_v0
lbd_stop TERM
in_ns lb "$XT_LBD" --iface "$XT_LB_IF" --pin-dir "$P" --detach >>"$log" 2>&1 || fail "lbd --detach failed"
[ ! -e "$P" ] || fail "pins left after --detach: $(ls "$P")"
pass "upgrade: flows v1 -> v3 converted, stats v3 -> $S by name, old pins removed, keep-alive connection kept"
