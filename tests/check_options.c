/* The command line: the option table's rows and the parse over them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/options.h"
#include "check_suites.h"

#define MAX_ARGS 32

/* Parses a NULL-terminated argument list (after the program name). */
static enum cli_parse_result parse(struct cli_opts *o, const char *const *args)
{
	static char *argv[MAX_ARGS + 2];
	static char store[MAX_ARGS][128];
	int argc = 0;
	argv[argc++] = store[0];
	strcpy(store[0], "build/iscsiwatch");
	for (size_t i = 0; args[i]; i++) {
		ck_assert_uint_lt(i + 1, MAX_ARGS);
		snprintf(store[i + 1], sizeof(store[i + 1]), "%s", args[i]);
		argv[argc++] = store[i + 1];
	}
	argv[argc] = NULL;
	cli_opts_init(o);
	return cli_parse(argc, argv, o);
}

static const struct {
	const char *args[8];
	enum cli_parse_result want;
} vectors[] = {
	{{"-r", "a.pcap", NULL}, CLI_RUN},
	{{"-i", "lo", "-i", "eth0", "-Z", "nobody", NULL}, CLI_RUN},
	{{"-r", "a", "-i", "lo", NULL}, CLI_USAGE},
	{{"-i", "lo", "--realtime", NULL}, CLI_USAGE},
	{{"--json", "x.json", NULL}, CLI_USAGE},      /* nothing to read */
	{{"-r", "a", "--nosuch", NULL}, CLI_USAGE},
	{{"-r", "a", "-q", NULL}, CLI_USAGE},
	{{"-r", "a", "--tui=1", NULL}, CLI_USAGE},
	{{"-r", "a", "--json", NULL}, CLI_USAGE},
	{{"-r", "a", "-p", "0", NULL}, CLI_USAGE},
	{{"-r", "a", "-p", "65536", NULL}, CLI_USAGE},
	{{"-r", "a", "-p", "3260,", NULL}, CLI_USAGE},
	{{"-r", "a", "-p", " 3260", NULL}, CLI_USAGE},
	{{"-r", "a", "-B", "0", NULL}, CLI_USAGE},
	{{"-r", "a", "-B", "2048", NULL}, CLI_USAGE},
	{{"-r", "a", "-s", "127", NULL}, CLI_USAGE},
	{{"-r", "a", "-c", "-1", NULL}, CLI_USAGE},
	{{"-r", "a", "--duration", "inf", NULL}, CLI_USAGE},
	{{"-r", "a", "--duration", "0", NULL}, CLI_USAGE},
	{{"-r", "a", "--max-flows", "16777217", NULL}, CLI_USAGE},
	{{"-r", "a", "--max-flows", "16777216", NULL}, CLI_RUN},
	{{"-r", "a", "--text-cap", "0", NULL}, CLI_USAGE},
	{{"-r", "a", "--perspective", "both", NULL}, CLI_USAGE},
	{{"-r", "a", "--listen", "9464", NULL}, CLI_RUN},
	{{"-r", "a", "--listen", "[::1]:0", NULL}, CLI_RUN},
	{{"-r", "a", "--listen", "65536", NULL}, CLI_USAGE},
	{{"-r", "a", "--listen", "host.example:80", NULL}, CLI_USAGE},
	{{"-r", "a", "--json", "x", "--export-every", "1", NULL}, CLI_RUN},
	{{"-r", "a", "--export-every", "1", NULL}, CLI_USAGE}, /* no file */
	{{"-r", "a", "--json", "x", "--export-every", "0", NULL}, CLI_USAGE},
	{{"-r", "a", "--syslog", "--syslog-socket", "/s", NULL}, CLI_RUN},
	{{"-r", "a", "--syslog-socket", "/s", NULL}, CLI_USAGE},
	{{"--version", NULL}, CLI_DONE},
};

START_TEST(test_vectors)
{
	struct cli_opts o;
	enum cli_parse_result got = parse(&o, vectors[_i].args);
	ck_assert_int_eq(got, vectors[_i].want);
	cli_opts_free(&o);
}
END_TEST

START_TEST(test_values)
{
	struct cli_opts o;
	const char *args[] = {"-r", "a", "-r", "b", "-p", "3260,3261",
			      "-p", "860", "-v", "-v", "--no-promisc",
			      "--perspective", "initiator", "--no-tui",
			      "--max-sessions", "9", "--duration", "1.5",
			      "--json", "-", "tcp", "port", "3260", NULL};
	ck_assert_int_eq(parse(&o, args), CLI_RUN);
	ck_assert_uint_eq(o.nfiles, 2);
	ck_assert_str_eq(o.files[1], "b");
	ck_assert_uint_eq(o.nports, 3);
	ck_assert_uint_eq(o.ports[1], 3261);
	ck_assert_uint_eq(o.ports[2], 860);
	ck_assert_int_eq(o.verbose, 2);
	ck_assert(!o.promisc);
	ck_assert_int_eq(o.persp, PERSP_INITIATOR);
	ck_assert_int_eq(o.tui, 0);
	ck_assert_uint_eq(o.max_sessions, 9);
	ck_assert(o.duration == 1.5);
	ck_assert_str_eq(o.json_path, "-");
	ck_assert(cli_stdout_taken(&o));
	ck_assert_str_eq(o.filter, "tcp port 3260");
	cli_opts_free(&o);
}
END_TEST

/* Every row is complete, unique, and in --help. */
START_TEST(test_table)
{
	char *help = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&help, &len);
	ck_assert_ptr_nonnull(fp);
	cli_help(fp);
	fclose(fp);
	for (size_t i = 0; i < cli_noptions; i++) {
		const struct cli_option *a = &cli_options[i];
		ck_assert(a->name || a->short_name);
		ck_assert_ptr_nonnull(a->help);
		ck_assert_ptr_nonnull(a->apply);
		for (size_t j = i + 1; j < cli_noptions; j++) {
			const struct cli_option *b = &cli_options[j];
			ck_assert(!a->short_name ||
				  a->short_name != b->short_name);
			ck_assert(!a->name || !b->name ||
				  strcmp(a->name, b->name) != 0);
		}
		char label[64];
		cli_option_label(a, label, sizeof(label));
		ck_assert_msg(strstr(help, label), "%s not in --help", label);
		ck_assert_msg(strstr(help, a->help) ||
				      strchr(a->help, '\n'),
			      "%s: help text not shown", label);
	}
	free(help);
}
END_TEST

Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_vectors, 0,
			    (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);
	return s;
}
