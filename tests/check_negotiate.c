#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "intern.h"
#include "negotiate.h"

static int feed(struct neg *n, enum neg_side side, const char *key,
		const char *val)
{
	char buf[512];
	int len = snprintf(buf, sizeof(buf), "%s=%s", key, val);
	ck_assert_int_gt(len, 0);
	struct text_iter it;
	struct text_pair pr;
	text_iter_init(&it, (const uint8_t *)buf, (size_t)len);
	ck_assert(text_next(&it, &pr));
	return neg_pair(n, side, &pr);
}

enum { I = NEG_INITIATOR, T = NEG_TARGET };
enum {
	UNK = NEG_UNKNOWN,
	DEF = NEG_DEFAULT,
	NEGO = NEG_NEGOTIATED,
	IRR = NEG_IRRELEVANT,
	REJ = NEG_REJECTED,
	INV = NEG_INVALID
};
#define VIOL NEG_RF_VIOLATION
#define OINV NEG_RF_OFFER_INVALID
#define UNANS NEG_RF_UNANSWERED
#define NU NEG_RF_NOT_UNDERSTOOD
#define TOFF NEG_RF_TARGET_OFFERED
#define IMPL NEG_RF_IMPLIED

/* One offer (from `by`) and one answer (from the other side); NULL =
 * not sent. `seen` = login observed from its start. */
