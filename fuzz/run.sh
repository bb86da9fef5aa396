#!/bin/bash
# fuzz/run.sh BUILD-FUZZ-DIR - runs each libFuzzer target for FUZZ_SECONDS
# (default 60) on a corpus seeded from captures/, tests/regress/ and, for
# the WBEM endpoint, the request documents in fuzz/cimxml/; the text
# escaper (textsafe) from the hostile names in fuzz/textsafe/.
#
# Working corpora live in BUILD-FUZZ-DIR/corpus/<target> (never committed);
# crashes, leaks and timeouts are written to BUILD-FUZZ-DIR/artifacts/.
# A target that finds one fails the run: minimise it
#   BUILD-FUZZ-DIR/fuzz_X -minimize_crash=1 -runs=10000 ARTIFACT
# copy the result to tests/regress/<target>/ and fix the bug.
# Prints one line per target: executions, execs/s, corpus size, verdict.
# FUZZ_JOBS targets (default: one per CPU) fuzz at the same time, each on
# its own core for its whole FUZZ_SECONDS; the lines come in target order.
set -u
B=${1:-build-fuzz}
S=${FUZZ_SECONDS:-60}
cd "$(dirname "$0")/.." || exit 2
TARGETS=${FUZZ_TARGETS:-"framer login pcap cimxml net textsafe"}

# Seed corpora from the captures (the tool links the plain engine build).
if [ ! -x "$B/seeds" ] || [ fuzz/seeds.c -nt "$B/seeds" ]; then
	make -s build/libiscsiwatch.a >/dev/null || exit 2
	cc -std=c11 -D_GNU_SOURCE -O1 -Iinclude -o "$B/seeds" fuzz/seeds.c \
		build/libiscsiwatch.a -lpcap || exit 2
fi
rm -rf "$B/seeds.d"
mkdir -p "$B/seeds.d/pcap" "$B/seeds.d/framer" "$B/seeds.d/login" "$B/seeds.d/net" "$B/artifacts"
"$B/seeds" "$B/seeds.d" captures/*.pcap* captures/crafted/*.pcap* || exit 2
cp -r fuzz/cimxml "$B/seeds.d/cimxml"
cp -r fuzz/textsafe "$B/seeds.d/textsafe"

# fuzz_one TARGET: fuzzes it, writes its line to $B/fuzz_TARGET.verdict
# (and what failed after it); exits 1 when the fuzzer found something.
fuzz_one() {
	local t=$1 bin corpus regress dict maxlen log rc execs rate files verdict
	bin="$B/fuzz_$t"
	corpus="$B/corpus/$t"
	mkdir -p "$corpus"
	regress=()
	[ -d "tests/regress/$t" ] && regress=("tests/regress/$t")
	dict=fuzz/iscsi.dict
	case $t in
	pcap | net) maxlen=65536 ;;
	cimxml) maxlen=16384 dict=fuzz/cimxml.dict ;;
	textsafe) maxlen=4096 dict=fuzz/textsafe.dict ;;
	*) maxlen=16384 ;;
	esac
	log="$B/fuzz_$t.log"
	"$bin" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 \
		-max_len=$maxlen -dict=$dict -print_final_stats=1 \
		-artifact_prefix="$B/artifacts/$t-" \
		"$corpus" "$B/seeds.d/$t" "${regress[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	files=$(find "$corpus" -type f | wc -l)
	if [ $rc -eq 0 ]; then
		verdict=ok
	else
		verdict="FAILED (exit $rc; see $log and $B/artifacts/)"
	fi
	{
		printf '%-7s %10s execs %7s/s  corpus %5s  %ss  %s\n' "$t" \
			"${execs:-?}" "${rate:-?}" "$files" "$S" "$verdict"
		[ $rc -eq 0 ] || grep -m3 -E "ERROR|SUMMARY|runtime error" "$log" | sed 's/^/    /'
	} >"$B/fuzz_$t.verdict"
	[ $rc -eq 0 ]
}

jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
running=0
for t in $TARGETS; do
	rm -f "$B/fuzz_$t.verdict"
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz_one "$t" &
	running=$((running + 1))
done
wait
# The verdicts, in target order; a target without one did not finish.
fail=0
for t in $TARGETS; do
	if [ -s "$B/fuzz_$t.verdict" ]; then
		cat "$B/fuzz_$t.verdict"
		grep -q ' ok$' "$B/fuzz_$t.verdict" || fail=1
	else
		echo "$t: FAILED (no verdict; see $B/fuzz_$t.log)"
		fail=1
	fi
done
exit $fail
