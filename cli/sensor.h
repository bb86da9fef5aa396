/* sensor.h - what a long-running sensor serves besides its files: the
 * HTTP endpoint (--listen: GET /metrics, GET /sessions), the metrics'
 * login-failure tally, and syslog (--syslog).
 *
 * Everything runs on the capture loop's thread: sensor_poll() is called
 * between packets and whenever the loop wakes from its wait (sensor_fd()
 * readable, sensor_timeout_ms() passed), so the handlers read the
 * session model while nothing changes it.
 *
 * Ownership: the sensor borrows the options and, after sensor_attach(),
 * the session table and the meta callback until sensor_close().
 */
#ifndef ISCSIWATCH_CLI_SENSOR_H
#define ISCSIWATCH_CLI_SENSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "export.h"
#include "options.h"
#include "session.h"

struct sensor;

/* Binds --listen and connects --syslog now (before -Z drops the
 * privileges a low port needs); --listen opens libmicrohttpd and
 * libxml2 (lazylib.h). *out is NULL when neither is asked. 0, or -1
 * with one line in err. */
int sensor_open(struct sensor **out, const struct cli_opts *o, char *err,
		size_t errlen);

/* What the routes serve: the table, and the export meta of the moment. */
void sensor_attach(struct sensor *sv, const struct session_table *st,
		   void (*meta)(const void *user, struct export_meta *m),
		   const void *user);

/* Every session event (the run's listener fans out to it). */
void sensor_event(struct sensor *sv, const struct session *s,
		  const struct sconn *c, const struct sess_event *ev);

/* Serves what is ready, waiting up to wait_ms (0: never blocks). */
void sensor_poll(struct sensor *sv, int wait_ms);

/* The descriptor the loop sleeps on for HTTP work (POLLIN), -1 when
 * not serving; and the longest it may sleep before sensor_poll() in ms,
 * -1 for no limit. */
int sensor_fd(const struct sensor *sv);
int sensor_timeout_ms(const struct sensor *sv);

/* True when --listen is serving (a finished -r run then waits for a
 * signal instead of exiting). */
bool sensor_serves(const struct sensor *sv);

/* Syslog messages that could not be sent. */
uint64_t sensor_syslog_errors(const struct sensor *sv);

/* sensor_close(NULL) does nothing. */
void sensor_close(struct sensor *sv);

#endif