static const struct vec {
	enum neg_key k;
	int by;
	const char *offer, *answer;
	bool seen;
	int state;
	uint32_t v;
	unsigned flags;
} vecs[] = {
    /* HeaderDigest / DataDigest: first acceptable from the list */
    {NK_HEADER_DIGEST, I, "None,CRC32C", "None", 1, NEGO, 0, 0},
    {NK_HEADER_DIGEST, I, "CRC32C,None", "CRC32C", 1, NEGO, 1, 0},
    {NK_HEADER_DIGEST, I, "CRC32C", "None", 1, NEGO, 0, VIOL},
    {NK_HEADER_DIGEST, I, "None,CRC32C", "None,CRC32C", 1, NEGO, 0, VIOL},
    {NK_HEADER_DIGEST, I, "Foo,CRC32C", "CRC32C", 1, NEGO, 1, 0},
    {NK_HEADER_DIGEST, I, "None,CRC32C", "Reject", 1, REJ, 0, 0},
    {NK_HEADER_DIGEST, I, "None,CRC32C", "NotUnderstood", 1, REJ, 0, NU},
    {NK_HEADER_DIGEST, I, "None,CRC32C", "Irrelevant", 1, IRR, 0, 0},
    {NK_HEADER_DIGEST, I, "None,CRC32C", "MD5", 1, INV, 0, 0},
    {NK_HEADER_DIGEST, I, "None,CRC32C", NULL, 1, DEF, 0, UNANS},
    {NK_HEADER_DIGEST, I, "None,CRC32C", NULL, 0, UNK, 0, UNANS},
    {NK_HEADER_DIGEST, I, NULL, NULL, 1, DEF, 0, 0},
    {NK_HEADER_DIGEST, I, NULL, NULL, 0, UNK, 0, 0},
    {NK_HEADER_DIGEST, T, "CRC32C", "CRC32C", 1, NEGO, 1, TOFF},
    {NK_HEADER_DIGEST, I, "MD5", "None", 1, NEGO, 0, OINV},
    {NK_DATA_DIGEST, I, "None,CRC32C", "None", 1, NEGO, 0, 0},
    {NK_DATA_DIGEST, I, "CRC32C,None", "CRC32C", 0, NEGO, 1, 0},
    {NK_DATA_DIGEST, I, "None", "CRC32C", 1, NEGO, 1, VIOL},
    {NK_DATA_DIGEST, I, NULL, NULL, 1, DEF, 0, 0},
    /* MaxConnections: minimum, 1..65535 */
    {NK_MAX_CONNECTIONS, I, "4", "1", 1, NEGO, 1, 0},
    {NK_MAX_CONNECTIONS, I, "1", "4", 1, NEGO, 4, VIOL},
    {NK_MAX_CONNECTIONS, I, "0", "1", 1, NEGO, 1, OINV},
    {NK_MAX_CONNECTIONS, I, "4", "70000", 1, INV, 70000, 0},
    {NK_MAX_CONNECTIONS, I, "4", "Reject", 1, REJ, 1, 0},
    {NK_MAX_CONNECTIONS, I, "4", "Irrelevant", 1, IRR, 0, 0},
    {NK_MAX_CONNECTIONS, I, NULL, NULL, 1, DEF, 1, 0},
    {NK_MAX_CONNECTIONS, I, "8", NULL, 1, DEF, 1, UNANS},
    /* InitialR2T: OR; an offered Yes needs no answer (§6.2.2) */
    {NK_INITIAL_R2T, I, "No", "No", 1, NEGO, 0, 0},
    {NK_INITIAL_R2T, I, "No", "Yes", 1, NEGO, 1, 0},
    {NK_INITIAL_R2T, I, "Yes", "No", 1, NEGO, 0, VIOL},
    {NK_INITIAL_R2T, I, "Yes", "Yes", 1, NEGO, 1, 0},
    {NK_INITIAL_R2T, I, "Yes", NULL, 1, NEGO, 1, IMPL},
    {NK_INITIAL_R2T, I, "Yes", NULL, 0, NEGO, 1, IMPL},
    {NK_INITIAL_R2T, I, "No", NULL, 1, DEF, 1, UNANS},
    {NK_INITIAL_R2T, I, "Maybe", "Yes", 1, NEGO, 1, OINV},
    {NK_INITIAL_R2T, I, "No", "Maybe", 1, INV, 0, 0},
    {NK_INITIAL_R2T, I, NULL, NULL, 1, DEF, 1, 0},
    /* ImmediateData: AND; an offered No needs no answer */
    {NK_IMMEDIATE_DATA, I, "Yes", "Yes", 1, NEGO, 1, 0},
    {NK_IMMEDIATE_DATA, I, "Yes", "No", 1, NEGO, 0, 0},
    {NK_IMMEDIATE_DATA, I, "No", "Yes", 1, NEGO, 1, VIOL},
    {NK_IMMEDIATE_DATA, I, "No", NULL, 1, NEGO, 0, IMPL},
    {NK_IMMEDIATE_DATA, I, "Yes", NULL, 1, DEF, 1, UNANS},
    {NK_IMMEDIATE_DATA, I, "Yes", "NotUnderstood", 1, REJ, 1, NU},
    {NK_IMMEDIATE_DATA, I, NULL, NULL, 1, DEF, 1, 0},
    /* MaxBurstLength: minimum, 512..2^24-1 */
    {NK_MAX_BURST_LENGTH, I, "16776192", "262144", 1, NEGO, 262144, 0},
    {NK_MAX_BURST_LENGTH, I, "262144", "1048576", 1, NEGO, 1048576, VIOL},
    {NK_MAX_BURST_LENGTH, I, "16777216", "262144", 1, NEGO, 262144, OINV},
    {NK_MAX_BURST_LENGTH, I, "262144", "511", 1, INV, 511, 0},
    {NK_MAX_BURST_LENGTH, I, "0x40000", "0x10000", 1, NEGO, 65536, 0},
    {NK_MAX_BURST_LENGTH, T, "65536", "65536", 1, NEGO, 65536, TOFF},
    {NK_MAX_BURST_LENGTH, I, NULL, NULL, 1, DEF, 262144, 0},
    /* FirstBurstLength: minimum */
    {NK_FIRST_BURST_LENGTH, I, "262144", "65536", 1, NEGO, 65536, 0},
    {NK_FIRST_BURST_LENGTH, I, "65536", "262144", 1, NEGO, 262144, VIOL},
    {NK_FIRST_BURST_LENGTH, I, "65536", "abc", 1, INV, 0, 0},
    {NK_FIRST_BURST_LENGTH, I, NULL, NULL, 1, DEF, 65536, 0},
    /* DefaultTime2Wait: maximum, 0..3600 */
    {NK_DEFAULT_TIME2WAIT, I, "0", "2", 1, NEGO, 2, 0},
    {NK_DEFAULT_TIME2WAIT, I, "2", "0", 1, NEGO, 0, VIOL},
    {NK_DEFAULT_TIME2WAIT, I, "2", "3601", 1, INV, 3601, 0},
    {NK_DEFAULT_TIME2WAIT, I, NULL, NULL, 1, DEF, 2, 0},
    /* DefaultTime2Retain: minimum, 0..3600 */
    {NK_DEFAULT_TIME2RETAIN, I, "20", "0", 1, NEGO, 0, 0},
    {NK_DEFAULT_TIME2RETAIN, I, "0", "20", 1, NEGO, 20, VIOL},
    {NK_DEFAULT_TIME2RETAIN, I, NULL, NULL, 1, DEF, 20, 0},
    /* MaxOutstandingR2T: minimum, 1..65535 */
    {NK_MAX_OUTSTANDING_R2T, I, "8", "1", 1, NEGO, 1, 0},
    {NK_MAX_OUTSTANDING_R2T, I, "1", "0", 1, INV, 0, 0},
    {NK_MAX_OUTSTANDING_R2T, I, NULL, NULL, 1, DEF, 1, 0},
    /* DataPDUInOrder / DataSequenceInOrder: OR */
    {NK_DATA_PDU_IN_ORDER, I, "Yes", "Yes", 1, NEGO, 1, 0},
    {NK_DATA_PDU_IN_ORDER, I, "No", "No", 1, NEGO, 0, 0},
    {NK_DATA_PDU_IN_ORDER, I, NULL, NULL, 1, DEF, 1, 0},
    {NK_DATA_SEQUENCE_IN_ORDER, I, "No", "Yes", 1, NEGO, 1, 0},
    {NK_DATA_SEQUENCE_IN_ORDER, I, "Yes", "No", 1, NEGO, 0, VIOL},
    {NK_DATA_SEQUENCE_IN_ORDER, I, NULL, NULL, 1, DEF, 1, 0},
    /* ErrorRecoveryLevel: minimum, 0..2 */
    {NK_ERROR_RECOVERY_LEVEL, I, "2", "0", 1, NEGO, 0, 0},
    {NK_ERROR_RECOVERY_LEVEL, I, "0", "1", 1, NEGO, 1, VIOL},
    {NK_ERROR_RECOVERY_LEVEL, I, "3", "0", 1, NEGO, 0, OINV},
    {NK_ERROR_RECOVERY_LEVEL, I, NULL, NULL, 1, DEF, 0, 0},
    /* SessionType: declared by the initiator */
    {NK_SESSION_TYPE, I, "Discovery", NULL, 1, NEGO, 1, 0},
    {NK_SESSION_TYPE, I, "Normal", NULL, 1, NEGO, 0, 0},
    {NK_SESSION_TYPE, I, "Bogus", NULL, 1, INV, 0, 0},
    {NK_SESSION_TYPE, I, NULL, NULL, 1, DEF, 0, 0},
    {NK_SESSION_TYPE, I, NULL, NULL, 0, UNK, 0, 0},
    /* declarations: names, aliases, address, TPGT (no default) */
    {NK_INITIATOR_NAME, I, "iqn.1993-08.org.debian:01:abc", NULL, 1, NEGO, 0,
     0},
    {NK_INITIATOR_NAME, I, NULL, NULL, 1, UNK, 0, 0},
    {NK_TARGET_NAME, I, "iqn.2001-04.com.example:disk", NULL, 1, NEGO, 0, 0},
    {NK_TARGET_NAME, I, "", NULL, 1, INV, 0, 0},
    {NK_INITIATOR_ALIAS, I, "host1", NULL, 1, NEGO, 0, 0},
    {NK_TARGET_ALIAS, T, "disk one", NULL, 1, NEGO, 0, TOFF},
    {NK_TARGET_ADDRESS, T, "192.0.2.7:3260,1", NULL, 1, NEGO, 0, TOFF},
    {NK_TARGET_PORTAL_GROUP_TAG, T, "1", NULL, 1, NEGO, 1, TOFF},
    {NK_TARGET_PORTAL_GROUP_TAG, T, "70000", NULL, 1, INV, 70000, TOFF},
    {NK_TARGET_PORTAL_GROUP_TAG, T, NULL, NULL, 1, UNK, 0, 0},
    /* AuthMethod: list */
    {NK_AUTH_METHOD, I, "None", "None", 1, NEGO, NEG_AUTH_NONE, 0},
    {NK_AUTH_METHOD, I, "CHAP,None", "CHAP", 1, NEGO, NEG_AUTH_CHAP, 0},
    {NK_AUTH_METHOD, I, "CHAP", "None", 1, NEGO, NEG_AUTH_NONE, VIOL},
    {NK_AUTH_METHOD, I, "KRB5,SRP,CHAP,None", "SRP", 1, NEGO, NEG_AUTH_SRP, 0},
    {NK_AUTH_METHOD, I, "None", "Reject", 1, REJ, 0, 0},
    {NK_AUTH_METHOD, I, NULL, NULL, 1, DEF, 0, 0},
    /* TaskReporting (RFC 5048): list */
    {NK_TASK_REPORTING, I, "RFC3720", "RFC3720", 1, NEGO, NEG_TR_RFC3720, 0},
    {NK_TASK_REPORTING, I, "ResponseFence,RFC3720", "ResponseFence", 1, NEGO,
     NEG_TR_RESPONSE_FENCE, 0},
    {NK_TASK_REPORTING, I, "FastAbort", "NotUnderstood", 1, REJ, 0, NU},
    {NK_TASK_REPORTING, I, NULL, NULL, 1, DEF, NEG_TR_RFC3720, 0},
    /* iSCSIProtocolLevel (RFC 7144): minimum, 0..31 */
    {NK_PROTOCOL_LEVEL, I, "2", "1", 1, NEGO, 1, 0},
    {NK_PROTOCOL_LEVEL, I, "1", "2", 1, NEGO, 2, VIOL},
    {NK_PROTOCOL_LEVEL, I, "32", "1", 1, NEGO, 1, OINV},
    {NK_PROTOCOL_LEVEL, I, NULL, NULL, 1, DEF, 1, 0},
    /* IFMarker / OFMarker (RFC 3720): AND */
    {NK_IFMARKER, I, "No", NULL, 1, NEGO, 0, IMPL},
    {NK_IFMARKER, I, "Yes", "No", 1, NEGO, 0, 0},
    {NK_IFMARKER, I, "Yes", "Yes", 1, NEGO, 1, 0},
    {NK_IFMARKER, I, NULL, NULL, 1, DEF, 0, 0},
    {NK_OFMARKER, I, "No", "No", 1, NEGO, 0, 0},
    {NK_OFMARKER, I, "No", "Yes", 1, NEGO, 1, VIOL},
    {NK_OFMARKER, I, NULL, NULL, 1, DEF, 0, 0},
    /* CHAP keys */
    {NK_CHAP_A, I, "5", "5", 1, NEGO, 5, 0},
    {NK_CHAP_A, I, "7,5", "5", 1, NEGO, 5, 0},
    {NK_CHAP_A, I, "5", "7", 1, NEGO, 7, VIOL},
    {NK_CHAP_A, I, "5", "Reject", 1, REJ, 0, 0},
    {NK_CHAP_I, T, "1", NULL, 1, NEGO, 1, TOFF},
    {NK_CHAP_I, T, "256", NULL, 1, INV, 256, TOFF},
    {NK_CHAP_C, T, "0x0102", NULL, 1, NEGO, 2, TOFF},
    {NK_CHAP_C, T, "0xzz", NULL, 1, INV, 0, TOFF},
    {NK_CHAP_N, I, "user", NULL, 1, NEGO, 0, 0},
    {NK_CHAP_R, I, "0bAAECAwQ=", NULL, 1, NEGO, 5, 0},
};

