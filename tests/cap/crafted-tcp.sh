#!/bin/bash
# tests/cap/crafted-tcp.sh BUILD - the TCP-state and flow-pressure captures
# (captures/crafted/tcp-*.pcap, made by tests/gen/craft_tcp.py; the
# README's "TCP state and flow table" section says what each must yield):
# sessions, end reasons and counters, and the PDU lists against tshark
# where tshark sees the truth.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # NAME [options...]
	local n=$1
	shift
	"$build/iscsiwatch" -r "captures/crafted/$n" "$@" --pdus >"$tmp/$n.pdus" 2>/dev/null
	"$build/iscsiwatch" -r "captures/crafted/$n" "$@" --json "$tmp/$n.json" >/dev/null 2>"$tmp/$n.err"
	echo $? >"$tmp/$n.rc"
}
for n in tcp-spoofed-rst.pcap tcp-syn-retry.pcap tcp-port-reuse.pcap \
	tcp-simultaneous-open.pcap tcp-keepalive.pcap; do
	run "$n"
done
# Flow-table pressure: the committed flood (100 HTTPS flows) against a
# 64-flow table, and the default table (65,536) against a flood of as many
# flows, generated here (18 MB, not committed).
run tcp-flood-443.pcap --max-flows 64
python3 tests/gen/craft_tcp.py --flood 65536 "$tmp/flood-65536.pcap" >/dev/null || exit 1
"$build/iscsiwatch" -r "$tmp/flood-65536.pcap" --json "$tmp/flood-65536.json" >/dev/null 2>&1
echo $? >"$tmp/flood-65536.rc"
rm -f "$tmp/flood-65536.pcap"
# tshark's PDU lists (the reference decoder) where it sees the truth: a
# spoofed RST/FIN far outside the window confuses its reassembly of that
# direction, so there the truth is the same exchange without the spoofs
# (eth-plain.pcap).
tshark_ok=0
if command -v tshark >/dev/null 2>&1; then
	tshark_ok=1
	for n in eth-plain.pcap tcp-spoofed-rst.pcap tcp-syn-retry.pcap tcp-port-reuse.pcap \
		tcp-simultaneous-open.pcap tcp-keepalive.pcap; do
		tests/tshark-pdus.sh "captures/crafted/$n" >"$tmp/$n.tshark" 2>/dev/null || tshark_ok=0
	done
fi
PYTHONPATH="$root/tests" python3 - "$tmp" "$tshark_ok" <<'PY'
import json, os, sys
tmp, tshark_ok = sys.argv[1], sys.argv[2] == "1"
from checks import check, done

def rd(name):
    return open(os.path.join(tmp, name)).read()

def doc(name):
    return json.load(open(os.path.join(tmp, name + ".json")))

INIT = ["LOGIN_REQ", "SCSI_CMD", "SCSI_CMD", "LOGOUT_REQ"]
TGT = ["LOGIN_RSP", "DATA_IN", "SCSI_RSP", "LOGOUT_RSP"]
INIT_OPS = {"NOP_OUT", "SCSI_CMD", "TMF_REQ", "LOGIN_REQ", "TEXT_REQ", "DATA_OUT", "LOGOUT_REQ", "SNACK_REQ"}
ANOMALIES = ["tcp_gaps", "tcp_gap_bytes", "tcp_retransmitted", "tcp_overlap", "tcp_overlap_mismatch",
             "tcp_out_of_order", "tcp_midstream", "pdu_resync", "pdu_invalid_bhs",
             "tcp_rst_out_of_window", "tcp_fin_out_of_window", "tcp_syn_in_window", "tcp_syn_restart",
             "flows_superseded", "flows_cap_hit", "flows_evicted_not_iscsi", "flows_evicted_unknown",
             "flows_evicted_empty"]

def ours(name):
    """Our PDUs per direction: (initiator list, target list)."""
    i, t = [], []
    for l in rd(name + ".pdus").splitlines():
        f = l.split()
        (i if f[2] == "I>T" else t).append(f[5])
    return i, t

def theirs(name):
    i, t = [], []
    for l in rd(name + ".tshark").splitlines():
        op = l.split()[2]
        (i if op in INIT_OPS else t).append(op)
    return i, t

def counters(name, extra):
    ctr = doc(name)["capture"]["counters"]
    want = dict.fromkeys(ANOMALIES, 0)
    want.update(extra)
    for k, v in want.items():
        check(f"{name}: {k}", ctr[k], v)

