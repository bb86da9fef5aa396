/* The name table: one shared copy per name, counted holders, freed with
 * the last one. */
#include "check_suites.h"

#include <stdio.h>
#include <string.h>

#include "intern.h"
#include "session.h"

START_TEST(test_same_pointer_and_refcounts)
{
	size_t base = intern_count();
	const char *a = intern_get("iqn.2024-01.org.x:disk", 22);
	char buf[] = "iqn.2024-01.org.x:disk and more";
	const char *b = intern_get(buf, 22); /* not NUL-terminated there */
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	ck_assert_str_eq(a, "iqn.2024-01.org.x:disk");
	ck_assert_uint_eq(intern_refs(a), 2);
	ck_assert_uint_eq(intern_count(), base + 1);
	const char *c = intern_get("iqn.2024-01.org.x:disk2", 23);
	ck_assert_ptr_ne(a, c);
	ck_assert_uint_eq(intern_count(), base + 2);
	ck_assert_ptr_eq(intern_hold(a), a);
	ck_assert_uint_eq(intern_refs(a), 3);
	intern_put(a);
	intern_put(b);
	ck_assert_uint_eq(intern_refs(a), 1);
	ck_assert_uint_eq(intern_count(), base + 2);
	intern_put(a); /* the last holder: freed */
	ck_assert_uint_eq(intern_count(), base + 1);
	intern_put(c);
	ck_assert_uint_eq(intern_count(), base);
	/* Made again after being freed: a fresh copy, counted once. */
	const char *d = intern_get("iqn.2024-01.org.x:disk", 22);
	ck_assert_uint_eq(intern_refs(d), 1);
	intern_put(d);
	ck_assert_uint_eq(intern_count(), base);
}
END_TEST

START_TEST(test_empty_and_null)
{
	size_t base = intern_count();
	const char *e = intern_get("x", 0);
	ck_assert_str_eq(e, "");
	ck_assert_uint_eq(intern_refs(e), 0);
	ck_assert_uint_eq(intern_refs(NULL), 0);
	intern_put(e);
	intern_put(NULL);
	ck_assert_ptr_eq(intern_hold(e), e);
	ck_assert_uint_eq(intern_count(), base);
}
END_TEST

/* Many names: the table grows, each still found, all freed at zero. */
START_TEST(test_many_names)
{
	size_t base = intern_count();
	enum { N = 5000 };
	static const char *p[N];
	char b[64];
	for (int i = 0; i < N; i++) {
		int n = snprintf(b, sizeof(b), "iqn.2024-01.org.x:host%d", i);
		p[i] = intern_get(b, (size_t)n);
		ck_assert_ptr_nonnull(p[i]);
	}
	ck_assert_uint_eq(intern_count(), base + N);
	ck_assert_uint_gt(intern_bytes(), (size_t)N * 24);
	for (int i = 0; i < N; i++) {
		int n = snprintf(b, sizeof(b), "iqn.2024-01.org.x:host%d", i);
		ck_assert_ptr_eq(intern_get(b, (size_t)n), p[i]);
		intern_put(p[i]);
	}
	for (int i = 0; i < N; i++)
		intern_put(p[i]);
	ck_assert_uint_eq(intern_count(), base);
}
END_TEST

/* 40 sessions of 4 initiators to 2 targets hold 6 names; freeing the
 * sessions frees them. */
START_TEST(test_sessions_share_names)
{
	size_t base = intern_count();
	struct session s[40];
	char b[64];
	for (int i = 0; i < 40; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		session_names_init(&s[i]);
		snprintf(b, sizeof(b), "iqn.2024-01.org.x:host%d", i % 4);
		session_name_set(&s[i].initiator_name, b);
		snprintf(b, sizeof(b), "iqn.2024-01.org.x:disk%d", i % 2);
		session_name_set(&s[i].target_name, b);
	}
	ck_assert_uint_eq(intern_count(), base + 6);
	ck_assert_ptr_eq(s[0].target_name, s[38].target_name);
	ck_assert_uint_eq(intern_refs(s[1].target_name), 20);
	/* Renaming releases the old name. */
	session_name_set(&s[0].initiator_name, NULL);
	ck_assert_str_eq(s[0].initiator_name, "");
	ck_assert_uint_eq(intern_refs(s[4].initiator_name), 9);
	for (int i = 0; i < 40; i++)
		session_parts_free(&s[i]);
	ck_assert_uint_eq(intern_count(), base);
}
END_TEST

Suite *intern_suite(void)
{
	Suite *s = suite_create("intern");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_same_pointer_and_refcounts);
	tcase_add_test(tc, test_empty_and_null);
	tcase_add_test(tc, test_sessions_share_names);
	suite_add_tcase(s, tc);
	TCase *tl = tcase_create("limits");
	tcase_add_test(tl, test_many_names);
	suite_add_tcase(s, tl);
	return s;
}
