/* metrics.c - the Prometheus text exposition (format 0.0.4) of the
 * sensor's counters and of every session in the table (metrics.h).
 *
 * Rendered on request into a memory stream; nothing is kept between two
 * renders except the login-failure tally, which must be a counter that
 * only grows even when a failed session leaves the table.
 */
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"
#include "login.h"
#include "scsi.h"
#include "textsafe.h"

/* ---- login failures, tallied as they happen ---- */

struct fail_key {
	char initiator[NEG_STR_MAX];
	char target[NEG_STR_MAX];
	uint8_t cls, detail;
	uint64_t count;
};

struct metrics {
	struct fail_key *keys;
	size_t nkeys, alloc;
	struct fail_key other[32]; /* past the cap: by status only */
	size_t nother;
	struct session_listener listener;
};

static struct fail_key *fail_find(struct metrics *m, const char *ini,
				  const char *tgt, uint8_t cls, uint8_t detail)
{
	for (size_t i = 0; i < m->nkeys; i++) {
		struct fail_key *k = &m->keys[i];
		if (k->cls == cls && k->detail == detail &&
		    strcmp(k->initiator, ini) == 0 &&
		    strcmp(k->target, tgt) == 0)
			return k;
	}
	if (m->nkeys >= METRICS_FAIL_KEYS_MAX)
		return NULL;
	if (m->nkeys == m->alloc) {
		size_t n = m->alloc ? m->alloc * 2 : 16;
		struct fail_key *k = realloc(m->keys, n * sizeof(*k));
		if (!k)
			return NULL;
		m->keys = k;
		m->alloc = n;
	}
	struct fail_key *k = &m->keys[m->nkeys++];
	memset(k, 0, sizeof(*k));
	snprintf(k->initiator, sizeof(k->initiator), "%s", ini);
	snprintf(k->target, sizeof(k->target), "%s", tgt);
	k->cls = cls;
	k->detail = detail;
	return k;
}

/* Past METRICS_FAIL_KEYS_MAX (or out of memory): counted by status
 * alone; the last slot takes every status beyond the table. */
static struct fail_key *other_find(struct metrics *m, uint8_t cls,
				   uint8_t detail)
{
	const size_t max = sizeof(m->other) / sizeof(m->other[0]);
	for (size_t i = 0; i < m->nother; i++)
		if (m->other[i].cls == cls && m->other[i].detail == detail)
			return &m->other[i];
	if (m->nother == max)
		return &m->other[max - 1];
	struct fail_key *k = &m->other[m->nother++];
	k->cls = cls;
	k->detail = detail;
	return k;
}

static void metrics_event(void *user, const struct session *s,
			  const struct sconn *c, const struct sess_event *ev)
{
	struct metrics *m = user;
	(void)c;
	/* The leading login's failure (session.c "login_failed"); the
	 * status is on the session by then. */
	if (!ev->kind || strcmp(ev->kind, "login_failed") != 0)
		return;
	struct fail_key *k = fail_find(m, s->initiator_name, s->target_name,
				       s->fail_class, s->fail_detail);
	if (!k)
		k = other_find(m, s->fail_class, s->fail_detail);
	k->count++;
}

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->listener.user = m;
	m->listener.event = metrics_event;
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m);
}

const struct session_listener *metrics_listener(struct metrics *m)
{
	return &m->listener;
}

/* ---- the format ---- */

/* Nanoseconds as exact decimal seconds ("0.000002047", "17.179869183"). */
static void put_seconds(FILE *fp, uint64_t ns)
{
	char frac[16];
	snprintf(frac, sizeof(frac), "%09" PRIu64, ns % 1000000000u);
	size_t n = strlen(frac);
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = '\0';
	fprintf(fp, "%" PRIu64 ".%s", ns / 1000000000u, frac);
}

