/* rd.h - the only way to read wire bytes: a bounds-checked cursor.
 *
 * A read past the end never touches memory: it returns 0 and sets `bad`,
 * so a decoder can read a whole header and check `bad` once at the end
 * (tcpdump's lesson, without its longjmp). Lengths are compared as
 * `n > left`, never `p + n > end`, so no pointer is formed out of range.
 */
#ifndef ISCSIWATCH_RD_H
#define ISCSIWATCH_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

static inline struct rd rd_make(const uint8_t *p, size_t n)
{
	/* NULL + 0 is undefined in C (UBSan reports it): an empty view may
	 * come with a null pointer, so it gets an empty cursor instead. */
	struct rd r = {p, p ? p + n : p, false};
	return r;
}

static inline size_t rd_left(const struct rd *r)
{
	return (size_t)(r->end - r->p);
}

static inline bool rd_need(struct rd *r, size_t n)
{
	if (r->bad || n > rd_left(r)) {
		r->bad = true;
		return false;
	}
	return true;
}

static inline uint8_t rd_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	return *r->p++;
}

static inline uint16_t rd_be16(struct rd *r)
{
	if (!rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	return v;
}

static inline uint32_t rd_be24(struct rd *r)
{
	if (!rd_need(r, 3))
		return 0;
	uint32_t v = ((uint32_t)r->p[0] << 16) | ((uint32_t)r->p[1] << 8) | r->p[2];
	r->p += 3;
	return v;
}

static inline uint32_t rd_be32(struct rd *r)
{
	if (!rd_need(r, 4))
		return 0;
	uint32_t v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) |
		     ((uint32_t)r->p[2] << 8) | r->p[3];
	r->p += 4;
	return v;
}

static inline uint32_t rd_le32(struct rd *r)
{
	if (!rd_need(r, 4))
		return 0;
	uint32_t v = ((uint32_t)r->p[3] << 24) | ((uint32_t)r->p[2] << 16) |
		     ((uint32_t)r->p[1] << 8) | r->p[0];
	r->p += 4;
	return v;
}

/* Returns a pointer to the next n bytes and steps over them, or NULL. */
static inline const uint8_t *rd_take(struct rd *r, size_t n)
{
	if (!rd_need(r, n))
		return NULL;
	const uint8_t *q = r->p;
	r->p += n;
	return q;
}

static inline void rd_skip(struct rd *r, size_t n)
{
	(void)rd_take(r, n);
}

/* Fixed-offset big-endian loads from a buffer the caller has already
 * length-checked (a complete 48-byte BHS, say). */
static inline uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t be24_at(const uint8_t *p)
{
	return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}
static inline uint32_t be32_at(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

#endif
