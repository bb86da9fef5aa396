/* export_html.c - the offline report (--html FILE, docs/output.md): one
 * self-contained HTML page with the session table, a timeline of the
 * sessions and their connections with every recorded event, and a
 * latency histogram per session, drawn as inline SVG.
 *
 * Self-contained: no script, no external style sheet, font or image, so
 * opening the page fetches nothing. Deterministic like every export:
 * only capture times are printed.
 *
 * Every wire string (names, aliases, event details) goes through
 * textsafe.h's TS_HTML style: invalid UTF-8 becomes U+FFFD, markup
 * characters become entities, and characters that would act on the
 * reader's view - C0/C1 controls, bidirectional overrides - are shown as
 * \xNN / \uNNNN, as the terminal view does.
 */
#include "export.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "cim.h"
#include "label.h"
#include "scsi.h"
#include "textsafe.h"

/* ---- values ---- */

static const char *state_class(enum sess_status st)
{
	switch (st) {
	case ST_OK:
		return "ok";
	case ST_STARTING:
	case ST_DEGRADED:
	case ST_STOPPING:
		return "warn";
	case ST_LOST:
	case ST_ERROR:
		return "fail";
	case ST_STOPPED:
		return "ended";
	}
	return "ended";
}

static bool event_is_failure(const char *kind)
{
	static const char *const bad[] = {"fail", "lost",   "abandon", "error",
					  "reject", "digest", "loss",    "gap"};
	for (size_t i = 0; kind && i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(kind, bad[i]))
			return true;
	return false;
}

static void put_bytes(FILE *fp, uint64_t v)
{
	static const char unit[] = "kMGTP";
	if (v < 1000) {
		fprintf(fp, "%" PRIu64 " B", v);
		return;
	}
	double d = (double)v / 1000.0;
	size_t i = 0;
	while (d >= 1000.0 && i + 1 < sizeof(unit) - 1) {
		d /= 1000.0;
		i++;
	}
	fprintf(fp, "%.1f %cB", d, unit[i]);
}

static void put_ns(FILE *fp, uint64_t ns)
{
	if (ns < 1000)
		fprintf(fp, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		fprintf(fp, "%.1f &#181;s", (double)ns / 1e3);
	else if (ns < 1000000000)
		fprintf(fp, "%.1f ms", (double)ns / 1e6);
	else
		fprintf(fp, "%.2f s", (double)ns / 1e9);
}

static void put_time(FILE *fp, uint64_t ns)
{
	char b[CIM_TIME_BUF];
	fputs(ns ? cim_time_rfc3339(ns, b, sizeof(b)) : "-", fp);
}

static const struct scsi_stats *stats_of(const struct session *s)
{
	return s->scsi ? &s->scsi->stats : NULL;
}

/* When a session stopped being live, or 0 while it still is. */
static uint64_t session_end_ns(const struct session *s)
{
	return s->status == ST_STOPPED || s->status == ST_ERROR ? s->state_ns
								: 0;
}

/* The VLANs and tunnels s was seen in (its leading connection's, as
 * the detail view says), "" when bare: two tenants reusing addresses,
 * ports and names differ only there. */
static const char *session_path(const struct session *s, char *buf,
				size_t len)
{
	const struct sconn *c = session_leading_conn(s);
	if (!c)
		c = s->conns;
	buf[0] = '\0';
	if (c)
		label_path(&c->outer, buf, len);
	return buf;
}

/* ---- the page ---- */

static const char STYLE[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;"
    "background:#fff}\n"
    "h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.4em 0 "
    ".5em}\n"
    "table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px "
    "solid #ddd;text-align:left;vertical-align:top}\n"
    "th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:"
    "tabular-nums}td.n,td.t{white-space:nowrap}\n"
    ".name{font-family:monospace;overflow-wrap:anywhere;max-width:30em}\n"
    ".ok{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e;font-weight:"
    "bold}.ended{color:#666}\n"
    "svg{background:#fafafa;border:1px solid #ddd}\n"
    "svg text{font:11px sans-serif;fill:#333}\n"
    ".bar-ok{fill:#2da44e}.bar-warn{fill:#d4a72c}.bar-fail{fill:#cf222e}"
    ".bar-ended{fill:#8c959f}.conn{fill:#57606a}\n"
    ".ev{fill:#0969da}.ev-bad{fill:#cf222e}.hist{fill:#0969da}\n"
    ".meta{color:#555}section.sess{margin:1em 0;padding-top:.3em;"
    "border-top:1px solid #ddd}\n"
    "details{margin:.4em 0}\n";

static void head(FILE *fp, const struct export_meta *m, size_t n)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" "
	      "content=\"default-src 'none'; style-src 'unsafe-inline'; "
	      "img-src data:\">\n"
	      "<title>iscsiwatch report</title>\n<style>\n",
	      fp);
	fputs(STYLE, fp);
	fputs("</style>\n</head>\n<body>\n<h1>iscsiwatch report</h1>\n"
	      "<p class=\"meta\">",
	      fp);
	fprintf(fp, "iscsiwatch %s, perspective %s, %zu session%s from ",
		m->version ? m->version : "?",
		m->perspective == PERSP_INITIATOR ? "initiator" : "target", n,
		n == 1 ? "" : "s");
	for (size_t i = 0; i < m->nsources; i++) {
		if (i)
			fputs(", ", fp);
		fputs("<code>", fp);
		ts_fputs(TS_HTML, fp, m->sources[i]);
		fputs("</code>", fp);
	}
	if (!m->nsources)
		fputs("(no source)", fp);
	fputs("<br>capture ", fp);
	put_time(fp, m->first_ns);
	fputs(" to ", fp);
	put_time(fp, m->last_ns);
	if (m->drops || m->ifdrops)
		fprintf(fp, "; the capture dropped %" PRIu64 " + %" PRIu64
			    " packets",
			m->drops, m->ifdrops);
	fputs("</p>\n", fp);
}

