/* The engine's glue: roles from ports and from Logins, probing of other
 * ports, lifecycle (FIN, RST, idle, the cap), digests wanted by a sink.
 * Packets are built here as Ethernet/IPv4/TCP frames. */
#include "check_suites.h"

#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "crc32c.h"
#include "engine.h"
#include "net.h"

#define SEC 1000000000ull

/* ---- frames ---- */

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

static void bhs(uint8_t *p, uint8_t op, uint8_t flags, uint32_t dlen,
		uint32_t itt)
{
	memset(p, 0, 48);
	p[0] = op;
	p[1] = flags;
	p[5] = (uint8_t)(dlen >> 16);
	p[6] = (uint8_t)(dlen >> 8);
	p[7] = (uint8_t)dlen;
	put32(p + 16, itt);
}

/* ---- a recording sink ---- */

struct rec {
	int opens, closes, pdus, gaps, anomalies;
	enum conn_end last_end;
	char ops[256];
	int target_at_open;
	bool want_digests; /* ask for digests after the first Login Response */
};

static void r_open(void *u, struct engine_conn *c, int slot)
{
	struct rec *r = u;
	(void)slot;
	r->opens++;
	r->target_at_open = c->flow->target;
}

static void r_end(void *u, struct engine_conn *c, int slot, int dir,
		  const struct pdu *p)
{
	struct rec *r = u;
	(void)slot;
	(void)dir;
	r->pdus++;
	size_t n = strlen(r->ops);
	if (n + 8 < sizeof(r->ops))
		snprintf(r->ops + n, sizeof(r->ops) - n, "%s%s%s",
			 n ? " " : "", iscsi_opcode_name(p->opcode),
			 p->hdigest == PDU_DIGEST_OK ? "+hd" : "");
	if (p->opcode == OP_LOGIN_RSP && r->want_digests) {
		c->want_hd = FRAMER_DIGEST_ON;
		c->want_dd = FRAMER_DIGEST_OFF;
		c->want_set = true;
	}
}

static void r_close(void *u, struct engine_conn *c, int slot,
		    enum conn_end why)
{
	struct rec *r = u;
	(void)c;
	(void)slot;
	r->closes++;
	r->last_end = why;
}

static struct engine *mk(struct rec *r, const struct engine_opts *o)
{
	memset(r, 0, sizeof(*r));
	struct engine *e = engine_new(o);
	ck_assert_ptr_nonnull(e);
	struct engine_sink s = {.user = r, .conn_open = r_open,
				.pdu_end = r_end, .conn_close = r_close};
	ck_assert_int_eq(engine_add_sink(e, &s), 0);
	return e;
}

static void feed(struct engine *e, uint64_t ts, struct pkt *k)
{
	struct packet p = {.ts_ns = ts, .caplen = k->n, .wirelen = k->n,
			   .linktype = DLT_EN10MB, .data = k->b};
	engine_packet(e, &p);
}

/* A TCP handshake, a Login Request and Response, NOP-Out/In, FINs,
 * between 10.0.0.1:cport and 10.0.0.2:tport. */
static void session(struct engine *e, uint16_t cport, uint16_t tport,
		    bool with_digest_nop)
{
	struct pkt k;
	uint8_t pdu[48 + 4];
	frame(&k, 1, cport, 2, tport, 100, TCP_SYN_FLAG, NULL, 0);
	feed(e, 1 * SEC, &k);
	frame(&k, 2, tport, 1, cport, 500, TCP_SYN_FLAG | TCP_ACK_FLAG, NULL, 0);
	feed(e, 1 * SEC, &k);
	bhs(pdu, 0x43, 0x87, 0, 1);
	frame(&k, 1, cport, 2, tport, 101, TCP_ACK_FLAG, pdu, 48);
	feed(e, 2 * SEC, &k);
	bhs(pdu, OP_LOGIN_RSP, 0x87, 0, 1);
	frame(&k, 2, tport, 1, cport, 501, TCP_ACK_FLAG, pdu, 48);
	feed(e, 2 * SEC, &k);
	bhs(pdu, 0x40, 0x80, 0, 2);
	uint32_t n = 48;
	if (with_digest_nop) {
		/* The header digest the sink asked for: CRC32C of the BHS,
		 * least significant byte first. */
		uint32_t c = crc32c(pdu, 48);
		pdu[48] = (uint8_t)c, pdu[49] = (uint8_t)(c >> 8);
		pdu[50] = (uint8_t)(c >> 16), pdu[51] = (uint8_t)(c >> 24);
		n = 52;
	}
	frame(&k, 1, cport, 2, tport, 149, TCP_ACK_FLAG, pdu, n);
	feed(e, 3 * SEC, &k);
	frame(&k, 1, cport, 2, tport, 149 + n, TCP_FIN_FLAG | TCP_ACK_FLAG, NULL, 0);
	feed(e, 4 * SEC, &k);
	frame(&k, 2, tport, 1, cport, 549, TCP_FIN_FLAG | TCP_ACK_FLAG, NULL, 0);
	feed(e, 4 * SEC, &k);
}

