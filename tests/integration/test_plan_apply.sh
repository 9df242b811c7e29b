#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Two-way doors: lbctl plan shows exactly what a file would change (removing
# 1 of 4 equal backends moves about 25% of new flows) and changes nothing;
# a bad file to plan/apply is refused with file:line and changes nothing;
# apply records a generation and replaces the config file; history and diff
# show it; rollback under traffic breaks no established flow and leaves the
# pinned maps (services, backends with ids and flags, every lookup table)
# identical to the original generation; a SIGHUP afterwards changes nothing.
# An apply that removes a service (with an ACL and a rate limit) and changes
# another, then a rollback, gives the service and its backends their old ids
# back: every map (services, backends, tables, filters, ACL tries) is
# identical to before, and a keep-alive connection through an unchanged
# service survives both steps.
source "$(dirname "$0")/lib.sh"
command -v bpftool >/dev/null || skip "bpftool missing"
xt_setup --backends 4

svc() { # svc NAME PORT TABLE CHECK BACKEND[=WEIGHT]..
	local name=$1 port=$2 table=$3 check=$4 b; shift 4
	echo "  - name: $name"
	echo "    vip: $XT_VIP"
	echo "    port: $port"
	echo "    table_size: $table"
	echo "    health_check:"
	echo "      type: $check"
	[ -z "${SVC_EXTRA:-}" ] || printf '%s\n' "$SVC_EXTRA"
	echo "    backends:"
	for b in "$@"; do
		echo "      - address: ${b%%=*}"
		[ "$b" = "${b#*=}" ] || echo "        weight: ${b#*=}"
	done
}
{
	echo "# the original generation"
	echo "services:"
	svc web 80 4093 tcp 10.0.0.11 10.0.0.12 10.0.0.13 10.0.0.14
	svc api 81 251 none 10.0.0.11 10.0.0.12
} >"$XT_CONF"
cp "$XT_CONF" "$XT_WORK/gen1.yaml"
lbd_start
maps() { "$XT_PY" "$XT_TOP/tests/integration/mapdump.py" "$XT_PIN_DIR" "$@"; }
orig=$(maps)
orig_sem=$(maps --semantic)
hist() { lbctl --json history | jget "[(g['generation'], g['source']) for g in d['generations']]"; }
assert_eq "$(hist)" '[[1, "start"]]' "history at start"

info "plan: web loses 10.0.0.14, api re-weights 10.0.0.12, service new is added"
{
	echo "services:"
	svc web 80 4093 tcp 10.0.0.11 10.0.0.12 10.0.0.13
	svc api 81 251 none 10.0.0.11 10.0.0.12=50
	svc new 82 251 none 10.0.0.13
} >"$XT_WORK/new.yaml"
p=$(lbctl --json plan "$XT_WORK/new.yaml")
assert_eq "$(echo "$p" | jget "sorted((s['name'], s['change']) for s in d['services'])")" \
	'[["api", "changed"], ["new", "added"], ["web", "changed"]]' "services in the plan"
assert_eq "$(echo "$p" | jget "[(b['address'], b['change']) for s in d['services'] if s['name']=='web' for b in s['backends']]")" \
	'[["10.0.0.14", "removed"]]' "web's backend changes"
assert_eq "$(echo "$p" | jget "[(b['address'], f['field'], f['old'], f['new']) for s in d['services'] if s['name']=='api' for b in s['backends'] for f in b['fields']]")" \
	'[["10.0.0.12", "weight", "100", "50"]]' "api's backend changes"
assert_eq "$(echo "$p" | jget "[s['fields'] for s in d['services'] if s['name']!='new']")" '[[], []]' \
	"no service-level field changes"
moved=$(echo "$p" | jget "[round(s['moved'] * 1000) for s in d['services'] if s['name']=='web'][0]")
info "web: $moved per mille of new flows move (1 of 4 equal backends removed)"
assert_ge "$moved" 220 "moved-flow estimate"
assert_ge 280 "$moved" "moved-flow estimate"
assert_eq "$(echo "$p" | jget "d['summary']")" \
	'{"services_added": 1, "services_removed": 0, "services_changed": 2, "services_unchanged": 0, "backends_added": 1, "backends_removed": 1, "backends_changed": 1, "settings_changed": 0}' \
	"plan summary"
