/* tcp.c - one direction of a TCP connection, reassembled.
 *
 * The fast path (a segment that starts exactly at the next expected byte)
 * hands the caller's bytes straight on. Only segments that arrive ahead of
 * a hole are copied, into a sorted list of non-overlapping nodes, under a
 * per-stream and a global cap. A hole is declared lost when the peer's
 * ACK proves the endpoint got the bytes, when a cap is hit, or at the end.
 */
#include "tcp.h"

#include <stdlib.h>
#include <string.h>

struct tcp_seg {
	struct tcp_seg *next;
	uint64_t off;     /* stream offset of data[0] */
	uint32_t len;     /* captured bytes held */
	uint32_t missing; /* bytes after them cut by the snap length */
	uint8_t data[];
};

/* Offset of sequence number `seq`, taken as the one nearest to `next`:
 * a 32-bit difference read as signed, so wrap-around is harmless. */
static int64_t tcp_unwrap(const struct tcp_stream *s, uint32_t seq)
{
	uint32_t expect = s->base + (uint32_t)s->next;
	int32_t delta = (int32_t)(seq - expect);
	return (int64_t)s->next + delta; /* negative: before offset 0 */
}

static void tcp_gap(struct tcp_stream *s, struct tcp_pool *pool,
		    uint64_t bytes, const struct tcp_cb *cb, void *user)
{
	if (bytes == 0)
		return;
	ctr_inc(pool->ctr, CTR_TCP_GAPS);
	ctr_add(pool->ctr, CTR_TCP_GAP_BYTES, bytes);
	s->next += bytes;
	if (cb->gap)
		cb->gap(user, TCP_GAP_LOSS, bytes);
}

/* Delivers n captured bytes at offset `off` (off <= next), trimming what
 * was already delivered, then the `missing` bytes as a gap. */
static void tcp_deliver(struct tcp_stream *s, struct tcp_pool *pool,
			uint64_t off, const uint8_t *p, uint32_t n,
			uint32_t missing, const struct tcp_cb *cb, void *user)
{
	uint64_t end = off + n + missing;
	if (end <= s->next)
		return;
	uint64_t skip = s->next - off;
	if (skip < n) {
		size_t take = n - (size_t)skip;
		if (cb->data)
			cb->data(user, p + skip, take);
		s->next += take;
	}
	tcp_gap(s, pool, end - s->next, cb, user);
}

static void seg_free(struct tcp_stream *s, struct tcp_pool *pool,
		     struct tcp_seg *g)
{
	s->ooo_bytes -= g->len;
	pool->ooo_total -= g->len;
	free(g);
}

/* Hands on every buffered segment that has become contiguous. */
static void tcp_drain(struct tcp_stream *s, struct tcp_pool *pool,
		      const struct tcp_cb *cb, void *user)
{
	while (s->ooo && s->ooo->off <= s->next) {
		struct tcp_seg *g = s->ooo;
		s->ooo = g->next;
		tcp_deliver(s, pool, g->off, g->data, g->len, g->missing, cb,
			    user);
		seg_free(s, pool, g);
	}
}

/* Gives up on the hole before the first buffered segment. */
static void tcp_skip_hole(struct tcp_stream *s, struct tcp_pool *pool,
			  const struct tcp_cb *cb, void *user)
{
	if (!s->ooo)
		return;
	tcp_gap(s, pool, s->ooo->off - s->next, cb, user);
	tcp_drain(s, pool, cb, user);
}

/* Counts overlapping bytes of [off, off+n) with node g that differ. */
static void tcp_compare(struct tcp_stream *s, struct tcp_pool *pool,
			const struct tcp_seg *g, uint64_t off, const uint8_t *p,
			uint32_t n)
{
	uint64_t lo = off > g->off ? off : g->off;
	uint64_t ge = g->off + g->len, pe = off + n;
	uint64_t hi = ge < pe ? ge : pe;
	if (lo >= hi)
		return;
	if (memcmp(g->data + (lo - g->off), p + (lo - off),
		   (size_t)(hi - lo))) {
		ctr_inc(pool->ctr, CTR_TCP_OVERLAP_MISMATCH);
		s->overlap_mismatch++; /* reaches the session via the engine */
	}
}

/* Stores [off, off+n) minus what the list already holds. Old data wins
 * (as most stacks do); a difference is counted. Returns false when a cap
 * stopped it. */
static bool tcp_store(struct tcp_stream *s, struct tcp_pool *pool,
		      uint64_t off, const uint8_t *p, uint32_t n,
		      uint32_t missing)
{
	struct tcp_seg **link = &s->ooo;
	while (n > 0 || missing > 0) {
		struct tcp_seg *g = *link;
		/* Skip nodes wholly before us. */
		if (g && g->off + g->len + g->missing <= off) {
			link = &g->next;
			continue;
		}
		if (g && g->off <= off) {
			/* Overlaps the head of our range: trim it off. */
			tcp_compare(s, pool, g, off, p, n);
			ctr_inc(pool->ctr, CTR_TCP_OVERLAP);
			uint64_t cut = g->off + g->len + g->missing - off;
			if (cut >= (uint64_t)n + missing)
				return true;
			if (cut >= n) {
				missing -= (uint32_t)(cut - n);
				off += cut;
				p += n;
				n = 0;
			} else {
				off += cut;
				p += cut;
				n -= (uint32_t)cut;
			}
			link = &g->next;
			continue;
		}
		/* Our range starts before g (or g is NULL): store the part
		 * up to g. */
		uint32_t take = n, miss = missing;
		if (g && off + n + missing > g->off) {
			uint64_t room = g->off - off;
			if (room < n) {
				take = (uint32_t)room;
				miss = 0;
			} else {
				miss = (uint32_t)(room - n);
			}
		}
		if (take > pool->ooo_cap_stream - s->ooo_bytes ||
		    s->ooo_bytes > pool->ooo_cap_stream ||
		    pool->ooo_total > pool->ooo_cap_total ||
		    take > pool->ooo_cap_total - pool->ooo_total)
			return false;
		struct tcp_seg *ng = malloc(sizeof(*ng) + take);
		if (!ng)
			return false;
		ng->off = off;
		ng->len = take;
		ng->missing = miss;
		if (take)
			memcpy(ng->data, p, take);
		ng->next = g;
		*link = ng;
		link = &ng->next;
		s->ooo_bytes += take;
		pool->ooo_total += take;
		off += (uint64_t)take + miss;
		p += take;
		n -= take;
		missing -= miss;
	}
	return true;
}

