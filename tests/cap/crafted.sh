#!/bin/bash
# tests/cap/crafted.sh BUILD - the crafted captures (captures/crafted/,
# made by tests/gen/craft.py; their README says what each must yield)
# through the whole tool: PDUs per direction, counters, the session, and
# the error lines for files that are not whole captures.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in captures/crafted/*.pcap*; do
	n=$(basename "$f")
	"$build/iscsiwatch" -r "$f" --pdus >"$tmp/$n.pdus" 2>"$tmp/$n.pdus.err"
	echo $? >"$tmp/$n.pdus.rc"
	"$build/iscsiwatch" -r "$f" --json "$tmp/$n.json" >/dev/null 2>"$tmp/$n.err"
	echo $? >"$tmp/$n.rc"
done
PYTHONPATH="$root/tests" python3 - "$tmp" <<'PY'
import json, os, sys
tmp = sys.argv[1]
from checks import check, done
def rd(name):
    return open(os.path.join(tmp, name)).read()

I_OPS = ["LOGIN_REQ", "SCSI_CMD", "SCSI_CMD", "LOGOUT_REQ"]
T_OPS = ["LOGIN_RSP", "DATA_IN", "SCSI_RSP", "LOGOUT_RSP"]
ZERO = ["pkt_truncated", "pkt_malformed", "tcp_gaps", "tcp_overlap_mismatch",
        "tcp_midstream", "pdu_resync", "pdu_invalid_bhs", "hdigest_bad", "ddigest_bad"]
def ops(name):
    i, t = [], []
    for l in rd(name + ".pdus").splitlines():
        f = l.split()
        (i if f[2] == "I>T" else t).append(f[5])
    return i, t
def session_ok(name, s, names=True):
    cim = s["cim"]
    check(f"{name}: TSIH", cim["TSIH"], 1)
    check(f"{name}: logged out", cim["OperationalStatus"], [10])
    if names:
        check(f"{name}: Name", cim["Name"],
              "iqn.2026-11.test:init,i,0x801234560001,iqn.2026-11.test:target,t,0x0001")
        check(f"{name}: InitialR2T (No OR Yes)", cim["InitialR2T"], True)
        check(f"{name}: MaxDataBurstLength", cim["MaxDataBurstLength"], 262144)
        c = s["connections"][0]["cim"]
        check(f"{name}: connection receive/transmit", (c["MaxReceiveDataSegmentLength"], c["MaxTransmitDataSegmentLength"]), (8192, 262144))

extra_counters = {
    "reorder.pcap": {"tcp_out_of_order": 1},
    "retrans-overlap.pcap": {"tcp_overlap": 2, "tcp_overlap_mismatch": 1, "tcp_out_of_order": 2, "tcp_retransmitted": 1},
    "lost-segment.pcap": {"tcp_gaps": 1, "tcp_gap_bytes": 1400, "tcp_out_of_order": 1},
    "snaplen.pcap": {"pkt_truncated": 5, "tcp_gaps": 5, "tcp_gap_bytes": 4622},
}
whole = ["eth-plain.pcap", "vlan.pcap", "qinq.pcap", "ipv6.pcap", "sll.pcap", "sll2.pcap",
         "null.pcap", "raw.pcap", "pcapng-nano.pcapng", "reorder.pcap", "retrans-overlap.pcap",
         "lost-segment.pcap", "snaplen.pcap"]
for name in whole:
    check(f"{name}: exit status", rd(name + ".rc").strip(), "0")
    i, t = ops(name)
    check(f"{name}: initiator PDUs", i, I_OPS)
    check(f"{name}: target PDUs", t, T_OPS)
    doc = json.load(open(os.path.join(tmp, name + ".json")))
    ctr = doc["capture"]["counters"]
    check(f"{name}: pdus", ctr["pdus"], 8)
    want = dict.fromkeys(ZERO, 0)
    want.update(extra_counters.get(name, {}))
    for k, v in want.items():
        check(f"{name}: {k}", ctr[k], v)
    check(f"{name}: one session", len(doc["sessions"]), 1)
    session_ok(name, doc["sessions"][0], names=name != "snaplen.pcap")
    if name == "snaplen.pcap":
        s = doc["sessions"][0]
        check("snaplen: names unknown (cut text)", s["cim"]["Name"], None)
        check("snaplen: negotiated keys unknown, not defaults", s["cim"]["MaxDataBurstLength"], None)
        check("snaplen: session incomplete", s["incomplete"], True)
    if name == "lost-segment.pcap":
        s = doc["sessions"][0]
        check("lost-segment: session flagged", s["incomplete"], True)
        # A gap is the capture's loss, not the session's (issue 13):
        # the session stays OK and says it is incomplete.
        check("lost-segment: not degraded by the capture's loss (logged out, OK health, no earlier trouble)",
              (s["cim"]["Status"], s["cim"]["HealthState"],
               "earlier:" in s["cim"]["StatusDescriptions"][0]),
              ("Stopped", 5, False))
        # One entry, indexed with OperationalStatus: said in the same entry.
        check("lost-segment: status description says incomplete",
              ("; incomplete:" in s["cim"]["StatusDescriptions"][0],
               len(s["cim"]["StatusDescriptions"])), (True, 1))
    if name == "ipv6.pcap":
        check("ipv6: addresses", doc["sessions"][0]["connections"][0]["target"], "[fd00::2]:3260")

nano = rd("pcapng-nano.pcapng.pdus").splitlines()[0].split()[0]
check("pcapng: nanoseconds kept (first PDU time)", nano, "1795000000.000300126")

i, t = ops("midstream.pcap")
check("midstream: initiator PDUs", i, ["SCSI_CMD", "LOGOUT_REQ"])
check("midstream: target PDUs", t, ["SCSI_RSP", "LOGOUT_RSP"])
ctr = json.load(open(os.path.join(tmp, "midstream.pcap.json")))["capture"]["counters"]
check("midstream: tcp_midstream", ctr["tcp_midstream"], 2)
check("midstream: pdu_resync_skipped_bytes", ctr["pdu_resync_skipped_bytes"], 2744)

check("truncated: exit status 0 (what was read is analysed)", rd("truncated.pcap.rc").strip(), "0")
check("truncated: one warning line", rd("truncated.pcap.err").strip(),
      "iscsiwatch: warning: captures/crafted/truncated.pcap: truncated capture after 9 packets")
i, t = ops("truncated.pcap")
check("truncated: PDUs", (i, t), (["LOGIN_REQ", "SCSI_CMD"], ["LOGIN_RSP", "DATA_IN"]))
check("truncated: valid JSON with the session", len(json.load(open(os.path.join(tmp, "truncated.pcap.json")))["sessions"]), 1)

check("not-a-capture: exit status", rd("not-a-capture.pcap.rc").strip(), "1")
check("not-a-capture: one line", rd("not-a-capture.pcap.err").strip(),
      "iscsiwatch: captures/crafted/not-a-capture.pcap: not a pcap or pcapng file")
check("not-a-capture: no JSON written", os.path.exists(os.path.join(tmp, "not-a-capture.pcap.json")), False)
done()
PY
