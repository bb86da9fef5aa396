/* net.c - link, network and transport headers of one packet (pure).
 *
 * One function per layer, each reading through a bounds-checked cursor
 * (rd.h). Two verdicts are kept apart (tcpdump's lesson): a header that
 * the capture cut short is NET_TRUNCATED; lengths that contradict each
 * other are NET_MALFORMED, whatever the snap length. `promised` carries
 * the number of bytes the IP length says follow the cursor; the cursor is
 * trimmed to it so Ethernet padding is never taken for payload, and what
 * it lacks of it is what the snap length cut off (payload_missing).
 */
#include "net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>

#include "rd.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-802.1ad vendors' S-tag */
#define ETHERTYPE_MIN 0x0600	  /* below: an 802.3 length, LLC follows */

/* Tags beyond two are skipped, but a frame stacking more than this is not
 * a network anyone runs: stop rather than walk a tag-shaped payload. */
#define NET_VLAN_MAX 8
/* IPv6 extension headers followed before giving up (RFC 8200 §4.1 orders
 * at most 7 kinds; repeats beyond a few are an attack, not a packet). */
#define NET_IPV6_EXT_MAX 8

/* DLT_NULL and DLT_LOOP carry the sender's AF_ value. AF_INET6 is 24 on
 * NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS, 10 on Linux. */
#define BSD_AF_INET 2
#define LINKTYPE_RAW 101 /* what files say; libpcap maps it to DLT_RAW */

/* What follows the link header: an ethertype-like tag. */
enum l3 { L3_OTHER, L3_IPV4, L3_IPV6, L3_BY_VERSION };

struct cursor {
	struct rd r;
	size_t promised; /* bytes the IP length says follow r.p */
};

static enum l3 l3_from_ethertype(uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		return L3_IPV4;
	case ETHERTYPE_IPV6:
		return L3_IPV6;
	default:
		return L3_OTHER;
	}
}

static bool is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	       type == ETHERTYPE_QINQ_OLD;
}

/* Steps over 802.1Q/802.1ad tags after an ethertype, recording the first
 * two VLAN ids, and returns the payload's ethertype in *type. */
static enum net_result vlan_decode(struct rd *r, uint16_t *type,
				   struct net_tcp *out)
{
	unsigned tags = 0;
	while (is_vlan_tpid(*type)) {
		if (tags == NET_VLAN_MAX)
			return NET_MALFORMED;
		uint16_t tci = rd_be16(r);
		*type = rd_be16(r);
		if (r->bad)
			return NET_TRUNCATED;
		if (tags < 2)
			out->vlan[tags] = tci & 0x0fff;
		tags++;
	}
	return NET_OK;
}

