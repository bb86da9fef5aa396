#!/bin/bash
# tests/peer/scsi-stats.sh BUILD - live, against tgtd and then istgt: the
# SCSI layer's figures must equal what the initiators really did.
#  - iscsi-gen session 1: READ/WRITE(10) of 8 blocks and one READ past the
#    last LBA (CHECK CONDITION on purpose); session 2: READ/WRITE(16) of
#    64 blocks (R2T + Data-Out). Each prints exact counts; the JSON
#    "stats" of its session (found by initiator name) must match them:
#    commands, reads, writes, bytes read and written, GOOD and CHECK
#    CONDITION, every command completed, nothing outstanding.
#  - the past-end READ decodes to ILLEGAL_REQUEST, ASC 0x21 ASCQ 0x00
#    (LBA out of range), in "sense" and as an NDJSON event.
#  - iscsi-inq and iscsi-readcapacity16 (libiscsi-bin) on the same LUN
#    URL: the "luns" inventory of their sessions equals what they print
#    (vendor, product, revision, device type; blocks, block size).
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm istgt tcpdump editcap iscsi-inq iscsi-readcapacity16 python3
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init; [ -n "${PEER_KEEP:-}" ] && echo "tmp: $PEER_TMP"
set -u
fails=0
BASE=iqn.2024-01.org.iscsiwatch

# gen_run ARGS... : iscsi-gen's JSON line. istgt now and then fails the
# Logout of a session whose I/O all completed (libiscsi then reports an
# empty or stale error); the SCSI counts are still exact, so such a run is kept
# when its login worked and every command it sent completed.
gen_run() {
	local j
	j=$(peer_gen "$@") && { printf '%s\n' "$j"; return 0; }
	printf '%s\n' "$j"
	printf '%s\n' "$j" | python3 -c '
import json, sys
g = json.loads(sys.stdin.read())
ok = g.get("login") == "ok" and \
     g["scsi_cmds"] == g["good"] + g["check_conditions"]
sys.exit(0 if ok else 1)' && { echo "note: logout failed after complete I/O; counts kept" >&2; return 0; }
	return 1
}