START_TEST(test_roles_and_fin)
{
	struct engine_opts o;
	engine_opts_default(&o);
	struct rec r;
	struct engine *e = mk(&r, &o);
	session(e, 40000, 3260, false);
	ck_assert_int_eq(r.opens, 1);
	ck_assert_int_eq(r.target_at_open, 1); /* the 3260 side */
	ck_assert_str_eq(r.ops, "LOGIN_REQ LOGIN_RSP NOP_OUT");
	ck_assert_int_eq(r.closes, 1);
	ck_assert_int_eq(r.last_end, CONN_END_FIN);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_CLOSED], 1);
	engine_free(e);
}
END_TEST

START_TEST(test_other_port_by_login)
{
	struct engine_opts o;
	engine_opts_default(&o);
	struct rec r;
	struct engine *e = mk(&r, &o);
	session(e, 40000, 5000, false); /* not an iSCSI port */
	ck_assert_str_eq(r.ops, "LOGIN_REQ LOGIN_RSP NOP_OUT");
	/* Other traffic on other ports, opening without a Login: ignored. */
	struct pkt k;
	uint8_t junk[48] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
	frame(&k, 1, 41000, 2, 80, 7, TCP_SYN_FLAG, NULL, 0);
	feed(e, 5 * SEC, &k);
	frame(&k, 1, 41000, 2, 80, 8, TCP_ACK_FLAG, junk, 48);
	feed(e, 5 * SEC, &k);
	frame(&k, 1, 41000, 2, 80, 56, TCP_ACK_FLAG, junk, 48);
	feed(e, 5 * SEC, &k);
	ck_assert_int_eq(r.pdus, 3);
	ck_assert_uint_gt(engine_counters(e)->v[CTR_PKT_NOT_ISCSI_PORT], 0);
	/* -p: the same as a configured port, from the port alone. */
	uint16_t ports[] = {5000};
	o.ports = ports;
	o.nports = 1;
	struct rec r2;
	struct engine *e2 = mk(&r2, &o);
	session(e2, 40001, 5000, false);
	ck_assert_int_eq(r2.target_at_open, 1);
	ck_assert_int_eq(r2.pdus, 3);
	engine_free(e2);
	engine_free(e);
}
END_TEST

START_TEST(test_digests_wanted_by_a_sink)
{
	struct engine_opts o;
	engine_opts_default(&o);
	struct rec r;
	struct engine *e = mk(&r, &o);
	r.want_digests = true;
	session(e, 40000, 3260, true);
	ck_assert_str_eq(r.ops, "LOGIN_REQ LOGIN_RSP NOP_OUT+hd");
	engine_free(e);
}
END_TEST

