/* framer.c - incremental iSCSI PDU framer (RFC 7143 §11.2).
 *
 * A state machine over one direction's byte stream. Each step function
 * looks at the bytes of the current chunk for one state and returns how
 * many it consumed. Decisions depend only on the bytes, never on where
 * the chunks were cut, so every chunking yields the same events.
 *
 * Some decisions need bytes the framer has already stepped over: four
 * bytes after a header that turn out not to be a digest, a BHS found in
 * the look-ahead after a skipped PDU, a rejected resync candidate whose
 * bytes must be scanned again from its second byte. Those bytes are
 * still in one of the framer's own buffers (the header, the look-ahead,
 * dig) or in the current chunk: resume_at() rewinds within the chunk, or
 * points `replay` at the saved bytes, which framer_feed() runs through
 * the machine again before the rest of the chunk. At most FRAMER_HDR_MAX
 * bytes are ever replayed.
 *
 * Memory: the header is copied only when it spans chunks, into `small`
 * when it fits (a BHS and its digest), else into `big`, allocated at the
 * header's length once its BHS says what that is; the resync candidates
 * live in `hyp`, allocated by the first one. Both go as a public call
 * returns with the framer in step (trim()), so that replayed bytes and
 * the PDU handed to a callback never point into a freed block.
 */
#include "framer.h"

#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "rd.h"

enum {
	ST_HDR,	 /* collecting BHS + AHS (+ header digest) */
	ST_DATA, /* data segment bytes */
	ST_PAD,	 /* padding to a multiple of 4 */
	ST_DDIG, /* data digest, or 4 bytes that may be one (mode unknown) */
	ST_SCAN, /* resync: looking for a plausible BHS */
	ST_SKIP, /* stepping over the rest of a PDU, nothing delivered */
	ST_NEXT, /* checking the BHS expected after the skipped bytes */
};

#define G_HD 1u /* hd was set OFF by detection (no match seen) */
#define G_DD 2u
#define LEN_UNKNOWN UINT64_MAX
#define BHS ISCSI_BHS_LEN
#define DIG ISCSI_DIGEST_LEN

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static size_t min_sz(uint64_t a, size_t b)
{
	return a < b ? (size_t)a : b;
}

static void *(*buf_alloc)(size_t) = malloc;

void framer_test_alloc(void *(*alloc)(size_t))
{
	buf_alloc = alloc ? alloc : malloc;
}

/* Where the header being collected (or the resync window) is kept. */
static uint8_t *hdr_buf(struct framer *f)
{
	return f->big ? f->big : f->small;
}

/* Room for hdr_need bytes of header, keeping the hdr_have already
 * copied. False when out of memory (counted). */
static bool hdr_room(struct framer *f)
{
	uint32_t need = f->hdr_need;
	if (f->big ? need <= f->big_cap : need <= FRAMER_SMALL)
		return true;
	uint8_t *nb = buf_alloc(need);
	if (!nb) {
		ctr_inc(f->ctr, CTR_FRAMER_NOMEM);
		return false;
	}
	memcpy(nb, hdr_buf(f), f->hdr_have);
	free(f->big);
	f->big = nb;
	f->big_cap = (uint16_t)need;
	return true;
}

/* Whether the bytes in hdr_buf() are still wanted. */
static bool hdr_live(const struct framer *f)
{
	return (f->state == ST_HDR || f->state == ST_SCAN) && f->hdr_have;
}

/* Frees what the framer no longer needs. Called only as a public call
 * returns: no replay is pending then, and no callback holds a pointer
 * into the blocks. Out of step (a resync, or the skip after a gap)
 * both are kept until the framer is in step again: a resync allocates
 * once, not for each candidate it tries. */
static void trim(struct framer *f)
{
	if (!f->synced)
		return;
	if (f->hyp) {
		free(f->hyp);
		f->hyp = NULL;
		f->nhyp = 0;
	}
	if (f->big && !hdr_live(f)) {
		free(f->big);
		f->big = NULL;
		f->big_cap = 0;
	}
}

/* While in sync a header is refused only for what no peer sends: an
 * undefined opcode, or AHS on a PDU other than the SCSI Command, the
 * only one with AHS types (§11.2.2). Reserved bits are not checked:
 * peers differ (Wireshark, for one, does not demand the F bit by
 * default). */
static bool bhs_valid(const uint8_t *h)
{
	uint8_t op = bhs_opcode(h);
	return iscsi_opcode_valid(op) &&
	       (bhs_ahs_len(h) == 0 || op == OP_SCSI_CMD);
}

/* Resync candidates come out of arbitrary bytes (SCSI data, often
 * zeros, or the fields of real headers: a LUN byte of 3 followed by
 * zeros looks like a Login BHS), so they must also have the fixed bits
 * of their opcode's layout (§11.3-§11.19): byte 0's reserved top bit
 * clear, byte 1 as the layout fixes it, DataSegmentLength 0 where the
 * PDU has no data; and no combination that says nothing: a SCSI Command
 * neither final nor writing, Data-Out without data, Data-In without
 * data or status, a Login neither carrying keys nor transiting, an
 * empty Text Request or Response that is not final. A sloppy peer's PDU
 * may fail this; the framer then locks on a later one. */
static bool bhs_plausible(const uint8_t *h)
{
	uint8_t b1 = bhs_flags(h), op = bhs_opcode(h);
	if (bhs_reserved_bit(h) || !iscsi_opcode_valid(op) ||
	    (bhs_ahs_len(h) && op != OP_SCSI_CMD))
		return false;
	bool no_data = bhs_data_len(h) == 0;
	switch (op) {
	case OP_NOP_OUT:
	case OP_NOP_IN:
	case OP_ASYNC_MSG:
	case OP_REJECT:
		return b1 == 0x80;
	case OP_TMF_RSP:
	case OP_LOGOUT_RSP:
	case OP_R2T:
		return b1 == 0x80 && no_data;
	case OP_SCSI_CMD: /* F R W . . ATTR; immediate data only if W */
		return (b1 & 0x18) == 0 && (b1 & 0xa0) &&
		       (no_data || (b1 & 0x20));
	case OP_TMF_REQ: /* 1 Function(1..) */
		return (b1 & 0x80) && (b1 & 0x7f) && no_data;
	case OP_LOGIN_REQ:
	case OP_LOGIN_RSP: { /* T C . . CSG NSG */
		unsigned t = b1 & 0x80, c = b1 & 0x40, csg = (b1 >> 2) & 3,
			 nsg = b1 & 3;
		if ((b1 & 0x30) || (t && c) || csg == 2 || (no_data && !t))
			return false;
		return !t || (nsg != 2 && nsg > csg);
	}
	case OP_TEXT_REQ:
	case OP_TEXT_RSP: /* F C, never both */
		return (b1 & 0x3f) == 0 && (b1 & 0xc0) != 0xc0 &&
		       (!no_data || (b1 & 0x80));
	case OP_DATA_OUT:
		return (b1 & 0x7f) == 0 && !no_data;
	case OP_LOGOUT_REQ: /* 1 ReasonCode(0..2) */
		return (b1 & 0x80) && (b1 & 0x7f) <= 2 && no_data;
	case OP_SNACK_REQ: /* 1 . . . Type(0..3) */
		return (b1 & 0xf0) == 0x80 && (b1 & 0x0f) <= 3 && no_data;
	case OP_SCSI_RSP: /* 1 . . o u O U . */
		return (b1 & 0xe1) == 0x80 && (b1 & 0x18) != 0x18 &&
		       (b1 & 0x06) != 0x06;
	case OP_DATA_IN: /* F A 0 0 0 O U S; S only with F */
		return (b1 & 0x38) == 0 && (b1 & 0x06) != 0x06 &&
		       (!(b1 & 0x01) || (b1 & 0x80)) &&
		       (!no_data || (b1 & 0x01));
	}
	return false;
}

