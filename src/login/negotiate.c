/* negotiate.c - key table, per-connection record and §13 result rules. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "negotiate.h"

static const char *const vocab_digest[] = {"None", "CRC32C", NULL};
static const char *const vocab_auth[] = {"None",  "CHAP",  "SRP", "KRB5",
					 "SPKM1", "SPKM2", NULL};
static const char *const vocab_session[] = {"Normal", "Discovery", NULL};
/* RFC 5048 §4.2 / RFC 7143 §13.23 */
static const char *const vocab_task[] = {"RFC3720", "ResponseFence",
					 "FastAbort", NULL};

static const struct neg_key_info key_table[NK_COUNT] = {
#define NEG_KEY_INFO(id, nm, sc, ty, ru, hasd, d, mn, mx, voc)                 \
	[NK_##id] = {nm, sc, ty, ru, hasd, d, mn, mx, voc},
    NEG_KEYS(NEG_KEY_INFO)
#undef NEG_KEY_INFO
};

static const char *const *key_vocab(enum neg_key k)
{
	return key_table[k].vocab;
}

const struct neg_key_info *neg_key_info(enum neg_key k)
{
	return (unsigned)k < NK_COUNT ? &key_table[k] : NULL;
}

int neg_key_lookup(struct text_span key)
{
	for (int k = 0; k < NK_COUNT; k++)
		if (text_span_eq(key, key_table[k].name))
			return k;
	return -1;
}

const char *neg_vocab_name(enum neg_key k, uint32_t v)
{
	const char *const *voc = key_vocab(k);
	if (!voc)
		return "?";
	for (uint32_t i = 0; voc[i]; i++)
		if (i == v)
			return voc[i];
	return "?";
}

static const char *const state_names[] = {
    "unknown", "default", "negotiated", "irrelevant", "rejected", "invalid",
};

const char *neg_state_name(enum neg_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0])
		   ? state_names[s]
		   : "?";
}

void neg_init(struct neg *n)
{
	memset(n, 0, sizeof(*n));
	for (int k = 0; k < NK_COUNT; k++)
		n->offerer[k] = -1;
}

/* ---- storage: strings ---- */

/* The record's strings, for the code that holds or drops them all. */
static const size_t str_off[] = {
    offsetof(struct neg, initiator_name),  offsetof(struct neg, target_name),
    offsetof(struct neg, initiator_alias), offsetof(struct neg, target_alias),
    offsetof(struct neg, target_address),  offsetof(struct neg, chap.name[0]),
    offsetof(struct neg, chap.name[1]),
};
#define NEG_NSTR (sizeof(str_off) / sizeof(str_off[0]))

static struct neg_str *str_at(struct neg *n, size_t i)
{
	return (struct neg_str *)(void *)((char *)n + str_off[i]);
}

/* Keeps the first NEG_STR_MAX - 1 bytes (as far as a NUL, which a
 * value from text_next() never holds), like the fixed copy it replaces:
 * the outputs print the same name and `truncated`. */
static void str_store(struct neg_str *s, struct text_span v)
{
	size_t n = v.n < NEG_STR_MAX - 1 ? v.n : NEG_STR_MAX - 1;
	const uint8_t *nul = n ? memchr(v.p, 0, n) : NULL;
	const char *copy =
	    intern_get((const char *)v.p, nul ? (size_t)(nul - v.p) : n);
	intern_put(s->s);
	s->seen = true;
	s->len = v.n > UINT32_MAX ? UINT32_MAX : (uint32_t)v.n;
	s->truncated = n < v.n || !copy;
	s->s = copy ? copy : "";
}

/* ---- storage: values ---- */

#define CELL_WORD_MAX 0xffffffu
#define CELL_ENUM_ITEMS 7   /* 3 bits of count, 7 x 3 bits of index */
#define CELL_NUMLIST_ITEMS 2 /* 2 bits of count, 2 x 8 bits of number */

