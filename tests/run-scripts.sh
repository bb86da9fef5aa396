#!/bin/bash
# Runs every test script in a folder with the build folder as argument.
# A script exits 0 (pass), 77 (skipped: it says why) or anything else (fail).
# Prints "N passed, N failed, N skipped" and fails when any failed.
set -u
dir=$1 build=$2
pass=0 fail=0 skip=0 failed=()
for t in "$dir"/*.sh; do
	[ -e "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue # shared functions, not a test
	name=$(basename "$t" .sh)
	log=$(mktemp)
	start=$(date +%s)
	bash "$t" "$build" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name (exit $rc)"; sed 's/^/    /' "$log" | tail -n 40 ;;
	esac
	rm -f "$log"
done
echo "$(basename "$dir"): $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
