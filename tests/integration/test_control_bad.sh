#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Malformed control requests, sent raw to lbd's socket (one connection each):
# bad JSON, wrong types, unknown fields and commands, a wrong protocol
# version, missing arguments, out-of-range values, a line over 64 KiB. Each
# gets an error object with the expected code; lbd keeps running and its
# state (service list, backend list) is exactly the same afterwards.
source "$(dirname "$0")/lib.sh"
xt_setup --backends 2
xt_config "$XT_CONF" 100 100
lbd_start

snap() {
	lbctl --json service list | jget "[(s['name'], s['vip'], s['port'], s['table_size'], s['id']) for s in d['services']]"
	lbctl --json backend list | jget "[(b['service'], b['address'], b['weight'], b['id'], b['state']) for b in d['backends']]"
}
before=$(snap)

"$XT_PY" - "$XT_SOCK" <<'PY' || fail "malformed request corpus"
import json, socket, sys

sock = sys.argv[1]
R = lambda cmd, args=None, v=1: json.dumps({"v": v, "cmd": cmd, **({"args": args} if args is not None else {})})
corpus = [
    ("not JSON", "hello", "bad_request"),
    ("truncated JSON", '{"v":1,"cmd":"status"', "bad_request"),
    ("JSON array", "[1,2,3]", "bad_request"),
    ("JSON string", '"status"', "bad_request"),
    ("JSON null", "null", "bad_request"),
    ("no v", '{"cmd":"status"}', "bad_request"),
    ("v as string", '{"v":"1","cmd":"status"}', "bad_request"),
    ("v as float", '{"v":1.0,"cmd":"status"}', "bad_request"),
    ("v 2", R("status", v=2), "unsupported_version"),
    ("v 0", R("status", v=0), "unsupported_version"),
    ("no cmd", '{"v":1}', "bad_request"),
    ("cmd number", '{"v":1,"cmd":7}', "bad_request"),
    ("unknown cmd", R("backend.explode"), "unknown_command"),
    ("unknown top-level field", '{"v":1,"cmd":"status","x":1}', "bad_request"),
    ("duplicate keys", '{"v":1,"v":1,"cmd":"status"}', "bad_request"),
    ("args array", '{"v":1,"cmd":"status","args":[]}', "bad_request"),
    ("args string", '{"v":1,"cmd":"backend.list","args":"web"}', "bad_request"),
    ("unknown argument", R("status", {"verbose": True}), "invalid_argument"),
    ("missing address", R("backend.add", {"service": "web"}), "invalid_argument"),
    ("missing everything", R("backend.weight", {}), "invalid_argument"),
    ("weight as string", R("backend.weight", {"service": "web", "address": "10.0.0.11", "weight": "5"}), "invalid_argument"),
    ("weight negative", R("backend.weight", {"service": "web", "address": "10.0.0.11", "weight": -1}), "invalid_argument"),
    ("weight too big", R("backend.weight", {"service": "web", "address": "10.0.0.11", "weight": 65536}), "invalid_argument"),
    ("weight float", R("backend.weight", {"service": "web", "address": "10.0.0.11", "weight": 1.5}), "invalid_argument"),
    ("service as number", R("backend.list", {"service": 3}), "invalid_argument"),
    ("empty service", R("backend.list", {"service": ""}), "invalid_argument"),
    ("no such service", R("backend.drain", {"service": "nope", "address": "10.0.0.11"}), "not_found"),
    ("no such backend", R("backend.drain", {"service": "web", "address": "10.0.0.99"}), "not_found"),
    ("bad address", R("backend.add", {"service": "web", "address": "10.0.0.x"}), "invalid_argument"),
    ("address with prefix", R("backend.remove", {"service": "web", "address": "10.0.0.11/32"}), "invalid_argument"),
    ("family mismatch", R("backend.add", {"service": "web", "address": "fd00::11"}), "invalid_argument"),
    ("existing backend", R("backend.add", {"service": "web", "address": "10.0.0.11"}), "exists"),
    ("service.add bad name", R("service.add", {"service": "a b", "vip": "10.100.0.20", "port": 80}), "invalid_argument"),
    ("service.add port 0", R("service.add", {"service": "x", "vip": "10.100.0.20", "port": 0}), "invalid_argument"),
    ("service.add not prime", R("service.add", {"service": "x", "vip": "10.100.0.20", "port": 80, "table_size": 65536}), "invalid_argument"),
    ("service.add bad protocol", R("service.add", {"service": "x", "vip": "10.100.0.20", "port": 80, "protocol": "sctp"}), "invalid_argument"),
    ("service.add duplicate name", R("service.add", {"service": "web", "vip": "10.100.0.20", "port": 80}), "exists"),
    ("service.add duplicate VIP", R("service.add", {"service": "x", "vip": "10.100.0.10", "port": 80}), "exists"),
    ("reload reset not bool", R("reload", {"reset": "yes"}), "invalid_argument"),
    ("invalid UTF-8", b'{"v":1,"cmd":"stat\xff"}', "bad_request"),
    ("line over 64 KiB", '{"v":1,"cmd":"status","args":{"pad":"' + "x" * 70000 + '"}}', "bad_request"),
]
bad = 0
for name, line, code in corpus:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock)
    data = line if isinstance(line, bytes) else line.encode()
    try:
        s.sendall(data + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # lbd may close after refusing a long line; its answer is still queued
    buf = b""
    while not buf.endswith(b"\n"):
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        buf += chunk
    s.close()
    try:
        resp = json.loads(buf.decode().splitlines()[0])
        ok = (resp.get("v") == 1 and resp.get("ok") is False and
              resp["error"]["code"] == code and resp["error"]["message"])
    except Exception as e:  # noqa: BLE001
        resp, ok = f"{type(e).__name__}: {buf[:200]!r}", False
    print(f"{'ok ' if ok else 'BAD'} {name}: {json.dumps(resp)[:160]}")
    bad += not ok
print(f"{len(corpus)} malformed requests, {bad} answered wrongly")
sys.exit(1 if bad or len(corpus) < 20 else 0)
PY
lbd_alive || fail "lbd died"
assert_eq "$(snap)" "$before" "service and backend lists after the malformed requests"
[ ! -e "$XT_WORK/lbd.state" ] || fail "a refused request wrote the state file"
info "lbctl views: status with fill levels, stats --watch, XLB_SOCKET"
st=$(XLB_SOCKET=$XT_SOCK "$XT_LBCTL" status) || fail "lbctl status via XLB_SOCKET"
echo "$st"
echo "$st" | qgrep "^map flows: .* / 262144" || fail "status without the flow table fill level"
n=$(lbctl --json stats --watch 1 --count 2 | wc -l)
assert_eq "$n" 2 "stats --watch --count 2 --json rounds"
w=$(lbctl stats --watch 1 --count 2)
case "$w" in *"FLOWS/S"*"round 2"*) ;; *) fail "stats --watch table: $w" ;; esac
pass "every malformed request got its error object; state unchanged; status/watch views work"
