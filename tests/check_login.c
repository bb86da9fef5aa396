#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "login.h"

#define F_T 0x80
#define F_C 0x40
#define STG(csg, nsg) (uint8_t)(((csg) << 2) | (nsg))

static const uint8_t isid[6] = {0x40, 0x00, 0x01, 0x37, 0x00, 0x00};

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

/* Builds a Login/Text BHS (§11.10-11.13). */
static void bhs_make(uint8_t *b, uint8_t op, uint8_t flags, uint16_t tsih,
		     uint8_t cls, uint8_t det, size_t dlen)
{
	memset(b, 0, ISCSI_BHS_LEN);
	b[0] = op | (op == OP_LOGIN_REQ ? 0x40 : 0);
	b[1] = flags;
	b[5] = (uint8_t)(dlen >> 16);
	b[6] = (uint8_t)(dlen >> 8);
	b[7] = (uint8_t)dlen;
	put32(b + 16, 0x1234);
	if (op == OP_LOGIN_REQ || op == OP_LOGIN_RSP) {
		b[2] = 0; /* Version-max */
		b[3] = 0; /* Version-min / active */
		memcpy(b + 8, isid, 6);
		put16(b + 14, tsih);
	}
	if (op == OP_LOGIN_REQ)
		put16(b + 20, 0x0001); /* CID */
	if (op == OP_LOGIN_RSP) {
		b[36] = cls;
		b[37] = det;
	}
	if (op == OP_TEXT_REQ || op == OP_TEXT_RSP)
		put32(b + 20, 0xffffffff);
}

/* Feeds one PDU, its data in pieces of `chunk` bytes (0 = at once). */
static unsigned pdu(struct login *l, uint8_t op, uint8_t flags, uint16_t tsih,
		    uint8_t cls, uint8_t det, const char *data, size_t n,
		    size_t chunk)
{
	uint8_t b[ISCSI_BHS_LEN];
	bhs_make(b, op, flags, tsih, cls, det, n);
	ck_assert_int_eq(login_begin(l, b), 0);
	if (chunk == 0)
		chunk = n ? n : 1;
	for (size_t o = 0; o < n; o += chunk)
		login_data(l, (const uint8_t *)data + o,
			   n - o < chunk ? n - o : chunk);
	return login_end(l, false);
}
#define PDU(l, op, fl, tsih, cls, det, lit, ch)                                \
	pdu(l, op, fl, tsih, cls, det, lit, sizeof(lit) - 1, ch)

/* Distinctive CHAP material that must never be stored. */
#define SECRET_C1 "D1E2A3D4B5E6E7F8C9A0B1C2D3E4F5A6"
#define SECRET_R1 "0F1E2D3C4B5A69788796A5B4C3D2E1F0"
#define SECRET_C2 "ABCDEF0123456789FEDCBA9876543210"
#define SECRET_R2 "13579BDF02468ACE13579BDF02468ACE"
static const char *const secrets[] = {SECRET_C1, SECRET_R1, SECRET_C2,
				      SECRET_R2};

static const char op_offer_a[] =
    "HeaderDigest=CRC32C,None\0DataDigest=None,CRC32C\0"
    "DefaultTime2Wait=2\0DefaultTime2Retain=0\0IFMarker=No\0OFMarker=No\0"
    "ErrorRecoveryLevel=0\0InitialR2T=Yes\0ImmediateData=Yes\0";
static const char op_offer_b[] =
    "MaxBurstLength=16776192\0FirstBurstLength=262144\0"
    "MaxOutstandingR2T=1\0MaxConnections=1\0DataPDUInOrder=Yes\0"
    "DataSequenceInOrder=Yes\0MaxRecvDataSegmentLength=262144\0";
static const char op_answer_a[] =
    "HeaderDigest=CRC32C\0DataDigest=None\0DefaultTime2Wait=2\0"
    "DefaultTime2Retain=0\0IFMarker=No\0OFMarker=No\0ErrorRecoveryLevel=0\0"
    "InitialR2T=Yes\0ImmediateData=Yes\0MaxBurstLength=262144\0";
static const char op_answer_b[] =
    "FirstBurstLength=65536\0MaxOutstandingR2T=1\0MaxConnections=1\0"
    "DataPDUInOrder=Yes\0DataSequenceInOrder=Yes\0"
    "MaxRecvDataSegmentLength=8192\0";

/* A libiscsi-style login to tgtd with mutual CHAP: security stage in
 * three round trips, operational stage continued with C=1 both ways. */
