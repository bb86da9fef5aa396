/* Reassembly of one direction: order, overlap, loss, caps, wrap. */
#include "check_suites.h"

#include <stdlib.h>
#include <string.h>

#include "tcp.h"

/* What the stream handed on: bytes, with each gap written as '#' times
 * its length (gaps here are short) and a midstream start as '^'. */
struct sink {
	char out[4096];
	size_t n;
	int gaps;
};

static void put(struct sink *k, char c)
{
	if (k->n < sizeof(k->out) - 1)
		k->out[k->n++] = c;
}

static void on_data(void *user, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(user, (char)p[i]);
}

static void on_gap(void *user, enum tcp_gap_kind kind, uint64_t bytes)
{
	struct sink *k = user;
	if (kind == TCP_GAP_MIDSTREAM) {
		put(k, '^');
		return;
	}
	k->gaps++;
	for (uint64_t i = 0; i < bytes && i < 64; i++)
		put(k, '#');
}

static const struct tcp_cb cbs = {on_data, on_gap};

struct rig {
	struct tcp_stream s;
	struct tcp_pool pool;
	struct counters ctr;
	struct sink k;
};

static void rig_init(struct rig *r, uint32_t isn)
{
	memset(r, 0, sizeof(*r));
	r->pool.ooo_cap_stream = 1 << 20;
	r->pool.ooo_cap_total = 1 << 20;
	r->pool.ctr = &r->ctr;
	tcp_stream_segment(&r->s, &r->pool, NULL, isn, 0, TCP_SYN_FLAG, NULL, 0, 0,
			   &cbs, &r->k);
}

/* Sends the text at stream offset off (sequence isn+1+off). */
static void seg(struct rig *r, uint32_t isn, uint32_t off, const char *txt)
{
	tcp_stream_segment(&r->s, &r->pool, NULL, isn + 1 + off, 0, TCP_ACK_FLAG,
			   (const uint8_t *)txt, (uint32_t)strlen(txt), 0,
			   &cbs, &r->k);
}

static const char *result(struct rig *r)
{
	r->k.out[r->k.n] = 0;
	return r->k.out;
}

START_TEST(test_in_order)
{
	struct rig r;
	rig_init(&r, 1000);
	seg(&r, 1000, 0, "abc");
	seg(&r, 1000, 3, "def");
	ck_assert_str_eq(result(&r), "abcdef");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OUT_OF_ORDER], 0);
	ck_assert_uint_eq(r.pool.ooo_total, 0);
}
END_TEST

START_TEST(test_reorder)
{
	struct rig r;
	rig_init(&r, 5);
	seg(&r, 5, 3, "def");
	seg(&r, 5, 6, "ghi");
	ck_assert_str_eq(result(&r), "");
	ck_assert_uint_eq(r.pool.ooo_total, 6);
	seg(&r, 5, 0, "abc");
	ck_assert_str_eq(result(&r), "abcdefghi");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OUT_OF_ORDER], 2);
	ck_assert_uint_eq(r.pool.ooo_total, 0);
	ck_assert_uint_eq(r.s.ooo_bytes, 0);
}
END_TEST

START_TEST(test_retransmit_and_overlap)
{
	struct rig r;
	rig_init(&r, 77);
	seg(&r, 77, 0, "abcd");
	seg(&r, 77, 0, "abcd"); /* whole retransmission */
	seg(&r, 77, 2, "cdef"); /* overlaps the tail */
	ck_assert_str_eq(result(&r), "abcdef");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_RETRANSMITTED], 1);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OVERLAP], 1);
}
END_TEST

START_TEST(test_overlap_mismatch_in_buffer)
{
	struct rig r;
	rig_init(&r, 0);
	seg(&r, 0, 4, "EFGH");
	seg(&r, 0, 6, "xyIJ"); /* "GH" differ from what is held */
	seg(&r, 0, 4, "EFGH"); /* same bytes again */
	seg(&r, 0, 0, "ABCD");
	ck_assert_str_eq(result(&r), "ABCDEFGHIJ"); /* first data wins */
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OVERLAP_MISMATCH], 1);
}
END_TEST