START_TEST(test_rule_table)
{
	bool covered[NK_COUNT] = {false};
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *t = &vecs[i];
		const char *name = neg_key_info(t->k)->name;
		struct neg n;
		neg_init(&n);
		if (t->offer)
			ck_assert_int_eq(
			    feed(&n, (enum neg_side)t->by, name, t->offer),
			    (int)t->k);
		if (t->answer)
			feed(&n, (enum neg_side) !t->by, name, t->answer);
		struct neg_result r = neg_key_result(&n, t->k, t->seen);
		ck_assert_msg(
		    r.state == t->state && r.flags == t->flags &&
			(r.v == t->v || (t->state != NEGO && t->state != DEF &&
					 t->state != REJ && t->state != INV)),
		    "vector %zu %s=%s/%s: state %s flags 0x%x v %u, "
		    "want %s 0x%x %u",
		    i, name, t->offer ? t->offer : "-",
		    t->answer ? t->answer : "-", neg_state_name(r.state),
		    r.flags, r.v, neg_state_name(t->state), t->flags, t->v);
		covered[t->k] = true;
		neg_free(&n);
	}
	covered[NK_MAX_RECV_DSL] = true; /* test_mrdsl */
	for (int k = 0; k < NK_COUNT; k++)
		ck_assert_msg(covered[k], "no vector for %s",
			      neg_key_info((enum neg_key)k)->name);
}
END_TEST

START_TEST(test_key_table)
{
	for (int k = 0; k < NK_COUNT; k++) {
		const struct neg_key_info *ki = neg_key_info((enum neg_key)k);
		ck_assert_ptr_nonnull(ki);
		struct text_span s = {(const uint8_t *)ki->name,
				      strlen(ki->name)};
		ck_assert_int_eq(neg_key_lookup(s), k);
		if (ki->type == NEG_T_ENUM)
			ck_assert_ptr_nonnull(ki->vocab);
		if (ki->has_default && ki->type == NEG_T_NUM)
			ck_assert(ki->dflt >= ki->min && ki->dflt <= ki->max);
	}
	ck_assert_ptr_null(neg_key_info(NK_COUNT));
	ck_assert_str_eq(neg_vocab_name(NK_HEADER_DIGEST, 1), "CRC32C");
	ck_assert_str_eq(neg_vocab_name(NK_AUTH_METHOD, 1), "CHAP");
	ck_assert_str_eq(neg_vocab_name(NK_AUTH_METHOD, 99), "?");
	ck_assert_str_eq(neg_vocab_name(NK_MAX_BURST_LENGTH, 0), "?");
	struct text_span lower = {(const uint8_t *)"headerdigest", 12};
	ck_assert_int_eq(neg_key_lookup(lower), -1); /* case-sensitive */
	ck_assert_str_eq(neg_state_name(NEG_IRRELEVANT), "irrelevant");
}
END_TEST

START_TEST(test_mrdsl)
{
	struct neg n;
	neg_init(&n);
	struct neg_result r = neg_mrdsl_result(&n, NEG_INITIATOR, false);
	ck_assert_int_eq(r.state, NEG_UNKNOWN);
	r = neg_mrdsl_result(&n, NEG_TARGET, true);
	ck_assert_int_eq(r.state, NEG_DEFAULT);
	ck_assert_uint_eq(r.v, 8192);
	/* each side declares what it can receive (§13.12) */
	feed(&n, NEG_INITIATOR, "MaxRecvDataSegmentLength", "262144");
	feed(&n, NEG_TARGET, "MaxRecvDataSegmentLength", "8192");
	r = neg_mrdsl_result(&n, NEG_INITIATOR, true);
	ck_assert_int_eq(r.state, NEG_NEGOTIATED);
	ck_assert_uint_eq(r.v, 262144);
	r = neg_mrdsl_result(&n, NEG_TARGET, true);
	ck_assert_uint_eq(r.v, 8192);
	ck_assert_uint_eq(r.flags, 0);
	/* re-declared in a Text exchange */
	struct text_span v = {(const uint8_t *)"65536", 5};
	ck_assert_int_eq(neg_mrdsl_declare(&n, NEG_TARGET, v), 0);
	r = neg_mrdsl_result(&n, NEG_TARGET, true);
	ck_assert_int_eq(r.state, NEG_NEGOTIATED);
	ck_assert_uint_eq(r.v, 65536);
	ck_assert(r.flags & NEG_RF_REDECLARED);
	struct neg_values vals;
	neg_compute(&n, true, &vals);
	ck_assert_uint_eq(vals.mrdsl_target.v, 65536);
	ck_assert_uint_eq(vals.mrdsl_initiator.v, 262144);
	/* out of range */
	v.p = (const uint8_t *)"511";
	v.n = 3;
	ck_assert_int_eq(neg_mrdsl_declare(&n, NEG_INITIATOR, v), -1);
	r = neg_mrdsl_result(&n, NEG_INITIATOR, true);
	ck_assert_int_eq(r.state, NEG_INVALID);
	feed(&n, NEG_TARGET, "MaxRecvDataSegmentLength", "16777216");
	ck_assert_int_eq(neg_mrdsl_result(&n, NEG_TARGET, true).state,
			 NEG_INVALID);
	neg_free(&n);
}
END_TEST

