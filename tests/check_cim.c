/* CIM property derivation (cim-mapping.md), on hand-built sessions. */
#include "check_suites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"
#include "cim_fixture.h"
#include "textsafe.h"

static struct cim_prop sp[CIM_SESSION_NPROPS], cp[CIM_CONN_NPROPS];
static size_t nsp, ncp;

static const struct cim_prop *S(const char *name)
{
	const struct cim_prop *p = cim_find(sp, nsp, name);
	ck_assert_msg(p != NULL, "no session property %s", name);
	return p;
}

static const struct cim_prop *C(const char *name)
{
	const struct cim_prop *p = cim_find(cp, ncp, name);
	ck_assert_msg(p != NULL, "no connection property %s", name);
	return p;
}

static void derive(const struct session *s, enum perspective persp)
{
	nsp = cim_session_props(s, persp, sp, CIM_SESSION_NPROPS);
	ck_assert_uint_eq(nsp, CIM_SESSION_NPROPS);
	if (s->conns) {
		ncp = cim_conn_props(s, s->conns, persp, cp, CIM_CONN_NPROPS);
		ck_assert_uint_eq(ncp, CIM_CONN_NPROPS);
	} else {
		ncp = 0;
	}
}

#define ASSERT_U(getter, name, want)                                           \
	do {                                                                   \
		const struct cim_prop *p_ = getter(name);                      \
		ck_assert_msg(!p_->null, "%s is null", name);                  \
		ck_assert_msg(p_->u == (uint32_t)(want), "%s = %u, want %u",   \
			      name, p_->u, (unsigned)(want));                  \
	} while (0)
#define ASSERT_NULL(getter, name)                                              \
	ck_assert_msg(getter(name)->null, "%s should be null", name)
#define ASSERT_S(getter, name, want)                                           \
	do {                                                                   \
		const struct cim_prop *p_ = getter(name);                      \
		ck_assert_msg(!p_->null, "%s is null", name);                  \
		ck_assert_str_eq(p_->s, want);                                 \
	} while (0)
#define ASSERT_OPST(getter, want)                                              \
	do {                                                                   \
		const struct cim_prop *p_ = getter("OperationalStatus");       \
		ck_assert_uint_eq(p_->n, 1);                                   \
		ck_assert_uint_eq(p_->arr[0], want);                           \
	} while (0)

static const char NAME[] = "iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
			   "iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001";

/* The order and the names of the seed class, all of them. */
START_TEST(test_session_order)
{
	static const char *const names[] = {
	    "Caption", "Description", "ElementName", "InstallDate", "Name",
	    "OperationalStatus", "StatusDescriptions", "Status", "HealthState",
	    "OtherEnabledState", "EnabledDefault", "TimeOfLastStateChange",
	    "InstanceID", "AggregationBehavior", "EnabledState",
	    "RequestedState", "Directionality", "SessionType", "TSIH",
	    "EndPointName", "CurrentConnections", "InitialR2T",
	    "ImmediateData", "MaxOutstandingR2T",
	    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
	    "DataSequenceInOrder", "DataPDUInOrder", "ErrorRecoveryLevel",
	    "MaxConnectionsPerSession", "DefaultTimeToWait",
	    "DefaultTimeToRetain"};
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	derive(s, PERSP_TARGET);
	ck_assert_uint_eq(sizeof(names) / sizeof(names[0]), nsp);
	for (size_t i = 0; i < nsp; i++)
		ck_assert_str_eq(sp[i].name, names[i]);
	fx_free(s);
}
END_TEST

