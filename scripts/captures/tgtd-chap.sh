#!/bin/bash
# captures/tgtd-chap.pcapng: tgtd with CHAP required on the target and a
# mutual (outgoing) account. Three connections, in order:
#  1. mutual CHAP login that succeeds; 2 x WRITE(10), 2 x READ(10) of 8
#     blocks; Logout.
#  2. login with a wrong CHAP secret: Login Response status 0x0201
#     (authentication failure).
#  3. login to a target name that does not exist: status 0x0203
#     (target not found).
. "$(dirname "$0")/common.sh"
caps_begin tgtd-chap
tgtd_start "$CAPS_PORT" "$CAPS_IQN" 4M
tgtd_chap gen-user gen-secret-1234 tgt-user tgt-secret-5678
cap_start "$CAPS_OUT" "$CAPS_PORT"
caps_gen --target "$CAPS_IQN" --chap-user gen-user --chap-secret gen-secret-1234 \
	--target-user tgt-user --target-secret tgt-secret-5678 --reads 2 --writes 2 --blocks 8
caps_gen --target "$CAPS_IQN" --chap-user gen-user --chap-secret wrong-secret-00 --expect-login-fail
caps_gen --target iqn.2024-01.org.iscsiwatch:no-such-disk --expect-login-fail
caps_end
