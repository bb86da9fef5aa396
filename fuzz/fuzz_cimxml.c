/* fuzz_cimxml.c - libFuzzer target: the WBEM endpoint's request parser
 * and response writer (cimxml.c, DSP0200/DSP0201).
 *
 * Input: a request body as an HTTP POST would carry it, answered over
 * three fixture sessions (normal, failed login, one whose names hold
 * markup, control bytes and invalid UTF-8).
 *
 * Invariants: a reply is either 200 with a body or an error status with
 * none; every body is well-formed XML (libxml2 reads it back) and holds
 * no C0 control byte but tab, LF and CR; an oversized input is refused
 * unread (413).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../tests/cim_fixture.h"
#include "cimxml.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static struct session *fixture(void)
{
	static struct session *first;
	if (first)
		return first;
	static const char hostile[] = "iqn.x:<a&b>\"]]>\x01\x1b\xff\xc3(";
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	fx_conn(s, 1, FX_NORMAL_I, FX_NORMAL_T, true);
	struct session *f = fx_failed_session();
	f->seq = 1;
	s->next = f;
	struct session *h = fx_session(hostile, hostile);
	fx_conn(h, 0, NULL, NULL, false);
	h->seq = 2;
	f->next = h;
	first = s;
	char err[256];
	if (cimxml_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_cimxml: %s\n", err);
		check(false);
	}
	return first;
}

static void check_body(const struct cimxml_reply *r)
{
	check(r->len < (64u << 20));
	for (size_t i = 0; i < r->len; i++) {
		unsigned char c = (unsigned char)r->body[i];
		check(c >= 0x20 || c == '\t' || c == '\n' || c == '\r');
	}
	xmlDoc *d = xmlReadMemory(r->body, (int)r->len, "r.xml", NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR |
				      XML_PARSE_NOWARNING);
	check(d != NULL);
	xmlFreeDoc(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cimxml_src src = {.first = fixture(),
				 .persp = size & 1 ? PERSP_INITIATOR
						   : PERSP_TARGET,
				 .observed_by = "fuzz",
				 .host = "h"};
	struct cimxml_reply r;
	int rc = cimxml_handle((const char *)data, size, NULL, &src, &r);
	if (rc == 0 && r.http_status == 200) {
		check(r.body != NULL && r.cim_error == NULL);
		check_body(&r);
	} else {
		check(r.body == NULL);
		check(r.http_status >= 400);
	}
	if (size > CIMXML_MAX_REQUEST)
		check(r.http_status == 413);
	cimxml_reply_free(&r);
	return 0;
}
