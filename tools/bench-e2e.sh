#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/bench-e2e.sh - end-to-end forwarding benchmark (called by `make bench`
# through tools/bench.sh; docs/benchmarks.md explains the method).
#
#   generator ns ──veth── balancer ns ──veth── backend ns 1..N (XDP sinks: count, drop)
#   (pktgen, CPU 0)       (threaded NAPI, CPU 1; the sinks run there too, in softirq)
#
# 64-byte UDP, 1024 flows to the VIP 10.100.0.10:5000, sent by build/tools/pktgen
# at full speed (its engine: auto, or XLB_PKTGEN_ENGINE; each run records the
# engine and the rate it offered). Delivered packets per second (counted by
# the sinks) for:
#   kernel     plain kernel forwarding: an ECMP route for the VIP over the N
#              backends (L4 hash) - the baseline
#   xdp-fwd    bare XDP forwarder (tools/bpf/xdp_fwd_bare.bpf.c): fib lookup + redirect
#   xlb        build/lbd, native XDP, dsr-l2 to the N backends
#   xlb-generic  the same with --mode generic
#   nftables   kube-proxy-style DNAT: numgen random mod N vmap -> dnat per backend
# Runs are interleaved (every config once per round, in a rotated order) and
# the median over the rounds is reported with its ratio to `kernel`.
#
# Environment: ROUNDS (default 5), DURATION seconds per run (default 2),
# BACKENDS (default 4), FLOWS (default 1024), CONFIGS (space-separated subset),
# BUILD (default build), XLB_PKTGEN_ENGINE (pktgen's engine). Writes
# $BUILD/bench/e2e.csv (every run), e2e-summary.tsv and e2e.md (medians), all
# three only when every run happened (old ones are removed first). Needs
# root. Exit status says only whether the benchmark could run.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$(pwd)
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-2}
BACKENDS=${BACKENDS:-4}
FLOWS=${FLOWS:-1024}
CONFIGS=${CONFIGS:-kernel xdp-fwd xlb xlb-generic nftables}
SINK_NAPI=${SINK_NAPI:-inline} # inline: sinks run in softirq on the balancer CPU; threaded: on the generator CPU
OUT=$BUILD/bench
GEN_CPU=0
LB_CPU=1

PG=$BUILD/tools/pktgen
LBD=$BUILD/lbd
LBCTL=$BUILD/lbctl
SINK_OBJ=$BUILD/bpf/pktsink.bpf.o
FWD_OBJ=$BUILD/bpf/xdp_fwd_bare.bpf.o
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

VIP=10.100.0.10
VPORT=5000
ID=$(($$ % 10000))
P=x$ID # prefix of namespaces and interfaces (interface names <= 15 chars)
NS_GEN=$P-gen
NS_LB=$P-lb
IF_GEN=${P}g   # in NS_GEN
IF_IN=${P}l    # balancer ingress, in NS_LB
PIN_DIR=/sys/fs/bpf/xlb/bench$ID
SOCK=/run/xlb/bench$ID.sock
WORK=
LBD_PID=

log() { printf 'bench-e2e: %s\n' "$*"; }
die() { log "$*" >&2; exit 1; }
in_ns() { local n=$1; shift; nsenter --net="/run/netns/$n" "$@"; }
be_ns() { echo "$P-be$1"; }
be_out() { echo "${P}o$1"; } # balancer side of backend I's veth
be_if() { echo "${P}b$1"; }  # backend side

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-e2e: needs root (network namespaces, XDP); skipped" >&2
	exit 0
fi
for f in "$PG" "$LBD" "$LBCTL" "$SINK_OBJ" "$FWD_OBJ"; do
	[ -e "$f" ] || die "$f not built (make all)"
