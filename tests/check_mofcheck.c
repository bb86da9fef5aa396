/* The MOF checker (tests/mofcheck.c) itself: the shipped schema loads
 * over the DMTF parents, a correct export passes, and each mistake a
 * CIMOM would reject (or misread) is caught. A checker that passes
 * everything would make every MOF test meaningless, so every rule has a
 * text that breaks it here. */
#include "check_suites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/mofcheck.h"
#include "schema.h"

#define NS "\\\\.\\Root\\CIMv2\\Storage\\iScsiTarget"

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s not found (run from the repo root)", path);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	ck_assert_int_ge(n, 0);
	rewind(fp);
	char *buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* A checker with the DMTF parents and the shipped schema loaded. */
static struct mofc *loaded(void)
{
	struct mofc *m = mofc_new();
	ck_assert_ptr_nonnull(m);
	size_t len;
	char *t = slurp("tests/mof/dmtf.mof", &len);
	ck_assert_uint_eq(mofc_load_schema(m, t, len, "dmtf.mof"), 9);
	free(t);
	ck_assert_uint_eq(mofc_load_schema(m, schema_mof, schema_mof_len,
					   "iscsiwatch.mof"),
			  2);
	for (unsigned i = 0; i < mofc_errors(m); i++)
		ck_abort_msg("schema: %s", mofc_error(m, i));
	mofc_allow_zero(m, "ErrorRecoveryLevel");
	mofc_allow_zero(m, "ConnectionID");
	mofc_allow_zero(m, "CurrentConnections");
	return m;
}

static const char GOOD[] =
    "#pragma namespace(\"\\\\\\\\.\\\\Root\\\\CIMv2\\\\Storage\\\\iScsiTarget\")\n"
    "instance of ISCSIWATCH_iSCSISession as $s0\n{\n"
    "    Caption = \"iSCSI Normal session\";\n"
    "    InstanceID = \"ISCSIWATCH:x,0x0001@1\";\n"
    "    OperationalStatus = {9, 2};\n"
    "    StatusDescriptions = {\"Stopping: logout requested\", \"OK\"};\n"
    "    Status = \"Stopping\";\n"
    "    TimeOfLastStateChange = \"00000000000000.000000:000\";\n"
    "    InstallDate = \"20261123220901.123456+000\";\n"
    "    ErrorRecoveryLevel = 0;\n"
    "    CurrentConnections = 1;\n"
    "    InitialR2T = TRUE;\n"
    "    ISID = \"0x400001370000\";\n"
    "    TPGT = 1;\n"
    "    InitiatorName = \"ctl\\x07\" \"face\";\n"
    "};\n\n"
    "instance of ISCSIWATCH_iSCSIConnection as $c0_0\n{\n"
    "    InstanceID = \"ISCSIWATCH:x,0x0001@1/cid=0@1\";\n"
    "    ConnectionID = 0;\n"
    "    ActiveiSCSIVersion = FALSE;\n"
    "    VersionActive = 0;\n"
    "    AuthenticationMethodUsed = 4;\n"
    "    OperationalStatus = {2};\n"
    "    StatusDescriptions = {\"OK\"};\n"
    "    Status = \"OK\";\n"
    "};\n\n"
    "instance of CIM_NetworkPipeComposition\n{\n"
    "    GroupComponent = $s0;\n"
    "    PartComponent = $c0_0;\n"
    "    AggregationSequence = 0;\n"
    "};\n";

START_TEST(test_schema_and_good)
{
	struct mofc *m = loaded();
	size_t n = mofc_check_instances(m, GOOD, strlen(GOOD), "good", NS);
	for (unsigned i = 0; i < mofc_errors(m); i++)
		ck_abort_msg("good: %s", mofc_error(m, i));
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(mofc_count(m, "ISCSIWATCH_iSCSISession"), 1);
	ck_assert_uint_eq(mofc_count(m, "ISCSIWATCH_iSCSIConnection"), 1);
	ck_assert_uint_eq(mofc_count(m, "CIM_NetworkPipeComposition"), 1);
	ck_assert_uint_eq(mofc_referenced(m, "ISCSIWATCH_iSCSIConnection",
					  "PartComponent"),
			  1);
	mofc_free(m);
}
END_TEST

START_TEST(test_embedded_schema_is_data_file)
{
	size_t len;
	char *t = slurp("data/iscsiwatch.mof", &len);
	ck_assert_uint_eq(len, schema_mof_len);
	ck_assert(memcmp(t, schema_mof, len) == 0);
	ck_assert_uint_eq((unsigned char)schema_mof[schema_mof_len], 0);
	free(t);
}
END_TEST

/* Each: a line of GOOD replaced (from -> to), and a piece of the error
 * the checker must give. */
