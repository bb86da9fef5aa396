/* hints.c - the packets a run set aside, by counter (hints.h). */
#include "hints.h"

#include <inttypes.h>
#include <stdio.h>

#define FRAG_FIX                                                               \
	"capture where the traffic is not fragmented (before the tunnel or "   \
	"with a larger MTU)"

/* One row per counter of packets the engine could not follow. A new
 * reason (a tunnel kind, an eviction) is one more row. */
static const struct {
	enum counter_id id;
	const char *unit; /* what it counts: "packet", "flow", "datagram" */
	const char *what; /* after "N packets were " */
	const char *fix;
} set_aside[] = {
	{CTR_PKT_LINKTYPE_UNSUPPORTED, "packet",
	 "of a link type iscsiwatch does not decode",
	 "capture on an Ethernet interface (or -i any), or convert the file "
	 "with editcap -T ether"},
	{CTR_PKT_TUNNEL_DEEP, "packet", "nested in more than 4 encapsulations",
	 "capture nearer the hosts, or have the mirror strip a layer"},
	{CTR_PKT_TUNNEL_UNSUPPORTED, "packet",
	 "in a tunnel iscsiwatch does not decode",
	 "mirror with ERSPAN, GRE, VXLAN or Geneve, or capture inside the "
	 "tunnel"},
	/* Fragments are reassembled (frag.h); these count what was lost. */
	{CTR_FRAG_TRUNCATED, "packet", "IP fragments cut by the snap length",
	 "capture whole packets (-s 262144, tcpdump -s 0)"},
	{CTR_FRAG_TIMEOUT, "datagram",
	 "left incomplete: their IP fragments never all arrived", FRAG_FIX},
	{CTR_FRAG_INCOMPLETE, "datagram",
	 "left incomplete: their IP fragments never all arrived", FRAG_FIX},
	{CTR_FRAG_MEMCAP, "datagram", "dropped by the IP fragment memory caps",
	 FRAG_FIX},
	{CTR_FRAG_OVERLAP_MISMATCH, "datagram",
	 "dropped: their IP fragments overlapped with different data",
	 "such fragments are an attack or a broken stack: capture nearer the "
	 "hosts"},
	{CTR_FLOWS_CAP_HIT, "packet", "dropped because the flow table was full",
	 "raise --max-flows, or narrow the capture with a BPF filter such as "
	 "'tcp port 3260'"},
	{CTR_FLOWS_EVICTED_UNKNOWN, "flow",
	 "pushed out of the full flow table before a login was seen",
	 "raise --max-flows, or narrow the capture with a BPF filter"},
	{CTR_FLOWS_EVICTED_EMPTY, "flow",
	 "on an iSCSI port pushed out of the full flow table before any data",
	 "raise --max-flows, or narrow the capture with a BPF filter"},
	{CTR_PKT_TRUNCATED, "packet", "cut short by the snap length",
	 "capture whole packets (-s 262144, tcpdump -s 0)"},
};

int hint_no_sessions(const struct counters *c, char *buf, size_t len)
{
	size_t best = 0, kinds = 0;
	uint64_t most = 0;
	for (size_t i = 0; i < sizeof(set_aside) / sizeof(set_aside[0]); i++) {
		uint64_t n = c->v[set_aside[i].id];
		if (!n)
			continue;
		kinds++;
		if (n > most) {
			most = n;
			best = i;
		}
	}
	if (!kinds)
		return 0;
	snprintf(buf, len, "0 sessions; %" PRIu64 " %s%s %s: %s%s", most,
		 set_aside[best].unit, most == 1 ? " was" : "s were",
		 set_aside[best].what, set_aside[best].fix,
		 kinds > 1 ? " (more set aside: see -v)" : "");
	return 1;
}
