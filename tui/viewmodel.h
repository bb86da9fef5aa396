/* viewmodel.h - what the curses UI draws, built by plain functions that
 * never touch curses (so Check can test them): a sorted, filtered snapshot
 * of the sessions as rows of display-safe strings, column widths for a
 * terminal width, the detail view of one session as lines, and a ring of
 * recent events.
 *
 * Display safety: every string that came from the wire is escaped in
 * textsafe.h's terminal style before it is stored here - control
 * characters (C0, DEL, C1), bidi overrides, backslashes and invalid UTF-8
 * become \xNN / \\, so nothing a peer sends can move the cursor or change
 * the terminal's state. Widths count terminal columns of the escaped text
 * (ts_width).
 *
 * Memory: a struct vm owns its rows (vm_free); rows copy what they show
 * and keep only the session's creation number (seq), so a snapshot stays
 * valid however the model changes afterwards. vm_text owns its lines.
 */
#ifndef ISCSIWATCH_VIEWMODEL_H
#define ISCSIWATCH_VIEWMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Columns in the order shown, which is also their priority: when the
 * terminal is narrow, columns go from the least important (vm_layout). */
enum vm_col {
	VM_COL_INITIATOR = 0,
	VM_COL_TARGET,
	VM_COL_STATE,
	VM_COL_REASON, /* why it failed or ended (label_reason) */
	VM_COL_RATE,   /* MB/s over the last interval, when known */
	VM_COL_TOTAL,  /* bytes read + written so far */
	VM_COL_IOPS,
	VM_COL_ERRORS, /* scsi_stats_errors(): the same number everywhere */
	VM_COL_CONNS,
	VM_COL_TSIH,
	VM_COL_TYPE,
	VM_COL_DIGESTS,
	VM_COL_ISID,
	VM_COL_TREND,  /* throughput sparkline, when there is room */
	VM_COL_COUNT
};

/* Which sessions the list shows (the state filter key). */
enum vm_show {
	VM_SHOW_ACTIVE = 0, /* default: ended sessions age out (VM_AGE_NS) */
	VM_SHOW_ALL,
	VM_SHOW_ERRORS,     /* failed, lost or degraded only */
	VM_SHOW_COUNT
};

/* An ended session stays in the default view this long after its end
 * (capture time); a failed one longer, so failures stay visible. */
#define VM_AGE_NS (300ull * 1000000000ull)
#define VM_AGE_FAILED_NS (1800ull * 1000000000ull)
#define VM_TREND_CELLS 8 /* sparkline characters in the list */

#define VM_CELL_MAX 320 /* an escaped iSCSI name fits (223 bytes raw) */
#define VM_SMALL_MAX 48
#define VM_FILTER_MAX 128
#define VM_LINE_MAX 1024

/* Per-session rates from the SCSI layer, when it provides them: the hook
 * fills `known` and the values (bytes and commands per second). */
struct vm_rates {
	bool known;
	double bytes_per_s;
	double iops;
	/* throughput per trend bin (scsi.h), oldest first; ntrend 0: none */
	double trend[VM_TREND_CELLS];
	unsigned ntrend;
};
typedef void (*vm_rates_fn)(void *user, const struct session *s,
			    struct vm_rates *out);

struct vm_row {
	uint64_t seq;     /* session creation number: the row's identity */
	uint16_t health;  /* CIM HealthState, for the state's colour */
	enum sess_status status;
	bool ended;       /* Stopped or Error: drawn dim */
	uint64_t num[VM_COL_COUNT]; /* sort keys of the numeric columns */
	/* The cells' text, escaped, one NUL-terminated cell after another
	 * in a block sized to fit (vm_cell): a row of 100,000 costs its
	 * text, not VM_CELL_MAX per name. NULL (out of memory): blank. */
	char *text;
	uint16_t off[VM_COL_COUNT];   /* where each cell starts in text */
	uint16_t width[VM_COL_COUNT]; /* terminal columns of each cell */
	uint16_t need;                /* label_name_need() of the initiator */
	bool rates;                   /* shows a rate or a trend */
};

/* What the view model knows of one session (private to viewmodel.c):
 * kept in creation order, like the table's list, so that an update
 * walks both side by side. */
struct vm_meta {
	const struct session *s; /* valid while the table's generation is
				    the one last seen */
	uint64_t seq, gen;       /* the session's gen when its row was made */
	uint64_t age_at;         /* capture time it ages out of view, or 0 */
	uint32_t slot;           /* its row in the store, VM_NO_SLOT: none */
	bool hidden;             /* by the state filter (counted in aged) */
	bool timed;              /* its rates or trend move with time */
	uint64_t due_ns;         /* timed: when they next move (0: each
				    interval, while a rate is not 0) */
};
#define VM_NO_SLOT UINT32_MAX

/* The text of column c of row r. */
const char *vm_cell(const struct vm_row *r, enum vm_col c);

/* The rows are rebuilt only for sessions whose change generation moved
 * (session_touch), whose rates move with time, or that aged out, and
 * kept sorted by removing and binary-inserting those: an idle view of
 * any number of sessions costs nothing but drawing the visible rows. */
