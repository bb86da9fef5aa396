#!/bin/bash
# bench/live.sh BUILD - `make bench-live`: how fast a live capture can go
# before the kernel drops packets, for iscsiwatch and for
# `tcpdump -w /dev/null` on the same path.
#
# A network namespace and a veth pair (iw-bench0 here, iw-bench1 inside
# the namespace) with no IP address at all: tcpreplay sends the frames of
# a large capture into iw-bench0 at rising --mbps rates and the tool
# under test captures them on iw-bench1. A rate passes when the kernel
# dropped nothing (ps_drop + ps_ifdrop) and - for iscsiwatch - the JSON
# written at SIGTERM holds the same sessions (Name, TSIH, SessionType) as
# `iscsiwatch -r` on the file. The namespace and the veth are always
# removed.
#
# Input: BENCH_LIVE_FILE, else bench/data/mtu1500-256M.pcap (from
# `make bench`), else the largest bench/data/*.pcap, else captures/*.pcapng
# merged and repeated (shifted in time) into one file.
# Knobs: BENCH_LIVE_RATES (Mbps, ascending; "top" = --topspeed),
# BENCH_LIVE_BUFFER_MB (kernel buffer of both tools, default 64).
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IW=$(cd "$BUILD" 2>/dev/null && pwd)/iscsiwatch
RATES=${BENCH_LIVE_RATES:-250 500 1000 2000 4000 8000 top}
BUF=${BENCH_LIVE_BUFFER_MB:-64}
NS=iw-bench-ns
A=iw-bench0
B=iw-bench1

skip() { echo "bench-live skipped: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace, veth, tcpreplay)"
for p in ip tcpreplay tcpdump python3 mergecap editcap; do
	command -v "$p" >/dev/null 2>&1 || skip "$p not installed"
done
[ -x "$IW" ] || { echo "no $IW (make first)"; exit 1; }

TMP=$(mktemp -d /tmp/iw-bench-live.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	ip link del "$A" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the input file and what offline reconstruction makes of it ----
FILE=${BENCH_LIVE_FILE:-}
if [ -z "$FILE" ]; then
	if [ -f "$ROOT/bench/data/mtu1500-256M.pcap" ]; then
		FILE=$ROOT/bench/data/mtu1500-256M.pcap
	else
		FILE=$(ls -S "$ROOT"/bench/data/*.pcap 2>/dev/null | head -n 1)
	fi
fi
if [ -z "$FILE" ]; then
	echo "no bench/data/*.pcap (make bench makes them): repeating captures/*.pcapng"
	mergecap -F pcap -w "$TMP/one.pcap" "$ROOT"/captures/*.pcapng || exit 1
	parts=()
	for ((k = 0; k < 40; k++)); do
		# A day apart, so the copies do not interleave.
		editcap -F pcap -t $((k * 86400)) "$TMP/one.pcap" "$TMP/part$k.pcap" || exit 1
		parts+=("$TMP/part$k.pcap")
	done
	mergecap -F pcap -w "$TMP/input.pcap" "${parts[@]}" || exit 1
	rm -f "${parts[@]}" "$TMP/one.pcap"
	FILE=$TMP/input.pcap
fi
size=$(stat -c %s "$FILE")
echo "input: $FILE ($((size / 1048576)) MiB)"

# sessions_key JSON : one line per session, "Name TSIH SessionType", sorted.
sessions_key() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in sorted("%s %s %s" % (s["cim"]["Name"], s["cim"]["TSIH"], s["cim"]["SessionType"]) for s in d["sessions"]):
    print(k)
EOF
}
"$IW" -r "$FILE" --json "$TMP/ref.json" >/dev/null 2>"$TMP/ref.err" || { cat "$TMP/ref.err"; exit 1; }
sessions_key "$TMP/ref.json" >"$TMP/ref.keys"
echo "offline: $(wc -l <"$TMP/ref.keys") sessions"

# ---- the wire ----
ip netns del "$NS" 2>/dev/null
ip link del "$A" 2>/dev/null
ip netns add "$NS" || exit 1
ip link add "$A" type veth peer name "$B" || exit 1
ip link set "$B" netns "$NS" || exit 1
# No addresses, no IPv6 autoconfiguration: only the replayed frames.
sysctl -qw "net.ipv6.conf.$A.disable_ipv6=1" 2>/dev/null
ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$B.disable_ipv6=1" 2>/dev/null
ip link set "$A" mtu 9000 up || exit 1
ip -n "$NS" link set "$B" mtu 9000 up || exit 1

# wait_for FILE TEXT PID : until the tool says it is listening.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

replay() { # rate
	local speed=(--mbps="$1")
	[ "$1" = top ] && speed=(--topspeed)
	tcpreplay -q -i "$A" "${speed[@]}" "$FILE" >"$TMP/replay.log" 2>&1
	sed -n 's/.*Rated: [0-9.]* Bps, \([0-9.]*\) Mbps.*/\1/p' "$TMP/replay.log" | head -n 1
}

# trial_iscsiwatch RATE : prints "achieved_mbps drops verdict".
trial_iscsiwatch() {
	rm -f "$TMP/live.json"
	ip netns exec "$NS" "$IW" -i "$B" -B "$BUF" --no-tui --json "$TMP/live.json" \
		>/dev/null 2>"$TMP/iw.err" &
	local pid=$!
	PIDS+=("$pid")
	wait_for "$TMP/iw.err" 'listening on' "$pid" || { cat "$TMP/iw.err" >&2; echo "0 - failed"; return; }
	local got
	got=$(replay "$1")
	sleep 1
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	PIDS=()
	local drops
	drops=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; print(c["drops"]+c["ifdrops"])' \
		"$TMP/live.json" 2>/dev/null || echo "?")
	local verdict=ok
	if [ "$drops" != 0 ]; then
		verdict=drops
	elif ! sessions_key "$TMP/live.json" | cmp -s - "$TMP/ref.keys"; then
		verdict=sessions-differ
	fi
	echo "${got:-?} $drops $verdict"
}

trial_tcpdump() {
	ip netns exec "$NS" tcpdump -i "$B" -B $((BUF * 1024)) -s 262144 -n -w /dev/null \
		'tcp port 3260' 2>"$TMP/td.err" &
	local pid=$!
	PIDS+=("$pid")
	wait_for "$TMP/td.err" 'listening on' "$pid" || { cat "$TMP/td.err" >&2; echo "0 - failed"; return; }
	local got
	got=$(replay "$1")
	sleep 1
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	PIDS=()
	local drops
	drops=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$TMP/td.err")
	local ifd
	ifd=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by interface.*/\1/p' "$TMP/td.err")
	drops=$((${drops:-0} + ${ifd:-0}))
	local verdict=ok
	[ "$drops" = 0 ] || verdict=drops
	echo "${got:-?} $drops $verdict"
}

declare -A BEST
for tool in tcpdump iscsiwatch; do
	BEST[$tool]=none
	for rate in $RATES; do
		read -r got drops verdict < <("trial_$tool" "$rate")
		printf '%-10s --mbps %-5s achieved %8s Mbps  drops %-8s %s\n' "$tool" "$rate" "$got" "$drops" "$verdict"
		[ "$verdict" = ok ] || break
		BEST[$tool]="$rate (achieved $got Mbps)"
	done
done

echo
echo "highest rate without kernel drops (buffer ${BUF} MiB, $(basename "$FILE")):"
echo "  tcpdump -w /dev/null : ${BEST[tcpdump]}"
echo "  iscsiwatch           : ${BEST[iscsiwatch]} (same sessions as offline)"
