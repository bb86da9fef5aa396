#!/bin/bash
# tests/peer/mcs-istgt.sh BUILD - live: a session with two connections
# (MC/S) against istgt (MaxConnections 2), made by build/tools/mcs-login
# (libiscsi cannot log in a second connection). istgt accepting the
# second login with the TSIH is the proof that the session is real; the
# JSON export must show ONE session with both connections, CIDs 0 and 1,
# the close-connection and close-session logouts, and MaxConnections 2.
# Then session reinstatement: a new leading login with the same ISID ends
# the old session; and an attempt at connection reinstatement: CID 1 logs
# in again while the first CID 1 is up. istgt 0.4 refuses it (0x0208); the
# refusal must show on that connection while the session carries on. (The
# model's handling of an accepted reinstatement is in tests/check_session.c.)
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root istgt tcpdump editcap python3
peer_init
set -u

port=$(peer_free_port 3261)
istgt_start "$port" mcs 4MB || { echo "istgt did not start"; exit 1; }
iqn=$ISTGT_NODEBASE:mcs
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
j1=$("$PEER_BUILD/tools/mcs-login" 127.0.0.1 "$port" "$iqn") || { echo "MC/S refused: $j1"; exit 1; }
j2=$("$PEER_BUILD/tools/mcs-login" 127.0.0.1 "$port" "$iqn" --reinstate) || { echo "reinstatement refused: $j2"; exit 1; }
j3=$("$PEER_BUILD/tools/mcs-login" 127.0.0.1 "$port" "$iqn" --reinstate-conn) || { echo "connection reinstatement refused: $j3"; exit 1; }
cap_stop || { echo "capture failed"; exit 1; }
istgt_stop
echo "mcs-login: $j1"
echo "mcs-login --reinstate: $j2"
echo "mcs-login --reinstate-conn: $j3"

out=$PEER_TMP/out.json
"$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --json "$out" || { echo "iscsiwatch failed"; exit 1; }
PYTHONPATH="$PEER_TESTS" python3 - "$out" "$iqn" "$j1" "$j2" "$j3" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
iqn, g1, g2, g3 = sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), json.loads(sys.argv[5])
from checks import check, done
ss = doc["sessions"]
check("sessions", len(ss), 4)  # MC/S, the reinstated one and its successor, conn reinstatement
s = ss[0]
cim = s["cim"]
check("session 1 TSIH", cim["TSIH"], g1["tsih"])
check("session 1 target", s["target"]["name"], iqn)
check("session 1 connections", len(s["connections"]), 2)
check("session 1 CIDs", sorted(c["cim"]["ConnectionID"] for c in s["connections"]), [0, 1])
check("session 1 MaxConnectionsPerSession", cim["MaxConnectionsPerSession"], 2)
check("session 1 EnabledState (logged out)", cim["EnabledState"], 3)
check("session 1 OperationalStatus", cim["OperationalStatus"], [10])
check("session 1 CurrentConnections", cim["CurrentConnections"], 0)
kinds = [e["kind"] for e in s["events"]]
# Both logouts, each with its reason and CID, and both connections ended
# by them. How many "logout" events that makes depends on the real peer's
# timing: istgt 0.4 sometimes closes CID 1 without a Logout Response; when
# the initiator's own FIN on it comes after the close-session logout, that
# logout's response ends both connections, in one event (session.c,
# session_logout_response); otherwise CID 1's close is its own event.
reqs = [e["detail"] for e in s["events"] if e["kind"] == "logout_requested"]
check("session 1 logout requests",
      sorted(reqs), ["close the connection (CID 1)", "close the session (CID 0)"])
check("session 1 connections ended by logout",
      [c.get("end_reason") for c in s["connections"]], ["logout", "logout"])
check("session 1 logout events (1 or 2)", kinds.count("logout") in (1, 2), True)
check("session 1 connection_added", kinds.count("connection_added"), 2)
old, new = ss[1], ss[2]
check("reinstated session TSIH", old["cim"]["TSIH"], g2["tsih"])
check("reinstated session ended", old["cim"]["EnabledState"], 3)
check("reinstated session end reason", old.get("end_reason"), "reinstated")
check("new session TSIH", new["cim"]["TSIH"], g2["reinstated_tsih"])
check("same I_T nexus", old["cim"]["Name"], new["cim"]["Name"])
check("distinct InstanceIDs", old["cim"]["InstanceID"] != new["cim"]["InstanceID"], True)
r = ss[3]
check("conn reinstatement: TSIH", r["cim"]["TSIH"], g3["tsih"])
conns = r["connections"]
check("conn reinstatement: connections", [c["cim"]["ConnectionID"] for c in conns], [0, 1, 1])
st = g3["reinstate_conn_status"]
if st == 0:
    check("conn reinstatement: old CID 1 ended by it", conns[1].get("end_reason"), "connection_reinstated")
else:
    want = "(0x%04x)" % st
    check("conn reinstatement refused: on the new connection", conns[2].get("end_reason"), "login_failed")
    check("conn reinstatement refused: event names the status",
          any(e["kind"] == "connection_login_failed" and want in e["detail"] for e in r["events"]), True)
    check("conn reinstatement refused: old CID 1 logged out", conns[1].get("end_reason"), "logout")
check("conn reinstatement: session logged out", r["cim"]["OperationalStatus"], [10])
done()
PY
