/* run.c - one run of iscsiwatch: open the capture and the outputs, read
 * packets until the end (or a signal, or q), write the exports, close.
 *
 * Signals only set flags (stop, write-now) and write a byte to a pipe;
 * the loop looks at the flags between packets and after every wait.
 * With nothing to read, the loop sleeps in one poll() on everything that
 * can bring work (the capture, the terminal, the HTTP daemon, that pipe)
 * until the next thing due by the clock: an idle sensor wakes about once
 * a second, not at a fixed short period (issue 10: a wakeup of a process
 * holding 100k sessions costs milliseconds).
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "counters.h"
#include "engine.h"
#include "export.h"
#include "iscsi.h"
#include "pdu_print.h"
#include "scsi.h"
#include "session.h"
#include "track.h"
#include "version.h"

#include "sensor.h"

#include "../tui/ui.h"
#include "hints.h"
#include "outputs.h"

#define DRAW_INTERVAL 0.25  /* the UI redraws at 4 Hz */
#define LIVE_TICK_NS 1000000000ull
#define LIVE_TICK_S 1.0     /* the same, by the monotonic clock */
#define SERVE_INTERVAL 0.01 /* HTTP looked at every 10 ms at most */
/* What one wait sleeps on: the signal pipe, the terminal, the HTTP
 * daemon and every interface. */
#define WAIT_FDS (3 + CLI_MAX_IFACES)

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t hup_requested;
/* The self-pipe: a signal handler writes a byte, so a signal that comes
 * between the loop's look at the flags and its poll() still ends the
 * poll. -1 when it could not be made (then only EINTR ends it). */
static int wake_pipe[2] = {-1, -1};
static struct sigaction winch_prev; /* the UI library's SIGWINCH handler */

static void wake_loop(void)
{
	int e = errno;
	if (wake_pipe[1] >= 0)
		(void)!write(wake_pipe[1], "", 1);
	errno = e;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	wake_loop();
}

static void on_hup_signal(int sig)
{
	(void)sig;
	hup_requested = 1;
	wake_loop();
}

/* A resize: ncurses' own handler notes it (getch then returns
 * KEY_RESIZE), and the loop wakes to read it. */
static void on_winch_signal(int sig)
{
	if (winch_prev.sa_handler != SIG_DFL && winch_prev.sa_handler != SIG_IGN &&
	    !(winch_prev.sa_flags & SA_SIGINFO))
		winch_prev.sa_handler(sig);
	wake_loop();
}

/* "tcp port P", or "tcp and (port A or port B ...)". */
static char *default_filter(const uint16_t *ports, size_t n)
{
	static const uint16_t dflt = ISCSI_DEFAULT_PORT;
	if (!n) {
		ports = &dflt;
		n = 1;
	}
	size_t len = 32 + n * 16;
	char *s = malloc(len);
	if (!s)
		return NULL;
	if (n == 1) {
		snprintf(s, len, "tcp port %u", ports[0]);
		return s;
	}
	size_t o = (size_t)snprintf(s, len, "tcp and (");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, len - o, "%sport %u",
				      i ? " or " : "", ports[i]);
	snprintf(s + o, len - o, ")");
	return s;
}

/* Each counter by the name the JSON and the metrics give it, so the
 * three read the same (docs/output.md, one meaning per word). */
