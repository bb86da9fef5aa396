/* counters.c - names of the counters declared in counters.h.
 *
 * The X-macro id is the only spelling of a counter's name; its machine
 * name (JSON key, metric name) is that id in lower case, made here once,
 * so "TCP_GAPS" is "tcp_gaps" everywhere (docs/output.md, one naming
 * rule: snake_case outside `cim`).
 */
#include "counters.h"

#include <stddef.h>

#define COUNTER_FITS(id, text)                                                 \
	_Static_assert(sizeof(#id) <= COUNTER_NAME_MAX, #id " is too long");
COUNTERS(COUNTER_FITS)
#undef COUNTER_FITS

static const char *const ids[CTR_MAX] = {
#define COUNTER_ID(id, text) #id,
	COUNTERS(COUNTER_ID)
#undef COUNTER_ID
};

static const char *const texts[CTR_MAX] = {
#define COUNTER_TEXT(id, text) text,
	COUNTERS(COUNTER_TEXT)
#undef COUNTER_TEXT
};

/* Filled on first use (single-threaded program); a name is never empty,
 * so an empty slot means "not made yet". */
static char names[CTR_MAX][COUNTER_NAME_MAX];

const char *counter_name(enum counter_id id)
{
	if ((unsigned)id >= CTR_MAX)
		return "?";
	char *n = names[id];
	if (!n[0]) {
		const char *s = ids[id];
		size_t i = 0;
		for (; s[i] && i + 1 < COUNTER_NAME_MAX; i++)
			n[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a')
							  : s[i];
		n[i] = '\0';
	}
	return n;
}

const char *counter_text(enum counter_id id)
{
	return (unsigned)id < CTR_MAX ? texts[id] : "?";
}
