#!/bin/bash
# A real WBEM client against the sensor: sblim-wbemcli (Debian
# sblim-wbemcli) talks CIM-XML (DSP0200) to `iscsiwatch -r CAPTURE
# --listen 127.0.0.1:0` (POST /cimom). On tgtd-chap.pcapng (3 sessions:
# mutual CHAP, a refused CHAP login, an unknown target):
#   ein / ei CIM_iSCSISession   every session, as ISCSIWATCH_iSCSISession,
#                               with the properties the --json file has
#   gi                          each session by its name, same properties
#   ain -ac CIM_NetworkPipeComposition   a session's connections
#   rin                         the compositions naming it
#   a bad class, a bad namespace, a bad key: the CIM error codes
#   di (a modifying operation): CIM_ERR_NOT_SUPPORTED
# The namespace the MOF names works too, in any letter case.
#
# wbemcli takes the '@' of our InstanceIDs for a user@host separator, so
# paths with keys are given with a dummy "x:y@" user part (the sensor asks
# for no authentication).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$PWD/$B/iscsiwatch
T=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$T"' EXIT
command -v wbemcli >/dev/null 2>&1 || { echo "wbemcli not installed (Debian package sblim-wbemcli)"; exit 77; }

CAP=captures/tgtd-chap.pcapng
"$BIN" -r $CAP --no-tui --listen 127.0.0.1:0 --json "$T/out.json" >"$T/out" 2>"$T/err" &
pid=$!
for ((i = 0; i < 100; i++)); do
	grep -q serving "$T/err" && break
	sleep 0.05
done
addr=$(sed -n 's|^iscsiwatch: serving http://\([^/]*\)/metrics.*|\1|p' "$T/err")
[ -n "$addr" ] || { cat "$T/err"; echo "FAIL: not serving"; exit 1; }
sleep 0.5 # past the end of the file

U=http://$addr/root/cimv2
wbemcli ein "$U:CIM_iSCSISession" >"$T/ein" 2>"$T/ein.err"
wbemcli ei "$U:CIM_iSCSISession" >"$T/ei" 2>"$T/ei.err"
wbemcli ein "http://$addr/ROOT/cimv2/Storage/iSCSITarget:CIM_ManagedElement" >"$T/ein-me" 2>&1
: >"$T/gi"; : >"$T/ain"; : >"$T/rin"
while read -r path; do
	wbemcli gi "http://x:y@$path" >>"$T/gi" 2>&1
	echo "== $path" >>"$T/ain"
	wbemcli ain -ac CIM_NetworkPipeComposition "http://x:y@$path" >>"$T/ain" 2>&1
	echo "== $path" >>"$T/rin"
	wbemcli rin "http://x:y@$path" >>"$T/rin" 2>&1
done <"$T/ein"
first=$(head -1 "$T/ein")
wbemcli ein "$U:CIM_NoSuchClass" >"$T/badclass" 2>&1
wbemcli ein "http://$addr/root/nowhere:CIM_iSCSISession" >"$T/badns" 2>&1
wbemcli gi "$U:ISCSIWATCH_iSCSISession.InstanceID=\"ISCSIWATCH:none\"" >"$T/badkey" 2>&1
wbemcli di "http://x:y@$first" >"$T/di" 2>&1
kill -TERM "$pid"; wait "$pid"; pid=

PYTHONPATH=tests python3 - "$T" <<'PY'
import json, os, re, sys
from checks import check, done
T = sys.argv[1]
rd = lambda n: open(os.path.join(T, n), encoding="utf-8", errors="replace").read()
doc = json.load(open(os.path.join(T, "out.json")))
sessions = [s["cim"] for s in doc["sessions"]]
ids = [s["InstanceID"] for s in sessions]
ein = rd("ein").splitlines()
check("ein: no error", rd("ein.err"), "")
check("ein: every session, concrete class",
      sorted(re.sub(r'^.*:ISCSIWATCH_iSCSISession\.InstanceID="(.*)"$', r"\1", l) for l in ein),
      sorted(ids))

def props(line):
    """wbemcli's 'path Prop=value,Prop=value' as a dict of strings."""
    out = {}
    body = line.split(" ", 1)[1] if " " in line else ""
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)', body):
        v = m.group(2)
        out[m.group(1)] = v[1:-1] if v.startswith('"') else v
    return out

def same(where, got, cim):
    for k in ("Name", "TSIH", "SessionType", "Status", "ISID", "TPGT",
              "CurrentConnections", "MaxDataBurstLength", "EnabledState"):
        want = cim[k]
        want = "" if want is None else str(want)
        check(f"{where}: {k}", got.get(k), want)
    check(f"{where}: OperationalStatus", got.get("OperationalStatus"),
          ",".join(str(x) for x in cim["OperationalStatus"]))

ei = [l for l in rd("ei").splitlines() if l.strip()]
check("ei: no error", rd("ei.err"), "")
check("ei: one line per session", len(ei), len(sessions))
for line in ei:
    p = props(line)
    cim = next((c for c in sessions if c["InstanceID"] == p.get("InstanceID")), None)
    check("ei: instance known", cim is not None, True)
    if cim:
        same("ei " + cim["InstanceID"][-16:], p, cim)
gi = [l for l in rd("gi").splitlines() if l.strip()]
check("gi: one instance per name", len(gi), len(sessions))
for line in gi:
    p = props(line)
    cim = next((c for c in sessions if c["InstanceID"] == p.get("InstanceID")), None)
    check("gi: the instance asked for", cim is not None, True)
    if cim:
        same("gi " + cim["InstanceID"][-16:], p, cim)

# ain: each session's connections, by their InstanceIDs.
blocks = rd("ain").split("== ")[1:]
for b, s in zip(blocks, doc["sessions"]):
    got = sorted(re.findall(r':ISCSIWATCH_iSCSIConnection\.InstanceID="([^"]*)"', b))
    want = sorted(c["cim"]["InstanceID"] for c in s["connections"])
    check(f"ain {s['cim']['InstanceID'][-16:]}: its connections", got, want)
rblocks = rd("rin").split("== ")[1:]
for b, s in zip(rblocks, doc["sessions"]):
    check(f"rin {s['cim']['InstanceID'][-16:]}: one composition per connection",
          b.count("CIM_NetworkPipeComposition.GroupComponent="), len(s["connections"]))
nconn = sum(len(s["connections"]) for s in doc["sessions"])
check("MOF namespace, deep: sessions and connections under CIM_ManagedElement",
      len([l for l in rd("ein-me").splitlines() if l.strip()]), len(sessions) + nconn)
check("bad class", "(5) CIM_ERR_INVALID_CLASS" in rd("badclass"), True)
check("bad namespace", "(3) CIM_ERR_INVALID_NAMESPACE" in rd("badns"), True)
check("bad key", "(6) CIM_ERR_NOT_FOUND" in rd("badkey"), True)
check("delete refused", "(7) CIM_ERR_NOT_SUPPORTED" in rd("di"), True)
done()
PY
