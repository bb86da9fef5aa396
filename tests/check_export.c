/* Exporters: JSON read back with jansson, MOF checked against the class
 * declarations in tests/mof/classes.mof by a small MOF parser (no MOF
 * compiler is packaged in Debian), NDJSON, the table, escaping, secrets,
 * and atomic writes. */
#include "check_suites.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cim.h"
#include "cim_fixture.h"
#include "export.h"
#include "scsi.h"

static const char *const SOURCES[] = {"captures/demo.pcapng"};

static struct export_meta meta(void)
{
	static struct counters ctr;
	ctr.v[CTR_PACKETS] = 42;
	struct export_meta m = {
	    .version = "9.9.9",
	    .perspective = PERSP_TARGET,
	    .sources = SOURCES,
	    .nsources = 1,
	    .counters = &ctr,
	    .first_ns = FX_T0,
	    .last_ns = FX_T0 + 3 * FX_SEC,
	};
	return m;
}

/* A normal session with mutual CHAP, then a failed login. */
static struct session *two_sessions(void)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	struct sconn *c = fx_conn(s, 0, NULL, NULL, true);
	fx_feed(&c->neg, NEG_INITIATOR,
		"InitiatorName=iqn.1993-08.org.debian:01:abcdef\n"
		"AuthMethod=CHAP,None");
	fx_feed(&c->neg, NEG_TARGET, "AuthMethod=CHAP\nTargetPortalGroupTag=1");
	fx_feed(&c->neg, NEG_INITIATOR, "CHAP_A=5");
	fx_feed(&c->neg, NEG_TARGET,
		"CHAP_A=5\nCHAP_I=1\nCHAP_C=0x0102030405060708");
	fx_feed(&c->neg, NEG_INITIATOR,
		"CHAP_N=user\nCHAP_R=0x00112233445566778899aabbccddeeff\n"
		"CHAP_I=2\nCHAP_C=0xa1a2a3a4a5a6a7a8");
	fx_feed(&c->neg, NEG_TARGET,
		"CHAP_N=tgt\nCHAP_R=0xffeeddccbbaa99887766554433221100");
	fx_feed(&c->neg, NEG_INITIATOR, FX_OPER_I);
	fx_feed(&c->neg, NEG_TARGET, FX_OPER_T);
	neg_compute(&c->neg, true, &c->vals);
	s->vals = c->vals;
	c->pdus[0] = 10;
	c->pdus[1] = 11;

	struct session *f = fx_failed_session();
	f->seq = 1;
	s->next = f;
	return s;
}

/* A name with a quote, a backslash, control characters and invalid
 * UTF-8 bytes. */
static const char BAD_NAME[] = "iqn.x:a\"b\\c\x01\x1b[31m\n\xff\xc3(z";
static const char BAD_CLEAN[] =
    "iqn.x:a\"b\\c\x01\x1b[31m\n\xef\xbf\xbd\xef\xbf\xbd(z";

