/* track.h - the engine sink that turns each connection's PDUs into the
 * session model: Login/Text PDUs go through the login module, Logout,
 * Reject and digest verdicts go to the session model directly.
 */
#ifndef ISCSIWATCH_TRACK_H
#define ISCSIWATCH_TRACK_H

#include "engine.h"
#include "session.h"

/* What the tracker needs; the caller's, for as long as the sink runs. */
struct track {
	struct session_table *st;
	uint32_t text_cap; /* login/text bytes kept per direction; 0 default */
};

/* A sink that updates tr->st. */
struct engine_sink track_sink(struct track *tr);

#endif