static void print_counters(struct counters *c)
{
	for (int i = 0; i < CTR_MAX; i++)
		fprintf(stderr, "%12" PRIu64 "  %-26s %s\n", c->v[i],
			counter_name((enum counter_id)i),
			counter_text((enum counter_id)i));
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Everything one run holds. */
struct run {
	const struct cli_opts *o;
	struct capture *cap;
	bool live;
	struct engine *eng;
	struct counters *ctr;
	struct session_table *st;
	struct track tr;
	struct events_sink *events;
	struct ui *ui;
	const struct session_listener *events_l;
	struct session_listener fan; /* events_l and the UI */
	uint64_t first_ns, last_ns, packets;
	uint64_t drops, ifdrops, lost_seen;
	uint64_t last_tick;
	double next_tick;          /* live: when tick() is next due (mono) */
	double start_mono, next_draw;
	uint64_t drawn_packets, drawn_gen; /* what the last frame showed */
	bool ended;   /* the capture ended (files, -c, --duration) */
	bool cut;     /* a file ended in a read error: its line already says why */
	bool lost_iface; /* an interface failed for good (-Z): exit 1 */
	bool quit;    /* q in the UI */
	const char *sources[CLI_MAX_FILES + CLI_MAX_IFACES];
	size_t nsources;
	char label[256];
	bool use_tui, stdout_taken;
	struct sensor *sensor;   /* --listen, --syslog; NULL without */
	double next_serve, next_export;
	double pace_due; /* --realtime: when the next packet is due, or 0 */
};

static void fan_event(void *user, const struct session *s,
		      const struct sconn *c, const struct sess_event *ev)
{
	struct run *r = user;
	if (r->events_l && r->events_l->event)
		r->events_l->event(r->events_l->user, s, c, ev);
	if (r->ui)
		ui_event(r->ui, s, c, ev);
	sensor_event(r->sensor, s, c, ev);
}

/* The UI's throughput and IOPS columns: the SCSI layer's last interval. */
static void ui_rates(void *user, const struct session *s, struct vm_rates *out)
{
	const struct run *r = user;
	struct scsi_figures f;
	session_figures(s, r->live ? wall_ns() : r->last_ns, &f);
	out->known = f.io_seen;
	out->bytes_per_s = f.mbps * 1e6;
	out->iops = f.iops;
	if (f.io_seen && s->scsi) {
		scsi_trend_get(&s->scsi->stats, r->live ? wall_ns() : r->last_ns,
			       out->trend, NULL, VM_TREND_CELLS);
		out->ntrend = VM_TREND_CELLS;
	}
}

/* The table fits a terminal: COLUMNS when set (a shell's idea of the
 * width, also what tests set), else the terminal's own size; piped or
 * redirected output gets the whole table (0). */
static unsigned table_width(void)
{
	if (!isatty(STDOUT_FILENO))
		return 0;
	const char *c = getenv("COLUMNS");
	char *end = NULL;
	long v = c ? strtol(c, &end, 10) : 0;
	if (c && end != c && !*end && v >= 20 && v <= 10000)
		return (unsigned)v;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 0;
}

static void meta_fill(const struct run *r, struct export_meta *m)
{
	*m = (struct export_meta){
		.version = ISCSIWATCH_VERSION,
		.perspective = r->o->persp,
		.sources = r->sources,
		.nsources = r->nsources,
		.counters = r->ctr,
		.first_ns = r->first_ns,
		.last_ns = r->last_ns,
		.drops = r->drops,
		.ifdrops = r->ifdrops,
		.iface_failures = r->live ? capture_failures(r->cap) : 0,
		.live = r->live,
	};
}

static void meta_of_run(const void *user, struct export_meta *m)
{
	meta_fill(user, m);
}

/* An export's error: in the UI's message line, or one line on stderr. */
static void say_error(struct run *r, const char *msg)
{
	if (r->ui)
		ui_message(r->ui, "%s", msg);
	else
		fprintf(stderr, "iscsiwatch: %s\n", msg);
}

/* Writes the requested JSON and/or MOF now. With the UI the outcome goes
 * to its status line, otherwise to stderr (errors only). */
static int write_exports(struct run *r, bool json, bool mof)
{
	struct export_meta m;
	meta_fill(r, &m);
	char xerr[EXPORT_ERR_MAX];
	int rc = 0;
	const char *done[3];
	size_t ndone = 0;
	bool asked = false;
	if (json && r->o->json_path) {
		asked = true;
		if (export_json(r->o->json_path, r->st, &m, xerr, sizeof(xerr))) {
			rc = -1;
			say_error(r, xerr);
		} else {
			done[ndone++] = r->o->json_path;
		}
	}
	if (mof && r->o->mof_path) {
		asked = true;
		if (export_mof(r->o->mof_path, r->st, &m, xerr, sizeof(xerr))) {
			rc = -1;
			say_error(r, xerr);
		} else {
			done[ndone++] = r->o->mof_path;
		}
	}
	if (json && r->o->html_path) { /* the report goes with the JSON */
		asked = true;
		if (export_html(r->o->html_path, r->st, &m, xerr, sizeof(xerr))) {
			rc = -1;
			say_error(r, xerr);
		} else {
			done[ndone++] = r->o->html_path;
		}
	}
	if (r->ui && rc == 0) {
		if (!asked)
			ui_message(r->ui, "no %s file given (start with %s FILE)",
				   json ? "JSON" : "MOF",
				   json ? "--json" : "--mof");
		else
			ui_message(r->ui, "wrote %s%s%s%s%s", done[0],
				   ndone > 1 ? " and " : "",
				   ndone > 1 ? done[1] : "",
				   ndone > 2 ? " and " : "",
				   ndone > 2 ? done[2] : "");
	}
	return rc;
}

/* Kernel drop counters; a new loss marks the sessions being watched. */
static void check_drops(struct run *r, uint64_t now)
{
	if (!r->live)
		return;
	uint64_t d, ifd;
	if (capture_stats(r->cap, &d, &ifd) != 0)
		return;
	r->drops = d;
	r->ifdrops = ifd;
	if (d + ifd > r->lost_seen) {
		/* The sensor's loss, not the SAN's: said once when it starts,
		 * with what to do about it. */
		if (r->lost_seen == 0) {
			if (r->ui)
				ui_message(r->ui,
					   "warning: the capture drops packets: "
					   "raise the buffer with -B MB");
			else
				fprintf(stderr,
					"iscsiwatch: warning: the capture is dropping "
					"packets (kernel %" PRIu64 ", interface %" PRIu64
					"): raise the capture buffer with -B MB\n",
					d, ifd);
		}
		char why[160];
		snprintf(why, sizeof(why),
			 "the capture dropped %" PRIu64
			 " packet(s) (kernel %" PRIu64 ", interface %" PRIu64
			 ") while the session was observed; raise -B",
			 d + ifd - r->lost_seen, d, ifd);
		r->lost_seen = d + ifd;
		session_table_capture_loss(r->st, now, why);
	}
}

/* Files: a second of capture time has passed since the last tick. */
static inline bool file_tick_due(const struct run *r)
{
	return r->last_ns - r->last_tick >= LIVE_TICK_NS;
}

/* Time-driven states: by the wall clock when live (silent connections,
 * Time2Wait + Time2Retain), by capture time for files. */
static void tick(struct run *r, bool force)
{
	uint64_t now = r->live ? wall_ns() : r->last_ns;
	if (!now)
		return;
	if (r->live) {
		/* By the monotonic clock: the wait sleeps until next_tick,
		 * and a wall clock set back must not stop the ticks. */
		double m = mono_now();
		if (!force && m < r->next_tick)
			return;
		r->next_tick = m + LIVE_TICK_S;
	} else if (!force && !file_tick_due(r)) {
		return;
	}
	r->last_tick = now;
	if (r->live)
		engine_tick(r->eng, now);
	session_table_tick(r->st, now);
	check_drops(r, now);
}

/* Whether the UI's terminal hung up (its window closed, the ssh session
 * or tmux pane gone). ncurses then reads end-of-file as "no key" forever,
 * so without this check an idle view would spin on a dead terminal; it
 * quits instead, writing its exports as 'q' does. */
static bool terminal_gone(void)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static void ui_service(struct run *r, bool force)
{
	if (!r->ui)
		return;
	bool redraw = force;
	enum ui_action a;
	while ((a = ui_key(r->ui)) != UI_IDLE) {
		switch (a) {
		case UI_QUIT:
			r->quit = true;
			return;
		case UI_WRITE_JSON:
			write_exports(r, true, false);
			redraw = true;
			break;
		case UI_WRITE_MOF:
			write_exports(r, false, true);
			redraw = true;
			break;
		case UI_REDRAW:
			redraw = true;
			break;
		default:
			break;
		}
	}
	double now = mono_now();
	if (!redraw && now < r->next_draw)
		return;
	r->next_draw = now + DRAW_INTERVAL;
	if (terminal_gone()) {
		r->quit = true;
		return;
	}
	r->drawn_packets = r->ctr->v[CTR_PACKETS];
	r->drawn_gen = session_table_gen(r->st);
	struct ui_status s = {
		.packets = r->ctr->v[CTR_PACKETS],
		.bytes = r->ctr->v[CTR_BYTES],
		.drops = r->drops,
		.ifdrops = r->ifdrops,
		.source = r->label,
		.live = r->live,
		.ended = r->ended,
		.now_ns = r->live ? wall_ns() : r->last_ns,
		.gen = session_table_gen(r->st),
		.summaries = session_summaries(r->st),
		.folded = session_folded(r->st),
	};
	ui_draw(r->ui, session_first(r->st), &s);
}

/* HTTP requests and --export-every, at most every SERVE_INTERVAL. */
static void serve(struct run *r)
{
	if (!r->sensor && !r->o->export_every)
		return;
	double now = mono_now();
	if (now < r->next_serve)
		return;
	r->next_serve = now + SERVE_INTERVAL;
	sensor_poll(r->sensor, 0);
	if (r->o->export_every && !r->ended && now >= r->next_export) {
		r->next_export = now + (double)r->o->export_every;
		write_exports(r, true, true);
	}
}

/* SIGHUP: the exports now, and the events file reopened at its path
 * (after logrotate moved it). */
static void on_hup(struct run *r)
{
	write_exports(r, true, true);
	char err[EXPORT_ERR_MAX];
	if (r->events && events_reopen(r->events, err, sizeof(err)) != 0) {
		if (r->ui)
			ui_message(r->ui, "reopening events: %s", err);
		else
			fprintf(stderr, "iscsiwatch: reopening events: %s\n", err);
	}
}

static void wait_for_work(struct run *r);

/* --realtime: waits until the packet's capture offset has passed on the
 * wall clock, serving the UI and HTTP meanwhile (a quiet stretch of the
 * capture sleeps like a quiet link). */
static void pace(struct run *r, uint64_t ts_ns)
{
	if (!r->o->realtime || !r->first_ns || ts_ns <= r->first_ns)
		return;
	r->pace_due = r->start_mono + (double)(ts_ns - r->first_ns) / 1e9;
	while (mono_now() < r->pace_due && !stop_requested && !r->quit) {
		wait_for_work(r);
		ui_service(r, false);
		serve(r);
		if (hup_requested) {
			hup_requested = 0;
			on_hup(r);
		}
	}
	r->pace_due = 0;
}

static void end_capture(struct run *r)
{
	if (r->ended)
		return;
	r->ended = true;
	engine_finish(r->eng);
	tick(r, true);
}

/* -c COUNT / --duration: wall clock when live, capture time for files.
 * Inline, and first whether either is set at all: it is asked after
 * every packet. */
static inline bool limit_reached(const struct run *r)
{
	if (!r->o->count && r->o->duration <= 0)
		return false;
	if (r->o->count && r->packets >= r->o->count)
		return true;
	if (r->o->duration <= 0)
		return false;
	double spent = r->live ? mono_now() - r->start_mono
			       : r->first_ns ? (double)(r->last_ns - r->first_ns) / 1e9
					     : 0;
	return spent >= r->o->duration;
}

/* Seconds from now until the next thing due by the clock alone, -1 for
 * none: the live tick (time-driven states, the drop counters) and with
 * it the view's once-a-second redraw of rates, a frame owed to what
 * changed since the last one, the status message going, the HTTP
 * daemon's timeout, --export-every, --duration, the next packet of a
 * --realtime replay. */
static double due_in(struct run *r, double now)
{
	double due = -1;
#define DUE(t) do { double t_ = (t) - now; \
		if (due < 0 || t_ < due) due = t_ < 0 ? 0 : t_; } while (0)
	bool capturing = !r->ended && !(r->ui && ui_paused(r->ui) && !r->live);
	if (r->live && capturing)
		DUE(r->next_tick);
	if (r->ui) {
		if (r->ctr->v[CTR_PACKETS] != r->drawn_packets ||
		    session_table_gen(r->st) != r->drawn_gen)
			DUE(r->next_draw);
		double until = ui_message_until(r->ui);
		if (until > 0)
			DUE(until);
	}
	int http = sensor_timeout_ms(r->sensor);
	if (http >= 0)
		DUE(now + http / 1000.0);
	if (r->o->export_every && !r->ended)
		DUE(r->next_export);
	if (r->live && capturing && r->o->duration > 0)
		DUE(r->start_mono + r->o->duration);
	if (r->pace_due > 0)
		DUE(r->pace_due);
#undef DUE
	return due;
}

