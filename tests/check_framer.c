/* The PDU framer: real-looking PDU streams fed whole, split at every
 * byte, byte by byte and in random chunks, each chunk placed right
 * against an unreadable page; digests on, off and detected; damage
 * (invalid BHS, bad digests, gaps, mid-stream starts) and limits. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_suites.h"
#include "crc32c.h"
#include "framer.h"

/* ck_assert records every check it passes (a write per call), too slow
 * for the callbacks and feed loops run millions of times here: these
 * speak to Check only on failure. */
#define REQUIRE(c)                                                             \
	do {                                                                   \
		if (!(c))                                                      \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #c);     \
	} while (0)
#define REQUIRE_MEM(a, b, n) REQUIRE(memcmp((a), (b), (n)) == 0)

/* ---- building streams ---- */

struct xpdu { /* what the builder put on the wire */
	uint64_t off;
	uint8_t b0, b1;
	uint32_t ahs, dl, itt;
	bool hd, dd;   /* digests carried */
	uint64_t data; /* offset of the data segment */
};

#define MAX_XPDUS 64

struct stream {
	uint8_t *b;
	size_t n, cap;
	struct xpdu x[MAX_XPDUS];
	int nx;
	bool hd, dd; /* digests on the non-login PDUs added */
};

static void put(struct stream *s, const void *p, size_t n)
{
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->b = realloc(s->b, s->cap);
		REQUIRE(s->b != NULL);
	}
	if (n)
		memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void put_le32(struct stream *s, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};
	put(s, b, 4);
}

static void stream_free(struct stream *s)
{
	free(s->b);
	memset(s, 0, sizeof(*s));
}

/* One PDU; `data` NULL gives a pattern. The other BHS fields get
 * plausible, varying values (LUN, CmdSN, a CDB...). */
static struct xpdu *add(struct stream *s, uint8_t b0, uint8_t b1,
			uint32_t ahs_len, const void *data, uint32_t dl)
{
	ck_assert_int_lt(s->nx, MAX_XPDUS);
	uint8_t op = b0 & 0x3f;
	bool login = op == OP_LOGIN_REQ || op == OP_LOGIN_RSP;
	struct xpdu *x = &s->x[s->nx++];
	x->off = s->n;
	x->b0 = b0;
	x->b1 = b1;
	x->ahs = ahs_len;
	x->dl = dl;
	x->itt = 0x1000u + (uint32_t)s->nx * 0x11u;
	x->hd = s->hd && !login;
	x->dd = s->dd && !login && dl > 0;

	uint8_t h[ISCSI_BHS_LEN + ISCSI_MAX_AHS_LEN];
	memset(h, 0, sizeof(h));
	h[0] = b0;
	h[1] = b1;
	h[4] = (uint8_t)(ahs_len / 4);
	h[5] = (uint8_t)(dl >> 16);
	h[6] = (uint8_t)(dl >> 8);
	h[7] = (uint8_t)dl;
	h[9] = (uint8_t)s->nx; /* LUN */
	h[16] = (uint8_t)(x->itt >> 24);
	h[17] = (uint8_t)(x->itt >> 16);
	h[18] = (uint8_t)(x->itt >> 8);
	h[19] = (uint8_t)x->itt;
	h[20] = 0xff; /* TTT / EDTL */
	h[21] = 0xff;
	h[22] = 0xff;
	h[23] = 0xff;
	h[27] = (uint8_t)(0x20 + s->nx); /* CmdSN / StatSN */
	h[31] = (uint8_t)(0x40 + s->nx);
	if (op == OP_SCSI_CMD) {
		h[32] = (b1 & 0x20) ? 0x2a : 0x28; /* WRITE(10) / READ(10) */
		h[39] = 0x08;
	}
	if (ahs_len) { /* one Extended CDB AHS filling it (§11.2.2) */
		uint32_t l = ahs_len - 3;
		h[48] = (uint8_t)(l >> 8);
		h[49] = (uint8_t)l;
		h[50] = 1;
		for (uint32_t i = 52; i < 48 + ahs_len; i++)
			h[i] = (uint8_t)(i * 7);
	}
	put(s, h, 48 + ahs_len);
	if (x->hd)
		put_le32(s, crc32c(h, 48 + ahs_len));
	x->data = s->n;
	if (data) {
		put(s, data, dl);
	} else {
		for (uint32_t i = 0; i < dl; i++) {
			uint8_t c = (uint8_t)(i * 131u + 17u + (uint32_t)s->nx);
			put(s, &c, 1);
		}
	}
	static const uint8_t zero[3];
	put(s, zero, iscsi_pad4(dl) - dl);
	if (x->dd)
		put_le32(s, crc32c(s->b + x->data, iscsi_pad4(dl)));
	return x;
}

static void add_text(struct stream *s, uint8_t b0, uint8_t b1, const char *text,
		     size_t len)
{
	add(s, b0, b1, 0, text, (uint32_t)len);
}

#define TEXT(s) s, sizeof(s) /* with its final NUL */

/* Initiator to target: two login requests, then full feature phase. */
static void build_initiator(struct stream *s)
{
	bool hd = s->hd, dd = s->dd;
	add_text(s, 0x43, 0x81, /* T, CSG 0 -> NSG 1 */
		 TEXT("InitiatorName=iqn.1994-05.com.redhat:abc\0"
		      "SessionType=Normal\0AuthMethod=None"));
	add_text(s, 0x43, 0x87, /* T, CSG 1 -> NSG 3 */
		 TEXT("HeaderDigest=CRC32C,None\0DataDigest=CRC32C,None\0"
		      "MaxRecvDataSegmentLength=262144"));
	s->hd = hd;
	s->dd = dd;
	add(s, 0x01, 0xc0, 0, NULL, 0);	   /* READ(10) */
	add(s, 0x01, 0xa0, 0, NULL, 1001); /* WRITE, immediate data */
	add(s, 0x05, 0x80, 0, NULL, 513);  /* Data-Out */
	add(s, 0x01, 0xc0, 20, NULL, 0);   /* 32-byte CDB in an AHS */
	add_text(s, 0x44, 0x80, TEXT("SendTargets=All"));
	add(s, 0x40, 0x80, 0, NULL, 7); /* NOP-Out with ping data */
	add(s, 0x42, 0x81, 0, NULL, 0); /* ABORT TASK */
	add(s, 0x10, 0x80, 0, NULL, 0); /* SNACK */
	add(s, 0x46, 0x80, 0, NULL, 0); /* Logout */
}

/* Target to initiator. */
static void build_target(struct stream *s)
{
	add_text(s, 0x23, 0x81,
		 TEXT("TargetPortalGroupTag=1\0AuthMethod=None"));
	add_text(s, 0x23, 0x87,
		 TEXT("HeaderDigest=CRC32C\0DataDigest=CRC32C\0"
		      "MaxRecvDataSegmentLength=8192"));
	add(s, 0x25, 0x00, 0, NULL, 1); /* Data-In, 3 bytes pad */
	add(s, 0x25, 0x00, 0, NULL, 2);
	add(s, 0x25, 0x81, 0, NULL, 4097); /* F, S */
	add(s, 0x31, 0x80, 0, NULL, 0);	   /* R2T */
	add(s, 0x21, 0x80, 0, NULL, 22);   /* SCSI Response + sense */
	add(s, 0x20, 0x80, 0, NULL, 0);	   /* NOP-In */
	add(s, 0x32, 0x80, 0, NULL, 6);	   /* Async */
	add(s, 0x3f, 0x80, 0, NULL, 48);   /* Reject */
	add(s, 0x24, 0x80, 0, NULL, 3001); /* Text Response */
	add(s, 0x26, 0x80, 0, NULL, 0);	   /* Logout Response */
}

/* ---- recording events ---- */

struct rec {
	char *log;
	size_t len, cap;
	bool in_pdu;
	uint32_t hash;	      /* FNV-1a of the current PDU's data */
	size_t dn;	      /* its data bytes so far */
	uint64_t data_at;     /* where its data starts in the stream */
	const uint8_t *orig;  /* the whole stream, for content checks */
	uint64_t base;	      /* stream offset of the framer's offset 0 */
	const uint8_t *chunk; /* the chunk being fed */
	size_t chunk_len;
	uint64_t chunk_off;  /* its framer offset */
	bool spans_in_chunk; /* demand data spans point into the chunk */
	struct framer *f;
	bool on_after_login; /* digests ON after the final login PDU */
	bool gaps;	     /* framer_gap was called */
	bool from_hyp;	     /* this PDU is a header-only resync find */
	int begins;
};

