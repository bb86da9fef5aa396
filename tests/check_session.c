/* The session model: states over a session's life, MC/S, reinstatement,
 * logout reasons, retain expiry, caps. Driven directly, as track.c does. */
#include "check_suites.h"
#include "cim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_who.h"
#include "flow.h"
#include "session.h"

#define SEC 1000000000ull

static const uint8_t ISID[6] = {0x80, 1, 2, 3, 0, 1};

struct rig {
	struct counters ctr;
	struct session_table *st;
	struct flow flow[8];
	struct neg neg;
	int nevents;
	char last_kind[32];
	char last[SESS_EVENT_DETAIL_MAX]; /* detail of the last event */
	const char *last_ptr;             /* as the listener got it */
	const struct session *ev_sess[64]; /* of event i, i < 64 */
	bool last_has_conn;               /* the listener got a connection */
	struct event_who last_who;        /* who the last event named */
};

static void on_event(void *user, const struct session *s,
		     const struct sconn *c, const struct sess_event *ev)
{
	struct rig *r = user;
	r->last_has_conn = c != NULL;
	event_who_fill(s, c, &r->last_who);
	if (r->nevents < 64)
		r->ev_sess[r->nevents] = s;
	r->nevents++;
	snprintf(r->last_kind, sizeof(r->last_kind), "%s", ev->kind);
	snprintf(r->last, sizeof(r->last), "%s", ev->detail);
	r->last_ptr = ev->detail;
}

/* Feeds NUL-separated key=value text (written with '|' for NUL). */
static void text(struct neg *n, enum neg_side side, const char *t)
{
	char buf[1024];
	size_t len = strlen(t);
	ck_assert_uint_lt(len, sizeof(buf));
	for (size_t i = 0; i < len; i++)
		buf[i] = t[i] == '|' ? '\0' : t[i];
	neg_text(n, side, (const uint8_t *)buf, len);
}

static void rig_init(struct rig *r, size_t max_sessions)
{
	memset(r, 0, sizeof(*r));
	r->st = session_table_new(max_sessions, &r->ctr);
	struct session_listener l = {r, on_event};
	session_table_listen(r->st, &l);
	for (int i = 0; i < 8; i++) {
		r->flow[i].id = (uint64_t)i;
		r->flow[i].ep[0].addr.family = 4;
		r->flow[i].ep[0].port = (uint16_t)(40000 + i);
		r->flow[i].ep[1].addr.family = 4;
		r->flow[i].ep[1].port = 3260;
		r->flow[i].target = 1;
	}
	neg_init(&r->neg);
	text(&r->neg, NEG_INITIATOR,
	     "InitiatorName=iqn.2026-11.test:i|TargetName=iqn.2026-11.test:t|"
	     "SessionType=Normal|MaxConnections=4|DefaultTime2Wait=2|"
	     "DefaultTime2Retain=3|");
	text(&r->neg, NEG_TARGET,
	     "TargetPortalGroupTag=1|MaxConnections=4|DefaultTime2Wait=2|"
	     "DefaultTime2Retain=3|");
}

static void rig_free(struct rig *r)
{
	neg_free(&r->neg);
	session_table_free(r->st);
}

/* A login on flow `fi`: begin at t, final response at t+1. */
static struct sconn *login(struct rig *r, struct session **sp, int fi,
			   uint64_t t, uint16_t tsih, uint16_t cid,
			   uint8_t cls, uint16_t assigned)
{
	struct session *s = session_login_begin(r->st, t, &r->neg, ISID, tsih,
						r->flow[fi].domain);
	ck_assert_ptr_nonnull(s);
	struct sconn *c = session_conn_add(r->st, s, &r->flow[fi], 0, t, true);
	ck_assert_ptr_nonnull(c);
	c->leading = tsih == 0;
	c->cid = cid;
	c->cid_known = true;
	if (tsih == 0)
		s->install_ns = t;
	ck_assert_int_eq(neg_copy(&c->neg, &r->neg), 0);
	session_login_end(r->st, s, c, t + 1, cls, 0x01, assigned, 0);
	*sp = s;
	return c;
}

START_TEST(test_life_logout)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s = session_login_begin(r.st, 10 * SEC, &r.neg, ISID, 0, 0);
	ck_assert_int_eq(s->status, ST_STARTING);
	ck_assert_int_eq(session_enabled_state(s->status), CIM_STARTING);
	ck_assert_uint_eq(cim_op_status(s->status), 8);
	struct sconn *c = session_conn_add(r.st, s, &r.flow[0], 0, 10 * SEC, true);
	c->leading = true;
	c->cid_known = true;
	ck_assert_int_eq(neg_copy(&c->neg, &r.neg), 0);
	session_login_end(r.st, s, c, 11 * SEC, 0, 0, 0x0105, 0);
	ck_assert_int_eq(s->status, ST_OK);
	ck_assert_uint_eq(s->tsih, 0x0105);
	ck_assert(s->tsih_known && s->tpgt_known);
	ck_assert_uint_eq(s->tpgt, 1);
	ck_assert_uint_eq(s->state_ns, 11 * SEC);
	ck_assert_uint_eq(session_current_connections(s), 1);
	ck_assert_uint_eq(cim_health_state(s->status), 5);

	session_logout_request(r.st, s, c, 20 * SEC, 0, 0);
	ck_assert_int_eq(s->status, ST_STOPPING);
	ck_assert_int_eq(session_enabled_state(s->status), CIM_SHUTTING_DOWN);
	session_logout_response(r.st, s, c, 21 * SEC, 0);
	ck_assert_int_eq(s->status, ST_STOPPED);
	ck_assert_int_eq(s->end_reason, END_LOGOUT);
	ck_assert_int_eq(c->phase, CP_ENDED);
	ck_assert_uint_eq(s->state_ns, 21 * SEC);
	ck_assert_uint_eq(cim_op_status(s->status), 10);
	ck_assert_str_eq(r.last_kind, "session_ended");
	/* The TCP close after a logout changes nothing. */
	session_conn_closed(r.st, s, c, 22 * SEC, false);
	ck_assert_int_eq(s->status, ST_STOPPED);
	ck_assert_uint_eq(s->state_ns, 21 * SEC);
	rig_free(&r);
}
END_TEST

