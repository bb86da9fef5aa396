/* net.h - link, network and transport headers of one packet (pure).
 *
 * net_decode() looks at a packet and returns views into it: nothing is
 * copied, nothing is allocated. Damaged or foreign packets are reported by
 * a result code that the caller counts.
 */
#ifndef ISCSIWATCH_NET_H
#define ISCSIWATCH_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "counters.h"

enum net_result {
	NET_OK = 0,
	NET_LINKTYPE_UNSUPPORTED,
	NET_NOT_IP,
	NET_NOT_TCP,
	NET_FRAGMENT,
	NET_MALFORMED,
	NET_TRUNCATED, /* headers cut by the snap length: nothing usable */
	NET_TUNNEL_DEEP,        /* more than NET_ENCAP_MAX encapsulations */
	NET_TUNNEL_UNSUPPORTED, /* a tunnel whose payload is not decoded */
};

/* Encapsulations followed inside one packet (VLAN tags do not count: they
 * have their own bound per Ethernet header). VLAN in VXLAN in VLAN in an
 * ERSPAN session is 2; anything beyond 4 is not a network, it is a bomb. */
#define NET_ENCAP_MAX 4
#define NET_OUTER_VLANS 4

/* Kinds of tunnel crossed (net_outer.tunnels). */
#define NET_TUN_GRE 0x0001u     /* GRE carrying IP or Ethernet (0x6558) */
#define NET_TUN_ERSPAN 0x0002u  /* ERSPAN type I, II or III */
#define NET_TUN_VXLAN 0x0004u   /* VXLAN, UDP 4789 */
#define NET_TUN_GENEVE 0x0008u  /* Geneve, UDP 6081 */
#define NET_TUN_MPLS 0x0010u    /* an MPLS label stack (or pseudowire) */
#define NET_TUN_PPPOE 0x0020u   /* a PPPoE session */
#define NET_TUN_IPIP 0x0040u    /* IPv4 or IPv6 in IP */
#define NET_TUN_FRAG 0x0080u    /* reassembled from IP fragments */

/* What lay around the innermost IP header: the metadata a mirror port's
 * tunnels add. The flow keeps its first packet's. */
struct net_outer {
	uint16_t vlan[NET_OUTER_VLANS]; /* 802.1Q/802.1ad ids, outermost
					   first, over every Ethernet level */
	uint8_t nvlan;                  /* how many of vlan[] are set */
	uint8_t depth;                  /* encapsulations crossed */
	uint16_t tunnels;               /* NET_TUN_* */
	uint32_t vni;                   /* VXLAN/Geneve, if either crossed */
	uint32_t gre_key;               /* RFC 2890 key, if a keyed GRE was
					   crossed (NVGRE: VSID << 8 | FlowID) */
	uint16_t erspan_session;        /* 10 bits, if ERSPAN II/III crossed */
	bool has_vni, has_erspan_session;
	bool has_gre_key;
	bool nvgre;                     /* the key is NVGRE's (RFC 7637) */
};

/* net_tcp.domain: bits 0-11 the VLAN id nearest the IP header, 12-23 the
 * one before it, 24-47 the VNI, 48-57 the ERSPAN session id, bit 58 "a VNI
 * is present", bit 59 "an ERSPAN session is present" (VNI 0 and session 0
 * are real values). VLAN ids further out are metadata only.
 * A GRE key sets bit 60, or bit 61 for an NVGRE VSID (the key less its
 * FlowID), and is XORed into bits 24-55: alone (no VNI, no ERSPAN
 * session) it sits there as it is, and the kind bits keep VNI 5, key 5 and
 * VSID 5 apart; over a VNI or session it scrambles them one-to-one, so
 * within one key every VNI stays apart and within one VNI every key (only
 * two tunnels that differ in both could meet). The VLAN bits are never
 * touched, so --ignore-vlan still drops exactly them. */
#define NET_DOMAIN_VLAN_MASK 0xffffffull
#define NET_DOMAIN_VNI_SHIFT 24
#define NET_DOMAIN_ERSPAN_SHIFT 48
#define NET_DOMAIN_GRE_SHIFT 24
#define NET_DOMAIN_HAS_VNI (1ull << 58)
#define NET_DOMAIN_HAS_ERSPAN (1ull << 59)
#define NET_DOMAIN_HAS_GRE_KEY (1ull << 60)
#define NET_DOMAIN_HAS_VSID (1ull << 61)

/* One IP fragment (NET_FRAGMENT): where it goes in its datagram. */
struct net_frag {
	uint32_t id;       /* IPv4 identification or IPv6 fragment id */
	uint8_t proto;     /* the upper protocol (IPv6: of the fragment header) */
	bool more;         /* M flag */
	uint32_t offset;   /* bytes */
	const uint8_t *data; /* the fragment's payload (captured part) */
	uint32_t len;      /* bytes at data */
	uint32_t missing;  /* bytes the IP length promised beyond caplen */
};

#define TCP_FIN_FLAG 0x01
#define TCP_SYN_FLAG 0x02
#define TCP_RST_FLAG 0x04
#define TCP_PSH_FLAG 0x08
#define TCP_ACK_FLAG 0x10

struct net_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t a[16];  /* IPv4 in the first 4 bytes, rest zero */
};

/* One end of a TCP connection (flow.h keys flows by two of them). */
struct flow_ep {
	struct net_addr addr;
	uint16_t port;
};

struct net_tcp {
	struct net_addr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	struct net_outer outer; /* VLAN ids and tunnels around the IP */
	/* The layer-2 domain the packet was seen in (VLAN ids, tunnel VNI,
	 * ERSPAN session or GRE key, packed by net.c): part of the flow
	 * key, so two tenants reusing the same addresses and ports stay
	 * apart. 0 when the packet carried none (or the run ignores them). */
	uint64_t domain;
	const uint8_t *payload; /* captured TCP payload */
	uint32_t payload_len;   /* bytes present at payload */
	uint32_t payload_missing; /* bytes the IP length says exist beyond caplen */
	struct net_frag frag;     /* on NET_FRAGMENT only */
};

/* Decodes a packet of the given DLT link type, through the tunnels above.
 * On NET_OK, *out is filled; on NET_FRAGMENT, out->src, dst, outer,
 * domain and frag are (the fragment's, innermost IP). */
enum net_result net_decode(int linktype, const uint8_t *data, uint32_t caplen,
			   struct net_tcp *out);

/* Decodes a datagram reassembled from fragments: `data` holds what follows
 * the IP header(s) of protocol `proto`, between out->src and out->dst, with
 * out->outer as the fragments' (the caller fills those three first). The
 * rest of *out is filled as by net_decode(). */
enum net_result net_decode_datagram(uint8_t proto, const uint8_t *data,
				    uint32_t len, struct net_tcp *out);

/* The flow-key bits of an outer-layer record (see NET_DOMAIN_*). */
uint64_t net_domain(const struct net_outer *o);

/* Maps a result to its counter (CTR_MAX for NET_OK). */
enum counter_id net_result_counter(enum net_result r);

/* "192.0.2.1" or "2001:db8::1" into buf (at least 46 bytes). */
const char *net_addr_str(const struct net_addr *a, char *buf, unsigned len);

#endif