/* v as a cell's word; false when it does not fit one. */
static bool cell_word(enum neg_key k, const struct neg_val *v, uint32_t *out)
{
	if (v->invalid || v->nunknown)
		return false; /* len and nunknown are reported */
	uint32_t w = 0;
	switch (key_table[k].type) {
	case NEG_T_ENUM:
	case NEG_T_NUMLIST: {
		bool voc = key_table[k].type == NEG_T_ENUM;
		unsigned cbits = voc ? 3 : 2, ibits = voc ? 3 : 8;
		if (v->nlist > (voc ? CELL_ENUM_ITEMS : CELL_NUMLIST_ITEMS) ||
		    v->num != (v->nlist ? v->list[0] : 0u))
			return false;
		w = v->nlist;
		for (unsigned i = 0; i < v->nlist; i++) {
			if (v->list[i] >> ibits)
				return false;
			w |= (uint32_t)v->list[i] << (cbits + ibits * i);
		}
		break;
	}
	default:
		if (v->nlist || v->num > CELL_WORD_MAX)
			return false;
		w = v->num;
		break;
	}
	*out = w;
	return true;
}

static void cell_unpack(enum neg_key k, uint32_t w, struct neg_val *v)
{
	switch (key_table[k].type) {
	case NEG_T_ENUM:
	case NEG_T_NUMLIST: {
		bool voc = key_table[k].type == NEG_T_ENUM;
		unsigned cbits = voc ? 3 : 2, ibits = voc ? 3 : 8;
		v->nlist = (uint8_t)(w & ((1u << cbits) - 1));
		for (unsigned i = 0; i < v->nlist; i++)
			v->list[i] = (uint8_t)((w >> (cbits + ibits * i)) &
					       ((1u << ibits) - 1));
		v->num = v->nlist ? v->list[0] : 0;
		break;
	}
	default:
		v->num = w;
		break;
	}
}

static size_t wide_index(const struct neg *n, enum neg_key k,
			 enum neg_side side)
{
	size_t i = 0;
	while (i < n->nwide &&
	       !(n->wide[i].key == k && n->wide[i].side == side))
		i++;
	return i; /* n->nwide when absent */
}

static void wide_drop(struct neg *n, enum neg_key k, enum neg_side side)
{
	size_t i = wide_index(n, k, side);
	if (i < n->nwide)
		n->wide[i] = n->wide[--n->nwide];
}

/* Keeps v whole; false when out of memory. At most one entry per key
 * and side: the block never exceeds NK_COUNT * 2 entries. */
static bool wide_put(struct neg *n, enum neg_key k, enum neg_side side,
		     const struct neg_val *v)
{
	size_t i = wide_index(n, k, side);
	if (i == n->nwide) {
		struct neg_wide *w =
		    realloc(n->wide, (i + 1) * sizeof(*n->wide));
		if (!w)
			return false;
		n->wide = w;
		n->nwide++;
		w[i].key = (uint8_t)k;
		w[i].side = (uint8_t)side;
	}
	n->wide[i].v = *v;
	return true;
}

_Static_assert(NK_COUNT * 2 <= UINT8_MAX, "nwide counts key x side");

static void val_store(struct neg *n, enum neg_key k, enum neg_side side,
		      const struct neg_val *v)
{
	struct neg_cell *c = &n->cell[k][side];
	uint32_t w = 0;
	bool fits = cell_word(k, v, &w);
	if (fits) {
		wide_drop(n, k, side);
	} else {
		struct neg_val whole = *v;
		if (!whole.invalid)
			whole.len = 0; /* as a cell would read back */
		(void)wide_put(n, k, side, &whole); /* else reads as invalid */
	}
	*c = (struct neg_cell){.word = w,
			       .seen = v->seen,
			       .repeated = v->repeated,
			       .special = v->special & 3u,
			       .wide = !fits};
}

struct neg_val neg_val_get(const struct neg *n, enum neg_key k,
			   enum neg_side side)
{
	struct neg_val v;
	memset(&v, 0, sizeof(v));
	if ((unsigned)k >= NK_COUNT || (unsigned)side > NEG_TARGET)
		return v;
	const struct neg_cell *c = &n->cell[k][side];
	if (c->wide) {
		size_t i = wide_index(n, k, side);
		if (i < n->nwide)
			return n->wide[i].v;
		v.invalid = true; /* lost to a failed allocation */
	} else {
		cell_unpack(k, c->word, &v);
	}
	v.seen = c->seen;
	v.repeated = c->repeated;
	v.special = (uint8_t)c->special;
	return v;
}

/* ---- ownership ---- */

void neg_free(struct neg *n)
{
	for (size_t i = 0; i < NEG_NSTR; i++)
		intern_put(str_at(n, i)->s);
	free(n->wide);
	neg_init(n);
}

