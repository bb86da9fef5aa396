/* flow.c - seeded hash table of TCP flows with an LRU list per class. */
#include "flow.h"
#include "hash.h"
#include "pool.h"

#include <stdlib.h>
#include <string.h>

struct flow_table {
	struct flow_limits lim;
	struct counters *ctr;
	uint64_t seed;
	struct flow **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	uint64_t next_id;
	uint64_t touches; /* flow.touch of the most recently used flow */
	/* One list per class; head = least recently used. */
	struct flow *lru_head[FLOW_CLASSES], *lru_tail[FLOW_CLASSES];
	struct flow *last; /* the flow of the previous packet: most packets
			      follow one of the same connection */
};

static uint64_t ep_hash(uint64_t seed, const struct net_addr *a, uint16_t port)
{
	uint64_t h = seed ^ ((uint64_t)a->family << 16 | port);
	for (int i = 0; i < 16; i += 8) {
		uint64_t w;
		memcpy(&w, a->a + i, 8);
		h = hash_mix64(h ^ w);
	}
	return h;
}

/* Symmetric: both directions of a connection hash alike. The layer-2
 * domain keeps two tenants reusing addresses and ports apart. */
static uint64_t flow_hash(const struct flow_table *ft, const struct net_tcp *t)
{
	uint64_t h = ep_hash(ft->seed, &t->src, t->sport) +
		     ep_hash(ft->seed, &t->dst, t->dport);
	return t->domain ? hash_mix64(h ^ t->domain) : h;
}

static bool addr_eq(const struct net_addr *x, const struct net_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

static bool ep_eq(const struct flow_ep *e, const struct net_addr *a,
		  uint16_t port)
{
	return e->port == port && addr_eq(&e->addr, a);
}

struct flow_table *flow_table_new(const struct flow_limits *lim,
				  struct counters *ctr)
{
	struct flow_table *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->lim = *lim;
	if (ft->lim.max_flows == 0)
		ft->lim.max_flows = 1;
	ft->ctr = ctr;
	ft->nbuckets = 1024;
	ft->buckets = calloc(ft->nbuckets, sizeof(*ft->buckets));
	if (!ft->buckets) {
		free(ft);
		return NULL;
	}
	ft->seed = hash_seed(ft);
	return ft;
}

void flow_table_free(struct flow_table *ft)
{
	if (!ft)
		return;
	struct flow *f;
	while ((f = flow_oldest(ft)))
		flow_table_remove(ft, f);
	free(ft->buckets);
	free(ft);
}

static void lru_unlink(struct flow_table *ft, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		ft->lru_head[f->cls] = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		ft->lru_tail[f->cls] = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct flow_table *ft, struct flow *f)
{
	f->lru_prev = ft->lru_tail[f->cls];
	f->lru_next = NULL;
	if (f->lru_prev)
		f->lru_prev->lru_next = f;
	else
		ft->lru_head[f->cls] = f;
	ft->lru_tail[f->cls] = f;
}

/* Doubles the bucket array while the load is above one; a failed
 * allocation just leaves chains longer. */
static void flow_grow(struct flow_table *ft)
{
	size_t n = ft->nbuckets * 2;
	struct flow **b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < ft->nbuckets; i++) {
		struct flow *f = ft->buckets[i];
		while (f) {
			struct flow *next = f->hnext;
			size_t j = f->hash & (n - 1);
			f->hnext = b[j];
			b[j] = f;
			f = next;
		}
	}
	free(ft->buckets);
	ft->buckets = b;
	ft->nbuckets = n;
}

/* Whether packet t belongs to flow f; *dir is its sending endpoint. */
static bool flow_match(const struct flow *f, const struct net_tcp *t, int *dir)
{
	if (f->domain != t->domain)
		return false;
	if (ep_eq(&f->ep[0], &t->src, t->sport) &&
	    ep_eq(&f->ep[1], &t->dst, t->dport)) {
		*dir = 0;
		return true;
	}
	if (ep_eq(&f->ep[1], &t->src, t->sport) &&
	    ep_eq(&f->ep[0], &t->dst, t->dport)) {
		*dir = 1;
		return true;
	}
	return false;
}

