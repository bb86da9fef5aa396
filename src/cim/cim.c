/* cim.c - CIM_iSCSISession / CIM_iSCSIConnection properties of a session,
 * derived once for every exporter (reference: cim-mapping.md). */
#include "cim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "login.h"
#include "net.h"

/* ---- small helpers ---- */

struct builder {
	struct cim_prop *out;
	size_t max, n;
	struct cim_prop spare; /* written to once out is full */
};

static struct cim_prop *prop_new(struct builder *b, const char *name,
				 enum cim_type type)
{
	struct cim_prop *p = b->n < b->max ? &b->out[b->n++] : &b->spare;
	p->name = name;
	p->type = type;
	p->null = false;
	p->u = 0;
	p->ns = 0;
	p->n = 0;
	p->len = 0;
	p->s[0] = '\0';
	return p;
}

static void prop_null(struct builder *b, const char *name, enum cim_type type)
{
	prop_new(b, name, type)->null = true;
}

static void prop_uint(struct builder *b, const char *name, enum cim_type type,
		      uint32_t v)
{
	prop_new(b, name, type)->u = v;
}

static void prop_time(struct builder *b, const char *name, uint64_t ns)
{
	struct cim_prop *p = prop_new(b, name, CIM_T_DATETIME);
	p->ns = ns;
	p->null = ns == 0;
}

/* Appends to a string property, clamped to its buffer. */
__attribute__((format(printf, 2, 3))) static void sappend(struct cim_prop *p,
							const char *fmt, ...)
{
	if (p->len + 1 >= sizeof(p->s))
		return;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(p->s + p->len, sizeof(p->s) - p->len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	size_t left = sizeof(p->s) - p->len - 1;
	p->len += (size_t)r > left ? left : (size_t)r;
}

static struct cim_prop *prop_str(struct builder *b, const char *name,
				 const char *v)
{
	struct cim_prop *p = prop_new(b, name, CIM_T_STRING);
	if (!v)
		p->null = true;
	else
		sappend(p, "%s", v);
	return p;
}

/* Starts the next element of a STRING_ARRAY. */
static void sarray_next(struct cim_prop *p)
{
	if (p->n == 0) {
		p->n = 1;
		return;
	}
	if (p->len + 2 >= sizeof(p->s))
		return;
	p->len++; /* keep the NUL of the previous element */
	p->s[p->len] = '\0';
	p->n++;
}

/* The CIM numbers of a negotiated key: a value when it was negotiated,
 * defaulted (login seen, key absent) or rejected (both keep the default,
 * §6.2); null when unknown, Irrelevant or invalid, and always null when
 * the leading login was not captured (cim-mapping.md). */
static void prop_neg(struct builder *b, const char *name, enum cim_type type,
		     const struct neg_result *r, bool login_observed)
{
	bool has = login_observed && neg_result_has_value(r);
	if (!has) {
		prop_null(b, name, type);
		return;
	}
	/* An answer the §13 result function does not allow: the value in
	 * effect is the one it gives (StatusDescriptions names the
	 * violation, neg_violations()). */
	uint32_t v = r->flags & NEG_RF_VIOLATION ? r->allowed : r->v;
	prop_uint(b, name, type, type == CIM_T_BOOLEAN ? v != 0 : v);
}

/* A login refused by the target (status class 1 or more) never reached
 * its operational stage: nothing it offered is in effect. */
static bool session_login_failed(const struct session *s)
{
	return s->status == ST_ERROR;
}

static bool conn_login_failed(const struct sconn *c)
{
	return c->status_known && c->status_class != 0;
}

/* The negotiated session keys, by CIM name and key name. */
#define NEG_SESSION_KEYS(X)                                                   \
	X("InitialR2T", "InitialR2T", initial_r2t, CIM_T_BOOLEAN)              \
	X("ImmediateData", "ImmediateData", immediate_data, CIM_T_BOOLEAN)     \
	X("MaxOutstandingR2T", "MaxOutstandingR2T", max_outstanding_r2t,       \
	  CIM_T_UINT32)                                                         \
	X("MaxUnsolicitedFirstDataBurstLength", "FirstBurstLength",            \
	  first_burst_length, CIM_T_UINT32)                                     \
	X("MaxDataBurstLength", "MaxBurstLength", max_burst_length,            \
	  CIM_T_UINT32)                                                         \
	X("DataSequenceInOrder", "DataSequenceInOrder",                        \
	  data_sequence_in_order, CIM_T_BOOLEAN)                                \
	X("DataPDUInOrder", "DataPDUInOrder", data_pdu_in_order,               \
	  CIM_T_BOOLEAN)                                                        \
	X("ErrorRecoveryLevel", "ErrorRecoveryLevel", error_recovery_level,    \
	  CIM_T_UINT32)                                                         \
	X("MaxConnectionsPerSession", "MaxConnections", max_connections,       \
	  CIM_T_UINT32)                                                         \
	X("DefaultTimeToWait", "DefaultTime2Wait", default_time2wait,          \
	  CIM_T_UINT32)                                                         \
	X("DefaultTimeToRetain", "DefaultTime2Retain", default_time2retain,    \
	  CIM_T_UINT32)

static void neg_value_str(const struct neg_result *r, uint32_t v,
			  enum cim_type type, char *buf, size_t len)
{
	(void)r;
	if (type == CIM_T_BOOLEAN)
		snprintf(buf, len, "%s", v ? "Yes" : "No");
	else
		snprintf(buf, len, "%u", v);
}

/* "; MaxBurstLength=16777215 answered, above the offer: 262144 in
 * effect" for every answer that breaks its result function. */
static void neg_violations(const struct neg_values *v, struct cim_prop *p)
{
	char a[16], e[16];
#define X(cim, key, field, type)                                               \
	if (v->field.flags & NEG_RF_VIOLATION) {                               \
		neg_value_str(&v->field, v->field.v, type, a, sizeof(a));      \
		neg_value_str(&v->field, v->field.allowed, type, e,            \
			      sizeof(e));                                      \
		sappend(p, "; target answered " key "=%s, which the result "   \
			   "function (RFC 7143 section 13) does not allow: %s " \
			   "in effect", a, e);                                  \
	}
	NEG_SESSION_KEYS(X)
#undef X
}

const struct cim_prop *cim_find(const struct cim_prop *props, size_t n,
				const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(props[i].name, name) == 0)
			return &props[i];
	return NULL;
}

