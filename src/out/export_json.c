/* export_json.c - the JSON document (docs/output.md), built with jansson.
 *
 * Wire strings are raw bytes: each goes through textsafe's TS_UTF8 style
 * first, because json_string() refuses invalid UTF-8; jansson then
 * escapes quotes, backslashes and control characters itself.
 *
 * CHAP_C and CHAP_R never appear as values: negotiate.c does not keep
 * them, and here they are only {"present": true, "length": n}.
 */
#include "export.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cim.h"
#include "login.h"
#include "net.h"
#include "scsi.h"
#include "textsafe.h"

static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	size_t n = strlen(s);
	/* Worst case: every byte becomes a 3-byte U+FFFD. */
	char stackbuf[1024];
	char *buf = n * 3 + 1 <= sizeof(stackbuf) ? stackbuf : malloc(n * 3 + 1);
	if (!buf)
		return json_null();
	size_t len = ts_escape(TS_UTF8, s, n, buf, n * 3 + 1);
	json_t *j = json_stringn(buf, len);
	if (buf != stackbuf)
		free(buf);
	return j ? j : json_null();
}

static json_t *jstr_or_null(const char *s)
{
	return s && s[0] ? jstr(s) : json_null();
}

static json_t *jtime(uint64_t ns)
{
	char b[CIM_TIME_BUF];
	return ns ? json_string(cim_time_rfc3339(ns, b, sizeof(b)))
		  : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v ? v : json_null());
}

/* ---- CIM properties ---- */

static json_t *cim_value(const struct cim_prop *p)
{
	if (p->null)
		return json_null();
	switch (p->type) {
	case CIM_T_STRING:
		return jstr(p->s);
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
		return json_integer(p->u);
	case CIM_T_BOOLEAN:
		return json_boolean(p->u);
	case CIM_T_DATETIME: { /* 0: the 0 interval, "PT0S" */
		char b[CIM_TIME_BUF];
		return json_string(cim_time_rfc3339(p->ns, b, sizeof(b)));
	}
	case CIM_T_UINT16_ARRAY: {
		json_t *a = json_array();
		for (unsigned i = 0; i < p->n; i++)
			json_array_append_new(a, json_integer(p->arr[i]));
		return a;
	}
	case CIM_T_STRING_ARRAY: {
		json_t *a = json_array();
		for (unsigned i = 0; i < p->n; i++)
			json_array_append_new(a, jstr(cim_array_str(p, i)));
		return a;
	}
	}
	return json_null();
}

/* The instance's concrete class first ("__CLASS", as WMI names it), then
 * every property of that class (data/iscsiwatch.mof). */
static json_t *cim_object(const char *cls, const struct cim_prop *props,
			  size_t n)
{
	json_t *o = json_object();
	set(o, "__CLASS", json_string(cls));
	for (size_t i = 0; i < n; i++)
		set(o, props[i].name, cim_value(&props[i]));
	return o;
}

/* ---- negotiation ---- */

static const char *const special_names[] = {NULL, "Irrelevant", "Reject",
					    "NotUnderstood"};

static json_t *secret_json(uint32_t len)
{
	return json_pack("{s:b,s:I}", "present", 1, "length", (json_int_t)len);
}

/* What one side sent for key k, typed like the key. */
static json_t *neg_val_json(enum neg_key k, const struct neg_val *v)
{
	const struct neg_key_info *ki = neg_key_info(k);
	if (!v->seen)
		return json_null();
	if (ki->type == NEG_T_BINARY)
		return secret_json(v->num);
	if (v->special && v->special < 4)
		return json_string(special_names[v->special]);
	if (v->invalid)
		return json_pack("{s:b,s:I}", "invalid", 1, "length",
				 (json_int_t)v->len);
	switch (ki->type) {
	case NEG_T_BOOL:
		return json_boolean(v->num);
	case NEG_T_NUM:
		return json_integer(v->num);
	case NEG_T_ENUM: {
		if (v->nlist == 1 && !v->nunknown)
			return json_string(neg_vocab_name(k, v->list[0]));
		json_t *a = json_array();
		for (unsigned i = 0; i < v->nlist && i < NEG_LIST_MAX; i++)
			json_array_append_new(
			    a, json_string(neg_vocab_name(k, v->list[i])));
		for (unsigned i = 0; i < v->nunknown; i++)
			json_array_append_new(a, json_string("?"));
		return a;
	}
	case NEG_T_NUMLIST: {
		json_t *a = json_array();
		for (unsigned i = 0; i < v->nlist && i < NEG_LIST_MAX; i++)
			json_array_append_new(a, json_integer(v->list[i]));
		return a;
	}
	case NEG_T_STRING:
	case NEG_T_BINARY:
		break;
	}
	return json_null();
}

