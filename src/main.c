/* main.c - the iscsiwatch command line: capture files or live interfaces,
 * the session table, the JSON/MOF/NDJSON exports and the curses UI.
 *
 * Signals only set flags (stop, write-now); the loop looks at them
 * between packets and at every read timeout of a live capture.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "counters.h"
#include "engine.h"
#include "export.h"
#include "pdu_print.h"
#include "schema.h"
#include "scsi.h"
#include "session.h"
#include "track.h"
#include "version.h"

#include "../tui/ui.h"

#define MAX_FILES 64
#define MAX_IFACES 16
#define MAX_PORTS 64
#define DRAW_INTERVAL 0.25  /* the UI redraws at 4 Hz */
#define LIVE_TICK_NS 1000000000ull
#define LIVE_SNAPLEN 262144 /* a whole 64 KiB TSO segment and headers */

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t hup_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup_signal(int sig)
{
	(void)sig;
	hup_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iscsiwatch -r FILE [-r FILE...] [options] [BPF filter]\n"
		"       iscsiwatch -i IFACE [-i IFACE...] [options] [BPF filter]\n"
		"\n"
		"Rebuilds iSCSI sessions (CIM_iSCSISession) from captured traffic.\n"
		"\n"
		"  -r FILE          read a pcap or pcapng file (repeatable: files are\n"
		"                   merged in timestamp order)\n"
		"  -i IFACE         capture live on an interface (repeatable, e.g.\n"
		"                   both directions of a tap)\n"
		"  -p PORTS         iSCSI target ports, comma-separated (default 3260)\n"
		"  -B MB            kernel capture buffer in MiB (live)\n"
		"  -s BYTES         snap length (live; default 262144)\n"
		"      --no-promisc do not put the interface in promiscuous mode\n"
		"  -Z USER          drop privileges to USER once the capture is open\n"
		"  -c COUNT         stop after COUNT packets\n"
		"      --duration SECONDS  stop after that long (capture time for -r)\n"
		"      --tui        the curses session view (default when stdout is\n"
		"                   a terminal and the capture is live)\n"
		"      --no-tui     print the session table at the end instead\n"
		"      --realtime   replay -r files at capture speed\n"
		"      --pdus       print one line per iSCSI PDU on stdout\n"
		"      --json FILE  write the sessions as JSON ('-' for stdout)\n"
		"      --mof FILE   write the sessions as MOF instances\n"
		"      --mof-schema print the CIM schema (MOF) of those instances\n"
		"      --html FILE  write a self-contained HTML report (table,\n"
		"                   timeline, latency histograms)\n"
		"      --events FILE  append one JSON line per change (NDJSON)\n"
		"      --perspective target|initiator\n"
		"                   whose view the CIM instances take (default target)\n"
		"  -v, --verbose    print the counters on stderr at the end\n"
		"\n"
		"Caps (what happens at each: docs/robustness.md):\n"
		"      --max-flows N        TCP connections tracked (65536)\n"
		"      --flow-idle S        a silent connection ends after S s (600)\n"
		"      --ooo-cap-stream B   out-of-order bytes held per direction (4 MiB)\n"
		"      --ooo-cap-total B    out-of-order bytes held in all (256 MiB)\n"
		"      --max-sessions N     sessions tracked (65536)\n"
		"      --text-cap B         login/text bytes per direction (64 KiB)\n"
		"  -h, --help       this help\n"
		"      --version    print the version\n"
		"\n"
		"A trailing BPF expression (as for tcpdump) selects packets; a live\n"
		"capture without one takes the iSCSI ports (tcp port 3260).\n"
		"SIGINT/SIGTERM stop and write every export; SIGHUP writes the\n"
		"exports now and carries on.\n");
}

struct opts {
	const char *files[MAX_FILES];
	size_t nfiles;
	const char *ifaces[MAX_IFACES];
	size_t nifaces;
	uint16_t ports[MAX_PORTS];
	size_t nports;
	bool pdus;
	const char *json_path, *mof_path, *events_path, *html_path;
	enum perspective persp;
	int verbose;
	int buffer_mb, snaplen;
	bool promisc;
	const char *user;
	uint64_t count;   /* 0: no limit */
	double duration;  /* 0: no limit */
	int tui;          /* -1 auto, 0 off, 1 on */
	bool realtime;
	char *filter;
	/* caps (0: the module's default) */
	uint64_t max_flows, flow_idle_s, ooo_stream, ooo_total, max_sessions;
	uint32_t text_cap;
};

