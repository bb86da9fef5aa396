#!/bin/bash
# tests/peer/istgt-rw.sh BUILD - live: istgt on a free loopback port, one
# session from iscsi-gen (READ/WRITE(10) of 8 blocks, LUN 0) and one with
# READ/WRITE(16) of 256 blocks (128 KiB: more than istgt's 64 KiB
# MaxRecvDataSegmentLength and FirstBurstLength, so R2T + several Data-Out,
# and several Data-In per read). Same checks as tgtd-rw.sh.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root istgt tcpdump editcap
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3260)
istgt_start "$port" peer-rw 8MB || { echo "istgt did not start"; exit 1; }
iqn=$ISTGT_NODEBASE:peer-rw
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
j1=$(peer_gen --portal "127.0.0.1:$port" --target "$iqn" --lun 0 --reads 5 --writes 3 --blocks 8) ||
	{ echo "generator failed: $j1"; exit 1; }
j2=$(peer_gen --portal "127.0.0.1:$port" --target "$iqn" --lun 0 --reads 2 --writes 2 --blocks 256 --cdb 16) ||
	{ echo "generator failed: $j2"; exit 1; }
cap_stop || { echo "capture failed"; exit 1; }
istgt_stop


peer_check_pdus "$cap" "$port" 2 "$j1" "$j2"
