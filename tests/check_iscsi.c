/* iscsi: opcode table, names and the flag token. */
#include <check.h>
#include <string.h>

#include "check_suites.h"
#include "iscsi.h"

START_TEST(test_opcodes)
{
	static const struct {
		uint8_t op;
		const char *name;
	} ops[] = {
	    {OP_NOP_OUT, "NOP_OUT"},	   {OP_SCSI_CMD, "SCSI_CMD"},
	    {OP_TMF_REQ, "TMF_REQ"},	   {OP_LOGIN_REQ, "LOGIN_REQ"},
	    {OP_TEXT_REQ, "TEXT_REQ"},	   {OP_DATA_OUT, "DATA_OUT"},
	    {OP_LOGOUT_REQ, "LOGOUT_REQ"}, {OP_SNACK_REQ, "SNACK_REQ"},
	    {OP_NOP_IN, "NOP_IN"},	   {OP_SCSI_RSP, "SCSI_RSP"},
	    {OP_TMF_RSP, "TMF_RSP"},	   {OP_LOGIN_RSP, "LOGIN_RSP"},
	    {OP_TEXT_RSP, "TEXT_RSP"},	   {OP_DATA_IN, "DATA_IN"},
	    {OP_LOGOUT_RSP, "LOGOUT_RSP"}, {OP_R2T, "R2T"},
	    {OP_ASYNC_MSG, "ASYNC_MSG"},   {OP_REJECT, "REJECT"},
	};
	int valid = 0;
	for (int v = 0; v < 256; v++) {
		bool want = false;
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (ops[i].op == v) {
				want = true;
				ck_assert_str_eq(iscsi_opcode_name((uint8_t)v),
						 ops[i].name);
			}
		ck_assert_int_eq(iscsi_opcode_valid((uint8_t)v), want);
		if (!want)
			ck_assert_str_eq(iscsi_opcode_name((uint8_t)v),
					 "UNKNOWN");
		valid += want;
	}
	ck_assert_int_eq(valid, 18);
	/* Byte 0 with the I bit is not an opcode. */
	ck_assert(!iscsi_opcode_valid(0x41));
	ck_assert(iscsi_opcode_from_initiator(OP_SCSI_CMD));
	ck_assert(!iscsi_opcode_from_initiator(OP_DATA_IN));
	ck_assert_uint_eq(iscsi_pad4(0), 0);
	ck_assert_uint_eq(iscsi_pad4(5), 8);
	ck_assert_uint_eq(iscsi_pad4(ISCSI_MAX_DSL), 0x1000000u);
}
END_TEST

static const char *flags(uint8_t b0, uint8_t b1)
{
	static char buf[ISCSI_FLAGS_STR_LEN];
	uint8_t bhs[ISCSI_BHS_LEN] = {b0, b1};
	size_t n = iscsi_flags_str(bhs, buf, sizeof(buf));
	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

START_TEST(test_flags)
{
	ck_assert_str_eq(flags(0x01, 0xc0), "FR");  /* READ, final */
	ck_assert_str_eq(flags(0x41, 0xa1), "IFW"); /* immediate write */
	ck_assert_str_eq(flags(0x01, 0x60), "RW");  /* bidi, not final */
	ck_assert_str_eq(flags(0x05, 0x80), "F");   /* Data-Out */
	ck_assert_str_eq(flags(0x25, 0x81), "FS");  /* Data-In + status */
	ck_assert_str_eq(flags(0x25, 0x40), "A");
	ck_assert_str_eq(flags(0x25, 0x00), "-");
	ck_assert_str_eq(flags(0x43, 0x87), "IT,csg=1,nsg=3");
	ck_assert_str_eq(flags(0x43, 0x40), "IC,csg=0,nsg=0");
	ck_assert_str_eq(flags(0x23, 0x00), "-,csg=0,nsg=0");
	ck_assert_str_eq(flags(0x43, 0xc7), "ITC,csg=1,nsg=3"); /* longest */
	ck_assert_str_eq(flags(0x04, 0x40), "C"); /* Text, continued */
	ck_assert_str_eq(flags(0x44, 0x80), "IF");
	ck_assert_str_eq(flags(0x24, 0x80), "F");
	/* The fixed 1 of NOP, R2T, SCSI Response... is not "Final". */
	ck_assert_str_eq(flags(0x40, 0x80), "I");
	ck_assert_str_eq(flags(0x31, 0x80), "-");
	ck_assert_str_eq(flags(0x21, 0x82), "-");
	ck_assert_str_eq(flags(0x3e, 0xff), "-"); /* unknown opcode */
}
END_TEST

START_TEST(test_flags_truncates)
{
	uint8_t bhs[ISCSI_BHS_LEN] = {0x43, 0x87};
	char buf[4];
	ck_assert_uint_eq(iscsi_flags_str(bhs, buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "IT,");
	ck_assert_uint_eq(iscsi_flags_str(bhs, NULL, 0), 14);
}
END_TEST

Suite *iscsi_suite(void)
{
	Suite *s = suite_create("iscsi");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_opcodes);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_flags_truncates);
	suite_add_tcase(s, tc);
	return s;
}
