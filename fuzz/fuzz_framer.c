/* fuzz_framer.c - libFuzzer target: the PDU framer fed arbitrary bytes in
 * arbitrary chunks, with gaps at chosen points.
 *
 * Input layout: byte 0 picks the header/data digest modes, bytes 1..4 seed
 * the chunking, the rest is the stream. The same stream is also fed in one
 * piece (when no gap was injected) and both runs must frame the same PDUs:
 * the framer promises that chunk boundaries never change what it sees.
 *
 * Invariants checked on every callback: begin/data/end alternate properly,
 * data bytes of a PDU never exceed its DataSegmentLength, the BHS pointer
 * is readable for 48 bytes and the AHS for ahs_len.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framer.h"

struct trace {
	bool in_pdu;
	uint64_t data_seen;
	uint64_t npdus;
	uint64_t hash; /* over opcode, offsets, lengths and data bytes */
	volatile uint8_t sink;
};

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static void on_begin(void *user, const struct pdu *p)
{
	struct trace *t = user;
	check(!t->in_pdu);
	check(p->bhs != NULL);
	uint8_t acc = 0;
	for (size_t i = 0; i < ISCSI_BHS_LEN; i++)
		acc ^= p->bhs[i];
	for (size_t i = 0; i < p->ahs_len; i++)
		acc ^= p->ahs[i];
	t->sink = acc;
	check(p->ahs_len <= ISCSI_MAX_AHS_LEN);
	t->in_pdu = true;
	t->data_seen = 0;
	t->npdus++;
	t->hash = mix(t->hash, p->opcode);
	t->hash = mix(t->hash, p->offset);
	t->hash = mix(t->hash, p->data_len);
	t->hash = mix(t->hash, p->itt);
}

static void on_data(void *user, const struct pdu *p, const uint8_t *d,
		    size_t n)
{
	struct trace *t = user;
	check(t->in_pdu);
	check(n > 0 || d != NULL);
	t->data_seen += n;
	check(t->data_seen <= p->data_len);
	for (size_t i = 0; i < n; i++)
		t->hash = mix(t->hash, d[i]);
}

static void on_end(void *user, const struct pdu *p)
{
	struct trace *t = user;
	check(t->in_pdu);
	check(p->data_lost || t->data_seen == p->data_len);
	t->in_pdu = false;
	t->hash = mix(t->hash, p->hdigest);
	t->hash = mix(t->hash, p->ddigest);
	t->hash = mix(t->hash, p->data_lost);
}

static const struct framer_cb cb = {on_begin, on_data, on_end};

static uint32_t rnd(uint32_t *s)
{
	/* xorshift32: cheap, deterministic from the input */
	uint32_t x = *s ? *s : 0x2545f491u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	uint8_t mode = data[0];
	uint32_t seed;
	memcpy(&seed, data + 1, 4);
	data += 5;
	size -= 5;
	enum framer_digest_mode hd = (enum framer_digest_mode)(mode % 3);
	enum framer_digest_mode dd = (enum framer_digest_mode)((mode / 3) % 3);
	bool gaps = mode & 0x80;
	bool midstream = mode & 0x40;

	struct counters ctr = {0};
	struct framer f;
	struct trace t1 = {0};
	framer_init(&f, &ctr);
	framer_set_digests(&f, hd, dd);
	if (midstream)
		framer_gap(&f, &cb, &t1, 0, true);
	size_t off = 0;
	bool gapped = false;
	/* Chunk sizes are copied to heap buffers of exactly that size so
	 * ASan sees any read past a chunk. */
	while (off < size) {
		uint32_t r = rnd(&seed);
		size_t n = (r & 0x100) ? (r & 0xff) + 1 : (r & 0x7) + 1;
		if (r & 0x200)
			n = (r >> 12) & 0xfff;
		if (n == 0)
			n = 1;
		if (n > size - off)
			n = size - off;
		uint8_t *chunk = malloc(n);
		if (!chunk) {
			framer_free(&f);
			return 0;
		}
		memcpy(chunk, data + off, n);
		framer_feed(&f, &cb, &t1, chunk, n);
		free(chunk);
		off += n;
		if (gaps && (r >> 28) == 0) {
			framer_gap(&f, &cb, &t1, (r >> 10) & 0x3ffff, false);
			gapped = true;
		}
		if ((r >> 24) == 0x5a) { /* change digest modes mid-stream */
			framer_set_digests(&f, FRAMER_DIGEST_ON,
					   FRAMER_DIGEST_ON);
			gapped = true;
		}
	}
	framer_finish(&f, &cb, &t1);
	framer_free(&f); /* finish left nothing: a no-op */
	check(!t1.in_pdu);
	check(ctr.v[CTR_PDUS] == t1.npdus);

	if (!gapped) {
		/* The same stream in one chunk frames the same PDUs. */
		struct counters ctr2 = {0};
		struct framer f2;
		struct trace t2 = {0};
		framer_init(&f2, &ctr2);
		framer_set_digests(&f2, hd, dd);
		if (midstream)
			framer_gap(&f2, &cb, &t2, 0, true);
		uint8_t *all = malloc(size ? size : 1);
		if (!all)
			return 0;
		memcpy(all, data, size);
		framer_feed(&f2, &cb, &t2, all, size);
		free(all);
		framer_finish(&f2, &cb, &t2);
		framer_free(&f2);
		check(t2.npdus == t1.npdus);
		check(t2.hash == t1.hash);
	}
	return 0;
}
