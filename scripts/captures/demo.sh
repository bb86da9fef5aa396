#!/bin/bash
# captures/demo.pcapng (used by `make demo`): a SendTargets discovery
# session, then one normal session to tgtd: TUR + READ CAPACITY(10),
# 3 x WRITE(10) and 4 x READ(10) of 8 blocks, one READ(10) past the end of
# the LUN (CHECK CONDITION, ILLEGAL REQUEST / LBA OUT OF RANGE), Logout.
. "$(dirname "$0")/common.sh"
caps_begin demo
tgtd_start "$CAPS_PORT" "$CAPS_IQN" 4M
cap_start "$CAPS_OUT" "$CAPS_PORT"
caps_gen --discovery
caps_gen --target "$CAPS_IQN" --reads 4 --writes 3 --blocks 8 --read-past-end
caps_end
