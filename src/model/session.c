/* session.c - the session model: sessions, their connections, and the
 * state each is in, changed only by what the capture showed. */
#include "session.h"

#include "login.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "hash.h"
#include "intern.h"
#include "pool.h"
#include "scsi.h"

struct session_table {
	size_t max;
	size_t count;
	uint64_t seq;
	struct counters *ctr;
	struct session *head, *tail;
	struct session_listener listener;
	/* identity index: chains in creation order, live sessions only */
	struct session **ident;
	size_t nident, ident_buckets; /* buckets: a power of two */
	uint64_t seed;
	struct session *lost_head, *lost_tail; /* status ST_LOST */
	/* retention: ended sessions in the order they ended */
	uint64_t keep_ns;
	size_t keep_max;
	struct session *ended_head, *ended_tail;
	size_t nended;
	/* summaries of folded sessions: a list and a hash by names */
	struct sess_summary *sum_head, *sum_tail, *sum_other;
	struct sess_summary **sum;
	size_t nsum, sum_buckets;
	uint64_t folded;
	uint64_t gen; /* session_table_gen() */
};

#define SESSION_IDENT_BUCKETS_MIN 256u

/* ---- status vocabulary (cim-mapping.md) ---- */

enum cim_enabled session_enabled_state(enum sess_status st)
{
	switch (st) {
	case ST_STARTING:
		return CIM_STARTING;
	case ST_OK:
	case ST_DEGRADED:
		return CIM_ENABLED;
	case ST_STOPPING:
		return CIM_SHUTTING_DOWN;
	case ST_LOST:
		return CIM_ENABLED_OFFLINE;
	case ST_STOPPED:
	case ST_ERROR:
		break;
	}
	return CIM_DISABLED;
}

/* What each way a login can fail says, where no code adds to it. */
static const char *const fail_words[] = {
	[LF_NONE] = "reason not recorded",
	[LF_STATUS] = "status",
	[LF_NO_RESPONSE] = "no response (connection closed)",
	[LF_CLOSED] = "connection closed during login",
	[LF_REJECTED] = "rejected",
};

const char *session_fail_str(const struct session *s, char *buf, size_t len)
{
	switch (s->fail_kind) {
	case LF_STATUS:
		snprintf(buf, len, "%s (0x%02x%02x)",
			 iscsi_login_status_str(s->fail_class, s->fail_detail),
			 s->fail_class, s->fail_detail);
		break;
	case LF_REJECTED:
		snprintf(buf, len, "rejected (%s)",
			 iscsi_tok_str(iscsi_reject_reasons, s->fail_reject,
				       "reserved reason"));
		break;
	case LF_NO_RESPONSE:
	case LF_CLOSED:
	default:
		snprintf(buf, len, "%s",
			 fail_words[s->fail_kind < LF_REJECTED ? s->fail_kind
							       : LF_NONE]);
		break;
	}
	return buf;
}

const char *session_fail_verb(const struct session *s)
{
	return s->fail_kind == LF_STATUS && s->fail_class == 1 ? "redirected"
							       : "failed";
}

const struct sconn *session_leading_conn(const struct session *s)
{
	for (const struct sconn *c = s->conns; c; c = c->next)
		if (c->leading)
			return c;
	return s->conns;
}

unsigned session_current_connections(const struct session *s)
{
	unsigned n = 0;
	/* A connection whose Logout Request awaits its response is still
	 * in Full Feature Phase (RFC 7143 11.14: the logout completes with
	 * the response). */
	for (const struct sconn *c = s->conns; c; c = c->next)
		n += c->phase == CP_FULL || c->phase == CP_LOGOUT;
	return n;
}

void session_figures(const struct session *s, uint64_t now,
		     struct scsi_figures *f)
{
	scsi_figures(s ? s->scsi : NULL, now, f);
	if (s)
		f->errors += pdu_counts_errors(&s->counts);
}

uint64_t session_errors(const struct session *s)
{
	return pdu_counts_errors(&s->counts) +
	       (s->scsi ? scsi_stats_errors(&s->scsi->stats) : 0);
}

bool session_scsi_attach(struct session *s, struct sconn *c,
			 struct counters *ctr)
{
	if (!s->scsi && !(s->scsi = scsi_sess_new()))
		ctr_inc(ctr, CTR_SCSI_NOMEM);
	if (!c->scsi && !(c->scsi = scsi_stats_new()))
		ctr_inc(ctr, CTR_SCSI_NOMEM);
	return s->scsi && c->scsi;
}

/* ---- table ---- */

struct session_table *session_table_new(size_t max_sessions,
					struct counters *ctr)
{
	struct session_table *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->max = max_sessions ? max_sessions : SESSION_MAX_DEFAULT;
	st->ctr = ctr;
	session_table_keep(st, 0, 0);
	st->ident_buckets = SESSION_IDENT_BUCKETS_MIN;
	st->ident = calloc(st->ident_buckets, sizeof(*st->ident));
	st->sum_buckets = SESSION_IDENT_BUCKETS_MIN;
	st->sum = calloc(st->sum_buckets, sizeof(*st->sum));
	if (!st->ident || !st->sum) {
		free(st->ident);
		free(st->sum);
		free(st);
		return NULL;
	}
	/* Names come off the wire: a secret seed keeps chosen names from
	 * piling into one chain. */
	st->seed = hash_seed(st);
	return st;
}

/* ---- indexes ---- */

static uint64_t hash_str(uint64_t h, const char *s)
{
	return hash_bytes(h, s, strlen(s));
}

/* The I_T nexus of §4.4.3 without the TPGT (known only at the end of a
 * login): ISID, InitiatorName, TargetName; and the layer-2 domain
 * (net.h), since two tenants' networks are two SANs even when their
 * names, ISIDs and addresses are the same. */
