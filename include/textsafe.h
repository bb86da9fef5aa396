/* textsafe.h - the one place where wire text becomes output text (issue 11).
 *
 * Names, aliases and event details are bytes a peer chose: invalid UTF-8,
 * NUL, C0/C1 controls, terminal escapes, bidirectional overrides. No
 * sink writes them itself: each asks ts_escape()/ts_fwrite() for its
 * format's style, so the guarantee "nothing from the wire reaches a
 * terminal or a file unescaped" is this file's, with one UTF-8 decoder
 * (RFC 3629) and one fuzz target (fuzz/fuzz_textsafe.c).
 *
 * Not to be confused with text.h, the Login/Text key=value accumulator.
 *
 * Everything here is a pure function of its arguments (the widths also
 * of the C library's locale, LC_CTYPE); nothing allocates.
 */
#ifndef ISCSIWATCH_TEXTSAFE_H
#define ISCSIWATCH_TEXTSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* U+FFFD, what an invalid byte becomes where a format needs valid UTF-8. */
#define TS_REPLACEMENT "\xef\xbf\xbd"
/* The ellipsis that ends a cut cell: U+2026, or "~" on an ASCII terminal. */
#define TS_ELLIPSIS "\xe2\x80\xa6"
#define TS_ELLIPSIS_ASCII "~"

/* Length of the valid UTF-8 sequence at s[0..n) and its code point in
 * *cp, or 0 when it is invalid or cut short by n (RFC 3629 §3-4: no
 * overlong forms, no surrogates U+D800-DFFF, nothing above U+10FFFF;
 * NUL is valid, code point 0). n == 0 returns 0. */
size_t ts_utf8_decode(const void *s, size_t n, uint32_t *cp);

/* The styles, one per kind of output. "Invalid" below means a byte that
 * does not start a valid sequence; it is handled alone (one byte), and
 * decoding resumes at the next byte.
 *
 * TS_UTF8      valid UTF-8 and nothing else: invalid bytes and NUL become
 *              U+FFFD. For writers that escape their syntax themselves:
 *              jansson (JSON, RFC 8259 §7: quote, backslash, controls),
 *              and the syslog MSG part.
 * TS_XML       TS_UTF8 without the C0 controls XML 1.0 §2.2 cannot carry
 *              even as references (all but TAB, LF, CR): those become
 *              '?'. libxml2 escapes the markup characters.
 * TS_MOF       the inside of a DSP0004 string literal (the caller writes
 *              the quotes): \" and \\, \xNN for C0, DEL and every invalid
 *              byte; valid UTF-8 kept. A \xNN followed by a hex digit
 *              ends the literal and starts the next (`\x07" "face`):
 *              DSP0004 reads up to four hex digits, DSP0221 any number
 *              (issue 12); adjacent literals concatenate.
 * TS_TERM      the text table and the curses UI: printable ASCII and
 *              valid UTF-8 as is; '\\' as "\\\\"; every byte of a C0
 *              control, DEL, C1 control (U+0080-009F), line/paragraph
 *              separator (U+2028/2029), bidi embedding, override or
 *              isolate (U+202A-202E, U+2066-2069) and every invalid byte
 *              as "\xNN": nothing moves the cursor, changes the
 *              terminal's state or makes a name read as another.
 * TS_TERM_ASCII  TS_TERM for a terminal without UTF-8: every non-ASCII
 *              byte as "\xNN".
 * TS_HTML      text or attribute content of an HTML page: invalid bytes
 *              and NUL as U+FFFD; & < > " ' as entities; C0 and DEL as
 *              "\xNN"; C1 controls, U+2028-202E and U+2066-2069 as
 *              "\uNNNN" (shown, as the terminal view shows them).
 * TS_PROM      a Prometheus label value: invalid bytes and NUL as
 *              U+FFFD; \\, \" and \n, the three escapes the text
 *              exposition format defines.
 * TS_SYSLOG    an RFC 5424 PARAM-VALUE (§6.3.3): invalid bytes and NUL
 *              as U+FFFD; '"', '\\' and ']' preceded by a backslash.
 * TS_LINE      one line of a log (the syslog MSG): invalid bytes, NUL
 *              and every C0, DEL and C1 control as U+FFFD.
 */
enum ts_style {
	TS_UTF8,
	TS_XML,
	TS_MOF,
	TS_TERM,
	TS_TERM_ASCII,
	TS_HTML,
	TS_PROM,
	TS_SYSLOG,
	TS_LINE,
	TS_STYLE_COUNT
};

/* The terminal style for a terminal that can show UTF-8 or not. */
static inline enum ts_style ts_term(bool ascii)
{
	return ascii ? TS_TERM_ASCII : TS_TERM;
}

/* Writes in[0..inlen) in style st into out, always NUL-terminated when
 * outlen > 0. A character and its escape go in whole or not at all: when
 * the next one does not fit, the output ends there (*cut, if not NULL,
 * is set then; it is cleared otherwise). Returns the bytes written
 * (< outlen). */
size_t ts_escape(enum ts_style st, const char *in, size_t inlen, char *out,
		 size_t outlen);
size_t ts_escape_cut(enum ts_style st, const char *in, size_t inlen, char *out,
		     size_t outlen, bool *cut);

/* The same, unbounded, to a stdio stream. */
void ts_fwrite(enum ts_style st, FILE *fp, const char *in, size_t inlen);
void ts_fputs(enum ts_style st, FILE *fp, const char *s);

/* ---- cells: escaped text fitted to terminal columns ---- */

/* Terminal columns of escaped text (valid UTF-8 from TS_TERM): wcwidth()
 * of each character, 1 for one it does not know or for a stray byte. */
size_t ts_width(const char *s);
size_t ts_width_n(const char *s, size_t n);

/* Byte offset in s[0..n) after its first `cols` columns: a character
 * that would end beyond them is not counted (n when s is narrower). */
size_t ts_offset(const char *s, size_t n, size_t cols);

/* Byte offset in s[0..n) where its last `cols` columns begin: the tail
 * is as wide as fits in cols (0 when the whole of s does). */
size_t ts_offset_tail(const char *s, size_t n, size_t cols);

/* Copies escaped text s into out cut to at most `width` columns, ending
 * in an ellipsis (TS_ELLIPSIS, or "~" when ascii) when it was cut; pads
 * with spaces to exactly width when pad. out is always NUL-terminated
 * (outlen > 0) and never ends inside a character. Returns the bytes
 * written. */
size_t ts_fit(const char *s, size_t width, bool pad, bool ascii, char *out,
	      size_t outlen);

/* ---- a bounded string ---- */

/* Appends to p[0..len): at most len - 1 bytes in all, NUL-terminated, a
 * UTF-8 sequence whole or not at all. `cut` records that something did
 * not fit. */
struct ts_buf {
	char *p;
	size_t len, n;
	bool cut;
};

void ts_buf_init(struct ts_buf *b, char *p, size_t len);
void ts_buf_put(struct ts_buf *b, const char *s, size_t n);
void ts_buf_puts(struct ts_buf *b, const char *s);

#endif
