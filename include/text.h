/* text.h - Login/Text data segments: bounded accumulator and key=value
 * parser (RFC 7143 §6.1, §11.10.2, §11.12.7).
 *
 * A text sequence (one Login or Text request or response) may span many
 * PDUs: while C=1 the text continues in the next PDU, and a key or value
 * may be split anywhere (§11.10.2). The accumulator joins the data of one
 * sequence, one per direction per connection, up to a named cap; past the
 * cap it sets `overflow`, counts CTR_TEXT_CAP_HIT once per sequence and
 * drops the rest: memory never grows beyond the cap.
 *
 * Ownership: struct text is a plain caller-owned struct; text_init()
 * before use, text_free() releases its heap buffer (allocated lazily, so
 * an idle connection costs nothing). Pointers from text_data() and spans
 * from the parser stay valid until the next text_append/text_reset/
 * text_free. text_reset() wipes the bytes it held: login text carries
 * CHAP challenges and responses, which must not linger in memory.
 */
#ifndef ISCSIWATCH_TEXT_H
#define ISCSIWATCH_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"

/* Per direction per connection. Real logins are a few KiB; SendTargets
 * answers of large targets reach tens of KiB. */
#define TEXT_CAP_DEFAULT (64u * 1024u)
#define TEXT_ALLOC_MIN 1024u

struct text {
	struct counters *ctr;
	uint8_t *buf;
	uint32_t len;	/* bytes held */
	uint32_t alloc; /* bytes allocated (<= cap) */
	uint32_t cap;
	uint64_t dropped; /* bytes of this sequence beyond the cap */
	bool overflow;	  /* this sequence hit the cap */
};

/* cap 0 means TEXT_CAP_DEFAULT. */
void text_init(struct text *t, uint32_t cap, struct counters *ctr);
void text_free(struct text *t);
/* Ends the current sequence: wipes and forgets its bytes (memory kept). */
void text_reset(struct text *t);
/* Appends bytes of the current sequence. Returns 0, or -1 when bytes were
 * dropped (cap reached or allocation failed: both count as a cap hit). */
int text_append(struct text *t, const uint8_t *p, size_t n);
static inline const uint8_t *text_data(const struct text *t, size_t *len)
{
	*len = t->len;
	return t->buf;
}

/* A span of bytes; not NUL-terminated. */
struct text_span {
	const uint8_t *p;
	size_t n;
};

struct text_pair {
	struct text_span key;
	struct text_span val;
	bool malformed; /* no '=' or an empty key: key holds the whole item */
	bool unterminated; /* last item without its NUL (§6.1 requires one) */
};

struct text_iter {
	const uint8_t *p;
	size_t left;
	uint32_t empty; /* empty items (NUL NUL) skipped so far */
};

void text_iter_init(struct text_iter *it, const uint8_t *p, size_t n);
/* Next non-empty item; false at the end. Never copies. */
bool text_next(struct text_iter *it, struct text_pair *out);

/* Lists (§6.1 list-of-values): items separated by ','. *rest is advanced;
 * false when no items remain. Empty items are returned as empty spans. */
bool text_list_next(struct text_span *rest, struct text_span *item);

/* Helpers for spans. */
bool text_span_eq(struct text_span s, const char *lit);
/* §6.1 numerical values: decimal-constant or hex-constant (0x...).
 * 0 on success; -1 when empty, not a number or above `max`. */
int text_span_u64(struct text_span s, uint64_t max, uint64_t *out);
/* §6.1 binary-value (0x... hex or 0b... base64): number of bytes it
 * encodes, without decoding it anywhere; -1 when not well formed. */
int text_span_binary_len(struct text_span s, uint32_t *out);
/* Copies at most dst_size-1 bytes and NUL-terminates; returns true when
 * the span had to be truncated. dst_size must be >= 1. */
bool text_span_copy(struct text_span s, char *dst, size_t dst_size);

#endif
