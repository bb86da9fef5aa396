/* export_table.c - the text table of the sessions, their SCSI I/O, then
 * the failed logins with their reasons.
 *
 * Every value printed comes from cim.h, label.h or scsi.h. Names are wire
 * bytes: they are escaped as for the UI (textsafe.h, TS_TERM) so nothing
 * can move the cursor, change a terminal's state or reorder a line.
 *
 * Width: m->table_width 0 prints every column at its natural width (a
 * pipe, a file, --wide). Otherwise the table fits that many columns
 * (the terminal's): the least important columns go first, names are
 * shortened around their unique part (label_name, as in the UI), and
 * both sections cut a name the same way.
 */
#include "export.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cim.h"
#include "label.h"
#include "scsi.h"
#include "textsafe.h"

#define CELL_MAX 1024
#define TARGET_MID 16 /* the target shrinks to this before columns go */
#define INIT_MID 24   /* the initiator too, unless its unique part needs more */
#define NAME_MIN 8

/* A discovery session names no target: say what it is instead of "?". */
static const char *target_label(const struct session *s)
{
	if (s->target_name[0])
		return s->target_name;
	return s->session_type == NEG_SESSION_DISCOVERY ? "(discovery)" : "?";
}

/* Prints escaped text in `width` columns (0: whole), cut with "…" and,
 * when pad, padded to width. */
static void put_fit(FILE *fp, const char *e, size_t width, bool pad)
{
	if (!width) {
		fputs(e, fp);
		return;
	}
	char buf[CELL_MAX + 8];
	ts_fit(e, width, false, false, buf, sizeof(buf));
	fputs(buf, fp);
	for (size_t k = ts_width(buf); pad && k < width; k++)
		fputc(' ', fp);
}

/* A free-standing line (titles, descriptions, LUNs), escaped and cut. */
static void line_out(FILE *fp, const char *raw, size_t width)
{
	char e[CELL_MAX];
	ts_escape(TS_TERM, raw, strlen(raw), e, sizeof(e));
	put_fit(fp, e, width, false);
	fputc('\n', fp);
}

/* ---- a table: columns with a priority, cells escaped ---- */

struct tcol {
	const char *head;
	unsigned prio; /* 0: always shown; higher goes first */
	bool name;     /* an iSCSI name: shortened with label_name */
};

#define TCOL_MAX 20

/* A cell: its escaped text in the table's text block, and its width. */
struct tcell {
	size_t off;
	size_t width;
};

/* The cells of every row are offsets into one text block: a table of
 * 100k sessions is millions of cells, and a block each would make the
 * end of a run mostly malloc and free. */
struct tbl {
	const struct tcol *col;
	size_t ncol;
	struct tcell *cell; /* nrows * ncol */
	size_t nrows, cap;
	char *text; /* the cells' escaped text, each with its NUL */
	size_t tlen, tcap;
	size_t natural[TCOL_MAX], need[TCOL_MAX]; /* need: names only */
	size_t width[TCOL_MAX];                   /* 0: column dropped */
	bool oom;
};

static void tbl_init(struct tbl *t, const struct tcol *col, size_t ncol)
{
	memset(t, 0, sizeof(*t));
	t->col = col;
	t->ncol = ncol < TCOL_MAX ? ncol : TCOL_MAX;
	for (size_t c = 0; c < t->ncol; c++)
		t->natural[c] = ts_width(col[c].head);
}

static void tbl_free(struct tbl *t)
{
	free(t->cell);
	free(t->text);
	t->cell = NULL;
	t->text = NULL;
}

/* Appends n bytes and a NUL to the text block; false when out of memory. */
static bool tbl_text(struct tbl *t, const char *e, size_t n, size_t *off)
{
	if (n >= t->tcap - t->tlen) { /* tlen <= tcap: no wrap */
		size_t cap = t->tcap ? t->tcap : 4096;
		while (n >= cap - t->tlen) {
			if (cap > SIZE_MAX / 2)
				return false;
			cap *= 2;
		}
		char *x = realloc(t->text, cap);
		if (!x)
			return false;
		t->text = x;
		t->tcap = cap;
	}
	memcpy(t->text + t->tlen, e, n);
	t->text[t->tlen + n] = '\0';
	*off = t->tlen;
	t->tlen += n + 1;
	return true;
}