/* A candidate confirmed only by the BHS after it costs a skip of its
 * whole data segment when it is false, so it must also look like what
 * real peers send: a DataSegmentLength within what MaxRecvDataSegmentLength
 * is set to in practice (the RFC allows 2^24-1; common values are 8 KiB to
 * 1 MiB), and AHS that parse as a chain of the defined types (§11.2.2).
 * A candidate with a matching header digest needs neither. */
#define CAND_DSL_MAX (1u << 20)

static bool cand_ahs_ok(const uint8_t *h)
{
	uint32_t end = BHS + bhs_ahs_len(h), pos = BHS;
	while (pos < end) {
		if (end - pos < 4)
			return false;
		uint32_t len = ahs_length(h + pos), type = ahs_type(h + pos);
		/* 1 Extended CDB, 2 Bidirectional Read Expected Length */
		if (len == 0 || type < 1 || type > 2 || (type == 2 && len != 5))
			return false;
		pos += iscsi_pad4(3 + len);
	}
	return pos == end;
}

/* A stream carries one direction's opcodes only (bit 0x20, §11.2.1.2):
 * once a PDU showed which, a candidate must agree. */
static bool dir_ok(const struct framer *f, const uint8_t *h)
{
	return !f->dir ||
	       f->dir == (iscsi_opcode_from_initiator(bhs_opcode(h)) ? 1 : 2);
}

/* ---- finding candidates at memory speed ---- */

/* A scan's `keep` when every offset is tested (scan_bhs()). */
#define KEEP_ALL UINT64_MAX

/* The whole test, one offset at a time: the reference the screens below
 * must agree with (tests/check_framer.c compares them). */
static bool cand_full(const struct framer *f, const uint8_t *h)
{
	return bhs_plausible(h) && dir_ok(f, h);
}

/* The screens test many offsets at once for conditions that
 * bhs_plausible() && dir_ok() imply, so that only the few positions
 * they let through get the whole test. Common to all: byte 0's reserved
 * top bit clear and its direction bit (0x20) the stream's when known
 * (dmask/dwant: byte 0 under dmask must equal dwant); TotalAHSLength 0
 * unless the opcode is the SCSI Command's (1, the only one with AHS
 * types, §11.2.2), whose byte 1 has R or F set and bits 3-4 clear
 * (§11.3.1); and a zero byte 0 (NOP-Out) followed by 0x80, its only
 * plausible byte 1 (§11.18), which rejects runs of zeros - the most
 * common data of all. Where the CPU can look up per-opcode byte-1
 * rules (screen64), undefined opcodes and impossible byte-1 values are
 * screened out too. */

#if defined(__SSE2__)
#include <emmintrin.h>

#define SCAN_SIMD 1
#define LOADU128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define SET8(v) _mm_set1_epi8((char)(v))

/* Which of the 16 positions p..p+15 pass the common screen, bit j for
 * position j. Reads p[0..19]. */
static unsigned screen16(const uint8_t *p, uint8_t dmask, uint8_t dwant)
{
	const __m128i zero = _mm_setzero_si128();
	__m128i b0 = LOADU128(p), b1 = LOADU128(p + 1), b4 = LOADU128(p + 4);
	__m128i dir = _mm_cmpeq_epi8(_mm_and_si128(b0, SET8(dmask)), SET8(dwant));
	__m128i cmd = _mm_cmpeq_epi8(_mm_and_si128(b0, SET8(0x3f)), SET8(1));
	__m128i cmd_ok = _mm_andnot_si128(
	    _mm_cmpeq_epi8(_mm_and_si128(b1, SET8(0xa0)), zero),
	    _mm_cmpeq_epi8(_mm_and_si128(b1, SET8(0x18)), zero));
	__m128i ahs = _mm_or_si128(_mm_andnot_si128(cmd, _mm_cmpeq_epi8(b4, zero)),
				   _mm_and_si128(cmd, cmd_ok));
	__m128i nop = _mm_andnot_si128(_mm_cmpeq_epi8(b1, SET8(0x80)),
				       _mm_cmpeq_epi8(b0, zero));
	__m128i ok = _mm_andnot_si128(nop, _mm_and_si128(dir, ahs));
	return (unsigned)_mm_movemask_epi8(ok);
}

/* The first position i + k, k a bit of m (the screen's hits in the
 * block at p + i), that passes the whole test, or SIZE_MAX. */
static inline size_t hits_first_full(const struct framer *f, const uint8_t *p,
				     size_t i, uint64_t m)
{
	for (; m; m &= m - 1) {
		size_t j = i + (size_t)__builtin_ctzll(m);
		if (cand_full(f, p + j))
			return j;
	}
	return SIZE_MAX;
}

/* The first of the `end` positions of p that passes the whole test, or
 * end. Reads p[0 .. end+18]: a position has BHS bytes after it. */