static json_t *neg_result_value(enum neg_key k, const struct neg_result *r)
{
	const struct neg_key_info *ki = neg_key_info(k);
	if (!neg_result_has_value(r))
		return json_null();
	switch (ki->type) {
	case NEG_T_BOOL:
		return json_boolean(r->v);
	case NEG_T_NUM:
	case NEG_T_NUMLIST:
		return json_integer(r->v);
	case NEG_T_ENUM:
		return json_string(neg_vocab_name(k, r->v));
	case NEG_T_STRING:
	case NEG_T_BINARY:
		break;
	}
	return json_null();
}

static json_t *neg_flags_json(uint8_t f)
{
	static const char *const names[] = {
	    "violation",  "offer_invalid",   "unanswered", "not_understood",
	    "repeated",   "target_offered",  "implied",    "redeclared"};
	json_t *a = json_array();
	for (unsigned i = 0; i < 8; i++)
		if (f & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

static const char *side_name(int side)
{
	return side == NEG_INITIATOR ? "initiator"
	       : side == NEG_TARGET  ? "target"
				     : NULL;
}

/* Every key either side sent, or that has a defined result; with
 * connection_only, just the connection-scope keys (§13). Names and
 * addresses (NEG_T_STRING) live in "initiator"/"target"/"auth". */
static json_t *negotiation_json(const struct neg *n, bool login_seen,
				bool connection_only)
{
	json_t *o = json_object();
	for (int k = 0; k < NK_COUNT; k++) {
		const struct neg_key_info *ki = neg_key_info((enum neg_key)k);
		if (ki->type == NEG_T_STRING)
			continue;
		if (connection_only && ki->scope != NEG_CO)
			continue;
		const struct neg_val side[2] = {
		    neg_val_get(n, (enum neg_key)k, NEG_INITIATOR),
		    neg_val_get(n, (enum neg_key)k, NEG_TARGET)};
		bool sent = side[0].seen || side[1].seen;
		json_t *kj = json_object();
		if (k == NK_MAX_RECV_DSL) {
			/* Declarative: each side's own value (§13.12). */
			struct neg_result ri =
			    neg_mrdsl_result(n, NEG_INITIATOR, login_seen);
			struct neg_result rt =
			    neg_mrdsl_result(n, NEG_TARGET, login_seen);
			if (!sent && ri.state == NEG_UNKNOWN) {
				json_decref(kj);
				continue;
			}
			set(kj, "initiator",
			    neg_val_json((enum neg_key)k, &side[0]));
			set(kj, "target",
			    neg_val_json((enum neg_key)k, &side[1]));
			set(kj, "result",
			    json_pack("{s:o,s:o}", "initiator",
				      neg_result_value((enum neg_key)k, &ri),
				      "target",
				      neg_result_value((enum neg_key)k, &rt)));
			set(kj, "state",
			    json_pack("{s:s,s:s}", "initiator",
				      neg_state_name((enum neg_state)ri.state),
				      "target",
				      neg_state_name((enum neg_state)rt.state)));
			if (ri.flags | rt.flags)
				set(kj, "flags", neg_flags_json(ri.flags | rt.flags));
			set(o, ki->name, kj);
			continue;
		}
		struct neg_result r =
		    neg_key_result(n, (enum neg_key)k, login_seen);
		if (!sent && r.state == NEG_UNKNOWN) {
			json_decref(kj);
			continue;
		}
		int off = n->offerer[k];
		set(kj, "offerer", side_name(off) ? json_string(side_name(off))
						  : json_null());
		set(kj, "offered",
		    off >= 0 ? neg_val_json((enum neg_key)k, &side[off])
			     : json_null());
		set(kj, "answered",
		    off >= 0 ? neg_val_json((enum neg_key)k, &side[1 - off])
			     : json_null());
		if (ki->type == NEG_T_BINARY)
			set(kj, "result", json_null());
		else
			set(kj, "result",
			    neg_result_value((enum neg_key)k, &r));
		set(kj, "state", json_string(neg_state_name(
				     (enum neg_state)r.state)));
		if (r.flags)
			set(kj, "flags", neg_flags_json(r.flags));
		set(o, ki->name, kj);
	}
	return o;
}

static const char *chap_alg_name(uint32_t a)
{
	switch (a) {
	case 5:
		return "MD5";
	case 6:
		return "SHA1";
	case 7:
		return "SHA-256";
	case 8:
		return "SHA3-256";
	}
	return "?";
}

static json_t *auth_json(const struct sconn *c)
{
	json_t *o = json_object();
	if (!c) {
		set(o, "method", json_null());
		return o;
	}
	const struct neg_result *am = &c->vals.auth_method;
	bool has = neg_result_has_value(am);
	set(o, "method",
	    has ? json_string(neg_vocab_name(NK_AUTH_METHOD, am->v))
		: json_null());
	const struct neg_chap *ch = &c->neg.chap;
	set(o, "chap_algorithm",
	    ch->algorithm_seen
		? json_pack("{s:I,s:s}", "id", (json_int_t)ch->algorithm,
			    "name", chap_alg_name(ch->algorithm))
		: json_null());
	json_t *names = json_object();
	for (int s = 0; s < 2; s++)
		set(names, side_name(s),
		    ch->name[s].seen ? jstr(ch->name[s].s) : json_null());
	set(o, "chap_names", names);
	set(o, "mutual", ch->seen ? json_boolean(ch->mutual) : json_null());
	json_t *chal = json_object(), *resp = json_object();
	for (int s = 0; s < 2; s++) {
		set(chal, side_name(s),
		    ch->challenge_seen[s] ? secret_json(ch->challenge_len[s])
					  : json_null());
		set(resp, side_name(s),
		    ch->response_seen[s] ? secret_json(ch->response_len[s])
					 : json_null());
	}
	set(o, "chap_challenge", chal);
	set(o, "chap_response", resp);
	if (ch->malformed)
		set(o, "chap_malformed", json_true());
	return o;
}

/* ---- sessions ---- */

static void add_unique(json_t *a, const char *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
	{
		if (strcmp(json_string_value(x), v) == 0)
			return;
	}
	json_array_append_new(a, json_string(v));
}

static const char *end_reason_name(enum sess_end_reason r)
{
	static const char *const n[] = {
	    [END_NONE] = NULL,
	    [END_LOGOUT] = "logout",
	    [END_REINSTATED] = "reinstated",
	    [END_RETAIN_EXPIRED] = "retain_expired",
	    [END_LOGIN_FAILED] = "login_failed",
	    [END_CONN_REINSTATED] = "connection_reinstated",
	    [END_CONN_CLOSED] = "closed",
	    [END_CONN_SUPERSEDED] = "superseded",
	};
	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : NULL;
}

/* Whether c's login reached its operational stage, so that RFC defaults
 * apply to what it did not say: not for a login the target refused. */
static bool conn_negotiated(const struct sconn *c)
{
	return c->login_observed && !(c->status_known && c->status_class);
}

/* The tunnels and VLANs a connection was seen in; NULL when none, so
 * plain captures' output does not change. */
static json_t *outer_json(const struct net_outer *o)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} kinds[] = {
	    {NET_TUN_ERSPAN, "erspan"}, {NET_TUN_GRE, "gre"},
	    {NET_TUN_VXLAN, "vxlan"},   {NET_TUN_GENEVE, "geneve"},
	    {NET_TUN_MPLS, "mpls"},     {NET_TUN_PPPOE, "pppoe"},
	    {NET_TUN_IPIP, "ipip"},
	};
	if (!o->nvlan && !o->tunnels)
		return NULL;
	json_t *j = json_object();
	if (o->nvlan) {
		json_t *v = json_array();
		for (unsigned i = 0; i < o->nvlan && i < NET_OUTER_VLANS; i++)
			json_array_append_new(v, json_integer(o->vlan[i]));
		set(j, "vlan", v);
	}
	if (o->tunnels) {
		json_t *t = json_array();
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (o->tunnels & kinds[i].bit)
				json_array_append_new(t, json_string(kinds[i].name));
		set(j, "tunnels", t);
	}
	if (o->has_vni)
		set(j, "vni", json_integer(o->vni));
	if (o->has_erspan_session)
		set(j, "erspan_session", json_integer(o->erspan_session));
	/* NVGRE's FlowID is per-flow entropy (RFC 7637), not a name. */
	if (o->has_gre_key && o->nvgre)
		set(j, "vsid", json_integer(o->gre_key >> 8));
	else if (o->has_gre_key)
		set(j, "gre_key", json_integer(o->gre_key));
	return j;
}