# scsi_run NAME PORT IQN LUN : traffic against a running target, captured,
# then every check. The target is stopped by the caller.
scsi_run() {
	local name=$1 port=$2 iqn=$3 lun=$4
	local cap=$PEER_TMP/$name.pcapng url="iscsi://127.0.0.1:$port/$iqn/$lun"
	cap_start "$cap" "$port" || { echo "FAIL $name: tcpdump did not start"; return 1; }
	local j1 j2
	j1=$(gen_run --portal "127.0.0.1:$port" --target "$iqn" --lun "$lun" \
		--initiator "$BASE:gen1" --reads 5 --writes 3 --blocks 8 --cdb 10 --read-past-end) ||
		{ echo "FAIL $name: generator 1: $j1"; cap_stop; return 1; }
	j2=$(gen_run --portal "127.0.0.1:$port" --target "$iqn" --lun "$lun" \
		--initiator "$BASE:gen2" --reads 2 --writes 2 --blocks 64 --cdb 16) ||
		{ echo "FAIL $name: generator 2: $j2"; cap_stop; return 1; }
	iscsi-inq -i "$BASE:inq" "$url" >"$PEER_TMP/$name.inq" 2>&1 ||
		{ echo "FAIL $name: iscsi-inq"; cat "$PEER_TMP/$name.inq"; cap_stop; return 1; }
	iscsi-readcapacity16 -i "$BASE:rc16" "$url" >"$PEER_TMP/$name.rc16" 2>&1 ||
		{ echo "FAIL $name: iscsi-readcapacity16"; cat "$PEER_TMP/$name.rc16"; cap_stop; return 1; }
	cap_stop || { echo "FAIL $name: capture failed"; return 1; }
	"$PEER_BUILD/iscsiwatch" -r "$cap" -p "$port" --json "$PEER_TMP/$name.json" \
		--events "$PEER_TMP/$name.ndjson" >/dev/null 2>"$PEER_TMP/$name.err" ||
		{ echo "FAIL $name: iscsiwatch failed"; tail -n 5 "$PEER_TMP/$name.err"; return 1; }
	python3 - "$name" "$PEER_TMP/$name.json" "$PEER_TMP/$name.ndjson" \
		"$PEER_TMP/$name.inq" "$PEER_TMP/$name.rc16" "$lun" "$j1" "$j2" <<'EOF'
import json, sys
name, jpath, evpath, inqpath, rcpath, lun = sys.argv[1:7]
gens = [json.loads(a) for a in sys.argv[7:9]]
lun = int(lun)
doc = json.load(open(jpath))
fails = 0
def expect(what, got, want):
    global fails
    if got == want:
        print(f"ok   {name} {what}: {got}")
    else:
        print(f"FAIL {name} {what}: got {got!r}, want {want!r}")
        fails += 1
def session(initiator):
    ss = [s for s in doc["sessions"] if s["initiator"]["name"] == initiator
          and s["cim"].get("SessionType") != 2]
    expect(f"sessions of {initiator}", len(ss), 1)
    return ss[0] if ss else None

base = "iqn.2024-01.org.iscsiwatch"
want_cc = want_nosense = 0
for i, g in enumerate(gens, 1):
    s = session(f"{base}:gen{i}")
    if not s:
        continue
    st = s["stats"]["scsi"]
    tag = f"gen{i}"
    expect(f"{tag} commands", st["commands"], g["scsi_cmds"])
    expect(f"{tag} completed", st["completed"], g["scsi_cmds"])
    expect(f"{tag} reads", st["reads"], g["reads"])
    expect(f"{tag} writes", st["writes"], g["writes"])
    expect(f"{tag} bytes read", st["bytes_read"], g["bytes_read"])
    expect(f"{tag} bytes written", st["bytes_written"], g["bytes_written"])
    expect(f"{tag} GOOD", st["status"]["good"], g["good"])
    expect(f"{tag} CHECK CONDITION", st["status"]["check_condition"], g["check_conditions"])
    expect(f"{tag} outstanding", st["outstanding"], 0)
    expect(f"{tag} unmatched", st["unmatched_responses"], 0)
    conn = s["connections"][0]["stats"]["scsi"]
    expect(f"{tag} connection commands", conn["commands"], g["scsi_cmds"])
    lat = s["stats"]["latency_ns"]
    expect(f"{tag} latency samples", lat and lat["count"], g["scsi_cmds"])
    if lat:
        expect(f"{tag} p50 <= p95 <= p99 <= max",
               lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"], True)
    if g.get("past_end_status") is not None:
        sense = [x for x in s["stats"]["sense"] if x["key"] == 5]
        if g.get("past_end_sense"):
            # The target sent sense data (tgtd): it must decode right.
            want_cc += 1
            expect(f"{tag} ILLEGAL REQUEST sense entries", len(sense), 1)
            if sense:
                expect(f"{tag} past-end ASC/ASCQ", (sense[0]["asc"], sense[0]["ascq"]), (0x21, 0))
                expect(f"{tag} past-end key name", sense[0]["key_name"], "ILLEGAL_REQUEST")
                expect(f"{tag} past-end text", sense[0]["text"], g["past_end_sense"])
        else:
            # istgt 0.5 answers CHECK CONDITION with no sense data at
            # all (libiscsi sees NO SENSE too): reported as such.
            want_nosense += 1
            expect(f"{tag} ILLEGAL REQUEST sense entries (target sent none)", len(sense), 0)
    # The generator's READ CAPACITY(10) fills the inventory too.
    ls = [l for l in s["luns"] if l["lun"] == lun]
    expect(f"{tag} LUN {lun} blocks", ls and ls[0]["blocks"], g["lun_blocks"])
    expect(f"{tag} LUN {lun} block size", ls and ls[0]["block_size"], g["block_size"])

events = [json.loads(l) for l in open(evpath) if l.strip()]
cc = [e for e in events if e["kind"] == "scsi_check_condition"
      and "ILLEGAL_REQUEST" in e["detail"] and "ASC 0x21 ASCQ 0x00" in e["detail"]]
expect("NDJSON CHECK CONDITION events (ILLEGAL_REQUEST, 0x21/0x00)", len(cc), want_cc)
nos = [e for e in events if e["kind"] == "scsi_check_condition"
       and "READ" in e["detail"] and "no sense data" in e["detail"]]
expect("NDJSON CHECK CONDITION events without sense data", len(nos), want_nosense)

def fields(path):
    out = {}
    for line in open(path):
        if ":" in line:
            k, v = line.split(":", 1)
            out.setdefault(k.strip(), v.rstrip("\n"))
    return out
# libiscsi's tools may log in twice against istgt (a reconnect): take the
# LUN entries of every session of theirs.
def tool_luns(initiator, key):
    return [l for s in doc["sessions"] if s["initiator"]["name"] == initiator
            for l in s["luns"] if l["lun"] == lun and l[key] is not None]
inq = fields(inqpath)
if True:
    ls = tool_luns(f"{base}:inq", "vendor")
    expect("iscsi-inq LUN in inventory", len(ls) >= 1, True)
    if ls:
        l = ls[0]
        expect("vendor", l["vendor"], inq["Vendor"].strip())
        expect("product", l["product"], inq["Product"].strip())
        expect("revision", l["revision"], inq["Revision"].strip())
        expect("device type", l["device_type_name"], inq["Peripheral Device Type"].strip())
rc = fields(rcpath)
if True:
    ls = tool_luns(f"{base}:rc16", "blocks")
    expect("iscsi-readcapacity16 LUN in inventory", len(ls) >= 1, True)
    if ls:
        l = ls[0]
        expect("blocks", l["blocks"], int(rc["RETURNED LOGICAL BLOCK ADDRESS"]) + 1)
        expect("block size", l["block_size"], int(rc["LOGICAL BLOCK LENGTH IN BYTES"]))
        expect("capacity bytes", l["capacity_bytes"], int(rc["Total size"]))
        expect("capacity source", l["capacity_from"], "READ CAPACITY(16)")
sys.exit(1 if fails else 0)
EOF
}

port=$(peer_free_port 3260)
iqn=$BASE:scsi
if tgtd_start "$port" "$iqn" 8M; then
	scsi_run tgtd "$port" "$iqn" 1 || fails=$((fails + 1))
else
	echo "FAIL tgtd did not start"
	fails=$((fails + 1))
fi
tgtd_stop

port=$(peer_free_port $((port + 1)))
if istgt_start "$port" disk1 8MB; then
	scsi_run istgt "$port" "$ISTGT_NODEBASE:disk1" 0 || fails=$((fails + 1))
else
	echo "FAIL istgt did not start"
	fails=$((fails + 1))
fi
istgt_stop

[ "$fails" -eq 0 ] || { echo "$fails target run(s) failed"; exit 1; }
echo "all checks passed"
