/* Exporters: JSON read back with jansson, MOF checked by the DSP0004
 * checker (tests/mofcheck.c: no MOF compiler is packaged in Debian)
 * against the DMTF parents and the shipped schema, NDJSON, the table,
 * escaping, secrets, and atomic writes. */
#include "check_suites.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tests/mofcheck.h"
#include "cim.h"
#include "cim_fixture.h"
#include "export.h"
#include "schema.h"
#include "scsi.h"
#include "textsafe.h"

static const char *const SOURCES[] = {"captures/demo.pcapng"};

static struct export_meta meta(void)
{
	static struct counters ctr;
	ctr.v[CTR_PACKETS] = 42;
	struct export_meta m = {
	    .version = "9.9.9",
	    .perspective = PERSP_TARGET,
	    .sources = SOURCES,
	    .nsources = 1,
	    .counters = &ctr,
	    .first_ns = FX_T0,
	    .last_ns = FX_T0 + 3 * FX_SEC,
	};
	return m;
}

/* A normal session with mutual CHAP, then a failed login. */
static struct session *two_sessions(void)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	struct sconn *c = fx_conn(s, 0, NULL, NULL, true);
	fx_feed(&c->neg, NEG_INITIATOR,
		"InitiatorName=iqn.1993-08.org.debian:01:abcdef\n"
		"AuthMethod=CHAP,None");
	fx_feed(&c->neg, NEG_TARGET, "AuthMethod=CHAP\nTargetPortalGroupTag=1");
	fx_feed(&c->neg, NEG_INITIATOR, "CHAP_A=5");
	fx_feed(&c->neg, NEG_TARGET,
		"CHAP_A=5\nCHAP_I=1\nCHAP_C=0x0102030405060708");
	fx_feed(&c->neg, NEG_INITIATOR,
		"CHAP_N=user\nCHAP_R=0x00112233445566778899aabbccddeeff\n"
		"CHAP_I=2\nCHAP_C=0xa1a2a3a4a5a6a7a8");
	fx_feed(&c->neg, NEG_TARGET,
		"CHAP_N=tgt\nCHAP_R=0xffeeddccbbaa99887766554433221100");
	fx_feed(&c->neg, NEG_INITIATOR, FX_OPER_I);
	fx_feed(&c->neg, NEG_TARGET, FX_OPER_T);
	neg_compute(&c->neg, true, &c->vals);
	s->vals = c->vals;
	c->counts.pdus[0] = 10;
	c->counts.pdus[1] = 11;

	struct session *f = fx_failed_session();
	f->seq = 1;
	s->next = f;
	return s;
}

/* A name with a quote, a backslash, control characters and invalid
 * UTF-8 bytes. */
static const char BAD_NAME[] = "iqn.x:a\"b\\c\x01\x1b[31m\n\xff\xc3(z";
static const char BAD_CLEAN[] =
    "iqn.x:a\"b\\c\x01\x1b[31m\n\xef\xbf\xbd\xef\xbf\xbd(z";

static struct session *bad_session(void)
{
	struct session *s = fx_session(BAD_NAME, BAD_NAME);
	session_name_set(&s->initiator_alias, BAD_NAME);
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	static const char *const addrs[] = {"192.0.2.9:3260,1",
					    "[2001:db8::1]:3260,1"};
	session_discovered(s, BAD_NAME, addrs, 2, 0, false);
	return s;
}

static void assert_valid_utf8(const char *text, size_t n)
{
	char *copy = malloc(n * 3 + 1);
	ck_assert_ptr_nonnull(copy);
	size_t w = ts_escape(TS_UTF8, text, n, copy, n * 3 + 1);
	ck_assert_uint_eq(w, n);
	ck_assert(memcmp(copy, text, n) == 0);
	free(copy);
}

/* No byte below 0x20 but '\n' (and, for the table, nothing at all
 * that a terminal would act on). */
static void assert_no_ctrl(const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		ck_assert_msg(c >= 0x20 || c == '\n',
			      "control byte 0x%02x at %zu", c, i);
		ck_assert_msg(c != 0x7f, "DEL at %zu", i);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, cap);
			ck_assert_ptr_nonnull(nb);
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 4096, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *mof_text(const struct session *first, size_t *len)
{
	char path[] = "/tmp/iscsiwatch-mof-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	struct export_meta m = meta();
	char err[EXPORT_ERR_MAX];
	ck_assert_int_eq(export_mof_list(path, first, &m, err, sizeof(err)), 0);
	char *t = slurp(path, len);
	unlink(path);
	ck_assert_ptr_nonnull(t);
	return t;
}

