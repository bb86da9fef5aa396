/* net.c - link, network and transport headers of one packet (pure).
 *
 * One function per layer, each reading through a bounds-checked cursor
 * (rd.h) and handing the rest to the layer it names. Two verdicts are kept
 * apart (tcpdump's lesson): a header that the capture cut short is
 * NET_TRUNCATED; lengths that contradict each other are NET_MALFORMED,
 * whatever the snap length. `promised` carries the number of bytes the
 * innermost length field (IP, UDP, PPPoE) says follow the cursor; the
 * cursor is trimmed to it so Ethernet padding is never taken for payload,
 * and what it lacks of it is what the snap length cut off
 * (payload_missing).
 *
 * Tunnels (GRE, ERSPAN I/II/III, VXLAN, Geneve, MPLS, PPPoE, IP in IP)
 * are walked in place: a mirror port's traffic arrives wrapped, and the
 * wrapping becomes metadata (struct net_outer) and part of the flow key
 * (net_tcp.domain). The plain Ethernet/IPv4/TCP path stays the first case
 * of every switch.
 */
#include "net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <string.h>

#include "rd.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-802.1ad vendors' S-tag */
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define ETHERTYPE_TEB 0x6558	     /* transparent Ethernet bridging */
#define ETHERTYPE_ERSPAN_1_2 0x88be  /* type I without GRE seq, II with */
#define ETHERTYPE_ERSPAN_3 0x22eb
#define ETHERTYPE_MIN 0x0600	     /* below: an 802.3 length, LLC follows */

#define GRE_FLAG_C 0x8000	 /* RFC 2784 §2: checksum present */
#define GRE_FLAG_K 0x2000	 /* RFC 2890 §2: key present */
#define GRE_FLAG_S 0x1000	 /* RFC 2890 §2: sequence number present */
#define NVGRE_VSID_MIN 0x1000u	 /* RFC 7637: 0-0xFFF reserved */
#define NVGRE_VSID_MAX 0xfffffeu /* 0xFFFFFF: vendor NVE-to-NVE use */

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define UDP_PORT_VXLAN 4789  /* RFC 7348 §5 */
#define UDP_PORT_GENEVE 6081 /* RFC 8926 §3.3 */

/* Tags beyond NET_OUTER_VLANS are skipped, but a frame stacking more than
 * this is not a network anyone runs: stop rather than walk a tag-shaped
 * payload. */
#define NET_VLAN_MAX 8
/* IPv6 extension headers followed before giving up (RFC 8200 §4.1 orders
 * at most 7 kinds; repeats beyond a few are an attack, not a packet). */
#define NET_IPV6_EXT_MAX 8
/* MPLS labels before the bottom of the stack (RFC 3032 sets no limit;
 * real stacks hold 2-5). */
#define NET_MPLS_LABELS_MAX 16

/* DLT_NULL and DLT_LOOP carry the sender's AF_ value. AF_INET6 is 24 on
 * NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS, 10 on Linux. */
#define BSD_AF_INET 2
#define LINKTYPE_RAW 101 /* what files say; libpcap maps it to DLT_RAW */

/* The decoder's state: the cursor and the packet being filled. Every
 * layer function takes it and returns the verdict of the layers below. */
struct dec {
	struct rd r;
	size_t promised; /* bytes the innermost length says follow r.p */
	struct net_tcp *out;
};

static enum net_result eth_decode(struct dec *d);
static enum net_result ethertype_decode(struct dec *d, uint16_t type);
static enum net_result ip_by_version(struct dec *d);
static enum net_result ipv4_decode(struct dec *d);
static enum net_result ipv6_decode(struct dec *d);
static enum net_result ipv6_upper(struct dec *d, uint8_t next);
static enum net_result mpls_decode(struct dec *d);

