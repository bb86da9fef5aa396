/* scsi.c - the SCSI layer: CDBs, completions, latency, sense data, the
 * LUN inventory and the iSCSI-MIB counters, decoded through libiscsi. */
#include "scsi.h"

#include <iscsi/scsi-lowlevel.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi.h"
#include "pool.h"
#include "rd.h"

enum cmd_kind { K_FREE = 0, K_READ, K_WRITE, K_OTHER, K_TMF };

/* One open command (or Task Management request) of a connection. */
struct scsi_cmd {
	uint32_t itt;
	uint8_t kind;   /* enum cmd_kind; K_FREE: empty slot */
	uint8_t op;     /* CDB byte 0, or the TMF function */
	uint8_t sa;     /* CDB byte 1 (service action / EVPD) */
	uint8_t page;   /* CDB byte 2 (INQUIRY page) */
	uint32_t blocks;
	uint64_t lun;
	uint64_t lba;   /* for a TMF: the Referenced Task Tag */
	uint64_t start_ns;
};

#define TAB_MIN 32u
#define TAB_MAX (2u * SCSI_OUTSTANDING_MAX) /* load factor <= 1/2 */
#define SWEEP_NS 1000000000ull

/* SCSI status codes (SAM-5). */
#define ST_GOOD 0x00
#define ST_CHECK 0x02
#define ST_BUSY 0x08
#define ST_RESV 0x18
#define ST_TSF 0x28

/* ---- memory ---- */

/* Every heap block of this module comes through here, so a test can
 * make the next ones fail (scsi_test_fail_allocs) and see the failure
 * counted (CTR_SCSI_NOMEM). */
static unsigned fail_allocs;

void scsi_test_fail_allocs(unsigned n)
{
	fail_allocs = n;
}

static bool alloc_refused(void)
{
	if (!fail_allocs)
		return false;
	fail_allocs--;
	return true;
}

static void *s_calloc(size_t n, size_t size)
{
	return alloc_refused() ? NULL : calloc(n, size);
}

static void *s_malloc(size_t size)
{
	return alloc_refused() ? NULL : malloc(size);
}

static void *s_realloc(void *p, size_t size)
{
	return alloc_refused() ? NULL : realloc(p, size);
}

/* ---- names ---- */

const char *scsi_op_name(uint8_t op, uint8_t sa)
{
	switch (op) {
	case 0x00: return "TEST UNIT READY";
	case 0x03: return "REQUEST SENSE";
	case 0x08: return "READ(6)";
	case 0x0a: return "WRITE(6)";
	case 0x12: return "INQUIRY";
	case 0x15: return "MODE SELECT(6)";
	case 0x1a: return "MODE SENSE(6)";
	case 0x1b: return "START STOP UNIT";
	case 0x1e: return "PREVENT ALLOW MEDIUM REMOVAL";
	case 0x25: return "READ CAPACITY(10)";
	case 0x28: return "READ(10)";
	case 0x2a: return "WRITE(10)";
	case 0x2e: return "WRITE AND VERIFY(10)";
	case 0x2f: return "VERIFY(10)";
	case 0x35: return "SYNCHRONIZE CACHE(10)";
	case 0x41: return "WRITE SAME(10)";
	case 0x42: return "UNMAP";
	case 0x55: return "MODE SELECT(10)";
	case 0x5a: return "MODE SENSE(10)";
	case 0x5e: return "PERSISTENT RESERVE IN";
	case 0x5f: return "PERSISTENT RESERVE OUT";
	case 0x83: return "EXTENDED COPY";
	case 0x88: return "READ(16)";
	case 0x89: return "COMPARE AND WRITE";
	case 0x8a: return "WRITE(16)";
	case 0x8e: return "WRITE AND VERIFY(16)";
	case 0x8f: return "VERIFY(16)";
	case 0x91: return "SYNCHRONIZE CACHE(16)";
	case 0x93: return "WRITE SAME(16)";
	case 0x9e:
		return (sa & 0x1f) == 0x10 ? "READ CAPACITY(16)"
		       : (sa & 0x1f) == 0x12 ? "GET LBA STATUS"
					     : "SERVICE ACTION IN(16)";
	case 0xa0: return "REPORT LUNS";
	case 0xa3: return "MAINTENANCE IN";
	case 0xa8: return "READ(12)";
	case 0xaa: return "WRITE(12)";
	case 0xae: return "WRITE AND VERIFY(12)";
	case 0xaf: return "VERIFY(12)";
	}
	return "UNKNOWN";
}

const char *scsi_tmf_name(uint8_t fn)
{
	return iscsi_tok_str(iscsi_tmf_functions, fn, "UNKNOWN");
}

const char *scsi_status_name(uint8_t status)
{
	switch (status) {
	case ST_GOOD: return "GOOD";
	case ST_CHECK: return "CHECK CONDITION";
	case 0x04: return "CONDITION MET";
	case ST_BUSY: return "BUSY";
	case ST_RESV: return "RESERVATION CONFLICT";
	case ST_TSF: return "TASK SET FULL";
	case 0x30: return "ACA ACTIVE";
	case 0x40: return "TASK ABORTED";
	}
	return "UNKNOWN STATUS";
}

const char *scsi_devtype_name(uint8_t type)
{
	const char *s = scsi_devtype_to_str(
	    (enum scsi_inquiry_peripheral_device_type)type);
	return s ? s : "UNKNOWN";
}

const char *scsi_key_name(uint8_t key, char *buf, size_t len)
{
	const char *s = scsi_sense_key_str(key);
	if (s)
		return s;
	snprintf(buf, len, "0x%x", key);
	return buf;
}

const char *scsi_ascq_name(uint8_t asc, uint8_t ascq, char *buf, size_t len)
{
	const char *s = scsi_sense_ascq_str((asc << 8) | ascq);
	if (s)
		return s;
	snprintf(buf, len, "ASC 0x%02x ASCQ 0x%02x", asc, ascq);
	return buf;
}

uint64_t scsi_lun_number(const uint8_t l[8])
{
	/* SAM-5 §4.7: single level LUNs have bytes 2-7 zero; address
	 * method 00b (peripheral) or 01b (flat) in the top bits of byte 0. */
	bool single = true;
	for (int i = 2; i < 8; i++)
		single = single && l[i] == 0;
	unsigned method = l[0] >> 6;
	if (single && (method == 0 || method == 1))
		return ((uint64_t)(l[0] & 0x3f) << 8) | l[1];
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | l[i];
	return v;
}

/* ---- histogram ---- */

