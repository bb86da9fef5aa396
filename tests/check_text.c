#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "text.h"

/* A libiscsi-like Operational-stage offer (NUL after every pair). */
static const char login_text[] =
    "InitiatorName=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test\0"
    "InitiatorAlias=test-host\0"
    "TargetName=iqn.2001-04.com.example:storage.disk1\0"
    "SessionType=Normal\0"
    "HeaderDigest=None,CRC32C\0"
    "DataDigest=None,CRC32C\0"
    "DefaultTime2Wait=2\0"
    "DefaultTime2Retain=0\0"
    "IFMarker=No\0"
    "OFMarker=No\0"
    "ErrorRecoveryLevel=0\0"
    "InitialR2T=Yes\0"
    "ImmediateData=Yes\0"
    "MaxBurstLength=16776192\0"
    "FirstBurstLength=262144\0"
    "MaxOutstandingR2T=1\0"
    "MaxConnections=1\0"
    "DataPDUInOrder=Yes\0"
    "DataSequenceInOrder=Yes\0";

/* Renders the pairs of p as "k=v|k=v|..." ("!" marks malformed, "~"
 * unterminated) so two parses compare as strings. */
static void render(const uint8_t *p, size_t n, char *out, size_t cap)
{
	struct text_iter it;
	struct text_pair pr;
	size_t o = 0;
	out[0] = 0;
	text_iter_init(&it, p, n);
	while (text_next(&it, &pr)) {
		int w = snprintf(out + o, cap - o, "%s%s%.*s=%.*s|",
				 pr.malformed ? "!" : "",
				 pr.unterminated ? "~" : "", (int)pr.key.n,
				 (const char *)pr.key.p, (int)pr.val.n,
				 (const char *)pr.val.p);
		ck_assert_int_gt(w, 0);
		o += (size_t)w;
		ck_assert_uint_lt(o, cap);
	}
}

START_TEST(test_pairs)
{
	char out[4096];
	render((const uint8_t *)login_text, sizeof(login_text) - 1, out,
	       sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "|HeaderDigest=None,CRC32C|"));
	ck_assert_ptr_nonnull(
	    strstr(out, "InitiatorName=iqn.2007-10.com.github:sahlberg:"
			"libiscsi:iscsi-test|"));
	int n = 0;
	for (char *q = out; *q; q++)
		n += *q == '|';
	ck_assert_int_eq(n, 19);
	ck_assert_ptr_null(strchr(out, '!'));
	ck_assert_ptr_null(strchr(out, '~'));
}
END_TEST

static const struct {
	const char *in;
	size_t n;
	const char *want;
} malformed_vec[] = {
    {"a=b", 3, "~a=b|"},		      /* missing final NUL */
    {"a=b\0\0\0c=d\0", 10, "a=b|c=d|"},	      /* empty pairs skipped */
    {"\0\0", 2, ""},			      /* only empty pairs */
    {"novalue\0k=v\0", 12, "!novalue=|k=v|"}, /* no '=' */
    {"=v\0", 3, "!=v=|"},		      /* empty key */
    {"k=\0", 3, "k=|"},			      /* empty value is fine */
    {"k=a=b\0", 6, "k=a=b|"},		      /* '=' inside value */
    {"", 0, ""},
};

START_TEST(test_malformed)
{
	char out[256];
	for (size_t i = 0; i < sizeof(malformed_vec) / sizeof(malformed_vec[0]);
	     i++) {
		render((const uint8_t *)malformed_vec[i].in, malformed_vec[i].n,
		       out, sizeof(out));
		ck_assert_msg(strcmp(out, malformed_vec[i].want) == 0,
			      "vector %zu: got '%s' want '%s'", i, out,
			      malformed_vec[i].want);
	}
	/* empty items are counted */
	struct text_iter it;
	struct text_pair pr;
	text_iter_init(&it, (const uint8_t *)"a=b\0\0\0c=d\0", 10);
	while (text_next(&it, &pr))
		;
	ck_assert_uint_eq(it.empty, 2);
	text_iter_init(&it, NULL, 5);
	ck_assert(!text_next(&it, &pr));
}
END_TEST

static struct text_span sp(const char *s)
{
	struct text_span v = {(const uint8_t *)s, strlen(s)};
	return v;
}

