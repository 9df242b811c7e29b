#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A short libFuzzer run of each target of `make fuzz` (tests/fuzz/): first the
# seed corpus and every saved regression input (a crash found once stays in
# the corpus), then about 10 s of fuzzing each from that corpus. ASan, UBSan
# (no recovery) and LeakSanitizer are on: any finding fails the test and
# leaves its input in the log. FUZZ_SECONDS changes the fuzzing time.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FZ=$TOP/${BUILD:-build}/fuzz
S=${FUZZ_SECONDS:-10}
for t in fuzz_config fuzz_proto; do
	[ -x "$FZ/$t" ] || { echo "SKIP: $FZ/$t not built (make fuzz)"; exit 77; }
done
WORK=$(mktemp -d /tmp/xlb-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

run() { # run TARGET SEED_DIRS..
	local t=$1; shift
	mkdir -p "$WORK/$t"
	echo "== $t: seed corpus and regression inputs"
	"$FZ/$t" -runs=0 "$WORK/$t" "$@" >"$WORK/$t.seed.log" 2>&1 || {
		tail -n 40 "$WORK/$t.seed.log"; echo "FAIL: $t on its corpus"; exit 1; }
	echo "== $t: ${S}s of fuzzing"
	"$FZ/$t" -max_total_time="$S" -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$WORK/" \
		"$WORK/$t" "$@" >"$WORK/$t.log" 2>&1 || {
		tail -n 60 "$WORK/$t.log"
		for f in "$WORK"/crash-* "$WORK"/leak-* "$WORK"/timeout-* "$WORK"/oom-*; do
			[ -e "$f" ] && { echo "input $f:"; od -c "$f" | head -20; }
		done
		echo "FAIL: $t found a problem (add the input to its corpus once fixed)"
		exit 1
	}
	grep -a "^Done\|stat::number_of_executed_units" "$WORK/$t.log" | tail -n 1
}
run fuzz_config "$TOP/tests/configs/good" "$TOP/tests/configs/bad"
run fuzz_proto "$TOP/tests/fuzz/corpus/proto"
echo "PASS: both fuzz targets ran clean"