static unsigned run_chap_login(struct login *l, size_t chunk)
{
	unsigned ev = 0, e;
	e = PDU(l, OP_LOGIN_REQ, STG(0, 1), 0, 0, 0,
		"InitiatorName=iqn.2007-10.com.github:sahlberg:libiscsi:"
		"iscsi-test\0InitiatorAlias=client1\0"
		"TargetName=iqn.2001-04.com.example:storage.disk1\0"
		"SessionType=Normal\0AuthMethod=CHAP,None\0",
		chunk);
	ck_assert(e & LOGIN_EV_STARTED);
	ev |= e;
	ev |= PDU(l, OP_LOGIN_RSP, STG(0, 1), 0, 0, 0,
		  "TargetPortalGroupTag=1\0AuthMethod=CHAP\0", chunk);
	ev |= PDU(l, OP_LOGIN_REQ, STG(0, 1), 0, 0, 0, "CHAP_A=5\0", chunk);
	ev |= PDU(l, OP_LOGIN_RSP, STG(0, 1), 0, 0, 0,
		  "CHAP_A=5\0CHAP_I=1\0CHAP_C=0x" SECRET_C1 "\0", chunk);
	ev |= PDU(l, OP_LOGIN_REQ, F_T | STG(0, 1), 0, 0, 0,
		  "CHAP_N=alice\0CHAP_R=0x" SECRET_R1 "\0CHAP_I=77\0"
		  "CHAP_C=0x" SECRET_C2 "\0",
		  chunk);
	e = PDU(l, OP_LOGIN_RSP, F_T | STG(0, 1), 0, 0, 0,
		"CHAP_N=tgt-secret-holder\0CHAP_R=0x" SECRET_R2 "\0", chunk);
	ck_assert(e & LOGIN_EV_STAGE);
	ck_assert_int_eq(l->stage, STAGE_OPERATIONAL);
	ev |= e;
	/* operational offer continued over two PDUs (C=1 then T=1) */
	ev |= PDU(l, OP_LOGIN_REQ, F_C | STG(1, 3), 0, 0, 0, op_offer_a, chunk);
	ev |= PDU(l, OP_LOGIN_RSP, STG(1, 3), 0, 0, 0, "", chunk);
	ev |= PDU(l, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0, op_offer_b, chunk);
	ev |=
	    PDU(l, OP_LOGIN_RSP, F_C | STG(1, 3), 0, 0, 0, op_answer_a, chunk);
	ck_assert_int_eq(l->outcome, LOGIN_IN_PROGRESS);
	ev |= PDU(l, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0, "", chunk);
	e = PDU(l, OP_LOGIN_RSP, F_T | STG(1, 3), 0x0005, 0, 0, op_answer_b,
		chunk);
	ck_assert(e & LOGIN_EV_FULL_FEATURE);
	return ev | e;
}

static bool mem_has(const void *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

static void check_no_secrets(const struct login *l)
{
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		char part[9];
		memcpy(part, secrets[i], 8);
		part[8] = 0;
		ck_assert_msg(!mem_has(l, sizeof(*l), part),
			      "secret %zu in struct login", i);
		for (int s = 0; s < 2; s++)
			if (l->txt[s].buf)
				ck_assert_msg(!mem_has(l->txt[s].buf,
						       l->txt[s].alloc, part),
					      "secret %zu in text buffer", i);
	}
}

static void check_chap_record(const struct login *l)
{
	ck_assert_int_eq(l->outcome, LOGIN_FULL_FEATURE);
	ck_assert_uint_eq(l->tsih, 5);
	ck_assert(l->leading);
	ck_assert(l->from_start);
	ck_assert(login_complete(l));
	ck_assert_uint_eq(l->stages_seen, (1u << 0) | (1u << 1) | (1u << 3));
	ck_assert_int_eq(l->stage, STAGE_FULL_FEATURE);
	ck_assert_mem_eq(l->isid, isid, 6);
	ck_assert_uint_eq(l->cid, 1);
	ck_assert_uint_eq(l->requests, 6);
	ck_assert_uint_eq(l->responses, 6);
	ck_assert_uint_eq(l->anomalies, 0);
	const struct neg_chap *c = &l->neg.chap;
	ck_assert(c->seen);
	ck_assert(c->algorithm_seen);
	ck_assert_uint_eq(c->algorithm, 5);
	ck_assert(c->mutual);
	ck_assert_str_eq(c->name[NEG_INITIATOR].s, "alice");
	ck_assert_str_eq(c->name[NEG_TARGET].s, "tgt-secret-holder");
	ck_assert(c->challenge_seen[NEG_TARGET]);
	ck_assert(c->challenge_seen[NEG_INITIATOR]);
	ck_assert(c->response_seen[NEG_TARGET]);
	ck_assert(c->response_seen[NEG_INITIATOR]);
	ck_assert_uint_eq(c->challenge_len[NEG_TARGET], 16);
	ck_assert_uint_eq(c->challenge_len[NEG_INITIATOR], 16);
	ck_assert_uint_eq(c->response_len[NEG_INITIATOR], 16);
	ck_assert_uint_eq(c->response_len[NEG_TARGET], 16);
	ck_assert(!c->malformed);
	struct neg_values v;
	login_values(l, &v);
	ck_assert_int_eq(v.auth_method.state, NEG_NEGOTIATED);
	ck_assert_uint_eq(v.auth_method.v, NEG_AUTH_CHAP);
	ck_assert_uint_eq(v.max_burst_length.v, 262144);
	ck_assert_uint_eq(v.first_burst_length.v, 65536);
	ck_assert_uint_eq(v.mrdsl_initiator.v, 262144);
	ck_assert_uint_eq(v.mrdsl_target.v, 8192);
	ck_assert_uint_eq(v.tpgt.v, 1);
	ck_assert_int_eq(v.task_reporting.state, NEG_DEFAULT);
	ck_assert_str_eq(l->neg.initiator_name.s,
			 "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test");
	ck_assert_str_eq(l->neg.initiator_alias.s, "client1");
	ck_assert_str_eq(l->neg.target_name.s,
			 "iqn.2001-04.com.example:storage.disk1");
	enum login_digest hd, dd;
	login_digests(l, &hd, &dd);
	ck_assert_int_eq(hd, LOGIN_DIGEST_CRC32C);
	ck_assert_int_eq(dd, LOGIN_DIGEST_NONE);
	check_no_secrets(l);
}

