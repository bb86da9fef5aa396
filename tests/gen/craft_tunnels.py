#!/usr/bin/python3
"""Writes the tunnel and fragment captures of captures/crafted/ (tun-*,
frag-*, vlan-*, *-tenants; see its README.md).

    python3 tests/gen/craft_tunnels.py captures/crafted

Each file wraps the exchange of tests/gen/craft.py (the same segments,
the same iSCSI PDUs) the way a mirror port or an overlay network hands it
over: ERSPAN, GRE, VXLAN, Geneve, MPLS, PPPoE, IP fragments. Every one must
yield the session eth-plain.pcap yields. The outer network is
192.0.2.0/24 or 2001:db8::/32 (documentation ranges): bytes in files,
never sent anywhere. Deterministic, like craft.py.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft import (LINKTYPE_ETHERNET, Seg, eth, exchange, ip_layer, macs,  # noqa: E402
                   write_pcap)

from scapy.contrib.mpls import MPLS  # noqa: E402
from scapy.layers.inet import GRE, IP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6  # noqa: E402
from scapy.layers.l2 import Dot1Q, Ether  # noqa: E402
from scapy.layers.ppp import PPPoE  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402
from scapy.packet import Raw  # noqa: E402

O_SRC, O_DST = "192.0.2.1", "192.0.2.2"  # the mirroring switch, the collector
O_SRC6, O_DST6 = "2001:db8::1", "2001:db8::2"
O_MAC_S, O_MAC_D = "02:00:00:00:0a:01", "02:00:00:00:0a:02"
ERSPAN_SESSION = 7
ERSPAN3_SESSION = 9
VNI_VXLAN, VNI_GENEVE = 5000, 6000
VSID_A, VSID_B = 0x1001, 0x1002  # NVGRE tenants (RFC 7637: 0x1000 and up)
GRE_KEY_A, GRE_KEY_B = 1, 2      # keyed GRE mirror sessions
UNDERLAY_VLAN, TENANT_VLAN = 300, 100


def outer_eth(vlan=None):
    e = Ether(src=O_MAC_S, dst=O_MAC_D)
    return e / Dot1Q(vlan=vlan) if vlan else e


def outer_ip(proto=None, i=0):
    kw = {"proto": proto} if proto is not None else {}
    return IP(src=O_SRC, dst=O_DST, id=0x3000 + i, ttl=64, **kw)


def inner_eth(s, vlan=None):
    src, dst = macs(s)
    e = Ether(src=src, dst=dst)
    if vlan:
        e = e / Dot1Q(vlan=vlan)
    return e / ip_layer(s)


# ERSPAN type II (draft-foschiano-erspan §4.1): Ver=1, VLAN 0, COS 0,
# En=3 (original tags kept), T=0, session id, reserved, index 0.
def erspan2_hdr(session):
    return struct.pack(">HHI", 1 << 12, (3 << 11) | session, 0)


# ERSPAN type III (§4.2): Ver=2, VLAN, COS/BSO/T/session, timestamp, SGT,
# P/FT=0 (Ethernet)/HW ID/D/Gra/O=0.
def erspan3_hdr(session, ts):
    return struct.pack(">HHIHH", 2 << 12, session, ts & 0xFFFFFFFF, 0, 0)


def erspan2(s, i):
    gre = GRE(seqnum_present=1, seqence_number=i, proto=0x88BE)
    return bytes(outer_eth() / outer_ip(47, i) / gre /
                 Raw(erspan2_hdr(ERSPAN_SESSION) + bytes(inner_eth(s))))


def erspan3(s, i):
    gre = GRE(seqnum_present=1, seqence_number=i, proto=0x22EB)
    return bytes(outer_eth() / outer_ip(47, i) / gre /
                 Raw(erspan3_hdr(ERSPAN3_SESSION, i * 100) + bytes(inner_eth(s))))


def gre_ip(s, i):
    return bytes(outer_eth() / outer_ip(47, i) / GRE(proto=0x0800) / ip_layer(s))


def gre_ip6_flags(s, i):
    # Checksum, key and sequence number present (RFC 2784 + RFC 2890),
    # over an IPv6 underlay, carrying the IPv6 exchange.
    gre = GRE(chksum_present=1, key_present=1, key=0xBEEF, seqnum_present=1,
              seqence_number=i, proto=0x86DD)
    return bytes(outer_eth() / IPv6(src=O_SRC6, dst=O_DST6, nh=47) / gre /
                 ip_layer(s, v6=True))


def gre_teb(s, i):
    return bytes(outer_eth() / outer_ip(47, i) / GRE(proto=0x6558) / inner_eth(s))


def vxlan(s, i):
    # VLAN in VXLAN in VLAN: an underlay VLAN, the VNI, a tenant VLAN.
    return bytes(outer_eth(UNDERLAY_VLAN) / outer_ip(17, i) /
                 UDP(sport=49152 + i, dport=4789) / VXLAN(vni=VNI_VXLAN, flags=0x08) /
                 inner_eth(s, TENANT_VLAN))


def geneve(s, i):
    # RFC 8926 §3.5: one option (class 0x0102, type 3, 4 bytes of data).
    opt = struct.pack(">HBB", 0x0102, 3, 1) + b"\xaa\xbb\xcc\xdd"
    hdr = struct.pack(">BBH", len(opt) // 4, 0, 0x6558) + \
        struct.pack(">I", VNI_GENEVE << 8)
    return bytes(outer_eth() / outer_ip(17, i) / UDP(sport=49152 + i, dport=6081) /
                 Raw(hdr + opt + bytes(inner_eth(s))))


def mpls(s, i):
    return bytes(Ether(src=O_MAC_S, dst=O_MAC_D, type=0x8847) /
                 MPLS(label=16, s=0, ttl=64) / MPLS(label=17, s=1, ttl=64) /
                 ip_layer(s))


def pppoe(s, i):
    src, dst = macs(s)
    # The PPP protocol in full (2 bytes): RFC 2516 §7 bars compression.
    return bytes(Ether(src=src, dst=dst) / PPPoE(sessionid=0x1234) /
                 Raw(b"\x00\x21") / ip_layer(s))


def deep(s, i):
    # Five encapsulations: GRE in GRE in GRE in GRE in GRE, one too many.
    p = ip_layer(s)
    for _ in range(5):
        p = outer_ip(47, i) / GRE(proto=0x0800) / p
    return bytes(outer_eth() / p)


# NVGRE (RFC 7637 §3.2): GRE with K only, protocol 0x6558, the key a
# 24-bit VSID over an 8-bit FlowID. The FlowID is per-flow entropy: it
# changes from packet to packet here (as an NVE rehashing would), and
# must not split the flow.
def nvgre_key(vsid, i):
    return vsid << 8 | (0x10 + 7 * i) & 0xFF


def nvgre(s, i, vsid=VSID_A):
    gre = GRE(key_present=1, key=nvgre_key(vsid, i), proto=0x6558)
    return bytes(outer_eth() / outer_ip(47, i) / gre / inner_eth(s))


def gre_key(s, i, key=GRE_KEY_A):
    return bytes(outer_eth() / outer_ip(47, i) / GRE(key_present=1, key=key, proto=0x0800) /
                 ip_layer(s))


def two_tenants(segs, builder, a, b):
    """The same exchange (the same bytes: addresses, ports, ISNs, names)
    in tunnel a and in tunnel b, interleaved packet by packet: only the
    tunnel tells the two apart."""
    out = []
    for i, s in enumerate(segs):
        out.append(builder(s, i, a))
        out.append(builder(s, i, b))
    return out


def frames_of(segs, builder):
    return [builder(s, i) for i, s in enumerate(segs)]


# ------------------------------------------------------------ fragments


def frag4_frames(segs):
    """IPv4: segments with more than 600 bytes of payload are cut into
    fragments of 512 bytes, sent last first (as some stacks do); the
    first Data-In segment's middle fragment is sent twice (a duplicate:
    overlaps with the same data). Everything else travels whole."""
    out = []
    for i, s in enumerate(segs):
        ip = ip_layer(s)
        if len(s.payload) <= 600:
            out.append(bytes(Ether(src=macs(s)[0], dst=macs(s)[1]) / ip))
            continue
        ip.flags = 0  # DF off: this datagram is fragmented
        raw = bytes(ip)
        hdr, body = raw[:20], raw[20:]
        pieces = []
        for off in range(0, len(body), 512):
            chunk = body[off:off + 512]
            more = off + 512 < len(body)
            h = bytearray(hdr)
            struct.pack_into(">H", h, 2, 20 + len(chunk))
            struct.pack_into(">H", h, 6, (0x2000 if more else 0) | off // 8)
            struct.pack_into(">H", h, 10, 0)
            csum = ip_checksum(bytes(h))
            struct.pack_into(">H", h, 10, csum)
            src, dst = macs(s)
            pieces.append(bytes(Ether(src=src, dst=dst, type=0x0800)) + bytes(h) + chunk)
        pieces.reverse()
        if s.note.startswith("Data-In") and s.note.endswith("(1/3)"):
            pieces.insert(1, pieces[1])
        out.extend(pieces)
    return out


def ip_checksum(h):
    t = sum(struct.unpack(">10H", h))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


def frag6_frames(segs):
    """IPv6: segments with more than 600 bytes of payload are sent as
    fragments of at most 600 bytes (RFC 8200 §4.5), in order; the
    exchange's hop-by-hop header stays in the unfragmentable part."""
    out = []
    for s in segs:
        src, dst = macs(s)
        ip = ip_layer(s, v6=True)
        if len(s.payload) <= 600:
            out.append(bytes(Ether(src=src, dst=dst) / ip))
            continue
        hbh = ip.payload
        tcp = hbh.payload
        hbh.remove_payload()
        pkt = ip / IPv6ExtHdrFragment(id=0x1000 + s.seq % 0x1000) / tcp
        for f in fragment6(pkt, 600):
            out.append(bytes(Ether(src=src, dst=dst) / f))
    return out