unsigned scsi_hist_bucket(uint64_t ns)
{
	if (ns < (1ull << SCSI_HIST_MIN_SHIFT))
		return 0;
	unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
	if (msb >= SCSI_HIST_MAX_SHIFT)
		return SCSI_HIST_BUCKETS - 1;
	unsigned sub = (unsigned)(ns >> (msb - 2)) & (SCSI_HIST_SUB - 1);
	return (msb - SCSI_HIST_MIN_SHIFT) * SCSI_HIST_SUB + sub;
}

uint64_t scsi_hist_upper(unsigned b)
{
	if (b >= SCSI_HIST_BUCKETS - 1)
		return UINT64_MAX;
	unsigned msb = SCSI_HIST_MIN_SHIFT + b / SCSI_HIST_SUB;
	uint64_t sub = b % SCSI_HIST_SUB;
	/* Bucket holds [2^msb * (4+sub)/4, 2^msb * (5+sub)/4). */
	return ((4 + sub + 1) << (msb - 2)) - 1;
}

uint64_t scsi_hist_lower(unsigned b)
{
	if (b == 0)
		return 0;
	if (b >= SCSI_HIST_BUCKETS)
		b = SCSI_HIST_BUCKETS - 1;
	return scsi_hist_upper(b - 1) + 1;
}

uint64_t scsi_hist_at(const struct scsi_hist *h, unsigned k)
{
	return h->b && k >= h->lo && k - h->lo < h->n ? h->b[k - h->lo] : 0;
}

/* Grows the buckets held to take bucket k: most sessions' latencies
 * fall in a few adjacent buckets, so a session pays for those only. */
static bool hist_cover(struct scsi_hist *h, unsigned k)
{
	if (h->b && k >= h->lo && k - h->lo < h->n)
		return true;
	unsigned lo = h->b && h->lo < k ? h->lo : k;
	unsigned end = h->b && h->lo + h->n > k + 1 ? h->lo + h->n : k + 1;
	uint64_t *b = s_calloc(end - lo, sizeof(*b));
	if (!b)
		return false;
	if (h->b)
		memcpy(b + (h->lo - lo), h->b, h->n * sizeof(*b));
	free(h->b);
	h->b = b;
	h->lo = (uint8_t)lo;
	h->n = (uint8_t)(end - lo);
	return true;
}

bool scsi_hist_add(struct scsi_hist *h, uint64_t ns)
{
	if (h->count == 0 || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->count++;
	h->sum_ns += ns;
	unsigned k = scsi_hist_bucket(ns);
	if (!hist_cover(h, k))
		return false;
	h->b[k - h->lo]++;
	return true;
}

void scsi_hist_release(struct scsi_hist *h)
{
	free(h->b);
	memset(h, 0, sizeof(*h));
}

uint64_t scsi_hist_percentile(const struct scsi_hist *h, double pct)
{
	if (h->count == 0)
		return 0;
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	/* The rank of the sample wanted, 1-based, rounding up. */
	double want = pct / 100.0 * (double)h->count;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned j = 0; h->b && j < h->n; j++) {
		seen += h->b[j];
		if (seen >= rank) {
			uint64_t up = scsi_hist_upper(h->lo + j);
			if (up > h->max_ns)
				up = h->max_ns;
			if (up < h->min_ns)
				up = h->min_ns;
			return up;
		}
	}
	return h->max_ns;
}

/* ---- objects ---- */

/* Nearly every connection's table stays at its first size: those come
 * from a pool (a block of 1,280 bytes from malloc is a large-bin search
 * once the heap has seen churn), the grown ones from malloc. */
static struct pool tab_pool = {.size = TAB_MIN * sizeof(struct scsi_cmd)};

static struct scsi_cmd *tab_alloc(uint32_t size)
{
	if (size != TAB_MIN)
		return s_calloc(size, sizeof(struct scsi_cmd));
	return alloc_refused() ? NULL : pool_zalloc(&tab_pool);
}

static void tab_release(struct scsi_conn *c)
{
	if (c->tab_size == TAB_MIN)
		pool_free(&tab_pool, c->tab);
	else
		free(c->tab);
	c->tab = NULL;
}

/* One record of each per connection or session (pool.h). */
static struct pool conn_pool = POOL_INIT(struct scsi_conn);
static struct pool stats_pool = POOL_INIT(struct scsi_stats);
static struct pool sess_pool = POOL_INIT(struct scsi_sess);

struct scsi_conn *scsi_conn_new(void)
{
	return alloc_refused() ? NULL : pool_zalloc(&conn_pool);
}

void scsi_conn_free(struct scsi_conn *c)
{
	if (!c)
		return;
	tab_release(c);
	free(c->sense);
	free(c->inv);
	pool_free(&conn_pool, c);
}

struct scsi_stats *scsi_stats_new(void)
{
	return alloc_refused() ? NULL : pool_zalloc(&stats_pool);
}

void scsi_stats_release(struct scsi_stats *st)
{
	scsi_hist_release(&st->latency);
	free(st->sense);
	st->sense = NULL;
	st->nsense = st->sense_cap = 0;
	free(st->trend.bins);
	st->trend.bins = NULL;
	st->trend.newest = 0;
}

void scsi_stats_free(struct scsi_stats *st)
{
	if (!st)
		return;
	scsi_stats_release(st);
	pool_free(&stats_pool, st);
}

struct scsi_sess *scsi_sess_new(void)
{
	return alloc_refused() ? NULL : pool_zalloc(&sess_pool);
}

void scsi_sess_free(struct scsi_sess *s)
{
	if (!s)
		return;
	scsi_stats_release(&s->stats);
	free(s->luns);
	free(s->reported);
	pool_free(&sess_pool, s);
}

static void block(scsi_block_fn fn, void *user, const void *b)
{
	if (b)
		fn(user, b);
}

void scsi_stats_blocks(const struct scsi_stats *st, scsi_block_fn fn,
		       void *user)
{
	block(fn, user, st->latency.b);
	block(fn, user, st->sense);
	block(fn, user, st->trend.bins);
}

void scsi_sess_blocks(const struct scsi_sess *s, scsi_block_fn fn, void *user)
{
	scsi_stats_blocks(&s->stats, fn, user);
	block(fn, user, s->luns);
	block(fn, user, s->reported);
}

/* The stats an event updates: the connection's and the session's. */
static int stats_of(const struct scsi_io *io, struct scsi_stats *st[2])
{
	int n = 0;
	if (io->cs)
		st[n++] = io->cs;
	if (io->s)
		st[n++] = &io->s->stats;
	return n;
}