const char *cim_array_str(const struct cim_prop *p, unsigned i)
{
	if (p->type != CIM_T_STRING_ARRAY || i >= p->n)
		return NULL;
	const char *q = p->s;
	for (unsigned k = 0; k < i; k++)
		q += strlen(q) + 1;
	return q;
}

/* ---- time ---- */

static bool split_time(uint64_t ns, struct tm *tm, unsigned *us)
{
	time_t t = (time_t)(ns / 1000000000u);
	*us = (unsigned)(ns % 1000000000u / 1000u);
	return gmtime_r(&t, tm) != NULL;
}

const char *cim_time_rfc3339(uint64_t ns, char *buf, size_t len)
{
	struct tm tm;
	unsigned us;
	if (ns == 0) { /* the 0 interval, as an ISO 8601 duration */
		snprintf(buf, len, "PT0S");
		return buf;
	}
	if (!split_time(ns, &tm, &us)) {
		snprintf(buf, len, "?");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, us);
	return buf;
}

const char *cim_time_mof(uint64_t ns, char *buf, size_t len)
{
	struct tm tm;
	unsigned us;
	if (ns == 0) { /* the 0 interval (DSP0004 5.2.4) */
		snprintf(buf, len, "00000000000000.000000:000");
		return buf;
	}
	if (!split_time(ns, &tm, &us)) {
		snprintf(buf, len, "00000000000000.000000+000");
		return buf;
	}
	/* DSP0004 datetime: yyyymmddhhmmss.mmmmmmsutc, UTC offset 0. */
	snprintf(buf, len, "%04d%02d%02d%02d%02d%02d.%06u+000",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, us);
	return buf;
}

/* ---- identities ---- */

const char *cim_ep_str(const struct flow_ep *ep, char *buf, size_t len)
{
	char a[64];
	net_addr_str(&ep->addr, a, sizeof(a));
	if (ep->addr.family == 6)
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, len, "%s:%u", a, ep->port);
	return buf;
}

static void isid_hex(const uint8_t isid[6], char out[13])
{
	snprintf(out, 13, "%02x%02x%02x%02x%02x%02x", isid[0], isid[1],
		 isid[2], isid[3], isid[4], isid[5]);
}

bool cim_initiator_port_name(const struct session *s, char *buf, size_t len)
{
	char isid[13];
	buf[0] = '\0';
	if (!s->initiator_name[0] || !s->isid_known)
		return false;
	isid_hex(s->isid, isid);
	snprintf(buf, len, "%s,i,0x%s", s->initiator_name, isid);
	return true;
}

bool cim_target_port_name(const struct session *s, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!s->target_name[0] || !s->tpgt_known)
		return false;
	snprintf(buf, len, "%s,t,0x%04x", s->target_name, s->tpgt);
	return true;
}

bool cim_session_name(const struct session *s, char *buf, size_t len)
{
	char i[NEG_STR_MAX + 24], t[NEG_STR_MAX + 16];
	buf[0] = '\0';
	if (!cim_initiator_port_name(s, i, sizeof(i)) ||
	    !cim_target_port_name(s, t, sizeof(t)))
		return false;
	snprintf(buf, len, "%s,%s", i, t);
	return true;
}

/* InstanceID (cim-mapping.md): stable for a capture because it is built
 * from the identity and capture times only. A session whose identity
 * was never seen is named by its creation order instead. */
void cim_session_instance_id(const struct session *s, char *buf, size_t len)
{
	char name[2 * NEG_STR_MAX + 48];
	if (!cim_session_name(s, name, sizeof(name)))
		snprintf(name, sizeof(name), "session#%llu",
			 (unsigned long long)s->seq);
	snprintf(buf, len, "ISCSIWATCH:%s,0x%04x@%llu", name,
		 s->tsih_known ? s->tsih : 0,
		 (unsigned long long)(s->install_ns / 1000u));
}

