/* iscsi.c - the name tables of RFC 7143 section 11 and the flag token. */
#include "iscsi.h"

#include <stdio.h>
#include <string.h>

const char *iscsi_tok_str(const struct iscsi_tok *t, uint32_t v,
			  const char *dflt)
{
	for (; t->s; t++)
		if (t->v == v)
			return t->s;
	return dflt;
}

static const struct iscsi_tok opcode_names[] = {
    {OP_NOP_OUT, "NOP_OUT"},	   {OP_SCSI_CMD, "SCSI_CMD"},
    {OP_TMF_REQ, "TMF_REQ"},	   {OP_LOGIN_REQ, "LOGIN_REQ"},
    {OP_TEXT_REQ, "TEXT_REQ"},	   {OP_DATA_OUT, "DATA_OUT"},
    {OP_LOGOUT_REQ, "LOGOUT_REQ"}, {OP_SNACK_REQ, "SNACK_REQ"},
    {OP_NOP_IN, "NOP_IN"},	   {OP_SCSI_RSP, "SCSI_RSP"},
    {OP_TMF_RSP, "TMF_RSP"},	   {OP_LOGIN_RSP, "LOGIN_RSP"},
    {OP_TEXT_RSP, "TEXT_RSP"},	   {OP_DATA_IN, "DATA_IN"},
    {OP_LOGOUT_RSP, "LOGOUT_RSP"}, {OP_R2T, "R2T"},
    {OP_ASYNC_MSG, "ASYNC_MSG"},   {OP_REJECT, "REJECT"},
    {0, NULL},
};

const char *iscsi_opcode_name(uint8_t opcode)
{
	return iscsi_tok_str(opcode_names, opcode, "UNKNOWN");
}

const struct iscsi_tok iscsi_login_status_names[] = {
    {0x0000, "success"},
    {0x0101, "target moved temporarily"},
    {0x0102, "target moved permanently"},
    {0x0200, "initiator error"},
    {0x0201, "authentication failure"},
    {0x0202, "authorization failure"},
    {0x0203, "target not found"},
    {0x0204, "target removed"},
    {0x0205, "unsupported version"},
    {0x0206, "too many connections"},
    {0x0207, "missing parameter"},
    {0x0208, "can't include in session"},
    {0x0209, "session type not supported"},
    {0x020a, "session does not exist"},
    {0x020b, "invalid during login"},
    {0x0300, "target error"},
    {0x0301, "service unavailable"},
    {0x0302, "out of resources"},
    {0, NULL},
};

/* What a class says when the detail is not one the RFC defines. */
static const struct iscsi_tok login_status_classes[] = {
    {0, "success (unknown detail)"},
    {1, "redirection (unknown detail)"},
    {2, "initiator error (unknown detail)"},
    {3, "target error (unknown detail)"},
    {0, NULL},
};

const char *iscsi_login_status_str(uint8_t status_class,
				   uint8_t status_detail)
{
	const char *s = iscsi_tok_str(
	    iscsi_login_status_names,
	    (uint32_t)status_class << 8 | status_detail, NULL);
	return s ? s
		 : iscsi_tok_str(login_status_classes, status_class,
				 "unknown status class");
}

const struct iscsi_tok iscsi_reject_reasons[] = {
    {0x02, "data (payload) digest error"},
    {0x03, "SNACK reject"},
    {0x04, "protocol error"},
    {0x05, "command not supported"},
    {0x06, "immediate command reject"},
    {0x07, "task in progress"},
    {0x08, "invalid data ack"},
    {0x09, "invalid PDU field"},
    {0x0a, "long operation reject"},
    {0x0b, "negotiation reset"},
    {0x0c, "waiting for logout"},
    {0, NULL},
};

const struct iscsi_tok iscsi_logout_reasons[] = {
    {0, "close the session"},
    {1, "close the connection"},
    {2, "remove the connection for recovery"},
    {0, NULL},
};

const struct iscsi_tok iscsi_logout_responses[] = {
    {0, "success"},
    {1, "CID not found"},
    {2, "connection recovery not supported"},
    {3, "cleanup failed"},
    {0, NULL},
};

const struct iscsi_tok iscsi_tmf_functions[] = {
    {1, "ABORT TASK"},
    {2, "ABORT TASK SET"},
    {3, "CLEAR ACA"},
    {4, "CLEAR TASK SET"},
    {5, "LOGICAL UNIT RESET"},
    {6, "TARGET WARM RESET"},
    {7, "TARGET COLD RESET"},
    {8, "TASK REASSIGN"},
    {0, NULL},
};

const struct iscsi_tok iscsi_tmf_responses[] = {
    {0, "function complete"},
    {1, "task does not exist"},
    {2, "LUN does not exist"},
    {3, "task still allegiant"},
    {4, "task allegiance reassignment not supported"},
    {5, "task management function not supported"},
    {6, "function authorization failed"},
    {255, "function rejected"},
    {0, NULL},
};

const struct iscsi_tok iscsi_async_events[] = {
    {0, "SCSI asynchronous event"},
    {1, "target requests logout"},
    {2, "target will drop the connection"},
    {3, "target will drop all connections"},
    {4, "target requests parameter negotiation"},
    {255, "vendor specific"},
    {0, NULL},
};

const struct iscsi_tok iscsi_stage_names[] = {
    {STAGE_SECURITY, "security"},
    {STAGE_OPERATIONAL, "operational"},
    {STAGE_FULL_FEATURE, "full feature"},
    {0, NULL},
};

size_t iscsi_flags_str(const uint8_t *bhs, char *buf, size_t len)
{
	uint8_t op = bhs_opcode(bhs);
	bool b80 = bhs_final(bhs), b40 = bhs_continue(bhs);
	char tok[ISCSI_FLAGS_STR_LEN];
	size_t n = 0;
	bool login = iscsi_opcode_is_login(op);
	bool text = iscsi_opcode_is_text(op);

	if (bhs_immediate(bhs))
		tok[n++] = 'I';
	/* Byte 1's top bit is "Final" only here; elsewhere it is a fixed 1
	 * (§11.2.1.2) or, for Login, the T bit. */
	if ((op == OP_SCSI_CMD || op == OP_DATA_OUT || op == OP_DATA_IN ||
	     text) &&
	    b80)
		tok[n++] = 'F';
	if (login && b80)
		tok[n++] = 'T';
	if ((login || text) && b40)
		tok[n++] = 'C';
	if (op == OP_SCSI_CMD) {
		if (b40)
			tok[n++] = 'R';
		if (bhs_write(bhs))
			tok[n++] = 'W';
	}
	if (op == OP_DATA_IN) {
		if (b40)
			tok[n++] = 'A';
		if (bhs_status_bit(bhs))
			tok[n++] = 'S';
	}
	if (n == 0)
		tok[n++] = '-';
	tok[n] = '\0';
	if (login) {
		int w = snprintf(buf, len, "%s,csg=%u,nsg=%u", tok,
				 (unsigned)bhs_csg(bhs), (unsigned)bhs_nsg(bhs));
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