/* The layer-2 length fields (PPPoE, an IP length) say `len` bytes follow
 * the cursor: trim the cursor to them (Ethernet pads short frames) and
 * remember the claim, so that what the snap length cut off can be told
 * from what never existed. A claim beyond the enclosing one is a lie. */
static enum net_result dec_limit(struct dec *d, size_t len)
{
	if (len > d->promised)
		return NET_MALFORMED;
	if (len < rd_left(&d->r))
		d->r.end = d->r.p + len;
	d->promised = len;
	return NET_OK;
}

/* Takes an n-byte header that the enclosing length must cover into *h
 * (n bytes exactly: reads from h cannot fail). */
static enum net_result dec_take(struct dec *d, size_t n, struct rd *h)
{
	if (n > d->promised)
		return NET_MALFORMED;
	const uint8_t *p = rd_take(&d->r, n);
	if (!p)
		return NET_TRUNCATED;
	d->promised -= n;
	*h = rd_make(p, n);
	return NET_OK;
}

static enum net_result dec_skip(struct dec *d, size_t n)
{
	struct rd h;
	return dec_take(d, n, &h);
}

/* Crossing into a tunnel: bounded, and remembered in the metadata. */
static enum net_result tunnel_enter(struct dec *d, uint16_t kind)
{
	struct net_outer *o = &d->out->outer;
	if (o->depth == NET_ENCAP_MAX)
		return NET_TUNNEL_DEEP;
	o->depth++;
	o->tunnels |= kind;
	return NET_OK;
}

static bool is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	       type == ETHERTYPE_QINQ_OLD;
}

/* Steps over 802.1Q/802.1ad tags after an ethertype, recording their ids
 * (outermost first), and returns the payload's ethertype in *type. */
static enum net_result vlan_decode(struct dec *d, uint16_t *type)
{
	struct net_outer *o = &d->out->outer;
	for (unsigned tags = 0; is_vlan_tpid(*type); tags++) {
		if (tags == NET_VLAN_MAX)
			return NET_MALFORMED;
		struct rd h;
		enum net_result res = dec_take(d, 4, &h);
		if (res != NET_OK)
			return res;
		uint16_t tci = rd_be16(&h);
		*type = rd_be16(&h);
		if (o->nvlan < NET_OUTER_VLANS)
			o->vlan[o->nvlan++] = tci & 0x0fff;
	}
	return NET_OK;
}

/* What an ethertype-like tag announces (Ethernet, SLL, GRE payloads). */
static enum net_result ethertype_decode(struct dec *d, uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		return ipv4_decode(d);
	case ETHERTYPE_IPV6:
		return ipv6_decode(d);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return mpls_decode(d);
	case ETHERTYPE_PPPOE_SESSION: {
		enum net_result res = tunnel_enter(d, NET_TUN_PPPOE);
		if (res != NET_OK)
			return res;
		/* RFC 2516 §4: VER=1 TYPE=1, CODE 0, session, length of the
		 * PPP payload; then the PPP protocol (RFC 1661 §2). */
		struct rd h;
		if ((res = dec_take(d, 6, &h)) != NET_OK)
			return res;
		uint8_t vt = rd_u8(&h);
		uint8_t code = rd_u8(&h);
		rd_skip(&h, 2);
		uint16_t len = rd_be16(&h);
		if (vt != 0x11 || code != 0 || len < 2)
			return NET_MALFORMED;
		if ((res = dec_limit(d, len)) != NET_OK ||
		    (res = dec_take(d, 1, &h)) != NET_OK)
			return res;
		/* RFC 1661 §6.5: a compressed protocol is one byte, and
		 * only a protocol's last byte is odd. */
		uint16_t proto = rd_u8(&h);
		if (!(proto & 1)) {
			if ((res = dec_take(d, 1, &h)) != NET_OK)
				return res;
			proto = (uint16_t)(proto << 8 | rd_u8(&h));
		}
		if (proto == PPP_IPV4)
			return ipv4_decode(d);
		if (proto == PPP_IPV6)
			return ipv6_decode(d);
		return NET_NOT_IP; /* LCP, IPCP, ...: the session's control */
	}
	default:
		return NET_NOT_IP;
	}
}

