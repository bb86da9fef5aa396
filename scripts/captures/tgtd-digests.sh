#!/bin/bash
# captures/tgtd-digests.pcapng: one session to tgtd with
# HeaderDigest=CRC32C negotiated (initiator offers CRC32C only, tgtd set to
# accept CRC32C). DataDigest stays None: libiscsi 1.19 has no API for data
# digests and always offers DataDigest=None. 3 x WRITE(10) and 3 x READ(10)
# of 16 blocks (8 KiB), Logout.
. "$(dirname "$0")/common.sh"
caps_begin tgtd-digests
tgtd_start "$CAPS_PORT" "$CAPS_IQN" 4M
tgtd_param HeaderDigest CRC32C,None
tgtd_param DataDigest CRC32C,None
cap_start "$CAPS_OUT" "$CAPS_PORT"
caps_gen --target "$CAPS_IQN" --header-digest crc32c --reads 3 --writes 3 --blocks 16
caps_end
