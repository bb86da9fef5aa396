#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "check_suites.h"
#include "out_http.h"

static int calls;

static int h_hello(void *user, const struct http_request *rq,
		   struct http_reply *rp)
{
	(void)user;
	calls++;
	rp->content_type = "text/x-test";
	rp->body = strdup(strcmp(rq->method, "HEAD") == 0 ? "head" : "hello\n");
	rp->len = strlen(rp->body);
	return 0;
}

static int h_echo(void *user, const struct http_request *rq,
		  struct http_reply *rp)
{
	(void)user;
	calls++;
	rp->body = malloc(64);
	rp->len = (size_t)snprintf(rp->body, 64, "got %zu [%.*s]", rq->body_len,
				   (int)rq->body_len, rq->body ? rq->body : "");
	return 0;
}

static int h_fail(void *user, const struct http_request *rq,
		  struct http_reply *rp)
{
	(void)user;
	(void)rq;
	(void)rp;
	return -1;
}

/* A body that deflates well but not to nothing: numbered lines. */
#define BIG_LINES 2000
static int h_big(void *user, const struct http_request *rq,
		 struct http_reply *rp)
{
	(void)user;
	(void)rq;
	calls++;
	size_t cap = BIG_LINES * 32;
	rp->body = malloc(cap);
	rp->len = 0;
	for (int i = 0; i < BIG_LINES; i++)
		rp->len += (size_t)snprintf(rp->body + rp->len, cap - rp->len,
					    "metric{n=\"%d\"} %d\n", i, i * 7);
	return 0;
}

static const struct http_route routes[] = {
    {"GET", "/hello", 0, h_hello, false},
    {"POST", "/echo", 16, h_echo, false},
    {"GET", "/fail", 0, h_fail, false},
    {"GET", "/big", 0, h_big, true},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* One request on a fresh connection, served by polling the server from
 * this thread (as the capture loop does); the whole answer. */
static size_t last_len;

static char *roundtrip(struct http_server *h, const char *req)
{
	const char *a = http_address(h);
	const char *colon = strrchr(a, ':');
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(colon + 1))};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	static char buf[65536];
	size_t n = 0;
	for (int i = 0; i < 500; i++) {
		http_poll(h, 10);
		ssize_t k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);
		if (k == 0)
			break;
		if (k > 0)
			n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	last_len = n;
	return buf;
}

