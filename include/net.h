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

struct net_tcp {
	struct net_addr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t vlan[2];       /* outer, inner 802.1Q ids (0 = none) */
	/* The layer-2 domain the packet was seen in (VLAN ids, tunnel VNI or
	 * ERSPAN session, packed by net.c): part of the flow key, so two
	 * tenants reusing the same addresses and ports stay apart. 0 when
	 * the packet carried none (or the run ignores them). */
	uint64_t domain;
	const uint8_t *payload; /* captured TCP payload */
	uint32_t payload_len;   /* bytes present at payload */
	uint32_t payload_missing; /* bytes the IP length says exist beyond caplen */
};

/* Decodes a packet of the given DLT link type. On NET_OK, *out is filled. */
enum net_result net_decode(int linktype, const uint8_t *data, uint32_t caplen,
			   struct net_tcp *out);

/* Maps a result to its counter (CTR_MAX for NET_OK). */
enum counter_id net_result_counter(enum net_result r);

/* "192.0.2.1" or "2001:db8::1" into buf (at least 46 bytes). */
const char *net_addr_str(const struct net_addr *a, char *buf, unsigned len);

#endif
