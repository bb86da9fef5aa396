#!/bin/bash
# captures/midsession.pcapng: a capture that starts in the middle of a
# session, in Full Feature Phase, inside a Data-In PDU.
#
# Recorded: one session to tgtd, TUR + READ CAPACITY(10), then 6 rounds of
# WRITE(16) + READ(16) of 128 blocks (64 KiB: the write goes as 8 KiB
# immediate data + R2T + Data-Out, the read as one Data-In PDU spread over
# two TCP segments on lo), Logout. Then cut: editcap keeps the frames from
# the SECOND TCP segment of the third READ's Data-In PDU to the end, so the
# file opens with the tail of a Data-In PDU (no BHS at its start), and no
# SYN and no login are in it.
. "$(dirname "$0")/common.sh"
caps_begin midsession
tgtd_start "$CAPS_PORT" "$CAPS_IQN" 4M
full=$PEER_TMP/full.pcapng
cap_start "$full" "$CAPS_PORT"
caps_gen --target "$CAPS_IQN" --reads 6 --writes 6 --blocks 128 --cdb 16
cap_stop
caps_check_holes "$full"
# Frames that carry a non-first piece of a reassembled PDU from the target
# (source port 3260): tshark marks each piece with the frame the PDU ends
# in; a piece whose own frame is that end frame and that does not start
# with a BHS is a continuation. Take the 3rd Data-In (opcode 0x25) and the
# last frame of it.
end=$(tshark -r "$full" -n -d tcp.port==3260,iscsi -Y 'iscsi.opcode == 0x25 && tcp.srcport == 3260 && tcp.segments' \
	-T fields -e frame.number 2>/dev/null | sed -n 3p)
[ -n "$end" ] || { echo "no multi-segment Data-In found" >&2; exit 1; }
total=$(tshark -r "$full" -n -T fields -e frame.number 2>/dev/null | tail -n 1)
editcap -F pcapng -r "$full" "$CAPS_OUT" "$end-$total"
echo "cut at frame $end of $total" >&2
cp "$CAPS_LOG" "$CAPS_ROOT/captures/$CAPS_NAME.gen.jsonl"
echo "wrote $CAPS_OUT ($(stat -c %s "$CAPS_OUT") bytes)" >&2