START_TEST(test_loss_by_ack)
{
	struct rig r;
	rig_init(&r, 100);
	seg(&r, 100, 0, "ab");
	seg(&r, 100, 5, "fg"); /* "cde" never captured */
	ck_assert_str_eq(result(&r), "ab");
	/* The peer acknowledges through "g": the hole is lost. */
	tcp_stream_ack(&r.s, &r.pool, 100 + 1 + 7, &cbs, &r.k);
	ck_assert_str_eq(result(&r), "ab###fg");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_GAPS], 1);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_GAP_BYTES], 3);
}
END_TEST

START_TEST(test_flush_holes)
{
	struct rig r;
	rig_init(&r, 9);
	seg(&r, 9, 2, "c");
	seg(&r, 9, 5, "f");
	tcp_stream_flush(&r.s, &r.pool, &cbs, &r.k);
	ck_assert_str_eq(result(&r), "##c##f");
	ck_assert_int_eq(r.k.gaps, 2);
	ck_assert_uint_eq(r.pool.ooo_total, 0);
}
END_TEST

START_TEST(test_wraparound)
{
	struct rig r;
	uint32_t isn = 0xfffffffdu; /* data starts at 0xfffffffe */
	rig_init(&r, isn);
	seg(&r, isn, 0, "ab");   /* 0xfffffffe, 0xffffffff */
	seg(&r, isn, 4, "ef");   /* 0x00000002: ahead, across the wrap */
	seg(&r, isn, 2, "cd");   /* 0x00000000 */
	ck_assert_str_eq(result(&r), "abcdef");
	ck_assert_uint_eq(r.s.next, 6);
}
END_TEST

START_TEST(test_midstream)
{
	struct rig r;
	memset(&r, 0, sizeof(r));
	r.pool.ooo_cap_stream = r.pool.ooo_cap_total = 1 << 20;
	r.pool.ctr = &r.ctr;
	tcp_stream_segment(&r.s, &r.pool, NULL, 5000, 0, TCP_ACK_FLAG,
			   (const uint8_t *)"xyz", 3, 0, &cbs, &r.k);
	/* A retransmission from before the start is trimmed to it. */
	tcp_stream_segment(&r.s, &r.pool, NULL, 4998, 0, TCP_ACK_FLAG,
			   (const uint8_t *)"vwxyz!", 6, 0, &cbs, &r.k);
	ck_assert_str_eq(result(&r), "^xyz!");
	ck_assert(r.s.midstream);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_MIDSTREAM], 1);
}
END_TEST

START_TEST(test_snaplen_missing)
{
	struct rig r;
	rig_init(&r, 0);
	tcp_stream_segment(&r.s, &r.pool, NULL, 1, 0, TCP_ACK_FLAG,
			   (const uint8_t *)"ab", 2, 3, &cbs, &r.k);
	seg(&r, 0, 5, "f");
	ck_assert_str_eq(result(&r), "ab###f");
	/* Out of order with a cut tail, then the hole filled. */
	struct rig q;
	rig_init(&q, 0);
	tcp_stream_segment(&q.s, &q.pool, NULL, 1 + 3, 0, TCP_ACK_FLAG,
			   (const uint8_t *)"de", 2, 2, &cbs, &q.k);
	seg(&q, 0, 0, "abc");
	seg(&q, 0, 7, "h");
	ck_assert_str_eq(result(&q), "abcde##h");
}
END_TEST

START_TEST(test_caps)
{
	struct rig r;
	rig_init(&r, 0);
	r.pool.ooo_cap_stream = 8;
	seg(&r, 0, 2, "cdef");
	seg(&r, 0, 6, "ghij"); /* 8 bytes held: at the cap */
	ck_assert_uint_eq(r.s.ooo_bytes, 8);
	seg(&r, 0, 12, "mn"); /* over the cap: the hole is given up */
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OOO_CAP_HIT], 1);
	ck_assert_str_eq(result(&r), "##cdefghij");
	ck_assert_uint_le(r.s.ooo_bytes, 8);
	tcp_stream_flush(&r.s, &r.pool, &cbs, &r.k);
	ck_assert_str_eq(result(&r), "##cdefghij##mn");
	ck_assert_uint_eq(r.pool.ooo_total, 0);
}
END_TEST

