#!/bin/bash
# tests/peer/sensor-events.sh BUILD - the events of a sensor left running,
# live on lo against tgtd:
#  - who: a login to a target that does not exist gives a login_failed
#    event carrying the initiator and target names, the ISID and both
#    addresses and ports, on its own (no join with the JSON needed);
#  - syslog: the same failure reaches a syslog socket (a Python listener
#    bound here, --syslog-socket) as an RFC 5424 message with structured
#    data naming who;
#  - rotation: after `mv events events.1` and SIGHUP, the next session's
#    events go to a new file at the path, and none to the moved one;
#  - drops: iscsiwatch is stopped (SIGSTOP) with a 1 MiB buffer (-B 1)
#    while a session reads 500 MiB, so the kernel drops packets for real;
#    it is continued (SIGCONT) while the reads go on, so the flood session
#    has gaps. Then one warning line suggests -B, the held session is
#    marked incomplete with a capture_loss event, the flood session has
#    gaps and is incomplete but OK, and no session turns Degraded (their
#    OperationalStatus and HealthState stay their own).
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm python3
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3300)
iqn=iqn.2024-01.org.iscsiwatch:events
tgtd_start "$port" "$iqn" 64M || { echo "tgtd did not start"; exit 1; }

sock=$PEER_TMP/syslog.sock
python3 - "$sock" "$PEER_TMP/syslog.txt" <<'PY' &
import os, signal, socket, sys
path, out = sys.argv[1:3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
with open(out, "a") as f:
    while True:
        m = s.recv(65536)
        f.write(m.decode("utf-8", "replace").replace("\n", "\\n") + "\n")
        f.flush()
PY
PEER_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { echo "FAIL: syslog listener did not start"; exit 1; }

ev=$PEER_TMP/ev.ndjson
: >"$PEER_TMP/iw.err"
"$PEER_BUILD/iscsiwatch" -i lo -p "$port" -B 1 --no-tui --listen 127.0.0.1:0 \
	--json "$PEER_TMP/out.json" --events "$ev" --syslog --syslog-socket "$sock" \
	>"$PEER_TMP/iw.out" 2>"$PEER_TMP/iw.err" &
iw=$!
PEER_PIDS+=("$iw")
for ((i = 0; i < 100; i++)); do
	grep -q 'listening on' "$PEER_TMP/iw.err" && break
	kill -0 "$iw" 2>/dev/null || break
	sleep 0.05
done
grep -q 'listening on' "$PEER_TMP/iw.err" || { cat "$PEER_TMP/iw.err"; echo "FAIL: iscsiwatch did not start"; exit 1; }
addr=$(sed -n 's|^iscsiwatch: serving http://\([^/]*\)/metrics.*|\1|p' "$PEER_TMP/iw.err")

# A session held open through everything below.
peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iscsiwatch:held \
	--reads 1 --hold 120 >/dev/null 2>"$PEER_TMP/held.err" &
held=$!
PEER_PIDS+=("$held")
for ((i = 0; i < 100; i++)); do grep -q holding "$PEER_TMP/held.err" && break; sleep 0.1; done
grep -q holding "$PEER_TMP/held.err" || { cat "$PEER_TMP/held.err"; echo "FAIL: held session"; exit 1; }

# Who: a target that does not exist.
peer_gen --portal "127.0.0.1:$port" --target iqn.2024-01.org.iscsiwatch:no-such-disk \
	-i iqn.2024-01.org.iscsiwatch:lost-soul --expect-login-fail >/dev/null 2>&1 ||
	{ echo "FAIL: the failing login did not fail as asked"; exit 1; }
sleep 0.5

# Rotation: move the file away, SIGHUP, then one more session.
mv "$ev" "$ev.1"
kill -HUP "$iw"
sleep 0.5
peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iscsiwatch:after-hup \
	--reads 1 >/dev/null 2>&1 || { echo "FAIL: generator after SIGHUP"; exit 1; }
sleep 0.5

# Drops: the sensor stopped while 40 MiB go by.
# The flood session stays logged in, so that the gaps the drops made in
# it would show as Degraded if a gap still degraded a session.
# The sensor comes back while the flood goes on, so the holes are gaps
# in a stream that continues.
kill -STOP "$iw"
peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iscsiwatch:flood \
	--writes 40 --reads 4000 --blocks 256 --hold 120 >/dev/null 2>"$PEER_TMP/flood.err" &
flood=$!
PEER_PIDS+=("$flood")
sleep 0.4
kill -CONT "$iw"
for ((i = 0; i < 300; i++)); do grep -q holding "$PEER_TMP/flood.err" && break; sleep 0.1; done
grep -q holding "$PEER_TMP/flood.err" || { cat "$PEER_TMP/flood.err"; echo "FAIL: flood generator"; exit 1; }
sleep 2.5 # a tick reads pcap_stats
python3 -c 'import urllib.request,sys; sys.stdout.write(urllib.request.urlopen("http://'"$addr"'/sessions", timeout=5).read().decode())' >"$PEER_TMP/live.json" ||
	{ echo "FAIL: /sessions"; exit 1; }
python3 -c 'import urllib.request,sys; sys.stdout.write(urllib.request.urlopen("http://'"$addr"'/metrics", timeout=5).read().decode())' >"$PEER_TMP/live.metrics" ||
	{ echo "FAIL: /metrics"; exit 1; }

kill -TERM "$held" "$flood" 2>/dev/null
kill -TERM "$iw"
peer_wait_gone "$iw" 10 || { echo "FAIL: iscsiwatch ignored SIGTERM"; exit 1; }
wait "$iw"
rc=$?
peer_forget "$iw"
[ "$rc" -eq 0 ] || { cat "$PEER_TMP/iw.err"; echo "FAIL: iscsiwatch exited $rc"; exit 1; }

python3 - "$PEER_TMP" "$port" <<'PY'
import json, re, sys
sys.path.insert(0, "tests")
tmp, port = sys.argv[1], int(sys.argv[2])
fails = 0
def check(what, ok, extra=""):
    global fails
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not extra else ": " + str(extra)))
    fails += not ok