START_TEST(test_session_normal)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	derive(s, PERSP_TARGET);
	ASSERT_S(S, "Name", NAME);
	char id[1200];
	snprintf(id, sizeof(id), "ISCSIWATCH:%s,0x0005@1795471741123456", NAME);
	ASSERT_S(S, "InstanceID", id);
	ASSERT_S(S, "ElementName", "iqn.1993-08.org.debian:01:abcdef -> "
				   "iqn.2003-01.org.linux-iscsi.tgt:disk1");
	ck_assert_uint_eq(S("InstallDate")->ns, FX_T0);
	ck_assert_uint_eq(S("TimeOfLastStateChange")->ns, FX_T0 + FX_SEC / 100);
	ASSERT_OPST(S, 2);
	ASSERT_S(S, "Status", "OK");
	ck_assert_str_eq(cim_array_str(S("StatusDescriptions"), 0), "OK");
	ASSERT_U(S, "HealthState", 5);
	ASSERT_NULL(S, "OtherEnabledState");
	ASSERT_U(S, "EnabledDefault", 2);
	ASSERT_U(S, "AggregationBehavior", 3);
	ASSERT_U(S, "EnabledState", 2);
	ASSERT_U(S, "RequestedState", 12);
	ASSERT_U(S, "Directionality", 2);
	ASSERT_U(S, "SessionType", 3);
	ASSERT_U(S, "TSIH", 5);
	ASSERT_S(S, "EndPointName",
		 "iqn.1993-08.org.debian:01:abcdef,i,0x400001370000");
	ASSERT_U(S, "CurrentConnections", 1);
	/* The answers of FX_NORMAL_T. */
	ASSERT_U(S, "InitialR2T", 0);
	ASSERT_U(S, "ImmediateData", 1);
	ASSERT_U(S, "MaxOutstandingR2T", 1);
	ASSERT_U(S, "MaxUnsolicitedFirstDataBurstLength", 65536);
	ASSERT_U(S, "MaxDataBurstLength", 262144);
	ASSERT_U(S, "DataSequenceInOrder", 1);
	ASSERT_U(S, "DataPDUInOrder", 1);
	ASSERT_U(S, "ErrorRecoveryLevel", 0);
	ASSERT_U(S, "MaxConnectionsPerSession", 1);
	ASSERT_U(S, "DefaultTimeToWait", 2);
	ASSERT_U(S, "DefaultTimeToRetain", 0);
	ck_assert_ptr_nonnull(strstr(S("Description")->s, "192.0.2.1:40000"));
	ck_assert_ptr_nonnull(strstr(S("Description")->s, "192.0.2.2:3260"));
	ck_assert_ptr_nonnull(
	    strstr(S("Description")->s, "2026-11-23T22:09:01.123456Z"));

	/* The connection. */
	char cid[1300];
	snprintf(cid, sizeof(cid), "%s/cid=0@1795471741123456", id);
	ASSERT_S(C, "InstanceID", cid);
	ASSERT_U(C, "ConnectionID", 0);
	ASSERT_U(C, "MaxReceiveDataSegmentLength", 65536);
	ASSERT_U(C, "MaxTransmitDataSegmentLength", 262144);
	ASSERT_U(C, "HeaderDigestMethod", 3);
	ASSERT_U(C, "DataDigestMethod", 2);
	ASSERT_U(C, "ReceivingMarkers", 0);
	ASSERT_U(C, "SendingMarkers", 0);
	ASSERT_U(C, "ActiveiSCSIVersion", 0);
	ASSERT_U(C, "AuthenticationMethodUsed", 2);
	ASSERT_U(C, "MutualAuthentication", 0);
	ASSERT_U(C, "EnabledState", 2);
	ASSERT_OPST(C, 2);
	ASSERT_U(C, "HealthState", 5);
	ASSERT_S(C, "ElementName", "192.0.2.1:40000 -> 192.0.2.2:3260");
	ASSERT_S(C, "Caption", "iSCSI connection CID 0");
	fx_free(s);
}
END_TEST

