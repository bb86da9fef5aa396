#!/usr/bin/python3
"""Writes captures/crafted/operator.pcap: what an operator's view must
cope with (issue 14) - Microsoft- and VMware-style long initiator names
that differ only in their unique part, and every way a session ends.

    python3 tests/gen/operator.py captures/crafted/operator.pcap

Six sessions from 10.0.0.x-free loopback addresses 127.0.1.N to the target
127.0.0.2:3260 (bytes in a file, never sent anywhere), one TCP connection
each, in this order:

  1 iqn.1991-05.com.microsoft:esx15.corp.example.com   logs in, 120 s of
    I/O (READ(10) of 8 blocks every second, a burst of 4 each 10th s),
    logs out
  2 iqn.1991-05.com.microsoft:esx16.corp.example.com   login rejected,
    authentication failure (Status 0x0201, RFC 7143 §11.13.5)
  3 iqn.1991-05.com.microsoft:sql-node-a.corp.example.com   login
    rejected, target not found (0x0203)
  4 iqn.1991-05.com.microsoft:backup07.corp.example.com   logs in, reads,
    then the connection is reset: lost
  5 iqn.1998-01.com.vmware:esx-host-17-6d1f2b3c   sends a Login Request
    the target never answers, then closes: no response
  6 eui.02004567A425678D   logs in, reads, logs out

Deterministic: fixed times, ports, sequence numbers and data.
"""

import struct
import sys

try:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
except ImportError:
    import os
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("operator.py: needs scapy (apt-get install python3-scapy)")

T0 = 1795000000 * 10**9  # 2026-11-18 11:06:40 UTC
S_IP, S_PORT = "127.0.0.2", 3260
TARGET = "iqn.2024-01.com.example.storage:array-01.lun-pool-a"
MSS = 1400


def pdu(bhs, data=b""):
    assert len(bhs) == 48
    dsl = len(data)
    bhs = bhs[:5] + dsl.to_bytes(3, "big") + bhs[8:]
    return bhs + data + b"\0" * (-dsl % 4)


def text(pairs):
    return b"".join(f"{k}={v}".encode() + b"\0" for k, v in pairs)


def login_req(iname, isid):
    # T=1, CSG=1 (operational), NSG=3 (full feature), §11.12.
    bhs = bytes([0x43, 0x80 | (1 << 2) | 3, 0, 0, 0, 0, 0, 0])
    bhs += isid + struct.pack(">HIHHII", 0, 0, 1, 0, 1, 0)
    keys = [("InitiatorName", iname), ("TargetName", TARGET),
            ("SessionType", "Normal"), ("HeaderDigest", "None"),
            ("DataDigest", "None"), ("MaxRecvDataSegmentLength", "262144")]
    return pdu(bhs + bytes(16), text(keys))


def login_rsp(isid, cls, detail, tsih):
    t = 0x80 | (1 << 2) | 3 if cls == 0 else 0
    bhs = bytes([0x23, t, 0, 0, 0, 0, 0, 0])
    bhs += isid + struct.pack(">HII", tsih, 0, 0)
    bhs += struct.pack(">III", 0, 1, 16)
    bhs += bytes([cls, detail]) + bytes(10)
    keys = [("TargetPortalGroupTag", "1"), ("HeaderDigest", "None"),
            ("DataDigest", "None"), ("MaxRecvDataSegmentLength", "8192")]
    return pdu(bhs, text(keys) if cls == 0 else b"")


