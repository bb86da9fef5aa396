/* track.c - from PDUs to sessions, and to the SCSI layer (scsi.h). */
#include "track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login.h"
#include "scsi.h"
#include "pool.h"

struct tconn {
	/* Made when the first Login or Text PDU arrives: most connections
	 * of a SYN flood, and those joined mid-session, never need one.
	 * Freed once the login reached Full Feature Phase (its negotiation
	 * record is then the connection's, c->neg); `rest` keeps what a
	 * later Login or Text PDU needs to make it again (login_resume). */
	struct login *login;
	struct login_rest rest;
	bool rested;
	struct session *s;
	struct sconn *c;
	/* The SCSI decoder's state (open commands): made on the first
	 * SCSI PDU (scsi_opcode_wanted), freed with this connection. */
	struct scsi_conn *scsi;
	bool orphan_done; /* no login: the session was made from traffic */
	/* A login whose first Login Request goes on (C=1): its session is
	 * made when the request's text sequence ends (§11.12.2), for the
	 * names that identify the session are in that text. Until then
	 * its PDUs are counted here. */
	struct t_pend {
		bool on;
		int dir;     /* of the first Login Request */
		uint64_t ns; /* when it ended */
		uint64_t pdus[2], octets[2];
	} pend;
	/* the PDU in progress, per direction */
	struct {
		uint8_t opcode;
		bool login; /* routed to the login module */
		bool scsi;  /* routed to the SCSI layer */
		uint8_t logout_reason;
		uint16_t logout_cid;
		uint8_t logout_response;
		uint8_t reject_reason;
	} cur[2];
};

/* Which endpoint index is the initiator: from the flow's target side,
 * else from the direction of an initiator-only opcode. */
static int initiator_ep(const struct flow *f, int dir, uint8_t opcode)
{
	if (f->target >= 0)
		return 1 - f->target;
	return iscsi_opcode_from_initiator(opcode) ? dir : 1 - dir;
}

/* The SCSI layer's view of a connection: its decoder state (ours), the
 * counters of the connection and of the session (the model's), made on
 * the first SCSI PDU, and the event path back into the session model. */
struct t_evctx {
	struct session_table *st;
	struct session *s;
	struct sconn *c;
};

static void t_scsi_event(void *user, uint64_t now, const char *kind,
			 const char *detail)
{
	struct t_evctx *x = user;
	session_event(x->st, x->s, x->c, now, kind, "%s", detail);
}

static bool t_io(struct session_table *st, struct tconn *t,
		 struct counters *ctr, struct t_evctx *x, struct scsi_io *io)
{
	if (!t->s || !t->c)
		return false;
	if (!t->scsi && !(t->scsi = scsi_conn_new()))
		ctr_inc(ctr, CTR_SCSI_NOMEM);
	/* NULL parts: what they would count is not counted */
	session_scsi_attach(t->s, t->c, ctr);
	*x = (struct t_evctx){st, t->s, t->c};
	*io = (struct scsi_io){t->scsi, t->c->scsi, t->s->scsi, t_scsi_event,
			       x, ctr};
	return true;
}

/* The PDU-level counters (struct pdu_counts) of a connection and of
 * its session: each PDU once, at its end. */
static void t_count(struct tconn *t, int from_i, uint64_t pdus,
		    uint64_t octets)
{
	struct pdu_counts *k[2] = {&t->c->counts, &t->s->counts};
	for (int i = 0; i < 2; i++) {
		k[i]->pdus[from_i ? 0 : 1] += pdus;
		k[i]->octets[from_i ? 0 : 1] += octets;
	}
}

static void t_count_pdu(struct tconn *t, const struct pdu *p,
			uint8_t reject_reason)
{
	t_count(t, iscsi_opcode_from_initiator(p->opcode), 1, p->data_len);
	struct pdu_counts *k[2] = {&t->c->counts, &t->s->counts};
	for (int i = 0; i < 2; i++) {
		k[i]->nop_out += p->opcode == OP_NOP_OUT;
		k[i]->nop_in += p->opcode == OP_NOP_IN;
		k[i]->logout_reqs += p->opcode == OP_LOGOUT_REQ;
		if (p->opcode == OP_REJECT) {
			k[i]->rejects++;
			/* §11.17.1: protocol error, invalid PDU field */
			k[i]->format_errors +=
			    reject_reason == 0x04 || reject_reason == 0x09;
		}
		k[i]->hdigest_errors += p->hdigest == PDU_DIGEST_BAD;
		k[i]->ddigest_errors += p->ddigest == PDU_DIGEST_BAD;
	}
}

/* A tracker record per TCP connection (pool.h). */
static struct pool tconn_pool = POOL_INIT(struct tconn);