static uint64_t ident_hash(const struct session_table *st,
			   const uint8_t isid[6], const char *iname,
			   const char *tname, uint64_t domain)
{
	uint64_t w = 0;
	memcpy(&w, isid, 6);
	uint64_t h = hash_mix64(st->seed ^ w);
	if (domain)
		h = hash_mix64(h ^ domain);
	h = hash_str(h, iname);
	return hash_str(h ^ 0x5a, tname);
}

static void ident_append(struct session_table *st, struct session *s)
{
	struct session **link =
	    &st->ident[s->ident_hash & (st->ident_buckets - 1)];
	while (*link)
		link = &(*link)->ident_next;
	*link = s;
	s->ident_next = NULL;
}

/* Doubles the buckets; chains keep creation order because a new chain
 * takes its sessions from one old chain, in order. Without memory the
 * table stays as it is (longer chains, still correct). */
static void ident_grow(struct session_table *st)
{
	size_t n = st->ident_buckets * 2;
	struct session **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	struct session **old = st->ident;
	size_t on = st->ident_buckets;
	st->ident = nb;
	st->ident_buckets = n;
	for (size_t i = 0; i < on; i++) {
		struct session *s = old[i];
		while (s) {
			struct session *next = s->ident_next;
			ident_append(st, s);
			s = next;
		}
	}
	free(old);
}

static void ident_add(struct session_table *st, struct session *s)
{
	if (st->nident >= st->ident_buckets)
		ident_grow(st);
	s->ident_hash =
	    ident_hash(st, s->isid, s->initiator_name, s->target_name,
		       s->domain);
	ident_append(st, s);
	s->in_ident = true;
	st->nident++;
}

static void ident_del(struct session_table *st, struct session *s)
{
	if (!s->in_ident)
		return;
	struct session **link =
	    &st->ident[s->ident_hash & (st->ident_buckets - 1)];
	while (*link != s)
		link = &(*link)->ident_next;
	*link = s->ident_next;
	s->ident_next = NULL;
	s->in_ident = false;
	st->nident--;
}

/* The first live session of this identity in creation order, for
 * ident_next_of() to walk on. */
static struct session *ident_first(const struct session_table *st,
				   const uint8_t isid[6], const char *iname,
				   const char *tname, uint64_t domain,
				   uint64_t *h)
{
	*h = ident_hash(st, isid, iname, tname, domain);
	return st->ident[*h & (st->ident_buckets - 1)];
}

static void lost_link(struct session_table *st, struct session *s)
{
	s->lost_prev = st->lost_tail;
	s->lost_next = NULL;
	if (st->lost_tail)
		st->lost_tail->lost_next = s;
	else
		st->lost_head = s;
	st->lost_tail = s;
	s->in_lost = true;
}

static void lost_unlink(struct session_table *st, struct session *s)
{
	if (!s->in_lost)
		return;
	if (s->lost_prev)
		s->lost_prev->lost_next = s->lost_next;
	else
		st->lost_head = s->lost_next;
	if (s->lost_next)
		s->lost_next->lost_prev = s->lost_prev;
	else
		st->lost_tail = s->lost_prev;
	s->lost_prev = s->lost_next = NULL;
	s->in_lost = false;
}

/* Every session and connection record of the process (pool.h). */
static struct pool session_pool = POOL_INIT(struct session);
static struct pool sconn_pool = POOL_INIT(struct sconn);

static void session_free(struct session *s)
{
	while (s->conns) {
		struct sconn *c = s->conns;
		s->conns = c->next;
		scsi_stats_free(c->scsi);
		neg_free(&c->neg);
		pool_free(&sconn_pool, c);
	}
	scsi_sess_free(s->scsi);
	session_parts_free(s);
	pool_free(&session_pool, s);
}

void session_names_init(struct session *s)
{
	s->initiator_name = s->target_name = "";
	s->initiator_alias = s->target_alias = s->redirect = "";
}

void session_name_set(const char **slot, const char *v)
{
	const char *old = *slot;
	const char *n = v ? intern_get(v, strlen(v)) : "";
	*slot = n ? n : ""; /* out of memory: unknown */
	intern_put(old);
}

/* An event's detail is the ring's own copy (event_keep), const only to
 * its readers. */
static void event_detail_free(const char *d)
{
	free((void *)(uintptr_t)d);
}

void session_parts_free(struct session *s)
{
	const char **names[] = {&s->initiator_name, &s->target_name,
				&s->initiator_alias, &s->target_alias,
				&s->redirect};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		intern_put(*names[i]);
		*names[i] = "";
	}
	for (unsigned i = 0; i < s->nevents; i++)
		event_detail_free(session_event_at(s, i)->detail);
	free(s->events);
	s->events = NULL;
	s->nevents = s->event_head = s->events_cap = 0;
	free(s->targets);
	s->targets = NULL;
	s->ntargets = s->targets_cap = 0;
}

void session_table_free(struct session_table *st)
{
	if (!st)
		return;
	while (st->head) {
		struct session *s = st->head;
		st->head = s->next;
		session_free(s);
	}
	while (st->sum_head) {
		struct sess_summary *m = st->sum_head;
		st->sum_head = m->next;
		free(m->initiator_name);
		free(m->target_name);
		free(m);
	}
	free(st->sum);
	free(st->ident);
	free(st);
}

void session_table_keep(struct session_table *st, uint64_t keep_ns,
			size_t keep_max)
{
	st->keep_ns =
	    keep_ns ? keep_ns : SESSION_KEEP_ENDED_S_DEFAULT * 1000000000ull;
	st->keep_max = keep_max ? keep_max : SESSION_KEEP_ENDED_MAX_DEFAULT;
}

