/* scale-mem.c - where the memory of a session goes, for `make
 * bench-scale`.
 *
 *   scale-mem FILE
 *
 * Runs the engine, the tracker and the session model over FILE the way
 * `iscsiwatch -r FILE` does (no exports), then, before the end of the
 * capture is declared (so sessions still logged in stay so), walks the
 * session table and prints the heap bytes of the model by component, per
 * session: the session record (names, negotiated values), its event
 * history (the ring and each event's detail) and SendTargets results,
 * the connection records (the login's negotiation record, the values;
 * its values kept whole off the record, neg.wide, as a line of their
 * own; its strings are interned names, counted with the names), and the
 * SCSI state of sessions and connections with the blocks its lazy parts
 * hold (scsi_sess_blocks). Heap blocks are measured with
 * malloc_usable_size, so the allocator's rounding is counted too; the
 * records that come from pools (pool.h: the session, connection and
 * SCSI records) by pool_record_size. Flows,
 * reassembly and framers are not reachable from here; the bench script
 * gets them from peak RSS.
 *
 * A bench tool, not engine code.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* malloc_usable_size */
#endif
#include <inttypes.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "engine.h"
#include "intern.h"
#include "pool.h"
#include "scsi.h"
#include "session.h"
#include "track.h"

#define FIELD_SIZE(t, f) sizeof(((t *)0)->f)

struct tally {
	const char *name;
	uint64_t bytes;
};

enum {
	M_SESSION,
	M_EVENTS,
	M_TARGETS,
	M_SCONN,
	M_NEG_WIDE,
	M_SCSI_SESS,
	M_SCSI_CONN,
	M_COUNT,
};

/* Adds a lazy block's heap bytes (scsi.h: latency buckets, sense table,
 * trend bins, LUN lists) to a tally. */
static void weigh(void *user, const void *block)
{
	*(uint64_t *)user += malloc_usable_size((void *)(uintptr_t)block);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: scale-mem FILE\n");
		return 2;
	}
	char err[512];
	const char *paths[1] = {argv[1]};
	struct capture *cap = capture_open_files(paths, 1, NULL, err, sizeof(err));
	if (!cap) {
		fprintf(stderr, "scale-mem: %s\n", err);
		return 1;
	}
	struct engine_opts eo;
	engine_opts_default(&eo);
	eo.flows.max_flows = 1u << 22;
	struct engine *eng = engine_new(&eo);
	struct session_table *st =
		eng ? session_table_new(1u << 22, engine_counters(eng)) : NULL;
	if (!st) {
		fprintf(stderr, "scale-mem: out of memory\n");
		return 1;
	}
	struct track tr = {st, 0};
	struct engine_sink ts = track_sink(&tr);
	engine_add_sink(eng, &ts);
	struct packet pkt;
	int rc;
	while ((rc = capture_next(cap, &pkt, err, sizeof(err))) != 0)
		if (rc == 1)
			engine_packet(eng, &pkt);

	struct tally t[M_COUNT] = {
	    [M_SESSION] = {"session records", 0},
	    [M_EVENTS] = {"event rings", 0},
	    [M_TARGETS] = {"SendTargets results", 0},
	    [M_SCONN] = {"connection records", 0},
	    [M_NEG_WIDE] = {"negotiation, kept whole", 0},
	    [M_SCSI_SESS] = {"SCSI state, sessions", 0},
	    [M_SCSI_CONN] = {"SCSI state, connections", 0},
	};
	uint64_t nsess = 0, nlive = 0, nconn = 0;
	for (const struct session *s = session_first(st); s; s = s->next) {
		nsess++;
		nlive += s->status == ST_OK || s->status == ST_DEGRADED;
		t[M_SESSION].bytes += pool_record_size(sizeof(*s));
		t[M_EVENTS].bytes += malloc_usable_size(s->events);
		for (unsigned i = 0; i < s->nevents; i++)
			t[M_EVENTS].bytes += malloc_usable_size(
			    (void *)(uintptr_t)session_event_at(s, i)->detail);
		t[M_TARGETS].bytes += malloc_usable_size(s->targets);
		if (s->scsi) {
			t[M_SCSI_SESS].bytes +=
				pool_record_size(sizeof(*s->scsi));
			scsi_sess_blocks(s->scsi, weigh, &t[M_SCSI_SESS].bytes);
		}
		for (const struct sconn *c = s->conns; c; c = c->next) {
			nconn++;
			t[M_SCONN].bytes += pool_record_size(sizeof(*c));
			t[M_NEG_WIDE].bytes += malloc_usable_size(c->neg.wide);
			if (c->scsi) {
				t[M_SCSI_CONN].bytes +=
					pool_record_size(sizeof(*c->scsi));
				scsi_stats_blocks(c->scsi, weigh,
						  &t[M_SCSI_CONN].bytes);
			}
		}
	}
	uint64_t total = 0;
	for (int i = 0; i < M_COUNT; i++)
		total += t[i].bytes;
	printf("sessions %" PRIu64 " (logged in %" PRIu64 "), connections %" PRIu64
	       "\n",
	       nsess, nlive, nconn);
	double n = nsess ? (double)nsess : 1;
	for (int i = 0; i < M_COUNT; i++)
		printf("  %-26s %9.0f bytes/session\n", t[i].name,
		       (double)t[i].bytes / n);
	printf("  %-26s %9.0f bytes/session\n", "session model, total",
	       (double)total / n);
	/* The parts of the fixed-size records, for what to shrink first. */
	printf("record layout (bytes):\n");
	printf("  struct session %zu: values %zu; an event %zu\n",
	       sizeof(struct session), FIELD_SIZE(struct session, vals),
	       sizeof(struct sess_event));
	printf("  names: %zu distinct, %zu bytes (shared, intern.h)\n",
	       intern_count(), intern_bytes());
	printf("  struct sconn %zu: negotiation record %zu, values %zu\n",
	       sizeof(struct sconn), FIELD_SIZE(struct sconn, neg),
	       FIELD_SIZE(struct sconn, vals));
	printf("  struct scsi_sess %zu, struct scsi_stats %zu, struct "
	       "scsi_conn %zu, latency histogram %zu\n",
	       sizeof(struct scsi_sess), sizeof(struct scsi_stats),
	       sizeof(struct scsi_conn), sizeof(struct scsi_hist));
	engine_finish(eng);
	session_table_free(st);
	engine_free(eng);
	capture_free(cap);
	return 0;
}
