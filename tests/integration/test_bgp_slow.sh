#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A slow BIRD does not stall lbd (userspace/lbd/bgp.c: the fragment write and
# BIRD's `configure` run on a worker thread). A fake BIRD control socket takes
# 1.5 s to answer each `configure`; while it holds an answer, lbd keeps
# answering lbctl at once and keeps probing: the second backend's failure is
# detected and applied although a reconfigure of the first failure is still
# waiting. The withdrawal and re-announcement reach the fragment, BIRD is
# asked for each change (the last one confirmed), and `lbctl node drain`
# still reports BIRD's own answer.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
SOCK=$XT_WORK/bird.ctl
FRAG=$XT_WORK/xlb-vips.conf
DELAY=1.5
cat >"$XT_WORK/fakebird.py" <<'PY'
import os, socket, sys, threading, time
path, delay, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
def serve(c):
    with c:
        c.sendall(b"0001 BIRD 2.0.12 ready.\n")
        f = c.makefile("rb")
        line = f.readline()
        with open(log, "a") as o:
            o.write("%.3f %s\n" % (time.time(), line.decode().strip()))
        time.sleep(delay)
        c.sendall(b"0002-Reading configuration from /etc/bird/bird.conf\n0003 Reconfigured\n")
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
xt_bg "$XT_PY" "$XT_WORK/fakebird.py" "$SOCK" "$DELAY" "$XT_WORK/bird.log"
wait_for 5 test -S "$SOCK" || fail "fake BIRD did not start"
cat >"$XT_CONF" <<EOC
bgp:
  bird_socket: $SOCK
  config_file: $FRAG
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: tcp, interval_ms: 100, timeout_ms: 50, rise: 1, fall: 2}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
EOC
lbd_start
configures() { grep -c configure "$XT_WORK/bird.log" 2>/dev/null || echo 0; }
in_sync() { [ "$(lbctl --json node status | jget "d['in_sync']")" = True ]; }
wait_for 10 in_sync || fail "first announcement not confirmed: $(lbctl --json node status)"
grep -q "$XT_VIP" "$FRAG" || fail "VIP not in the fragment: $(cat "$FRAG")"
c0=$(configures)

srv_pid() { in_ns "$1" ss -Hltnp 'sport = :80' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
be_state() { lbctl --json health web | jget "[b['state'] for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
ms() { echo $(($(date +%s%N) / 1000000)); }

info "both backends fail one after the other: the VIP is withdrawn"
be1_down() { [ "$(be_state 10.0.0.11)" = down ]; }
kill "$(srv_pid be1)"
wait_for 5 be1_down || fail "be1 not marked down"
kill "$(srv_pid be2)"
# BIRD now holds a configure answer for DELAY s at a time: lbd must not wait on it
t0=$(ms)
wait_for 5 sh -c "grep -q 'withdrawing $XT_VIP' '$XT_WORK/lbd.log'" || fail "VIP not withdrawn"
tw=$(($(ms) - t0))
info "withdrawal decided ${tw} ms after be2's server stopped"
worst=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	t=$(ms)
	lbctl status >/dev/null || fail "lbctl status failed"
	dt=$(($(ms) - t))
	[ "$dt" -gt "$worst" ] && worst=$dt
	sleep 0.1
done
info "lbctl status while BIRD holds its answer: slowest of 10 took $worst ms (BIRD answers after ${DELAY}s)"
[ "$worst" -lt 1000 ] || fail "lbctl waited on BIRD: $worst ms"
assert_eq "$(be_state 10.0.0.12)" down "be2 detected down while BIRD was busy"
wait_for 10 in_sync || fail "withdrawal never confirmed: $(lbctl --json node status)"
grep -q "$XT_VIP" "$FRAG" && fail "the VIP is still in the fragment: $(cat "$FRAG")"
info "withdrawal confirmed: $(lbctl --json node status | jget "d['last_result']")"

info "be1 back: announced again"
xt_bg in_ns be1 "$XT_PY" "$XT_TOP/tools/lab-httpd.py" be1 80
wait_for 10 sh -c "grep -q '$XT_VIP' '$FRAG'" || fail "VIP not re-announced: $(cat "$FRAG")"
wait_for 10 in_sync || fail "re-announcement never confirmed"
info "BIRD was asked to reconfigure $(($(configures) - c0)) times after the start"

info "lbctl node drain waits for BIRD's own answer and reports it"
t=$(ms)
out=$(lbctl node drain) || fail "node drain: $out"
dt=$(($(ms) - t))
info "node drain took $dt ms: $(echo "$out" | tr '\n' ' ' | cut -c1-160)"
[ "$dt" -ge 1200 ] || fail "node drain answered before BIRD did ($dt ms)"
echo "$out" | qgrep "Reconfigured" || fail "node drain does not show BIRD's answer: $out"
grep -q "$XT_VIP" "$FRAG" && fail "drained, yet the VIP is in the fragment"
pass "a BIRD taking ${DELAY}s per configure: lbctl answered within $worst ms, health went on, every change reached BIRD, node drain reported BIRD's answer"
