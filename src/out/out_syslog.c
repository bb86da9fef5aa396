/* out_syslog.c - RFC 5424 messages with structured data on a local
 * syslog socket (out_syslog.h).
 */
#include "out_syslog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cim.h"
#include "event_who.h"
#include "textsafe.h"

#define SD_ID "iscsiwatch@32473"
#define FAC_DAEMON 3
#define SEV_ERR 3
#define SEV_WARNING 4

struct syslog_sink {
	int fd;
	struct sockaddr_un sa;
	char host[256];
	long pid;
	uint64_t errors;
	struct session_listener listener;
};

/* The events a syslog reader acts on, and how bad each is. */
static int event_severity(const char *kind)
{
	static const struct {
		const char *kind;
		int sev;
	} k[] = {
	    {"login_failed", SEV_WARNING},
	    {"connection_login_failed", SEV_WARNING},
	    {"session_lost", SEV_ERR},
	    {"session_degraded", SEV_WARNING},
	};
	for (size_t i = 0; kind && i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(kind, k[i].kind) == 0)
			return k[i].sev;
	return -1;
}

/* RFC 5424 §6.3.3: a PARAM-VALUE is UTF-8 with '"', '\' and ']'
 * escaped by a backslash. */
static void put_param(struct ts_buf *o, const char *name, const char *v)
{
	if (!v || !v[0])
		return;
	char esc[3 * 1024 + 4];
	ts_escape(TS_SYSLOG, v, strnlen(v, 1024), esc, sizeof(esc));
	ts_buf_puts(o, " ");
	ts_buf_puts(o, name);
	ts_buf_puts(o, "=\"");
	ts_buf_puts(o, esc);
	ts_buf_puts(o, "\"");
}

static void put_num(struct ts_buf *o, const char *name, long v)
{
	if (v < 0)
		return;
	char b[24];
	snprintf(b, sizeof(b), "%ld", v);
	put_param(o, name, b);
}

/* HOSTNAME, APP-NAME, MSGID: printable US-ASCII without spaces
 * (§6.2), "-" when empty. */
static void put_token(struct ts_buf *o, const char *s, size_t max)
{
	size_t k = 0;
	for (; s && s[k] && k < max; k++) {
		char ch = s[k] > 32 && s[k] < 127 ? s[k] : '_';
		ts_buf_put(o, &ch, 1);
	}
	if (!k)
		ts_buf_puts(o, "-");
}

size_t syslog_format(const struct session *s, const struct sconn *c,
		     const struct sess_event *ev, const char *host, long pid,
		     char *buf, size_t len)
{
	struct ts_buf o;
	ts_buf_init(&o, buf, len);
	int sev = event_severity(ev->kind);
	if (sev < 0)
		sev = SEV_WARNING;
	char t[CIM_TIME_BUF], pri[16];
	snprintf(pri, sizeof(pri), "<%d>1 ", FAC_DAEMON * 8 + sev);
	ts_buf_puts(&o, pri);
	ts_buf_puts(&o, cim_time_rfc3339(ev->ts_ns, t, sizeof(t)));
	ts_buf_puts(&o, " ");
	put_token(&o, host, 255);
	ts_buf_puts(&o, " iscsiwatch ");
	char p[24];
	snprintf(p, sizeof(p), "%ld ", pid);
	ts_buf_puts(&o, p);
	put_token(&o, ev->kind, 32);
	struct event_who w;
	event_who_fill(s, c, &w);
	ts_buf_puts(&o, " [" SD_ID);
	put_param(&o, "initiator", w.initiator);
	put_param(&o, "target", w.target);
	put_param(&o, "isid", w.isid);
	put_num(&o, "tsih", w.tsih);
	put_param(&o, "initiator_address", w.initiator_addr);
	put_num(&o, "initiator_port", w.initiator_port);
	put_param(&o, "target_address", w.target_addr);
	put_num(&o, "target_port", w.target_port);
	put_num(&o, "seq", (long)s->seq);
	if (c && c->cid_known)
		put_num(&o, "cid", c->cid);
	ts_buf_puts(&o, "] ");
	char clean[3 * SESS_EVENT_DETAIL_MAX + 4];
	ts_escape(TS_LINE, ev->detail, strnlen(ev->detail, SESS_EVENT_DETAIL_MAX),
		  clean, sizeof(clean));
	ts_buf_puts(&o, clean);
	return o.n;
}

static int sink_connect(struct syslog_sink *sk)
{
	if (sk->fd >= 0)
		close(sk->fd);
	sk->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sk->fd < 0)
		return -1;
	if (connect(sk->fd, (struct sockaddr *)&sk->sa, sizeof(sk->sa)) != 0) {
		int e = errno;
		close(sk->fd);
		sk->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

static void syslog_event(void *user, const struct session *s,
			 const struct sconn *c, const struct sess_event *ev)
{
	struct syslog_sink *sk = user;
	if (event_severity(ev->kind) < 0)
		return;
	char msg[SYSLOG_MSG_MAX];
	size_t n = syslog_format(s, c, ev, sk->host, sk->pid, msg, sizeof(msg));
	if (sk->fd >= 0 &&
	    send(sk->fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
		return;
	/* The daemon may have restarted (a new socket at the same path):
	 * one reconnect and one more try, then the message is counted lost. */
	if (sink_connect(sk) == 0 &&
	    send(sk->fd, msg, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
		return;
	sk->errors++;
}

struct syslog_sink *syslog_open(const char *socket_path, char *err,
				size_t errlen)
{
	const char *path = socket_path ? socket_path : SYSLOG_DEFAULT_SOCKET;
	struct syslog_sink *sk = calloc(1, sizeof(*sk));
	if (!sk) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sk->fd = -1;
	sk->sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sk->sa.sun_path)) {
		snprintf(err, errlen, "--syslog: socket path too long: %s",
			 path);
		free(sk);
		return NULL;
	}
	memcpy(sk->sa.sun_path, path, strlen(path) + 1);
	if (sink_connect(sk) != 0) {
		snprintf(err, errlen,
			 "--syslog: %s: %s (is a syslog daemon running?)", path,
			 strerror(errno));
		free(sk);
		return NULL;
	}
	if (gethostname(sk->host, sizeof(sk->host) - 1) != 0)
		sk->host[0] = '\0';
	sk->pid = (long)getpid();
	sk->listener.user = sk;
	sk->listener.event = syslog_event;
	return sk;
}

const struct session_listener *syslog_listener(struct syslog_sink *sk)
{
	return &sk->listener;
}

uint64_t syslog_errors(const struct syslog_sink *sk)
{
	return sk->errors;
}

void syslog_close(struct syslog_sink *sk)
{
	if (!sk)
		return;
	if (sk->fd >= 0)
		close(sk->fd);
	free(sk);
}