START_TEST(test_chap_mutual)
{
	struct counters ctr = {{0}};
	struct login l;
	login_init(&l, &ctr);
	unsigned ev = run_chap_login(&l, 0);
	ck_assert(!(ev & (LOGIN_EV_FAILED | LOGIN_EV_ANOMALY)));
	check_chap_record(&l);
	ck_assert_uint_eq(ctr.v[CTR_TEXT_CAP_HIT], 0);
	login_close(&l); /* after success: stays FULL_FEATURE */
	ck_assert_int_eq(l.outcome, LOGIN_FULL_FEATURE);
	login_free(&l);
}
END_TEST

/* Data segments handed over in pieces (as the framer does across TCP
 * segments) give the same record. */
START_TEST(test_chap_chunked)
{
	static const size_t chunks[] = {1, 2, 3, 7, 64};
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct login l;
		login_init(&l, NULL);
		run_chap_login(&l, chunks[i]);
		check_chap_record(&l);
		login_free(&l);
	}
}
END_TEST

/* Every status code of §11.13.5, and what each does to the login. */
static const struct {
	uint8_t cls, det;
	const char *text;
} statuses[] = {
    {0, 0, "success"},
    {1, 1, "target moved temporarily"},
    {1, 2, "target moved permanently"},
    {2, 0, "initiator error"},
    {2, 1, "authentication failure"},
    {2, 2, "authorization failure"},
    {2, 3, "target not found"},
    {2, 4, "target removed"},
    {2, 5, "unsupported version"},
    {2, 6, "too many connections"},
    {2, 7, "missing parameter"},
    {2, 8, "can't include in session"},
    {2, 9, "session type not supported"},
    {2, 10, "session does not exist"},
    {2, 11, "invalid during login"},
    {3, 0, "target error"},
    {3, 1, "service unavailable"},
    {3, 2, "out of resources"},
};

/* The first Login Request goes on (C=1, §11.12.2): its keys, cut inside
 * a value, are taken when the sequence ends, and that is told once. */
START_TEST(test_first_request_continued)
{
	struct login l;
	login_init(&l, NULL);
	unsigned ev = PDU(&l, OP_LOGIN_REQ, F_C | STG(1, 0), 0, 0, 0,
			  "InitiatorName=iqn.x:i\0TargetName=iqn.", 0);
	ck_assert(ev & LOGIN_EV_STARTED);
	ck_assert(!(ev & LOGIN_EV_REQUEST_TEXT));
	ck_assert(!l.neg.initiator_name.seen);
	ev = PDU(&l, OP_LOGIN_RSP, STG(1, 0), 0, 0, 0, "", 0);
	ck_assert(!(ev & LOGIN_EV_REQUEST_TEXT));
	ev = PDU(&l, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0,
		 "x:t\0MaxBurstLength=4096\0", 0);
	ck_assert(ev & LOGIN_EV_REQUEST_TEXT);
	ck_assert_str_eq(l.neg.initiator_name.s, "iqn.x:i");
	ck_assert_str_eq(l.neg.target_name.s, "iqn.x:t");
	ck_assert(login_complete(&l));
	login_free(&l);
}
END_TEST

START_TEST(test_status_strings)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		ck_assert_str_eq(
		    iscsi_login_status_str(statuses[i].cls, statuses[i].det),
		    statuses[i].text);
	ck_assert_str_eq(iscsi_login_status_str(2, 0x7f),
			 "initiator error (unknown detail)");
	ck_assert_str_eq(iscsi_login_status_str(3, 9),
			 "target error (unknown detail)");
	ck_assert_str_eq(iscsi_login_status_str(1, 0),
			 "redirection (unknown detail)");
	ck_assert_str_eq(iscsi_login_status_str(9, 9), "unknown status class");
	ck_assert_str_eq(login_outcome_name(LOGIN_FAILED), "failed");
	ck_assert_str_eq(iscsi_tok_str(iscsi_stage_names, 1, "reserved"), "operational");
	ck_assert_str_eq(iscsi_tok_str(iscsi_stage_names, 2, "reserved"), "reserved");
}
END_TEST

