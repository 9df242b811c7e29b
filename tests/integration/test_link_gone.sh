#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The balancer's interface goes away and comes back (docs/operations.md
# "When the interface goes away"): the veth lbd is attached to is deleted;
# lbd notices (rtnetlink), says so in lbctl status, an event, /metrics and
# its log, keeps running and accepting changes; the veth is created again
# under the same name (a new ifindex); lbd attaches the program to it again
# and traffic through the VIP flows.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip "curl missing"
xt_setup --backends 2
LAB_XDP_PEER=${LAB_XDP_PEER:-xdp}

cat >"$XT_CONF" <<EOF
metrics:
  listen: "127.0.0.1:9472"
services:
  - name: web
    vip: $XT_VIP
    port: 80
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
EOF
lbd_start
SW=$XT_NAME-sw LB=$XT_NAME-lb PORT=$XT_NAME-lbp
metric() { in_ns lb curl -sf -m 2 http://127.0.0.1:9472/metrics | awk -v m="$1" '$1 == m {print $2}'; }
attached() { lbctl --json status | jget "d['link']['attached']"; }

r=$(httpc burst "$XT_VIP" 20)
info "before: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests through the VIP before"
old_ifindex=$(lbctl --json status | jget "d['ifindex']")
mac=$(in_ns lb ip -o link show "$XT_LB_IF" | grep -o 'link/ether [0-9a-f:]*' | awk '{print $2}')
addrs=$(in_ns lb ip -o addr show dev "$XT_LB_IF" scope global | awk '{print $3, $4}')
neighs=$(in_ns lb ip neigh show dev "$XT_LB_IF" nud permanent | awk '{print $1, $3}')
xdp_obj=$(ls /run/xlb-lab/"$XT_NAME"/xdp_pass.o 2>/dev/null || true)

info "delete $XT_LB_IF (ifindex $old_ifindex)"
ip -n "$SW" link del "$PORT"
wait_for 5 test "$(attached)" = False || fail "lbctl status still says attached"
lbctl status | tee "$XT_WORK/status.txt" | qgrep "NOT ATTACHED" || fail "lbctl status: $(cat "$XT_WORK/status.txt")"
info "$(grep link: "$XT_WORK/status.txt")"
lbctl --json events | jget "[e['details'] for e in d['events'] if e['kind'] == 'link']" |
	grep -q "is gone" || fail "no link event: $(lbctl --json events)"
grep -q "interface $XT_LB_IF (ifindex $old_ifindex) is gone" "$XT_WORK/lbd.log" || fail "not logged"
wait_for 3 test "$(metric xlb_lbd_interface_attached)" = 0 || fail "xlb_lbd_interface_attached not 0"
assert_eq "$(metric xlb_lbd_interface_lost_total)" 1 "xlb_lbd_interface_lost_total"
info "a change while it is gone is accepted and kept"
lbctl backend weight web 10.0.0.12 0 >/dev/null || fail "backend weight while the interface is gone"
lbd_alive || fail "lbd died"

info "create $XT_LB_IF again (same name, same addresses)"
ip -n "$SW" link add "$PORT" type veth peer name "$XT_LB_IF" netns "$LB"
ip -n "$SW" link set "$PORT" master "$XT_NAME-br" up
in_ns lb ip link set "$XT_LB_IF" address "$mac"
while read -r fam a; do
	[ "$fam" = inet6 ] && in_ns lb ip -6 addr add "$a" dev "$XT_LB_IF" nodad ||
		in_ns lb ip addr add "$a" dev "$XT_LB_IF"
done <<<"$addrs"
in_ns lb ip link set "$XT_LB_IF" up
while read -r a m; do in_ns lb ip neigh replace "$a" lladdr "$m" dev "$XT_LB_IF" nud permanent; done <<<"$neighs"
in_ns lb sysctl -qw "net.ipv4.conf.$XT_LB_IF.send_redirects=0" "net.ipv4.conf.$XT_LB_IF.rp_filter=0"
case "$LAB_XDP_PEER" in
xdp) [ -n "$xdp_obj" ] && in_ns sw ip link set dev "$PORT" xdpdrv obj "$xdp_obj" sec xdp ;;
gro) in_ns sw ethtool -K "$PORT" gro on >/dev/null ;;
esac

wait_for 5 test "$(attached)" = True || fail "lbd did not attach again: $(lbctl --json status | jget "d['link']")"
new_ifindex=$(lbctl --json status | jget "d['ifindex']")
info "attached again on ifindex $new_ifindex: $(lbctl --json status | jget "d['link']")"
[ "$new_ifindex" != "$old_ifindex" ] || info "(the kernel reused the ifindex)"
in_ns lb ip -d link show "$XT_LB_IF" | qgrep "prog/xdp" || fail "no XDP program on the new $XT_LB_IF"
lbctl --json events | jget "[e['details'] for e in d['events'] if e['kind'] == 'link']" |
	grep -q "is back" || fail "no event for the return"
wait_for 3 test "$(metric xlb_lbd_interface_attached)" = 1 || fail "xlb_lbd_interface_attached not 1"
assert_eq "$(lbctl --json status | jget "d['link']['reattached']")" 1 "reattached count"

fwd() { lbctl --json stats | jget "d['global']['fwd_tx'] + d['global'].get('fwd_redirect', 0)"; }
pkts0=$(fwd)
r=$(httpc burst "$XT_VIP" 20)
info "after: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests through the VIP after"
assert_eq "$(echo "$r" | jget "sorted(d['counts'])")" '["be1"]' "the weight change made while gone holds"
assert_ge "$(fwd)" $((pkts0 + 20)) "packets the program forwarded on the new interface"
pass "interface gone: noticed, reported, attached again on return, traffic flows"
