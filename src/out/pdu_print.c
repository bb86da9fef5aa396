/* pdu_print.c - the `--pdus` line per PDU.
 *
 * This is the hot path of `iscsiwatch --pdus` on a large capture, so the
 * line is assembled by hand into a buffer (printf's format parsing cost a
 * quarter of the run time in the benchmark) and each connection's
 * endpoint strings are made once, when it opens.
 */
#include "pdu_print.h"

#include <stdlib.h>
#include <string.h>

#include "iscsi.h"
#include "net.h"

/* "c<id> " and the two endpoints, formatted once per connection. */
struct pconn {
	char id[24];
	char ep[2][64];
	size_t id_len, ep_len[2];
};

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

static size_t ep_str(const struct flow_ep *ep, char *buf, size_t len)
{
	char a[64];
	net_addr_str(&ep->addr, a, sizeof(a));
	int n = ep->addr.family == 6 ? snprintf(buf, len, "[%s]:%u", a, ep->port)
				     : snprintf(buf, len, "%s:%u", a, ep->port);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

static void print_open(void *user, struct engine_conn *c, int slot)
{
	(void)user;
	struct pconn *pc = calloc(1, sizeof(*pc));
	if (pc) {
		int n = snprintf(pc->id, sizeof(pc->id), "c%llu",
				 (unsigned long long)c->flow->id);
		pc->id_len = n > 0 ? (size_t)n : 0;
		for (int d = 0; d < 2; d++)
			pc->ep_len[d] = ep_str(&c->flow->ep[d], pc->ep[d],
					       sizeof(pc->ep[d]));
	}
	c->slot[slot] = pc;
}

static void print_close(void *user, struct engine_conn *c, int slot,
			enum conn_end why)
{
	(void)user;
	(void)why;
	free(c->slot[slot]);
	c->slot[slot] = NULL;
}

/* A small output cursor: the line is at most a few hundred bytes. */
struct line {
	char b[512];
	size_t n;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->b) - l->n)
		n = sizeof(l->b) - l->n;
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* Decimal, zero-padded to at least `width` digits. */
static void put_u(struct line *l, uint64_t v, int width)
{
	char t[24];
	int i = sizeof(t);
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	while ((int)sizeof(t) - i < width && i > 0)
		t[--i] = '0';
	put(l, t + i, sizeof(t) - (size_t)i);
}

static void put_hex32(struct line *l, uint32_t v)
{
	static const char hex[] = "0123456789abcdef";
	char t[8];
	for (int i = 7; i >= 0; i--, v >>= 4)
		t[i] = hex[v & 15];
	put(l, t, 8);
}

static void print_end(void *user, struct engine_conn *c, int slot, int dir,
		      const struct pdu *p)
{
	FILE *out = user;
	const struct pconn *pc = c->slot[slot];
	if (!pc)
		return;
	struct line l;
	l.n = 0;
	put_u(&l, c->now_ns / 1000000000u, 1);
	put(&l, ".", 1);
	put_u(&l, c->now_ns % 1000000000u, 9);
	put(&l, " ", 1);
	put(&l, pc->id, pc->id_len);
	put(&l, " ", 1);
	puts_(&l, engine_dir_label(c->flow, dir));
	put(&l, " ", 1);
	put(&l, pc->ep[dir], pc->ep_len[dir]);
	put(&l, " ", 1);
	put(&l, pc->ep[1 - dir], pc->ep_len[1 - dir]);
	put(&l, " ", 1);
	puts_(&l, iscsi_opcode_name(p->opcode));
	put(&l, " itt=0x", 7);
	put_hex32(&l, p->itt);
	put(&l, " dlen=", 6);
	put_u(&l, p->data_len, 1);
	put(&l, " flags=", 7);
	/* The flag token needs only bytes 0 and 1 of the BHS, which the
	 * PDU record keeps after the header itself is gone. */
	uint8_t bhs[ISCSI_BHS_LEN] = {0};
	bhs[0] = (uint8_t)(p->opcode | (p->immediate ? 0x40 : 0));
	bhs[1] = p->flags;
	char flags[64];
	iscsi_flags_str(bhs, flags, sizeof(flags));
	puts_(&l, flags);
	put(&l, " hd=", 4);
	puts_(&l, digest_word(p->hdigest));
	put(&l, " dd=", 4);
	puts_(&l, digest_word(p->ddigest));
	put(&l, "\n", 1);
	fwrite(l.b, 1, l.n, out);
}

struct engine_sink pdu_print_sink(FILE *out)
{
	struct engine_sink s = {
		.user = out,
		.conn_open = print_open,
		.pdu_end = print_end,
		.conn_close = print_close,
	};
	return s;
}