/* The flows of every table (pool.h). */
static struct pool flow_pool = POOL_INIT(struct flow);

static struct flow *flow_create(struct flow_table *ft, const struct net_tcp *t,
				uint64_t h, uint64_t now)
{
	if (ft->count >= ft->lim.max_flows) {
		ctr_inc(ft->ctr, CTR_FLOWS_CAP_HIT);
		return NULL;
	}
	struct flow *f = pool_zalloc(&flow_pool);
	if (!f) {
		ctr_inc(ft->ctr, CTR_FLOWS_CAP_HIT);
		return NULL;
	}
	f->ep[0].addr = t->src;
	f->ep[0].port = t->sport;
	f->ep[1].addr = t->dst;
	f->ep[1].port = t->dport;
	f->domain = t->domain;
	f->cls = FLOW_UNKNOWN;
	f->target = -1;
	f->id = ft->next_id++;
	f->first_ns = now;
	f->hash = h;
	if (ft->count >= ft->nbuckets)
		flow_grow(ft);
	size_t b = h & (ft->nbuckets - 1);
	f->hnext = ft->buckets[b];
	ft->buckets[b] = f;
	ft->count++;
	ctr_inc(ft->ctr, CTR_FLOWS_CREATED);
	lru_append(ft, f);
	return f;
}

struct flow *flow_lookup(struct flow_table *ft, const struct net_tcp *t,
			 uint64_t now, bool create, int *dir)
{
	/* Most packets belong to the flow of the packet before them: try
	 * it before hashing. */
	struct flow *f = ft->last;
	if (!f || !flow_match(f, t, dir)) {
		uint64_t h = flow_hash(ft, t);
		for (f = ft->buckets[h & (ft->nbuckets - 1)]; f; f = f->hnext)
			if (f->hash == h && flow_match(f, t, dir))
				break;
		if (!f) {
			if (!create || !(f = flow_create(ft, t, h, now)))
				return NULL;
			*dir = 0;
		}
	}
	if (ft->lru_tail[f->cls] != f) {
		lru_unlink(ft, f);
		lru_append(ft, f);
	}
	f->touch = ++ft->touches;
	ft->last = f;
	if (now > f->last_ns)
		f->last_ns = now;
	return f;
}

void flow_set_class(struct flow_table *ft, struct flow *f,
		    enum flow_class cls)
{
	if (f->cls == cls || (unsigned)cls >= FLOW_CLASSES)
		return;
	lru_unlink(ft, f);
	f->cls = cls;
	lru_append(ft, f);
}

/* Each list is in touch order, so the oldest flow is the oldest head. */
struct flow *flow_oldest(const struct flow_table *ft)
{
	struct flow *old = NULL;
	for (int c = 0; c < FLOW_CLASSES; c++) {
		struct flow *h = ft->lru_head[c];
		if (h && (!old || h->touch < old->touch))
			old = h;
	}
	return old;
}

size_t flow_count(const struct flow_table *ft)
{
	return ft->count;
}

bool flow_full(const struct flow_table *ft)
{
	return ft->count >= ft->lim.max_flows;
}

struct flow *flow_victim(const struct flow_table *ft, bool for_iscsi_port,
			 enum counter_id *kind)
{
	struct flow *f;
	if ((f = ft->lru_head[FLOW_NOT_ISCSI])) {
		*kind = CTR_FLOWS_EVICTED_NOT_ISCSI;
		return f;
	}
	if ((f = ft->lru_head[FLOW_UNKNOWN])) {
		*kind = CTR_FLOWS_EVICTED_UNKNOWN;
		return f;
	}
	if (for_iscsi_port && (f = ft->lru_head[FLOW_PORT_EMPTY])) {
		*kind = CTR_FLOWS_EVICTED_EMPTY;
		return f;
	}
	return NULL;
}

void flow_table_remove(struct flow_table *ft, struct flow *f)
{
	struct flow **link = &ft->buckets[f->hash & (ft->nbuckets - 1)];
	while (*link && *link != f)
		link = &(*link)->hnext;
	if (*link)
		*link = f->hnext;
	lru_unlink(ft, f);
	if (ft->last == f)
		ft->last = NULL;
	ft->count--;
	pool_free(&flow_pool, f);
}