static struct session *bad_session(void)
{
	struct session *s = fx_session(BAD_NAME, BAD_NAME);
	snprintf(s->initiator_alias, sizeof(s->initiator_alias), "%s",
		 BAD_NAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	session_discovered(s, BAD_NAME, "192.0.2.9:3260,1;[2001:db8::1]:3260,1");
	return s;
}

static void assert_valid_utf8(const char *text, size_t n)
{
	char *copy = malloc(n * 3 + 1);
	ck_assert_ptr_nonnull(copy);
	size_t w = cim_utf8_clean(text, n, copy, n * 3 + 1);
	ck_assert_uint_eq(w, n);
	ck_assert(memcmp(copy, text, n) == 0);
	free(copy);
}

/* No byte below 0x20 but '\n' (and, for the table, nothing at all
 * that a terminal would act on). */
static void assert_no_ctrl(const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		ck_assert_msg(c >= 0x20 || c == '\n',
			      "control byte 0x%02x at %zu", c, i);
		ck_assert_msg(c != 0x7f, "DEL at %zu", i);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			ck_assert_ptr_nonnull(nb);
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 4096, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *mof_text(const struct session *first, size_t *len)
{
	char path[] = "/tmp/iscsiwatch-mof-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct export_meta m = meta();
	char err[EXPORT_ERR_MAX];
	ck_assert_int_eq(export_mof_list(path, first, &m, err, sizeof(err)), 0);
	char *t = slurp(path, len);
	unlink(path);
	ck_assert_ptr_nonnull(t);
	return t;
}

static char *table_text(const struct session *first, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);
	ck_assert_ptr_nonnull(fp);
	struct export_meta m = meta();
	export_table_list(fp, first, &m);
	fclose(fp);
	*len = n;
	return buf;
}

/* ---- a small MOF parser (DSP0004 subset) ---- */

enum tk { T_EOF, T_ID, T_INT, T_STR, T_PUNCT };

struct lex {
	const char *p, *end;
	int line;
	enum tk kind;
	char id[128];
	long long ival;
	char str[4096]; /* decoded */
	size_t slen;
	char punct;
};

static void lex_fail(const struct lex *lx, const char *what)
{
	ck_abort_msg("MOF line %d: %s", lx->line, what);
}

static void lex_string(struct lex *lx)
{
	lx->slen = 0;
	lx->p++; /* " */
	for (;;) {
		if (lx->p >= lx->end)
			lex_fail(lx, "unterminated string");
		unsigned char c = (unsigned char)*lx->p++;
		if (c == '"')
			break;
		if (c < 0x20 || c == 0x7f)
			lex_fail(lx, "raw control character in a string");
		if (c == '\\') {
			if (lx->p >= lx->end)
				lex_fail(lx, "escape at end");
			char e = *lx->p++;
			const char *simple = strchr("btnfr\"'\\", e);
			if (e && simple) {
				static const char map[] = "\b\t\n\f\r\"'\\";
				c = (unsigned char)map[simple - "btnfr\"'\\"];
			} else if (e == 'x' || e == 'X') {
				/* \x followed by 1 to 4 hex digits */
				unsigned v = 0, k = 0;
				while (k < 4 && lx->p < lx->end &&
				       isxdigit((unsigned char)*lx->p)) {
					char h = *lx->p++;
					v = v * 16 + (unsigned)(isdigit((unsigned char)h)
								    ? h - '0'
								    : (h | 0x20) - 'a' + 10);
					k++;
				}
				if (!k)
					lex_fail(lx, "\\x without digits");
				c = (unsigned char)v;
			} else {
				lex_fail(lx, "bad escape");
			}
		}
		if (lx->slen + 1 < sizeof(lx->str))
			lx->str[lx->slen++] = (char)c;
	}
	lx->str[lx->slen] = '\0';
}

static void lex_next(struct lex *lx)
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
		break;
	}
	if (lx->p >= lx->end) {
		lx->kind = T_EOF;
		return;
	}
	char c = *lx->p;
	if (isalpha((unsigned char)c) || c == '_') {
		size_t n = 0;
		while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) ||
					   *lx->p == '_')) {
			if (n + 1 < sizeof(lx->id))
				lx->id[n++] = *lx->p;
			lx->p++;
		}
		lx->id[n] = '\0';
		lx->kind = T_ID;
	} else if (isdigit((unsigned char)c) || c == '-') {
		char *e;
		lx->ival = strtoll(lx->p, &e, 10);
		if (e == lx->p)
			lex_fail(lx, "bad number");
		lx->p = e;
		lx->kind = T_INT;
	} else if (c == '"') {
		lex_string(lx);
		lx->kind = T_STR;
	} else if (strchr("{}[]();=,#:", c)) {
		lx->punct = c;
		lx->p++;
		lx->kind = T_PUNCT;
	} else {
		lex_fail(lx, "unexpected character");
	}
}

static void expect_punct(struct lex *lx, char c)
{
	if (lx->kind != T_PUNCT || lx->punct != c) {
		char m[32];
		snprintf(m, sizeof(m), "expected '%c'", c);
		lex_fail(lx, m);
	}
	lex_next(lx);
}

static void expect_id(struct lex *lx, const char *id)
{
	if (lx->kind != T_ID || (id && strcasecmp(lx->id, id) != 0))
		lex_fail(lx, id ? id : "identifier expected");
	if (!id)
		return;
	lex_next(lx);
}

struct mof_prop {
	char name[128], type[128];
	bool array;
};
struct mof_class {
	char name[128];
	struct mof_prop p[48];
	size_t n;
};

static void pragma(struct lex *lx, char *ns, size_t nslen)
{
	expect_punct(lx, '#');
	expect_id(lx, "pragma");
	expect_id(lx, "namespace");
	expect_punct(lx, '(');
	if (lx->kind != T_STR)
		lex_fail(lx, "namespace string expected");
	size_t k = lx->slen < nslen - 1 ? lx->slen : nslen - 1;
	memcpy(ns, lx->str, k);
	ns[k] = '\0';
	lex_next(lx);
	expect_punct(lx, ')');
}

/* A value: returns its shape for type checks. */
struct mof_val {
	enum tk kind; /* T_STR, T_INT, T_ID (TRUE/FALSE), T_PUNCT ({...}) */
	char str[4096];
	long long ival;
	bool boolean;
	size_t nelem;
	enum tk elem_kind;
};

