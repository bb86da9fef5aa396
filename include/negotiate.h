/* negotiate.h - login key negotiation as a passive observer sees it
 * (RFC 7143 §6.2, §12, §13; RFC 3720 §A.3 for the markers; RFC 5048
 * TaskReporting; RFC 7144 iSCSIProtocolLevel).
 *
 * The caller (login.c) feeds every key=value pair with the side that sent
 * it. The first side to send a key is its offerer (or declarer); the other
 * side's value is the answer. Nothing here sees a packet.
 *
 * A passive observer cannot re-run a negotiation: the ANSWER is the
 * outcome both ends will use. The rules of §13 are used to check the
 * answer (an answer that breaks them is flagged NEG_RF_VIOLATION), not to
 * override it.
 *
 * Secrets: CHAP_C and CHAP_R are never copied - only their presence and
 * lengths are recorded (struct neg_chap).
 *
 * struct neg is caller-owned and zero-initialisable; it holds interned
 * strings and, rarely, a heap block (see its ownership note).
 */
#ifndef ISCSIWATCH_NEGOTIATE_H
#define ISCSIWATCH_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

enum neg_side { NEG_INITIATOR = 0, NEG_TARGET = 1 };

/* Scope (§13): SW session-wide, CO connection-only, DECL declarations
 * that are not negotiated (names, addresses). */
enum neg_scope { NEG_SW = 0, NEG_CO, NEG_DECL };

enum neg_type {
	NEG_T_BOOL = 0, /* Yes / No */
	NEG_T_NUM,	/* numerical-value with a range */
	NEG_T_ENUM,	/* list-of-values from a fixed vocabulary */
	NEG_T_STRING,	/* names, aliases, addresses */
	NEG_T_NUMLIST,	/* CHAP_A: list of numbers */
	NEG_T_BINARY,	/* CHAP_C / CHAP_R: secret material, length only */
};

enum neg_rule {
	NEG_R_DECL = 0, /* declarative: each side's own value */
	NEG_R_MIN,
	NEG_R_MAX,
	NEG_R_AND,
	NEG_R_OR,
	NEG_R_LIST, /* first acceptable value of the offer's list */
};

/* id, name, scope, type, rule, has a default, default, min, max, vocabulary
 * (names of NEG_T_ENUM values; the arrays are in negotiate.c). Ranges and
 * defaults: §13.1-13.24, RFC 3720 §A.3.2 (markers), RFC 7144. */
