/* capture.h - packets from pcap/pcapng files (merged by time) or live.
 *
 * Owns the libpcap handles. A packet's bytes belong to libpcap and stay
 * valid only until the next capture_next() call.
 */
#ifndef ISCSIWATCH_CAPTURE_H
#define ISCSIWATCH_CAPTURE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture;

struct packet {
	uint64_t ts_ns;       /* capture time, ns since the epoch */
	uint32_t caplen;      /* bytes present in data */
	uint32_t wirelen;     /* bytes the packet had on the wire */
	int linktype;         /* DLT_* of the source */
	unsigned source;      /* index of the file/interface it came from */
	const uint8_t *data;  /* borrowed from libpcap */
};

#define CAPTURE_ERRLEN 512

/* Opens `n` files (pcap or pcapng, nanosecond timestamps kept); `filter`
 * (BPF, may be NULL) is applied to each. "-" reads standard input.
 * On error returns NULL with a one-line message in err naming the file:
 * "FILE: no such file", "FILE: permission denied", "FILE: is a directory",
 * "FILE: not a pcap or pcapng file", "FILE: bad filter 'EXPR': why". */
struct capture *capture_open_files(const char *const *paths, size_t n,
				   const char *filter, char *err,
				   size_t errlen);

struct capture_live_opts {
	int snaplen;        /* bytes kept per packet; <= 0: 262144 */
	int buffer_mb;      /* kernel buffer in MiB; <= 0: libpcap's default */
	bool promisc;
	int timeout_ms;     /* read timeout; <= 0: 100 */
	const char *filter; /* BPF, may be NULL */
	/* capture_next() never sleeps: with no packet it returns
	 * CAPTURE_TIMEOUT at once, and the caller sleeps in its own poll()
	 * on capture_pollfds() with its other descriptors. */
	bool caller_waits;
	/* A failed interface is closed for good instead of opened again:
	 * the privileges that open one are gone (-Z). */
	bool no_reopen;
};

/* Opens `n` interfaces for live capture (nanosecond timestamps when the
 * platform has them). On error returns NULL with one line in err, e.g.
 * "capture on eth9: no such device" or "capture on eth0: permission
 * denied (need root or CAP_NET_RAW)". */
struct capture *capture_open_live(const char *const *ifaces, size_t n,
				  const struct capture_live_opts *o, char *err,
				  size_t errlen);

#define CAPTURE_TIMEOUT 2
#define CAPTURE_NOTICE 3

/* Returns 1 with *pkt filled, 0 at the end of every source, or a negative
 * value with a one-line message in err (a truncated file, say; the packets
 * before it were delivered). A failed source is closed and the next call
 * goes on with the others; a failed interface is opened again once a
 * second until it is back (unless no_reopen), and the call that opens it returns
 * CAPTURE_NOTICE (3, no packet) with a line in err that says so. While an
 * interface is away the capture has not ended.
 *
 * Files are merged by timestamp; equal timestamps come in source order.
 * Live interfaces are served in turn as packets arrive (no ordering across
 * interfaces); when none has a packet within the read timeout the call
 * returns CAPTURE_TIMEOUT (2) with no packet, so the caller can refresh
 * its display or look at signals and call again (with caller_waits: at
 * once, without waiting). */
int capture_next(struct capture *c, struct packet *pkt, char *err,
		 size_t errlen);

/* Live: fills at most max entries of out with the descriptors (POLLIN)
 * that become readable when a source has packets for capture_next(),
 * closed sources left out; returns how many. 0 for files. */
size_t capture_pollfds(const struct capture *c, struct pollfd *out,
		       size_t max);

/* Live: the longest a caller may sleep on capture_pollfds() before it
 * must call capture_next() again, in ms, on platforms where libpcap says
 * the descriptor alone does not tell (pcap_get_required_select_timeout);
 * -1 when the descriptors are enough (Linux). */
int capture_wait_limit_ms(const struct capture *c);

/* Packets dropped so far, summed over live sources: by libpcap/the kernel
 * buffer (*drop) and by the interface (*ifdrop). Both 0 for files.
 * Returns 0, or negative with nothing changed when a source cannot say. */
int capture_stats(struct capture *c, uint64_t *drop, uint64_t *ifdrop);

/* DLT_* link type of source i, or -1 when there is no such source. */
int capture_linktype(const struct capture *c, unsigned i);

/* True when the sources are live interfaces. */
bool capture_is_live(const struct capture *c);

/* Name of source i (the path or the interface); NULL when out of range. */
const char *capture_source_name(const struct capture *c, unsigned i);
size_t capture_source_count(const struct capture *c);

/* Live: how many times an interface's read failed (each then opened
 * again, or closed for good with no_reopen). */
uint64_t capture_failures(const struct capture *c);
/* Closes every source; capture_free(NULL) does nothing. */
void capture_free(struct capture *c);

#endif
