#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Filter changes made at run time persist (docs/filtering.md, docs/config.md
# "Runtime changes and the state file"): a global deny entry, a per-service
# allow list and a per-service rate limit set with lbctl survive lbd being
# killed with SIGKILL (at start lbd replays the state file, and the filter
# sync would remove any trie entry the desired state does not hold), the data
# path enforces them afterwards, a reload keeps them, and `lbctl reload
# --reset` drops them: lists and limit back to the file's.
#
# Clients: 10.0.0.100 (allowed), 10.0.0.101 (global deny -> drop_acl_global),
# 10.0.0.102 (not in web's allow list -> drop_acl_allow), all in NAME-cli.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
xt_config "$XT_CONF" 100 100
lbd_start
in_ns cli ip addr add 10.0.0.101/24 dev "$XT_NAME-cli"
in_ns cli ip addr add 10.0.0.102/24 dev "$XT_NAME-cli"

ctr() { lbctl --json stats | jget "d['global']['$1']"; }
get() { # get SRC: one HTTP GET from source address SRC; prints the HTTP code (000: failed)
	in_ns cli curl -s -o /dev/null -w '%{http_code}' -m 1 --interface "$1" "http://$XT_VIP/" || true
}
acl_snap() { lbctl --json acl list | jget "(d['global']['deny'], [(s['name'], s['allow'], s['deny']) for s in d['services']])"; }
rl_snap() { lbctl --json ratelimit show | jget "(d['global'], [(s['name'], s['rate_limit']) for s in d['services']])"; }

check_enforced() { # check_enforced WHEN
	local g0 a0 g1 a1
	assert_eq "$(get 10.0.0.100)" 200 "$1: request from the allowed 10.0.0.100"
	g0=$(ctr drop_acl_global) a0=$(ctr drop_acl_allow)
	assert_eq "$(get 10.0.0.101)" 000 "$1: request from the globally denied 10.0.0.101"
	assert_eq "$(get 10.0.0.102)" 000 "$1: request from 10.0.0.102 (not in web's allow list)"
	g1=$(ctr drop_acl_global) a1=$(ctr drop_acl_allow)
	assert_ge "$((g1 - g0))" 1 "$1: drop_acl_global after 10.0.0.101's SYN"
	assert_ge "$((a1 - a0))" 1 "$1: drop_acl_allow after 10.0.0.102's SYN"
	info "$1: 10.0.0.100 served; 10.0.0.101 dropped (drop_acl_global +$((g1 - g0))), 10.0.0.102 dropped (drop_acl_allow +$((a1 - a0)))"
}

info "before: every source is served"
for s in 10.0.0.100 10.0.0.101 10.0.0.102; do assert_eq "$(get $s)" 200 "request from $s without ACLs"; done

info "runtime filters: global deny, a per-service allow list, a per-service rate limit"
lbctl acl add deny 10.0.0.101/32
lbctl acl add --service web allow 10.0.0.100
lbctl ratelimit set --service web --rate 1000 --burst 2000 --prefix-v4 24
check_enforced "live"
acls=$(acl_snap) rls=$(rl_snap)
info "acl: $acls; rate limits: $rls"
info "state file: $(tr -d ' \n' <"$XT_WORK/lbd.state")"
grep -q '"acl"' "$XT_WORK/lbd.state" && grep -q '"rate_limit"' "$XT_WORK/lbd.state" ||
	fail "the state file holds no acl/rate_limit override"

info "SIGKILL lbd and start it again"
lbd_stop KILL
lbd_start
assert_eq "$(acl_snap)" "$acls" "acl list after SIGKILL + restart"
assert_eq "$(rl_snap)" "$rls" "rate limits after SIGKILL + restart"
lbctl acl list
lbctl ratelimit show
check_enforced "after the restart"

info "a reload keeps them"
lbctl reload >/dev/null
assert_eq "$(acl_snap)" "$acls" "acl list after a reload"
assert_eq "$(rl_snap)" "$rls" "rate limits after a reload"
check_enforced "after a reload"

info "reload --reset drops the runtime filters (back to the file: no ACL, no limit)"
lbctl reload --reset >/dev/null
assert_eq "$(acl_snap)" "([], [('web', [], [])])" "acl list after reload --reset"
assert_eq "$(rl_snap)" "(None, [('web', None)])" "rate limits after reload --reset"
for s in 10.0.0.100 10.0.0.101 10.0.0.102; do assert_eq "$(get $s)" 200 "request from $s after reload --reset"; done
assert_eq "$(tr -d ' \n' <"$XT_WORK/lbd.state")" '{"xlb_state":1,"services":{}}' "state after reload --reset"
pass "runtime ACLs and rate limits survived SIGKILL and a reload, enforced; reload --reset dropped them"
