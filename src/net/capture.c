/* capture.c - packets from pcap/pcapng files (merged by time) or live.
 *
 * Files: each source keeps one packet read ahead; capture_next() hands
 * out the earliest and reads the next one from that source only at the
 * following call. libpcap's buffer for a handle stays valid until the next
 * pcap_next_ex() on that same handle, so the packets read ahead from the
 * other sources stay intact while one is handed out.
 *
 * Live: every handle is non-blocking; capture_next() tries each in turn
 * and, when none has a packet, sleeps in poll() on their selectable
 * descriptors for at most the read timeout, or (caller_waits) returns at
 * once so the caller can sleep on them with its own descriptors. An
 * interface whose read fails (it was removed, its driver reset) is
 * closed and opened again every LIVE_REOPEN_MS until it is back: a
 * sensor runs for months, and what it learned from logins it would not
 * see again.
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LIVE_SNAPLEN_DEFAULT 262144
#define LIVE_TIMEOUT_DEFAULT_MS 100
/* libpcap reads a file through stdio, whose buffer is by default the file
 * system's block size: one read(2) per 4 KiB, 230,000 system calls for a
 * 950 MB capture. On a virtual machine those calls cost more than all the
 * work done on the packets; with 256 KiB a bare read loop over that file
 * went from 0.60 to 0.14 s of CPU (bench/README.md). */
#define FILE_BUFFER_SIZE (256 * 1024)
#define LIVE_REOPEN_MS 1000

struct source {
	pcap_t *h; /* NULL once closed (end, or error) */
	char *iobuf; /* files: the stdio buffer under h, freed after it */
	char *name;
	int linktype;
	bool nano;    /* ts.tv_usec holds nanoseconds */
	bool pending; /* files: hdr/data hold the next packet */
	const struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t ts_ns;
	uint64_t read;	       /* packets read so far */
	uint64_t drop, ifdrop; /* live: pcap_stats() of the handles closed */
	bool lost;	       /* live: closed by a failed read, to reopen */
	uint64_t lost_ms, retry_ms; /* live: when lost, when to try again */
};

struct capture {
	struct source *src;
	struct pollfd *pfd; /* live: one per source, fd -1 when closed */
	size_t n;
	bool live;
	bool caller_waits;
	int timeout_ms;
	size_t turn; /* live: the source to try first */
	uint64_t failures; /* live: reads that failed */
	struct capture_live_opts opts; /* live: to open an interface again */
	char *filter;		       /* opts.filter, owned */
};

__attribute__((format(printf, 3, 4))) static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* One line, whatever libpcap put in its message. */
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	size_t len = strlen(err);
	while (len > 0 && err[len - 1] == ' ')
		err[--len] = '\0';
}

static struct capture *capture_alloc(size_t n, bool live)
{
	struct capture *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->src = calloc(n, sizeof *c->src);
	c->pfd = live ? calloc(n, sizeof *c->pfd) : NULL;
	if (!c->src || (live && !c->pfd)) {
		free(c->src);
		free(c->pfd);
		free(c);
		return NULL;
	}
	c->n = n;
	c->live = live;
	return c;
}

static void source_close(struct capture *c, size_t i)
{
	struct source *s = &c->src[i];
	struct pcap_stat st;
	if (s->h && c->live && pcap_stats(s->h, &st) == 0) {
		s->drop += st.ps_drop;
		s->ifdrop += st.ps_ifdrop;
	}
	if (s->h)
		pcap_close(s->h);
	s->h = NULL;
	free(s->iobuf); /* only now: pcap_close() flushed the stream */
	s->iobuf = NULL;
	s->pending = false;
	if (c->pfd)
		c->pfd[i].fd = -1;
}

void capture_free(struct capture *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		source_close(c, i);
		free(c->src[i].name);
	}
	free(c->src);
	free(c->pfd);
	free(c->filter);
	free(c);
}

