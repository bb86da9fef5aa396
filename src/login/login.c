/* login.c - login state machine and Text exchanges (RFC 7143 §6,
 * §11.10-11.13). */
#include <stdlib.h>
#include <string.h>

#include "login.h"

int login_view_parse(const uint8_t *bhs, struct login_pdu_view *v)
{
	memset(v, 0, sizeof(*v));
	v->opcode = bhs_opcode(bhs);
	v->immediate = bhs_immediate(bhs);
	v->flags = bhs_flags(bhs);
	v->t = bhs_final(bhs);
	v->c = bhs_continue(bhs);
	v->data_len = bhs_data_len(bhs);
	v->itt = bhs_itt(bhs);
	switch (v->opcode) {
	case OP_LOGIN_REQ:
	case OP_LOGIN_RSP:
		/* §11.12.1 / §11.13.1 */
		v->csg = bhs_csg(bhs);
		v->nsg = bhs_nsg(bhs);
		v->version_max = bhs_byte2(bhs);
		v->version_min = bhs_byte3(bhs);
		memcpy(v->isid, bhs_isid(bhs), 6);
		v->tsih = bhs_tsih(bhs);
		if (v->opcode == OP_LOGIN_REQ) {
			v->cid = bhs_cid(bhs);
		} else {
			v->status_class = bhs_byte36(bhs);
			v->status_detail = bhs_byte37(bhs);
		}
		return 0;
	case OP_TEXT_REQ:
	case OP_TEXT_RSP:
		/* §11.10.1 / §11.11.1 */
		v->ttt = bhs_word20(bhs);
		return 0;
	default:
		return -1;
	}
}

void login_init(struct login *l, struct counters *ctr)
{
	login_init_cap(l, ctr, TEXT_CAP_DEFAULT);
}

void login_init_cap(struct login *l, struct counters *ctr, uint32_t text_cap)
{
	memset(l, 0, sizeof(*l));
	l->ctr = ctr;
	neg_init(&l->neg);
	text_init(&l->txt[NEG_INITIATOR], text_cap, ctr);
	text_init(&l->txt[NEG_TARGET], text_cap, ctr);
	l->st_cur = -1;
}

void login_free(struct login *l)
{
	neg_free(&l->neg);
	text_free(&l->txt[NEG_INITIATOR]);
	text_free(&l->txt[NEG_TARGET]);
	free(l->st);
	l->st = NULL;
}

void login_rest_save(const struct login *l, struct login_rest *r)
{
	*r = (struct login_rest){
	    .outcome = (uint8_t)l->outcome,
	    .from_start = l->from_start,
	    .lost = l->lost,
	    .requests = l->requests,
	    .responses = l->responses,
	    .anomalies = l->anomalies,
	    .text_requests = l->text_requests,
	    .text_responses = l->text_responses,
	    .text_other_keys = l->text_other_keys,
	};
}

void login_resume(struct login *l, struct counters *ctr, uint32_t text_cap,
		  const struct neg *neg, const struct login_rest *r)
{
	login_init_cap(l, ctr, text_cap);
	/* Out of memory, a value kept whole reads back invalid: the login
	 * goes on with what is left. */
	(void)neg_copy(&l->neg, neg);
	l->any_seen = true;
	l->outcome = (enum login_outcome)r->outcome;
	l->stage = STAGE_FULL_FEATURE;
	l->from_start = r->from_start;
	l->lost = r->lost;
	l->requests = r->requests;
	l->responses = r->responses;
	l->anomalies = r->anomalies;
	l->text_requests = r->text_requests;
	l->text_responses = r->text_responses;
	l->text_other_keys = r->text_other_keys;
}

static enum neg_side side_of(uint8_t op)
{
	return iscsi_opcode_from_initiator(op) ? NEG_INITIATOR : NEG_TARGET;
}

