/* iscsi.h - RFC 7143 section 11 in one place: opcodes, the named fields
 * of the Basic Header Segment, and the name tables of the codes the PDUs
 * carry (opcodes, login status, Reject reasons, Logout reasons and
 * responses, task management functions and responses, AsyncEvents).
 *
 * The BHS accessors take the 48 bytes of a whole BHS (the framer hands
 * one on in pdu_begin; see framer.h); they never read past byte 47. Each
 * is valid only for the opcodes its comment names: the same byte means
 * different things in different PDUs (§11.2.1).
 */
#ifndef ISCSIWATCH_ISCSI_H
#define ISCSIWATCH_ISCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rd.h"

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

/* ---- BHS fields (§11.2.1 and the section of each PDU) ---- */

/* Byte 0: the 6-bit opcode and the I (immediate) bit, any PDU. */
static inline uint8_t bhs_opcode(const uint8_t *bhs)
{
	return bhs[0] & 0x3f;
}
/* Byte 0's top bit, reserved (0) in every PDU (§11.2.1.1). */
static inline bool bhs_reserved_bit(const uint8_t *bhs)
{
	return (bhs[0] & 0x80) != 0;
}
static inline bool bhs_immediate(const uint8_t *bhs)
{
	return (bhs[0] & 0x40) != 0;
}
/* Byte 1, whole: the opcode-specific flags. */
static inline uint8_t bhs_flags(const uint8_t *bhs)
{
	return bhs[1];
}
/* 0x80 of byte 1: F (final) for SCSI Command, Data, Text; T (transit)
 * for Login (§11.12.2). */
static inline bool bhs_final(const uint8_t *bhs)
{
	return (bhs[1] & 0x80) != 0;
}
/* 0x40 of byte 1: C (continue) for Login and Text (§11.10.2, §11.12.2);
 * R (read) for a SCSI Command; A (acknowledge) for Data-In. */
static inline bool bhs_continue(const uint8_t *bhs)
{
	return (bhs[1] & 0x40) != 0;
}
/* 0x20 of byte 1: W (write) for a SCSI Command (§11.3.1). */
static inline bool bhs_write(const uint8_t *bhs)
{
	return (bhs[1] & 0x20) != 0;
}
/* 0x01 of byte 1: S (status) for Data-In (§11.7.1). */
static inline bool bhs_status_bit(const uint8_t *bhs)
{
	return (bhs[1] & 0x01) != 0;
}
/* Login CSG and NSG (§11.12.3), bits 3-2 and 1-0 of byte 1. */
static inline uint8_t bhs_csg(const uint8_t *bhs)
{
	return (bhs[1] >> 2) & 3;
}
static inline uint8_t bhs_nsg(const uint8_t *bhs)
{
	return bhs[1] & 3;
}
/* The 7-bit function of byte 1: the Logout reason code (§11.14.1) and the
 * task management function (§11.5.1). */
static inline uint8_t bhs_function(const uint8_t *bhs)
{
	return bhs[1] & 0x7f;
}
/* Byte 2: Response of SCSI Response, TMF Response and Logout Response
 * (§11.4, §11.6.1, §11.15.1); the reason of a Reject (§11.17.1);
 * Version-max of a Login (§11.12.4). */
static inline uint8_t bhs_byte2(const uint8_t *bhs)
{
	return bhs[2];
}
/* Byte 3: the SCSI status of a SCSI Response or Data-In (§11.4.2,
 * §11.7.1); Version-min / Version-active of a Login (§11.12.5). */
static inline uint8_t bhs_byte3(const uint8_t *bhs)
{
	return bhs[3];
}
/* TotalAHSLength in bytes (byte 4 counts 4-byte words). */
static inline uint32_t bhs_ahs_len(const uint8_t *bhs)
{
	return bhs[4] * 4u;
}
/* DataSegmentLength, without padding (bytes 5-7). */
static inline uint32_t bhs_data_len(const uint8_t *bhs)
{
	return be24_at(bhs + 5);
}
/* One AHS (§11.2.2): AHSLength (bytes 0-1, not counting these 3 bytes
 * and the padding) and AHSType (byte 2, 1 Extended CDB, 2 Bidirectional
 * Read Expected Length). */
