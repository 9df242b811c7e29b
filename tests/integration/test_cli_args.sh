#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Small things an operator meets in the first hour with lbd and lbctl:
#  - --version on both (the same build, so the same version);
#  - an argument that is not valid UTF-8 is named as such (not reported by
#    lbd as a missing argument);
#  - PORT out of range says 1..65535 (0 is refused too);
#  - lbctl plan on something that is not a regular file says what it is;
#  - numbers are digits only: " 5", "5 ", "+5" are refused everywhere;
#  - an error that stops lbd from starting is logged as "error", not "warn".
# Every refusal exits 2 and leaves lbd's state as it was.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
xt_config "$XT_CONF" 100 100
lbd_start
snap() { lbctl --json backend list | jget "[(b['service'], b['address'], b['weight']) for b in d['backends']]"; }
before=$(snap)

# refused ERR_SUBSTRING.. -- CMD..: exit 2, and stderr holds every substring
refused() {
	local want=() out rc s
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	set +e
	out=$("$@" 2>&1 >/dev/null); rc=$?
	set -e
	info "  $(printf '%q ' "${@:2}")-> exit $rc: $out"
	assert_eq "$rc" 2 "exit status of $*"
	for s in "${want[@]}"; do
		case "$out" in *"$s"*) ;; *) fail "error of $(printf '%q ' "$@") does not say \"$s\": $out" ;; esac
	done
}

info "--version"
v1=$("$XT_LBD" --version) || fail "lbd --version failed"
v2=$("$XT_LBCTL" --version) || fail "lbctl --version failed"
info "  $v1 / $v2"
[[ "$v1" =~ ^lbd\ [^\ ]+$ ]] || fail "lbd --version: $v1"
assert_eq "${v2#lbctl }" "${v1#lbd }" "lbctl and lbd versions"
"$XT_LBD" --help | qgrep -- --version || fail "lbd --help does not list --version"
"$XT_LBCTL" --help | qgrep -- --version || fail "lbctl --help does not list --version"

info "arguments that are not UTF-8"
refused 'SERVICE "web\xff"' "not valid UTF-8" -- lbctl service remove $'web\xff'
refused 'SERVICE "w\xfe"' "not valid UTF-8" -- lbctl backend add $'w\xfe' 10.0.0.13
refused 'SERVICE "\xff"' "not valid UTF-8" -- lbctl backend list $'\xff'
refused '--service "\xc3"' "not valid UTF-8" -- lbctl acl add --service $'\xc3' deny 10.9.0.0/16

info "PORT range"
refused '"65536"' "1..65535" -- lbctl service add x 10.100.0.20 65536
refused '"0"' "1..65535" -- lbctl service add x 10.100.0.20 0

info "plan on what is not a regular file"
refused "/dev/zero" "not a regular file (a character device)" -- lbctl plan /dev/zero
refused "$XT_WORK" "a directory" -- lbctl plan "$XT_WORK"
refused "/dev/null" "not a regular file" -- lbctl apply /dev/null

info "numbers: digits only"
for w in " 5" "5 " "+5" $'\t5' "-0"; do
	refused "\"$w\"" "0..65535" -- lbctl backend weight web 10.0.0.11 "$w"
	refused "\"$w\"" "0..65535" -- lbctl backend add web 10.0.0.13 --weight "$w"
done
refused '" 251"' -- lbctl service add x 10.100.0.20 80 --table-size " 251"
refused '" 80"' "1..65535" -- lbctl service add x 10.100.0.20 " 80"
refused '" 5"' -- lbctl audit --limit " 5"
refused '" 5m"' -- lbctl audit --since " 5m"
refused '" 5"' -- lbctl events --limit " 5"
refused '"0x1"' -- lbctl top --interval 0x1
refused '" 2"' -- lbctl stats --watch " 2"
refused '" 1"' -- lbctl rollback " 1"
refused '" 100"' -- lbctl ratelimit set --rate " 100"
refused '--max-flows " 5000"' -- "$XT_LBD" --config "$XT_CONF" --iface lo --max-flows " 5000"
refused '--lc-idle "+5"' -- "$XT_LBD" --config "$XT_CONF" --iface lo --lc-idle "+5"

info "a fatal start error is logged at error level"
set +e
out=$(timeout 10 nsenter --net="/run/netns/$XT_NAME-lb" "$XT_LBD" --config "$XT_CONF" --iface "$XT_LB_IF" \
	--pin-dir "$XT_PIN_DIR" --socket "$XT_SOCK" --state "" 2>&1); rc=$?
set -e
info "  second lbd on the same socket: exit $rc: $(echo "$out" | grep -v ' debug: ' | tail -n 2)"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a second lbd on the same socket started (exit $rc)"
case "$out" in *" error: another lbd is serving $XT_SOCK"*) ;;
*) fail "the refusal is not logged at error level: $out" ;; esac

lbd_alive || fail "lbd died"
assert_eq "$(snap)" "$before" "backends after the refused commands"
pass "--version; UTF-8, port, file and number errors say what is wrong"