START_TEST(test_mcs_and_conn_reinstatement)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s, *s2;
	struct sconn *c0 = login(&r, &s, 0, 1 * SEC, 0, 0, 0, 7);
	struct sconn *c1 = login(&r, &s2, 1, 2 * SEC, 7, 1, 0, 7);
	ck_assert_ptr_eq(s, s2); /* joined by TSIH */
	ck_assert_uint_eq(session_current_connections(s), 2);
	ck_assert_uint_eq(session_count(r.st), 1);
	/* CID 1 drops without logout: degraded, one connection left. */
	session_conn_closed(r.st, s, c1, 3 * SEC, false);
	ck_assert_int_eq(c1->phase, CP_LOST);
	ck_assert_int_eq(s->status, ST_DEGRADED);
	ck_assert(s->degraded & DEG_CONN_LOST);
	ck_assert_uint_eq(cim_health_state(s->status), 10);
	/* CID 1 logs in again: connection reinstatement, healthy again. */
	struct sconn *c1b = login(&r, &s2, 2, 4 * SEC, 7, 1, 0, 7);
	ck_assert_ptr_eq(s, s2);
	ck_assert_int_eq(c1->phase, CP_ENDED);
	ck_assert_int_eq(c1->end_reason, END_CONN_REINSTATED);
	ck_assert_int_eq(s->status, ST_OK);
	ck_assert(!(s->degraded & DEG_CONN_LOST));
	/* Close-connection logout of CID 1 sent on CID 0. */
	session_logout_request(r.st, s, c0, 5 * SEC, 1, 1);
	ck_assert_int_eq(c1b->phase, CP_LOGOUT);
	ck_assert_int_eq(s->status, ST_OK);
	session_logout_response(r.st, s, c0, 6 * SEC, 0);
	ck_assert_int_eq(c1b->phase, CP_ENDED);
	ck_assert_int_eq(c0->phase, CP_FULL);
	ck_assert_int_eq(s->status, ST_OK);
	ck_assert_uint_eq(session_current_connections(s), 1);
	/* A target that closes CID 1 after the logout request without a
	 * response: logged out all the same. */
	struct sconn *c1c = login(&r, &s2, 3, 6 * SEC + 10, 7, 1, 0, 7);
	session_logout_request(r.st, s, c0, 6 * SEC + 20, 1, 1);
	session_conn_closed(r.st, s, c1c, 6 * SEC + 30, false);
	ck_assert_int_eq(c1c->phase, CP_ENDED);
	ck_assert_int_eq(c1c->end_reason, END_LOGOUT);
	ck_assert_int_eq(s->status, ST_OK);
	/* Remove-for-recovery of the last connection: the session waits
	 * for recovery like a lost one, then expires. */
	session_logout_request(r.st, s, c0, 7 * SEC, 2, 0);
	session_logout_response(r.st, s, c0, 8 * SEC, 0);
	ck_assert_int_eq(s->status, ST_LOST);
	session_table_tick(r.st, 13 * SEC);
	ck_assert_int_eq(s->status, ST_STOPPED);
	ck_assert_int_eq(s->end_reason, END_RETAIN_EXPIRED);
	rig_free(&r);
}
END_TEST

START_TEST(test_lost_then_retain_expired)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s;
	struct sconn *c = login(&r, &s, 0, 1 * SEC, 0, 0, 0, 3);
	session_conn_closed(r.st, s, c, 10 * SEC, false);
	ck_assert_int_eq(s->status, ST_LOST);
	ck_assert_int_eq(session_enabled_state(s->status), CIM_ENABLED_OFFLINE);
	ck_assert_uint_eq(cim_op_status(s->status), 13);
	ck_assert_uint_eq(cim_health_state(s->status), 20);
	ck_assert_uint_eq(s->lost_ns, 10 * SEC);
	/* Time2Wait 2 + Time2Retain 3 = 5 s. */
	session_table_tick(r.st, 14 * SEC);
	ck_assert_int_eq(s->status, ST_LOST);
	session_table_tick(r.st, 15 * SEC);
	ck_assert_int_eq(s->status, ST_STOPPED);
	ck_assert_int_eq(s->end_reason, END_RETAIN_EXPIRED);
	ck_assert_uint_eq(s->state_ns, 15 * SEC); /* when it expired */
	rig_free(&r);
}
END_TEST

START_TEST(test_capture_end_is_not_a_close)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s;
	struct sconn *c = login(&r, &s, 0, 1 * SEC, 0, 0, 0, 3);
	session_conn_closed(r.st, s, c, 9 * SEC, true);
	ck_assert_int_eq(s->status, ST_OK);
	ck_assert_int_eq(c->phase, CP_FULL);
	ck_assert_uint_eq(session_current_connections(s), 1);
	rig_free(&r);
}
END_TEST

START_TEST(test_session_reinstatement)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *a, *b;
	login(&r, &a, 0, 1 * SEC, 0, 0, 0, 3);
	login(&r, &b, 1, 5 * SEC, 0, 0, 0, 4);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(a->status, ST_STOPPED);
	ck_assert_int_eq(a->end_reason, END_REINSTATED);
	ck_assert_int_eq(a->conns->phase, CP_ENDED);
	ck_assert_int_eq(b->status, ST_OK);
	ck_assert_uint_eq(b->tsih, 4);
	rig_free(&r);
}
END_TEST

/* Two tenants (two layer-2 domains: VLANs, VNIs, GRE keys) running the
 * same initiator, ISID and target are two nexuses: one's leading login
 * does not reinstate the other's session, nor does a connection of one
 * join the other's TSIH; within one domain both still happen. */
