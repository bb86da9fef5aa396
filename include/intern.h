/* intern.h - one copy of each name: a refcounted table of strings.
 *
 * Thousands of sessions name a few initiators and targets (4,000
 * sessions of 100 hosts to 20 targets hold 100 + 20 names, not 8,000).
 * intern_get() returns the table's copy of a string, shared by every
 * holder of an equal one, and counts the holder; intern_put() uncounts
 * it and frees the copy with its last holder.
 *
 * The empty string is never stored: intern_get() of length 0 returns a
 * static "", which intern_hold()/intern_put() ignore, so a holder may
 * keep "" for "unknown" and put it like any other name.
 *
 * Cost: the table is indexed by a hash with a random seed per run (the
 * names come from the wire; an attacker chooses them) and grows with the
 * names held; a name costs its bytes plus about 32. Not thread-safe: the
 * engine and its sinks run on one thread.
 */
#ifndef ISCSIWATCH_INTERN_H
#define ISCSIWATCH_INTERN_H

#include <stddef.h>
#include <stdint.h>

/* The shared copy of s[0..len) (which need not be NUL-terminated and
 * must hold no NUL), counted once more; NULL when out of memory. */
const char *intern_get(const char *s, size_t len);
/* One more holder of a name intern_get() returned. Returns it. */
const char *intern_hold(const char *name);
/* One holder fewer; the last frees it. NULL and "" are ignored. */
void intern_put(const char *name);
/* Holders of a name (0 for "" and NULL). */
uint32_t intern_refs(const char *name);
/* Distinct names held now, and the bytes they take (the table too). */
size_t intern_count(void);
size_t intern_bytes(void);

#endif