static void logf_(struct rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void logf_(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char line[256];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	REQUIRE(n >= 0);
	REQUIRE(n < (int)sizeof(line));
	if (r->len + (size_t)n + 1 > r->cap) {
		r->cap = (r->len + (size_t)n + 1) * 2;
		r->log = realloc(r->log, r->cap);
		REQUIRE(r->log != NULL);
	}
	memcpy(r->log + r->len, line, (size_t)n + 1);
	r->len += (size_t)n;
}

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

#define FNV0 2166136261u

static void log_pdu(struct rec *r, uint64_t off, uint8_t op, uint8_t flags,
		    uint32_t ahs, uint32_t dl, uint32_t itt, int hd, size_t dn,
		    uint32_t hash, int dd, bool lost)
{
	logf_(r,
	      "%s off=%llu fl=%02x ahs=%u dl=%u itt=%08x hd=%d | n=%zu "
	      "h=%08x | dd=%d lost=%d\n",
	      iscsi_opcode_name(op), (unsigned long long)off, flags, ahs, dl,
	      itt, hd, dn, hash, dd, lost);
}

static void on_begin(void *user, const struct pdu *p)
{
	struct rec *r = user;
	REQUIRE(!r->in_pdu);
	r->in_pdu = true;
	r->begins++;
	r->hash = FNV0;
	r->dn = 0;
	REQUIRE(p->bhs != NULL);
	uint64_t so = r->base + p->offset; /* stream offset */
	REQUIRE_MEM(p->bhs, r->orig + so, ISCSI_BHS_LEN);
	if (p->ahs)
		REQUIRE_MEM(p->ahs, r->orig + so + 48, p->ahs_len);
	if (!p->ahs_len)
		REQUIRE(p->ahs == NULL);
	REQUIRE(p->opcode == (r->orig[so] & 0x3f));
	r->data_at =
	    so + 48 + p->ahs_len +
	    (p->hdigest == PDU_DIGEST_OK || p->hdigest == PDU_DIGEST_BAD ? 4
									 : 0);
	/* Zero copy: a header with its digest wholly in the chunk is
	 * handed on in place (after a resync, bytes the framer scans again
	 * may come from its own copy). */
	uint64_t end = p->offset + 48 + p->ahs_len + 4;
	const uint64_t *v = r->f->ctr->v;
	if (r->chunk && !r->gaps && v[CTR_PDU_RESYNC] == 0 &&
	    v[CTR_PDU_INVALID_BHS] == 0 && p->offset >= r->chunk_off &&
	    end <= r->chunk_off + r->chunk_len)
		REQUIRE(p->bhs == r->chunk + (p->offset - r->chunk_off));
	/* A resync candidate confirmed by the BHS after it comes from the
	 * framer's small store, without AHS or data. */
	const uint8_t *hyp = (const uint8_t *)r->f->hyp;
	r->from_hyp = hyp && p->bhs >= hyp &&
		      p->bhs < hyp + FRAMER_HYPS * sizeof(*r->f->hyp);
	if (r->from_hyp)
		REQUIRE(p->ahs == NULL);
}

static void on_data(void *user, const struct pdu *p, const uint8_t *d, size_t n)
{
	struct rec *r = user;
	REQUIRE(r->in_pdu);
	REQUIRE(n > 0);
	REQUIRE(p->bhs == NULL);
	REQUIRE(r->dn + n <= p->data_len);
	if (r->spans_in_chunk)
		REQUIRE(d >= r->chunk && d + n <= r->chunk + r->chunk_len);
	REQUIRE_MEM(d, r->orig + r->data_at + r->dn, n);
	r->hash = fnv(r->hash, d, n);
	r->dn += n;
}

static void on_end(void *user, const struct pdu *p)
{
	struct rec *r = user;
	REQUIRE(r->in_pdu);
	r->in_pdu = false;
	if (!p->data_lost)
		REQUIRE(r->dn == p->data_len);
	if (r->from_hyp)
		REQUIRE(r->dn == 0);
	log_pdu(r, r->base + p->offset, p->opcode, p->flags, p->ahs_len,
		p->data_len, p->itt, p->hdigest, r->dn, r->hash, p->ddigest,
		p->data_lost);
	if (r->on_after_login &&
	    (p->opcode == OP_LOGIN_REQ || p->opcode == OP_LOGIN_RSP) &&
	    (p->flags & 0x83) == 0x83)
		framer_set_digests(r->f, FRAMER_DIGEST_ON, FRAMER_DIGEST_ON);
}

static const struct framer_cb cbs = {on_begin, on_data, on_end};

/* The line the framer must produce for x, delivered in full. */
static void expect_full(struct rec *r, const struct stream *s,
			const struct xpdu *x)
{
	uint32_t h = fnv(FNV0, s->b + x->data, x->dl);
	log_pdu(r, x->off, x->b0 & 0x3f, x->b1, x->ahs, x->dl, x->itt,
		x->hd ? PDU_DIGEST_OK : PDU_DIGEST_ABSENT, x->dl, h,
		x->dd ? PDU_DIGEST_OK : PDU_DIGEST_ABSENT, false);
}

/* ... delivered as a resync candidate confirmed by the next BHS: its
 * header only. */
static void expect_header_only(struct rec *r, const struct xpdu *x)
{
	log_pdu(r, x->off, x->b0 & 0x3f, x->b1, x->ahs, x->dl, x->itt,
		PDU_DIGEST_ABSENT, 0, FNV0,
		x->dd ? PDU_DIGEST_UNCHECKED : PDU_DIGEST_ABSENT, x->dl > 0);
}

static char *expected_log(const struct stream *s, int from, int to)
{
	struct rec e = {0};
	logf_(&e, "%s", "");
	for (int i = from; i < to; i++)
		expect_full(&e, s, &s->x[i]);
	return e.log;
}

/* ---- feeding, against a guard page ---- */

struct guard {
	uint8_t *mem;
	size_t size; /* readable bytes before the guard page */
};

/* One mapping per test process, grown when needed: mapping afresh for
 * each of thousands of runs costs more than the runs. */
static struct guard guard_cache;

static void guard_init(struct guard *g, size_t max)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t want = max ? (max + pg - 1) / pg * pg : pg;
	struct guard *c = &guard_cache;
	if (c->size < want) {
		if (c->mem)
			munmap(c->mem, c->size + pg);
		c->size = want;
		c->mem = mmap(NULL, c->size + pg, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		REQUIRE(c->mem != MAP_FAILED);
		REQUIRE(mprotect(c->mem + c->size, pg, PROT_NONE) == 0);
	}
	*g = *c;
}

static void guard_free(struct guard *g)
{
	(void)g; /* the mapping stays for the next run */
}

/* Feeds p[0..n) as one chunk that ends right at the guard page. */
static void feed(struct rec *r, struct guard *g, const uint8_t *p, size_t n)
{
	REQUIRE(n <= g->size);
	uint8_t *c = g->mem + g->size - n;
	memmove(c, p, n);
	r->chunk = c;
	r->chunk_len = n;
	r->chunk_off = r->f->offset;
	framer_feed(r->f, &cbs, r, c, n);
	r->chunk = NULL;
	memset(c, 0xa5, n); /* the chunk is gone after the call */
	/* In step, heap only for a header in progress; out of step, the
	 * buffers a resync uses may stay until it ends. */
	const struct framer *f = r->f;
	REQUIRE(!f->big || ((f->hdr_have > 0 || !f->synced) &&
			    f->big_cap > FRAMER_SMALL &&
			    f->big_cap <= FRAMER_HDR_MAX));
	REQUIRE(!f->hyp || !f->synced);
}

struct mode {
	enum framer_digest_mode hd, dd;
};

struct run {
	struct counters ctr;
	struct framer f;
	struct rec r;
	struct guard g;
};

static void run_start(struct run *u, const struct stream *s, struct mode m)
{
	memset(u, 0, sizeof(*u));
	framer_init(&u->f, &u->ctr);
	framer_set_digests(&u->f, m.hd, m.dd);
	u->r.f = &u->f;
	u->r.orig = s->b;
	logf_(&u->r, "%s", "");
	guard_init(&u->g, s->n);
}

static char *run_end(struct run *u)
{
	framer_finish(&u->f, &cbs, &u->r);
	REQUIRE(!u->r.in_pdu);
	guard_free(&u->g);
	return u->r.log;
}

enum chunking { WHOLE, SPLIT, BYTES, RANDOM };

/* Feeds the stream cut as asked and returns the log (caller frees). */
static char *run_stream(const struct stream *s, struct mode m,
			enum chunking how, size_t arg, struct counters *out)
{
	struct run u;
	run_start(&u, s, m);
	switch (how) {
	case WHOLE:
		feed(&u.r, &u.g, s->b, s->n);
		break;
	case SPLIT:
		feed(&u.r, &u.g, s->b, arg);
		feed(&u.r, &u.g, s->b + arg, s->n - arg);
		break;
	case BYTES:
		for (size_t i = 0; i < s->n; i++)
			feed(&u.r, &u.g, s->b + i, 1);
		break;
	case RANDOM: {
		srand((unsigned)arg);
		for (size_t i = 0; i < s->n;) {
			size_t k = 1 + (size_t)rand() % 200;
			if (rand() % 8 == 0)
				k = 1 + (size_t)rand() % 3000;
			if (k > s->n - i)
				k = s->n - i;
			feed(&u.r, &u.g, s->b + i, k);
			i += k;
		}
		break;
	}
	}
	char *log = run_end(&u);
	if (out)
		*out = u.ctr;
	return log;
}

/* ---- the variants ---- */

struct variant {
	const char *name;
	bool hd, dd;   /* stream carries digests */
	struct mode m; /* what the framer is told */
	uint64_t detected;
};

static const struct variant variants[] = {
    {"none/off", false, false, {FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF}, 0},
    {"both/on", true, true, {FRAMER_DIGEST_ON, FRAMER_DIGEST_ON}, 0},
    {"both/detect",
     true,
     true,
     {FRAMER_DIGEST_UNKNOWN, FRAMER_DIGEST_UNKNOWN},
     2},
    {"none/detect",
     false,
     false,
     {FRAMER_DIGEST_UNKNOWN, FRAMER_DIGEST_UNKNOWN},
     0},
    {"hd/detect",
     true,
     false,
     {FRAMER_DIGEST_UNKNOWN, FRAMER_DIGEST_UNKNOWN},
     1},
    {"dd/detect",
     false,
     true,
     {FRAMER_DIGEST_UNKNOWN, FRAMER_DIGEST_UNKNOWN},
     1},
    {"hd-on/dd-off", true, false, {FRAMER_DIGEST_ON, FRAMER_DIGEST_OFF}, 0},
};
#define NVARIANTS (int)(sizeof(variants) / sizeof(variants[0]))

static void build(struct stream *s, const struct variant *v, bool target)
{
	memset(s, 0, sizeof(*s));
	s->hd = v->hd;
	s->dd = v->dd;
	if (target)
		build_target(s);
	else
		build_initiator(s);
}

static void assert_log(const char *got, const char *want, const char *what)
{
	if (strcmp(got, want) != 0)
		ck_abort_msg("%s:\n--- got\n%s--- want\n%s", what, got, want);
}

/* ---- core ---- */

START_TEST(test_whole)
{
	const struct variant *v = &variants[_i / 2];
	struct stream s;
	build(&s, v, _i % 2);
	char *want = expected_log(&s, 0, s.nx);
	struct counters c;
	char *got = run_stream(&s, v->m, WHOLE, 0, &c);
	assert_log(got, want, v->name);
	ck_assert_uint_eq(c.v[CTR_PDUS], (uint64_t)s.nx);
	ck_assert_uint_eq(c.v[CTR_HDIGEST_BAD], 0);
	ck_assert_uint_eq(c.v[CTR_DDIGEST_BAD], 0);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 0);
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 0);
	ck_assert_uint_eq(c.v[CTR_DIGEST_DETECTED], v->detected);
	free(got);
	free(want);
	stream_free(&s);
}
END_TEST

