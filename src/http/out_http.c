/* out_http.c - the HTTP endpoint on libmicrohttpd in "external select"
 * mode with epoll: the capture loop sleeps on the daemon's one epoll
 * descriptor among its own and runs it when that is readable or its
 * timeout is due (out_http.h).
 */
#include "out_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "lazylib.h"

/* libmicrohttpd is opened by http_new(), the first thing --listen does,
 * so a run without --listen never loads it nor gnutls behind it
 * (lazylib.h). Every call to it goes through this table. */
#define MHD_SYMS(X, T)                                                         \
	X(T, MHD_add_response_header)                                          \
	X(T, MHD_create_response_from_buffer)                                  \
	X(T, MHD_create_response_from_callback)                                \
	X(T, MHD_destroy_response)                                             \
	X(T, MHD_get_connection_values)                                        \
	X(T, MHD_get_daemon_info)                                              \
	X(T, MHD_get_timeout)                                                  \
	X(T, MHD_lookup_connection_value)                                      \
	X(T, MHD_queue_response)                                               \
	X(T, MHD_run_wait)                                                     \
	X(T, MHD_start_daemon)                                                 \
	X(T, MHD_stop_daemon)

/* The Makefile reads it from the .so it would have linked. */
#ifndef LAZYLIB_MHD_SONAME
#error "LAZYLIB_MHD_SONAME undefined: build with the Makefile"
#endif
LAZYLIB_DEFINE(http_lib, struct mhd_table, mhd, MHD_SYMS, LAZYLIB_MHD_SONAME,
	       "--listen");

/* zlib, for gzip answers, opened with libmicrohttpd: libxml2 (POST
 * /cimom, opened just before) already brings it into a --listen run,
 * and a run without --listen need not load it (lazylib.h).
 * deflateInit2() is a macro over deflateInit2_(). */
#define Z_SYMS(X, T)                                                           \
	X(T, deflate)                                                          \
	X(T, deflateEnd)                                                       \
	X(T, deflateInit2_)

#ifndef LAZYLIB_Z_SONAME
#error "LAZYLIB_Z_SONAME undefined: build with the Makefile"
#endif
LAZYLIB_DEFINE(z_lib, struct z_table, zt, Z_SYMS, LAZYLIB_Z_SONAME,
	       "--listen");

struct http_server {
	struct MHD_Daemon *d;
	const struct http_route *routes;
	size_t nroutes;
	void *user;
	int fd; /* the daemon's epoll descriptor */
	char addr[80];
	char notfound[256]; /* the 404 text, naming every route */
};

/* Per request, from the first call of the access handler to the
 * completion callback. */
struct http_req_state {
	const struct http_route *route;
	char *body;
	size_t len;
	size_t alloc;
	int refuse; /* status to answer without calling the route */
};

int http_parse_listen(const char *spec, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen)
{
	char host[64];
	const char *port = spec;
	const char *colon = strrchr(spec, ':');
	snprintf(host, sizeof(host), "%s", HTTP_DEFAULT_ADDR);
	if (colon) {
		size_t hl = (size_t)(colon - spec);
		const char *h = spec;
		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		if (hl == 0 || hl >= sizeof(host)) {
			snprintf(err, errlen, "--listen %s: bad address", spec);
			return -1;
		}
		memcpy(host, h, hl);
		host[hl] = '\0';
		port = colon + 1;
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "%s", HTTP_DEFAULT_ADDR);
	char *end;
	errno = 0;
	unsigned long p = strtoul(port, &end, 10);
	if (errno || *end || end == port || port[0] == '-' || p > 65535) {
		snprintf(err, errlen, "--listen %s: bad port (want [ADDR:]PORT)",
			 spec);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*a6);
		return 0;
	}
	snprintf(err, errlen,
		 "--listen %s: '%s' is not an IPv4 or IPv6 address", spec, host);
	return -1;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn,
				  unsigned status, const char *text,
				  const char *allow)
{
	struct MHD_Response *r = mhd.MHD_create_response_from_buffer(
	    strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				    "text/plain; charset=utf-8");
	if (allow)
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = mhd.MHD_queue_response(conn, status, r);
	mhd.MHD_destroy_response(r);
	return ret;
}

/* The route for path; *wrong_method is set when the path exists with
 * another method only. HEAD is served by the GET route (the library
 * sends the headers alone). */