START_TEST(test_domains_apart)
{
	struct rig r;
	rig_init(&r, 0);
	r.flow[1].domain = 0x1001ull << 24 | 1ull << 61;
	r.flow[2].domain = 0x1002ull << 24 | 1ull << 61;
	r.flow[3].domain = r.flow[2].domain;
	struct session *a, *b, *j, *k;
	login(&r, &a, 1, 1 * SEC, 0, 1, 0, 3);
	login(&r, &b, 2, 2 * SEC, 0, 1, 0, 3);
	ck_assert_ptr_ne(a, b);
	ck_assert_int_eq(a->status, ST_OK);
	ck_assert_int_eq(b->status, ST_OK);
	/* MC/S: TSIH 3 in b's domain joins b, not a. */
	login(&r, &j, 3, 3 * SEC, 3, 2, 0, 3);
	ck_assert_ptr_eq(j, b);
	ck_assert_uint_eq(session_current_connections(a), 1);
	ck_assert_uint_eq(session_current_connections(b), 2);
	/* A new leading login in a's domain reinstates a only. */
	login(&r, &k, 1, 4 * SEC, 0, 1, 0, 4);
	ck_assert_int_eq(a->end_reason, END_REINSTATED);
	ck_assert_int_eq(b->status, ST_OK);
	ck_assert_int_eq(k->status, ST_OK);
	rig_free(&r);
}
END_TEST

START_TEST(test_failed_and_abandoned)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s;
	struct sconn *c = login(&r, &s, 0, 1 * SEC, 0, 0, 2, 0);
	ck_assert_int_eq(s->status, ST_ERROR);
	ck_assert_uint_eq(s->fail_class, 2);
	ck_assert_uint_eq(s->fail_detail, 1);
	ck_assert_int_eq(c->end_reason, END_LOGIN_FAILED);
	ck_assert(!s->tsih_known);
	ck_assert_uint_eq(cim_health_state(s->status), 20);
	ck_assert_str_eq(r.last_kind, "session_failed");
	/* A login whose connection closes before the final response. */
	struct session *t = session_login_begin(r.st, 2 * SEC, &r.neg, ISID, 0, 0);
	struct sconn *d = session_conn_add(r.st, t, &r.flow[1], 0, 2 * SEC, true);
	d->leading = true;
	session_conn_closed(r.st, t, d, 3 * SEC, false);
	ck_assert_int_eq(t->status, ST_ERROR);
	ck_assert_int_eq(d->phase, CP_ENDED);
	char why[128];
	ck_assert_str_eq(session_fail_str(s, why, sizeof(why)),
			 "authentication failure (0x0201)");
	ck_assert_str_eq(session_fail_verb(s), "failed");
	/* closed before any Login Response: named, never "success" */
	ck_assert_str_eq(session_fail_str(t, why, sizeof(why)),
			 "no response (connection closed)");
	/* closed after a (non-final) Login Response */
	struct session *u = session_login_begin(r.st, 4 * SEC, &r.neg, ISID, 0, 0);
	struct sconn *e = session_conn_add(r.st, u, &r.flow[1], 0, 4 * SEC, true);
	e->leading = true;
	e->login_responses = 1;
	session_conn_closed(r.st, u, e, 5 * SEC, false);
	ck_assert_str_eq(session_fail_str(u, why, sizeof(why)),
			 "connection closed during login");
	rig_free(&r);
}
END_TEST

/* SendTargets results keep each TargetAddress value whole (a ';' inside
 * one is not a separator) and count what they could not keep. */
START_TEST(test_discovered_addresses)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s = session_orphan(r.st, 1 * SEC);
	static const char *const two[] = {"192.0.2.9:3260,1", "a;b:3260,2"};
	session_discovered(s, "iqn.x:t", two, 2, 3, false);
	const struct discovered_target *t = &s->targets[0];
	ck_assert_uint_eq(t->naddr, 2);
	ck_assert_str_eq(session_target_addr(t, 0), "192.0.2.9:3260,1");
	ck_assert_str_eq(session_target_addr(t, 1), "a;b:3260,2");
	ck_assert_uint_eq(t->addr_dropped, 3);
	ck_assert(!t->truncated);
	/* values that do not fit the buffer whole are dropped, counted */
	char big[200];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const char *const bigs[] = {big, big};
	session_discovered(s, "iqn.x:u", bigs, 2, 0, true);
	t = &s->targets[1];
	ck_assert_uint_eq(t->naddr, 1);
	ck_assert_uint_eq(t->addr_dropped, 1);
	ck_assert(t->truncated);
	rig_free(&r);
}
END_TEST

/* A Reject answering a Login PDU ends the login (RFC 7143 §11.17). */
START_TEST(test_login_rejected)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s = session_login_begin(r.st, 1 * SEC, &r.neg, ISID, 0, 0);
	struct sconn *c = session_conn_add(r.st, s, &r.flow[0], 0, 1 * SEC, true);
	c->leading = true;
	session_login_rejected(r.st, s, c, 2 * SEC, 0x04);
	ck_assert_int_eq(s->status, ST_ERROR);
	ck_assert_int_eq(c->phase, CP_ENDED);
	ck_assert_int_eq(c->end_reason, END_LOGIN_FAILED);
	char why[128];
	ck_assert_str_eq(session_fail_str(s, why, sizeof(why)),
			 "rejected (protocol error)");
	ck_assert_str_eq(r.last_kind, "session_failed");
	/* a Reject after the login is trouble, not a failed login */
	struct session *t;
	struct sconn *d = login(&r, &t, 1, 3 * SEC, 0, 0, 0, 7);
	session_login_rejected(r.st, t, d, 4 * SEC, 0x04);
	ck_assert_int_eq(t->status, ST_OK);
	rig_free(&r);
}
END_TEST

