/* session.h - the session model: iSCSI sessions and their connections as
 * reconstructed from logins, logouts and connection lifecycles.
 *
 * Fed by the tracker (track.c) with login outcomes and connection events;
 * never sees a packet or a PDU. Everything is driven by capture
 * timestamps, so the same capture always yields the same model.
 *
 * Memory: sessions are capped (SESSION_MAX_DEFAULT); each session keeps
 * at most SESSION_EVENTS_MAX events (oldest dropped, counted) and
 * SESSION_CONNS_MAX connections (older ended ones dropped first). What
 * a session rarely needs is on the heap and made on first use: the event
 * ring grows from SESSION_EVENTS_MIN, SendTargets results only exist in
 * discovery sessions, the SCSI state only after a command.
 * The model owns sessions and connections; sinks borrow them while a
 * callback or an export runs.
 *
 * Cost: nothing on the per-PDU or per-login path looks at every session.
 * Live sessions are indexed by identity (ISID, InitiatorName, TargetName;
 * the TPGT and the TSIH are compared within one identity's few sessions),
 * which finds the session a connection joins (MC/S, by TSIH) and the ones
 * a leading login reinstates; a connection reaches its session through
 * its flow (track.c); lost sessions waiting for Time2Retain are a list of
 * their own, so the timer looks at those only.
 */
#ifndef ISCSIWATCH_SESSION_H
#define ISCSIWATCH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "negotiate.h"
#include "net.h"

struct flow; /* flow.h: only its endpoints and outer headers are copied */

struct scsi_stats; /* scsi.h */
struct scsi_sess;
struct scsi_figures;

#define SESSION_MAX_DEFAULT 65536u
#define SESSION_EVENTS_MAX 64u
#define SESSION_EVENTS_MIN 4u /* first size of the ring */
#define SESSION_CONNS_MAX 64u
#define SESSION_TARGETS_MAX 64u /* SendTargets results kept */
/* Retention (--keep-ended): an ended session stays for this long (capture
 * time) and among at most this many ended ones, then it is folded into
 * the summary of its (initiator, target) pair. */
#define SESSION_KEEP_ENDED_S_DEFAULT 3600u
#define SESSION_KEEP_ENDED_MAX_DEFAULT 1000u
#define SESSION_SUMMARIES_MAX 65536u /* pairs; then one "other" summary */

/* CIM EnabledState values used (cim-mapping.md). */
enum cim_enabled {
	CIM_ENABLED = 2,
	CIM_DISABLED = 3,
	CIM_SHUTTING_DOWN = 4,
	CIM_ENABLED_OFFLINE = 6,
	CIM_STARTING = 10,
};

/* The one status a session or connection is in; OperationalStatus,
 * Status, HealthState and EnabledState are all derived from it. */
enum sess_status {
	ST_STARTING,  /* login in progress */
	ST_OK,        /* full feature, healthy */
	ST_DEGRADED,  /* full feature with trouble (see degraded flags) */
	ST_STOPPING,  /* logout requested, no response yet */
	ST_LOST,      /* every connection dropped without logout */
	ST_STOPPED,   /* ended: logout, reinstatement, retain time passed */
	ST_ERROR,     /* login failed */
};

/* Why a session is degraded (bits of sess->degraded). */
#define DEG_CONN_LOST 0x01     /* a connection dropped, others remain */
#define DEG_DIGEST 0x02        /* header or data digest errors */
#define DEG_REJECT 0x04        /* Reject PDUs */
/* 0x08 is free: a "retransmission storm" was once listed here, but no
 * stage measures retransmissions per session; TCP_RETRANSMITTED counts
 * them for the whole capture. */
#define DEG_OVERLAP 0x10       /* overlapping retransmission, other data */
#define DEG_GAP 0x20           /* capture lost bytes: never degrades, only
				* marks the session incomplete (the loss
				* is the sensor's, not the SAN's) */

enum conn_phase {
	CP_LOGIN,       /* login in progress */
	CP_FULL,        /* full feature phase */
	CP_LOGOUT,      /* logout requested */
	CP_ENDED,       /* logged out, or closed after a failed login */
	CP_LOST,        /* dropped without logout (FIN, RST, silence) */
};

