/* The tracker: who owns which state of a connection. Packets are built
 * here as Ethernet/IPv4/TCP frames and run through the engine, the
 * tracker and the session model, as `iscsiwatch -r` does. */
#include "check_suites.h"

#include <pcap/dlt.h>
#include <string.h>

#include "engine.h"
#include "net.h"
#include "scsi.h"
#include "session.h"
#include "track.h"

#define SEC 1000000000ull

struct pkt {
	uint8_t b[2048];
	uint32_t n;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* 10.0.0.<a>:<sp> -> 10.0.0.<b>:<dp> (bytes in a buffer, never sent). */
static void frame(struct pkt *k, uint8_t a, uint16_t sp, uint8_t b,
		  uint16_t dp, uint32_t seq, uint8_t flags, const uint8_t *pl,
		  uint32_t n)
{
	memset(k, 0, sizeof(*k));
	uint8_t *e = k->b;
	put16(e + 12, 0x0800);
	uint8_t *ip = e + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 20 + n));
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10, ip[15] = a;
	ip[16] = 10, ip[19] = b;
	uint8_t *t = ip + 20;
	put16(t, sp);
	put16(t + 2, dp);
	put32(t + 4, seq);
	put32(t + 8, 1);
	t[12] = 5 << 4;
	t[13] = flags;
	if (n)
		memcpy(t + 20, pl, n);
	k->n = 14 + 20 + 20 + n;
}

struct rig {
	struct engine *eng;
	struct session_table *st;
	struct track tr;
	uint32_t seq[2]; /* next sequence number: 0 initiator, 1 target */
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	struct engine_opts eo;
	engine_opts_default(&eo);
	r->eng = engine_new(&eo);
	ck_assert_ptr_nonnull(r->eng);
	r->st = session_table_new(16, engine_counters(r->eng));
	ck_assert_ptr_nonnull(r->st);
	r->tr = (struct track){r->st, 0};
	struct engine_sink s = track_sink(&r->tr);
	ck_assert_int_eq(engine_add_sink(r->eng, &s), 0);
	r->seq[0] = 100;
	r->seq[1] = 500;
}

static void rig_free(struct rig *r)
{
	engine_finish(r->eng);
	session_table_free(r->st);
	engine_free(r->eng);
}

static void feed(struct rig *r, uint64_t ts, struct pkt *k)
{
	struct packet p = {.ts_ns = ts, .caplen = k->n, .wirelen = k->n,
			   .linktype = DLT_EN10MB, .data = k->b};
	engine_packet(r->eng, &p);
}

/* One segment from the initiator (from_i) or the target, in order. */
static void send(struct rig *r, uint64_t ts, bool from_i, const uint8_t *pl,
		 uint32_t n, uint8_t flags)
{
	struct pkt k;
	int d = from_i ? 0 : 1;
	if (from_i)
		frame(&k, 1, 40000, 2, 3260, r->seq[d], flags, pl, n);
	else
		frame(&k, 2, 3260, 1, 40000, r->seq[d], flags, pl, n);
	feed(r, ts, &k);
	r->seq[d] += n + ((flags & (TCP_SYN_FLAG | TCP_FIN_FLAG)) ? 1 : 0);
}

/* A PDU: BHS (opcode, flags, ITT) and a data segment, padded. */
static void pdu(struct rig *r, uint64_t ts, bool from_i, uint8_t op,
		uint8_t flags, uint32_t itt, const uint8_t *cdb,
		const char *data, uint32_t dlen)
{
	uint8_t b[512] = {0};
	b[0] = op;
	b[1] = flags;
	b[5] = (uint8_t)(dlen >> 16);
	b[6] = (uint8_t)(dlen >> 8);
	b[7] = (uint8_t)dlen;
	put32(b + 16, itt);
	if (op == 0x43 || op == OP_LOGIN_RSP) {
		b[8] = 0x80; /* ISID */
		b[13] = 1;
		if (op == OP_LOGIN_RSP)
			put16(b + 14, 7); /* TSIH */
	}
	if (cdb)
		memcpy(b + 32, cdb, 16);
	if (op == OP_SCSI_CMD)
		put32(b + 20, 4096); /* expected data transfer length */
	if (dlen)
		memcpy(b + 48, data, dlen);
	send(r, ts, from_i, b, 48 + ((dlen + 3) & ~3u), TCP_ACK_FLAG);
}

static const char LOGIN_REQ[] = "InitiatorName=iqn.2024-01.org.x:host\0"
				"TargetName=iqn.2024-01.org.x:disk\0"
				"SessionType=Normal\0";

/* Handshake, a one-PDU login to Full Feature Phase, a NOP-Out. */
static const struct session *logged_in(struct rig *r)
{
	send(r, 1 * SEC, true, NULL, 0, TCP_SYN_FLAG);
	send(r, 1 * SEC, false, NULL, 0, TCP_SYN_FLAG | TCP_ACK_FLAG);
	pdu(r, 2 * SEC, true, 0x43, 0x87, 1, NULL, LOGIN_REQ,
	    sizeof(LOGIN_REQ) - 1);
	pdu(r, 2 * SEC, false, OP_LOGIN_RSP, 0x87, 1, NULL, NULL, 0);
	pdu(r, 3 * SEC, true, 0x40, 0x80, 2, NULL, NULL, 0);
	const struct session *s = session_first(r->st);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->status, ST_OK);
	return s;
}