static void feed_text(struct neg *n, enum neg_side side, const char *text,
		      size_t len)
{
	neg_text(n, side, (const uint8_t *)text, len);
}
#define FEED(n, side, lit) feed_text(n, side, lit, sizeof(lit) - 1)

START_TEST(test_discovery_irrelevant)
{
	static const enum neg_key irrelevant[] = {
	    NK_MAX_CONNECTIONS,	   NK_INITIAL_R2T,
	    NK_IMMEDIATE_DATA,	   NK_MAX_BURST_LENGTH,
	    NK_FIRST_BURST_LENGTH, NK_MAX_OUTSTANDING_R2T,
	    NK_DATA_PDU_IN_ORDER,  NK_DATA_SEQUENCE_IN_ORDER,
	    NK_TASK_REPORTING,
	};
	struct neg n;
	neg_init(&n);
	/* open-iscsi style discovery login */
	FEED(&n, NEG_INITIATOR,
	     "InitiatorName=iqn.1993-08.org.debian:01:abc\0"
	     "SessionType=Discovery\0AuthMethod=None\0");
	FEED(&n, NEG_TARGET, "AuthMethod=None\0");
	FEED(&n, NEG_INITIATOR,
	     "HeaderDigest=None\0DataDigest=None\0DefaultTime2Wait=2\0"
	     "DefaultTime2Retain=0\0IFMarker=No\0OFMarker=No\0"
	     "ErrorRecoveryLevel=0\0MaxRecvDataSegmentLength=32768\0"
	     "MaxBurstLength=262144\0");
	FEED(&n, NEG_TARGET,
	     "HeaderDigest=None\0DataDigest=None\0DefaultTime2Wait=2\0"
	     "DefaultTime2Retain=0\0IFMarker=No\0OFMarker=No\0"
	     "ErrorRecoveryLevel=0\0MaxBurstLength=Irrelevant\0");
	for (size_t i = 0; i < sizeof(irrelevant) / sizeof(irrelevant[0]); i++)
		ck_assert_msg(neg_key_result(&n, irrelevant[i], true).state ==
				  NEG_IRRELEVANT,
			      "%s", neg_key_info(irrelevant[i])->name);
	struct neg_values v;
	neg_compute(&n, true, &v);
	ck_assert_int_eq(v.session_type.v, NEG_SESSION_DISCOVERY);
	ck_assert_int_eq(v.initial_r2t.state, NEG_IRRELEVANT);
	ck_assert_int_eq(v.first_burst_length.state, NEG_IRRELEVANT);
	/* still relevant in discovery */
	ck_assert_int_eq(v.default_time2retain.state, NEG_NEGOTIATED);
	ck_assert_uint_eq(v.default_time2retain.v, 0);
	ck_assert_int_eq(v.error_recovery_level.state, NEG_NEGOTIATED);
	ck_assert_int_eq(v.header_digest.state, NEG_NEGOTIATED);
	ck_assert_int_eq(v.protocol_level.state, NEG_DEFAULT);
	ck_assert_int_eq(v.mrdsl_initiator.v, 32768);
	ck_assert_int_eq(v.mrdsl_target.state, NEG_DEFAULT);
	ck_assert_int_eq(v.auth_method.v, NEG_AUTH_NONE);
	/* a Normal session keeps them */
	neg_free(&n);
	FEED(&n, NEG_INITIATOR, "SessionType=Normal\0");
	ck_assert_int_eq(neg_key_result(&n, NK_MAX_CONNECTIONS, true).state,
			 NEG_DEFAULT);
	neg_free(&n);
}
END_TEST

START_TEST(test_first_burst_irrelevant)
{
#define S(lit) lit, sizeof(lit) - 1
	static const struct {
		const char *ini;
		size_t ini_n;
		const char *tgt;
		size_t tgt_n;
		int state;
		unsigned flags;
	} fb[] = {
	    /* InitialR2T=Yes and ImmediateData=No: irrelevant (§13.14) */
	    {S("InitialR2T=Yes\0ImmediateData=No\0FirstBurstLength=65536\0"),
	     S("InitialR2T=Yes\0ImmediateData=No\0FirstBurstLength=65536\0"),
	     NEG_IRRELEVANT, 0},
	    /* ImmediateData=No needs no answer; InitialR2T by default */
	    {S("ImmediateData=No\0"), S(""), NEG_IRRELEVANT, 0},
	    /* target ANDs ImmediateData to No */
	    {S("InitialR2T=Yes\0ImmediateData=Yes\0"),
	     S("InitialR2T=Yes\0ImmediateData=No\0"), NEG_IRRELEVANT, 0},
	    /* defaults (Yes, Yes): relevant, default */
	    {S(""), S(""), NEG_DEFAULT, 0},
	    {S("InitialR2T=No\0ImmediateData=No\0FirstBurstLength=65536\0"),
	     S("InitialR2T=No\0ImmediateData=No\0FirstBurstLength=8192\0"),
	     NEG_NEGOTIATED, 0},
	    /* FirstBurstLength > MaxBurstLength */
	    {S("MaxBurstLength=16384\0FirstBurstLength=65536\0"),
	     S("MaxBurstLength=16384\0FirstBurstLength=65536\0"),
	     NEG_NEGOTIATED, NEG_RF_VIOLATION},
	};
#undef S
	for (size_t i = 0; i < sizeof(fb) / sizeof(fb[0]); i++) {
		struct neg n;
		neg_init(&n);
		neg_text(&n, NEG_INITIATOR, (const uint8_t *)fb[i].ini,
			 fb[i].ini_n);
		neg_text(&n, NEG_TARGET, (const uint8_t *)fb[i].tgt,
			 fb[i].tgt_n);
		struct neg_result r =
		    neg_key_result(&n, NK_FIRST_BURST_LENGTH, true);
		ck_assert_msg(r.state == fb[i].state && r.flags == fb[i].flags,
			      "case %zu: %s 0x%x", i, neg_state_name(r.state),
			      r.flags);
		neg_free(&n);
	}
}
END_TEST

