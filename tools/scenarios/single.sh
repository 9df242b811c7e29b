#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Reference topology 1 (docs/topologies.md): one xlb node, one arm, DSR.
# The client routes the VIP to the node; the node rewrites MACs to a backend;
# the backend answers the client directly. No BGP, no redundancy.
#   tools/scenarios/single.sh [--keep]
SC_LAB=$(cd "$(dirname "$0")/.." && pwd)/lab
. "$(dirname "$0")/common.sh"

say "lab: client, one xlb node, 3 backends on one L2 segment (tools/lab)"
"$SC_LAB" up "$SC_NAME" --backends 3
cat >"$SC_WORK/xlb.yaml" <<-Y
	services:
	  - name: web
	    vip: 10.100.0.10
	    port: 80
	    protocol: tcp
	    backends:
	      - address: 10.0.0.11
	      - address: 10.0.0.12
	      - address: 10.0.0.13
Y
mkdir -p /run/xlb
nsenter --net="/run/netns/$SC_NAME-lb" "$SC_TOP/build/lbd" --config "$SC_WORK/xlb.yaml" \
	--iface "$SC_NAME-lb" --pin-dir "/sys/fs/bpf/xlb/$SC_NAME" --socket "/run/xlb/$SC_NAME.sock" \
	</dev/null >"$SC_WORK/lbd.log" 2>&1 &
echo $! >"/run/xlb-lab/$SC_NAME/lbd.pid"
for _ in $(seq 50); do "$SC_TOP/build/lbctl" -s "/run/xlb/$SC_NAME.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
say "300 new connections from the client to 10.100.0.10:80"
burst "$SC_NAME" cli 10.100.0.10 300
say "the node's counters (lbctl backend list)"
"$SC_TOP/build/lbctl" -s "/run/xlb/$SC_NAME.sock" backend list
say "detach (the lab down removes the rest)"
kill "$(cat "/run/xlb-lab/$SC_NAME/lbd.pid")"; sleep 0.5
nsenter --net="/run/netns/$SC_NAME-lb" "$SC_TOP/build/lbd" --iface "$SC_NAME-lb" \
	--pin-dir "/sys/fs/bpf/xlb/$SC_NAME" --detach >/dev/null 2>&1 || true
rm -f "/run/xlb/$SC_NAME.sock" "/run/xlb/sys_fs_bpf_xlb_$SC_NAME.lock"
