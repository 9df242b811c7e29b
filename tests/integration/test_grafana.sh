#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# packaging/grafana-xlb.json only queries metrics lbd really exports: every
# xlb_* name in its queries and variables is a family (or a histogram's
# series) of a live /metrics, checked with promcheck.py; every label it
# groups or filters by exists on that metric.
source "$(dirname "$0")/lib.sh"
DASH=$XT_TOP/packaging/grafana-xlb.json
CHECK=$XT_TOP/tests/integration/promcheck.py
xt_setup --backends 2
xt_config "$XT_CONF" 100 100
printf 'metrics:\n  listen: "127.0.0.1:9469"\n' >>"$XT_CONF"
lbd_start
URL=http://127.0.0.1:9469/metrics
up() { in_ns lb curl -sf -m 1 "$URL" | qgrep '^xlb_backend_probe_latency_seconds'; }
wait_for 10 up || fail "no probe latency in $URL"
httpc burst "$XT_VIP" 5 >/dev/null
in_ns lb curl -sf -m 5 "$URL" >"$XT_WORK/m.txt" || fail "GET $URL"
"$XT_PY" "$CHECK" "$XT_WORK/m.txt" >/dev/null || fail "exposition format"
"$XT_PY" "$CHECK" --json "$XT_WORK/m.txt" >"$XT_WORK/m.json"
"$XT_PY" - "$DASH" "$XT_WORK/m.json" <<'PY' || fail "the Grafana dashboard queries something /metrics does not have"
import json, re, sys
dash = json.load(open(sys.argv[1]))
series = json.load(open(sys.argv[2]))
labels = {}  # metric -> label names
for k in series:
    name, _, rest = k.partition("{")
    labels.setdefault(name, set()).update(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', rest))
exprs = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("expr", "query", "definition") and isinstance(v, str):
                exprs.append(v)
            else:
                walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
walk(dash)
bad, names = [], set()
for e in exprs:
    for m in re.finditer(r'\b(xlb_[a-z0-9_]+)(\{[^}]*\})?', e):
        n = m.group(1)
        names.add(n)
        if n not in labels:
            bad.append("%s: no such metric in /metrics" % n)
            continue
        for l in re.findall(r'([a-z_]+)\s*(?:=~|!~|!=|=)', m.group(2) or ""):
            if l != "instance" and l not in labels[n]:
                bad.append("%s: no label %s" % (n, l))
    for grp in re.findall(r'by \(([^)]*)\)', e):
        for l in [x.strip() for x in grp.split(",")]:
            used = [n for n in re.findall(r'\b(xlb_[a-z0-9_]+)', e)]
            if l != "instance" and not any(l in labels.get(n, ()) for n in used):
                bad.append("%s: grouped by %s, which none of its metrics has" % (e, l))
print("%d queries, %d metric names checked" % (len(exprs), len(names)))
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY
pass "every Grafana query uses metrics and labels /metrics has"
