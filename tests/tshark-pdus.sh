#!/bin/bash
# tests/tshark-pdus.sh [-p PORTS] FILE
#
# Prints tshark's list of iSCSI PDUs in FILE, one line per PDU:
#     <conn key> <OPNAME>
# where <conn key> is "A B", the two TCP endpoints ("ip:port", IPv6 as
# "[addr]:port") in C-locale string order, so both directions of one TCP
# connection share a key. Lines are sorted stably by key, then by frame
# order (and order inside a frame), i.e. each connection's PDUs in wire
# order. OPNAME is the token `iscsiwatch --pdus` prints (SCSI_CMD, ...).
#
# tshark is the reference decoder: it reassembles PDUs across TCP segments
# (tcp.desegment_tcp_streams + iscsi.desegment_iscsi_messages) and learns
# header/data digests from the login keys it sees. A PDU that ends in a
# later frame is listed at that frame, as iscsiwatch does.
#
# PORTS (comma list) are the target ports to decode as iSCSI; default: the
# destination ports of the SYNs in the capture, else 3260.
set -euo pipefail
export LC_ALL=C

ports=
if [ "${1:-}" = "-p" ]; then
	ports=$2
	shift 2
fi
[ $# -eq 1 ] || { echo "usage: $0 [-p PORTS] FILE" >&2; exit 2; }
file=$1
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed" >&2; exit 77; }

if [ -z "$ports" ]; then
	ports=$(tshark -r "$file" -n -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
		-T fields -e tcp.dstport 2>/dev/null | sort -un | paste -sd, -)
	[ -n "$ports" ] || ports=3260
fi

decode=()
IFS=, read -ra plist <<<"$ports"
for p in "${plist[@]}"; do
	decode+=(-d "tcp.port==$p,iscsi")
done

# -E occurrence=a with an aggregator keeps every PDU of a frame, in order.
tshark -r "$file" -n "${decode[@]}" \
	-o tcp.desegment_tcp_streams:TRUE \
	-o tcp.analyze_sequence_numbers:TRUE \
	-o iscsi.desegment_iscsi_messages:TRUE \
	-o iscsi.bogus_pdu_filter:TRUE \
	-o iscsi.bogus_pdu_max_data_len:16777215 \
	-o "iscsi.target_ports:$ports" \
	-Y iscsi -T fields -E separator=/t -E aggregator=, -E occurrence=a \
	-e frame.number -e ip.src -e ipv6.src -e tcp.srcport \
	-e ip.dst -e ipv6.dst -e tcp.dstport -e iscsi.opcode 2>/dev/null |
awk -F '\t' '
function hex(s,    i, c, v) {
	v = 0
	sub(/^0[xX]/, "", s)
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", tolower(substr(s, i, 1)))
		if (c == 0) return -1
		v = v * 16 + c - 1
	}
	return v
}
function ep(ip4, ip6, port) {
	return (ip4 != "" ? ip4 : "[" ip6 "]") ":" port
}
BEGIN {
	split("NOP_OUT SCSI_CMD TMF_REQ LOGIN_REQ TEXT_REQ DATA_OUT LOGOUT_REQ", a, " ")
	for (i = 1; i <= 7; i++) name[i - 1] = a[i]
	name[16] = "SNACK_REQ"
	split("NOP_IN SCSI_RSP TMF_RSP LOGIN_RSP TEXT_RSP DATA_IN LOGOUT_RSP", b, " ")
	for (i = 1; i <= 7; i++) name[32 + i - 1] = b[i]
	name[49] = "R2T"; name[50] = "ASYNC_MSG"; name[63] = "REJECT"
}
NF >= 8 && $8 != "" {
	src = ep($2, $3, $4)
	dst = ep($5, $6, $7)
	key = (src < dst) ? src " " dst : dst " " src
	m = split($8, o, ",")
	for (i = 1; i <= m; i++) {
		v = hex(o[i]) % 64
		op = (v in name) ? name[v] : sprintf("OP_0x%02x", v)
		printf "%s %08d %03d %s\n", key, $1, i, op
	}
}' | sort -s -k1,2 -k3,3n -k4,4n | awk '{ print $1, $2, $5 }'