START_TEST(test_session_login_unseen)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	s->tsih_known = true;
	fx_conn(s, 1, NULL, NULL, false);
	derive(s, PERSP_TARGET);
	static const char *const neg[] = {
	    "InitialR2T", "ImmediateData", "MaxOutstandingR2T",
	    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
	    "DataSequenceInOrder", "DataPDUInOrder", "ErrorRecoveryLevel",
	    "MaxConnectionsPerSession", "DefaultTimeToWait",
	    "DefaultTimeToRetain"};
	for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++)
		ASSERT_NULL(S, neg[i]);
	ASSERT_S(S, "Name", NAME);
	char id1[CIM_STR_MAX];
	snprintf(id1, sizeof(id1), "%s", S("InstanceID")->s);
	/* Stable: the same session always yields the same InstanceID,
	 * whatever state it is in now. */
	s->status = ST_LOST;
	s->state_ns += 5 * FX_SEC;
	derive(s, PERSP_TARGET);
	ck_assert_str_eq(S("InstanceID")->s, id1);
	ASSERT_NULL(C, "HeaderDigestMethod");
	ASSERT_NULL(C, "DataDigestMethod");
	ASSERT_NULL(C, "MaxReceiveDataSegmentLength");
	ASSERT_NULL(C, "AuthenticationMethodUsed");
	ASSERT_NULL(C, "MutualAuthentication");
	ASSERT_U(C, "ReceivingMarkers", 0);
	ck_assert_ptr_nonnull(strstr(S("Description")->s, "not captured"));
	fx_free(s);
}
END_TEST

START_TEST(test_session_discovery)
{
	struct session *s = fx_session(FX_INAME, NULL);
	s->session_type = NEG_SESSION_DISCOVERY;
	s->tpgt_known = true;
	fx_conn(s, 0,
		"InitiatorName=iqn.1993-08.org.debian:01:abcdef\n"
		"SessionType=Discovery\nAuthMethod=None\nHeaderDigest=None\n"
		"DataDigest=None\nMaxRecvDataSegmentLength=32768",
		"TargetPortalGroupTag=1\nAuthMethod=None\nHeaderDigest=None\n"
		"DataDigest=None\nMaxRecvDataSegmentLength=8192",
		true);
	derive(s, PERSP_TARGET);
	ASSERT_U(S, "SessionType", 2);
	static const char *const irr[] = {
	    "InitialR2T", "ImmediateData", "MaxOutstandingR2T",
	    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
	    "DataSequenceInOrder", "DataPDUInOrder",
	    "MaxConnectionsPerSession"};
	for (size_t i = 0; i < sizeof(irr) / sizeof(irr[0]); i++)
		ASSERT_NULL(S, irr[i]);
	/* Not irrelevant in discovery: their RFC defaults. */
	ASSERT_U(S, "ErrorRecoveryLevel", 0);
	ASSERT_U(S, "DefaultTimeToWait", 2);
	ASSERT_U(S, "DefaultTimeToRetain", 20);
	/* No target name: no Name, but a stable InstanceID. */
	ASSERT_NULL(S, "Name");
	ck_assert_str_eq(S("InstanceID")->s,
			 "ISCSIWATCH:session#0,0x0005@1795471741123456");
	ASSERT_S(S, "ElementName", "iqn.1993-08.org.debian:01:abcdef -> ?");
	ASSERT_S(S, "Caption", "iSCSI Discovery session TSIH 0x0005");
	ASSERT_U(C, "HeaderDigestMethod", 2);
	fx_free(s);
}
END_TEST