done
command -v bpftool >/dev/null || die "bpftool missing"
if [[ " $CONFIGS " == *" nftables "* ]] && ! command -v nft >/dev/null; then
	log "nft missing (apt-get install nftables): nftables config skipped"
	CONFIGS=${CONFIGS//nftables/}
fi
[ "$(nproc)" -ge 2 ] || { GEN_CPU=0; LB_CPU=0; log "one CPU: generator and balancer share it"; }

# ---- lifecycle ----------------------------------------------------------
lbd_stop() {
	[ -n "$LBD_PID" ] || return 0
	kill -TERM "$LBD_PID" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$LBD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$LBD_PID" 2>/dev/null || true
	wait "$LBD_PID" 2>/dev/null || true
	LBD_PID=
	in_ns "$NS_LB" "$LBD" --iface "$IF_IN" --pin-dir "$PIN_DIR" --detach >>"$WORK/lbd.log" 2>&1 || true
	rm -rf "$PIN_DIR" "$SOCK" "/run/xlb/$(echo "${PIN_DIR#/}" | tr / _).lock"
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	set +e
	[ -n "$WORK" ] && lbd_stop
	ip netns del "$NS_GEN" 2>/dev/null
	ip netns del "$NS_LB" 2>/dev/null
	for ((i = 1; i <= BACKENDS; i++)); do ip netns del "$(be_ns "$i")" 2>/dev/null; done
	[ -n "$WORK" ] && rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
WORK=$(mktemp -d "/tmp/bench-e2e.XXXXXX")
mkdir -p "$OUT" /run/xlb /sys/fs/bpf/xlb

mac_of() { in_ns "$1" ip -j link show dev "$2" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

# Threaded NAPI: writes go through `ip netns exec`, which mounts the
# namespace's own /sys.
napi_threaded() { ip netns exec "$1" sh -c "echo 1 > /sys/class/net/$2/threaded"; }

pin_napi() { # pin_napi IF CPU: every napi/IF-* kernel thread to CPU
	local pid
	for pid in $(ps -e -o pid=,comm= | awk -v p="napi/$1-" 'index($2, p) == 1 {print $1}'); do
		taskset -p -c "$2" "$pid" >/dev/null
	done
}

pin_all() { # the NAPI threads can be re-created when XDP/GRO change: pin before each run
	local i
	pin_napi "$IF_IN" "$LB_CPU"
	for ((i = 1; i <= BACKENDS; i++)); do pin_napi "$(be_if "$i")" "$GEN_CPU"; done
}

# ---- topology -------------------------------------------------------------
setup() {
	local i n o b
	ip netns add "$NS_GEN"
	ip netns add "$NS_LB"
	for n in "$NS_GEN" "$NS_LB"; do
		in_ns "$n" ip link set lo up
		in_ns "$n" sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	in_ns "$NS_LB" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1
	ip -n "$NS_GEN" link add name "$IF_GEN" type veth peer name "$IF_IN" netns "$NS_LB"
	in_ns "$NS_GEN" ip addr add 10.10.0.1/24 dev "$IF_GEN"
	in_ns "$NS_GEN" ip link set "$IF_GEN" up
	in_ns "$NS_LB" ip addr add 10.10.0.2/24 dev "$IF_IN"
	# GRO keeps the veth's NAPI up whatever XDP is attached: the kernel and
	# nftables paths need it to take XDP frames, and the NAPI thread stays put.
	# (GRO switched on while the veth is down does not survive `up` on 6.18.)
	in_ns "$NS_LB" ip link set "$IF_IN" up
	in_ns "$NS_LB" ethtool -K "$IF_IN" gro on >/dev/null
	napi_threaded "$NS_LB" "$IF_IN" # needs the NAPI: up, with GRO or XDP

	local nh=()
	for ((i = 1; i <= BACKENDS; i++)); do
		n=$(be_ns "$i") o=$(be_out "$i") b=$(be_if "$i")
		ip netns add "$n"
		in_ns "$n" ip link set lo up
		in_ns "$n" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$NS_LB" link add name "$o" type veth peer name "$b" netns "$n"
		in_ns "$n" ip addr add "10.10.$i.2/24" dev "$b"
		in_ns "$n" ip addr add "$VIP/32" dev lo
		in_ns "$n" ip link set "$b" up
		tools/pktsink.sh attach "$n" "$b"
		[ "$SINK_NAPI" = threaded ] && napi_threaded "$n" "$b"
		in_ns "$NS_LB" ip addr add "10.10.$i.1/24" dev "$o"
		in_ns "$NS_LB" ip link set "$o" up
		in_ns "$NS_LB" sysctl -q -w "net.ipv4.conf.$o.rp_filter=0"
		# Nothing answers ARP behind a sink: a permanent entry, as a router has.
		in_ns "$NS_LB" ip neigh replace "10.10.$i.2" lladdr "$(mac_of "$n" "$b")" dev "$o" nud permanent
		nh+=(nexthop via "10.10.$i.2" dev "$o")
	done
	# The kernel baseline and the bare XDP forwarder spread the VIP like a
	# balancer would: an ECMP route hashed on the 5-tuple.
	in_ns "$NS_LB" ip route add "$VIP/32" "${nh[@]}"
	LB_MAC=$(mac_of "$NS_LB" "$IF_IN")

	cat >"$WORK/xlb.yaml" <<-EOF
		services:
		  - name: bench
		    vip: $VIP
		    port: $VPORT
		    protocol: udp
		    backends:
		$(for ((i = 1; i <= BACKENDS; i++)); do echo "      - address: 10.10.$i.2"; done)
	EOF
	tools/nft-dnat.sh udp "$VIP" "$VPORT" \
		$(for ((i = 1; i <= BACKENDS; i++)); do echo "10.10.$i.2"; done) >"$WORK/nft.conf"
	in_ns "$NS_LB" nft -c -f "$WORK/nft.conf" || die "nftables ruleset refused"

	# The sinks' counter maps, found once (the sinks stay attached).
	SINK_MAPS=()
	for ((i = 1; i <= BACKENDS; i++)); do
		SINK_MAPS+=("$(prog_map_id "$(be_ns "$i")" "$(be_if "$i")" sink_count)")
	done
}

prog_map_id() { # prog_map_id NETNS IF MAPNAME
	local pid
	pid=$(in_ns "$1" ip -j link show dev "$2" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
	bpftool prog show id "$pid" -j | "$PY" -c '
import json, subprocess, sys
for m in json.load(sys.stdin)["map_ids"]:
    if json.loads(subprocess.check_output(["bpftool", "map", "show", "id", str(m), "-j"]))["name"] == sys.argv[1]:
        print(m)' "$3"
}

sink_total() { # packets received by all sinks so far
	"$PY" - "${SINK_MAPS[@]}" <<-'EOF'
		import json, subprocess, sys
		t = 0
		for m in sys.argv[1:]:
		    d = json.loads(subprocess.check_output(
		        ["bpftool", "map", "lookup", "id", m, "key", "0", "0", "0", "0", "-j"]))
		    t += sum(int(v["value"]) for v in d.get("formatted", d)["values"])
		print(t)
	EOF
}

# ---- configurations -------------------------------------------------------
config_up() {
	case "$1" in
	kernel) ;;
	xdp-fwd) in_ns "$NS_LB" ip link set dev "$IF_IN" xdpdrv obj "$FWD_OBJ" sec xdp ;;
	xlb | xlb-generic)
		local mode=native i
		[ "$1" = xlb-generic ] && mode=generic
		# nsenter directly (not the in_ns function): $! must be lbd itself, not a subshell.
		nsenter --net="/run/netns/$NS_LB" "$LBD" --config "$WORK/xlb.yaml" --iface "$IF_IN" --mode "$mode" \
			--pin-dir "$PIN_DIR" --socket "$SOCK" --state-dir "$WORK" --log-level warn \
			</dev/null >>"$WORK/lbd.log" 2>&1 &
		LBD_PID=$!
		for ((i = 0; i < 100; i++)); do
			kill -0 "$LBD_PID" 2>/dev/null || { tail -5 "$WORK/lbd.log" >&2; die "lbd exited at start"; }
			"$LBCTL" -s "$SOCK" status >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		die "lbd did not answer on $SOCK within 10 s"
		;;
	nftables) in_ns "$NS_LB" nft -f "$WORK/nft.conf" ;;
	*) die "unknown config '$1'" ;;
	esac
}

