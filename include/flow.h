/* flow.h - the table of TCP connections (both directions in one flow).
 *
 * Flows are found by a seeded hash over the endpoints and the layer-2
 * domain (an attacker on the mirror port chooses them, so the seed is
 * random per run; nothing is ever output in hash order). The table never
 * holds more than `max_flows`. Each flow has a class (what the engine
 * knows of it) and the table keeps one least-recently-used list per
 * class: idle eviction takes the oldest of all, and a newcomer to a full
 * table may push out only flows of the classes flow_victim() allows
 * (docs/robustness.md, "Flow table under pressure").
 *
 * The table owns struct flow; `user` belongs to the caller, who must
 * release it before flow_table_remove().
 */
#ifndef ISCSIWATCH_FLOW_H
#define ISCSIWATCH_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "net.h"
#include "tcp.h"

/* What is known of a flow, from cheapest to dearest to lose. */
enum flow_class {
	FLOW_NOT_ISCSI,  /* decided: not iSCSI (off the ports, no Login) */
	FLOW_UNKNOWN,    /* off the iSCSI ports, not decided yet */
	FLOW_PORT_EMPTY, /* on an iSCSI port, no payload yet */
	FLOW_PORT,       /* on an iSCSI port, payload, no Login seen */
	FLOW_LOGGED_IN,  /* a Login Request was seen */
	FLOW_CLASSES
};

struct flow {
	struct flow_ep ep[2];        /* ep[0] sent the first packet seen */
	uint64_t domain;             /* net_tcp.domain: part of the key */
	struct tcp_stream dir[2];    /* dir[i]: bytes sent by ep[i] */
	int target;                  /* index of the target's ep, -1 unknown */
	enum flow_class cls;         /* set with flow_set_class() */
	uint64_t id;                 /* creation order, from 0 */
	uint64_t first_ns, last_ns;
	uint64_t pkts[2], bytes[2];  /* per direction; bytes = TCP payload */
	void *user;                  /* the caller's per-connection state */
	struct net_outer outer;      /* tunnels/VLANs of its first packet */
	/* private to flow.c */
	uint64_t touch; /* when last used, in table order (LRU across lists) */
	uint64_t hash;
	struct flow *hnext;
	struct flow *lru_prev, *lru_next;
};

struct flow_limits {
	size_t max_flows;
	uint64_t idle_ns; /* a flow silent this long may be evicted */
};

#define FLOW_MAX_DEFAULT 65536u
#define FLOW_IDLE_NS_DEFAULT (600ull * 1000000000ull)

struct flow_table;

struct flow_table *flow_table_new(const struct flow_limits *lim,
				  struct counters *ctr);
void flow_table_free(struct flow_table *ft); /* flows must be removed */

/* Finds the flow of packet t, creating it (class FLOW_UNKNOWN) when
 * `create` and the cap allows. *dir is set to the index of the sending
 * endpoint. Marks the flow most recently used at time `now`. NULL when
 * absent (or cap hit: counted as CTR_FLOWS_CAP_HIT). */
struct flow *flow_lookup(struct flow_table *ft, const struct net_tcp *t,
			 uint64_t now, bool create, int *dir);

/* Moves f to class `cls` (as most recently used in it). */
void flow_set_class(struct flow_table *ft, struct flow *f,
		    enum flow_class cls);

/* The least recently used flow of any class, or NULL: evict it if it is
 * idle. */
struct flow *flow_oldest(const struct flow_table *ft);
size_t flow_count(const struct flow_table *ft);
bool flow_full(const struct flow_table *ft);

/* The flow a newcomer may push out of the full table, or NULL (the
 * newcomer is refused): the least recently used known not to be iSCSI,
 * else not yet known; for a newcomer on an iSCSI port also one on an
 * iSCSI port that never carried payload (a SYN flood). Never a flow on
 * an iSCSI port with payload, nor one that logged in. *kind is the
 * eviction counter of the victim's class. */
struct flow *flow_victim(const struct flow_table *ft, bool for_iscsi_port,
			 enum counter_id *kind);

/* Unlinks and frees the flow (its tcp streams must already be freed). */
void flow_table_remove(struct flow_table *ft, struct flow *f);

#endif