START_TEST(test_malformed_unknown)
{
	struct neg n;
	neg_init(&n);
	FEED(&n, NEG_INITIATOR,
	     "X-com.example.vendor=1\0garbage\0=x\0MaxBurstLength=65536\0"
	     "MaxBurstLength=131072\0");
	ck_assert_uint_eq(n.unknown_keys, 1);
	ck_assert_uint_eq(n.malformed, 2);
	ck_assert_uint_eq(n.pairs, 5);
	FEED(&n, NEG_TARGET, "MaxBurstLength=65536\0");
	struct neg_result r = neg_key_result(&n, NK_MAX_BURST_LENGTH, true);
	ck_assert_int_eq(r.state, NEG_NEGOTIATED);
	ck_assert(r.flags & NEG_RF_REPEATED);
	/* the last offer is the one kept */
	ck_assert_uint_eq(neg_val_get(&n, NK_MAX_BURST_LENGTH, NEG_INITIATOR).num,
			  131072);
	ck_assert_int_eq(neg_key_result(&n, NK_COUNT, true).state, NEG_UNKNOWN);
	/* long names are cut and flagged */
	char big[600] = "InitiatorName=";
	memset(big + 14, 'a', 400);
	neg_text(&n, NEG_INITIATOR, (const uint8_t *)big, strlen(big));
	ck_assert(n.initiator_name.truncated);
	ck_assert_uint_eq(n.initiator_name.len, 400);
	ck_assert_uint_eq(strlen(n.initiator_name.s), NEG_STR_MAX - 1);
	/* a name of exactly 223 bytes (§4.2.7.1 maximum) fits */
	memset(big + 14, 'b', 223);
	big[14 + 223] = 0;
	neg_text(&n, NEG_INITIATOR, (const uint8_t *)big, strlen(big));
	ck_assert(!n.initiator_name.truncated);
	ck_assert_uint_eq(strlen(n.initiator_name.s), 223);
	neg_free(&n);
}
END_TEST

/* libiscsi initiator offer, tgtd answer (Operational stage). */
START_TEST(test_libiscsi_tgtd)
{
	struct neg n;
	neg_init(&n);
	FEED(&n, NEG_INITIATOR,
	     "InitiatorName=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-"
	     "test\0TargetName=iqn.2001-04.com.example:storage.disk1\0"
	     "SessionType=Normal\0AuthMethod=None\0");
	FEED(&n, NEG_TARGET, "AuthMethod=None\0TargetPortalGroupTag=1\0");
	FEED(&n, NEG_INITIATOR,
	     "HeaderDigest=None,CRC32C\0DataDigest=None,CRC32C\0"
	     "DefaultTime2Wait=2\0DefaultTime2Retain=0\0IFMarker=No\0"
	     "OFMarker=No\0ErrorRecoveryLevel=0\0InitialR2T=Yes\0"
	     "ImmediateData=Yes\0MaxBurstLength=16776192\0"
	     "FirstBurstLength=262144\0MaxOutstandingR2T=1\0"
	     "MaxConnections=1\0DataPDUInOrder=Yes\0"
	     "DataSequenceInOrder=Yes\0MaxRecvDataSegmentLength=262144\0");
	FEED(&n, NEG_TARGET,
	     "HeaderDigest=None\0DataDigest=None\0DefaultTime2Wait=2\0"
	     "DefaultTime2Retain=0\0IFMarker=No\0OFMarker=No\0"
	     "ErrorRecoveryLevel=0\0InitialR2T=Yes\0ImmediateData=Yes\0"
	     "MaxBurstLength=262144\0FirstBurstLength=65536\0"
	     "MaxOutstandingR2T=1\0MaxConnections=1\0DataPDUInOrder=Yes\0"
	     "DataSequenceInOrder=Yes\0MaxRecvDataSegmentLength=8192\0");
	struct neg_values v;
	neg_compute(&n, true, &v);
	ck_assert_int_eq(v.session_type.v, NEG_SESSION_NORMAL);
	ck_assert_int_eq(v.max_burst_length.state, NEG_NEGOTIATED);
	ck_assert_uint_eq(v.max_burst_length.v, 262144);
	ck_assert_uint_eq(v.first_burst_length.v, 65536);
	ck_assert_uint_eq(v.default_time2retain.v, 0);
	ck_assert_uint_eq(v.initial_r2t.v, 1);
	ck_assert_uint_eq(v.immediate_data.v, 1);
	ck_assert_uint_eq(v.header_digest.v, NEG_DIGEST_NONE);
	ck_assert_uint_eq(v.data_digest.v, NEG_DIGEST_NONE);
	ck_assert_uint_eq(v.mrdsl_initiator.v, 262144);
	ck_assert_uint_eq(v.mrdsl_target.v, 8192);
	ck_assert_uint_eq(v.tpgt.v, 1);
	ck_assert_int_eq(v.task_reporting.state, NEG_DEFAULT);
	ck_assert_int_eq(v.protocol_level.state, NEG_DEFAULT);
	ck_assert_str_eq(n.target_name.s,
			 "iqn.2001-04.com.example:storage.disk1");
	/* no rule broken anywhere */
	for (int k = 0; k < NK_COUNT; k++)
		ck_assert_msg(
		    !(neg_key_result(&n, (enum neg_key)k, true).flags &
		      (NEG_RF_VIOLATION | NEG_RF_OFFER_INVALID)),
		    "%s", neg_key_info((enum neg_key)k)->name);
	/* mid-stream: keys seen still count, absent ones are unknown */
	neg_compute(&n, false, &v);
	ck_assert_int_eq(v.max_burst_length.state, NEG_NEGOTIATED);
	ck_assert_int_eq(v.task_reporting.state, NEG_UNKNOWN);
	neg_free(&n);
}
END_TEST

/* Capture began with the Login Response: its keys are answers. */
START_TEST(test_answer_unseen_offer)
{
	struct neg n;
	neg_init(&n);
	struct text_iter it;
	struct text_pair pr;
	static const char rsp[] = "HeaderDigest=CRC32C\0MaxBurstLength=65536\0";
	text_iter_init(&it, (const uint8_t *)rsp, sizeof(rsp) - 1);
	while (text_next(&it, &pr))
		ck_assert_int_ge(neg_pair_answer(&n, NEG_TARGET, &pr), 0);
	struct neg_result r = neg_key_result(&n, NK_HEADER_DIGEST, false);
	ck_assert_int_eq(r.state, NEG_NEGOTIATED);
	ck_assert_uint_eq(r.v, NEG_DIGEST_CRC32C);
	ck_assert_uint_eq(r.flags, 0);
	r = neg_key_result(&n, NK_MAX_BURST_LENGTH, false);
	ck_assert_int_eq(r.state, NEG_NEGOTIATED);
	ck_assert_uint_eq(r.v, 65536);
	ck_assert_int_eq(neg_key_result(&n, NK_DATA_DIGEST, false).state,
			 NEG_UNKNOWN);
	/* the same pairs as plain pairs would be unanswered target offers */
	neg_free(&n);
	text_iter_init(&it, (const uint8_t *)rsp, sizeof(rsp) - 1);
	while (text_next(&it, &pr))
		neg_pair(&n, NEG_TARGET, &pr);
	r = neg_key_result(&n, NK_HEADER_DIGEST, false);
	ck_assert_int_eq(r.state, NEG_UNKNOWN);
	ck_assert_uint_eq(r.flags, NEG_RF_UNANSWERED | NEG_RF_TARGET_OFFERED);
	neg_free(&n);
}
END_TEST


/* ---- storage (struct neg_cell, neg_wide, interned strings) ---- */

