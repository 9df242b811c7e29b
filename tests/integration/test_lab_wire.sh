#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The lab itself: what a test sends is what the balancer gets, and what the
# lab records is what runs.
#  1. every PID file of tools/lab names the server itself (a signal to it
#     reaches the server, not a wrapper shell);
#  2. bridge netfilter is off in the lab's switch (where br_netfilter exists);
#  3. N malformed and odd frames sent from the client with an AF_PACKET socket
#     all reach the balancer's interface: xlb counts each under its drop
#     reason, exactly N in all (a bridge with br_netfilter on drops about half
#     of them silently, and a malformed-packet test could pass unseen).
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
RUN=/run/xlb-lab/$XT_NAME

info "PID files name the servers"
n=0
for f in "$RUN"/*.pid; do
	[ -e "$f" ] || continue
	h=$(basename "$f" .pid); pid=$(cat "$f")
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
	info "  $h: pid $pid: $cmd"
	case "$cmd" in *lab-httpd.py*) ;; *) fail "$h.pid names pid $pid ($cmd), not the server" ;; esac
	lpid=$(in_ns "$h" ss -Hltnp 'sport = :80' | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
	assert_eq "$pid" "$lpid" "$h.pid against the process listening on :80"
	n=$((n + 1))
done
assert_eq "$n" 2 "PID files"
info "  a signal by PID file ends the server"
kill "$(cat "$RUN/be2.pid")"
wait_for 5 sh -c "! nsenter --net=/run/netns/$XT_NAME-be2 ss -Hltn 'sport = :80' | grep -q LISTEN" ||
	fail "be2 still listens after kill \$(cat be2.pid)"

info "bridge netfilter off in the switch"
if in_ns sw test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
	for k in iptables ip6tables arptables; do
		assert_eq "$(in_ns sw cat "/proc/sys/net/bridge/bridge-nf-call-$k")" 0 "bridge-nf-call-$k"
	done
else
	info "  (br_netfilter not loaded on this host: nothing to turn off)"
fi
st=$("$XT_LAB" status "$XT_NAME")
case "$st" in *"bridge netfilter: off"* | *"bridge netfilter: not loaded"*) ;;
*) fail "lab status does not say bridge netfilter is off: $st" ;; esac

info "malformed frames from the client all reach xlb"
cat >"$XT_CONF" <<YAML
services:
  - name: web
    vip: $XT_VIP
    port: 80
    protocol: tcp
    backends:
      - address: 10.0.0.11
  - name: web6
    vip: $XT_VIP6
    port: 80
    protocol: tcp
    backends:
      - address: fd00::11
YAML
lbd_start
reasons=$(lbctl --json stats | jget "' '.join(k for k in d['global'])")
snap() { lbctl --json stats | jget "' '.join(str(d['global'][k]) for k in '$reasons'.split())"; }
s0=$(snap)
lb_mac=$(in_ns lb ip -o link show dev "$XT_LB_IF" | grep -o "link/ether [0-9a-f:]*" | cut -d" " -f2)
out=$(in_ns cli "$XT_PY" "$XT_TOP/tests/integration/rawframes.py" "$XT_NAME-cli" "$lb_mac" \
	"$XT_VIP" "$XT_VIP6" --repeat 20) || fail "rawframes.py: $out"
info "  sent: $out"
sent=$(echo "$out" | jget "d['sent']")
# delta per reason, as JSON; the expected reasons are drop reasons no other
# traffic of the lab (health checks, neighbour discovery) ever reaches
delta() {
	"$XT_PY" -c 'import json,sys; r=sys.argv[1].split(); a=sys.argv[2].split(); b=sys.argv[3].split()
print(json.dumps({k: int(y) - int(x) for k, x, y in zip(r, a, b) if int(y) != int(x)}, sort_keys=True))' \
		"$reasons" "$s0" "$1"
}
want=$(echo "$out" | jget "{k: v for k, v in sorted(d['expect'].items())}")
check() { # all expected drops counted
	got=$(delta "$(snap)")
	[ "$(echo "$got" | jget "{k: d.get(k, 0) for k in sorted($want)}")" = "$want" ]
}
wait_for 5 check || true
got=$(delta "$(snap)")
info "  counted: $got"
for k in $(echo "$want" | jget "' '.join(d)"); do
	assert_eq "$(echo "$got" | jget "d.get('$k', 0)")" "$(echo "$want" | jget "d['$k']")" \
		"frames counted as $k"
done
assert_ge "$(echo "$got" | jget "sum(d.values())")" "$sent" "frames counted under some reason"
pass "PID files name the servers; bridge netfilter off; all $sent frames reached xlb and were counted"
