#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/run.sh [SUITE...]  -- the runner behind `make test`.
#
# Suites: unit        build/tests/unit/test_*   (cmocka binaries)
#         bpf         build/tests/bpf/test_*    (cmocka binaries, BPF_PROG_TEST_RUN)
#         integration tests/integration/test_*.sh (netns labs; exit 0 pass, 77 skip)
# No argument runs all three. Individual cmocka test results are counted from
# their output; a script counts as one test. Each suite's output is kept in
# build/test-logs/SUITE/; failures' logs are printed at the end. The last line is
#   N passed, N failed, N skipped
# and the exit status is non-zero if anything failed or nothing ran.
#
# Environment: TEST_TIMEOUT (seconds per binary/script, default 300 for
# cmocka binaries, 300 for integration scripts: a loaded host slows the long ones), TEST_FILTER (a regex on the
# test file name).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
FILTER=${TEST_FILTER:-}

passed=0 failed=0 skipped=0
failed_logs=()

# Every lbd a test starts keeps its state file, audit log and history here
# (lbd --state-dir defaults to $XLB_STATE_DIR), not in /var/lib/xlb.
if [ -z "${XLB_STATE_DIR:-}" ]; then
	XLB_STATE_DIR=$(mktemp -d /tmp/xlb-test-state.XXXXXX) || exit 2
	export XLB_STATE_DIR
	trap 'rm -rf "$XLB_STATE_DIR"' EXIT
fi

if [ -t 1 ]; then
	C_OK=$'\e[32m' C_FAIL=$'\e[31m' C_SKIP=$'\e[33m' C_OFF=$'\e[0m'
else
	C_OK='' C_FAIL='' C_SKIP='' C_OFF=''
fi

is_root() { [ "$(id -u)" -eq 0 ]; }

ensure_bpffs() {
	is_root || return 0
	if ! mountpoint -q /sys/fs/bpf 2>/dev/null ||
		[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ]; then
		mkdir -p /sys/fs/bpf
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
			echo "run.sh: warning: could not mount bpffs at /sys/fs/bpf" >&2
	fi
}

# sum_field LOG 'PASSED' -> sum of N over "[  PASSED  ] N test(s)" lines
sum_field() {
	local log=$1 tag=$2
	grep -aE "^\[ +$tag +\] [0-9]+ test\(s\)" "$log" 2>/dev/null |
		sed -E "s/^\[ +$tag +\] ([0-9]+) .*/\1/" | awk '{s += $1} END {print s + 0}'
}

result_line() { # result_line STATUS NAME DETAIL
	local color=$C_OK
	case "$1" in FAIL) color=$C_FAIL ;; SKIP) color=$C_SKIP ;; esac
	printf '  %s%-4s%s %-40s %s\n' "$color" "$1" "$C_OFF" "$2" "$3"
}

run_cmocka_suite() { # run_cmocka_suite SUITE
	local suite=$1 dir="$BUILD/tests/$1" bin name log rc p f s t0 dt found=0
	mkdir -p "$LOGS/$suite"
	echo "== $suite"
	for bin in "$dir"/test_*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		case "$bin" in *.o | *.d) continue ;; esac
		name=$(basename "$bin")
		[ -n "$FILTER" ] && ! [[ "$name" =~ $FILTER ]] && continue
		found=1
		log="$LOGS/$suite/$name.log"
		t0=$(date +%s.%N)
		(cd "$TOP" && timeout -k 5 "${TEST_TIMEOUT:-300}" "$bin") >"$log" 2>&1 </dev/null
		rc=$?
		dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1fs", b - a}')
		p=$(sum_field "$log" PASSED); f=$(sum_field "$log" FAILED); s=$(sum_field "$log" SKIPPED)
		if [ "$rc" -eq 77 ] && [ $((p + f + s)) -eq 0 ]; then
			s=1 # the whole binary skipped itself
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1 # crashed, timed out or failed before reporting
			[ "$rc" -eq 124 ] && echo "run.sh: $name timed out after ${TEST_TIMEOUT:-300}s" >>"$log"
			echo "run.sh: $name exited with status $rc" >>"$log"
		elif [ "$rc" -eq 0 ] && [ $((p + f + s)) -eq 0 ]; then
			p=1 # a binary that reported nothing but succeeded
		fi
		passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
		if [ "$f" -gt 0 ]; then
			result_line FAIL "$suite/$name" "$p passed, $f failed, $s skipped ($dt)"
			failed_logs+=("$log")
		elif [ "$p" -eq 0 ] && [ "$s" -gt 0 ]; then
			result_line SKIP "$suite/$name" "$s skipped ($dt)"
		else
			if [ "$s" -gt 0 ]; then
				result_line PASS "$suite/$name" "$p passed, $s skipped ($dt)"
			else
				result_line PASS "$suite/$name" "$p passed ($dt)"
			fi
		fi
	done
	[ "$found" -eq 1 ] || echo "  (no test binaries in $dir; build them with 'make tests')"
}

run_integration_suite() {
	local dir=tests/integration t name log rc t0 dt found=0
	mkdir -p "$LOGS/integration"
	echo "== integration"
	for t in "$dir"/test_*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		[ -n "$FILTER" ] && ! [[ "$name" =~ $FILTER ]] && continue
		found=1
		log="$LOGS/integration/$name.log"
		if ! is_root; then
			echo "not root: skipped" >"$log"
			skipped=$((skipped + 1)); result_line SKIP "integration/$name" "(needs root)"
			continue
		fi
		t0=$(date +%s.%N)
		# Own process group so a timeout ends the test and everything it
		# started; the test's EXIT trap still runs on SIGTERM.
		timeout -k 10 "${TEST_TIMEOUT:-300}" bash "$t" >"$log" 2>&1 </dev/null
		rc=$?
		dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1fs", b - a}')
		case "$rc" in
		0) passed=$((passed + 1)); result_line PASS "integration/$name" "($dt)" ;;
		77)
			skipped=$((skipped + 1))
			result_line SKIP "integration/$name" "$(grep -a '^SKIP' "$log" | tail -n 1) ($dt)"
			;;
		*)
			[ "$rc" -eq 124 ] && echo "run.sh: $name timed out after ${TEST_TIMEOUT:-120}s" >>"$log"
			echo "run.sh: $name exited with status $rc" >>"$log"
			failed=$((failed + 1)); failed_logs+=("$log")
			result_line FAIL "integration/$name" "exit $rc ($dt)"
			;;
		esac
	done
	[ "$found" -eq 1 ] || echo "  (no integration tests)"
}

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit bpf integration)
for s in "${suites[@]}"; do
	case "$s" in
	unit | bpf | integration) ;;
	*) echo "run.sh: unknown suite '$s' (unit, bpf, integration)" >&2; exit 2 ;;
	esac
done

mkdir -p "$LOGS"
ensure_bpffs
for s in "${suites[@]}"; do
	case "$s" in
	unit | bpf) run_cmocka_suite "$s" ;;
	integration) run_integration_suite ;;
	esac
done

for log in "${failed_logs[@]}"; do
	echo
	echo "---- $log (last 150 lines) ----"
	tail -n 150 "$log"
done

echo
if [ $((passed + failed)) -eq 0 ]; then
	echo "run.sh: no test ran" >&2
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
