/* iscsi.c - opcode names and the flag token (RFC 7143 §11). */
#include "iscsi.h"

#include <string.h>

#include <stdio.h>

const char *iscsi_opcode_name(uint8_t opcode)
{
	switch (opcode) {
	case OP_NOP_OUT:
		return "NOP_OUT";
	case OP_SCSI_CMD:
		return "SCSI_CMD";
	case OP_TMF_REQ:
		return "TMF_REQ";
	case OP_LOGIN_REQ:
		return "LOGIN_REQ";
	case OP_TEXT_REQ:
		return "TEXT_REQ";
	case OP_DATA_OUT:
		return "DATA_OUT";
	case OP_LOGOUT_REQ:
		return "LOGOUT_REQ";
	case OP_SNACK_REQ:
		return "SNACK_REQ";
	case OP_NOP_IN:
		return "NOP_IN";
	case OP_SCSI_RSP:
		return "SCSI_RSP";
	case OP_TMF_RSP:
		return "TMF_RSP";
	case OP_LOGIN_RSP:
		return "LOGIN_RSP";
	case OP_TEXT_RSP:
		return "TEXT_RSP";
	case OP_DATA_IN:
		return "DATA_IN";
	case OP_LOGOUT_RSP:
		return "LOGOUT_RSP";
	case OP_R2T:
		return "R2T";
	case OP_ASYNC_MSG:
		return "ASYNC_MSG";
	case OP_REJECT:
		return "REJECT";
	}
	return "UNKNOWN";
}

size_t iscsi_flags_str(const uint8_t *bhs, char *buf, size_t len)
{
	uint8_t op = bhs[0] & 0x3f, b1 = bhs[1];
	char tok[ISCSI_FLAGS_STR_LEN];
	size_t n = 0;
	bool login = op == OP_LOGIN_REQ || op == OP_LOGIN_RSP;
	bool text = op == OP_TEXT_REQ || op == OP_TEXT_RSP;

	if (bhs[0] & 0x40)
		tok[n++] = 'I';
	/* Byte 1's top bit is "Final" only here; elsewhere it is a fixed 1
	 * (§11.2.1.2) or, for Login, the T bit. */
	if ((op == OP_SCSI_CMD || op == OP_DATA_OUT || op == OP_DATA_IN ||
	     text) &&
	    (b1 & 0x80))
		tok[n++] = 'F';
	if (login && (b1 & 0x80))
		tok[n++] = 'T';
	if ((login || text) && (b1 & 0x40))
		tok[n++] = 'C';
	if (op == OP_SCSI_CMD) {
		if (b1 & 0x40)
			tok[n++] = 'R';
		if (b1 & 0x20)
			tok[n++] = 'W';
	}
	if (op == OP_DATA_IN) {
		if (b1 & 0x40)
			tok[n++] = 'A';
		if (b1 & 0x01)
			tok[n++] = 'S';
	}
	if (n == 0)
		tok[n++] = '-';
	tok[n] = '\0';
	if (login) {
		int w = snprintf(buf, len, "%s,csg=%u,nsg=%u", tok,
				 (unsigned)((b1 >> 2) & 3), (unsigned)(b1 & 3));
		return w < 0 ? 0 : (size_t)w;
	}
	/* Every other PDU: a plain copy (this runs once per PDU of
	 * `--pdus`, where snprintf showed in the profile). */
	if (len == 0)
		return 0;
	size_t k = (size_t)n < len - 1 ? (size_t)n : len - 1;
	memcpy(buf, tok, k);
	buf[k] = '\0';
	return (size_t)n;
}
