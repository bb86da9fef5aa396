#!/bin/bash
# Runs every test script in a folder with the build folder as argument.
# A script exits 0 (pass), 77 (skipped: it says why) or anything else (fail).
# Prints "N passed, N failed, N skipped" and fails when any failed.
#
# RUN_JOBS=N runs up to N scripts at a time (default 1: the peer tests
# share port 3260 and the loopback capture, so tests/peers.sh keeps one).
# Each script has its own log, printed when it ends, so the lines of two
# scripts never mix. A script that must have the machine to itself (it
# binds a fixed port, or measures time) says so with a line
#   # run-scripts: alone
# and runs when nothing else does. RUN_FIRST="a b" starts those scripts
# before the others (the long ones: the short ones then fill the gaps).
set -u
dir=$1 build=$2
jobs=${RUN_JOBS:-1}
# Waiting for whichever script ends first (wait -n -p) needs bash 5.1.
if [ "${BASH_VERSINFO[0]}${BASH_VERSINFO[1]}" -lt 51 ]; then jobs=1; fi
pass=0 fail=0 skip=0 failed=()

# The scripts: RUN_FIRST's, then the rest in name order.
scripts=()
for n in ${RUN_FIRST:-}; do
	[ -e "$dir/$n.sh" ] && scripts+=("$dir/$n.sh")
done
for t in "$dir"/*.sh; do
	[ -e "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue # shared functions, not a test
	case " ${RUN_FIRST:-} " in *" $(basename "$t" .sh) "*) continue ;; esac
	scripts+=("$t")
done

declare -A name_of log_of start_of
running=0

# finish: waits for one running script and reports it.
finish() {
	local pid rc name log secs
	if [ "$running" -eq 1 ]; then
		# One script: wait for it by its id (wait -p needs bash 5.1).
		pid=${!name_of[*]}
		wait "$pid"
	else
		wait -n -p pid
	fi
	rc=$?
	name=${name_of[$pid]} log=${log_of[$pid]}
	secs=$(( $(date +%s) - ${start_of[$pid]} ))
	unset "name_of[$pid]" "log_of[$pid]" "start_of[$pid]"
	running=$((running - 1))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name (exit $rc)"; sed 's/^/    /' "$log" | tail -n 40 ;;
	esac
	rm -f "$log"
}

for t in "${scripts[@]}"; do
	alone=0
	grep -q '^# run-scripts: alone' "$t" && alone=1
	limit=$jobs
	[ $alone -eq 1 ] && limit=1
	while [ "$running" -ge "$limit" ]; do finish; done
	log=$(mktemp)
	bash "$t" "$build" </dev/null >"$log" 2>&1 &
	name_of[$!]=$(basename "$t" .sh) log_of[$!]=$log start_of[$!]=$(date +%s)
	running=$((running + 1))
	# Nothing starts beside a script that runs alone.
	[ $alone -eq 1 ] && finish
done
while [ "$running" -gt 0 ]; do finish; done
echo "$(basename "$dir"): $pass passed, $fail failed, $skip skipped${failed[*]:+ (failed: ${failed[*]})}"
[ "$fail" -eq 0 ]
