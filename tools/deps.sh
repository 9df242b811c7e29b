#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Install every Debian package xlb needs to build, test and run its demo.
# Idempotent and quiet when everything is present; needs root to install.
#   tools/deps.sh --check   only report what is missing (exit 1); `make` runs
#                           this, `make deps`, `make test` and `make demo` install
set -euo pipefail

check=0
[ "${1:-}" = --check ] && check=1

PKGS=(
	make gcc clang llvm pkg-config linux-libc-dev   # toolchain
	libbpf-dev bpftool libelf-dev zlib1g-dev        # BPF loading, skeletons
	libxdp-dev                                      # tools/pktgen's AF_XDP engine (xsk API)
	libjansson-dev libyaml-dev                      # control protocol, config
	libcmocka-dev                                   # unit and BPF tests
	libclang-rt-14-dev valgrind                     # make fuzz (libFuzzer), SANITIZE=1, test_valgrind
	libsystemd-dev scdoc                            # sd_notify readiness, man pages
	libmicrohttpd-dev xxd                           # lbd's /metrics and dashboard (page embedded with xxd -i)
	libpcap-dev tcpdump                             # lbctl capture (pcap files); its tests read them back
	chromium chromium-driver                        # dashboard test: a headless browser
	iproute2 ethtool util-linux procps curl python3 # lab, demo, integration tests
	jq man-db                                       # tools/decap-install --stats, test_install (man -l)
	bird2                                           # BGP: multi-node lab (tools/lab-ecmp), announcements
	nftables gnuplot-nox                            # benchmarks: nftables DNAT baseline, plots
	wrk haproxy                                     # connection-level benchmark (tools/bench-conn.sh)
	etcd-server etcd-client libcurl4-openssl-dev    # cluster mode: shared desired state (docs/cluster.md)
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ $check -eq 1 ]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: install them with 'make deps' as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# libsystemd-dev must match the installed libsystemd0; its newest version would
# upgrade systemd itself on the host. Ask for the installed version first.
for i in "${!missing[@]}"; do
	if [ "${missing[$i]}" = libsystemd-dev ]; then
		v=$(dpkg-query -W -f='${Version}' libsystemd0 2>/dev/null || true)
		[ -n "$v" ] && apt-get install -y -qq --no-install-recommends "libsystemd-dev=$v" \
			>/dev/null 2>&1 && unset 'missing[i]'
	fi
done
[ ${#missing[@]} -eq 0 ] ||
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