static const char *tbl_at(const struct tbl *t, size_t row, size_t c)
{
	return t->text + t->cell[row * t->ncol + c].off;
}

/* Adds a row of raw cells (wire bytes allowed). */
static void tbl_row(struct tbl *t, const char *const *raw)
{
	if (t->oom)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct tcell *c = cap <= SIZE_MAX / sizeof(*c) / t->ncol
					 ? realloc(t->cell, cap * t->ncol * sizeof(*c))
					 : NULL;
		if (!c) {
			t->oom = true;
			return;
		}
		t->cell = c;
		t->cap = cap;
	}
	struct tcell *row = t->cell + t->nrows * t->ncol;
	for (size_t c = 0; c < t->ncol; c++) {
		char e[CELL_MAX];
		const char *r = raw[c] ? raw[c] : "-";
		size_t n = ts_escape(TS_TERM, r, strlen(r), e, sizeof(e));
		if (!tbl_text(t, e, n, &row[c].off)) {
			t->oom = true; /* the row is not counted: nothing leaks */
			return;
		}
		size_t w = row[c].width = ts_width_n(e, n);
		if (w > t->natural[c])
			t->natural[c] = w;
		if (t->col[c].name && label_name_need(e) > t->need[c])
			t->need[c] = label_name_need(e);
	}
	t->nrows++;
}

static size_t tbl_total(const struct tbl *t)
{
	size_t total = 0, n = 0;
	for (size_t c = 0; c < t->ncol; c++)
		if (t->width[c]) {
			total += t->width[c];
			n++;
		}
	return n ? total + n - 1 : 0;
}

/* Drops the rightmost shown column of priority `prio` and above, down
 * to `prio`; false when none is left. */
static bool drop_one(struct tbl *t, unsigned prio)
{
	unsigned maxp = 0;
	for (size_t c = 0; c < t->ncol; c++)
		if (t->width[c] && t->col[c].prio > maxp)
			maxp = t->col[c].prio;
	if (maxp < prio || maxp == 0)
		return false;
	for (size_t c = t->ncol; c-- > 0;)
		if (t->width[c] && t->col[c].prio == maxp) {
			t->width[c] = 0;
			return true;
		}
	return false;
}

/* Narrows the widest name above its floor; false when none can. */
static bool names_shrink(struct tbl *t, const size_t floor[TCOL_MAX])
{
	size_t best = TCOL_MAX, room = 0;
	for (size_t c = 0; c < t->ncol; c++) {
		if (!t->col[c].name || !t->width[c] || t->width[c] <= floor[c])
			continue;
		if (t->width[c] - floor[c] > room) {
			room = t->width[c] - floor[c];
			best = c;
		}
	}
	if (best == TCOL_MAX)
		return false;
	t->width[best]--;
	return true;
}

/* The names' floors: the initiator (the first name) keeps its unique
 * part, the target gives way first. `mid` picks the comfortable floors
 * (INIT_MID / TARGET_MID) rather than the least. */
static void name_floors(const struct tbl *t, int stage, const size_t *cap,
			size_t floor[TCOL_MAX])
{
	bool first = true;
	for (size_t c = 0; c < t->ncol; c++) {
		floor[c] = 0;
		if (!t->col[c].name)
			continue;
		size_t f;
		if (stage == 0)
			f = first ? (t->need[c] > INIT_MID ? t->need[c] : INIT_MID)
				  : TARGET_MID;
		else if (stage == 1)
			f = first ? t->need[c] : TARGET_MID;
		else
			f = NAME_MIN;
		/* A width given by the other section holds (same cut). */
		if (cap && cap[c] && stage < 2)
			f = cap[c];
		floor[c] = f < t->natural[c] ? f : t->natural[c];
		first = false;
	}
}

/* Widths for `cols` columns (0: natural widths, nothing cut); names
 * never wider than cap[c] (0: no cap). */
