#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tools/pktgen-kernel.sh - drive the kernel's own packet generator
# (/proc/net/pktgen, module pktgen) with the main options of build/tools/pktgen,
# for hosts that have the module. The kernel xlb is developed on has none: there
# the script says so and points to build/tools/pktgen (BPF live frames).
#
#   tools/pktgen-kernel.sh --iface IF --dst-mac MAC --dst IP[-IP] [options]
#
#   --src IP[-IP]   --sport P[-P]   --dport P[-P]   --flows N
#   --size BYTES    (frame with FCS, as in build/tools/pktgen; default 64)
#   --count N       (default 0: until --duration or Ctrl-C)
#   --duration S    --rate PPS   --cpu N (the kpktgend_N thread; default 0)
#   --src-mac MAC   --proto udp  (kernel pktgen sends UDP only)
#
# IPv6 ranges are passed as src6/dst6 min/max. Prints the kernel's result line.
set -euo pipefail

die() { echo "pktgen-kernel: $*" >&2; exit 1; }
usage() { sed -n '8,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

iface= dmac= smac= src=198.18.0.1 dst= sport=1024-65535 dport=9 flows=1 size=64
count=0 duration= rate= cpu=0 proto=udp
while [ $# -gt 0 ]; do
	case "$1" in
	-i | --iface) iface=$2; shift ;;
	--dst-mac) dmac=$2; shift ;;
	--src-mac) smac=$2; shift ;;
	-s | --src) src=$2; shift ;;
	-d | --dst) dst=$2; shift ;;
	--sport) sport=$2; shift ;;
	--dport) dport=$2; shift ;;
	-f | --flows) flows=$2; shift ;;
	-S | --size) size=$2; shift ;;
	-N | --count) count=$2; shift ;;
	-t | --duration) duration=$2; shift ;;
	-r | --rate) rate=$2; shift ;;
	-c | --cpu) cpu=$2; shift ;;
	-p | --proto) proto=$2; shift ;;
	-h | --help) usage 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

if [ ! -d /proc/net/pktgen ] && ! modprobe pktgen 2>/dev/null; then
	cat >&2 <<-'MSG'
		pktgen-kernel: this kernel has no packet generator module (/proc/net/pktgen is
		absent and `modprobe pktgen` fails). Use xlb's own generator instead, which
		needs nothing but BPF and does ~7 Mpps of 64-byte frames per core:
		    build/tools/pktgen --help
		It takes the same main options (--iface, --dst-mac, --src, --dst, --sport,
		--dport, --flows, --size, --count, --duration, --rate), plus --proto syn|ack
		and IPv6.
	MSG
	exit 1
fi

[ -n "$iface" ] && [ -n "$dmac" ] && [ -n "$dst" ] || die "--iface, --dst-mac and --dst are required"
[ "$proto" = udp ] || die "kernel pktgen sends UDP only (--proto $proto: use build/tools/pktgen)"
[ "$(id -u)" -eq 0 ] || die "needs root"

pg() { # pg FILE CMD: write a pktgen command and check its result
	echo "$2" >"$1"
	grep -q '^Result: OK' "$1" 2>/dev/null || { grep '^Result' "$1" >&2 || true; die "'$2' refused by $1"; }
}
lo() { echo "${1%-*}"; }
hi() { echo "${1#*-}"; }

thread=/proc/net/pktgen/kpktgend_$cpu
[ -e "$thread" ] || die "no $thread (CPU $cpu)"
dev=/proc/net/pktgen/$iface
pg "$thread" "rem_device_all"
pg "$thread" "add_device $iface"
trap 'echo "rem_device_all" >"$thread" 2>/dev/null || true' EXIT
pg "$dev" "pkt_size $((size - 4))"
pg "$dev" "count $count"
pg "$dev" "dst_mac $dmac"
[ -n "$smac" ] && pg "$dev" "src_mac $smac"
if [[ "$dst" == *:* ]]; then
	pg "$dev" "dst6_min $(lo "$dst")"; pg "$dev" "dst6_max $(hi "$dst")"
	pg "$dev" "src6_min $(lo "$src")"; pg "$dev" "src6_max $(hi "$src")"
else
	pg "$dev" "dst_min $(lo "$dst")"; pg "$dev" "dst_max $(hi "$dst")"
	pg "$dev" "src_min $(lo "$src")"; pg "$dev" "src_max $(hi "$src")"
fi
pg "$dev" "udp_src_min $(lo "$sport")"; pg "$dev" "udp_src_max $(hi "$sport")"
pg "$dev" "udp_dst_min $(lo "$dport")"; pg "$dev" "udp_dst_max $(hi "$dport")"
pg "$dev" "flag UDPSRC_RND"
pg "$dev" "flows $flows"
pg "$dev" "flowlen 1"
pg "$dev" "flag UDPCSUM"
[ -n "$rate" ] && pg "$dev" "ratep $rate"

if [ -n "$duration" ]; then
	echo start >/proc/net/pktgen/pgctrl &
	sleep "$duration"
	echo stop >/proc/net/pktgen/pgctrl
	wait || true
else
	echo start >/proc/net/pktgen/pgctrl
fi
grep -A2 '^Result' "$dev"
