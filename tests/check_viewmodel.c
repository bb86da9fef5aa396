/* check_viewmodel.c - the UI's view model without curses: sorting by
 * every column, filtering, selection kept or clamped across rebuilds,
 * layout in small and normal terminals, truncation, and escaping of
 * whatever the wire sent.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tui/viewmodel.h"
#include "capture.h"
#include "check_suites.h"
#include "cim.h"
#include "cim_fixture.h"
#include "engine.h"
#include "scsi.h"
#include "track.h"

/* Three sessions, linked in creation order: seq 1..3. */
struct fx3 {
	struct session *s[3];
};

static void fx3_make(struct fx3 *f)
{
	static const char *const in[3] = {"iqn.2024-01.org.example:charlie",
					  "iqn.2024-01.org.example:alpha",
					  "iqn.2024-01.org.example:bravo"};
	static const char *const tn[3] = {"iqn.2024-01.org.example:disk-b",
					  "iqn.2024-01.org.example:disk-c",
					  "iqn.2024-01.org.example:disk-a"};
	static const uint16_t tsih[3] = {7, 2, 0x100};
	static const enum sess_status st[3] = {ST_OK, ST_LOST, ST_DEGRADED};
	for (int i = 0; i < 3; i++) {
		f->s[i] = fx_session(in[i], tn[i]);
		ck_assert_ptr_nonnull(f->s[i]);
		f->s[i]->seq = (uint64_t)i + 1;
		f->s[i]->tsih = tsih[i];
		f->s[i]->isid[5] = (uint8_t)(3 - i);
		f->s[i]->status = st[i];
		if (i == 1)
			f->s[i]->session_type = NEG_SESSION_DISCOVERY;
		ck_assert_ptr_nonnull(
		    fx_conn(f->s[i], 0, FX_NORMAL_I, FX_NORMAL_T, true));
		/* A distinct initiator address per session, for the filter. */
		f->s[i]->conns->initiator.addr.a[3] = (uint8_t)(10 + i);
		f->s[i]->conns->counts.hdigest_errors = (uint64_t)i * 5;
		f->s[i]->counts.hdigest_errors = (uint64_t)i * 5; /* the sum */
		if (i == 2)
			ck_assert_ptr_nonnull(
			    fx_conn(f->s[i], 1, FX_NORMAL_I, FX_NORMAL_T, true));
		if (i)
			f->s[i - 1]->next = f->s[i];
	}
}

static void fx3_free(struct fx3 *f)
{
	fx_free(f->s[0]);
}

/* The rows' session numbers, as a string "213". */
static const char *order(const struct vm *vm)
{
	static char b[16];
	size_t i;
	for (i = 0; i < vm->n && i < sizeof(b) - 1; i++)
		b[i] = (char)('0' + vm_row_at(vm, i)->seq);
	b[i] = '\0';
	return b;
}

START_TEST(test_sort_every_column)
{
	static const struct {
		enum vm_col col;
		const char *asc, *desc; /* desc: ties stay in seq order */
	} v[] = {
	    {VM_COL_INITIATOR, "231", "132"}, /* alpha, bravo, charlie */
	    {VM_COL_TARGET, "312", "213"},    /* disk-a, disk-b, disk-c */
	    {VM_COL_ISID, "321", "123"},      /* ...01, ...02, ...03 */
	    {VM_COL_TSIH, "213", "312"},      /* 2, 7, 0x100 */
	    {VM_COL_TYPE, "213", "132"},      /* Discovery, Normal (tie: seq) */
	    {VM_COL_STATE, "132", "231"},     /* health 5, 10, 20 */
	    {VM_COL_CONNS, "123", "312"},     /* 1/1, 1/1, 2/2 */
	    {VM_COL_DIGESTS, "123", "123"},   /* all equal: creation order */
	    {VM_COL_RATE, "123", "123"},      /* unknown everywhere */
	    {VM_COL_IOPS, "123", "123"},
	    {VM_COL_ERRORS, "123", "321"},    /* 0, 5, 10 */
	};
	struct fx3 f;
	fx3_make(&f);
	struct vm vm;
	vm_init(&vm);
	ck_assert_int_eq(vm_build(&vm, f.s[0]), 0);
	ck_assert_uint_eq(vm.n, 3);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		vm.sort = v[i].col == VM_COL_INITIATOR ? VM_COL_TARGET
						       : VM_COL_INITIATOR;
		vm_sort_by(&vm, v[i].col);
		ck_assert_msg(strcmp(order(&vm), v[i].asc) == 0,
			      "column %s: got %s want %s",
			      vm_col_title(v[i].col), order(&vm), v[i].asc);
		/* The same column again reverses; ties stay in seq order. */
		vm_sort_by(&vm, v[i].col);
		ck_assert(vm.reverse);
		ck_assert_msg(strcmp(order(&vm), v[i].desc) == 0,
			      "column %s reversed: got %s want %s",
			      vm_col_title(v[i].col), order(&vm), v[i].desc);
		/* A rebuild keeps the order. */
		ck_assert_int_eq(vm_build(&vm, f.s[0]), 0);
		vm_sort_by(&vm, v[i].col);
		ck_assert_str_eq(order(&vm), v[i].asc);
	}
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

