#!/bin/bash
# tests/peer/iface-flap.sh BUILD - a sensor outlives its interface. A mirror
# port's NIC can go down, have its driver reset, or be removed and made again
# (a VM's NIC replugged, a container's veth rebuilt); the sessions the
# sensor learned from logins it will not see again for months. iscsiwatch
# captures on one end of a veth pair in a network namespace this script
# creates; tcpreplay sends the first 11 packets of a real tgtd/libiscsi
# session (captures/tgtd-rw.pcapng: handshake, login, the first commands)
# on the other end; then
#   down: the interface goes down and up again,
#   gone: the pair is deleted and made again under the same names,
# and the other 36 packets follow (more commands, the logout). Each time
# the result must be the one session whole: named from its login, 47
# packets and 30 PDUs, no gap, ended by its logout, exit status 0 after
# SIGTERM. When the interface is gone the sensor says so on stderr and
# that it opens it again, then that it is back. With -Z (privileges
# dropped, none left to open an interface) it says why it cannot, writes
# its exports and exits 1.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root ip tcpreplay editcap python3 curl
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
IW=$(cd "$PEER_BUILD" && pwd)/iscsiwatch
CAP=$PEER_ROOT/captures/tgtd-rw.pcapng
peer_init
set -u

NS=iwflap-$$
IWPID=
flap_cleanup() {
	set +e
	[ -n "$IWPID" ] && kill -KILL "$IWPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	peer_cleanup
}
trap flap_cleanup EXIT
nsx() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || peer_skip "cannot create network namespaces"
nsx ip link set lo up
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
# The capture was taken on loopback: frames up to 64 KiB.
pair() {
	nsx ip link add w0 mtu 65535 type veth peer name w1 mtu 65535 &&
		nsx ip link set w0 up && nsx ip link set w1 up
}
pair || { echo "FAIL: cannot set up the veth pair"; exit 1; }
editcap -r "$CAP" "$PEER_TMP/a.pcap" 1-11 &&
	editcap -r "$CAP" "$PEER_TMP/b.pcap" 12-47 || exit 1

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# wait_line FILE TEXT SECONDS: until FILE has a line with TEXT.
wait_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

for how in down gone; do
	out=$PEER_TMP/$how
	# ip netns exec execs: $! is iscsiwatch itself.
	ip netns exec "$NS" "$IW" -i w0 --json "$out.json" \
		--listen 127.0.0.1:0 >"$out.table" 2>"$out.err" &
	IWPID=$!
	wait_line "$out.err" "listening on w0" 5 || fail "$how: no start-up line"
	nsx tcpreplay -q -i w1 "$PEER_TMP/a.pcap" >/dev/null 2>&1
	sleep 0.3
	if [ $how = down ]; then
		nsx ip link set w0 down
		sleep 1.5
		nsx ip link set w0 up
		sleep 0.5
	else
		nsx ip link del w0
		wait_line "$out.err" "capture on w0: .*opening it again" 5 ||
			fail "$how: the loss of w0 is not said"
		sleep 1.5 # two tries on a missing interface
		pair || { echo "FAIL: cannot make the pair again"; exit 1; }
		wait_line "$out.err" "capture on w0: open again after" 5 ||
			fail "$how: w0 not opened again"
	fi
	kill -0 "$IWPID" 2>/dev/null || fail "$how: the sensor has exited"
	# Each failed read counts, for an alert on a flapping mirror port.
	url=$(grep -o 'http://[0-9.:]*' "$out.err" | head -1)
	want=$([ $how = gone ] && echo 1 || echo 0)
	got=$(nsx curl -s "$url/metrics" |
		awk '$1 == "iscsiwatch_capture_interface_failures_total" { print $2 }')
	[ "$got" = "$want" ] && pass "$how: interface failures $got on /metrics" ||
		fail "$how: iscsiwatch_capture_interface_failures_total '$got' ($want expected)"
	nsx tcpreplay -q -i w1 "$PEER_TMP/b.pcap" >/dev/null 2>&1
	sleep 0.5
	kill -TERM "$IWPID"
	wait "$IWPID"
	rc=$?
	IWPID=
	[ $rc -eq 0 ] || fail "$how: exit status $rc after SIGTERM"
	python3 - "$out.json" "$how" <<'PY' || fails=$((fails + 1))
import json, sys
doc = json.load(open(sys.argv[1]))
how = sys.argv[2]
c = doc["capture"]["counters"]
ss = doc["sessions"]
bad = []
if c["packets"] != 47: bad.append(f"packets {c['packets']} (47 sent)")
if c["pdus"] != 30: bad.append(f"pdus {c['pdus']} (30 sent)")
if c["tcp_gaps"] != 0: bad.append(f"tcp_gaps {c['tcp_gaps']}")
if len(ss) != 1: bad.append(f"{len(ss)} sessions")
else:
    s = ss[0]
    if s["initiator"]["name"] != "iqn.2024-01.org.iscsiwatch:gen": bad.append("initiator name lost")
    if not s["login_observed"]: bad.append("login not observed")
    if s["end_reason"] != "logout": bad.append(f"end {s['end_reason']}")
    if s["incomplete"]: bad.append("session flagged incomplete")
if bad:
    print(f"FAIL {how}: " + "; ".join(bad))
    sys.exit(1)
print(f"ok   {how}: one session, 47 packets, 30 PDUs, no gap, ended by its logout")
PY
	if [ $how = gone ]; then
		grep -c "warning: capture on w0: The interface disappeared" "$out.err" |
			grep -qx 1 && pass "gone: one warning when w0 went away" ||
			{ fail "gone: stderr"; cat "$out.err"; }
	else
		grep -q "warning" "$out.err" && { fail "down: a warning"; cat "$out.err"; } ||
			pass "down: nothing to say"
	fi
done

# With -Z the privileges that open an interface are gone: the sensor says
# so, writes what it has and exits 1, for a supervisor to start it again
# (dist/iscsiwatch@.service: Restart=on-failure).
zdir=$PEER_TMP/z
mkdir -p "$zdir" && chmod 0777 "$zdir"
ip netns exec "$NS" "$IW" -i w0 -Z nobody --json "$zdir/s.json" \
	>"$zdir/table" 2>"$zdir/err" &
IWPID=$!
wait_line "$zdir/err" "listening on w0" 5 || fail "-Z: no start-up line"
nsx tcpreplay -q -i w1 "$PEER_TMP/a.pcap" >/dev/null 2>&1
sleep 0.3
nsx ip link del w0
for ((i = 0; i < 50; i++)); do
	kill -0 "$IWPID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$IWPID" 2>/dev/null; then
	fail "-Z: still running with no interface to read"
	kill -TERM "$IWPID"
fi
wait "$IWPID"
rc=$?
IWPID=
[ $rc -eq 1 ] && pass "-Z: exit status 1" || fail "-Z: exit status $rc (1 expected)"
grep -q "warning: capture on w0: The interface disappeared; not opened again: -Z" "$zdir/err" &&
	pass "-Z: the warning says why" || { fail "-Z: stderr"; cat "$zdir/err"; }
python3 - "$zdir/s.json" <<'PY' && pass "-Z: the JSON holds the named session" || fail "-Z: JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["capture"]["counters"]["packets"] == 11, doc["capture"]["counters"]["packets"]
ss = doc["sessions"]
assert len(ss) == 1 and ss[0]["initiator"]["name"] == "iqn.2024-01.org.iscsiwatch:gen", ss
PY
[ $fails -eq 0 ] || exit 1