START_TEST(test_session_failed_login)
{
	struct session *s = fx_failed_session();
	struct sconn *c = s->conns;
	c->ffp_ns = 0;
	derive(s, PERSP_TARGET);
	ASSERT_OPST(S, 6);
	ASSERT_U(S, "EnabledState", 3);
	ASSERT_U(S, "HealthState", 20);
	ASSERT_U(S, "TSIH", 0);
	ASSERT_U(S, "CurrentConnections", 0);
	ASSERT_S(S, "Status", "Error");
	const struct cim_prop *sd = S("StatusDescriptions");
	ck_assert_uint_eq(sd->n, 1);
	ck_assert_str_eq(cim_array_str(sd, 0),
			 "Login failed: authentication failure (0x0201)");
	ck_assert_ptr_null(cim_array_str(sd, 1));
	ASSERT_OPST(C, 6);
	ASSERT_U(C, "EnabledState", 3);
	ASSERT_U(C, "HealthState", 20);
	ASSERT_U(C, "AuthenticationMethodUsed", 4);
	/* Nothing was negotiated: no value, not even an RFC default. */
	static const char *const neg[] = {
	    "InitialR2T", "ImmediateData", "MaxOutstandingR2T",
	    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
	    "DataSequenceInOrder", "DataPDUInOrder", "ErrorRecoveryLevel",
	    "MaxConnectionsPerSession", "DefaultTimeToWait",
	    "DefaultTimeToRetain"};
	for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++)
		ASSERT_NULL(S, neg[i]);
	ASSERT_NULL(C, "HeaderDigestMethod");
	ASSERT_NULL(C, "DataDigestMethod");
	ASSERT_NULL(C, "MaxReceiveDataSegmentLength");
	ASSERT_NULL(C, "MaxTransmitDataSegmentLength");
	ASSERT_S(C, "Status", "Error");
	ck_assert_ptr_nonnull(strstr(cim_array_str(C("StatusDescriptions"), 0),
				     "authentication failure (0x0201)"));
	fx_free(s);
}
END_TEST

/* A close-session Logout Request waiting for its response (cim-mapping:
 * {9} Stopping first, the connection still counted). */
START_TEST(test_logout_pending)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	struct sconn *c = fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	c->phase = CP_LOGOUT;
	s->status = ST_STOPPING;
	derive(s, PERSP_TARGET);
	ASSERT_OPST(S, 9);
	ASSERT_S(S, "Status", "Stopping");
	ASSERT_U(S, "EnabledState", 4);
	ASSERT_U(S, "CurrentConnections", 1);
	ck_assert_uint_eq(S("StatusDescriptions")->n, 1);
	ASSERT_OPST(C, 9);
	ASSERT_S(C, "Status", "Stopping");
	fx_free(s);
}
END_TEST

/* TimeOfLastStateChange: the 0 interval until the state changes. */
START_TEST(test_state_never_changed)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, NULL, NULL, false);
	s->status = ST_STARTING;
	s->state_ns = s->install_ns;
	derive(s, PERSP_TARGET);
	const struct cim_prop *p = S("TimeOfLastStateChange");
	ck_assert(!p->null);
	ck_assert_uint_eq(p->ns, 0);
	char b[CIM_TIME_BUF];
	ck_assert_str_eq(cim_time_mof(p->ns, b, sizeof(b)),
			 "00000000000000.000000:000");
	ck_assert_str_eq(cim_time_rfc3339(p->ns, b, sizeof(b)), "PT0S");
	s->state_ns = s->install_ns + 5;
	derive(s, PERSP_TARGET);
	ck_assert_uint_eq(S("TimeOfLastStateChange")->ns, s->install_ns + 5);
	fx_free(s);
}
END_TEST

/* SPKM has no value in AuthenticationMethodUsed's ValueMap. */
START_TEST(test_spkm)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, "AuthMethod=SPKM1,None\n" FX_OPER_I_TEXT,
		"AuthMethod=SPKM1\n" FX_OPER_T_TEXT, true);
	derive(s, PERSP_TARGET);
	ASSERT_NULL(C, "AuthenticationMethodUsed");
	ASSERT_NULL(C, "MutualAuthentication");
	ck_assert_ptr_nonnull(strstr(cim_array_str(C("StatusDescriptions"), 0),
				     "SPKM1"));
	fx_free(s);
}
END_TEST

/* Answers the result function does not allow (RFC 7143 §13.8 Minimum,
 * §13.9 Maximum): the CIM value is the allowed one, the violation is in
 * StatusDescriptions. */
