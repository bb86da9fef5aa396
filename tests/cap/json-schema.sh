#!/bin/bash
# tests/cap/json-schema.sh BUILD - the JSON export and the event lines
# against their JSON Schemas (docs/iscsiwatch.schema.json,
# docs/events.schema.json; draft 2020-12, python3-jsonschema): every
# golden JSON, the JSON and events of every capture (crafted ones too:
# tunnels, failed logins, retention summaries), the naming rule checked
# on its own (snake_case outside `cim` and `negotiation`, docs/output.md),
# and mutated documents that the schemas must reject, so that passing
# means something.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
python3 -c 'import jsonschema' 2>/dev/null ||
	{ echo "python3-jsonschema missing (scripts/deps.sh test)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for cap in captures/*.pcapng captures/crafted/*.pcap captures/crafted/*.pcapng; do
	[ -f "$cap" ] || continue
	n=$(basename "$cap")
	# Exit 1 is a capture that ends early (truncated, not a capture):
	# what was written must still be valid.
	"$B/iscsiwatch" -r "$cap" --json "$T/$n.json" --events "$T/$n.ndjson" \
		>/dev/null 2>"$T/$n.err"
	[ $? -le 1 ] || { echo "FAIL $n: iscsiwatch: $(head -c 300 "$T/$n.err")"; exit 1; }
done
# Retention folds all but one ended session: "summaries" appears.
"$B/iscsiwatch" -r captures/crafted/operator.pcap --keep-ended-max 1 \
	--json "$T/summaries.json" >/dev/null 2>&1 || { echo "FAIL: --keep-ended-max 1"; exit 1; }
# The -v list names each counter as the JSON does, with the same value.
"$B/iscsiwatch" -v -r captures/crafted/lost-segment.pcap \
	--json "$T/v.json" >/dev/null 2>"$T/v.err" || { echo "FAIL: -v"; exit 1; }
python3 - "$T" <<'PY'
import copy, glob, json, os, re, sys
from jsonschema import Draft202012Validator

tmp = sys.argv[1]
fail = 0
def bad(msg):
    global fail
    fail = 1
    print("FAIL", msg)

schemas = {}
for name in ("iscsiwatch", "events"):
    s = json.load(open(f"docs/{name}.schema.json"))
    Draft202012Validator.check_schema(s)
    schemas[name] = Draft202012Validator(s)
doc_v, ev_v = schemas["iscsiwatch"], schemas["events"]

# The counters' names live in include/counters.h; the schema lists them
# so that it can require each: the two lists must be one.
ids = re.findall(r"^\s*X\(([A-Z0-9_]+),", open("include/counters.h").read(), re.M)
listed = doc_v.schema["properties"]["capture"]["properties"]["counters"]["required"]
if [i.lower() for i in ids] != listed:
    bad(f"schema counters {listed} differ from include/counters.h {ids}")

def errors(v, d):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in v.iter_errors(d)]

SNAKE = re.compile(r"[a-z][a-z0-9_]*\Z")
def names_ok(o, where):
    """The naming rule by itself: every member name outside cim and
    negotiation is snake_case."""
    if isinstance(o, dict):
        for k, v in o.items():
            if not SNAKE.match(k):
                bad(f"{where}: member {k!r} is not snake_case")
            if k not in ("cim", "negotiation"):
                names_ok(v, where)
    elif isinstance(o, list):
        for x in o:
            names_ok(x, where)

goldens = sorted(glob.glob("captures/golden/*.json"))
docs = goldens + sorted(glob.glob(os.path.join(tmp, "*.json")))
seen = {"summaries": 0, "outer": 0, "sense": 0, "chap": 0, "lines": 0}
for f in docs:
    d = json.load(open(f))
    for e in errors(doc_v, d)[:5]:
        bad(f"{f}: {e}")
    names_ok(d, f)
    seen["summaries"] += len(d.get("summaries", []))
    for s in d["sessions"]:
        seen["outer"] += sum("outer" in c for c in s["connections"])
        seen["sense"] += len(s["stats"]["sense"])
        seen["chap"] += "CHAP_C" in s["negotiation"]