static void put_help(FILE *fp, const char *name, const char *type,
		     const char *help)
{
	fprintf(fp, "# HELP %s ", name);
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", fp);
		else if (*p == '\n')
			fputs("\\n", fp);
		else
			fputc(*p, fp);
	}
	fprintf(fp, "\n# TYPE %s %s\n", name, type);
}

/* One octave per bucket: the last sub-bucket of each power of two from
 * 2^10 ns up to 2^33 ns, i.e. le from about 2 us to about 17 s. */
#define LAT_FIRST_OCTAVE 10u
#define LAT_OCTAVES 24u
static uint64_t lat_bounds[LAT_OCTAVES];
static unsigned lat_bucket[LAT_OCTAVES]; /* the scsi.h bucket it closes */

size_t metrics_latency_bounds(const uint64_t **bounds)
{
	if (!lat_bounds[0]) {
		for (unsigned i = 0; i < LAT_OCTAVES; i++) {
			unsigned b =
			    (LAT_FIRST_OCTAVE - SCSI_HIST_MIN_SHIFT + i) *
				SCSI_HIST_SUB +
			    SCSI_HIST_SUB - 1;
			lat_bucket[i] = b;
			lat_bounds[i] = scsi_hist_upper(b);
		}
	}
	*bounds = lat_bounds;
	return LAT_OCTAVES;
}

/* ---- sensor series ---- */

static void render_sensor(FILE *fp, const struct metrics_meta *mm,
			  const struct session *first)
{
	char name[96];
	if (mm->version) {
		put_help(fp, "iscsiwatch_build_info", "gauge",
			 "The running iscsiwatch version (value 1).");
		char v[64];
		ts_escape(TS_PROM, mm->version, strlen(mm->version), v,
			  sizeof(v));
		fprintf(fp, "iscsiwatch_build_info{version=\"%s\"} 1\n", v);
	}
	for (int i = 0; i < CTR_MAX; i++) {
		snprintf(name, sizeof(name), "iscsiwatch_%s_total",
			 counter_name((enum counter_id)i));
		put_help(fp, name, "counter", counter_text((enum counter_id)i));
		fprintf(fp, "%s %" PRIu64 "\n", name,
			mm->counters ? mm->counters->v[i] : 0);
	}
	put_help(fp, "iscsiwatch_capture_dropped_packets_total", "counter",
		 "Packets the capture lost before iscsiwatch saw them "
		 "(pcap_stats: by the kernel buffer, by the interface).");
	fprintf(
	    fp,
	    "iscsiwatch_capture_dropped_packets_total{by=\"kernel\"} %" PRIu64
	    "\n"
	    "iscsiwatch_capture_dropped_packets_total{by=\"interface\"} "
	    "%" PRIu64 "\n",
	    mm->drops, mm->ifdrops);
	put_help(fp, "iscsiwatch_capture_interface_failures_total", "counter",
		 "Reads of a live interface that failed (removed, driver "
		 "reset); each interface is then opened again.");
	fprintf(fp, "iscsiwatch_capture_interface_failures_total %" PRIu64 "\n",
		mm->iface_failures);
	put_help(fp, "iscsiwatch_sessions", "gauge",
		 "Sessions in the table by state (CIM Status).");
	uint64_t by[ST_ERROR + 1] = {0};
	for (const struct session *s = first; s; s = s->next)
		if ((unsigned)s->status <= ST_ERROR)
			by[s->status]++;
	for (int st = 0; st <= ST_ERROR; st++)
		fprintf(fp, "iscsiwatch_sessions{state=\"%s\"} %" PRIu64 "\n",
			cim_status_word((enum sess_status)st), by[st]);
}