def read10(itt, cmdsn, lba, blocks):
    cdb = struct.pack(">BBIBHB", 0x28, 0, lba, 0, blocks, 0)
    bhs = bytes([0x01, 0xC1, 0, 0, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IIII", itt, blocks * 512, cmdsn, itt)
    return pdu(bhs + cdb.ljust(16, b"\0"))


def data_in(itt, statsn, n):
    bhs = bytes([0x25, 0x81, 0, 0, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IIIIIIII", itt, 0xFFFFFFFF, statsn, statsn + 1,
                       statsn + 16, 0, 0, 0)
    return pdu(bhs, bytes((i * 7 + 0x08) & 0xcf | 0x08 for i in range(n)))


def logout_req(itt, cmdsn):
    bhs = bytes([0x46, 0x80, 0, 0, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IHHII", itt, 1, 0, cmdsn, itt)
    return pdu(bhs + bytes(16))


def logout_rsp(itt, statsn):
    bhs = bytes([0x26, 0x80, 0, 0, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IIIII", itt, 0, statsn, statsn + 1, statsn + 16)
    bhs += bytes(4) + struct.pack(">HH", 2, 0) + bytes(4)
    return pdu(bhs)


class Conn:
    """One TCP connection; records (time_ns, frame bytes)."""

    def __init__(self, out, n, t):
        self.out, self.t = out, t
        self.c_ip, self.c_port = f"127.0.1.{n}", 50000 + n
        self.nxt = {"c": 0x10000000 + n * 0x1000, "s": 0x20000000 + n * 0x1000}
        self.ipid = {"c": n * 0x100, "s": 0x8000 + n * 0x100}

    def send(self, d, flags, payload=b"", dt=100_000):
        self.t += dt
        src, dst, sp, dp = self.c_ip, S_IP, self.c_port, S_PORT
        if d == "s":
            src, dst, sp, dp = dst, src, dp, sp
        o = "s" if d == "c" else "c"
        ack = self.nxt[o] if "A" in flags else 0
        self.ipid[d] += 1
        tcp = TCP(sport=sp, dport=dp, seq=self.nxt[d], ack=ack, flags=flags,
                  window=65535, options=[("MSS", MSS)] if "S" in flags else [])
        if payload:
            tcp = tcp / payload
        mac = ("02:00:00:00:01:01", "02:00:00:00:00:02")
        if d == "s":
            mac = mac[::-1]
        frame = bytes(Ether(src=mac[0], dst=mac[1]) /
                      IP(src=src, dst=dst, id=self.ipid[d], flags="DF", ttl=64) / tcp)
        self.out.append((self.t, frame))
        self.nxt[d] += len(payload) + (1 if ("S" in flags or "F" in flags) else 0)

    def send_pdu(self, d, b, dt=100_000):
        chunks = [b[i:i + MSS] for i in range(0, len(b), MSS)]
        for i, ch in enumerate(chunks):
            self.send(d, "PA" if i == len(chunks) - 1 else "A", ch,
                      dt if i == 0 else 10_000)

    def open(self):
        self.send("c", "S")
        self.send("s", "SA")
        self.send("c", "A")

    def close(self):
        self.send("c", "FA")
        self.send("s", "FA")
        self.send("c", "A")


def session(out, n, t, iname, status=(0, 0), reads=(), end="logout",
            answer=True):
    isid = bytes([0x40, 0x00, 0x01, 0x37, 0x00, n])
    c = Conn(out, n, t)
    c.open()
    c.send_pdu("c", login_req(iname, isid))
    if not answer:
        c.close()
        return
    c.send_pdu("s", login_rsp(isid, status[0], status[1], 0x10 + n))
    if status != (0, 0):
        c.close()
        return
    itt = statsn = 1
    last = c.t
    for at, lba in reads:
        c.t = max(c.t, t + at)
        c.send_pdu("c", read10(itt, itt, lba, 8), dt=1_000)
        # Latency varies from 200 us to ~13 ms so the histogram spreads.
        c.send_pdu("s", data_in(itt, statsn, 4096),
                   dt=200_000 + (itt * 7919 % 64) * 200_000)
        c.send("c", "A", dt=50_000)
        itt += 1
        statsn += 1
        last = c.t
    c.t = last
    if end == "logout":
        c.send_pdu("c", logout_req(itt, itt))
        c.send_pdu("s", logout_rsp(itt, statsn))
        c.close()
    else:  # reset: lost without logout
        c.send("c", "R")


def write_pcap(path, frames):
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for ts, f in sorted(frames, key=lambda x: x[0]):
        out += struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, len(f), len(f))
        out += f
    with open(path, "wb") as fh:
        fh.write(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: operator.py OUT.pcap")
    ms = "iqn.1991-05.com.microsoft:"
    out = []
    io = []
    for s in range(120):
        io.append((s * 10**9, s * 8))
        if s % 10 == 0:
            io += [(s * 10**9 + k * 20_000_000, 4096 + k * 8) for k in range(1, 5)]
    session(out, 1, T0, ms + "esx15.corp.example.com", reads=io)
    session(out, 2, T0 + 2 * 10**9, ms + "esx16.corp.example.com", status=(2, 1))
    session(out, 3, T0 + 4 * 10**9, ms + "sql-node-a.corp.example.com",
            status=(2, 3))
    session(out, 4, T0 + 6 * 10**9, ms + "backup07.corp.example.com",
            reads=[(k * 10**9, k * 8) for k in range(30)], end="reset")
    session(out, 5, T0 + 8 * 10**9,
            "iqn.1998-01.com.vmware:esx-host-17-6d1f2b3c", answer=False)
    session(out, 6, T0 + 10 * 10**9, "eui.02004567A425678D",
            reads=[(k * 10**9, k * 8) for k in range(5)])
    write_pcap(sys.argv[1], out)
    print(f"{sys.argv[1]}: {len(out)} packets")


if __name__ == "__main__":
    main()
