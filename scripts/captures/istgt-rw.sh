#!/bin/bash
# captures/istgt-rw.pcapng: one plain session to istgt (LUN 0): TUR +
# READ CAPACITY(10), 4 x WRITE(10) and 6 x READ(10) of 8 blocks, Logout.
. "$(dirname "$0")/common.sh"
caps_begin istgt-rw
istgt_start "$CAPS_PORT" disk1 4MB
cap_start "$CAPS_OUT" "$CAPS_PORT"
caps_gen --target "$ISTGT_NODEBASE:disk1" --lun 0 --reads 6 --writes 4 --blocks 8
caps_end
