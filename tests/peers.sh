#!/bin/bash
# Real-peer rig: tgtd / istgt targets and libiscsi initiators on loopback,
# captured with tcpdump, compared with tshark. Needs root.
exec "$(dirname "$0")/run-scripts.sh" "$(dirname "$0")/peer" "$1"
