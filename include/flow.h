/* flow.h - the table of TCP connections (both directions in one flow).
 *
 * Flows are found by a seeded hash over the endpoints (an attacker on the
 * mirror port chooses them, so the seed is random per run; nothing is ever
 * output in hash order). The table keeps flows in least-recently-used
 * order for idle eviction, and never holds more than `max_flows`.
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

struct flow_ep {
	struct net_addr addr;
	uint16_t port;
};

struct flow {
	struct flow_ep ep[2];        /* ep[0] sent the first packet seen */
	struct tcp_stream dir[2];    /* dir[i]: bytes sent by ep[i] */
	int target;                  /* index of the target's ep, -1 unknown */
	uint64_t id;                 /* creation order, from 0 */
	uint64_t first_ns, last_ns;
	uint64_t pkts[2], bytes[2];  /* per direction; bytes = TCP payload */
	void *user;                  /* the caller's per-connection state */
	/* private to flow.c */
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

/* Finds the flow of packet t, creating it when `create` and the cap
 * allows. *dir is set to the index of the sending endpoint. Marks the flow
 * most recently used at time `now`. NULL when absent (or cap hit:
 * counted as CTR_FLOWS_CAP_HIT). */
struct flow *flow_lookup(struct flow_table *ft, const struct net_tcp *t,
			 uint64_t now, bool create, int *dir);

/* The least recently used flow, or NULL: evict it if it is idle. */
struct flow *flow_oldest(const struct flow_table *ft);
size_t flow_count(const struct flow_table *ft);

/* Unlinks and frees the flow (its tcp streams must already be freed). */
void flow_table_remove(struct flow_table *ft, struct flow *f);

#endif
