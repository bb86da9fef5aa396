/* fuzz_login.c - libFuzzer target: Login/Text PDUs through the login state
 * machine, the text accumulator and negotiation (RFC 7143 §6, §11.10-13).
 *
 * Input: a sequence of records
 *   ctl(1) opsel(1) flags(1) class(1) detail(1) tsih(2) dlen(2) data(dlen)
 * Each record becomes a 48-byte BHS decoded by login_view_parse(), fed
 * either whole (login_pdu) or in chunks (login_begin/data/end) and, on
 * the ctl bits' say, preceded by a gap or followed by a close.
 *
 * Invariants: neg_compute() results are within their enums, and no
 * CHAP_C/CHAP_R value (secret-derived) is anywhere in struct login or its
 * text buffers once the sequences are over.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static const uint8_t opcodes[4] = {OP_LOGIN_REQ, OP_LOGIN_RSP, OP_TEXT_REQ,
				   OP_TEXT_RSP};

static void check_result(const struct neg_result *r)
{
	check(r->state <= NEG_INVALID);
	check(neg_state_name((enum neg_state)r->state) != NULL);
}

static void check_values(const struct neg_values *v)
{
	const struct neg_result *r = &v->session_type;
	size_t n = sizeof(*v) / sizeof(*r);
	for (size_t i = 0; i < n; i++)
		check_result(&r[i]);
}

/* True when the `n` bytes at p occur in the login's memory. */
static bool login_holds(const struct login *l, const uint8_t *p, size_t n)
{
	if (memmem(l, sizeof(*l), p, n))
		return true;
	/* Only bytes the module holds: the rest of a heap block is whatever
	 * malloc returned (libFuzzer's own freed copies of the input, which
	 * made a false positive once). */
	for (int s = 0; s < 2; s++)
		if (l->txt[s].buf && memmem(l->txt[s].buf, l->txt[s].len, p, n))
			return true;
	if (l->st && memmem(l->st->t, sizeof(l->st->t[0]) * l->st->count, p, n))
		return true;
	/* the negotiation record's strings (interned) and values kept whole */
	const struct neg_str *strs[] = {
	    &l->neg.initiator_name,  &l->neg.target_name,
	    &l->neg.initiator_alias, &l->neg.target_alias,
	    &l->neg.target_address,  &l->neg.chap.name[0],
	    &l->neg.chap.name[1]};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strs[i]->s && memmem(strs[i]->s, strlen(strs[i]->s), p, n))
			return true;
	if (l->neg.wide &&
	    memmem(l->neg.wide, l->neg.nwide * sizeof(*l->neg.wide), p, n))
		return true;
	return false;
}

/* A declared string as negotiate.c keeps it: cut at NEG_STR_MAX - 1
 * bytes, flagged when cut. */
static bool name_ok(const struct neg_str *s)
{
	if (!s->seen)
		return s->s == NULL;
	size_t n = strlen(s->s);
	return n <= NEG_STR_MAX - 1 && (s->truncated || n <= s->len);
}

/* Whether the n bytes at v could only be a copy of them: 4 or more
 * distinct byte values. A run of one byte (0xff x 11, found by fuzz-ci
 * in the -1 cells of struct neg) or of two is also what memory holds. */
static bool distinctive(const uint8_t *v, size_t n)
{
	bool seen[256] = {false};
	unsigned k = 0;
	for (size_t i = 0; i < n && k < 4; i++)
		if (!seen[v[i]]) {
			seen[v[i]] = true;
			k++;
		}
	return k >= 4;
}

/* Data segments of the records, to find whole text items. */
#define SEG_MAX 4096
struct seg {
	size_t off, len;
};

/* Every CHAP_C=/CHAP_R= item that lies whole inside one data segment,
 * after a NUL of that segment and before another (so it is an item of
 * the text for sure, not the tail of a value continued from an earlier
 * PDU), long enough and varied enough to be unmistakable (distinctive())
 * and found only once in the input,
 * must not be held by the login. */
