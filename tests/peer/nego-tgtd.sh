#!/bin/bash
# tests/peer/nego-tgtd.sh BUILD - live: negotiated values reconstructed
# from real logins. tgtd is configured with non-default keys (tgtadm
# --op update), libiscsi initiators offer varied ImmediateData /
# InitialR2T / digests; five sessions (two of them concurrent, one
# closed without logout). Every CIM value in the JSON export must be what
# RFC 7143 §13 gives for (what the initiator was told to offer, what the
# target was configured with) - computed here independently - and the
# offers themselves are checked against tshark's decode of the Login
# Requests, so the expectations rest on the wire, not on our decoder.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm tcpdump editcap tshark python3
peer_init
set -u

port=$(peer_free_port 3262)
iqn=iqn.2024-01.org.iscsiwatch:nego
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }
# The target's configuration (what it will answer with).
conf="MaxBurstLength=65536 FirstBurstLength=16384 DefaultTime2Wait=5 DefaultTime2Retain=30 MaxOutstandingR2T=4 MaxRecvDataSegmentLength=32768"
for kv in $conf; do
	tgtd_param "${kv%%=*}" "${kv#*=}" || { echo "tgtadm $kv failed"; exit 1; }
done
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
g=(--portal "127.0.0.1:$port" -t "$iqn")
base=iqn.2024-01.org.iscsiwatch
peer_gen "${g[@]}" -i "$base:a" --initial-r2t no --immediate-data yes -H crc32c,none -r 2 -w 2 >"$PEER_TMP/a.json" || { echo "session a failed"; exit 1; }
peer_gen "${g[@]}" -i "$base:b" --initial-r2t yes --immediate-data no -r 1 >"$PEER_TMP/b.json" || { echo "session b failed"; exit 1; }
peer_gen "${g[@]}" -i "$base:d" -r 3 >"$PEER_TMP/d.json" &
pd=$!
peer_gen "${g[@]}" -i "$base:e" -w 3 >"$PEER_TMP/e.json" &
pe=$!
wait "$pd" && wait "$pe" || { echo "concurrent sessions failed"; exit 1; }
# Last: an initiator that drops its connection without logging out.
peer_gen "${g[@]}" -i "$base:c" --no-logout -r 1 >"$PEER_TMP/c.json" || { echo "session c failed"; exit 1; }
cap_stop || { echo "capture failed"; exit 1; }
tgtd_stop

out=$PEER_TMP/out.json mof=$PEER_TMP/out.mof ev=$PEER_TMP/ev.ndjson
"$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --json "$out" --mof "$mof" --events "$ev" >/dev/null ||
	{ echo "iscsiwatch failed"; exit 1; }
tshark -r "$cap" -d "tcp.port==$port,iscsi" -Y 'iscsi.opcode==0x03' \
	-T fields -e iscsi.keyvalue >"$PEER_TMP/offers.txt" 2>/dev/null

PYTHONPATH="$PEER_TESTS" python3 - "$out" "$PEER_TMP/offers.txt" "$conf" "$base" "$ev" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
offers_txt = open(sys.argv[2]).read().splitlines()
conf = dict(kv.split("=") for kv in sys.argv[3].split())
base = sys.argv[4]
events = [json.loads(l) for l in open(sys.argv[5])]
from checks import check, done

# What each initiator offered in its FIRST Login Request, per tshark.
offers = {}
for line in offers_txt:
    kv = {}
    for item in line.split(","):
        if "=" in item:
            k, v = item.split("=", 1)
            kv[k] = v
        elif kv:  # a list value split by tshark's ',' separator
            kv[k] += "," + item
    name = kv.get("InitiatorName")
    if name and name not in offers:
        offers[name] = kv

# tgtd's defaults for what we did not configure (tgtd's iscsi_param table).
target = {"InitialR2T": "Yes", "ImmediateData": "Yes", "HeaderDigest": "None",
          "DataPDUInOrder": "Yes", "DataSequenceInOrder": "Yes", "ErrorRecoveryLevel": "0",
          "MaxConnections": "1"}
