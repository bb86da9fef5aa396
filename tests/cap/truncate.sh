#!/bin/bash
# Every capture cut at many byte offsets, and hostile files: no crash, a
# one-line message, and - when a packet could be read - a valid JSON
# export of what was seen up to the cut. The cuts: every offset of the
# first 200 bytes of one pcap and one pcapng file, a few header offsets
# for the others, and 50 spread over each file (20 under the sanitizers).
#
# Policy checked for a cut file:
#   exit 0: --json output parses; stderr is empty (cut on a record
#           boundary) or one line saying "truncated";
#   exit 1: only when the file header itself is cut: one line on stderr
#           ("truncated capture file header" / "not a pcap or pcapng file").
# Anything else (a signal, exit 2, several lines, a bad JSON) fails.
#
# The ~3,600 cuts are independent runs of a few milliseconds of analysis
# each (most of a run is loading the program and its libraries), so they
# are shared round-robin among TRUNCATE_JOBS workers (default: one per
# CPU) with a scratch folder each; every failure is printed with its cut.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$B/iscsiwatch
[ -x "$BIN" ] || { echo "no $BIN"; exit 2; }
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
fail=0
runs=0

# check_one FILE TAG, in one worker (wid) with its scratch folder W. A
# valid export stays in $T/json/, named by worker and run, for the one
# parse at the end. Only the program is run per cut: the checks are shell
# built-ins (a fork costs as much as a short run's analysis).
check_one() { # file tag
	local f=$1 tag=$2 rc json line lines=0 text=
	json=$T/json/$wid-$runs.json
	"$BIN" -r "$f" --json "$json" >/dev/null 2>"$W/err"
	rc=$?
	runs=$((runs + 1))
	# stderr's text and its number of lines (as wc -l counts them)
	while IFS= read -r line || { text+=$line; false; }; do
		lines=$((lines + 1)) text+=$line$'\n'
	done <"$W/err"
	text=${text%$'\n'}
	if [ $rc -ge 128 ]; then
		echo "FAIL $tag: killed by signal $((rc - 128))"; fail=1
	elif [ $rc -eq 0 ]; then
		if [ "$lines" -gt 1 ] || { [ "$lines" -eq 1 ] && [[ $text != *truncated* ]]; }; then
			echo "FAIL $tag: stderr: ${text:0:300}"; fail=1
		fi
		if [ ! -s "$json" ]; then
			echo "FAIL $tag: exit 0 without JSON"; fail=1
		else
			return 0 # kept for the parse
		fi
	elif [ $rc -eq 1 ]; then
		if [ "$lines" -ne 1 ] || ! [[ $text =~ truncated|not\ a\ pcap|no\ Interface\ Description ]]; then
			echo "FAIL $tag: exit 1 with: ${text:0:300}"; fail=1
		fi
		[ -e "$json" ] && { echo "FAIL $tag: JSON written on error"; fail=1; }
	else
		echo "FAIL $tag: exit $rc: ${text:0:300}"; fail=1
	fi
	if [ -e "$json" ]; then rm -f "$json"; fi
}