static const char *type_word(const struct session *s)
{
	if (s->session_type == NEG_SESSION_DISCOVERY)
		return "Discovery";
	if (s->session_type == NEG_SESSION_NORMAL)
		return "Normal";
	return NULL;
}

/* Cuts p->s to at most max bytes on a UTF-8 character boundary, marking
 * the cut with "...". */
static void clamp_caption(struct cim_prop *p, size_t max)
{
	if (p->len <= max)
		return;
	size_t cut = max - 3;
	while (cut > 0 && ((unsigned char)p->s[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(p->s + cut, "...", 4);
	p->len = cut + 3;
}

/* By bit of DEG_*: the text of DEG_CONN_LOST (0x01) first. */
static const char *const deg_text[] = {
	"a connection was lost",
	"digest errors",
	"Reject PDUs",
	NULL, /* 0x08: unused */
	"overlapping retransmissions with different data",
	"the capture lost bytes of the session",
};

static const char *end_text(enum sess_end_reason r)
{
	switch (r) {
	case END_LOGOUT:
		return "logged out";
	case END_REINSTATED:
		return "reinstated by a new leading login";
	case END_RETAIN_EXPIRED:
		return "DefaultTime2Retain expired after the connections were lost";
	case END_LOGIN_FAILED:
		return "login failed";
	case END_CONN_REINSTATED:
		return "the same CID logged in again";
	case END_CONN_CLOSED:
		return "TCP connection closed";
	case END_CONN_SUPERSEDED:
		return "TCP connection replaced by a new one on the same ports";
	case END_NONE:
		break;
	}
	return "ended";
}

/* Appends the texts of the DEG_* bits set in deg, "; "-separated. */
static void deg_reasons(struct cim_prop *p, unsigned deg)
{
	const char *sep = " ";
	for (unsigned i = 0; i < sizeof(deg_text) / sizeof(deg_text[0]); i++) {
		if ((deg & (1u << i)) && deg_text[i]) {
			sappend(p, "%s%s", sep, deg_text[i]);
			sep = "; ";
		}
	}
}

static void status_description(const struct session *s, struct cim_prop *p)
{
	char why[128];
	sarray_next(p);
	switch (s->status) {
	case ST_STARTING:
		sappend(p, "Starting: login in progress");
		break;
	case ST_OK:
		sappend(p, "OK");
		break;
	case ST_DEGRADED:
		sappend(p, "Degraded:");
		deg_reasons(p, s->degraded);
		if (!s->degraded)
			sappend(p, " reason not recorded");
		break;
	case ST_STOPPING:
		sappend(p, "Stopping: logout requested");
		break;
	case ST_LOST:
		sappend(p, "Lost communication: every connection dropped "
			   "without logout");
		break;
	case ST_STOPPED:
		sappend(p, "Stopped: %s", end_text(s->end_reason));
		break;
	case ST_ERROR:
		sappend(p, "Login %s: %s", session_fail_verb(s),
			session_fail_str(s, why, sizeof(why)));
		if (s->fail_kind == LF_STATUS && s->fail_class == 1 &&
		    s->redirect[0])
			sappend(p, " to %s", s->redirect);
		break;
	}
	/* StatusDescriptions is Indexed with OperationalStatus (one
	 * status, one entry): what else matters goes in the same entry.
	 * Trouble seen before the session reached its present state (a
	 * capture gap, digest errors) still matters to whoever reads an
	 * ended session. */
	unsigned past = s->degraded & ~(unsigned)DEG_CONN_LOST;
	if (s->status != ST_DEGRADED && past) {
		sappend(p, "; earlier:");
		deg_reasons(p, past);
	}
	/* Kernel drops and caps hide traffic without degrading the session
	 * itself; whoever reads the instance must still know. */
	if (s->incomplete && !(s->degraded & DEG_GAP))
		sappend(p, "; incomplete: part of this session was not seen "
			   "(capture drops, a gap or a cap)");
	if (s->login_observed && !session_login_failed(s))
		neg_violations(&s->vals, p);
}

static void session_description(const struct session *s, struct cim_prop *p)
{
	const struct sconn *c = session_leading_conn(s);
	char a[64], t[CIM_TIME_BUF], why[128];
	sappend(p, "Initiator %s", s->initiator_name[0] ? s->initiator_name
							 : "(name unknown)");
	if (c)
		sappend(p, " at %s", cim_ep_str(&c->initiator, a, sizeof(a)));
	sappend(p, " to target %s",
		s->target_name[0] ? s->target_name : "(name unknown)");
	if (c)
		sappend(p, " at %s", cim_ep_str(&c->target, a, sizeof(a)));
	if (s->login_observed)
		sappend(p, "; login at %s",
			cim_time_rfc3339(s->install_ns, t, sizeof(t)));
	else
		sappend(p, "; login not captured, first seen at %s",
			cim_time_rfc3339(s->install_ns, t, sizeof(t)));
	if (s->nconns > 1)
		sappend(p, "; %u connections", s->nconns);
	switch (s->status) {
	case ST_STARTING:
		sappend(p, "; login in progress");
		break;
	case ST_OK:
		sappend(p, "; running");
		break;
	case ST_DEGRADED:
		sappend(p, "; running, degraded");
		break;
	case ST_STOPPING:
		sappend(p, "; logout in progress");
		break;
	case ST_LOST:
		sappend(p, "; every connection lost without logout at %s",
			cim_time_rfc3339(s->lost_ns ? s->lost_ns : s->state_ns,
					 t, sizeof(t)));
		break;
	case ST_STOPPED:
		sappend(p, "; ended at %s: %s",
			cim_time_rfc3339(s->state_ns, t, sizeof(t)),
			end_text(s->end_reason));
		break;
	case ST_ERROR:
		sappend(p, "; login %s at %s: %s", session_fail_verb(s),
			cim_time_rfc3339(s->state_ns, t, sizeof(t)),
			session_fail_str(s, why, sizeof(why)));
		break;
	}
}

/* ---- CIM_iSCSISession ---- */

size_t cim_session_props(const struct session *s, enum perspective persp,
			 struct cim_prop *out, size_t max)
{
	struct builder b = {.out = out, .max = max};
	struct cim_prop *p;
	char buf[2 * NEG_STR_MAX + 64];
	const struct neg_values *v = &s->vals;
	bool lo = s->login_observed;

	/* Caption: short, <= 64 characters (MaxLen). */
	p = prop_new(&b, "Caption", CIM_T_STRING);
	const char *tw = type_word(s);
	sappend(p, "iSCSI %s%ssession", tw ? tw : "", tw ? " " : "");
	if (s->tsih_known)
		sappend(p, " TSIH 0x%04x", s->tsih);
	if (s->target_name[0])
		sappend(p, " to %s", s->target_name);
	clamp_caption(p, CIM_CAPTION_MAX);

	p = prop_new(&b, "Description", CIM_T_STRING);
	session_description(s, p);

	if (s->initiator_name[0] || s->initiator_alias[0] ||
	    s->target_name[0] || s->target_alias[0]) {
		p = prop_new(&b, "ElementName", CIM_T_STRING);
		sappend(p, "%s -> %s",
			s->initiator_alias[0]  ? s->initiator_alias
			: s->initiator_name[0] ? s->initiator_name
					       : "?",
			s->target_alias[0]  ? s->target_alias
			: s->target_name[0] ? s->target_name
					    : "?");
	} else {
		prop_null(&b, "ElementName", CIM_T_STRING);
	}

	/* The time of the leading Login Request: unknown unless it was
	 * captured (the first packet seen is not an install date). */
	prop_time(&b, "InstallDate", lo ? s->install_ns : 0);

	prop_str(&b, "Name",
		 cim_session_name(s, buf, sizeof(buf)) ? buf : NULL);

	p = prop_new(&b, "OperationalStatus", CIM_T_UINT16_ARRAY);
	p->n = 1;
	p->arr[0] = cim_op_status(s->status);

	p = prop_new(&b, "StatusDescriptions", CIM_T_STRING_ARRAY);
	status_description(s, p);

	prop_str(&b, "Status", cim_status_word(s->status));
	prop_uint(&b, "HealthState", CIM_T_UINT16, cim_health_state(s->status));
	prop_null(&b, "OtherEnabledState", CIM_T_STRING);
	prop_uint(&b, "EnabledDefault", CIM_T_UINT16, 2);
	/* The 0 interval while the state has not changed since the session
	 * was first seen (CIM_EnabledLogicalElement.TimeOfLastStateChange);
	 * cim_time_mof(0) writes it. */
	p = prop_new(&b, "TimeOfLastStateChange", CIM_T_DATETIME);
	p->ns = s->state_ns > s->install_ns ? s->state_ns : 0;

	p = prop_new(&b, "InstanceID", CIM_T_STRING);
	cim_session_instance_id(s, p->s, sizeof(p->s));
	p->len = strlen(p->s);

	/* A session aggregates its connections in parallel. */
	prop_uint(&b, "AggregationBehavior", CIM_T_UINT16, 3);
	prop_uint(&b, "EnabledState", CIM_T_UINT16,
		  (uint32_t)session_enabled_state(s->status));
	/* A passive observer cannot ask for a state change. */
	prop_uint(&b, "RequestedState", CIM_T_UINT16, 12);
	prop_uint(&b, "Directionality", CIM_T_UINT16, 2);
	if (s->session_type < 0 && !lo)
		prop_null(&b, "SessionType", CIM_T_UINT16);
	else
		prop_uint(&b, "SessionType", CIM_T_UINT16,
			  s->session_type == NEG_SESSION_DISCOVERY ? 2 : 3);
	/* 0 when a login we saw never got one assigned (a failed login);
	 * unknown when the login was not captured. */
	if (s->tsih_known || lo)
		prop_uint(&b, "TSIH", CIM_T_UINT32, s->tsih_known ? s->tsih : 0);
	else
		prop_null(&b, "TSIH", CIM_T_UINT32);

	bool ep = persp == PERSP_INITIATOR
			  ? cim_target_port_name(s, buf, sizeof(buf))
			  : cim_initiator_port_name(s, buf, sizeof(buf));
	prop_str(&b, "EndPointName", ep ? buf : NULL);

	prop_uint(&b, "CurrentConnections", CIM_T_UINT32,
		  session_current_connections(s));

	/* A refused login negotiated nothing: no value, not even a default. */
	lo = lo && !session_login_failed(s);
	prop_neg(&b, "InitialR2T", CIM_T_BOOLEAN, &v->initial_r2t, lo);
	prop_neg(&b, "ImmediateData", CIM_T_BOOLEAN, &v->immediate_data, lo);
	prop_neg(&b, "MaxOutstandingR2T", CIM_T_UINT32,
		 &v->max_outstanding_r2t, lo);
	prop_neg(&b, "MaxUnsolicitedFirstDataBurstLength", CIM_T_UINT32,
		 &v->first_burst_length, lo);
	prop_neg(&b, "MaxDataBurstLength", CIM_T_UINT32, &v->max_burst_length,
		 lo);
	prop_neg(&b, "DataSequenceInOrder", CIM_T_BOOLEAN,
		 &v->data_sequence_in_order, lo);
	prop_neg(&b, "DataPDUInOrder", CIM_T_BOOLEAN, &v->data_pdu_in_order,
		 lo);
	prop_neg(&b, "ErrorRecoveryLevel", CIM_T_UINT32,
		 &v->error_recovery_level, lo);
	prop_neg(&b, "MaxConnectionsPerSession", CIM_T_UINT32,
		 &v->max_connections, lo);
	prop_neg(&b, "DefaultTimeToWait", CIM_T_UINT32, &v->default_time2wait,
		 lo);
	prop_neg(&b, "DefaultTimeToRetain", CIM_T_UINT32,
		 &v->default_time2retain, lo);
	return b.n;
}

/* ---- CIM_iSCSIConnection ---- */

/* The status of one TCP connection, in the session's vocabulary. */
static enum sess_status conn_status(const struct sconn *c)
{
	switch (c->phase) {
	case CP_LOGIN:
		return ST_STARTING;
	case CP_FULL:
		/* Gaps are the capture's loss, not the connection's. */
		return c->counts.hdigest_errors || c->counts.ddigest_errors ||
			       c->counts.rejects
			       ? ST_DEGRADED
			       : ST_OK;
	case CP_LOGOUT:
		return ST_STOPPING;
	case CP_ENDED:
		return c->status_known && c->status_class != 0 ? ST_ERROR
							       : ST_STOPPED;
	case CP_LOST:
		break;
	}
	return ST_LOST;
}

static const char *phase_text(enum conn_phase ph)
{
	switch (ph) {
	case CP_LOGIN:
		return "login in progress";
	case CP_FULL:
		return "full feature phase";
	case CP_LOGOUT:
		return "logout requested";
	case CP_ENDED:
		return "ended";
	case CP_LOST:
		break;
	}
	return "lost without logout";
}

/* HeaderDigestMethod / DataDigestMethod: 2 No Digest, 3 CRC32C. */
static void prop_digest(struct builder *b, const char *name,
			const struct neg_result *r, bool failed)
{
	if (!neg_result_has_value(r) || failed)
		prop_null(b, name, CIM_T_UINT16);
	else
		prop_uint(b, name, CIM_T_UINT16,
			  r->v == NEG_DIGEST_CRC32C ? 3 : 2);
}

/* AuthenticationMethodUsed's ValueMap: 2 None, 3 SRP, 4 CHAP,
 * 5 Kerberos. SPKM1/SPKM2 (RFC 7143 12.1) have no value in it. */
static bool auth_in_map(uint32_t m)
{
	return m == NEG_AUTH_NONE || m == NEG_AUTH_SRP || m == NEG_AUTH_CHAP ||
	       m == NEG_AUTH_KRB5;
}

/* One entry, Indexed with the connection's OperationalStatus. */
static void conn_status_description(const struct sconn *c,
				    enum sess_status st, struct cim_prop *p)
{
	sarray_next(p);
	sappend(p, "%s: %s", cim_status_word(st), phase_text(c->phase));
	if (c->end_ns)
		sappend(p, " (%s)", end_text(c->end_reason));
	if (conn_login_failed(c))
		sappend(p, "; login refused: %s (0x%02x%02x)",
			iscsi_login_status_str(c->status_class, c->status_detail),
			c->status_class, c->status_detail);
	if (c->counts.hdigest_errors || c->counts.ddigest_errors)
		sappend(p, "; digest errors");
	if (c->counts.rejects)
		sappend(p, "; Reject PDUs");
	if (c->gaps)
		sappend(p, "; the capture lost bytes of it");
	const struct neg_result *am = &c->vals.auth_method;
	if (neg_result_has_value(am) && !auth_in_map(am->v))
		sappend(p, "; authenticated with %s, which "
			   "AuthenticationMethodUsed has no value for",
			am->v == NEG_AUTH_SPKM1 ? "SPKM1" : "SPKM2");
}

/* Markers (RFC 3720 §A.3): OFMarker turns on initiator-to-target
 * markers, IFMarker target-to-initiator ones. False unless negotiated
 * on (cim-mapping.md). */
static bool marker_on(const struct neg_result *r)
{
	return neg_result_has_value(r) && r->v == 1;
}

size_t cim_conn_props(const struct session *s, const struct sconn *c,
		      enum perspective persp, struct cim_prop *out, size_t max)
{
	struct builder b = {.out = out, .max = max};
	struct cim_prop *p;
	char a[64], t[64], ts[CIM_TIME_BUF];
	const struct neg_values *v = &c->vals;
	enum sess_status st = conn_status(c);

	p = prop_new(&b, "Caption", CIM_T_STRING);
	if (c->cid_known)
		sappend(p, "iSCSI connection CID %u", c->cid);
	else
		sappend(p, "iSCSI connection (CID unknown)");

	cim_ep_str(&c->initiator, a, sizeof(a));
	cim_ep_str(&c->target, t, sizeof(t));
	p = prop_new(&b, "Description", CIM_T_STRING);
	sappend(p, "TCP connection %s -> %s", a, t);
	sappend(p, c->login_observed ? "; login at %s"
				     : "; login not captured, first seen at %s",
		cim_time_rfc3339(c->first_ns, ts, sizeof(ts)));
	sappend(p, "; %s", phase_text(c->phase));
	if (c->end_ns)
		sappend(p, " at %s: %s",
			cim_time_rfc3339(c->end_ns, ts, sizeof(ts)),
			end_text(c->end_reason));

	p = prop_new(&b, "ElementName", CIM_T_STRING);
	sappend(p, "%s -> %s", a, t);

	p = prop_new(&b, "InstanceID", CIM_T_STRING);
	cim_session_instance_id(s, p->s, sizeof(p->s));
	p->len = strlen(p->s);
	if (c->cid_known)
		sappend(p, "/cid=%u", c->cid);
	else
		sappend(p, "/cid=?#%llu", (unsigned long long)c->flow_id);
	sappend(p, "@%llu", (unsigned long long)(c->first_ns / 1000u));

	p = prop_new(&b, "OperationalStatus", CIM_T_UINT16_ARRAY);
	p->n = 1;
	p->arr[0] = cim_op_status(st);
	conn_status_description(c, st, prop_new(&b, "StatusDescriptions",
						 CIM_T_STRING_ARRAY));
	prop_str(&b, "Status", cim_status_word(st));
	prop_uint(&b, "HealthState", CIM_T_UINT16, cim_health_state(st));
	/* A lost TCP connection is gone for good: Disabled, not the
	 * session's "Enabled but Offline". */
	prop_uint(&b, "EnabledState", CIM_T_UINT16,
		  st == ST_LOST ? CIM_DISABLED
				: (uint32_t)session_enabled_state(st));

	if (c->cid_known)
		prop_uint(&b, "ConnectionID", CIM_T_UINT32, c->cid);
	else
		prop_null(&b, "ConnectionID", CIM_T_UINT32);

	/* A refused login left nothing in effect (cim-mapping.md). */
	bool failed = conn_login_failed(c);
	/* Perspective target: it receives what it declared itself. */
	const struct neg_result *rx =
	    persp == PERSP_INITIATOR ? &v->mrdsl_initiator : &v->mrdsl_target;
	const struct neg_result *tx =
	    persp == PERSP_INITIATOR ? &v->mrdsl_target : &v->mrdsl_initiator;
	if (neg_result_has_value(rx) && !failed)
		prop_uint(&b, "MaxReceiveDataSegmentLength", CIM_T_UINT32,
			  rx->v);
	else
		prop_null(&b, "MaxReceiveDataSegmentLength", CIM_T_UINT32);
	if (neg_result_has_value(tx) && !failed)
		prop_uint(&b, "MaxTransmitDataSegmentLength", CIM_T_UINT32,
			  tx->v);
	else
		prop_null(&b, "MaxTransmitDataSegmentLength", CIM_T_UINT32);

	prop_digest(&b, "HeaderDigestMethod", &v->header_digest, failed);
	prop_digest(&b, "DataDigestMethod", &v->data_digest, failed);

	bool i2t = marker_on(&v->ofmarker), t2i = marker_on(&v->ifmarker);
	if (failed) {
		prop_null(&b, "ReceivingMarkers", CIM_T_BOOLEAN);
		prop_null(&b, "SendingMarkers", CIM_T_BOOLEAN);
	} else {
		prop_uint(&b, "ReceivingMarkers", CIM_T_BOOLEAN,
			  persp == PERSP_INITIATOR ? t2i : i2t);
		prop_uint(&b, "SendingMarkers", CIM_T_BOOLEAN,
			  persp == PERSP_INITIATOR ? i2t : t2i);
	}

	/* Typed boolean by the DMTF schema and Microsoft's class: TRUE for
	 * any Version-active but 0. The number is VersionActive
	 * (cim_conn_ext_props). */
	if (c->version_active >= 0 && c->version_active <= 255)
		prop_uint(&b, "ActiveiSCSIVersion", CIM_T_BOOLEAN,
			  c->version_active != 0);
	else
		prop_null(&b, "ActiveiSCSIVersion", CIM_T_BOOLEAN);

	if (neg_result_has_value(&v->auth_method) && auth_in_map(v->auth_method.v)) {
		uint32_t m;
		switch (v->auth_method.v) {
		case NEG_AUTH_NONE:
			m = 2;
			break;
		case NEG_AUTH_SRP:
			m = 3;
			break;
		case NEG_AUTH_CHAP:
			m = 4;
			break;
		case NEG_AUTH_KRB5:
			m = 5;
			break;
		default: /* auth_in_map() keeps SPKM out */
			m = 0;
			break;
		}
		prop_uint(&b, "AuthenticationMethodUsed", CIM_T_UINT16, m);
		prop_uint(&b, "MutualAuthentication", CIM_T_BOOLEAN,
			  m == 4 && c->neg.chap.mutual);
	} else {
		prop_null(&b, "AuthenticationMethodUsed", CIM_T_UINT16);
		prop_null(&b, "MutualAuthentication", CIM_T_BOOLEAN);
	}
	return b.n;
}

/* ---- ISCSIWATCH_ subclass properties (data/iscsiwatch.mof) ---- */

/* Files need no host: the same capture gives the same export anywhere. */
void cim_observed_by(const char *const *sources, size_t n, bool live,
		     char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	if (live) {
		char host[256];
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "?");
		host[sizeof(host) - 1] = '\0';
		int w = snprintf(buf, len, "%s: ", host);
		o = w < 0 ? 0 : (size_t)w < len ? (size_t)w : len - 1;
	}
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				 sources[i]);
		if (w < 0)
			break;
		o += (size_t)w < len - o ? (size_t)w : len - o - 1;
	}
}

