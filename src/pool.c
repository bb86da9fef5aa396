/* pool.c - fixed-size records in blocks (pool.h). */
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define POOL_ALIGN 16u			 /* what malloc gives */
#define POOL_BLOCK_MIN (64u * 1024u)	 /* a small run stays small */
#define POOL_BLOCK_HUGE (2u * 1024u * 1024u) /* one x86-64 huge page */

static size_t round_up(size_t n)
{
	return (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
}

size_t pool_record_size(size_t size)
{
	return round_up(size < sizeof(void *) ? sizeof(void *) : size);
}

#if defined(__SANITIZE_ADDRESS__)

void *pool_zalloc(struct pool *p)
{
	void *r = calloc(1, p->size);
	p->live += r != NULL;
	return r;
}

void pool_free(struct pool *p, void *rec)
{
	if (!rec)
		return;
	p->live--;
	free(rec);
}

#else

struct pool_block {
	struct pool_block *next;
	size_t bytes; /* the mapping, this header included */
};

/* A mapping of `bytes`, aligned to them when they are a huge page so
 * the kernel can back it with one. */
static void *block_map(size_t bytes)
{
	size_t extra = bytes == POOL_BLOCK_HUGE ? bytes : 0;
	char *m = mmap(NULL, bytes + extra, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (!extra)
		return m;
	uintptr_t a = ((uintptr_t)m + bytes - 1) & ~(uintptr_t)(bytes - 1);
	char *al = (char *)a;
	if (al > m)
		munmap(m, (size_t)(al - m));
	if (al + bytes < m + bytes + extra)
		munmap(al + bytes, (size_t)(m + bytes + extra - (al + bytes)));
	/* Only a hint: without THP the block is ordinary pages. */
	(void)madvise(al, bytes, MADV_HUGEPAGE);
	return al;
}

/* A new block, twice the last one up to a huge page. */
static int block_add(struct pool *p, size_t rs)
{
	size_t bytes = p->blocks ? p->blocks->bytes * 2 : POOL_BLOCK_MIN;
	if (bytes > POOL_BLOCK_HUGE)
		bytes = POOL_BLOCK_HUGE;
	size_t head = round_up(sizeof(struct pool_block));
	while (bytes - head < rs) /* a record larger than a block */
		bytes *= 2;
	struct pool_block *b = block_map(bytes);
	if (!b)
		return -1;
	b->bytes = bytes;
	b->next = p->blocks;
	p->blocks = b;
	p->bump = (char *)b + head;
	p->end = (char *)b + bytes;
	p->mapped += bytes;
	return 0;
}

void *pool_zalloc(struct pool *p)
{
	size_t rs = pool_record_size(p->size);
	void *r;
	if (p->free) {
		r = p->free;
		memcpy(&p->free, r, sizeof(void *));
		memset(r, 0, rs);
	} else {
		if ((size_t)(p->end - p->bump) < rs && block_add(p, rs) != 0)
			return NULL;
		r = p->bump; /* fresh from mmap: already zero */
		p->bump += rs;
	}
	p->live++;
	return r;
}

void pool_free(struct pool *p, void *rec)
{
	if (!rec)
		return;
	memcpy(rec, &p->free, sizeof(void *));
	p->free = rec;
	if (--p->live > 0)
		return;
	/* The last record: every block goes back, the pool starts over. */
	for (struct pool_block *b = p->blocks, *nx; b; b = nx) {
		nx = b->next;
		munmap(b, b->bytes);
	}
	p->blocks = NULL;
	p->free = NULL;
	p->bump = p->end = NULL;
	p->mapped = 0;
}

#endif
