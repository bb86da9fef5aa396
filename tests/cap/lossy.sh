#!/bin/bash
# tests/cap/lossy.sh BUILD - framing on a mirror port that drops under load.
# bench/gen-capture.c writes 32 MiB of 8 iSCSI sessions (logins, READs and
# WRITEs of up to 256 KiB, PDUs straddling 1448-byte segments);
# bench/drop-segments.c leaves out 12 % of the data segments (fixed seed),
# as a SPAN port does. The same is done to a cut of the capture that starts
# after every login (editcap -r), where the digest modes must be guessed.
# For each pair:
#  - every PDU iscsiwatch frames on the lossy copy is one the clean copy
#    has (same connection, direction, opcode, ITT, length and flags; as
#    multisets): a resync never makes up a PDU;
#  - it frames at least 84 % of the clean copy's PDUs. The PDUs whose
#    header was in a dropped segment are lost whatever the framer does;
#    the rest are lost only while a resync looks for its footing. This
#    code frames 86 % on both; the framer that dropped its resync
#    candidates at every later hole framed 73 %.
# Exit 0 when both hold, 77 without editcap (wireshark-common), 1 otherwise.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
command -v editcap >/dev/null || {
	echo "skip: editcap (wireshark-common) not installed"
	exit 77
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck disable=SC2046 # pkg-config output split on purpose
{
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$T/gen" bench/gen-capture.c &&
		${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libpcap) \
			-o "$T/drop" bench/drop-segments.c $(pkg-config --libs libpcap)
} || { echo "FAIL: building the capture tools"; exit 1; }
"$T/gen" -o "$T/clean.pcap" -m 1448 -s 33554432 -c 8 -S 0x5eed >/dev/null ||
	{ echo "FAIL: gen-capture"; exit 1; }
# Packet 3000 is past the 8 logins (each a handful of packets at the start).
editcap -r "$T/clean.pcap" "$T/mid.pcap" 3000-9999999 || exit 1

# pdus FILE: the PDU list without time stamps and digest words (a PDU
# whose data a hole took says dd=lost), sorted.
pdus() {
	"$B/iscsiwatch" -r "$1" --pdus 2>"$T/err" | cut -d' ' -f2- |
		sed -E 's/ hd=[a-z]+ dd=[a-z]+$//' | sort
}

rc=0
for v in clean mid; do
	"$T/drop" "$T/$v.pcap" "$T/$v-drop.pcap" 12 >"$T/dropped" || exit 1
	pdus "$T/$v.pcap" >"$T/a" || { cat "$T/err"; exit 1; }
	pdus "$T/$v-drop.pcap" >"$T/b" || { cat "$T/err"; exit 1; }
	na=$(wc -l <"$T/a")
	nb=$(wc -l <"$T/b")
	extra=$(comm -13 "$T/a" "$T/b" | wc -l)
	pct=$((nb * 100 / (na > 0 ? na : 1)))
	echo "$v: $(cat "$T/dropped"); $nb of $na PDUs framed ($pct %), $extra not in the clean copy"
	if [ "$na" -lt 1000 ]; then
		echo "FAIL $v: only $na PDUs in the clean copy"
		rc=1
	fi
	if [ "$extra" -ne 0 ]; then
		echo "FAIL $v: PDUs the clean copy does not have:"
		comm -13 "$T/a" "$T/b" | head -5
		rc=1
	fi
	if [ $((nb * 100)) -lt $((na * 84)) ]; then
		echo "FAIL $v: $pct % of the PDUs framed (at least 84 % expected)"
		rc=1
	fi
done
exit $rc
