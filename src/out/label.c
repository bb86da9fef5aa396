/* label.c - reasons and shortened names for the operator's view
 * (label.h). */
#include "label.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "login.h"
#include "textsafe.h"

/* ---- reasons ---- */

/* RFC 7143 §11.13.5 Status-Class/Detail, a word or two each. */
const char *label_login_word(unsigned cls, unsigned detail)
{
	static const char *const initiator_err[] = {
	    "initiator error", "auth",		 "denied",
	    "no target",       "target removed", "version",
	    "too many conns",  "missing param",	 "no reinstate",
	    "session type",    "no session",	 "bad request",
	};
	static const char *const target_err[] = {"target error", "unavailable",
						 "no resources"};
	switch (cls) {
	case 0:
		return "ok";
	case 1:
		return "moved";
	case 2:
		return detail < sizeof(initiator_err) / sizeof(initiator_err[0])
			   ? initiator_err[detail]
			   : "initiator error";
	case 3:
		return detail < sizeof(target_err) / sizeof(target_err[0])
			   ? target_err[detail]
			   : "target error";
	}
	return "login";
}

static const char *degraded_word(unsigned deg)
{
	if (deg & DEG_CONN_LOST)
		return "conn lost";
	if (deg & DEG_DIGEST)
		return "digest";
	if (deg & DEG_REJECT)
		return "reject";
	if (deg & DEG_OVERLAP)
		return "overlap";
	if (deg & DEG_GAP)
		return "gap";
	return "degraded";
}

const char *label_reason(const struct session *s, char *buf, size_t len)
{
	const char *w = "";
	switch (s->status) {
	case ST_ERROR:
		if (s->fail_class) {
			snprintf(buf, len, "%s 0x%02x%02x",
				 label_login_word(s->fail_class,
						  s->fail_detail),
				 s->fail_class, s->fail_detail);
			return buf;
		}
		/* No status: how the model says the login ended. */
		w = s->fail_kind == LF_REJECTED ? "rejected"
		    : s->fail_kind == LF_CLOSED ? "closed in login"
						: "no response";
		break;
	case ST_LOST:
		w = "lost";
		break;
	case ST_STOPPING:
		w = "logout";
		break;
	case ST_DEGRADED:
		w = degraded_word(s->degraded);
		break;
	case ST_STOPPED:
		w = s->end_reason == END_LOGOUT	      ? "logout"
		    : s->end_reason == END_REINSTATED ? "reinstated"
		    : s->end_reason == END_RETAIN_EXPIRED
			? "lost"
			: "";
		break;
	case ST_STARTING:
	case ST_OK:
		break;
	}
	snprintf(buf, len, "%s", w);
	return buf;
}

/* ---- sizes ---- */

size_t label_bytes(uint64_t v, char *buf, size_t len)
{
	static const char unit[] = "KMGTP";
	if (v < 1000)
		return (size_t)snprintf(buf, len, "%" PRIu64, v);
	double d = (double)v / 1000.0;
	size_t i = 0;
	while (d >= 999.5 && i + 1 < sizeof(unit) - 1) {
		d /= 1000.0;
		i++;
	}
	return (size_t)snprintf(buf, len, d < 9.95 ? "%.1f%c" : "%.0f%c", d,
				unit[i]);
}

/* ---- paths ---- */

struct path_buf {
	char *p;
	size_t len, used;
};

/* Appends one layer, ", "-separated. A layer that does not fit whole
 * ends the path there, so a short buffer shows a true prefix of it
 * (LABEL_PATH_MAX holds the longest). */