/* Zero copy: fed whole, every BHS is handed on where it lies. */
START_TEST(test_zero_copy)
{
	struct stream s;
	build(&s, &variants[1], true);
	struct run u;
	run_start(&u, &s, variants[1].m);
	u.r.spans_in_chunk = true;
	feed(&u.r, &u.g, s.b, s.n); /* on_begin checks the pointers */
	free(run_end(&u));
	stream_free(&s);
}
END_TEST

/* Login PDUs carry no digests even with the modes ON (§13.1): the
 * framer told ON from the start reads the login without any. */
START_TEST(test_login_never_digested)
{
	struct stream s;
	build(&s, &variants[1], false);
	for (int how = WHOLE; how <= BYTES; how++) {
		struct counters c;
		char *got = run_stream(&s, variants[1].m, (enum chunking)how,
				       s.x[1].off + 5, &c);
		char *want = expected_log(&s, 0, s.nx);
		assert_log(got, want, "login with digests on");
		ck_assert_uint_eq(c.v[CTR_HDIGEST_BAD], 0);
		ck_assert_uint_eq(c.v[CTR_DDIGEST_BAD], 0);
		free(got);
		free(want);
	}
	stream_free(&s);
}
END_TEST

/* The session layer switches digests on from pdu_end of the final login
 * PDU: the next PDU already has them. */
START_TEST(test_digests_switched_after_login)
{
	struct stream s;
	build(&s, &variants[1], true);
	for (size_t k = 1; k < s.x[3].off; k += 7) {
		struct run u;
		run_start(&u, &s,
			  (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF});
		u.r.on_after_login = true;
		feed(&u.r, &u.g, s.b, k);
		feed(&u.r, &u.g, s.b + k, s.n - k);
		char *got = run_end(&u);
		char *want = expected_log(&s, 0, s.nx);
		assert_log(got, want, "switch after login");
		ck_assert_uint_eq(u.ctr.v[CTR_HDIGEST_BAD], 0);
		free(got);
		free(want);
	}
	stream_free(&s);
}
END_TEST

/* ---- incremental ---- */

START_TEST(test_every_split)
{
	const struct variant *v = &variants[_i / 2];
	struct stream s;
	build(&s, v, _i % 2);
	char *want = expected_log(&s, 0, s.nx);
	for (size_t k = 0; k <= s.n; k++) {
		struct counters c;
		char *got = run_stream(&s, v->m, SPLIT, k, &c);
		if (strcmp(got, want) != 0)
			ck_abort_msg(
			    "%s split at %zu:\n--- got\n%s--- want\n%s",
			    v->name, k, got, want);
		ck_assert_uint_eq(c.v[CTR_DIGEST_DETECTED], v->detected);
		free(got);
	}
	free(want);
	stream_free(&s);
}
END_TEST

START_TEST(test_byte_by_byte)
{
	const struct variant *v = &variants[_i / 2];
	struct stream s;
	build(&s, v, _i % 2);
	char *want = expected_log(&s, 0, s.nx);
	char *got = run_stream(&s, v->m, BYTES, 0, NULL);
	assert_log(got, want, v->name);
	free(got);
	for (unsigned seed = 1; seed <= 20; seed++) {
		got = run_stream(&s, v->m, RANDOM, seed, NULL);
		assert_log(got, want, v->name);
		free(got);
	}
	free(want);
	stream_free(&s);
}
END_TEST

/* ---- limits ---- */

/* The largest header: 1020 bytes of AHS plus a digest, straddling at
 * every split. */
START_TEST(test_max_ahs)
{
	for (int d = 0; d < 3; d++) {
		struct stream s = {0};
		s.hd = s.dd = d > 0;
		struct mode m = {FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF};
		if (d == 1)
			m = (struct mode){FRAMER_DIGEST_ON, FRAMER_DIGEST_ON};
		if (d == 2)
			m = (struct mode){FRAMER_DIGEST_UNKNOWN,
					  FRAMER_DIGEST_UNKNOWN};
		add(&s, 0x01, 0xa0, ISCSI_MAX_AHS_LEN, NULL, 37);
		add(&s, 0x01, 0xc0, ISCSI_MAX_AHS_LEN, NULL, 0);
		add(&s, 0x21, 0x80, 0, NULL, 0);
		char *want = expected_log(&s, 0, s.nx);
		for (size_t k = 0; k <= s.n; k++) {
			char *got = run_stream(&s, m, SPLIT, k, NULL);
			assert_log(got, want, "max AHS");
			free(got);
		}
		char *got = run_stream(&s, m, BYTES, 0, NULL);
		assert_log(got, want, "max AHS bytes");
		free(got);
		free(want);
		stream_free(&s);
	}
}
END_TEST

