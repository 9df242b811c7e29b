#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""New TCP connections at a fixed rate, never waiting for one (integration tests).

  synrate.py HOST PORT RATE SECONDS [--timeout S] [--peer-file F]

Opens RATE non-blocking connections per second for SECONDS. A connection
that completes sends "GET / HTTP/1.0", reads the backend's name (the lab's
servers answer with it) and closes; one that does not complete within
--timeout (default 3 s: long enough for the client's first SYN
retransmission at 1 s) is abandoned. A backend that drops SYNs therefore
costs no throughput. Prints one JSON object at the end:
  {"t0": wall-clock start (s), "attempts": N, "connected": N, "timeouts": N, "counts": {"be1": N, ...},
   "per_s": [{"be1": N, ...}, ...]}   (answers by second since the start)
"""
import json
import selectors
import socket
import sys
import time


def main():
    host, port, rate, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    timeout = 3.0
    if "--timeout" in sys.argv:
        timeout = float(sys.argv[sys.argv.index("--timeout") + 1])
    sel = selectors.DefaultSelector()
    t0 = time.monotonic()
    t0_wall = time.time()
    attempts = connected = timeouts = 0
    counts, per_s = {}, []
    live = {}  # sock -> (started, state, buf)
    nxt = t0
    while True:
        now = time.monotonic()
        if now - t0 >= secs and not live:
            break
        while now - t0 < secs and nxt <= now:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((host, port))
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                nxt += 1.0 / rate
                continue
            live[s] = [now, "conn", b""]
            sel.register(s, selectors.EVENT_WRITE)
            attempts += 1
            nxt += 1.0 / rate
        for key, ev in sel.select(timeout=0.002):
            s = key.fileobj
            st = live.get(s)
            if st is None:
                continue
            if st[1] == "conn":
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    sel.unregister(s); s.close(); del live[s]
                    continue
                connected += 1
                try:
                    s.send(b"GET / HTTP/1.0\r\n\r\n")
                except OSError:
                    sel.unregister(s); s.close(); del live[s]
                    continue
                st[1] = "read"
                sel.modify(s, selectors.EVENT_READ)
            else:
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                st[2] += d
                if not d:
                    body = st[2].split(b"\r\n\r\n", 1)[-1].strip().decode(errors="replace")
                    name = body.split()[0] if body else "?"
                    counts[name] = counts.get(name, 0) + 1
                    sec = int(st[0] - t0)
                    while len(per_s) <= sec:
                        per_s.append({})
                    per_s[sec][name] = per_s[sec].get(name, 0) + 1
                    sel.unregister(s); s.close(); del live[s]
        now = time.monotonic()
        for s, st in list(live.items()):
            if now - st[0] > timeout:
                if st[1] == "conn":
                    timeouts += 1
                sel.unregister(s); s.close(); del live[s]
    print(json.dumps({"t0": t0_wall, "attempts": attempts, "connected": connected, "timeouts": timeouts,
                      "counts": counts, "per_s": per_s}))


if __name__ == "__main__":
    main()
