/* engine.h - wires the stages: packet -> net -> flow -> tcp -> framer ->
 * sinks.
 *
 * The engine owns the flow table, the reassembly pool and one framer per
 * direction of each flow. Sinks (the PDU printer, the session tracker)
 * receive each connection's PDUs in stream order. A sink never calls back
 * into an earlier stage: what it wants of the framer (digest modes learnt
 * from a login) it writes into the connection view, and the engine
 * applies it after the callback returns.
 */
#ifndef ISCSIWATCH_ENGINE_H
#define ISCSIWATCH_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "counters.h"
#include "flow.h"
#include "frag.h"
#include "framer.h"

#define ENGINE_MAX_SINKS 4

enum conn_end {
	CONN_END_FIN,     /* both sides closed */
	CONN_END_RST,     /* reset */
	CONN_END_IDLE,    /* silent beyond the idle timeout */
	CONN_END_EVICTED, /* pushed out by the flow cap */
	CONN_END_CAPTURE, /* the capture ended with it open */
	/* A new handshake on the same 4-tuple before its close was seen
	 * (source port reused, initiator rebooted): it dropped without a
	 * close on the wire. */
	CONN_END_SUPERSEDED,
};

/* What a sink sees of one TCP connection. */
struct engine_conn {
	const struct flow *flow; /* endpoints, target side, counts */
	uint64_t now_ns;         /* time of the packet being processed */
	struct counters *ctr;    /* the engine's counters (sinks count caps) */
	void *slot[ENGINE_MAX_SINKS]; /* each sink's own state */
	/* Set by a sink to change the framers' digest modes of both
	 * directions for the PDUs that follow (0 = leave as is). */
	enum framer_digest_mode want_hd, want_dd;
	bool want_set;
};

struct engine_sink {
	void *user;
	void (*conn_open)(void *user, struct engine_conn *c, int slot);
	void (*pdu_begin)(void *user, struct engine_conn *c, int slot,
			  int dir, const struct pdu *p);
	void (*pdu_data)(void *user, struct engine_conn *c, int slot, int dir,
			 const struct pdu *p, const uint8_t *d, size_t n);
	void (*pdu_end)(void *user, struct engine_conn *c, int slot, int dir,
			const struct pdu *p);
	/* Lost bytes in direction dir (0 bytes: began before the capture). */
	void (*gap)(void *user, struct engine_conn *c, int slot, int dir,
		    uint64_t bytes);
	void (*conn_close)(void *user, struct engine_conn *c, int slot,
			   enum conn_end why);
	/* An anomaly of the TCP stream in direction dir, as it happens: one
	 * of ENGINE_AN_* (may be NULL). */
	void (*anomaly)(void *user, struct engine_conn *c, int slot, int dir,
			unsigned what);
};

/* A retransmission overlapped bytes held out of order with different
 * data: which copy the endpoint took is unknown (the first is kept). */
#define ENGINE_AN_OVERLAP_MISMATCH 1u

struct engine_opts {
	const uint16_t *ports; /* iSCSI target ports; NULL/0 = 3260 */
	size_t nports;
	struct flow_limits flows;
	size_t ooo_cap_stream, ooo_cap_total;
	struct frag_limits frags; /* IP fragment reassembly */
	bool ignore_vlan; /* VLAN ids left out of the flow key */
};

void engine_opts_default(struct engine_opts *o);

struct engine;

struct engine *engine_new(const struct engine_opts *o);
void engine_free(struct engine *e);
/* Returns the slot index, or -1 when ENGINE_MAX_SINKS are in use. */
int engine_add_sink(struct engine *e, const struct engine_sink *s);
void engine_packet(struct engine *e, const struct packet *pkt);
/* Ends connections idle at time now (live captures call it on a timer). */
void engine_tick(struct engine *e, uint64_t now_ns);
/* Closes every open connection (end of the capture). */
void engine_finish(struct engine *e);
struct counters *engine_counters(struct engine *e);

/* "I>T", "T>I" or "?" for direction dir of flow f. */
const char *engine_dir_label(const struct flow *f, int dir);

#endif
