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
	tcp_stream_segment(&r->s, &r->pool, isn, TCP_SYN_FLAG, NULL, 0, 0,
			   &cbs, &r->k);
}

/* Sends the text at stream offset off (sequence isn+1+off). */
static void seg(struct rig *r, uint32_t isn, uint32_t off, const char *txt)
{
	tcp_stream_segment(&r->s, &r->pool, isn + 1 + off, TCP_ACK_FLAG,
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
	tcp_stream_segment(&r.s, &r.pool, 5000, TCP_ACK_FLAG,
			   (const uint8_t *)"xyz", 3, 0, &cbs, &r.k);
	/* A retransmission from before the start is trimmed to it. */
	tcp_stream_segment(&r.s, &r.pool, 4998, TCP_ACK_FLAG,
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
	tcp_stream_segment(&r.s, &r.pool, 1, TCP_ACK_FLAG,
			   (const uint8_t *)"ab", 2, 3, &cbs, &r.k);
	seg(&r, 0, 5, "f");
	ck_assert_str_eq(result(&r), "ab###f");
	/* Out of order with a cut tail, then the hole filled. */
	struct rig q;
	rig_init(&q, 0);
	tcp_stream_segment(&q.s, &q.pool, 1 + 3, TCP_ACK_FLAG,
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
	struct tcp_pool pool = {100, 6, 0, &a.ctr};
	tcp_stream_segment(&a.s, &pool, 1 + 2, TCP_ACK_FLAG,
			   (const uint8_t *)"cdef", 4, 0, &cbs, &a.k);
	tcp_stream_segment(&b.s, &pool, 1 + 2, TCP_ACK_FLAG,
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
			tcp_stream_segment(&r.s, &r.pool, seed * 7919u + 1 + (uint32_t)o,
					   TCP_ACK_FLAG, (const uint8_t *)txt + o,
					   (uint32_t)len, 0, &cbs, &r.k);
		}
		ck_assert_str_eq(result(&r), txt);
		ck_assert_uint_eq(r.ctr.v[CTR_TCP_OVERLAP_MISMATCH], 0);
		ck_assert_uint_eq(r.pool.ooo_total, 0);
	}
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
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_caps);
	tcase_add_test(lim, test_global_cap);
	suite_add_tcase(s, lim);
	TCase *inc = tcase_create("incremental");
	tcase_add_test(inc, test_shuffled);
	suite_add_tcase(s, inc);
	return s;
}
