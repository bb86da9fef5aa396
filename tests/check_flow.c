/* The flow table: both directions, caps, LRU order, growth. */
#include "check_suites.h"

#include <string.h>

#include "flow.h"

static struct net_tcp pkt(uint32_t src, uint16_t sport, uint32_t dst,
			  uint16_t dport)
{
	struct net_tcp t;
	memset(&t, 0, sizeof(t));
	t.src.family = t.dst.family = 4;
	memcpy(t.src.a, &src, 4);
	memcpy(t.dst.a, &dst, 4);
	t.sport = sport;
	t.dport = dport;
	return t;
}

START_TEST(test_both_directions)
{
	struct counters c = {{0}};
	struct flow_limits lim = {16, 1000};
	struct flow_table *ft = flow_table_new(&lim, &c);
	struct net_tcp a = pkt(1, 40000, 2, 3260), b = pkt(2, 3260, 1, 40000);
	int dir = -1;
	ck_assert_ptr_null(flow_lookup(ft, &a, 1, false, &dir));
	struct flow *f = flow_lookup(ft, &a, 1, true, &dir);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(dir, 0);
	ck_assert_ptr_eq(flow_lookup(ft, &b, 2, true, &dir), f);
	ck_assert_int_eq(dir, 1);
	ck_assert_int_eq(f->target, -1);
	ck_assert_uint_eq(f->id, 0);
	ck_assert_uint_eq(f->last_ns, 2);
	/* Same addresses, other port: another flow. */
	struct net_tcp d = pkt(1, 40001, 2, 3260);
	struct flow *g = flow_lookup(ft, &d, 3, true, &dir);
	ck_assert_ptr_ne(g, f);
	ck_assert_uint_eq(g->id, 1);
	ck_assert_uint_eq(flow_count(ft), 2);
	ck_assert_uint_eq(c.v[CTR_FLOWS_CREATED], 2);
	flow_table_free(ft);
}
END_TEST

START_TEST(test_lru_and_cap)
{
	struct counters c = {{0}};
	struct flow_limits lim = {3, 1000};
	struct flow_table *ft = flow_table_new(&lim, &c);
	struct flow *f[3];
	int dir;
	for (int i = 0; i < 3; i++) {
		struct net_tcp t = pkt(1, (uint16_t)(1000 + i), 2, 3260);
		f[i] = flow_lookup(ft, &t, (uint64_t)i, true, &dir);
	}
	ck_assert_ptr_eq(flow_oldest(ft), f[0]);
	struct net_tcp t0 = pkt(2, 3260, 1, 1000);
	flow_lookup(ft, &t0, 10, true, &dir); /* touches f[0] */
	ck_assert_ptr_eq(flow_oldest(ft), f[1]);
	struct net_tcp t4 = pkt(1, 2000, 2, 3260);
	ck_assert_ptr_null(flow_lookup(ft, &t4, 11, true, &dir));
	ck_assert_uint_eq(c.v[CTR_FLOWS_CAP_HIT], 1);
	flow_table_remove(ft, f[1]);
	ck_assert_ptr_eq(flow_oldest(ft), f[2]);
	ck_assert_ptr_nonnull(flow_lookup(ft, &t4, 12, true, &dir));
	ck_assert_uint_eq(flow_count(ft), 3);
	flow_table_free(ft);
}
END_TEST

START_TEST(test_many_flows)
{
	struct counters c = {{0}};
	struct flow_limits lim = {20000, 1000};
	struct flow_table *ft = flow_table_new(&lim, &c);
	int dir;
	for (uint32_t i = 0; i < 20000; i++) {
		struct net_tcp t = pkt(i, (uint16_t)i, 7, 3260);
		ck_assert_ptr_nonnull(flow_lookup(ft, &t, i, true, &dir));
	}
	for (uint32_t i = 0; i < 20000; i += 997) {
		struct net_tcp t = pkt(7, 3260, i, (uint16_t)i);
		struct flow *f = flow_lookup(ft, &t, 30000, false, &dir);
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->id, i);
		ck_assert_int_eq(dir, 1);
	}
	ck_assert_uint_eq(flow_count(ft), 20000);
	flow_table_free(ft);
}
END_TEST

START_TEST(test_ipv6_keys)
{
	struct counters c = {{0}};
	struct flow_limits lim = {8, 1000};
	struct flow_table *ft = flow_table_new(&lim, &c);
	struct net_tcp a = pkt(1, 5, 2, 3260);
	struct net_tcp b = a;
	b.src.family = b.dst.family = 6; /* same bytes, other family */
	int dir;
	struct flow *fa = flow_lookup(ft, &a, 1, true, &dir);
	struct flow *fb = flow_lookup(ft, &b, 1, true, &dir);
	ck_assert_ptr_ne(fa, fb);
	flow_table_free(ft);
}
END_TEST

