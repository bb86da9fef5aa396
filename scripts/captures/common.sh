# scripts/captures/common.sh - sourced by the scripts that recreate the
# committed captures in captures/. Each script: starts a real target on
# 127.0.0.1:3260 (the default iSCSI port, so `iscsiwatch -r` needs no -p),
# captures lo with tcpdump, drives it with build/tools/iscsi-gen, and
# writes captures/<name>.pcapng plus captures/<name>.gen.jsonl (the
# generator's JSON lines: what was sent, for the README and the tests).
#
# Needs root, tgt/istgt, tcpdump, editcap, and `make` run first.
# Deterministic where possible: fixed names, LUN sizes, LBAs and payload;
# times, TCP ports/ISNs and the target's TSIH/ITTs vary between runs.
set -euo pipefail
CAPS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$CAPS_ROOT/tests/peer/lib.sh"
PEER_BUILD=${BUILD:-$CAPS_ROOT/build}
CAPS_PORT=3260
CAPS_IQN=iqn.2024-01.org.iscsiwatch:disk1
CAPS_INI=iqn.2024-01.org.iscsiwatch:gen

caps_begin() { # name
	CAPS_NAME=$1
	peer_require_root tcpdump editcap
	[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "run make first (no $PEER_BUILD/tools/iscsi-gen)" >&2; exit 1; }
	peer_init
	if peer_port_busy "$CAPS_PORT"; then
		echo "port $CAPS_PORT is busy; the committed captures use it" >&2
		exit 1
	fi
	CAPS_OUT=$CAPS_ROOT/captures/$CAPS_NAME.pcapng
	CAPS_LOG=$PEER_TMP/gen.jsonl
	: >"$CAPS_LOG"
}

# caps_gen ARGS... : one generator run, its JSON line kept; fails the
# script if the generator failed.
caps_gen() {
	local line
	line=$(peer_gen --portal "127.0.0.1:$CAPS_PORT" --initiator "$CAPS_INI" "$@")
	printf '%s\n' "$line" | tee -a "$CAPS_LOG"
	case $line in *'"ok":true'*) ;; *) echo "generator failed" >&2; return 1 ;; esac
}

# Refuses a capture with holes (tshark sees a segment missing).
caps_check_holes() {
	local n
	n=$(tshark -r "$1" -n -Y 'tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment' 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] || { echo "$1: $n TCP segments missing from the capture" >&2; return 1; }
}

caps_end() {
	cap_stop
	caps_check_holes "$CAPS_OUT"
	cp "$CAPS_LOG" "$CAPS_ROOT/captures/$CAPS_NAME.gen.jsonl"
	echo "wrote $CAPS_OUT ($(stat -c %s "$CAPS_OUT") bytes)" >&2
}