static bool is_capture_magic(const uint8_t m[4])
{
	static const uint8_t magics[][4] = {
	    {0xa1, 0xb2, 0xc3, 0xd4}, /* pcap, microseconds */
	    {0xa1, 0xb2, 0x3c, 0x4d}, /* pcap, nanoseconds */
	    {0xa1, 0xb2, 0xcd, 0x34}, /* pcap, Kuznetzov's patch */
	    {0x0a, 0x0d, 0x0d, 0x0a}, /* pcapng section header */
	};
	for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
		bool be = memcmp(m, magics[i], 4) == 0;
		bool le = m[0] == magics[i][3] && m[1] == magics[i][2] &&
			  m[2] == magics[i][1] && m[3] == magics[i][0];
		if (be || le)
			return true;
	}
	return false;
}

/* libpcap's own messages for these cases are "No such file or directory"
 * at best and "truncated dump file" for an empty text file at worst, so
 * the usual mistakes are told apart here, before it opens the file. */
static int check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			set_err(err, errlen, "%s: no such file", path);
		else if (errno == EACCES)
			set_err(err, errlen, "%s: permission denied", path);
		else
			set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "%s: is a directory, not a capture file",
			path);
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			set_err(err, errlen, "%s: permission denied", path);
		else
			set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	uint8_t m[4];
	ssize_t got = S_ISREG(st.st_mode) ? read(fd, m, sizeof m) : 4;
	close(fd);
	if (S_ISREG(st.st_mode) && (got != 4 || !is_capture_magic(m))) {
		set_err(err, errlen, "%s: not a pcap or pcapng file", path);
		return -1;
	}
	return 0;
}

static int set_filter(pcap_t *h, const char *filter, bpf_u_int32 netmask,
		      const char *what, char *err, size_t errlen)
{
	if (!filter || !*filter)
		return 0;
	struct bpf_program prog;
	if (pcap_compile(h, &prog, filter, 1, netmask) != 0) {
		set_err(err, errlen, "%s: bad filter '%s': %s", what, filter,
			pcap_geterr(h));
		return -1;
	}
	int rc = pcap_setfilter(h, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		set_err(err, errlen, "%s: cannot set filter '%s': %s", what,
			filter, pcap_geterr(h));
		return -1;
	}
	return 0;
}

/* The stream libpcap will read the file from, with a large buffer of
 * ours (FILE_BUFFER_SIZE). "-" is a duplicate of standard input, so that
 * closing the capture closes only the duplicate. */
static FILE *open_stream(struct source *s, const char *path, char *err,
			 size_t errlen)
{
	FILE *fp = NULL;
	if (strcmp(path, "-") == 0) {
		int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
		if (fd >= 0 && !(fp = fdopen(fd, "rb")))
			close(fd);
	} else {
		fp = fopen(path, "rbe");
	}
	if (!fp) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* Without the memory stdio's own small buffer still works. */
	s->iobuf = malloc(FILE_BUFFER_SIZE);
	if (s->iobuf)
		setvbuf(fp, s->iobuf, _IOFBF, FILE_BUFFER_SIZE);
	return fp;
}

static int open_file(struct source *s, const char *path, const char *filter,
		     char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	if (strcmp(path, "-") != 0 && check_file(path, err, errlen) != 0)
		return -1;
	FILE *fp = open_stream(s, path, err, errlen);
	if (!fp)
		return -1;
	s->h = pcap_fopen_offline_with_tstamp_precision(
	    fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!s->h) {
		fclose(fp);
		free(s->iobuf);
		s->iobuf = NULL;
		if (strstr(ebuf, "unknown file format"))
			set_err(err, errlen, "%s: not a pcap or pcapng file",
				path);
		else if (strstr(ebuf, "truncated"))
			set_err(err, errlen,
				"%s: truncated capture file header", path);
		else
			set_err(err, errlen, "%s: %s", path, ebuf);
		return -1;
	}
	s->nano = pcap_get_tstamp_precision(s->h) == PCAP_TSTAMP_PRECISION_NANO;
	s->linktype = pcap_datalink(s->h);
	return set_filter(s->h, filter, PCAP_NETMASK_UNKNOWN, path, err,
			  errlen);
}

struct capture *capture_open_files(const char *const *paths, size_t n,
				   const char *filter, char *err, size_t errlen)
{
	if (n == 0) {
		set_err(err, errlen, "no capture file given");
		return NULL;
	}
	struct capture *c = capture_alloc(n, false);
	if (!c) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct source *s = &c->src[i];
		s->name = strdup(paths[i]);
		if (!s->name) {
			set_err(err, errlen, "out of memory");
			goto fail;
		}
		if (open_file(s, paths[i], filter, err, errlen) != 0)
			goto fail;
	}
	return c;
