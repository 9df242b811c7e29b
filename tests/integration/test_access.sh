#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Access control (docs/access.md) with real Unix users and groups: every lbctl
# command is run as a viewer, an operator (by group), an admin, an operator
# scoped to one service, a user with no role and a user outside the socket's
# group; the allow/deny matrix is asserted, a denied attempt changes nothing
# and is in the audit log with its uid, and every allowed change is there too.
source "$(dirname "$0")/lib.sh"
command -v useradd >/dev/null && command -v setpriv >/dev/null || skip "useradd/setpriv missing"
xt_setup --backends 3

P=xlbt$$ # users and groups: unique per run, removed on exit
U_VIEW=$P-view U_OP=$P-op U_ADM=$P-adm U_SCOP=$P-scop U_NONE=$P-none U_OUT=$P-out
G_SOCK=$P-sock G_OPS=$P-ops
USERS=("$U_VIEW" "$U_OP" "$U_ADM" "$U_SCOP" "$U_NONE" "$U_OUT")
access_cleanup() {
	local rc=$? u
	set +e # errexit in a trap: the (exit "$rc") below would end it before xt_cleanup
	[ "$rc" -eq 0 ] || { [ -n "$XT_WORK" ] && tail -n 30 "$XT_WORK/lbd.log"; }
	for u in "${USERS[@]}"; do userdel "$u" >/dev/null 2>&1; done
	rm -f "/tmp/$XT_NAME-plan.yaml"
	groupdel "$G_OPS" >/dev/null 2>&1
	groupdel "$G_SOCK" >/dev/null 2>&1
	(exit "$rc")
	xt_cleanup
}
trap access_cleanup EXIT

groupadd "$G_SOCK"
groupadd "$G_OPS"
for u in "$U_VIEW" "$U_ADM" "$U_SCOP" "$U_NONE"; do
	useradd -M -N -g "$G_SOCK" -s /usr/sbin/nologin "$u"
done
useradd -M -N -g "$G_SOCK" -G "$G_OPS" -s /usr/sbin/nologin "$U_OP"
useradd -M -N -s /usr/sbin/nologin "$U_OUT"
info "users ${USERS[*]}; groups $G_SOCK (socket), $G_OPS (operators)"

AUDIT=$XT_WORK/access-audit.log
write_conf() { # write_conf [EXTRA CONTROL KEY]
	cat >"$XT_CONF" <<EOF
control:
  socket_group: $G_SOCK
  socket_mode: "0660"
  ${1:-root_is_admin: true}
audit:
  file: $AUDIT
roles:
  - role: viewer
    users: [$U_VIEW]
  - role: operator
    groups: [$G_OPS]
  - role: admin
    users: [$U_ADM]
  - role: operator
    users: [$U_SCOP]
    services: [web]
services:
  - name: web
    vip: $XT_VIP
    port: 80
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
  - name: db
    vip: $XT_VIP
    port: 8080
    backends:
      - address: 10.0.0.12
      - address: 10.0.0.13
EOF
}
write_conf
lbd_start

info "the socket: owner root, group $G_SOCK, mode 0660"
assert_eq "$(stat -c '%U:%G %a' "$XT_SOCK")" "root:$G_SOCK 660" "socket owner, group and mode"
assert_eq "$(stat -c %a "$AUDIT")" 640 "audit log mode"

# The matrix: ROLE SCOPE lbctl-ARGS. ROLE is the least role that may run it;
# "ROLE?" means an allowed run may still fail for another reason (node drain
# without a bgp: section). SCOPE "web": the command acts on service web only,
# so the operator of web may run it when ROLE allows, and not on db. Pairs
# restore the state (weight 50 / 100, drain / undrain, add / remove).
MATRIX='
viewer   -   status
viewer   -   service list
viewer   web service show web
viewer   -   backend list
viewer   web backend list web
viewer   -   stats
viewer   -   stats --watch 1 --count 1
viewer   -   config export
viewer   -   health
viewer   web health web
viewer   -   audit --limit 5
viewer   -   events --limit 3
viewer   -   top --once --interval 1
viewer   -   node status
viewer?  -   cluster status
operator web backend weight web 10.0.0.12 50
operator web backend weight web 10.0.0.12 100
operator web backend drain web 10.0.0.12
operator web backend undrain web 10.0.0.12
admin    web backend add web 10.0.0.14
admin    web backend remove web 10.0.0.14
admin    -   service add tmp 10.100.0.10 9090
admin    tmp service remove tmp
operator? -  node drain
operator? -  node undrain
admin    -   reload
viewer   -   acl list
admin    -   acl add deny 192.0.2.0/24
admin    -   acl remove deny 192.0.2.0/24
viewer   -   ratelimit show
admin    -   ratelimit set --rate 100000 --burst 100000
admin    -   ratelimit clear
viewer   -   flow explain 10.0.0.100:40000 10.100.0.10:80 --syn
operator web capture --service web --duration 0.3 -w /dev/null
'
# plan/apply read FILE as the calling user: a world-readable copy of the live
# config, so apply and rollback (to generation 1, the same file) change nothing.
PLAN_FILE=/tmp/$XT_NAME-plan.yaml
install -m 0644 "$XT_CONF" "$PLAN_FILE"
MATRIX+="
viewer   -   plan $PLAN_FILE
viewer   -   history
viewer   -   diff 1 1
admin?   -   apply $PLAN_FILE
admin?   -   rollback 1
"