/* SystemName (cim-mapping.md): the target portal seen from the target,
 * the initiator's address seen from the initiator. */
static void prop_system_name(struct builder *b, const struct sconn *c,
			     enum perspective persp)
{
	char a[64];
	if (!c) {
		prop_null(b, "SystemName", CIM_T_STRING);
	} else if (persp == PERSP_INITIATOR) {
		net_addr_str(&c->initiator.addr, a, sizeof(a));
		prop_str(b, "SystemName", a);
	} else {
		prop_str(b, "SystemName", cim_ep_str(&c->target, a, sizeof(a)));
	}
}

size_t cim_session_ext_props(const struct session *s, enum perspective persp,
			     const char *observed_by, struct cim_prop *out,
			     size_t max)
{
	struct builder b = {.out = out, .max = max};
	prop_system_name(&b, session_leading_conn(s), persp);
	prop_str(&b, "ObservedBy", observed_by);
	prop_str(&b, "InitiatorName",
		 s->initiator_name[0] ? s->initiator_name : NULL);
	prop_str(&b, "InitiatorAlias",
		 s->initiator_alias[0] ? s->initiator_alias : NULL);
	prop_str(&b, "TargetName", s->target_name[0] ? s->target_name : NULL);
	prop_str(&b, "TargetAlias", s->target_alias[0] ? s->target_alias : NULL);
	if (s->isid_known) {
		char isid[13];
		isid_hex(s->isid, isid);
		sappend(prop_new(&b, "ISID", CIM_T_STRING), "0x%s", isid);
	} else {
		prop_null(&b, "ISID", CIM_T_STRING);
	}
	if (s->tpgt_known)
		prop_uint(&b, "TPGT", CIM_T_UINT16, s->tpgt);
	else
		prop_null(&b, "TPGT", CIM_T_UINT16);
	return b.n;
}