START_TEST(test_global_cap)
{
	/* Two streams share a 6-byte pool. */
	struct rig a, b;
	rig_init(&a, 0);
	rig_init(&b, 0);
	struct tcp_pool pool = {
	    .ooo_cap_stream = 100, .ooo_cap_total = 6, .ctr = &a.ctr};
	tcp_stream_segment(&a.s, &pool, NULL, 1 + 2, 0, TCP_ACK_FLAG,
			   (const uint8_t *)"cdef", 4, 0, &cbs, &a.k);
	tcp_stream_segment(&b.s, &pool, NULL, 1 + 2, 0, TCP_ACK_FLAG,
			   (const uint8_t *)"CDEF", 4, 0, &cbs, &b.k);
	ck_assert_uint_le(pool.ooo_total, 6);
	ck_assert_uint_eq(a.ctr.v[CTR_TCP_OOO_CAP_HIT], 1);
	ck_assert_str_eq(result(&b), "##CDEF");
	tcp_stream_free(&a.s, &pool);
	tcp_stream_free(&b.s, &pool);
	ck_assert_uint_eq(pool.ooo_total, 0);
}
END_TEST

/* Every permutation-ish order of 8 segments gives the same bytes. */
START_TEST(test_shuffled)
{
	const char *txt = "0123456789abcdefghijklmnopqrstuv";
	for (unsigned seed = 1; seed < 200; seed++) {
		struct rig r;
		rig_init(&r, seed * 7919u);
		int order[8];
		for (int i = 0; i < 8; i++)
			order[i] = i;
		unsigned x = seed;
		for (int i = 7; i > 0; i--) {
			x = x * 1103515245u + 12345u;
			int j = (int)((x >> 16) % (unsigned)(i + 1));
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (int i = 0; i < 8; i++) {
			/* Segments of 4 bytes, some extended to overlap. */
			int o = order[i] * 4;
			int len = 4 + ((seed + (unsigned)i) % 3 == 0 ? 2 : 0);
			if (o + len > 32)
				len = 32 - o;
			tcp_stream_segment(&r.s, &r.pool, NULL, seed * 7919u + 1 + (uint32_t)o, 0,
					   TCP_ACK_FLAG, (const uint8_t *)txt + o,
					   (uint32_t)len, 0, &cbs, &r.k);
		}
		ck_assert_str_eq(result(&r), txt);
		ck_assert_uint_eq(r.ctr.v[CTR_TCP_OVERLAP_MISMATCH], 0);
		ck_assert_uint_eq(r.pool.ooo_total, 0);
	}
}
END_TEST

/* ---- control flags as the endpoints take them (RFC 5961) ---- */

/* A control segment (no payload) at sequence number seq. */
static void ctl(struct rig *r, const struct tcp_stream *peer, uint32_t seq,
		uint32_t ack, uint8_t flags)
{
	tcp_stream_segment(&r->s, &r->pool, peer, seq, ack, flags, NULL, 0, 0,
			   &cbs, &r->k);
}

START_TEST(test_rst_out_of_window_ignored)
{
	struct rig r;
	rig_init(&r, 1000);
	seg(&r, 1000, 0, "abcdef");
	tcp_stream_ack(&r.s, &r.pool, 1000 + 1 + 6, &cbs, &r.k);
	/* Blind spoofs: far ahead, far behind, just past the slack, and
	 * before what the receiver has acknowledged. */
	const uint32_t bad[] = {1000 + 1 + 0x40000000u, 1000 + 1 - 0x40000000u,
				1000 + 1 + 6 + TCP_WINDOW_SLACK + 1, 1000 + 1 + 5};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ctl(&r, NULL, bad[i], 0, TCP_RST_FLAG | TCP_ACK_FLAG);
	ck_assert(!r.s.rst_seen);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_RST_OUT_OF_WINDOW], 4);
	/* The stream is untouched: the next bytes follow on. */
	seg(&r, 1000, 6, "gh");
	ck_assert_str_eq(result(&r), "abcdefgh");
	/* At the next sequence number, and anywhere inside the window, a
	 * RST counts. */
	ctl(&r, NULL, 1000 + 1 + 8 + 4096, 0, TCP_RST_FLAG);
	ck_assert(r.s.rst_seen);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_RST_OUT_OF_WINDOW], 4);
}
END_TEST

