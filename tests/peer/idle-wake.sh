#!/bin/bash
# tests/peer/idle-wake.sh BUILD - a live sensor that sees no traffic must
# not wake (issue 10: each wakeup of a process holding 100k sessions costs
# milliseconds of CPU). iscsiwatch captures on one end of a veth pair in
# a network namespace this script creates, twice at once: headless with
# --listen, and in --tui (with --listen too) inside a detached tmux. While nothing
# happens each may wake about once a second (the tick that moves
# time-driven states, the redraw of the clock and rates), counted in
# /proc/PID/status (voluntary context switches) over 3 s.
# It must still act at once on what comes: /metrics is answered, a key
# opens the help, frames sent with tcpreplay (captures/crafted/operator.pcap)
# are counted and shown, SIGTERM ends it with its JSON written.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root ip tmux tcpreplay curl python3
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
IW=$(cd "$PEER_BUILD" && pwd)/iscsiwatch
CAP=$PEER_ROOT/captures/crafted/operator.pcap
peer_init
set -u

NS=iwwake-$$
SOCK=iw-wake-$$
HPID=
tmx() { tmux -L "$SOCK" -f /dev/null "$@"; }
wake_cleanup() {
	set +e
	[ -n "$HPID" ] && kill -KILL "$HPID" 2>/dev/null
	tmx kill-server 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	peer_cleanup
}
trap wake_cleanup EXIT
nsx() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || peer_skip "cannot create network namespaces"
nsx ip link set lo up &&
	nsx ip link add w0 type veth peer name w1 &&
	nsx ip link set w0 up && nsx ip link set w1 up ||
	{ echo "FAIL: cannot set up the veth pair"; exit 1; }
# Quiet links: no IPv6 autoconfiguration chatter on the veth.
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# Each wakeup is one voluntary switch (the process sleeps again); the
# involuntary ones are preemptions by a busy machine, not wakeups.
switches() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
# idle_check PID WHAT PID2 WHAT2 : each at most 5 wakeups in the same 3 s
# of silence (a tick a second, and slack for one more thing due).
idle_check() {
	local a b a2 b2
	a=$(switches "$1") a2=$(switches "$3")
	sleep 3
	b=$(switches "$1") b2=$(switches "$3")
	for w in "$a $b $2" "$a2 $b2 $4"; do
		set -- $w
		local x=$1 y=$2
		shift 2
		if [ -n "$x" ] && [ -n "$y" ] && [ $((y - x)) -le 5 ]; then
			pass "$*: $((y - x)) wakeups in 3 s of silence"
		else
			fail "$*: woke $((${y:-0} - ${x:-0})) times in 3 s of silence (at most 5 wanted)"
		fi
	done
}
now_ms() { date +%s%3N; }
send_frames() { nsx tcpreplay -q -t -i w0 "$CAP" >/dev/null 2>&1; }
# metric PORT NAME : its value; the request's own time in $PEER_TMP/ms.
metric() {
	nsx curl -s -m 2 -o "$PEER_TMP/m.txt" -w '%{time_total}' "http://127.0.0.1:$1/metrics" |
		awk '{ printf "%d\n", $1 * 1000 }' >"$PEER_TMP/ms"
	awk -v m="$2" '$1 == m { print $2 }' "$PEER_TMP/m.txt"
}

# Both run at once on the same quiet link (the test takes half the time):
# headless with --listen, and the view with --listen inside tmux.
pane() { tmx capture-pane -p -t iw; }
# wait_pane ERE SECONDS : until the screen matches.
wait_pane() {
	local i
	for ((i = 0; i < $2 * 50; i++)); do
		pane | grep -Eq -- "$1" && return 0
		sleep 0.02
	done
	return 1
}
hport=19464 tport=19465
ip netns exec "$NS" "$IW" -i w1 -p 3260 --no-tui --listen "127.0.0.1:$hport" --json "$PEER_TMP/h.json" \
	>"$PEER_TMP/h.out" 2>"$PEER_TMP/h.err" &
