/* run.h - one run of iscsiwatch over parsed options (options.h). */
#ifndef ISCSIWATCH_CLI_RUN_H
#define ISCSIWATCH_CLI_RUN_H

#include "options.h"

/* Captures, writes every output, frees everything. Returns the exit
 * status: 0, or 1 when the capture or an output failed. */
int run_capture(const struct cli_opts *o);

#endif