START_TEST(test_routes)
{
	char err[256];
	struct http_server *h =
	    http_new("127.0.0.1:0", routes, NROUTES, NULL, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_str_ne(strrchr(http_address(h), ':'), ":0");
	calls = 0;
	char *r = roundtrip(h, "GET /hello HTTP/1.0\r\n\r\n");
	ck_assert_msg(strncmp(r, "HTTP/1.0 200", 12) == 0 ||
			  strncmp(r, "HTTP/1.1 200", 12) == 0,
		      "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "Content-Type: text/x-test"));
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nhello\n"));
	r = roundtrip(h, "HEAD /hello HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, " 200 "));
	ck_assert_ptr_null(strstr(r, "head"));
	r = roundtrip(h, "GET /nope HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, " 404 "));
	ck_assert_ptr_nonnull(strstr(
	    r, "not found (try GET /hello, POST /echo, GET /fail or GET /big)\n"));
	r = roundtrip(h, "POST /hello HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, " 405 "));
	ck_assert_ptr_nonnull(strstr(r, "Allow: GET"));
	r = roundtrip(h,
		      "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nabcde");
	ck_assert_ptr_nonnull(strstr(r, "got 5 [abcde]"));
	r = roundtrip(h, "GET /fail HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, " 500 "));
	ck_assert_int_eq(calls, 3);
	http_free(h);
	http_free(NULL);
}
END_TEST

START_TEST(test_limits)
{
	char err[256];
	struct http_server *h =
	    http_new("0", routes, NROUTES, NULL, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	ck_assert_ptr_nonnull(strstr(http_address(h), "127.0.0.1:"));
	calls = 0;
	/* A body past the route's cap: 413, the handler never runs. */
	char *r =
	    roundtrip(h, "POST /echo HTTP/1.0\r\nContent-Length: 40\r\n\r\n"
			 "0123456789012345678901234567890123456789");
	ck_assert_msg(strstr(r, " 413 ") != NULL, "%s", r);
	/* Headers past the connection memory: refused, not grown. */
	size_t big = HTTP_CONN_MEMORY * 2;
	char *req = malloc(big + 64);
	int o = snprintf(req, big + 64, "GET /hello HTTP/1.0\r\nX-Big: ");
	memset(req + o, 'a', big);
	strcpy(req + o + big, "\r\n\r\n");
	r = roundtrip(h, req);
	free(req);
	ck_assert_msg(strstr(r, " 200 ") == NULL, "%.200s", r);
	ck_assert_int_eq(calls, 0);
	http_free(h);
}
END_TEST

START_TEST(test_accept_encoding)
{
	static const struct {
		const char *v;
		bool gzip;
	} cases[] = {
	    {NULL, false}, /* no field: as before, plain */
	    {"", false},
	    {"gzip", true},
	    {"GZip", true},
	    {"x-gzip", true},
	    {"gzip, deflate, br", true},
	    {"br,gzip", true},
	    {" \tdeflate ,  gzip \t", true},
	    {"deflate", false},
	    {"identity", false},
	    {"gzip;q=0", false},
	    {"gzip; q=0.000", false},
	    {"gzip ; Q=0.001", true},
	    {"gzip;q=1", true},
	    {"gzip;q=1.000", true},
	    {"gzip;q=0.5, identity;q=1", true},
	    {"*", true},
	    {"*;q=0", false},
	    {"*;q=0, gzip", true},       /* named beats "*" */
	    {"gzip;q=0, *", false},      /* named beats "*" */
	    {"gzip;q=0, *;q=1", false},
	    {"identity;q=0, *", true},
	    {"gzip;q=0, gzip;q=0.3", true}, /* the higher of the two */
	    {"gzip;q=1.5", false},          /* not a qvalue: ignored */
	    {"gzip;q=0.0001", false},
	    {"gzip;q=", false},
	    {"gzip;q=abc", false},
	    {"gzip;level=9", false}, /* no such parameter */
	    {"gzip x", false},
	    {"gzipx", false},
	    {"gzip;q=0.5 junk, deflate", false},
	    {"deflate;q=0.5 junk, gzip", true},
	    {",,gzip,,", true},
	    {"\"gzip\"", false},
	    {";q=1", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(http_accepts_gzip(cases[i].v) == cases[i].gzip,
			      "'%s': want %d", cases[i].v ? cases[i].v : "(none)",
			      cases[i].gzip);
	/* Several field lines are one list (RFC 9110 §5.3). */
	struct http_accept a;
	http_accept_init(&a);
	http_accept_add(&a, "deflate");
	ck_assert(!http_accept_gzip(&a));
	http_accept_add(&a, "gzip;q=0.2");
	ck_assert(http_accept_gzip(&a));
}
END_TEST

/* The body of a whole HTTP/1.0 answer r of n bytes, *len its size. */
static const char *answer_body(const char *r, size_t n, size_t *len)
{
	const char *b = strstr(r, "\r\n\r\n");
	ck_assert_ptr_nonnull(b);
	b += 4;
	*len = n - (size_t)(b - r);
	return b;
}

static size_t gunzip(const char *in, size_t n, char *out, size_t cap)
{
	z_stream zs = {0};
	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(zs.avail_in, 0); /* nothing after the trailer */
	size_t got = cap - zs.avail_out;
	inflateEnd(&zs);
	return got;
}

START_TEST(test_gzip)
{
	char err[256];
	struct http_server *h =
	    http_new("127.0.0.1:0", routes, NROUTES, NULL, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	static char plain[65536], unz[65536];
	size_t plen, n;
	char *r = roundtrip(h, "GET /big HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, " 200 "));
	ck_assert_ptr_null(strcasestr(r, "Content-Encoding"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nVary: Accept-Encoding\r\n"));
	const char *b = answer_body(r, last_len, &plen);
	ck_assert_uint_gt(plen, 30000);
	ck_assert_uint_lt(plen, sizeof(plain));
	memcpy(plain, b, plen);
	/* Refused, or not named: the same bytes as with no field. */
	static const char *const plain_reqs[] = {
	    "GET /big HTTP/1.0\r\nAccept-Encoding: gzip;q=0, *\r\n\r\n",
	    "GET /big HTTP/1.0\r\nAccept-Encoding: deflate, br\r\n\r\n",
	    "GET /big HTTP/1.0\r\nAccept-Encoding: \r\n\r\n",
	};
	for (size_t i = 0; i < 3; i++) {
		r = roundtrip(h, plain_reqs[i]);
		ck_assert_ptr_null(strcasestr(r, "Content-Encoding"));
		b = answer_body(r, last_len, &n);
		ck_assert_uint_eq(n, plen);
		ck_assert(memcmp(b, plain, plen) == 0);
	}
	/* Accepted, also on a second field line: gzip, inflating to the
	 * same bytes. */
	static const char *const gz_reqs[] = {
	    "GET /big HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n",
	    "GET /big HTTP/1.0\r\nAccept-Encoding: br\r\n"
	    "accept-encoding: GZIP;q=0.5\r\n\r\n",
	    "GET /big HTTP/1.0\r\nAccept-Encoding: *\r\n\r\n",
	};
	for (size_t i = 0; i < 3; i++) {
		r = roundtrip(h, gz_reqs[i]);
		ck_assert_msg(strstr(r, "\r\nContent-Encoding: gzip\r\n") != NULL,
			      "%s: %.300s", gz_reqs[i], r);
		ck_assert_ptr_nonnull(strstr(r, "\r\nVary: Accept-Encoding\r\n"));
		b = answer_body(r, last_len, &n);
		ck_assert_uint_lt(n, plen / 2);
		ck_assert_uint_eq(gunzip(b, n, unz, sizeof(unz)), plen);
		ck_assert(memcmp(unz, plain, plen) == 0);
	}
	/* HEAD: the GET's headers, no body. */
	r = roundtrip(h, "HEAD /big HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Encoding: gzip\r\n"));
	answer_body(r, last_len, &n);
	ck_assert_uint_eq(n, 0);
	/* A route not marked gzip stays plain, without Vary. */
	r = roundtrip(h, "GET /hello HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nhello\n"));
	ck_assert_ptr_null(strcasestr(r, "Content-Encoding"));
	ck_assert_ptr_null(strcasestr(r, "Vary"));
	http_free(h);
}
END_TEST

START_TEST(test_parse_listen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[256];
	ck_assert_int_eq(http_parse_listen("9464", &ss, &sl, err, sizeof(err)),
			 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr),
			  0x7f000001);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9464);
	ck_assert_int_eq(
	    http_parse_listen("0.0.0.0:80", &ss, &sl, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    http_parse_listen("[::1]:9464", &ss, &sl, err, sizeof(err)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(
	    http_parse_listen("localhost:1", &ss, &sl, err, sizeof(err)), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	static const char *const bad[] = {"",
					  "x",
					  "65536",
					  "-1",
					  ":80",
					  "1.2.3:80",
					  "host.example:80",
					  "[::1]:",
					  "127.0.0.1:9x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(
		    http_parse_listen(bad[i], &ss, &sl, err, sizeof(err)) == -1,
		    "%s accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "--listen"));
	}
}
END_TEST

Suite *out_http_suite(void)
{
	Suite *s = suite_create("out_http");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_parse_listen);
	tcase_add_test(tc, test_accept_encoding);
	tcase_add_test(tc, test_gzip);
	suite_add_tcase(s, tc);
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_limits);
	suite_add_tcase(s, lim);
	return s;
}
