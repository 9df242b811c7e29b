#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/bench-health-lbd.sh -- lbd itself probing N backends (default 10,000)
# at a 1 s interval: probes per second achieved, how late probes start against
# their schedule (p99 bucket; goal < 100 ms) and lbd's CPU use.
#
# lbd's default capacity is 4096 backends (include/xlb.h), so lbd runs with
# --max-backends 16384 (the same build as everywhere else). It runs in
# a private network namespace: lbd attaches to a veth there, the backends are
# N local addresses (10.200.0.0/16 routed "local" on lo) answered by one
# listener (build/tools/bench_httpd). Nothing outside the namespace is touched.
#
# Usage: tools/bench-health-lbd.sh [BACKENDS] [SECONDS]   (root)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
SECS=${2:-10}
BIN=${BUILD:-build}
NS=xbh$$
WORK=$(mktemp -d /tmp/xlb-bench-health.XXXXXX)
SOCK=/run/xlb/$NS.sock
PIN=/sys/fs/bpf/xlb/$NS
LBD_PID= SRV_PID=

die() { echo "bench-health-lbd: $*" >&2; exit 1; }
cleanup() {
	set +e
	[ -n "$LBD_PID" ] && kill "$LBD_PID" 2>/dev/null && sleep 0.5
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null
	if [ -e "/run/netns/$NS" ]; then
		nsenter --net="/run/netns/$NS" "$BIN/lbd" --iface "$NS-a" --pin-dir "$PIN" --detach \
			>/dev/null 2>&1
		ip netns pids "$NS" 2>/dev/null | xargs -r kill -9
		ip netns del "$NS"
	fi
	rm -rf "$PIN" "$SOCK" "/run/xlb/$(echo "${PIN#/}" | tr / _).lock" "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, XDP)"
[ "$N" -ge 1 ] && [ "$N" -le 16000 ] || die "backends: 1..16000"
make -s BUILD="$BIN" "$BIN/lbd" "$BIN/lbctl" >/dev/null
make -s build/tools/bench_httpd >/dev/null

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add "$NS-a" type veth peer name "$NS-b"
ip -n "$NS" link set "$NS-a" up
ip -n "$NS" link set "$NS-b" up
ip -n "$NS" addr add 10.199.0.1/24 dev "$NS-a"
ip -n "$NS" route add local 10.200.0.0/16 dev lo
nsenter --net="/run/netns/$NS" build/tools/bench_httpd --port 8080 --name be >/dev/null 2>&1 &
SRV_PID=$!

# N backends over as many services as needed (at most 4000 each), same check for all.
python3 - "$N" >"$WORK/xlb.yaml" <<'PY'
import sys
n = int(sys.argv[1]); per = 4000
print("services:")
for s in range((n + per - 1) // per):
    print(f"  - name: s{s}\n    vip: 10.100.0.{10 + s}\n    port: 8080\n"
          "    health_check: {type: tcp, interval_ms: 1000, timeout_ms: 500, jitter_ms: 100}\n"
          "    backends:")
    for i in range(s * per, min(n, (s + 1) * per)):
        print(f"      - address: 10.200.{(i + 1) // 256}.{(i + 1) % 256}")
PY

mkdir -p /run/xlb
nsenter --net="/run/netns/$NS" "$BIN/lbd" --config "$WORK/xlb.yaml" --iface "$NS-a" --max-backends 16384 \
	--pin-dir "$PIN" --socket "$SOCK" --state-dir "$WORK" --log-level warn \
	</dev/null >"$WORK/lbd.log" 2>&1 &
LBD_PID=$!
for _ in $(seq 100); do
	"$BIN/lbctl" -s "$SOCK" status >/dev/null 2>&1 && break
	kill -0 "$LBD_PID" 2>/dev/null || { tail -5 "$WORK/lbd.log" >&2; die "lbd exited"; }
	sleep 0.1
done

health() { "$BIN/lbctl" -s "$SOCK" --json health; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$LBD_PID/stat"; }
sleep 2 # one interval spreads the first probes, then measure
health >"$WORK/h0.json"; c0=$(cpu_ticks) t0=$(date +%s.%N)
sleep "$SECS"
health >"$WORK/h1.json"; c1=$(cpu_ticks) t1=$(date +%s.%N)
python3 - "$N" "$WORK/h0.json" "$WORK/h1.json" "$c0" "$c1" "$t0" "$t1" "$(getconf CLK_TCK)" <<'PY'
import json, sys
n = int(sys.argv[1]); h0, h1 = (json.load(open(f)) for f in sys.argv[2:4])
c0, c1, t0, t1, hz = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
dt = t1 - t0
hist = [b - a for a, b in zip(h0["lateness_hist"], h1["lateness_hist"])]
names = h1["lateness_buckets"]
total, cum, p99 = sum(hist), 0, "n/a"
for name, c in zip(names, hist):
    cum += c
    if total and cum * 100 >= total * 99:
        p99 = name
        break
up = sum(b["state"] == "up" for s in h1["services"] for b in s["backends"])
print(f"lbd probing {n} backends (1 s interval) for {dt:.1f} s")
print(f"probes_per_s {(h1['probes'] - h0['probes']) / dt:.0f}  (expected {n})  backends up {up}/{n}")
print(f"lbd_cpu {100.0 * (c1 - c0) / hz / dt:.1f}% of one core")
print("lateness: " + " ".join(f"{a}:{b}" for a, b in zip(names, hist)))
print(f"p99_lateness_bucket {p99}  max_lateness_ms {h1['lateness_max_ms']:.1f}")
print("goal p99 < 100 ms: " + ("met" if p99 in names[:4] else "missed"))
PY
