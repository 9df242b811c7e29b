#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Control connections cannot be hoarded (docs/control.md "Connections"): users
# of the socket group without any role open far more connections than lbd
# serves and send half a request, trickling a byte a second. Each uid gets
# its budget and no more (the rest: a `busy` error at once); the last slots
# stay free for root and admins, so root's and an admin's lbctl keep working;
# every held connection is closed once its request is overdue; the refusals
# and closings are logged and counted (lbctl status, /metrics).
source "$(dirname "$0")/lib.sh"
command -v useradd >/dev/null && command -v setpriv >/dev/null || skip "useradd/setpriv missing"
command -v curl >/dev/null || skip "curl missing"
xt_setup --backends 1

P=xlbc$$
G_SOCK=$P-sock U_ADM=$P-adm
HOARDERS=("$P-h1" "$P-h2" "$P-h3" "$P-h4" "$P-h5" "$P-h6" "$P-h7" "$P-h8")
limits_cleanup() {
	local rc=$? u
	set +e
	for u in "${HOARDERS[@]}" "$U_ADM"; do userdel "$u" >/dev/null 2>&1; done
	groupdel "$G_SOCK" >/dev/null 2>&1
	(exit "$rc")
	xt_cleanup
}
trap limits_cleanup EXIT
groupadd "$G_SOCK"
for u in "${HOARDERS[@]}" "$U_ADM"; do useradd -M -N -g "$G_SOCK" -s /usr/sbin/nologin "$u"; done
as_user() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }

cat >"$XT_CONF" <<EOF
control:
  socket_group: $G_SOCK
  socket_mode: "0660"
metrics:
  listen: "127.0.0.1:9471"
roles:
  - role: admin
    users: [$U_ADM]
services:
  - name: web
    vip: $XT_VIP
    port: 80
    backends:
      - address: 10.0.0.11
EOF
lbd_start

# hold.py N SECONDS OUT: open N connections, send half a request on each and a
# byte a second after; write {"held", "busy", "codes", "closed_after"} to OUT
# (closed_after: seconds until lbd closed each held one; null: still open).
cat >"$XT_WORK/hold.py" <<'EOF'
import json, socket, sys, time
n, secs, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
path = sys.argv[4]
conns, busy, codes = [], 0, {}
t0 = time.time()
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    try:
        s.sendall(b'{"v":1,"cmd":"sta')
    except OSError:
        pass  # refused already: the answer is waiting
    conns.append([s, t0, None, b""])
time.sleep(0.5)
held = []
for c in conns:
    c[0].setblocking(False)
    try:
        d = c[0].recv(4096)
    except BlockingIOError:
        held.append(c)
        continue
    except OSError:
        d = b""
    busy += 1
    line = json.loads(d.split(b"\n")[0]) if d else {}
    code = line.get("error", {}).get("code", "eof")
    codes[code] = codes.get(code, 0) + 1
    c[0].close()
print(json.dumps({"held": len(held), "busy": busy}), flush=True)
open(out + ".ready", "w").close()
while time.time() - t0 < secs and any(c[2] is None for c in held):
    time.sleep(1)
    for c in held:
        if c[2] is not None:
            continue
        try:
            c[0].send(b"t")
        except OSError:
            pass
        try:
            d = c[0].recv(4096)
            if d:
                c[3] += d
            else:
                c[2] = time.time() - t0
        except BlockingIOError:
            pass
        except OSError:
            c[2] = time.time() - t0
r = {"held": len(held), "busy": busy, "codes": codes,
     "closed_after": [None if c[2] is None else round(c[2], 1) for c in held],
     "last_words": [c[3].decode(errors="replace")[:200] for c in held[:1]]}
json.dump(r, open(out, "w"))
EOF
chmod 644 "$XT_WORK/hold.py"
chmod 755 "$XT_WORK"
H=$XT_WORK/hold # the hoarders' results
mkdir -m 1777 "$H"

info "eight users without a role open 12 connections each (96 > 64 slots)"
T0=$(date +%s.%N)
pids=()
for u in "${HOARDERS[@]}"; do
	as_user "$u" "$XT_PY" "$XT_WORK/hold.py" 12 20 "$H/$u.json" "$XT_SOCK" \
		>"$H/$u.out" 2>&1 &
	pids+=($!)
