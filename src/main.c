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
#include "pdu_print.h"
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
	enum { OPT_PDUS = 256, OPT_VERSION };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"pdus", no_argument, NULL, OPT_PDUS},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const char *files[MAX_FILES];
	size_t nfiles = 0;
	uint16_t ports[MAX_PORTS];
	size_t nports = 0;
	bool pdus = false;
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
	if (!eng) {
		fprintf(stderr, "iscsiwatch: out of memory\n");
		capture_free(cap);
		return 1;
	}
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (pdus) {
		struct engine_sink s = pdu_print_sink(stdout);
		engine_add_sink(eng, &s);
	}

	int rc = 0;
	struct packet pkt;
	while (!stop_requested) {
		int r = capture_next(cap, &pkt, err, sizeof(err));
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "iscsiwatch: warning: %s\n", err);
			continue;
		}
		engine_packet(eng, &pkt);
		if (ferror(stdout))
			break;
	}
	engine_finish(eng);
	struct counters *ctr = engine_counters(eng);
	if (!pdus)
		printf("%" PRIu64 " iSCSI PDUs on %" PRIu64 " TCP connections\n",
		       ctr->v[CTR_PDUS], ctr->v[CTR_FLOWS_CREATED]);
	if (verbose)
		print_counters(ctr);
	if (fflush(stdout) != 0 && errno != EPIPE) {
		fprintf(stderr, "iscsiwatch: writing output: %s\n",
			strerror(errno));
		rc = 1;
	}
	engine_free(eng);
	capture_free(cap);
	return rc;
}
