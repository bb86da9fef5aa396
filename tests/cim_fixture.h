/* cim_fixture.h - hand-built sessions for check_cim.c and check_export.c.
 *
 * Sessions are made the way session.c leaves them, but directly: names,
 * ISID, TPGT and TSIH set by hand, each connection's login text fed to
 * the real negotiate.c (neg_text + neg_compute), so the negotiated
 * values are the ones the engine would compute.
 */
#ifndef ISCSIWATCH_CIM_FIXTURE_H
#define ISCSIWATCH_CIM_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "negotiate.h"
#include "session.h"

/* 2026-11-23T22:09:01.123456Z */
#define FX_T0 (1795471741ull * 1000000000ull + 123456000ull)
#define FX_SEC 1000000000ull

static const char FX_INAME[] = "iqn.1993-08.org.debian:01:abcdef";
static const char FX_TNAME[] = "iqn.2003-01.org.linux-iscsi.tgt:disk1";

/* The login text of each side, pairs separated by '\n': the security
 * stage keys, then the operational ones. */
#define FX_OPER_I_TEXT                                                         \
	"HeaderDigest=CRC32C,None\nDataDigest=None\n"                          \
	"MaxRecvDataSegmentLength=262144\nInitialR2T=No\nImmediateData=Yes\n"  \
	"MaxBurstLength=16776192\nFirstBurstLength=262144\n"                   \
	"MaxOutstandingR2T=1\nErrorRecoveryLevel=0\nMaxConnections=1\n"        \
	"DefaultTime2Wait=2\nDefaultTime2Retain=0\n"                           \
	"DataPDUInOrder=Yes\nDataSequenceInOrder=Yes"
#define FX_OPER_T_TEXT                                                         \
	"HeaderDigest=CRC32C\nDataDigest=None\n"                               \
	"MaxRecvDataSegmentLength=65536\nInitialR2T=No\n"                      \
	"ImmediateData=Yes\nMaxBurstLength=262144\nFirstBurstLength=65536\n"   \
	"MaxOutstandingR2T=1\nErrorRecoveryLevel=0\nMaxConnections=1\n"        \
	"DefaultTime2Wait=2\nDefaultTime2Retain=0\n"                           \
	"DataPDUInOrder=Yes\nDataSequenceInOrder=Yes"
static const char FX_OPER_I[] = FX_OPER_I_TEXT;
static const char FX_OPER_T[] = FX_OPER_T_TEXT;
static const char FX_NORMAL_I[] =
    "InitiatorName=iqn.1993-08.org.debian:01:abcdef\n"
    "TargetName=iqn.2003-01.org.linux-iscsi.tgt:disk1\n"
    "SessionType=Normal\nAuthMethod=None\n" FX_OPER_I_TEXT;
static const char FX_NORMAL_T[] =
    "TargetPortalGroupTag=1\nAuthMethod=None\n" FX_OPER_T_TEXT;

static inline void fx_feed(struct neg *n, enum neg_side side, const char *t)
{
	size_t len = strlen(t);
	uint8_t *b = malloc(len + 1);
	if (!b)
		return;
	for (size_t i = 0; i < len; i++)
		b[i] = t[i] == '\n' ? 0 : (uint8_t)t[i];
	b[len] = 0;
	neg_text(n, side, b, len + 1);
	free(b);
}

static inline struct session *fx_session(const char *iname, const char *tname)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	session_names_init(s);
	session_name_set(&s->initiator_name, iname);
	session_name_set(&s->target_name, tname);
	static const uint8_t isid[6] = {0x40, 0x00, 0x01, 0x37, 0x00, 0x00};
	memcpy(s->isid, isid, 6);
	s->isid_known = true;
	s->tpgt = 1;
	s->tpgt_known = true;
	s->tsih = 5;
	s->tsih_known = true;
	s->login_observed = true;
	s->session_type = NEG_SESSION_NORMAL;
	s->install_ns = FX_T0;
	s->state_ns = FX_T0 + FX_SEC / 100;
	s->status = ST_OK;
	return s;
}

/* Adds a connection whose login carried ipairs/tpairs (NULL: none). */
static inline struct sconn *fx_conn(struct session *s, uint16_t cid,
				    const char *ipairs, const char *tpairs,
				    bool login_observed)
{
	struct sconn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->flow_id = s->nconns;
	c->initiator.addr.family = 4;
	memcpy(c->initiator.addr.a, "\xc0\x00\x02\x01", 4);
	c->initiator.port = (uint16_t)(40000 + s->nconns);
	c->target.addr.family = 4;
	memcpy(c->target.addr.a, "\xc0\x00\x02\x02", 4);
	c->target.port = 3260;
	c->cid_known = true;
	c->cid = cid;
	c->phase = CP_FULL;
	c->login_observed = login_observed;
	c->leading = s->conns == NULL;
	c->first_ns = s->install_ns + s->nconns * FX_SEC;
	c->ffp_ns = c->first_ns + FX_SEC / 100;
	c->state_ns = c->ffp_ns;
	c->version_active = 0;
	c->status_known = login_observed;
	neg_init(&c->neg);
	if (ipairs)
		fx_feed(&c->neg, NEG_INITIATOR, ipairs);
	if (tpairs)
		fx_feed(&c->neg, NEG_TARGET, tpairs);
	neg_compute(&c->neg, login_observed, &c->vals);
	if (c->leading) {
		s->vals = c->vals;
		s->login_observed = login_observed;
	}
	struct sconn **pp = &s->conns;
	while (*pp)
		pp = &(*pp)->next;
	*pp = c;
	s->nconns++;
	return c;
}

/* A leading login refused with 0x0201 (authentication failure) after
 * a CHAP offer: no TSIH, one ended connection. */
static inline struct session *fx_failed_session(void)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	s->tsih = 0;
	s->tsih_known = false;
	s->status = ST_ERROR;
	s->end_reason = END_LOGIN_FAILED;
	s->fail_kind = LF_STATUS;
	s->fail_class = 2;
	s->fail_detail = 1;
	struct sconn *c = fx_conn(s, 0, "AuthMethod=CHAP", "AuthMethod=CHAP",
				  true);
	c->phase = CP_ENDED;
	c->end_reason = END_LOGIN_FAILED;
	c->status_class = 2;
	c->status_detail = 1;
	c->end_ns = c->first_ns + FX_SEC / 10;
	return s;
}

static inline void fx_free(struct session *s)
{
	while (s) {
		struct session *n = s->next;
		struct sconn *c = s->conns;
		while (c) {
			struct sconn *cn = c->next;
			neg_free(&c->neg);
			free(c);
			c = cn;
		}
		session_parts_free(s);
		free(s);
		s = n;
	}
}

#endif
