#!/bin/bash
# tests/peer/tgtd-chap.sh BUILD - live: tgtd requiring CHAP with a mutual
# account. Three connections: mutual CHAP that succeeds (with I/O and
# logout), a wrong CHAP secret, an unknown target name. iscsiwatch --pdus
# must show the same PDU list as tshark and the commands of the one good
# session (common checks with 1 logout).
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm tcpdump editcap
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3260)
iqn=iqn.2024-01.org.iscsiwatch:peer-chap
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }
tgtd_chap peer-user peer-secret-123 peer-tgt peer-tsecret-45 || { echo "tgtadm account failed"; exit 1; }
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
g=(--portal "127.0.0.1:$port")
j1=$(peer_gen "${g[@]}" --target "$iqn" --chap-user peer-user --chap-secret peer-secret-123 \
	--target-user peer-tgt --target-secret peer-tsecret-45 --reads 2 --writes 2) ||
	{ echo "mutual CHAP session failed: $j1"; exit 1; }
j2=$(peer_gen "${g[@]}" --target "$iqn" --chap-user peer-user --chap-secret wrong-secret-99 --expect-login-fail) ||
	{ echo "bad secret was accepted: $j2"; exit 1; }
j3=$(peer_gen "${g[@]}" --target "$iqn:nope" --expect-login-fail) ||
	{ echo "unknown target was accepted: $j3"; exit 1; }
case $j3 in *'Target not found'*) echo "ok   unknown target: Target not found (0x0203)" ;;
*) echo "FAIL unknown target: $j3"; exit 1 ;; esac
cap_stop || { echo "capture failed"; exit 1; }
tgtd_stop

peer_check_pdus "$cap" "$port" 1 "$j1" "$j2" "$j3"
