#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A scaling hook for lbd (config: services[].scaling.command, docs/metrics.md).
#
#   command: "/etc/xlb/add-backend.sh /etc/xlb/pool-web.txt"
#
# POOL is a file with one spare backend address per line (machines that are
# ready to serve). Direction up: add the first pool address the service does
# not have yet. Direction down: remove the last pool address it has (never a
# backend from the config file that is not in the pool). lbd runs this through
# /bin/sh -c with, in the environment:
#   XLB_SERVICE XLB_METRIC XLB_VALUE XLB_THRESHOLD XLB_DIRECTION (up|down)
#   XLB_BACKENDS (backends taking new flows) XLB_BACKEND_LIST (all, spaces)
#   XLB_SOCKET (lbd's control socket) XLB_VIP XLB_PORT
# and does not wait for it; its output goes to lbd's log. A real hook would
# start a machine first (cloud API, orchestrator) and add it once it serves.
set -eu
POOL=${1:?usage: add-backend.sh POOL_FILE}
LBCTL=${LBCTL:-lbctl}
: "${XLB_SERVICE:?run me from lbd}" "${XLB_DIRECTION:?}" "${XLB_SOCKET:?}"

has() { case " ${XLB_BACKEND_LIST:-} " in *" $1 "*) return 0 ;; esac; return 1; }

echo "scale $XLB_DIRECTION: $XLB_SERVICE $XLB_METRIC=$XLB_VALUE (bound $XLB_THRESHOLD," \
	"$XLB_BACKENDS backends)"
if [ "$XLB_DIRECTION" = up ]; then
	while read -r addr _; do
		case "$addr" in '' | '#'*) continue ;; esac
		has "$addr" && continue
		exec "$LBCTL" -s "$XLB_SOCKET" backend add "$XLB_SERVICE" "$addr"
	done <"$POOL"
	echo "scale up: no spare backend left in $POOL" >&2
	exit 1
fi
last=
while read -r addr _; do
	case "$addr" in '' | '#'*) continue ;; esac
	has "$addr" && last=$addr
done <"$POOL"
[ -n "$last" ] || { echo "scale down: no pool backend in use" >&2; exit 1; }
exec "$LBCTL" -s "$XLB_SOCKET" backend remove "$XLB_SERVICE" "$last"