START_TEST(test_rst_and_idle)
{
	struct engine_opts o;
	engine_opts_default(&o);
	o.flows.idle_ns = 10 * SEC;
	struct rec r;
	struct engine *e = mk(&r, &o);
	struct pkt k;
	uint8_t pdu[48];
	bhs(pdu, 0x43, 0x87, 0, 1);
	frame(&k, 1, 40000, 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 1 * SEC, &k);
	frame(&k, 1, 40000, 2, 3260, 2, TCP_ACK_FLAG, pdu, 48);
	feed(e, 1 * SEC, &k);
	/* A RST from a direction never seen, acknowledging nothing, is a
	 * blind one (RFC 5961): counted, ignored. */
	frame(&k, 2, 3260, 1, 40000, 9, TCP_RST_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	ck_assert_int_eq(r.closes, 0);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_TCP_RST_OUT_OF_WINDOW], 1);
	/* The initiator's RST at its next sequence number ends it. */
	frame(&k, 1, 40000, 2, 3260, 50, TCP_RST_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	ck_assert_int_eq(r.last_end, CONN_END_RST);
	/* A second connection goes silent; time moves on. */
	frame(&k, 1, 40001, 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 3 * SEC, &k);
	frame(&k, 1, 40001, 2, 3260, 2, TCP_ACK_FLAG, pdu, 48);
	feed(e, 3 * SEC, &k);
	engine_tick(e, 12 * SEC);
	ck_assert_int_eq(r.closes, 1);
	engine_tick(e, 14 * SEC);
	ck_assert_int_eq(r.closes, 2);
	ck_assert_int_eq(r.last_end, CONN_END_IDLE);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_EVICTED_IDLE], 1);
	engine_free(e);
}
END_TEST

/* Idle flows end one by one as each passes the idle time, in the order
 * of their last packet, however the ticks fall between them (engine_tick
 * skips the check while no flow can be due). */
START_TEST(test_idle_order)
{
	struct engine_opts o;
	engine_opts_default(&o);
	o.flows.idle_ns = 10 * SEC;
	struct rec r;
	struct engine *e = mk(&r, &o);
	struct pkt k;
	uint8_t pdu[48];
	bhs(pdu, 0x43, 0x87, 0, 1);
	static const uint64_t at[] = {1 * SEC, 4 * SEC, 6 * SEC};
	for (int i = 0; i < 3; i++) {
		frame(&k, 1, (uint16_t)(40000 + i), 2, 3260, 1, TCP_SYN_FLAG,
		      NULL, 0);
		feed(e, at[i], &k);
		frame(&k, 1, (uint16_t)(40000 + i), 2, 3260, 2, TCP_ACK_FLAG,
		      pdu, 48);
		feed(e, at[i], &k);
	}
	engine_tick(e, 9 * SEC);
	/* The first flow speaks again: the second is now the oldest. */
	frame(&k, 1, 40000, 2, 3260, 50, TCP_ACK_FLAG, pdu, 48);
	feed(e, 7 * SEC, &k); /* a step back in time counts as 9 s */
	engine_tick(e, 12 * SEC);
	ck_assert_int_eq(r.closes, 0);
	engine_tick(e, 14 * SEC);
	ck_assert_int_eq(r.closes, 0);
	engine_tick(e, 14 * SEC + 1);
	ck_assert_int_eq(r.closes, 1);
	engine_tick(e, 16 * SEC);
	ck_assert_int_eq(r.closes, 1);
	engine_tick(e, 16 * SEC + 1);
	ck_assert_int_eq(r.closes, 2);
	engine_tick(e, 19 * SEC);
	ck_assert_int_eq(r.closes, 2);
	engine_tick(e, 19 * SEC + 1);
	ck_assert_int_eq(r.closes, 3);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_EVICTED_IDLE], 3);
	engine_free(e);
}
END_TEST