static char *table_text_w(const struct session *first, size_t *len,
			  unsigned width)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);
	ck_assert_ptr_nonnull(fp);
	struct export_meta m = meta();
	m.table_width = width;
	export_table_list(fp, first, &m);
	fclose(fp);
	*len = n;
	return buf;
}

static char *table_text(const struct session *first, size_t *len)
{
	return table_text_w(first, len, 0);
}

/* ---- MOF: the DSP0004 checker (tests/mofcheck.c) ---- */

/* Checks a whole MOF output against the DMTF parents and the shipped
 * schema; returns the number of instances (sessions, connections and
 * compositions). */
static size_t mof_check(const char *text)
{
	struct mofc *m = mofc_new();
	ck_assert_ptr_nonnull(m);
	size_t len;
	char *d = slurp("tests/mof/dmtf.mof", &len);
	ck_assert_msg(d != NULL, "tests/mof/dmtf.mof not found");
	mofc_load_schema(m, d, len, "dmtf.mof");
	free(d);
	mofc_load_schema(m, schema_mof, schema_mof_len, "iscsiwatch.mof");
	mofc_allow_zero(m, "ErrorRecoveryLevel");
	mofc_allow_zero(m, "ConnectionID");
	mofc_allow_zero(m, "CurrentConnections");
	size_t n = mofc_check_instances(m, text, strlen(text), "export",
					"\\\\.\\Root\\CIMv2\\Storage\\iScsiTarget");
	for (unsigned i = 0; i < mofc_errors(m) && mofc_error(m, i); i++)
		ck_abort_msg("MOF: %s\n%s", mofc_error(m, i), text);
	ck_assert_uint_eq(mofc_errors(m), 0);
	mofc_free(m);
	return n;
}

/* ---- core ---- */

static json_t *jget(json_t *o, const char *path)
{
	/* "a.b.0.c": objects by key, arrays by index */
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = o;
	for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
		ck_assert_msg(cur != NULL, "%s: missing before %s", path, tok);
		if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(tok, NULL, 10));
		else
			cur = json_object_get(cur, tok);
	}
	ck_assert_msg(cur != NULL, "%s missing", path);
	return cur;
}

static void jstr_eq(json_t *o, const char *path, const char *want)
{
	json_t *v = jget(o, path);
	ck_assert_msg(json_is_string(v), "%s not a string", path);
	ck_assert_str_eq(json_string_value(v), want);
}

static void jint_eq(json_t *o, const char *path, long long want)
{
	json_t *v = jget(o, path);
	ck_assert_msg(json_is_integer(v), "%s not an integer", path);
	ck_assert_int_eq(json_integer_value(v), want);
}

static void jnull(json_t *o, const char *path)
{
	ck_assert_msg(json_is_null(jget(o, path)), "%s not null", path);
}