int login_begin_view(struct login *l, const struct login_pdu_view *v)
{
	if (!iscsi_opcode_is_login(v->opcode) &&
	    !iscsi_opcode_is_text(v->opcode)) {
		l->in_pdu = false;
		return 1;
	}
	if (!l->any_seen) {
		l->any_seen = true;
		l->from_start = v->opcode == OP_LOGIN_REQ;
	}
	l->cur = *v;
	l->in_pdu = true;
	l->an_begin = l->anomalies;
	return 0;
}

int login_begin(struct login *l, const uint8_t *bhs)
{
	struct login_pdu_view v;
	if (login_view_parse(bhs, &v) != 0) {
		l->in_pdu = false;
		return 1;
	}
	return login_begin_view(l, &v);
}

void login_data(struct login *l, const uint8_t *d, size_t n)
{
	if (!l->in_pdu)
		return;
	enum neg_side s = side_of(l->cur.opcode);
	if (l->damaged[s])
		return;
	if (text_append(&l->txt[s], d, n) != 0) {
		l->anomalies |= LOGIN_AN_TEXT_LOST;
		l->lost = true;
	}
}

static void isid_note(struct login *l, const struct login_pdu_view *v)
{
	if (l->isid_seen && memcmp(l->isid, v->isid, 6) != 0)
		l->anomalies |= LOGIN_AN_ISID_CHANGED;
	memcpy(l->isid, v->isid, 6);
	l->isid_seen = true;
}

/* §11.12.2-3: T and C never both set; stage 2 is reserved; a transit
 * goes forward. */
static void stage_check(struct login *l, const struct login_pdu_view *v)
{
	if (v->t && v->c)
		l->anomalies |= LOGIN_AN_T_AND_C;
	if (v->csg == 2 || v->csg == STAGE_FULL_FEATURE ||
	    (v->t && (v->nsg == 2 || v->nsg <= v->csg)))
		l->anomalies |= LOGIN_AN_BAD_STAGE;
}

static unsigned login_request_hdr(struct login *l,
				  const struct login_pdu_view *v)
{
	unsigned ev = 0;
	if (l->outcome == LOGIN_NONE) {
		l->outcome = LOGIN_IN_PROGRESS;
		ev |= LOGIN_EV_STARTED;
		l->tsih = v->tsih;
		l->leading = v->tsih == 0;
	} else if (l->outcome != LOGIN_IN_PROGRESS) {
		l->anomalies |= LOGIN_AN_AFTER_END;
	}
	l->requests++;
	isid_note(l, v);
	l->cid = v->cid;
	l->cid_seen = true;
	l->version_max = v->version_max;
	l->version_min = v->version_min;
	stage_check(l, v);
	if (l->outcome == LOGIN_IN_PROGRESS) {
		l->stage = v->csg;
		l->stages_seen |= (uint8_t)(1u << v->csg);
	}
	return ev;
}

static unsigned login_response_hdr(struct login *l,
				   const struct login_pdu_view *v)
{
	unsigned ev = LOGIN_EV_RESPONSE;
	if (l->outcome == LOGIN_NONE) {
		/* the request was before the capture */
		l->outcome = LOGIN_IN_PROGRESS;
		ev |= LOGIN_EV_STARTED;
	} else if (l->outcome != LOGIN_IN_PROGRESS) {
		l->anomalies |= LOGIN_AN_AFTER_END;
	}
	l->responses++;
	isid_note(l, v);
	l->version_active = v->version_min;
	l->version_active_seen = true;
	/* §11.13.3: Version-active is within the initiator's range. */
	if (l->requests && (v->version_min > l->version_max ||
			    v->version_min < l->version_min))
		l->anomalies |= LOGIN_AN_BAD_VERSION;
	stage_check(l, v);
	l->status_seen = true;
	l->status_class = v->status_class;
	l->status_detail = v->status_detail;
	return ev;
}

