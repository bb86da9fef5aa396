#!/bin/bash
# tests/peer/tui-tmux.sh BUILD - the curses UI end to end: iscsiwatch
# --tui captures live on lo inside a detached tmux (120x40) while two
# libiscsi initiators (alpha, bravo) log in to tgtd. Through
# `tmux capture-pane` it checks that both sessions appear with the target
# name and a TSIH, that sorting (r, 0) reorders them, that the / filter
# hides and c shows again, that Enter opens the detail view with the
# negotiated values, and that q exits 0 with the JSON and MOF written
# (and the TSIH on screen is the one in the JSON).
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm tmux python3
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
IW=$(cd "$PEER_BUILD" && pwd)/iscsiwatch
peer_init
set -u

SOCK=iw-tui-$$
tmx() { tmux -L "$SOCK" -f /dev/null "$@"; }
tui_cleanup() {
	tmx kill-server 2>/dev/null
	peer_cleanup
}
trap tui_cleanup EXIT

port=$(peer_free_port 3280)
iqn=iqn.2024-01.org.iw:tui
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
pane() { tmx capture-pane -p -t iw; }
# The session list only (the event log pane below it names sessions too).
list_pane() { pane | sed '/events (/,$d'; }
# wait_pane ERE [seconds] : until the screen matches.
wait_pane() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		pane | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# line_of ERE : first screen line number matching (0 if none).
line_of() { list_pane | grep -En -- "$1" | head -n 1 | cut -d: -f1 | grep . || echo 0; }
keys() { tmx send-keys -t iw "$@"; sleep 0.4; }

tmx new-session -d -x 120 -y 40 -s iw \
	"cd '$PEER_TMP' && '$IW' -i lo -p $port --tui --json out.json --mof out.mof 2>iw.err; echo \$? >exit.txt; sleep 60" ||
	{ echo "FAIL: tmux did not start"; exit 1; }
wait_pane 'iscsiwatch .*\| sessions \|' 10 || { pane; cat "$PEER_TMP/iw.err" 2>/dev/null; echo "FAIL: the UI did not start"; exit 1; }
pass "UI started"
wait_pane 'live lo' 3 && pass "status line: live lo" || fail "status line lacks 'live lo'"
pane | grep -q 'drops 0/0' && pass "status line: drops 0/0" || fail "status line lacks drops"

peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iw:alpha --reads 2 >/dev/null ||
	{ echo "generator failed"; exit 1; }
peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iw:bravo --reads 1 \
	--immediate-data no >/dev/null || { echo "generator failed"; exit 1; }

if wait_pane 'org\.iw:bravo .*org\.iw:tui' 10 && wait_pane 'org\.iw:alpha .*org\.iw:tui' 2; then
	pass "both sessions shown with the target name"
else
	pane
	fail "sessions did not appear"
fi
tsih_a=$(pane | grep -E 'org\.iw:alpha ' | grep -Eo '0x[0-9a-f]{4}' | head -n 1)
tsih_b=$(pane | grep -E 'org\.iw:bravo ' | grep -Eo '0x[0-9a-f]{4}' | head -n 1)
if [ -n "$tsih_a" ] && [ "$tsih_a" != 0x0000 ] && [ -n "$tsih_b" ] && [ "$tsih_b" != 0x0000 ]; then
	pass "TSIHs shown: alpha $tsih_a, bravo $tsih_b"
else
	fail "TSIH not shown (alpha '$tsih_a', bravo '$tsih_b')"
fi

# Sorting: by initiator (the default) alpha is above bravo; r reverses.
a=$(line_of 'org\.iw:alpha ') b=$(line_of 'org\.iw:bravo ')
[ "$a" -gt 0 ] && [ "$a" -lt "$b" ] && pass "sorted by initiator: alpha above bravo" ||
	fail "initiator order: alpha line $a, bravo line $b"
keys r
a=$(line_of 'org\.iw:alpha ') b=$(line_of 'org\.iw:bravo ')
[ "$b" -gt 0 ] && [ "$b" -lt "$a" ] && pane | grep -q 'sort INITIATOR (reversed)' &&
	pass "r reverses: bravo above alpha" || fail "reverse: alpha line $a, bravo line $b"
keys 0 # TSIH column (the tenth)
pane | grep -q 'sort TSIH' && pass "0 sorts by TSIH" || fail "title does not say sort TSIH"
a=$(line_of 'org\.iw:alpha ') b=$(line_of 'org\.iw:bravo ')
first_tsih=$(printf '%s\n%s\n' "$tsih_a" "$tsih_b" | sort | head -n 1)
if { [ "$first_tsih" = "$tsih_a" ] && [ "$a" -lt "$b" ]; } || { [ "$first_tsih" = "$tsih_b" ] && [ "$b" -lt "$a" ]; }; then
	pass "rows in TSIH order"
else
	fail "TSIH order: alpha $tsih_a line $a, bravo $tsih_b line $b"