static inline uint16_t ahs_length(const uint8_t *ahs)
{
	return be16_at(ahs);
}
static inline uint8_t ahs_type(const uint8_t *ahs)
{
	return ahs[2];
}
/* Bytes 8-15: the LUN (SCSI Command, Data, TMF, ...) or, for Login,
 * the ISID (8-13) and TSIH (14-15) (§11.12.5-6). */
static inline const uint8_t *bhs_lun(const uint8_t *bhs)
{
	return bhs + 8;
}
static inline const uint8_t *bhs_isid(const uint8_t *bhs)
{
	return bhs + 8;
}
static inline uint16_t bhs_tsih(const uint8_t *bhs)
{
	return be16_at(bhs + 14);
}
/* Initiator Task Tag (bytes 16-19), any PDU. */
static inline uint32_t bhs_itt(const uint8_t *bhs)
{
	return be32_at(bhs + 16);
}
/* Bytes 20-23: the Target Transfer Tag (Text, Data, R2T, NOP), the
 * Expected Data Transfer Length (SCSI Command, §11.3.4), the Referenced
 * Task Tag (TMF Request, §11.5.2). */
static inline uint32_t bhs_word20(const uint8_t *bhs)
{
	return be32_at(bhs + 20);
}
/* The CID (bytes 20-21) of a Login or Logout Request (§11.12.7,
 * §11.14.3). */
static inline uint16_t bhs_cid(const uint8_t *bhs)
{
	return be16_at(bhs + 20);
}
/* The CDB of a SCSI Command (bytes 32-47, §11.3.5). */
static inline const uint8_t *bhs_cdb(const uint8_t *bhs)
{
	return bhs + 32;
}
/* Byte 36: Status-Class of a Login Response (§11.13.5), the AsyncEvent
 * of an Asynchronous Message (§11.9.1). Byte 37: Status-Detail. */
static inline uint8_t bhs_byte36(const uint8_t *bhs)
{
	return bhs[36];
}
static inline uint8_t bhs_byte37(const uint8_t *bhs)
{
	return bhs[37];
}
/* Buffer Offset of Data-In / Data-Out (bytes 40-43, §11.7.5). */
static inline uint32_t bhs_buffer_offset(const uint8_t *bhs)
{
	return be32_at(bhs + 40);
}

/* ---- opcode predicates ---- */

static inline bool iscsi_opcode_is_login(uint8_t opcode)
{
	return opcode == OP_LOGIN_REQ || opcode == OP_LOGIN_RSP;
}
static inline bool iscsi_opcode_is_text(uint8_t opcode)
{
	return opcode == OP_TEXT_REQ || opcode == OP_TEXT_RSP;
}

/* ---- name tables (tcpdump's `struct tok`: one table, one lookup) ---- */

struct iscsi_tok {
	uint32_t v;
	const char *s; /* NULL ends a table */
};

/* The name of v in table t, or dflt. */
const char *iscsi_tok_str(const struct iscsi_tok *t, uint32_t v,
			  const char *dflt);

extern const struct iscsi_tok iscsi_login_status_names[]; /* §11.13.5 */
extern const struct iscsi_tok iscsi_reject_reasons[];	   /* §11.17.1 */
extern const struct iscsi_tok iscsi_logout_reasons[];	   /* §11.14.1 */
extern const struct iscsi_tok iscsi_logout_responses[];   /* §11.15.1 */
extern const struct iscsi_tok iscsi_tmf_functions[];	   /* §11.5.1 */
extern const struct iscsi_tok iscsi_tmf_responses[];	   /* §11.6.1 */
extern const struct iscsi_tok iscsi_async_events[];	   /* §11.9.1 */
extern const struct iscsi_tok iscsi_stage_names[];	   /* §11.12.3 */

/* "authentication failure" for 0x0201 etc. (§11.13.5), a class-wide
 * phrase for a detail the RFC does not define; never NULL. */
const char *iscsi_login_status_str(uint8_t status_class,
				   uint8_t status_detail);

/* Padded length of a data segment (multiple of 4), computed without
 * overflow for any 24-bit length. */
static inline uint32_t iscsi_pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

#endif
