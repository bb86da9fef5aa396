/* The record pools: zeroed, distinct, aligned records; a freed record
 * is reused zeroed; the blocks go back when the last record does. */
#include "check_suites.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pool.h"

struct rec {
	uint64_t a;
	char text[100];
};

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Enough records to fill several blocks, up to the huge ones. */
#define MANY 50000

START_TEST(test_zeroed_distinct_aligned)
{
	static struct rec *r[MANY];
	struct pool p = POOL_INIT(struct rec);
	for (size_t i = 0; i < MANY; i++) {
		r[i] = pool_zalloc(&p);
		ck_assert_ptr_nonnull(r[i]);
		ck_assert(all_zero(r[i], sizeof(*r[i])));
		ck_assert_uint_eq((uintptr_t)r[i] % 16, 0);
		r[i]->a = i;
		memset(r[i]->text, (int)(i & 0x7f) | 1, sizeof(r[i]->text));
	}
	ck_assert_uint_eq(p.live, MANY);
	/* Writing one never touched another. */
	for (size_t i = 0; i < MANY; i++) {
		ck_assert_uint_eq(r[i]->a, i);
		ck_assert_int_eq(r[i]->text[99], (int)(i & 0x7f) | 1);
	}
	for (size_t i = 0; i < MANY; i++)
		pool_free(&p, r[i]);
	ck_assert_uint_eq(p.live, 0);
#if !defined(__SANITIZE_ADDRESS__)
	ck_assert_uint_eq(p.mapped, 0);
	ck_assert_ptr_null(p.blocks);
#endif
}
END_TEST

START_TEST(test_reuse_is_zeroed)
{
	struct pool p = POOL_INIT(struct rec);
	struct rec *keep = pool_zalloc(&p); /* holds the blocks */
	struct rec *a = pool_zalloc(&p);
	ck_assert_ptr_nonnull(keep);
	ck_assert_ptr_nonnull(a);
	memset(a, 0xa5, sizeof(*a));
	pool_free(&p, a);
	ck_assert_uint_eq(p.live, 1);
	struct rec *b = pool_zalloc(&p);
	ck_assert_ptr_nonnull(b);
#if !defined(__SANITIZE_ADDRESS__)
	ck_assert_ptr_eq(a, b); /* the free list first: a warm record */
	ck_assert_uint_gt(p.mapped, 0);
#endif
	ck_assert(all_zero(b, sizeof(*b)));
	pool_free(&p, b);
	pool_free(&p, NULL); /* nothing */
	ck_assert_uint_eq(p.live, 1);
	pool_free(&p, keep);
	ck_assert_uint_eq(p.live, 0);
}
END_TEST

/* Records smaller than a pointer (the free list's link) and larger than
 * a block both work. */
START_TEST(test_odd_sizes)
{
	struct pool tiny = {.size = 1};
	unsigned char *t[3];
	for (int i = 0; i < 3; i++) {
		t[i] = pool_zalloc(&tiny);
		ck_assert_ptr_nonnull(t[i]);
		ck_assert_uint_eq(*t[i], 0);
		*t[i] = 0xff;
	}
	ck_assert_ptr_ne(t[0], t[1]);
	for (int i = 0; i < 3; i++)
		pool_free(&tiny, t[i]);
	ck_assert_uint_eq(tiny.live, 0);

	struct pool big = {.size = 3u * 1024 * 1024};
	unsigned char *b = pool_zalloc(&big);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b[big.size - 1], 0);
	b[0] = b[big.size - 1] = 1;
	unsigned char *b2 = pool_zalloc(&big);
	ck_assert_ptr_nonnull(b2);
	ck_assert_uint_eq(b2[big.size - 1], 0);
	pool_free(&big, b);
	pool_free(&big, b2);
	ck_assert_uint_eq(big.live, 0);
}
END_TEST

/* Emptied, a pool starts over and still works. */
START_TEST(test_start_over)
{
	struct pool p = POOL_INIT(struct rec);
	for (int round = 0; round < 3; round++) {
		struct rec *a = pool_zalloc(&p), *b = pool_zalloc(&p);
		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_ptr_ne(a, b);
		ck_assert(all_zero(b, sizeof(*b)));
		a->a = 7;
		pool_free(&p, a);
		pool_free(&p, b);
		ck_assert_uint_eq(p.live, 0);
	}
}
END_TEST

Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_zeroed_distinct_aligned);
	tcase_add_test(tc, test_reuse_is_zeroed);
	tcase_add_test(tc, test_odd_sizes);
	tcase_add_test(tc, test_start_over);
	suite_add_tcase(s, tc);
	return s;
}