/* An idle framer is small and holds no heap memory; a long header that
 * spans chunks gets a buffer of its own length, freed once it is done. */
START_TEST(test_idle_small)
{
	ck_assert_uint_le(sizeof(struct framer), 200);
	struct stream s = {0};
	s.hd = s.dd = true;
	add(&s, 0x01, 0xa0, 20, NULL, 37);
	add(&s, 0x01, 0xc0, ISCSI_MAX_AHS_LEN, NULL, 0);
	add(&s, 0x21, 0x80, 0, NULL, 0);
	struct mode m = {FRAMER_DIGEST_ON, FRAMER_DIGEST_ON};
	char *want = expected_log(&s, 0, s.nx);
	const uint16_t need[2] = {48 + 20 + 4, 48 + ISCSI_MAX_AHS_LEN + 4};
	for (int i = 0; i < 2; i++) {
		const struct xpdu *x = &s.x[i];
		struct run u;
		run_start(&u, &s, m);
		feed(&u.r, &u.g, s.b, x->off + 50); /* BHS and 2 more */
		ck_assert_ptr_nonnull(u.f.big);
		ck_assert_uint_eq(u.f.big_cap, need[i]);
		feed(&u.r, &u.g, s.b + x->off + 50, s.n - x->off - 50);
		ck_assert_ptr_null(u.f.big); /* done with it */
		ck_assert_ptr_null(u.f.hyp);
		char *got = run_end(&u);
		assert_log(got, want, "long header split");
		free(got);
	}
	/* A BHS and its digest split anywhere stay in the framer. */
	for (size_t k = s.x[2].off; k <= s.n; k++) {
		struct run u;
		run_start(&u, &s, m);
		feed(&u.r, &u.g, s.b, k);
		ck_assert_ptr_null(u.f.big);
		feed(&u.r, &u.g, s.b + k, s.n - k);
		char *got = run_end(&u);
		assert_log(got, want, "BHS split");
		free(got);
	}
	free(want);
	stream_free(&s);
}
END_TEST

static void *alloc_fail(size_t n)
{
	(void)n;
	return NULL;
}

/* Out of memory: a long header that spans chunks is lost (counted) and
 * the framer resynchronises on the next PDU its header digest vouches
 * for; without digests no candidate can wait for confirmation, so
 * nothing is framed until memory comes back. Fed whole, nothing needs
 * memory. */
START_TEST(test_no_memory)
{
	struct stream s = {0};
	s.hd = s.dd = true;
	add(&s, 0x01, 0xc0, 0, NULL, 0);
	add(&s, 0x01, 0xa0, 20, NULL, 37); /* AHS: header of 72 bytes */
	add(&s, 0x05, 0x80, 0, NULL, 300);
	add(&s, 0x01, 0xc0, 0, NULL, 0);
	struct mode m = {FRAMER_DIGEST_ON, FRAMER_DIGEST_ON};
	framer_test_alloc(alloc_fail);
	struct counters c;
	char *got = run_stream(&s, m, WHOLE, 0, &c);
	char *want = expected_log(&s, 0, s.nx);
	assert_log(got, want, "no memory, fed whole");
	ck_assert_uint_eq(c.v[CTR_FRAMER_NOMEM], 0);
	free(got);
	free(want);

	const struct xpdu *x = &s.x[1];
	got = run_stream(&s, m, SPLIT, x->off + 60, &c);
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_full(&e, &s, &s.x[0]);
	expect_full(&e, &s, &s.x[2]);
	expect_full(&e, &s, &s.x[3]);
	assert_log(got, e.log, "no memory for a long header");
	ck_assert_uint_ge(c.v[CTR_FRAMER_NOMEM], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 0);
	free(got);
	free(e.log);
	stream_free(&s);

	/* No digests, mid-stream: every candidate needs the table. */
	build(&s, &variants[0], true);
	struct run u;
	run_start(&u, &s, variants[0].m);
	u.r.gaps = true;
	u.r.base = 1;
	framer_gap(&u.f, &cbs, &u.r, 0, true);
	feed(&u.r, &u.g, s.b + 1, s.n - 1);
	got = run_end(&u);
	ck_assert_str_eq(got, "");
	ck_assert_uint_gt(u.ctr.v[CTR_FRAMER_NOMEM], 0);
	ck_assert_uint_eq(u.ctr.v[CTR_PDUS], 0);
	free(got);
	stream_free(&s);
	framer_test_alloc(NULL);
}
END_TEST

/* DataSegmentLength 2^24-1: streamed through as spans of the caller's
 * chunks, never buffered, digest checked. */
START_TEST(test_max_dsl)
{
	struct stream s = {0};
	s.hd = s.dd = true;
	add(&s, 0x25, 0x81, 0, NULL, ISCSI_MAX_DSL);
	add(&s, 0x21, 0x80, 0, NULL, 0);
	struct mode m = {FRAMER_DIGEST_ON, FRAMER_DIGEST_ON};
	if (_i)
		m = (struct mode){FRAMER_DIGEST_UNKNOWN, FRAMER_DIGEST_UNKNOWN};
	struct run u;
	run_start(&u, &s, m);
	u.r.spans_in_chunk = true;
	for (size_t i = 0; i < s.n; i += 65536)
		feed(&u.r, &u.g, s.b + i, s.n - i < 65536 ? s.n - i : 65536);
	char *got = run_end(&u);
	char *want = expected_log(&s, 0, s.nx);
	assert_log(got, want, "max DSL");
	ck_assert_uint_eq(u.ctr.v[CTR_PDUS], 2);
	free(got);
	free(want);
	stream_free(&s);
}
END_TEST

/* ---- malformed ---- */

/* Every chunking gives the same events, whatever the damage. */
static char *run_all_ways(const struct stream *s, struct mode m,
			  struct counters *c)
{
	char *whole = run_stream(s, m, WHOLE, 0, c);
	for (size_t k = 0; k <= s->n; k++) {
		struct counters ck;
		char *got = run_stream(s, m, SPLIT, k, &ck);
		if (strcmp(got, whole) != 0)
			ck_abort_msg("split at %zu:\n--- got\n%s--- whole\n%s",
				     k, got, whole);
		ck_assert_mem_eq(&ck, c, sizeof(ck));
		free(got);
	}
	char *got = run_stream(s, m, BYTES, 0, NULL);
	assert_log(got, whole, "byte by byte");
	free(got);
	return whole;
}

/* An invalid opcode where a BHS is due: the framer counts it, scans,
 * and locks on the next PDU, confirmed by the one after it (or by its
 * header digest when digests are on). */
START_TEST(test_invalid_opcode)
{
	bool dig = _i;
	struct stream s = {0};
	s.hd = s.dd = dig;
	add(&s, 0x01, 0xc0, 0, NULL, 0);
	add(&s, 0x25, 0x00, 0, NULL, 301);
	size_t bad_at = s.n;
	uint8_t junk[100];
	memset(junk, 0xee, sizeof(junk));
	junk[0] = 0x1e; /* not an opcode */
	put(&s, junk, sizeof(junk));
	add(&s, 0x25, 0x00, 0, NULL, 1025);
	add(&s, 0x25, 0x81, 0, NULL, 30);
	add(&s, 0x21, 0x80, 0, NULL, 0);
	struct mode m =
	    dig ? (struct mode){FRAMER_DIGEST_ON, FRAMER_DIGEST_ON}
		: (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF};
	struct counters c;
	char *got = run_all_ways(&s, m, &c);
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_full(&e, &s, &s.x[0]);
	expect_full(&e, &s, &s.x[1]);
	if (dig)
		expect_full(&e, &s, &s.x[2]);
	else
		expect_header_only(&e, &s.x[2]);
	expect_full(&e, &s, &s.x[3]);
	expect_full(&e, &s, &s.x[4]);
	assert_log(got, e.log, "invalid opcode");
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC_SKIPPED_BYTES], s.x[2].off - bad_at);
	ck_assert_uint_eq(c.v[CTR_PDUS], 5);
	free(got);
	free(e.log);
	stream_free(&s);
}
END_TEST

