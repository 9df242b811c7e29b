#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/bench.sh -- the runner behind `make bench`: data path cost per case
# relative to XDP_DROP (see tools/bench_xdp.c for the method). Needs root.
# Benchmarks are not tests: the output is numbers, and the exit status only
# says whether the benchmark could run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespace, BPF); skipped" >&2
	exit 0
fi
# Whole run: about 7 minutes here (bench_xdp ~1, scaling ~0.5, e2e ~2.5,
# conn ~3); each part is bounded by `timeout`, so `make bench` always ends.
OUT=$BUILD/bench
mkdir -p "$OUT"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi
echo "== bench_xdp: BPF_PROG_TEST_RUN, ratio to XDP_DROP in the same process"
timeout 300 "$BUILD"/tools/bench_xdp | tee "$OUT/micro.txt"
echo "== bench_xdp --capture: the packet-capture check while no capture runs (bench_xlb_nocap.bpf.o)"
timeout 120 "$BUILD"/tools/bench_xdp --capture | tee "$OUT/capture.txt"
echo "== bench_xdp --scaling: 1..100,000 services x 10..1,000,000 flows (bench_xlb_scale.bpf.o)"
timeout 300 "$BUILD"/tools/bench_xdp --scaling | tee "$OUT/scaling.txt"
# scaling.txt -> scaling.tsv and scaling.md (one table per case: services x flows)
"$PY" - "$OUT" <<-'EOF'
	import os, sys
	out = sys.argv[1]
	rows = [l.split() for l in open(os.path.join(out, "scaling.txt")) if l.strip() and not l.startswith("#")]
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
echo "== bench-e2e: delivered pps through a balancer netns (tools/bench-e2e.sh)"
timeout 420 tools/bench-e2e.sh || echo "bench: bench-e2e failed or timed out" >&2
echo "== bench-conn: HTTP req/s, p50/p99 through xlb, nftables, HAProxy (tools/bench-conn.sh)"
timeout 420 tools/bench-conn.sh || echo "bench: bench-conn failed or timed out" >&2
tools/bench-plot.sh || true
echo "== results in $OUT: micro.txt, scaling.{txt,tsv,md}, e2e.{csv,md,png}, e2e-summary.tsv, conn.{csv,tsv,md,png}"
echo "== bench_health: the health checker with 10,000 backends at a 1 s interval (goal: p99 lateness < 100 ms)"
mkdir -p "$BUILD"/bench
"$BUILD"/tools/bench_health --backends 10000 --interval-ms 1000 --seconds 10 | tee "$BUILD"/bench/health.txt
echo "== bench-health-lbd: lbd itself probing 10,000 backends (lbd --max-backends 16384; goal: p99 lateness < 100 ms)"
timeout 120 tools/bench-health-lbd.sh 10000 10 | tee "$BUILD"/bench/health-lbd.txt ||
	echo "bench: bench-health-lbd failed or timed out" >&2
