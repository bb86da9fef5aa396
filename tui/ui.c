/* ui.c - curses drawing and keys (ui.h). Everything shown comes from the
 * view model, already escaped; this file only places it.
 *
 * Flicker: each frame is werase() + drawing + wnoutrefresh() + doupdate(),
 * so curses sends only the cells that changed.
 * Small terminals: every write is clipped to the screen, and the bottom
 * right cell is never written (curses would scroll or fail there).
 */
#include "ui.h"

#include "label.h"
#include "textsafe.h"

#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum ui_mode { MODE_LIST = 0, MODE_DETAIL, MODE_HELP, MODE_FOLDED };

enum { PAIR_OK = 1, PAIR_WARN, PAIR_FAIL, PAIR_TITLE };

#define MSG_SECONDS 4

struct ui {
	enum perspective persp;
	const char *version;
	bool ascii;       /* the terminal's locale is not UTF-8 */
	bool color;
	enum ui_mode mode, back; /* back: the mode help returns to */
	bool paused;
	bool dirty;       /* rebuild the model at the next draw even paused */
	bool show_log;
	bool editing;     /* typing a filter */
	char edit[VM_FILTER_MAX];
	bool searching;   /* typing a search (F3) */
	char search[VM_FILTER_MAX];
	uint64_t now_ns;  /* capture time of the last draw */
	struct vm vm;
	struct vm_log log;
	struct vm_text detail, help, folded;
	size_t folded_top;
	bool folded_built;
	uint64_t folded_gen;
	uint64_t detail_seq;
	uint64_t detail_gen, detail_ns; /* the model the detail was made of */
	size_t detail_top;
	bool detail_built;
	char msg[160];
	double msg_until;
	int rows, cols;   /* visible list rows, for paging */
	/* What the screen shows was drawn from: while it stays the same
	 * and no key came, a draw is skipped (an idle view costs nothing
	 * however many sessions it holds). */
	struct ui_status frame;
	int frame_rows, frame_cols;
	bool frame_msg, frame_valid;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ui *ui_new(enum perspective p, const char *version, char *err,
		  size_t errlen)
{
	struct ui *u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	u->ascii = !cs || strcmp(cs, "UTF-8") != 0;
	/* newterm, not initscr: initscr exits the process on a bad TERM. */
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)",
			 getenv("TERM") ? getenv("TERM") : "unset");
		free(u);
		return NULL;
	}
	u->persp = p;
	u->version = version;
	u->show_log = true;
	vm_init(&u->vm);
	u->vm.ascii = u->ascii;
	vm_text_init(&u->detail);
	vm_text_init(&u->help);
	vm_text_init(&u->folded);
	vm_help(&u->help);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_OK, COLOR_GREEN, -1);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_FAIL, COLOR_RED, -1);
		init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
		u->color = true;
	}
	return u;
}

void ui_free(struct ui *u)
{
	if (!u)
		return;
	endwin();
	vm_free(&u->vm);
	vm_text_free(&u->detail);
	vm_text_free(&u->help);
	vm_text_free(&u->folded);
	free(u);
}

void ui_event(struct ui *u, const struct session *s, const struct sconn *c,
	      const struct sess_event *ev)
{
	(void)c;
	vm_log_add(&u->log, s, ev, u->ascii);
	u->frame_valid = false;
}

bool ui_paused(const struct ui *u)
{
	return u->paused;
}

double ui_message_until(const struct ui *u)
{
	return u->msg[0] && mono_now() < u->msg_until ? u->msg_until : 0;
}

void ui_set_rates(struct ui *u, vm_rates_fn fn, void *user)
{
	u->vm.rates = fn;
	u->vm.rates_user = user;
}