START_TEST(test_failed_each_class)
{
	for (size_t i = 1; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct login l;
		login_init(&l, NULL);
		PDU(&l, OP_LOGIN_REQ, F_T | STG(0, 1), 0, 0, 0,
		    "InitiatorName=iqn.1993-08.org.debian:01:x\0"
		    "TargetName=iqn.2001-04.com.example:t\0AuthMethod=None\0",
		    0);
		unsigned ev;
		if (statuses[i].cls == 1)
			ev = PDU(&l, OP_LOGIN_RSP, 0, 0, 1, statuses[i].det,
				 "TargetAddress=192.0.2.9:3260,2\0", 0);
		else
			ev = pdu(&l, OP_LOGIN_RSP, 0, 0, statuses[i].cls,
				 statuses[i].det, "", 0, 0);
		ck_assert(ev & LOGIN_EV_FAILED);
		ck_assert(!(ev & LOGIN_EV_FULL_FEATURE));
		ck_assert_int_eq(l.outcome, LOGIN_FAILED);
		ck_assert_uint_eq(l.status_class, statuses[i].cls);
		ck_assert_uint_eq(l.status_detail, statuses[i].det);
		ck_assert_uint_eq(l.tsih, 0);
		ck_assert_str_eq(
		    iscsi_login_status_str(l.status_class, l.status_detail),
		    statuses[i].text);
		if (statuses[i].cls == 1) {
			ck_assert(ev & LOGIN_EV_REDIRECT);
			ck_assert(l.redirected);
			ck_assert_str_eq(l.neg.target_address.s,
					 "192.0.2.9:3260,2");
		} else {
			ck_assert(!(ev & LOGIN_EV_REDIRECT));
			ck_assert(!l.redirected);
		}
		/* a Login PDU after the failure is an anomaly */
		ev = pdu(&l, OP_LOGIN_REQ, 0, 0, 0, 0, "", 0, 0);
		ck_assert(ev & LOGIN_EV_ANOMALY);
		ck_assert(l.anomalies & LOGIN_AN_AFTER_END);
		ck_assert_int_eq(l.outcome, LOGIN_FAILED);
		login_free(&l);
	}
}
END_TEST

START_TEST(test_auth_failure_chap)
{
	/* one-way CHAP rejected by the target: 0x0201 */
	struct login l;
	login_init(&l, NULL);
	PDU(&l, OP_LOGIN_REQ, 0, 0, 0, 0,
	    "InitiatorName=iqn.x:i\0TargetName=iqn.x:t\0AuthMethod=CHAP\0", 0);
	PDU(&l, OP_LOGIN_RSP, 0, 0, 0, 0, "AuthMethod=CHAP\0", 0);
	PDU(&l, OP_LOGIN_REQ, 0, 0, 0, 0, "CHAP_A=5\0", 0);
	PDU(&l, OP_LOGIN_RSP, 0, 0, 0, 0,
	    "CHAP_A=5\0CHAP_I=9\0CHAP_C=0x" SECRET_C1 "\0", 0);
	PDU(&l, OP_LOGIN_REQ, F_T | STG(0, 1), 0, 0, 0,
	    "CHAP_N=mallory\0CHAP_R=0x" SECRET_R1 "\0", 0);
	unsigned ev = pdu(&l, OP_LOGIN_RSP, 0, 0, 2, 1, "", 0, 0);
	ck_assert(ev & LOGIN_EV_FAILED);
	ck_assert(!l.neg.chap.mutual);
	ck_assert_str_eq(l.neg.chap.name[NEG_INITIATOR].s, "mallory");
	ck_assert(!l.neg.chap.response_seen[NEG_TARGET]);
	ck_assert_str_eq(iscsi_login_status_str(l.status_class, l.status_detail),
			 "authentication failure");
	check_no_secrets(&l);
	login_free(&l);
}
END_TEST

/* Discovery: login, SendTargets=All answered over C=1 continuation and
 * a TTT-continued exchange, then a re-declared MaxRecvDataSegmentLength. */
