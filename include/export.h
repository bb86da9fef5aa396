/* export.h - the output side: sessions as JSON, MOF, an NDJSON event
 * stream, a text table and an HTML report (formats: docs/output.md).
 *
 * Every CIM value comes from cim.h; nothing here computes one. Outputs
 * are deterministic: nothing is taken from the wall clock, so the same
 * capture gives byte-identical files on every run.
 *
 * Files are written atomically (atomic_file.h); "-" means stdout. The
 * int-returning functions return 0, or -1 with a one-line message in
 * err (when err is NULL the message goes to stderr).
 *
 * Each exporter has a table form and a list form taking the first
 * session (follow ->next) - the form the unit tests use.
 */
#ifndef ISCSIWATCH_EXPORT_H
#define ISCSIWATCH_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "counters.h"
#include "session.h"

struct export_meta {
	const char *version;           /* ISCSIWATCH_VERSION */
	enum perspective perspective;
	const char *const *sources;    /* capture files or interfaces */
	size_t nsources;
	const struct counters *counters; /* may be NULL */
	uint64_t first_ns, last_ns;    /* capture times (0: none) */
	uint64_t drops, ifdrops;       /* pcap_stats of a live capture */
	uint64_t iface_failures;       /* live: reads that failed (capture.h) */
	bool live;
	/* Sessions retention folded (session_summaries(); the table forms
	 * fill it in); JSON shows them only when there are some. */
	const struct sess_summary *summaries;
	/* The text table fits this many columns (the terminal's); 0 prints
	 * it whole (a pipe, a file, --wide). */
	unsigned table_width;
};

#define EXPORT_ERR_MAX 512

/* Writes one whole document to fp; nonzero when memory ran out. */
typedef int (*export_doc_fn)(FILE *fp, const struct session *first,
			     const struct export_meta *m);

/* The document write_doc makes, as the whole file at path or nothing
 * (atomic_file.h). On failure the reason is in err, or on stderr when
 * err is NULL. `what` names the format in the out-of-memory message. */
int export_file(const char *path, export_doc_fn write_doc, const char *what,
		const struct session *first, const struct export_meta *m,
		char *err, size_t errlen);

int export_json(const char *path, const struct session_table *st,
		const struct export_meta *m, char *err, size_t errlen);
int export_mof(const char *path, const struct session_table *st,
	       const struct export_meta *m, char *err, size_t errlen);
void export_table(FILE *fp, const struct session_table *st,
		  const struct export_meta *m);

int export_json_list(const char *path, const struct session *first,
		     const struct export_meta *m, char *err, size_t errlen);
int export_mof_list(const char *path, const struct session *first,
		    const struct export_meta *m, char *err, size_t errlen);
void export_table_list(FILE *fp, const struct session *first,
		       const struct export_meta *m);

/* The HTML report (--html): one self-contained page, no fetches. */
int export_html(const char *path, const struct session_table *st,
		const struct export_meta *m, char *err, size_t errlen);
int export_html_list(const char *path, const struct session *first,
		     const struct export_meta *m, char *err, size_t errlen);
void export_html_write(FILE *fp, const struct session *first,
		       const struct export_meta *m);

/* The JSON document as a string (malloc'd; caller frees), or NULL. */
char *export_json_string(const struct session *first,
			 const struct export_meta *m);

/* ---- the NDJSON event sink ----
 * One JSON object a line, flushed per line:
 * {"ts": RFC 3339, "kind", "session": Name|null, "instance_id", "seq",
 *  "cid": n|null, who (event_who.h: names, ISID, TSIH, endpoints, each
 *  null when unknown), "detail"}. */
struct events_sink;

struct events_sink *events_open(const char *path, enum perspective p,
				char *err, size_t errlen);
/* The listener to hand to session_table_listen(); valid until close. */
const struct session_listener *events_listener(struct events_sink *es);
/* Closes and opens the file again at its path (after logrotate moved
 * it: SIGHUP). Nothing for stdout. 0, or -1 with err (the old file is
 * kept open then). */
int events_reopen(struct events_sink *es, char *err, size_t errlen);
/* Write errors seen so far (a full disk must not stop the capture). */
uint64_t events_errors(const struct events_sink *es);
/* Closes the file (not stdout); 0, or -1 if any write failed. */
int events_close(struct events_sink *es);

#endif
