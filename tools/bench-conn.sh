#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/bench-conn.sh - connection-level benchmark (called by `make bench`
# through tools/bench.sh; docs/performance.md explains the method).
#
#   NAME-cli (wrk) ──┐
#   NAME-lb        ──┤ one L2 segment (tools/lab: a bridge)
#   NAME-be1..4    ──┘ build/tools/bench_httpd :8080 (C, epoll, backlog 4096)
#
# HTTP requests per second and p50/p99 latency (wrk) to the VIP
# 10.100.0.10:8080, through:
#   xlb       build/lbd, native XDP on the balancer's interface, dsr-l2: the
#             backends answer the client directly
#   nftables  kube-proxy-style DNAT (numgen random mod 4) plus SNAT
#             (one-arm: replies must come back through the balancer)
#   haproxy   HAProxy in TCP mode (mode tcp, roundrobin) in the balancer netns
# to the same four backends. MODES: keepalive (wrk's default: 64 persistent
# connections, the per-request data path) and close (`Connection: close`: a
# new TCP connection per request, the balancer's per-connection work).
# Runs are interleaved (every config once per round, order rotated), medians
# over ROUNDS.
#
# Environment: ROUNDS (3), DURATION seconds per run (5), CONNS (64), THREADS
# (2), MODES ("keepalive close"), CONFIGS ("xlb nftables haproxy"), BUILD.
# Writes $BUILD/bench/conn.csv (every run), conn.tsv and conn.md (medians),
# conn.png (with gnuplot). Needs root, wrk and haproxy (tools/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
MODES=${MODES:-keepalive close}
CONFIGS=${CONFIGS:-xlb nftables haproxy}
OUT=$BUILD/bench
NBE=4
PORT=8080
VIP=10.100.0.10
SNAT_ADDR=10.0.0.3 # the nftables balancer's source address towards the backends
LBD=$BUILD/lbd
LBCTL=$BUILD/lbctl
HTTPD=$BUILD/tools/bench_httpd
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

ID=$(($$ % 10000))
NAME=bc$ID
PIN_DIR=/sys/fs/bpf/xlb/benchc$ID
SOCK=/run/xlb/benchc$ID.sock
LB_IF=$NAME-lb
WORK=
LBD_PID=
HAP_PID=
SRV_PIDS=()

