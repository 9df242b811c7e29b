#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send crafted IPv4 TCP/UDP frames with an AF_PACKET socket (run it inside a
lab namespace) and optionally write them to a reference pcap file.

  rawsend.py IFACE DSTMAC SRC DST DPORT [--proto tcp|udp] [--count N]
             [--sport0 P] [--payload BYTES] [--total M] [--ref FILE]

N distinct frames (source ports P, P+1, ...; TCP: flags ACK, so a backend
answers with a RST and nobody answers that) are sent in turn until M frames
went out (default M = N), as fast as the socket takes them. --ref writes the
N distinct frames, once each, to a pcap file. Prints the number sent.
"""
import argparse
import socket
import struct
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(smac, dmac, src, dst, sport, dport, proto, payload):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    if proto == "tcp":
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1000, 1, 5 << 4, 0x10, 65535, 0, 0) + payload
        pnum = 6
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        pnum = 17
    c = csum(s + d + struct.pack("!BBH", 0, pnum, len(l4)) + l4)
    off = 16 if proto == "tcp" else 6
    l4 = l4[:off] + struct.pack("!H", c or 0xffff) + l4[off + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x1234, 0x4000, 64, pnum, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + l4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("dstmac")
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("dport", type=int)
    ap.add_argument("--proto", default="tcp")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--sport0", type=int, default=42000)
    ap.add_argument("--payload", type=int, default=0)
    ap.add_argument("--total", type=int, default=0)
    ap.add_argument("--ref")
    a = ap.parse_args()
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sk.bind((a.iface, 0))
    smac = sk.getsockname()[4]
    dmac = bytes.fromhex(a.dstmac.replace(":", ""))
    frames = [frame(smac, dmac, a.src, a.dst, a.sport0 + i, a.dport, a.proto,
                    bytes((i + j) & 0xff for j in range(a.payload))) for i in range(a.count)]
    if a.ref:
        with open(a.ref, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for fr in frames:
                t = time.time()
                f.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(fr), len(fr)) + fr)
    total = a.total or a.count
    sent = 0
    while sent < total:
        try:
            sk.send(frames[sent % len(frames)])
            sent += 1
        except BlockingIOError:
            time.sleep(0.0001)
        except OSError as e:  # ENOBUFS under a flood: try again
            if e.errno != 105:
                raise
            time.sleep(0.0001)
    print(sent)


main()