START_TEST(test_sort_cycle_skips_hidden)
{
	struct fx3 f;
	fx3_make(&f);
	struct vm vm;
	vm_init(&vm);
	vm_build(&vm, f.s[0]);
	ck_assert(!vm.have_rates);
	vm.sort = VM_COL_REASON;
	vm_sort_cycle(&vm, 1);
	ck_assert_int_eq(vm.sort, VM_COL_TOTAL); /* MB/S hidden */
	vm_sort_cycle(&vm, 1);
	ck_assert_int_eq(vm.sort, VM_COL_ERRORS); /* IOPS hidden */
	vm.sort = VM_COL_ISID;
	vm_sort_cycle(&vm, 1);
	ck_assert_int_eq(vm.sort, VM_COL_INITIATOR); /* TREND hidden */
	vm_sort_cycle(&vm, -1);
	ck_assert_int_eq(vm.sort, VM_COL_ISID);
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

static void rates_hook(void *user, const struct session *s,
		       struct vm_rates *out)
{
	(void)user;
	out->known = true;
	out->bytes_per_s = (double)(4 - s->seq) * 1e6;
	out->iops = (double)s->seq * 10;
}

START_TEST(test_rates_hook)
{
	struct fx3 f;
	fx3_make(&f);
	struct vm vm;
	vm_init(&vm);
	vm.rates = rates_hook;
	vm_build(&vm, f.s[0]);
	ck_assert(vm.have_rates);
	vm_sort_by(&vm, VM_COL_RATE);
	ck_assert_str_eq(order(&vm), "321");
	ck_assert_str_eq(vm_cell(vm_row_at(&vm, 0), VM_COL_RATE), "1.0");
	vm_sort_by(&vm, VM_COL_IOPS);
	ck_assert_str_eq(order(&vm), "123");
	ck_assert_str_eq(vm_cell(vm_row_at(&vm, 2), VM_COL_IOPS), "30.0");
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

START_TEST(test_filter)
{
	static const struct {
		const char *f;
		const char *rows; /* sorted by initiator */
	} v[] = {
	    {"", "231"},
	    {"alpha", "2"},
	    {"ALPHA", "2"},        /* case does not matter */
	    {"disk-a", "3"},       /* target names too */
	    {"192.0.2.12", "3"},   /* addresses */
	    {":3260", "231"},      /* target address and port */
	    {"nothing-like-it", ""},
	};
	struct fx3 f;
	fx3_make(&f);
	struct vm vm;
	vm_init(&vm);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		vm_set_filter(&vm, v[i].f);
		vm_build(&vm, f.s[0]);
		ck_assert_msg(strcmp(order(&vm), v[i].rows) == 0,
			      "filter '%s': got %s want %s", v[i].f, order(&vm),
			      v[i].rows);
		ck_assert_uint_eq(vm.total, 3);
	}
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

START_TEST(test_selection)
{
	struct fx3 f;
	fx3_make(&f);
	struct vm vm;
	vm_init(&vm);
	vm_build(&vm, f.s[0]); /* 2 3 1 */
	ck_assert_ptr_nonnull(vm_selected(&vm));
	ck_assert_uint_eq(vm_selected(&vm)->seq, 2);
	vm_move(&vm, 2);
	ck_assert_uint_eq(vm_selected(&vm)->seq, 1);
	vm_move(&vm, 100); /* clamped */
	ck_assert_uint_eq(vm.sel, 2);
	vm_move(&vm, -100);
	ck_assert_uint_eq(vm.sel, 0);
	vm_move(&vm, 1); /* session 3 */
	/* Re-sorting follows the session, not the position. */
	vm_sort_by(&vm, VM_COL_TSIH); /* 2 1 3 */
	ck_assert_uint_eq(vm_selected(&vm)->seq, 3);
	ck_assert_uint_eq(vm.sel, 2);
	/* A filter that keeps it keeps it selected. */
	vm_set_filter(&vm, "bravo");
	vm_build(&vm, f.s[0]);
	ck_assert_uint_eq(vm.n, 1);
	ck_assert_uint_eq(vm_selected(&vm)->seq, 3);
	/* A filter that hides it clamps the selection into range. */
	vm_set_filter(&vm, "alpha");
	vm_build(&vm, f.s[0]);
	ck_assert_uint_eq(vm.n, 1);
	ck_assert_uint_eq(vm.sel, 0);
	ck_assert_uint_eq(vm_selected(&vm)->seq, 2);
	/* Nothing shown: no selection, moving is harmless. */
	vm_set_filter(&vm, "zzz");
	vm_build(&vm, f.s[0]);
	ck_assert_ptr_null(vm_selected(&vm));
	vm_move(&vm, 1);
	vm_scroll(&vm, 5);
	ck_assert_uint_eq(vm.sel, 0);
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

START_TEST(test_scroll)
{
	struct vm vm;
	vm_init(&vm);
	struct session *first = NULL, *prev = NULL;
	for (int i = 0; i < 50; i++) {
		char name[64];
		snprintf(name, sizeof(name), "iqn.2024-01.org.example:i%02d", i);
		struct session *s = fx_session(name, FX_TNAME);
		s->seq = (uint64_t)i + 1;
		if (prev)
			prev->next = s;
		else
			first = s;
		prev = s;
	}
	vm_build(&vm, first);
	vm_move(&vm, 30);
	vm_scroll(&vm, 10);
	ck_assert_uint_eq(vm.top, 21);
	vm_move(&vm, -25);
	vm_scroll(&vm, 10);
	ck_assert_uint_eq(vm.top, 5);
	vm_move(&vm, 100);
	vm_scroll(&vm, 10);
	ck_assert_uint_eq(vm.top, 40);
	vm_scroll(&vm, 0);
	ck_assert_uint_eq(vm.top, 0);
	vm_free(&vm);
	fx_free(first);
}
END_TEST

static int layout_total(const int w[VM_COL_COUNT])
{
	int t = -1;
	for (int c = 0; c < VM_COL_COUNT; c++)
		t += w[c] ? w[c] + 1 : 0;
	return t;
}

START_TEST(test_layout)
{
	struct fx3 f;
	fx3_make(&f);
	struct vm vm;
	vm_init(&vm);
	vm_build(&vm, f.s[0]);
	int w[VM_COL_COUNT];
	/* 80 columns: identity, state, reason first; the least important
	 * columns (ISID, digests, type) go before them; the initiator keeps
	 * 24 columns, the target 16. Unknown rates are not shown. */
	vm_layout(&vm, 80, w);
	ck_assert_int_le(layout_total(w), 80);
	ck_assert_int_eq(w[VM_COL_RATE], 0);
	ck_assert_int_eq(w[VM_COL_IOPS], 0);
	ck_assert_int_eq(w[VM_COL_TREND], 0);
	ck_assert_int_ge(w[VM_COL_INITIATOR], 24);
	ck_assert_int_ge(w[VM_COL_TARGET], 16);
	ck_assert_int_gt(w[VM_COL_STATE], 0);
	ck_assert_int_gt(w[VM_COL_REASON], 0);
	ck_assert_int_gt(w[VM_COL_TOTAL], 0);
	ck_assert_int_gt(w[VM_COL_ERRORS], 0);
	ck_assert_int_eq(w[VM_COL_ISID], 0);
	ck_assert_int_eq(w[VM_COL_DIGESTS], 0);
	/* 40 columns: the initiator still shows its unique part
	 * ("…:charlie", 9) and the state. */
	vm_layout(&vm, 40, w);
	ck_assert_int_le(layout_total(w), 40);
	ck_assert_int_ge(w[VM_COL_INITIATOR], 9);
	ck_assert_int_gt(w[VM_COL_STATE], 0);
	/* The sorted column's title has room for its arrow. */
	vm.sort = VM_COL_RATE;
	vm_layout(&vm, 300, w);
	ck_assert_int_ge(w[VM_COL_TOTAL], (int)strlen("TOTAL"));
	vm.sort = VM_COL_TSIH;
	vm_layout(&vm, 300, w);
	ck_assert_int_ge(w[VM_COL_TSIH], (int)strlen("TSIH^"));
	vm.sort = VM_COL_INITIATOR;
	/* Wide: the natural widths. */
	vm_layout(&vm, 300, w);
	ck_assert_int_eq(w[VM_COL_INITIATOR],
			 (int)strlen("iqn.2024-01.org.example:charlie"));
	/* Small terminals never overflow, down to nothing. */
	static const int cols[] = {60, 40, 20, 10, 5, 1};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		vm_layout(&vm, cols[i], w);
		ck_assert_int_le(layout_total(w), cols[i]);
		ck_assert_int_gt(w[VM_COL_INITIATOR], 0);
	}
	vm_layout(&vm, 0, w);
	for (int c = 0; c < VM_COL_COUNT; c++)
		ck_assert_int_eq(w[c], 0);
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

START_TEST(test_rows_escape_wire_names)
{
	struct session *s = fx_session("iqn.evil:\x1b]0;pwned\x07", "t\x9b");
	s->seq = 1;
	struct vm vm;
	vm_init(&vm);
	vm_build(&vm, s);
	ck_assert_uint_eq(vm.n, 1);
	const struct vm_row *r0 = vm_row_at(&vm, 0);
	ck_assert_str_eq(vm_cell(r0, VM_COL_INITIATOR),
			 "iqn.evil:\\x1B]0;pwned\\x07");
	ck_assert_str_eq(vm_cell(r0, VM_COL_TARGET), "t\\x9B");
	/* Unknown identity shows as "?", not as an empty cell. */
	struct session *u = fx_session(NULL, NULL);
	u->seq = 2;
	u->isid_known = u->tsih_known = false;
	u->session_type = -1;
	s->next = u;
	vm_sort_by(&vm, VM_COL_TSIH); /* unknown TSIH sorts as 0: first */
	vm_build(&vm, s);
	const struct vm_row *r = vm_row_at(&vm, 0);
	ck_assert_uint_eq(r->seq, 2);
	ck_assert_str_eq(vm_cell(r, VM_COL_INITIATOR), "?");
	ck_assert_str_eq(vm_cell(r, VM_COL_TARGET), "?");
	ck_assert_str_eq(vm_cell(r, VM_COL_ISID), "?");
	ck_assert_str_eq(vm_cell(r, VM_COL_TSIH), "?");
	ck_assert_str_eq(vm_cell(r, VM_COL_TYPE), "?");
	ck_assert_str_eq(vm_cell(r, VM_COL_DIGESTS), "?");
	vm_free(&vm);
	fx_free(s);
}
END_TEST

/* A row holds its cells' text and no more: the block is the cells and
 * their NULs, not VM_CELL_MAX per name (100,000 rows cost their text). */
START_TEST(test_row_text_sized)
{
	struct session *s = fx_session("iqn.2024-01.org.example:host1",
				       "iqn.2024-01.org.example:disk1");
	s->seq = 1;
	struct vm vm;
	vm_init(&vm);
	vm_build(&vm, s);
	ck_assert_uint_eq(vm.n, 1);
	const struct vm_row *r = vm_row_at(&vm, 0);
	size_t need = 0;
	for (int c = 0; c < VM_COL_COUNT; c++) {
		const char *t = vm_cell(r, (enum vm_col)c);
		/* every cell lies inside the block, one after another */
		ck_assert_ptr_eq(t, r->text + need);
		need += strlen(t) + 1;
	}
	ck_assert_uint_lt(need, 200);
	ck_assert_uint_ge(malloc_usable_size(r->text), need);
	ck_assert_uint_lt(malloc_usable_size(r->text), need + 32);
	ck_assert_uint_lt(sizeof(struct vm_row), 256);
	/* A rebuild reuses the row and keeps it exact. */
	vm_build(&vm, s);
	r = vm_row_at(&vm, 0);
	ck_assert_str_eq(vm_cell(r, VM_COL_TARGET),
			 "iqn.2024-01.org.example:disk1");
	vm_free(&vm);
	fx_free(s);
}
END_TEST

START_TEST(test_row_cells)
{
	struct fx3 f;
	fx3_make(&f);
	struct vm vm;
	vm_init(&vm);
	vm_sort_by(&vm, VM_COL_TSIH);
	vm_build(&vm, f.s[0]);
	const struct vm_row *r = vm_row_at(&vm, 2); /* session 3 */
	ck_assert_uint_eq(r->seq, 3);
	ck_assert_str_eq(vm_cell(r, VM_COL_TSIH), "0x0100");
	ck_assert_str_eq(vm_cell(r, VM_COL_ISID), "400001370001");
	ck_assert_str_eq(vm_cell(r, VM_COL_TYPE), "Normal");
	ck_assert_str_eq(vm_cell(r, VM_COL_STATE), "Degraded");
	ck_assert_uint_eq(r->health, 10);
	ck_assert_str_eq(vm_cell(r, VM_COL_CONNS), "2/2");
	ck_assert_str_eq(vm_cell(r, VM_COL_DIGESTS), "CRC32C/None");
	ck_assert_str_eq(vm_cell(r, VM_COL_ERRORS), "10");
	ck_assert_str_eq(vm_cell(r, VM_COL_RATE), "-");
	ck_assert_str_eq(vm_cell(vm_row_at(&vm, 0), VM_COL_TYPE), "Discovery");
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

static bool text_has(const struct vm_text *t, const char *needle)
{
	for (size_t i = 0; i < t->n; i++)
		if (strstr(t->line[i], needle))
			return true;
	return false;
}

START_TEST(test_detail)
{
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	s->seq = 1;
	fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true);
	static const char *const addrs[] = {"192.0.2.9:3260,1"};
	session_discovered(s, "iqn.2024-01.org.example:found", addrs, 1, 0,
			   false);
	session_event(NULL, s, NULL, FX_T0, "session_starting", "%s",
		      "login\x1b[31m");
	struct vm_text t;
	vm_text_init(&t);
	vm_detail(s, PERSP_TARGET, false, &t);
	ck_assert(!t.oom);
	/* Every CIM_iSCSISession property, enumerations by name. */
	static const char *const want[] = {
	    "InstanceID", "Name", "ElementName", "Caption", "Description",
	    "InstallDate", "TSIH", "EndPointName", "CurrentConnections",
	    "HealthState                          5 (OK)",
	    "EnabledState                         2 (Enabled)",
	    "RequestedState                       12 (Not Applicable)",
	    "AggregationBehavior                  3 (Combined In Parallel)",
	    "SessionType                          3 (Normal)",
	    "OperationalStatus                    {2 (OK)}",
	    "MaxDataBurstLength                   262144",
	    "DefaultTimeToRetain                  0",
	    /* the connection */
	    "Connection 1: CID 0 (leading)  192.0.2.1:40000 -> 192.0.2.2:3260",
	    "HeaderDigestMethod                   3 (CRC32C)",
	    "AuthenticationMethodUsed             2 (No Authentication)",
	    /* the negotiation table */
	    "INITIATOR SENT",
	    "MaxBurstLength",
	    "16776192",
	    "negotiated 262144",
	    "CRC32C,None",
	    /* discovery and events, wire bytes escaped */
	    "iqn.2024-01.org.example:found  192.0.2.9:3260,1",
	    "session_starting",
	    "login\\x1B[31m",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(text_has(&t, want[i]), "detail lacks '%s'",
			      want[i]);
	for (size_t i = 0; i < t.n; i++)
		for (const char *p = t.line[i]; *p; p++)
			ck_assert((unsigned char)*p >= 0x20 && *p != 0x7f);
	vm_text_free(&t);
	fx_free(s);
}
END_TEST

/* The negotiation table's columns start where their titles do on every
 * row, whatever the values: a long name is cut around its unique part,
 * an escaped control character counts as what is shown. */
START_TEST(test_detail_negotiation_columns)
{
	static const char ipairs[] =
	    "InitiatorName=iqn.1991-05.com.microsoft:esx15.corp.example.com\n"
	    "TargetName=iqn.2024-01.org.x:\x1b[31mred\n"
	    "SessionType=Normal\nAuthMethod=None\n" FX_OPER_I_TEXT;
	struct session *s = fx_session(
	    "iqn.1991-05.com.microsoft:esx15.corp.example.com", FX_TNAME);
	fx_conn(s, 0, ipairs, FX_NORMAL_T, true);
	struct vm_text t;
	vm_text_init(&t);
	vm_detail(s, PERSP_TARGET, true, &t); /* ascii: bytes are columns */
	ck_assert(!t.oom);
	size_t h = 0;
	while (h < t.n && !strstr(t.line[h], "INITIATOR SENT"))
		h++;
	ck_assert_uint_lt(h, t.n);
	const char *head = t.line[h];
	size_t ci = (size_t)(strstr(head, "INITIATOR SENT") - head);
	size_t ct = (size_t)(strstr(head, "TARGET SENT") - head);
	size_t cr = (size_t)(strstr(head, "RESULT") - head);
	unsigned rows = 0;
	bool cut = false;
	for (size_t i = h + 1; i < t.n; i++) {
		const char *l = t.line[i];
		if (strncmp(l, "    ", 4) != 0 || l[4] == ' ' ||
		    strncmp(l + 4, "CHAP:", 5) == 0 || strlen(l) <= cr)
			break;
		rows++;
		ck_assert_msg(l[ci - 1] == ' ' && l[ct - 1] == ' ' &&
				  l[cr - 1] == ' ' && l[ci] != ' ' &&
				  l[ct] != ' ' && l[cr] != ' ',
			      "column slipped: '%s'", l);
		if (strncmp(l + 4, "InitiatorName", 13) == 0) {
			ck_assert_msg(strncmp(l + ci, "~:esx15.corp.example.com",
					      24) == 0,
				      "InitiatorName cut as '%s'", l + ci);
			cut = true;
		}
		if (strncmp(l + 4, "TargetName", 10) == 0)
			ck_assert_msg(strstr(l, "\\x1B") != NULL, "'%s'", l);
	}
	ck_assert_uint_ge(rows, 15);
	ck_assert(cut);
	vm_text_free(&t);
	fx_free(s);
}
END_TEST

/* A crafted capture replayed through the engine and the tracker, as the
 * UI gets it: the sessions stay in rp->st until replay_free(). */
struct replay {
	struct engine *eng;
	struct session_table *st;
	struct track tr;
};

static void replay_open(struct replay *rp, const char *path)
{
	char err[CAPTURE_ERRLEN] = "";
	const char *paths[] = {path};
	struct capture *c = capture_open_files(paths, 1, NULL, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s: %s", path, err);
	struct engine_opts eo;
	engine_opts_default(&eo);
	rp->eng = engine_new(&eo);
	ck_assert_ptr_nonnull(rp->eng);
	rp->st = session_table_new(16, engine_counters(rp->eng));
	ck_assert_ptr_nonnull(rp->st);
	rp->tr = (struct track){rp->st, 0};
	struct engine_sink sink = track_sink(&rp->tr);
	ck_assert_int_eq(engine_add_sink(rp->eng, &sink), 0);
	struct packet pkt;
	int rc;
	while ((rc = capture_next(c, &pkt, err, sizeof(err))) == 1)
		engine_packet(rp->eng, &pkt);
	ck_assert_msg(rc == 0, "%s: %s", path, err);
	engine_finish(rp->eng);
	capture_free(c);
}

static void replay_free(struct replay *rp)
{
	session_table_free(rp->st);
	engine_free(rp->eng);
}

/* Whether lines a and b differ only in times: the two tenants' copies
 * of one exchange were captured a packet apart, so a timestamp's
 * fraction of a second ("...:40.000600Z") and a time in nanoseconds
 * ("@1795000000000600") may differ; any other byte, a port, an ISID, a
 * count, may not. */
static bool times_only_differ(const char *a, const char *b)
{
	if (strlen(a) != strlen(b))
		return false;
	for (size_t i = 0; a[i]; i++) {
		if (a[i] == b[i])
			continue;
		if (a[i] < '0' || a[i] > '9' || b[i] < '0' || b[i] > '9')
			return false;
		size_t j = i;
		while (j && a[j - 1] >= '0' && a[j - 1] <= '9')
			j--;
		if (!j || (a[j - 1] != '.' && a[j - 1] != '@'))
			return false;
	}
	return true;
}

static size_t line_count(const struct vm_text *t, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += strncmp(t->line[i], prefix, strlen(prefix)) == 0;
	return n;
}

/* Two tenants reusing addresses, ports, names and ISID (captures/crafted
 * /nvgre-tenants.pcap, gre-key-tenants.pcap): their detail views differ
 * in the "Seen in" line, which names each one's domain, and, times
 * aside, nowhere else. */
static const struct {
	const char *cap;
	const char *seen[2];
} tenant_caps[] = {
    {"captures/crafted/nvgre-tenants.pcap",
     {"Seen in NVGRE VSID 4097", "Seen in NVGRE VSID 4098"}},
    {"captures/crafted/gre-key-tenants.pcap",
     {"Seen in GRE key 1", "Seen in GRE key 2"}},
};

START_TEST(test_detail_tenants)
{
	struct replay rp;
	replay_open(&rp, tenant_caps[_i].cap);
	ck_assert_uint_eq(session_count(rp.st), 2);
	const struct session *s[2] = {session_first(rp.st)};
	s[1] = s[0]->next;
	ck_assert_ptr_nonnull(s[1]);
	struct vm_text t[2];
	for (int k = 0; k < 2; k++) {
		vm_text_init(&t[k]);
		vm_detail(s[k], PERSP_TARGET, false, &t[k]);
		ck_assert(!t[k].oom);
		/* Under the session's name, once. */
		ck_assert_uint_eq(line_count(&t[k], "Seen in "), 1);
		ck_assert_str_eq(t[k].line[1], tenant_caps[_i].seen[k]);
	}
	ck_assert_uint_eq(t[0].n, t[1].n);
	unsigned differ = 0;
	for (size_t i = 0; i < t[0].n; i++) {
		const char *a = t[0].line[i], *b = t[1].line[i];
		if (strncmp(a, "Seen in ", 8) == 0) {
			differ += strcmp(a, b) != 0;
			continue;
		}
		ck_assert_msg(times_only_differ(a, b), "line %zu: '%s' / '%s'",
			      i, a, b);
	}
	ck_assert_uint_eq(differ, 1);
	for (int k = 0; k < 2; k++)
		vm_text_free(&t[k]);
	replay_free(&rp);
}
END_TEST

/* VLANs outermost first, then the tunnel and its id; in ascii mode too;
 * a session seen bare gets no such line, so its view is as it was. */
START_TEST(test_detail_seen_in)
{
	static const struct {
		const char *cap, *want;
	} v[] = {
	    {"captures/crafted/tun-vxlan.pcap",
	     "Seen in VLAN 300.100, VXLAN VNI 5000"},
	    {"captures/crafted/qinq.pcap", "Seen in VLAN 200.100"},
	    {"captures/crafted/tun-erspan2.pcap", "Seen in ERSPAN session 7"},
	    {"captures/crafted/tun-geneve.pcap", "Seen in Geneve VNI 6000"},
	    {"captures/crafted/tun-mpls.pcap", "Seen in MPLS"},
	    {"captures/crafted/eth-plain.pcap", NULL},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (int ascii = 0; ascii < 2; ascii++) {
			struct replay rp;
			replay_open(&rp, v[i].cap);
			ck_assert_uint_eq(session_count(rp.st), 1);
			struct vm_text t;
			vm_text_init(&t);
			vm_detail(session_first(rp.st), PERSP_TARGET, ascii, &t);
			ck_assert(!t.oom);
			if (v[i].want) {
				ck_assert_str_eq(t.line[1], v[i].want);
				ck_assert_uint_eq(line_count(&t, "Seen in "), 1);
			} else {
				ck_assert_uint_eq(line_count(&t, "Seen in "), 0);
			}
			/* No connection differs from its session's line. */
			ck_assert_uint_eq(line_count(&t, "  seen in "), 0);
			vm_text_free(&t);
			replay_free(&rp);
		}
}
END_TEST

START_TEST(test_enum_names)
{
	static const struct {
		const char *prop;
		uint32_t v;
		const char *name;
	} v[] = {
	    {"HealthState", 20, "Major failure"},
	    {"OperationalStatus", 13, "Lost Communication"},
	    {"EnabledState", 6, "Enabled but Offline"},
	    {"SessionType", 2, "Discovery"},
	    {"DataDigestMethod", 2, "No Digest"},
	    {"AuthenticationMethodUsed", 4, "CHAP"},
	    {"Directionality", 2, "Bi-Directional"},
	    {"HealthState", 7, NULL},
	    {"TSIH", 1, NULL},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *n = cim_enum_name(v[i].prop, v[i].v);
		if (v[i].name)
			ck_assert_str_eq(n, v[i].name);
		else
			ck_assert_ptr_null(n);
	}
}
END_TEST

START_TEST(test_log_ring)
{
	struct vm_log *l = calloc(1, sizeof(*l));
	struct session *s = fx_session(FX_INAME, FX_TNAME);
	ck_assert_ptr_null(vm_log_get(l, 0));
	for (unsigned i = 0; i < VM_LOG_MAX + 10; i++) {
		char detail[SESS_EVENT_DETAIL_MAX];
		snprintf(detail, sizeof(detail), "n%u\x1b", i);
		struct sess_event ev = {FX_T0 + i * FX_SEC, "k", detail};
		vm_log_add(l, s, &ev, false);
	}
	ck_assert_uint_eq(l->n, VM_LOG_MAX);
	ck_assert_uint_eq(l->total, VM_LOG_MAX + 10);
	char want[32];
	snprintf(want, sizeof(want), "n%u\\x1B", VM_LOG_MAX + 9);
	ck_assert_ptr_nonnull(strstr(vm_log_get(l, 0), want));
	snprintf(want, sizeof(want), ": n10\\x1B");
	ck_assert_ptr_nonnull(strstr(vm_log_get(l, VM_LOG_MAX - 1), want));
	ck_assert_ptr_null(vm_log_get(l, VM_LOG_MAX));
	ck_assert_ptr_nonnull(strstr(vm_log_get(l, 0), "22:"));
	free(l);
	fx_free(s);
}
END_TEST

/* Issue 14: the filter reads every column (state, reason), the state
 * filter hides ended sessions once they have aged, or shows errors
 * only, and the search finds rows. */
START_TEST(test_filter_state_reason_ageing)
{
	struct fx3 f;
	fx3_make(&f);
	/* charlie: a failed login (auth); alpha lost; bravo degraded. */
	f.s[0]->status = ST_ERROR;
	f.s[0]->fail_class = 2;
	f.s[0]->fail_detail = 1;
	f.s[0]->state_ns = 1000ull * 1000000000ull;
	struct vm vm;
	vm_init(&vm);
	vm_set_filter(&vm, "auth");
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "1");
	ck_assert_str_eq(vm_cell(vm_row_at(&vm, 0), VM_COL_REASON), "auth 0x0201");
	ck_assert(vm_row_at(&vm, 0)->ended);
	vm_set_filter(&vm, "error");
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "1");
	vm_set_filter(&vm, "lost");
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "2"); /* Lost Comm / lost */
	vm_set_filter(&vm, "");
	/* Errors only: the failed, lost and degraded ones - all three. */
	vm_show_cycle(&vm);
	vm_show_cycle(&vm);
	ck_assert_int_eq(vm.show, VM_SHOW_ERRORS);
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "231");
	f.s[2]->status = ST_OK;
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "21");
	/* Default view: the failed login stays while young, ages out. */
	vm_show_cycle(&vm);
	ck_assert_int_eq(vm.show, VM_SHOW_ACTIVE);
	vm.now_ns = f.s[0]->state_ns + VM_AGE_NS;
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "231");
	vm.now_ns = f.s[0]->state_ns + VM_AGE_FAILED_NS;
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "23");
	ck_assert_uint_eq(vm.aged, 1);
	f.s[0]->status = ST_STOPPED;
	f.s[0]->end_reason = END_LOGOUT;
	vm.now_ns = f.s[0]->state_ns + VM_AGE_NS - 1;
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "231");
	vm.now_ns = f.s[0]->state_ns + VM_AGE_NS;
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "23");
	/* All. */
	vm_show_cycle(&vm);
	vm_build(&vm, f.s[0]);
	ck_assert_str_eq(order(&vm), "231");
	ck_assert_uint_eq(vm.aged, 0);
	/* Search: rows in order alpha(2), bravo(3), charlie(1). */
	ck_assert_int_eq(vm_find(&vm, "logout", 0), 2);
	ck_assert_int_eq(vm_find(&vm, "example", 1), 1);
	ck_assert_int_eq(vm_find(&vm, "example", 3), 0); /* wraps */
	ck_assert_int_eq(vm_find(&vm, "nowhere", 0), -1);
	ck_assert_int_eq(vm_find(&vm, "", 0), -1);
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