#define NEG_KEYS(X)                                                            \
	X(HEADER_DIGEST, "HeaderDigest", NEG_CO, NEG_T_ENUM, NEG_R_LIST, 1, 0, \
	  0, 1, vocab_digest)                                                  \
	X(DATA_DIGEST, "DataDigest", NEG_CO, NEG_T_ENUM, NEG_R_LIST, 1, 0, 0,  \
	  1, vocab_digest)                                                     \
	X(MAX_RECV_DSL, "MaxRecvDataSegmentLength", NEG_CO, NEG_T_NUM,         \
	  NEG_R_DECL, 1, 8192, 512, 16777215, NULL)                            \
	X(MAX_CONNECTIONS, "MaxConnections", NEG_SW, NEG_T_NUM, NEG_R_MIN, 1,  \
	  1, 1, 65535, NULL)                                                   \
	X(INITIAL_R2T, "InitialR2T", NEG_SW, NEG_T_BOOL, NEG_R_OR, 1, 1, 0, 1, \
	  NULL)                                                                \
	X(IMMEDIATE_DATA, "ImmediateData", NEG_SW, NEG_T_BOOL, NEG_R_AND, 1,   \
	  1, 0, 1, NULL)                                                       \
	X(MAX_BURST_LENGTH, "MaxBurstLength", NEG_SW, NEG_T_NUM, NEG_R_MIN, 1, \
	  262144, 512, 16777215, NULL)                                         \
	X(FIRST_BURST_LENGTH, "FirstBurstLength", NEG_SW, NEG_T_NUM,           \
	  NEG_R_MIN, 1, 65536, 512, 16777215, NULL)                            \
	X(DEFAULT_TIME2WAIT, "DefaultTime2Wait", NEG_SW, NEG_T_NUM, NEG_R_MAX, \
	  1, 2, 0, 3600, NULL)                                                 \
	X(DEFAULT_TIME2RETAIN, "DefaultTime2Retain", NEG_SW, NEG_T_NUM,        \
	  NEG_R_MIN, 1, 20, 0, 3600, NULL)                                     \
	X(MAX_OUTSTANDING_R2T, "MaxOutstandingR2T", NEG_SW, NEG_T_NUM,         \
	  NEG_R_MIN, 1, 1, 1, 65535, NULL)                                     \
	X(DATA_PDU_IN_ORDER, "DataPDUInOrder", NEG_SW, NEG_T_BOOL, NEG_R_OR,   \
	  1, 1, 0, 1, NULL)                                                    \
	X(DATA_SEQUENCE_IN_ORDER, "DataSequenceInOrder", NEG_SW, NEG_T_BOOL,   \
	  NEG_R_OR, 1, 1, 0, 1, NULL)                                          \
	X(ERROR_RECOVERY_LEVEL, "ErrorRecoveryLevel", NEG_SW, NEG_T_NUM,       \
	  NEG_R_MIN, 1, 0, 0, 2, NULL)                                         \
	X(SESSION_TYPE, "SessionType", NEG_SW, NEG_T_ENUM, NEG_R_DECL, 1, 0,   \
	  0, 1, vocab_session)                                                 \
	X(INITIATOR_NAME, "InitiatorName", NEG_DECL, NEG_T_STRING, NEG_R_DECL, \
	  0, 0, 0, 0, NULL)                                                    \
	X(TARGET_NAME, "TargetName", NEG_DECL, NEG_T_STRING, NEG_R_DECL, 0, 0, \
	  0, 0, NULL)                                                          \
	X(INITIATOR_ALIAS, "InitiatorAlias", NEG_DECL, NEG_T_STRING,           \
	  NEG_R_DECL, 0, 0, 0, 0, NULL)                                        \
	X(TARGET_ALIAS, "TargetAlias", NEG_DECL, NEG_T_STRING, NEG_R_DECL, 0,  \
	  0, 0, 0, NULL)                                                       \
	X(TARGET_ADDRESS, "TargetAddress", NEG_DECL, NEG_T_STRING, NEG_R_DECL, \
	  0, 0, 0, 0, NULL)                                                    \
	X(TARGET_PORTAL_GROUP_TAG, "TargetPortalGroupTag", NEG_DECL,           \
	  NEG_T_NUM, NEG_R_DECL, 0, 0, 0, 65535, NULL)                         \
	X(AUTH_METHOD, "AuthMethod", NEG_CO, NEG_T_ENUM, NEG_R_LIST, 1, 0, 0,  \
	  5, vocab_auth)                                                       \
	X(TASK_REPORTING, "TaskReporting", NEG_SW, NEG_T_ENUM, NEG_R_LIST, 1,  \
	  0, 0, 2, vocab_task)                                                 \
	X(PROTOCOL_LEVEL, "iSCSIProtocolLevel", NEG_SW, NEG_T_NUM, NEG_R_MIN,  \
	  1, 1, 0, 31, NULL)                                                   \
	X(IFMARKER, "IFMarker", NEG_CO, NEG_T_BOOL, NEG_R_AND, 1, 0, 0, 1,     \
	  NULL)                                                                \
	X(OFMARKER, "OFMarker", NEG_CO, NEG_T_BOOL, NEG_R_AND, 1, 0, 0, 1,     \
	  NULL)                                                                \
	X(CHAP_A, "CHAP_A", NEG_CO, NEG_T_NUMLIST, NEG_R_LIST, 0, 0, 0, 255,   \
	  NULL)                                                                \
	X(CHAP_I, "CHAP_I", NEG_CO, NEG_T_NUM, NEG_R_DECL, 0, 0, 0, 255, NULL) \
	X(CHAP_C, "CHAP_C", NEG_CO, NEG_T_BINARY, NEG_R_DECL, 0, 0, 0, 0,      \
	  NULL)                                                                \
	X(CHAP_N, "CHAP_N", NEG_CO, NEG_T_STRING, NEG_R_DECL, 0, 0, 0, 0,      \
	  NULL)                                                                \
	X(CHAP_R, "CHAP_R", NEG_CO, NEG_T_BINARY, NEG_R_DECL, 0, 0, 0, 0, NULL)