START_TEST(test_json_document)
{
	struct session *s = two_sessions();
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	ck_assert_ptr_nonnull(text);
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	ck_assert_msg(root != NULL, "JSON does not parse: %s", je.text);

	jstr_eq(root, "iscsiwatch.version", "9.9.9");
	jstr_eq(root, "iscsiwatch.perspective", "target");
	ck_assert_ptr_null(json_object_get(jget(root, "iscsiwatch"),
					   "generated"));
	jstr_eq(root, "capture.sources.0", "captures/demo.pcapng");
	jstr_eq(root, "capture.first", "2026-11-23T22:09:01.123456Z");
	jstr_eq(root, "capture.last", "2026-11-23T22:09:04.123456Z");
	jint_eq(root, "capture.drops", 0);
	ck_assert_uint_eq(json_object_size(jget(root, "capture.counters")),
			  CTR_MAX);
	ck_assert_uint_eq(json_array_size(jget(root, "sessions")), 2);

	/* Every CIM property, by CIM name, null where unknown. */
	json_t *cim = jget(root, "sessions.0.cim");
	/* __CLASS and every property of the concrete class. */
	ck_assert_uint_eq(json_object_size(cim),
			  1 + CIM_SESSION_NPROPS + CIM_SESSION_EXT_NPROPS);
	jstr_eq(cim, "__CLASS", "ISCSIWATCH_iSCSISession");
	jstr_eq(cim, "ISID", "0x400001370000");
	jstr_eq(cim, "ObservedBy", "captures/demo.pcapng");
	jstr_eq(root, "sessions.0.connections.0.cim.__CLASS",
		"ISCSIWATCH_iSCSIConnection");
	jstr_eq(cim, "Name",
		"iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
		"iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001");
	jnull(cim, "OtherEnabledState");
	jstr_eq(cim, "InstallDate", "2026-11-23T22:09:01.123456Z");
	jint_eq(cim, "OperationalStatus.0", 2);
	ck_assert(json_is_false(jget(cim, "InitialR2T")));
	ck_assert(json_is_true(jget(cim, "ImmediateData")));
	jint_eq(cim, "MaxDataBurstLength", 262144);
	jint_eq(cim, "TSIH", 5);

	jstr_eq(root, "sessions.0.initiator.isid", "0x400001370000");
	jint_eq(root, "sessions.0.target.tpgt", 1);
	jnull(root, "sessions.0.initiator.alias");
	jstr_eq(root, "sessions.0.initiator.addresses.0", "192.0.2.1");
	jstr_eq(root, "sessions.0.target.addresses.0", "192.0.2.2:3260");
	ck_assert(json_is_true(jget(root, "sessions.0.login_observed")));

	/* Negotiation: offer, answer, result, state. */
	json_t *hd = jget(root, "sessions.0.negotiation.HeaderDigest");
	jstr_eq(hd, "offerer", "initiator");
	jstr_eq(hd, "offered.0", "CRC32C");
	jstr_eq(hd, "offered.1", "None");
	jstr_eq(hd, "answered", "CRC32C");
	jstr_eq(hd, "result", "CRC32C");
	jstr_eq(hd, "state", "negotiated");
	json_t *mbl = jget(root, "sessions.0.negotiation.MaxBurstLength");
	jint_eq(mbl, "offered", 16776192);
	jint_eq(mbl, "answered", 262144);
	jint_eq(mbl, "result", 262144);
	jint_eq(root, "sessions.0.negotiation.MaxRecvDataSegmentLength.result.target",
		65536);

	/* CHAP secrets: presence and length only. */
	json_t *cc = jget(root, "sessions.0.negotiation.CHAP_C");
	ck_assert(json_is_true(jget(cc, "offered.present")));
	jint_eq(cc, "offered.length", 8);
	ck_assert_uint_eq(json_object_size(jget(cc, "offered")), 2);
	jnull(cc, "result");
	json_t *cr = jget(root, "sessions.0.negotiation.CHAP_R");
	jint_eq(cr, "offered.length", 16);
	jstr_eq(root, "sessions.0.auth.method", "CHAP");
	jstr_eq(root, "sessions.0.auth.chap_algorithm.name", "MD5");
	jstr_eq(root, "sessions.0.auth.chap_names.initiator", "user");
	jstr_eq(root, "sessions.0.auth.chap_names.target", "tgt");
	ck_assert(json_is_true(jget(root, "sessions.0.auth.mutual")));
	jint_eq(root, "sessions.0.auth.chap_challenge.target.length", 8);
	jint_eq(root, "sessions.0.auth.chap_response.initiator.length", 16);
	static const char *const secrets[] = {
	    "0102030405060708", "a1a2a3a4a5a6a7a8",
	    "00112233445566778899aabbccddeeff",
	    "ffeeddccbbaa99887766554433221100", "0x0102", "0xa1a2", "0x0011",
	    "0xffee"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		ck_assert_msg(strstr(text, secrets[i]) == NULL,
			      "secret material %s in JSON", secrets[i]);

	/* The connection. */
	json_t *c = jget(root, "sessions.0.connections.0");
	jint_eq(c, "cim.ConnectionID", 0);
	jint_eq(c, "cim.AuthenticationMethodUsed", 4);
	ck_assert(json_is_true(jget(c, "cim.MutualAuthentication")));
	jstr_eq(c, "initiator", "192.0.2.1:40000");
	jstr_eq(c, "target", "192.0.2.2:3260");
	jstr_eq(c, "first_login", "2026-11-23T22:09:01.123456Z");
	jnull(c, "ended");
	jint_eq(c, "pdus.to_target", 10);
	jint_eq(c, "pdus.to_initiator", 11);
	jint_eq(c, "header_digest_errors", 0);

	/* The failed login. */
	json_t *f = jget(root, "sessions.1");
	jint_eq(f, "cim.OperationalStatus.0", 6);
	jint_eq(f, "cim.EnabledState", 3);
	jint_eq(f, "cim.TSIH", 0);
	jstr_eq(f, "cim.StatusDescriptions.0",
		"Login failed: authentication failure (0x0201)");
	jstr_eq(f, "connections.0.end_reason", "login_failed");
	jstr_eq(f, "connections.0.login_status.text", "authentication failure");
	jnull(f, "cim.OtherEnabledState");

	/* Deterministic: a second run gives the same bytes. */
	char *again = export_json_string(s, &m);
	ck_assert_str_eq(text, again);
	free(again);
	json_decref(root);
	free(text);
	fx_free(s);
}
END_TEST

START_TEST(test_json_login_unseen_nulls)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	fx_conn(s, 3, NULL, NULL, false);
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	static const char *const neg[] = {
	    "InitialR2T", "ImmediateData", "MaxOutstandingR2T",
	    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
	    "DataSequenceInOrder", "DataPDUInOrder", "ErrorRecoveryLevel",
	    "MaxConnectionsPerSession", "DefaultTimeToWait",
	    "DefaultTimeToRetain"};
	json_t *cim = jget(root, "sessions.0.cim");
	for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++)
		jnull(cim, neg[i]);
	jnull(root, "sessions.0.connections.0.cim.HeaderDigestMethod");
	jnull(root, "sessions.0.auth.method");
	ck_assert_uint_eq(json_object_size(jget(root, "sessions.0.negotiation")),
			  0);
	json_decref(root);
	free(text);
	fx_free(s);
}
END_TEST

