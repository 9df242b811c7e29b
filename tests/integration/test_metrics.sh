#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# lbd's Prometheus endpoint against known traffic: N HTTP requests and P
# pktgen UDP packets over F flows through the VIP; the scraped per-service
# and per-backend counters match within 1%, drop reasons appear, the
# exposition passes a strict format check (promcheck.py), reloads move the
# config generation and the listen address (IPv4 -> IPv6), and lbctl events
# / lbctl top show what happened.
source "$(dirname "$0")/lib.sh"
PG=$XT_TOP/build/tools/pktgen
CHECK=$XT_TOP/tests/integration/promcheck.py
[ -x "$PG" ] || skip "build/tools/pktgen not built"
command -v curl >/dev/null || skip "curl missing"
xt_setup --backends 3

write_config() { # write_config LISTEN
	xt_config "$XT_CONF" 100 100 100
	cat >>"$XT_CONF" <<EOF
  - name: dns
    vip: $XT_VIP
    port: 53
    protocol: udp
    health_check: { type: none }
    backends:
      - address: 10.0.0.11
      - address: 10.0.0.12
      - address: 10.0.0.13
  - name: void
    vip: $XT_VIP
    port: 54
    protocol: udp
metrics:
  listen: "$1"
events:
  file: $XT_WORK/events.log
EOF
}
write_config 127.0.0.1:9469
URL=http://127.0.0.1:9469/metrics
lbd_start

scrape() { # scrape FILE: fetch, check the format, leave the series as JSON in FILE.json
	in_ns lb curl -sf -m 5 "$URL" >"$1" || fail "GET $URL"
	"$XT_PY" "$CHECK" "$1" >/dev/null || { "$XT_PY" "$CHECK" "$1"; fail "exposition format of $URL"; }
	"$XT_PY" "$CHECK" --json "$1" >"$1.json"
}
m() { # m FILE SERIES -> value (0 if absent); SERIES with its labels sorted by name
	"$XT_PY" -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$1.json" "$2"
}
within() { # within GOT WANT PCT MSG
	"$XT_PY" -c 'import sys; g,w,p=map(float,sys.argv[1:4]); sys.exit(0 if abs(g-w) <= w*p/100 else 1)' \
		"$1" "$2" "$3" || fail "$4 (got $1, want $2 +-$3%)"
	info "  ok: $4: $1 (want $2)"
}
be_up() { in_ns lb curl -sf -m 1 "$URL" | qgrep "^xlb_backend_up{service=\"web\",backend=\"$1\"} 1"; }

wait_for 10 in_ns lb curl -sf -m 1 "$URL" || fail "metrics endpoint $URL does not answer"
for a in 10.0.0.11 10.0.0.12 10.0.0.13; do
	wait_for 10 be_up "$a" || fail "web backend $a not reported up"
done
S0=$XT_WORK/m0
scrape "$S0"
info "first scrape: $("$XT_PY" "$CHECK" "$S0")"
for fam in xlb_service_packets_total xlb_backend_bytes_total xlb_backend_new_flows_total \
	xlb_backend_up xlb_backend_effective_weight xlb_packets_total xlb_flow_table_capacity \
	xlb_lbd_config_generation xlb_lbd_build_info xlb_service_active_flows \
	xlb_flow_cache_events_total xlb_service_probe_duration_seconds; do
	grep -q "^# TYPE $fam " "$S0" || fail "family $fam missing"
done
grep -q '^# HELP xlb_packets_total .*drop_malformed = truncated or malformed headers' "$S0" ||
	fail "HELP of xlb_packets_total lacks the reasons' meaning"
assert_eq "$(in_ns lb curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9469/nope)" 404 "GET /nope"
assert_eq "$(in_ns lb curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")" 405 "POST /metrics"

N=200
info "$N HTTP requests to $XT_VIP:80"
r=$(httpc burst "$XT_VIP" "$N")
assert_eq "$(echo "$r" | jget "d['errors']")" 0 "failed HTTP requests"

