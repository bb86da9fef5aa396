/* iscsi.h - RFC 7143 constants and small BHS helpers (§11.2). */
#ifndef ISCSIWATCH_ISCSI_H
#define ISCSIWATCH_ISCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_BHS_LEN 48u
#define ISCSI_MAX_AHS_LEN 1020u /* TotalAHSLength is 8 bits of words */
#define ISCSI_MAX_DSL 0xffffffu /* DataSegmentLength is 24 bits */
#define ISCSI_DIGEST_LEN 4u
#define ISCSI_DEFAULT_PORT 3260u
#define ISCSI_RESERVED_ITT 0xffffffffu

enum iscsi_opcode {
	OP_NOP_OUT = 0x00,
	OP_SCSI_CMD = 0x01,
	OP_TMF_REQ = 0x02,
	OP_LOGIN_REQ = 0x03,
	OP_TEXT_REQ = 0x04,
	OP_DATA_OUT = 0x05,
	OP_LOGOUT_REQ = 0x06,
	OP_SNACK_REQ = 0x10,
	OP_NOP_IN = 0x20,
	OP_SCSI_RSP = 0x21,
	OP_TMF_RSP = 0x22,
	OP_LOGIN_RSP = 0x23,
	OP_TEXT_RSP = 0x24,
	OP_DATA_IN = 0x25,
	OP_LOGOUT_RSP = 0x26,
	OP_R2T = 0x31,
	OP_ASYNC_MSG = 0x32,
	OP_REJECT = 0x3f,
};

/* Login stages (§11.12.3). */
enum iscsi_stage {
	STAGE_SECURITY = 0,
	STAGE_OPERATIONAL = 1,
	STAGE_FULL_FEATURE = 3,
};

/* Bit n set: opcode n is one of the 18 that RFC 7143 defines (§11.2.1.2):
 * 0x00-0x06, 0x10, 0x20-0x26, 0x31, 0x32, 0x3f. */
#define ISCSI_OPCODES_MASK 0x8006007f0001007full
/* True for those 18 (the 6-bit opcode, not byte 0 with its I bit). */
static inline bool iscsi_opcode_valid(uint8_t opcode)
{
	return opcode < 64 && ((ISCSI_OPCODES_MASK >> opcode) & 1u);
}
/* A fixed token, used by `--pdus` and the tests: NOP_OUT SCSI_CMD TMF_REQ
 * LOGIN_REQ TEXT_REQ DATA_OUT LOGOUT_REQ SNACK_REQ NOP_IN SCSI_RSP TMF_RSP
 * LOGIN_RSP TEXT_RSP DATA_IN LOGOUT_RSP R2T ASYNC_MSG REJECT, and "UNKNOWN"
 * for anything else. Static storage. */
const char *iscsi_opcode_name(uint8_t opcode);

/* Room for the longest flag token ("ITC,csg=3,nsg=3") and its NUL. */
#define ISCSI_FLAGS_STR_LEN 16u
/* The flags of a BHS (48 bytes) as a compact token, for `--pdus`:
 * letters, in this order, where the opcode defines them:
 *   I  immediate (byte 0, 0x40), any opcode
 *   F  final (byte 1, 0x80): SCSI Command, Data-Out, Data-In, Text
 *   T  transit (0x80): Login Request/Response
 *   C  continue (0x40): Login and Text Request/Response
 *   R  read (0x40), W  write (0x20): SCSI Command
 *   A  acknowledge (0x40), S  status (0x01): Data-In
 * then, for Login Request/Response only, ",csg=N,nsg=N" (bits 3-2 and 1-0
 * of byte 1, as on the wire). No letter gives "-" ("-,csg=0,nsg=0" for a
 * login). Writes at most len bytes including the NUL (truncating like
 * snprintf) and returns the token's full length. */
size_t iscsi_flags_str(const uint8_t *bhs, char *buf, size_t len);
/* True when the opcode is sent by the initiator (bit 0x20 clear). */
static inline bool iscsi_opcode_from_initiator(uint8_t opcode)
{
	return (opcode & 0x20) == 0;
}

/* Padded length of a data segment (multiple of 4), computed without
 * overflow for any 24-bit length. */
static inline uint32_t iscsi_pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

#endif
