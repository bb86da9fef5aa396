#!/bin/bash
# captures/tgtd-rw.pcapng: one plain session to tgtd (no digests, no CHAP):
# TUR(s) + READ CAPACITY(10), 4 x WRITE(10) and 6 x READ(10) of 8 blocks
# (4 KiB), 2 x READ(16)/WRITE(16) of 16 blocks, then Logout.
. "$(dirname "$0")/common.sh"
caps_begin tgtd-rw
tgtd_start "$CAPS_PORT" "$CAPS_IQN" 4M
cap_start "$CAPS_OUT" "$CAPS_PORT"
caps_gen --target "$CAPS_IQN" --reads 6 --writes 4 --blocks 8 --cdb 10
caps_end
