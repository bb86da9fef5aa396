#!/bin/bash
# tests/cap/view-tmux.sh BUILD - the operator's view (issue 14) as a
# person sees it: iscsiwatch --tui replays captures/crafted/operator.pcap
# (long Microsoft-style names, failed logins, a lost session) inside a
# detached tmux at 80x24, 120x40 and 200x60. Through capture-pane: the
# unique part of every initiator name and the reason of every failed
# login are on screen; no line is wider than the terminal; F1 opens the
# help, F4 filters (and finds `auth`), F3 searches, F6 sorts, e cycles
# the state filter, Enter shows the SCSI activity (sparklines, latency
# histogram) and a negotiation table whose columns line up around long
# names, and F10 quits with status 0; when its terminal hangs up, the
# view quits and writes its export; two tenants' sessions (nvgre-tenants
# .pcap) each show their VSID in the detail view.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v tmux >/dev/null || { echo "tmux not installed (scripts/deps.sh)"; exit 77; }
IW=$root/$build/iscsiwatch
cap=$root/captures/crafted/operator.pcap
tmp=$(mktemp -d)
SOCK=iw-view-$$
# One tmux server per run, on its own socket: a new session started
# just after kill-server can reach the old server while it exits
# ("server exited unexpectedly"), which failed this test on a busy CI.
# The three sizes and the hang-up run at the same time (most of each is
# waiting for the view to redraw), each with its own server and folder.
run=
pids=()
tmx() { tmux -L "$SOCK-$run" -f /dev/null "$@"; }
trap 'for run in 80x24 120x40 200x60 hup tenants; do tmx kill-server 2>/dev/null; done; rm -rf "$tmp"' EXIT
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
pane() { tmx capture-pane -p -t iw; }
list_pane() { pane | sed '/events (/,$d'; }
wait_pane() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		pane | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
keys() { tmx send-keys -t iw "$@"; sleep 0.4; }

uniq_parts="esx15.corp.example.com esx16.corp.example.com sql-node-a.corp.example.com
backup07.corp.example.com esx-host-17-6d1f2b3c eui.02004567A425678D"
reasons="auth 0x0201|no target 0x0203|no response"

