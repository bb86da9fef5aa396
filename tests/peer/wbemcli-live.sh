#!/bin/bash
# tests/peer/wbemcli-live.sh BUILD - a WBEM client against a live sensor:
# iscsiwatch captures lo with --listen while iscsi-gen holds a session to
# tgtd; sblim-wbemcli (CIM-XML, POST /cimom) then sees it running
# (OperationalStatus {2}, CurrentConnections 1, TSIH from the login) and
# `ain -ac CIM_NetworkPipeComposition` gives its one connection, whose
# instance (gi) names both TCP ends. After the logout the same instance
# is Stopped ({10}) with no current connection.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm wbemcli python3
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3320)
iqn=iqn.2024-01.org.iscsiwatch:wbem
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }

"$PEER_BUILD/iscsiwatch" -i lo -p "$port" --no-tui --listen 127.0.0.1:0 \
	>"$PEER_TMP/iw.out" 2>"$PEER_TMP/iw.err" &
iw=$!
PEER_PIDS+=("$iw")
for ((i = 0; i < 100; i++)); do
	grep -q 'serving' "$PEER_TMP/iw.err" && break
	kill -0 "$iw" 2>/dev/null || break
	sleep 0.05
done
addr=$(sed -n 's|^iscsiwatch: serving http://\([^/]*\)/metrics.*|\1|p' "$PEER_TMP/iw.err")
[ -n "$addr" ] || { cat "$PEER_TMP/iw.err"; echo "FAIL: iscsiwatch not serving"; exit 1; }
sleep 0.5 # the capture is open

peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i iqn.2024-01.org.iscsiwatch:wbemcli \
	--reads 1 --hold 12 >"$PEER_TMP/gen.out" 2>"$PEER_TMP/gen.err" &
gen=$!
PEER_PIDS+=("$gen")
for ((i = 0; i < 100; i++)); do grep -q holding "$PEER_TMP/gen.err" && break; sleep 0.1; done
grep -q holding "$PEER_TMP/gen.err" || { cat "$PEER_TMP/gen.err"; echo "FAIL: no session held"; exit 1; }
sleep 0.5

U=http://$addr/root/cimv2
wbemcli ei "$U:CIM_iSCSISession" >"$PEER_TMP/ei.running" 2>&1
path=$(wbemcli ein "$U:CIM_iSCSISession" 2>&1 | head -1)
wbemcli ain -ac CIM_NetworkPipeComposition "http://x:y@$path" >"$PEER_TMP/ain" 2>&1
conn=$(head -1 "$PEER_TMP/ain")
wbemcli gi "http://x:y@$conn" >"$PEER_TMP/gi.conn" 2>&1
wait "$gen"
sleep 1 # the logout reaches the sensor
wbemcli gi "http://x:y@$path" >"$PEER_TMP/gi.ended" 2>&1
kill -TERM "$iw"

PYTHONPATH=$PEER_TESTS python3 - "$PEER_TMP" "$port" <<'PY'
import os, re, sys
from checks import check, done
T, port = sys.argv[1], sys.argv[2]
rd = lambda n: open(os.path.join(T, n), errors="replace").read()
def prop(text, k):
    m = re.search(r'[ ,]%s=("(?:[^"\\]|\\.)*"|[^,\n]*)' % k, text)
    return None if not m else m.group(1).strip('"')
run = rd("ei.running")
check("one session, concrete class", run.count(":ISCSIWATCH_iSCSISession."), 1)
check("running: OperationalStatus, CurrentConnections",
      (prop(run, "OperationalStatus"), prop(run, "CurrentConnections")), ("2", "1"))
check("running: the initiator", prop(run, "InitiatorName"), "iqn.2024-01.org.iscsiwatch:wbemcli")
check("running: TSIH assigned", (prop(run, "TSIH") or "0") != "0", True)
ain = rd("ain")
check("ain: its one connection", ain.count(":ISCSIWATCH_iSCSIConnection."), 1)
gc = rd("gi.conn")
check("connection: target end", prop(gc, "TargetAddress"), "127.0.0.1:" + port)
check("connection: in full feature phase", prop(gc, "OperationalStatus"), "2")
end = rd("gi.ended")
check("after logout: Stopped, no connection",
      (prop(end, "OperationalStatus"), prop(end, "CurrentConnections")), ("10", "0"))
done()
PY
