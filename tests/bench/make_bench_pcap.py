#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Builds the network benchmark's capture: the given pcap files (pcapng converted beforehand),
concatenated and repeated until OUT holds at least MB mebibytes, as one Ethernet pcap.
Linux cooked (SLL) and raw IP frames get an Ethernet header; timestamps keep each file's order
and gaps (capped at 100 ms) on one increasing clock; each repetition moves the last byte of
every IPv4/IPv6 address by the repetition number, so that repeated flows are new flows (a
/24 or larger range stays the same range) rather than retransmissions of the first copy.
Usage: make_bench_pcap.py OUT MB FILE..."""
import struct, sys

ETHER = 1
SLL = 113
RAW = {12, 14, 101, 228, 229}


def frames(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e, nano = "<", magic == b"\x4d\x3c\xb2\xa1"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e, nano = ">", magic == b"\xa1\xb2\x3c\x4d"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    dlt = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(frame) < caplen:
            break
        ts = sec + frac / (1e9 if nano else 1e6)
        if dlt == ETHER:
            yield ts, frame, wirelen
        elif dlt == SLL and len(frame) >= 16:
            yield ts, b"\0" * 12 + frame[14:16] + frame[16:], wirelen - 2
        elif dlt in RAW and frame:
            etype = b"\x08\x00" if frame[0] >> 4 == 4 else b"\x86\xdd"
            yield ts, b"\0" * 12 + etype + frame, wirelen + 14


def shift_addresses(frame, n):
    """Moves the last byte of both IP addresses by n (Ethernet, optional VLAN tags)."""
    off, etype = 12, frame[12:14]
    while etype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= off + 6:
        off += 4
        etype = frame[off:off + 2]
    ip = off + 2
    f = bytearray(frame)
    if etype == b"\x08\x00" and len(f) >= ip + 20:
        for a in (ip + 15, ip + 19):
            f[a] = (f[a] + n) & 0xFF
    elif etype == b"\x86\xdd" and len(f) >= ip + 40:
        for a in (ip + 23, ip + 39):
            f[a] = (f[a] + n) & 0xFF
    return bytes(f)


def main():
    out, mb, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    base = [list(frames(p)) for p in files]
    clock, size, rep = 1.7e9, 24, 0
    with open(out, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, ETHER))
        while size < mb * 1048576:
            for pkts in base:
                prev = None
                for ts, frame, wirelen in pkts:
                    if prev is not None:
                        clock += min(max(ts - prev, 0.0), 0.1)
                    prev = ts
                    frame = shift_addresses(frame, rep) if rep else frame
                    sec = int(clock)
                    o.write(struct.pack("<IIII", sec, int((clock - sec) * 1e6), len(frame),
                                        max(wirelen, len(frame))))
                    o.write(frame)
                    size += 16 + len(frame)
                clock += 1.0
            rep += 1
    print("%s: %d MiB, %d repetitions" % (out, size >> 20, rep))


main()
