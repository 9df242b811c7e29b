#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbd's live dashboard (GET / on the metrics listener) in a headless Chromium:
# the page loads without external assets, refreshes itself from
# /dashboard.json, and once traffic has stopped its numbers (service and
# backend packets and new flows, health, drain state) equal lbctl --json's.
# A screenshot is taken (XLB_DASHBOARD_PNG=FILE keeps a copy, e.g. for docs).
source "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || skip "chromium not installed (tools/deps.sh)"
xt_setup --backends 3
cat >"$XT_CONF" <<CONF
services:
  - name: web
    vip: $XT_VIP
    port: 80
    health_check: {type: tcp, interval_ms: 300, timeout_ms: 200, rise: 1, fall: 1}
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
      - address: 10.0.0.99
metrics:
  listen: "127.0.0.1:9469"
CONF
lbd_start
URL=http://127.0.0.1:9469/

info "page and JSON endpoint"
wait_for 10 in_ns lb curl -sf -m 1 "$URL" || fail "dashboard $URL does not answer"
page=$(in_ns lb curl -sf -m 2 "$URL")
size=${#page}
info "page: $size bytes"
[ "$size" -lt 16384 ] || fail "page larger than 16 KiB"
echo "$page" | grep -Eq '(src|href)="?(https?:)?//' && fail "page references external assets"
in_ns lb curl -sf -m 2 "${URL}dashboard.json" | jget "len(d['services'][0]['backends'])" | qgrep -x 4 ||
	fail "dashboard.json does not list the 4 backends"
assert_eq "$(in_ns lb curl -s -o /dev/null -w '%{http_code}' "${URL}nope")" 404 "unknown path"

be_down() { lbctl --json health | qgrep '"state": "down"'; }
wait_for 10 be_down || fail "10.0.0.99 never reported down"
info "traffic and a drain"
r=$(httpc burst "$XT_VIP" 30)
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "errors in the burst"
lbctl backend drain web 10.0.0.12 >/dev/null
sleep 1.5 # one snapshot tick for the drain, and the traffic counted

chrome() { # chrome ARGS..: headless Chromium in the balancer's namespace (the listener is there)
	in_ns lb timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-dev-shm-usage --user-data-dir="$XT_WORK/chrome" "$@" 2>>"$XT_WORK/chrome.log"
}
info "headless Chromium: DOM after 4 s of page time"
chrome --virtual-time-budget=4000 --dump-dom "$URL" >"$XT_WORK/dom.html" ||
	fail "chromium --dump-dom failed: $(tail -5 "$XT_WORK/chrome.log")"
dom=$("$XT_PY" "$XT_TOP/tests/integration/dashboard_dom.py" "$XT_WORK/dom.html")
assert_ge "$(echo "$dom" | jget "int(d.get('_updates', 0))")" 2 "page refreshes drawn"
st=$(lbctl --json stats)
hl=$(lbctl --json health)
svc() { echo "$st" | jget "[s for s in d['services'] if s['name']=='web'][0]['$1']"; }
be() { echo "$st" | jget "[b for b in [s for s in d['services'] if s['name']=='web'][0]['backend_list'] if b['address']=='$1'][0]['$2']"; }
page_v() { echo "$dom" | jget "d.get('$1', 'missing')"; }
n=0
for k in packets new_flows; do
	assert_eq "$(page_v "svc:web:$k")" "$(svc "$k")" "service $k on the page vs lbctl"
	n=$((n + 1))
done
for a in 10.0.0.11 10.0.0.12 10.0.0.13 10.0.0.99; do
	for k in packets new_flows weight; do
		assert_eq "$(page_v "be:web:$a:$k")" "$(be "$a" "$k")" "backend $a $k on the page vs lbctl"
		n=$((n + 1))
	done
	h=$(echo "$hl" | jget "[b['state'] for s in d['services'] for b in s['backends'] if b['address']=='$a'][0]")
	assert_eq "$(page_v "be:web:$a:health")" "$h" "backend $a health"
	n=$((n + 1))
done
assert_eq "$(page_v "be:web:10.0.0.12:drain")" draining "drained backend shown"
assert_eq "$(page_v "be:web:10.0.0.11:drain")" - "undrained backend"
assert_eq "$(page_v "stat:fwd_tx")" "$(echo "$st" | jget "d['global']['fwd_tx']")" "fwd_tx on the page"
assert_ge "$(svc packets)" 30 "service packets counted"
info "$((n + 3)) numbers on the page equal lbctl's"

info "screenshot"
xt_bg httpc loop "$XT_VIP" 8 --interval 0.05 >/dev/null
chrome --window-size=1200,900 --virtual-time-budget=6000 --screenshot="$XT_WORK/dashboard.png" "$URL" >/dev/null ||
	fail "chromium --screenshot failed"
[ "$(stat -c %s "$XT_WORK/dashboard.png")" -gt 10000 ] || fail "screenshot too small"
head -c 8 "$XT_WORK/dashboard.png" | od -An -c | qgrep 'P   N   G' || fail "screenshot is not a PNG"
[ -n "${XLB_DASHBOARD_PNG:-}" ] && cp "$XT_WORK/dashboard.png" "$XLB_DASHBOARD_PNG"
pass "dashboard in headless Chromium matches lbctl"
