#!/bin/bash
# Replays every fuzzer finding kept under tests/regress/<target>/ through
# the normal (or SAN=1) build: framer, login, cimxml and textsafe inputs
# (cimxml and textsafe also replay their seeds, fuzz/cimxml/ and
# fuzz/textsafe/) through
# build/tools/fuzz-replay-<target> (the fuzz target without libFuzzer),
# pcap inputs through `iscsiwatch -r FILE --json` (exit 0 or 1, one line
# of error at most, and a JSON that parses when written).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for t in framer login pcap cimxml textsafe; do
	tool=$B/tools/fuzz-replay-$t
	[ -x "$tool" ] || { echo "FAIL: no $tool"; exit 1; }
	dirs=$(ls -d tests/regress/$t fuzz/$t 2>/dev/null)
	[ -n "$dirs" ] || continue
	n=$(find $dirs -type f ! -name README.md 2>/dev/null | wc -l)
	[ "$n" -eq 0 ] && continue
	out=$(find $dirs -type f ! -name README.md -print0 |
		xargs -0 "$tool" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL $t replay (exit $rc): $(echo "$out" | tail -5)"; fail=1
	else
		echo "ok   $t: $out"
	fi
done
for f in tests/regress/pcap/*; do
	[ -f "$f" ] || continue
	case $f in *.md) continue ;; esac
	"$B/iscsiwatch" -r "$f" --json "$T/o.json" --mof "$T/o.mof" \
		--events "$T/o.ndjson" >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc -gt 1 ] || [ "$(wc -l <"$T/err")" -gt 1 ]; then
		echo "FAIL $f: exit $rc: $(head -c 300 "$T/err")"; fail=1
	elif [ $rc -eq 0 ] && ! python3 -m json.tool "$T/o.json" >/dev/null; then
		echo "FAIL $f: invalid JSON"; fail=1
	fi
	rm -f "$T"/o.*
done
exit $fail