static size_t scan_sse2(const struct framer *f, const uint8_t *p, size_t end,
			uint8_t dmask, uint8_t dwant, uint64_t keep)
{
	for (size_t i = 0; i < end; i += 16) {
		unsigned m = screen16(p + i, dmask, dwant) & (unsigned)keep;
		if (end - i < 16)
			m &= (1u << (end - i)) - 1;
		size_t j = hits_first_full(f, p, i, m);
		if (j != SIZE_MAX)
			return j;
	}
	return end;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define SCAN_WIDE 1
#define LOADU256(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define SET8W(v) _mm256_set1_epi8((char)(v))

/* screen16() for 32 positions. Reads p[0..35]. */
__attribute__((target("avx2"))) static uint32_t
screen32(const uint8_t *p, uint8_t dmask, uint8_t dwant)
{
	const __m256i zero = _mm256_setzero_si256();
	__m256i b0 = LOADU256(p), b1 = LOADU256(p + 1), b4 = LOADU256(p + 4);
	__m256i dir =
	    _mm256_cmpeq_epi8(_mm256_and_si256(b0, SET8W(dmask)), SET8W(dwant));
	__m256i cmd =
	    _mm256_cmpeq_epi8(_mm256_and_si256(b0, SET8W(0x3f)), SET8W(1));
	__m256i cmd_ok = _mm256_andnot_si256(
	    _mm256_cmpeq_epi8(_mm256_and_si256(b1, SET8W(0xa0)), zero),
	    _mm256_cmpeq_epi8(_mm256_and_si256(b1, SET8W(0x18)), zero));
	__m256i ahs = _mm256_or_si256(
	    _mm256_andnot_si256(cmd, _mm256_cmpeq_epi8(b4, zero)),
	    _mm256_and_si256(cmd, cmd_ok));
	__m256i nop = _mm256_andnot_si256(_mm256_cmpeq_epi8(b1, SET8W(0x80)),
					  _mm256_cmpeq_epi8(b0, zero));
	__m256i ok = _mm256_andnot_si256(nop, _mm256_and_si256(dir, ahs));
	return (uint32_t)_mm256_movemask_epi8(ok);
}

/* scan_sse2() 32 positions at a time. Reads p[0 .. end+34]. */
__attribute__((target("avx2"))) static size_t
scan_avx2(const struct framer *f, const uint8_t *p, size_t end, uint8_t dmask,
	  uint8_t dwant, uint64_t keep)
{
	for (size_t i = 0; i < end; i += 32) {
		uint32_t m = screen32(p + i, dmask, dwant) & (uint32_t)keep;
		if (end - i < 32)
			m &= (1u << (end - i)) - 1;
		size_t j = hits_first_full(f, p, i, m);
		if (j != SIZE_MAX)
			return j;
	}
	return end;
}

/* Per opcode (the low 6 bits of byte 0): the bits of byte 1 that
 * bhs_plausible() fixes, and their values (§11.3-§11.19). An undefined
 * opcode wants 0xff under mask 0: no byte 1 passes. */
static uint8_t b1_mask[64], b1_want[64];

static void b1_rules_init(void)
{
	static const struct {
		uint8_t op, mask, want;
	} r[] = {
	    {OP_NOP_OUT, 0xff, 0x80},	 {OP_NOP_IN, 0xff, 0x80},
	    {OP_ASYNC_MSG, 0xff, 0x80},	 {OP_REJECT, 0xff, 0x80},
	    {OP_TMF_RSP, 0xff, 0x80},	 {OP_LOGOUT_RSP, 0xff, 0x80},
	    {OP_R2T, 0xff, 0x80},	 {OP_SCSI_CMD, 0x18, 0x00},
	    {OP_TMF_REQ, 0x80, 0x80},	 {OP_LOGIN_REQ, 0x30, 0x00},
	    {OP_LOGIN_RSP, 0x30, 0x00},	 {OP_TEXT_REQ, 0x3f, 0x00},
	    {OP_TEXT_RSP, 0x3f, 0x00},	 {OP_DATA_OUT, 0x7f, 0x00},
	    {OP_LOGOUT_REQ, 0xfc, 0x80}, /* 1 ReasonCode 0..2 */
	    {OP_SNACK_REQ, 0xfc, 0x80},	 /* 1 . . . Type 0..3 */
	    {OP_SCSI_RSP, 0xe1, 0x80},	 {OP_DATA_IN, 0x38, 0x00},
	};
	memset(b1_mask, 0, sizeof(b1_mask));
	memset(b1_want, 0xff, sizeof(b1_want));
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		b1_mask[r[i].op] = r[i].mask;
		b1_want[r[i].op] = r[i].want;
	}
}

#define AVX512 "avx512f,avx512bw,avx512vbmi"

/* The stricter screen for 64 positions, on b0/b1/b4 (the bytes at
 * p, p + 1 and p + 4 of each): the common one, with byte 1 checked
 * against its opcode's rule (a 64-entry lookup by byte 0's low 6 bits,
 * VPERMB). */
__attribute__((target(AVX512))) static inline uint64_t
screen64_of(__m512i b0, __m512i b1, __m512i b4, __m512i mtab, __m512i wtab,
	    uint8_t dmask, uint8_t dwant)
{
	__mmask64 k = _mm512_cmpeq_epi8_mask(
	    _mm512_and_si512(b0, _mm512_set1_epi8((char)dmask)),
	    _mm512_set1_epi8((char)dwant));
	__m512i m = _mm512_permutexvar_epi8(b0, mtab);
	__m512i w = _mm512_permutexvar_epi8(b0, wtab);
	k = _mm512_mask_cmpeq_epi8_mask(k, _mm512_and_si512(b1, m), w);
	__mmask64 cmd = _mm512_cmpeq_epi8_mask(
	    _mm512_and_si512(b0, _mm512_set1_epi8(0x3f)), _mm512_set1_epi8(1));
	__mmask64 no_ahs = _mm512_testn_epi8_mask(b4, b4);
	__mmask64 cmd_ok =
	    _mm512_test_epi8_mask(b1, _mm512_set1_epi8((char)0xa0));
	return k & ((no_ahs & ~cmd) | (cmd & cmd_ok));
}

/* Byte indexes for gathering every fourth byte of 256 (stride4[t] = 4t
 * for the 32 lanes of each half, the second half taken from the other
 * pair of vectors) and for moving each lane one up (next[t] = t + 1). */
static uint8_t stride4[64], next_lane[64];

static void gather_init(void)
{
	for (unsigned t = 0; t < 64; t++) {
		stride4[t] = (uint8_t)(4 * (t % 32));
		next_lane[t] = (uint8_t)((t + 1) % 64);
	}
}

/* Byte k of each 4-byte step of q[0..255] (lane t: q[4t + k]), k < 4:
 * one two-source permute per half. */
__attribute__((target(AVX512))) static inline __m512i
gather4(__m512i a, __m512i b, __m512i c, __m512i d, __m512i idx)
{
	return _mm512_mask_blend_epi8(0xffffffff00000000ull,
				      _mm512_permutex2var_epi8(a, idx, b),
				      _mm512_permutex2var_epi8(c, idx, d));
}

/* The aligned scan (keep tests one offset in four): the 64 kept offsets
 * of 256 bytes screened at once, their bytes 0, 1 and 4 gathered from
 * four loads, where the plain screen needs twelve loads for them. The
 * first kept offset is r (0..3); positions whose 256-byte block would
 * not be whole are left to the plain screen. */
__attribute__((target(AVX512))) static size_t
scan_avx512_aligned(const struct framer *f, const uint8_t *p, size_t end,
		    uint8_t dmask, uint8_t dwant, unsigned r, size_t *done)
{
	__m512i mtab = _mm512_loadu_si512((const void *)b1_mask);
	__m512i wtab = _mm512_loadu_si512((const void *)b1_want);
	__m512i idx0 = _mm512_loadu_si512((const void *)stride4);
	__m512i idx1 = _mm512_add_epi8(idx0, _mm512_set1_epi8(1));
	__m512i up = _mm512_loadu_si512((const void *)next_lane);
	size_t i = 0;
	/* Whole: the block's last offset i + r + 252 is below end, so its
	 * BHS (and byte q[256], that offset's byte 4) may be read. Compared
	 * as a sum: i passes end after the last whole block. */
	for (; i + r + 252 < end; i += 256) {
		const uint8_t *q = p + i + r;
		__m512i a = _mm512_loadu_si512((const void *)q);
		__m512i b = _mm512_loadu_si512((const void *)(q + 64));
		__m512i c = _mm512_loadu_si512((const void *)(q + 128));
		__m512i d = _mm512_loadu_si512((const void *)(q + 192));
		__m512i b0 = gather4(a, b, c, d, idx0);
		__m512i b1 = gather4(a, b, c, d, idx1);
		__m512i b4 = _mm512_mask_set1_epi8(
		    _mm512_permutexvar_epi8(up, b0), 1ull << 63, (char)q[256]);
		uint64_t m = screen64_of(b0, b1, b4, mtab, wtab, dmask, dwant);
		for (; m; m &= m - 1) {
			size_t j = i + r + 4 * (size_t)__builtin_ctzll(m);
			if (cand_full(f, p + j))
				return j;
		}
	}
	*done = i < end ? i : end; /* past end: no offset left */
	return SIZE_MAX;
}

