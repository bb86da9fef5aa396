#!/bin/bash
# tests/peer/live-lo.sh BUILD - live capture without the UI: iscsiwatch
# captures on lo (default filter from -p), tgtd on a free loopback port,
# two iscsi-gen sessions (one with a second initiator name and
# ImmediateData=No), then SIGTERM. The JSON written at the stop must hold
# both sessions with the right target name, a non-zero TSIH and the
# negotiated values; the NDJSON events must carry their events; SIGHUP
# must have written the JSON once before, without stopping.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm python3
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3270)
iqn=iqn.2024-01.org.iscsiwatch:live-lo
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }

out=$PEER_TMP/out.json
ev=$PEER_TMP/ev.ndjson
"$PEER_BUILD/iscsiwatch" -i lo -p "$port" --no-tui --json "$out" --mof "$PEER_TMP/out.mof" \
	--events "$ev" >"$PEER_TMP/iw.out" 2>"$PEER_TMP/iw.err" &
iw=$!
PEER_PIDS+=("$iw")
for ((i = 0; i < 100; i++)); do
	grep -q 'listening on' "$PEER_TMP/iw.err" && break
	kill -0 "$iw" 2>/dev/null || break
	sleep 0.05
done
grep -q 'listening on' "$PEER_TMP/iw.err" || { cat "$PEER_TMP/iw.err"; echo "FAIL: iscsiwatch did not start"; exit 1; }

j1=$(peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iscsiwatch:alpha \
	--reads 3 --writes 2) || { echo "generator failed: $j1"; exit 1; }
j2=$(peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iscsiwatch:bravo \
	--immediate-data no --reads 1) || { echo "generator failed: $j2"; exit 1; }
sleep 0.5 # the last FIN/ACKs reach the ring

# SIGHUP: the JSON is written now and the capture goes on.
kill -HUP "$iw"
for ((i = 0; i < 50; i++)); do
	[ -s "$out" ] && break
	sleep 0.1
done
[ -s "$out" ] || { echo "FAIL: SIGHUP did not write $out"; exit 1; }
kill -0 "$iw" 2>/dev/null || { echo "FAIL: iscsiwatch stopped on SIGHUP"; exit 1; }
echo "ok   SIGHUP wrote the JSON and iscsiwatch goes on"
rm -f "$out"

kill -TERM "$iw"
peer_wait_gone "$iw" 10 || { echo "FAIL: iscsiwatch ignored SIGTERM"; exit 1; }
wait "$iw"
rc=$?
peer_forget "$iw"
[ "$rc" -eq 0 ] || { cat "$PEER_TMP/iw.err"; echo "FAIL: iscsiwatch exited $rc"; exit 1; }
echo "ok   SIGTERM: clean exit"
[ -s "$PEER_TMP/out.mof" ] || { echo "FAIL: no MOF written at SIGTERM"; exit 1; }
grep -q 'live-lo' "$PEER_TMP/iw.out" || { echo "FAIL: no session table on stdout"; exit 1; }

python3 - "$out" "$ev" "$iqn" <<'EOF'
import json, sys
out, ev, iqn = sys.argv[1:4]
d = json.load(open(out))
fails = 0
def check(what, ok):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
cap = d["capture"]
check("capture is live on lo", cap.get("live") is True and cap.get("sources") == ["lo"])
check("drop counters present", "drops" in cap and "ifdrops" in cap)
normal = [s for s in d["sessions"] if s["cim"]["SessionType"] == 3]
check("two normal sessions (got %d)" % len(normal), len(normal) == 2)
by = {s["cim"]["EndPointName"].split(",")[0]: s for s in normal}
# libiscsi offers InitialR2T=Yes; with ImmediateData=No as well,
# FirstBurstLength is Irrelevant (null).
for name, imm, first in (("iqn.2024-01.org.iscsiwatch:alpha", True, 65536),
                         ("iqn.2024-01.org.iscsiwatch:bravo", False, None)):
    s = by.get(name)
    check("session of " + name, s is not None)
    if not s:
        continue
    c = s["cim"]
    check(name + ": target name", c["Name"].split(",")[3] == iqn)
    check(name + ": TSIH non-zero", (c["TSIH"] or 0) != 0)
    check(name + ": logged out -> Stopped", c["Status"] == "Stopped")
    check(name + ": ImmediateData %s" % imm, c["ImmediateData"] is imm)
    check(name + ": MaxDataBurstLength 262144 (got %s)" % c["MaxDataBurstLength"], c["MaxDataBurstLength"] == 262144)
    check(name + ": FirstBurstLength %s (got %s)" % (first, c["MaxUnsolicitedFirstDataBurstLength"]),
          c["MaxUnsolicitedFirstDataBurstLength"] == first)
    check(name + ": InitialR2T true", c["InitialR2T"] is True)
    check(name + ": ErrorRecoveryLevel 0", c["ErrorRecoveryLevel"] == 0)
    check(name + ": not incomplete", s["incomplete"] is False)
events = [json.loads(l) for l in open(ev) if l.strip()]
kinds = {}
for e in events:
    kinds.setdefault(e["kind"], 0)
    kinds[e["kind"]] += 1
print("     events:", ", ".join("%s=%d" % kv for kv in sorted(kinds.items())))
for s in normal:
    iid = s["cim"]["InstanceID"]
    mine = [e for e in events if e.get("instance_id") == iid]
    check("events of TSIH %d (%d)" % (s["cim"]["TSIH"], len(mine)), len(mine) >= 2)
sys.exit(1 if fails else 0)
EOF
rc=$?
[ "$rc" -eq 0 ] || { echo "stderr of iscsiwatch:"; cat "$PEER_TMP/iw.err"; exit 1; }
echo "all checks passed"
