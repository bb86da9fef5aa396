#!/bin/bash
# captures/tgtd-discovery.pcapng: one discovery session only
# (SessionType=Discovery, Text SendTargets=All, Logout) to a tgtd that
# exports two targets.
. "$(dirname "$0")/common.sh"
caps_begin tgtd-discovery
tgtd_start "$CAPS_PORT" "$CAPS_IQN" 4M
truncate -s 1M "$PEER_TMP/lun2.img"
tgtadm_c --op new --mode target --tid 2 -T iqn.2024-01.org.iscsiwatch:disk2
tgtadm_c --op new --mode logicalunit --tid 2 --lun 1 -b "$PEER_TMP/lun2.img"
tgtadm_c --op bind --mode target --tid 2 -I ALL
cap_start "$CAPS_OUT" "$CAPS_PORT"
caps_gen --discovery
caps_end
