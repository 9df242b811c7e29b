#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Health states survive an lbd restart (userspace/lbd/hc.c): a backend
# found down stays out of the tables while lbd restarts (SIGTERM, then
# SIGKILL), so no new connection reaches it and none fails, where the
# configured `initial: up` would have put it back until `fall` probes had
# failed again (5 s here). The restart changes nothing in the data path: the
# lookup table is not rebuilt. A health file that is garbage, or that was
# written for other check settings, is ignored with a log line: lbd starts
# from `initial` then.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 3
write_conf() { # write_conf TIMEOUT_MS
	cat >"$XT_CONF" <<EOC
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: tcp, interval_ms: 1000, timeout_ms: $1, rise: 2, fall: 5}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
EOC
}
write_conf 300
HFILE=$XT_WORK/lbd.health
lbd_start

srv_pid() { in_ns "$1" ss -Hltnp 'sport = :80' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
be_state() { lbctl --json health web | jget "[b['state'] for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
be1_down() { [ "$(be_state 10.0.0.11)" = down ]; }
saved_be1() { "$XT_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["services"]["web"]["backends"]["10.0.0.11"])' "$HFILE"; }
be1_saved_down() { [ "$(saved_be1 2>/dev/null)" = False ]; }
# burst WHAT: 60 new connections right now: none may fail, none may reach be1
burst() {
	local r
	r=$(httpc burst "$XT_VIP" 60)
	info "$1: $r"
	assert_eq "$(echo "$r" | jget "d['errors']")" 0 "$1: failed connections"
	assert_eq "$(counts_of "$r" be1)" 0 "$1: connections reaching stopped be1"
	assert_ge "$(counts_of "$r" be2)" 1 "$1: connections reaching be2"
}

info "stop be1's server; wait until lbd marks it down (fall 5 x 1 s)"
kill "$(srv_pid be1)"
wait_for 10 be1_down || fail "be1 not marked down"
wait_for 3 be1_saved_down ||
	fail "be1's down state not saved to $HFILE: $(cat "$HFILE" 2>/dev/null)"
info "saved: $(cat "$HFILE")"
burst "before the restarts"

for sig in TERM KILL; do
	lines=$(wc -l <"$XT_WORK/lbd.log")
	info "SIG$sig to lbd, start it again"
	lbd_stop "$sig"
	lbd_start
	# right away, well before 5 failed probes could have decided anything
	assert_eq "$(be_state 10.0.0.11)" down "be1's state just after the restart (SIG$sig)"
	burst "just after the restart (SIG$sig)"
	{ tail -n +"$((lines + 1))" "$XT_WORK/lbd.log" || true; } | qgrep "health: took backend states saved" ||
		fail "the restarted lbd did not log taking the saved states"
	{ tail -n +"$((lines + 1))" "$XT_WORK/lbd.log" || true; } | qgrep "table rebuilt" &&
		fail "the restart rebuilt the lookup table: $(grep 'table rebuilt' "$XT_WORK/lbd.log" | tail -1)"
done

info "a garbage health file: ignored, lbd starts from initial: up"
lbd_stop TERM
echo '{"version": 1, "written_ms": "soon", ' >"$HFILE"
lines=$(wc -l <"$XT_WORK/lbd.log")
lbd_start
{ tail -n +"$((lines + 1))" "$XT_WORK/lbd.log" || true; } | qgrep "not a health state file" ||
	fail "no log line about the bad health file"
assert_eq "$(be_state 10.0.0.11)" up "be1 from initial: up after a bad health file"
wait_for 10 be1_down || fail "be1 not marked down again"
wait_for 3 be1_saved_down ||
	fail "state not saved again"

info "other check settings: the saved state does not apply"
lbd_stop TERM
write_conf 400
lbd_start
assert_eq "$(be_state 10.0.0.11)" up "be1 after a restart with another timeout_ms"
pass "health states survived SIGTERM and SIGKILL restarts: 0 failed connections, no table rebuilt; bad or foreign files ignored"
