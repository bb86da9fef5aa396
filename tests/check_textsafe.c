/* check_textsafe.c - wire text made safe (textsafe.h): the UTF-8
 * decoder on every RFC 3629 edge, every style on controls, quotes,
 * backslashes, invalid UTF-8, overlongs, surrogates and bidi, the caps
 * (a full buffer never ends inside a character or an escape), and the
 * cell fitting by display width.
 */
#include "check_suites.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textsafe.h"

#define FFFD "\xef\xbf\xbd"

/* ---- the decoder ---- */

START_TEST(test_decode)
{
	static const struct {
		const char *in;
		size_t n, len;
		uint32_t cp;
	} v[] = {
	    {"A", 1, 1, 0x41},
	    {"", 1, 1, 0}, /* NUL is a character */
	    {"\x7f", 1, 1, 0x7f},
	    {"\xc2\x80", 2, 2, 0x80},
	    {"\xdf\xbf", 2, 2, 0x7ff},
	    {"\xe0\xa0\x80", 3, 3, 0x800},
	    {"\xed\x9f\xbf", 3, 3, 0xd7ff},
	    {"\xee\x80\x80", 3, 3, 0xe000},
	    {"\xef\xbf\xbf", 3, 3, 0xffff},
	    {"\xf0\x90\x80\x80", 4, 4, 0x10000},
	    {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
	    {"\xc3\xa9zz", 4, 2, 0xe9}, /* stops after the character */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t cp = 0xdead;
		ck_assert_msg(ts_utf8_decode(v[i].in, v[i].n, &cp) == v[i].len,
			      "vector %zu", i);
		ck_assert_uint_eq(cp, v[i].cp);
	}
}
END_TEST

START_TEST(test_decode_invalid)
{
	static const struct {
		const char *in;
		size_t n;
	} v[] = {
	    {"\x80", 1}, /* lone continuation */
	    {"\xbf", 1},
	    {"\xc0\x80", 2},	 /* overlong NUL */
	    {"\xc1\xbf", 2},	 /* overlong 2-byte */
	    {"\xe0\x80\x80", 3}, /* overlong 3-byte */
	    {"\xe0\x9f\xbf", 3},
	    {"\xf0\x80\x80\x80", 4}, /* overlong 4-byte */
	    {"\xf0\x8f\xbf\xbf", 4},
	    {"\xed\xa0\x80", 3}, /* surrogates */
	    {"\xed\xbf\xbf", 3},
	    {"\xf4\x90\x80\x80", 4}, /* above U+10FFFF */
	    {"\xf5\x80\x80\x80", 4},
	    {"\xff", 1},
	    {"\xfe", 1},
	    {"\xc2", 1}, /* cut short */
	    {"\xe2\x82", 2},
	    {"\xf0\x9f\x98", 3},
	    {"\xe2\x82\xac", 2}, /* cut short by n */
	    {"\xc2\x41", 2},	 /* not a continuation */
	    {"\xe2\x28\xa1", 3},
	    {"\xf0\x90\x28\xbc", 4},
	    {"a", 0}, /* nothing */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t cp = 0;
		ck_assert_msg(ts_utf8_decode(v[i].in, v[i].n, &cp) == 0,
			      "vector %zu", i);
	}
}
END_TEST

/* ---- the styles ---- */

struct vec {
	enum ts_style st;
	const char *in;
	size_t len;
	const char *out;
};

static void check_vectors(const struct vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char out[256];
		size_t w =
		    ts_escape(v[i].st, v[i].in, v[i].len, out, sizeof(out));
		ck_assert_msg(
		    w == strlen(v[i].out) && memcmp(out, v[i].out, w + 1) == 0,
		    "style %d vector %zu: got '%s'", (int)v[i].st, i, out);
	}
}

#define VEC(st, lit, out)                                                      \
	{                                                                      \
		st, lit, sizeof(lit) - 1, out                                  \
	}

