/* Tests of the SCSI layer: command/response matching by ITT, aging and
 * the cap, the latency histogram, sense decoding and the LUN inventory,
 * all with hand-built PDUs. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "iscsi.h"
#include "scsi.h"

#define MS 1000000ull
#define SEC 1000000000ull

struct evlog {
	unsigned n;
	unsigned check, suppressed, tmf, reject;
	char last_kind[64];
	char last[160];
};

static void ev_cb(void *user, uint64_t now, const char *kind,
		  const char *detail)
{
	(void)now;
	struct evlog *l = user;
	l->n++;
	l->check += strcmp(kind, "scsi_check_condition") == 0;
	l->suppressed += strcmp(kind, "scsi_events_suppressed") == 0;
	l->tmf += strcmp(kind, "scsi_task_management") == 0;
	l->reject += strcmp(kind, "scsi_reject") == 0;
	snprintf(l->last_kind, sizeof(l->last_kind), "%s", kind);
	snprintf(l->last, sizeof(l->last), "%s", detail);
}

struct rig {
	struct scsi_conn *c;
	struct scsi_stats cs; /* the connection's counters */
	struct scsi_sess *s;
	struct scsi_io io;
	struct evlog ev;
	struct counters ctr; /* the engine's */
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->c = scsi_conn_new();
	r->s = scsi_sess_new();
	ck_assert_ptr_nonnull(r->c);
	ck_assert_ptr_nonnull(r->s);
	r->io = (struct scsi_io){r->c, &r->cs, r->s, ev_cb, &r->ev, &r->ctr};
}