START_TEST(test_violation)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0,
		"MaxBurstLength=65536\nDefaultTime2Wait=4\nInitialR2T=Yes",
		"MaxBurstLength=262144\nDefaultTime2Wait=1\nInitialR2T=No",
		true);
	derive(s, PERSP_TARGET);
	ASSERT_U(S, "MaxDataBurstLength", 65536);
	ASSERT_U(S, "DefaultTimeToWait", 4);
	ASSERT_U(S, "InitialR2T", 1);
	const char *d = cim_array_str(S("StatusDescriptions"), 0);
	ck_assert_uint_eq(S("StatusDescriptions")->n, 1);
	ck_assert_ptr_nonnull(strstr(d, "MaxBurstLength=262144"));
	ck_assert_ptr_nonnull(strstr(d, "DefaultTime2Wait=1"));
	ck_assert_ptr_nonnull(strstr(d, "InitialR2T=No"));
	ck_assert_ptr_nonnull(strstr(d, "65536 in effect"));
	fx_free(s);
}
END_TEST

START_TEST(test_session_lost)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	struct sconn *c = fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	c->phase = CP_LOST;
	c->end_reason = END_CONN_CLOSED;
	c->end_ns = c->ffp_ns + 10 * FX_SEC;
	s->status = ST_LOST;
	s->lost_ns = c->end_ns;
	derive(s, PERSP_TARGET);
	ASSERT_OPST(S, 13);
	ASSERT_U(S, "EnabledState", 6);
	ASSERT_U(S, "HealthState", 20);
	ASSERT_S(S, "Status", "Lost Comm");
	ASSERT_U(S, "CurrentConnections", 0);
	ASSERT_OPST(C, 13);
	/* The TCP connection itself is gone: Disabled. */
	ASSERT_U(C, "EnabledState", 3);
	fx_free(s);
}
END_TEST

START_TEST(test_session_degraded)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	struct sconn *c2 = fx_conn(s, 1, FX_NORMAL_I, FX_NORMAL_T, true);
	c2->counts.hdigest_errors = 3;
	s->status = ST_DEGRADED;
	s->degraded = DEG_CONN_LOST | DEG_DIGEST;
	derive(s, PERSP_TARGET);
	ASSERT_OPST(S, 3);
	ASSERT_U(S, "EnabledState", 2);
	ASSERT_U(S, "HealthState", 10);
	ASSERT_S(S, "Status", "Degraded");
	ASSERT_U(S, "CurrentConnections", 2);
	ck_assert_str_eq(cim_array_str(S("StatusDescriptions"), 0),
			 "Degraded: a connection was lost; digest errors");
	ncp = cim_conn_props(s, c2, PERSP_TARGET, cp, CIM_CONN_NPROPS);
	ASSERT_OPST(C, 3);
	ASSERT_U(C, "HealthState", 10);
	ASSERT_U(C, "ConnectionID", 1);
	fx_free(s);
}
END_TEST

START_TEST(test_session_states)
{
	/* status -> OperationalStatus, EnabledState, HealthState, Status */
	static const struct {
		enum sess_status st;
		uint16_t op, en, health;
		const char *word, *desc;
	} v[] = {
	    {ST_STARTING, 8, 10, 0, "Starting", "Starting: login in progress"},
	    {ST_OK, 2, 2, 5, "OK", "OK"},
	    {ST_LOST, 13, 6, 20, "Lost Comm",
	     "Lost communication: every connection dropped without logout"},
	    {ST_STOPPED, 10, 3, 5, "Stopped", "Stopped: logged out"},
	    {ST_STOPPING, 9, 4, 5, "Stopping", "Stopping: logout requested"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct session *s = fx_session(FX_INAME, FX_TNAME);
		fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
		s->status = v[i].st;
		s->end_reason = END_LOGOUT;
		derive(s, PERSP_TARGET);
		ASSERT_OPST(S, v[i].op);
		ASSERT_U(S, "EnabledState", v[i].en);
		ASSERT_U(S, "HealthState", v[i].health);
		ASSERT_S(S, "Status", v[i].word);
		ck_assert_str_eq(cim_array_str(S("StatusDescriptions"), 0),
				 v[i].desc);
		fx_free(s);
	}
}
END_TEST

START_TEST(test_perspective)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	derive(s, PERSP_INITIATOR);
	ASSERT_S(S, "EndPointName",
		 "iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001");
	ASSERT_U(C, "MaxReceiveDataSegmentLength", 262144);
	ASSERT_U(C, "MaxTransmitDataSegmentLength", 65536);
	/* Nothing else depends on the perspective. */
	char name[CIM_STR_MAX];
	snprintf(name, sizeof(name), "%s", S("InstanceID")->s);
	derive(s, PERSP_TARGET);
	ck_assert_str_eq(S("InstanceID")->s, name);
	ASSERT_U(C, "MaxReceiveDataSegmentLength", 65536);
	fx_free(s);
}
END_TEST