enum sess_end_reason {
	END_NONE = 0,
	END_LOGOUT,         /* close-session logout completed */
	END_REINSTATED,     /* a new leading login for the same identity */
	END_RETAIN_EXPIRED, /* lost, and Time2Wait + Time2Retain passed */
	END_LOGIN_FAILED,
	END_CONN_REINSTATED, /* (connections) same CID logged in again */
	END_CONN_CLOSED,     /* (connections) TCP closed */
	END_CONN_SUPERSEDED, /* (connections) a new TCP connection on its
				ports began before its close was seen */
};

/* How a failed login ended: what "Login failed: ..." says. */
enum login_fail {
	LF_NONE = 0,
	LF_STATUS,	/* a Login Response with status class >= 1 */
	LF_NO_RESPONSE, /* the connection closed before any Login Response */
	LF_CLOSED,	/* it closed during the login, after responses */
	LF_REJECTED,	/* the target answered with a Reject (§11.17) */
};

/* The iSCSI-MIB PDU counters (RFC 4544 / 7147) of a connection, or of a
 * session (the sum of its connections, kept as they are counted, so a
 * connection dropped at SESSION_CONNS_MAX still counts). Counted once,
 * by the tracker, for every PDU of a connection that has a session,
 * Login and Text included; the SCSI layer (scsi.h) counts only SCSI. */
struct pdu_counts {
	uint64_t pdus[2];   /* by direction: 0 initiator->target (MIB
			     * iscsiCxnCmdPDUs / RspPDUs) */
	uint64_t octets[2]; /* data segment bytes (MIB Tx/RxDataOctets) */
	uint64_t nop_out, nop_in;
	uint64_t hdigest_errors, ddigest_errors; /* MIB DigestErrors */
	uint64_t rejects;
	uint64_t format_errors; /* MIB FormatErrors: Reject for a protocol
				 * error or an invalid field (§11.17.1) */
	uint64_t conn_timeout_errors; /* MIB CxnTimeoutErrors: went silent */
	uint64_t logout_reqs;
};

/* The errors among them (what scsi_stats_errors adds to). */
static inline uint64_t pdu_counts_errors(const struct pdu_counts *k)
{
	return k->rejects + k->hdigest_errors + k->ddigest_errors +
	       k->format_errors + k->conn_timeout_errors;
}

struct sconn {
	struct sconn *next;
	bool released; /* its TCP connection is closed: nobody holds it */
	uint64_t flow_id;
	struct flow_ep initiator, target; /* TCP endpoints */
	struct net_outer outer; /* tunnels/VLANs it was seen in (flow's) */
	bool cid_known;
	uint16_t cid;
	enum conn_phase phase;
	enum sess_end_reason end_reason;
	bool login_observed;   /* from its first Login Request */
	bool leading;          /* the login that created the session */
	uint64_t first_ns;     /* first login request (or first PDU) */
	uint64_t ffp_ns;       /* entered full feature phase (0: never) */
	uint64_t end_ns;       /* 0 while open */
	uint64_t state_ns;     /* last phase change */
	int version_active;    /* -1 unknown */
	uint8_t status_class, status_detail; /* final login response */
	bool status_known;
	uint32_t login_responses; /* Login Responses seen */
	struct neg neg;        /* what its login (and later Text) said */
	struct neg_values vals;
	struct pdu_counts counts;
	uint64_t gaps;
	/* What the SCSI layer counted on this connection (scsi.h): made
	 * on its first SCSI PDU, NULL on a connection without SCSI
	 * traffic. The decoder's own state (open commands) is the
	 * tracker's, freed with the TCP connection. */
	struct scsi_stats *scsi;
};

struct discovered_target {
	char name[NEG_STR_MAX];
	/* The TargetAddress values (§13.8), each NUL-terminated, one after
	 * the other: a value may hold any byte but NUL, so no separator
	 * could be told from its content. session_target_addr() reads them. */
	char addresses[NEG_STR_MAX];
	uint8_t naddr;        /* values in addresses */
	uint8_t addr_dropped; /* values not kept (too many, or no room) */
	bool truncated;       /* the name or a kept value was cut */
};