/* Nothing to read: sleeps until a packet, a key, a resize, a signal or
 * an HTTP request comes, or until the next thing due (due_in()). Each
 * wakeup of a process holding many sessions costs up to milliseconds
 * (on this project's 2-core VM 1-8 ms with 100k sessions, for its heap's
 * size alone), so an idle live view or sensor wakes about once a second,
 * and an ended or paused replay not at all. */
static void wait_for_work(struct run *r)
{
	struct pollfd p[WAIT_FDS];
	nfds_t n = 0;
	if (wake_pipe[0] >= 0)
		p[n++] = (struct pollfd){.fd = wake_pipe[0], .events = POLLIN};
	nfds_t tty = WAIT_FDS, http = WAIT_FDS; /* WAIT_FDS: not waited on */
	if (r->ui) {
		tty = n;
		p[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
	}
	if (sensor_fd(r->sensor) >= 0) {
		http = n;
		p[n++] = (struct pollfd){.fd = sensor_fd(r->sensor), .events = POLLIN};
	}
	bool capturing = !r->ended && !(r->ui && ui_paused(r->ui) && !r->live);
	int limit = -1;
	if (r->live && capturing) {
		n += (nfds_t)capture_pollfds(r->cap, p + n, WAIT_FDS - n);
		limit = capture_wait_limit_ms(r->cap);
	}
	double due = due_in(r, mono_now());
	/* Rounded up, plus one: waking a hair early would mean a second
	 * wakeup straight after to find the deadline passed. */
	int ms = due < 0 ? -1 : due > 3600 ? 3600000 : (int)(due * 1000.0) + 1;
	if (limit >= 0 && (ms < 0 || limit < ms))
		ms = limit;
	int rc = poll(p, n, ms);
	/* EINTR: a signal, seen by the loop. A timeout: what was due, the
	 * HTTP daemon's included. */
	if (rc == 0 || (http < n && p[http].revents))
		r->next_serve = 0;
	if (rc <= 0)
		return;
	if (tty < n && (p[tty].revents & (POLLHUP | POLLERR | POLLNVAL)))
		r->next_draw = 0; /* ui_service finds the terminal gone, quits */
	if (wake_pipe[0] >= 0 && (p[0].revents & POLLIN)) {
		char buf[64];
		while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
			;
	}
}

static void loop(struct run *r)
{
	char err[CAPTURE_ERRLEN];
	struct packet pkt;
	unsigned since_clock = 0;
	r->start_mono = mono_now();
	while (!stop_requested && !r->quit) {
		if (hup_requested) {
			hup_requested = 0;
			on_hup(r);
		}
		if (r->ended || (r->ui && ui_paused(r->ui) && !r->live)) {
			/* Nothing to read: only the UI (or a replay paused),
			 * and --listen serving the final state until a
			 * signal. */
			if (!r->ui && !sensor_serves(r->sensor))
				break;
			wait_for_work(r);
			ui_service(r, false);
			serve(r);
			continue;
		}
		int rc = capture_next(r->cap, &pkt, err, sizeof(err));
		if (rc == 0) {
			end_capture(r);
			ui_service(r, true);
			continue;
		}
		if (rc < 0 || rc == CAPTURE_NOTICE) {
			r->cut = r->cut || rc < 0;
			r->lost_iface = r->lost_iface || (rc < 0 && r->live &&
							  r->o->user);
			const char *w = rc < 0 ? "warning: " : "";
			if (r->ui)
				ui_message(r->ui, "%s%s", w, err);
			else
				fprintf(stderr, "iscsiwatch: %s%s\n", w, err);
			continue;
		}
		if (rc == CAPTURE_TIMEOUT) {
			if (limit_reached(r)) {
				end_capture(r);
				continue;
			}
			tick(r, false);
			ui_service(r, false);
			serve(r);
			/* Everything read and served: sleep until more. */
			if (!stop_requested && !hup_requested && !r->quit)
				wait_for_work(r);
			continue;
		}
		if (!r->first_ns) {
			r->first_ns = pkt.ts_ns;
			if (!r->live) /* --realtime paces from the first packet */
				r->start_mono = mono_now();
		}
		pace(r, pkt.ts_ns);
		if (pkt.ts_ns > r->last_ns)
			r->last_ns = pkt.ts_ns;
		engine_packet(r->eng, &pkt);
		r->packets++;
		if (r->o->pdus && ferror(stdout))
			break;
		if (limit_reached(r)) {
			end_capture(r);
			continue;
		}
		/* The clock is read every 32 packets, not each one. */
		if (++since_clock >= 32 || r->o->realtime) {
			since_clock = 0;
			tick(r, false);
			ui_service(r, false);
			serve(r);
		} else if (!r->live && file_tick_due(r)) {
			tick(r, false); /* asked here first: every packet */
		}
	}
	/* Stopped by SIGINT/SIGTERM or q: close what is open. */
	end_capture(r);
}

/* SIGPIPE ignored: a closed stdout (| head) ends us quietly rather
 * than by signal. */
static void signals_install(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		wake_pipe[0] = wake_pipe[1] = -1;
	struct sigaction sa = {0};
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup_signal;
	sigaction(SIGHUP, &sa, NULL);
}

static int capture_start(struct run *r, char *err, size_t errlen)
{
	const struct cli_opts *o = r->o;
	if (r->live) {
		char *f = o->filter ? NULL : default_filter(o->ports, o->nports);
		struct capture_live_opts lo = {
			.snaplen = (int)(o->snaplen ? o->snaplen : CLI_LIVE_SNAPLEN),
			.buffer_mb = (int)o->buffer_mb,
			.promisc = o->promisc,
			.timeout_ms = 100,
			.filter = o->filter ? o->filter : f,
			.caller_waits = true,
			.no_reopen = o->user != NULL,
		};
		r->cap = capture_open_live(o->ifaces, o->nifaces, &lo, err,
					   errlen);
		if (r->cap && !r->use_tui)
			fprintf(stderr, "iscsiwatch: listening on %s%s (%s)\n",
				o->ifaces[0], o->nifaces > 1 ? " and more" : "",
				lo.filter);
		free(f);
		for (size_t i = 0; i < o->nifaces; i++)
			r->sources[r->nsources++] = o->ifaces[i];
	} else {
		r->cap = capture_open_files(o->files, o->nfiles, o->filter, err,
					    errlen);
		for (size_t i = 0; i < o->nfiles; i++)
			r->sources[r->nsources++] = o->files[i];
	}
	if (!r->cap)
		return -1;
	/* Robustness fix: snprintf returns the length it wanted, so n can
	 * pass the end of label (many -r files): stop there, or
	 * sizeof - n wraps and the next call writes past the buffer. */
	for (size_t i = 0, n = 0; i < r->nsources && n < sizeof(r->label); i++)
		n += (size_t)snprintf(r->label + n, sizeof(r->label) - n,
				      "%s%s", i ? "," : "", r->sources[i]);
	return 0;
}

static int engine_start(struct run *r)
{
	const struct cli_opts *o = r->o;
	struct engine_opts eo;
	engine_opts_default(&eo);
	eo.ports = o->ports;
	eo.nports = o->nports;
	eo.ignore_vlan = o->ignore_vlan;
	if (o->max_flows)
		eo.flows.max_flows = o->max_flows;
	if (o->flow_idle_s)
		eo.flows.idle_ns = o->flow_idle_s * 1000000000ull;
	if (o->ooo_stream)
		eo.ooo_cap_stream = o->ooo_stream;
	if (o->ooo_total)
		eo.ooo_cap_total = o->ooo_total;
	r->eng = engine_new(&eo);
	r->ctr = r->eng ? engine_counters(r->eng) : NULL;
	r->st = r->eng ? session_table_new(o->max_sessions, r->ctr) : NULL;
	if (r->st)
		session_table_keep(r->st, o->keep_ended_s * 1000000000ull,
				   (size_t)o->keep_ended_max);
	return r->st ? 0 : -1;
}

static void sinks_start(struct run *r)
{
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	r->tr = (struct track){r->st, (uint32_t)r->o->text_cap};
	struct engine_sink ts = track_sink(&r->tr);
	engine_add_sink(r->eng, &ts);
	if (r->o->pdus) {
		struct engine_sink s = pdu_print_sink(stdout);
		engine_add_sink(r->eng, &s);
	}
}

/* Opens everything, in the order that keeps privileges shortest: the
 * capture, then -Z, then every output file. 0, or the exit status after
 * one line on stderr. */
static int run_open(struct run *r)
{
	char err[CAPTURE_ERRLEN];
	/* The listening socket before the capture and -Z: a port below
	 * 1024 needs root, and a port in use is told before any packet. */
	if (sensor_open(&r->sensor, r->o, err, sizeof(err)) != 0) {
		fprintf(stderr, "iscsiwatch: %s\n", err);
		return 1;
	}
	if (capture_start(r, err, sizeof(err)) != 0) {
		fprintf(stderr, "iscsiwatch: %s\n", err);
		return 1;
	}
	/* Before any output file is opened (the exports, the events). */
	if (r->o->user && cli_drop_privileges(r->o->user, err, sizeof(err)) != 0) {
		fprintf(stderr, "iscsiwatch: %s; refusing to go on\n", err);
		return 1;
	}
	if (engine_start(r) != 0) {
		fprintf(stderr, "iscsiwatch: out of memory\n");
		return 1;
	}
	if (r->o->events_path) {
		char eerr[EXPORT_ERR_MAX];
		r->events = events_open(r->o->events_path, r->o->persp, eerr,
					sizeof(eerr));
		if (!r->events) {
			fprintf(stderr, "iscsiwatch: %s\n", eerr);
			return 1;
		}
		r->events_l = events_listener(r->events);
	}
	sensor_attach(r->sensor, r->st, meta_of_run, r);
	r->fan = (struct session_listener){.user = r, .event = fan_event};
	session_table_listen(r->st, &r->fan);
	sinks_start(r);
	if (r->use_tui) {
		setvbuf(stdout, NULL, _IONBF, 0);
		r->ui = ui_new(r->o->persp, ISCSIWATCH_VERSION, err, sizeof(err));
		if (!r->ui) {
			fprintf(stderr, "iscsiwatch: %s\n", err);
			return 1;
		}
		ui_set_rates(r->ui, ui_rates, r);
		/* After newterm(), which installed ncurses' handler. */
		struct sigaction sa = {0};
		sa.sa_handler = on_winch_signal;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGWINCH, &sa, &winch_prev);
	}
	return 0;
}