/* The record of a typical login - names, an alias, ~17 operational
 * keys - lives in cells and strings it shares: this bound is what a
 * connection pays for it (issue 10; it was 3,520 bytes). */
#define NEG_RECORD_BOUND 512
_Static_assert(sizeof(struct neg) <= NEG_RECORD_BOUND,
	       "struct neg grew past its stated bound");

START_TEST(test_storage_size)
{
	ck_assert_uint_le(sizeof(struct neg), NEG_RECORD_BOUND);
	ck_assert_uint_eq(sizeof(struct neg_cell), 4);
	/* the bench login keeps nothing on the side */
	struct neg n;
	neg_init(&n);
	FEED(&n, NEG_INITIATOR,
	     "InitiatorName=iqn.2026-11.bench:host0001\0"
	     "InitiatorAlias=host0001\0TargetName=iqn.2026-11.bench:t1\0"
	     "SessionType=Normal\0AuthMethod=None,CHAP\0"
	     "HeaderDigest=None,CRC32C\0DataDigest=None\0"
	     "MaxConnections=1\0InitialR2T=Yes\0ImmediateData=Yes\0"
	     "MaxBurstLength=262144\0FirstBurstLength=65536\0"
	     "DefaultTime2Wait=2\0DefaultTime2Retain=20\0"
	     "MaxOutstandingR2T=1\0DataPDUInOrder=Yes\0"
	     "DataSequenceInOrder=Yes\0ErrorRecoveryLevel=0\0"
	     "MaxRecvDataSegmentLength=262144\0");
	FEED(&n, NEG_TARGET,
	     "TargetAlias=disk\0TargetPortalGroupTag=1\0AuthMethod=None\0"
	     "HeaderDigest=None\0DataDigest=None\0MaxConnections=1\0"
	     "InitialR2T=Yes\0ImmediateData=Yes\0MaxBurstLength=262144\0"
	     "FirstBurstLength=65536\0DefaultTime2Wait=2\0"
	     "DefaultTime2Retain=20\0MaxOutstandingR2T=1\0"
	     "DataPDUInOrder=Yes\0DataSequenceInOrder=Yes\0"
	     "ErrorRecoveryLevel=0\0MaxRecvDataSegmentLength=8192\0");
	ck_assert_uint_eq(n.nwide, 0);
	ck_assert_ptr_null(n.wide);
	neg_free(&n);
}
END_TEST

/* What one value reads back as, after one pair. */
static const struct rt {
	const char *key, *val;
	bool wide; /* kept whole, not in a cell */
	bool invalid;
	uint32_t num, len; /* len: reported for invalid values only */
	uint8_t nlist, nunknown;
	uint8_t list[NEG_LIST_MAX];
	uint8_t special;
} rts[] = {
    {"HeaderDigest", "None,CRC32C", 0, 0, 0, 0, 2, 0, {0, 1}, 0},
    {"HeaderDigest", "CRC32C", 0, 0, 1, 0, 1, 0, {1}, 0},
    /* 7 vocabulary items fit a cell, 8 do not; a 9th is dropped */
    {"AuthMethod", "SPKM2,SPKM1,KRB5,SRP,CHAP,None,CHAP", 0, 0, 5, 0, 7,
     0, {5, 4, 3, 2, 1, 0, 1}, 0},
    {"AuthMethod", "SPKM2,SPKM1,KRB5,SRP,CHAP,None,CHAP,SRP", 1, 0, 5, 0,
     8, 0, {5, 4, 3, 2, 1, 0, 1, 2}, 0},
    {"AuthMethod", "None,None,None,None,None,None,None,None,CHAP", 1, 0, 0,
     0, 8, 0, {0}, 0},
    /* unknown items are counted, and reported */
    {"AuthMethod", "None,Foo,Bar", 1, 0, 0, 0, 1, 2, {0}, 0},
    {"AuthMethod", "Foo", 1, 1, 0, 3, 0, 1, {0}, 0},
    {"AuthMethod", "", 1, 1, 0, 0, 0, 1, {0}, 0},
    /* CHAP_A: algorithm numbers up to 255, two fit a cell */
    {"CHAP_A", "5", 0, 0, 5, 0, 1, 0, {5}, 0},
    {"CHAP_A", "255,0", 0, 0, 255, 0, 2, 0, {255, 0}, 0},
    {"CHAP_A", "7,6,5", 1, 0, 7, 0, 3, 0, {7, 6, 5}, 0},
    {"CHAP_A", "256", 1, 1, 0, 3, 0, 1, {0}, 0},
    /* numbers: in range in a cell; out of range keeps number and length */
    {"MaxBurstLength", "16777215", 0, 0, 16777215, 0, 0, 0, {0}, 0},
    {"MaxBurstLength", "0x200", 0, 0, 512, 0, 0, 0, {0}, 0},
    {"MaxBurstLength", "16777216", 1, 1, 16777216, 8, 0, 0, {0}, 0},
    {"MaxBurstLength", "4294967295", 1, 1, 4294967295u, 10, 0, 0, {0}, 0},
    {"MaxBurstLength", "0000000000000000000000000000000000000000000004096",
     0, 0, 4096, 0, 0, 0, {0}, 0},
    {"MaxBurstLength", "000000000000000000000000000000000000000000000000",
     1, 1, 0, 48, 0, 0, {0}, 0},
    {"MaxBurstLength", "lots", 1, 1, 0, 4, 0, 0, {0}, 0},
    {"MaxBurstLength", "Reject", 0, 0, 0, 0, 0, 0, {0}, NEG_SP_REJECT},
    {"MaxBurstLength", "NotUnderstood", 0, 0, 0, 0, 0, 0, {0},
     NEG_SP_NOT_UNDERSTOOD},
    {"MaxConnections", "Irrelevant", 0, 0, 0, 0, 0, 0, {0},
     NEG_SP_IRRELEVANT},
    {"InitialR2T", "No", 0, 0, 0, 0, 0, 0, {0}, 0},
    {"InitialR2T", "Yes", 0, 0, 1, 0, 0, 0, {0}, 0},
    {"InitialR2T", "Maybe", 1, 1, 0, 5, 0, 0, {0}, 0},
    /* secrets: only a length, and that of the bytes encoded */
    {"CHAP_C", "0x0123456789abcdef", 0, 0, 8, 0, 0, 0, {0}, 0},
    {"CHAP_R", "0bAAAA", 0, 0, 3, 0, 0, 0, {0}, 0},
    {"CHAP_R", "0xZZ", 1, 1, 0, 4, 0, 0, {0}, 0},
    {"TargetAlias", "disk", 0, 0, 0, 0, 0, 0, {0}, 0},
    {"TargetAlias", "", 1, 1, 0, 0, 0, 0, {0}, 0},
};

