# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Shared helpers for tests/integration/test_*.sh. Source it, then call
# xt_setup. Every test gets its own lab (namespaces xtPID-*), pin directory,
# control socket and scratch directory, and an EXIT trap that removes them all,
# whatever happens. Exit codes: 0 pass, 77 skip, anything else fail.
#
#   xt_setup [--backends N]    root/binaries check, lab up, trap
#   xt_config FILE [W1 W2 ..]  write a config: service "web" 10.100.0.10:80/tcp,
#                              backends be1..N with the given weights (default 100)
#   lbd_start [ARGS..]         start lbd in the balancer netns; waits until it answers
#                              (state file $XT_WORK/lbd.state unless ARGS has --state)
#   lbd_stop [SIGNAL]          signal lbd (TERM default) and wait for it to exit
#   lbctl ARGS..               build/lbctl -s $XT_SOCK ARGS..
#   in_ns HOST CMD..           run CMD in the lab namespace of HOST (cli, lb, be1..)
#   httpc MODE ARGS..          tests/integration/httpc.py in the client netns
#   jget EXPR                  evaluate a Python expression on JSON stdin (as d)
#   wait_for SECONDS CMD..     poll CMD every 0.1 s until it succeeds
#   pass/fail/skip MSG, info MSG, assert_ge A B MSG, assert_eq A B MSG
set -euo pipefail

XT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XT_LAB=$XT_TOP/tools/lab
XT_LBD=$XT_TOP/build/lbd
XT_LBCTL=$XT_TOP/build/lbctl
XT_NAME=${XT_NAME:-xt$$}
XT_PIN_DIR=/sys/fs/bpf/xlb/$XT_NAME
XT_SOCK=/run/xlb/$XT_NAME.sock
XT_LB_IF=$XT_NAME-lb
XT_VIP=10.100.0.10
XT_VIP6=fd00:100::10
XT_WORK=
XT_CONF=
XT_LBD_PID=
XT_BG_PIDS=()
XT_T0=$(date +%s.%N)
if [ -x /usr/bin/python3 ]; then XT_PY=/usr/bin/python3; else XT_PY=$(command -v python3); fi