static enum net_result eth_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 14, &h);
	if (res != NET_OK)
		return res;
	uint16_t type = be16_at(h.p + 12); /* after destination, source */
	if (type == ETHERTYPE_IPV4) /* the common case first */
		return ipv4_decode(d);
	if ((res = vlan_decode(d, &type)) != NET_OK)
		return res;
	if (type < ETHERTYPE_MIN)
		return NET_NOT_IP;
	return ethertype_decode(d, type);
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes,
 * protocol (an ethertype for the families we care about). */
static enum net_result sll_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 16, &h);
	if (res != NET_OK)
		return res;
	rd_skip(&h, 14);
	uint16_t type = rd_be16(&h);
	if ((res = vlan_decode(d, &type)) != NET_OK)
		return res;
	return ethertype_decode(d, type);
}

/* Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, packet
 * type, address length and 8 address bytes (20 bytes in all). */
static enum net_result sll2_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 20, &h);
	if (res != NET_OK)
		return res;
	uint16_t type = rd_be16(&h);
	if ((res = vlan_decode(d, &type)) != NET_OK)
		return res;
	return ethertype_decode(d, type);
}

static enum net_result bsd_af_decode(struct dec *d, uint32_t af)
{
	switch (af) {
	case BSD_AF_INET:
		return ipv4_decode(d);
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD, BSD/OS */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* macOS */
		return ipv6_decode(d);
	default:
		return NET_NOT_IP;
	}
}

/* DLT_NULL: the family in the byte order of the host that wrote it, which
 * need not be ours; a value with high bits set is the other order (as
 * tcpdump decides it). */
static enum net_result null_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 4, &h);
	if (res != NET_OK)
		return res;
	uint32_t af = rd_le32(&h);
	if (af & 0xffff0000u)
		af = ((af & 0xff) << 24) | ((af & 0xff00) << 8) |
		     ((af >> 8) & 0xff00) | (af >> 24);
	return bsd_af_decode(d, af);
}

/* DLT_LOOP: the same family, always in network order. */
static enum net_result loop_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 4, &h);
	if (res != NET_OK)
		return res;
	return bsd_af_decode(d, rd_be32(&h));
}

static enum net_result link_decode(int linktype, struct dec *d)
{
	switch (linktype) {
	case DLT_EN10MB:
		return eth_decode(d);
	case DLT_LINUX_SLL:
		return sll_decode(d);
	case DLT_LINUX_SLL2:
		return sll2_decode(d);
	case DLT_NULL:
		return null_decode(d);
	case DLT_LOOP:
		return loop_decode(d);
	case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW
	case LINKTYPE_RAW:
#endif
		return ip_by_version(d);
	case DLT_IPV4:
		return ipv4_decode(d);
	case DLT_IPV6:
		return ipv6_decode(d);
	default:
		return NET_LINKTYPE_UNSUPPORTED;
	}
}

/* Raw IP, an MPLS payload, ERSPAN III's IP frames: the version nibble
 * says which. */
static enum net_result ip_by_version(struct dec *d)
{
	struct rd peek = d->r;
	uint8_t v = rd_u8(&peek);
	if (peek.bad)
		return NET_TRUNCATED;
	switch (v >> 4) {
	case 4:
		return ipv4_decode(d);
	case 6:
		return ipv6_decode(d);
	default:
		return NET_NOT_IP;
	}
}

/* ---- tunnels ---- */

/* RFC 3032 §2.1: 4-byte entries to the one with S set; the payload's type
 * is not named, so its first nibble decides (RFC 4385 §3: 0 starts a
 * pseudowire control word, here taken as an Ethernet pseudowire). */