text=$(lbctl plan "$XT_WORK/new.yaml")
echo "$text"
case "$text" in *"- backend 10.0.0.14"*"new flows moved: 2"*) ;; *) fail "plan text lacks the removal or the estimate" ;; esac
assert_eq "$(maps)" "$orig" "maps after plan"

info "bad files: refused with file:line, nothing changes"
printf 'services:\n  - name: web\n    vip: 10.100.0.10\n    port: 80\n    backends:\n      - address: 10.0.0.x\n' >"$XT_WORK/bad.yaml"
for cmd in plan apply; do
	if out=$(lbctl $cmd "$XT_WORK/bad.yaml" 2>&1); then fail "$cmd of a bad file accepted"; fi
	case "$out" in *"$XT_WORK/bad.yaml:6:"*address*) ;; *) fail "$cmd: no file:line:field in: $out" ;; esac
done
info "e.g.: $out"
if lbctl apply "$XT_WORK/missing.yaml" 2>/dev/null; then fail "apply of a missing file accepted"; fi
assert_eq "$(maps)" "$orig" "maps after refused applies"
assert_eq "$(hist)" '[[1, "start"]]' "history after refused applies"
cmp -s "$XT_CONF" "$XT_WORK/gen1.yaml" || fail "config file changed by a refused apply"

info "apply"
a=$(lbctl --json apply "$XT_WORK/new.yaml")
assert_eq "$(echo "$a" | jget "[d['generation'], d['services_total']]")" "[2, 3]" "apply result"
cmp -s "$XT_CONF" "$XT_WORK/new.yaml" || fail "apply did not replace the config file"
assert_eq "$(lbctl --json service list | jget "sorted(s['name'] for s in d['services'])")" '["api", "new", "web"]' \
	"services after apply"
assert_eq "$(hist)" '[[1, "start"], [2, "apply"]]' "history after apply"
assert_eq "$(lbctl --json history | jget "d['generations'][-1]['user']")" root "who applied"
[ "$(maps)" != "$orig" ] || fail "apply changed no map"
d=$(lbctl --json diff 1 2)
assert_eq "$(echo "$d" | jget "d['services']")" "$(echo "$p" | jget "d['services']")" "diff 1 2 = the plan"
{ lbctl diff 1 2 || true; } | qgrep "~ service api" || fail "diff text"
{ lbctl history 1 || true; } | qgrep "# the original generation" || fail "history 1 does not show the original file"
lbctl history

info "keep-alive connection through the rollback"
xt_bg httpc keepalive "$XT_VIP" 30 --interval 0.1 --first-file "$XT_WORK/first" --stop-file "$XT_WORK/stop" >"$XT_WORK/ka.json"
ka=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/first" || fail "the keep-alive connection got no answer"
info "served by $(cat "$XT_WORK/first")"
sleep 0.5
r=$(lbctl --json rollback)
assert_eq "$(echo "$r" | jget "[d['rolled_back_to'], d['previous'], d['generation']]")" "[1, 2, 3]" "rollback result"
sleep 1
touch "$XT_WORK/stop"
wait "$ka" || fail "keep-alive client failed"
k=$(cat "$XT_WORK/ka.json")
info "keep-alive connection: $k"
assert_eq "$(echo "$k" | jget "[d['errors'], d['reconnects'], len(d['counts'])]")" "[0, 0, 1]" \
	"errors, reconnects, backends of the established connection"

info "the data path is the original generation's"
assert_eq "$(maps --semantic)" "$orig_sem" "maps after rollback (by address)"
now=$(maps)
if [ "$now" = "$orig" ]; then
	info "maps identical to generation 1, ids included"
else
	fail "maps differ from generation 1 in ids: $("$XT_PY" -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print({k:(a[k]==b[k]) for k in a})' "$orig" "$now")"
fi
cmp -s "$XT_CONF" "$XT_WORK/gen1.yaml" || fail "rollback did not restore the config file"
assert_eq "$(hist)" '[[1, "start"], [2, "apply"], [3, "rollback"]]' "history after rollback"
assert_eq "$(lbctl --json history | jget "d['generations'][-1]['from']")" 1 "rollback's origin"

info "SIGHUP of the (restored) file: no change, no new generation"
kill -HUP "$XT_LBD_PID"
sleep 0.5
assert_eq "$(maps)" "$now" "maps after SIGHUP"
assert_eq "$(hist)" '[[1, "start"], [2, "apply"], [3, "rollback"]]' "history after SIGHUP"

