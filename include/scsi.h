/* scsi.h - the SCSI layer: what the Full Feature Phase PDUs of a
 * connection say about I/O, decoded through libiscsi.
 *
 * Fed by the tracker (track.c) with each PDU's BHS (begin), the few data
 * bytes it asks for (data) and the PDU's end. It
 *  - decodes each SCSI Command's CDB (scsi_cdb_unmarshall): operation,
 *    LUN (BHS bytes 8-15), LBA, transfer length, read/write (byte 1);
 *  - matches the completion by ITT (SCSI Response, or Data-In with the
 *    S bit, RFC 7143 §11.7.1) and puts the command -> response latency
 *    (capture time stamps) into a fixed log-bucket histogram;
 *  - decodes CHECK CONDITION sense data (scsi_parse_sense_data) and
 *    counts it by sense key / ASC / ASCQ;
 *  - builds a LUN inventory from REPORT LUNS, standard INQUIRY and READ
 *    CAPACITY(10/16) Data-In (scsi_datain_unmarshall);
 *  - keeps the iSCSI-MIB counters (RFC 4544 / 7147) per connection and
 *    per session, with IOPS and throughput over the last interval.
 *
 * Memory: per connection, a command table allocated on the first SCSI
 * Command, growing to SCSI_OUTSTANDING_MAX entries at most; commands
 * whose response never comes are aged out after SCSI_CMD_AGE_MAX_NS (or
 * pushed out by the cap), and counted. Only two kinds of data are
 * copied, both bounded: sense data (SCSI_SENSE_COPY_MAX) and the Data-In
 * of inventory commands (SCSI_INV_COPY_MAX, one command at a time per
 * connection). Bulk READ/WRITE data is counted, never copied.
 * What most sessions never use is on the heap and made by use (issue
 * 10: thousands of sessions): the latency buckets span only the
 * buckets hit so far, the sense table, the LUN inventory and the REPORT
 * LUNS list grow entry by entry to their caps, the trend bins exist once
 * a first interval window has closed, the sense and inventory copy
 * buffers once a command needs them. A block that cannot be made (out
 * of memory) leaves what it would hold uncounted there, and each such
 * failure is counted once in the engine counter CTR_SCSI_NOMEM
 * (scsi_io.ctr); nothing else changes.
 *
 * Ownership: nothing here exists before a SCSI PDU (scsi_opcode_wanted):
 * an idle session has no SCSI state. The tracker (track.c) makes the
 * decoder state of a connection (struct scsi_conn: open commands, the
 * sense and inventory copies) on the connection's first SCSI PDU and
 * frees it with the TCP connection. What is counted - struct scsi_stats
 * per connection, struct scsi_sess per session - is the session model's
 * (session_scsi_attach makes them, session.c frees them); this module
 * only fills them, through struct scsi_io. The PDU-level counters
 * (PDUs, octets, NOPs, digests, rejects) are the session model's too
 * (struct pdu_counts, session.h), counted once by the tracker.
 */
#ifndef ISCSIWATCH_SCSI_H
#define ISCSIWATCH_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "framer.h"

#define SCSI_OUTSTANDING_MAX 1024u  /* commands tracked per connection */
#define SCSI_CMD_AGE_MAX_NS (60ull * 1000000000ull) /* no answer: aged out */
#define SCSI_INTERVAL_NS 1000000000ull /* IOPS / throughput interval */
#define SCSI_SENSE_TABLE_MAX 16u    /* distinct key/ASC/ASCQ counted */
#define SCSI_LUNS_MAX 32u           /* LUN inventory entries per session */
#define SCSI_REPORTED_LUNS_MAX 64u  /* REPORT LUNS entries kept */
#define SCSI_SENSE_COPY_MAX 260u    /* 2-byte SenseLength + 258 bytes */
#define SCSI_INV_COPY_MAX 4096u     /* INQUIRY / READ CAPACITY / REPORT LUNS */
#define SCSI_EVENTS_MAX 16u         /* error events per session, then counts */

/* Latency histogram: 4 buckets per power of two from 2^10 ns (about
 * 1 us) to 2^40 ns (about 18 min); values outside land in the end
 * buckets. Fixed size, no per-command memory. */
