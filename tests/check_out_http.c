#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static const struct http_route routes[] = {
    {"GET", "/hello", 0, h_hello},
    {"POST", "/echo", 16, h_echo},
    {"GET", "/fail", 0, h_fail},
};

/* One request on a fresh connection, served by polling the server from
 * this thread (as the capture loop does); the whole answer. */
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
	return buf;
}

START_TEST(test_routes)
{
	char err[256];
	struct http_server *h =
	    http_new("127.0.0.1:0", routes, 3, NULL, err, sizeof(err));
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
	    http_new("0", routes, 3, NULL, err, sizeof(err));
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
	suite_add_tcase(s, tc);
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_limits);
	suite_add_tcase(s, lim);
	return s;
}
