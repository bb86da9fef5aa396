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

/* A segment of a full-sized packet's payload (TCP_SPARE_MIN <
 * len <= TCP_SPARE_LEN) gets a block of the one size TCP_SPARE_LEN,
 * and a freed one is kept for the next (at most TCP_SPARES of them,
 * until tcp_pool_free()): a lossy stream stores and frees one per hole,
 * and blocks that large bypass glibc's per-thread cache (its slow path
 * was 2 % of a lossy capture's time). The lower bound keeps a block at
 * most twice what it holds. */
static bool seg_spare_sized(uint32_t len)
{
	return len > TCP_SPARE_MIN && len <= TCP_SPARE_LEN;
}

static struct tcp_seg *seg_alloc(struct tcp_pool *pool, uint32_t len)
{
	if (!seg_spare_sized(len))
		return malloc(sizeof(struct tcp_seg) + len);
	if (pool->nspare)
		return pool->spare[--pool->nspare];
	return malloc(sizeof(struct tcp_seg) + TCP_SPARE_LEN);
}

static void seg_free(struct tcp_stream *s, struct tcp_pool *pool,
		     struct tcp_seg *g)
{
	s->ooo_bytes -= g->len;
	pool->ooo_total -= g->len;
	if (seg_spare_sized(g->len) && pool->nspare < TCP_SPARES)
		pool->spare[pool->nspare++] = g;
	else
		free(g);
}