const struct sess_summary *session_summaries(const struct session_table *st)
{
	return st->sum_head;
}

uint64_t session_folded(const struct session_table *st)
{
	return st->folded;
}

void session_table_listen(struct session_table *st,
			  const struct session_listener *l)
{
	st->listener = *l;
}

const struct session *session_first(const struct session_table *st)
{
	return st->head;
}

size_t session_count(const struct session_table *st)
{
	return st->count;
}

const struct sess_event *session_event_at(const struct session *s, unsigned i)
{
	return &s->events[(s->event_head + i) % s->events_cap];
}

/* Room for one more event: the ring doubles (oldest first again) until
 * SESSION_EVENTS_MAX; full, or without memory, the oldest goes. */
static bool event_room(struct session *s)
{
	if (s->nevents < s->events_cap)
		return true;
	if (s->events_cap < SESSION_EVENTS_MAX) {
		unsigned cap =
		    s->events_cap ? s->events_cap * 2 : SESSION_EVENTS_MIN;
		if (cap > SESSION_EVENTS_MAX)
			cap = SESSION_EVENTS_MAX;
		struct sess_event *e = malloc(cap * sizeof(*e));
		if (e) {
			for (unsigned i = 0; i < s->nevents; i++)
				e[i] = *session_event_at(s, i);
			free(s->events);
			s->events = e;
			s->events_cap = cap;
			s->event_head = 0;
			return true;
		}
	}
	if (s->nevents == 0)
		return false; /* no ring at all: the event is only counted */
	event_detail_free(s->events[s->event_head].detail);
	s->event_head = (s->event_head + 1) % s->events_cap;
	s->nevents--;
	s->events_dropped++;
	return true;
}

/* Keeps ev in s's history with a copy of its detail. */
static void event_keep(struct session *s, const struct sess_event *ev)
{
	size_t n = strlen(ev->detail) + 1;
	char *d = malloc(n);
	if (!d || !event_room(s)) {
		free(d);
		s->events_dropped++;
		return;
	}
	memcpy(d, ev->detail, n);
	struct sess_event *e =
	    &s->events[(s->event_head + s->nevents) % s->events_cap];
	*e = *ev;
	e->detail = d;
	s->nevents++;
}

uint64_t session_table_gen(const struct session_table *st)
{
	return st->gen;
}

void session_touch(struct session_table *st, struct session *s)
{
	if (st && s)
		s->gen = ++st->gen;
}

