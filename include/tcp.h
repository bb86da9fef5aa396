/* tcp.h - reassembly of one direction of a TCP connection.
 *
 * Positions are 64-bit offsets from the first sequence number seen (the
 * ISN+1 when the SYN was seen), so wrap-around never confuses ordering.
 * In-order payload is handed on as spans into the caller's packet (no
 * copy). Segments ahead of the next expected byte are copied into an
 * out-of-order list under two caps: per stream and over all streams
 * (`struct tcp_pool`). Lost bytes are reported as explicit gaps.
 *
 * Control flags are followed as the endpoints would take them (RFC 5961's
 * spirit, as Suricata and Zeek do): a RST or FIN counts only inside the
 * receiving side's window, a SYN with a new ISN restarts a direction that
 * has carried nothing yet, and a SYN far from a stream that has carried
 * data is held as a possible new connection on the same ports (the engine
 * decides when the handshake's SYN/ACK confirms it).
 */
#ifndef ISCSIWATCH_TCP_H
#define ISCSIWATCH_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "net.h" /* TCP_*_FLAG */

enum tcp_gap_kind {
	TCP_GAP_LOSS,      /* `bytes` bytes of the stream were never seen */
	TCP_GAP_MIDSTREAM, /* the stream began before the capture did */
};

struct tcp_cb {
	/* In-order bytes; p is valid only during the call. */
	void (*data)(void *user, const uint8_t *p, size_t n);
	void (*gap)(void *user, enum tcp_gap_kind kind, uint64_t bytes);
};

struct tcp_seg; /* out-of-order node, private to tcp.c */

/* Out-of-order blocks kept for reuse (see tcp.c): a full-sized payload
 * of an Ethernet MTU (1460 bytes) or less fits one. */
#define TCP_SPARES 32
#define TCP_SPARE_LEN 2000u
#define TCP_SPARE_MIN (TCP_SPARE_LEN / 2)

/* Shared by every stream: the global out-of-order memory cap, and the
 * spare blocks (zero-initialised; tcp_pool_free() frees them). */
struct tcp_pool {
	size_t ooo_cap_stream; /* bytes one stream may hold out of order */
	size_t ooo_cap_total;  /* bytes all streams together may hold */
	size_t ooo_total;      /* bytes held now */
	struct counters *ctr;
	unsigned nspare;
	struct tcp_seg *spare[TCP_SPARES];
};

#define TCP_OOO_CAP_STREAM_DEFAULT (4u << 20)
/* How far past the furthest position a stream is known to have reached
 * (bytes seen, or acknowledged by the peer) a RST, FIN or SYN still counts
 * as inside the window. The advertised window is not tracked (its scale
 * is in the SYN options, often not captured): a fixed bound, larger than
 * the windows of ordinary stacks' ACK-clocked flights, and still a 1 in
 * 4096 chance for a blind spoofer. */
#define TCP_WINDOW_SLACK (1u << 20)
#define TCP_OOO_CAP_TOTAL_DEFAULT (256u << 20)

/* Zero-initialisable. */
struct tcp_stream {
	bool started;     /* a first segment (or SYN) fixed the ISN */
	bool syn_seen;
	bool fin_seen;
	bool rst_seen;
	bool midstream;   /* first segment was not a SYN */
	bool lone_byte;   /* the last in-order segment was one byte (a
			     zero-window probe, maybe) */
	/* A SYN far outside this stream after it carried data (source port
	 * reused, initiator rebooted): a new connection if the peer answers
	 * it (SYN/ACK acknowledging reuse_isn + 1). */
	bool reuse_syn;
	uint32_t reuse_isn;
	uint32_t base;    /* sequence number of offset 0 */
	uint64_t next;    /* offset of the next byte expected */
	uint64_t acked;   /* highest offset the peer acknowledged */
	uint64_t high;    /* end of the furthest payload byte seen */
	struct tcp_seg *ooo; /* sorted by offset, non-overlapping */
	size_t ooo_bytes;
	/* Retransmissions of this direction whose bytes differed from the
	 * out-of-order bytes already held (counted with the global
	 * CTR_TCP_OVERLAP_MISMATCH); the engine reports a rise to its sinks
	 * so the session is flagged (DEG_OVERLAP). */
	uint32_t overlap_mismatch;
};

/* One segment of this direction. `missing` is how many payload bytes the
 * IP length promised beyond what was captured (snap length): they become
 * a gap. `peer` is the other direction (NULL if unknown): a RST from a
 * direction that never sent anything counts only if its ACK acknowledges
 * the peer's stream (a refused connection, RFC 9293 §3.10.7.1).
 * Afterwards rst_seen / fin_seen say whether an in-window RST / FIN
 * arrived; out-of-window ones are counted (CTR_TCP_RST_OUT_OF_WINDOW,
 * CTR_TCP_FIN_OUT_OF_WINDOW) and change nothing. */
void tcp_stream_segment(struct tcp_stream *s, struct tcp_pool *pool,
			const struct tcp_stream *peer, uint32_t seq,
			uint32_t ack, uint8_t flags, const uint8_t *p,
			uint32_t n, uint32_t missing, const struct tcp_cb *cb,
			void *user);

/* Whether `ack`, sent by the peer of stream s, acknowledges a position s
 * has reached (up to its furthest byte, plus the SYN or FIN). */
bool tcp_stream_ack_valid(const struct tcp_stream *s, uint32_t ack);

/* Whether a SYN/ACK acknowledging `ack` answers the pending new-connection
 * SYN of stream s (see reuse_syn). */
bool tcp_stream_reuse_answered(const struct tcp_stream *s, uint32_t ack);

/* The peer acknowledged `ack`: bytes before it were received by the
 * endpoint, so a hole below it that the capture never filled is a loss. */
void tcp_stream_ack(struct tcp_stream *s, struct tcp_pool *pool, uint32_t ack,
		    const struct tcp_cb *cb, void *user);

/* End of the stream (close, eviction, end of capture): delivers whatever
 * is buffered, with gaps for the holes, and frees it. */
void tcp_stream_flush(struct tcp_stream *s, struct tcp_pool *pool,
		      const struct tcp_cb *cb, void *user);

/* Frees buffered segments without delivering them. */
void tcp_stream_free(struct tcp_stream *s, struct tcp_pool *pool);

/* Frees the pool's spare blocks (once its streams are freed; the pool
 * can be used again). */
void tcp_pool_free(struct tcp_pool *pool);

#endif