/* AHS on a PDU that has none is invalid too. */
START_TEST(test_ahs_where_none)
{
	struct stream s = {0};
	add(&s, 0x20, 0x80, 0, NULL, 0);
	add(&s, 0x21, 0x80, 8, NULL, 0); /* SCSI Response with AHS */
	add(&s, 0x31, 0x80, 0, NULL, 0);
	add(&s, 0x25, 0x81, 0, NULL, 10);
	add(&s, 0x20, 0x80, 0, NULL, 0);
	struct counters c;
	char *got = run_all_ways(
	    &s, (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF}, &c);
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_full(&e, &s, &s.x[0]);
	expect_header_only(&e, &s.x[2]);
	expect_full(&e, &s, &s.x[3]);
	expect_full(&e, &s, &s.x[4]);
	assert_log(got, e.log, "AHS on SCSI Response");
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC_SKIPPED_BYTES], s.x[2].off - s.x[1].off);
	free(got);
	free(e.log);
	stream_free(&s);
}
END_TEST

START_TEST(test_bad_digests)
{
	struct stream s = {0};
	s.hd = s.dd = true;
	add(&s, 0x25, 0x00, 0, NULL, 100);
	struct xpdu *b = add(&s, 0x25, 0x00, 0, NULL, 101);
	struct xpdu *d = add(&s, 0x25, 0x81, 0, NULL, 102);
	add(&s, 0x21, 0x80, 0, NULL, 0);
	s.b[b->off + 48] ^= 0x01;  /* header digest of PDU 1 */
	s.b[d->data + 50] ^= 0x10; /* data of PDU 2 */
	for (int det = 0; det < 2; det++) {
		/* det: the digests were detected on PDU 0 */
		struct mode m = {FRAMER_DIGEST_ON, FRAMER_DIGEST_ON};
		if (det)
			m = (struct mode){FRAMER_DIGEST_UNKNOWN,
					  FRAMER_DIGEST_UNKNOWN};
		struct counters c;
		char *got = run_all_ways(&s, m, &c);
		struct rec e = {0};
		logf_(&e, "%s", "");
		expect_full(&e, &s, &s.x[0]);
		log_pdu(&e, b->off, OP_DATA_IN, b->b1, 0, b->dl, b->itt,
			PDU_DIGEST_BAD, b->dl, fnv(FNV0, s.b + b->data, b->dl),
			PDU_DIGEST_OK, false);
		log_pdu(&e, d->off, OP_DATA_IN, d->b1, 0, d->dl, d->itt,
			PDU_DIGEST_OK, d->dl, fnv(FNV0, s.b + d->data, d->dl),
			PDU_DIGEST_BAD, false);
		expect_full(&e, &s, &s.x[3]);
		assert_log(got, e.log, "bad digests");
		ck_assert_uint_eq(c.v[CTR_HDIGEST_BAD], 1);
		ck_assert_uint_eq(c.v[CTR_DDIGEST_BAD], 1);
		ck_assert_uint_eq(c.v[CTR_DIGEST_DETECTED], det ? 2 : 0);
		ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 0);
		free(got);
		free(e.log);
	}
	stream_free(&s);
}
END_TEST

/* A first PDU whose digests do not match, modes unknown: taken as "no
 * digests", the stream then makes no sense, framing is lost, and the
 * guess is forgotten so that the resync can find the digests again. */
START_TEST(test_detect_wrong_guess_recovers)
{
	struct stream s = {0};
	s.hd = s.dd = true;
	struct xpdu *a = add(&s, 0x20, 0x80, 0, NULL, 0);
	for (int i = 0; i < 4; i++)
		add(&s, 0x25, 0x00, 0, NULL, 64);
	s.b[a->off + 48] ^= 0xff; /* first header digest damaged */
	struct counters c;
	char *got = run_all_ways(
	    &s, (struct mode){FRAMER_DIGEST_UNKNOWN, FRAMER_DIGEST_UNKNOWN},
	    &c);
	/* The 4 digest bytes of PDU 0 are read as the next BHS. */
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	struct rec e = {0};
	logf_(&e, "%s", "");
	log_pdu(&e, a->off, OP_NOP_IN, 0x80, 0, 0, a->itt, PDU_DIGEST_ABSENT, 0,
		FNV0, PDU_DIGEST_ABSENT, false);
	for (int i = 1; i < s.nx; i++)
		expect_full(&e, &s, &s.x[i]);
	assert_log(got, e.log, "wrong guess");
	free(got);
	free(e.log);
	stream_free(&s);
}
END_TEST

/* A stretch of the stream lost to a capture gap. */
struct lost_span {
	size_t at, lost;
};

/* Feeds s with the ng spans of g (in stream order, apart) replaced by
 * gaps, split once more at every offset k (some k when s is long); all
 * ways must say the same. The first way's log, and its counters in *out. */
static char *run_with_gaps(const struct stream *s, struct mode m,
			   const struct lost_span *g, int ng,
			   struct counters *out)
{
	char *first = NULL;
	for (size_t k = 0; k <= s->n; k += (k < 400 ? 1 : 13)) {
		struct run u;
		run_start(&u, s, m);
		size_t pos = 0;
		for (int i = 0; i <= ng; i++) {
			size_t end = i < ng ? g[i].at : s->n;
			size_t c = k > pos && k < end ? k - pos : 0;
			feed(&u.r, &u.g, s->b + pos, c);
			feed(&u.r, &u.g, s->b + pos + c, end - pos - c);
			if (i == ng)
				break;
			u.r.gaps = true;
			framer_gap(&u.f, &cbs, &u.r, g[i].lost, false);
			pos = end + g[i].lost;
		}
		char *got = run_end(&u);
		if (!first) {
			first = got;
			*out = u.ctr;
		} else {
			assert_log(got, first, "gap, another split");
			ck_assert_mem_eq(&u.ctr, out, sizeof(*out));
			free(got);
		}
	}
	return first;
}

/* Feeds s with `lost` bytes at `at` replaced by a gap; all ways. */
static char *run_with_gap(const struct stream *s, struct mode m, size_t at,
			  size_t lost, struct counters *out)
{
	struct lost_span g = {at, lost};
	return run_with_gaps(s, m, &g, 1, out);
}

/* A gap inside a data segment ends that PDU (data_lost, digest
 * unchecked); its length is known, so the framer stays in step. */
START_TEST(test_gap_in_data)
{
	const struct variant *v = &variants[_i];
	struct stream s = {0};
	s.hd = v->hd;
	s.dd = v->dd;
	add(&s, 0x01, 0xa0, 0, NULL, 0);
	struct xpdu *x = add(&s, 0x05, 0x80, 0, NULL, 2001);
	add(&s, 0x05, 0x80, 0, NULL, 11);
	add(&s, 0x01, 0xc0, 0, NULL, 0);
	add(&s, 0x06 | 0x40, 0x80, 0, NULL, 0);
	size_t at = x->data + 700, lost = 1000;
	struct counters c;
	char *got = run_with_gap(&s, v->m, at, lost, &c);
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_full(&e, &s, &s.x[0]);
	int hd = x->hd ? PDU_DIGEST_OK : PDU_DIGEST_ABSENT;
	/* PDU 0 has no data: with the mode unknown, dd is still unknown at
	 * PDU 1, so its lost digest is "unchecked" as when it is on. */
	int dd = v->m.dd == FRAMER_DIGEST_OFF ? PDU_DIGEST_ABSENT
					      : PDU_DIGEST_UNCHECKED;
	log_pdu(&e, x->off, OP_DATA_OUT, x->b1, 0, x->dl, x->itt, hd, 700,
		fnv(FNV0, s.b + x->data, 700), dd, true);
	for (int i = 2; i < s.nx; i++)
		expect_full(&e, &s, &s.x[i]);
	assert_log(got, e.log, v->name);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 0);
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 0);
	ck_assert_uint_eq(c.v[CTR_PDUS], (uint64_t)s.nx);
	free(got);
	free(e.log);
	stream_free(&s);
}
END_TEST

/* Data-In x0, Data-In x1 (data d of dl bytes; NULL: a pattern), Data-In
 * x2, a final Data-In x3 and a SCSI Response x4: the stream the tests of
 * a gap over x1's header cut. Returns x1. */
static struct xpdu *add_gap_stream(struct stream *s, const uint8_t *d,
				   uint32_t dl)
{
	add(s, 0x25, 0x00, 0, NULL, 100);
	struct xpdu *x = add(s, 0x25, 0x00, 0, d, dl);
	add(s, 0x25, 0x00, 0, NULL, 100);
	add(s, 0x25, 0x81, 0, NULL, 100);
	add(s, 0x21, 0x80, 0, NULL, 0);
	return x;
}

/* What the framer must say of it once x1's header is lost: x0 whole, x2
 * as a confirmed candidate (its header only), x3 and x4 whole. */
