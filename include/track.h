/* track.h - the engine sink that turns each connection's PDUs into the
 * session model: Login/Text PDUs go through the login module, Logout,
 * Reject and digest verdicts go to the session model directly.
 */
#ifndef ISCSIWATCH_TRACK_H
#define ISCSIWATCH_TRACK_H

#include "engine.h"
#include "session.h"

/* A sink that updates st (which stays the caller's). */
struct engine_sink track_sink(struct session_table *st);

#endif
