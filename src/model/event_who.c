/* event_who.c - the identity and endpoints an event carries. */
#include "event_who.h"

#include <stdio.h>

#include "net.h"

void event_who_fill(const struct session *s, const struct sconn *c,
		    struct event_who *w)
{
	*w = (struct event_who){
	    .tsih = -1, .initiator_port = -1, .target_port = -1};
	w->initiator = s->initiator_name[0] ? s->initiator_name : NULL;
	w->target = s->target_name[0] ? s->target_name : NULL;
	if (s->isid_known)
		snprintf(w->isid, sizeof(w->isid), "0x%02x%02x%02x%02x%02x%02x",
			 s->isid[0], s->isid[1], s->isid[2], s->isid[3],
			 s->isid[4], s->isid[5]);
	if (s->tsih_known)
		w->tsih = s->tsih;
	if (!c)
		c = s->conns;
	if (!c)
		return;
	if (c->initiator.addr.family) {
		net_addr_str(&c->initiator.addr, w->initiator_addr,
			     sizeof(w->initiator_addr));
		w->initiator_port = c->initiator.port;
	}
	if (c->target.addr.family) {
		net_addr_str(&c->target.addr, w->target_addr,
			     sizeof(w->target_addr));
		w->target_port = c->target.port;
	}
}