log() { printf 'bench-conn: %s\n' "$*"; }
die() { log "$*" >&2; exit 1; }
in_ns() { local h=$1; shift; nsenter --net="/run/netns/$NAME-$h" "$@"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-conn: needs root (network namespaces, XDP); skipped" >&2
	exit 0
fi
for f in "$LBD" "$LBCTL" "$HTTPD"; do [ -x "$f" ] || die "$f not built (make all)"; done
command -v wrk >/dev/null || { log "wrk missing (tools/deps.sh); skipped" >&2; exit 0; }
if [[ " $CONFIGS " == *" haproxy "* ]] && ! command -v haproxy >/dev/null; then
	log "haproxy missing (tools/deps.sh): haproxy config skipped"; CONFIGS=${CONFIGS//haproxy/}
fi
if [[ " $CONFIGS " == *" nftables "* ]] && ! command -v nft >/dev/null; then
	log "nft missing: nftables config skipped"; CONFIGS=${CONFIGS//nftables/}
fi

# ---- lifecycle ----------------------------------------------------------
stop_pid() { # stop_pid PID: TERM, wait up to 5 s, KILL
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

lbd_stop() {
	[ -n "$LBD_PID" ] || return 0
	stop_pid "$LBD_PID"
	LBD_PID=
	in_ns lb "$LBD" --iface "$LB_IF" --pin-dir "$PIN_DIR" --detach >>"$WORK/lbd.log" 2>&1 || true
	rm -rf "$PIN_DIR" "$SOCK" "/run/xlb/$(echo "${PIN_DIR#/}" | tr / _).lock"
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	set +e
	[ -n "$WORK" ] && lbd_stop
	stop_pid "$HAP_PID"
	for pid in "${SRV_PIDS[@]}"; do stop_pid "$pid"; done
	tools/lab down "$NAME" >/dev/null 2>&1
	[ -n "$WORK" ] && rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
WORK=$(mktemp -d "/tmp/bench-conn.XXXXXX")
mkdir -p "$OUT" /run/xlb /sys/fs/bpf/xlb

# ---- topology -----------------------------------------------------------
setup() {
	local i
	tools/lab up "$NAME" --backends "$NBE" >"$WORK/lab.log" 2>&1 || { cat "$WORK/lab.log" >&2; die "lab up failed"; }
	for ((i = 1; i <= NBE; i++)); do
		nsenter --net="/run/netns/$NAME-be$i" "$HTTPD" --port "$PORT" --name "be$i" </dev/null >>"$WORK/httpd.log" 2>&1 &
		SRV_PIDS+=($!)
	done
	for ((i = 1; i <= NBE; i++)); do
		for _ in $(seq 50); do
			in_ns "be$i" ss -Hltn "sport = :$PORT" | grep -q LISTEN && break
			sleep 0.1
		done
	done
	# nftables SNATs to an address of its own: with HAProxy's (10.0.0.2) the
	# backends' TIME_WAIT sockets from HAProxy's connections, with other TCP
	# timestamps, would refuse the NATed SYNs that reuse their ports.
	in_ns lb ip addr add "$SNAT_ADDR/24" dev "$LB_IF"
	# Many short connections: let the client reuse ports quickly.
	in_ns cli sysctl -q -w net.ipv4.ip_local_port_range="10000 65000"

	cat >"$WORK/xlb.yaml" <<-EOF2
		services:
		  - name: bench
		    vip: $VIP
		    port: $PORT
		    protocol: tcp
		    forwarding: dsr-l2
		    backends:
		$(for ((i = 1; i <= NBE; i++)); do echo "      - address: 10.0.0.$((10 + i))"; done)
	EOF2
	tools/nft-dnat.sh tcp "$VIP" "$PORT" --snat "$SNAT_ADDR" 10.0.0.0/24 \
		$(for ((i = 1; i <= NBE; i++)); do echo "10.0.0.$((10 + i))"; done) >"$WORK/nft.conf"
	in_ns lb nft -c -f "$WORK/nft.conf" || die "nftables ruleset refused"
	# Conntrack keeps closed connections 120 s (TIME_WAIT): the client's
	# ports come round again within a run and their new SYNs stall on the old
	# entries. Balancers running conntrack shorten it; so do we.
	in_ns lb sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_time_wait=1 2>/dev/null ||
		log "cannot shorten conntrack TIME_WAIT: nftables 'close' runs may stall on port reuse"
	cat >"$WORK/haproxy.cfg" <<-EOF2
		global
		    maxconn 8000
		defaults
		    mode tcp
		    timeout connect 5s
		    timeout client 30s
		    timeout server 30s
		frontend bench
		    bind $VIP:$PORT
		    default_backend be
		backend be
		    balance roundrobin
		$(for ((i = 1; i <= NBE; i++)); do echo "    server be$i 10.0.0.$((10 + i)):$PORT"; done)
	EOF2
	haproxy -c -f "$WORK/haproxy.cfg" >/dev/null || die "haproxy config refused"
}

config_up() {
	local i
	case "$1" in
	xlb)
		# nsenter directly (not the in_ns function): $! must be lbd itself, not a subshell.
		nsenter --net="/run/netns/$NAME-lb" "$LBD" --config "$WORK/xlb.yaml" --iface "$LB_IF" --mode native \
			--pin-dir "$PIN_DIR" --socket "$SOCK" --state-dir "$WORK" --log-level warn </dev/null >>"$WORK/lbd.log" 2>&1 &
		LBD_PID=$!
		for ((i = 0; i < 100; i++)); do
			kill -0 "$LBD_PID" 2>/dev/null || { tail -5 "$WORK/lbd.log" >&2; die "lbd exited at start"; }
			"$LBCTL" -s "$SOCK" status >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		die "lbd did not answer on $SOCK within 10 s"
		;;
	nftables) in_ns lb nft -f "$WORK/nft.conf" ;;
	haproxy)
		in_ns lb ip addr add "$VIP/32" dev lo
		nsenter --net="/run/netns/$NAME-lb" haproxy -f "$WORK/haproxy.cfg" -db </dev/null >>"$WORK/haproxy.log" 2>&1 &
		HAP_PID=$!
		for ((i = 0; i < 50; i++)); do
			in_ns lb ss -Hltn "sport = :$PORT" | grep -q LISTEN && return 0
			sleep 0.1
		done
		die "haproxy did not listen within 5 s"
		;;
	*) die "unknown config '$1'" ;;
	esac
}

config_down() {
	case "$1" in
	xlb) lbd_stop ;;
	nftables) in_ns lb nft delete table ip xlb_bench ;;
	haproxy)
		stop_pid "$HAP_PID"
		HAP_PID=
		in_ns lb ip addr del "$VIP/32" dev lo
		;;
	esac
}