void ui_message(struct ui *u, const char *fmt, ...)
{
	char raw[sizeof(u->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	ts_escape(ts_term(u->ascii), raw, strlen(raw), u->msg, sizeof(u->msg));
	u->msg_until = mono_now() + MSG_SECONDS;
	u->frame_valid = false;
}

/* ---- keys ---- */

static enum ui_action key_filter(struct ui *u, int ch)
{
	size_t n = strlen(u->edit);
	switch (ch) {
	case 27: /* Esc: no filter */
		u->edit[0] = '\0';
		u->editing = false;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		u->editing = false;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (n)
			u->edit[n - 1] = '\0';
		break;
	case 21: /* Ctrl-U */
		u->edit[0] = '\0';
		break;
	default:
		if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(u->edit)) {
			u->edit[n] = (char)ch;
			u->edit[n + 1] = '\0';
		} else {
			return UI_HANDLED;
		}
	}
	vm_set_filter(&u->vm, u->edit);
	u->dirty = true;
	return UI_REDRAW;
}

/* Selects the next row (from the selected one, or after it when
 * `next`) holding the search text. */
static void search_go(struct ui *u, bool next)
{
	long i = vm_find(&u->vm, u->search, u->vm.sel + (next ? 1 : 0));
	if (i >= 0)
		vm_move(&u->vm, i - (long)u->vm.sel);
	else if (u->search[0])
		ui_message(u, "not found: %s", u->search);
}

static enum ui_action key_search(struct ui *u, int ch)
{
	size_t n = strlen(u->search);
	switch (ch) {
	case 27:
	case '\r':
	case '\n':
	case KEY_ENTER:
		u->searching = false;
		return UI_REDRAW;
	case KEY_F(3):
		search_go(u, true);
		return UI_REDRAW;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (n)
			u->search[n - 1] = '\0';
		break;
	default:
		if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(u->search)) {
			u->search[n] = (char)ch;
			u->search[n + 1] = '\0';
		} else {
			return UI_HANDLED;
		}
	}
	search_go(u, false);
	return UI_REDRAW;
}

/* The detail and the folded view: scrolled text. */
static enum ui_action key_detail(struct ui *u, int ch)
{
	long page = u->rows > 2 ? u->rows - 2 : 1;
	size_t *top = u->mode == MODE_FOLDED ? &u->folded_top : &u->detail_top;
	switch (ch) {
	case 27:
	case KEY_LEFT:
	case KEY_BACKSPACE:
	case 127:
	case 8:
	case '\r':
	case '\n':
	case KEY_ENTER:
		u->mode = MODE_LIST;
		return UI_REDRAW;
	case KEY_UP:
		if (*top)
			(*top)--;
		return UI_REDRAW;
	case KEY_DOWN:
		(*top)++;
		return UI_REDRAW;
	case KEY_PPAGE:
		*top = *top > (size_t)page ? *top - (size_t)page : 0;
		return UI_REDRAW;
	case KEY_NPAGE:
	case ' ':
		*top += (size_t)page;
		return UI_REDRAW;
	case KEY_HOME:
		*top = 0;
		return UI_REDRAW;
	case KEY_END:
		*top = (size_t)-1 / 2;
		return UI_REDRAW;
	}
	return UI_HANDLED;
}

