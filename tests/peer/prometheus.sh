#!/bin/bash
# tests/peer/prometheus.sh BUILD - a live sensor scraped by a real
# Prometheus. tgtd on a free loopback port; two iscsiwatch instances
# capture on lo with --listen 127.0.0.1:0 and --export-every 1; a
# Prometheus server (started here, loopback, temporary config and TSDB,
# 1 s scrape interval) scrapes both. While an iscsi-gen session is held
# open:
#  - /metrics passes `promtool check metrics` and holds the session's
#    series (connections 1, its reads and writes), labelled by seq,
#    initiator, target and isid alone, and one info series with its
#    TSIH and state OK;
#  - /sessions and the periodic JSON file hold the live session;
#  - Prometheus' query API returns the session's series from both sensors,
#    joined with the info series for its state (docs/deploy.md);
#  - what Prometheus scraped was gzip'd: tcpdump on sensor b's port (only
#    Prometheus talks to it) sees its requests carry Accept-Encoding: gzip
#    and every answer Content-Encoding: gzip.
# Then SIGTERM: both exit 0.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm python3 prometheus promtool tcpdump
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

port=$(peer_free_port 3290)
iqn=iqn.2024-01.org.iscsiwatch:prom
ini=iqn.2024-01.org.iscsiwatch:prom-gen
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }

# sensor NAME : starts iscsiwatch; its HTTP address in $PEER_TMP/NAME.addr
sensor() {
	local n=$1 i
	: >"$PEER_TMP/$n.err"
	"$PEER_BUILD/iscsiwatch" -i lo -p "$port" --no-tui --listen 127.0.0.1:0 \
		--export-every 1 --json "$PEER_TMP/$n.json" \
		>"$PEER_TMP/$n.out" 2>"$PEER_TMP/$n.err" &
	PEER_PIDS+=("$!")
	eval "pid_$n=$!"
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$PEER_TMP/$n.err" && break
		sleep 0.05
	done
	sed -n 's|^iscsiwatch: serving http://\([^/]*\)/metrics.*|\1|p' "$PEER_TMP/$n.err" >"$PEER_TMP/$n.addr"
	[ -s "$PEER_TMP/$n.addr" ] && grep -q 'listening on' "$PEER_TMP/$n.err" ||
		{ cat "$PEER_TMP/$n.err"; echo "FAIL: sensor $n did not start"; exit 1; }
}
sensor a
sensor b
addr_a=$(cat "$PEER_TMP/a.addr") addr_b=$(cat "$PEER_TMP/b.addr")
echo "ok   two sensors serving on $addr_a and $addr_b"

pport=$(peer_free_port 19090)
mkdir -p "$PEER_TMP/tsdb"
cat >"$PEER_TMP/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: iscsiwatch
    static_configs:
      - targets: ['$addr_a', '$addr_b']
EOC
promtool check config "$PEER_TMP/prometheus.yml" >/dev/null || { echo "FAIL: config"; exit 1; }
prometheus --config.file="$PEER_TMP/prometheus.yml" --storage.tsdb.path="$PEER_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$PEER_TMP/prometheus.log" 2>&1 &
PEER_PIDS+=("$!")

# The session: a few reads and writes, then held open until the checks
# are done (a loaded machine may take a while to scrape).
peer_gen --portal "127.0.0.1:$port" --target "$iqn" -i "$ini" --reads 5 --writes 3 \
	--hold 120 >"$PEER_TMP/gen.json" 2>"$PEER_TMP/gen.err" &
gen=$!
PEER_PIDS+=("$gen")
for ((i = 0; i < 100; i++)); do
	grep -q holding "$PEER_TMP/gen.err" && break
	sleep 0.1
done
grep -q holding "$PEER_TMP/gen.err" || { cat "$PEER_TMP/gen.err"; echo "FAIL: generator"; exit 1; }
sleep 1.5 # one --export-every period and a tick

python3 - "$PEER_TMP" "$addr_a" "$pport" "$ini" "$iqn" <<'PY'
import json, re, subprocess, sys, time, urllib.request, urllib.parse
tmp, addr, pport, ini, iqn = sys.argv[1:6]
fails = 0
def check(what, ok, extra=""):
    global fails
    print(("ok   " if ok else "FAIL ") + what + (" " + extra if extra and not ok else ""))
    fails += not ok
def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.headers.get("Content-Type"), r.read().decode()

ctype, metrics = get("http://%s/metrics" % addr)
check("/metrics content type is the 0.0.4 text format", ctype.startswith("text/plain; version=0.0.4"), ctype)
p = subprocess.run(["promtool", "check", "metrics"], input=metrics, capture_output=True, text=True)
check("promtool check metrics passes", p.returncode == 0, p.stdout + p.stderr)
mine = [l for l in metrics.splitlines() if not l.startswith("#") and 'initiator="%s"' % ini in l]
def val(prefix):
    for l in mine:
        if l.startswith(prefix) and "{" in l:
            return float(l.rsplit(" ", 1)[1])
    return None
conn = [l for l in mine if l.startswith("iscsiwatch_session_connections{")]
check("the session's connections series, value 1",
      len(conn) == 1 and 'target="%s"' % iqn in conn[0] and conn[0].endswith(" 1"),
      str(conn))
info = [l for l in mine if l.startswith("iscsiwatch_session_info{")]
check("one info series for the session: state OK, a TSIH, value 1",
      len(info) == 1 and 'state="OK"' in info[0] and not 'tsih=""' in info[0] and info[0].endswith(" 1"),
      str(info))