START_TEST(test_markers_and_chap)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	struct sconn *c = fx_conn(s, 0, NULL, NULL, true);
	fx_feed(&c->neg, NEG_INITIATOR, "AuthMethod=CHAP,None\nOFMarker=Yes\n"
					"IFMarker=Yes");
	fx_feed(&c->neg, NEG_TARGET, "AuthMethod=CHAP\nOFMarker=Yes\n"
				     "IFMarker=No");
	fx_feed(&c->neg, NEG_INITIATOR, "CHAP_A=5");
	fx_feed(&c->neg, NEG_TARGET, "CHAP_A=5\nCHAP_I=1\n"
				     "CHAP_C=0x0102030405060708");
	fx_feed(&c->neg, NEG_INITIATOR,
		"CHAP_N=user\nCHAP_R=0x00112233445566778899aabbccddeeff\n"
		"CHAP_I=2\nCHAP_C=0xa1a2a3a4a5a6a7a8");
	fx_feed(&c->neg, NEG_TARGET,
		"CHAP_N=tgt\nCHAP_R=0xffeeddccbbaa99887766554433221100");
	neg_compute(&c->neg, true, &c->vals);
	ncp = cim_conn_props(s, c, PERSP_TARGET, cp, CIM_CONN_NPROPS);
	ASSERT_U(C, "AuthenticationMethodUsed", 4);
	ASSERT_U(C, "MutualAuthentication", 1);
	/* OFMarker (initiator->target) on: the target receives markers. */
	ASSERT_U(C, "ReceivingMarkers", 1);
	ASSERT_U(C, "SendingMarkers", 0);
	ncp = cim_conn_props(s, c, PERSP_INITIATOR, cp, CIM_CONN_NPROPS);
	ASSERT_U(C, "ReceivingMarkers", 0);
	ASSERT_U(C, "SendingMarkers", 1);
	fx_free(s);
}
END_TEST

START_TEST(test_times)
{
	char b[CIM_TIME_BUF];
	ck_assert_str_eq(cim_time_rfc3339(FX_T0, b, sizeof(b)),
			 "2026-11-23T22:09:01.123456Z");
	ck_assert_str_eq(cim_time_mof(FX_T0, b, sizeof(b)),
			 "20261123220901.123456+000");
	ck_assert_str_eq(cim_time_rfc3339(999, b, sizeof(b)),
			 "1970-01-01T00:00:00.000000Z");
}
END_TEST

/* ---- limits ---- */

static void long_name(char *buf, size_t n, char fill)
{
	static const char pre[] = "iqn.2026-01.com.example:";
	memcpy(buf, pre, sizeof(pre) - 1);
	for (size_t i = sizeof(pre) - 1; i < n; i++)
		buf[i] = fill;
	buf[n] = '\0';
}

