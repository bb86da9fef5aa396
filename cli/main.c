/* main.c - iscsiwatch: the command line (options.c), then the run
 * (run.c). Exit status: 0 done, 1 the capture or an output failed,
 * 2 bad use. */
#include "options.h"
#include "outputs.h"
#include "run.h"

int main(int argc, char **argv)
{
	struct cli_opts o;
	cli_opts_init(&o);
	enum cli_parse_result pr = cli_parse(argc, argv, &o);
	if (pr == CLI_RUN)
		pr = outputs_check(&o);
	int rc = pr == CLI_DONE ? 0 : 2;
	if (pr == CLI_RUN)
		rc = run_capture(&o);
	cli_opts_free(&o);
	return rc;
}