static enum net_result mpls_decode(struct dec *d)
{
	enum net_result res = tunnel_enter(d, NET_TUN_MPLS);
	if (res != NET_OK)
		return res;
	for (unsigned n = 0;; n++) {
		if (n == NET_MPLS_LABELS_MAX)
			return NET_MALFORMED;
		struct rd h;
		if ((res = dec_take(d, 4, &h)) != NET_OK)
			return res;
		if (rd_be32(&h) & 0x100) /* bottom of stack */
			break;
	}
	struct rd peek = d->r;
	uint8_t v = rd_u8(&peek);
	if (peek.bad)
		return NET_TRUNCATED;
	switch (v >> 4) {
	case 4:
		return ipv4_decode(d);
	case 6:
		return ipv6_decode(d);
	case 0:
		if ((res = dec_skip(d, 4)) != NET_OK)
			return res;
		return eth_decode(d);
	default:
		return NET_TUNNEL_UNSUPPORTED;
	}
}

/* ERSPAN type II (draft-foschiano-erspan §4.1): Ver=1, VLAN, COS/En/T,
 * session id (10 bits), reserved, index; an Ethernet frame follows. */
static enum net_result erspan2_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 8, &h);
	if (res != NET_OK)
		return res;
	if ((rd_be16(&h) >> 12) != 1)
		return NET_MALFORMED;
	d->out->outer.erspan_session = rd_be16(&h) & 0x3ff;
	d->out->outer.has_erspan_session = true;
	return eth_decode(d);
}

/* ERSPAN type III (draft-foschiano-erspan §4.2): Ver=2, VLAN, COS/BSO/T,
 * session id, timestamp, SGT, P/FT/HW ID/D/Gra/O, then 8 bytes of
 * platform subheader when O is set. FT 0 is an Ethernet frame, 2 an IP
 * packet. */
static enum net_result erspan3_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 12, &h);
	if (res != NET_OK)
		return res;
	if ((rd_be16(&h) >> 12) != 2)
		return NET_MALFORMED;
	d->out->outer.erspan_session = rd_be16(&h) & 0x3ff;
	d->out->outer.has_erspan_session = true;
	rd_skip(&h, 6); /* timestamp, SGT */
	uint16_t bits = rd_be16(&h);
	unsigned ft = (bits >> 10) & 0x1f;
	if ((bits & 1) && (res = dec_skip(d, 8)) != NET_OK)
		return res;
	if (ft == 0)
		return eth_decode(d);
	if (ft == 2)
		return ip_by_version(d);
	return NET_TUNNEL_UNSUPPORTED;
}

/* RFC 2890 §2.1: the key tells apart the flows of one tunnel: a tenant's
 * or a mirror session's, so it joins the domain. NVGRE (RFC 7637 §3.2)
 * is GRE over 0x6558 with K set and C and S clear, its key a 24-bit VSID
 * over an 8-bit FlowID, the per-flow entropy of one VSID that must not
 * split a flow. A Linux gretap with a key looks the same, so only a VSID
 * outside the ranges RFC 7637 reserves (0-0xFFF and 0xFFFFFF; Hyper-V
 * hands out 4096-16777214) is taken as one: a small key stays whole. The
 * innermost keyed GRE wins, as the innermost VNI does. */
static void gre_key_set(struct net_outer *o, uint16_t fl, uint16_t proto,
			uint32_t key)
{
	uint32_t vsid = key >> 8;
	o->gre_key = key;
	o->has_gre_key = true;
	o->nvgre =
	    proto == ETHERTYPE_TEB &&
	    (fl & (GRE_FLAG_C | GRE_FLAG_K | GRE_FLAG_S)) == GRE_FLAG_K &&
	    vsid >= NVGRE_VSID_MIN && vsid <= NVGRE_VSID_MAX;
}

/* GRE, RFC 2784 with RFC 2890's key and sequence number: C, K, S each add
 * 4 bytes. Version 1 (PPTP's enhanced GRE) and RFC 1701 routing are not
 * carried by mirror ports; they are counted, not decoded. */
