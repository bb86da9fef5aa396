/* viewmodel.c - the UI's view model, without curses (viewmodel.h).
 *
 * Values come from session.h (status, current connections) and cim.h
 * (status word, HealthState, enumeration names, every CIM property of
 * the detail view); nothing here derives a CIM value of its own. Row building avoids
 * cim_session_props(): a property array is ~50 KB per session, too much
 * to fill for every session four times a second.
 */
#include "viewmodel.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cim.h"
#include "label.h"
#include "negotiate.h"
#include "scsi.h"
#include "textsafe.h"

#define NAME_CAP 96   /* natural width cap of the name columns */
#define TARGET_MID 16 /* the target shrinks to this before columns go */
#define INIT_MID 24   /* the initiator too, unless its unique part needs
		       * more */
#define NAME_MIN 8    /* shrink names no further than this */
#define WRAP_AT 72    /* detail view: long string values wrap here */

/* ---- rows ---- */

static const char *const col_title[VM_COL_COUNT] = {
    [VM_COL_INITIATOR] = "INITIATOR", [VM_COL_TARGET] = "TARGET",
    [VM_COL_STATE] = "STATE",         [VM_COL_REASON] = "REASON",
    [VM_COL_RATE] = "MB/S",           [VM_COL_TOTAL] = "TOTAL",
    [VM_COL_IOPS] = "IOPS",           [VM_COL_ERRORS] = "ERRORS",
    [VM_COL_CONNS] = "CONN",          [VM_COL_TSIH] = "TSIH",
    [VM_COL_TYPE] = "TYPE",           [VM_COL_DIGESTS] = "DIGESTS",
    [VM_COL_ISID] = "ISID",           [VM_COL_TREND] = "TREND",
};

const char *vm_col_title(enum vm_col c)
{
	return (unsigned)c < VM_COL_COUNT ? col_title[c] : "?";
}

static bool col_is_text(enum vm_col c)
{
	return c == VM_COL_INITIATOR || c == VM_COL_TARGET ||
	       c == VM_COL_ISID || c == VM_COL_TYPE || c == VM_COL_DIGESTS ||
	       c == VM_COL_REASON;
}

const char *vm_cell(const struct vm_row *r, enum vm_col c)
{
	return r->text && (unsigned)c < VM_COL_COUNT ? r->text + r->off[c] : "";
}

/* The cells while a row is made, before they are packed into its text. */
struct row_cells {
	char name[2][VM_CELL_MAX]; /* initiator, target */
	char small[VM_COL_COUNT][VM_SMALL_MAX];
};

static const char *cells_get(const struct row_cells *k, int c)
{
	if (c == VM_COL_INITIATOR || c == VM_COL_TARGET)
		return k->name[c == VM_COL_TARGET];
	return k->small[c];
}

/* Packs k into r->text (replacing what it had): every cell is shorter
 * than VM_CELL_MAX, so 14 of them and their NULs fit in uint16_t. */
static void cells_pack(struct vm_row *r, const struct row_cells *k)
{
	size_t len[VM_COL_COUNT], total = 0;
	for (int c = 0; c < VM_COL_COUNT; c++) {
		len[c] = strlen(cells_get(k, c)) + 1;
		total += len[c];
	}
	char *t = realloc(r->text, total);
	if (!t) {
		free(r->text);
		r->text = NULL;
		return;
	}
	r->text = t;
	size_t at = 0;
	for (int c = 0; c < VM_COL_COUNT; c++) {
		memcpy(r->text + at, cells_get(k, c), len[c]);
		r->off[c] = (uint16_t)at;
		at += len[c];
	}
}

void vm_init(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->sort = VM_COL_INITIATOR;
}

/* Frees the text of every store slot (a slot freed by a filter keeps
 * its text until reused). */
static void rows_text_free(struct vm *vm)
{
	for (size_t i = 0; i < vm->cap; i++) {
		free(vm->rows[i].text);
		vm->rows[i].text = NULL;
	}
}

void vm_free(struct vm *vm)
{
	rows_text_free(vm);
	free(vm->rows);
	free(vm->order);
	free(vm->meta);
	free(vm->free_slot);
	vm->rows = NULL;
	vm->order = NULL;
	vm->meta = NULL;
	vm->free_slot = NULL;
	vm->n = vm->cap = vm->nmeta = vm->meta_cap = vm->nfree = 0;
	vm->synced = false;
}

const struct vm_row *vm_row_at(const struct vm *vm, size_t i)
{
	return &vm->rows[vm->order[i]];
}

static const char *digest_name(const struct neg_result *r)
{
	if (!neg_result_has_value(r))
		return "?";
	return r->v == NEG_DIGEST_CRC32C ? "CRC32C" : "None";
}

static bool row_matches(const struct vm_row *r, const char *f)
{
	for (int c = 0; c < VM_COL_COUNT; c++)
		if (c != VM_COL_TREND && strcasestr(vm_cell(r, (enum vm_col)c), f))
			return true;
	return false;
}

static bool session_matches(const struct session *s, const char *f)
{
	if (!f[0])
		return true;
	const char *names[] = {s->initiator_name, s->target_name,
			       s->initiator_alias, s->target_alias};
	for (size_t i = 0; i < 4; i++)
		if (strcasestr(names[i], f))
			return true;
	for (const struct sconn *c = s->conns; c; c = c->next) {
		char a[64];
		if (strcasestr(cim_ep_str(&c->initiator, a, sizeof(a)), f) ||
		    strcasestr(cim_ep_str(&c->target, a, sizeof(a)), f))
			return true;
	}
	return false;
}