/* 64 positions at a time; the last block (fewer than 64 positions)
 * with masked loads, which do not touch the bytes masked off: position
 * j reads p[j], p[j + 1] and p[j + 4] only, all below end + BHS - 1.
 * One pass where the tail was two of scan_avx2() and a call: half of a
 * lossy stream's scans are that short (the window at each segment
 * boundary, and the rest of a segment after a rejected candidate). */
__attribute__((target(AVX512))) static size_t
scan_avx512(const struct framer *f, const uint8_t *p, size_t end,
	    uint8_t dmask, uint8_t dwant, uint64_t keep)
{
	__m512i mtab = _mm512_loadu_si512((const void *)b1_mask);
	__m512i wtab = _mm512_loadu_si512((const void *)b1_want);
	size_t i = 0;
	if (keep != KEEP_ALL) {
		size_t j = scan_avx512_aligned(f, p, end, dmask, dwant,
					       (unsigned)__builtin_ctzll(keep),
					       &i);
		if (j != SIZE_MAX)
			return j;
	}
	for (; end - i >= 64; i += 64) {
		const uint8_t *q = p + i;
		uint64_t m = screen64_of(_mm512_loadu_si512((const void *)q),
					 _mm512_loadu_si512((const void *)(q + 1)),
					 _mm512_loadu_si512((const void *)(q + 4)),
					 mtab, wtab, dmask, dwant) & keep;
		size_t j = hits_first_full(f, p, i, m);
		if (j != SIZE_MAX)
			return j;
	}
	if (i == end)
		return end;
	const uint8_t *q = p + i;
	__mmask64 live = (1ull << (end - i)) - 1;
	uint64_t m = screen64_of(_mm512_maskz_loadu_epi8(live, q),
				 _mm512_maskz_loadu_epi8(live, q + 1),
				 _mm512_maskz_loadu_epi8(live, q + 4), mtab,
				 wtab, dmask, dwant) &
		     live & keep;
	size_t j = hits_first_full(f, p, i, m);
	return j != SIZE_MAX ? j : end;
}
#endif /* x86_64 */
#endif /* SSE2 */

/* 0: SSE2 (or one offset at a time without it), 1: AVX2, 2: AVX-512
 * with VBMI; the best the CPU has, unless a test asked for less. */
static int scan_best, scan_level;