START_TEST(test_discovery_sendtargets)
{
	struct login l;
	login_init(&l, NULL);
	PDU(&l, OP_LOGIN_REQ, F_T | STG(0, 1), 0, 0, 0,
	    "InitiatorName=iqn.1993-08.org.debian:01:abc\0"
	    "SessionType=Discovery\0AuthMethod=None\0",
	    0);
	PDU(&l, OP_LOGIN_RSP, F_T | STG(0, 1), 0, 0, 0,
	    "TargetPortalGroupTag=1\0AuthMethod=None\0", 0);
	PDU(&l, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0,
	    "HeaderDigest=None\0DataDigest=None\0MaxRecvDataSegmentLength="
	    "32768\0",
	    0);
	unsigned ev = PDU(&l, OP_LOGIN_RSP, F_T | STG(1, 3), 0x0102, 0, 0,
			  "HeaderDigest=None\0DataDigest=None\0", 0);
	ck_assert(ev & LOGIN_EV_FULL_FEATURE);
	enum login_digest hd, dd;
	login_digests(&l, &hd, &dd);
	ck_assert_int_eq(hd, LOGIN_DIGEST_NONE);
	ck_assert_int_eq(dd, LOGIN_DIGEST_NONE);
	struct neg_values v;
	login_values(&l, &v);
	ck_assert_int_eq(v.session_type.v, NEG_SESSION_DISCOVERY);
	ck_assert_int_eq(v.max_burst_length.state, NEG_IRRELEVANT);
	ck_assert_int_eq(v.mrdsl_target.state, NEG_DEFAULT);

	ev = PDU(&l, OP_TEXT_REQ, F_T, 0, 0, 0, "SendTargets=All\0", 0);
	ck_assert(ev & LOGIN_EV_TEXT);
	ck_assert(l.sendtargets_requested);
	/* the answer is split inside a value: C=1 */
	ev = PDU(
	    &l, OP_TEXT_RSP, F_C, 0, 0, 0,
	    "TargetName=iqn.2001-04.com.example:disk1\0"
	    "TargetAddress=192.0.2.7:3260,1\0TargetAddress=[2001:db8::7]:32",
	    0);
	ck_assert(!(ev & LOGIN_EV_TEXT));
	ck_assert_ptr_null(l.st); /* nothing parsed before C=0 */
	PDU(&l, OP_TEXT_REQ, 0, 0, 0, 0, "", 0);
	ev = PDU(&l, OP_TEXT_RSP, 0, 0, 0, 0,
		 "60,1\0TargetName=iqn.2001-04.com.example:disk2\0"
		 "TargetAddress=192.0.2.8:3260,2\0",
		 0);
	ck_assert(ev & LOGIN_EV_SENDTARGETS);
	/* F=0 C=0: more in the next exchange (§11.11.2) */
	PDU(&l, OP_TEXT_REQ, 0, 0, 0, 0, "", 0);
	PDU(&l, OP_TEXT_RSP, F_T, 0, 0, 0,
	    "TargetAddress=192.0.2.9:3260,2\0"
	    "TargetName=iqn.2001-04.com.example:disk3\0",
	    0);
	ck_assert_ptr_nonnull(l.st);
	ck_assert_uint_eq(l.st->count, 3);
	ck_assert_str_eq(l.st->t[0].name, "iqn.2001-04.com.example:disk1");
	ck_assert_uint_eq(l.st->t[0].naddr, 2);
	ck_assert_str_eq(l.st->t[0].addr[0], "192.0.2.7:3260,1");
	ck_assert_str_eq(l.st->t[0].addr[1], "[2001:db8::7]:3260,1");
	ck_assert_uint_eq(l.st->t[1].naddr, 2);
	ck_assert_str_eq(l.st->t[1].addr[1], "192.0.2.9:3260,2");
	ck_assert_uint_eq(l.st->t[2].naddr, 0);
	ck_assert_uint_eq(l.text_requests, 3);
	ck_assert_uint_eq(l.text_responses, 3);
	ck_assert_uint_eq(l.anomalies, 0);

	/* MaxRecvDataSegmentLength re-declared in Full Feature Phase */
	ev = PDU(&l, OP_TEXT_REQ, F_T, 0, 0, 0,
		 "MaxRecvDataSegmentLength=65536\0", 0);
	ck_assert(ev & LOGIN_EV_MRDSL);
	ev = PDU(&l, OP_TEXT_RSP, F_T, 0, 0, 0,
		 "MaxRecvDataSegmentLength=16384\0", 0);
	ck_assert(ev & LOGIN_EV_MRDSL);
	login_values(&l, &v);
	ck_assert_uint_eq(v.mrdsl_initiator.v, 65536);
	ck_assert_uint_eq(v.mrdsl_target.v, 16384);
	ck_assert(v.mrdsl_target.flags & NEG_RF_REDECLARED);
	/* a new SendTargets request starts a new list */
	PDU(&l, OP_TEXT_REQ, F_T, 0, 0, 0, "SendTargets=All\0", 0);
	ck_assert_uint_eq(l.st->count, 0);
	login_free(&l);
}
END_TEST

/* A login freed in Full Feature Phase and made again from what it left
 * (login_rest) and its negotiation record goes on as the one kept. */
