/* check_frag.c - IP fragment reassembly: order, overlap policy, the
 * caps, the timeout. Fragments are described directly (net_decode()'s
 * side is in check_net.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "frag.h"

#define SEC 1000000000ull

static uint8_t data[65536 + 64];

static void data_init(void)
{
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
}

static struct net_tcp frag(int family, uint32_t id, uint32_t off,
			   uint32_t len, bool more)
{
	struct net_tcp t;
	memset(&t, 0, sizeof t);
	t.src.family = t.dst.family = (uint8_t)family;
	t.src.a[0] = 192;
	t.src.a[3] = 1;
	t.dst.a[0] = 192;
	t.dst.a[3] = 2;
	t.frag.id = id;
	t.frag.proto = 6;
	t.frag.offset = off;
	t.frag.len = len;
	t.frag.more = more;
	t.frag.data = data + off;
	return t;
}

struct fx {
	struct counters ctr;
	struct frag_table *ft;
	struct frag_datagram out;
};

static void fx_init(struct fx *f, size_t bytes, size_t dgrams, uint64_t tmo)
{
	memset(f, 0, sizeof *f);
	data_init();
	struct frag_limits lim = {bytes, dgrams, tmo};
	f->ft = frag_table_new(&lim, &f->ctr);
	ck_assert_ptr_nonnull(f->ft);
}

static void fx_default(struct fx *f)
{
	fx_init(f, FRAG_MAX_BYTES_DEFAULT, FRAG_MAX_DATAGRAMS_DEFAULT,
		FRAG_TIMEOUT_NS_DEFAULT);
}

static bool feed(struct fx *f, struct net_tcp t, uint64_t now)
{
	return frag_feed(f->ft, &t, now, &f->out);
}

static void expect_whole(struct fx *f, uint32_t len)
{
	ck_assert_uint_eq(f->out.len, len);
	ck_assert_uint_eq(f->out.proto, 6);
	ck_assert_mem_eq(f->out.data, data, len);
}

static void fx_done(struct fx *f)
{
	frag_table_free(f->ft);
}

START_TEST(test_in_order)
{
	struct fx f;
	fx_default(&f);
	ck_assert(!feed(&f, frag(4, 1, 0, 512, true), 0));
	ck_assert(!feed(&f, frag(4, 1, 512, 512, true), 0));
	ck_assert_uint_eq(frag_pending(f.ft), 1);
	ck_assert(feed(&f, frag(4, 1, 1024, 100, false), 0));
	expect_whole(&f, 1124);
	ck_assert_uint_eq(frag_pending(f.ft), 0);
	ck_assert_uint_eq(frag_bytes(f.ft), 0);
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_DATAGRAMS], 1);
	fx_done(&f);
}
END_TEST

START_TEST(test_any_order)
{
	/* Every order of four fragments completes at the last one. */
	static const int perms[][4] = {{3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1},
				       {0, 2, 1, 3}, {3, 0, 2, 1}};
	for (size_t p = 0; p < sizeof perms / sizeof perms[0]; p++) {
		struct fx f;
		fx_default(&f);
		for (int i = 0; i < 4; i++) {
			uint32_t k = (uint32_t)perms[p][i];
			bool done = feed(&f, frag(6, 77, k * 800,
						  k == 3 ? 33 : 800, k != 3),
					 0);
			ck_assert(done == (i == 3));
		}
		expect_whole(&f, 3 * 800 + 33);
		fx_done(&f);
	}
}
END_TEST

START_TEST(test_overlap_same_data)
{
	struct fx f;
	fx_default(&f);
	ck_assert(!feed(&f, frag(4, 2, 0, 16, true), 0));
	ck_assert(!feed(&f, frag(4, 2, 0, 16, true), 0));  /* duplicate */
	ck_assert(!feed(&f, frag(4, 2, 8, 16, true), 0));  /* half over */
	ck_assert(feed(&f, frag(4, 2, 16, 40, false), 0)); /* over [16,24) */
	expect_whole(&f, 56);
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_OVERLAP], 3);
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_OVERLAP_MISMATCH], 0);
	fx_done(&f);
}
END_TEST

/* Teardrop-style: a later fragment rewrites held bytes. The datagram is
 * dropped; what follows starts afresh. */