static void render_fail(FILE *fp, const struct fail_key *k, const char *ini,
			const char *tgt)
{
	char i[3 * NEG_STR_MAX + 8], t[3 * NEG_STR_MAX + 8], why[160];
	ts_escape(TS_PROM, ini, strlen(ini), i, sizeof(i));
	ts_escape(TS_PROM, tgt, strlen(tgt), t, sizeof(t));
	const char *r = iscsi_login_status_str(k->cls, k->detail);
	ts_escape(TS_PROM, r, strlen(r), why, sizeof(why));
	fprintf(
	    fp,
	    "iscsiwatch_login_failures_total{initiator=\"%s\",target=\"%s\","
	    "status=\"0x%02x%02x\",reason=\"%s\"} %" PRIu64 "\n",
	    i, t, k->cls, k->detail, why, k->count);
}

static void render_failures(FILE *fp, const struct metrics *m)
{
	put_help(fp, "iscsiwatch_login_failures_total", "counter",
		 "Leading logins that failed, by initiator, target and "
		 "Status-Class/Status-Detail (RFC 7143 11.13.5).");
	if (!m)
		return;
	for (size_t i = 0; i < m->nkeys; i++)
		render_fail(fp, &m->keys[i], m->keys[i].initiator,
			    m->keys[i].target);
	for (size_t i = 0; i < m->nother; i++)
		render_fail(fp, &m->other[i], "(other)", "(other)");
}

/* ---- what retention folded, per (initiator, target) pair ---- */

enum sum_family { SF_SESSIONS, SF_LOGINS, SF_FAILURES, SF_FIRST, SF_LAST, SF_MAX };

static const struct {
	const char *name, *type, *help;
} sum_families[SF_MAX] = {
    [SF_SESSIONS] = {"iscsiwatch_folded_sessions_total", "counter",
		     "Ended sessions retention folded into the summary of "
		     "their initiator and target (--keep-ended)."},
    [SF_LOGINS] = {"iscsiwatch_folded_logins_total", "counter",
		   "Folded sessions whose leading login was seen."},
    [SF_FAILURES] = {"iscsiwatch_folded_login_failures_total", "counter",
		     "Folded sessions ended by a failed or abandoned login."},
    [SF_FIRST] = {"iscsiwatch_folded_first_seen_timestamp_seconds", "gauge",
		  "Earliest start among the folded sessions (Unix time)."},
    [SF_LAST] = {"iscsiwatch_folded_last_seen_timestamp_seconds", "gauge",
		 "Latest end among the folded sessions (Unix time)."},
};

/* Nothing at all while nothing was folded: the exposition of a sensor
 * without retention stays as it was. */
static void render_summaries(FILE *fp, const struct sess_summary *first)
{
	if (!first)
		return;
	char i[3 * NEG_STR_MAX + 8], t[3 * NEG_STR_MAX + 8];
	for (int f = 0; f < SF_MAX; f++) {
		put_help(fp, sum_families[f].name, sum_families[f].type,
			 sum_families[f].help);
		for (const struct sess_summary *m = first; m; m = m->next) {
			const char *ini = m->other || !m->initiator_name
					      ? "(other)"
					      : m->initiator_name;
			const char *tgt = m->other || !m->target_name
					      ? "(other)"
					      : m->target_name;
			ts_escape(TS_PROM, ini, strlen(ini), i, sizeof(i));
			ts_escape(TS_PROM, tgt, strlen(tgt), t, sizeof(t));
			fprintf(fp, "%s{initiator=\"%s\",target=\"%s\"} ",
				sum_families[f].name, i, t);
			switch ((enum sum_family)f) {
			case SF_SESSIONS:
				fprintf(fp, "%" PRIu64 "\n", m->sessions);
				break;
			case SF_LOGINS:
				fprintf(fp, "%" PRIu64 "\n", m->logins);
				break;
			case SF_FAILURES:
				fprintf(fp, "%" PRIu64 "\n", m->failures);
				break;
			case SF_FIRST:
				put_seconds(fp, m->first_ns);
				fputc('\n', fp);
				break;
			case SF_LAST:
				put_seconds(fp, m->last_ns);
				fputc('\n', fp);
				break;
			case SF_MAX:
				break;
			}
		}
	}
}

