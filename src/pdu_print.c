/* pdu_print.c - the `--pdus` line per PDU. */
#include "pdu_print.h"

#include <inttypes.h>

#include "iscsi.h"
#include "net.h"

static const char *digest_word(enum pdu_digest d)
{
	switch (d) {
	case PDU_DIGEST_OK:
		return "ok";
	case PDU_DIGEST_BAD:
		return "bad";
	case PDU_DIGEST_UNCHECKED:
		return "lost";
	case PDU_DIGEST_ABSENT:
		break;
	}
	return "none";
}

static void ep_str(const struct flow_ep *ep, char *buf, size_t len)
{
	char a[64];
	net_addr_str(&ep->addr, a, sizeof(a));
	if (ep->addr.family == 6)
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	else
		snprintf(buf, len, "%s:%u", a, ep->port);
}

static void print_end(void *user, struct engine_conn *c, int slot, int dir,
		      const struct pdu *p)
{
	(void)slot;
	FILE *out = user;
	const struct flow *f = c->flow;
	char src[80], dst[80], flags[64];
	ep_str(&f->ep[dir], src, sizeof(src));
	ep_str(&f->ep[1 - dir], dst, sizeof(dst));
	/* The flag token needs only bytes 0 and 1 of the BHS, which the
	 * PDU record keeps after the header itself is gone. */
	uint8_t bhs[ISCSI_BHS_LEN] = {0};
	bhs[0] = (uint8_t)(p->opcode | (p->immediate ? 0x40 : 0));
	bhs[1] = p->flags;
	iscsi_flags_str(bhs, flags, sizeof(flags));
	fprintf(out,
		"%" PRIu64 ".%09" PRIu64 " c%" PRIu64
		" %s %s %s %s itt=0x%08" PRIx32 " dlen=%" PRIu32
		" flags=%s hd=%s dd=%s\n",
		c->now_ns / 1000000000u, c->now_ns % 1000000000u, f->id,
		engine_dir_label(f, dir), src, dst,
		iscsi_opcode_name(p->opcode), p->itt, p->data_len, flags,
		digest_word(p->hdigest), digest_word(p->ddigest));
}

struct engine_sink pdu_print_sink(FILE *out)
{
	struct engine_sink s = {.user = out, .pdu_end = print_end};
	return s;
}
