#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A client that re-uses a source port (Linux does, soon after the server
# closed first) opens a new connection on the 5-tuple of an old, closed
# one. It must be scheduled like any new connection: after `backend drain`
# (and with weight 0) the old connection's backend gets none of them, they
# count as new flows, and the drain reply's open flows leave the closed
# connections out. Each connection here is one GET with "Connection: close",
# read until the server's FIN, from a fixed source port.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
cat >"$XT_CONF" <<CONF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    drain_timeout: 300
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
CONF
lbd_start

get() { http_get_from "$XT_VIP" "$@"; }
be_field() { # be_field ADDRESS FIELD: from backend list web
	lbctl --json backend list web | jget "[b['$2'] for b in d['backends'] if b['address']=='$1'][0]"
}

info "one connection from each of 40 source ports, closed by the server"
ports=$(seq 21000 2 21078)
read -r -a first <<<"$(get $ports)"
on1=() on2=()
i=0
for p in $ports; do
	case "${first[$i]}" in
	be1) on1+=("$p") ;;
	be2) on2+=("$p") ;;
	*) fail "port $p: ${first[$i]}" ;;
	esac
	i=$((i + 1))
done
info "${#on1[@]} ports went to be1, ${#on2[@]} to be2"
assert_ge "${#on1[@]}" 5 "ports whose first connection went to be1"
assert_ge "${#on2[@]}" 5 "ports whose first connection went to be2"
sleep 0.3

info "the same ports again, nothing drained: every connection works"
read -r -a again <<<"$(get "${on1[@]}")"
for n in "${again[@]}"; do case "$n" in be1 | be2) ;; *) fail "re-used port: $n" ;; esac; done

info "drain be1 (10.0.0.11): its connections all closed, so no open flows"
r=$(lbctl --json backend drain web 10.0.0.11)
info "drain reply: $r"
assert_eq "$(echo "$r" | jget "d['flows']")" 0 "open flows in the drain reply (all connections closed)"
nf0=$(be_field 10.0.0.11 new_flows)
nfs0=$(lbctl --json service list | jget "[s['new_flows'] for s in d['services'] if s['name']=='web'][0]")

info "the be1 ports re-used after the drain: all must reach be2"
read -r -a after <<<"$(get "${on1[@]}")"
info "answers: ${after[*]}"
for n in "${after[@]}"; do assert_eq "$n" be2 "backend of a re-used port after draining be1"; done
assert_eq "$(be_field 10.0.0.11 new_flows)" "$nf0" "new flows counted on drained be1"
nfs1=$(lbctl --json service list | jget "[s['new_flows'] for s in d['services'] if s['name']=='web'][0]")
assert_ge "$((nfs1 - nfs0))" "${#on1[@]}" "re-used ports counted as new flows of the service"

info "undrain be1, weight 0 instead: the be1 ports again must reach be2"
lbctl backend undrain web 10.0.0.11 >/dev/null
lbctl backend weight web 10.0.0.11 0 >/dev/null
sleep 0.3
read -r -a w0 <<<"$(get "${on1[@]}")"
info "answers: ${w0[*]}"
for n in "${w0[@]}"; do assert_eq "$n" be2 "backend of a re-used port with be1 at weight 0"; done
pass "re-used source ports: new flows scheduled by the current table, closed flows not counted as open"
