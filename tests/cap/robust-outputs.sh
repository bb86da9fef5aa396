#!/bin/bash
# Export paths that are not regular files: a FIFO (and so /dev/null, a
# terminal) is written in place - never replaced by a renamed temporary
# file - and a directory is refused at start with one line, exit 2 (bad
# use: tests/cap/outputs-start.sh has the other refusals).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
mkfifo "$T/fifo"
python3 -c 'import json,sys; json.load(open(sys.argv[1])); print("ok   JSON read from a FIFO")' "$T/fifo" &
reader=$!
"$B/iscsiwatch" -r captures/demo.pcapng --json "$T/fifo" >/dev/null 2>"$T/err" || { echo "FAIL: $(cat "$T/err")"; fail=1; }
wait $reader || { echo "FAIL: the FIFO did not carry a JSON document"; fail=1; }
[ -p "$T/fifo" ] || { echo "FAIL: the FIFO was replaced by a file"; fail=1; }
ls "$T" | grep -q '\.tmp\.' && { echo "FAIL: temporary file left"; fail=1; }
"$B/iscsiwatch" -r captures/demo.pcapng --json "$T" >/dev/null 2>"$T/../err.$$"
rc=$?
if [ $rc -ne 2 ] || [ "$(wc -l <"$T/../err.$$")" -ne 1 ]; then
	echo "FAIL: --json DIR: exit $rc: $(cat "$T/../err.$$")"; fail=1
else
	echo "ok   --json DIR: $(cat "$T/../err.$$")"
fi
rm -f "$T/../err.$$"
exit $fail
