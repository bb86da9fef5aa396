/* options.c - the option table, getopt over it, and --help from it. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"
#include "iscsi.h"
#include "out_http.h"
#include "schema.h"
#include "session.h"
#include "tcp.h"
#include "text.h"
#include "version.h"

#define HELP_COLUMN 24 /* where the help text of a row starts */
#define HELP_WIDTH 79

#define FIELD(f) offsetof(struct cli_opts, f)

static void *field_ptr(struct cli_opts *o, const struct cli_option *opt)
{
	return (char *)o + opt->field;
}

static int say_takes(const struct cli_option *opt, const char *arg)
{
	char label[64];
	fprintf(stderr, "iscsiwatch: %s takes %s, not '%s'\n",
		cli_option_label(opt, label, sizeof(label)), opt->takes, arg);
	return -1;
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

/* A number in [min, max] into a uint64_t field. */
static int apply_u64(struct cli_opts *o, const struct cli_option *opt,
		     const char *arg)
{
	uint64_t v;
	if (parse_uint(arg, opt->max, &v) < 0 || v < opt->min)
		return say_takes(opt, arg);
	*(uint64_t *)field_ptr(o, opt) = v;
	return 0;
}

static int apply_string(struct cli_opts *o, const struct cli_option *opt,
			const char *arg)
{
	*(const char **)field_ptr(o, opt) = arg;
	return 0;
}

static int apply_true(struct cli_opts *o, const struct cli_option *opt,
		      const char *arg)
{
	(void)arg;
	*(bool *)field_ptr(o, opt) = true;
	return 0;
}

static int apply_false(struct cli_opts *o, const struct cli_option *opt,
		       const char *arg)
{
	(void)arg;
	*(bool *)field_ptr(o, opt) = false;
	return 0;
}

/* An int field set to the row's min (--tui 1, --no-tui 0). */
static int apply_int(struct cli_opts *o, const struct cli_option *opt,
		     const char *arg)
{
	(void)arg;
	*(int *)field_ptr(o, opt) = (int)opt->min;
	return 0;
}

static int apply_count(struct cli_opts *o, const struct cli_option *opt,
		       const char *arg)
{
	(void)arg;
	(*(int *)field_ptr(o, opt))++;
	return 0;
}

static int apply_file(struct cli_opts *o, const struct cli_option *opt,
		      const char *arg)
{
	(void)opt;
	if (o->nfiles >= CLI_MAX_FILES) {
		fprintf(stderr, "iscsiwatch: at most %d files\n",
			CLI_MAX_FILES);
		return -1;
	}
	o->files[o->nfiles++] = arg;
	return 0;
}

static int apply_iface(struct cli_opts *o, const struct cli_option *opt,
		       const char *arg)
{
	(void)opt;
	if (o->nifaces >= CLI_MAX_IFACES) {
		fprintf(stderr, "iscsiwatch: at most %d interfaces\n",
			CLI_MAX_IFACES);
		return -1;
	}
	o->ifaces[o->nifaces++] = arg;
	return 0;
}

static int apply_ports(struct cli_opts *o, const struct cli_option *opt,
		       const char *arg)
{
	const char *p = arg;
	for (;;) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(p, &end, 10);
		if (*p < '0' || *p > '9' || errno || (*end && *end != ',') ||
		    v == 0 || v > 65535 ||
		    o->nports >= CLI_MAX_PORTS)
			return say_takes(opt, arg);
		o->ports[o->nports++] = (uint16_t)v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

static int apply_seconds(struct cli_opts *o, const struct cli_option *opt,
			 const char *arg)
{
	char *end;
	errno = 0;
	double d = strtod(arg, &end);
	if (errno || *end || end == arg || !(d > 0) || !isfinite(d))
		return say_takes(opt, arg);
	*(double *)field_ptr(o, opt) = d;
	return 0;
}

static int apply_perspective(struct cli_opts *o, const struct cli_option *opt,
			     const char *arg)
{
	if (strcmp(arg, "target") == 0)
		o->persp = PERSP_TARGET;
	else if (strcmp(arg, "initiator") == 0)
		o->persp = PERSP_INITIATOR;
	else
		return say_takes(opt, arg);
	return 0;
}

/* The options that print something and end the parse (exit 0). */
static int apply_help(struct cli_opts *o, const struct cli_option *opt,
		      const char *arg)
{
	(void)o, (void)opt, (void)arg;
	cli_help(stdout);
	return 1;
}

static int apply_version(struct cli_opts *o, const struct cli_option *opt,
			 const char *arg)
{
	(void)o, (void)opt, (void)arg;
	printf("iscsiwatch %s\n", ISCSIWATCH_VERSION);
	return 1;
}

static int apply_mof_schema(struct cli_opts *o, const struct cli_option *opt,
			    const char *arg)
{
	(void)o, (void)opt, (void)arg;
	fwrite(schema_mof, 1, schema_mof_len, stdout);
	return 1;
}

/* --listen: checked now, so a bad address is a usage error (bound when
 * the run opens, before the capture). */
static int apply_listen(struct cli_opts *o, const struct cli_option *opt,
			const char *arg)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[256];
	if (http_parse_listen(arg, &ss, &sl, err, sizeof(err)) != 0) {
		fprintf(stderr, "iscsiwatch: %s\n", err);
		return -1;
	}
	o->listen = arg;
	(void)opt;
	return 0;
}

#define CAPS_HEADING "Caps (what happens at each: docs/robustness.md):"

/* The order here is the order of --help and of the man page. A new
 * option is one row (a field in struct cli_opts and an apply function if
 * no generic one fits), plus its entry in man/iscsiwatch.8 and
 * dist/iscsiwatch.bash: tests/cap/install.sh fails until both list it.
 * An option naming an output file also gets a row in outputs.c, so it is
 * checked at start. */
const struct cli_option cli_options[] = {
	{NULL, 'r', "FILE",
	 "read a pcap or pcapng file (repeatable: files are\n"
	 "merged in timestamp order)",
	 NULL, apply_file, 0, 0, 0, 0, NULL},
	{NULL, 'i', "IFACE",
	 "capture live on an interface (repeatable, e.g.\n"
	 "both directions of a tap)",
	 NULL, apply_iface, 0, 0, 0, 0, NULL},
	{NULL, 'p', "PORTS", "iSCSI target ports, comma-separated", NULL,
	 apply_ports, 0, 0, 0, ISCSI_DEFAULT_PORT,
	 "a comma-separated list of ports 1-65535 (e.g. 3260,3261)"},
	{"ignore-vlan", 0, NULL,
	 "leave VLAN ids out of the connection key (a tap\n"
	 "that puts each direction on its own VLAN)",
	 NULL, apply_true, FIELD(ignore_vlan), 0, 0, 0, NULL},
	{NULL, 'B', "MB", "kernel capture buffer in MiB (live)", NULL,
	 apply_u64, FIELD(buffer_mb), 1, 2047, 0, "a size in MiB (1-2047)"},
	{NULL, 's', "BYTES", "snap length of a live capture", NULL, apply_u64,
	 FIELD(snaplen), 128, 262144, CLI_LIVE_SNAPLEN, "128-262144 bytes"},
	{"no-promisc", 0, NULL,
	 "do not put the interface in promiscuous mode", NULL, apply_false,
	 FIELD(promisc), 0, 0, 0, NULL},
	{NULL, 'Z', "USER", "drop privileges to USER once the capture is open",
	 NULL, apply_string, FIELD(user), 0, 0, 0, NULL},
	{NULL, 'c', "COUNT", "stop after COUNT packets", NULL, apply_u64,
	 FIELD(count), 1, UINT64_MAX, 0, "a packet count"},
	{"duration", 0, "SECONDS", "stop after that long (capture time for -r)",
	 NULL, apply_seconds, FIELD(duration), 0, 0, 0, "seconds"},
	{"tui", 0, NULL,
	 "the curses session view (default when stdout is\n"
	 "a terminal and the capture is live)",
	 NULL, apply_int, FIELD(tui), 1, 0, 0, NULL},
	{"no-tui", 0, NULL, "print the session table at the end instead", NULL,
	 apply_int, FIELD(tui), 0, 0, 0, NULL},
	{"realtime", 0, NULL, "replay -r files at capture speed", NULL,
	 apply_true, FIELD(realtime), 0, 0, 0, NULL},
	{"pdus", 0, NULL, "print one line per iSCSI PDU on stdout", NULL,
	 apply_true, FIELD(pdus), 0, 0, 0, NULL},
	{"wide", 0, NULL,
	 "print the session table whole even on a terminal\n"
	 "(by default it fits the terminal's width)",
	 NULL, apply_true, FIELD(wide), 0, 0, 0, NULL},
	{"json", 0, "FILE", "write the sessions as JSON ('-' for stdout)", NULL,
	 apply_string, FIELD(json_path), 0, 0, 0, NULL},
	{"mof", 0, "FILE", "write the sessions as MOF instances", NULL,
	 apply_string, FIELD(mof_path), 0, 0, 0, NULL},
	{"mof-schema", 0, NULL, "print the CIM schema (MOF) of those instances",
	 NULL, apply_mof_schema, 0, 0, 0, 0, NULL},
	{"html", 0, "FILE",
	 "write a self-contained HTML report (table,\n"
	 "timeline, latency histograms)",
	 NULL, apply_string, FIELD(html_path), 0, 0, 0, NULL},
	{"events", 0, "FILE", "append one JSON line per change (NDJSON)", NULL,
	 apply_string, FIELD(events_path), 0, 0, 0, NULL},
	{"export-every", 0, "SECONDS",
	 "rewrite the --json and --mof files every SECONDS\n"
	 "while capturing (atomically)",
	 NULL, apply_u64, FIELD(export_every), 1, 86400, 0,
	 "a number of seconds from 1 to 86400"},
	{"listen", 0, "[ADDR:]PORT",
	 "serve GET /metrics (Prometheus), GET /sessions\n"
	 "(the --json document), both gzip'd for a client\n"
	 "that accepts it, and POST /cimom (CIM-XML) over\n"
	 "HTTP; ADDR defaults to 127.0.0.1, port 0 takes a\n"
	 "free one",
	 NULL, apply_listen, 0, 0, 0, 0, NULL},
	{"syslog", 0, NULL,
	 "send login failures, lost and degraded sessions\n"
	 "to syslog (RFC 5424 with structured data)",
	 NULL, apply_true, FIELD(syslog), 0, 0, 0, NULL},
	{"syslog-socket", 0, "PATH", "the syslog socket (default /dev/log)",
	 NULL, apply_string, FIELD(syslog_socket), 0, 0, 0, NULL},
	{"perspective", 0, "target|initiator",
	 "whose view the CIM instances take (default target)", NULL,
	 apply_perspective, 0, 0, 0, 0, "target or initiator"},
	{"verbose", 'v', NULL, "print the counters on stderr at the end", NULL,
	 apply_count, FIELD(verbose), 0, 0, 0, NULL},
	{"max-flows", 0, "N", "TCP connections tracked", CAPS_HEADING,
	 apply_u64, FIELD(max_flows), 1, 1u << 24, FLOW_MAX_DEFAULT,
	 "a number from 1 to 16777216"},
	{"flow-idle", 0, "S", "a silent connection ends after S seconds", NULL,
	 apply_u64, FIELD(flow_idle_s), 1, 86400,
	 FLOW_IDLE_NS_DEFAULT / 1000000000ull, "a number from 1 to 86400"},
	{"ooo-cap-stream", 0, "B", "out-of-order bytes held per direction",
	 NULL, apply_u64, FIELD(ooo_stream), 1, 1ull << 32,
	 TCP_OOO_CAP_STREAM_DEFAULT, "a number from 1 to 4294967296"},
	{"ooo-cap-total", 0, "B", "out-of-order bytes held in all", NULL,
	 apply_u64, FIELD(ooo_total), 1, 1ull << 40, TCP_OOO_CAP_TOTAL_DEFAULT,
	 "a number from 1 to 1099511627776"},
	{"max-sessions", 0, "N", "sessions tracked", NULL, apply_u64,
	 FIELD(max_sessions), 1, 1u << 24, SESSION_MAX_DEFAULT,
	 "a number from 1 to 16777216"},
	{"text-cap", 0, "B", "login/text bytes per direction", NULL, apply_u64,
	 FIELD(text_cap), 1, 1u << 24, TEXT_CAP_DEFAULT,
	 "a number from 1 to 16777216"},
	{"keep-ended", 0, "S",
	 "ended sessions kept S seconds, then folded\n"
	 "into per-pair summaries",
	 NULL, apply_u64, FIELD(keep_ended_s), 1, 366u * 86400,
	 SESSION_KEEP_ENDED_S_DEFAULT, "a number from 1 to 31622400"},
	{"keep-ended-max", 0, "N", "ended sessions kept at most", NULL,
	 apply_u64, FIELD(keep_ended_max), 1, 1u << 24,
	 SESSION_KEEP_ENDED_MAX_DEFAULT, "a number from 1 to 16777216"},
	{"help", 'h', NULL, "this help", "", apply_help, 0, 0, 0, 0, NULL},
	{"version", 0, NULL, "print the version", NULL, apply_version, 0, 0, 0,
	 0, NULL},
};
const size_t cli_noptions = sizeof(cli_options) / sizeof(cli_options[0]);

const char *cli_option_label(const struct cli_option *opt, char *buf,
			     size_t len)
{
	if (opt->name)
		snprintf(buf, len, "--%s", opt->name);
	else
		snprintf(buf, len, "-%c", opt->short_name);
	return buf;
}

static void help_row(FILE *out, const struct cli_option *opt)
{
	char label[80];
	int n;
	if (opt->short_name && opt->name && !opt->arg)
		n = snprintf(label, sizeof(label), "-%c, --%s",
			     opt->short_name, opt->name);
	else if (opt->short_name)
		n = snprintf(label, sizeof(label), "-%c%s%s", opt->short_name,
			     opt->arg ? " " : "", opt->arg ? opt->arg : "");
	else
		n = snprintf(label, sizeof(label), "    --%s%s%s", opt->name,
			     opt->arg ? " " : "", opt->arg ? opt->arg : "");
	/* A label too long for its column gets a line of its own. */
	int width = HELP_COLUMN - 2;
	if (n + 2 > width)
		fprintf(out, "  %s\n%*s", label, HELP_COLUMN, "");
	else
		fprintf(out, "  %-*s", width, label);
	for (const char *p = opt->help; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(out, "%.*s", (int)len, p);
		if (!nl)
			break;
		fprintf(out, "\n%*s", HELP_COLUMN, "");
		p = nl + 1;
	}
	if (opt->shown_default)
		fprintf(out, " (default %llu)",
			(unsigned long long)opt->shown_default);
	fputc('\n', out);
}

void cli_help(FILE *out)
{
	fprintf(out,
		"usage: iscsiwatch -r FILE [-r FILE...] [options] [BPF filter]\n"
		"       iscsiwatch -i IFACE [-i IFACE...] [options] [BPF filter]\n"
		"\n"
		"Rebuilds iSCSI sessions (CIM_iSCSISession) from captured traffic.\n"
		"\n");
	for (size_t i = 0; i < cli_noptions; i++) {
		const struct cli_option *opt = &cli_options[i];
		if (opt->heading)
			fprintf(out, "\n%s%s", opt->heading,
				*opt->heading ? "\n" : "");
		help_row(out, opt);
	}
	fprintf(out,
		"\n"
		"A trailing BPF expression (as for tcpdump) selects packets; a live\n"
		"capture without one takes the iSCSI ports (tcp port %u).\n"
		"SIGINT/SIGTERM stop and write every export; SIGHUP writes the\n"
		"exports now and carries on. Exit status: 0 done, 1 a capture or\n"
		"output failed, 2 bad use. More: man iscsiwatch.\n",
		ISCSI_DEFAULT_PORT);
}

void cli_usage_hint(FILE *out)
{
	fprintf(out, "usage: iscsiwatch -r FILE | -i IFACE [options] "
		     "[BPF filter]\n"
		     "Try 'iscsiwatch --help' for more.\n");
}

void cli_opts_init(struct cli_opts *o)
{
	*o = (struct cli_opts){.persp = PERSP_TARGET, .promisc = true,
			       .tui = -1};
}

void cli_opts_free(struct cli_opts *o)
{
	free(o->filter);
	o->filter = NULL;
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

/* getopt's tables from the rows: a long option's val is 256 + its row. */
#define CLI_LONG_BASE 256
#define CLI_MAX_OPTIONS 64

static const struct cli_option *row_of(int ch)
{
	if (ch >= CLI_LONG_BASE && (size_t)(ch - CLI_LONG_BASE) < cli_noptions)
		return &cli_options[ch - CLI_LONG_BASE];
	for (size_t i = 0; i < cli_noptions; i++)
		if (cli_options[i].short_name && cli_options[i].short_name == ch)
			return &cli_options[i];
	return NULL;
}

static void build_getopt(struct option *longopts, char *shortopts)
{
	size_t nl = 0, ns = 0;
	shortopts[ns++] = '+'; /* options end at the BPF expression */
	shortopts[ns++] = ':'; /* a missing argument is told apart */
	for (size_t i = 0; i < cli_noptions; i++) {
		const struct cli_option *opt = &cli_options[i];
		if (opt->name)
			longopts[nl++] = (struct option){
				opt->name, opt->arg ? required_argument
						    : no_argument,
				NULL, CLI_LONG_BASE + (int)i};
		if (opt->short_name) {
			shortopts[ns++] = opt->short_name;
			if (opt->arg)
				shortopts[ns++] = ':';
		}
	}
	longopts[nl] = (struct option){NULL, 0, NULL, 0};
	shortopts[ns] = '\0';
}

/* getopt leaves optopt: the row's val or the short letter, 0 for an
 * unknown long option (then optind has passed it). */
static enum cli_parse_result bad_option(int ch, char **argv)
{
	const struct cli_option *opt = optopt ? row_of(optopt) : NULL;
	char label[64];
	if (opt)
		cli_option_label(opt, label, sizeof(label));
	if (ch == ':' && opt)
		fprintf(stderr, "iscsiwatch: %s needs an argument\n", label);
	else if (opt)
		fprintf(stderr, "iscsiwatch: %s takes no argument\n", label);
	else if (optopt)
		fprintf(stderr, "iscsiwatch: unknown option '-%c'\n", optopt);
	else
		fprintf(stderr, "iscsiwatch: unknown option '%s'\n",
			argv[optind - 1]);
	cli_usage_hint(stderr);
	return CLI_USAGE;
}

/* What no single row can say: the combinations. */
static enum cli_parse_result check_combinations(const struct cli_opts *o)
{
	if (o->nfiles == 0 && o->nifaces == 0) {
		fprintf(stderr,
			"iscsiwatch: nothing to read (use -r FILE or -i IFACE)\n");
		cli_usage_hint(stderr);
		return CLI_USAGE;
	}
	if (o->nfiles && o->nifaces) {
		fprintf(stderr,
			"iscsiwatch: -r and -i cannot be mixed: read files or "
			"capture live\n");
		return CLI_USAGE;
	}
	if (o->realtime && o->nifaces) {
		fprintf(stderr, "iscsiwatch: --realtime is for -r files\n");
		return CLI_USAGE;
	}
	if (o->export_every && !o->json_path && !o->mof_path) {
		fprintf(stderr,
			"iscsiwatch: --export-every rewrites --json/--mof "
			"files: give one\n");
		return CLI_USAGE;
	}
	if (o->syslog_socket && !o->syslog) {
		fprintf(stderr, "iscsiwatch: --syslog-socket is for --syslog\n");
		return CLI_USAGE;
	}
	return CLI_RUN;
}

enum cli_parse_result cli_parse(int argc, char **argv, struct cli_opts *o)
{
	static struct option longopts[CLI_MAX_OPTIONS + 1];
	static char shortopts[2 + 2 * CLI_MAX_OPTIONS + 1];
	_Static_assert(sizeof(cli_options) / sizeof(cli_options[0]) <=
			       CLI_MAX_OPTIONS,
		       "raise CLI_MAX_OPTIONS");
	build_getopt(longopts, shortopts);
	opterr = 0; /* our messages, with our name, not argv[0]'s */
	optind = 0; /* glibc: start afresh (the tests parse many times) */
	int ch;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cli_option *opt = row_of(ch);
		if (ch == '?' || ch == ':' || !opt)
			return bad_option(ch, argv);
		int rc = opt->apply(o, opt, opt->arg ? optarg : NULL);
		if (rc > 0)
			return CLI_DONE;
		if (rc < 0)
			return CLI_USAGE;
	}
	enum cli_parse_result rc = check_combinations(o);
	if (rc != CLI_RUN)
		return rc;
	if (optind < argc) {
		o->filter = join_args(argc - optind, argv + optind);
		if (!o->filter) {
			fprintf(stderr, "iscsiwatch: out of memory\n");
			return CLI_USAGE;
		}
	}
	return CLI_RUN;
}

static bool is_stdout(const char *path)
{
	return path && strcmp(path, "-") == 0;
}

bool cli_stdout_taken(const struct cli_opts *o)
{
	return o->pdus || is_stdout(o->json_path) || is_stdout(o->mof_path) ||
	       is_stdout(o->html_path) || is_stdout(o->events_path);
}

bool cli_wants_tui(const struct cli_opts *o)
{
	return o->tui == 1 ||
	       (o->tui == -1 && o->nifaces > 0 && !cli_stdout_taken(o) &&
		isatty(STDOUT_FILENO) && isatty(STDIN_FILENO));
}