#define SCSI_HIST_MIN_SHIFT 10u
#define SCSI_HIST_MAX_SHIFT 40u
#define SCSI_HIST_SUB 4u
#define SCSI_HIST_BUCKETS                                                      \
	((SCSI_HIST_MAX_SHIFT - SCSI_HIST_MIN_SHIFT) * SCSI_HIST_SUB)

struct scsi_hist {
	uint64_t count;
	uint64_t sum_ns, min_ns, max_ns;
	/* Buckets lo .. lo + n - 1 (the others are zero): heap, NULL
	 * before the first sample, grown to the span of those seen. Read
	 * them with scsi_hist_at(). */
	uint64_t *b;
	uint8_t lo, n;
};

/* False when the sample's bucket could not be made (out of memory):
 * counted in count/sum/min/max, not in a bucket. */
bool scsi_hist_add(struct scsi_hist *h, uint64_t ns);
/* Samples in a bucket (0 .. SCSI_HIST_BUCKETS - 1). */
uint64_t scsi_hist_at(const struct scsi_hist *h, unsigned bucket);
/* Frees the buckets; h is empty again. */
void scsi_hist_release(struct scsi_hist *h);
/* The value below which `pct` percent (0..100) of the samples lie, as
 * the upper bound of its bucket (clamped to max_ns); 0 when empty. */
uint64_t scsi_hist_percentile(const struct scsi_hist *h, double pct);
/* Bucket of a value and that bucket's upper bound, inclusive
 * (UINT64_MAX for the last). */
unsigned scsi_hist_bucket(uint64_t ns);
uint64_t scsi_hist_upper(unsigned bucket);
/* Its lower bound (inclusive; 0 for the first bucket). */
uint64_t scsi_hist_lower(unsigned bucket);

struct scsi_sense_count {
	uint8_t key, asc, ascq;
	uint64_t count;
};

/* Counts over one interval of SCSI_INTERVAL_NS. */
struct scsi_window {
	uint64_t reads, writes, others;
	uint64_t bytes_read, bytes_written;
};

/* Throughput and commands over the last minutes, for the operator's
 * sparklines: SCSI_TREND_BINS bins of SCSI_TREND_BIN_NS each, filled
 * from the interval windows as they roll (capture time). Fixed size. */
#define SCSI_TREND_BINS 60u
#define SCSI_TREND_BIN_NS (5ull * SCSI_INTERVAL_NS)

struct scsi_trend_bins {
	uint32_t kib[SCSI_TREND_BINS];  /* KiB read + written (saturating) */
	uint32_t cmds[SCSI_TREND_BINS]; /* reads + writes + others */
};

struct scsi_trend {
	uint64_t newest;  /* bin number (time / SCSI_TREND_BIN_NS) of the
			   * newest bin held; 0: none yet */
	struct scsi_trend_bins *bins; /* heap: made when the first interval
				       * window closes (I/O in two seconds) */
};

/* The SCSI counters of a connection or of a session (the sum of its
 * connections); the PDU-level iSCSI-MIB ones are struct pdu_counts
 * (session.h). */
struct scsi_stats {
	uint64_t scsi_cmds, scsi_rsps;   /* commands; completions matched */
	uint64_t reads, writes, others;  /* commands by kind */
	uint64_t bytes_read, bytes_written; /* data of READ / WRITE commands */
	uint64_t good, check_conditions, busy, reservation_conflicts,
	    task_set_full, other_status;
	uint64_t target_failures;   /* SCSI Response: iSCSI response != 0 */
	uint64_t unmatched_rsps;    /* completion whose command was not seen */
	uint64_t aged_out;          /* no completion within the age limit */
	uint64_t cap_evicted;       /* pushed out by SCSI_OUTSTANDING_MAX */
	uint64_t unanswered_at_close; /* open when the connection ended */
	uint64_t aborted;           /* ended by a task management function */
	uint64_t r2ts, data_out_pdus, data_in_pdus;
	uint64_t tmf_reqs, tmf_rsps, async_msgs, snacks;
	uint64_t outstanding, outstanding_max;
	struct scsi_hist latency;
	/* distinct key/ASC/ASCQ: heap, grown by use to SCSI_SENSE_TABLE_MAX */
	struct scsi_sense_count *sense;
	unsigned nsense, sense_cap;
	uint64_t sense_other;  /* beyond the table (or out of memory) */
	/* interval rates: cur is being filled since win_start */
	uint64_t first_ns, last_ns;  /* first and last SCSI command */
	uint64_t win_start;
	struct scsi_window cur, last;
	struct scsi_trend trend;
};

