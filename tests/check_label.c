/* check_label.c - reasons and shortened names (label.h). */
#include "check_suites.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"
#include "textsafe.h"

static size_t chars(const char *s)
{
	size_t k = 0;
	for (; *s; s++)
		k += ((unsigned char)*s & 0xc0) != 0x80;
	return k;
}

static const struct {
	const char *name;
	size_t width;
	const char *want;
} name_vec[] = {
    /* Fits: unchanged. */
    {"iqn.2024-01.org.x:disk1", 30, "iqn.2024-01.org.x:disk1"},
    /* The unique part stays whole, the start is kept before it. */
    {"iqn.1991-05.com.microsoft:esx15.corp.example.com", 36,
     "iqn.1991-05.~:esx15.corp.example.com"},
    {"iqn.1991-05.com.microsoft:esx15.corp.example.com", 28,
     "iqn.~:esx15.corp.example.com"},
    /* Too narrow for the unique part: it loses its middle, both of its
     * ends stay. */
    {"iqn.1991-05.com.microsoft:esx15.corp.example.com", 16,
     "esx15.corp~e.com"},
    /* eui./naa.: middle ellipsis. */
    {"eui.02004567A425678D", 12, "eui~A425678D"},
    {"naa.52004567BA64678D", 10, "naa~64678D"},
    /* Not an iqn with a colon: middle ellipsis. */
    {"iqn.2024-01.org.example.storage.disk", 12, "iqn~age.disk"},
    {"abc", 0, ""},
};

START_TEST(test_name_vectors)
{
	char out[256];
	label_name(name_vec[_i].name, name_vec[_i].width, false, true, out,
		   sizeof(out));
	ck_assert_str_eq(out, name_vec[_i].want);
}
END_TEST

/* Every width from 0 to past the name: exactly `width` columns when cut,
 * and for iqn names the last character always stays (never both ends). */
START_TEST(test_name_widths)
{
	static const char *const names[] = {
	    "iqn.1991-05.com.microsoft:sql-node-a.corp.example.com",
	    "iqn.1998-01.com.vmware:esx-host-17-6d1f2b3c",
	    "eui.02004567A425678D", "x", "iqn.2024-01.org.\xc3\xa9t\xc3\xa9:h\xc3\xb4te"};
	char out[256];
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t full = chars(names[k]);
		for (size_t w = 0; w < full + 4; w++) {
			for (int pad = 0; pad < 2; pad++) {
				label_name(names[k], w, pad, false, out,
					   sizeof(out));
				size_t c = chars(out);
				if (pad || full > w)
					ck_assert_uint_eq(c, w);
				else
					ck_assert_str_eq(out, names[k]);
				if (w >= 3 && full > w) {
					/* ends with the name's end */
					const char *e = names[k] + strlen(names[k]) - 1;
					ck_assert_int_eq(out[strlen(out) - 1], *e);
				}
			}
		}
	}
}
END_TEST

START_TEST(test_name_small_buffer)
{
	char out[8];
	memset(out, 'Z', sizeof(out));
	label_name("iqn.1991-05.com.microsoft:esx15.corp.example.com", 40, true,
		   false, out, sizeof(out));
	ck_assert_uint_lt(strlen(out), sizeof(out));
	/* No UTF-8 sequence cut in half. */
	char one[2];
	ck_assert_uint_eq(label_name("\xe2\x80\xa6\xe2\x80\xa6", 2, false, false,
				     one, sizeof(one)),
			  0);
}
END_TEST

static struct session *sess(enum sess_status st)
{
	struct session *s = calloc(1, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	session_names_init(s);
	s->status = st;
	return s;
}

START_TEST(test_reasons)
{
	char b[LABEL_REASON_MAX];
	struct session *s = sess(ST_ERROR);
	s->fail_class = 2;
	s->fail_detail = 1;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "auth 0x0201");
	s->fail_detail = 3;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "no target 0x0203");
	s->fail_class = 3;
	s->fail_detail = 0x7f;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "target error 0x037f");
	s->fail_class = 0;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "no response");
	s->status = ST_LOST;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "lost");
	s->status = ST_STOPPED;
	s->end_reason = END_LOGOUT;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "logout");
	s->end_reason = END_RETAIN_EXPIRED;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "lost");
	s->status = ST_DEGRADED;
	s->degraded = DEG_DIGEST | DEG_GAP;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "digest");
	s->status = ST_OK;
	ck_assert_str_eq(label_reason(s, b, sizeof(b)), "");
	char tiny[4];
	s->status = ST_ERROR;
	s->fail_class = 2;
	s->fail_detail = 1;
	ck_assert_str_eq(label_reason(s, tiny, sizeof(tiny)), "aut");
	session_parts_free(s);
	free(s);
}
END_TEST

