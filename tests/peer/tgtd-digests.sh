#!/bin/bash
# tests/peer/tgtd-digests.sh BUILD - live: tgtd accepting HeaderDigest
# CRC32C, iscsi-gen asking for it (DataDigest stays None: libiscsi offers
# nothing else). Besides the common checks, every PDU after the login
# must be hd=ok and every login PDU hd=none; dd=none everywhere.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm tcpdump editcap
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3260)
iqn=iqn.2024-01.org.iscsiwatch:peer-digests
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }
tgtd_param HeaderDigest CRC32C,None
tgtd_param DataDigest CRC32C,None
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
j=$(peer_gen --portal "127.0.0.1:$port" --target "$iqn" --header-digest crc32c \
	--reads 3 --writes 3 --blocks 32) || { echo "generator failed: $j"; exit 1; }
cap_stop || { echo "capture failed"; exit 1; }
tgtd_stop

(peer_check_pdus "$cap" "$port" 1 "$j") || fail=1
pdus=$PEER_TMP/pdus
n=$(awk '$6 != "LOGIN_REQ" && $6 != "LOGIN_RSP" && $10 != "hd=ok"' "$pdus" | wc -l)
[ "$n" -eq 0 ] && echo "ok   all full-feature PDUs hd=ok" || { echo "FAIL $n full-feature PDUs not hd=ok"; fail=1; }
n=$(awk '($6 == "LOGIN_REQ" || $6 == "LOGIN_RSP") && $10 != "hd=none"' "$pdus" | wc -l)
[ "$n" -eq 0 ] && echo "ok   login PDUs hd=none" || { echo "FAIL $n login PDUs not hd=none"; fail=1; }
n=$(awk '$11 != "dd=none"' "$pdus" | wc -l)
[ "$n" -eq 0 ] && echo "ok   dd=none everywhere" || { echo "FAIL $n PDUs not dd=none"; fail=1; }
n=$(awk '$10 == "hd=ok"' "$pdus" | wc -l)
[ "$n" -gt 0 ] || { echo "FAIL no PDU with hd=ok"; fail=1; }
exit "${fail:-0}"
