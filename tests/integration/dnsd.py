#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A tiny DNS responder for the integration tests (run in a backend netns).

  dnsd.py NAME PORT RCODE_FILE

Answers every query on 0.0.0.0:PORT with the same id, QR set and the RCODE
read from RCODE_FILE at each query (0 when the file is missing), followed by
NAME as bytes so that a test client can tell the backends apart (lbd's probe
reads the header only). Runs until killed.
"""
import socket
import sys

name, port, rfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
while True:
    q, peer = s.recvfrom(2048)
    if len(q) < 12:
        continue
    try:
        rcode = int(open(rfile).read().strip() or 0)
    except (OSError, ValueError):
        rcode = 0
    a = bytearray(q[:12])
    a[2] |= 0x80
    a[3] = (a[3] & 0xF0) | (rcode & 0x0F)
    s.sendto(bytes(a) + q[12:] + b"|" + name.encode(), peer)
