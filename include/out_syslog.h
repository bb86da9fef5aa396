/* out_syslog.h - login failures, lost sessions and degraded sessions to
 * syslog as RFC 5424 messages with structured data:
 *
 *   <28>1 2026-11-24T05:43:39.895183Z host iscsiwatch 4242 login_failed
 *   [iscsiwatch@32473 initiator="iqn..." target="iqn..." isid="8066623b0000"
 *   initiator_address="127.0.0.1" initiator_port="49368"
 *   target_address="127.0.0.1" target_port="3260" seq="2"]
 *   target not found (0x0203)
 *
 * Facility daemon; severity warning (err for a lost session). The time is
 * the event's capture time. SD-ID iscsiwatch@32473: 32473 is the private
 * enterprise number RFC 5612 reserves for examples and documentation.
 *
 * Sent as one datagram per message to a local syslog socket (default
 * /dev/log), never blocking: a syslog daemon that is gone or full costs
 * a counted error, never the capture. The socket is reconnected when a
 * send finds it gone (the daemon restarted).
 */
#ifndef ISCSIWATCH_OUT_SYSLOG_H
#define ISCSIWATCH_OUT_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define SYSLOG_DEFAULT_SOCKET "/dev/log"
#define SYSLOG_MSG_MAX 2048u /* bytes per message; longer ones are cut */

struct syslog_sink;

/* Connects to socket_path (NULL: SYSLOG_DEFAULT_SOCKET) now, so a
 * missing syslog daemon is told at start. NULL with a message in err. */
struct syslog_sink *syslog_open(const char *socket_path, char *err,
				size_t errlen);
const struct session_listener *syslog_listener(struct syslog_sink *sk);
/* Messages that could not be sent. */
uint64_t syslog_errors(const struct syslog_sink *sk);
/* syslog_close(NULL) does nothing. */
void syslog_close(struct syslog_sink *sk);

/* The message of one event (without sending it) into buf; returns its
 * length. For tests. */
size_t syslog_format(const struct session *s, const struct sconn *c,
		     const struct sess_event *ev, const char *host, long pid,
		     char *buf, size_t len);

#endif
