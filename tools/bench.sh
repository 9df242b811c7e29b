#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/bench.sh -- the runner behind `make bench`: data path cost per case
# relative to XDP_DROP (see tools/bench_xdp.c for the method), end-to-end and
# connection-level runs, the health checker. Needs root.
# Benchmarks are not tests: the output is numbers, and the exit status says
# whether every part could run. A part that fails or times out is named at
# the end and makes the exit status 1; its outputs are removed, so nothing is
# plotted or listed from a run that did not happen.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespace, BPF); skipped" >&2
	exit 0
fi
# Whole run: about 9 minutes here (bench_xdp ~1, connection-table ablations ~2, scaling ~0.5, e2e ~2.5,
# conn ~3); each part is bounded by `timeout`, so `make bench` always ends.
OUT=$BUILD/bench
mkdir -p "$OUT"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi
export BUILD

FAILED=()
# part NAME OUTPUTS CMD..: run one part after removing its old OUTPUTS (file
# names in $OUT); if it fails, say so, record NAME and remove what it left.
part() {
	local name=$1 outputs=$2 rc=0 f
	shift 2
	for f in $outputs; do rm -f "${OUT:?}/$f"; done
	"$@" || rc=$?
	[ "$rc" -eq 0 ] && return 0
	if [ "$rc" -eq 124 ]; then
		echo "bench: $name timed out" >&2
	else
		echo "bench: $name failed (exit $rc)" >&2
	fi
	for f in $outputs; do rm -f "${OUT:?}/$f"; done
	FAILED+=("$name")
	return 1
}

micro() { timeout 300 "$BUILD"/tools/bench_xdp | tee "$OUT/micro.txt"; }
capture() { timeout 120 "$BUILD"/tools/bench_xdp --capture | tee "$OUT/capture.txt"; }
# Connection-table ablations (issue #20, docs/performance.md): bench_xdp built
# against set-associative tables; compare with micro.txt (the shipped LRU).
ct() {
	local v
	for v in sa4 sa8 sa4pc; do
		echo "# bench_xdp_ct_$v"
		timeout 300 "$BUILD/tools/bench_xdp_ct_$v" || return
	done | tee "$OUT/ct.txt"
}

scaling() {
	timeout 300 "$BUILD"/tools/bench_xdp --scaling | tee "$OUT/scaling.txt" || return
	# scaling.txt -> scaling.tsv and scaling.md (one table per case: services x flows)
	"$PY" - "$OUT" <<-'EOF'
		import os, sys
		out = sys.argv[1]
		rows = [l.split() for l in open(os.path.join(out, "scaling.txt")) if l.strip() and not l.startswith("#")]
		if not rows:
		    sys.exit("bench: bench_xdp --scaling printed no results")
		with open(os.path.join(out, "scaling.tsv"), "w") as f:
		    f.write("case\tservices\tflows\tns_per_packet\tratio_to_xdp_drop\txdp_drop_ns\n")
		    for r in rows:
		        f.write("\t".join(r) + "\n")
		svcs = sorted({int(r[1]) for r in rows})
		flows = sorted({int(r[2]) for r in rows})
		md = []
		for case in dict.fromkeys(r[0] for r in rows):
		    md += ["", "`%s`: ns per packet (ratio to XDP_DROP)" % case, "",
		           "| services \\ flows | " + " | ".join("{:,}".format(f) for f in flows) + " |",
		           "| ---: |" + " ---: |" * len(flows)]
		    for s in svcs:
		        cells = []
		        for fl in flows:
		            m = [r for r in rows if r[0] == case and int(r[1]) == s and int(r[2]) == fl]
		            cells.append("%s (%sx)" % (m[0][3], m[0][4]) if m else "-")
		        md.append("| {:,} | ".format(s) + " | ".join(cells) + " |")
		open(os.path.join(out, "scaling.md"), "w").write("\n".join(md).lstrip() + "\n")
		print("\n".join(md))
	EOF
}

health() {
	"$BUILD"/tools/bench_health --backends 10000 --interval-ms 1000 --seconds 10 |
		tee "$OUT/health.txt"
}

health_lbd() { timeout 120 tools/bench-health-lbd.sh 10000 10 | tee "$OUT/health-lbd.txt"; }

echo "== bench_xdp: BPF_PROG_TEST_RUN, ratio to XDP_DROP in the same process"
part bench_xdp micro.txt micro || true
echo "== bench_xdp --capture: the packet-capture check while no capture runs (bench_xlb_nocap.bpf.o)"
part "bench_xdp --capture" capture.txt capture || true
echo "== bench_xdp_ct_*: set-associative connection tables (4, 8 ways; shared, per CPU)"
part bench_xdp_ct ct.txt ct || true
echo "== bench_xdp --scaling: 1..100,000 services x 10..1,000,000 flows (bench_xlb_scale.bpf.o)"
part "bench_xdp --scaling" "scaling.txt scaling.tsv scaling.md" scaling || true
echo "== bench-e2e: delivered pps through a balancer netns (tools/bench-e2e.sh)"
part bench-e2e "e2e.csv e2e-summary.tsv e2e.md e2e.png" timeout 420 tools/bench-e2e.sh || true
echo "== bench-conn: HTTP req/s, p50/p99 through xlb, nftables, HAProxy (tools/bench-conn.sh)"
part bench-conn "conn.csv conn.tsv conn.md conn.png" timeout 420 tools/bench-conn.sh || true
# Plots only of the runs that happened (bench-plot.sh skips a missing CSV).
if [ -s "$OUT/e2e.csv" ] || [ -s "$OUT/conn.csv" ]; then
	part bench-plot "" tools/bench-plot.sh || true
fi
echo "== bench_health: the health checker with 10,000 backends at a 1 s interval (goal: p99 lateness < 100 ms)"
part bench_health health.txt health || true
echo "== bench-health-lbd: lbd itself probing 10,000 backends (lbd --max-backends 16384; goal: p99 lateness < 100 ms)"
part bench-health-lbd health-lbd.txt health_lbd || true

results=()
for f in micro.txt capture.txt ct.txt scaling.txt scaling.tsv scaling.md e2e.csv e2e-summary.tsv e2e.md e2e.png \
	conn.csv conn.tsv conn.md conn.png health.txt health-lbd.txt; do
	if [ -s "$OUT/$f" ]; then results+=("$f"); fi
done
echo "== results in $OUT: ${results[*]:-(none)}"
if [ ${#FAILED[@]} -gt 0 ]; then
	echo "bench: FAILED: ${FAILED[*]}" >&2
	exit 1
fi