MAC=$(in_ns lb ip -br link show dev "$XT_LB_IF" | awk '{print $3}')
in_ns sw ethtool -K "$XT_NAME-clip" gro on >/dev/null 2>&1 || true # pktgen: the veth peer needs GRO or XDP
P=20000 F=50 D=1000
info "pktgen: $P UDP packets over $F flows to $XT_VIP:53, $D to $XT_VIP:54 (no backends)"
"$PG" --netns "$XT_NAME-cli" --iface "$XT_NAME-cli" --dst-mac "$MAC" --src 10.0.0.100 \
	--dst "$XT_VIP" --dport 53 --sport 2000-2049 --flows "$F" --count "$P" --rate 20000 -q >/dev/null ||
	fail "pktgen"
"$PG" --netns "$XT_NAME-cli" --iface "$XT_NAME-cli" --dst-mac "$MAC" --src 10.0.0.100 \
	--dst "$XT_VIP" --dport 54 --count "$D" --rate 20000 -q >/dev/null || fail "pktgen (void)"
sleep 0.5
S1=$XT_WORK/m1
scrape "$S1"
info "after traffic: $("$XT_PY" "$CHECK" "$S1")"

d() { echo $(($(m "$S1" "$1") - $(m "$S0" "$1"))); }
info "dns (UDP, pktgen)"
within "$(d 'xlb_service_packets_total{service="dns"}')" "$P" 1 "dns packets"
within "$(d 'xlb_service_new_flows_total{service="dns"}')" "$F" 1 "dns new flows"
within "$(d 'xlb_service_bytes_total{service="dns"}')" $((P * 60)) 1 "dns bytes (60-byte frames)"
sum=0
for a in 10.0.0.11 10.0.0.12 10.0.0.13; do
	v=$(d "xlb_backend_packets_total{backend=\"$a\",service=\"dns\"}")
	assert_ge "$v" 1 "dns backend $a packets"
	sum=$((sum + v))
done
within "$sum" "$P" 1 "dns packets summed over its backends"
within "$(m "$S1" 'xlb_service_active_flows{service="dns"}')" "$F" 1 "dns active flows"
info "web (TCP, HTTP)"
within "$(d 'xlb_service_new_flows_total{service="web"}')" "$N" 1 "web new flows"
for i in 1 2 3; do
	within "$(d "xlb_backend_new_flows_total{backend=\"10.0.0.1$i\",service=\"web\"}")" \
		"$(counts_of "$r" "be$i")" 1 "web backend be$i new flows vs requests it served"
done
assert_ge "$(d 'xlb_service_packets_total{service="web"}')" $((N * 4)) "web packets (>= 4 per connection)"
info "flow cache (UDP flows repeat: nearly every packet after a flow's second is a hit)"
hits=$(d 'xlb_flow_cache_events_total{event="hit"}')
miss=$(d 'xlb_flow_cache_events_total{event="miss"}')
fills=$(d 'xlb_flow_cache_events_total{event="fill"}')
inv=$(d 'xlb_flow_cache_events_total{event="invalidate"}')
info "  hits $hits, misses $miss, fills $fills, invalidations $inv"
assert_ge "$hits" $((P * 9 / 10)) "flow cache hits"
assert_ge $((hits + miss)) "$P" "hits + misses (every dns packet is cacheable)"
assert_ge "$fills" "$F" "flow cache fills (each dns flow at least once)"
assert_ge "$inv" $((2 * N)) "invalidations (each HTTP connection's SYN and FIN)"
fc=$(lbctl --json stats | jget "d['flow_cache']")
assert_eq "$(echo "$fc" | jget "d['enabled']")" True "lbctl stats: flow cache enabled"
assert_ge "$(echo "$fc" | jget "d['hits']")" "$hits" "lbctl stats: flow cache hits"
{ lbctl stats || true; } | qgrep "^flow cache: on; hits" || fail "lbctl stats: no flow cache line"
info "drop reasons"
within "$(d 'xlb_packets_total{action="drop",reason="drop_no_backend"}')" "$D" 1 "drop_no_backend"
grep -q '^xlb_packets_total{reason="drop_malformed",action="drop"} ' "$S1" || fail "drop_malformed series"
grep -q '^xlb_backend_probe_latency_seconds{service="web",backend="10.0.0.11"} ' "$S1" ||
	fail "probe latency of be1"
