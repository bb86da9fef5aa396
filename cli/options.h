/* options.h - the iscsiwatch command line as one table.
 *
 * Every option is one row of cli_options[]: its names, its argument, its
 * help text and what it does to struct cli_opts. getopt's tables, --help,
 * and the checks of the man page and the bash completion
 * (tests/cap/install.sh) are all made from the rows, so an option cannot
 * exist without its documentation.
 *
 * Ownership: the strings in struct cli_opts point into argv, except
 * `filter` (malloc'd; cli_opts_free() frees it).
 */
#ifndef ISCSIWATCH_CLI_OPTIONS_H
#define ISCSIWATCH_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "session.h"

#define CLI_MAX_FILES 64
#define CLI_MAX_IFACES 16
#define CLI_MAX_PORTS 64
#define CLI_LIVE_SNAPLEN 262144 /* a whole 64 KiB TSO segment and headers */

struct cli_opts {
	const char *files[CLI_MAX_FILES];
	size_t nfiles;
	const char *ifaces[CLI_MAX_IFACES];
	size_t nifaces;
	uint16_t ports[CLI_MAX_PORTS];
	size_t nports;
	bool pdus;
	const char *json_path, *mof_path, *events_path, *html_path;
	enum perspective persp;
	int verbose;
	uint64_t buffer_mb, snaplen; /* 0: the capture's default */
	bool promisc;
	const char *user;
	uint64_t count;  /* 0: no limit */
	double duration; /* 0: no limit */
	int tui;         /* -1 auto, 0 off, 1 on */
	bool realtime;
	bool ignore_vlan; /* VLAN ids out of the flow key */
	bool wide; /* --wide: the table whole on a terminal too */
	char *filter;    /* the trailing BPF expression, or NULL */
	/* caps (0: the module's default) */
	uint64_t max_flows, flow_idle_s, ooo_stream, ooo_total, max_sessions;
	uint64_t text_cap;
	/* a sensor left running (cli/sensor.c) */
	const char *listen;        /* --listen [ADDR:]PORT */
	uint64_t export_every;     /* seconds; 0: exports at the end only */
	bool syslog;
	const char *syslog_socket; /* NULL: /dev/log */
	uint64_t keep_ended_s, keep_ended_max; /* retention */
};

struct cli_option;

/* Applies one option: 0; 1 when it printed what was asked and the run
 * ends there (--help); -1 after one line on stderr. arg is NULL for an
 * option that takes none. */
typedef int (*cli_apply_fn)(struct cli_opts *o, const struct cli_option *opt,
			    const char *arg);

struct cli_option {
	const char *name;    /* long name without "--"; NULL: none */
	char short_name;     /* 0: none */
	const char *arg;     /* the argument's name in the help; NULL: none */
	const char *help;    /* "\n" continues on the next help line */
	const char *heading; /* printed above this row in --help */
	cli_apply_fn apply;
	size_t field;        /* offsetof(struct cli_opts, ...) it sets */
	uint64_t min, max;   /* bounds of a number */
	uint64_t shown_default; /* appended to the help as " (N)"; 0: none */
	const char *takes;   /* for errors: "-B takes <takes>, not 'x'" */
};

extern const struct cli_option cli_options[];
extern const size_t cli_noptions;

enum cli_parse_result {
	CLI_RUN = 0,  /* o is filled: go on */
	CLI_DONE = 1, /* --help or --version was printed: exit 0 */
	CLI_USAGE = 2 /* bad use, one line said why: exit 2 */
};

void cli_opts_init(struct cli_opts *o);
void cli_opts_free(struct cli_opts *o);
enum cli_parse_result cli_parse(int argc, char **argv, struct cli_opts *o);

/* Whether any output goes to stdout (--pdus, or an export to "-"). */
bool cli_stdout_taken(const struct cli_opts *o);
/* Whether the run shows the curses UI (--tui, or live on a terminal). */
bool cli_wants_tui(const struct cli_opts *o);

/* The whole --help text. */
void cli_help(FILE *out);
/* One usage line and the --help hint, after a usage error. */
void cli_usage_hint(FILE *out);
/* "--json", or "-r" for an option with no long name. */
const char *cli_option_label(const struct cli_option *opt, char *buf,
			     size_t len);

#endif
