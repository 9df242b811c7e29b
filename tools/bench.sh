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
echo "== bench_xdp: BPF_PROG_TEST_RUN, ratio to XDP_DROP in the same process"
"$BUILD"/tools/bench_xdp
echo "== bench-e2e: delivered pps through a balancer netns (tools/bench-e2e.sh)"; tools/bench-e2e.sh && tools/bench-plot.sh
echo "== bench_health: the health checker with 10,000 backends at a 1 s interval (goal: p99 lateness < 100 ms)"
mkdir -p "$BUILD"/bench
"$BUILD"/tools/bench_health --backends 10000 --interval-ms 1000 --seconds 10 | tee "$BUILD"/bench/health.txt