START_TEST(test_overlap_different_data)
{
	struct fx f;
	fx_default(&f);
	ck_assert(!feed(&f, frag(4, 3, 0, 64, true), 0));
	struct net_tcp t = frag(4, 3, 32, 64, true);
	uint8_t other[64];
	memcpy(other, data + 32, 64);
	other[5] ^= 1; /* byte 37, held */
	t.frag.data = other;
	ck_assert(!feed(&f, t, 0));
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_OVERLAP_MISMATCH], 1);
	ck_assert_uint_eq(frag_pending(f.ft), 0);
	/* The last fragment alone does not complete anything. */
	ck_assert(!feed(&f, frag(4, 3, 64, 8, false), 0));
	ck_assert(feed(&f, frag(4, 3, 0, 64, true), 0));
	expect_whole(&f, 72);
	fx_done(&f);
}
END_TEST

START_TEST(test_malformed)
{
	struct fx f;
	fx_default(&f);
	/* Past 65535 (ping of death). */
	ck_assert(!feed(&f, frag(4, 4, 65528, 16, false), 0));
	/* A middle fragment not a multiple of 8. */
	ck_assert(!feed(&f, frag(4, 5, 0, 12, true), 0));
	/* Two different ends. */
	ck_assert(!feed(&f, frag(4, 6, 64, 8, false), 0));
	ck_assert(!feed(&f, frag(4, 6, 64, 16, false), 0));
	/* Data beyond the known end. */
	ck_assert(!feed(&f, frag(4, 7, 64, 8, false), 0));
	ck_assert(!feed(&f, frag(4, 7, 64, 16, true), 0));
	/* An end before data already held. */
	ck_assert(!feed(&f, frag(4, 8, 64, 16, true), 0));
	ck_assert(!feed(&f, frag(4, 8, 0, 8, false), 0));
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_MALFORMED], 5);
	ck_assert_uint_eq(frag_pending(f.ft), 0);
	ck_assert_uint_eq(frag_bytes(f.ft), 0);
	fx_done(&f);
}
END_TEST

START_TEST(test_keys)
{
	struct fx f;
	fx_default(&f);
	struct net_tcp a = frag(4, 9, 0, 8, true);
	struct net_tcp b = frag(4, 9, 8, 8, false);
	b.domain = 100; /* another VLAN */
	ck_assert(!feed(&f, a, 0));
	ck_assert(!feed(&f, b, 0));
	struct net_tcp c = b;
	c.frag.proto = 17; /* IPv4: the protocol is part of the key */
	c.domain = 0;
	ck_assert(!feed(&f, c, 0));
	struct net_tcp d = frag(4, 9, 8, 8, false);
	d.src.a[3] = 3; /* another source */
	ck_assert(!feed(&f, d, 0));
	ck_assert_uint_eq(frag_pending(f.ft), 4);
	ck_assert(feed(&f, frag(4, 9, 8, 8, false), 0));
	expect_whole(&f, 16);
	/* IPv6: the offset-0 fragment's next header counts (RFC 8200 §4.5). */
	struct net_tcp e = frag(6, 10, 8, 8, false);
	e.frag.proto = 60;
	ck_assert(!feed(&f, e, 0));
	ck_assert(feed(&f, frag(6, 10, 0, 8, true), 0));
	ck_assert_uint_eq(f.out.proto, 6);
	fx_done(&f);
}
END_TEST

START_TEST(test_timeout)
{
	struct fx f;
	fx_init(&f, FRAG_MAX_BYTES_DEFAULT, 16, 30 * SEC);
	ck_assert(!feed(&f, frag(4, 11, 0, 8, true), 1 * SEC));
	ck_assert(!feed(&f, frag(4, 12, 0, 8, true), 20 * SEC));
	frag_expire(f.ft, 31 * SEC); /* exactly 30 s: kept */
	ck_assert_uint_eq(frag_pending(f.ft), 2);
	frag_expire(f.ft, 31 * SEC + 1);
	ck_assert_uint_eq(frag_pending(f.ft), 1);
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_TIMEOUT], 1);
	/* The rest of the expired datagram cannot complete it. */
	ck_assert(!feed(&f, frag(4, 11, 8, 8, false), 32 * SEC));
	ck_assert(feed(&f, frag(4, 12, 8, 8, false), 32 * SEC));
	frag_flush(f.ft);
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_INCOMPLETE], 1);
	ck_assert_uint_eq(frag_bytes(f.ft), 0);
	fx_done(&f);
}
END_TEST