/* After the response's text: success, transit, failure (§11.13.5). */
static unsigned login_response_status(struct login *l,
				      const struct login_pdu_view *v)
{
	unsigned ev = 0;
	if (l->outcome != LOGIN_IN_PROGRESS)
		return 0;
	if (v->status_class != 0) {
		l->outcome = LOGIN_FAILED;
		ev |= LOGIN_EV_FAILED;
		if (v->status_class == 1) {
			l->redirected = true;
			ev |= LOGIN_EV_REDIRECT;
		}
		return ev;
	}
	l->stage = v->csg;
	l->stages_seen |= (uint8_t)(1u << v->csg);
	if (v->t && !v->c && v->nsg != 2 && v->nsg > v->csg) {
		l->stage = v->nsg;
		l->stages_seen |= (uint8_t)(1u << v->nsg);
		ev |= LOGIN_EV_STAGE;
		if (v->nsg == STAGE_FULL_FEATURE) {
			/* §11.13.4: the final response carries the TSIH */
			l->outcome = LOGIN_FULL_FEATURE;
			l->tsih = v->tsih;
			ev |= LOGIN_EV_FULL_FEATURE;
			bool all = login_complete(l);
			for (int k = 0; k < NK_COUNT; k++) {
				struct neg_result r = neg_key_result(
				    &l->neg, (enum neg_key)k, all);
				if (r.flags & NEG_RF_VIOLATION)
					l->anomalies |= LOGIN_AN_VIOLATION;
			}
		}
	}
	return ev;
}

static struct login_sendtargets *st_get(struct login *l)
{
	if (!l->st)
		l->st = calloc(1, sizeof(*l->st));
	return l->st;
}

/* Full Feature Phase text (§12.3 SendTargets, §13.12 MRDSL). */
static unsigned text_pair_ffp(struct login *l, enum neg_side side,
			      const struct text_pair *p)
{
	if (p->malformed) {
		l->anomalies |= LOGIN_AN_MALFORMED;
		return 0;
	}
	if (text_span_eq(p->key, "MaxRecvDataSegmentLength")) {
		(void)neg_mrdsl_declare(&l->neg, side, p->val);
		return LOGIN_EV_MRDSL;
	}
	if (side == NEG_INITIATOR && text_span_eq(p->key, "SendTargets")) {
		l->sendtargets_requested = true;
		if (l->st) {
			l->st->count = 0;
			l->st->dropped = 0;
		}
		l->st_cur = -1;
		return 0;
	}
	if (side == NEG_TARGET && text_span_eq(p->key, "TargetName")) {
		struct login_sendtargets *st = st_get(l);
		if (!st || st->count >= LOGIN_ST_MAX_TARGETS) {
			if (st)
				st->dropped++;
			l->st_cur = -1;
			return LOGIN_EV_SENDTARGETS;
		}
		struct login_st_target *t = &st->t[st->count];
		memset(t, 0, sizeof(*t));
		t->truncated = text_span_copy(p->val, t->name, sizeof(t->name));
		l->st_cur = (int32_t)st->count++;
		return LOGIN_EV_SENDTARGETS;
	}
	if (side == NEG_TARGET && text_span_eq(p->key, "TargetAddress")) {
		if (!l->st || l->st_cur < 0)
			return 0;
		struct login_st_target *t = &l->st->t[l->st_cur];
		if (t->naddr >= LOGIN_ST_MAX_ADDRS) {
			if (t->addr_dropped < UINT8_MAX)
				t->addr_dropped++;
			return 0;
		}
		if (text_span_copy(p->val, t->addr[t->naddr],
				   sizeof(t->addr[0])))
			t->truncated = true;
		t->naddr++;
		return LOGIN_EV_SENDTARGETS;
	}
	l->text_other_keys++;
	return 0;
}

/* Parses and then wipes the joined text of `side`. */
static unsigned text_sequence_end(struct login *l, enum neg_side side,
				  bool login_op)
{
	unsigned ev = 0;
	size_t len;
	const uint8_t *p = text_data(&l->txt[side], &len);
	bool cut = l->damaged[side] || l->txt[side].overflow;
	/* The capture began with this response: its keys answer offers
	 * made before it, not offers of the target. */
	bool answers = login_op && side == NEG_TARGET && l->requests == 0;
	struct text_iter it;
	struct text_pair pr;
	text_iter_init(&it, p, len);
	while (text_next(&it, &pr)) {
		/* A pair cut by lost bytes would give a wrong value. */
		if (cut && pr.unterminated)
			break;
		if (login_op) {
			int k = answers ? neg_pair_answer(&l->neg, side, &pr)
					: neg_pair(&l->neg, side, &pr);
			if (k == -2)
				l->anomalies |= LOGIN_AN_MALFORMED;
		} else {
			ev |= text_pair_ffp(l, side, &pr);
		}
	}
	text_reset(&l->txt[side]);
	l->damaged[side] = false;
	return ev;
}

