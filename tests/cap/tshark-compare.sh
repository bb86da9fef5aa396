#!/bin/bash
# tests/cap/tshark-compare.sh BUILD - for every captures/*.pcapng, the list
# of iSCSI PDUs per TCP connection that `iscsiwatch -r FILE --pdus` prints
# must be the one tshark (the reference decoder) finds: same opcodes, same
# order, same connections. Both lists are normalised by
# tests/tshark-pdus.sh's rules ("A B OPNAME", endpoints in C string order,
# stable sort by connection).
#
# The lists are compared per direction of each connection (see
# by_direction below).
#
# Mid-session captures (listed in MIDSTREAM below, documented in
# captures/README.md) start inside a PDU. There the two decoders may
# legitimately disagree about the first few PDUs of a connection: tshark
# drops the orphan tail of the cut Data-In; iscsiwatch may drop it or
# resynchronise later or earlier. For those files only, and per connection
# only, up to MIDSTREAM_SKIP leading PDUs may be skipped on ONE side (not
# both: that would hide a difference in the middle); the rest must be
# identical and non-empty. Every other capture must match
# exactly.
#
# Exit 0 all match, 77 when tshark is missing, 1 with the diff otherwise.
# `-p PORT` files: a capture named *-pPORT.pcapng is decoded on PORT.
set -u
export LC_ALL=C
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
MIDSTREAM="midsession.pcapng"
MIDSTREAM_SKIP=3

command -v tshark >/dev/null 2>&1 || { echo "tshark not installed"; exit 77; }
[ -x "$build/iscsiwatch" ] || { echo "no $build/iscsiwatch (run make)"; exit 1; }

# Our --pdus lines -> "A B OPNAME" (fields: time conn dir src dst op ...).
ours_norm() {
	awk '
	NF >= 6 {
		src = $4; dst = $5
		key = (src < dst) ? src " " dst : dst " " src
		print key, $6
	}' | sort -s -k1,2
}

# "A B OPNAME" -> "A B>I|>T OPNAME", stable-sorted by connection and
# direction. Only the order within one direction is the protocol's: how
# the two directions interleave depends on when each decoder decides a
# PDU is complete (a resynchronising framer confirms a header only when
# the next one arrives), so the lists are compared per direction. The
# direction comes from the opcode (initiator opcodes have bit 0x20 clear).
by_direction() {
	awk '
	BEGIN { n = split("NOP_OUT SCSI_CMD TMF_REQ LOGIN_REQ TEXT_REQ DATA_OUT LOGOUT_REQ SNACK_REQ", a, " ")
		for (i = 1; i <= n; i++) ini[a[i]] = 1 }
	{ print $1, $2 (($3 in ini) ? ">T" : ">I"), $3 }' | sort -s -k1,2
}

# conn_ops LIST KEY : the opcodes of one connection, one per line.
conn_ops() {
	awk -v k="$2" '$1 " " $2 == k { print $3 }' "$1"
}

# midstream_match A B : 0 when A[i:] == B[j:] with i == 0 or j == 0 (only
# ONE side may drop leading PDUs: tshark skips the orphan tail, iscsiwatch
# either does the same, reports extra resync PDUs first, or resyncs
# later), at most SKIP of them, and a non-empty rest. Prints the skip.
midstream_match() {
	local -a a b
	mapfile -t a <"$1"
	mapfile -t b <"$2"
	local k
	for ((k = 0; k <= MIDSTREAM_SKIP; k++)); do
		if ((${#a[@]} - k > 0 && ${#a[@]} - k == ${#b[@]})) && [ "${a[*]:k}" = "${b[*]}" ]; then
			echo "tshark-skip=$k ours-skip=0"
			return 0
		fi
		if ((${#b[@]} - k > 0 && ${#b[@]} - k == ${#a[@]})) && [ "${a[*]}" = "${b[*]:k}" ]; then
			echo "tshark-skip=0 ours-skip=$k"
			return 0
		fi
	done
	return 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for cap in "$root"/captures/*.pcapng; do
	[ -e "$cap" ] || continue
	name=$(basename "$cap")
	n=$((n + 1))
	port=3260
	case $name in *-p[0-9]*.pcapng) port=${name##*-p}; port=${port%.pcapng} ;; esac
	"$root/tests/tshark-pdus.sh" -p "$port" "$cap" >"$tmp/ref" 2>"$tmp/ref.err" || {
		echo "FAIL $name: tshark-pdus.sh failed"; cat "$tmp/ref.err"; fail=1; continue; }
	if ! "$build/iscsiwatch" -r "$cap" -p "$port" --pdus >"$tmp/raw" 2>"$tmp/ours.err"; then
		echo "FAIL $name: iscsiwatch -r --pdus failed"; tail -n 5 "$tmp/ours.err"; fail=1; continue
	fi
	ours_norm <"$tmp/raw" | by_direction >"$tmp/ours"
	by_direction <"$tmp/ref" >"$tmp/ref.dir" && mv "$tmp/ref.dir" "$tmp/ref"
	if [ ! -s "$tmp/ref" ]; then
		echo "FAIL $name: tshark found no iSCSI PDU"; fail=1; continue
	fi
	if cmp -s "$tmp/ref" "$tmp/ours"; then
		echo "ok   $name ($(wc -l <"$tmp/ref") PDUs)"
		continue
	fi
	if [[ " $MIDSTREAM " != *" $name "* ]]; then
		echo "FAIL $name: PDU lists differ (< tshark, > iscsiwatch)"
		diff "$tmp/ref" "$tmp/ours" | head -n 40
		fail=1
		continue
	fi
	# Mid-session: the same connections, each matching after a short skip.
	keys_ref=$(awk '{ print $1, $2 }' "$tmp/ref" | uniq)
	keys_ours=$(awk '{ print $1, $2 }' "$tmp/ours" | uniq)
	if [ "$keys_ref" != "$keys_ours" ]; then
		echo "FAIL $name: different connections"
		diff <(echo "$keys_ref") <(echo "$keys_ours")
		fail=1
		continue
	fi
	bad=0
	while read -r key; do
		conn_ops "$tmp/ref" "$key" >"$tmp/a"
		conn_ops "$tmp/ours" "$key" >"$tmp/b"
		if how=$(midstream_match "$tmp/a" "$tmp/b"); then
			echo "ok   $name [$key] mid-session start: $how"
		else
			echo "FAIL $name [$key]: lists differ beyond the first $MIDSTREAM_SKIP PDUs"
			diff "$tmp/a" "$tmp/b" | head -n 40
			bad=1
		fi
	done <<<"$keys_ref"
	[ "$bad" -eq 0 ] || fail=1
done
[ "$n" -gt 0 ] || { echo "no captures in captures/"; exit 77; }
exit "$fail"