/* Issue 14: the latency histogram's buckets (log-scale, non-empty only)
 * add up to the number of timed commands, and their bounds hold every
 * sample. */
START_TEST(test_json_latency_buckets)
{
	static const uint64_t lat[] = {500,	  1100,	    1300,  90000,
				       90001,	  2500000,  1ull << 39,
				       1ull << 41, 1ull << 45};
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	s->scsi = scsi_sess_new();
	ck_assert_ptr_nonnull(s->scsi);
	for (size_t i = 0; i < sizeof(lat) / sizeof(lat[0]); i++) {
		scsi_hist_add(&s->scsi->stats.latency, lat[i]);
		s->scsi->stats.scsi_cmds++;
		s->scsi->stats.scsi_rsps++;
	}
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	json_t *l = jget(root, "sessions.0.stats.latency_ns");
	jint_eq(l, "count", (long long)(sizeof(lat) / sizeof(lat[0])));
	json_t *b = jget(l, "buckets");
	ck_assert(json_is_array(b));
	long long sum = 0, prev_max = -1;
	for (size_t i = 0; i < json_array_size(b); i++) {
		json_t *e = json_array_get(b, i);
		long long lo = json_integer_value(json_object_get(e, "min"));
		json_t *hi = json_object_get(e, "max");
		long long n = json_integer_value(json_object_get(e, "count"));
		ck_assert_int_gt(n, 0);
		ck_assert_int_gt(lo, prev_max); /* ascending, disjoint */
		size_t inside = 0;
		for (size_t k = 0; k < sizeof(lat) / sizeof(lat[0]); k++)
			inside += (long long)lat[k] >= lo &&
				  (json_is_null(hi) ||
				   (long long)lat[k] <= json_integer_value(hi));
		ck_assert_int_eq((long long)inside, n);
		ck_assert(json_is_null(hi) || json_integer_value(hi) >= lo);
		prev_max = json_is_null(hi) ? INT64_MAX : json_integer_value(hi);
		sum += n;
	}
	ck_assert_int_eq(sum, json_integer_value(jget(
				  root, "sessions.0.stats.scsi.commands")));
	/* 2^41 and 2^45 share the open-ended last bucket. */
	jnull(json_array_get(b, json_array_size(b) - 1), "max");
	json_decref(root);
	free(text);
	scsi_sess_free(s->scsi);
	s->scsi = NULL;
	fx_free(s);
}
END_TEST

