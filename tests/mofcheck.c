/* mofcheck.c - the DSP0004 checker of mofcheck.h.
 *
 * Grammar references are to DSP0004 2.8 ANNEX A (MOF syntax grammar):
 * stringValue with escapeSequence (\x followed by 1 to 4 hex digits),
 * adjacent string literals concatenated, aliasIdentifier "$" IDENTIFIER,
 * and the datetime formats of 5.2.4 (timestamp and interval).
 */
#include "mofcheck.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_ 128
#define STR_MAX 8192
#define VMAP_MAX 48
#define CORR_MAX 4
#define CLASS_MAX 48
#define PROP_MAX 64

struct mprop {
	char name[NAME_MAX_];
	char type[NAME_MAX_]; /* "string", "uint16", ..., or "ref" */
	char refclass[NAME_MAX_];
	bool array, key, aggregate, indexed, override;
	bool has_min, has_max;
	long long min, max;
	long maxlen; /* -1: none */
	char vmap[VMAP_MAX][24];
	unsigned nvmap;
	char corr[CORR_MAX][NAME_MAX_];
	unsigned ncorr;
};

struct mclass {
	char name[NAME_MAX_];
	int parent; /* index, -1 */
	bool abstract, association, composition;
	struct mprop p[PROP_MAX];
	size_t n;
};

struct minst {
	int cls;
	char alias[NAME_MAX_];
	char *key; /* "Prop=value;" of its keys, malloc'd */
	unsigned text; /* which instance text */
	unsigned refs;  /* times referred to by a reference */
	unsigned parts; /* times a composition's part */
	char refby[NAME_MAX_]; /* property that first referred to it */
};

struct mofc {
	struct mclass cls[CLASS_MAX];
	size_t ncls;
	char errs[MOFC_MAX_ERRS][320];
	unsigned nerr;
	char allow0[8][NAME_MAX_];
	unsigned nallow0;
	struct minst *inst;
	size_t ninst, capinst;
	unsigned ntext;
	size_t counts[CLASS_MAX];
};

/* ---- errors ---- */

__attribute__((format(printf, 2, 3))) static void err(struct mofc *m,
						     const char *fmt, ...)
{
	if (m->nerr < MOFC_MAX_ERRS) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m->errs[m->nerr], sizeof(m->errs[0]), fmt, ap);
		va_end(ap);
	}
	m->nerr++;
}

unsigned mofc_errors(const struct mofc *m)
{
	return m->nerr;
}

const char *mofc_error(const struct mofc *m, unsigned i)
{
	return i < m->nerr && i < MOFC_MAX_ERRS ? m->errs[i] : NULL;
}

/* ---- lexer ---- */

enum tk { T_EOF, T_ID, T_INT, T_STR, T_ALIAS, T_PUNCT };

struct lex {
	struct mofc *m;
	const char *origin;
	const char *p, *end;
	int line;
	bool bad; /* an error was reported: unwind */
	enum tk kind;
	char id[NAME_MAX_];
	long long ival;
	bool ineg, ibig;
	char str[STR_MAX]; /* decoded, UTF-8 */
	size_t slen;
	char punct;
};

__attribute__((format(printf, 2, 3))) static void lfail(struct lex *lx,
						       const char *fmt, ...)
{
	if (lx->bad)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err(lx->m, "%s:%d: %s", lx->origin, lx->line, msg);
	lx->bad = true;
	lx->kind = T_EOF;
}

/* A check that does not stop the parse (a value error). */
__attribute__((format(printf, 2, 3))) static void vfail(struct lex *lx,
						       const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err(lx->m, "%s:%d: %s", lx->origin, lx->line, msg);
}

static void put_utf8(struct lex *lx, unsigned v)
{
	char b[4];
	size_t n;
	if (v < 0x80) {
		b[0] = (char)v;
		n = 1;
	} else if (v < 0x800) {
		b[0] = (char)(0xc0 | v >> 6);
		b[1] = (char)(0x80 | (v & 0x3f));
		n = 2;
	} else {
		b[0] = (char)(0xe0 | v >> 12);
		b[1] = (char)(0x80 | ((v >> 6) & 0x3f));
		b[2] = (char)(0x80 | (v & 0x3f));
		n = 3;
	}
	if (lx->slen + n < sizeof(lx->str)) {
		memcpy(lx->str + lx->slen, b, n);
		lx->slen += n;
	}
}

