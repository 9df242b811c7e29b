#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Reload (lbctl reload and SIGHUP) with an added, a changed and a removed
# service: the unchanged service keeps its id, its backend ids and its
# established flows (a keep-alive connection through the reload sees no error
# and no reconnect). A bad config on reload is refused with file:line and
# the running state stays exactly as it was.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
svc() { # svc NAME PORT TABLE BACKENDS..
	local name=$1 port=$2 table=$3 b; shift 3
	echo "  - name: $name"
	echo "    vip: $XT_VIP"
	echo "    port: $port"
	echo "    table_size: $table"
	echo "    backends:"
	for b in "$@"; do echo "      - address: $b"; done
}
{
	echo "services:"
	svc web 80 65537 10.0.0.11 10.0.0.12 10.0.0.13
	svc chg 81 251 10.0.0.11 10.0.0.12
	svc old 82 251 10.0.0.13
} >"$XT_CONF"
lbd_start

snap() {
	lbctl --json service list | jget "sorted((s['name'], s['port'], s['table_size'], s['backends'], s['id']) for s in d['services'])"
	lbctl --json backend list | jget "sorted((b['service'], b['address'], b['weight'], b['id']) for b in d['backends'])"
}
web_ids() { lbctl --json backend list web | jget "sorted((b['address'], b['id']) for b in d['backends'])"; }

ids0=$(web_ids)
wid0=$(lbctl --json service list | jget "[s['id'] for s in d['services'] if s['name']=='web'][0]")
info "keep-alive connection through the reloads"
xt_bg httpc keepalive "$XT_VIP" 30 --interval 0.1 --first-file "$XT_WORK/first" --stop-file "$XT_WORK/stop" >"$XT_WORK/ka.json"
ka=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/first" || fail "the keep-alive connection got no answer"
first=$(cat "$XT_WORK/first")
info "served by $first"
sleep 0.5

info "reload: chg changed (table 251 -> 4093, a backend more), old removed, new added"
{
	echo "services:"
	svc web 80 65537 10.0.0.11 10.0.0.12 10.0.0.13
	svc chg 81 4093 10.0.0.11 10.0.0.12 10.0.0.13
	svc new 83 251 10.0.0.12
} >"$XT_CONF"
res=$(lbctl --json reload)
info "reload: $res"
assert_eq "$(echo "$res" | jget "[d['added'], d['removed'], d['changed'], d['unchanged']]")" "[1, 1, 1, 1]" \
	"added, removed, changed, unchanged"
assert_eq "$(lbctl --json service list | jget "sorted(s['name'] for s in d['services'])")" '["chg", "new", "web"]' \
	"services after the reload"
assert_eq "$(web_ids)" "$ids0" "backend ids of the unchanged service"
assert_eq "$(lbctl --json service list | jget "[s['id'] for s in d['services'] if s['name']=='web'][0]")" "$wid0" \
	"id of the unchanged service"
sleep 0.5

info "bad configs on reload are refused; nothing changes"
good=$(snap)
cp "$XT_CONF" "$XT_WORK/good.yaml"
bad=0
for f in "$XT_TOP"/tests/configs/bad/0[1-5]*.yaml "$XT_TOP"/tests/configs/bad/4[15]*.yaml "$XT_TOP"/tests/configs/bad/53*.yaml; do
	cp "$f" "$XT_CONF"
	if out=$(lbctl reload 2>&1); then fail "reload of $(basename "$f") accepted"; fi
	case "$out" in *"$XT_CONF:"[0-9]*) ;; *) fail "reload error without file:line: $out" ;; esac
	bad=$((bad + 1))
done
info "$bad bad configs refused, e.g.: $out"
assert_eq "$(snap)" "$good" "state after refused reloads"
kill -HUP "$XT_LBD_PID"
sleep 0.5
lbd_alive || fail "lbd died on SIGHUP with a bad config"
assert_eq "$(snap)" "$good" "state after SIGHUP with a bad config"
grep -q "reload failed, keeping the running state" "$XT_WORK/lbd.log" || fail "no log line for the refused SIGHUP reload"

info "SIGHUP with the good config again: nothing to change"
cp "$XT_WORK/good.yaml" "$XT_CONF"
kill -HUP "$XT_LBD_PID"
sleep 0.5
assert_eq "$(snap)" "$good" "state after SIGHUP with the same config"
touch "$XT_WORK/stop"
ka_done "$ka" "$XT_WORK/ka.json" "established connection of the unchanged service" "$first"
pass "reload added/changed/removed services; the unchanged one kept ids and flows; $bad bad configs refused without change"