static void tbl_layout(struct tbl *t, size_t cols, const size_t *cap)
{
	for (size_t c = 0; c < t->ncol; c++) {
		t->width[c] = t->natural[c];
		if (cap && cap[c] && t->width[c] > cap[c])
			t->width[c] = cap[c];
	}
	if (!cols)
		return;
	size_t floor[TCOL_MAX];
	/* Columns of priority 3 and above go before any name is cut; then
	 * names to their comfortable floors; then priority 2, the
	 * initiator to its unique part, priority 1; names to NAME_MIN;
	 * at last the rest but the initiator. */
	while (tbl_total(t) > cols && drop_one(t, 3))
		;
	name_floors(t, 0, cap, floor);
	while (tbl_total(t) > cols && names_shrink(t, floor))
		;
	while (tbl_total(t) > cols && drop_one(t, 2))
		;
	name_floors(t, 1, cap, floor);
	while (tbl_total(t) > cols && names_shrink(t, floor))
		;
	while (tbl_total(t) > cols && drop_one(t, 1))
		;
	name_floors(t, 2, cap, floor);
	while (tbl_total(t) > cols && names_shrink(t, floor))
		;
	for (size_t c = t->ncol; c-- > 1 && tbl_total(t) > cols;)
		t->width[c] = 0;
	if (tbl_total(t) > cols) {
		t->width[0] = cols;
		return;
	}
	/* Room left by a dropped column widens the names again. */
	for (size_t c = 0; c < t->ncol; c++) {
		if (!t->col[c].name || !t->width[c])
			continue;
		size_t max = cap && cap[c] ? cap[c] : t->natural[c];
		size_t room = cols - tbl_total(t);
		size_t add = max > t->width[c] ? max - t->width[c] : 0;
		t->width[c] += add < room ? add : room;
	}
}

/* Spaces up to a column's width. */
static void pad_to(FILE *fp, size_t have, size_t width)
{
	static const char sp[] = "                                ";
	while (have < width) {
		size_t n = width - have < sizeof(sp) - 1 ? width - have
							 : sizeof(sp) - 1;
		fwrite(sp, 1, n, fp);
		have += n;
	}
}

static void tbl_cell(FILE *fp, const struct tbl *t, size_t row, size_t c,
		     bool last)
{
	size_t w = t->width[c];
	const char *e = tbl_at(t, row, c);
	size_t cw = t->cell[row * t->ncol + c].width;
	if (cw <= w) {
		/* It fits: what label_name and put_fit would print. */
		fputs(e, fp);
		if (!last)
			pad_to(fp, cw, w);
		return;
	}
	char buf[4 * CELL_MAX];
	if (t->col[c].name) {
		label_name(e, w, !last, false, buf, sizeof(buf));
		fputs(buf, fp);
	} else {
		put_fit(fp, e, w, !last);
	}
}

/* The header (row SIZE_MAX) or row `row`. */
static void tbl_line(FILE *fp, const struct tbl *t, size_t row)
{
	size_t lastc = 0;
	for (size_t c = 0; c < t->ncol; c++)
		if (t->width[c])
			lastc = c;
	bool first = true;
	for (size_t c = 0; c < t->ncol; c++) {
		if (!t->width[c])
			continue;
		if (!first)
			fputc(' ', fp);
		first = false;
		if (row == SIZE_MAX)
			put_fit(fp, t->col[c].head, t->width[c], c != lastc);
		else
			tbl_cell(fp, t, row, c, c == lastc);
	}
	fputc('\n', fp);
}

/* ---- the sections ---- */

static const struct cim_prop *find(const struct cim_prop *p, size_t n,
				   const char *name)
{
	return cim_find(p, n, name);
}

/* A CIM value as short text ("-" when null). */
static const char *val(const struct cim_prop *p, char *buf, size_t len)
{
	if (!p || p->null)
		return "-";
	switch (p->type) {
	case CIM_T_BOOLEAN:
		return p->u ? "Yes" : "No";
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32:
		snprintf(buf, len, "%u", p->u);
		return buf;
	case CIM_T_STRING:
		return p->s;
	case CIM_T_DATETIME:
		return cim_time_rfc3339(p->ns, buf, len);
	case CIM_T_UINT16_ARRAY:
		snprintf(buf, len, "%u", p->n ? p->arr[0] : 0);
		return buf;
	case CIM_T_STRING_ARRAY:
		return p->n ? cim_array_str(p, 0) : "-";
	}
	return "-";
}