HPID=$!
tmx new-session -d -x 120 -y 40 -s iw \
	"cd '$PEER_TMP' && echo \$\$ >pid && exec ip netns exec '$NS' env LANG=C.UTF-8 TERM=screen '$IW' -i w1 --tui --listen 127.0.0.1:$tport --json t.json 2>t.err" ||
	{ echo "FAIL: tmux did not start"; exit 1; }
for ((i = 0; i < 50; i++)); do
	grep -q 'listening on w1' "$PEER_TMP/h.err" && break
	sleep 0.1
done
grep -q 'listening on w1' "$PEER_TMP/h.err" || { cat "$PEER_TMP/h.err"; echo "FAIL: no capture"; exit 1; }
wait_pane 'live w1' 10 || { pane; cat "$PEER_TMP/t.err"; echo "FAIL: the UI did not start"; exit 1; }
TPID=$(cat "$PEER_TMP/pid")
sleep 0.5
idle_check "$HPID" "headless --listen" "$TPID" "--tui --listen"

p=$(metric $hport iscsiwatch_packets_total)
ms=$(cat "$PEER_TMP/ms")
[ "$p" = 0 ] && [ "$ms" -lt 300 ] && pass "/metrics answered in $ms ms while idle" ||
	fail "/metrics: packets '$p' after $ms ms"
t0=$(now_ms)
tmx send-keys -t iw F1
wait_pane '\| help \|' 2
t1=$(now_ms)
pane | grep -q '| help |' && [ $((t1 - t0)) -lt 600 ] && pass "F1 opens the help in $((t1 - t0)) ms" ||
	{ pane; fail "F1: no help after $((t1 - t0)) ms"; }
tmx send-keys -t iw Escape
wait_pane 'INITIATOR' 2 || fail "Escape did not leave the help"
sleep 1.2 # past the frame owed to the key: the next frames find the view asleep
send_frames
t0=$(now_ms)
wait_pane 'pkts 1064 ' 3
t1=$(now_ms)
pane | grep -q 'pkts 1064 ' && [ $((t1 - t0)) -lt 700 ] && pass "frames sent while asleep shown in $((t1 - t0)) ms" ||
	{ pane; fail "frames: not all shown $((t1 - t0)) ms after they were sent"; }
pane | grep -q 'esx15.corp.example.com' && pass "their sessions are listed" || fail "sessions not listed"
p=$(metric $hport iscsiwatch_packets_total)
[ "$p" = 1064 ] && pass "headless: the 1064 frames are counted" || fail "headless: packets_total '$p', 1064 sent"
p=$(metric $tport iscsiwatch_packets_total)
[ "$p" = 1064 ] && pass "--tui: /metrics answered, 1064 packets" || fail "--tui: /metrics packets '$p'"
sleep 1
idle_check "$HPID" "headless --listen, sessions loaded" "$TPID" "--tui --listen, sessions loaded"

t0=$(now_ms)
kill -TERM "$HPID"
wait "$HPID"
rc=$?
t1=$(now_ms)
HPID=
if [ "$rc" = 0 ] && [ $((t1 - t0)) -lt 1000 ] &&
	python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); sys.exit(len(d["sessions"]) == 0)' "$PEER_TMP/h.json"; then
	pass "SIGTERM while idle: exit 0 in $((t1 - t0)) ms, sessions in the JSON"
	if grep -Ev '^iscsiwatch: (serving http|listening on)' "$PEER_TMP/h.err"; then
		fail "headless: more on stderr (above)"
	fi
else
	cat "$PEER_TMP/h.err"; fail "SIGTERM: status $rc after $((t1 - t0)) ms"
fi
tmx send-keys -t iw q
for ((i = 0; i < 50; i++)); do kill -0 "$TPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$TPID" 2>/dev/null; then
	fail "q did not end the view"
elif python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$PEER_TMP/t.json" 2>/dev/null; then
	pass "q quits, JSON written"
	# Nothing else on stderr (a sanitizer's report, say, with build-san).
	if grep -v '^iscsiwatch: serving http' "$PEER_TMP/t.err"; then
		fail "the view said more on stderr (above)"
	fi
else
	fail "q: no JSON written"
fi

echo "$fails failures"
[ "$fails" = 0 ]