int neg_copy(struct neg *dst, const struct neg *src)
{
	if (dst == src)
		return 0;
	struct neg_wide *w = NULL;
	if (src->nwide && (w = malloc(src->nwide * sizeof(*w))))
		memcpy(w, src->wide, src->nwide * sizeof(*w));
	neg_free(dst);
	*dst = *src;
	dst->wide = w;
	dst->nwide = w ? src->nwide : 0;
	for (size_t i = 0; i < NEG_NSTR; i++)
		(void)intern_hold(str_at(dst, i)->s);
	return src->nwide && !w ? -1 : 0;
}

void neg_move(struct neg *dst, struct neg *src)
{
	if (dst == src)
		return;
	neg_free(dst);
	*dst = *src;
	neg_init(src); /* its strings and block are dst's now */
}

static int vocab_index(const char *const *voc, struct text_span item)
{
	for (int i = 0; voc[i]; i++)
		if (text_span_eq(item, voc[i]))
			return i;
	return -1;
}

/* Parses the value for a key of type NEG_T_ENUM or NEG_T_NUMLIST into
 * v->list: unknown items are ignored, as a responder must (§6.2.1). */
static void parse_list(const struct neg_key_info *ki, const char *const *voc,
		       struct text_span val, struct neg_val *v)
{
	struct text_span rest = val, item;
	while (text_list_next(&rest, &item)) {
		int idx = -1;
		if (voc) {
			idx = vocab_index(voc, item);
		} else {
			uint64_t x;
			if (text_span_u64(item, ki->max, &x) == 0)
				idx = (int)x;
		}
		if (idx < 0) {
			if (v->nunknown < UINT8_MAX)
				v->nunknown++;
		} else if (v->nlist < NEG_LIST_MAX) {
			v->list[v->nlist++] = (uint8_t)idx;
		}
	}
	v->invalid = v->nlist == 0;
	v->num = v->nlist ? v->list[0] : 0;
}

static void chap_note(struct neg *n, enum neg_key k, enum neg_side side,
		      const struct neg_val *v, struct text_span val)
{
	struct neg_chap *c = &n->chap;
	c->seen = true;
	switch (k) {
	case NK_CHAP_A:
		/* The target answers with the one algorithm it picked. */
		if (side == NEG_TARGET && !v->special && v->nlist) {
			c->algorithm_seen = true;
			c->algorithm = v->list[0];
		}
		break;
	case NK_CHAP_I:
		c->id_seen[side] = true;
		if (side == NEG_INITIATOR)
			c->mutual = true;
		break;
	case NK_CHAP_C:
		c->challenge_seen[side] = true;
		c->challenge_len[side] = v->num;
		if (side == NEG_INITIATOR)
			c->mutual = true;
		if (v->invalid)
			c->malformed = true;
		break;
	case NK_CHAP_R:
		c->response_seen[side] = true;
		c->response_len[side] = v->num;
		if (v->invalid)
			c->malformed = true;
		break;
	case NK_CHAP_N:
		str_store(&c->name[side], val);
		break;
	default:
		break;
	}
}

static struct neg_str *key_string(struct neg *n, enum neg_key k)
{
	switch (k) {
	case NK_INITIATOR_NAME:
		return &n->initiator_name;
	case NK_TARGET_NAME:
		return &n->target_name;
	case NK_INITIATOR_ALIAS:
		return &n->initiator_alias;
	case NK_TARGET_ALIAS:
		return &n->target_alias;
	case NK_TARGET_ADDRESS:
		return &n->target_address;
	default:
		return NULL;
	}
}