__attribute__((format(printf, 2, 3))) static void
path_add(struct path_buf *b, const char *fmt, ...)
{
	if (b->used + 2 >= b->len)
		return;
	size_t at = b->used;
	if (at) {
		memcpy(b->p + at, ", ", 2);
		at += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(b->p + at, b->len - at, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= b->len - at) {
		b->p[b->used] = '\0';
		b->len = b->used; /* full */
		return;
	}
	b->used = at + (size_t)w;
}

size_t label_path(const struct net_outer *o, char *buf, size_t len)
{
	struct path_buf b = {buf, len, 0};
	buf[0] = '\0';
	if (o->nvlan) {
		/* 802.1ad stacking as interface names write it: outer.inner */
		char v[5 * NET_OUTER_VLANS + 1];
		size_t n = 0;
		for (unsigned i = 0; i < o->nvlan && i < NET_OUTER_VLANS; i++)
			n += (size_t)snprintf(v + n, sizeof(v) - n, "%s%u",
					      i ? "." : "", (unsigned)o->vlan[i]);
		path_add(&b, "VLAN %s", v);
	}
	if (o->tunnels & NET_TUN_ERSPAN) {
		if (o->has_erspan_session)
			path_add(&b, "ERSPAN session %u",
				 (unsigned)o->erspan_session);
		else
			path_add(&b, "ERSPAN");
	}
	if (o->tunnels & NET_TUN_GRE) {
		/* NVGRE's FlowID is per-flow entropy (RFC 7637 §3.2): the
		 * VSID alone names the tenant. */
		if (o->has_gre_key && o->nvgre)
			path_add(&b, "NVGRE VSID %" PRIu32, o->gre_key >> 8);
		else if (o->has_gre_key)
			path_add(&b, "GRE key %" PRIu32, o->gre_key);
		else
			path_add(&b, "GRE");
	}
	bool vx = o->tunnels & NET_TUN_VXLAN, gn = o->tunnels & NET_TUN_GENEVE;
	if (vx || gn) {
		const char *k = vx && gn ? "VXLAN, Geneve" : vx ? "VXLAN" : "Geneve";
		if (o->has_vni)
			path_add(&b, "%s VNI %" PRIu32, k, o->vni);
		else
			path_add(&b, "%s", k);
	}
	if (o->tunnels & NET_TUN_MPLS)
		path_add(&b, "MPLS");
	if (o->tunnels & NET_TUN_PPPOE)
		path_add(&b, "PPPoE");
	if (o->tunnels & NET_TUN_IPIP)
		path_add(&b, "IP-in-IP");
	return b.used;
}

/* ---- names ----
 * Widths are terminal columns of the escaped text (textsafe.h): iSCSI
 * names (RFC 3722) are mostly narrow, but a wide character counts two. */

/* s[0..n) in `width` columns with its middle replaced by ell; head gets
 * `head_share` thirds of what is kept. */
static void middle(struct ts_buf *w, const char *s, size_t n, size_t width,
		   unsigned head_share, const char *ell)
{
	if (ts_width_n(s, n) <= width) {
		ts_buf_put(w, s, n);
		return;
	}
	if (!width)
		return;
	size_t keep = width - 1, head = keep * head_share / 3;
	size_t tail = keep - head;
	ts_buf_put(w, s, ts_offset(s, n, head));
	ts_buf_puts(w, ell);
	size_t t = ts_offset_tail(s, n, tail);
	ts_buf_put(w, s + t, n - t);
}

size_t label_name(const char *name, size_t width, bool pad, bool ascii,
		  char *out, size_t outlen)
{
	if (!outlen)
		return 0;
	struct ts_buf w;
	ts_buf_init(&w, out, outlen);
	const char *ell = ascii ? TS_ELLIPSIS_ASCII : TS_ELLIPSIS;
	size_t n = strlen(name);
	const char *colon = strncmp(name, "iqn.", 4) == 0 ? strchr(name, ':')
							 : NULL;
	if (ts_width_n(name, n) <= width || !colon || !colon[1]) {
		/* eui./naa. (hex) and others differ most at their end. */
		middle(&w, name, n, width, 1, ell);
	} else {
		const char *uniq = colon + 1;
		size_t un = strlen(uniq), uc = ts_width_n(uniq, un);
		if (uc + 2 <= width) {
			/* "iqn.1991-05…:esx15.corp.example.com" */
			size_t k = width - 2 - uc;
			ts_buf_put(&w, name, ts_offset(name, n, k));
			ts_buf_puts(&w, ell);
			ts_buf_put(&w, colon, n - (size_t)(colon - name));
		} else if (uc + 1 == width) {
			ts_buf_puts(&w, ell);
			ts_buf_put(&w, uniq, un);
		} else {
			/* Host names differ most at their start. */
			middle(&w, uniq, un, width, 2, ell);
		}
	}
	for (size_t c = ts_width_n(out, w.n); pad && c < width; c++)
		ts_buf_put(&w, " ", 1);
	return w.n;
}

size_t label_name_need(const char *name)
{
	size_t n = strlen(name), full = ts_width_n(name, n);
	const char *colon = strncmp(name, "iqn.", 4) == 0 ? strchr(name, ':')
							 : NULL;
	if (!colon || !colon[1])
		return full;
	size_t need = ts_width(colon + 1) + 2;
	return need < full ? need : full;
}