/* After the loop: the exports, the table, what was lost. The exit
 * status: 0, or 1 when an output could not be written or an interface
 * failed for good (a supervisor starts the sensor again). */
static int run_finish(struct run *r)
{
	const struct cli_opts *o = r->o;
	ui_free(r->ui);
	r->ui = NULL;
	int rc = r->lost_iface ? 1 : 0;
	if (write_exports(r, true, true) != 0)
		rc = 1;
	if (!r->stdout_taken && !r->use_tui) {
		struct export_meta m;
		meta_fill(r, &m);
		m.table_width = r->o->wide ? 0 : table_width();
		export_table(stdout, r->st, &m);
	}
	if (r->live && (r->drops || r->ifdrops))
		fprintf(stderr,
			"iscsiwatch: %" PRIu64 " packets dropped by the kernel, "
			"%" PRIu64 " by the interface\n",
			r->drops, r->ifdrops);
	char hint[512];
	/* A damaged file has had its one line; a hint would be a second. */
	if (!r->cut && !session_first(r->st) &&
	    hint_no_sessions(r->ctr, hint, sizeof(hint)))
		fprintf(stderr, "iscsiwatch: %s\n", hint);
	if (o->verbose)
		print_counters(r->ctr);
	if (sensor_syslog_errors(r->sensor))
		fprintf(stderr, "iscsiwatch: %" PRIu64
				" syslog message(s) could not be sent\n",
			sensor_syslog_errors(r->sensor));
	/* A reader that went away (`--events - | head`) ends us quietly,
	 * as for every other stdout output. */
	if (r->events) {
		int erc = events_close(r->events);
		r->events = NULL;
		if (erc != 0 &&
		    !(strcmp(o->events_path, "-") == 0 && errno == EPIPE)) {
			fprintf(stderr,
				"iscsiwatch: writing events to %s failed\n",
				o->events_path);
			rc = 1;
		}
	}
	if (fflush(stdout) != 0 && errno != EPIPE) {
		fprintf(stderr, "iscsiwatch: writing output: %s\n",
			strerror(errno));
		rc = 1;
	}
	return rc;
}

/* The one cleanup path: whatever run_open got to, in reverse order. */
static void run_close(struct run *r)
{
	ui_free(r->ui);
	if (r->events)
		events_close(r->events);
	sensor_close(r->sensor);
	session_table_free(r->st);
	engine_free(r->eng);
	capture_free(r->cap);
}

int run_capture(const struct cli_opts *o)
{
	struct run r = {.o = o, .live = o->nifaces > 0};
	r.stdout_taken = cli_stdout_taken(o);
	r.use_tui = cli_wants_tui(o);
	signals_install();
	int rc = run_open(&r);
	if (rc == 0) {
		loop(&r);
		rc = run_finish(&r);
	}
	run_close(&r);
	return rc;
}
