/* frag.h - IPv4 and IPv6 fragment reassembly under its own caps.
 *
 * A datagram is identified by (family, source, destination, protocol for
 * IPv4, identification, layer-2 domain): RFC 791 §3.2 and RFC 8200 §4.5,
 * plus the VLAN/VNI/ERSPAN domain so two tenants' fragments never mix.
 *
 * Policy (docs/robustness.md): the first copy of every byte wins; a later
 * fragment overlapping held bytes with the SAME data is accepted and
 * counted (FRAG_OVERLAP); one overlapping with DIFFERENT data drops the
 * whole datagram (FRAG_OVERLAP_MISMATCH), as RFC 5722 asks for IPv6 and
 * Linux does for both since 4.19: which copy the endpoint kept cannot be
 * known from the wire, so none is reported. Fragments reaching past 65535
 * bytes or past the last fragment's end, or a second different end, drop
 * the datagram (FRAG_MALFORMED: teardrop, ping of death). Memory: the held
 * bytes (buffers and records) and the number of datagrams are capped; to
 * make room the oldest datagrams are dropped (FRAG_MEMCAP), so a flood of
 * never-completed datagrams cannot starve new ones for longer than it
 * keeps sending. A datagram not complete `timeout_ns` after its first
 * fragment is dropped (FRAG_TIMEOUT).
 *
 * Reassembly is the one place where the packet path copies bytes: a
 * datagram's pieces are copied into one buffer, which frag_feed() hands
 * out and which stays valid until the next frag_* call.
 */
#ifndef ISCSIWATCH_FRAG_H
#define ISCSIWATCH_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "net.h"

struct frag_limits {
	size_t max_bytes;     /* buffers + records of held datagrams */
	size_t max_datagrams; /* datagrams held at once */
	uint64_t timeout_ns;  /* from a datagram's first fragment */
};

/* Linux's defaults: ipfrag_high_thresh 4 MiB, ipfrag_time 30 s. */
#define FRAG_MAX_BYTES_DEFAULT (4u << 20)
#define FRAG_MAX_DATAGRAMS_DEFAULT 1024u
#define FRAG_TIMEOUT_NS_DEFAULT (30ull * 1000000000ull)
/* Disjoint pieces held per datagram: out-of-order delivery makes a few;
 * hundreds of 8-byte holes are an attack on the bookkeeping. */
#define FRAG_PIECES_MAX 64

struct frag_datagram {
	const uint8_t *data; /* what follows the IP header(s) */
	uint32_t len;
	uint8_t proto; /* IPv4 protocol, or the offset-0 fragment's next header */
};

struct frag_table;

struct frag_table *frag_table_new(const struct frag_limits *lim,
				  struct counters *ctr);
/* Frees everything; datagrams still held are counted FRAG_INCOMPLETE. */
void frag_table_free(struct frag_table *ft);

/* Takes the fragment t (net_decode() said NET_FRAGMENT) seen at `now`.
 * True when it completed its datagram: *out then points into a buffer
 * valid until the next frag_* call. Every fragment that is dropped is
 * counted. */
bool frag_feed(struct frag_table *ft, const struct net_tcp *t, uint64_t now,
	       struct frag_datagram *out);

/* Drops every datagram held (the capture ended), counting each
 * FRAG_INCOMPLETE. */
void frag_flush(struct frag_table *ft);

/* Drops the datagrams older than the timeout at `now`. */
void frag_expire(struct frag_table *ft, uint64_t now);

size_t frag_pending(const struct frag_table *ft); /* datagrams held */
size_t frag_bytes(const struct frag_table *ft);   /* bytes charged */

#endif
