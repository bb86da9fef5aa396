#!/bin/bash
# Signals. SIGTERM at random moments of a long replay (10 times): the
# exports are always complete and parseable (JSON, MOF, NDJSON lines) and
# no temporary file is left - or, if the signal came before the handler
# was set, there is no file at all. SIGPIPE on a closed stdout
# (`| head -1`) ends quietly: exit 0 or 141, nothing on stderr.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$PWD/$B/iscsiwatch
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

# A long replay: a generated 64 MiB capture (bench/gen-capture.c) read
# 64 times (about 1.5 s), else the captures read 64 times.
args=()
if cc -O2 -o "$T/gen" bench/gen-capture.c 2>/dev/null &&
	"$T/gen" -o "$T/big.pcap" -m 1448 -s 67108864 -c 8 >/dev/null; then
	for i in $(seq 64); do args+=(-r "$T/big.pcap"); done
else
	for i in $(seq 64); do args+=(-r captures/midsession.pcapng); done
fi

check_outputs() { # tag
	python3 - "$T/out" "$1" <<'PY'
import json, os, re, sys
d, tag = sys.argv[1], sys.argv[2]
names = os.listdir(d)
bad = [n for n in names if ".tmp" in n]
if bad:
    sys.exit("%s: temporary files left: %s" % (tag, bad))
if "s.json" in names:
    doc = json.load(open(os.path.join(d, "s.json")))
    assert "sessions" in doc and "capture" in doc, "JSON incomplete"
    names.append("(%d packets read)" % doc["capture"]["counters"]["packets"])
if "s.mof" in names:
    mof = open(os.path.join(d, "s.mof")).read()
    # every instance closed: as many "instance of" as closing "};"
    n_inst = len(re.findall(r"^instance of ", mof, re.M))
    n_end = len(re.findall(r"^};", mof, re.M))
    assert n_inst == n_end, "MOF cut: %d instances, %d ends" % (n_inst, n_end)
if "e.ndjson" in names:
    data = open(os.path.join(d, "e.ndjson")).read()
    assert data == "" or data.endswith("\n"), "NDJSON ends mid-line"
    for line in data.splitlines():
        json.loads(line)
if ("s.json" in names) != ("s.mof" in names):
    sys.exit("%s: one export written, not the other: %s" % (tag, names))
print("ok   %s: %s" % (tag, " ".join(names) or "no files (killed before the handler)"))
PY
}

start=$(date +%s%N)
"$BIN" "${args[@]}" --json "$T/full.json" >/dev/null 2>&1
echo "a whole replay: $(( ($(date +%s%N) - start) / 1000000 )) ms," \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["counters"]["packets"])' "$T/full.json") packets"
for i in $(seq 10); do
	rm -rf "$T/out"; mkdir "$T/out"
	(cd "$T/out" && exec "$BIN" "${args[@]}" --json s.json --mof s.mof \
		--events e.ndjson >/dev/null 2>"$T/err") &
	pid=$!
	sleep "$(( RANDOM % 2 )).$(( RANDOM % 10 ))$(( RANDOM % 10 + 1 ))"
	kill -TERM $pid 2>/dev/null
	wait $pid
	rc=$?
	case $rc in
	0 | 143) ;;
	*) echo "FAIL run $i: exit $rc: $(head -c 300 "$T/err")"; fail=1 ;;
	esac
	check_outputs "SIGTERM run $i (exit $rc)" || fail=1
done

# SIGPIPE: the reader goes away after one line.
for out in "--pdus" "--json -" "--events -" "--mof -" ""; do
	# shellcheck disable=SC2086
	"$BIN" "${args[@]:0:8}" $out 2>"$T/err" | head -1 >/dev/null
	rc=${PIPESTATUS[0]}
	if { [ "$rc" -ne 0 ] && [ "$rc" -ne 141 ]; } || [ -s "$T/err" ]; then
		echo "FAIL '${out:-table}' | head -1: exit $rc, stderr: $(head -c 300 "$T/err")"
		fail=1
	else
		echo "ok   '${out:-table}' | head -1: exit $rc, quiet"
	fi
done
exit $fail