/* An idle session has no SCSI state: its PDUs are counted by the
 * session model alone. */
START_TEST(test_idle_session_has_no_scsi_state)
{
	struct rig r;
	rig_init(&r);
	const struct session *s = logged_in(&r);
	const struct sconn *c = s->conns;
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(s->scsi);
	ck_assert_ptr_null(c->scsi);
	ck_assert_uint_eq(c->counts.pdus[0], 2); /* Login, NOP-Out */
	ck_assert_uint_eq(c->counts.pdus[1], 1);
	ck_assert_uint_eq(c->counts.octets[0], sizeof(LOGIN_REQ) - 1);
	ck_assert_uint_eq(c->counts.nop_out, 1);
	ck_assert_uint_eq(s->counts.pdus[0], 2);
	ck_assert_uint_eq(s->counts.pdus[1], 1);
	ck_assert_uint_eq(session_errors(s), 0);
	rig_free(&r);
}
END_TEST

/* The first SCSI Command makes the state of the connection and of the
 * session; the decoder's part goes with the TCP connection, whose open
 * command is then counted as unanswered. */
START_TEST(test_first_command_makes_scsi_state)
{
	struct rig r;
	rig_init(&r);
	const struct session *s = logged_in(&r);
	const struct sconn *c = s->conns;
	static const uint8_t read10[16] = {0x28, 0, 0, 0, 0, 0, 0, 0, 8};
	pdu(&r, 4 * SEC, true, OP_SCSI_CMD, 0xc1, 3, read10, NULL, 0);
	ck_assert_ptr_nonnull(s->scsi);
	ck_assert_ptr_nonnull(c->scsi);
	ck_assert_uint_eq(s->scsi->stats.scsi_cmds, 1);
	ck_assert_uint_eq(c->scsi->reads, 1);
	ck_assert_uint_eq(c->scsi->outstanding, 1);
	ck_assert_uint_eq(c->counts.pdus[0], 3);
	/* A Reject: counted once, by the session model, and a format error
	 * for reason 0x09 (invalid PDU field, RFC 7143 §11.17.1). */
	uint8_t rej[48] = {0};
	rej[0] = OP_REJECT;
	rej[1] = 0x80;
	rej[2] = 0x09;
	put32(rej + 16, 0xffffffff);
	rej[7] = 48;
	uint8_t seg[96] = {0};
	memcpy(seg, rej, 48);
	send(&r, 5 * SEC, false, seg, 96, TCP_ACK_FLAG);
	ck_assert_uint_eq(c->counts.rejects, 1);
	ck_assert_uint_eq(c->counts.format_errors, 1);
	ck_assert_uint_eq(s->counts.rejects, 1);
	ck_assert_uint_eq(session_errors(s), 2);
	struct scsi_figures f;
	session_figures(s, 5 * SEC, &f);
	ck_assert_uint_eq(f.errors, 2);
	ck_assert_uint_eq(f.cmds, 1);
	/* FIN both ways: the connection ends, its open command with it. */
	send(&r, 6 * SEC, true, NULL, 0, TCP_FIN_FLAG | TCP_ACK_FLAG);
	send(&r, 6 * SEC, false, NULL, 0, TCP_FIN_FLAG | TCP_ACK_FLAG);
	ck_assert(c->released);
	ck_assert_uint_eq(c->scsi->unanswered_at_close, 1);
	ck_assert_uint_eq(c->scsi->outstanding, 0);
	ck_assert_uint_eq(s->scsi->stats.unanswered_at_close, 1);
	rig_free(&r);
}
END_TEST

/* A connection that spoke and then went silent is a MIB
 * CxnTimeoutError of the connection and of its session. */
START_TEST(test_idle_timeout_counted_once)
{
	struct rig r;
	rig_init(&r);
	const struct session *s = logged_in(&r);
	const struct sconn *c = s->conns;
	/* Any packet long after the idle limit sweeps the silent flow. */
	struct pkt k;
	frame(&k, 3, 1000, 4, 2000, 1, TCP_SYN_FLAG, NULL, 0);
	feed(&r, 3 * SEC + FLOW_IDLE_NS_DEFAULT + 10 * SEC, &k);
	ck_assert(c->released);
	ck_assert_uint_eq(c->counts.conn_timeout_errors, 1);
	ck_assert_uint_eq(s->counts.conn_timeout_errors, 1);
	ck_assert_ptr_null(s->scsi);
	rig_free(&r);
}
END_TEST

Suite *track_suite(void)
{
	Suite *s = suite_create("track");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_idle_session_has_no_scsi_state);
	tcase_add_test(tc, test_first_command_makes_scsi_state);
	tcase_add_test(tc, test_idle_timeout_counted_once);
	suite_add_tcase(s, tc);
	return s;
}
