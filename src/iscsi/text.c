/* text.c - Login/Text accumulator and key=value parser (RFC 7143 §6.1). */
#include <stdlib.h>
#include <string.h>

#include "text.h"

void text_init(struct text *t, uint32_t cap, struct counters *ctr)
{
	memset(t, 0, sizeof(*t));
	t->ctr = ctr;
	t->cap = cap ? cap : TEXT_CAP_DEFAULT;
}

/* A plain memset before free() may be optimised away; the volatile
 * pointer keeps the wipe of secret-bearing login text. */
static void text_wipe(uint8_t *p, size_t n)
{
	volatile uint8_t *v = p;
	while (n--)
		*v++ = 0;
}

void text_free(struct text *t)
{
	if (t->buf)
		text_wipe(t->buf, t->alloc);
	free(t->buf);
	t->buf = NULL;
	t->alloc = 0;
	t->len = 0;
}

void text_reset(struct text *t)
{
	if (t->buf)
		text_wipe(t->buf, t->len);
	t->len = 0;
	t->dropped = 0;
	t->overflow = false;
}

static void text_hit_cap(struct text *t, size_t n)
{
	if (!t->overflow)
		ctr_inc(t->ctr, CTR_TEXT_CAP_HIT);
	t->overflow = true;
	t->dropped += n;
}

/* Grows the buffer by doubling, never beyond the cap. Growing wipes the
 * old block for the same reason text_reset does. */
static uint32_t text_reserve(struct text *t, uint32_t want)
{
	if (want <= t->alloc)
		return t->alloc;
	uint32_t na = t->alloc ? t->alloc : TEXT_ALLOC_MIN;
	while (na < want && na < t->cap)
		na = na > t->cap / 2 ? t->cap : na * 2;
	if (na > t->cap)
		na = t->cap;
	uint8_t *nb = malloc(na);
	if (!nb)
		return t->alloc;
	if (t->buf) {
		memcpy(nb, t->buf, t->len);
		text_wipe(t->buf, t->alloc);
		free(t->buf);
	}
	t->buf = nb;
	t->alloc = na;
	return na;
}

int text_append(struct text *t, const uint8_t *p, size_t n)
{
	if (n == 0)
		return t->overflow ? -1 : 0;
	if (t->overflow) {
		t->dropped += n;
		return -1;
	}
	size_t room = t->cap - t->len;
	size_t take = n > room ? room : n;
	if (take > 0) {
		uint32_t have = text_reserve(t, t->len + (uint32_t)take);
		if (have - t->len < take)
			take = have - t->len;
		memcpy(t->buf + t->len, p, take);
		t->len += (uint32_t)take;
	}
	if (take < n) {
		text_hit_cap(t, n - take);
		return -1;
	}
	return 0;
}

void text_iter_init(struct text_iter *it, const uint8_t *p, size_t n)
{
	it->p = p;
	it->left = p ? n : 0;
	it->empty = 0;
}

bool text_next(struct text_iter *it, struct text_pair *out)
{
	while (it->left > 0) {
		const uint8_t *s = it->p;
		const uint8_t *nul = memchr(s, 0, it->left);
		size_t len = nul ? (size_t)(nul - s) : it->left;
		bool term = nul != NULL;
		it->p += len + (term ? 1 : 0);
		it->left -= len + (term ? 1 : 0);
		if (len == 0) {
			it->empty++;
			continue;
		}
		memset(out, 0, sizeof(*out));
		out->unterminated = !term;
		const uint8_t *eq = memchr(s, '=', len);
		if (!eq || eq == s) {
			/* §6.1: every item is key=value with a non-empty
			 * key; report the whole item as the key. */
			out->malformed = true;
			out->key.p = s;
			out->key.n = len;
			out->val.p = s + len;
			out->val.n = 0;
			return true;
		}
		out->key.p = s;
		out->key.n = (size_t)(eq - s);
		out->val.p = eq + 1;
		out->val.n = len - out->key.n - 1;
		return true;
	}
	return false;
}

bool text_list_next(struct text_span *rest, struct text_span *item)
{
	if (!rest->p)
		return false;
	const uint8_t *s = rest->p;
	const uint8_t *comma = rest->n ? memchr(s, ',', rest->n) : NULL;
	if (!comma) {
		item->p = s;
		item->n = rest->n;
		rest->p = NULL; /* the last item has been handed out */
		rest->n = 0;
		return true;
	}
	item->p = s;
	item->n = (size_t)(comma - s);
	rest->p = comma + 1;
	rest->n -= item->n + 1;
	return true;
}

bool text_span_eq(struct text_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int text_span_u64(struct text_span s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	unsigned base = 10;
	if (s.n >= 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= s.n)
		return -1;
	for (; i < s.n; i++) {
		int d =
		    base == 16
			? hexval(s.p[i])
			: (s.p[i] >= '0' && s.p[i] <= '9' ? s.p[i] - '0' : -1);
		if (d < 0)
			return -1;
		/* v*base + d > max, written without overflow */
		if ((uint64_t)d > max || v > (max - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

static bool is_b64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int text_span_binary_len(struct text_span s, uint32_t *out)
{
	if (s.n < 3 || s.p[0] != '0')
		return -1;
	size_t digits = s.n - 2;
	if (digits > 0xffffffu)
		return -1;
	if (s.p[1] == 'x' || s.p[1] == 'X') {
		for (size_t i = 2; i < s.n; i++)
			if (hexval(s.p[i]) < 0)
				return -1;
		*out = (uint32_t)((digits + 1) / 2);
		return 0;
	}
	if (s.p[1] == 'b' || s.p[1] == 'B') {
		size_t i = 2, chars = 0, pad = 0;
		for (; i < s.n && is_b64(s.p[i]); i++)
			chars++;
		for (; i < s.n && s.p[i] == '=' && pad < 2; i++)
			pad++;
		if (i != s.n || chars == 0)
			return -1;
		*out = (uint32_t)(chars * 6 / 8);
		return 0;
	}
	return -1;
}

bool text_span_copy(struct text_span s, char *dst, size_t dst_size)
{
	size_t n = s.n < dst_size - 1 ? s.n : dst_size - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
	return n < s.n;
}