done
for u in "${HOARDERS[@]}"; do
	wait_for 10 test -e "$H/$u.json.ready" || fail "$u: hold.py did not get going: $(cat "$H/$u.out")"
done

info "all of them are connected: root and an admin still get answers"
t=$(date +%s.%N)
lbctl status >"$XT_WORK/status.txt" || fail "root's lbctl status failed with the slots hoarded"
lbctl --json status >"$XT_WORK/status.json" || fail "root's lbctl --json status failed"
took=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
info "root: lbctl status answered ($took s): $(grep control: "$XT_WORK/status.txt")"
as_user "$U_ADM" "$XT_LBCTL" -s "$XT_SOCK" service list >/dev/null ||
	fail "the admin's lbctl failed with the slots hoarded"
conns=$(jget "d['control']['connections']" <"$XT_WORK/status.json")
info "connections open during the hoard: $conns (one of them root's status)"
assert_eq "$conns" 57 "56 non-reserved slots held by users without a role, and root's"

info "each held connection is closed once its request is overdue (5 s), trickling or not"
for p in "${pids[@]}"; do wait "$p" || fail "hold.py failed"; done
held=0
for u in "${HOARDERS[@]}"; do
	r=$(cat "$H/$u.json")
	h=$(echo "$r" | jget "d['held']")
	held=$((held + h))
	assert_ge 8 "$h" "$u: held no more than the per-user budget"
	assert_eq "$(echo "$r" | jget "d['held'] + d['busy']")" 12 "$u: every connection held or refused"
	[ "$(echo "$r" | jget "sorted(set(d['codes']))")" = '["busy"]' ] ||
		fail "$u: refusals answered $(echo "$r" | jget "d['codes']"), not busy"
	echo "$r" | jget "all(x is not None and 4 <= x <= 9 for x in d['closed_after'])" |
		grep -qx True || fail "$u: held connections not closed 5 s after connecting: $r"
done
assert_eq "$held" 56 "connections held by the hoarders in all"
info "the first words lbd said to one: $(jget "d['last_words']" <"$H/${HOARDERS[0]}.json")"

info "refusals and closings are counted and logged (rate-limited)"
lbctl --json status >"$XT_WORK/status.json"
busy=$(jget "d['control']['refused']['busy']" <"$XT_WORK/status.json")
per=$(jget "d['control']['refused']['per_user']" <"$XT_WORK/status.json")
tout=$(jget "d['control']['timed_out']" <"$XT_WORK/status.json")
info "refused: busy $busy, per_user $per; timed out $tout"
assert_eq "$((busy + per))" 40 "refusals counted (96 asked, 56 held)"
assert_eq "$tout" 56 "closed for an overdue request"
assert_eq "$(jget "d['control']['connections']" <"$XT_WORK/status.json")" 1 "open now (this one)"
n=$(grep -c "control: refused a connection from\|control: closed the connection of" \
	"$XT_WORK/lbd.log" || true)
assert_ge "$n" 1 "refusals logged"
assert_ge 4 "$n" "refusal log lines are rate-limited"
in_ns lb curl -sf -m 5 http://127.0.0.1:9471/metrics >"$XT_WORK/metrics.txt" || fail "GET /metrics"
"$XT_PY" "$XT_TOP/tests/integration/promcheck.py" "$XT_WORK/metrics.txt" >/dev/null ||
	fail "the exposition is not valid"
grep -qx "xlb_lbd_control_refused_total{reason=\"timed_out\"} 56" "$XT_WORK/metrics.txt" ||
	fail "metrics: $(grep xlb_lbd_control "$XT_WORK/metrics.txt")"
grep -qx "xlb_lbd_control_refused_total{reason=\"busy\"} $busy" "$XT_WORK/metrics.txt" ||
	fail "metrics: $(grep xlb_lbd_control "$XT_WORK/metrics.txt")"

info "an idle connection (connected, nothing sent) is closed too"
"$XT_PY" - "$XT_SOCK" <<'EOF' || fail "idle connection not closed within 8 s"
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.settimeout(8); t = time.time()
d = s.recv(4096)
while d and not d.endswith(b"\n"):
    d += s.recv(4096)
assert b"no complete request within" in d, d
assert s.recv(4096) == b""
print("closed after %.1f s: %s" % (time.time() - t, d.decode().strip()))
EOF
lbd_alive || fail "lbd died"
pass "control connections: per-user budget, admin reserve, request deadline, counted and logged"
