#!/bin/bash
# tests/cap/login-outcomes.sh BUILD - the login captures made by
# tests/gen/craft_login.py (captures/crafted/README.md, "Login text and
# outcomes"): login text continued from the first PDU (C=1), a login that
# is never answered, and one answered by a Reject. Each must yield the
# session its README line names; the PDU lists must be tshark's where
# tshark is installed.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files="login-continued login-continued-cut login-noresponse login-rejected"
for n in $files; do
	f=captures/crafted/$n.pcap
	"$build/iscsiwatch" -r "$f" --pdus >"$tmp/$n.pdus" 2>"$tmp/$n.err" || exit 1
	"$build/iscsiwatch" -r "$f" --json "$tmp/$n.json" --mof "$tmp/$n.mof" \
		>/dev/null 2>>"$tmp/$n.err" || exit 1
	if command -v tshark >/dev/null 2>&1; then
		awk '{print $6}' "$tmp/$n.pdus" >"$tmp/$n.ours"
		tests/tshark-pdus.sh "$f" | awk '{print $3}' >"$tmp/$n.tshark"
	fi
done
PYTHONPATH="$root/tests" python3 - "$tmp" <<'PY'
import json, os, sys
from checks import check, done
tmp = sys.argv[1]
def doc(n):
    return json.load(open(os.path.join(tmp, n + ".json")))
def lines(n, ext):
    p = os.path.join(tmp, n + "." + ext)
    return open(p).read().split() if os.path.exists(p) else None

NAME = "iqn.2026-11.test:init,i,0x801234560001,iqn.2026-11.test:target,t,0x0001"
# tshark reads a Reject's data segment (the rejected header) as one more
# PDU; everywhere else the lists must be equal.
for n, extra in (("login-continued", []), ("login-continued-cut", []),
                 ("login-noresponse", []), ("login-rejected", ["LOGIN_REQ"])):
    ours, ts = lines(n, "ours"), lines(n, "tshark")
    if ts is not None:
        check(f"{n}: PDUs as tshark's", ours + extra, ts)
    check(f"{n}: nothing on stderr", open(os.path.join(tmp, n + ".err")).read(), "")

# C=1 from the first Login Request: names and keys from the joined text.
d = doc("login-continued")
check("continued: one session", len(d["sessions"]), 1)
s = d["sessions"][0]
check("continued: Name", s["cim"]["Name"], NAME)
check("continued: initiator name", s["initiator"]["name"], "iqn.2026-11.test:init")
check("continued: target name", s["target"]["name"], "iqn.2026-11.test:target")
check("continued: MaxDataBurstLength (a key of the second part)", s["cim"]["MaxDataBurstLength"], 262144)
check("continued: DefaultTimeToWait (a key of the first part)", s["cim"]["DefaultTimeToWait"], 2)
check("continued: not incomplete", s["incomplete"], False)
check("continued: logged out", s["cim"]["OperationalStatus"], [10])
check("continued: installed at the first Login Request", s["cim"]["InstallDate"],
      "2026-11-18T11:06:40.000300Z")
c = s["connections"][0]
check("continued: PDUs counted from the first", c["pdus"], {"to_target": 5, "to_initiator": 5})

# The capture ends inside the text: nothing is guessed, and it says so.
s = doc("login-continued-cut")["sessions"][0]
check("cut: names unknown", (s["initiator"]["name"], s["target"]["name"]), (None, None))
check("cut: incomplete", s["incomplete"], True)
check("cut: login in progress", s["cim"]["OperationalStatus"], [8])
check("cut: PDUs counted", s["connections"][0]["pdus"], {"to_target": 1, "to_initiator": 1})

# Never answered; rejected: named, never "success".
for n, why in (("login-noresponse", "no response (connection closed)"),
               ("login-rejected", "rejected (protocol error)")):
    s = doc(n)["sessions"][0]
    check(f"{n}: Error", s["cim"]["OperationalStatus"], [6])
    check(f"{n}: StatusDescriptions", s["cim"]["StatusDescriptions"], ["Login failed: " + why])
    check(f"{n}: Description ends with the reason", s["cim"]["Description"].endswith(": " + why), True)
    check(f"{n}: initiator name", s["initiator"]["name"], "iqn.2026-11.test:init")
    mof = open(os.path.join(tmp, n + ".mof")).read()
    check(f"{n}: MOF says it", ('"Login failed: ' + why + '"') in mof, True)
    check(f"{n}: never success", "success" in json.dumps(s), False)
done()
PY