static int hexval(char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

/* The \x escape (DSP0004 escapeSequence): 1 to 4 hex digits. A hex digit
 * right after it in the same literal is read by this grammar as part of
 * the escape up to the fourth digit, and by DSP0221's as part of it
 * whatever the count: two readers, two strings. So it is an error. */
static void lex_hex_escape(struct lex *lx)
{
	unsigned v = 0, k = 0;
	while (k < 4 && lx->p < lx->end && hexval(*lx->p) >= 0) {
		v = v * 16 + (unsigned)hexval(*lx->p++);
		k++;
	}
	if (!k) {
		lfail(lx, "\\x without hex digits");
		return;
	}
	if (lx->p < lx->end && hexval(*lx->p) >= 0)
		vfail(lx, "ambiguous escape: hex digit '%c' right after \\x%.*s",
		      *lx->p, (int)k, lx->p - k);
	if (v == 0)
		vfail(lx, "\\x escape of U+0000 (not a CIM character)");
	if (v >= 0xd800 && v <= 0xdfff)
		vfail(lx, "\\x escape of a surrogate");
	put_utf8(lx, v);
}

static void lex_string(struct lex *lx)
{
	lx->slen = 0;
	lx->p++; /* " */
	for (;;) {
		if (lx->p >= lx->end) {
			lfail(lx, "unterminated string");
			return;
		}
		unsigned char c = (unsigned char)*lx->p++;
		if (c == '"')
			break;
		if (c < 0x20 || c == 0x7f) {
			lfail(lx, "raw control character 0x%02x in a string", c);
			return;
		}
		if (c != '\\') {
			if (lx->slen + 1 < sizeof(lx->str))
				lx->str[lx->slen++] = (char)c;
			continue;
		}
		if (lx->p >= lx->end) {
			lfail(lx, "escape at end of input");
			return;
		}
		char e = *lx->p++;
		static const char from[] = "btnfr\"'\\";
		static const char to[] = "\b\t\n\f\r\"'\\";
		const char *q = e ? strchr(from, e) : NULL;
		if (q) {
			if (lx->slen + 1 < sizeof(lx->str))
				lx->str[lx->slen++] = to[q - from];
		} else if (e == 'x' || e == 'X') {
			lex_hex_escape(lx);
			if (lx->bad)
				return;
		} else {
			lfail(lx, "bad escape \\%c", e);
			return;
		}
	}
	lx->str[lx->slen] = '\0';
}

static void skip_space(struct lex *lx)
{
	for (;;) {
		while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
			if (*lx->p == '\n')
				lx->line++;
			lx->p++;
		}
		if (lx->end - lx->p >= 2 && lx->p[0] == '/' && lx->p[1] == '/') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		if (lx->end - lx->p >= 2 && lx->p[0] == '/' && lx->p[1] == '*') {
			lx->p += 2;
			while (lx->end - lx->p >= 2 &&
			       !(lx->p[0] == '*' && lx->p[1] == '/')) {
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
			if (lx->end - lx->p < 2) {
				lfail(lx, "unterminated comment");
				return;
			}
			lx->p += 2;
			continue;
		}
		return;
	}
}

static void lex_ident(struct lex *lx)
{
	size_t n = 0;
	while (lx->p < lx->end &&
	       (isalnum((unsigned char)*lx->p) || *lx->p == '_')) {
		if (n + 1 < sizeof(lx->id))
			lx->id[n++] = *lx->p;
		lx->p++;
	}
	lx->id[n] = '\0';
}

static void lex_number(struct lex *lx)
{
	lx->ineg = false;
	lx->ibig = false;
	if (*lx->p == '-' || *lx->p == '+') {
		lx->ineg = *lx->p == '-';
		lx->p++;
	}
	unsigned long long v = 0;
	int base = 10;
	if (lx->end - lx->p > 2 && lx->p[0] == '0' &&
	    (lx->p[1] == 'x' || lx->p[1] == 'X')) {
		base = 16;
		lx->p += 2;
	}
	const char *start = lx->p;
	while (lx->p < lx->end) {
		int d = hexval(*lx->p);
		if (d < 0 || d >= base)
			break;
		if (v > (~0ull - (unsigned)d) / (unsigned)base)
			lx->ibig = true;
		else
			v = v * (unsigned)base + (unsigned)d;
		lx->p++;
	}
	if (lx->p == start) {
		lfail(lx, "bad number");
		return;
	}
	if (lx->p < lx->end &&
	    (isalnum((unsigned char)*lx->p) || *lx->p == '.')) {
		lfail(lx, "bad number (real or trailing letters)");
		return;
	}
	if (v > (unsigned long long)INT64_MAX)
		lx->ibig = true;
	lx->ival = lx->ineg ? -(long long)v : (long long)v;
}

static void lex_next(struct lex *lx)
{
	if (lx->bad)
		return;
	skip_space(lx);
	if (lx->bad)
		return;
	if (lx->p >= lx->end) {
		lx->kind = T_EOF;
		return;
	}
	char c = *lx->p;
	if (isalpha((unsigned char)c) || c == '_') {
		lex_ident(lx);
		lx->kind = T_ID;
	} else if (c == '$') {
		lx->p++;
		lex_ident(lx);
		if (!lx->id[0]) {
			lfail(lx, "'$' without an alias name");
			return;
		}
		lx->kind = T_ALIAS;
	} else if (isdigit((unsigned char)c) || c == '-' || c == '+') {
		lex_number(lx);
		lx->kind = T_INT;
	} else if (c == '"') {
		lex_string(lx);
		lx->kind = T_STR;
	} else if (strchr("{}[]();=,#:", c)) {
		lx->punct = c;
		lx->p++;
		lx->kind = T_PUNCT;
	} else {
		lfail(lx, "unexpected character '%c'", c);
	}
	if (lx->bad)
		lx->kind = T_EOF; /* every loop ends on T_EOF */
}

static bool is_punct(const struct lex *lx, char c)
{
	return lx->kind == T_PUNCT && lx->punct == c;
}

static bool is_id(const struct lex *lx, const char *id)
{
	return lx->kind == T_ID && strcasecmp(lx->id, id) == 0;
}

static void expect_punct(struct lex *lx, char c)
{
	if (!is_punct(lx, c)) {
		lfail(lx, "expected '%c'", c);
		return;
	}
	lex_next(lx);
}

static void expect_id(struct lex *lx, const char *id)
{
	if (!is_id(lx, id)) {
		lfail(lx, "expected '%s'", id);
		return;
	}
	lex_next(lx);
}

/* An identifier into out; false (and an error) when there is none. */
static bool take_id(struct lex *lx, char *out, size_t len, const char *what)
{
	if (lx->kind != T_ID) {
		lfail(lx, "%s expected", what);
		return false;
	}
	snprintf(out, len, "%s", lx->id);
	lex_next(lx);
	return true;
}

/* ---- values ---- */

enum vk { V_NONE, V_STR, V_INT, V_BOOL, V_NULL, V_ALIAS, V_ARRAY };

struct mval {
	enum vk kind;
	char *s; /* V_STR (decoded), V_ALIAS */
	long long i;
	bool neg, big;
	bool b;
	struct mval *e;
	size_t n;
};

static void mval_free(struct mval *v)
{
	free(v->s);
	for (size_t i = 0; i < v->n; i++)
		mval_free(&v->e[i]);
	free(v->e);
	memset(v, 0, sizeof(*v));
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static void scalar(struct lex *lx, struct mval *v)
{
	memset(v, 0, sizeof(*v));
	switch (lx->kind) {
	case T_STR: {
		/* Adjacent literals make one string (DSP0004 stringValue). */
		char *acc = dup_n("", 0);
		size_t n = 0;
		while (lx->kind == T_STR && acc) {
			char *na = realloc(acc, n + lx->slen + 1);
			if (!na)
				break;
			acc = na;
			memcpy(acc + n, lx->str, lx->slen);
			n += lx->slen;
			acc[n] = '\0';
			lex_next(lx);
		}
		v->kind = V_STR;
		v->s = acc;
		return;
	}
	case T_INT:
		v->kind = V_INT;
		v->i = lx->ival;
		v->neg = lx->ineg;
		v->big = lx->ibig;
		lex_next(lx);
		return;
	case T_ALIAS:
		v->kind = V_ALIAS;
		v->s = dup_n(lx->id, strlen(lx->id));
		lex_next(lx);
		return;
	case T_ID:
		if (is_id(lx, "TRUE") || is_id(lx, "FALSE")) {
			v->kind = V_BOOL;
			v->b = is_id(lx, "TRUE");
			lex_next(lx);
			return;
		}
		if (is_id(lx, "NULL")) {
			v->kind = V_NULL;
			lex_next(lx);
			return;
		}
		break;
	default:
		break;
	}
	lfail(lx, "value expected");
}

static void value(struct lex *lx, struct mval *v)
{
	if (!is_punct(lx, '{')) {
		scalar(lx, v);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->kind = V_ARRAY;
	lex_next(lx);
	while (!lx->bad && !is_punct(lx, '}')) {
		struct mval *ne = realloc(v->e, (v->n + 1) * sizeof(*ne));
		if (!ne) {
			lfail(lx, "out of memory");
			return;
		}
		v->e = ne;
		scalar(lx, &v->e[v->n]);
		v->n++;
		if (is_punct(lx, ','))
			lex_next(lx);
		else if (!is_punct(lx, '}'))
			lfail(lx, "',' or '}' expected in an array");
	}
	lex_next(lx);
}

/* ---- qualifiers ---- */

struct quals {
	bool abstract, association, composition, key, aggregate, indexed,
	    override;
	bool has_min, has_max;
	long long min, max;
	long maxlen;
	char vmap[VMAP_MAX][24];
	unsigned nvmap;
	char corr[CORR_MAX][NAME_MAX_];
	unsigned ncorr;
};

static void qual_apply(struct lex *lx, struct quals *q, const char *name,
		       const struct mval *v)
{
	bool is_true = v->kind == V_NONE || (v->kind == V_BOOL && v->b);
	if (!strcasecmp(name, "Abstract"))
		q->abstract = is_true;
	else if (!strcasecmp(name, "Association"))
		q->association = is_true;
	else if (!strcasecmp(name, "Composition"))
		q->composition = is_true;
	else if (!strcasecmp(name, "Key"))
		q->key = is_true;
	else if (!strcasecmp(name, "Aggregate"))
		q->aggregate = is_true;
	else if (!strcasecmp(name, "Override"))
		q->override = true;
	else if (!strcasecmp(name, "ArrayType"))
		q->indexed = v->kind == V_STR && !strcasecmp(v->s, "Indexed");
	else if (!strcasecmp(name, "MinValue") || !strcasecmp(name, "MaxValue") ||
		 !strcasecmp(name, "MaxLen")) {
		if (v->kind != V_INT || v->big) {
			vfail(lx, "%s needs an integer", name);
			return;
		}
		if (!strcasecmp(name, "MinValue")) {
			q->has_min = true;
			q->min = v->i;
		} else if (!strcasecmp(name, "MaxValue")) {
			q->has_max = true;
			q->max = v->i;
		} else {
			q->maxlen = (long)v->i;
		}
	} else if (!strcasecmp(name, "ValueMap") ||
		   !strcasecmp(name, "ModelCorrespondence")) {
		bool vm = !strcasecmp(name, "ValueMap");
		if (v->kind != V_ARRAY) {
			vfail(lx, "%s needs an array", name);
			return;
		}
		for (size_t i = 0; i < v->n; i++) {
			if (v->e[i].kind != V_STR) {
				vfail(lx, "%s entries are strings", name);
				return;
			}
			if (vm && q->nvmap < VMAP_MAX)
				snprintf(q->vmap[q->nvmap++], sizeof(q->vmap[0]),
					 "%s", v->e[i].s);
			else if (!vm && q->ncorr < CORR_MAX)
				snprintf(q->corr[q->ncorr++], sizeof(q->corr[0]),
					 "%s", v->e[i].s);
		}
	}
}

/* [ name [(value) | {values}] [: flavors], ... ] */
static void qualifier_list(struct lex *lx, struct quals *q)
{
	memset(q, 0, sizeof(*q));
	q->maxlen = -1;
	if (!is_punct(lx, '['))
		return;
	lex_next(lx);
	while (!lx->bad) {
		char name[NAME_MAX_];
		if (!take_id(lx, name, sizeof(name), "qualifier name"))
			return;
		struct mval v = {0};
		if (is_punct(lx, '(')) {
			lex_next(lx);
			scalar(lx, &v);
			expect_punct(lx, ')');
		} else if (is_punct(lx, '{')) {
			value(lx, &v);
		}
		if (!lx->bad)
			qual_apply(lx, q, name, &v);
		mval_free(&v);
		if (is_punct(lx, ':')) { /* flavors */
			lex_next(lx);
			while (lx->kind == T_ID)
				lex_next(lx);
		}
		if (is_punct(lx, ',')) {
			lex_next(lx);
			continue;
		}
		expect_punct(lx, ']');
		return;
	}
}

/* ---- classes ---- */

static int class_find(const struct mofc *m, const char *name)
{
	for (size_t i = 0; i < m->ncls; i++)
		if (!strcasecmp(m->cls[i].name, name))
			return (int)i;
	return -1;
}

static bool class_isa(const struct mofc *m, int c, int ancestor)
{
	for (; c >= 0; c = m->cls[c].parent)
		if (c == ancestor)
			return true;
	return false;
}

/* The property called name in c or its ancestors (nearest first). */
static const struct mprop *prop_find(const struct mofc *m, int c,
				     const char *name, int *owner)
{
	for (; c >= 0; c = m->cls[c].parent)
		for (size_t i = 0; i < m->cls[c].n; i++)
			if (!strcasecmp(m->cls[c].p[i].name, name)) {
				if (owner)
					*owner = c;
				return &m->cls[c].p[i];
			}
	return NULL;
}

static bool known_type(const char *t)
{
	static const char *const types[] = {
	    "string", "boolean", "datetime", "char16", "uint8", "uint16",
	    "uint32", "uint64", "sint8", "sint16", "sint32", "sint64",
	    "real32", "real64"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(t, types[i]))
			return true;
	return false;
}

static void check_value(struct lex *lx, const struct mofc *m,
			const struct mprop *p, const struct mval *v,
			const char *cls);

static void property_decl(struct lex *lx, struct mofc *m, struct mclass *c)
{
	struct quals q;
	qualifier_list(lx, &q);
	if (lx->bad)
		return;
	if (c->n >= PROP_MAX) {
		lfail(lx, "too many properties in %s", c->name);
		return;
	}
	struct mprop *p = &c->p[c->n];
	memset(p, 0, sizeof(*p));
	char t[NAME_MAX_];
	if (!take_id(lx, t, sizeof(t), "property type"))
		return;
	if (is_id(lx, "REF")) {
		lex_next(lx);
		snprintf(p->type, sizeof(p->type), "ref");
		snprintf(p->refclass, sizeof(p->refclass), "%s", t);
		if (class_find(m, t) < 0)
			vfail(lx, "REF to undeclared class %s", t);
		if (!c->association)
			vfail(lx, "reference %s outside an association", t);
	} else {
		if (!known_type(t))
			vfail(lx, "unknown type %s", t);
		snprintf(p->type, sizeof(p->type), "%s", t);
	}
	if (!take_id(lx, p->name, sizeof(p->name), "property name"))
		return;
	if (is_punct(lx, '[')) {
		lex_next(lx);
		if (lx->kind == T_INT)
			lex_next(lx);
		expect_punct(lx, ']');
		p->array = true;
	}
	p->key = q.key;
	p->aggregate = q.aggregate;
	p->indexed = q.indexed;
	p->override = q.override;
	p->has_min = q.has_min;
	p->has_max = q.has_max;
	p->min = q.min;
	p->max = q.max;
	p->maxlen = q.maxlen;
	memcpy(p->vmap, q.vmap, sizeof(p->vmap));
	p->nvmap = q.nvmap;
	memcpy(p->corr, q.corr, sizeof(p->corr));
	p->ncorr = q.ncorr;
	for (size_t i = 0; i < c->n; i++)
		if (!strcasecmp(c->p[i].name, p->name))
			vfail(lx, "%s.%s declared twice", c->name, p->name);
	const struct mprop *inh =
	    c->parent >= 0 ? prop_find(m, c->parent, p->name, NULL) : NULL;
	if (inh) {
		/* Redeclaring an inherited property needs Override (DSP0004
		 * 5.1.3) and keeps its type. */
		if (!p->override)
			vfail(lx, "%s.%s hides an inherited property without "
				  "Override", c->name, p->name);
		if (strcasecmp(inh->type, p->type) || inh->array != p->array)
			vfail(lx, "%s.%s changes the inherited type", c->name,
			      p->name);
		if (!strcmp(p->type, "ref") &&
		    !class_isa(m, class_find(m, p->refclass),
			       class_find(m, inh->refclass)))
			vfail(lx, "%s.%s narrows to a class outside %s",
			      c->name, p->name, inh->refclass);
	} else if (p->override) {
		vfail(lx, "%s.%s: Override of nothing", c->name, p->name);
	}
	c->n++;
	if (is_punct(lx, '=')) {
		lex_next(lx);
		struct mval v;
		value(lx, &v);
		if (!lx->bad)
			check_value(lx, m, p, &v, c->name);
		mval_free(&v);
	}
	expect_punct(lx, ';');
}

static void class_decl(struct lex *lx, struct mofc *m, const struct quals *q)
{
	expect_id(lx, "class");
	if (m->ncls >= CLASS_MAX) {
		lfail(lx, "too many classes");
		return;
	}
	struct mclass *c = &m->cls[m->ncls];
	memset(c, 0, sizeof(*c));
	c->parent = -1;
	if (!take_id(lx, c->name, sizeof(c->name), "class name"))
		return;
	if (class_find(m, c->name) >= 0)
		vfail(lx, "class %s declared twice", c->name);
	c->abstract = q->abstract;
	c->association = q->association;
	c->composition = q->composition;
	if (is_punct(lx, ':')) {
		lex_next(lx);
		char sup[NAME_MAX_];
		if (!take_id(lx, sup, sizeof(sup), "superclass"))
			return;
		c->parent = class_find(m, sup);
		if (c->parent < 0)
			vfail(lx, "superclass %s of %s not declared", sup,
			      c->name);
		else if (m->cls[c->parent].association && !c->association)
			vfail(lx, "%s must be an Association like %s", c->name,
			      sup);
	}
	expect_punct(lx, '{');
	while (!lx->bad && !is_punct(lx, '}'))
		property_decl(lx, m, c);
	expect_punct(lx, '}');
	expect_punct(lx, ';');
	if (!lx->bad)
		m->ncls++;
}

static void pragma(struct lex *lx, char *ns, size_t nslen)
{
	expect_punct(lx, '#');
	expect_id(lx, "pragma");
	char name[NAME_MAX_];
	if (!take_id(lx, name, sizeof(name), "pragma name"))
		return;
	expect_punct(lx, '(');
	if (lx->kind != T_STR) {
		lfail(lx, "pragma value string expected");
		return;
	}
	if (!strcasecmp(name, "namespace"))
		snprintf(ns, nslen, "%.*s", (int)(nslen - 1), lx->str);
	lex_next(lx);
	expect_punct(lx, ')');
}

/* Raw bytes of a MOF file are UTF-8 (DSP0004 5.4: MOF files are UTF-8). */
static bool valid_utf8(struct mofc *m, const char *origin, const char *t,
		       size_t len)
{
	const unsigned char *p = (const unsigned char *)t;
	int line = 1;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2
				 : (c & 0xf0) == 0xe0	 ? 3
				 : (c & 0xf8) == 0xf0	 ? 4
							 : 0;
		bool ok = n && n <= len - i && !(c == 0xc0 || c == 0xc1) &&
			  c <= 0xf4;
		for (size_t k = 1; ok && k < n; k++)
			ok = (p[i + k] & 0xc0) == 0x80;
		if (!ok || (c == 0 && n == 1)) {
			err(m, "%s:%d: not UTF-8 (byte 0x%02x)", origin, line, c);
			return false;
		}
		line += c == '\n';
		i += n;
	}
	return true;
}

size_t mofc_load_schema(struct mofc *m, const char *text, size_t len,
			const char *origin)
{
	if (!valid_utf8(m, origin, text, len))
		return 0;
	struct lex lx = {.m = m, .origin = origin, .p = text, .end = text + len,
			 .line = 1};
	char ns[256] = "";
	size_t before = m->ncls;
	lex_next(&lx);
	while (!lx.bad && lx.kind != T_EOF) {
		if (is_punct(&lx, '#')) {
			pragma(&lx, ns, sizeof(ns));
			continue;
		}
		struct quals q;
		qualifier_list(&lx, &q);
		if (!lx.bad)
			class_decl(&lx, m, &q);
	}
	return m->ncls - before;
}

/* ---- value checks ---- */

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* DSP0004 5.2.4: yyyymmddhhmmss.mmmmmmsutc (timestamp) or
 * ddddddddhhmmss.mmmmmm:000 (interval). */
static bool datetime_ok(const char *s)
{
	if (strlen(s) != 25 || s[14] != '.' || !all_digits(s, 14) ||
	    !all_digits(s + 15, 6))
		return false;
	if (s[21] == ':')
		return !strcmp(s + 22, "000") && num2(s + 8) < 24 &&
		       num2(s + 10) < 60 && num2(s + 12) < 60;
	if ((s[21] != '+' && s[21] != '-') || !all_digits(s + 22, 3))
		return false;
	int mon = num2(s + 4), day = num2(s + 6);
	return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 &&
	       num2(s + 8) < 24 && num2(s + 10) < 60 && num2(s + 12) < 61;
}

static bool parse_vm_num(const char *s, size_t n, long long *out)
{
	char b[24];
	if (n == 0 || n >= sizeof(b))
		return false;
	memcpy(b, s, n);
	b[n] = '\0';
	char *e;
	*out = strtoll(b, &e, 0);
	return *e == '\0';
}

/* ValueMap entries: "n", "a..b", "a..", "..b" and ".." (DSP0004 5.6.3.55:
 * ".." alone stands for every value not otherwise listed). */
static bool vmap_has(const struct mprop *p, long long v)
{
	for (unsigned i = 0; i < p->nvmap; i++) {
		const char *e = p->vmap[i];
		const char *dots = strstr(e, "..");
		long long a = 0, b = 0;
		if (!dots) {
			if (parse_vm_num(e, strlen(e), &a) && a == v)
				return true;
			continue;
		}
		if (!strcmp(e, ".."))
			return true;
		bool lo = dots == e || parse_vm_num(e, (size_t)(dots - e), &a);
		bool hi = !dots[2] || parse_vm_num(dots + 2, strlen(dots + 2), &b);
		if (!lo || !hi)
			continue;
		if ((dots == e || v >= a) && (!dots[2] || v <= b))
			return true;
	}
	return false;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static bool allowed_zero(const struct mofc *m, const char *prop)
{
	for (unsigned i = 0; i < m->nallow0; i++)
		if (!strcasecmp(m->allow0[i], prop))
			return true;
	return false;
}

static void check_int(struct lex *lx, const struct mofc *m,
		      const struct mprop *p, const struct mval *v,
		      const char *cls)
{
	const char *t = p->type;
	bool sign = t[0] == 's' || t[0] == 'S';
	int bits = atoi(t + 4); /* uintNN, sintNN */
	if (v->big) {
		vfail(lx, "%s.%s: integer out of range", cls, p->name);
		return;
	}
	if (!sign && v->neg && v->i != 0) {
		vfail(lx, "%s.%s: negative value for %s", cls, p->name, t);
		return;
	}
	if (bits < 64) {
		long long hi = sign ? (1ll << (bits - 1)) - 1 : (1ll << bits) - 1;
		long long lo = sign ? -(1ll << (bits - 1)) : 0;
		if (v->i < lo || v->i > hi) {
			vfail(lx, "%s.%s: %lld out of %s range", cls, p->name,
			      v->i, t);
			return;
		}
	}
	if (p->nvmap && !vmap_has(p, v->i))
		vfail(lx, "%s.%s: %lld not in its ValueMap", cls, p->name, v->i);
	if (p->has_min && v->i < p->min &&
	    !(v->i == 0 && allowed_zero(m, p->name)))
		vfail(lx, "%s.%s: %lld below MinValue(%lld)", cls, p->name, v->i,
		      p->min);
	if (p->has_max && v->i > p->max)
		vfail(lx, "%s.%s: %lld above MaxValue(%lld)", cls, p->name, v->i,
		      p->max);
}

static void check_scalar(struct lex *lx, const struct mofc *m,
			 const struct mprop *p, const struct mval *v,
			 const char *cls)
{
	const char *t = p->type;
	if (v->kind == V_NULL)
		return;
	if (!strcmp(t, "ref")) {
		if (v->kind != V_ALIAS)
			vfail(lx, "%s.%s: a reference must be an alias", cls,
			      p->name);
		return; /* resolved by the instance code */
	}
	if (!strcasecmp(t, "string") || !strcasecmp(t, "datetime") ||
	    !strcasecmp(t, "char16")) {
		if (v->kind != V_STR) {
			vfail(lx, "%s.%s: %s needs a string literal", cls,
			      p->name, t);
			return;
		}
		if (!strcasecmp(t, "datetime") && !datetime_ok(v->s))
			vfail(lx, "%s.%s: bad datetime \"%s\"", cls, p->name,
			      v->s);
		if (p->maxlen >= 0 && utf8_chars(v->s) > (size_t)p->maxlen)
			vfail(lx, "%s.%s: longer than MaxLen(%ld)", cls, p->name,
			      p->maxlen);
		if (!strcasecmp(t, "string") && p->nvmap) {
			bool found = false;
			for (unsigned i = 0; i < p->nvmap && !found; i++)
				found = !strcmp(p->vmap[i], v->s);
			if (!found)
				vfail(lx, "%s.%s: \"%s\" not in its ValueMap",
				      cls, p->name, v->s);
		}
		return;
	}
	if (!strcasecmp(t, "boolean")) {
		if (v->kind != V_BOOL)
			vfail(lx, "%s.%s: boolean needs TRUE or FALSE", cls,
			      p->name);
		return;
	}
	if (!strncasecmp(t, "real", 4))
		return;
	if (v->kind != V_INT) {
		vfail(lx, "%s.%s: %s needs an integer", cls, p->name, t);
		return;
	}
	check_int(lx, m, p, v, cls);
}

static void check_value(struct lex *lx, const struct mofc *m,
			const struct mprop *p, const struct mval *v,
			const char *cls)
{
	if (v->kind == V_NULL)
		return;
	if (p->array != (v->kind == V_ARRAY)) {
		vfail(lx, "%s.%s: %s", cls, p->name,
		      p->array ? "array property given a scalar"
			       : "scalar property given an array");
		return;
	}
	if (!p->array) {
		check_scalar(lx, m, p, v, cls);
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		if (v->e[i].kind == V_NULL)
			vfail(lx, "%s.%s: NULL array element", cls, p->name);
		else
			check_scalar(lx, m, p, &v->e[i], cls);
	}
}

/* ---- instances ---- */

void mofc_allow_zero(struct mofc *m, const char *prop)
{
	if (m->nallow0 < sizeof(m->allow0) / sizeof(m->allow0[0]))
		snprintf(m->allow0[m->nallow0++], sizeof(m->allow0[0]), "%s",
			 prop);
}

static struct minst *alias_find(struct mofc *m, const char *alias)
{
	for (size_t i = m->ninst; i-- > 0;)
		if (m->inst[i].text == m->ntext &&
		    !strcmp(m->inst[i].alias, alias))
			return &m->inst[i];
	return NULL;
}

struct given {
	const struct mprop *p;
	struct mval v;
};

static void key_append(char **key, size_t *len, const char *name,
		       const char *val)
{
	size_t add = strlen(name) + strlen(val) + 3;
	char *nk = realloc(*key, *len + add);
	if (!nk)
		return;
	*key = nk;
	snprintf(nk + *len, add, "%s=%s;", name, val);
	*len += add - 1;
}

/* Resolves references, builds the key, checks Indexed pairs. */
static void instance_finish(struct lex *lx, struct mofc *m, int c,
			    struct given *g, size_t ng, struct minst *in)
{
	const struct mclass *cl = &m->cls[c];
	char *key = NULL;
	size_t klen = 0;
	for (int a = c; a >= 0; a = m->cls[a].parent)
		for (size_t i = 0; i < m->cls[a].n; i++) {
			const struct mprop *kp = &m->cls[a].p[i];
			if (!kp->key)
				continue;
			int owner;
			if (prop_find(m, c, kp->name, &owner) != kp)
				continue; /* overridden below: counted there */
			const struct given *gv = NULL;
			for (size_t k = 0; k < ng; k++)
				if (!strcasecmp(g[k].p->name, kp->name))
					gv = &g[k];
			if (!gv || gv->v.kind == V_NULL) {
				vfail(lx, "%s: key %s not given", cl->name,
				      kp->name);
				continue;
			}
			const char *kv = gv->v.s ? gv->v.s : "";
			if (gv->v.kind == V_ALIAS) {
				struct minst *t = alias_find(m, gv->v.s);
				kv = t && t->key ? t->key : "";
			}
			key_append(&key, &klen, kp->name, kv);
		}
	for (size_t k = 0; k < ng; k++) {
		const struct mprop *p = g[k].p;
		if (!strcmp(p->type, "ref") && g[k].v.kind == V_ALIAS) {
			struct minst *t = alias_find(m, g[k].v.s);
			int rc = class_find(m, p->refclass);
			if (!t)
				vfail(lx, "%s.%s: alias $%s not defined before",
				      cl->name, p->name, g[k].v.s);
			else if (!class_isa(m, t->cls, rc))
				vfail(lx, "%s.%s: $%s is a %s, not a %s",
				      cl->name, p->name, g[k].v.s,
				      m->cls[t->cls].name, p->refclass);
			else if (cl->composition && !p->aggregate) {
				/* A part belongs to one whole at most
				 * (Composition, DSP0004 5.6.3.7). */
				if (t->parts++)
					vfail(lx, "%s: $%s is a part of two "
						  "wholes", cl->name, g[k].v.s);
			}
			if (t && !t->refs++)
				snprintf(t->refby, sizeof(t->refby), "%s",
					 p->name);
		}
		if (!p->indexed || g[k].v.kind != V_ARRAY)
			continue;
		for (unsigned ci = 0; ci < p->ncorr; ci++) {
			const char *dot = strchr(p->corr[ci], '.');
			const char *qn = dot ? dot + 1 : p->corr[ci];
			for (size_t j = 0; j < ng; j++)
				if (j != k && g[j].p->indexed &&
				    !strcasecmp(g[j].p->name, qn) &&
				    g[j].v.kind == V_ARRAY &&
				    g[j].v.n != g[k].v.n)
					vfail(lx, "%s: %s has %zu entries, its "
						  "Indexed %s %zu",
					      cl->name, p->name, g[k].v.n, qn,
					      g[j].v.n);
		}
	}
	for (size_t i = 0; key && i < m->ninst; i++)
		if (&m->inst[i] != in && m->inst[i].key &&
		    m->inst[i].text == m->ntext &&
		    class_isa(m, m->inst[i].cls, c) && class_isa(m, c, m->inst[i].cls) &&
		    !strcmp(m->inst[i].key, key))
			vfail(lx, "%s: two instances with keys %s", cl->name, key);
	in->key = key;
}

static void instance_decl(struct lex *lx, struct mofc *m)
{
	struct quals q;
	qualifier_list(lx, &q);
	expect_id(lx, "instance");
	expect_id(lx, "of");
	char cname[NAME_MAX_];
	if (lx->bad || !take_id(lx, cname, sizeof(cname), "class name"))
		return;
	int c = class_find(m, cname);
	if (c < 0) {
		lfail(lx, "instance of undeclared class %s", cname);
		return;
	}
	if (m->cls[c].abstract)
		vfail(lx, "instance of Abstract class %s", cname);
	if (m->ninst == m->capinst) {
		size_t nc = m->capinst ? m->capinst * 2 : 64;
		struct minst *ni = realloc(m->inst, nc * sizeof(*ni));
		if (!ni) {
			lfail(lx, "out of memory");
			return;
		}
		m->inst = ni;
		m->capinst = nc;
	}
	struct minst *in = &m->inst[m->ninst];
	memset(in, 0, sizeof(*in));
	in->cls = c;
	in->text = m->ntext;
	if (is_id(lx, "as")) {
		lex_next(lx);
		if (lx->kind != T_ALIAS) {
			lfail(lx, "alias ($name) expected after 'as'");
			return;
		}
		if (alias_find(m, lx->id))
			vfail(lx, "alias $%s defined twice", lx->id);
		snprintf(in->alias, sizeof(in->alias), "%s", lx->id);
		lex_next(lx);
	}
	expect_punct(lx, '{');
	struct given g[PROP_MAX];
	size_t ng = 0;
	while (!lx->bad && !is_punct(lx, '}')) {
		char pname[NAME_MAX_];
		if (!take_id(lx, pname, sizeof(pname), "property name"))
			break;
		const struct mprop *p = prop_find(m, c, pname, NULL);
		if (!p) {
			lfail(lx, "%s has no property %s", cname, pname);
			break;
		}
		for (size_t k = 0; k < ng; k++)
			if (g[k].p == p)
				vfail(lx, "%s.%s given twice", cname, pname);
		expect_punct(lx, '=');
		struct mval v;
		value(lx, &v);
		if (lx->bad) {
			mval_free(&v);
			break;
		}
		check_value(lx, m, p, &v, cname);
		if (ng < PROP_MAX) {
			g[ng].p = p;
			g[ng].v = v;
			ng++;
		} else {
			mval_free(&v);
		}
		expect_punct(lx, ';');
	}
	if (!lx->bad) {
		expect_punct(lx, '}');
		expect_punct(lx, ';');
	}
	if (!lx->bad) {
		m->ninst++;
		m->counts[c]++;
		instance_finish(lx, m, c, g, ng, in);
	}
	for (size_t k = 0; k < ng; k++)
		mval_free(&g[k].v);
}

size_t mofc_check_instances(struct mofc *m, const char *text, size_t len,
			    const char *origin, const char *want_ns)
{
	m->ntext++;
	if (!valid_utf8(m, origin, text, len))
		return 0;
	struct lex lx = {.m = m, .origin = origin, .p = text, .end = text + len,
			 .line = 1};
	char ns[256] = "";
	size_t before = m->ninst;
	bool had_ns = false;
	lex_next(&lx);
	while (!lx.bad && lx.kind != T_EOF) {
		if (is_punct(&lx, '#')) {
			pragma(&lx, ns, sizeof(ns));
			if (want_ns && strcmp(ns, want_ns))
				vfail(&lx, "namespace \"%s\", want \"%s\"", ns,
				      want_ns);
			had_ns = true;
			continue;
		}
		if (!had_ns && want_ns) {
			vfail(&lx, "instances before any #pragma namespace");
			had_ns = true;
		}
		instance_decl(&lx, m);
	}
	return m->ninst - before;
}

size_t mofc_count(const struct mofc *m, const char *cls)
{
	int c = class_find(m, cls);
	return c < 0 ? 0 : m->counts[c];
}

size_t mofc_referenced(const struct mofc *m, const char *cls, const char *ref)
{
	int c = class_find(m, cls);
	size_t n = 0;
	for (size_t i = 0; i < m->ninst; i++)
		n += m->inst[i].cls == c && m->inst[i].refs &&
		     !strcasecmp(m->inst[i].refby, ref);
	return n;
}

struct mofc *mofc_new(void)
{
	return calloc(1, sizeof(struct mofc));
}

void mofc_free(struct mofc *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ninst; i++)
		free(m->inst[i].key);
	free(m->inst);
	free(m);
}