/* The datagram cap: the oldest make room for the new. */
START_TEST(test_memcap_datagrams)
{
	struct fx f;
	fx_init(&f, FRAG_MAX_BYTES_DEFAULT, 2, 30 * SEC);
	ck_assert(!feed(&f, frag(4, 20, 0, 8, true), 0));
	ck_assert(!feed(&f, frag(4, 21, 0, 8, true), 0));
	ck_assert(!feed(&f, frag(4, 22, 0, 8, true), 0));
	ck_assert_uint_eq(frag_pending(f.ft), 2);
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_MEMCAP], 1);
	ck_assert(!feed(&f, frag(4, 20, 8, 8, false), 0)); /* gone */
	ck_assert(feed(&f, frag(4, 22, 8, 8, false), 0));
	fx_done(&f);
}
END_TEST

/* The byte cap: a datagram that alone needs more is dropped; smaller
 * ones push the oldest out. */
START_TEST(test_memcap_bytes)
{
	struct fx f;
	fx_init(&f, 8192, 64, 30 * SEC);
	ck_assert(!feed(&f, frag(4, 30, 0, 4096, true), 0));
	ck_assert(!feed(&f, frag(4, 30, 8192, 8, false), 0));
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_MEMCAP], 1);
	ck_assert_uint_eq(frag_pending(f.ft), 0);
	ck_assert(!feed(&f, frag(4, 31, 0, 2048, true), 0));
	ck_assert(!feed(&f, frag(4, 32, 0, 2048, true), 0));
	ck_assert(!feed(&f, frag(4, 33, 0, 2048, true), 0));
	ck_assert(!feed(&f, frag(4, 34, 0, 2048, true), 0));
	ck_assert_uint_le(frag_bytes(f.ft), 8192);
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_MEMCAP], 2);
	ck_assert(feed(&f, frag(4, 33, 2048, 8, false), 0));
	expect_whole(&f, 2056);
	ck_assert(!feed(&f, frag(4, 31, 2048, 8, false), 0)); /* oldest: gone */
	fx_done(&f);
}
END_TEST

/* Hundreds of 8-byte holes: bounded bookkeeping. */
START_TEST(test_memcap_pieces)
{
	struct fx f;
	fx_default(&f);
	for (uint32_t i = 0; i < FRAG_PIECES_MAX; i++)
		ck_assert(!feed(&f, frag(4, 40, i * 16, 8, true), 0));
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_MEMCAP], 0);
	ck_assert(!feed(&f, frag(4, 40, FRAG_PIECES_MAX * 16, 8, true), 0));
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_MEMCAP], 1);
	ck_assert_uint_eq(frag_pending(f.ft), 0);
	/* Filling holes merges pieces: the same count completes. */
	for (uint32_t i = 0; i < 2 * FRAG_PIECES_MAX; i++)
		ck_assert(!feed(&f, frag(4, 41, i * 8, 8, true), 0));
	ck_assert(feed(&f, frag(4, 41, 2 * FRAG_PIECES_MAX * 8, 3, false), 0));
	expect_whole(&f, 2 * FRAG_PIECES_MAX * 8 + 3);
	fx_done(&f);
}
END_TEST

START_TEST(test_truncated)
{
	struct fx f;
	fx_default(&f);
	struct net_tcp t = frag(4, 50, 0, 100, true);
	t.frag.len = 60;
	t.frag.missing = 40; /* the snap length cut it */
	ck_assert(!feed(&f, t, 0));
	ck_assert_uint_eq(f.ctr.v[CTR_FRAG_TRUNCATED], 1);
	ck_assert_uint_eq(frag_pending(f.ft), 0);
	fx_done(&f);
}
END_TEST

/* A datagram handed out may hold a fragment of an inner datagram (a
 * fragmented tunnel): feeding from the handed-out buffer is safe. */
START_TEST(test_nested)
{
	struct fx f;
	fx_default(&f);
	ck_assert(!feed(&f, frag(4, 60, 0, 8, true), 0));
	ck_assert(feed(&f, frag(4, 60, 8, 24, false), 0));
	struct net_tcp in = frag(4, 61, 8, 24, false);
	in.frag.data = f.out.data + 8; /* inside the buffer handed out */
	ck_assert(!feed(&f, in, 0));
	ck_assert(feed(&f, frag(4, 61, 0, 8, true), 0));
	expect_whole(&f, 32);
	fx_done(&f);
}
END_TEST

Suite *frag_suite(void)
{
	Suite *s = suite_create("frag");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_any_order);
	tcase_add_test(tc, test_overlap_same_data);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_nested);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_overlap_different_data);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_truncated);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_memcap_datagrams);
	tcase_add_test(tc, test_memcap_bytes);
	tcase_add_test(tc, test_memcap_pieces);
	suite_add_tcase(s, tc);
	return s;
}