START_TEST(test_flow_cap_prefers_empty_flows)
{
	struct engine_opts o;
	engine_opts_default(&o);
	o.flows.max_flows = 4;
	struct rec r;
	struct engine *e = mk(&r, &o);
	struct pkt k;
	uint8_t pdu[48];
	bhs(pdu, 0x43, 0x87, 0, 1);
	/* Two real connections with payload. */
	for (uint16_t i = 0; i < 2; i++) {
		frame(&k, 1, (uint16_t)(40000 + i), 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
		feed(e, 1 * SEC, &k);
		frame(&k, 1, (uint16_t)(40000 + i), 2, 3260, 2, TCP_ACK_FLAG, pdu, 48);
		feed(e, 1 * SEC, &k);
	}
	/* A SYN flood: empty flows push out only empty flows, oldest first;
	 * the real connections (payload on the iSCSI port) stay, though
	 * they are the least recently used. */
	for (uint16_t i = 0; i < 100; i++) {
		frame(&k, 9, (uint16_t)(1000 + i), 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
		feed(e, 2 * SEC, &k);
	}
	ck_assert_int_eq(r.pdus, 2);
	ck_assert_int_eq(r.closes, 98);
	ck_assert_int_eq(r.last_end, CONN_END_EVICTED);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_EVICTED_EMPTY], 98);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_CAP_HIT], 0);
	/* A newcomer off the iSCSI ports pushes out nothing on them. */
	frame(&k, 9, 5000, 2, 443, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	ck_assert_int_eq(r.closes, 98);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_CAP_HIT], 1);
	/* The real connections are still there: their next PDU frames. */
	bhs(pdu, 0x40, 0x80, 0, 2);
	frame(&k, 1, 40000, 2, 3260, 50, TCP_ACK_FLAG, pdu, 48);
	feed(e, 3 * SEC, &k);
	/* (Digests unknown: the framer waits for 4 more bytes to decide,
	 * or for the end of the stream.) */
	engine_finish(e);
	ck_assert_int_eq(r.pdus, 3);
	engine_free(e);

	/* Flood first, then a real connection: the oldest empty flow makes
	 * room for it. */
	e = mk(&r, &o);
	for (uint16_t i = 0; i < 10; i++) {
		frame(&k, 9, (uint16_t)(1000 + i), 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
		feed(e, 1 * SEC, &k);
	}
	frame(&k, 1, 40000, 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	bhs(pdu, 0x43, 0x87, 0, 1);
	frame(&k, 1, 40000, 2, 3260, 2, TCP_ACK_FLAG, pdu, 48);
	feed(e, 2 * SEC, &k);
	ck_assert_int_eq(r.pdus, 1);
	ck_assert_int_eq(r.last_end, CONN_END_EVICTED);
	engine_free(e);
}
END_TEST

START_TEST(test_flow_cap_not_iscsi_first)
{
	/* The table full of HTTPS connections (known not iSCSI after their
	 * first payload): a login on 3260 pushes the oldest out. */
	struct engine_opts o;
	engine_opts_default(&o);
	o.flows.max_flows = 8;
	struct rec r;
	struct engine *e = mk(&r, &o);
	struct pkt k;
	static const uint8_t hello[8] = {0x16, 3, 1, 0, 4, 1, 0, 0};
	for (uint16_t i = 0; i < 20; i++) {
		frame(&k, 9, (uint16_t)(1000 + i), 2, 443, 1, TCP_SYN_FLAG, NULL, 0);
		feed(e, 1 * SEC, &k);
		frame(&k, 9, (uint16_t)(1000 + i), 2, 443, 2, TCP_ACK_FLAG, hello, 8);
		feed(e, 1 * SEC, &k);
	}
	struct counters *ctr = engine_counters(e);
	ck_assert_uint_eq(ctr->v[CTR_FLOWS_EVICTED_NOT_ISCSI], 12);
	ck_assert_uint_eq(ctr->v[CTR_FLOWS_CAP_HIT], 0);
	uint8_t pdu[48];
	bhs(pdu, 0x43, 0x87, 0, 1);
	frame(&k, 1, 40000, 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	frame(&k, 1, 40000, 2, 3260, 2, TCP_ACK_FLAG, pdu, 48);
	feed(e, 2 * SEC, &k);
	ck_assert_uint_eq(ctr->v[CTR_FLOWS_EVICTED_NOT_ISCSI], 13);
	/* Now the login is the oldest flow; 7 newer HTTPS flows and a
	 * stream of new ones push out only each other. */
	for (uint16_t i = 0; i < 30; i++) {
		frame(&k, 9, (uint16_t)(2000 + i), 2, 443, 1, TCP_SYN_FLAG, NULL, 0);
		feed(e, 3 * SEC, &k);
	}
	bhs(pdu, 0x40, 0x80, 0, 2);
	frame(&k, 1, 40000, 2, 3260, 50, TCP_ACK_FLAG, pdu, 48);
	feed(e, 4 * SEC, &k);
	engine_finish(e);
	ck_assert_int_eq(r.pdus, 2); /* the Login and the NOP-Out */
	ck_assert_uint_eq(ctr->v[CTR_FLOWS_EVICTED_NOT_ISCSI] +
				  ctr->v[CTR_FLOWS_EVICTED_UNKNOWN],
			  13 + 30);
	ck_assert_uint_eq(ctr->v[CTR_FLOWS_CAP_HIT], 0);
	engine_free(e);
}
END_TEST

START_TEST(test_flow_cap_logged_in_kept)
{
	/* Full of connections that logged in (off the iSCSI ports too): no
	 * newcomer pushes one out, it is refused and counted. */
	struct engine_opts o;
	engine_opts_default(&o);
	o.flows.max_flows = 3;
	struct rec r;
	struct engine *e = mk(&r, &o);
	struct pkt k;
	uint8_t pdu[48];
	bhs(pdu, 0x43, 0x87, 0, 1);
	for (uint16_t i = 0; i < 3; i++) {
		frame(&k, 1, (uint16_t)(40000 + i), 2, 4000, 1, TCP_SYN_FLAG, NULL, 0);
		feed(e, 1 * SEC, &k);
		frame(&k, 1, (uint16_t)(40000 + i), 2, 4000, 2, TCP_ACK_FLAG, pdu, 48);
		feed(e, 1 * SEC, &k);
	}
	ck_assert_int_eq(r.pdus, 3);
	frame(&k, 9, 5000, 2, 443, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	frame(&k, 9, 5001, 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	ck_assert_int_eq(r.closes, 0);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_CAP_HIT], 2);
	engine_free(e);
}
END_TEST

START_TEST(test_four_tuple_reuse_supersedes)
{
	struct engine_opts o;
	engine_opts_default(&o);
	struct rec r;
	struct engine *e = mk(&r, &o);
	struct pkt k;
	uint8_t pdu[48];
	bhs(pdu, 0x43, 0x87, 0, 1);
	frame(&k, 1, 40000, 2, 3260, 1, TCP_SYN_FLAG, NULL, 0);
	feed(e, 1 * SEC, &k);
	frame(&k, 1, 40000, 2, 3260, 2, TCP_ACK_FLAG, pdu, 48);
	feed(e, 1 * SEC, &k);
	ck_assert_int_eq(r.pdus, 1);
	/* The initiator comes back on the same port with a far ISN. Alone,
	 * or answered by a SYN/ACK that acknowledges something else, the
	 * SYN changes nothing. */
	frame(&k, 1, 40000, 2, 3260, 0x80000000u, TCP_SYN_FLAG, NULL, 0);
	feed(e, 2 * SEC, &k);
	frame(&k, 2, 3260, 1, 40000, 0x90000000u, TCP_SYN_FLAG | TCP_ACK_FLAG,
	      NULL, 0);
	put32(k.b + 14 + 20 + 8, 0x12345678u);
	feed(e, 2 * SEC, &k);
	ck_assert_int_eq(r.closes, 0);
	ck_assert_int_eq(r.opens, 1);
	/* The SYN/ACK that answers it: the old connection is superseded
	 * and the new one starts from that SYN. */
	put32(k.b + 14 + 20 + 8, 0x80000001u);
	feed(e, 3 * SEC, &k);
	ck_assert_int_eq(r.closes, 1);
	ck_assert_int_eq(r.last_end, CONN_END_SUPERSEDED);
	ck_assert_int_eq(r.opens, 2);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_FLOWS_SUPERSEDED], 1);
	frame(&k, 1, 40000, 2, 3260, 0x80000001u, TCP_ACK_FLAG, pdu, 48);
	feed(e, 3 * SEC, &k);
	engine_finish(e);
	ck_assert_int_eq(r.pdus, 2);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_TCP_GAPS], 0);
	ck_assert_uint_eq(engine_counters(e)->v[CTR_TCP_MIDSTREAM], 0);
	engine_free(e);
}
END_TEST

Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *core = tcase_create("core");
	tcase_add_test(core, test_roles_and_fin);
	tcase_add_test(core, test_four_tuple_reuse_supersedes);
	tcase_add_test(core, test_other_port_by_login);
	tcase_add_test(core, test_digests_wanted_by_a_sink);
	tcase_add_test(core, test_rst_and_idle);
	tcase_add_test(core, test_idle_order);
	suite_add_tcase(s, core);
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_flow_cap_prefers_empty_flows);
	tcase_add_test(lim, test_flow_cap_not_iscsi_first);
	tcase_add_test(lim, test_flow_cap_logged_in_kept);
	suite_add_tcase(s, lim);
	return s;
}
