/* framer.h - incremental iSCSI PDU framer for one direction (§11.2).
 *
 * Fed arbitrary chunks of an in-order byte stream; emits each PDU as
 * begin / data... / end callbacks: pdu_end follows every pdu_begin
 * exactly once, pdu_data (padding and digests excluded) only between
 * them. The BHS and AHS are handed on as a pointer into the caller's
 * chunk when they lie in one chunk (with the 4 bytes after them when a
 * header digest may follow), and are copied into the framer only when
 * they straddle two (at most 48+1020+4 bytes). Data segment bytes are
 * passed as spans of the caller's chunks, never copied or buffered,
 * whatever the DataSegmentLength. The events do not depend on where
 * the chunks were cut.
 *
 * Digests (CRC32C): FRAMER_DIGEST_ON/OFF when the login said so; UNKNOWN
 * means "detect": the 4 bytes after a header (after padded data) are a
 * digest if they match its CRC32C, which sets the mode ON for good
 * (counted in CTR_DIGEST_DETECTED); otherwise the mode becomes OFF and
 * the bytes are read as what follows. An OFF found this way is only the
 * absence of a match, so a resync forgets it. Login PDUs never carry
 * digests (§13.1). Every digest carried is verified (CTR_HDIGEST_BAD,
 * CTR_DDIGEST_BAD); a PDU with a bad header digest is still framed by
 * its lengths.
 *
 * Framing is lost on a BHS with an undefined opcode or AHS on a PDU
 * other than the SCSI Command (CTR_PDU_INVALID_BHS), after a gap that
 * hides where the next BHS is, and at a mid-stream start. The framer
 * then scans byte by byte for a BHS that obeys its opcode's fixed bits
 * (a stricter test than the one that refuses a BHS in sync), and locks
 * on it when its header digest matches, or when another such BHS lies
 * exactly where it says the next PDU begins. Such a candidate is
 * delivered header only (ahs NULL, data_lost when it had data); a
 * header-digest-vouched one is delivered whole. CTR_PDU_RESYNC counts
 * the locks, CTR_PDU_RESYNC_SKIPPED_BYTES the bytes scanned before them.
 *
 * A gap inside a PDU ends it (data_lost when data is missing; digests
 * that could not be checked are PDU_DIGEST_UNCHECKED); when the PDU's
 * length is known the framer skips the rest of it and stays in step.
 */
#ifndef ISCSIWATCH_FRAMER_H
#define ISCSIWATCH_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "iscsi.h"

enum pdu_digest {
	PDU_DIGEST_ABSENT = 0, /* not carried */
	PDU_DIGEST_OK,
	PDU_DIGEST_BAD,
	PDU_DIGEST_UNCHECKED, /* carried, but its bytes were lost */
};

struct pdu {
	const uint8_t *bhs; /* ISCSI_BHS_LEN bytes; valid in pdu_begin only */
	const uint8_t *ahs; /* ahs_len bytes; valid in pdu_begin only; NULL
			     * when ahs_len is 0, or for a PDU found by a
			     * resync and delivered header-only */
	uint64_t offset;   /* stream offset of the first BHS byte */
	uint32_t ahs_len;
	uint32_t data_len; /* DataSegmentLength (without padding) */
	uint32_t itt;	   /* Initiator Task Tag */
	enum pdu_digest hdigest;
	enum pdu_digest ddigest; /* final in pdu_end */
	uint8_t opcode;		 /* low 6 bits of byte 0 */
	bool immediate;		 /* byte 0, 0x40 */
	uint8_t flags;		 /* byte 1 */
	bool data_lost;		 /* part of the data segment fell in a gap */
};

struct framer_cb {
	void (*pdu_begin)(void *user, const struct pdu *p);
	/* Data segment bytes (padding and digest excluded); may come in many
	 * pieces; d is valid only during the call. */
	void (*pdu_data)(void *user, const struct pdu *p, const uint8_t *d,
			 size_t n);
	void (*pdu_end)(void *user, const struct pdu *p);
};

enum framer_digest_mode {
	FRAMER_DIGEST_UNKNOWN = 0,
	FRAMER_DIGEST_OFF,
	FRAMER_DIGEST_ON,
};

#define FRAMER_HDR_MAX (ISCSI_BHS_LEN + ISCSI_MAX_AHS_LEN + ISCSI_DIGEST_LEN)
/* Kept in the framer: a BHS and its digest, the look-ahead after a
 * skipped PDU, the resync window. Longer headers (with AHS) that span
 * chunks are collected on the heap. */
#define FRAMER_SMALL (ISCSI_BHS_LEN + ISCSI_DIGEST_LEN)
#define FRAMER_HYPS 8 /* resync candidates awaiting the BHS after them */

/* A resync candidate nothing vouched for yet: confirmed if a plausible
 * BHS shows up at `next` (or next+4 when `alt`: data digest unknown). */
struct framer_hyp {
	uint64_t cand_off, next;
	bool alt, dd_on;
	uint8_t bhs[ISCSI_BHS_LEN];
};

