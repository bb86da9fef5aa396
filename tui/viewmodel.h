/* viewmodel.h - what the curses UI draws, built by plain functions that
 * never touch curses (so Check can test them): a sorted, filtered snapshot
 * of the sessions as rows of display-safe strings, column widths for a
 * terminal width, the detail view of one session as lines, and a ring of
 * recent events.
 *
 * Display safety: every string that came from the wire goes through
 * vm_escape() before it is stored here - control characters (C0, DEL,
 * C1), backslashes and invalid UTF-8 become \xNN / \\, so nothing a peer
 * sends can move the cursor or change the terminal's state. Widths count
 * terminal columns of the escaped text.
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

enum vm_col {
	VM_COL_INITIATOR = 0,
	VM_COL_TARGET,
	VM_COL_ISID,
	VM_COL_TSIH,
	VM_COL_TYPE,
	VM_COL_STATE,
	VM_COL_CONNS,
	VM_COL_DIGESTS,
	VM_COL_RATE, /* throughput, when the stats hook knows it */
	VM_COL_IOPS,
	VM_COL_ERRORS,
	VM_COL_COUNT
};

#define VM_CELL_MAX 320 /* an escaped iSCSI name fits (223 bytes raw) */
#define VM_SMALL_MAX 24
#define VM_FILTER_MAX 128
#define VM_LINE_MAX 1024

/* Per-session rates from the SCSI layer, when it provides them: the hook
 * fills `known` and the values (bytes and commands per second). */
struct vm_rates {
	bool known;
	double bytes_per_s;
	double iops;
};
typedef void (*vm_rates_fn)(void *user, const struct session *s,
			    struct vm_rates *out);

struct vm_row {
	uint64_t seq;     /* session creation number: the row's identity */
	uint16_t health;  /* CIM HealthState, for the state's colour */
	enum sess_status status;
	uint64_t num[VM_COL_COUNT]; /* sort keys of the numeric columns */
	char iname[VM_CELL_MAX], tname[VM_CELL_MAX]; /* escaped names */
	char small[VM_COL_COUNT][VM_SMALL_MAX];      /* the other cells */
};

/* The text of column c of row r. */
const char *vm_cell(const struct vm_row *r, enum vm_col c);

struct vm {
	struct vm_row *rows; /* the shown rows, sorted */
	size_t n, cap;
	size_t total;        /* sessions before the filter */
	enum vm_col sort;
	bool reverse;
	char filter[VM_FILTER_MAX]; /* "" = everything */
	size_t sel;          /* selected row (0 when n == 0) */
	uint64_t sel_seq;    /* its session, kept across rebuilds */
	bool sel_set;
	size_t top;          /* first row shown (vm_scroll) */
	bool ascii;          /* escape every non-ASCII byte too */
	bool have_rates;     /* some row has known rates */
	vm_rates_fn rates;
	void *rates_user;
};

void vm_init(struct vm *vm);
void vm_free(struct vm *vm);

/* Rebuilds the rows from the sessions starting at first (follow ->next):
 * filter, sort, then find the selected session again (or clamp the
 * selection when the filter hid it). Returns 0, -1 out of memory (the
 * old rows stay). */
int vm_build(struct vm *vm, const struct session *first);

/* Sort by column c (same column again: reverse). */
void vm_sort_by(struct vm *vm, enum vm_col c);
/* Next (+1) / previous (-1) sort column; only columns that are shown. */
void vm_sort_cycle(struct vm *vm, int dir);
void vm_set_filter(struct vm *vm, const char *f);
/* Moves the selection by delta rows, clamped. */
void vm_move(struct vm *vm, long delta);
/* Keeps the selection inside rows [top, top + visible). */
void vm_scroll(struct vm *vm, size_t visible);
/* The selected row, or NULL when nothing is shown. */
const struct vm_row *vm_selected(const struct vm *vm);

const char *vm_col_title(enum vm_col c);

/* Column widths for a terminal `cols` wide (a space between columns):
 * natural widths (header or widest cell, capped), names shrunk first,
 * then columns dropped from the right (width 0) until it fits. */
void vm_layout(const struct vm *vm, int cols, int width[VM_COL_COUNT]);

/* ---- display-safe text ---- */

/* Escapes in[0..inlen) into out (NUL-terminated, always): printable
 * ASCII as is, '\\' as "\\\\", controls, DEL, C1 controls and invalid
 * UTF-8 as "\xNN", valid UTF-8 kept (or, when ascii, every non-ASCII
 * byte as "\xNN"). Stops at a whole escape when out is full. Returns
 * the bytes written. */
size_t vm_escape(const char *in, size_t inlen, char *out, size_t outlen,
		 bool ascii);
/* Terminal columns of escaped (valid UTF-8) text. */
size_t vm_width(const char *s);
/* Copies escaped text s into out cut to at most `width` columns, ending
 * in "..." (an ellipsis character unless ascii) when it was cut; pads
 * with spaces to exactly width when pad. Returns the bytes written. */
size_t vm_fit(const char *s, size_t width, bool pad, bool ascii, char *out,
	      size_t outlen);

/* The same, keeping the end of s ("…org.example:host7"): the part of
 * an iSCSI name that tells two apart is its tail. */
size_t vm_fit_tail(const char *s, size_t width, bool pad, bool ascii,
		   char *out, size_t outlen);

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

/* The help screen: every key. */
void vm_help(struct vm_text *out);

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