static json_t *conn_json(const struct session *s, const struct sconn *c,
			 enum perspective persp, const char *obs,
			 struct cim_prop *props)
{
	char a[64];
	json_t *o = json_object();
	size_t n = cim_conn_props(s, c, persp, props, CIM_PROPS_MAX);
	n += cim_conn_ext_props(s, c, persp, obs, props + n, CIM_PROPS_MAX - n);
	set(o, "cim", cim_object(CIM_CONN_CLASS, props, n));
	set(o, "initiator", json_string(cim_ep_str(&c->initiator, a, sizeof(a))));
	set(o, "target", json_string(cim_ep_str(&c->target, a, sizeof(a))));
	json_t *outer = outer_json(&c->outer);
	if (outer)
		set(o, "outer", outer);
	set(o, "leading", json_boolean(c->leading));
	set(o, "login_observed", json_boolean(c->login_observed));
	set(o, "first_login", jtime(c->first_ns));
	set(o, "full_feature", jtime(c->ffp_ns));
	set(o, "ended", jtime(c->end_ns));
	const char *er = end_reason_name(c->end_reason);
	set(o, "end_reason", er ? json_string(er) : json_null());
	set(o, "login_status",
	    c->status_known
		? json_pack("{s:i,s:i,s:s}", "class", c->status_class,
			    "detail", c->status_detail, "text",
			    iscsi_login_status_str(c->status_class,
						      c->status_detail))
		: json_null());
	set(o, "pdus", json_pack("{s:I,s:I}", "to_target",
				 (json_int_t)c->counts.pdus[0], "to_initiator",
				 (json_int_t)c->counts.pdus[1]));
	set(o, "header_digest_errors", json_integer((json_int_t)c->counts.hdigest_errors));
	set(o, "data_digest_errors", json_integer((json_int_t)c->counts.ddigest_errors));
	set(o, "rejects", json_integer((json_int_t)c->counts.rejects));
	set(o, "gaps", json_integer((json_int_t)c->gaps));
	if (!c->leading)
		set(o, "negotiation",
		    negotiation_json(&c->neg, conn_negotiated(c), true));
	return o;
}