START_TEST(test_storage_values)
{
	for (size_t i = 0; i < sizeof(rts) / sizeof(rts[0]); i++) {
		const struct rt *t = &rts[i];
		struct neg n;
		neg_init(&n);
		int k = feed(&n, NEG_TARGET, t->key, t->val);
		ck_assert_int_ge(k, 0);
		struct neg_val v = neg_val_get(&n, (enum neg_key)k, NEG_TARGET);
		ck_assert_msg(v.seen && !v.repeated && v.invalid == t->invalid &&
				  v.num == t->num && v.len == t->len &&
				  v.nlist == t->nlist &&
				  v.nunknown == t->nunknown &&
				  v.special == t->special &&
				  memcmp(v.list, t->list, sizeof(v.list)) == 0,
			      "%s=%s: invalid %d num %u len %u nlist %u "
			      "nunknown %u special %u",
			      t->key, t->val, v.invalid, v.num, v.len, v.nlist,
			      v.nunknown, v.special);
		ck_assert_msg(n.cell[k][NEG_TARGET].wide == t->wide &&
				  n.nwide == t->wide,
			      "%s=%s: wide %d", t->key, t->val,
			      (int)n.cell[k][NEG_TARGET].wide);
		ck_assert(!neg_val_get(&n, (enum neg_key)k, NEG_INITIATOR).seen);
		neg_free(&n);
		ck_assert_ptr_null(n.wide); /* neg_free leaves it empty */
	}
}
END_TEST

/* A key sent again: the last value is kept, flagged, and a value kept
 * whole goes back to its cell when the new one fits. */
START_TEST(test_storage_repeated)
{
	struct neg n;
	neg_init(&n);
	feed(&n, NEG_INITIATOR, "MaxBurstLength", "99999999");
	ck_assert_uint_eq(n.nwide, 1);
	feed(&n, NEG_INITIATOR, "HeaderDigest", "None,Foo");
	ck_assert_uint_eq(n.nwide, 2);
	feed(&n, NEG_INITIATOR, "MaxBurstLength", "65536");
	ck_assert_uint_eq(n.nwide, 1);
	struct neg_val v =
	    neg_val_get(&n, NK_MAX_BURST_LENGTH, NEG_INITIATOR);
	ck_assert(v.repeated && !v.invalid);
	ck_assert_uint_eq(v.num, 65536);
	v = neg_val_get(&n, NK_HEADER_DIGEST, NEG_INITIATOR);
	ck_assert(!v.repeated);
	ck_assert_uint_eq(v.nunknown, 1);
	feed(&n, NEG_INITIATOR, "HeaderDigest", "CRC32C,Bar");
	ck_assert_uint_eq(n.nwide, 1);
	v = neg_val_get(&n, NK_HEADER_DIGEST, NEG_INITIATOR);
	ck_assert(v.repeated);
	ck_assert_uint_eq(v.list[0], NEG_DIGEST_CRC32C);
	/* each key and side at most once on the side */
	for (int i = 0; i < 50; i++)
		feed(&n, NEG_TARGET, "MaxBurstLength", "1");
	ck_assert_uint_eq(n.nwide, 2);
	ck_assert(neg_key_result(&n, NK_MAX_BURST_LENGTH, true).flags &
		  NEG_RF_REPEATED);
	/* names: the last one is kept, the one before is let go */
	size_t names = intern_count();
	feed(&n, NEG_INITIATOR, "InitiatorName", "iqn.2026-11.test:first");
	ck_assert_uint_eq(intern_count(), names + 1);
	feed(&n, NEG_INITIATOR, "InitiatorName", "iqn.2026-11.test:second");
	ck_assert_uint_eq(intern_count(), names + 1);
	ck_assert_str_eq(n.initiator_name.s, "iqn.2026-11.test:second");
	ck_assert(neg_val_get(&n, NK_INITIATOR_NAME, NEG_INITIATOR).repeated);
	/* TargetAddress may come again (§13.8): not a repeat */
	feed(&n, NEG_TARGET, "TargetAddress", "192.0.2.1:3260,1");
	feed(&n, NEG_TARGET, "TargetAddress", "192.0.2.2:3260,1");
	ck_assert_str_eq(n.target_address.s, "192.0.2.2:3260,1");
	ck_assert(!neg_val_get(&n, NK_TARGET_ADDRESS, NEG_TARGET).repeated);
	neg_free(&n);
	ck_assert_uint_eq(intern_count(), names);
}
END_TEST

/* Names are cut at NEG_STR_MAX - 1 bytes, as the fixed copy did, and
 * the sessions of one initiator share one copy. */
START_TEST(test_storage_names)
{
	char big[600] = "InitiatorName=";
	struct neg a, b;
	neg_init(&a);
	neg_init(&b);
	size_t names = intern_count();
	memset(big + 14, 'n', NEG_STR_MAX - 1);
	neg_text(&a, NEG_INITIATOR, (const uint8_t *)big, strlen(big));
	ck_assert(!a.initiator_name.truncated);
	ck_assert_uint_eq(strlen(a.initiator_name.s), NEG_STR_MAX - 1);
	big[14 + NEG_STR_MAX - 1] = 'n';
	neg_text(&b, NEG_INITIATOR, (const uint8_t *)big, strlen(big));
	ck_assert(b.initiator_name.truncated);
	ck_assert_uint_eq(b.initiator_name.len, NEG_STR_MAX);
	/* the kept bytes are equal: one shared copy */
	ck_assert_ptr_eq(a.initiator_name.s, b.initiator_name.s);
	ck_assert_uint_eq(intern_refs(a.initiator_name.s), 2);
	ck_assert_uint_eq(intern_count(), names + 1);
	/* CHAP_N per side, never the secrets */
	FEED(&a, NEG_INITIATOR, "CHAP_N=user\0CHAP_R=0x00112233\0");
	FEED(&a, NEG_TARGET, "CHAP_N=\0");
	ck_assert_str_eq(a.chap.name[NEG_INITIATOR].s, "user");
	ck_assert(a.chap.name[NEG_TARGET].seen);
	ck_assert_str_eq(a.chap.name[NEG_TARGET].s, "");
	ck_assert_uint_eq(a.chap.response_len[NEG_INITIATOR], 4);
	/* an empty value is declared, and invalid */
	struct neg_val v = neg_val_get(&a, NK_CHAP_N, NEG_TARGET);
	ck_assert(v.seen && v.invalid);
	neg_free(&a);
	ck_assert_uint_eq(intern_refs(b.initiator_name.s), 1);
	neg_free(&b);
	ck_assert_uint_eq(intern_count(), names);
}
END_TEST

