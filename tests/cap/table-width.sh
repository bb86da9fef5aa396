#!/bin/bash
# tests/cap/table-width.sh BUILD - the session table fits the terminal
# (issue 14): on a tmux terminal of 80 columns (COLUMNS=80 and the
# terminal's own size) no line of the table is wider than 80, every
# initiator's unique part and every failed login's reason is there, and
# both sections cut a name the same way; piped, the table is whole and
# the same whatever COLUMNS says; --wide on the terminal prints it whole.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v tmux >/dev/null || { echo "tmux not installed (scripts/deps.sh)"; exit 77; }
IW=$root/$build/iscsiwatch
cap=captures/crafted/operator.pcap
tmp=$(mktemp -d)
SOCK=iw-table-$$
# One tmux server per run, on its own socket: a new session started
# just after kill-server can reach the old server while it exits
# ("server exited unexpectedly"), which failed this test on a busy CI.
run=0
tmx() { tmux -L "$SOCK-$run" -f /dev/null "$@"; }
trap 'tmx kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
widest() { python3 -c 'import sys; print(max((len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")), default=0))' "$1"; }

# On the terminal: the table goes to a file through `script`-less tmux:
# the program's stdout is the pane; capture it after it ends.
run_tty() { # run_tty OUT [env and options...]
	local out=$1
	shift
	tmx kill-server 2>/dev/null
	run=$((run + 1)) # a new server: never one still exiting
	rm -f "$tmp/done"
	tmx new-session -d -x 80 -y 100 -s t \
		"cd '$root' && env $* LANG=C.UTF-8 '$IW' -r $cap ${WIDE:-}; touch '$tmp/done'; sleep 30"
	for ((i = 0; i < 100; i++)); do [ -e "$tmp/done" ] && break; sleep 0.1; done
	tmx capture-pane -p -J -t t -S 0 -E 99 | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$out"
}

for how in "COLUMNS=80" "-u COLUMNS"; do
	run_tty "$tmp/tty.txt" "$how"
	w=$(widest "$tmp/tty.txt")
	[ "$w" -le 80 ] && [ "$w" -ge 60 ] && pass "terminal ($how): widest line $w <= 80" ||
		{ cat "$tmp/tty.txt"; fail "terminal ($how): widest line $w"; }
	for u in esx15.corp.example.com esx16.corp.example.com sql-node-a.corp.example.com \
		backup07.corp.example.com esx-host-17-6d1f2b3c eui.02004567A425678D \
		'auth 0x0201' 'no target 0x0203' 'no response' 'Stopped +lost'; do
		grep -Eq -- "$u" "$tmp/tty.txt" || fail "terminal ($how): '$u' missing"
	done
done
# The same session's row in both sections starts with the same cut name.
a=$(grep -m1 'backup07' "$tmp/tty.txt" | cut -c1-30)
b=$(grep 'backup07' "$tmp/tty.txt" | sed -n 2p | cut -c1-30)
[ -n "$a" ] && [ "$a" = "$b" ] && pass "both sections cut backup07 as '$a'" || fail "cuts differ: '$a' / '$b'"

# Piped: whole, whatever COLUMNS says.
COLUMNS=80 "$IW" -r "$cap" >"$tmp/p80.txt"
COLUMNS=300 "$IW" -r "$cap" >"$tmp/p300.txt"
env -u COLUMNS "$IW" -r "$cap" >"$tmp/pnone.txt"
if cmp -s "$tmp/p80.txt" "$tmp/p300.txt" && cmp -s "$tmp/p80.txt" "$tmp/pnone.txt"; then
	pass "piped output does not depend on COLUMNS (widest $(widest "$tmp/p80.txt"))"
else
	fail "piped output changes with COLUMNS"
fi
grep -q 'iqn.1991-05.com.microsoft:sql-node-a.corp.example.com' "$tmp/p80.txt" &&
	grep -q 'FIRSTBURST' "$tmp/p80.txt" && pass "piped: names and columns whole" || fail "piped output cut"

# --wide on the terminal: whole, like the pipe (the pane wraps it).
WIDE=--wide run_tty "$tmp/wide.txt" "COLUMNS=80"
grep -q 'iqn.1991-05.com.microsoft:sql-node-a.corp.example.com' "$tmp/wide.txt" &&
	pass "--wide on a terminal prints names whole" || { cat "$tmp/wide.txt"; fail "--wide"; }
echo "$fails failures"
[ "$fails" = 0 ]
