#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# DNS health checks of a UDP service, end to end: two backends run a small
# DNS responder (dnsd.py) on port 53; lbd probes them with `type: dns`. DNS
# queries through the VIP reach both. be1 starts answering SERVFAIL: it is
# marked down ("dns rcode 2") and new flows go to be2 only; be1's responder
# stops: still down ("refused", the ICMP port unreachable); started again
# with NOERROR: back up, flows reach it again.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
for b in be1 be2; do
	echo 0 >"$XT_WORK/$b.rcode"
	xt_bg in_ns "$b" "$XT_PY" "$XT_TOP/tests/integration/dnsd.py" "$b" 53 "$XT_WORK/$b.rcode"
done
cat >"$XT_CONF" <<EOC
services:
  - name: dns
    vip: $XT_VIP
    port: 53
    protocol: udp
    health_check: {type: dns, query: health.example, interval_ms: 200, timeout_ms: 100, rise: 1, fall: 2}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
EOC
lbd_start
be_state() { lbctl --json health dns | jget "[b['state'] for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
be_last() { lbctl --json health dns | jget "[b['last_result'] for b in d['services'][0]['backends'] if b['address']=='$1'][0]"; }
is() { [ "$(be_state "$1")" = "$2" ]; }
# queries N: N DNS queries to the VIP, each from its own source port; "be1=X be2=Y lost=Z"
queries() {
	in_ns cli "$XT_PY" - "$XT_VIP" "$1" <<'PY'
import random, socket, struct, sys
vip, n = sys.argv[1], int(sys.argv[2])
seen = {}
lost = 0
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    qid = random.getrandbits(16)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"\x06health\x07example\x00\x00\x01\x00\x01"
    s.sendto(q, (vip, 53))
    try:
        a = s.recv(2048)
        name = a.rsplit(b"|", 1)[1].decode() if struct.unpack(">H", a[:2])[0] == qid else "?"
        seen[name] = seen.get(name, 0) + 1
    except socket.timeout:
        lost += 1
    s.close()
print(" ".join("%s=%d" % kv for kv in sorted(seen.items())) + " lost=%d" % lost)
PY
}
wait_for 5 is 10.0.0.11 up && wait_for 5 is 10.0.0.12 up || fail "backends not up: $(lbctl health dns)"
r=$(queries 60)
info "both up: $r"
case "$r" in *be1=*be2=*"lost=0") ;; *) fail "queries did not reach both backends without loss: $r" ;; esac

info "be1 answers SERVFAIL"
echo 2 >"$XT_WORK/be1.rcode"
wait_for 5 is 10.0.0.11 down || fail "be1 not marked down on SERVFAIL"
assert_eq "$(be_last 10.0.0.11)" "dns rcode 2" "be1's last probe result"
r=$(queries 40)
info "be1 down: $r"
case "$r" in "be2=40 lost=0") ;; *) fail "new flows reached be1 or were lost: $r" ;; esac

info "be1's responder stops, then comes back answering NOERROR"
kill "$(in_ns be1 ss -Hlunp 'sport = :53' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"
refused() { [ "$(be_last 10.0.0.11)" = refused ]; }
wait_for 5 refused || fail "be1's probe not refused: $(be_last 10.0.0.11)"
echo 0 >"$XT_WORK/be1.rcode"
xt_bg in_ns be1 "$XT_PY" "$XT_TOP/tests/integration/dnsd.py" be1 53 "$XT_WORK/be1.rcode"
wait_for 5 is 10.0.0.11 up || fail "be1 not back up"
r=$(queries 60)
info "be1 back: $r"
case "$r" in *be1=*be2=*"lost=0") ;; *) fail "be1 gets no flows after recovering: $r" ;; esac
pass "dns health checks: SERVFAIL and a stopped responder take be1 out (rcode 2, refused), NOERROR brings it back; queries followed"