/* Fills v from the value text; never keeps a pointer into it. */
static void parse_value(struct neg *n, enum neg_key k, struct text_span val,
			struct neg_val *v)
{
	const struct neg_key_info *ki = &key_table[k];
	v->len = val.n > UINT32_MAX ? UINT32_MAX : (uint32_t)val.n;
	if (ki->type != NEG_T_STRING && ki->type != NEG_T_BINARY) {
		/* §6.2: the three reserved answers */
		if (text_span_eq(val, "Irrelevant")) {
			v->special = NEG_SP_IRRELEVANT;
			return;
		}
		if (text_span_eq(val, "Reject")) {
			v->special = NEG_SP_REJECT;
			return;
		}
		if (text_span_eq(val, "NotUnderstood")) {
			v->special = NEG_SP_NOT_UNDERSTOOD;
			return;
		}
	}
	switch (ki->type) {
	case NEG_T_BOOL:
		if (text_span_eq(val, "Yes"))
			v->num = 1;
		else if (text_span_eq(val, "No"))
			v->num = 0;
		else
			v->invalid = true;
		break;
	case NEG_T_NUM: {
		uint64_t x = 0;
		if (text_span_u64(val, UINT32_MAX, &x) != 0) {
			v->invalid = true;
			break;
		}
		v->num = (uint32_t)x;
		v->invalid = x < ki->min || x > ki->max;
		break;
	}
	case NEG_T_ENUM:
		parse_list(ki, key_vocab(k), val, v);
		break;
	case NEG_T_NUMLIST:
		parse_list(ki, NULL, val, v);
		break;
	case NEG_T_STRING: {
		struct neg_str *s = key_string(n, k);
		if (s)
			str_store(s, val);
		v->invalid = val.n == 0;
		break;
	}
	case NEG_T_BINARY: {
		uint32_t blen = 0;
		/* Only the length survives; the bytes stay in the caller's
		 * buffer, which login.c wipes. */
		v->invalid = text_span_binary_len(val, &blen) != 0;
		v->num = blen;
		break;
	}
	}
}

static int neg_pair_as(struct neg *n, enum neg_side side,
		       const struct text_pair *p, bool answer);

int neg_pair(struct neg *n, enum neg_side side, const struct text_pair *p)
{
	return neg_pair_as(n, side, p, false);
}

int neg_pair_answer(struct neg *n, enum neg_side side,
		    const struct text_pair *p)
{
	return neg_pair_as(n, side, p, true);
}

static int neg_pair_as(struct neg *n, enum neg_side side,
		       const struct text_pair *p, bool answer)
{
	n->pairs++;
	if (p->malformed) {
		n->malformed++;
		return -2;
	}
	int k = neg_key_lookup(p->key);
	if (k < 0) {
		n->unknown_keys++;
		return -1;
	}
	if (n->offerer[k] < 0)
		n->offerer[k] = (int8_t)(answer ? !side : side);
	struct neg_val v;
	memset(&v, 0, sizeof(v));
	v.seen = true;
	/* TargetAddress may legitimately come more than once (§13.8). */
	v.repeated = n->cell[k][side].seen && k != NK_TARGET_ADDRESS;
	parse_value(n, (enum neg_key)k, p->val, &v);
	val_store(n, (enum neg_key)k, side, &v);
	if (neg_key_is_chap(k))
		chap_note(n, (enum neg_key)k, side, &v, p->val);
	return k;
}

void neg_text(struct neg *n, enum neg_side side, const uint8_t *p, size_t len)
{
	struct text_iter it;
	struct text_pair pr;
	text_iter_init(&it, p, len);
	while (text_next(&it, &pr))
		(void)neg_pair(n, side, &pr);
}

int neg_mrdsl_declare(struct neg *n, enum neg_side side, struct text_span val)
{
	if (n->offerer[NK_MAX_RECV_DSL] < 0)
		n->offerer[NK_MAX_RECV_DSL] = (int8_t)side;
	struct neg_val v;
	memset(&v, 0, sizeof(v));
	v.seen = true;
	parse_value(n, NK_MAX_RECV_DSL, val, &v);
	val_store(n, NK_MAX_RECV_DSL, side, &v);
	if (n->mrdsl_redeclared[side] < UINT32_MAX)
		n->mrdsl_redeclared[side]++;
	return v.invalid || v.special ? -1 : 0;
}

static struct neg_result from_special(const struct neg_key_info *ki,
				      const struct neg_val *v,
				      struct neg_result r)
{
	if (v->special == NEG_SP_IRRELEVANT) {
		r.state = NEG_IRRELEVANT;
	} else {
		r.state = NEG_REJECTED;
		r.v = ki->dflt;
		if (v->special == NEG_SP_NOT_UNDERSTOOD)
			r.flags |= NEG_RF_NOT_UNDERSTOOD;
	}
	return r;
}

static bool in_list(const struct neg_val *offer, uint32_t x)
{
	for (unsigned i = 0; i < offer->nlist; i++)
		if (offer->list[i] == x)
			return true;
	return false;
}