START_TEST(test_spark)
{
	static const double v[] = {0, 1, 2, 4, 8};
	char out[64];
	vm_spark(v, 5, true, out, sizeof(out));
	ck_assert_str_eq(out, " .:=@");
	vm_spark(v, 5, false, out, sizeof(out));
	ck_assert_str_eq(out, " \xe2\x96\x81\xe2\x96\x82\xe2\x96\x84\xe2\x96\x88");
	static const double z[] = {0, 0};
	vm_spark(z, 2, false, out, sizeof(out));
	ck_assert_str_eq(out, "  ");
	char small[4];
	vm_spark(v, 5, false, small, sizeof(small));
	ck_assert_str_eq(small, " "); /* never half a character */
}
END_TEST

START_TEST(test_help_lists_keys)
{
	struct vm_text t;
	vm_text_init(&t);
	vm_help(&t);
	static const char *const keys[] = {"Enter", "/,", "s / S", "r", "p",
					   "j", "m", "q,", "?,", "l", "c",
					   "e", "F3,", "F6"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char k[16];
		snprintf(k, sizeof(k), "  %s ", keys[i]);
		ck_assert_msg(text_has(&t, k), "help lacks key '%s'", keys[i]);
	}
	/* htop habits beside the letters. */
	ck_assert(text_has(&t, "h, F1 "));
	ck_assert(text_has(&t, "/, F4 "));
	ck_assert(text_has(&t, "q, F10 "));
	vm_text_free(&t);
}
END_TEST