static enum ui_action key_list(struct ui *u, int ch)
{
	long page = u->rows > 1 ? u->rows - 1 : 1;
	switch (ch) {
	case KEY_UP:
		vm_move(&u->vm, -1);
		return UI_REDRAW;
	case KEY_DOWN:
		vm_move(&u->vm, 1);
		return UI_REDRAW;
	case KEY_PPAGE:
		vm_move(&u->vm, -page);
		return UI_REDRAW;
	case KEY_NPAGE:
		vm_move(&u->vm, page);
		return UI_REDRAW;
	case KEY_HOME:
		vm_move(&u->vm, -(long)u->vm.n);
		return UI_REDRAW;
	case KEY_END:
		vm_move(&u->vm, (long)u->vm.n);
		return UI_REDRAW;
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_RIGHT: {
		const struct vm_row *r = vm_selected(&u->vm);
		if (!r)
			return UI_HANDLED;
		u->mode = MODE_DETAIL;
		u->detail_seq = r->seq;
		u->detail_top = 0;
		u->detail_built = false;
		return UI_REDRAW;
	}
	case 's':
		vm_sort_cycle(&u->vm, 1);
		return UI_REDRAW;
	case 'S':
		vm_sort_cycle(&u->vm, -1);
		return UI_REDRAW;
	case 'r': /* the same column again flips the order */
		vm_sort_by(&u->vm, u->vm.sort);
		return UI_REDRAW;
	case '/':
	case KEY_F(4):
		u->editing = true;
		snprintf(u->edit, sizeof(u->edit), "%s", u->vm.filter);
		return UI_REDRAW;
	case KEY_F(3):
		u->searching = true;
		u->search[0] = '\0';
		return UI_REDRAW;
	case 'n':
		search_go(u, true);
		return UI_REDRAW;
	case KEY_F(6):
		vm_sort_cycle(&u->vm, 1);
		ui_message(u, "sort by %s (F6 next, r reverse)",
			   vm_col_title(u->vm.sort));
		return UI_REDRAW;
	case 'e':
		vm_show_cycle(&u->vm);
		u->dirty = true;
		ui_message(u, "showing %s sessions (e: next)",
			   vm_show_name(u->vm.show));
		return UI_REDRAW;
	case 'c':
		u->edit[0] = '\0';
		vm_set_filter(&u->vm, "");
		u->dirty = true;
		return UI_REDRAW;
	case 'l':
		u->show_log = !u->show_log;
		return UI_REDRAW;
	}
	if (ch >= '0' && ch <= '9') {
		int c = ch == '0' ? 9 : ch - '1';
		if (c < VM_COL_COUNT)
			vm_sort_by(&u->vm, (enum vm_col)c);
		return UI_REDRAW;
	}
	return UI_HANDLED;
}

enum ui_action ui_key(struct ui *u)
{
	int ch = getch();
	if (ch == ERR)
		return UI_IDLE;
	u->frame_valid = false; /* a key: whatever it did is drawn */
	if (ch == KEY_RESIZE)
		return UI_REDRAW;
	if (u->editing)
		return key_filter(u, ch);
	if (u->searching)
		return key_search(u, ch);
	if (u->mode == MODE_HELP) {
		u->mode = u->back;
		return UI_REDRAW;
	}
	switch (ch) {
	case 'q':
	case 'Q':
	case KEY_F(10):
		return UI_QUIT;
	case '?':
	case 'h':
	case KEY_F(1):
		u->back = u->mode;
		u->mode = MODE_HELP;
		return UI_REDRAW;
	case 'p':
		u->paused = !u->paused;
		u->dirty = true;
		return UI_REDRAW;
	case 'j':
		return UI_WRITE_JSON;
	case 'm':
		return UI_WRITE_MOF;
	case 12: /* Ctrl-L */
		clearok(curscr, TRUE);
		return UI_REDRAW;
	case 'f':
		if (u->mode == MODE_FOLDED) {
			u->mode = MODE_LIST;
		} else {
			u->mode = MODE_FOLDED;
			u->folded_top = 0;
			u->folded_built = false;
		}
		return UI_REDRAW;
	}
	return u->mode == MODE_LIST ? key_list(u, ch) : key_detail(u, ch);
}

/* ---- drawing ---- */

/* Writes escaped text s at (y, x), at most w columns (padded when pad). */
static void put(int y, int x, const char *s, int w, bool pad, bool ascii)
{
	if (w <= 0 || y < 0 || x < 0)
		return;
	char buf[4 * VM_LINE_MAX];
	ts_fit(s, (size_t)w, pad, ascii, buf, sizeof(buf));
	mvaddstr(y, x, buf);
}

/* An iSCSI name, shortened around its unique part (label.h). */
static void put_name(int y, int x, const char *s, int w, bool ascii)
{
	if (w <= 0 || y < 0 || x < 0)
		return;
	char buf[4 * VM_LINE_MAX];
	label_name(s, (size_t)w, true, ascii, buf, sizeof(buf));
	mvaddstr(y, x, buf);
}