static void value(struct lex *lx, struct mof_val *v)
{
	memset(v, 0, sizeof(*v));
	if (lx->kind == T_PUNCT && lx->punct == '{') {
		lex_next(lx);
		v->kind = T_PUNCT;
		while (!(lx->kind == T_PUNCT && lx->punct == '}')) {
			struct mof_val *e = malloc(sizeof(*e));
			ck_assert_ptr_nonnull(e);
			value(lx, e);
			if (e->kind == T_PUNCT)
				lex_fail(lx, "nested array");
			if (v->nelem && e->kind != v->elem_kind)
				lex_fail(lx, "mixed array");
			v->elem_kind = e->kind;
			v->nelem++;
			free(e);
			if (lx->kind == T_PUNCT && lx->punct == ',')
				lex_next(lx);
			else if (!(lx->kind == T_PUNCT && lx->punct == '}'))
				lex_fail(lx, "',' or '}' expected");
		}
		lex_next(lx);
		return;
	}
	if (lx->kind == T_STR) {
		v->kind = T_STR;
		/* Adjacent literals concatenate (DSP0004). */
		while (lx->kind == T_STR) {
			size_t have = strlen(v->str);
			size_t k = sizeof(v->str) - 1 - have;
			if (lx->slen < k)
				k = lx->slen;
			memcpy(v->str + have, lx->str, k);
			v->str[have + k] = '\0';
			lex_next(lx);
		}
		return;
	}
	if (lx->kind == T_INT) {
		v->kind = T_INT;
		v->ival = lx->ival;
		lex_next(lx);
		return;
	}
	if (lx->kind == T_ID && (strcasecmp(lx->id, "TRUE") == 0 ||
				 strcasecmp(lx->id, "FALSE") == 0)) {
		v->kind = T_ID;
		v->boolean = strcasecmp(lx->id, "TRUE") == 0;
		lex_next(lx);
		return;
	}
	lex_fail(lx, "value expected");
}

static size_t parse_classes(const char *text, struct mof_class *cls,
			    size_t max)
{
	struct lex lx = {.p = text, .end = text + strlen(text), .line = 1};
	size_t n = 0;
	char ns[256];
	lex_next(&lx);
	while (lx.kind != T_EOF) {
		if (lx.kind == T_PUNCT && lx.punct == '#') {
			pragma(&lx, ns, sizeof(ns));
			continue;
		}
		expect_id(&lx, "class");
		ck_assert_uint_lt(n, max);
		struct mof_class *c = &cls[n++];
		c->n = 0;
		expect_id(&lx, NULL);
		snprintf(c->name, sizeof(c->name), "%s", lx.id);
		lex_next(&lx);
		expect_punct(&lx, '{');
		while (!(lx.kind == T_PUNCT && lx.punct == '}')) {
			if (lx.kind == T_PUNCT && lx.punct == '[') {
				while (!(lx.kind == T_PUNCT && lx.punct == ']'))
					lex_next(&lx);
				lex_next(&lx);
			}
			ck_assert_uint_lt(c->n, sizeof(c->p) / sizeof(c->p[0]));
			struct mof_prop *p = &c->p[c->n++];
			expect_id(&lx, NULL);
			snprintf(p->type, sizeof(p->type), "%s", lx.id);
			lex_next(&lx);
			expect_id(&lx, NULL);
			snprintf(p->name, sizeof(p->name), "%s", lx.id);
			lex_next(&lx);
			p->array = false;
			if (lx.kind == T_PUNCT && lx.punct == '[') {
				lex_next(&lx);
				expect_punct(&lx, ']');
				p->array = true;
			}
			if (lx.kind == T_PUNCT && lx.punct == '=') {
				struct mof_val v;
				lex_next(&lx);
				value(&lx, &v);
			}
			expect_punct(&lx, ';');
		}
		lex_next(&lx);
		expect_punct(&lx, ';');
	}
	return n;
}

