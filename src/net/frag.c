/* frag.c - IPv4 and IPv6 fragment reassembly (policy in frag.h). */
#include "frag.h"
#include "hash.h"

#include <stdlib.h>
#include <string.h>

/* The largest datagram either family can fragment: IPv4's total length
 * and IPv6's payload length are 16 bits (RFC 2675 §5: jumbograms are
 * never fragmented). */
#define FRAG_DATAGRAM_MAX 65535u
#define FRAG_BUF_ROUND 512u

struct piece {
	uint32_t lo, hi; /* [lo, hi) held, pieces disjoint and sorted */
};

struct dgram {
	struct dgram *hnext;
	struct dgram *older, *newer; /* age list, by first fragment */
	uint64_t hash;
	uint64_t first_ns;
	/* key */
	uint8_t family;
	uint8_t proto; /* IPv4: part of the key; IPv6: offset 0's */
	uint32_t id;
	uint8_t src[16], dst[16];
	uint64_t domain;
	/* state */
	bool total_known;
	uint32_t total;
	uint8_t *buf;
	uint32_t cap;
	unsigned npieces;
	struct piece pieces[FRAG_PIECES_MAX];
};

struct frag_table {
	struct frag_limits lim;
	struct counters *ctr;
	uint64_t seed;
	struct dgram **buckets;
	size_t nbuckets; /* a power of two */
	struct dgram *oldest, *newest;
	size_t count, bytes;
	uint8_t *done; /* the last datagram handed out */
};

static uint64_t key_hash(uint64_t seed, const struct net_tcp *t)
{
	uint64_t h = hash_mix64(seed ^ ((uint64_t)t->frag.id << 16) ^
			   ((uint64_t)t->src.family << 8) ^
			   (t->src.family == 4 ? t->frag.proto : 0));
	for (int i = 0; i < 16; i += 8) {
		uint64_t a, b;
		memcpy(&a, t->src.a + i, 8);
		memcpy(&b, t->dst.a + i, 8);
		h = hash_mix64(h ^ a);
		h = hash_mix64(h ^ b);
	}
	return hash_mix64(h ^ t->domain);
}

static bool key_eq(const struct dgram *g, const struct net_tcp *t)
{
	return g->family == t->src.family && g->id == t->frag.id &&
	       g->domain == t->domain &&
	       (g->family != 4 || g->proto == t->frag.proto) &&
	       memcmp(g->src, t->src.a, 16) == 0 &&
	       memcmp(g->dst, t->dst.a, 16) == 0;
}

struct frag_table *frag_table_new(const struct frag_limits *lim,
				  struct counters *ctr)
{
	struct frag_table *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->lim = *lim;
	ft->ctr = ctr;
	ft->nbuckets = 16;
	while (ft->nbuckets < lim->max_datagrams && ft->nbuckets < (1u << 20))
		ft->nbuckets <<= 1;
	ft->buckets = calloc(ft->nbuckets, sizeof(*ft->buckets));
	if (!ft->buckets) {
		free(ft);
		return NULL;
	}
	ft->seed = hash_seed(ft);
	return ft;
}

static size_t dgram_charge(const struct dgram *g)
{
	return sizeof(*g) + g->cap;
}

/* Unlinks g from the table and frees it; the caller counts why. */
static void dgram_drop(struct frag_table *ft, struct dgram *g)
{
	struct dgram **link = &ft->buckets[g->hash & (ft->nbuckets - 1)];
	while (*link != g)
		link = &(*link)->hnext;
	*link = g->hnext;
	if (g->older)
		g->older->newer = g->newer;
	else
		ft->oldest = g->newer;
	if (g->newer)
		g->newer->older = g->older;
	else
		ft->newest = g->older;
	ft->count--;
	ft->bytes -= dgram_charge(g);
	free(g->buf);
	free(g);
}

void frag_flush(struct frag_table *ft)
{
	while (ft->oldest) {
		ctr_inc(ft->ctr, CTR_FRAG_INCOMPLETE);
		dgram_drop(ft, ft->oldest);
	}
}

void frag_table_free(struct frag_table *ft)
{
	if (!ft)
		return;
	frag_flush(ft);
	free(ft->done);
	free(ft->buckets);
	free(ft);
}

