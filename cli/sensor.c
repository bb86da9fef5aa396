/* sensor.c - the HTTP routes and the syslog sink of a running sensor
 * (sensor.h).
 */
#include "sensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"
#include "cimxml.h"
#include "metrics.h"
#include "out_http.h"
#include "out_syslog.h"

struct sensor {
	struct http_server *http;
	struct metrics *metrics;
	struct syslog_sink *syslog;
	const struct session_table *st;
	void (*meta)(const void *user, struct export_meta *m);
	const void *user;
};

static int route_metrics(void *user, const struct http_request *rq,
			 struct http_reply *rp)
{
	(void)rq;
	struct sensor *sv = user;
	struct export_meta em = {0};
	if (sv->meta)
		sv->meta(sv->user, &em);
	struct metrics_meta mm = {
		.version = em.version,
		.counters = em.counters,
		.drops = em.drops,
		.ifdrops = em.ifdrops,
		.iface_failures = em.iface_failures,
		.live = em.live,
		.summaries = sv->st ? session_summaries(sv->st) : NULL,
	};
	rp->body = metrics_render(sv->metrics,
				  sv->st ? session_first(sv->st) : NULL, &mm,
				  &rp->len);
	rp->content_type = METRICS_CONTENT_TYPE;
	return rp->body ? 0 : -1;
}

/* The document --json writes, byte for byte. */
static int route_sessions(void *user, const struct http_request *rq,
			  struct http_reply *rp)
{
	(void)rq;
	struct sensor *sv = user;
	struct export_meta em = {0};
	if (sv->meta)
		sv->meta(sv->user, &em);
	/* Like --json (export_json()): with what retention folded. */
	if (sv->st)
		em.summaries = session_summaries(sv->st);
	char *doc = export_json_string(sv->st ? session_first(sv->st) : NULL,
				       &em);
	if (!doc)
		return -1;
	size_t n = strlen(doc);
	char *body = realloc(doc, n + 2);
	if (!body) {
		free(doc);
		return -1;
	}
	body[n] = '\n';
	body[n + 1] = '\0';
	rp->body = body;
	rp->len = n + 1;
	rp->content_type = "application/json";
	return 0;
}

/* WBEM: CIM-XML operations (DSP0200) on the same instances as --mof. */
static int route_cimom(void *user, const struct http_request *rq,
		       struct http_reply *rp)
{
	struct sensor *sv = user;
	struct export_meta em = {0};
	if (sv->meta)
		sv->meta(sv->user, &em);
	char obs[CIM_STR_MAX];
	cim_observed_by(em.sources, em.nsources, em.live, obs, sizeof(obs));
	struct cimxml_src src = {
	    .first = sv->st ? session_first(sv->st) : NULL,
	    .persp = em.perspective,
	    .observed_by = obs,
	    .host = http_address(sv->http),
	};
	return cimxml_http(&src, rq, rp);
}

/* The two large GET answers (~100 MB of /metrics at 10,000 sessions)
 * go gzip'd to a client that accepts it; CIM-XML clients (DSP0200 §5.3)
 * are not expected to, so /cimom stays plain. */
static const struct http_route routes[] = {
	{"GET", "/metrics", 0, route_metrics, true},
	{"GET", "/sessions", 0, route_sessions, true},
	{"POST", "/cimom", CIMXML_MAX_REQUEST, route_cimom, false},
};

int sensor_open(struct sensor **out, const struct cli_opts *o, char *err,
		size_t errlen)
{
	*out = NULL;
	if (!o->listen && !o->syslog)
		return 0;
	struct sensor *sv = calloc(1, sizeof(*sv));
	if (!sv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->listen) {
		/* POST /cimom needs libxml2: loaded now, so a run that
		 * cannot serve it stops at start like one that cannot bind. */
		if (cimxml_init(err, errlen) != 0) {
			sensor_close(sv);
			return -1;
		}
		sv->metrics = metrics_new();
		sv->http = sv->metrics ? http_new(o->listen, routes,
						  sizeof(routes) / sizeof(routes[0]),
						  sv, err, errlen)
				       : NULL;
		if (!sv->http) {
			if (!sv->metrics)
				snprintf(err, errlen, "out of memory");
			sensor_close(sv);
			return -1;
		}
	}
	if (o->syslog) {
		sv->syslog = syslog_open(o->syslog_socket, err, errlen);
		if (!sv->syslog) {
			sensor_close(sv);
			return -1;
		}
	}
	*out = sv;
	return 0;
}

void sensor_attach(struct sensor *sv, const struct session_table *st,
		   void (*meta)(const void *user, struct export_meta *m),
		   const void *user)
{
	if (!sv)
		return;
	sv->st = st;
	sv->meta = meta;
	sv->user = user;
	if (sv->http)
		/* "serving http://ADDR/metrics" starts it: scripts read
		 * ADDR from there. */
		fprintf(stderr,
			"iscsiwatch: serving http://%s/metrics, /sessions (GET) "
			"and /cimom (POST)\n",
			http_address(sv->http));
}

void sensor_event(struct sensor *sv, const struct session *s,
		  const struct sconn *c, const struct sess_event *ev)
{
	if (!sv)
		return;
	const struct session_listener *l;
	if (sv->metrics) {
		l = metrics_listener(sv->metrics);
		l->event(l->user, s, c, ev);
	}
	if (sv->syslog) {
		l = syslog_listener(sv->syslog);
		l->event(l->user, s, c, ev);
	}
}

void sensor_poll(struct sensor *sv, int wait_ms)
{
	if (sv && sv->http)
		http_poll(sv->http, wait_ms);
}

int sensor_fd(const struct sensor *sv)
{
	return sv && sv->http ? http_fd(sv->http) : -1;
}

int sensor_timeout_ms(const struct sensor *sv)
{
	return sv && sv->http ? http_timeout_ms(sv->http) : -1;
}

bool sensor_serves(const struct sensor *sv)
{
	return sv && sv->http;
}

uint64_t sensor_syslog_errors(const struct sensor *sv)
{
	return sv && sv->syslog ? syslog_errors(sv->syslog) : 0;
}

void sensor_close(struct sensor *sv)
{
	if (!sv)
		return;
	http_free(sv->http);
	metrics_free(sv->metrics);
	syslog_close(sv->syslog);
	free(sv);
}