START_TEST(test_rst_of_unstarted_direction)
{
	/* The peer sent a SYN; this side never spoke. Its RST counts only
	 * if it acknowledges the SYN (a refused connection). */
	struct rig peer, r;
	rig_init(&peer, 500);
	memset(&r, 0, sizeof(r));
	r.pool = peer.pool;
	r.pool.ctr = &r.ctr;
	ctl(&r, &peer.s, 0, 0, TCP_RST_FLAG);
	ctl(&r, &peer.s, 0, 500 + 1 + 0x10000000u, TCP_RST_FLAG | TCP_ACK_FLAG);
	ck_assert(!r.s.rst_seen);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_RST_OUT_OF_WINDOW], 2);
	ctl(&r, &peer.s, 0, 500 + 1, TCP_RST_FLAG | TCP_ACK_FLAG);
	ck_assert(r.s.rst_seen);
	ck_assert(!r.s.midstream); /* no stream began */
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_MIDSTREAM], 0);
}
END_TEST

START_TEST(test_fin_window)
{
	struct rig r;
	rig_init(&r, 7);
	seg(&r, 7, 0, "abc");
	tcp_stream_ack(&r.s, &r.pool, 7 + 1 + 3, &cbs, &r.k);
	ctl(&r, NULL, 7 + 1 + 3 + 0x20000000u, 0, TCP_FIN_FLAG | TCP_ACK_FLAG);
	ck_assert(!r.s.fin_seen);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_FIN_OUT_OF_WINDOW], 1);
	/* Data and FIN in one segment: the FIN sits after the data. */
	tcp_stream_segment(&r.s, &r.pool, NULL, 7 + 1 + 3, 0,
			   TCP_FIN_FLAG | TCP_ACK_FLAG, (const uint8_t *)"de", 2,
			   0, &cbs, &r.k);
	ck_assert(r.s.fin_seen);
	ck_assert_str_eq(result(&r), "abcde");
	/* A FIN retransmitted after the peer acknowledged it is no anomaly. */
	tcp_stream_ack(&r.s, &r.pool, 7 + 1 + 5 + 1, &cbs, &r.k);
	ctl(&r, NULL, 7 + 1 + 5, 0, TCP_FIN_FLAG | TCP_ACK_FLAG);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_FIN_OUT_OF_WINDOW], 1);

	/* A FIN the capture missed, acknowledged by the peer, then sent
	 * again: one below the acknowledged position is in the window. */
	struct rig q;
	rig_init(&q, 7);
	seg(&q, 7, 0, "abc");
	tcp_stream_ack(&q.s, &q.pool, 7 + 1 + 3 + 1, &cbs, &q.k);
	ctl(&q, NULL, 7 + 1 + 3, 0, TCP_FIN_FLAG | TCP_ACK_FLAG);
	ck_assert(q.s.fin_seen);
	ck_assert_uint_eq(q.ctr.v[CTR_TCP_FIN_OUT_OF_WINDOW], 0);
}
END_TEST

START_TEST(test_isn_restart)
{
	/* An unanswered SYN, then the real one with another ISN: the
	 * direction follows the second. */
	struct rig r;
	rig_init(&r, 0x11111111u);
	ctl(&r, NULL, 0x11111111u, 0, TCP_SYN_FLAG); /* retransmitted */
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_SYN_RESTART], 0);
	ctl(&r, NULL, 0x7000, 0, TCP_SYN_FLAG);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_SYN_RESTART], 1);
	seg(&r, 0x7000, 0, "login");
	ck_assert_str_eq(result(&r), "login");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_RETRANSMITTED], 0);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OUT_OF_ORDER], 0);
	/* After data a new ISN no longer restarts the direction. */
	ctl(&r, NULL, 0x7000 + 2, 0, TCP_SYN_FLAG);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_SYN_RESTART], 1);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_SYN_IN_WINDOW], 1);
	ck_assert(!r.s.reuse_syn);
	seg(&r, 0x7000, 5, "!");
	ck_assert_str_eq(result(&r), "login!");
}
END_TEST