static void neg_assert_same(const struct neg *a, const struct neg *b)
{
	for (int k = 0; k < NK_COUNT; k++) {
		ck_assert_int_eq(a->offerer[k], b->offerer[k]);
		for (int s = 0; s < 2; s++) {
			struct neg_val x = neg_val_get(a, (enum neg_key)k,
						       (enum neg_side)s);
			struct neg_val y = neg_val_get(b, (enum neg_key)k,
						       (enum neg_side)s);
			ck_assert_msg(memcmp(&x, &y, sizeof(x)) == 0, "%s/%d",
				      neg_key_info((enum neg_key)k)->name, s);
		}
	}
	ck_assert_ptr_eq(a->initiator_name.s, b->initiator_name.s);
	ck_assert_ptr_eq(a->target_address.s, b->target_address.s);
	ck_assert_ptr_eq(a->chap.name[1].s, b->chap.name[1].s);
	ck_assert_uint_eq(a->mrdsl_redeclared[1], b->mrdsl_redeclared[1]);
	struct neg_values va, vb;
	neg_compute(a, true, &va);
	neg_compute(b, true, &vb);
	/* neg_values is neg_results only; compared field by field (padding) */
	const struct neg_result *ra = &va.session_type, *rb = &vb.session_type;
	for (size_t i = 0; i < sizeof(va) / sizeof(*ra); i++)
		ck_assert(ra[i].state == rb[i].state &&
			  ra[i].flags == rb[i].flags && ra[i].v == rb[i].v &&
			  ra[i].allowed == rb[i].allowed);
}

/* Copies own what they hold: each is freed on its own, a move hands
 * everything over, and nothing is left behind. */
START_TEST(test_storage_copy_move_free)
{
	size_t names = intern_count();
	struct neg a, b, c;
	neg_init(&a);
	neg_init(&b);
	memset(&c, 0, sizeof(c)); /* a zeroed record is a valid empty one */
	FEED(&a, NEG_INITIATOR,
	     "InitiatorName=iqn.2026-11.test:i\0TargetName=iqn.2026-11.test:t\0"
	     "AuthMethod=CHAP,None,Foo\0CHAP_A=7,6,5\0MaxBurstLength=1\0");
	FEED(&a, NEG_TARGET,
	     "AuthMethod=CHAP\0CHAP_A=5\0CHAP_N=tgt\0MaxBurstLength=512\0"
	     "TargetAddress=192.0.2.9:3260,1\0");
	struct text_span bad = {(const uint8_t *)"12x", 3};
	ck_assert_int_eq(neg_mrdsl_declare(&a, NEG_TARGET, bad), -1);
	ck_assert_uint_ge(a.nwide, 3);
	/* b held other names: they are let go */
	FEED(&b, NEG_INITIATOR, "InitiatorName=iqn.2026-11.test:old\0");
	ck_assert_uint_eq(intern_count(), names + 5);
	ck_assert_int_eq(neg_copy(&b, &a), 0);
	ck_assert_uint_eq(intern_count(), names + 4);
	ck_assert_ptr_ne(a.wide, b.wide);
	neg_assert_same(&a, &b);
	ck_assert_uint_eq(intern_refs(a.initiator_name.s), 2);
	ck_assert_int_eq(neg_copy(&b, &b), 0); /* no-op */
	neg_assert_same(&a, &b);
	/* Text phase: the copy re-declares, the original does not change */
	struct text_span ok = {(const uint8_t *)"65536", 5};
	ck_assert_int_eq(neg_mrdsl_declare(&b, NEG_TARGET, ok), 0);
	ck_assert(neg_val_get(&a, NK_MAX_RECV_DSL, NEG_TARGET).invalid);
	ck_assert_uint_eq(neg_mrdsl_result(&b, NEG_TARGET, true).v, 65536);
	ck_assert_uint_eq(b.mrdsl_redeclared[NEG_TARGET], 2);
	neg_free(&a);
	ck_assert_uint_eq(intern_count(), names + 4);
	ck_assert_str_eq(b.initiator_name.s, "iqn.2026-11.test:i");
	struct neg_val v = neg_val_get(&b, NK_CHAP_A, NEG_INITIATOR);
	ck_assert_uint_eq(v.nlist, 3);
	ck_assert_uint_eq(v.list[2], 5);
	neg_move(&c, &b);
	ck_assert_ptr_null(b.wide);
	ck_assert(!b.initiator_name.seen);
	ck_assert_int_eq(b.offerer[NK_AUTH_METHOD], -1);
	ck_assert_str_eq(c.target_address.s, "192.0.2.9:3260,1");
	ck_assert_uint_eq(neg_val_get(&c, NK_AUTH_METHOD, NEG_INITIATOR).nunknown,
			  1);
	ck_assert_uint_eq(intern_count(), names + 4);
	neg_free(&b); /* empty: nothing to let go */
	neg_free(&c);
	ck_assert_uint_eq(intern_count(), names);
	neg_free(&c); /* twice is harmless */
}
END_TEST

/* What a copy holds when neg_copy() could not copy the block of values
 * kept whole (out of memory): those values read back as seen and
 * invalid - never as some other value - and the rest is intact. */
START_TEST(test_storage_block_lost)
{
	struct neg n;
	neg_init(&n);
	feed(&n, NEG_INITIATOR, "MaxBurstLength", "99999999");
	feed(&n, NEG_TARGET, "MaxBurstLength", "65536");
	feed(&n, NEG_INITIATOR, "HeaderDigest", "CRC32C,Foo");
	ck_assert_uint_eq(n.nwide, 2);
	struct neg_wide *block = n.wide;
	uint8_t nblock = n.nwide;
	n.wide = NULL; /* the state neg_copy() leaves when malloc fails */
	n.nwide = 0;
	struct neg_val v = neg_val_get(&n, NK_MAX_BURST_LENGTH, NEG_INITIATOR);
	ck_assert(v.seen && v.invalid);
	ck_assert_uint_eq(v.num, 0);
	ck_assert_uint_eq(v.len, 0);
	v = neg_val_get(&n, NK_HEADER_DIGEST, NEG_INITIATOR);
	ck_assert(v.seen && v.invalid);
	ck_assert_uint_eq(v.nlist, 0);
	v = neg_val_get(&n, NK_MAX_BURST_LENGTH, NEG_TARGET);
	ck_assert(v.seen && !v.invalid);
	ck_assert_uint_eq(v.num, 65536);
	struct neg_result r = neg_key_result(&n, NK_MAX_BURST_LENGTH, true);
	ck_assert_int_eq(r.state, NEG_NEGOTIATED);
	ck_assert(r.flags & NEG_RF_OFFER_INVALID);
	n.wide = block;
	n.nwide = nblock;
	neg_free(&n);
}
END_TEST

Suite *negotiate_suite(void)
{
	Suite *s = suite_create("negotiate");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_rule_table);
	tcase_add_test(tc, test_key_table);
	tcase_add_test(tc, test_mrdsl);
	tcase_add_test(tc, test_discovery_irrelevant);
	tcase_add_test(tc, test_first_burst_irrelevant);
	tcase_add_test(tc, test_libiscsi_tgtd);
	tcase_add_test(tc, test_answer_unseen_offer);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_malformed_unknown);
	suite_add_tcase(s, tc);
	tc = tcase_create("storage");
	tcase_add_test(tc, test_storage_size);
	tcase_add_test(tc, test_storage_values);
	tcase_add_test(tc, test_storage_repeated);
	tcase_add_test(tc, test_storage_names);
	tcase_add_test(tc, test_storage_copy_move_free);
	tcase_add_test(tc, test_storage_block_lost);
	suite_add_tcase(s, tc);
	return s;
}
