#!/usr/bin/python3
"""Writes the login-outcome captures of captures/crafted/ (see its
README.md, "Login text and outcomes"):

    python3 tests/gen/craft_login.py captures/crafted

The same hosts, ports, ISNs, times and PDUs as tests/gen/craft.py (whose
builders this imports), with the login changed:

  login-continued.pcap    the first Login Request goes on (C=1, RFC 7143
                          §11.12.2): its text is cut inside TargetName's
                          value; the target acknowledges it with an empty
                          Login Response; the second Login Request (C=0,
                          T=1) carries the rest. Then the exchange of
                          eth-plain.pcap.
  login-continued-cut.pcap  the same, the capture ending right after the
                          first (C=1) Login Request and its empty answer.
  login-noresponse.pcap   a Login Request never answered; both sides close.
  login-rejected.pcap     a Login Request answered by a Reject (reason
                          0x04 protocol error, §11.17.1); both sides close.

Deterministic: running it again leaves `git status` clean.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import craft  # noqa: E402  (scapy import and re-exec live there)
from craft import (C_ISN, S_ISN, ISID, LINKTYPE_ETHERNET, DATA_IN_LEN,  # noqa: E402
                   LOGIN_REQ_KEYS, MSS, Seg, data_in, eth, login_rsp,
                   logout_req, logout_rsp, pdu, read10, scsi_cmd, scsi_rsp,
                   sector_data, text, write_pcap)

# Where the first Login Request's text stops: inside the value of
# TargetName, so neither half is a whole key=value pair.
SPLIT_AT = text(LOGIN_REQ_KEYS).index(b"TargetName=") + len("TargetName=iqn.2026")


def login_req_part(data, cont, transit):
    """Login Request, I=1, CSG=1; C and T as asked (T only with NSG=3)."""
    flags = (0x40 if cont else 0) | (0x80 | 3 if transit else 0) | (1 << 2)
    bhs = bytes([0x43, flags, 0, 0, 0, 0, 0, 0])
    bhs += ISID + struct.pack(">HIHHII", 0, 0, 1, 0, 1, 0)  # TSIH ITT CID CmdSN ExpStatSN
    return pdu(bhs + bytes(16), data)


def login_rsp_empty():
    """The target's answer to a C=1 request (§11.12.2): no text, T=0 C=0,
    CSG=1, status 0, TSIH still 0."""
    bhs = bytes([0x23, 1 << 2, 0, 0, 0, 0, 0, 0])
    bhs += ISID + struct.pack(">HII", 0, 0, 0)
    bhs += struct.pack(">III", 0, 1, 16)
    bhs += bytes([0, 0]) + bytes(10)
    return pdu(bhs, b"")


def reject(reason, rejected_bhs):
    """Reject (§11.17): F=1, the reason, ITT 0xffffffff; the data segment
    is the rejected PDU's header."""
    bhs = bytes([0x3F, 0x80, reason, 0, 0, 0, 0, 0]) + bytes(8)
    bhs += struct.pack(">IIIIII", 0xFFFFFFFF, 0, 0, 1, 16, 0)  # ITT rsvd StatSN ExpCmdSN MaxCmdSN DataSN
    bhs += bytes(8)  # reserved
    return pdu(bhs, rejected_bhs)


class Conv:
    """One TCP connection, as craft.exchange() builds it."""

    def __init__(self):
        self.nxt = {"c": C_ISN, "s": S_ISN}
        self.segs = []
        self.send("c", "S", note="SYN")
        self.send("s", "SA", note="SYN/ACK")
        self.send("c", "A", note="ACK")

    def send(self, d, flags, payload=b"", note=""):
        other = "s" if d == "c" else "c"
        ack = self.nxt[other] if "A" in flags else 0
        self.segs.append(Seg(d, flags, self.nxt[d], ack, payload, note))
        self.nxt[d] += len(payload) + (1 if ("S" in flags or "F" in flags) else 0)

    def send_pdu(self, d, b, note):
        chunks = [b[i:i + MSS] for i in range(0, len(b), MSS)]
        for i, ch in enumerate(chunks):
            self.send(d, "PA" if i == len(chunks) - 1 else "A", ch, note)

    def close(self):
        self.send("c", "FA", note="FIN")
        self.send("s", "FA", note="FIN")
        self.send("c", "A", note="ACK")


def continued(cut):
    c = Conv()
    t = text(LOGIN_REQ_KEYS)
    c.send_pdu("c", login_req_part(t[:SPLIT_AT], True, False),
               "Login Request C=1")
    c.send_pdu("s", login_rsp_empty(), "Login Response (empty)")
    if cut:
        return c.segs
    c.send_pdu("c", login_req_part(t[SPLIT_AT:], False, True),
               "Login Request T=1 C=0")
    c.send_pdu("s", login_rsp(), "Login Response TSIH=1")
    c.send("c", "A", note="ACK")
    c.send_pdu("c", scsi_cmd(1, 1, 1, read10(0, 8), DATA_IN_LEN), "READ(10)")
    c.send_pdu("s", data_in(1, 1, 2, sector_data(DATA_IN_LEN)), "Data-In")
    c.send("c", "A", note="ACK")
    c.send_pdu("c", scsi_cmd(2, 2, 2, bytes(6), 0), "TEST UNIT READY")
    c.send_pdu("s", scsi_rsp(2, 2, 3), "SCSI Response")
    c.send_pdu("c", logout_req(3, 3, 3), "Logout Request")
    c.send_pdu("s", logout_rsp(3, 3, 3), "Logout Response")
    c.close()
    return c.segs


def no_response():
    c = Conv()
    c.send_pdu("c", craft.login_req(), "Login Request")
    c.close()
    return c.segs


def rejected():
    c = Conv()
    req = craft.login_req()
    c.send_pdu("c", req, "Login Request")
    c.send_pdu("s", reject(0x04, req[:48]), "Reject (protocol error)")
    c.close()
    return c.segs


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: craft_login.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    files = {
        "login-continued.pcap": continued(False),
        "login-continued-cut.pcap": continued(True),
        "login-noresponse.pcap": no_response(),
        "login-rejected.pcap": rejected(),
    }
    for name, segs in files.items():
        write_pcap(os.path.join(out, name), LINKTYPE_ETHERNET,
                   [eth(s) for s in segs])
        print(f"{name}: {len(segs)} packets")


if __name__ == "__main__":
    main()