void frag_expire(struct frag_table *ft, uint64_t now)
{
	while (ft->oldest && now - ft->oldest->first_ns > ft->lim.timeout_ns) {
		ctr_inc(ft->ctr, CTR_FRAG_TIMEOUT);
		dgram_drop(ft, ft->oldest);
	}
}

size_t frag_pending(const struct frag_table *ft)
{
	return ft->count;
}

size_t frag_bytes(const struct frag_table *ft)
{
	return ft->bytes;
}

/* Drops the oldest datagrams other than `keep` until `need` more bytes
 * and, when `new_one`, one more datagram fit. False if they cannot. */
static bool make_room(struct frag_table *ft, size_t need, bool new_one,
		      const struct dgram *keep)
{
	for (;;) {
		bool fits = ft->bytes + need <= ft->lim.max_bytes &&
			    (!new_one || ft->count < ft->lim.max_datagrams);
		if (fits)
			return true;
		struct dgram *victim = ft->oldest;
		if (victim == keep)
			victim = victim->newer;
		if (!victim)
			return false;
		ctr_inc(ft->ctr, CTR_FRAG_MEMCAP);
		dgram_drop(ft, victim);
	}
}

static struct dgram *dgram_find(struct frag_table *ft, const struct net_tcp *t,
				uint64_t h)
{
	for (struct dgram *g = ft->buckets[h & (ft->nbuckets - 1)]; g;
	     g = g->hnext)
		if (g->hash == h && key_eq(g, t))
			return g;
	return NULL;
}

static struct dgram *dgram_new(struct frag_table *ft, const struct net_tcp *t,
			       uint64_t h, uint64_t now)
{
	if (!make_room(ft, sizeof(struct dgram), true, NULL))
		return NULL;
	struct dgram *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->hash = h;
	g->first_ns = now;
	g->family = t->src.family;
	g->proto = t->frag.proto;
	g->id = t->frag.id;
	memcpy(g->src, t->src.a, 16);
	memcpy(g->dst, t->dst.a, 16);
	g->domain = t->domain;
	struct dgram **b = &ft->buckets[h & (ft->nbuckets - 1)];
	g->hnext = *b;
	*b = g;
	g->older = ft->newest;
	if (ft->newest)
		ft->newest->newer = g;
	else
		ft->oldest = g;
	ft->newest = g;
	ft->count++;
	ft->bytes += dgram_charge(g);
	return g;
}

/* Grows g's buffer to hold `hi` bytes, within the byte cap. */
static bool dgram_reserve(struct frag_table *ft, struct dgram *g, uint32_t hi)
{
	if (hi <= g->cap)
		return true;
	uint32_t cap = g->cap ? g->cap * 2 : FRAG_BUF_ROUND;
	if (cap < hi)
		cap = hi;
	cap = (cap + FRAG_BUF_ROUND - 1) / FRAG_BUF_ROUND * FRAG_BUF_ROUND;
	if (cap > FRAG_DATAGRAM_MAX)
		cap = FRAG_DATAGRAM_MAX;
	if (!make_room(ft, cap - g->cap, false, g))
		return false;
	uint8_t *nb = realloc(g->buf, cap);
	if (!nb)
		return false;
	ft->bytes += cap - g->cap;
	g->buf = nb;
	g->cap = cap;
	return true;
}

/* The bytes already held in [lo, hi) must equal the new ones. Returns -1
 * on a difference, else whether any overlapped. */
static int overlap_check(const struct dgram *g, uint32_t lo, uint32_t hi,
			 const uint8_t *data)
{
	int seen = 0;
	for (unsigned i = 0; i < g->npieces; i++) {
		uint32_t a = g->pieces[i].lo > lo ? g->pieces[i].lo : lo;
		uint32_t b = g->pieces[i].hi < hi ? g->pieces[i].hi : hi;
		if (a >= b)
			continue;
		if (memcmp(g->buf + a, data + (a - lo), b - a) != 0)
			return -1;
		seen = 1;
	}
	return seen;
}

/* Adds [lo, hi) to the sorted, disjoint, non-adjacent pieces. False when
 * it would make more than FRAG_PIECES_MAX. */