/* ---- incremental updates (vm_update) ---- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

static struct session *inc_session(uint64_t seq)
{
	char in[64], tn[64];
	snprintf(in, sizeof(in), "iqn.2024-01.org.example:host%02u", rnd(40));
	snprintf(tn, sizeof(tn), "iqn.2024-01.org.example:disk%u", rnd(9));
	struct session *s = fx_session(in, tn);
	ck_assert_ptr_nonnull(s);
	s->seq = seq;
	s->tsih = (uint16_t)rnd(5);
	s->tsih_known = rnd(4) != 0;
	ck_assert_ptr_nonnull(fx_conn(s, 0, FX_NORMAL_I, FX_NORMAL_T, true));
	return s;
}

/* What vm_build() makes of the same sessions with the same settings. */
static void inc_same_as_full(struct vm *a, const struct session *first)
{
	struct vm b;
	vm_init(&b);
	b.sort = a->sort;
	b.reverse = a->reverse;
	b.show = a->show;
	b.now_ns = a->now_ns;
	vm_set_filter(&b, a->filter);
	ck_assert_int_eq(vm_build(&b, first), 0);
	ck_assert_uint_eq(a->n, b.n);
	ck_assert_uint_eq(a->total, b.total);
	ck_assert_uint_eq(a->aged, b.aged);
	ck_assert_int_eq(a->have_rates, b.have_rates);
	for (size_t i = 0; i < a->n; i++) {
		const struct vm_row *x = vm_row_at(a, i), *y = vm_row_at(&b, i);
		ck_assert_uint_eq(x->seq, y->seq);
		for (int c = 0; c < VM_COL_COUNT; c++)
			ck_assert_str_eq(vm_cell(x, (enum vm_col)c),
					 vm_cell(y, (enum vm_col)c));
	}
	for (int cols = 20; cols <= 260; cols += 60) {
		int wa[VM_COL_COUNT], wb[VM_COL_COUNT];
		vm_layout(a, cols, wa);
		vm_layout(&b, cols, wb);
		ck_assert_mem_eq(wa, wb, sizeof(wa));
	}
	vm_free(&b);
}

