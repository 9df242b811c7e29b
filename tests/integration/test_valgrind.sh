#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbd under valgrind (memcheck): start, HTTP through the VIP, lbctl backend
# add/remove, acl add/remove, flow explain, a capture, reload, then a clean exit on SIGTERM. Any memory
# error or definite leak fails (--error-exitcode). tests/integration/valgrind.supp
# holds the suppressions for the bpf() syscall, whose attribute unions valgrind
# cannot see through (false "uninitialised byte" reports).
source "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip "valgrind missing"
xt_setup --backends 2
xt_config "$XT_CONF" 100 100

REAL_LBD=$XT_LBD
XT_LBD=$XT_WORK/lbd-valgrind
cat >"$XT_LBD" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
	--show-leak-kinds=definite --suppressions=$XT_TOP/tests/integration/valgrind.supp \\
	--log-file=$XT_WORK/valgrind.log "$REAL_LBD" "\$@"
EOF
chmod +x "$XT_LBD"
lbd_start
XT_LBD=$REAL_LBD # the EXIT trap's detach runs without valgrind

r=$(httpc burst "$XT_VIP" 10)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests through the VIP (lbd under valgrind)"
lbctl backend add web 10.0.0.13 >/dev/null
lbctl backend remove web 10.0.0.13 >/dev/null
lbctl acl add deny 192.0.2.0/24 >/dev/null
lbctl acl add --service web allow 10.0.0.0/8 >/dev/null
lbctl acl list >/dev/null
lbctl acl remove --service web allow 10.0.0.0/8 >/dev/null
lbctl stats >/dev/null
lbctl flow explain 10.0.0.100:40000 "$XT_VIP:80" --syn >/dev/null
lbctl flow explain 10.0.0.100:40000 "$XT_VIP:80" >/dev/null
lbctl flow explain 10.0.0.100 10.9.9.9:53/udp >/dev/null
lbctl capture --service web --duration 0.5 -w /dev/null 2>/dev/null &
r=$(httpc burst "$XT_VIP" 3)
wait $! || fail "capture under valgrind"
lbctl reload >/dev/null
lbctl reload --reset >/dev/null
r=$(httpc burst "$XT_VIP" 10)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "requests after the changes"
kill -TERM "$XT_LBD_PID"
rc=0
wait "$XT_LBD_PID" || rc=$?
XT_LBD_PID=
if [ "$rc" -ne 0 ]; then
	cat "$XT_WORK/valgrind.log"
	fail "lbd under valgrind exited with $rc (99: memcheck errors)"
fi
# valgrind's own notes about bpf() commands it does not model are not findings.
if grep -v "WARNING: unhandled eBPF command" "$XT_WORK/valgrind.log" | qgrep .; then
	cat "$XT_WORK/valgrind.log"
	fail "valgrind reported something"
fi
pass "lbd ran clean under valgrind through add/remove/acl/explain/capture/reload and exited 0"
