/* login.h - per-connection login state machine and Text exchanges
 * (RFC 7143 §6, §11.10-11.13).
 *
 * Fed the PDUs of one TCP connection (both directions, in capture order)
 * as begin / data... / end, exactly as the framer hands them on:
 *
 *   pdu_begin -> login_begin(l, p->bhs)   (the BHS is copied: it is only
 *                                         valid during the callback)
 *   pdu_data  -> login_data(l, d, n)
 *   pdu_end   -> ev = login_end(l, p->data_lost)
 *
 * Only Login (0x03/0x23) and Text (0x04/0x24) PDUs are taken; for any
 * other opcode login_begin() returns 1 and data/end are no-ops until the
 * next begin. Text sequences continued with C=1 are joined (one bounded
 * accumulator per direction, TEXT_CAP_DEFAULT) and parsed when the PDU
 * with C=0 ends; the joined bytes are wiped right after parsing (they may
 * hold CHAP material).
 *
 * login_end() returns LOGIN_EV_* bits so the engine learns, at the end
 * of the PDU that caused it, that the connection reached Full Feature
 * Phase (then call login_digests() and switch the framer), failed, was
 * redirected, or re-declared MaxRecvDataSegmentLength.
 *
 * Ownership: struct login is caller-owned; login_init() before use,
 * login_free() releases its text buffers and SendTargets list.
 */
#ifndef ISCSIWATCH_LOGIN_H
#define ISCSIWATCH_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "iscsi.h"
#include "negotiate.h"
#include "text.h"

/* Login/Text BHS fields we keep (§11.10-11.13). */
struct login_pdu_view {
	uint8_t opcode;
	bool immediate;
	uint8_t flags;	  /* byte 1 */
	bool t;		  /* Login: Transit; Text: Final (both 0x80) */
	bool c;		  /* Continue (0x40) */
	uint8_t csg, nsg; /* Login only */
	uint8_t version_max;
	uint8_t version_min; /* request: Version-min; response: -active */
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid; /* Login Request only */
	uint32_t itt;
	uint32_t ttt; /* Text only */
	uint32_t data_len;
	uint8_t status_class, status_detail; /* Login Response only */
};

/* Decodes a 48-byte BHS. 0 for Login/Text opcodes, -1 otherwise (v is
 * still filled with the opcode). */
int login_view_parse(const uint8_t *bhs, struct login_pdu_view *v);

enum login_outcome {
	LOGIN_NONE = 0, /* no Login PDU seen on this connection */
	LOGIN_IN_PROGRESS,
	LOGIN_FULL_FEATURE, /* final response T=1, NSG=3, status 0 */
	LOGIN_FAILED,	    /* status class >= 1 (1 = redirect) */
	LOGIN_ABANDONED,    /* connection ended during the login */
};

/* Events returned by login_end(). */
#define LOGIN_EV_STARTED 0x0001	     /* first Login PDU of the connection */
#define LOGIN_EV_RESPONSE 0x0002     /* a Login Response ended */
#define LOGIN_EV_STAGE 0x0004	     /* the stage changed (transit) */
#define LOGIN_EV_FULL_FEATURE 0x0008 /* login succeeded */
#define LOGIN_EV_FAILED 0x0010	     /* login failed (also on redirect) */
#define LOGIN_EV_REDIRECT 0x0020     /* status class 1 */
#define LOGIN_EV_TEXT 0x0040	     /* a Text request/response parsed */
#define LOGIN_EV_MRDSL 0x0080	     /* MaxRecvDataSegmentLength re-declared */
#define LOGIN_EV_SENDTARGETS 0x0100  /* SendTargets results updated */
#define LOGIN_EV_ANOMALY 0x0200	     /* a new anomaly bit was set */
/* A Login Request's text sequence ended (C=0, §11.12.2): the keys it
 * declared (InitiatorName, TargetName, ...) are in neg from now on. */
#define LOGIN_EV_REQUEST_TEXT 0x0400

/* Protocol anomalies (bits of login.anomalies). */
#define LOGIN_AN_T_AND_C 0x0001	      /* T and C both set (§11.12.2) */
#define LOGIN_AN_BAD_STAGE 0x0002     /* reserved stage 2 or NSG <= CSG */
#define LOGIN_AN_AFTER_END 0x0004     /* Login PDU after success/failure */
#define LOGIN_AN_BAD_VERSION 0x0008   /* Version-active outside range */
#define LOGIN_AN_TEXT_LOST 0x0010     /* text bytes lost (gap/cap) */
#define LOGIN_AN_MALFORMED 0x0020     /* key=value items without '=' */
#define LOGIN_AN_ISID_CHANGED 0x0040  /* ISID differs within the login */
#define LOGIN_AN_TEXT_IN_LOGIN 0x0080 /* Text PDU before Full Feature */
#define LOGIN_AN_VIOLATION 0x0100     /* an answer broke a §13 rule */

#define LOGIN_ST_MAX_TARGETS 64 /* SendTargets results kept */
#define LOGIN_ST_MAX_ADDRS 4	/* TargetAddress values per target */
#define LOGIN_ADDR_MAX 128	/* domainname[:port][,tpgt] (§13.8) */

