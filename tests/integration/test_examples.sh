#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every example config under examples/ is valid (lbd --check-config), so the
# examples the docs point to never rot. No root needed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0
for f in "$top"/examples/*.yaml "$top"/examples/*/*.yaml; do
	[ -e "$f" ] || continue
	out=$("$top/build/lbd" --config "$f" --check-config 2>&1) || {
		echo "FAIL: ${f#"$top"/}: $out"
		exit 1
	}
	n=$((n + 1))
done
[ "$n" -ge 8 ] || { echo "FAIL: only $n example configs found"; exit 1; }
echo "PASS: $n example configs pass lbd --check-config"
