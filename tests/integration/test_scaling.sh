#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Scaling hooks: a blip of new flows above the bound runs nothing; a
# sustained breach runs the hook exactly once (cooldown), and the hook --
# examples/scaling/add-backend.sh -- adds a spare backend with lbctl, which
# then takes traffic.
source "$(dirname "$0")/lib.sh"
PG=$XT_TOP/build/tools/pktgen
[ -x "$PG" ] || skip "build/tools/pktgen not built"
xt_setup --backends 3

HOOK=$XT_WORK/hook.sh
cat >"$HOOK" <<EOF
#!/bin/sh
env | grep '^XLB_' | sort >>"$XT_WORK/hook.env"
echo run >>"$XT_WORK/hook.runs"
exec "$XT_TOP/examples/scaling/add-backend.sh" "$XT_WORK/pool.txt"
EOF
chmod +x "$HOOK"
printf '# spare\n10.0.0.13\n' >"$XT_WORK/pool.txt"
cat >"$XT_CONF" <<EOF
services:
  - name: dns
    vip: $XT_VIP
    port: 53
    protocol: udp
    health_check: { type: none }
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
    scaling:
      metric: new_flows_per_backend_per_s
      above: 15
      for_s: 4
      cooldown_s: 600
      command: "$HOOK"
EOF
export LBCTL=$XT_LBCTL # for add-backend.sh (lbd's environment reaches the hook)
lbd_start
runs() { [ -f "$XT_WORK/hook.runs" ] && wc -l <"$XT_WORK/hook.runs" || echo 0; }

MAC=$(in_ns lb ip -br link show dev "$XT_LB_IF" | awk '{print $3}')
in_ns sw ethtool -K "$XT_NAME-clip" gro on >/dev/null 2>&1 || true # pktgen: the veth peer needs GRO or XDP
# every packet a new 5-tuple: new flows/s = packets/s
pg() { "$PG" --netns "$XT_NAME-cli" --iface "$XT_NAME-cli" --dst-mac "$MAC" --dst "$XT_VIP" \
	--dport 53 --flows 1000000 -q "$@" >/dev/null || fail "pktgen $*"; }

sleep 2
info "blip: 1.5 s at 400 new flows/s (200 per backend, bound 15, for 4 s)"
pg --src 10.0.1.1-10.0.1.250 --rate 400 --duration 1.5
sleep 6
assert_eq "$(runs)" 0 "hook runs after a blip"

new_flows() { lbctl --json stats | jget "sum(s['new_flows'] for s in d['services'])"; }
info "sustained: 12 s at 400 new flows/s"
n0=$(new_flows)
pg --src 10.0.2.1-10.0.2.250 --rate 400 --duration 12
sleep 2
n1=$(new_flows)
info "  new flows counted by the data path: $((n1 - n0)) (sent: 4800)"
if [ "$(runs)" = 0 ]; then
	# No breach seen: the lab lost pktgen's frames (some loss is normal
	# here, ~40%; XDP_TX out of a veth needs GRO or XDP on its peer,
	# ../shared/PLATFORM.md), in whole seconds at times (a fresh-clone run
	# counted 2720 of 4800 and no 4 s in a row above the bound), not lbd:
	# set GRO again, send again.
	info "  no sustained breach reached the balancer: GRO on the client's peer again, resend"
	in_ns sw ethtool -K "$XT_NAME-clip" gro off >/dev/null 2>&1 || true
	in_ns sw ethtool -K "$XT_NAME-clip" gro on >/dev/null 2>&1 || true
	n0=$(new_flows)
	pg --src 10.0.4.1-10.0.4.250 --rate 400 --duration 12
	sleep 2
	n1=$(new_flows)
	info "  new flows counted by the data path: $((n1 - n0)) (sent: 4800)"
	assert_ge $((n1 - n0)) 600 "new flows of the sustained traffic reaching the balancer"
fi
assert_eq "$(runs)" 1 "hook runs after one sustained breach (cooldown 600 s)"
info "hook environment:"
sed 's/^/    /' "$XT_WORK/hook.env"
grep -qx 'XLB_DIRECTION=up' "$XT_WORK/hook.env" || fail "XLB_DIRECTION"
grep -qx 'XLB_SERVICE=dns' "$XT_WORK/hook.env" || fail "XLB_SERVICE"
grep -qx 'XLB_BACKENDS=2' "$XT_WORK/hook.env" || fail "XLB_BACKENDS"
grep -qx "XLB_SOCKET=$XT_SOCK" "$XT_WORK/hook.env" || fail "XLB_SOCKET"
grep -q '^XLB_VALUE=' "$XT_WORK/hook.env" || fail "XLB_VALUE"
wait_for 5 sh -c "'$XT_LBCTL' -s '$XT_SOCK' backend list dns | grep -q 10.0.0.13" ||
	fail "the hook did not add 10.0.0.13"
lbctl events | grep ' scaling ' | sed 's/^/    /'
[ "$(lbctl events | grep -c ' scaling .*started')" -eq 1 ] || fail "one 'scaling ... started' event"
wait_for 5 sh -c "'$XT_LBCTL' -s '$XT_SOCK' events | grep -q 'exited with status 0'" ||
	fail "the hook's exit was not recorded"
before=$(lbctl --json backend list dns | jget "[b['packets'] for b in d['backends'] if b['address'] == '10.0.0.13'][0]")
pg --src 10.0.3.1-10.0.3.250 --count 300 --rate 1000
after=$(lbctl --json backend list dns | jget "[b['packets'] for b in d['backends'] if b['address'] == '10.0.0.13'][0]")
assert_ge "$after" $((before + 30)) "packets to the added backend"
assert_eq "$(runs)" 1 "hook runs at the end"
pass "a blip ran nothing; a sustained breach ran the hook once and it added a backend"