static int parse_ports(const char *arg, uint16_t *ports, size_t *n)
{
	char *copy = strdup(arg);
	if (!copy)
		return -1;
	int rc = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(tok, &end, 10);
		if (errno || *end || end == tok || v == 0 || v > 65535 ||
		    *n >= MAX_PORTS) {
			rc = -1;
			break;
		}
		ports[(*n)++] = (uint16_t)v;
	}
	free(copy);
	return rc;
}

static int parse_uint(const char *arg, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || *end || end == arg || arg[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Joins the trailing arguments into one BPF expression. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* "tcp port 3260", or "tcp and (port A or port B ...)". */
static char *default_filter(const uint16_t *ports, size_t n)
{
	static const uint16_t dflt = 3260;
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

static void print_counters(struct counters *c)
{
	for (int i = 0; i < CTR_MAX; i++)
		fprintf(stderr, "%12" PRIu64 "  %s\n", c->v[i],
			counter_text((enum counter_id)i));
}

/* Returns 0 with o filled, 1 when done (help/version), 2 on bad use. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_PDUS = 256, OPT_VERSION, OPT_JSON, OPT_MOF, OPT_EVENTS,
	       OPT_PERSPECTIVE, OPT_NO_PROMISC, OPT_DURATION, OPT_TUI,
	       OPT_NO_TUI, OPT_REALTIME, OPT_MAX_FLOWS, OPT_FLOW_IDLE,
	       OPT_OOO_STREAM, OPT_OOO_TOTAL, OPT_MAX_SESSIONS, OPT_TEXT_CAP,
	       OPT_MOF_SCHEMA, OPT_HTML };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"pdus", no_argument, NULL, OPT_PDUS},
		{"verbose", no_argument, NULL, 'v'},
		{"json", required_argument, NULL, OPT_JSON},
		{"mof", required_argument, NULL, OPT_MOF},
		{"mof-schema", no_argument, NULL, OPT_MOF_SCHEMA},
		{"html", required_argument, NULL, OPT_HTML},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"perspective", required_argument, NULL, OPT_PERSPECTIVE},
		{"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
		{"duration", required_argument, NULL, OPT_DURATION},
		{"tui", no_argument, NULL, OPT_TUI},
		{"no-tui", no_argument, NULL, OPT_NO_TUI},
		{"realtime", no_argument, NULL, OPT_REALTIME},
		{"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
		{"flow-idle", required_argument, NULL, OPT_FLOW_IDLE},
		{"ooo-cap-stream", required_argument, NULL, OPT_OOO_STREAM},
		{"ooo-cap-total", required_argument, NULL, OPT_OOO_TOTAL},
		{"max-sessions", required_argument, NULL, OPT_MAX_SESSIONS},
		{"text-cap", required_argument, NULL, OPT_TEXT_CAP},
		{NULL, 0, NULL, 0},
	};
	int ch;
	uint64_t v;
	while ((ch = getopt_long(argc, argv, "+r:i:p:B:s:Z:c:vh", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (o->nfiles >= MAX_FILES) {
				fprintf(stderr, "iscsiwatch: at most %d files\n",
					MAX_FILES);
				return 2;
			}
			o->files[o->nfiles++] = optarg;
			break;
		case 'i':
			if (o->nifaces >= MAX_IFACES) {
				fprintf(stderr,
					"iscsiwatch: at most %d interfaces\n",
					MAX_IFACES);
				return 2;
			}
			o->ifaces[o->nifaces++] = optarg;
			break;
		case 'p':
			if (parse_ports(optarg, o->ports, &o->nports) < 0) {
				fprintf(stderr,
					"iscsiwatch: bad port list '%s' (want e.g. 3260,3261)\n",
					optarg);
				return 2;
			}
			break;
		case 'B':
			if (parse_uint(optarg, 2047, &v) < 0 || v == 0) {
				fprintf(stderr,
					"iscsiwatch: -B takes a size in MiB (1-2047), not '%s'\n",
					optarg);
				return 2;
			}
			o->buffer_mb = (int)v;
			break;
		case 's':
			if (parse_uint(optarg, 262144, &v) < 0 || v < 128) {
				fprintf(stderr,
					"iscsiwatch: -s takes 128-262144 bytes, not '%s'\n",
					optarg);
				return 2;
			}
			o->snaplen = (int)v;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'c':
			if (parse_uint(optarg, UINT64_MAX, &v) < 0 || v == 0) {
				fprintf(stderr,
					"iscsiwatch: -c takes a packet count, not '%s'\n",
					optarg);
				return 2;
			}
			o->count = v;
			break;
		case OPT_DURATION: {
			char *end;
			errno = 0;
			double d = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(d > 0) ||
			    !isfinite(d)) {
				fprintf(stderr,
					"iscsiwatch: --duration takes seconds, not '%s'\n",
					optarg);
				return 2;
			}
			o->duration = d;
			break;
		}
		case OPT_NO_PROMISC:
			o->promisc = false;
			break;
		case OPT_TUI:
			o->tui = 1;
			break;
		case OPT_NO_TUI:
			o->tui = 0;
			break;
		case OPT_REALTIME:
			o->realtime = true;
			break;
		case OPT_PDUS:
			o->pdus = true;
			break;
		case OPT_JSON:
			o->json_path = optarg;
			break;
		case OPT_MOF:
			o->mof_path = optarg;
			break;
		case OPT_HTML:
			o->html_path = optarg;
			break;
		case OPT_EVENTS:
			o->events_path = optarg;
			break;
		case OPT_PERSPECTIVE:
			if (strcmp(optarg, "target") == 0) {
				o->persp = PERSP_TARGET;
			} else if (strcmp(optarg, "initiator") == 0) {
				o->persp = PERSP_INITIATOR;
			} else {
				fprintf(stderr,
					"iscsiwatch: --perspective takes target or initiator, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case OPT_MAX_FLOWS:
		case OPT_FLOW_IDLE:
		case OPT_OOO_STREAM:
		case OPT_OOO_TOTAL:
		case OPT_MAX_SESSIONS:
		case OPT_TEXT_CAP: {
			/* Every cap: a positive number, bounded so that the
			 * arithmetic on it cannot overflow. */
			static const struct {
				int opt;
				const char *name;
				uint64_t max;
			} caps[] = {
				{OPT_MAX_FLOWS, "--max-flows", 1u << 24},
				{OPT_FLOW_IDLE, "--flow-idle", 86400},
				{OPT_OOO_STREAM, "--ooo-cap-stream", 1ull << 32},
				{OPT_OOO_TOTAL, "--ooo-cap-total", 1ull << 40},
				{OPT_MAX_SESSIONS, "--max-sessions", 1u << 24},
				{OPT_TEXT_CAP, "--text-cap", 1u << 24},
			};
			size_t k = 0;
			while (caps[k].opt != ch)
				k++;
			if (parse_uint(optarg, caps[k].max, &v) < 0 || v == 0) {
				fprintf(stderr,
					"iscsiwatch: %s takes a number from 1 to %llu, not '%s'\n",
					caps[k].name,
					(unsigned long long)caps[k].max, optarg);
				return 2;
			}
			uint64_t *dst[] = {&o->max_flows,  &o->flow_idle_s,
					   &o->ooo_stream, &o->ooo_total,
					   &o->max_sessions};
			if (ch == OPT_TEXT_CAP)
				o->text_cap = (uint32_t)v;
			else
				*dst[k] = v;
			break;
		}
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_VERSION:
			printf("iscsiwatch %s\n", ISCSIWATCH_VERSION);
			return 1;
		case OPT_MOF_SCHEMA:
			fwrite(schema_mof, 1, schema_mof_len, stdout);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o->nfiles == 0 && o->nifaces == 0) {
		fprintf(stderr,
			"iscsiwatch: nothing to read (use -r FILE or -i IFACE)\n");
		usage(stderr);
		return 2;
	}
	if (o->nfiles && o->nifaces) {
		fprintf(stderr,
			"iscsiwatch: -r and -i cannot be mixed: read files or "
			"capture live\n");
		return 2;
	}
	if (o->realtime && o->nifaces) {
		fprintf(stderr, "iscsiwatch: --realtime is for -r files\n");
		return 2;
	}
	if (optind < argc) {
		o->filter = join_args(argc - optind, argv + optind);
		if (!o->filter) {
			fprintf(stderr, "iscsiwatch: out of memory\n");
			return 2;
		}
	}
	return 0;
}

