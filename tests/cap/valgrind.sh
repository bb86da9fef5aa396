#!/bin/bash
# valgrind on every capture with every export: no leak, no invalid access.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 77; }
case $B in *san*) echo "valgrind does not run ASan builds ($B)"; exit 77 ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for cap in captures/*.pcap* captures/crafted/*.pcap* tests/regress/pcap/*.pcap; do
	[ -f "$cap" ] || continue
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible \
		"$B/iscsiwatch" -r "$cap" --json "$T/o.json" --mof "$T/o.mof" \
		--events "$T/o.ndjson" --pdus >/dev/null 2>"$T/vg"
	rc=$?
	if [ $rc -eq 99 ] || grep -q '^==[0-9]*==' "$T/vg"; then
		echo "FAIL $cap:"; grep '^==' "$T/vg" | head -30; fail=1
	else
		echo "ok   $cap (exit $rc)"
	fi
	rm -f "$T"/o.*
done
exit $fail
