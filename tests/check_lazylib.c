/* lazylib: libmicrohttpd and libxml2 opened when --listen needs them.
 * The load itself, a library or a symbol that is not there, and what
 * each user does then: one line naming the option and the library,
 * nothing half started. The normal path is also what check_out_http.c,
 * check_cimxml.c and the capture tests serve through. */
#include <check.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "../cli/options.h"
#include "../cli/sensor.h"
#include "check_suites.h"
#include "cimxml.h"
#include "lazylib.h"
#include "out_http.h"

#define ABSENT "libiscsiwatch-absent.so.0"

/* err is "OPT needs SONAME: <dlerror text>", one line, with want in
 * the dlerror part. */
static void check_message(const char *err, const char *opt, const char *soname,
			  const char *want)
{
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s needs %s: ", opt, soname);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "%s", err);
	ck_assert_msg(strstr(err + strlen(prefix), want) != NULL, "%s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
}

struct one_fn {
	const char *(*get_version)(void);
};

START_TEST(test_load)
{
	/* A table of our own against the build's soname: the same function
	 * the test program links directly. */
	struct one_fn t = {0};
	static const struct lazysym rows[] = {
	    {"MHD_get_version", offsetof(struct one_fn, get_version)}};
	struct lazylib l = {LAZYLIB_MHD_SONAME, "--listen", rows, 1, &t, NULL};
	char err[256] = "";
	ck_assert_msg(lazylib_load(&l, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(l.handle);
	ck_assert_ptr_nonnull(t.get_version);
	ck_assert_str_eq(t.get_version(), MHD_get_version());
	void *h = l.handle;
	ck_assert_int_eq(lazylib_load(&l, err, sizeof(err)), 0);
	ck_assert_ptr_eq(l.handle, h);
	/* The program's two, as named by the Makefile. */
	ck_assert_str_eq(http_lib.soname, LAZYLIB_MHD_SONAME);
	ck_assert_str_eq(xml_lib.soname, LAZYLIB_XML_SONAME);
	ck_assert_ptr_nonnull(strstr(LAZYLIB_MHD_SONAME, "libmicrohttpd.so."));
	ck_assert_ptr_nonnull(strstr(LAZYLIB_XML_SONAME, "libxml2.so."));
	ck_assert_msg(lazylib_load(&http_lib, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_msg(lazylib_load(&xml_lib, err, sizeof(err)) == 0, "%s", err);
}
END_TEST

START_TEST(test_no_library)
{
	struct one_fn t = {0};
	static const struct lazysym rows[] = {
	    {"MHD_get_version", offsetof(struct one_fn, get_version)}};
	struct lazylib l = {ABSENT, "--listen", rows, 1, &t, NULL};
	char err[256] = "";
	ck_assert_int_eq(lazylib_load(&l, err, sizeof(err)), -1);
	check_message(err, "--listen", ABSENT, "cannot open shared object");
	ck_assert_ptr_null(l.handle);
	ck_assert_ptr_null(t.get_version);
	/* Not remembered as loaded: the next call fails the same way. */
	err[0] = '\0';
	ck_assert_int_eq(lazylib_load(&l, err, sizeof(err)), -1);
	check_message(err, "--listen", ABSENT, "cannot open shared object");
	/* No buffer: still -1. */
	ck_assert_int_eq(lazylib_load(&l, NULL, 0), -1);
}
END_TEST

struct two_fn {
	void (*init)(void);
	void (*missing)(void);
};

START_TEST(test_no_symbol)
{
	/* An older libxml2 without a function we call: refused whole. */
	struct two_fn t = {0};
	static const struct lazysym rows[] = {
	    {"xmlInitParser", offsetof(struct two_fn, init)},
	    {"xmlIscsiwatchNoSuchFunction", offsetof(struct two_fn, missing)}};
	struct lazylib l = {LAZYLIB_XML_SONAME, "--listen", rows, 2, &t, NULL};
	char err[256] = "";
	ck_assert_int_eq(lazylib_load(&l, err, sizeof(err)), -1);
	check_message(err, "--listen", LAZYLIB_XML_SONAME,
		      "xmlIscsiwatchNoSuchFunction");
	ck_assert_ptr_null(l.handle);
	ck_assert_ptr_null(t.missing);
}
END_TEST

static int h_none(void *user, const struct http_request *rq,
		  struct http_reply *rp)
{
	(void)user;
	(void)rq;
	(void)rp;
	return -1;
}

static const struct http_route routes[] = {{"GET", "/x", 0, h_none, false}};

START_TEST(test_http_without_library)
{
	struct lazylib saved = http_lib;
	http_lib.soname = ABSENT;
	http_lib.handle = NULL;
	char err[256] = "";
	struct http_server *h =
	    http_new("127.0.0.1:0", routes, 1, NULL, err, sizeof(err));
	ck_assert_ptr_null(h);
	check_message(err, "--listen", ABSENT, "cannot open shared object");
	/* A bad address is still told as such, before any library. */
	h = http_new("127.0.0.1:99999", routes, 1, NULL, err, sizeof(err));
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(strstr(err, "bad port"));
	http_lib = saved;
	h = http_new("127.0.0.1:0", routes, 1, NULL, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s", err);
	http_free(h);
}
END_TEST

START_TEST(test_cimxml_without_library)
{
	struct lazylib saved = xml_lib;
	xml_lib.soname = ABSENT;
	xml_lib.handle = NULL;
	char err[256] = "";
	ck_assert_int_eq(cimxml_init(err, sizeof(err)), -1);
	check_message(err, "--listen", ABSENT, "cannot open shared object");
	/* A request that reaches it anyway: 500, no body, nothing parsed. */
	static const char body[] = "<?xml version=\"1.0\"?><CIM/>";
	struct cimxml_headers hd = {"MethodCall", "GetClass", "root/cimv2"};
	struct cimxml_src src = {NULL, PERSP_TARGET, "test", "localhost"};
	struct cimxml_reply r;
	ck_assert_int_eq(cimxml_handle(body, sizeof(body) - 1, &hd, &src, &r),
			 -1);
	ck_assert_int_eq(r.http_status, 500);
	ck_assert_ptr_null(r.body);
	xml_lib = saved;
	ck_assert_msg(cimxml_init(err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cimxml_handle(body, sizeof(body) - 1, &hd, &src, &r),
			 0);
	ck_assert_int_ne(r.http_status, 500);
	cimxml_reply_free(&r);
}
END_TEST

/* The run's own path: --listen without libmicrohttpd, or without
 * libxml2, stops at start with the line the program prints after
 * "iscsiwatch: " (run_open(), exit 1); no sensor is left. */
START_TEST(test_sensor_without_library)
{
	struct cli_opts o;
	cli_opts_init(&o);
	o.listen = "127.0.0.1:0";
	struct lazylib *libs[] = {&http_lib, &xml_lib};
	for (size_t i = 0; i < 2; i++) {
		struct lazylib saved = *libs[i];
		libs[i]->soname = ABSENT;
		libs[i]->handle = NULL;
		struct sensor *sv = NULL;
		char err[256] = "";
		ck_assert_int_eq(sensor_open(&sv, &o, err, sizeof(err)), -1);
		ck_assert_ptr_null(sv);
		check_message(err, "--listen", ABSENT,
			      "cannot open shared object");
		*libs[i] = saved;
	}
	/* Without --listen nothing is loaded, nothing is needed. */
	struct lazylib saved_http = http_lib, saved_xml = xml_lib;
	http_lib.soname = xml_lib.soname = ABSENT;
	http_lib.handle = xml_lib.handle = NULL;
	o.listen = NULL;
	struct sensor *sv = NULL;
	char err[256] = "";
	ck_assert_msg(sensor_open(&sv, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(sv);
	http_lib = saved_http;
	xml_lib = saved_xml;
	o.listen = "127.0.0.1:0";
	ck_assert_msg(sensor_open(&sv, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(sv);
	ck_assert(sensor_serves(sv));
	sensor_close(sv);
}
END_TEST

Suite *lazylib_suite(void)
{
	Suite *s = suite_create("lazylib");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_no_library);
	tcase_add_test(tc, test_no_symbol);
	tcase_add_test(tc, test_http_without_library);
	tcase_add_test(tc, test_cimxml_without_library);
	tcase_add_test(tc, test_sensor_without_library);
	suite_add_tcase(s, tc);
	return s;
}