/* Plain struct, owned by the caller; framer_init() before use,
 * framer_free() when dropped. Its fields are private to framer.c. Idle
 * (between PDUs, in sync) it holds no heap memory and is about 200
 * bytes: a header longer than FRAMER_SMALL that spans chunks gets a
 * heap buffer of its length, and a resync its candidate table; both are
 * released by the call that leaves the framer in step with nothing
 * pending, or by framer_finish() (at most FRAMER_HDR_MAX plus
 * FRAMER_HYPS candidates while out of step). An allocation
 * that fails is counted (CTR_FRAMER_NOMEM) and that header or candidate
 * is dropped, as if it had been lost. */
struct framer {
	struct counters *ctr;
	uint8_t *big;		 /* the header when in it (heap), or NULL */
	struct framer_hyp *hyp;	 /* FRAMER_HYPS of them (heap), or NULL */
	const uint8_t *replay;	 /* bytes to process again (in this struct) */
	uint64_t offset;	 /* stream offset of the next byte processed */
	uint64_t hdr_off;	 /* stream offset of the header's first byte */
	uint64_t resync_from;	 /* first byte not yet counted as skipped */
	uint64_t left;		 /* bytes left in the current part */
	struct pdu cur;
	uint32_t crc;		 /* running data digest */
	uint16_t hdr_have;	 /* header bytes copied */
	uint16_t hdr_need;
	uint16_t big_cap;
	uint16_t nreplay;
	uint8_t hd, dd;		 /* enum framer_digest_mode for the next PDU */
	uint8_t pdu_hd, pdu_dd;	 /* modes of the PDU being framed */
	uint8_t guessed;	 /* modes set OFF only for want of a match */
	uint8_t vouch;		 /* guessed modes the PDU just ended was framed
				  * under: the BHS due next vouches for them */
	uint8_t votes[2];	 /* plausible BHSs that did, hd and dd */
	uint8_t state;		 /* framer.c's state machine */
	bool synced;		 /* false: looking for / checking a BHS */
	bool cand;		 /* the header is a resync candidate */
	uint8_t dir;		 /* 0 unknown, 1 initiator's, 2 target's PDUs */
	uint8_t align;		 /* 0 unknown, else 1 + every BHS's offset mod 4 */
	uint8_t nhyp;
	uint8_t dig_have;
	uint8_t look_have, look_need; /* BHS (+4) after a skipped PDU */
	uint8_t dig[ISCSI_DIGEST_LEN];
	/* The header being collected, or the resync window, while big is
	 * NULL; the look-ahead after a skipped PDU (never needed at the
	 * same time as either). */
	uint8_t small[FRAMER_SMALL];
};

void framer_init(struct framer *f, struct counters *ctr);
/* Releases what f holds on the heap (not f itself); framer_init() makes
 * it usable again. */
void framer_free(struct framer *f);
/* Digest modes for the PDUs that begin after this call. */
void framer_set_digests(struct framer *f, enum framer_digest_mode hd,
			enum framer_digest_mode dd);
void framer_feed(struct framer *f, const struct framer_cb *cb, void *user,
		 const uint8_t *p, size_t n);
/* `lost` bytes of the stream are missing here (0 with `midstream` true:
 * the stream began before the capture, amount unknown). A PDU in
 * progress is ended with data_lost set; unless the gap ends within that
 * PDU's known length, the framer resynchronises. */
void framer_gap(struct framer *f, const struct framer_cb *cb, void *user,
		uint64_t lost, bool midstream);
/* End of stream: a PDU in progress is ended with data_lost set (a
 * header still waiting for the 4 bytes that may be its digest is
 * delivered), and the heap buffers are released. Feeding more
 * afterwards starts with a resync. */
void framer_finish(struct framer *f, const struct framer_cb *cb, void *user);
/* The resynchronisation scan on its own: the first offset i (i + 48 <= n)
 * where a BHS plausible for f's direction starts in p, or n - 47 (0 when
 * n < 48) when there is none. f is not changed. For the tests: the
 * vectorised screen must give what one offset at a time gives. */
size_t framer_scan(const struct framer *f, const uint8_t *p, size_t n);
/* A resync that knows where the stream's BHSs fall mod 4 tests only
 * those offsets, for at most this many bytes (framer.c, scan_keep()). */
#define FRAMER_ALIGN_SCAN_MAX (4u << 20)
/* A digest mode guessed OFF (the login was not seen) is kept across
 * resyncs once this many PDUs framed under it were each followed by a
 * plausible BHS where it put the next one (framer.c, vouch_check()). */
#define FRAMER_GUESS_VOTES 3
/* The same, testing only the offsets i with i mod 4 == first (what a
 * resync does once it knows where the stream's BHSs fall mod 4). */
size_t framer_scan_aligned(const struct framer *f, const uint8_t *p, size_t n,
			   unsigned first);
/* For the tests: the allocator of the framers' buffers (NULL: malloc),
 * to make it fail. */
void framer_test_alloc(void *(*alloc)(size_t));
/* For the tests: the widest resync screen to use (0 SSE2, 1 AVX2, 2
 * AVX-512), capped at what the CPU has; returns the one in use. */
int framer_test_scan_level(int level);

#endif