old = [json.loads(l) for l in open(tmp + "/ev.ndjson.1") if l.strip()]
new = [json.loads(l) for l in open(tmp + "/ev.ndjson") if l.strip()]
# who
lf = [e for e in old if e["kind"] == "login_failed"]
check("one login_failed event before the rotation", len(lf) == 1, [e["kind"] for e in old])
if lf:
    e = lf[0]
    check("login_failed names the initiator", e["initiator"] == "iqn.2024-01.org.iscsiwatch:lost-soul", e)
    check("login_failed names the target asked for", e["target"] == "iqn.2024-01.org.iscsiwatch:no-such-disk", e)
    check("login_failed has the ISID", bool(re.fullmatch(r"0x[0-9a-f]{12}", e["isid"] or "")), e)
    check("login_failed has both addresses and ports",
          e["initiator_address"] == "127.0.0.1" and e["target_address"] == "127.0.0.1"
          and e["target_port"] == port and isinstance(e["initiator_port"], int), e)
# syslog
lines = open(tmp + "/syslog.txt").read().splitlines()
fail = [l for l in lines if " login_failed " in l]
check("syslog got the login failure", len(fail) == 1, lines)
if fail:
    m = re.match(r'<(\d+)>1 (\S+) (\S+) iscsiwatch (\d+) login_failed \[iscsiwatch@32473((?: [a-z_]+="(?:[^"\\\]]|\\.)*")*)\] (.*)$', fail[0])
    check("syslog message is RFC 5424 with structured data", m is not None, fail[0])
    if m:
        params = dict(re.findall(r' ([a-z_]+)="((?:[^"\\\]]|\\.)*)"', m.group(5)))
        check("syslog PRI: daemon.warning", m.group(1) == "28", m.group(1))
        check("syslog SD names who", params.get("initiator") == "iqn.2024-01.org.iscsiwatch:lost-soul"
              and params.get("target") == "iqn.2024-01.org.iscsiwatch:no-such-disk"
              and params.get("target_port") == str(port) and "initiator_address" in params, params)
        check("syslog MSG says why", "target not found" in m.group(6), m.group(6))
# rotation
who = lambda evs, ini: [e for e in evs if e.get("initiator") == ini]
check("after SIGHUP, the new session's events are in the new file",
      len(who(new, "iqn.2024-01.org.iscsiwatch:after-hup")) >= 2)
check("and none of them in the moved file", len(who(old, "iqn.2024-01.org.iscsiwatch:after-hup")) == 0)
# drops
err = open(tmp + "/iw.err").read()
d = json.load(open(tmp + "/live.json"))
drops = d["capture"]["drops"] + d["capture"]["ifdrops"]
check("the kernel dropped packets while iscsiwatch was stopped (%d)" % drops, drops > 0)
check("one warning line suggests -B", err.count("raise the capture buffer with -B") == 1, err)
mt = open(tmp + "/live.metrics").read()
m = re.search(r'^iscsiwatch_capture_dropped_packets_total\{by="kernel"\} (\d+)$', mt, re.M)
check("drops in the metrics", m is not None and int(m.group(1)) > 0)
held = [s for s in d["sessions"] if (s["cim"]["EndPointName"] or "").startswith("iqn.2024-01.org.iscsiwatch:held")]
check("the held session is there", len(held) == 1)
if held:
    s = held[0]
    check("held session: incomplete", s["incomplete"] is True)
    check("held session: still OK (HealthState 5, OperationalStatus 2)",
          (s["cim"]["Status"], s["cim"]["HealthState"], s["cim"]["OperationalStatus"]) == ("OK", 5, [2]), s["cim"]["Status"])
    iid = s["cim"]["InstanceID"]
    loss = [e for e in new if e["kind"] == "capture_loss" and e["instance_id"] == iid]
    check("held session: one capture_loss event suggesting -B", len(loss) == 1 and "-B" in loss[0]["detail"], loss)
flood = [s for s in d["sessions"] if (s["cim"]["EndPointName"] or "").startswith("iqn.2024-01.org.iscsiwatch:flood")]
check("the flood session is there", len(flood) == 1)
if flood:
    s = flood[0]
    gaps = sum(c["gaps"] for c in s["connections"])
    print("     flood session: %s, %d gap(s), incomplete %s" % (s["cim"]["Status"], gaps, s["incomplete"]))
    check("flood session: the drops made gaps in it", gaps > 0)
    check("flood session: OK although the capture lost part of it",
          s["cim"]["Status"] == "OK" and s["cim"]["HealthState"] == 5 and s["incomplete"] is True, s["cim"]["StatusDescriptions"])
deg = [s["cim"]["EndPointName"] for s in d["sessions"] if s["cim"]["Status"] == "Degraded" or s["cim"]["HealthState"] == 10]
check("no session degraded by the drops", not deg, deg)
sys.exit(1 if fails else 0)
PY
rc=$?
[ "$rc" -eq 0 ] || { echo "--- iscsiwatch stderr"; cat "$PEER_TMP/iw.err"; exit 1; }
echo "all checks passed"