/* initgroups, setgid, setuid - in that order, every one must work
 * (a process left with root's groups or gid is not unprivileged). */
static int drop_privileges(const char *user, char *err, size_t len)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, len, "-Z %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return -1;
	}
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (initgroups(pw->pw_name, gid) != 0) {
		snprintf(err, len, "-Z %s: initgroups: %s", user,
			 strerror(errno));
		return -1;
	}
	if (setgid(gid) != 0) {
		snprintf(err, len, "-Z %s: setgid(%u): %s", user, (unsigned)gid,
			 strerror(errno));
		return -1;
	}
	if (setuid(uid) != 0) {
		snprintf(err, len, "-Z %s: setuid(%u): %s", user, (unsigned)uid,
			 strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		snprintf(err, len, "-Z %s: root could be regained", user);
		return -1;
	}
	return 0;
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
	struct opts *o;
	struct capture *cap;
	bool live;
	struct engine *eng;
	struct counters *ctr;
	struct session_table *st;
	struct track tr;
	struct events_sink *events;
	struct ui *ui;
	const struct session_listener *events_l;
	uint64_t first_ns, last_ns, packets;
	uint64_t drops, ifdrops, lost_seen;
	uint64_t last_tick;
	double start_mono, next_draw;
	bool ended;   /* the capture ended (files, -c, --duration) */
	bool quit;    /* q in the UI */
	const char *sources[MAX_FILES + MAX_IFACES];
	size_t nsources;
	char label[256];
};