info() { printf '[%6.2fs] %s\n' "$(awk -v a="$XT_T0" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')" "$*"; }
fail() { info "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
pass() { info "PASS: $*"; exit 0; }

assert_ge() { # assert_ge A B MSG: A >= B
	[ "$1" -ge "$2" ] 2>/dev/null || fail "$3 (got $1, want >= $2)"
}
assert_eq() {
	[ "$1" = "$2" ] || fail "$3 (got '$1', want '$2')"
}

in_ns() { local h=$1; shift; nsenter --net="/run/netns/$XT_NAME-$h" "$@"; }
lbctl() { "$XT_LBCTL" -s "$XT_SOCK" "$@"; }
httpc() { in_ns cli "$XT_PY" "$XT_TOP/tests/integration/httpc.py" "$@"; }
# http_get_from HOST SPORT..: one GET per source port, in turn, from the client,
# read to the server's FIN (the server closes first: its side enters
# TIME-WAIT, the client's does not, so the port can be used again at once);
# prints the backends' names (or error:EXCEPTION), one per port.
http_get_from() {
	in_ns cli "$XT_PY" - "$@" <<'PY'
import socket, sys
names = []
for port in sys.argv[2:]:
    s = socket.socket()
    s.settimeout(3)
    try:
        s.bind(("", int(port)))
        s.connect((sys.argv[1], 80))
        s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n")
        data = b""
        while True:  # to the server's FIN: the client never enters TIME_WAIT
            b = s.recv(4096)
            if not b:
                break
            data += b
        names.append(data.split(b"\r\n\r\n", 1)[1].decode().strip() or "empty")
    except OSError as e:
        names.append("error:" + type(e).__name__)
    finally:
        s.close()
print(" ".join(names))
PY
}
jget() { "$XT_PY" -c 'import json,sys; d=json.load(sys.stdin); r=eval(sys.argv[1]); print(json.dumps(r) if isinstance(r,(dict,list)) else r)' "$1"; }

# qgrep ARGS..: grep -q that reads all its input. Under pipefail, grep -q
# leaving at the first match kills a writer still writing (SIGPIPE, status
# 141) and fails the pipeline although the text was there.
qgrep() { grep "$@" >/dev/null; }

wait_for() { # wait_for SECONDS CMD..
	local t=$1 i; shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

xt_cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	set +e
	for pid in "${XT_BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	if [ -n "$XT_LBD_PID" ] && kill -0 "$XT_LBD_PID" 2>/dev/null; then
		kill -TERM "$XT_LBD_PID" 2>/dev/null
		for _ in $(seq 30); do kill -0 "$XT_LBD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$XT_LBD_PID" 2>/dev/null
	fi
	if [ -e "/run/netns/$XT_NAME-lb" ] && [ -x "$XT_LBD" ]; then
		nsenter --net="/run/netns/$XT_NAME-lb" "$XT_LBD" --iface "$XT_LB_IF" \
			--pin-dir "$XT_PIN_DIR" --detach >>"${XT_WORK:-/dev/null}/lbd.log" 2>&1
	fi
	# lbd keeps a lock file per pin dir in /run/xlb (named after the path).
	rm -rf "$XT_PIN_DIR" "$XT_SOCK" "/run/xlb/$(echo "${XT_PIN_DIR#/}" | tr / _).lock"
	# tools/decap-install --syn-cookie-secret keeps each backend's secret here.
	rm -f /run/xlb/synck-*-"$XT_NAME"-be*.secret
	"$XT_LAB" down "$XT_NAME"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$XT_WORK" ] && [ -s "$XT_WORK/lbd.log" ]; then
		echo "---- lbd log (last 60 lines) ----"
		tail -n 60 "$XT_WORK/lbd.log"
	fi
	[ -n "$XT_WORK" ] && rm -rf "$XT_WORK"
	exit "$rc"
}

xt_setup() { # xt_setup [--backends N]
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -x "$XT_LBD" ] || skip "build/lbd not built"
	[ -x "$XT_LBCTL" ] || skip "build/lbctl not built"
	command -v nsenter >/dev/null || skip "nsenter missing"
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
		mount -t bpf bpf /sys/fs/bpf || skip "cannot mount bpffs"
	fi
	XT_WORK=$(mktemp -d "/tmp/$XT_NAME.XXXXXX")
	trap xt_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	mkdir -p /run/xlb /sys/fs/bpf/xlb
	XT_CONF=$XT_WORK/xlb.yaml
	info "lab $XT_NAME up"
	"$XT_LAB" up "$XT_NAME" "$@"
}

xt_config() { # xt_config FILE [WEIGHT..]: backends be1..N (N = number of weights, default 3 x 100)
	local f=$1 i=0 w; shift
	[ $# -gt 0 ] || set -- 100 100 100
	{
		echo "services:"
		echo "  - name: web"
		echo "    vip: $XT_VIP"
		echo "    port: 80"
		echo "    protocol: tcp"
		echo "    backends:"
		for w in "$@"; do
			i=$((i + 1))
			echo "      - address: 10.0.0.$((10 + i))"
			echo "        weight: $w"
		done
	} >"$f"
}

lbd_alive() { [ -n "$XT_LBD_PID" ] && kill -0 "$XT_LBD_PID" 2>/dev/null; }

lbd_start() { # lbd_start [EXTRA ARGS]: config $XT_CONF; waits until lbctl status answers
	[ -f "$XT_CONF" ] || xt_config "$XT_CONF"
	echo "==== lbd start $(date +%T.%N)" >>"$XT_WORK/lbd.log"
	nsenter --net="/run/netns/$XT_NAME-lb" "$XT_LBD" --config "$XT_CONF" --iface "$XT_LB_IF" \
		--pin-dir "$XT_PIN_DIR" --socket "$XT_SOCK" --log-level debug \
		--state "$XT_WORK/lbd.state" --audit-log "$XT_WORK/audit.log" "$@" \
		</dev/null >>"$XT_WORK/lbd.log" 2>&1 &
	XT_LBD_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		lbd_alive || fail "lbd exited at start"
		lbctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "lbd did not answer on $XT_SOCK within 10 s"
}

lbd_stop() { # lbd_stop [SIGNAL]
	local sig=${1:-TERM} i
	lbd_alive || return 0
	kill "-$sig" "$XT_LBD_PID"
	for ((i = 0; i < 100; i++)); do
		lbd_alive || break
		sleep 0.1
	done
	lbd_alive && fail "lbd did not exit on SIG$sig"
	wait "$XT_LBD_PID" 2>/dev/null || true
	XT_LBD_PID=
}

xt_bg() { # xt_bg CMD.. : run in the background, killed at cleanup; PID in XT_BG_PID
	# in_ns is a function: in the background it would run in a forked bash
	# and $! would name that bash; nsenter execs CMD, so $! names CMD itself.
	if [ "$1" = in_ns ]; then
		set -- nsenter --net="/run/netns/$XT_NAME-$2" "${@:3}"
	fi
	"$@" &
	XT_BG_PID=$!
	XT_BG_PIDS+=("$XT_BG_PID")
}

# ka_done PID JSON WHAT [BACKEND]: wait for the keep-alive client PID (its stop
# file touched or its time up), show its result file JSON, assert no error, no
# reconnect, and that it saw only BACKEND (or one backend). Result in KA_R.
ka_done() {
	local pid=$1 json=$2 what=$3 be=${4:-}
	wait "$pid" || fail "$what: keep-alive client failed"
	KA_R=$(cat "$json")
	info "$what: $KA_R"
	assert_eq "$(echo "$KA_R" | jget "d['errors']")" 0 "$what: errors"
	assert_eq "$(echo "$KA_R" | jget "d['reconnects']")" 0 "$what: reconnects"
	if [ -n "$be" ]; then
		assert_eq "$(echo "$KA_R" | jget "sorted(d['counts'])")" "[\"$be\"]" "$what: backends seen"
	else
		assert_eq "$(echo "$KA_R" | jget "len(d['counts'])")" 1 "$what: stayed on one backend"
	fi
}

# xt_new_flows ADDR -> the new flows the data path counted for backend ADDR
xt_new_flows() { lbctl --json stats | jget "[b['new_flows'] for s in d['services'] for b in s['backend_list'] if b['address']=='$1'][0]"; }

# xt_hold N SECONDS STOPFILE: N connections to the VIP's port 80 from the
# client, held open (prints how many opened), closed after SECONDS or when
# STOPFILE exists.
xt_hold() {
	in_ns cli "$XT_PY" -c '
import socket, sys, time, os
n, secs, stop = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
ss, ok = [], 0
for i in range(n):
    s = socket.create_connection((sys.argv[4], 80), timeout=3)
    ss.append(s); ok += 1
print(ok, flush=True)
t = time.time()
while time.time() - t < secs and not os.path.exists(stop):
    time.sleep(0.05)
for s in ss: s.close()
' "$1" "$2" "$3" "$XT_VIP"
}

# xt_agent BE FILE: an agent check (#21) on BE's port 9999 that answers the
# content of FILE (read anew each time) to every connection; PID in XT_BG_PID.
xt_agent() {
	xt_bg in_ns "$1" "$XT_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9999)); s.listen(64)
while True:
    c, _ = s.accept()
    try:
        c.sendall(open(sys.argv[1], "rb").read())
    except OSError:
        pass
    c.close()
' "$2"
}

# counts_of JSON BACKEND -> requests served by BACKEND (be1..) in an httpc result
counts_of() { echo "$1" | jget "d['counts'].get('$2', 0)"; }
