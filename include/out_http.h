/* out_http.h - the sensor's HTTP endpoint (libmicrohttpd), driven from
 * the capture loop: no thread of its own, so a handler reads the session
 * model with nothing else running and needs no lock.
 *
 * The server answers from a small route table (method, path, body cap,
 * handler); /metrics and /sessions are two rows, and a later POST route
 * is one more. A request is bounded everywhere: at most HTTP_CONN_MAX
 * connections, HTTP_CONN_MEMORY bytes of headers per connection (larger
 * requests get 431/413 from libmicrohttpd), a route's max_body bytes of
 * body (more: 413), HTTP_CONN_TIMEOUT_S seconds idle.
 *
 * A route marked gzip answers with Content-Encoding: gzip when the
 * request's Accept-Encoding allows it (RFC 9110 §12.5.3), deflating the
 * handler's body while it is sent instead of into a second buffer: one
 * zlib stream per such answer (windowBits 15, memLevel 8: 256 KiB and
 * ~6 KiB, zconf.h), at most HTTP_CONN_MAX of them.
 *
 * Ownership: routes and user are borrowed until http_free(). A handler
 * fills reply->body with a malloc'd buffer that the server frees.
 */
#ifndef ISCSIWATCH_OUT_HTTP_H
#define ISCSIWATCH_OUT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define HTTP_CONN_MAX 16u
#define HTTP_CONN_MEMORY (32u * 1024u)
#define HTTP_CONN_TIMEOUT_S 10u
#define HTTP_DEFAULT_ADDR "127.0.0.1"
/* zlib level for gzip answers. At 10,000 sessions (99.6 MB of /metrics
 * text) level 1 deflates in 0.16 s to 3.24 MB, level 6 in 0.40 s to
 * 2.85 MB: 12 % more bytes for 2.5x less CPU, and that CPU is the
 * capture loop's, which serves HTTP between packets. */
#define HTTP_GZIP_LEVEL 1

struct http_request {
	const char *method; /* "GET", "HEAD" (served by a GET route), "POST" */
	const char *path;
	const char *body; /* NULL when none */
	size_t body_len;
	/* A request header by name (case-insensitive), NULL when absent;
	 * valid until the handler returns. */
	const char *(*header)(const struct http_request *rq, const char *name);
	void *conn; /* the server's, for header() */
};

#define HTTP_REPLY_HEADERS 4

struct http_reply {
	unsigned status;	  /* 200 unless the handler says */
	const char *content_type; /* static string */
	char *body;		  /* malloc'd, freed by the server */
	size_t len;
	/* Extra response headers (name, value), static strings; unused
	 * slots NULL. DSP0200's CIMOperation and CIMError use them. */
	const char *headers[HTTP_REPLY_HEADERS][2];
};

/* 0 with reply filled, or negative: the server answers 500. */
typedef int (*http_handler)(void *user, const struct http_request *rq,
			    struct http_reply *rp);

struct http_route {
	const char *method;
	const char *path;
	size_t max_body; /* 0: a body is refused (413) */
	http_handler fn;
	bool gzip; /* may answer Content-Encoding: gzip */
};

/* What one request's Accept-Encoding field lines say about gzip
 * (RFC 9110 §12.5.3): q of "gzip"/"x-gzip" when named, else of "*". */
struct http_accept {
	int gzip_q; /* thousandths; -1: not named */
	int any_q;  /* "*" */
};

/* Starts a request with no Accept-Encoding seen. */
void http_accept_init(struct http_accept *a);
/* Folds one field line's value in (several lines make one list). */
void http_accept_add(struct http_accept *a, const char *value);
/* Whether gzip may be sent: named or "*" with q > 0. No field at all,
 * or an empty one, is "identity only" here: what a client that sent
 * none has always been given. */
bool http_accept_gzip(const struct http_accept *a);
/* The three above on one value; NULL is no field. */
bool http_accepts_gzip(const char *value);

/* "[ADDR:]PORT": "9464" (loopback), "0.0.0.0:9464", "[::1]:9464",
 * "localhost:9464". Port 0 takes a free port. 0, or -1 with err. */
int http_parse_listen(const char *spec, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen);

struct http_server;

/* Binds and listens now (before privileges are dropped). NULL with a
 * one-line message in err on failure. */
struct http_server *http_new(const char *spec, const struct http_route *routes,
			     size_t nroutes, void *user, char *err,
			     size_t errlen);
/* Serves whatever is ready, waiting at most wait_ms for something
 * (0: never blocks). */
void http_poll(struct http_server *h, int wait_ms);
/* The descriptor to sleep on (POLLIN): readable when a connection or a
 * request wants http_poll(). -1 for NULL. */
int http_fd(const struct http_server *h);
/* How long http_poll() may wait unasked, in ms (a connection's idle
 * timeout, work the library has buffered: 0); -1: no limit. */
int http_timeout_ms(struct http_server *h);
/* The address bound, e.g. "127.0.0.1:9464" (port 0 resolved). */
const char *http_address(const struct http_server *h);
/* http_free(NULL) does nothing. */
void http_free(struct http_server *h);

#endif
