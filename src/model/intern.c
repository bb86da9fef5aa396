/* intern.c - the refcounted name table (intern.h). */
#include "intern.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

struct name {
	struct name *next; /* in its bucket */
	uint64_t hash;
	uint32_t refs;
	uint32_t len;
	char s[]; /* len bytes and a NUL */
};

#define INTERN_BUCKETS_MIN 64u

static struct {
	struct name **b;
	size_t nb;    /* buckets, a power of two (0: not made yet) */
	size_t count; /* names held */
	size_t bytes; /* their blocks */
	uint64_t seed;
	bool seeded;
} tab;

/* Names come off the wire: a secret seed keeps chosen names from
 * landing in one bucket. */
static uint64_t name_hash(const char *s, size_t n)
{
	if (!tab.seeded) {
		tab.seed = hash_seed(&tab);
		tab.seeded = true;
	}
	return hash_bytes(tab.seed, s, n);
}

static struct name *name_of(const char *s)
{
	return (struct name *)(void *)(uintptr_t)(s - offsetof(struct name, s));
}

/* Doubles the buckets when names outnumber them (keeps chains short);
 * a failed grow leaves the table as it was, only slower. */
static void tab_grow(void)
{
	size_t nb = tab.nb ? tab.nb * 2 : INTERN_BUCKETS_MIN;
	struct name **b = calloc(nb, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i < tab.nb; i++)
		for (struct name *n = tab.b[i], *nx; n; n = nx) {
			nx = n->next;
			size_t k = (size_t)n->hash & (nb - 1);
			n->next = b[k];
			b[k] = n;
		}
	free(tab.b);
	tab.b = b;
	tab.nb = nb;
}

const char *intern_get(const char *s, size_t len)
{
	if (len == 0)
		return "";
	if (len > UINT32_MAX - 1)
		return NULL;
	uint64_t h = name_hash(s, len);
	if (tab.nb) {
		for (struct name *n = tab.b[(size_t)h & (tab.nb - 1)]; n;
		     n = n->next)
			if (n->hash == h && n->len == len &&
			    memcmp(n->s, s, len) == 0) {
				if (n->refs < UINT32_MAX)
					n->refs++; /* saturated: kept for good */
				return n->s;
			}
	}
	if (tab.count >= tab.nb)
		tab_grow();
	if (!tab.nb)
		return NULL;
	struct name *n = malloc(sizeof(*n) + len + 1);
	if (!n)
		return NULL;
	n->hash = h;
	n->refs = 1;
	n->len = (uint32_t)len;
	memcpy(n->s, s, len);
	n->s[len] = '\0';
	size_t k = (size_t)h & (tab.nb - 1);
	n->next = tab.b[k];
	tab.b[k] = n;
	tab.count++;
	tab.bytes += sizeof(*n) + len + 1;
	return n->s;
}

const char *intern_hold(const char *name)
{
	if (name && name[0]) {
		struct name *n = name_of(name);
		if (n->refs < UINT32_MAX)
			n->refs++;
	}
	return name;
}

void intern_put(const char *name)
{
	if (!name || !name[0])
		return;
	struct name *n = name_of(name);
	if (n->refs == UINT32_MAX || --n->refs > 0)
		return; /* a saturated count is never freed */
	struct name **link = &tab.b[(size_t)n->hash & (tab.nb - 1)];
	while (*link != n)
		link = &(*link)->next;
	*link = n->next;
	tab.count--;
	tab.bytes -= sizeof(*n) + n->len + 1;
	free(n);
	if (tab.count == 0) {
		/* The last name gone: so is the table (no leak at exit). */
		free(tab.b);
		tab.b = NULL;
		tab.nb = 0;
	}
}

uint32_t intern_refs(const char *name)
{
	return name && name[0] ? name_of(name)->refs : 0;
}

size_t intern_count(void)
{
	return tab.count;
}

size_t intern_bytes(void)
{
	return tab.bytes + tab.nb * sizeof(*tab.b);
}