static unsigned ffp_text(struct login *l)
{
	unsigned ev = PDU(l, OP_TEXT_REQ, F_T, 0, 0, 0,
			  "MaxRecvDataSegmentLength=65536\0SendTargets=All\0",
			  0);
	ev |= PDU(l, OP_TEXT_RSP, F_T, 0, 0, 0,
		  "MaxRecvDataSegmentLength=16384\0"
		  "TargetName=iqn.2001-04.com.example:disk1\0"
		  "TargetAddress=192.0.2.7:3260,1\0X-other=1\0",
		  0);
	return ev;
}

START_TEST(test_resume_after_full_feature)
{
	struct login a, b;
	login_init(&a, NULL);
	PDU(&a, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0,
	    "InitiatorName=iqn.1993-08.org.debian:01:abc\0"
	    "SessionType=Discovery\0MaxRecvDataSegmentLength=32768\0",
	    0);
	unsigned ev = PDU(&a, OP_LOGIN_RSP, F_T | STG(1, 3), 0x0102, 0, 0,
			  "MaxRecvDataSegmentLength=8192\0", 0);
	ck_assert(ev & LOGIN_EV_FULL_FEATURE);
	struct login_rest r;
	login_rest_save(&a, &r);
	struct neg saved; /* what the connection keeps (c->neg) */
	neg_init(&saved);
	ck_assert_int_eq(neg_copy(&saved, &a.neg), 0);
	login_resume(&b, NULL, 0, &saved, &r);
	neg_free(&saved); /* b holds its own copy */
	ck_assert_int_eq(b.outcome, LOGIN_FULL_FEATURE);
	ck_assert_uint_eq(b.requests, a.requests);
	ck_assert_uint_eq(b.responses, a.responses);
	ck_assert(login_complete(&b) == login_complete(&a));
	unsigned ea = ffp_text(&a), eb = ffp_text(&b);
	ck_assert_uint_eq(ea, eb);
	ck_assert(ea & LOGIN_EV_MRDSL);
	ck_assert(ea & LOGIN_EV_SENDTARGETS);
	struct neg_values va, vb;
	login_values(&a, &va);
	login_values(&b, &vb);
	ck_assert_uint_eq(vb.mrdsl_initiator.v, 65536);
	ck_assert_uint_eq(vb.mrdsl_target.v, 16384);
	ck_assert_uint_eq(va.mrdsl_target.flags, vb.mrdsl_target.flags);
	ck_assert_uint_eq(va.session_type.v, vb.session_type.v);
	ck_assert_uint_eq(a.neg.mrdsl_redeclared[NEG_TARGET],
			  b.neg.mrdsl_redeclared[NEG_TARGET]);
	ck_assert_str_eq(b.neg.initiator_name.s,
			 "iqn.1993-08.org.debian:01:abc");
	ck_assert_ptr_nonnull(b.st);
	ck_assert_uint_eq(b.st->count, a.st->count);
	ck_assert_str_eq(b.st->t[0].addr[0], a.st->t[0].addr[0]);
	ck_assert_uint_eq(b.text_requests, a.text_requests);
	ck_assert_uint_eq(b.text_other_keys, a.text_other_keys);
	ck_assert_uint_eq(b.anomalies, a.anomalies);
	login_free(&a);
	login_free(&b);
}
END_TEST

START_TEST(test_sendtargets_limits)
{
	struct login l;
	login_init(&l, NULL);
	PDU(&l, OP_TEXT_REQ, F_T, 0, 0, 0, "SendTargets=All\0", 0);
	static char buf[32768];
	size_t o = 0;
	for (int i = 0; i < LOGIN_ST_MAX_TARGETS + 6; i++) {
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "TargetName=iqn.2001-04.com.example:t%d",
				      i) +
		     1;
		for (int a = 0; a < 6; a++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "TargetAddress=10.0.0.%d:3260,1",
					      a) +
			     1;
	}
	pdu(&l, OP_TEXT_RSP, F_T, 0, 0, 0, buf, o, 1000);
	ck_assert_uint_eq(l.st->count, LOGIN_ST_MAX_TARGETS);
	ck_assert_uint_eq(l.st->dropped, 6);
	ck_assert_uint_eq(l.st->t[0].naddr, LOGIN_ST_MAX_ADDRS);
	ck_assert_uint_eq(l.st->t[0].addr_dropped, 2);
	ck_assert_str_eq(l.st->t[63].name, "iqn.2001-04.com.example:t63");
	/* mid-stream: text before any login is taken, not an anomaly */
	ck_assert(!l.from_start);
	ck_assert_uint_eq(l.anomalies, 0);
	login_free(&l);
}
END_TEST

/* A login text beyond the cap: counted once, the complete pairs before
 * the cut are used, and absent keys are no longer defaults. */