static json_t *events_json(const struct session *s)
{
	json_t *a = json_array();
	unsigned n = s->nevents;
	for (unsigned i = 0; i < n; i++) {
		const struct sess_event *ev = session_event_at(s, i);
		json_array_append_new(
		    a, json_pack("{s:o,s:o,s:o}", "ts", jtime(ev->ts_ns),
				 "kind", jstr(ev->kind ? ev->kind : "?"),
				 "detail", jstr(ev->detail)));
	}
	return a;
}

static json_t *session_json(const struct session *s, enum perspective persp,
			    const char *obs, struct cim_prop *props)
{
	char a[64], isid[16];
	json_t *o = json_object();
	size_t n = cim_session_props(s, persp, props, CIM_PROPS_MAX);
	n += cim_session_ext_props(s, persp, obs, props + n, CIM_PROPS_MAX - n);
	set(o, "seq", json_integer((json_int_t)s->seq));
	set(o, "cim", cim_object(CIM_SESSION_CLASS, props, n));

	json_t *ia = json_array(), *ta = json_array();
	for (const struct sconn *c = s->conns; c; c = c->next) {
		add_unique(ia, net_addr_str(&c->initiator.addr, a, sizeof(a)));
		add_unique(ta, cim_ep_str(&c->target, a, sizeof(a)));
	}
	snprintf(isid, sizeof(isid), "0x%02x%02x%02x%02x%02x%02x", s->isid[0],
		 s->isid[1], s->isid[2], s->isid[3], s->isid[4], s->isid[5]);
	set(o, "initiator",
	    json_pack("{s:o,s:o,s:o,s:o}", "name",
		      jstr_or_null(s->initiator_name), "alias",
		      jstr_or_null(s->initiator_alias), "isid",
		      s->isid_known ? json_string(isid) : json_null(),
		      "addresses", ia));
	set(o, "target",
	    json_pack("{s:o,s:o,s:o,s:o}", "name", jstr_or_null(s->target_name),
		      "alias", jstr_or_null(s->target_alias), "tpgt",
		      s->tpgt_known ? json_integer(s->tpgt) : json_null(),
		      "addresses", ta));
	set(o, "login_observed", json_boolean(s->login_observed));
	set(o, "incomplete", json_boolean(s->incomplete));
	const char *er = end_reason_name(s->end_reason);
	set(o, "end_reason", er ? json_string(er) : json_null());
	set(o, "redirect", jstr_or_null(s->redirect));

	const struct sconn *lc = session_leading_conn(s);
	set(o, "negotiation",
	    lc ? negotiation_json(&lc->neg, conn_negotiated(lc), false)
	       : json_object());
	set(o, "auth", auth_json(lc));

	json_t *conns = json_array();
	for (const struct sconn *c = s->conns; c; c = c->next)
		json_array_append_new(conns, conn_json(s, c, persp, obs, props));
	set(o, "connections", conns);

	json_t *disc = json_array();
	for (unsigned i = 0; i < s->ntargets && i < SESSION_TARGETS_MAX; i++) {
		const struct discovered_target *dt = &s->targets[i];
		json_t *addrs = json_array();
		for (unsigned k = 0; k < dt->naddr; k++)
			json_array_append_new(addrs,
					      jstr(session_target_addr(dt, k)));
		json_t *e = json_pack("{s:o,s:o}", "name", jstr(dt->name),
				      "addresses", addrs);
		/* Only when it happened: what the capture held was more. */
		if (dt->addr_dropped)
			set(e, "addresses_dropped",
			    json_integer(dt->addr_dropped));
		if (dt->truncated)
			set(e, "truncated", json_true());
		json_array_append_new(disc, e);
	}
	set(o, "discovery", disc);
	if (s->targets_dropped)
		set(o, "discovery_dropped",
		    json_integer(s->targets_dropped));
	set(o, "events", events_json(s));
	set(o, "events_dropped", json_integer((json_int_t)s->events_dropped));
	return o;
}