config_down() {
	case "$1" in
	xdp-fwd) in_ns "$NS_LB" ip link set dev "$IF_IN" xdp off ;;
	xlb | xlb-generic) lbd_stop ;;
	nftables)
		in_ns "$NS_LB" nft delete table ip xlb_bench
		in_ns "$NS_LB" sh -c 'command -v conntrack >/dev/null && conntrack -F' >/dev/null 2>&1 || true
		;;
	esac
}

PG_ARGS=() # set after setup: where and what pktgen sends

measure() { # measure CONFIG ROUND: one run, appended to the CSV
	local cfg=$1 round=$2 before after out secs gen delivered offered engine
	config_up "$cfg"
	pin_all
	sleep 0.2
	before=$(sink_total)
	out=$("$PG" "${PG_ARGS[@]}" --duration "$DURATION" -q 2>"$WORK/pktgen.err") || {
		cat "$WORK/pktgen.err" >&2
		die "pktgen failed ($cfg, round $round)"
	}
	sleep 0.1
	after=$(sink_total)
	config_down "$cfg"
	# "total: N packets in T s: P pps, ..."; stderr: "... pktgen: engine NAME (MODE): WHY"
	secs=$(echo "$out" | awk '/^total:/ {print $5}')
	gen=$(echo "$out" | awk '/^total:/ {print $2}')
	engine=$(sed -n 's/.*pktgen: engine \([a-z]*\) .*/\1/p' "$WORK/pktgen.err" | head -n 1)
	[ -n "$gen" ] && [ "$gen" -gt 0 ] || die "pktgen sent nothing ($cfg, round $round): $out"
	delivered=$(awk -v d=$((after - before)) -v s="$secs" 'BEGIN {printf "%.0f", d / s}')
	offered=$(awk -v g="$gen" -v s="$secs" 'BEGIN {printf "%.0f", g / s}')
	printf '%s,%d,%s,%s,%s,%s\n' "$cfg" "$round" "$delivered" "$offered" "$((after - before))" \
		"${engine:-unknown}" >>"$CSV"
	printf '  round %d  %-12s %9s pps delivered  (offered %s pps by pktgen engine %s)\n' "$round" \
		"$cfg" "$delivered" "$offered" "${engine:-unknown}"
}