START_TEST(test_lists_numbers)
{
	struct text_span rest = sp("None,CRC32C,,x"), item;
	const char *want[] = {"None", "CRC32C", "", "x"};
	int n = 0;
	while (text_list_next(&rest, &item)) {
		ck_assert_int_lt(n, 4);
		ck_assert(text_span_eq(item, want[n]));
		n++;
	}
	ck_assert_int_eq(n, 4);
	rest = sp("");
	ck_assert(text_list_next(&rest, &item));
	ck_assert_uint_eq(item.n, 0);
	ck_assert(!text_list_next(&rest, &item));

	static const struct {
		const char *s;
		uint64_t max;
		int rc;
		uint64_t v;
	} nums[] = {
	    {"8192", 16777215, 0, 8192},
	    {"0x2000", 16777215, 0, 8192},
	    {"0X10", 100, 0, 16},
	    {"16777215", 16777215, 0, 16777215},
	    {"16777216", 16777215, -1, 0},
	    {"", 10, -1, 0},
	    {"0x", 10, -1, 0},
	    {"12a", 1000, -1, 0},
	    {"-1", 1000, -1, 0},
	    {"99999999999999999999999", UINT64_MAX, -1, 0},
	    {"18446744073709551615", UINT64_MAX, 0, UINT64_MAX},
	    {"5", 3, -1, 0},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		uint64_t v = 0;
		int rc = text_span_u64(sp(nums[i].s), nums[i].max, &v);
		ck_assert_msg(rc == nums[i].rc, "num %zu '%s'", i, nums[i].s);
		if (rc == 0)
			ck_assert_uint_eq(v, nums[i].v);
	}

	static const struct {
		const char *s;
		int rc;
		uint32_t len;
	} bins[] = {
	    {"0x0123456789abcdef", 0, 8},
	    {"0x123", 0, 2},
	    {"0bAAECAwQ=", 0, 5},
	    {"0bAAAA", 0, 3},
	    {"0xzz", -1, 0},
	    {"0x", -1, 0},
	    {"1234", -1, 0},
	    {"0b!!!!", -1, 0},
	    {"0bAA==AA", -1, 0},
	};
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		uint32_t len = 0;
		int rc = text_span_binary_len(sp(bins[i].s), &len);
		ck_assert_msg(rc == bins[i].rc, "bin %zu '%s'", i, bins[i].s);
		if (rc == 0)
			ck_assert_uint_eq(len, bins[i].len);
	}

	char small[5];
	ck_assert(text_span_copy(sp("abcdef"), small, sizeof(small)));
	ck_assert_str_eq(small, "abcd");
	ck_assert(!text_span_copy(sp("abcd"), small, sizeof(small)));
	ck_assert_str_eq(small, "abcd");
}
END_TEST

/* Joining the data of 2 and 3 PDUs split at every byte gives the same
 * pairs as the whole text (§11.10.2: keys and values may be split). */
START_TEST(test_split_every_byte)
{
	const uint8_t *all = (const uint8_t *)login_text;
	size_t n = sizeof(login_text) - 1;
	char want[4096], got[4096];
	render(all, n, want, sizeof(want));
	struct counters c = {{0}};
	struct text t;
	text_init(&t, 0, &c);
	for (size_t i = 0; i <= n; i++) {
		text_reset(&t);
		ck_assert_int_eq(text_append(&t, all, i), 0);
		ck_assert_int_eq(text_append(&t, all + i, n - i), 0);
		size_t len;
		const uint8_t *p = text_data(&t, &len);
		ck_assert_uint_eq(len, n);
		render(p, len, got, sizeof(got));
		ck_assert_str_eq(got, want);
	}
	/* three PDUs: every pair of split points, over a shorter text */
	size_t m = 160;
	render(all, m, want, sizeof(want));
	for (size_t i = 0; i <= m; i++)
		for (size_t j = i; j <= m; j++) {
			text_reset(&t);
			text_append(&t, all, i);
			text_append(&t, all + i, j - i);
			text_append(&t, all + j, m - j);
			size_t len;
			const uint8_t *p = text_data(&t, &len);
			render(p, len, got, sizeof(got));
			ck_assert_str_eq(got, want);
		}
	ck_assert_uint_eq(c.v[CTR_TEXT_CAP_HIT], 0);
	text_free(&t);
}
END_TEST

START_TEST(test_cap)
{
	struct counters c = {{0}};
	struct text t;
	text_init(&t, 100, &c);
	uint8_t chunk[40];
	memset(chunk, 'x', sizeof(chunk));
	ck_assert_int_eq(text_append(&t, chunk, 40), 0);
	ck_assert_int_eq(text_append(&t, chunk, 40), 0);
	ck_assert_int_eq(text_append(&t, chunk, 40), -1); /* 20 dropped */
	ck_assert(t.overflow);
	ck_assert_uint_eq(t.len, 100);
	ck_assert_uint_le(t.alloc, 100);
	ck_assert_uint_eq(t.dropped, 20);
	ck_assert_int_eq(text_append(&t, chunk, 40), -1);
	ck_assert_uint_eq(t.dropped, 60);
	ck_assert_uint_eq(t.len, 100);
	ck_assert_uint_eq(c.v[CTR_TEXT_CAP_HIT], 1); /* once per sequence */
	/* reset wipes the bytes and clears the flag */
	const uint8_t *buf = t.buf;
	text_reset(&t);
	ck_assert(!t.overflow);
	ck_assert_uint_eq(t.len, 0);
	for (size_t i = 0; i < 100; i++)
		ck_assert_uint_eq(buf[i], 0);
	/* a new sequence may hit the cap again: counted again */
	ck_assert_int_eq(text_append(&t, chunk, 40), 0);
	for (int i = 0; i < 3; i++)
		text_append(&t, chunk, 40);
	ck_assert_uint_eq(c.v[CTR_TEXT_CAP_HIT], 2);
	text_free(&t);
	text_free(&t); /* idempotent */

	/* the default cap: a 64 KiB + 1 sequence */
	text_init(&t, 0, NULL);
	ck_assert_uint_eq(t.cap, TEXT_CAP_DEFAULT);
	static uint8_t big[TEXT_CAP_DEFAULT + 1];
	ck_assert_int_eq(text_append(&t, big, TEXT_CAP_DEFAULT), 0);
	ck_assert_int_eq(text_append(&t, big, 1), -1);
	ck_assert_uint_eq(t.alloc, TEXT_CAP_DEFAULT);
	text_free(&t);
}
END_TEST

Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_pairs);
	tcase_add_test(tc, test_lists_numbers);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("incremental");
	tcase_add_test(tc, test_split_every_byte);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_cap);
	suite_add_tcase(s, tc);
	return s;
}