fail:
	capture_free(c);
	return NULL;
}

static int open_iface(struct source *s, const char *name,
		      const struct capture_live_opts *o, char *err,
		      size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	s->h = pcap_create(name, ebuf);
	if (!s->h) {
		set_err(err, errlen, "capture on %s: %s", name, ebuf);
		return -1;
	}
	int mb = o->buffer_mb > 2047 ? 2047 : o->buffer_mb;
	pcap_set_snaplen(s->h,
			 o->snaplen > 0 ? o->snaplen : LIVE_SNAPLEN_DEFAULT);
	pcap_set_promisc(s->h, o->promisc);
	pcap_set_timeout(s->h, o->timeout_ms > 0 ? o->timeout_ms
						 : LIVE_TIMEOUT_DEFAULT_MS);
	if (mb > 0)
		pcap_set_buffer_size(s->h, mb << 20);
	/* Not every platform has nanoseconds: microseconds are fine then. */
	(void)pcap_set_tstamp_precision(s->h, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(s->h);
	if (rc < 0) {
		switch (rc) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			set_err(err, errlen, "capture on %s: no such device",
				name);
			break;
		case PCAP_ERROR_PERM_DENIED:
			set_err(err, errlen,
				"capture on %s: permission denied (need root "
				"or CAP_NET_RAW)",
				name);
			break;
		case PCAP_ERROR_PROMISC_PERM_DENIED:
			set_err(err, errlen,
				"capture on %s: permission denied for "
				"promiscuous mode",
				name);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			set_err(err, errlen, "capture on %s: interface is down",
				name);
			break;
		default: {
			const char *why = pcap_geterr(s->h);
			set_err(err, errlen, "capture on %s: %s", name,
				why && *why ? why : pcap_statustostr(rc));
		}
		}
		return -1;
	}
	s->nano = pcap_get_tstamp_precision(s->h) == PCAP_TSTAMP_PRECISION_NANO;
	s->linktype = pcap_datalink(s->h);
	if (pcap_setnonblock(s->h, 1, ebuf) != 0) {
		set_err(err, errlen, "capture on %s: %s", name, ebuf);
		return -1;
	}
	/* The netmask matters only to "ip broadcast"; without an address
	 * the filter still compiles. */
	bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
	if (pcap_lookupnet(name, &net, &mask, ebuf) != 0)
		mask = PCAP_NETMASK_UNKNOWN;
	char what[128];
	snprintf(what, sizeof what, "capture on %s", name);
	return set_filter(s->h, o->filter, mask, what, err, errlen);
}

struct capture *capture_open_live(const char *const *ifaces, size_t n,
				  const struct capture_live_opts *o, char *err,
				  size_t errlen)
{
	static const struct capture_live_opts defaults = {.promisc = true};
	if (!o)
		o = &defaults;
	if (n == 0) {
		set_err(err, errlen, "no interface given");
		return NULL;
	}
	struct capture *c = capture_alloc(n, true);
	if (!c) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	c->timeout_ms =
	    o->timeout_ms > 0 ? o->timeout_ms : LIVE_TIMEOUT_DEFAULT_MS;
	c->caller_waits = o->caller_waits;
	c->opts = *o;
	if (o->filter && !(c->filter = strdup(o->filter))) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	c->opts.filter = c->filter;
	for (size_t i = 0; i < n; i++) {
		struct source *s = &c->src[i];
		c->pfd[i].fd = -1;
		s->name = strdup(ifaces[i]);
		if (!s->name) {
			set_err(err, errlen, "out of memory");
			goto fail;
		}
		if (open_iface(s, ifaces[i], o, err, errlen) != 0)
			goto fail;
		c->pfd[i].fd = pcap_get_selectable_fd(s->h);
		c->pfd[i].events = POLLIN;
	}
	return c;
fail:
	capture_free(c);
	return NULL;
}

