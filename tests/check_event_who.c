/* Who an event names (event_who.c), as the NDJSON sink writes it, and the
 * events file reopened after a move (SIGHUP, logrotate). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "event_who.h"
#include "export.h"

static struct session *mk(void)
{
	struct session *s = calloc(1, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	session_names_init(s);
	session_name_set(&s->initiator_name, "iqn.i");
	session_name_set(&s->target_name, "iqn.t:none");
	static const uint8_t isid[6] = {0x80, 0x12, 0x34, 0x56, 0, 1};
	memcpy(s->isid, isid, 6);
	s->isid_known = true;
	return s;
}

START_TEST(test_fill)
{
	struct session *s = mk();
	struct event_who w;
	event_who_fill(s, NULL, &w);
	ck_assert_str_eq(w.initiator, "iqn.i");
	ck_assert_str_eq(w.target, "iqn.t:none");
	ck_assert_str_eq(w.isid, "0x801234560001");
	ck_assert_int_eq(w.tsih, -1);
	ck_assert_str_eq(w.initiator_addr, "");
	ck_assert_int_eq(w.target_port, -1);
	/* The first connection stands in when the event has none. */
	struct sconn c = {0};
	c.initiator.addr.family = 6;
	c.initiator.addr.a[15] = 1;
	c.initiator.port = 50000;
	c.target.addr.family = 4;
	memcpy(c.target.addr.a, "\xc0\x00\x02\x0a", 4);
	c.target.port = 3260;
	s->conns = &c;
	s->tsih = 7;
	s->tsih_known = true;
	session_name_set(&s->initiator_name, "");
	event_who_fill(s, NULL, &w);
	ck_assert_ptr_null(w.initiator);
	ck_assert_int_eq(w.tsih, 7);
	ck_assert_str_eq(w.initiator_addr, "::1");
	ck_assert_int_eq(w.initiator_port, 50000);
	ck_assert_str_eq(w.target_addr, "192.0.2.10");
	ck_assert_int_eq(w.target_port, 3260);
	session_parts_free(s);
	free(s);
}
END_TEST

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

START_TEST(test_reopen)
{
	char path[64], moved[80], err[EXPORT_ERR_MAX];
	snprintf(path, sizeof(path), "/tmp/iw-events-test.%d", (int)getpid());
	snprintf(moved, sizeof(moved), "%s.1", path);
	unlink(path);
	struct events_sink *es =
	    events_open(path, PERSP_TARGET, err, sizeof(err));
	ck_assert_msg(es != NULL, "%s", err);
	const struct session_listener *l = events_listener(es);
	struct session *s = mk();
	struct sess_event ev = {
	    .ts_ns = 1, .kind = "login_failed", .detail = "one"};
	l->event(l->user, s, NULL, &ev);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(events_reopen(es, err, sizeof(err)), 0);
	ev.detail = "two";
	l->event(l->user, s, NULL, &ev);
	char *b = slurp(path);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(strstr(b, "\"detail\":\"two\""));
	ck_assert_ptr_null(strstr(b, "\"detail\":\"one\""));
	/* The path cannot be opened now: the old file is kept. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(events_reopen(es, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_int_eq(events_close(es), 0);
	char *a = slurp(moved);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(strstr(a, "\"detail\":\"one\""));
	ck_assert_ptr_null(strstr(a, "\"detail\":\"two\""));
	ck_assert_ptr_nonnull(
	    strstr(a, "\"initiator\":\"iqn.i\",\"target\":\"iqn.t:none\","
		      "\"isid\":\"0x801234560001\",\"tsih\":null"));
	rmdir(path);
	unlink(moved);
	session_parts_free(s);
	free(s);
}
END_TEST

Suite *event_who_suite(void)
{
	Suite *s = suite_create("event_who");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_fill);
	tcase_add_test(tc, test_reopen);
	suite_add_tcase(s, tc);
	return s;
}
