#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/nft-dnat.sh -- print the nftables DNAT balancer the benchmarks compare
# xlb against (kube-proxy's nftables way: numgen random mod N to N backends).
#
# Usage: tools/nft-dnat.sh PROTO VIP PORT [--snat ADDR NET] BACKEND...
#   --snat ADDR NET: also source-NAT DNATed traffic to NET to ADDR (one-arm
#   labs, so replies come back through the balancer).
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 PROTO VIP PORT [--snat ADDR NET] BACKEND..." >&2; exit 2; }
proto=$1 vip=$2 port=$3
shift 3
snat_addr= snat_net=
if [ "$1" = --snat ]; then
	snat_addr=$2 snat_net=$3
	shift 3
fi
n=$#
echo "table ip xlb_bench {"
i=0
for be in "$@"; do
	i=$((i + 1))
	echo "  chain ep$i { meta l4proto $proto dnat to $be:$port; }"
done
echo "  chain svc {"
echo -n "    numgen random mod $n vmap { "
for ((i = 1; i <= n; i++)); do
	echo -n "$((i - 1)) : goto ep$i"
	[ "$i" -lt "$n" ] && echo -n ", "
done
echo " }"
echo "  }"
echo "  chain prerouting {"
echo "    type nat hook prerouting priority dstnat; policy accept;"
echo "    ip daddr $vip $proto dport $port goto svc"
echo "  }"
if [ -n "$snat_addr" ]; then
	echo "  chain postrouting {"
	echo "    type nat hook postrouting priority srcnat; policy accept;"
	echo "    ct status dnat ip daddr $snat_net $proto dport $port snat ip to $snat_addr"
	echo "  }"
fi
echo "}"