/* ---- per-session series ---- */

/* A label whose value changes ends the series and starts another holding
 * the whole accumulated count: rate() and increase() across the change
 * are wrong, and while the old series is still in a range both are summed.
 * So a session's series carry only what names it for its whole life in
 * the table: seq, the unique key, and initiator, target and isid, which
 * the login that made the session sets once (session_login_begin; a
 * session found without a captured login keeps them empty and never
 * learns them). What changes, the TSIH (known once the leading login is
 * answered) and the state, is on iscsiwatch_session_info alone, to be
 * joined on seq (docs/deploy.md). */
struct slabels {
	char s[8 * NEG_STR_MAX];
};

static void session_labels(const struct session *s, struct slabels *l)
{
	char ini[3 * NEG_STR_MAX + 8], tgt[3 * NEG_STR_MAX + 8], isid[16] = "";
	ts_escape(TS_PROM, s->initiator_name, strlen(s->initiator_name), ini,
		  sizeof(ini));
	ts_escape(TS_PROM, s->target_name, strlen(s->target_name), tgt,
		  sizeof(tgt));
	if (s->isid_known)
		snprintf(isid, sizeof(isid), "0x%02x%02x%02x%02x%02x%02x",
			 s->isid[0], s->isid[1], s->isid[2], s->isid[3],
			 s->isid[4], s->isid[5]);
	snprintf(l->s, sizeof(l->s),
		 "seq=\"%" PRIu64 "\",initiator=\"%s\",target=\"%s\","
		 "isid=\"%s\"",
		 s->seq, ini, tgt, isid);
}

/* Each family is written for every session before the next family:
 * the format wants a metric's samples together under one TYPE line. */
enum family {
	F_INFO,
	F_CONNECTIONS,
	F_COMMANDS,
	F_BYTES,
	F_LATENCY,
	F_ERRORS,
	F_MAX
};

static const struct {
	const char *name, *type, *help;
} families[F_MAX] = {
    [F_INFO] = {"iscsiwatch_session_info", "gauge",
		"The session's TSIH and state (CIM Status), which change "
		"over its life (value 1): join on seq."},
    [F_CONNECTIONS] = {"iscsiwatch_session_connections", "gauge",
		       "Connections of the session in full feature phase."},
    [F_COMMANDS] =
	{"iscsiwatch_session_commands_total", "counter",
	 "SCSI commands of the session by kind (read, write, other)."},
    [F_BYTES] = {"iscsiwatch_session_bytes_total", "counter",
		 "Data of READ and WRITE commands (direction read or write)."},
    [F_LATENCY] = {"iscsiwatch_session_command_latency_seconds", "histogram",
		   "SCSI command to completion time (capture time stamps)."},
    [F_ERRORS] = {"iscsiwatch_session_errors_total", "counter",
		  "Errors of the session by kind."},
};

static void render_info(FILE *fp, const char *lab, const struct session *s)
{
	char tsih[8] = "";
	if (s->tsih_known)
		snprintf(tsih, sizeof(tsih), "%u", s->tsih);
	fprintf(fp, "%s{%s,tsih=\"%s\",state=\"%s\"} 1\n",
		families[F_INFO].name, lab, tsih, cim_status_word(s->status));
}

static void render_latency(FILE *fp, const char *lab, const struct scsi_hist *h)
{
	const uint64_t *bounds;
	size_t n = metrics_latency_bounds(&bounds);
	uint64_t cum = 0;
	unsigned next = 0;
	for (size_t i = 0; i < n; i++) {
		for (; next <= lat_bucket[i]; next++)
			cum += scsi_hist_at(h, next);
		fprintf(fp, "%s_bucket{%s,le=\"", families[F_LATENCY].name,
			lab);
		put_seconds(fp, bounds[i]);
		fprintf(fp, "\"} %" PRIu64 "\n", cum);
	}
	fprintf(fp, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n",
		families[F_LATENCY].name, lab, h->count);
	fprintf(fp, "%s_sum{%s} ", families[F_LATENCY].name, lab);
	put_seconds(fp, h->sum_ns);
	fprintf(fp, "\n%s_count{%s} %" PRIu64 "\n", families[F_LATENCY].name,
		lab, h->count);
}

