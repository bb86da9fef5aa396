/* label.c - reasons and shortened names for the operator's view
 * (label.h). */
#include "label.h"

#include <stdio.h>
#include <string.h>

#include "login.h"

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

/* ---- names ----
 * Columns are counted as code points: the text is already escaped
 * (printable), and iSCSI names (RFC 3722) are narrow characters. */

static size_t u8_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

/* Byte offset of the k-th code point of s[0..n) (n when past the end). */
static size_t u8_offset(const char *s, size_t n, size_t k)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (c++ == k)
			return i;
	}
	return n;
}

struct out {
	char *p;
	size_t len, o;
};

static void put(struct out *w, const char *s, size_t n)
{
	if (w->o >= w->len)
		return;
	if (n > w->len - 1 - w->o) {
		/* Never cut inside a UTF-8 sequence. */
		n = w->len - 1 - w->o;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(w->p + w->o, s, n);
	w->o += n;
	w->p[w->o] = '\0';
}

/* s[0..n) in `width` code points with its middle replaced by ell; head
 * gets `head_share` thirds of what is kept. */
static void middle(struct out *w, const char *s, size_t n, size_t width,
		   unsigned head_share, const char *ell)
{
	size_t chars = u8_chars(s, n);
	if (chars <= width) {
		put(w, s, n);
		return;
	}
	if (!width)
		return;
	size_t keep = width - 1, head = keep * head_share / 3;
	size_t tail = keep - head;
	put(w, s, u8_offset(s, n, head));
	put(w, ell, strlen(ell));
	size_t t = u8_offset(s, n, chars - tail);
	put(w, s + t, n - t);
}

size_t label_name(const char *name, size_t width, bool pad, bool ascii,
		  char *out, size_t outlen)
{
	if (!outlen)
		return 0;
	out[0] = '\0';
	struct out w = {out, outlen, 0};
	const char *ell = ascii ? "~" : "\xe2\x80\xa6"; /* … */
	size_t n = strlen(name);
	const char *colon = strncmp(name, "iqn.", 4) == 0 ? strchr(name, ':')
							 : NULL;
	if (u8_chars(name, n) <= width || !colon || !colon[1]) {
		/* eui./naa. (hex) and others differ most at their end. */
		middle(&w, name, n, width, 1, ell);
	} else {
		const char *uniq = colon + 1;
		size_t un = strlen(uniq), uc = u8_chars(uniq, un);
		if (uc + 2 <= width) {
			/* "iqn.1991-05…:esx15.corp.example.com" */
			size_t k = width - 2 - uc;
			put(&w, name, u8_offset(name, n, k));
			put(&w, ell, strlen(ell));
			put(&w, colon, n - (size_t)(colon - name));
		} else if (uc + 1 == width) {
			put(&w, ell, strlen(ell));
			put(&w, uniq, un);
		} else {
			/* Host names differ most at their start. */
			middle(&w, uniq, un, width, 2, ell);
		}
	}
	for (size_t c = u8_chars(out, w.o); pad && c < width; c++)
		put(&w, " ", 1);
	return w.o;
}

size_t label_name_need(const char *name)
{
	size_t n = strlen(name), full = u8_chars(name, n);
	const char *colon = strncmp(name, "iqn.", 4) == 0 ? strchr(name, ':')
							 : NULL;
	if (!colon || !colon[1])
		return full;
	size_t need = u8_chars(colon + 1, strlen(colon + 1)) + 2;
	return need < full ? need : full;
}