/* ---- the SCSI layer (scsi.h): "stats" and "luns" ---- */

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* Rates rounded to 3 decimals so the text stays short. */
static json_t *jrate(double v)
{
	return json_real((double)(int64_t)(v * 1000.0 + 0.5) / 1000.0);
}

/* The histogram's non-empty buckets, log-scale (scsi.h: four a power
 * of two), bounds inclusive; the last bucket has no upper bound. */
static json_t *hist_buckets_json(const struct scsi_hist *h)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < SCSI_HIST_BUCKETS; i++) {
		uint64_t n = scsi_hist_at(h, i);
		if (!n)
			continue;
		uint64_t hi = scsi_hist_upper(i);
		json_array_append_new(
		    a, json_pack("{s:o,s:o,s:o}", "min", jint(scsi_hist_lower(i)),
				 "max", hi == UINT64_MAX ? json_null() : jint(hi),
				 "count", jint(n)));
	}
	return a;
}

static json_t *latency_json(const struct scsi_hist *h)
{
	if (!h->count)
		return json_null();
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "count",
			 jint(h->count), "min", jint(h->min_ns), "mean",
			 jint(h->sum_ns / h->count), "max", jint(h->max_ns),
			 "p50", jint(scsi_hist_percentile(h, 50)), "p95",
			 jint(scsi_hist_percentile(h, 95)), "p99",
			 jint(scsi_hist_percentile(h, 99)), "buckets",
			 hist_buckets_json(h));
}

/* The counters of a connection or a session: the PDU-level ones (k)
 * and the SCSI layer's (st; all zero when there is no SCSI state). */