static bool pieces_add(struct dgram *g, uint32_t lo, uint32_t hi)
{
	unsigned i = 0, n = g->npieces;
	while (i < n && g->pieces[i].hi < lo)
		i++;
	unsigned j = i; /* pieces [i, j) touch [lo, hi) and merge into it */
	while (j < n && g->pieces[j].lo <= hi) {
		if (g->pieces[j].lo < lo)
			lo = g->pieces[j].lo;
		if (g->pieces[j].hi > hi)
			hi = g->pieces[j].hi;
		j++;
	}
	if (i == j && n == FRAG_PIECES_MAX)
		return false;
	unsigned nn = n - (j - i) + 1;
	memmove(&g->pieces[i + 1], &g->pieces[j], (n - j) * sizeof(g->pieces[0]));
	g->pieces[i].lo = lo;
	g->pieces[i].hi = hi;
	g->npieces = nn;
	return true;
}

/* Whether [lo, hi), last or not, agrees with what g knows of its end. */
static bool fits_end(const struct dgram *g, uint32_t hi, bool more)
{
	if (!more) {
		if (g->total_known && g->total != hi)
			return false;
		return g->npieces == 0 || g->pieces[g->npieces - 1].hi <= hi;
	}
	return !g->total_known || hi <= g->total;
}

static bool dgram_complete(const struct dgram *g)
{
	return g->total_known && g->npieces == 1 && g->pieces[0].lo == 0 &&
	       g->pieces[0].hi == g->total;
}

bool frag_feed(struct frag_table *ft, const struct net_tcp *t, uint64_t now,
	       struct frag_datagram *out)
{
	const struct net_frag *f = &t->frag;
	if (f->missing) { /* a hole nothing will fill */
		ctr_inc(ft->ctr, CTR_FRAG_TRUNCATED);
		return false;
	}
	uint64_t h = key_hash(ft->seed, t);
	struct dgram *g = dgram_find(ft, t, h);
	if (!g && !(g = dgram_new(ft, t, h, now))) {
		ctr_inc(ft->ctr, CTR_FRAG_MEMCAP);
		return false;
	}
	uint32_t lo = f->offset, hi = lo + f->len; /* both below 2^17 */
	/* RFC 791 §3.2, RFC 8200 §4.5: all but the last carry a multiple
	 * of 8 bytes, and no datagram exceeds 65535. */
	if (hi > FRAG_DATAGRAM_MAX || (f->more && (f->len & 7)) ||
	    !fits_end(g, hi, f->more)) {
		ctr_inc(ft->ctr, CTR_FRAG_MALFORMED);
		dgram_drop(ft, g);
		return false;
	}
	if (!dgram_reserve(ft, g, hi)) {
		ctr_inc(ft->ctr, CTR_FRAG_MEMCAP);
		dgram_drop(ft, g);
		return false;
	}
	int ov = f->len ? overlap_check(g, lo, hi, f->data) : 0;
	if (ov < 0) {
		ctr_inc(ft->ctr, CTR_FRAG_OVERLAP_MISMATCH);
		dgram_drop(ft, g);
		return false;
	}
	if (ov)
		ctr_inc(ft->ctr, CTR_FRAG_OVERLAP);
	if (f->len) {
		if (!pieces_add(g, lo, hi)) {
			ctr_inc(ft->ctr, CTR_FRAG_MEMCAP);
			dgram_drop(ft, g);
			return false;
		}
		memcpy(g->buf + lo, f->data, f->len);
	}
	if (!f->more) {
		g->total_known = true;
		g->total = hi;
	}
	if (g->family == 6 && lo == 0)
		g->proto = f->proto; /* RFC 8200 §4.5: offset 0's counts */
	if (!dgram_complete(g))
		return false;
	/* Hand the buffer out: it is the caller's until the next call. The
	 * previous one may be what f->data pointed into, so it goes now. */
	free(ft->done);
	ft->done = g->buf;
	ft->bytes -= g->cap;
	g->buf = NULL;
	g->cap = 0;
	out->data = ft->done;
	out->len = g->total;
	out->proto = g->proto;
	ctr_inc(ft->ctr, CTR_FRAG_DATAGRAMS);
	dgram_drop(ft, g);
	return true;
}
