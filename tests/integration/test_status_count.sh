#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbctl status does not walk the connection table (a full table took 100+ ms
# per status): it reports the entry count of lbd's last periodic walk and how
# old that count is. So flows made after that walk are not in the count
# status gives right after them, and are in it after the next walk (every
# XLB_NEIGH_REFRESH_S = 5 s).
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
xt_config "$XT_CONF" 100 100
lbd_start

flows() { lbctl --json status | jget "d['maps']['flows']"; }
f=$(flows)
info "status: maps.flows $f"
[ "$(echo "$f" | jget "'counted_ms_ago' in d")" = True ] || fail "status has no counted_ms_ago for maps.flows"
age=$(echo "$f" | jget "d['counted_ms_ago']")
assert_ge "$age" 0 "counted_ms_ago at start (lbd counts once when it starts)"
human=$(lbctl status | grep '^map flows:')
case "$human" in *"counted "*" s ago"*) ;; *) fail "lbctl status does not say how old the flow count is: $human" ;; esac

# Make 20 flows and ask at once. If the count is older than the traffic, it
# must not include the new flows: status did not walk. (Should the periodic
# walk fall in between, the count is newer than the traffic: try again.)
seen_stale=0
for round in 1 2 3 4 5; do
	used0=$(flows | jget "d['used']")
	t0=$(date +%s%N)
	r=$(httpc burst "$XT_VIP" 20)
	assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests failed"
	f=$(flows)
	el=$((($(date +%s%N) - t0) / 1000000))
	age=$(echo "$f" | jget "d['counted_ms_ago']")
	used=$(echo "$f" | jget "d['used']")
	info "  round $round: 20 new flows in ${el} ms; status: used $used (before: $used0), counted $age ms ago"
	if [ "$age" -gt "$el" ]; then
		assert_eq "$used" "$used0" "count older than the new flows"
		seen_stale=1
		break
	fi
done
[ "$seen_stale" = 1 ] || fail "every round raced the periodic walk (5 s apart?)"

info "the next periodic walk counts them"
want=$((used0 + 20))
wait_for 12 sh -c "[ \$('$XT_LBCTL' -s '$XT_SOCK' --json status | $XT_PY -c 'import json,sys; print(json.load(sys.stdin)[\"maps\"][\"flows\"][\"used\"])') -ge $want ]" ||
	fail "status never counted the new flows: $(flows)"
f=$(flows)
info "  status: $f"
assert_ge "$(echo "$f" | jget "d['used']")" "$want" "flows counted after the walk"
pass "status reports the periodic count and its age; it does not walk the table"
