#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Long-lived and new connections through a VIP, for the multi-node tests.

  ecmpc.py HOST --hold N --new-rate R --stop-file F [--ready-file F2]

Opens N HTTP keep-alive connections and sends a GET on each every --interval
seconds (one thread per connection); meanwhile opens R new connections per
second (one GET each). A connection "survives" when every request on it
succeeded on the same TCP connection, and its backend never changed (a
rescheduled flow would reach another backend and be reset). Runs until F
exists; writes F2 once every held connection has answered once. Prints one
JSON object:
  {"held": N, "survived": N, "failed": [{"conn": i, "backend": .., "error": ..}],
   "moved": N, "requests": N, "max_stall_s": S, "new": N, "new_errors": N,
   "new_max_s": S, "new_samples": [...], "backends": {"be1": N, ...}}
"""
import argparse
import http.client
import json
import os
import threading
import time

lock = threading.Lock()


def held(i, a, res, ready):
    conn = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
    backend = None
    last_ok = time.monotonic()
    try:
        while not os.path.exists(a.stop_file):
            t0 = time.monotonic()
            conn.request("GET", "/")
            resp = conn.getresponse()
            body = resp.read().decode(errors="replace").strip()
            if resp.status != 200 or resp.will_close:
                raise RuntimeError(f"HTTP {resp.status}, will_close {resp.will_close}")
            now = time.monotonic()
            with lock:
                res["requests"] += 1
                res["max_stall_s"] = max(res["max_stall_s"], now - last_ok, now - t0)
            last_ok = now
            if backend is None:
                backend = body
                with lock:
                    res["backends"][body] = res["backends"].get(body, 0) + 1
                ready.release()
            elif body != backend:
                with lock:
                    res["moved"] += 1
                raise RuntimeError(f"moved from {backend} to {body}")
            time.sleep(a.interval)
        with lock:
            res["survived"] += 1
    except Exception as e:  # noqa: BLE001 - every failure counts
        with lock:
            res["failed"].append({"conn": i, "backend": backend,
                                  "error": f"{time.strftime('%H:%M:%S')} {type(e).__name__}: {e}"})
        if backend is None:
            ready.release()
    finally:
        conn.close()


def new_conns(a, res):
    period = 1.0 / a.new_rate
    nxt = time.monotonic()
    while not os.path.exists(a.stop_file):
        t0 = time.monotonic()
        try:
            conn = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
            conn.request("GET", "/", headers={"Connection": "close"})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
            with lock:
                res["new"] += 1
                res["new_max_s"] = max(res["new_max_s"], time.monotonic() - t0)
        except Exception as e:  # noqa: BLE001
            with lock:
                res["new"] += 1
                res["new_errors"] += 1
                if len(res["new_samples"]) < 5:
                    res["new_samples"].append(f"{time.strftime('%H:%M:%S')} {type(e).__name__}: {e}")
        nxt += period
        time.sleep(max(0.0, nxt - time.monotonic()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--hold", type=int, default=50)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--new-rate", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--stop-file", required=True)
    ap.add_argument("--ready-file")
    a = ap.parse_args()
    res = {"held": a.hold, "survived": 0, "failed": [], "moved": 0, "requests": 0,
           "max_stall_s": 0.0, "new": 0, "new_errors": 0, "new_max_s": 0.0,
           "new_samples": [], "backends": {}}
    ready = threading.Semaphore(0)
    threads = [threading.Thread(target=held, args=(i, a, res, ready), daemon=True)
               for i in range(a.hold)]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for _ in threads:
        ready.acquire()
    if a.ready_file:
        with open(a.ready_file + ".tmp", "w") as f:
            f.write("ready\n")
        os.rename(a.ready_file + ".tmp", a.ready_file)
    nt = None
    if a.new_rate > 0:
        nt = threading.Thread(target=new_conns, args=(a, res), daemon=True)
        nt.start()
    for t in threads:
        t.join()
    if nt:
        nt.join()
    res["max_stall_s"] = round(res["max_stall_s"], 3)
    res["new_max_s"] = round(res["new_max_s"], 3)
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
