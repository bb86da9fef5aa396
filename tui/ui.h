/* ui.h - the curses front end: a session list, a detail view, an event
 * log pane, help and a status line, drawn from the view model
 * (viewmodel.h). The only code that includes curses.
 *
 * The caller owns the loop: it reads packets, and between them calls
 * ui_key() until it returns UI_IDLE and ui_draw() at a steady rate (and
 * whenever a key asked for a redraw). Nothing here blocks: keys are read
 * with nodelay. Key handlers return an action, so the caller has one
 * place that redraws, quits or writes exports.
 *
 * Signals: create the UI after installing SIGINT/SIGTERM handlers, so
 * curses leaves them to the caller; ui_free() restores the terminal.
 */
#ifndef ISCSIWATCH_UI_H
#define ISCSIWATCH_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"
#include "viewmodel.h"

enum ui_action {
	UI_IDLE = 0,   /* no key pending */
	UI_HANDLED,    /* a key that changed nothing visible */
	UI_REDRAW,
	UI_QUIT,
	UI_WRITE_JSON,
	UI_WRITE_MOF,
};

struct ui_status {
	uint64_t packets, bytes;
	uint64_t drops, ifdrops;
	const char *source; /* interfaces or files, for the status line */
	bool live;
	bool ended;         /* a file replay reached its end */
	uint64_t now_ns;    /* capture time now (ageing, sparklines) */
	uint64_t gen;       /* session_table_gen(): what changed is redrawn */
	const struct sess_summary *summaries; /* what retention folded */
	uint64_t folded;    /* sessions folded in all */
};

struct ui;

/* Starts curses on the terminal. NULL (with a message in err) when the
 * terminal cannot be used. */
struct ui *ui_new(enum perspective p, const char *version, char *err,
		  size_t errlen);
/* Ends curses and frees; ui_free(NULL) does nothing. */
void ui_free(struct ui *u);

/* Adds every event of the session model to the event log pane. */
void ui_event(struct ui *u, const struct session *s, const struct sconn *c,
	      const struct sess_event *ev);

/* Reads one key (never blocks) and acts on it. */
enum ui_action ui_key(struct ui *u);
/* Rebuilds the view model (unless paused) and draws everything. */
void ui_draw(struct ui *u, const struct session *first,
	     const struct ui_status *st);
/* A one-line message in the status line for a few seconds. */
void ui_message(struct ui *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool ui_paused(const struct ui *u);
/* When the status-line message goes away (mono_now() clock), or 0 when
 * none is shown: the one thing that changes the screen on its own. */
double ui_message_until(const struct ui *u);
/* Gives the view model the per-session rates hook (viewmodel.h). */
void ui_set_rates(struct ui *u, vm_rates_fn fn, void *user);

#endif
