#!/bin/bash
# Names and aliases from the wire with terminal escapes, invalid UTF-8, a
# newline, a quote, a backslash and printf conversions
# (tests/regress/pcap/escape-names.pcap, made by fuzz/craft_hostile.py):
# JSON and NDJSON stay valid UTF-8 JSON with the bytes escaped, MOF escapes
# them per DSP0221 (\x.. \" \\), and the table, --pdus and -v print no raw
# control byte.
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cap=tests/regress/pcap/escape-names.pcap
"$B/iscsiwatch" -r "$cap" --json "$T/s.json" --mof "$T/s.mof" \
	--events "$T/e.ndjson" >"$T/table.txt" 2>"$T/err" || { cat "$T/err"; exit 1; }
"$B/iscsiwatch" -r "$cap" --pdus >"$T/pdus.txt" 2>>"$T/err" || exit 1
"$B/iscsiwatch" -r "$cap" --perspective initiator -v >"$T/table2.txt" 2>>"$T/err" || exit 1
python3 - "$T" <<'PY'
import json, os, re, sys
d = sys.argv[1]
def raw(n):
    return open(os.path.join(d, n), "rb").read()
def no_controls(n, allow=b"\n", del_ok=False):
    b = raw(n)
    bad = [c for c in b if (c < 0x20 and c not in allow) or (c == 0x7f and not del_ok)]
    assert not bad, "%s: raw control bytes %r" % (n, sorted(set(bad)))
    b.decode("utf-8")  # valid UTF-8 (raises otherwise)
fail = 0
def check(name, fn):
    global fail
    try:
        fn()
        print("ok   " + name)
    except Exception as e:
        print("FAIL %s: %s" % (name, e))
        fail = 1

def j():
    no_controls("s.json", del_ok=True)  # RFC 8259: DEL needs no escape
    doc = json.loads(raw("s.json"))
    s = doc["sessions"][0]
    txt = json.dumps(s)
    assert "\\u001b[31m" in txt.lower(), "ESC not kept escaped"
    assert 'line1\\nline2 \\"quoted\\" back\\\\slash' in txt, "alias"
check("JSON: valid UTF-8, controls escaped, alias kept", j)

def m():
    no_controls("s.mof")
    t = raw("s.mof").decode()
    assert not re.search(r"[^\x20-\x7e\n]", t), "non-ASCII in MOF"
    assert 'line1\\x0Aline2 \\"quoted\\" back\\\\slash\\x0D' in t, "alias escape"
    assert "\\x1B[31m" in t and "\\xFF" in t, "ESC / 0xFF escape"
    # every string literal is closed on its line: quotes balance
    for line in t.splitlines():
        unesc = re.sub(r'\\.', '', line)
        assert unesc.count('"') % 2 == 0, "unbalanced quotes: " + line
check("MOF: printable ASCII, DSP0221 escapes, literals closed", m)

def e():
    no_controls("e.ndjson", del_ok=True)
    lines = raw("e.ndjson").decode().splitlines()
    assert lines
    for l in lines:
        json.loads(l)
check("NDJSON: every line valid JSON, no raw control", e)

def t():
    for n in ("table.txt", "table2.txt", "pdus.txt", "err"):
        no_controls(n)
    for n in ("table.txt", "table2.txt"):
        for l in raw(n).decode().splitlines():
            assert not l.lstrip().startswith("line2"), "alias newline reached the table"
check("table, -v, --pdus: no raw control byte, no split line", t)

def f():
    # printf conversions in a name are text, never a format
    assert "%s%n" in json.loads(raw("s.json"))["sessions"][0]["target"]["alias"]
check("printf conversions from the wire printed as text", f)
sys.exit(fail)
PY
