#!/usr/bin/env python3
"""Writes tests/regress/pcap/escape-names.pcap: a login whose names and
aliases carry terminal escapes, invalid UTF-8, a newline, a quote and a
backslash (tests/cap/robust-escape.sh checks every output escapes them).

    python3 fuzz/craft_hostile.py tests/regress/pcap/escape-names.pcap

Plain Ethernet/IPv4/TCP built by hand (no scapy), deterministic bytes.
"""
import struct
import sys

C_IP, S_IP = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])
C_PORT, S_PORT = 51000, 3260
T0 = 1795000000

INITIATOR_NAME = b"iqn.2026-11.test:\x1b[31mred\x1b[0m\xff\xfe\x07bell"
INITIATOR_ALIAS = b'line1\nline2 "quoted" back\\slash\r\x7f'
TARGET_NAME = b"iqn.2026-11.test:\x1b]0;title\x07target"
TARGET_ALIAS = b"tgt\x1b[2J\xc3\x28%s%n"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def text(pairs):
    return b"".join(k + b"=" + v + b"\0" for k, v in pairs)


def pdu(bhs, data):
    bhs = bytearray(bhs)
    bhs[5:8] = len(data).to_bytes(3, "big")
    return bytes(bhs) + data + b"\0" * (-len(data) % 4)


def main(path):
    isid = bytes([0x80, 0x12, 0x34, 0x56, 0x00, 0x01])
    req = bytearray(48)
    req[0], req[1] = 0x43, 0x87  # immediate Login, T=1 CSG=1 NSG=3
    req[8:14] = isid
    req[16:20] = (1).to_bytes(4, "big")
    req[20:22] = (1).to_bytes(2, "big")
    login_req = pdu(req, text([
        (b"InitiatorName", INITIATOR_NAME),
        (b"InitiatorAlias", INITIATOR_ALIAS),
        (b"TargetName", TARGET_NAME),
        (b"SessionType", b"Normal"),
        (b"HeaderDigest", b"None"),
        (b"DataDigest", b"None"),
    ]))
    rsp = bytearray(48)
    rsp[0], rsp[1] = 0x23, 0x87
    rsp[8:14] = isid
    rsp[14:16] = (1).to_bytes(2, "big")
    rsp[16:20] = (1).to_bytes(4, "big")
    login_rsp = pdu(rsp, text([
        (b"TargetAlias", TARGET_ALIAS),
        (b"TargetPortalGroupTag", b"1"),
        (b"HeaderDigest", b"None"),
        (b"DataDigest", b"None"),
    ]))
    lo = bytearray(48)  # Logout Request, close the session
    lo[0], lo[1] = 0x46, 0x80
    lo[16:20] = (2).to_bytes(4, "big")
    lr = bytearray(48)
    lr[0], lr[1] = 0x26, 0x80
    lr[16:20] = (2).to_bytes(4, "big")
    ci, si = 0x10000000, 0x20000000
    c, s = C_IP, S_IP
    P = []
    P.append(packet(c, s, C_PORT, S_PORT, ci, 0, 0x02))
    P.append(packet(s, c, S_PORT, C_PORT, si, ci + 1, 0x12))
    ci += 1
    si += 1
    P.append(packet(c, s, C_PORT, S_PORT, ci, si, 0x10))
    P.append(packet(c, s, C_PORT, S_PORT, ci, si, 0x18, login_req))
    ci += len(login_req)
    P.append(packet(s, c, S_PORT, C_PORT, si, ci, 0x18, login_rsp))
    si += len(login_rsp)
    P.append(packet(c, s, C_PORT, S_PORT, ci, si, 0x18, bytes(lo)))
    ci += 48
    P.append(packet(s, c, S_PORT, C_PORT, si, ci, 0x18, bytes(lr)))
    si += 48
    P.append(packet(c, s, C_PORT, S_PORT, ci, si, 0x11))
    P.append(packet(s, c, S_PORT, C_PORT, si, ci + 1, 0x11))
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, p in enumerate(P):
        out += struct.pack("<IIII", T0, i * 100, len(p), len(p)) + p
    with open(path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "escape-names.pcap")
