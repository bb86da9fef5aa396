#!/bin/bash
# captures/istgt-digests.pcapng: header AND data digests (CRC32C) against
# istgt. libiscsi cannot offer DataDigest=CRC32C, so the raw initiator
# build/tools/mcs-login --digests makes the session: a leading connection
# offering CRC32C for both digests (its NOP-Outs carry 36 bytes of ping
# data, echoed in the NOP-Ins), a second connection (CID 1, no digests),
# a close-connection and a close-session Logout.
. "$(dirname "$0")/common.sh"
caps_begin istgt-digests
peer_require_root istgt
istgt_start "$CAPS_PORT" disk1 4MB
cap_start "$CAPS_OUT" "$CAPS_PORT"
"$PEER_BUILD/tools/mcs-login" 127.0.0.1 "$CAPS_PORT" "$ISTGT_NODEBASE:disk1" --digests | tee -a "$CAPS_LOG"
caps_end