static json_t *scsi_stats_json(const struct pdu_counts *k,
			       const struct scsi_stats *st, uint64_t now)
{
	static const struct scsi_stats none;
	if (!st)
		st = &none;
	json_t *o = json_object();
	set(o, "command_pdus", jint(k->pdus[0]));
	set(o, "response_pdus", jint(k->pdus[1]));
	set(o, "data_octets",
	    json_pack("{s:o,s:o}", "to_target",
		      jint(k->octets[0]), "to_initiator",
		      jint(k->octets[1])));
	set(o, "nop_out", jint(k->nop_out));
	set(o, "nop_in", jint(k->nop_in));
	set(o, "digest_errors",
	    json_pack("{s:o,s:o}", "header", jint(k->hdigest_errors), "data",
		      jint(k->ddigest_errors)));
	set(o, "connection_timeout_errors", jint(k->conn_timeout_errors));
	set(o, "format_errors", jint(k->format_errors));
	set(o, "r2ts", jint(st->r2ts));
	set(o, "data_out_pdus", jint(st->data_out_pdus));
	set(o, "data_in_pdus", jint(st->data_in_pdus));
	set(o, "task_management",
	    json_pack("{s:o,s:o}", "requests", jint(st->tmf_reqs),
		      "responses", jint(st->tmf_rsps)));
	set(o, "rejects", jint(k->rejects));
	set(o, "async_messages", jint(st->async_msgs));
	set(o, "snacks", jint(st->snacks));

	json_t *sc = json_object();
	set(sc, "commands", jint(st->scsi_cmds));
	set(sc, "completed", jint(st->scsi_rsps));
	set(sc, "reads", jint(st->reads));
	set(sc, "writes", jint(st->writes));
	set(sc, "other", jint(st->others));
	set(sc, "bytes_read", jint(st->bytes_read));
	set(sc, "bytes_written", jint(st->bytes_written));
	json_t *stat = json_object();
	set(stat, "good", jint(st->good));
	set(stat, "check_condition", jint(st->check_conditions));
	set(stat, "busy", jint(st->busy));
	set(stat, "reservation_conflict", jint(st->reservation_conflicts));
	set(stat, "task_set_full", jint(st->task_set_full));
	set(stat, "other", jint(st->other_status));
	set(sc, "status", stat);
	set(sc, "target_failures", jint(st->target_failures));
	set(sc, "unmatched_responses", jint(st->unmatched_rsps));
	set(sc, "aged_out", jint(st->aged_out));
	set(sc, "cap_evicted", jint(st->cap_evicted));
	set(sc, "unanswered_at_close", jint(st->unanswered_at_close));
	set(sc, "aborted", jint(st->aborted));
	set(sc, "outstanding", jint(st->outstanding));
	set(sc, "outstanding_max", jint(st->outstanding_max));
	set(sc, "errors", jint(pdu_counts_errors(k) + scsi_stats_errors(st)));
	set(sc, "first_command", jtime(st->first_ns));
	set(sc, "last_command", jtime(st->last_ns));
	set(o, "scsi", sc);

	set(o, "latency_ns", latency_json(&st->latency));

	json_t *sense = json_array();
	for (unsigned i = 0; i < st->nsense && i < SCSI_SENSE_TABLE_MAX; i++) {
		const struct scsi_sense_count *x = &st->sense[i];
		char kb[16], ab[40];
		json_array_append_new(
		    sense,
		    json_pack("{s:i,s:s,s:i,s:i,s:s,s:o}", "key", x->key,
			      "key_name", scsi_key_name(x->key, kb, sizeof(kb)),
			      "asc", x->asc, "ascq", x->ascq, "text",
			      scsi_ascq_name(x->asc, x->ascq, ab, sizeof(ab)),
			      "count", jint(x->count)));
	}
	set(o, "sense", sense);
	set(o, "sense_other", jint(st->sense_other));

	struct scsi_rates r;
	scsi_stats_rates(st, now, &r);
	set(o, "rates",
	    json_pack("{s:f,s:{s:o,s:o,s:o,s:o,s:o},s:{s:o,s:o,s:o}}",
		      "interval_s", (double)SCSI_INTERVAL_NS / 1e9,
		      "last_interval", "read_iops", jrate(r.read_iops),
		      "write_iops", jrate(r.write_iops), "iops", jrate(r.iops),
		      "read_bytes_per_s", jrate(r.read_bps),
		      "write_bytes_per_s", jrate(r.write_bps), "total", "iops",
		      jrate(r.total_iops), "read_bytes_per_s",
		      jrate(r.total_read_bps), "write_bytes_per_s",
		      jrate(r.total_write_bps)));
	return o;
}

