/* outputs.h - the outputs of a run, checked before the capture starts,
 * and the privilege drop (-Z) they are checked under. */
#ifndef ISCSIWATCH_CLI_OUTPUTS_H
#define ISCSIWATCH_CLI_OUTPUTS_H

#include <stddef.h>

#include "options.h"

/* Every output path writable (as -Z USER when given), no two outputs to
 * one file, at most one on stdout, none there with the UI: CLI_RUN, or
 * CLI_USAGE after one line on stderr. */
enum cli_parse_result outputs_check(const struct cli_opts *o);

/* initgroups, setgid, setuid to user: 0, or -1 with why in err. */
int cli_drop_privileges(const char *user, char *err, size_t len);

#endif
