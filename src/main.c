/* main.c - the iscsiwatch command line. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "counters.h"
#include "engine.h"
#include "export.h"
#include "pdu_print.h"
#include "session.h"
#include "track.h"
#include "version.h"

#define MAX_FILES 64
#define MAX_PORTS 64

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iscsiwatch -r FILE [-r FILE...] [options] [BPF filter]\n"
		"\n"
		"Rebuilds iSCSI sessions (CIM_iSCSISession) from captured traffic.\n"
		"\n"
		"  -r FILE          read a pcap or pcapng file (repeatable: files are\n"
		"                   merged in timestamp order)\n"
		"  -p PORTS         iSCSI target ports, comma-separated (default 3260)\n"
		"      --pdus       print one line per iSCSI PDU on stdout\n"
		"      --json FILE  write the sessions as JSON ('-' for stdout)\n"
		"      --mof FILE   write the sessions as MOF instances\n"
		"      --events FILE  append one JSON line per change (NDJSON)\n"
		"      --perspective target|initiator\n"
		"                   whose view the CIM instances take (default target)\n"
		"  -v, --verbose    print the counters on stderr at the end\n"
		"  -h, --help       this help\n"
		"      --version    print the version\n"
		"\n"
		"A trailing BPF expression (as for tcpdump) selects packets.\n");
}

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

static void print_counters(struct counters *c)
{
	for (int i = 0; i < CTR_MAX; i++)
		fprintf(stderr, "%12" PRIu64 "  %s\n", c->v[i],
			counter_text((enum counter_id)i));
}

int main(int argc, char **argv)
{
	enum { OPT_PDUS = 256, OPT_VERSION, OPT_JSON, OPT_MOF, OPT_EVENTS,
	       OPT_PERSPECTIVE };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"pdus", no_argument, NULL, OPT_PDUS},
		{"verbose", no_argument, NULL, 'v'},
		{"json", required_argument, NULL, OPT_JSON},
		{"mof", required_argument, NULL, OPT_MOF},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"perspective", required_argument, NULL, OPT_PERSPECTIVE},
		{NULL, 0, NULL, 0},
	};
	const char *files[MAX_FILES];
	size_t nfiles = 0;
	uint16_t ports[MAX_PORTS];
	size_t nports = 0;
	bool pdus = false;
	const char *json_path = NULL, *mof_path = NULL, *events_path = NULL;
	enum perspective persp = PERSP_TARGET;
	int verbose = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "+r:p:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (nfiles >= MAX_FILES) {
				fprintf(stderr, "iscsiwatch: at most %d files\n",
					MAX_FILES);
				return 2;
			}
			files[nfiles++] = optarg;
			break;
		case 'p':
			if (parse_ports(optarg, ports, &nports) < 0) {
				fprintf(stderr,
					"iscsiwatch: bad port list '%s' (want e.g. 3260,3261)\n",
					optarg);
				return 2;
			}
			break;
		case OPT_PDUS:
			pdus = true;
			break;
		case OPT_JSON:
			json_path = optarg;
			break;
		case OPT_MOF:
			mof_path = optarg;
			break;
		case OPT_EVENTS:
			events_path = optarg;
			break;
		case OPT_PERSPECTIVE:
			if (strcmp(optarg, "target") == 0) {
				persp = PERSP_TARGET;
			} else if (strcmp(optarg, "initiator") == 0) {
				persp = PERSP_INITIATOR;
			} else {
				fprintf(stderr,
					"iscsiwatch: --perspective takes target or initiator, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("iscsiwatch %s\n", ISCSIWATCH_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (nfiles == 0) {
		fprintf(stderr, "iscsiwatch: nothing to read (use -r FILE)\n");
		usage(stderr);
		return 2;
	}
	char *filter = optind < argc ? join_args(argc - optind, argv + optind)
				     : NULL;

	/* A closed stdout (| head) ends us quietly rather than by signal. */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {0};
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char err[CAPTURE_ERRLEN];
	struct capture *cap =
		capture_open_files(files, nfiles, filter, err, sizeof(err));
	free(filter);
	if (!cap) {
		fprintf(stderr, "iscsiwatch: %s\n", err);
		return 1;
	}
	struct engine_opts eo;
	engine_opts_default(&eo);
	eo.ports = ports;
	eo.nports = nports;
	struct engine *eng = engine_new(&eo);
	struct counters *ctr = eng ? engine_counters(eng) : NULL;
	struct session_table *st =
		eng ? session_table_new(SESSION_MAX_DEFAULT, ctr) : NULL;
	if (!st) {
		fprintf(stderr, "iscsiwatch: out of memory\n");
		engine_free(eng);
		capture_free(cap);
		return 1;
	}
	struct events_sink *events = NULL;
	if (events_path) {
		char eerr[EXPORT_ERR_MAX];
		events = events_open(events_path, persp, eerr, sizeof(eerr));
		if (!events) {
			fprintf(stderr, "iscsiwatch: %s\n", eerr);
			session_table_free(st);
			engine_free(eng);
			capture_free(cap);
			return 1;
		}
		session_table_listen(st, events_listener(events));
	}
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct engine_sink ts = track_sink(st);
	engine_add_sink(eng, &ts);
	if (pdus) {
		struct engine_sink s = pdu_print_sink(stdout);
		engine_add_sink(eng, &s);
	}

	int rc = 0;
	struct packet pkt;
	uint64_t first_ns = 0, last_ns = 0, last_tick = 0;
	while (!stop_requested) {
		int r = capture_next(cap, &pkt, err, sizeof(err));
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "iscsiwatch: warning: %s\n", err);
			continue;
		}
		if (!first_ns)
			first_ns = pkt.ts_ns;
		if (pkt.ts_ns > last_ns)
			last_ns = pkt.ts_ns;
		engine_packet(eng, &pkt);
		/* Time-driven session states move once a capture second. */
		if (last_ns - last_tick >= 1000000000ull) {
			session_table_tick(st, last_ns);
			last_tick = last_ns;
		}
		if (pdus && ferror(stdout))
			break;
	}
	engine_finish(eng);
	session_table_tick(st, last_ns);

	const char *sources[MAX_FILES];
	for (size_t i = 0; i < nfiles; i++)
		sources[i] = files[i];
	struct export_meta meta = {
		.version = ISCSIWATCH_VERSION,
		.perspective = persp,
		.sources = sources,
		.nsources = nfiles,
		.counters = ctr,
		.first_ns = first_ns,
		.last_ns = last_ns,
	};
	char xerr[EXPORT_ERR_MAX];
	if (json_path && export_json(json_path, st, &meta, xerr, sizeof(xerr))) {
		fprintf(stderr, "iscsiwatch: %s\n", xerr);
		rc = 1;
	}
	if (mof_path && export_mof(mof_path, st, &meta, xerr, sizeof(xerr))) {
		fprintf(stderr, "iscsiwatch: %s\n", xerr);
		rc = 1;
	}
	bool stdout_taken = pdus || (json_path && strcmp(json_path, "-") == 0) ||
			    (mof_path && strcmp(mof_path, "-") == 0) ||
			    (events_path && strcmp(events_path, "-") == 0);
	if (!stdout_taken)
		export_table(stdout, st, &meta);
	if (verbose)
		print_counters(ctr);
	if (events && events_close(events) != 0) {
		fprintf(stderr, "iscsiwatch: writing events to %s failed\n",
			events_path);
		rc = 1;
	}
	if (fflush(stdout) != 0 && errno != EPIPE) {
		fprintf(stderr, "iscsiwatch: writing output: %s\n",
			strerror(errno));
		rc = 1;
	}
	session_table_free(st);
	engine_free(eng);
	capture_free(cap);
	return rc;
}
