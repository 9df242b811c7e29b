#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/pktsink.sh - attach and read tools/bpf/pktsink.bpf.c, an XDP receiver that
# counts every frame and drops it (the sinks of tools/bench-e2e.sh and the
# receiver of tests/integration/test_pktgen.sh).
#
#   tools/pktsink.sh attach NETNS IF [generic]  load and attach (native XDP by default)
#   tools/pktsink.sh detach NETNS IF
#   tools/pktsink.sh count NETNS IF             print "PACKETS BYTES" received so far
#   tools/pktsink.sh track NETNS IF             also record distinct 5-tuples from now on
#   tools/pktsink.sh flows NETNS IF             print the number of distinct 5-tuples seen
#
# NETNS is a name under /run/netns. Commands run with `nsenter --net`, so the
# host's bpffs and tools stay visible. Nothing is pinned: the program lives
# as long as it is attached.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OBJ=${PKTSINK_OBJ:-$TOP/${BUILD:-build}/bpf/pktsink.bpf.o}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi

die() { echo "pktsink: $*" >&2; exit 1; }
usage() { sed -n '7,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
in_ns() { local n=$1; shift; nsenter --net="/run/netns/$n" "$@"; }

prog_id() { # prog_id NETNS IF
	in_ns "$1" ip -j link show dev "$2" | "$PY" -c '
import json, sys
l = json.load(sys.stdin)[0]
p = l.get("xdp", {}).get("prog")
if not p: sys.exit("pktsink: no XDP program on " + sys.argv[1])
print(p["id"])' "$2"
}

map_id() { # map_id NETNS IF MAPNAME
	local pid
	pid=$(prog_id "$1" "$2")
	bpftool prog show id "$pid" -j | "$PY" -c '
import json, subprocess, sys
for m in json.load(sys.stdin).get("map_ids", []):
    info = json.loads(subprocess.check_output(["bpftool", "map", "show", "id", str(m), "-j"]))
    if info.get("name") == sys.argv[1]:
        print(m); sys.exit(0)
sys.exit("pktsink: the XDP program has no map " + sys.argv[1])' "$3"
}

[ $# -ge 3 ] || usage
cmd=$1 netns=$2 dev=$3
[ -e "/run/netns/$netns" ] || die "no network namespace '$netns'"
case "$cmd" in
attach)
	[ -f "$OBJ" ] || die "$OBJ not built (make)"
	mode=xdpdrv
	[ "${4:-}" = generic ] && mode=xdpgeneric
	in_ns "$netns" ip link set dev "$dev" "$mode" obj "$OBJ" sec xdp
	;;
detach)
	in_ns "$netns" ip link set dev "$dev" xdp off 2>/dev/null || true
	;;
count)
	bpftool map lookup id "$(map_id "$netns" "$dev" sink_count)" key 0 0 0 0 -j | "$PY" -c '
import json, sys, subprocess
def total(d):
    vals = d.get("formatted", d).get("values", d.get("values"))
    return sum(int(v["value"]) if not isinstance(v["value"], list) else
               int.from_bytes(bytes(int(x, 16) for x in v["value"]), "little") for v in vals)
pk = total(json.load(sys.stdin))
by = total(json.loads(subprocess.check_output(
    ["bpftool", "map", "lookup", "id", sys.argv[1], "key", "1", "0", "0", "0", "-j"])))
print(pk, by)' "$(map_id "$netns" "$dev" sink_count)"
	;;
track)
	bpftool map update id "$(map_id "$netns" "$dev" sink_cfg)" key 0 0 0 0 value 1 0 0 0
	;;
flows)
	bpftool map dump id "$(map_id "$netns" "$dev" sink_flows)" -j | "$PY" -c '
import json, sys
print(len(json.load(sys.stdin)))'
	;;
*)
	usage
	;;
esac
