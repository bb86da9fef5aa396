#!/bin/bash
# tests/peer/vxlan-mirror.sh BUILD - a REAL tunnel: tgtd and the libiscsi
# generator (tests/tools/iscsi-gen) in two network namespaces joined by a
# veth pair; on the initiator's end, tc mirrors every frame in and out
# (`u32 match u32 0 0 action mirred egress mirror dev vx0`) to a VXLAN
# device (VNI 5000) whose underlay is a second veth pair into a third
# namespace, where tcpdump records the encapsulated copies (UDP 4789). A
# second tcpdump records the session directly on the veth. iscsiwatch must
# find the same sessions in both captures: same names, TSIH, outcome,
# negotiation, PDUs and SCSI counts, the tunnelled one with
# "outer": {"tunnels": ["vxlan"], "vni": 5000}.
#
# Namespaces, links and addresses (10.91.1.0/24, 10.91.2.0/24) exist only
# inside the namespaces this script creates and deletes.
. "$(dirname "$0")/lib.sh"
PEER_BUILD=${1:-build}
peer_require_root tgtd tgtadm tcpdump ip tc
[ -x "$PEER_BUILD/tools/iscsi-gen" ] || { echo "no $PEER_BUILD/tools/iscsi-gen"; exit 1; }
[ -x "$PEER_BUILD/iscsiwatch" ] || { echo "no $PEER_BUILD/iscsiwatch"; exit 1; }
peer_init
set -u

NI=iwvx-i-$$ NT=iwvx-t-$$ NC=iwvx-c-$$
CTL=$((20000 + $$ % 10000)) # tgtd control channel (tgtd takes < 32768)
IQN=iqn.2024-01.org.iscsiwatch:vxlan
TGT_PID= DIRECT_PID= UNDER_PID=

vx_cleanup() {
	set +e
	for p in $DIRECT_PID $UNDER_PID; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$TGT_PID" ]; then
		kill -TERM "$TGT_PID" 2>/dev/null
		peer_wait_gone "$TGT_PID" 5 || kill -KILL "$TGT_PID" 2>/dev/null
		wait "$TGT_PID" 2>/dev/null
	fi
	for n in "$NI" "$NT" "$NC"; do
		ip netns del "$n" 2>/dev/null
	done
	peer_cleanup
}
trap vx_cleanup EXIT

nsx() { ip netns exec "$@"; }

# --- the network -----------------------------------------------------------
ip netns add "$NI" && ip netns add "$NT" && ip netns add "$NC" ||
	peer_skip "cannot create network namespaces"
ip link add vi0 netns "$NI" type veth peer name vt0 netns "$NT" &&
	ip link add vu0 netns "$NI" type veth peer name vu1 netns "$NC" ||
	peer_skip "no veth support"
ip -n "$NI" addr add 10.91.1.1/24 dev vi0
ip -n "$NT" addr add 10.91.1.2/24 dev vt0
ip -n "$NI" addr add 10.91.2.1/24 dev vu0
ip -n "$NC" addr add 10.91.2.2/24 dev vu1
for n in "$NI" "$NT" "$NC"; do ip -n "$n" link set lo up; done
# The underlay carries the mirrored frames whole: segmentation offloads
# hand the veth frames of up to 64 KiB, and VXLAN adds 50 bytes.
ip -n "$NI" link set vu0 mtu 65535 && ip -n "$NC" link set vu1 mtu 65535 || exit 1
ip -n "$NI" link set vi0 up && ip -n "$NT" link set vt0 up &&
	ip -n "$NI" link set vu0 up && ip -n "$NC" link set vu1 up || exit 1
ip -n "$NI" link add vx0 type vxlan id 5000 remote 10.91.2.2 local 10.91.2.1 \
	dstport 4789 dev vu0 || peer_skip "no VXLAN support in this kernel"
ip -n "$NI" link set vx0 mtu 65485 up || exit 1
tc -n "$NI" qdisc add dev vi0 clsact &&
	tc -n "$NI" filter add dev vi0 ingress protocol all u32 match u32 0 0 \
		action mirred egress mirror dev vx0 &&
	tc -n "$NI" filter add dev vi0 egress protocol all u32 match u32 0 0 \
		action mirred egress mirror dev vx0 ||
	peer_skip "tc clsact/u32/mirred not available"

# --- the target --------------------------------------------------------------
truncate -s 8M "$PEER_TMP/lun1.img"
ip netns exec "$NT" tgtd -f -C "$CTL" --iscsi portal=10.91.1.2:3260 >"$PEER_TMP/tgtd.log" 2>&1 &
TGT_PID=$!
tgtadm_n() { nsx "$NT" tgtadm -C "$CTL" --lld iscsi "$@"; }
for ((i = 0; i < 100; i++)); do
	tgtadm_n --op show --mode target >/dev/null 2>&1 && break
	sleep 0.1