void tcp_pool_free(struct tcp_pool *pool)
{
	while (pool->nspare)
		free(pool->spare[--pool->nspare]);
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
		struct tcp_seg *ng = seg_alloc(pool, take);
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

/* The furthest position the stream is known to have reached: bytes seen,
 * or acknowledged by the peer (the capture may have missed some). */
static uint64_t tcp_reach(const struct tcp_stream *s)
{
	uint64_t r = s->next > s->acked ? s->next : s->acked;
	return r > s->high ? r : s->high;
}

/* Whether stream position `off` (signed: before offset 0 is negative) is
 * inside the receiver's window: from what it has acknowledged (RCV.NXT as
 * far as the capture knows, less `below`) to TCP_WINDOW_SLACK past the
 * stream's reach (RFC 5961 §3.2, §5.2: the advertised window is not
 * tracked, see TCP_WINDOW_SLACK). */
static bool tcp_in_window(const struct tcp_stream *s, int64_t off,
			  uint64_t below)
{
	int64_t lo = (int64_t)s->acked - (int64_t)below;
	return off >= lo && off <= (int64_t)(tcp_reach(s) + TCP_WINDOW_SLACK);
}

bool tcp_stream_ack_valid(const struct tcp_stream *s, uint32_t ack)
{
	if (!s->started)
		return false;
	/* The SYN and a FIN take a sequence number each. */
	int64_t a = tcp_unwrap(s, ack);
	return a >= 0 && a <= (int64_t)tcp_reach(s) + 1;
}

bool tcp_stream_reuse_answered(const struct tcp_stream *s, uint32_t ack)
{
	return s->reuse_syn && ack == s->reuse_isn + 1;
}

/* Nothing but the SYN has gone through this direction. */
static bool tcp_fresh(const struct tcp_stream *s)
{
	return s->syn_seen && s->next == 0 && s->high == 0 && !s->ooo &&
	       !s->fin_seen && !s->rst_seen;
}

/* A SYN. Before any data, a new ISN restarts the direction (the first SYN
 * went unanswered and the stack tried again with another). After data, a
 * SYN inside the window is ignored (RFC 5961 §4: the endpoint answers it
 * with a challenge ACK); one far outside may open a new connection on the
 * same ports, which only the peer's SYN/ACK confirms. */
static void tcp_syn(struct tcp_stream *s, struct tcp_pool *pool, uint32_t seq)
{
	if (!s->started) {
		s->started = true;
		s->syn_seen = true;
		s->base = seq + 1; /* the SYN takes one number */
		return;
	}
	if (s->syn_seen && seq + 1 == s->base)
		return; /* retransmitted */
	if (tcp_fresh(s)) {
		ctr_inc(pool->ctr, CTR_TCP_SYN_RESTART);
		s->base = seq + 1;
		s->acked = 0;
		s->reuse_syn = false;
		return;
	}
	if (tcp_in_window(s, tcp_unwrap(s, seq + 1), TCP_WINDOW_SLACK)) {
		ctr_inc(pool->ctr, CTR_TCP_SYN_IN_WINDOW);
		return;
	}
	s->reuse_syn = true;
	s->reuse_isn = seq;
}

/* A RST from a direction that never sent anything counts when its ACK
 * acknowledges the peer's stream: the answer to a SYN (RFC 9293
 * §3.10.7.3, a refused connection). */
static bool tcp_rst_valid(const struct tcp_stream *s,
			  const struct tcp_stream *peer, uint32_t seq,
			  uint32_t ack, uint8_t flags)
{
	if (s->started)
		return tcp_in_window(s, tcp_unwrap(s, seq), 0);
	return peer && (flags & TCP_ACK_FLAG) && tcp_stream_ack_valid(peer, ack);
}

void tcp_stream_segment(struct tcp_stream *s, struct tcp_pool *pool,
			const struct tcp_stream *peer, uint32_t seq,
			uint32_t ack, uint8_t flags, const uint8_t *p,
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
		tcp_syn(s, pool, seq);
		return; /* data on a SYN is not used by iSCSI */
	}
	if (flags & TCP_RST_FLAG) {
		/* RFC 5961 §3: a RST outside the window is a blind attack
		 * (or a stale segment); the endpoint ignores it, so do we,
		 * payload included. */
		if (!tcp_rst_valid(s, peer, seq, ack, flags)) {
			ctr_inc(pool->ctr, CTR_TCP_RST_OUT_OF_WINDOW);
			return;
		}
		s->rst_seen = true;
		if (!s->started)
			return;
	}
	if (!s->started) {
		s->started = true;
		s->midstream = true;
		s->base = seq;
		ctr_inc(pool->ctr, CTR_TCP_MIDSTREAM);
		if (cb->gap)
			cb->gap(user, TCP_GAP_MIDSTREAM, 0);
	}
	uint64_t total = (uint64_t)n + missing;
	if ((flags & TCP_FIN_FLAG) && !s->fin_seen) {
		/* The FIN sits after the segment's data; it may already have
		 * been acknowledged (a retransmission of a FIN the capture
		 * missed), hence one below RCV.NXT. */
		int64_t at = tcp_unwrap(s, seq) + (int64_t)total;
		if (tcp_in_window(s, at, 1))
			s->fin_seen = true;
		else
			ctr_inc(pool->ctr, CTR_TCP_FIN_OUT_OF_WINDOW);
	}
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
		/* One byte just before the next: a keepalive (RFC 9293
		 * §3.8.4, some stacks send a garbage byte) or a repeated
		 * zero-window probe. Not data, not an anomaly. */
		if (!(total == 1 && off + 1 == s->next))
			ctr_inc(pool->ctr, CTR_TCP_RETRANSMITTED);
		return;
	}
	if (off + total > s->high)
		s->high = off + total;
	if (off <= s->next) {
		/* A lone byte at the next position may be a zero-window
		 * probe (RFC 9293 §3.8.6.1): the same byte comes again at
		 * the head of the segment sent when the window opens, an
		 * expected overlap rather than an anomaly. */
		bool probe_again = s->lone_byte && off + 1 == s->next;
		if (off < s->next && !probe_again)
			ctr_inc(pool->ctr, CTR_TCP_OVERLAP);
		s->lone_byte = total == 1 && off == s->next;
		tcp_deliver(s, pool, off, p, n, missing, cb, user);
		tcp_drain(s, pool, cb, user);
		return;
	}
	s->lone_byte = false;
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
	/* An ACK for bytes far beyond anything this direction sent is not
	 * the endpoint's (RFC 5961 §5.2): it would declare holes lost. */
	if (a > tcp_reach(s) + TCP_WINDOW_SLACK)
		return;
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
