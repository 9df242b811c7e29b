#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbctl against a running lbd: add/weight/remove/list round trip seen in
# --json output and in traffic; bad arguments give a clear error, a non-zero
# exit and leave lbd's state unchanged; lbd --check-config names the bad line;
# lbd refuses to start with a bad config.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 4
xt_config "$XT_CONF" 100 100 100 # be4 (10.0.0.14) is up but not configured

info "a bad config: --check-config names file and line; lbd refuses to start"
bad=$XT_WORK/bad.yaml
cat >"$bad" <<'YAML'
services:
  - name: web
    vip: 10.100.0.10
    port: 80
    protocol: tcp
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.x
YAML
set +e
out=$("$XT_LBD" --config "$bad" --check-config 2>&1); rc=$?
set -e
info "  lbd --check-config bad.yaml: exit $rc: $out"
[ "$rc" -ne 0 ] || fail "--check-config accepted a bad file"
case "$out" in *"bad.yaml:8"*"10.0.0.x"*) ;; *) fail "--check-config error does not name bad.yaml:8 and the value" ;; esac
"$XT_LBD" --config "$XT_CONF" --check-config >/dev/null 2>&1 || fail "--check-config refused a good file"
set +e
out=$(timeout 10 nsenter --net="/run/netns/$XT_NAME-lb" "$XT_LBD" --config "$bad" --iface "$XT_LB_IF" \
	--pin-dir "$XT_PIN_DIR" --socket "$XT_SOCK" 2>&1); rc=$?
set -e
info "  lbd with bad.yaml: exit $rc: $(echo "$out" | tail -n 1)"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "lbd started with a bad config (exit $rc)"
case "$out" in *"bad.yaml:8"*) ;; *) fail "lbd's error does not name bad.yaml:8" ;; esac
if in_ns lb ip link show "$XT_LB_IF" | qgrep 'prog/xdp'; then
	fail "lbd refused the config but left an XDP program attached"
fi

lbd_start
state() { lbctl --json backend list web | jget "sorted((b['address'], b['weight']) for b in d['backends'])"; }
s0=$(state)
info "backends: $s0"
assert_eq "$(lbctl --json service list | jget "[s['name'] for s in d['services']]")" '["web"]' "service list"

info "round trip: add be4 with weight 50, re-weight it to 200, remove it"
lbctl backend add web 10.0.0.14 --weight 50
assert_eq "$(lbctl --json backend list web | jget "[b['weight'] for b in d['backends'] if b['address'] == '10.0.0.14']")" \
	"[50]" "weight of the added backend"
r=$(httpc burst "$XT_VIP" 200)
info "  traffic after add: $r"
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed requests"
assert_ge "$(counts_of "$r" be4)" 10 "new connections reaching the added backend (weight 50 of 350)"
lbctl backend weight web 10.0.0.14 200
assert_eq "$(lbctl --json backend list web | jget "[b['weight'] for b in d['backends'] if b['address'] == '10.0.0.14']")" \
	"[200]" "weight after 'backend weight'"
lbctl backend remove web 10.0.0.14
assert_eq "$(state)" "$s0" "backends after the round trip"
r=$(httpc burst "$XT_VIP" 100)
assert_eq "$(counts_of "$r" be4)" 0 "new connections reaching the removed backend"

info "bad arguments: clear error, non-zero exit, state unchanged, lbd still answers"
check_bad() { # check_bad WORD-IN-ERROR ARGS..
	local want=$1 rc out; shift
	set +e
	out=$(lbctl "$@" 2>&1); rc=$?
	set -e
	info "  lbctl $*: exit $rc: $out"
	[ "$rc" -ne 0 ] || fail "lbctl $* succeeded"
	case "$out" in *"$want"*) ;; *) fail "lbctl $*: error does not mention '$want'" ;; esac
	assert_eq "$(state)" "$s0" "backends after 'lbctl $*'"
	lbctl status >/dev/null || fail "lbd stopped answering after 'lbctl $*'"
}
check_bad frobnicate frobnicate
check_bad 10.0.0.x backend add web 10.0.0.x
check_bad 10.0.0.x backend remove web 10.0.0.x
check_bad abc backend weight web 10.0.0.11 abc
check_bad 70000 backend weight web 10.0.0.11 70000
check_bad 70000 backend add web 10.0.0.14 --weight 70000
check_bad nosuch backend add nosuch 10.0.0.14
check_bad nosuch backend list nosuch
check_bad 10.0.0.99 backend remove web 10.0.0.99
check_bad 10.0.0.11 backend add web 10.0.0.11
check_bad fd00::14 backend add web fd00::14

info "lbd validates requests itself too (raw protocol lines, bypassing lbctl's checks)"
raw() { # raw JSON-LINE -> lbd's answer line
	"$XT_PY" - "$XT_SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    c = s.recv(65536)
    if not c: break
    buf += c
print(buf.decode().strip())
PY
}
for req in 'not json' '{"v":1,"cmd":"frobnicate"}' \
	'{"v":1,"cmd":"backend.add","args":{"service":"web","address":"10.0.0.x"}}' \
	'{"v":1,"cmd":"backend.weight","args":{"service":"web","address":"10.0.0.11","weight":70000}}' \
	'{"v":1,"cmd":"backend.weight","args":{"service":"web","address":"10.0.0.11","weight":"abc"}}' \
	'{"v":1,"cmd":"backend.add","args":{"service":"nosuch","address":"10.0.0.14"}}'; do
	ans=$(raw "$req")
	info "  $req -> $ans"
	[ "$(echo "$ans" | jget "d['ok']")" = False ] || fail "lbd accepted $req"
	assert_eq "$(state)" "$s0" "backends after raw request $req"
done
lbd_alive || fail "lbd died"
r=$(httpc burst "$XT_VIP" 60)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "traffic after the bad commands"
pass "lbctl round trip and error handling"
