#!/usr/bin/python3
"""Writes the crafted captures of captures/crafted/ (see its README.md).

    python3 tests/gen/craft.py captures/crafted

Every file is a short iSCSI exchange on TCP port 3260 between 127.0.0.1
(initiator) and 127.0.0.2 (target), or fd00::1 and fd00::2 for IPv6: bytes
in a file, never sent anywhere. Output is deterministic (fixed timestamps,
sequence numbers and data), so running it again must leave `git status`
clean. Packets are built with scapy (python3-scapy); the pcap and pcapng
framing is written here, byte by byte, so that the odd files (a snap
length, nanoseconds, a cut record) are exactly what they claim.
"""

import os
import random
import struct
import sys

try:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop
    from scapy.layers.l2 import Dot1AD, Dot1Q, Ether
except ImportError:
    # A python3 of its own (pyenv, a venv) does not see Debian's scapy.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("craft.py: needs scapy (apt-get install python3-scapy)")

C_IP4, S_IP4 = "127.0.0.1", "127.0.0.2"
C_IP6, S_IP6 = "fd00::1", "fd00::2"
C_MAC, S_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
C_PORT, S_PORT = 51000, 3260
C_ISN, S_ISN = 0x10000000, 0x20000000
MSS = 1400
T0 = 1795000000  # 2026-11-18 11:06:40 UTC
STEP_NS = 100_000  # 100 us between packets
VLAN_INNER, VLAN_OUTER = 100, 200
LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_RAW = 0, 1, 101
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 113, 276

INITIATOR = "iqn.2026-11.test:init"
TARGET = "iqn.2026-11.test:target"
ISID = bytes([0x80, 0x12, 0x34, 0x56, 0x00, 0x01])
DATA_IN_LEN = 4096


# ---------------------------------------------------------------- iSCSI PDUs
# RFC 7143 §11; every PDU here is a 48-byte BHS plus a padded data segment,
# no AHS, no digests (HeaderDigest=None, DataDigest=None were negotiated).


def pdu(bhs, data=b""):
    assert len(bhs) == 48
    dsl = len(data)
    bhs = bhs[:5] + dsl.to_bytes(3, "big") + bhs[8:]
    return bhs + data + b"\0" * (-dsl % 4)


def text(pairs):
    return b"".join(f"{k}={v}".encode() + b"\0" for k, v in pairs)


LOGIN_REQ_KEYS = [
    ("InitiatorName", INITIATOR),
    ("InitiatorAlias", "craft"),
    ("TargetName", TARGET),
    ("SessionType", "Normal"),
    ("HeaderDigest", "None"),
    ("DataDigest", "None"),
    ("DefaultTime2Wait", "2"),
    ("DefaultTime2Retain", "0"),
    ("IFMarker", "No"),
    ("OFMarker", "No"),
    ("ErrorRecoveryLevel", "0"),
    ("InitialR2T", "No"),
    ("ImmediateData", "Yes"),
    ("MaxBurstLength", "262144"),
    ("FirstBurstLength", "65536"),
    ("MaxOutstandingR2T", "1"),
    ("MaxConnections", "1"),
    ("DataPDUInOrder", "Yes"),
    ("DataSequenceInOrder", "Yes"),
    ("MaxRecvDataSegmentLength", "262144"),
]

LOGIN_RSP_KEYS = [
    ("TargetPortalGroupTag", "1"),
    ("HeaderDigest", "None"),
    ("DataDigest", "None"),
    ("DefaultTime2Wait", "2"),
    ("DefaultTime2Retain", "0"),
    ("IFMarker", "No"),
    ("OFMarker", "No"),
    ("ErrorRecoveryLevel", "0"),
    ("InitialR2T", "Yes"),
    ("ImmediateData", "Yes"),
    ("MaxBurstLength", "262144"),
    ("FirstBurstLength", "65536"),
    ("MaxOutstandingR2T", "1"),
    ("MaxConnections", "1"),
    ("DataPDUInOrder", "Yes"),
    ("DataSequenceInOrder", "Yes"),
    ("MaxRecvDataSegmentLength", "8192"),
]


def login_req():
    # I=1, opcode 0x03; T=1, CSG=1 (operational), NSG=3 (full feature).
    bhs = bytes([0x43, 0x80 | (1 << 2) | 3, 0, 0, 0, 0, 0, 0])
    bhs += ISID + struct.pack(">HIHHII", 0, 0, 1, 0, 1, 0)  # TSIH ITT CID CmdSN ExpStatSN
    return pdu(bhs + bytes(16), text(LOGIN_REQ_KEYS))