static const struct {
	const char *from, *to, *want;
} BAD[] = {
    {"instance of ISCSIWATCH_iSCSISession as", "instance of CIM_iSCSISession as",
     "Abstract class CIM_iSCSISession"},
    {"ActiveiSCSIVersion = FALSE;", "ActiveiSCSIVersion = 0;",
     "boolean needs TRUE or FALSE"},
    {"AuthenticationMethodUsed = 4;", "AuthenticationMethodUsed = 1;",
     "1 not in its ValueMap"},
    {"\"ctl\\x07\" \"face\"", "\"ctl\\x07face\"", "ambiguous escape"},
    {"\"ctl\\x07\" \"face\"", "\"ctl\\x0007face\"", "ambiguous escape"},
    {"\"ctl\\x07\" \"face\"", "\"ctl\\x00\"", "U+0000"},
    {"\"ctl\\x07\" \"face\"", "\"ctl\x07\"", "raw control character"},
    {"\"ctl\\x07\" \"face\"", "\"ctl\\q\"", "bad escape"},
    {"{\"Stopping: logout requested\", \"OK\"}", "{\"Stopping\"}",
     "Indexed OperationalStatus 2"},
    {"ErrorRecoveryLevel = 0;", "MaxDataBurstLength = 100;",
     "below MinValue(512)"},
    {"ErrorRecoveryLevel = 0;", "MaxOutstandingR2T = 0;",
     "below MinValue(1)"},
    {"ErrorRecoveryLevel = 0;", "DefaultTimeToWait = 3601;",
     "above MaxValue(3600)"},
    {"TPGT = 1;", "TPGT = 65536;", "out of uint16 range"},
    {"TPGT = 1;", "TPGT = -1;", "negative"},
    {"GroupComponent = $s0;", "GroupComponent = $nope;", "not defined"},
    {"GroupComponent = $s0;", "GroupComponent = \"x\";", "must be an alias"},
    {"    InstanceID = \"ISCSIWATCH:x,0x0001@1/cid=0@1\";\n", "",
     "key InstanceID not given"},
    {"InstallDate = \"20261123220901.123456+000\"",
     "InstallDate = \"2026-11-23T22:09:01Z\"", "bad datetime"},
    {"InstallDate = \"20261123220901.123456+000\"",
     "InstallDate = \"20261323220901.123456+000\"", "bad datetime"},
    {"\"00000000000000.000000:000\"", "\"00000000000000.000000:001\"",
     "bad datetime"},
    {"Caption = \"iSCSI Normal session\";",
     "Caption = \"iSCSI Normal session 0123456789012345678901234567890"
     "12345678901234\";",
     "MaxLen(64)"},
    {"Status = \"Stopping\";", "Status = \"Lost Communication\";",
     "MaxLen(10)"},
    {"Status = \"Stopping\";", "Status = \"Halting\";", "not in its ValueMap"},
    {"#pragma namespace(\"\\\\\\\\.\\\\Root\\\\CIMv2\\\\Storage\\\\iScsiTarget\")",
     "#pragma namespace(\"root/cimv2\")", "namespace"},
    {"TPGT = 1;", "Tpgt = 1; TPGT = 2;", "given twice"},
    {"TPGT = 1;", "Bogus = 1;", "has no property Bogus"},
    {"InitialR2T = TRUE;", "InitialR2T = {TRUE};", "given an array"},
    {"OperationalStatus = {2};", "OperationalStatus = 2;", "given a scalar"},
    {"ISID = \"0x400001370000\";", "ISID = 400001370000;",
     "needs a string literal"},
    {"ISID = \"0x400001370000\";", "ISID = \"0x4000013700001\";",
     "MaxLen(14)"},
    {"instance of ISCSIWATCH_iSCSIConnection as $c0_0",
     "instance of ISCSIWATCH_iSCSIConnection as $s0", "defined twice"},
    {"    AggregationSequence = 0;\n",
     "};\ninstance of CIM_NetworkPipeComposition {\n"
     "    GroupComponent = $s0; PartComponent = $c0_0;\n",
     "part of two wholes"},
    {"ConnectionID = 0;", "ConnectionID = 0x10000;", "above MaxValue(65535)"},
};

START_TEST(test_bad)
{
	const char *from = BAD[_i].from;
	const char *at = strstr(GOOD, from);
	ck_assert_msg(at != NULL, "case %d: '%s' not in GOOD", _i, from);
	size_t need = strlen(GOOD) - strlen(from) + strlen(BAD[_i].to) + 1;
	char *t = malloc(need);
	ck_assert_ptr_nonnull(t);
	snprintf(t, need, "%.*s%s%s", (int)(at - GOOD), GOOD, BAD[_i].to,
		 at + strlen(from));
	struct mofc *m = loaded();
	mofc_check_instances(m, t, strlen(t), "bad", NS);
	ck_assert_msg(mofc_errors(m) > 0, "case %d (%s) passed:\n%s", _i,
		      BAD[_i].to, t);
	const char *want = BAD[_i].want;
	bool found = false;
	for (unsigned i = 0; i < mofc_errors(m) && mofc_error(m, i); i++)
		found |= strstr(mofc_error(m, i), want) != NULL;
	ck_assert_msg(found, "case %d: want '%s', first error: %s", _i, want,
		      mofc_error(m, 0));
	mofc_free(m);
	free(t);
}
END_TEST

START_TEST(test_schema_mistakes)
{
	static const char *const texts[] = {
	    "class A : Nowhere { string X; };",
	    "class CIM_Foo : CIM_NetworkPipe { string InstanceID; };",
	    "class CIM_Foo : CIM_NetworkPipe { [Override(\"InstanceID\")] uint32 InstanceID; };",
	    "class CIM_Foo { CIM_NetworkPipe REF X; };",
	    "class CIM_Foo { strung X; };",
	    "class CIM_Foo { string X; string X; };",
	    "class CIM_Foo { [MaxValue(3)] uint8 X = 4; };",
	    "class CIM_Foo : CIM_Component { string X; };",
	    "class CIM_Foo { string X }",
	    "class CIM_Foo { /* open comment",
	    "class CIM_Foo { string X = \"\xff\"; };",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct mofc *m = loaded();
		mofc_load_schema(m, texts[i], strlen(texts[i]), "bad-schema");
		ck_assert_msg(mofc_errors(m) > 0, "schema %zu passed: %s", i,
			      texts[i]);
		mofc_free(m);
	}
}
END_TEST

Suite *mofcheck_suite(void)
{
	Suite *s = suite_create("mofcheck");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_schema_and_good);
	tcase_add_test(tc, test_embedded_schema_is_data_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(BAD) / sizeof(BAD[0])));
	tcase_add_test(tc, test_schema_mistakes);
	suite_add_tcase(s, tc);
	return s;
}
