#!/bin/bash
# A capture that yields no session while packets were set aside says why,
# in one stderr line with the count and the fix (cli/hints.c); a capture
# with sessions, or with nothing set aside, says nothing.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$PWD/$B/iscsiwatch
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

# No session, packets set aside: one line says why. A link type the
# engine does not decode (LINKTYPE_USER0, 147): eth-plain.pcap with its
# header's link type rewritten.
python3 - captures/crafted/eth-plain.pcap "$T/user0.pcap" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
assert data[:4] == b"\xd4\xc3\xb2\xa1", "a little-endian pcap"
data[20:24] = struct.pack("<I", 147)
open(sys.argv[2], "wb").write(data)
PY
"$BIN" -r "$T/user0.pcap" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c "0 sessions; " "$T/err")" -eq 1 ] &&
	grep -q "packets were of a link type iscsiwatch does not decode: .*editcap" "$T/err"; then
	echo "ok   link type not decoded: $(cat "$T/err")"
else
	echo "FAIL: no hint for 0 sessions: exit $rc: $(cat "$T/err")"; fail=1
fi
# ...and none when sessions were found, or nothing was set aside.
"$BIN" -r captures/crafted/eth-plain.pcap >/dev/null 2>"$T/err"
grep -q "0 sessions" "$T/err" && { echo "FAIL: hint with a session: $(cat "$T/err")"; fail=1; }
"$BIN" -r captures/crafted/eth-plain.pcap 'tcp port 1' >/dev/null 2>"$T/err"
grep -q "0 sessions" "$T/err" && { echo "FAIL: hint with nothing set aside: $(cat "$T/err")"; fail=1; }

# A full flow table: the 443 flood of tcp-flood-443.pcap with room for one
# flow. Either the login still gets a flow (eviction keeps iSCSI) and
# there is a session, or there is none and the line says to raise
# --max-flows - never 0 sessions in silence.
"$BIN" -r captures/crafted/tcp-flood-443.pcap --max-flows 1 --json "$T/f.json" >/dev/null 2>"$T/err"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["sessions"]))' "$T/f.json")
if [ "$n" -eq 0 ]; then
	grep -q "^iscsiwatch: 0 sessions; .*--max-flows" "$T/err" &&
		echo "ok   full flow table: $(cat "$T/err")" ||
		{ echo "FAIL: 0 sessions with a full flow table, no hint: $(cat "$T/err")"; fail=1; }
else
	grep -q "0 sessions" "$T/err" &&
		{ echo "FAIL: a hint with $n sessions: $(cat "$T/err")"; fail=1; } ||
		echo "ok   full flow table: the login kept its flow ($n sessions), no hint"
fi
exit $fail