static void t_open(void *user, struct engine_conn *ec, int slot)
{
	(void)user;
	ec->slot[slot] = pool_zalloc(&tconn_pool);
}

/* The login state of t, made on first need; NULL when out of memory. */
static struct login *t_login(const struct track *tr, struct tconn *t,
			     struct engine_conn *ec)
{
	if (t->login || !(t->login = malloc(sizeof(*t->login))))
		return t->login;
	/* the engine's counters: a text cap hit is counted */
	if (t->rested && t->c)
		login_resume(t->login, ec->ctr, tr->text_cap, &t->c->neg,
			     &t->rest);
	else
		login_init_cap(t->login, ec->ctr, tr->text_cap);
	return t->login;
}

/* Full feature traffic on a connection whose login we did not see. */
static void t_orphan(struct session_table *st, struct tconn *t,
		     struct engine_conn *ec, int dir, uint8_t opcode)
{
	t->orphan_done = true;
	t->s = session_orphan(st, ec->now_ns);
	if (!t->s)
		return;
	t->c = session_conn_add(st, t->s, ec->flow,
				initiator_ep(ec->flow, dir, opcode),
				ec->now_ns, false);
	session_event(st, t->s, t->c, ec->now_ns, "connection_added",
		      "connection seen in full feature phase");
}

/* The session of a login seen from its first request, made once the
 * request's text is in (or the login ended without it). */
static void t_login_session(struct session_table *st, struct tconn *t,
			    struct engine_conn *ec)
{
	const struct login *l = t->login;
	uint64_t at = t->pend.ns;
	t->pend.on = false;
	t->s = session_login_begin(st, at, &l->neg, l->isid,
				   l->leading ? 0 : l->tsih, ec->flow->domain);
	if (!t->s)
		return;
	t->c = session_conn_add(st, t->s, ec->flow,
				initiator_ep(ec->flow, t->pend.dir,
					     OP_LOGIN_REQ),
				at, true);
	if (!t->c)
		return;
	t->c->leading = l->leading;
	t->c->cid = l->cid;
	t->c->cid_known = l->cid_seen;
	t->c->login_responses = l->responses;
	if (l->leading)
		t->s->install_ns = at;
	for (int i = 0; i < 2; i++)
		t_count(t, i == 0, t->pend.pdus[i], t->pend.octets[i]);
}

static void t_begin(void *user, struct engine_conn *ec, int slot, int dir,
		    const struct pdu *p)
{
	const struct track *tr = user;
	struct session_table *st = tr->st;
	struct tconn *t = ec->slot[slot];
	if (!t)
		return;
	t->cur[dir].opcode = p->opcode;
	t->cur[dir].scsi = false;
	struct login *l =
		(iscsi_opcode_is_login(p->opcode) ||
		 iscsi_opcode_is_text(p->opcode)) ? t_login(tr, t, ec) : NULL;
	t->cur[dir].login = l && login_begin(l, p->bhs) == 0;
	if (t->cur[dir].login)
		return;
	if (!t->s && !t->orphan_done &&
	    (!t->login || t->login->outcome == LOGIN_NONE))
		t_orphan(st, t, ec, dir, p->opcode);
	struct t_evctx x;
	struct scsi_io io;
	if (scsi_opcode_wanted(p->opcode) && t_io(st, t, ec->ctr, &x, &io)) {
		t->cur[dir].scsi = true;
		scsi_pdu_begin(&io, ec->now_ns, dir, p);
	}
	/* Fields read here because the BHS is gone by the end. */
	if (p->opcode == OP_LOGOUT_REQ) {
		t->cur[dir].logout_reason = bhs_function(p->bhs);
		t->cur[dir].logout_cid = bhs_cid(p->bhs);
	} else if (p->opcode == OP_LOGOUT_RSP) {
		t->cur[dir].logout_response = bhs_byte2(p->bhs);
	} else if (p->opcode == OP_REJECT) {
		t->cur[dir].reject_reason = bhs_byte2(p->bhs);
	}
}

static void t_data(void *user, struct engine_conn *ec, int slot, int dir,
		   const struct pdu *p, const uint8_t *d, size_t n)
{
	const struct track *tr = user;
	struct session_table *st = tr->st;
	struct tconn *t = ec->slot[slot];
	if (!t)
		return;
	if (t->cur[dir].login) {
		login_data(t->login, d, n);
		return;
	}
	struct t_evctx x;
	struct scsi_io io;
	if (t->cur[dir].scsi && t_io(st, t, ec->ctr, &x, &io))
		scsi_pdu_data(&io, dir, p, d, n);
}