START_TEST(test_text_cap)
{
	struct counters ctr = {{0}};
	struct login l;
	login_init(&l, &ctr);
	static char big[TEXT_CAP_DEFAULT + 4096];
	size_t o = 0;
	o += (size_t)snprintf(big, sizeof(big), "MaxBurstLength=65536") + 1;
	while (o < sizeof(big) - 64)
		o += (size_t)snprintf(big + o, sizeof(big) - o,
				      "X-vendor.pad=%040d", 0) +
		     1;
	o += (size_t)snprintf(big + o, sizeof(big) - o, "ImmediateData=No") + 1;
	/* two PDUs: C=1 then the final one */
	unsigned ev =
	    pdu(&l, OP_LOGIN_REQ, F_C | STG(1, 3), 0, 0, 0, big, o / 2, 4096);
	ck_assert(!(ev & LOGIN_EV_ANOMALY)); /* 32 KiB: under the cap */
	ev = pdu(&l, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0, big + o / 2,
		 o - o / 2, 4096);
	ck_assert(ev & LOGIN_EV_ANOMALY);
	ck_assert(l.anomalies & LOGIN_AN_TEXT_LOST);
	ck_assert_uint_eq(ctr.v[CTR_TEXT_CAP_HIT], 1);
	ck_assert_uint_le(l.txt[NEG_INITIATOR].alloc, TEXT_CAP_DEFAULT);
	ck_assert(!login_complete(&l));
	ck_assert(l.neg.cell[NK_MAX_BURST_LENGTH][NEG_INITIATOR].seen);
	ck_assert(!l.neg.cell[NK_IMMEDIATE_DATA][NEG_INITIATOR].seen);
	ck_assert_uint_gt(l.neg.unknown_keys, 1000);
	struct neg_values v;
	login_values(&l, &v);
	ck_assert_int_eq(v.immediate_data.state, NEG_UNKNOWN);
	login_free(&l);
}
END_TEST

START_TEST(test_malformed_pdus)
{
	struct login l;
	login_init(&l, NULL);
	/* other opcodes are ignored */
	uint8_t b[ISCSI_BHS_LEN];
	memset(b, 0, sizeof(b));
	b[0] = OP_SCSI_CMD;
	ck_assert_int_eq(login_begin(&l, b), 1);
	login_data(&l, (const uint8_t *)"x=y", 3);
	ck_assert_uint_eq(login_end(&l, false), 0);
	ck_assert_int_eq(l.outcome, LOGIN_NONE);
	ck_assert_uint_eq(login_end(&l, false), 0); /* end without begin */

	/* mid-stream: the first PDU is a response */
	unsigned ev = PDU(&l, OP_LOGIN_RSP, F_T | STG(1, 3), 0, 0, 0,
			  "HeaderDigest=None\0", 0);
	ck_assert(ev & LOGIN_EV_STARTED);
	ck_assert(!l.from_start);
	ck_assert_int_eq(l.outcome, LOGIN_FULL_FEATURE);
	enum login_digest hd, dd;
	login_digests(&l, &hd, &dd);
	ck_assert_int_eq(hd, LOGIN_DIGEST_NONE);    /* seen */
	ck_assert_int_eq(dd, LOGIN_DIGEST_UNKNOWN); /* not seen */
	login_free(&l);

	/* T and C both set; reserved stage; backwards transit */
	static const uint8_t bad_flags[] = {F_T | F_C | STG(0, 1), STG(2, 0),
					    F_T | STG(1, 0), F_T | STG(1, 2)};
	for (size_t i = 0; i < sizeof(bad_flags); i++) {
		login_init(&l, NULL);
		ev = pdu(&l, OP_LOGIN_REQ, bad_flags[i], 0, 0, 0, "", 0, 0);
		ck_assert_msg(ev & LOGIN_EV_ANOMALY, "flags 0x%02x",
			      bad_flags[i]);
		ck_assert(l.anomalies &
			  (LOGIN_AN_T_AND_C | LOGIN_AN_BAD_STAGE));
		login_free(&l);
	}

	/* items without '=', Text before Full Feature */
	login_init(&l, NULL);
	ev = PDU(&l, OP_LOGIN_REQ, 0, 0, 0, 0, "garbage\0AuthMethod=None\0", 0);
	ck_assert(l.anomalies & LOGIN_AN_MALFORMED);
	ck_assert(l.neg.cell[NK_AUTH_METHOD][NEG_INITIATOR].seen);
	PDU(&l, OP_TEXT_REQ, F_T, 0, 0, 0, "SendTargets=All\0", 0);
	ck_assert(l.anomalies & LOGIN_AN_TEXT_IN_LOGIN);
	/* connection closed during login */
	login_close(&l);
	ck_assert_int_eq(l.outcome, LOGIN_ABANDONED);
	login_free(&l);

	/* an answer breaking a rule is an anomaly at Full Feature */
	login_init(&l, NULL);
	PDU(&l, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0,
	    "MaxBurstLength=65536\0", 0);
	ev = PDU(&l, OP_LOGIN_RSP, F_T | STG(1, 3), 1, 0, 0,
		 "MaxBurstLength=262144\0", 0);
	ck_assert(ev & LOGIN_EV_FULL_FEATURE);
	ck_assert(l.anomalies & LOGIN_AN_VIOLATION);
	login_free(&l);
}
END_TEST