info "the matrix covers every command of lbctl --help"
"$XT_LBCTL" --help | sed -n '/^Commands:/,/^$/p' | sed '1d;/^$/d' |
	awk '{ s = ""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) s = s (s ? " " : "") $i; print s }' |
	while read -r c; do
		echo "$MATRIX" | awk '{ $1 = $2 = ""; print substr($0, 3) }' | qgrep -E "^$c( |$)" ||
			fail "lbctl command \"$c\" has no row in test_access.sh's matrix (and docs/access.md)"
	done

state() { # what a change would change: services, backends, weights, drain state
	{
		lbctl --json service list | jget "sorted((s['name'], s['vip'], s['port']) for s in d['services'])"
		lbctl --json backend list |
			jget "sorted((b['service'], b['address'], b['weight'], b.get('state'), b.get('drain')) for b in d['backends'])"
	} 2>&1
}
rank() { case "$1" in none) echo 0 ;; viewer) echo 1 ;; operator) echo 2 ;; admin) echo 3 ;; esac; }

as_user() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }

declare -A want_denied want_changes
ATTEMPTS=0
# try USER ROLE-OF-USER SCOPE-OF-USER LINE-ROLE LINE-SCOPE ARGS..
try() {
	local u=$1 urole=$2 uscope=$3 lraw=$4 lscope=$5 lrole=${4%\?} lenient=
	shift 5
	[ "$lraw" = "$lrole" ] || lenient=1
	local allow=0 rc out before after
	if [ "$uscope" = "-" ]; then
		[ "$(rank "$urole")" -ge "$(rank "$lrole")" ] && allow=1
	elif [ "$lscope" = "$uscope" ] && [ "$(rank "$urole")" -ge "$(rank "$lrole")" ]; then
		allow=1
	fi
	# The state after the last refused command still holds unless a
	# command was allowed since: one state() per refusal, not two.
	if [ $allow = 0 ]; then before=${STATE_NOW:-$(state)}; else STATE_NOW=; fi
	set +e
	out=$(as_user "$u" timeout 20 "$XT_LBCTL" -s "$XT_SOCK" "$@" 2>&1); rc=$?
	set -e
	ATTEMPTS=$((ATTEMPTS + 1))
	if [ $allow = 1 ]; then
		case "$out" in *"permission denied"*) fail "$u ($urole $uscope) was denied: lbctl $*: $out" ;; esac
		[ "$rc" -eq 0 ] || [ -n "$lenient" ] || fail "$u ($urole): lbctl $* failed (exit $rc): $out"
		[ "$lrole" = viewer ] || want_changes[$u]=$((${want_changes[$u]:-0} + 1))
	else
		[ "$rc" -eq 1 ] || fail "$u ($urole): lbctl $* was not refused (exit $rc): $out"
		case "$out" in
		*"permission denied: "*"needs role $lrole"*) ;;
		*) fail "$u ($urole): lbctl $*: no 'permission denied ... needs role $lrole' in: $out" ;;
		esac
		after=$(state)
		[ "$before" = "$after" ] || fail "$u: denied 'lbctl $*' changed the state: $before -> $after"
		STATE_NOW=$after
		want_denied[$u]=$((${want_denied[$u]:-0} + 1))
	fi
}

