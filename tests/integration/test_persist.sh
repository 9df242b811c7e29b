#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runtime changes persist: backend add/remove/weight/drain and service add
# made with lbctl survive lbd being killed with SIGKILL (the state file is
# replayed on top of the config at start), traffic follows them afterwards,
# and `lbctl config export` round-trips: the export passes --check-config and
# an lbd started from it alone (no state) programs identical services,
# backends, ids and effective weights.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 4
xt_config "$XT_CONF" 100 100 100
lbd_start

snap() { # services and backends as lbd reports them, normalised
	{
		lbctl --json service list | jget "sorted((s['name'], s['vip'], s['port'], s['proto'], s['sched'], s['fwd'], s['table_size'], s['id']) for s in d['services'])"
		lbctl --json backend list | jget "sorted((b['service'], b['address'], b['weight'], b['id'], b['state']) for b in d['backends'])"
		lbctl --json health | jget "sorted((s['name'], b['address'], b['effective_weight'], b['usable']) for s in d['services'] for b in s['backends'])"
	}
}

info "runtime changes"
lbctl backend add web 10.0.0.14 --weight 50
lbctl backend weight web 10.0.0.12 70
lbctl backend remove web 10.0.0.13
lbctl backend drain web 10.0.0.11
lbctl service add api 10.100.0.20 8080 --proto udp --scheduler sh --table-size 251 --drain-timeout 30
lbctl backend add api 10.0.0.13 --weight 10
test -s "$XT_WORK/lbd.state" || fail "no state file written"
info "state file: $(tr -d ' \n' <"$XT_WORK/lbd.state")"
before=$(snap)
left0=$(lbctl --json backend list web | jget "[b['drain_left_s'] for b in d['backends'] if b['address']=='10.0.0.11'][0]")
echo "$before"

info "SIGKILL lbd and start it again"
lbd_stop KILL
lbd_start
after=$(snap)
assert_eq "$after" "$before" "services and backends after SIGKILL + restart"
left1=$(lbctl --json backend list web | jget "[b['drain_left_s'] for b in d['backends'] if b['address']=='10.0.0.11'][0]")
info "drain of 10.0.0.11: ${left0}s left before, ${left1}s after the restart (same countdown)"
python3 -c "import sys; a, b = float('$left0'), float('$left1'); sys.exit(0 if 0 < b < a and a - b < 10 else 1)" ||
	fail "drain countdown did not continue across the restart ($left0 -> $left1)"
r=$(httpc burst "$XT_VIP" 60)
info "burst: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests after the restart"
assert_eq "$(counts_of "$r" be1)" 0 "requests to draining be1"
assert_eq "$(counts_of "$r" be3)" 0 "requests to removed be3"
assert_ge "$(counts_of "$r" be4)" 1 "requests to runtime-added be4"
assert_ge "$(counts_of "$r" be2)" 1 "requests to re-weighted be2"

info "a reload keeps the runtime changes (state on top of the file)"
lbctl reload
assert_eq "$(snap)" "$before" "services and backends after a reload"

info "config export round trip (drain is runtime-only: undrain first)"
lbctl backend undrain web 10.0.0.11
lbctl config export >"$XT_WORK/export.yaml"
cat "$XT_WORK/export.yaml"
"$XT_LBD" --config "$XT_WORK/export.yaml" --check-config || fail "exported config refused by --check-config"
want=$(snap)
lbd_stop TERM
cp "$XT_WORK/export.yaml" "$XT_CONF"
lbd_start --state "$XT_WORK/empty.state"
got=$(snap)
assert_eq "$got" "$want" "services and backends from the exported config alone"
[ ! -e "$XT_WORK/empty.state" ] || fail "an lbd without runtime changes wrote a state file"

info "reload --reset drops the runtime changes"
xt_config "$XT_CONF" 100 100 100
lbd_stop TERM
rm -f "$XT_WORK/lbd.state"
lbd_start
lbctl backend remove web 10.0.0.13
lbctl reload --reset
assert_eq "$(lbctl --json backend list web | jget "len(d['backends'])")" 3 "backends after reload --reset"
assert_eq "$(tr -d ' \n' <"$XT_WORK/lbd.state")" '{"xlb_state":1,"services":{}}' "state after reload --reset"
pass "runtime changes survived SIGKILL and a reload; export round trip identical; --reset works"