static enum net_result gre_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 4, &h);
	if (res != NET_OK)
		return res;
	uint16_t fl = rd_be16(&h);
	uint16_t proto = rd_be16(&h);
	if ((fl & 0x4007) != 0) /* routing present, or version != 0 */
		return NET_TUNNEL_UNSUPPORTED;
	size_t opt = 4u * (((fl >> 15) & 1) + ((fl >> 13) & 1) +
			   ((fl >> 12) & 1));
	if ((res = dec_take(d, opt, &h)) != NET_OK)
		return res;
	if (fl & GRE_FLAG_K) {
		rd_skip(&h, fl & GRE_FLAG_C ? 4 : 0);
		gre_key_set(&d->out->outer, fl, proto, rd_be32(&h));
	}
	bool seq = fl & GRE_FLAG_S;
	switch (proto) {
	case ETHERTYPE_ERSPAN_1_2:
		if ((res = tunnel_enter(d, NET_TUN_ERSPAN)) != NET_OK)
			return res;
		/* Type I has no header and no sequence number. */
		return seq ? erspan2_decode(d) : eth_decode(d);
	case ETHERTYPE_ERSPAN_3:
		if ((res = tunnel_enter(d, NET_TUN_ERSPAN)) != NET_OK)
			return res;
		return erspan3_decode(d);
	case ETHERTYPE_TEB:
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
		if ((res = tunnel_enter(d, NET_TUN_GRE)) != NET_OK)
			return res;
		if (proto == ETHERTYPE_TEB)
			return eth_decode(d);
		return proto == ETHERTYPE_IPV4 ? ipv4_decode(d)
					       : ipv6_decode(d);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		if ((res = tunnel_enter(d, NET_TUN_GRE)) != NET_OK)
			return res;
		return mpls_decode(d);
	default:
		return NET_TUNNEL_UNSUPPORTED;
	}
}

/* VXLAN, RFC 7348 §5: flags with I set, reserved, VNI, reserved; an
 * Ethernet frame follows. */
static enum net_result vxlan_decode(struct dec *d)
{
	enum net_result res = tunnel_enter(d, NET_TUN_VXLAN);
	struct rd h;
	if (res != NET_OK || (res = dec_take(d, 8, &h)) != NET_OK)
		return res;
	uint8_t flags = rd_u8(&h);
	rd_skip(&h, 3);
	uint32_t vni = rd_be24(&h);
	if (!(flags & 0x08))
		return NET_MALFORMED;
	d->out->outer.vni = vni;
	d->out->outer.has_vni = true;
	return eth_decode(d);
}

/* Geneve, RFC 8926 §3.4: Ver (0), option length in 4-byte words, O/C,
 * protocol type, VNI; then the options. */
static enum net_result geneve_decode(struct dec *d)
{
	enum net_result res = tunnel_enter(d, NET_TUN_GENEVE);
	struct rd h;
	if (res != NET_OK || (res = dec_take(d, 8, &h)) != NET_OK)
		return res;
	uint8_t vol = rd_u8(&h);
	rd_skip(&h, 1);
	uint16_t proto = rd_be16(&h);
	uint32_t vni = rd_be24(&h);
	if ((vol >> 6) != 0)
		return NET_TUNNEL_UNSUPPORTED;
	if ((res = dec_skip(d, (size_t)(vol & 0x3f) * 4)) != NET_OK)
		return res;
	d->out->outer.vni = vni;
	d->out->outer.has_vni = true;
	switch (proto) {
	case ETHERTYPE_TEB:
		return eth_decode(d);
	case ETHERTYPE_IPV4:
		return ipv4_decode(d);
	case ETHERTYPE_IPV6:
		return ipv6_decode(d);
	default:
		return NET_TUNNEL_UNSUPPORTED;
	}
}

