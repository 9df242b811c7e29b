#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""mapcount.py PINNED_MAP KEY_SIZE: the number of entries of a pinned hash
map, by BPF_MAP_GET_NEXT_KEY through the bpf() system call (seconds faster
than bpftool's dump for the connection table's 100,000s of entries)."""
import ctypes
import os
import sys

SYS_BPF = 321  # x86_64
BPF_MAP_GET_NEXT_KEY = 4
BPF_OBJ_GET = 7

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class ObjAttr(ctypes.Structure):
    _fields_ = [("pathname", ctypes.c_uint64), ("bpf_fd", ctypes.c_uint32),
                ("file_flags", ctypes.c_uint32), ("pad", ctypes.c_uint8 * 112)]


class KeyAttr(ctypes.Structure):
    _fields_ = [("map_fd", ctypes.c_uint32), ("pad0", ctypes.c_uint32),
                ("key", ctypes.c_uint64), ("next_key", ctypes.c_uint64),
                ("flags", ctypes.c_uint64), ("pad", ctypes.c_uint8 * 96)]


def main():
    path = ctypes.create_string_buffer(sys.argv[1].encode())
    ksz = int(sys.argv[2])
    oa = ObjAttr(pathname=ctypes.addressof(path))
    fd = libc.syscall(SYS_BPF, BPF_OBJ_GET, ctypes.byref(oa), ctypes.sizeof(oa))
    if fd < 0:
        sys.exit("mapcount: %s: %s" % (sys.argv[1], os.strerror(ctypes.get_errno())))
    a, b = ctypes.create_string_buffer(ksz), ctypes.create_string_buffer(ksz)
    ka = KeyAttr(map_fd=fd, key=0, next_key=ctypes.addressof(b))
    n = 0
    while libc.syscall(SYS_BPF, BPF_MAP_GET_NEXT_KEY, ctypes.byref(ka), ctypes.sizeof(ka)) == 0:
        n += 1
        ctypes.memmove(a, b, ksz)
        ka.key = ctypes.addressof(a)
    print(n)


main()
