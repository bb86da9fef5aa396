/* metrics.h - the sensor and its sessions in the Prometheus text
 * exposition format, version 0.0.4 (the body of GET /metrics).
 *
 * Names follow the Prometheus conventions: the iscsiwatch_ prefix, base
 * units (seconds, bytes), _total on counters. Every counter of
 * counters.h appears as iscsiwatch_<name>_total by itself (the COUNTERS
 * X-macro), so a new counter needs no change here.
 *
 * Per-session series carry the labels seq (creation order: the one handle
 * that tells two sessions of the same identity apart, as in the events),
 * initiator, target and isid, which never change while the session is in
 * the table; its TSIH and state, which do, are the labels of one
 * iscsiwatch_session_info series (value 1) per session, so a state change
 * ends no counter. There is one label set per session in the table, so
 * the series are bounded by the session cap (--max-sessions); login
 * failures are tallied per (initiator, target, status) in a table of at
 * most METRICS_FAIL_KEYS_MAX keys, the rest under initiator="(other)",
 * target="(other)".
 *
 * Label values are the wire's bytes made valid UTF-8 (U+FFFD for bad
 * sequences) and escaped as the format asks (\\, \", \n): textsafe.h's
 * TS_PROM style.
 *
 * Ownership: struct metrics is the caller's (metrics_new/metrics_free);
 * its listener is valid until metrics_free. metrics_render() returns a
 * malloc'd buffer the caller frees.
 */
#ifndef ISCSIWATCH_METRICS_H
#define ISCSIWATCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "session.h"

#define METRICS_FAIL_KEYS_MAX 1024u
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_meta {
	const char *version;		 /* ISCSIWATCH_VERSION */
	const struct counters *counters; /* may be NULL */
	uint64_t drops, ifdrops;	 /* pcap_stats of a live capture */
	uint64_t iface_failures;	 /* live: reads that failed */
	bool live;
	/* what retention folded (session_summaries()), NULL: nothing */
	const struct sess_summary *summaries;
};

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Hand to the session table's listeners: it counts login failures. */
const struct session_listener *metrics_listener(struct metrics *m);

/* The whole exposition: sensor series, then per-session series of the
 * sessions from first (follow ->next). m may be NULL (no login-failure
 * tally). Returns a NUL-terminated malloc'd string (length in *len) or
 * NULL when out of memory. */
char *metrics_render(const struct metrics *m, const struct session *first,
		     const struct metrics_meta *mm, size_t *len);

/* The "le" bounds of the latency histogram, in nanoseconds: exact upper
 * bounds of scsi.h histogram buckets, so the cumulative counts are exact.
 * Returns how many (the +Inf bucket is not among them). */
size_t metrics_latency_bounds(const uint64_t **bounds);

#endif
