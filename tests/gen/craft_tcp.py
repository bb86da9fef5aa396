#!/usr/bin/python3
"""Writes the TCP-state and flow-pressure captures of captures/crafted/
(tcp-*.pcap, see captures/crafted/README.md, "TCP state and flow table").

    python3 tests/gen/craft_tcp.py captures/crafted
    python3 tests/gen/craft_tcp.py --flood N FILE   # N flows on 443, then
                                                    # the exchange (tests)

Each file is craft.py's exchange (same PDUs, addresses, timing rule)
disturbed the way a mirror port disturbs it: a spoofed RST and FINs far
outside the window, an unanswered SYN before the real handshake, the
4-tuple reused with new ISNs while the old connection never closed,
keepalives and zero-window probes, a simultaneous open, other traffic
filling the flow table. Output is deterministic.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import craft  # noqa: E402  (re-executes under /usr/bin/python3 for scapy)
from craft import (C_ISN, S_ISN, LINKTYPE_ETHERNET, Seg, eth, exchange,  # noqa: E402
                   find, write_pcap)

FAR = 0x40000000  # a quarter of the sequence space away: no window has it


def renumber(segs, c_isn, s_isn):
    """The exchange with other initial sequence numbers."""
    out = []
    for s in segs:
        base_from, base_to = (C_ISN, c_isn) if s.d == "c" else (S_ISN, s_isn)
        peer_from, peer_to = (S_ISN, s_isn) if s.d == "c" else (C_ISN, c_isn)
        ack = (s.ack - peer_from + peer_to) & 0xFFFFFFFF if s.ack else 0
        out.append(Seg(s.d, s.flags, (s.seq - base_from + base_to) & 0xFFFFFFFF,
                       ack, s.payload, s.note))
    return out


def after(segs, note):
    return find(segs, note) + 1


def spoofed_rst(base):
    """A RST "from the target" and a FIN from each side, far outside the
    window, in the middle of the session: the endpoints ignore them, so
    the session goes on and logs out."""
    rd = find(base, "SCSI Command READ")
    cmd = base[rd]
    rst = Seg("s", "RA", S_ISN + 1 + FAR, cmd.seq + len(cmd.payload),
              note="spoofed RST, seq far outside the window")
    tur = find(base, "SCSI Response")
    r = base[tur]
    fin_s = Seg("s", "FA", r.seq + len(r.payload) + FAR, r.ack,
                note="spoofed FIN from the target, far outside")
    fin_c = Seg("c", "FA", (r.ack - FAR) & 0xFFFFFFFF, r.seq + len(r.payload),
                note="spoofed FIN from the initiator, far outside")
    return base[:rd + 1] + [rst] + base[rd + 1:tur + 1] + [fin_s, fin_c] + base[tur + 1:]


def syn_retry(base):
    """A first SYN with another ISN went unanswered; the stack tried
    again and the real handshake followed."""
    lost = Seg("c", "S", C_ISN - 0x01000000, 0, note="SYN, unanswered")
    return [lost] + base


def port_reuse(base):
    """The initiator rebooted mid-session: no logout, no FIN, no RST. It
    logs in again from the same source port with new ISNs and a new
    session (TSIH 2), which logs out."""
    first = base[:after(base, "SCSI Response")]
    second = renumber(base, 0x90000000, 0xA0000000)
    lr = find(second, "Login Response")
    rsp = second[lr]
    body = bytearray(rsp.payload)
    body[14:16] = (2).to_bytes(2, "big")  # TSIH 2
    second[lr] = Seg("s", rsp.flags, rsp.seq, rsp.ack, bytes(body), rsp.note + " (TSIH 2)")
    return first + second


def keepalive(base):
    """Keepalives (no byte, and one garbage byte, at next-1) both ways,
    then the target's window closes before the Logout Request: the
    initiator probes it with the request's first byte (twice, RFC 9293
    §3.8.6.1), and sends the whole request once the window opens."""
    i = after(base, "SCSI Response")
    rsp = base[i - 1]
    c_next = rsp.ack
    s_next = rsp.seq + len(rsp.payload)
    ka = [
        Seg("c", "A", c_next - 1, s_next, note="keepalive, no byte, at next-1"),
        Seg("s", "A", s_next, c_next, note="keepalive ACK"),
        Seg("c", "A", c_next - 1, s_next, b"\0", note="keepalive, one garbage byte, at next-1"),
        Seg("s", "A", s_next, c_next, note="keepalive ACK"),
        Seg("s", "A", s_next - 1, c_next, note="target keepalive, no byte"),
        Seg("c", "A", c_next, s_next, note="keepalive ACK"),
    ]
    lo = base[i]
    assert lo.note.startswith("Logout Request")
    zwp = [
        Seg("s", "A", s_next, c_next, note="window closed", ),
        Seg("c", "PA", lo.seq, lo.ack, lo.payload[:1], note="zero-window probe, first byte of the Logout Request"),
        Seg("s", "A", s_next, c_next, note="window still closed (probe not taken)"),
        Seg("c", "PA", lo.seq, lo.ack, lo.payload[:1], note="zero-window probe again"),
        Seg("s", "A", s_next, c_next, note="window open"),
    ]
    zero = {id(zwp[0]), id(zwp[2])}
    return base[:i] + ka + zwp + base[i:], zero


def simultaneous_open(base):
    """Both ends send a SYN before either answers (RFC 9293 §3.5, figure
    8), then each sends SYN/ACK."""
    syn_c, syn_s = base[0], base[1]
    return [
        syn_c,
        Seg("s", "S", S_ISN, 0, note="SYN from the target"),
        Seg("c", "SA", C_ISN, S_ISN + 1, note="SYN/ACK from the initiator"),
        Seg("s", "SA", syn_s.seq, syn_s.ack, note="SYN/ACK from the target"),
    ] + base[2:]


# ------------------------------------------------------------ flow flood
# Built without scapy: tens of thousands of flows must take seconds.

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp4(src, dst, sport, dport, seq, ack, flags, payload=b""):
    fl = {"S": 0x02, "SA": 0x12, "A": 0x10, "PA": 0x18}[flags]
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, fl, 65535, 0, 0) + payload
    ph = src + dst + struct.pack(">BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack(">H", csum(ph + tcp)) + tcp[18:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    eth_hdr = bytes.fromhex("020000000002" "020000000001" "0800")
    return eth_hdr + ip + tcp


HELLO = bytes.fromhex("16030100") + bytes(60)  # a TLS record header: not iSCSI


def flood_frames(n):
    """n HTTPS connections from 10.1.x.y to 10.0.0.1:443, each SYN,
    SYN/ACK, ACK with a ClientHello-like first payload."""
    srv = bytes([10, 0, 0, 1])
    for i in range(n):
        cli = bytes([10, 1, (i >> 8) & 0xFF, i & 0xFF])
        sport = 1024 + (i >> 16)
        isn, sisn = 0x30000000 + i * 7, 0x50000000 + i * 11
        yield tcp4(cli, srv, sport, 443, isn, 0, "S")
        yield tcp4(srv, cli, 443, sport, sisn, isn + 1, "SA")
        yield tcp4(cli, srv, sport, 443, isn + 1, sisn + 1, "PA", HELLO)


def write_flood(path, n, base):
    """The flood, then the exchange on 3260 (timestamps go on counting)."""
    step = craft.STEP_NS
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET))
        i = 0
        for f in list(flood_frames(n)) + [eth(s) for s in base]:
            ts = craft.T0 * 10**9 + i * step
            fh.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, len(f), len(f)))
            fh.write(f)
            i += 1


# ------------------------------------------------------------ main


def eth_window(zero):
    """eth(), with window 0 on the segments in `zero`."""
    from scapy.layers.l2 import Ether
    from scapy.layers.inet import TCP

    def build(s):
        b = eth(s)
        if id(s) not in zero:
            return b
        p = Ether(b)
        p[TCP].window = 0
        del p[TCP].chksum
        return bytes(p)
    return build


def main():
    base = exchange()
    if len(sys.argv) == 4 and sys.argv[1] == "--flood":
        write_flood(sys.argv[3], int(sys.argv[2]), base)
        return
    if len(sys.argv) != 2:
        sys.exit("usage: craft_tcp.py OUTDIR | craft_tcp.py --flood N FILE")
    out = sys.argv[1]
    P = lambda name: os.path.join(out, name)
    files = [
        ("tcp-spoofed-rst.pcap", spoofed_rst(base), eth),
        ("tcp-syn-retry.pcap", syn_retry(base), eth),
        ("tcp-port-reuse.pcap", port_reuse(base), eth),
        ("tcp-simultaneous-open.pcap", simultaneous_open(base), eth),
    ]
    ka, zero = keepalive(base)
    files.append(("tcp-keepalive.pcap", ka, eth_window(zero)))
    for name, segs, build in files:
        write_pcap(P(name), LINKTYPE_ETHERNET, [build(s) for s in segs])
        print(f"{name}: {len(segs)} packets")
    write_flood(P("tcp-flood-443.pcap"), 100, base)
    print(f"tcp-flood-443.pcap: {100 * 3 + len(base)} packets")


if __name__ == "__main__":
    main()