static bool is_mof_datetime(const char *s)
{
	if (strlen(s) != 25)
		return false;
	for (int i = 0; i < 25; i++) {
		if (i == 14) {
			if (s[i] != '.')
				return false;
		} else if (i == 21) {
			if (s[i] != '+' && s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static void check_type(const struct lex *lx, const struct mof_prop *p,
		       const struct mof_val *v)
{
	enum tk want;
	long long max = -1;
	if (strcmp(p->type, "string") == 0 || strcmp(p->type, "datetime") == 0)
		want = T_STR;
	else if (strcmp(p->type, "boolean") == 0)
		want = T_ID;
	else {
		want = T_INT;
		max = strcmp(p->type, "uint8") == 0    ? 255
		      : strcmp(p->type, "uint16") == 0 ? 65535
						       : 4294967295LL;
	}
	if (p->array) {
		if (v->kind != T_PUNCT || (v->nelem && v->elem_kind != want))
			lex_fail(lx, p->name);
		return;
	}
	if (v->kind != want)
		lex_fail(lx, p->name);
	if (want == T_INT && (v->ival < 0 || v->ival > max))
		lex_fail(lx, "integer out of range");
	if (strcmp(p->type, "datetime") == 0 && !is_mof_datetime(v->str))
		lex_fail(lx, "bad datetime");
	if (strcmp(p->name, "Caption") == 0 && strlen(v->str) > 64)
		lex_fail(lx, "Caption longer than MaxLen(64)");
}

/* Parses a whole MOF output against the classes; returns instances. */
static size_t mof_check(const char *text)
{
	size_t clen;
	char *ctext = slurp("tests/mof/classes.mof", &clen);
	ck_assert_msg(ctext != NULL, "tests/mof/classes.mof not found");
	struct mof_class *cls = calloc(4, sizeof(*cls));
	ck_assert_ptr_nonnull(cls);
	size_t ncls = parse_classes(ctext, cls, 4);
	ck_assert_uint_eq(ncls, 2);
	free(ctext);

	struct lex lx = {.p = text, .end = text + strlen(text), .line = 1};
	struct mof_val *v = malloc(sizeof(*v));
	ck_assert_ptr_nonnull(v);
	size_t inst = 0;
	char ns[256] = "";
	lex_next(&lx);
	while (lx.kind != T_EOF) {
		if (lx.kind == T_PUNCT && lx.punct == '#') {
			pragma(&lx, ns, sizeof(ns));
			ck_assert_str_eq(ns, "\\\\.\\Root\\CIMv2\\Storage\\iScsiTarget");
			continue;
		}
		expect_id(&lx, "instance");
		expect_id(&lx, "of");
		expect_id(&lx, NULL);
		const struct mof_class *c = NULL;
		for (size_t i = 0; i < ncls; i++)
			if (strcasecmp(cls[i].name, lx.id) == 0)
				c = &cls[i];
		if (!c)
			lex_fail(&lx, "undeclared class");
		lex_next(&lx);
		expect_punct(&lx, '{');
		bool seen[48] = {false};
		while (!(lx.kind == T_PUNCT && lx.punct == '}')) {
			expect_id(&lx, NULL);
			const struct mof_prop *p = NULL;
			size_t pi = 0;
			for (size_t i = 0; i < c->n; i++)
				if (strcasecmp(c->p[i].name, lx.id) == 0) {
					p = &c->p[i];
					pi = i;
				}
			if (!p)
				lex_fail(&lx, "undeclared property");
			if (seen[pi])
				lex_fail(&lx, "property given twice");
			seen[pi] = true;
			lex_next(&lx);
			expect_punct(&lx, '=');
			value(&lx, v);
			check_type(&lx, p, v);
			expect_punct(&lx, ';');
		}
		lex_next(&lx);
		expect_punct(&lx, ';');
		inst++;
	}
	ck_assert_str_ne(ns, "");
	free(v);
	free(cls);
	return inst;
}

/* ---- core ---- */

static json_t *jget(json_t *o, const char *path)
{
	/* "a.b.0.c": objects by key, arrays by index */
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = o;
	for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
		ck_assert_msg(cur != NULL, "%s: missing before %s", path, tok);
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			cur = json_object_get(cur, tok);
	}
	ck_assert_msg(cur != NULL, "%s missing", path);
	return cur;
}

static void jstr_eq(json_t *o, const char *path, const char *want)
{
	json_t *v = jget(o, path);
	ck_assert_msg(json_is_string(v), "%s not a string", path);
	ck_assert_str_eq(json_string_value(v), want);
}

static void jint_eq(json_t *o, const char *path, long long want)
{
	json_t *v = jget(o, path);
	ck_assert_msg(json_is_integer(v), "%s not an integer", path);
	ck_assert_int_eq(json_integer_value(v), want);
}

static void jnull(json_t *o, const char *path)
{
	ck_assert_msg(json_is_null(jget(o, path)), "%s not null", path);
}

START_TEST(test_json_document)
{
	struct session *s = two_sessions();
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	ck_assert_ptr_nonnull(text);
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	ck_assert_msg(root != NULL, "JSON does not parse: %s", je.text);

	jstr_eq(root, "iscsiwatch.version", "9.9.9");
	jstr_eq(root, "iscsiwatch.perspective", "target");
	ck_assert_ptr_null(json_object_get(jget(root, "iscsiwatch"),
					   "generated"));
	jstr_eq(root, "capture.sources.0", "captures/demo.pcapng");
	jstr_eq(root, "capture.first", "2026-11-23T22:09:01.123456Z");
	jstr_eq(root, "capture.last", "2026-11-23T22:09:04.123456Z");
	jint_eq(root, "capture.drops", 0);
	ck_assert_uint_eq(json_object_size(jget(root, "capture.counters")),
			  CTR_MAX);
	ck_assert_uint_eq(json_array_size(jget(root, "sessions")), 2);

	/* Every CIM property, by CIM name, null where unknown. */
	json_t *cim = jget(root, "sessions.0.cim");
	ck_assert_uint_eq(json_object_size(cim), CIM_SESSION_NPROPS);
	jstr_eq(cim, "Name",
		"iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
		"iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001");
	jnull(cim, "OtherEnabledState");
	jstr_eq(cim, "InstallDate", "2026-11-23T22:09:01.123456Z");
	jint_eq(cim, "OperationalStatus.0", 2);
	ck_assert(json_is_false(jget(cim, "InitialR2T")));
	ck_assert(json_is_true(jget(cim, "ImmediateData")));
	jint_eq(cim, "MaxDataBurstLength", 262144);
	jint_eq(cim, "TSIH", 5);

	jstr_eq(root, "sessions.0.initiator.isid", "0x400001370000");
	jint_eq(root, "sessions.0.target.tpgt", 1);
	jnull(root, "sessions.0.initiator.alias");
	jstr_eq(root, "sessions.0.initiator.addresses.0", "192.0.2.1");
	jstr_eq(root, "sessions.0.target.addresses.0", "192.0.2.2:3260");
	ck_assert(json_is_true(jget(root, "sessions.0.login_observed")));

	/* Negotiation: offer, answer, result, state. */
	json_t *hd = jget(root, "sessions.0.negotiation.HeaderDigest");
	jstr_eq(hd, "offerer", "initiator");
	jstr_eq(hd, "offered.0", "CRC32C");
	jstr_eq(hd, "offered.1", "None");
	jstr_eq(hd, "answered", "CRC32C");
	jstr_eq(hd, "result", "CRC32C");
	jstr_eq(hd, "state", "negotiated");
	json_t *mbl = jget(root, "sessions.0.negotiation.MaxBurstLength");
	jint_eq(mbl, "offered", 16776192);
	jint_eq(mbl, "answered", 262144);
	jint_eq(mbl, "result", 262144);
	jint_eq(root, "sessions.0.negotiation.MaxRecvDataSegmentLength.result.target",
		65536);

	/* CHAP secrets: presence and length only. */
	json_t *cc = jget(root, "sessions.0.negotiation.CHAP_C");
	ck_assert(json_is_true(jget(cc, "offered.present")));
	jint_eq(cc, "offered.length", 8);
	ck_assert_uint_eq(json_object_size(jget(cc, "offered")), 2);
	jnull(cc, "result");
	json_t *cr = jget(root, "sessions.0.negotiation.CHAP_R");
	jint_eq(cr, "offered.length", 16);
	jstr_eq(root, "sessions.0.auth.method", "CHAP");
	jstr_eq(root, "sessions.0.auth.chap_algorithm.name", "MD5");
	jstr_eq(root, "sessions.0.auth.chap_names.initiator", "user");
	jstr_eq(root, "sessions.0.auth.chap_names.target", "tgt");
	ck_assert(json_is_true(jget(root, "sessions.0.auth.mutual")));
	jint_eq(root, "sessions.0.auth.chap_challenge.target.length", 8);
	jint_eq(root, "sessions.0.auth.chap_response.initiator.length", 16);
	static const char *const secrets[] = {
	    "0102030405060708", "a1a2a3a4a5a6a7a8",
	    "00112233445566778899aabbccddeeff",
	    "ffeeddccbbaa99887766554433221100", "0x0102", "0xa1a2", "0x0011",
	    "0xffee"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		ck_assert_msg(strstr(text, secrets[i]) == NULL,
			      "secret material %s in JSON", secrets[i]);

	/* The connection. */
	json_t *c = jget(root, "sessions.0.connections.0");
	jint_eq(c, "cim.ConnectionID", 0);
	jint_eq(c, "cim.AuthenticationMethodUsed", 4);
	ck_assert(json_is_true(jget(c, "cim.MutualAuthentication")));
	jstr_eq(c, "initiator", "192.0.2.1:40000");
	jstr_eq(c, "target", "192.0.2.2:3260");
	jstr_eq(c, "first_login", "2026-11-23T22:09:01.123456Z");
	jnull(c, "ended");
	jint_eq(c, "pdus.to_target", 10);
	jint_eq(c, "pdus.to_initiator", 11);
	jint_eq(c, "header_digest_errors", 0);

	/* The failed login. */
	json_t *f = jget(root, "sessions.1");
	jint_eq(f, "cim.OperationalStatus.0", 6);
	jint_eq(f, "cim.EnabledState", 3);
	jint_eq(f, "cim.TSIH", 0);
	jstr_eq(f, "cim.StatusDescriptions.0",
		"Login failed: authentication failure (0x0201)");
	jstr_eq(f, "connections.0.end_reason", "login_failed");
	jstr_eq(f, "connections.0.login_status.text", "authentication failure");
	jnull(f, "cim.OtherEnabledState");

	/* Deterministic: a second run gives the same bytes. */
	char *again = export_json_string(s, &m);
	ck_assert_str_eq(text, again);
	free(again);
	json_decref(root);
	free(text);
	fx_free(s);
}
END_TEST

START_TEST(test_json_login_unseen_nulls)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 3, NULL, NULL, false);
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	static const char *const neg[] = {
	    "InitialR2T", "ImmediateData", "MaxOutstandingR2T",
	    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
	    "DataSequenceInOrder", "DataPDUInOrder", "ErrorRecoveryLevel",
	    "MaxConnectionsPerSession", "DefaultTimeToWait",
	    "DefaultTimeToRetain"};
	json_t *cim = jget(root, "sessions.0.cim");
	for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++)
		jnull(cim, neg[i]);
	jnull(root, "sessions.0.connections.0.cim.HeaderDigestMethod");
	jnull(root, "sessions.0.auth.method");
	ck_assert_uint_eq(json_object_size(jget(root, "sessions.0.negotiation")),
			  0);
	json_decref(root);
	free(text);
	fx_free(s);
}
END_TEST

/* Issue 14: the latency histogram's buckets (log-scale, non-empty only)
 * add up to the number of timed commands, and their bounds hold every
 * sample. */
START_TEST(test_json_latency_buckets)
{
	static const uint64_t lat[] = {500,	  1100,	    1300,  90000,
				       90001,	  2500000,  1ull << 39,
				       1ull << 41, 1ull << 45};
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	s->scsi = scsi_sess_new();
	ck_assert_ptr_nonnull(s->scsi);
	for (size_t i = 0; i < sizeof(lat) / sizeof(lat[0]); i++) {
		scsi_hist_add(&s->scsi->stats.latency, lat[i]);
		s->scsi->stats.scsi_cmds++;
		s->scsi->stats.scsi_rsps++;
	}
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	json_t *l = jget(root, "sessions.0.stats.latency_ns");
	jint_eq(l, "count", (long long)(sizeof(lat) / sizeof(lat[0])));
	json_t *b = jget(l, "buckets");
	ck_assert(json_is_array(b));
	long long sum = 0, prev_max = -1;
	for (size_t i = 0; i < json_array_size(b); i++) {
		json_t *e = json_array_get(b, i);
		long long lo = json_integer_value(json_object_get(e, "min"));
		json_t *hi = json_object_get(e, "max");
		long long n = json_integer_value(json_object_get(e, "count"));
		ck_assert_int_gt(n, 0);
		ck_assert_int_gt(lo, prev_max); /* ascending, disjoint */
		size_t inside = 0;
		for (size_t k = 0; k < sizeof(lat) / sizeof(lat[0]); k++)
			inside += (long long)lat[k] >= lo &&
				  (json_is_null(hi) ||
				   (long long)lat[k] <= json_integer_value(hi));
		ck_assert_int_eq((long long)inside, n);
		ck_assert(json_is_null(hi) || json_integer_value(hi) >= lo);
		prev_max = json_is_null(hi) ? INT64_MAX : json_integer_value(hi);
		sum += n;
	}
	ck_assert_int_eq(sum, json_integer_value(jget(
				  root, "sessions.0.stats.scsi.commands")));
	/* 2^41 and 2^45 share the open-ended last bucket. */
	jnull(json_array_get(b, json_array_size(b) - 1), "max");
	json_decref(root);
	free(text);
	scsi_sess_free(s->scsi);
	s->scsi = NULL;
	fx_free(s);
}
END_TEST

START_TEST(test_mof_snippet)
{
	struct session *s = two_sessions();
	size_t n;
	char *t = mof_text(s, &n);
	static const char head[] =
	    "// iscsiwatch 9.9.9: 2 iSCSI sessions, perspective target\n"
	    "#pragma namespace(\"\\\\\\\\.\\\\Root\\\\CIMv2\\\\Storage\\\\"
	    "iScsiTarget\")\n\n"
	    "instance of CIM_iSCSISession\n{\n"
	    "    Caption = \"iSCSI Normal session TSIH 0x0005 to "
	    "iqn.2003-01.org.linux-isc...\";\n";
	ck_assert_msg(strncmp(t, head, strlen(head)) == 0, "MOF head:\n%.400s", t);
	static const char body[] =
	    "    InstallDate = \"20261123220901.123456+000\";\n"
	    "    Name = \"iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
	    "iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001\";\n"
	    "    OperationalStatus = {2};\n"
	    "    StatusDescriptions = {\"OK\"};\n"
	    "    Status = \"OK\";\n"
	    "    HealthState = 5;\n"
	    "    EnabledDefault = 2;\n"
	    "    TimeOfLastStateChange = \"20261123220901.133456+000\";\n"
	    "    InstanceID = \"ISCSIWATCH:iqn.1993-08.org.debian:01:abcdef,i,"
	    "0x400001370000,iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001,"
	    "0x0005@1795471741123456\";\n"
	    "    AggregationBehavior = 3;\n"
	    "    EnabledState = 2;\n"
	    "    RequestedState = 12;\n"
	    "    Directionality = 2;\n"
	    "    SessionType = 3;\n"
	    "    TSIH = 5;\n"
	    "    EndPointName = \"iqn.1993-08.org.debian:01:abcdef,i,"
	    "0x400001370000\";\n"
	    "    CurrentConnections = 1;\n"
	    "    InitialR2T = FALSE;\n"
	    "    ImmediateData = TRUE;\n"
	    "    MaxOutstandingR2T = 1;\n"
	    "    MaxUnsolicitedFirstDataBurstLength = 65536;\n"
	    "    MaxDataBurstLength = 262144;\n"
	    "    DataSequenceInOrder = TRUE;\n"
	    "    DataPDUInOrder = TRUE;\n"
	    "    ErrorRecoveryLevel = 0;\n"
	    "    MaxConnectionsPerSession = 1;\n"
	    "    DefaultTimeToWait = 2;\n"
	    "    DefaultTimeToRetain = 0;\n"
	    "};\n\n"
	    "instance of CIM_iSCSIConnection\n{\n"
	    "    Caption = \"iSCSI connection CID 0\";\n";
	ck_assert_msg(strstr(t, body) != NULL, "MOF body:\n%s", t);
	ck_assert_ptr_nonnull(strstr(t, "    ConnectionID = 0;\n"
					"    MaxReceiveDataSegmentLength = 65536;\n"
					"    MaxTransmitDataSegmentLength = 262144;\n"
					"    HeaderDigestMethod = 3;\n"
					"    DataDigestMethod = 2;\n"
					"    ReceivingMarkers = FALSE;\n"
					"    SendingMarkers = FALSE;\n"
					"    ActiveiSCSIVersion = 0;\n"
					"    AuthenticationMethodUsed = 4;\n"
					"    MutualAuthentication = TRUE;\n};\n"));
	/* Null properties are omitted. */
	ck_assert_ptr_null(strstr(t, "OtherEnabledState"));
	ck_assert_ptr_nonnull(strstr(
	    t, "StatusDescriptions = {\"Login failed: authentication failure "
	       "(0x0201)\"};"));
	ck_assert_uint_eq(mof_check(t), 4);
	ck_assert_ptr_null(strstr(t, "0102030405060708"));
	free(t);
	fx_free(s);
}
END_TEST

START_TEST(test_table)
{
	struct session *s = two_sessions();
	size_t n;
	char *t = table_text(s, &n);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	ck_assert_ptr_nonnull(strstr(t, "INITIATOR"));
	ck_assert_ptr_nonnull(strstr(t, "400001370000"));
	ck_assert_ptr_nonnull(strstr(t, "0x0005"));
	ck_assert_ptr_nonnull(strstr(t, "CRC32C"));
	ck_assert_ptr_nonnull(strstr(t, "262144"));
	ck_assert_ptr_nonnull(strstr(t, "Failed logins: 1"));
	ck_assert_ptr_nonnull(
	    strstr(t, "Login failed: authentication failure (0x0201)"));
	/* A 37-char target name in a 32-column cell loses its middle. */
	ck_assert_ptr_nonnull(
	    strstr(t, "iqn.2003-0\xe2\x80\xa6linux-iscsi.tgt:disk1 "));
	free(t);
	fx_free(s);
}
END_TEST

/* ---- malformed: hostile names ---- */

START_TEST(test_escaping_json)
{
	struct session *s = bad_session();
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	ck_assert_ptr_nonnull(text);
	assert_valid_utf8(text, strlen(text));
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	jstr_eq(root, "sessions.0.initiator.name", BAD_CLEAN);
	jstr_eq(root, "sessions.0.initiator.alias", BAD_CLEAN);
	jstr_eq(root, "sessions.0.discovery.0.name", BAD_CLEAN);
	jstr_eq(root, "sessions.0.discovery.0.addresses.1", "[2001:db8::1]:3260,1");
	ck_assert_ptr_nonnull(strstr(json_string_value(jget(root, "sessions.0.cim.Name")),
				     "\xef\xbf\xbd"));
	json_decref(root);
	free(text);
	fx_free(s);
}
END_TEST

START_TEST(test_escaping_mof)
{
	struct session *s = bad_session();
	size_t n;
	char *t = mof_text(s, &n);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	ck_assert_ptr_nonnull(
	    strstr(t, "\"iqn.x:a\\\"b\\\\c\\x01\\x1B[31m\\x0A\\xFF\\xC3(z"));
	ck_assert_uint_eq(mof_check(t), 2);
	free(t);
	fx_free(s);
}
END_TEST

START_TEST(test_escaping_table)
{
	struct session *s = bad_session();
	size_t n;
	char *t = table_text(s, &n);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	/* 28 columns: 9 of the head, the ellipsis, 18 of the tail. */
	ck_assert_ptr_nonnull(strstr(
	    t, "iqn.x:a\"b\xe2\x80\xa6[31m\\x0A\\xFF\\xC3(z "));
	free(t);
	fx_free(s);
}
END_TEST

/* The HTML report: hostile names stay text - markup characters become
 * entities, controls and bidi overrides visible escapes, invalid UTF-8
 * U+FFFD - and the page fetches nothing. */
START_TEST(test_escaping_html)
{
	struct session *s = bad_session();
	struct session *x = fx_session("iqn.x:<script>alert(1)</script>",
				       "iqn.y:a\xe2\x80\xae"
				       "evil&co");
	x->seq = 1;
	s->next = x;
	struct export_meta m = meta();
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(fp);
	export_html_write(fp, s, &m);
	fclose(fp);
	assert_valid_utf8(text, len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(text[i] == '\n' || (unsigned char)text[i] >= 0x20,
			      "control byte 0x%02x at %zu", text[i], i);
	ck_assert_ptr_null(strstr(text, "<script"));
	ck_assert_ptr_nonnull(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(text, "a&quot;b\\c\\x01\\x1B[31m\\x0A\xef\xbf\xbd"));
	ck_assert_ptr_nonnull(strstr(text, "a\\u202Eevil&amp;co"));
	ck_assert_ptr_null(strstr(text, "\xe2\x80\xae"));
	ck_assert_ptr_nonnull(strstr(text, "default-src 'none'"));
	/* One table row per session. */
	size_t rows = 0;
	for (const char *p = text; (p = strstr(p, "<tr class=\"session\"")); p++)
		rows++;
	ck_assert_uint_eq(rows, 2);
	free(text);
	fx_free(s);
}
END_TEST

START_TEST(test_events_ndjson)
{
	char path[] = "/tmp/iscsiwatch-ev-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	char err[256];
	struct events_sink *es = events_open(path, PERSP_TARGET, err, sizeof(err));
	ck_assert_ptr_nonnull(es);
	const struct session_listener *l = events_listener(es);
	struct session *s = bad_session();
	struct sess_event ev = {.ts_ns = FX_T0, .kind = "login_failed"};
	snprintf(ev.detail, sizeof(ev.detail), "bad \"%s\"", BAD_NAME);
	l->event(l->user, s, s->conns, &ev);
	struct session *g = fx_session(FX_INAME, FX_TNAME);
	struct sess_event ev2 = {.ts_ns = FX_T0 + 1000, .kind = "session_ok"};
	l->event(l->user, g, NULL, &ev2);
	/* Flushed per line: readable before close. */
	size_t n;
	char *t = slurp(path, &n);
	ck_assert_ptr_nonnull(t);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	char *nl = strchr(t, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_ptr_nonnull(strchr(nl + 1, '\n'));
	ck_assert_uint_eq(t[n - 1], '\n');
	*nl = '\0';
	json_t *o = json_loads(t, 0, NULL);
	ck_assert_ptr_nonnull(o);
	jstr_eq(o, "ts", "2026-11-23T22:09:01.123456Z");
	jstr_eq(o, "kind", "login_failed");
	jint_eq(o, "cid", 0);
	char want[256];
	snprintf(want, sizeof(want), "bad \"%s\"", BAD_CLEAN);
	jstr_eq(o, "detail", want);
	ck_assert_ptr_nonnull(strstr(json_string_value(jget(o, "instance_id")),
				     "ISCSIWATCH:"));
	json_decref(o);
	o = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, NULL);
	ck_assert_ptr_nonnull(o);
	jnull(o, "cid");
	jint_eq(o, "seq", 0);
	jstr_eq(o, "session",
		"iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
		"iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001");
	json_decref(o);
	free(t);
	ck_assert_uint_eq(events_errors(es), 0);
	ck_assert_int_eq(events_close(es), 0);
	unlink(path);
	fx_free(s);
	fx_free(g);
}
END_TEST

/* ---- limits: atomic writes ---- */

static size_t temp_files(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

START_TEST(test_atomic)
{
	char dir[] = "/tmp/iscsiwatch-at-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[512], bad[512];
	snprintf(path, sizeof(path), "%s/out.json", dir);
	struct session *s = two_sessions();
	struct export_meta m = meta();
	char err[EXPORT_ERR_MAX] = "";
	ck_assert_int_eq(export_json_list(path, s, &m, err, sizeof(err)), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 100);
	ck_assert_uint_eq(temp_files(dir), 0);
	/* Replacing an existing file. */
	snprintf(path, sizeof(path), "%s/out.mof", dir);
	ck_assert_int_eq(export_mof_list(path, s, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(export_mof_list(path, s, &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(temp_files(dir), 0);

	/* A directory that does not exist: a one-line error, no file. */
	snprintf(bad, sizeof(bad), "%s/missing/out.json", dir);
	ck_assert_int_eq(export_json_list(bad, s, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing/out.json"));
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_ne(stat(bad, &st), 0);
	err[0] = '\0';
	ck_assert_int_eq(export_mof_list(bad, s, &m, err, sizeof(err)), -1);
	ck_assert_str_ne(err, "");
	/* The path names a directory: rename fails, the temp goes. */
	snprintf(bad, sizeof(bad), "%s/adir", dir);
	ck_assert_int_eq(mkdir(bad, 0700), 0);
	char inner[600];
	snprintf(inner, sizeof(inner), "%s/x", bad);
	ck_assert_int_eq(mkdir(inner, 0700), 0);
	ck_assert_int_eq(export_json_list(bad, s, &m, err, sizeof(err)), -1);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_uint_eq(temp_files(dir), 0);
	rmdir(inner);
	rmdir(bad);
	ck_assert(events_open(inner, PERSP_TARGET, err, sizeof(err)) == NULL);

	snprintf(path, sizeof(path), "%s/out.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/out.mof", dir);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
	fx_free(s);
}
END_TEST

START_TEST(test_empty)
{
	struct export_meta m = meta();
	m.nsources = 0;
	m.counters = NULL;
	m.first_ns = m.last_ns = 0;
	char *text = export_json_string(NULL, &m);
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_array_size(jget(root, "sessions")), 0);
	jnull(root, "capture.first");
	json_decref(root);
	free(text);
	size_t n;
	char *t = mof_text(NULL, &n);
	ck_assert_uint_eq(mof_check(t), 0);
	free(t);
	t = table_text(NULL, &n);
	ck_assert_ptr_nonnull(strstr(t, "0 sessions"));
	free(t);
}
END_TEST

Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_json_document);
	tcase_add_test(tc, test_json_login_unseen_nulls);
	tcase_add_test(tc, test_json_latency_buckets);
	tcase_add_test(tc, test_mof_snippet);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_events_ndjson);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_escaping_json);
	tcase_add_test(tc, test_escaping_mof);
	tcase_add_test(tc, test_escaping_table);
	tcase_add_test(tc, test_escaping_html);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_atomic);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);
	return s;
}