static void rig_free(struct rig *r)
{
	scsi_conn_free(r->c);
	scsi_sess_free(r->s);
	scsi_stats_release(&r->cs);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One whole PDU: begin, its data in pieces of `chunk` bytes, end. */
static void feed(struct rig *r, uint64_t now, const uint8_t bhs[48],
		 const uint8_t *data, uint32_t dlen, size_t chunk)
{
	struct pdu p;
	memset(&p, 0, sizeof(p));
	p.bhs = bhs;
	p.opcode = bhs[0] & 0x3f;
	p.flags = bhs[1];
	p.data_len = dlen;
	p.itt = ((uint32_t)bhs[16] << 24) | ((uint32_t)bhs[17] << 16) |
		((uint32_t)bhs[18] << 8) | bhs[19];
	int dir = iscsi_opcode_from_initiator(p.opcode) ? 0 : 1;
	scsi_pdu_begin(&r->io, now, dir, &p);
	p.bhs = NULL; /* gone after begin, as with the framer */
	for (uint32_t off = 0; off < dlen;) {
		size_t k = chunk && chunk < dlen - off ? chunk : dlen - off;
		scsi_pdu_data(&r->io, dir, &p, data + off, k);
		off += (uint32_t)k;
	}
	scsi_pdu_end(&r->io, now, dir, &p);
}

/* SCSI Command: flags R/W, LUN (single level), ITT, EDTL, CDB. */
static void cmd(struct rig *r, uint64_t now, uint32_t itt, uint8_t lun,
		uint8_t flags, uint32_t edtl, const uint8_t *cdb, size_t cdblen,
		uint32_t imm)
{
	uint8_t b[48] = {0};
	static uint8_t zeros[65536];
	b[0] = OP_SCSI_CMD;
	b[1] = (uint8_t)(0x80 | flags);
	b[9] = lun;
	put32(b + 16, itt);
	put32(b + 20, edtl);
	memcpy(b + 32, cdb, cdblen);
	feed(r, now, b, zeros, imm, 0);
}

static void read10(struct rig *r, uint64_t now, uint32_t itt, uint32_t lba,
		   uint16_t blocks)
{
	uint8_t cdb[10] = {0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	put32(cdb + 2, lba);
	cdb[7] = (uint8_t)(blocks >> 8);
	cdb[8] = (uint8_t)blocks;
	cmd(r, now, itt, 1, 0x40, (uint32_t)blocks * 512, cdb, sizeof(cdb), 0);
}

static void data_in(struct rig *r, uint64_t now, uint32_t itt,
		    const uint8_t *d, uint32_t n, uint32_t off, bool s_bit,
		    uint8_t status, size_t chunk)
{
	uint8_t b[48] = {0};
	b[0] = OP_DATA_IN;
	b[1] = (uint8_t)(s_bit ? 0x81 : 0x00);
	b[3] = status;
	put32(b + 16, itt);
	put32(b + 40, off);
	feed(r, now, b, d, n, chunk);
}

static void response(struct rig *r, uint64_t now, uint32_t itt,
		     uint8_t resp, uint8_t status, const uint8_t *sense,
		     uint32_t slen, size_t chunk)
{
	uint8_t b[48] = {0};
	b[0] = OP_SCSI_RSP;
	b[1] = 0x80;
	b[2] = resp;
	b[3] = status;
	put32(b + 16, itt);
	feed(r, now, b, sense, slen, chunk);
}

/* Fixed-format sense with its 2-byte SenseLength in front (§11.4.7.2). */
static uint32_t fixed_sense(uint8_t *out, uint8_t key, uint8_t asc,
			    uint8_t ascq)
{
	memset(out, 0, 20);
	out[1] = 18;
	out[2] = 0x70;
	out[4] = key;
	out[9] = 10;
	out[14] = asc;
	out[15] = ascq;
	return 20;
}

/* n READ(10)s from `now` on, each answered CHECK CONDITION with sense
 * key `key` and ASC asc0 + i (n distinct sense codes). */
static void checks_distinct(struct rig *r, uint64_t now, unsigned n,
			    uint8_t key, uint8_t asc0)
{
	uint8_t sense[20];
	for (unsigned i = 0; i < n; i++) {
		uint32_t sl = fixed_sense(sense, key, (uint8_t)(asc0 + i), 0);
		read10(r, now + i, i, 0, 1);
		response(r, now + i, i, 0, 0x02, sense, sl, 0);
	}
}

/* ---- core ---- */

START_TEST(test_read_matched)
{
	struct rig r;
	rig_init(&r);
	static uint8_t d[4096];
	read10(&r, 10 * SEC, 0x10, 100, 8);
	ck_assert_uint_eq(r.s->stats.outstanding, 1);
	data_in(&r, 10 * SEC + 500000, 0x10, d, sizeof(d), 0, true, 0, 1000);
	const struct scsi_stats *st = &r.s->stats;
	ck_assert_uint_eq(st->scsi_cmds, 1);
	ck_assert_uint_eq(st->reads, 1);
	ck_assert_uint_eq(st->scsi_rsps, 1);
	ck_assert_uint_eq(st->good, 1);
	ck_assert_uint_eq(st->bytes_read, 4096);
	ck_assert_uint_eq(st->outstanding, 0);
	ck_assert_uint_eq(st->latency.count, 1);
	ck_assert_uint_eq(st->latency.min_ns, 500000);
	ck_assert_uint_eq(r.cs.reads, 1); /* connection too */
	ck_assert_uint_eq(r.cs.data_in_pdus, 1);
	ck_assert_uint_eq(r.cs.bytes_read, 4096);
	ck_assert_uint_eq(r.ev.n, 0);
	rig_free(&r);
}
END_TEST

START_TEST(test_write_r2t_response)
{
	struct rig r;
	rig_init(&r);
	/* WRITE(16) past 2^32: libiscsi 1.19 keeps this LBA in 32 bits. */
	uint8_t cdb[16] = {0x8a};
	uint64_t lba = 0x100000004ull;
	put32(cdb + 2, (uint32_t)(lba >> 32));
	put32(cdb + 6, (uint32_t)lba);
	put32(cdb + 10, 8);
	cmd(&r, SEC, 7, 1, 0x20, 4096, cdb, 16, 1024);
	uint8_t b[48] = {0};
	b[0] = OP_R2T;
	put32(b + 16, 7);
	feed(&r, SEC + 1000, b, NULL, 0, 0);
	static uint8_t d[3072];
	memset(b, 0, sizeof(b));
	b[0] = OP_DATA_OUT;
	b[1] = 0x80;
	put32(b + 16, 7);
	feed(&r, SEC + 2000, b, d, sizeof(d), 0);
	/* Answer CHECK CONDITION so the event shows the decoded CDB. */
	uint8_t sense[20];
	uint32_t n = fixed_sense(sense, 0x3, 0x11, 0x00);
	response(&r, SEC + 3000, 7, 0, 0x02, sense, n, 0);
	const struct scsi_stats *st = &r.s->stats;
	ck_assert_uint_eq(st->writes, 1);
	ck_assert_uint_eq(st->bytes_written, 4096);
	ck_assert_uint_eq(st->r2ts, 1);
	ck_assert_uint_eq(st->data_out_pdus, 1);
	ck_assert_uint_eq(st->check_conditions, 1);
	ck_assert_ptr_nonnull(strstr(r.ev.last, "WRITE(16) LUN 1 LBA 4294967300+8"));
	rig_free(&r);
}
END_TEST

/* Read beyond the end: ILLEGAL REQUEST, LBA OUT OF RANGE (0x21/0x00),
 * sense fed one byte at a time. */
START_TEST(test_check_condition_sense)
{
	struct rig r;
	rig_init(&r);
	read10(&r, SEC, 0x99, 8191, 2);
	uint8_t sense[20];
	uint32_t n = fixed_sense(sense, 0x5, 0x21, 0x00);
	response(&r, SEC + 100000, 0x99, 0, 0x02, sense, n, 1);
	const struct scsi_stats *st = &r.s->stats;
	ck_assert_uint_eq(st->check_conditions, 1);
	ck_assert_uint_eq(st->nsense, 1);
	ck_assert_uint_eq(st->sense[0].key, 5);
	ck_assert_uint_eq(st->sense[0].asc, 0x21);
	ck_assert_uint_eq(st->sense[0].ascq, 0x00);
	ck_assert_uint_eq(st->sense[0].count, 1);
	ck_assert_uint_eq(r.ev.check, 1);
	ck_assert_ptr_nonnull(strstr(r.ev.last, "ILLEGAL_REQUEST"));
	ck_assert_ptr_nonnull(strstr(r.ev.last, "LBA_OUT_OF_RANGE"));
	ck_assert_ptr_nonnull(strstr(r.ev.last, "READ(10) LUN 1 LBA 8191+2"));
	rig_free(&r);
}
END_TEST

START_TEST(test_descriptor_sense)
{
	struct rig r;
	rig_init(&r);
	read10(&r, SEC, 1, 0, 1);
	uint8_t s[2 + 8] = {0, 8, 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 0};
	response(&r, SEC + 1, 1, 0, 0x02, s, sizeof(s), 0);
	ck_assert_uint_eq(r.s->stats.sense[0].key, 6);
	ck_assert_uint_eq(r.s->stats.sense[0].asc, 0x29);
	rig_free(&r);
}
END_TEST

static const struct {
	uint8_t status;
	size_t off; /* field of struct scsi_stats that must be 1 */
} status_vec[] = {
    {0x00, offsetof(struct scsi_stats, good)},
    {0x08, offsetof(struct scsi_stats, busy)},
    {0x18, offsetof(struct scsi_stats, reservation_conflicts)},
    {0x28, offsetof(struct scsi_stats, task_set_full)},
    {0x40, offsetof(struct scsi_stats, other_status)},
};

START_TEST(test_status_counts)
{
	struct rig r;
	rig_init(&r);
	read10(&r, SEC, 5, 0, 1);
	response(&r, SEC + 1, 5, 0, status_vec[_i].status, NULL, 0, 0);
	uint64_t v;
	memcpy(&v, (const char *)&r.s->stats + status_vec[_i].off, sizeof(v));
	ck_assert_uint_eq(v, 1);
	ck_assert_uint_eq(r.ev.n, status_vec[_i].status ? 1u : 0u);
	rig_free(&r);
}
END_TEST

static void inquiry_data(uint8_t *d)
{
	memset(d, 0, 96);
	d[0] = 0x00; /* direct access */
	d[2] = 0x05;
	d[3] = 0x02;
	d[4] = 91;
	memcpy(d + 8, "IET     ", 8);
	memcpy(d + 16, "VIRTUAL-DISK    ", 16);
	memcpy(d + 32, "0001", 4);
}

START_TEST(test_inventory)
{
	struct rig r;
	rig_init(&r);
	uint8_t inq[96];
	inquiry_data(inq);
	uint8_t cdb_inq[6] = {0x12, 0, 0, 0, 96, 0};
	cmd(&r, SEC, 1, 1, 0x40, 96, cdb_inq, 6, 0);
	data_in(&r, SEC + 1, 1, inq, 96, 0, true, 0, 0);
	uint8_t rc10[8] = {0, 0, 0x1f, 0xff, 0, 0, 2, 0}; /* 8191, 512 */
	uint8_t cdb_rc10[10] = {0x25};
	cmd(&r, SEC + 2, 2, 1, 0x40, 8, cdb_rc10, 10, 0);
	data_in(&r, SEC + 3, 2, rc10, 8, 0, true, 0, 0);
	/* LUN 3 through READ CAPACITY(16): 2^33 blocks of 4096. */
	uint8_t rc16[32] = {0, 0, 0, 0x01, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0};
	uint8_t cdb_rc16[16] = {0x9e, 0x10};
	cmd(&r, SEC + 4, 3, 3, 0x40, 32, cdb_rc16, 16, 0);
	data_in(&r, SEC + 5, 3, rc16, 32, 0, true, 0, 0);
	uint8_t rl[24] = {0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			  0, 1, 0, 0, 0, 0, 0, 0};
	uint8_t cdb_rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0};
	cmd(&r, SEC + 6, 4, 0, 0x40, 4096, cdb_rl, 12, 0);
	data_in(&r, SEC + 7, 4, rl, 24, 0, true, 0, 0);

	struct scsi_sess *s = r.s;
	ck_assert_uint_eq(s->nluns, 3);
	const struct scsi_lun *l1 = &s->luns[0];
	ck_assert_uint_eq(l1->lun, 1);
	ck_assert(l1->inquiry_seen);
	ck_assert_str_eq(l1->vendor, "IET");
	ck_assert_str_eq(l1->product, "VIRTUAL-DISK");
	ck_assert_str_eq(l1->revision, "0001");
	ck_assert_uint_eq(l1->device_type, 0);
	ck_assert(l1->capacity_seen);
	ck_assert_uint_eq(l1->blocks, 8192);
	ck_assert_uint_eq(l1->block_size, 512);
	ck_assert(l1->reported);
	const struct scsi_lun *l3 = &s->luns[1];
	ck_assert_uint_eq(l3->lun, 3);
	ck_assert(l3->capacity16);
	ck_assert_uint_eq(l3->blocks, 0x200000000ull);
	ck_assert_uint_eq(l3->block_size, 4096);
	ck_assert(!l3->reported);
	ck_assert(s->report_luns_seen);
	ck_assert_uint_eq(s->nreported, 2);
	ck_assert_uint_eq(s->reported[0], 0);
	ck_assert_uint_eq(s->reported[1], 1);
	ck_assert_uint_eq(s->stats.others, 4);
	ck_assert_uint_eq(s->stats.bytes_read, 0); /* not READ commands */
	rig_free(&r);
}
END_TEST

/* Percentiles of a known distribution lie in the right bucket. */
static const struct {
	double pct;
	uint64_t want; /* exact sample value at that rank */
} pct_vec[] = {{50, 500000}, {95, 950000}, {99, 990000}, {100, 1000000},
	       {1, 10000}};

START_TEST(test_hist_percentiles)
{
	struct scsi_hist h;
	memset(&h, 0, sizeof(h));
	for (uint64_t i = 1; i <= 100; i++)
		scsi_hist_add(&h, i * 10000); /* 10 us .. 1 ms */
	uint64_t got = scsi_hist_percentile(&h, pct_vec[_i].pct);
	uint64_t want = pct_vec[_i].want;
	ck_assert_uint_ge(got, want);
	ck_assert_uint_le(got, want + want / 4); /* a bucket is 1/4 octave */
	ck_assert_uint_eq(h.count, 100);
	ck_assert_uint_eq(h.min_ns, 10000);
	ck_assert_uint_eq(h.max_ns, 1000000);
	scsi_hist_release(&h);
}
END_TEST

START_TEST(test_hist_buckets)
{
	for (uint64_t v = 1; v < (1ull << 41); v = v * 3 / 2 + 1) {
		unsigned b = scsi_hist_bucket(v);
		ck_assert_uint_lt(b, SCSI_HIST_BUCKETS);
		if (v >= (1ull << SCSI_HIST_MIN_SHIFT) &&
		    b < SCSI_HIST_BUCKETS - 1) {
			ck_assert_uint_ge(scsi_hist_upper(b), v);
			ck_assert_uint_eq(scsi_hist_bucket(scsi_hist_upper(b)), b);
			ck_assert_uint_eq(scsi_hist_bucket(scsi_hist_upper(b) + 1),
					  b + 1);
		}
	}
	/* Bounds tile the line: each bucket starts where the last ended. */
	ck_assert_uint_eq(scsi_hist_lower(0), 0);
	for (unsigned b = 1; b < SCSI_HIST_BUCKETS; b++) {
		ck_assert_uint_eq(scsi_hist_lower(b), scsi_hist_upper(b - 1) + 1);
		ck_assert_uint_eq(scsi_hist_bucket(scsi_hist_lower(b)), b);
	}
	struct scsi_hist h;
	memset(&h, 0, sizeof(h));
	ck_assert_uint_eq(scsi_hist_percentile(&h, 99), 0);
	scsi_hist_add(&h, 123456);
	ck_assert_uint_eq(scsi_hist_percentile(&h, 50), 123456);
	scsi_hist_release(&h);
}
END_TEST

START_TEST(test_rates)
{
	struct rig r;
	rig_init(&r);
	static uint8_t d[4096];
	/* 10 reads of 4 KiB in second 5, then 4 in second 6. */
	for (uint32_t i = 0; i < 14; i++) {
		uint64_t t = (i < 10 ? 5 : 6) * SEC + i * MS;
		read10(&r, t, i, i * 8, 8);
		data_in(&r, t + 100, i, d, sizeof(d), 0, true, 0, 0);
	}
	struct scsi_rates rt;
	scsi_stats_rates(&r.s->stats, 6 * SEC + 500 * MS, &rt);
	ck_assert(rt.read_iops == 10.0);
	ck_assert(rt.read_bps == 40960.0);
	scsi_stats_rates(&r.s->stats, 7 * SEC + 1, &rt);
	ck_assert(rt.read_iops == 4.0);
	scsi_stats_rates(&r.s->stats, 9 * SEC, &rt);
	ck_assert(rt.read_iops == 0.0);
	ck_assert(rt.total_iops > 13.0);
	rig_free(&r);
}
END_TEST

/* The sparkline trend: 5 s bins of the last minutes, in capture time;
 * every command and byte lands in exactly one bin, silent bins are 0,
 * and bins older than the ring are forgotten. */
START_TEST(test_trend)
{
	struct rig r;
	rig_init(&r);
	static uint8_t d[4096];
	/* Reads at t = 100 s (3 of them), 103 s (1), 130 s (2): bins 20,
	 * 20, 26. */
	static const uint64_t at[] = {100, 100, 100, 103, 130, 130};
	for (uint32_t i = 0; i < 6; i++) {
		uint64_t t = at[i] * SEC + i * MS;
		read10(&r, t, i, i * 8, 8);
		data_in(&r, t + 100, i, d, sizeof(d), 0, true, 0, 0);
	}
	double bps[SCSI_TREND_BINS], iops[SCSI_TREND_BINS];
	scsi_trend_get(&r.s->stats, 131 * SEC, bps, iops, 8);
	/* bins 19..26, oldest first */
	static const double want_cmds[8] = {0, 4, 0, 0, 0, 0, 0, 2};
	double sum = 0;
	for (unsigned i = 0; i < 8; i++) {
		ck_assert_msg(iops[i] * 5.0 == want_cmds[i], "bin %u: %f", i,
			      iops[i] * 5.0);
		ck_assert(bps[i] * 5.0 == want_cmds[i] * 4096.0);
		sum += iops[i] * 5.0;
	}
	ck_assert(sum == (double)r.s->stats.scsi_cmds);
	/* Ten minutes later every bin is empty. */
	read10(&r, 731 * SEC, 6, 0, 8);
	scsi_trend_get(&r.s->stats, 731 * SEC, bps, iops, SCSI_TREND_BINS);
	for (unsigned i = 0; i + 1 < SCSI_TREND_BINS; i++)
		ck_assert(iops[i] == 0.0);
	ck_assert(iops[SCSI_TREND_BINS - 1] * 5.0 == 1.0);
	rig_free(&r);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_cap)
{
	struct rig r;
	rig_init(&r);
	unsigned n = SCSI_OUTSTANDING_MAX + 500;
	for (unsigned i = 0; i < n; i++)
		read10(&r, SEC + i, i, 0, 1);
	ck_assert_uint_le(r.c->tab_used, SCSI_OUTSTANDING_MAX);
	ck_assert_uint_le(r.c->tab_size, 2 * SCSI_OUTSTANDING_MAX);
	ck_assert_uint_eq(r.s->stats.cap_evicted, 500);
	ck_assert_uint_eq(r.s->stats.outstanding, SCSI_OUTSTANDING_MAX);
	/* The newest are still matched; the oldest were pushed out. */
	response(&r, 2 * SEC, n - 1, 0, 0, NULL, 0, 0);
	ck_assert_uint_eq(r.s->stats.scsi_rsps, 1);
	response(&r, 2 * SEC, 0, 0, 0, NULL, 0, 0);
	ck_assert_uint_eq(r.s->stats.unmatched_rsps, 1);
	rig_free(&r);
}
END_TEST

START_TEST(test_aging)
{
	struct rig r;
	rig_init(&r);
	read10(&r, SEC, 1, 0, 1);
	read10(&r, SEC + 2, 2, 0, 1);
	read10(&r, SEC + SCSI_CMD_AGE_MAX_NS + 2 * SEC, 3, 0, 1);
	ck_assert_uint_eq(r.s->stats.aged_out, 2);
	ck_assert_uint_eq(r.s->stats.outstanding, 1);
	ck_assert_uint_eq(r.c->tab_used, 1);
	/* ITT reused while open: the old one never got its answer. */
	read10(&r, 200 * SEC, 3, 0, 1);
	ck_assert_uint_eq(r.s->stats.aged_out, 3);
	scsi_conn_closed(&r.io, 201 * SEC);
	ck_assert_uint_eq(r.s->stats.unanswered_at_close, 1);
	ck_assert_uint_eq(r.s->stats.outstanding, 0);
	ck_assert_ptr_null(r.c->tab);
	rig_free(&r);
}
END_TEST

START_TEST(test_event_storm)
{
	struct rig r;
	rig_init(&r);
	uint8_t sense[20];
	uint32_t n = fixed_sense(sense, 0x5, 0x21, 0x00);
	for (uint32_t i = 0; i < 100; i++) {
		read10(&r, SEC + i * 10, i, 8191, 2);
		response(&r, SEC + i * 10 + 5, i, 0, 0x02, sense, n, 0);
	}
	ck_assert_uint_eq(r.s->stats.check_conditions, 100);
	ck_assert_uint_eq(r.s->stats.sense[0].count, 100);
	ck_assert_uint_eq(r.ev.check, SCSI_EVENTS_MAX);
	/* 84 suppressed: a summary at 1, 2, 4, ..., 64 */
	ck_assert_uint_eq(r.ev.suppressed, 7);
	ck_assert_uint_eq(r.s->events_suppressed, 100 - SCSI_EVENTS_MAX);
	rig_free(&r);
}
END_TEST

START_TEST(test_sense_table_bound)
{
	struct rig r;
	rig_init(&r);
	checks_distinct(&r, SEC, SCSI_SENSE_TABLE_MAX + 4, 0x4, 0x40);
	ck_assert_uint_eq(r.s->stats.nsense, SCSI_SENSE_TABLE_MAX);
	ck_assert_uint_eq(r.s->stats.sense_other, 4);
	rig_free(&r);
}
END_TEST

START_TEST(test_tmf_abort)
{
	struct rig r;
	rig_init(&r);
	read10(&r, SEC, 0x50, 0, 1);
	read10(&r, SEC, 0x51, 0, 1);
	uint8_t b[48] = {0};
	b[0] = OP_TMF_REQ | 0x40;
	b[1] = 0x80 | 1; /* ABORT TASK */
	b[9] = 1;
	put32(b + 16, 0x60);
	put32(b + 20, 0x50);
	feed(&r, SEC + 10, b, NULL, 0, 0);
	memset(b, 0, sizeof(b));
	b[0] = OP_TMF_RSP;
	b[1] = 0x80;
	put32(b + 16, 0x60);
	feed(&r, SEC + 20, b, NULL, 0, 0);
	const struct scsi_stats *st = &r.s->stats;
	ck_assert_uint_eq(st->tmf_reqs, 1);
	ck_assert_uint_eq(st->tmf_rsps, 1);
	ck_assert_uint_eq(st->aborted, 1);
	ck_assert_uint_eq(st->outstanding, 1);
	ck_assert_uint_eq(r.ev.tmf, 1);
	ck_assert_ptr_nonnull(strstr(r.ev.last, "ABORT TASK of ITT 0x00000050"));
	/* LUN RESET ends the rest of LUN 1. */
	memset(b, 0, sizeof(b));
	b[0] = OP_TMF_REQ | 0x40;
	b[1] = 0x80 | 5;
	b[9] = 1;
	put32(b + 16, 0x61);
	feed(&r, SEC + 30, b, NULL, 0, 0);
	memset(b, 0, sizeof(b));
	b[0] = OP_TMF_RSP;
	b[1] = 0x80;
	put32(b + 16, 0x61);
	feed(&r, SEC + 40, b, NULL, 0, 0);
	ck_assert_uint_eq(st->aborted, 2);
	ck_assert_uint_eq(st->outstanding, 0);
	rig_free(&r);
}
END_TEST

/* ---- malformed ---- */

START_TEST(test_reject_and_orphans)
{
	struct rig r;
	rig_init(&r);
	uint8_t b[48] = {0};
	static uint8_t hdr[48];
	b[0] = OP_REJECT;
	b[1] = 0x80;
	b[2] = 0x09;
	put32(b + 16, 0xffffffff);
	feed(&r, SEC, b, hdr, 48, 0);
	ck_assert_uint_eq(r.ev.reject, 1);
	ck_assert_ptr_nonnull(strstr(r.ev.last, "invalid PDU field"));
	/* A completion whose command the capture did not show. */
	response(&r, SEC, 0x1234, 0, 0, NULL, 0, 0);
	static uint8_t d[512];
	data_in(&r, SEC, 0x1235, d, 512, 0, true, 0, 0);
	ck_assert_uint_eq(r.s->stats.unmatched_rsps, 2);
	ck_assert_uint_eq(r.s->stats.scsi_rsps, 0);
	rig_free(&r);
}
END_TEST

START_TEST(test_bad_sense)
{
	struct rig r;
	rig_init(&r);
	/* SenseLength claims 200 bytes, 4 are there; then length 0; then
	 * CHECK CONDITION with no data at all. */
	uint8_t s1[6] = {0, 200, 0x70, 0, 0x05, 0};
	read10(&r, SEC, 1, 0, 1);
	response(&r, SEC, 1, 0, 0x02, s1, sizeof(s1), 0);
	uint8_t s2[2] = {0, 0};
	read10(&r, SEC, 2, 0, 1);
	response(&r, SEC, 2, 0, 0x02, s2, sizeof(s2), 0);
	read10(&r, SEC, 3, 0, 1);
	response(&r, SEC, 3, 0, 0x02, NULL, 0, 0);
	ck_assert_uint_eq(r.s->stats.check_conditions, 3);
	ck_assert_uint_eq(r.s->stats.nsense, 1);
	ck_assert_uint_eq(r.s->stats.sense[0].key, 5);
	ck_assert_uint_eq(r.ev.check, 3);
	rig_free(&r);
}
END_TEST

START_TEST(test_lying_inventory)
{
	struct rig r;
	rig_init(&r);
	/* REPORT LUNS promising 2^28 entries, carrying one. */
	uint8_t rl[16] = {0x7f, 0xff, 0xff, 0xf0, 0, 0, 0, 0, 0, 5};
	uint8_t cdb_rl[12] = {0xa0};
	cmd(&r, SEC, 4, 0, 0x40, 16, cdb_rl, 12, 0);
	data_in(&r, SEC + 1, 4, rl, sizeof(rl), 0, true, 0, 0);
	ck_assert_uint_eq(r.s->nreported, 1);
	ck_assert_uint_eq(r.s->reported[0], 5);
	ck_assert_uint_eq(r.s->reported_total, 0x7ffffff0u / 8);
	/* A 5-byte INQUIRY answer and a 3-byte READ CAPACITY(10). */
	uint8_t inq[5] = {0x00, 0, 5, 2, 0};
	uint8_t cdb_inq[6] = {0x12, 0, 0, 0, 5, 0};
	cmd(&r, SEC + 2, 5, 2, 0x40, 5, cdb_inq, 6, 0);
	data_in(&r, SEC + 3, 5, inq, 5, 0, true, 0, 0);
	uint8_t rc[3] = {1, 2, 3};
	uint8_t cdb_rc[10] = {0x25};
	cmd(&r, SEC + 4, 6, 2, 0x40, 8, cdb_rc, 10, 0);
	data_in(&r, SEC + 5, 6, rc, 3, 0, true, 0, 0);
	const struct scsi_lun *l = NULL;
	for (unsigned i = 0; i < r.s->nluns; i++)
		if (r.s->luns[i].lun == 2)
			l = &r.s->luns[i];
	ck_assert_ptr_nonnull(l);
	ck_assert(l->inquiry_seen);
	ck_assert_str_eq(l->vendor, "");
	ck_assert(!l->capacity_seen);
	/* Data-In at an offset beyond the copy cap is ignored. */
	cmd(&r, SEC + 6, 7, 2, 0x40, 8, cdb_rc, 10, 0);
	data_in(&r, SEC + 7, 7, rc, 3, 1u << 30, true, 0, 0);
	ck_assert_uint_eq(r.s->stats.scsi_rsps, 4);
	rig_free(&r);
}
END_TEST

/* ---- incremental ---- */

/* INQUIRY data split over two Data-In PDUs by Buffer Offset, each fed
 * byte by byte, gives the same inventory. */
START_TEST(test_inventory_split)
{
	struct rig r;
	rig_init(&r);
	uint8_t inq[96];
	inquiry_data(inq);
	uint8_t cdb_inq[6] = {0x12, 0, 0, 0, 96, 0};
	cmd(&r, SEC, 9, 4, 0x40, 96, cdb_inq, 6, 0);
	uint32_t cut = (uint32_t)_i * 7 + 1;
	data_in(&r, SEC + 1, 9, inq, cut, 0, false, 0, 1);
	data_in(&r, SEC + 2, 9, inq + cut, 96 - cut, cut, true, 0, 1);
	ck_assert_uint_eq(r.s->nluns, 1);
	ck_assert_str_eq(r.s->luns[0].vendor, "IET");
	ck_assert_str_eq(r.s->luns[0].product, "VIRTUAL-DISK");
	ck_assert_uint_eq(r.s->luns[0].lun, 4);
	ck_assert_uint_eq(r.s->stats.latency.count, 1);
	rig_free(&r);
}
END_TEST

/* ---- lazy parts (issue 10: thousands of sessions) ---- */

static void count_block(void *user, const void *b)
{
	(void)b;
	(*(unsigned *)user)++;
}

static unsigned blocks_of(const struct rig *r)
{
	unsigned n = 0;
	scsi_sess_blocks(r->s, count_block, &n);
	scsi_stats_blocks(&r->cs, count_block, &n);
	return n;
}

/* A session that never sent a command, or whose commands were not yet
 * answered, holds no lazy block; each part appears with its first use,
 * sized to that use, and gives the figures it always gave. */
START_TEST(test_lazy_parts)
{
	struct rig r;
	rig_init(&r);
	ck_assert_uint_eq(blocks_of(&r), 0);
	ck_assert_ptr_null(r.c->sense);
	ck_assert_ptr_null(r.c->inv);
	/* A command without its answer: counted, nothing made. */
	read10(&r, 10 * SEC, 1, 0, 8);
	ck_assert_uint_eq(r.s->stats.scsi_cmds, 1);
	ck_assert_uint_eq(blocks_of(&r), 0);
	/* The answer: one latency bucket, per connection and per session. */
	static uint8_t d[4096];
	data_in(&r, 10 * SEC + 300000, 1, d, sizeof(d), 0, true, 0, 0);
	ck_assert_ptr_nonnull(r.s->stats.latency.b);
	ck_assert_uint_eq(r.s->stats.latency.n, 1);
	ck_assert_uint_eq(r.cs.latency.n, 1);
	ck_assert_uint_eq(blocks_of(&r), 2);
	ck_assert_ptr_null(r.s->stats.sense);
	ck_assert_ptr_null(r.s->luns);
	ck_assert_ptr_null(r.s->reported);
	ck_assert_ptr_null(r.s->stats.trend.bins);
	ck_assert_ptr_null(r.c->sense);
	/* A slower answer widens the span to the buckets between. */
	read10(&r, 10 * SEC + MS, 2, 8, 8);
	data_in(&r, 10 * SEC + MS + 5000000, 2, d, sizeof(d), 0, true, 0, 0);
	unsigned k1 = scsi_hist_bucket(300000), k2 = scsi_hist_bucket(5000000);
	ck_assert_uint_eq(r.s->stats.latency.lo, k1);
	ck_assert_uint_eq(r.s->stats.latency.n, k2 - k1 + 1);
	ck_assert_uint_eq(scsi_hist_at(&r.s->stats.latency, k1), 1);
	ck_assert_uint_eq(scsi_hist_at(&r.s->stats.latency, k2), 1);
	ck_assert_uint_eq(scsi_hist_at(&r.s->stats.latency, k1 + 1), 0);
	ck_assert_uint_eq(scsi_hist_at(&r.s->stats.latency, k2 + 1), 0);
	ck_assert_uint_eq(scsi_hist_at(&r.s->stats.latency, 0), 0);
	ck_assert_uint_eq(scsi_hist_percentile(&r.s->stats.latency, 50),
			  scsi_hist_upper(k1));
	ck_assert_uint_eq(scsi_hist_percentile(&r.s->stats.latency, 100),
			  5000000);
	/* A CHECK CONDITION: the copy buffer and a small sense table. */
	uint8_t sense[20];
	uint32_t sl = fixed_sense(sense, 5, 0x21, 0);
	read10(&r, 11 * SEC, 3, 0, 1);
	response(&r, 11 * SEC + 1000, 3, 0, 0x02, sense, sl, 0);
	ck_assert_ptr_nonnull(r.c->sense);
	ck_assert_uint_eq(r.s->stats.nsense, 1);
	ck_assert_uint_eq(r.s->stats.sense_cap, 2);
	ck_assert_uint_eq(r.s->stats.sense[0].key, 5);
	ck_assert_uint_eq(r.cs.nsense, 1);
	/* The first command in a new second closes a window: the trend. */
	ck_assert_ptr_nonnull(r.s->stats.trend.bins);
	double bps[2], iops[2];
	scsi_trend_get(&r.s->stats, 11 * SEC + 2000, bps, iops, 2);
	/* 2 reads at 10 s, 1 at 11 s, in the 5-s bin of both */
	ck_assert(iops[1] > 2.99 / 5.0 && iops[1] < 3.01 / 5.0);
	/* An INQUIRY: one LUN entry, not the whole inventory. */
	uint8_t inq[96];
	inquiry_data(inq);
	uint8_t cdb_inq[6] = {0x12, 0, 0, 0, 96, 0};
	cmd(&r, 12 * SEC, 4, 1, 0x40, 96, cdb_inq, 6, 0);
	data_in(&r, 12 * SEC + 1, 4, inq, 96, 0, true, 0, 0);
	ck_assert_uint_eq(r.s->nluns, 1);
	ck_assert_uint_eq(r.s->luns_cap, 1);
	ck_assert_str_eq(r.s->luns[0].vendor, "IET");
	ck_assert_ptr_null(r.s->reported);
	ck_assert_uint_eq(r.ctr.v[CTR_SCSI_NOMEM], 0);
	/* The connection ends: its copy buffers go, the counts stay. */
	scsi_conn_closed(&r.io, 13 * SEC);
	ck_assert_ptr_null(r.c->sense);
	ck_assert_ptr_null(r.c->inv);
	ck_assert_uint_eq(r.s->stats.latency.count, 4);
	rig_free(&r);
}
END_TEST

/* The span-sized buckets give what a full array of SCSI_HIST_BUCKETS
 * gives: every bucket, the percentiles (computed here over the full
 * array, as before issue 10), in any order of arrival. */
START_TEST(test_hist_sparse_same)
{
	uint64_t full[SCSI_HIST_BUCKETS] = {0};
	struct scsi_hist h;
	memset(&h, 0, sizeof(h));
	uint64_t x = 0x9e3779b97f4a7c15ull, n = 0;
	for (unsigned i = 0; i < 5000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* log-uniform from ~0 to 2^42 ns, both end buckets hit */
		uint64_t v = (x >> 22) >> (x % 43);
		ck_assert(scsi_hist_add(&h, v));
		full[scsi_hist_bucket(v)]++;
		n++;
	}
	ck_assert_uint_eq(h.count, n);
	for (unsigned k = 0; k < SCSI_HIST_BUCKETS; k++)
		ck_assert_uint_eq(scsi_hist_at(&h, k), full[k]);
	ck_assert_uint_eq(scsi_hist_at(&h, SCSI_HIST_BUCKETS), 0);
	for (double pct = 0; pct <= 100; pct += 0.5) {
		double want = pct / 100.0 * (double)n;
		uint64_t rank = (uint64_t)want;
		if ((double)rank < want)
			rank++;
		if (rank == 0)
			rank = 1;
		uint64_t seen = 0, ref = h.max_ns;
		for (unsigned k = 0; k < SCSI_HIST_BUCKETS; k++) {
			seen += full[k];
			if (seen >= rank) {
				ref = scsi_hist_upper(k);
				ref = ref > h.max_ns ? h.max_ns : ref;
				ref = ref < h.min_ns ? h.min_ns : ref;
				break;
			}
		}
		ck_assert_uint_eq(scsi_hist_percentile(&h, pct), ref);
	}
	scsi_hist_release(&h);
	ck_assert_ptr_null(h.b);
	ck_assert_uint_eq(h.count, 0);
}
END_TEST

/* The sense table and the LUN inventory grow to their caps and no
 * further; REPORT LUNS keeps a list of its own length. */
START_TEST(test_lazy_caps)
{
	struct rig r;
	rig_init(&r);
	checks_distinct(&r, SEC, SCSI_SENSE_TABLE_MAX + 3, 5, 0x20);
	ck_assert_uint_eq(r.s->stats.nsense, SCSI_SENSE_TABLE_MAX);
	ck_assert_uint_eq(r.s->stats.sense_cap, SCSI_SENSE_TABLE_MAX);
	ck_assert_uint_eq(r.s->stats.sense_other, 3);
	for (unsigned i = 0; i < SCSI_SENSE_TABLE_MAX; i++)
		ck_assert_uint_eq(r.s->stats.sense[i].asc, 0x20 + i);
	uint8_t rc10[8] = {0, 0, 0x1f, 0xff, 0, 0, 2, 0};
	uint8_t cdb_rc10[10] = {0x25};
	for (unsigned i = 0; i < SCSI_LUNS_MAX + 2; i++) {
		uint32_t itt = 100 + i;
		cmd(&r, 2 * SEC + i, itt, (uint8_t)i, 0x40, 8, cdb_rc10, 10, 0);
		data_in(&r, 2 * SEC + i, itt, rc10, 8, 0, true, 0, 0);
	}
	ck_assert_uint_eq(r.s->nluns, SCSI_LUNS_MAX);
	ck_assert_uint_eq(r.s->luns_cap, SCSI_LUNS_MAX);
	ck_assert_uint_eq(r.s->luns_dropped, 2);
	for (unsigned i = 0; i < SCSI_LUNS_MAX; i++)
		ck_assert_uint_eq(r.s->luns[i].lun, i);
	uint8_t rl[8 + 3 * 8] = {0, 0, 0, 24};
	for (unsigned i = 0; i < 3; i++)
		rl[8 + 8 * i + 1] = (uint8_t)(i + 7);
	uint8_t cdb_rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0};
	cmd(&r, 3 * SEC, 500, 0, 0x40, 4096, cdb_rl, 12, 0);
	data_in(&r, 3 * SEC, 500, rl, sizeof(rl), 0, true, 0, 0);
	ck_assert_uint_eq(r.s->nreported, 3);
	ck_assert_uint_eq(r.s->reported[2], 9);
	ck_assert_uint_eq(r.ctr.v[CTR_SCSI_NOMEM], 0);
	rig_free(&r);
}
END_TEST