static char *resynced_on_x2(const struct stream *s)
{
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_full(&e, s, &s->x[0]);
	expect_header_only(&e, &s->x[2]);
	expect_full(&e, s, &s->x[3]);
	expect_full(&e, s, &s->x[4]);
	return e.log;
}

/* Cuts `lost` bytes at `at` (within x1's header), every split of the
 * rest, and checks the framer says resynced_on_x2(); its counters in *c. */
static void gap_resyncs_on_x2(const struct stream *s, size_t at, size_t lost,
			      const char *what, struct counters *c)
{
	char *got = run_with_gap(
	    s, (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF}, at, lost,
	    c);
	char *want = resynced_on_x2(s);
	assert_log(got, want, what);
	free(got);
	free(want);
}

/* A gap that swallows a header: resync on the PDUs after it. */
START_TEST(test_gap_over_header)
{
	struct stream s = {0};
	struct xpdu *x = add_gap_stream(&s, NULL, 100);
	size_t at = x->off + 10, lost = 60;
	struct counters c;
	gap_resyncs_on_x2(&s, at, lost, "gap over a header", &c);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	/* The 10 bytes of the header the gap cut are dropped, not
	 * counted as skipped by the resync. */
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC_SKIPPED_BYTES],
			  s.x[2].off - (at + lost));
	stream_free(&s);
}
END_TEST

/* After a gap that swallows a header the resync tests only the offsets
 * where the stream's BHSs fall mod 4 (every PDU is a multiple of 4 bytes
 * long): two plausible NOP-Ins in the lost PDU's data, 2 bytes off that
 * residue, the second where the first says the next BHS is due, are
 * passed over; the resync lands on the next real PDU. */
START_TEST(test_gap_resync_aligned)
{
	struct stream s = {0};
	uint8_t d[200];
	memset(d, 0xee, sizeof(d));
	static const uint8_t nop_in[48] = {0x20, 0x80};
	memcpy(d + 6, nop_in, sizeof(nop_in));
	memcpy(d + 54, nop_in, sizeof(nop_in));
	struct xpdu *x = add_gap_stream(&s, d, sizeof(d));
	REQUIRE((x->data + 6) % 4 == 2);
	struct counters c;
	gap_resyncs_on_x2(&s, x->off + 10, 30, "misaligned fakes after a gap",
			  &c);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 0);
	stream_free(&s);
}
END_TEST

/* x1's header lost as in test_gap_over_header, then a second gap of
 * known length inside x2's data, 30 bytes long or (up_to_x3) ending
 * right where x3's BHS begins: the candidate x2, seen before it, is
 * still confirmed by x3, as with no second gap. Stream offsets hold
 * across a gap; dropping the candidate there would have made x3 the
 * candidate and lost its data too. */
static void second_gap_keeps_x2(bool up_to_x3, const char *what)
{
	struct stream s = {0};
	struct xpdu *x = add_gap_stream(&s, NULL, 100);
	size_t at = s.x[2].data + 20;
	struct lost_span g[2] = {{x->off + 10, 60},
				 {at, up_to_x3 ? s.x[3].off - at : 30}};
	struct counters c;
	char *got = run_with_gaps(
	    &s, (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF}, g, 2, &c);
	char *want = resynced_on_x2(&s);
	assert_log(got, want, what);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	ck_assert_uint_eq(c.v[CTR_PDUS], 4);
	free(got);
	free(want);
	stream_free(&s);
}

START_TEST(test_candidate_survives_gap)
{
	second_gap_keeps_x2(false, "a gap inside the candidate");
}
END_TEST

/* The first byte after a gap is where a kept candidate's BHS may be due. */
START_TEST(test_candidate_gap_ends_at_bhs)
{
	second_gap_keeps_x2(true, "a gap up to the BHS that confirms");
}
END_TEST

/* A candidate whose next BHS falls inside a later gap cannot be
 * confirmed: the resync goes on after that gap; x4 becomes the
 * candidate, confirmed by x5. */
START_TEST(test_candidate_dies_in_gap)
{
	struct stream s = {0};
	struct xpdu *x = add_gap_stream(&s, NULL, 100);
	add(&s, 0x25, 0x00, 0, NULL, 100);
	const struct xpdu *x3 = &s.x[3];
	struct lost_span g[2] = {{x->off + 10, 60}, {x3->off - 8, 16}};
	struct counters c;
	char *got = run_with_gaps(
	    &s, (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF}, g, 2, &c);
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_full(&e, &s, &s.x[0]);
	expect_header_only(&e, &s.x[4]);
	expect_full(&e, &s, &s.x[5]);
	assert_log(got, e.log, "the candidate's successor in a gap");
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	free(got);
	free(e.log);
	stream_free(&s);
}
END_TEST

/* Data-In PDUs of 100 bytes, no digests, framed with the data digest
 * mode unknown (the login was not seen), so it is guessed OFF at x0.
 * x0..x(k-1) whole (x1.. with Data-In flags b1), x(k)'s header lost in a
 * gap, a resync on x(k+1), confirmed by x(k+2), which a second gap cuts;
 * two more PDUs. Checks the log and that x(k+2) reports data digest dd:
 * ABSENT when the guess was kept across the resync, UNCHECKED when it
 * was forgotten. */
static void guess_across_resync(int k, uint8_t b1, int dd, const char *what)
{
	struct stream s = {0};
	for (int i = 0; i < k + 5; i++)
		add(&s, 0x25, i == k + 4 ? 0x81 : i && i < k ? b1 : 0x00, 0,
		    NULL, 100);
	const struct xpdu *cut = &s.x[k + 2];
	struct lost_span g[2] = {{s.x[k].off + 10, 60}, {cut->data + 20, 30}};
	struct counters c;
	char *got = run_with_gaps(
	    &s, (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_UNKNOWN}, g, 2,
	    &c);
	struct rec e = {0};
	logf_(&e, "%s", "");
	for (int i = 0; i < k; i++)
		expect_full(&e, &s, &s.x[i]);
	expect_header_only(&e, &s.x[k + 1]);
	log_pdu(&e, cut->off, OP_DATA_IN, cut->b1, 0, cut->dl, cut->itt,
		PDU_DIGEST_ABSENT, 20, fnv(FNV0, s.b + cut->data, 20), dd, true);
	for (int i = k + 3; i < k + 5; i++)
		expect_full(&e, &s, &s.x[i]);
	assert_log(got, e.log, what);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	ck_assert_uint_eq(c.v[CTR_DIGEST_DETECTED], 0);
	free(got);
	free(e.log);
	stream_free(&s);
}

/* FRAMER_GUESS_VOTES (3) plausible BHSs after x0, x1, x2 vouch for the
 * guess: it is kept across the resync. */
START_TEST(test_vouched_guess_kept)
{
	REQUIRE(FRAMER_GUESS_VOTES == 3);
	guess_across_resync(4, 0x00, PDU_DIGEST_ABSENT, "a vouched guess");
}
END_TEST

/* One vote short (the resync comes a PDU earlier), or votes from BHSs
 * that are valid but not plausible (Data-In with a reserved flag, 0x08:
 * what a wrong guess's 4-bytes-early position may hold), the guess is
 * forgotten at the resync. */
START_TEST(test_unvouched_guess_forgotten)
{
	REQUIRE(FRAMER_GUESS_VOTES == 3);
	guess_across_resync(3, 0x00, PDU_DIGEST_UNCHECKED, "one vote short");
	guess_across_resync(4, 0x08, PDU_DIGEST_UNCHECKED,
			    "implausible BHSs do not vouch");
}
END_TEST

/* Takes n bytes out of s at `at`; the PDUs after it move back. */
static void cut_bytes(struct stream *s, size_t at, size_t n)
{
	memmove(s->b + at, s->b + at + n, s->n - at - n);
	s->n -= n;
	for (int i = 0; i < s->nx; i++)
		if (s->x[i].off > at) {
			s->x[i].off -= n;
			s->x[i].data -= n;
		}
}

/* A peer that does not pad (5 bytes of data, the next BHS right after):
 * framing is lost where the BHS was due (3 bytes into the next PDU, which
 * is passed over), and with it the residue, so the resync finds the PDUs
 * after it, 3 bytes off the old residue. */