static void human_rate(double v, char *buf, size_t len)
{
	if (v >= 100.0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
}

static bool status_ended(enum sess_status st)
{
	return st == ST_STOPPED || st == ST_ERROR;
}

/* Whether the row's cells move with capture time alone (rates over the
 * last interval and the trend, until they have fallen to zero), and
 * when: *due is 0 while a rate moves (every interval), else the start
 * of the next trend bin - with no new I/O the trend moves only then,
 * so a view of 100k sessions does not make every row again each second
 * for the trend's whole span after their I/O stopped. */
static bool rates_timed(const struct vm *vm, const struct vm_rates *rt,
			uint64_t *due)
{
	*due = 0;
	if (!rt->known)
		return false;
	if (rt->bytes_per_s > 0 || rt->iops > 0)
		return true;
	for (unsigned i = 0; i < rt->ntrend && i < VM_TREND_CELLS; i++)
		if (rt->trend[i] > 0) {
			*due = (vm->now_ns / SCSI_TREND_BIN_NS + 1) *
			       SCSI_TREND_BIN_NS;
			return true;
		}
	return false;
}

/* Whether a timed row is due to be made again now. Time gone back
 * before the bin the row was made in (a new replay) makes it due too. */
static bool meta_due(const struct vm *vm, const struct vm_meta *m)
{
	return m->timed &&
	       (m->due_ns <= vm->now_ns ||
		vm->now_ns < m->due_ns - SCSI_TREND_BIN_NS);
}

/* Fills r from s; true when its cells move with time, and from when
 * (*due, rates_timed). */
static bool row_fill(const struct vm *vm, struct vm_row *r,
		     const struct session *s, uint64_t *due)
{
	char *text = r->text; /* reused by cells_pack */
	memset(r, 0, sizeof(*r));
	r->text = text;
	struct row_cells cells;
	memset(&cells, 0, sizeof(cells));
	r->seq = s->seq;
	r->status = s->status;
	r->ended = status_ended(s->status);
	r->health = cim_health_state(s->status);
	const char *in = s->initiator_name[0] ? s->initiator_name : "?";
	const char *tn = s->target_name[0] ? s->target_name : "?";
	ts_escape(ts_term(vm->ascii), in, strlen(in), cells.name[0],
		  sizeof(cells.name[0]));
	ts_escape(ts_term(vm->ascii), tn, strlen(tn), cells.name[1],
		  sizeof(cells.name[1]));
	char(*c)[VM_SMALL_MAX] = cells.small;
	if (s->isid_known)
		snprintf(c[VM_COL_ISID], VM_SMALL_MAX,
			 "%02x%02x%02x%02x%02x%02x", s->isid[0], s->isid[1],
			 s->isid[2], s->isid[3], s->isid[4], s->isid[5]);
	else
		snprintf(c[VM_COL_ISID], VM_SMALL_MAX, "?");
	if (s->tsih_known)
		snprintf(c[VM_COL_TSIH], VM_SMALL_MAX, "0x%04x", s->tsih);
	else
		snprintf(c[VM_COL_TSIH], VM_SMALL_MAX, "?");
	r->num[VM_COL_TSIH] = s->tsih_known ? s->tsih : 0;
	snprintf(c[VM_COL_TYPE], VM_SMALL_MAX, "%s",
		 s->session_type == NEG_SESSION_DISCOVERY ? "Discovery"
		 : s->session_type == NEG_SESSION_NORMAL  ? "Normal"
							  : "?");
	snprintf(c[VM_COL_STATE], VM_SMALL_MAX, "%s",
		 cim_status_word(s->status));
	r->num[VM_COL_STATE] = (uint64_t)r->health * 16u + (unsigned)s->status;
	unsigned cur = session_current_connections(s);
	snprintf(c[VM_COL_CONNS], VM_SMALL_MAX, "%u/%u", cur, s->nconns);
	r->num[VM_COL_CONNS] = (uint64_t)cur << 32 | s->nconns;
	const struct sconn *lc = session_leading_conn(s);
	if (lc)
		snprintf(c[VM_COL_DIGESTS], VM_SMALL_MAX, "%s/%s",
			 digest_name(&lc->vals.header_digest),
			 digest_name(&lc->vals.data_digest));
	else
		snprintf(c[VM_COL_DIGESTS], VM_SMALL_MAX, "?");
	uint64_t errors = session_errors(s);
	snprintf(c[VM_COL_ERRORS], VM_SMALL_MAX, "%" PRIu64, errors);
	r->num[VM_COL_ERRORS] = errors;
	label_reason(s, c[VM_COL_REASON], VM_SMALL_MAX);
	r->num[VM_COL_REASON] = (uint64_t)s->status;
	uint64_t total = s->scsi ? s->scsi->stats.bytes_read +
				       s->scsi->stats.bytes_written
				 : 0;
	label_bytes(total, c[VM_COL_TOTAL], VM_SMALL_MAX);
	r->num[VM_COL_TOTAL] = total;
	struct vm_rates rt = {0};
	if (vm->rates)
		vm->rates(vm->rates_user, s, &rt);
	if (rt.ntrend)
		vm_spark(rt.trend,
			 rt.ntrend < VM_TREND_CELLS ? rt.ntrend : VM_TREND_CELLS,
			 vm->ascii, c[VM_COL_TREND], VM_SMALL_MAX);
	if (rt.known && r->ended) {
		/* An ended session moves nothing: no rate, not 0.0. */
		snprintf(c[VM_COL_RATE], VM_SMALL_MAX, "-");
		snprintf(c[VM_COL_IOPS], VM_SMALL_MAX, "-");
	} else if (rt.known) {
		human_rate(rt.bytes_per_s / 1e6, c[VM_COL_RATE], VM_SMALL_MAX);
		human_rate(rt.iops, c[VM_COL_IOPS], VM_SMALL_MAX);
		r->num[VM_COL_RATE] = (uint64_t)rt.bytes_per_s;
		r->num[VM_COL_IOPS] = (uint64_t)(rt.iops * 1000.0);
	} else {
		snprintf(c[VM_COL_RATE], VM_SMALL_MAX, "-");
		snprintf(c[VM_COL_IOPS], VM_SMALL_MAX, "-");
	}
	r->rates = strcmp(c[VM_COL_RATE], "-") != 0 || c[VM_COL_TREND][0];
	for (int k = 0; k < VM_COL_COUNT; k++) {
		size_t w = ts_width(cells_get(&cells, k));
		r->width[k] = (uint16_t)(w < VM_CELL_MAX ? w : VM_CELL_MAX - 1);
	}
	cells_pack(r, &cells);
	size_t need = label_name_need(cells.name[0]);
	r->need = (uint16_t)(need < VM_CELL_MAX ? need : VM_CELL_MAX - 1);
	bool timed = rates_timed(vm, &rt, due);
	return !r->ended && timed;
}


static int row_cmp(const struct vm *vm, const struct vm_row *x,
		   const struct vm_row *y)
{
	int d = 0;
	if (col_is_text(vm->sort)) {
		d = strcmp(vm_cell(x, vm->sort), vm_cell(y, vm->sort));
	} else {
		uint64_t p = x->num[vm->sort], q = y->num[vm->sort];
		d = p < q ? -1 : p > q;
	}
	if (vm->reverse)
		d = -d;
	if (d)
		return d;
	/* Ties keep creation order whichever way, so rows do not jump. */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int slot_cmp(const void *a, const void *b, void *arg)
{
	const struct vm *vm = arg;
	return row_cmp(vm, &vm->rows[*(const uint32_t *)a],
		       &vm->rows[*(const uint32_t *)b]);
}

/* Where the row in `slot` is, or would go, in the order: rows are
 * totally ordered (seq breaks ties), so the search is exact. */
static size_t order_search(const struct vm *vm, uint32_t slot, bool *found)
{
	size_t lo = 0, hi = vm->n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = row_cmp(vm, &vm->rows[slot], &vm->rows[vm->order[mid]]);
		if (d == 0) {
			*found = true;
			return mid;
		}
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void order_remove(struct vm *vm, uint32_t slot)
{
	bool found;
	size_t i = order_search(vm, slot, &found);
	if (!found)
		return;
	memmove(&vm->order[i], &vm->order[i + 1],
		(vm->n - i - 1) * sizeof(vm->order[0]));
	vm->n--;
}

static void order_insert(struct vm *vm, uint32_t slot)
{
	bool found;
	size_t i = order_search(vm, slot, &found);
	memmove(&vm->order[i + 1], &vm->order[i],
		(vm->n - i) * sizeof(vm->order[0]));
	vm->order[i] = slot;
	vm->n++;
}

/* The meta entry of session seq (meta is in creation order), or NULL. */
static const struct vm_meta *meta_find(const struct vm *vm, uint64_t seq)
{
	size_t lo = 0, hi = vm->nmeta;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (vm->meta[mid].seq == seq)
			return &vm->meta[mid];
		if (vm->meta[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void sel_fix(struct vm *vm)
{
	if (vm->sel_set) {
		const struct vm_meta *m = meta_find(vm, vm->sel_seq);
		if (m && m->slot != VM_NO_SLOT) {
			bool found;
			size_t i = order_search(vm, m->slot, &found);
			if (found) {
				vm->sel = i;
				return;
			}
		}
	}
	/* The selected session is hidden (or none was chosen): clamp. */
	if (vm->sel >= vm->n)
		vm->sel = vm->n ? vm->n - 1 : 0;
	if (vm->n)
		vm->sel_seq = vm_row_at(vm, vm->sel)->seq;
}

static void resort(struct vm *vm)
{
	if (vm->n > 1)
		qsort_r(vm->order, vm->n, sizeof(vm->order[0]), slot_cmp, vm);
	sel_fix(vm);
}

/* The state filter: failed/lost/degraded only, everything, or (the
 * default) everything but sessions that ended long enough ago. *age_at:
 * when a shown session will age out (0: never). */
static bool session_shown(const struct vm *vm, const struct session *s,
			  uint64_t *age_at)
{
	*age_at = 0;
	switch (vm->show) {
	case VM_SHOW_ALL:
		return true;
	case VM_SHOW_ERRORS:
		return s->status == ST_ERROR || s->status == ST_LOST ||
		       s->status == ST_DEGRADED ||
		       (s->status == ST_STOPPED &&
			s->end_reason == END_RETAIN_EXPIRED);
	case VM_SHOW_ACTIVE:
	case VM_SHOW_COUNT:
		break;
	}
	if (!status_ended(s->status) || !vm->now_ns)
		return true;
	uint64_t age = s->status == ST_ERROR ? VM_AGE_FAILED_NS : VM_AGE_NS;
	if (vm->now_ns < s->state_ns || vm->now_ns - s->state_ns < age) {
		*age_at = s->state_ns + age;
		return true;
	}
	return false;
}

void vm_show_cycle(struct vm *vm)
{
	vm->show = (enum vm_show)((vm->show + 1) % VM_SHOW_COUNT);
}

const char *vm_show_name(enum vm_show sh)
{
	switch (sh) {
	case VM_SHOW_ACTIVE:
		return "recent";
	case VM_SHOW_ALL:
		return "all";
	case VM_SHOW_ERRORS:
		return "errors only";
	case VM_SHOW_COUNT:
		break;
	}
	return "?";
}

long vm_find(const struct vm *vm, const char *text, size_t from)
{
	if (!text[0] || !vm->n)
		return -1;
	for (size_t k = 0; k < vm->n; k++) {
		size_t i = (from + k) % vm->n;
		if (row_matches(vm_row_at(vm, i), text))
			return (long)i;
	}
	return -1;
}

/* ---- keeping the rows up to date ---- */

/* Counts r's cell widths in (add) or out of the histograms. */
static void hist_count(struct vm *vm, const struct vm_row *r, bool add)
{
	for (int c = 0; c < VM_COL_COUNT; c++) {
		uint32_t *h = &vm->width_hist[c][r->width[c]];
		*h = add ? *h + 1 : *h - 1;
	}
	uint32_t *n = &vm->need_hist[r->need];
	*n = add ? *n + 1 : *n - 1;
	if (r->rates)
		vm->nrates = add ? vm->nrates + 1 : vm->nrates - 1;
}

/* Takes m's row out of the view (and out of the order unless `bulk`:
 * the order is sorted again afterwards). */
static void row_drop(struct vm *vm, struct vm_meta *m, bool bulk)
{
	if (m->slot == VM_NO_SLOT)
		return;
	if (!bulk)
		order_remove(vm, m->slot);
	hist_count(vm, &vm->rows[m->slot], false);
	free(vm->rows[m->slot].text);
	vm->rows[m->slot].text = NULL;
	vm->free_slot[vm->nfree++] = m->slot;
	m->slot = VM_NO_SLOT;
}

/* Makes m's row (if any) that of session s now. Room for one more row
 * is there (vm_reserve). */
static void row_refresh(struct vm *vm, struct vm_meta *m,
			const struct session *s, bool bulk)
{
	row_drop(vm, m, bulk);
	if (m->hidden)
		vm->aged--;
	m->s = s;
	m->seq = s->seq;
	m->gen = s->gen;
	m->timed = false;
	m->hidden = !session_shown(vm, s, &m->age_at);
	if (m->hidden) {
		vm->aged++;
		return;
	}
	uint32_t slot = vm->free_slot[--vm->nfree];
	struct vm_row *r = &vm->rows[slot];
	uint64_t due;
	bool timed = row_fill(vm, r, s, &due);
	if (vm->filter[0] && !session_matches(s, vm->filter) &&
	    !row_matches(r, vm->filter)) {
		vm->free_slot[vm->nfree++] = slot;
		return;
	}
	m->timed = timed;
	m->due_ns = due;
	m->slot = slot;
	hist_count(vm, r, true);
	if (bulk)
		vm->order[vm->n++] = slot;
	else
		order_insert(vm, slot);
}

/* Room for `rows` rows (store slots and order) and `metas` entries. */
static int vm_reserve(struct vm *vm, size_t sessions, size_t metas)
{
	if (metas > vm->meta_cap) {
		size_t cap = vm->meta_cap ? vm->meta_cap : 16;
		while (cap < metas)
			cap *= 2;
		struct vm_meta *m = realloc(vm->meta, cap * sizeof(*m));
		if (!m)
			return -1;
		vm->meta = m;
		vm->meta_cap = cap;
	}
	if (sessions <= vm->cap)
		return 0;
	size_t cap = vm->cap ? vm->cap : 16;
	while (cap < sessions)
		cap *= 2;
	struct vm_row *r = realloc(vm->rows, cap * sizeof(*r));
	if (!r)
		return -1;
	for (size_t i = vm->cap; i < cap; i++)
		r[i].text = NULL;
	vm->rows = r;
	uint32_t *o = realloc(vm->order, cap * sizeof(*o));
	if (!o)
		return -1;
	vm->order = o;
	uint32_t *f = realloc(vm->free_slot, cap * sizeof(*f));
	if (!f)
		return -1;
	vm->free_slot = f;
	/* New slots are free, the highest first so that the lowest go out
	 * first. */
	size_t add = cap - vm->cap;
	memmove(vm->free_slot + add, vm->free_slot,
		vm->nfree * sizeof(*f));
	for (size_t i = 0; i < add; i++)
		vm->free_slot[i] = (uint32_t)(cap - 1 - i);
	vm->nfree += add;
	vm->cap = cap;
	return 0;
}

static void vm_clear(struct vm *vm)
{
	vm->n = 0;
	vm->nmeta = 0;
	vm->nrates = 0;
	vm->aged = 0;
	memset(vm->width_hist, 0, sizeof(vm->width_hist));
	memset(vm->need_hist, 0, sizeof(vm->need_hist));
	vm->nfree = 0;
	for (size_t i = 0; i < vm->cap; i++)
		vm->free_slot[vm->nfree++] = (uint32_t)(vm->cap - 1 - i);
}

/* Capture time moved by a second or more since the rows that move with
 * it were last made (or never made). */
static bool time_due(const struct vm *vm)
{
	return vm->now_ns != vm->timed_ns &&
	       (vm->now_ns < vm->timed_ns ||
		vm->now_ns - vm->timed_ns >= SCSI_INTERVAL_NS);
}

/* Refreshes, in place, the rows that move with time and hides those
 * that aged out; the sessions are those of the last walk (the table's
 * generation did not move, so none was freed). */
static int sync_time(struct vm *vm)
{
	size_t due = 0;
	for (size_t i = 0; i < vm->nmeta; i++) {
		const struct vm_meta *m = &vm->meta[i];
		due += meta_due(vm, m) || (m->age_at && m->age_at <= vm->now_ns);
	}
	bool bulk = due > vm->n / 16 + 8;
	if (bulk)
		vm->n = 0;
	for (size_t i = 0; i < vm->nmeta; i++) {
		struct vm_meta *m = &vm->meta[i];
		if (meta_due(vm, m) || (m->age_at && m->age_at <= vm->now_ns))
			row_refresh(vm, m, m->s, bulk);
		else if (bulk && m->slot != VM_NO_SLOT)
			vm->order[vm->n++] = m->slot;
	}
	if (bulk && vm->n > 1)
		qsort_r(vm->order, vm->n, sizeof(vm->order[0]), slot_cmp, vm);
	return 0;
}

/* Drops the entries (and rows) of sessions no longer in the table:
 * both lists are in creation order, so one pass over each. */
static void sync_gone(struct vm *vm, const struct session *first, bool bulk)
{
	size_t k = 0, w = 0;
	for (const struct session *s = first; s && k < vm->nmeta; s = s->next) {
		while (k < vm->nmeta && vm->meta[k].seq < s->seq) {
			struct vm_meta *gone = &vm->meta[k++];
			row_drop(vm, gone, bulk);
			if (gone->hidden)
				vm->aged--;
		}
		if (k < vm->nmeta && vm->meta[k].seq == s->seq)
			vm->meta[w++] = vm->meta[k++];
	}
	while (k < vm->nmeta) {
		struct vm_meta *gone = &vm->meta[k++];
		row_drop(vm, gone, bulk);
		if (gone->hidden)
			vm->aged--;
	}
	vm->nmeta = w;
}

/* Walks the sessions beside the meta entries (both in creation order):
 * entries of sessions gone are dropped, new sessions get one, and rows
 * are made again where the session changed (or `all`, or moved with
 * time when `timed`). Many changes: the order is made again and sorted
 * once instead of moving rows one by one. */
static int sync_walk(struct vm *vm, const struct session *first, bool all,
		     bool timed)
{
	size_t total = 0, changed = 0, k = 0;
	for (const struct session *s = first; s; s = s->next) {
		total++;
		if (all)
			continue;
		while (k < vm->nmeta && vm->meta[k].seq < s->seq) {
			changed++;
			k++;
		}
		if (k < vm->nmeta && vm->meta[k].seq == s->seq) {
			const struct vm_meta *m = &vm->meta[k++];
			changed += m->gen != s->gen || (timed && meta_due(vm, m));
		} else {
			changed++;
		}
	}
	changed += vm->nmeta - k;
	if (vm_reserve(vm, total, total + vm->nmeta) < 0)
		return -1;
	bool bulk = all || changed > vm->n / 16 + 8;
	if (all)
		vm_clear(vm);
	sync_gone(vm, first, bulk);
	if (bulk)
		vm->n = 0;
	/* What is left of the old entries moves to the top of the array;
	 * the new list is written from the bottom and never overtakes it
	 * (at most `total` entries, the old ones from index total on). */
	size_t old = vm->nmeta;
	if (old) /* none yet: meta may still be NULL (a live view, no session) */
		memmove(vm->meta + total, vm->meta, old * sizeof(vm->meta[0]));
	const struct vm_meta *src = vm->meta + total;
	size_t w = 0;
	k = 0;
	for (const struct session *s = first; s; s = s->next) {
		struct vm_meta m = {.slot = VM_NO_SLOT};
		bool fresh = true;
		if (k < old && src[k].seq == s->seq) {
			m = src[k++];
			fresh = m.gen != s->gen || (timed && meta_due(vm, &m));
		}
		if (fresh) {
			row_refresh(vm, &m, s, bulk);
		} else {
			m.s = s;
			if (bulk && m.slot != VM_NO_SLOT)
				vm->order[vm->n++] = m.slot;
		}
		vm->meta[w++] = m;
	}
	vm->nmeta = w;
	if (bulk && vm->n > 1)
		qsort_r(vm->order, vm->n, sizeof(vm->order[0]), slot_cmp, vm);
	return 0;
}

int vm_update(struct vm *vm, const struct session *first, uint64_t gen)
{
	bool all = !vm->synced || vm->show != vm->built_show ||
		   strcmp(vm->filter, vm->built_filter) != 0;
	bool timed = time_due(vm);
	if (!all && vm->gen_seen == gen && !timed)
		return 0;
	int rc = 0;
	if (all || vm->gen_seen != gen)
		rc = sync_walk(vm, first, all, timed);
	else
		rc = sync_time(vm);
	if (rc < 0) {
		vm->synced = false; /* start afresh next time */
		return -1;
	}
	vm->synced = true;
	vm->gen_seen = gen;
	if (timed || all)
		vm->timed_ns = vm->now_ns;
	vm->built_show = vm->show;
	snprintf(vm->built_filter, sizeof(vm->built_filter), "%s", vm->filter);
	vm->total = vm->nmeta;
	vm->have_rates = vm->nrates > 0;
	sel_fix(vm);
	return 0;
}

int vm_build(struct vm *vm, const struct session *first)
{
	vm->synced = false;
	return vm_update(vm, first, vm->gen_seen);
}

static bool col_shown(const struct vm *vm, enum vm_col c)
{
	return (c != VM_COL_RATE && c != VM_COL_IOPS && c != VM_COL_TREND) ||
	       vm->have_rates;
}

void vm_sort_by(struct vm *vm, enum vm_col c)
{
	if ((unsigned)c >= VM_COL_COUNT)
		return;
	if (vm->sort == c)
		vm->reverse = !vm->reverse;
	else
		vm->sort = c, vm->reverse = false;
	resort(vm);
}

void vm_sort_cycle(struct vm *vm, int dir)
{
	int c = (int)vm->sort;
	for (int i = 0; i < VM_COL_COUNT; i++) {
		c = (c + (dir < 0 ? VM_COL_COUNT - 1 : 1)) % VM_COL_COUNT;
		if (col_shown(vm, (enum vm_col)c))
			break;
	}
	vm->sort = (enum vm_col)c;
	vm->reverse = false;
	resort(vm);
}

void vm_set_filter(struct vm *vm, const char *f)
{
	snprintf(vm->filter, sizeof(vm->filter), "%s", f ? f : "");
}

void vm_move(struct vm *vm, long delta)
{
	if (!vm->n)
		return;
	long to = (long)vm->sel + delta;
	if (to < 0)
		to = 0;
	if (to >= (long)vm->n)
		to = (long)vm->n - 1;
	vm->sel = (size_t)to;
	vm->sel_seq = vm_row_at(vm, vm->sel)->seq;
	vm->sel_set = true;
}

void vm_scroll(struct vm *vm, size_t visible)
{
	if (!visible || vm->n <= visible) {
		vm->top = 0;
		return;
	}
	if (vm->sel < vm->top)
		vm->top = vm->sel;
	if (vm->sel >= vm->top + visible)
		vm->top = vm->sel - visible + 1;
	if (vm->top + visible > vm->n)
		vm->top = vm->n - visible;
}

const struct vm_row *vm_selected(const struct vm *vm)
{
	return vm->n ? vm_row_at(vm, vm->sel) : NULL;
}

static int total_width(const int width[VM_COL_COUNT])
{
	int total = -1;
	for (int c = 0; c < VM_COL_COUNT; c++)
		total += width[c] ? width[c] + 1 : 0;
	return total;
}

/* Narrows the wider of the two names by one column, neither below its
 * floor; false when both are at their floors. */
static bool names_shrink(int width[VM_COL_COUNT], int ifloor, int tfloor)
{
	int *a = &width[VM_COL_INITIATOR], *b = &width[VM_COL_TARGET];
	bool ca = *a > ifloor, cb = *b > tfloor;
	if (!ca && !cb)
		return false;
	/* The target first: the initiator is what tells sessions apart. */
	int *w = cb && (!ca || *b - tfloor >= *a - ifloor) ? b : a;
	(*w)--;
	return true;
}

/* The largest value counted in a histogram of VM_CELL_MAX cells (0 when
 * empty). */
static size_t hist_max(const uint32_t *h)
{
	for (size_t i = VM_CELL_MAX; i-- > 0;)
		if (h[i])
			return i;
	return 0;
}

void vm_layout(const struct vm *vm, int cols, int width[VM_COL_COUNT])
{
	size_t need_i = strlen(col_title[VM_COL_INITIATOR]);
	for (int c = 0; c < VM_COL_COUNT; c++) {
		width[c] = 0;
		if (!col_shown(vm, (enum vm_col)c))
			continue;
		/* The sorted column's title carries an arrow. */
		size_t w = strlen(col_title[c]) + ((int)vm->sort == c);
		size_t cw = hist_max(vm->width_hist[c]);
		if (cw > w)
			w = cw;
		if (c == VM_COL_INITIATOR && hist_max(vm->need_hist) > need_i)
			need_i = hist_max(vm->need_hist);
		if ((c == VM_COL_INITIATOR || c == VM_COL_TARGET) && w > NAME_CAP)
			w = NAME_CAP;
		width[c] = (int)w;
	}
	if (cols <= 0) {
		for (int c = 0; c < VM_COL_COUNT; c++)
			width[c] = 0;
		return;
	}
	int ifloor = (int)need_i < width[VM_COL_INITIATOR]
			 ? (int)need_i
			 : width[VM_COL_INITIATOR];
	int imid = ifloor > INIT_MID ? ifloor : INIT_MID;
	/* Least important first: these go before any name is cut ... */
	static const enum vm_col spare[] = {
	    VM_COL_TREND, VM_COL_ISID, VM_COL_DIGESTS,
	};
	/* ... these once names are down to TARGET_MID / INIT_MID ... */
	static const enum vm_col optional[] = {
	    VM_COL_TYPE, VM_COL_TSIH,	VM_COL_CONNS,
	    VM_COL_IOPS, VM_COL_ERRORS, VM_COL_TOTAL,
	};
	/* ... and these last, when even the names are at NAME_MIN. */
	static const enum vm_col rest[] = {
	    VM_COL_RATE, VM_COL_REASON, VM_COL_STATE, VM_COL_TARGET,
	};
	size_t si = 0, oi = 0, ri = 0;
	while (total_width(width) > cols) {
		if (si < sizeof(spare) / sizeof(spare[0])) {
			width[spare[si++]] = 0;
			continue;
		}
		if (names_shrink(width, imid, TARGET_MID))
			continue;
		if (oi < sizeof(optional) / sizeof(optional[0])) {
			width[optional[oi++]] = 0;
			continue;
		}
		if (names_shrink(width, ifloor, TARGET_MID))
			continue;
		if (names_shrink(width, NAME_MIN, NAME_MIN))
			continue;
		if (ri < sizeof(rest) / sizeof(rest[0])) {
			width[rest[ri++]] = 0;
			continue;
		}
		width[VM_COL_INITIATOR] = cols;
		return;
	}
}

/* ---- sparklines ---- */

void vm_spark(const double *v, unsigned n, bool ascii, char *out,
	      size_t outlen)
{
	static const char *const blocks[8] = {
	    "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
	    "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
	static const char asc[] = ".:-=+*#@";
	if (!outlen)
		return;
	double max = 0;
	for (unsigned i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	size_t o = 0;
	for (unsigned i = 0; i < n; i++) {
		char one[4] = " ";
		if (v[i] > 0 && max > 0) {
			unsigned k = (unsigned)(v[i] / max * 7.999);
			if (k > 7)
				k = 7;
			if (ascii)
				one[0] = asc[k];
			else
				snprintf(one, sizeof(one), "%s", blocks[k]);
		}
		size_t l = strlen(one);
		if (l >= outlen - o)
			break;
		memcpy(out + o, one, l);
		o += l;
	}
	out[o] = '\0';
}

/* ---- lines of text ---- */

void vm_text_init(struct vm_text *t)
{
	memset(t, 0, sizeof(*t));
}

void vm_text_free(struct vm_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->line[i]);
	free(t->line);
	memset(t, 0, sizeof(*t));
}

/* A new last line of VM_LINE_MAX bytes, for the caller to fill; NULL
 * (and oom set) when memory ran out. */
static char *text_new_line(struct vm_text *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **l = realloc(t->line, cap * sizeof(*l));
		if (!l) {
			t->oom = true;
			return NULL;
		}
		t->line = l;
		t->cap = cap;
	}
	char *e = malloc(VM_LINE_MAX);
	if (!e) {
		t->oom = true;
		return NULL;
	}
	e[0] = '\0';
	t->line[t->n++] = e;
	return e;
}

static void text_add_raw(struct vm_text *t, const char *raw, size_t len,
			 bool ascii)
{
	char *e = text_new_line(t);
	if (e)
		ts_escape(ts_term(ascii), raw, len, e, VM_LINE_MAX);
}

void vm_text_addf(struct vm_text *t, bool ascii, const char *fmt, ...)
{
	char raw[VM_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
	text_add_raw(t, raw, len, ascii);
}

/* ---- the detail view ---- */

static void prop_lines(struct vm_text *t, const struct cim_prop *p,
		       bool ascii, const char *indent)
{
	char b[CIM_TIME_BUF];
	if (p->null) {
		vm_text_addf(t, ascii, "%s%-36s (null: not observed)", indent,
			     p->name);
		return;
	}
	switch (p->type) {
	case CIM_T_STRING: {
		size_t len = strlen(p->s);
		if (len <= WRAP_AT) {
			vm_text_addf(t, ascii, "%s%-36s %s", indent, p->name,
				     p->s);
			break;
		}
		for (size_t off = 0; off < len; off += WRAP_AT)
			vm_text_addf(t, ascii, "%s%-36s %.*s", indent,
				     off ? "" : p->name,
				     (int)(len - off > WRAP_AT ? WRAP_AT
							       : len - off),
				     p->s + off);
		break;
	}
	case CIM_T_UINT8:
	case CIM_T_UINT16:
	case CIM_T_UINT32: {
		const char *en = cim_enum_name(p->name, p->u);
		if (en)
			vm_text_addf(t, ascii, "%s%-36s %u (%s)", indent,
				     p->name, p->u, en);
		else
			vm_text_addf(t, ascii, "%s%-36s %u", indent, p->name,
				     p->u);
		break;
	}
	case CIM_T_BOOLEAN:
		vm_text_addf(t, ascii, "%s%-36s %s", indent, p->name,
			     p->u ? "true" : "false");
		break;
	case CIM_T_DATETIME:
		vm_text_addf(t, ascii, "%s%-36s %s", indent, p->name,
			     cim_time_rfc3339(p->ns, b, sizeof(b)));
		break;
	case CIM_T_UINT16_ARRAY: {
		char v[256];
		size_t o = 0;
		o += (size_t)snprintf(v + o, sizeof(v) - o, "{");
		for (unsigned i = 0; i < p->n && o < sizeof(v); i++) {
			const char *en = cim_enum_name(p->name, p->arr[i]);
			o += (size_t)snprintf(v + o, sizeof(v) - o, "%s%u%s%s%s",
					      i ? ", " : "", p->arr[i],
					      en ? " (" : "", en ? en : "",
					      en ? ")" : "");
		}
		if (o < sizeof(v))
			snprintf(v + o, sizeof(v) - o, "}");
		vm_text_addf(t, ascii, "%s%-36s %s", indent, p->name, v);
		break;
	}
	case CIM_T_STRING_ARRAY:
		if (!p->n)
			vm_text_addf(t, ascii, "%s%-36s {}", indent, p->name);
		for (unsigned i = 0; i < p->n; i++)
			vm_text_addf(t, ascii, "%s%-36s [%u] %s", indent,
				     i ? "" : p->name, i, cim_array_str(p, i));
		break;
	}
}

/* What one side sent for key k, as text. */
static void neg_val_text(const struct neg *n, enum neg_key k, int side,
			 char *buf, size_t len)
{
	const struct neg_val val = neg_val_get(n, k, (enum neg_side)side);
	const struct neg_val *v = &val;
	const struct neg_key_info *ki = neg_key_info(k);
	static const char *const special[] = {"", "Irrelevant", "Reject",
					      "NotUnderstood"};
	if (!v->seen) {
		snprintf(buf, len, "-");
		return;
	}
	if (v->special && v->special < 4) {
		snprintf(buf, len, "%s", special[v->special]);
		return;
	}
	size_t o = 0;
	switch (ki ? ki->type : NEG_T_NUM) {
	case NEG_T_BOOL:
		o = (size_t)snprintf(buf, len, "%s", v->num ? "Yes" : "No");
		break;
	case NEG_T_NUM:
		o = (size_t)snprintf(buf, len, "%u", v->num);
		break;
	case NEG_T_ENUM:
	case NEG_T_NUMLIST:
		for (unsigned i = 0; i < v->nlist && o < len; i++) {
			if (ki->type == NEG_T_ENUM)
				o += (size_t)snprintf(
				    buf + o, len - o, "%s%s", i ? "," : "",
				    neg_vocab_name(k, v->list[i]));
			else
				o += (size_t)snprintf(buf + o, len - o, "%s%u",
						      i ? "," : "", v->list[i]);
		}
		if (v->nunknown && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s+%u unknown",
					      o ? "," : "", v->nunknown);
		if (!o)
			o = (size_t)snprintf(buf, len, "(empty)");
		break;
	case NEG_T_STRING: {
		const struct neg_str *s =
		    k == NK_INITIATOR_NAME    ? &n->initiator_name
		    : k == NK_TARGET_NAME     ? &n->target_name
		    : k == NK_INITIATOR_ALIAS ? &n->initiator_alias
		    : k == NK_TARGET_ALIAS    ? &n->target_alias
		    : k == NK_TARGET_ADDRESS  ? &n->target_address
		    : k == NK_CHAP_N          ? &n->chap.name[side]
					      : NULL;
		o = (size_t)snprintf(buf, len, "%s",
				     s && s->seen ? s->s : "(sent)");
		break;
	}
	case NEG_T_BINARY:
		o = (size_t)snprintf(buf, len, "(%u bytes)", v->num);
		break;
	}
	if (v->invalid && o < len)
		snprintf(buf + o, len - o, " (invalid)");
}

static void neg_result_text(enum neg_key k, const struct neg_result *r,
			    char *buf, size_t len)
{
	const struct neg_key_info *ki = neg_key_info(k);
	size_t o = (size_t)snprintf(buf, len, "%s",
				    neg_state_name((enum neg_state)r->state));
	if (neg_result_has_value(r)) {
		switch (ki ? ki->type : NEG_T_NUM) {
		case NEG_T_BOOL:
			o += (size_t)snprintf(buf + o, len - o, " %s",
					      r->v ? "Yes" : "No");
			break;
		case NEG_T_ENUM:
			o += (size_t)snprintf(buf + o, len - o, " %s",
					      neg_vocab_name(k, r->v));
			break;
		case NEG_T_NUM:
		case NEG_T_NUMLIST:
			o += (size_t)snprintf(buf + o, len - o, " %u", r->v);
			break;
		default:
			break;
		}
	}
	static const struct {
		unsigned bit;
		const char *text;
	} fl[] = {
	    {NEG_RF_VIOLATION, "answer breaks the rule"},
	    {NEG_RF_OFFER_INVALID, "offer invalid"},
	    {NEG_RF_UNANSWERED, "unanswered"},
	    {NEG_RF_NOT_UNDERSTOOD, "NotUnderstood"},
	    {NEG_RF_REPEATED, "sent twice"},
	    {NEG_RF_TARGET_OFFERED, "target offered"},
	    {NEG_RF_IMPLIED, "implied"},
	    {NEG_RF_REDECLARED, "re-declared"},
	};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]) && o < len; i++)
		if (r->flags & fl[i].bit)
			o += (size_t)snprintf(buf + o, len - o, " [%s]",
					      fl[i].text);
}

/* A line whose cells are escaped already: added as it is (escaping it
 * again would double every backslash). */
static void text_add_escaped(struct vm_text *t, const char *line)
{
	char *e = text_new_line(t);
	if (!e)
		return;
	size_t n = strlen(line);
	if (n > VM_LINE_MAX - 1) { /* never inside a UTF-8 sequence */
		n = VM_LINE_MAX - 1;
		while (n && ((unsigned char)line[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(e, line, n);
	e[n] = '\0';
}

/* The negotiation table's value columns: as wide as their widest value
 * or title, at most this; a longer value (a name, a list) is cut by
 * label_name(), the names' fitting function, so the next column never
 * moves. */
#define NEG_COL_MAX 24

struct neg_row {
	char key[VM_SMALL_MAX];
	char val[2][VM_CELL_MAX]; /* initiator, target: escaped */
	char result[VM_CELL_MAX];
};

static size_t neg_rows(const struct sconn *c, bool ascii, struct neg_row *rows)
{
	const struct neg *n = &c->neg;
	char raw[VM_CELL_MAX];
	size_t nr = 0;
	for (int k = 0; k < NK_COUNT; k++) {
		const struct neg_key_info *ki = neg_key_info((enum neg_key)k);
		if (!ki)
			continue;
		struct neg_row *r = &rows[nr];
		if (k == NK_MAX_RECV_DSL) {
			struct neg_result ri = neg_mrdsl_result(
			    n, NEG_INITIATOR, c->login_observed);
			struct neg_result rt =
			    neg_mrdsl_result(n, NEG_TARGET, c->login_observed);
			char a[64], b2[64];
			neg_result_text((enum neg_key)k, &ri, a, sizeof(a));
			neg_result_text((enum neg_key)k, &rt, b2, sizeof(b2));
			snprintf(raw, sizeof(raw), "I receives %s; T receives %s",
				 a, b2);
		} else {
			if (!n->cell[k][0].seen && !n->cell[k][1].seen &&
			    !ki->has_default)
				continue;
			struct neg_result res = neg_key_result(
			    n, (enum neg_key)k, c->login_observed);
			if (ki->scope == NEG_DECL || ki->type == NEG_T_BINARY)
				snprintf(raw, sizeof(raw), "%s",
					 res.state == NEG_UNKNOWN ? "-"
								  : "declared");
			else
				neg_result_text((enum neg_key)k, &res, raw,
						sizeof(raw));
		}
		ts_escape(ts_term(ascii), raw, strlen(raw), r->result,
			  sizeof(r->result));
		ts_escape(ts_term(ascii), ki->name, strlen(ki->name), r->key,
			  sizeof(r->key));
		for (int side = 0; side < 2; side++) {
			neg_val_text(n, (enum neg_key)k,
				     side ? NEG_TARGET : NEG_INITIATOR, raw,
				     sizeof(raw));
			ts_escape(ts_term(ascii), raw, strlen(raw),
				  r->val[side], sizeof(r->val[side]));
		}
		nr++;
	}
	return nr;
}

static void neg_table(struct vm_text *t, const struct sconn *c, bool ascii)
{
	const struct neg *n = &c->neg;
	struct neg_row *rows = calloc(NK_COUNT + 1, sizeof(*rows));
	if (!rows) {
		t->oom = true;
		return;
	}
	size_t nr = neg_rows(c, ascii, rows);
	struct neg_row *head = &rows[nr];
	snprintf(head->key, sizeof(head->key), "KEY");
	snprintf(head->val[0], sizeof(head->val[0]), "INITIATOR SENT");
	snprintf(head->val[1], sizeof(head->val[1]), "TARGET SENT");
	snprintf(head->result, sizeof(head->result), "RESULT");
	size_t wk = 0, wv[2] = {0, 0};
	for (size_t i = 0; i <= nr; i++) {
		if (ts_width(rows[i].key) > wk)
			wk = ts_width(rows[i].key);
		for (int side = 0; side < 2; side++)
			if (ts_width(rows[i].val[side]) > wv[side])
				wv[side] = ts_width(rows[i].val[side]);
	}
	for (int side = 0; side < 2; side++)
		if (wv[side] > NEG_COL_MAX)
			wv[side] = NEG_COL_MAX;
	char line[4 * VM_CELL_MAX + 8], k[VM_CELL_MAX], v[2][VM_CELL_MAX];
	char cut[VM_CELL_MAX];
	for (size_t j = 0; j <= nr; j++) {
		/* The titles (stored last) first. */
		const struct neg_row *r = &rows[(j + nr) % (nr + 1)];
		ts_fit(r->key, wk, true, ascii, k, sizeof(k));
		/* label_name() cuts and ts_fit() pads by terminal columns,
		 * so a wide character cannot push the next column. */
		for (int side = 0; side < 2; side++) {
			label_name(r->val[side], wv[side], false, ascii, cut,
				   sizeof(cut));
			ts_fit(cut, wv[side], true, ascii, v[side],
			       sizeof(v[side]));
		}
		snprintf(line, sizeof(line), "    %s %s %s %s", k, v[0], v[1],
			 r->result);
		text_add_escaped(t, line);
	}
	free(rows);
	if (n->chap.seen)
		vm_text_addf(t, ascii,
			     "    CHAP: algorithm %u%s, mutual %s, names "
			     "I:%s T:%s%s",
			     n->chap.algorithm,
			     n->chap.algorithm_seen ? "" : " (not answered)",
			     n->chap.mutual ? "yes" : "no",
			     n->chap.name[0].seen ? n->chap.name[0].s : "-",
			     n->chap.name[1].seen ? n->chap.name[1].s : "-",
			     n->chap.malformed ? " (malformed challenge)" : "");
	if (n->unknown_keys || n->malformed)
		vm_text_addf(t, ascii,
			     "    %u unknown key(s), %u malformed item(s)",
			     n->unknown_keys, n->malformed);
}

static void time_text(uint64_t ns, char *buf, size_t len)
{
	if (!ns) {
		snprintf(buf, len, "-");
		return;
	}
	cim_time_rfc3339(ns, buf, len);
}

void vm_detail(const struct session *s, enum perspective persp, bool ascii,
	       struct vm_text *t)
{
	struct cim_prop *props = calloc(CIM_SESSION_NPROPS, sizeof(*props));
	if (!props) {
		t->oom = true;
		return;
	}
	char name[2 * NEG_STR_MAX + 64];
	if (!cim_session_name(s, name, sizeof(name)))
		snprintf(name, sizeof(name), "session #%" PRIu64
					     " (identity not observed)",
			 s->seq);
	vm_text_addf(t, ascii, "Session %s", name);
	if (s->incomplete)
		vm_text_addf(t, ascii,
			     "  (incomplete: the capture missed part of it)");
	/* Two tenants may reuse addresses, ports and names: what sets
	 * their sessions apart is the domain they were seen in. */
	const struct sconn *lead = session_leading_conn(s);
	if (!lead)
		lead = s->conns;
	char path[LABEL_PATH_MAX] = "";
	if (lead && label_path(&lead->outer, path, sizeof(path)))
		vm_text_addf(t, ascii, "Seen in %s", path);
	vm_text_addf(t, ascii, "%s", "");
	vm_text_addf(t, ascii, "CIM_iSCSISession");
	size_t n = cim_session_props(s, persp, props, CIM_SESSION_NPROPS);
	for (size_t i = 0; i < n; i++)
		prop_lines(t, &props[i], ascii, "  ");

	unsigned ci = 0;
	for (const struct sconn *c = s->conns; c; c = c->next, ci++) {
		char a[64], b[64], t1[CIM_TIME_BUF], t2[CIM_TIME_BUF];
		vm_text_addf(t, ascii, "%s", "");
		if (c->cid_known)
			vm_text_addf(t, ascii,
				     "Connection %u: CID %u%s  %s -> %s", ci + 1,
				     c->cid, c->leading ? " (leading)" : "",
				     cim_ep_str(&c->initiator, a, sizeof(a)),
				     cim_ep_str(&c->target, b, sizeof(b)));
		else
			vm_text_addf(t, ascii,
				     "Connection %u: CID unknown%s  %s -> %s",
				     ci + 1, c->leading ? " (leading)" : "",
				     cim_ep_str(&c->initiator, a, sizeof(a)),
				     cim_ep_str(&c->target, b, sizeof(b)));
		/* Only a connection seen elsewhere than the session's line
		 * says (outer VLANs or tunnel kinds beyond the domain). */
		char cpath[LABEL_PATH_MAX];
		label_path(&c->outer, cpath, sizeof(cpath));
		if (strcmp(cpath, path) != 0)
			vm_text_addf(t, ascii, "  seen in %s",
				     cpath[0] ? cpath : "no VLAN or tunnel");
		time_text(c->first_ns, t1, sizeof(t1));
		time_text(c->end_ns, t2, sizeof(t2));
		vm_text_addf(t, ascii,
			     "  first %s  ended %s  login %s  PDUs I>T %" PRIu64
			     " T>I %" PRIu64,
			     t1, t2,
			     c->login_observed ? "observed" : "not observed",
			     c->counts.pdus[0], c->counts.pdus[1]);
		vm_text_addf(t, ascii,
			     "  header digest errors %" PRIu64
			     "  data digest errors %" PRIu64 "  rejects %" PRIu64
			     "  capture gaps %" PRIu64,
			     c->counts.hdigest_errors, c->counts.ddigest_errors,
			     c->counts.rejects,
			     c->gaps);
		vm_text_addf(t, ascii, "  CIM_iSCSIConnection");
		size_t cn = cim_conn_props(s, c, persp, props,
					   CIM_SESSION_NPROPS);
		for (size_t i = 0; i < cn; i++)
			prop_lines(t, &props[i], ascii, "    ");
		vm_text_addf(t, ascii, "  Negotiation (login of this connection)");
		neg_table(t, c, ascii);
	}
	free(props);

	if (s->ntargets || s->targets_dropped) {
		vm_text_addf(t, ascii, "%s", "");
		vm_text_addf(t, ascii, "Discovery results: %u target(s)%s",
			     s->ntargets,
			     s->targets_dropped ? " (more not kept)" : "");
		for (unsigned i = 0; i < s->ntargets; i++) {
			const struct discovered_target *dt = &s->targets[i];
			/* One line a target: its values, ", "-separated for
			 * the eye only (the model keeps them apart). */
			char all[sizeof(dt->addresses) * 2] = "";
			size_t used = 0;
			for (unsigned a = 0; a < dt->naddr; a++) {
				int w = snprintf(all + used, sizeof(all) - used,
						 "%s%s", a ? ", " : "",
						 session_target_addr(dt, a));
				if (w < 0 || (size_t)w >= sizeof(all) - used)
					break;
				used += (size_t)w;
			}
			vm_text_addf(t, ascii, "  %s  %s%s", dt->name,
				     dt->naddr ? all : "(no address)",
				     dt->truncated ? " (cut)" : "");
			if (dt->addr_dropped)
				vm_text_addf(t, ascii,
					     "    (%u more addresses not kept)",
					     dt->addr_dropped);
		}
	}

	vm_text_addf(t, ascii, "%s", "");
	vm_text_addf(t, ascii, "Events: %u%s", s->nevents,
		     s->events_dropped ? " (older ones dropped)" : "");
	unsigned ne = s->nevents;
	for (unsigned i = 0; i < ne; i++) {
		const struct sess_event *ev = session_event_at(s, i);
		char tb[CIM_TIME_BUF];
		vm_text_addf(t, ascii, "  %s  %-22s %s",
			     cim_time_rfc3339(ev->ts_ns, tb, sizeof(tb)),
			     ev->kind ? ev->kind : "?", ev->detail);
	}
}

static void human_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000)
		snprintf(buf, len, "%.0f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
}

static void activity_hist(const struct scsi_hist *h, bool ascii,
			  struct vm_text *t)
{
	/* One bar per power of two: four histogram buckets each. */
	enum { OCT = SCSI_HIST_BUCKETS / SCSI_HIST_SUB, BAR = 40 };
	uint64_t oct[OCT] = {0}, max = 0;
	unsigned lo = OCT, hi = 0;
	for (unsigned i = 0; i < SCSI_HIST_BUCKETS; i++)
		oct[i / SCSI_HIST_SUB] += scsi_hist_at(h, i);
	for (unsigned o = 0; o < OCT; o++) {
		if (!oct[o])
			continue;
		lo = o < lo ? o : lo;
		hi = o;
		max = oct[o] > max ? oct[o] : max;
	}
	if (!max)
		return;
	vm_text_addf(t, ascii, "  latency histogram (command to response)");
	for (unsigned o = lo; o <= hi; o++) {
		char from[24], bar[3 * BAR + 1];
		human_ns(scsi_hist_lower(o * SCSI_HIST_SUB), from, sizeof(from));
		size_t len = (size_t)((double)oct[o] / (double)max * BAR + 0.5);
		if (oct[o] && !len)
			len = 1;
		size_t k = 0;
		for (size_t i = 0; i < len; i++) {
			const char *blk = ascii ? "#" : "\xe2\x96\x88";
			memcpy(bar + k, blk, strlen(blk));
			k += strlen(blk);
		}
		for (size_t i = len; i < BAR; i++)
			bar[k++] = ' ';
		bar[k] = '\0';
		vm_text_addf(t, ascii, "    >= %9s  %s %" PRIu64, from, bar,
			     oct[o]);
	}
}

void vm_detail_activity(const struct session *s, uint64_t now, bool ascii,
			struct vm_text *t)
{
	if (!s->scsi || !s->scsi->stats.scsi_cmds)
		return;
	const struct scsi_stats *st = &s->scsi->stats;
	char rd[16], wr[16];
	label_bytes(st->bytes_read, rd, sizeof(rd));
	label_bytes(st->bytes_written, wr, sizeof(wr));
	vm_text_addf(t, ascii, "%s", "");
	vm_text_addf(t, ascii, "SCSI activity");
	vm_text_addf(t, ascii,
		     "  commands %" PRIu64 " (reads %" PRIu64 ", writes %" PRIu64
		     ", other %" PRIu64 ")  read %sB  written %sB  errors %" PRIu64,
		     st->scsi_cmds, st->reads, st->writes, st->others, rd, wr,
		     session_errors(s));
	if (st->latency.count) {
		char p50[24], p95[24], p99[24];
		human_ns(scsi_hist_percentile(&st->latency, 50), p50, sizeof(p50));
		human_ns(scsi_hist_percentile(&st->latency, 95), p95, sizeof(p95));
		human_ns(scsi_hist_percentile(&st->latency, 99), p99, sizeof(p99));
		vm_text_addf(t, ascii,
			     "  latency p50 %s  p95 %s  p99 %s  (%" PRIu64
			     " timed)",
			     p50, p95, p99, st->latency.count);
	}
	enum { N = 48 };
	double bps[N], iops[N];
	scsi_trend_get(st, now, bps, iops, N);
	double mb = 0, io = 0;
	for (unsigned i = 0; i < N; i++) {
		mb = bps[i] > mb ? bps[i] : mb;
		io = iops[i] > io ? iops[i] : io;
	}
	char sp[4 * N + 1];
	vm_text_addf(t, ascii, "  last %u min, %llu s a mark, oldest left:",
		     (unsigned)(N * SCSI_TREND_BIN_NS / 60000000000ull),
		     (unsigned long long)(SCSI_TREND_BIN_NS / 1000000000ull));
	vm_spark(bps, N, ascii, sp, sizeof(sp));
	vm_text_addf(t, ascii, "    MB/s |%s| max %.2f", sp, mb / 1e6);
	vm_spark(iops, N, ascii, sp, sizeof(sp));
	vm_text_addf(t, ascii, "    IOPS |%s| max %.1f", sp, io);
	activity_hist(&st->latency, ascii, t);
}

void vm_help(struct vm_text *t)
{
	static const char *const lines[] = {
	    "iscsiwatch - keys",
	    "",
	    "  Up/Down           select a session (PgUp/PgDn, Home/End)",
	    "  Enter             detail view of the selected session",
	    "  Esc, Left, Bksp   back to the session list",
	    "  s / S             sort by the next / previous column",
	    "  1..9, 0           sort by column 1..10 (again: reverse)",
	    "  r                 reverse the sort order",
	    "  /, F4             filter: substring of any column (state,",
	    "                    reason: try 'auth', 'Error'), names, addresses",
	    "                    (Enter keeps it, Esc clears it)",
	    "  c                 clear the filter",
	    "  F3, n             search: select the next row holding the text",
	    "  e                 show recent (ended sessions age out) / all /",
	    "                    errors only (failed, lost, degraded)",
	    "  F6                sort by the next column",
	    "  l                 show / hide the event log pane",
	    "  f                 folded sessions: ended ones retention",
	    "                    summed up per initiator and target",
	    "  p                 pause / resume the display",
	    "  j                 write the JSON export now (--json)",
	    "  m                 write the MOF export now (--mof)",
	    "  ?, h, F1          this help (any key closes it)",
	    "  q, F10            quit (exports are written)",
	    "",
	    "State colours follow HealthState: green OK, yellow",
	    "Degraded/Warning, red Major failure, plain Unknown.",
	    "Ended sessions are dim. REASON says why a session failed or",
	    "ended (auth 0x0201, no target 0x0203, no response, lost,",
	    "logout). ERRORS is the SCSI layer's count (check conditions,",
	    "bad statuses, target failures, rejects, digest and format",
	    "errors, timeouts); MB/S and IOPS are over the last second;",
	    "TOTAL is bytes read + written; TREND is MB/s per 5 s.",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		text_add_raw(t, lines[i], strlen(lines[i]), true);
}

void vm_summaries(const struct sess_summary *first, uint64_t folded,
		  bool ascii, struct vm_text *t)
{
	size_t pairs = 0;
	for (const struct sess_summary *m = first; m; m = m->next)
		pairs++;
	vm_text_addf(t, ascii,
		     "Folded sessions: %" PRIu64 " ended session%s in %zu "
		     "pair%s (retention, --keep-ended)",
		     folded, folded == 1 ? "" : "s", pairs, pairs == 1 ? "" : "s");
	vm_text_addf(t, ascii, "%s", "");
	if (!first) {
		vm_text_addf(t, ascii, "%s",
			     "(none yet: ended sessions are still kept)");
		return;
	}
	vm_text_addf(t, ascii, "%8s %8s %8s  %-20s  %-20s  %s", "SESSIONS",
		     "LOGINS", "FAILURES", "FIRST SEEN", "LAST SEEN",
		     "INITIATOR -> TARGET");
	for (const struct sess_summary *m = first; m; m = m->next) {
		char a[64], b[64];
		time_text(m->first_ns, a, sizeof(a));
		time_text(m->last_ns, b, sizeof(b));
		const char *in = m->other || !m->initiator_name
				     ? "(other pairs)"
				     : m->initiator_name;
		const char *tn = m->other || !m->target_name ? ""
							    : m->target_name;
		vm_text_addf(t, ascii,
			     "%8" PRIu64 " %8" PRIu64 " %8" PRIu64
			     "  %-20s  %-20s  %s%s%s",
			     m->sessions, m->logins, m->failures, a, b, in,
			     tn[0] ? " -> " : "", tn);
	}
}

/* ---- event log ---- */

void vm_log_add(struct vm_log *l, const struct session *s,
		const struct sess_event *ev, bool ascii)
{
	size_t slot = (l->head + l->n) % VM_LOG_MAX;
	if (l->n == VM_LOG_MAX)
		l->head = (l->head + 1) % VM_LOG_MAX;
	else
		l->n++;
	l->total++;
	time_t sec = (time_t)(ev->ts_ns / 1000000000u);
	unsigned ms = (unsigned)(ev->ts_ns % 1000000000u / 1000000u);
	struct tm tm;
	gmtime_r(&sec, &tm);
	/* What happened first, then who: names shortened around their
	 * unique part (label.h), so the detail is not pushed off screen. */
	char kind[64], detail[4 * SESS_EVENT_DETAIL_MAX];
	char ie[VM_CELL_MAX], te[VM_CELL_MAX], in[VM_CELL_MAX], tn[VM_CELL_MAX];
	const char *k = ev->kind ? ev->kind : "?";
	ts_escape(ts_term(ascii), k, strlen(k), kind, sizeof(kind));
	ts_escape(ts_term(ascii), ev->detail,
		  strnlen(ev->detail, SESS_EVENT_DETAIL_MAX), detail, sizeof(detail));
	const char *iname = s && s->initiator_name[0] ? s->initiator_name : "?";
	const char *tname = s && s->target_name[0] ? s->target_name : "?";
	ts_escape(ts_term(ascii), iname, strlen(iname), ie, sizeof(ie));
	ts_escape(ts_term(ascii), tname, strlen(tname), te, sizeof(te));
	size_t iw = label_name_need(ie) > 30 ? label_name_need(ie) : 30;
	label_name(ie, iw < ts_width(ie) ? iw : ts_width(ie), false, ascii, in,
		   sizeof(in));
	label_name(te, ts_width(te) < 24 ? ts_width(te) : 24, false, ascii, tn,
		   sizeof(tn));
	char line[2 * VM_LINE_MAX];
	snprintf(line, sizeof(line), "%02d:%02d:%02d.%03u %-18s %s: %s (-> %s)",
		 tm.tm_hour, tm.tm_min, tm.tm_sec, ms, kind, in, detail, tn);
	/* Cut to the slot at a character boundary. */
	size_t n = strlen(line), cap = sizeof(l->line[slot]) - 1;
	if (n > cap) {
		n = cap;
		while (n && ((unsigned char)line[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(l->line[slot], line, n);
	l->line[slot][n] = '\0';
}

const char *vm_log_get(const struct vm_log *l, size_t i)
{
	if (i >= l->n)
		return NULL;
	return l->line[(l->head + l->n - 1 - i) % VM_LOG_MAX];
}
