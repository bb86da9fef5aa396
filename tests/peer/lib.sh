# tests/peer/lib.sh - shared functions for the real-peer rig: tgtd and istgt
# targets on loopback, tcpdump capturing, cleanup that always kills what was
# started. Sourced (not run) by tests/peer/*.sh and scripts/captures/*.sh;
# tests/run-scripts.sh only runs *.sh files that are tests, so this file is
# guarded against being executed directly.
#
# Usage:
#   . tests/peer/lib.sh
#   peer_init            # temp dir in $PEER_TMP, EXIT trap -> peer_cleanup
#   peer_require_root tgtd tcpdump   # exit 77 (skip) with a reason
#   port=$(peer_free_port 3260)
#   tgtd_start "$port" iqn.2024-01.org.iscsiwatch:disk1 4M
#   cap_start "$PEER_TMP/cap.pcapng" "$port"
#   ... traffic ...
#   cap_stop
#   tgtd_stop

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "lib.sh holds shared functions for the peer tests; not a test itself"
	exit 77
fi

PEER_TMP=
# tests/, for the Python helpers (tests/checks.py); fixed when sourced.
PEER_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER_PIDS=()
PEER_TGTD_PID= PEER_TGTD_CTL=
PEER_ISTGT_PID=
PEER_CAP_PID= PEER_CAP_RAW= PEER_CAP_OUT=
PEER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

peer_log() { echo "[peer] $*" >&2; }

peer_skip() {
	echo "$*"
	exit 77
}

