#!/usr/bin/python3
"""Writes the CIM corner-state captures of captures/crafted/ (cim-*.pcap,
see its README.md): the states whose CIM values a consumer is most likely
to misread, each a short iSCSI exchange between 127.0.0.1:51000 and
127.0.0.2:3260, built with craft.py's TCP and file writers.

    python3 tests/gen/craft_cim.py captures/crafted

Deterministic: running it again must leave `git status` clean.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import craft  # noqa: E402  (re-executes under /usr/bin/python3 if needed)
from craft import (C_ISN, ISID, INITIATOR, LINKTYPE_ETHERNET, MSS, S_ISN,  # noqa: E402
                   TARGET, Seg, eth, logout_req, pdu, scsi_cmd, scsi_rsp,
                   text, write_pcap)

OPER_I = [("HeaderDigest", "None"), ("DataDigest", "None"),
          ("DefaultTime2Wait", "2"), ("DefaultTime2Retain", "0"),
          ("IFMarker", "No"), ("OFMarker", "No"),
          ("ErrorRecoveryLevel", "0"), ("InitialR2T", "No"),
          ("ImmediateData", "Yes"), ("MaxBurstLength", "262144"),
          ("FirstBurstLength", "65536"), ("MaxOutstandingR2T", "1"),
          ("MaxConnections", "1"), ("DataPDUInOrder", "Yes"),
          ("DataSequenceInOrder", "Yes"),
          ("MaxRecvDataSegmentLength", "262144")]
OPER_T = [("HeaderDigest", "None"), ("DataDigest", "None"),
          ("DefaultTime2Wait", "2"), ("DefaultTime2Retain", "0"),
          ("IFMarker", "No"), ("OFMarker", "No"),
          ("ErrorRecoveryLevel", "0"), ("InitialR2T", "Yes"),
          ("ImmediateData", "Yes"), ("MaxBurstLength", "262144"),
          ("FirstBurstLength", "65536"), ("MaxOutstandingR2T", "1"),
          ("MaxConnections", "1"), ("DataPDUInOrder", "Yes"),
          ("DataSequenceInOrder", "Yes"),
          ("MaxRecvDataSegmentLength", "8192")]


def login(req, csg, nsg, keys, tsih=0, status=(0, 0), statsn=0):
    """A Login Request (req) or Response, T=1 from stage csg to nsg
    (RFC 7143 11.12 / 11.13), ITT 0, CID 1."""
    flags = 0x80 | (csg << 2) | nsg
    if req:
        bhs = bytes([0x43, flags, 0, 0, 0, 0, 0, 0]) + ISID
        bhs += struct.pack(">HIHHII", tsih, 0, 1, 0, 1, statsn)
        bhs += bytes(16)
    else:
        bhs = bytes([0x23, flags, 0, 0, 0, 0, 0, 0]) + ISID
        bhs += struct.pack(">HII", tsih, 0, 0)
        bhs += struct.pack(">III", statsn, 1, 16)
        bhs += bytes(status) + bytes(10)
    return pdu(bhs, text(keys))


class Conn:
    """One TCP connection's segments, in order."""

    def __init__(self):
        self.nxt = {"c": C_ISN, "s": S_ISN}
        self.segs = []

    def send(self, d, flags, payload=b""):
        other = "s" if d == "c" else "c"
        ack = self.nxt[other] if "A" in flags else 0
        self.segs.append(Seg(d, flags, self.nxt[d], ack, payload))
        self.nxt[d] += len(payload) + (1 if ("S" in flags or "F" in flags) else 0)

    def pdu(self, d, b):
        for i in range(0, len(b), MSS):
            self.send(d, "PA" if i + MSS >= len(b) else "A", b[i:i + MSS])

    def open(self):
        self.send("c", "S")
        self.send("s", "SA")
        self.send("c", "A")
        return self

    def close(self):
        self.send("c", "FA")
        self.send("s", "FA")
        self.send("c", "A")