unsigned login_end(struct login *l, bool data_lost)
{
	if (!l->in_pdu)
		return 0;
	l->in_pdu = false;
	const struct login_pdu_view *v = &l->cur;
	enum neg_side side = side_of(v->opcode);
	uint32_t an0 = l->an_begin;
	unsigned ev = 0;
	if (data_lost) {
		l->lost = true;
		l->damaged[side] = true;
		l->anomalies |= LOGIN_AN_TEXT_LOST;
	}
	bool login_op = iscsi_opcode_is_login(v->opcode);
	if (v->opcode == OP_LOGIN_REQ)
		ev |= login_request_hdr(l, v);
	else if (v->opcode == OP_LOGIN_RSP)
		ev |= login_response_hdr(l, v);
	else {
		if (v->opcode == OP_TEXT_REQ)
			l->text_requests++;
		else
			l->text_responses++;
		if (l->outcome != LOGIN_FULL_FEATURE &&
		    l->outcome != LOGIN_NONE)
			l->anomalies |= LOGIN_AN_TEXT_IN_LOGIN;
	}
	/* §11.10.2 / §11.12.7: C=1 means the text goes on in the next PDU
	 * of the same direction; parse only the whole sequence. */
	if (!v->c) {
		ev |= text_sequence_end(l, side, login_op);
		if (!login_op)
			ev |= LOGIN_EV_TEXT;
		else if (v->opcode == OP_LOGIN_REQ)
			ev |= LOGIN_EV_REQUEST_TEXT;
	}
	if (v->opcode == OP_LOGIN_RSP)
		ev |= login_response_status(l, v);
	if (l->anomalies != an0)
		ev |= LOGIN_EV_ANOMALY;
	return ev;
}

unsigned login_pdu(struct login *l, const struct login_pdu_view *v,
		   const uint8_t *data, size_t n)
{
	if (login_begin_view(l, v) != 0)
		return 0;
	login_data(l, data, n);
	return login_end(l, false);
}

void login_gap(struct login *l, enum neg_side side)
{
	l->lost = true;
	if (l->txt[side].len > 0 || l->in_pdu)
		l->damaged[side] = true;
}

void login_close(struct login *l)
{
	if (l->outcome == LOGIN_IN_PROGRESS)
		l->outcome = LOGIN_ABANDONED;
	l->in_pdu = false;
	text_reset(&l->txt[NEG_INITIATOR]);
	text_reset(&l->txt[NEG_TARGET]);
}

bool login_complete(const struct login *l)
{
	return l->from_start && !l->lost;
}

void login_values(const struct login *l, struct neg_values *out)
{
	neg_compute(&l->neg, login_complete(l), out);
}

static enum login_digest digest_of(const struct login *l, enum neg_key k)
{
	struct neg_result r = neg_key_result(&l->neg, k, login_complete(l));
	if (!neg_result_has_value(&r))
		return LOGIN_DIGEST_UNKNOWN;
	return r.v == NEG_DIGEST_CRC32C ? LOGIN_DIGEST_CRC32C
					: LOGIN_DIGEST_NONE;
}

void login_digests(const struct login *l, enum login_digest *hd,
		   enum login_digest *dd)
{
	*hd = digest_of(l, NK_HEADER_DIGEST);
	*dd = digest_of(l, NK_DATA_DIGEST);
}

const char *login_outcome_name(enum login_outcome o)
{
	static const char *const names[] = {
	    "none", "in progress", "full feature", "failed", "abandoned"};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}