static json_t *scsi_luns_json(const struct scsi_sess *ss)
{
	json_t *a = json_array();
	for (unsigned i = 0; ss && i < ss->nluns && i < SCSI_LUNS_MAX; i++) {
		const struct scsi_lun *l = &ss->luns[i];
		json_t *o = json_object();
		set(o, "lun", jint(l->lun));
		set(o, "reported", json_boolean(l->reported));
		if (l->inquiry_seen) {
			set(o, "vendor", jstr(l->vendor));
			set(o, "product", jstr(l->product));
			set(o, "revision", jstr(l->revision));
			set(o, "device_type", json_integer(l->device_type));
			set(o, "device_type_name",
			    json_string(scsi_devtype_name(l->device_type)));
			set(o, "qualifier", json_integer(l->qualifier));
		} else {
			set(o, "vendor", json_null());
			set(o, "product", json_null());
			set(o, "revision", json_null());
			set(o, "device_type", json_null());
		}
		if (l->capacity_seen) {
			set(o, "blocks", jint(l->blocks));
			set(o, "block_size", jint(l->block_size));
			set(o, "capacity_bytes", jint(l->blocks * l->block_size));
			set(o, "capacity_from",
			    json_string(l->capacity16 ? "READ CAPACITY(16)"
						      : "READ CAPACITY(10)"));
		} else {
			set(o, "blocks", json_null());
			set(o, "block_size", json_null());
			set(o, "capacity_bytes", json_null());
		}
		json_array_append_new(a, o);
	}
	return a;
}

/* Adds "stats" and "luns" to a session object, and "stats" to each of
 * its connections (same order as s->conns). */
static void scsi_json_add(json_t *sj, const struct session *s, uint64_t now)
{
	set(sj, "stats",
	    scsi_stats_json(&s->counts, s->scsi ? &s->scsi->stats : NULL, now));
	set(sj, "luns", scsi_luns_json(s->scsi));
	if (s->scsi && (s->scsi->luns_dropped || s->scsi->report_luns_seen))
		set(sj, "luns_info",
		    json_pack("{s:o,s:o,s:o}", "dropped",
			      jint(s->scsi->luns_dropped), "report_luns_seen",
			      json_boolean(s->scsi->report_luns_seen),
			      "report_luns_total",
			      jint(s->scsi->reported_total)));
	json_t *conns = json_object_get(sj, "connections");
	size_t i = 0;
	for (const struct sconn *c = s->conns; c; c = c->next, i++) {
		json_t *cj = json_array_get(conns, i);
		if (cj)
			set(cj, "stats",
			    scsi_stats_json(&c->counts, c->scsi, now));
	}
}

/* What retention folded, one object per (initiator, target) pair; the
 * catch-all beyond SESSION_SUMMARIES_MAX pairs has null names and
 * "other": true. */
static json_t *summaries_json(const struct sess_summary *m)
{
	json_t *a = json_array();
	for (; m; m = m->next) {
		json_t *o = json_object();
		set(o, "initiator",
		    m->other ? json_null() : jstr_or_null(m->initiator_name));
		set(o, "target",
		    m->other ? json_null() : jstr_or_null(m->target_name));
		set(o, "other", json_boolean(m->other));
		set(o, "sessions", json_integer((json_int_t)m->sessions));
		set(o, "logins", json_integer((json_int_t)m->logins));
		set(o, "failures", json_integer((json_int_t)m->failures));
		set(o, "first_seen", jtime(m->first_ns));
		set(o, "last_seen", jtime(m->last_ns));
		json_array_append_new(a, o);
	}
	return a;
}