def names(initiator=INITIATOR, alias="craft"):
    return [("InitiatorName", initiator), ("InitiatorAlias", alias),
            ("TargetName", TARGET), ("SessionType", "Normal")]


def full_login(c, ikeys=None, tkeys=None, initiator=INITIATOR, alias="craft"):
    c.pdu("c", login(True, 1, 3, names(initiator, alias) + (ikeys or OPER_I)))
    c.pdu("s", login(False, 1, 3, [("TargetPortalGroupTag", "1")] +
                     (tkeys or OPER_T), tsih=1))


def logout_pending():
    # The close-session Logout Request is the last thing captured.
    c = Conn().open()
    full_login(c)
    c.pdu("c", scsi_cmd(1, 1, 1, bytes(6), 0))
    c.pdu("s", scsi_rsp(1, 1, 2))
    c.pdu("c", logout_req(2, 2, 2))
    return c.segs


def login_pending():
    # A Login Request with no answer yet.
    c = Conn().open()
    c.pdu("c", login(True, 1, 3, names() + OPER_I))
    return c.segs


def failed_login():
    # CHAP offered and chosen, then refused: authentication failure.
    c = Conn().open()
    c.pdu("c", login(True, 0, 1, names() + [("AuthMethod", "CHAP,None")]))
    c.pdu("s", login(False, 0, 0, [("AuthMethod", "CHAP"),
                                   ("TargetPortalGroupTag", "1")]))
    c.pdu("c", login(True, 0, 0, [("CHAP_A", "5")]))
    c.pdu("s", login(False, 0, 0, [("CHAP_A", "5"), ("CHAP_I", "7"),
                                   ("CHAP_C", "0x" + "5a" * 16)]))
    c.pdu("c", login(True, 0, 1, [("CHAP_N", "user"),
                                  ("CHAP_R", "0x" + "a5" * 16)]))
    c.pdu("s", login(False, 0, 0, [], status=(2, 1)))
    c.close()
    return c.segs


def spkm():
    # Security stage settles on SPKM1 (its tokens are not shown), then
    # the operational stage and a logout.
    c = Conn().open()
    c.pdu("c", login(True, 0, 1, names() + [("AuthMethod", "SPKM1,None")]))
    c.pdu("s", login(False, 0, 1, [("AuthMethod", "SPKM1"),
                                   ("TargetPortalGroupTag", "1")]))
    c.pdu("c", login(True, 1, 3, OPER_I))
    c.pdu("s", login(False, 1, 3, OPER_T, tsih=1))
    c.close()
    return c.segs


def ctl_names():
    # A control character right before hex letters, and an escape
    # sequence, in the names: the MOF literal must end after each \xNN.
    c = Conn().open()
    full_login(c, initiator="iqn.2026-11.test:ctl\x07face",
               alias="al\x1b[31mias\x7f0")
    c.close()
    return c.segs


def violation():
    # The target answers MaxBurstLength above the offer (Minimum, RFC
    # 7143 13.13) and DefaultTime2Wait below it (Maximum, 13.15).
    t = [(k, {"MaxBurstLength": "1048576", "DefaultTime2Wait": "1"}.get(k, v))
         for k, v in OPER_T]
    c = Conn().open()
    full_login(c, tkeys=t)
    c.close()
    return c.segs


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: craft_cim.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, build in [("cim-logout-pending.pcap", logout_pending),
                        ("cim-login-pending.pcap", login_pending),
                        ("cim-failed-login.pcap", failed_login),
                        ("cim-spkm.pcap", spkm),
                        ("cim-ctl-names.pcap", ctl_names),
                        ("cim-violation.pcap", violation)]:
        write_pcap(os.path.join(out, name), LINKTYPE_ETHERNET,
                   [eth(s) for s in build()])
    _ = craft  # imported for its side effects (scapy re-exec)


if __name__ == "__main__":
    main()