START_TEST(test_unpadded_forgets_alignment)
{
	struct stream s = {0};
	struct xpdu *x = add_gap_stream(&s, NULL, 5);
	cut_bytes(&s, x->data + 5, 3);
	REQUIRE(s.x[2].off % 4 == 1);
	struct counters c;
	char *got = run_stream(&s, (struct mode){FRAMER_DIGEST_OFF,
						 FRAMER_DIGEST_OFF},
			       WHOLE, 0, &c);
	ck_assert_uint_eq(c.v[CTR_PDU_INVALID_BHS], 1);
	ck_assert_uint_eq(c.v[CTR_PDU_RESYNC], 1);
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_full(&e, &s, &s.x[0]);
	expect_full(&e, &s, &s.x[1]);
	expect_header_only(&e, &s.x[3]);
	expect_full(&e, &s, &s.x[4]);
	assert_log(got, e.log, "unpadded PDU");
	free(got);
	free(e.log);
	stream_free(&s);
}
END_TEST

/* A gap that hid an unpadded PDU: the BHSs after it are 2 bytes off the
 * residue the framer knew. The residue holds for FRAMER_ALIGN_SCAN_MAX
 * bytes of scanning, then every offset is tested again, and the resync
 * finds them. */
START_TEST(test_gap_hid_misalignment)
{
	struct stream s = {0};
	uint32_t big = FRAMER_ALIGN_SCAN_MAX + (1u << 19);
	uint8_t *d = malloc(big);
	ck_assert_ptr_nonnull(d);
	memset(d, 0xee, big); /* never plausible: byte 0's top bit */
	struct xpdu *x = add_gap_stream(&s, d, big);
	free(d);
	cut_bytes(&s, x->data + 1000, 2);
	REQUIRE(s.x[2].off % 4 == 2);
	size_t at = x->off + 10, lost = 30;
	struct run u;
	run_start(&u, &s, (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF});
	feed(&u.r, &u.g, s.b, at);
	u.r.gaps = true;
	framer_gap(&u.f, &cbs, &u.r, lost, false);
	feed(&u.r, &u.g, s.b + at + lost, s.n - at - lost);
	char *got = run_end(&u);
	char *want = resynced_on_x2(&s);
	assert_log(got, want, "a gap hid a misalignment");
	ck_assert_uint_eq(u.ctr.v[CTR_PDU_RESYNC], 1);
	free(got);
	free(want);
	stream_free(&s);
}
END_TEST

/* The capture starts at every offset of the stream: the framer finds
 * the first PDU that begins after it (whole when a header digest vouches
 * for it, else header only) and then every PDU after it. */
START_TEST(test_midstream_every_offset)
{
	const struct variant *v = &variants[_i / 2];
	struct stream s;
	build(&s, v, _i % 2);
	for (size_t x = 0; x < s.n; x++) {
		int k = 0;
		while (k < s.nx && s.x[k].off < x)
			k++;
		struct run u;
		run_start(&u, &s, v->m);
		u.r.base = x;
		u.r.gaps = true;
		framer_gap(&u.f, &cbs, &u.r, 0, true);
		if (x % 3 == 0) {
			for (size_t i = x; i < s.n; i++)
				feed(&u.r, &u.g, s.b + i, 1);
		} else {
			size_t mid = x + (s.n - x) / 2;
			feed(&u.r, &u.g, s.b + x, mid - x);
			feed(&u.r, &u.g, s.b + mid, s.n - mid);
		}
		char *got = run_end(&u);
		struct rec e = {0};
		logf_(&e, "%s", "");
		bool vouched = v->hd && v->m.hd != FRAMER_DIGEST_OFF;
		if (k < s.nx) {
			const struct xpdu *c = &s.x[k];
			bool login = (c->b0 & 0x3f) == OP_LOGIN_REQ ||
				     (c->b0 & 0x3f) == OP_LOGIN_RSP;
			if (vouched && !login)
				expect_full(&e, &s, c);
			else if (k + 1 < s.nx)
				expect_header_only(&e, c);
		}
		for (int i = k + 1; i < s.nx; i++)
			expect_full(&e, &s, &s.x[i]);
		if (strcmp(got, e.log) != 0)
			ck_abort_msg("%s from %zu:\n--- got\n%s--- want\n%s",
				     v->name, x, got, e.log);
		if (k + 1 < s.nx) {
			ck_assert_uint_eq(u.ctr.v[CTR_PDU_RESYNC], 1);
			ck_assert_uint_eq(u.ctr.v[CTR_PDU_RESYNC_SKIPPED_BYTES],
					  s.x[k].off - x);
		}
		ck_assert_uint_eq(u.ctr.v[CTR_PDU_INVALID_BHS], 0);
		free(got);
		free(e.log);
	}
	stream_free(&s);
}
END_TEST

/* Zeros (a common data pattern) never look like a BHS: the NOP-Out's
 * fixed F bit rules them out. */
START_TEST(test_resync_over_zeros)
{
	struct stream s = {0};
	static const uint8_t zeros[8192];
	add(&s, 0x25, 0x00, 0, zeros, sizeof(zeros));
	add(&s, 0x25, 0x00, 0, zeros, 512);
	add(&s, 0x25, 0x81, 0, zeros, 512);
	add(&s, 0x21, 0x80, 0, NULL, 0);
	struct run u;
	run_start(&u, &s, (struct mode){FRAMER_DIGEST_OFF, FRAMER_DIGEST_OFF});
	u.r.base = 100;
	u.r.gaps = true;
	framer_gap(&u.f, &cbs, &u.r, 0, true);
	feed(&u.r, &u.g, s.b + 100, s.n - 100);
	char *got = run_end(&u);
	struct rec e = {0};
	logf_(&e, "%s", "");
	expect_header_only(&e, &s.x[1]);
	expect_full(&e, &s, &s.x[2]);
	expect_full(&e, &s, &s.x[3]);
	assert_log(got, e.log, "zeros");
	free(got);
	free(e.log);
	stream_free(&s);
}
END_TEST

/* The end of the stream inside a PDU ends it with data_lost; a header
 * still waiting for the 4 bytes that may be its digest is delivered. */
START_TEST(test_finish_inside)
{
	struct stream s = {0};
	add(&s, 0x25, 0x00, 0, NULL, 100);
	add(&s, 0x20, 0x80, 0, NULL, 0);
	for (int m = 0; m < 2; m++) {
		enum framer_digest_mode md =
		    m ? FRAMER_DIGEST_UNKNOWN : FRAMER_DIGEST_OFF;
		/* stop in the data of PDU 0 */
		struct run u;
		run_start(&u, &s, (struct mode){md, md});
		feed(&u.r, &u.g, s.b, 48 + 30);
		char *got = run_end(&u);
		struct rec e = {0};
		logf_(&e, "%s", "");
		log_pdu(&e, 0, OP_DATA_IN, 0, 0, 100, s.x[0].itt,
			PDU_DIGEST_ABSENT, 30, fnv(FNV0, s.b + 48, 30),
			m ? PDU_DIGEST_UNCHECKED : PDU_DIGEST_ABSENT, true);
		assert_log(got, e.log, "finish in data");
		free(got);
		free(e.log);
		/* the whole stream: the NOP-In ends it */
		got = run_stream(&s, (struct mode){md, md}, BYTES, 0, NULL);
		char *want = expected_log(&s, 0, s.nx);
		assert_log(got, want, "finish after a header");
		free(got);
		free(want);
	}
	stream_free(&s);
}
END_TEST

/* Random bytes and random damage: whatever comes, events are well
 * formed (checked by the callbacks) and the same for every chunking. */
/* The resync scan screens 16, 32 or 64 offsets at a time and checks
 * only what the screen lets through: it must find exactly what checking
 * one offset at a time finds (a 48-byte window is checked alone, without
 * a screen), for every byte 0 and byte 1, with and without AHS length
 * and data, in both directions and unknown, at every lane of a 64-offset
 * block and of the partial block after it, with each screen the CPU
 * has. */
static size_t scan_one_by_one(const struct framer *f, const uint8_t *p,
			      size_t n)
{
	for (size_t j = 0; j + 48 <= n; j++)
		if (framer_scan(f, p + j, 48) == 0)
			return j;
	return n < 48 ? 0 : n - 47;
}

/* The same, testing only the offsets j with j mod 4 == first. */
static size_t scan_one_by_one_aligned(const struct framer *f,
				      const uint8_t *p, size_t n,
				      unsigned first)
{
	for (size_t j = first; j + 48 <= n; j += 4)
		if (framer_scan(f, p + j, 48) == 0)
			return j;
	return n < 48 ? 0 : n - 47;
}

