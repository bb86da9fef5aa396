#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "metrics.h"
#include "scsi.h"
#include "session.h"

static struct session *mk_session(uint64_t seq, const char *ini,
				  const char *tgt)
{
	struct session *s = calloc(1, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	s->seq = seq;
	session_names_init(s);
	session_name_set(&s->initiator_name, ini);
	session_name_set(&s->target_name, tgt);
	static const uint8_t isid[6] = {0x40, 0x00, 0x01, 0x37, 0x00, 0x02};
	memcpy(s->isid, isid, 6);
	s->isid_known = true;
	s->tsih = 0x100;
	s->tsih_known = true;
	s->status = ST_OK;
	return s;
}

static void free_session(struct session *s)
{
	scsi_sess_free(s->scsi);
	session_parts_free(s);
	free(s);
}

/* The value of the sample whose line starts with `series ` ("name{...}"
 * exactly as printed); fails the test when absent. */
static double sample(const char *doc, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = doc; p && *p;) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	ck_abort_msg("no sample %s", series);
	return -1;
}

static int lines_starting(const char *doc, const char *prefix)
{
	int k = 0;
	size_t n = strlen(prefix);
	for (const char *p = doc; p && *p;) {
		k += strncmp(p, prefix, n) == 0;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return k;
}

START_TEST(test_session_series)
{
	struct session *s = mk_session(7, "iqn.2024-01.org.x:\"quoted\"\\n",
				       "iqn.2024-01.org.x:disk\n2");
	s->scsi = scsi_sess_new();
	ck_assert_ptr_nonnull(s->scsi);
	struct scsi_stats *st = &s->scsi->stats;
	/* 500 ns, 3 us, 1 ms, 2 s, and 100 s (beyond the last bound). */
	static const uint64_t lat[] = {500, 3000, 1000000, 2000000000ull,
				       100000000000ull};
	for (size_t i = 0; i < 5; i++)
		scsi_hist_add(&st->latency, lat[i]);
	st->scsi_cmds = 5;
	st->reads = 3;
	st->writes = 2;
	st->bytes_read = 12288;
	st->bytes_written = 8192;
	st->check_conditions = 1;
	/* One of each other error, distinct, so a kind left out or counted
	 * twice shows in the sum below. */
	s->counts.hdigest_errors = 2;
	s->counts.ddigest_errors = 4;
	s->counts.rejects = 8;
	st->busy = 16;
	st->reservation_conflicts = 32;
	st->task_set_full = 64;
	st->other_status = 128;
	st->target_failures = 256;
	s->counts.format_errors = 512;
	st->aged_out = 1024;
	s->counts.conn_timeout_errors = 2048;
	size_t len;
	struct metrics_meta mm = {.version = "9.9"};
	char *doc = metrics_render(NULL, s, &mm, &len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(strlen(doc), len);
	const char *lab =
	    "seq=\"7\",initiator=\"iqn.2024-01.org.x:\\\"quoted\\\"\\\\n\","
	    "target=\"iqn.2024-01.org.x:disk\\n2\",isid=\"0x400001370002\"";
	char series[1024];
#define AT(fmt, ...)                                                           \
	(snprintf(series, sizeof(series), fmt, __VA_ARGS__),                   \
	 sample(doc, series))
	/* What changes, the TSIH and the state, only on the info series. */
	ck_assert_double_eq(
	    AT("iscsiwatch_session_info{%s,tsih=\"256\",state=\"OK\"}", lab),
	    1);
	ck_assert_int_eq(lines_starting(doc, "iscsiwatch_session_info{"), 1);
	ck_assert_int_eq(
	    lines_starting(doc, "# TYPE iscsiwatch_session_info gauge"), 1);
	ck_assert_double_eq(
	    AT("iscsiwatch_session_commands_total{%s,op=\"read\"}", lab), 3);
	ck_assert_double_eq(
	    AT("iscsiwatch_session_commands_total{%s,op=\"write\"}", lab), 2);
	ck_assert_double_eq(
	    AT("iscsiwatch_session_bytes_total{%s,direction=\"read\"}", lab),
	    12288);
	ck_assert_double_eq(
	    AT("iscsiwatch_session_errors_total{%s,kind=\"check_condition\"}",
	       lab),
	    1);
	/* The kinds add up to ERRORS (stats.scsi.errors), each counted once. */
	{
		char pre[1024];
		snprintf(pre, sizeof(pre), "iscsiwatch_session_errors_total{%s,",
			 lab);
		double sum = 0;
		unsigned kinds = 0;
		for (const char *p = strstr(doc, pre); p;
		     p = strstr(p + 1, pre)) {
			const char *v = strstr(p, "} ");
			ck_assert_ptr_nonnull(v);
			sum += strtod(v + 2, NULL);
			kinds++;
		}
		ck_assert_uint_eq(kinds, 12);
		ck_assert_double_eq(sum, (double)session_errors(s));
	}
	/* The histogram: cumulative, _count equal to the commands. */
	ck_assert_double_eq(
	    AT("iscsiwatch_session_command_latency_seconds_count{%s}", lab), 5);
	ck_assert_double_eq(
	    AT("iscsiwatch_session_command_latency_seconds_count{%s}", lab),
	    (double)st->scsi_cmds);
	ck_assert_double_eq(AT("iscsiwatch_session_command_latency_seconds_"
			       "bucket{%s,le=\"+Inf\"}",
			       lab),
			    5);
	ck_assert_double_eq(AT("iscsiwatch_session_command_latency_seconds_"
			       "bucket{%s,le=\"0.000002047\"}",
			       lab),
			    1);
	ck_assert_double_eq(AT("iscsiwatch_session_command_latency_seconds_"
			       "bucket{%s,le=\"0.000004095\"}",
			       lab),
			    2);
	ck_assert_double_eq(AT("iscsiwatch_session_command_latency_seconds_"
			       "bucket{%s,le=\"0.001048575\"}",
			       lab),
			    3);
	ck_assert_double_eq(AT("iscsiwatch_session_command_latency_seconds_"
			       "bucket{%s,le=\"2.147483647\"}",
			       lab),
			    4);
	ck_assert_double_eq(AT("iscsiwatch_session_command_latency_seconds_"
			       "bucket{%s,le=\"17.179869183\"}",
			       lab),
			    4);
	ck_assert_double_eq(
	    AT("iscsiwatch_session_command_latency_seconds_sum{%s}", lab),
	    (500 + 3000 + 1000000 + 2000000000.0 + 100000000000.0) / 1e9);
	/* Every bound is an exact bucket edge and counts never go down. */
	const uint64_t *b;
	size_t nb = metrics_latency_bounds(&b);
	double prev = 0;
	for (size_t i = 0; i < nb; i++) {
		ck_assert_uint_eq(scsi_hist_bucket(b[i]) + 1,
				  scsi_hist_bucket(b[i] + 1));
		char le[32];
		snprintf(le, sizeof(le), "%" PRIu64 ".%09" PRIu64,
			 b[i] / 1000000000u, b[i] % 1000000000u);
		for (size_t k = strlen(le);
		     le[k - 1] == '0' && le[k - 2] != '.'; k--)
			le[k - 1] = '\0';
		double v = AT("iscsiwatch_session_command_latency_seconds_"
			      "bucket{%s,le=\"%s\"}",
			      lab, le);
		ck_assert(v >= prev);
		prev = v;
	}
	ck_assert_int_eq(
	    lines_starting(
		doc,
		"# TYPE iscsiwatch_session_command_latency_seconds histogram"),
	    1);
	free(doc);
	free_session(s);
#undef AT
}
END_TEST

START_TEST(test_sensor_series)
{
	struct counters c = {{0}};
	for (int i = 0; i < CTR_MAX; i++)
		c.v[i] = 100 + (uint64_t)i;
	struct session *a = mk_session(1, "iqn.a", "iqn.t");
	struct session *b = mk_session(2, "iqn.a", "iqn.t"); /* same identity */
	a->next = b;
	b->status = ST_ERROR;
	b->fail_class = 2;
	b->fail_detail = 1;
	struct metrics *m = metrics_new();
	ck_assert_ptr_nonnull(m);
	const struct session_listener *l = metrics_listener(m);
	struct sess_event ev = {.kind = "login_failed", .detail = ""};
	l->event(l->user, b, NULL, &ev);
	l->event(l->user, b, NULL, &ev);
	ev.kind = "session_lost"; /* not a login failure */
	l->event(l->user, b, NULL, &ev);
	struct metrics_meta mm = {.counters = &c,
				  .drops = 3,
				  .ifdrops = 4,
				  .iface_failures = 5,
				  .live = true};
	char *doc = metrics_render(m, a, &mm, NULL);
	ck_assert_ptr_nonnull(doc);
	/* Each counter of the X-macro, by itself. */
	for (int i = 0; i < CTR_MAX; i++) {
		char name[96];
		snprintf(name, sizeof(name), "iscsiwatch_%s_total",
			 counter_name((enum counter_id)i));
		ck_assert_double_eq(sample(doc, name), 100 + i);
	}
	ck_assert_double_eq(
	    sample(doc,
		   "iscsiwatch_capture_dropped_packets_total{by=\"kernel\"}"),
	    3);
	ck_assert_double_eq(
	    sample(
		doc,
		"iscsiwatch_capture_dropped_packets_total{by=\"interface\"}"),
	    4);
	ck_assert_double_eq(
	    sample(doc, "iscsiwatch_capture_interface_failures_total"), 5);
	ck_assert_double_eq(sample(doc, "iscsiwatch_sessions{state=\"OK\"}"),
			    1);
	ck_assert_double_eq(sample(doc, "iscsiwatch_sessions{state=\"Error\"}"),
			    1);
	ck_assert_double_eq(
	    sample(doc, "iscsiwatch_sessions{state=\"Degraded\"}"), 0);
	ck_assert_double_eq(
	    sample(doc, "iscsiwatch_login_failures_total{initiator=\"iqn.a\","
			"target=\"iqn.t\",status=\"0x0201\","
			"reason=\"authentication failure\"}"),
	    2);
	/* Two sessions of one identity stay two series (seq). */
	ck_assert_int_eq(
	    lines_starting(doc, "iscsiwatch_session_connections{seq=\"1\","),
	    1);
	ck_assert_int_eq(
	    lines_starting(doc, "iscsiwatch_session_connections{seq=\"2\","),
	    1);
	ck_assert_double_eq(
	    sample(doc, "iscsiwatch_session_info{seq=\"2\",initiator=\"iqn.a\","
			"target=\"iqn.t\",isid=\"0x400001370002\","
			"tsih=\"256\",state=\"Error\"}"),
	    1);
	ck_assert_int_eq(lines_starting(doc, "iscsiwatch_session_info{"), 2);
	/* No SCSI layer: no command series, no histogram. */
	ck_assert_int_eq(
	    lines_starting(doc, "iscsiwatch_session_commands_total{"), 0);
	ck_assert_int_eq(
	    lines_starting(
		doc, "iscsiwatch_session_command_latency_seconds_bucket{"),
	    0);
	free(doc);
	metrics_free(m);
	free_session(a);
	free_session(b);
}
END_TEST

/* The name{labels} of every per-session sample but the info series', one
 * a line, in the order printed (malloc'd). */
static char *session_keys(const char *doc)
{
	static const char pre[] = "iscsiwatch_session_";
	static const char info[] = "iscsiwatch_session_info{";
	char *out = calloc(1, strlen(doc) + 1);
	ck_assert_ptr_nonnull(out);
	size_t n = 0;
	for (const char *p = doc; p && *p;) {
		const char *eol = strchr(p, '\n');
		ck_assert_ptr_nonnull(eol);
		if (strncmp(p, pre, strlen(pre)) == 0 &&
		    strncmp(p, info, strlen(info)) != 0) {
			const char *sp = strstr(p, "} ");
			ck_assert(sp && sp < eol);
			memcpy(out + n, p, (size_t)(sp + 1 - p));
			n += (size_t)(sp + 1 - p);
			out[n++] = '\n';
		}
		p = eol + 1;
	}
	return out;
}

/* A session's life in the table, one render per step: TSIH unknown while
 * its leading login is answered, then known; OK, Degraded, OK again, Lost
 * Comm, Stopped. Every counter, gauge and histogram series keeps exactly
 * its label set (a label that changes would end the series and start a
 * new one with the whole count: label churn); only the info series'
 * labels follow the changes, one info series per session throughout. */
START_TEST(test_labels_stable)
{
	struct session *s = mk_session(42, "iqn.i", "iqn.t");
	s->tsih_known = false;
	s->tsih = 0;
	s->status = ST_STARTING;
	s->scsi = scsi_sess_new();
	ck_assert_ptr_nonnull(s->scsi);
	static const struct {
		bool tsih_known;
		enum sess_status st;
		const char *info;
	} step[] = {
	    {false, ST_STARTING, "tsih=\"\",state=\"Starting\""},
	    {true, ST_OK, "tsih=\"256\",state=\"OK\""},
	    {true, ST_DEGRADED, "tsih=\"256\",state=\"Degraded\""},
	    {true, ST_OK, "tsih=\"256\",state=\"OK\""},
	    {true, ST_LOST, "tsih=\"256\",state=\"Lost Comm\""},
	    {true, ST_STOPPED, "tsih=\"256\",state=\"Stopped\""},
	};
	const char *id = "seq=\"42\",initiator=\"iqn.i\",target=\"iqn.t\","
			 "isid=\"0x400001370002\"";
	char *first = NULL;
	for (size_t i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
		s->tsih_known = step[i].tsih_known;
		s->tsih = step[i].tsih_known ? 0x100 : 0;
		s->status = step[i].st;
		/* The values move on; the keys must not. */
		s->scsi->stats.reads += 10;
		s->scsi->stats.bytes_read += 4096;
		scsi_hist_add(&s->scsi->stats.latency, 1000u * (i + 1));
		s->counts.rejects += i;
		char *doc =
		    metrics_render(NULL, s, &(struct metrics_meta){0}, NULL);
		ck_assert_ptr_nonnull(doc);
		char info[512];
		snprintf(info, sizeof(info), "iscsiwatch_session_info{%s,%s}",
			 id, step[i].info);
		ck_assert_double_eq(sample(doc, info), 1);
		ck_assert_int_eq(
		    lines_starting(doc, "iscsiwatch_session_info{"), 1);
		char *keys = session_keys(doc);
		/* connections 1, commands 3, bytes 2, latency 24 bounds +
		 * +Inf + _sum + _count, errors 12 */
		int nkeys = 0;
		for (const char *k = keys; (k = strchr(k, '\n')); k++)
			nkeys++;
		ck_assert_int_eq(nkeys, 1 + 3 + 2 + 27 + 12);
		ck_assert_ptr_null(strstr(keys, "tsih="));
		ck_assert_ptr_null(strstr(keys, "state="));
		for (const char *k = keys; *k; k = strchr(k, '\n') + 1)
			ck_assert_msg(strstr(k, id) == strchr(k, '{') + 1,
				      "series without the identity: %.80s", k);
		if (!first)
			first = keys;
		else {
			ck_assert_str_eq(keys, first);
			free(keys);
		}
		free(doc);
	}
	free(first);
	free_session(s);
}
END_TEST

/* Past METRICS_FAIL_KEYS_MAX distinct keys, failures still count, by
 * status alone, and the table stops growing. */
START_TEST(test_fail_cap)
{
	struct metrics *m = metrics_new();
	const struct session_listener *l = metrics_listener(m);
	struct session *s = mk_session(1, "", "iqn.t");
	s->fail_class = 2;
	s->fail_detail = 3;
	struct sess_event ev = {.kind = "login_failed", .detail = ""};
	for (unsigned i = 0; i < METRICS_FAIL_KEYS_MAX + 5; i++) {
		char iname[32];
		snprintf(iname, sizeof(iname), "iqn.i%u", i);
		session_name_set(&s->initiator_name, iname);
		l->event(l->user, s, NULL, &ev);
	}
	char *doc = metrics_render(m, NULL, &(struct metrics_meta){0}, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(
	    lines_starting(doc, "iscsiwatch_login_failures_total{"),
	    METRICS_FAIL_KEYS_MAX + 1);
	ck_assert_double_eq(
	    sample(doc, "iscsiwatch_login_failures_total{initiator=\"(other)\","
			"target=\"(other)\",status=\"0x0203\","
			"reason=\"target not found\"}"),
	    5);
	free(doc);
	metrics_free(m);
	free_session(s);
}
END_TEST

/* Retention's per-pair summaries: one sample per pair in each family,
 * the catch-all as "(other)", times as exact Unix seconds, names escaped;
 * and no family at all while nothing was folded. */
START_TEST(test_summaries)
{
	char ini[] = "iqn.i\"1", tgt[] = "iqn.t1";
	struct sess_summary other = {
	    .other = true, .sessions = 4, .logins = 1, .failures = 3,
	    .first_ns = 1000000000ull, .last_ns = 2500000000ull};
	struct sess_summary pair = {
	    .next = &other, .initiator_name = ini, .target_name = tgt,
	    .sessions = 7, .logins = 6, .failures = 2,
	    .first_ns = 1795000000123456789ull, .last_ns = 1795000100000000000ull};
	struct metrics_meta mm = {.summaries = &pair};
	char *doc = metrics_render(NULL, NULL, &mm, NULL);
	ck_assert_ptr_nonnull(doc);
	const char *lp = "{initiator=\"iqn.i\\\"1\",target=\"iqn.t1\"}";
	const char *lo = "{initiator=\"(other)\",target=\"(other)\"}";
	char k[256];
	static const struct {
		const char *name;
		double pair, other;
	} v[] = {
	    {"iscsiwatch_folded_sessions_total", 7, 4},
	    {"iscsiwatch_folded_logins_total", 6, 1},
	    {"iscsiwatch_folded_login_failures_total", 2, 3},
	    {"iscsiwatch_folded_first_seen_timestamp_seconds", 1795000000.123456789, 1},
	    {"iscsiwatch_folded_last_seen_timestamp_seconds", 1795000100, 2.5},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(k, sizeof(k), "%s%s", v[i].name, lp);
		ck_assert_double_eq_tol(sample(doc, k), v[i].pair, 1e-6);
		snprintf(k, sizeof(k), "%s%s", v[i].name, lo);
		ck_assert_double_eq_tol(sample(doc, k), v[i].other, 1e-6);
		snprintf(k, sizeof(k), "%s{", v[i].name);
		ck_assert_int_eq(lines_starting(doc, k), 2);
	}
	ck_assert_ptr_nonnull(strstr(
	    doc, "iscsiwatch_folded_first_seen_timestamp_seconds{initiator="
		 "\"iqn.i\\\"1\",target=\"iqn.t1\"} 1795000000.123456789\n"));
	free(doc);
	mm.summaries = NULL;
	doc = metrics_render(NULL, NULL, &mm, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_ptr_null(strstr(doc, "iscsiwatch_folded_"));
	free(doc);
}
END_TEST

Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_session_series);
	tcase_add_test(tc, test_sensor_series);
	tcase_add_test(tc, test_summaries);
	tcase_add_test(tc, test_labels_stable);
	suite_add_tcase(s, tc);
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_fail_cap);
	suite_add_tcase(s, lim);
	return s;
}