/* Random changes, sessions coming and going, sort, filter, state filter
 * and time: after each round the incremental view equals a full
 * rebuild, row for row and cell for cell. */
START_TEST(test_update_equals_build)
{
	enum { N = 150 };
	struct session *head = NULL, *tail = NULL, *gone = NULL;
	uint64_t seq = 1, gen = 1;
	for (int i = 0; i < N; i++) {
		struct session *s = inc_session(seq++);
		s->gen = gen;
		if (tail)
			tail->next = s;
		else
			head = s;
		tail = s;
	}
	struct vm a;
	vm_init(&a);
	a.now_ns = FX_T0;
	static const enum sess_status st[] = {ST_OK, ST_LOST, ST_DEGRADED,
					      ST_STOPPED, ST_ERROR,
					      ST_STARTING};
	for (int round = 0; round < 300; round++) {
		/* Some sessions change (and say so). */
		int changes = round % 10 == 0 ? 60 : (int)rnd(4);
		for (int k = 0; k < changes; k++) {
			struct session *s = head;
			for (uint32_t j = rnd(N); s && j; j--)
				s = s->next;
			if (!s)
				continue;
			s->status = st[rnd(6)];
			s->state_ns = FX_T0 + rnd(1000) * FX_SEC;
			s->tsih = (uint16_t)rnd(5);
			s->conns->counts.hdigest_errors = rnd(3);
			s->counts.hdigest_errors = s->conns->counts.hdigest_errors;
			s->gen = ++gen;
		}
		/* One ends for good (folded away), one new comes. */
		if (round % 3 == 0 && head && head->next) {
			struct session **link = &head;
			for (uint32_t j = rnd(N / 2); (*link)->next && j; j--)
				link = &(*link)->next;
			struct session *s = *link;
			*link = s->next;
			if (tail == s) {
				tail = head;
				while (tail->next)
					tail = tail->next;
			}
			s->next = gone;
			gone = s;
			gen++;
		}
		if (round % 2 == 0) {
			struct session *s = inc_session(seq++);
			s->gen = ++gen;
			tail->next = s;
			tail = s;
		}
		if (round % 25 == 7)
			vm_sort_by(&a, (enum vm_col)rnd(VM_COL_COUNT));
		if (round % 40 == 11)
			vm_set_filter(&a, rnd(2) ? "host1" : "");
		if (round % 50 == 13)
			vm_show_cycle(&a);
		if (round % 7 == 0)
			a.now_ns += rnd(400) * FX_SEC; /* ageing */
		ck_assert_int_eq(vm_update(&a, head, gen), 0);
		inc_same_as_full(&a, head);
	}
	vm_free(&a);
	fx_free(head);
	fx_free(gone);
}
END_TEST