/* Declarative keys: the declarer's own value. */
static struct neg_result decl_result(const struct neg_key_info *ki,
				     const struct neg_val *v, bool login_seen,
				     struct neg_result r)
{
	if (!v->seen) {
		r.state =
		    login_seen && ki->has_default ? NEG_DEFAULT : NEG_UNKNOWN;
		r.v = r.state == NEG_DEFAULT ? ki->dflt : 0;
		return r;
	}
	if (v->special)
		return from_special(ki, v, r);
	r.v = v->num;
	r.state = v->invalid ? NEG_INVALID : NEG_NEGOTIATED;
	return r;
}

static int declarer(enum neg_key k, int offerer)
{
	switch (k) {
	case NK_SESSION_TYPE:
	case NK_INITIATOR_NAME:
	case NK_INITIATOR_ALIAS:
		return NEG_INITIATOR;
	case NK_TARGET_ALIAS:
	case NK_TARGET_ADDRESS:
	case NK_TARGET_PORTAL_GROUP_TAG:
		return NEG_TARGET;
	default:
		return offerer < 0 ? NEG_INITIATOR : offerer;
	}
}

static struct neg_result key_raw(const struct neg *n, enum neg_key k,
				 bool login_seen)
{
	const struct neg_key_info *ki = &key_table[k];
	const int off = n->offerer[k];
	const struct neg_val side[2] = {neg_val_get(n, k, NEG_INITIATOR),
					neg_val_get(n, k, NEG_TARGET)};
	struct neg_result r = {NEG_UNKNOWN, 0, 0, 0};
	if (side[0].repeated || side[1].repeated)
		r.flags |= NEG_RF_REPEATED;
	if (off == NEG_TARGET)
		r.flags |= NEG_RF_TARGET_OFFERED;
	if (ki->rule == NEG_R_DECL)
		return decl_result(ki, &side[declarer(k, off)], login_seen, r);

	if (off < 0) {
		if (login_seen && ki->has_default) {
			r.state = NEG_DEFAULT;
			r.v = ki->dflt;
		}
		return r;
	}
	const struct neg_val *offer = &side[off];
	const struct neg_val *ans = &side[!off];
	/* an offer the capture missed (neg_pair_answer) checks nothing */
	bool offer_ok = offer->seen && !offer->invalid && !offer->special;
	if (offer->invalid)
		r.flags |= NEG_RF_OFFER_INVALID;

	if (!ans->seen) {
		/* §6.2.2: no answer is needed to an AND offered No or an
		 * OR offered Yes: the offer decides. */
		if (offer_ok && ((ki->rule == NEG_R_AND && offer->num == 0) ||
				 (ki->rule == NEG_R_OR && offer->num == 1))) {
			r.state = NEG_NEGOTIATED;
			r.v = offer->num;
			r.flags |= NEG_RF_IMPLIED;
			return r;
		}
		r.flags |= NEG_RF_UNANSWERED;
		if (login_seen && ki->has_default) {
			r.state = NEG_DEFAULT;
			r.v = ki->dflt;
		}
		return r;
	}
	if (ans->special)
		return from_special(ki, ans, r);
	r.v = ans->num;
	if (ans->invalid) {
		r.state = NEG_INVALID;
		return r;
	}
	r.state = NEG_NEGOTIATED;
	if (!offer_ok)
		return r;
	bool bad = false;
	/* What the result function allows (§13: Minimum, Maximum, AND, OR of
	 * offer and answer): always the offer when the answer breaks it. */
	r.allowed = r.v;
	switch (ki->rule) {
	case NEG_R_MIN:
		bad = ans->num > offer->num;
		r.allowed = bad ? offer->num : r.v;
		break;
	case NEG_R_MAX:
		bad = ans->num < offer->num;
		r.allowed = bad ? offer->num : r.v;
		break;
	case NEG_R_AND:
		bad = ans->num && !offer->num;
		r.allowed = bad ? 0 : r.v;
		break;
	case NEG_R_OR:
		bad = !ans->num && offer->num;
		r.allowed = bad ? 1 : r.v;
		break;
	case NEG_R_LIST:
		/* one value, taken from the offer (§6.2.1) */
		bad = ans->nlist != 1 || ans->nunknown ||
		      !in_list(offer, ans->num);
		break;
	case NEG_R_DECL:
		break;
	}
	if (bad)
		r.flags |= NEG_RF_VIOLATION;
	return r;
}

/* §13 "Irrelevant when: SessionType=Discovery" (§13.10, 13.11, 13.13,
 * 13.14, 13.15, 13.17, 13.19, 13.20, 13.23). */