size_t cim_conn_ext_props(const struct session *s, const struct sconn *c,
			  enum perspective persp, const char *observed_by,
			  struct cim_prop *out, size_t max)
{
	struct builder b = {.out = out, .max = max};
	char a[64];
	(void)s;
	prop_system_name(&b, c, persp);
	prop_str(&b, "ObservedBy", observed_by);
	prop_str(&b, "InitiatorAddress", cim_ep_str(&c->initiator, a, sizeof(a)));
	prop_str(&b, "TargetAddress", cim_ep_str(&c->target, a, sizeof(a)));
	/* Version-active of the final Login Response (RFC 7143 11.13.4):
	 * the number the inherited boolean ActiveiSCSIVersion cannot hold. */
	if (c->version_active >= 0 && c->version_active <= 255)
		prop_uint(&b, "VersionActive", CIM_T_UINT8,
			  (uint32_t)c->version_active);
	else
		prop_null(&b, "VersionActive", CIM_T_UINT8);
	return b.n;
}

/* ---- status numbers (cim-mapping.md): OperationalStatus, Status and
 * HealthState of a model status ---- */

uint16_t cim_op_status(enum sess_status st)
{
	static const uint16_t v[] = {
		[ST_STARTING] = 8, [ST_OK] = 2,    [ST_DEGRADED] = 3,
		[ST_STOPPING] = 9, [ST_LOST] = 13, [ST_STOPPED] = 10,
		[ST_ERROR] = 6,
	};
	return v[st];
}