static enum net_result eth_decode(struct rd *r, enum l3 *l3,
				  struct net_tcp *out)
{
	rd_skip(r, 12); /* destination, source */
	uint16_t type = rd_be16(r);
	if (r->bad)
		return NET_TRUNCATED;
	enum net_result res = vlan_decode(r, &type, out);
	if (res != NET_OK)
		return res;
	*l3 = type < ETHERTYPE_MIN ? L3_OTHER : l3_from_ethertype(type);
	return NET_OK;
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes,
 * protocol (an ethertype for the families we care about). */
static enum net_result sll_decode(struct rd *r, enum l3 *l3,
				  struct net_tcp *out)
{
	rd_skip(r, 14);
	uint16_t type = rd_be16(r);
	if (r->bad)
		return NET_TRUNCATED;
	enum net_result res = vlan_decode(r, &type, out);
	if (res != NET_OK)
		return res;
	*l3 = l3_from_ethertype(type);
	return NET_OK;
}

/* Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, packet
 * type, address length and 8 address bytes (20 bytes in all). */
static enum net_result sll2_decode(struct rd *r, enum l3 *l3,
				   struct net_tcp *out)
{
	uint16_t type = rd_be16(r);
	rd_skip(r, 18);
	if (r->bad)
		return NET_TRUNCATED;
	enum net_result res = vlan_decode(r, &type, out);
	if (res != NET_OK)
		return res;
	*l3 = l3_from_ethertype(type);
	return NET_OK;
}

static enum l3 l3_from_bsd_af(uint32_t af)
{
	switch (af) {
	case BSD_AF_INET:
		return L3_IPV4;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD, BSD/OS */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* macOS */
		return L3_IPV6;
	default:
		return L3_OTHER;
	}
}

/* DLT_NULL: the family in the byte order of the host that wrote it, which
 * need not be ours; a value with high bits set is the other order (as
 * tcpdump decides it). */
static enum net_result null_decode(struct rd *r, enum l3 *l3)
{
	uint32_t af = rd_le32(r);
	if (r->bad)
		return NET_TRUNCATED;
	if (af & 0xffff0000u)
		af = ((af & 0xff) << 24) | ((af & 0xff00) << 8) |
		     ((af >> 8) & 0xff00) | (af >> 24);
	*l3 = l3_from_bsd_af(af);
	return NET_OK;
}

/* DLT_LOOP: the same family, always in network order. */
static enum net_result loop_decode(struct rd *r, enum l3 *l3)
{
	uint32_t af = rd_be32(r);
	if (r->bad)
		return NET_TRUNCATED;
	*l3 = l3_from_bsd_af(af);
	return NET_OK;
}

static enum net_result link_decode(int linktype, struct rd *r, enum l3 *l3,
				   struct net_tcp *out)
{
	switch (linktype) {
	case DLT_EN10MB:
		return eth_decode(r, l3, out);
	case DLT_LINUX_SLL:
		return sll_decode(r, l3, out);
	case DLT_LINUX_SLL2:
		return sll2_decode(r, l3, out);
	case DLT_NULL:
		return null_decode(r, l3);
	case DLT_LOOP:
		return loop_decode(r, l3);
	case DLT_RAW:
#if DLT_RAW != LINKTYPE_RAW
	case LINKTYPE_RAW:
#endif
		*l3 = L3_BY_VERSION;
		return NET_OK;
	case DLT_IPV4:
		*l3 = L3_IPV4;
		return NET_OK;
	case DLT_IPV6:
		*l3 = L3_IPV6;
		return NET_OK;
	default:
		return NET_LINKTYPE_UNSUPPORTED;
	}
}

/* The IP layer says `len` bytes follow the cursor: trim the cursor to
 * them (Ethernet pads short frames) and remember the claim, so that what
 * the snap length cut off can be told from what never existed. */
static void cursor_limit(struct cursor *c, size_t len)
{
	if (len < rd_left(&c->r))
		c->r.end = c->r.p + len;
	c->promised = len;
}

/* Steps over an n-byte header that the IP length must cover. */
static enum net_result cursor_skip(struct cursor *c, size_t n)
{
	if (n > c->promised)
		return NET_MALFORMED;
	rd_skip(&c->r, n);
	if (c->r.bad)
		return NET_TRUNCATED;
	c->promised -= n;
	return NET_OK;
}

static enum net_result tcp_decode(struct cursor *c, struct net_tcp *out)
{
	struct rd *r = &c->r;
	if (c->promised < 20)
		return NET_MALFORMED;
	out->sport = rd_be16(r);
	out->dport = rd_be16(r);
	out->seq = rd_be32(r);
	out->ack = rd_be32(r);
	uint16_t off_flags = rd_be16(r);
	rd_skip(r, 6); /* window, checksum, urgent pointer */
	if (r->bad)
		return NET_TRUNCATED;
	out->flags = (uint8_t)(off_flags & 0xff);
	size_t doff = (size_t)(off_flags >> 12) * 4;
	if (doff < 20)
		return NET_MALFORMED;
	c->promised -= 20;
	enum net_result res = cursor_skip(c, doff - 20); /* options */
	if (res != NET_OK)
		return res;
	out->payload_len = (uint32_t)rd_left(r);
	out->payload = out->payload_len ? r->p : NULL;
	out->payload_missing = (uint32_t)(c->promised - out->payload_len);
	return NET_OK;
}

static enum net_result ipv4_decode(struct cursor *c, struct net_tcp *out)
{
	struct rd *r = &c->r;
	uint8_t vihl = rd_u8(r);
	rd_skip(r, 1); /* DSCP/ECN */
	uint16_t total = rd_be16(r);
	rd_skip(r, 2); /* identification */
	uint16_t frag = rd_be16(r);
	rd_skip(r, 1); /* TTL */
	uint8_t proto = rd_u8(r);
	rd_skip(r, 2); /* checksum: offloading leaves it wrong, so unchecked */
	const uint8_t *src = rd_take(r, 4);
	const uint8_t *dst = rd_take(r, 4);
	if (r->bad)
		return NET_TRUNCATED;
	size_t ihl = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || ihl < 20)
		return NET_MALFORMED;
	/* Total length 0 is what TSO/GSO hands a local capture: take what
	 * was captured, as Wireshark does. */
	if (total != 0 && total < ihl)
		return NET_MALFORMED;
	if (frag & 0x3fff) /* MF, or an offset: a piece of a datagram */
		return NET_FRAGMENT;
	if (proto != IPPROTO_TCP)
		return NET_NOT_TCP;
	cursor_limit(c, total ? (size_t)total - 20 : rd_left(r));
	enum net_result res = cursor_skip(c, ihl - 20); /* options */
	if (res != NET_OK)
		return res;
	out->src.family = out->dst.family = 4;
	memcpy(out->src.a, src, 4);
	memcpy(out->dst.a, dst, 4);
	return tcp_decode(c, out);
}

