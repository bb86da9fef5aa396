/* counters.c - names of the counters declared in counters.h. */
#include "counters.h"

static const char *const names[CTR_MAX] = {
#define COUNTER_NAME(id, text) #id,
	COUNTERS(COUNTER_NAME)
#undef COUNTER_NAME
};

static const char *const texts[CTR_MAX] = {
#define COUNTER_TEXT(id, text) text,
	COUNTERS(COUNTER_TEXT)
#undef COUNTER_TEXT
};

const char *counter_name(enum counter_id id)
{
	return (unsigned)id < CTR_MAX ? names[id] : "?";
}

const char *counter_text(enum counter_id id)
{
	return (unsigned)id < CTR_MAX ? texts[id] : "?";
}