#define SESS_EVENT_DETAIL_MAX 160u /* detail text, NUL included */

/* The detail is a heap copy of its exact length (most are 15 to 60
 * bytes: a fixed array was most of an idle session's history); for a
 * listener it is the caller's buffer, valid during the call. */
struct sess_event {
	uint64_t ts_ns;
	const char *kind;   /* "session_starting", "login_failed", ... */
	const char *detail; /* never NULL, < SESS_EVENT_DETAIL_MAX bytes */
};

struct session {
	struct session *next;   /* in creation order */
	uint64_t seq;           /* creation order */
	uint64_t gen;           /* session_table_gen() when something about
				   it last changed (session_touch) */
	/* identity (§4.2.7 / cim-mapping Name). The names are shared
	 * copies (intern.h: 4,000 sessions to 20 targets hold 20 target
	 * names), "" when unknown, never NULL; set with session_name_set. */
	const char *initiator_name;
	const char *target_name;
	const char *initiator_alias;
	const char *target_alias;
	bool isid_known, tpgt_known, tsih_known;
	uint8_t isid[6];
	uint16_t tpgt;
	uint16_t tsih;
	uint64_t domain;        /* net_tcp.domain of its logins: part of
				   the nexus, so tenants stay apart */
	bool login_observed;    /* the leading login was seen */
	/* Its opening event (SESS_OPENING_*), held until its first
	 * connection is added, so that it names that connection's
	 * addresses like every later event (event_who.h). */
	uint8_t opening;
	int session_type;       /* -1 unknown, else enum neg_session_type */
	struct neg_values vals; /* session-wide values of the leading login */
	uint64_t install_ns;    /* leading Login Request (or first seen) */
	uint64_t state_ns;      /* TimeOfLastStateChange */
	uint64_t lost_ns;       /* when the last connection was lost */
	enum sess_status status;
	enum sess_end_reason end_reason;
	unsigned degraded;      /* DEG_* */
	uint8_t fail_kind;               /* enum login_fail */
	uint8_t fail_class, fail_detail; /* LF_STATUS */
	uint8_t fail_reject;             /* LF_REJECTED: reason §11.17.1 */
	const char *redirect;            /* TargetAddress of a redirect */
	bool incomplete;        /* a cap or gap hid part of it */
	struct sconn *conns;    /* in login order */
	unsigned nconns;
	/* SendTargets results: heap, grown as they come, at most
	 * SESSION_TARGETS_MAX (then counted in targets_dropped) */
	struct discovered_target *targets;
	unsigned ntargets, targets_cap;
	uint32_t targets_dropped;
	/* Event history: a ring on the heap that grows with use up to
	 * SESSION_EVENTS_MAX, then drops the oldest (counted; so is an event
	 * whose detail could not be copied). Read it with
	 * session_event_at(). */
	struct sess_event *events;
	unsigned nevents, event_head, events_cap;
	uint64_t events_dropped;
	struct pdu_counts counts; /* of all its connections, ever */
	/* SCSI layer (scsi.h): made on the first SCSI PDU of the session,
	 * NULL for an idle one */
	struct scsi_sess *scsi;
	int logout_reason;      /* of the pending Logout Request (§11.14.1) */
	/* private to session.c: the identity index (live sessions whose
	 * ISID is known), the list of lost sessions, the list of ended
	 * ones in the order they ended (retention) */
	struct session *prev;
	uint64_t ident_hash;
	struct session *ident_next;
	struct session *lost_prev, *lost_next;
	struct session *ended_next;
	uint64_t ended_ns;
	bool in_ident, in_lost, in_ended;
};

/* What is left of the ended sessions of one (initiator, target) pair once
 * retention folded them (names "" when unknown, or for the one summary
 * that takes every pair beyond SESSION_SUMMARIES_MAX: `other`). */