static void fan_event(void *user, const struct session *s,
		      const struct sconn *c, const struct sess_event *ev)
{
	struct run *r = user;
	if (r->events_l && r->events_l->event)
		r->events_l->event(r->events_l->user, s, c, ev);
	if (r->ui)
		ui_event(r->ui, s, c, ev);
}

/* The UI's throughput and IOPS columns: the SCSI layer's last interval. */
static void ui_rates(void *user, const struct session *s, struct vm_rates *out)
{
	const struct run *r = user;
	struct scsi_figures f;
	scsi_figures(s, r->live ? wall_ns() : r->last_ns, &f);
	out->known = f.io_seen;
	out->bytes_per_s = f.mbps * 1e6;
	out->iops = f.iops;
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
		.live = r->live,
	};
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
			if (r->ui)
				ui_message(r->ui, "%s", xerr);
			else
				fprintf(stderr, "iscsiwatch: %s\n", xerr);
		} else {
			done[ndone++] = r->o->json_path;
		}
	}
	if (mof && r->o->mof_path) {
		asked = true;
		if (export_mof(r->o->mof_path, r->st, &m, xerr, sizeof(xerr))) {
			rc = -1;
			if (r->ui)
				ui_message(r->ui, "%s", xerr);
			else
				fprintf(stderr, "iscsiwatch: %s\n", xerr);
		} else {
			done[ndone++] = r->o->mof_path;
		}
	}
	if (json && r->o->html_path) { /* the report goes with the JSON */
		asked = true;
		if (export_html(r->o->html_path, r->st, &m, xerr, sizeof(xerr))) {
			rc = -1;
			if (r->ui)
				ui_message(r->ui, "%s", xerr);
			else
				fprintf(stderr, "iscsiwatch: %s\n", xerr);
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
		char why[128];
		snprintf(why, sizeof(why),
			 "the capture dropped %" PRIu64
			 " packet(s) (kernel %" PRIu64 ", interface %" PRIu64
			 ") while the session was observed",
			 d + ifd - r->lost_seen, d, ifd);
		r->lost_seen = d + ifd;
		session_table_capture_loss(r->st, now, why);
	}
}

/* Time-driven states: by the wall clock when live (silent connections,
 * Time2Wait + Time2Retain), by capture time for files. */
static void tick(struct run *r, bool force)
{
	uint64_t now = r->live ? wall_ns() : r->last_ns;
	if (!now || (!force && now - r->last_tick < LIVE_TICK_NS))
		return;
	r->last_tick = now;
	if (r->live)
		engine_tick(r->eng, now);
	session_table_tick(r->st, now);
	check_drops(r, now);
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
	struct ui_status s = {
		.packets = r->ctr->v[CTR_PACKETS],
		.bytes = r->ctr->v[CTR_BYTES],
		.drops = r->drops,
		.ifdrops = r->ifdrops,
		.source = r->label,
		.live = r->live,
		.ended = r->ended,
	};
	ui_draw(r->ui, session_first(r->st), &s);
}

/* --realtime: waits until the packet's capture offset has passed on the
 * wall clock, serving the UI meanwhile. */