/* What the capture showed of one LUN. */
struct scsi_lun {
	uint64_t lun;           /* LUN number (single-level addressing) */
	bool inquiry_seen;
	uint8_t qualifier, device_type;
	char vendor[9], product[17], revision[5];
	bool capacity_seen;
	bool capacity16;        /* from READ CAPACITY(16) */
	uint64_t blocks;        /* last LBA + 1 */
	uint32_t block_size;
	bool reported;          /* listed by REPORT LUNS */
};

struct scsi_sess {
	struct scsi_stats stats;
	/* LUN inventory: heap, grown by use to SCSI_LUNS_MAX (then, or out
	 * of memory, counted in luns_dropped) */
	struct scsi_lun *luns;
	unsigned nluns, luns_cap;
	uint64_t luns_dropped;
	bool report_luns_seen;
	/* the last REPORT LUNS list: heap, its size, SCSI_REPORTED_LUNS_MAX
	 * at most */
	uint64_t *reported;
	unsigned nreported;
	uint32_t reported_total;  /* as the REPORT LUNS header said */
	uint64_t events_sent, events_suppressed;
};

struct scsi_cmd; /* scsi.c */

/* The PDU in progress in one direction. */
struct scsi_cur {
	uint8_t opcode;
	bool s_bit;             /* Data-In carrying status */
	uint8_t status, response;
	uint32_t itt;
	uint32_t buf_off;       /* Data-In buffer offset */
	uint32_t want;          /* 0 none, 1 sense, 2 inventory */
	uint32_t have;          /* bytes copied so far in this PDU */
};

/* The decoder state of one connection (the tracker's). */
struct scsi_conn {
	struct scsi_cmd *tab;   /* open addressing, power-of-two size */
	uint32_t tab_size, tab_used;
	uint64_t last_sweep;
	struct scsi_cur cur[2];
	uint8_t *sense;         /* SCSI_SENSE_COPY_MAX bytes, lazily */
	uint32_t sense_len;
	uint8_t *inv;           /* SCSI_INV_COPY_MAX bytes, lazily */
	uint32_t inv_itt, inv_len;
	bool inv_busy;
};

/* PDUs this module decodes: SCSI Command/Response, Data-In/Out, R2T,
 * task management, SNACK, Async Message and Reject. The first one of a
 * connection makes its SCSI state; the others (Login, Text, NOP,
 * Logout) are only counted, by the tracker. */
bool scsi_opcode_wanted(uint8_t opcode);

struct scsi_conn *scsi_conn_new(void);
void scsi_conn_free(struct scsi_conn *c);
struct scsi_sess *scsi_sess_new(void);
void scsi_sess_free(struct scsi_sess *s);
/* A connection's counters (the session model's, see above). */
struct scsi_stats *scsi_stats_new(void);
void scsi_stats_free(struct scsi_stats *st);
/* Frees the heap parts of stats not made by scsi_stats_new (on the
 * stack, in a test); st is empty again. */
void scsi_stats_release(struct scsi_stats *st);
/* The heap blocks the lazy parts hold (not the struct itself), each
 * told to fn: for bench/scale-mem, which weighs them. */
typedef void (*scsi_block_fn)(void *user, const void *block);
void scsi_stats_blocks(const struct scsi_stats *st, scsi_block_fn fn,
		       void *user);
void scsi_sess_blocks(const struct scsi_sess *s, scsi_block_fn fn, void *user);

/* An error worth an NDJSON event, told to the caller (the tracker turns
 * it into session_event). Already rate limited: the first
 * SCSI_EVENTS_MAX per session, then one "scsi_events_suppressed" at
 * each power of two of the suppressed count. */
typedef void (*scsi_event_fn)(void *user, uint64_t now, const char *kind,
			      const char *detail);

