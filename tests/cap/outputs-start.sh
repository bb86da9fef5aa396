#!/bin/bash
# Outputs are checked when the command starts, not at exit: a path that
# cannot be written (as the -Z user too), a folder, two outputs to one
# file or two on stdout give one line and exit 2 before any packet is
# read (nothing on stdout, no file made). Also: bad options give one
# usage line and a --help hint, and every message says "iscsiwatch:"
# (never the path it was run by).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$PWD/$B/iscsiwatch
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T" # the -Z user must reach the folders below
fail=0
CAP=captures/demo.pcapng

# refused TAG WANT-IN-MESSAGE ARGS...: exit 2, one stderr line, nothing
# on stdout, no file left in $T/w.
refused() {
	local tag=$1 want=$2; shift 2
	rm -rf "$T/w"; mkdir -p "$T/w"; chmod 777 "$T/w"
	(cd "$T/w" && "$BIN" "$@" >"$T/out" 2>"$T/err")
	local rc=$? lines
	lines=$(wc -l <"$T/err")
	if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] || [ -s "$T/out" ] ||
		! grep -q -- "$want" "$T/err" || [ -n "$(ls "$T/w")" ]; then
		echo "FAIL: $tag: exit $rc, $lines line(s), stdout $(wc -c <"$T/out") bytes, files: $(ls "$T/w")"
		sed 's/^/    /' "$T/err"; fail=1
	else
		echo "ok   $tag: $(cat "$T/err")"
	fi
}

refused "folder missing" "no folder /nonexistent/d" -r "$PWD/$CAP" --json /nonexistent/d/x.json
refused "MOF folder missing" "--mof" -r "$PWD/$CAP" --mof /nonexistent/x.mof
refused "events folder missing" "--events" -r "$PWD/$CAP" --events /nonexistent/e.ndjson
refused "a folder as --json" "is a directory" -r "$PWD/$CAP" --json "$T"
refused "--pdus and --json -" "both write to stdout" -r "$PWD/$CAP" --pdus --json -
refused "--json - and --mof -" "both write to stdout" -r "$PWD/$CAP" --json - --mof -
refused "--events - and --pdus" "both write to stdout" -r "$PWD/$CAP" --events - --pdus
refused "--html - and --pdus" "both write to stdout" -r "$PWD/$CAP" --pdus --html -
refused "--html s --json s" "both write s" -r "$PWD/$CAP" --json s --html s
refused "--json s --mof s" "both write s" -r "$PWD/$CAP" --json s --mof s
refused "--json s --events s" "both write s" -r "$PWD/$CAP" --json s --events s
refused "one file, two spellings" "both write" -r "$PWD/$CAP" --json s --mof ./s
refused "empty path" "empty path" -r "$PWD/$CAP" --json ""

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -p "$T/private" "$T/open"; chmod 700 "$T/private"; chmod 777 "$T/open"
	touch "$T/open/ro.ndjson"; chmod 644 "$T/open/ro.ndjson"
	refused "-Z nobody, root's folder" "as -Z nobody" -r "$PWD/$CAP" -Z nobody --json "$T/private/x.json"
	refused "-Z nobody, events file not theirs" "as -Z nobody" -r "$PWD/$CAP" -Z nobody --events "$T/open/ro.ndjson" --json "$T/open/x.json"
	refused "-Z no such user" "no such user" -r "$PWD/$CAP" -Z iscsiwatch-no-such-user --json "$T/open/x.json"
	# The same paths are fine where nobody can write, or without -Z.
	if "$BIN" -r "$CAP" -Z nobody --json "$T/open/x.json" --events "$T/open/e.ndjson" >/dev/null 2>"$T/err" &&
		[ "$(stat -c %U "$T/open/x.json")" = nobody ] &&
		"$BIN" -r "$CAP" --json "$T/private/x.json" >/dev/null 2>>"$T/err" &&
		[ -s "$T/private/x.json" ]; then
		echo "ok   -Z nobody writes where nobody can; root writes its own folder"
	else
		echo "FAIL: writable paths refused: $(cat "$T/err")"; fail=1
	fi
else
	echo "skip the -Z checks: not root or no user nobody"
fi

# A refused output costs no capture time: a long live run is refused at
# once. (The interface does not exist: nothing is captured either way.)
start=$(date +%s%N)
"$BIN" -i iscsiwatch-none0 --duration 30 --json /nonexistent/d/x.json >/dev/null 2>"$T/err"
rc=$? ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $rc -eq 2 ] && [ $ms -lt 2000 ] && grep -q "no folder" "$T/err"; then
	echo "ok   live run refused in $ms ms"
else
	echo "FAIL: live run with a bad output: exit $rc after $ms ms: $(cat "$T/err")"; fail=1
fi

# Bad options: one line, the usage line, the hint; our name, not argv[0].
for args in "--nosuch" "-x -r $CAP" "-r" "--json" "--tui=1 -r $CAP" "-B 0 -r $CAP" ""; do
	# shellcheck disable=SC2086
	"$B/iscsiwatch" $args >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -ne 2 ] || [ -s "$T/out" ] || [ "$(wc -l <"$T/err")" -gt 3 ] ||
		grep -qv -e '^iscsiwatch: ' -e '^usage: iscsiwatch ' -e "^Try 'iscsiwatch --help'" "$T/err"; then
		echo "FAIL: iscsiwatch $args: exit $rc:"; sed 's/^/    /' "$T/err"; fail=1
	else
		echo "ok   iscsiwatch $args: $(head -1 "$T/err")"
	fi
done
"$B/iscsiwatch" --nosuch 2>&1 | grep -q "^Try 'iscsiwatch --help'" ||
	{ echo "FAIL: no --help hint after an unknown option"; fail=1; }

exit $fail
