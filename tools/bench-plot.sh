#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/bench-plot.sh - bar chart of tools/bench-e2e.sh's results:
# $BUILD/bench/e2e.csv (every run) -> $BUILD/bench/e2e.png (median delivered
# Mpps per configuration, every run as a dot, ratio to `kernel` on the bar;
# the engine that fed the runs in the title), and of tools/bench-conn.sh's:
# conn.csv -> conn.png. Plots what exists; exits 1 if there is nothing.
# Needs gnuplot (Debian: gnuplot-nox); without it, says so and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CSV=${1:-$BUILD/bench/e2e.csv}
PNG=${2:-$BUILD/bench/e2e.png}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

command -v gnuplot >/dev/null || { echo "bench-plot: gnuplot missing (apt-get install gnuplot-nox); no plot" >&2; exit 0; }
CONN_CSV=$BUILD/bench/conn.csv
CONN_PNG=$BUILD/bench/conn.png
if [ ! -s "$CSV" ] && [ ! -s "$CONN_CSV" ]; then
	echo "bench-plot: neither $CSV nor $CONN_CSV (run tools/bench-e2e.sh, tools/bench-conn.sh)" >&2
	exit 1
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -s "$CSV" ]; then

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
	engines = sorted({r.get("engine") or "live" for r in rows})
	open(sys.argv[2] + "/engine.txt", "w").write(", ".join(engines))
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
	set title "xlb end to end: 64-byte UDP, 1024 flows, balancer on one core, fed by pktgen engine $(cat "$WORK/engine.txt")\n(median of interleaved runs; dots: single runs; label: ratio to kernel forwarding)"
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
else
	echo "bench-plot: no $CSV: no end-to-end plot" >&2
fi

# Connection level (tools/bench-conn.sh): $BUILD/bench/conn.csv -> conn.png,
# median requests/s per balancer and mode, every run a dot, p50/p99 on the bar.
if [ -s "$CONN_CSV" ]; then
	"$PY" - "$CONN_CSV" "$WORK" <<-'PYEOF'
		import csv, statistics, sys
		rows = list(csv.DictReader(open(sys.argv[1])))
		keys = []
		for r in rows:
		    if (r["mode"], r["config"]) not in keys:
		        keys.append((r["mode"], r["config"]))
		pref = ["nftables", "haproxy", "xlb"]
		keys.sort(key=lambda k: (k[0] != "keepalive", pref.index(k[1]) if k[1] in pref else 9))
		with open(sys.argv[2] + "/cbars.dat", "w") as b, open(sys.argv[2] + "/cruns.dat", "w") as p:
		    for i, (m, c) in enumerate(keys):
		        rs = [r for r in rows if r["mode"] == m and r["config"] == c]
		        med = lambda k: statistics.median(float(r[k]) for r in rs)
		        b.write('%d "%s\\n%s" %.4f "%.1fk\\np50 %.2f ms\\np99 %.1f ms"\n' % (
		            i, c, m, med("rps") / 1e3, med("rps") / 1e3, med("p50_ms"), med("p99_ms")))
		        for r in rs:
		            p.write("%d %.4f\n" % (i, float(r["rps"]) / 1e3))
	PYEOF
	gnuplot <<-GPEOF
		set terminal pngcairo size 1000,600 font "DejaVu Sans,10"
		set bmargin 4
		set output "$CONN_PNG"
		set title "HTTP through each balancer to the same 4 backends (wrk; keepalive: persistent connections,\nclose: one connection per request; median of interleaved runs, dots: single runs)"
		set ylabel "requests per second (thousands)"
		set style fill solid 0.85 border -1
		set boxwidth 0.6
		set grid ytics
		set xrange [-0.6:*]
		unset key
		stats "$WORK/cbars.dat" using 3 nooutput
		set yrange [0:STATS_max * 1.45]
		plot "$WORK/cbars.dat" using 1:3:xtic(2) with boxes lc rgb "#5a9e6f", \
		     "$WORK/cruns.dat" using 1:2 with points pt 7 ps 0.6 lc rgb "#222222", \
		     "$WORK/cbars.dat" using 1:3:4 with labels offset 0,3.0 font ",9"
	GPEOF
	echo "bench-plot: $CONN_PNG"
fi