static bool discovery_irrelevant(enum neg_key k)
{
	switch (k) {
	case NK_MAX_CONNECTIONS:
	case NK_INITIAL_R2T:
	case NK_IMMEDIATE_DATA:
	case NK_MAX_BURST_LENGTH:
	case NK_FIRST_BURST_LENGTH:
	case NK_MAX_OUTSTANDING_R2T:
	case NK_DATA_PDU_IN_ORDER:
	case NK_DATA_SEQUENCE_IN_ORDER:
	case NK_TASK_REPORTING:
		return true;
	default:
		return false;
	}
}

struct neg_result neg_key_result(const struct neg *n, enum neg_key k,
				 bool login_seen)
{
	struct neg_result r = {NEG_UNKNOWN, 0, 0, 0};
	if ((unsigned)k >= NK_COUNT)
		return r;
	r = key_raw(n, k, login_seen);
	if (discovery_irrelevant(k)) {
		struct neg_result st = key_raw(n, NK_SESSION_TYPE, login_seen);
		if (st.state == NEG_NEGOTIATED &&
		    st.v == NEG_SESSION_DISCOVERY) {
			r.state = NEG_IRRELEVANT;
			return r;
		}
	}
	if (k == NK_FIRST_BURST_LENGTH) {
		/* §13.14: irrelevant with InitialR2T=Yes, ImmediateData=No:
		 * no unsolicited data can be sent at all. */
		struct neg_result ir = key_raw(n, NK_INITIAL_R2T, login_seen);
		struct neg_result id =
		    key_raw(n, NK_IMMEDIATE_DATA, login_seen);
		if (neg_result_has_value(&ir) && neg_result_has_value(&id) && ir.v == 1 &&
		    id.v == 0) {
			r.state = NEG_IRRELEVANT;
			return r;
		}
		/* FirstBurstLength MUST NOT exceed MaxBurstLength. */
		struct neg_result mb =
		    key_raw(n, NK_MAX_BURST_LENGTH, login_seen);
		if (neg_result_has_value(&r) && neg_result_has_value(&mb) && r.v > mb.v)
			r.flags |= NEG_RF_VIOLATION;
	}
	return r;
}

struct neg_result neg_mrdsl_result(const struct neg *n, enum neg_side receiver,
				   bool login_seen)
{
	const struct neg_val v = neg_val_get(n, NK_MAX_RECV_DSL, receiver);
	struct neg_result r = {NEG_UNKNOWN, 0, 0, 0};
	if (v.repeated)
		r.flags |= NEG_RF_REPEATED;
	if (n->mrdsl_redeclared[receiver])
		r.flags |= NEG_RF_REDECLARED;
	return decl_result(&key_table[NK_MAX_RECV_DSL], &v, login_seen, r);
}

void neg_compute(const struct neg *n, bool login_seen, struct neg_values *out)
{
#define R(field, key) out->field = neg_key_result(n, NK_##key, login_seen)
	R(session_type, SESSION_TYPE);
	R(max_connections, MAX_CONNECTIONS);
	R(initial_r2t, INITIAL_R2T);
	R(immediate_data, IMMEDIATE_DATA);
	R(max_burst_length, MAX_BURST_LENGTH);
	R(first_burst_length, FIRST_BURST_LENGTH);
	R(default_time2wait, DEFAULT_TIME2WAIT);
	R(default_time2retain, DEFAULT_TIME2RETAIN);
	R(max_outstanding_r2t, MAX_OUTSTANDING_R2T);
	R(data_pdu_in_order, DATA_PDU_IN_ORDER);
	R(data_sequence_in_order, DATA_SEQUENCE_IN_ORDER);
	R(error_recovery_level, ERROR_RECOVERY_LEVEL);
	R(task_reporting, TASK_REPORTING);
	R(protocol_level, PROTOCOL_LEVEL);
	R(header_digest, HEADER_DIGEST);
	R(data_digest, DATA_DIGEST);
	R(auth_method, AUTH_METHOD);
	R(ifmarker, IFMARKER);
	R(ofmarker, OFMARKER);
	R(tpgt, TARGET_PORTAL_GROUP_TAG);
#undef R
	out->mrdsl_initiator = neg_mrdsl_result(n, NEG_INITIATOR, login_seen);
	out->mrdsl_target = neg_mrdsl_result(n, NEG_TARGET, login_seen);
}
