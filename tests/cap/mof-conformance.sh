#!/bin/bash
# tests/cap/mof-conformance.sh BUILD - every capture in captures/ and
# captures/crafted/, in both perspectives, exported as MOF and checked by
# build/tools/mof-check (tests/mofcheck.c: the DSP0004 instance grammar,
# the escapes, types, ValueMaps, ranges, keys, aliases and the
# composition) against the DMTF parents (tests/mof/dmtf.mof) and the
# shipped schema (data/iscsiwatch.mof); then the same instances in the
# JSON checked for what a grammar cannot see: counts agree with the MOF,
# Status names OperationalStatus[0], StatusDescriptions is indexed with
# it, the corner states of cim-mapping.md.
#
# 0 below MinValue(1) is accepted for ErrorRecoveryLevel, ConnectionID
# and CurrentConnections only: the wire carries it (docs/output.md).
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
[ -x "$build/tools/mof-check" ] || { echo "FAIL: no $build/tools/mof-check"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for cap in captures/*.pcapng captures/crafted/*.pcap*; do
	case $cap in *not-a-capture*|*truncated*) continue ;; esac
	for persp in target initiator; do
		name=$(basename "$cap").$persp
		"$build/iscsiwatch" -r "$cap" --perspective $persp \
			--mof "$tmp/$name.mof" --json "$tmp/$name.json" \
			>/dev/null 2>"$tmp/$name.err"
		out=$("$build/tools/mof-check" -n '\\.\Root\CIMv2\Storage\iScsiTarget' \
			-z ErrorRecoveryLevel -z ConnectionID -z CurrentConnections \
			-s tests/mof/dmtf.mof -s data/iscsiwatch.mof "$tmp/$name.mof")
		rc=$?
		if [ $rc -ne 0 ]; then
			echo "FAIL $name: mof-check exit $rc"; echo "$out" | head -20
			fail=1
		fi
		echo "$out" >"$tmp/$name.counts"
		n=$((n + 1))
	done
done
# The file truncated mid-record still gives its instances (exit 1).
"$build/iscsiwatch" -r captures/crafted/truncated.pcap --mof "$tmp/t.mof" >/dev/null 2>&1
"$build/tools/mof-check" -z ErrorRecoveryLevel -z ConnectionID -z CurrentConnections \
	-s tests/mof/dmtf.mof -s data/iscsiwatch.mof "$tmp/t.mof" >"$tmp/t.out" ||
	{ echo "FAIL truncated.pcap:"; cat "$tmp/t.out"; fail=1; }
echo "$n MOF exports checked"
PYTHONPATH="$root/tests" python3 - "$tmp" <<'PY' || fail=1
import glob, json, os, re, sys
from checks import check, done
tmp = sys.argv[1]
WORD = {2: "OK", 3: "Degraded", 6: "Error", 8: "Starting", 9: "Stopping",
        10: "Stopped", 13: "Lost Comm"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
NEG = ["InitialR2T", "ImmediateData", "MaxOutstandingR2T",
       "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
       "DataSequenceInOrder", "DataPDUInOrder", "ErrorRecoveryLevel",
       "MaxConnectionsPerSession", "DefaultTimeToWait", "DefaultTimeToRetain"]
def status_ok(where, cim):
    ops = cim["OperationalStatus"]
    check(f"{where}: StatusDescriptions indexed with OperationalStatus",
          len(cim["StatusDescriptions"]), len(ops))
    check(f"{where}: Status names OperationalStatus[0]", cim["Status"], WORD.get(ops[0], "?"))
for jf in sorted(glob.glob(os.path.join(tmp, "*.json"))):
    name = os.path.basename(jf)[:-5]
    doc = json.load(open(jf))
    counts = dict(l.rsplit(" ", 1) for l in open(jf[:-5] + ".counts").read().splitlines()
                  if not l.startswith("error"))
    ns = len(doc["sessions"]); nc = sum(len(s["connections"]) for s in doc["sessions"])
    check(f"{name}: sessions in MOF", int(counts["ISCSIWATCH_iSCSISession instances"]), ns)
    check(f"{name}: connections in MOF", int(counts["ISCSIWATCH_iSCSIConnection instances"]), nc)
    check(f"{name}: one composition per connection",
          int(counts["CIM_NetworkPipeComposition instances"]), nc)
    check(f"{name}: every connection is a part",
          int(counts["ISCSIWATCH_iSCSIConnection PartComponent referenced"]), nc)
    for i, s in enumerate(doc["sessions"]):
        cim = s["cim"]; w = f"{name} session {i}"
        check(f"{w}: class", cim["__CLASS"], "ISCSIWATCH_iSCSISession")
        status_ok(w, cim)
        t = cim["TimeOfLastStateChange"]
        check(f"{w}: TimeOfLastStateChange a time or the 0 interval",
              t == "PT0S" or bool(RFC3339.match(t or "")), True)
        ffp = sum(1 for c in s["connections"]
                  if c["cim"]["OperationalStatus"][0] in (2, 3, 9))
        check(f"{w}: CurrentConnections counts connections in FFP (logout pending too)",
              cim["CurrentConnections"], ffp)
        if cim["OperationalStatus"][0] == 6:
            for k in NEG:
                check(f"{w}: failed login, {k} null", cim[k], None)
        for j, c in enumerate(s["connections"]):
            cc = c["cim"]; cw = f"{w} conn {j}"
            check(f"{cw}: class", cc["__CLASS"], "ISCSIWATCH_iSCSIConnection")
            status_ok(cw, cc)
            check(f"{cw}: ActiveiSCSIVersion boolean or null",
                  cc["ActiveiSCSIVersion"] in (True, False, None), True)
            check(f"{cw}: AuthenticationMethodUsed in its ValueMap",
                  cc["AuthenticationMethodUsed"] in (2, 3, 4, 5, None), True)
            if cc["VersionActive"] is not None:
                check(f"{cw}: ActiveiSCSIVersion agrees with VersionActive",
                      cc["ActiveiSCSIVersion"], cc["VersionActive"] != 0)
            if cc["OperationalStatus"][0] == 6:
                for k in ("HeaderDigestMethod", "DataDigestMethod",
                          "MaxReceiveDataSegmentLength", "MaxTransmitDataSegmentLength"):
                    check(f"{cw}: failed login, {k} null", cc[k], None)

# The crafted corner states (captures/crafted/README.md, craft_cim.py).
def only(name):
    d = json.load(open(os.path.join(tmp, name + ".target.json")))
    check(f"{name}: one session", len(d["sessions"]), 1)
    return d["sessions"][0]
s = only("cim-logout-pending.pcap")
check("logout pending: Stopping first, still one connection",
      (s["cim"]["OperationalStatus"], s["cim"]["Status"], s["cim"]["EnabledState"],
       s["cim"]["CurrentConnections"]), ([9], "Stopping", 4, 1))
s = only("cim-login-pending.pcap")
check("login pending: Starting, the 0 interval",
      (s["cim"]["OperationalStatus"], s["cim"]["TimeOfLastStateChange"]), ([8], "PT0S"))
mof = open(os.path.join(tmp, "cim-login-pending.pcap.target.mof")).read()
check("login pending: MOF 0 interval",
      'TimeOfLastStateChange = "00000000000000.000000:000";' in mof, True)
s = only("cim-failed-login.pcap")
check("failed login: Error, nothing negotiated",
      (s["cim"]["OperationalStatus"], [s["cim"][k] for k in NEG]), ([6], [None] * len(NEG)))
cc = s["connections"][0]["cim"]
check("failed login: no connection defaults",
      [cc[k] for k in ("HeaderDigestMethod", "DataDigestMethod",
                       "MaxReceiveDataSegmentLength", "MaxTransmitDataSegmentLength")],
      [None] * 4)
s = only("cim-spkm.pcap")
cc = s["connections"][0]["cim"]
check("spkm: AuthenticationMethodUsed null, named",
      (cc["AuthenticationMethodUsed"], "SPKM1" in cc["StatusDescriptions"][0]), (None, True))
mof = open(os.path.join(tmp, "cim-ctl-names.pcap.target.mof")).read()
check("ctl names: literal split after \\x07", 'InitiatorName = "iqn.2026-11.test:ctl\\x07" "face";' in mof, True)
check("ctl names: literal split after \\x7F", 'InitiatorAlias = "al\\x1B[31mias\\x7F" "0";' in mof, True)
s = only("cim-violation.pcap")
d = s["cim"]["StatusDescriptions"]
check("violation: result-function values, one indexed entry",
      (s["cim"]["MaxDataBurstLength"], s["cim"]["DefaultTimeToWait"], len(d)), (262144, 2, 1))
check("violation: both answers named",
      ("MaxBurstLength=1048576" in d[0], "DefaultTime2Wait=1" in d[0]), (True, True))
done()
PY
exit $fail