/* A name, and under it the path it was seen in when there is one
 * (label_path: plain ASCII, nothing to escape). */
static void name_cell(FILE *fp, const char *name, const char *path)
{
	fputs("<td class=\"name\">", fp);
	if (name && name[0])
		ts_fputs(TS_HTML, fp, name);
	else
		fputs("?", fp);
	if (path[0])
		fprintf(fp, "<br><span class=\"meta path\">seen in %s</span>",
			path);
	fputs("</td>", fp);
}

static void session_row(FILE *fp, const struct session *s)
{
	char reason[LABEL_REASON_MAX];
	const struct scsi_stats *st = stats_of(s);
	fprintf(fp, "<tr class=\"session\" id=\"row-%" PRIu64 "\"><td class=\"n\">"
		    "<a href=\"#s-%" PRIu64 "\">%" PRIu64 "</a></td>",
		s->seq, s->seq, s->seq);
	char path[LABEL_PATH_MAX];
	name_cell(fp, s->initiator_name, session_path(s, path, sizeof(path)));
	name_cell(fp, s->target_name[0] ? s->target_name
			  : s->session_type == NEG_SESSION_DISCOVERY
			      ? "(discovery)"
			      : NULL,
		  "");
	fprintf(fp, "<td>%s</td>",
		s->session_type == NEG_SESSION_DISCOVERY ? "Discovery"
		: s->session_type == NEG_SESSION_NORMAL	  ? "Normal"
							  : "?");
	fprintf(fp, "<td class=\"%s\">%s</td><td class=\"%s\">%s</td>",
		state_class(s->status), cim_status_word(s->status),
		state_class(s->status), label_reason(s, reason, sizeof(reason)));
	fprintf(fp, "<td class=\"n\">%u</td><td class=\"t\">", s->nconns);
	put_time(fp, s->install_ns);
	fputs("</td><td class=\"n\">", fp);
	uint64_t end = session_end_ns(s);
	if (end > s->install_ns)
		put_ns(fp, end - s->install_ns);
	else
		fputs(end ? "0" : "open", fp);
	fprintf(fp, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">",
		st ? st->scsi_cmds : 0);
	put_bytes(fp, st ? st->bytes_read : 0);
	fputs("</td><td class=\"n\">", fp);
	put_bytes(fp, st ? st->bytes_written : 0);
	fputs("</td><td class=\"n\">", fp);
	if (st && st->latency.count)
		put_ns(fp, scsi_hist_percentile(&st->latency, 50));
	else
		fputs("-", fp);
	fputs("</td><td class=\"n\">", fp);
	if (st && st->latency.count)
		put_ns(fp, scsi_hist_percentile(&st->latency, 99));
	else
		fputs("-", fp);
	fputs("</td></tr>\n", fp);
}

