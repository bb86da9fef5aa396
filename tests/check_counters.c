#include <check.h>
#include <string.h>

#include "check_suites.h"
#include "counters.h"

START_TEST(test_names)
{
	for (int i = 0; i < CTR_MAX; i++) {
		ck_assert_ptr_nonnull(counter_name((enum counter_id)i));
		ck_assert_uint_gt(strlen(counter_text((enum counter_id)i)), 0);
	}
	ck_assert_str_eq(counter_name(CTR_PACKETS), "packets");
	ck_assert_str_eq(counter_name(CTR_TCP_GAP_BYTES), "tcp_gap_bytes");
	/* snake_case, every one (docs/output.md: one naming rule). */
	for (int i = 0; i < CTR_MAX; i++) {
		const char *n = counter_name((enum counter_id)i);
		ck_assert(n[0] >= 'a' && n[0] <= 'z');
		for (; *n; n++)
			ck_assert(strchr("abcdefghijklmnopqrstuvwxyz0123456789_", *n));
	}
	ck_assert_str_eq(counter_name(CTR_MAX), "?");
	struct counters c = {{0}};
	ctr_inc(&c, CTR_TCP_GAPS);
	ctr_add(&c, CTR_TCP_GAP_BYTES, 10);
	ctr_inc(NULL, CTR_TCP_GAPS); /* a stage without counters */
	ck_assert_uint_eq(c.v[CTR_TCP_GAPS], 1);
	ck_assert_uint_eq(c.v[CTR_TCP_GAP_BYTES], 10);
}
END_TEST

Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