# ---- main -----------------------------------------------------------------
read -ra CFGS <<<"$CONFIGS"
log "topology: $BACKENDS backends, generator CPU $GEN_CPU, balancer CPU $LB_CPU," \
	"$ROUNDS rounds x ${#CFGS[@]} configs x ${DURATION}s, 64-byte UDP, $FLOWS flows"
rm -f "$OUT/e2e.csv" "$OUT/e2e-summary.tsv" "$OUT/e2e.md" "$OUT/e2e.png"
setup
PG_ARGS=(--netns "$NS_GEN" --iface "$IF_GEN" --cpu "$GEN_CPU" --dst-mac "$LB_MAC"
	--src 10.10.0.100-10.10.0.131 --sport 10000-10031 --dst "$VIP" --dport "$VPORT"
	--flows "$FLOWS" --size 64)
gen_engine=$("$PG" "${PG_ARGS[@]}" --dry-run 2>&1) || die "pktgen cannot send here: $gen_engine"
log "generator: ${gen_engine#*pktgen: }"
# Results are written in $WORK and moved to $OUT only when complete.
CSV=$WORK/e2e.csv
echo "config,round,delivered_pps,offered_pps,delivered_packets,engine" >"$CSV"
for ((r = 1; r <= ROUNDS; r++)); do
	# Rotate the order each round so no config always runs first or last.
	for ((k = 0; k < ${#CFGS[@]}; k++)); do
		measure "${CFGS[$(((k + r - 1) % ${#CFGS[@]}))]}" "$r"
	done
done

# Medians and ratios to the kernel baseline.
"$PY" - "$CSV" "$WORK" "$CONFIGS" <<-'EOF'
	import csv, statistics, sys, time, platform, os
	rows = list(csv.DictReader(open(sys.argv[1])))
	out, order = sys.argv[2], sys.argv[3].split()
	if not rows:
	    sys.exit("bench-e2e: no runs")
	med = {c: statistics.median(float(r["delivered_pps"]) for r in rows if r["config"] == c)
	       for c in order if any(r["config"] == c for r in rows)}
	offered = {c: statistics.median(float(r["offered_pps"]) for r in rows if r["config"] == c) for c in med}
	n = {c: sum(r["config"] == c for r in rows) for c in med}
	eng = {c: ", ".join(sorted({r["engine"] for r in rows if r["config"] == c})) for c in med}
	base = med.get("kernel")
	with open(os.path.join(out, "e2e-summary.tsv"), "w") as f:
	    f.write("config\tmedian_pps\tratio_to_kernel\truns\tmedian_offered_pps\tengine\n")
	    for c in med:
	        f.write("%s\t%.0f\t%s\t%d\t%.0f\t%s\n" % (c, med[c], "%.2f" % (med[c] / base) if base else "", n[c], offered[c], eng[c]))
	lines = ["| config | median delivered pps | ratio to kernel | runs | offered pps (median) | pktgen engine |",
	         "| --- | ---: | ---: | ---: | ---: | --- |"]
	for c in med:
	    lines.append("| %s | %.2f M | %s | %d | %.2f M | %s |" % (c, med[c] / 1e6, "%.2fx" % (med[c] / base) if base else "-", n[c], offered[c] / 1e6, eng[c]))
	note = "%s, %s, %d CPUs" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), platform.release(), os.cpu_count())
	with open(os.path.join(out, "e2e.md"), "w") as f:
	    f.write("End-to-end forwarding, 64-byte UDP (%s)\n\n" % note + "\n".join(lines) + "\n")
	print("\n".join(lines))
	for c in med:
	    if med[c] > 0.9 * offered[c]:
	        print("note: %s delivered %.0f%% of what pktgen offered: the generator, not %s, may be the limit"
	              % (c, 100 * med[c] / offered[c], c))
	if "xlb" in med:
	    for other, goal in (("nftables", "goal >= 3x"), ("xdp-fwd", "goal >= 0.90x")):
	        if other in med:
	            print("xlb / %s: %.2fx (%s)" % (other, med["xlb"] / med[other], goal))
EOF
mv "$WORK/e2e-summary.tsv" "$WORK/e2e.md" "$OUT/"
mv "$CSV" "$OUT/e2e.csv"
log "results: $OUT/e2e.csv, $OUT/e2e-summary.tsv, $OUT/e2e.md"