#if defined(SCAN_WIDE)
__attribute__((constructor)) static void scan_init(void)
{
	b1_rules_init();
	gather_init();
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		scan_best = 1;
	if (scan_best && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vbmi"))
		scan_best = 2;
	scan_level = scan_best;
}
#endif

int framer_test_scan_level(int level)
{
	scan_level = level < 0 || level > scan_best ? scan_best : level;
	return scan_level;
}

/* The first offset i with i + BHS <= n where a header plausible for this
 * stream starts, among the offsets whose bit (i mod 64) is set in `keep`,
 * or n - BHS + 1 (0 if n < BHS) when there is none. keep repeats every 4
 * bits (scan_keep()), and every block the screens test starts at a
 * multiple of 16, so a block's mask takes it as it is. The answer is that
 * of testing every kept offset in turn, so it does not depend on how the
 * stream was chunked; fewer than 16 offsets are tested that way. */
static size_t scan_bhs(const struct framer *f, const uint8_t *p, size_t n,
		       uint64_t keep)
{
	if (n < BHS)
		return 0;
	size_t end = n - BHS + 1;
	uint8_t dmask = (uint8_t)(0x80 | (f->dir ? 0x20 : 0));
	uint8_t dwant = f->dir == 2 ? 0x20 : 0;
	(void)dmask;
	(void)dwant;
	if (end >= 16) {
#if defined(SCAN_WIDE)
		if (scan_level == 2)
			return scan_avx512(f, p, end, dmask, dwant, keep);
		if (scan_level == 1)
			return scan_avx2(f, p, end, dmask, dwant, keep);
#endif
#if defined(SCAN_SIMD)
		return scan_sse2(f, p, end, dmask, dwant, keep);
#endif
	}
	for (size_t i = 0; i < end; i++)
		if (((keep >> (i & 63)) & 1) && cand_full(f, p + i))
			return i;
	return end;
}

/* The keep of a scan that tests the offsets i with i mod 4 == first. */
static uint64_t keep_residue(unsigned first)
{
	return 0x1111111111111111ull << (first & 3u);
}

/* The offsets a scan of bytes starting at stream offset `base` tests.
 * Every PDU is a multiple of 4 bytes long (a 48-byte BHS, AHS counted in
 * 4-byte words, 4-byte digests, data padded to 4: RFC 7143 §11.2), so
 * in one stream every BHS starts at the same offset modulo 4. Once the
 * framer has framed a PDU, and while the offsets since are exact (a gap
 * of known length keeps them so), a resync scan tests only the offsets
 * of that residue: a quarter of the candidates. Framing lost where a BHS
 * was due (a peer that does not pad, a false footing), or a gap of
 * unknown length, forgets the residue; so does a scan that went
 * FRAMER_ALIGN_SCAN_MAX bytes without a footing, in case a gap hid such a
 * PDU. */
static uint64_t scan_keep(const struct framer *f, uint64_t base)
{
	if (!f->align || base - f->resync_from > FRAMER_ALIGN_SCAN_MAX)
		return KEEP_ALL;
	return keep_residue((unsigned)(f->align - 1u - base));
}

size_t framer_scan(const struct framer *f, const uint8_t *p, size_t n)
{
	return scan_bhs(f, p, n, KEEP_ALL);
}

size_t framer_scan_aligned(const struct framer *f, const uint8_t *p, size_t n,
			   unsigned first)
{
	return scan_bhs(f, p, n, keep_residue(first));
}

/* ---- small pieces ---- */

/* Continue at stream offset r. Bytes from r up to the start of the
 * current step's chunk are replayed from src (which holds the stream
 * from src_off); otherwise the step rewinds within its chunk. Returns
 * what the step consumed. */
static size_t resume_at(struct framer *f, uint64_t r, const uint8_t *src,
			uint64_t src_off)
{
	if (r >= f->offset)
		return (size_t)(r - f->offset);
	f->replay = src + (r - src_off);
	f->nreplay = (uint16_t)(f->offset - r);
	f->offset = r;
	return 0;
}

/* Digest modes for the PDU that starts now (framer_set_digests() applies
 * to PDUs that begin after it). */
static void snap_modes(struct framer *f)
{
	f->pdu_hd = (uint8_t)f->hd;
	f->pdu_dd = (uint8_t)f->dd;
}

/* Bytes from the BHS at h to the end of its header digest. Login PDUs
 * never carry digests: they are negotiated by the login (§13.1). */
static uint32_t hdr_len(struct framer *f, const uint8_t *h)
{
	if (iscsi_opcode_is_login(bhs_opcode(h)))
		f->pdu_hd = f->pdu_dd = FRAMER_DIGEST_OFF;
	return BHS + bhs_ahs_len(h) + (f->pdu_hd != FRAMER_DIGEST_OFF ? DIG : 0);
}

static void detected(struct framer *f, uint8_t *m)
{
	if (*m == FRAMER_DIGEST_UNKNOWN) {
		*m = FRAMER_DIGEST_ON;
		ctr_inc(f->ctr, CTR_DIGEST_DETECTED);
	}
}

static void guessed_off(struct framer *f, uint8_t *m, unsigned bit)
{
	if (*m == FRAMER_DIGEST_UNKNOWN) {
		*m = FRAMER_DIGEST_OFF;
		f->guessed |= (uint8_t)bit;
	}
}

static void forget_guesses(struct framer *f)
{
	f->guessed = 0;
	f->vouch = 0;
	f->votes[0] = f->votes[1] = 0;
}

/* The PDU ending now (not a Login: its modes are fixed, §13.1) was
 * framed under the guessed modes it notes; where the next BHS is due
 * tells whether they were right. */
static void vouch_note(struct framer *f)
{
	f->vouch = 0;
	if (!f->guessed || iscsi_opcode_is_login(f->cur.opcode))
		return;
	if (f->pdu_hd == FRAMER_DIGEST_OFF)
		f->vouch |= f->guessed & G_HD;
	if (f->pdu_dd != FRAMER_DIGEST_ON && f->cur.data_len)
		f->vouch |= f->guessed & G_DD;
}

/* h, a valid BHS where the modes of the PDU before it put it. A wrong
 * OFF guess puts the next BHS 4 bytes early, into bytes that are seldom
 * plausible: FRAMER_GUESS_VOTES plausible ones make the guess a known
 * mode, which a resync keeps. Forgetting it at every resync cost a CRC
 * of the next PDU's data and let candidates be confirmed at two
 * lengths, on every connection whose login the capture missed. */
static void vouch_check(struct framer *f, const uint8_t *h)
{
	if (!f->vouch)
		return;
	bool plausible = cand_full(f, h);
	for (unsigned i = 0; i < 2; i++) {
		unsigned bit = i ? G_DD : G_HD;
		if (!(f->vouch & bit) || !plausible)
			continue;
		if (++f->votes[i] >= FRAMER_GUESS_VOTES)
			f->guessed &= (uint8_t)~bit;
	}
	f->vouch = 0;
}

/* Looking for a BHS from stream offset `from` on (bytes before it are
 * accounted for). A mode that detection set OFF only because a CRC did
 * not match is forgotten: if it was wrong, keeping it would make every
 * later candidate's length wrong too. */
static void enter_resync(struct framer *f, uint64_t from)
{
	f->synced = false;
	f->cand = false;
	f->nhyp = 0;
	f->state = ST_SCAN;
	f->hdr_have = 0;
	f->resync_from = from;
	if (f->guessed & G_HD)
		f->hd = FRAMER_DIGEST_UNKNOWN;
	if (f->guessed & G_DD)
		f->dd = FRAMER_DIGEST_UNKNOWN;
	forget_guesses(f);
}

/* The candidate at hdr_off is confirmed. A candidate kept across a gap
 * (framer_gap()) lies before resync_from: the bytes up to the gap were
 * counted when it came. */
static void resynced(struct framer *f)
{
	ctr_inc(f->ctr, CTR_PDU_RESYNC);
	if (f->hdr_off > f->resync_from)
		ctr_add(f->ctr, CTR_PDU_RESYNC_SKIPPED_BYTES,
			f->hdr_off - f->resync_from);
	f->synced = true;
	f->cand = false;
}

static bool in_resync(const struct framer *f)
{
	return f->state == ST_SCAN || f->cand;
}

static void skip_then_next(struct framer *f, uint64_t n, uint32_t look_need)
{
	f->left = n;
	f->state = n ? ST_SKIP : ST_NEXT;
	f->look_have = 0;
	f->look_need = (uint8_t)look_need;
}

/* h: the BHS, followed by its AHS when `ahs`. */
static void pdu_fill(struct framer *f, const uint8_t *h, bool ahs)
{
	struct pdu *p = &f->cur;
	p->bhs = h;
	p->ahs_len = bhs_ahs_len(h);
	p->ahs = p->ahs_len && ahs ? h + BHS : NULL;
	p->opcode = bhs_opcode(h);
	p->immediate = bhs_immediate(h);
	p->flags = bhs_flags(h);
	p->data_len = bhs_data_len(h);
	p->itt = bhs_itt(h);
	p->offset = f->hdr_off;
	p->hdigest = PDU_DIGEST_ABSENT;
	p->ddigest = PDU_DIGEST_ABSENT;
	p->data_lost = false;
}

static void pdu_begin(struct framer *f, const struct framer_cb *cb, void *u)
{
	ctr_inc(f->ctr, CTR_PDUS);
	f->dir = iscsi_opcode_from_initiator(f->cur.opcode) ? 1 : 2;
	f->align = (uint8_t)(1u + (f->cur.offset & 3u));
	if (cb->pdu_begin)
		cb->pdu_begin(u, &f->cur);
	f->cur.bhs = NULL; /* valid in pdu_begin only */
	f->cur.ahs = NULL;
}

static void pdu_end(struct framer *f, const struct framer_cb *cb, void *u)
{
	f->state = ST_HDR;
	f->hdr_have = 0;
	vouch_note(f);
	if (cb->pdu_end)
		cb->pdu_end(u, &f->cur);
}

/* After the data and its padding. */
static void data_done(struct framer *f, const struct framer_cb *cb, void *u)
{
	if (f->pdu_dd == FRAMER_DIGEST_OFF) {
		pdu_end(f, cb, u);
		return;
	}
	f->state = ST_DDIG;
	f->dig_have = 0;
}

/* A rejected candidate: scan again from its second byte. */
static size_t reject(struct framer *f)
{
	f->cand = false;
	f->state = ST_SCAN;
	f->hdr_have = 0;
	return resume_at(f, f->hdr_off + 1, hdr_buf(f), f->hdr_off);
}

/* Keeps, of the first n hypotheses, those whose BHS may still be seen
 * at stream offset `from` or after. */
static void hyp_drop_before(struct framer *f, uint32_t n, uint64_t from)
{
	uint32_t j = 0;
	for (uint32_t i = 0; i < n; i++)
		if (f->hyp[i].next + (f->hyp[i].alt ? DIG : 0) >= from)
			f->hyp[j++] = f->hyp[i];
	f->nhyp = (uint8_t)j;
}

/* The candidate (header h of `base` bytes at hdr_off, DataSegmentLength
 * dl) without a digest to vouch for it: remember where the BHS after it
 * is due. When the table is full, the nearest expectations are kept (a
 * false candidate's length is random, often huge). */
static void hyp_add(struct framer *f, const uint8_t *h, uint32_t base,
		    uint32_t dl)
{
	if (!f->hyp && !(f->hyp = buf_alloc(FRAMER_HYPS * sizeof(*f->hyp)))) {
		ctr_inc(f->ctr, CTR_FRAMER_NOMEM);
		return; /* the candidate goes unconfirmed */
	}
	struct framer_hyp y;
	y.cand_off = f->hdr_off;
	y.dd_on = f->pdu_dd == FRAMER_DIGEST_ON;
	y.alt = dl && f->pdu_dd == FRAMER_DIGEST_UNKNOWN;
	y.next =
	    f->hdr_off + base + (dl ? iscsi_pad4(dl) + (y.dd_on ? DIG : 0) : 0);
	memcpy(y.bhs, h, BHS);
	hyp_drop_before(f, f->nhyp, f->hdr_off + 1); /* the scan passed them */
	if (f->nhyp < FRAMER_HYPS) {
		f->hyp[f->nhyp++] = y;
		return;
	}
	uint32_t far = 0;
	for (uint32_t i = 1; i < f->nhyp; i++)
		if (f->hyp[i].next > f->hyp[far].next)
			far = i;
	if (y.next < f->hyp[far].next)
		f->hyp[far] = y;
}

/* A plausible BHS h at q: the hypothesis it confirms, if
 * any (*o = 4 when found after a data digest). */
static int hyp_hit(const struct framer *f, uint64_t q, const uint8_t *h,
		   unsigned *o)
{
	bool from_i = iscsi_opcode_from_initiator(bhs_opcode(h));
	for (uint32_t i = 0; i < f->nhyp; i++) {
		if (iscsi_opcode_from_initiator(bhs_opcode(f->hyp[i].bhs)) !=
		    from_i)
			continue; /* the other direction's opcode */
		if (f->hyp[i].next == q) {
			*o = 0;
			return (int)i;
		}
		if (f->hyp[i].alt && f->hyp[i].next + DIG == q) {
			*o = DIG;
			return (int)i;
		}
	}
	return -1;
}

/* Hypothesis k holds: deliver its candidate, header only (its data went
 * by unseen), and frame from the BHS that confirmed it. */
static void hyp_confirm(struct framer *f, const struct framer_cb *cb, void *u,
			int k, unsigned o)
{
	const struct framer_hyp *y = &f->hyp[k];
	f->hdr_off = y->cand_off;
	pdu_fill(f, y->bhs, false);
	uint32_t dl = f->cur.data_len;
	f->cur.data_lost = dl > 0;
	if (dl && (y->dd_on || o))
		f->cur.ddigest = PDU_DIGEST_UNCHECKED;
	resynced(f);
	f->nhyp = 0;
	pdu_begin(f, cb, u);
	pdu_end(f, cb, u); /* state ST_HDR */
}

/* A header longer than `small` with no memory to collect it in: lost,
 * as if a gap had taken it (counted by hdr_room()); scanned past from
 * its second byte. */
static size_t no_room(struct framer *f)
{
	if (f->synced)
		enter_resync(f, f->hdr_off);
	return reject(f);
}

/* An invalid BHS at stream offset `at` (its bytes in src) where one was
 * due: framing is lost, and with it the residue; scan on from its second
 * byte. */
static size_t lost_framing(struct framer *f, uint64_t at, const uint8_t *src)
{
	ctr_inc(f->ctr, CTR_PDU_INVALID_BHS);
	f->align = 0;
	enter_resync(f, at);
	return resume_at(f, at + 1, src, at);
}

/* ---- the steps ---- */

/* The header (h, all of it, at hdr_off) is complete. */
static size_t hdr_done(struct framer *f, const struct framer_cb *cb, void *u,
		       const uint8_t *h)
{
	uint32_t base = BHS + bhs_ahs_len(h);
	enum pdu_digest hv = PDU_DIGEST_ABSENT;
	if (f->pdu_hd != FRAMER_DIGEST_OFF) {
		if (crc32c(h, base) == le32_at(h + base)) {
			hv = PDU_DIGEST_OK;
			detected(f, &f->hd);
		} else if (f->pdu_hd == FRAMER_DIGEST_ON) {
			if (!f->synced)
				return reject(f); /* a real one would match */
			hv = PDU_DIGEST_BAD;
			ctr_inc(f->ctr, CTR_HDIGEST_BAD);
		} else {
			/* No digest: the 4 bytes are data or the next BHS. */
			f->pdu_hd = FRAMER_DIGEST_OFF;
			if (f->synced)
				guessed_off(f, &f->hd, G_HD);
		}
	}
	uint64_t next = f->hdr_off + base + (hv != PDU_DIGEST_ABSENT ? DIG : 0);
	if (!f->synced && hv != PDU_DIGEST_OK) {
		/* Only a BHS where this one says the next is due can
		 * vouch for it: note that, and scan on from its second
		 * byte (it may hide the real BHS). */
		uint32_t dl = bhs_data_len(h);
		if (dl <= CAND_DSL_MAX && cand_ahs_ok(h))
			hyp_add(f, h, base, dl);
		return reject(f);
	}
	if (!f->synced)
		resynced(f); /* its header digest matched */
	pdu_fill(f, h, true);
	f->cur.hdigest = hv;
	pdu_begin(f, cb, u);
	if (f->cur.data_len == 0) {
		pdu_end(f, cb, u);
	} else {
		f->state = ST_DATA;
		f->left = f->cur.data_len;
		f->crc = crc32c_init();
	}
	return resume_at(f, next, hdr_buf(f), f->hdr_off);
}

static size_t step_hdr(struct framer *f, const struct framer_cb *cb, void *u,
		       const uint8_t *p, size_t n)
{
	size_t used = 0;
	if (f->hdr_have == 0) {
		f->hdr_off = f->offset;
		snap_modes(f);
		if (n >= BHS) {
			if (f->synced && !bhs_valid(p))
				return lost_framing(f, f->hdr_off, hdr_buf(f));
			if (f->synced)
				vouch_check(f, p);
			uint32_t len = hdr_len(f, p);
			if (len <= n) /* zero copy */
				return hdr_done(f, cb, u, p);
		}
	}
	if (f->hdr_have < BHS) {
		used = min_sz(BHS - f->hdr_have, n);
		memcpy(hdr_buf(f) + f->hdr_have, p, used);
		f->hdr_have += (uint16_t)used;
		if (f->hdr_have < BHS)
			return used;
		if (f->synced && !bhs_valid(hdr_buf(f)))
			return lost_framing(f, f->hdr_off, hdr_buf(f));
		if (f->synced)
			vouch_check(f, hdr_buf(f));
		f->hdr_need = (uint16_t)hdr_len(f, hdr_buf(f));
		if (!hdr_room(f))
			return no_room(f);
	}
	size_t k = min_sz(f->hdr_need - f->hdr_have, n - used);
	memcpy(hdr_buf(f) + f->hdr_have, p + used, k);
	f->hdr_have += (uint16_t)k;
	if (f->hdr_have < f->hdr_need)
		return used + k;
	return hdr_done(f, cb, u, hdr_buf(f));
}

/* The hot path: a few comparisons, the CRC when a digest may follow. */
static size_t step_data(struct framer *f, const struct framer_cb *cb, void *u,
			const uint8_t *p, size_t n)
{
	size_t k = min_sz(f->left, n);
	if (f->pdu_dd != FRAMER_DIGEST_OFF)
		f->crc = crc32c_update(f->crc, p, k);
	if (cb->pdu_data)
		cb->pdu_data(u, &f->cur, p, k);
	f->left -= k;
	if (f->left == 0) {
		uint32_t pad = iscsi_pad4(f->cur.data_len) - f->cur.data_len;
		if (pad) {
			f->state = ST_PAD;
			f->left = pad;
		} else {
			data_done(f, cb, u);
		}
	}
	return k;
}

static size_t step_pad(struct framer *f, const struct framer_cb *cb, void *u,
		       const uint8_t *p, size_t n)
{
	size_t k = min_sz(f->left, n);
	if (f->pdu_dd != FRAMER_DIGEST_OFF)
		f->crc = crc32c_update(f->crc, p, k); /* covers the padding */
	f->left -= k;
	if (f->left == 0)
		data_done(f, cb, u);
	return k;
}

static size_t step_ddig(struct framer *f, const struct framer_cb *cb, void *u,
			const uint8_t *p, size_t n)
{
	size_t k = min_sz(DIG - f->dig_have, n);
	memcpy(f->dig + f->dig_have, p, k);
	f->dig_have += (uint8_t)k;
	if (f->dig_have < DIG)
		return k;
	bool match = crc32c_final(f->crc) == le32_at(f->dig);
	if (f->pdu_dd == FRAMER_DIGEST_ON) {
		f->cur.ddigest = match ? PDU_DIGEST_OK : PDU_DIGEST_BAD;
		if (!match)
			ctr_inc(f->ctr, CTR_DDIGEST_BAD);
		pdu_end(f, cb, u);
		return k;
	}
	if (match) {
		f->cur.ddigest = PDU_DIGEST_OK;
		detected(f, &f->dd);
		pdu_end(f, cb, u);
		return k;
	}
	/* Not a digest: these 4 bytes begin the next BHS. */
	guessed_off(f, &f->dd, G_DD);
	pdu_end(f, cb, u);
	uint64_t dig_off = f->offset + k - DIG;
	return resume_at(f, dig_off, f->dig, dig_off);
}

/* A plausible BHS at q (in hdr when `in_hdr`): it confirms a waiting
 * hypothesis, or becomes a candidate itself. */
static void scan_found(struct framer *f, const struct framer_cb *cb, void *u,
		       uint64_t q, const uint8_t *h, bool in_hdr)
{
	unsigned o;
	int k = hyp_hit(f, q, h, &o);
	if (k >= 0)
		hyp_confirm(f, cb, u, k, o);
	else
		f->cand = true;
	f->state = ST_HDR;
	f->hdr_off = q;
	f->hdr_have = in_hdr ? BHS : 0;
	if (in_hdr) {
		snap_modes(f);
		f->hdr_need = (uint16_t)hdr_len(f, hdr_buf(f));
	}
}

/* The window of fewer than 48 bytes the last chunk left (in hdr, at
 * hdr_off, ending where p begins), scanned with the head of p: all its
 * positions in one pass. Testing them one at a time replayed the rest
 * of the window after each, some 48 replays at every segment boundary
 * of a lossy stream. The positions tested, and their order, are those
 * of scanning the stream byte by byte. */
static size_t scan_window(struct framer *f, const struct framer_cb *cb,
			  void *u, const uint8_t *p, size_t n)
{
	uint8_t buf[2 * BHS - 1];
	size_t w = f->hdr_have, k = min_sz(BHS - 1, n);
	memcpy(buf, hdr_buf(f), w);
	memcpy(buf + w, p, k);
	size_t m = w + k, j = scan_bhs(f, buf, m, scan_keep(f, f->hdr_off));
	if (j >= w) {
		/* None of the window's positions: the rest lies in p. */
		f->hdr_have = 0;
		return 0;
	}
	if (j + BHS > m) {
		/* p was too short to test them all: keep the untested. */
		memcpy(hdr_buf(f), buf + j, m - j);
		f->hdr_have = (uint16_t)(m - j);
		f->hdr_off += j;
		return k;
	}
	memcpy(hdr_buf(f), buf + j, BHS);
	f->hdr_off += j;
	scan_found(f, cb, u, f->hdr_off, hdr_buf(f), true);
	if (!hdr_room(f))
		return no_room(f);
	if (f->hdr_have == f->hdr_need) /* nothing after it */
		return hdr_done(f, cb, u, hdr_buf(f));
	return j + BHS - w;
}

static size_t step_scan(struct framer *f, const struct framer_cb *cb, void *u,
			const uint8_t *p, size_t n)
{
	if (f->hdr_have)
		return scan_window(f, cb, u, p, n);
	uint64_t keep = scan_keep(f, f->offset);
	if (keep != KEEP_ALL) {
		/* The residue holds up to a fixed stream offset, however the
		 * stream is chunked: stop this step there. */
		uint64_t room = f->resync_from + FRAMER_ALIGN_SCAN_MAX + 1 -
				f->offset;
		if (n > room)
			n = (size_t)room;
	}
	size_t i = scan_bhs(f, p, n, keep);
	if (i + BHS <= n) {
		scan_found(f, cb, u, f->offset + i, p + i, false);
		return i;
	}
	memcpy(hdr_buf(f), p + i, n - i);
	f->hdr_have = (uint16_t)(n - i);
	f->hdr_off = f->offset + i;
	return n;
}

static size_t step_skip(struct framer *f, size_t n)
{
	size_t k = min_sz(f->left, n);
	f->left -= k;
	if (f->left == 0)
		skip_then_next(f, 0, f->look_need);
	return k;
}

/* The bytes where the next BHS is due after the rest of a PDU that a
 * gap cut. With the data digest mode unknown it is at +0 or, after a
 * digest, at +4. The position is exact, so a valid BHS is enough; a
 * plausible one is preferred when both places would do. */
static size_t step_next(struct framer *f, const uint8_t *p, size_t n)
{
	size_t k = min_sz(f->look_need - f->look_have, n);
	memcpy(f->small + f->look_have, p, k);
	f->look_have += (uint8_t)k;
	if (f->look_have < f->look_need)
		return k;
	uint64_t look_off = f->offset + k - f->look_need;
	bool two = f->look_need > BHS;
	int o = -1;
	if (bhs_plausible(f->small))
		o = 0;
	else if (two && bhs_plausible(f->small + DIG))
		o = DIG;
	else if (bhs_valid(f->small))
		o = 0;
	else if (two && bhs_valid(f->small + DIG))
		o = DIG;
	if (o < 0)
		return lost_framing(f, look_off, f->small);
	f->synced = true;
	f->state = ST_HDR;
	f->hdr_have = 0;
	return resume_at(f, look_off + (unsigned)o, f->small, look_off);
}

static size_t run(struct framer *f, const struct framer_cb *cb, void *u,
		  const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && !f->nreplay) {
		size_t k = 0;
		switch (f->state) {
		case ST_HDR:
			k = step_hdr(f, cb, u, p + i, n - i);
			break;
		case ST_DATA:
			k = step_data(f, cb, u, p + i, n - i);
			break;
		case ST_PAD:
			k = step_pad(f, cb, u, p + i, n - i);
			break;
		case ST_DDIG:
			k = step_ddig(f, cb, u, p + i, n - i);
			break;
		case ST_SCAN:
			k = step_scan(f, cb, u, p + i, n - i);
			break;
		case ST_SKIP:
			k = step_skip(f, n - i);
			break;
		case ST_NEXT:
			k = step_next(f, p + i, n - i);
			break;
		}
		f->offset += k;
		i += k;
	}
	return i;
}

