/* capture.h - packets from pcap/pcapng files (merged by time) or live.
 *
 * Owns the libpcap handles. A packet's bytes belong to libpcap and stay
 * valid only until the next capture_next() call.
 */
#ifndef ISCSIWATCH_CAPTURE_H
#define ISCSIWATCH_CAPTURE_H

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

/* Opens `n` files; `filter` (BPF, may be NULL) is applied to each.
 * On error returns NULL with a one-line message in err. */
struct capture *capture_open_files(const char *const *paths, size_t n,
				   const char *filter, char *err,
				   size_t errlen);

/* Returns 1 with *pkt filled, 0 at the end of every source, or a negative
 * value with a one-line message in err (a truncated file, say; the packets
 * before it were delivered). */
int capture_next(struct capture *c, struct packet *pkt, char *err,
		 size_t errlen);

/* Name of source i (the path or the interface). */
const char *capture_source_name(const struct capture *c, unsigned i);
size_t capture_source_count(const struct capture *c);

void capture_free(struct capture *c);

#endif
