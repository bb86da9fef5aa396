#!/bin/bash
# tests/cap/mirror-duplicates.sh BUILD - a SPAN session that mirrors both
# the ingress and the egress port of a path hands the sensor every packet
# twice, the second copy a few microseconds later. For every real-peer
# capture in captures/*.pcapng, the doubled capture (mergecap of the file
# and an editcap -t 0.000005 copy of it) must give the same sessions
# (JSON, less ObservedBy), the same PDU list and the same table as the
# file alone: the copies are retransmissions with equal bytes, counted
# (tcp_retransmitted) and never an overlap mismatch or a gap.
# Exit 0 all equal, 77 when mergecap/editcap (wireshark-common) are
# missing, 1 with the difference otherwise.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
command -v mergecap >/dev/null && command -v editcap >/dev/null || {
	echo "skip: mergecap/editcap (wireshark-common) not installed"
	exit 77
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
rc=0
n=0
for cap in captures/*.pcapng; do
	name=$(basename "$cap" .pcapng)
	editcap -t 0.000005 "$cap" "$T/late.pcapng" >/dev/null || exit 1
	mergecap -F pcapng -w "$T/both.pcapng" "$cap" "$T/late.pcapng" || exit 1
	for v in one both; do
		f=$cap
		[ $v = both ] && f=$T/both.pcapng
		"$B/iscsiwatch" -r "$f" --json "$T/$v.json" >"$T/$v.table" \
			2>"$T/$v.err" || { cat "$T/$v.err"; exit 1; }
		"$B/iscsiwatch" -r "$f" --pdus >"$T/$v.pdus" 2>/dev/null || exit 1
	done
	python3 - "$T/one.json" "$T/both.json" "$name" <<'PY' || rc=1
import json, sys
one, both = (json.load(open(p)) for p in sys.argv[1:3])
name = sys.argv[3]
c1, c2 = one["capture"]["counters"], both["capture"]["counters"]
assert c2["packets"] == 2 * c1["packets"], (name, c1["packets"], c2["packets"])
assert c2["tcp_retransmitted"] > c1["tcp_retransmitted"], (name, "no copy seen as a retransmission")
for k in ("tcp_overlap_mismatch", "tcp_gaps", "tcp_gap_bytes", "pdus", "pdu_resync"):
    assert c2[k] == c1[k], (name, k, c1[k], c2[k])
# ObservedBy names the file read.
s1 = json.dumps(one["sessions"], sort_keys=True).replace(one["capture"]["sources"][0], "")
s2 = json.dumps(both["sessions"], sort_keys=True).replace(both["capture"]["sources"][0], "")
assert s1 == s2, (name, "sessions differ")
print(f"ok {name}: {len(one['sessions'])} sessions, {c1['pdus']} PDUs, "
      f"{c2['tcp_retransmitted'] - c1['tcp_retransmitted']} copies seen as retransmissions")
PY
	cmp -s "$T/one.pdus" "$T/both.pdus" || {
		echo "FAIL $name: PDU lists differ"
		diff "$T/one.pdus" "$T/both.pdus" | head -5
		rc=1
	}
	# The table's first line names the file.
	cmp -s <(sed 1d "$T/one.table") <(sed 1d "$T/both.table") || {
		echo "FAIL $name: tables differ"
		diff <(sed 1d "$T/one.table") <(sed 1d "$T/both.table") | head -5
		rc=1
	}
	n=$((n + 1))
done
[ $n -gt 0 ] || { echo "FAIL: no captures"; exit 1; }
exit $rc