static const struct http_route *route_find(const struct http_server *h,
					   const char *method, const char *path,
					   const char **allow)
{
	*allow = NULL;
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
	for (size_t i = 0; i < h->nroutes; i++) {
		if (strcmp(h->routes[i].path, path) != 0)
			continue;
		if (strcmp(h->routes[i].method, m) == 0)
			return &h->routes[i];
		*allow = h->routes[i].method;
	}
	return NULL;
}

static int body_append(struct http_req_state *rs, const char *p, size_t n)
{
	if (n > rs->route->max_body - rs->len)
		return -1;
	if (rs->len + n + 1 > rs->alloc) {
		size_t a = rs->alloc ? rs->alloc : 1024;
		while (a < rs->len + n + 1)
			a *= 2;
		if (a > rs->route->max_body + 1)
			a = rs->route->max_body + 1;
		char *b = realloc(rs->body, a);
		if (!b)
			return -1;
		rs->body = b;
		rs->alloc = a;
	}
	memcpy(rs->body + rs->len, p, n);
	rs->len += n;
	rs->body[rs->len] = '\0';
	return 0;
}

static const char *req_header(const struct http_request *rq, const char *name)
{
	return mhd.MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/* RFC 9110 §5.6.2 tchar, the characters of a token. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* RFC 9110 §12.4.2 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"], in
 * thousandths; -1 when not one. *pp moves past it. */
static int parse_qvalue(const char **pp)
{
	const char *p = *pp;
	if (*p != '0' && *p != '1')
		return -1;
	int q = (*p++ - '0') * 1000;
	if (*p == '.') {
		p++;
		int scale = 100;
		for (int i = 0; i < 3 && *p >= '0' && *p <= '9'; i++, p++) {
			q += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (q > 1000 || (*p >= '0' && *p <= '9'))
		return -1;
	*pp = p;
	return q;
}

/* One list member from p: the coding's span, its q (1000 when none).
 * Returns where the member ends (at ',' or NUL); *q -1 when it is not
 * well formed (then it counts for nothing). */
static const char *accept_member(const char *p, const char **name,
				 size_t *len, int *q)
{
	p = skip_ows(p);
	*name = p;
	while (is_tchar(*p))
		p++;
	*len = (size_t)(p - *name);
	*q = *len ? 1000 : -1;
	p = skip_ows(p);
	/* Parameters: only "q" is defined for Accept-Encoding; any other
	 * makes the member malformed rather than silently ignored. */
	while (*q >= 0 && *p == ';') {
		p = skip_ows(p + 1);
		if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			p += 2;
			*q = parse_qvalue(&p);
		} else {
			*q = -1;
		}
		p = skip_ows(p);
	}
	if (*p != ',' && *p != '\0')
		*q = -1;
	while (*p && *p != ',')
		p++;
	return p;
}

void http_accept_init(struct http_accept *a)
{
	a->gzip_q = -1;
	a->any_q = -1;
}

static bool coding_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

void http_accept_add(struct http_accept *a, const char *value)
{
	const char *p = value;
	while (p && *p) {
		const char *name;
		size_t len;
		int q;
		p = accept_member(p, &name, &len, &q);
		if (*p == ',')
			p++;
		if (q < 0)
			continue;
		/* §8.4.1.3: x-gzip is gzip. Named twice: the higher q. */
		if (coding_is(name, len, "gzip") ||
		    coding_is(name, len, "x-gzip"))
			a->gzip_q = q > a->gzip_q ? q : a->gzip_q;
		else if (coding_is(name, len, "*"))
			a->any_q = q > a->any_q ? q : a->any_q;
	}
}

bool http_accept_gzip(const struct http_accept *a)
{
	/* §12.5.3: "*" matches any coding not named in the field; q=0 is
	 * "not acceptable". */
	return a->gzip_q >= 0 ? a->gzip_q > 0 : a->any_q > 0;
}

bool http_accepts_gzip(const char *value)
{
	struct http_accept a;
	http_accept_init(&a);
	http_accept_add(&a, value);
	return http_accept_gzip(&a);
}

static enum MHD_Result accept_header(void *cls, enum MHD_ValueKind kind,
				     const char *key, const char *value)
{
	(void)kind;
	if (key && value &&
	    strcasecmp(key, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0)
		http_accept_add(cls, value);
	return MHD_YES;
}

/* Every Accept-Encoding line of the request, as one list (§5.3). */
static bool conn_accepts_gzip(struct MHD_Connection *conn)
{
	struct http_accept a;
	http_accept_init(&a);
	mhd.MHD_get_connection_values(conn, MHD_HEADER_KIND, accept_header,
				      &a);
	return http_accept_gzip(&a);
}

/* A body being deflated as libmicrohttpd asks for the next block. */
struct gz_body {
	z_stream zs;
	char *plain; /* the handler's body, freed with this */
	size_t len;
	size_t fed; /* bytes of plain handed to zlib so far */
	bool done;
};

static void gz_free(void *cls)
{
	struct gz_body *g = cls;
	zt.deflateEnd(&g->zs);
	free(g->plain);
	free(g);
}

/* zlib counts in uInt: the body goes in by pieces no larger. */
static void gz_feed(struct gz_body *g)
{
	if (g->zs.avail_in || g->fed == g->len)
		return;
	size_t n = g->len - g->fed;
	if (n > (1u << 30))
		n = 1u << 30;
	g->zs.next_in = (Bytef *)g->plain + g->fed;
	g->zs.avail_in = (uInt)n;
	g->fed += n;
}

/* Fills buf with the next deflated bytes: never 0 before the end
 * (libmicrohttpd, run from the capture loop, would poll again at once). */
static ssize_t gz_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct gz_body *g = cls;
	(void)pos;
	if (g->done)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max > (1u << 30))
		max = 1u << 30;
	g->zs.next_out = (Bytef *)buf;
	g->zs.avail_out = (uInt)max;
	while (g->zs.avail_out && !g->done) {
		gz_feed(g);
		int flush = g->zs.avail_in ? Z_NO_FLUSH : Z_FINISH;
		uInt in = g->zs.avail_in, out = g->zs.avail_out;
		int ret = zt.deflate(&g->zs, flush);
		if (ret == Z_STREAM_END)
			g->done = true;
		else if (ret != Z_OK ||
			 (in == g->zs.avail_in && out == g->zs.avail_out))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	size_t n = max - g->zs.avail_out;
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

/* A response deflating body (taken: freed with the response), or NULL
 * with body still the caller's. The block size is what libmicrohttpd
 * may take from the connection's HTTP_CONN_MEMORY for each piece. */
static struct MHD_Response *gz_response(char *body, size_t len)
{
	struct gz_body *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	/* windowBits 15 + 16: the gzip wrapper (RFC 1952), not zlib's. */
	if (zt.deflateInit2_(&g->zs, HTTP_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
			     Z_DEFAULT_STRATEGY, ZLIB_VERSION,
			     (int)sizeof(z_stream)) != Z_OK) {
		free(g);
		return NULL;
	}
	g->plain = body;
	g->len = len;
	struct MHD_Response *r = mhd.MHD_create_response_from_callback(
	    MHD_SIZE_UNKNOWN, 16 * 1024, gz_read, g, gz_free);
	if (!r) {
		zt.deflateEnd(&g->zs);
		free(g);
	}
	return r;
}

static enum MHD_Result run_route(struct http_server *h,
				 struct MHD_Connection *conn, const char *url,
				 const char *method, struct http_req_state *rs)
{
	struct http_request rq = {
		.method = method,
		.path = url,
		.body = rs->body,
		.body_len = rs->len,
		.header = req_header,
		.conn = conn,
	};
	struct http_reply rp = {.status = 200,
				.content_type = "text/plain; charset=utf-8"};
	if (rs->route->fn(h->user, &rq, &rp) != 0 || !rp.body) {
		free(rp.body);
		return reply_text(conn, 500, "internal error\n", NULL);
	}
	/* Deflating may fail for memory; the plain answer is then still
	 * right (identity is always acceptable unless refused, §12.5.3). */
	bool gz = rs->route->gzip && conn_accepts_gzip(conn);
	struct MHD_Response *r = gz ? gz_response(rp.body, rp.len) : NULL;
	gz = r != NULL;
	if (!r)
		r = mhd.MHD_create_response_from_buffer(rp.len, rp.body,
							MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(rp.body);
		return MHD_NO;
	}
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				    rp.content_type);
	if (gz)
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
					    "gzip");
	/* Both forms: a cache must not hand one to a client that asked
	 * for the other (§12.5.5). */
	if (rs->route->gzip)
		mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
					    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				    "no-store");
	for (size_t i = 0; i < HTTP_REPLY_HEADERS; i++)
		if (rp.headers[i][0] && rp.headers[i][1])
			mhd.MHD_add_response_header(r, rp.headers[i][0],
						    rp.headers[i][1]);
	enum MHD_Result ret = mhd.MHD_queue_response(conn, rp.status, r);
	mhd.MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *h = cls;
	struct http_req_state *rs = *con_cls;
	(void)version;
	if (!rs) {
		const char *allow;
		const struct http_route *rt = route_find(h, method, url, &allow);
		if (!rt && allow)
			return reply_text(conn, 405, "method not allowed\n",
					  allow);
		if (!rt)
			return reply_text(conn, 404, h->notfound, NULL);
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return MHD_NO;
		rs->route = rt;
		*con_cls = rs;
		return MHD_YES;
	}
	if (*upload_size) {
		/* Past the cap the rest is read and thrown away, then 413. */
		if (!rs->refuse && body_append(rs, upload_data, *upload_size))
			rs->refuse = 413;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rs->refuse)
		return reply_text(conn, (unsigned)rs->refuse,
				  "request body too large\n", NULL);
	return run_route(h, conn, url, method, rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct http_req_state *rs = *con_cls;
	if (rs) {
		free(rs->body);
		free(rs);
		*con_cls = NULL;
	}
}

/* "not found (try GET /a, GET /b or POST /c)\n"; cut short (still
 * ending in ")\n") if the table outgrew the buffer. */
static void notfound_text(struct http_server *h)
{
	size_t cap = sizeof(h->notfound) - 3, n = 0;
	int k = snprintf(h->notfound, cap, "not found (try");
	n = k > 0 ? (size_t)k : 0;
	for (size_t i = 0; i < h->nroutes && n < cap; i++) {
		const char *sep = i == 0 ? " "
				  : i + 1 == h->nroutes ? " or "
							: ", ";
		k = snprintf(h->notfound + n, cap - n, "%s%s %s", sep,
			     h->routes[i].method, h->routes[i].path);
		n = k < 0 || (size_t)k >= cap - n ? cap - 1 : n + (size_t)k;
	}
	memcpy(h->notfound + n, ")\n", 3);
}

struct http_server *http_new(const char *spec, const struct http_route *routes,
			     size_t nroutes, void *user, char *err,
			     size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (http_parse_listen(spec, &ss, &sl, err, errlen) != 0 ||
	    lazylib_load(&http_lib, err, errlen) != 0 ||
	    lazylib_load(&z_lib, err, errlen) != 0)
		return NULL;
	struct http_server *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->routes = routes;
	h->nroutes = nroutes;
	h->user = user;
	notfound_text(h);
	/* No MHD_USE_INTERNAL_POLLING_THREAD: the capture loop runs it.
	 * MHD_USE_EPOLL: one descriptor stands for the listening socket
	 * and every connection, so the loop's poll() needs no fd_set. */
	unsigned flags = MHD_USE_EPOLL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = mhd.MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
	    (const struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)HTTP_CONN_MAX, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)HTTP_CONN_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)HTTP_CONN_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, NULL, MHD_OPTION_END);
	if (!h->d) {
		int e = errno;
		snprintf(err, errlen, "--listen %s: cannot listen%s%s", spec,
			 e ? ": " : "", e ? strerror(e) : "");
		free(h);
		return NULL;
	}
	const union MHD_DaemonInfo *ei =
	    mhd.MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->fd = ei ? ei->epoll_fd : -1;
	if (h->fd < 0) {
		snprintf(err, errlen, "--listen %s: no epoll descriptor", spec);
		mhd.MHD_stop_daemon(h->d);
		free(h);
		return NULL;
	}
	const union MHD_DaemonInfo *di =
	    mhd.MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	uint16_t port = di ? di->port : 0;
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  host, sizeof(host));
		snprintf(h->addr, sizeof(h->addr), "[%s]:%u", host, port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
			  sizeof(host));
		snprintf(h->addr, sizeof(h->addr), "%s:%u", host, port);
	}
	return h;
}

void http_poll(struct http_server *h, int wait_ms)
{
	if (h)
		mhd.MHD_run_wait(h->d, wait_ms < 0 ? 0 : wait_ms);
}

int http_fd(const struct http_server *h)
{
	return h ? h->fd : -1;
}

int http_timeout_ms(struct http_server *h)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (!h || mhd.MHD_get_timeout(h->d, &t) != MHD_YES)
		return -1;
	return t > 3600000 ? 3600000 : (int)t;
}

const char *http_address(const struct http_server *h)
{
	return h->addr;
}

void http_free(struct http_server *h)
{
	if (!h)
		return;
	mhd.MHD_stop_daemon(h->d);
	free(h);
}