/* Usable width of row y: the last row stops one short of the corner. */
static int row_width(int y, int rows, int cols)
{
	return y == rows - 1 ? cols - 1 : cols;
}

static attr_t health_attr(const struct ui *u, uint16_t health)
{
	if (!u->color)
		return health >= 20 ? A_BOLD : A_NORMAL;
	if (health == 5)
		return COLOR_PAIR(PAIR_OK);
	if (health >= 20)
		return COLOR_PAIR(PAIR_FAIL) | A_BOLD;
	if (health >= 10)
		return COLOR_PAIR(PAIR_WARN) | A_BOLD;
	return A_NORMAL;
}

static void human_bytes(uint64_t v, char *buf, size_t len)
{
	static const char unit[] = "BKMGTP";
	double d = (double)v;
	size_t i = 0;
	while (d >= 1024.0 && i + 1 < sizeof(unit) - 1) {
		d /= 1024.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%.1f%c", d, unit[i]);
}

static void draw_title(struct ui *u, const struct ui_status *st, int cols)
{
	char t[VM_LINE_MAX];
	const char *mode = u->mode == MODE_DETAIL   ? "detail"
			   : u->mode == MODE_HELP   ? "help"
			   : u->mode == MODE_FOLDED ? "folded"
						    : "sessions";
	snprintf(t, sizeof(t),
		 " iscsiwatch %s | %s | %zu session%s, %zu shown | sort %s%s",
		 u->version, mode, u->vm.total, u->vm.total == 1 ? "" : "s",
		 u->vm.n, vm_col_title(u->vm.sort),
		 u->vm.reverse ? " (reversed)" : "");
	char f[VM_FILTER_MAX * 4 + 16];
	if (u->vm.filter[0]) {
		char e[VM_FILTER_MAX * 4];
		ts_escape(ts_term(u->ascii), u->vm.filter, strlen(u->vm.filter),
			  e, sizeof(e));
		snprintf(f, sizeof(f), " | filter \"%s\"", e);
		strncat(t, f, sizeof(t) - strlen(t) - 1);
	}
	if (u->vm.show != VM_SHOW_ACTIVE || u->vm.aged) {
		snprintf(f, sizeof(f), " | %s", vm_show_name(u->vm.show));
		strncat(t, f, sizeof(t) - strlen(t) - 1);
		if (u->vm.aged) {
			snprintf(f, sizeof(f), " (%zu hidden, e)", u->vm.aged);
			strncat(t, f, sizeof(t) - strlen(t) - 1);
		}
	}
	if (st->folded) {
		snprintf(f, sizeof(f), " | %" PRIu64 " folded (f)", st->folded);
		strncat(t, f, sizeof(t) - strlen(t) - 1);
	}
	if (u->paused)
		strncat(t, " | PAUSED", sizeof(t) - strlen(t) - 1);
	attr_t a = u->color ? COLOR_PAIR(PAIR_TITLE) : A_REVERSE;
	attron(a);
	put(0, 0, t, row_width(0, LINES, cols), true, u->ascii);
	attroff(a);
}

static void draw_status(struct ui *u, const struct ui_status *st, int y,
			int cols)
{
	char line[VM_LINE_MAX];
	int w = row_width(y, LINES, cols);
	if (u->searching) {
		char e[VM_FILTER_MAX * 4];
		ts_escape(ts_term(u->ascii), u->search, strlen(u->search), e,
			  sizeof(e));
		snprintf(line, sizeof(line),
			 "search: %s_  (F3 next, Enter/Esc done)", e);
		attron(A_BOLD);
		put(y, 0, line, w, true, u->ascii);
		attroff(A_BOLD);
		return;
	}
	if (u->editing) {
		char e[VM_FILTER_MAX * 4];
		ts_escape(ts_term(u->ascii), u->edit, strlen(u->edit), e,
			  sizeof(e));
		snprintf(line, sizeof(line), "filter: %s_  (Enter keep, Esc clear)",
			 e);
		attron(A_BOLD);
		put(y, 0, line, w, true, u->ascii);
		attroff(A_BOLD);
		return;
	}
	if (u->msg[0] && mono_now() < u->msg_until) {
		attron(A_BOLD);
		put(y, 0, u->msg, w, true, u->ascii);
		attroff(A_BOLD);
		return;
	}
	char b[32];
	human_bytes(st->bytes, b, sizeof(b));
	char src[256];
	const char *sn = st->source ? st->source : "?";
	ts_escape(ts_term(u->ascii), sn, strlen(sn), src, sizeof(src));
	snprintf(line, sizeof(line),
		 "pkts %llu  bytes %s  drops %llu/%llu  F1 help  F10 quit  %s%s %s",
		 (unsigned long long)st->packets, b,
		 (unsigned long long)st->drops,
		 (unsigned long long)st->ifdrops, st->live ? "live" : "file",
		 st->ended ? " (end)" : "", src);
	attr_t a = (st->drops || st->ifdrops) ? A_BOLD : A_NORMAL;
	attron(a);
	put(y, 0, line, w, true, u->ascii);
	attroff(a);
}

static void draw_list(struct ui *u, int y0, int h, int cols)
{
	if (h <= 0)
		return;
	int width[VM_COL_COUNT];
	vm_layout(&u->vm, cols, width);
	int x = 0;
	attron(A_BOLD | A_UNDERLINE);
	for (int c = 0; c < VM_COL_COUNT; c++) {
		if (!width[c])
			continue;
		char t[48];
		snprintf(t, sizeof(t), "%s%s", vm_col_title((enum vm_col)c),
			 (int)u->vm.sort == c ? (u->vm.reverse ? "v" : "^")
					      : "");
		put(y0, x, t, width[c] < cols - x ? width[c] : cols - x, true,
		    true);
		x += width[c] + 1;
	}
	attroff(A_BOLD | A_UNDERLINE);
	size_t visible = (size_t)(h - 1);
	u->rows = (int)visible;
	vm_scroll(&u->vm, visible);
	if (!u->vm.n && h > 1) {
		put(y0 + 1, 0,
		    u->vm.total ? "(no session matches the filter)"
				: "(no iSCSI session seen yet)",
		    cols, false, true);
		return;
	}
	for (size_t i = 0; i < visible && u->vm.top + i < u->vm.n; i++) {
		size_t r = u->vm.top + i;
		const struct vm_row *row = vm_row_at(&u->vm, r);
		int y = y0 + 1 + (int)i;
		bool sel = r == u->vm.sel;
		if (sel)
			attron(A_REVERSE);
		x = 0;
		for (int c = 0; c < VM_COL_COUNT; c++) {
			if (!width[c])
				continue;
			attr_t a = c == VM_COL_STATE || c == VM_COL_REASON
				       ? health_attr(u, row->health)
				       : A_NORMAL;
			if (row->ended)
				a = (a & ~A_BOLD) | A_DIM;
			int w = width[c] < cols - x ? width[c] : cols - x;
			attron(a);
			if (c == VM_COL_INITIATOR || c == VM_COL_TARGET)
				put_name(y, x, vm_cell(row, (enum vm_col)c), w,
					 u->ascii);
			else
				put(y, x, vm_cell(row, (enum vm_col)c), w, true,
				    u->ascii);
			attroff(a | A_DIM);
			if (x + width[c] < cols)
				put(y, x + width[c], " ", 1, true, true);
			x += width[c] + 1;
		}
		if (sel)
			attroff(A_REVERSE);
	}
}

static void draw_log(struct ui *u, int y0, int h, int cols)
{
	if (h <= 0)
		return;
	char t[96];
	snprintf(t, sizeof(t), "events (%llu)",
		 (unsigned long long)u->log.total);
	attron(A_BOLD);
	mvhline(y0, 0, '-', cols);
	put(y0, 2, t, cols - 2, false, true);
	attroff(A_BOLD);
	int lines = h - 1;
	/* Oldest of the shown lines first, the newest at the bottom. */
	for (int i = 0; i < lines; i++) {
		const char *l = vm_log_get(&u->log, (size_t)(lines - 1 - i));
		if (l)
			put(y0 + 1 + i, 0, l, cols, false, u->ascii);
	}
}

static const struct session *find_seq(const struct session *first,
				      uint64_t seq)
{
	for (const struct session *s = first; s; s = s->next)
		if (s->seq == seq)
			return s;
	return NULL;
}

static void draw_text(struct ui *u, const struct vm_text *t, size_t *top,
		      int y0, int h, int cols)
{
	if (h <= 0)
		return;
	size_t maxtop = t->n > (size_t)h ? t->n - (size_t)h : 0;
	if (*top > maxtop)
		*top = maxtop;
	for (int i = 0; i < h && *top + (size_t)i < t->n; i++)
		put(y0 + i, 0, t->line[*top + (size_t)i], cols, false,
		    u->ascii);
}

void ui_draw(struct ui *u, const struct session *first,
	     const struct ui_status *st)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	bool msg = u->msg[0] && mono_now() < u->msg_until;
	if (u->frame_valid && !u->dirty && rows == u->frame_rows &&
	    cols == u->frame_cols && msg == u->frame_msg &&
	    st->gen == u->frame.gen && st->now_ns == u->frame.now_ns &&
	    st->packets == u->frame.packets && st->bytes == u->frame.bytes &&
	    st->drops == u->frame.drops && st->ifdrops == u->frame.ifdrops &&
	    st->ended == u->frame.ended)
		return;
	u->frame = *st;
	u->frame_rows = rows;
	u->frame_cols = cols;
	u->frame_msg = msg;
	u->frame_valid = true;
	bool rebuild = !u->paused || u->dirty;
	if (rebuild) {
		u->now_ns = st->now_ns;
		u->vm.now_ns = st->now_ns;
		vm_update(&u->vm, first, st->gen);
		u->dirty = false;
	}
	werase(stdscr);
	if (rows < 1 || cols < 1) {
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	if (rows >= 2)
		draw_title(u, st, cols);
	int y0 = rows >= 2 ? 1 : 0;
	int h = rows - y0 - 1; /* rows between title and status line */
	if (u->mode == MODE_HELP) {
		size_t top = 0;
		draw_text(u, &u->help, &top, y0, h, cols);
	} else if (u->mode == MODE_FOLDED) {
		if (!u->folded_built || (rebuild && st->gen != u->folded_gen)) {
			vm_text_free(&u->folded);
			vm_summaries(st->summaries, st->folded, u->ascii,
				     &u->folded);
			u->folded_built = true;
			u->folded_gen = st->gen;
		}
		u->rows = h;
		draw_text(u, &u->folded, &u->folded_top, y0, h, cols);
	} else if (u->mode == MODE_DETAIL) {
		/* Made again when the model or the time moved: finding the
		 * session walks the list. */
		bool moved = st->gen != u->detail_gen ||
			     st->now_ns != u->detail_ns;
		const struct session *s =
		    (rebuild && moved) || !u->detail_built
			? find_seq(first, u->detail_seq)
			: NULL;
		if (s) {
			u->detail_gen = st->gen;
			u->detail_ns = st->now_ns;
			vm_text_free(&u->detail);
			vm_detail(s, u->persp, u->ascii, &u->detail);
			vm_detail_activity(s, u->now_ns, u->ascii, &u->detail);
			u->detail_built = true;
		}
		u->rows = h;
		draw_text(u, &u->detail, &u->detail_top, y0, h, cols);
	} else {
		int log_h = u->show_log && h >= 10 ? h / 3 : 0;
		if (log_h > 12)
			log_h = 12;
		draw_list(u, y0, h - log_h, cols);
		draw_log(u, y0 + h - log_h, log_h, cols);
	}
	draw_status(u, st, rows - 1, cols);
	wnoutrefresh(stdscr);
	doupdate();
}