def login_rsp():
    bhs = bytes([0x23, 0x80 | (1 << 2) | 3, 0, 0, 0, 0, 0, 0])
    bhs += ISID + struct.pack(">HII", 1, 0, 0)  # TSIH=1, ITT, reserved
    bhs += struct.pack(">III", 0, 1, 16)  # StatSN ExpCmdSN MaxCmdSN
    bhs += bytes([0, 0]) + bytes(10)  # Status-Class, Status-Detail
    return pdu(bhs, text(LOGIN_RSP_KEYS))


def scsi_cmd(itt, cmdsn, expstatsn, cdb, read_len):
    flags = 0x80 | (0x40 if read_len else 0) | 0x01  # F, R, ATTR=simple
    bhs = bytes([0x01, flags, 0, 0, 0, 0, 0, 0]) + bytes(8)  # LUN 0
    bhs += struct.pack(">IIII", itt, read_len, cmdsn, expstatsn)
    return pdu(bhs + cdb.ljust(16, b"\0"))


def read10(lba, blocks):
    return struct.pack(">BBIBHB", 0x28, 0, lba, 0, blocks, 0)


def data_in(itt, statsn, expcmdsn, data):
    # F=1, S=1: the status (GOOD) rides on the last Data-In.
    bhs = bytes([0x25, 0x81, 0, 0x00, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IIIIIIII", itt, 0xFFFFFFFF, statsn, expcmdsn,
                       expcmdsn + 15, 0, 0, 0)  # DataSN, offset, residual
    return pdu(bhs, data)


def scsi_rsp(itt, statsn, expcmdsn):
    bhs = bytes([0x21, 0x80, 0, 0x00, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IIIIIIII", itt, 0, statsn, expcmdsn, expcmdsn + 15,
                       0, 0, 0)
    return pdu(bhs)


def logout_req(itt, cmdsn, expstatsn):
    bhs = bytes([0x46, 0x80, 0, 0, 0, 0, 0, 0]) + bytes(8)  # reason 0: close session
    bhs += struct.pack(">IHHII", itt, 1, 0, cmdsn, expstatsn)
    return pdu(bhs + bytes(16))


def logout_rsp(itt, statsn, expcmdsn):
    bhs = bytes([0x26, 0x80, 0, 0, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IIIII", itt, 0, statsn, expcmdsn, expcmdsn + 15)
    bhs += bytes(4) + struct.pack(">HH", 0, 0) + bytes(4)  # Time2Wait/Retain
    return pdu(bhs)


def sector_data(n):
    """Data whose every byte has an invalid opcode (0x08-0x0f) in its low
    six bits: a framer resynchronising after a gap cannot lock onto it."""
    rng = random.Random(3260)
    return bytes((rng.getrandbits(2) << 6) | 0x08 | rng.getrandbits(3)
                 for _ in range(n))


# ------------------------------------------------------------ the exchange


class Seg:
    """One TCP segment: direction 'c' (initiator) or 's' (target). Each
    gets the next IPv4 identification of its sender, as a real stack
    does (a retransmission too)."""

    ipid = {"c": 0x1000, "s": 0x2000}

    def __init__(self, d, flags, seq, ack, payload=b"", note=""):
        self.d, self.flags, self.seq, self.ack = d, flags, seq, ack
        self.payload, self.note = payload, note
        Seg.ipid[d] += 1
        self.ipid = Seg.ipid[d]


def exchange():
    nxt = {"c": C_ISN, "s": S_ISN}
    segs = []
    other = {"c": "s", "s": "c"}

    def send(d, flags, payload=b"", note=""):
        ack = nxt[other[d]] if "A" in flags else 0
        segs.append(Seg(d, flags, nxt[d], ack, payload, note))
        nxt[d] += len(payload) + (1 if ("S" in flags or "F" in flags) else 0)

    def send_pdu(d, b, note):
        chunks = [b[i:i + MSS] for i in range(0, len(b), MSS)]
        for i, ch in enumerate(chunks):
            last = i == len(chunks) - 1
            send(d, "PA" if last else "A", ch, f"{note} ({i + 1}/{len(chunks)})"
                 if len(chunks) > 1 else note)

    send("c", "S", note="SYN")
    send("s", "SA", note="SYN/ACK")
    send("c", "A", note="ACK")
    send_pdu("c", login_req(), "Login Request T=1 CSG=1 NSG=3")
    send_pdu("s", login_rsp(), "Login Response TSIH=1 status 0")
    send("c", "A", note="ACK")
    send_pdu("c", scsi_cmd(1, 1, 1, read10(0, 8), DATA_IN_LEN),
             "SCSI Command READ(10) ITT 1")
    send_pdu("s", data_in(1, 1, 2, sector_data(DATA_IN_LEN)),
             "Data-In ITT 1 4096 bytes F S")
    send("c", "A", note="ACK")
    send_pdu("c", scsi_cmd(2, 2, 2, bytes(6), 0),
             "SCSI Command TEST UNIT READY ITT 2")
    send_pdu("s", scsi_rsp(2, 2, 3), "SCSI Response ITT 2 GOOD")
    send_pdu("c", logout_req(3, 3, 3), "Logout Request ITT 3")
    send_pdu("s", logout_rsp(3, 3, 3), "Logout Response ITT 3")
    send("c", "FA", note="FIN")
    send("s", "FA", note="FIN")
    send("c", "A", note="ACK")
    return segs


def find(segs, note):
    return next(i for i, s in enumerate(segs) if s.note.startswith(note))


# ------------------------------------------------------------ link layers


def ip_layer(s, v6=False):
    src, dst = (C_IP6, S_IP6) if v6 else (C_IP4, S_IP4)
    sport, dport = C_PORT, S_PORT
    if s.d == "s":
        src, dst, sport, dport = dst, src, dport, sport
    opts = [("MSS", MSS)] if "S" in s.flags else []
    tcp = TCP(sport=sport, dport=dport, seq=s.seq, ack=s.ack, flags=s.flags,
              window=65535, options=opts)
    if s.payload:
        tcp = tcp / s.payload
    if v6:
        return IPv6(src=src, dst=dst, hlim=64) / IPv6ExtHdrHopByHop() / tcp
    return IP(src=src, dst=dst, id=s.ipid, flags="DF", ttl=64) / tcp


def macs(s):
    return (C_MAC, S_MAC) if s.d == "c" else (S_MAC, C_MAC)


def eth(s):
    src, dst = macs(s)
    return bytes(Ether(src=src, dst=dst) / ip_layer(s))


def eth_vlan(s):
    src, dst = macs(s)
    return bytes(Ether(src=src, dst=dst) / Dot1Q(vlan=VLAN_INNER) / ip_layer(s))


def eth_qinq(s):
    src, dst = macs(s)
    return bytes(Ether(src=src, dst=dst, type=0x88A8) /
                 Dot1AD(vlan=VLAN_OUTER, type=0x8100) /
                 Dot1Q(vlan=VLAN_INNER) / ip_layer(s))


def eth_ipv6(s):
    src, dst = macs(s)
    return bytes(Ether(src=src, dst=dst) / ip_layer(s, v6=True))


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


# Captured on the initiator's host: its own packets are "outgoing" (4),
# the target's are "to us" (0).
def sll(s):
    src, _ = macs(s)
    hdr = struct.pack(">HHH8sH", 4 if s.d == "c" else 0, 1, 6,
                      mac_bytes(src), 0x0800)
    return hdr + bytes(ip_layer(s))


def sll2(s):
    src, _ = macs(s)
    hdr = struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 4 if s.d == "c" else 0,
                      6, mac_bytes(src))
    return hdr + bytes(ip_layer(s))


def null(s):
    # DLT_NULL: AF_INET (2) in the writer's byte order; our files are
    # little-endian.
    return struct.pack("<I", 2) + bytes(ip_layer(s))


def raw(s):
    return bytes(ip_layer(s))


# ------------------------------------------------------------ file writers


def ts_of(i, extra_ns=0):
    return T0 * 10**9 + i * STEP_NS + extra_ns


def write_pcap(path, linktype, frames, snaplen=262144, cut_at=None):
    """frames: list of packet bytes, timed T0 + i * 100 us. Microsecond
    pcap, little-endian. cut_at=(i, n): stop after n bytes of record i's
    data."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen,
                                linktype))
    for i, f in enumerate(frames):
        ts = ts_of(i)
        cap = f[:snaplen]
        out += struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000,
                           len(cap), len(f))
        if cut_at and cut_at[0] == i:
            out += cap[:cut_at[1]]
            break
        out += cap
    with open(path, "wb") as fh:
        fh.write(out)


def pcapng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng_opt(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def write_pcapng_nano(path, linktype, frames):
    """pcapng, one interface with if_tsresol=9 (nanoseconds); packet i at
    T0 + i * 100 us + 123 + i ns, so no timestamp is a whole microsecond."""
    out = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = struct.pack("<HHI", linktype, 0, 262144)
    idb += pcapng_opt(2, b"craft0") + pcapng_opt(9, bytes([9])) + pcapng_opt(0, b"")
    out += pcapng_block(1, idb)
    for i, f in enumerate(frames):
        ts = ts_of(i, 123 + i)
        epb = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f))
        out += pcapng_block(6, epb + f)
    with open(path, "wb") as fh:
        fh.write(out)


# ------------------------------------------------------------ the files


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: craft.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    P = lambda name: os.path.join(outdir, name)
    base = exchange()
    di = find(base, "Data-In")  # first of its three segments
    log = []

    def pcap(name, linktype, segs, builder, **kw):
        write_pcap(P(name), linktype, [builder(s) for s in segs], **kw)
        whole = kw["cut_at"][0] if "cut_at" in kw else len(segs)
        log.append((name, segs[:whole]))

    pcap("eth-plain.pcap", LINKTYPE_ETHERNET, base, eth)
    pcap("vlan.pcap", LINKTYPE_ETHERNET, base, eth_vlan)
    pcap("qinq.pcap", LINKTYPE_ETHERNET, base, eth_qinq)
    pcap("ipv6.pcap", LINKTYPE_ETHERNET, base, eth_ipv6)
    pcap("sll.pcap", LINKTYPE_LINUX_SLL, base, sll)
    pcap("sll2.pcap", LINKTYPE_LINUX_SLL2, base, sll2)
    pcap("null.pcap", LINKTYPE_NULL, base, null)
    pcap("raw.pcap", LINKTYPE_RAW, base, raw)

    # The last two Data-In segments change places.
    reorder = base[:di + 1] + [base[di + 2], base[di + 1]] + base[di + 3:]
    pcap("reorder.pcap", LINKTYPE_ETHERNET, reorder, eth)

    # The Data-In segments re-cut. [0,1400); [700,2100), whose first half
    # repeats delivered bytes; [2800,4144) ahead of a hole; [2500,3200)
    # into that hole, its [2800,3200) differing from the bytes held out of
    # order (XOR 0x40); [2100,2500) filling the hole. A difference can
    # only be seen against bytes still held: delivered bytes are gone.
    # And the TEST UNIT READY command sent twice.
    d1, d2, d3 = base[di], base[di + 1], base[di + 2]
    pdu_bytes = d1.payload + d2.payload + d3.payload
    s0, ack = d1.seq, d1.ack

    def part(lo, hi, note, flags="A", data=None):
        return Seg("s", flags, s0 + lo, ack,
                   data if data is not None else pdu_bytes[lo:hi],
                   f"Data-In [{lo},{hi}) {note}")

    altered = pdu_bytes[2500:2800] + bytes(b ^ 0x40 for b in pdu_bytes[2800:3200])
    reseg = [
        part(0, 1400, "in order"),
        part(700, 2100, "overlaps delivered bytes, same bytes"),
        part(2800, 4144, "ahead of a hole", "PA"),
        part(2500, 3200, "overlaps held bytes, [2800,3200) different",
             data=altered),
        part(2100, 2500, "fills the hole"),
    ]
    tur = find(base, "SCSI Command TEST")
    retrans = base[:di] + reseg + base[di + 3:tur + 1]
    retrans.append(Seg("c", base[tur].flags, base[tur].seq, base[tur].ack,
                       base[tur].payload, "SCSI Command TEST UNIT READY ITT 2 (retransmitted)"))
    retrans += base[tur + 1:]
    pcap("retrans-overlap.pcap", LINKTYPE_ETHERNET, retrans, eth)

    # The middle Data-In segment never reached the capture.
    lost = base[:di + 1] + base[di + 2:]
    pcap("lost-segment.pcap", LINKTYPE_ETHERNET, lost, eth)

    pcap("snaplen.pcap", LINKTYPE_ETHERNET, base, eth, snaplen=128)

    # The capture starts inside the Data-In data segment.
    pcap("midstream.pcap", LINKTYPE_ETHERNET, base[di + 1:], eth)

    write_pcapng_nano(P("pcapng-nano.pcapng"), LINKTYPE_ETHERNET,
                      [eth(s) for s in base])
    log.append(("pcapng-nano.pcapng", base))

    # eth-plain cut half-way through the data of packet 10 (the last
    # Data-In segment): 9 whole packets, then a broken record.
    frame9 = eth(base[9])
    pcap("truncated.pcap", LINKTYPE_ETHERNET, base, eth,
         cut_at=(9, len(frame9) // 2))

    with open(P("not-a-capture.pcap"), "w") as fh:
        fh.write("This is not a capture file: iscsiwatch must say so in one "
                 "line\nand read nothing from it.\n")

    for name, segs in log:
        print(f"{name}: {len(segs)} packets")
        if name in ("eth-plain.pcap", "retrans-overlap.pcap"):
            for i, s in enumerate(segs):
                rel = s.seq - (C_ISN if s.d == "c" else S_ISN)
                print(f"  {i:2} {'c->s' if s.d == 'c' else 's->c'} "
                      f"{s.flags:2} rel_seq={rel:5} len={len(s.payload):4} {s.note}")


if __name__ == "__main__":
    main()