struct sess_summary {
	struct sess_summary *next; /* in the order pairs were first folded */
	struct sess_summary *hnext;
	uint64_t hash;
	bool other;
	char *initiator_name, *target_name;
	uint64_t sessions; /* sessions folded in */
	uint64_t logins;   /* of those, with their leading login seen */
	uint64_t failures; /* ended by a failed or abandoned login */
	uint64_t first_ns; /* earliest install time among them */
	uint64_t last_ns;  /* latest state change (their end) */
};

/* ---- the table of sessions ---- */

struct session_table;

/* Called for every event as it happens (the NDJSON sink, the UI). The
 * session and connection are borrowed for the call; c may be NULL. */
struct session_listener {
	void *user;
	void (*event)(void *user, const struct session *s,
		      const struct sconn *c, const struct sess_event *ev);
};

struct session_table *session_table_new(size_t max_sessions,
					struct counters *ctr);
void session_table_free(struct session_table *st);
void session_table_listen(struct session_table *st,
			  const struct session_listener *l);
/* Sessions in creation order (follow ->next). */
const struct session *session_first(const struct session_table *st);
size_t session_count(const struct session_table *st);
/* Moves states that depend on time alone (a lost session whose
 * Time2Wait + Time2Retain have passed becomes Stopped), then folds the
 * ended sessions retention lets go of (session_table_keep). Sessions
 * borrowed from the table are invalid after it. */
void session_table_tick(struct session_table *st, uint64_t now_ns);
/* Retention: ended sessions are kept keep_ns after they ended and at
 * most keep_max of them (0 for either: the default); older ones are
 * folded into summaries by session_table_tick(). An ended session whose
 * TCP connection is still open waits for it to close. */
void session_table_keep(struct session_table *st, uint64_t keep_ns,
			size_t keep_max);
/* The table's change generation: it grows whenever a session is
 * created, changed (its `gen` takes the new value) or folded away, so a
 * viewer that saw generation g has nothing to redo while it is still g,
 * and only sessions with gen > g to refresh. */
uint64_t session_table_gen(const struct session_table *st);
/* Marks s changed (the tracker calls it for each PDU of s; the table's
 * own transitions do it themselves). */
void session_touch(struct session_table *st, struct session *s);
/* Summaries of folded sessions in first-fold order (NULL: none). */
const struct sess_summary *session_summaries(const struct session_table *st);
/* Sessions folded so far (the sum of the summaries' `sessions`). */
uint64_t session_folded(const struct session_table *st);

/* The capture lost packets (kernel drops of a live capture) at time now:
 * every session not ended is marked incomplete, with one "capture_loss"
 * event carrying detail. Status and health do not change. */
void session_table_capture_loss(struct session_table *st, uint64_t now,
				const char *detail);

/* ---- changes, made by the tracker (track.c) ---- */

/* A Login Request opened a login on a connection. tsih == 0 is a leading
 * login: a new session. tsih != 0 adds a connection to the live session
 * with that identity and TSIH (one is made, its login unseen, when the
 * capture missed the leading login). The identity includes the layer-2
 * domain of the login's flow (flow.domain). Returns NULL at the session
 * cap. */
struct session *session_login_begin(struct session_table *st, uint64_t now,
				    const struct neg *neg,
				    const uint8_t isid[6], uint16_t tsih,
				    uint64_t domain);
/* Adds the connection of a login (or of traffic without one) to s. The
 * first one also says the event that opened s (session_starting or
 * session_found, deferred by session_login_begin or session_orphan), at
 * `now`: the caller passes the same time to both. */
struct sconn *session_conn_add(struct session_table *st, struct session *s,
			       const struct flow *f, int initiator_ep,
			       uint64_t now, bool login_observed);
/* The final Login Response: status class/detail, and on success the
 * TSIH, version and everything negotiated (c->neg must be filled). */
void session_login_end(struct session_table *st, struct session *s,
		       struct sconn *c, uint64_t now, uint8_t cls,
		       uint8_t detail, uint16_t tsih, int version_active);
/* The target rejected a PDU of c's login (§11.17): the login failed. */
void session_login_rejected(struct session_table *st, struct session *s,
			    struct sconn *c, uint64_t now, uint8_t reason);