fi
keys s
pane | grep -q 'sort TYPE' && pass "s moves to the next column" || fail "s did not cycle the sort column"
keys 1
pane | grep -q 'sort INITIATOR' && pass "1 sorts by initiator again" || fail "1 did not sort by initiator"

# Filter.
keys /
keys b r a v o
keys Enter
if list_pane | grep -q 'org\.iw:bravo ' && ! list_pane | grep -q 'org\.iw:alpha ' && pane | grep -q '1 shown'; then
	pass "filter 'bravo' hides alpha"
else
	pane
	fail "filter did not hide alpha"
fi
keys c
list_pane | grep -q 'org\.iw:alpha ' && pane | grep -q '2 shown' && pass "c clears the filter" ||
	fail "c did not bring alpha back"

# Detail view of alpha (the first row sorted by initiator).
keys Home Up Up
keys Enter
p1=$(pane)
keys NPage
p2=$(pane)
keys NPage
p3=$(pane)
all=$(printf '%s\n%s\n%s\n' "$p1" "$p2" "$p3")
grep -q '| detail |' <<<"$p1" && pass "Enter opens the detail view" || fail "no detail view"
[ -n "${PEER_DEBUG:-}" ] && printf '%s\n' "$all"
grep -q "Session iqn.2024-01.org.iw:alpha,i,0x[0-9a-f]*,$iqn,t,0x0001" <<<"$all" &&
	pass "detail: the session's Name" || fail "detail lacks the Name"
grep -Eq 'MaxDataBurstLength +262144' <<<"$all" && pass "detail: MaxDataBurstLength 262144" ||
	fail "detail lacks MaxDataBurstLength 262144"
grep -Eq 'SessionType +3 \(Normal\)' <<<"$all" && pass "detail: SessionType 3 (Normal)" ||
	fail "detail lacks the SessionType enumeration name"
grep -Eq 'MaxBurstLength +[0-9]+ +[0-9]+ +negotiated 262144' <<<"$all" &&
	pass "detail: negotiation table MaxBurstLength" || fail "detail lacks the negotiation row"
grep -Eq 'ImmediateData +Yes +Yes +negotiated Yes' <<<"$all" &&
	pass "detail: ImmediateData offered/answered/result" || fail "detail lacks the ImmediateData row"
keys Escape
pane | grep -q '| sessions |' && pass "Esc returns to the list" || fail "Esc did not return"

# Help lists the keys; any key closes it.
keys '?'
pane | grep -q 'filter: substring' && pass "? shows the help" || fail "no help screen"
keys x

# Resizing: tiny, then 80x24; the UI must survive and redraw.
alive() { [ ! -s "$PEER_TMP/exit.txt" ]; }
for size in "20 5" "10 2" "80 24" "120 40"; do
	set -- $size
	tmx resize-window -t iw -x "$1" -y "$2" 2>/dev/null || tmx refresh-client -C "$1,$2" 2>/dev/null
	sleep 0.4
	alive || break
done
alive && pass "survives resizing to 20x5, 10x2, 80x24" || fail "died on resize"
keys Enter
keys Escape
tmx resize-window -t iw -x 80 -y 24 2>/dev/null
sleep 0.4
if pane | grep -q '| sessions |' && list_pane | grep -q 'org\.iw:alpha' &&
	[ "$(pane | LC_ALL=C.UTF-8 wc -L)" -le 80 ]; then
	pass "80x24: list fits"
else
	pane
	fail "80x24 list"
fi
tmx resize-window -t iw -x 120 -y 40 2>/dev/null

# j writes the JSON now.
keys j
[ -s "$PEER_TMP/out.json" ] && pass "j wrote the JSON" || fail "j did not write the JSON"

keys q
for ((i = 0; i < 50; i++)); do
	[ -s "$PEER_TMP/exit.txt" ] && break
	sleep 0.1
done
rc=$(cat "$PEER_TMP/exit.txt" 2>/dev/null)
[ "$rc" = 0 ] && pass "q exits 0" || { cat "$PEER_TMP/iw.err" 2>/dev/null; fail "exit status '$rc'"; }
[ -s "$PEER_TMP/out.mof" ] && pass "MOF written at exit" || fail "no MOF at exit"
python3 - "$PEER_TMP/out.json" "$tsih_a" "$tsih_b" <<'EOF' && pass "JSON at exit holds both sessions with the TSIHs shown" || fail "JSON disagrees with the screen"
import json, sys
d = json.load(open(sys.argv[1]))
got = {s["cim"]["EndPointName"].split(",")[0]: s["cim"]["TSIH"] for s in d["sessions"]}
want = {"iqn.2024-01.org.iw:alpha": int(sys.argv[2], 16), "iqn.2024-01.org.iw:bravo": int(sys.argv[3], 16)}
for k, v in want.items():
    if got.get(k) != v:
        print("     %s: JSON TSIH %s, screen %s" % (k, got.get(k), v))
        sys.exit(1)
EOF

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