/* Runs the statement after it once for each of those stats, as S. */
#define FOR_STATS(io, S)                                                       \
	for (struct scsi_stats *S##_all[3] = {NULL, NULL, NULL},               \
			       **S##_p = (stats_of(io, S##_all), S##_all);     \
	     *S##_p; S##_p++)                                                  \
		for (struct scsi_stats *S = *S##_p; S; S = NULL)

/* Adds a closed interval window (starting at t) to the trend bins;
 * false when they could not be made. */
static bool trend_add(struct scsi_trend *tr, uint64_t t,
		      const struct scsi_window *w)
{
	uint64_t b = t / SCSI_TREND_BIN_NS;
	if (!tr->bins && !(tr->bins = s_calloc(1, sizeof(*tr->bins))))
		return false;
	struct scsi_trend_bins *tb = tr->bins;
	if (!tr->newest) {
		tr->newest = b;
	} else if (b > tr->newest) {
		/* Bins between the newest and b saw nothing. */
		uint64_t gap = b - tr->newest;
		for (uint64_t k = 1; k <= gap && k <= SCSI_TREND_BINS; k++) {
			unsigned slot = (unsigned)((tr->newest + k) % SCSI_TREND_BINS);
			tb->kib[slot] = 0;
			tb->cmds[slot] = 0;
		}
		tr->newest = b;
	} else if (tr->newest - b >= SCSI_TREND_BINS) {
		return true; /* older than the bins held */
	}
	unsigned slot = (unsigned)(b % SCSI_TREND_BINS);
	uint64_t kib = (w->bytes_read + w->bytes_written) / 1024u;
	uint64_t cmds = w->reads + w->writes + w->others;
	tb->kib[slot] = kib > UINT32_MAX - tb->kib[slot] ? UINT32_MAX
							 : tb->kib[slot] + (uint32_t)kib;
	tb->cmds[slot] = cmds > UINT32_MAX - tb->cmds[slot]
			     ? UINT32_MAX
			     : tb->cmds[slot] + (uint32_t)cmds;
	return true;
}

void scsi_trend_get(const struct scsi_stats *st, uint64_t now, double *out_bps,
		    double *out_iops, unsigned n)
{
	if (n > SCSI_TREND_BINS)
		n = SCSI_TREND_BINS;
	const struct scsi_trend *tr = &st->trend;
	uint64_t nb = now / SCSI_TREND_BIN_NS;
	uint64_t open_bin = st->win_start / SCSI_TREND_BIN_NS;
	double secs = (double)SCSI_TREND_BIN_NS / 1e9;
	for (unsigned i = 0; i < n; i++) {
		uint64_t b = nb - (n - 1 - i);
		double kib = 0, cmds = 0;
		if (tr->bins && tr->newest && b <= tr->newest &&
		    tr->newest - b < SCSI_TREND_BINS && b + n > nb) {
			kib = tr->bins->kib[b % SCSI_TREND_BINS];
			cmds = tr->bins->cmds[b % SCSI_TREND_BINS];
		}
		if (st->win_start && b == open_bin) {
			kib += (double)(st->cur.bytes_read +
					st->cur.bytes_written) / 1024.0;
			cmds += (double)(st->cur.reads + st->cur.writes +
					 st->cur.others);
		}
		if (out_bps)
			out_bps[i] = kib * 1024.0 / secs;
		if (out_iops)
			out_iops[i] = cmds / secs;
	}
}

/* Moves the interval window forward to the one holding `now`. */
static void window_roll(struct scsi_stats *st, struct counters *ctr,
			uint64_t now)
{
	uint64_t start = now - now % SCSI_INTERVAL_NS;
	if (st->win_start == 0 && st->first_ns == 0) {
		st->win_start = start;
		return;
	}
	if (now < st->win_start + SCSI_INTERVAL_NS)
		return;
	if (!trend_add(&st->trend, st->win_start, &st->cur))
		ctr_inc(ctr, CTR_SCSI_NOMEM); /* this window not in the trend */
	if (now < st->win_start + 2 * SCSI_INTERVAL_NS)
		st->last = st->cur;
	else
		memset(&st->last, 0, sizeof(st->last));
	memset(&st->cur, 0, sizeof(st->cur));
	st->win_start = start;
}

/* ---- events ---- */

static void emit(const struct scsi_io *io, uint64_t now, const char *kind,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void emit(const struct scsi_io *io, uint64_t now, const char *kind,
		 const char *fmt, ...)
{
	if (!io->event)
		return;
	struct scsi_sess *s = io->s;
	if (s && s->events_sent >= SCSI_EVENTS_MAX) {
		/* A storm: say so at 1, 2, 4, 8... suppressed events. */
		s->events_suppressed++;
		uint64_t n = s->events_suppressed;
		if ((n & (n - 1)) == 0) {
			char d[96];
			snprintf(d, sizeof(d),
				 "%llu SCSI error events not shown (limit %u "
				 "per session; see stats)",
				 (unsigned long long)n, SCSI_EVENTS_MAX);
			io->event(io->user, now, "scsi_events_suppressed", d);
		}
		return;
	}
	if (s)
		s->events_sent++;
	char d[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d, sizeof(d), fmt, ap);
	va_end(ap);
	io->event(io->user, now, kind, d);
}

/* ---- the command table (open addressing, linear probing) ---- */

static uint32_t tab_hash(uint32_t itt, uint32_t size)
{
	return (itt * 0x9e3779b1u) >> 7 & (size - 1);
}

static struct scsi_cmd *tab_find(struct scsi_conn *c, uint32_t itt)
{
	if (!c->tab)
		return NULL;
	uint32_t m = c->tab_size - 1;
	for (uint32_t i = tab_hash(itt, c->tab_size);; i = (i + 1) & m) {
		struct scsi_cmd *e = &c->tab[i];
		if (e->kind == K_FREE)
			return NULL;
		if (e->itt == itt)
			return e;
	}
}

/* Deletes slot i, shifting back the entries of its probe run. */
static void tab_del_at(struct scsi_conn *c, uint32_t i)
{
	uint32_t m = c->tab_size - 1;
	if (c->inv_busy && c->inv_itt == c->tab[i].itt)
		c->inv_busy = false;
	c->tab[i].kind = K_FREE;
	c->tab_used--;
	for (uint32_t j = (i + 1) & m; c->tab[j].kind != K_FREE;
	     j = (j + 1) & m) {
		uint32_t h = tab_hash(c->tab[j].itt, c->tab_size);
		/* Move j into the hole i unless h lies cyclically in (i, j]. */
		bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
		if (stays)
			continue;
		c->tab[i] = c->tab[j];
		c->tab[j].kind = K_FREE;
		i = j;
	}
}

static void tab_del(struct scsi_conn *c, struct scsi_cmd *e)
{
	tab_del_at(c, (uint32_t)(e - c->tab));
}

static int tab_resize(struct scsi_conn *c, uint32_t size)
{
	struct scsi_cmd *n = tab_alloc(size);
	if (!n)
		return -1;
	for (uint32_t i = 0; c->tab && i < c->tab_size; i++) {
		const struct scsi_cmd *o = &c->tab[i];
		if (o->kind == K_FREE)
			continue;
		uint32_t j = tab_hash(o->itt, size);
		while (n[j].kind != K_FREE)
			j = (j + 1) & (size - 1);
		n[j] = *o;
	}
	tab_release(c);
	c->tab = n;
	c->tab_size = size;
	return 0;
}

/* A command leaves the table without a completion. */
static void cmd_drop(const struct scsi_io *io, struct scsi_cmd *e,
		     uint64_t *(*which)(struct scsi_stats *))
{
	if (e->kind != K_TMF) {
		FOR_STATS(io, st)
		{
			if (st->outstanding)
				st->outstanding--;
			if (which)
				(*which(st))++;
		}
	}
	tab_del(io->c, e);
}

static uint64_t *w_aged(struct scsi_stats *st) { return &st->aged_out; }
static uint64_t *w_evicted(struct scsi_stats *st) { return &st->cap_evicted; }
static uint64_t *w_closed(struct scsi_stats *st)
{
	return &st->unanswered_at_close;
}
static uint64_t *w_aborted(struct scsi_stats *st) { return &st->aborted; }

static void tab_sweep(const struct scsi_io *io, uint64_t now)
{
	struct scsi_conn *c = io->c;
	c->last_sweep = now;
	if (!c->tab)
		return;
	for (uint32_t i = 0; i < c->tab_size;) {
		struct scsi_cmd *e = &c->tab[i];
		if (e->kind != K_FREE && now > e->start_ns &&
		    now - e->start_ns > SCSI_CMD_AGE_MAX_NS)
			cmd_drop(io, e, w_aged); /* slot i refilled: look again */
		else
			i++;
	}
}

static struct scsi_cmd *tab_add(const struct scsi_io *io, uint64_t now,
				uint32_t itt)
{
	struct scsi_conn *c = io->c;
	if (now >= c->last_sweep + SWEEP_NS)
		tab_sweep(io, now);
	struct scsi_cmd *e = tab_find(c, itt);
	if (e) /* ITT reused: the old command's answer never came */
		cmd_drop(io, e, w_aged);
	if (c->tab_used >= SCSI_OUTSTANDING_MAX) {
		/* Full: the oldest goes (counted). */
		struct scsi_cmd *old = NULL;
		for (uint32_t i = 0; i < c->tab_size; i++)
			if (c->tab[i].kind != K_FREE &&
			    (!old || c->tab[i].start_ns < old->start_ns))
				old = &c->tab[i];
		if (old)
			cmd_drop(io, old, w_evicted);
	}
	if (!c->tab || (c->tab_used + 1) * 2 > c->tab_size) {
		uint32_t size = c->tab ? c->tab_size * 2 : TAB_MIN;
		if (size > TAB_MAX)
			size = TAB_MAX;
		if ((size != c->tab_size && tab_resize(c, size) < 0) ||
		    !c->tab) {
			/* the command is not tracked: no latency, no match */
			ctr_inc(io->ctr, CTR_SCSI_NOMEM);
			return NULL;
		}
	}
	uint32_t j = tab_hash(itt, c->tab_size);
	while (c->tab[j].kind != K_FREE)
		j = (j + 1) & (c->tab_size - 1);
	e = &c->tab[j];
	memset(e, 0, sizeof(*e));
	e->itt = itt;
	e->start_ns = now;
	e->kind = K_OTHER;
	c->tab_used++;
	return e;
}

/* ---- SCSI Command ---- */

static bool op_is_read(uint8_t op)
{
	return op == 0x08 || op == 0x28 || op == 0xa8 || op == 0x88;
}

static bool op_is_write(uint8_t op)
{
	return op == 0x0a || op == 0x2a || op == 0xaa || op == 0x8a ||
	       op == 0x2e || op == 0xae || op == 0x8e || op == 0x9c;
}

/* Inventory commands whose (small) Data-In we copy and decode. */
static bool op_is_inventory(const struct scsi_cmd *e)
{
	switch (e->op) {
	case SCSI_OPCODE_INQUIRY:
		return (e->sa & 1) == 0; /* standard data, not a VPD page */
	case SCSI_OPCODE_READCAPACITY10:
	case SCSI_OPCODE_REPORTLUNS:
		return true;
	case SCSI_OPCODE_SERVICE_ACTION_IN:
		return (e->sa & 0x1f) == SCSI_READCAPACITY16;
	}
	return false;
}

/* LBA and length of a READ/WRITE/VERIFY CDB through libiscsi. */
static void cdb_decode(struct scsi_cmd *e, const uint8_t cdb[16],
		       uint32_t edtl, bool r, bool w)
{
	unsigned char b[SCSI_CDB_MAX_SIZE];
	memcpy(b, cdb, sizeof(b));
	int dir = r ? SCSI_XFER_READ : w ? SCSI_XFER_WRITE : SCSI_XFER_NONE;
	int len = 6;
	uint8_t group = b[0] >> 5; /* SPC-4 §4.2.5.1: the CDB length */
	if (group == 1 || group == 2)
		len = 10;
	else if (group == 4)
		len = 16;
	else if (group == 5)
		len = 12;
	struct scsi_task *t =
	    scsi_create_task(len, b, dir, edtl > INT32_MAX ? INT32_MAX : (int)edtl);
	if (!t)
		return;
	void *u = scsi_cdb_unmarshall(t, (enum scsi_opcode)b[0]);
	switch (u ? b[0] : 0xff) {
	case SCSI_OPCODE_READ6: {
		const struct scsi_read6_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->transfer_length ? x->transfer_length : 256;
		break;
	}
	case SCSI_OPCODE_READ10: {
		const struct scsi_read10_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->transfer_length;
		break;
	}
	case SCSI_OPCODE_READ12: {
		const struct scsi_read12_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->transfer_length;
		break;
	}
	case SCSI_OPCODE_READ16: {
		const struct scsi_read16_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->transfer_length;
		break;
	}
	case SCSI_OPCODE_WRITE10: {
		const struct scsi_write10_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->transfer_length;
		break;
	}
	case SCSI_OPCODE_WRITE12: {
		const struct scsi_write12_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->transfer_length;
		break;
	}
	case SCSI_OPCODE_WRITE16: {
		const struct scsi_write16_cdb *x = u;
		/* libiscsi 1.19 keeps this LBA in 32 bits: take the full
		 * 64-bit field (CDB bytes 2-9) ourselves. */
		(void)x->lba;
		e->lba = ((uint64_t)be32_at(cdb + 2) << 32) | be32_at(cdb + 6);
		e->blocks = x->transfer_length;
		break;
	}
	case SCSI_OPCODE_VERIFY10: {
		const struct scsi_verify10_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->verification_length;
		break;
	}
	case SCSI_OPCODE_VERIFY12: {
		const struct scsi_verify12_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->verification_length;
		break;
	}
	case SCSI_OPCODE_VERIFY16: {
		const struct scsi_verify16_cdb *x = u;
		e->lba = x->lba;
		e->blocks = x->verification_length;
		break;
	}
	case SCSI_OPCODE_WRITE_ATOMIC16: {
		const struct scsi_writeatomic16_cdb *x = u;
		e->lba = ((uint64_t)be32_at(cdb + 2) << 32) | be32_at(cdb + 6);
		e->blocks = x->transfer_length;
		break;
	}
	default:
		break;
	}
	scsi_free_scsi_task(t);
}

static void on_command(const struct scsi_io *io, uint64_t now,
		       const struct pdu *p)
{
	const uint8_t *bhs = p->bhs;
	/* §11.3.1: R and W */
	bool r = bhs_continue(bhs), w = bhs_write(bhs);
	uint32_t edtl = bhs_word20(bhs);
	const uint8_t *cdb = bhs_cdb(bhs);
	uint8_t op = cdb[0];
	enum cmd_kind kind = op_is_read(op)    ? K_READ
			     : op_is_write(op) ? K_WRITE
					       : K_OTHER;
	FOR_STATS(io, st)
	{
		window_roll(st, io->ctr, now);
		if (st->first_ns == 0)
			st->first_ns = now;
		st->last_ns = now;
		st->scsi_cmds++;
		st->outstanding++;
		if (st->outstanding > st->outstanding_max)
			st->outstanding_max = st->outstanding;
		if (kind == K_READ) {
			st->reads++;
			st->cur.reads++;
		} else if (kind == K_WRITE) {
			st->writes++;
			st->cur.writes++;
		} else {
			st->others++;
			st->cur.others++;
		}
		/* Immediate data (§11.3.4) */
		if (kind == K_WRITE && w && p->data_len) {
			st->bytes_written += p->data_len;
			st->cur.bytes_written += p->data_len;
		}
	}
	if (!io->c)
		return;
	struct scsi_cmd *e = tab_add(io, now, p->itt);
	if (!e) {
		FOR_STATS(io, st)
		{
			if (st->outstanding)
				st->outstanding--;
		}
		return;
	}
	e->kind = (uint8_t)kind;
	e->op = op;
	e->sa = cdb[1];
	e->page = cdb[2];
	e->lun = scsi_lun_number(bhs_lun(bhs));
	if (kind != K_OTHER || op == 0x2f || op == 0xaf || op == 0x8f)
		cdb_decode(e, cdb, edtl, r, w);
}

/* ---- completions ---- */

static struct scsi_lun *lun_get(struct scsi_sess *s, struct counters *ctr,
			        uint64_t lun)
{
	for (unsigned i = 0; i < s->nluns; i++)
		if (s->luns[i].lun == lun)
			return &s->luns[i];
	if (s->nluns >= SCSI_LUNS_MAX) {
		s->luns_dropped++;
		return NULL;
	}
	if (s->nluns == s->luns_cap) {
		/* 1, 2, 4, ... SCSI_LUNS_MAX: a session sees a LUN or two */
		unsigned cap = s->luns_cap ? 2 * s->luns_cap : 1;
		if (cap > SCSI_LUNS_MAX)
			cap = SCSI_LUNS_MAX;
		struct scsi_lun *t = s_realloc(s->luns, cap * sizeof(*t));
		if (!t) {
			ctr_inc(ctr, CTR_SCSI_NOMEM);
			s->luns_dropped++;
			return NULL;
		}
		s->luns = t;
		s->luns_cap = cap;
	}
	struct scsi_lun *l = &s->luns[s->nluns++];
	memset(l, 0, sizeof(*l));
	l->lun = lun;
	return l;
}

/* Copies a fixed-width, space-padded INQUIRY field, trimmed. */
static void inq_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	while (n && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[n] = '\0';
}

static void inventory_decode(struct scsi_sess *s, struct counters *ctr,
			     const struct scsi_cmd *e, uint8_t *buf,
			     uint32_t len)
{
	unsigned char cdb[SCSI_CDB_MAX_SIZE] = {0};
	cdb[0] = e->op;
	cdb[1] = e->sa;
	cdb[2] = e->page;
	if (e->op == SCSI_OPCODE_SERVICE_ACTION_IN)
		cdb[1] = SCSI_READCAPACITY16; /* libiscsi compares the byte */
	uint32_t total = 0;
	if (e->op == SCSI_OPCODE_REPORTLUNS) {
		/* The list length may promise more than the capture holds
		 * (allocation length, our copy cap, or a lie): make it agree
		 * with what we have, so libiscsi allocates only that. */
		if (len < 8)
			return;
		total = be32_at(buf);
		uint32_t have = (len - 8) & ~7u;
		uint32_t list = total < have ? total & ~7u : have;
		buf[0] = (uint8_t)(list >> 24);
		buf[1] = (uint8_t)(list >> 16);
		buf[2] = (uint8_t)(list >> 8);
		buf[3] = (uint8_t)list;
		len = 8 + list;
	}
	struct scsi_task *t = scsi_create_task(16, cdb, SCSI_XFER_READ, (int)len);
	if (!t) {
		ctr_inc(ctr, CTR_SCSI_NOMEM); /* this inventory not decoded */
		return;
	}
	/* Our buffer, zero beyond len (libiscsi's standard INQUIRY reads
	 * bytes 8-35 whatever the length). */
	t->datain.data = buf;
	t->datain.size = (int)len;
	void *u = scsi_datain_unmarshall(t);
	struct scsi_lun *l;
	switch (u ? e->op : 0xff) {
	case SCSI_OPCODE_INQUIRY: {
		const struct scsi_inquiry_standard *x = u;
		if (len < 5 || !(l = lun_get(s, ctr, e->lun)))
			break;
		l->inquiry_seen = true;
		l->qualifier = (uint8_t)x->qualifier;
		l->device_type = (uint8_t)x->device_type;
		inq_str(l->vendor, sizeof(l->vendor), x->vendor_identification);
		inq_str(l->product, sizeof(l->product),
			x->product_identification);
		inq_str(l->revision, sizeof(l->revision),
			x->product_revision_level);
		break;
	}
	case SCSI_OPCODE_READCAPACITY10: {
		const struct scsi_readcapacity10 *x = u;
		if (!(l = lun_get(s, ctr, e->lun)))
			break;
		/* 0xffffffff: too big for (10), READ CAPACITY(16) will say. */
		if (x->lba == 0xffffffffu && l->capacity16)
			break;
		l->capacity_seen = true;
		l->capacity16 = false;
		l->blocks = (uint64_t)x->lba + 1;
		l->block_size = x->block_size;
		break;
	}
	case SCSI_OPCODE_SERVICE_ACTION_IN: {
		const struct scsi_readcapacity16 *x = u;
		if (len < 12 || !(l = lun_get(s, ctr, e->lun)))
			break;
		l->capacity_seen = true;
		l->capacity16 = true;
		l->blocks = x->returned_lba + 1;
		l->block_size = x->block_length;
		break;
	}
	case SCSI_OPCODE_REPORTLUNS: {
		const struct scsi_reportluns_list *x = u;
		s->report_luns_seen = true;
		s->reported_total = total / 8;
		s->nreported = 0;
		uint32_t keep = x->num < SCSI_REPORTED_LUNS_MAX
				    ? x->num
				    : SCSI_REPORTED_LUNS_MAX;
		uint64_t *rl = s->reported;
		if (keep && !(rl = s_realloc(s->reported, keep * sizeof(*rl))))
			ctr_inc(ctr, CTR_SCSI_NOMEM); /* the list is not kept */
		else
			s->reported = rl;
		for (uint32_t i = 0; i < x->num; i++) {
			/* libiscsi keeps bytes 0-1 of each 8-byte LUN. */
			uint64_t n = x->luns[i] & 0x3fff;
			if (rl && s->nreported < keep)
				s->reported[s->nreported++] = n;
			if ((l = lun_get(s, ctr, n)))
				l->reported = true;
		}
		break;
	}
	default:
		break;
	}
	t->datain.data = NULL; /* ours, not libiscsi's to free */
	scsi_free_scsi_task(t);
}

static void sense_count(struct scsi_stats *st, struct counters *ctr,
			uint8_t key, uint8_t asc, uint8_t ascq)
{
	for (unsigned i = 0; i < st->nsense; i++) {
		struct scsi_sense_count *x = &st->sense[i];
		if (x->key == key && x->asc == asc && x->ascq == ascq) {
			x->count++;
			return;
		}
	}
	if (st->nsense >= SCSI_SENSE_TABLE_MAX) {
		st->sense_other++;
		return;
	}
	if (st->nsense == st->sense_cap) {
		/* 2, 4, ... SCSI_SENSE_TABLE_MAX entries: most sessions never
		 * see a CHECK CONDITION, the others a kind or two */
		unsigned cap = st->sense_cap ? 2 * st->sense_cap : 2;
		if (cap > SCSI_SENSE_TABLE_MAX)
			cap = SCSI_SENSE_TABLE_MAX;
		struct scsi_sense_count *t =
		    s_realloc(st->sense, cap * sizeof(*t));
		if (!t) {
			ctr_inc(ctr, CTR_SCSI_NOMEM);
			st->sense_other++;
			return;
		}
		st->sense = t;
		st->sense_cap = cap;
	}
	st->sense[st->nsense++] =
	    (struct scsi_sense_count){key, asc, ascq, 1};
}

/* What a command was, for an event: "READ(10) LUN 1 LBA 8191+2". */
static void cmd_text(const struct scsi_cmd *e, char *b, size_t n)
{
	if (!e) {
		snprintf(b, n, "command not seen");
		return;
	}
	if (e->kind == K_READ || e->kind == K_WRITE || e->blocks)
		snprintf(b, n, "%s LUN %llu LBA %llu+%u",
			 scsi_op_name(e->op, e->sa),
			 (unsigned long long)e->lun,
			 (unsigned long long)e->lba, e->blocks);
	else
		snprintf(b, n, "%s LUN %llu", scsi_op_name(e->op, e->sa),
			 (unsigned long long)e->lun);
}

/* False when there was no sense data to decode. */
static bool on_sense(const struct scsi_io *io, uint64_t now,
		     const struct scsi_cmd *e, uint32_t itt)
{
	struct scsi_conn *c = io->c;
	/* §11.4.7.2: SenseLength (2 bytes), then the sense data. */
	struct rd r = rd_make(c->sense, c->sense_len);
	uint16_t slen = rd_be16(&r);
	size_t have = rd_left(&r);
	if (r.bad || slen == 0 || have == 0)
		return false;
	if (slen > have)
		slen = (uint16_t)have;
	/* libiscsi's parser trusts the buffer (descriptor sense walks up
	 * to byte 7's length past byte 8): give it a zeroed 512 bytes. */
	uint8_t sb[512] = {0};
	memcpy(sb, r.p, slen);
	struct scsi_sense sense;
	memset(&sense, 0, sizeof(sense));
	scsi_parse_sense_data(&sense, sb);
	uint8_t key = (uint8_t)sense.key, asc = (uint8_t)(sense.ascq >> 8),
		ascq = (uint8_t)sense.ascq;
	FOR_STATS(io, st) sense_count(st, io->ctr, key, asc, ascq);
	char kb[16], ab[40], ct[96];
	cmd_text(e, ct, sizeof(ct));
	emit(io, now, "scsi_check_condition",
	     "ITT 0x%08x %s: %s %s (ASC 0x%02x ASCQ 0x%02x)", itt, ct,
	     scsi_key_name(key, kb, sizeof(kb)),
	     scsi_ascq_name(asc, ascq, ab, sizeof(ab)), asc, ascq);
	return true;
}

static void on_complete(const struct scsi_io *io, uint64_t now, int dir,
			uint32_t itt, uint8_t response, uint8_t status,
			bool is_rsp)
{
	struct scsi_conn *c = io->c;
	struct scsi_cmd *e = c ? tab_find(c, itt) : NULL;
	if (e && e->kind == K_TMF)
		e = NULL;
	FOR_STATS(io, st)
	{
		if (!e) {
			st->unmatched_rsps++;
			continue;
		}
		st->scsi_rsps++;
		if (st->outstanding)
			st->outstanding--;
		if (!scsi_hist_add(&st->latency,
				   now > e->start_ns ? now - e->start_ns : 0))
			ctr_inc(io->ctr, CTR_SCSI_NOMEM); /* not in a bucket */
		if (response != 0) {
			st->target_failures++;
			continue;
		}
		switch (status) {
		case ST_GOOD: st->good++; break;
		case ST_CHECK: st->check_conditions++; break;
		case ST_BUSY: st->busy++; break;
		case ST_RESV: st->reservation_conflicts++; break;
		case ST_TSF: st->task_set_full++; break;
		default: st->other_status++; break;
		}
	}
	char ct[96];
	if (response != 0) {
		cmd_text(e, ct, sizeof(ct));
		emit(io, now, "scsi_target_failure",
		     "ITT 0x%08x %s: iSCSI response 0x%02x (%s)", itt, ct,
		     response,
		     response == 1 ? "target failure" : "not completed");
	} else if (status == ST_CHECK && is_rsp && c &&
		   c->cur[dir].want == 1 && on_sense(io, now, e, itt)) {
		/* counted and told */
	} else if (status == ST_CHECK) {
		cmd_text(e, ct, sizeof(ct));
		emit(io, now, "scsi_check_condition",
		     "ITT 0x%08x %s: no sense data", itt, ct);
	} else if (status != ST_GOOD && status != 0x04) {
		cmd_text(e, ct, sizeof(ct));
		emit(io, now, "scsi_status", "ITT 0x%08x %s: %s (0x%02x)", itt,
		     ct, scsi_status_name(status), status);
	}
	if (!e)
		return;
	if (status == ST_GOOD && response == 0 && io->s && c->inv &&
	    c->inv_busy && c->inv_itt == itt && op_is_inventory(e))
		inventory_decode(io->s, io->ctr, e, c->inv, c->inv_len);
	tab_del(c, e);
}

/* ---- task management ---- */

static void on_tmf_req(const struct scsi_io *io, uint64_t now,
		       const struct pdu *p)
{
	uint8_t fn = bhs_function(p->bhs);
	uint32_t rtt = bhs_word20(p->bhs);
	uint64_t lun = scsi_lun_number(bhs_lun(p->bhs));
	FOR_STATS(io, st) st->tmf_reqs++;
	if (fn == 1 || fn == 8)
		emit(io, now, "scsi_task_management",
		     "%s of ITT 0x%08x on LUN %llu", scsi_tmf_name(fn), rtt,
		     (unsigned long long)lun);
	else
		emit(io, now, "scsi_task_management", "%s on LUN %llu",
		     scsi_tmf_name(fn), (unsigned long long)lun);
	if (!io->c)
		return;
	struct scsi_cmd *e = tab_add(io, now, p->itt);
	if (!e)
		return;
	e->kind = K_TMF;
	e->op = fn;
	e->lun = lun;
	e->lba = rtt;
}

/* A completed TMF ends the tasks it names (§11.5.1). */
static void tmf_apply(const struct scsi_io *io, uint8_t fn, uint64_t lun,
		      uint32_t rtt)
{
	struct scsi_conn *c = io->c;
	if (fn == 1) {
		struct scsi_cmd *t = tab_find(c, rtt);
		if (t && t->kind != K_TMF)
			cmd_drop(io, t, w_aborted);
		return;
	}
	bool by_lun = fn == 2 || fn == 4 || fn == 5;
	bool all = fn == 6 || fn == 7;
	if (!by_lun && !all)
		return;
	for (uint32_t i = 0; i < c->tab_size;) {
		struct scsi_cmd *t = &c->tab[i];
		if (t->kind != K_FREE && t->kind != K_TMF &&
		    (all || t->lun == lun))
			cmd_drop(io, t, w_aborted);
		else
			i++;
	}
}

static void on_tmf_rsp(const struct scsi_io *io, uint64_t now,
		       const struct pdu *p)
{
	uint8_t resp = bhs_byte2(p->bhs);
	FOR_STATS(io, st) st->tmf_rsps++;
	struct scsi_cmd *e = io->c ? tab_find(io->c, p->itt) : NULL;
	if (e && e->kind != K_TMF)
		e = NULL;
	if (resp != 0)
		emit(io, now, "scsi_task_management_failed", "%s: %s (%u)",
		     e ? scsi_tmf_name(e->op) : "task management",
		     iscsi_tok_str(iscsi_tmf_responses, resp,
				   "unknown response"),
		     resp);
	if (!e)
		return;
	uint8_t fn = e->op;
	uint64_t lun = e->lun;
	uint32_t rtt = (uint32_t)e->lba;
	tab_del(io->c, e);
	if (resp == 0)
		tmf_apply(io, fn, lun, rtt);
}

/* ---- the PDU interface ---- */

bool scsi_opcode_wanted(uint8_t opcode)
{
	switch (opcode) {
	case OP_SCSI_CMD:
	case OP_SCSI_RSP:
	case OP_DATA_OUT:
	case OP_DATA_IN:
	case OP_R2T:
	case OP_TMF_REQ:
	case OP_TMF_RSP:
	case OP_SNACK_REQ:
	case OP_ASYNC_MSG:
	case OP_REJECT:
		return true;
	default:
		return false;
	}
}

void scsi_pdu_begin(const struct scsi_io *io, uint64_t now, int dir,
		    const struct pdu *p)
{
	if (dir < 0 || dir > 1 || !p->bhs)
		return;
	struct scsi_cur *cur = io->c ? &io->c->cur[dir] : NULL;
	if (cur) {
		memset(cur, 0, sizeof(*cur));
		cur->opcode = p->opcode;
		cur->itt = p->itt;
	}
	struct scsi_cmd *e;
	switch (p->opcode) {
	case OP_SCSI_CMD:
		on_command(io, now, p);
		break;
	case OP_DATA_OUT:
		e = io->c ? tab_find(io->c, p->itt) : NULL;
		FOR_STATS(io, st)
		{
			st->data_out_pdus++;
			if (e && e->kind == K_WRITE) {
				window_roll(st, io->ctr, now);
				st->bytes_written += p->data_len;
				st->cur.bytes_written += p->data_len;
			}
		}
		break;
	case OP_DATA_IN:
		e = io->c ? tab_find(io->c, p->itt) : NULL;
		FOR_STATS(io, st)
		{
			st->data_in_pdus++;
			if (e && e->kind == K_READ) {
				window_roll(st, io->ctr, now);
				st->bytes_read += p->data_len;
				st->cur.bytes_read += p->data_len;
			}
		}
		if (cur) {
			cur->s_bit = bhs_status_bit(p->bhs);
			cur->status = bhs_byte3(p->bhs);
			cur->buf_off = bhs_buffer_offset(p->bhs);
		}
		if (cur && e && e->kind == K_OTHER && op_is_inventory(e) &&
		    p->data_len) {
			struct scsi_conn *c = io->c;
			if (c->inv_busy && c->inv_itt != p->itt)
				break; /* one inventory copy at a time */
			if (!c->inv) {
				c->inv = s_malloc(SCSI_INV_COPY_MAX);
				if (!c->inv) {
					/* this inventory is not decoded */
					ctr_inc(io->ctr, CTR_SCSI_NOMEM);
					break;
				}
			}
			if (!c->inv_busy) {
				memset(c->inv, 0, SCSI_INV_COPY_MAX);
				c->inv_busy = true;
				c->inv_itt = p->itt;
				c->inv_len = 0;
			}
			cur->want = 2;
		}
		break;
	case OP_SCSI_RSP:
		if (cur) {
			cur->response = bhs_byte2(p->bhs);
			cur->status = bhs_byte3(p->bhs);
			if (cur->status == ST_CHECK && p->data_len) {
				struct scsi_conn *c = io->c;
				if (!c->sense)
					c->sense = s_malloc(SCSI_SENSE_COPY_MAX);
				if (!c->sense) {
					ctr_inc(io->ctr, CTR_SCSI_NOMEM);
					break; /* "no sense data", as told */
				}
				cur->want = 1;
				c->sense_len = 0;
			}
		}
		break;
	case OP_R2T:
		FOR_STATS(io, st) st->r2ts++;
		break;
	case OP_TMF_REQ:
		on_tmf_req(io, now, p);
		break;
	case OP_TMF_RSP:
		on_tmf_rsp(io, now, p);
		break;
	case OP_REJECT: {
		/* counted by the tracker (struct pdu_counts) */
		uint8_t reason = bhs_byte2(p->bhs);
		emit(io, now, "scsi_reject", "target rejected a PDU: %s (0x%02x)",
		     iscsi_tok_str(iscsi_reject_reasons, reason,
				   "reserved reason"),
		     reason);
		break;
	}
	case OP_ASYNC_MSG: {
		uint8_t ev = bhs_byte36(p->bhs);
		FOR_STATS(io, st) st->async_msgs++;
		emit(io, now, "async_message", "AsyncEvent %u: %s", ev,
		     iscsi_tok_str(iscsi_async_events, ev, "reserved"));
		break;
	}
	case OP_SNACK_REQ:
		FOR_STATS(io, st) st->snacks++;
		break;
	default:
		break;
	}
}

void scsi_pdu_data(const struct scsi_io *io, int dir, const struct pdu *p,
		   const uint8_t *d, size_t n)
{
	(void)p;
	struct scsi_conn *c = io->c;
	if (!c || dir < 0 || dir > 1 || !c->cur[dir].want)
		return;
	struct scsi_cur *cur = &c->cur[dir];
	if (cur->want == 1) {
		if (!c->sense)
			return;
		uint32_t room = SCSI_SENSE_COPY_MAX - c->sense_len;
		size_t k = n < room ? n : room;
		memcpy(c->sense + c->sense_len, d, k);
		c->sense_len += (uint32_t)k;
		return;
	}
	/* Inventory Data-In at its Buffer Offset (§11.7.5), capped. */
	if (!c->inv || !c->inv_busy || c->inv_itt != cur->itt)
		return;
	uint64_t at = (uint64_t)cur->buf_off + cur->have;
	cur->have += (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
	if (at >= SCSI_INV_COPY_MAX)
		return;
	size_t room = SCSI_INV_COPY_MAX - (size_t)at;
	size_t k = n < room ? n : room;
	memcpy(c->inv + at, d, k);
	if (at + k > c->inv_len)
		c->inv_len = (uint32_t)(at + k);
}

void scsi_pdu_end(const struct scsi_io *io, uint64_t now, int dir,
		  const struct pdu *p)
{
	if (dir < 0 || dir > 1)
		return;
	struct scsi_cur *cur = io->c ? &io->c->cur[dir] : NULL;
	if (!cur || cur->opcode != p->opcode)
		return;
	if (p->data_lost || p->ddigest == PDU_DIGEST_BAD) {
		/* Damaged data is not decoded. */
		if (cur->want == 2)
			io->c->inv_busy = false;
		cur->want = cur->want == 1 ? 0 : cur->want;
	}
	if (p->opcode == OP_SCSI_RSP)
		on_complete(io, now, dir, p->itt, cur->response, cur->status,
			    true);
	else if (p->opcode == OP_DATA_IN && cur->s_bit)
		on_complete(io, now, dir, p->itt, 0, cur->status, false);
	cur->want = 0;
}

void scsi_conn_closed(const struct scsi_io *io, uint64_t now)
{
	(void)now;
	struct scsi_conn *c = io->c;
	if (!c)
		return;
	for (uint32_t i = 0; c->tab && i < c->tab_size;) {
		if (c->tab[i].kind != K_FREE)
			cmd_drop(io, &c->tab[i], w_closed);
		else
			i++;
	}
	tab_release(c);
	c->tab_size = c->tab_used = 0;
	free(c->inv);
	c->inv = NULL;
	c->inv_busy = false;
	free(c->sense);
	c->sense = NULL;
	c->sense_len = 0;
}

/* ---- figures ---- */

void scsi_stats_rates(const struct scsi_stats *st, uint64_t now,
		      struct scsi_rates *r)
{
	memset(r, 0, sizeof(*r));
	const struct scsi_window *w = NULL;
	if (st->first_ns == 0)
		return;
	if (now < st->win_start + SCSI_INTERVAL_NS)
		w = &st->last;
	else if (now < st->win_start + 2 * SCSI_INTERVAL_NS)
		w = &st->cur;
	double secs = (double)SCSI_INTERVAL_NS / 1e9;
	if (w) {
		r->read_iops = (double)w->reads / secs;
		r->write_iops = (double)w->writes / secs;
		r->iops = r->read_iops + r->write_iops;
		r->read_bps = (double)w->bytes_read / secs;
		r->write_bps = (double)w->bytes_written / secs;
	}
	uint64_t span = st->last_ns > st->first_ns ? st->last_ns - st->first_ns
						   : 0;
	if (span) {
		double s = (double)span / 1e9;
		r->total_iops = (double)(st->reads + st->writes) / s;
		r->total_read_bps = (double)st->bytes_read / s;
		r->total_write_bps = (double)st->bytes_written / s;
	}
}

uint64_t scsi_stats_errors(const struct scsi_stats *st)
{
	return st->check_conditions + st->busy + st->reservation_conflicts +
	       st->task_set_full + st->other_status + st->target_failures +
	       st->aged_out;
}

void scsi_figures(const struct scsi_sess *ss, uint64_t now,
		  struct scsi_figures *f)
{
	memset(f, 0, sizeof(*f));
	if (!ss)
		return;
	const struct scsi_stats *st = &ss->stats;
	struct scsi_rates r;
	scsi_stats_rates(st, now, &r);
	f->io_seen = st->scsi_cmds > 0;
	f->cmds = st->scsi_cmds;
	f->read_iops = r.read_iops;
	f->write_iops = r.write_iops;
	f->iops = r.iops;
	f->read_mbps = r.read_bps / 1e6;
	f->write_mbps = r.write_bps / 1e6;
	f->mbps = f->read_mbps + f->write_mbps;
	f->total_iops = r.total_iops;
	f->total_mbps = (r.total_read_bps + r.total_write_bps) / 1e6;
	f->p50_ns = scsi_hist_percentile(&st->latency, 50);
	f->p95_ns = scsi_hist_percentile(&st->latency, 95);
	f->p99_ns = scsi_hist_percentile(&st->latency, 99);
	f->errors = scsi_stats_errors(st);
	f->check_conditions = st->check_conditions;
	f->outstanding = st->outstanding;
}