static const char *digest_word(const struct cim_prop *p)
{
	if (!p || p->null)
		return "?";
	return p->u == 3 ? "CRC32C" : p->u == 2 ? "None" : "Other";
}

/* Bytes read + written, as in the UI's TOTAL (label_bytes). */
static void total_bytes(const struct session *s, char *buf, size_t len)
{
	label_bytes(s->scsi ? s->scsi->stats.bytes_read +
				  s->scsi->stats.bytes_written
			    : 0,
		    buf, len);
}

enum {
	S_INIT, S_TARGET, S_STATE, S_REASON, S_TOTAL, S_ERRORS, S_CONN,
	S_TSIH, S_TYPE, S_ISID, S_HDIG, S_DDIG, S_IR2T, S_IMMD, S_FB, S_MB,
	S_MR2T, S_ERL, S_NCOL
};
static const struct tcol sess_cols[S_NCOL] = {
    [S_INIT] = {"INITIATOR", 0, true}, [S_TARGET] = {"TARGET", 0, true},
    [S_STATE] = {"STATE", 0, false},   [S_REASON] = {"REASON", 0, false},
    [S_TOTAL] = {"TOTAL", 1, false},   [S_ERRORS] = {"ERRORS", 1, false},
    [S_CONN] = {"CONN", 2, false},     [S_TSIH] = {"TSIH", 2, false},
    [S_TYPE] = {"TYPE", 2, false},     [S_ISID] = {"ISID", 3, false},
    [S_HDIG] = {"HDIGEST", 3, false},  [S_DDIG] = {"DDIGEST", 3, false},
    [S_IR2T] = {"IR2T", 4, false},     [S_IMMD] = {"IMMD", 4, false},
    [S_FB] = {"FIRSTBURST", 4, false}, [S_MB] = {"MAXBURST", 4, false},
    [S_MR2T] = {"MAXR2T", 4, false},   [S_ERL] = {"ERL", 4, false},
};

/* Fills the sessions table (one row a session) and each row's status
 * description, shown under rows that are not OK. */
static void sess_rows(struct tbl *t, const struct session *first,
		      const struct export_meta *m, struct cim_prop *sp,
		      struct cim_prop *cp)
{
	for (const struct session *s = first; s; s = s->next) {
		size_t n = cim_session_props(s, m->perspective, sp,
					     CIM_SESSION_NPROPS);
		size_t cn = 0;
		const struct sconn *lc = session_leading_conn(s);
		if (lc)
			cn = cim_conn_props(s, lc, m->perspective, cp,
					    CIM_CONN_NPROPS);
		char isid[16], tsihb[16], reason[LABEL_REASON_MAX], tot[16];
		char errs[24], b[S_NCOL][64];
		snprintf(isid, sizeof(isid), "%02x%02x%02x%02x%02x%02x",
			 s->isid[0], s->isid[1], s->isid[2], s->isid[3],
			 s->isid[4], s->isid[5]);
		const struct cim_prop *tsih = find(sp, n, "TSIH");
		const struct cim_prop *type = find(sp, n, "SessionType");
		if (tsih && !tsih->null)
			snprintf(tsihb, sizeof(tsihb), "0x%04x", tsih->u);
		else
			snprintf(tsihb, sizeof(tsihb), "?");
		total_bytes(s, tot, sizeof(tot));
		snprintf(errs, sizeof(errs), "%llu",
			 (unsigned long long)session_errors(s));
		const char *row[S_NCOL] = {
		    [S_INIT] = s->initiator_name[0] ? s->initiator_name : "?",
		    [S_TARGET] = target_label(s),
		    [S_STATE] = val(find(sp, n, "Status"), b[S_STATE], 64),
		    [S_REASON] = label_reason(s, reason, sizeof(reason)),
		    [S_TOTAL] = tot,
		    [S_ERRORS] = errs,
		    [S_CONN] = val(find(sp, n, "CurrentConnections"),
				   b[S_CONN], 64),
		    [S_TSIH] = tsihb,
		    [S_TYPE] = !type || type->null ? "?"
			       : type->u == 2	   ? "Discovery"
						   : "Normal",
		    [S_ISID] = s->isid_known ? isid : "?",
		    [S_HDIG] = cn ? digest_word(find(cp, cn, "HeaderDigestMethod"))
				  : "?",
		    [S_DDIG] = cn ? digest_word(find(cp, cn, "DataDigestMethod"))
				  : "?",
		};
		static const char *const keys[] = {
		    "InitialR2T", "ImmediateData",
		    "MaxUnsolicitedFirstDataBurstLength", "MaxDataBurstLength",
		    "MaxOutstandingR2T", "ErrorRecoveryLevel"};
		for (size_t k = 0; k < 6; k++)
			row[S_IR2T + k] =
			    val(find(sp, n, keys[k]), b[S_IR2T + k], 64);
		if (!row[S_REASON][0])
			row[S_REASON] = "-";
		tbl_row(t, row);
	}
}