enum neg_key {
#define NEG_KEY_ENUM(id, name, scope, type, rule, hasd, dflt, min, max, voc)   \
	NK_##id,
	NEG_KEYS(NEG_KEY_ENUM)
#undef NEG_KEY_ENUM
	    NK_COUNT
};

/* The five CHAP keys (RFC 7143 §12.1.3) are the last rows of NEG_KEYS,
 * CHAP_A first: neg_key_is_chap() is one comparison. Adding a key after
 * them, or moving them, breaks this at compile time. */
_Static_assert(NK_CHAP_I == NK_CHAP_A + 1 && NK_CHAP_C == NK_CHAP_A + 2 &&
		       NK_CHAP_N == NK_CHAP_A + 3 && NK_CHAP_R == NK_CHAP_A + 4 &&
		       NK_CHAP_R == NK_COUNT - 1,
	       "the CHAP keys must be the last five rows of NEG_KEYS");
static inline bool neg_key_is_chap(int k)
{
	return k >= NK_CHAP_A && k < NK_COUNT;
}

/* Vocabularies of the NEG_T_ENUM keys; the value is the index. */
enum neg_digest { NEG_DIGEST_NONE = 0, NEG_DIGEST_CRC32C = 1 };
enum neg_auth {
	NEG_AUTH_NONE = 0,
	NEG_AUTH_CHAP,
	NEG_AUTH_SRP,
	NEG_AUTH_KRB5,
	NEG_AUTH_SPKM1,
	NEG_AUTH_SPKM2,
};
enum neg_session_type { NEG_SESSION_NORMAL = 0, NEG_SESSION_DISCOVERY = 1 };
enum neg_task_reporting {
	NEG_TR_RFC3720 = 0,
	NEG_TR_RESPONSE_FENCE,
	NEG_TR_FAST_ABORT,
};

struct neg_key_info {
	const char *name;
	enum neg_scope scope;
	enum neg_type type;
	enum neg_rule rule;
	bool has_default;
	uint32_t dflt, min, max;
	const char *const *vocab; /* NEG_T_ENUM: names, NULL-terminated */
};

const struct neg_key_info *neg_key_info(enum neg_key k);
/* Key id of a key name (case-sensitive, §6.1), or -1. */
int neg_key_lookup(struct text_span key);
/* Name of value v of an NEG_T_ENUM key ("CRC32C"), or "?". */
const char *neg_vocab_name(enum neg_key k, uint32_t v);

/* Special answers (§6.2). */
enum neg_special {
	NEG_SP_NONE = 0,
	NEG_SP_IRRELEVANT,
	NEG_SP_REJECT,
	NEG_SP_NOT_UNDERSTOOD,
};

#define NEG_LIST_MAX 8

/* What one side sent for one key, as neg_val_get() gives it back. */
struct neg_val {
	bool seen;
	bool invalid;	  /* out of range, not a number, no known value */
	bool repeated;	  /* sent more than once (§6.2 forbids, CHAP aside) */
	uint8_t special;  /* enum neg_special */
	uint8_t nlist;	  /* known list items in `list`, in order */
	uint8_t nunknown; /* list items outside the vocabulary */
	uint8_t list[NEG_LIST_MAX];
	uint32_t num; /* bool 0/1, number, first list item, binary length */
	/* Length of the value text as sent: kept for an invalid value, the
	 * one an output reports it for; 0 for any other. */
	uint32_t len;
};

/* One side's value as stored: 4 bytes. `word` holds the number (every
 * in-range value of every numeric key fits 24 bits: the widest range is
 * 512..16777215, §13.12-13.14; a binary length is at most 2^23) or a
 * list - for a vocabulary key the item count and up to 7 indexes of 3
 * bits (vocabularies have <= 6 names), for CHAP_A the count and up to 2
 * algorithm numbers (<= 255). A value that does not fit - invalid (its
 * length is reported), with unknown list items, a longer list - is kept
 * whole in neg.wide and marked `wide`. */