def frag_overlap_frames(segs):
    """The IPv4 fragments of frag-ipv4.pcap, but after the first Data-In
    segment's fragment at offset 512 comes a copy with one byte changed:
    that datagram is dropped (overlap with different data); the duplicate
    and the first fragment that follow start a datagram that never
    completes. The segment is lost to TCP: one gap of 1400 bytes."""
    out = frag4_frames(segs)
    di = next(s for s in segs if s.note.startswith("Data-In"))
    for k, f in enumerate(out):
        ip = f[14:]
        if ip[9] == 6 and ip[4:6] == struct.pack(">H", di.ipid) and \
                struct.unpack(">H", ip[6:8])[0] & 0x1FFF == 512 // 8:
            bad = bytearray(f)
            bad[14 + 20 + 100] ^= 0x55
            out.insert(k + 1, bytes(bad))
            return out
    raise AssertionError("no fragment at offset 512")


# ------------------------------------------------------------ VLAN keys


def tenants_frames(segs):
    """Two tenants, VLAN 10 and VLAN 20, each running the same exchange
    with the same addresses and ports, interleaved packet by packet: two
    flows, two sessions (the second tenant's login names its own
    initiator, so the sessions differ)."""
    other = retag(segs)
    out = []
    for a, b in zip(segs, other):
        sa, da = macs(a)
        out.append(bytes(Ether(src=sa, dst=da) / Dot1Q(vlan=10) / ip_layer(a)))
        out.append(bytes(Ether(src=sa, dst=da) / Dot1Q(vlan=20) / ip_layer(b)))
    return out