void session_event(struct session_table *st, struct session *s,
		   const struct sconn *c, uint64_t now, const char *kind,
		   const char *fmt, ...)
{
	session_touch(st, s);
	char detail[SESS_EVENT_DETAIL_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	struct sess_event ev = {.ts_ns = now, .kind = kind, .detail = detail};
	event_keep(s, &ev);
	if (st && st->listener.event)
		st->listener.event(st->listener.user, s, c, &ev);
}

static void retention_fold(struct session_table *st, uint64_t now);

static struct session *session_new(struct session_table *st, uint64_t now)
{
	/* Room first: ended sessions nobody holds any more go to their
	 * summaries now, not at the next tick, so that churn faster than
	 * the tick cannot pile them up. */
	retention_fold(st, now);
	if (st->count >= st->max) {
		ctr_inc(st->ctr, CTR_SESSIONS_CAP_HIT);
		return NULL;
	}
	struct session *s = pool_zalloc(&session_pool);
	if (!s) {
		ctr_inc(st->ctr, CTR_SESSIONS_CAP_HIT);
		return NULL;
	}
	session_names_init(s);
	s->seq = st->seq++;
	s->gen = ++st->gen;
	s->session_type = -1;
	s->install_ns = now;
	s->state_ns = now;
	s->status = ST_STARTING;
	s->prev = st->tail;
	if (st->tail)
		st->tail->next = s;
	else
		st->head = s;
	st->tail = s;
	st->count++;
	return s;
}

/* ---- retention ---- */

static void ended_add(struct session_table *st, struct session *s, uint64_t now)
{
	if (s->in_ended)
		return;
	s->in_ended = true;
	s->ended_ns = now;
	s->ended_next = NULL;
	if (st->ended_tail)
		st->ended_tail->ended_next = s;
	else
		st->ended_head = s;
	st->ended_tail = s;
	st->nended++;
}

static uint64_t sum_hash(const struct session_table *st, const char *iname,
			 const char *tname)
{
	return hash_str(hash_str(st->seed ^ 0x5c, iname) ^ 0x5a, tname);
}

static void sum_grow(struct session_table *st)
{
	size_t n = st->sum_buckets * 2;
	struct sess_summary **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still right */
	for (struct sess_summary *m = st->sum_head; m; m = m->next) {
		if (m->other)
			continue;
		m->hnext = nb[m->hash & (n - 1)];
		nb[m->hash & (n - 1)] = m;
	}
	free(st->sum);
	st->sum = nb;
	st->sum_buckets = n;
}

static struct sess_summary *sum_new(struct session_table *st, bool other,
				    const char *iname, const char *tname,
				    uint64_t h)
{
	struct sess_summary *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->other = other;
	m->hash = h;
	m->initiator_name = strdup(other ? "" : iname);
	m->target_name = strdup(other ? "" : tname);
	if (!m->initiator_name || !m->target_name) {
		free(m->initiator_name);
		free(m->target_name);
		free(m);
		return NULL;
	}
	if (st->sum_tail)
		st->sum_tail->next = m;
	else
		st->sum_head = m;
	st->sum_tail = m;
	return m;
}

/* The summary of s's pair, made on first need; past SESSION_SUMMARIES_MAX
 * pairs, the one `other` summary. NULL without memory. */
static struct sess_summary *sum_of(struct session_table *st,
				   const struct session *s)
{
	uint64_t h = sum_hash(st, s->initiator_name, s->target_name);
	for (struct sess_summary *m = st->sum[h & (st->sum_buckets - 1)]; m;
	     m = m->hnext)
		if (m->hash == h &&
		    strcmp(m->initiator_name, s->initiator_name) == 0 &&
		    strcmp(m->target_name, s->target_name) == 0)
			return m;
	if (st->nsum >= SESSION_SUMMARIES_MAX) {
		if (!st->sum_other)
			st->sum_other = sum_new(st, true, "", "", 0);
		return st->sum_other;
	}
	if (st->nsum >= st->sum_buckets)
		sum_grow(st);
	struct sess_summary *m =
	    sum_new(st, false, s->initiator_name, s->target_name, h);
	if (!m)
		return NULL;
	size_t b = h & (st->sum_buckets - 1);
	m->hnext = st->sum[b];
	st->sum[b] = m;
	st->nsum++;
	return m;
}

/* Nobody holds s: every TCP connection of it has closed (the tracker
 * keeps a session only through a connection, track.c). */
static bool session_released(const struct session *s)
{
	for (const struct sconn *c = s->conns; c; c = c->next)
		if (!c->released)
			return false;
	return true;
}

static void session_unlink(struct session_table *st, struct session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		st->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		st->tail = s->prev;
	st->count--;
}

/* Folds the oldest ended sessions beyond what retention keeps: their
 * counts go to their pair's summary, the sessions are freed. Stops at
 * one whose connection is still open; it goes once that closes. */
static void retention_fold(struct session_table *st, uint64_t now)
{
	while (st->ended_head) {
		struct session *s = st->ended_head;
		bool aged =
		    now >= s->ended_ns && now - s->ended_ns >= st->keep_ns;
		if ((!aged && st->nended <= st->keep_max) ||
		    !session_released(s))
			return;
		struct sess_summary *m = sum_of(st, s);
		if (!m)
			return; /* no memory: kept, tried again next tick */
		if (m->sessions == 0 || s->install_ns < m->first_ns)
			m->first_ns = s->install_ns;
		if (s->state_ns > m->last_ns)
			m->last_ns = s->state_ns;
		m->sessions++;
		m->logins += s->login_observed;
		m->failures += s->status == ST_ERROR;
		st->folded++;
		st->ended_head = s->ended_next;
		if (!st->ended_head)
			st->ended_tail = NULL;
		st->nended--;
		session_unlink(st, s);
		session_free(s);
		st->gen++; /* viewers drop it */
	}
}

/* ---- state ---- */

static bool status_final(enum sess_status st)
{
	return st == ST_STOPPED || st == ST_ERROR;
}

static const char *status_event(enum sess_status st)
{
	switch (st) {
	case ST_STARTING:
		return "session_starting";
	case ST_OK:
		return "session_enabled";
	case ST_DEGRADED:
		return "session_degraded";
	case ST_STOPPING:
		return "session_stopping";
	case ST_LOST:
		return "session_lost";
	case ST_STOPPED:
		return "session_ended";
	case ST_ERROR:
		break;
	}
	return "session_failed";
}

static void session_set_status(struct session_table *st, struct session *s,
			       uint64_t now, enum sess_status to,
			       const char *why)
{
	if (s->status == to)
		return;
	session_touch(st, s);
	if (session_enabled_state(s->status) != session_enabled_state(to))
		s->state_ns = now;
	if (s->status == ST_LOST)
		lost_unlink(st, s);
	s->status = to;
	if (to == ST_LOST) {
		s->lost_ns = now;
		lost_link(st, s);
	}
	if (status_final(to)) {
		ident_del(st, s); /* nothing joins or reinstates it now */
		ended_add(st, s, now);
	}
	session_event(st, s, NULL, now, status_event(to), "%s", why);
}

/* A connection is "lost and not replaced" when it dropped without logout
 * and no later connection of the session uses its CID. */
static bool conn_unreplaced_loss(const struct session *s,
				 const struct sconn *lost)
{
	if (lost->phase != CP_LOST)
		return false;
	for (const struct sconn *c = s->conns; c; c = c->next)
		if (c != lost && c->cid_known && lost->cid_known &&
		    c->cid == lost->cid && c->first_ns >= lost->first_ns)
			return false;
	return true;
}

/* Derives the session status from its connections after any change. */
static void session_update(struct session_table *st, struct session *s,
			   uint64_t now, const char *why)
{
	if (status_final(s->status))
		return;
	unsigned full = 0, logout = 0, lost = 0, any_ffp = 0;
	for (const struct sconn *c = s->conns; c; c = c->next) {
		full += c->phase == CP_FULL;
		logout += c->phase == CP_LOGOUT;
		lost += conn_unreplaced_loss(s, c);
		any_ffp += c->ffp_ns != 0;
	}
	if (lost && full)
		s->degraded |= DEG_CONN_LOST;
	else
		s->degraded &= ~(unsigned)DEG_CONN_LOST;
	enum sess_status to = s->status;
	if (s->status == ST_STOPPING && (full || logout))
		to = ST_STOPPING;
	else if (full)
		to = s->degraded ? ST_DEGRADED : ST_OK;
	else if (logout)
		to = ST_STOPPING;
	else if (any_ffp || s->status == ST_LOST)
		to = ST_LOST;
	session_set_status(st, s, now, to, why);
}

static int seq_cmp(const void *a, const void *b)
{
	const struct session *x = *(const struct session *const *)a;
	const struct session *y = *(const struct session *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* §6.1 of RFC 7143's timers: after Time2Wait + Time2Retain the target
 * drops the session state. Unknown values fall back to the RFC defaults,
 * which is what the target uses when none was negotiated. */
static uint64_t retain_ns(const struct session *s)
{
	uint64_t wait = s->vals.default_time2wait.state == NEG_NEGOTIATED
			    ? s->vals.default_time2wait.v
			    : neg_key_info(NK_DEFAULT_TIME2WAIT)->dflt;
	uint64_t retain = s->vals.default_time2retain.state == NEG_NEGOTIATED
			      ? s->vals.default_time2retain.v
			      : neg_key_info(NK_DEFAULT_TIME2RETAIN)->dflt;
	return (wait + retain) * 1000000000ull;
}

static void expire_lost(struct session_table *st, uint64_t now_ns, size_t n);

void session_table_tick(struct session_table *st, uint64_t now_ns)
{
	/* Only lost sessions can expire. Those that do are ended in
	 * creation order, so the events come out as they always did. */
	size_t n = 0;
	for (struct session *s = st->lost_head; s; s = s->lost_next)
		n += now_ns - s->lost_ns >= retain_ns(s);
	if (n)
		expire_lost(st, now_ns, n);
	retention_fold(st, now_ns);
}

static void expire_lost(struct session_table *st, uint64_t now_ns, size_t n)
{
	struct session *one, **due = n == 1 ? &one : malloc(n * sizeof(*due));
	if (!due)
		return; /* the next tick tries again */
	size_t k = 0;
	for (struct session *s = st->lost_head; s && k < n; s = s->lost_next)
		if (now_ns - s->lost_ns >= retain_ns(s))
			due[k++] = s;
	qsort(due, k, sizeof(*due), seq_cmp);
	for (size_t i = 0; i < k; i++) {
		struct session *s = due[i];
		s->end_reason = END_RETAIN_EXPIRED;
		session_set_status(st, s, s->lost_ns + retain_ns(s), ST_STOPPED,
				   "Time2Wait + Time2Retain passed");
	}
	if (due != &one)
		free(due);
}

/* ---- changes ---- */

static void copy_str(char *dst, const struct neg_str *src)
{
	if (src->seen)
		snprintf(dst, NEG_STR_MAX, "%s", src->s);
}

/* A declared name into a session's (interned) name. */
static void name_from(const char **slot, const struct neg_str *src)
{
	if (src->seen)
		session_name_set(slot, src->s);
}

static bool identity_eq(const struct session *s, const uint8_t isid[6],
			const char *iname, const char *tname, uint64_t domain)
{
	return s->isid_known && s->domain == domain &&
	       memcmp(s->isid, isid, 6) == 0 &&
	       strcmp(s->initiator_name, iname) == 0 &&
	       strcmp(s->target_name, tname) == 0;
}

/* The names as the session would store them (truncated like copy_str),
 * so a lookup compares what the index holds. */
static void login_names(const struct neg *neg, char iname[NEG_STR_MAX],
			char tname[NEG_STR_MAX])
{
	iname[0] = tname[0] = '\0';
	copy_str(iname, &neg->initiator_name);
	copy_str(tname, &neg->target_name);
}

enum {
	SESS_OPENING_NONE,
	SESS_OPENING_STARTING, /* a leading login */
	SESS_OPENING_JOINED,   /* a login with a TSIH, the leading one unseen */
	SESS_OPENING_ORPHAN,   /* full feature traffic, no login seen */
};

/* The event that opened s, once its first connection is in s->conns:
 * session-wide (no CID), but with that connection's addresses. */
static void session_opening_say(struct session_table *st, struct session *s,
				uint64_t now)
{
	uint8_t o = s->opening;
	s->opening = SESS_OPENING_NONE;
	if (o == SESS_OPENING_STARTING)
		session_event(st, s, NULL, now, "session_starting",
			      "leading login from %s",
			      s->initiator_name[0] ? s->initiator_name
						   : "(unnamed initiator)");
	else if (o == SESS_OPENING_JOINED)
		session_event(st, s, NULL, now, "session_found",
			      "connection login with TSIH 0x%04x; leading "
			      "login not captured",
			      s->tsih);
	else if (o == SESS_OPENING_ORPHAN)
		session_event(st, s, NULL, now, "session_found",
			      "full feature traffic without a captured login");
}

struct session *session_login_begin(struct session_table *st, uint64_t now,
				    const struct neg *neg,
				    const uint8_t isid[6], uint16_t tsih,
				    uint64_t domain)
{
	char iname[NEG_STR_MAX], tname[NEG_STR_MAX];
	login_names(neg, iname, tname);
	if (tsih != 0) {
		/* A connection joining a session (§4.3.1, MC/S): same
		 * initiator, ISID and target, and the TSIH the target gave;
		 * the target scopes TSIHs, so equal TSIHs of other
		 * identities are other sessions. */
		uint64_t h;
		for (struct session *s =
			 ident_first(st, isid, iname, tname, domain, &h);
		     s; s = s->ident_next)
			if (s->ident_hash == h && s->tsih_known &&
			    s->tsih == tsih &&
			    identity_eq(s, isid, iname, tname, domain))
				return s;
	}
	struct session *s = session_new(st, now);
	if (!s)
		return NULL;
	session_name_set(&s->initiator_name, iname);
	session_name_set(&s->target_name, tname);
	name_from(&s->initiator_alias, &neg->initiator_alias);
	memcpy(s->isid, isid, 6);
	s->isid_known = true;
	s->domain = domain;
	ident_add(st, s);
	if (tsih != 0) {
		/* Its leading login happened before the capture. */
		s->tsih = tsih;
		s->tsih_known = true;
		s->status = ST_OK;
		s->opening = SESS_OPENING_JOINED;
	} else {
		s->login_observed = true;
		s->opening = SESS_OPENING_STARTING;
	}
	return s;
}

struct sconn *session_conn_add(struct session_table *st, struct session *s,
			       const struct flow *f, int initiator_ep,
			       uint64_t now, bool login_observed)
{
	session_touch(st, s);
	if (s->nconns >= SESSION_CONNS_MAX) {
		/* Drop the oldest ended connection to make room. */
		struct sconn **link = &s->conns;
		/* Only one whose TCP connection closed: the tracker holds
		 * the others. */
		while (*link && (((*link)->phase != CP_ENDED &&
				  (*link)->phase != CP_LOST) ||
				 !(*link)->released))
			link = &(*link)->next;
		if (!*link) {
			session_opening_say(st, s, now);
			return NULL;
		}
		struct sconn *old = *link;
		*link = old->next;
		scsi_stats_free(old->scsi);
		neg_free(&old->neg);
		pool_free(&sconn_pool, old);
		s->nconns--;
		s->incomplete = true;
	}
	struct sconn *c = pool_zalloc(&sconn_pool);
	if (!c) {
		/* Said without addresses rather than not at all. */
		session_opening_say(st, s, now);
		return NULL;
	}
	c->flow_id = f->id;
	c->initiator = f->ep[initiator_ep];
	c->outer = f->outer;
	c->target = f->ep[1 - initiator_ep];
	c->phase = login_observed ? CP_LOGIN : CP_FULL;
	c->login_observed = login_observed;
	c->first_ns = now;
	c->state_ns = now;
	c->version_active = -1;
	if (!login_observed)
		c->ffp_ns = now;
	struct sconn **link = &s->conns;
	while (*link)
		link = &(*link)->next;
	*link = c;
	s->nconns++;
	session_opening_say(st, s, now);
	return c;
}

/* Ends every other live session of the same I_T nexus (§6.3.5 session
 * reinstatement: a leading login for an identity that has a session). */
static void session_reinstate_one(struct session_table *st, struct session *o,
				  uint64_t now)
{
	/* A connection already lost keeps its end and why. */
	for (struct sconn *c = o->conns; c; c = c->next)
		if (c->phase != CP_ENDED && c->phase != CP_LOST) {
			c->phase = CP_ENDED;
			c->end_reason = END_REINSTATED;
			c->end_ns = c->end_ns ? c->end_ns : now;
		}
	o->end_reason = END_REINSTATED;
	session_set_status(st, o, now, ST_STOPPED,
			   "reinstated by a new leading login");
}

/* Ends every other live session of the same I_T nexus (§6.3.5 session
 * reinstatement: a leading login for an identity that has a session).
 * The identity index holds only live sessions, in creation order. */
static void session_reinstate(struct session_table *st, struct session *s,
			      uint64_t now)
{
	struct session *o = st->ident[s->ident_hash & (st->ident_buckets - 1)];
	while (o) {
		/* Ending o takes it out of the chain: step on first. */
		struct session *next = o->ident_next;
		if (o != s && o->ident_hash == s->ident_hash && o->tpgt_known &&
		    o->tpgt == s->tpgt &&
		    identity_eq(o, s->isid, s->initiator_name, s->target_name,
				s->domain))
			session_reinstate_one(st, o, now);
		o = next;
	}
}

/* Ends c's login as failed; a leading login takes its session with it
 * (ST_ERROR). kind: the event of a leading login. */
static void login_failed(struct session_table *st, struct session *s,
			 struct sconn *c, uint64_t now, enum login_fail f,
			 uint8_t reject, const char *kind, const char *why)
{
	c->phase = CP_ENDED;
	c->end_reason = END_LOGIN_FAILED;
	c->end_ns = now;
	char text[128];
	if (!c->leading) {
		struct session tmp = {.fail_kind = (uint8_t)f,
				      .fail_class = c->status_class,
				      .fail_detail = c->status_detail,
				      .fail_reject = reject};
		session_names_init(&tmp);
		session_event(st, s, c, now, "connection_login_failed", "%s",
			      session_fail_str(&tmp, text, sizeof(text)));
		return;
	}
	/* Nothing was negotiated, but the initiator declared the session
	 * type it asked for. */
	if (c->vals.session_type.state == NEG_NEGOTIATED ||
	    c->vals.session_type.state == NEG_DEFAULT)
		s->session_type = (int)c->vals.session_type.v;
	s->fail_kind = (uint8_t)f;
	s->fail_reject = reject;
	s->end_reason = END_LOGIN_FAILED;
	session_event(st, s, c, now, kind, "%s%s%s",
		      session_fail_str(s, text, sizeof(text)),
		      f == LF_STATUS && s->fail_class == 1 ? " to " : "",
		      f == LF_STATUS && s->fail_class == 1 ? s->redirect : "");
	session_set_status(st, s, now, ST_ERROR, why);
}

void session_login_end(struct session_table *st, struct session *s,
		       struct sconn *c, uint64_t now, uint8_t cls,
		       uint8_t detail, uint16_t tsih, int version_active)
{
	session_touch(st, s);
	c->status_known = true;
	c->status_class = cls;
	c->status_detail = detail;
	c->state_ns = now;
	/* A refused login never reached its operational stage: no RFC
	 * default is in effect, only what was said. */
	neg_compute(&c->neg, c->login_observed && cls == 0, &c->vals);
	const struct neg_result *tpgt = &c->vals.tpgt;
	if (tpgt->state == NEG_NEGOTIATED) {
		s->tpgt = (uint16_t)tpgt->v;
		s->tpgt_known = true;
	}
	name_from(&s->target_alias, &c->neg.target_alias);
	if (cls != 0) {
		const char *why = iscsi_login_status_str(cls, detail);
		if (cls == 1)
			name_from(&s->redirect, &c->neg.target_address);
		if (c->leading) {
			s->fail_class = cls;
			s->fail_detail = detail;
		}
		login_failed(st, s, c, now, LF_STATUS, 0,
			     cls == 1 ? "login_redirected" : "login_failed",
			     why);
		return;
	}
	c->phase = CP_FULL;
	c->ffp_ns = now;
	c->version_active = version_active;
	if (c->leading) {
		s->tsih = tsih;
		s->tsih_known = true;
		s->vals = c->vals;
		s->session_type = s->vals.session_type.state == NEG_UNKNOWN
					  ? -1
					  : (int)s->vals.session_type.v;
		session_reinstate(st, s, now);
	}
	/* Connection reinstatement (§6.3.4): the same CID logged in again
	 * ends the old connection. */
	for (struct sconn *o = s->conns; o; o = o->next) {
		if (o == c || !o->cid_known || !c->cid_known ||
		    o->cid != c->cid ||
		    (o->phase != CP_FULL && o->phase != CP_LOST &&
		     o->phase != CP_LOGOUT))
			continue;
		o->phase = CP_ENDED;
		o->end_reason = END_CONN_REINSTATED;
		if (!o->end_ns)
			o->end_ns = now;
		session_event(st, s, o, now, "connection_reinstated",
			      "CID %u logged in again", c->cid);
	}
	session_event(st, s, c, now, "connection_added",
		      "CID %u in full feature phase", c->cid);
	session_update(st, s, now, "login complete");
}

void session_login_rejected(struct session_table *st, struct session *s,
			    struct sconn *c, uint64_t now, uint8_t reason)
{
	session_touch(st, s);
	if (c->phase != CP_LOGIN)
		return;
	c->state_ns = now;
	neg_compute(&c->neg, c->login_observed, &c->vals);
	login_failed(st, s, c, now, LF_REJECTED, reason, "login_rejected",
		     "login rejected");
}

void session_logout_request(struct session_table *st, struct session *s,
			    struct sconn *c, uint64_t now, int reason,
			    uint16_t cid)
{
	session_touch(st, s);
	const char *w = reason >= 0 ? iscsi_tok_str(iscsi_logout_reasons,
						    (uint32_t)reason, "reason?")
				    : "reason?";
	session_event(st, s, c, now, "logout_requested", "%s (CID %u)", w, cid);
	s->logout_reason = reason;
	if (status_final(s->status))
		return; /* seen late (a resynchronising framer), or after
			   the end: nothing left to close */
	if (reason == 0) {
		for (struct sconn *o = s->conns; o; o = o->next)
			if (o->phase == CP_FULL)
				o->phase = CP_LOGOUT;
		session_set_status(st, s, now, ST_STOPPING, "logout requested");
		return;
	}
	/* Closing one connection, possibly from another one (§11.14). */
	for (struct sconn *o = s->conns; o; o = o->next)
		if (o->cid_known && o->cid == cid && o->phase == CP_FULL)
			o->phase = CP_LOGOUT;
	session_update(st, s, now, "connection logout requested");
}

void session_logout_response(struct session_table *st, struct session *s,
			     struct sconn *c, uint64_t now, int response)
{
	session_touch(st, s);
	if (response != 0) {
		session_event(st, s, c, now, "logout_failed", "%s",
			      response > 0 ? iscsi_tok_str(iscsi_logout_responses,
							   (uint32_t)response,
							   "unknown response")
					   : "unknown response");
		/* The connections stay as they were. */
		for (struct sconn *o = s->conns; o; o = o->next)
			if (o->phase == CP_LOGOUT)
				o->phase = CP_FULL;
		if (s->status == ST_STOPPING)
			s->status = ST_OK; /* re-derived just below */
		session_update(st, s, now, "logout refused");
		return;
	}
	bool requested = s->status == ST_STOPPING;
	for (const struct sconn *o = s->conns; o; o = o->next)
		requested |= o->phase == CP_LOGOUT;
	/* A response whose request the capture did not show (lost, or
	 * framed late after a resynchronisation): the connection it came
	 * on is the one logged out. */
	if (!requested && c->phase == CP_FULL)
		c->phase = CP_LOGOUT;
	unsigned remaining = 0;
	for (struct sconn *o = s->conns; o; o = o->next) {
		if (o->phase == CP_LOGOUT) {
			o->phase = CP_ENDED;
			o->end_reason = END_LOGOUT;
			o->end_ns = now;
			o->state_ns = now;
		}
		remaining += o->phase == CP_FULL;
	}
	session_event(st, s, c, now, "logout", "logout complete");
	if (remaining == 0 && s->logout_reason == 2) {
		/* The last connection was removed for recovery: the session
		 * waits for a new connection, as after a loss, until
		 * Time2Wait + Time2Retain pass (§6.2, §11.14.1). */
		for (struct sconn *o = s->conns; o; o = o->next)
			if (o->end_reason == END_LOGOUT && o->end_ns == now)
				o->phase = CP_LOST;
		session_update(st, s, now, "last connection removed for recovery");
		return;
	}
	if (s->status == ST_STOPPING || remaining == 0) {
		/* A close-session logout, or the last connection closed:
		 * the session is over (§11.14.1). */
		s->end_reason = END_LOGOUT;
		session_set_status(st, s, now, ST_STOPPED, "logged out");
		return;
	}
	session_update(st, s, now, "connection logged out");
}

void session_conn_closed(struct session_table *st, struct session *s,
			 struct sconn *c, uint64_t now, bool capture_end)
{
	session_touch(st, s);
	c->released = true; /* the tracker lets go of it now */
	if (capture_end)
		return; /* the capture stopped, not the connection */
	c->state_ns = now;
	if (!c->end_ns)
		c->end_ns = now;
	switch (c->phase) {
	case CP_ENDED:
	case CP_LOST:
		return;
	case CP_LOGIN: {
		c->phase = CP_ENDED;
		c->end_reason = END_CONN_CLOSED;
		enum login_fail f = c->login_responses ? LF_CLOSED
						       : LF_NO_RESPONSE;
		session_event(st, s, c, now, "login_abandoned", "%s",
			      fail_words[f]);
		if (c->leading && !status_final(s->status)) {
			s->fail_kind = (uint8_t)f;
			s->end_reason = END_LOGIN_FAILED;
			session_set_status(st, s, now, ST_ERROR,
					   "login abandoned");
		}
		return;
	}
	case CP_LOGOUT: {
		/* Closed after its Logout Request but before a response was
		 * seen: the target did what was asked (some targets close at
		 * once, without the response). */
		c->phase = CP_ENDED;
		c->end_reason = END_LOGOUT;
		session_event(st, s, c, now, "logout",
			      "CID %u closed after its logout request "
			      "(no response seen)",
			      c->cid);
		unsigned live = 0;
		for (const struct sconn *o = s->conns; o; o = o->next)
			live += o->phase == CP_FULL || o->phase == CP_LOGOUT;
		if (live == 0 && s->status == ST_STOPPING) {
			s->end_reason = END_LOGOUT;
			session_set_status(st, s, now, ST_STOPPED, "logged out");
			return;
		}
		session_update(st, s, now, "connection logged out");
		return;
	}
	case CP_FULL:
		break;
	}
	c->phase = CP_LOST;
	c->end_reason = END_CONN_CLOSED;
	session_event(st, s, c, now, "connection_lost",
		      "CID %u closed without logout", c->cid);
	session_update(st, s, now, "connection lost");
}

void session_conn_superseded(struct session_table *st, struct session *s,
			     struct sconn *c, uint64_t now)
{
	session_touch(st, s);
	/* Dropped without logout, like a RST (the endpoint that reused the
	 * ports had lost the old connection); only the reason differs. */
	bool full = c->phase == CP_FULL;
	session_conn_closed(st, s, c, now, false);
	if (full)
		c->end_reason = END_CONN_SUPERSEDED;
}

void session_conn_trouble(struct session_table *st, struct session *s,
			  struct sconn *c, uint64_t now, unsigned deg,
			  const char *detail)
{
	session_touch(st, s);
	if (deg == DEG_GAP) {
		/* A gap is bytes the sensor did not see (kernel or mirror
		 * port drops, the snap length, a memory cap): the endpoints
		 * had them, or TCP would have sent them again. It makes the
		 * capture incomplete; the session's health stays its own. */
		if (!s->incomplete)
			session_event(st, s, c, now, "capture_gap", "%s",
				      detail);
		s->incomplete = true;
		return;
	}
	bool first = !(s->degraded & deg);
	s->degraded |= deg;
	if (first)
		session_event(st, s, c, now, "session_trouble", "%s", detail);
	session_update(st, s, now, detail);
}

struct session *session_orphan(struct session_table *st, uint64_t now)
{
	struct session *s = session_new(st, now);
	if (!s)
		return NULL;
	s->status = ST_OK;
	s->opening = SESS_OPENING_ORPHAN;
	return s;
}

static uint8_t add_u8(unsigned a, unsigned b)
{
	return (uint8_t)(a + b > UINT8_MAX ? UINT8_MAX : a + b);
}

void session_discovered(struct session *s, const char *name,
			const char *const *addrs, unsigned n, unsigned dropped,
			bool truncated)
{
	if (s->ntargets == s->targets_cap) {
		unsigned cap = s->targets_cap ? s->targets_cap * 2 : 4;
		if (cap > SESSION_TARGETS_MAX)
			cap = SESSION_TARGETS_MAX;
		struct discovered_target *t =
		    cap > s->targets_cap ? realloc(s->targets, cap * sizeof(*t))
					 : NULL;
		if (!t) {
			s->targets_dropped++;
			return;
		}
		s->targets = t;
		s->targets_cap = cap;
	}
	struct discovered_target *t = &s->targets[s->ntargets++];
	memset(t, 0, sizeof(*t));
	size_t nl = strlen(name);
	t->truncated = truncated || nl >= sizeof(t->name);
	snprintf(t->name, sizeof(t->name), "%s", name);
	size_t used = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(addrs[i]);
		if (l + 1 > sizeof(t->addresses) - used) {
			/* no room for the whole value: not kept, counted */
			t->addr_dropped = add_u8(t->addr_dropped, n - i);
			break;
		}
		memcpy(t->addresses + used, addrs[i], l + 1);
		used += l + 1;
		t->naddr++;
	}
	t->addr_dropped = add_u8(t->addr_dropped, dropped);
}

const char *session_target_addr(const struct discovered_target *t,
				unsigned i)
{
	const char *p = t->addresses;
	for (unsigned k = 0; k < i && k < t->naddr; k++)
		p += strlen(p) + 1;
	return p;
}

void session_table_capture_loss(struct session_table *st, uint64_t now,
				const char *detail)
{
	/* A kernel drop is not the session's fault: its status and health
	 * stay; it is marked incomplete and told once in its events. */
	for (struct session *s = st->head; s; s = s->next) {
		if (status_final(s->status) || s->incomplete)
			continue;
		s->incomplete = true;
		session_event(st, s, NULL, now, "capture_loss", "%s", detail);
	}
}