enum {
	X_INIT, X_TARGET, X_CMDS, X_READS, X_WRITES, X_MBR, X_MBW, X_IOPS,
	X_MBPS, X_P50, X_P99, X_CHK, X_ERRORS, X_OPEN, X_NCOL
};

static bool has_io(const struct session *s)
{
	return s->scsi && s->scsi->stats.scsi_cmds;
}

/* The SCSI layer's figures (scsi.h), one row per session that carried
 * SCSI commands. */
static void io_rows(struct tbl *t, const struct session *first,
		    const struct export_meta *m)
{
	for (const struct session *s = first; s; s = s->next) {
		if (!has_io(s))
			continue;
		const struct scsi_stats *st = &s->scsi->stats;
		struct scsi_figures f;
		session_figures(s, m->last_ns, &f);
		char b[X_NCOL][32];
		snprintf(b[X_CMDS], 32, "%llu", (unsigned long long)st->scsi_cmds);
		snprintf(b[X_READS], 32, "%llu", (unsigned long long)st->reads);
		snprintf(b[X_WRITES], 32, "%llu", (unsigned long long)st->writes);
		snprintf(b[X_MBR], 32, "%.3f", (double)st->bytes_read / 1e6);
		snprintf(b[X_MBW], 32, "%.3f", (double)st->bytes_written / 1e6);
		snprintf(b[X_IOPS], 32, "%.0f", m->live ? f.iops : f.total_iops);
		snprintf(b[X_MBPS], 32, "%.2f", m->live ? f.mbps : f.total_mbps);
		snprintf(b[X_P50], 32, "%.3f", (double)f.p50_ns / 1e6);
		snprintf(b[X_P99], 32, "%.3f", (double)f.p99_ns / 1e6);
		snprintf(b[X_CHK], 32, "%llu",
			 (unsigned long long)f.check_conditions);
		snprintf(b[X_ERRORS], 32, "%llu", (unsigned long long)f.errors);
		snprintf(b[X_OPEN], 32, "%llu", (unsigned long long)f.outstanding);
		const char *row[X_NCOL];
		for (size_t k = 0; k < X_NCOL; k++)
			row[k] = b[k];
		row[X_INIT] = s->initiator_name[0] ? s->initiator_name : "?";
		row[X_TARGET] = target_label(s);
		if (!st->latency.count)
			row[X_P50] = row[X_P99] = "-";
		tbl_row(t, row);
	}
}

static void io_luns(FILE *fp, const struct session *s, size_t width)
{
	for (unsigned i = 0; i < s->scsi->nluns && i < SCSI_LUNS_MAX; i++) {
		const struct scsi_lun *l = &s->scsi->luns[i];
		char line[256];
		int w = snprintf(line, sizeof(line), "    LUN %llu:",
				 (unsigned long long)l->lun);
		if (l->inquiry_seen && w > 0 && (size_t)w < sizeof(line))
			w += snprintf(line + w, sizeof(line) - (size_t)w,
				      " %s %s %s (%s)", l->vendor, l->product,
				      l->revision,
				      scsi_devtype_name(l->device_type));
		if (l->capacity_seen && w > 0 && (size_t)w < sizeof(line))
			snprintf(line + w, sizeof(line) - (size_t)w,
				 " %llu blocks of %u bytes (%.1f MB)",
				 (unsigned long long)l->blocks, l->block_size,
				 (double)l->blocks * l->block_size / 1e6);
		line_out(fp, line, width);
	}
}

