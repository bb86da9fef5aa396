/* iscsi.h - RFC 7143 constants and small BHS helpers (§11.2). */
#ifndef ISCSIWATCH_ISCSI_H
#define ISCSIWATCH_ISCSI_H

#include <stdbool.h>
#include <stdint.h>

#define ISCSI_BHS_LEN 48u
#define ISCSI_MAX_AHS_LEN 1020u       /* TotalAHSLength is 8 bits of words */
#define ISCSI_MAX_DSL 0xffffffu       /* DataSegmentLength is 24 bits */
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

/* True for the 18 opcodes RFC 7143 defines. */
bool iscsi_opcode_valid(uint8_t opcode);
/* "SCSI Command", "Login Response", ...; "Unknown" for anything else. */
const char *iscsi_opcode_name(uint8_t opcode);
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
