#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""UDP flows that talk like QUIC or a game handshake: each flow (its own
source port) sends one datagram and, only if the server answers within
--wait s, a second one. For the passive health of UDP services (#21).

  udpflows.py HOST PORT RATE SECONDS [--wait S]
      RATE new flows per second for SECONDS; prints
      {"flows": N, "answered": {"be1": n, ...}, "unanswered": N}
"""
import argparse
import json
import select
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("host")
ap.add_argument("port", type=int)
ap.add_argument("rate", type=float)
ap.add_argument("seconds", type=float)
ap.add_argument("--wait", type=float, default=0.5)
a = ap.parse_args()
pending = {}  # socket -> deadline
answered, unanswered, flows = {}, 0, 0
t0 = time.monotonic()
nxt = t0
while True:
    now = time.monotonic()
    if now - t0 >= a.seconds and not pending:
        break
    while now - t0 < a.seconds and nxt <= now:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        s.connect((a.host, a.port))
        s.send(b"first")
        pending[s] = now + a.wait
        flows += 1
        nxt += 1.0 / a.rate
    r, _, _ = select.select(list(pending), [], [], 0.005)
    for s in r:
        try:
            who = s.recv(2048).decode(errors="replace").strip()
            s.send(b"second")
            answered[who] = answered.get(who, 0) + 1
        except OSError:
            unanswered += 1
        del pending[s]
        s.close()
    now = time.monotonic()
    for s in [s for s, d in pending.items() if d <= now]:
        unanswered += 1
        del pending[s]
        s.close()
print(json.dumps({"flows": flows, "answered": answered, "unanswered": unanswered}))