enum { F_TIME, F_INIT, F_TARGET, F_REASON, F_DETAIL, F_NCOL };
static const struct tcol fail_cols[F_NCOL] = {
    [F_TIME] = {"TIME", 2, false},     [F_INIT] = {"INITIATOR", 0, true},
    [F_TARGET] = {"TARGET", 0, true},  [F_REASON] = {"REASON", 0, false},
    [F_DETAIL] = {"DETAIL", 1, false},
};

static void fail_rows(struct tbl *t, const struct session *first,
		      const struct export_meta *m, struct cim_prop *sp)
{
	for (const struct session *s = first; s; s = s->next) {
		if (s->status != ST_ERROR)
			continue;
		size_t n = cim_session_props(s, m->perspective, sp,
					     CIM_SESSION_NPROPS);
		char tb[64], db[64], reason[LABEL_REASON_MAX];
		const char *row[F_NCOL] = {
		    [F_TIME] = val(find(sp, n, "InstallDate"), tb, sizeof(tb)),
		    [F_INIT] = s->initiator_name[0] ? s->initiator_name : "?",
		    [F_TARGET] = target_label(s),
		    [F_REASON] = label_reason(s, reason, sizeof(reason)),
		    [F_DETAIL] = val(find(sp, n, "StatusDescriptions"), db,
				     sizeof(db)),
		};
		tbl_row(t, row);
	}
}

/* Both sections cut a name the same way: each name column gets the
 * narrower of the two layouts' widths. */
static void common_names(struct tbl *a, size_t ia, size_t ta, struct tbl *b,
			 size_t ib, size_t tb, size_t cols)
{
	tbl_layout(a, cols, NULL);
	tbl_layout(b, cols, NULL);
	if (!cols)
		return;
	size_t capa[TCOL_MAX] = {0}, capb[TCOL_MAX] = {0};
	size_t wi = a->width[ia] && (!b->width[ib] || a->width[ia] < b->width[ib])
			? a->width[ia]
			: b->width[ib];
	size_t wt = a->width[ta] && (!b->width[tb] || a->width[ta] < b->width[tb])
			? a->width[ta]
			: b->width[tb];
	/* Never below what either needs for its unique parts. */
	size_t ni = a->need[ia] > b->need[ib] ? a->need[ia] : b->need[ib];
	if (ni > a->natural[ia])
		ni = a->natural[ia];
	if (wi < ni)
		wi = ni;
	capa[ia] = capb[ib] = wi;
	capa[ta] = capb[tb] = wt;
	tbl_layout(a, cols, capa);
	tbl_layout(b, cols, capb);
}