/* Everything but the sessions; "sessions" is its last member. */
static json_t *document_head(const struct export_meta *m)
{
	json_t *root = json_object();
	set(root, "iscsiwatch",
	    json_pack("{s:s,s:s,s:i}", "version",
		      m->version ? m->version : "?", "perspective",
		      m->perspective == PERSP_INITIATOR ? "initiator"
							: "target",
		      "format", 2));
	json_t *cap = json_object();
	json_t *src = json_array();
	for (size_t i = 0; i < m->nsources; i++)
		json_array_append_new(src, jstr(m->sources[i]));
	set(cap, "sources", src);
	set(cap, "live", json_boolean(m->live));
	set(cap, "first", jtime(m->first_ns));
	set(cap, "last", jtime(m->last_ns));
	json_t *ctr = json_object();
	if (m->counters)
		for (int i = 0; i < CTR_MAX; i++)
			set(ctr, counter_name((enum counter_id)i),
			    json_integer((json_int_t)m->counters->v[i]));
	set(cap, "counters", ctr);
	set(cap, "drops", json_integer((json_int_t)m->drops));
	set(cap, "ifdrops", json_integer((json_int_t)m->ifdrops));
	set(root, "capture", cap);
	if (m->summaries)
		set(root, "summaries", summaries_json(m->summaries));
	set(root, "sessions", json_array());
	return root;
}

static json_t *session_full_json(const struct session *s,
				 const struct export_meta *m, const char *obs,
				 struct cim_prop *props)
{
	json_t *sj = session_json(s, m->perspective, obs, props);
	scsi_json_add(sj, s, m->last_ns);
	return sj;
}

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* The JSON document (document_head() with every session in its
 * "sessions"), written one session at a time so that memory holds one
 * session's tree, not every session's (a JSON tree costs tens of KB a
 * session: 1 GB at 10,000). The bytes are json_dumps()'s: a session sits two
 * levels deep, so its lines get 4 more spaces, and the head ends with
 * the empty "sessions" array that is opened here instead. */
static int document_write(FILE *fp, const struct session *first,
			  const struct export_meta *m)
{
	static const char empty_tail[] = "[]\n}";
	struct cim_prop *props = calloc(CIM_PROPS_MAX, sizeof(*props));
	char obs[CIM_STR_MAX];
	cim_observed_by(m->sources, m->nsources, m->live, obs, sizeof(obs));
	json_t *root = props ? document_head(m) : NULL;
	char *head = root ? json_dumps(root, JSON_FLAGS) : NULL;
	json_decref(root);
	size_t hl = head ? strlen(head) : 0;
	if (!head || hl < sizeof(empty_tail) - 1 ||
	    strcmp(head + hl - (sizeof(empty_tail) - 1), empty_tail) != 0) {
		free(head);
		free(props);
		return -1;
	}
	if (!first) {
		fputs(head, fp);
		free(head);
		free(props);
		return 0;
	}
	fwrite(head, 1, hl - (sizeof(empty_tail) - 1), fp);
	free(head);
	fputs("[\n    ", fp);
	int rc = 0;
	for (const struct session *s = first; s && rc == 0; s = s->next) {
		json_t *sj = session_full_json(s, m, obs, props);
		char *t = sj ? json_dumps(sj, JSON_FLAGS) : NULL;
		json_decref(sj);
		if (!t) {
			rc = -1;
			break;
		}
		for (const char *c = t; *c; c++) {
			if (*c == '\n')
				fputs("\n    ", fp);
			else
				fputc(*c, fp);
		}
		free(t);
		if (s->next)
			fputs(",\n    ", fp);
	}
	fputs("\n  ]\n}", fp);
	free(props);
	return rc;
}

char *export_json_string(const struct session *first,
			 const struct export_meta *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	if (!fp)
		return NULL;
	int rc = document_write(fp, first, m);
	if (fclose(fp) != 0 || rc != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The file's document: the tree and a final newline. */
static int json_document(FILE *fp, const struct session *first,
			 const struct export_meta *m)
{
	if (document_write(fp, first, m) != 0)
		return -1;
	fputc('\n', fp);
	return 0;
}

int export_json_list(const char *path, const struct session *first,
		     const struct export_meta *m, char *err, size_t errlen)
{
	return export_file(path, json_document, "JSON", first, m, err, errlen);
}