/* Bytes lost inside a continued sequence: only complete pairs are
 * used; the cut pair and the rest of the sequence are dropped. */
START_TEST(test_data_lost)
{
	struct login l;
	login_init(&l, NULL);
	uint8_t b[ISCSI_BHS_LEN];
	static const char part1[] = "MaxBurstLength=65536\0FirstBurstLength=65";
	bhs_make(b, OP_LOGIN_REQ, F_C | STG(1, 3), 0, 0, 0, 100);
	login_begin(&l, b);
	login_data(&l, (const uint8_t *)part1, sizeof(part1) - 1);
	unsigned ev = login_end(&l, true);
	ck_assert(ev & LOGIN_EV_ANOMALY);
	PDU(&l, OP_LOGIN_REQ, F_T | STG(1, 3), 0, 0, 0,
	    "536\0ImmediateData=No\0", 0);
	ck_assert(l.neg.cell[NK_MAX_BURST_LENGTH][NEG_INITIATOR].seen);
	ck_assert(!l.neg.cell[NK_FIRST_BURST_LENGTH][NEG_INITIATOR].seen);
	ck_assert(!l.neg.cell[NK_IMMEDIATE_DATA][NEG_INITIATOR].seen);
	ck_assert(!login_complete(&l));
	/* the next sequence is whole again */
	PDU(&l, OP_LOGIN_RSP, STG(1, 3), 0, 0, 0, "MaxBurstLength=65536\0", 0);
	ck_assert(l.neg.cell[NK_MAX_BURST_LENGTH][NEG_TARGET].seen);
	/* a TCP gap from the target while its text is continued */
	PDU(&l, OP_LOGIN_RSP, F_C | STG(1, 3), 0, 0, 0, "DataDigest=No", 0);
	login_gap(&l, NEG_TARGET);
	PDU(&l, OP_LOGIN_RSP, F_T | STG(1, 3), 3, 0, 0,
	    "ne\0HeaderDigest=None\0", 0);
	ck_assert(!l.neg.cell[NK_DATA_DIGEST][NEG_TARGET].seen);
	ck_assert(!l.neg.cell[NK_HEADER_DIGEST][NEG_TARGET].seen);
	ck_assert_int_eq(l.outcome, LOGIN_FULL_FEATURE);
	login_free(&l);
}
END_TEST

START_TEST(test_view_parse)
{
	uint8_t b[ISCSI_BHS_LEN];
	bhs_make(b, OP_LOGIN_RSP, F_T | STG(1, 3), 0xbeef, 2, 1, 0x010203);
	b[2] = 0x00;
	b[3] = 0x00;
	struct login_pdu_view v;
	ck_assert_int_eq(login_view_parse(b, &v), 0);
	ck_assert_uint_eq(v.opcode, OP_LOGIN_RSP);
	ck_assert(v.t && !v.c);
	ck_assert_uint_eq(v.csg, 1);
	ck_assert_uint_eq(v.nsg, 3);
	ck_assert_uint_eq(v.tsih, 0xbeef);
	ck_assert_uint_eq(v.data_len, 0x010203);
	ck_assert_uint_eq(v.status_class, 2);
	ck_assert_uint_eq(v.status_detail, 1);
	ck_assert_mem_eq(v.isid, isid, 6);
	bhs_make(b, OP_LOGIN_REQ, 0, 0, 0, 0, 0);
	ck_assert_int_eq(login_view_parse(b, &v), 0);
	ck_assert(v.immediate);
	ck_assert_uint_eq(v.cid, 1);
	bhs_make(b, OP_TEXT_RSP, F_C, 0, 0, 0, 5);
	ck_assert_int_eq(login_view_parse(b, &v), 0);
	ck_assert_uint_eq(v.ttt, 0xffffffff);
	ck_assert(v.c);
	b[0] = OP_DATA_IN;
	ck_assert_int_eq(login_view_parse(b, &v), -1);
}
END_TEST

Suite *login_suite(void)
{
	Suite *s = suite_create("login");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_chap_mutual);
	tcase_add_test(tc, test_status_strings);
	tcase_add_test(tc, test_failed_each_class);
	tcase_add_test(tc, test_auth_failure_chap);
	tcase_add_test(tc, test_discovery_sendtargets);
	tcase_add_test(tc, test_resume_after_full_feature);
	tcase_add_test(tc, test_view_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("incremental");
	tcase_add_test(tc, test_chap_chunked);
	tcase_add_test(tc, test_first_request_continued);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_sendtargets_limits);
	tcase_add_test(tc, test_text_cap);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed_pdus);
	tcase_add_test(tc, test_data_lost);
	suite_add_tcase(s, tc);
	return s;
}