static void check_no_secrets(const struct login *l, const uint8_t *in,
			     size_t size, const struct seg *segs, size_t nsegs)
{
	static const char *const keys[] = {"\0CHAP_C=", "\0CHAP_R="};
	for (size_t si = 0; si < nsegs; si++) {
		const uint8_t *base = in + segs[si].off;
		size_t blen = segs[si].len;
		for (int k = 0; k < 2; k++) {
			const uint8_t *p = base;
			size_t left = blen;
			const uint8_t *hit;
			while ((hit = memmem(p, left, keys[k], 8)) != NULL) {
				const uint8_t *v = hit + 8;
				size_t vmax = blen - (size_t)(v - base);
				const uint8_t *nul = memchr(v, 0, vmax);
				size_t vn = nul ? (size_t)(nul - v) : 0;
				if (nul && vn >= 10 && distinctive(v, vn)) {
					const uint8_t *first =
						memmem(in, size, v, vn);
					const uint8_t *again = memmem(
						first + 1,
						size - (size_t)(first + 1 - in),
						v, vn);
					if (!again && login_holds(l, v, vn)) {
						fprintf(stderr,
							"secret held: %.*s (input offset %zu)\n",
							(int)vn,
							(const char *)v,
							(size_t)(v - in));
						check(false);
					}
				}
				p = v;
				left = blen - (size_t)(v - base);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct counters ctr = {0};
	struct login l;
	login_init(&l, &ctr);
	const uint8_t *p = data;
	size_t left = size;
	static struct seg segs[SEG_MAX];
	size_t nsegs = 0;
	while (left >= 9) {
		uint8_t ctl = p[0], opsel = p[1];
		uint8_t bhs[ISCSI_BHS_LEN] = {0};
		bhs[0] = (opsel & 0x80) ? (opsel & 0x7f)
					: (uint8_t)(opcodes[opsel & 3] |
						    (opsel & 0x40));
		bhs[1] = p[2];
		bhs[2] = opsel & 0x10 ? 0 : 1; /* version-max / -active */
		bhs[3] = 0;
		size_t dlen = (size_t)p[7] << 8 | p[8];
		p += 9;
		left -= 9;
		if (dlen > left)
			dlen = left;
		if (nsegs < SEG_MAX)
			segs[nsegs++] = (struct seg){(size_t)(p - data), dlen};
		bhs[5] = (uint8_t)(dlen >> 16);
		bhs[6] = (uint8_t)(dlen >> 8);
		bhs[7] = (uint8_t)dlen;
		memcpy(bhs + 8, "\x80\x12\x34\x56\x00\x01", 6);
		bhs[8] ^= opsel & 0x20; /* now and then another ISID */
		bhs[14] = p[-4];
		bhs[15] = p[-3];
		bhs[16] = ctl; /* ITT */
		bhs[36] = p[-6];
		bhs[37] = p[-5];

		if (ctl & 0x01)
			login_gap(&l, (ctl & 0x02) ? NEG_TARGET : NEG_INITIATOR);
		if (ctl & 0x04) {
			struct login_pdu_view v;
			login_view_parse(bhs, &v);
			if (ctl & 0x08)
				v.data_len = (uint32_t)(dlen + (ctl >> 4));
			login_pdu(&l, &v, p, dlen);
		} else {
			login_begin(&l, bhs);
			/* data in pieces of (ctl >> 4) + 1 bytes */
			size_t step = (size_t)(ctl >> 4) + 1, off = 0;
			while (off < dlen) {
				size_t n = dlen - off < step ? dlen - off : step;
				uint8_t *c = malloc(n);
				if (!c)
					break;
				memcpy(c, p + off, n);
				login_data(&l, c, n);
				free(c);
				off += n;
			}
			login_end(&l, (ctl & 0x08) != 0);
		}
		p += dlen;
		left -= dlen;
		if ((ctl & 0xf0) == 0xf0)
			login_close(&l);
	}

	struct neg_values v;
	login_values(&l, &v);
	check_values(&v);
	neg_compute(&l.neg, true, &v);
	check_values(&v);
	neg_compute(&l.neg, false, &v);
	check_values(&v);
	enum login_digest hd, dd;
	login_digests(&l, &hd, &dd);
	check(hd <= LOGIN_DIGEST_CRC32C && dd <= LOGIN_DIGEST_CRC32C);
	check(login_outcome_name(l.outcome) != NULL);
	check(iscsi_login_status_str(l.status_class, l.status_detail) != NULL);
	for (int s = 0; s < 2; s++) {
		check(name_ok(&l.neg.chap.name[s]));
		check(l.txt[s].len <= l.txt[s].alloc);
		check(l.txt[s].alloc <= TEXT_CAP_DEFAULT);
	}
	check(name_ok(&l.neg.initiator_name));
	check(name_ok(&l.neg.target_name));
	login_close(&l);
	check_no_secrets(&l, data, size, segs, nsegs);
	login_free(&l);
	return 0;
}
