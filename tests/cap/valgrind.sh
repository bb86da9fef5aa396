#!/bin/bash
# valgrind on every capture with every export: no leak, no invalid access.
# Each run is independent and CPU-bound under valgrind, so the captures
# are shared round-robin among VALGRIND_JOBS workers (default: one per
# CPU), each with its own scratch folder; the lines come out in capture
# order.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 77; }
case $B in *san*) echo "valgrind does not run ASan builds ($B)"; exit 77 ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
caps=()
for cap in captures/*.pcap* captures/crafted/*.pcap* tests/regress/pcap/*.pcap; do
	[ -f "$cap" ] && caps+=("$cap")
done

# check_one N CAP: the N-th capture under valgrind, in folder $T/N; its
# verdict (ok/FAIL lines) in $T/N.log, and $T/N.fail when it failed.
check_one() {
	local n=$1 cap=$2 d=$T/$1 rc
	mkdir "$d"
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible \
		"$B/iscsiwatch" -r "$cap" --json "$d/o.json" --mof "$d/o.mof" \
		--events "$d/o.ndjson" --pdus >/dev/null 2>"$d/vg"
	rc=$?
	if [ $rc -eq 99 ] || grep -q '^==[0-9]*==' "$d/vg"; then
		{ echo "FAIL $cap:"; grep '^==' "$d/vg" | head -30; } >"$T/$n.log"
		: >"$T/$n.fail"
	else
		echo "ok   $cap (exit $rc)" >"$T/$n.log"
	fi
	rm -rf "$d"
}
jobs=${VALGRIND_JOBS:-$(nproc 2>/dev/null || echo 2)}
for ((w = 0; w < jobs; w++)); do
	(
		for ((n = w; n < ${#caps[@]}; n += jobs)); do
			check_one "$n" "${caps[$n]}"
		done
	) &
done
wait
for ((n = 0; n < ${#caps[@]}; n++)); do
	if [ ! -e "$T/$n.log" ]; then
		echo "FAIL ${caps[$n]}: not checked (its worker died)"; fail=1
		continue
	fi
	cat "$T/$n.log"
	[ -e "$T/$n.fail" ] && fail=1
done
exit $fail