static void feed(struct framer *f, const struct framer_cb *cb, void *u,
		 const uint8_t *p, size_t n);

/* Replayed bytes go through a copy: running them may overwrite the
 * buffer they come from. Kept out of feed() so that the hot path has no
 * large stack frame. */
__attribute__((noinline)) static void
replay(struct framer *f, const struct framer_cb *cb, void *u)
{
	uint8_t tmp[FRAMER_HDR_MAX];
	size_t m = f->nreplay;
	memcpy(tmp, f->replay, m);
	f->nreplay = 0;
	feed(f, cb, u, tmp, m);
}

static void feed(struct framer *f, const struct framer_cb *cb, void *u,
		 const uint8_t *p, size_t n)
{
	while (n) {
		size_t k = run(f, cb, u, p, n);
		p += k;
		n -= k;
		if (f->nreplay)
			replay(f, cb, u);
	}
}

/* Ends the PDU in progress (when it has begun, or its header is whole)
 * and returns how many of its bytes are still to come, LEN_UNKNOWN when
 * that cannot be known; sets look_need for the check after them. */
static uint64_t cut(struct framer *f, const struct framer_cb *cb, void *u,
		    bool at_end)
{
	struct pdu *c = &f->cur;
	uint32_t dl = c->data_len;
	uint32_t ddlen = f->pdu_dd == FRAMER_DIGEST_ON ? DIG : 0;
	bool dd_may = f->pdu_dd != FRAMER_DIGEST_OFF;
	enum pdu_digest dv = dd_may ? PDU_DIGEST_UNCHECKED : PDU_DIGEST_ABSENT;
	uint64_t rest;
	f->look_need = f->pdu_dd == FRAMER_DIGEST_UNKNOWN ? BHS + DIG : BHS;
	switch (f->state) {
	case ST_HDR: {
		if (f->hdr_have == 0)
			return 0;
		if (f->hdr_have < BHS || f->hdr_have < BHS + bhs_ahs_len(hdr_buf(f)))
			return LEN_UNKNOWN; /* dropped: too little to go on */
		/* Only the header digest, or the 4 bytes that may be one,
		 * is missing. */
		uint32_t base = BHS + bhs_ahs_len(hdr_buf(f));
		pdu_fill(f, hdr_buf(f), true);
		dl = c->data_len;
		c->hdigest = PDU_DIGEST_UNCHECKED;
		if (at_end && f->pdu_hd == FRAMER_DIGEST_UNKNOWN &&
		    f->hdr_have == base && dl == 0)
			c->hdigest = PDU_DIGEST_ABSENT; /* ended right there */
		c->data_lost = dl > 0;
		c->ddigest = dl ? dv : PDU_DIGEST_ABSENT;
		pdu_begin(f, cb, u);
		pdu_end(f, cb, u);
		if (f->pdu_hd == FRAMER_DIGEST_UNKNOWN)
			return LEN_UNKNOWN;
		if (!dl)
			f->look_need = BHS;
		return base + DIG - f->hdr_have +
		       (dl ? iscsi_pad4(dl) + ddlen : 0);
	}
	case ST_DATA:
		rest = f->left + (iscsi_pad4(dl) - dl) + ddlen;
		c->data_lost = true;
		c->ddigest = dv;
		break;
	case ST_PAD:
		rest = f->left + ddlen;
		c->ddigest = dv;
		break;
	case ST_DDIG:
		c->ddigest = PDU_DIGEST_UNCHECKED;
		if (f->pdu_dd == FRAMER_DIGEST_ON) {
			rest = DIG - f->dig_have;
		} else if (f->dig_have == 0) {
			rest = 0;
			if (at_end)
				c->ddigest = PDU_DIGEST_ABSENT;
		} else {
			rest = LEN_UNKNOWN;
		}
		break;
	default:
		return LEN_UNKNOWN;
	}
	pdu_end(f, cb, u);
	return rest;
}

