#!/bin/bash
# tests/cap/sessions.sh BUILD - what the committed real-peer captures
# must yield as sessions (captures/README.md says how each was made):
# CHAP and mutual CHAP with no secret material in any output, failed
# logins with their status, discovery results and irrelevant keys,
# digests, and a capture that starts mid-session (unknown stays null);
# every session's opening event names its first connection's addresses.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
iw="$build/iscsiwatch"
for c in tgtd-chap tgtd-discovery tgtd-digests midsession demo; do
	"$iw" -r "captures/$c.pcapng" --json "$tmp/$c.json" --mof "$tmp/$c.mof" \
		--events "$tmp/$c.ndjson" -v >"$tmp/$c.table" 2>"$tmp/$c.err" ||
		{ echo "FAIL iscsiwatch on $c"; cat "$tmp/$c.err"; exit 1; }
	"$iw" -r "captures/$c.pcapng" --pdus >"$tmp/$c.pdus" 2>/dev/null
done
# The CHAP challenges and responses on the wire, per tshark (without
# tshark, the values are taken from our own JSON-free PDU dump instead).
secrets=$tmp/secrets
if command -v tshark >/dev/null; then
	tshark -r captures/tgtd-chap.pcapng -d tcp.port==3260,iscsi -Y iscsi \
		-T fields -e iscsi.keyvalue 2>/dev/null | tr ',' '\n' |
		grep -E '^CHAP_(C|R)=' | cut -d= -f2 | sort -u >"$secrets"
	[ -s "$secrets" ] || { echo "FAIL: tshark shows no CHAP_C/CHAP_R in tgtd-chap"; exit 1; }
	n=0
	while read -r v; do
		# The hex digits without 0x, in either case, anywhere.
		h=${v#0x}
		if grep -rqiF -e "$h" "$tmp"/tgtd-chap.*; then
			echo "FAIL: CHAP material ${h:0:8}... appears in an output"; exit 1
		fi
		n=$((n + 1))
	done <"$secrets"
	echo "ok   $n CHAP challenge/response values absent from JSON, MOF, NDJSON, table, PDUs, counters"
else
	echo "skip secret scan: tshark not installed"
fi
PYTHONPATH="$root/tests" python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
from checks import check, done
def load(name):
    return json.load(open(f"{tmp}/{name}.json"))

# tgtd-chap: mutual CHAP success, bad secret, unknown target.
ss = load("tgtd-chap")["sessions"]
check("chap: sessions", len(ss), 3)
ok, bad, unknown = ss
c = ok["connections"][0]["cim"]
check("chap: AuthenticationMethodUsed CHAP", c["AuthenticationMethodUsed"], 4)
check("chap: MutualAuthentication", c["MutualAuthentication"], True)
check("chap: names", ok["auth"]["chap_names"], {"initiator": "gen-user", "target": "tgt-user"})
check("chap: session ended by logout", ok["cim"]["OperationalStatus"], [10])
for s, code, text in ((bad, "0x0201", "authentication failure"), (unknown, "0x0203", "target not found")):
    cim = s["cim"]
    check(f"failed login {code}: OperationalStatus", cim["OperationalStatus"], [6])
    check(f"failed login {code}: EnabledState", cim["EnabledState"], 3)
    check(f"failed login {code}: HealthState", cim["HealthState"], 20)
    check(f"failed login {code}: TSIH", cim["TSIH"], 0)
    check(f"failed login {code}: StatusDescriptions", cim["StatusDescriptions"], [f"Login failed: {text} ({code})"])
check("chap: bad secret was one-way CHAP", bad["auth"]["mutual"], False)
ev = [json.loads(l) for l in open(f"{tmp}/tgtd-chap.ndjson")]
check("chap: login_failed events", sum(e["kind"] == "login_failed" for e in ev), 2)

# Discovery: SendTargets results; session-wide keys irrelevant -> null.
s = load("tgtd-discovery")["sessions"][0]
cim = s["cim"]
check("discovery: SessionType", cim["SessionType"], 2)
for k in ("InitialR2T", "ImmediateData", "MaxDataBurstLength", "MaxUnsolicitedFirstDataBurstLength",
          "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder", "MaxConnectionsPerSession"):
    check(f"discovery: {k} irrelevant", cim[k], None)
check("discovery: ErrorRecoveryLevel", cim["ErrorRecoveryLevel"], 0)
check("discovery: targets", [t["name"] for t in s["discovery"]],
      ["iqn.2024-01.org.iscsiwatch:disk1", "iqn.2024-01.org.iscsiwatch:disk2"])
check("discovery: addresses", s["discovery"][0]["addresses"], ["127.0.0.1:3260,1"])

# Digests: HeaderDigest=CRC32C negotiated, every digest verified.
s = load("tgtd-digests")["sessions"][0]
check("digests: HeaderDigestMethod CRC32C", s["connections"][0]["cim"]["HeaderDigestMethod"], 3)
check("digests: DataDigestMethod none", s["connections"][0]["cim"]["DataDigestMethod"], 2)
check("digests: healthy", s["cim"]["HealthState"], 5)
pd = open(f"{tmp}/tgtd-digests.pdus").read().splitlines()
ffp = [l for l in pd if " LOGIN_" not in l]
check("digests: full feature PDUs with hd=ok", sum(" hd=ok " in l for l in ffp), len(ffp))
check("digests: login PDUs carry none", all(" hd=none " in l for l in pd if " LOGIN_" in l), True)
doc = load("tgtd-digests")
check("digests: no digest detected by guessing", doc["capture"]["counters"].get("digest_detected", 0), 0)

# Mid-session: found from its traffic; what was not seen is null.
s = load("midsession")["sessions"][0]
cim = s["cim"]
check("midsession: login observed", s["login_observed"], False)
check("midsession: SessionType Normal (SCSI commands seen)", cim["SessionType"], 3)
for k in ("Name", "TSIH", "InstallDate", "EndPointName", "InitialR2T", "MaxDataBurstLength", "DefaultTimeToWait"):
    check(f"midsession: {k} unknown", cim[k], None)
check("midsession: logged out", cim["OperationalStatus"], [10])

# demo: discovery then a normal session.
ss = load("demo")["sessions"]
check("demo: session types", [s["cim"]["SessionType"] for s in ss], [2, 3])

# The event that opens a session (session_starting; session_found when
# the login was missed) is session-wide (cid null) and names the
# addresses of the connection that opened it, like every later event.
for c in ("tgtd-chap", "tgtd-discovery", "tgtd-digests", "midsession", "demo"):
    first = {s["seq"]: s["connections"][0] for s in load(c)["sessions"]}
    ev = [json.loads(l) for l in open(f"{tmp}/{c}.ndjson")]
    opening = [e for e in ev if e["kind"] in ("session_starting", "session_found")]
    check(f"{c}: one opening event per session", sorted(e["seq"] for e in opening), sorted(first))
    check(f"{c}: opening events name their connection",
          [(e["cid"], f'{e["initiator_address"]}:{e["initiator_port"]}',
            f'{e["target_address"]}:{e["target_port"]}') for e in opening],
          [(None, first[e["seq"]]["initiator"], first[e["seq"]]["target"]) for e in opening])
done()
PY
