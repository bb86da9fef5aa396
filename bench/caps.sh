#!/bin/bash
# bench/caps.sh BUILD - proves the memory caps (`make bench-caps`).
# Generates three hostile captures (bench/gen-hostile.c) into a temporary
# folder and prints iscsiwatch's peak RSS on each (/usr/bin/time -f %M)
# with the counter that shows the cap at work:
#   syn    1,000,000 SYNs, each a new flow      -> FLOW_MAX_DEFAULT (65536), empty flows cycle
#   holes  10,000 flows, each 5 x 8948 bytes    -> TCP_OOO_CAP_TOTAL_DEFAULT
#          waiting behind a lost segment           (256 MiB), per stream 4 MiB
#   login  one Login Request with C=1 for 20,000 -> TEXT_CAP_DEFAULT (64 KiB)
#          PDUs of 8 KiB (160 MiB of text)
# Fails when a peak exceeds its bound (cap + fixed overhead, below).
set -u
B=${1:-build}
cd "$(dirname "$0")/.." || exit 2
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cc -O2 -o "$T/gen-hostile" bench/gen-hostile.c || exit 2
"$T/gen-hostile" syn "$T/syn.pcap" 1000000 || exit 2
"$T/gen-hostile" holes "$T/holes.pcap" 10000 5 || exit 2
"$T/gen-hostile" login "$T/login.pcap" 20000 || exit 2
base=$(/usr/bin/time -f %M "$B/iscsiwatch" -r captures/demo.pcapng --json "$T/o.json" 2>&1 >/dev/null | tail -1)
echo "baseline (demo.pcapng): peak RSS ${base} KiB"
fail=0
# name, bound in KiB, counter to show
run() {
	local name=$1 bound=$2 ctr=$3
	local size
	size=$(stat -c %s "$T/$name.pcap")
	local out
	out=$( { /usr/bin/time -f "RSS %M" "$B/iscsiwatch" -r "$T/$name.pcap" \
		--json "$T/$name.json" -v >/dev/null; } 2>&1)
	local rss
	rss=$(echo "$out" | sed -n 's/^RSS //p')
	local c
	c=$(echo "$out" | grep -i "$ctr" | head -1 | awk '{print $1}')
	local verdict=ok
	[ "$rss" -le "$bound" ] || { verdict="OVER"; fail=1; }
	printf '%-6s %5d MiB capture  peak RSS %7d KiB  (bound %7d KiB)  %s: %s  %s\n' \
		"$name" $((size >> 20)) "$rss" "$bound" "$ctr" "${c:-0}" "$verdict"
}
# Bounds: cap x per-unit cost + 64 MiB of fixed overhead. A flow costs
# about 8 KiB once it is an iSCSI connection (two framers, the login
# state, the tracker), so 65536 flows ~ 512 MiB; out-of-order segments
# cost their bytes plus a node.
run syn $(( 65536 * 8 + 65536 )) "evicted when full: iSCSI port"
run holes $(( 256 * 1024 + 10000 * 10 + 65536 )) "dropped by a memory cap"
run login $(( 64 + 65536 )) "per-login cap"
exit $fail
