# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# Shared by tools/scenarios/*.sh: a lab name, cleanup on exit (unless --keep),
# and small helpers. Source it after setting SC_LAB (tools/lab or tools/lab-ecmp).
set -euo pipefail
SC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SC_NAME=${SC_NAME:-sc$$}
SC_KEEP=0
[ "${1:-}" = --keep ] && SC_KEEP=1
SC_WORK=$(mktemp -d "/tmp/$SC_NAME.XXXXXX")
if [ -x /usr/bin/python3 ]; then SC_PY=/usr/bin/python3; else SC_PY=$(command -v python3); fi

say() { printf '\n== %s\n' "$*"; }
sc_cleanup() {
	local rc=$?
	trap - EXIT
	if [ "$SC_KEEP" = 1 ] && [ "$rc" -eq 0 ]; then
		echo; echo "lab $SC_NAME left running; remove it with: $SC_LAB down $SC_NAME"
	else
		"$SC_LAB" down "$SC_NAME" >/dev/null 2>&1 || true
	fi
	rm -rf "$SC_WORK"
	exit "$rc"
}
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 1; }
[ -x "$SC_TOP/build/lbd" ] || { echo "build first: make" >&2; exit 1; }
trap sc_cleanup EXIT

# burst NS HOST VIP N: N new connections from HOST, print the backends' share
burst() {
	"$SC_LAB" exec "$1" "$2" "$SC_PY" "$SC_TOP/tests/integration/httpc.py" burst "$3" "$4" |
		"$SC_PY" -c 'import json,sys; d=json.load(sys.stdin); print("  %d requests, %d failed, served by: %s" % (d["requests"], d["errors"], " ".join("%s=%d" % kv for kv in sorted(d["counts"].items()))))'
}

# ecmp_config NODE VIP_SERVICES_YAML: a node config with the lab-ecmp BGP paths
ecmp_config() {
	local run=/run/xlb-lab/$SC_NAME/$1
	printf 'bgp:\n  bird_socket: %s/bird.ctl\n  config_file: %s/xlb-vips.conf\n' "$run" "$run"
	cat
}