/* The contract the idle view rests on: with the generation, filters
 * and time unchanged, an update redoes nothing (a change nobody
 * announced is not seen); announced, it is. The selection follows its
 * session when a change moves it in the order. */
START_TEST(test_update_only_what_changed)
{
	struct fx3 f;
	fx3_make(&f);
	for (int i = 0; i < 3; i++)
		f.s[i]->gen = 1;
	struct vm vm;
	vm_init(&vm);
	ck_assert_int_eq(vm_update(&vm, f.s[0], 1), 0);
	ck_assert_str_eq(order(&vm), "231"); /* alpha, bravo, charlie */
	vm_move(&vm, 2);                      /* charlie */
	ck_assert_uint_eq(vm_selected(&vm)->seq, 1);
	session_name_set(&f.s[0]->initiator_name,
			 "iqn.2024-01.org.example:aardvark");
	ck_assert_int_eq(vm_update(&vm, f.s[0], 1), 0);
	ck_assert_str_eq(order(&vm), "231"); /* not announced: not seen */
	f.s[0]->gen = 2;
	ck_assert_int_eq(vm_update(&vm, f.s[0], 2), 0);
	ck_assert_str_eq(order(&vm), "123"); /* moved by binary insertion */
	ck_assert_uint_eq(vm.sel, 0);         /* the selection went along */
	ck_assert_uint_eq(vm_selected(&vm)->seq, 1);
	ck_assert_str_eq(vm_cell(vm_row_at(&vm, 0), VM_COL_INITIATOR),
			 "iqn.2024-01.org.example:aardvark");
	/* The filter changed: everything is looked at again. */
	vm_set_filter(&vm, "bravo");
	ck_assert_int_eq(vm_update(&vm, f.s[0], 2), 0);
	ck_assert_str_eq(order(&vm), "3");
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

/* A row whose rate has fallen to 0 but whose trend still shows I/O is
 * made again only when the trend moves, at its next bin, not every
 * interval; a row with a moving rate is made again every interval. Each
 * time, the rows equal a fresh build's. */
static unsigned trend_calls;
static void trend_hook(void *user, const struct session *s,
		       struct vm_rates *out)
{
	const struct vm *vm = user;
	uint64_t bin = vm->now_ns / SCSI_TREND_BIN_NS;
	trend_calls++;
	out->known = true;
	if (s->seq == 1) { /* still busy */
		out->bytes_per_s = 1e6;
		out->iops = 10;
	}
	out->ntrend = 3;
	for (unsigned i = 0; i < 3; i++)
		out->trend[i] = (double)((bin + i + s->seq) % 4) * 1e6 + 1;
}

static void trend_same_as_full(struct vm *a, const struct session *first)
{
	struct vm b;
	vm_init(&b);
	b.rates = trend_hook;
	b.rates_user = &b;
	b.now_ns = a->now_ns;
	ck_assert_int_eq(vm_build(&b, first), 0);
	ck_assert_uint_eq(a->n, b.n);
	for (size_t i = 0; i < a->n; i++)
		for (int c = 0; c < VM_COL_COUNT; c++)
			ck_assert_str_eq(vm_cell(vm_row_at(a, i), (enum vm_col)c),
					 vm_cell(vm_row_at(&b, i), (enum vm_col)c));
	vm_free(&b);
}

START_TEST(test_trend_rows_wait_for_their_bin)
{
	struct fx3 f;
	fx3_make(&f);
	for (int i = 0; i < 3; i++)
		f.s[i]->gen = 1;
	struct vm vm;
	vm_init(&vm);
	vm.rates = trend_hook;
	vm.rates_user = &vm;
	vm.now_ns = 1000 * SCSI_TREND_BIN_NS;
	trend_calls = 0;
	ck_assert_int_eq(vm_update(&vm, f.s[0], 1), 0);
	ck_assert_uint_eq(trend_calls, 3);
	uint64_t per_bin = SCSI_TREND_BIN_NS / SCSI_INTERVAL_NS;
	ck_assert_uint_gt(per_bin, 1);
	for (int bin = 0; bin < 3; bin++) {
		/* The intervals inside the bin: only the busy row. */
		for (uint64_t k = 1; k < per_bin; k++) {
			vm.now_ns += SCSI_INTERVAL_NS;
			trend_calls = 0;
			ck_assert_int_eq(vm_update(&vm, f.s[0], 1), 0);
			ck_assert_uint_eq(trend_calls, 1);
			trend_same_as_full(&vm, f.s[0]);
		}
		/* The next bin: every row. */
		vm.now_ns += SCSI_INTERVAL_NS;
		trend_calls = 0;
		ck_assert_int_eq(vm_update(&vm, f.s[0], 1), 0);
		ck_assert_uint_eq(trend_calls, 3);
		trend_same_as_full(&vm, f.s[0]);
	}
	/* Time gone back (a new replay): every row again. */
	vm.now_ns = 10 * SCSI_TREND_BIN_NS + SCSI_INTERVAL_NS;
	trend_calls = 0;
	ck_assert_int_eq(vm_update(&vm, f.s[0], 1), 0);
	ck_assert_uint_eq(trend_calls, 3);
	trend_same_as_full(&vm, f.s[0]);
	vm_free(&vm);
	fx3_free(&f);
}
END_TEST

/* The folded view: one line per pair with its numbers, the catch-all
 * named as such, wire names escaped; a line saying so when nothing was
 * folded yet. */
START_TEST(test_summaries_view)
{
	char ini[] = "iqn.a\x1b[2J", tgt[] = "iqn.t";
	struct sess_summary other = {.other = true, .sessions = 3,
				     .failures = 3};
	struct sess_summary pair = {.next = &other,
				    .initiator_name = ini,
				    .target_name = tgt,
				    .sessions = 12,
				    .logins = 11,
				    .failures = 1,
				    .first_ns = FX_T0,
				    .last_ns = FX_T0 + FX_SEC};
	struct vm_text t;
	vm_text_init(&t);
	vm_summaries(&pair, 15, false, &t);
	ck_assert(text_has(&t, "15 ended sessions in 2 pairs"));
	ck_assert(text_has(&t, "      12       11        1  "));
	ck_assert(text_has(&t, "iqn.a\\x1B[2J -> iqn.t"));
	ck_assert(text_has(&t, "       3        0        3  "));
	ck_assert(text_has(&t, "(other pairs)"));
	for (size_t i = 0; i < t.n; i++)
		ck_assert_ptr_null(strchr(t.line[i], '\x1b'));
	vm_text_free(&t);
	vm_text_init(&t);
	vm_summaries(NULL, 0, false, &t);
	ck_assert(text_has(&t, "0 ended sessions in 0 pairs"));
	ck_assert(text_has(&t, "(none yet"));
	vm_text_free(&t);
}
END_TEST

Suite *viewmodel_suite(void)
{
	Suite *s = suite_create("viewmodel");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_sort_every_column);
	tcase_add_test(tc, test_sort_cycle_skips_hidden);
	tcase_add_test(tc, test_rates_hook);
	tcase_add_test(tc, test_trend_rows_wait_for_their_bin);
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_selection);
	tcase_add_test(tc, test_row_cells);
	tcase_add_test(tc, test_detail);
	tcase_add_test(tc, test_detail_negotiation_columns);
	tcase_add_loop_test(tc, test_detail_tenants, 0,
			    sizeof(tenant_caps) / sizeof(tenant_caps[0]));
	tcase_add_test(tc, test_detail_seen_in);
	tcase_add_test(tc, test_enum_names);
	tcase_add_test(tc, test_help_lists_keys);
	tcase_add_test(tc, test_filter_state_reason_ageing);
	tcase_add_test(tc, test_spark);
	tcase_add_test(tc, test_update_equals_build);
	tcase_add_test(tc, test_update_only_what_changed);
	tcase_add_test(tc, test_summaries_view);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_scroll);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_log_ring);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_rows_escape_wire_names);
	tcase_add_test(tc, test_row_text_sized);
	suite_add_tcase(s, tc);
	return s;
}