/* UDP matters only as a tunnel's carrier, chosen by destination port. */
static enum net_result udp_decode(struct dec *d)
{
	struct rd h;
	enum net_result res = dec_take(d, 8, &h);
	if (res != NET_OK)
		return res;
	rd_skip(&h, 2);
	uint16_t dport = rd_be16(&h);
	uint16_t len = rd_be16(&h);
	if (dport != UDP_PORT_VXLAN && dport != UDP_PORT_GENEVE)
		return NET_NOT_TCP;
	/* Length 0 is a jumbogram's (RFC 2675 §4): the IP length rules. */
	if (len != 0) {
		if (len < 8)
			return NET_MALFORMED;
		if ((res = dec_limit(d, (size_t)len - 8)) != NET_OK)
			return res;
	}
	return dport == UDP_PORT_VXLAN ? vxlan_decode(d) : geneve_decode(d);
}

static enum net_result tcp_decode(struct dec *d)
{
	struct rd *r = &d->r;
	struct net_tcp *out = d->out;
	if (d->promised < 20)
		return NET_MALFORMED;
	/* The fixed header in one bounds check, its fields at their
	 * offsets (RFC 9293 §3.1): this runs for every packet. */
	const uint8_t *h = rd_take(r, 20);
	if (!h)
		return NET_TRUNCATED;
	out->sport = be16_at(h);
	out->dport = be16_at(h + 2);
	out->seq = be32_at(h + 4);
	out->ack = be32_at(h + 8);
	uint16_t off_flags = be16_at(h + 12);
	out->flags = (uint8_t)(off_flags & 0xff);
	size_t doff = (size_t)(off_flags >> 12) * 4;
	if (doff < 20)
		return NET_MALFORMED;
	d->promised -= 20;
	enum net_result res = dec_skip(d, doff - 20); /* options */
	if (res != NET_OK)
		return res;
	out->payload_len = (uint32_t)rd_left(r);
	out->payload = out->payload_len ? r->p : NULL;
	out->payload_missing = (uint32_t)(d->promised - out->payload_len);
	return NET_OK;
}

/* What an IP header's protocol field (or IPv6 next header) announces. */
static enum net_result transport_decode(struct dec *d, uint8_t proto)
{
	enum net_result res;
	switch (proto) {
	case IPPROTO_TCP:
		return tcp_decode(d);
	case IPPROTO_UDP:
		return udp_decode(d);
	case IPPROTO_GRE:
		return gre_decode(d);
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
		if ((res = tunnel_enter(d, NET_TUN_IPIP)) != NET_OK)
			return res;
		return proto == IPPROTO_IPIP ? ipv4_decode(d) : ipv6_decode(d);
	default:
		return NET_NOT_TCP;
	}
}

/* What follows the IP header(s) of a piece of a datagram. */
static enum net_result frag_record(struct dec *d, uint32_t id, uint8_t proto,
				   uint32_t offset, bool more)
{
	struct net_frag *f = &d->out->frag;
	f->id = id;
	f->proto = proto;
	f->offset = offset;
	f->more = more;
	f->len = (uint32_t)rd_left(&d->r);
	f->data = f->len ? d->r.p : NULL;
	f->missing = (uint32_t)(d->promised - f->len);
	return NET_FRAGMENT;
}

static void addr_set(struct net_tcp *out, uint8_t family, const uint8_t *src,
		     const uint8_t *dst, size_t n)
{
	out->src.family = out->dst.family = family;
	memcpy(out->src.a, src, n);
	memcpy(out->dst.a, dst, n);
	if (n < 16) { /* an IPv4 inside an IPv6 tunnel: no stale bytes */
		memset(out->src.a + n, 0, 16 - n);
		memset(out->dst.a + n, 0, 16 - n);
	}
}