START_TEST(test_scan_screen_exhaustive)
{
	int lv = _i;
	if (framer_test_scan_level(lv) != lv)
		return; /* the CPU lacks that one */
	struct framer f;
	framer_init(&f, NULL);
	static const uint8_t b4s[] = {0, 1, 0x80};
	/* Room for a whole 64-offset block and a tail after it. */
	uint8_t buf[83 + 48 + 40];
	size_t found = 0;
	for (unsigned dir = 0; dir <= 2; dir++) {
		f.dir = (uint8_t)dir;
		for (unsigned b0 = 0; b0 < 256; b0++)
			for (unsigned b1 = 0; b1 < 256; b1++)
				for (unsigned v = 0; v < 6; v++) {
					size_t k = (b0 * 7 + b1 + v * 13) % 83;
					memset(buf, 0xff, sizeof(buf));
					uint8_t *h = buf + k;
					memset(h, 0, 48);
					h[0] = (uint8_t)b0;
					h[1] = (uint8_t)b1;
					h[4] = b4s[v % 3];
					h[7] = v >= 3 ? 0x10 : 0;
					size_t want = scan_one_by_one(
					    &f, buf, sizeof(buf));
					REQUIRE(
					    framer_scan(&f, buf, sizeof(buf)) ==
					    want);
					found += want == k;
				}
	}
	/* Not vacuous: many headers are plausible where they were put. */
	ck_assert_uint_gt(found, 1000);
	ck_assert_uint_eq(framer_scan(&f, buf, 47), 0);
	framer_test_scan_level(99);
}
END_TEST

/* The aligned scan gathers bytes 0, 1 and 4 of 64 offsets from 256
 * bytes: a header at each of them (every lane, both halves, the last
 * lane whose byte 4 lies past the 256), with byte 4 zero (plausible) or
 * not, is found exactly where testing one offset at a time finds it. */
START_TEST(test_scan_aligned_lanes)
{
	int lv = _i;
	if (framer_test_scan_level(lv) != lv)
		return;
	struct framer f;
	framer_init(&f, NULL);
	uint8_t buf[1024];
	size_t found = 0;
	for (unsigned r = 0; r < 4; r++)
		for (unsigned t = 0; t < 64; t++)
			for (unsigned v = 0; v < 2; v++) {
				memset(buf, 0xee, sizeof(buf));
				size_t pos = 256 + r + 4 * t;
				memset(buf + pos, 0, 48);
				buf[pos] = 0x20; /* NOP-In */
				buf[pos + 1] = 0x80;
				buf[pos + 3] = 0x5a; /* unchecked: not byte 4 */
				buf[pos + 4] = (uint8_t)v; /* AHS: implausible */
				size_t want = scan_one_by_one_aligned(
				    &f, buf, sizeof(buf), r);
				REQUIRE(framer_scan_aligned(&f, buf, sizeof(buf),
							    r) == want);
				REQUIRE((want == pos) == (v == 0));
				found += want == pos;
			}
	ck_assert_uint_eq(found, 4 * 64);
	/* Every length around one and two whole blocks, in a heap block of
	 * exactly that size (under ASan a read past it fails), with a
	 * header in the last place it fits: the loop must stop where the
	 * whole blocks do (fuzz_framer found it reading one block on). */
	for (size_t n = 240; n < 600; n++) {
		uint8_t *b = malloc(n);
		ck_assert_ptr_nonnull(b);
		memset(b, 0xee, n);
		memset(b + n - 48, 0, 48);
		b[n - 48] = 0x20;
		b[n - 47] = 0x80;
		for (unsigned r = 0; r < 4; r++)
			REQUIRE(framer_scan_aligned(&f, b, n, r) ==
				scan_one_by_one_aligned(&f, b, n, r));
		free(b);
	}
	framer_test_scan_level(99);
}
END_TEST

/* The same on random bytes and on mostly-zero bytes (sparse disks),
 * rescanning from just after each hit, from every start offset mod 16. */
START_TEST(test_scan_screen_random)
{
	int lv = _i;
	if (framer_test_scan_level(lv) != lv)
		return;
	struct framer f;
	framer_init(&f, NULL);
	size_t n = 1 << 18, hits = 0;
	uint8_t *b = malloc(n);
	ck_assert_ptr_nonnull(b);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t r = (uint8_t)(x >> 16);
		/* second half: zeros with a byte here and there */
		b[i] = i < n / 2 ? r : ((x >> 8) % 61 == 0 ? r : 0);
	}
	for (unsigned dir = 0; dir <= 2; dir++) {
		f.dir = (uint8_t)dir;
		for (size_t i = dir; i + 48 <= n;) {
			size_t got = framer_scan(&f, b + i, n - i);
			size_t want = scan_one_by_one(&f, b + i, n - i);
			REQUIRE(got == want);
			/* Restricted to one residue, from the same start. */
			for (unsigned r = 0; r < 4; r++)
				REQUIRE(framer_scan_aligned(&f, b + i, n - i,
							    r) ==
					scan_one_by_one_aligned(&f, b + i,
								n - i, r));
			if (i + got + 48 > n)
				break;
			hits++;
			i += got + 1;
		}
	}
	ck_assert_uint_gt(hits, 100);
	free(b);
	framer_test_scan_level(99);
}
END_TEST

START_TEST(test_garbage)
{
	struct stream s;
	build(&s, &variants[2], true);
	srand(99);
	for (int round = 0; round < 30; round++) {
		struct stream d = {0};
		put(&d, s.b, s.n);
		for (int i = 0; i < 1 + round % 5; i++)
			d.b[(size_t)rand() % d.n] = (uint8_t)rand();
		struct mode m = {(enum framer_digest_mode)(round % 3),
				 (enum framer_digest_mode)((round / 3) % 3)};
		struct run u;
		run_start(&u, &d, m);
		u.r.orig = d.b;
		feed(&u.r, &u.g, d.b, d.n);
		char *whole = run_end(&u);
		for (unsigned seed = 1; seed < 6; seed++) {
			char *got = run_stream(&d, m, RANDOM, seed, NULL);
			assert_log(got, whole, "garbage");
			free(got);
		}
		free(whole);
		stream_free(&d);
	}
	stream_free(&s);
}
END_TEST

Suite *framer_suite(void)
{
	Suite *s = suite_create("framer");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_whole, 0, 2 * NVARIANTS);
	tcase_add_test(tc, test_zero_copy);
	tcase_add_test(tc, test_login_never_digested);
	tcase_add_test(tc, test_digests_switched_after_login);
	suite_add_tcase(s, tc);

	tc = tcase_create("incremental");
	tcase_add_loop_test(tc, test_every_split, 0, 2 * NVARIANTS);
	tcase_add_loop_test(tc, test_byte_by_byte, 0, 2 * NVARIANTS);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_max_ahs);
	tcase_add_loop_test(tc, test_max_dsl, 0, 2);
	tcase_add_test(tc, test_idle_small);
	tcase_add_test(tc, test_no_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_invalid_opcode, 0, 2);
	tcase_add_test(tc, test_ahs_where_none);
	tcase_add_test(tc, test_bad_digests);
	tcase_add_test(tc, test_detect_wrong_guess_recovers);
	tcase_add_loop_test(tc, test_gap_in_data, 0, NVARIANTS);
	tcase_add_test(tc, test_gap_over_header);
	tcase_add_test(tc, test_candidate_survives_gap);
	tcase_add_test(tc, test_candidate_gap_ends_at_bhs);
	tcase_add_test(tc, test_candidate_dies_in_gap);
	tcase_add_test(tc, test_vouched_guess_kept);
	tcase_add_test(tc, test_unvouched_guess_forgotten);
	tcase_add_test(tc, test_gap_resync_aligned);
	tcase_add_test(tc, test_unpadded_forgets_alignment);
	tcase_add_test(tc, test_gap_hid_misalignment);
	tcase_add_loop_test(tc, test_midstream_every_offset, 0, 2 * NVARIANTS);
	tcase_add_test(tc, test_resync_over_zeros);
	tcase_add_test(tc, test_finish_inside);
	tcase_add_test(tc, test_garbage);
	/* every screen the CPU has: 0 SSE2, 1 AVX2, 2 AVX-512 */
	tcase_add_loop_test(tc, test_scan_screen_exhaustive, 0, 3);
	tcase_add_loop_test(tc, test_scan_screen_random, 0, 3);
	tcase_add_loop_test(tc, test_scan_aligned_lanes, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