void tcp_stream_segment(struct tcp_stream *s, struct tcp_pool *pool,
			uint32_t seq, uint8_t flags, const uint8_t *p,
			uint32_t n, uint32_t missing, const struct tcp_cb *cb,
			void *user)
{
	/* Fuzzer finding (tests/regress/pcap/ack-snaplen-no-payload.pcap):
	 * a segment whose payload was all cut by the snap length comes with
	 * p == NULL, and `p += 0` on NULL is undefined behaviour. */
	static const uint8_t no_bytes[1];
	if (!p)
		p = no_bytes;
	if (flags & TCP_SYN_FLAG) {
		if (!s->started) {
			s->started = true;
			s->syn_seen = true;
			s->base = seq + 1; /* the SYN takes one number */
		}
		return; /* data on a SYN is not used by iSCSI */
	}
	if (!s->started) {
		s->started = true;
		s->midstream = true;
		s->base = seq;
		ctr_inc(pool->ctr, CTR_TCP_MIDSTREAM);
		if (cb->gap)
			cb->gap(user, TCP_GAP_MIDSTREAM, 0);
	}
	if (flags & TCP_RST_FLAG)
		s->rst_seen = true;
	if (flags & TCP_FIN_FLAG)
		s->fin_seen = true;
	uint64_t total = (uint64_t)n + missing;
	if (total == 0)
		return;
	int64_t soff = tcp_unwrap(s, seq);
	if (soff < 0) {
		/* Starts before the first byte we track (a retransmission
		 * into a stream picked up mid-way): drop the early part. */
		uint64_t early = (uint64_t)-soff;
		if (early >= total) {
			ctr_inc(pool->ctr, CTR_TCP_RETRANSMITTED);
			return;
		}
		if (early >= n) {
			missing -= (uint32_t)(early - n);
			p += n;
			n = 0;
		} else {
			p += early;
			n -= (uint32_t)early;
		}
		total -= early;
		soff = 0;
	}
	uint64_t off = (uint64_t)soff;
	if (off + total <= s->next) {
		ctr_inc(pool->ctr, CTR_TCP_RETRANSMITTED);
		return;
	}
	if (off <= s->next) {
		if (off < s->next)
			ctr_inc(pool->ctr, CTR_TCP_OVERLAP);
		tcp_deliver(s, pool, off, p, n, missing, cb, user);
		tcp_drain(s, pool, cb, user);
		return;
	}
	ctr_inc(pool->ctr, CTR_TCP_OUT_OF_ORDER);
	while (!tcp_store(s, pool, off, p, n, missing)) {
		/* A cap: the hole will not be filled in time. Give up on it
		 * and try again; once the list is empty the segment is either
		 * in order now or stored without competition. */
		ctr_inc(pool->ctr, CTR_TCP_OOO_CAP_HIT);
		if (!s->ooo) {
			tcp_gap(s, pool, off - s->next, cb, user);
			tcp_deliver(s, pool, off, p, n, missing, cb, user);
			return;
		}
		tcp_skip_hole(s, pool, cb, user);
		if (off <= s->next) {
			tcp_deliver(s, pool, off, p, n, missing, cb, user);
			tcp_drain(s, pool, cb, user);
			return;
		}
	}
}

void tcp_stream_ack(struct tcp_stream *s, struct tcp_pool *pool, uint32_t ack,
		    const struct tcp_cb *cb, void *user)
{
	if (!s->started)
		return;
	int64_t sa = tcp_unwrap(s, ack);
	if (sa <= 0)
		return;
	uint64_t a = (uint64_t)sa;
	if (a > s->acked)
		s->acked = a;
	/* The endpoint has bytes we never saw, and later ones are waiting:
	 * the hole is lost to the capture. */
	if (s->ooo && a > s->next) {
		uint64_t upto = a < s->ooo->off ? a : s->ooo->off;
		tcp_gap(s, pool, upto - s->next, cb, user);
		tcp_drain(s, pool, cb, user);
	}
}

void tcp_stream_flush(struct tcp_stream *s, struct tcp_pool *pool,
		      const struct tcp_cb *cb, void *user)
{
	while (s->ooo)
		tcp_skip_hole(s, pool, cb, user);
}

void tcp_stream_free(struct tcp_stream *s, struct tcp_pool *pool)
{
	while (s->ooo) {
		struct tcp_seg *g = s->ooo;
		s->ooo = g->next;
		seg_free(s, pool, g);
	}
}