for f in sorted(glob.glob(os.path.join(tmp, "*.ndjson"))):
    for i, line in enumerate(open(f), 1):
        ev = json.loads(line)
        seen["lines"] += 1
        for e in errors(ev_v, ev)[:3]:
            bad(f"{f}:{i}: {e}")
        names_ok(ev, f)
print(f"{len(goldens)} golden and {len(docs) - len(goldens)} fresh documents, "
      f"{seen['lines']} event lines checked; covered: {seen}")
# The shapes that only some captures have were really met.
for k, v in seen.items():
    if not v:
        bad(f"no document had any {k}: the check did not cover it")

vctr = {}
for l in open(os.path.join(tmp, "v.err")):
    f = l.split()
    if len(f) >= 3 and f[0].isdigit():
        vctr[f[1]] = int(f[0])
jctr = json.load(open(os.path.join(tmp, "v.json")))["capture"]["counters"]
if vctr != jctr:
    bad(f"-v counters {vctr} differ from the JSON's {jctr}")
elif not jctr["tcp_gaps"]:
    bad("lost-segment.pcap: no tcp_gaps to compare")
os.remove(os.path.join(tmp, "v.json"))

# Mutations the schemas must reject.
base = json.load(open("captures/golden/tgtd-chap.json"))
def mutated(fn):
    d = copy.deepcopy(base)
    fn(d)
    return d
s0 = lambda d: d["sessions"][0]
cases = {
    "seq a string": lambda d: s0(d).update(seq="0"),
    "unknown session member": lambda d: s0(d).update(bogus=1),
    "UPPER_CASE counter": lambda d: d["capture"]["counters"].update(TCP_GAPS=0),
    "a counter missing": lambda d: d["capture"]["counters"].pop("tcp_gaps"),
    "unknown CIM property": lambda d: s0(d)["cim"].update(Bogus=None),
    "a CIM property missing": lambda d: s0(d)["cim"].pop("TSIH"),
    "TSIH as hex text": lambda d: s0(d)["cim"].update(TSIH="0x0100"),
    "ISID without 0x": lambda d: s0(d)["initiator"].update(isid="80fffc0e0000"),
    "CHAP challenge value": lambda d: s0(d)["negotiation"]["CHAP_C"].update(offered="0x1234"),
    "unknown negotiation key": lambda d: s0(d)["negotiation"].update(header_digest={}),
    "ASC as hex text": lambda d: s0(d)["stats"]["sense"].append(
        {"key": 5, "key_name": "ILLEGAL REQUEST", "asc": "0x24", "ascq": 0, "text": "x", "count": 1}),
    "unknown end_reason": lambda d: s0(d).update(end_reason="gone"),
    "format 1": lambda d: d["iscsiwatch"].update(format=1),
    "time without microseconds": lambda d: d["capture"].update(first="2026-11-24T05:43:39Z"),
    "connection without stats": lambda d: s0(d)["connections"][0].pop("stats") if s0(d)["connections"] else s0(d).pop("stats"),
}
if not errors(doc_v, base) == []:
    bad("the base document is not valid")
for name, fn in cases.items():
    if not errors(doc_v, mutated(fn)):
        bad(f"mutation not rejected: {name}")
line = json.loads(open(glob.glob(os.path.join(tmp, "tgtd-chap.pcapng.ndjson"))[0]).readline())
ev_cases = {
    "unknown member": lambda e: e.update(extra=1),
    "tsih as hex text": lambda e: e.update(tsih="0x0100"),
    "ISID without 0x": lambda e: e.update(isid="80fffc0e0000"),
    "kind not snake_case": lambda e: e.update(kind="LoginFailed"),
    "detail missing": lambda e: e.pop("detail"),
    "a CID on the opening event": lambda e: e.update(cid=0),
}
if line["kind"] != "session_starting":
    bad(f"the first event of tgtd-chap is {line['kind']}, not session_starting")
for name, fn in ev_cases.items():
    e = copy.deepcopy(line)
    fn(e)
    if not errors(ev_v, e):
        bad(f"event mutation not rejected: {name}")
print(f"{len(cases)} document and {len(ev_cases)} event mutations tried")
sys.exit(fail)
PY