/* Steps over the IPv6 extension header of type *next and sets *next to
 * the header after it. A real piece of a datagram is NET_FRAGMENT. */
static enum net_result ipv6_ext(struct cursor *c, uint8_t *next)
{
	uint8_t type = *next;
	/* ESP, "no next header", UDP, ICMPv6...: not ours. */
	if (type != IPPROTO_HOPOPTS && type != IPPROTO_ROUTING &&
	    type != IPPROTO_DSTOPTS && type != IPPROTO_AH &&
	    type != IPPROTO_FRAGMENT)
		return NET_NOT_TCP;
	/* Every one of these is at least 8 bytes. */
	if (c->promised < 8)
		return NET_MALFORMED;
	struct rd h = c->r; /* peek: the lengths come first */
	uint8_t nh = rd_u8(&h);
	uint8_t hlen = rd_u8(&h);
	uint16_t off_m = rd_be16(&h);
	if (h.bad)
		return NET_TRUNCATED;
	size_t len = ((size_t)hlen + 1) * 8;
	if (type == IPPROTO_AH)
		len = ((size_t)hlen + 2) * 4;
	if (type == IPPROTO_FRAGMENT) {
		/* An atomic fragment (RFC 6946: offset 0, M clear) is a
		 * whole datagram. */
		if ((off_m & 0xfff9) != 0)
			return NET_FRAGMENT;
		len = 8;
	}
	*next = nh;
	return cursor_skip(c, len);
}

static enum net_result ipv6_decode(struct cursor *c, struct net_tcp *out)
{
	struct rd *r = &c->r;
	uint32_t vtf = rd_be32(r);
	uint16_t plen = rd_be16(r);
	uint8_t next = rd_u8(r);
	rd_skip(r, 1); /* hop limit */
	const uint8_t *src = rd_take(r, 16);
	const uint8_t *dst = rd_take(r, 16);
	if (r->bad)
		return NET_TRUNCATED;
	if ((vtf >> 28) != 6)
		return NET_MALFORMED;
	/* Payload length 0: a jumbogram or TSO; take what was captured. */
	cursor_limit(c, plen ? plen : rd_left(r));
	for (unsigned i = 0; next != IPPROTO_TCP; i++) {
		if (i == NET_IPV6_EXT_MAX)
			return NET_MALFORMED;
		enum net_result res = ipv6_ext(c, &next);
		if (res != NET_OK)
			return res;
	}
	out->src.family = out->dst.family = 6;
	memcpy(out->src.a, src, 16);
	memcpy(out->dst.a, dst, 16);
	return tcp_decode(c, out);
}

enum net_result net_decode(int linktype, const uint8_t *data, uint32_t caplen,
			   struct net_tcp *out)
{
	memset(out, 0, sizeof *out);
	struct cursor c = {rd_make(data, caplen), 0};
	enum l3 l3 = L3_OTHER;
	enum net_result res = link_decode(linktype, &c.r, &l3, out);
	if (res != NET_OK)
		return res;
	if (l3 == L3_BY_VERSION) {
		struct rd peek = c.r;
		uint8_t v = rd_u8(&peek);
		if (peek.bad)
			return NET_TRUNCATED;
		l3 = (v >> 4) == 4   ? L3_IPV4
		     : (v >> 4) == 6 ? L3_IPV6
				     : L3_OTHER;
	}
	switch (l3) {
	case L3_IPV4:
		return ipv4_decode(&c, out);
	case L3_IPV6:
		return ipv6_decode(&c, out);
	default:
		return NET_NOT_IP;
	}
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