START_TEST(test_mof_snippet)
{
	struct session *s = two_sessions();
	size_t n;
	char *t = mof_text(s, &n);
	static const char head[] =
	    "// iscsiwatch 9.9.9: 2 iSCSI sessions, perspective target\n"
	    "#pragma namespace(\"\\\\\\\\.\\\\Root\\\\CIMv2\\\\Storage\\\\"
	    "iScsiTarget\")\n\n"
	    "instance of ISCSIWATCH_iSCSISession as $s0\n{\n"
	    "    Caption = \"iSCSI Normal session TSIH 0x0005 to "
	    "iqn.2003-01.org.linux-isc...\";\n";
	ck_assert_msg(strncmp(t, head, strlen(head)) == 0, "MOF head:\n%.400s", t);
	static const char body[] =
	    "    InstallDate = \"20261123220901.123456+000\";\n"
	    "    Name = \"iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
	    "iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001\";\n"
	    "    OperationalStatus = {2};\n"
	    "    StatusDescriptions = {\"OK\"};\n"
	    "    Status = \"OK\";\n"
	    "    HealthState = 5;\n"
	    "    EnabledDefault = 2;\n"
	    "    TimeOfLastStateChange = \"20261123220901.133456+000\";\n"
	    "    InstanceID = \"ISCSIWATCH:iqn.1993-08.org.debian:01:abcdef,i,"
	    "0x400001370000,iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001,"
	    "0x0005@1795471741123456\";\n"
	    "    AggregationBehavior = 3;\n"
	    "    EnabledState = 2;\n"
	    "    RequestedState = 12;\n"
	    "    Directionality = 2;\n"
	    "    SessionType = 3;\n"
	    "    TSIH = 5;\n"
	    "    EndPointName = \"iqn.1993-08.org.debian:01:abcdef,i,"
	    "0x400001370000\";\n"
	    "    CurrentConnections = 1;\n"
	    "    InitialR2T = FALSE;\n"
	    "    ImmediateData = TRUE;\n"
	    "    MaxOutstandingR2T = 1;\n"
	    "    MaxUnsolicitedFirstDataBurstLength = 65536;\n"
	    "    MaxDataBurstLength = 262144;\n"
	    "    DataSequenceInOrder = TRUE;\n"
	    "    DataPDUInOrder = TRUE;\n"
	    "    ErrorRecoveryLevel = 0;\n"
	    "    MaxConnectionsPerSession = 1;\n"
	    "    DefaultTimeToWait = 2;\n"
	    "    DefaultTimeToRetain = 0;\n"
	    "    SystemName = \"192.0.2.2:3260\";\n"
	    "    ObservedBy = \"captures/demo.pcapng\";\n"
	    "    InitiatorName = \"iqn.1993-08.org.debian:01:abcdef\";\n"
	    "    TargetName = \"iqn.2003-01.org.linux-iscsi.tgt:disk1\";\n"
	    "    ISID = \"0x400001370000\";\n"
	    "    TPGT = 1;\n"
	    "};\n\n"
	    "instance of ISCSIWATCH_iSCSIConnection as $c0_0\n{\n"
	    "    Caption = \"iSCSI connection CID 0\";\n";
	ck_assert_msg(strstr(t, body) != NULL, "MOF body:\n%s", t);
	ck_assert_ptr_nonnull(strstr(t, "    ConnectionID = 0;\n"
					"    MaxReceiveDataSegmentLength = 65536;\n"
					"    MaxTransmitDataSegmentLength = 262144;\n"
					"    HeaderDigestMethod = 3;\n"
					"    DataDigestMethod = 2;\n"
					"    ReceivingMarkers = FALSE;\n"
					"    SendingMarkers = FALSE;\n"
					"    ActiveiSCSIVersion = FALSE;\n"
					"    AuthenticationMethodUsed = 4;\n"
					"    MutualAuthentication = TRUE;\n"
					"    SystemName = \"192.0.2.2:3260\";\n"
					"    ObservedBy = \"captures/demo.pcapng\";\n"
					"    InitiatorAddress = \"192.0.2.1:40000\";\n"
					"    TargetAddress = \"192.0.2.2:3260\";\n"
					"    VersionActive = 0;\n};\n\n"
					"instance of CIM_NetworkPipeComposition\n{\n"
					"    GroupComponent = $s0;\n"
					"    PartComponent = $c0_0;\n"
					"    AggregationSequence = 0;\n};\n"));
	/* Null properties are omitted. */
	ck_assert_ptr_null(strstr(t, "OtherEnabledState"));
	ck_assert_ptr_nonnull(strstr(
	    t, "StatusDescriptions = {\"Login failed: authentication failure "
	       "(0x0201)\"};"));
	ck_assert_uint_eq(mof_check(t), 6);
	ck_assert_ptr_null(strstr(t, "0102030405060708"));
	free(t);
	fx_free(s);
}
END_TEST

