#!/bin/bash
# tests/peer/session-life.sh BUILD - live: a session's life as the model
# must tell it, against tgtd with mutual CHAP and header digests.
#   a: mutual CHAP, HeaderDigest=CRC32C, I/O, logout      -> Stopped (logout)
#   b: one-way CHAP, killed with SIGKILL while logged in,
#      then 3 s of capture time pass (Time2Wait 2 + Time2Retain 0)
#                                                         -> Stopped (retain expired)
#   c: a wrong CHAP secret                                 -> Error 0x0201
#   d: killed while logged in, the capture ends at once    -> Enabled but Offline
# Every value is checked against what tgtd was configured with and what
# the initiator was told to offer; no CHAP secret, challenge or response
# may appear in any output (JSON, MOF, NDJSON, table, --pdus, -v).
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm tcpdump editcap tshark python3
peer_init
set -u

port=$(peer_free_port 3263)
iqn=iqn.2024-01.org.iscsiwatch:life
tgtd_start "$port" "$iqn" 4M || { echo "tgtd did not start"; exit 1; }
tgtd_chap life-user life-secret-1234 life-tgt life-tsecret-567 || { echo "tgtadm account failed"; exit 1; }
tgtd_param HeaderDigest CRC32C,None || { echo "tgtadm HeaderDigest failed"; exit 1; }
cap=$PEER_TMP/cap.pcapng
cap_start "$cap" "$port" || { echo "tcpdump did not start"; exit 1; }
base=iqn.2024-01.org.iscsiwatch
g=(--portal "127.0.0.1:$port" -t "$iqn" --chap-user life-user)
peer_gen "${g[@]}" -i "$base:a" --chap-secret life-secret-1234 --target-user life-tgt \
	--target-secret life-tsecret-567 -H crc32c,none -r 2 -w 2 >"$PEER_TMP/a.json" ||
	{ echo "session a failed: $(cat "$PEER_TMP/a.json")"; exit 1; }

# kill_held NAME : logs in, waits until iscsi-gen says it holds the
# session in full feature phase, then kills it like a crashed host.
kill_held() {
	local log=$PEER_TMP/$1.err i
	# The binary itself, not the peer_gen function: $! must be its pid.
	"$PEER_BUILD/tools/iscsi-gen" "${g[@]}" -i "$base:$1" --chap-secret life-secret-1234 -r 1 --hold 30 \
		>"$PEER_TMP/$1.json" 2>"$log" &
	local pid=$!
	PEER_PIDS+=("$pid")
	for i in $(seq 100); do
		grep -q holding "$log" && break
		sleep 0.1
	done
	grep -q holding "$log" || { echo "session $1 never held: $(cat "$log")"; return 1; }
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	peer_forget "$pid"
}
kill_held b || exit 1
sleep 3 # Time2Wait (2) + Time2Retain (0) pass on the capture clock
peer_gen "${g[@]}" -i "$base:c" --chap-secret wrong-secret-000 --expect-login-fail >"$PEER_TMP/c.json" ||
	{ echo "bad secret accepted"; exit 1; }
kill_held d || exit 1
cap_stop || { echo "capture failed"; exit 1; }
tgtd_stop

o=$PEER_TMP/out
"$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --json "$o.json" --mof "$o.mof" --events "$o.ndjson" -v \
	>"$o.table" 2>"$o.err" || { echo "iscsiwatch failed"; cat "$o.err"; exit 1; }
"$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --pdus >"$o.pdus" 2>/dev/null

# Secrets and secret-derived material: the passwords, and every CHAP_C /
# CHAP_R value tshark sees on the wire.
fail=0
{
	printf '%s\n' life-secret-1234 life-tsecret-567 wrong-secret-000
	tshark -r "$cap" -d "tcp.port==$port,iscsi" -Y iscsi -T fields -e iscsi.keyvalue 2>/dev/null |
		tr ',' '\n' | grep -E '^CHAP_(C|R)=' | cut -d= -f2 | sed 's/^0x//'
} | sort -u >"$PEER_TMP/secrets"
n=$(wc -l <"$PEER_TMP/secrets")
[ "$n" -ge 7 ] || { echo "FAIL: expected CHAP material on the wire, found $n values"; exit 1; }
while read -r v; do
	if grep -qiF -e "$v" "$o".*; then echo "FAIL: secret material ${v:0:6}... in an output"; fail=1; fi
done <"$PEER_TMP/secrets"
[ "$fail" -eq 0 ] && echo "ok   $n secrets/challenges/responses absent from every output"

PYTHONPATH="$PEER_TESTS" python3 - "$o.json" "$base" "$iqn" <<'PY' || fail=1
import json, sys
doc = json.load(open(sys.argv[1]))
base, iqn = sys.argv[2], sys.argv[3]
from checks import check, done
S = {s["initiator"]["name"]: s for s in doc["sessions"]}
check("sessions", sorted(S), [f"{base}:{x}" for x in "abcd"])
a, b, c, d = (S[f"{base}:{x}"] for x in "abcd")
ac = a["connections"][0]["cim"]
check("a: AuthenticationMethodUsed CHAP", ac["AuthenticationMethodUsed"], 4)
check("a: MutualAuthentication", ac["MutualAuthentication"], True)
check("a: CHAP names as configured", a["auth"]["chap_names"], {"initiator": "life-user", "target": "life-tgt"})
check("a: HeaderDigestMethod CRC32C", ac["HeaderDigestMethod"], 3)
check("a: logged out", (a["cim"]["EnabledState"], a["cim"]["OperationalStatus"], a["end_reason"]), (3, [10], "logout"))
check("b: one-way CHAP", (b["connections"][0]["cim"]["MutualAuthentication"], b["auth"]["mutual"]), (False, False))
check("b: HeaderDigestMethod none (libiscsi offers None)", b["connections"][0]["cim"]["HeaderDigestMethod"], 2)
check("b: Time2Wait/Time2Retain", (b["cim"]["DefaultTimeToWait"], b["cim"]["DefaultTimeToRetain"]), (2, 0))
check("b: killed, retain time passed -> Disabled", (b["cim"]["EnabledState"], b["cim"]["OperationalStatus"]), (3, [10]))
check("b: end reason", b["end_reason"], "retain_expired")
bk = [e["kind"] for e in b["events"]]
check("b: lost before it ended", bk.index("session_lost") < bk.index("session_ended"), True)
check("c: failed login", (c["cim"]["OperationalStatus"], c["cim"]["EnabledState"], c["cim"]["TSIH"]), ([6], 3, 0))
check("c: reason", c["cim"]["StatusDescriptions"], ["Login failed: authentication failure (0x0201)"])
check("d: killed, within Time2Wait+Time2Retain -> Enabled but Offline",
      (d["cim"]["EnabledState"], d["cim"]["OperationalStatus"], d["cim"]["HealthState"]), (6, [13], 20))
check("d: TSIH assigned", d["cim"]["TSIH"] > 0, True)
done()
PY
exit $fail