/* The kinds add up to the session's ERRORS (scsi_stats_errors(), JSON
 * stats.scsi.errors): one meaning per word in the table, the UI, the
 * JSON and here (docs/output.md). */
static void render_errors(FILE *fp, const char *lab, const struct session *s)
{
	static const struct scsi_stats none;
	const struct scsi_stats *st = s->scsi ? &s->scsi->stats : &none;
	const struct {
		const char *kind;
		uint64_t v;
	} e[] = {
	    {"header_digest", s->counts.hdigest_errors},
	    {"data_digest", s->counts.ddigest_errors},
	    {"reject", s->counts.rejects},
	    {"check_condition", st->check_conditions},
	    {"busy", st->busy},
	    {"reservation_conflict", st->reservation_conflicts},
	    {"task_set_full", st->task_set_full},
	    {"other_status", st->other_status},
	    {"target_failure", st->target_failures},
	    {"format_error", s->counts.format_errors},
	    {"aged_out", st->aged_out},
	    {"connection_timeout", s->counts.conn_timeout_errors},
	};
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		fprintf(fp, "%s{%s,kind=\"%s\"} %" PRIu64 "\n",
			families[F_ERRORS].name, lab, e[i].kind, e[i].v);
}

static void render_family(FILE *fp, enum family f, const char *lab,
			  const struct session *s)
{
	/* A session that spoke has (zero) commands, bytes and latency; an
	 * idle one has no SCSI state of its own (scsi.h), so zeros. */
	static const struct scsi_stats none;
	const struct scsi_stats *st =
	    s->scsi ? &s->scsi->stats
	    : (s->counts.pdus[0] || s->counts.pdus[1]) ? &none
						       : NULL;
	const char *n = families[f].name;
	switch (f) {
	case F_INFO:
		render_info(fp, lab, s);
		break;
	case F_CONNECTIONS:
		fprintf(fp, "%s{%s} %u\n", n, lab,
			session_current_connections(s));
		break;
	case F_COMMANDS:
		if (!st)
			break;
		fprintf(fp,
			"%s{%s,op=\"read\"} %" PRIu64 "\n"
			"%s{%s,op=\"write\"} %" PRIu64 "\n"
			"%s{%s,op=\"other\"} %" PRIu64 "\n",
			n, lab, st->reads, n, lab, st->writes, n, lab,
			st->others);
		break;
	case F_BYTES:
		if (!st)
			break;
		fprintf(fp,
			"%s{%s,direction=\"read\"} %" PRIu64 "\n"
			"%s{%s,direction=\"write\"} %" PRIu64 "\n",
			n, lab, st->bytes_read, n, lab, st->bytes_written);
		break;
	case F_LATENCY:
		if (st)
			render_latency(fp, lab, &st->latency);
		break;
	case F_ERRORS:
		render_errors(fp, lab, s);
		break;
	case F_MAX:
		break;
	}
}

char *metrics_render(const struct metrics *m, const struct session *first,
		     const struct metrics_meta *mm, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);
	if (!fp)
		return NULL;
	render_sensor(fp, mm, first);
	render_failures(fp, m);
	render_summaries(fp, mm->summaries);
	struct slabels *lab = malloc(sizeof(*lab));
	if (!lab) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	for (int f = 0; f < F_MAX; f++) {
		put_help(fp, families[f].name, families[f].type,
			 families[f].help);
		for (const struct session *s = first; s; s = s->next) {
			session_labels(s, lab);
			render_family(fp, (enum family)f, lab->s, s);
		}
	}
	free(lab);
	if (ferror(fp)) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	if (fclose(fp) != 0) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}