static uint64_t ts_ns(const struct source *s, const struct pcap_pkthdr *h)
{
	if (h->ts.tv_sec < 0)
		return 0;
	uint64_t frac = (uint64_t)h->ts.tv_usec * (s->nano ? 1u : 1000u);
	return (uint64_t)h->ts.tv_sec * 1000000000u + frac;
}

static void fill_packet(struct packet *pkt, const struct source *s, size_t i,
			const struct pcap_pkthdr *h, const u_char *data,
			uint64_t ts)
{
	pkt->ts_ns = ts;
	pkt->caplen = h->caplen;
	pkt->wirelen = h->len;
	pkt->linktype = s->linktype;
	pkt->source = (unsigned)i;
	pkt->data = data;
}

/* Reads source i's next packet ahead; closes it at its end. */
static int file_fill(struct capture *c, size_t i, char *err, size_t errlen)
{
	struct source *s = &c->src[i];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc = pcap_next_ex(s->h, &hdr, &data);
	if (rc == 1) {
		s->hdr = hdr;
		s->data = data;
		s->ts_ns = ts_ns(s, hdr);
		s->pending = true;
		s->read++;
		return 0;
	}
	if (rc == PCAP_ERROR_BREAK) { /* the end of the file */
		source_close(c, i);
		return 0;
	}
	const char *why = pcap_geterr(s->h);
	if (strstr(why, "truncated"))
		set_err(err, errlen, "%s: truncated capture after %llu packets",
			s->name, (unsigned long long)s->read);
	else
		set_err(err, errlen, "%s: read error after %llu packets: %s",
			s->name, (unsigned long long)s->read, why);
	source_close(c, i);
	return -1;
}

static int files_next(struct capture *c, struct packet *pkt, char *err,
		      size_t errlen)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->src[i].h && !c->src[i].pending &&
		    file_fill(c, i, err, errlen) != 0)
			return -1;
	size_t best = c->n;
	for (size_t i = 0; i < c->n; i++) {
		const struct source *s = &c->src[i];
		/* Strictly earlier only: a tie goes to the lower index. */
		if (s->pending &&
		    (best == c->n || s->ts_ns < c->src[best].ts_ns))
			best = i;
	}
	if (best == c->n)
		return 0;
	struct source *s = &c->src[best];
	s->pending = false; /* its buffer lives until we read it again */
	fill_packet(pkt, s, best, s->hdr, s->data, s->ts_ns);
	return 1;
}

static uint64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Live source i failed to read: counted and closed; opened again later
 * unless no_reopen (then for good). */
static void source_failed(struct capture *c, size_t i, char *err,
			  size_t errlen)
{
	struct source *s = &c->src[i];
	c->failures++;
	if (c->opts.no_reopen)
		set_err(err, errlen,
			"capture on %s: %s; not opened again: -Z gave up the "
			"privileges it takes",
			s->name, pcap_geterr(s->h));
	else
		set_err(err, errlen,
			"capture on %s: %s; opening it again every %d s until "
			"it is back",
			s->name, pcap_geterr(s->h), LIVE_REOPEN_MS / 1000);
	source_close(c, i);
	if (c->opts.no_reopen)
		return;
	s->lost = true;
	s->lost_ms = mono_ms();
	s->retry_ms = s->lost_ms + LIVE_REOPEN_MS;
}

/* Opens the lost sources that are due again. 1 with a line in err when
 * one is back (the others wait for the next call), else 0. */
static int sources_retry(struct capture *c, char *err, size_t errlen)
{
	uint64_t now = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct source *s = &c->src[i];
		if (!s->lost)
			continue;
		if (!now)
			now = mono_ms(); /* only with a source lost: not per packet */
		if (now < s->retry_ms)
			continue;
		char why[CAPTURE_ERRLEN];
		if (open_iface(s, s->name, &c->opts, why, sizeof why) != 0) {
			if (s->h)
				pcap_close(s->h);
			s->h = NULL;
			s->retry_ms = now + LIVE_REOPEN_MS;
			continue;
		}
		s->lost = false;
		c->pfd[i].fd = pcap_get_selectable_fd(s->h);
		c->pfd[i].events = POLLIN;
		set_err(err, errlen, "capture on %s: open again after %llu s",
			s->name,
			(unsigned long long)((now - s->lost_ms + 500) / 1000));
		return 1;
	}
	return 0;
}

