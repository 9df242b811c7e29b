#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""HTTP client for the integration tests (run inside the lab's client netns).

The lab's backends answer every GET with their name ("be1\\n").

  httpc.py burst HOST COUNT            COUNT requests, a new TCP connection each
  httpc.py loop HOST SECONDS           new connection each, back to back, until
                                       SECONDS pass or SIGTERM/SIGINT
  httpc.py keepalive HOST SECONDS      one TCP connection, a keep-alive request
                                       every --interval s; the first backend name
                                       is written to --first-file as soon as known

Each prints one JSON object on stdout:
  {"requests": N, "errors": N, "counts": {"be1": N, ...}, "error_samples": [...],
   "reconnects": N, "sport": PORT}
Options: --port P (80), --timeout S (2.0), --interval S (0.1 keepalive, 0 loop),
         --first-file F, --stop-file F (loop/keepalive end when F exists).
"""
import argparse
import http.client
import json
import os
import signal
import socket
import sys
import time

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


def one_request(host, port, timeout):
    """A new connection, one GET, closed: the backend's name."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/", headers={"Connection": "close"})
        resp = conn.getresponse()
        body = resp.read().decode(errors="replace").strip()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
        return body
    finally:
        conn.close()


class Result:
    def __init__(self):
        self.requests = 0
        self.errors = 0
        self.counts = {}
        self.samples = []
        self.reconnects = 0
        self.sport = None

    def ok(self, name):
        self.requests += 1
        self.counts[name] = self.counts.get(name, 0) + 1

    def fail(self, err):
        self.requests += 1
        self.errors += 1
        if len(self.samples) < 10:
            self.samples.append(f"{time.strftime('%H:%M:%S')} {type(err).__name__}: {err}")

    def dump(self):
        print(json.dumps({"requests": self.requests, "errors": self.errors,
                          "counts": self.counts, "error_samples": self.samples,
                          "reconnects": self.reconnects, "sport": self.sport}), flush=True)


def should_stop(deadline, stop_file):
    return stop or time.monotonic() >= deadline or (stop_file and os.path.exists(stop_file))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["burst", "loop", "keepalive"])
    ap.add_argument("host")
    ap.add_argument("amount", type=float)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--interval", type=float, default=None)
    ap.add_argument("--first-file")
    ap.add_argument("--stop-file")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    res = Result()

    if a.mode == "burst":
        for _ in range(int(a.amount)):
            if stop:
                break
            try:
                res.ok(one_request(a.host, a.port, a.timeout))
            except Exception as e:  # noqa: BLE001 - every failure counts
                res.fail(e)
    elif a.mode == "loop":
        deadline = time.monotonic() + a.amount
        interval = a.interval or 0.0
        while not should_stop(deadline, a.stop_file):
            try:
                res.ok(one_request(a.host, a.port, a.timeout))
            except Exception as e:  # noqa: BLE001
                res.fail(e)
            if interval:
                time.sleep(interval)
    else:
        deadline = time.monotonic() + a.amount
        interval = 0.1 if a.interval is None else a.interval
        conn = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
        first = True
        while not should_stop(deadline, a.stop_file):
            try:
                if conn.sock is None:
                    if not first:
                        res.reconnects += 1
                    conn.connect()
                    if res.sport is None:
                        res.sport = conn.sock.getsockname()[1]
                conn.request("GET", "/")  # HTTP/1.1: keep-alive by default
                resp = conn.getresponse()
                body = resp.read().decode(errors="replace").strip()
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
                if resp.will_close:
                    raise RuntimeError("server closed the keep-alive connection")
                res.ok(body)
                if first and a.first_file:
                    with open(a.first_file + ".tmp", "w") as f:
                        f.write(body + "\n")
                    os.rename(a.first_file + ".tmp", a.first_file)
                first = False
            except Exception as e:  # noqa: BLE001
                res.fail(e)
                conn.close()
                first = False
            time.sleep(interval)
        conn.close()
    res.dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())