/* Out of memory: a CHECK CONDITION whose sense copy buffer, then one
 * whose connection sense table, cannot be made. The rest is counted as
 * ever, the sense goes to sense_other (or "no sense data"), and each
 * failed allocation once in CTR_SCSI_NOMEM - not once per stats. */
START_TEST(test_nomem_counted)
{
	struct rig r;
	rig_init(&r);
	uint8_t sense[20];
	uint32_t sl = fixed_sense(sense, 5, 0x21, 0);
	/* A good read first: command table, latency bucket, no sense. */
	read10(&r, SEC, 1, 0, 1);
	response(&r, SEC + 1000, 1, 0, 0x00, NULL, 0, 0);
	ck_assert_uint_eq(r.ctr.v[CTR_SCSI_NOMEM], 0);
	/* The sense copy buffer fails at the response's begin. */
	read10(&r, SEC + 2000, 2, 0, 1);
	scsi_test_fail_allocs(1);
	response(&r, SEC + 3000, 2, 0, 0x02, sense, sl, 0);
	ck_assert_uint_eq(r.ctr.v[CTR_SCSI_NOMEM], 1);
	ck_assert_ptr_null(r.c->sense);
	ck_assert_uint_eq(r.s->stats.check_conditions, 1);
	ck_assert_uint_eq(r.cs.check_conditions, 1);
	ck_assert_uint_eq(r.s->stats.nsense, 0);
	ck_assert_uint_eq(r.ev.check, 1);
	ck_assert_ptr_nonnull(strstr(r.ev.last, "no sense data"));
	/* The copy buffer is made, then the connection's sense table
	 * (the first stats fed) fails; the session's is made. */
	read10(&r, SEC + 4000, 3, 0, 1);
	uint8_t b[48] = {0};
	b[0] = OP_SCSI_RSP;
	b[1] = 0x80;
	b[3] = 0x02;
	put32(b + 16, 3);
	struct pdu p;
	memset(&p, 0, sizeof(p));
	p.bhs = b;
	p.opcode = OP_SCSI_RSP;
	p.flags = b[1];
	p.data_len = sl;
	p.itt = 3;
	scsi_pdu_begin(&r.io, SEC + 5000, 1, &p);
	p.bhs = NULL;
	scsi_pdu_data(&r.io, 1, &p, sense, sl);
	ck_assert_ptr_nonnull(r.c->sense);
	scsi_test_fail_allocs(1);
	scsi_pdu_end(&r.io, SEC + 5000, 1, &p);
	ck_assert_uint_eq(r.ctr.v[CTR_SCSI_NOMEM], 2);
	/* everything else as without the failure */
	ck_assert_uint_eq(r.cs.check_conditions, 2);
	ck_assert_uint_eq(r.cs.scsi_rsps, 3);
	ck_assert_uint_eq(r.cs.outstanding, 0);
	ck_assert_uint_eq(r.cs.latency.count, 3);
	ck_assert_uint_eq(r.cs.nsense, 0);
	ck_assert_ptr_null(r.cs.sense);
	ck_assert_uint_eq(r.cs.sense_other, 1);
	ck_assert_uint_eq(r.s->stats.check_conditions, 2);
	ck_assert_uint_eq(r.s->stats.nsense, 1);
	ck_assert_uint_eq(r.s->stats.sense[0].key, 5);
	ck_assert_uint_eq(r.s->stats.sense[0].asc, 0x21);
	ck_assert_uint_eq(r.s->stats.sense_other, 0);
	ck_assert_uint_eq(r.ev.check, 2);
	ck_assert_ptr_nonnull(strstr(r.ev.last, "ILLEGAL_REQUEST"));
	/* The failures are spent: the next one is kept in both. */
	read10(&r, SEC + 6000, 4, 0, 1);
	response(&r, SEC + 7000, 4, 0, 0x02, sense, sl, 0);
	ck_assert_uint_eq(r.cs.nsense, 1);
	ck_assert_uint_eq(r.s->stats.sense[0].count, 2);
	ck_assert_uint_eq(r.ctr.v[CTR_SCSI_NOMEM], 2);
	rig_free(&r);
}
END_TEST