# Only what never changes labels the session's series: a state or TSIH
# label would end every counter when it changed (docs/deploy.md).
extra = {"iscsiwatch_session_info": ["tsih", "state"], "iscsiwatch_session_commands_total": ["op"],
         "iscsiwatch_session_bytes_total": ["direction"], "iscsiwatch_session_errors_total": ["kind"],
         "iscsiwatch_session_command_latency_seconds_bucket": ["le"]}
bad = []
for l in mine:
    name, labels = l.split("{", 1)
    names = re.findall(r'(?:^|,)([a-z_]+)="', labels.rsplit("}", 1)[0])
    if names != ["seq", "initiator", "target", "isid"] + extra.get(name, []):
        bad.append(l)
check("the session's series are labelled seq, initiator, target, isid (+ their own)",
      len(mine) > 40 and not bad, str(bad[:3]))
reads = [l for l in mine if l.startswith("iscsiwatch_session_commands_total{") and 'op="read"' in l]
writes = [l for l in mine if l.startswith("iscsiwatch_session_commands_total{") and 'op="write"' in l]
# libiscsi's login may add its own commands (TEST UNIT READY, READ CAPACITY): at least ours.
check("reads >= 5", reads and float(reads[0].split()[-1]) >= 5, str(reads))
check("writes == 3", writes and float(writes[0].split()[-1]) == 3, str(writes))
cnt = [l for l in mine if l.startswith("iscsiwatch_session_command_latency_seconds_count{")]
inf = [l for l in mine if l.startswith("iscsiwatch_session_command_latency_seconds_bucket{") and 'le="+Inf"' in l]
check("histogram _count equals its +Inf bucket", cnt and inf and cnt[0].split()[-1] == inf[0].split()[-1])

ctype, sessions = get("http://%s/sessions" % addr)
d = json.loads(sessions)
live = [s for s in d["sessions"] if s["cim"]["EndPointName"] and s["cim"]["EndPointName"].startswith(ini)]
check("/sessions holds the live session (Status OK)", len(live) == 1 and live[0]["cim"]["Status"] == "OK")
check("/sessions is application/json", ctype == "application/json", ctype)
f = json.load(open(tmp + "/a.json"))
live = [s for s in f["sessions"] if s["cim"]["EndPointName"] and s["cim"]["EndPointName"].startswith(ini)]
check("the periodic JSON file holds the live session", len(live) == 1 and live[0]["cim"]["Status"] == "OK")

# Prometheus: the series from both sensors.
q = ('iscsiwatch_session_connections{initiator="%s"} * on (instance, seq) group_left (state, tsih) '
     'iscsiwatch_session_info{state="OK"}') % ini
inst = set()
for _ in range(60):
    try:
        _, body = get("http://127.0.0.1:%s/api/v1/query?query=%s" % (pport, urllib.parse.quote(q)))
        r = json.loads(body)
        inst = {x["metric"]["instance"] for x in r["data"]["result"]
                if x["value"][1] == "1" and x["metric"].get("state") == "OK" and x["metric"].get("tsih")}
        if len(inst) == 2:
            break
    except OSError:
        pass
    time.sleep(0.5)
check("Prometheus joins the session's series with its state from both sensors", len(inst) == 2, str(inst))
sys.exit(1 if fails else 0)
PY
rc=$?
[ "$rc" -eq 0 ] || { echo "--- sensor a"; cat "$PEER_TMP/a.err"; tail -n 20 "$PEER_TMP/prometheus.log"; exit 1; }

# Three scrape intervals of sensor b's HTTP traffic, headers in ASCII.
bport=${addr_b##*:}
timeout 3.5 tcpdump -i lo -n -s 0 -U -w "$PEER_TMP/http-b.pcap" "tcp port $bport" 2>/dev/null
tcpdump -r "$PEER_TMP/http-b.pcap" -n -A 2>/dev/null | tr -d '\r' >"$PEER_TMP/http-b.txt"
reqs=$(grep -c 'GET /metrics HTTP/1.1$' "$PEER_TMP/http-b.txt")
reqs_gz=$(grep -ci '^Accept-Encoding: gzip$' "$PEER_TMP/http-b.txt")
answers=$(grep -c 'HTTP/1.1 200 OK$' "$PEER_TMP/http-b.txt")
answers_gz=$(grep -ci '^Content-Encoding: gzip$' "$PEER_TMP/http-b.txt")
if [ "$reqs" -ge 1 ] && [ "$reqs_gz" -eq "$reqs" ] && [ "$answers" -ge 1 ] &&
	[ "$answers_gz" -eq "$answers" ]; then
	echo "ok   Prometheus scraped gzip'd answers ($reqs requests with Accept-Encoding: gzip, $answers_gz answers Content-Encoding: gzip)"
else
	echo "FAIL: scrapes of sensor b: $reqs requests, $reqs_gz accepting gzip, $answers answers, $answers_gz gzip'd"
	grep -E '^(GET|HTTP|Accept-Encoding|Content-Encoding)' "$PEER_TMP/http-b.txt" | head -n 20
	exit 1
fi

kill -TERM "$gen" 2>/dev/null
wait "$gen" 2>/dev/null
peer_forget "$gen"
for n in a b; do
	eval "p=\$pid_$n"
	kill -TERM "$p"
	peer_wait_gone "$p" 10 || { echo "FAIL: sensor $n ignored SIGTERM"; exit 1; }
	wait "$p"
	rc=$?
	peer_forget "$p"
	[ "$rc" -eq 0 ] || { cat "$PEER_TMP/$n.err"; echo "FAIL: sensor $n exited $rc"; exit 1; }
done
echo "ok   SIGTERM: both sensors exit 0"
echo "all checks passed"
