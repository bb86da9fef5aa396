/* counters.h - every anomaly and drop, named once.
 *
 * One X-macro yields the enum and the names, so a counter cannot exist
 * without a printable name. Stages bump counters in a `struct counters`
 * the engine owns; nothing here allocates.
 */
#ifndef ISCSIWATCH_COUNTERS_H
#define ISCSIWATCH_COUNTERS_H

#include <stdint.h>

#define COUNTERS(X)                                                            \
	X(PACKETS, "packets read")                                             \
	X(BYTES, "bytes read (captured)")                                      \
	X(PKT_TRUNCATED, "packets cut by the snap length")                     \
	X(PKT_LINKTYPE_UNSUPPORTED, "packets of an unsupported link type")     \
	X(PKT_NOT_IP, "packets neither IPv4 nor IPv6")                         \
	X(PKT_NOT_TCP, "IP packets not TCP")                                   \
	X(PKT_MALFORMED, "packets whose headers contradict themselves")        \
	X(PKT_IP_FRAGMENT, "IP fragments (fed to reassembly)")                 \
	X(PKT_TUNNEL_DEEP, "packets nested in more than 4 encapsulations")     \
	X(PKT_TUNNEL_UNSUPPORTED, "tunnelled packets of an undecoded kind")    \
	X(FRAG_DATAGRAMS, "IP datagrams reassembled from fragments")           \
	X(FRAG_OVERLAP, "IP fragments overlapping earlier ones (same data)")   \
	X(FRAG_OVERLAP_MISMATCH, "datagrams dropped: overlaps with different data") \
	X(FRAG_MALFORMED, "datagrams dropped: fragments contradict its length") \
	X(FRAG_TRUNCATED, "IP fragments cut by the snap length (unusable)")    \
	X(FRAG_MEMCAP, "datagrams dropped by the fragment memory caps")        \
	X(FRAG_TIMEOUT, "datagrams dropped: incomplete at the timeout")        \
	X(FRAG_INCOMPLETE, "datagrams incomplete at the end of the capture")   \
	X(PKT_NOT_ISCSI_PORT, "TCP packets not on an iSCSI port")              \
	X(FLOWS_CREATED, "TCP flows created")                                  \
	X(FLOWS_EVICTED_IDLE, "flows evicted after being idle")                \
	X(FLOWS_CAP_HIT, "packets dropped: flow table full")                   \
	X(FLOWS_CLOSED, "flows closed by FIN or RST")                          \
	X(FLOWS_SUPERSEDED, "flows ended by a new handshake on their ports")   \
	X(FLOWS_EVICTED_NOT_ISCSI, "flows evicted when full: not iSCSI")       \
	X(FLOWS_EVICTED_UNKNOWN, "flows evicted when full: not yet known")     \
	X(FLOWS_EVICTED_EMPTY, "flows evicted when full: iSCSI port, empty")   \
	X(TCP_RETRANSMITTED, "TCP segments entirely retransmitted")            \
	X(TCP_OVERLAP, "TCP segments partly overlapping earlier data")         \
	X(TCP_OVERLAP_MISMATCH, "overlaps carrying different data")            \
	X(TCP_OUT_OF_ORDER, "TCP segments received out of order")              \
	X(TCP_OOO_CAP_HIT, "out-of-order segments dropped by a memory cap")    \
	X(TCP_GAPS, "gaps in a TCP stream (lost data)")                        \
	X(TCP_GAP_BYTES, "bytes lost in gaps")                                 \
	X(TCP_MIDSTREAM, "TCP directions first seen mid-stream")               \
	X(TCP_RST_OUT_OF_WINDOW, "RSTs outside the window (ignored)")          \
	X(TCP_FIN_OUT_OF_WINDOW, "FINs outside the window (ignored)")          \
	X(TCP_SYN_IN_WINDOW, "SYNs inside a used stream (ignored)")            \
	X(TCP_SYN_RESTART, "TCP directions restarted by a new ISN")            \
	X(PDUS, "iSCSI PDUs framed")                                           \
	X(PDU_RESYNC, "framer resynchronisations on a BHS")                    \
	X(PDU_RESYNC_SKIPPED_BYTES, "bytes skipped while resynchronising")     \
	X(PDU_INVALID_BHS, "invalid BHS (framing lost)")                       \
	X(FRAMER_NOMEM, "PDU headers or resync candidates dropped: no memory") \
	X(SCSI_NOMEM, "SCSI table entries or samples dropped: no memory")     \
	X(HDIGEST_BAD, "header digest mismatches")                             \
	X(DDIGEST_BAD, "data digest mismatches")                               \
	X(DIGEST_DETECTED, "digests detected by CRC32C (login not seen)")      \
	X(TEXT_CAP_HIT, "login/text data beyond the per-login cap")            \
	X(SESSIONS_CAP_HIT, "sessions not tracked: session cap")

enum counter_id {
#define COUNTER_ENUM(id, text) CTR_##id,
	COUNTERS(COUNTER_ENUM)
#undef COUNTER_ENUM
	CTR_MAX
};

struct counters {
	uint64_t v[CTR_MAX];
};

/* Machine name: the X-macro id in lower case ("TCP_GAPS" is "tcp_gaps"),
 * the JSON key and the metric's stem; and the human description. */
#define COUNTER_NAME_MAX 32
const char *counter_name(enum counter_id id);
const char *counter_text(enum counter_id id);

static inline void ctr_inc(struct counters *c, enum counter_id id)
{
	if (c)
		c->v[id]++;
}

static inline void ctr_add(struct counters *c, enum counter_id id, uint64_t n)
{
	if (c)
		c->v[id] += n;
}

#endif