START_TEST(test_logout_refused_and_unrequested)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s;
	struct sconn *c = login(&r, &s, 0, 1 * SEC, 0, 0, 0, 3);
	session_logout_request(r.st, s, c, 2 * SEC, 0, 0);
	session_logout_response(r.st, s, c, 3 * SEC, 3); /* cleanup failed */
	ck_assert_int_eq(s->status, ST_OK);
	ck_assert_int_eq(c->phase, CP_FULL);
	/* A response whose request the capture missed. */
	session_logout_response(r.st, s, c, 4 * SEC, 0);
	ck_assert_int_eq(s->status, ST_STOPPED);
	/* The request framed late changes nothing any more. */
	session_logout_request(r.st, s, c, 5 * SEC, 0, 0);
	ck_assert_int_eq(s->status, ST_STOPPED);
	rig_free(&r);
}
END_TEST

START_TEST(test_orphan_and_trouble)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s = session_orphan(r.st, 1 * SEC);
	struct sconn *c = session_conn_add(r.st, s, &r.flow[0], 0, 1 * SEC, false);
	ck_assert(!s->login_observed);
	ck_assert_int_eq(c->phase, CP_FULL);
	ck_assert_int_eq(s->status, ST_OK);
	session_conn_trouble(r.st, s, c, 2 * SEC, DEG_DIGEST, "digest errors");
	ck_assert_int_eq(s->status, ST_DEGRADED);
	int n = r.nevents;
	session_conn_trouble(r.st, s, c, 3 * SEC, DEG_DIGEST, "digest errors");
	ck_assert_int_eq(r.nevents, n); /* told once */
	session_conn_trouble(r.st, s, c, 3 * SEC, DEG_GAP, "gap");
	ck_assert(s->incomplete);
	rig_free(&r);
}
END_TEST

/* Capture loss (a TCP gap, kernel drops) is the sensor's: the session
 * is marked incomplete and told once, its status and health stay. */
START_TEST(test_capture_loss_not_degrading)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s = session_orphan(r.st, 1 * SEC);
	struct sconn *c = session_conn_add(r.st, s, &r.flow[0], 0, 1 * SEC, false);
	ck_assert_int_eq(s->status, ST_OK);
	int n = r.nevents;
	session_conn_trouble(r.st, s, c, 2 * SEC, DEG_GAP, "gap");
	ck_assert_int_eq(s->status, ST_OK);
	ck_assert_uint_eq(cim_health_state(s->status), 5);
	ck_assert(s->incomplete);
	ck_assert_uint_eq(s->degraded, 0);
	ck_assert_int_eq(r.nevents, n + 1);
	ck_assert_str_eq(r.last_kind, "capture_gap");
	session_conn_trouble(r.st, s, c, 3 * SEC, DEG_GAP, "gap");
	ck_assert_int_eq(r.nevents, n + 1); /* told once */
	/* Kernel drops on a second session: incomplete, one event, OK. */
	struct session *s2 = session_orphan(r.st, 4 * SEC);
	session_conn_add(r.st, s2, &r.flow[1], 0, 4 * SEC, false);
	n = r.nevents;
	session_table_capture_loss(r.st, 5 * SEC, "drops");
	ck_assert_int_eq(s2->status, ST_OK);
	ck_assert(s2->incomplete);
	ck_assert_int_eq(r.nevents, n + 1);
	ck_assert_str_eq(r.last_kind, "capture_loss");
	rig_free(&r);
}
END_TEST

/* Issue 10: an event keeps its detail at its own length (an idle
 * session's few events no longer cost 160 bytes each), bounded by
 * SESS_EVENT_DETAIL_MAX; the ring starts at SESSION_EVENTS_MIN and the
 * listener sees the same text as the history. */
START_TEST(test_event_detail_compact)
{
	struct rig r;
	rig_init(&r, 4);
	struct session *s = session_orphan(r.st, 1);
	ck_assert_ptr_nonnull(s);
	/* session_found, said with the first connection. */
	ck_assert_ptr_nonnull(session_conn_add(r.st, s, &r.flow[0], 0, 1, false));
	ck_assert_uint_eq(s->nevents, 1);
	ck_assert_uint_eq(s->events_cap, SESSION_EVENTS_MIN);
	session_event(r.st, s, NULL, 2, "test", "%s", "short");
	const struct sess_event *e = session_event_at(s, 1);
	ck_assert_str_eq(e->detail, "short");
	ck_assert_str_eq(r.last, "short");
	ck_assert_ptr_ne(e->detail, r.last_ptr); /* the history's own copy */
	char big[400];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	session_event(r.st, s, NULL, 3, "test", "%s", big);
	e = session_event_at(s, 2);
	ck_assert_uint_eq(strlen(e->detail), SESS_EVENT_DETAIL_MAX - 1);
	ck_assert_str_eq(e->detail, r.last);
	/* Growing the ring keeps the order and the texts. */
	for (unsigned i = 0; i < SESSION_EVENTS_MIN; i++)
		session_event(r.st, s, NULL, 4 + i, "test", "n%u", i);
	ck_assert_uint_gt(s->events_cap, SESSION_EVENTS_MIN);
	ck_assert_str_eq(session_event_at(s, 1)->detail, "short");
	ck_assert_str_eq(session_event_at(s, s->nevents - 1)->detail, "n3");
	ck_assert_uint_eq(s->events_dropped, 0);
	rig_free(&r);
}
END_TEST

/* The event that opens a session - session_starting for a leading
 * login, session_found for a login with a TSIH or for traffic without a
 * login - is said when its first connection is added: session-wide (no
 * connection, so no CID), but naming that connection's addresses, as
 * every later event does (docs/output.md, NDJSON events). */