static enum net_result ipv4_decode(struct dec *d)
{
	/* The fixed header in one bounds check (RFC 791 §3.1); the
	 * checksum is not checked: offloading leaves it wrong. */
	const uint8_t *h = rd_take(&d->r, 20);
	if (!h)
		return NET_TRUNCATED;
	uint8_t vihl = h[0];
	uint16_t total = be16_at(h + 2);
	uint16_t id = be16_at(h + 4);
	uint16_t frag = be16_at(h + 6);
	uint8_t proto = h[9];
	const uint8_t *src = h + 12, *dst = h + 16;
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || ihl < 20 || d->promised < 20)
		return NET_MALFORMED;
	/* Total length 0 is what TSO/GSO hands a local capture: take what
	 * was captured, as Wireshark does. */
	if (total != 0 && total < ihl)
		return NET_MALFORMED;
	d->promised -= 20;
	enum net_result res = dec_limit(
	    d, total ? (size_t)total - 20 : rd_left(&d->r));
	if (res != NET_OK)
		return res;
	if ((res = dec_skip(d, ihl - 20)) != NET_OK) /* options */
		return res;
	addr_set(d->out, 4, src, dst, 4);
	if (frag & 0x3fff) /* MF, or an offset: a piece of a datagram */
		return frag_record(d, id, proto, (uint32_t)(frag & 0x1fff) * 8,
				   frag & 0x2000);
	return transport_decode(d, proto);
}

static bool ipv6_is_ext(uint8_t type)
{
	return type == IPPROTO_HOPOPTS || type == IPPROTO_ROUTING ||
	       type == IPPROTO_DSTOPTS || type == IPPROTO_AH ||
	       type == IPPROTO_FRAGMENT;
}

/* Steps over the IPv6 extension headers from *next and dispatches on the
 * upper protocol. A real piece of a datagram is NET_FRAGMENT. */
static enum net_result ipv6_upper(struct dec *d, uint8_t next)
{
	for (unsigned i = 0; ipv6_is_ext(next); i++) {
		if (i == NET_IPV6_EXT_MAX)
			return NET_MALFORMED;
		/* Every one of these is at least 8 bytes. */
		if (d->promised < 8)
			return NET_MALFORMED;
		struct rd h = d->r; /* peek: the lengths come first */
		uint8_t nh = rd_u8(&h);
		uint8_t hlen = rd_u8(&h);
		uint16_t off_m = rd_be16(&h);
		uint32_t id = rd_be32(&h);
		if (h.bad)
			return NET_TRUNCATED;
		size_t len = ((size_t)hlen + 1) * 8;
		if (next == IPPROTO_AH)
			len = ((size_t)hlen + 2) * 4;
		if (next == IPPROTO_FRAGMENT)
			len = 8;
		enum net_result res = dec_skip(d, len);
		if (res != NET_OK)
			return res;
		/* An atomic fragment (RFC 6946: offset 0, M clear) is a
		 * whole datagram. */
		if (next == IPPROTO_FRAGMENT && (off_m & 0xfff9) != 0)
			return frag_record(d, id, nh, off_m & 0xfff8,
					   off_m & 1);
		next = nh;
	}
	return transport_decode(d, next);
}

static enum net_result ipv6_decode(struct dec *d)
{
	struct rd *r = &d->r;
	uint32_t vtf = rd_be32(r);
	uint16_t plen = rd_be16(r);
	uint8_t next = rd_u8(r);
	rd_skip(r, 1); /* hop limit */
	const uint8_t *src = rd_take(r, 16);
	const uint8_t *dst = rd_take(r, 16);
	if (r->bad)
		return NET_TRUNCATED;
	if ((vtf >> 28) != 6 || d->promised < 40)
		return NET_MALFORMED;
	d->promised -= 40;
	/* Payload length 0: a jumbogram or TSO; take what was captured. */
	enum net_result res = dec_limit(d, plen ? plen : rd_left(r));
	if (res != NET_OK)
		return res;
	addr_set(d->out, 6, src, dst, 16);
	return ipv6_upper(d, next);
}

