#!/bin/bash
# Overlapping retransmissions with different data are detected, counted
# and flagged on the session (DEG_OVERLAP): captures/crafted/
# retrans-overlap.pcap re-sends [2500,3200) of a Data-In whose
# [2800,3200) is held out of order with other bytes.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cap=captures/crafted/retrans-overlap.pcap
"$B/iscsiwatch" -r "$cap" --json "$T/s.json" --events "$T/e.ndjson" \
	>/dev/null 2>"$T/err" || { cat "$T/err"; exit 1; }
python3 - "$T/s.json" "$T/e.ndjson" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ctr = doc["capture"]["counters"]
assert ctr["tcp_overlap_mismatch"] == 1, ctr["tcp_overlap_mismatch"]
sessions = doc["sessions"]
assert len(sessions) == 1, len(sessions)
s = sessions[0]
text = json.dumps(s)
descs = [d for d in s["cim"]["StatusDescriptions"] if "overlapping retransmission" in d]
assert descs, s["cim"]["StatusDescriptions"]
kinds = [e["kind"] for e in s.get("events", []) if "overlapped" in e.get("detail", "")]
assert "session_trouble" in kinds, kinds
ev = [json.loads(l) for l in open(sys.argv[2])]
trouble = [e for e in ev if e["kind"] == "session_trouble" and "overlapped" in e["detail"]]
assert len(trouble) == 1, trouble
print("ok: tcp_overlap_mismatch 1;", descs[0], "; event", trouble[0]["detail"])
PY
rc=$?
# A clean capture is not flagged.
"$B/iscsiwatch" -r captures/crafted/eth-plain.pcap --json "$T/c.json" >/dev/null || exit 1
if grep -q "overlap" "$T/c.json" && ! grep -q '"tcp_overlap_mismatch": 0' "$T/c.json"; then
	echo "FAIL: eth-plain flagged with an overlap"; exit 1
fi
exit $rc