void export_table_list(FILE *fp, const struct session *first,
		       const struct export_meta *m)
{
	struct cim_prop *sp = calloc(CIM_SESSION_NPROPS, sizeof(*sp));
	struct cim_prop *cp = calloc(CIM_CONN_NPROPS, sizeof(*cp));
	if (!sp || !cp) {
		fputs("iscsiwatch: out of memory\n", fp);
		free(sp);
		free(cp);
		return;
	}
	size_t cols = m->table_width;
	size_t count = 0, failed = 0;
	bool io = false;
	for (const struct session *s = first; s; s = s->next) {
		count++;
		failed += s->status == ST_ERROR;
		io |= has_io(s);
	}
	char title[CELL_MAX];
	int tl = snprintf(title, sizeof(title), "iscsiwatch %s: %zu session%s (perspective %s)",
			  m->version ? m->version : "?", count,
			  count == 1 ? "" : "s",
			  m->perspective == PERSP_INITIATOR ? "initiator"
							    : "target");
	for (size_t i = 0; i < m->nsources && tl > 0 && (size_t)tl < sizeof(title); i++)
		tl += snprintf(title + tl, sizeof(title) - (size_t)tl, "%s%s",
			       i ? ", " : " from ", m->sources[i]);
	line_out(fp, title, cols);

	struct tbl st, xt, ft;
	tbl_init(&st, sess_cols, S_NCOL);
	sess_rows(&st, first, m, sp, cp);
	/* A capture file: the average over the I/O period says more than
	 * the last second before the file ended - and is named so. */
	static const struct tcol io_cols_live[X_NCOL] = {
	    {"INITIATOR", 0, true}, {"TARGET", 0, true}, {"CMDS", 1, false},
	    {"READS", 2, false},    {"WRITES", 2, false}, {"MB READ", 2, false},
	    {"MB WRIT", 2, false},  {"IOPS", 1, false},	 {"MB/S", 0, false},
	    {"P50 MS", 1, false},   {"P99 MS", 1, false}, {"CHKCOND", 3, false},
	    {"ERRORS", 1, false},   {"OPEN", 3, false},
	};
	static const struct tcol io_cols_avg[X_NCOL] = {
	    {"INITIATOR", 0, true}, {"TARGET", 0, true}, {"CMDS", 1, false},
	    {"READS", 2, false},    {"WRITES", 2, false}, {"MB READ", 2, false},
	    {"MB WRIT", 2, false},  {"AVG IOPS", 1, false}, {"AVG MB/S", 0, false},
	    {"P50 MS", 1, false},   {"P99 MS", 1, false}, {"CHKCOND", 3, false},
	    {"ERRORS", 1, false},   {"OPEN", 3, false},
	};
	tbl_init(&xt, m->live ? io_cols_live : io_cols_avg, X_NCOL);
	io_rows(&xt, first, m);
	tbl_init(&ft, fail_cols, F_NCOL);
	fail_rows(&ft, first, m, sp);
	if (io)
		common_names(&st, S_INIT, S_TARGET, &xt, X_INIT, X_TARGET, cols);
	else
		tbl_layout(&st, cols, NULL);
	if (st.oom || xt.oom || ft.oom) {
		fputs("iscsiwatch: out of memory\n", fp);
		goto out;
	}

	tbl_line(fp, &st, SIZE_MAX);
	size_t r = 0;
	for (const struct session *s = first; s; s = s->next, r++) {
		tbl_line(fp, &st, r);
		/* Only a session that is neither OK nor failed has a line
		 * under it: the others are not worth their CIM again (a
		 * tenth of a 100k-session run). */
		if (s->status == ST_OK || s->status == ST_ERROR)
			continue;
		size_t n = cim_session_props(s, m->perspective, sp,
					     CIM_SESSION_NPROPS);
		const struct cim_prop *sd = find(sp, n, "StatusDescriptions");
		if (sd && !sd->null && sd->n) {
			char d[CELL_MAX];
			snprintf(d, sizeof(d), "    %s", cim_array_str(sd, 0));
			line_out(fp, d, cols);
		}
	}

	if (io) {
		fprintf(fp, "\n");
		line_out(fp,
			 m->live ? "SCSI I/O (IOPS and MB/s: last interval; MB = "
				   "10^6 bytes)"
				 : "SCSI I/O (AVG: over the session's I/O period; "
				   "MB = 10^6 bytes)",
			 cols);
		tbl_line(fp, &xt, SIZE_MAX);
		r = 0;
		for (const struct session *s = first; s; s = s->next) {
			if (!has_io(s))
				continue;
			tbl_line(fp, &xt, r++);
			io_luns(fp, s, cols);
		}
	}

	if (failed) {
		/* The names as the sessions table cut them. */
		size_t cap[TCOL_MAX] = {0};
		cap[F_INIT] = cols ? st.width[S_INIT] : 0;
		cap[F_TARGET] = cols ? st.width[S_TARGET] : 0;
		tbl_layout(&ft, cols, cap);
		fprintf(fp, "\nFailed logins: %zu\n", failed);
		tbl_line(fp, &ft, SIZE_MAX);
		for (r = 0; r < ft.nrows; r++)
			tbl_line(fp, &ft, r);
	}
out:
	tbl_free(&st);
	tbl_free(&xt);
	tbl_free(&ft);
	free(sp);
	free(cp);
}