struct neg_cell {
	uint32_t word : 24;
	uint32_t seen : 1;
	uint32_t repeated : 1;
	uint32_t special : 2; /* enum neg_special */
	uint32_t wide : 1;
	uint32_t unused : 3;
};

/* A value kept whole (struct neg_cell `wide`). */
struct neg_wide {
	uint8_t key; /* enum neg_key */
	uint8_t side;
	struct neg_val v;
};

#define NEG_STR_MAX 256 /* iSCSI names are <= 223 bytes (§4.2.7.1) */

/* A declared string: its first NEG_STR_MAX - 1 bytes, interned
 * (intern.h: the sessions of one initiator share its name). */
struct neg_str {
	const char *s; /* NULL until seen; "" when the value was empty */
	uint32_t len;  /* length as sent (may exceed the copy) */
	bool seen;
	bool truncated; /* cut at NEG_STR_MAX - 1 bytes, or no memory */
};

/* What CHAP (RFC 1994, §12.1.3) showed: never the secret-derived bytes. */
struct neg_chap {
	bool seen;		/* any CHAP_ key */
	bool algorithm_seen;	/* CHAP_A answered by the target */
	bool mutual;		/* the initiator sent its own CHAP_I/CHAP_C */
	bool malformed;		/* a CHAP_C/CHAP_R not hex or base64 */
	bool id_seen[2];	/* CHAP_I */
	bool challenge_seen[2]; /* CHAP_C sent by each side */
	bool response_seen[2];	/* CHAP_R */
	uint8_t algorithm;	/* 5 MD5, 6 SHA1, 7 SHA-256, 8 SHA3-256 */
	struct neg_str name[2]; /* CHAP_N sent by each side */
	uint32_t challenge_len[2]; /* bytes encoded (hex/base64 decoded) */
	uint32_t response_len[2];
};

/* The negotiation record of one connection.
 *
 * Ownership: the record owns its interned strings and its `wide` block.
 * neg_init() makes an empty one (no offerer yet); a zeroed one (a
 * calloc'd struct sconn) may be copied or moved into and freed as well.
 * Never copy it with `=`: neg_copy() makes a second owner, neg_move()
 * hands it over, neg_free() drops it (and leaves it as neg_init()
 * does). */
struct neg {
	struct neg_cell cell[NK_COUNT][2]; /* [key][enum neg_side] */
	int8_t offerer[NK_COUNT]; /* -1 nobody yet, else enum neg_side */
	uint8_t nwide;		  /* entries in wide */
	struct neg_wide *wide;	  /* heap, NULL when none */
	struct neg_str initiator_name, target_name;
	struct neg_str initiator_alias, target_alias;
	struct neg_str target_address; /* last one seen (redirect) */
	struct neg_chap chap;
	uint32_t pairs;		      /* pairs fed */
	uint32_t unknown_keys;	      /* keys outside the table (X-..., etc.) */
	uint32_t malformed;	      /* items without '=' */
	uint32_t mrdsl_redeclared[2]; /* Text-phase re-declarations */
};

void neg_init(struct neg *n);
void neg_free(struct neg *n);
/* dst (initialised or zeroed) becomes a copy of src, and its old content
 * is dropped. Returns 0, or -1 when out of memory: then the values kept
 * whole (neg_wide) read back as seen and invalid (neg_val_get). */
int neg_copy(struct neg *dst, const struct neg *src);
/* dst (initialised or zeroed) takes src's content; src is left empty. */
void neg_move(struct neg *dst, struct neg *src);
/* What `side` sent for key k. */
struct neg_val neg_val_get(const struct neg *n, enum neg_key k,
			   enum neg_side side);
/* Feeds one pair sent by `side`. Returns the key id, -1 for an unknown
 * key, -2 for a malformed item. */
int neg_pair(struct neg *n, enum neg_side side, const struct text_pair *p);
/* Same, for a pair known to answer an offer the capture did not show
 * (a Login Response whose request was before the capture). */
