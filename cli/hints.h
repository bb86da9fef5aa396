/* hints.h - why a run found nothing, said in one line.
 *
 * A capture that yields no session while packets were set aside (a link
 * type not decoded, fragments, tunnels, a full flow table) is almost
 * always a capture problem, not an absence of iSCSI: the line names the
 * biggest such count and what to do about it.
 */
#ifndef ISCSIWATCH_CLI_HINTS_H
#define ISCSIWATCH_CLI_HINTS_H

#include <stddef.h>

#include "counters.h"

/* Writes the line (without "iscsiwatch: " and newline) into buf and
 * returns 1, or returns 0 when no packet was set aside. */
int hint_no_sessions(const struct counters *c, char *buf, size_t len);

#endif