static void t_login_end(struct session_table *st, struct tconn *t,
			struct engine_conn *ec, int dir, const struct pdu *p)
{
	struct login *l = t->login;
	unsigned ev = login_end(l, p->data_lost);
	uint64_t now = ec->now_ns;
	if ((ev & LOGIN_EV_STARTED) && !t->s && l->from_start)
		t->pend = (struct t_pend){.on = true, .dir = dir, .ns = now};
	if (t->pend.on &&
	    (ev & (LOGIN_EV_REQUEST_TEXT | LOGIN_EV_FULL_FEATURE |
		   LOGIN_EV_FAILED)))
		t_login_session(st, t, ec);
	if (!t->s || !t->c)
		return;
	t->c->login_responses = l->responses;
	if ((l->anomalies & LOGIN_AN_TEXT_LOST) && !t->s->incomplete) {
		/* Keys beyond the text cap (or in a gap) were not read:
		 * what the session reports may miss them. */
		t->s->incomplete = true;
		session_event(st, t->s, t->c, now, "text_lost",
			      "login/text bytes lost (gap or the text cap)");
	}
	struct sconn *c = t->c;
	if (ev & (LOGIN_EV_FULL_FEATURE | LOGIN_EV_FAILED)) {
		(void)neg_copy(&c->neg, &l->neg); /* no memory: see neg_copy() */
		c->login_observed = login_complete(l);
		session_login_end(st, t->s, c, now, l->status_class,
				  l->status_detail, l->tsih,
				  l->version_active_seen ? l->version_active
							 : -1);
	}
	if (ev & LOGIN_EV_FULL_FEATURE) {
		/* Digests begin with the next PDU (§13.1): tell the framers. */
		enum login_digest hd, dd;
		login_digests(l, &hd, &dd);
		static const enum framer_digest_mode map[] = {
			[LOGIN_DIGEST_UNKNOWN] = FRAMER_DIGEST_UNKNOWN,
			[LOGIN_DIGEST_NONE] = FRAMER_DIGEST_OFF,
			[LOGIN_DIGEST_CRC32C] = FRAMER_DIGEST_ON,
		};
		ec->want_hd = map[hd];
		ec->want_dd = map[dd];
		ec->want_set = true;
	}
	if (ev & LOGIN_EV_MRDSL) {
		(void)neg_copy(&c->neg, &l->neg);
		neg_compute(&c->neg, c->login_observed, &c->vals);
		session_event(st, t->s, c, now, "mrdsl_redeclared",
			      "MaxRecvDataSegmentLength declared again");
	}
	if ((ev & LOGIN_EV_SENDTARGETS) && l->st) {
		t->s->ntargets = 0;
		for (uint32_t i = 0; i < l->st->count; i++) {
			const struct login_st_target *lt = &l->st->t[i];
			const char *addrs[LOGIN_ST_MAX_ADDRS];
			for (unsigned a = 0; a < lt->naddr; a++)
				addrs[a] = lt->addr[a];
			session_discovered(t->s, lt->name, addrs, lt->naddr,
					   lt->addr_dropped, lt->truncated);
		}
		t->s->targets_dropped = l->st->dropped;
	}
	/* In Full Feature Phase now: c->neg holds the negotiation, and the
	 * login's text buffers are empty (both sequences ended), so what
	 * is left of it fits in t->rest. */
	if ((ev & LOGIN_EV_FULL_FEATURE) && !t->pend.on && !l->st &&
	    !l->txt[NEG_INITIATOR].len && !l->txt[NEG_TARGET].len) {
		login_rest_save(l, &t->rest);
		t->rested = true;
		login_free(l);
		free(l);
		t->login = NULL;
	}
}