static void pace(struct run *r, uint64_t ts_ns)
{
	if (!r->o->realtime || !r->first_ns || ts_ns <= r->first_ns)
		return;
	double due = r->start_mono + (double)(ts_ns - r->first_ns) / 1e9;
	for (;;) {
		double now = mono_now();
		if (now >= due || stop_requested || r->quit)
			return;
		double wait = due - now;
		if (wait > 0.05)
			wait = 0.05;
		struct timespec ts = {0, (long)(wait * 1e9)};
		nanosleep(&ts, NULL);
		ui_service(r, false);
		if (hup_requested) {
			hup_requested = 0;
			write_exports(r, true, true);
		}
	}
}

static void end_capture(struct run *r)
{
	if (r->ended)
		return;
	r->ended = true;
	engine_finish(r->eng);
	tick(r, true);
}

/* -c COUNT / --duration: wall clock when live, capture time for files. */
static bool limit_reached(const struct run *r)
{
	if (r->o->count && r->packets >= r->o->count)
		return true;
	if (r->o->duration <= 0)
		return false;
	double spent = r->live ? mono_now() - r->start_mono
			       : r->first_ns ? (double)(r->last_ns - r->first_ns) / 1e9
					     : 0;
	return spent >= r->o->duration;
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
			write_exports(r, true, true);
		}
		if (r->ended || (r->ui && ui_paused(r->ui) && !r->live)) {
			/* Nothing to read: only the UI (or a replay paused). */
			if (!r->ui)
				break;
			struct timespec ts = {0, 20000000};
			nanosleep(&ts, NULL);
			ui_service(r, false);
			continue;
		}
		int rc = capture_next(r->cap, &pkt, err, sizeof(err));
		if (rc == 0) {
			end_capture(r);
			ui_service(r, true);
			continue;
		}
		if (rc < 0) {
			if (r->ui)
				ui_message(r->ui, "warning: %s", err);
			else
				fprintf(stderr, "iscsiwatch: warning: %s\n", err);
			continue;
		}
		if (rc == CAPTURE_TIMEOUT) {
			if (limit_reached(r)) {
				end_capture(r);
				continue;
			}
			tick(r, false);
			ui_service(r, false);
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
		} else if (!r->live) {
			tick(r, false);
		}
	}
	/* Stopped by SIGINT/SIGTERM or q: close what is open. */
	end_capture(r);
}