static void session_table(FILE *fp, const struct session *first)
{
	fputs("<h2>Sessions</h2>\n<table id=\"sessions\">\n<thead><tr>"
	      "<th>#</th><th>Initiator</th><th>Target</th><th>Type</th>"
	      "<th>State</th><th>Reason</th><th>Conns</th><th>Started</th>"
	      "<th>Lasted</th><th>Commands</th><th>Read</th><th>Written</th>"
	      "<th>p50</th><th>p99</th></tr></thead>\n<tbody>\n",
	      fp);
	for (const struct session *s = first; s; s = s->next)
		session_row(fp, s);
	fputs("</tbody>\n</table>\n", fp);
}

/* ---- the timeline ---- */

#define TL_W 1100
#define TL_LABEL 300
#define TL_PLOT (TL_W - TL_LABEL - 20)
#define TL_LANE 20
#define TL_CONN 9

struct span {
	uint64_t t0, t1;
};

static double tl_x(const struct span *sp, uint64_t t)
{
	if (t < sp->t0)
		t = sp->t0;
	if (t > sp->t1)
		t = sp->t1;
	return TL_LABEL + (double)(t - sp->t0) / (double)(sp->t1 - sp->t0) *
			      TL_PLOT;
}

static struct span tl_span(const struct session *first,
			   const struct export_meta *m)
{
	struct span sp = {m->first_ns, m->last_ns};
	for (const struct session *s = first; s; s = s->next) {
		if (s->install_ns && (!sp.t0 || s->install_ns < sp.t0))
			sp.t0 = s->install_ns;
		if (s->state_ns > sp.t1)
			sp.t1 = s->state_ns;
	}
	if (sp.t1 <= sp.t0)
		sp.t1 = sp.t0 + 1;
	return sp;
}

static void tl_axis(FILE *fp, const struct span *sp, unsigned y)
{
	for (int i = 0; i <= 5; i++) {
		uint64_t t = sp->t0 + (sp->t1 - sp->t0) / 5 * (uint64_t)i;
		double x = tl_x(sp, t);
		fprintf(fp,
			"<line x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"%u\" "
			"stroke=\"#ddd\"/><text x=\"%.1f\" y=\"11\" "
			"text-anchor=\"middle\">+",
			x, x, y, x);
		put_ns(fp, t - sp->t0);
		fputs("</text>\n", fp);
	}
}

static void tl_event(FILE *fp, const struct span *sp,
		     const struct sess_event *ev, unsigned y)
{
	fprintf(fp, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%u\" r=\"4\">"
		    "<title>",
		event_is_failure(ev->kind) ? "ev-bad" : "ev", tl_x(sp, ev->ts_ns),
		y);
	put_time(fp, ev->ts_ns);
	fputc(' ', fp);
	ts_fputs(TS_HTML, fp, ev->kind);
	fputs(": ", fp);
	ts_fputs(TS_HTML, fp, ev->detail);
	fputs("</title></circle>\n", fp);
}