def logged_out(name, s, tsih):
    check(f"{name}: TSIH", s["cim"]["TSIH"], tsih)
    check(f"{name}: session TSIH {tsih} logged out", (s["cim"]["OperationalStatus"], s["end_reason"]), ([10], "logout"))
    check(f"{name}: names", s["cim"]["Name"],
          f"iqn.2026-11.test:init,i,0x801234560001,iqn.2026-11.test:target,t,0x0001")
    check(f"{name}: complete", s["incomplete"], False)

one_session = {
    "tcp-spoofed-rst.pcap": {"tcp_rst_out_of_window": 1, "tcp_fin_out_of_window": 2},
    "tcp-syn-retry.pcap": {"tcp_syn_restart": 1},
    "tcp-simultaneous-open.pcap": {},
    "tcp-keepalive.pcap": {},
}
for name, extra in one_session.items():
    check(f"{name}: exit status", rd(name + ".rc").strip(), "0")
    check(f"{name}: PDUs", ours(name), (INIT, TGT))
    d = doc(name)
    check(f"{name}: one session (no phantom)", len(d["sessions"]), 1)
    logged_out(name, d["sessions"][0], 1)
    check(f"{name}: one connection, logged out", [c["end_reason"] for c in d["sessions"][0]["connections"]], ["logout"])
    check(f"{name}: flows_created/closed", (d["capture"]["counters"]["flows_created"], d["capture"]["counters"]["flows_closed"]), (1, 1))
    counters(name, extra)

name = "tcp-port-reuse.pcap"
check(f"{name}: exit status", rd(name + ".rc").strip(), "0")
check(f"{name}: PDUs", ours(name), (INIT[:3] + INIT, TGT[:3] + TGT))
d = doc(name)
check(f"{name}: two sessions", len(d["sessions"]), 2)
if len(d["sessions"]) == 2:
    a, b = d["sessions"]
    check(f"{name}: first TSIH 1", a["cim"]["TSIH"], 1)
    check(f"{name}: first not logged out (reinstated by the second login)", a["end_reason"], "reinstated")
    check(f"{name}: first's connection superseded", [c["end_reason"] for c in a["connections"]], ["superseded"])
    check(f"{name}: first says so", "replaced by a new one" in a["connections"][0]["cim"]["Description"], True)
    logged_out(name, b, 2)
    check(f"{name}: second's connection logged out", [c["end_reason"] for c in b["connections"]], ["logout"])
ctr = d["capture"]["counters"]
check(f"{name}: flows_created/closed", (ctr["flows_created"], ctr["flows_closed"]), (2, 1))
counters(name, {"flows_superseded": 1})

# 100 flows on 443 fill a 64-flow table (36 push out older ones, known
# not iSCSI after their first payload); the login on 3260 pushes out one
# more and is found.
name = "tcp-flood-443.pcap"
check(f"{name}: exit status", rd(name + ".rc").strip(), "0")
check(f"{name}: PDUs", ours(name), (INIT, TGT))
d = doc(name)
check(f"{name}: the session is found", len(d["sessions"]), 1)
if d["sessions"]:
    logged_out(name, d["sessions"][0], 1)
counters(name, {"flows_evicted_not_iscsi": 37})
check(f"{name}: flows_created", d["capture"]["counters"]["flows_created"], 101)

name = "flood-65536"
check(f"{name}: exit status", rd(name + ".rc").strip(), "0")
d = doc(name)
check(f"{name}: the session is found (default table size)", len(d["sessions"]), 1)
if d["sessions"]:
    logged_out(name, d["sessions"][0], 1)
counters(name, {"flows_evicted_not_iscsi": 1})
check(f"{name}: flows_created", d["capture"]["counters"]["flows_created"], 65537)

if tshark_ok:
    check("tshark: eth-plain (the truth for the spoofed capture)", theirs("eth-plain.pcap"), (INIT, TGT))
    check("tshark: spoofed-rst, initiator side", theirs("tcp-spoofed-rst.pcap")[0], ours("tcp-spoofed-rst.pcap")[0])
    check("tshark: spoofed-rst against the unspoofed exchange", theirs("eth-plain.pcap"), ours("tcp-spoofed-rst.pcap"))
    for n in ["tcp-syn-retry.pcap", "tcp-port-reuse.pcap", "tcp-simultaneous-open.pcap", "tcp-keepalive.pcap"]:
        check(f"tshark: {n}", theirs(n), ours(n))
else:
    print("tshark not available: PDU lists not compared")
done()
PY
