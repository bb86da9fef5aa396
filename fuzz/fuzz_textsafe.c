/* fuzz_textsafe.c - libFuzzer target: arbitrary wire bytes through every
 * style of textsafe.h, whole and into a small buffer, and through the
 * cell fitting.
 *
 * Input: cap(1) width(1) text(...). The text is escaped in each style
 * into a buffer large enough for any input, then into a buffer of `cap`
 * bytes, and the terminal text is fitted to `width` columns.
 *
 * Invariants, for each style:
 *  - the output is valid UTF-8 with no NUL, and no raw control byte where
 *    the style's reader would act on one (all but TS_UTF8, TS_XML's TAB
 *    LF CR, TS_PROM and TS_SYSLOG, whose writers or formats carry them);
 *  - TS_UTF8 is what jansson takes: json_stringn() accepts it and the
 *    dumped JSON string parses back to the same value;
 *  - TS_TERM and TS_MOF are lossless: undoing their escapes gives back
 *    the input byte for byte; MOF has no \xNN followed by a hex digit;
 *    TS_PROM and TS_SYSLOG undo to the TS_UTF8 text;
 *  - TS_TERM has no C1 control or bidi override left, TS_TERM_ASCII is
 *    ASCII, TS_HTML has no raw markup character;
 *  - into `cap` bytes: fewer than cap, NUL-terminated, a prefix of the
 *    whole output and itself whole escapes (it undoes to a prefix of the
 *    input);
 *  - ts_fwrite() writes what ts_escape() does;
 *  - a fitted cell is at most `width` columns and valid UTF-8.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textsafe.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* Valid UTF-8 without NUL; *bad gets whether a code point is one the
 * terminal acts on (C1, bidi, separators). */
static void check_utf8(const char *s, size_t n, bool *unsafe)
{
	*unsafe = false;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = ts_utf8_decode(s + i, n - i, &cp);
		check(len > 0 && cp != 0);
		if ((cp >= 0x80 && cp <= 0x9f) ||
		    (cp >= 0x2028 && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			*unsafe = true;
		i += len;
	}
}

static bool no_c0(const char *s, size_t n, const char *allow)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 || c == 0x7f) && !(c && strchr(allow, c)))
			return false;
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undoes the escapes of TS_TERM/TS_MOF/TS_PROM/TS_SYSLOG output into
 * dec (room for n bytes); traps on anything the style cannot have made.
 * Returns the decoded length. */
static size_t undo(enum ts_style st, const char *s, size_t n, char *dec)
{
	size_t d = 0;
	bool after_x = false;
	for (size_t i = 0; i < n;) {
		if (st == TS_MOF && s[i] == '"') {
			/* only as the literal break `" "`, after \xNN before a
			 * hex digit */
			check(after_x && n - i >= 4 && s[i + 1] == ' ' &&
			      s[i + 2] == '"' && hexval(s[i + 3]) >= 0);
			i += 3;
			after_x = false;
			continue;
		}
		if (st == TS_MOF)
			check(!(after_x && hexval(s[i]) >= 0));
		after_x = false;
		if (st == TS_SYSLOG)
			check(s[i] != '"' && s[i] != ']');
		if (st == TS_PROM)
			check(s[i] != '"' && s[i] != '\n');
		if (s[i] != '\\') {
			dec[d++] = s[i++];
			continue;
		}
		check(i + 1 < n);
		char e = s[i + 1];
		if (e == 'x' &&
		    (st == TS_TERM || st == TS_TERM_ASCII || st == TS_MOF)) {
			check(n - i >= 4);
			int hi = hexval(s[i + 2]), lo = hexval(s[i + 3]);
			check(hi >= 0 && lo >= 0);
			dec[d++] = (char)(hi * 16 + lo);
			i += 4;
			after_x = true;
		} else if (e == '\\' ||
			   (e == '"' && st != TS_TERM && st != TS_TERM_ASCII) ||
			   (e == ']' && st == TS_SYSLOG)) {
			dec[d++] = e;
			i += 2;
		} else if (e == 'n' && st == TS_PROM) {
			dec[d++] = '\n';
			i += 2;
		} else {
			check(false);
		}
	}
	return d;
}

static void check_json(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	check(j != NULL);
	char *dump = json_dumps(j, JSON_ENCODE_ANY);
	check(dump != NULL);
	check(no_c0(dump, strlen(dump), "\x7f")); /* RFC 8259: DEL is text */
	json_error_t err;
	json_t *back = json_loads(dump, JSON_DECODE_ANY, &err);
	check(back != NULL && json_is_string(back));
	check(json_string_length(back) == n &&
	      memcmp(json_string_value(back), s, n) == 0);
	json_decref(back);
	free(dump);
	json_decref(j);
}