/* ---- the interface ---- */

void framer_init(struct framer *f, struct counters *ctr)
{
	memset(f, 0, sizeof(*f));
	f->ctr = ctr;
	f->state = ST_HDR;
	f->synced = true;
}

void framer_free(struct framer *f)
{
	free(f->big);
	free(f->hyp);
	f->big = NULL;
	f->hyp = NULL;
	f->big_cap = 0;
	f->nhyp = 0;
}

void framer_set_digests(struct framer *f, enum framer_digest_mode hd,
			enum framer_digest_mode dd)
{
	f->hd = hd;
	f->dd = dd;
	forget_guesses(f);
}

void framer_feed(struct framer *f, const struct framer_cb *cb, void *user,
		 const uint8_t *p, size_t n)
{
	feed(f, cb, user, p, n);
	trim(f);
}

void framer_gap(struct framer *f, const struct framer_cb *cb, void *user,
		uint64_t lost, bool midstream)
{
	if (!lost && !midstream)
		return;
	if (midstream)
		f->align = 0; /* the offsets after it are not the stream's */
	if (!midstream && f->state == ST_SKIP && lost <= f->left) {
		/* Within bytes that were to be skipped anyway. */
		f->offset += lost;
		f->left -= lost;
		if (f->left == 0)
			skip_then_next(f, 0, f->look_need);
		return;
	}
	uint64_t rest = LEN_UNKNOWN;
	if (f->synced)
		rest = cut(f, cb, user, false);
	else if (in_resync(f))
		ctr_add(f->ctr, CTR_PDU_RESYNC_SKIPPED_BYTES,
			f->offset - f->resync_from);
	f->offset += lost;
	if (!midstream && rest != LEN_UNKNOWN && lost <= rest) {
		/* The gap ends inside the PDU it cut, whose length is known:
		 * skip its rest and expect a BHS right after. */
		f->synced = false;
		f->cand = false;
		skip_then_next(f, rest - lost, f->look_need);
	} else {
		uint8_t n = f->nhyp;
		enter_resync(f, f->offset);
		/* A gap of known length moves no stream offset: a candidate
		 * seen before it is still confirmed by the BHS due after it,
		 * unless that BHS fell in the gap. Dropping them made a
		 * resync on a lossy link wait for a PDU with no gap inside
		 * (a quarter of 16 KiB PDUs at 12 % segment loss). */
		if (!midstream)
			hyp_drop_before(f, n, f->offset);
	}
	trim(f);
}

void framer_finish(struct framer *f, const struct framer_cb *cb, void *user)
{
	if (f->synced)
		(void)cut(f, cb, user, true);
	else if (in_resync(f))
		ctr_add(f->ctr, CTR_PDU_RESYNC_SKIPPED_BYTES,
			f->offset - f->resync_from);
	enter_resync(f, f->offset); /* more bytes would need a new footing */
	f->align = 0;
	framer_free(f);		    /* nothing is pending */
}