# view_size WxH (in a subshell): the checks on one terminal size. Prints
# ok/FAIL lines and exits with the number of failures.
view_size() {
	local size=$1 w h d i u r rs long
	w=${size%x*} h=${size#*x}
	run=$size d=$tmp/$size
	mkdir "$d"
	tmx new-session -d -x "$w" -y "$h" -s iw \
		"cd '$d' && LANG=C.UTF-8 TERM=screen '$IW' -r '$cap' --tui 2>iw.err; echo \$? >exit.txt; sleep 60" ||
		{ echo "FAIL $size: tmux did not start"; exit 1; }
	wait_pane '\(end\)' 10 || { pane; cat "$d/iw.err"; fail "$size: the replay did not end"; exit "$fails"; }
	sleep 0.5
	for u in $uniq_parts; do
		list_pane | grep -q -- "$u" || { list_pane; fail "$size: '$u' not on screen"; }
	done
	IFS='|' read -ra rs <<<"$reasons"
	for r in "${rs[@]}"; do
		list_pane | grep -q -- "$r" || fail "$size: reason '$r' not on screen"
	done
	list_pane | grep -Eq 'Stopped +lost' || fail "$size: the lost session's reason not on screen"
	long=$(pane | python3 -c 'import sys; w = int(sys.argv[1]); print(sum(len(l.rstrip("\n")) > w for l in sys.stdin))' "$w")
	[ "$long" = 0 ] && pass "$size: names' unique parts and reasons on screen, no line wider than $w" ||
		fail "$size: $long lines wider than $w"
	# Sorting never mangles the header: the arrow fits.
	list_pane | sed -n 2p | grep -q 'INITIATOR^' || fail "$size: header '$(list_pane | sed -n 2p)'"

	keys F1
	pane | grep -q '| help |' && pane | grep -q 'F10' && pass "$size: F1 help" || fail "$size: F1 did not open the help"
	keys Escape
	keys F4
	keys a u t h
	keys Enter
	if list_pane | grep -q 'esx16.corp.example.com' && pane | grep -q '1 shown' &&
		! list_pane | grep -q 'esx15.corp'; then
		pass "$size: F4 filter 'auth' finds the failed login only"
	else
		pane; fail "$size: filter 'auth'"
	fi
	keys c
	keys / E r r o r Enter
	pane | grep -q '3 shown' && pass "$size: / filter 'Error' (the state column)" || { pane; fail "$size: filter Error"; }
	keys c
	keys F3
	keys s q l
	pane | grep -q 'search: sql_' && pass "$size: F3 search prompt" || fail "$size: F3 search"
	keys Enter
	keys F6
	pane | grep -q 'sort TARGET' && pass "$size: F6 sorts by the next column" || fail "$size: F6"
	keys 1
	keys e
	pane | grep -q '| all' && pass "$size: e shows all sessions" || fail "$size: e did not switch the state filter"
	keys e
	list_pane | grep -q 'esx15.corp' && fail "$size: errors only still shows esx15" ||
		{ list_pane | grep -q 'auth 0x0201' && pass "$size: e: errors only"; }
	keys e
	# Detail of esx15 (third row by initiator: eui, backup07, esx15).
	keys Home Down Down Enter
	keys End
	if pane | grep -q 'SCSI activity' && pane | grep -Eq 'MB/s \|.*[▁▂▃▄▅▆▇█]' && pane | grep -q 'latency histogram'; then
		pass "$size: detail view: sparklines and latency histogram"
	else
		pane; fail "$size: detail view lacks SCSI activity"
	fi
	# The negotiation table lines up although InitiatorName and
	# TargetName are longer than a column: each value column is as wide
	# as its data allows, a longer value is cut (keeping the name's
	# unique part) and the next column never moves.
	keys Home
	for ((i = 0; i < 60; i++)); do
		pane | sed -n '2,6p' | grep -q 'KEY .*INITIATOR SENT' && break
		tmx send-keys -t iw Down Down Down
		sleep 0.15
	done
	keys Down
	if pane | python3 -c '
import re, sys
lines = [l.rstrip("\n") for l in sys.stdin][:-1]  # not the status line
head = next((i for i, l in enumerate(lines) if re.match(r" +KEY +INITIATOR SENT +TARGET SENT +RESULT", l)), None)
if head is None:
    sys.exit("no negotiation header on screen")
h = lines[head]
ci, ct, cr = h.index("INITIATOR SENT"), h.index("TARGET SENT"), h.index("RESULT")
rows, cut = 0, False
for l in lines[head + 1:]:
    if not l.strip():
        break
    rows += 1
    # Each column starts where its title does, after a space, and
    # the result column holds a result.
    if not (l[ci - 1] == " " and l[ct - 1] == " " and l[cr - 1] == " " and
            l[ci] != " " and l[ct] != " " and
            re.match(r"(negotiated|default|declared|unknown|irrelevant|rejected|invalid|I receives|-)", l[cr:])):
        sys.exit("column slipped: %r" % l)
    if l.split()[0] == "InitiatorName":
        cell = l[ci:ct].rstrip()
        if "esx15.corp.example.com" not in cell or not re.search("[…~]", cell):
            sys.exit("InitiatorName not cut around its unique part: %r" % cell)
        cut = True
if rows < 10 or not cut:
    sys.exit("%d rows, InitiatorName %s" % (rows, "seen" if cut else "not seen"))
print("%d rows" % rows)
' >"$d/neg.txt" 2>&1; then
		pass "$size: negotiation columns line up ($(cat "$d/neg.txt"), long names cut)"
	else
		pane; fail "$size: negotiation table: $(cat "$d/neg.txt")"
	fi
	keys Escape
	keys F10
	for ((i = 0; i < 50; i++)); do [ -s "$d/exit.txt" ] && break; sleep 0.1; done
	[ "$(cat "$d/exit.txt" 2>/dev/null)" = 0 ] && pass "$size: F10 quits, status 0" || fail "$size: F10 did not quit"
	tmx kill-server 2>/dev/null
	exit "$fails"
}

# The terminal hangs up (the tmux server is killed: its pane's pty is
# gone): the view quits within seconds, its export written, instead of
# spinning on a terminal that reads end-of-file forever.
# hang_up (in a subshell): prints ok/FAIL lines, exits with the failures.
hang_up() {
	local d=$tmp/hup pid a b i
	run=hup
	mkdir "$d"
	tmx new-session -d -x 80 -y 24 -s iw \
		"cd '$d' && echo \$\$ >pid && exec env LANG=C.UTF-8 TERM=screen '$IW' -r '$cap' --tui --json hup.json 2>/dev/null"
	wait_pane '\(end\)' 10 || fail "hang-up: the replay did not end"
	pid=$(cat "$d/pid" 2>/dev/null)
	# An ended replay sleeps until a key, a resize or a signal: it does not
	# wake at all while nothing happens (each wakeup of a process holding
	# 100k sessions costs milliseconds), and a resize still lays it out anew.
	switches() { awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$pid/status"; }
	sleep 0.5
	a=$(switches)
	sleep 2
	b=$(switches)
	if [ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -le 1 ]; then
		pass "idle: an ended replay does not wake while nothing happens ($((b - a)) switches in 2 s)"
	else
		fail "idle: the ended view woke $((b - a)) times in 2 s"
	fi
	tmx resize-window -t iw -x 64 -y 20
	if wait_pane 'iscsiwatch' 5 && [ "$(pane | python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))')" -eq 64 ]; then
		pass "idle: a resize wakes it and it lays out for 64 columns"
	else
		pane; fail "idle: not laid out again after a resize"
	fi
	tmx kill-server 2>/dev/null
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		fail "hang-up: still running 5 s after its terminal went away"
		kill -9 "$pid" 2>/dev/null
	elif ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/hup.json" 2>/dev/null; then
		fail "hang-up: no JSON export written"
	else
		pass "hang-up: quits when its terminal goes away, export written"
	fi
	exit "$fails"
}

# Two tenants reusing addresses, ports and names (nvgre-tenants.pcap):
# each one's detail view names its NVGRE VSID under the session's name,
# so the operator can tell the two rows apart.
# tenants (in a subshell): prints ok/FAIL lines, exits with the failures.
tenants() {
	local d=$tmp/tenants seen row i
	run=tenants
	mkdir "$d"
	tmx new-session -d -x 80 -y 24 -s iw \
		"cd '$d' && LANG=C.UTF-8 TERM=screen '$IW' -r '$root/captures/crafted/nvgre-tenants.pcap' --tui 2>iw.err; echo \$? >exit.txt; sleep 60" ||
		{ echo "FAIL tenants: tmux did not start"; exit 1; }
	wait_pane '\(end\)' 10 || { pane; fail "tenants: the replay did not end"; exit "$fails"; }
	seen=
	for row in 0 1; do
		keys Home
		[ "$row" = 1 ] && keys Down
		keys Enter
		seen+=$(pane | grep -o '^Seen in NVGRE VSID [0-9]*$')$'\n'
		keys Escape
	done
	if [ "$(printf '%s' "$seen" | sort)" = $'Seen in NVGRE VSID 4097\nSeen in NVGRE VSID 4098' ]; then
		pass "tenants: each detail view names its VSID (4097, 4098)"
	else
		pane; fail "tenants: detail views show '$seen'"
	fi
	# Quit, not hang up (hang_up tests that): an ASan build left to a
	# hang-up here once kept spinning at exit.
	keys F10
	for ((i = 0; i < 50; i++)); do [ -s "$d/exit.txt" ] && break; sleep 0.1; done
	[ "$(cat "$d/exit.txt" 2>/dev/null)" = 0 ] || fail "tenants: F10 did not quit"
	tmx kill-server 2>/dev/null
	exit "$fails"
}

# Each check in its own subshell, all at once; their lines in a fixed
# order, their failures added up.
for job in 80x24 120x40 200x60 hup tenants; do
	case $job in
	hup) (hang_up) >"$tmp/$job.log" 2>&1 & ;;
	tenants) (tenants) >"$tmp/$job.log" 2>&1 & ;;
	*) (view_size "$job") >"$tmp/$job.log" 2>&1 & ;;
	esac
	pids+=($!)
done
i=0
for job in 80x24 120x40 200x60 hup tenants; do
	wait "${pids[$i]}"
	n=$?
	cat "$tmp/$job.log"
	[ "$n" -eq 0 ] || [ "$(grep -c '^FAIL' "$tmp/$job.log")" -gt 0 ] || echo "FAIL $job: exit $n"
	fails=$((fails + n))
	i=$((i + 1))
done

echo "$fails failures"
[ "$fails" = 0 ]
