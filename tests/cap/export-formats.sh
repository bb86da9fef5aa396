#!/bin/bash
# Every committed capture through --json, --mof and --events: the JSON parses,
# two runs give identical bytes (nothing comes from the wall clock), no
# temporary file is left, the MOF is valid UTF-8 with balanced instances, CHAP
# challenges and responses appear only as {"present", "length"}, and the CIM
# properties agree between JSON and MOF. (No MOF compiler is packaged in
# Debian; the full MOF grammar/type check is tests/cap/mof-conformance.sh.)
set -u
B=${1:-build}
BIN=$B/iscsiwatch
[ -x "$BIN" ] || { echo "skip: $BIN not built"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for cap in captures/*.pcapng; do
	n=$(basename "$cap" .pcapng)
	for run in 1 2; do
		"$BIN" -r "$cap" --json "$T/$n.$run.json" --mof "$T/$n.$run.mof" \
			--events "$T/$n.$run.ndjson" >/dev/null 2>"$T/$n.err" ||
			{ echo "FAIL $n: exit status $? ($(head -1 "$T/$n.err"))"; fail=1; continue 2; }
	done
	cmp -s "$T/$n.1.json" "$T/$n.2.json" || { echo "FAIL $n: JSON differs between runs"; fail=1; }
	cmp -s "$T/$n.1.mof" "$T/$n.2.mof" || { echo "FAIL $n: MOF differs between runs"; fail=1; }
	cmp -s "$T/$n.1.ndjson" "$T/$n.2.ndjson" || { echo "FAIL $n: events differ between runs"; fail=1; }
	python3 - "$T/$n.1.json" "$T/$n.1.mof" "$T/$n.1.ndjson" <<'PY' || { echo "FAIL $n"; fail=1; }
import json, re, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
mof = open(sys.argv[2], "rb").read().decode("utf-8")  # must be UTF-8
for line in open(sys.argv[3], encoding="utf-8"):
    ev = json.loads(line)
    assert set(ev) >= {"ts", "kind", "session", "instance_id", "seq", "cid", "detail"}, ev
def secrets(o, path=""):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("CHAP_C", "CHAP_R"):
                for side in ("offered", "answered"):
                    x = v.get(side)
                    assert x is None or set(x) == {"present", "length"}, (path, k, x)
                assert v.get("result") is None
            secrets(v, path + "/" + k)
    elif isinstance(o, list):
        for x in o:
            secrets(x, path)
secrets(doc)
for s in doc["sessions"]:
    for c in [s["auth"].get("chap_challenge") or {}, s["auth"].get("chap_response") or {}]:
        for v in c.values():
            assert v is None or set(v) == {"present", "length"}, v
opens = mof.count("instance of ")
closes = len(re.findall(r"^};$", mof, re.M))
nconn = sum(len(s["connections"]) for s in doc["sessions"])
# A session, its connections and one composition per connection.
assert opens == closes == len(doc["sessions"]) + 2 * nconn, (opens, closes)
for s in doc["sessions"]:
    cim = s["cim"]
    assert len(cim) == 1 + 32 + 8, len(cim)  # __CLASS, CIM_iSCSISession, ISCSIWATCH_
    assert cim["__CLASS"] == "ISCSIWATCH_iSCSISession"
    assert len(cim["Caption"]) <= 64
    iid = cim["InstanceID"].replace("\\", "\\\\").replace('"', '\\"')
    assert 'InstanceID = "%s";' % iid in mof, iid
    if cim["TSIH"] is not None:
        assert cim["OperationalStatus"][0] in (2, 3, 6, 8, 9, 10, 13)
PY
	ls "$T" | grep -q '\.tmp\.' && { echo "FAIL $n: temporary file left"; fail=1; }
done
# An export into a missing directory: refused at start (issue 13), exit 2,
# one line, no file.
"$BIN" -r captures/demo.pcapng --json "$T/none/x.json" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -e "$T/none/x.json" ] ||
	{ echo "FAIL: unwritable --json gave status $rc: $(cat "$T/err")"; fail=1; }
[ $fail -eq 0 ] && echo "ok: $(ls captures/*.pcapng | wc -l) captures exported to JSON, MOF and NDJSON"
exit $fail
