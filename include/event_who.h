/* event_who.h - who an event is about, for consumers that read events
 * alone (a SIEM, syslog): initiator and target names, ISID, TSIH and both
 * TCP endpoints, each where the capture showed it.
 *
 * Names point into the session (valid while the listener callback runs)
 * and are the wire's raw bytes: each output escapes them its own way.
 */
#ifndef ISCSIWATCH_EVENT_WHO_H
#define ISCSIWATCH_EVENT_WHO_H

#include <stdbool.h>

#include "session.h"

struct event_who {
	const char *initiator, *target; /* NULL when unknown */
	char isid[16];			/* "0x" + 12 hex digits, "" when unknown */
	int tsih;			/* -1 when unknown */
	char initiator_addr[64], target_addr[64]; /* "" when unknown */
	int initiator_port, target_port;	  /* -1 when unknown */
};

/* The endpoints are those of c, else of the session's leading (first)
 * connection. */
void event_who_fill(const struct session *s, const struct sconn *c,
		    struct event_who *w);

#endif