static unsigned tl_session(FILE *fp, const struct span *sp,
			   const struct session *s, unsigned y)
{
	char label[4 * 48];
	label_name(s->initiator_name[0] ? s->initiator_name : "?", 44, false,
		   false, label, sizeof(label));
	fprintf(fp, "<g class=\"lane\" id=\"lane-%" PRIu64 "\"><text x=\"4\" "
		    "y=\"%u\"><title>",
		s->seq, y + 14);
	ts_fputs(TS_HTML, fp, s->initiator_name);
	fputs(" &#8594; ", fp);
	ts_fputs(TS_HTML, fp, s->target_name);
	char path[LABEL_PATH_MAX];
	if (session_path(s, path, sizeof(path))[0])
		fprintf(fp, ", seen in %s", path);
	fputs("</title>", fp);
	ts_fputs(TS_HTML, fp, label);
	fputs("</text>\n", fp);
	uint64_t end = session_end_ns(s);
	double x0 = tl_x(sp, s->install_ns), x1 = tl_x(sp, end ? end : sp->t1);
	char reason[LABEL_REASON_MAX];
	fprintf(fp,
		"<rect class=\"bar-%s\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" "
		"height=\"12\"><title>%s %s</title></rect>\n",
		state_class(s->status), x0, y + 4, x1 - x0 < 2 ? 2 : x1 - x0,
		cim_status_word(s->status),
		label_reason(s, reason, sizeof(reason)));
	unsigned n = s->nevents;
	for (unsigned i = 0; i < n; i++)
		tl_event(fp, sp, session_event_at(s, i), y + 10);
	y += TL_LANE;
	for (const struct sconn *c = s->conns; c; c = c->next) {
		char ie[64], te[64];
		double c0 = tl_x(sp, c->first_ns);
		double c1 = tl_x(sp, c->end_ns ? c->end_ns : sp->t1);
		fprintf(fp,
			"<rect class=\"conn\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" "
			"height=\"5\"><title>CID %u %s - %s",
			c0, y, c1 - c0 < 2 ? 2 : c1 - c0, c->cid,
			cim_ep_str(&c->initiator, ie, sizeof(ie)),
			cim_ep_str(&c->target, te, sizeof(te)));
		if (label_path(&c->outer, path, sizeof(path)))
			fprintf(fp, ", seen in %s", path);
		fputs("</title></rect>\n", fp);
		y += TL_CONN;
	}
	fputs("</g>\n", fp);
	return y + 4;
}

static void timeline(FILE *fp, const struct session *first,
		     const struct export_meta *m)
{
	struct span sp = tl_span(first, m);
	unsigned h = 24;
	for (const struct session *s = first; s; s = s->next)
		h += TL_LANE + 4 + TL_CONN * s->nconns;
	fputs("<h2>Timeline</h2>\n<p class=\"meta\">One lane a session (the "
	      "bar's colour is its state), a thin bar a TCP connection, a dot "
	      "an event (red: a failure); hover for details.</p>\n",
	      fp);
	fprintf(fp,
		"<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\">\n",
		TL_W, h, TL_W, h);
	tl_axis(fp, &sp, h);
	unsigned y = 20;
	for (const struct session *s = first; s; s = s->next)
		y = tl_session(fp, &sp, s, y);
	fputs("</svg>\n", fp);
}

/* ---- per session: latency histogram and events ---- */

#define HI_W 520
#define HI_H 140
#define HI_PAD 30

static void histogram(FILE *fp, const struct scsi_hist *h)
{
	unsigned lo = SCSI_HIST_BUCKETS, hi = 0;
	uint64_t max = 0;
	for (unsigned i = 0; i < SCSI_HIST_BUCKETS; i++) {
		uint64_t n = scsi_hist_at(h, i);
		if (!n)
			continue;
		if (lo == SCSI_HIST_BUCKETS)
			lo = i;
		hi = i;
		if (n > max)
			max = n;
	}
	if (!max)
		return;
	unsigned nb = hi - lo + 1;
	double bw = (double)(HI_W - 2 * HI_PAD) / nb;
	fprintf(fp,
		"<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\">\n",
		HI_W, HI_H, HI_W, HI_H);
	for (unsigned i = lo; i <= hi; i++) {
		uint64_t n = scsi_hist_at(h, i);
		double bh = (double)n / (double)max * (HI_H - 2 * HI_PAD);
		double x = HI_PAD + (i - lo) * bw;
		fprintf(fp,
			"<rect class=\"hist\" x=\"%.1f\" y=\"%.1f\" "
			"width=\"%.1f\" height=\"%.1f\"><title>",
			x, HI_H - HI_PAD - bh, bw > 2 ? bw - 1 : bw, bh);
		put_ns(fp, scsi_hist_lower(i));
		fputs(" to ", fp);
		if (scsi_hist_upper(i) == UINT64_MAX)
			fputs("more", fp);
		else
			put_ns(fp, scsi_hist_upper(i));
		fprintf(fp, ": %" PRIu64 "</title></rect>\n", n);
	}
	fprintf(fp,
		"<text x=\"%u\" y=\"%u\">", HI_PAD, HI_H - HI_PAD + 14);
	put_ns(fp, scsi_hist_lower(lo));
	fprintf(fp, "</text><text x=\"%u\" y=\"%u\" text-anchor=\"end\">",
		HI_W - HI_PAD, HI_H - HI_PAD + 14);
	if (scsi_hist_upper(hi) == UINT64_MAX)
		fputs("more", fp);
	else
		put_ns(fp, scsi_hist_upper(hi));
	fprintf(fp,
		"</text><text x=\"%u\" y=\"16\">%" PRIu64
		" commands, tallest bar %" PRIu64 "; log-scale buckets</text>\n"
		"</svg>\n",
		HI_PAD, h->count, max);
}