START_TEST(test_domain_keys)
{
	/* Two tenants on two VLANs (or VNIs) with the same addresses and
	 * ports: two flows; both directions of each still meet. */
	struct counters c = {{0}};
	struct flow_limits lim = {8, 1000};
	struct flow_table *ft = flow_table_new(&lim, &c);
	struct net_tcp a = pkt(1, 5, 2, 3260), b = a;
	b.domain = 100;
	int dir;
	struct flow *fa = flow_lookup(ft, &a, 1, true, &dir);
	struct flow *fb = flow_lookup(ft, &b, 1, true, &dir);
	ck_assert_ptr_ne(fa, fb);
	ck_assert_uint_eq(fb->domain, 100);
	struct net_tcp rb = pkt(2, 3260, 1, 5);
	rb.domain = 100;
	ck_assert_ptr_eq(flow_lookup(ft, &rb, 2, false, &dir), fb);
	ck_assert_int_eq(dir, 1);
	rb.domain = 0;
	ck_assert_ptr_eq(flow_lookup(ft, &rb, 2, false, &dir), fa);
	rb.domain = 200;
	ck_assert_ptr_null(flow_lookup(ft, &rb, 2, false, &dir));
	flow_table_free(ft);
}
END_TEST

START_TEST(test_eviction_order)
{
	struct counters c = {{0}};
	struct flow_limits lim = {16, 1000};
	struct flow_table *ft = flow_table_new(&lim, &c);
	struct flow *f[8];
	int dir;
	for (int i = 0; i < 8; i++) {
		struct net_tcp t = pkt(1, (uint16_t)(1000 + i), 2, 3260);
		f[i] = flow_lookup(ft, &t, (uint64_t)i, true, &dir);
		ck_assert_int_eq(f[i]->cls, FLOW_UNKNOWN);
	}
	/* Oldest first: f0 f1 logged in, f2 f3 port with payload, f4 f5
	 * port empty, f6 unknown, f7 not iSCSI. */
	static const enum flow_class cls[8] = {
		FLOW_LOGGED_IN, FLOW_LOGGED_IN, FLOW_PORT,    FLOW_PORT,
		FLOW_PORT_EMPTY, FLOW_PORT_EMPTY, FLOW_UNKNOWN, FLOW_NOT_ISCSI};
	for (int i = 0; i < 8; i++)
		flow_set_class(ft, f[i], cls[i]);
	ck_assert_ptr_eq(flow_oldest(ft), f[0]); /* classes keep LRU order */
	enum counter_id kind = CTR_MAX;
	/* Known not iSCSI first, though the newest. */
	ck_assert_ptr_eq(flow_victim(ft, false, &kind), f[7]);
	ck_assert_int_eq(kind, CTR_FLOWS_EVICTED_NOT_ISCSI);
	flow_table_remove(ft, f[7]);
	ck_assert_ptr_eq(flow_victim(ft, false, &kind), f[6]);
	ck_assert_int_eq(kind, CTR_FLOWS_EVICTED_UNKNOWN);
	flow_table_remove(ft, f[6]);
	/* A newcomer off the iSCSI ports pushes out nothing on them. */
	ck_assert_ptr_null(flow_victim(ft, false, &kind));
	/* One on a port takes the oldest empty flow on a port. */
	ck_assert_ptr_eq(flow_victim(ft, true, &kind), f[4]);
	ck_assert_int_eq(kind, CTR_FLOWS_EVICTED_EMPTY);
	flow_table_remove(ft, f[4]);
	flow_table_remove(ft, f[5]);
	/* Payload on a port, or a login: never. */
	ck_assert_ptr_null(flow_victim(ft, true, &kind));
	/* Using a flow moves it to the end of its class only. */
	struct net_tcp t0 = pkt(1, 1000, 2, 3260);
	ck_assert_ptr_eq(flow_lookup(ft, &t0, 20, false, &dir), f[0]);
	ck_assert_ptr_eq(flow_oldest(ft), f[1]);
	flow_set_class(ft, f[3], FLOW_NOT_ISCSI);
	ck_assert_ptr_eq(flow_victim(ft, false, &kind), f[3]);
	/* Idle order is across classes: f1, f2, f3, then f0. */
	const struct flow *order[4] = {f[1], f[2], f[3], f[0]};
	for (int i = 0; i < 4; i++) {
		struct flow *o = flow_oldest(ft);
		ck_assert_ptr_eq(o, order[i]);
		flow_table_remove(ft, o);
	}
	ck_assert_ptr_null(flow_oldest(ft));
	flow_table_free(ft);
}
END_TEST

Suite *flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *core = tcase_create("core");
	tcase_add_test(core, test_both_directions);
	tcase_add_test(core, test_ipv6_keys);
	tcase_add_test(core, test_domain_keys);
	suite_add_tcase(s, core);
	TCase *lim = tcase_create("limits");
	tcase_add_test(lim, test_lru_and_cap);
	tcase_add_test(lim, test_many_flows);
	tcase_add_test(lim, test_eviction_order);
	suite_add_tcase(s, lim);
	return s;
}
