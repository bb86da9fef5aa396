/* textsafe.c - wire text made safe for each output (textsafe.h).
 *
 * One loop for every style: the input is cut into units (a valid UTF-8
 * character, or one invalid byte), each unit becomes a piece of output in
 * the style's words, and a piece goes out whole or, in a bounded buffer,
 * not at all. A style is a function of one unit and of whether the last
 * piece ended in a MOF \xNN escape, nothing else.
 */
#include "textsafe.h"

#include <string.h>
#include <wchar.h>

/* ---- UTF-8 (RFC 3629) ---- */

size_t ts_utf8_decode(const void *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = s;
	if (!n)
		return 0;
	unsigned char c = u[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, F5-FF */
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (u[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* ---- one unit in each style ---- */

/* The longest piece: four \xNN (a 4-byte character on an ASCII
 * terminal), or `" "` and one \xNN in MOF. */
#define PIECE_MAX 24

struct unit {
	const unsigned char *b; /* its bytes */
	size_t len;		/* 1 for an invalid byte */
	uint32_t cp;
	bool valid;
};

struct piece {
	char p[PIECE_MAX];
	size_t n;
};

static void add(struct piece *pc, const char *s, size_t n)
{
	memcpy(pc->p + pc->n, s, n);
	pc->n += n;
}

static void add_hex(struct piece *pc, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
	add(pc, e, 4);
}

static void add_bytes_hex(struct piece *pc, const struct unit *u)
{
	for (size_t k = 0; k < u->len; k++)
		add_hex(pc, u->b[k]);
}

static void add_u4(struct piece *pc, uint32_t cp)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[6] = {'\\',
		     'u',
		     hex[(cp >> 12) & 15],
		     hex[(cp >> 8) & 15],
		     hex[(cp >> 4) & 15],
		     hex[cp & 15]};
	add(pc, e, 6);
}

static void add_self(struct piece *pc, const struct unit *u)
{
	add(pc, (const char *)u->b, u->len);
}

/* A unit that is not valid UTF-8 text where a format needs it: an
 * invalid byte, or NUL (a C string would end there). */
static bool needs_replacement(const struct unit *u)
{
	return !u->valid || u->cp == 0;
}

/* C1 controls: a terminal may act on them (U+009B is CSI). */
static bool cp_c1(uint32_t cp)
{
	return cp >= 0x80 && cp <= 0x9f;
}

/* Line/paragraph separators and the bidi embeddings, overrides and
 * isolates (Unicode UAX #9) that can make a name read as another. */
static bool cp_bidi(uint32_t cp)
{
	return (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void style_utf8(struct piece *pc, const struct unit *u)
{
	if (needs_replacement(u))
		add(pc, TS_REPLACEMENT, 3);
	else
		add_self(pc, u);
}

static void style_xml(struct piece *pc, const struct unit *u)
{
	if (u->valid && u->cp && u->cp < 0x20 && u->cp != '\t' &&
	    u->cp != '\n' && u->cp != '\r')
		add(pc, "?", 1);
	else
		style_utf8(pc, u);
}

/* Returns whether the piece ends in a \xNN escape. */
static bool style_mof(struct piece *pc, const struct unit *u)
{
	if (u->valid && (u->cp == '"' || u->cp == '\\')) {
		add(pc, "\\", 1);
		add_self(pc, u);
	} else if (!u->valid || u->cp < 0x20 || u->cp == 0x7f) {
		add_hex(pc, u->b[0]);
		return true;
	} else {
		add_self(pc, u);
	}
	return false;
}

static void style_term(struct piece *pc, const struct unit *u, bool ascii)
{
	if (u->valid && u->cp == '\\')
		add(pc, "\\\\", 2);
	else if (!u->valid || u->cp < 0x20 || u->cp == 0x7f || cp_c1(u->cp) ||
		 cp_bidi(u->cp) || (ascii && u->cp >= 0x80))
		add_bytes_hex(pc, u);
	else
		add_self(pc, u);
}

static void style_html(struct piece *pc, const struct unit *u)
{
	static const struct {
		char c;
		const char *ent;
	} ents[] = {{'&', "&amp;"},
		    {'<', "&lt;"},
		    {'>', "&gt;"},
		    {'"', "&quot;"},
		    {'\'', "&#39;"}};
	if (needs_replacement(u)) {
		add(pc, TS_REPLACEMENT, 3);
		return;
	}
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (u->cp == (uint32_t)(unsigned char)ents[i].c) {
			add(pc, ents[i].ent, strlen(ents[i].ent));
			return;
		}
	if (u->cp < 0x20 || u->cp == 0x7f)
		add_hex(pc, u->b[0]);
	else if (cp_c1(u->cp) || cp_bidi(u->cp))
		add_u4(pc, u->cp);
	else
		add_self(pc, u);
}

/* Prometheus text exposition format: label values escape \, " and LF. */
static void style_prom(struct piece *pc, const struct unit *u)
{
	if (u->valid && u->cp == '\\')
		add(pc, "\\\\", 2);
	else if (u->valid && u->cp == '"')
		add(pc, "\\\"", 2);
	else if (u->valid && u->cp == '\n')
		add(pc, "\\n", 2);
	else
		style_utf8(pc, u);
}

/* One line of a log (the syslog message text): a newline or another
 * control character would let wire text forge a second record or act on
 * the terminal of whoever reads the log, so each becomes U+FFFD. */
static void style_line(struct piece *pc, const struct unit *u)
{
	if (u->valid && (u->cp < 0x20 || u->cp == 0x7f || cp_c1(u->cp)))
		add(pc, TS_REPLACEMENT, 3);
	else
		style_utf8(pc, u);
}

static void style_syslog(struct piece *pc, const struct unit *u)
{
	if (u->valid && (u->cp == '"' || u->cp == '\\' || u->cp == ']'))
		add(pc, "\\", 1);
	style_utf8(pc, u);
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* The piece for unit u; *after_x carries the MOF state across units. */
static void piece_of(enum ts_style st, const struct unit *u, bool *after_x,
		     struct piece *pc)
{
	pc->n = 0;
	switch (st) {
	case TS_UTF8:
		style_utf8(pc, u);
		break;
	case TS_XML:
		style_xml(pc, u);
		break;
	case TS_MOF: {
		struct piece body = {{0}, 0};
		bool x = style_mof(&body, u);
		if (*after_x && is_hex((unsigned char)body.p[0]))
			add(pc, "\" \"", 3); /* adjacent literals concatenate */
		add(pc, body.p, body.n);
		*after_x = x;
		break;
	}
	case TS_TERM:
	case TS_TERM_ASCII:
		style_term(pc, u, st == TS_TERM_ASCII);
		break;
	case TS_HTML:
		style_html(pc, u);
		break;
	case TS_PROM:
		style_prom(pc, u);
		break;
	case TS_SYSLOG:
		style_syslog(pc, u);
		break;
	case TS_LINE:
		style_line(pc, u);
		break;
	case TS_STYLE_COUNT:
		break;
	}
}

static struct unit unit_at(const char *in, size_t inlen, size_t i)
{
	struct unit u = {(const unsigned char *)in + i, 0, 0, false};
	u.len = ts_utf8_decode(in + i, inlen - i, &u.cp);
	u.valid = u.len != 0;
	if (!u.valid)
		u.len = 1;
	return u;
}

/* Where pieces go: a bounded buffer (p, cap; n written) or a stream. */
struct sink {
	char *p;
	size_t cap, n;
	FILE *fp;
	bool cut;
};

/* False when the piece does not fit (the buffer keeps what it has). */
static bool sink_put(struct sink *k, const struct piece *pc)
{
	if (k->fp) {
		fwrite(pc->p, 1, pc->n, k->fp);
		return true;
	}
	if (pc->n >= k->cap - k->n) {
		k->cut = true;
		return false;
	}
	memcpy(k->p + k->n, pc->p, pc->n);
	k->n += pc->n;
	return true;
}

static void escape_to(enum ts_style st, const char *in, size_t inlen,
		      struct sink *k)
{
	bool after_x = false;
	for (size_t i = 0; i < inlen;) {
		struct unit u = unit_at(in, inlen, i);
		struct piece pc;
		piece_of(st, &u, &after_x, &pc);
		if (!sink_put(k, &pc))
			break;
		i += u.len;
	}
}

size_t ts_escape_cut(enum ts_style st, const char *in, size_t inlen,
		     char *out, size_t outlen, bool *cut)
{
	struct sink k = {out, outlen, 0, NULL, inlen > 0};
	if (outlen) {
		k.cut = false;
		escape_to(st, in, inlen, &k);
		out[k.n] = '\0';
	}
	if (cut)
		*cut = k.cut;
	return k.n;
}

size_t ts_escape(enum ts_style st, const char *in, size_t inlen, char *out,
		 size_t outlen)
{
	return ts_escape_cut(st, in, inlen, out, outlen, NULL);
}

void ts_fwrite(enum ts_style st, FILE *fp, const char *in, size_t inlen)
{
	struct sink k = {NULL, 0, 0, fp, false};
	escape_to(st, in, inlen, &k);
}

void ts_fputs(enum ts_style st, FILE *fp, const char *s)
{
	if (s)
		ts_fwrite(st, fp, s, strlen(s));
}

/* ---- cells ---- */

static size_t cp_width(uint32_t cp)
{
	if (cp < 0x80)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (size_t)w;
}

/* Columns and length of the unit at s[i..n): a stray byte (text that
 * was not escaped) counts one column. */
static size_t cell_unit(const char *s, size_t n, size_t i, size_t *cols)
{
	uint32_t cp = 0;
	size_t len = ts_utf8_decode(s + i, n - i, &cp);
	*cols = len ? cp_width(cp) : 1;
	return len ? len : 1;
}

size_t ts_width_n(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		size_t cw;
		i += cell_unit(s, n, i, &cw);
		w += cw;
	}
	return w;
}

size_t ts_width(const char *s)
{
	return ts_width_n(s, strlen(s));
}

size_t ts_offset(const char *s, size_t n, size_t cols)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		size_t cw, len = cell_unit(s, n, i, &cw);
		if (w + cw > cols)
			return i;
		w += cw;
		i += len;
	}
	return n;
}

size_t ts_offset_tail(const char *s, size_t n, size_t cols)
{
	size_t w = ts_width_n(s, n);
	if (w <= cols)
		return 0;
	size_t i = ts_offset(s, n, w - cols);
	if (i < n && ts_width_n(s, i) < w - cols) {
		size_t
		    cw; /* a wide character straddles the cut: leave it out */
		i += cell_unit(s, n, i, &cw);
	}
	return i;
}

size_t ts_fit(const char *s, size_t width, bool pad, bool ascii, char *out,
	      size_t outlen)
{
	if (!outlen)
		return 0;
	const char *ell = ascii ? TS_ELLIPSIS_ASCII : TS_ELLIPSIS;
	size_t total = ts_width(s), n = strlen(s), o = 0, w = 0;
	size_t room = total > width ? (width ? width - 1 : 0) : width;
	for (size_t i = 0; i < n;) {
		size_t cw, len = cell_unit(s, n, i, &cw);
		if (w + cw > room || len >= outlen - o)
			break;
		memcpy(out + o, s + i, len);
		o += len;
		w += cw;
		i += len;
	}
	if (total > width && width) {
		size_t el = strlen(ell);
		if (el < outlen - o) {
			memcpy(out + o, ell, el);
			o += el;
			w++;
		}
	}
	while (pad && w < width && o + 1 < outlen) {
		out[o++] = ' ';
		w++;
	}
	out[o] = '\0';
	return o;
}

/* ---- a bounded string ---- */

void ts_buf_init(struct ts_buf *b, char *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->n = 0;
	b->cut = false;
	if (len)
		p[0] = '\0';
}

void ts_buf_put(struct ts_buf *b, const char *s, size_t n)
{
	if (!b->len || b->n >= b->len - 1) {
		b->cut |= n > 0;
		return;
	}
	size_t room = b->len - 1 - b->n;
	if (n > room) {
		/* Never cut inside a UTF-8 sequence. */
		b->cut = true;
		n = room;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void ts_buf_puts(struct ts_buf *b, const char *s)
{
	ts_buf_put(b, s, strlen(s));
}
