#!/bin/bash
# tests/cap/tunnels.sh BUILD - the tunnel, fragment and VLAN-key captures
# of captures/crafted/ (made by tests/gen/craft_tunnels.py; its README
# says what each must yield). Each wrapped copy of the crafted exchange
# must give the session the unwrapped capture gives, with the outer layers
# in "outer"; the iSCSI PDUs per direction must be the ones tshark decodes
# through the same tunnel.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # NAME FILE [OPTIONS...]
	local n=$1 f=$2
	shift 2
	"$build/iscsiwatch" -r "$f" --pdus "$@" >"$tmp/$n.pdus" 2>/dev/null
	"$build/iscsiwatch" -r "$f" --json "$tmp/$n.json" "$@" >/dev/null 2>"$tmp/$n.err"
	echo $? >"$tmp/$n.rc"
}
C=captures/crafted
for f in $C/tun-*.pcap $C/frag-*.pcap $C/vlan-*.pcap $C/*-tenants.pcap $C/eth-plain.pcap $C/ipv6.pcap; do
	run "$(basename "$f")" "$f"
done
run vlan-split-ignore $C/vlan-split.pcap --ignore-vlan
run vlan-tenants-ignore $C/vlan-tenants.pcap --ignore-vlan
run nvgre-tenants-ignore $C/nvgre-tenants.pcap --ignore-vlan
tshark_ok=0
if command -v tshark >/dev/null 2>&1; then
	tshark_ok=1
	for f in $C/tun-*.pcap $C/frag-ipv4.pcap $C/frag-ipv6.pcap; do
		tests/tshark-pdus.sh -p 3260 "$f" >"$tmp/$(basename "$f").tshark" 2>/dev/null
	done
fi
PYTHONPATH="$root/tests" python3 - "$tmp" "$tshark_ok" <<'PY'
import json, os, sys
tmp, tshark_ok = sys.argv[1], sys.argv[2] == "1"
from checks import check, done

def rd(name):
    return open(os.path.join(tmp, name)).read()

def doc(name):
    return json.load(open(os.path.join(tmp, name + ".json")))

INI = {"NOP_OUT", "SCSI_CMD", "TMF_REQ", "LOGIN_REQ", "TEXT_REQ", "DATA_OUT", "LOGOUT_REQ", "SNACK_REQ"}
def ours(name):
    i, t = [], []
    for l in rd(name + ".pdus").splitlines():
        f = l.split()
        (i if f[2] == "I>T" else t).append(f[5])
    return i, t
def theirs(name):
    i, t = [], []
    for l in rd(name + ".tshark").splitlines():
        op = l.split()[-1]
        (i if op in INI else t).append(op)
    return i, t

def strip_outer(sessions):
    """The sessions less what names the capture: the connections'
    "outer", and ObservedBy (the source file)."""
    for s in sessions:
        s["cim"].pop("ObservedBy", None)
        for c in s["connections"]:
            c.pop("outer", None)
            c["cim"].pop("ObservedBy", None)
    return sessions

ZERO = ["pkt_truncated", "pkt_malformed", "pkt_not_ip", "pkt_not_tcp",
        "pkt_tunnel_deep", "pkt_tunnel_unsupported", "tcp_gaps",
        "tcp_overlap_mismatch", "tcp_midstream", "pdu_resync",
        "pdu_invalid_bhs", "frag_overlap_mismatch", "frag_malformed",
        "frag_memcap", "frag_timeout", "frag_incomplete", "frag_truncated"]

# name -> (reference capture, the connection's "outer")
SAME = {
    "tun-erspan2.pcap": ("eth-plain.pcap", {"tunnels": ["erspan"], "erspan_session": 7}),
    "tun-erspan3.pcap": ("eth-plain.pcap", {"tunnels": ["erspan"], "erspan_session": 9}),
    "tun-gre-ip.pcap": ("eth-plain.pcap", {"tunnels": ["gre"]}),
    "tun-gre-ip6.pcap": ("ipv6.pcap", {"tunnels": ["gre"], "gre_key": 0xBEEF}),
    "tun-gre-teb.pcap": ("eth-plain.pcap", {"tunnels": ["gre"]}),
    "tun-vxlan.pcap": ("eth-plain.pcap", {"vlan": [300, 100], "tunnels": ["vxlan"], "vni": 5000}),
    "tun-geneve.pcap": ("eth-plain.pcap", {"tunnels": ["geneve"], "vni": 6000}),
    "tun-mpls.pcap": ("eth-plain.pcap", {"tunnels": ["mpls"]}),
    "tun-pppoe.pcap": ("eth-plain.pcap", {"tunnels": ["pppoe"]}),
    "tun-nvgre.pcap": ("eth-plain.pcap", {"tunnels": ["gre"], "vsid": 0x1001}),
    "tun-gre-key.pcap": ("eth-plain.pcap", {"tunnels": ["gre"], "gre_key": 1}),
    "vlan-split-ignore": ("eth-plain.pcap", {"vlan": [11]}),
}
for name, (ref, outer) in SAME.items():
    check(f"{name}: exit status", rd(name + ".rc").strip(), "0")
    check(f"{name}: PDUs as {ref}", ours(name), ours(ref))
    d, r = doc(name), doc(ref)
    check(f"{name}: one session", len(d["sessions"]), 1)
    check(f"{name}: outer", d["sessions"][0]["connections"][0].get("outer"), outer)
    check(f"{name}: the session of {ref}", strip_outer(d["sessions"]), strip_outer(r["sessions"]))
    ctr = d["capture"]["counters"]
    for k in ZERO:
        check(f"{name}: {k}", ctr[k], 0)
check("eth-plain: no outer", "outer" in doc("eth-plain.pcap")["sessions"][0]["connections"][0], False)

# Fragments: the same PDUs and session (times differ: more packets).
TIMELESS = ["Caption", "ElementName", "Name", "OperationalStatus", "StatusDescriptions",
            "TSIH", "SessionType", "MaxDataBurstLength", "InitialR2T", "ImmediateData"]
for name, ref, want in (("frag-ipv4.pcap", "eth-plain.pcap",
                         {"pkt_ip_fragment": 10, "frag_datagrams": 3, "frag_overlap": 1}),
                        ("frag-ipv6.pcap", "ipv6.pcap",
                         {"pkt_ip_fragment": 9, "frag_datagrams": 3, "frag_overlap": 0})):
    check(f"{name}: PDUs as {ref}", ours(name), ours(ref))
    d, r = doc(name)["sessions"], doc(ref)["sessions"]
    check(f"{name}: one session", len(d), 1)
    check(f"{name}: no outer", "outer" in d[0]["connections"][0], False)
    for k in TIMELESS:
        check(f"{name}: {k}", d[0]["cim"][k], r[0]["cim"][k])
    check(f"{name}: negotiation", d[0]["negotiation"], r[0]["negotiation"])
    ctr = doc(name)["capture"]["counters"]
    for k in ZERO:
        check(f"{name}: {k}", ctr[k], 0)
    for k, v in want.items():
        check(f"{name}: {k}", ctr[k], v)

d = doc("frag-overlap.pcap")
ctr = d["capture"]["counters"]
for k, v in {"frag_overlap_mismatch": 1, "frag_incomplete": 1, "frag_datagrams": 2,
             "tcp_gaps": 1, "tcp_gap_bytes": 1400}.items():
    check(f"frag-overlap: {k}", ctr[k], v)
check("frag-overlap: the session, flagged incomplete",
      [(s["cim"]["Name"], s["incomplete"]) for s in d["sessions"]],
      [(doc("eth-plain.pcap")["sessions"][0]["cim"]["Name"], True)])

d = doc("tun-deep.pcap")
check("tun-deep: no session", len(d["sessions"]), 0)
check("tun-deep: every packet counted too deep", d["capture"]["counters"]["pkt_tunnel_deep"], 18)
check("tun-deep: the 0-sessions line says why",
      "0 sessions; 18 packets were nested in more than 4 encapsulations" in rd("tun-deep.pcap.err"), True)

d = doc("vlan-tenants.pcap")
check("vlan-tenants: two flows", d["capture"]["counters"]["flows_created"], 2)
check("vlan-tenants: two sessions, one per VLAN",
      sorted((s["initiator"]["name"], s["connections"][0]["outer"]["vlan"]) for s in d["sessions"]),
      [("iqn.2026-11.test:in2t", [20]), ("iqn.2026-11.test:init", [10])])
check("vlan-tenants: no retransmissions", d["capture"]["counters"]["tcp_retransmitted"], 0)
d = doc("vlan-tenants-ignore")
check("vlan-tenants --ignore-vlan: one flow", d["capture"]["counters"]["flows_created"], 1)

# Two tenants, the same bytes inside two tunnels (NVGRE VSIDs 0x1001 and
# 0x1002 with a FlowID that changes every packet; GRE keys 1 and 2): one
# flow and one session each, each the session the tenant alone gives
# (tun-nvgre, tun-gre-key) but for the times (the packets are 200 us
# apart instead of 100) and what names the capture or the tunnel.
TIMED = {"Description", "InstallDate", "InstanceID", "ObservedBy",
         "TimeOfLastStateChange", "ended", "first_login", "full_feature",
         "latency_ns", "rates", "first_command", "last_command", "ts",
         "seq", "outer"}
def untimed(o):
    if isinstance(o, dict):
        return {k: untimed(v) for k, v in o.items() if k not in TIMED}
    if isinstance(o, list):
        return [untimed(v) for v in o]
    return o
from collections import Counter
for name, alone, key, ids in (("nvgre-tenants.pcap", "tun-nvgre.pcap", "vsid", [0x1001, 0x1002]),
                              ("gre-key-tenants.pcap", "tun-gre-key.pcap", "gre_key", [1, 2]),
                              ("nvgre-tenants-ignore", "tun-nvgre.pcap", "vsid", [0x1001, 0x1002])):
    d, a = doc(name), doc(alone)["sessions"][0]
    ctr = d["capture"]["counters"]
    check(f"{name}: exit status", rd(name + ".rc").strip(), "0")
    check(f"{name}: one flow per tenant", ctr["flows_created"], 2)
    check(f"{name}: two sessions", len(d["sessions"]), 2)
    check(f"{name}: one per tunnel",
          sorted((s["connections"][0]["outer"] for s in d["sessions"]), key=lambda o: o[key]),
          [{"tunnels": ["gre"], key: i} for i in ids])
    for s in d["sessions"]:
        i = s["connections"][0]["outer"][key]
        check(f"{name} {key} {i}: complete, logged out",
              (s["incomplete"], s["connections"][0]["end_reason"]), (False, "logout"))
        check(f"{name} {key} {i}: the session of {alone}", untimed(s), untimed(a))
    for k in ZERO + ["tcp_retransmitted"]:
        check(f"{name}: {k}", ctr[k], 0)
    mine, one = ours(name), ours(alone)
    check(f"{name}: every PDU twice",
          [Counter(x) for x in mine], [Counter({k: 2 * v for k, v in Counter(x).items()}) for x in one])

d = doc("vlan-split.pcap")
check("vlan-split: one flow per direction", d["capture"]["counters"]["flows_created"], 2)
check("vlan-split: no named session", [s["cim"]["Name"] for s in d["sessions"]], [None])

if tshark_ok:
    for name in list(SAME)[:-1] + ["frag-ipv4.pcap", "frag-ipv6.pcap"]:
        check(f"{name}: PDUs as tshark decodes them", ours(name), theirs(name))
else:
    print("tshark missing: the tshark comparison was skipped")
done()
PY