START_TEST(test_bytes)
{
	static const struct {
		uint64_t v;
		const char *out;
	} v[] = {
	    {0, "0"},		   {999, "999"},	 {1000, "1.0K"},
	    {1249, "1.2K"},	   {9949, "9.9K"},	 {9950, "10K"},
	    {29400, "29K"},	   {999499, "999K"},	 {999500, "1.0M"},
	    {1500000, "1.5M"},	   {UINT64_MAX, "18447P"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char b[16];
		label_bytes(v[i].v, b, sizeof(b));
		ck_assert_str_eq(b, v[i].out);
	}
}
END_TEST

/* Widths are terminal columns: a name of wide characters is cut to the
 * width, never past it, whatever width is asked for. */
START_TEST(test_name_wide)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8") &&
	    !setlocale(LC_CTYPE, "en_US.UTF-8")) {
		fprintf(stderr, "test_name_wide skipped: no UTF-8 locale\n");
		return;
	}
	static const char *const names[] = {
	    "iqn.2024-01.jp.example:\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
	    "\xe6\x97\xa5\xe6\x9c\xac-host",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac"
	    "\xe8\xaa\x9e",
	};
	for (size_t k = 0; k < 2; k++)
		for (size_t w = 1; w < 40; w++) {
			char out[256];
			label_name(names[k], w, false, false, out, sizeof(out));
			ck_assert_msg(ts_width(out) <= w, "%zu/%zu: '%s'", k, w,
				      out);
			label_name(names[k], w, true, false, out, sizeof(out));
			ck_assert_uint_eq(ts_width(out), w);
		}
	setlocale(LC_CTYPE, "C");
}
END_TEST

/* What the detail view and the report print for each kind of domain;
 * nothing for a connection seen bare. */
START_TEST(test_paths)
{
	static const struct {
		struct net_outer o;
		const char *want;
	} v[] = {
	    {{.nvlan = 0}, ""},
	    {{.tunnels = NET_TUN_FRAG}, ""}, /* reassembly is no layer */
	    {{.vlan = {100}, .nvlan = 1}, "VLAN 100"},
	    {{.vlan = {300, 100}, .nvlan = 2, .tunnels = NET_TUN_VXLAN,
	      .vni = 5000, .has_vni = true},
	     "VLAN 300.100, VXLAN VNI 5000"},
	    {{.tunnels = NET_TUN_GENEVE, .vni = 0, .has_vni = true},
	     "Geneve VNI 0"},
	    {{.tunnels = NET_TUN_GRE, .gre_key = 0x100110, .has_gre_key = true,
	      .nvgre = true},
	     "NVGRE VSID 4097"},
	    {{.tunnels = NET_TUN_GRE, .gre_key = 48879, .has_gre_key = true},
	     "GRE key 48879"},
	    {{.tunnels = NET_TUN_GRE}, "GRE"},
	    {{.tunnels = NET_TUN_ERSPAN, .erspan_session = 7,
	      .has_erspan_session = true},
	     "ERSPAN session 7"},
	    {{.tunnels = NET_TUN_MPLS | NET_TUN_PPPOE | NET_TUN_IPIP},
	     "MPLS, PPPoE, IP-in-IP"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char b[LABEL_PATH_MAX];
		size_t n = label_path(&v[i].o, b, sizeof(b));
		ck_assert_str_eq(b, v[i].want);
		ck_assert_uint_eq(n, strlen(v[i].want));
	}
}
END_TEST

/* Every layer at its widest fits LABEL_PATH_MAX; a smaller buffer drops
 * whole layers, never half a number, and always ends the string. */
START_TEST(test_path_limits)
{
	const struct net_outer o = {
	    .vlan = {4095, 4095, 4095, 4095}, .nvlan = NET_OUTER_VLANS,
	    .tunnels = 0xffff, .vni = 0xffffff, .has_vni = true,
	    .gre_key = UINT32_MAX, .has_gre_key = true,
	    .erspan_session = 1023, .has_erspan_session = true};
	static const char all[] =
	    "VLAN 4095.4095.4095.4095, ERSPAN session 1023, GRE key "
	    "4294967295, VXLAN, Geneve VNI 16777215, MPLS, PPPoE, IP-in-IP";
	char b[LABEL_PATH_MAX];
	ck_assert_uint_eq(label_path(&o, b, sizeof(b)), strlen(all));
	ck_assert_str_eq(b, all);
	for (size_t len = 1; len <= sizeof(all); len++) {
		char s[sizeof(all)];
		memset(s, 'x', sizeof(s));
		size_t n = label_path(&o, s, len);
		ck_assert_uint_lt(n, len);
		ck_assert_uint_eq(strlen(s), n);
		/* A prefix of the whole, cut between layers. */
		ck_assert(strncmp(s, all, n) == 0);
		ck_assert(n == 0 || all[n] == ',' || all[n] == '\0');
	}
}
END_TEST

Suite *label_suite(void)
{
	Suite *s = suite_create("label");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_name_vectors, 0,
			    sizeof(name_vec) / sizeof(name_vec[0]));
	tcase_add_test(tc, test_reasons);
	tcase_add_test(tc, test_paths);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_name_widths);
	tcase_add_test(tc, test_name_small_buffer);
	tcase_add_test(tc, test_name_wide);
	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_path_limits);
	suite_add_tcase(s, tc);
	return s;
}
