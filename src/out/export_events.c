/* export_events.c - the NDJSON event stream: one JSON object a line,
 * flushed at once so `tail -f` and pipes see each event as it happens.
 *
 * It is a stream, so it is not written through atomic_file: a reader
 * may follow it while the capture runs. A failed write is counted and
 * reported by events_close(); it never stops the capture.
 */
#include "export.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"
#include "event_who.h"
#include "textsafe.h"

struct events_sink {
	FILE *fp;
	char path[4096]; /* for events_reopen() */
	bool is_stdout;
	enum perspective persp; /* for a future per-view field */
	uint64_t errors;
	struct session_listener listener;
};

static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	char buf[3 * 1024 + 1];
	size_t len = ts_escape(TS_UTF8, s, strnlen(s, 1024), buf, sizeof(buf));
	json_t *j = json_stringn(buf, len);
	return j ? j : json_null();
}

/* Our own text (hex, an address) or null when empty. */
static void set_text_or_null(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v[0] ? json_string(v) : json_null());
}

/* A number or null when unknown (negative). */
static void set_int_or_null(json_t *o, const char *key, long v)
{
	json_object_set_new(o, key, v >= 0 ? json_integer(v) : json_null());
}

static void events_event(void *user, const struct session *s,
			 const struct sconn *c, const struct sess_event *ev)
{
	struct events_sink *es = user;
	char t[CIM_TIME_BUF], name[2 * NEG_STR_MAX + 48];
	json_t *o = json_object();
	json_object_set_new(o, "ts",
			    json_string(cim_time_rfc3339(ev->ts_ns, t, sizeof(t))));
	json_object_set_new(o, "kind", jstr(ev->kind ? ev->kind : "?"));
	json_object_set_new(o, "session",
			    cim_session_name(s, name, sizeof(name)) ? jstr(name)
								    : json_null());
	/* InstanceID comes from the one derivation in cim.c. */
	char id[2 * NEG_STR_MAX + 96];
	cim_session_instance_id(s, id, sizeof(id));
	json_object_set_new(o, "instance_id", jstr(id));
	/* Creation order: the one handle that never changes, while Name
	 * and InstanceID are only complete once the login has ended. */
	json_object_set_new(o, "seq", json_integer((json_int_t)s->seq));
	json_object_set_new(o, "cid",
			    c && c->cid_known ? json_integer(c->cid)
					      : json_null());
	/* Who, so that a consumer of the events alone (a SIEM) can tell
	 * who failed a login without joining them to the JSON export. */
	struct event_who w;
	event_who_fill(s, c, &w);
	json_object_set_new(o, "initiator", jstr(w.initiator));
	json_object_set_new(o, "target", jstr(w.target));
	set_text_or_null(o, "isid", w.isid);
	set_int_or_null(o, "tsih", w.tsih);
	set_text_or_null(o, "initiator_address", w.initiator_addr);
	set_int_or_null(o, "initiator_port", w.initiator_port);
	set_text_or_null(o, "target_address", w.target_addr);
	set_int_or_null(o, "target_port", w.target_port);
	json_object_set_new(o, "detail", jstr(ev->detail));
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!line) {
		es->errors++;
		return;
	}
	if (fprintf(es->fp, "%s\n", line) < 0 || fflush(es->fp) != 0)
		es->errors++;
	free(line);
}

struct events_sink *events_open(const char *path, enum perspective p,
				char *err, size_t errlen)
{
	struct events_sink *es = calloc(1, sizeof(*es));
	if (!es) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		es->fp = stdout;
		es->is_stdout = true;
	} else {
		es->fp = fopen(path, "a"); /* appends, as --events says */
		if (!es->fp) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(es);
			return NULL;
		}
	}
	snprintf(es->path, sizeof(es->path), "%s", path);
	es->persp = p;
	es->listener.user = es;
	es->listener.event = events_event;
	return es;
}

const struct session_listener *events_listener(struct events_sink *es)
{
	return &es->listener;
}

int events_reopen(struct events_sink *es, char *err, size_t errlen)
{
	if (es->is_stdout)
		return 0;
	/* Opened before the old one is closed: if the new path cannot be
	 * opened, events keep going to the old file rather than nowhere. */
	FILE *fp = fopen(es->path, "a");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", es->path, strerror(errno));
		return -1;
	}
	if (fclose(es->fp) != 0)
		es->errors++;
	es->fp = fp;
	return 0;
}

uint64_t events_errors(const struct events_sink *es)
{
	return es->errors;
}

int events_close(struct events_sink *es)
{
	if (!es)
		return 0;
	int bad = es->errors != 0;
	if (es->is_stdout)
		bad |= fflush(es->fp) != 0;
	else
		bad |= fclose(es->fp) != 0;
	free(es);
	return bad ? -1 : 0;
}