peer_init() {
	PEER_TMP=$(mktemp -d /tmp/iscsiwatch-peer.XXXXXX)
	chmod 755 "$PEER_TMP"
	trap peer_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Kills only the processes this script started (by pid), then removes the
# temp dir. Safe to call twice.
peer_cleanup() {
	local pid
	set +e
	if [ -n "$PEER_CAP_PID" ]; then
		kill -INT "$PEER_CAP_PID" 2>/dev/null
		wait "$PEER_CAP_PID" 2>/dev/null
		PEER_CAP_PID=
	fi
	tgtd_stop
	istgt_stop
	for pid in "${PEER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PEER_PIDS[@]}"; do
		peer_wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
	done
	PEER_PIDS=()
	if [ -n "$PEER_TMP" ] && [ -z "${PEER_KEEP:-}" ]; then
		rm -rf "$PEER_TMP"
	fi
	PEER_TMP=
}

peer_wait_gone() { # pid seconds
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# Exits 77 unless running as root and every named program exists.
peer_require_root() {
	local p
	[ "$(id -u)" -eq 0 ] || peer_skip "not root: the peer rig needs root (tgtd, tcpdump)"
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || peer_skip "$p not installed"
	done
}

peer_port_busy() { # port
	ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# First free TCP port on loopback at or after $1 (default 3260).
peer_free_port() {
	local p=${1:-3260}
	while peer_port_busy "$p"; do
		p=$((p + 1))
	done
	echo "$p"
}

peer_wait_port() { # port [seconds]
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		peer_port_busy "$1" && return 0
		sleep 0.05
	done
	peer_log "port $1 never opened"
	return 1
}

# --- tgtd ----------------------------------------------------------------

tgtadm_c() { tgtadm -C "$PEER_TGTD_CTL" --lld iscsi "$@"; }

# tgtd_start PORT IQN [SIZE] : tgtd on 127.0.0.1:PORT with target tid 1
# named IQN, LUN 1 backed by a SIZE (default 4M) sparse file, open to all
# initiators. The control channel number is the port, so several tgtd can
# run side by side (and a system tgtd on its default channel 0 is left alone).
tgtd_start() {
	local port=$1 iqn=$2 size=${3:-4M}
	PEER_TGTD_CTL=$port
	truncate -s "$size" "$PEER_TMP/tgtd-lun1.img" || return 1
	tgtd -f -C "$PEER_TGTD_CTL" --iscsi "portal=127.0.0.1:$port" >"$PEER_TMP/tgtd.log" 2>&1 &
	PEER_TGTD_PID=$!
	PEER_PIDS+=("$PEER_TGTD_PID")
	peer_wait_port "$port" || { cat "$PEER_TMP/tgtd.log" >&2; return 1; }
	# The management socket appears a moment after the portal.
	local i
	for ((i = 0; i < 50; i++)); do
		tgtadm_c --op show --mode target >/dev/null 2>&1 && break
		sleep 0.1
	done
	tgtadm_c --op new --mode target --tid 1 -T "$iqn" &&
		tgtadm_c --op new --mode logicalunit --tid 1 --lun 1 -b "$PEER_TMP/tgtd-lun1.img" &&
		tgtadm_c --op bind --mode target --tid 1 -I ALL
}

# tgtd_chap USER SECRET [MUTUAL_USER MUTUAL_SECRET] : require CHAP on tid 1
# (and mutual CHAP when the outgoing account is given).
tgtd_chap() {
	tgtadm_c --op new --mode account --user "$1" --password "$2" &&
		tgtadm_c --op bind --mode account --tid 1 --user "$1" || return 1
	if [ $# -ge 4 ]; then
		tgtadm_c --op new --mode account --user "$3" --password "$4" &&
			tgtadm_c --op bind --mode account --tid 1 --user "$3" --outgoing || return 1
	fi
}

# tgtd_param NAME VALUE : a target-wide iSCSI key (e.g. HeaderDigest CRC32C).
tgtd_param() {
	tgtadm_c --op update --mode target --tid 1 --name "$1" --value "$2"
}

# tgtd 1.0.85 in the foreground ignores SIGTERM and SIGINT, and its
# "delete --mode system" answers "invalid request": SIGKILL it (it holds
# nothing but a sparse file in our temp dir).
tgtd_stop() {
	[ -n "$PEER_TGTD_PID" ] || return 0
	{
		kill -KILL "$PEER_TGTD_PID"
		peer_wait_gone "$PEER_TGTD_PID" 3
		wait "$PEER_TGTD_PID"
	} 2>/dev/null
	peer_forget "$PEER_TGTD_PID"
	PEER_TGTD_PID=
}

peer_forget() { # pid : no longer ours to kill
	local keep=() p
	for p in "${PEER_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PEER_PIDS=("${keep[@]}")
}

# --- istgt ---------------------------------------------------------------

# istgt_start PORT NAME [SIZE] : istgt on 127.0.0.1:PORT with one disk LU,
# target name iqn.2024-01.org.iscsiwatch.istgt:NAME, LUN 0 (istgt numbers
# from 0). Config, auth file and pid file live in the temp dir.
ISTGT_NODEBASE=iqn.2024-01.org.iscsiwatch.istgt
istgt_start() {
	local port=$1 name=$2 size=${3:-4MB}
	local d=$PEER_TMP/istgt
	mkdir -p "$d"
	cat >"$d/auth.conf" <<EOF
[AuthGroup1]
  Auth "none" "nonenonenone"
EOF
	cat >"$d/istgt.conf" <<EOF
[Global]
  NodeBase "$ISTGT_NODEBASE"
  PidFile $d/istgt.pid
  AuthFile $d/auth.conf
  MediaDirectory $d
  LogFacility "local7"
  Timeout 30
  NopInInterval 20
  DiscoveryAuthMethod Auto
  MaxSessions 4
  MaxConnections 2
  MaxR2T 32
  MaxOutstandingR2T 16
  DefaultTime2Wait 2
  DefaultTime2Retain 60
  FirstBurstLength 65536
  MaxBurstLength 262144
  MaxRecvDataSegmentLength 65536
  InitialR2T Yes
  ImmediateData Yes
  DataPDUInOrder Yes
  DataSequenceInOrder Yes
  ErrorRecoveryLevel 0
[UnitControl]
  AuthMethod None
[PortalGroup1]
  Portal DA1 127.0.0.1:$port
[InitiatorGroup1]
  InitiatorName "ALL"
  Netmask 127.0.0.0/8
[LogicalUnit1]
  TargetName $name
  Mapping PortalGroup1 InitiatorGroup1
  AuthMethod None
  UseDigest Auto
  UnitType Disk
  LUN0 Storage $d/lun0.img $size
EOF
	istgt -D -c "$d/istgt.conf" >"$d/istgt.log" 2>&1 &
	PEER_ISTGT_PID=$!
	PEER_PIDS+=("$PEER_ISTGT_PID")
	peer_wait_port "$port" || { cat "$d/istgt.log" >&2; return 1; }
}

istgt_stop() {
	[ -n "$PEER_ISTGT_PID" ] || return 0
	kill -TERM "$PEER_ISTGT_PID" 2>/dev/null
	peer_wait_gone "$PEER_ISTGT_PID" 5 || kill -KILL "$PEER_ISTGT_PID" 2>/dev/null
	{ wait "$PEER_ISTGT_PID"; } 2>/dev/null
	peer_forget "$PEER_ISTGT_PID"
	PEER_ISTGT_PID=
}

# --- tcpdump -------------------------------------------------------------

# cap_start OUT.pcapng PORT : tcpdump on lo, full snaplen, nanosecond
# stamps, "tcp port PORT". --immediate-mode: otherwise the packets still in
# the kernel's current TPACKET_V3 block are lost when tcpdump is stopped.
# -B 64 MiB: 64 KiB loopback segments overflow the default 2 MiB ring, and
# cap_stop fails when the kernel dropped anything (a capture with holes
# would make every test on it lie). tcpdump writes pcap; cap_stop turns it into
# pcapng with editcap (so the file format is the one we commit).
cap_start() {
	PEER_CAP_OUT=$1
	PEER_CAP_RAW=$PEER_TMP/cap-$$.pcap
	: >"$PEER_TMP/tcpdump.log"
	tcpdump -i lo -s 0 -B 65536 -U --immediate-mode -n -Z root --time-stamp-precision=nano \
		-w "$PEER_CAP_RAW" "tcp port $2" 2>"$PEER_TMP/tcpdump.log" &
	PEER_CAP_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$PEER_TMP/tcpdump.log" && return 0
		kill -0 "$PEER_CAP_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$PEER_TMP/tcpdump.log" >&2
	return 1
}

cap_stop() {
	[ -n "$PEER_CAP_PID" ] || return 0
	sleep 0.3 # let the last FIN/ACKs of loopback reach the ring
	kill -INT "$PEER_CAP_PID" 2>/dev/null
	wait "$PEER_CAP_PID" 2>/dev/null
	PEER_CAP_PID=
	local dropped
	dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$PEER_TMP/tcpdump.log")
	if [ "${dropped:-0}" != 0 ]; then
		peer_log "tcpdump: $dropped packets dropped by kernel"
		return 1
	fi
	editcap -F pcapng "$PEER_CAP_RAW" "$PEER_CAP_OUT" || return 1
	rm -f "$PEER_CAP_RAW"
}

# --- iscsiwatch / tshark helpers for the tests -------------------------

# peer_gen ARGS... : runs build/tools/iscsi-gen, its JSON line to stdout.
peer_gen() { "$PEER_BUILD/tools/iscsi-gen" "$@"; }

# peer_json_num JSON KEY : a top-level number from the generator's line.
peer_json_num() {
	printf '%s\n' "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2
}

# peer_count_op PDUS_FILE OPNAME : lines of `iscsiwatch --pdus` with that op.
peer_count_op() {
	awk -v op="$2" '$6 == op { n++ } END { print n + 0 }' "$1"
}

# peer_check_pdus CAP PORT NSESSIONS JSON... : the checks every live test
# makes on `iscsiwatch -r CAP -p PORT --pdus` against what the generator
# runs (their JSON lines) said they sent, and against tshark. Prints each
# check; returns (exits) 1 at the end if any failed.
peer_check_pdus() {
	local cap=$1 port=$2 nsess=$3
	shift 3
	local j want=0 n fails=0 pdus=$PEER_TMP/pdus
	for j in "$@"; do
		want=$((want + $(peer_json_num "$j" scsi_cmds)))
	done
	if ! "$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --pdus >"$pdus" 2>"$PEER_TMP/iw.err"; then
		tail -n 5 "$PEER_TMP/iw.err"
		echo "FAIL: iscsiwatch -r --pdus exited non-zero"
		exit 1
	fi
	peer_expect() { # what got want
		if [ "$2" = "$3" ]; then
			echo "ok   $1: $2"
		else
			echo "FAIL $1: got $2, want $3"
			fails=$((fails + 1))
		fi
	}
	peer_expect "SCSI_CMD lines" "$(peer_count_op "$pdus" SCSI_CMD)" "$want"
	# One completion per command: a SCSI Response, or a Data-In carrying
	# status (S bit, RFC 7143 §11.7.1). Matched by ITT, not just counted.
	n=$(awk '$6 == "SCSI_CMD" { print $2, $7 }' "$pdus" | sort | uniq -d | wc -l)
	peer_expect "SCSI_CMD ITTs reused while open" "$n" 0
	n=$(awk '$6 == "SCSI_RSP" || ($6 == "DATA_IN" && substr($9, 7) ~ /S/) { print $2, $7 }' "$pdus" | wc -l)
	peer_expect "completions (SCSI_RSP + DATA_IN with S)" "$n" "$want"
	n=$(comm -3 <(awk '$6 == "SCSI_CMD" { print $2, $7 }' "$pdus" | sort) \
		<(awk '$6 == "SCSI_RSP" || ($6 == "DATA_IN" && substr($9, 7) ~ /S/) { print $2, $7 }' "$pdus" | sort) | wc -l)
	peer_expect "commands without a completion or vice versa (by ITT)" "$n" 0
	peer_expect "LOGOUT_REQ lines" "$(peer_count_op "$pdus" LOGOUT_REQ)" "$nsess"
	peer_expect "LOGOUT_RSP lines" "$(peer_count_op "$pdus" LOGOUT_RSP)" "$nsess"
	n=$(grep -c -E ' (hd|dd)=(bad|lost)' "$pdus")
	peer_expect "bad or lost digests" "$n" 0
	n=$(awk '$3 == "?>" || $3 == "?"' "$pdus" | wc -l)
	peer_expect "PDUs of unknown direction" "$n" 0
	if command -v tshark >/dev/null 2>&1; then
		"$PEER_ROOT/tests/tshark-pdus.sh" -p "$port" "$cap" >"$PEER_TMP/ref"
		awk 'NF >= 6 { k = ($4 < $5) ? $4 " " $5 : $5 " " $4; print k, $6 }' "$pdus" |
			LC_ALL=C sort -s -k1,2 >"$PEER_TMP/ours"
		if cmp -s "$PEER_TMP/ref" "$PEER_TMP/ours"; then
			echo "ok   same PDU list as tshark ($(wc -l <"$PEER_TMP/ref") PDUs)"
		else
			echo "FAIL PDU list differs from tshark (< tshark, > iscsiwatch):"
			diff "$PEER_TMP/ref" "$PEER_TMP/ours" | head -n 30
			fails=$((fails + 1))
		fi
	else
		echo "note: tshark not installed, comparison skipped"
	fi
	[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
	echo "all checks passed"
}