int neg_pair_answer(struct neg *n, enum neg_side side,
		    const struct text_pair *p);
/* Parses a whole text segment (NUL-separated pairs) sent by `side`. */
void neg_text(struct neg *n, enum neg_side side, const uint8_t *p, size_t len);
/* A later Text exchange re-declares MaxRecvDataSegmentLength (§13.12):
 * `side` can now receive `val` bytes. Returns 0, -1 if invalid (kept
 * as seen+invalid). */
int neg_mrdsl_declare(struct neg *n, enum neg_side side, struct text_span val);

/* Outcome of one key. */
enum neg_state {
	NEG_UNKNOWN = 0, /* login not observed and key not seen */
	NEG_DEFAULT,	 /* login seen, key not negotiated: RFC default */
	NEG_NEGOTIATED,
	NEG_IRRELEVANT, /* discovery session, FirstBurstLength rule, or
			   answered Irrelevant */
	NEG_REJECTED,	/* answered Reject/NotUnderstood: v = default,
			   which both sides keep (§6.2) */
	NEG_INVALID,	/* the deciding value is out of range/unknown */
};

#define NEG_RF_VIOLATION 0x01	   /* answer breaks the §13 rule */
#define NEG_RF_OFFER_INVALID 0x02  /* offer out of range / unknown */
#define NEG_RF_UNANSWERED 0x04	   /* offer never answered */
#define NEG_RF_NOT_UNDERSTOOD 0x08 /* REJECTED via NotUnderstood */
#define NEG_RF_REPEATED 0x10	   /* a side sent the key twice */
#define NEG_RF_TARGET_OFFERED 0x20 /* the target made the offer */
#define NEG_RF_IMPLIED                                                         \
	0x40		       /* no answer needed (§6.2.2 AND-No,            \
				  OR-Yes): the offer is the result */
#define NEG_RF_REDECLARED 0x80 /* MRDSL re-declared in Text phase */

struct neg_result {
	uint8_t state; /* enum neg_state */
	uint8_t flags; /* NEG_RF_* */
	uint32_t v;    /* meaningful for DEFAULT, NEGOTIATED, REJECTED */
	/* With NEG_RF_VIOLATION on a numeric or boolean key: the value the
	 * §13 result function gives for the offer and the answer (what the
	 * answer should have been); v keeps what the wire said. */
	uint32_t allowed;
};

/* Result of key k. login_seen: the login of this connection was seen
 * from its first PDU (so an absent key means the default). For
 * MaxRecvDataSegmentLength use neg_mrdsl_result(); declarative string
 * keys give NEGOTIATED with v = 0 when declared. */
struct neg_result neg_key_result(const struct neg *n, enum neg_key k,
				 bool login_seen);
/* What `receiver` declared it can receive (§13.12). */
struct neg_result neg_mrdsl_result(const struct neg *n, enum neg_side receiver,
				   bool login_seen);

struct neg_values {
	/* session-wide (meaningful on the leading connection) */
	struct neg_result session_type, max_connections, initial_r2t,
	    immediate_data, max_burst_length, first_burst_length,
	    default_time2wait, default_time2retain, max_outstanding_r2t,
	    data_pdu_in_order, data_sequence_in_order, error_recovery_level,
	    task_reporting, protocol_level;
	/* connection-only */
	struct neg_result header_digest, data_digest, auth_method, ifmarker,
	    ofmarker, tpgt;
	struct neg_result mrdsl_initiator; /* initiator can receive */
	struct neg_result mrdsl_target;	   /* target can receive */
};

void neg_compute(const struct neg *n, bool login_seen, struct neg_values *out);

/* True when r carries a value in v: DEFAULT, NEGOTIATED, or REJECTED
 * (both sides keep the default, §6.2). The one test every exporter uses
 * to print a value or null. */
static inline bool neg_result_has_value(const struct neg_result *r)
{
	return r->state == NEG_DEFAULT || r->state == NEG_NEGOTIATED ||
	       r->state == NEG_REJECTED;
}

const char *neg_state_name(enum neg_state s);

#endif
