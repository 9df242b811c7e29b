#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# lbd speaks sd_notify for Type=notify units: READY=1 once the data path is
# programmed and the socket answers, RELOADING=1 then READY=1 around a SIGHUP
# reload, STOPPING=1 on SIGTERM. A Python datagram socket stands in for
# systemd's $NOTIFY_SOCKET.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 1
xt_config "$XT_CONF" 100

NS=$XT_WORK/notify.sock MSGS=$XT_WORK/notify.log
xt_bg "$XT_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
while True:
    m = s.recv(4096).decode()
    with open(sys.argv[2], "a") as f:
        f.write(m.replace("\n", " ") + "\n")
' "$NS" "$MSGS"
wait_for 5 test -e "$MSGS" || fail "notify listener did not start"

export NOTIFY_SOCKET=$NS
lbd_start
unset NOTIFY_SOCKET
wait_for 5 grep -q '^READY=1' "$MSGS" || fail "no READY=1 after start: $(cat "$MSGS")"
info "start: $(head -n 1 "$MSGS")"

kill -HUP "$XT_LBD_PID"
wait_for 5 grep -q '^RELOADING=1' "$MSGS" || fail "no RELOADING=1 on SIGHUP: $(cat "$MSGS")"
wait_for 5 test "$(grep -c '^READY=1' "$MSGS")" -ge 2 || fail "no READY=1 after the reload: $(cat "$MSGS")"
lbctl status >/dev/null || fail "lbd does not answer after the reload"

lbd_stop TERM
grep -q '^STOPPING=1' "$MSGS" || fail "no STOPPING=1 on SIGTERM: $(cat "$MSGS")"
order=$(cut -d= -f1 "$MSGS" | tr '\n' ' ')
assert_eq "$order" "READY RELOADING READY STOPPING " "notification order"
pass "sd_notify: $order"
