#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Forwarding modes ipip and gue end to end: lbd encapsulates (IPv4 and IPv6),
# the backends run xlb's decap program at tc ingress (tools/decap-install; this
# kernel has no ipip/fou modules) and real HTTP through each VIP reaches every
# backend, which answers the client directly (DSR).
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
NBE=3
DECAP=$XT_TOP/tools/decap-install
[ -f "$XT_TOP/build/bpf/decap.bpf.o" ] || skip "build/bpf/decap.bpf.o not built"
command -v jq >/dev/null || skip "jq missing (tools/decap-install --stats)"

# A second VIP per family, so that each mode x family has its own service:
#   ipip: 10.100.0.10, fd00:100::11     gue: 10.100.0.11, fd00:100::10
VIP4B=10.100.0.11
VIP6B=fd00:100::11
in_ns cli ip route add "$VIP4B/32" via 10.0.0.2
in_ns cli ip -6 route add "$VIP6B/128" via fd00::2
for i in $(seq "$NBE"); do
	in_ns "be$i" ip addr add "$VIP4B/32" dev lo
	in_ns "be$i" ip -6 addr add "$VIP6B/128" dev lo nodad
	info "be$i: $(in_ns "be$i" "$DECAP" "$XT_NAME-be$i" | tr '\n' ' ')"
done

svc() { # svc NAME VIP MODE [SYN_COOKIES]
	echo "  - name: $1"
	echo "    vip: $2"
	echo "    port: 80"
	echo "    forwarding: $3"
	[ -z "${4:-}" ] || echo "    syn_cookies: $4"
	echo "    backends:"
	for i in $(seq "$NBE"); do
		if [[ "$2" == *:* ]]; then echo "      - address: fd00::1$i"; else echo "      - address: 10.0.0.1$i"; fi
	done
}
conf() { # conf [SYN_COOKIES]
	{
		[ -z "${1:-}" ] || echo "syn_cookie_secret: \"$SC_SECRET\""
		echo "node:"
		echo "  address_v4: 10.0.0.2"
		echo "  address_v6: fd00::2"
		echo "services:"
		svc ipip4 "$XT_VIP" ipip "${1:-}"
		svc gue4 "$VIP4B" gue "${1:-}"
		svc ipip6 "$VIP6B" ipip "${1:-}"
		svc gue6 "$XT_VIP6" gue "${1:-}"
	} >"$XT_CONF"
}
SC_SECRET=0123456789abcdef0123456789abcdef
conf
lbd_start

N=60
check() { # check LABEL VIP
	local r
	info "$1: $N HTTP requests to $2:80"
	r=$(httpc burst "$2" "$N")
	info "  result: $r"
	assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests through $1 ($2)"
	for i in $(seq "$NBE"); do
		assert_ge "$(counts_of "$r" "be$i")" $((N / 10)) "be$i's share of $N $1 connections"
	done
}
check "ipip IPv4" "$XT_VIP"
check "gue IPv4" "$VIP4B"
check "ipip IPv6" "$VIP6B"
check "gue IPv6" "$XT_VIP6"

info "decap counters on the backends"
for i in $(seq "$NBE"); do
	st=$(in_ns "be$i" "$DECAP" "$XT_NAME-be$i" --stats | tr '\n' ' ')
	info "  be$i: $st"
	for c in decap_ipip decap_ip6ip6 decap_gue4 decap_gue6; do
		v=$(echo "$st" | tr ' ' '\n' | grep -A1 -x "$c" | tail -n1)
		assert_ge "$v" 1 "be$i $c"
	done
	for c in err_inner err_adjust; do
		v=$(echo "$st" | tr ' ' '\n' | grep -A1 -x "$c" | tail -n1)
		assert_eq "$v" 0 "be$i $c"
	done
done
g=$(lbctl --json stats | jget "d['global']")
info "balancer: $g"
for c in drop_no_node_addr drop_encap drop_too_big; do
	assert_eq "$(echo "$g" | jget "d.get('$c', 0)")" 0 "balancer $c"
done

# SYN cookies (#24) through the tunnels: the balancer answers the SYNs, the
# backends' synck.bpf.o decapsulates the ACK and completes the handshake.
if [ -f "$XT_TOP/build/bpf/synck.bpf.o" ] &&
	bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | qgrep -c "FUNC 'bpf_sk_assign_tcp_reqsk'"; then
	for i in $(seq "$NBE"); do
		in_ns "be$i" "$DECAP" "$XT_NAME-be$i" --syn-cookie-secret "$SC_SECRET" >/dev/null
	done
	conf on
	lbctl reload >/dev/null
	s0=$(lbctl --json stats | jget "d['global']['tx_syncookie']")
	N=20
	check "ipip IPv4, syn_cookies" "$XT_VIP"
	check "gue IPv4, syn_cookies" "$VIP4B"
	check "ipip IPv6, syn_cookies" "$VIP6B"
	check "gue IPv6, syn_cookies" "$XT_VIP6"
	assert_ge "$(($(lbctl --json stats | jget "d['global']['tx_syncookie']") - s0))" $((4 * N)) \
		"SYNs answered with cookies through the tunnels"
	for i in $(seq "$NBE"); do
		st=$(in_ns "be$i" "$DECAP" "$XT_NAME-be$i" --stats | tr '\n' ' ')
		info "  be$i: $st"
		v=$(echo "$st" | tr ' ' '\n' | grep -A1 -x sc_assigned | tail -n1)
		assert_ge "$v" $((4 * N / 10)) "be$i: handshakes completed by synck.bpf.o after decapsulation"
	done
else
	info "SKIP syn_cookies through the tunnels: kernel $(uname -r) lacks bpf_sk_assign_tcp_reqsk (test_syncookie's BPF tests cover the rest)"
fi

info "--remove takes the filter off again"
in_ns be1 "$DECAP" "$XT_NAME-be1" --remove >/dev/null
[ -z "$(in_ns be1 tc filter show dev "$XT_NAME-be1" ingress)" ] || fail "decap filter still on be1"
pass "ipip and gue, IPv4 and IPv6, with and without SYN cookies: HTTP through the VIPs reached all $NBE backends"
