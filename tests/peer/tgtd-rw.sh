#!/bin/bash
# tests/peer/tgtd-rw.sh BUILD - live: tgtd on a free loopback port, two
# sessions from iscsi-gen (READ/WRITE(10) of 8 blocks with immediate data;
# READ/WRITE(16) of 64 blocks, which need R2T + Data-Out at tgtd's 8 KiB
# MaxRecvDataSegmentLength), tcpdump recording. Then `iscsiwatch --pdus`
# must show exactly the SCSI commands the generator sent, one completion
# (SCSI Response, or Data-In with the S bit) per command, two logins and
# two logouts, and the same PDU list as tshark.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm tcpdump editcap
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3260)
iqn=iqn.2024-01.org.iscsiwatch:peer-rw
tgtd_start "$port" "$iqn" 8M || { echo "tgtd did not start"; exit 1; }
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
j1=$(peer_gen --portal "127.0.0.1:$port" --target "$iqn" --reads 5 --writes 3 --blocks 8 --cdb 10) ||
	{ echo "generator failed: $j1"; exit 1; }
j2=$(peer_gen --portal "127.0.0.1:$port" --target "$iqn" --reads 2 --writes 2 --blocks 64 --cdb 16) ||
	{ echo "generator failed: $j2"; exit 1; }
cap_stop || { echo "capture failed"; exit 1; }
tgtd_stop


peer_check_pdus "$cap" "$port" 2 "$j1" "$j2"