/* What one PDU updates: the connection's decoder state and counters
 * and the session's; any may be NULL (out of memory: not counted). */
struct scsi_io {
	struct scsi_conn *c;
	struct scsi_stats *cs;
	struct scsi_sess *s;
	scsi_event_fn event; /* may be NULL */
	void *user;
	struct counters *ctr; /* the engine's: CTR_SCSI_NOMEM; may be NULL */
};

/* dir 0: initiator -> target. p->bhs is valid only in begin. Only
 * PDUs of scsi_opcode_wanted() opcodes are fed. */
void scsi_pdu_begin(const struct scsi_io *io, uint64_t now, int dir,
		    const struct pdu *p);
void scsi_pdu_data(const struct scsi_io *io, int dir, const struct pdu *p,
		   const uint8_t *d, size_t n);
void scsi_pdu_end(const struct scsi_io *io, uint64_t now, int dir,
		  const struct pdu *p);
/* The connection ended: open commands are counted as unanswered and the
 * command table is released. */
void scsi_conn_closed(const struct scsi_io *io, uint64_t now);

/* ---- reading the figures ---- */

/* Rates over the last complete interval before `now` (0 when the
 * interval is older than that) and over the whole I/O period. */
struct scsi_rates {
	double read_iops, write_iops, iops;
	double read_bps, write_bps; /* bytes per second */
	double total_iops, total_read_bps, total_write_bps;
};
void scsi_stats_rates(const struct scsi_stats *st, uint64_t now,
		      struct scsi_rates *r);
/* The trend at `now`: out_bps[i] / out_iops[i] for the n (<=
 * SCSI_TREND_BINS) bins ending with the one holding now, oldest first,
 * as bytes and commands per second (the window still open counted). */
void scsi_trend_get(const struct scsi_stats *st, uint64_t now, double *out_bps,
		    double *out_iops, unsigned n);

/* The SCSI errors in one number: check conditions and other bad
 * statuses, target failures, commands aged out. session_errors() adds
 * the PDU-level ones (rejects, digest and format errors, timeouts). */
uint64_t scsi_stats_errors(const struct scsi_stats *st);

/* The UI hook: a session's figures in one small struct. */
struct scsi_figures {
	bool io_seen;          /* any SCSI command */
	double iops, mbps;     /* last interval, reads + writes (MB = 1e6) */
	double read_iops, write_iops, read_mbps, write_mbps;
	double total_iops, total_mbps; /* over the whole I/O period */
	uint64_t p50_ns, p95_ns, p99_ns;
	uint64_t errors, check_conditions, outstanding;
	uint64_t cmds;
};
/* The figures of a session's SCSI state (all zero for NULL); errors
 * are the SCSI ones only (session_figures adds the others). */
void scsi_figures(const struct scsi_sess *ss, uint64_t now,
		  struct scsi_figures *f);

/* Names: "READ(10)" etc. (scsi_op_name), "ILLEGAL_REQUEST" (libiscsi,
 * or "0xN"), "LOGICAL UNIT RESET" (TMF function, §11.5.1), Reject
 * reason (§11.17.1), SCSI status ("CHECK CONDITION"). Static storage. */
const char *scsi_op_name(uint8_t op, uint8_t sa);
const char *scsi_tmf_name(uint8_t fn);
const char *scsi_status_name(uint8_t status);
const char *scsi_devtype_name(uint8_t type);
/* "ILLEGAL_REQUEST", else "0xN". buf for the fallback. */
const char *scsi_key_name(uint8_t key, char *buf, size_t len);
/* "LBA_OUT_OF_RANGE", else "ASC 0x.. ASCQ 0x..". */
const char *scsi_ascq_name(uint8_t asc, uint8_t ascq, char *buf, size_t len);
/* The LUN number of an 8-byte LUN field (SAM-5 single level:
 * peripheral or flat addressing); raw 64-bit value otherwise. */
uint64_t scsi_lun_number(const uint8_t lun[8]);

/* For the tests only: the next n heap allocations of this module fail
 * (0: none), to see an allocation failure counted. */
void scsi_test_fail_allocs(unsigned n);

#endif