# wrk's output -> "rps p50_ms p99_ms errors"
parse_wrk() {
	"$PY" -c '
import re, sys
t = sys.stdin.read()
def ms(v, u):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[u]
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
p = {k: ms(*re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s|m)\s*$" % k, t, re.M).groups()) for k in ("50", "99")}
e = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", t))
e += int((re.search(r"Non-2xx or 3xx responses: (\d+)", t) or [0, 0])[1])
print("%.0f %.3f %.3f %d" % (float(rps.group(1)), p["50"], p["99"], e))'
}

measure() { # measure CONFIG MODE ROUND
	local cfg=$1 mode=$2 round=$3 hdr=() out res
	[ "$mode" = close ] && hdr=(-H "Connection: close")
	config_up "$cfg"
	# A short warm-up (ARP, first flows), then the measured run.
	in_ns cli wrk -t1 -c4 -d1s "${hdr[@]}" "http://$VIP:$PORT/" >/dev/null 2>&1 || true
	out=$(in_ns cli wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "${hdr[@]}" "http://$VIP:$PORT/" 2>&1) || true
	config_down "$cfg"
	if ! res=$(echo "$out" | parse_wrk 2>/dev/null); then
		echo "$out" >&2
		log "round $round $cfg $mode: no result from wrk"
		return 0
	fi
	read -r rps p50 p99 err <<<"$res"
	echo "$cfg,$mode,$round,$rps,$p50,$p99,$err" >>"$CSV"
	printf '  round %d  %-9s %-9s %8s req/s  p50 %7s ms  p99 %7s ms  errors %s\n' \
		"$round" "$cfg" "$mode" "$rps" "$p50" "$p99" "$err"
}

# ---- main -----------------------------------------------------------------
read -ra CFGS <<<"$CONFIGS"
read -ra MDS <<<"$MODES"
log "lab $NAME: $NBE backends (bench_httpd), wrk -t$THREADS -c$CONNS, $ROUNDS rounds x" \
	"${#CFGS[@]} configs x ${#MDS[@]} modes x ${DURATION}s"
setup
CSV=$OUT/conn.csv
echo "config,mode,round,rps,p50_ms,p99_ms,errors" >"$CSV"
for ((r = 1; r <= ROUNDS; r++)); do
	for m in "${MDS[@]}"; do
		for ((k = 0; k < ${#CFGS[@]}; k++)); do
			measure "${CFGS[$(((k + r - 1) % ${#CFGS[@]}))]}" "$m" "$r"
		done
	done
done

"$PY" - "$CSV" "$OUT" "$CONFIGS" "$MODES" "$CONNS" "$DURATION" <<-'PYEOF'
	import csv, os, platform, statistics, sys, time
	rows = list(csv.DictReader(open(sys.argv[1])))
	out, cfgs, modes, conns, dur = sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), sys.argv[5], sys.argv[6]
	names = {"xlb": "xlb (XDP, dsr-l2)", "nftables": "nftables DNAT + SNAT", "haproxy": "HAProxy (mode tcp)"}
	res = []
	for m in modes:
	    for c in cfgs:
	        rs = [r for r in rows if r["config"] == c and r["mode"] == m]
	        if not rs:
	            continue
	        med = lambda k: statistics.median(float(r[k]) for r in rs)
	        res.append((c, m, med("rps"), med("p50_ms"), med("p99_ms"), sum(int(r["errors"]) for r in rs), len(rs)))
	with open(os.path.join(out, "conn.tsv"), "w") as f:
	    f.write("config\tmode\tmedian_rps\tmedian_p50_ms\tmedian_p99_ms\terrors\truns\n")
	    for r in res:
	        f.write("%s\t%s\t%.0f\t%.3f\t%.3f\t%d\t%d\n" % r)
	lines = ["| mode | balancer | requests/s (median) | vs nftables | p50 ms | p99 ms | errors | runs |",
	         "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
	for r in res:
	    base = [x for x in res if x[0] == "nftables" and x[1] == r[1]]
	    vs = "%.2fx" % (r[2] / base[0][2]) if base and base[0][2] else "-"
	    lines.append("| %s | %s | %.0f | %s | %.2f | %.2f | %d | %d |" % (r[1], names.get(r[0], r[0]), r[2], vs, r[3], r[4], r[5], r[6]))
	note = "%s, %s, %d CPUs, wrk %s connections, %s s runs" % (
	    time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), platform.release(), os.cpu_count(), conns, dur)
	with open(os.path.join(out, "conn.md"), "w") as f:
	    f.write("HTTP through each balancer to the same 4 backends (%s)\n\n" % note + "\n".join(lines) + "\n")
	print("\n".join(lines))
PYEOF
log "results: $CSV, $OUT/conn.tsv, $OUT/conn.md"