static void check_html(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		check(s[i] != '<' && s[i] != '>' && s[i] != '"' &&
		      s[i] != '\'');
		if (s[i] == '&')
			check(!strncmp(s + i, "&amp;", 5) ||
			      !strncmp(s + i, "&lt;", 4) ||
			      !strncmp(s + i, "&gt;", 4) ||
			      !strncmp(s + i, "&quot;", 6) ||
			      !strncmp(s + i, "&#39;", 5));
	}
}

/* The style's own rules on a complete output of input in[0..inlen). */
static void check_style(enum ts_style st, const char *out, size_t n,
			const char *in, size_t inlen, const char *clean,
			size_t cleann, char *dec, bool whole)
{
	bool unsafe;
	check(strlen(out) == n);
	check_utf8(out, n, &unsafe);
	switch (st) {
	case TS_UTF8:
		check_json(out, n);
		check(!whole || (n == cleann && !memcmp(out, clean, n)));
		break;
	case TS_XML:
		check(no_c0(out, n, "\t\n\r\x7f"));
		break;
	case TS_MOF:
	case TS_TERM:
	case TS_TERM_ASCII: {
		check(no_c0(out, n, ""));
		if (st != TS_MOF)
			check(!unsafe);
		for (size_t i = 0; st == TS_TERM_ASCII && i < n; i++)
			check((unsigned char)out[i] < 0x80);
		size_t d = undo(st, out, n, dec);
		check(d <= inlen && !memcmp(dec, in, d));
		check(!whole || d == inlen);
		break;
	}
	case TS_HTML:
		check(no_c0(out, n, "") && !unsafe);
		check_html(out, n);
		break;
	case TS_PROM:
	case TS_SYSLOG: {
		size_t d = undo(st, out, n, dec);
		check(d <= cleann && !memcmp(dec, clean, d));
		check(!whole || d == cleann);
		break;
	}
	case TS_LINE:
		/* No C0, DEL or C1 control (U+0080..U+009F is C2 80..C2 9F). */
		check(no_c0(out, n, ""));
		for (size_t i = 0; i + 1 < n; i++)
			check(!((unsigned char)out[i] == 0xc2 &&
				(unsigned char)out[i + 1] >= 0x80 &&
				(unsigned char)out[i + 1] <= 0x9f));
		break;
	case TS_STYLE_COUNT:
		check(false);
	}
}

static void check_fwrite(enum ts_style st, const char *in, size_t inlen,
			 const char *full, size_t fn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	check(fp != NULL);
	ts_fwrite(st, fp, in, inlen);
	check(fclose(fp) == 0);
	check(len == fn && !memcmp(buf, full, fn));
	free(buf);
}

static void check_fit(const char *term, size_t width, bool ascii)
{
	char out[512];
	for (int pad = 0; pad < 2; pad++) {
		size_t n = ts_fit(term, width, pad, ascii, out, sizeof(out));
		bool unsafe;
		check(n < sizeof(out) && strlen(out) == n);
		check_utf8(out, n, &unsafe);
		check(ts_width(out) <= width);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 4096)
		return 0;
	size_t cap = data[0], width = data[1] % 80;
	const char *in = (const char *)data + 2;
	size_t inlen = size - 2;
	size_t big = 8 * inlen + 8; /* `" "\xNN` is the most one byte makes */
	char *full = malloc(big), *part = malloc(cap + 1), *dec = malloc(big);
	char *clean = malloc(big);
	check(full && part && dec && clean);
	bool cut = true;
	size_t cleann = ts_escape_cut(TS_UTF8, in, inlen, clean, big, &cut);
	check(!cut);
	for (int s = 0; s < TS_STYLE_COUNT; s++) {
		enum ts_style st = (enum ts_style)s;
		size_t fn = ts_escape_cut(st, in, inlen, full, big, &cut);
		check(!cut && fn < big);
		check_style(st, full, fn, in, inlen, clean, cleann, dec, true);
		check_fwrite(st, in, inlen, full, fn);
		size_t pn = ts_escape_cut(st, in, inlen, part, cap, &cut);
		if (!cap) {
			check(pn == 0 && cut == (inlen > 0));
			continue;
		}
		check(pn < cap && part[pn] == '\0');
		check(pn <= fn && !memcmp(part, full, pn));
		check(cut == (pn < fn));
		check_style(st, part, pn, in, inlen, clean, cleann, dec, false);
		if (st == TS_TERM || st == TS_TERM_ASCII)
			check_fit(full, width, st == TS_TERM_ASCII);
	}
	free(full);
	free(part);
	free(dec);
	free(clean);
	return 0;
}