target.update(conf)
yes = lambda v: v == "Yes"
def expect(off):
    ir2t = yes(off["InitialR2T"]) or yes(target["InitialR2T"])
    imm = yes(off["ImmediateData"]) and yes(target["ImmediateData"])
    e = {
        "InitialR2T": ir2t,
        "ImmediateData": imm,
        "MaxDataBurstLength": min(int(off["MaxBurstLength"]), int(target["MaxBurstLength"])),
        "MaxUnsolicitedFirstDataBurstLength":
            None if ir2t and not imm else
            min(int(off["FirstBurstLength"]), int(target["FirstBurstLength"])),
        "DefaultTimeToWait": max(int(off["DefaultTime2Wait"]), int(target["DefaultTime2Wait"])),
        "DefaultTimeToRetain": min(int(off["DefaultTime2Retain"]), int(target["DefaultTime2Retain"])),
        "MaxOutstandingR2T": min(int(off["MaxOutstandingR2T"]), int(target["MaxOutstandingR2T"])),
        "ErrorRecoveryLevel": min(int(off["ErrorRecoveryLevel"]), int(target["ErrorRecoveryLevel"])),
        "MaxConnectionsPerSession": min(int(off["MaxConnections"]), int(target["MaxConnections"])),
        "DataPDUInOrder": yes(off["DataPDUInOrder"]) or yes(target["DataPDUInOrder"]),
        "DataSequenceInOrder": yes(off["DataSequenceInOrder"]) or yes(target["DataSequenceInOrder"]),
        "SessionType": 3,
    }
    # The first digest in the offer's list that the target accepts.
    hd = next(d for d in off["HeaderDigest"].split(",") if d in target["HeaderDigest"].split(","))
    conn = {"HeaderDigestMethod": 3 if hd == "CRC32C" else 2,
            "MaxReceiveDataSegmentLength": int(target["MaxRecvDataSegmentLength"]),
            "MaxTransmitDataSegmentLength": int(off["MaxRecvDataSegmentLength"])}
    return e, conn

told = {"a": {"InitialR2T": "No", "ImmediateData": "Yes", "HeaderDigest": "CRC32C,None"},
        "b": {"InitialR2T": "Yes", "ImmediateData": "No"}}
sessions = {s["initiator"]["name"]: s for s in doc["sessions"]}
check("sessions found", sorted(sessions), sorted(f"{base}:{x}" for x in "abcde"))
tsihs = set()
for x in "abcde":
    name = f"{base}:{x}"
    s, off = sessions[name], offers[name]
    for k, v in told.get(x, {}).items():
        check(f"{x}: initiator offered {k} as told", off[k], v)
    e, ce = expect(off)
    cim = s["cim"]
    for k, v in e.items():
        check(f"{x}: {k}", cim[k], v)
    c = s["connections"][0]["cim"]
    for k, v in ce.items():
        check(f"{x}: connection {k}", c[k], v)
    check(f"{x}: TargetName", s["target"]["name"], f"iqn.2024-01.org.iscsiwatch:nego")
    check(f"{x}: login observed", s["login_observed"], True)
    tsihs.add(cim["TSIH"])
    if x == "c":
        # Closed without logout: lost, within Time2Wait + Time2Retain.
        check("c: EnabledState (enabled but offline)", cim["EnabledState"], 6)
        check("c: OperationalStatus (lost communication)", cim["OperationalStatus"], [13])
        check("c: HealthState", cim["HealthState"], 20)
        check("c: CurrentConnections", cim["CurrentConnections"], 0)
    else:
        check(f"{x}: EnabledState (logged out)", cim["EnabledState"], 3)
        check(f"{x}: OperationalStatus", cim["OperationalStatus"], [10])
check("distinct TSIHs", len(tsihs), 5)
kinds = [(e["session"], e["kind"]) for e in events]
check("events: session c lost", any(k == "session_lost" and n and n.startswith(f"{base}:c,") for n, k in kinds), True)
check("events: 5 sessions enabled", sum(1 for n, k in kinds if k == "session_enabled"), 5)
done()
PY
rc=$?
grep -q "instance of ISCSIWATCH_iSCSISession" "$mof" || { echo "FAIL: no MOF instance"; exit 1; }
exit $rc