START_TEST(test_caption_long)
{
	char iname[224], tname[224];
	long_name(iname, 223, 'i');
	long_name(tname, 223, 't');
	struct session *s = fx_session(iname, tname);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	derive(s, PERSP_TARGET);
	const char *cap = S("Caption")->s;
	ck_assert_uint_le(strlen(cap), CIM_CAPTION_MAX);
	ck_assert_uint_eq(strlen(cap), S("Caption")->len);
	ck_assert_str_eq(cap + strlen(cap) - 3, "...");
	ck_assert_uint_eq(strncmp(cap, "iSCSI Normal session TSIH 0x0005 to ", 36),
			  0);
	/* The full Name fits within MaxLen(1024) and is not cut. */
	const char *name = S("Name")->s;
	ck_assert_uint_eq(strlen(name), 223 + 17 + 1 + 223 + 9);
	ck_assert_uint_le(strlen(name), 1024);
	fx_free(s);

	/* Multibyte characters are never cut in half. */
	char u[224];
	strcpy(u, "iqn.2026-01.com.example:");
	size_t n = strlen(u);
	while (n + 2 <= 222) {
		memcpy(u + n, "\xc3\xa9", 2); /* é */
		n += 2;
	}
	u[n] = '\0';
	s = fx_session(FX_INAME, u);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	derive(s, PERSP_TARGET);
	cap = S("Caption")->s;
	char clean[256];
	ts_escape(TS_UTF8, cap, strlen(cap), clean, sizeof(clean));
	ck_assert_str_eq(clean, cap);
	ck_assert_uint_le(strlen(cap), CIM_CAPTION_MAX);
	fx_free(s);
}
END_TEST

START_TEST(test_small_array)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	struct cim_prop few[3];
	memset(few, 0x5a, sizeof(few));
	ck_assert_uint_eq(cim_session_props(s, PERSP_TARGET, few, 3), 3);
	ck_assert_str_eq(few[2].name, "ElementName");
	ck_assert_uint_eq(cim_conn_props(s, s->conns, PERSP_TARGET, few, 0), 0);
	fx_free(s);
}
END_TEST

START_TEST(test_unknown_identity)
{
	struct session *s = fx_session(NULL, NULL);
	s->isid_known = false;
	s->tpgt_known = false;
	s->tsih_known = false;
	s->seq = 7;
	s->login_observed = false;
	s->session_type = -1;
	fx_conn(s, 0, NULL, NULL, false);
	s->conns->cid_known = false;
	derive(s, PERSP_TARGET);
	ASSERT_NULL(S, "Name");
	ASSERT_NULL(S, "EndPointName");
	ASSERT_NULL(S, "ElementName");
	/* Login not seen and no SCSI traffic: unknown, not the default
	 * (DESIGN.md: defaults apply only when the login was seen). */
	ASSERT_NULL(S, "SessionType");
	ASSERT_NULL(S, "TSIH");
	ASSERT_NULL(S, "InstallDate");
	ck_assert_str_eq(S("InstanceID")->s,
			 "ISCSIWATCH:session#7,0x0000@1795471741123456");
	ASSERT_S(S, "Caption", "iSCSI session");
	ASSERT_NULL(C, "ConnectionID");
	ck_assert_str_eq(C("InstanceID")->s,
			 "ISCSIWATCH:session#7,0x0000@1795471741123456"
			 "/cid=?#0@1795471741123456");
	fx_free(s);
}
END_TEST

Suite *cim_suite(void)
{
	Suite *s = suite_create("cim");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_session_order);
	tcase_add_test(tc, test_session_normal);
	tcase_add_test(tc, test_session_login_unseen);
	tcase_add_test(tc, test_session_discovery);
	tcase_add_test(tc, test_session_failed_login);
	tcase_add_test(tc, test_logout_pending);
	tcase_add_test(tc, test_state_never_changed);
	tcase_add_test(tc, test_spkm);
	tcase_add_test(tc, test_violation);
	tcase_add_test(tc, test_session_lost);
	tcase_add_test(tc, test_session_degraded);
	tcase_add_test(tc, test_session_states);
	tcase_add_test(tc, test_perspective);
	tcase_add_test(tc, test_markers_and_chap);
	tcase_add_test(tc, test_times);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_caption_long);
	tcase_add_test(tc, test_small_array);
	tcase_add_test(tc, test_unknown_identity);
	suite_add_tcase(s, tc);
	return s;
}