START_TEST(test_table)
{
	struct session *s = two_sessions();
	size_t n;
	char *t = table_text(s, &n);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	ck_assert_ptr_nonnull(strstr(t, "INITIATOR"));
	ck_assert_ptr_nonnull(strstr(t, "400001370000"));
	ck_assert_ptr_nonnull(strstr(t, "0x0005"));
	ck_assert_ptr_nonnull(strstr(t, "CRC32C"));
	ck_assert_ptr_nonnull(strstr(t, "262144"));
	ck_assert_ptr_nonnull(strstr(t, "Failed logins: 1"));
	ck_assert_ptr_nonnull(
	    strstr(t, "Login failed: authentication failure (0x0201)"));
	ck_assert_ptr_nonnull(strstr(t, "auth 0x0201"));
	/* Whole width (a pipe): names whole. */
	ck_assert_ptr_nonnull(
	    strstr(t, "iqn.2003-01.org.linux-iscsi.tgt:disk1 "));
	free(t);
	/* 60 columns: no line wider, the target keeps its unique part and
	 * the failed login its reason. */
	t = table_text_w(s, &n, 60);
	for (const char *l = t; *l;) {
		const char *e = strchr(l, '\n');
		size_t chars = 0;
		for (const char *p = l; p < (e ? e : l + strlen(l)); p++)
			chars += ((unsigned char)*p & 0xc0) != 0x80;
		ck_assert_msg(chars <= 60, "line of %zu: %.*s", chars,
			      (int)(e ? e - l : (long)strlen(l)), l);
		l = e ? e + 1 : l + strlen(l);
	}
	ck_assert_ptr_nonnull(strstr(t, "\xe2\x80\xa6:disk1"));
	ck_assert_ptr_nonnull(strstr(t, "auth 0x0201"));
	free(t);
	fx_free(s);
}
END_TEST

/* ---- malformed: hostile names ---- */

START_TEST(test_escaping_json)
{
	struct session *s = bad_session();
	struct export_meta m = meta();
	char *text = export_json_string(s, &m);
	ck_assert_ptr_nonnull(text);
	assert_valid_utf8(text, strlen(text));
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	jstr_eq(root, "sessions.0.initiator.name", BAD_CLEAN);
	jstr_eq(root, "sessions.0.initiator.alias", BAD_CLEAN);
	jstr_eq(root, "sessions.0.discovery.0.name", BAD_CLEAN);
	jstr_eq(root, "sessions.0.discovery.0.addresses.1", "[2001:db8::1]:3260,1");
	ck_assert_ptr_nonnull(strstr(json_string_value(jget(root, "sessions.0.cim.Name")),
				     "\xef\xbf\xbd"));
	json_decref(root);
	free(text);
	fx_free(s);
}
END_TEST

START_TEST(test_escaping_mof)
{
	struct session *s = bad_session();
	size_t n;
	char *t = mof_text(s, &n);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	ck_assert_ptr_nonnull(
	    strstr(t, "\"iqn.x:a\\\"b\\\\c\\x01\\x1B[31m\\x0A\\xFF\\xC3(z"));
	ck_assert_uint_eq(mof_check(t), 3);
	free(t);
	fx_free(s);
}
END_TEST

/* A control character before a hex digit: DSP0004 would read "\x07fa"
 * as one escape, DSP0221 "\x07face": the literal ends after it. */
START_TEST(test_escaping_mof_hex)
{
	struct session *s = fx_session("iqn.x:ctl\x07" "face", "iqn.y:t\x1f" "0\x7f");
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	size_t n;
	char *t = mof_text(s, &n);
	ck_assert_ptr_nonnull(strstr(t, "\"iqn.x:ctl\\x07\" \"face"));
	ck_assert_ptr_nonnull(strstr(t, "\"iqn.y:t\\x1F\" \"0\\x7F\""));
	ck_assert_uint_eq(mof_check(t), 3);
	free(t);
	fx_free(s);
}
END_TEST

START_TEST(test_escaping_table)
{
	struct session *s = bad_session();
	size_t n;
	char *t = table_text(s, &n);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	/* Whole: every byte escaped, none dropped. */
	ck_assert_ptr_nonnull(strstr(
	    t, "iqn.x:a\"b\\\\c\\x01\\x1B[31m\\x0A\\xFF\\xC3(z "));
	free(t);
	/* Narrow: cut around the escapes, still no control byte. */
	t = table_text_w(s, &n, 40);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	free(t);
	fx_free(s);
}
END_TEST

/* The table goes to a terminal as the UI does: a C1 control (U+009B is
 * CSI) and a bidi override are escaped there too, byte by byte. */
START_TEST(test_escaping_table_c1_bidi)
{
	struct session *s = fx_session("iqn.x:a\xc2\x9b" "2Jb\xe2\x80\xae" "cba",
				       "iqn.y:t");
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	size_t n;
	char *t = table_text(s, &n);
	ck_assert_ptr_nonnull(
	    strstr(t, "iqn.x:a\\xC2\\x9B2Jb\\xE2\\x80\\xAEcba"));
	ck_assert_ptr_null(strstr(t, "\xc2\x9b"));
	ck_assert_ptr_null(strstr(t, "\xe2\x80\xae"));
	free(t);
	fx_free(s);
}
END_TEST