START_TEST(test_opening_event_who)
{
	static const struct {
		uint16_t tsih; /* of the login (0: leading); the last: no login */
		const char *kind, *detail;
	} v[] = {
	    {0, "session_starting", "leading login from iqn.2026-11.test:i"},
	    {0x0105, "session_found",
	     "connection login with TSIH 0x0105; leading login not captured"},
	    {2, "session_found", "full feature traffic without a captured login"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct rig r;
		rig_init(&r, 4);
		r.flow[3].ep[0].addr.a[0] = 192;
		r.flow[3].ep[0].addr.a[3] = 7;
		r.flow[3].ep[1].addr.a[0] = 10;
		r.flow[3].ep[1].addr.a[3] = 9;
		struct session *s =
		    i == 2 ? session_orphan(r.st, 5 * SEC)
			   : session_login_begin(r.st, 5 * SEC, &r.neg, ISID,
						 v[i].tsih, 0);
		ck_assert_ptr_nonnull(s);
		ck_assert_int_eq(r.nevents, 0);
		ck_assert_ptr_nonnull(
		    session_conn_add(r.st, s, &r.flow[3], 0, 5 * SEC, i != 2));
		ck_assert_int_eq(r.nevents, 1);
		ck_assert_str_eq(r.last_kind, v[i].kind);
		ck_assert_str_eq(r.last, v[i].detail);
		ck_assert_uint_eq(session_event_at(s, 0)->ts_ns, 5 * SEC);
		ck_assert(!r.last_has_conn);
		ck_assert_str_eq(r.last_who.initiator_addr, "192.0.0.7");
		ck_assert_int_eq(r.last_who.initiator_port, 40003);
		ck_assert_str_eq(r.last_who.target_addr, "10.0.0.9");
		ck_assert_int_eq(r.last_who.target_port, 3260);
		/* Said once: a second connection adds no opening event. */
		ck_assert_ptr_nonnull(
		    session_conn_add(r.st, s, &r.flow[4], 0, 6 * SEC, i != 2));
		ck_assert_int_eq(r.nevents, 1);
		rig_free(&r);
	}
}
END_TEST

START_TEST(test_caps)
{
	struct rig r;
	rig_init(&r, 2);
	struct session *s = session_orphan(r.st, 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(session_orphan(r.st, 2));
	ck_assert_ptr_null(session_orphan(r.st, 3));
	ck_assert_uint_eq(r.ctr.v[CTR_SESSIONS_CAP_HIT], 1);
	ck_assert_uint_eq(session_count(r.st), 2);
	/* The event ring keeps the newest SESSION_EVENTS_MAX. */
	ck_assert_ptr_eq(session_first(r.st), s);
	for (unsigned i = 0; i < SESSION_EVENTS_MAX + 10; i++)
		session_event(r.st, s, NULL, 100 + i, "test", "event %u", i);
	ck_assert_uint_eq(s->nevents, SESSION_EVENTS_MAX);
	/* session_found waits for the first connection (added below). */
	ck_assert_uint_eq(s->events_dropped, 10);
	const struct sess_event *newest = session_event_at(s, s->nevents - 1);
	char want[32];
	snprintf(want, sizeof(want), "event %u", SESSION_EVENTS_MAX + 9);
	ck_assert_str_eq(newest->detail, want);
	/* Connections: at the cap, the oldest ended one makes room - one
	 * whose TCP connection closed; a logged-out one still open is held
	 * by the tracker and stays. */
	struct sconn *held = NULL;
	for (unsigned i = 0; i < SESSION_CONNS_MAX; i++) {
		struct sconn *c = session_conn_add(r.st, s, &r.flow[i % 8], 0, i, false);
		ck_assert_ptr_nonnull(c);
		if (i == 0)
			ck_assert_str_eq(
			    session_event_at(s, s->nevents - 1)->kind,
			    "session_found");
		if (i == 3) {
			c->phase = CP_ENDED; /* logged out, TCP still open */
			held = c;
		}
		if (i == 5)
			session_conn_closed(r.st, s, c, 50, false);
	}
	ck_assert_uint_eq(s->nconns, SESSION_CONNS_MAX);
	ck_assert_ptr_nonnull(session_conn_add(r.st, s, &r.flow[0], 0, 999, false));
	ck_assert_uint_eq(s->nconns, SESSION_CONNS_MAX);
	ck_assert(s->incomplete);
	/* All live or held: no room, nothing grows. */
	ck_assert_ptr_null(session_conn_add(r.st, s, &r.flow[0], 0, 1000, false));
	bool still = false;
	for (const struct sconn *c = s->conns; c; c = c->next)
		still |= c == held;
	ck_assert(still);
	rig_free(&r);
}
END_TEST

/* ---- indexes: the same answers as a scan over every session ---- */

/* The rig's negotiation with other names. */
static void neg_named(struct neg *n, const char *iname, const char *tname)
{
	char t[512];
	neg_init(n);
	snprintf(t, sizeof(t),
		 "InitiatorName=%s|TargetName=%s|SessionType=Normal|"
		 "MaxConnections=4|DefaultTime2Wait=2|DefaultTime2Retain=3|",
		 iname, tname);
	text(n, NEG_INITIATOR, t);
	text(n, NEG_TARGET,
	     "TargetPortalGroupTag=1|MaxConnections=4|"
	     "DefaultTime2Wait=2|DefaultTime2Retain=3|");
}

static struct sconn *login_as(struct rig *r, struct session **sp,
			      const struct neg *n, const uint8_t isid[6],
			      int fi, uint64_t t, uint16_t tsih, uint16_t cid,
			      uint16_t assigned)
{
	struct session *s = session_login_begin(r->st, t, n, isid, tsih,
						r->flow[fi].domain);
	ck_assert_ptr_nonnull(s);
	struct sconn *c = session_conn_add(r->st, s, &r->flow[fi], 0, t, true);
	ck_assert_ptr_nonnull(c);
	c->leading = tsih == 0;
	c->cid = cid;
	c->cid_known = true;
	ck_assert_int_eq(neg_copy(&c->neg, n), 0);
	session_login_end(r->st, s, c, t + 1, 0, 0, assigned, 0);
	*sp = s;
	return c;
}

#define MANY 2000 /* well past the index's first size: it grows */

/* Reinstatement (§6.3.5) among thousands of live sessions: only the
 * session of the same ISID, names and TPGT ends. */
START_TEST(test_index_reinstatement_among_many)
{
	struct rig r;
	rig_init(&r, MANY + 10);
	struct session **all = calloc(MANY, sizeof(*all));
	ck_assert_ptr_nonnull(all);
	struct neg n;
	neg_named(&n, "iqn.2026-11.test:i", "iqn.2026-11.test:t");
	for (unsigned i = 0; i < MANY; i++) {
		uint8_t isid[6] = {0x80,      1, 2, 3, (uint8_t)(i >> 8),
				   (uint8_t)i};
		login_as(&r, &all[i], &n, isid, 0, (uint64_t)i * SEC, 0, 0,
			 (uint16_t)(i + 1));
	}
	uint8_t isid[6] = {0x80, 1, 2, 3, 1234 >> 8, 1234 & 0xff};
	struct session *b;
	login_as(&r, &b, &n, isid, 1, (uint64_t)MANY * SEC, 0, 0, 9);
	for (unsigned i = 0; i < MANY; i++)
		ck_assert_int_eq(all[i]->status,
				 i == 1234 ? ST_STOPPED : ST_OK);
	ck_assert_int_eq(all[1234]->end_reason, END_REINSTATED);
	ck_assert_int_eq(b->status, ST_OK);
	/* Another target, same initiator and ISID: another nexus. */
	struct neg other;
	neg_named(&other, "iqn.2026-11.test:i", "iqn.2026-11.test:t2");
	struct session *c;
	login_as(&r, &c, &other, isid, 2, (uint64_t)(MANY + 1) * SEC, 0, 0, 9);
	ck_assert_int_eq(b->status, ST_OK);
	/* A different TPGT is a different portal group: no reinstatement. */
	struct neg tp;
	neg_init(&tp);
	text(&tp, NEG_INITIATOR,
	     "InitiatorName=iqn.2026-11.test:i|"
	     "TargetName=iqn.2026-11.test:t2|");
	text(&tp, NEG_TARGET, "TargetPortalGroupTag=2|");
	struct session *d;
	login_as(&r, &d, &tp, isid, 3, (uint64_t)(MANY + 2) * SEC, 0, 0, 10);
	ck_assert_uint_eq(d->tpgt, 2);
	ck_assert_int_eq(c->status, ST_OK);
	ck_assert_int_eq(d->status, ST_OK);
	neg_free(&n);
	neg_free(&other);
	neg_free(&tp);
	free(all);
	rig_free(&r);
}
END_TEST

/* A target numbers its own sessions: the same TSIH from other
 * initiators, or to other targets, is another session; a connection
 * joins (MC/S) only the live session of its own identity. */
START_TEST(test_index_tsih_reuse_and_mcs_join)
{
	struct rig r;
	rig_init(&r, 0);
	struct neg a, b, t2;
	neg_named(&a, "iqn.2026-11.test:a", "iqn.2026-11.test:t");
	neg_named(&b, "iqn.2026-11.test:b", "iqn.2026-11.test:t");
	neg_named(&t2, "iqn.2026-11.test:a", "iqn.2026-11.test:t2");
	struct session *sa, *sb, *st2, *j;
	login_as(&r, &sa, &a, ISID, 0, 1 * SEC, 0, 0, 7);
	login_as(&r, &sb, &b, ISID, 1, 2 * SEC, 0, 0, 7);
	login_as(&r, &st2, &t2, ISID, 2, 3 * SEC, 0, 0, 7);
	ck_assert_int_eq(sa->status, ST_OK);
	ck_assert_int_eq(sb->status, ST_OK);
	ck_assert_int_eq(st2->status, ST_OK);
	/* Second connections with TSIH 7: each joins its own session. */
	login_as(&r, &j, &b, ISID, 3, 4 * SEC, 7, 1, 7);
	ck_assert_ptr_eq(j, sb);
	ck_assert_uint_eq(sb->nconns, 2);
	login_as(&r, &j, &a, ISID, 4, 5 * SEC, 7, 1, 7);
	ck_assert_ptr_eq(j, sa);
	login_as(&r, &j, &t2, ISID, 5, 6 * SEC, 7, 1, 7);
	ck_assert_ptr_eq(j, st2);
	ck_assert_uint_eq(session_count(r.st), 3);
	/* Another ISID with TSIH 7: not a's session; one is made. */
	uint8_t isid2[6] = {0x80, 9, 9, 9, 0, 2};
	login_as(&r, &j, &a, isid2, 6, 7 * SEC, 7, 0, 7);
	ck_assert_ptr_ne(j, sa);
	ck_assert_uint_eq(session_count(r.st), 4);
	/* An ended session is never joined: b logs out, then a connection
	 * with b's identity and TSIH is a session whose login was missed. */
	session_logout_request(r.st, sb, sb->conns, 8 * SEC, 0, 0);
	session_logout_response(r.st, sb, sb->conns, 8 * SEC + 1, 0);
	ck_assert_int_eq(sb->status, ST_STOPPED);
	login_as(&r, &j, &b, ISID, 7, 9 * SEC, 7, 0, 7);
	ck_assert_ptr_ne(j, sb);
	ck_assert(!j->login_observed);
	ck_assert_uint_eq(session_count(r.st), 5);
	neg_free(&a);
	neg_free(&b);
	neg_free(&t2);
	rig_free(&r);
}
END_TEST

/* Lost sessions expire on the timer in creation order, whatever order
 * they were lost in, and the others are not touched. */
START_TEST(test_index_lost_expire_in_order)
{
	struct rig r;
	rig_init(&r, 0);
	struct session *s[6];
	struct sconn *c[6];
	for (int i = 0; i < 6; i++) {
		char iname[64];
		snprintf(iname, sizeof(iname), "iqn.2026-11.test:i%d", i);
		struct neg n;
		neg_named(&n, iname, "iqn.2026-11.test:t");
		c[i] = login_as(&r, &s[i], &n, ISID, i, (uint64_t)i * SEC, 0, 0,
				(uint16_t)(i + 1));
		neg_free(&n);
	}
	/* Lost in the order 4, 1, 3 (5 is lost and comes back). */
	session_conn_closed(r.st, s[4], c[4], 10 * SEC, false);
	session_conn_closed(r.st, s[1], c[1], 11 * SEC, false);
	session_conn_closed(r.st, s[3], c[3], 12 * SEC, false);
	session_conn_closed(r.st, s[5], c[5], 12 * SEC, false);
	struct session *j;
	struct neg n5;
	neg_named(&n5, "iqn.2026-11.test:i5", "iqn.2026-11.test:t");
	login_as(&r, &j, &n5, ISID, 6, 13 * SEC, 6, 0, 6);
	neg_free(&n5);
	ck_assert_ptr_eq(j, s[5]);
	ck_assert_int_eq(s[5]->status, ST_OK);
	int before = r.nevents;
	ck_assert_int_lt(before + 2, 64);
	/* Time2Wait 2 + Time2Retain 3: 5 s after 10 and 11, not after 12. */
	session_table_tick(r.st, 16 * SEC + SEC / 2);
	ck_assert_int_eq(r.nevents - before, 2);
	ck_assert_int_eq(s[4]->status, ST_STOPPED);
	ck_assert_int_eq(s[1]->status, ST_STOPPED);
	ck_assert_int_eq(s[3]->status, ST_LOST);
	/* s[1] was made first, so its event comes first. */
	ck_assert_ptr_eq(r.ev_sess[before], s[1]);
	ck_assert_ptr_eq(r.ev_sess[before + 1], s[4]);
	session_table_tick(r.st, 18 * SEC);
	ck_assert_int_eq(s[3]->status, ST_STOPPED);
	for (int i = 0; i < 6; i++)
		if (i != 1 && i != 3 && i != 4)
			ck_assert_int_eq(s[i]->status, ST_OK);
	rig_free(&r);
}
END_TEST

/* ---- retention: ended sessions folded into per-pair summaries ---- */

struct want_sum {
	uint64_t sessions, logins, failures, first_ns, last_ns;
};

/* Adds s to what its pair's summary must say once s is folded. */
static void want_add(struct want_sum *w, const struct session *s)
{
	if (w->sessions == 0 || s->install_ns < w->first_ns)
		w->first_ns = s->install_ns;
	if (s->state_ns > w->last_ns)
		w->last_ns = s->state_ns;
	w->sessions++;
	w->logins += s->login_observed;
	w->failures += s->status == ST_ERROR;
}

static const struct sess_summary *sum_find(const struct session_table *st,
					   const char *iname)
{
	for (const struct sess_summary *m = session_summaries(st); m;
	     m = m->next)
		if (strcmp(m->initiator_name, iname) == 0)
			return m;
	return NULL;
}

/* Ten sessions of three pairs end (logout, failed login, loss); with at
 * most 3 ended kept, the 7 that ended first are folded and each pair's
 * numbers are the sums over its folded sessions. */
START_TEST(test_retention_count_and_sums)
{
	struct rig r;
	rig_init(&r, 0);
	session_table_keep(r.st, 3600 * SEC, 3);
	struct want_sum want[3] = {{0}};
	struct session *s[10];
	struct sconn *c[10];
	char names[3][64];
	for (int p = 0; p < 3; p++)
		snprintf(names[p], sizeof(names[p]), "iqn.2026-11.test:pair%d",
			 p);
	for (int i = 0; i < 10; i++) {
		struct neg n;
		neg_named(&n, names[i % 3], "iqn.2026-11.test:t");
		uint8_t isid[6] = {0x80, 1, 2, 3, 0, (uint8_t)i};
		uint64_t t = (uint64_t)(10 + i * 10) * SEC;
		s[i] = session_login_begin(r.st, t, &n, isid, 0, 0);
		c[i] = session_conn_add(r.st, s[i], &r.flow[i % 8], 0, t, true);
		c[i]->leading = true;
		neg_move(&c[i]->neg, &n); /* n is c[i]'s now */
		s[i]->install_ns = t;
		if (i % 4 == 1) {
			/* a failed login */
			session_login_end(r.st, s[i], c[i], t + 1, 2, 1, 0, 0);
		} else {
			session_login_end(r.st, s[i], c[i], t + 1, 0, 0,
					  (uint16_t)(i + 1), 0);
			session_logout_request(r.st, s[i], c[i], t + 2, 0, 0);
			session_logout_response(r.st, s[i], c[i], t + 3, 0);
		}
		session_conn_closed(r.st, s[i], c[i], t + 4, false);
		if (i < 7)
			want_add(&want[i % 3], s[i]);
	}
	/* Each new session made room first (6 folded by session 9), the
	 * tick folds the 7th. */
	ck_assert_uint_eq(session_folded(r.st), 6);
	ck_assert_uint_eq(session_count(r.st), 4);
	session_table_tick(r.st, 150 * SEC);
	ck_assert_uint_eq(session_folded(r.st), 7);
	ck_assert_uint_eq(session_count(r.st), 3);
	/* One more, still logged in: never folded. */
	struct session *live;
	login_as(&r, &live, &r.neg, ISID, 7, 200 * SEC, 0, 0, 99);
	session_table_tick(r.st, 201 * SEC);
	ck_assert_uint_eq(session_count(r.st), 4);
	ck_assert_uint_eq(session_folded(r.st), 7);
	/* What is left: the three that ended last, then the live one. */
	const struct session *k = session_first(r.st);
	for (int i = 7; i < 10; i++, k = k->next)
		ck_assert_ptr_eq(k, s[i]);
	ck_assert_ptr_eq(k, live);
	ck_assert_ptr_null(k->next);
	uint64_t total = 0;
	for (int p = 0; p < 3; p++) {
		const struct sess_summary *m = sum_find(r.st, names[p]);
		ck_assert_ptr_nonnull(m);
		ck_assert_str_eq(m->target_name, "iqn.2026-11.test:t");
		ck_assert(!m->other);
		ck_assert_uint_eq(m->sessions, want[p].sessions);
		ck_assert_uint_eq(m->logins, want[p].logins);
		ck_assert_uint_eq(m->failures, want[p].failures);
		ck_assert_uint_eq(m->first_ns, want[p].first_ns);
		ck_assert_uint_eq(m->last_ns, want[p].last_ns);
		total += m->sessions;
	}
	ck_assert_uint_eq(total, 7);
	ck_assert_uint_eq(want[1].failures, 1); /* i = 1 (i = 5 is pair 2) */
	ck_assert_uint_eq(want[2].failures, 1);
	/* The pairs are listed in the order they were first folded. */
	ck_assert_str_eq(session_summaries(r.st)->initiator_name, names[0]);
	rig_free(&r);
}
END_TEST

/* By time: an ended session goes keep_ns after it ended, not before;
 * one whose TCP connection is still open waits for the close. */
START_TEST(test_retention_time_and_release)
{
	struct rig r;
	rig_init(&r, 0);
	session_table_keep(r.st, 5 * SEC, 1000);
	struct session *a, *b;
	struct sconn *ca = login(&r, &a, 0, 1 * SEC, 0, 0, 0, 3);
	struct neg n;
	neg_named(&n, "iqn.2026-11.test:other", "iqn.2026-11.test:t");
	struct sconn *cb = login_as(&r, &b, &n, ISID, 1, 1 * SEC, 0, 0, 4);
	session_logout_request(r.st, a, ca, 10 * SEC, 0, 0);
	session_logout_response(r.st, a, ca, 10 * SEC, 0);
	session_conn_closed(r.st, a, ca, 10 * SEC, false);
	session_logout_request(r.st, b, cb, 10 * SEC, 0, 0);
	session_logout_response(r.st, b, cb, 10 * SEC, 0);
	/* b logged out, but its TCP connection has not closed yet. */
	ck_assert_int_eq(a->status, ST_STOPPED);
	ck_assert_int_eq(b->status, ST_STOPPED);
	session_table_tick(r.st, 14 * SEC);
	ck_assert_uint_eq(session_folded(r.st), 0);
	session_table_tick(r.st, 15 * SEC);
	ck_assert_uint_eq(session_folded(r.st), 1);
	ck_assert_ptr_eq(session_first(r.st), b);
	session_table_tick(r.st, 60 * SEC);
	ck_assert_uint_eq(session_folded(r.st), 1); /* still held */
	session_conn_closed(r.st, b, cb, 61 * SEC, false);
	session_table_tick(r.st, 62 * SEC);
	ck_assert_uint_eq(session_folded(r.st), 2);
	ck_assert_ptr_null(session_first(r.st));
	ck_assert_uint_eq(session_count(r.st), 0);
	const struct sess_summary *m = sum_find(r.st, "iqn.2026-11.test:i");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->sessions, 1);
	ck_assert_uint_eq(m->logins, 1);
	ck_assert_uint_eq(m->last_ns, 10 * SEC);
	neg_free(&n);
	rig_free(&r);
}
END_TEST

/* Churn forever through a small table: the session cap is never hit,
 * because folded sessions leave it; the summaries keep the count. */
START_TEST(test_retention_churn_within_cap)
{
	struct rig r;
	rig_init(&r, 50);
	session_table_keep(r.st, 3600 * SEC, 10);
	for (unsigned i = 0; i < 5000; i++) {
		struct session *s;
		uint64_t t = (uint64_t)(i + 1) * SEC;
		struct sconn *c = login(&r, &s, (int)(i % 8), t, 0, 0, 0,
					(uint16_t)(i % 60000 + 1));
		session_logout_request(r.st, s, c, t + 2, 0, 0);
		session_logout_response(r.st, s, c, t + 3, 0);
		session_conn_closed(r.st, s, c, t + 4, false);
		session_table_tick(r.st, t + 5);
		ck_assert_uint_le(session_count(r.st), 10);
	}
	ck_assert_uint_eq(r.ctr.v[CTR_SESSIONS_CAP_HIT], 0);
	ck_assert_uint_eq(session_folded(r.st), 4990);
	const struct sess_summary *m = session_summaries(r.st);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_null(m->next); /* one pair */
	ck_assert_uint_eq(m->sessions, 4990);
	ck_assert_uint_eq(m->logins, 4990);
	rig_free(&r);
}
END_TEST

Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *core = tcase_create("core");
	tcase_add_test(core, test_life_logout);
	tcase_add_test(core, test_mcs_and_conn_reinstatement);
	tcase_add_test(core, test_lost_then_retain_expired);
	tcase_add_test(core, test_capture_end_is_not_a_close);
	tcase_add_test(core, test_session_reinstatement);
	tcase_add_test(core, test_domains_apart);
	tcase_add_test(core, test_failed_and_abandoned);
	tcase_add_test(core, test_login_rejected);
	tcase_add_test(core, test_discovered_addresses);
	tcase_add_test(core, test_logout_refused_and_unrequested);
	tcase_add_test(core, test_orphan_and_trouble);
	tcase_add_test(core, test_capture_loss_not_degrading);
	tcase_add_test(core, test_opening_event_who);
	suite_add_tcase(s, core);
	TCase *idx = tcase_create("index");
	tcase_add_test(idx, test_index_reinstatement_among_many);
	tcase_add_test(idx, test_index_tsih_reuse_and_mcs_join);
	tcase_add_test(idx, test_index_lost_expire_in_order);
	suite_add_tcase(s, idx);
	TCase *ret = tcase_create("retention");
	tcase_add_test(ret, test_retention_count_and_sums);
	tcase_add_test(ret, test_retention_time_and_release);
	tcase_add_test(ret, test_retention_churn_within_cap);
	suite_add_tcase(s, ret);
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_caps);
	tcase_add_test(lim, test_event_detail_compact);
	suite_add_tcase(s, lim);
	return s;
}
