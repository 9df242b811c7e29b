#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""mapdump.py PIN_DIR [--semantic]: the data path's desired state as JSON.

Dumps the pinned xlb_vips_v1 (services), xlb_bends_v1 (backends in use:
family != 0), for every service its lookup table (the inner map of
xlb_tables_v3, unpacked to one backend id per slot), the filter settings per service id (xlb_filt_v1, entries not
all zero) and the ACL tries (xlb_acl4_v1, xlb_acl6_v1) with bpftool. Raw mode keeps ids; --semantic names services by
their key and backends by their address, so two data paths that differ only
in id numbering compare equal. Used by test_plan_apply.sh.
"""
import json
import subprocess
import sys


def dump(*args):
    out = subprocess.run(["bpftool", "-j", "map", "dump", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def raw(e, k):
    # bpftool -j: "key"/"value" as lists of "0x.." strings (BTF adds "formatted")
    return bytes(int(x, 16) for x in e[k])


def u32(b, off=0):
    return int.from_bytes(b[off:off + 4], "little")


def main():
    pin = sys.argv[1]
    sem = "--semantic" in sys.argv
    vips = {}
    for e in dump("pinned", f"{pin}/xlb_vips_v1"):
        k, v = raw(e, "key"), raw(e, "value")
        vips[k.hex()] = {"svc_id": u32(v), "value": v.hex()}
    bends = {}
    for e in dump("pinned", f"{pin}/xlb_bends_v1"):
        k, v = raw(e, "key"), raw(e, "value")
        if v[22] == 0:  # family 0: slot unused
            continue
        bends[u32(k)] = {"addr": v[:16].hex(), "svc_id": u32(v, 16),
                         "weight": int.from_bytes(v[20:22], "little"), "family": v[22],
                         "flags": v[23]}
    size = {v["svc_id"]: u32(bytes.fromhex(v["value"]), 4) for v in vips.values()}
    tables = {}
    for e in dump("pinned", f"{pin}/xlb_tables_v3"):
        svc, inner = u32(raw(e, "key")), u32(raw(e, "value"))
        elems = dump("id", str(inner))
        # 8-byte elements of 4 u16 or 2 u32 slots (include/xlb.h xlb_slot_t),
        # whichever gives the service's table_size slots in that many elements
        n = size.get(svc, len(elems) * 4)
        w = 2 if len(elems) == (n + 3) // 4 else 4
        b = b"".join(raw(x, "value") for x in sorted(elems, key=lambda x: u32(raw(x, "key"))))
        slots = [int.from_bytes(b[i:i + w], "little") for i in range(0, n * w, w)]
        tables[svc] = [0xffffffff if s == (1 << 8 * w) - 1 else s for s in slots]
    filt = {}
    for e in dump("pinned", f"{pin}/xlb_filt_v1"):
        k, v = raw(e, "key"), raw(e, "value")
        if any(v):
            filt[u32(k)] = v.hex()
    acl = []  # (family, scope kind, scope id, prefixlen + address)
    for fam in ("4", "6"):
        for e in dump("pinned", f"{pin}/xlb_acl{fam}_v1"):
            k = raw(e, "key")
            scope = u32(k, 4)
            acl.append((fam, scope >> 24, scope & 0xffffff, k[:4].hex() + k[8:].hex()))
    if not sem:
        out = {"vips": vips, "bends": {str(k): v for k, v in sorted(bends.items())},
               "tables": {str(k): v for k, v in sorted(tables.items())},
               "filters": {str(k): v for k, v in sorted(filt.items())},
               "acl": sorted(acl)}
    else:
        svc_name = {v["svc_id"]: k for k, v in vips.items()}
        be_name = {i: "%s/%d" % (b["addr"], b["family"]) for i, b in bends.items()}
        out = {
            "vips": sorted(k + ":" + v["value"][8:] for k, v in vips.items()),
            "bends": sorted((svc_name.get(b["svc_id"], "?"), be_name[i], b["weight"], b["flags"])
                            for i, b in bends.items()),
            "tables": {svc_name.get(s, "?%d" % s): [be_name.get(x, str(x)) for x in t]
                       for s, t in sorted(tables.items()) if s in svc_name},
            # ids that name no service (the global entries) stay numbers
            "filters": {svc_name.get(i, str(i)): v for i, v in filt.items()},
            "acl": sorted((f, kind, svc_name.get(i, str(i)), p) for f, kind, i, p in acl),
        }
    json.dump(out, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
