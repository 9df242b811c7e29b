#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send malformed and odd frames to a VIP with an AF_PACKET socket (run inside
the lab's client netns), each exactly as built: no kernel stack on the way.

  rawframes.py IFACE DST_MAC VIP4 VIP6 [--repeat K]

Every case goes out K times (default 10). Prints one JSON object on stdout:
  {"sent": N, "expect": {"drop_malformed": N, ...}}
where expect says, for each xlb counter (include/xlb.h XLB_STATS), how many of
the frames the balancer must count there: each frame is meant for a VIP
address and cannot be balanced, so each has exactly one drop reason. Several
of them (bad IPv4 header checksum, IHL < 5, a length beyond the frame, a bad
IPv6 hop-by-hop header) are what a bridge with br_netfilter on drops silently.
"""
import argparse
import json
import socket
import struct
import sys

CLI_MAC = "02:00:00:00:00:64"
SRC4 = "10.0.0.100"
SRC6 = "fd00::100"


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(dst, proto, payload, ihl=5, version=4, tot_len=None, frag=0, good_csum=True):
    """IPv4 header (+ payload); ihl words of header (options zero-filled)."""
    hlen = max(ihl, 5) * 4
    tl = hlen + len(payload) if tot_len is None else tot_len
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tl, 0x1234, frag, 64, proto, 0,
                    socket.inet_aton(SRC4), socket.inet_aton(dst))
    h += b"\0" * (hlen - 20)
    c = csum(h)
    if not good_csum:
        c ^= 0x5555
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + payload


def ipv6(dst, nexthdr, payload, plen=None, version=6):
    pl = len(payload) if plen is None else plen
    h = struct.pack("!IHBB16s16s", version << 28, pl, nexthdr, 64,
                    socket.inet_pton(socket.AF_INET6, SRC6),
                    socket.inet_pton(socket.AF_INET6, dst))
    return h + payload


def tcp(doff=5):
    # ports 40000 -> 80, SYN; checksum left 0 (xlb does not check it)
    return struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, doff << 4, 0x02, 65535, 0, 0) + \
        b"\0" * max(0, doff * 4 - 20)


def udp(length):
    return struct.pack("!HHHH", 40000, 80, length, 0) + b"x" * 8


def cases(vip4, vip6):
    """(name, L3 ethertype, L3 bytes, xlb counter)"""
    t = tcp()
    return [
        ("ipv4 ihl 4", 0x0800, ipv4(vip4, 6, t, ihl=4), "drop_malformed"),
        ("ipv4 version 5", 0x0800, ipv4(vip4, 6, t, version=5), "drop_malformed"),
        ("ipv4 total length beyond the frame", 0x0800, ipv4(vip4, 6, t, tot_len=200),
         "drop_malformed"),
        ("ipv4 total length below the header", 0x0800, ipv4(vip4, 6, t, tot_len=12),
         "drop_malformed"),
        ("ipv4 bad header checksum, tcp doff 4", 0x0800,
         ipv4(vip4, 6, tcp(5)[:12] + bytes([4 << 4]) + tcp(5)[13:], good_csum=False),
         "drop_malformed"),
        ("ipv4 tcp doff 3", 0x0800, ipv4(vip4, 6, tcp(5)[:12] + bytes([3 << 4]) + tcp(5)[13:]),
         "drop_malformed"),
        ("ipv4 tcp header cut short", 0x0800, ipv4(vip4, 6, t[:10]), "drop_malformed"),
        ("ipv4 udp length beyond the payload", 0x0800, ipv4(vip4, 17, udp(200)),
         "drop_malformed"),
        ("ipv4 first fragment (MF)", 0x0800, ipv4(vip4, 6, t, frag=0x2000), "drop_fragment"),
        ("ipv4 later fragment, bad checksum", 0x0800,
         ipv4(vip4, 6, t, frag=0x0010, good_csum=False), "drop_fragment"),
        ("ipv6 payload length beyond the frame", 0x86DD, ipv6(vip6, 6, t, plen=400),
         "drop_malformed"),
        ("ipv6 payload length 0", 0x86DD, ipv6(vip6, 6, t, plen=0), "drop_malformed"),
        ("ipv6 version 4", 0x86DD, ipv6(vip6, 6, t, version=4), "drop_malformed"),
        # hop-by-hop header whose option runs past its own length: br_netfilter drops it
        ("ipv6 bad hop-by-hop header", 0x86DD,
         ipv6(vip6, 0, bytes([6, 0, 0xC2, 4, 0, 0, 0, 0]) + t), "drop_ipv6_ext"),
        ("ipv6 routing header", 0x86DD, ipv6(vip6, 43, bytes([6, 0, 0, 0, 0, 0, 0, 0]) + t),
         "drop_ipv6_ext"),
        ("ipv6 fragment header", 0x86DD, ipv6(vip6, 44, bytes([6, 0, 0, 1, 0, 0, 0, 7]) + t),
         "drop_fragment"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("dst_mac")
    ap.add_argument("vip4")
    ap.add_argument("vip6")
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    expect, sent = {}, 0
    for name, etype, l3, reason in cases(a.vip4, a.vip6):
        frame = mac(a.dst_mac) + mac(CLI_MAC) + struct.pack("!H", etype) + l3
        for _ in range(a.repeat):
            if s.send(frame) != len(frame):
                sys.exit("short send: " + name)
            sent += 1
        expect[reason] = expect.get(reason, 0) + a.repeat
    json.dump({"sent": sent, "expect": expect}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