uint64_t net_domain(const struct net_outer *o)
{
	uint64_t dom = 0;
	if (o->nvlan)
		dom = o->vlan[o->nvlan - 1];
	if (o->nvlan > 1)
		dom |= (uint64_t)o->vlan[o->nvlan - 2] << 12;
	if (o->has_vni)
		dom |= NET_DOMAIN_HAS_VNI |
		       (uint64_t)(o->vni & 0xffffff) << NET_DOMAIN_VNI_SHIFT;
	if (o->has_erspan_session)
		dom |= NET_DOMAIN_HAS_ERSPAN |
		       (uint64_t)(o->erspan_session & 0x3ff)
			   << NET_DOMAIN_ERSPAN_SHIFT;
	if (o->has_gre_key) {
		uint64_t id = o->nvgre ? o->gre_key >> 8 : o->gre_key;
		dom ^= id << NET_DOMAIN_GRE_SHIFT |
		       (o->nvgre ? NET_DOMAIN_HAS_VSID : NET_DOMAIN_HAS_GRE_KEY);
	}
	return dom;
}

/* memset(t, 0, sizeof *t), as a copy: for a struct of this size the
 * compiler makes the memset a `rep stos`, whose start-up cost (and the
 * stall of the loads that follow it) was 2 % of the time of a run over
 * a capture file; the copy is eight vector moves. */
static void tcp_clear(struct net_tcp *t)
{
	static const struct net_tcp zero;
	*t = zero;
}

enum net_result net_decode(int linktype, const uint8_t *data, uint32_t caplen,
			   struct net_tcp *out)
{
	tcp_clear(out);
	struct dec d = {rd_make(data, caplen), SIZE_MAX, out};
	enum net_result res = link_decode(linktype, &d);
	if ((res == NET_OK || res == NET_FRAGMENT) &&
	    (out->outer.nvlan | out->outer.depth))
		out->domain = net_domain(&out->outer);
	return res;
}

enum net_result net_decode_datagram(uint8_t proto, const uint8_t *data,
				    uint32_t len, struct net_tcp *out)
{
	struct net_addr src = out->src, dst = out->dst;
	struct net_outer outer = out->outer;
	tcp_clear(out);
	out->src = src;
	out->dst = dst;
	out->outer = outer;
	struct dec d = {rd_make(data, len), len, out};
	enum net_result res = src.family == 6 ? ipv6_upper(&d, proto)
					      : transport_decode(&d, proto);
	if (res == NET_OK || res == NET_FRAGMENT)
		out->domain = net_domain(&out->outer);
	return res;
}

enum counter_id net_result_counter(enum net_result r)
{
	switch (r) {
	case NET_LINKTYPE_UNSUPPORTED:
		return CTR_PKT_LINKTYPE_UNSUPPORTED;
	case NET_NOT_IP:
		return CTR_PKT_NOT_IP;
	case NET_NOT_TCP:
		return CTR_PKT_NOT_TCP;
	case NET_FRAGMENT:
		return CTR_PKT_IP_FRAGMENT;
	case NET_MALFORMED:
		return CTR_PKT_MALFORMED;
	case NET_TRUNCATED:
		return CTR_PKT_TRUNCATED;
	case NET_TUNNEL_DEEP:
		return CTR_PKT_TUNNEL_DEEP;
	case NET_TUNNEL_UNSUPPORTED:
		return CTR_PKT_TUNNEL_UNSUPPORTED;
	case NET_OK:
	default:
		return CTR_MAX;
	}
}

const char *net_addr_str(const struct net_addr *a, char *buf, unsigned len)
{
	int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : -1;
	if (len == 0)
		return buf;
	if (af < 0 || !inet_ntop(af, a->a, buf, len)) {
		buf[0] = '?';
		buf[len > 1] = '\0';
	}
	return buf;
}
