#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A tiny HTTP backend for the xlb netns lab.

Answers every GET/HEAD with its own name ("be1\n"), so clients can tell
which backend served them. HTTP/1.1 with keep-alive, threaded, and a large
listen backlog (python -m http.server uses 5, which drops SYNs under load).
Listens on [::]:PORT dual-stack, so both the IPv4 and the IPv6 VIP work.

Health-check experiments: SIGUSR1 makes it answer every request with
HTTP 500 (still naming itself), SIGUSR2 back to 200.

usage: lab-httpd.py NAME [PORT]
"""
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "xlb-lab"

    def _reply(self, body_too):
        body = (self.server.name + "\n").encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend", self.server.name)
        self.end_headers()
        if body_too:
            self.wfile.write(body)

    def do_GET(self):
        self._reply(True)

    def do_HEAD(self):
        self._reply(False)

    def log_message(self, fmt, *args):
        pass


class Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    request_queue_size = 128
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    srv = Server(("::", port), Handler)
    srv.name = sys.argv[1]
    srv.status = 200

    def set_status(code):
        def handler(signum, frame):
            srv.status = code
        return handler

    signal.signal(signal.SIGUSR1, set_status(500))
    signal.signal(signal.SIGUSR2, set_status(200))
    print(f"{srv.name}: listening on [::]:{port}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