static void t_end(void *user, struct engine_conn *ec, int slot, int dir,
		  const struct pdu *p)
{
	const struct track *tr = user;
	struct session_table *st = tr->st;
	struct tconn *t = ec->slot[slot];
	if (!t)
		return;
	if (t->cur[dir].login)
		t_login_end(st, t, ec, dir, p);
	int from_i = iscsi_opcode_from_initiator(p->opcode);
	if (t->pend.on && p->opcode == OP_REJECT)
		t_login_session(st, t, ec); /* the login ends here */
	struct session *s = t->s;
	struct sconn *c = t->c;
	if (!s || !c) {
		if (t->pend.on) {
			t->pend.pdus[from_i ? 0 : 1]++;
			t->pend.octets[from_i ? 0 : 1] += p->data_len;
		}
		return;
	}
	uint64_t now = ec->now_ns;
	session_touch(st, s); /* its counters move: viewers refresh it */
	t_count_pdu(t, p, t->cur[dir].reject_reason);
	struct t_evctx x;
	struct scsi_io io;
	if (t->cur[dir].scsi && t_io(st, t, ec->ctr, &x, &io))
		scsi_pdu_end(&io, now, dir, p);
	if (p->opcode == OP_SCSI_CMD && s->session_type < 0 &&
	    !s->login_observed)
		s->session_type = NEG_SESSION_NORMAL; /* only Normal sessions
							  carry SCSI (§4.4) */
	switch (p->opcode) {
	case OP_LOGOUT_REQ:
		session_logout_request(st, s, c, now, t->cur[dir].logout_reason,
				       t->cur[dir].logout_cid);
		break;
	case OP_LOGOUT_RSP:
		session_logout_response(st, s, c, now,
					t->cur[dir].logout_response);
		break;
	case OP_REJECT:
		if (c->phase == CP_LOGIN && t->login) {
			/* A Reject is the only answer this login gets. */
			(void)neg_copy(&c->neg, &t->login->neg);
			c->login_observed = login_complete(t->login);
			session_login_rejected(st, s, c, now,
					       t->cur[dir].reject_reason);
			break;
		}
		session_conn_trouble(st, s, c, now, DEG_REJECT,
				     "the target rejected a PDU");
		break;
	default:
		break;
	}
	if (p->hdigest == PDU_DIGEST_BAD || p->ddigest == PDU_DIGEST_BAD)
		session_conn_trouble(st, s, c, now, DEG_DIGEST,
				     "digest errors");
}

static void t_gap(void *user, struct engine_conn *ec, int slot, int dir,
		  uint64_t bytes)
{
	const struct track *tr = user;
	struct session_table *st = tr->st;
	struct tconn *t = ec->slot[slot];
	if (!t)
		return;
	if (t->login)
		login_gap(t->login,
		  ec->flow->target == dir ? NEG_TARGET : NEG_INITIATOR);
	else if (t->rested)
		t->rest.lost = true;
	if (bytes == 0 || !t->s || !t->c)
		return;
	t->c->gaps++;
	session_conn_trouble(st, t->s, t->c, ec->now_ns, DEG_GAP,
			     "the capture lost bytes of this session");
}

/* A retransmission carried other bytes than the ones held for the same
 * stream positions: the session's data may differ from what the
 * endpoint took (robustness issue: flag it, DEG_OVERLAP). */
static void t_anomaly(void *user, struct engine_conn *ec, int slot, int dir,
		      unsigned what)
{
	const struct track *tr = user;
	struct session_table *st = tr->st;
	struct tconn *t = ec->slot[slot];
	(void)dir;
	if (!t || !t->s || !t->c || what != ENGINE_AN_OVERLAP_MISMATCH)
		return;
	session_conn_trouble(st, t->s, t->c, ec->now_ns, DEG_OVERLAP,
			     "a TCP retransmission overlapped with different data");
}

static void t_close(void *user, struct engine_conn *ec, int slot,
		    enum conn_end why)
{
	const struct track *tr = user;
	struct session_table *st = tr->st;
	struct tconn *t = ec->slot[slot];
	if (!t)
		return;
	if (t->pend.on) {
		/* The login's first request never ended its text: the
		 * session is reported with what is known. */
		t_login_session(st, t, ec);
		if (t->s && why == CONN_END_CAPTURE && !t->s->incomplete) {
			t->s->incomplete = true;
			session_event(st, t->s, t->c, ec->now_ns, "text_lost",
				      "the capture ended inside the login "
				      "text");
		}
	}
	if (t->login)
		login_close(t->login);
	struct t_evctx x;
	struct scsi_io io;
	if (t->scsi && t_io(st, t, ec->ctr, &x, &io))
		scsi_conn_closed(&io, ec->now_ns);
	scsi_conn_free(t->scsi);
	t->scsi = NULL;
	if (t->s && t->c && why == CONN_END_IDLE &&
	    (t->c->counts.pdus[0] || t->c->counts.pdus[1])) {
		/* MIB CxnTimeoutErrors: a connection that spoke went silent */
		t->c->counts.conn_timeout_errors++;
		t->s->counts.conn_timeout_errors++;
	}
	if (t->s && t->c && why == CONN_END_SUPERSEDED)
		session_conn_superseded(st, t->s, t->c, ec->now_ns);
	else if (t->s && t->c)
		session_conn_closed(st, t->s, t->c, ec->now_ns,
				    why == CONN_END_CAPTURE);
	if (t->login)
		login_free(t->login);
	free(t->login);
	pool_free(&tconn_pool, t);
	ec->slot[slot] = NULL;
}

struct engine_sink track_sink(struct track *tr)
{
	struct engine_sink s = {
		.user = tr,
		.conn_open = t_open,
		.pdu_begin = t_begin,
		.pdu_data = t_data,
		.pdu_end = t_end,
		.gap = t_gap,
		.conn_close = t_close,
		.anomaly = t_anomaly,
	};
	return s;
}