STATE_NOW=
run_matrix() { # run_matrix USER ROLE SCOPE
	local u=$1 role=$2 scope=$3 lrole lscope args
	while read -r lrole lscope args; do
		[ -n "$lrole" ] || continue
		# shellcheck disable=SC2086 # args are words
		try "$u" "$role" "$scope" "$lrole" "$lscope" $args
		if [ "$scope" != "-" ] && [ "$lscope" = "$scope" ]; then
			# the same command on the other service: never allowed for a scoped grant
			# shellcheck disable=SC2086
			try "$u" "$role" "$scope" "$lrole" db ${args//web/db}
		fi
	done <<<"$MATRIX"
}

s0=$(state)
info "state: $s0"
for spec in "$U_VIEW viewer -" "$U_OP operator -" "$U_ADM admin -" "$U_SCOP operator web" "$U_NONE none -"; do
	read -r u role scope <<<"$spec"
	who=$role
	[ "$scope" = - ] || who="$role of $scope only"
	info "every command as $u ($who)"
	run_matrix "$u" "$role" "$scope"
	assert_eq "$(state)" "$s0" "state after $u's round (changes are undone in pairs)"
done

info "a user in no role is told so"
out=$(as_user "$U_NONE" "$XT_LBCTL" -s "$XT_SOCK" status 2>&1 || true)
info "  $out"
case "$out" in *"uid $(id -u "$U_NONE") ($U_NONE) has no role"*) ;; *) fail "no-role message: $out" ;; esac
want_denied[$U_NONE]=$((${want_denied[$U_NONE]:-0} + 1))
out=$(as_user "$U_SCOP" "$XT_LBCTL" -s "$XT_SOCK" backend weight db 10.0.0.12 7 2>&1 || true)
info "  $out"
case "$out" in *'needs role operator or higher for service "db"'*"roles only for other services"*) ;;
*) fail "scoped-operator message: $out" ;; esac
want_denied[$U_SCOP]=$((${want_denied[$U_SCOP]:-0} + 1))

info "a user outside group $G_SOCK cannot connect at all"
set +e
out=$(as_user "$U_OUT" "$XT_LBCTL" -s "$XT_SOCK" status 2>&1); rc=$?
set -e
info "  exit $rc: $out"
[ "$rc" -eq 1 ] || fail "$U_OUT: lbctl status exit $rc"
case "$out" in *"Permission denied"*"group \"$G_SOCK\""*) ;; *) fail "EACCES message does not name the group: $out" ;; esac
out=$(as_user "$U_OUT" "$XT_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.errno)' "$XT_SOCK")
assert_eq "$out" 13 "connect(2) errno of a user outside the socket group (EACCES)"

info "the audit log: every denied attempt and every allowed change, with uid and user"
"$XT_PY" - "$AUDIT" >"$XT_WORK/audit-summary" <<'PY'
import json, sys, collections
den, chg = collections.Counter(), collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    for k in ("time", "ts", "uid", "user", "pid", "cmd", "args", "result"):
        assert k in r, (k, r)
    if r["result"] == "permission_denied":
        den[r["user"]] += 1
        assert "needs role" in r["message"], r
    else:
        chg[r["user"]] += 1
for u in sorted(set(den) | set(chg)):
    print(u, den[u], chg[u])
PY
for u in "$U_VIEW" "$U_OP" "$U_ADM" "$U_SCOP" "$U_NONE"; do
	got=$(awk -v u="$u" '$1 == u { print $2, $3 }' "$XT_WORK/audit-summary")
	assert_eq "${got:-0 0}" "${want_denied[$u]:-0} ${want_changes[$u]:-0}" \
		"audit records of $u (denied, allowed changes)"
done
rec=$(grep -m1 "\"user\":\"$U_VIEW\".*\"cmd\":\"backend.weight\"" "$AUDIT")
info "  e.g. $rec"
echo "$rec" | jget "d['uid'] == $(id -u "$U_VIEW") and d['args'] == {'service': 'web', 'address': '10.0.0.12', 'weight': 50} and d['result'] == 'permission_denied' and d['pid'] > 0" |
	grep -qx True || fail "audit record of a denied weight change: $rec"
n=$(as_user "$U_VIEW" "$XT_LBCTL" -s "$XT_SOCK" --json audit --limit 3 | jget "len(d['records'])")
assert_eq "$n" 3 "lbctl audit --limit 3 as a viewer"
# (into a variable first: with pipefail, grep -q closing the pipe early would
# kill a long listing with SIGPIPE and fail the pipeline)
out=$(as_user "$U_VIEW" "$XT_LBCTL" -s "$XT_SOCK" audit --since 1h)
grep -q "permission_denied" <<<"$out" || fail "lbctl audit --since 1h shows no denied record"
n=$(lbctl --json audit --since "$(($(date +%s) + 3600))" | jget "len(d['records'])")
assert_eq "$n" 0 "lbctl audit --since (future): nothing"

info "root_is_admin: false (reload): root is denied, the admin user is not"
write_conf "root_is_admin: false"
as_user "$U_ADM" "$XT_LBCTL" -s "$XT_SOCK" reload >/dev/null
out=$(lbctl status 2>&1 || true)
case "$out" in *"permission denied"*"uid 0 (root) has no role"*) ;; *) fail "root after root_is_admin: false: $out" ;; esac
as_user "$U_ADM" "$XT_LBCTL" -s "$XT_SOCK" status >/dev/null || fail "admin user after the reload"
tail -n 1 "$AUDIT" | jget "d['uid'] == 0 and d['cmd'] == 'status' and d['result'] == 'permission_denied'" |
	grep -qx True || fail "root's denied status is not the last audit record"
lbd_alive || fail "lbd died"
pass "access control: $ATTEMPTS lbctl runs as 5 users, socket gate, audit log"
