#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/demo.sh - `make demo`: xlb balancing real HTTP traffic in a netns lab.
#
# Builds a lab "xlbdemo" (client, balancer, 3 backends on one L2 segment; see
# tools/lab), starts lbd on the balancer, sends a few hundred HTTP requests to
# the VIP 10.100.0.10:80 (a new TCP connection each), shows how they spread,
# removes a backend with lbctl, shows the traffic moving, prints the counters,
# and removes everything it created. Exits non-zero if the traffic was not
# actually balanced. Needs root.
set -euo pipefail

cd "$(dirname "$0")/.."
TOP=$(pwd)
NAME=xlbdemo
LB_NS=/run/netns/$NAME-lb
CLI_NS=/run/netns/$NAME-cli
LB_IF=$NAME-lb
PIN_DIR=/sys/fs/bpf/xlb/$NAME
SOCK=/run/xlb/$NAME.sock
VIP=10.100.0.10
REQUESTS=${DEMO_REQUESTS:-300}
LBD=$TOP/build/lbd
LBCTL=$TOP/build/lbctl
WORK=
CNT_be1=0 CNT_be2=0 CNT_be3=0 ERRORS=0
LBD_PID=

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' O=$'\e[0m'; else B='' G='' R='' D='' O=''; fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$O"; }
run() { printf '%s$ %s%s\n' "$D" "$*" "$O"; "$@"; }
die() { printf '%sdemo: %s%s\n' "$R" "$*" "$O" >&2; exit 1; }
lbctl() { "$LBCTL" -s "$SOCK" "$@"; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	step "Cleaning up"
	if [ -n "$LBD_PID" ] && kill -0 "$LBD_PID" 2>/dev/null; then
		kill -TERM "$LBD_PID"
		for _ in $(seq 30); do kill -0 "$LBD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$LBD_PID" 2>/dev/null
	fi
	[ -e "$LB_NS" ] && nsenter --net="$LB_NS" "$LBD" --iface "$LB_IF" --pin-dir "$PIN_DIR" --detach \
		>>"${WORK:-/tmp}/lbd.log" 2>&1
	# lbd keeps a lock file per pin dir in /run/xlb (named after the path).
	rm -rf "$PIN_DIR" "$SOCK" "/run/xlb/$(echo "${PIN_DIR#/}" | tr / _).lock"
	tools/lab down "$NAME"
	if [ "$rc" -ne 0 ] && [ -n "$WORK" ] && [ -s "$WORK/lbd.log" ]; then
		echo "---- lbd log (last 40 lines) ----"
		tail -n 40 "$WORK/lbd.log"
	fi
	[ -n "$WORK" ] && rm -rf "$WORK"
	echo "removed lab $NAME, lbd, its pins ($PIN_DIR) and socket"
	if [ "$rc" -eq 0 ]; then
		printf '\n%sDemo OK: xlb balanced real HTTP traffic and moved it off a removed backend.%s\n' "$G" "$O"
	else
		printf '\n%sDemo FAILED (exit %s).%s\n' "$R" "$rc" "$O"
	fi
	exit "$rc"
}

# send N: N HTTP requests from the client to the VIP, each on a new TCP
# connection (curl per request); prints one backend name (or ERR) per line.
send() {
	nsenter --net="$CLI_NS" bash -c '
		for ((i = 0; i < $1; i++)); do
			curl -s --max-time 2 http://'"$VIP"'/ || echo ERR
		done' _ "$1"
}

# show_counts FILE: a small bar chart; sets CNT_be1.. and ERRORS
show_counts() {
	local f=$1 total h n bar
	total=$(wc -l <"$f")
	ERRORS=$(grep -c '^ERR' "$f" || true)
	for h in be1 be2 be3; do
		n=$(grep -cx "$h" "$f" || true)
		printf -v "CNT_$h" '%s' "$n"
		bar=$(printf '%*s' $((n * 50 / (total > 0 ? total : 1))) '' | tr ' ' '#')
		printf '  %s (10.0.0.%s)  %4d  %5.1f%%  %s\n' "$h" $((10 + ${h#be})) "$n" \
			"$(awk -v n="$n" -v t="$total" 'BEGIN {print t ? 100 * n / t : 0}')" "$bar"
	done
	printf '  failed requests:   %d of %d\n' "$ERRORS" "$total"
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP): run 'sudo make demo'"
[ -x "$LBD" ] && [ -x "$LBCTL" ] || die "build/lbd and build/lbctl missing: run 'make' first"
for c in nsenter curl ip ethtool clang; do command -v "$c" >/dev/null || die "missing $c (tools/deps.sh)"; done
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
	mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf
fi

WORK=$(mktemp -d /tmp/xlbdemo.XXXXXX)
# lbd's state file, audit log and history go to the work dir, removed at the end
export XLB_STATE_DIR=$WORK
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p /run/xlb /sys/fs/bpf/xlb
rm -rf "$PIN_DIR" "$SOCK" # leftovers of an interrupted demo

step "Building the lab: client, balancer and 3 backends in network namespaces, one L2 segment"
tools/lab up "$NAME" --backends 3
cat <<EOF
  client   $NAME-cli  10.0.0.100   routes $VIP via the balancer
  balancer $NAME-lb   10.0.0.2     lbd attaches the XDP program to $LB_IF
  backends $NAME-be1..3  10.0.0.11-13  each holds $VIP on lo and serves HTTP saying its name;
           replies go straight back to the client (direct server return)
EOF

cat >"$WORK/xlb.yaml" <<EOF
services:
  - name: web
    vip: $VIP
    port: 80
    protocol: tcp
    backends:
      - address: 10.0.0.11
        weight: 100
      - address: 10.0.0.12
        weight: 100
      - address: 10.0.0.13
        weight: 100
EOF
step "Starting lbd on the balancer with this config"
sed 's/^/  /' "$WORK/xlb.yaml"
printf '%s$ nsenter --net=%s build/lbd --config xlb.yaml --iface %s --pin-dir %s --socket %s%s\n' \
	"$D" "$LB_NS" "$LB_IF" "$PIN_DIR" "$SOCK" "$O"
nsenter --net="$LB_NS" "$LBD" --config "$WORK/xlb.yaml" --iface "$LB_IF" --pin-dir "$PIN_DIR" \
	--socket "$SOCK" </dev/null >"$WORK/lbd.log" 2>&1 &
LBD_PID=$!
for i in $(seq 100); do
	kill -0 "$LBD_PID" 2>/dev/null || die "lbd exited at start"
	lbctl status >/dev/null 2>&1 && break
	[ "$i" -eq 100 ] && die "lbd did not answer on $SOCK within 10 s"
	sleep 0.1
done
run "$LBCTL" -s "$SOCK" status
echo
run "$LBCTL" -s "$SOCK" service list
echo
run "$LBCTL" -s "$SOCK" backend list web

step "Sending $REQUESTS HTTP requests from the client to http://$VIP/ (a new TCP connection each)"
send "$REQUESTS" >"$WORK/round1"
show_counts "$WORK/round1"
fails=()
for h in be1 be2 be3; do
	n=CNT_$h
	[ "${!n}" -gt 0 ] || fails+=("$h got no request")
done
[ "$ERRORS" -eq 0 ] || fails+=("$ERRORS requests failed")

step "Removing backend be2 (10.0.0.12) with lbctl"
run "$LBCTL" -s "$SOCK" backend remove web 10.0.0.12
echo
run "$LBCTL" -s "$SOCK" backend list web

step "Sending $REQUESTS more requests: be2 gets no new connection, be1 and be3 share its share"
send "$REQUESTS" >"$WORK/round2"
show_counts "$WORK/round2"
[ "$CNT_be2" -eq 0 ] || fails+=("removed backend be2 still got $CNT_be2 new connections")
[ "$CNT_be1" -gt 0 ] && [ "$CNT_be3" -gt 0 ] || fails+=("a remaining backend got nothing after the removal")
[ "$ERRORS" -eq 0 ] || fails+=("$ERRORS requests failed after the removal")

step "Counters kept by the XDP program (summed over CPUs by lbctl)"
run "$LBCTL" -s "$SOCK" stats

if [ ${#fails[@]} -gt 0 ]; then
	for f in "${fails[@]}"; do printf '%sdemo: %s%s\n' "$R" "$f" "$O" >&2; done
	exit 1
fi
