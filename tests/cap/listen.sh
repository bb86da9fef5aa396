#!/bin/bash
# --listen with -r: the state at the end of the capture is served until
# SIGTERM. /metrics passes `promtool check metrics` and has the failed
# logins of tgtd-chap.pcapng by status; /sessions is byte for byte the
# --json file written at the stop; both, fetched by `curl --compressed`,
# come gzip'd (Content-Encoding, Vary) and inflate to the same bytes, and
# plain (no Content-Encoding) to a request that does not accept gzip;
# the start-up line and the 404 name every route; unknown paths 404, other methods 405,
# HEAD has no body; a body is taken by POST /cimom only, up to 256 KiB
# (413 past it, and for any body sent to a GET path). A bad --listen is a usage error (exit 2), a port in
# use fails before any packet is read (exit 1), --export-every without a
# file to rewrite is refused (exit 2).
set -u
B=${1:-build}
cd "$(dirname "$0")/../.." || exit 2
BIN=$PWD/$B/iscsiwatch
T=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$T"' EXIT
command -v promtool >/dev/null 2>&1 || { echo "promtool not installed (Debian package prometheus)"; exit 77; }

"$BIN" -r captures/tgtd-chap.pcapng --no-tui --listen 127.0.0.1:0 --json "$T/out.json" \
	>"$T/out" 2>"$T/err" &
pid=$!
for ((i = 0; i < 100; i++)); do
	grep -q serving "$T/err" && break
	sleep 0.05
done
addr=$(sed -n 's|^iscsiwatch: serving http://\([^/]*\)/metrics.*|\1|p' "$T/err")
[ -n "$addr" ] || { cat "$T/err"; echo "FAIL: not serving"; exit 1; }
sleep 0.5 # past the end of the file: still serving
fail=0
if grep -qx "iscsiwatch: serving http://$addr/metrics, /sessions (GET) and /cimom (POST)" "$T/err"; then
	echo "ok   the start-up line names the three routes"
else
	echo "FAIL: start-up line: $(grep serving "$T/err")"; fail=1
fi
# curl decodes --compressed answers itself; -D keeps the headers as sent.
for p in metrics sessions; do
	curl -sS -D "$T/$p.h0" -o "$T/$p.plain" "http://$addr/$p"
	curl -sS -H 'Accept-Encoding: deflate, gzip;q=0' -D "$T/$p.h1" -o "$T/$p.refused" "http://$addr/$p"
	curl -sS --compressed -D "$T/$p.h2" -o "$T/$p.unz" "http://$addr/$p"
	curl -sS -H 'Accept-Encoding: gzip' -o "$T/$p.gz" "http://$addr/$p"
	if grep -qi '^content-encoding' "$T/$p.h0" "$T/$p.h1"; then
		echo "FAIL: /$p encoded for a client that did not accept gzip"; fail=1
	elif ! cmp -s "$T/$p.plain" "$T/$p.refused"; then
		echo "FAIL: /$p: gzip;q=0 answered other bytes"; fail=1
	elif ! grep -qi '^content-encoding: gzip' "$T/$p.h2" ||
		! grep -qi '^vary: accept-encoding' "$T/$p.h2" ||
		! grep -qi '^vary: accept-encoding' "$T/$p.h0"; then
		echo "FAIL: /$p headers: $(tr -d '\r' <"$T/$p.h2" | tr '\n' ' ')"; fail=1
	elif ! cmp -s "$T/$p.plain" "$T/$p.unz" ||
		! gzip -t "$T/$p.gz" || ! gzip -dc "$T/$p.gz" | cmp -s - "$T/$p.plain"; then
		echo "FAIL: /$p gzip'd does not inflate to the plain body"; fail=1
	elif [ "$(wc -c <"$T/$p.gz")" -ge "$(wc -c <"$T/$p.plain")" ]; then
		echo "FAIL: /$p gzip'd is not smaller"; fail=1
	else
		echo "ok   /$p gzip'd with curl --compressed ($(wc -c <"$T/$p.gz") bytes for $(wc -c <"$T/$p.plain")), plain otherwise, same body"
	fi
