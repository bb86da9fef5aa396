#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_suites.h"
#include "out_syslog.h"

static struct session *mk(void)
{
	struct session *s = calloc(1, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	s->seq = 4;
	session_names_init(s);
	session_name_set(&s->initiator_name, "iqn.i:a]b\"c\\d");
	session_name_set(&s->target_name, "iqn.t:\xff");
	static const uint8_t isid[6] = {0x80, 0x66, 0x62, 0x3b, 0, 0};
	memcpy(s->isid, isid, 6);
	s->isid_known = true;
	return s;
}

START_TEST(test_format)
{
	struct session *s = mk();
	struct sconn c = {.cid_known = true, .cid = 3};
	c.initiator.addr.family = 4;
	memcpy(c.initiator.addr.a, "\x7f\x00\x00\x01", 4);
	c.initiator.port = 49368;
	c.target.addr.family = 4;
	memcpy(c.target.addr.a, "\xc0\x00\x02\x01", 4);
	c.target.port = 3260;
	struct sess_event ev = {.ts_ns = 1795499019895183000ull,
				.kind = "login_failed",
				.detail = "target not found (0x0203)"};
	char buf[SYSLOG_MSG_MAX];
	size_t n = syslog_format(s, &c, &ev, "sensor 1", 42, buf, sizeof(buf));
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_str_eq(
	    buf, "<28>1 2026-11-24T05:43:39.895183Z sensor_1 iscsiwatch 42 "
		 "login_failed "
		 "[iscsiwatch@32473 initiator=\"iqn.i:a\\]b\\\"c\\\\d\" "
		 "target=\"iqn.t:\xef\xbf\xbd\" isid=\"0x8066623b0000\" "
		 "initiator_address=\"127.0.0.1\" initiator_port=\"49368\" "
		 "target_address=\"192.0.2.1\" target_port=\"3260\" seq=\"4\" "
		 "cid=\"3\"] "
		 "target not found (0x0203)");
	/* A lost session is an error (severity 3): <27>; no connection:
	 * no endpoints, nothing unknown is sent. */
	ev.kind = "session_lost";
	session_name_set(&s->initiator_name, "");
	syslog_format(s, NULL, &ev, "", 1, buf, sizeof(buf));
	ck_assert_str_eq(
	    buf,
	    "<27>1 2026-11-24T05:43:39.895183Z - iscsiwatch 1 session_lost "
	    "[iscsiwatch@32473 target=\"iqn.t:\xef\xbf\xbd\" "
	    "isid=\"0x8066623b0000\" seq=\"4\"] "
	    "target not found (0x0203)");
	/* A short buffer is cut, still terminated. */
	ck_assert_uint_eq(syslog_format(s, NULL, &ev, "h", 1, buf, 10), 9);
	ck_assert_uint_eq(strlen(buf), 9);
	/* Wire text in the message cannot start a second log line or reach
	 * a terminal: each control character becomes U+FFFD. */
	ev.detail = "bad\nfake 2\x1b[2J";
	syslog_format(s, NULL, &ev, "", 1, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "] bad\xef\xbf\xbd" "fake 2\xef\xbf\xbd[2J"));
	for (const char *p = buf; *p; p++)
		ck_assert((unsigned char)*p >= 0x20 && *p != 0x7f);
	session_parts_free(s);
	free(s);
}
END_TEST

static int bind_dgram(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

START_TEST(test_socket)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/iw-syslog-test.%d", (int)getpid());
	char err[256];
	unlink(path);
	ck_assert_ptr_null(syslog_open(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "--syslog"));
	int rx = bind_dgram(path);
	struct syslog_sink *sk = syslog_open(path, err, sizeof(err));
	ck_assert_msg(sk != NULL, "%s", err);
	const struct session_listener *l = syslog_listener(sk);
	struct session *s = mk();
	struct sess_event ev = {
	    .ts_ns = 1, .kind = "connection_added", .detail = ""};
	l->event(l->user, s, NULL, &ev); /* not sent */
	ev.kind = "session_degraded";
	l->event(l->user, s, NULL, &ev);
	char buf[4096];
	ssize_t k = recv(rx, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(k, 0);
	buf[k] = '\0';
	ck_assert_ptr_nonnull(
	    strstr(buf, " session_degraded [iscsiwatch@32473 "));
	ck_assert_int_eq(recv(rx, buf, sizeof(buf), MSG_DONTWAIT), -1);
	/* The daemon restarts: a new socket at the same path. */
	close(rx);
	rx = bind_dgram(path);
	ev.kind = "login_failed";
	l->event(l->user, s, NULL, &ev);
	k = recv(rx, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(k, 0);
	ck_assert_uint_eq(syslog_errors(sk), 0);
	/* Gone: counted, not fatal. */
	close(rx);
	unlink(path);
	l->event(l->user, s, NULL, &ev);
	ck_assert_uint_eq(syslog_errors(sk), 1);
	syslog_close(sk);
	syslog_close(NULL);
	session_parts_free(s);
	free(s);
}
END_TEST

Suite *out_syslog_suite(void)
{
	Suite *s = suite_create("out_syslog");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_socket);
	suite_add_tcase(s, tc);
	return s;
}