START_TEST(test_style_utf8)
{
	static const struct vec v[] = {
	    VEC(TS_UTF8, "abc", "abc"),
	    VEC(TS_UTF8, "\xff", FFFD),
	    VEC(TS_UTF8, "a\xc0\xafz", "a" FFFD FFFD "z"), /* overlong */
	    VEC(TS_UTF8, "\xed\xa0\x80", FFFD FFFD FFFD),  /* surrogate */
	    VEC(TS_UTF8, "\xe2\x82", FFFD FFFD),	   /* cut short */
	    VEC(TS_UTF8, "\xe2\x82\xac", "\xe2\x82\xac"),  /* euro */
	    VEC(TS_UTF8, "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD),
	    VEC(TS_UTF8, "a\0b", "a" FFFD "b"),
	    /* Valid UTF-8: the JSON writer escapes these. */
	    VEC(TS_UTF8, "\x01\x1f\"\\", "\x01\x1f\"\\"),
	    VEC(TS_UTF8, "\xe2\x80\xae", "\xe2\x80\xae"),
	};
	check_vectors(v, sizeof(v) / sizeof(v[0]));
}
END_TEST

START_TEST(test_style_xml)
{
	static const struct vec v[] = {
	    VEC(TS_XML,
		"a\x01"
		"b\tc\nd\re\x1f",
		"a?b\tc\nd\re?"),
	    VEC(TS_XML, "\x7f<&>\"", "\x7f<&>\""), /* libxml2's part */
	    VEC(TS_XML, "n\0l", "n" FFFD "l"),
	    VEC(TS_XML, "\xff\xc0\xaf", FFFD FFFD FFFD),
	    VEC(TS_XML, "caf\xc3\xa9", "caf\xc3\xa9"),
	};
	check_vectors(v, sizeof(v) / sizeof(v[0]));
}
END_TEST

START_TEST(test_style_mof)
{
	static const struct vec v[] = {
	    VEC(TS_MOF, "a\"b\\c", "a\\\"b\\\\c"),
	    VEC(TS_MOF, "\x1b[31m", "\\x1B[31m"),
	    /* issue 12: an escape before a hex digit ends the literal. */
	    VEC(TS_MOF,
		"ctl\x07"
		"face",
		"ctl\\x07\" \"face"),
	    VEC(TS_MOF,
		"\x7f"
		"0",
		"\\x7F\" \"0"),
	    VEC(TS_MOF,
		"\xff"
		"A",
		"\\xFF\" \"A"),
	    VEC(TS_MOF, "\x07zz", "\\x07zz"),
	    VEC(TS_MOF, "\x07\x08", "\\x07\\x08"),
	    VEC(TS_MOF, "\x07\"", "\\x07\\\""),
	    VEC(TS_MOF, "\x07\xc3\xa9", "\\x07\xc3\xa9"),
	    VEC(TS_MOF, "caf\xc3\xa9", "caf\xc3\xa9"),
	    VEC(TS_MOF, "\xc0\xaf", "\\xC0\\xAF"),	    /* overlong */
	    VEC(TS_MOF, "\xed\xa0\x80", "\\xED\\xA0\\x80"), /* surrogate */
	    VEC(TS_MOF, "\xe2\x82", "\\xE2\\x82"),	    /* cut short */
	    VEC(TS_MOF, "n\0l", "n\\x00l"),
	    VEC(TS_MOF, "\n\r\t", "\\x0A\\x0D\\x09"),
	};
	check_vectors(v, sizeof(v) / sizeof(v[0]));
}
END_TEST

START_TEST(test_style_term)
{
	static const struct vec v[] = {
	    VEC(TS_TERM, "iqn.2024-01.org.example:x",
		"iqn.2024-01.org.example:x"),
	    VEC(TS_TERM, "a\x1b[2Jb", "a\\x1B[2Jb"), /* ESC */
	    VEC(TS_TERM, "a\nb\rc\td", "a\\x0Ab\\x0Dc\\x09d"),
	    VEC(TS_TERM, "x\x7fy", "x\\x7Fy"), /* DEL */
	    VEC(TS_TERM, "back\\slash", "back\\\\slash"),
	    VEC(TS_TERM, "q\"'", "q\"'"),
	    VEC(TS_TERM, "caf\xc3\xa9", "caf\xc3\xa9"),
	    VEC(TS_TERM_ASCII, "caf\xc3\xa9", "caf\\xC3\\xA9"),
	    VEC(TS_TERM_ASCII, "\xf0\x9f\x98\x80", "\\xF0\\x9F\\x98\\x80"),
	    VEC(TS_TERM_ASCII, "a\\b", "a\\\\b"),
	    VEC(TS_TERM,
		"\xc2\x9b"
		"31m",
		"\\xC2\\x9B31m"), /* C1 CSI */
	    VEC(TS_TERM, "\xff\xfe", "\\xFF\\xFE"),
	    VEC(TS_TERM, "\xc3", "\\xC3"),
	    VEC(TS_TERM, "\xc0\xaf", "\\xC0\\xAF"),
	    VEC(TS_TERM, "\xed\xa0\x80", "\\xED\\xA0\\x80"),
	    VEC(TS_TERM,
		"a\xe2\x80\xae"
		"b",
		"a\\xE2\\x80\\xAEb"), /* RLO */
	    VEC(TS_TERM, "\xe2\x81\xa6\xe2\x81\xa9",
		"\\xE2\\x81\\xA6\\xE2\\x81\\xA9"),
	    VEC(TS_TERM, "\xe2\x80\xa8", "\\xE2\\x80\\xA8"), /* LS */
	    VEC(TS_TERM, "n\0ul", "n\\x00ul"),
	    /* Zero-width and ordinary marks change no terminal state. */
	    VEC(TS_TERM,
		"a\xe2\x80\x8b"
		"b",
		"a\xe2\x80\x8b"
		"b"),
	    VEC(TS_TERM, "\xe2\x80\xa6", "\xe2\x80\xa6"),
	};
	check_vectors(v, sizeof(v) / sizeof(v[0]));
}
END_TEST

START_TEST(test_style_html)
{
	static const struct vec v[] = {
	    VEC(TS_HTML, "<a href=\"x\">&'",
		"&lt;a href=&quot;x&quot;&gt;&amp;&#39;"),
	    VEC(TS_HTML, "a\x01\x1b[0m\x7f", "a\\x01\\x1B[0m\\x7F"),
	    VEC(TS_HTML, "\xc2\x9b", "\\u009B"),
	    VEC(TS_HTML, "\xc2\xa0", "\xc2\xa0"), /* NBSP is text */
	    VEC(TS_HTML, "\xe2\x80\xae\xe2\x81\xa6\xe2\x80\xa8",
		"\\u202E\\u2066\\u2028"),
	    VEC(TS_HTML, "\xe2\x80\xa7\xe2\x80\xaf",
		"\xe2\x80\xa7\xe2\x80\xaf"),
	    VEC(TS_HTML,
		"\xff"
		"a\0",
		FFFD "a" FFFD),
	    VEC(TS_HTML, "\xed\xa0\x80", FFFD FFFD FFFD),
	    VEC(TS_HTML, "back\\slash", "back\\slash"),
	};
	check_vectors(v, sizeof(v) / sizeof(v[0]));
}
END_TEST

START_TEST(test_style_prom_syslog)
{
	static const struct vec v[] = {
	    VEC(TS_PROM, "a\"b\\c\nd", "a\\\"b\\\\c\\nd"),
	    VEC(TS_PROM, "x\xff\xc3\xa9", "x" FFFD "\xc3\xa9"),
	    VEC(TS_PROM, "]\r", "]\r"),
	    VEC(TS_SYSLOG, "a\"b\\c]d", "a\\\"b\\\\c\\]d"),
	    VEC(TS_SYSLOG, "x\xff\xc3\xa9\0", "x" FFFD "\xc3\xa9" FFFD),
	    VEC(TS_SYSLOG, "\n[", "\n["),
	    VEC(TS_LINE, "a\nb\x1b[2J\xc2\x9b]\"", "a" FFFD "b" FFFD "[2J" FFFD "]\""),
	    VEC(TS_LINE, "x\xff\x7f\xc3\xa9", "x" FFFD FFFD "\xc3\xa9"),
	};
	check_vectors(v, sizeof(v) / sizeof(v[0]));
}
END_TEST

/* ts_fwrite writes what ts_escape does, for every style. */
START_TEST(test_fwrite_same)
{
	static const char in[] = "a\"\\]\n\x01\x7f\xc2\x9b\xe2\x80\xae<&'>\xff"
				 "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\x07"
				 "f\xc3\xa9\0z";
	for (int st = 0; st < TS_STYLE_COUNT; st++) {
		char a[1024], *b = NULL;
		size_t bl = 0;
		size_t an = ts_escape((enum ts_style)st, in, sizeof(in) - 1, a,
				      sizeof(a));
		FILE *fp = open_memstream(&b, &bl);
		ck_assert_ptr_nonnull(fp);
		ts_fwrite((enum ts_style)st, fp, in, sizeof(in) - 1);
		fclose(fp);
		ck_assert_uint_eq(an, bl);
		ck_assert_msg(memcmp(a, b, an) == 0, "style %d", st);
		free(b);
	}
}
END_TEST

/* ---- limits ---- */

/* At every buffer size, the output is the whole escape of a prefix of
 * the input that ends on a character: never half a character, half an
 * escape, or a MOF \xNN without its literal break. */
START_TEST(test_cap_every_size)
{
	static const char in[] = "\x07"
				 "f\"\\\xc3\xa9\xff\xe2\x80\xae"
				 "\x1b[\xf0\x9f\x98\x80<]\n\xc0\x01";
	const size_t inlen = sizeof(in) - 1;
	for (int st = 0; st < TS_STYLE_COUNT; st++) {
		char full[512];
		bool cut = true;
		size_t fn = ts_escape_cut((enum ts_style)st, in, inlen, full,
					  sizeof(full), &cut);
		ck_assert(!cut);
		for (size_t cap = 0; cap <= fn + 1; cap++) {
			char out[512];
			memset(out, 'Z', sizeof(out));
			size_t n = ts_escape_cut((enum ts_style)st, in, inlen,
						 out, cap, &cut);
			ck_assert_uint_eq(cut, cap <= fn);
			if (!cap) {
				ck_assert_uint_eq(n, 0);
				ck_assert_int_eq(out[0], 'Z');
				continue;
			}
			ck_assert_uint_lt(n, cap);
			ck_assert_int_eq(out[n], '\0');
			bool found = false;
			for (size_t k = 0; k <= inlen && !found; k++) {
				char p[512];
				size_t pn = ts_escape((enum ts_style)st, in, k,
						      p, sizeof(p));
				found = pn == n && memcmp(p, out, n) == 0;
			}
			ck_assert_msg(found, "style %d cap %zu: '%s'", st, cap,
				      out);
		}
	}
}
END_TEST

START_TEST(test_cap_old_vectors)
{
	char out[8];
	ts_escape(TS_TERM, "\x01\x02\x03", 3, out, sizeof(out));
	ck_assert_str_eq(out, "\\x01");
	ts_escape(TS_TERM, "abcdefghij", 10, out, sizeof(out));
	ck_assert_str_eq(out, "abcdefg");
	ts_escape(TS_TERM, "ab\xc3\xa9\xc3\xa9\xc3\xa9", 8, out, sizeof(out));
	ck_assert_str_eq(out, "ab\xc3\xa9\xc3\xa9");
	/* A bidi override is three escapes: all or none. */
	ts_escape(TS_TERM, "a\xe2\x80\xae", 4, out, sizeof(out));
	ck_assert_str_eq(out, "a");
	char one[1] = {'Z'};
	ck_assert_uint_eq(ts_escape(TS_TERM, "x", 1, one, 1), 0);
	ck_assert_str_eq(one, "");
	char small[5];
	ck_assert_uint_eq(
	    ts_escape(TS_UTF8, "ab\xe2\x82\xac", 5, small, sizeof(small)), 2);
	ck_assert_str_eq(small, "ab");
	ck_assert_uint_eq(ts_escape(TS_PROM, "ab\"", 3, out, 4), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert_uint_eq(ts_escape(TS_PROM, "\xc3\xa9\xc3\xa9", 4, out, 4), 2);
	ck_assert_str_eq(out, "\xc3\xa9");
	/* The MOF break and the escape that needs it go together. */
	ck_assert_uint_eq(ts_escape(TS_MOF,
				    "\x07"
				    "f",
				    2, out, 7),
			  4);
	ck_assert_str_eq(out, "\\x07");
}
END_TEST

START_TEST(test_buf)
{
	char p[6];
	struct ts_buf b;
	ts_buf_init(&b, p, sizeof(p));
	ts_buf_puts(&b, "ab");
	ck_assert(!b.cut);
	ts_buf_puts(&b, "\xe2\x82\xac\xe2\x82\xac"); /* only "ab" + 3 fit */
	ck_assert_str_eq(p, "ab\xe2\x82\xac");
	ck_assert(b.cut);
	ts_buf_init(&b, p, sizeof(p));
	ts_buf_puts(&b, "abc\xc3\xa9"); /* 5 bytes fit exactly */
	ck_assert_str_eq(p, "abc\xc3\xa9");
	ck_assert(!b.cut);
	ts_buf_puts(&b, "x");
	ck_assert(b.cut);
	ck_assert_uint_eq(b.n, 5);
	ts_buf_init(&b, p, 0); /* nothing, not even a NUL */
	ts_buf_puts(&b, "x");
	ck_assert_uint_eq(b.n, 0);
}
END_TEST

/* ---- cells ---- */

START_TEST(test_fit)
{
	static const struct {
		const char *in;
		size_t w;
		bool pad, ascii;
		const char *out;
	} v[] = {
	    {"short", 8, true, false, "short   "},
	    {"short", 8, false, false, "short"},
	    {"exactly8", 8, true, false, "exactly8"},
	    {"iqn.2024-01.org.example:long", 10, true, false,
	     "iqn.2024-\xe2\x80\xa6"},
	    {"iqn.2024-01.org.example:long", 10, true, true, "iqn.2024-~"},
	    {"caf\xc3\xa9-x", 4, false, false, "caf\xe2\x80\xa6"},
	    {"abc", 1, true, false, "\xe2\x80\xa6"},
	    {"abc", 0, true, false, ""},
	    /* Cutting escaped text cuts its text, never a raw byte. */
	    {"\\xC2\\x9B", 6, false, false, "\\xC2\\\xe2\x80\xa6"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char out[64];
		ts_fit(v[i].in, v[i].w, v[i].pad, v[i].ascii, out, sizeof(out));
		ck_assert_msg(strcmp(out, v[i].out) == 0, "case %zu: got '%s'",
			      i, out);
		ck_assert_uint_le(ts_width(out), v[i].w);
	}
	/* A small buffer ends on a character, NUL-terminated. */
	char small[6];
	ts_fit("\xc3\xa9\xc3\xa9\xc3\xa9", 10, true, false, small,
	       sizeof(small));
	ck_assert_str_eq(small, "\xc3\xa9\xc3\xa9 ");
	ck_assert_uint_eq(ts_fit("x", 3, true, false, small, 0), 0);
}
END_TEST

START_TEST(test_width_offset)
{
	ck_assert_uint_eq(ts_width(""), 0);
	ck_assert_uint_eq(ts_width("abc"), 3);
	ck_assert_uint_eq(ts_width("\xff"
				   "a"),
			  2); /* a stray byte: 1 */
	ck_assert_uint_eq(ts_width_n("abc", 2), 2);
	ck_assert_uint_eq(ts_offset("a\xc3\xa9"
				    "b",
				    4, 0),
			  0);
	ck_assert_uint_eq(ts_offset("a\xc3\xa9"
				    "b",
				    4, 2),
			  3);
	ck_assert_uint_eq(ts_offset("a\xc3\xa9"
				    "b",
				    4, 9),
			  4);
	ck_assert_uint_eq(ts_offset_tail("a\xc3\xa9"
					 "b",
					 4, 2),
			  1);
	ck_assert_uint_eq(ts_offset_tail("a\xc3\xa9"
					 "b",
					 4, 0),
			  4);
	ck_assert_uint_eq(ts_offset_tail("abc", 3, 5), 0);
}
END_TEST

/* Display width, not code points: CJK takes two columns, a combining
 * accent none (in a UTF-8 locale; the C locale counts one each). */
START_TEST(test_fit_wide)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8") &&
	    !setlocale(LC_CTYPE, "en_US.UTF-8")) {
		fprintf(stderr, "test_fit_wide skipped: no UTF-8 locale\n");
		return;
	}
	static const char cjk[] =
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"; /* 日本語 */
	ck_assert_uint_eq(ts_width(cjk), 6);
	ck_assert_uint_eq(ts_width("e\xcc\x81"), 1);
	char out[64];
	ts_fit(cjk, 5, true, false, out, sizeof(out));
	ck_assert_str_eq(out,
			 "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6"); /* 日本… */
	ck_assert_uint_eq(ts_width(out), 5);
	ts_fit(cjk, 4, true, false, out, sizeof(out));
	ck_assert_str_eq(out, "\xe6\x97\xa5\xe2\x80\xa6 "); /* 日… pad */
	ck_assert_uint_eq(ts_width(out), 4);
	/* A wide character that would straddle the limit is not counted. */
	ck_assert_uint_eq(ts_offset(cjk, strlen(cjk), 3), 3);
	ck_assert_uint_eq(ts_offset_tail(cjk, strlen(cjk), 3), 6);
	setlocale(LC_CTYPE, "C");
}
END_TEST

Suite *textsafe_suite(void)
{
	Suite *s = suite_create("textsafe");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_style_utf8);
	tcase_add_test(tc, test_style_xml);
	tcase_add_test(tc, test_style_mof);
	tcase_add_test(tc, test_style_term);
	tcase_add_test(tc, test_style_html);
	tcase_add_test(tc, test_style_prom_syslog);
	tcase_add_test(tc, test_fwrite_same);
	tcase_add_test(tc, test_fit);
	tcase_add_test(tc, test_width_offset);
	tcase_add_test(tc, test_fit_wide);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_cap_every_size);
	tcase_add_test(tc, test_cap_old_vectors);
	tcase_add_test(tc, test_buf);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_decode_invalid);
	suite_add_tcase(s, tc);
	return s;
}
