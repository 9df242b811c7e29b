#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""HTTP client with a chosen source port, so a test can name the exact flow
(lbctl flow explain SRC:PORT VIP:PORT) before or while it sends it.

  flowc.py get HOST SPORT [--timeout S]   one connection, one GET: prints the
                                          backend's name (exit 1 on failure)
  flowc.py keep HOST SPORT SECONDS        one keep-alive connection, a GET every
                                          --interval s until SECONDS pass or
                                          --stop-file exists; the first answer
                                          goes to --first-file at once; prints
                                          {"counts": {...}, "errors": N}
"""
import argparse
import http.client
import json
import os
import socket
import sys
import time


def connect(host, sport, timeout):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(timeout)
    s.bind(("", sport))
    s.connect((host, 80))
    c = http.client.HTTPConnection(host, 80, timeout=timeout)
    c.sock = s
    return c


def get(c):
    c.request("GET", "/")
    r = c.getresponse()
    return r.read().decode().strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["get", "keep"])
    ap.add_argument("host")
    ap.add_argument("sport", type=int)
    ap.add_argument("seconds", type=float, nargs="?", default=10)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--first-file")
    ap.add_argument("--stop-file")
    a = ap.parse_args()
    if a.mode == "get":
        try:
            c = connect(a.host, a.sport, a.timeout)
            print(get(c))
            c.close()
        except OSError as e:
            print("error: %s" % e)
            sys.exit(1)
        return
    counts, errors, first = {}, 0, None
    end = time.monotonic() + a.seconds
    c = connect(a.host, a.sport, a.timeout)
    while time.monotonic() < end and not (a.stop_file and os.path.exists(a.stop_file)):
        try:
            name = get(c)
        except OSError:
            errors += 1
            break
        counts[name] = counts.get(name, 0) + 1
        if first is None:
            first = name
            if a.first_file:
                with open(a.first_file + ".tmp", "w") as f:
                    f.write(name + "\n")
                os.rename(a.first_file + ".tmp", a.first_file)
        time.sleep(a.interval)
    c.close()
    print(json.dumps({"counts": counts, "errors": errors}))


main()