Suite *scsi_suite(void)
{
	Suite *s = suite_create("scsi");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_read_matched);
	tcase_add_test(tc, test_write_r2t_response);
	tcase_add_test(tc, test_check_condition_sense);
	tcase_add_test(tc, test_descriptor_sense);
	tcase_add_loop_test(tc, test_status_counts, 0,
			    sizeof(status_vec) / sizeof(status_vec[0]));
	tcase_add_test(tc, test_inventory);
	tcase_add_loop_test(tc, test_hist_percentiles, 0,
			    sizeof(pct_vec) / sizeof(pct_vec[0]));
	tcase_add_test(tc, test_hist_buckets);
	tcase_add_test(tc, test_rates);
	tcase_add_test(tc, test_trend);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_aging);
	tcase_add_test(tc, test_event_storm);
	tcase_add_test(tc, test_sense_table_bound);
	tcase_add_test(tc, test_tmf_abort);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_reject_and_orphans);
	tcase_add_test(tc, test_bad_sense);
	tcase_add_test(tc, test_lying_inventory);
	suite_add_tcase(s, tc);
	tc = tcase_create("incremental");
	tcase_add_loop_test(tc, test_inventory_split, 0, 13);
	suite_add_tcase(s, tc);
	tc = tcase_create("lazy");
	tcase_add_test(tc, test_lazy_parts);
	tcase_add_test(tc, test_hist_sparse_same);
	tcase_add_test(tc, test_lazy_caps);
	tcase_add_test(tc, test_nomem_counted);
	suite_add_tcase(s, tc);
	return s;
}