struct login_st_target {
	char name[NEG_STR_MAX];
	char addr[LOGIN_ST_MAX_ADDRS][LOGIN_ADDR_MAX];
	uint8_t naddr;
	uint8_t addr_dropped; /* beyond LOGIN_ST_MAX_ADDRS */
	bool truncated;	      /* a name or address was cut */
};

/* SendTargets (§12.3) results of the latest request. Heap, lazily. */
struct login_sendtargets {
	uint32_t count;	  /* entries in t[] */
	uint32_t dropped; /* targets beyond LOGIN_ST_MAX_TARGETS */
	struct login_st_target t[LOGIN_ST_MAX_TARGETS];
};

struct login {
	struct counters *ctr;
	struct neg neg;
	struct text txt[2]; /* by enum neg_side */

	/* PDU in progress */
	struct login_pdu_view cur;
	bool in_pdu;
	uint32_t an_begin; /* anomalies when the PDU began */
	bool any_seen;	   /* any Login/Text PDU seen */
	bool damaged[2];   /* sequence in progress lost bytes: parse only
			      its complete pairs, drop the rest */

	enum login_outcome outcome;
	uint8_t stage;	     /* current stage: enum iscsi_stage */
	uint8_t stages_seen; /* bit (1 << stage) */
	bool from_start;     /* the first PDU seen was a Login Request */
	bool lost;	     /* some login/text bytes were lost */
	bool leading;	     /* Login Request with TSIH 0 */
	bool isid_seen;
	uint8_t isid[6];
	uint16_t tsih; /* request's, then the final response's */
	uint16_t cid;
	bool cid_seen;
	uint8_t version_max, version_min; /* from the requests */
	uint8_t version_active;		  /* from the responses */
	bool version_active_seen;
	uint32_t requests, responses; /* Login PDUs */
	bool status_seen;
	uint8_t status_class, status_detail; /* latest Login Response */
	bool redirected;		     /* class 1; neg.target_address */
	uint32_t anomalies;		     /* LOGIN_AN_* */

	/* Full Feature Phase Text exchanges */
	uint32_t text_requests, text_responses;
	uint32_t text_other_keys; /* keys other than SendTargets/MRDSL... */
	bool sendtargets_requested;
	int32_t st_cur; /* entry TargetAddress values go to, or -1 */
	struct login_sendtargets *st;
};

/* What a login that reached Full Feature Phase leaves for the rest of
 * its connection. Its negotiation record is copied to the session model
 * (struct sconn) and the login itself (under 1 KB) is freed; a Login
 * or Text PDU after it (§12.3 SendTargets, §13.12 MRDSL) makes a new
 * one from this and that record: login_resume(). */
struct login_rest {
	uint8_t outcome; /* enum login_outcome */
	bool from_start, lost;
	uint32_t requests, responses, anomalies;
	uint32_t text_requests, text_responses, text_other_keys;
};

void login_init(struct login *l, struct counters *ctr);
/* The same with a text cap per direction (0: TEXT_CAP_DEFAULT). */
void login_init_cap(struct login *l, struct counters *ctr, uint32_t text_cap);
void login_free(struct login *l);
void login_rest_save(const struct login *l, struct login_rest *r);
/* A login as the one that left r, with negotiation record neg (copied)
 * and no text in progress; login_free() when done. */
void login_resume(struct login *l, struct counters *ctr, uint32_t text_cap,
		  const struct neg *neg, const struct login_rest *r);

/* Returns 0 when the PDU is a Login/Text PDU this module takes, 1 when
 * it is ignored. */
int login_begin(struct login *l, const uint8_t *bhs);
int login_begin_view(struct login *l, const struct login_pdu_view *v);
void login_data(struct login *l, const uint8_t *d, size_t n);
unsigned login_end(struct login *l, bool data_lost);
/* One whole PDU at once (tests, tools). */
unsigned login_pdu(struct login *l, const struct login_pdu_view *v,
		   const uint8_t *data, size_t n);

/* Bytes sent by `side` were lost (TCP gap): a text sequence in progress
 * from that side keeps only its complete pairs, and "key not seen" no
 * longer means default. */
void login_gap(struct login *l, enum neg_side side);
/* The connection ended (FIN/RST/idle): a login in progress is ABANDONED. */
void login_close(struct login *l);

/* True when absent keys take their RFC defaults: the login was seen
 * from its first PDU and no login/text byte was lost. */
bool login_complete(const struct login *l);
void login_values(const struct login *l, struct neg_values *out);

enum login_digest {
	LOGIN_DIGEST_UNKNOWN = 0,
	LOGIN_DIGEST_NONE,
	LOGIN_DIGEST_CRC32C,
};
/* Header and data digests in force after the final Login Response
 * (§13.1). UNKNOWN when the login did not show them. */
void login_digests(const struct login *l, enum login_digest *hd,
		   enum login_digest *dd);

const char *login_outcome_name(enum login_outcome o);

#endif
