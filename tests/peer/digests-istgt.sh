#!/bin/bash
# tests/peer/digests-istgt.sh BUILD - live: header AND data digests
# (CRC32C) against istgt. libiscsi always offers DataDigest=None, so the
# raw initiator build/tools/mcs-login --digests offers CRC32C for both and
# sends NOP-Outs with ping data, which istgt echoes: every full feature PDU
# carries a header digest, those with data a data digest. Every digest
# must verify (hd=ok, dd=ok), Login PDUs carry none, the connection's CIM
# digest methods are CRC32C, and tshark must list the same PDUs.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root istgt tcpdump editcap tshark python3
peer_init
set -u

port=$(peer_free_port 3264)
istgt_start "$port" dig 4MB || { echo "istgt did not start"; exit 1; }
iqn=$ISTGT_NODEBASE:dig
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
j=$("$PEER_BUILD/tools/mcs-login" 127.0.0.1 "$port" "$iqn" --digests) || { echo "digest session failed: $j"; exit 1; }
cap_stop || { echo "capture failed"; exit 1; }
istgt_stop
echo "mcs-login --digests: $j"

pd=$PEER_TMP/pdus
"$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --pdus >"$pd" || { echo "iscsiwatch failed"; exit 1; }
"$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --json "$PEER_TMP/out.json" >/dev/null || exit 1
"$(dirname "$0")/../tshark-pdus.sh" -p "$port" "$cap" | awk '{print $3}' | sort >"$PEER_TMP/ref"
awk '{print $6}' "$pd" | sort >"$PEER_TMP/ours"
fail=0
cmp -s "$PEER_TMP/ref" "$PEER_TMP/ours" && echo "ok   same PDUs as tshark ($(wc -l <"$pd"))" ||
	{ echo "FAIL PDU lists differ from tshark"; diff "$PEER_TMP/ref" "$PEER_TMP/ours"; fail=1; }
# The leading connection is c0: its full feature PDUs carry digests.
awk '$2 == "c0" && $6 !~ /^LOGIN_/' "$pd" >"$PEER_TMP/ffp"
n=$(wc -l <"$PEER_TMP/ffp")
hok=$(grep -c ' hd=ok ' "$PEER_TMP/ffp")
dok=$(grep -c ' dd=ok' "$PEER_TMP/ffp")
withdata=$(awk '$8 != "dlen=0"' "$PEER_TMP/ffp" | wc -l)
[ "$n" -ge 4 ] && [ "$hok" -eq "$n" ] && echo "ok   $n full feature PDUs, all hd=ok" ||
	{ echo "FAIL header digests: $hok of $n ok"; cat "$PEER_TMP/ffp"; fail=1; }
[ "$withdata" -ge 2 ] && [ "$dok" -eq "$withdata" ] && echo "ok   $withdata PDUs with data, all dd=ok" ||
	{ echo "FAIL data digests: $dok of $withdata ok"; cat "$PEER_TMP/ffp"; fail=1; }
grep ' LOGIN_' "$pd" | grep -qv ' hd=none dd=none' && { echo "FAIL a Login PDU with a digest"; fail=1; }
python3 - "$PEER_TMP/out.json" <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))["sessions"][0]
c = s["connections"][0]["cim"]
ok = (c["HeaderDigestMethod"], c["DataDigestMethod"]) == (3, 3)
print(("ok   " if ok else "FAIL ") + f"CIM digest methods {c['HeaderDigestMethod']}, {c['DataDigestMethod']} (3 = CRC32C)")
bad = s["cim"]["HealthState"] != 5
print(("FAIL " if bad else "ok   ") + f"HealthState {s['cim']['HealthState']} (no digest error)")
sys.exit(1 if bad or not ok else 0)
PY
exit $fail