struct vm {
	struct vm_row *rows; /* row store; the shown ones through order */
	uint32_t *order;     /* store slots of the shown rows, sorted */
	size_t n, cap;       /* shown rows; store slots allocated */
	size_t total;        /* sessions before the filter */
	enum vm_col sort;
	bool reverse;
	char filter[VM_FILTER_MAX]; /* "" = everything */
	enum vm_show show;
	uint64_t now_ns;     /* capture time now, for ageing (0: no ageing) */
	size_t aged;         /* sessions hidden by `show` */
	size_t sel;          /* selected row (0 when n == 0) */
	uint64_t sel_seq;    /* its session, kept across rebuilds */
	bool sel_set;
	size_t top;          /* first row shown (vm_scroll) */
	bool ascii;          /* escape every non-ASCII byte too */
	bool have_rates;     /* some row has known rates */
	vm_rates_fn rates;
	void *rates_user;
	/* incremental state, private to viewmodel.c */
	struct vm_meta *meta; /* every session, in creation order */
	size_t nmeta, meta_cap;
	uint32_t *free_slot;  /* unused store slots */
	size_t nfree;
	size_t nrates;        /* shown rows with rates */
	bool synced;          /* the rows reflect generation gen_seen */
	uint64_t gen_seen;
	uint64_t timed_ns;    /* capture time of the last refresh by time */
	char built_filter[VM_FILTER_MAX];
	enum vm_show built_show;
	/* cells per width, per column, and initiators per label_name_need
	 * (widths past the array count in the last cell): vm_layout
	 * without looking at every row */
	uint32_t width_hist[VM_COL_COUNT][VM_CELL_MAX];
	uint32_t need_hist[VM_CELL_MAX];
};

void vm_init(struct vm *vm);
void vm_free(struct vm *vm);

/* Rebuilds every row from the sessions starting at first (follow
 * ->next): filter, sort, then find the selected session again (or clamp
 * the selection when the filter hid it). Returns 0, -1 out of memory. */
int vm_build(struct vm *vm, const struct session *first);
/* The same result, redoing only what changed since the last call: `gen`
 * is session_table_gen() of the table first comes from. Nothing is done
 * while gen, the filters and (to the second) now_ns stay the same;
 * otherwise only sessions whose gen moved, whose rates move with time or
 * that aged out are rebuilt, and moved in the order by binary search
 * (or the order is sorted again when many moved). */
int vm_update(struct vm *vm, const struct session *first, uint64_t gen);
/* The i-th shown row in order (i < vm->n). */
const struct vm_row *vm_row_at(const struct vm *vm, size_t i);

/* Sort by column c (same column again: reverse). */
void vm_sort_by(struct vm *vm, enum vm_col c);
/* Next (+1) / previous (-1) sort column; only columns that are shown. */
void vm_sort_cycle(struct vm *vm, int dir);
/* The filter: a case-insensitive substring of any cell of the row
 * (names, state, reason, type, ...) or of an alias or address. */
void vm_set_filter(struct vm *vm, const char *f);
/* Next state filter (all / active / errors only), and its name. */
void vm_show_cycle(struct vm *vm);
const char *vm_show_name(enum vm_show s);
/* Index of the first row at or after `from` (wrapping) whose cells hold
 * text, or -1: the search key (F3). */
long vm_find(const struct vm *vm, const char *text, size_t from);
/* Moves the selection by delta rows, clamped. */
void vm_move(struct vm *vm, long delta);
/* Keeps the selection inside rows [top, top + visible). */
void vm_scroll(struct vm *vm, size_t visible);
/* The selected row, or NULL when nothing is shown. */
const struct vm_row *vm_selected(const struct vm *vm);

const char *vm_col_title(enum vm_col c);

/* Column widths for a terminal `cols` wide (a space between columns):
 * natural widths (header or widest cell; names as wide as the widest
 * name). Until it fits: the target shrinks, then the initiator down to
 * the width that keeps every unique part (label_name), then the least
 * important columns go (width 0), then names shrink further. */
void vm_layout(const struct vm *vm, int cols, int width[VM_COL_COUNT]);

/* A sparkline of v[0..n) (n cells, scaled to the largest value): the
 * block characters U+2581..U+2588, or " .:-=+*#" when ascii; an empty
 * cell for 0. out needs 3n+1 bytes. */
void vm_spark(const double *v, unsigned n, bool ascii, char *out,
	      size_t outlen);

/* ---- lines of text: the detail view, help ---- */

struct vm_text {
	char **line;
	size_t n, cap;
	bool oom;
};

void vm_text_init(struct vm_text *t);
void vm_text_free(struct vm_text *t);
/* Appends one line; the formatted text is escaped as a whole. */
void vm_text_addf(struct vm_text *t, bool ascii, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));


/* The detail view of s: every CIM_iSCSISession property with its
 * enumeration name, each connection (CIM_iSCSIConnection properties,
 * addresses, counters), the negotiation table of each connection
 * (initiator's value, target's value, result), discovery results and
 * the event history. */
void vm_detail(const struct session *s, enum perspective p, bool ascii,
	       struct vm_text *out);

/* The SCSI activity of s at capture time now, appended to the detail
 * view: counts, latency percentiles, throughput and IOPS sparklines
 * over the last minutes (scsi.h trend bins) and the latency histogram
 * as bars, one per power of two. Nothing when s saw no SCSI command. */
void vm_detail_activity(const struct session *s, uint64_t now, bool ascii,
			struct vm_text *out);

/* The help screen: every key. */
void vm_help(struct vm_text *out);

/* The folded view: what retention folded (session_summaries(), `folded`
 * sessions in all), one line per (initiator, target) pair: sessions,
 * logins seen, failed logins, first and last seen. */
void vm_summaries(const struct sess_summary *first, uint64_t folded,
		  bool ascii, struct vm_text *out);

/* ---- the event log pane ---- */

#define VM_LOG_MAX 256

struct vm_log {
	char line[VM_LOG_MAX][VM_LINE_MAX];
	size_t n, head; /* ring: oldest at head */
	uint64_t total;
};

/* Adds "HH:MM:SS.mmm kind who: detail" (escaped). */
void vm_log_add(struct vm_log *l, const struct session *s,
		const struct sess_event *ev, bool ascii);
/* i-th newest line (0 = newest), or NULL. */
const char *vm_log_get(const struct vm_log *l, size_t i);

#endif