static int live_next(struct capture *c, struct packet *pkt, char *err,
		     size_t errlen)
{
	if (sources_retry(c, err, errlen))
		return CAPTURE_NOTICE;
	for (int round = 0; round < 2; round++) {
		size_t open = 0;
		for (size_t k = 0; k < c->n; k++) {
			size_t i = (c->turn + k) % c->n;
			struct source *s = &c->src[i];
			if (s->lost)
				open++;
			if (!s->h)
				continue;
			open++;
			struct pcap_pkthdr *hdr;
			const u_char *data;
			int rc = pcap_next_ex(s->h, &hdr, &data);
			if (rc == 1) {
				s->read++;
				/* Next time start after it, so a busy
				 * interface cannot starve the others. */
				c->turn = i + 1;
				fill_packet(pkt, s, i, hdr, data, ts_ns(s, hdr));
				return 1;
			}
			if (rc == 0)
				continue;
			if (rc == PCAP_ERROR_BREAK) {
				source_close(c, i);
				continue;
			}
			source_failed(c, i, err, errlen);
			return -1;
		}
		if (open == 0)
			return 0;
		if (round == 1 || c->caller_waits)
			break;
		/* Nothing anywhere: sleep until a descriptor is readable or
		 * the read timeout passes (EINTR too: let the caller look at
		 * its signals). */
		if (poll(c->pfd, (nfds_t)c->n, c->timeout_ms) <= 0)
			return CAPTURE_TIMEOUT;
	}
	return CAPTURE_TIMEOUT;
}

int capture_next(struct capture *c, struct packet *pkt, char *err,
		 size_t errlen)
{
	return c->live ? live_next(c, pkt, err, errlen)
		       : files_next(c, pkt, err, errlen);
}

size_t capture_pollfds(const struct capture *c, struct pollfd *out,
		       size_t max)
{
	size_t k = 0;
	for (size_t i = 0; c->live && i < c->n && k < max; i++)
		if (c->src[i].h && c->pfd[i].fd >= 0)
			out[k++] = (struct pollfd){.fd = c->pfd[i].fd,
						   .events = POLLIN};
	return k;
}

int capture_wait_limit_ms(const struct capture *c)
{
	int ms = -1;
	uint64_t now = 0;
	for (size_t i = 0; c->live && i < c->n; i++) {
		if (c->src[i].lost) {
			if (!now)
				now = mono_ms();
			uint64_t due = c->src[i].retry_ms;
			int t = due <= now ? 0 : (int)(due - now);
			if (ms < 0 || t < ms)
				ms = t;
			continue;
		}
		if (!c->src[i].h)
			continue;
		const struct timeval *tv =
		    pcap_get_required_select_timeout(c->src[i].h);
		if (!tv)
			continue;
		long long t = (long long)tv->tv_sec * 1000 + tv->tv_usec / 1000;
		if (t < 1)
			t = 1;
		if (t > 60000)
			t = 60000;
		if (ms < 0 || t < ms)
			ms = (int)t;
	}
	return ms;
}

int capture_stats(struct capture *c, uint64_t *drop, uint64_t *ifdrop)
{
	uint64_t d = 0, ifd = 0;
	for (size_t i = 0; c->live && i < c->n; i++) {
		const struct source *s = &c->src[i];
		struct pcap_stat st = {0};
		if (s->h && pcap_stats(s->h, &st) != 0)
			return -1;
		d += s->drop + (s->h ? st.ps_drop : 0);
		ifd += s->ifdrop + (s->h ? st.ps_ifdrop : 0);
	}
	*drop = d;
	*ifdrop = ifd;
	return 0;
}

const char *capture_source_name(const struct capture *c, unsigned i)
{
	return i < c->n ? c->src[i].name : NULL;
}

size_t capture_source_count(const struct capture *c)
{
	return c->n;
}

int capture_linktype(const struct capture *c, unsigned i)
{
	return i < c->n ? c->src[i].linktype : -1;
}

uint64_t capture_failures(const struct capture *c)
{
	return c ? c->failures : 0;
}

bool capture_is_live(const struct capture *c)
{
	return c->live;
}
