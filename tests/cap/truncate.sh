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
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$B/iscsiwatch
[ -x "$BIN" ] || { echo "no $BIN"; exit 2; }
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
fail=0
runs=0

check_one() { # file tag
	local f=$1 tag=$2 rc
	"$BIN" -r "$f" --json "$T/out.json" >/dev/null 2>"$T/err"
	rc=$?
	runs=$((runs + 1))
	local lines
	lines=$(wc -l <"$T/err")
	if [ $rc -ge 128 ]; then
		echo "FAIL $tag: killed by signal $((rc - 128))"; fail=1
	elif [ $rc -eq 0 ]; then
		if [ "$lines" -gt 1 ] || { [ "$lines" -eq 1 ] && ! grep -q truncated "$T/err"; }; then
			echo "FAIL $tag: stderr: $(head -c 300 "$T/err")"; fail=1
		fi
		if [ ! -s "$T/out.json" ]; then
			echo "FAIL $tag: exit 0 without JSON"; fail=1
		else
			mv "$T/out.json" "$T/json/$runs.json"
		fi
	elif [ $rc -eq 1 ]; then
		if [ "$lines" -ne 1 ] || ! grep -qE 'truncated|not a pcap|no Interface Description' "$T/err"; then
			echo "FAIL $tag: exit 1 with: $(head -c 300 "$T/err")"; fail=1
		fi
		[ -e "$T/out.json" ] && { echo "FAIL $tag: JSON written on error"; fail=1; }
	else
		echo "FAIL $tag: exit $rc: $(head -c 300 "$T/err")"; fail=1
	fi
	rm -f "$T/out.json"
}

mkdir -p "$T/json"
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
		head -c "$off" "$cap" >"$T/cut"
		check_one "$T/cut" "$cap cut at $off"
	done
done

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