int main(int argc, char **argv)
{
	struct opts o = {.persp = PERSP_TARGET, .promisc = true, .tui = -1};
	int prc = parse_args(argc, argv, &o);
	if (prc)
		return prc == 1 ? 0 : 2;
	bool live = o.nifaces > 0;
	bool stdout_taken = o.pdus || (o.json_path && !strcmp(o.json_path, "-")) ||
			    (o.mof_path && !strcmp(o.mof_path, "-")) ||
			    (o.html_path && !strcmp(o.html_path, "-")) ||
			    (o.events_path && !strcmp(o.events_path, "-"));
	bool use_tui = o.tui == 1 ||
		       (o.tui == -1 && live && !stdout_taken &&
			isatty(STDOUT_FILENO) && isatty(STDIN_FILENO));
	if (use_tui && stdout_taken) {
		fprintf(stderr, "iscsiwatch: --tui needs the terminal: do not "
				"send --pdus/--json/--mof/--events to stdout\n");
		free(o.filter);
		return 2;
	}

	/* A closed stdout (| head) ends us quietly rather than by signal. */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {0};
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup_signal;
	sigaction(SIGHUP, &sa, NULL);

	struct run r = {.o = &o, .live = live};
	char err[CAPTURE_ERRLEN];
	if (live) {
		char *f = o.filter ? NULL : default_filter(o.ports, o.nports);
		struct capture_live_opts lo = {
			.snaplen = o.snaplen ? o.snaplen : LIVE_SNAPLEN,
			.buffer_mb = o.buffer_mb,
			.promisc = o.promisc,
			.timeout_ms = 100,
			.filter = o.filter ? o.filter : f,
		};
		r.cap = capture_open_live(o.ifaces, o.nifaces, &lo, err,
					  sizeof(err));
		if (r.cap && !use_tui)
			fprintf(stderr, "iscsiwatch: listening on %s%s (%s)\n",
				o.ifaces[0], o.nifaces > 1 ? " and more" : "",
				lo.filter);
		free(f);
		for (size_t i = 0; i < o.nifaces; i++)
			r.sources[r.nsources++] = o.ifaces[i];
	} else {
		r.cap = capture_open_files(o.files, o.nfiles, o.filter, err,
					   sizeof(err));
		for (size_t i = 0; i < o.nfiles; i++)
			r.sources[r.nsources++] = o.files[i];
	}
	free(o.filter);
	if (!r.cap) {
		fprintf(stderr, "iscsiwatch: %s\n", err);
		return 1;
	}
	/* Robustness fix: snprintf returns the length it wanted, so n can
	 * pass the end of label (many -r files): stop there, or
	 * sizeof - n wraps and the next call writes past the buffer. */
	for (size_t i = 0, n = 0; i < r.nsources && n < sizeof(r.label); i++)
		n += (size_t)snprintf(r.label + n, sizeof(r.label) - n, "%s%s",
				      i ? "," : "", r.sources[i]);
	/* Before any output file is opened (the exports, the events). */
	if (o.user && drop_privileges(o.user, err, sizeof(err)) != 0) {
		fprintf(stderr, "iscsiwatch: %s; refusing to go on\n", err);
		capture_free(r.cap);
		return 1;
	}

	struct engine_opts eo;
	engine_opts_default(&eo);
	eo.ports = o.ports;
	eo.nports = o.nports;
	if (o.max_flows)
		eo.flows.max_flows = o.max_flows;
	if (o.flow_idle_s)
		eo.flows.idle_ns = o.flow_idle_s * 1000000000ull;
	if (o.ooo_stream)
		eo.ooo_cap_stream = o.ooo_stream;
	if (o.ooo_total)
		eo.ooo_cap_total = o.ooo_total;
	r.eng = engine_new(&eo);
	r.ctr = r.eng ? engine_counters(r.eng) : NULL;
	r.st = r.eng ? session_table_new(o.max_sessions, r.ctr) : NULL;
	if (!r.st) {
		fprintf(stderr, "iscsiwatch: out of memory\n");
		engine_free(r.eng);
		capture_free(r.cap);
		return 1;
	}
	if (o.events_path) {
		char eerr[EXPORT_ERR_MAX];
		r.events = events_open(o.events_path, o.persp, eerr, sizeof(eerr));
		if (!r.events) {
			fprintf(stderr, "iscsiwatch: %s\n", eerr);
			session_table_free(r.st);
			engine_free(r.eng);
			capture_free(r.cap);
			return 1;
		}
		r.events_l = events_listener(r.events);
	}
	struct session_listener fan = {.user = &r, .event = fan_event};
	session_table_listen(r.st, &fan);

	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	r.tr = (struct track){r.st, o.text_cap};
	struct engine_sink ts = track_sink(&r.tr);
	engine_add_sink(r.eng, &ts);
	if (o.pdus) {
		struct engine_sink s = pdu_print_sink(stdout);
		engine_add_sink(r.eng, &s);
	}
	if (use_tui) {
		setvbuf(stdout, NULL, _IONBF, 0);
		r.ui = ui_new(o.persp, ISCSIWATCH_VERSION, err, sizeof(err));
		if (!r.ui) {
			fprintf(stderr, "iscsiwatch: %s\n", err);
			if (r.events)
				events_close(r.events);
			session_table_free(r.st);
			engine_free(r.eng);
			capture_free(r.cap);
			return 1;
		}
		ui_set_rates(r.ui, ui_rates, &r);
	}

	loop(&r);

	if (r.ui) {
		ui_free(r.ui);
		r.ui = NULL;
	}
	int rc = 0;
	if (write_exports(&r, true, true) != 0)
		rc = 1;
	if (!stdout_taken && !use_tui) {
		struct export_meta m;
		meta_fill(&r, &m);
		export_table(stdout, r.st, &m);
	}
	if (live && (r.drops || r.ifdrops))
		fprintf(stderr,
			"iscsiwatch: %" PRIu64 " packets dropped by the kernel, "
			"%" PRIu64 " by the interface\n",
			r.drops, r.ifdrops);
	if (o.verbose)
		print_counters(r.ctr);
	/* A reader that went away (`--events - | head`) ends us quietly,
	 * as for every other stdout output. */
	if (r.events && events_close(r.events) != 0 &&
	    !(strcmp(o.events_path, "-") == 0 && errno == EPIPE)) {
		fprintf(stderr, "iscsiwatch: writing events to %s failed\n",
			o.events_path);
		rc = 1;
	}
	if (fflush(stdout) != 0 && errno != EPIPE) {
		fprintf(stderr, "iscsiwatch: writing output: %s\n",
			strerror(errno));
		rc = 1;
	}
	session_table_free(r.st);
	engine_free(r.eng);
	capture_free(r.cap);
	return rc;
}