START_TEST(test_four_tuple_reuse)
{
	struct rig r;
	rig_init(&r, 100);
	seg(&r, 100, 0, "old stream");
	/* A SYN far from the old stream is held, not taken: only the
	 * peer's SYN/ACK makes it a new connection. */
	ctl(&r, NULL, 0x90000000u, 0, TCP_SYN_FLAG);
	ck_assert(r.s.reuse_syn);
	ck_assert(!tcp_stream_reuse_answered(&r.s, 0x90000000u));
	ck_assert(!tcp_stream_reuse_answered(&r.s, 100 + 1 + 10));
	ck_assert(tcp_stream_reuse_answered(&r.s, 0x90000001u));
	/* Meanwhile the old stream goes on untouched. */
	seg(&r, 100, 10, "+");
	ck_assert_str_eq(result(&r), "old stream+");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_SYN_RESTART], 0);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_SYN_IN_WINDOW], 0);
}
END_TEST

START_TEST(test_keepalive_and_zero_window_probe)
{
	struct rig r;
	rig_init(&r, 40);
	seg(&r, 40, 0, "abcd");
	ctl(&r, NULL, 40 + 1 + 3, 0, TCP_ACK_FLAG); /* keepalive, no byte */
	seg(&r, 40, 3, "?");  /* keepalive, one garbage byte at next-1 */
	seg(&r, 40, 4, "e");  /* zero-window probe: the next byte */
	seg(&r, 40, 4, "e");  /* probed again */
	seg(&r, 40, 4, "efgh"); /* the window opened */
	ck_assert_str_eq(result(&r), "abcdefgh");
	ck_assert_int_eq(r.k.gaps, 0);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_RETRANSMITTED], 0);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OVERLAP], 0);
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OUT_OF_ORDER], 0);
	/* An ordinary overlap is still counted. */
	seg(&r, 40, 6, "ghij");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_OVERLAP], 1);
	ck_assert_str_eq(result(&r), "abcdefghij");
}
END_TEST

START_TEST(test_spoofed_ack_ignored)
{
	/* An ACK far beyond anything sent would declare the hole lost. */
	struct rig r;
	rig_init(&r, 100);
	seg(&r, 100, 0, "ab");
	seg(&r, 100, 5, "fg");
	tcp_stream_ack(&r.s, &r.pool, 100 + 1 + 0x30000000u, &cbs, &r.k);
	ck_assert_str_eq(result(&r), "ab");
	ck_assert_uint_eq(r.ctr.v[CTR_TCP_GAPS], 0);
	seg(&r, 100, 2, "cde");
	ck_assert_str_eq(result(&r), "abcdefg");
}
END_TEST

/* Full-sized segments go through the pool's spare blocks: bytes
 * delivered from reused blocks must be those stored, across streams
 * sharing the pool, holes filled or lost, at the size bounds. */
struct check_sink {
	uint64_t at, bytes, gap_bytes, bad;
};

static uint8_t pattern(uint64_t off, unsigned stream)
{
	return (uint8_t)(off * 7 + (off >> 9) + stream * 31);
}

static unsigned check_stream(const struct check_sink *k, const struct check_sink *base)
{
	return (unsigned)(k - base);
}

static struct check_sink sinks3[3];

static void check_data(void *user, const uint8_t *p, size_t n)
{
	struct check_sink *k = user;
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(k->at + i, check_stream(k, sinks3)))
			k->bad++;
	k->at += n;
	k->bytes += n;
}

static void check_gap(void *user, enum tcp_gap_kind kind, uint64_t bytes)
{
	struct check_sink *k = user;
	(void)kind;
	k->at += bytes;
	k->gap_bytes += bytes;
}

static const struct tcp_cb check_cbs = {check_data, check_gap};

static void big_seg(struct tcp_stream *s, struct tcp_pool *pool, unsigned st,
		    uint64_t off, uint32_t len)
{
	static uint8_t buf[TCP_SPARE_LEN + 64];
	for (uint32_t i = 0; i < len; i++)
		buf[i] = pattern(off + i, st);
	tcp_stream_segment(s, pool, NULL, (uint32_t)(1 + off), 0, TCP_ACK_FLAG,
			   buf, len, 0, &check_cbs, &sinks3[st]);
}