/* Logout Request (reason §11.14.1: 0 session, 1 connection, 2 recovery)
 * for connection `cid`, seen on c; and its response (§11.15.1). */
void session_logout_request(struct session_table *st, struct session *s,
			    struct sconn *c, uint64_t now, int reason,
			    uint16_t cid);
void session_logout_response(struct session_table *st, struct session *s,
			     struct sconn *c, uint64_t now, int response);
/* The TCP connection ended (FIN, RST, silence, end of capture). */
void session_conn_closed(struct session_table *st, struct session *s,
			 struct sconn *c, uint64_t now, bool capture_end);
/* The TCP connection was replaced by a new handshake on its 4-tuple
 * before any close was seen: as closed, with that reason. */
void session_conn_superseded(struct session_table *st, struct session *s,
			     struct sconn *c, uint64_t now);
/* Trouble on c that degrades the session: one of DEG_*. */
void session_conn_trouble(struct session_table *st, struct session *s,
			  struct sconn *c, uint64_t now, unsigned deg,
			  const char *detail);
/* Full feature traffic of a connection whose login was not captured:
 * a session of its own, identity unknown. */
struct session *session_orphan(struct session_table *st, uint64_t now);
/* A SendTargets answer (discovery): one target, its n TargetAddress
 * values, `dropped` more the login module did not keep, and whether it
 * cut the name or a value. What does not fit here is counted too. */
void session_discovered(struct session *s, const char *name,
			const char *const *addrs, unsigned n, unsigned dropped,
			bool truncated);
/* The i-th TargetAddress value of t (i < t->naddr). */
const char *session_target_addr(const struct discovered_target *t,
				unsigned i);
/* Event i of s's history, 0 the oldest kept, i < s->nevents. */
const struct sess_event *session_event_at(const struct session *s, unsigned i);
/* Frees what a session holds on the heap besides its connections (the
 * event ring, the SendTargets results, its names): for sessions made
 * outside a table (test fixtures); a table frees its own. */
void session_parts_free(struct session *s);
/* Every name of s "" (a session made outside a table starts so). */
void session_names_init(struct session *s);
/* Sets one name of a session (&s->initiator_name, ...) to the shared
 * copy of v (NULL or "": unknown), releasing the one it held. */
void session_name_set(const char **slot, const char *v);
/* Records an event and tells the listener (st may be NULL: no table, no
 * listener). */
void session_event(struct session_table *st, struct session *s,
		   const struct sconn *c, uint64_t now, const char *kind,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Whose view an export takes (cim-mapping.md "Perspective"). */
enum perspective { PERSP_TARGET = 0, PERSP_INITIATOR };

/* The CIM EnabledState of a status. */
enum cim_enabled session_enabled_state(enum sess_status st);
/* Why the login of a session in ST_ERROR failed, as words:
 * "authentication failure (0x0201)", "no response (connection closed)",
 * "rejected (protocol error)", ... Writes at most len bytes (NUL
 * included) to buf and returns buf. */
const char *session_fail_str(const struct session *s, char *buf, size_t len);
/* "redirected" for a status-class 1 answer, else "failed". */
const char *session_fail_verb(const struct session *s);
/* The connection whose login made the session (the leading login), or
 * its first connection when that login was not seen; NULL when none. */
const struct sconn *session_leading_conn(const struct session *s);
/* Connections in full feature phase now. */
unsigned session_current_connections(const struct session *s);
/* The SCSI layer's figures of s (all zero without SCSI traffic), with
 * its errors counting the PDU-level ones too (pdu_counts_errors). */
void session_figures(const struct session *s, uint64_t now,
		     struct scsi_figures *f);
/* Errors in one number: the SCSI layer's (scsi_stats_errors) and the
 * PDU-level ones (pdu_counts_errors). */
uint64_t session_errors(const struct session *s);
/* The SCSI state of c and of its session, made on c's first SCSI PDU
 * (scsi.h); false when out of memory, each part not made counted in
 * ctr (CTR_SCSI_NOMEM; ctr may be NULL). */
bool session_scsi_attach(struct session *s, struct sconn *c,
			 struct counters *ctr);

#endif