done
tgtadm_n --op new --mode target --tid 1 -T "$IQN" &&
	tgtadm_n --op new --mode logicalunit --tid 1 --lun 1 -b "$PEER_TMP/lun1.img" &&
	tgtadm_n --op bind --mode target --tid 1 -I ALL ||
	{ cat "$PEER_TMP/tgtd.log"; echo "tgtd did not start"; exit 1; }

# --- the captures --------------------------------------------------------------
# (ip netns exec execs tcpdump: $! is tcpdump itself, which SIGINT stops.)
wait_dump() { # FILE
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$1.log" && return 0
		sleep 0.05
	done
	cat "$1.log" >&2
	return 1
}
direct=$PEER_TMP/direct.pcap under=$PEER_TMP/vxlan.pcap
ip netns exec "$NI" tcpdump -i vi0 -s 0 -B 16384 -U --immediate-mode -n \
	--time-stamp-precision=nano -w "$direct" "tcp port 3260" 2>"$direct.log" &
DIRECT_PID=$!
ip netns exec "$NC" tcpdump -i vu1 -s 0 -B 16384 -U --immediate-mode -n \
	--time-stamp-precision=nano -w "$under" "udp port 4789" 2>"$under.log" &
UNDER_PID=$!
wait_dump "$direct" && wait_dump "$under" || { echo "tcpdump did not start"; exit 1; }

j1=$(nsx "$NI" "$PEER_BUILD/tools/iscsi-gen" --portal 10.91.1.2:3260 --target "$IQN" \
	--reads 5 --writes 3 --blocks 8 --cdb 10) || { echo "generator failed: $j1"; exit 1; }
j2=$(nsx "$NI" "$PEER_BUILD/tools/iscsi-gen" --portal 10.91.1.2:3260 --target "$IQN" \
	--reads 2 --writes 2 --blocks 64 --cdb 16) || { echo "generator failed: $j2"; exit 1; }
sleep 0.5
for p in $DIRECT_PID $UNDER_PID; do
	kill -INT "$p"
	wait "$p"
done
DIRECT_PID= UNDER_PID=
for f in "$direct" "$under"; do
	d=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$f.log")
	[ "${d:-0}" = 0 ] || { echo "tcpdump dropped $d packets ($f)"; exit 1; }
done

for n in direct vxlan; do
	"$PEER_BUILD/iscsiwatch" -r "$PEER_TMP/$n.pcap" --json "$PEER_TMP/$n.json" \
		>/dev/null 2>"$PEER_TMP/$n.err" || { cat "$PEER_TMP/$n.err"; exit 1; }
	"$PEER_BUILD/iscsiwatch" -r "$PEER_TMP/$n.pcap" --pdus >"$PEER_TMP/$n.pdus" 2>/dev/null
done
PYTHONPATH="$PEER_TESTS" python3 - "$PEER_TMP" "$(peer_json_num "$j1" scsi_cmds)" \
	"$(peer_json_num "$j2" scsi_cmds)" <<'PY'
import json, os, sys
from checks import check, done
tmp = sys.argv[1]
want_cmds = sorted(int(x) for x in sys.argv[2:])
doc = {n: json.load(open(os.path.join(tmp, n + ".json"))) for n in ("direct", "vxlan")}
def ops(n):
    per = {}
    for l in open(os.path.join(tmp, n + ".pdus")):
        f = l.split()
        per.setdefault((f[1], f[2]), []).append(f[5])
    return sorted(per.values())
def view(s):
    c = s["cim"]
    return {
        "name": c["Name"], "tsih": c["TSIH"], "status": c["OperationalStatus"],
        "type": c["SessionType"], "end": s["end_reason"],
        "negotiation": s["negotiation"],
        "conns": [(x["initiator"], x["target"], x["pdus"], x["end_reason"],
                   x["login_status"]) for x in s["connections"]],
        "scsi": {k: s["stats"]["scsi"][k] for k in ("commands", "completed", "reads", "writes",
                                                      "bytes_read", "bytes_written")},
    }
d, v = doc["direct"]["sessions"], doc["vxlan"]["sessions"]
check("direct: two sessions", len(d), 2)
check("direct: the generator's commands", sorted(s["stats"]["scsi"]["commands"] for s in d), want_cmds)
check("vxlan: the same sessions as the direct capture",
      sorted((view(s) for s in v), key=lambda x: x["conns"]),
      sorted((view(s) for s in d), key=lambda x: x["conns"]))
check("vxlan: the same PDUs per direction", ops("vxlan"), ops("direct"))
check("vxlan: every connection's outer layers",
      [c.get("outer") for s in v for c in s["connections"]],
      [{"tunnels": ["vxlan"], "vni": 5000}] * sum(len(s["connections"]) for s in d))
check("direct: no outer layers", [c.get("outer") for s in d for c in s["connections"]],
      [None] * sum(len(s["connections"]) for s in d))
for n in ("direct", "vxlan"):
    ctr = doc[n]["capture"]["counters"]
    for k in ("pkt_malformed", "pkt_truncated", "tcp_gaps", "pkt_tunnel_deep",
              "pkt_tunnel_unsupported", "frag_overlap_mismatch"):
        check(f"{n}: {k}", ctr[k], 0)
done()
PY