const char *cim_status_word(enum sess_status st)
{
	static const char *const v[] = {
		[ST_STARTING] = "Starting", [ST_OK] = "OK",
		[ST_DEGRADED] = "Degraded", [ST_STOPPING] = "Stopping",
		[ST_LOST] = "Lost Comm",    [ST_STOPPED] = "Stopped",
		[ST_ERROR] = "Error",
	};
	return v[st];
}

uint16_t cim_health_state(enum sess_status st)
{
	switch (st) {
	case ST_OK:
	case ST_STOPPING:
	case ST_STOPPED:
		return 5;
	case ST_DEGRADED:
		return 10;
	case ST_LOST:
	case ST_ERROR:
		return 20;
	case ST_STARTING:
		break;
	}
	return 0;
}

/* ---- CIM enumeration names (the ValueMap/Values of CIM_iSCSISession,
 * CIM_iSCSIConnection and their parents) ---- */

struct cim_enum_val {
	uint16_t v;
	const char *name;
};

static const struct cim_enum_val e_opstatus[] = {
    {0, "Unknown"},       {1, "Other"},
    {2, "OK"},            {3, "Degraded"},
    {4, "Stressed"},      {5, "Predictive Failure"},
    {6, "Error"},         {7, "Non-Recoverable Error"},
    {8, "Starting"},      {9, "Stopping"},
    {10, "Stopped"},      {11, "In Service"},
    {12, "No Contact"},   {13, "Lost Communication"},
    {14, "Aborted"},      {15, "Dormant"},
    {16, "Supporting Entity in Error"}, {17, "Completed"},
    {18, "Power Mode"},   {0, NULL},
};
static const struct cim_enum_val e_health[] = {
    {0, "Unknown"},        {5, "OK"},
    {10, "Degraded/Warning"}, {15, "Minor failure"},
    {20, "Major failure"}, {25, "Critical failure"},
    {30, "Non-recoverable error"}, {0, NULL},
};
static const struct cim_enum_val e_enabled[] = {
    {0, "Unknown"},  {1, "Other"},          {2, "Enabled"},
    {3, "Disabled"}, {4, "Shutting Down"},  {5, "Not Applicable"},
    {6, "Enabled but Offline"}, {7, "In Test"}, {8, "Deferred"},
    {9, "Quiesce"},  {10, "Starting"},      {0, NULL},
};
static const struct cim_enum_val e_enabled_default[] = {
    {2, "Enabled"}, {3, "Disabled"}, {5, "Not Applicable"},
    {6, "Enabled but Offline"}, {7, "No Default"}, {9, "Quiesce"},
    {0, NULL},
};
static const struct cim_enum_val e_requested[] = {
    {0, "Unknown"},   {2, "Enabled"},  {3, "Disabled"}, {4, "Shut Down"},
    {5, "No Change"}, {6, "Offline"},  {7, "Test"},     {8, "Deferred"},
    {9, "Quiesce"},   {10, "Reboot"},  {11, "Reset"},   {12, "Not Applicable"},
    {0, NULL},
};
static const struct cim_enum_val e_aggregation[] = {
    {0, "Unknown"}, {2, "No Lower-Level Composition"},
    {3, "Combined In Parallel"}, {4, "Combined In Sequence"}, {0, NULL},
};
static const struct cim_enum_val e_direction[] = {
    {0, "Unknown"}, {2, "Bi-Directional"}, {3, "Uni-Directional"},
    {0, NULL},
};
static const struct cim_enum_val e_session_type[] = {
    {0, "Unknown"}, {1, "Other"}, {2, "Discovery"}, {3, "Normal"},
    {0, NULL},
};
static const struct cim_enum_val e_digest[] = {
    {0, "Unknown"}, {1, "Other"}, {2, "No Digest"}, {3, "CRC32C"},
    {0, NULL},
};
static const struct cim_enum_val e_auth[] = {
    {0, "Unknown"}, {1, "Other"}, {2, "No Authentication"}, {3, "SRP"},
    {4, "CHAP"},    {5, "Kerberos"}, {0, NULL},
};

static const struct {
	const char *prop;
	const struct cim_enum_val *vals;
} enum_props[] = {
    {"OperationalStatus", e_opstatus},
    {"HealthState", e_health},
    {"EnabledState", e_enabled},
    {"EnabledDefault", e_enabled_default},
    {"RequestedState", e_requested},
    {"AggregationBehavior", e_aggregation},
    {"Directionality", e_direction},
    {"SessionType", e_session_type},
    {"HeaderDigestMethod", e_digest},
    {"DataDigestMethod", e_digest},
    {"AuthenticationMethodUsed", e_auth},
};

const char *cim_enum_name(const char *prop, uint32_t v)
{
	for (size_t i = 0; i < sizeof(enum_props) / sizeof(enum_props[0]); i++) {
		if (strcmp(enum_props[i].prop, prop) != 0)
			continue;
		for (const struct cim_enum_val *e = enum_props[i].vals; e->name; e++)
			if (e->v == v)
				return e->name;
		return NULL;
	}
	return NULL;
}