static void session_section(FILE *fp, const struct session *s)
{
	char reason[LABEL_REASON_MAX];
	fprintf(fp, "<section class=\"sess\" id=\"s-%" PRIu64 "\">\n<h2>Session "
		    "%" PRIu64 ": <span class=\"name\">",
		s->seq, s->seq);
	ts_fputs(TS_HTML, fp, s->initiator_name[0] ? s->initiator_name : "?");
	fputs("</span> &#8594; <span class=\"name\">", fp);
	ts_fputs(TS_HTML, fp, s->target_name[0] ? s->target_name : "?");
	fprintf(fp, "</span></h2>\n<p><span class=\"%s\">%s</span> %s",
		state_class(s->status), cim_status_word(s->status),
		label_reason(s, reason, sizeof(reason)));
	if (s->isid_known)
		fprintf(fp, "; ISID 0x%02x%02x%02x%02x%02x%02x", s->isid[0],
			s->isid[1], s->isid[2], s->isid[3], s->isid[4],
			s->isid[5]);
	if (s->tsih_known)
		fprintf(fp, "; TSIH 0x%04x", s->tsih);
	char path[LABEL_PATH_MAX];
	if (session_path(s, path, sizeof(path))[0])
		fprintf(fp, "; seen in <span class=\"path\">%s</span>", path);
	fputs("</p>\n", fp);
	const struct scsi_stats *st = stats_of(s);
	if (st && st->latency.count) {
		fputs("<h3>Command latency</h3>\n", fp);
		histogram(fp, &st->latency);
	}
	unsigned n = s->nevents;
	fprintf(fp, "<details><summary>%u event%s%s</summary>\n<table>\n", n,
		n == 1 ? "" : "s",
		s->events_dropped ? " (older ones dropped)" : "");
	for (unsigned i = 0; i < n; i++) {
		const struct sess_event *ev = session_event_at(s, i);
		fputs("<tr><td>", fp);
		put_time(fp, ev->ts_ns);
		fprintf(fp, "</td><td class=\"%s\">",
			event_is_failure(ev->kind) ? "fail" : "");
		ts_fputs(TS_HTML, fp, ev->kind);
		fputs("</td><td>", fp);
		ts_fputs(TS_HTML, fp, ev->detail);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n</details>\n</section>\n", fp);
}

void export_html_write(FILE *fp, const struct session *first,
		       const struct export_meta *m)
{
	size_t n = 0;
	for (const struct session *s = first; s; s = s->next)
		n++;
	head(fp, m, n);
	session_table(fp, first);
	if (n) {
		timeline(fp, first, m);
		for (const struct session *s = first; s; s = s->next)
			session_section(fp, s);
	}
	fputs("</body>\n</html>\n", fp);
}

static int html_document(FILE *fp, const struct session *first,
			 const struct export_meta *m)
{
	export_html_write(fp, first, m);
	return 0;
}

int export_html_list(const char *path, const struct session *first,
		     const struct export_meta *m, char *err, size_t errlen)
{
	return export_file(path, html_document, "HTML", first, m, err, errlen);
}

int export_html(const char *path, const struct session_table *st,
		const struct export_meta *m, char *err, size_t errlen)
{
	return export_html_list(path, session_first(st), m, err, errlen);
}