def retag(segs):
    """The same exchange with initiator name ...:init2 (same length)."""
    out = []
    for s in segs:
        p = s.payload.replace(b"iqn.2026-11.test:init\0", b"iqn.2026-11.test:in2t\0")
        out.append(Seg(s.d, s.flags, s.seq, s.ack, p, s.note))
    return out


def split_vlan_frames(segs):
    """A tap that puts each direction on its own VLAN: initiator to
    target on VLAN 11, target to initiator on VLAN 12. One flow only
    with --ignore-vlan."""
    out = []
    for s in segs:
        sa, da = macs(s)
        vlan = 11 if s.d == "c" else 12
        out.append(bytes(Ether(src=sa, dst=da) / Dot1Q(vlan=vlan) / ip_layer(s)))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: craft_tunnels.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    Seg.ipid = {"c": 0x1000, "s": 0x2000}
    base = exchange()

    def pcap(name, frames):
        write_pcap(os.path.join(outdir, name), LINKTYPE_ETHERNET, frames)
        print(f"{name}: {len(frames)} packets")

    pcap("tun-erspan2.pcap", frames_of(base, erspan2))
    pcap("tun-erspan3.pcap", frames_of(base, erspan3))
    pcap("tun-gre-ip.pcap", frames_of(base, gre_ip))
    pcap("tun-gre-ip6.pcap", frames_of(base, gre_ip6_flags))
    pcap("tun-gre-teb.pcap", frames_of(base, gre_teb))
    pcap("tun-vxlan.pcap", frames_of(base, vxlan))
    pcap("tun-geneve.pcap", frames_of(base, geneve))
    pcap("tun-mpls.pcap", frames_of(base, mpls))
    pcap("tun-pppoe.pcap", frames_of(base, pppoe))
    pcap("tun-deep.pcap", frames_of(base, deep))
    pcap("tun-nvgre.pcap", frames_of(base, nvgre))
    pcap("tun-gre-key.pcap", frames_of(base, gre_key))
    pcap("nvgre-tenants.pcap", two_tenants(base, nvgre, VSID_A, VSID_B))
    pcap("gre-key-tenants.pcap", two_tenants(base, gre_key, GRE_KEY_A, GRE_KEY_B))
    pcap("frag-ipv4.pcap", frag4_frames(base))
    pcap("frag-ipv6.pcap", frag6_frames(base))
    pcap("frag-overlap.pcap", frag_overlap_frames(base))
    pcap("vlan-tenants.pcap", tenants_frames(base))
    pcap("vlan-split.pcap", split_vlan_frames(base))


if __name__ == "__main__":
    main()