START_TEST(test_spare_blocks)
{
	static const uint32_t lens[] = {
	    1448, TCP_SPARE_MIN, TCP_SPARE_MIN + 1, TCP_SPARE_LEN,
	    TCP_SPARE_LEN + 1, 1448, 536, 1448};
	struct counters ctr;
	memset(&ctr, 0, sizeof(ctr));
	memset(sinks3, 0, sizeof(sinks3));
	struct tcp_pool pool = {.ooo_cap_stream = 1 << 20,
				.ooo_cap_total = 1 << 20, .ctr = &ctr};
	struct tcp_stream s[3];
	memset(s, 0, sizeof(s));
	uint64_t off[3] = {0, 0, 0};
	for (unsigned st = 0; st < 3; st++)
		tcp_stream_segment(&s[st], &pool, NULL, 0, 0, TCP_SYN_FLAG,
				   NULL, 0, 0, &check_cbs, &sinks3[st]);
	for (unsigned round = 0; round < 60; round++) {
		for (unsigned st = 0; st < 3; st++) {
			/* a hole (a), then b and c held behind it */
			uint32_t a = lens[(round + st) % 8];
			uint32_t b = lens[(round + st + 1) % 8];
			uint32_t c = lens[(round + st + 3) % 8];
			big_seg(&s[st], &pool, st, off[st] + a, b);
			big_seg(&s[st], &pool, st, off[st] + a + b, c);
			if (round % 3 == 2)	/* lost: the peer's ACK says so */
				tcp_stream_ack(&s[st], &pool,
					       (uint32_t)(1 + off[st] + a),
					       &check_cbs, &sinks3[st]);
			else
				big_seg(&s[st], &pool, st, off[st], a);
			off[st] += (uint64_t)a + b + c;
		}
	}
	for (unsigned st = 0; st < 3; st++) {
		ck_assert_uint_eq(sinks3[st].bad, 0);
		ck_assert_uint_eq(sinks3[st].at, off[st]);
		ck_assert_uint_eq(sinks3[st].bytes + sinks3[st].gap_bytes, off[st]);
		ck_assert_uint_gt(sinks3[st].gap_bytes, 0);
	}
	ck_assert_uint_eq(pool.ooo_total, 0);
	ck_assert_uint_gt(pool.nspare, 0);
	/* More blocks held at once than are kept when they go. */
	for (unsigned i = 1; i <= TCP_SPARES + 8; i++)
		big_seg(&s[0], &pool, 0, off[0] + i * 1448u, 1448);
	tcp_stream_flush(&s[0], &pool, &check_cbs, &sinks3[0]);
	ck_assert_uint_eq(sinks3[0].bad, 0);
	ck_assert_uint_eq(pool.ooo_total, 0);
	ck_assert_uint_eq(pool.nspare, TCP_SPARES);
	for (unsigned st = 0; st < 3; st++)
		tcp_stream_free(&s[st], &pool);
	tcp_pool_free(&pool);
	ck_assert_uint_eq(pool.nspare, 0);
}
END_TEST

Suite *tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *core = tcase_create("core");
	tcase_add_test(core, test_in_order);
	tcase_add_test(core, test_reorder);
	tcase_add_test(core, test_retransmit_and_overlap);
	tcase_add_test(core, test_overlap_mismatch_in_buffer);
	tcase_add_test(core, test_loss_by_ack);
	tcase_add_test(core, test_flush_holes);
	tcase_add_test(core, test_wraparound);
	tcase_add_test(core, test_midstream);
	tcase_add_test(core, test_snaplen_missing);
	suite_add_tcase(s, core);
	TCase *st = tcase_create("state");
	tcase_add_test(st, test_rst_out_of_window_ignored);
	tcase_add_test(st, test_rst_of_unstarted_direction);
	tcase_add_test(st, test_fin_window);
	tcase_add_test(st, test_isn_restart);
	tcase_add_test(st, test_four_tuple_reuse);
	tcase_add_test(st, test_keepalive_and_zero_window_probe);
	tcase_add_test(st, test_spoofed_ack_ignored);
	suite_add_tcase(s, st);
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_caps);
	tcase_add_test(lim, test_global_cap);
	tcase_add_test(lim, test_spare_blocks);
	suite_add_tcase(s, lim);
	TCase *inc = tcase_create("incremental");
	tcase_add_test(inc, test_shuffled);
	suite_add_tcase(s, inc);
	return s;
}