/* The report of the sessions from s on; its length in *len. */
static char *html_text(const struct session *s, size_t *len)
{
	struct export_meta m = meta();
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	ck_assert_ptr_nonnull(fp);
	export_html_write(fp, s, &m);
	fclose(fp);
	return text;
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The HTML report: hostile names stay text - markup characters become
 * entities, controls and bidi overrides visible escapes, invalid UTF-8
 * U+FFFD - and the page fetches nothing. */
START_TEST(test_escaping_html)
{
	struct session *s = bad_session();
	struct session *x = fx_session("iqn.x:<script>alert(1)</script>",
				       "iqn.y:a\xe2\x80\xae"
				       "evil&co");
	x->seq = 1;
	s->next = x;
	size_t len = 0;
	char *text = html_text(s, &len);
	assert_valid_utf8(text, len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(text[i] == '\n' || (unsigned char)text[i] >= 0x20,
			      "control byte 0x%02x at %zu", text[i], i);
	ck_assert_ptr_null(strstr(text, "<script"));
	ck_assert_ptr_nonnull(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(text, "a&quot;b\\c\\x01\\x1B[31m\\x0A\xef\xbf\xbd"));
	ck_assert_ptr_nonnull(strstr(text, "a\\u202Eevil&amp;co"));
	ck_assert_ptr_null(strstr(text, "\xe2\x80\xae"));
	ck_assert_ptr_nonnull(strstr(text, "default-src 'none'"));
	/* One table row per session. */
	ck_assert_uint_eq(count_of(text, "<tr class=\"session\""), 2);
	free(text);
	fx_free(s);
}
END_TEST

/* The report names the VLANs and tunnels a session was seen in - in its
 * table row, its section and its timeline lane - and says nothing of
 * them for a session seen bare, whose page stays as it was. */

START_TEST(test_html_path)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	struct sconn *c = fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	ck_assert_ptr_nonnull(c);
	size_t len;
	char *bare = html_text(s, &len);
	ck_assert_uint_eq(count_of(bare, "seen in"), 0);
	c->outer = (struct net_outer){.vlan = {100}, .nvlan = 1,
				      .tunnels = NET_TUN_VXLAN, .vni = 5000,
				      .has_vni = true};
	char *text = html_text(s, &len);
	ck_assert_uint_eq(
	    count_of(text, "<br><span class=\"meta path\">seen in VLAN 100, "
			   "VXLAN VNI 5000</span></td>"),
	    1);
	ck_assert_uint_eq(
	    count_of(text, "; seen in <span class=\"path\">VLAN 100, VXLAN "
			   "VNI 5000</span></p>"),
	    1);
	/* The lane and the connection's bar. */
	ck_assert_uint_eq(count_of(text, ", seen in VLAN 100, VXLAN VNI 5000"
					 "</title>"),
			  2);
	free(text);
	free(bare);
	fx_free(s);
}
END_TEST

START_TEST(test_events_ndjson)
{
	char path[] = "/tmp/iscsiwatch-ev-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	char err[256];
	struct events_sink *es = events_open(path, PERSP_TARGET, err, sizeof(err));
	ck_assert_ptr_nonnull(es);
	const struct session_listener *l = events_listener(es);
	struct session *s = bad_session();
	char detail[SESS_EVENT_DETAIL_MAX];
	snprintf(detail, sizeof(detail), "bad \"%s\"", BAD_NAME);
	struct sess_event ev = {
	    .ts_ns = FX_T0, .kind = "login_failed", .detail = detail};
	l->event(l->user, s, s->conns, &ev);
	struct session *g = fx_session(FX_INAME, FX_TNAME);
	struct sess_event ev2 = {
	    .ts_ns = FX_T0 + 1000, .kind = "session_ok", .detail = ""};
	l->event(l->user, g, NULL, &ev2);
	/* Flushed per line: readable before close. */
	size_t n;
	char *t = slurp(path, &n);
	ck_assert_ptr_nonnull(t);
	assert_no_ctrl(t, n);
	assert_valid_utf8(t, n);
	char *nl = strchr(t, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_ptr_nonnull(strchr(nl + 1, '\n'));
	ck_assert_uint_eq(t[n - 1], '\n');
	*nl = '\0';
	json_t *o = json_loads(t, 0, NULL);
	ck_assert_ptr_nonnull(o);
	jstr_eq(o, "ts", "2026-11-23T22:09:01.123456Z");
	jstr_eq(o, "kind", "login_failed");
	jint_eq(o, "cid", 0);
	char want[256];
	snprintf(want, sizeof(want), "bad \"%s\"", BAD_CLEAN);
	jstr_eq(o, "detail", want);
	ck_assert_ptr_nonnull(strstr(json_string_value(jget(o, "instance_id")),
				     "ISCSIWATCH:"));
	json_decref(o);
	o = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, NULL);
	ck_assert_ptr_nonnull(o);
	jnull(o, "cid");
	jint_eq(o, "seq", 0);
	jstr_eq(o, "session",
		"iqn.1993-08.org.debian:01:abcdef,i,0x400001370000,"
		"iqn.2003-01.org.linux-iscsi.tgt:disk1,t,0x0001");
	json_decref(o);
	free(t);
	ck_assert_uint_eq(events_errors(es), 0);
	ck_assert_int_eq(events_close(es), 0);
	unlink(path);
	fx_free(s);
	fx_free(g);
}
END_TEST

/* ---- limits: atomic writes ---- */

static size_t temp_files(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

START_TEST(test_atomic)
{
	char dir[] = "/tmp/iscsiwatch-at-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[512], bad[512];
	snprintf(path, sizeof(path), "%s/out.json", dir);
	struct session *s = two_sessions();
	struct export_meta m = meta();
	char err[EXPORT_ERR_MAX] = "";
	ck_assert_int_eq(export_json_list(path, s, &m, err, sizeof(err)), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 100);
	ck_assert_uint_eq(temp_files(dir), 0);
	/* Replacing an existing file. */
	snprintf(path, sizeof(path), "%s/out.mof", dir);
	ck_assert_int_eq(export_mof_list(path, s, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(export_mof_list(path, s, &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(temp_files(dir), 0);

	/* A directory that does not exist: a one-line error, no file. */
	snprintf(bad, sizeof(bad), "%s/missing/out.json", dir);
	ck_assert_int_eq(export_json_list(bad, s, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing/out.json"));
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_ne(stat(bad, &st), 0);
	err[0] = '\0';
	ck_assert_int_eq(export_mof_list(bad, s, &m, err, sizeof(err)), -1);
	ck_assert_str_ne(err, "");
	/* The path names a directory: rename fails, the temp goes. */
	snprintf(bad, sizeof(bad), "%s/adir", dir);
	ck_assert_int_eq(mkdir(bad, 0700), 0);
	char inner[600];
	snprintf(inner, sizeof(inner), "%s/x", bad);
	ck_assert_int_eq(mkdir(inner, 0700), 0);
	ck_assert_int_eq(export_json_list(bad, s, &m, err, sizeof(err)), -1);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_uint_eq(temp_files(dir), 0);
	rmdir(inner);
	rmdir(bad);
	ck_assert(events_open(inner, PERSP_TARGET, err, sizeof(err)) == NULL);

	snprintf(path, sizeof(path), "%s/out.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/out.mof", dir);
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
	fx_free(s);
}
END_TEST

START_TEST(test_empty)
{
	struct export_meta m = meta();
	m.nsources = 0;
	m.counters = NULL;
	m.first_ns = m.last_ns = 0;
	char *text = export_json_string(NULL, &m);
	json_t *root = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(root);
	ck_assert_uint_eq(json_array_size(jget(root, "sessions")), 0);
	jnull(root, "capture.first");
	json_decref(root);
	free(text);
	size_t n;
	char *t = mof_text(NULL, &n);
	ck_assert_uint_eq(mof_check(t), 0);
	free(t);
	t = table_text(NULL, &n);
	ck_assert_ptr_nonnull(strstr(t, "0 sessions"));
	free(t);
}
END_TEST

Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_json_document);
	tcase_add_test(tc, test_json_login_unseen_nulls);
	tcase_add_test(tc, test_json_latency_buckets);
	tcase_add_test(tc, test_mof_snippet);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_events_ndjson);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_escaping_json);
	tcase_add_test(tc, test_escaping_mof);
	tcase_add_test(tc, test_escaping_mof_hex);
	tcase_add_test(tc, test_escaping_table);
	tcase_add_test(tc, test_escaping_table_c1_bidi);
	tcase_add_test(tc, test_escaping_html);
	tcase_add_test(tc, test_html_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_atomic);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);
	return s;
}