mkdir -p "$T/json"
# The cut list, one "OFFSET FILE" line per run.
ncaps=0
for cap in captures/*.pcap* captures/crafted/*.pcap*; do
	case $cap in *not-a-capture*) continue ;; esac
	ncaps=$((ncaps + 1))
	size=$(stat -c %s "$cap")
	# Every header offset for one file of each format (pcap, pcapng);
	# the header code is the same for all files, so the others get a
	# few header cuts (file header, first record header, first packet)
	# and their cuts spread over the body, where their content differs.
	# Under the sanitizers (a build folder named *san*) each run costs
	# several times more and the body gets 20 cuts instead of 50.
	case $cap in
	captures/demo.pcapng | captures/crafted/eth-plain.pcap) hdr=$(seq 0 199) ;;
	*) hdr="0 12 24 30 40 56 80 120 160" ;;
	esac
	spread=50
	case $B in *san*) spread=20 ;; esac
	offs=$(printf '%s\n' $hdr; for i in $(seq 1 $spread); do echo $((size * i / (spread + 1))); done)
	for off in $(printf '%s\n' $offs | sort -nu); do
		[ "$off" -ge "$size" ] && continue
		echo "$off $cap"
	done
done >"$T/cuts"
# The cut files, made by one process (not one `head` per cut).
mkdir "$T/cut.d"
python3 - "$T" <<'PY' || exit 2
import sys
t = sys.argv[1]
whole = {}
for n, line in enumerate(open(t + "/cuts")):
    off, cap = line.rstrip("\n").split(" ", 1)
    if cap not in whole:
        whole[cap] = open(cap, "rb").read()
    with open("%s/cut.d/%d" % (t, n), "wb") as f:
        f.write(whole[cap][:int(off)])
PY

# worker ID N: every Nth cut from the ID-th on. Prints its FAIL lines,
# then "runs R" and "fail F" for the totals.
worker() {
	local wid=$1 n=$2 i=-1 off cap
	W=$T/w$wid
	mkdir -p "$W"
	runs=0 fail=0
	while read -r off cap; do
		i=$((i + 1))
		[ $((i % n)) -eq "$wid" ] || continue
		check_one "$T/cut.d/$i" "$cap cut at $off"
	done <"$T/cuts"
	echo "runs $runs"
	echo "fail $fail"
}
jobs=${TRUNCATE_JOBS:-$(nproc 2>/dev/null || echo 2)}
for ((w = 0; w < jobs; w++)); do
	worker "$w" "$jobs" >"$T/w$w.log" 2>&1 &
done
wait
for ((w = 0; w < jobs; w++)); do
	grep -v '^runs \|^fail ' "$T/w$w.log"
	r=$(sed -n 's/^runs //p' "$T/w$w.log")
	f=$(sed -n 's/^fail //p' "$T/w$w.log")
	# A worker that did not get to its totals died: that is a failure too.
	if [ -z "$r" ] || [ -z "$f" ]; then
		echo "FAIL worker $w ended early"; fail=1
	else
		runs=$((runs + r))
		[ "$f" -eq 0 ] || fail=1
	fi
done
[ "$runs" -eq "$(wc -l <"$T/cuts")" ] ||
	{ echo "FAIL $runs runs for $(wc -l <"$T/cuts") cuts"; fail=1; }

# Every JSON written must parse (one python for all of them: fast).
python3 - "$T/json" <<'PY' || fail=1
import json, os, sys
d = sys.argv[1]
bad = 0
for n in os.listdir(d):
    try:
        doc = json.load(open(os.path.join(d, n)))
        assert "sessions" in doc and "capture" in doc, "keys"
    except Exception as e:
        print("FAIL invalid JSON export:", n, e)
        bad += 1
print("%d JSON exports parsed" % len(os.listdir(d)))
sys.exit(1 if bad else 0)
PY

# Hostile files: exactly one line on stderr, exit 1, no crash.
hostile() { # tag, then the command's arguments
	local tag=$1; shift
	"$@" >/dev/null 2>"$T/err"
	local rc=$? lines
	lines=$(wc -l <"$T/err")
	if [ $rc -ne 1 ] || [ "$lines" -ne 1 ]; then
		echo "FAIL $tag: exit $rc, stderr: $(head -c 300 "$T/err")"; fail=1
	else
		echo "ok   $tag: $(cat "$T/err")"
	fi
}
: >"$T/empty"
head -c 4096 /dev/urandom >"$T/garbage"
printf '\xd4\xc3\xb2\xa1garbage after a pcap magic' >"$T/magic"
printf '\x0a\x0d\x0d\x0a\xff\xff\xff\xff' >"$T/ngmagic"
mkdir "$T/dir"
hostile "empty file" "$BIN" -r "$T/empty"
hostile "random bytes" "$BIN" -r "$T/garbage"
hostile "pcap magic then garbage" "$BIN" -r "$T/magic"
hostile "pcapng magic then garbage" "$BIN" -r "$T/ngmagic"
hostile "text file" "$BIN" -r captures/crafted/not-a-capture.pcap
hostile "a directory" "$BIN" -r "$T/dir"
hostile "a missing file" "$BIN" -r "$T/no-such-file"
cp captures/crafted/eth-plain.pcap "$T/unreadable"
chmod 000 "$T/unreadable"
if [ "$(id -u)" -ne 0 ]; then
	hostile "an unreadable file" "$BIN" -r "$T/unreadable"
elif command -v setpriv >/dev/null; then
	chmod 711 "$T" # nobody must reach the file (never touch /tmp itself)
	hostile "an unreadable file (as nobody)" setpriv --reuid=nobody \
		--regid=nogroup --clear-groups "$BIN" -r "$T/unreadable"
else
	echo "skip an unreadable file: running as root without setpriv"
fi

echo "$ncaps captures, $runs cut files"
exit $fail