# probe durations: a histogram per service; every web probe is counted, +Inf holds them all
pc=$(m "$S1" 'xlb_service_probe_duration_seconds_count{service="web"}')
assert_ge "$pc" 3 "web probes in the duration histogram"
assert_eq "$(m "$S1" 'xlb_service_probe_duration_seconds_bucket{le="+Inf",service="web"}')" "$pc" \
	"the +Inf bucket holds every probe"
# and the checker rejects a histogram whose buckets are not cumulative
bad=$XT_WORK/bad-hist
grep -v '^xlb_service_probe_duration_seconds_bucket{service="web",le="0.0005"}' "$S1" |
	sed 's/^\(xlb_service_probe_duration_seconds_bucket{service="web",le="0.001"}\) .*/\1 999999/' >"$bad"
"$XT_PY" "$CHECK" "$bad" >/dev/null 2>&1 && fail "promcheck accepted non-cumulative buckets"
assert_eq "$(m "$S1" 'xlb_lbd_config_generation{}')" 1 "config generation at start"

info "admin actions and a failing backend show up as events"
lbctl backend weight web 10.0.0.12 50 >/dev/null
lbctl backend add web 10.0.0.99 >/dev/null # nobody there: its health check fails
has_health_event() { local e; e=$(lbctl --json events) && grep -q '"kind": "health"' <<<"$e"; }
wait_for 15 has_health_event || fail "no health event for 10.0.0.99"
lbctl backend remove web 10.0.0.99 >/dev/null
ev=$(lbctl events)
echo "$ev" | sed 's/^/    /'
for k in start backend.weight backend.add health backend.remove; do
	echo "$ev" | qgrep " $k " || fail "lbctl events lacks a $k event"
done
last=$(lbctl --json events | jget "d['last_seq']")
assert_eq "$(lbctl --json events --since "$last" | jget "len(d['events'])")" 0 "events --since LAST"
[ "$(grep -c '"kind":"backend\.' "$XT_WORK/events.log")" -ge 3 ] || fail "events file lacks the admin actions"
"$XT_PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$XT_WORK/events.log" ||
	fail "events file is not JSON lines"

info "reloads: a bad file is counted, a good one moves the generation and the listen address"
echo 'metrics: { listen: "10.0.0.2" }' >>"$XT_CONF"
lbctl reload >/dev/null 2>&1 && fail "a bad config was accepted"
scrape "$XT_WORK/m2"
assert_eq "$(m "$XT_WORK/m2" 'xlb_lbd_last_reload_success{}')" 0 "last reload success after a bad file"
assert_eq "$(m "$XT_WORK/m2" 'xlb_lbd_reloads_total{result="failure"}')" 1 "failed reloads"
write_config "[::1]:9470"
lbctl reload >/dev/null || fail "reload to [::1]:9470"
URL="http://[::1]:9470/metrics"
wait_for 5 in_ns lb curl -sf -m 1 "$URL" || fail "$URL does not answer after the reload"
scrape "$XT_WORK/m3"
assert_eq "$(m "$XT_WORK/m3" 'xlb_lbd_config_generation{}')" 2 "config generation after a reload"
assert_eq "$(m "$XT_WORK/m3" 'xlb_lbd_last_reload_success{}')" 1 "last reload success"
in_ns lb curl -sf -m 2 http://127.0.0.1:9469/metrics >/dev/null && fail "old listen address still served"

if lbctl top --help >/dev/null 2>&1; then
	info "lbctl top --once"
	top=$(lbctl top --once --interval 0.5)
	echo "$top" | sed 's/^/    /'
	echo "$top" | qgrep "web" || fail "lbctl top lacks service web"
	echo "$top" | qgrep "10.0.0.11" || fail "lbctl top lacks backend 10.0.0.11"
	echo "$top" | qgrep "drop_no_backend" || fail "lbctl top lacks the drop reasons"
fi
pass "metrics match traffic within 1%; format, drops, events and reloads fine"
