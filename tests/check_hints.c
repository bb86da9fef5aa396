/* The line a run prints when it found no session (cli/hints.c). */
#include <check.h>
#include <string.h>

#include "../cli/hints.h"
#include "check_suites.h"

START_TEST(test_nothing_set_aside)
{
	struct counters c = {0};
	char buf[512];
	c.v[CTR_PACKETS] = 100;
	c.v[CTR_PKT_NOT_ISCSI_PORT] = 100; /* ordinary traffic: no hint */
	ck_assert_int_eq(hint_no_sessions(&c, buf, sizeof(buf)), 0);
	/* Fragments that were all reassembled are not set aside. */
	c.v[CTR_PKT_IP_FRAGMENT] = 30;
	c.v[CTR_FRAG_DATAGRAMS] = 10;
	c.v[CTR_FRAG_OVERLAP] = 2;
	ck_assert_int_eq(hint_no_sessions(&c, buf, sizeof(buf)), 0);
}
END_TEST

/* Each reason, alone: its count and its fix. */
static const struct {
	enum counter_id id;
	const char *fix;
} reasons[] = {
	{CTR_PKT_LINKTYPE_UNSUPPORTED, "editcap"},
	{CTR_PKT_TUNNEL_DEEP, "strip a layer"},
	{CTR_PKT_TUNNEL_UNSUPPORTED, "ERSPAN, GRE, VXLAN or Geneve"},
	{CTR_FRAG_TRUNCATED, "tcpdump -s 0"},
	{CTR_FRAG_TIMEOUT, "fragmented"},
	{CTR_FRAG_INCOMPLETE, "fragmented"},
	{CTR_FRAG_MEMCAP, "fragmented"},
	{CTR_FRAG_OVERLAP_MISMATCH, "nearer the hosts"},
	{CTR_FLOWS_CAP_HIT, "--max-flows"},
	{CTR_FLOWS_EVICTED_UNKNOWN, "--max-flows"},
	{CTR_FLOWS_EVICTED_EMPTY, "--max-flows"},
	{CTR_PKT_TRUNCATED, "-s 262144"},
};

START_TEST(test_each_reason)
{
	struct counters c = {0};
	char buf[512];
	c.v[reasons[_i].id] = 1234;
	ck_assert_int_eq(hint_no_sessions(&c, buf, sizeof(buf)), 1);
	ck_assert_msg(strstr(buf, "0 sessions; 1234 packets were ") ||
			      strstr(buf, "0 sessions; 1234 flows were ") ||
			      strstr(buf, "0 sessions; 1234 datagrams were "),
		      "%s", buf);
	ck_assert_msg(strstr(buf, reasons[_i].fix), "%s", buf);
	ck_assert_ptr_null(strstr(buf, "see -v"));
	c.v[reasons[_i].id] = 1;
	hint_no_sessions(&c, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "; 1 packet was ") ||
			      strstr(buf, "; 1 flow was ") ||
			      strstr(buf, "; 1 datagram was "),
		      "%s", buf);
}
END_TEST

/* Several: the biggest is named, the others pointed at. */
START_TEST(test_biggest_named)
{
	struct counters c = {0};
	char buf[512];
	c.v[CTR_FRAG_TIMEOUT] = 7;
	c.v[CTR_FLOWS_CAP_HIT] = 70;
	ck_assert_int_eq(hint_no_sessions(&c, buf, sizeof(buf)), 1);
	ck_assert_msg(strstr(buf, "70 packets") && strstr(buf, "--max-flows") &&
			      strstr(buf, "see -v"),
		      "%s", buf);
	char small[16];
	ck_assert_int_eq(hint_no_sessions(&c, small, sizeof(small)), 1);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

Suite *hints_suite(void)
{
	Suite *s = suite_create("hints");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_nothing_set_aside);
	tcase_add_loop_test(tc, test_each_reason, 0,
			    (int)(sizeof(reasons) / sizeof(reasons[0])));
	tcase_add_test(tc, test_biggest_named);
	suite_add_tcase(s, tc);
	return s;
}