done
python3 - "$addr" "$T" <<'PY'
import http.client, subprocess, sys
sys.path.insert(0, "tests")
from checks import check, done
addr, T = sys.argv[1:3]
host, port = addr.rsplit(":", 1)
def req(method, path, body=None):
    c = http.client.HTTPConnection(host, int(port), timeout=5)
    c.request(method, path, body=body)
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read()
st, h, m = req("GET", "/metrics")
check("/metrics 200", st, 200)
p = subprocess.run(["promtool", "check", "metrics"], input=m, capture_output=True)
check("promtool check metrics", (p.returncode, p.stdout + p.stderr), (0, b""))
m = m.decode()
check("the authentication failure counted",
      'iscsiwatch_login_failures_total{initiator="iqn.2024-01.org.iscsiwatch:gen",target="iqn.2024-01.org.iscsiwatch:disk1",status="0x0201",reason="authentication failure"} 1' in m, True)
check("the unknown target counted",
      'iscsiwatch_login_failures_total{initiator="iqn.2024-01.org.iscsiwatch:gen",target="iqn.2024-01.org.iscsiwatch:no-such-disk",status="0x0203",reason="target not found"} 1' in m, True)
check("sessions by state", 'iscsiwatch_sessions{state="Error"} 2' in m, True)
st, h, s = req("GET", "/sessions")
check("/sessions 200 application/json", (st, h.get("Content-Type")), (200, "application/json"))
open(T + "/sessions.json", "wb").write(s)
st, h, b = req("GET", "/nope")
check("unknown path 404 naming the routes", (st, b),
      (404, b"not found (try GET /metrics, GET /sessions or POST /cimom)\n"))
st, h, _ = req("POST", "/metrics", b"x")
check("POST /metrics 405 with Allow: GET", (st, h.get("Allow")), (405, "GET"))
st, h, b = req("HEAD", "/metrics")
check("HEAD: 200, no body", (st, b), (200, b""))
# The bounds man/iscsiwatch.8, docs/live.md and docs/deploy.md state:
# only POST /cimom takes a body, up to 256 KiB (CIMXML_MAX_REQUEST).
for path in ("/metrics", "/sessions"):
    st, h, b = req("GET", path, b"x")
    check(f"GET {path} with a body: 413, unserved", (st, b), (413, b"request body too large\n"))
st, h, b = req("POST", "/cimom", b"<" * (256 * 1024 + 1))
check("POST /cimom of 256 KiB + 1: 413", (st, b), (413, b"request body too large\n"))
st, h, b = req("POST", "/cimom", b"<" * (256 * 1024))
check("POST /cimom of 256 KiB: read, 400 not well formed",
      (st, h.get("CIMError")), (400, "request-not-well-formed"))
st, h, _ = req("GET", "/cimom")
check("GET /cimom 405 with Allow: POST", (st, h.get("Allow")), (405, "POST"))
done()
PY
rc=$?
kill -TERM "$pid"
wait "$pid"
wrc=$?
pid=
[ "$rc" -eq 0 ] || fail=$rc
[ "$wrc" -eq 0 ] || { echo "FAIL: exit $wrc after SIGTERM"; fail=1; }
if cmp -s "$T/sessions.json" "$T/out.json"; then
	echo "ok   /sessions is the --json document"
else
	echo "FAIL: /sessions differs from the --json file"; fail=1
fi

# Refusals, each one line, before any packet.
"$BIN" -r captures/demo.pcapng --listen 127.0.0.1:99999 >/dev/null 2>"$T/e1"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/e1")" -eq 1 ] && grep -q -- '--listen 127.0.0.1:99999' "$T/e1"; then
	echo "ok   bad --listen: exit 2, one line"
else
	echo "FAIL: bad --listen: exit $rc: $(cat "$T/e1")"; fail=1
fi
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(10)' >"$T/busy" &
holder=$!
for ((i = 0; i < 50; i++)); do [ -s "$T/busy" ] && break; sleep 0.1; done
"$BIN" -r captures/demo.pcapng --no-tui --listen "127.0.0.1:$(cat "$T/busy")" --pdus >"$T/o2" 2>"$T/e2"
rc=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
if [ "$rc" -eq 1 ] && [ ! -s "$T/o2" ] && grep -q 'cannot listen' "$T/e2"; then
	echo "ok   port in use: exit 1 before any packet ($(cat "$T/e2"))"
else
	echo "FAIL: port in use: exit $rc, $(wc -c <"$T/o2") bytes out: $(cat "$T/e2")"; fail=1
fi
"$BIN" -r captures/demo.pcapng --export-every 5 >/dev/null 2>"$T/e3"
rc=$?
if [ "$rc" -eq 2 ] && grep -q -- '--export-every' "$T/e3"; then
	echo "ok   --export-every without --json/--mof: exit 2"
else
	echo "FAIL: --export-every alone: exit $rc: $(cat "$T/e3")"; fail=1
fi
[ "$fail" -eq 0 ] && echo "all checks passed"
exit "$fail"