info "an edited, unreloaded config file is not overwritten without --force"
echo "# local edit" >>"$XT_CONF"
if out=$(lbctl apply "$XT_WORK/new.yaml" 2>&1); then fail "apply over an edited config file accepted"; fi
info "refused: $out"
assert_eq "$(maps)" "$now" "maps after the refused apply"
lbctl apply --force "$XT_WORK/new.yaml" >/dev/null || fail "apply --force"
assert_eq "$(hist)" '[[1, "start"], [2, "apply"], [3, "rollback"], [4, "apply"]]' "history after apply --force"
lbctl rollback 1 >/dev/null || fail "rollback 1"
assert_eq "$(maps --semantic)" "$orig_sem" "maps after rollback 1"

info "a removed service comes back with its old ids"
api_filters='    acl:
      deny: [192.0.2.0/24]
    rate_limit:
      new_flows_per_s: 1000'
{
	echo "services:"
	svc web 80 4093 tcp 10.0.0.11 10.0.0.12 10.0.0.13 10.0.0.14
	SVC_EXTRA=$api_filters svc api 81 251 none 10.0.0.11 10.0.0.12
	svc new 82 251 none 10.0.0.13 10.0.0.14
} >"$XT_WORK/base.yaml"
{
	echo "services:"
	svc web 80 4093 tcp 10.0.0.11 10.0.0.12 10.0.0.13 10.0.0.14
	svc new 82 251 none 10.0.0.13
	svc extra 83 251 none 10.0.0.12
} >"$XT_WORK/rm.yaml"
lbctl apply "$XT_WORK/base.yaml" >/dev/null || fail "apply base.yaml"
base=$(maps)
api_id=$(echo "$base" | jget "[v['svc_id'] for v in d['vips'].values()][1]")
assert_eq "$(echo "$base" | jget "sorted(set(a[2] for a in d['acl']))")" "[$api_id]" "api's ACL entries in the trie"
assert_eq "$(echo "$base" | jget "'$api_id' in d['filters']")" True "api's filter settings"
xt_bg httpc keepalive "$XT_VIP" 30 --interval 0.1 --first-file "$XT_WORK/first2" --stop-file "$XT_WORK/stop2" >"$XT_WORK/ka2.json"
ka=$XT_BG_PID
wait_for 5 test -s "$XT_WORK/first2" || fail "the keep-alive connection got no answer"
info "served by $(cat "$XT_WORK/first2")"
p=$(lbctl --json plan "$XT_WORK/rm.yaml")
assert_eq "$(echo "$p" | jget "sorted((s['name'], s['change']) for s in d['services'])")" \
	'[["api", "removed"], ["extra", "added"], ["new", "changed"]]' "services in the plan"
lbctl apply "$XT_WORK/rm.yaml" >/dev/null || fail "apply rm.yaml"
sleep 0.5
after=$(maps)
assert_eq "$(echo "$after" | jget "len(d['vips'])")" 3 "services after removing api"
assert_eq "$(echo "$after" | jget "[d['acl'], '$api_id' in d['filters']]")" '[[], false]' "api's filters gone"
assert_eq "$(echo "$after" | jget "sorted(v['svc_id'] for v in d['vips'].values()).count($api_id)")" 0 \
	"api's id not given to the added service right away"
lbctl rollback >/dev/null || fail "rollback to base.yaml"
sleep 1
touch "$XT_WORK/stop2"
wait "$ka" || fail "keep-alive client failed"
k=$(cat "$XT_WORK/ka2.json")
info "keep-alive connection: $k"
assert_eq "$(echo "$k" | jget "[d['errors'], d['reconnects'], len(d['counts'])]")" "[0, 0, 1]" \
	"errors, reconnects, backends of the connection through web"
now=$(maps)
if [ "$now" = "$base" ]; then
	info "maps identical to before the removal, ids included (api is id $api_id again)"
else
	fail "maps differ after the rollback: $("$XT_PY" -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print({k:(a[k]==b[k]) for k in a}, a["vips"], b["vips"])' "$base" "$now")"
fi
pass "plan exact, bad files refused, apply/rollback round-trips (removed backend, removed service) restore the maps, no established flow broken"
