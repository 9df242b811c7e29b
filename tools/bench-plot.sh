#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/bench-plot.sh - bar chart of tools/bench-e2e.sh's results:
# $BUILD/bench/e2e.csv (every run) -> $BUILD/bench/e2e.png (median delivered
# Mpps per configuration, every run as a dot, ratio to `kernel` on the bar).
# Needs gnuplot (Debian: gnuplot-nox); without it, says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CSV=${1:-$BUILD/bench/e2e.csv}
PNG=${2:-$BUILD/bench/e2e.png}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

command -v gnuplot >/dev/null || { echo "bench-plot: gnuplot missing (apt-get install gnuplot-nox); no plot" >&2; exit 0; }
[ -s "$CSV" ] || { echo "bench-plot: no $CSV (run tools/bench-e2e.sh)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# bars.dat: index config median_mpps ratio_label ; runs.dat: index mpps
"$PY" - "$CSV" "$WORK" <<-'PYEOF'
	import csv, statistics, sys
	rows = list(csv.DictReader(open(sys.argv[1])))
	order = []
	for r in rows:
	    if r["config"] not in order:
	        order.append(r["config"])
	pref = ["kernel", "nftables", "xlb-generic", "xdp-fwd", "xlb"]
	order.sort(key=lambda c: pref.index(c) if c in pref else len(pref))
	med = {c: statistics.median(float(r["delivered_pps"]) for r in rows if r["config"] == c) for c in order}
	base = med.get("kernel")
	with open(sys.argv[2] + "/bars.dat", "w") as b, open(sys.argv[2] + "/runs.dat", "w") as p:
	    for i, c in enumerate(order):
	        lab = "%.2f M (%.1fx)" % (med[c] / 1e6, med[c] / base) if base else "%.2f M" % (med[c] / 1e6)
	        b.write('%d "%s" %.4f "%s"\n' % (i, c, med[c] / 1e6, lab))
	        for r in rows:
	            if r["config"] == c:
	                p.write("%d %.4f\n" % (i, float(r["delivered_pps"]) / 1e6))
PYEOF

gnuplot <<-GPEOF
	set terminal pngcairo size 900,520 font "DejaVu Sans,11"
	set output "$PNG"
	set title "xlb end to end: 64-byte UDP, 1024 flows, balancer on one core\n(median of interleaved runs; dots: single runs; label: ratio to kernel forwarding)"
	set ylabel "delivered packets per second (millions)"
	set style fill solid 0.85 border -1
	set boxwidth 0.6
	set grid ytics
	set yrange [0:*]
	set xrange [-0.6:*]
	unset key
	stats "$WORK/bars.dat" using 3 nooutput
	set yrange [0:STATS_max * 1.25]
	plot "$WORK/bars.dat" using 1:3:xtic(2) with boxes lc rgb "#4a7fb5", \
	     "$WORK/runs.dat" using 1:2 with points pt 7 ps 0.6 lc rgb "#222222", \
	     "$WORK/bars.dat" using 1:3:4 with labels offset 0,1.2
GPEOF
echo "bench-plot: $PNG"
